//! Accepting connections, for plain HTTP and TLS alike, so that slow, many and hostile clients
//! cannot tire the server: a limit on open connections, a cap per client address (an IPv6
//! client by its /64; none for a trusted proxy, which carries everyone), the TLS handshake and
//! every request head under the header timeout (a client that connects and sends nothing, or
//! the start of an HTTP/2 preface, is closed when it is up), and HTTP/1.1 only: an HTTP/2
//! connection has no such timer in hyper, and no client of Taiwa needs it.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tower::ServiceExt as _;

use crate::Error;

/// What a listener allows.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Time for the TLS handshake, and for each request's head (from the connection's start,
    /// then from the end of the previous answer).
    pub header_timeout: Duration,
    /// Connections open at once; more wait in the system's queue until one closes.
    pub max_connections: usize,
    /// Connections open at once from one client address (an IPv6 address by its /64).
    pub per_address: usize,
    /// Addresses without a per-address cap (trusted proxies).
    pub exempt: Vec<IpAddr>,
}

/// The key a client address is counted under: IPv4 as it is (and IPv4 mapped into IPv6), IPv6
/// by its /64, the block one subscriber or machine is usually given.
pub fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut octets = v6.octets();
                octets[8..].fill(0);
                IpAddr::V6(octets.into())
            }
        },
    }
}

/// Open connections by client address; a slot is given back when dropped.
#[derive(Debug, Default)]
struct PerAddress {
    open: Mutex<HashMap<IpAddr, usize>>,
}

struct AddressSlot {
    table: Arc<PerAddress>,
    key: IpAddr,
}

impl PerAddress {
    fn take(self: &Arc<Self>, key: IpAddr, cap: usize) -> Option<AddressSlot> {
        let mut open = self.open.lock().ok()?;
        let n = open.entry(key).or_insert(0);
        if *n >= cap {
            return None;
        }
        *n += 1;
        Some(AddressSlot {
            table: self.clone(),
            key,
        })
    }
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        if let Ok(mut open) = self.table.open.lock()
            && let Some(n) = open.get_mut(&self.key)
        {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.key);
            }
        }
    }
}

/// Serves `app` on `listener` until `stop` completes, over TLS when `tls` is given; then lets
/// open connections finish for up to ten seconds.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    tls: Option<Arc<rustls::ServerConfig>>,
    limits: Limits,
    stop: impl Future<Output = ()>,
) -> Result<(), Error> {
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let per_address = Arc::new(PerAddress::default());
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let mut stop = std::pin::pin!(stop);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.map_err(|e| Error::Internal(e.to_string()))?,
            () = &mut stop => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: wait a moment rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let key = address_key(peer.ip());
        let address_slot = if limits.exempt.contains(&peer.ip()) {
            None
        } else {
            match per_address.take(key, limits.per_address) {
                Some(s) => Some(s),
                // Over its address's cap: closed at once, costing nothing more.
                None => continue,
            }
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone().into_service().map_request(
            move |mut request: axum::http::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
                request.map(axum::body::Body::new)
            },
        ));
        let watcher = graceful.watcher();
        let builder = builder.clone();
        let acceptor = acceptor.clone();
        let handshake_time = limits.header_timeout;
        tokio::spawn(async move {
            let _held = (slot, address_slot);
            match acceptor {
                None => {
                    let connection = builder.serve_connection(TokioIo::new(stream), service);
                    let _ = watcher.watch(connection).await;
                }
                Some(acceptor) => {
                    let Ok(Ok(stream)) = tokio::time::timeout(handshake_time, acceptor.accept(stream)).await else {
                        return;
                    };
                    let connection = builder.serve_connection(TokioIo::new(stream), service);
                    let _ = watcher.watch(connection).await;
                }
            }
        });
    }
    tokio::select! {
        () = graceful.shutdown() => {},
        () = tokio::time::sleep(Duration::from_secs(10)) => {},
    }
    Ok(())
}

/// Reads a certificate chain and its private key from PEM files.
pub fn tls_config(cert: &std::path::Path, key: &std::path::Path) -> Result<Arc<rustls::ServerConfig>, Error> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let bad = |path: &std::path::Path, e: &dyn std::fmt::Display| {
        Error::Config(format!(
            "cannot load the TLS certificate or key: {}: {e}",
            path.display()
        ))
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| bad(cert, &e))?
        .collect::<Result<_, _>>()
        .map_err(|e| bad(cert, &e))?;
    let key_path = key;
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| bad(key_path, &e))?;
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(cert, &e))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| bad(cert, &e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_count_by_their_64_and_mapped_ipv4_as_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(address_key(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn an_address_holds_at_most_its_cap_and_gets_slots_back() {
        let table = Arc::new(PerAddress::default());
        let key: IpAddr = "192.0.2.1".parse().unwrap();
        let held: Vec<_> = (0..3).filter_map(|_| table.take(key, 3)).collect();
        assert_eq!(held.len(), 3);
        assert!(table.take(key, 3).is_none(), "a fourth is refused");
        assert!(
            table.take("192.0.2.2".parse().unwrap(), 3).is_some(),
            "another address is not"
        );
        drop(held);
        let again = table.take(key, 3);
        assert!(again.is_some(), "slots come back when connections close");
        assert!(table.open.lock().unwrap().get(&key).is_some_and(|n| *n == 1));
        drop(again);
        assert!(
            table.open.lock().unwrap().is_empty(),
            "no address is kept once it has none open"
        );
    }
}
