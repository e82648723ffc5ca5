//! The PostgreSQL store: for hosts that run InviteKit in several processes on
//! several machines against one database ([stores](crate::rules#stores)).
//!
//! Every read and write is the shared SQL layer's ([`super::sql`]); this
//! module holds the connections, the transactions and their retries, the
//! schema's migrations and how words are indexed and searched.
//!
//! - **Connections.** A pool ([`r2d2`]) of synchronous [`postgres`] clients,
//!   each with its own cache of prepared statements. Connections are opened
//!   when needed and kept while idle; one that the server closed is dropped
//!   and, when nothing was written on it, the operation runs again on another.
//!   TLS is not supported: `sslmode=require` is refused when the store opens.
//! - **Transactions.** Every [`Store::write`] is one `SERIALIZABLE`
//!   transaction, so the rules hold exactly as if the writers of every
//!   machine ran one after another (what the store contract asks). A
//!   transaction that loses a race (a serialization failure, a deadlock, or a
//!   key another writer took first) is rolled back and its closure runs again
//!   after a short random pause, on the state the winner left: the loser of
//!   two accepts of one token then answers `invitation_not_pending`, exactly
//!   as on the other stores. After [`MAX_ATTEMPTS`] lost races the answer is
//!   `conflict`, and nothing was written. Every [`Store::read`] is one
//!   `REPEATABLE READ READ ONLY` transaction: a consistent snapshot.
//! - **Schema.** Versioned in the table `invitekit_schema`; the migrations
//!   (`sql/postgres/*.sql`) this version knows are applied in order, in one transaction, when the store
//!   opens, under a transaction-scoped advisory lock so that two processes
//!   starting together migrate once. A database written by a newer InviteKit
//!   is refused (`storage`). The tables go in the first schema of the
//!   connection's `search_path` (`?options=-csearch_path%3Dmy_schema` in the
//!   URL chooses another).
//! - **Distribution.** Every table that belongs to an organization has
//!   `org_id` first in its primary key and its indexes, so the data can be
//!   distributed by organization (Citus, YugabyteDB, CockroachDB). Look-ups
//!   by a bare id (a member, a token) use a plain index on the id; uniqueness
//!   of ids is checked by the inserts, inside the serializable transaction,
//!   rather than by an index that would span organizations.
//! - **Search.** The words of each thread (title, freelancer name, messages),
//!   folded by [`crate::search::words`] exactly as the memory store folds
//!   them, are kept in `thread_words` under the byte-ordered `"C"` collation
//!   (a word longer than [`INDEXED_WORD_CHARS`] characters is kept cut to that
//!   length there, and whole in `thread_long_words`). A term is a range seek
//!   (`word >= term AND word < next`) in the index `(org_id, thread_id, word)`
//!   while walking the member's threads newest first, or in
//!   `(org_id, word, thread_id)` when the planner finds that cheaper: prefix
//!   matching on an index, as a GIN index of lexemes would do it, but with
//!   `org_id` first and the same folding as every other store.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use postgres::config::SslMode;
use postgres::error::SqlState;
use postgres::types::{FromSql, ToSql, Type};
use postgres::{Client, Config, NoTls, Row, Statement};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use super::sql::{self, Backend, Binds, SqlRow, SqlTx, Value};
use super::{ReadTx, Store, WriteTx};
use crate::error::{Error, Result, quote, sanitize};
use crate::ids::{MemberId, OrgId, ThreadId};
use crate::model::{Member, Thread, ThreadCursor};
use crate::policy::{Permission, PermissionSet};
use crate::search::{member_index_words, words};

/// How many times a write runs before a lost race is answered `conflict`.
pub const MAX_ATTEMPTS: u32 = 30;
/// Words longer than this (in characters) are indexed by their first
/// `INDEXED_WORD_CHARS` characters, and kept whole beside the index.
pub const INDEXED_WORD_CHARS: usize = 64;
/// Connections a store keeps at most, unless told otherwise.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 10;
/// How long opening a connection may take, unless the URL says otherwise.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an operation waits for a free (or new) connection.
const POOL_TIMEOUT: Duration = Duration::from_secs(15);
/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 256;
/// The longest pause between two attempts of a write that lost a race.
const MAX_BACKOFF_MS: u64 = 50;
/// The advisory lock that serializes migrations ("invitekit" in ASCII, cut to 8 bytes).
const MIGRATION_LOCK: i64 = 0x696e_7669_7465_6b69;

/// The schema, one migration per version: version `n` is reached by applying
/// the first `n` in order. Never edit a released migration; add a new one.
const MIGRATIONS: &[&str] = &[
    include_str!("sql/postgres/0001_initial.sql"),
    include_str!("sql/postgres/0002_invitation_teams_metadata_redirect.sql"),
    include_str!("sql/postgres/0003_join_requests_and_domains.sql"),
];

