//! The SQLite store: one file, the embedded default for a real host
//! ([stores](crate::rules#stores)).
//!
//! - **One file, WAL mode.** Readers never wait for a writer and a writer
//!   never waits for readers. `synchronous = NORMAL`: a commit survives the
//!   process being killed at any point (what `kill -9` does); only a power
//!   cut may lose the last commits, never corrupt the file.
//! - **Transactions.** Every [`Store::write`] is one `BEGIN IMMEDIATE`
//!   transaction on the writer connection, committed when the closure returns
//!   `Ok` and rolled back otherwise (or when it panics). Writers in other
//!   handles or processes on the same file wait for each other (a busy
//!   timeout of 5 s); one that waits longer gets `conflict`. Every
//!   [`Store::read`] is one read transaction, a consistent snapshot, on the
//!   writer's connection when no write holds it, else on one of a small pool.
//!   Statements are prepared once per connection and cached; query plans do
//!   not depend on the values bound (the query planner stability guarantee),
//!   so a cached statement is never compiled again.
//! - **Schema.** Versioned by `PRAGMA user_version`; the migrations this
//!   version knows are applied in order, in one transaction, when the file is
//!   opened. A file written by a newer InviteKit is refused (`storage`).
//!   Every table carries `org_id` (first in the key where it has one), so the
//!   data can be sharded by organization. Ids are 16-byte BLOBs (byte order is
//!   the ids' order), times INTEGER milliseconds, permission sets INTEGER bits,
//!   lists and event details JSON.
//! - **Search.** The words of each thread (title, freelancer name, messages),
//!   folded by [`crate::search::words`] exactly as the memory store folds
//!   them, are kept per thread in `thread_words` and in the FTS5 table
//!   `thread_fts`. A search walks the member's threads newest first through
//!   an index and checks each term with one index seek, so its cost follows
//!   the member's threads, never the number of messages; for a member in very
//!   many threads it asks FTS5 for the matching threads instead.
//!   `find_coworkers` seeks the index of members' words by prefix range.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::types::{Type, Value};
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, Params, Row, params, params_from_iter};
use serde::{Deserialize, Serialize};
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

/// How long a writer waits for another one (in this or another process) before `conflict`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Idle reader connections kept open.
const MAX_IDLE_READERS: usize = 4;
/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 128;
/// The buckets of the send log's counts.
const HOUR_MS: i64 = 3_600_000;
/// A member in more threads than this is searched through FTS5 rather than
/// by walking their threads.
const SEARCH_WALK_LIMIT: usize = 2000;

/// The schema, one migration per version: version `n` is reached by applying
/// the first `n` in order. Never edit a released migration; append a new one.
const MIGRATIONS: &[&str] = &[
    // Version 1.
    r#"
CREATE TABLE orgs (
    id BLOB NOT NULL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    portal_url TEXT NOT NULL,
    allowed_domains TEXT NOT NULL,
    settings TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE members (
    org_id BLOB NOT NULL REFERENCES orgs (id) DEFERRABLE INITIALLY DEFERRED,
    id BLOB NOT NULL UNIQUE,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    team_ids TEXT NOT NULL,
    status TEXT NOT NULL,
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, email_key)
) WITHOUT ROWID;

CREATE TABLE member_words (
    org_id BLOB NOT NULL,
    word TEXT NOT NULL,
    member_id BLOB NOT NULL,
    PRIMARY KEY (org_id, word, member_id)
) WITHOUT ROWID;

CREATE TABLE teams (
    org_id BLOB NOT NULL REFERENCES orgs (id) DEFERRABLE INITIALLY DEFERRED,
    id BLOB NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, name_key)
) WITHOUT ROWID;

CREATE TABLE invitations (
    org_id BLOB NOT NULL REFERENCES orgs (id) DEFERRABLE INITIALLY DEFERRED,
    id BLOB NOT NULL UNIQUE,
    inviter_id BLOB NOT NULL REFERENCES members (id) DEFERRABLE INITIALLY DEFERRED,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL,
    message TEXT,
    team_id BLOB REFERENCES teams (id) DEFERRABLE INITIALLY DEFERRED,
    role TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    sent_count INTEGER NOT NULL,
    last_sent_at INTEGER NOT NULL,
    thread_grants TEXT NOT NULL,
    delivered INTEGER NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    PRIMARY KEY (org_id, id)
) WITHOUT ROWID;
CREATE INDEX invitations_by_email ON invitations (email_key, org_id, id);
CREATE INDEX invitations_by_inviter ON invitations (inviter_id, org_id, id);
CREATE INDEX invitations_by_team ON invitations (team_id) WHERE team_id IS NOT NULL;
CREATE INDEX invitations_pending ON invitations (org_id, expires_at) WHERE status = 'pending';

-- The rate limits' send log (how many sends at each instant), and how many
-- sends each hour holds, so that a 24-hour window is counted from at most
-- one hour of rows and 48 counts.
CREATE TABLE send_log (
    org_id BLOB NOT NULL,
    key TEXT NOT NULL,
    at INTEGER NOT NULL,
    sends INTEGER NOT NULL,
    PRIMARY KEY (org_id, key, at)
) WITHOUT ROWID;
CREATE TABLE send_hours (
    org_id BLOB NOT NULL,
    key TEXT NOT NULL,
    hour INTEGER NOT NULL,
    sends INTEGER NOT NULL,
    PRIMARY KEY (org_id, key, hour)
) WITHOUT ROWID;

CREATE TABLE templates (
    org_id BLOB NOT NULL REFERENCES orgs (id) DEFERRABLE INITIALLY DEFERRED,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    text TEXT NOT NULL,
    html TEXT NOT NULL,
    PRIMARY KEY (org_id, kind)
);

CREATE TABLE emails (
    org_id BLOB NOT NULL REFERENCES orgs (id) DEFERRABLE INITIALLY DEFERRED,
    id BLOB NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    invitation_id BLOB REFERENCES invitations (id) DEFERRABLE INITIALLY DEFERRED,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    text TEXT NOT NULL,
    html TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    status TEXT NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    PRIMARY KEY (org_id, id)
) WITHOUT ROWID;
CREATE INDEX emails_due ON emails (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX emails_by_invitation ON emails (invitation_id) WHERE invitation_id IS NOT NULL;

CREATE TABLE events (
    org_id BLOB NOT NULL REFERENCES orgs (id) DEFERRABLE INITIALLY DEFERRED,
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    actor_id BLOB,
    kind TEXT NOT NULL,
    details TEXT NOT NULL,
    PRIMARY KEY (org_id, seq)
) WITHOUT ROWID;

CREATE TABLE threads (
    org_id BLOB NOT NULL REFERENCES orgs (id) DEFERRABLE INITIALLY DEFERRED,
    id BLOB NOT NULL UNIQUE,
    title TEXT NOT NULL,
    freelancer_id TEXT NOT NULL,
    freelancer_name TEXT NOT NULL,
    created_by BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    last_activity_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, id)
) WITHOUT ROWID;

-- `seq` orders a thread's participants by when they were added;
-- `last_activity_at` is the thread's, copied so that a member's threads are
-- one index range, newest activity first.
CREATE TABLE participants (
    seq INTEGER PRIMARY KEY,
    org_id BLOB NOT NULL,
    thread_id BLOB NOT NULL REFERENCES threads (id) DEFERRABLE INITIALLY DEFERRED,
    member_id BLOB NOT NULL REFERENCES members (id) DEFERRABLE INITIALLY DEFERRED,
    permissions INTEGER NOT NULL,
    added_by BLOB,
    added_at INTEGER NOT NULL,
    last_activity_at INTEGER NOT NULL,
    UNIQUE (thread_id, member_id)
);
CREATE INDEX participants_by_activity
    ON participants (member_id, last_activity_at DESC, thread_id DESC, permissions);

