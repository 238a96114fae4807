//! Slow, many and hostile clients against the real server binary: thousands of connections that
//! send nothing, half a request head or the start of an HTTP/2 preface, over plain HTTP and TLS;
//! a client at another address is still answered at once, and every such connection is closed
//! when the header time is up.

// Test code unwraps freely: a failure there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use common::{Backend, EMPLOYEES, ORG_UNITS, Server};

/// A connection to `addr` from the loopback address `from` (127.0.0.2 is another client to the
/// server, though it is this machine).
fn connect_from(from: [u8; 4], addr: SocketAddr) -> TcpStream {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.bind(&SocketAddr::from((from, 0)).into()).unwrap();
    socket.connect(&addr.into()).unwrap();
    TcpStream::from(socket)
}

fn address(base: &str) -> SocketAddr {
    base.split("://").nth(1).unwrap().parse().unwrap()
}

/// What hostile clients send: nothing, the start of an HTTP/2 preface, half a request head.
const OPENINGS: [&[u8]; 3] = [b"", b"PRI * HTTP/2.0\r\n", b"GET /healthz HTTP/1.1\r\nHo"];

/// Opens `n` hostile connections from 127.0.0.1.
fn hostile(addr: SocketAddr, n: usize) -> Vec<TcpStream> {
    (0..n)
        .map(|i| {
            let mut s = connect_from([127, 0, 0, 1], addr);
            s.write_all(OPENINGS[i % OPENINGS.len()]).unwrap();
            s
        })
        .collect()
}

/// Whether the server has closed `s` (a read ends) within `within`.
fn closed_within(s: &mut TcpStream, within: Duration) -> bool {
    s.set_read_timeout(Some(within)).unwrap();
    let mut buffer = [0u8; 256];
    loop {
        match s.read(&mut buffer) {
            Ok(0) => return true,
            // A 408 or 400 answer before the close is fine: keep reading to the end.
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

#[test]
fn two_thousand_idle_or_half_sent_connections_keep_no_one_out() {
    // A short header time, so that the test sees the held connections closed.
    let server = Server::start_with(Backend::Sqlite, ORG_UNITS, EMPLOYEES, "header_timeout_seconds = 3\n");
    let addr = address(&server.base);
    let mut held = hostile(addr, 2000);
    // Another client is answered at once.
    let started = Instant::now();
    let mut other = connect_from([127, 0, 0, 2], addr);
    other
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    other.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut answer = String::new();
    let _ = other.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "answered in {:?} beside 2,000 idle connections",
        started.elapsed()
    );
    // Every hostile connection is closed once the header time (3 s) is up; none is answered
    // over HTTP/2.
    let deadline = Instant::now() + Duration::from_secs(8);
    for (i, s) in held.iter_mut().enumerate() {
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(10));
        assert!(
            closed_within(s, left),
            "connection {i} ({:?}) still open",
            OPENINGS[i % 3]
        );
    }
    // A whole HTTP/2 preface is not HTTP/2 here: refused as a bad HTTP/1.1 request.
    let mut h2 = connect_from([127, 0, 0, 3], addr);
    h2.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").unwrap();
    h2.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut answer = Vec::new();
    let _ = h2.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 4"), "{answer}");
}

#[test]
fn tls_shares_the_limits_and_tells_browsers_to_stay_on_https() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = common::self_signed_certificate(dir.path());
    let config = format!(
        "header_timeout_seconds = 3\nmax_connections_per_address = 16\ntls_cert = {:?}\ntls_key = {:?}\n",
        cert, key
    );
    let server = Server::start_with(Backend::Sqlite, ORG_UNITS, EMPLOYEES, &config);
    assert!(server.base.starts_with("https://"), "{}", server.base);
    let addr = address(&server.base);
    // Connections that never start their handshake, far past the address's cap.
    let mut held = hostile(addr, 500);
    let started = Instant::now();
    let answer = std::process::Command::new("curl")
        .args(["-sS", "-i", "--max-time", "5", "--interface", "127.0.0.2", "--cacert"])
        .arg(&cert)
        .arg(format!("{}/healthz", server.base))
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let text = String::from_utf8_lossy(&answer.stdout).to_lowercase();
    assert!(
        text.starts_with("http/1.1 200"),
        "{text}{}",
        String::from_utf8_lossy(&answer.stderr)
    );
    assert!(elapsed < Duration::from_secs(1), "answered in {elapsed:?}");
    assert!(text.contains("strict-transport-security: max-age=31536000"), "{text}");
    // Past the cap of 16, connections are closed at once; the 16 held ones when the handshake's
    // time is up.
    let deadline = Instant::now() + Duration::from_secs(8);
    for (i, s) in held.iter_mut().enumerate() {
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(10));
        assert!(closed_within(s, left), "connection {i} still open");
    }
}
