//! The member channel's storage: pairing codes, pairings, the relay of sealed messages, and
//! ratings kept apart from the mark that a pair rated.
//!
//! What the server can read here is what docs/SECURITY.md ("The member channel") lists: who is
//! paired and since which day, both public keys, and for each waiting message its pair, direction,
//! number, size bucket and arrival day. A message is deleted once its reader acknowledges it, and
//! after `RELAY_KEEP_DAYS` whatever happens. A rating's score is stored under the member's unit and
//! the month with the hash of a token only the member's browser holds; the mark that the pair rated
//! is another table, with nothing the two share: no id, no day, no order (SQLite keeps both tables
//! in key order; on PostgreSQL a unit's month of ratings is rewritten in token order at each new
//! rating, so the order rows are stored in is never the order they came).

use data_encoding::BASE64URL_NOPAD;
use taiwa_protocol::Month;
use taiwa_protocol::channel::{
    Ack, CLARITY_MAX, CLARITY_MIN, Inbox, MAX_INBOX_MESSAGES, MemberState, PAIRING_CODE_MINUTES, PairPerson, Pairing,
    PairingCode, PairingState, Pairings, RATING_CHANGE_DAYS, RELAY_KEEP_DAYS, Rated, RatingRequest, RelayedMessage,
    SealedMessage, Sent,
};

use super::{day_start, hash_secret, month_index, new_token, normalize_code, now, random_bytes};
use crate::Error;
use crate::db::{Backend, Conn, Pool, V};

/// Wrong codes one pairing code takes before it stops working.
pub const PAIRING_CODE_FAILURES: i64 = 5;
/// Messages that may wait unread in one direction of one pair; past it a sender is refused until
/// the reader catches up (a full inbox is a stuck reader, or someone filling the disk).
pub const MAX_WAITING: i64 = 500;

/// A pair: the manager's and the member's employee ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub manager_id: String,
    pub member_id: String,
}

/// Which way a message travels, as stored (taiwa-channel's `Direction`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Way {
    ToMember = 1,
    ToManager = 2,
}

impl Way {
    fn stored(self) -> V {
        V::Int(self as i64)
    }

    fn next_column(self) -> &'static str {
        match self {
            Way::ToMember => "next_to_member",
            Way::ToManager => "next_to_manager",
        }
    }
}

fn decoded_len(text: &str) -> Option<usize> {
    BASE64URL_NOPAD.decode(text.as_bytes()).ok().map(|b| b.len())
}

fn check_key(field: &str, key: &str) -> Result<(), Error> {
    if decoded_len(key) == Some(32) {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "{field} must be a 32-byte X25519 public key in base64url without padding"
        )))
    }
}

/// A sealed message has a 32-byte encapsulated key and a ciphertext of one of the padded sizes:
/// anything else cannot be one of ours, and is refused before it is stored.
fn check_sealed(message: &SealedMessage) -> Result<(), Error> {
    if decoded_len(&message.enc) != Some(32) {
        return Err(Error::Invalid(
            "enc must be HPKE's 32-byte encapsulated key in base64url without padding".into(),
        ));
    }
    let sizes = taiwa_channel::SIZES.map(|s| s + taiwa_channel::TAG_BYTES);
    match decoded_len(&message.ciphertext) {
        Some(n) if sizes.contains(&n) => Ok(()),
        _ => Err(Error::Invalid(format!(
            "ciphertext must be base64url of {} bytes (a padded, sealed message)",
            sizes.map(|s| s.to_string()).join(", ")
        ))),
    }
}

/// A pairing code a person can type on a phone: 8 Crockford base32 characters in two groups
/// (40 bits), good for `PAIRING_CODE_MINUTES`, once, and `PAIRING_CODE_FAILURES` wrong tries.
fn new_pairing_code() -> Result<String, Error> {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let chars: String = random_bytes::<8>()?
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b & 31)]))
        .collect();
    Ok(format!("{}-{}", &chars[0..4], &chars[4..8]))
}

/// The lookup handle of a typed pairing code (its first group), or `None` when it cannot be one.
fn pairing_code_id(code: &str) -> Option<String> {
    let normal = normalize_code(code);
    let ours = normal.len() == 8 && normal.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase());
    ours.then(|| normal[..4].to_owned())
}