/// The PostgreSQL [`Store`]: a pool of connections to one database, shared
/// by every thread of the process (and by every other process and machine
/// that opens the same database).
///
/// Open it with [`PostgresStore::open`] or through
/// [`store::open`](crate::store::open) with a `postgres://` or
/// `postgresql://` URL:
///
/// ```no_run
/// use invitekit::{InviteKit, PostgresStore};
/// let kit = InviteKit::new(PostgresStore::open("postgres://invitekit:secret@db.internal/invitekit")?);
/// let org = kit.create_organization("Acme Corp", "acme", "https://acme.example.com", &["acme.com"])?;
/// # let _ = org;
/// # Ok::<(), invitekit::Error>(())
/// ```
///
/// Its `Debug` output shows the URL with its password hidden.
pub struct PostgresStore {
    pool: r2d2::Pool<Manager>,
    /// The URL, password hidden, for messages.
    shown: String,
    /// The password, to keep it out of the server's messages. Never shown.
    password: Option<Vec<u8>>,
    stats: Stats,
}

/// Counts of write transactions, for [`PostgresStore::write_transactions`]
/// and [`PostgresStore::write_retries`].
#[derive(Default)]
struct Stats {
    writes: AtomicU64,
    retries: AtomicU64,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("url", &self.shown)
            .field("max_connections", &self.pool.max_size())
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// The schema version this InviteKit writes.
    pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

    /// Connects to the database `url` names (`postgres://USER:PASSWORD@HOST:PORT/DATABASE?...`,
    /// any parameter the `postgres` crate knows) and applies the schema
    /// migrations it lacks, with a pool of at most
    /// 10 connections.
    ///
    /// A URL that does not parse, names no host or asks for TLS is
    /// `invalid_input`; a server that cannot be reached or refuses the login
    /// is `storage`, with the reason; so is a database written by a newer
    /// InviteKit. No message ever contains the password.
    ///
    /// # Examples
    /// ```
    /// use invitekit::PostgresStore;
    /// let err = PostgresStore::open("postgres://ann:hunter22@127.0.0.1:1/acme").unwrap_err();
    /// assert_eq!(err.code(), "storage");
    /// assert!(!err.to_string().contains("hunter22"));
    /// assert_eq!(PostgresStore::open("postgres://ann@[::1/acme").unwrap_err().code(), "invalid_input");
    /// ```
    pub fn open(url: &str) -> Result<PostgresStore> {
        PostgresStore::open_with_max_connections(url, DEFAULT_MAX_CONNECTIONS)
    }

    /// [`open`](Self::open), keeping at most `max_connections` (at least 1)
    /// connections. Each thread running an operation uses one, so a host
    /// with many threads may want more; the server's `max_connections`
    /// bounds the sum over every process.
    pub fn open_with_max_connections(url: &str, max_connections: u32) -> Result<PostgresStore> {
        if max_connections == 0 {
            return Err(Error::invalid("`max_connections` must be at least 1"));
        }
        let shown = quote(&redact(url));
        let mut config: Config = url.parse().map_err(|e: postgres::Error| {
            Error::invalid(format!("`{shown}` is not a valid postgres url: {}", scrub(&e.to_string(), None)))
        })?;
        if config.get_hosts().is_empty() && config.get_hostaddrs().is_empty() {
            return Err(Error::invalid(format!("the postgres url `{shown}` names no host")));
        }
        if config.get_ssl_mode() == SslMode::Require {
            return Err(Error::invalid(format!(
                "the postgres url `{shown}` asks for TLS (`sslmode=require`), which this store does not support"
            )));
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("invitekit");
        }
        let password = config.get_password().map(<[u8]>::to_vec);
        let manager = Manager { config };
        let cannot = |e: &dyn fmt::Display| {
            Error::Storage(format!("cannot connect to the postgres database `{shown}`: {}", manager.scrub(e)))
        };
        let mut first = r2d2::ManageConnection::connect(&manager).map_err(|e| cannot(&e))?;
        migrate(&mut first).map_err(|e| match e {
            Error::Storage(reason) => {
                Error::Storage(format!("postgres database `{shown}`: {}", manager.scrub(&reason)))
            }
            other => other,
        })?;
        drop(first);
        let pool = r2d2::Pool::builder()
            .max_size(max_connections)
            .min_idle(Some(0))
            .connection_timeout(POOL_TIMEOUT)
            // A dead connection shows itself on first use, and the operation
            // then runs again on another: no round trip spent on a check.
            .test_on_check_out(false)
            .error_handler(Box::new(r2d2::NopErrorHandler))
            .build_unchecked(manager);
        Ok(PostgresStore { pool, shown, password, stats: Stats::default() })
    }

    fn checkout(&self) -> Result<r2d2::PooledConnection<Manager>> {
        self.pool.get().map_err(|e| {
            Error::Storage(format!(
                "cannot connect to the postgres database `{}`: {}",
                self.shown,
                scrub(&e.to_string(), self.password.as_deref())
            ))
        })
    }

