//! `taiwa-server`: a thin binary over the `taiwa_server` library.

use std::process::ExitCode;

use clap::Parser;
use taiwa_server::Error;
use taiwa_server::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.config().map(|c| c.log_format == "json").unwrap_or(false);
    let filter = tracing_subscriber::EnvFilter::try_from_env("TAIWA_LOG").unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(if matches!(cli.command, Command::Serve { .. }) {
            "info"
        } else {
            "warn"
        })
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
    match taiwa_server::cli::run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::Import(what, problems)) => {
            eprintln!(
                "taiwa-server: the {what} was not imported; nothing changed. {} problem(s):",
                problems.len()
            );
            for p in problems {
                eprintln!("  {p}");
            }
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("taiwa-server: {e}");
            ExitCode::from(match e {
                Error::Invalid(_) | Error::Refused(_) | Error::Config(_) => 2,
                Error::NotFound(_) | Error::Missing(_) => 5,
                _ => 1,
            })
        }
    }
}
