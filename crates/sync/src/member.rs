//! The member channel on the manager's side: pairing a person's page, and the exchange of sealed
//! messages with paired members (topics in, summaries and notices out) through the server, which
//! relays what it cannot open. Sealing and opening are `taiwa-channel`'s; what is sent and taken
//! is kept in the vault (`taiwa_vault::FromMember`, the member outbox). As with the completion
//! sync, the vault is reached in short visits and never while a request is on the network.

use std::collections::HashMap;

use data_encoding::BASE64URL_NOPAD;
use taiwa_channel::{Binding, Direction, Inbox, PublicKey, Sealed, SecretKey};
use taiwa_domain::Relationship;
use taiwa_protocol::channel::{Ack, ManagerSend, Pairing, PairingState, RelayedMessage, ToManager, ToMember};
use taiwa_vault::{FromMember, MemberPairing, PairingStage, Taken, Vault};

use crate::client::b64;
use crate::{SyncError, VaultAccess, connection};

/// The most inbox pages one exchange reads (200 messages each).
const MAX_INBOX_PAGES: usize = 20;

/// A pairing code to show the member, and the address their page opens with it (the QR code's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairingShown {
    pub code: String,
    /// When the code stops working (`YYYY-MM-DDTHH:MM:SS`, the vault's local time).
    pub expires_at: String,
    pub url: String,
}

/// What one exchange did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Exchange {
    pub sent: u32,
    pub received: u32,
    pub refused: u32,
    /// Messages left on the server because their pairing's safety code is not confirmed yet.
    pub held: u32,
}

fn invalid(field: &str, message: &str) -> SyncError {
    SyncError::Vault(taiwa_vault::Problem::new(field, taiwa_vault::Rule::WrongState, message).into())
}

/// The employee id a person is paired under: a direct report with an id.
fn pairable_id(vault: &Vault, person_id: i64) -> Result<String, SyncError> {
    let person = vault.person(person_id)?;
    match (&person.employee_id, person.relationship) {
        (Some(id), Relationship::Line) => Ok(id.clone()),
        _ => Err(invalid(
            "pairing",
            "only a direct report with an employee id can pair their page",
        )),
    }
}

fn key_from(text: &str) -> Option<[u8; 32]> {
    BASE64URL_NOPAD
        .decode(text.as_bytes())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
}

/// Starts pairing a person's page: a new key pair for the pair, a code from the server, both kept
/// in the vault until the member uses the code.
pub fn start_pairing(access: &mut impl VaultAccess, person_id: i64) -> Result<PairingShown, SyncError> {
    let (client, token, member) = access.with_vault(|v| {
        let (client, token) = connection(v)?;
        Ok((client, token, pairable_id(v, person_id)?))
    })?;
    let (secret, public) = taiwa_channel::generate();
    let answer = client.create_pairing(token.expose(), &member, &public.0)?;
    let expires_at = access.with_vault(|v| {
        let local = chrono::DateTime::from_timestamp(answer.expires_at, 0)
            .map(|t| v.time_zone().local(t).format("%Y-%m-%dT%H:%M:%S").to_string())
            .unwrap_or_default();
        v.start_member_pairing(person_id, secret.expose(), &public.0, &answer.code, &local)?;
        Ok(local)
    })?;
    Ok(PairingShown {
        url: format!("{}/me/#code={}", client.server(), answer.code),
        code: answer.code,
        expires_at,
    })
}

/// Brings the vault's pairings up to date with the server's: a code the member used completes
/// its pairing (the safety codes then wait to be compared), an expired code is dropped, a
/// pairing the server no longer has is forgotten, and the number of the next message out follows
/// the server's (a send whose answer was lost did arrive).
pub fn refresh_pairings(access: &mut impl VaultAccess) -> Result<Vec<MemberPairing>, SyncError> {
    let (client, token) = access.with_vault(|v| connection(v))?;
    let server = client.pairings(token.expose())?;
    access.with_vault(|v| {
        let by_member: HashMap<&str, &Pairing> = server
            .pairings
            .iter()
            .map(|p| (p.member_employee_id.as_str(), p))
            .collect();
        for local in v.member_pairings()? {
            let Ok(member) = pairable_id(v, local.person_id) else {
                continue;
            };
            let remote = by_member.get(member.as_str());
            match remote {
                Some(p) if p.state == PairingState::Paired => {
                    let (manager_key, member_key) =
                        (key_from(&p.manager_key), p.member_key.as_deref().and_then(key_from));
                    if let (Some(manager_key), Some(member_key)) = (manager_key, member_key) {
                        if local.pending_public == Some(manager_key) {
                            v.complete_member_pairing(
                                local.person_id,
                                &manager_key,
                                &member_key,
                                p.since.as_deref().unwrap_or_default(),
                            )?;
                        } else if local.public_key == Some(manager_key) && local.next_out < p.next_seq {
                            v.set_member_next_out(local.person_id, p.next_seq)?;
                        }
                    }
                }
                Some(_) => {}
                None if local.public_key.is_some() => v.forget_member_pairing(local.person_id)?,
                None => v.drop_member_code(local.person_id)?,
            }
        }
        Ok(v.member_pairings()?)
    })
}

