//! The PostgreSQL store: for hosts that run InviteKit in several processes on
//! several machines against one database ([stores](crate::rules#stores)).
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
//! - **Schema.** Versioned in the table `invitekit_schema`; the migrations this
//!   version knows are applied in order, in one transaction, when the store
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
use std::time::Duration;

use postgres::config::SslMode;
use postgres::error::SqlState;
use postgres::types::{FromSql, ToSql};
use postgres::{Client, Config, NoTls, Row, Statement};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use super::{ReadTx, SendKey, Store, WriteTx};
use crate::clock::Timestamp;
use crate::error::{Error, Result, quote, sanitize};
use crate::ids::{EmailId, InvitationId, MemberId, MessageId, OrgId, TeamId, ThreadId};
use crate::model::{Author, Message, Participant, Thread, ThreadCursor};
use crate::model::{Event, EventKind, NewEvent};
use crate::model::{Invitation, InvitationStatus, ThreadGrant};
use crate::model::{Member, MemberStatus, Organization, Team};
use crate::model::{OutboxStatus, OutgoingEmail};
use crate::policy::{Permission, PermissionSet};
use crate::search::{member_words, words};
use crate::templates::{EmailKind, TemplateSource};
use crate::token::TokenHash;

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
/// The buckets of the send log's counts.
const HOUR_MS: i64 = 3_600_000;
/// The advisory lock that serializes migrations ("invitekit" in ASCII, cut to 8 bytes).
const MIGRATION_LOCK: i64 = 0x696e_7669_7465_6b69;

/// The schema, one migration per version: version `n` is reached by applying
/// the first `n` in order. Never edit a released migration; append a new one.
const MIGRATIONS: &[&str] = &[
    // Version 1.
    r#"
CREATE TABLE orgs (
    id uuid NOT NULL PRIMARY KEY,
    slug text NOT NULL UNIQUE,
    name text NOT NULL,
    portal_url text NOT NULL,
    allowed_domains text NOT NULL,
    settings text NOT NULL,
    created_at bigint NOT NULL
);

CREATE TABLE members (
    org_id uuid NOT NULL REFERENCES orgs (id),
    id uuid NOT NULL,
    email text NOT NULL,
    email_key text NOT NULL,
    name text NOT NULL,
    role text NOT NULL,
    team_ids text NOT NULL,
    status text NOT NULL,
    joined_at bigint NOT NULL,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, email_key)
);
CREATE INDEX members_by_id ON members (id);

CREATE TABLE member_words (
    org_id uuid NOT NULL,
    word text COLLATE "C" NOT NULL,
    member_id uuid NOT NULL,
    PRIMARY KEY (org_id, word, member_id)
);

CREATE TABLE teams (
    org_id uuid NOT NULL REFERENCES orgs (id),
    id uuid NOT NULL,
    name text NOT NULL,
    name_key text NOT NULL,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, name_key)
);
CREATE INDEX teams_by_id ON teams (id);

CREATE TABLE invitations (
    org_id uuid NOT NULL REFERENCES orgs (id),
    id uuid NOT NULL,
    inviter_id uuid NOT NULL,
    email text NOT NULL,
    email_key text NOT NULL,
    message text,
    team_id uuid,
    role text NOT NULL,
    status text NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    sent_count integer NOT NULL,
    last_sent_at bigint NOT NULL,
    thread_grants text NOT NULL,
    delivered boolean NOT NULL,
    token_hash bytea NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, inviter_id) REFERENCES members (org_id, id),
    FOREIGN KEY (org_id, team_id) REFERENCES teams (org_id, id)
);
CREATE INDEX invitations_by_id ON invitations (id);
CREATE INDEX invitations_by_token ON invitations (token_hash);
CREATE INDEX invitations_by_email ON invitations (org_id, email_key, id);
CREATE INDEX invitations_by_inviter ON invitations (org_id, inviter_id, id);
CREATE INDEX invitations_pending ON invitations (org_id, expires_at) WHERE status = 'pending';
-- `invitations_for_email` looks across organizations.
CREATE INDEX invitations_pending_to ON invitations (email_key, id) WHERE status = 'pending';

-- The rate limits' send log (how many sends at each instant), and how many
-- sends each hour holds, so that a 24-hour window is counted from at most
-- one hour of rows and 48 counts.
CREATE TABLE send_log (
    org_id uuid NOT NULL,
    key text NOT NULL,
    at bigint NOT NULL,
    sends bigint NOT NULL,
    PRIMARY KEY (org_id, key, at)
);
CREATE TABLE send_hours (
    org_id uuid NOT NULL,
    key text NOT NULL,
    hour bigint NOT NULL,
    sends bigint NOT NULL,
    PRIMARY KEY (org_id, key, hour)
);

CREATE TABLE templates (
    org_id uuid NOT NULL REFERENCES orgs (id),
    kind text NOT NULL,
    subject text NOT NULL,
    text text NOT NULL,
    html text NOT NULL,
    PRIMARY KEY (org_id, kind)
);

CREATE TABLE emails (
    org_id uuid NOT NULL REFERENCES orgs (id),
    id uuid NOT NULL,
    kind text NOT NULL,
    invitation_id uuid,
    recipient text NOT NULL,
    subject text NOT NULL,
    text text NOT NULL,
    html text NOT NULL,
    created_at bigint NOT NULL,
    attempts integer NOT NULL,
    status text NOT NULL,
    next_attempt_at bigint NOT NULL,
    last_error text,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, invitation_id) REFERENCES invitations (org_id, id)
);
CREATE INDEX emails_by_id ON emails (id);
CREATE INDEX emails_by_invitation ON emails (org_id, invitation_id) WHERE invitation_id IS NOT NULL;
-- The outbox is polled across organizations.
CREATE INDEX emails_due ON emails (next_attempt_at, id) WHERE status = 'pending';

CREATE TABLE events (
    org_id uuid NOT NULL REFERENCES orgs (id),
    seq bigint NOT NULL,
    at bigint NOT NULL,
    actor_id uuid,
    kind text NOT NULL,
    details text NOT NULL,
    PRIMARY KEY (org_id, seq)
);

CREATE TABLE threads (
    org_id uuid NOT NULL REFERENCES orgs (id),
    id uuid NOT NULL,
    title text NOT NULL,
    freelancer_id text NOT NULL,
    freelancer_name text NOT NULL,
    created_by uuid NOT NULL,
    created_at bigint NOT NULL,
    last_activity_at bigint NOT NULL,
    PRIMARY KEY (org_id, id)
);
CREATE INDEX threads_by_id ON threads (id);

-- `seq` orders a thread's participants by when they were added;
-- `last_activity_at` is the thread's, copied so that a member's threads are
-- one index range, newest activity first.
CREATE TABLE participants (
    org_id uuid NOT NULL,
    thread_id uuid NOT NULL,
    member_id uuid NOT NULL,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    permissions smallint NOT NULL,
    added_by uuid,
    added_at bigint NOT NULL,
    last_activity_at bigint NOT NULL,
    PRIMARY KEY (org_id, thread_id, member_id),
    FOREIGN KEY (org_id, thread_id) REFERENCES threads (org_id, id),
    FOREIGN KEY (org_id, member_id) REFERENCES members (org_id, id)
);
CREATE INDEX participants_in_order ON participants (org_id, thread_id, seq);
CREATE INDEX participants_by_activity
    ON participants (org_id, member_id, last_activity_at DESC, thread_id DESC) INCLUDE (permissions);

