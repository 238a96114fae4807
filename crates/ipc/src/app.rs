//! The app's state and every command behind the UI.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{NaiveDate as Date, NaiveDateTime as DateTime};
use taiwa_domain::Month;
use taiwa_domain::Zone;
use taiwa_vault::{
    Action, AgendaItem, BacklogItem, CareerNote, Footprint, NewAction, NewPerson, Passphrase, Person, PersonEdit,
    Problem, RecoveryKey, Rule, SearchFilter, SearchPage, Session, SessionView, Vault,
};

use crate::types::*;

const SETTINGS_FILE: &str = "settings.json";

/// The desktop app: a vault folder, its settings, and the vault while unlocked.
#[derive(Debug)]
pub struct App {
    dir: PathBuf,
    settings: Settings,
    vault: Option<Vault>,
    last_activity: Instant,
    /// The last roster pulled from the server, for offering new direct reports.
    pub(crate) roster: Option<taiwa_protocol::Roster>,
}

fn parse_date(field: &str, text: &str) -> IpcResult<Option<Date>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<Date>().map(Some).map_err(|_| {
        IpcError::invalid(
            Problem::new(
                field,
                Rule::NotADate,
                format!("{field}: '{text}' is not a date (YYYY-MM-DD)"),
            )
            .value(text),
        )
    })
}

/// A name made safe as part of a file name on Linux, macOS and Windows: no path separators,
/// reserved or control characters, no trailing dot or space, at most 60 characters, never empty.
pub fn safe_file_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| match c {
            '<' | '>' | ':' | '"' | '/' | '\\' | '|' | '?' | '*' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .take(60)
        .collect();
    let trimmed = cleaned.trim().trim_end_matches(['.', ' ']).to_owned();
    // CON, PRN, AUX, NUL, COM1…, LPT1… name devices on Windows, with or without an extension.
    let stem = trimmed.split('.').next().unwrap_or("").to_ascii_uppercase();
    let reserved = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit());
    if trimmed.is_empty() || reserved {
        format!("_{trimmed}")
    } else {
        trimmed
    }
}

fn parse_at(text: &str) -> IpcResult<DateTime> {
    let text = text.trim();
    DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| text.parse::<DateTime>())
        .map_err(|_| {
            IpcError::invalid(
                Problem::new(
                    "at",
                    Rule::NotADateTime,
                    format!("'{text}' is not a date and time (YYYY-MM-DDTHH:MM)"),
                )
                .value(text),
            )
        })
}