/// Ends a person's pairing on the server and forgets its keys here.
pub fn unpair(access: &mut impl VaultAccess, person_id: i64) -> Result<(), SyncError> {
    let (client, token, member) = access.with_vault(|v| {
        let (client, token) = connection(v)?;
        Ok((client, token, pairable_id(v, person_id)?))
    })?;
    client.unpair(token.expose(), &member)?;
    access.with_vault(|v| Ok(v.forget_member_pairing(person_id)?))
}

/// Ends on the server the pairings of people deleted from the vault (`Vault::pending_unpairs`),
/// forgetting each once the server has.
fn end_deleted_pairings(access: &mut impl VaultAccess) -> Result<(), SyncError> {
    let pending = access.with_vault(|v| Ok(v.pending_unpairs()?))?;
    if pending.is_empty() {
        return Ok(());
    }
    let (client, token) = access.with_vault(|v| connection(v))?;
    for member in pending {
        client.unpair(token.expose(), &member)?;
        access.with_vault(|v| Ok(v.unpaired(&member)?))?;
    }
    Ok(())
}

/// What a member's message says, as the vault takes it; anything this app cannot read is
/// `Refused`.
fn from_member(plaintext: &[u8]) -> FromMember {
    match serde_json::from_slice::<ToManager>(plaintext) {
        Ok(ToManager::Topic { id, text, kind, wants }) => FromMember::Topic {
            topic_id: id,
            text,
            kind,
            wants,
        },
        Ok(ToManager::TopicWithdrawn { id }) => FromMember::TopicWithdrawn { topic_id: id },
        Ok(ToManager::AskSoon { note }) => FromMember::AskSoon { note },
        Ok(ToManager::ItemDone { item, done }) => FromMember::ItemDone { action_id: item, done },
        Err(_) => FromMember::Refused,
    }
}

/// The body of a message to the member.
pub fn to_member_body(message: &ToMember) -> Result<String, SyncError> {
    serde_json::to_string(message).map_err(|e| SyncError::Server {
        status: 0,
        message: format!("could not write the message: {e}"),
        retry_after: None,
    })
}

fn sealed_of(message: &RelayedMessage) -> Option<Sealed> {
    Some(Sealed {
        enc: key_from(&message.enc)?,
        ciphertext: BASE64URL_NOPAD.decode(message.ciphertext.as_bytes()).ok()?,
    })
}

