//! The SQLite store as a host relies on it (docs/rules.md#stores): what is written
//! survives closing and reopening the file, the schema is versioned, URLs
//! choose the store, handles and processes sharing one file race safely, and
//! a writer killed at any instant (`kill -9`) leaves every invitation whole
//! or absent.
//!
//! The multi-process tests run this same test binary again as the child
//! process (see [`child_process`]), told what to do by environment variables.

#![cfg(feature = "sqlite")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeSet, HashSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use invitekit::*;

const PORTAL: &str = "https://acme.example.com/portal";
const DAY: i64 = 24 * 3600;

fn url(path: &Path) -> String {
    format!("sqlite:{}", path.display())
}

fn open_kit(path: &Path, clock: &ManualClock) -> InviteKit<AnyStore> {
    InviteKit::builder().clock(clock.clone()).open(&url(path)).unwrap()
}

fn code<T: std::fmt::Debug>(r: Result<T>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

/// Every event of the organization, through the public API.
fn all_events(kit: &InviteKit<AnyStore>, admin: MemberId) -> Vec<Event> {
    let mut out: Vec<Event> = Vec::new();
    loop {
        let page = kit.events(admin, out.last().map(|e| e.seq), 1000).unwrap();
        if page.is_empty() {
            return out;
        }
        out.extend(page);
    }
}

/// Acme with Alice (`full`) on a new file, limits raised for bulk sending.
fn acme(path: &Path, clock: &ManualClock) -> (InviteKit<AnyStore>, Organization, Member) {
    let kit = open_kit(path, clock);
    let org = kit.create_organization("Acme Corp", "acme", PORTAL, &["acme.com"]).unwrap();
    let alice = kit.add_member(org.id, "alice@acme.com", "Alice Smith", "full").unwrap();
    let update = SettingsUpdate {
        max_invitations_per_inviter_per_day: Some(10_000),
        max_invitations_per_org_per_day: Some(100_000),
        max_pending_invitations: Some(100_000),
        ..SettingsUpdate::default()
    };
    let org = kit.set_organization_settings(alice.id, org.id, &update).unwrap();
    (kit, org, alice)
}

fn integrity(path: &Path) {
    let conn = rusqlite::Connection::open(path).unwrap();
    let verdict: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(verdict, "ok");
    let broken: i64 = conn.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0)).unwrap();
    assert_eq!(broken, 0, "foreign keys");
}

// ---------------------------------------------------------------------------
// Persistence and schema
// ---------------------------------------------------------------------------