CREATE TABLE messages (
    org_id BLOB NOT NULL,
    thread_id BLOB NOT NULL,
    id BLOB NOT NULL,
    author_id BLOB,
    body TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, thread_id, id),
    FOREIGN KEY (org_id, thread_id) REFERENCES threads (org_id, id) DEFERRABLE INITIALLY DEFERRED
) WITHOUT ROWID;

-- The distinct folded words of each thread.
CREATE TABLE thread_words (
    org_id BLOB NOT NULL,
    thread_id BLOB NOT NULL,
    word TEXT NOT NULL,
    PRIMARY KEY (org_id, thread_id, word)
) WITHOUT ROWID;

-- The same words for FTS5: each row holds the words a text added to its
-- thread, so every word of a thread is in exactly one of its rows. The
-- words are already folded and separated by spaces, so the `ascii`
-- tokenizer (which splits on ASCII punctuation and spaces only) gives back
-- exactly those words.
CREATE VIRTUAL TABLE thread_fts USING fts5 (
    words,
    thread_id UNINDEXED,
    org_id UNINDEXED,
    tokenize = 'ascii',
    content = '',
    contentless_unindexed = 1
);
"#,
];

/// The SQLite [`Store`]: one file in WAL mode, or one in-memory database.
///
/// One writer connection (writes are serialized, as SQLite requires) and a
/// small pool of reader connections, so that reads never wait for a write:
/// a read uses the writer's connection (whose page cache is the warmest) when
/// no write holds it, and a pooled one otherwise.
///
/// # Examples
/// ```
/// use invitekit::{InviteKit, SqliteStore};
/// let kit = InviteKit::new(SqliteStore::open_in_memory()?);
/// let org = kit.create_organization("Acme Corp", "acme", "https://acme.example.com", &["acme.com"])?;
/// assert_eq!(kit.get_organization(org.id)?.name, "Acme Corp");
/// # Ok::<(), invitekit::Error>(())
/// ```
pub struct SqliteStore {
    writer: Mutex<Connection>,
    /// `None` for an in-memory database: reads use the writer connection.
    readers: Option<ReaderPool>,
    /// See [`SEARCH_WALK_LIMIT`].
    search_walk_limit: usize,
}

struct ReaderPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.readers.as_ref().map_or_else(|| ":memory:".to_owned(), |p| p.path.display().to_string());
        f.debug_struct("SqliteStore").field("path", &path).finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// The schema version this InviteKit writes (`PRAGMA user_version`).
    pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

    /// Opens (creating it if needed) the database file at `path`, switches it
    /// to WAL mode and applies the schema migrations it lacks.
    ///
    /// A file that cannot be opened or is not a database is `storage`, with
    /// the reason; so is a file written by a newer InviteKit.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore> {
        let path = path.as_ref();
        if path.as_os_str().is_empty() {
            return Err(Error::invalid("the sqlite database path is empty"));
        }
        let shown = quote(&path.display().to_string());
        let cannot = |e: rusqlite::Error| Error::Storage(format!("cannot open the sqlite database `{shown}`: {e}"));
        let writer = connect(path).map_err(cannot)?;
        let mode: String = writer.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).map_err(cannot)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Storage(format!(
                "cannot switch the sqlite database `{shown}` to WAL mode (it stays in {mode} mode)"
            )));
        }
        migrate(&writer).map_err(|e| match e {
            Error::Storage(reason) => Error::Storage(format!("sqlite database `{shown}`: {reason}")),
            other => other,
        })?;
        Ok(SqliteStore {
            writer: Mutex::new(writer),
            readers: Some(ReaderPool { path: path.to_owned(), idle: Mutex::new(Vec::new()) }),
            search_walk_limit: SEARCH_WALK_LIMIT,
        })
    }

    /// A new, empty in-memory database, private to this store (one
    /// connection serves reads and writes) and gone when it is dropped.
    pub fn open_in_memory() -> Result<SqliteStore> {
        let conn = Connection::open_in_memory().map_err(db)?;
        configure(&conn).map_err(db)?;
        migrate(&conn)?;
        Ok(SqliteStore { writer: Mutex::new(conn), readers: None, search_walk_limit: SEARCH_WALK_LIMIT })
    }

    /// The database file, or `None` for an in-memory database.
    pub fn path(&self) -> Option<&Path> {
        self.readers.as_ref().map(|p| p.path.as_path())
    }

    fn writer(&self) -> MutexGuard<'_, Connection> {
        // A transaction that panicked was rolled back by its guard.
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Opens a connection to a file and sets it up (not yet in WAL mode).
fn connect(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    configure(&conn)?;
    Ok(conn)
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Plans must not depend on the values bound: otherwise (SQLite is built
    // with STAT4) every cached statement is compiled again whenever an id
    // bound to it changes, which is every time.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(())
}

/// Brings the schema to [`SqliteStore::SCHEMA_VERSION`], in one transaction.
fn migrate(conn: &Connection) -> Result<()> {
    let _rollback = Rollback(conn);
    conn.execute_batch("BEGIN IMMEDIATE").map_err(db)?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(db)?;
    let known = MIGRATIONS.len();
    let from = usize::try_from(version).ok().filter(|v| *v <= known).ok_or_else(|| {
        Error::Storage(format!(
            "the schema version {version} is newer than this version of InviteKit knows ({known}): upgrade InviteKit"
        ))
    })?;
    for migration in MIGRATIONS.iter().skip(from) {
        conn.execute_batch(migration).map_err(db)?;
    }
    if from < known {
        conn.pragma_update(None, "user_version", SqliteStore::SCHEMA_VERSION).map_err(db)?;
    }
    conn.execute_batch("COMMIT").map_err(db)?;
    Ok(())
}

/// Rolls back whatever transaction is still open on the connection when
/// dropped: after an error, a failed commit, or a panic.
struct Rollback<'c>(&'c Connection);

impl Drop for Rollback<'_> {
    fn drop(&mut self) {
        if !self.0.is_autocommit() {
            let _ = self.0.execute_batch("ROLLBACK");
        }
    }
}

impl ReaderPool {
    fn take(&self) -> Result<Connection> {
        if let Some(conn) = self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop() {
            return Ok(conn);
        }
        let conn = connect(&self.path).map_err(db)?;
        conn.pragma_update(None, "query_only", true).map_err(db)?;
        Ok(conn)
    }

    fn put(&self, conn: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
    }
}

/// A SQLite failure as an InviteKit error: `conflict` when the database
/// stayed locked by another writer past the busy timeout, `storage` otherwise.
fn db(e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            Error::Conflict("the database is busy: another writer held it past the busy timeout".into())
        }
        _ => Error::Storage(format!("sqlite: {}", sanitize(&e.to_string(), 1000))),
    }
}

fn run(conn: &Connection, sql: &str) -> Result<()> {
    conn.prepare_cached(sql).and_then(|mut st| st.execute([])).map(drop).map_err(db)
}

fn read_on<T>(conn: &Connection, walk_limit: usize, f: impl FnOnce(&dyn ReadTx) -> Result<T>) -> Result<T> {
    let _rollback = Rollback(conn);
    run(conn, "BEGIN")?;
    let out = f(&Tx { conn, walk_limit })?;
    run(conn, "COMMIT")?;
    Ok(out)
}

