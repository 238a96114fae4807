//! HTTP to the company server: certificate validation with the system roots plus an optional
//! company CA file; plain `http://` only to loopback addresses.

use std::path::Path;
use std::time::Duration;

use taiwa_protocol::channel::{
    Ack, Acked, Acks, Inbox, ManagerSend, PairingCode, PairingRequest, Pairings, Sent, TeamQuality,
};
use taiwa_protocol::{
    API, ApiCode, CompletionBatch, CompletionRecord, CompletionResponse, EnrolRequest, EnrolResponse, ErrorBody,
    MemberId, RecordProblem, Roster, WithdrawalRequest, WithdrawalResponse,
};
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};

/// Keys and sealed bytes on the wire: base64url without padding.
pub(crate) fn b64(bytes: &[u8]) -> String {
    data_encoding::BASE64URL_NOPAD.encode(bytes)
}

/// What can go wrong talking to the server, in words a manager can act on.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the server address is not usable: {0}")]
    InvalidServer(String),
    #[error("the company CA file cannot be used: {0}")]
    CaFile(String),
    #[error("this vault is not enrolled with a company server")]
    NotEnrolled,
    #[error("the server cannot be reached ({0}); your changes are kept and will be sent later")]
    Unreachable(String),
    #[error("the server no longer accepts this device (its token was revoked): enrol again with a new code")]
    TokenRevoked,
    #[error("the enrolment code is unknown, already used or expired: ask HR for a new one")]
    InvalidCode,
    #[error("the server refused {} record(s)", .0.len())]
    Rejected(Vec<RecordProblem>),
    #[error("the server asks to slow down; trying again in {0} seconds")]
    RateLimited(u64),
    #[error("the server answered {status}: {message}")]
    Server {
        status: u16,
        message: String,
        /// The server's `Retry-After`, in seconds, when it gave one.
        retry_after: Option<u64>,
    },
    #[error("the vault is locked; syncing waits until it is open")]
    VaultLocked,
    #[error("{0}")]
    Vault(#[from] taiwa_vault::Error),
}

/// What to do after a failure: typed, so no caller decides by reading error text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Trying again later may succeed (the network, a busy or restarting server); `after` is the
    /// server's own `Retry-After` when it gave one.
    Retry { after: Option<Duration> },
    /// Nothing changes until the vault is unlocked.
    WaitForVault,
    /// A person has to act (enrol again, fix the address, a new code); retrying alone will not help.
    NeedsPerson,
}

impl SyncError {
    /// A stable code for scripts and the UI.
    pub fn code(&self) -> &'static str {
        match self {
            SyncError::InvalidServer(_) => "invalid_server",
            SyncError::CaFile(_) => "invalid_ca_file",
            SyncError::NotEnrolled => "not_enrolled",
            SyncError::Unreachable(_) => "unreachable",
            SyncError::TokenRevoked => "token_revoked",
            SyncError::InvalidCode => "invalid_code",
            SyncError::Rejected(_) => "rejected",
            SyncError::RateLimited(_) => "rate_limited",
            SyncError::Server { .. } => "server_error",
            SyncError::VaultLocked => "locked",
            SyncError::Vault(e) => e.code(),
        }
    }

    /// Whether and when to try again.
    pub fn disposition(&self) -> Disposition {
        match self {
            SyncError::Unreachable(_) => Disposition::Retry { after: None },
            SyncError::RateLimited(seconds) => Disposition::Retry {
                after: Some(Duration::from_secs(*seconds)),
            },
            SyncError::Server {
                status, retry_after, ..
            } if *status >= 500 || *status == 408 => Disposition::Retry {
                after: retry_after.map(Duration::from_secs),
            },
            SyncError::VaultLocked => Disposition::WaitForVault,
            SyncError::InvalidServer(_)
            | SyncError::CaFile(_)
            | SyncError::NotEnrolled
            | SyncError::TokenRevoked
            | SyncError::InvalidCode
            | SyncError::Rejected(_)
            | SyncError::Server { .. }
            | SyncError::Vault(_) => Disposition::NeedsPerson,
        }
    }
}

/// Checks and normalises a server address: `https://…`, or `http://` to a loopback address only.
pub fn check_server_url(url: &str) -> Result<String, SyncError> {
    let url = url.trim().trim_end_matches('/');
    let bad = |why: &str| SyncError::InvalidServer(format!("{url}: {why}"));
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad("write it as https://server.example.co.jp"))?;
    let host_port = rest.split('/').next().unwrap_or_default();
    if host_port.is_empty() || rest.contains(['?', '#', ' ', '@']) {
        return Err(bad("it has no host, or has parts a server address cannot have"));
    }
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        host_port.rsplit_once(':').map_or(host_port, |(h, _)| h)
    };
    match scheme {
        "https" => Ok(url.to_owned()),
        "http" => {
            let loopback = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
            if loopback {
                Ok(url.to_owned())
            } else {
                Err(bad(
                    "plain http:// is allowed only to this computer (localhost); use https://",
                ))
            }
        }
        _ => Err(bad("only https:// addresses are accepted")),
    }
}

