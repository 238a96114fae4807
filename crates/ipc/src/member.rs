//! The member channel in the app: pairing a person's page (code, QR code, safety code), their
//! topics in Prepare, their requests on This month, the summary sent after a 1on1, and their
//! "done" on an item. Network steps run through `Shared` without holding the app's lock
//! (`taiwa_sync::member`); the rest are `App` methods over the vault.

use serde::{Deserialize, Serialize};
use taiwa_protocol::channel::{MemberSummary, SummaryItem, SummaryTopic, ToMember};
use taiwa_sync::member as channel;
use taiwa_vault::{Action, AgendaItem, MemberPairing, MemberTopic, PairingStage};
use ts_rs::TS;

use crate::App;
use crate::sync::Shared;
use crate::types::{IpcError, IpcResult};

/// A QR code as one SVG path over a `size`×`size` grid of modules (quiet zone included): the UI
/// draws it with `<path d=…>`, no markup from here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct QrCode {
    pub size: u32,
    pub path: String,
}

/// A person's pairing as the person's page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct MemberPairingView {
    pub person_id: i64,
    pub stage: PairingStage,
    /// The code to show while waiting, its page address, the QR code of that address and when it
    /// stops working (local time).
    pub code: Option<String>,
    pub url: Option<String>,
    pub qr: Option<QrCode>,
    pub code_expires_at: Option<String>,
    /// The 16 digits both screens show, once the member used the code.
    pub safety_code: Option<String>,
    /// The day the member paired (`YYYY-MM-DD`).
    pub since: Option<String>,
    pub confirmed_at: Option<String>,
    /// Messages from the member that were refused (a replay, a gap, one that did not open).
    pub refused: u32,
    /// A new code waits while an earlier pairing still stands.
    pub repairing: bool,
}

/// What one exchange with members did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
pub struct MemberExchange {
    pub sent: u32,
    pub received: u32,
    pub refused: u32,
    pub held: u32,
}

/// A session's page's view of the member channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SessionMember {
    /// The person's page is paired and its safety code confirmed: topics come, summaries go.
    pub paired: bool,
    /// When this session's summary was last sent to the member (local time).
    pub summary_sent: Option<String>,
}

/// Taking a member's topic into a session's agenda.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct TakeTopicInput {
    pub topic_id: i64,
    pub session_id: i64,
}

/// The QR code of `text` (the page address with its code), as one path.
pub fn qr_code(text: &str) -> Option<QrCode> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).ok()?;
    let width = code.width();
    let quiet = 4;
    let mut path = String::new();
    for (i, color) in code.to_colors().iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let (x, y) = (i % width + quiet, i / width + quiet);
            path.push_str(&format!("M{x} {y}h1v1h-1z"));
        }
    }
    Some(QrCode {
        size: u32::try_from(width + 2 * quiet).ok()?,
        path,
    })
}

fn view(pairing: &MemberPairing, url: Option<String>) -> MemberPairingView {
    let waiting_code = pairing.code.clone();
    let url = waiting_code.as_ref().and(url);
    MemberPairingView {
        person_id: pairing.person_id,
        stage: pairing.stage,
        qr: url.as_deref().and_then(qr_code),
        url,
        code: waiting_code,
        code_expires_at: pairing.code_expires_at.clone(),
        safety_code: channel::safety_code(pairing),
        since: pairing.since.clone(),
        confirmed_at: pairing.confirmed_at.clone(),
        refused: pairing.refused,
        repairing: pairing.code.is_some() && pairing.public_key.is_some(),
    }
}

/// The body of a message to the member (plain JSON; sealed when it is sent).
fn body(message: &ToMember) -> IpcResult<String> {
    Ok(channel::to_member_body(message)?)
}

impl App {
    fn pairing_url(&mut self, code: Option<&str>) -> IpcResult<Option<String>> {
        let server = self.vault()?.enrolment()?.map(|e| e.server);
        Ok(code
            .zip(server)
            .map(|(code, server)| format!("{server}/me/#code={code}")))
    }

    /// A person's pairing, or `None` when their page was never paired.
    pub fn member_pairing(&mut self, person_id: i64) -> IpcResult<Option<MemberPairingView>> {
        self.vault()?.person(person_id)?;
        let Some(pairing) = self.vault()?.member_pairing(person_id)? else {
            return Ok(None);
        };
        let url = self.pairing_url(pairing.code.as_deref())?;
        Ok(Some(view(&pairing, url)))
    }

