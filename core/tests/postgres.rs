//! The PostgreSQL store as a host running InviteKit on several machines
//! relies on it (docs/rules.md#stores): what is written is there for every handle and
//! after reopening, the schema is versioned and migrated once even when
//! several processes start together, handles and processes sharing one
//! database race safely (exactly one wins; the losers get the same typed
//! error as on the other stores), the outbox hands each email to one worker,
//! a connection the server drops is replaced, and no error or `Debug` output
//! shows the password.
//!
//! The tests need a server: `INVITEKIT_TEST_POSTGRES_URL` (see
//! `scripts/start-postgres`). Without one they print why and pass, except in
//! CI (`CI` set), where they fail. Each test works in a new schema of its own.
//! The multi-process test runs this same test binary again as the child
//! process (see [`child_process`]).

#![cfg(feature = "postgres")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use invitekit::*;

const PORTAL: &str = "https://acme.example.com/portal";

/// The URL of a new schema on the test server, or `None` (the test is skipped).
fn fresh_database() -> Option<String> {
    common::postgres_server_or_skip().map(|server| common::postgres_schema_url(&server))
}

fn open_kit(url: &str, clock: &ManualClock) -> InviteKit<AnyStore> {
    InviteKit::builder().clock(clock.clone()).open(url).unwrap()
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

/// Acme with Alice (`full`), limits raised for bulk sending.
fn acme(url: &str, clock: &ManualClock) -> (InviteKit<AnyStore>, Organization, Member) {
    let kit = open_kit(url, clock);
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

/// The schema the test URL's `search_path` names.
fn schema_of(url: &str) -> String {
    url.rsplit("search_path%3D").next().unwrap().to_owned()
}

/// The tables' consistency, checked with SQL: every invitation has its
/// `invitation_sent` event, and no member or participant is there twice.
fn integrity(url: &str) {
    let mut c = common::postgres_client(url);
    let dup_members: i64 = c
        .query_one("SELECT count(*) FROM (SELECT 1 FROM members GROUP BY org_id, email_key HAVING count(*) > 1) d", &[])
        .unwrap()
        .get(0);
    assert_eq!(dup_members, 0);
    let dup_participants: i64 = c
        .query_one(
            "SELECT count(*) FROM (SELECT 1 FROM participants GROUP BY thread_id, member_id HAVING count(*) > 1) d",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(dup_participants, 0);
    let seq_gaps: i64 = c
        .query_one(
            "SELECT count(*) FROM (SELECT org_id FROM events GROUP BY org_id HAVING max(seq) <> count(*)) g",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(seq_gaps, 0, "event seq has no gaps");
}

// ---------------------------------------------------------------------------
// Persistence and schema
// ---------------------------------------------------------------------------

#[test]
fn everything_is_there_for_another_handle_and_after_reopening() {
    let Some(url) = fresh_database() else { return };
    let clock = ManualClock::new();
    let kit = open_kit(&url, &clock);
    let org = kit.create_organization("Acme Corp", "acme", PORTAL, &["acme.com"]).unwrap();
    let alice = kit.add_member(org.id, "alice@acme.com", "Alice Smith", "full").unwrap();
    let bob = kit.add_member(org.id, "bob@acme.com", "Bob Jones", "member").unwrap();
    let design = kit.create_team(org.id, "Design").unwrap();
    let draft = kit
        .draft_invitation(alice.id, "carol@acme.com", InviteOptions::new().message("Welcome!").team(design.id))
        .unwrap();
    let link = draft.link().to_owned();
    kit.send_invitation(&draft, true).unwrap();
    clock.advance(10);
    let thread = kit.start_thread(alice.id, "fl-42", "José Pérez", "Logo redesign").unwrap();
    kit.post_message(alice.id, thread.id, "Could you share your portfolio?").unwrap();
    kit.add_to_thread(alice.id, thread.id, bob.id, &Grant::preset("viewer")).unwrap();

    let other = open_kit(&url, &clock);
    assert_eq!(other.list_members(org.id).unwrap(), kit.list_members(org.id).unwrap());
    assert_eq!(other.list_invitations(alice.id, None).unwrap(), kit.list_invitations(alice.id, None).unwrap());
    assert_eq!(all_events(&other, alice.id), all_events(&kit, alice.id));
    let found = kit.search_threads(alice.id, "jose PORTF", 20, None).unwrap();
    assert_eq!(found.threads.len(), 1);
    assert_eq!(other.search_threads(alice.id, "jose PORTF", 20, None).unwrap(), found);
    assert_eq!(other.people(alice.id, thread.id).unwrap(), kit.people(alice.id, thread.id).unwrap());
    drop((kit, other));

    let kit = open_kit(&url, &clock);
    let carol = kit.accept_invitation(&link, "carol@acme.com", "Carol Diaz").unwrap().member;
    assert_eq!(carol.team_ids, [design.id]);
    assert_eq!(kit.search_threads(bob.id, "logo", 20, None).unwrap().threads.len(), 1);
    assert_eq!(code(kit.accept_invitation(&link, "carol@acme.com", "Carol Diaz")), "invitation_not_pending");
    integrity(&url);
}

#[test]
fn migrations_run_once_even_when_many_handles_open_a_new_database_together() {
    let Some(url) = fresh_database() else { return };
    let barrier = Arc::new(Barrier::new(6));
    let opened: Vec<_> = (0..6)
        .map(|_| {
            let (url, barrier) = (url.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                PostgresStore::open(&url).map(drop)
            })
        })
        .collect();
    for h in opened {
        h.join().unwrap().unwrap();
    }
    let mut c = common::postgres_client(&url);
    let version: i32 = c.query_one("SELECT version FROM invitekit_schema", &[]).unwrap().get(0);
    assert_eq!(version as u32, PostgresStore::SCHEMA_VERSION);
    let rows: i64 = c.query_one("SELECT count(*) FROM invitekit_schema", &[]).unwrap().get(0);
    assert_eq!(rows, 1);
    let clock = ManualClock::new();
    let (kit, org, _) = acme(&url, &clock);
    drop(kit);
    for _ in 0..3 {
        let kit = open_kit(&url, &clock);
        assert_eq!(kit.get_organization(org.id).unwrap().slug, "acme");
    }
}

#[test]
fn a_database_from_a_newer_invitekit_is_refused() {
    let Some(url) = fresh_database() else { return };
    drop(PostgresStore::open(&url).unwrap());
    let mut c = common::postgres_client(&url);
    c.execute("UPDATE invitekit_schema SET version = version + 1", &[]).unwrap();
    let err = InviteKit::open(&url).unwrap_err();
    assert_eq!(err.code(), "storage");
    assert!(err.to_string().contains("newer"), "{err}");
}

#[test]
fn a_database_of_schema_version_2_gets_join_requests_and_domains_and_keeps_its_data() {
    let Some(url) = fresh_database() else { return };
    let clock = ManualClock::new();
    let (kit, org, alice) = acme(&url, &clock);
    let draft = kit.draft_invitation(alice.id, "bo@acme.com", InviteOptions::new()).unwrap();
    kit.send_invitation(&draft, false).unwrap();
    let members = kit.list_members(org.id).unwrap();
    let invitations = kit.list_invitations(alice.id, None).unwrap();
    let events = all_events(&kit, alice.id);
    drop(kit);
    // Back to version 2's shape: no requests to join, no domain verifications.
    let mut c = common::postgres_client(&url);
    c.batch_execute(
        "DROP TABLE join_requests; DROP TABLE domain_verifications; UPDATE invitekit_schema SET version = 2;",
    )
    .unwrap();
    drop(c);

    let kit = open_kit(&url, &clock);
    assert_eq!(kit.list_members(org.id).unwrap(), members);
    assert_eq!(kit.list_invitations(alice.id, None).unwrap(), invitations);
    assert_eq!(all_events(&kit, alice.id), events);
    let kit = common::join_request_and_domain_survive_a_reopen(kit, org.id, &clock, || open_kit(&url, &clock));
    assert!(kit.accept_invitation(draft.link(), "bo@acme.com", "Bo").is_ok(), "the kept invitation is accepted");
    let mut c = common::postgres_client(&url);
    let version: i32 = c.query_one("SELECT version FROM invitekit_schema", &[]).unwrap().get(0);
    assert_eq!(version as u32, PostgresStore::SCHEMA_VERSION);
    integrity(&url);
}

#[test]
fn every_table_is_keyed_by_organization_first() {
    let Some(url) = fresh_database() else { return };
    drop(PostgresStore::open(&url).unwrap());
    let schema = schema_of(&url);
    let mut c = common::postgres_client(&url);
    let keys = c
        .query(
            "SELECT t.relname::text, a.attname::text FROM pg_index i \
             JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0] \
             WHERE n.nspname = $1 AND i.indisprimary AND t.relname NOT IN ('orgs', 'invitekit_schema')",
            &[&schema],
        )
        .unwrap();
    assert!(keys.len() >= 16, "{} primary keys", keys.len());
    for row in keys {
        let (table, first): (String, String) = (row.get(0), row.get(1));
        assert_eq!(first, "org_id", "the primary key of {table}");
    }
}

// ---------------------------------------------------------------------------
// URLs and secrets
// ---------------------------------------------------------------------------

#[test]
fn bad_urls_are_invalid_input_and_unreachable_servers_storage_without_the_password() {
    for bad in ["postgres://ann:hunter22@db:notaport/acme", "postgresql://ann@[::1/acme", "postgres://"] {
        let err = InviteKit::open(bad).unwrap_err();
        assert_eq!(err.code(), "invalid_input", "{bad}: {err}");
        assert!(!err.to_string().contains("hunter22"), "{err}");
    }
    for unreachable in ["postgres://ann:hunter22@127.0.0.1:1/acme", "postgresql://ann:hunter22@127.0.0.1:1/acme"] {
        let err = InviteKit::open(unreachable).unwrap_err();
        assert_eq!(err.code(), "storage", "{err}");
        let message = err.to_string();
        assert!(message.contains("127.0.0.1") && message.contains("***"), "{message}");
        assert!(!message.contains("hunter22") && !format!("{err:?}").contains("hunter22"), "{message}");
    }
}

#[test]
fn a_wrong_password_is_storage_and_never_shown() {
    let Some(server) = common::postgres_server_or_skip() else { return };
    let mut config: postgres::Config = server.parse().unwrap();
    config.password("not-the-password-x9");
    let host = match &config.get_hosts()[0] {
        postgres::config::Host::Tcp(h) => h.clone(),
        #[allow(unreachable_patterns)]
        _ => return,
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().unwrap_or("postgres").to_owned();
    let db = config.get_dbname().unwrap_or("postgres").to_owned();
    let url = format!("postgres://{user}:not-the-password-x9@{host}:{port}/{db}");
    let err = InviteKit::open(&url).unwrap_err();
    assert_eq!(err.code(), "storage", "{err}");
    assert!(!format!("{err} {err:?}").contains("not-the-password-x9"), "{err}");
}

#[test]
fn debug_output_hides_the_password() {
    let Some(url) = fresh_database() else { return };
    let kit = InviteKit::open(&url).unwrap();
    let shown = format!("{:?}", kit.store());
    assert!(shown.contains("PostgresStore"), "{shown}");
    if let Some(password) = url.parse::<postgres::Config>().unwrap().get_password() {
        let password = String::from_utf8_lossy(password).into_owned();
        assert!(!shown.contains(&format!(":{password}@")), "{shown}");
    }
}

// ---------------------------------------------------------------------------
// Races between handles (as between machines)
// ---------------------------------------------------------------------------

/// 2 handles on one database × 8 threads each, all starting together.
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
    let Some(url) = fresh_database() else { return };
    let clock = ManualClock::new();
    let (a, org, alice) = acme(&url, &clock);
    let b = open_kit(&url, &clock);
    let draft = a.draft_invitation(alice.id, "bob@acme.com", InviteOptions::new()).unwrap();
    b.send_invitation(&draft, true).unwrap();
    let link = draft.link().to_owned();
    let codes = race([Arc::new(a), Arc::new(b)], move |kit| kit.accept_invitation(&link, "bob@acme.com", "Bob Jones"));
    assert_eq!(tally(&codes), [("invitation_not_pending", 15), ("ok", 1)]);
    let kit = open_kit(&url, &clock);
    let bobs = kit.list_members(org.id).unwrap().into_iter().filter(|m| m.email == "bob@acme.com").count();
    assert_eq!(bobs, 1);
    let accepted = all_events(&kit, alice.id).iter().filter(|e| e.kind == EventKind::InvitationAccepted).count();
    assert_eq!(accepted, 1);
    integrity(&url);
}

#[test]
fn two_handles_racing_to_add_one_coworker_add_them_once() {
    let Some(url) = fresh_database() else { return };
    let clock = ManualClock::new();
    let (a, org, alice) = acme(&url, &clock);
    let b = open_kit(&url, &clock);
    let carol = b.add_member(org.id, "carol@acme.com", "Carol Diaz", "member").unwrap();
    let thread = a.start_thread(alice.id, "fl-7", "Ana Lima", "Brand book").unwrap();
    let t = thread.id;
    let codes =
        race([Arc::new(a), Arc::new(b)], move |kit| kit.add_to_thread(alice.id, t, carol.id, &Grant::preset("viewer")));
    assert_eq!(tally(&codes), [("already_participant", 15), ("ok", 1)]);
    let kit = open_kit(&url, &clock);
    let people = kit.people(alice.id, thread.id).unwrap();
    assert_eq!(people.participants.iter().filter(|p| p.member_id == carol.id).count(), 1);
    integrity(&url);
}

#[test]
fn concurrent_writers_in_one_organization_keep_the_event_log_gapless() {
    let Some(url) = fresh_database() else { return };
    let clock = ManualClock::new();
    let (a, org, alice) = acme(&url, &clock);
    let b = open_kit(&url, &clock);
    let kits = [Arc::new(a), Arc::new(b)];
    let n = std::sync::atomic::AtomicUsize::new(0);
    let n = Arc::new(n);
    let codes = race(kits.clone(), move |kit| {
        let i = n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let draft = kit.draft_invitation(alice.id, &format!("p{i}@acme.com"), InviteOptions::new())?;
        kit.send_invitation(&draft, true)
    });
    assert_eq!(tally(&codes), [("ok", 16)]);
    let events = all_events(&kits[0], alice.id);
    let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=events.len() as u64).collect::<Vec<_>>());
    assert_eq!(kits[1].list_invitations(alice.id, None).unwrap().len(), 16);
    let _ = org;
    integrity(&url);
}

#[test]
fn two_workers_polling_the_outbox_never_get_the_same_email() {
    let Some(url) = fresh_database() else { return };
    let clock = ManualClock::new();
    let (a, _org, alice) = acme(&url, &clock);
    for i in 0..40 {
        let draft = a.draft_invitation(alice.id, &format!("w{i}@acme.com"), InviteOptions::new()).unwrap();
        a.send_invitation(&draft, true).unwrap();
    }
    let b = open_kit(&url, &clock);
    let kits = [Arc::new(a), Arc::new(b)];
    let barrier = Arc::new(Barrier::new(8));
    let workers: Vec<_> = (0..8)
        .map(|i| {
            let (kit, barrier) = (kits[i % 2].clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let mut got = Vec::new();
                loop {
                    let page = kit.outbox_pending(3).unwrap();
                    if page.is_empty() {
                        return got;
                    }
                    got.extend(page.into_iter().map(|e| e.id));
                }
            })
        })
        .collect();
    let mut all: Vec<EmailId> = Vec::new();
    for w in workers {
        all.extend(w.join().unwrap());
    }
    let distinct: BTreeSet<EmailId> = all.iter().copied().collect();
    assert_eq!(all.len(), 40, "each email handed out once while leased");
    assert_eq!(distinct.len(), 40);
}