    /// How many write transactions were started since the store was opened,
    /// each attempt of a write that ran again counted.
    pub fn write_transactions(&self) -> u64 {
        self.stats.writes.load(Ordering::Relaxed)
    }

    /// How many write transactions were run again after losing a race
    /// (a serialization failure, a deadlock or a key another writer took
    /// first) since the store was opened: with
    /// [`write_transactions`](Self::write_transactions), the share of
    /// contended writes.
    pub fn write_retries(&self) -> u64 {
        self.stats.retries.load(Ordering::Relaxed)
    }

    /// How many connections one write may go through before giving up on
    /// connections the server has closed: one more than the pool holds.
    fn connection_tries(&self) -> u32 {
        self.pool.max_size().saturating_add(1)
    }
}

/// Brings the schema to [`PostgresStore::SCHEMA_VERSION`], in one transaction.
fn migrate(conn: &mut Conn) -> Result<()> {
    let client = &mut conn.client;
    let fail = |e: postgres::Error| Error::Storage(format!("cannot migrate the schema: {e}"));
    let mut tx = client.transaction().map_err(fail)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).map_err(fail)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS invitekit_schema (\
             singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), \
             version integer NOT NULL)",
    )
    .map_err(fail)?;
    let version: i32 = match tx.query_opt("SELECT version FROM invitekit_schema", &[]).map_err(fail)? {
        Some(row) => row.try_get(0).map_err(fail)?,
        None => 0,
    };
    let pending = sql::migrations_after(i64::from(version), MIGRATIONS)?;
    for migration in pending {
        tx.batch_execute(migration).map_err(fail)?;
    }
    if !pending.is_empty() {
        let target = i32::try_from(MIGRATIONS.len()).map_err(|_| Error::Storage("too many migrations".into()))?;
        tx.execute(
            "INSERT INTO invitekit_schema (singleton, version) VALUES (true, $1) \
             ON CONFLICT (singleton) DO UPDATE SET version = excluded.version",
            &[&target],
        )
        .map_err(fail)?;
    }
    tx.commit().map_err(fail)
}

// ---------------------------------------------------------------------------
// Secrets out of messages
// ---------------------------------------------------------------------------

/// `url` with its password, wherever it is given, replaced by `***`.
fn redact(url: &str) -> String {
    let mut out = url.to_owned();
    // postgres://user:password@host/...: the user information ends at the
    // last `@` before the query (a password may hold a raw `/` or `@`).
    if let Some(start) = out.find("://").map(|i| i + 3) {
        let end = out[start..].find('?').map_or(out.len(), |i| start + i);
        if let Some(at) = out[start..end].rfind('@').map(|i| start + i)
            && let Some(colon) = out[start..at].find(':').map(|i| start + i)
        {
            out.replace_range(colon + 1..at, "***");
        }
    }
    // ...?password=... and `password=...` in a key=value string.
    let mut from = 0;
    while let Some(found) = out[from..].find("password=").map(|i| from + i) {
        let value = found + "password=".len();
        let rest = &out[value..];
        let len = if let Some(quoted) = rest.strip_prefix('\'') {
            quoted.find('\'').map_or(rest.len(), |i| i + 2)
        } else {
            rest.find(|c: char| c == '&' || c.is_whitespace()).unwrap_or(rest.len())
        };
        out.replace_range(value..value + len, "***");
        from = value + 3;
    }
    out
}

/// `message` without `password` in it.
fn scrub(message: &str, password: Option<&[u8]>) -> String {
    match password.and_then(|p| std::str::from_utf8(p).ok()).filter(|p| !p.is_empty()) {
        Some(p) => message.replace(p, "***"),
        None => message.to_owned(),
    }
}

// ---------------------------------------------------------------------------
// Connections
// ---------------------------------------------------------------------------

/// A connection and its prepared statements.
struct Conn {
    client: Client,
    statements: HashMap<String, Statement>,
    /// Set when the connection's state is unknown (a rollback failed): the
    /// pool then drops it rather than hand it out again.
    broken: bool,
}

impl Conn {
    fn statement(&mut self, sql: &str) -> std::result::Result<Statement, postgres::Error> {
        if let Some(st) = self.statements.get(sql) {
            return Ok(st.clone());
        }
        let st = self.client.prepare(&dollar_placeholders(sql))?;
        if self.statements.len() >= STATEMENT_CACHE {
            // Queries built at run time (search) could fill it; start over.
            self.statements.clear();
        }
        self.statements.insert(sql.to_owned(), st.clone());
        Ok(st)
    }
}

/// Opens connections for the pool.
struct Manager {
    config: Config,
}