impl Store for SqliteStore {
    fn read<T>(&self, f: impl FnOnce(&dyn ReadTx) -> Result<T>) -> Result<T> {
        match &self.readers {
            None => read_on(&self.writer(), self.search_walk_limit, f),
            Some(pool) => match self.writer.try_lock() {
                // The writer's connection has the warmest page cache (every
                // other connection's is dropped when the file changes): a
                // read uses it when no write does, and never waits for it.
                Ok(conn) => read_on(&conn, self.search_walk_limit, f),
                Err(TryLockError::Poisoned(p)) => read_on(&p.into_inner(), self.search_walk_limit, f),
                Err(TryLockError::WouldBlock) => {
                    let conn = pool.take()?;
                    let out = read_on(&conn, self.search_walk_limit, f);
                    pool.put(conn);
                    out
                }
            },
        }
    }

    fn write<T>(&self, mut f: impl FnMut(&mut dyn WriteTx) -> Result<T>) -> Result<T> {
        let conn = self.writer();
        let _rollback = Rollback(&conn);
        run(&conn, "BEGIN IMMEDIATE")?;
        let out = f(&mut Tx { conn: &conn, walk_limit: self.search_walk_limit })?;
        run(&conn, "COMMIT")?;
        Ok(out)
    }
}

// ---------------------------------------------------------------------------
// Values in and out of rows
// ---------------------------------------------------------------------------

/// Ids as 16-byte BLOBs.
trait Key: Copy {
    fn key(self) -> [u8; 16];
    fn from_key(bytes: [u8; 16]) -> Self;
}

macro_rules! keys {
    ($($t:ty),*) => {$(
        impl Key for $t {
            fn key(self) -> [u8; 16] {
                self.as_uuid().into_bytes()
            }
            fn from_key(bytes: [u8; 16]) -> Self {
                <$t>::from_uuid(Uuid::from_bytes(bytes))
            }
        }
    )*};
}
keys!(OrgId, MemberId, TeamId, InvitationId, ThreadId, MessageId, EmailId);

fn k<T: Key>(id: T) -> [u8; 16] {
    id.key()
}

fn ok<T: Key>(id: Option<T>) -> Option<[u8; 16]> {
    id.map(Key::key)
}

fn bad(col: usize, msg: impl Into<String>) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(col, Type::Text, msg.into().into())
}

fn get_id<T: Key>(r: &Row<'_>, col: usize) -> rusqlite::Result<T> {
    Ok(T::from_key(r.get(col)?))
}

fn get_opt_id<T: Key>(r: &Row<'_>, col: usize) -> rusqlite::Result<Option<T>> {
    Ok(r.get::<_, Option<[u8; 16]>>(col)?.map(T::from_key))
}

fn get_ts(r: &Row<'_>, col: usize) -> rusqlite::Result<Timestamp> {
    Ok(Timestamp::from_millis(r.get(col)?))
}

fn get_json<T: serde::de::DeserializeOwned>(r: &Row<'_>, col: usize) -> rusqlite::Result<T> {
    let s: String = r.get(col)?;
    serde_json::from_str(&s).map_err(|e| bad(col, format!("invalid JSON: {e}")))
}

fn to_json<T: Serialize + ?Sized>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Storage(format!("cannot encode a value as JSON: {e}")))
}

fn millis(t: Timestamp) -> i64 {
    t.as_millis()
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The smallest text greater than every text that starts with `prefix`, as
/// bytes to `CAST(? AS TEXT)`: `prefix` with its last byte incremented. (A
/// UTF-8 byte is never 0xFF, so the increment never overflows.)
fn prefix_end(prefix: &str) -> Vec<u8> {
    let mut end = prefix.as_bytes().to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return end;
        }
    }
    vec![u8::MAX]
}

/// An FTS5 query for the words starting with `term`.
fn fts_prefix(term: &str) -> String {
    format!("\"{}\"*", term.replace('"', "\"\""))
}

fn send_key(key: &SendKey) -> String {
    match key {
        SendKey::Org => "org".to_owned(),
        SendKey::Inviter(m) => format!("inviter:{m}"),
        SendKey::Address(a) => format!("address:{a}"),
    }
}

/// A thread grant as stored in an invitation's `thread_grants` JSON.
#[derive(Serialize, Deserialize)]
struct GrantRow {
    thread_id: String,
    permissions: u8,
}

fn read_bit() -> u8 {
    PermissionSet::from(Permission::Read).bits()
}

const ORG_COLS: &str = "id, name, slug, portal_url, allowed_domains, settings, created_at";

fn org_row(r: &Row<'_>) -> rusqlite::Result<Organization> {
    Ok(Organization {
        id: get_id(r, 0)?,
        name: r.get(1)?,
        slug: r.get(2)?,
        portal_url: r.get(3)?,
        allowed_domains: get_json(r, 4)?,
        settings: get_json(r, 5)?,
        created_at: get_ts(r, 6)?,
    })
}

const MEMBER_COLS: &str = "id, org_id, email, name, role, team_ids, status, joined_at";

fn member_row(r: &Row<'_>) -> rusqlite::Result<Member> {
    let team_ids: Vec<String> = get_json(r, 5)?;
    let status: String = r.get(6)?;
    Ok(Member {
        id: get_id(r, 0)?,
        org_id: get_id(r, 1)?,
        email: r.get(2)?,
        name: r.get(3)?,
        role: r.get(4)?,
        team_ids: team_ids
            .iter()
            .map(|t| t.parse::<TeamId>().map_err(|_| bad(5, format!("invalid team id `{}`", quote(t)))))
            .collect::<rusqlite::Result<_>>()?,
        status: MemberStatus::parse(&status)
            .ok_or_else(|| bad(6, format!("unknown member status `{}`", quote(&status))))?,
        joined_at: get_ts(r, 7)?,
    })
}

fn team_row(r: &Row<'_>) -> rusqlite::Result<Team> {
    Ok(Team { id: get_id(r, 0)?, org_id: get_id(r, 1)?, name: r.get(2)? })
}

const INVITATION_COLS: &str = "id, org_id, inviter_id, email, message, team_id, role, status, created_at, expires_at, \
                               sent_count, last_sent_at, thread_grants, delivered";