#[test]
fn a_connection_the_server_drops_is_replaced() {
    let Some(url) = fresh_database() else { return };
    // A name of its own, so that only this test's connections are dropped.
    let name = format!("ikt_dropped_{}", schema_of(&url));
    let url = format!("{url}&application_name={name}");
    let clock = ManualClock::new();
    let (kit, org, _) = acme(&url, &clock);
    let mut admin = common::postgres_client(&url);
    let killed: i64 = admin
        .query_one(
            // Waits (up to 10 s) for each to be gone.
            "SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity \
             WHERE application_name = $1 AND pid <> pg_backend_pid()",
            &[&name],
        )
        .unwrap()
        .get(0);
    assert!(killed >= 1, "the store kept a connection");
    // Reads and writes go on, on new connections.
    assert_eq!(kit.get_organization(org.id).unwrap().name, "Acme Corp");
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
        if line.trim_end().ends_with("ready") {
            return out;
        }
    }
}

#[test]
fn processes_racing_on_one_database_keep_every_rule() {
    let Some(url) = fresh_database() else { return };
    let clock = ManualClock::new();
    let (kit, org, alice) = acme(&url, &clock);
    let draft = kit.draft_invitation(alice.id, "bob@acme.com", InviteOptions::new()).unwrap();
    kit.send_invitation(&draft, true).unwrap();
    let carol = kit.add_member(org.id, "carol@acme.com", "Carol Diaz", "member").unwrap();
    let thread = kit.start_thread(alice.id, "fl-7", "Ana Lima", "Brand book").unwrap();
    let go = common::temp_db_path().with_extension("go");
    let vars = [
        ("INVITEKIT_CHILD_URL", url.clone()),
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
        lines.extend(out.lines().map(std::result::Result::unwrap));
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
    let kit = open_kit(&url, &clock);
    assert_eq!(kit.list_members(org.id).unwrap().iter().filter(|m| m.email == "bob@acme.com").count(), 1);
    let people = kit.people(alice.id, thread.id).unwrap();
    assert_eq!(people.participants.iter().filter(|p| p.member_id == carol.id).count(), 1);
    integrity(&url);
}

/// The child side of the multi-process test; does nothing unless a parent
/// test started it (`INVITEKIT_CHILD` set).
#[test]
#[ignore = "run by the multi-process test as its child process"]
fn child_process() {
    let Ok(mode) = std::env::var("INVITEKIT_CHILD") else { return };
    let var = |k: &str| std::env::var(k).unwrap();
    let url = var("INVITEKIT_CHILD_URL");
    let admin: MemberId = var("INVITEKIT_CHILD_ADMIN").parse().unwrap();
    match mode.as_str() {
        "race" => {
            let clock = ManualClock::new();
            let kit = Arc::new(open_kit(&url, &clock));
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