/// The company's time zone (the `time_zone` setting).
pub fn company_zone(pool: &Pool) -> Result<chrono_tz::Tz, Error> {
    Ok(super::settings(pool)?.time_zone)
}

/// `YYYY-MM-DD` of a stored day (the Unix time its day began in the company's zone).
pub fn day_text(tz: chrono_tz::Tz, day: i64) -> String {
    chrono::DateTime::from_timestamp(day, 0)
        .map(|t| t.with_timezone(&tz).date_naive().to_string())
        .unwrap_or_default()
}

/// The month it is in the company's zone at `t`.
fn company_month(tz: chrono_tz::Tz, t: i64) -> Month {
    let at = chrono::DateTime::from_timestamp(t, 0).unwrap_or_default();
    Month::of_instant(at, &taiwa_domain::Zone::Named(tz))
}

/// Whether `member` reports to `manager` in the directory this month.
fn reports_to(conn: &mut dyn Conn, manager: &str, member: &str) -> Result<bool, Error> {
    let rows = conn.query(
        "SELECT 1 AS one FROM employees WHERE employee_id = $1 AND manager_id = $2
           AND valid_from <= $3 AND (valid_to IS NULL OR valid_to >= $3)",
        &[
            V::from(member),
            V::from(manager),
            V::Int(month_index(super::current_month())),
        ],
    )?;
    Ok(!rows.is_empty())
}

/// A pairing code for one of the manager's direct reports, with the key the manager's app made
/// for this pair. An earlier unused code for the pair stops working; a pairing already made
/// keeps working until the new code is used.
pub fn create_pairing_code(pool: &Pool, manager: &str, member: &str, manager_key: &str) -> Result<PairingCode, Error> {
    check_key("manager_key", manager_key)?;
    let code = new_pairing_code()?;
    let expires_at = now() + PAIRING_CODE_MINUTES * 60;
    pool.write(|conn| {
        // Unknown ids and other managers' reports get the same answer.
        if !taiwa_domain::is_employee_id(member) || !reports_to(conn, manager, member)? {
            return Err(Error::NotFound(format!(
                "{member} is not your direct report in the directory: only your direct reports can be paired"
            )));
        }
        conn.execute(
            "DELETE FROM pairing_codes WHERE manager_id = $1 AND member_id = $2 AND used_at IS NULL",
            &[V::from(manager), V::from(member)],
        )?;
        conn.execute(
            "INSERT INTO pairing_codes (code_hash, code_id, manager_id, member_id, manager_key, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                V::from(hash_secret(&normalize_code(&code))),
                V::from(pairing_code_id(&code).unwrap_or_default()),
                V::from(manager),
                V::from(member),
                V::from(manager_key),
                V::Int(expires_at),
            ],
        )?;
        Ok(())
    })?;
    Ok(PairingCode { code, expires_at })
}

/// Whether a typed code's first group names a live pairing code: its wrong tries are then counted
/// against that code, and its address's budget does not stand in a real code's way.
pub fn pairing_code_is_live(pool: &Pool, code: &str) -> Result<bool, Error> {
    let Some(id) = pairing_code_id(code) else {
        return Ok(false);
    };
    let rows = pool.with(|conn| {
        conn.query(
            "SELECT 1 AS one FROM pairing_codes WHERE code_id = $1 AND used_at IS NULL AND expires_at > $2",
            &[V::from(id), V::Int(now())],
        )
    })?;
    Ok(!rows.is_empty())
}

/// The member's browser uses a pairing code with its public key: the pair is paired (replacing an
/// earlier pairing, its token and its waiting messages) and the browser gets its bearer token.
pub fn pair_member(pool: &Pool, code: &str, member_key: &str) -> Result<(String, MemberState), Error> {
    check_key("member_key", member_key)?;
    let paired = pair_with_code(pool, code, member_key);
    if matches!(paired, Err(Error::InvalidPairingCode))
        && let Some(id) = pairing_code_id(code)
    {
        pool.write(|conn| {
            conn.execute(
                "UPDATE pairing_codes SET failures = failures + 1 WHERE code_id = $1 AND used_at IS NULL",
                &[V::from(id.as_str())],
            )?;
            // Past its wrong tries a code is spent, as if used.
            conn.execute(
                "UPDATE pairing_codes SET used_at = $2 WHERE code_id = $1 AND used_at IS NULL AND failures >= $3",
                &[V::from(id.as_str()), V::Int(now()), V::Int(PAIRING_CODE_FAILURES)],
            )
        })?;
    }
    let pair = paired?;
    let token_state = member_state(pool, &pair.0)?;
    Ok((pair.1, token_state))
}