fn invitation_row(r: &Row<'_>) -> rusqlite::Result<Invitation> {
    let status: String = r.get(7)?;
    let grants: Vec<GrantRow> = get_json(r, 12)?;
    Ok(Invitation {
        id: get_id(r, 0)?,
        org_id: get_id(r, 1)?,
        inviter_id: get_id(r, 2)?,
        email: r.get(3)?,
        message: r.get(4)?,
        team_id: get_opt_id(r, 5)?,
        role: r.get(6)?,
        status: InvitationStatus::parse(&status).map_err(|e| bad(7, e.to_string()))?,
        created_at: get_ts(r, 8)?,
        expires_at: get_ts(r, 9)?,
        sent_count: r.get(10)?,
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
            .collect::<rusqlite::Result<_>>()?,
        delivered: r.get(13)?,
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

fn email_row(r: &Row<'_>) -> rusqlite::Result<OutgoingEmail> {
    let kind: String = r.get(2)?;
    let status: String = r.get(10)?;
    Ok(OutgoingEmail {
        id: get_id(r, 0)?,
        org_id: get_id(r, 1)?,
        kind: EmailKind::parse(&kind).map_err(|e| bad(2, e.to_string()))?,
        invitation_id: get_opt_id(r, 3)?,
        to: r.get(4)?,
        subject: r.get(5)?,
        text: r.get(6)?,
        html: r.get(7)?,
        created_at: get_ts(r, 8)?,
        attempts: r.get(9)?,
        status: OutboxStatus::parse(&status)
            .ok_or_else(|| bad(10, format!("unknown email status `{}`", quote(&status))))?,
        next_attempt_at: get_ts(r, 11)?,
        last_error: r.get(12)?,
    })
}

fn event_row(r: &Row<'_>) -> rusqlite::Result<Event> {
    let seq: i64 = r.get(0)?;
    let kind: String = r.get(4)?;
    Ok(Event {
        seq: u64::try_from(seq).map_err(|_| bad(0, "negative event seq"))?,
        org_id: get_id(r, 1)?,
        at: get_ts(r, 2)?,
        actor_id: get_opt_id(r, 3)?,
        kind: EventKind::parse(&kind).ok_or_else(|| bad(4, format!("unknown event kind `{}`", quote(&kind))))?,
        details: get_json(r, 5)?,
    })
}

const THREAD_COLS: &str =
    "t.id, t.org_id, t.title, t.freelancer_id, t.freelancer_name, t.created_by, t.created_at, t.last_activity_at";

fn thread_row(r: &Row<'_>) -> rusqlite::Result<Thread> {
    Ok(Thread {
        id: get_id(r, 0)?,
        org_id: get_id(r, 1)?,
        title: r.get(2)?,
        freelancer_id: r.get(3)?,
        freelancer_name: r.get(4)?,
        created_by: get_id(r, 5)?,
        created_at: get_ts(r, 6)?,
        last_activity_at: get_ts(r, 7)?,
    })
}

const PARTICIPANT_COLS: &str = "thread_id, member_id, permissions, added_by, added_at";

fn participant_row(r: &Row<'_>) -> rusqlite::Result<Participant> {
    let bits: u8 = r.get(2)?;
    Ok(Participant {
        thread_id: get_id(r, 0)?,
        member_id: get_id(r, 1)?,
        permissions: PermissionSet::from_bits(bits).ok_or_else(|| bad(2, "invalid permission bits"))?,
        added_by: get_opt_id(r, 3)?,
        added_at: get_ts(r, 4)?,
    })
}

// ---------------------------------------------------------------------------
// The transaction
// ---------------------------------------------------------------------------

/// Reads and writes on a connection inside an open transaction.
struct Tx<'c> {
    conn: &'c Connection,
    walk_limit: usize,
}

impl Tx<'_> {
    fn one<T>(&self, sql: &str, p: impl Params, f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>) -> Result<Option<T>> {
        let mut st = self.conn.prepare_cached(sql).map_err(db)?;
        st.query_row(p, f).optional().map_err(db)
    }

    fn all<T>(&self, sql: &str, p: impl Params, f: impl FnMut(&Row<'_>) -> rusqlite::Result<T>) -> Result<Vec<T>> {
        let mut st = self.conn.prepare_cached(sql).map_err(db)?;
        st.query_map(p, f).map_err(db)?.collect::<rusqlite::Result<Vec<T>>>().map_err(db)
    }

    fn exists(&self, sql: &str, p: impl Params) -> Result<bool> {
        Ok(self.one(sql, p, |_| Ok(()))?.is_some())
    }

    fn exec(&self, sql: &str, p: impl Params) -> Result<usize> {
        let mut st = self.conn.prepare_cached(sql).map_err(db)?;
        st.execute(p).map_err(db)
    }

    fn index_member(&self, m: &Member, add: bool) -> Result<()> {
        let sql = if add {
            "INSERT OR IGNORE INTO member_words (org_id, word, member_id) VALUES (?1, ?2, ?3)"
        } else {
            "DELETE FROM member_words WHERE org_id = ?1 AND word = ?2 AND member_id = ?3"
        };
        let mut st = self.conn.prepare_cached(sql).map_err(db)?;
        for w in member_words(&m.name, &m.email) {
            st.execute(params![k(m.org_id), w, k(m.id)]).map_err(db)?;
        }
        Ok(())
    }

    /// Adds the words of `texts` to the thread's word set, and those new to
    /// it as one row of the full-text index.
    fn index_words(&self, org: OrgId, thread: ThreadId, texts: &[&str]) -> Result<()> {
        let mut fresh: Vec<String> = Vec::new();
        {
            let mut st = self
                .conn
                .prepare_cached("INSERT OR IGNORE INTO thread_words (org_id, thread_id, word) VALUES (?1, ?2, ?3)")
                .map_err(db)?;
            for text in texts {
                for w in words(text) {
                    if st.execute(params![k(org), k(thread), w]).map_err(db)? > 0 {
                        fresh.push(w);
                    }
                }
            }
        }
        if !fresh.is_empty() {
            self.exec(
                "INSERT INTO thread_fts (words, thread_id, org_id) VALUES (?1, ?2, ?3)",
                params![fresh.join(" "), k(thread), k(org)],
            )?;
        }
        Ok(())
    }
}

/// Positional parameters of a query built at run time.
#[derive(Default)]
struct Binds(Vec<Value>);

impl Binds {
    fn bind(&mut self, v: impl Into<Value>) -> String {
        self.0.push(v.into());
        format!("?{}", self.0.len())
    }
}

impl ReadTx for Tx<'_> {
    fn org(&self, id: OrgId) -> Result<Option<Organization>> {
        self.one(&format!("SELECT {ORG_COLS} FROM orgs WHERE id = ?1"), [k(id)], org_row)
    }

    fn org_by_slug(&self, slug: &str) -> Result<Option<Organization>> {
        self.one(&format!("SELECT {ORG_COLS} FROM orgs WHERE slug = ?1"), [slug], org_row)
    }

    fn member(&self, id: MemberId) -> Result<Option<Member>> {
        self.one(&format!("SELECT {MEMBER_COLS} FROM members WHERE id = ?1"), [k(id)], member_row)
    }

    fn member_by_email(&self, org: OrgId, email_key: &str) -> Result<Option<Member>> {
        self.one(
            &format!("SELECT {MEMBER_COLS} FROM members WHERE org_id = ?1 AND email_key = ?2"),
            params![k(org), email_key],
            member_row,
        )
    }

    fn members(&self, org: OrgId) -> Result<Vec<Member>> {
        self.all(&format!("SELECT {MEMBER_COLS} FROM members WHERE org_id = ?1 ORDER BY id"), [k(org)], member_row)
    }

    fn team(&self, id: TeamId) -> Result<Option<Team>> {
        self.one("SELECT id, org_id, name FROM teams WHERE id = ?1", [k(id)], team_row)
    }

    fn team_by_name(&self, org: OrgId, name_key: &str) -> Result<Option<Team>> {
        self.one(
            "SELECT id, org_id, name FROM teams WHERE org_id = ?1 AND name_key = ?2",
            params![k(org), name_key],
            team_row,
        )
    }

    fn invitation(&self, id: InvitationId) -> Result<Option<Invitation>> {
        self.one(&format!("SELECT {INVITATION_COLS} FROM invitations WHERE id = ?1"), [k(id)], invitation_row)
    }

    fn invitation_by_token(&self, hash: &TokenHash) -> Result<Option<Invitation>> {
        self.one(
            &format!("SELECT {INVITATION_COLS} FROM invitations WHERE token_hash = ?1"),
            [hash.as_bytes()],
            invitation_row,
        )
    }

    fn invitations_to(&self, org: OrgId, email_key: &str) -> Result<Vec<Invitation>> {
        self.all(
            &format!(
                "SELECT {INVITATION_COLS} FROM invitations INDEXED BY invitations_by_email \
                 WHERE email_key = ?1 AND org_id = ?2 ORDER BY id DESC"
            ),
            params![email_key, k(org)],
            invitation_row,
        )
    }

    fn pending_invitations_to(&self, email_key: &str) -> Result<Vec<Invitation>> {
        self.all(
            &format!(
                "SELECT {INVITATION_COLS} FROM invitations WHERE email_key = ?1 AND status = 'pending' ORDER BY id DESC"
            ),
            [email_key],
            invitation_row,
        )
    }

    fn invitations(&self, org: OrgId, inviter: Option<MemberId>) -> Result<Vec<Invitation>> {
        match inviter {
            None => self.all(
                &format!("SELECT {INVITATION_COLS} FROM invitations WHERE org_id = ?1 ORDER BY id DESC"),
                [k(org)],
                invitation_row,
            ),
            Some(m) => self.all(
                &format!(
                    "SELECT {INVITATION_COLS} FROM invitations INDEXED BY invitations_by_inviter \
                     WHERE inviter_id = ?1 AND org_id = ?2 ORDER BY id DESC"
                ),
                params![k(m), k(org)],
                invitation_row,
            ),
        }
    }

    fn pending_invitations_by(&self, inviter: MemberId) -> Result<Vec<Invitation>> {
        self.all(
            &format!(
                "SELECT {INVITATION_COLS} FROM invitations WHERE inviter_id = ?1 AND status = 'pending' ORDER BY id DESC"
            ),
            [k(inviter)],
            invitation_row,
        )
    }

    fn live_pending(&self, org: OrgId, now: Timestamp) -> Result<(u64, Option<Timestamp>)> {
        let row = self.one(
            "SELECT count(*), min(expires_at) FROM invitations \
             WHERE org_id = ?1 AND status = 'pending' AND expires_at > ?2",
            params![k(org), millis(now)],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<i64>>(1)?)),
        )?;
        let (n, first) = row.unwrap_or((0, None));
        Ok((u64::try_from(n).unwrap_or(0), first.map(Timestamp::from_millis)))
    }

    fn send_times(&self, org: OrgId, key: &SendKey, since: Timestamp) -> Result<Vec<Timestamp>> {
        let rows = self.all(
            "SELECT at, sends FROM send_log WHERE org_id = ?1 AND key = ?2 AND at >= ?3 ORDER BY at",
            params![k(org), send_key(key), millis(since)],
            |r| Ok((get_ts(r, 0)?, r.get::<_, i64>(1)?)),
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
            "SELECT hour, sends FROM send_hours WHERE org_id = ?1 AND key = ?2 AND hour > ?3 ORDER BY hour DESC",
            params![k(org), key, first_hour],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
        )?;
        let partial: i64 = self
            .one(
                "SELECT coalesce(sum(sends), 0) FROM send_log WHERE org_id = ?1 AND key = ?2 AND at >= ?3 AND at < ?4",
                params![k(org), key, since, first_end],
                |r| r.get(0),
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
            "SELECT at, sends FROM send_log WHERE org_id = ?1 AND key = ?2 AND at >= ?3 AND at < ?4 ORDER BY at DESC",
            params![k(org), key, range.0, range.1],
            |r| Ok((get_ts(r, 0)?, r.get::<_, i64>(1)?)),
        )?;
        let nth_latest = in_range.into_iter().find_map(|(at, n)| {
            before += u64::try_from(n).unwrap_or(0);
            (before >= nth).then_some(at)
        });
        Ok((total, nth_latest))
    }

    fn template(&self, org: OrgId, kind: EmailKind) -> Result<Option<TemplateSource>> {
        self.one(
            "SELECT subject, text, html FROM templates WHERE org_id = ?1 AND kind = ?2",
            params![k(org), kind.as_str()],
            |r| Ok(TemplateSource { subject: r.get(0)?, text: r.get(1)?, html: r.get(2)? }),
        )
    }

    fn email(&self, id: EmailId) -> Result<Option<OutgoingEmail>> {
        self.one(&format!("SELECT {EMAIL_COLS} FROM emails WHERE id = ?1"), [k(id)], email_row)
    }

    fn pending_emails_for(&self, invitation: InvitationId) -> Result<Vec<OutgoingEmail>> {
        self.all(
            &format!("SELECT {EMAIL_COLS} FROM emails WHERE invitation_id = ?1 AND status = 'pending' ORDER BY id"),
            [k(invitation)],
            email_row,
        )
    }

    fn due_emails(&self, now: Timestamp, limit: usize) -> Result<Vec<OutgoingEmail>> {
        self.all(
            &format!(
                "SELECT {EMAIL_COLS} FROM emails WHERE status = 'pending' AND next_attempt_at <= ?1 \
                 ORDER BY next_attempt_at, id LIMIT ?2"
            ),
            params![millis(now), count(limit)],
            email_row,
        )
    }

    fn events(&self, org: OrgId, after: u64, limit: usize) -> Result<Vec<Event>> {
        self.all(
            "SELECT seq, org_id, at, actor_id, kind, details FROM events WHERE org_id = ?1 AND seq > ?2 \
             ORDER BY seq LIMIT ?3",
            params![k(org), i64::try_from(after).unwrap_or(i64::MAX), count(limit)],
            event_row,
        )
    }

    fn members_with_word(&self, org: OrgId, prefix: &str) -> Result<Vec<Member>> {
        self.all(
            &format!(
                "SELECT {MEMBER_COLS} FROM members WHERE org_id = ?1 AND id IN (SELECT member_id FROM member_words \
                 WHERE org_id = ?1 AND word >= ?2 AND word < CAST(?3 AS TEXT)) ORDER BY id"
            ),
            params![k(org), prefix, prefix_end(prefix)],
            member_row,
        )
    }

    fn thread(&self, id: ThreadId) -> Result<Option<Thread>> {
        self.one(&format!("SELECT {THREAD_COLS} FROM threads t WHERE t.id = ?1"), [k(id)], thread_row)
    }

    fn participant(&self, thread: ThreadId, member: MemberId) -> Result<Option<Participant>> {
        self.one(
            &format!("SELECT {PARTICIPANT_COLS} FROM participants WHERE thread_id = ?1 AND member_id = ?2"),
            params![k(thread), k(member)],
            participant_row,
        )
    }

    fn participants(&self, thread: ThreadId) -> Result<Vec<Participant>> {
        self.all(
            &format!("SELECT {PARTICIPANT_COLS} FROM participants WHERE thread_id = ?1 ORDER BY seq"),
            [k(thread)],
            participant_row,
        )
    }

    fn threads_of(&self, member: MemberId) -> Result<Vec<ThreadId>> {
        self.all(
            "SELECT thread_id FROM participants WHERE member_id = ?1 ORDER BY last_activity_at DESC, thread_id DESC",
            [k(member)],
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
        let mut b = Binds::default();
        let member_p = b.bind(k(member).to_vec());
        let read_p = b.bind(i64::from(read_bit()));
        let walk = terms.is_empty() || {
            let n: i64 = self
                .one(
                    "SELECT count(*) FROM (SELECT 1 FROM participants WHERE member_id = ?1 LIMIT ?2)",
                    params![k(member), count(self.walk_limit.saturating_add(1))],
                    |r| r.get(0),
                )?
                .unwrap_or(0);
            usize::try_from(n).unwrap_or(usize::MAX) <= self.walk_limit
        };
        let mut sql = if walk {
            // The member's threads newest first (one index range), each term
            // checked with one seek in the thread's words.
            let mut sql = format!(
                "SELECT {THREAD_COLS} FROM participants p CROSS JOIN threads t ON t.id = p.thread_id \
                 WHERE p.member_id = {member_p} AND (p.permissions & {read_p}) != 0"
            );
            for term in terms {
                let from = b.bind(term.clone());
                let to = b.bind(prefix_end(term));
                sql.push_str(&format!(
                    " AND EXISTS (SELECT 1 FROM thread_words w WHERE w.org_id = p.org_id \
                     AND w.thread_id = p.thread_id AND w.word >= {from} AND w.word < CAST({to} AS TEXT))"
                ));
            }
            sql
        } else {
            // The threads FTS5 finds for every term, then the member's place in each.
            let hits: Vec<String> = terms
                .iter()
                .map(|term| {
                    let q = b.bind(fts_prefix(term));
                    format!("SELECT DISTINCT thread_id FROM thread_fts WHERE thread_fts MATCH {q}")
                })
                .collect();
            format!(
                "SELECT {THREAD_COLS} FROM ({}) h \
                 CROSS JOIN participants p ON p.thread_id = h.thread_id AND p.member_id = {member_p} \
                 CROSS JOIN threads t ON t.id = p.thread_id \
                 WHERE (p.permissions & {read_p}) != 0",
                hits.join(" INTERSECT ")
            )
        };
        if let Some(c) = after {
            let at = b.bind(millis(c.last_activity_at));
            let id = b.bind(k(c.thread_id).to_vec());
            sql.push_str(&format!(" AND (p.last_activity_at, p.thread_id) < ({at}, {id})"));
        }
        let lim = b.bind(count(limit));
        sql.push_str(&format!(" ORDER BY p.last_activity_at DESC, p.thread_id DESC LIMIT {lim}"));
        self.all(&sql, params_from_iter(b.0.iter()), thread_row)
    }
}