#[test]
fn everything_survives_closing_and_reopening_the_file() {
    let path = common::temp_db_path();
    let clock = ManualClock::new();
    let kit = open_kit(&path, &clock);
    let org = kit.create_organization("Acme Corp", "acme", PORTAL, &["acme.com"]).unwrap();
    let alice = kit.add_member(org.id, "alice@acme.com", "Alice Smith", "full").unwrap();
    let bob = kit.add_member(org.id, "bob@acme.com", "Bob Jones", "member").unwrap();
    let design = kit.create_team(org.id, "Design").unwrap();
    let update = SettingsUpdate { resend_cooldown_secs: Some(120), ..SettingsUpdate::default() };
    let org = kit.set_organization_settings(alice.id, org.id, &update).unwrap();
    let draft = kit
        .draft_invitation(alice.id, "carol@acme.com", InviteOptions::new().message("Welcome!").team(design.id))
        .unwrap();
    let link = draft.link().to_owned();
    let carol_inv = kit.send_invitation(&draft, true).unwrap();
    clock.advance(10);
    let thread = kit.start_thread(alice.id, "fl-42", "José Pérez", "Logo redesign").unwrap();
    kit.post_message(alice.id, thread.id, "Could you share your portfolio?").unwrap();
    clock.advance(10);
    kit.post_freelancer_message(thread.id, "Sure, here it is").unwrap();
    kit.add_to_thread(alice.id, thread.id, bob.id, &Grant::preset("viewer")).unwrap();
    let dave = kit
        .invite_to_thread(alice.id, thread.id, "dave@acme.com", &Grant::preset("participant"), InviteOptions::new())
        .unwrap();
    let dave_inv = dave.invitation.clone().unwrap();

    let members = kit.list_members(org.id).unwrap();
    let invitations = kit.list_invitations(alice.id, None).unwrap();
    let events = all_events(&kit, alice.id);
    let found = kit.search_threads(alice.id, "jose portfolio", 20, None).unwrap();
    let people = kit.people(alice.id, thread.id).unwrap();
    let coworkers = kit.find_coworkers(alice.id, "bo", 10).unwrap();
    assert_eq!(found.threads.len(), 1);
    assert_eq!(coworkers.len(), 1);
    drop(kit);

    let kit = open_kit(&path, &clock);
    assert_eq!(kit.get_organization(org.id).unwrap(), org);
    assert_eq!(kit.list_members(org.id).unwrap(), members);
    assert_eq!(kit.list_invitations(alice.id, None).unwrap(), invitations);
    assert_eq!(all_events(&kit, alice.id), events);
    assert_eq!(kit.search_threads(alice.id, "jose portfolio", 20, None).unwrap(), found);
    let stored = kit.store().read(|tx| tx.thread(thread.id)).unwrap().unwrap();
    assert_eq!(kit.search_threads(bob.id, "SURE", 20, None).unwrap().threads, [stored]);
    assert_eq!(kit.people(alice.id, thread.id).unwrap(), people);
    assert_eq!(kit.find_coworkers(alice.id, "bo", 10).unwrap(), coworkers);
    let outbox = kit.outbox_pending(100).unwrap();
    let to: BTreeSet<&str> = outbox.iter().map(|e| e.to.as_str()).collect();
    assert_eq!(to, BTreeSet::from(["carol@acme.com", "dave@acme.com"]));
    for e in &outbox {
        kit.outbox_ack(e.id).unwrap();
    }
    let carol = kit.accept_invitation(&link, "carol@acme.com", "Carol Diaz").unwrap().member;
    assert_eq!(carol.team_ids, [design.id]);
    drop(kit);

    let kit = open_kit(&path, &clock);
    assert_eq!(kit.get_member(carol.id).unwrap(), carol);
    let statuses: Vec<(InvitationId, InvitationStatus)> =
        kit.list_invitations(alice.id, None).unwrap().iter().map(|i| (i.id, i.status)).collect();
    assert!(statuses.contains(&(carol_inv.id, InvitationStatus::Accepted)));
    assert!(statuses.contains(&(dave_inv.id, InvitationStatus::Pending)));
    clock.advance(3600);
    assert!(kit.outbox_pending(100).unwrap().is_empty(), "acknowledged emails stay sent");
    let kinds: Vec<&str> = all_events(&kit, alice.id).iter().skip(events.len()).map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["invitation_accepted", "member_added"]);
    integrity(&path);
}

