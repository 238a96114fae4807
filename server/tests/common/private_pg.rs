//! A PostgreSQL of the test's own (Debian's binaries, a temporary data directory, a free loopback
//! port), which a test may stop and start, and which speaks TLS with a certificate from a test CA
//! (made with the `openssl` command). The shared cluster of the other tests is never touched.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct PrivatePostgres {
    pub dir: tempfile::TempDir,
    pub port: u16,
    /// The CA that signed the server's certificate (for `sslrootcert`).
    pub ca: PathBuf,
    bin: PathBuf,
}

fn bin_dir() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL's binaries in /usr/lib/postgresql (scripts/setup installs them)")
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("pg_ctl").exists())
        .collect();
    versions.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    versions.pop().expect("a PostgreSQL version with pg_ctl")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A command run as the `postgres` user when this process is root (PostgreSQL refuses root).
fn as_owner(program: &Path) -> Command {
    if is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl PrivatePostgres {
    /// Initialises and starts it. Connections come only over TLS (`hostssl`), as `postgres`
    /// without a password, from 127.0.0.1.
    pub fn start() -> PrivatePostgres {
        let dir = tempfile::Builder::new().prefix("taiwa-pg-").tempdir().unwrap();
        let data = dir.path().join("data");
        let tls = dir.path().join("tls");
        std::fs::create_dir(&tls).unwrap();
        let openssl = |args: &[&str]| run(Command::new("openssl").args(args).current_dir(&tls));
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-days",
            "2",
            "-subj",
            "/CN=Taiwa test CA",
        ]);
        openssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ]);
        std::fs::write(
            tls.join("ext.cnf"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ]);
        if is_root() {
            run(Command::new("chown").args(["-R", "postgres:postgres"]).arg(dir.path()));
        }
        run(Command::new("chmod").arg("600").arg(tls.join("server.key")));
        let bin = bin_dir();
        run(as_owner(&bin.join("initdb")).args(["-D"]).arg(&data).args([
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        ]));
        std::fs::write(
            data.join("pg_hba.conf"),
            "local all all trust\nhostssl all all 127.0.0.1/32 trust\n",
        )
        .unwrap();
        let conf = format!(
            "listen_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\nssl = on\nssl_cert_file = '{}'\nssl_key_file = '{}'\nfsync = off\n",
            dir.path().display(),
            tls.join("server.crt").display(),
            tls.join("server.key").display()
        );
        let mut existing = std::fs::read_to_string(data.join("postgresql.conf")).unwrap();
        existing.push_str(&conf);
        std::fs::write(data.join("postgresql.conf"), existing).unwrap();
        if is_root() {
            run(Command::new("chown").args(["-R", "postgres:postgres"]).arg(dir.path()));
        }
        let pg = PrivatePostgres {
            ca: tls.join("ca.crt"),
            port: free_port(),
            bin,
            dir,
        };
        pg.start_again();
        pg
    }

    fn ctl(&self) -> Command {
        let mut cmd = as_owner(&self.bin.join("pg_ctl"));
        cmd.arg("-D").arg(self.dir.path().join("data"));
        cmd
    }

    /// Starts it (again), on the same port, and waits until it answers.
    pub fn start_again(&self) {
        run(self
            .ctl()
            .args(["-w", "-l"])
            .arg(self.dir.path().join("log"))
            .arg("-o")
            .arg(format!("-p {}", self.port))
            .arg("start"));
    }

    /// Stops it at once, as a crash or a restart would (open connections are cut).
    pub fn stop(&self) {
        run(self.ctl().args(["-w", "-m", "immediate", "stop"]));
    }

    /// The URL of its `postgres` database with the given query (`sslmode=…`).
    pub fn url(&self, query: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres{query}", self.port)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = self.ctl().args(["-w", "-m", "immediate", "stop"]).output();
    }
}
