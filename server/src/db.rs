//! The one storage interface and its two backends, SQLite (the embedded default) and PostgreSQL.
//!
//! Store logic is written once against [`Conn`] with `$1, $2, …` placeholders and portable SQL
//! (BIGINT and TEXT columns, `ON CONFLICT … DO UPDATE`, casts on aggregates); each backend only
//! binds values and reads rows. Every value is bound as a parameter: no SQL is built from input.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use crate::Error;

/// A bound value or a column value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum V {
    Int(i64),
    Text(String),
    NullInt,
    NullText,
}

impl From<i64> for V {
    fn from(v: i64) -> V {
        V::Int(v)
    }
}
impl From<&str> for V {
    fn from(v: &str) -> V {
        V::Text(v.to_owned())
    }
}
impl From<String> for V {
    fn from(v: String) -> V {
        V::Text(v)
    }
}
impl From<&String> for V {
    fn from(v: &String) -> V {
        V::Text(v.clone())
    }
}
impl From<Option<&str>> for V {
    fn from(v: Option<&str>) -> V {
        v.map_or(V::NullText, V::from)
    }
}
impl From<Option<i64>> for V {
    fn from(v: Option<i64>) -> V {
        v.map_or(V::NullInt, V::Int)
    }
}

/// A result row, read by column name: every read says which column it wants, and a column that is
/// missing, NULL where a value is wanted, or of the wrong type is an `Error::Row` naming it, never a
/// silent 0 or "". Column names are the backends' own: a bare column is named by itself, anything
/// else (an aggregate, an expression, a column selected twice) by its `AS` alias, which the store
/// writes in lowercase snake_case (PostgreSQL lowercases unquoted names; they are matched without
/// regard to ASCII case, so both backends read alike).
#[derive(Debug, Clone)]
pub struct Row {
    /// The names of the columns, shared by every row of one query.
    columns: Arc<[String]>,
    values: Vec<V>,
}

impl Row {
    pub fn new(columns: Arc<[String]>, values: Vec<V>) -> Row {
        Row { columns, values }
    }

    /// The column names, in the order they were selected.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The value of `col`; a name missing from the row, or found twice, is an error.
    fn get(&self, col: &str) -> Result<&V, Error> {
        let mut found = self
            .columns
            .iter()
            .zip(&self.values)
            .filter(|(name, _)| name.eq_ignore_ascii_case(col));
        match (found.next(), found.next()) {
            (Some((_, value)), None) => Ok(value),
            (None, _) => Err(Error::Row(format!(
                "no column `{col}` in the row (columns: {})",
                self.columns.join(", ")
            ))),
            (Some(_), Some(_)) => Err(Error::Row(format!(
                "column `{col}` appears more than once in the row: give each an alias"
            ))),
        }
    }

    /// The error for `col` holding `found` where `expected` was wanted. The value itself is
    /// never quoted: it may be personal data, and the message reaches the logs.
    fn wrong(col: &str, expected: &str, found: &V) -> Error {
        let found = match found {
            V::Int(_) => "a number",
            V::Text(_) => "text",
            V::NullInt | V::NullText => "NULL",
        };
        Error::Row(format!("column `{col}`: expected {expected}, found {found}"))
    }

    /// An integer column that must hold a value.
    pub fn int(&self, col: &str) -> Result<i64, Error> {
        match self.get(col)? {
            V::Int(v) => Ok(*v),
            other => Err(Row::wrong(col, "a number", other)),
        }
    }

    /// An integer column that may be NULL.
    pub fn opt_int(&self, col: &str) -> Result<Option<i64>, Error> {
        match self.get(col)? {
            V::Int(v) => Ok(Some(*v)),
            V::NullInt | V::NullText => Ok(None),
            other => Err(Row::wrong(col, "a number or NULL", other)),
        }
    }

    /// A text column that must hold a value.
    pub fn text(&self, col: &str) -> Result<String, Error> {
        match self.get(col)? {
            V::Text(v) => Ok(v.clone()),
            other => Err(Row::wrong(col, "text", other)),
        }
    }

    /// A text column that may be NULL.
    pub fn opt_text(&self, col: &str) -> Result<Option<String>, Error> {
        match self.get(col)? {
            V::Text(v) => Ok(Some(v.clone())),
            V::NullInt | V::NullText => Ok(None),
            other => Err(Row::wrong(col, "text or NULL", other)),
        }
    }
}

