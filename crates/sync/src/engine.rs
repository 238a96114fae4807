//! One sync, the same for the desktop app and the command line: enrolment, then each cycle pulls
//! the roster, sends withdrawals, and drains the outbox batch by batch.
//!
//! The vault is reached only through `VaultAccess`, one short step at a time, and never while a
//! request is on the network: the app's window keeps working while the server is slow.

use taiwa_domain::{Month, Relationship};
use taiwa_protocol::{MAX_BATCH_RECORDS, Roster};
use taiwa_vault::{DeviceToken, Enrolment, OutgoingRecord, Vault};

use crate::push::log_failure;
use crate::{Client, PushReport, RosterChoices, RosterMatch, SyncError, apply_roster, record_outcome, to_wire};

/// The most batches one cycle sends (500 records each): a backlog of years drains in one cycle,
/// and a cycle still ends.
pub const MAX_BATCHES_PER_CYCLE: usize = 200;

/// Short, separate visits to the vault. The command line owns its vault; the app locks its state
/// for each visit, and answers `SyncError::VaultLocked` when the vault was locked in between.
pub trait VaultAccess {
    fn with_vault<R>(&mut self, step: impl FnOnce(&mut Vault) -> Result<R, SyncError>) -> Result<R, SyncError>;
}

impl VaultAccess for Vault {
    fn with_vault<R>(&mut self, step: impl FnOnce(&mut Vault) -> Result<R, SyncError>) -> Result<R, SyncError> {
        step(self)
    }
}

impl VaultAccess for &mut Vault {
    fn with_vault<R>(&mut self, step: impl FnOnce(&mut Vault) -> Result<R, SyncError>) -> Result<R, SyncError> {
        step(self)
    }
}

/// The outbox as the next push sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outbox {
    /// Records that will be sent.
    pub ready: Vec<OutgoingRecord>,
    /// Direct reports' records under an id no roster from the server has named: kept, not sent,
    /// until the directory names that id (an id typed by hand is never sent on trust).
    pub unconfirmed: Vec<OutgoingRecord>,
}

/// What is waiting, split by whether it may be sent.
pub fn outbox(vault: &Vault) -> Result<Outbox, SyncError> {
    let current = Month::of(vault.today());
    let confirmed = vault.confirmed_ids()?;
    let (ready, unconfirmed) = vault
        .pending_records(current)?
        .into_iter()
        .partition(|r| r.relationship == Relationship::Cross || confirmed.contains(&r.employee_id));
    Ok(Outbox { ready, unconfirmed })
}

/// The next batch to send: the oldest ready records, at most `MAX_BATCH_RECORDS`.
pub fn next_batch(vault: &Vault) -> Result<Vec<OutgoingRecord>, SyncError> {
    let mut ready = outbox(vault)?.ready;
    ready.truncate(MAX_BATCH_RECORDS);
    Ok(ready)
}

/// The server and token of an enrolled vault, or `NotEnrolled`.
pub fn connection(vault: &Vault) -> Result<(Client, DeviceToken), SyncError> {
    let (Some(enrolment), Some(token)) = (vault.enrolment()?, vault.device_token()?) else {
        return Err(SyncError::NotEnrolled);
    };
    let client = Client::new(
        &enrolment.server,
        enrolment.ca_file.as_deref().map(std::path::Path::new),
    )?;
    Ok((client, token))
}

/// Exchanges a one-time code for a token (network only; `SyncError::InvalidCode` when refused).
/// An empty device name becomes `default_device_name()`.
pub fn enrol(
    server: &str,
    ca_file: Option<&std::path::Path>,
    code: &str,
    device_name: &str,
) -> Result<(Enrolment, DeviceToken), SyncError> {
    let client = Client::new(server, ca_file)?;
    let name = match device_name.trim() {
        "" => crate::default_device_name(),
        name => name.to_owned(),
    };
    let answer = client.enrol(code, &name)?;
    let enrolment = Enrolment {
        server: client.server().to_owned(),
        device_name: name,
        manager_employee_id: answer.manager.employee_id.clone(),
        manager_name: answer.manager.name.clone(),
        ca_file: ca_file.map(|p| p.display().to_string()),
    };
    Ok((enrolment, DeviceToken::new(answer.device_token.clone())))
}

/// What one cycle did.
#[derive(Debug, Clone, Default)]
pub struct CycleReport {
    pub push: PushReport,
    /// Employee ids whose records the server removed on request (people marked private).
    pub withdrawn: Vec<String>,
    /// The roster pulled at the start, with where each member stands in the people list.
    pub roster: Option<Roster>,
    pub matches: Vec<(taiwa_protocol::RosterMember, RosterMatch)>,
}

/// How much of a cycle to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cycle {
    /// Roster, withdrawals, then the outbox drained.
    Full,
    /// The roster only (right after enrolment, so the manager sees what will be sent first).
    RosterOnly,
}