fn optional(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

impl App {
    /// The app over the vault folder `dir`; settings are read from beside it.
    pub fn new(dir: PathBuf) -> App {
        let settings = std::fs::read(dir.join(SETTINGS_FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        App {
            dir,
            settings,
            vault: None,
            last_activity: Instant::now(),
            roster: None,
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn time_zone() -> Zone {
        taiwa_vault::system_zone()
    }

    /// Records activity, for auto-lock.
    pub fn touch(&mut self) {
        self.last_activity = Instant::now();
    }

    pub(crate) fn vault(&mut self) -> IpcResult<&mut Vault> {
        self.last_activity = Instant::now();
        self.vault.as_mut().ok_or_else(IpcError::locked)
    }

    /// The vault for background work, which must not count as the person's activity.
    pub(crate) fn vault_quietly(&mut self) -> IpcResult<&mut Vault> {
        self.vault.as_mut().ok_or_else(IpcError::locked)
    }

    pub fn status(&self) -> AppStatus {
        AppStatus {
            vault_exists: taiwa_vault::exists(&self.dir),
            unlocked: self.vault.is_some(),
            vault_path: self.dir.display().to_string(),
            settings: self.settings.clone(),
            running_session: self
                .vault
                .as_ref()
                .and_then(|v| v.running_session().ok().flatten())
                .map(|s| s.id),
        }
    }

    pub fn create_vault(&mut self, input: CreateVaultInput) -> IpcResult<CreatedVault> {
        if input.passphrase.expose() != input.passphrase_again.expose() {
            return Err(IpcError::invalid(Problem::new(
                "passphrase_again",
                Rule::PassphrasesDiffer,
                "the two passphrases differ",
            )));
        }
        let passphrase = Passphrase::new(input.passphrase.expose().to_owned());
        let (vault, recovery) = Vault::create(&self.dir, &passphrase, App::time_zone())?;
        let recovery_key = recovery.display_form()?.to_string();
        self.vault = Some(vault);
        self.touch();
        Ok(CreatedVault { recovery_key })
    }

    pub fn unlock(&mut self, input: UnlockInput) -> IpcResult<AppStatus> {
        let passphrase = Passphrase::new(input.passphrase.expose().to_owned());
        self.vault = Some(Vault::open(&self.dir, &passphrase, App::time_zone())?);
        self.touch();
        Ok(self.status())
    }

    pub fn recover(&mut self, input: RecoverInput) -> IpcResult<AppStatus> {
        if input.new_passphrase.expose() != input.new_passphrase_again.expose() {
            return Err(IpcError::invalid(Problem::new(
                "passphrase_again",
                Rule::PassphrasesDiffer,
                "the two passphrases differ",
            )));
        }
        let recovery = RecoveryKey::parse(input.recovery_key.expose())?;
        let passphrase = Passphrase::new(input.new_passphrase.expose().to_owned());
        self.vault = Some(Vault::recover(&self.dir, &recovery, &passphrase, App::time_zone())?);
        self.touch();
        Ok(self.status())
    }

    /// Drops the vault: the data key is wiped and every further command answers `locked`.
    pub fn lock(&mut self) -> AppStatus {
        self.vault = None;
        self.roster = None;
        self.status()
    }

    /// Locks when idle for longer than the setting; returns whether it locked now. While a session
    /// is in progress the vault stays open (the manager is listening, not typing) until the session
    /// has run its planned length plus 30 minutes, so that a forgotten session does not keep it
    /// open for ever. `now` may lie ahead of the real time, as if that much more idle time passed.
    pub fn lock_if_idle(&mut self, now: Instant) -> bool {
        let limit = Duration::from_secs(u64::from(self.settings.auto_lock_minutes.max(1)) * 60);
        let idle = now.saturating_duration_since(self.last_activity);
        let ahead = now.saturating_duration_since(Instant::now()).as_secs();
        if self.vault.is_none() || idle < limit || self.session_keeps_open(ahead) {
            return false;
        }
        self.lock();
        true
    }

    /// Housekeeping between the person's actions (the app's background thread calls it every
    /// few seconds): folds the vault's write-ahead log in when it has grown, so that saves never
    /// wait for it. Not activity.
    pub fn maintain(&mut self) {
        if let Some(vault) = self.vault.as_ref() {
            let _ = vault.index_pending();
            let _ = vault.checkpoint_if_due();
        }
    }

    /// The UI saw no activity for the auto-lock time: locks unless a session is in progress
    /// within its allowance.
    pub fn lock_when_idle(&mut self) -> AppStatus {
        if !self.session_keeps_open(0) {
            self.lock();
        }
        self.status()
    }

    /// Whether a session in progress keeps the vault open `ahead` seconds from now: until it has
    /// run its planned length plus 30 minutes.
    fn session_keeps_open(&self, ahead: u64) -> bool {
        let Some(Ok(Some(running))) = self.vault.as_ref().map(Vault::running_session) else {
            return false;
        };
        let allowance = u64::from(running.planned_minutes) * 60 + 30 * 60;
        u64::from(running.clock_seconds) + ahead < allowance
    }

    pub fn settings(&self) -> Settings {
        self.settings.clone()
    }

    pub fn set_settings(&mut self, settings: Settings) -> IpcResult<Settings> {
        if !(1..=crate::MAX_AUTO_LOCK_MINUTES).contains(&settings.auto_lock_minutes) {
            return Err(IpcError::invalid(
                Problem::new(
                    "auto_lock_minutes",
                    Rule::OutOfRange,
                    format!(
                        "auto-lock must be between 1 and {} minutes",
                        crate::MAX_AUTO_LOCK_MINUTES
                    ),
                )
                .limit(crate::MAX_AUTO_LOCK_MINUTES)
                .value(settings.auto_lock_minutes),
            ));
        }
        std::fs::create_dir_all(&self.dir).map_err(|e| IpcError::io(&e))?;
        let text =
            serde_json::to_vec_pretty(&settings).map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))?;
        let path = self.dir.join(SETTINGS_FILE);
        let tmp = self.dir.join("settings.json.tmp");
        std::fs::write(&tmp, text)
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|e| IpcError::io(&e))?;
        self.settings = settings;
        Ok(self.settings.clone())
    }

    pub fn home(&mut self) -> IpcResult<Home> {
        let vault = self.vault()?;
        let today = vault.today();
        let month = Month::of(today);
        let first = month.plus(-11).unwrap_or(month);
        let history = vault.statuses(first, month)?;
        let not_held = vault.not_held_counts(first, month)?;
        // The strip ends with this month: its report is the one Home shows.
        let report = match history.last() {
            Some(report) => report.clone(),
            None => vault.status(month)?,
        };
        let differs = App::differs_from_hr(vault, &report)?;
        let people = report
            .people
            .into_iter()
            .map(|status| {
                let strip = history
                    .iter()
                    .map(|r| {
                        let cell = r.people.iter().find(|p| p.person_id == status.person_id);
                        StripCell {
                            month: r.month,
                            active: cell.is_some(),
                            met: cell.is_some_and(|c| c.figures.met),
                            not_held: not_held.get(&(status.person_id, r.month)).copied().unwrap_or(0),
                        }
                    })
                    .collect();
                HomePerson { status, strip }
            })
            .collect();
        let unclosed = vault.unclosed_sessions()?;
        let now = vault.today().and_time(chrono::NaiveTime::MIN);
        // Planned from today on, less those whose time is already over (they are asked about).
        let mut upcoming: Vec<Session> = vault
            .planned_sessions()?
            .into_iter()
            .filter(|s| s.at >= now && !unclosed.iter().any(|u| u.id == s.id))
            .collect();
        upcoming.truncate(10);
        let week = today + chrono::Duration::days(7);
        let actions_due = vault.actions_due_by(week)?;
        Ok(Home {
            month,
            today,
            summary: report.summary,
            people,
            upcoming,
            unclosed,
            actions_due,
            running: vault.running_session()?,
            differs,
            member_requests: vault.member_requests()?,
            team_quality: vault
                .member_team_quality()?
                .and_then(|json| serde_json::from_str(&json).ok()),
        })
    }

    /// Why this month's "N of M met" here and HR's figure for the team can differ, when the vault
    /// is enrolled and they do: people counted here whom HR does not see, and direct reports a
    /// roster named who are not in the list.
    fn differs_from_hr(vault: &taiwa_vault::Vault, report: &taiwa_vault::StatusReport) -> IpcResult<Option<HrDiffers>> {
        if vault.enrolment()?.is_none() {
            return Ok(None);
        }
        let people = vault.people(true)?;
        let mut differs = HrDiffers::default();
        for status in &report.people {
            let Some(person) = people.iter().find(|p| p.id == status.person_id) else {
                continue;
            };
            if person.relationship == taiwa_domain::Relationship::Cross {
                differs.cross += 1;
            } else if vault.is_private(person.id)? {
                differs.private += 1;
            } else if person.employee_id.is_none() {
                differs.no_employee_id += 1;
            }
        }
        let known: std::collections::HashSet<&str> = people.iter().filter_map(|p| p.employee_id.as_deref()).collect();
        differs.not_in_list = u32::try_from(
            vault
                .confirmed_ids()?
                .iter()
                .filter(|id| !known.contains(id.as_str()))
                .count(),
        )
        .unwrap_or(u32::MAX);
        let any = differs.cross + differs.private + differs.no_employee_id + differs.not_in_list > 0;
        Ok(any.then_some(differs))
    }

    pub fn people(&mut self, include_archived: bool) -> IpcResult<Vec<Person>> {
        Ok(self.vault()?.people(include_archived)?)
    }

    /// A person's page with their latest `shown` sessions and done action items (the page asks
    /// for more when the manager wants to see further back).
    pub fn person_page(&mut self, id: i64, shown: u32) -> IpcResult<PersonPage> {
        let shown = shown.clamp(1, 10_000);
        let vault = self.vault()?;
        let person = vault.person(id)?;
        let (sessions, sessions_total) = vault.recent_sessions(id, shown)?;
        let (done_actions, done_total) = vault.done_actions(id, shown)?;
        Ok(PersonPage {
            person,
            sessions,
            sessions_total,
            open_actions: vault.actions(Some(id), true)?,
            done_actions,
            done_total,
            backlog: vault.backlog(id)?,
            career_note: vault.career_note(id)?,
            private: vault.is_private(id)?,
            enrolled: vault.enrolment()?.is_some(),
            member_paired: vault
                .member_pairing(id)?
                .is_some_and(|p| p.stage == taiwa_vault::PairingStage::Paired),
        })
    }

    /// Adds a person (`id` = `None`) or changes one.
    pub fn save_person(&mut self, id: Option<i64>, input: PersonInput) -> IpcResult<Person> {
        let start_date = parse_date("start_date", &input.start_date)?;
        let end_date = parse_date("end_date", &input.end_date)?;
        let vault = self.vault()?;
        Ok(match id {
            None => vault.add_person(NewPerson {
                name: input.name,
                reading: optional(&input.reading),
                relationship: input.relationship,
                cadence: input.cadence,
                employee_id: optional(&input.employee_id),
                email: optional(&input.email),
                org_unit: optional(&input.org_unit),
                start_date,
                end_date,
            })?,
            Some(id) => vault.edit_person(
                id,
                PersonEdit {
                    name: Some(input.name),
                    reading: Some(optional(&input.reading)),
                    relationship: Some(input.relationship),
                    cadence: Some(input.cadence),
                    employee_id: Some(optional(&input.employee_id)),
                    email: Some(optional(&input.email)),
                    org_unit: Some(optional(&input.org_unit)),
                    start_date: Some(start_date),
                    end_date: Some(end_date),
                },
            )?,
        })
    }

    /// Marks a person private (their figures never leave the laptop) or shared again.
    /// Changes the passphrase of the open vault (the data key, and so the open vault, stay).
    pub fn change_passphrase(&mut self, input: ChangePassphraseInput) -> IpcResult<()> {
        if input.new_passphrase.expose() != input.new_passphrase_again.expose() {
            return Err(IpcError::invalid(Problem::new(
                "passphrase_again",
                Rule::PassphrasesDiffer,
                "the two new passphrases differ",
            )));
        }
        self.vault()?;
        Vault::change_passphrase(
            &self.dir,
            &Passphrase::new(input.current.expose().to_owned()),
            &Passphrase::new(input.new_passphrase.expose().to_owned()),
        )?;
        Ok(())
    }

    /// A new recovery key, shown once; the old one stops working.
    pub fn new_recovery_key(&mut self, input: PassphraseInput) -> IpcResult<CreatedVault> {
        self.vault()?;
        let recovery = Vault::new_recovery_key(&self.dir, &Passphrase::new(input.passphrase.expose().to_owned()))?;
        Ok(CreatedVault {
            recovery_key: recovery.display_form()?.to_string(),
        })
    }

    /// Checks the key file and every page of the database.
    pub fn verify_vault(&mut self, input: PassphraseInput) -> IpcResult<taiwa_vault::VerifyReport> {
        self.vault()?;
        Ok(Vault::verify(
            &self.dir,
            &Passphrase::new(input.passphrase.expose().to_owned()),
        )?)
    }

    /// The file name a save dialog proposes for a session's member-facing summary.
    pub fn member_summary_file_name(&mut self, session_id: i64) -> IpcResult<String> {
        let session = self.vault()?.session(session_id)?;
        Ok(format!("1on1-summary-{}.md", session.at.date()))
    }

    /// Writes a member-facing summary (made by the UI from the session, without the note) to
    /// `path`, privately.
    pub fn save_member_summary(&mut self, session_id: i64, text: &str, path: &Path) -> IpcResult<VaultFileDone> {
        self.vault()?.session(session_id)?;
        if text.len() > 1024 * 1024 {
            return Err(IpcError::invalid(
                Problem::new("summary", Rule::TooLarge, "the summary is larger than 1 MiB").limit(1),
            ));
        }
        taiwa_vault::write_private_file(path, text.as_bytes())?;
        Ok(VaultFileDone {
            path: path.display().to_string(),
            moved_aside: None,
        })
    }

    /// The file name a save dialog proposes for a backup.
    pub fn backup_file_name(&mut self) -> IpcResult<String> {
        let now = self.vault()?.now_local_text();
        Ok(format!("taiwa-backup-{now}.taiwa-backup"))
    }

    /// Writes an encrypted backup of the whole vault to `path`.
    pub fn backup_vault(&mut self, path: &Path) -> IpcResult<VaultFileDone> {
        self.vault()?.backup(path)?;
        Ok(VaultFileDone {
            path: path.display().to_string(),
            moved_aside: None,
        })
    }

    /// Restores a backup in place of the open vault (or into an empty folder): the backup is
    /// checked whole with its passphrase before anything changes, and the vault it replaces is
    /// kept aside, never deleted. The restored vault is then open.
    pub fn restore_vault(&mut self, file: &Path, input: PassphraseInput) -> IpcResult<VaultFileDone> {
        let passphrase = Passphrase::new(input.passphrase.expose().to_owned());
        let replace = self.vault.is_some() || taiwa_vault::exists(&self.dir);
        // The open vault is closed first: its files are about to move.
        self.vault = None;
        let (vault, aside) = taiwa_vault::restore(file, &self.dir, &passphrase, replace, App::time_zone())?;
        self.vault = Some(vault);
        self.touch();
        Ok(VaultFileDone {
            path: file.display().to_string(),
            moved_aside: aside.map(|p| p.display().to_string()),
        })
    }

    /// The months an export covers.
    fn export_range(&mut self, input: &ExportInput) -> IpcResult<(Month, Month)> {
        let this = Month::of(self.vault()?.today());
        let month = |field: &str, text: &str| -> IpcResult<Month> {
            text.trim().parse::<Month>().map_err(|_| {
                IpcError::invalid(
                    Problem::new(
                        field,
                        Rule::NotAMonth,
                        format!("{field}: '{text}' is not a month (YYYY-MM)"),
                    )
                    .value(text),
                )
            })
        };
        Ok(match input.period {
            ExportPeriod::ThisMonth => (this, this),
            ExportPeriod::ThisQuarter => this.quarter(),
            ExportPeriod::FiscalYear => this.fiscal_year(4),
            ExportPeriod::Range => (month("from", &input.from)?, month("to", &input.to)?),
        })
    }

    /// The file name a save dialog proposes for an export, in the UI's language: what it is,
    /// whose (a person's summary carries their name) and the period, safe on Windows too
    /// (`1on1まとめ_山田 太郎_2026-04〜2027-03.csv`).
    pub fn export_file_name(&mut self, input: &ExportInput) -> IpcResult<String> {
        let (from, to) = self.export_range(input)?;
        let extension = match input.kind {
            ExportKind::Csv => "csv",
            ExportKind::Markdown => "md",
            ExportKind::Html => "html",
        };
        let (what, between) = match input.language {
            Language::Ja => ("1on1まとめ", "〜"),
            Language::En => ("1on1-summary", "_to_"),
        };
        let period = if from == to {
            from.to_string()
        } else {
            format!("{from}{between}{to}")
        };
        let whose = match input.person_id {
            Some(id) => format!("_{}", safe_file_name(&self.vault()?.person(id)?.name)),
            None => String::new(),
        };
        Ok(format!("{what}{whose}_{period}.{extension}"))
    }

    /// Writes the completion summary to `path`, privately (mode 0600, whole or not at all).
    pub fn export_summary(&mut self, input: &ExportInput, path: &Path) -> IpcResult<Exported> {
        let (from, to) = self.export_range(input)?;
        let format = match input.kind {
            ExportKind::Csv => taiwa_vault::ExportFormat::Csv,
            ExportKind::Markdown => taiwa_vault::ExportFormat::Markdown,
            ExportKind::Html => taiwa_vault::ExportFormat::Html,
        };
        let text = self.vault()?.export_summary(&taiwa_vault::ExportOptions {
            from,
            to,
            format,
            include_notes: input.include_notes,
            person_id: input.person_id,
            language: input.language.into(),
        })?;
        taiwa_vault::write_private_file(path, text.as_bytes())?;
        Ok(Exported {
            path: path.display().to_string(),
            bytes: u32::try_from(text.len()).unwrap_or(u32::MAX),
            from,
            to,
        })
    }

    /// The summary's figures for the in-app print view (printed through the system's dialog).
    pub fn export_preview(&mut self, input: &ExportInput) -> IpcResult<taiwa_vault::CompletionSummary> {
        let (from, to) = self.export_range(input)?;
        Ok(self.vault()?.completion_summary(&taiwa_vault::ExportOptions {
            from,
            to,
            format: taiwa_vault::ExportFormat::Html,
            include_notes: input.include_notes,
            person_id: input.person_id,
            language: input.language.into(),
        })?)
    }

    /// What deleting a person would remove, for the confirmation.
    pub fn person_footprint(&mut self, id: i64) -> IpcResult<Footprint> {
        Ok(self.vault()?.person_footprint(id)?)
    }

    /// Deletes a person with everything about them.
    pub fn delete_person(&mut self, id: i64) -> IpcResult<Footprint> {
        Ok(self.vault()?.delete_person(id)?)
    }

    pub fn set_private(&mut self, id: i64, private: bool) -> IpcResult<PersonPage> {
        self.vault()?.set_private(id, private)?;
        self.person_page(id, crate::types::PAGE_SIZE)
    }

    pub fn set_archived(&mut self, id: i64, archived: bool) -> IpcResult<Person> {
        let vault = self.vault()?;
        Ok(if archived {
            vault.archive_person(id)?
        } else {
            vault.unarchive_person(id)?
        })
    }

    /// Plans a 1on1; one at the very time the person already has one planned is asked about first
    /// (`needs_confirmation` on `at`, the other session's id as its value) unless `again`.
    pub fn plan_session(&mut self, input: PlanInput) -> IpcResult<Session> {
        let at = parse_at(&input.at)?;
        let vault = self.vault()?;
        if !input.again
            && let Some(same) = vault
                .planned_sessions()?
                .into_iter()
                .find(|s| s.person_id == input.person_id && s.at == at)
        {
            return Err(IpcError::invalid(
                Problem::new(
                    "at",
                    Rule::NeedsConfirmation,
                    format!(
                        "{} already has a 1on1 planned at {}: plan a second one?",
                        same.person_name,
                        at.format("%Y-%m-%d %H:%M")
                    ),
                )
                .value(same.id),
            ));
        }
        Ok(vault.plan_session(input.person_id, at, input.minutes)?)
    }

    pub fn session(&mut self, id: i64) -> IpcResult<SessionView> {
        Ok(self.vault()?.open_session(id)?)
    }

    pub fn finish_session(&mut self, id: i64, input: FinishInput) -> IpcResult<Session> {
        let vault = self.vault()?;
        Ok(match input {
            FinishInput::Held { minutes, held_at } => {
                let at = (!held_at.trim().is_empty()).then(|| parse_at(&held_at)).transpose()?;
                vault.hold_session_at(id, Some(minutes), at)?
            }
            FinishInput::Skipped { reason } => vault.skip_session(id, &reason)?,
            FinishInput::Cancelled { reason } => vault.cancel_session(id, Some(&reason))?,
        })
    }

    /// Starts or resumes the session's clock: it is in progress.
    pub fn start_clock(&mut self, id: i64) -> IpcResult<Session> {
        Ok(self.vault()?.start_clock(id)?)
    }

    pub fn pause_clock(&mut self, id: i64) -> IpcResult<Session> {
        Ok(self.vault()?.pause_clock(id)?)
    }

    /// Takes a held, skipped or cancelled session back to planned (undo).
    pub fn reopen_session(&mut self, id: i64) -> IpcResult<Session> {
        Ok(self.vault()?.reopen_session(id)?)
    }

    pub fn move_session(&mut self, id: i64, input: MoveInput) -> IpcResult<Session> {
        let at = parse_at(&input.at)?;
        Ok(self.vault()?.reschedule_session(id, at, Some(input.minutes))?)
    }

    pub fn delete_session(&mut self, id: i64) -> IpcResult<()> {
        Ok(self.vault()?.delete_session(id)?)
    }

    pub fn edit_agenda_item(&mut self, id: i64, input: AgendaInput) -> IpcResult<AgendaItem> {
        Ok(self.vault()?.edit_agenda_item(id, input.into())?)
    }

    /// Deletes an agenda item and answers it, so that the UI can offer to add it back.
    pub fn delete_agenda_item(&mut self, id: i64) -> IpcResult<AgendaItem> {
        Ok(self.vault()?.delete_agenda_item(id)?)
    }

    /// Puts back an item `delete_agenda_item` answered (an undo): exactly one.
    pub fn restore_agenda_item(&mut self, item: AgendaItem) -> IpcResult<AgendaItem> {
        Ok(self.vault()?.restore_agenda_item(&item)?)
    }

    pub fn edit_action(&mut self, id: i64, input: ActionEditInput) -> IpcResult<Action> {
        let due_date = parse_date("due_date", &input.due_date)?;
        let edit = taiwa_vault::ActionEdit {
            text: input.text,
            owner: input.owner,
            due_date,
        };
        Ok(self.vault()?.edit_action(id, edit)?)
    }

    pub fn delete_action(&mut self, id: i64) -> IpcResult<Action> {
        Ok(self.vault()?.delete_action(id)?)
    }

    pub fn add_agenda_item(&mut self, session_id: i64, input: AgendaInput) -> IpcResult<AgendaItem> {
        Ok(self.vault()?.add_agenda_item(session_id, input.into())?)
    }

    pub fn set_agenda_done(&mut self, id: i64, done: bool) -> IpcResult<AgendaItem> {
        Ok(self.vault()?.set_agenda_done(id, done)?)
    }

    pub fn save_note(&mut self, session_id: i64, body: &str) -> IpcResult<Saved> {
        let note = self.vault()?.set_note(session_id, body)?;
        Ok(Saved {
            updated_at: note.updated_at,
        })
    }

    pub fn add_action(&mut self, input: ActionInput) -> IpcResult<Action> {
        let due_date = parse_date("due_date", &input.due_date)?;
        let new = NewAction {
            text: input.text,
            session_id: input.session_id,
            owner: input.owner,
            due_date,
        };
        Ok(self.vault()?.add_action(input.person_id, new)?)
    }

    pub fn set_action_done(&mut self, id: i64, done: bool) -> IpcResult<Action> {
        let vault = self.vault()?;
        let on = done.then(|| vault.today());
        Ok(vault.set_action_done(id, on)?)
    }

    pub fn save_career_note(&mut self, person_id: i64, body: &str) -> IpcResult<CareerNote> {
        Ok(self.vault()?.set_career_note(person_id, body)?)
    }

    pub fn add_topic(&mut self, person_id: i64, input: AgendaInput) -> IpcResult<BacklogItem> {
        Ok(self.vault()?.add_backlog_item(person_id, input.into())?)
    }

    pub fn remove_topic(&mut self, id: i64) -> IpcResult<()> {
        Ok(self.vault()?.remove_backlog_item(id)?)
    }

    /// One page of search results (50 hits), narrowed by person or kind; people by name first.
    pub fn search(&mut self, query: &str, filter: SearchFilter) -> IpcResult<SearchPage> {
        Ok(self.vault()?.search_page(query, &filter)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locking_for_idleness_forgets_the_roster_too() {
        let tmp = tempfile::tempdir().unwrap();
        let mut app = App::new(tmp.path().join("vault"));
        let pass = || Secret("correct horse battery staple".into());
        app.create_vault(CreateVaultInput {
            passphrase: pass(),
            passphrase_again: pass(),
        })
        .unwrap();
        let member = |id: &str| taiwa_protocol::RosterMember {
            employee_id: id.into(),
            name: "Name of a report".into(),
            reading: None,
            email: String::new(),
            org_unit_id: "O1".into(),
            org_unit_name: "Unit".into(),
        };
        app.roster = Some(taiwa_protocol::Roster {
            manager: member("M1"),
            members: vec![member("E1")],
        });
        assert!(app.lock_if_idle(Instant::now() + Duration::from_secs(3600)));
        assert!(app.roster.is_none(), "names from the directory do not outlive the lock");
    }
}