fn pair_with_code(pool: &Pool, code: &str, member_key: &str) -> Result<(Pair, String), Error> {
    let token = new_token("twm_")?;
    let tz = company_zone(pool)?;
    pool.write(|conn| {
        let t = now();
        let code_hash = hash_secret(&normalize_code(code));
        let rows = conn.query(
            "SELECT manager_id, member_id, manager_key FROM pairing_codes
             WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2",
            &[V::from(code_hash.as_str()), V::Int(t)],
        )?;
        let Some(row) = rows.first() else {
            return Err(Error::InvalidPairingCode);
        };
        let pair = Pair {
            manager_id: row.text("manager_id")?,
            member_id: row.text("member_id")?,
        };
        let manager_key = row.text("manager_key")?;
        // Only one request can use the code, even when two race.
        let used = conn.execute(
            "UPDATE pairing_codes SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL",
            &[V::from(code_hash.as_str()), V::Int(t)],
        )?;
        if used != 1 || !reports_to(conn, &pair.manager_id, &pair.member_id)? {
            return Err(Error::InvalidPairingCode);
        }
        let (m, p) = (V::from(pair.manager_id.as_str()), V::from(pair.member_id.as_str()));
        conn.execute(
            "DELETE FROM relay WHERE manager_id = $1 AND member_id = $2",
            &[m.clone(), p.clone()],
        )?;
        conn.execute(
            "DELETE FROM pairings WHERE manager_id = $1 AND member_id = $2",
            &[m.clone(), p.clone()],
        )?;
        conn.execute(
            "INSERT INTO pairings (manager_id, member_id, manager_key, member_key, token_hash, since_day)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                m,
                p,
                V::from(manager_key.as_str()),
                V::from(member_key),
                V::from(hash_secret(&token)),
                V::Int(day_start(tz, t)),
            ],
        )?;
        Ok((pair, token.clone()))
    })
}

/// A member's browser, by its token: its pair, and the company's time zone read in the same
/// query (the member's routes all need it, and each query is a round trip on PostgreSQL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairedBrowser {
    pub pair: Pair,
    pub zone: chrono_tz::Tz,
}

/// The pair whose member's browser holds `token`, if it is still paired.
pub fn member_for_token(pool: &Pool, token: &str) -> Result<Option<PairedBrowser>, Error> {
    let rows = pool.with(|conn| {
        conn.query(
            "SELECT manager_id, member_id, (SELECT value FROM settings WHERE key = 'time_zone') AS time_zone
             FROM pairings WHERE token_hash = $1",
            &[V::from(hash_secret(token))],
        )
    })?;
    rows.first()
        .map(|r| {
            Ok(PairedBrowser {
                pair: Pair {
                    manager_id: r.text("manager_id")?,
                    member_id: r.text("member_id")?,
                },
                zone: super::zone_from(r.opt_text("time_zone")?.as_deref()),
            })
        })
        .transpose()
}

fn person(conn: &mut dyn Conn, id: &str) -> Result<PairPerson, Error> {
    let name = conn
        .query(
            "SELECT name FROM employees WHERE employee_id = $1 AND valid_to IS NULL",
            &[V::from(id)],
        )?
        .first()
        .map(|r| r.text("name"))
        .transpose()?
        .unwrap_or_default();
    Ok(PairPerson {
        employee_id: id.to_owned(),
        name,
    })
}

/// Whether `pair` rated the month `month` (a month index): its mark, nothing more.
fn marked(conn: &mut dyn Conn, pair: &Pair, month: i64) -> Result<bool, Error> {
    let rows = conn.query(
        "SELECT 1 AS one FROM rating_marks WHERE manager_id = $1 AND member_id = $2 AND month = $3",
        &[
            V::from(pair.manager_id.as_str()),
            V::from(pair.member_id.as_str()),
            V::Int(month),
        ],
    )?;
    Ok(!rows.is_empty())
}

/// The months a member may rate at `t`: the company's current month and the one before.
fn rateable(tz: chrono_tz::Tz, t: i64) -> Vec<Month> {
    let this = company_month(tz, t);
    match this.plus(-1) {
        Some(last) => vec![last, this],
        None => vec![this],
    }
}

