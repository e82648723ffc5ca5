//! What every integration test suite shares: the InviteKit under test, on the
//! store chosen by the environment variable `INVITEKIT_TEST_STORE`, so that
//! one suite checks every store (the conformance suite of SPEC §7):
//!
//! | `INVITEKIT_TEST_STORE` | store |
//! |---|---|
//! | unset, `memory` | the in-memory store |
//! | `sqlite` | a new SQLite file (WAL) in the temporary directory, per call |
//! | `sqlite-memory` | a new in-memory SQLite database, per call |
//!
//! `scripts/test` runs the suites once on each.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use invitekit::{AnyStore, InviteKit, ManualClock, Policy};

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
        other => panic!("INVITEKIT_TEST_STORE={other:?}: expected `memory`, `sqlite` or `sqlite-memory`"),
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