#[test]
fn migrations_run_once_and_reopening_is_harmless() {
    let path = common::temp_db_path();
    let clock = ManualClock::new();
    let (kit, org, _) = acme(&path, &clock);
    drop(kit);
    for _ in 0..3 {
        let kit = open_kit(&path, &clock);
        assert_eq!(kit.get_organization(org.id).unwrap().slug, "acme");
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, SqliteStore::SCHEMA_VERSION);
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn a_file_from_a_newer_invitekit_is_refused() {
    let path = common::temp_db_path();
    drop(SqliteStore::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", SqliteStore::SCHEMA_VERSION + 1).unwrap();
    drop(conn);
    let err = InviteKit::open(&url(&path)).unwrap_err();
    assert_eq!(err.code(), "storage");
    assert!(err.to_string().contains("newer"), "{err}");
}

#[test]
fn urls_that_name_no_store_are_invalid_input() {
    for bad in ["mysql://x", "sqlite:", "sqlite://", "nonsense", "", "memory:extra", "postgres://u@localhost:x/db"] {
        let err = InviteKit::open(bad).unwrap_err();
        assert_eq!(err.code(), "invalid_input", "{bad:?}: {err}");
        assert!(!err.to_string().ends_with('.'), "{err}");
    }
    assert!(InviteKit::open("mysql://x").unwrap_err().to_string().contains("`mysql`"));
    assert!(InviteKit::open("postgresql://h:port/db").unwrap_err().to_string().contains("postgres"));
}

#[test]
fn every_url_form_opens_its_store() {
    let kit = InviteKit::open("memory:").unwrap();
    assert!(matches!(kit.store(), AnyStore::Memory(_)));
    for u in ["sqlite::memory:", "sqlite://:memory:"] {
        let kit = InviteKit::open(u).unwrap();
        assert!(matches!(kit.store(), AnyStore::Sqlite(_)));
        // One database behind every read and write.
        let org = kit.create_organization("Acme Corp", "acme", PORTAL, &["acme.com"]).unwrap();
        assert_eq!(kit.get_organization(org.id).unwrap(), org);
    }
    let path = common::temp_db_path();
    let absolute = format!("sqlite://{}", path.display());
    assert!(absolute.starts_with("sqlite:///"));
    let kit = InviteKit::open(&absolute).unwrap();
    let org = kit.create_organization("Acme Corp", "acme", PORTAL, &["acme.com"]).unwrap();
    drop(kit);
    let kit = InviteKit::open(&format!("sqlite:{}", path.display())).unwrap();
    assert_eq!(kit.get_organization(org.id).unwrap().name, "Acme Corp");
}

#[test]
fn a_file_that_cannot_be_opened_is_a_storage_error() {
    let dir = common::temp_db_path().with_extension("dir");
    std::fs::create_dir_all(&dir).unwrap();
    let not_a_db = common::temp_db_path();
    std::fs::write(&not_a_db, "this is not a database, just some text long enough to fill a header".repeat(20))
        .unwrap();
    for path in [dir.clone(), PathBuf::from("/nonexistent/dir/x.db"), not_a_db] {
        let err = InviteKit::open(&url(&path)).unwrap_err();
        assert_eq!(err.code(), "storage", "{}: {err}", path.display());
        assert!(err.to_string().contains(&path.display().to_string()), "{err}");
    }
}

// ---------------------------------------------------------------------------
// Concurrency within one process
// ---------------------------------------------------------------------------

/// 2 handles on one file × 8 threads each, all starting together.
fn race<T: std::fmt::Debug + Send + 'static>(
    kits: [Arc<InviteKit<AnyStore>>; 2],
    f: impl Fn(&InviteKit<AnyStore>) -> Result<T> + Send + Sync + 'static,
) -> Vec<&'static str> {
    let f = Arc::new(f);
    let barrier = Arc::new(Barrier::new(16));
    let handles: Vec<_> = (0..16)
        .map(|i| {
            let kit = kits[i % 2].clone();
            let (f, barrier) = (f.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                code(f(&kit))
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

fn tally(codes: &[&'static str]) -> Vec<(&'static str, usize)> {
    let kinds: BTreeSet<&str> = codes.iter().copied().collect();
    kinds.into_iter().map(|k| (k, codes.iter().filter(|c| **c == k).count())).collect()
}

#[test]
fn two_handles_racing_to_accept_one_token_make_one_member() {
    let path = common::temp_db_path();
    let clock = ManualClock::new();
    let (a, org, alice) = acme(&path, &clock);
    let b = open_kit(&path, &clock);
    let draft = a.draft_invitation(alice.id, "bob@acme.com", InviteOptions::new()).unwrap();
    b.send_invitation(&draft, true).unwrap();
    let link = draft.link().to_owned();
    let codes = race([Arc::new(a), Arc::new(b)], move |kit| kit.accept_invitation(&link, "bob@acme.com", "Bob Jones"));
    assert_eq!(tally(&codes), [("invitation_not_pending", 15), ("ok", 1)]);
    let kit = open_kit(&path, &clock);
    let bobs = kit.list_members(org.id).unwrap().into_iter().filter(|m| m.email == "bob@acme.com").count();
    assert_eq!(bobs, 1);
    let accepted = all_events(&kit, alice.id).iter().filter(|e| e.kind == EventKind::InvitationAccepted).count();
    assert_eq!(accepted, 1);
    integrity(&path);
}

#[test]
fn two_handles_racing_to_add_one_coworker_add_them_once() {
    let path = common::temp_db_path();
    let clock = ManualClock::new();
    let (a, org, alice) = acme(&path, &clock);
    let b = open_kit(&path, &clock);
    let carol = b.add_member(org.id, "carol@acme.com", "Carol Diaz", "member").unwrap();
    let thread = a.start_thread(alice.id, "fl-7", "Ana Lima", "Brand book").unwrap();
    let t = thread.id;
    let codes =
        race([Arc::new(a), Arc::new(b)], move |kit| kit.add_to_thread(alice.id, t, carol.id, &Grant::preset("viewer")));
    assert_eq!(tally(&codes), [("already_participant", 15), ("ok", 1)]);
    let kit = open_kit(&path, &clock);
    let people = kit.people(alice.id, thread.id).unwrap();
    assert_eq!(people.participants.iter().filter(|p| p.member_id == carol.id).count(), 1);
    integrity(&path);
}

#[test]
fn reads_do_not_wait_for_a_write_in_progress() {
    let path = common::temp_db_path();
    let clock = ManualClock::new();
    let (kit, org, _) = acme(&path, &clock);
    let kit = Arc::new(kit);
    let other = open_kit(&path, &clock);
    let (in_tx, entered) = mpsc::channel::<()>();
    let (release, wait_release) = mpsc::channel::<()>();
    let writer = {
        let kit = kit.clone();
        std::thread::spawn(move || {
            kit.store().write(|_tx| {
                in_tx.send(()).unwrap();
                wait_release.recv_timeout(Duration::from_secs(60)).unwrap();
                Ok(())
            })
        })
    };
    entered.recv().unwrap();
    // The write holds the file's write lock: reads on the same handle and on
    // another handle still answer.
    let (done, read_done) = mpsc::channel();
    let kit2 = kit.clone();
    std::thread::spawn(move || {
        let a = kit2.get_organization(org.id).map(|o| o.name);
        let b = other.get_organization(org.id).map(|o| o.name);
        done.send((a, b)).unwrap();
    });
    let (a, b) = read_done.recv_timeout(Duration::from_secs(30)).expect("reads waited for the writer");
    assert_eq!((a.unwrap(), b.unwrap()), ("Acme Corp".to_owned(), "Acme Corp".to_owned()));
    release.send(()).unwrap();
    writer.join().unwrap().unwrap();
}

#[test]
fn a_write_does_not_wait_for_a_read_in_progress_and_the_read_keeps_its_snapshot() {
    let path = common::temp_db_path();
    let clock = ManualClock::new();
    let (kit, org, alice) = acme(&path, &clock);
    let kit = Arc::new(kit);
    let before = all_events(&kit, alice.id).len();
    let opened = Arc::new(Barrier::new(2));
    let (written, wait_written) = mpsc::channel::<()>();
    let reader = {
        let (kit, opened) = (kit.clone(), opened.clone());
        std::thread::spawn(move || {
            kit.store().read(|tx| {
                let first = tx.events(org.id, 0, 1000)?.len();
                opened.wait();
                // The write below commits while this read transaction is open.
                wait_written.recv().unwrap();
                let again = tx.events(org.id, 0, 1000)?.len();
                Ok((first, again))
            })
        })
    };
    opened.wait();
    // A one-row write, on the same handle, while the read holds its snapshot:
    // it neither waits for the read nor changes what the read sees.
    kit.create_team(org.id, "Design").unwrap();
    written.send(()).unwrap();
    let (first, again) = reader.join().unwrap().unwrap();
    assert_eq!((first, again), (before, before), "the open read kept its snapshot");
    assert_eq!(all_events(&kit, alice.id).len(), before + 1, "a new read sees the write");
}

/// Back to version 4's shape: no requests to join, no domain verifications.
/// Every test that goes further back starts here.
const UNDO_VERSION_5: &str = "DROP TABLE join_requests; DROP TABLE domain_verifications; PRAGMA user_version = 4;";

/// Back to version 3's shape, from version 4's: one team per invitation, no
/// metadata or redirect columns.
const UNDO_VERSION_4: &str = "ALTER TABLE invitations DROP COLUMN team_ids; \
     ALTER TABLE invitations DROP COLUMN metadata; ALTER TABLE invitations DROP COLUMN private_metadata; \
     ALTER TABLE invitations DROP COLUMN redirect_url; \
     CREATE INDEX invitations_by_team ON invitations (team_id) WHERE team_id IS NOT NULL; PRAGMA user_version = 3;";

#[test]
fn a_file_of_schema_version_1_is_migrated_with_its_data() {
    let path = common::temp_db_path();
    let clock = ManualClock::new();
    let (kit, _, alice) = acme(&path, &clock);
    let thread = kit.start_thread(alice.id, "fl-1", "José Pérez", "Logo redesign").unwrap();
    kit.post_message(alice.id, thread.id, "Draft of the brand book").unwrap();
    drop(kit);
    // Back to version 1's shape: the shared full-text table, no word index.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(UNDO_VERSION_5).unwrap();
    conn.execute_batch(UNDO_VERSION_4).unwrap();
    conn.execute_batch(
        "DROP INDEX thread_words_by_word; \
         CREATE VIRTUAL TABLE thread_fts USING fts5 (words, thread_id UNINDEXED, org_id UNINDEXED, \
         tokenize = 'ascii', content = '', contentless_unindexed = 1); PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(conn);
    let kit = open_kit(&path, &clock);
    for q in ["jose", "brand", "logo red"] {
        let found: Vec<ThreadId> =
            kit.search_threads(alice.id, q, 10, None).unwrap().threads.iter().map(|t| t.id).collect();
        assert_eq!(found, [thread.id], "{q}");
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, SqliteStore::SCHEMA_VERSION);
    let fts: i64 =
        conn.query_row("SELECT count(*) FROM sqlite_master WHERE name LIKE 'thread_fts%'", [], |r| r.get(0)).unwrap();
    assert_eq!(fts, 0, "the shared full-text table and its shadow tables are gone");
    integrity(&path);
}

#[test]
fn a_file_of_schema_version_2_keeps_its_queued_emails() {
    let path = common::temp_db_path();
    let clock = ManualClock::new();
    let (kit, _, alice) = acme(&path, &clock);
    let delivered = kit.draft_invitation(alice.id, "bo@acme.com", InviteOptions::new()).unwrap();
    kit.send_invitation(&delivered, true).unwrap();
    let waiting = kit.draft_invitation(alice.id, "cy@acme.com", InviteOptions::new()).unwrap();
    let waiting_id = kit.send_invitation(&waiting, true).unwrap().id;
    let before = kit.outbox_pending(10).unwrap();
    assert_eq!(before.len(), 2);
    kit.outbox_ack(before[0].id).unwrap();
    drop(kit);
    // Back to version 2's shape: emails keyed by organization and id, without rowid.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(UNDO_VERSION_5).unwrap();
    conn.execute_batch(UNDO_VERSION_4).unwrap();
    conn.execute_batch(
        "CREATE TABLE emails_v2 (org_id BLOB NOT NULL, id BLOB NOT NULL UNIQUE, kind TEXT NOT NULL, \
         invitation_id BLOB, recipient TEXT NOT NULL, subject TEXT NOT NULL, text TEXT NOT NULL, html TEXT NOT NULL, \
         created_at INTEGER NOT NULL, attempts INTEGER NOT NULL, status TEXT NOT NULL, \
         next_attempt_at INTEGER NOT NULL, last_error TEXT, PRIMARY KEY (org_id, id)) WITHOUT ROWID; \
         INSERT INTO emails_v2 SELECT org_id, id, kind, invitation_id, recipient, subject, text, html, created_at, \
         attempts, status, next_attempt_at, last_error FROM emails; \
         DROP TABLE emails; ALTER TABLE emails_v2 RENAME TO emails; \
         CREATE INDEX emails_due ON emails (next_attempt_at, id) WHERE status = 'pending'; \
         CREATE INDEX emails_by_invitation ON emails (invitation_id) WHERE invitation_id IS NOT NULL; \
         PRAGMA user_version = 2;",
    )
    .unwrap();
    drop(conn);
    let kit = open_kit(&path, &clock);
    clock.advance(3600); // past the lease the first poll took
    let pending = kit.outbox_pending(10).unwrap();
    assert_eq!(pending.len(), 1, "the acknowledged email stays sent, the other is still queued");
    assert_eq!(pending[0].id, before[1].id);
    assert_eq!((&pending[0].text, &pending[0].html), (&before[1].text, &before[1].html), "with its bodies");
    assert_eq!(pending[0].invitation_id, Some(waiting_id));
    // The email of an accepted invitation is still found and cancelled.
    kit.accept_invitation(waiting.link(), "cy@acme.com", "Cy").unwrap();
    clock.advance(3600);
    assert_eq!(kit.outbox_pending(10).unwrap(), vec![], "cancelled with its invitation");
    kit.accept_invitation(delivered.link(), "bo@acme.com", "Bo").unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, SqliteStore::SCHEMA_VERSION);
    integrity(&path);
}

#[test]
fn a_file_of_schema_version_3_keeps_the_team_of_each_pending_invitation() {
    let path = common::temp_db_path();
    let clock = ManualClock::new();
    let (kit, org, alice) = acme(&path, &clock);
    let design = kit.create_team(org.id, "Design").unwrap();
    let with_team = kit.draft_invitation(alice.id, "bo@acme.com", InviteOptions::new().team(design.id)).unwrap();
    let with_team_id = kit.send_invitation(&with_team, false).unwrap().id;
    let without = kit.draft_invitation(alice.id, "cy@acme.com", InviteOptions::new()).unwrap();
    kit.send_invitation(&without, false).unwrap();
    drop(kit);
    // Version 3 kept the one team in `team_id`.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(UNDO_VERSION_5).unwrap();
    conn.execute_batch(UNDO_VERSION_4).unwrap();
    conn.execute(
        "UPDATE invitations SET team_id = ?1 WHERE id = ?2",
        rusqlite::params![design.id.as_uuid().into_bytes(), with_team_id.as_uuid().into_bytes()],
    )
    .unwrap();
    drop(conn);
    let kit = open_kit(&path, &clock);
    let pending = kit.list_invitations(alice.id, None).unwrap();
    let teams: Vec<(&str, &[TeamId])> = pending.iter().map(|i| (i.email.as_str(), i.team_ids.as_slice())).collect();
    assert_eq!(teams.len(), 2);
    assert!(teams.contains(&("bo@acme.com", &[design.id][..])), "{teams:?}");
    assert!(teams.contains(&("cy@acme.com", &[][..])), "{teams:?}");
    let preview = kit.peek_invitation(with_team.link()).unwrap();
    assert_eq!(preview.team_names, ["Design"]);
    let bo = kit.accept_invitation(with_team.link(), "bo@acme.com", "Bo").unwrap().member;
    assert_eq!(bo.team_ids, [design.id], "the migrated team is still joined on acceptance");
    assert_eq!(bo.org_id, org.id);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, SqliteStore::SCHEMA_VERSION);
    integrity(&path);
}

#[test]
fn a_file_of_schema_version_4_gets_join_requests_and_domains_and_keeps_its_data() {
    let path = common::temp_db_path();
    let clock = ManualClock::new();
    let (kit, org, alice) = acme(&path, &clock);
    let draft = kit.draft_invitation(alice.id, "bo@acme.com", InviteOptions::new()).unwrap();
    kit.send_invitation(&draft, false).unwrap();
    let members = kit.list_members(org.id).unwrap();
    let invitations = kit.list_invitations(alice.id, None).unwrap();
    let events = all_events(&kit, alice.id);
    drop(kit);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(UNDO_VERSION_5).unwrap();
    drop(conn);

    let kit = open_kit(&path, &clock);
    assert_eq!(kit.list_members(org.id).unwrap(), members);
    assert_eq!(kit.list_invitations(alice.id, None).unwrap(), invitations);
    assert_eq!(all_events(&kit, alice.id), events);
    let kit = common::join_request_and_domain_survive_a_reopen(kit, org.id, &clock, || open_kit(&path, &clock));
    assert!(kit.accept_invitation(draft.link(), "bo@acme.com", "Bo").is_ok(), "the kept invitation is accepted");
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, SqliteStore::SCHEMA_VERSION);
    integrity(&path);
}

#[test]
fn a_word_row_left_from_an_older_index_never_makes_a_member_match() {
    let path = common::temp_db_path();
    let clock = ManualClock::new();
    let (kit, org, alice) = acme(&path, &clock);
    let bo = kit.add_member(org.id, "bo.berg@acme.com", "Bo Berg", "member").unwrap();
    // Indexed under the words that are no prefix of another: "bo" is implied
    // by "bo.berg@acme.com", and found through it.
    assert_eq!(kit.find_coworkers(alice.id, "bo", 10).unwrap(), vec![bo.clone()]);
    assert_eq!(kit.find_coworkers(alice.id, "BO BE", 10).unwrap(), vec![bo.clone()]);
    // Older versions indexed every word; a row for a word Bo no longer has
    // (as a rename could leave) matches nobody.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "INSERT INTO member_words (org_id, word, member_id) VALUES (?1, 'zed', ?2)",
        rusqlite::params![org.id.as_uuid().into_bytes(), bo.id.as_uuid().into_bytes()],
    )
    .unwrap();
    drop(conn);
    assert_eq!(kit.find_coworkers(alice.id, "zed", 10).unwrap(), vec![]);
    assert_eq!(kit.find_coworkers(alice.id, "ze bo", 10).unwrap(), vec![]);
    assert_eq!(kit.find_coworkers(alice.id, "berg", 10).unwrap(), vec![bo]);
}

#[test]
fn a_writer_that_waits_past_the_busy_timeout_gets_conflict_and_nothing_changes() {
    let path = common::temp_db_path();
    let clock = ManualClock::new();
    let (kit, org, _) = acme(&path, &clock);
    let blocker = rusqlite::Connection::open(&path).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    let started = Instant::now();
    let err = kit.create_team(org.id, "Design").unwrap_err();
    assert_eq!(err.code(), "conflict", "{err}");
    assert!(started.elapsed() >= Duration::from_secs(4), "it waited for the busy timeout first");
    assert_eq!(kit.get_organization(org.id).unwrap().name, "Acme Corp", "reads still work");
    blocker.execute_batch("ROLLBACK").unwrap();
    kit.create_team(org.id, "Design").unwrap();
}

// ---------------------------------------------------------------------------
// Several processes
// ---------------------------------------------------------------------------

/// Runs this test binary again as a child process doing `mode`.
fn spawn_child(mode: &str, vars: &[(&str, String)]) -> Child {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", "child_process", "--ignored", "--nocapture", "--test-threads=1"])
        .env("INVITEKIT_CHILD", mode)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.spawn().unwrap()
}

/// Reads the child's output up to its `ready` line.
fn wait_ready(child: &mut Child) -> BufReader<std::process::ChildStdout> {
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "the child ended before it was ready");
        // libtest may have printed `test child_process ... ` on the same line.
        if line.trim_end().ends_with("ready") {
            return out;
        }
    }
}