/// One sync: pull the roster (its ids become confirmed; what the directory says differently about
/// known people is offered, `RosterChoices`),
/// send withdrawals, then drain the outbox batch by batch. The first failure ends the cycle, is
/// written to the vault's log and status, and is returned for the schedule to classify.
pub fn sync_cycle(
    access: &mut impl VaultAccess,
    cycle: Cycle,
    choices: RosterChoices,
) -> Result<CycleReport, SyncError> {
    let (client, token) = access.with_vault(|v| connection(v))?;
    let mut report = CycleReport::default();
    let roster = match client.roster(token.expose()) {
        Ok(roster) => roster,
        Err(e) => {
            access.with_vault(|v| log_failure(v, &e, 0))?;
            return Err(e);
        }
    };
    report.matches = access.with_vault(|v| {
        let ids: Vec<String> = roster.members.iter().map(|m| m.employee_id.clone()).collect();
        v.confirm_ids(&ids)?;
        apply_roster(v, &roster, choices)
    })?;
    report.roster = Some(roster);
    if cycle == Cycle::RosterOnly {
        return Ok(report);
    }
    let withdrawals = access.with_vault(|v| Ok(v.pending_withdrawals()?))?;
    for chunk in withdrawals.chunks(MAX_BATCH_RECORDS) {
        if let Err(e) = client.withdraw(token.expose(), chunk) {
            access.with_vault(|v| log_failure(v, &e, 0))?;
            return Err(e);
        }
        access.with_vault(|v| Ok(v.mark_withdrawn(chunk)?))?;
        report.withdrawn.extend_from_slice(chunk);
    }
    for _ in 0..MAX_BATCHES_PER_CYCLE {
        let batch = access.with_vault(|v| next_batch(v))?;
        if batch.is_empty() {
            break;
        }
        let answer = client.push(token.expose(), batch.iter().map(to_wire).collect());
        access.with_vault(|v| record_outcome(v, &batch, answer, &mut report.push))?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use taiwa_domain::Zone;
    use taiwa_vault::{NewPerson, Passphrase};

    use super::*;

    fn vault() -> (tempfile::TempDir, Vault) {
        let tmp = tempfile::tempdir().unwrap();
        let zone = Zone::named("Asia/Tokyo").unwrap();
        let (vault, _) = Vault::create(
            &tmp.path().join("v"),
            &Passphrase::new("engine tests pass".into()),
            zone,
        )
        .unwrap();
        (tmp, vault)
    }

    /// A person with one held 1on1 in each of the last `months` months.
    fn person(vault: &mut Vault, id: &str, relationship: Relationship, months: u32) -> i64 {
        let person = vault
            .add_person(NewPerson {
                name: format!("社員 {id}"),
                relationship,
                employee_id: Some(id.into()),
                ..Default::default()
            })
            .unwrap();
        let today = vault.today();
        for back in 0..months {
            let day = today.checked_sub_months(chrono::Months::new(back)).unwrap();
            let day = day.with_day(1).unwrap_or(day);
            let session = vault
                .plan_session(person.id, day.and_hms_opt(10, 0, 0).unwrap(), 30)
                .unwrap();
            vault.hold_session(session.id, Some(30)).unwrap();
        }
        person.id
    }

    use chrono::Datelike;

    fn ids(records: &[OutgoingRecord]) -> Vec<&str> {
        records.iter().map(|r| r.employee_id.as_str()).collect()
    }

    #[test]
    fn a_direct_reports_id_is_sent_only_once_a_roster_named_it() {
        let (_tmp, mut vault) = vault();
        person(&mut vault, "E1", Relationship::Line, 1);
        person(&mut vault, "X9", Relationship::Cross, 1);
        let waiting = outbox(&vault).unwrap();
        assert_eq!(ids(&waiting.ready), ["X9"], "a cross 1on1 needs no roster");
        assert_eq!(
            ids(&waiting.unconfirmed),
            ["E1"],
            "typed by hand, not yet named by the directory"
        );
        assert_eq!(ids(&next_batch(&vault).unwrap()), ["X9"]);
        vault.confirm_ids(&["E1".into()]).unwrap();
        let waiting = outbox(&vault).unwrap();
        assert_eq!(ids(&waiting.ready), ["E1", "X9"]);
        assert!(waiting.unconfirmed.is_empty());
        // Forgetting the enrolment forgets what its rosters confirmed.
        vault.clear_enrolment().unwrap();
        assert_eq!(ids(&outbox(&vault).unwrap().unconfirmed), ["E1"]);
    }

    #[test]
    fn batches_are_the_oldest_records_and_never_too_large() {
        let (_tmp, mut vault) = vault();
        let mut confirmed = Vec::new();
        for i in 0..22 {
            let id = format!("E{i:02}");
            person(&mut vault, &id, Relationship::Line, 24);
            confirmed.push(id);
        }
        vault.confirm_ids(&confirmed).unwrap();
        let ready = outbox(&vault).unwrap().ready;
        assert_eq!(ready.len(), 22 * 24);
        let batch = next_batch(&vault).unwrap();
        assert_eq!(batch.len(), MAX_BATCH_RECORDS);
        assert_eq!(batch[..], ready[..MAX_BATCH_RECORDS], "oldest months first");
        assert!(batch.windows(2).all(|w| w[0].month <= w[1].month));
    }

    #[test]
    fn marking_private_queues_a_withdrawal_and_sharing_again_cancels_it() {
        let (_tmp, mut vault) = vault();
        let e1 = person(&mut vault, "E1", Relationship::Line, 2);
        vault.confirm_ids(&["E1".into()]).unwrap();
        assert_eq!(outbox(&vault).unwrap().ready.len(), 2);
        vault.set_private(e1, true).unwrap();
        assert!(
            outbox(&vault).unwrap().ready.is_empty(),
            "nothing more is sent about them"
        );
        assert_eq!(vault.pending_withdrawals().unwrap(), ["E1"]);
        vault.set_private(e1, false).unwrap();
        assert!(vault.pending_withdrawals().unwrap().is_empty());
        assert_eq!(outbox(&vault).unwrap().ready.len(), 2, "their figures are queued again");
        vault.set_private(e1, true).unwrap();
        vault.mark_withdrawn(&["E1".into()]).unwrap();
        assert!(vault.pending_withdrawals().unwrap().is_empty());
    }

    #[test]
    fn an_unenrolled_vault_has_no_connection() {
        let (_tmp, vault) = vault();
        assert!(matches!(connection(&vault), Err(SyncError::NotEnrolled)));
    }
}