/// The member's pairing as their page reads it.
pub fn member_state(pool: &Pool, pair: &Pair) -> Result<MemberState, Error> {
    let settings = super::settings(pool)?;
    let tz = settings.time_zone;
    let months = rateable(tz, now());
    pool.with(|conn| {
        let (m, p) = (V::from(pair.manager_id.as_str()), V::from(pair.member_id.as_str()));
        let rows = conn.query(
            "SELECT manager_key, member_key, since_day, next_to_manager FROM pairings WHERE manager_id = $1 AND member_id = $2",
            &[m.clone(), p.clone()],
        )?;
        let row = rows.first().ok_or(Error::Unauthorized)?;
        let mut rated = Vec::new();
        for month in &months {
            if marked(conn, pair, month_index(*month))? {
                rated.push(*month);
            }
        }
        Ok(MemberState {
            manager: person(conn, &pair.manager_id)?,
            member: person(conn, &pair.member_id)?,
            manager_key: row.text("manager_key")?,
            member_key: row.text("member_key")?,
            since: day_text(tz, row.int("since_day")?),
            next_seq: u64::try_from(row.int("next_to_manager")?).unwrap_or(0),
            rateable: months.clone(),
            rated,
            k: settings.k,
        })
    })
}

/// The manager's pairings: each paired member, and each member whose new code waits to be used.
pub fn pairings(pool: &Pool, manager: &str) -> Result<Pairings, Error> {
    let tz = company_zone(pool)?;
    pool.with(|conn| {
        let mut out: std::collections::BTreeMap<String, Pairing> = std::collections::BTreeMap::new();
        for r in conn.query(
            "SELECT member_id, manager_key, member_key, since_day, next_to_member FROM pairings WHERE manager_id = $1",
            &[V::from(manager)],
        )? {
            let member = r.text("member_id")?;
            out.insert(
                member.clone(),
                Pairing {
                    member_employee_id: member,
                    state: PairingState::Paired,
                    manager_key: r.text("manager_key")?,
                    member_key: Some(r.text("member_key")?),
                    since: Some(day_text(tz, r.int("since_day")?)),
                    next_seq: u64::try_from(r.int("next_to_member")?).unwrap_or(0),
                },
            );
        }
        for r in conn.query(
            "SELECT member_id, manager_key FROM pairing_codes WHERE manager_id = $1 AND used_at IS NULL AND expires_at > $2",
            &[V::from(manager), V::Int(now())],
        )? {
            let member = r.text("member_id")?;
            out.insert(
                member.clone(),
                Pairing {
                    member_employee_id: member,
                    state: PairingState::Waiting,
                    manager_key: r.text("manager_key")?,
                    member_key: None,
                    since: None,
                    next_seq: 0,
                },
            );
        }
        Ok(Pairings {
            pairings: out.into_values().collect(),
        })
    })
}

/// Ends a pairing: its codes, its token and its waiting messages are deleted. Whether there was
/// anything to end is not told (the answer is the same).
pub fn unpair(pool: &Pool, manager: &str, member: &str) -> Result<(), Error> {
    pool.write(|conn| {
        let (m, p) = (V::from(manager), V::from(member));
        for table in ["relay", "pairings", "pairing_codes"] {
            conn.execute(
                &format!("DELETE FROM {table} WHERE manager_id = $1 AND member_id = $2"),
                &[m.clone(), p.clone()],
            )?;
        }
        Ok(())
    })
}