impl Manager {
    fn scrub(&self, e: &dyn fmt::Display) -> String {
        scrub(&e.to_string(), self.config.get_password())
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = Conn;
    type Error = postgres::Error;

    fn connect(&self) -> std::result::Result<Conn, postgres::Error> {
        let client = self.config.connect(NoTls)?;
        Ok(Conn { client, statements: HashMap::new(), broken: false })
    }

    fn is_valid(&self, conn: &mut Conn) -> std::result::Result<(), postgres::Error> {
        conn.client.simple_query("").map(drop)
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        conn.broken || conn.client.is_closed()
    }
}

// ---------------------------------------------------------------------------
// Transactions and retries
// ---------------------------------------------------------------------------

/// Why a statement failed, which decides what happens to the transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    /// Lost a race with another transaction: run it again.
    Race,
    /// The connection is gone: nothing was committed; run it again elsewhere.
    Closed,
    /// Anything else: the operation fails.
    Other,
}

/// What a failed statement means; `closed` tells whether the connection
/// is gone since.
fn classify(e: &postgres::Error, closed: bool) -> Failure {
    match e.code() {
        Some(c)
            if *c == SqlState::T_R_SERIALIZATION_FAILURE
                || *c == SqlState::T_R_DEADLOCK_DETECTED
                || *c == SqlState::UNIQUE_VIOLATION =>
        {
            Failure::Race
        }
        // The server ended the session (an administrator, a restart, a
        // fail-over) or the connection broke: nothing of the transaction stays.
        Some(c)
            if *c == SqlState::ADMIN_SHUTDOWN
                || *c == SqlState::CRASH_SHUTDOWN
                || *c == SqlState::CANNOT_CONNECT_NOW
                || c.code().starts_with("08") =>
        {
            Failure::Closed
        }
        _ if closed || e.is_closed() => Failure::Closed,
        _ => Failure::Other,
    }
}

fn sql_error(e: &postgres::Error, failure: Failure) -> Error {
    match failure {
        Failure::Race => Error::Conflict("another writer changed the same data at the same time".into()),
        // A server message may quote a stored value over several lines (`DETAIL: Key (...)=(...)`).
        Failure::Closed | Failure::Other => Error::Storage(format!("postgres: {}", sanitize(&e.to_string(), 1000))),
    }
}

/// What one attempt at a transaction came to.
enum Attempt<T> {
    Done(Result<T>),
    Again(Failure, Error),
}

/// A random pause of up to `2^attempt` ms (at most [`MAX_BACKOFF_MS`]), so
/// that writers that collided do not collide again in step.
fn backoff(attempt: u32) {
    let cap = (1u64 << attempt.min(16)).min(MAX_BACKOFF_MS);
    let random = std::collections::hash_map::RandomState::new().build_hasher().finish();
    std::thread::sleep(Duration::from_micros(random % (cap * 1000 + 1)));
}

/// Reads and writes on a connection inside an open transaction. Rolls the
/// transaction back when dropped unless it was committed, also when the
/// closure panics.
struct Tx<'c> {
    conn: RefCell<&'c mut Conn>,
    /// The first statement that failed: the server has aborted the
    /// transaction, so it must not be committed, whatever the closure says.
    failed: RefCell<Option<(Failure, Error)>>,
    open: Cell<bool>,
}

impl<'c> Tx<'c> {
    fn begin(conn: &'c mut Conn, sql: &str) -> std::result::Result<Tx<'c>, (Failure, Error)> {
        if let Err(e) = conn.client.batch_execute(sql) {
            let failure = classify(&e, conn.client.is_closed());
            return Err((failure, sql_error(&e, failure)));
        }
        Ok(Tx { conn: RefCell::new(conn), failed: RefCell::new(None), open: Cell::new(true) })
    }

    fn commit(self) -> std::result::Result<(), (Failure, Error)> {
        self.open.set(false);
        let mut conn = self.conn.borrow_mut();
        let committed = conn.client.batch_execute("COMMIT");
        let closed = conn.client.is_closed();
        committed.map_err(|e| {
            let failure = classify(&e, closed);
            // Whether a commit that lost its connection went through is
            // unknown: that is never run again.
            let failure = if failure == Failure::Closed { Failure::Other } else { failure };
            (failure, sql_error(&e, failure))
        })
    }

    fn fail(&self, e: &postgres::Error) -> Error {
        let closed = self.conn.borrow().client.is_closed();
        let failure = classify(e, closed);
        let err = sql_error(e, failure);
        let mut failed = self.failed.borrow_mut();
        if failed.is_none() {
            *failed = Some((failure, err.clone()));
        }
        err
    }

    /// What the closure's outcome comes to, given what the statements did.
    fn finish<T>(self, out: Result<T>) -> Attempt<T> {
        let failed = self.failed.borrow_mut().take();
        match (failed, out) {
            (Some((failure @ (Failure::Race | Failure::Closed), err)), _) => Attempt::Again(failure, err),
            (Some((Failure::Other, _)), Err(e)) | (None, Err(e)) => Attempt::Done(Err(e)),
            (Some((Failure::Other, err)), Ok(_)) => Attempt::Done(Err(err)),
            (None, Ok(v)) => match self.commit() {
                Ok(()) => Attempt::Done(Ok(v)),
                Err((failure @ Failure::Race, err)) => Attempt::Again(failure, err),
                Err((_, err)) => Attempt::Done(Err(err)),
            },
        }
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if self.open.get() {
            let conn = self.conn.get_mut();
            if conn.client.batch_execute("ROLLBACK").is_err() {
                conn.broken = true;
            }
        }
    }
}

impl Store for PostgresStore {
    fn read<T>(&self, f: impl FnOnce(&dyn ReadTx) -> Result<T>) -> Result<T> {
        // The closure runs once: only a connection found closed before it
        // ran is replaced.
        let mut tries = 0;
        loop {
            let mut conn = self.checkout()?;
            match Tx::begin(&mut conn, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY") {
                Ok(tx) => {
                    let out = f(&SqlTx(&tx));
                    return match tx.finish(out) {
                        Attempt::Done(r) => r,
                        Attempt::Again(_, err) => Err(err),
                    };
                }
                Err((Failure::Closed, err)) => {
                    tries += 1;
                    if tries >= self.connection_tries() {
                        return Err(err);
                    }
                }
                Err((_, err)) => return Err(err),
            }
        }
    }