/// Sends what waits for paired members, then takes what they sent: each message only in its
/// pair's order, opened with the pair's key and its place (a replay, a gap or a message that
/// does not open is refused and counted), kept in the vault, then acknowledged so that the
/// server deletes it. A pairing whose safety code is not confirmed yet gets nothing, and what
/// its member sent waits on the server. First, the pairings of people deleted since the last
/// exchange are ended on the server.
pub fn exchange(access: &mut impl VaultAccess) -> Result<Exchange, SyncError> {
    let mut report = Exchange::default();
    end_deleted_pairings(access)?;
    let pairings = refresh_pairings(access)?;
    let (client, token, manager) = access.with_vault(|v| {
        let (client, token) = connection(v)?;
        let manager = v.enrolment()?.map(|e| e.manager_employee_id).unwrap_or_default();
        Ok((client, token, manager))
    })?;
    let mut members: HashMap<i64, String> = HashMap::new();
    access.with_vault(|v| {
        for p in &pairings {
            if let Ok(id) = pairable_id(v, p.person_id) {
                members.insert(p.person_id, id);
            }
        }
        Ok(())
    })?;

    // Out: sealed to the member's key, numbered in order.
    let outbox = access.with_vault(|v| Ok(v.member_outbox()?))?;
    for message in outbox {
        let Some(pairing) = pairings.iter().find(|p| p.person_id == message.person_id) else {
            continue;
        };
        let (Some(member_key), Some(member)) = (pairing.member_key, members.get(&message.person_id)) else {
            continue;
        };
        let mut seq = access.with_vault(|v| {
            Ok(v.member_pairing(message.person_id)?
                .map_or(pairing.next_out, |p| p.next_out))
        })?;
        for attempt in 0..2 {
            let binding = Binding {
                manager: &manager,
                member,
                direction: Direction::ToMember,
                seq,
            };
            let sealed = taiwa_channel::seal(&PublicKey(member_key), &binding, message.body.as_bytes())
                .map_err(|e| invalid("message", &e.to_string()))?;
            let send = ManagerSend {
                member_employee_id: member.clone(),
                seq,
                enc: b64(&sealed.enc),
                ciphertext: b64(&sealed.ciphertext),
            };
            match client.send_to_member(token.expose(), &send) {
                Ok(_) => {
                    access.with_vault(|v| Ok(v.member_message_sent(message.id, message.person_id, seq)?))?;
                    report.sent += 1;
                    break;
                }
                // Out of step with the server (an answer lost on the way): take its number, once.
                Err(SyncError::Server { status: 409, .. }) if attempt == 0 => {
                    let fresh = client.pairings(token.expose())?;
                    let next = fresh
                        .pairings
                        .iter()
                        .find(|p| &p.member_employee_id == member)
                        .map_or(seq, |p| p.next_seq);
                    access.with_vault(|v| Ok(v.set_member_next_out(message.person_id, next)?))?;
                    seq = next;
                }
                Err(e) => return Err(e),
            }
        }
    }

    // In: what members sent, pair by pair, in order.
    for _ in 0..MAX_INBOX_PAGES {
        let inbox = client.member_messages(token.expose())?;
        let mut acks: HashMap<String, u64> = HashMap::new();
        let mut stuck: std::collections::HashSet<String> = std::collections::HashSet::new();
        for message in &inbox.messages {
            let member = &message.member_employee_id;
            if stuck.contains(member) {
                continue;
            }
            let Some((person_id, _)) = members.iter().find(|(_, id)| *id == member) else {
                // No pairing here (forgotten, or never made on this laptop): left for the server's
                // 60 days.
                stuck.insert(member.clone());
                continue;
            };
            let person_id = *person_id;
            let pairing = access.with_vault(|v| Ok(v.member_pairing(person_id)?))?;
            let Some(pairing) = pairing.filter(|p| p.stage == PairingStage::Paired) else {
                report.held += 1;
                stuck.insert(member.clone());
                continue;
            };
            let inbox_state = Inbox { next: pairing.next_in };
            match inbox_state.check(message.seq) {
                Err(taiwa_channel::ChannelError::Replayed { .. }) => {
                    access.with_vault(|v| Ok(v.count_member_refusal(person_id)?))?;
                    report.refused += 1;
                    acks.insert(member.clone(), message.seq.max(acks.get(member).copied().unwrap_or(0)));
                    continue;
                }
                Err(_) => {
                    access.with_vault(|v| Ok(v.count_member_refusal(person_id)?))?;
                    report.refused += 1;
                    stuck.insert(member.clone());
                    continue;
                }
                Ok(()) => {}
            }
            let binding = Binding {
                manager: &manager,
                member,
                direction: Direction::ToManager,
                seq: message.seq,
            };
            let taken = access.with_vault(|v| {
                let opened = match (v.member_secret_key(person_id)?, sealed_of(message)) {
                    (Some(key), Some(sealed)) => {
                        taiwa_channel::open(&SecretKey::from_bytes(*key), &binding, &sealed).ok()
                    }
                    _ => None,
                };
                let event = opened.as_deref().map_or(FromMember::Refused, from_member);
                Ok(v.take_member_message(person_id, message.seq, event)?)
            })?;
            match taken {
                Taken::Applied => report.received += 1,
                Taken::Ignored | Taken::Refused => report.refused += 1,
            }
            acks.insert(member.clone(), message.seq);
        }
        // A page with nothing taken (all held or stuck) would come back the same: stop.
        let progressed = !acks.is_empty();
        if progressed {
            let acks: Vec<Ack> = acks
                .into_iter()
                .map(|(member_employee_id, through)| Ack {
                    member_employee_id,
                    through,
                })
                .collect();
            client.acknowledge(token.expose(), acks)?;
        }
        if !inbox.more || !progressed {
            break;
        }
    }
    // An older server without the team's figure is not a failure of the exchange.
    if let Err(e) = team_quality(access)
        && !matches!(e, SyncError::Server { status: 404, .. })
    {
        return Err(e);
    }
    Ok(report)
}

/// The manager's own team's すっきり度 from the server, kept in the vault for This month (the
/// server decides what may be shown: k answers, a final month).
pub fn team_quality(access: &mut impl VaultAccess) -> Result<taiwa_protocol::channel::TeamQuality, SyncError> {
    let (client, token) = access.with_vault(|v| connection(v))?;
    let quality = client.team_quality(token.expose())?;
    let json = serde_json::to_string(&quality).unwrap_or_default();
    access.with_vault(|v| Ok(v.set_member_team_quality(&json)?))?;
    Ok(quality)
}

/// The short code both screens show, for a pairing whose member used the code.
pub fn safety_code(pairing: &MemberPairing) -> Option<String> {
    Some(taiwa_channel::safety_code(
        &PublicKey(pairing.public_key?),
        &PublicKey(pairing.member_key?),
    ))
}
