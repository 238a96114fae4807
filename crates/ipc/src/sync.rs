//! The app's side of the sync. Network calls never run while the `App` is borrowed: a job is
//! taken from the vault under the app's lock, sent without it, and its outcome applied under the
//! lock again, so the UI is never blocked on the network.

use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use taiwa_domain::Relationship;
use taiwa_sync::{Client, Cycle, CycleReport, Disposition, Schedule, SyncError, VaultAccess};
use taiwa_vault::{
    DeviceToken, DirectoryChange, DirectoryEntry, Enrolment, NewPerson, OutgoingRecord, RejectedRecord, SyncLogEntry,
    SyncStatus, Vault,
};
use ts_rs::TS;

use crate::App;
use crate::types::{ErrorCode, IpcError, IpcResult, Secret};

impl From<SyncError> for IpcError {
    /// Exhaustive: a new kind of sync failure cannot reach the UI without its own code.
    fn from(e: SyncError) -> IpcError {
        let message = e.to_string();
        let (code, detail) = match e {
            SyncError::Vault(inner) => return inner.into(),
            SyncError::InvalidServer(_) => (ErrorCode::InvalidServer, None),
            SyncError::CaFile(_) => (ErrorCode::InvalidCaFile, None),
            SyncError::NotEnrolled => (ErrorCode::NotEnrolled, None),
            SyncError::Unreachable(_) => (ErrorCode::Unreachable, None),
            SyncError::TokenRevoked => (ErrorCode::TokenRevoked, None),
            SyncError::InvalidCode => (ErrorCode::InvalidCode, None),
            SyncError::Rejected(problems) => (ErrorCode::Rejected, Some(problems.len().to_string())),
            SyncError::RateLimited(seconds) => (ErrorCode::RateLimited, Some(seconds.to_string())),
            SyncError::Server { status, .. } => (ErrorCode::ServerError, Some(status.to_string())),
            SyncError::VaultLocked => (ErrorCode::Locked, None),
        };
        IpcError {
            detail,
            ..IpcError::new(code, message)
        }
    }
}

#[derive(Debug, Deserialize, TS)]
pub struct EnrolInput {
    pub server: String,
    pub code: Secret,
    pub device_name: String,
    /// A company CA certificate file, or empty.
    pub ca_file: String,
}

/// A record the server refused: the server's words, and the rule it broke as the protocol names
/// it, so that the UI shows its own message for every rule the server can send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Refused {
    pub employee_id: String,
    pub month: taiwa_domain::Month,
    pub reason: String,
    pub rule: Option<taiwa_protocol::RecordRule>,
}

impl From<RejectedRecord> for Refused {
    fn from(r: RejectedRecord) -> Refused {
        Refused {
            rule: r.rule.as_deref().map(taiwa_protocol::RecordRule::named),
            employee_id: r.employee_id,
            month: r.month,
            reason: r.reason,
        }
    }
}

/// "What HR sees": the enrolment, the records the next push sends, refusals and the log.
#[derive(Debug, Serialize, TS)]
pub struct SyncOverview {
    pub enrolment: Option<Enrolment>,
    pub status: SyncStatus,
    /// What the next push sends.
    pub pending: Vec<OutgoingRecord>,
    /// Direct reports' figures under ids no roster has named yet: kept here, not sent.
    pub unconfirmed: Vec<OutgoingRecord>,
    /// Employee ids (people marked private) whose figures the server is still to remove.
    pub withdrawals: Vec<String>,
    pub rejected: Vec<Refused>,
    pub log: Vec<SyncLogEntry>,
    /// Direct reports in the directory who are not in the people list yet.
    pub new_members: Vec<NewMember>,
    /// What the directory says differently about people in the list (name, unit, email, old →
    /// new), offered until the manager answers: nothing changes without them.
    pub directory_changes: Vec<DirectoryChange>,
}

/// The manager's answer about one person the directory names differently.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct DirectoryAnswer {
    pub person_id: i64,
    pub entry: DirectoryEntry,
    /// Take the directory's values; otherwise keep the list's.
    pub accept: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct NewMember {
    pub employee_id: String,
    pub name: String,
    /// How the name is read, when the directory says.
    #[serde(default)]
    pub reading: Option<String>,
    pub email: String,
    pub org_unit_name: String,
}

/// The app behind its lock, as the desktop shell holds it. The sync reaches the vault through it
/// one short step at a time (`VaultAccess`), never across a network call.
#[derive(Debug)]
pub struct Shared(pub Mutex<App>);

impl Shared {
    pub fn new(app: App) -> Shared {
        Shared(Mutex::new(app))
    }

    pub fn app(&self) -> MutexGuard<'_, App> {
        // A panic while holding the lock leaves the app usable: the state is still consistent.
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// One sync cycle now (the manager's "Sync now", or the roster right after enrolment). Call
    /// off the UI thread: it waits on the network.
    pub fn sync(&self, cycle: Cycle) -> IpcResult<CycleReport> {
        Ok(self.cycle(cycle)?)
    }

    fn cycle(&self, cycle: Cycle) -> Result<CycleReport, SyncError> {
        let mut access = self;
        let report = taiwa_sync::sync_cycle(&mut access, cycle, taiwa_sync::RosterChoices::default())?;
        if cycle == Cycle::Full {
            // Members' messages go and come with every sync. A failure here (a server without
            // the member channel, say) does not undo the completion figures just sent; the app
            // shows it when the manager opens a paired person's page or Prepare.
            let _ = taiwa_sync::member::exchange(&mut access);
        }
        let mut app = self.app();
        if app.vault_quietly().is_ok() {
            app.roster = report.roster.clone();
        }
        Ok(report)
    }

