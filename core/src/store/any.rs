//! Choosing the store at run time from a URL: [`open`] and [`AnyStore`].

#[cfg(feature = "postgres")]
use super::PostgresStore;
#[cfg(feature = "sqlite")]
use super::SqliteStore;
use super::{MemoryStore, ReadTx, Store, WriteTx};
use crate::error::{Error, Result, quote};

/// The URLs [`open`] understands, for error messages.
const EXPECTED: &str = "expected `memory:`, `sqlite:PATH`, `sqlite::memory:` or `postgres://...`";

/// One of the stores, chosen at run time (see [`open`]).
///
/// More back ends may be added, so a `match` on it needs a `_` arm.
#[derive(Debug)]
#[non_exhaustive]
// One per InviteKit, made once and never moved again: its size does not matter.
#[allow(clippy::large_enum_variant)]
pub enum AnyStore {
    /// The in-memory store.
    Memory(MemoryStore),
    /// The SQLite store.
    #[cfg(feature = "sqlite")]
    Sqlite(SqliteStore),
    /// The PostgreSQL store.
    #[cfg(feature = "postgres")]
    Postgres(PostgresStore),
}

impl From<MemoryStore> for AnyStore {
    fn from(s: MemoryStore) -> Self {
        AnyStore::Memory(s)
    }
}

#[cfg(feature = "sqlite")]
impl From<SqliteStore> for AnyStore {
    fn from(s: SqliteStore) -> Self {
        AnyStore::Sqlite(s)
    }
}

#[cfg(feature = "postgres")]
impl From<PostgresStore> for AnyStore {
    fn from(s: PostgresStore) -> Self {
        AnyStore::Postgres(s)
    }
}

impl AnyStore {
    /// Whether a call waits on the network (PostgreSQL) rather than only on
    /// this machine's memory and disk. A binding with an event loop runs such
    /// calls off it, and the others on the calling thread.
    ///
    /// ```
    /// assert!(!invitekit::store::open("memory:")?.is_remote());
    /// # Ok::<(), invitekit::Error>(())
    /// ```
    pub fn is_remote(&self) -> bool {
        match self {
            AnyStore::Memory(_) => false,
            #[cfg(feature = "sqlite")]
            AnyStore::Sqlite(_) => false,
            #[cfg(feature = "postgres")]
            AnyStore::Postgres(_) => true,
        }
    }

    /// Whether this is the in-memory store: a call never waits on I/O, only
    /// on other calls for a moment. An asyncio binding runs such calls on the
    /// event loop's thread and the others on its executor.
    ///
    /// ```
    /// assert!(invitekit::store::open("memory:")?.is_memory());
    /// # Ok::<(), invitekit::Error>(())
    /// ```
    pub fn is_memory(&self) -> bool {
        matches!(self, AnyStore::Memory(_))
    }
}

impl Store for AnyStore {
    fn read<T>(&self, f: impl FnOnce(&dyn ReadTx) -> Result<T>) -> Result<T> {
        match self {
            AnyStore::Memory(s) => s.read(f),
            #[cfg(feature = "sqlite")]
            AnyStore::Sqlite(s) => s.read(f),
            #[cfg(feature = "postgres")]
            AnyStore::Postgres(s) => s.read(f),
        }
    }

    fn write<T>(&self, f: impl FnMut(&mut dyn WriteTx) -> Result<T>) -> Result<T> {
        match self {
            AnyStore::Memory(s) => s.write(f),
            #[cfg(feature = "sqlite")]
            AnyStore::Sqlite(s) => s.write(f),
            #[cfg(feature = "postgres")]
            AnyStore::Postgres(s) => s.write(f),
        }
    }
}

