//! What every integration test suite shares: the InviteKit under test, on the
//! store chosen by the environment variable `INVITEKIT_TEST_STORE`, so that
//! one suite checks every store (the conformance suite of docs/rules.md#stores):
//!
//! | `INVITEKIT_TEST_STORE` | store |
//! |---|---|
//! | unset, `memory` | the in-memory store |
//! | `sqlite` | a new SQLite file (WAL) in the temporary directory, per call |
//! | `sqlite-memory` | a new in-memory SQLite database, per call |
//! | `postgres` | a new schema on the PostgreSQL server `INVITEKIT_TEST_POSTGRES_URL`, per call |
//!
//! `scripts/test` runs the suites once on each (on PostgreSQL when a server
//! is configured; `.ci/run` starts one).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use invitekit::{AnyStore, InviteKit, ManualClock, Policy};

pub mod reach;
pub mod schemas;

/// The store the environment asks for.
pub fn store_kind() -> String {
    std::env::var("INVITEKIT_TEST_STORE").unwrap_or_else(|_| "memory".to_owned())
}

/// The URL of a new, empty store of the kind the environment asks for.
pub fn store_url() -> String {
    match store_kind().as_str() {
        "" | "memory" => "memory:".to_owned(),
        "sqlite" => format!("sqlite:{}", temp_db_path().display()),
        "sqlite-memory" => "sqlite::memory:".to_owned(),
        "postgres" => match postgres_server_url() {
            Some(server) => postgres_schema_url(&server),
            None => panic!(
                "INVITEKIT_TEST_STORE=postgres needs a server: set INVITEKIT_TEST_POSTGRES_URL \
                 (e.g. postgres://postgres@127.0.0.1:5432/postgres; `bash scripts/start-postgres` starts one)"
            ),
        },
        other => {
            panic!("INVITEKIT_TEST_STORE={other:?}: expected `memory`, `sqlite`, `sqlite-memory` or `postgres`")
        }
    }
}

/// A new, empty store of the kind the environment asks for.
pub fn store() -> AnyStore {
    let url = store_url();
    invitekit::store::open(&url).unwrap_or_else(|e| panic!("cannot open the test store {url}: {e}"))
}

/// An InviteKit with the default policy on `clock`, over a new store.
pub fn kit(clock: &ManualClock) -> InviteKit<AnyStore> {
    InviteKit::builder().clock(clock.clone()).build(store())
}

/// An InviteKit with `policy` on `clock`, over a new store.
pub fn kit_with_policy(policy: Policy, clock: &ManualClock) -> InviteKit<AnyStore> {
    InviteKit::builder().policy(policy).clock(clock.clone()).build(store())
}

/// A fresh path for a SQLite file, in a folder of this test process under
/// the temporary directory. Folders left by earlier test processes that have
/// ended are removed the first time.
pub fn temp_db_path() -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = process_dir();
    dir.join(format!("t{}.db", N.fetch_add(1, Ordering::Relaxed)))
}

fn process_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    static LOCK: Mutex<()> = Mutex::new(());
    DIR.get_or_init(|| {
        let _guard = LOCK.lock();
        let root = std::env::temp_dir().join("invitekit-tests");
        std::fs::create_dir_all(&root).unwrap();
        clean_dead(&root);
        let dir = root.join(std::process::id().to_string());
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    })
    .clone()
}

