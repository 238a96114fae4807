//! The app's side of the sync. Network calls never run while the `App` is borrowed: a job is
//! taken from the vault under the app's lock, sent without it, and its outcome applied under the
//! lock again, so the UI is never blocked on the network.

use serde::{Deserialize, Serialize};
use taiwa_domain::{Month, Relationship};
use taiwa_protocol::Roster;
use taiwa_sync::{Client, PushReport, SyncError, to_wire};
use taiwa_vault::{DeviceToken, Enrolment, NewPerson, OutgoingRecord, RejectedRecord, SyncLogEntry, SyncStatus};
use ts_rs::TS;

use crate::App;
use crate::types::{IpcError, IpcResult, Secret};

impl From<SyncError> for IpcError {
    fn from(e: SyncError) -> IpcError {
        let detail = match &e {
            SyncError::RateLimited(seconds) => Some(seconds.to_string()),
            SyncError::Server { status, .. } => Some(status.to_string()),
            SyncError::Rejected(problems) => Some(problems.len().to_string()),
            _ => None,
        };
        if let SyncError::Vault(inner) = e {
            return inner.into();
        }
        IpcError {
            detail,
            ..IpcError::new(crate::types::ErrorCode::from_code(e.code()), e.to_string())
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

/// "What HR sees": the enrolment, the records the next push sends, refusals and the log.
#[derive(Debug, Serialize, TS)]
pub struct SyncOverview {
    pub enrolment: Option<Enrolment>,
    pub status: SyncStatus,
    pub pending: Vec<OutgoingRecord>,
    pub rejected: Vec<RejectedRecord>,
    pub log: Vec<SyncLogEntry>,
    /// Direct reports in the directory who are not in the people list yet.
    pub new_members: Vec<NewMember>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct NewMember {
    pub employee_id: String,
    pub name: String,
    pub email: String,
    pub org_unit_name: String,
}

/// Work for the network, taken from the vault.
#[derive(Debug)]
pub struct SyncJob {
    client: Client,
    token: DeviceToken,
    batch: Vec<OutgoingRecord>,
}

/// What the network said.
#[derive(Debug)]
pub struct SyncOutcome {
    batch: Vec<OutgoingRecord>,
    push: Option<Result<taiwa_protocol::CompletionResponse, SyncError>>,
    roster: Option<Result<Roster, SyncError>>,
}

impl SyncJob {
    /// Sends the batch and asks for the roster, without touching the vault.
    pub fn run(self) -> SyncOutcome {
        let push = (!self.batch.is_empty()).then(|| {
            self.client
                .push(self.token.expose(), self.batch.iter().map(to_wire).collect())
        });
        let revoked = matches!(push, Some(Err(SyncError::TokenRevoked)));
        let roster = (!revoked).then(|| self.client.roster(self.token.expose()));
        SyncOutcome {
            batch: self.batch,
            push,
            roster,
        }
    }
}

fn client_for(enrolment: &Enrolment) -> Result<Client, SyncError> {
    Client::new(
        &enrolment.server,
        enrolment.ca_file.as_deref().map(std::path::Path::new),
    )
}

impl App {
    /// Exchanges the code for a device token (over the network: call without holding other work).
    pub fn prepare_enrolment(input: &EnrolInput) -> IpcResult<(Enrolment, DeviceToken)> {
        let ca = input.ca_file.trim();
        let client = Client::new(&input.server, (!ca.is_empty()).then(|| std::path::Path::new(ca)))?;
        let name = input.device_name.trim();
        let name = if name.is_empty() {
            taiwa_sync::default_device_name()
        } else {
            name.to_owned()
        };
        let answer = client.enrol(input.code.expose(), &name)?;
        let enrolment = Enrolment {
            server: client.server().to_owned(),
            device_name: name,
            manager_employee_id: answer.manager.employee_id,
            manager_name: answer.manager.name,
            ca_file: (!ca.is_empty()).then(|| ca.to_owned()),
        };
        Ok((enrolment, DeviceToken::new(answer.device_token)))
    }

    pub fn finish_enrolment(&mut self, enrolment: &Enrolment, token: &DeviceToken) -> IpcResult<SyncOverview> {
        self.vault()?.set_enrolment(enrolment, token)?;
        self.sync_overview()
    }

    /// The next batch to send, or `None` when not enrolled.
    pub fn sync_job(&mut self) -> IpcResult<Option<SyncJob>> {
        let vault = self.vault_quietly()?;
        let (Some(enrolment), Some(token)) = (vault.enrolment()?, vault.device_token()?) else {
            return Ok(None);
        };
        let current = Month::of(vault.today());
        let batch = vault
            .pending_records(current)?
            .into_iter()
            .take(taiwa_protocol::MAX_BATCH_RECORDS)
            .collect();
        Ok(Some(SyncJob {
            client: client_for(&enrolment)?,
            token,
            batch,
        }))
    }

    /// A job that only pulls the roster (right after enrolment).
    pub fn roster_job(&mut self) -> IpcResult<Option<SyncJob>> {
        Ok(self.sync_job()?.map(|job| SyncJob {
            batch: Vec::new(),
            ..job
        }))
    }

    /// Records what the network said: sent rows leave the outbox, refusals are set aside, the roster
    /// updates names and organisations (nothing local is deleted) and offers new members.
    pub fn apply_sync(&mut self, outcome: SyncOutcome) -> IpcResult<PushReport> {
        let vault = self.vault_quietly()?;
        let mut report = PushReport::default();
        if let Some(answer) = outcome.push {
            taiwa_sync::record_outcome(vault, &outcome.batch, answer, &mut report)?;
        }
        if let Some(Ok(roster)) = outcome.roster {
            taiwa_sync::apply_roster(vault, &roster, false)?;
            self.roster = Some(roster);
        }
        Ok(report)
    }

    /// What the Company server page shows. Reading it is not the person's activity: the page
    /// refreshes it after every background sync, which must not keep an idle vault open.
    pub fn sync_overview(&mut self) -> IpcResult<SyncOverview> {
        let roster = self.roster.clone();
        let vault = self.vault_quietly()?;
        let current = Month::of(vault.today());
        let people = vault.people(true)?;
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
                email: m.email,
                org_unit_name: m.org_unit_name,
            })
            .collect();
        Ok(SyncOverview {
            enrolment: vault.enrolment()?,
            status: vault.sync_status()?,
            pending: vault.pending_records(current)?,
            rejected: vault.rejected_records()?,
            log: vault.sync_log(20)?,
            new_members,
        })
    }

    /// Adds a direct report offered by the roster.
    pub fn add_member(&mut self, member: NewMember) -> IpcResult<SyncOverview> {
        self.vault()?.add_person(NewPerson {
            name: member.name,
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
        let vault = self.vault()?;
        let (Some(enrolment), Some(token)) = (vault.enrolment()?, vault.device_token()?) else {
            return Ok(None);
        };
        Ok(Some((client_for(&enrolment)?, token)))
    }

    pub fn forget_enrolment(&mut self) -> IpcResult<SyncOverview> {
        self.vault()?.clear_enrolment()?;
        self.roster = None;
        self.sync_overview()
    }
}
