//! The `taiwa-server` command line: `serve`, and the administration commands for set-up and scripts.
#![allow(clippy::print_stdout)] // printing results is this module's job

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::db::Pool;
use crate::{Error, directory, store};

#[derive(Debug, Parser)]
#[command(
    name = "taiwa-server",
    version,
    about = "Taiwa's company server: directory, enrolment, completion figures"
)]
pub struct Cli {
    /// A TOML configuration file (see the README for its keys)
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The database: sqlite://PATH (default sqlite://taiwa-server.db) or postgres://…
    #[arg(long, global = true, value_name = "URL", env = "TAIWA_SERVER_DB")]
    pub db: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API
    Serve {
        /// Address to listen on (default 127.0.0.1:8080; port 0 picks a free one)
        #[arg(long)]
        listen: Option<SocketAddr>,
        #[arg(long, value_name = "PEM", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        #[arg(long, value_name = "PEM", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
    },
    /// HR administrators
    #[command(subcommand)]
    Admin(AdminCmd),
    /// The company directory
    #[command(subcommand)]
    Directory(DirectoryCmd),
    /// Print a one-time enrolment code for a manager's device
    EnrolCode {
        #[arg(long)]
        employee_id: String,
        /// Days the code stays valid
        #[arg(long, default_value_t = 14)]
        days: u32,
    },
    /// Devices: list them, revoke one (a lost laptop, a manager who left)
    #[command(subcommand)]
    Devices(DevicesCmd),
    /// HR's settings: target rate, k, survey window, pair detail
    #[command(subcommand)]
    Settings(SettingsCmd),
    /// Engagement-survey scores
    #[command(subcommand)]
    Survey(SurveyCmd),
    /// The company's career-path catalogue
    #[command(name = "career-paths", subcommand)]
    CareerPaths(ImportCmd),
    /// Fill a demonstration database: enrol most managers of the imported directory and send a
    /// year of plausible completion records (never on a real company's database)
    Demo {
        #[arg(long, default_value_t = 12)]
        months: i32,
        /// The share of managers enrolled (0 to 1)
        #[arg(long, default_value_t = 0.85)]
        enrolled: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum DevicesCmd {
    /// List devices (all, or one manager's)
    List {
        #[arg(long)]
        employee_id: Option<String>,
    },
    /// Revoke a device by the id `devices list` shows
    Revoke { id: String },
}

#[derive(Debug, Subcommand)]
pub enum SettingsCmd {
    /// Print every setting
    Show,
    /// Change one setting (checked as on the settings page)
    Set { name: String, value: String },
}

#[derive(Debug, Subcommand)]
pub enum ImportCmd {
    /// Import a CSV file, checked exactly like the page's upload: all or nothing
    Import { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum SurveyCmd {
    /// Import a CSV file, checked exactly like the page's upload: all or nothing. A survey month
    /// that already has scores is replaced only with --replace; without it, nothing is imported
    /// and the command says how many scores of which month the file would replace
    Import {
        file: PathBuf,
        /// Replace the scores stored for the survey months in the file
        #[arg(long)]
        replace: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCmd {
    /// Create an HR account (password from TAIWA_ADMIN_PASSWORD or a prompt)
    Create {
        #[arg(long)]
        email: String,
        /// hr_admin (everything) or org_viewer (one org subtree, aggregates only)
        #[arg(long, default_value = "hr_admin")]
        role: String,
        /// The org unit an org_viewer sees (with its subtree)
        #[arg(long, value_name = "ID")]
        org: Option<String>,
    },
    /// Print a new bearer token for the admin API (hr_admin accounts only)
    Token {
        #[arg(long)]
        email: String,
        /// Days the token stays valid
        #[arg(long, default_value_t = store::TOKEN_DAYS)]
        days: u32,
    },
    /// List the admin API tokens (their ids, never the tokens)
    Tokens,
    /// Revoke an admin API token by the id `admin tokens` shows
    Revoke { id: String },
}

#[derive(Debug, Subcommand)]
pub enum DirectoryCmd {
    /// Import (or re-import, as a reorganisation from this month) the org units and employees
    Import {
        #[arg(long, value_name = "FILE")]
        org_units: PathBuf,
        #[arg(long, value_name = "FILE")]
        employees: PathBuf,
        /// Allow removing more than 10% of the employees or org units (a real shrink)
        #[arg(long)]
        allow_shrink: bool,
    },
}

impl Cli {
    pub fn config(&self) -> Result<Config, Error> {
        let mut config = Config::load(self.config.as_deref())?;
        if let Some(db) = &self.db {
            config.db = db.clone();
        }
        if let Command::Serve {
            listen,
            tls_cert,
            tls_key,
        } = &self.command
        {
            if let Some(listen) = listen {
                config.listen = *listen;
            }
            if tls_cert.is_some() {
                config.tls_cert = tls_cert.clone();
                config.tls_key = tls_key.clone();
            }
        }
        config.check()?;
        Ok(config)
    }
}

fn open(config: &Config) -> Result<Pool, Error> {
    let pool = Pool::open(&config.db)?;
    store::migrate(&pool)?;
    Ok(pool)
}

fn admin_password() -> Result<String, Error> {
    if let Ok(p) = std::env::var("TAIWA_ADMIN_PASSWORD") {
        return Ok(p);
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::Invalid("no terminal to ask on: set TAIWA_ADMIN_PASSWORD".into()));
    }
    let first = rpassword::prompt_password("Password: ").map_err(|e| Error::Invalid(e.to_string()))?;
    let again = rpassword::prompt_password("Password again: ").map_err(|e| Error::Invalid(e.to_string()))?;
    if first != again {
        return Err(Error::Invalid("the two passwords differ".into()));
    }
    Ok(first)
}

/// A file's bytes, as an upload's: `crate::spreadsheet` reads them as UTF-8 or Shift_JIS.
fn read_file(path: &PathBuf) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| Error::Invalid(format!("cannot read {}: {e}", path.display())))
}

/// A Unix time as its UTC date.
fn day(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).map_or_else(|| t.to_string(), |ts| ts.format("%Y-%m-%d").to_string())
}

/// Runs the command; `serve` runs until stopped.
pub fn run(cli: &Cli) -> Result<(), Error> {
    let config = cli.config()?;
    match &cli.command {
        Command::Serve { .. } => {
            let pool = open(&config)?;
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(|e| Error::Internal(e.to_string()))?;
            let state = crate::app::AppState::new(pool, config);
            runtime.block_on(crate::app::serve(state, |addr, tls| {
                let scheme = if tls { "https" } else { "http" };
                tracing::info!(%addr, tls, "listening");
                println!("listening on {scheme}://{addr}");
            }))
        }
        Command::Admin(AdminCmd::Create { email, role, org }) => {
            let role = store::Role::parse(role, org.as_deref())?;
            let password = admin_password()?;
            store::create_admin(&open(&config)?, email, &password, &role)?;
            println!("created {} {email}", role.name());
            Ok(())
        }
        Command::Admin(AdminCmd::Token { email, days }) => {
            println!("{}", store::create_admin_token(&open(&config)?, email, *days)?);
            Ok(())
        }
        Command::Admin(AdminCmd::Tokens) => {
            let today = store::now();
            for t in store::admin_tokens(&open(&config)?)? {
                let state = match t.revoked_at {
                    Some(_) => "revoked",
                    None if t.expires_at <= today => "expired",
                    None => "active",
                };
                println!(
                    "{}  {:<8} {}  created {}  expires {}",
                    t.id,
                    state,
                    t.email,
                    day(t.created_at),
                    day(t.expires_at)
                );
            }
            Ok(())
        }
        Command::Admin(AdminCmd::Revoke { id }) => {
            store::revoke_admin_token(&open(&config)?, id)?;
            println!("revoked token {id}");
            Ok(())
        }
        Command::Devices(DevicesCmd::List { employee_id }) => {
            for d in store::devices(&open(&config)?, employee_id.as_deref())? {
                let state = if d.revoked_at.is_some() { "revoked" } else { "active" };
                println!(
                    "{}  {:<7}  {}  {}  {}  enrolled {}",
                    d.id,
                    state,
                    d.employee_id,
                    crate::web::strip_controls(&d.name),
                    crate::web::strip_controls(&d.device_name),
                    day(d.created_at)
                );
            }
            Ok(())
        }
        Command::Devices(DevicesCmd::Revoke { id }) => {
            store::revoke_device_by_id(&open(&config)?, id)?;
            println!("revoked device {id}");
            Ok(())
        }
        Command::Settings(SettingsCmd::Show) => {
            let settings = store::settings(&open(&config)?)?;
            for name in store::SETTING_NAMES {
                println!("{name} = {}", settings.get(name).unwrap_or_default());
            }
            Ok(())
        }
        Command::Settings(SettingsCmd::Set { name, value }) => {
            let settings = store::save_settings(&open(&config)?, &[(name, value)])?;
            println!("{name} = {}", settings.get(name).unwrap_or_default());
            Ok(())
        }
        Command::Survey(SurveyCmd::Import { file, replace }) => {
            let replace = if *replace {
                store::Replace::Any
            } else {
                store::Replace::No
            };
            match store::import_survey_file(&open(&config)?, &read_file(file)?, replace)? {
                store::SurveyImport::Stored(summary) => {
                    let months: Vec<String> = summary.months.iter().map(ToString::to_string).collect();
                    println!(
                        "imported {} scores: {} item(s), survey month(s) {}",
                        summary.rows,
                        summary.items,
                        months.join(", ")
                    );
                    Ok(())
                }
                store::SurveyImport::WouldReplace(replaced) => {
                    let each: Vec<String> = replaced
                        .iter()
                        .map(|r| format!("{} scores of {} with {}", r.stored, r.month, r.incoming))
                        .collect();
                    Err(Error::Invalid(format!(
                        "nothing was imported: this file replaces {}. Run again with --replace to replace them",
                        each.join(", and ")
                    )))
                }
            }
        }
        Command::Demo { months, enrolled, seed } => {
            if !(1..=24).contains(months) || !(0.0..=1.0).contains(enrolled) {
                return Err(Error::Invalid("--months is 1 to 24 and --enrolled 0 to 1".into()));
            }
            let s = crate::demo::seed(&open(&config)?, *months, *enrolled, *seed)?;
            println!(
                "demonstration: {} of {} managers enrolled, {} records over {} months",
                s.enrolled, s.managers, s.records, s.months
            );
            Ok(())
        }
        Command::CareerPaths(ImportCmd::Import { file }) => {
            let store::CatalogImport::Stored(count) =
                store::import_career_paths_file(&open(&config)?, &read_file(file)?, None)?
            else {
                return Err(Error::Internal("a catalogue import without a condition stores".into()));
            };
            println!("imported {count} career paths; the catalogue was replaced");
            Ok(())
        }
        Command::Directory(DirectoryCmd::Import {
            org_units,
            employees,
            allow_shrink,
        }) => {
            let parsed = directory::parse(&read_file(org_units)?, &read_file(employees)?)
                .map_err(|p| Error::Import("directory", p))?;
            let summary = store::import_directory(&open(&config)?, &parsed, store::current_month(), *allow_shrink)?;
            match summary.effective_from {
                None => println!(
                    "imported {} org units and {} employees",
                    summary.org_units, summary.employees
                ),
                Some(m) => println!(
                    "imported {} org units and {} employees: {} change(s), effective from {m}; earlier months keep their pairs",
                    summary.org_units, summary.employees, summary.changes
                ),
            }
            Ok(())
        }
        Command::EnrolCode { employee_id, days } => {
            println!(
                "{}",
                store::create_enrol_code(&open(&config)?, employee_id, *days, "command line")?
            );
            Ok(())
        }
    }
}