#[test]
fn processes_racing_on_one_file_keep_every_rule() {
    let path = common::temp_db_path();
    let clock = ManualClock::new();
    let (kit, org, alice) = acme(&path, &clock);
    let draft = kit.draft_invitation(alice.id, "bob@acme.com", InviteOptions::new()).unwrap();
    kit.send_invitation(&draft, true).unwrap();
    let carol = kit.add_member(org.id, "carol@acme.com", "Carol Diaz", "member").unwrap();
    let thread = kit.start_thread(alice.id, "fl-7", "Ana Lima", "Brand book").unwrap();
    let go = path.with_extension("go");
    let vars = [
        ("INVITEKIT_CHILD_DB", path.display().to_string()),
        ("INVITEKIT_CHILD_GO", go.display().to_string()),
        ("INVITEKIT_CHILD_LINK", draft.link().to_owned()),
        ("INVITEKIT_CHILD_ADMIN", alice.id.to_string()),
        ("INVITEKIT_CHILD_MEMBER", carol.id.to_string()),
        ("INVITEKIT_CHILD_THREAD", thread.id.to_string()),
    ];
    let mut children: Vec<Child> = (0..2).map(|_| spawn_child("race", &vars)).collect();
    let outputs: Vec<_> = children.iter_mut().map(wait_ready).collect();
    std::fs::write(&go, "go").unwrap();
    let mut lines = Vec::new();
    for out in outputs {
        lines.extend(out.lines().map(Result::unwrap));
    }
    for c in &mut children {
        assert!(c.wait().unwrap().success());
    }
    let results = |op: &str| -> Vec<(String, usize)> {
        let codes: Vec<&str> = lines.iter().filter_map(|l| l.strip_prefix(op)).collect();
        let kinds: BTreeSet<&str> = codes.iter().copied().collect();
        kinds.into_iter().map(|k| (k.to_owned(), codes.iter().filter(|c| **c == k).count())).collect()
    };
    let s = |v: &[(&str, usize)]| v.iter().map(|(k, n)| (k.to_string(), *n)).collect::<Vec<_>>();
    assert_eq!(results("accept "), s(&[("invitation_not_pending", 15), ("ok", 1)]));
    assert_eq!(results("add "), s(&[("already_participant", 15), ("ok", 1)]));
    let kit = open_kit(&path, &clock);
    assert_eq!(kit.list_members(org.id).unwrap().iter().filter(|m| m.email == "bob@acme.com").count(), 1);
    let people = kit.people(alice.id, thread.id).unwrap();
    assert_eq!(people.participants.iter().filter(|p| p.member_id == carol.id).count(), 1);
    integrity(&path);
}