    fn write<T>(&self, mut f: impl FnMut(&mut dyn WriteTx) -> Result<T>) -> Result<T> {
        let (mut races, mut closed) = (0, 0);
        loop {
            let mut conn = self.checkout()?;
            self.stats.writes.fetch_add(1, Ordering::Relaxed);
            let attempt = match Tx::begin(&mut conn, "BEGIN ISOLATION LEVEL SERIALIZABLE") {
                Ok(tx) => {
                    let out = f(&mut SqlTx(&tx));
                    tx.finish(out)
                }
                Err((failure, err)) => Attempt::Again(failure, err),
            };
            drop(conn);
            match attempt {
                Attempt::Done(r) => return r,
                Attempt::Again(Failure::Race, err) => {
                    races += 1;
                    if races >= MAX_ATTEMPTS {
                        return Err(Error::Conflict(format!("gave up after {races} attempts: {err}")));
                    }
                    self.stats.retries.fetch_add(1, Ordering::Relaxed);
                    backoff(races);
                }
                Attempt::Again(Failure::Closed, err) => {
                    closed += 1;
                    if closed >= self.connection_tries() {
                        return Err(err);
                    }
                }
                Attempt::Again(Failure::Other, err) => return Err(err),
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The backend of the shared SQL layer
// ---------------------------------------------------------------------------

/// `sql` with its numbered placeholders `?N` written as PostgreSQL's `$N`.
fn dollar_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

/// A parameter as the `postgres` crate binds it.
fn param<'a>(v: &Value<'a>) -> Box<dyn ToSql + Sync + 'a> {
    match *v {
        Value::Id(u) => Box::new(u),
        Value::Int(n) => Box::new(n),
        Value::Int32(n) => Box::new(n),
        Value::Int16(n) => Box::new(n),
        Value::Text(s) => Box::new(s),
        Value::Bytes(b) => Box::new(b),
        Value::Bool(b) => Box::new(b),
    }
}

impl Tx<'_> {
    fn run<T>(
        &self,
        sql: &str,
        params: &[Value<'_>],
        f: impl FnOnce(&mut Client, &Statement, &[&(dyn ToSql + Sync)]) -> std::result::Result<T, postgres::Error>,
    ) -> Result<T> {
        let boxed: Vec<Box<dyn ToSql + Sync + '_>> = params.iter().map(param).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = boxed.iter().map(|b| &**b as &(dyn ToSql + Sync)).collect();
        let mut conn = self.conn.borrow_mut();
        let out = conn.statement(sql).and_then(|st| f(&mut conn.client, &st, &refs));
        drop(conn);
        out.map_err(|e| self.fail(&e))
    }
}

/// A `postgres` row, read by column name.
struct PgRow<'r>(&'r Row);

impl PgRow<'_> {
    fn get<'a, T: FromSql<'a>>(&'a self, col: &str) -> Result<T> {
        self.0.try_get(col).map_err(|e| Error::Storage(format!("column `{col}`: {e}")))
    }
}

impl SqlRow for PgRow<'_> {
    fn uuid(&self, col: &str) -> Result<Option<Uuid>> {
        self.get(col)
    }

    fn int(&self, col: &str) -> Result<Option<i64>> {
        let ty = self.0.columns().iter().find(|c| c.name() == col).map(|c| c.type_().clone());
        match ty {
            Some(Type::INT2) => Ok(self.get::<Option<i16>>(col)?.map(i64::from)),
            Some(Type::INT4) => Ok(self.get::<Option<i32>>(col)?.map(i64::from)),
            _ => self.get(col),
        }
    }

