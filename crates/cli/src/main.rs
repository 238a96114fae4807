//! `taiwa`: the vault from the command line. Everything the desktop app does to the vault, a script
//! can do here; with `--json` every command prints exactly one JSON document on stdout.
//!
//! Secrets never come from arguments (they would show in `ps` and shell history): the passphrase
//! comes from `TAIWA_PASSPHRASE` or a prompt on the terminal.

mod args;
mod output;
mod sync;

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{NaiveDate as Date, NaiveDateTime as DateTime};
use clap::Parser;
use serde_json::json;
use taiwa_domain::Month;
use taiwa_domain::Zone;
use taiwa_vault::{
    Error, ExportFormat, ExportOptions, NewAction, NewAgendaItem, NewPerson, Passphrase, PersonEdit, RecoveryKey, Vault,
};
use zeroize::Zeroizing;

use args::{
    ActionCmd, AgendaCmd, CareerCmd, Cli, Command, ExportCmd, NoteCmd, PassphraseCmd, PersonCmd, SessionCmd, TopicCmd,
};
use output::Out;

/// Exit codes, documented in the README.
mod exit {
    pub const FAILURE: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const WRONG_SECRET: u8 = 3;
    pub const DAMAGED: u8 = 4;
    pub const NOT_FOUND: u8 = 5;
    pub const NO_VAULT: u8 = 6;
    pub const VAULT_EXISTS: u8 = 7;
    pub const TOO_NEW: u8 = 8;
    pub const SYNC: u8 = 9;
}

/// A failure of a command: the vault's, or one found here (usage, input, terminal).
pub(crate) enum Failure {
    Vault(Error),
    Usage(String),
    Sync(taiwa_sync::SyncError),
}

impl From<taiwa_sync::SyncError> for Failure {
    fn from(e: taiwa_sync::SyncError) -> Failure {
        match e {
            taiwa_sync::SyncError::Vault(v) => Failure::Vault(v),
            other => Failure::Sync(other),
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::Vault(e)
    }
}

impl Failure {
    fn code(&self) -> &'static str {
        match self {
            Failure::Vault(e) => e.code(),
            Failure::Usage(_) => "invalid_input",
            Failure::Sync(e) => e.code(),
        }
    }

    fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => exit::USAGE,
            Failure::Sync(taiwa_sync::SyncError::InvalidServer(_) | taiwa_sync::SyncError::CaFile(_)) => exit::USAGE,
            Failure::Sync(_) => exit::SYNC,
            Failure::Vault(e) => match e {
                Error::Invalid(_) => exit::USAGE,
                Error::WrongPassphrase | Error::WrongRecoveryKey => exit::WRONG_SECRET,
                Error::Damaged { .. } => exit::DAMAGED,
                Error::NotFound { .. } => exit::NOT_FOUND,
                Error::NoVault(_) => exit::NO_VAULT,
                Error::VaultExists(_) => exit::VAULT_EXISTS,
                Error::TooNew { .. } => exit::TOO_NEW,
                _ => exit::FAILURE,
            },
        }
    }

    fn message(&self) -> String {
        match self {
            Failure::Vault(e) => e.to_string(),
            Failure::Usage(m) => m.clone(),
            Failure::Sync(taiwa_sync::SyncError::Rejected(problems)) => {
                let list: Vec<String> = problems
                    .iter()
                    .map(|p| format!("record {}: {} ({})", p.index, p.problem, p.field))
                    .collect();
                format!("the server refused the records: {}", list.join("; "))
            }
            Failure::Sync(e) => e.to_string(),
        }
    }
}

pub(crate) type Result<T> = std::result::Result<T, Failure>;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { exit::USAGE } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let out = Out::new(cli.json);
    match run(&cli, &out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            out.error(failure.code(), &failure.message());
            ExitCode::from(failure.exit_code())
        }
    }
}

fn vault_dir(cli: &Cli) -> Result<PathBuf> {
    if let Some(dir) = &cli.vault {
        return Ok(dir.clone());
    }
    dirs::data_dir()
        .map(|d| d.join("taiwa").join("vault"))
        .ok_or_else(|| Failure::Usage("no data folder is known for this user: give --vault DIR or TAIWA_VAULT".into()))
}

fn time_zone() -> Zone {
    taiwa_vault::system_zone()
}

