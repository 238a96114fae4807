//! The `taiwa-server` command line: `serve`, and the administration commands for set-up and scripts.
#![allow(clippy::print_stdout)] // printing results is this module's job

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::db::Pool;
use crate::{Error, api, directory, store};

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
}

#[derive(Debug, Subcommand)]
pub enum AdminCmd {
    /// Create an administrator (password from TAIWA_ADMIN_PASSWORD or a prompt)
    Create {
        #[arg(long)]
        email: String,
    },
    /// Print a new bearer token for the admin API
    Token {
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum DirectoryCmd {
    /// Import (or re-import, as a reorganisation from this month) the org units and employees
    Import {
        #[arg(long, value_name = "FILE")]
        org_units: PathBuf,
        #[arg(long, value_name = "FILE")]
        employees: PathBuf,
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
            let state = api::AppState::new(pool, config);
            runtime.block_on(api::serve(state, |addr, tls| {
                let scheme = if tls { "https" } else { "http" };
                tracing::info!(%addr, tls, "listening");
                println!("listening on {scheme}://{addr}");
            }))
        }
        Command::Admin(AdminCmd::Create { email }) => {
            let password = admin_password()?;
            store::create_admin(&open(&config)?, email, &password)?;
            println!("created admin {email}");
            Ok(())
        }
        Command::Admin(AdminCmd::Token { email }) => {
            println!("{}", store::create_admin_token(&open(&config)?, email)?);
            Ok(())
        }
        Command::Directory(DirectoryCmd::Import { org_units, employees }) => {
            let read = |p: &PathBuf| {
                std::fs::File::open(p).map_err(|e| Error::Invalid(format!("cannot read {}: {e}", p.display())))
            };
            let parsed = directory::parse(read(org_units)?, read(employees)?).map_err(Error::Directory)?;
            let summary = store::import_directory(&open(&config)?, &parsed, store::current_month())?;
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
            println!("{}", store::create_enrol_code(&open(&config)?, employee_id, *days)?);
            Ok(())
        }
    }
}