/// Removes the folders of test processes that are no longer running (on
/// Linux, where `/proc` tells; elsewhere nothing is removed).
fn clean_dead(root: &std::path::Path) {
    if !std::path::Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(root) else { return };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        if pid != std::process::id() && !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

// ---------------------------------------------------------------------------
// PostgreSQL
// ---------------------------------------------------------------------------

/// Whether the tests run in CI (`CI` set, and not to `false` or `0`), where
/// a PostgreSQL server is required rather than optional.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// The PostgreSQL server of the tests, `INVITEKIT_TEST_POSTGRES_URL`, if set.
pub fn postgres_server_url() -> Option<String> {
    std::env::var("INVITEKIT_TEST_POSTGRES_URL").ok().filter(|u| !u.trim().is_empty())
}

/// The server for a PostgreSQL-only test, or `None` after printing why the
/// test is skipped. In CI a missing server fails the test instead.
pub fn postgres_server_or_skip() -> Option<String> {
    if let Some(url) = postgres_server_url() {
        return Some(url);
    }
    assert!(
        !in_ci(),
        "CI is set but INVITEKIT_TEST_POSTGRES_URL is not: the PostgreSQL tests must run in CI (`.ci/run` starts a server)"
    );
    // Straight to stderr, past the test harness's capture, so the reason shows.
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "skipped: set INVITEKIT_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres) \
         to run the PostgreSQL tests"
    );
    None
}

/// The URL of a new, empty schema on `server`: the server's URL with the
/// schema as the connections' `search_path`, so every store opened on it
/// sees only that schema. Schemas left by earlier test processes that have
/// ended are dropped the first time.
pub fn postgres_schema_url(server: &str) -> String {
    let schema = new_postgres_schema(server);
    let sep = if server.contains('?') { '&' } else { '?' };
    format!("{server}{sep}options=-csearch_path%3D{schema}")
}

/// A connection to the test server, for the tests' own SQL.
pub fn postgres_client(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).unwrap_or_else(|e| panic!("cannot connect to the test server: {e}"))
}

fn new_postgres_schema(server: &str) -> String {
    static ADMIN: Mutex<Option<postgres::Client>> = Mutex::new(None);
    static N: AtomicU64 = AtomicU64::new(0);
    let mut admin = ADMIN.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let client = match admin.as_mut() {
        Some(c) if !c.is_closed() => c,
        _ => {
            let mut c = postgres_client(server);
            schemas::drop_dead_schemas(&mut c, "ikt");
            admin.insert(c)
        }
    };
    let schema = format!("ikt_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
    client.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")).unwrap();
    schema
}

/// After a migration that added them, writes a request to join and a
/// domain verification of `org` through the store, reopens it with `reopen`,
/// and checks both read back field for field.
pub fn join_request_and_domain_survive_a_reopen(
    kit: InviteKit<AnyStore>,
    org: invitekit::OrgId,
    clock: &ManualClock,
    reopen: impl FnOnce() -> InviteKit<AnyStore>,
) -> InviteKit<AnyStore> {
    use invitekit::Clock as _;
    use invitekit::store::{ReadTx, Store, WriteTx};
    use invitekit::{DomainVerification, JoinRequest, JoinRequestId, JoinRequestStatus};
    let request = JoinRequest {
        id: JoinRequestId::new(),
        org_id: org,
        email: "Cy@Acme.com".into(),
        name: "Cy Diaz".into(),
        role: "member".into(),
        status: JoinRequestStatus::Pending,
        created_at: clock.now(),
        decided_by: None,
        decided_at: None,
        reason: None,
    };
    let domain = DomainVerification {
        org_id: org,
        domain: "acme.com".into(),
        record_name: "_invitekit-challenge.acme.com".into(),
        record_value: "invitekit-verification=abc".into(),
        created_at: clock.now(),
        verified_at: Some(clock.now().plus_secs(60)),
    };
    kit.store()
        .write(|tx: &mut dyn WriteTx| {
            tx.insert_join_request(&request)?;
            tx.put_domain_verification(&domain)
        })
        .unwrap();
    drop(kit);
    let kit = reopen();
    let (requests, domains) = kit
        .store()
        .read(|tx: &dyn ReadTx| Ok((tx.join_requests_from(org, "cy@acme.com")?, tx.domain_verifications(org)?)))
        .unwrap();
    assert_eq!(requests, [request]);
    assert_eq!(domains, [domain]);
    kit
}