/// A secret from an environment variable, or else typed at the terminal without echo; wiped from
/// memory when dropped.
pub(crate) fn secret_from(var: &str, prompt: &str) -> Result<Zeroizing<String>> {
    if let Ok(value) = std::env::var(var) {
        return Ok(Zeroizing::new(value));
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::Usage(format!("no terminal to ask on: set {var}")));
    }
    rpassword::prompt_password(prompt)
        .map(Zeroizing::new)
        .map_err(|e| Failure::Usage(format!("could not read from the terminal: {e}")))
}

/// Moves a secret into a `Passphrase` (which wipes itself), leaving nothing behind.
fn into_passphrase(mut secret: Zeroizing<String>) -> Passphrase {
    Passphrase::new(std::mem::take(&mut *secret))
}

fn passphrase() -> Result<Passphrase> {
    secret_from("TAIWA_PASSPHRASE", "Passphrase: ").map(into_passphrase)
}

/// A new passphrase from `var`, or typed twice at the terminal.
fn new_passphrase(var: &str) -> Result<Passphrase> {
    if let Ok(value) = std::env::var(var) {
        return Ok(Passphrase::new(value));
    }
    let first = secret_from(var, "New passphrase (at least 12 characters): ")?;
    let again = secret_from(var, "New passphrase again: ")?;
    if first != again {
        return Err(Failure::Usage("the two passphrases differ: nothing was changed".into()));
    }
    Ok(into_passphrase(first))
}

pub(crate) fn open(cli: &Cli) -> Result<Vault> {
    let dir = vault_dir(cli)?;
    let pass = passphrase()?;
    Ok(Vault::open(&dir, &pass, time_zone())?)
}

fn parse_date(text: &str) -> Result<Date> {
    text.parse::<Date>().map_err(|_| {
        Failure::Usage(format!(
            "'{text}' is not a date: write it as YYYY-MM-DD, for example 2026-04-01"
        ))
    })
}

fn parse_at(text: &str) -> Result<DateTime> {
    let bad = || {
        Failure::Usage(format!(
            "'{text}' is not a date and time: write it as \"YYYY-MM-DD HH:MM\""
        ))
    };
    let (day, time) = text.trim().split_once([' ', 'T']).ok_or_else(bad)?;
    let day = day.parse::<Date>().map_err(|_| bad())?;
    let time = chrono::NaiveTime::parse_from_str(time, "%H:%M")
        .or_else(|_| chrono::NaiveTime::parse_from_str(time, "%H:%M:%S"))
        .map_err(|_| bad())?;
    Ok(day.and_time(time))
}

fn parse_month(text: &str) -> Result<Month> {
    text.parse()
        .map_err(|e: taiwa_domain::MonthError| Failure::Usage(e.to_string()))
}

/// A command's text: the argument, or standard input when it is `-` or left out (asked for at a
/// terminal, one line). Text typed as an argument lands in shell history and, while Argon2 runs,
/// in `/proc/PID/cmdline`; from standard input it does neither.
fn text_arg(arg: Option<&str>, what: &str) -> Result<String> {
    match arg {
        Some(text) if text != "-" => Ok(text.to_owned()),
        _ if std::io::stdin().is_terminal() => {
            eprint!("{what}: ");
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .map_err(|e| Failure::Usage(format!("could not read from the terminal: {e}")))?;
            Ok(line.trim_end_matches(['\n', '\r']).to_owned())
        }
        _ => Ok(read_stdin_text()?.trim_end_matches(['\n', '\r']).to_owned()),
    }
}