impl WriteTx for Tx<'_> {
    fn insert_org(&mut self, org: &Organization) -> Result<()> {
        if self.exists("SELECT 1 FROM orgs WHERE slug = ?1", [&org.slug])? {
            return Err(Error::Conflict(format!("the slug `{}` is taken", org.slug)));
        }
        if self.exists("SELECT 1 FROM orgs WHERE id = ?1", [k(org.id)])? {
            return Err(Error::Conflict("the organization exists".into()));
        }
        self.exec(
            &format!("INSERT INTO orgs ({ORG_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
            params![
                k(org.id),
                org.name,
                org.slug,
                org.portal_url,
                to_json(&org.allowed_domains)?,
                to_json(&org.settings)?,
                millis(org.created_at)
            ],
        )?;
        Ok(())
    }

    fn update_org(&mut self, org: &Organization) -> Result<()> {
        let n = self.exec(
            "UPDATE orgs SET name = ?2, portal_url = ?3, allowed_domains = ?4, settings = ?5, created_at = ?6 \
             WHERE id = ?1",
            params![
                k(org.id),
                org.name,
                org.portal_url,
                to_json(&org.allowed_domains)?,
                to_json(&org.settings)?,
                millis(org.created_at)
            ],
        )?;
        if n == 0 {
            return Err(Error::NotFound("organization"));
        }
        Ok(())
    }

    fn insert_member(&mut self, m: &Member) -> Result<()> {
        if self
            .exists("SELECT 1 FROM members WHERE org_id = ?1 AND email_key = ?2", params![k(m.org_id), m.email_key()])?
        {
            return Err(Error::AlreadyMember { email: m.email.clone() });
        }
        if self.exists("SELECT 1 FROM members WHERE id = ?1", [k(m.id)])? {
            return Err(Error::Conflict("the member exists".into()));
        }
        let team_ids: Vec<String> = m.team_ids.iter().map(ToString::to_string).collect();
        self.exec(
            "INSERT INTO members (id, org_id, email, email_key, name, role, team_ids, status, joined_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                k(m.id),
                k(m.org_id),
                m.email,
                m.email_key(),
                m.name,
                m.role,
                to_json(&team_ids)?,
                m.status.as_str(),
                millis(m.joined_at)
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
            "UPDATE members SET name = ?2, role = ?3, team_ids = ?4, status = ?5, joined_at = ?6, email = ?7, \
             email_key = ?8 WHERE id = ?1",
            params![
                k(m.id),
                m.name,
                m.role,
                to_json(&team_ids)?,
                m.status.as_str(),
                millis(m.joined_at),
                m.email,
                m.email_key()
            ],
        )?;
        Ok(())
    }

    fn insert_team(&mut self, t: &Team) -> Result<()> {
        if self.exists("SELECT 1 FROM teams WHERE org_id = ?1 AND name_key = ?2", params![k(t.org_id), t.name_key()])? {
            return Err(Error::Conflict(format!("a team named `{}` exists", quote(&t.name))));
        }
        if self.exists("SELECT 1 FROM teams WHERE id = ?1", [k(t.id)])? {
            return Err(Error::Conflict("the team exists".into()));
        }
        self.exec(
            "INSERT INTO teams (id, org_id, name, name_key) VALUES (?1, ?2, ?3, ?4)",
            params![k(t.id), k(t.org_id), t.name, t.name_key()],
        )?;
        Ok(())
    }

    fn insert_invitation(&mut self, inv: &Invitation, token: &TokenHash) -> Result<()> {
        if self.exists(
            "SELECT 1 FROM invitations WHERE id = ?1 OR token_hash = ?2",
            params![k(inv.id), token.as_bytes()],
        )? {
            return Err(Error::Conflict("the invitation exists".into()));
        }
        self.exec(
            &format!(
                "INSERT INTO invitations ({INVITATION_COLS}, email_key, token_hash) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
            ),
            params![
                k(inv.id),
                k(inv.org_id),
                k(inv.inviter_id),
                inv.email,
                inv.message,
                ok(inv.team_id),
                inv.role,
                inv.status.as_str(),
                millis(inv.created_at),
                millis(inv.expires_at),
                inv.sent_count,
                millis(inv.last_sent_at),
                grants_json(&inv.thread_grants)?,
                inv.delivered,
                inv.email_key(),
                token.as_bytes()
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
            self.one("SELECT status FROM invitations WHERE id = ?1", [k(inv.id)], |r| r.get::<_, String>(0))?
        else {
            return Err(Error::NotFound("invitation"));
        };
        if status != expected.as_str() {
            return Ok(false);
        }
        if let Some(hash) = new_token
            && self.exists("SELECT 1 FROM invitations WHERE token_hash = ?1", [hash.as_bytes()])?
        {
            return Err(Error::Conflict("the token is in use".into()));
        }
        self.exec(
            "UPDATE invitations SET inviter_id = ?2, email = ?3, email_key = ?4, message = ?5, team_id = ?6, \
             role = ?7, status = ?8, created_at = ?9, expires_at = ?10, sent_count = ?11, last_sent_at = ?12, \
             thread_grants = ?13, delivered = ?14, token_hash = coalesce(?15, token_hash) \
             WHERE id = ?1",
            params![
                k(inv.id),
                k(inv.inviter_id),
                inv.email,
                inv.email_key(),
                inv.message,
                ok(inv.team_id),
                inv.role,
                inv.status.as_str(),
                millis(inv.created_at),
                millis(inv.expires_at),
                inv.sent_count,
                millis(inv.last_sent_at),
                grants_json(&inv.thread_grants)?,
                inv.delivered,
                new_token.map(|h| h.as_bytes().to_vec())
            ],
        )?;
        Ok(true)
    }

    fn record_send(&mut self, org: OrgId, keys: &[SendKey], at: Timestamp, forget_before: Timestamp) -> Result<()> {
        let hour = millis(at).div_euclid(HOUR_MS);
        let horizon_hour = millis(forget_before).div_euclid(HOUR_MS);
        for key in keys {
            let key = send_key(key);
            self.exec(
                "INSERT INTO send_log (org_id, key, at, sends) VALUES (?1, ?2, ?3, 1) \
                 ON CONFLICT (org_id, key, at) DO UPDATE SET sends = sends + 1",
                params![k(org), key, millis(at)],
            )?;
            let in_hour: i64 = self
                .one(
                    "INSERT INTO send_hours (org_id, key, hour, sends) VALUES (?1, ?2, ?3, 1) \
                     ON CONFLICT (org_id, key, hour) DO UPDATE SET sends = sends + 1 RETURNING sends",
                    params![k(org), key, hour],
                    |r| r.get(0),
                )?
                .unwrap_or(1);
            // The windows never look past the horizon; what lies beyond it
            // is dropped when a key's first send of an hour is recorded, so
            // the log holds at most 48 hours of each key.
            if in_hour == 1 {
                self.exec(
                    "DELETE FROM send_log WHERE org_id = ?1 AND key = ?2 AND at < ?3",
                    params![k(org), key, horizon_hour.saturating_mul(HOUR_MS)],
                )?;
                self.exec(
                    "DELETE FROM send_hours WHERE org_id = ?1 AND key = ?2 AND hour < ?3",
                    params![k(org), key, horizon_hour],
                )?;
            }
        }
        Ok(())
    }

    fn put_template(&mut self, org: OrgId, kind: EmailKind, src: &TemplateSource) -> Result<()> {
        self.exec(
            "INSERT INTO templates (org_id, kind, subject, text, html) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (org_id, kind) DO UPDATE SET subject = excluded.subject, text = excluded.text, \
             html = excluded.html",
            params![k(org), kind.as_str(), src.subject, src.text, src.html],
        )?;
        Ok(())
    }

    fn insert_email(&mut self, e: &OutgoingEmail) -> Result<()> {
        if self.exists("SELECT 1 FROM emails WHERE id = ?1", [k(e.id)])? {
            return Err(Error::Conflict("the email exists".into()));
        }
        self.exec(
            &format!(
                "INSERT INTO emails ({EMAIL_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
            ),
            params![
                k(e.id),
                k(e.org_id),
                e.kind.as_str(),
                ok(e.invitation_id),
                e.to,
                e.subject,
                e.text,
                e.html,
                millis(e.created_at),
                e.attempts,
                e.status.as_str(),
                millis(e.next_attempt_at),
                e.last_error
            ],
        )?;
        Ok(())
    }

    fn update_email(&mut self, e: &OutgoingEmail) -> Result<()> {
        let n = self.exec(
            "UPDATE emails SET kind = ?2, invitation_id = ?3, recipient = ?4, subject = ?5, text = ?6, html = ?7, \
             created_at = ?8, attempts = ?9, status = ?10, next_attempt_at = ?11, last_error = ?12 WHERE id = ?1",
            params![
                k(e.id),
                e.kind.as_str(),
                ok(e.invitation_id),
                e.to,
                e.subject,
                e.text,
                e.html,
                millis(e.created_at),
                e.attempts,
                e.status.as_str(),
                millis(e.next_attempt_at),
                e.last_error
            ],
        )?;
        if n == 0 {
            return Err(Error::NotFound("email"));
        }
        Ok(())
    }

    fn append_event(&mut self, e: NewEvent) -> Result<u64> {
        let last: i64 = self
            .one("SELECT seq FROM events WHERE org_id = ?1 ORDER BY seq DESC LIMIT 1", [k(e.org_id)], |r| r.get(0))?
            .unwrap_or(0);
        let seq = last.checked_add(1).ok_or_else(|| Error::Storage("the event log is full".into()))?;
        self.exec(
            "INSERT INTO events (org_id, seq, at, actor_id, kind, details) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![k(e.org_id), seq, millis(e.at), ok(e.actor_id), e.kind.as_str(), to_json(&e.details)?],
        )?;
        u64::try_from(seq).map_err(|_| Error::Storage("negative event seq".into()))
    }

    fn insert_thread(&mut self, t: &Thread) -> Result<()> {
        if self.exists("SELECT 1 FROM threads WHERE id = ?1", [k(t.id)])? {
            return Err(Error::Conflict("the thread exists".into()));
        }
        self.exec(
            "INSERT INTO threads (id, org_id, title, freelancer_id, freelancer_name, created_by, created_at, \
             last_activity_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                k(t.id),
                k(t.org_id),
                t.title,
                t.freelancer_id,
                t.freelancer_name,
                k(t.created_by),
                millis(t.created_at),
                millis(t.last_activity_at)
            ],
        )?;
        self.index_words(t.org_id, t.id, &[&t.title, &t.freelancer_name])
    }

    fn insert_message(&mut self, m: &Message) -> Result<()> {
        let Some(org) =
            self.one("SELECT org_id FROM threads WHERE id = ?1", [k(m.thread_id)], |r| get_id::<OrgId>(r, 0))?
        else {
            return Err(Error::NotFound("thread"));
        };
        let author = match m.author {
            Author::Member(id) => Some(k(id)),
            Author::Freelancer => None,
        };
        self.exec(
            "INSERT INTO messages (org_id, thread_id, id, author_id, body, sent_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![k(org), k(m.thread_id), k(m.id), author, m.body, millis(m.sent_at)],
        )?;
        self.index_words(org, m.thread_id, &[&m.body])?;
        let moved = self.exec(
            "UPDATE threads SET last_activity_at = ?2 WHERE id = ?1 AND last_activity_at < ?2",
            params![k(m.thread_id), millis(m.sent_at)],
        )?;
        if moved > 0 {
            self.exec(
                "UPDATE participants SET last_activity_at = ?2 WHERE thread_id = ?1",
                params![k(m.thread_id), millis(m.sent_at)],
            )?;
        }
        Ok(())
    }

    fn insert_participant(&mut self, p: &Participant) -> Result<()> {
        if self.exists(
            "SELECT 1 FROM participants WHERE thread_id = ?1 AND member_id = ?2",
            params![k(p.thread_id), k(p.member_id)],
        )? {
            return Err(Error::AlreadyParticipant);
        }
        let n = self.exec(
            "INSERT INTO participants (org_id, thread_id, member_id, permissions, added_by, added_at, last_activity_at) \
             SELECT org_id, id, ?2, ?3, ?4, ?5, last_activity_at FROM threads WHERE id = ?1",
            params![k(p.thread_id), k(p.member_id), p.permissions.bits(), ok(p.added_by), millis(p.added_at)],
        )?;
        if n == 0 {
            return Err(Error::NotFound("thread"));
        }
        Ok(())
    }

    fn update_participant(&mut self, p: &Participant) -> Result<()> {
        let n = self.exec(
            "UPDATE participants SET permissions = ?3, added_by = ?4, added_at = ?5 WHERE thread_id = ?1 AND member_id = ?2",
            params![k(p.thread_id), k(p.member_id), p.permissions.bits(), ok(p.added_by), millis(p.added_at)],
        )?;
        if n == 0 {
            return Err(Error::NotFound("participant"));
        }
        Ok(())
    }

    fn remove_participant(&mut self, thread: ThreadId, member: MemberId) -> Result<bool> {
        let n = self
            .exec("DELETE FROM participants WHERE thread_id = ?1 AND member_id = ?2", params![k(thread), k(member)])?;
        Ok(n > 0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::clock::ManualClock;
    use crate::store::MemoryStore;

    #[test]
    fn prefix_ranges_cover_exactly_the_words_with_the_prefix() {
        assert_eq!(prefix_end("jo"), b"jp".to_vec());
        assert_eq!(prefix_end(""), vec![0xFF]);
        let end = prefix_end("é");
        assert!("é".as_bytes() < end.as_slice() && "éz".as_bytes() < end.as_slice());
        assert!("ê".as_bytes() >= end.as_slice());
    }

    #[test]
    fn fts_terms_are_quoted() {
        assert_eq!(fts_prefix("jose"), "\"jose\"*");
        assert_eq!(fts_prefix("a\"b"), "\"a\"\"b\"*");
    }

    #[test]
    fn a_failed_write_leaves_nothing_behind() {
        let store = SqliteStore::open_in_memory().unwrap();
        let org = sample_org("acme");
        store.write(|tx| tx.insert_org(&org)).unwrap();
        let err = store.write(|tx| {
            tx.append_event(NewEvent {
                org_id: org.id,
                at: ManualClock::START,
                actor_id: None,
                kind: EventKind::MemberAdded,
                details: serde_json::json!({}),
            })?;
            tx.insert_org(&org)
        });
        assert_eq!(err.map_err(|e| e.code()), Err("conflict"));
        assert!(store.read(|tx| tx.events(org.id, 0, 10)).unwrap().is_empty());
    }

    #[test]
    fn a_panicking_write_is_rolled_back() {
        let store = std::sync::Arc::new(SqliteStore::open_in_memory().unwrap());
        let org = sample_org("acme");
        let s2 = store.clone();
        let o2 = org.clone();
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

    /// The same random writes on the memory store and on SQLite (both search
    /// strategies) give the same answers to every search.
    #[test]
    fn search_and_find_match_the_memory_store() {
        const VOCAB: [&str; 12] = [
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
        ];
        let memory = MemoryStore::new();
        let walk = SqliteStore::open_in_memory().unwrap();
        let mut fts = SqliteStore::open_in_memory().unwrap();
        fts.search_walk_limit = 0;
        let mut rng = Lcg(42);
        let org = sample_org("acme");
        let mut members = Vec::new();
        for i in 0..6 {
            let name = format!("{} {}", VOCAB[rng.below(VOCAB.len())], VOCAB[rng.below(VOCAB.len())]);
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
        let mut threads = Vec::new();
        type Step = Box<dyn Fn(&mut dyn WriteTx) -> Result<()>>;
        let mut script: Vec<Step> = Vec::new();
        {
            let org = org.clone();
            let members = members.clone();
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
                title: format!("{} {}", VOCAB[rng.below(VOCAB.len())], VOCAB[rng.below(VOCAB.len())]),
                freelancer_id: format!("fl-{i}"),
                freelancer_name: VOCAB[rng.below(VOCAB.len())].to_owned(),
                created_by: members[0].id,
                created_at: now,
                last_activity_at: now,
            };
            threads.push(t.id);
            let mut who: Vec<(MemberId, u8)> = Vec::new();
            for m in &members {
                if rng.below(2) == 0 {
                    who.push((m.id, 1 + rng.below(31) as u8));
                }
            }
            let bodies: Vec<(String, Timestamp)> = (0..rng.below(4))
                .map(|_| {
                    let body = (0..3).map(|_| VOCAB[rng.below(VOCAB.len())]).collect::<Vec<_>>().join(" ");
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
            walk.write(|tx| step(tx)).unwrap();
            fts.write(|tx| step(tx)).unwrap();
        }
        let queries =
            ["", "jose", "jo", "logo", "logos red", "l", "ærø", "unicode", "x1", "full", "node js", "zzz", "p p"];
        for m in &members {
            for q in queries {
                let terms = words(q);
                let mut cursor: Option<ThreadCursor> = None;
                loop {
                    let page = |s: &dyn ReadDyn| -> Vec<Thread> {
                        match s.read_dyn(&mut |tx| tx.search_threads(m.id, &terms, cursor.as_ref(), 4)) {
                            Ok(v) => v,
                            Err(e) => panic!("{e}"),
                        }
                    };
                    let expected = page(&memory);
                    assert_eq!(page(&walk), expected, "walk: {q:?}");
                    assert_eq!(page(&fts), expected, "fts: {q:?}");
                    let Some(last) = expected.last() else { break };
                    cursor = Some(ThreadCursor { last_activity_at: last.last_activity_at, thread_id: last.id });
                }
            }
            let expected = memory.read(|tx| tx.threads_of(m.id)).unwrap();
            assert_eq!(walk.read(|tx| tx.threads_of(m.id)).unwrap(), expected);
        }
        for q in ["a", "m0", "bo", "jo pe", "ann@", "m2.ann@acme.com", "zz", "ü"] {
            for term in crate::search::coworker_terms(q) {
                let expected = memory.read(|tx| tx.members_with_word(org.id, &term)).unwrap();
                assert_eq!(walk.read(|tx| tx.members_with_word(org.id, &term)).unwrap(), expected, "{q:?}");
            }
        }
    }

    /// The send log answers the rate limits' questions as the memory store does.
    #[test]
    fn send_windows_match_the_memory_store() {
        let memory = MemoryStore::new();
        let sqlite = SqliteStore::open_in_memory().unwrap();
        let org = sample_org("acme");
        sqlite.write(|tx| tx.insert_org(&org)).unwrap();
        let keys = [SendKey::Org, SendKey::Inviter(MemberId::new()), SendKey::Address("ann@acme.com".into())];
        let mut rng = Lcg(7);
        let mut now = ManualClock::START.as_millis();
        let mut latest = now;
        for round in 0..400 {
            // Mostly forward, sometimes the same instant, sometimes a little back.
            now += match rng.below(10) {
                0 => 0,
                1 => -(rng.below(3_600_000) as i64),
                _ => rng.below(900_000) as i64,
            };
            latest = latest.max(now);
            let at = Timestamp::from_millis(now);
            let used: Vec<SendKey> = keys.iter().filter(|_| rng.below(3) > 0).cloned().collect();
            memory.write(|tx| tx.record_send(org.id, &used, at, at.plus_secs(-48 * 3600))).unwrap();
            sqlite.write(|tx| tx.record_send(org.id, &used, at, at.plus_secs(-48 * 3600))).unwrap();
            if round % 7 != 0 {
                continue;
            }
            for key in &keys {
                for _ in 0..4 {
                    let since =
                        Timestamp::from_millis(latest - 24 * HOUR_MS - 2 * HOUR_MS + rng.below(28 * 3_600_000) as i64);
                    let nth = 1 + rng.below(60);
                    let expected = memory.read(|tx| tx.send_window(org.id, key, since, nth)).unwrap();
                    assert_eq!(sqlite.read(|tx| tx.send_window(org.id, key, since, nth)).unwrap(), expected, "{key:?}");
                    let times = memory.read(|tx| tx.send_times(org.id, key, since)).unwrap();
                    assert_eq!(sqlite.read(|tx| tx.send_times(org.id, key, since)).unwrap(), times);
                }
            }
        }
    }

    /// Object-safe reads for the differential test.
    trait ReadDyn {
        fn read_dyn(&self, f: &mut dyn FnMut(&dyn ReadTx) -> Result<Vec<Thread>>) -> Result<Vec<Thread>>;
    }
    impl<S: Store> ReadDyn for S {
        fn read_dyn(&self, f: &mut dyn FnMut(&dyn ReadTx) -> Result<Vec<Thread>>) -> Result<Vec<Thread>> {
            self.read(|tx| f(tx))
        }
    }
}