/// One database connection.
pub trait Conn: Send {
    fn execute(&mut self, sql: &str, params: &[V]) -> Result<u64, Error>;
    fn query(&mut self, sql: &str, params: &[V]) -> Result<Vec<Row>, Error>;
    /// Runs statements without parameters (schema, transaction control).
    fn batch(&mut self, sql: &str) -> Result<(), Error>;
    /// Starts a transaction that will write.
    fn begin(&mut self) -> Result<(), Error>;
    fn backend(&self) -> Backend;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

// ---------------------------------------------------------------------------------------------
// SQLite

struct Sqlite(rusqlite::Connection);

/// SQLite numbers its parameters `?1`; Postgres `$1`. The store writes `$1`.
fn sqlite_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

fn to_sql(v: &V) -> rusqlite::types::Value {
    use rusqlite::types::Value;
    match v {
        V::Int(i) => Value::Integer(*i),
        V::Text(t) => Value::Text(t.clone()),
        V::NullInt | V::NullText => Value::Null,
    }
}

impl Conn for Sqlite {
    fn execute(&mut self, sql: &str, params: &[V]) -> Result<u64, Error> {
        let mut stmt = self.0.prepare_cached(&sqlite_placeholders(sql))?;
        let values: Vec<rusqlite::types::Value> = params.iter().map(to_sql).collect();
        Ok(stmt.execute(rusqlite::params_from_iter(values))? as u64)
    }