/// Standard input as UTF-8 text, or a clear error; nothing is stored when it is not text.
fn read_stdin_text() -> Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("Type the note, then Ctrl-D on a new line:");
    }
    // Read at most one byte past the largest note: a huge input is refused, not held in memory.
    let mut bytes = Vec::new();
    stdin
        .take(taiwa_vault::MAX_NOTE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::Usage(format!("could not read standard input: {e}")))?;
    if bytes.len() > taiwa_vault::MAX_NOTE_BYTES {
        return Err(Failure::Usage(format!(
            "the note is too large: more than {} MB on standard input; nothing was saved",
            taiwa_vault::MAX_NOTE_BYTES / 1_048_576
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        Failure::Usage(format!(
            "the text on standard input is not valid UTF-8 (bad byte at offset {}): nothing was saved",
            e.utf8_error().valid_up_to()
        ))
    })
}

fn optional(value: &Option<String>) -> Option<Option<String>> {
    value.as_ref().map(|v| (!v.trim().is_empty()).then(|| v.clone()))
}

fn optional_date(value: &Option<String>) -> Result<Option<Option<Date>>> {
    value
        .as_ref()
        .map(|v| {
            if v.trim().is_empty() {
                Ok(None)
            } else {
                parse_date(v).map(Some)
            }
        })
        .transpose()
}

fn run(cli: &Cli, out: &Out) -> Result<()> {
    match &cli.command {
        Command::Init => {
            let dir = vault_dir(cli)?;
            let pass = new_passphrase("TAIWA_PASSPHRASE")?;
            let (vault, recovery) = Vault::create(&dir, &pass, time_zone())?;
            let shown = recovery.display_form()?;
            out.recovery_key(vault.vault_id(), &dir, &shown);
        }
        Command::Person(cmd) => person(cli, out, cmd)?,
        Command::Session(cmd) => session(cli, out, cmd)?,
        Command::Agenda(cmd) => agenda(cli, out, cmd)?,
        Command::Note(cmd) => note(cli, out, cmd)?,
        Command::Action(cmd) => action(cli, out, cmd)?,
        Command::Career(cmd) => career(cli, out, cmd)?,
        Command::Sync(cmd) => sync::run(cli, out, cmd)?,
        Command::Topic(cmd) => topic(cli, out, cmd)?,
        Command::Status { month } => {
            let vault = open(cli)?;
            let month = month
                .as_deref()
                .map(parse_month)
                .transpose()?
                .unwrap_or_else(|| Month::of(vault.today()));
            out.status(&vault.status(month)?);
        }
        Command::Search { query, limit } => {
            let query = text_arg(query.as_deref(), "Search for")?;
            let vault = open(cli)?;
            out.hits(&vault.search(&query, *limit)?);
        }
        Command::Export(ExportCmd::Summary {
            from,
            to,
            format,
            out: file,
            include_notes,
            lang,
        }) => {
            let vault = open(cli)?;
            let format = match format.as_str() {
                "csv" => ExportFormat::Csv,
                "md" => ExportFormat::Markdown,
                "html" => ExportFormat::Html,
                other => {
                    return Err(Failure::Usage(format!(
                        "'{other}' is not an export format: use csv, md or html"
                    )));
                }
            };
            let language = match lang.as_str() {
                "en" => taiwa_vault::ExportLanguage::En,
                "ja" => taiwa_vault::ExportLanguage::Ja,
                other => {
                    return Err(Failure::Usage(format!(
                        "'{other}' is not an export language: use en or ja"
                    )));
                }
            };
            let options = ExportOptions {
                from: parse_month(from)?,
                to: parse_month(to)?,
                format,
                include_notes: *include_notes,
                person_id: None,
                language,
            };
            let text = vault.export_summary(&options)?;
            match file {
                Some(path) => {
                    taiwa_vault::write_private_file(path, text.as_bytes())?;
                    out.done(
                        json!({"path": path, "bytes": text.len()}),
                        &format!("Wrote {}", path.display()),
                    );
                }
                None => out.export(format_name(format), &text),
            }
        }
        Command::Passphrase(PassphraseCmd::Change) => {
            let dir = vault_dir(cli)?;
            let old = passphrase()?;
            let new = new_passphrase("TAIWA_NEW_PASSPHRASE")?;
            Vault::change_passphrase(&dir, &old, &new)?;
            out.done(
                json!({"changed": true}),
                "The passphrase is changed. The old one no longer opens the vault.",
            );
        }
        Command::Passphrase(PassphraseCmd::NewRecoveryKey) => {
            let dir = vault_dir(cli)?;
            let recovery = Vault::new_recovery_key(&dir, &passphrase()?)?;
            let shown = recovery.display_form()?;
            out.done(
                json!({"recovery_key": shown.as_str()}),
                &format!(
                    "Your new recovery key (shown this once; write it down and keep it somewhere safe):\n\n    {}\n\nThe old recovery key no longer opens the vault.",
                    shown.as_str()
                ),
            );
        }
        Command::Recover => {
            let dir = vault_dir(cli)?;
            let typed = secret_from("TAIWA_RECOVERY_KEY", "Recovery key: ")?;
            let recovery = RecoveryKey::parse(&typed)?;
            let new = new_passphrase("TAIWA_NEW_PASSPHRASE")?;
            let vault = Vault::recover(&dir, &recovery, &new, time_zone())?;
            out.done(
                json!({"vault_id": vault.vault_id(), "recovered": true}),
                "The vault is open again with the new passphrase. Your recovery key still works; keep it safe.",
            );
        }
        Command::Verify => {
            let dir = vault_dir(cli)?;
            let report = Vault::verify(&dir, &passphrase()?)?;
            out.verify(&report);
            if !report.ok() {
                return Err(Failure::Vault(Error::Damaged {
                    part: if report.key_file_ok {
                        taiwa_vault::Part::Database
                    } else {
                        taiwa_vault::Part::KeyFile
                    },
                    detail: report.problems.join("; "),
                }));
            }
        }
        Command::Backup { out: file } => {
            let vault = open(cli)?;
            let bytes = vault.backup(file)?;
            out.done(
                json!({"path": file, "bytes": bytes}),
                &format!("Backed up to {} ({bytes} bytes)", file.display()),
            );
        }
        Command::Restore { file, replace } => {
            let dir = vault_dir(cli)?;
            let pass = passphrase()?;
            let (vault, aside) = taiwa_vault::restore(file, &dir, &pass, *replace, time_zone())?;
            let text = match &aside {
                Some(old) => format!(
                    "Restored into {}. The vault that was there is kept in {}",
                    dir.display(),
                    old.display()
                ),
                None => format!("Restored into {}", dir.display()),
            };
            out.done(
                json!({"vault_id": vault.vault_id(), "path": dir, "previous_moved_to": aside}),
                &text,
            );
        }
    }
    Ok(())
}

fn format_name(format: ExportFormat) -> &'static str {
    match format {
        ExportFormat::Csv => "csv",
        ExportFormat::Markdown => "md",
        ExportFormat::Html => "html",
    }
}