/// A small random source for the kill delays.
fn random_below(n: u64) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(Instant::now().elapsed().as_nanos());
    h.finish() % n
}

#[test]
fn a_writer_killed_at_any_instant_leaves_every_invitation_whole_or_absent() {
    let path = common::temp_db_path();
    let clock = ManualClock::new();
    let (kit, _org, alice) = acme(&path, &clock);
    drop(kit);
    // Far after everything the children write, so every queued email is due.
    let later = ManualClock::at(ManualClock::START.plus_secs(3650 * DAY));
    let mut emailed: HashSet<InvitationId> = HashSet::new();
    let mut before = 0;
    for round in 0..6 {
        let mut child = spawn_child(
            "writer",
            &[
                ("INVITEKIT_CHILD_DB", path.display().to_string()),
                ("INVITEKIT_CHILD_ADMIN", alice.id.to_string()),
                ("INVITEKIT_CHILD_ROUND", round.to_string()),
            ],
        );
        let out = wait_ready(&mut child);
        std::thread::sleep(Duration::from_millis(20 + random_below(400)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        drop(out);

        integrity(&path);
        let kit = open_kit(&path, &later);
        let invitations: HashSet<InvitationId> =
            kit.list_invitations(alice.id, None).unwrap().iter().map(|i| i.id).collect();
        let sent: HashSet<InvitationId> = all_events(&kit, alice.id)
            .iter()
            .filter(|e| e.kind == EventKind::InvitationSent)
            .map(|e| e.details["invitation_id"].as_str().unwrap().parse().unwrap())
            .collect();
        loop {
            let due = kit.outbox_pending(1000).unwrap();
            if due.is_empty() {
                break;
            }
            emailed.extend(due.iter().map(|e| e.invitation_id.unwrap()));
        }
        assert_eq!(sent, invitations, "round {round}: every invitation has its event, and every event its invitation");
        assert_eq!(
            emailed, invitations,
            "round {round}: every invitation has its email, and every email its invitation"
        );
        assert!(invitations.len() >= before);
        before = invitations.len();
    }
    assert!(before > 0, "the children wrote something");
}

/// The child side of the multi-process tests; does nothing unless a parent
/// test started it (`INVITEKIT_CHILD` set).
#[test]
#[ignore = "run by the multi-process tests as their child process"]
fn child_process() {
    let Ok(mode) = std::env::var("INVITEKIT_CHILD") else { return };
    let var = |k: &str| std::env::var(k).unwrap();
    let path = PathBuf::from(var("INVITEKIT_CHILD_DB"));
    let admin: MemberId = var("INVITEKIT_CHILD_ADMIN").parse().unwrap();
    match mode.as_str() {
        "writer" => {
            // Sends invitations (each emailed) until killed; stops by itself
            // after a minute in case the parent is gone.
            let round: i64 = var("INVITEKIT_CHILD_ROUND").parse().unwrap();
            let clock = ManualClock::at(ManualClock::START.plus_secs(round * 30 * DAY));
            let kit = open_kit(&path, &clock);
            println!("ready");
            let started = Instant::now();
            let mut i = 0u64;
            while started.elapsed() < Duration::from_secs(60) {
                clock.advance(60);
                let draft =
                    kit.draft_invitation(admin, &format!("r{round}-{i}@acme.com"), InviteOptions::new()).unwrap();
                kit.send_invitation(&draft, true).unwrap();
                i += 1;
            }
        }
        "race" => {
            let clock = ManualClock::new();
            let kit = Arc::new(open_kit(&path, &clock));
            let link = var("INVITEKIT_CHILD_LINK");
            let member: MemberId = var("INVITEKIT_CHILD_MEMBER").parse().unwrap();
            let thread: ThreadId = var("INVITEKIT_CHILD_THREAD").parse().unwrap();
            let go = PathBuf::from(var("INVITEKIT_CHILD_GO"));
            println!("ready");
            let started = Instant::now();
            while !go.exists() {
                assert!(started.elapsed() < Duration::from_secs(60), "the parent never said go");
                std::thread::sleep(Duration::from_millis(1));
            }
            let barrier = Arc::new(Barrier::new(8));
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    let (kit, barrier, link) = (kit.clone(), barrier.clone(), link.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        let accept = code(kit.accept_invitation(&link, "bob@acme.com", "Bob Jones"));
                        let add = code(kit.add_to_thread(admin, thread, member, &Grant::preset("viewer")));
                        (accept, add)
                    })
                })
                .collect();
            for h in handles {
                let (accept, add) = h.join().unwrap();
                println!("accept {accept}");
                println!("add {add}");
            }
        }
        other => panic!("unknown child mode {other:?}"),
    }
}