/// A connection to one company server.
#[derive(Debug)]
pub struct Client {
    base: String,
    agent: ureq::Agent,
}

fn roots(ca_file: Option<&Path>) -> Result<RootCerts, SyncError> {
    let mut certs: Vec<Certificate<'static>> = rustls_native_certs::load_native_certs()
        .certs
        .iter()
        .map(|der| Certificate::from_der(der.as_ref()).to_owned())
        .collect();
    if let Some(path) = ca_file {
        let pem = std::fs::read(path).map_err(|e| SyncError::CaFile(format!("{}: {e}", path.display())))?;
        let before = certs.len();
        for item in ureq::tls::parse_pem(&pem) {
            if let Ok(PemItem::Certificate(cert)) = item {
                certs.push(cert);
            }
        }
        if certs.len() == before {
            return Err(SyncError::CaFile(format!(
                "{}: no PEM certificate in it",
                path.display()
            )));
        }
    }
    Ok(RootCerts::new_with_certs(&certs))
}

/// An error answer's code, message and problems; a body that is not the server's JSON error has
/// no code (and its first words as the message, for the log).
fn error_of(body: &str) -> (Option<ApiCode>, String, Vec<RecordProblem>) {
    match serde_json::from_str::<ErrorBody>(body) {
        Ok(e) => (Some(e.error.code), e.error.message, e.error.problems),
        Err(_) => (None, body.chars().take(200).collect(), Vec::new()),
    }
}