fn person(cli: &Cli, out: &Out, cmd: &PersonCmd) -> Result<()> {
    let mut vault = open(cli)?;
    match cmd {
        PersonCmd::Add {
            name,
            reading,
            employee_id,
            email,
            org_unit,
            cadence,
            cross,
            start,
            end,
        } => {
            let person = vault.add_person(NewPerson {
                name: name.clone(),
                reading: reading.clone(),
                relationship: if *cross {
                    taiwa_domain::Relationship::Cross
                } else {
                    taiwa_domain::Relationship::Line
                },
                cadence: cadence.unwrap_or_default(),
                employee_id: employee_id.clone(),
                email: email.clone(),
                org_unit: org_unit.clone(),
                start_date: start.as_deref().map(parse_date).transpose()?,
                end_date: end.as_deref().map(parse_date).transpose()?,
            })?;
            out.created(
                &person,
                person.id,
                &format!("Added {} (person {})", person.name, person.id),
            );
        }
        PersonCmd::List { all } => out.people(&vault.people(*all)?),
        PersonCmd::Show { person } => {
            let p = vault.person(*person)?;
            let sessions = vault.sessions(Some(p.id))?;
            let actions = vault.actions(Some(p.id), true)?;
            out.person(&p, &sessions, &actions);
        }
        PersonCmd::Edit {
            person,
            name,
            reading,
            employee_id,
            email,
            org_unit,
            cadence,
            cross,
            line,
            start,
            end,
        } => {
            let relationship = match (cross, line) {
                (true, _) => Some(taiwa_domain::Relationship::Cross),
                (_, true) => Some(taiwa_domain::Relationship::Line),
                _ => None,
            };
            let p = vault.edit_person(
                *person,
                PersonEdit {
                    name: name.clone(),
                    reading: optional(reading),
                    relationship,
                    cadence: *cadence,
                    employee_id: optional(employee_id),
                    email: optional(email),
                    org_unit: optional(org_unit),
                    start_date: optional_date(start)?,
                    end_date: optional_date(end)?,
                },
            )?;
            out.created(&p, p.id, &format!("Updated {} (person {})", p.name, p.id));
        }
        PersonCmd::Archive { person } => {
            let p = vault.archive_person(*person)?;
            out.created(
                &p,
                p.id,
                &format!("Archived {}; their history stays searchable", p.name),
            );
        }
        PersonCmd::Delete { person, yes } => {
            let p = vault.person(*person)?;
            let f = vault.person_footprint(*person)?;
            let what = format!(
                "{} session(s), {} note(s), {} agenda item(s), {} action item(s), {} topic(s){}",
                f.sessions,
                f.notes,
                f.agenda_items,
                f.action_items,
                f.topics,
                if f.career_note { " and the career note" } else { "" }
            );
            if !yes {
                return Err(taiwa_vault::Error::from(taiwa_vault::Problem::new(
                    "yes",
                    taiwa_vault::Rule::NeedsConfirmation,
                    format!(
                        "deleting {} removes {what} for good; {} held 1on1(s) already reported to the company stay counted there. Run again with --yes to delete",
                        p.name, f.held
                    ),
                ))
                .into());
            }
            let f = vault.delete_person(*person)?;
            out.done(
                serde_json::json!({"id": person, "deleted": true, "footprint": f}),
                &format!("Deleted {} with {what}", p.name),
            );
        }
        PersonCmd::Private { person, off } => {
            vault.set_private(*person, !off)?;
            let p = vault.person(*person)?;
            let text = if *off {
                format!("{}'s figures will be sent to the company server again", p.name)
            } else {
                format!("{}'s figures will never be sent to the company server", p.name)
            };
            out.done(json!({"id": p.id, "private": !off}), &text);
        }
        PersonCmd::Unarchive { person } => {
            let p = vault.unarchive_person(*person)?;
            out.created(&p, p.id, &format!("{} is back in the list", p.name));
        }
    }
    Ok(())
}