    fn query(&mut self, sql: &str, params: &[V]) -> Result<Vec<Row>, Error> {
        let mut stmt = self.0.prepare_cached(&sqlite_placeholders(sql))?;
        let names: Arc<[String]> = stmt.column_names().map(str::to_owned).collect();
        let columns = names.len();
        let values: Vec<rusqlite::types::Value> = params.iter().map(to_sql).collect();
        let rows = stmt.query_map(rusqlite::params_from_iter(values), |row| {
            let mut out = Vec::with_capacity(columns);
            for i in 0..columns {
                out.push(match row.get_ref(i)? {
                    rusqlite::types::ValueRef::Integer(v) => V::Int(v),
                    rusqlite::types::ValueRef::Text(t) => V::Text(String::from_utf8_lossy(t).into_owned()),
                    rusqlite::types::ValueRef::Real(f) => V::Int(f as i64),
                    _ => V::NullText,
                });
            }
            Ok(Row::new(names.clone(), out))
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn batch(&mut self, sql: &str) -> Result<(), Error> {
        Ok(self.0.execute_batch(sql)?)
    }

    fn begin(&mut self) -> Result<(), Error> {
        self.batch("BEGIN IMMEDIATE")
    }

    fn backend(&self) -> Backend {
        Backend::Sqlite
    }
}

fn open_sqlite(path: &str) -> Result<Box<dyn Conn>, Error> {
    let conn = rusqlite::Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    // WAL with FULL sync: an acknowledged write survives a crash or a kill.
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")?;
    Ok(Box::new(Sqlite(conn)))
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

/// A PostgreSQL connection and the statements it has prepared, by their text: a statement the
/// server runs again (nearly every one) is parsed and planned by PostgreSQL once per connection,
/// and costs one round trip instead of two.
struct Postgres(postgres::Client, HashMap<String, postgres::Statement>);

/// Statements one connection keeps prepared; past it the cache starts again (the server's
/// statements number a few hundred, so this is reached only by text built at run time).
const PREPARED_KEPT: usize = 512;

impl Postgres {
    /// The prepared statement for `sql`, prepared now if it is not yet.
    fn statement(&mut self, sql: &str) -> Result<postgres::Statement, Error> {
        if let Some(statement) = self.1.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.0.prepare(sql)?;
        if self.1.len() >= PREPARED_KEPT {
            self.1.clear();
        }
        self.1.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    fn params(params: &[V]) -> Vec<Box<dyn postgres::types::ToSql + Sync>> {
        params
            .iter()
            .map(|v| -> Box<dyn postgres::types::ToSql + Sync> {
                match v {
                    V::Int(i) => Box::new(*i),
                    V::Text(t) => Box::new(t.clone()),
                    V::NullInt => Box::new(None::<i64>),
                    V::NullText => Box::new(None::<String>),
                }
            })
            .collect()
    }
}

impl Conn for Postgres {
    fn execute(&mut self, sql: &str, params: &[V]) -> Result<u64, Error> {
        let boxed = Postgres::params(params);
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = boxed.iter().map(AsRef::as_ref).collect();
        let statement = self.statement(sql)?;
        Ok(self.0.execute(&statement, &refs)?)
    }

    fn query(&mut self, sql: &str, params: &[V]) -> Result<Vec<Row>, Error> {
        use postgres::types::Type;
        let boxed = Postgres::params(params);
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = boxed.iter().map(AsRef::as_ref).collect();
        let statement = self.statement(sql)?;
        let rows = self.0.query(&statement, &refs)?;
        let mut out = Vec::with_capacity(rows.len());
        // Every row of one statement has the same columns: their names are taken once.
        let mut names: Option<Arc<[String]>> = None;
        for row in rows {
            let names = names
                .get_or_insert_with(|| row.columns().iter().map(|c| c.name().to_owned()).collect())
                .clone();
            let mut values = Vec::with_capacity(row.len());
            for (i, column) in row.columns().iter().enumerate() {
                let ty = column.type_();
                values.push(if *ty == Type::INT8 {
                    row.try_get::<_, Option<i64>>(i)?.map_or(V::NullInt, V::Int)
                } else if *ty == Type::INT4 {
                    row.try_get::<_, Option<i32>>(i)?
                        .map_or(V::NullInt, |v| V::Int(i64::from(v)))
                } else {
                    row.try_get::<_, Option<String>>(i)?.map_or(V::NullText, V::Text)
                });
            }
            out.push(Row::new(names, values));
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> Result<(), Error> {
        // Statements without parameters are a transaction's control, or change the schema (a
        // migration): after those, prepared statements may no longer fit the tables, and are
        // prepared again.
        let control = ["BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"]
            .iter()
            .any(|c| sql.trim_start().to_ascii_uppercase().starts_with(c));
        if !control {
            self.1.clear();
        }
        Ok(self.0.batch_execute(sql)?)
    }

    fn begin(&mut self) -> Result<(), Error> {
        self.batch("BEGIN")
    }

    fn backend(&self) -> Backend {
        Backend::Postgres
    }
}

/// How a PostgreSQL connection is protected, from the URL's `sslmode` (and `sslrootcert`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PgTls {
    /// Plain TCP (`sslmode=disable`; the default only for a loopback host).
    Off,
    /// TLS, the server's certificate checked against the system's roots plus `sslrootcert`
    /// (`sslmode=require`, `verify-ca`, `verify-full`; the default for any other host). Unlike
    /// libpq, `require` verifies too: HR's data never travels over an unverified connection.
    Verified { root_cert: Option<String> },
}

/// Splits Taiwa's TLS settings out of a PostgreSQL URL: the URL without `sslmode` and
/// `sslrootcert` (which the driver is then given as a connector), and the TLS to use.
pub fn postgres_tls(url: &str) -> Result<(String, PgTls), Error> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut kept = Vec::new();
    let (mut mode, mut root_cert) = (None, None);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("sslmode", value)) => mode = Some(value.to_owned()),
            Some(("sslrootcert", value)) => root_cert = Some(value.to_owned()),
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    // Where the driver will connect, as it reads the URL: every host (the authority's, or a
    // `host=` parameter's, several of them) and every `hostaddr`. Plain TCP by default only when
    // all of them are this machine.
    let parsed: postgres::Config = url
        .parse()
        .map_err(|e| Error::Config(format!("the PostgreSQL URL is not usable: {e}")))?;
    let loopback_name =
        |name: &str| name == "localhost" || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    let loopback = parsed.get_hosts().iter().all(|h| match h {
        postgres::config::Host::Tcp(name) => loopback_name(name),
        postgres::config::Host::Unix(_) => true,
    }) && parsed.get_hostaddrs().iter().all(std::net::IpAddr::is_loopback);
    let tls = match mode.as_deref() {
        Some("disable") => PgTls::Off,
        Some("require" | "verify-ca" | "verify-full") => PgTls::Verified { root_cert },
        None | Some("prefer" | "allow") if loopback && root_cert.is_none() => PgTls::Off,
        None | Some("prefer" | "allow") => PgTls::Verified { root_cert },
        Some(other) => {
            return Err(Error::Config(format!(
                "sslmode={other} is not known: use disable, require, verify-ca or verify-full"
            )));
        }
    };
    Ok((url, tls))
}

/// The rustls connector for `PgTls::Verified`: the system's roots plus the given CA file.
fn rustls_connector(root_cert: Option<&str>) -> Result<tokio_postgres_rustls::MakeRustlsConnect, Error> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    if let Some(path) = root_cert {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .and_then(|certs| certs.collect::<Result<_, _>>())
            .map_err(|e| Error::Config(format!("sslrootcert {path}: {e}")))?;
        if certs.is_empty() {
            return Err(Error::Config(format!("sslrootcert {path}: no PEM certificate in it")));
        }
        for cert in certs {
            roots
                .add(cert)
                .map_err(|e| Error::Config(format!("sslrootcert {path}: {e}")))?;
        }
    }
    let config =
        rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Config(format!("TLS: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

fn open_postgres(url: &str) -> Result<Box<dyn Conn>, Error> {
    let (url, tls) = postgres_tls(url)?;
    let client = match tls {
        PgTls::Off => postgres::Client::connect(&url, postgres::NoTls)?,
        PgTls::Verified { root_cert } => {
            let mut config: postgres::Config = url
                .parse()
                .map_err(|e| Error::Config(format!("the PostgreSQL URL is not usable: {e}")))?;
            config.ssl_mode(postgres::config::SslMode::Require);
            config.connect(rustls_connector(root_cert.as_deref())?)?
        }
    };
    Ok(Box::new(Postgres(client, HashMap::new())))
}

// ---------------------------------------------------------------------------------------------
// The pool

type Opener = dyn Fn() -> Result<Box<dyn Conn>, Error> + Send + Sync;

/// A small blocking pool: callers borrow a connection for one unit of work.
#[derive(Clone)]
pub struct Pool {
    inner: Arc<PoolInner>,
}

struct PoolInner {
    idle: Mutex<(Vec<Box<dyn Conn>>, usize)>,
    freed: Condvar,
    size: usize,
    /// Write transactions running now, at most `writer_slots`: writers wait their turn here,
    /// before taking a connection, so they neither fight over SQLite's one write lock nor hold
    /// every connection while HR's pages wait to read.
    writers: Mutex<usize>,
    writer_freed: Condvar,
    writer_slots: usize,
    /// SQLite's group commit (`Pool::write`).
    group: Group,
    open: Box<Opener>,
    backend: Backend,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: never printed.
        write!(f, "Pool({:?}, {} connections)", self.inner.backend, self.inner.size)
    }
}

impl Pool {
    /// Opens a pool for `url`: `sqlite://PATH` or `postgres://…`.
    pub fn open(url: &str) -> Result<Pool, Error> {
        let (backend, open, size): (Backend, Box<Opener>, usize) = if let Some(path) = url.strip_prefix("sqlite://") {
            let path = path.to_owned();
            (Backend::Sqlite, Box::new(move || open_sqlite(&path)), 4)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let url = url.to_owned();
            (Backend::Postgres, Box::new(move || open_postgres(&url)), 10)
        } else {
            return Err(Error::Config(
                "the database URL must start with sqlite:// or postgres://".into(),
            ));
        };
        let first = open()?;
        // SQLite takes one writer at a time; PostgreSQL several, leaving half the pool to readers.
        let writer_slots = match backend {
            Backend::Sqlite => 1,
            Backend::Postgres => size / 2,
        };
        let pool = Pool {
            inner: Arc::new(PoolInner {
                idle: Mutex::new((vec![first], 1)),
                freed: Condvar::new(),
                size,
                writers: Mutex::new(0),
                writer_freed: Condvar::new(),
                writer_slots,
                group: Group::default(),
                open,
                backend,
            }),
        };
        Ok(pool)
    }

    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// Runs `f` with a connection. A connection whose work failed is not reused (it may be broken).
    pub fn with<T>(&self, f: impl FnOnce(&mut dyn Conn) -> Result<T, Error>) -> Result<T, Error> {
        let mut conn = self.take()?;
        let result = f(conn.as_mut());
        let mut guard = self
            .inner
            .idle
            .lock()
            .map_err(|_| Error::Internal("pool lock poisoned".into()))?;
        match &result {
            Err(Error::Database(_)) => guard.1 -= 1,
            _ => guard.0.push(conn),
        }
        self.inner.freed.notify_one();
        result
    }

    fn take(&self) -> Result<Box<dyn Conn>, Error> {
        let mut guard = self
            .inner
            .idle
            .lock()
            .map_err(|_| Error::Internal("pool lock poisoned".into()))?;
        loop {
            if let Some(conn) = guard.0.pop() {
                return Ok(conn);
            }
            if guard.1 < self.inner.size {
                guard.1 += 1;
                drop(guard);
                return (self.inner.open)().inspect_err(|_| {
                    if let Ok(mut g) = self.inner.idle.lock() {
                        g.1 -= 1;
                    }
                });
            }
            let (next, timeout) = self
                .inner
                .freed
                .wait_timeout(guard, Duration::from_secs(30))
                .map_err(|_| Error::Internal("pool lock poisoned".into()))?;
            if timeout.timed_out() {
                return Err(Error::Unavailable("the database is too busy".into()));
            }
            guard = next;
        }
    }

    /// Waits for a writer's turn (up to `WRITER_WAIT`; then the database is too busy: 503).
    fn writer_turn(&self) -> Result<WriterTurn<'_>, Error> {
        let mut running = self
            .inner
            .writers
            .lock()
            .map_err(|_| Error::Internal("pool lock poisoned".into()))?;
        let deadline = std::time::Instant::now() + WRITER_WAIT;
        while *running >= self.inner.writer_slots {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Err(Error::Unavailable("too many writes are waiting".into()));
            }
            running = self
                .inner
                .writer_freed
                .wait_timeout(running, left)
                .map_err(|_| Error::Internal("pool lock poisoned".into()))?
                .0;
        }
        *running += 1;
        Ok(WriterTurn(&self.inner))
    }

    /// Runs `f` in one write transaction: all of it is stored, or none, and it is stored (on
    /// disk) when this returns `Ok`. Writers queue for their turn first (see `PoolInner::writers`).
    ///
    /// On SQLite, where each commit waits for the disk, writes **commit in groups**: writers that
    /// arrive while one transaction is open join it, each running its `f` in a savepoint of its
    /// own (a failing `f` rolls back only itself), one after the other on the transaction's
    /// connection; the writer that opened it commits once they have all run, and each returns
    /// only after that commit. So a burst of small writes costs one disk flush, not one each,
    /// and what each writer sees and stores is what it would alone, in the same order.
    pub fn write<T>(&self, f: impl FnOnce(&mut dyn Conn) -> Result<T, Error>) -> Result<T, Error> {
        if self.inner.backend == Backend::Sqlite {
            return self.write_in_group(f);
        }
        let _turn = self.writer_turn()?;
        self.with(|conn| {
            conn.begin()?;
            match f(conn) {
                Ok(value) => {
                    conn.batch("COMMIT")?;
                    Ok(value)
                }
                Err(e) => {
                    let _ = conn.batch("ROLLBACK");
                    Err(e)
                }
            }
        })
    }

    /// Runs one statement that writes, and returns the rows it returns (`RETURNING`): a write of
    /// its own, like `write`, but on PostgreSQL without `BEGIN` and `COMMIT` (a statement alone
    /// is a transaction there), so it costs one round trip instead of three. Where a write is
    /// several steps, PostgreSQL's data-modifying `WITH` makes them one statement; SQLite has no
    /// such statement, and its writes run in-process, so a caller keeps a `write` for SQLite.
    pub fn write_statement(&self, sql: &str, params: &[V]) -> Result<Vec<Row>, Error> {
        if self.inner.backend == Backend::Sqlite {
            return self.write(|conn| conn.query(sql, params));
        }
        let _turn = self.writer_turn()?;
        self.with(|conn| conn.query(sql, params))
    }

    fn write_in_group<T>(&self, f: impl FnOnce(&mut dyn Conn) -> Result<T, Error>) -> Result<T, Error> {
        let group = &self.inner.group;
        let lock = || {
            group
                .state
                .lock()
                .map_err(|_| Error::Internal("pool lock poisoned".into()))
        };
        let mut state = lock()?;
        if state.open {
            // Join the open transaction: wait for its connection, run `f` in a savepoint, hand
            // the connection back, and wait for the commit.
            let batch = state.batch;
            state.queued += 1;
            let deadline = std::time::Instant::now() + WRITER_WAIT;
            while state.conn.is_none() && !state.broken {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                if left.is_zero() {
                    state.queued -= 1;
                    group.closing.notify_one();
                    return Err(Error::Unavailable("too many writes are waiting".into()));
                }
                state = group
                    .lend
                    .wait_timeout(state, left)
                    .map_err(|_| Error::Internal("pool lock poisoned".into()))?
                    .0;
            }
            state.queued -= 1;
            if state.broken {
                group.closing.notify_one();
                return Err(Error::Unavailable("the database transaction failed; try again".into()));
            }
            let conn = state.conn.take();
            drop(state);
            let mut lent = Lent::new(group, conn);
            let result = lent.savepoint(f);
            drop(lent);
            let value = result?;
            group.outcome(batch)?;
            return Ok(value);
        }
        // Open a transaction: this writer runs first and commits for everyone who joins.
        state.open = true;
        state.batch += 1;
        let batch = state.batch;
        drop(state);
        let opened = self.writer_turn().and_then(|turn| {
            let mut conn = self.take()?;
            match conn.begin() {
                Ok(()) => Ok((turn, conn)),
                Err(e) => {
                    self.give_back(conn, true);
                    Err(e)
                }
            }
        });
        let (turn, conn) = match opened {
            Ok(opened) => opened,
            Err(e) => {
                // Nobody can join a transaction that did not begin: those waiting are told.
                let mut state = lock()?;
                state.broken = true;
                group.lend.notify_all();
                while state.queued > 0 {
                    state = group
                        .closing
                        .wait(state)
                        .map_err(|_| Error::Internal("pool lock poisoned".into()))?;
                }
                state.broken = false;
                state.open = false;
                state.done = batch;
                state.failed.push(batch);
                group.finished.notify_all();
                return Err(e);
            }
        };
        let mut lent = Lent::new(group, Some(conn));
        // A panic in this writer's own work still closes the group (rolled back) before it goes
        // on unwinding, so that the writers who joined are answered and the next group opens.
        let mine = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| lent.savepoint(f)));
        lent.broken |= mine.is_err();
        drop(lent);
        // Let everyone who joined run, then close the group and commit.
        let mut state = lock()?;
        // (A writer always gives the connection back, even on a panic; once the group is broken
        // nobody takes it again.)
        while state.queued > 0 || state.conn.is_none() {
            state = group
                .closing
                .wait(state)
                .map_err(|_| Error::Internal("pool lock poisoned".into()))?;
        }
        state.open = false;
        let broken = std::mem::take(&mut state.broken);
        let conn = state.conn.take();
        drop(state);
        let committed = match conn {
            Some(mut conn) if !broken => {
                let committed = conn.batch("COMMIT");
                let failed = committed.is_err();
                if failed {
                    let _ = conn.batch("ROLLBACK");
                }
                self.give_back(conn, failed);
                committed
            }
            Some(mut conn) => {
                let _ = conn.batch("ROLLBACK");
                self.give_back(conn, true);
                Err(Error::Unavailable("the database transaction failed; try again".into()))
            }
            None => Err(Error::Unavailable("the database transaction failed; try again".into())),
        };
        let mut state = lock()?;
        state.done = batch;
        if committed.is_err() {
            state.failed.push(batch);
            let keep = state.failed.len().saturating_sub(64);
            state.failed.drain(..keep);
        }
        group.finished.notify_all();
        drop(state);
        drop(turn);
        let value = mine.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        committed.map(|()| value)
    }

    /// Puts a connection back in the pool, or drops it when it may be broken.
    fn give_back(&self, conn: Box<dyn Conn>, broken: bool) {
        if let Ok(mut guard) = self.inner.idle.lock() {
            if broken {
                guard.1 -= 1;
            } else {
                guard.0.push(conn);
            }
        }
        self.inner.freed.notify_one();
    }
}

/// The transaction writers share on SQLite (`Pool::write`). Each kind of waiting has its own
/// condition, so that a writer is woken only for what it waits for: in a group of thirty,
/// one connection handed back wakes one writer, not the other twenty-nine as well.
#[derive(Default)]
struct Group {
    state: Mutex<GroupState>,
    /// Writers who joined wait here for the connection (one is woken when it comes back; all
    /// when the group breaks).
    lend: Condvar,
    /// The writer who opened the group waits here for the last joiner to give the connection back.
    closing: Condvar,
    /// Writers wait here for their group's commit.
    finished: Condvar,
}

#[derive(Default)]
struct GroupState {
    /// A transaction is open and takes writers who arrive.
    open: bool,
    /// The open transaction's connection, while no writer is using it.
    conn: Option<Box<dyn Conn>>,
    /// Writers waiting to use it.
    queued: usize,
    /// A writer could not undo its part: the whole transaction is rolled back.
    broken: bool,
    /// The last group opened, the last one finished, and recent ones whose commit failed.
    batch: u64,
    done: u64,
    failed: Vec<u64>,
}

impl Group {
    /// Waits for group `batch` to finish: whether it was stored.
    fn outcome(&self, batch: u64) -> Result<(), Error> {
        let mut state = self
            .state
            .lock()
            .map_err(|_| Error::Internal("pool lock poisoned".into()))?;
        while state.done < batch {
            state = self
                .finished
                .wait(state)
                .map_err(|_| Error::Internal("pool lock poisoned".into()))?;
        }
        if state.failed.contains(&batch) {
            return Err(Error::Unavailable("the database transaction failed; try again".into()));
        }
        Ok(())
    }
}

/// The group's connection while one writer uses it; given back when dropped, even if the
/// writer's work panicked (the group then rolls back, as it does when a savepoint could not be
/// closed).
struct Lent<'a> {
    group: &'a Group,
    conn: Option<Box<dyn Conn>>,
    broken: bool,
}

impl<'a> Lent<'a> {
    fn new(group: &'a Group, conn: Option<Box<dyn Conn>>) -> Lent<'a> {
        Lent {
            group,
            conn,
            broken: false,
        }
    }

    /// Runs `f` in a savepoint: kept if it succeeds, undone if not.
    fn savepoint<T>(&mut self, f: impl FnOnce(&mut dyn Conn) -> Result<T, Error>) -> Result<T, Error> {
        let Some(conn) = self.conn.as_mut() else {
            return Err(Error::Unavailable("the database transaction failed; try again".into()));
        };
        if let Err(e) = conn.batch("SAVEPOINT writer") {
            self.broken = true;
            return Err(e);
        }
        let result = f(conn.as_mut());
        let closed = match &result {
            Ok(_) => conn.batch("RELEASE writer"),
            Err(_) => conn.batch("ROLLBACK TO writer; RELEASE writer"),
        };
        self.broken |= closed.is_err();
        result.and_then(|value| closed.map(|()| value))
    }
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        let mut state = self.group.state.lock().unwrap_or_else(|e| e.into_inner());
        state.broken |= self.broken || std::thread::panicking() || self.conn.is_none();
        if let Some(conn) = self.conn.take() {
            state.conn = Some(conn);
        }
        if state.broken {
            self.group.lend.notify_all();
        } else if state.queued > 0 {
            self.group.lend.notify_one();
        }
        self.group.closing.notify_one();
    }
}

/// How long a write waits for its turn before the server answers 503 with `Retry-After`.
const WRITER_WAIT: Duration = Duration::from_secs(20);

/// A writer's turn, given back when dropped.
struct WriterTurn<'a>(&'a PoolInner);