/// Keeps one sealed message for its reader (`tz`, the company's zone, gives its arrival day). It
/// must carry the pair's next number in its direction (the one it was sealed under); a pair's
/// inbox holds at most `MAX_WAITING` unread.
pub fn send(pool: &Pool, tz: chrono_tz::Tz, pair: &Pair, way: Way, message: &SealedMessage) -> Result<Sent, Error> {
    check_sealed(message)?;
    let seq = i64::try_from(message.seq).map_err(|_| Error::Invalid("seq is too large".into()))?;
    let arrived = day_start(tz, now());
    if pool.backend() == Backend::Postgres {
        // The usual case in one statement (one round trip, its own transaction): the pair's
        // number moves on only if the message carries it and the inbox has room, and the message
        // is kept only if it did. Anything else takes the steps below, which say what is wrong.
        let next_column = way.next_column();
        let stored = pool.write_statement(
            &format!(
                "WITH numbered AS (
                   UPDATE pairings SET {next_column} = {next_column} + 1
                   WHERE manager_id = $1 AND member_id = $2 AND {next_column} = $4
                     AND (SELECT count(*) FROM relay WHERE manager_id = $1 AND member_id = $2 AND direction = $3) < $8
                   RETURNING {next_column})
                 INSERT INTO relay (manager_id, member_id, direction, seq, enc, ciphertext, arrived_day)
                 SELECT $1, $2, $3, $4, CAST($5 AS TEXT), CAST($6 AS TEXT), CAST($7 AS BIGINT) FROM numbered
                 RETURNING seq"
            ),
            &[
                V::from(pair.manager_id.as_str()),
                V::from(pair.member_id.as_str()),
                way.stored(),
                V::Int(seq),
                V::from(message.enc.as_str()),
                V::from(message.ciphertext.as_str()),
                V::Int(arrived),
                V::Int(MAX_WAITING),
            ],
        )?;
        if !stored.is_empty() {
            return Ok(Sent {
                next_seq: u64::try_from(seq + 1).unwrap_or(0),
            });
        }
    }
    pool.write(|conn| {
        let (m, p) = (V::from(pair.manager_id.as_str()), V::from(pair.member_id.as_str()));
        let next_column = way.next_column();
        let rows = conn.query(
            &format!("SELECT {next_column} AS next FROM pairings WHERE manager_id = $1 AND member_id = $2"),
            &[m.clone(), p.clone()],
        )?;
        let Some(row) = rows.first() else {
            return Err(Error::NotFound(format!(
                "{} is not paired: pair first, then send",
                pair.member_id
            )));
        };
        let next = row.int("next")?;
        if seq != next {
            return Err(Error::Conflict(format!(
                "message {seq} was sent where {next} is the next number: seal it again as {next}"
            )));
        }
        let waiting = conn.query(
            "SELECT CAST(count(*) AS BIGINT) AS waiting FROM relay WHERE manager_id = $1 AND member_id = $2 AND direction = $3",
            &[m.clone(), p.clone(), way.stored()],
        )?;
        if waiting.first().map_or(Ok(0), |r| r.int("waiting"))? >= MAX_WAITING {
            return Err(Error::Conflict(format!(
                "{MAX_WAITING} messages are waiting unread in this direction: nothing more is taken until they are read"
            )));
        }
        conn.execute(
            "INSERT INTO relay (manager_id, member_id, direction, seq, enc, ciphertext, arrived_day)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                m.clone(),
                p.clone(),
                way.stored(),
                V::Int(seq),
                V::from(message.enc.as_str()),
                V::from(message.ciphertext.as_str()),
                V::Int(arrived),
            ],
        )?;
        conn.execute(
            &format!("UPDATE pairings SET {next_column} = $3 WHERE manager_id = $1 AND member_id = $2"),
            &[m, p, V::Int(next + 1)],
        )?;
        Ok(Sent {
            next_seq: u64::try_from(next + 1).unwrap_or(0),
        })
    })
}

fn relayed(tz: chrono_tz::Tz, r: &crate::db::Row) -> Result<RelayedMessage, Error> {
    Ok(RelayedMessage {
        member_employee_id: r.text("member_id")?,
        seq: u64::try_from(r.int("seq")?).unwrap_or(0),
        enc: r.text("enc")?,
        ciphertext: r.text("ciphertext")?,
        arrived: day_text(tz, r.int("arrived_day")?),
    })
}

/// The messages waiting for one reader: the manager (every member of theirs, `member` `None`) or
/// one member, by pair and number, at most `MAX_INBOX_MESSAGES`.
pub fn inbox(pool: &Pool, manager: &str, member: Option<&str>, way: Way) -> Result<Inbox, Error> {
    let tz = company_zone(pool)?;
    let limit = i64::try_from(MAX_INBOX_MESSAGES).unwrap_or(200);
    let rows = pool.with(|conn| {
        conn.query(
            "SELECT member_id, seq, enc, ciphertext, arrived_day FROM relay
             WHERE manager_id = $1 AND ($2 = '' OR member_id = $2) AND direction = $3
             ORDER BY member_id, seq LIMIT $4",
            &[
                V::from(manager),
                V::from(member.unwrap_or("")),
                way.stored(),
                V::Int(limit + 1),
            ],
        )
    })?;
    let more = rows.len() > MAX_INBOX_MESSAGES;
    let messages = rows
        .iter()
        .take(MAX_INBOX_MESSAGES)
        .map(|r| relayed(tz, r))
        .collect::<Result<_, _>>()?;
    Ok(Inbox { messages, more })
}