fn session(cli: &Cli, out: &Out, cmd: &SessionCmd) -> Result<()> {
    // Text first, then the passphrase: a reason from standard input is read before Argon2 runs.
    let reason = match cmd {
        SessionCmd::Skip { reason, .. } => Some(text_arg(reason.as_deref(), "Private reason")?),
        SessionCmd::Cancel { reason: Some(r), .. } => Some(text_arg(Some(r), "Private reason")?),
        _ => None,
    };
    let mut vault = open(cli)?;
    match cmd {
        SessionCmd::Plan { person, at, minutes } => {
            let s = vault.plan_session(*person, parse_at(at)?, *minutes)?;
            out.created(
                &s,
                s.id,
                &format!(
                    "Planned session {} with {} on {}",
                    s.id,
                    s.person_name,
                    output::when(s.at)
                ),
            );
        }
        SessionCmd::List { person, month } => {
            let month = month.as_deref().map(parse_month).transpose()?;
            let sessions: Vec<_> = vault
                .sessions(*person)?
                .into_iter()
                .filter(|s| month.is_none_or(|m| s.month == m))
                .collect();
            out.sessions(&sessions);
        }
        SessionCmd::Show { session } => out.session_view(&vault.open_session(*session)?),
        SessionCmd::Hold { session, minutes } => {
            let s = vault.hold_session(*session, *minutes)?;
            out.created(
                &s,
                s.id,
                &format!("Session {} held, {} minutes", s.id, s.held_minutes.unwrap_or(0)),
            );
        }
        SessionCmd::Skip { session, .. } => {
            let s = vault.skip_session(*session, reason.as_deref().unwrap_or_default())?;
            out.created(&s, s.id, &format!("Session {} skipped", s.id));
        }
        SessionCmd::Cancel { session, .. } => {
            let s = vault.cancel_session(*session, reason.as_deref())?;
            out.created(&s, s.id, &format!("Session {} cancelled", s.id));
        }
        SessionCmd::Delete { session } => {
            vault.delete_session(*session)?;
            out.done(
                json!({"id": session, "deleted": true}),
                &format!("Deleted session {session}"),
            );
        }
        SessionCmd::Move { session, at, minutes } => {
            let s = vault.reschedule_session(*session, parse_at(at)?, *minutes)?;
            out.created(&s, s.id, &format!("Session {} moved to {}", s.id, output::when(s.at)));
        }
    }
    Ok(())
}

fn agenda(cli: &Cli, out: &Out, cmd: &AgendaCmd) -> Result<()> {
    let text = match cmd {
        AgendaCmd::Add { text, .. } => text_arg(text.as_deref(), "Agenda item")?,
        _ => String::new(),
    };
    let mut vault = open(cli)?;
    match cmd {
        AgendaCmd::Add {
            session, kind, wants, ..
        } => {
            let item = vault.add_agenda_item(
                *session,
                NewAgendaItem {
                    text: text.clone(),
                    kind: kind.unwrap_or(taiwa_domain::TopicKind::Work),
                    wants: *wants,
                },
            )?;
            out.created(&item, item.id, &format!("Added agenda item {}", item.id));
        }
        AgendaCmd::Done { item, undo } => {
            let item = vault.set_agenda_done(*item, !undo)?;
            let text = if item.done { "ticked off" } else { "open again" };
            out.created(&item, item.id, &format!("Agenda item {} {text}", item.id));
        }
        AgendaCmd::List { session } => {
            vault.carry_over(*session)?;
            out.agenda(&vault.agenda(*session)?);
        }
    }
    Ok(())
}