CREATE TABLE messages (
    org_id uuid NOT NULL,
    thread_id uuid NOT NULL,
    id uuid NOT NULL,
    author_id uuid,
    body text NOT NULL,
    sent_at bigint NOT NULL,
    PRIMARY KEY (org_id, thread_id, id),
    FOREIGN KEY (org_id, thread_id) REFERENCES threads (org_id, id)
);

-- The distinct folded words of each thread, each cut to 64 characters; the
-- "C" collation orders them by code point, so a prefix is one range.
CREATE TABLE thread_words (
    org_id uuid NOT NULL,
    thread_id uuid NOT NULL,
    word text COLLATE "C" NOT NULL,
    PRIMARY KEY (org_id, thread_id, word)
);
CREATE INDEX thread_words_by_word ON thread_words (org_id, word, thread_id);

-- The words longer than 64 characters, whole, by their SHA-256.
CREATE TABLE thread_long_words (
    org_id uuid NOT NULL,
    thread_id uuid NOT NULL,
    hash bytea NOT NULL,
    word text NOT NULL,
    PRIMARY KEY (org_id, thread_id, hash)
);
"#,
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
    /// [`DEFAULT_MAX_CONNECTIONS`] connections.
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
        Ok(PostgresStore { pool, shown, password })
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
    let known = MIGRATIONS.len();
    let from = usize::try_from(version).ok().filter(|v| *v <= known).ok_or_else(|| {
        Error::Storage(format!(
            "the schema version {version} is newer than this version of InviteKit knows ({known}): upgrade InviteKit"
        ))
    })?;
    for migration in MIGRATIONS.iter().skip(from) {
        tx.batch_execute(migration).map_err(fail)?;
    }
    if from < known {
        let target = i32::try_from(known).map_err(|_| Error::Storage("too many migrations".into()))?;
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
        let st = self.client.prepare(sql)?;
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

    fn query(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        let mut conn = self.conn.borrow_mut();
        let out = conn.statement(sql).and_then(|st| conn.client.query(&st, params));
        drop(conn);
        out.map_err(|e| self.fail(&e))
    }

    fn exec(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        let mut conn = self.conn.borrow_mut();
        let out = conn.statement(sql).and_then(|st| conn.client.execute(&st, params));
        drop(conn);
        out.map_err(|e| self.fail(&e))
    }

    fn one<T>(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        f: impl FnOnce(&Row) -> Result<T>,
    ) -> Result<Option<T>> {
        self.query(sql, params)?.first().map(f).transpose()
    }

    fn all<T>(&self, sql: &str, params: &[&(dyn ToSql + Sync)], f: impl FnMut(&Row) -> Result<T>) -> Result<Vec<T>> {
        self.query(sql, params)?.iter().map(f).collect()
    }

    fn exists(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<bool> {
        Ok(!self.query(sql, params)?.is_empty())
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
                    let out = f(&tx);
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
            let attempt = match Tx::begin(&mut conn, "BEGIN ISOLATION LEVEL SERIALIZABLE") {
                Ok(mut tx) => {
                    let out = f(&mut tx);
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
// Values in and out of rows
// ---------------------------------------------------------------------------

/// Ids as `uuid` values.
trait Key: Copy {
    fn key(self) -> Uuid;
    fn from_key(u: Uuid) -> Self;
}

macro_rules! keys {
    ($($t:ty),*) => {$(
        impl Key for $t {
            fn key(self) -> Uuid {
                self.as_uuid()
            }
            fn from_key(u: Uuid) -> Self {
                <$t>::from_uuid(u)
            }
        }
    )*};
}
keys!(OrgId, MemberId, TeamId, InvitationId, ThreadId, MessageId, EmailId);

fn k<T: Key>(id: T) -> Uuid {
    id.key()
}

fn ok<T: Key>(id: Option<T>) -> Option<Uuid> {
    id.map(Key::key)
}

fn bad(col: usize, msg: impl fmt::Display) -> Error {
    Error::Storage(format!("postgres: unexpected value in column {col}: {msg}"))
}

fn get<'a, T: FromSql<'a>>(r: &'a Row, col: usize) -> Result<T> {
    r.try_get(col).map_err(|e| bad(col, e))
}

fn get_id<T: Key>(r: &Row, col: usize) -> Result<T> {
    Ok(T::from_key(get(r, col)?))
}

fn get_opt_id<T: Key>(r: &Row, col: usize) -> Result<Option<T>> {
    Ok(get::<Option<Uuid>>(r, col)?.map(T::from_key))
}

fn get_ts(r: &Row, col: usize) -> Result<Timestamp> {
    Ok(Timestamp::from_millis(get(r, col)?))
}

fn get_u32(r: &Row, col: usize) -> Result<u32> {
    u32::try_from(get::<i32>(r, col)?).map_err(|e| bad(col, e))
}

fn get_json<T: serde::de::DeserializeOwned>(r: &Row, col: usize) -> Result<T> {
    let s: &str = get(r, col)?;
    serde_json::from_str(s).map_err(|e| bad(col, format!("invalid JSON: {e}")))
}

fn to_json<T: Serialize + ?Sized>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Storage(format!("cannot encode a value as JSON: {e}")))
}

fn to_i32(n: u32) -> Result<i32> {
    i32::try_from(n).map_err(|_| Error::Storage(format!("the count {n} is too large to store")))
}

fn bits(p: PermissionSet) -> i16 {
    i16::from(p.bits())
}

fn millis(t: Timestamp) -> i64 {
    t.as_millis()
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
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

fn send_key(key: &SendKey) -> String {
    match key {
        SendKey::Org => "org".to_owned(),
        SendKey::Inviter(m) => format!("inviter:{m}"),
        SendKey::Address(a) => format!("address:{a}"),
    }
}

/// A thread grant as stored in an invitation's `thread_grants` JSON (as in SQLite).
#[derive(Serialize, Deserialize)]
struct GrantRow {
    thread_id: String,
    permissions: u8,
}

fn read_bit() -> i16 {
    bits(PermissionSet::from(Permission::Read))
}

const ORG_COLS: &str = "id, name, slug, portal_url, allowed_domains, settings, created_at";

fn org_row(r: &Row) -> Result<Organization> {
    Ok(Organization {
        id: get_id(r, 0)?,
        name: get(r, 1)?,
        slug: get(r, 2)?,
        portal_url: get(r, 3)?,
        allowed_domains: get_json(r, 4)?,
        settings: get_json(r, 5)?,
        created_at: get_ts(r, 6)?,
    })
}

const MEMBER_COLS: &str = "id, org_id, email, name, role, team_ids, status, joined_at";

fn member_row(r: &Row) -> Result<Member> {
    let team_ids: Vec<String> = get_json(r, 5)?;
    let status: &str = get(r, 6)?;
    Ok(Member {
        id: get_id(r, 0)?,
        org_id: get_id(r, 1)?,
        email: get(r, 2)?,
        name: get(r, 3)?,
        role: get(r, 4)?,
        team_ids: team_ids
            .iter()
            .map(|t| t.parse::<TeamId>().map_err(|_| bad(5, format!("invalid team id `{}`", quote(t)))))
            .collect::<Result<_>>()?,
        status: MemberStatus::parse(status)
            .ok_or_else(|| bad(6, format!("unknown member status `{}`", quote(status))))?,
        joined_at: get_ts(r, 7)?,
    })
}

fn team_row(r: &Row) -> Result<Team> {
    Ok(Team { id: get_id(r, 0)?, org_id: get_id(r, 1)?, name: get(r, 2)? })
}

const INVITATION_COLS: &str = "id, org_id, inviter_id, email, message, team_id, role, status, created_at, expires_at, \
                               sent_count, last_sent_at, thread_grants, delivered";

fn invitation_row(r: &Row) -> Result<Invitation> {
    let status: &str = get(r, 7)?;
    let grants: Vec<GrantRow> = get_json(r, 12)?;
    Ok(Invitation {
        id: get_id(r, 0)?,
        org_id: get_id(r, 1)?,
        inviter_id: get_id(r, 2)?,
        email: get(r, 3)?,
        message: get(r, 4)?,
        team_id: get_opt_id(r, 5)?,
        role: get(r, 6)?,
        status: InvitationStatus::parse(status).map_err(|e| bad(7, e))?,
        created_at: get_ts(r, 8)?,
        expires_at: get_ts(r, 9)?,
        sent_count: get_u32(r, 10)?,
        last_sent_at: get_ts(r, 11)?,
        thread_grants: grants
            .iter()
            .map(|g| {
                Ok(ThreadGrant {
                    thread_id: g.thread_id.parse().map_err(|_| bad(12, "invalid thread id in a thread grant"))?,
                    permissions: PermissionSet::from_bits(g.permissions)
                        .ok_or_else(|| bad(12, "invalid permissions in a thread grant"))?,
                })
            })
            .collect::<Result<_>>()?,
        delivered: get(r, 13)?,
    })
}

fn grants_json(grants: &[ThreadGrant]) -> Result<String> {
    let rows: Vec<GrantRow> = grants
        .iter()
        .map(|g| GrantRow { thread_id: g.thread_id.to_string(), permissions: g.permissions.bits() })
        .collect();
    to_json(&rows)
}

const EMAIL_COLS: &str = "id, org_id, kind, invitation_id, recipient, subject, text, html, created_at, attempts, status, \
                          next_attempt_at, last_error";

fn email_row(r: &Row) -> Result<OutgoingEmail> {
    let kind: &str = get(r, 2)?;
    let status: &str = get(r, 10)?;
    Ok(OutgoingEmail {
        id: get_id(r, 0)?,
        org_id: get_id(r, 1)?,
        kind: EmailKind::parse(kind).map_err(|e| bad(2, e))?,
        invitation_id: get_opt_id(r, 3)?,
        to: get(r, 4)?,
        subject: get(r, 5)?,
        text: get(r, 6)?,
        html: get(r, 7)?,
        created_at: get_ts(r, 8)?,
        attempts: get_u32(r, 9)?,
        status: OutboxStatus::parse(status)
            .ok_or_else(|| bad(10, format!("unknown email status `{}`", quote(status))))?,
        next_attempt_at: get_ts(r, 11)?,
        last_error: get(r, 12)?,
    })
}

fn event_row(r: &Row) -> Result<Event> {
    let seq: i64 = get(r, 0)?;
    let kind: &str = get(r, 4)?;
    Ok(Event {
        seq: u64::try_from(seq).map_err(|_| bad(0, "negative event seq"))?,
        org_id: get_id(r, 1)?,
        at: get_ts(r, 2)?,
        actor_id: get_opt_id(r, 3)?,
        kind: EventKind::parse(kind).ok_or_else(|| bad(4, format!("unknown event kind `{}`", quote(kind))))?,
        details: get_json(r, 5)?,
    })
}

const THREAD_COLS: &str =
    "t.id, t.org_id, t.title, t.freelancer_id, t.freelancer_name, t.created_by, t.created_at, t.last_activity_at";

fn thread_row(r: &Row) -> Result<Thread> {
    Ok(Thread {
        id: get_id(r, 0)?,
        org_id: get_id(r, 1)?,
        title: get(r, 2)?,
        freelancer_id: get(r, 3)?,
        freelancer_name: get(r, 4)?,
        created_by: get_id(r, 5)?,
        created_at: get_ts(r, 6)?,
        last_activity_at: get_ts(r, 7)?,
    })
}

const PARTICIPANT_COLS: &str = "thread_id, member_id, permissions, added_by, added_at";

fn participant_row(r: &Row) -> Result<Participant> {
    let bits: i16 = get(r, 2)?;
    Ok(Participant {
        thread_id: get_id(r, 0)?,
        member_id: get_id(r, 1)?,
        permissions: u8::try_from(bits)
            .ok()
            .and_then(PermissionSet::from_bits)
            .ok_or_else(|| bad(2, "invalid permission bits"))?,
        added_by: get_opt_id(r, 3)?,
        added_at: get_ts(r, 4)?,
    })
}

/// The organization of a member, a thread or an invitation, for the
/// `org_id`-first keys of look-ups that start from a bare id.
const ORG_OF_MEMBER: &str = "org_id IN (SELECT org_id FROM members WHERE id = $1)";
const ORG_OF_THREAD: &str = "org_id IN (SELECT org_id FROM threads WHERE id = $1)";

/// Positional parameters of a query built at run time.
#[derive(Default)]
struct Binds(Vec<Box<dyn ToSql + Sync>>);

impl Binds {
    fn bind(&mut self, v: impl ToSql + Sync + 'static) -> String {
        self.0.push(Box::new(v));
        format!("${}", self.0.len())
    }

    fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.0.iter().map(|b| &**b as &(dyn ToSql + Sync)).collect()
    }
}

impl Tx<'_> {
    fn index_member(&self, m: &Member, add: bool) -> Result<()> {
        let sql = if add {
            "INSERT INTO member_words (org_id, word, member_id) SELECT $1, w, $3 FROM unnest($2::text[]) AS w \
             ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM member_words WHERE org_id = $1 AND member_id = $3 AND word = ANY($2::text[])"
        };
        self.exec(sql, &[&k(m.org_id), &member_words(&m.name, &m.email), &k(m.id)])?;
        Ok(())
    }

    /// Adds the words of `texts` to the thread's words.
    fn index_words(&self, org: OrgId, thread: ThreadId, texts: &[&str]) -> Result<()> {
        let all: BTreeSet<String> = texts.iter().flat_map(|t| words(t)).collect();
        if all.is_empty() {
            return Ok(());
        }
        let short: BTreeSet<&str> = all.iter().map(|w| indexed(w)).collect();
        let short: Vec<&str> = short.into_iter().collect();
        self.exec(
            "INSERT INTO thread_words (org_id, thread_id, word) SELECT $1, $2, w FROM unnest($3::text[]) AS w \
             ON CONFLICT DO NOTHING",
            &[&k(org), &k(thread), &short],
        )?;
        let long: Vec<&String> = all.iter().filter(|w| indexed(w).len() < w.len()).collect();
        if !long.is_empty() {
            let hashes: Vec<Vec<u8>> = long.iter().map(|w| Sha256::digest(w.as_bytes()).to_vec()).collect();
            self.exec(
                "INSERT INTO thread_long_words (org_id, thread_id, hash, word) \
                 SELECT $1, $2, h, w FROM unnest($3::bytea[], $4::text[]) AS u (h, w) ON CONFLICT DO NOTHING",
                &[&k(org), &k(thread), &hashes, &long],
            )?;
        }
        Ok(())
    }
}

impl ReadTx for Tx<'_> {
    fn org(&self, id: OrgId) -> Result<Option<Organization>> {
        self.one(&format!("SELECT {ORG_COLS} FROM orgs WHERE id = $1"), &[&k(id)], org_row)
    }

    fn org_by_slug(&self, slug: &str) -> Result<Option<Organization>> {
        self.one(&format!("SELECT {ORG_COLS} FROM orgs WHERE slug = $1"), &[&slug], org_row)
    }

    fn member(&self, id: MemberId) -> Result<Option<Member>> {
        self.one(&format!("SELECT {MEMBER_COLS} FROM members WHERE id = $1"), &[&k(id)], member_row)
    }

    fn member_by_email(&self, org: OrgId, email_key: &str) -> Result<Option<Member>> {
        self.one(
            &format!("SELECT {MEMBER_COLS} FROM members WHERE org_id = $1 AND email_key = $2"),
            &[&k(org), &email_key],
            member_row,
        )
    }

    fn members(&self, org: OrgId) -> Result<Vec<Member>> {
        self.all(&format!("SELECT {MEMBER_COLS} FROM members WHERE org_id = $1 ORDER BY id"), &[&k(org)], member_row)
    }

    fn team(&self, id: TeamId) -> Result<Option<Team>> {
        self.one("SELECT id, org_id, name FROM teams WHERE id = $1", &[&k(id)], team_row)
    }

    fn team_by_name(&self, org: OrgId, name_key: &str) -> Result<Option<Team>> {
        self.one(
            "SELECT id, org_id, name FROM teams WHERE org_id = $1 AND name_key = $2",
            &[&k(org), &name_key],
            team_row,
        )
    }

    fn invitation(&self, id: InvitationId) -> Result<Option<Invitation>> {
        self.one(&format!("SELECT {INVITATION_COLS} FROM invitations WHERE id = $1"), &[&k(id)], invitation_row)
    }

    fn invitation_by_token(&self, hash: &TokenHash) -> Result<Option<Invitation>> {
        self.one(
            &format!("SELECT {INVITATION_COLS} FROM invitations WHERE token_hash = $1"),
            &[&&hash.as_bytes()[..]],
            invitation_row,
        )
    }

    fn invitations_to(&self, org: OrgId, email_key: &str) -> Result<Vec<Invitation>> {
        self.all(
            &format!("SELECT {INVITATION_COLS} FROM invitations WHERE org_id = $1 AND email_key = $2 ORDER BY id DESC"),
            &[&k(org), &email_key],
            invitation_row,
        )
    }

    fn pending_invitations_to(&self, email_key: &str) -> Result<Vec<Invitation>> {
        self.all(
            &format!(
                "SELECT {INVITATION_COLS} FROM invitations WHERE email_key = $1 AND status = 'pending' ORDER BY id DESC"
            ),
            &[&email_key],
            invitation_row,
        )
    }

    fn invitations(&self, org: OrgId, inviter: Option<MemberId>) -> Result<Vec<Invitation>> {
        match inviter {
            None => self.all(
                &format!("SELECT {INVITATION_COLS} FROM invitations WHERE org_id = $1 ORDER BY id DESC"),
                &[&k(org)],
                invitation_row,
            ),
            Some(m) => self.all(
                &format!(
                    "SELECT {INVITATION_COLS} FROM invitations WHERE org_id = $1 AND inviter_id = $2 ORDER BY id DESC"
                ),
                &[&k(org), &k(m)],
                invitation_row,
            ),
        }
    }

    fn pending_invitations_by(&self, inviter: MemberId) -> Result<Vec<Invitation>> {
        self.all(
            &format!(
                "SELECT {INVITATION_COLS} FROM invitations WHERE {ORG_OF_MEMBER} AND inviter_id = $1 \
                 AND status = 'pending' ORDER BY id DESC"
            ),
            &[&k(inviter)],
            invitation_row,
        )
    }

    fn live_pending(&self, org: OrgId, now: Timestamp) -> Result<(u64, Option<Timestamp>)> {
        let row = self.one(
            "SELECT count(*), min(expires_at) FROM invitations \
             WHERE org_id = $1 AND status = 'pending' AND expires_at > $2",
            &[&k(org), &millis(now)],
            |r| Ok((get::<i64>(r, 0)?, get::<Option<i64>>(r, 1)?)),
        )?;
        let (n, first) = row.unwrap_or((0, None));
        Ok((u64::try_from(n).unwrap_or(0), first.map(Timestamp::from_millis)))
    }

    fn send_times(&self, org: OrgId, key: &SendKey, since: Timestamp) -> Result<Vec<Timestamp>> {
        let rows = self.all(
            "SELECT at, sends FROM send_log WHERE org_id = $1 AND key = $2 AND at >= $3 ORDER BY at",
            &[&k(org), &send_key(key), &millis(since)],
            |r| Ok((get_ts(r, 0)?, get::<i64>(r, 1)?)),
        )?;
        Ok(rows.into_iter().flat_map(|(at, n)| std::iter::repeat_n(at, usize::try_from(n).unwrap_or(0))).collect())
    }

    fn send_window(&self, org: OrgId, key: &SendKey, since: Timestamp, nth: usize) -> Result<(u64, Option<Timestamp>)> {
        // The hour `since` falls in is counted row by row, the later ones
        // from their counts; the `nth` latest is found the same way.
        let key = send_key(key);
        let since = millis(since);
        let first_hour = since.div_euclid(HOUR_MS);
        let first_end = first_hour.saturating_add(1).saturating_mul(HOUR_MS);
        let hours = self.all(
            "SELECT hour, sends FROM send_hours WHERE org_id = $1 AND key = $2 AND hour > $3 ORDER BY hour DESC",
            &[&k(org), &key, &first_hour],
            |r| Ok((get::<i64>(r, 0)?, get::<i64>(r, 1)?)),
        )?;
        let partial: i64 = self
            .one(
                "SELECT coalesce(sum(sends), 0)::bigint FROM send_log \
                 WHERE org_id = $1 AND key = $2 AND at >= $3 AND at < $4",
                &[&k(org), &key, &since, &first_end],
                |r| get(r, 0),
            )?
            .unwrap_or(0);
        let total = hours.iter().map(|(_, n)| *n).sum::<i64>() + partial;
        let total = u64::try_from(total).unwrap_or(0);
        let nth = nth.max(1) as u64;
        if total < nth {
            return Ok((total, None));
        }
        // Find the bucket holding the nth latest, then the send in it.
        let mut before = 0u64;
        let mut range = (since, first_end);
        for (hour, n) in &hours {
            let n = u64::try_from(*n).unwrap_or(0);
            if before + n >= nth {
                range = (hour.saturating_mul(HOUR_MS), hour.saturating_add(1).saturating_mul(HOUR_MS));
                break;
            }
            before += n;
        }
        let in_range = self.all(
            "SELECT at, sends FROM send_log WHERE org_id = $1 AND key = $2 AND at >= $3 AND at < $4 ORDER BY at DESC",
            &[&k(org), &key, &range.0, &range.1],
            |r| Ok((get_ts(r, 0)?, get::<i64>(r, 1)?)),
        )?;
        let nth_latest = in_range.into_iter().find_map(|(at, n)| {
            before += u64::try_from(n).unwrap_or(0);
            (before >= nth).then_some(at)
        });
        Ok((total, nth_latest))
    }

    fn template(&self, org: OrgId, kind: EmailKind) -> Result<Option<TemplateSource>> {
        self.one(
            "SELECT subject, text, html FROM templates WHERE org_id = $1 AND kind = $2",
            &[&k(org), &kind.as_str()],
            |r| Ok(TemplateSource { subject: get(r, 0)?, text: get(r, 1)?, html: get(r, 2)? }),
        )
    }

    fn email(&self, id: EmailId) -> Result<Option<OutgoingEmail>> {
        self.one(&format!("SELECT {EMAIL_COLS} FROM emails WHERE id = $1"), &[&k(id)], email_row)
    }

    fn pending_emails_for(&self, invitation: InvitationId) -> Result<Vec<OutgoingEmail>> {
        self.all(
            &format!(
                "SELECT {EMAIL_COLS} FROM emails WHERE org_id IN (SELECT org_id FROM invitations WHERE id = $1) \
                 AND invitation_id = $1 AND status = 'pending' ORDER BY id"
            ),
            &[&k(invitation)],
            email_row,
        )
    }

    fn due_emails(&self, now: Timestamp, limit: usize) -> Result<Vec<OutgoingEmail>> {
        self.all(
            &format!(
                "SELECT {EMAIL_COLS} FROM emails WHERE status = 'pending' AND next_attempt_at <= $1 \
                 ORDER BY next_attempt_at, id LIMIT $2"
            ),
            &[&millis(now), &count(limit)],
            email_row,
        )
    }

    fn events(&self, org: OrgId, after: u64, limit: usize) -> Result<Vec<Event>> {
        self.all(
            "SELECT seq, org_id, at, actor_id, kind, details FROM events WHERE org_id = $1 AND seq > $2 \
             ORDER BY seq LIMIT $3",
            &[&k(org), &i64::try_from(after).unwrap_or(i64::MAX), &count(limit)],
            event_row,
        )
    }

    fn members_with_word(&self, org: OrgId, prefix: &str) -> Result<Vec<Member>> {
        match prefix_end(prefix) {
            Some(end) => self.all(
                &format!(
                    "SELECT {MEMBER_COLS} FROM members WHERE org_id = $1 AND id IN \
                     (SELECT member_id FROM member_words WHERE org_id = $1 AND word >= $2 AND word < $3) ORDER BY id"
                ),
                &[&k(org), &prefix, &end],
                member_row,
            ),
            None => self.all(
                &format!(
                    "SELECT {MEMBER_COLS} FROM members WHERE org_id = $1 AND id IN \
                     (SELECT member_id FROM member_words WHERE org_id = $1 AND word >= $2 AND starts_with(word, $2)) \
                     ORDER BY id"
                ),
                &[&k(org), &prefix],
                member_row,
            ),
        }
    }

    fn thread(&self, id: ThreadId) -> Result<Option<Thread>> {
        self.one(&format!("SELECT {THREAD_COLS} FROM threads t WHERE t.id = $1"), &[&k(id)], thread_row)
    }

    fn participant(&self, thread: ThreadId, member: MemberId) -> Result<Option<Participant>> {
        self.one(
            &format!(
                "SELECT {PARTICIPANT_COLS} FROM participants WHERE {ORG_OF_THREAD} AND thread_id = $1 AND member_id = $2"
            ),
            &[&k(thread), &k(member)],
            participant_row,
        )
    }

    fn participants(&self, thread: ThreadId) -> Result<Vec<Participant>> {
        self.all(
            &format!(
                "SELECT {PARTICIPANT_COLS} FROM participants WHERE {ORG_OF_THREAD} AND thread_id = $1 ORDER BY seq"
            ),
            &[&k(thread)],
            participant_row,
        )
    }

    fn threads_of(&self, member: MemberId) -> Result<Vec<ThreadId>> {
        self.all(
            &format!(
                "SELECT thread_id FROM participants WHERE {ORG_OF_MEMBER} AND member_id = $1 \
                 ORDER BY last_activity_at DESC, thread_id DESC"
            ),
            &[&k(member)],
            |r| get_id(r, 0),
        )
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
        let mut b = Binds::default();
        let member_p = b.bind(k(member));
        let read_p = b.bind(read_bit());
        let mut sql = format!(
            "SELECT {THREAD_COLS} FROM participants p JOIN threads t ON t.org_id = p.org_id AND t.id = p.thread_id \
             WHERE p.org_id IN (SELECT org_id FROM members WHERE id = {member_p}) AND p.member_id = {member_p} \
             AND (p.permissions & {read_p}) <> 0"
        );
        for term in terms {
            let from = b.bind(term.clone());
            let cond = if indexed(term).len() < term.len() {
                // Only a word longer than the indexed length can start with it.
                format!(
                    "EXISTS (SELECT 1 FROM thread_long_words l WHERE l.org_id = p.org_id \
                     AND l.thread_id = p.thread_id AND starts_with(l.word, {from}))"
                )
            } else {
                let to = match prefix_end(term) {
                    Some(end) => format!("w.word < {}", b.bind(end)),
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
        if let Some(c) = after {
            let at = b.bind(millis(c.last_activity_at));
            let id = b.bind(k(c.thread_id));
            sql.push_str(&format!(" AND (p.last_activity_at, p.thread_id) < ({at}, {id})"));
        }
        let lim = b.bind(count(limit));
        sql.push_str(&format!(" ORDER BY p.last_activity_at DESC, p.thread_id DESC LIMIT {lim}"));
        self.all(&sql, &b.refs(), thread_row)
    }
}

impl WriteTx for Tx<'_> {
    fn insert_org(&mut self, org: &Organization) -> Result<()> {
        if self.exists("SELECT 1 FROM orgs WHERE slug = $1", &[&org.slug])? {
            return Err(Error::Conflict(format!("the slug `{}` is taken", org.slug)));
        }
        if self.exists("SELECT 1 FROM orgs WHERE id = $1", &[&k(org.id)])? {
            return Err(Error::Conflict("the organization exists".into()));
        }
        self.exec(
            &format!("INSERT INTO orgs ({ORG_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"),
            &[
                &k(org.id),
                &org.name,
                &org.slug,
                &org.portal_url,
                &to_json(&org.allowed_domains)?,
                &to_json(&org.settings)?,
                &millis(org.created_at),
            ],
        )?;
        Ok(())
    }

    fn update_org(&mut self, org: &Organization) -> Result<()> {
        let n = self.exec(
            "UPDATE orgs SET name = $2, portal_url = $3, allowed_domains = $4, settings = $5, created_at = $6 \
             WHERE id = $1",
            &[
                &k(org.id),
                &org.name,
                &org.portal_url,
                &to_json(&org.allowed_domains)?,
                &to_json(&org.settings)?,
                &millis(org.created_at),
            ],
        )?;
        if n == 0 {
            return Err(Error::NotFound("organization"));
        }
        Ok(())
    }

    fn insert_member(&mut self, m: &Member) -> Result<()> {
        if self.exists("SELECT 1 FROM members WHERE org_id = $1 AND email_key = $2", &[&k(m.org_id), &m.email_key()])? {
            return Err(Error::AlreadyMember { email: m.email.clone() });
        }
        if self.exists("SELECT 1 FROM members WHERE id = $1", &[&k(m.id)])? {
            return Err(Error::Conflict("the member exists".into()));
        }
        let team_ids: Vec<String> = m.team_ids.iter().map(ToString::to_string).collect();
        self.exec(
            "INSERT INTO members (id, org_id, email, email_key, name, role, team_ids, status, joined_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &k(m.id),
                &k(m.org_id),
                &m.email,
                &m.email_key(),
                &m.name,
                &m.role,
                &to_json(&team_ids)?,
                &m.status.as_str(),
                &millis(m.joined_at),
            ],
        )?;
        self.index_member(m, true)
    }

    fn update_member(&mut self, m: &Member) -> Result<()> {
        let Some(old) = self.member(m.id)? else { return Err(Error::NotFound("member")) };
        if old.name != m.name || old.email != m.email {
            self.index_member(&old, false)?;
            self.index_member(m, true)?;
        }
        let team_ids: Vec<String> = m.team_ids.iter().map(ToString::to_string).collect();
        self.exec(
            "UPDATE members SET name = $3, role = $4, team_ids = $5, status = $6, joined_at = $7, email = $8, \
             email_key = $9 WHERE org_id = $1 AND id = $2",
            &[
                &k(m.org_id),
                &k(m.id),
                &m.name,
                &m.role,
                &to_json(&team_ids)?,
                &m.status.as_str(),
                &millis(m.joined_at),
                &m.email,
                &m.email_key(),
            ],
        )?;
        Ok(())
    }

    fn insert_team(&mut self, t: &Team) -> Result<()> {
        if self.exists("SELECT 1 FROM teams WHERE org_id = $1 AND name_key = $2", &[&k(t.org_id), &t.name_key()])? {
            return Err(Error::Conflict(format!("a team named `{}` exists", quote(&t.name))));
        }
        if self.exists("SELECT 1 FROM teams WHERE id = $1", &[&k(t.id)])? {
            return Err(Error::Conflict("the team exists".into()));
        }
        self.exec(
            "INSERT INTO teams (id, org_id, name, name_key) VALUES ($1, $2, $3, $4)",
            &[&k(t.id), &k(t.org_id), &t.name, &t.name_key()],
        )?;
        Ok(())
    }

    fn insert_invitation(&mut self, inv: &Invitation, token: &TokenHash) -> Result<()> {
        let token: &[u8] = &token.as_bytes()[..];
        if self.exists("SELECT 1 FROM invitations WHERE id = $1", &[&k(inv.id)])?
            || self.exists("SELECT 1 FROM invitations WHERE token_hash = $1", &[&token])?
        {
            return Err(Error::Conflict("the invitation exists".into()));
        }
        self.exec(
            &format!(
                "INSERT INTO invitations ({INVITATION_COLS}, email_key, token_hash) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
            ),
            &[
                &k(inv.id),
                &k(inv.org_id),
                &k(inv.inviter_id),
                &inv.email,
                &inv.message,
                &ok(inv.team_id),
                &inv.role,
                &inv.status.as_str(),
                &millis(inv.created_at),
                &millis(inv.expires_at),
                &to_i32(inv.sent_count)?,
                &millis(inv.last_sent_at),
                &grants_json(&inv.thread_grants)?,
                &inv.delivered,
                &inv.email_key(),
                &token,
            ],
        )?;
        Ok(())
    }

    fn update_invitation(
        &mut self,
        inv: &Invitation,
        expected: InvitationStatus,
        new_token: Option<&TokenHash>,
    ) -> Result<bool> {
        let Some(status) =
            self.one("SELECT status FROM invitations WHERE id = $1", &[&k(inv.id)], |r| get::<String>(r, 0))?
        else {
            return Err(Error::NotFound("invitation"));
        };
        if status != expected.as_str() {
            return Ok(false);
        }
        let new_token: Option<&[u8]> = new_token.map(|h| &h.as_bytes()[..]);
        if let Some(hash) = new_token
            && self.exists("SELECT 1 FROM invitations WHERE token_hash = $1", &[&hash])?
        {
            return Err(Error::Conflict("the token is in use".into()));
        }
        // Conditional, though the serializable transaction already makes the
        // check above and this write one step.
        let n = self.exec(
            "UPDATE invitations SET inviter_id = $3, email = $4, email_key = $5, message = $6, team_id = $7, \
             role = $8, status = $9, created_at = $10, expires_at = $11, sent_count = $12, last_sent_at = $13, \
             thread_grants = $14, delivered = $15, token_hash = coalesce($16, token_hash) \
             WHERE org_id = $1 AND id = $2 AND status = $17",
            &[
                &k(inv.org_id),
                &k(inv.id),
                &k(inv.inviter_id),
                &inv.email,
                &inv.email_key(),
                &inv.message,
                &ok(inv.team_id),
                &inv.role,
                &inv.status.as_str(),
                &millis(inv.created_at),
                &millis(inv.expires_at),
                &to_i32(inv.sent_count)?,
                &millis(inv.last_sent_at),
                &grants_json(&inv.thread_grants)?,
                &inv.delivered,
                &new_token,
                &expected.as_str(),
            ],
        )?;
        Ok(n > 0)
    }

    fn record_send(&mut self, org: OrgId, keys: &[SendKey], at: Timestamp, forget_before: Timestamp) -> Result<()> {
        let hour = millis(at).div_euclid(HOUR_MS);
        let horizon_hour = millis(forget_before).div_euclid(HOUR_MS);
        for key in keys {
            let key = send_key(key);
            self.exec(
                "INSERT INTO send_log (org_id, key, at, sends) VALUES ($1, $2, $3, 1) \
                 ON CONFLICT (org_id, key, at) DO UPDATE SET sends = send_log.sends + 1",
                &[&k(org), &key, &millis(at)],
            )?;
            let in_hour: i64 = self
                .one(
                    "INSERT INTO send_hours (org_id, key, hour, sends) VALUES ($1, $2, $3, 1) \
                     ON CONFLICT (org_id, key, hour) DO UPDATE SET sends = send_hours.sends + 1 RETURNING sends",
                    &[&k(org), &key, &hour],
                    |r| get(r, 0),
                )?
                .unwrap_or(1);
            // As in the SQLite store: what lies past the horizon is dropped
            // when a key's first send of an hour is recorded.
            if in_hour == 1 {
                self.exec(
                    "DELETE FROM send_log WHERE org_id = $1 AND key = $2 AND at < $3",
                    &[&k(org), &key, &horizon_hour.saturating_mul(HOUR_MS)],
                )?;
                self.exec(
                    "DELETE FROM send_hours WHERE org_id = $1 AND key = $2 AND hour < $3",
                    &[&k(org), &key, &horizon_hour],
                )?;
            }
        }
        Ok(())
    }

    fn put_template(&mut self, org: OrgId, kind: EmailKind, src: &TemplateSource) -> Result<()> {
        self.exec(
            "INSERT INTO templates (org_id, kind, subject, text, html) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (org_id, kind) DO UPDATE SET subject = excluded.subject, text = excluded.text, \
             html = excluded.html",
            &[&k(org), &kind.as_str(), &src.subject, &src.text, &src.html],
        )?;
        Ok(())
    }

    fn insert_email(&mut self, e: &OutgoingEmail) -> Result<()> {
        if self.exists("SELECT 1 FROM emails WHERE id = $1", &[&k(e.id)])? {
            return Err(Error::Conflict("the email exists".into()));
        }
        self.exec(
            &format!(
                "INSERT INTO emails ({EMAIL_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
            ),
            &[
                &k(e.id),
                &k(e.org_id),
                &e.kind.as_str(),
                &ok(e.invitation_id),
                &e.to,
                &e.subject,
                &e.text,
                &e.html,
                &millis(e.created_at),
                &to_i32(e.attempts)?,
                &e.status.as_str(),
                &millis(e.next_attempt_at),
                &e.last_error,
            ],
        )?;
        Ok(())
    }

    fn update_email(&mut self, e: &OutgoingEmail) -> Result<()> {
        let n = self.exec(
            "UPDATE emails SET kind = $3, invitation_id = $4, recipient = $5, subject = $6, text = $7, html = $8, \
             created_at = $9, attempts = $10, status = $11, next_attempt_at = $12, last_error = $13 \
             WHERE org_id = $1 AND id = $2",
            &[
                &k(e.org_id),
                &k(e.id),
                &e.kind.as_str(),
                &ok(e.invitation_id),
                &e.to,
                &e.subject,
                &e.text,
                &e.html,
                &millis(e.created_at),
                &to_i32(e.attempts)?,
                &e.status.as_str(),
                &millis(e.next_attempt_at),
                &e.last_error,
            ],
        )?;
        if n == 0 {
            return Err(Error::NotFound("email"));
        }
        Ok(())
    }

    fn append_event(&mut self, e: NewEvent) -> Result<u64> {
        let last: i64 = self
            .one("SELECT seq FROM events WHERE org_id = $1 ORDER BY seq DESC LIMIT 1", &[&k(e.org_id)], |r| get(r, 0))?
            .unwrap_or(0);
        let seq = last.checked_add(1).ok_or_else(|| Error::Storage("the event log is full".into()))?;
        self.exec(
            "INSERT INTO events (org_id, seq, at, actor_id, kind, details) VALUES ($1, $2, $3, $4, $5, $6)",
            &[&k(e.org_id), &seq, &millis(e.at), &ok(e.actor_id), &e.kind.as_str(), &to_json(&e.details)?],
        )?;
        u64::try_from(seq).map_err(|_| Error::Storage("negative event seq".into()))
    }

    fn insert_thread(&mut self, t: &Thread) -> Result<()> {
        if self.exists("SELECT 1 FROM threads WHERE id = $1", &[&k(t.id)])? {
            return Err(Error::Conflict("the thread exists".into()));
        }
        self.exec(
            "INSERT INTO threads (id, org_id, title, freelancer_id, freelancer_name, created_by, created_at, \
             last_activity_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &k(t.id),
                &k(t.org_id),
                &t.title,
                &t.freelancer_id,
                &t.freelancer_name,
                &k(t.created_by),
                &millis(t.created_at),
                &millis(t.last_activity_at),
            ],
        )?;
        self.index_words(t.org_id, t.id, &[&t.title, &t.freelancer_name])
    }

    fn insert_message(&mut self, m: &Message) -> Result<()> {
        let Some(org) = self.one("SELECT org_id FROM threads WHERE id = $1", &[&k(m.thread_id)], |r| get_id(r, 0))?
        else {
            return Err(Error::NotFound("thread"));
        };
        let org: OrgId = org;
        let author = match m.author {
            Author::Member(id) => Some(k(id)),
            Author::Freelancer => None,
        };
        self.exec(
            "INSERT INTO messages (org_id, thread_id, id, author_id, body, sent_at) VALUES ($1, $2, $3, $4, $5, $6)",
            &[&k(org), &k(m.thread_id), &k(m.id), &author, &m.body, &millis(m.sent_at)],
        )?;
        self.index_words(org, m.thread_id, &[&m.body])?;
        let moved = self.exec(
            "UPDATE threads SET last_activity_at = $3 WHERE org_id = $1 AND id = $2 AND last_activity_at < $3",
            &[&k(org), &k(m.thread_id), &millis(m.sent_at)],
        )?;
        if moved > 0 {
            self.exec(
                "UPDATE participants SET last_activity_at = $3 WHERE org_id = $1 AND thread_id = $2",
                &[&k(org), &k(m.thread_id), &millis(m.sent_at)],
            )?;
        }
        Ok(())
    }

    fn insert_participant(&mut self, p: &Participant) -> Result<()> {
        if self.exists(
            &format!("SELECT 1 FROM participants WHERE {ORG_OF_THREAD} AND thread_id = $1 AND member_id = $2"),
            &[&k(p.thread_id), &k(p.member_id)],
        )? {
            return Err(Error::AlreadyParticipant);
        }
        let n = self.exec(
            "INSERT INTO participants (org_id, thread_id, member_id, permissions, added_by, added_at, last_activity_at) \
             SELECT org_id, id, $2, $3, $4, $5, last_activity_at FROM threads WHERE id = $1",
            &[&k(p.thread_id), &k(p.member_id), &bits(p.permissions), &ok(p.added_by), &millis(p.added_at)],
        )?;
        if n == 0 {
            return Err(Error::NotFound("thread"));
        }
        Ok(())
    }

    fn update_participant(&mut self, p: &Participant) -> Result<()> {
        let n = self.exec(
            &format!(
                "UPDATE participants SET permissions = $3, added_by = $4, added_at = $5 \
                 WHERE {ORG_OF_THREAD} AND thread_id = $1 AND member_id = $2"
            ),
            &[&k(p.thread_id), &k(p.member_id), &bits(p.permissions), &ok(p.added_by), &millis(p.added_at)],
        )?;
        if n == 0 {
            return Err(Error::NotFound("participant"));
        }
        Ok(())
    }

    fn remove_participant(&mut self, thread: ThreadId, member: MemberId) -> Result<bool> {
        let n = self.exec(
            &format!("DELETE FROM participants WHERE {ORG_OF_THREAD} AND thread_id = $1 AND member_id = $2"),
            &[&k(thread), &k(member)],
        )?;
        Ok(n > 0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
    use std::sync::{Arc, Barrier};

    use super::*;
    use crate::clock::ManualClock;
    use crate::store::MemoryStore;

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
    fn a_failed_write_leaves_nothing_behind() {
        let Some(store) = test_store() else { return };
        let org = sample_org("acme");
        store.write(|tx| tx.insert_org(&org)).unwrap();
        let err = store.write(|tx| {
            tx.append_event(event(org.id))?;
            tx.insert_org(&org)
        });
        assert_eq!(err.map_err(|e| e.code()), Err("conflict"));
        assert!(store.read(|tx| tx.events(org.id, 0, 10)).unwrap().is_empty());
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
    fn a_panicking_write_is_rolled_back() {
        let Some(store) = test_store() else { return };
        let store = Arc::new(store);
        let org = sample_org("acme");
        let (s2, o2) = (store.clone(), org.clone());
        let joined = std::thread::spawn(move || {
            let _ = s2.write(|tx| -> Result<()> {
                tx.insert_org(&o2)?;
                panic!("host code panicked mid-transaction");
            });
        })
        .join();
        assert!(joined.is_err());
        assert!(store.read(|tx| tx.org(org.id)).unwrap().is_none());
        store.write(|tx| tx.insert_org(&org)).unwrap();
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

    /// A deterministic generator for the differential test.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            self.0 >> 33
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// The same random writes on the memory store and on PostgreSQL give
    /// the same answers to every search, long words included.
    #[test]
    fn search_and_find_match_the_memory_store() {
        let Some(pg) = test_store() else { return };
        let long_a = format!("{}x", "a".repeat(70));
        let long_b = format!("{}y", "a".repeat(70));
        let vocab: Vec<&str> = vec![
            "José",
            "Pérez",
            "logo",
            "redesign",
            "LOGOS",
            "portfolio",
            "Ærø",
            "ünïcode",
            "x1",
            "x10",
            "ｆｕｌｌ",
            "node.js",
            &long_a,
            &long_b,
        ];
        let memory = MemoryStore::new();
        let mut rng = Lcg(42);
        let org = sample_org("acme");
        let mut members = Vec::new();
        for i in 0..6 {
            let name = format!("{} {}", vocab[rng.below(12)], vocab[rng.below(12)]);
            members.push(Member {
                id: MemberId::new(),
                org_id: org.id,
                email: format!("m{i}.{}@acme.com", if i % 2 == 0 { "ann" } else { "bo" }),
                name,
                role: "member".into(),
                team_ids: vec![],
                status: if i == 5 { MemberStatus::Deactivated } else { MemberStatus::Active },
                joined_at: ManualClock::START,
            });
        }
        type Step = Box<dyn Fn(&mut dyn WriteTx) -> Result<()>>;
        let mut script: Vec<Step> = Vec::new();
        {
            let (org, members) = (org.clone(), members.clone());
            script.push(Box::new(move |tx| {
                tx.insert_org(&org)?;
                for m in &members {
                    tx.insert_member(m)?;
                }
                Ok(())
            }));
        }
        let mut now = ManualClock::START;
        for i in 0..30 {
            now = now.plus_secs(1 + rng.below(3) as i64);
            let t = Thread {
                id: ThreadId::new(),
                org_id: org.id,
                title: format!("{} {}", vocab[rng.below(vocab.len())], vocab[rng.below(vocab.len())]),
                freelancer_id: format!("fl-{i}"),
                freelancer_name: vocab[rng.below(vocab.len())].to_owned(),
                created_by: members[0].id,
                created_at: now,
                last_activity_at: now,
            };
            let mut who: Vec<(MemberId, u8)> = Vec::new();
            for m in &members {
                if rng.below(2) == 0 {
                    who.push((m.id, 1 + rng.below(31) as u8));
                }
            }
            let bodies: Vec<(String, Timestamp)> = (0..rng.below(4))
                .map(|_| {
                    let body = (0..3).map(|_| vocab[rng.below(vocab.len())]).collect::<Vec<_>>().join(" ");
                    (body, now.plus_secs(rng.below(100) as i64 - 20))
                })
                .collect();
            script.push(Box::new(move |tx| {
                tx.insert_thread(&t)?;
                for (m, bits) in &who {
                    tx.insert_participant(&Participant {
                        thread_id: t.id,
                        member_id: *m,
                        permissions: PermissionSet::from_bits(*bits).unwrap(),
                        added_by: None,
                        added_at: t.created_at,
                    })?;
                }
                for (body, at) in &bodies {
                    tx.insert_message(&Message {
                        id: MessageId::new(),
                        thread_id: t.id,
                        org_id: t.org_id,
                        author: Author::Freelancer,
                        body: body.clone(),
                        sent_at: *at,
                    })?;
                }
                Ok(())
            }));
        }
        for step in &script {
            memory.write(|tx| step(tx)).unwrap();
            pg.write(|tx| step(tx)).unwrap();
        }
        let a64 = "a".repeat(64);
        let a66 = "a".repeat(66);
        let queries: Vec<&str> = vec![
            "",
            "jose",
            "jo",
            "logo",
            "logos red",
            "l",
            "ærø",
            "unicode",
            "x1",
            "full",
            "node js",
            "zzz",
            "p p",
            &a64,
            &a66,
            &long_a,
            &long_b,
            "aaaa logo",
        ];
        for m in &members {
            for q in &queries {
                let terms = words(q);
                let mut cursor: Option<ThreadCursor> = None;
                loop {
                    let expected = memory.read(|tx| tx.search_threads(m.id, &terms, cursor.as_ref(), 4)).unwrap();
                    let got = pg.read(|tx| tx.search_threads(m.id, &terms, cursor.as_ref(), 4)).unwrap();
                    assert_eq!(got, expected, "{q:?}");
                    let Some(last) = expected.last() else { break };
                    cursor = Some(ThreadCursor { last_activity_at: last.last_activity_at, thread_id: last.id });
                }
            }
            let expected = memory.read(|tx| tx.threads_of(m.id)).unwrap();
            assert_eq!(pg.read(|tx| tx.threads_of(m.id)).unwrap(), expected);
        }
        for q in ["a", "m0", "bo", "jo pe", "ann@", "m2.ann@acme.com", "zz", "ü", "aaaaaaaa"] {
            for term in crate::search::coworker_terms(q) {
                let expected = memory.read(|tx| tx.members_with_word(org.id, &term)).unwrap();
                assert_eq!(pg.read(|tx| tx.members_with_word(org.id, &term)).unwrap(), expected, "{q:?}");
            }
        }
    }

    /// The send log answers the rate limits' questions as the memory store does.
    #[test]
    fn send_windows_match_the_memory_store() {
        let Some(pg) = test_store() else { return };
        let memory = MemoryStore::new();
        let org = sample_org("acme");
        pg.write(|tx| tx.insert_org(&org)).unwrap();
        let keys = [SendKey::Org, SendKey::Inviter(MemberId::new()), SendKey::Address("ann@acme.com".into())];
        let mut rng = Lcg(7);
        let mut now = ManualClock::START.as_millis();
        let mut latest = now;
        for round in 0..200 {
            now += match rng.below(10) {
                0 => 0,
                1 => -(rng.below(3_600_000) as i64),
                _ => rng.below(900_000) as i64,
            };
            latest = latest.max(now);
            let at = Timestamp::from_millis(now);
            let used: Vec<SendKey> = keys.iter().filter(|_| rng.below(3) > 0).cloned().collect();
            memory.write(|tx| tx.record_send(org.id, &used, at, at.plus_secs(-48 * 3600))).unwrap();
            pg.write(|tx| tx.record_send(org.id, &used, at, at.plus_secs(-48 * 3600))).unwrap();
            if round % 7 != 0 {
                continue;
            }
            for key in &keys {
                for _ in 0..3 {
                    let since =
                        Timestamp::from_millis(latest - 24 * HOUR_MS - 2 * HOUR_MS + rng.below(28 * 3_600_000) as i64);
                    let nth = 1 + rng.below(60);
                    let expected = memory.read(|tx| tx.send_window(org.id, key, since, nth)).unwrap();
                    assert_eq!(pg.read(|tx| tx.send_window(org.id, key, since, nth)).unwrap(), expected, "{key:?}");
                    let times = memory.read(|tx| tx.send_times(org.id, key, since)).unwrap();
                    assert_eq!(pg.read(|tx| tx.send_times(org.id, key, since)).unwrap(), times);
                }
            }
        }
    }
}
