//! The member channel on the manager's side: the pair's keys and numbers, what the member sent
//! (topics for the next 1on1, requests for a 1on1, items they ticked), and messages waiting to go
//! to them. The vault knows nothing of the network or the seal (`taiwa-sync` and
//! `taiwa-channel` do): what it is given here is plaintext already opened, kept inside the
//! encrypted file like every note.

use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;
use taiwa_domain::{Owner, TopicKind, Wants};
use zeroize::Zeroizing;

use super::agenda::{AgendaItem, MAX_AGENDA_CHARS, NewAgendaItem};
use super::{clean_text, found, parsed};
use crate::error::Rule;
use crate::search::{self, HitKind};
use crate::{Error, Vault};

/// The longest topic a member may send, in characters (`taiwa_protocol::channel::MAX_TOPIC_CHARS`).
pub const MAX_MEMBER_TOPIC_CHARS: usize = 500;

/// Where a pairing stands on this laptop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum PairingStage {
    /// A code is shown to the member; nobody has used it yet.
    Waiting,
    /// The member used the code: the safety codes are to be compared.
    Confirm,
    /// The manager confirmed the safety codes match.
    Paired,
}

impl PairingStage {
    fn stored(self) -> &'static str {
        match self {
            PairingStage::Waiting => "waiting",
            PairingStage::Confirm => "confirm",
            PairingStage::Paired => "paired",
        }
    }

    fn named(name: &str) -> Option<PairingStage> {
        [PairingStage::Waiting, PairingStage::Confirm, PairingStage::Paired]
            .into_iter()
            .find(|s| s.stored() == name)
    }
}

impl std::str::FromStr for PairingStage {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        PairingStage::named(s).ok_or(())
    }
}

/// A person's pairing, without its private keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberPairing {
    pub person_id: i64,
    pub stage: PairingStage,
    /// This pair's public key, once a code was used (the current pairing's).
    pub public_key: Option<[u8; 32]>,
    pub member_key: Option<[u8; 32]>,
    /// A new pairing's key and code while they wait for the member.
    pub pending_public: Option<[u8; 32]>,
    pub code: Option<String>,
    pub code_expires_at: Option<String>,
    /// The server's day of pairing (`YYYY-MM-DD`).
    pub since: Option<String>,
    pub confirmed_at: Option<String>,
    pub next_out: u64,
    pub next_in: u64,
    /// Messages refused (a replay, a gap, one that did not open).
    pub refused: u32,
}

fn key(row: &Row<'_>, index: usize) -> rusqlite::Result<Option<[u8; 32]>> {
    Ok(row
        .get::<_, Option<Vec<u8>>>(index)?
        .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok()))
}

const SELECT_PAIRING: &str = "SELECT person_id, state, public_key, member_key, pending_public, code, code_expires_at,
    since, confirmed_at, next_out, next_in, refused FROM member_pairings";

fn pairing_row(row: &Row<'_>) -> rusqlite::Result<MemberPairing> {
    Ok(MemberPairing {
        person_id: row.get(0)?,
        stage: parsed(row, 1)?,
        public_key: key(row, 2)?,
        member_key: key(row, 3)?,
        pending_public: key(row, 4)?,
        code: row.get(5)?,
        code_expires_at: row.get(6)?,
        since: row.get(7)?,
        confirmed_at: row.get(8)?,
        next_out: row.get::<_, i64>(9)?.try_into().unwrap_or(0),
        next_in: row.get::<_, i64>(10)?.try_into().unwrap_or(0),
        refused: row.get::<_, i64>(11)?.try_into().unwrap_or(0),
    })
}

/// Where a member's topic stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum TopicState {
    /// Arrived, not yet on an agenda.
    New,
    /// The manager took it into an agenda.
    Taken,
    /// The member took it back before it was taken.
    Withdrawn,
}

impl std::str::FromStr for TopicState {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "new" => Ok(TopicState::New),
            "taken" => Ok(TopicState::Taken),
            "withdrawn" => Ok(TopicState::Withdrawn),
            _ => Err(()),
        }
    }
}

/// A topic a member sent for their next 1on1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MemberTopic {
    pub id: i64,
    pub person_id: i64,
    /// The member page's id for it.
    pub topic_id: String,
    pub text: String,
    pub kind: TopicKind,
    pub wants: Wants,
    pub state: TopicState,
    /// Local time.
    pub received_at: String,
}