/// Opens the store a URL names:
///
/// | URL | store |
/// |---|---|
/// | `memory:` | a new [`MemoryStore`] |
/// | `sqlite::memory:` | a new in-memory SQLite database |
/// | `sqlite:PATH`, `sqlite://PATH` | the SQLite file at `PATH` (relative or absolute; `sqlite:///abs/path` works too), created if missing |
/// | `postgres://...`, `postgresql://...` | a [`PostgresStore`](crate::store::PostgresStore) on that database (the `postgres` feature, on by default) |
///
/// A malformed URL, an unknown scheme or a back end that is not compiled in
/// is `invalid_input`; a database that cannot be opened or reached is
/// `storage`, with the reason (never the URL's password).
///
/// # Examples
/// ```
/// let store = invitekit::store::open("memory:")?;
/// let kit = invitekit::InviteKit::new(store);
/// # let _ = kit;
/// # #[cfg(feature = "sqlite")] {
/// let on_disk = invitekit::store::open("sqlite::memory:")?; // or "sqlite:acme.db"
/// # let _ = on_disk;
/// # }
/// assert_eq!(invitekit::store::open("mysql://db").unwrap_err().code(), "invalid_input");
/// # Ok::<(), invitekit::Error>(())
/// ```
pub fn open(url: &str) -> Result<AnyStore> {
    let Some((scheme, rest)) = url.split_once(':') else {
        return Err(Error::invalid(format!("`{}` is not a store url: {EXPECTED}", quote(url))));
    };
    match scheme.to_ascii_lowercase().as_str() {
        "memory" if rest.is_empty() => Ok(AnyStore::Memory(MemoryStore::new())),
        "memory" => Err(Error::invalid(format!("`{}` is not a store url: {EXPECTED}", quote(url)))),
        "sqlite" => open_sqlite(rest),
        "postgres" | "postgresql" => open_postgres(url),
        "" => Err(Error::invalid(format!("`{}` is not a store url: {EXPECTED}", quote(url)))),
        _ => Err(Error::invalid(format!("unknown store scheme `{}`: {EXPECTED}", quote(scheme)))),
    }
}

#[cfg(feature = "sqlite")]
fn open_sqlite(rest: &str) -> Result<AnyStore> {
    let path = rest.strip_prefix("//").unwrap_or(rest);
    match path {
        ":memory:" => Ok(AnyStore::Sqlite(SqliteStore::open_in_memory()?)),
        "" => Err(Error::invalid("the sqlite url has no path: use `sqlite:PATH` or `sqlite::memory:`")),
        _ => Ok(AnyStore::Sqlite(SqliteStore::open(path)?)),
    }
}

#[cfg(not(feature = "sqlite"))]
fn open_sqlite(_rest: &str) -> Result<AnyStore> {
    Err(Error::invalid("sqlite support is not compiled in (the `sqlite` feature of invitekit)"))
}

#[cfg(feature = "postgres")]
fn open_postgres(url: &str) -> Result<AnyStore> {
    Ok(AnyStore::Postgres(PostgresStore::open(url)?))
}

#[cfg(not(feature = "postgres"))]
fn open_postgres(_url: &str) -> Result<AnyStore> {
    Err(Error::invalid("postgres support is not compiled in (the `postgres` feature of invitekit)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(url: &str) -> &'static str {
        match open(url) {
            Ok(_) => "ok",
            Err(e) => e.code(),
        }
    }

    #[test]
    fn urls_choose_the_store() {
        assert!(matches!(open("memory:"), Ok(AnyStore::Memory(_))));
        for bad in ["mysql://x", "nonsense", "", "memory:x", ":x", "sqlite:", "sqlite://", "postgres://u@[::1/db"] {
            assert_eq!(code(bad), "invalid_input", "{bad:?}");
        }
        #[cfg(feature = "postgres")]
        for unreachable in ["postgres://u:secret@127.0.0.1:1/db", "postgresql://u@127.0.0.1:1/db"] {
            assert_eq!(code(unreachable), "storage", "{unreachable:?}");
            let message = open(unreachable).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(message.contains("127.0.0.1") && !message.contains("secret"), "{message}");
        }
        #[cfg(not(feature = "postgres"))]
        assert_eq!(code("postgres://u@127.0.0.1:1/db"), "invalid_input");
        #[cfg(feature = "sqlite")]
        {
            assert!(matches!(open("sqlite::memory:"), Ok(AnyStore::Sqlite(_))));
            assert!(matches!(open("sqlite://:memory:"), Ok(AnyStore::Sqlite(_))));
            assert_eq!(code("sqlite:/nonexistent/dir/x.db"), "storage");
        }
    }
}