    /// One turn of the background loop: syncs when `schedule` says it is due and the vault is
    /// open; returns whether anything was tried (so the window refreshes its status).
    pub fn sync_when_due(&self, schedule: &mut Schedule, now: DateTime<Utc>, random: f64) -> bool {
        if !schedule.due(now) {
            return false;
        }
        let last = match self.app().vault_quietly() {
            Ok(vault) => vault
                .sync_status()
                .ok()
                .and_then(|s| s.last_sync_at)
                .and_then(|t| DateTime::parse_from_rfc3339(&t).ok().map(|t| t.with_timezone(&Utc))),
            Err(_) => {
                schedule.failed(now, Disposition::WaitForVault, random);
                return false;
            }
        };
        if !schedule.confirm(now, last, random) {
            return false;
        }
        match self.cycle(Cycle::Full) {
            Ok(_) => schedule.succeeded(now, random),
            Err(e) => schedule.failed(now, e.disposition(), random),
        }
        true
    }
}

impl VaultAccess for &Shared {
    fn with_vault<R>(&mut self, step: impl FnOnce(&mut Vault) -> Result<R, SyncError>) -> Result<R, SyncError> {
        let mut app = self.app();
        let vault = app.vault_quietly().map_err(|_| SyncError::VaultLocked)?;
        step(vault)
    }
}

impl App {
    /// Exchanges the code for a device token (over the network: call without holding the lock).
    pub fn prepare_enrolment(input: &EnrolInput) -> IpcResult<(Enrolment, DeviceToken)> {
        let ca = input.ca_file.trim();
        let ca = (!ca.is_empty()).then(|| std::path::Path::new(ca));
        Ok(taiwa_sync::enrol(
            &input.server,
            ca,
            input.code.expose(),
            &input.device_name,
        )?)
    }

    pub fn finish_enrolment(&mut self, enrolment: &Enrolment, token: &DeviceToken) -> IpcResult<SyncOverview> {
        self.vault()?.set_enrolment(enrolment, token)?;
        self.sync_overview()
    }

    /// What the Company server page shows. Reading it is not the person's activity: the page
    /// refreshes it after every background sync, which must not keep an idle vault open.
    pub fn sync_overview(&mut self) -> IpcResult<SyncOverview> {
        let roster = self.roster.clone();
        let vault = self.vault_quietly()?;
        let outbox = taiwa_sync::outbox(vault)?;
        let people = vault.people(true)?;
        let entries: Vec<DirectoryEntry> = roster
            .iter()
            .flat_map(|r| r.members.iter().map(taiwa_sync::directory_entry))
            .collect();
        let directory_changes = vault.directory_changes(&entries)?;
        let new_members = roster
            .map(|r| r.members)
            .unwrap_or_default()
            .into_iter()
            .filter(|m| {
                !people
                    .iter()
                    .any(|p| p.employee_id.as_deref() == Some(m.employee_id.as_str()))
            })
            .map(|m| NewMember {
                employee_id: m.employee_id,
                name: m.name,
                reading: m.reading,
                email: m.email,
                org_unit_name: m.org_unit_name,
            })
            .collect();
        Ok(SyncOverview {
            enrolment: vault.enrolment()?,
            status: vault.sync_status()?,
            pending: outbox.ready,
            unconfirmed: outbox.unconfirmed,
            withdrawals: vault.pending_withdrawals()?,
            rejected: vault.rejected_records()?.into_iter().map(Refused::from).collect(),
            log: vault.sync_log(20)?,
            new_members,
            directory_changes,
        })
    }

    /// The manager's answers to what the directory offers: each person's name, unit and email
    /// are taken or kept as answered, and not offered again until the directory changes them.
    pub fn answer_directory(&mut self, answers: Vec<DirectoryAnswer>) -> IpcResult<SyncOverview> {
        let vault = self.vault()?;
        for answer in &answers {
            vault.answer_directory(answer.person_id, &answer.entry, answer.accept)?;
        }
        self.sync_overview()
    }

    /// Adds a direct report offered by the roster.
    pub fn add_member(&mut self, member: NewMember) -> IpcResult<SyncOverview> {
        self.vault()?.add_person(NewPerson {
            name: member.name,
            reading: member.reading,
            relationship: Relationship::Line,
            employee_id: Some(member.employee_id),
            email: Some(member.email),
            org_unit: Some(member.org_unit_name),
            ..Default::default()
        })?;
        self.sync_overview()
    }

    /// The token to revoke on un-enrolment (the caller revokes it over the network, then `forget_enrolment`).
    pub fn unenrol_job(&mut self) -> IpcResult<Option<(Client, DeviceToken)>> {
        match taiwa_sync::connection(self.vault()?) {
            Ok(connection) => Ok(Some(connection)),
            Err(SyncError::NotEnrolled) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub fn forget_enrolment(&mut self) -> IpcResult<SyncOverview> {
        self.vault()?.clear_enrolment()?;
        self.roster = None;
        self.sync_overview()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The UI and the command line name a sync failure by the same code.
    #[test]
    fn every_sync_failure_reaches_the_ui_with_the_code_the_command_line_prints() {
        let failures = [
            SyncError::InvalidServer("ftp://x".into()),
            SyncError::CaFile("missing".into()),
            SyncError::NotEnrolled,
            SyncError::Unreachable("refused".into()),
            SyncError::TokenRevoked,
            SyncError::InvalidCode,
            SyncError::Rejected(vec![]),
            SyncError::RateLimited(30),
            SyncError::Server {
                status: 503,
                message: "busy".into(),
                retry_after: None,
            },
            SyncError::VaultLocked,
            SyncError::Vault(taiwa_vault::Error::WrongPassphrase),
        ];
        for failure in failures {
            let text = failure.code();
            let ipc = IpcError::from(failure);
            assert_eq!(ipc.code.as_str(), text);
        }
    }
}