const SELECT_TOPIC: &str = "SELECT id, person_id, topic_id, text, kind, wants, state, received_at FROM member_topics";

fn topic_row(row: &Row<'_>) -> rusqlite::Result<MemberTopic> {
    Ok(MemberTopic {
        id: row.get(0)?,
        person_id: row.get(1)?,
        topic_id: row.get(2)?,
        text: row.get(3)?,
        kind: parsed(row, 4)?,
        wants: parsed(row, 5)?,
        state: parsed(row, 6)?,
        received_at: row.get(7)?,
    })
}

/// A member asked for a 1on1 soon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MemberRequest {
    pub id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub note: Option<String>,
    pub received_at: String,
}

/// One message from a member, opened, as the vault takes it. Applying it and moving the pair's
/// inbox past its number happen in one transaction (`Vault::take_member_message`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FromMember {
    Topic {
        topic_id: String,
        text: String,
        kind: TopicKind,
        wants: Wants,
    },
    TopicWithdrawn {
        topic_id: String,
    },
    AskSoon {
        note: Option<String>,
    },
    ItemDone {
        action_id: i64,
        done: bool,
    },
    /// The message did not open, or said something this app cannot take: counted, skipped.
    Refused,
}

/// What taking one message did, for the app to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken {
    Applied,
    /// Well-formed but not for this person (an item of someone else's, a topic already taken):
    /// nothing changed; counted as refused.
    Ignored,
    Refused,
}

/// A message waiting to go to a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMemberMessage {
    pub id: i64,
    pub person_id: i64,
    pub body: String,
}

impl Vault {
    /// A person's pairing, if one was started.
    pub fn member_pairing(&self, person_id: i64) -> Result<Option<MemberPairing>, Error> {
        Ok(self
            .conn()
            .query_row(
                &format!("{SELECT_PAIRING} WHERE person_id = ?1"),
                [person_id],
                pairing_row,
            )
            .optional()?)
    }