fn note(cli: &Cli, out: &Out, cmd: &NoteCmd) -> Result<()> {
    match cmd {
        NoteCmd::Set { session } | NoteCmd::Append { session } => {
            // Read the text before asking for the passphrase: a bad input stores nothing.
            let text = read_stdin_text()?;
            let mut vault = open(cli)?;
            let note = match cmd {
                NoteCmd::Set { .. } => vault.set_note(*session, &text)?,
                _ => vault.append_note(*session, &text)?,
            };
            out.done(
                json!({"id": note.session_id, "session_id": note.session_id, "bytes": note.body.len(), "updated_at": note.updated_at}),
                &format!("Saved the note of session {} ({} characters)", note.session_id, note.body.chars().count()),
            );
        }
        NoteCmd::Show { session } => {
            let vault = open(cli)?;
            let note = vault.note(*session)?;
            out.note(*session, note.as_ref());
        }
    }
    Ok(())
}

fn action(cli: &Cli, out: &Out, cmd: &ActionCmd) -> Result<()> {
    let text = match cmd {
        ActionCmd::Add { text, .. } => text_arg(text.as_deref(), "Action item")?,
        _ => String::new(),
    };
    let mut vault = open(cli)?;
    match cmd {
        ActionCmd::Add {
            person,
            session,
            owner,
            due,
            ..
        } => {
            let a = vault.add_action(
                *person,
                NewAction {
                    text: text.clone(),
                    session_id: *session,
                    owner: owner.unwrap_or(taiwa_domain::Owner::Manager),
                    due_date: due.as_deref().map(parse_date).transpose()?,
                },
            )?;
            out.created(&a, a.id, &format!("Added action item {} for {}", a.id, a.person_name));
        }
        ActionCmd::Done { action, undo, on } => {
            let when = if *undo {
                None
            } else {
                Some(on.as_deref().map(parse_date).transpose()?.unwrap_or(vault.today()))
            };
            let a = vault.set_action_done(*action, when)?;
            let text = if a.done_date.is_some() { "done" } else { "open again" };
            out.created(&a, a.id, &format!("Action item {} {text}", a.id));
        }
        ActionCmd::List {
            open: only_open,
            person,
        } => out.actions(&vault.actions(*person, *only_open)?),
    }
    Ok(())
}

fn career(cli: &Cli, out: &Out, cmd: &CareerCmd) -> Result<()> {
    match cmd {
        CareerCmd::Set { person } => {
            let text = read_stdin_text()?;
            let note = open(cli)?.set_career_note(*person, &text)?;
            out.done(
                json!({"id": note.person_id, "person_id": note.person_id, "updated_at": note.updated_at}),
                &format!("Saved the career note of person {}", note.person_id),
            );
        }
        CareerCmd::Show { person } => {
            let note = open(cli)?.career_note(*person)?;
            out.text_body(*person, note.as_ref().map(|n| n.body.as_str()));
        }
    }
    Ok(())
}

fn topic(cli: &Cli, out: &Out, cmd: &TopicCmd) -> Result<()> {
    let text = match cmd {
        TopicCmd::Add { text, .. } => text_arg(text.as_deref(), "Topic")?,
        _ => String::new(),
    };
    let mut vault = open(cli)?;
    match cmd {
        TopicCmd::Add {
            person, kind, wants, ..
        } => {
            let item = vault.add_backlog_item(
                *person,
                NewAgendaItem {
                    text: text.clone(),
                    kind: kind.unwrap_or(taiwa_domain::TopicKind::Work),
                    wants: *wants,
                },
            )?;
            out.created(&item, item.id, &format!("Added topic {} for next time", item.id));
        }
        TopicCmd::List { person } => out.topics(&vault.backlog(*person)?),
        TopicCmd::Remove { topic } => {
            vault.remove_backlog_item(*topic)?;
            out.done(json!({"id": topic, "removed": true}), &format!("Removed topic {topic}"));
        }
    }
    Ok(())
}