impl Client {
    pub fn new(server: &str, ca_file: Option<&Path>) -> Result<Client, SyncError> {
        let base = check_server_url(server)?;
        let tls = TlsConfig::builder().root_certs(roots(ca_file)?).build();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .tls_config(tls)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_global(Some(Duration::from_secs(30)))
            .user_agent(concat!("taiwa/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Ok(Client { base, agent })
    }

    pub fn server(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}{API}{path}", self.base)
    }

    fn answer<T: serde::de::DeserializeOwned>(
        &self,
        response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<T, SyncError> {
        let mut response = response.map_err(|e| SyncError::Unreachable(e.to_string()))?;
        let status = response.status().as_u16();
        let retry = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let body = response
            .body_mut()
            .read_to_string()
            .map_err(|e| SyncError::Unreachable(e.to_string()))?;
        match status {
            200..=299 => serde_json::from_str(&body).map_err(|e| SyncError::Server {
                status,
                message: format!("an answer that is not understood: {e}"),
                retry_after: None,
            }),
            401 => Err(SyncError::TokenRevoked),
            422 => Err(SyncError::Rejected(error_of(&body).2)),
            429 => Err(SyncError::RateLimited(retry.unwrap_or(60))),
            _ => {
                // Acted on by its typed code, never by its text.
                let (code, message, _) = error_of(&body);
                if code == Some(ApiCode::InvalidCode) {
                    return Err(SyncError::InvalidCode);
                }
                Err(SyncError::Server {
                    status,
                    message,
                    retry_after: retry,
                })
            }
        }
    }

    /// Exchanges a one-time code for this device's token.
    pub fn enrol(&self, code: &str, device_name: &str) -> Result<EnrolResponse, SyncError> {
        let body = EnrolRequest {
            code: code.trim().to_owned(),
            device_name: device_name.to_owned(),
        };
        self.answer(self.agent.post(&self.url("/enrol")).send_json(&body))
    }

    pub fn roster(&self, token: &str) -> Result<Roster, SyncError> {
        self.answer(
            self.agent
                .get(&self.url("/roster"))
                .header("Authorization", &format!("Bearer {token}"))
                .call(),
        )
    }

    pub fn push(&self, token: &str, records: Vec<CompletionRecord>) -> Result<CompletionResponse, SyncError> {
        let batch = CompletionBatch { records };
        self.answer(
            self.agent
                .put(&self.url("/completions"))
                .header("Authorization", &format!("Bearer {token}"))
                .send_json(&batch),
        )
    }

    /// Asks the server to remove every record this manager sent about `members`.
    pub fn withdraw(&self, token: &str, members: &[String]) -> Result<WithdrawalResponse, SyncError> {
        let request = WithdrawalRequest {
            members: members.iter().cloned().map(MemberId).collect(),
        };
        self.answer(
            self.agent
                .post(&self.url("/withdrawals"))
                .header("Authorization", &format!("Bearer {token}"))
                .send_json(&request),
        )
    }

    /// Asks a pairing code for `member`, with this pair's new public key.
    pub fn create_pairing(&self, token: &str, member: &str, manager_key: &[u8; 32]) -> Result<PairingCode, SyncError> {
        let request = PairingRequest {
            member_employee_id: member.to_owned(),
            manager_key: b64(manager_key),
        };
        self.answer(
            self.agent
                .post(&self.url("/pairings"))
                .header("Authorization", &format!("Bearer {token}"))
                .send_json(&request),
        )
    }

    /// This manager's pairings as the server holds them.
    pub fn pairings(&self, token: &str) -> Result<Pairings, SyncError> {
        self.answer(
            self.agent
                .get(&self.url("/pairings"))
                .header("Authorization", &format!("Bearer {token}"))
                .call(),
        )
    }

    /// Ends the pairing with `member` on the server (its token and waiting messages go).
    pub fn unpair(&self, token: &str, member: &str) -> Result<(), SyncError> {
        let response = self
            .agent
            .delete(&self.url(&format!("/pairings/{member}")))
            .header("Authorization", &format!("Bearer {token}"))
            .call()
            .map_err(|e| SyncError::Unreachable(e.to_string()))?;
        match response.status().as_u16() {
            200..=299 => Ok(()),
            401 => Err(SyncError::TokenRevoked),
            status => Err(SyncError::Server {
                status,
                message: "could not unpair".into(),
                retry_after: None,
            }),
        }
    }

    /// Sends one sealed message to a member.
    pub fn send_to_member(&self, token: &str, message: &ManagerSend) -> Result<Sent, SyncError> {
        self.answer(
            self.agent
                .post(&self.url("/channel/messages"))
                .header("Authorization", &format!("Bearer {token}"))
                .send_json(message),
        )
    }

    /// The sealed messages members sent this manager, waiting.
    pub fn member_messages(&self, token: &str) -> Result<Inbox, SyncError> {
        self.answer(
            self.agent
                .get(&self.url("/channel/messages"))
                .header("Authorization", &format!("Bearer {token}"))
                .call(),
        )
    }

    /// Tells the server these messages are kept: it deletes them.
    pub fn acknowledge(&self, token: &str, acks: Vec<Ack>) -> Result<Acked, SyncError> {
        self.answer(
            self.agent
                .post(&self.url("/channel/acks"))
                .header("Authorization", &format!("Bearer {token}"))
                .send_json(&Acks { acks }),
        )
    }

    /// The manager's own team's すっきり度, month by month, as the server may show it.
    pub fn team_quality(&self, token: &str) -> Result<TeamQuality, SyncError> {
        self.answer(
            self.agent
                .get(&self.url("/team-quality"))
                .header("Authorization", &format!("Bearer {token}"))
                .call(),
        )
    }

    /// Revokes this device's token on the server.
    pub fn revoke(&self, token: &str) -> Result<(), SyncError> {
        let response = self
            .agent
            .delete(&self.url("/device"))
            .header("Authorization", &format!("Bearer {token}"))
            .call()
            .map_err(|e| SyncError::Unreachable(e.to_string()))?;
        match response.status().as_u16() {
            200..=299 | 401 => Ok(()),
            status => Err(SyncError::Server {
                status,
                message: "could not revoke the device".into(),
                retry_after: None,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_says_whether_and_when_to_retry() {
        let retry = |after: Option<u64>| Disposition::Retry {
            after: after.map(Duration::from_secs),
        };
        let server = |status: u16, retry_after: Option<u64>| SyncError::Server {
            status,
            message: String::new(),
            retry_after,
        };
        let cases = [
            (SyncError::Unreachable("reset".into()), retry(None)),
            (SyncError::RateLimited(30), retry(Some(30))),
            (server(503, Some(5)), retry(Some(5))),
            (server(500, None), retry(None)),
            (server(408, None), retry(None)),
            (server(400, None), Disposition::NeedsPerson),
            (server(404, None), Disposition::NeedsPerson),
            (SyncError::TokenRevoked, Disposition::NeedsPerson),
            (SyncError::InvalidCode, Disposition::NeedsPerson),
            (SyncError::NotEnrolled, Disposition::NeedsPerson),
            (SyncError::Rejected(Vec::new()), Disposition::NeedsPerson),
            (SyncError::InvalidServer("x".into()), Disposition::NeedsPerson),
            (SyncError::VaultLocked, Disposition::WaitForVault),
        ];
        for (error, expected) in cases {
            assert_eq!(error.disposition(), expected, "{error:?}");
        }
    }

    #[test]
    fn plain_http_only_to_this_computer() {
        assert_eq!(
            check_server_url("https://taiwa.example.co.jp/").unwrap(),
            "https://taiwa.example.co.jp"
        );
        assert!(check_server_url("http://127.0.0.1:8080").is_ok());
        assert!(check_server_url("http://localhost:8080").is_ok());
        assert!(check_server_url("http://[::1]:8080").is_ok());
        for bad in [
            "http://taiwa.example.co.jp",
            "http://10.0.0.5",
            "ftp://x",
            "taiwa.example.co.jp",
            "https://",
            "https://user@host",
        ] {
            assert!(check_server_url(bad).is_err(), "{bad}");
        }
        let err = check_server_url("http://192.168.1.20:8080").unwrap_err().to_string();
        assert!(err.contains("only to this computer"), "{err}");
    }
}
