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
    /// Proxies whose client-address header is believed (`["127.0.0.1"]` for a proxy on the same
    /// machine). From any other peer the header is ignored and the peer's own address counts.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The header those proxies put the client's address in (the rightmost entry counts).
    pub client_ip_header: String,
    /// Seconds a client has to send a request's headers, and then its body; a slower one is cut
    /// off, so that slow clients cannot hold connections open.
    pub header_timeout_seconds: u64,
    pub body_timeout_seconds: u64,
    /// Connections served at once (plain HTTP and TLS); more wait until one closes.
    pub max_connections: usize,
    /// Connections open at once from one client address (an IPv6 client by its /64); more are
    /// closed at once. Trusted proxies, which carry everyone, have no such cap.
    pub max_connections_per_address: usize,
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
            trusted_proxies: Vec::new(),
            client_ip_header: "X-Forwarded-For".into(),
            header_timeout_seconds: 10,
            body_timeout_seconds: 30,
            max_connections: 1024,
            max_connections_per_address: 64,
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

    /// The start of the links the server hands out (invitations): `public_url`, or this server's
    /// own listening address when it names one; `None` when neither does (the link is then the
    /// path alone, and the settings page says to set `public_url`).
    pub fn link_base(&self) -> Option<String> {
        if let Some(url) = &self.public_url {
            return Some(url.trim_end_matches('/').to_owned());
        }
        if self.listen.ip().is_unspecified() || self.listen.port() == 0 {
            return None;
        }
        let scheme = if self.tls_cert.is_some() { "https" } else { "http" };
        Some(format!("{scheme}://{}", self.listen))
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
        if !(1..=300).contains(&self.header_timeout_seconds) || !(1..=300).contains(&self.body_timeout_seconds) {
            return Err(Error::Config(
                "header_timeout_seconds and body_timeout_seconds are 1 to 300".into(),
            ));
        }
        if !(1..=100_000).contains(&self.max_connections) {
            return Err(Error::Config("max_connections is 1 to 100000".into()));
        }
        if !(1..=100_000).contains(&self.max_connections_per_address) {
            return Err(Error::Config("max_connections_per_address is 1 to 100000".into()));
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return Err(Error::Config("log_format is text or json".into()));
        }
        // Tokens and passwords never cross a network in the clear: plain HTTP only on loopback,
        // or behind a TLS proxy the config names (an https public_url).
        if self.tls_cert.is_none() && !self.listen.ip().is_loopback() && !self.https() {
            return Err(Error::Config(format!(
                "refusing plain HTTP on {}: give tls_cert and tls_key, or set public_url to the https:// address of the TLS proxy in front",
                self.listen
            )));
        }
        Ok(())
    }

    /// The address a request comes from: the peer's, or, when the peer is a trusted proxy, the
    /// rightmost address in its client-address header.
    pub fn client_ip(&self, peer: std::net::IpAddr, headers: &axum::http::HeaderMap) -> std::net::IpAddr {
        if !self.trusted_proxies.contains(&peer) {
            return peer;
        }
        headers
            .get_all(self.client_ip_header.as_str())
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse().ok())
            .next_back()
            .unwrap_or(peer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_start_from_public_url_or_the_servers_own_address() {
        let mut c = Config {
            listen: "127.0.0.1:8080".parse().unwrap(),
            ..Config::default()
        };
        assert_eq!(c.link_base().as_deref(), Some("http://127.0.0.1:8080"));
        c.public_url = Some("https://taiwa.example.co.jp/".into());
        assert_eq!(c.link_base().as_deref(), Some("https://taiwa.example.co.jp"));
        c.public_url = None;
        c.listen = "0.0.0.0:8443".parse().unwrap();
        assert_eq!(c.link_base(), None, "no address to name: the path alone");
    }
}
