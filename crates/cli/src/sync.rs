//! `taiwa sync …`: the company server from the command line.

use serde_json::json;
use taiwa_domain::Month;
use taiwa_sync::{Client, SyncError, push_outbox, to_wire};
use taiwa_vault::{DeviceToken, Enrolment, Vault};

use crate::args::{Cli, SyncCmd};
use crate::output::Out;
use crate::{Failure, Result, open, secret_from};

/// The client and token of an enrolled vault.
fn connected(vault: &Vault) -> Result<(Client, DeviceToken)> {
    let enrolment = vault.enrolment()?.ok_or(Failure::Sync(SyncError::NotEnrolled))?;
    let token = vault.device_token()?.ok_or(Failure::Sync(SyncError::NotEnrolled))?;
    let client = Client::new(
        &enrolment.server,
        enrolment.ca_file.as_deref().map(std::path::Path::new),
    )?;
    Ok((client, token))
}

pub(crate) fn run(cli: &Cli, out: &Out, cmd: &SyncCmd) -> Result<()> {
    let mut vault = open(cli)?;
    let current = Month::of(vault.today());
    match cmd {
        SyncCmd::Enrol {
            server,
            device_name,
            ca_file,
        } => {
            let client = Client::new(server, ca_file.as_deref())?;
            let code = secret_from("TAIWA_ENROL_CODE", "Enrolment code: ")?;
            let name = device_name.clone().unwrap_or_else(taiwa_sync::default_device_name);
            let answer = client.enrol(&code, &name)?;
            let enrolment = Enrolment {
                server: client.server().to_owned(),
                device_name: name.clone(),
                manager_employee_id: answer.manager.employee_id.clone(),
                manager_name: answer.manager.name.clone(),
                ca_file: ca_file.as_ref().map(|p| p.display().to_string()),
            };
            let token = DeviceToken::new(answer.device_token);
            vault.set_enrolment(&enrolment, &token)?;
            // The roster is pulled at once: direct reports not in the people list yet are named.
            let people = vault.people(true)?;
            let new_members: Vec<_> = client
                .roster(token.expose())?
                .members
                .into_iter()
                .filter(|m| {
                    !people
                        .iter()
                        .any(|p| p.employee_id.as_deref() == Some(m.employee_id.as_str()))
                })
                .collect();
            let waiting = vault.pending_records(current)?.len();
            let mut text = format!(
                "Enrolled \"{name}\" with {} as {} ({}). {waiting} record(s) are waiting: `taiwa sync preview` shows them, `taiwa sync push` sends them.",
                enrolment.server, answer.manager.name, answer.manager.employee_id
            );
            if !new_members.is_empty() {
                let names: Vec<String> = new_members
                    .iter()
                    .map(|m| format!("{} ({})", m.name, m.employee_id))
                    .collect();
                text.push_str(&format!(
                    "\nNew direct reports in the directory: {}. `taiwa sync roster --add` adds them.",
                    names.join(", ")
                ));
            }
            out.done(
                json!({"server": enrolment.server, "device_name": name, "manager": answer.manager, "pending": waiting, "new_members": new_members}),
                &text,
            );
        }
        SyncCmd::Push => {
            let (client, token) = connected(&vault)?;
            let report = push_outbox(&mut vault, &client, &token)?;
            let mut text = format!(
                "Sent {} record(s): {} accepted, {} already up to date.",
                report.sent, report.accepted, report.stale
            );
            for (id, month, reason) in &report.rejected {
                text.push_str(&format!("\nRefused: {id} {month}: {reason}"));
            }
            out.done(json!(report), &text);
        }
        SyncCmd::Preview => {
            let records: Vec<_> = vault.pending_records(current)?.iter().map(to_wire).collect();
            let text = if records.is_empty() {
                "Nothing is waiting to be sent.".to_owned()
            } else {
                records
                    .iter()
                    .map(|r| {
                        format!(
                            "{}  {}  {}  {} session(s), {} min",
                            r.member_employee_id, r.month, r.relationship, r.sessions_held, r.minutes
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            out.done(json!(records), &text);
        }
        SyncCmd::Status => {
            let enrolment = vault.enrolment()?;
            let status = vault.sync_status()?;
            let pending = vault.pending_records(current)?.len();
            let rejected = vault.rejected_records()?;
            let mut text = match &enrolment {
                Some(e) => format!(
                    "Enrolled with {} as {} ({}), device \"{}\".",
                    e.server, e.manager_name, e.manager_employee_id, e.device_name
                ),
                None => "Not enrolled with a company server.".to_owned(),
            };
            text.push_str(&format!(
                "\nLast sync: {}",
                status.last_sync_at.as_deref().unwrap_or("never")
            ));
            if let Some(e) = &status.last_error {
                text.push_str(&format!("\nLast error: {e}"));
            }
            text.push_str(&format!("\nWaiting: {pending} record(s)"));
            for r in &rejected {
                text.push_str(&format!("\nRefused: {} {}: {}", r.employee_id, r.month, r.reason));
            }
            out.done(
                json!({"enrolment": enrolment, "status": status, "pending": pending, "rejected": rejected}),
                &text,
            );
        }
        SyncCmd::Log => {
            let log = vault.sync_log(100)?;
            let text = log
                .iter()
                .map(|e| {
                    format!(
                        "{}  {} record(s): {} accepted, {} stale, {} refused — {}",
                        e.at, e.records, e.accepted, e.stale, e.rejected, e.outcome
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            out.done(json!(log), if text.is_empty() { "Nothing sent yet." } else { &text });
        }
        SyncCmd::Roster { add } => {
            let (client, token) = connected(&vault)?;
            let roster = client.roster(token.expose())?;
            let rows: Vec<serde_json::Value> = taiwa_sync::apply_roster(&mut vault, &roster, *add)?
                .into_iter()
                .map(|(member, status)| {
                    json!({"employee_id": member.employee_id, "name": member.name,
                           "org_unit_name": member.org_unit_name, "status": status.as_str()})
                })
                .collect();
            let text = rows
                .iter()
                .map(|r| {
                    format!(
                        "{}  {}  {}  ({})",
                        r["employee_id"].as_str().unwrap_or(""),
                        r["name"].as_str().unwrap_or(""),
                        r["org_unit_name"].as_str().unwrap_or(""),
                        r["status"].as_str().unwrap_or("")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            out.done(json!(rows), &text);
        }
        SyncCmd::Unenrol => {
            let (client, token) = connected(&vault)?;
            client.revoke(token.expose())?;
            vault.clear_enrolment()?;
            out.done(
                json!({"unenrolled": true}),
                "This device is revoked on the server and the enrolment is forgotten here.",
            );
        }
    }
    Ok(())
}