/// Deletes the messages a reader acknowledged: each ack covers its pair's messages up to and
/// including `through`. A member may acknowledge only their own pair's.
pub fn acknowledge(pool: &Pool, manager: &str, member: Option<&str>, way: Way, acks: &[Ack]) -> Result<u32, Error> {
    if acks.len() > MAX_INBOX_MESSAGES {
        return Err(Error::Invalid(format!(
            "at most {MAX_INBOX_MESSAGES} acknowledgements at a time"
        )));
    }
    if let Some(own) = member
        && acks.iter().any(|a| a.member_employee_id != own)
    {
        return Err(Error::Forbidden("a member acknowledges only their own messages".into()));
    }
    pool.write(|conn| {
        let mut deleted = 0;
        for ack in acks {
            let through = i64::try_from(ack.through).unwrap_or(i64::MAX);
            deleted += conn.execute(
                "DELETE FROM relay WHERE manager_id = $1 AND member_id = $2 AND direction = $3 AND seq <= $4",
                &[
                    V::from(manager),
                    V::from(ack.member_employee_id.as_str()),
                    way.stored(),
                    V::Int(through),
                ],
            )?;
        }
        Ok(u32::try_from(deleted).unwrap_or(u32::MAX))
    })
}

/// What one sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub messages: u64,
    pub codes: u64,
    pub ratings: u64,
}

/// Deletes, as of `t`, every relayed message that arrived more than `RELAY_KEEP_DAYS` days ago
/// (read or not), every pairing code past its time, and ratings, marks and team sums of months
/// more than `RATINGS_KEEP_MONTHS` back.
pub fn sweep_channel(pool: &Pool, t: i64) -> Result<Swept, Error> {
    let tz = company_zone(pool)?;
    let oldest_kept = day_start(tz, t - RELAY_KEEP_DAYS * 86_400);
    let oldest_month = company_month(tz, t)
        .plus(-taiwa_protocol::channel::RATINGS_KEEP_MONTHS)
        .map_or(i64::MIN, month_index);
    pool.write(|conn| {
        let messages = conn.execute("DELETE FROM relay WHERE arrived_day < $1", &[V::Int(oldest_kept)])?;
        let codes = conn.execute("DELETE FROM pairing_codes WHERE expires_at <= $1", &[V::Int(t)])?;
        let ratings = conn.execute("DELETE FROM ratings WHERE month < $1", &[V::Int(oldest_month)])?;
        conn.execute("DELETE FROM rating_marks WHERE month < $1", &[V::Int(oldest_month)])?;
        conn.execute("DELETE FROM team_ratings WHERE month < $1", &[V::Int(oldest_month)])?;
        Ok(Swept {
            messages,
            codes,
            ratings,
        })
    })
}