    /// The manager compared the safety codes and they match: the pairing is in use.
    pub fn confirm_member_pairing(&mut self, person_id: i64) -> IpcResult<MemberPairingView> {
        self.vault()?.confirm_member_pairing(person_id)?;
        self.member_pairing(person_id)?
            .ok_or_else(|| IpcError::not_found("pairing"))
    }

    /// A person's topics from their page, newest first (taken and withdrawn ones too).
    pub fn member_topics(&mut self, person_id: i64) -> IpcResult<Vec<MemberTopic>> {
        Ok(self.vault()?.member_topics(person_id, false)?)
    }

    /// Takes a member's topic into a session's agenda, marked as theirs; the member's page hears
    /// it was taken with the next exchange.
    pub fn take_member_topic(&mut self, input: TakeTopicInput) -> IpcResult<AgendaItem> {
        let topic = self.vault()?.member_topic(input.topic_id)?;
        let notice = body(&ToMember::TopicTaken { id: topic.topic_id })?;
        Ok(self
            .vault()?
            .take_member_topic(input.topic_id, input.session_id, &notice)?)
    }

    pub fn dismiss_member_request(&mut self, id: i64) -> IpcResult<()> {
        Ok(self.vault()?.dismiss_member_request(id)?)
    }

    /// The summary of a held session as the member would read it: the agenda (done, or carried
    /// to next time) and the person's open action items with their due dates. Never the note or
    /// a reason: the summary has no field for them.
    pub fn member_summary(&mut self, session_id: i64) -> IpcResult<MemberSummary> {
        let view = self.vault()?.session_view(session_id)?;
        Ok(MemberSummary {
            held_on: view.session.at.date().to_string(),
            agenda: view
                .agenda
                .iter()
                .map(|a| SummaryTopic {
                    text: a.text.clone(),
                    done: a.done,
                })
                .collect(),
            items: view.open_actions.iter().map(summary_item).collect(),
        })
    }

    /// Queues the session's summary to the member (sealed and sent with the next exchange);
    /// answers when it was queued.
    pub fn send_member_summary(&mut self, session_id: i64) -> IpcResult<String> {
        let summary = self.member_summary(session_id)?;
        let body = body(&ToMember::Summary { summary })?;
        Ok(self.vault()?.send_member_summary(session_id, &body)?)
    }

    /// What a session's page needs of the member channel, in one read: whether the person's page
    /// is paired (and confirmed), and when this session's summary was last sent to it.
    pub fn session_member(&mut self, session_id: i64) -> IpcResult<SessionMember> {
        let vault = self.vault()?;
        let session = vault.session(session_id)?;
        let paired = vault
            .member_pairing(session.person_id)?
            .is_some_and(|p| p.stage == PairingStage::Paired);
        Ok(SessionMember {
            paired,
            summary_sent: vault.member_summary_sent(session_id)?,
        })
    }

    /// The manager undoes a member's "done" on an item; the member's page hears it.
    pub fn undo_member_done(&mut self, action_id: i64) -> IpcResult<Action> {
        let notice = body(&ToMember::ItemState {
            item: action_id,
            done: false,
        })?;
        Ok(self.vault()?.undo_member_done(action_id, &notice)?)
    }
}

fn summary_item(a: &Action) -> SummaryItem {
    SummaryItem {
        item: a.id,
        text: a.text.clone(),
        owner: a.owner,
        due: a.due_date.map(|d| d.to_string()),
        done: a.done_date.is_some(),
    }
}

impl Shared {
    /// A new pairing code for a person (network: call off the UI thread).
    pub fn start_member_pairing(&self, person_id: i64) -> IpcResult<MemberPairingView> {
        let mut access = self;
        channel::start_pairing(&mut access, person_id)?;
        self.app()
            .member_pairing(person_id)?
            .ok_or_else(|| IpcError::not_found("pairing"))
    }

    /// Asks the server whether the member used the code (network).
    pub fn refresh_member_pairing(&self, person_id: i64) -> IpcResult<Option<MemberPairingView>> {
        let mut access = self;
        channel::refresh_pairings(&mut access)?;
        self.app().member_pairing(person_id)
    }

    /// Unpairs a person's page on the server and here (network).
    pub fn unpair_member(&self, person_id: i64) -> IpcResult<()> {
        let mut access = self;
        Ok(channel::unpair(&mut access, person_id)?)
    }

    /// Sends what waits for members and takes what they sent (network).
    pub fn exchange_member_messages(&self) -> IpcResult<MemberExchange> {
        let mut access = self;
        let done = channel::exchange(&mut access)?;
        Ok(MemberExchange {
            sent: done.sent,
            received: done.received,
            refused: done.refused,
            held: done.held,
        })
    }
}
