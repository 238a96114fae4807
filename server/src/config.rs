//! Configuration: a TOML file, then flags on top.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

use crate::Error;

/// Everything `serve` and the admin commands read. The database URL may hold a password, so
/// `Debug` is written by hand and leaves it out.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `sqlite://PATH` (default `sqlite://taiwa-server.db`) or `postgres://…`.
    pub db: String,
    pub listen: SocketAddr,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// Requests a minute one token (or, for enrolment, one address) may make.
    pub rate_limit_per_minute: u32,
    /// `text` or `json` log lines.
    pub log_format: String,
    /// The address people open, when a TLS proxy is in front (`https://…`): session cookies are
    /// then marked `Secure` although this server speaks plain HTTP behind the proxy.
    pub public_url: Option<String>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            db: "sqlite://taiwa-server.db".into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            tls_cert: None,
            tls_key: None,
            rate_limit_per_minute: 300,
            log_format: "text".into(),
            public_url: None,
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let backend = self.db.split("://").next().unwrap_or("?");
        f.debug_struct("Config")
            .field("db", &format_args!("{backend}://***"))
            .field("listen", &self.listen)
            .field("tls", &self.tls_cert.is_some())
            .field("rate_limit_per_minute", &self.rate_limit_per_minute)
            .finish()
    }
}

impl Config {
    pub fn load(path: Option<&std::path::Path>) -> Result<Config, Error> {
        let Some(path) = path else { return Ok(Config::default()) };
        let text =
            std::fs::read_to_string(path).map_err(|e| Error::Config(format!("cannot read {}: {e}", path.display())))?;
        toml::from_str(&text).map_err(|e| Error::Config(format!("{}: {e}", path.display())))
    }

    /// Whether browsers reach the server over HTTPS (directly or through a proxy).
    pub fn https(&self) -> bool {
        self.tls_cert.is_some() || self.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
    }

    pub fn check(&self) -> Result<(), Error> {
        if self.rate_limit_per_minute < 120 {
            return Err(Error::Config("rate_limit_per_minute must be at least 120".into()));
        }
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            return Err(Error::Config("give both tls_cert and tls_key, or neither".into()));
        }
        if let Some(url) = &self.public_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(Error::Config("public_url starts with https:// (or http://)".into()));
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return Err(Error::Config("log_format is text or json".into()));
        }
        Ok(())
    }
}
