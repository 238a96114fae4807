//! `taiwa sync …`: the company server from the command line.

use serde_json::json;
use taiwa_protocol::RosterMember;
use taiwa_sync::{Cycle, RosterChoices, RosterMatch, connection, outbox, sync_cycle, to_wire};

use crate::args::{Cli, SyncCmd};
use crate::output::Out;
use crate::{Result, open, secret_from};

fn roster_rows(matches: &[(RosterMember, RosterMatch)]) -> (Vec<serde_json::Value>, String) {
    let rows: Vec<serde_json::Value> = matches
        .iter()
        .map(|(member, status)| {
            json!({"employee_id": member.employee_id, "name": member.name,
                   "org_unit_name": member.org_unit_name, "status": status.as_str()})
        })
        .collect();
    let text = matches
        .iter()
        .map(|(m, status)| {
            format!(
                "{}  {}  {}  ({})",
                m.employee_id,
                m.name,
                m.org_unit_name,
                status.as_str()
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    (rows, text)
}

pub(crate) fn run(cli: &Cli, out: &Out, cmd: &SyncCmd) -> Result<()> {
    let mut vault = open(cli)?;
    match cmd {
        SyncCmd::Enrol {
            server,
            device_name,
            ca_file,
        } => {
            let code = secret_from("TAIWA_ENROL_CODE", "Enrolment code: ")?;
            let (enrolment, token) =
                taiwa_sync::enrol(server, ca_file.as_deref(), &code, device_name.as_deref().unwrap_or(""))?;
            vault.set_enrolment(&enrolment, &token)?;
            // The roster is pulled at once: direct reports not in the people list yet are named.
            let report = sync_cycle(&mut vault, Cycle::RosterOnly, RosterChoices::default())?;
            let new_members: Vec<&RosterMember> = report
                .matches
                .iter()
                .filter(|(_, status)| *status == RosterMatch::New)
                .map(|(m, _)| m)
                .collect();
            let waiting = outbox(&vault)?.ready.len();
            let name = &enrolment.device_name;
            let mut text = format!(
                "Enrolled \"{name}\" with {} as {} ({}). {waiting} record(s) are waiting: `taiwa sync preview` shows them, `taiwa sync push` sends them.",
                enrolment.server, enrolment.manager_name, enrolment.manager_employee_id
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
            let offered = report
                .matches
                .iter()
                .filter(|(_, status)| *status == RosterMatch::Offered)
                .count();
            if offered > 0 {
                text.push_str(&format!(
                    "\nThe directory names {offered} person(s) differently: `taiwa sync roster` shows how, \
                     `taiwa sync roster --accept` takes the directory's names, units and emails."
                ));
            }
            let manager = json!({"employee_id": enrolment.manager_employee_id, "name": enrolment.manager_name});
            out.done(
                json!({"server": enrolment.server, "device_name": name, "manager": manager, "pending": waiting, "new_members": new_members}),
                &text,
            );
        }
        SyncCmd::Push => {
            let report = sync_cycle(&mut vault, Cycle::Full, RosterChoices::default())?;
            let push = &report.push;
            let mut text = format!(
                "Sent {} record(s): {} accepted, {} already up to date.",
                push.sent, push.accepted, push.stale
            );
            if !report.withdrawn.is_empty() {
                text.push_str(&format!(
                    "\nWithdrawn from the server (marked private): {}.",
                    report.withdrawn.join(", ")
                ));
            }
            for (id, month, reason) in &push.rejected {
                text.push_str(&format!("\nRefused: {id} {month}: {reason}"));
            }
            let mut value = json!(push);
            value["withdrawn"] = json!(report.withdrawn);
            out.done(value, &text);
        }
        SyncCmd::Preview => {
            let waiting = outbox(&vault)?;
            let withdrawals = vault.pending_withdrawals()?;
            let line = |r: &taiwa_protocol::CompletionRecord| {
                format!(
                    "{}  {}  {}  {} session(s), {} min",
                    r.member_employee_id, r.month, r.relationship, r.sessions_held, r.minutes
                )
            };
            let records: Vec<_> = waiting.ready.iter().map(to_wire).collect();
            let unconfirmed: Vec<_> = waiting.unconfirmed.iter().map(to_wire).collect();
            let mut lines: Vec<String> = records.iter().map(line).collect();
            if lines.is_empty() {
                lines.push("Nothing is waiting to be sent.".to_owned());
            }
            if !unconfirmed.is_empty() {
                lines.push("Kept here until the directory names the id as your direct report:".to_owned());
                lines.extend(unconfirmed.iter().map(line));
            }
            if !withdrawals.is_empty() {
                lines.push(format!(
                    "To withdraw from the server (marked private): {}",
                    withdrawals.join(", ")
                ));
            }
            out.done(
                json!({"records": records, "unconfirmed": unconfirmed, "withdrawals": withdrawals}),
                &lines.join("\n"),
            );
        }
        SyncCmd::Status => {
            let enrolment = vault.enrolment()?;
            let status = vault.sync_status()?;
            let pending = outbox(&vault)?.ready.len();
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
        SyncCmd::Roster { add, accept } => {
            let choices = RosterChoices {
                add_new: *add,
                accept_all: *accept,
            };
            let report = sync_cycle(&mut vault, Cycle::RosterOnly, choices)?;
            let (rows, mut text) = roster_rows(&report.matches);
            // What the directory offers, old → new, person by person.
            let entries: Vec<_> = report
                .matches
                .iter()
                .map(|(m, _)| taiwa_sync::directory_entry(m))
                .collect();
            let changes = vault.directory_changes(&entries)?;
            for c in &changes {
                let mut parts = Vec::new();
                if let Some((mine, theirs)) = &c.name {
                    parts.push(format!("name {mine} → {theirs}"));
                }
                if let Some((mine, theirs)) = &c.org_unit {
                    parts.push(format!("unit {} → {theirs}", mine.as_deref().unwrap_or("-")));
                }
                if let Some((mine, theirs)) = &c.email {
                    parts.push(format!("email {} → {theirs}", mine.as_deref().unwrap_or("-")));
                }
                text.push_str(&format!("\n{}: {}", c.entry.employee_id, parts.join("; ")));
            }
            if !changes.is_empty() {
                text.push_str("\nNothing was changed: `taiwa sync roster --accept` takes the directory's.");
            }
            out.done(json!({"members": rows, "offered": changes}), &text);
        }
        SyncCmd::Unenrol => {
            let (client, token) = connection(&vault)?;
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