impl Drop for WriterTurn<'_> {
    fn drop(&mut self) {
        if let Ok(mut running) = self.0.writers.lock() {
            *running -= 1;
        }
        self.0.writer_freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writers on many threads at once, on a real SQLite file: each `Ok` is stored, each `Err`
    /// (after writing) is not, a panicking writer takes its group down but not the pool, and
    /// the pool's connections all come back.
    #[test]
    fn writes_commit_in_groups_and_each_stands_or_falls_alone() {
        let dir = tempfile::tempdir().unwrap();
        let pool = Pool::open(&format!("sqlite://{}", dir.path().join("t.db").display())).unwrap();
        pool.write(|c| c.batch("CREATE TABLE t (n BIGINT PRIMARY KEY)"))
            .unwrap();
        let outcomes: Vec<(i64, bool)> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..64i64)
                .map(|n| {
                    let pool = pool.clone();
                    s.spawn(move || {
                        let result = pool.write(|c| {
                            c.execute("INSERT INTO t (n) VALUES ($1)", &[V::Int(n)])?;
                            // Every fifth writer changes its mind after writing.
                            if n % 5 == 0 {
                                return Err(Error::Invalid(format!("{n} refused")));
                            }
                            // Every seventh reads what it wrote, inside its own transaction.
                            if n % 7 == 0 {
                                let rows = c.query("SELECT n FROM t WHERE n = $1", &[V::Int(n)])?;
                                assert_eq!(rows.len(), 1);
                            }
                            Ok(())
                        });
                        (n, result.is_ok())
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let stored: Vec<i64> = pool
            .with(|c| c.query("SELECT n FROM t ORDER BY n", &[]))
            .unwrap()
            .iter()
            .map(|r| r.int("n").unwrap())
            .collect();
        let ok: Vec<i64> = outcomes
            .iter()
            .filter(|(_, ok)| *ok)
            .map(|(n, _)| *n)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(stored, ok, "exactly the writes that returned Ok are stored");
        assert_eq!(ok.len(), 64 - 13, "the 13 refusals (multiples of 5) alone failed");

        // A writer that panics: its group is rolled back, and writing goes on afterwards.
        let panicked = std::thread::spawn({
            let pool = pool.clone();
            move || {
                pool.write(|c| -> Result<(), Error> {
                    c.execute("INSERT INTO t (n) VALUES (1000)", &[])?;
                    panic!("a bug in a writer");
                })
            }
        })
        .join();
        assert!(panicked.is_err());
        pool.write(|c| c.execute("INSERT INTO t (n) VALUES (1001)", &[]))
            .unwrap();
        let rows = pool.with(|c| c.query("SELECT n FROM t WHERE n >= 1000", &[])).unwrap();
        assert_eq!(
            rows.len(),
            1,
            "the panicking writer's row is not stored; the next one is"
        );
        let idle = pool.inner.idle.lock().unwrap();
        assert!(
            idle.1 <= pool.inner.size && idle.0.len() == idle.1,
            "every connection came back: {} of {}",
            idle.0.len(),
            idle.1
        );
    }

    #[test]
    fn sslmode_is_honoured_and_remote_hosts_default_to_verified_tls() {
        let tls = |url: &str| postgres_tls(url).unwrap();
        assert_eq!(
            tls("postgres://u:p@127.0.0.1:5432/db"),
            ("postgres://u:p@127.0.0.1:5432/db".into(), PgTls::Off)
        );
        assert_eq!(tls("postgres://u:p@localhost/db?sslmode=prefer").1, PgTls::Off);
        assert_eq!(
            tls("postgres://u:p@db.example.co.jp/taiwa").1,
            PgTls::Verified { root_cert: None },
            "a remote database is never reached in the clear by default"
        );
        assert_eq!(
            tls("postgres://u:p@db.example.co.jp/taiwa?sslmode=disable&connect_timeout=5"),
            (
                "postgres://u:p@db.example.co.jp/taiwa?connect_timeout=5".into(),
                PgTls::Off
            )
        );
        assert_eq!(
            tls("postgres://u:p@127.0.0.1/db?sslmode=require&sslrootcert=/etc/taiwa/ca.pem"),
            (
                "postgres://u:p@127.0.0.1/db".into(),
                PgTls::Verified {
                    root_cert: Some("/etc/taiwa/ca.pem".into())
                }
            )
        );
        // The host the driver connects to decides, wherever the URL names it.
        for remote in [
            "postgres://u:p@localhost/db?host=db.example.co.jp",
            "postgres://u:p@localhost,db.example.co.jp/db",
            "postgres://u:p@localhost/db?hostaddr=192.0.2.10",
            "postgres://u:p@127.0.0.1/db?host=localhost,db.example.co.jp",
        ] {
            assert_eq!(tls(remote).1, PgTls::Verified { root_cert: None }, "{remote}");
        }
        assert_eq!(tls("postgres://u:p@localhost/db?hostaddr=127.0.0.1").1, PgTls::Off);
        assert_eq!(
            tls("postgres://u:p@/db?host=/run/postgresql").1,
            PgTls::Off,
            "a Unix socket"
        );
        let err = postgres_tls("postgres://h/db?sslmode=sometimes")
            .unwrap_err()
            .to_string();
        assert!(err.contains("sslmode=sometimes"), "{err}");
    }

    /// A pool over a fresh SQLite file with one table: a row of values, a row of NULLs.
    fn sqlite_pool(dir: &tempfile::TempDir) -> Pool {
        let pool = Pool::open(&format!("sqlite://{}", dir.path().join("rows.db").display())).unwrap();
        pool.write(|c| {
            c.batch("CREATE TABLE t (id BIGINT NOT NULL, name TEXT, n BIGINT)")?;
            c.execute(
                "INSERT INTO t (id, name, n) VALUES ($1, $2, $3), ($4, $5, $6)",
                &[
                    V::Int(1),
                    V::from("one"),
                    V::Int(10),
                    V::Int(2),
                    V::NullText,
                    V::NullInt,
                ],
            )
        })
        .unwrap();
        pool
    }

    fn rows(pool: &Pool, sql: &str) -> Vec<Row> {
        pool.with(|c| c.query(sql, &[])).unwrap()
    }

    /// The message of a row error; any other result fails the test.
    fn row_error<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
        match result {
            Err(Error::Row(message)) => message,
            other => panic!("expected a row error, got {other:?}"),
        }
    }

    #[test]
    fn rows_are_read_by_column_name_and_alias() {
        let dir = tempfile::tempdir().unwrap();
        let pool = sqlite_pool(&dir);
        let rows = rows(
            &pool,
            "SELECT t.id, name, CAST(n * 2 AS BIGINT) AS doubled, n AS also_n, 'x' || name AS label
             FROM t ORDER BY id",
        );
        assert_eq!(rows[0].columns(), ["id", "name", "doubled", "also_n", "label"]);
        let first = &rows[0];
        assert_eq!(
            first.int("id").unwrap(),
            1,
            "a table-qualified column is named by itself"
        );
        assert_eq!(first.int("doubled").unwrap(), 20);
        assert_eq!(first.int("also_n").unwrap(), 10);
        assert_eq!(first.text("name").unwrap(), "one");
        assert_eq!(first.text("label").unwrap(), "xone");
        assert_eq!(first.opt_int("doubled").unwrap(), Some(20));
        assert_eq!(first.opt_text("name").unwrap(), Some("one".to_owned()));
        // Names are matched as PostgreSQL folds them: without regard to ASCII case.
        assert_eq!(first.int("DOUBLED").unwrap(), 20);
        let second = &rows[1];
        assert_eq!(second.int("id").unwrap(), 2);
        assert_eq!(second.opt_int("doubled").unwrap(), None, "NULL is None");
        assert_eq!(second.opt_text("name").unwrap(), None);
        assert_eq!(second.opt_text("label").unwrap(), None);
    }

    #[test]
    fn a_column_missing_null_or_of_another_type_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let pool = sqlite_pool(&dir);
        let rows = rows(&pool, "SELECT id, name, n AS amount FROM t ORDER BY id");
        let (first, second) = (&rows[0], &rows[1]);

        let null = row_error(second.int("amount"));
        assert_eq!(null, "column `amount`: expected a number, found NULL");
        let null = row_error(second.text("name"));
        assert_eq!(null, "column `name`: expected text, found NULL");

        let missing = row_error(first.int("created_at"));
        assert_eq!(missing, "no column `created_at` in the row (columns: id, name, amount)");
        let missing = row_error(first.opt_text("n"));
        assert!(missing.contains("`n`"), "{missing}");
        row_error(first.opt_int("nothing"));
        row_error(first.text("nothing"));

        let text_as_int = row_error(first.int("name"));
        assert_eq!(text_as_int, "column `name`: expected a number, found text");
        row_error(first.opt_int("name"));
        let int_as_text = row_error(first.text("amount"));
        assert_eq!(int_as_text, "column `amount`: expected text, found a number");
        row_error(first.opt_text("id"));

        // The error says what is wrong with the row, in the words the logs get.
        let shown = Error::Row(null).to_string();
        assert_eq!(shown, "database row: column `name`: expected text, found NULL");
    }

    #[test]
    fn a_column_selected_twice_without_an_alias_cannot_be_read() {
        let dir = tempfile::tempdir().unwrap();
        let pool = sqlite_pool(&dir);
        let rows = rows(&pool, "SELECT id, n, n FROM t WHERE id = 1");
        let twice = row_error(rows[0].int("n"));
        assert!(twice.contains("`n`") && twice.contains("more than once"), "{twice}");
        let rows = self::rows(&pool, "SELECT id, n, n AS full_n FROM t WHERE id = 1");
        assert_eq!(rows[0].int("full_n").unwrap(), 10);
    }

    #[test]
    fn a_row_error_keeps_the_connection() {
        let dir = tempfile::tempdir().unwrap();
        let pool = sqlite_pool(&dir);
        let idle = || pool.inner.idle.lock().unwrap().0.len();
        let before = idle();
        let read = pool.with(|c| c.query("SELECT name FROM t WHERE id = 2", &[])?[0].text("name"));
        row_error(read);
        assert_eq!(idle(), before, "a row error is no broken connection");
    }

    #[test]
    fn placeholders_are_renumbered_for_sqlite() {
        assert_eq!(
            sqlite_placeholders("SELECT $1, $2 WHERE a = $10"),
            "SELECT ?1, ?2 WHERE a = ?10"
        );
        assert_eq!(sqlite_placeholders("SELECT '$' || x"), "SELECT '$' || x");
    }
}