/// A member's rating of a month's 1on1 (`tz`, the company's zone, tells the months open to it):
/// a first rating (`true`) or a change within `RATING_CHANGE_DAYS` through the same token
/// (`false`).
pub fn rate(pool: &Pool, tz: chrono_tz::Tz, pair: &Pair, request: &RatingRequest) -> Result<(bool, Rated), Error> {
    let t = now();
    if !rateable(tz, t).contains(&request.month) {
        return Err(Error::refused(
            format!("{}: only this month's or last month's 1on1 can be rated", request.month),
            format!(
                "{}の1on1は評価できません。評価できるのは今月と先月の1on1です。",
                request.month
            ),
        ));
    }
    if request
        .clarity
        .is_some_and(|c| !(CLARITY_MIN..=CLARITY_MAX).contains(&c))
    {
        return Err(Error::Invalid(format!(
            "clarity must be {CLARITY_MIN} to {CLARITY_MAX}"
        )));
    }
    if request.clarity.is_none() && request.talked.is_none() {
        return Err(Error::Invalid(
            "answer at least one question (clarity or talked)".into(),
        ));
    }
    if decoded_len(&request.token) != Some(32) {
        return Err(Error::Invalid(
            "token must be 32 random bytes in base64url without padding".into(),
        ));
    }
    let token_hash = hash_secret(&request.token);
    let today = day_start(tz, t);
    let month = month_index(request.month);
    let clarity = V::from(request.clarity.map(i64::from));
    let talked = V::from(request.talked.map(|x| x.as_str()));
    let changeable_until = day_text(tz, day_start(tz, today + RATING_CHANGE_DAYS * 86_400 + 3600));
    if pool.backend() == Backend::Postgres && first_rating_in_one(pool, pair, month, &token_hash, request, today)? {
        return Ok((true, Rated { changeable_until }));
    }
    pool.write(|conn| {
        let find = |conn: &mut dyn Conn| {
            conn.query(
                "SELECT org_unit_id, month, given_day, clarity FROM ratings WHERE token_hash = $1",
                &[V::from(token_hash.as_str())],
            )
        };
        let mut existing = find(conn)?;
        if let Some(row) = existing.first()
            && conn.backend() == Backend::Postgres
        {
            // A change waits for any rewrite of its unit's month (which deletes and inserts the
            // row again) and for another change through the same token, then reads the row anew;
            // it holds the lock for its own rewrite below.
            lock_unit_month(conn, &row.text("org_unit_id")?, row.int("month")?)?;
            existing = find(conn)?;
        }
        if let Some(row) = existing.first() {
            let given = row.int("given_day")?;
            let old_clarity = row.opt_int("clarity")?;
            if row.int("month")? != month {
                return Err(Error::Conflict("this token belongs to another month's rating".into()));
            }
            let last = day_start(tz, given + RATING_CHANGE_DAYS * 86_400 + 3600);
            if today > last {
                return Err(Error::refused(
                    format!("a rating can be changed for {RATING_CHANGE_DAYS} days; this one no longer can"),
                    format!("評価を変更できるのは{RATING_CHANGE_DAYS}日間です。この評価はもう変更できません。"),
                ));
            }
            conn.execute(
                "UPDATE ratings SET clarity = $2, talked = $3 WHERE token_hash = $1",
                &[V::from(token_hash.as_str()), clarity, talked],
            )?;
            in_token_order(conn, &row.text("org_unit_id")?, month)?;
            let new_clarity = request.clarity.map(i64::from);
            conn.execute(
                "UPDATE team_ratings SET clarity_sum = clarity_sum + $3, clarity_n = clarity_n + $4
                 WHERE manager_id = $1 AND month = $2",
                &[
                    V::from(pair.manager_id.as_str()),
                    V::Int(month),
                    V::Int(new_clarity.unwrap_or(0) - old_clarity.unwrap_or(0)),
                    V::Int(i64::from(new_clarity.is_some()) - i64::from(old_clarity.is_some())),
                ],
            )?;
            return Ok((
                false,
                Rated {
                    changeable_until: day_text(tz, last),
                },
            ));
        }
        let (m, p) = (V::from(pair.manager_id.as_str()), V::from(pair.member_id.as_str()));
        if marked(conn, pair, month)? {
            return Err(Error::Conflict(
                "this month's 1on1 was already rated from another browser; only that browser can change it".into(),
            ));
        }
        let unit = conn
            .query(
                "SELECT org_unit_id FROM employees WHERE employee_id = $1
                   AND valid_from <= $2 AND (valid_to IS NULL OR valid_to >= $2)",
                &[p.clone(), V::Int(month)],
            )?
            .first()
            .map(|r| r.text("org_unit_id"))
            .transpose()?
            .ok_or_else(|| Error::NotFound(format!("{} is not in the directory for {}", pair.member_id, request.month)))?;
        conn.execute(
            "INSERT INTO rating_marks (manager_id, member_id, month) VALUES ($1, $2, $3)",
            &[m, p, V::Int(month)],
        )?;
        conn.execute(
            "INSERT INTO ratings (token_hash, org_unit_id, month, clarity, talked, given_day) VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                V::from(token_hash.as_str()),
                V::from(unit.as_str()),
                V::Int(month),
                clarity,
                talked,
                V::Int(today),
            ],
        )?;
        // The manager's team's running sums (figures::disclose_team_clarity).
        conn.execute(
            "INSERT INTO team_ratings (manager_id, month, raters, clarity_sum, clarity_n) VALUES ($1, $2, 1, $3, $4)
             ON CONFLICT (manager_id, month) DO UPDATE SET raters = team_ratings.raters + 1,
               clarity_sum = team_ratings.clarity_sum + excluded.clarity_sum,
               clarity_n = team_ratings.clarity_n + excluded.clarity_n",
            &[
                V::from(pair.manager_id.as_str()),
                V::Int(month),
                V::Int(request.clarity.map_or(0, i64::from)),
                V::Int(i64::from(request.clarity.is_some())),
            ],
        )?;
        lock_unit_month(conn, &unit, month)?;
        in_token_order(conn, &unit, month)?;
        Ok((true, Rated { changeable_until }))
    })
}