    /// Every pairing, by person.
    pub fn member_pairings(&self) -> Result<Vec<MemberPairing>, Error> {
        let mut stmt = self
            .conn()
            .prepare_cached(&format!("{SELECT_PAIRING} ORDER BY person_id"))?;
        let rows = stmt.query_map([], pairing_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Keeps a new pairing's key pair and code while the member has not used it. A pairing
    /// already made keeps its keys until then.
    pub fn start_member_pairing(
        &mut self,
        person_id: i64,
        secret: &[u8; 32],
        public: &[u8; 32],
        code: &str,
        expires_at: &str,
    ) -> Result<MemberPairing, Error> {
        let person = self.person(person_id)?;
        self.write(|tx| {
            // A deleted person's pairing waiting to be ended is this one's, made again.
            if let Some(employee_id) = &person.employee_id {
                tx.execute("DELETE FROM member_unpairs WHERE employee_id = ?1", [employee_id])?;
            }
            tx.execute(
                "INSERT INTO member_pairings (person_id, state, pending_secret, pending_public, code, code_expires_at)
                 VALUES (?1, 'waiting', ?2, ?3, ?4, ?5)
                 ON CONFLICT (person_id) DO UPDATE SET pending_secret = excluded.pending_secret,
                   pending_public = excluded.pending_public, code = excluded.code,
                   code_expires_at = excluded.code_expires_at,
                   state = CASE WHEN member_pairings.public_key IS NULL THEN 'waiting' ELSE member_pairings.state END",
                params![person_id, secret.as_slice(), public.as_slice(), code, expires_at],
            )?;
            Ok(())
        })?;
        self.member_pairing(person_id)?.ok_or(Error::NotFound {
            what: "pairing",
            id: person_id,
        })
    }

    /// The member used the code made with `public`: the pending key becomes the pairing's, with
    /// the member's key, and the safety codes wait to be compared. Numbers start again at 0.
    pub fn complete_member_pairing(
        &mut self,
        person_id: i64,
        public: &[u8; 32],
        member_key: &[u8; 32],
        since: &str,
    ) -> Result<MemberPairing, Error> {
        let changed = self.write(|tx| {
            Ok(tx.execute(
                "UPDATE member_pairings SET state = 'confirm', secret_key = pending_secret, public_key = pending_public,
                   member_key = ?3, since = ?4, confirmed_at = NULL, next_out = 0, next_in = 0,
                   pending_secret = NULL, pending_public = NULL, code = NULL, code_expires_at = NULL
                 WHERE person_id = ?1 AND pending_public = ?2",
                params![person_id, public.as_slice(), member_key.as_slice(), since],
            )?)
        })?;
        if changed == 1 {
            // What was waiting for the old pairing cannot be opened by the new browser.
            self.write(|tx| {
                tx.execute("DELETE FROM member_outbox WHERE person_id = ?1", [person_id])?;
                Ok(())
            })?;
        }
        self.member_pairing(person_id)?.ok_or(Error::NotFound {
            what: "pairing",
            id: person_id,
        })
    }

    /// The manager compared the safety codes and they match.
    pub fn confirm_member_pairing(&mut self, person_id: i64) -> Result<MemberPairing, Error> {
        let now = crate::now_stamp();
        let changed = self.write(|tx| {
            Ok(tx.execute(
                "UPDATE member_pairings SET state = 'paired', confirmed_at = ?2 WHERE person_id = ?1 AND state = 'confirm'",
                params![person_id, now],
            )?)
        })?;
        if changed == 0 {
            return Err(Error::invalid(
                "pairing",
                Rule::WrongState,
                "there is no pairing waiting for its safety code to be confirmed",
            ));
        }
        self.member_pairing(person_id)?.ok_or(Error::NotFound {
            what: "pairing",
            id: person_id,
        })
    }

    /// Forgets a person's pairing: its keys and what waits to go. What the member sent stays.
    /// The employee ids of deleted people whose pairing the server is still to end.
    pub fn pending_unpairs(&self) -> Result<Vec<String>, Error> {
        let mut stmt = self
            .conn()
            .prepare("SELECT employee_id FROM member_unpairs ORDER BY employee_id")?;
        let ids = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// The server has ended the pairing of a deleted person: nothing of them is left.
    pub fn unpaired(&mut self, employee_id: &str) -> Result<(), Error> {
        self.write(|tx| {
            tx.execute("DELETE FROM member_unpairs WHERE employee_id = ?1", [employee_id])?;
            Ok(())
        })
    }

    pub fn forget_member_pairing(&mut self, person_id: i64) -> Result<(), Error> {
        self.write(|tx| {
            tx.execute("DELETE FROM member_pairings WHERE person_id = ?1", [person_id])?;
            tx.execute("DELETE FROM member_outbox WHERE person_id = ?1", [person_id])?;
            Ok(())
        })
    }

    /// Drops a code that expired unused: the pairing goes back to what it was.
    pub fn drop_member_code(&mut self, person_id: i64) -> Result<(), Error> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM member_pairings WHERE person_id = ?1 AND public_key IS NULL",
                [person_id],
            )?;
            tx.execute(
                "UPDATE member_pairings SET pending_secret = NULL, pending_public = NULL, code = NULL, code_expires_at = NULL
                 WHERE person_id = ?1",
                [person_id],
            )?;
            Ok(())
        })
    }

    /// The pair's private key, for opening what the member sent (wiped when dropped).
    pub fn member_secret_key(&self, person_id: i64) -> Result<Option<Zeroizing<[u8; 32]>>, Error> {
        let bytes: Option<Option<Vec<u8>>> = self
            .conn()
            .query_row(
                "SELECT secret_key FROM member_pairings WHERE person_id = ?1",
                [person_id],
                |r| r.get(0),
            )
            .optional()?;
        Ok(bytes
            .flatten()
            .map(Zeroizing::new)
            .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok().map(Zeroizing::new)))
    }

    /// Takes one message from the member, numbered `seq` (the pair's next), and moves the inbox
    /// past it, in one transaction.
    pub fn take_member_message(&mut self, person_id: i64, seq: u64, message: FromMember) -> Result<Taken, Error> {
        let now = crate::now_stamp();
        let today = super::date_text(self.today());
        let seq = i64::try_from(seq).unwrap_or(i64::MAX);
        self.write(|tx| {
            let moved = tx.execute(
                "UPDATE member_pairings SET next_in = ?2 + 1 WHERE person_id = ?1 AND next_in = ?2",
                params![person_id, seq],
            )?;
            if moved != 1 {
                return Err(Error::invalid(
                    "message",
                    Rule::WrongState,
                    "this message is not the next one from this member",
                ));
            }
            let taken = match message {
                FromMember::Refused => Taken::Refused,
                FromMember::Topic {
                    topic_id,
                    text,
                    kind,
                    wants,
                } => match clean_text("topic", &text, MAX_MEMBER_TOPIC_CHARS, true) {
                    Err(_) => Taken::Refused,
                    Ok(text) => {
                        // An edit of a topic not yet taken replaces it; a taken one stays as taken.
                        let changed = tx.execute(
                            "INSERT INTO member_topics (person_id, topic_id, text, kind, wants, state, received_at)
                             VALUES (?1, ?2, ?3, ?4, ?5, 'new', ?6)
                             ON CONFLICT (person_id, topic_id) DO UPDATE SET text = excluded.text, kind = excluded.kind,
                               wants = excluded.wants, state = 'new', received_at = excluded.received_at
                             WHERE member_topics.state <> 'taken'",
                            params![person_id, topic_id, text, kind.as_str(), wants.as_str(), now],
                        )?;
                        if changed == 1 {
                            // Its words replace an edited topic's old ones in the index.
                            let id: i64 = tx.query_row(
                                "SELECT id FROM member_topics WHERE person_id = ?1 AND topic_id = ?2",
                                params![person_id, topic_id],
                                |r| r.get(0),
                            )?;
                            search::index(tx, HitKind::MemberTopic, id, &text)?;
                            Taken::Applied
                        } else {
                            Taken::Ignored
                        }
                    }
                },
                FromMember::TopicWithdrawn { topic_id } => {
                    let changed = tx.execute(
                        "UPDATE member_topics SET state = 'withdrawn' WHERE person_id = ?1 AND topic_id = ?2 AND state = 'new'",
                        params![person_id, topic_id],
                    )?;
                    if changed == 1 { Taken::Applied } else { Taken::Ignored }
                }
                FromMember::AskSoon { note } => {
                    let note = note
                        .as_deref()
                        .map(str::trim)
                        .filter(|n| !n.is_empty())
                        .map(|n| n.chars().take(200).collect::<String>());
                    tx.execute(
                        "INSERT INTO member_requests (person_id, note, received_at) VALUES (?1, ?2, ?3)",
                        params![person_id, note, now],
                    )?;
                    if let Some(note) = &note {
                        search::index(tx, HitKind::MemberRequest, tx.last_insert_rowid(), note)?;
                    }
                    Taken::Applied
                }
                FromMember::ItemDone { action_id, done } => {
                    // Only the member's own items of this person, and only as the member says.
                    let changed = if done {
                        tx.execute(
                            "UPDATE action_items SET done_date = ?3, done_by = 'member'
                             WHERE id = ?1 AND person_id = ?2 AND owner = 'member' AND done_date IS NULL",
                            params![action_id, person_id, today],
                        )?
                    } else {
                        tx.execute(
                            "UPDATE action_items SET done_date = NULL, done_by = NULL
                             WHERE id = ?1 AND person_id = ?2 AND owner = 'member' AND done_by = 'member'",
                            params![action_id, person_id],
                        )?
                    };
                    if changed == 1 { Taken::Applied } else { Taken::Ignored }
                }
            };
            if taken != Taken::Applied {
                tx.execute(
                    "UPDATE member_pairings SET refused = refused + 1 WHERE person_id = ?1",
                    [person_id],
                )?;
            }
            Ok(taken)
        })
    }

    /// Counts a message refused before it could be taken (a replay, a gap): the inbox stays where
    /// it is.
    pub fn count_member_refusal(&mut self, person_id: i64) -> Result<(), Error> {
        self.write(|tx| {
            tx.execute(
                "UPDATE member_pairings SET refused = refused + 1 WHERE person_id = ?1",
                [person_id],
            )?;
            Ok(())
        })
    }

    /// A person's topics from their page, newest first; `open_only` leaves out taken and
    /// withdrawn ones.
    pub fn member_topics(&self, person_id: i64, open_only: bool) -> Result<Vec<MemberTopic>, Error> {
        let filter = if open_only { "AND state = 'new'" } else { "" };
        let mut stmt = self.conn().prepare_cached(&format!(
            "{SELECT_TOPIC} WHERE person_id = ?1 {filter} ORDER BY received_at DESC, id DESC"
        ))?;
        let rows = stmt.query_map([person_id], topic_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows.into_iter().map(|t| self.topic_in_local_time(t)).collect())
    }

    pub fn member_topic(&self, id: i64) -> Result<MemberTopic, Error> {
        let topic = found(
            self.conn()
                .query_row(&format!("{SELECT_TOPIC} WHERE id = ?1"), [id], topic_row),
            "member topic",
            id,
        )?;
        Ok(self.topic_in_local_time(topic))
    }

    /// A stored instant as the manager's local time (`YYYY-MM-DDTHH:MM:SS`), as the UI shows it.
    fn local_text(&self, stamp: &str) -> String {
        self.local_time(stamp).format("%Y-%m-%dT%H:%M:%S").to_string()
    }

    fn topic_in_local_time(&self, topic: MemberTopic) -> MemberTopic {
        MemberTopic {
            received_at: self.local_text(&topic.received_at),
            ..topic
        }
    }

    /// Takes a member's topic into a session's agenda (marked as the member's) and queues
    /// `notice` (the member page's "taken" message) to the member, in one transaction.
    pub fn take_member_topic(&mut self, id: i64, session_id: i64, notice: &str) -> Result<AgendaItem, Error> {
        let topic = self.member_topic(id)?;
        let session = self.session(session_id)?;
        if session.person_id != topic.person_id {
            return Err(Error::invalid(
                "session",
                Rule::WrongPerson,
                "the session is with someone else than the member who sent the topic",
            ));
        }
        if topic.state != TopicState::New {
            return Err(Error::invalid(
                "topic",
                Rule::WrongState,
                "this topic was already taken or withdrawn",
            ));
        }
        let text = clean_text("agenda item", &topic.text, MAX_AGENDA_CHARS, true)?;
        let now = crate::now_stamp();
        let item_id = self.write(|tx| {
            let item = NewAgendaItem {
                text,
                kind: topic.kind,
                wants: Some(topic.wants),
            };
            let item_id = super::agenda::insert(tx, session_id, &item, None)?
                .ok_or(Error::Storage(rusqlite::Error::QueryReturnedNoRows))?;
            tx.execute(
                "UPDATE agenda_items SET member_topic_id = ?2 WHERE id = ?1",
                params![item_id, id],
            )?;
            tx.execute("UPDATE member_topics SET state = 'taken' WHERE id = ?1", [id])?;
            tx.execute(
                "INSERT INTO member_outbox (person_id, body, queued_at) VALUES (?1, ?2, ?3)",
                params![topic.person_id, notice, now],
            )?;
            Ok(item_id)
        })?;
        self.agenda_item(item_id)
    }

    /// Requests for a 1on1 not yet dismissed, oldest first.
    pub fn member_requests(&self) -> Result<Vec<MemberRequest>, Error> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT r.id, r.person_id, p.name, r.note, r.received_at FROM member_requests r
             JOIN people p ON p.id = r.person_id WHERE r.dismissed_at IS NULL ORDER BY r.received_at, r.id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(MemberRequest {
                    id: r.get(0)?,
                    person_id: r.get(1)?,
                    person_name: r.get(2)?,
                    note: r.get(3)?,
                    received_at: r.get(4)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows
            .into_iter()
            .map(|r| MemberRequest {
                received_at: self.local_text(&r.received_at),
                ..r
            })
            .collect())
    }

    /// The manager has seen a request (they planned the 1on1, or answered otherwise).
    pub fn dismiss_member_request(&mut self, id: i64) -> Result<(), Error> {
        let now = crate::now_stamp();
        let changed = self.write(|tx| {
            Ok(tx.execute(
                "UPDATE member_requests SET dismissed_at = ?2 WHERE id = ?1 AND dismissed_at IS NULL",
                params![id, now],
            )?)
        })?;
        if changed == 0 {
            return Err(Error::NotFound { what: "request", id });
        }
        Ok(())
    }

    /// Queues a message (plaintext, sealed when sent) to a paired member.
    pub fn queue_member_message(&mut self, person_id: i64, body: &str) -> Result<(), Error> {
        let paired = self
            .member_pairing(person_id)?
            .is_some_and(|p| p.stage == PairingStage::Paired);
        if !paired {
            return Err(Error::invalid(
                "pairing",
                Rule::WrongState,
                "this person's page is not paired (or its safety code is not confirmed yet)",
            ));
        }
        let now = crate::now_stamp();
        self.write(|tx| {
            tx.execute(
                "INSERT INTO member_outbox (person_id, body, queued_at) VALUES (?1, ?2, ?3)",
                params![person_id, body, now],
            )?;
            Ok(())
        })
    }

    /// Messages waiting to go to paired members, oldest first.
    pub fn member_outbox(&self) -> Result<Vec<OutgoingMemberMessage>, Error> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT o.id, o.person_id, o.body FROM member_outbox o
             JOIN member_pairings p ON p.person_id = o.person_id AND p.state = 'paired'
             ORDER BY o.id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(OutgoingMemberMessage {
                    id: r.get(0)?,
                    person_id: r.get(1)?,
                    body: r.get(2)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The server has message `id` as number `seq`: it leaves the outbox, and the next one goes
    /// as `seq + 1`.
    pub fn member_message_sent(&mut self, id: i64, person_id: i64, seq: u64) -> Result<(), Error> {
        let seq = i64::try_from(seq).unwrap_or(i64::MAX);
        self.write(|tx| {
            tx.execute("DELETE FROM member_outbox WHERE id = ?1", [id])?;
            tx.execute(
                "UPDATE member_pairings SET next_out = ?2 + 1 WHERE person_id = ?1",
                params![person_id, seq],
            )?;
            Ok(())
        })
    }

    /// The server says the next message to this member goes as `next`.
    pub fn set_member_next_out(&mut self, person_id: i64, next: u64) -> Result<(), Error> {
        let next = i64::try_from(next).unwrap_or(i64::MAX);
        self.write(|tx| {
            tx.execute(
                "UPDATE member_pairings SET next_out = ?2 WHERE person_id = ?1",
                params![person_id, next],
            )?;
            Ok(())
        })
    }

    /// Records that a session's summary was sent to the member (queued with `body`), in one
    /// transaction.
    pub fn send_member_summary(&mut self, session_id: i64, body: &str) -> Result<String, Error> {
        let session = self.session(session_id)?;
        self.queue_member_message(session.person_id, body)?;
        let now = crate::now_stamp();
        self.write(|tx| {
            tx.execute(
                "INSERT INTO member_summaries (session_id, sent_at) VALUES (?1, ?2)
                 ON CONFLICT (session_id) DO UPDATE SET sent_at = excluded.sent_at",
                params![session_id, now],
            )?;
            Ok(())
        })?;
        Ok(self.local_text(&now))
    }

    /// When a session's summary was last sent to the member.
    pub fn member_summary_sent(&self, session_id: i64) -> Result<Option<String>, Error> {
        let sent: Option<String> = self
            .conn()
            .query_row(
                "SELECT sent_at FROM member_summaries WHERE session_id = ?1",
                [session_id],
                |r| r.get(0),
            )
            .optional()?;
        Ok(sent.map(|s| self.local_text(&s)))
    }

    /// The team's すっきり度 as the server last answered it (its JSON, kept as it came).
    pub fn member_team_quality(&self) -> Result<Option<String>, Error> {
        Ok(self
            .conn()
            .query_row("SELECT value FROM sync_state WHERE key = 'team_quality'", [], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn set_member_team_quality(&mut self, json: &str) -> Result<(), Error> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO sync_state (key, value) VALUES ('team_quality', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [json],
            )?;
            Ok(())
        })
    }

    /// The manager undoes the member's "done" on an item, and queues `notice` to tell the member.
    pub fn undo_member_done(&mut self, action_id: i64, notice: &str) -> Result<super::actions::Action, Error> {
        let action = self.action(action_id)?;
        if action.done_by != Some(Owner::Member) {
            return Err(Error::invalid(
                "action item",
                Rule::WrongState,
                "this item was not marked done by the member",
            ));
        }
        let paired = self
            .member_pairing(action.person_id)?
            .is_some_and(|p| p.stage == PairingStage::Paired);
        let now = crate::now_stamp();
        self.write(|tx| {
            tx.execute(
                "UPDATE action_items SET done_date = NULL, done_by = NULL WHERE id = ?1",
                [action_id],
            )?;
            if paired {
                tx.execute(
                    "INSERT INTO member_outbox (person_id, body, queued_at) VALUES (?1, ?2, ?3)",
                    params![action.person_id, notice, now],
                )?;
            }
            Ok(())
        })?;
        self.action(action_id)
    }
}
