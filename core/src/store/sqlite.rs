//! The SQLite store: one file, the embedded default for a real host
//! ([stores](crate::rules#stores)).
//!
//! Every read and write is the shared SQL layer's ([`super::sql`]); this
//! module holds the connections, the transactions, the schema's migrations
//! and how words are indexed and searched.
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
//!   [`Store::read`] is one read transaction, a consistent snapshot, on a
//!   read-only connection of a small pool, never the writer's.
//!   The WAL is copied into the file by a background checkpoint every few
//!   commits, on its own connection, so no commit pays for it.
//!   Statements are prepared once per connection and cached; query plans do
//!   not depend on the values bound (the query planner stability guarantee),
//!   so a cached statement is never compiled again.
//! - **Schema.** Versioned by `PRAGMA user_version`; the migrations
//!   (`sql/sqlite/*.sql`) this version knows are applied in order, in one
//!   transaction, when the file is opened. A file written by a newer
//!   InviteKit is refused (`storage`). Every table carries `org_id`, first
//!   in its key except in `participants` and `emails`, which are numbered
//!   in insertion order (an email's row then fits in one page), so the data
//!   can be sharded by organization.
//!   Ids are 16-byte BLOBs (byte order is the ids' order), times INTEGER
//!   milliseconds, permission sets INTEGER bits, lists and event details JSON.
//! - **Search.** The distinct words of each thread (title, freelancer name,
//!   messages), folded by [`crate::search::words`] exactly as the memory
//!   store folds them, are kept in `thread_words`, keyed by organization,
//!   thread and word, and indexed by organization and word. A search walks
//!   the member's threads newest first through an index and checks each term
//!   with one seek, so its cost follows the member's threads, never the
//!   number of messages; for a member in very many threads, when a term is
//!   rare in the organization, it seeks each term's prefix range in the
//!   organization's words instead. Either way it looks at the actor's
//!   organization only. `find_coworkers` seeks the
//!   index of members' words by prefix range.

use std::cell::Cell;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, mpsc};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ErrorCode, OpenFlags, params_from_iter};
use uuid::Uuid;

use super::sql::{self, Backend, Binds, SqlRow, SqlTx, Value};
use super::{ReadTx, Store, WriteTx};
use crate::error::{Error, Result, quote, sanitize};
use crate::ids::{MemberId, OrgId, ThreadId};
use crate::model::{Member, Thread, ThreadCursor};
use crate::policy::{Permission, PermissionSet};
use crate::search::{member_index_words, words};

/// How long a writer waits for another one (in this or another process) before `conflict`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Idle reader connections kept open.
const MAX_IDLE_READERS: usize = 4;
/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 128;
/// Commits between two background checkpoints of the WAL.
const CHECKPOINT_EVERY: u32 = 32;
/// The WAL pages past which the writer checkpoints in its own commit, should
/// the background checkpoints fall behind (SQLite's default is 1,000).
const WAL_BOUND_PAGES: u32 = 10_000;
/// A member in more threads than this is searched through the
/// organization's word index rather than by walking their threads.
const SEARCH_WALK_LIMIT: usize = 2000;

/// The schema, one migration per version: version `n` is reached by applying
/// the first `n` in order. Never edit a released migration; add a new one.
const MIGRATIONS: &[&str] = &[
    include_str!("sql/sqlite/0001_initial.sql"),
    include_str!("sql/sqlite/0002_words_per_organization.sql"),
    include_str!("sql/sqlite/0003_emails_in_one_page.sql"),
    include_str!("sql/sqlite/0004_invitation_teams_metadata_redirect.sql"),
    include_str!("sql/sqlite/0005_join_requests_and_domains.sql"),
];

/// The SQLite [`Store`]: one file in WAL mode, or one in-memory database.
///
/// One writer connection (writes are serialized, as SQLite requires) and a
/// pool of read-only connections: a read never waits for a write, and a
/// write never waits for a read (WAL). An in-memory database has one
/// connection, which reads and writes take in turn.
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
    /// `None` for an in-memory database, which has no WAL.
    checkpointer: Option<Checkpointer>,
}

/// Copies the WAL into the database file on a thread and a connection of its
/// own, every [`CHECKPOINT_EVERY`] commits, so that no commit pays for it.
/// A `PASSIVE` checkpoint waits for no reader and no writer; should it fall
/// behind, the writer's own automatic checkpoint at [`WAL_BOUND_PAGES`]
/// still bounds the WAL.
struct Checkpointer {
    wake: Option<mpsc::SyncSender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    commits: AtomicU32,
}