/// On PostgreSQL, one rating at a time for a unit's month: the lock `first_rating()` takes,
/// held to the commit, so that a rewrite (`in_token_order`) that follows it sees every rating
/// committed before. SQLite needs none: it has one writer at a time.
fn lock_unit_month(conn: &mut dyn Conn, unit: &str, month: i64) -> Result<(), Error> {
    if conn.backend() == Backend::Postgres {
        conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext($1), CAST(CAST($2 AS BIGINT) AS INTEGER))",
            &[V::from(unit), V::Int(month)],
        )?;
    }
    Ok(())
}

/// PostgreSQL stores a row where it lands, a new one or a changed one: after a rating is given or
/// changed, the unit's month of ratings is written again in token order, so that no row's place
/// tells when it came or changed (as `first_rating()` does). The caller holds `lock_unit_month`.
/// SQLite keeps rows in key order by itself.
fn in_token_order(conn: &mut dyn Conn, unit: &str, month: i64) -> Result<(), Error> {
    if conn.backend() == Backend::Postgres {
        conn.execute(
            "WITH moved AS (DELETE FROM ratings WHERE month = $1 AND org_unit_id = $2 RETURNING *)
             INSERT INTO ratings SELECT * FROM moved ORDER BY token_hash",
            &[V::Int(month), V::from(unit)],
        )?;
    }
    Ok(())
}

/// On PostgreSQL, a month's first rating from a pair in one round trip: `first_rating()`
/// (migrations/postgres/0013) does what `rate`'s steps do for it, the mark that the pair rated,
/// the score under the member's unit with the unit's month written again in token order, and
/// the team's running sums. It stores nothing, and answers `false`, unless the member is in the
/// directory for the month, the token is new and the pair has not rated the month; `rate`'s
/// steps then say which of those failed (or store a rating that raced in since).
fn first_rating_in_one(
    pool: &Pool,
    pair: &Pair,
    month: i64,
    token_hash: &str,
    request: &RatingRequest,
    today: i64,
) -> Result<bool, Error> {
    let rows = pool.write_statement(
        "SELECT first_rating($1, $2, $3, $4, $5, $6, $7) AS stored",
        &[
            V::from(token_hash),
            V::from(pair.manager_id.as_str()),
            V::from(pair.member_id.as_str()),
            V::Int(month),
            V::from(request.clarity.map(i64::from)),
            V::from(request.talked.map(|x| x.as_str())),
            V::Int(today),
        ],
    )?;
    Ok(rows.first().map_or(Ok(0), |r| r.int("stored"))? == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairing_codes_are_two_groups_of_four_and_read_forgivingly() {
        let code = new_pairing_code().unwrap();
        assert_eq!(code.len(), 9, "{code}");
        assert_eq!(pairing_code_id(&code).unwrap(), code[..4]);
        assert_eq!(pairing_code_id("abcd efgh"), Some("ABCD".into()));
        assert_eq!(pairing_code_id("ABCD-EFGH-IJ"), None);
        assert_eq!(pairing_code_id("ABC!-EFGH"), None);
    }

    #[test]
    fn only_sealed_messages_of_a_padded_size_pass() {
        let b = |n: usize| BASE64URL_NOPAD.encode(&vec![7u8; n]);
        let ok = SealedMessage {
            seq: 0,
            enc: b(32),
            ciphertext: b(256 + 16),
        };
        assert!(check_sealed(&ok).is_ok());
        for (enc, ct) in [(31, 272), (32, 271), (32, 256), (32, 16384 + 17), (32, 0)] {
            let bad = SealedMessage {
                seq: 0,
                enc: b(enc),
                ciphertext: b(ct),
            };
            assert!(check_sealed(&bad).is_err(), "{enc} {ct}");
        }
        let not_base64 = SealedMessage {
            ciphertext: "これは暗号文ではない".into(),
            ..ok
        };
        assert!(check_sealed(&not_base64).is_err());
    }
}
