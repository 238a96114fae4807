//! The command line's shape.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use taiwa_domain::{Cadence, Owner, TopicKind, Wants};

#[derive(Debug, Parser)]
#[command(
    name = "taiwa",
    version,
    about = "Private 1on1 notes in an encrypted vault",
    max_term_width = 100
)]
#[command(
    after_help = "The passphrase comes from TAIWA_PASSPHRASE or is asked for on the terminal; never pass it as an argument."
)]
pub struct Cli {
    /// The vault folder (default: the user's data folder, taiwa/vault)
    #[arg(long, global = true, env = "TAIWA_VAULT", value_name = "DIR")]
    pub vault: Option<PathBuf>,
    /// Print exactly one JSON document on stdout
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new vault and show its recovery key, once
    Init,
    /// The people you hold 1on1s with
    #[command(subcommand)]
    Person(PersonCmd),
    /// 1on1 sessions
    #[command(subcommand)]
    Session(SessionCmd),
    /// Agenda items of a session
    #[command(subcommand)]
    Agenda(AgendaCmd),
    /// The private note of a session (text on standard input)
    #[command(subcommand)]
    Note(NoteCmd),
    /// Action items ("homework")
    #[command(subcommand)]
    Action(ActionCmd),
    /// A person's career note: aspirations, strengths, paths discussed (text on standard input)
    #[command(subcommand)]
    Career(CareerCmd),
    /// Topics to raise next time: they join the person's next planned session
    #[command(subcommand)]
    Topic(TopicCmd),
    /// Who is met, planned, due or overdue in a month
    Status {
        /// The month, YYYY-MM (default: this month)
        #[arg(long)]
        month: Option<String>,
    },
    /// Search notes, agenda items and action items (Japanese and English)
    Search {
        /// What to look for; `-` or left out to read it from standard input (kept out of shell history)
        query: Option<String>,
        /// The most hits to show
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Export a completion summary
    #[command(subcommand)]
    Export(ExportCmd),
    /// Change the passphrase (the new one from TAIWA_NEW_PASSPHRASE or a prompt)
    #[command(subcommand)]
    Passphrase(PassphraseCmd),
    /// Open the vault with the recovery key (TAIWA_RECOVERY_KEY or a prompt) and set a new passphrase
    Recover,
    /// Check the key file and every page of the database
    Verify,
    /// The company server: enrol, push completion figures, see what is sent
    #[command(subcommand)]
    Sync(SyncCmd),
    /// Write an encrypted backup of the whole vault to one file
    Backup {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Restore a backup into the vault folder (never over an existing vault without --replace)
    Restore {
        file: PathBuf,
        /// Move an existing vault aside (to DIR.before-restore-TIME) instead of refusing
        #[arg(long)]
        replace: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PersonCmd {
    /// Add a person
    Add {
        name: String,
        /// How the name is read (ふりがな): the list is in its order, search finds it
        #[arg(long)]
        reading: Option<String>,
        #[arg(long)]
        employee_id: Option<String>,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        org_unit: Option<String>,
        /// weekly, biweekly or monthly (default)
        #[arg(long)]
        cadence: Option<Cadence>,
        /// Someone you mentor across the organisation, not a direct report
        #[arg(long)]
        cross: bool,
        /// First day in your care, YYYY-MM-DD
        #[arg(long)]
        start: Option<String>,
        /// Last day, YYYY-MM-DD
        #[arg(long)]
        end: Option<String>,
    },
    /// List people (archived ones with --all)
    List {
        #[arg(long)]
        all: bool,
    },
    /// A person with their sessions and open action items
    Show { person: i64 },
    /// Change a person; an empty value clears an optional field
    Edit {
        person: i64,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        reading: Option<String>,
        #[arg(long)]
        employee_id: Option<String>,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        org_unit: Option<String>,
        #[arg(long)]
        cadence: Option<Cadence>,
        /// Mark as met across the organisation
        #[arg(long, conflicts_with = "line")]
        cross: bool,
        /// Mark as a direct report
        #[arg(long)]
        line: bool,
        #[arg(long)]
        start: Option<String>,
        #[arg(long)]
        end: Option<String>,
    },
    /// Archive a person: off the lists, history kept and searchable
    Archive { person: i64 },
    /// Never send this person's figures to the company server (--off to share them again)
    Private {
        person: i64,
        #[arg(long)]
        off: bool,
    },
    /// Bring an archived person back
    Unarchive { person: i64 },
    /// Delete a person and everything about them (says what would go unless --yes)
    Delete {
        person: i64,
        /// Delete for good
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum SessionCmd {
    /// Plan a session at a local date and time
    Plan {
        person: i64,
        /// "YYYY-MM-DD HH:MM", local time
        #[arg(long)]
        at: String,
        #[arg(long, default_value_t = 30)]
        minutes: u32,
    },
    /// List sessions
    List {
        #[arg(long)]
        person: Option<i64>,
        /// Only this month, YYYY-MM
        #[arg(long)]
        month: Option<String>,
    },
    /// A session with its agenda (last time's open items carried in), note and open action items
    Show { session: i64 },
    /// Mark held, with the actual minutes (default: as planned)
    Hold {
        session: i64,
        #[arg(long)]
        minutes: Option<u32>,
    },
    /// Mark skipped, with a private reason
    Skip {
        session: i64,
        /// The private reason; `-` or left out to read it from standard input
        #[arg(long)]
        reason: Option<String>,
    },
    /// Cancel
    Cancel {
        session: i64,
        /// The private reason (optional); `-` to read it from standard input
        #[arg(long)]
        reason: Option<String>,
    },
    /// Delete a session entered by mistake (with its agenda and note)
    Delete { session: i64 },
    /// Move a planned session
    Move {
        session: i64,
        #[arg(long)]
        at: String,
        #[arg(long)]
        minutes: Option<u32>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AgendaCmd {
    /// Add an agenda item to a session
    Add {
        session: i64,
        /// The text; `-` or left out to read it from standard input (kept out of shell history)
        text: Option<String>,
        /// work (default), career, health, relationships, private, feedback or other
        #[arg(long)]
        kind: Option<TopicKind>,
        /// What the member wants: listen, advise, decide, think or share
        #[arg(long)]
        wants: Option<Wants>,
    },
    /// Tick an agenda item off (--undo to open it again)
    Done {
        item: i64,
        #[arg(long)]
        undo: bool,
    },
    /// A session's agenda
    List { session: i64 },
}

#[derive(Debug, Subcommand)]
pub enum NoteCmd {
    /// Replace the note with standard input
    Set { session: i64 },
    /// Add standard input to the end of the note
    Append { session: i64 },
    /// Print the note
    Show { session: i64 },
}

#[derive(Debug, Subcommand)]
pub enum ActionCmd {
    /// Add an action item for a person
    Add {
        person: i64,
        /// The text; `-` or left out to read it from standard input (kept out of shell history)
        text: Option<String>,
        /// The session it was agreed in
        #[arg(long)]
        session: Option<i64>,
        /// manager (default) or member
        #[arg(long)]
        owner: Option<Owner>,
        /// YYYY-MM-DD
        #[arg(long)]
        due: Option<String>,
    },
    /// Mark done (today, or --on DATE; --undo to open it again)
    Done {
        action: i64,
        #[arg(long)]
        undo: bool,
        #[arg(long, conflicts_with = "undo")]
        on: Option<String>,
    },
    /// List action items
    List {
        /// Only open ones
        #[arg(long)]
        open: bool,
        #[arg(long)]
        person: Option<i64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExportCmd {
    /// Completion per person and month; no note or agenda text unless --include-notes
    Summary {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        /// csv, md or html
        #[arg(long, default_value = "csv")]
        format: String,
        /// Write to FILE instead of standard output
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        #[arg(long)]
        include_notes: bool,
        /// The language of the headings and words: en or ja
        #[arg(long, default_value = "en")]
        lang: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum PassphraseCmd {
    /// Change the passphrase
    Change,
    /// Make a new recovery key (shown once); the old one stops working
    NewRecoveryKey,
}

#[derive(Debug, Subcommand)]
pub enum CareerCmd {
    /// Replace the career note with standard input
    Set { person: i64 },
    /// Print the career note
    Show { person: i64 },
}

#[derive(Debug, Subcommand)]
pub enum TopicCmd {
    /// Add a topic for next time
    Add {
        person: i64,
        /// The text; `-` or left out to read it from standard input (kept out of shell history)
        text: Option<String>,
        #[arg(long)]
        kind: Option<TopicKind>,
        #[arg(long)]
        wants: Option<Wants>,
    },
    /// The topics waiting for the person's next session
    List { person: i64 },
    /// Drop a topic
    Remove { topic: i64 },
}

#[derive(Debug, Subcommand)]
pub enum SyncCmd {
    /// Enrol this vault with the company server (the one-time code from TAIWA_ENROL_CODE or a prompt)
    Enrol {
        /// The server's address, https://… (plain http only to localhost)
        #[arg(long)]
        server: String,
        /// A name for this device, shown to HR (default: the host name)
        #[arg(long)]
        device_name: Option<String>,
        /// A company CA certificate (PEM) to trust besides the system's
        #[arg(long, value_name = "PEM")]
        ca_file: Option<PathBuf>,
    },
    /// Send the figures waiting in the outbox
    Push,
    /// Exactly the records the next push will send ("what HR sees")
    Preview,
    /// Enrolment, last sync, errors, records waiting or refused
    Status,
    /// What was sent when
    Log,
    /// The manager's direct reports as the directory has them (--add adds the missing ones;
    /// names, units and emails that differ are shown, and taken only with --accept)
    Roster {
        #[arg(long)]
        add: bool,
        #[arg(long)]
        accept: bool,
    },
    /// Revoke this device on the server and forget the enrolment
    Unenrol,
}