impl Checkpointer {
    fn start(path: &Path) -> Result<Checkpointer> {
        let conn = connect(path).map_err(db)?;
        let (wake, woken) = mpsc::sync_channel::<()>(1);
        let thread = std::thread::Builder::new()
            .name("invitekit-sqlite-checkpoint".into())
            .spawn(move || {
                while woken.recv().is_ok() {
                    // A checkpoint that fails (the disk is full, say) is tried
                    // again at the next wake-up; commits are not affected.
                    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                }
            })
            .map_err(|e| Error::Storage(format!("cannot start the sqlite checkpoint thread: {e}")))?;
        Ok(Checkpointer { wake: Some(wake), thread: Some(thread), commits: AtomicU32::new(0) })
    }

    /// Counts a commit, and wakes the thread up every [`CHECKPOINT_EVERY`] of them.
    fn committed(&self) {
        if self.commits.fetch_add(1, Ordering::Relaxed) % CHECKPOINT_EVERY == CHECKPOINT_EVERY - 1
            && let Some(wake) = &self.wake
        {
            // Already awake with a wake-up pending: nothing to add.
            let _ = wake.try_send(());
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.wake = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
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
        writer.pragma_update(None, "wal_autocheckpoint", WAL_BOUND_PAGES).map_err(cannot)?;
        Ok(SqliteStore {
            writer: Mutex::new(writer),
            readers: Some(ReaderPool { path: path.to_owned(), idle: Mutex::new(Vec::new()) }),
            search_walk_limit: SEARCH_WALK_LIMIT,
            checkpointer: Some(Checkpointer::start(path)?),
        })
    }

    /// A new, empty in-memory database, private to this store (one
    /// connection serves reads and writes) and gone when it is dropped.
    pub fn open_in_memory() -> Result<SqliteStore> {
        let conn = Connection::open_in_memory().map_err(db)?;
        configure(&conn).map_err(db)?;
        migrate(&conn)?;
        Ok(SqliteStore {
            writer: Mutex::new(conn),
            readers: None,
            search_walk_limit: SEARCH_WALK_LIMIT,
            checkpointer: None,
        })
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
    let pending = sql::migrations_after(version, MIGRATIONS)?;
    for migration in pending {
        conn.execute_batch(migration).map_err(db)?;
    }
    if !pending.is_empty() {
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
    let out = f(&SqlTx(&Sqlite { conn, walk_limit }))?;
    run(conn, "COMMIT")?;
    Ok(out)
}

impl Store for SqliteStore {
    fn read<T>(&self, f: impl FnOnce(&dyn ReadTx) -> Result<T>) -> Result<T> {
        match &self.readers {
            None => read_on(&self.writer(), self.search_walk_limit, f),
            // A read never touches the writer's connection: it neither waits
            // for a write nor holds one up.
            Some(pool) => {
                let conn = pool.take()?;
                let out = read_on(&conn, self.search_walk_limit, f);
                pool.put(conn);
                out
            }
        }
    }

    fn write<T>(&self, mut f: impl FnMut(&mut dyn WriteTx) -> Result<T>) -> Result<T> {
        let conn = self.writer();
        let _rollback = Rollback(&conn);
        run(&conn, "BEGIN IMMEDIATE")?;
        let out = f(&mut SqlTx(&Sqlite { conn: &conn, walk_limit: self.search_walk_limit }))?;
        run(&conn, "COMMIT")?;
        if let Some(c) = &self.checkpointer {
            c.committed();
        }
        Ok(out)
    }
}

// ---------------------------------------------------------------------------
// The backend of the shared SQL layer
// ---------------------------------------------------------------------------

/// The connection of an open transaction, for the shared SQL layer.
struct Sqlite<'c> {
    conn: &'c Connection,
    walk_limit: usize,
}

/// A parameter as rusqlite binds it: ids as 16-byte BLOBs, booleans as 0 or 1.
fn bind<'a>(v: &'a Value<'_>) -> ToSqlOutput<'a> {
    match *v {
        Value::Id(Some(ref u)) => ToSqlOutput::Borrowed(ValueRef::Blob(u.as_bytes())),
        Value::Id(None) | Value::Int(None) | Value::Text(None) => ToSqlOutput::Borrowed(ValueRef::Null),
        Value::Int(Some(n)) => ToSqlOutput::from(n),
        Value::Int32(n) => ToSqlOutput::from(n),
        Value::Int16(n) => ToSqlOutput::from(n),
        Value::Text(Some(s)) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        Value::Bytes(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        Value::Bool(b) => ToSqlOutput::from(b),
    }
}

/// A rusqlite row, read by column name. A decoder asks for the columns in
/// about the order they are selected, so the search for a name starts where
/// the last one was found: usually one comparison.
struct Row<'r, 's> {
    row: &'r rusqlite::Row<'s>,
    next: Cell<usize>,
}

impl Row<'_, '_> {
    fn get(&self, col: &str) -> Result<ValueRef<'_>> {
        let st = self.row.as_ref();
        let n = st.column_count();
        let start = self.next.get();
        let i = (0..n)
            .map(|k| (start + k) % n)
            .find(|&i| st.column_name(i).is_ok_and(|name| name == col))
            .ok_or_else(|| Error::Storage(format!("no column `{col}` in the result")))?;
        self.next.set(i + 1);
        self.row.get_ref(i).map_err(db)
    }
}

fn bad(col: &str, found: ValueRef<'_>) -> Error {
    Error::Storage(format!("column `{col}` holds an unexpected {}", found.data_type()))
}

impl SqlRow for Row<'_, '_> {
    fn uuid(&self, col: &str) -> Result<Option<Uuid>> {
        match self.get(col)? {
            ValueRef::Null => Ok(None),
            ValueRef::Blob(b) => Uuid::from_slice(b).map(Some).map_err(|_| bad(col, ValueRef::Blob(b))),
            other => Err(bad(col, other)),
        }
    }

    fn int(&self, col: &str) -> Result<Option<i64>> {
        match self.get(col)? {
            ValueRef::Null => Ok(None),
            ValueRef::Integer(n) => Ok(Some(n)),
            other => Err(bad(col, other)),
        }
    }

    fn text(&self, col: &str) -> Result<Option<String>> {
        match self.get(col)? {
            ValueRef::Null => Ok(None),
            ValueRef::Text(t) => String::from_utf8(t.to_vec()).map(Some).map_err(|_| bad(col, ValueRef::Text(t))),
            other => Err(bad(col, other)),
        }
    }

    fn bool(&self, col: &str) -> Result<bool> {
        match self.get(col)? {
            ValueRef::Integer(n) => Ok(n != 0),
            other => Err(bad(col, other)),
        }
    }
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

impl Backend for Sqlite<'_> {
    fn query(&self, sql: &str, params: &[Value<'_>], row: &mut dyn FnMut(&dyn SqlRow) -> Result<()>) -> Result<()> {
        let mut st = self.conn.prepare_cached(sql).map_err(db)?;
        let mut rows = st.query(params_from_iter(params.iter().map(bind))).map_err(db)?;
        while let Some(r) = rows.next().map_err(db)? {
            row(&Row { row: r, next: Cell::new(0) })?;
        }
        Ok(())
    }

    fn exec(&self, sql: &str, params: &[Value<'_>]) -> Result<u64> {
        let mut st = self.conn.prepare_cached(sql).map_err(db)?;
        let n = st.execute(params_from_iter(params.iter().map(bind))).map_err(db)?;
        Ok(n as u64)
    }

    fn index_hints(&self) -> bool {
        true
    }

    fn index_member(&self, m: &Member, add: bool) -> Result<()> {
        // One statement for all of the member's words.
        let words = member_index_words(&m.name, &m.email);
        let mut b = Binds::default();
        let (org, member) = (b.bind(sql::id(m.org_id)), b.bind(sql::id(m.id)));
        let placeholders: Vec<String> = words.iter().map(|w| b.bind(sql::text(w))).collect();
        let sql = if add {
            let rows: Vec<String> = placeholders.iter().map(|w| format!("({org}, {w}, {member})")).collect();
            format!("INSERT OR IGNORE INTO member_words (org_id, word, member_id) VALUES {}", rows.join(", "))
        } else {
            format!(
                "DELETE FROM member_words WHERE org_id = {org} AND member_id = {member} AND word IN ({})",
                placeholders.join(", ")
            )
        };
        if !words.is_empty() {
            self.exec(&sql, &b.0)?;
        }
        Ok(())
    }

    fn index_thread(&self, org: OrgId, thread: ThreadId, texts: &[&str]) -> Result<()> {
        for text in texts {
            for w in words(text) {
                self.exec(
                    "INSERT OR IGNORE INTO thread_words (org_id, thread_id, word) VALUES (?1, ?2, ?3)",
                    &[sql::id(org), sql::id(thread), sql::text(&w)],
                )?;
            }
        }
        Ok(())
    }

    fn members_with_word(&self, org: OrgId, prefix: &str) -> Result<Vec<Member>> {
        let end = prefix_end(prefix);
        sql::all(
            self,
            &format!(
                "SELECT {} FROM members WHERE org_id = ?1 AND id IN (SELECT member_id FROM member_words \
                 WHERE org_id = ?1 AND word >= ?2 AND word < CAST(?3 AS TEXT)) ORDER BY id",
                sql::MEMBER_COLS
            ),
            &[sql::id(org), sql::text(prefix), Value::Bytes(&end)],
            sql::member,
        )
    }

    fn search_threads(
        &self,
        member: MemberId,
        terms: &[String],
        after: Option<&ThreadCursor>,
        limit: usize,
    ) -> Result<Vec<Thread>> {
        let ends: Vec<Vec<u8>> = terms.iter().map(|t| prefix_end(t)).collect();
        let mut b = Binds::default();
        let member_p = b.bind(sql::id(member));
        let read_p = b.bind(sql::perms(PermissionSet::from(Permission::Read)));
        // The count `n` a query answers (each caps what it counts).
        let capped = |sql: &str, params: &[Value<'_>]| -> Result<usize> {
            let n = sql::one(self, sql, params, |r| sql::get_int(r, "n"))?.unwrap_or(0);
            Ok(usize::try_from(n).unwrap_or(usize::MAX))
        };
        // A member in no more than `walk_limit` threads walks them. One in
        // more is searched from the organization's words of the rarest
        // term, if a term is rare enough (at most a tenth of that) for its
        // threads to be fewer than the walk would look at; otherwise every
        // term is common, and walking finds a page at once.
        let rare = self.walk_limit / 10;
        let mut driver: Option<usize> = None;
        if !terms.is_empty()
            && capped(
                "SELECT count(*) AS n FROM (SELECT 1 FROM participants WHERE member_id = ?1 LIMIT ?2)",
                &[sql::id(member), sql::count(self.walk_limit.saturating_add(1))],
            )? > self.walk_limit
        {
            let mut fewest = usize::MAX;
            for (i, (term, end)) in terms.iter().zip(&ends).enumerate() {
                let n = capped(
                    "SELECT count(*) AS n FROM (SELECT 1 FROM thread_words WHERE \
                     org_id = (SELECT org_id FROM members WHERE id = ?1) \
                     AND word >= ?2 AND word < CAST(?3 AS TEXT) LIMIT ?4)",
                    &[sql::id(member), sql::text(term), Value::Bytes(end), sql::count(rare.saturating_add(1))],
                )?;
                if n <= rare && n < fewest {
                    (fewest, driver) = (n, Some(i));
                }
            }
        }
        let cols = sql::THREAD_COLS;
        let mut sql = match driver {
            // The member's threads newest first (one index range).
            None => format!(
                "SELECT {cols} FROM participants p CROSS JOIN threads t ON t.org_id = p.org_id AND t.id = p.thread_id \
                 WHERE p.member_id = {member_p} AND (p.permissions & {read_p}) != 0"
            ),
            // The threads with a word of the rarest term (one prefix range of
            // the organization's words), then the member's place in each.
            Some(i) => {
                let org = format!("(SELECT org_id FROM members WHERE id = {member_p})");
                let from = b.bind(sql::text(&terms[i]));
                let to = b.bind(Value::Bytes(&ends[i]));
                format!(
                    "SELECT {cols} FROM (SELECT DISTINCT thread_id FROM thread_words WHERE org_id = {org} \
                     AND word >= {from} AND word < CAST({to} AS TEXT)) h \
                     CROSS JOIN participants p ON p.thread_id = h.thread_id AND p.member_id = {member_p} \
                     CROSS JOIN threads t ON t.org_id = p.org_id AND t.id = p.thread_id \
                     WHERE (p.permissions & {read_p}) != 0"
                )
            }
        };
        // Every (other) term: one seek in the thread's words.
        for (i, (term, end)) in terms.iter().zip(&ends).enumerate() {
            if driver == Some(i) {
                continue;
            }
            let from = b.bind(sql::text(term));
            let to = b.bind(Value::Bytes(end));
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM thread_words w WHERE w.org_id = p.org_id \
                 AND w.thread_id = p.thread_id AND w.word >= {from} AND w.word < CAST({to} AS TEXT))"
            ));
        }
        sql::thread_page(self, sql, b, after, limit)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn prefix_ranges_cover_exactly_the_words_with_the_prefix() {
        assert_eq!(prefix_end("jo"), b"jp".to_vec());
        assert_eq!(prefix_end(""), vec![0xFF]);
        let end = prefix_end("é");
        assert!("é".as_bytes() < end.as_slice() && "éz".as_bytes() < end.as_slice());
        assert!("ê".as_bytes() >= end.as_slice());
    }
}