    fn text(&self, col: &str) -> Result<Option<String>> {
        self.get(col)
    }

    fn bool(&self, col: &str) -> Result<bool> {
        self.get(col)
    }
}

/// The smallest text greater than every text that starts with `prefix`
/// under code-point order (the "C" collation on UTF-8): `prefix` with its
/// last character replaced by the next one. `None` when there is no such
/// text (every character is U+10FFFF).
fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match u32::from(last) + 1 {
            0xD800 => 0xE000,
            n => n,
        };
        if let Some(c) = char::from_u32(next) {
            chars.push(c);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// A word as `thread_words` keeps it: its first [`INDEXED_WORD_CHARS`] characters.
fn indexed(word: &str) -> &str {
    match word.char_indices().nth(INDEXED_WORD_CHARS) {
        Some((i, _)) => &word[..i],
        None => word,
    }
}

impl Backend for Tx<'_> {
    fn query(&self, sql: &str, params: &[Value<'_>], row: &mut dyn FnMut(&dyn SqlRow) -> Result<()>) -> Result<()> {
        for r in self.run(sql, params, |client, st, p| client.query(st, p))? {
            row(&PgRow(&r))?;
        }
        Ok(())
    }

    fn exec(&self, sql: &str, params: &[Value<'_>]) -> Result<u64> {
        self.run(sql, params, |client, st, p| client.execute(st, p))
    }

    fn index_hints(&self) -> bool {
        false
    }

    fn index_member(&self, m: &Member, add: bool) -> Result<()> {
        let sql = if add {
            "INSERT INTO member_words (org_id, word, member_id) SELECT $1, w, $3 FROM unnest($2::text[]) AS w \
             ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM member_words WHERE org_id = $1 AND member_id = $3 AND word = ANY($2::text[])"
        };
        let words = member_index_words(&m.name, &m.email);
        let mut conn = self.conn.borrow_mut();
        let out = conn
            .statement(sql)
            .and_then(|st| conn.client.execute(&st, &[&m.org_id.as_uuid(), &words, &m.id.as_uuid()]));
        drop(conn);
        out.map(drop).map_err(|e| self.fail(&e))
    }

    fn index_thread(&self, org: OrgId, thread: ThreadId, texts: &[&str]) -> Result<()> {
        let all: BTreeSet<String> = texts.iter().flat_map(|t| words(t)).collect();
        if all.is_empty() {
            return Ok(());
        }
        let short: BTreeSet<&str> = all.iter().map(|w| indexed(w)).collect();
        let short: Vec<&str> = short.into_iter().collect();
        let long: Vec<&String> = all.iter().filter(|w| indexed(w).len() < w.len()).collect();
        let hashes: Vec<Vec<u8>> = long.iter().map(|w| Sha256::digest(w.as_bytes()).to_vec()).collect();
        let (org, thread) = (org.as_uuid(), thread.as_uuid());
        let mut conn = self.conn.borrow_mut();
        let out = conn
            .statement(
                "INSERT INTO thread_words (org_id, thread_id, word) SELECT $1, $2, w FROM unnest($3::text[]) AS w \
                 ON CONFLICT DO NOTHING",
            )
            .and_then(|st| conn.client.execute(&st, &[&org, &thread, &short]))
            .and_then(|_| {
                if long.is_empty() {
                    return Ok(0);
                }
                let st = conn.statement(
                    "INSERT INTO thread_long_words (org_id, thread_id, hash, word) \
                     SELECT $1, $2, h, w FROM unnest($3::bytea[], $4::text[]) AS u (h, w) ON CONFLICT DO NOTHING",
                )?;
                conn.client.execute(&st, &[&org, &thread, &hashes, &long])
            });
        drop(conn);
        out.map(drop).map_err(|e| self.fail(&e))
    }

    fn members_with_word(&self, org: OrgId, prefix: &str) -> Result<Vec<Member>> {
        let cols = sql::MEMBER_COLS;
        match prefix_end(prefix) {
            Some(end) => sql::all(
                self,
                &format!(
                    "SELECT {cols} FROM members WHERE org_id = ?1 AND id IN \
                     (SELECT member_id FROM member_words WHERE org_id = ?1 AND word >= ?2 AND word < ?3) ORDER BY id"
                ),
                &[sql::id(org), sql::text(prefix), sql::text(&end)],
                sql::member,
            ),
            None => sql::all(
                self,
                &format!(
                    "SELECT {cols} FROM members WHERE org_id = ?1 AND id IN \
                     (SELECT member_id FROM member_words WHERE org_id = ?1 AND word >= ?2 AND starts_with(word, ?2)) \
                     ORDER BY id"
                ),
                &[sql::id(org), sql::text(prefix)],
                sql::member,
            ),
        }
    }

    fn search_threads(
        &self,
        member: MemberId,
        terms: &[String],
        after: Option<&ThreadCursor>,
        limit: usize,
    ) -> Result<Vec<Thread>> {
        // The member's threads newest first (one index range), each term a
        // range seek in the thread's words.
        let ends: Vec<Option<String>> = terms.iter().map(|t| prefix_end(t)).collect();
        let mut b = Binds::default();
        let member_p = b.bind(sql::id(member));
        let read_p = b.bind(sql::perms(PermissionSet::from(Permission::Read)));
        let cols = sql::THREAD_COLS;
        let mut sql = format!(
            "SELECT {cols} FROM participants p JOIN threads t ON t.org_id = p.org_id AND t.id = p.thread_id \
             WHERE p.org_id = (SELECT org_id FROM members WHERE id = {member_p}) AND p.member_id = {member_p} \
             AND (p.permissions & {read_p}) <> 0"
        );
        for (term, end) in terms.iter().zip(&ends) {
            let from = b.bind(sql::text(term));
            let cond = if indexed(term).len() < term.len() {
                // Only a word longer than the indexed length can start with it.
                format!(
                    "EXISTS (SELECT 1 FROM thread_long_words l WHERE l.org_id = p.org_id \
                     AND l.thread_id = p.thread_id AND starts_with(l.word, {from}))"
                )
            } else {
                let to = match end {
                    Some(end) => format!("w.word < {}", b.bind(sql::text(end))),
                    None => format!("starts_with(w.word, {from})"),
                };
                format!(
                    "EXISTS (SELECT 1 FROM thread_words w WHERE w.org_id = p.org_id \
                     AND w.thread_id = p.thread_id AND w.word >= {from} AND {to})"
                )
            };
            sql.push_str(" AND ");
            sql.push_str(&cond);
        }
        sql::thread_page(self, sql, b, after, limit)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
    use std::sync::{Arc, Barrier};

    use super::*;
    use crate::clock::ManualClock;
    use crate::model::{EventKind, NewEvent, Organization, Participant};

    #[test]
    fn passwords_are_redacted_wherever_the_url_has_them() {
        assert_eq!(redact("postgres://ann:hunter22@db:5432/acme"), "postgres://ann:***@db:5432/acme");
        assert_eq!(redact("postgres://ann@db/acme"), "postgres://ann@db/acme");
        assert_eq!(redact("postgresql://ann:p/w@d@db/acme?x=1"), "postgresql://ann:***@db/acme?x=1");
        assert_eq!(
            redact("postgres://db/acme?user=ann&password=hunter22&x=1"),
            "postgres://db/acme?user=ann&password=***&x=1"
        );
        assert_eq!(redact("host=db password='a b' user=ann"), "host=db password=*** user=ann");
        assert_eq!(redact("host=db password=hunter22"), "host=db password=***");
        assert_eq!(scrub("no hunter22 here", Some(b"hunter22")), "no *** here");
        assert_eq!(scrub("untouched", Some(b"")), "untouched");
    }

    #[test]
    fn prefix_ranges_cover_exactly_the_words_with_the_prefix() {
        assert_eq!(prefix_end("jo").as_deref(), Some("jp"));
        assert_eq!(prefix_end("é").as_deref(), Some("ê"));
        assert_eq!(prefix_end("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
        assert_eq!(prefix_end("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_end("\u{10FFFF}"), None);
        assert_eq!(prefix_end(""), None);
        let end = prefix_end("jo").unwrap();
        for w in ["jo", "jose", "jo\u{10FFFF}"] {
            assert!(w >= "jo" && w < end.as_str(), "{w}");
        }
        assert_eq!(indexed("short"), "short");
        let long = "é".repeat(INDEXED_WORD_CHARS + 5);
        assert_eq!(indexed(&long).chars().count(), INDEXED_WORD_CHARS);
    }

    #[test]
    fn bad_urls_are_invalid_input_and_unreachable_servers_storage() {
        let code = |url: &str| PostgresStore::open(url).map(drop).map_err(|e| e.code());
        assert_eq!(code("postgres://ann@db:port/acme"), Err("invalid_input"));
        assert_eq!(code("postgres://"), Err("invalid_input"));
        assert_eq!(code("postgres://ann@127.0.0.1:1/acme?sslmode=require"), Err("invalid_input"));
        assert_eq!(code("postgres://ann@127.0.0.1:1/acme?nonsense=1"), Err("invalid_input"));
        assert_eq!(
            PostgresStore::open_with_max_connections("postgres://ann@127.0.0.1:1/acme", 0)
                .map(drop)
                .map_err(|e| e.code()),
            Err("invalid_input")
        );
        let err = PostgresStore::open("postgres://ann:hunter22@127.0.0.1:1/acme").map(drop).unwrap_err();
        assert_eq!(err.code(), "storage");
        let message = err.to_string();
        assert!(message.contains("postgres://ann:***@127.0.0.1:1/acme"), "{message}");
        assert!(!message.contains("hunter22") && !message.ends_with('.'), "{message}");
    }

    /// A store on a new schema of the test server, or `None` (skipped, with
    /// the reason printed) when `INVITEKIT_TEST_POSTGRES_URL` is unset; in
    /// CI that fails instead.
    fn test_store() -> Option<PostgresStore> {
        test_url().map(|url| PostgresStore::open(&url).unwrap())
    }

    fn test_url() -> Option<String> {
        static N: AtomicU64 = AtomicU64::new(0);
        let Some(server) = std::env::var("INVITEKIT_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty()) else {
            let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
            assert!(!ci, "CI is set but INVITEKIT_TEST_POSTGRES_URL is not: the PostgreSQL tests must run in CI");
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr(), "skipped: set INVITEKIT_TEST_POSTGRES_URL to run the PostgreSQL tests");
            return None;
        };
        let schema = format!("ikt_{}_u{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
        let mut admin = Client::connect(&server, NoTls).unwrap();
        admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")).unwrap();
        let sep = if server.contains('?') { '&' } else { '?' };
        Some(format!("{server}{sep}options=-csearch_path%3D{schema}"))
    }

    fn sample_org(slug: &str) -> Organization {
        Organization {
            id: OrgId::new(),
            name: "Acme".into(),
            slug: slug.into(),
            portal_url: "https://acme.example.com".into(),
            allowed_domains: vec![],
            settings: crate::model::OrgSettings::default(),
            created_at: ManualClock::START,
        }
    }

    fn event(org: OrgId) -> NewEvent {
        NewEvent {
            org_id: org,
            at: ManualClock::START,
            actor_id: None,
            kind: EventKind::MemberAdded,
            details: serde_json::json!({"n": 1}),
        }
    }

    #[test]
    fn a_statement_that_failed_is_never_committed_even_if_the_closure_goes_on() {
        let Some(store) = test_store() else { return };
        let org = sample_org("acme");
        store.write(|tx| tx.insert_org(&org)).unwrap();
        let stray = Participant {
            thread_id: ThreadId::new(),
            member_id: MemberId::new(),
            permissions: PermissionSet::from(Permission::Read),
            added_by: None,
            added_at: ManualClock::START,
        };
        let out = store.write(|tx| {
            tx.append_event(event(org.id))?;
            // A value PostgreSQL refuses (a NUL in text): the statement fails.
            let mut bad = sample_org("bad");
            bad.name = "a\0b".into();
            let _ignored = tx.insert_org(&bad);
            let _ignored = tx.insert_participant(&stray);
            Ok(())
        });
        assert_eq!(out.map_err(|e| e.code()), Err("storage"));
        assert!(store.read(|tx| tx.events(org.id, 0, 10)).unwrap().is_empty());
        // The connection is fine for the next operation.
        store.write(|tx| tx.append_event(event(org.id))).unwrap();
    }

    #[test]
    fn migrations_are_idempotent() {
        let Some(url) = test_url() else { return };
        for _ in 0..3 {
            let store = PostgresStore::open(&url).unwrap();
            let mut conn = store.checkout().unwrap();
            migrate(&mut conn).unwrap();
            let version: i32 = conn.client.query_one("SELECT version FROM invitekit_schema", &[]).unwrap().get(0);
            assert_eq!(version as u32, PostgresStore::SCHEMA_VERSION);
        }
    }

    /// Two writers that read the same rows and then write: one loses the
    /// race, runs again on the winner's state, and no update is lost.
    #[test]
    fn a_lost_race_runs_again_on_the_winners_state() {
        let Some(store) = test_store() else { return };
        let store = Arc::new(store);
        let org = sample_org("acme");
        store.write(|tx| tx.insert_org(&org)).unwrap();
        let barrier = Arc::new(Barrier::new(2));
        let attempts = Arc::new(AtomicUsize::new(0));
        let writers: Vec<_> = (0..2)
            .map(|_| {
                let (store, barrier, attempts, org) = (store.clone(), barrier.clone(), attempts.clone(), org.id);
                std::thread::spawn(move || {
                    store.write(|tx| {
                        let seen = tx.events(org, 0, 100)?.len();
                        if attempts.fetch_add(1, Ordering::SeqCst) < 2 {
                            // Both have read before either writes.
                            barrier.wait();
                        }
                        tx.append_event(event(org))?;
                        Ok(seen)
                    })
                })
            })
            .collect();
        let mut seen: Vec<usize> = writers.into_iter().map(|w| w.join().unwrap().unwrap()).collect();
        seen.sort_unstable();
        assert_eq!(seen, [0, 1], "the loser saw the winner's event");
        assert!(attempts.load(Ordering::SeqCst) >= 3, "the loser ran again");
        let seqs: Vec<u64> = store.read(|tx| tx.events(org.id, 0, 10)).unwrap().iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [1, 2]);
    }
}
