//! The whole invitation path on SQLite next to raw SQLite doing the same
//! writes (SPEC §10: "on SQLite, close to what raw SQLite does for the same
//! writes in one transaction").
//!
//! - `invitekit sqlite`: draft -> send (with its email) -> accept, through
//!   InviteKit on a SQLite file in WAL mode.
//! - `raw rusqlite`: the same rows written with hand-written SQL on a file
//!   with the same settings, one transaction for the send (insert the
//!   invitation, its email, its event) and one for the accept (update the
//!   invitation, insert the member, insert the event).
//! - `invitekit memory`: the same path on the in-memory store, for the part
//!   of the cost that is not storage (token, hashing, rendering the email).
//!
//! At the end it prints each one's throughput, measured over every
//! iteration criterion timed, and the ratio InviteKit / raw.
//!
//! Run with `cargo bench -p invitekit-benches --bench sqlite`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cell::Cell;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use invitekit::{
    AnyStore, Email, InvitationId, InviteKit, InviteOptions, ManualClock, MemberId, OrgId, SettingsUpdate,
};
use rusqlite::{Connection, params};

/// Iterations and time measured, over the whole run.
#[derive(Default)]
struct Totals(Cell<(u64, Duration)>);

impl Totals {
    fn add(&self, iters: u64, took: Duration) {
        let (n, t) = self.0.get();
        self.0.set((n + iters, t + took));
    }

    fn per_sec(&self) -> f64 {
        let (n, t) = self.0.get();
        n as f64 / t.as_secs_f64().max(1e-9)
    }
}

fn bench_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("invitekit-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Acme with Alice (`full`), its limits lifted, on `kit`.
fn acme(kit: &InviteKit<AnyStore>) -> MemberId {
    let org = kit.create_organization("Acme Corp", "acme", "https://acme.example.com", &["acme.com"]).unwrap();
    let alice = kit.add_member(org.id, "alice@acme.com", "Alice", "full").unwrap().id;
    let lift = SettingsUpdate {
        max_invitations_per_inviter_per_day: Some(10_000),
        max_invitations_per_org_per_day: Some(100_000),
        max_pending_invitations: Some(100_000),
        ..SettingsUpdate::default()
    };
    kit.set_organization_settings(alice, org.id, &lift).unwrap();
    alice
}

/// Times `iters` rounds of draft, send (emailed) and accept.
fn invite_accept(
    kit: &InviteKit<AnyStore>,
    clock: &ManualClock,
    alice: MemberId,
    next: &Cell<u64>,
    iters: u64,
) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        let i = next.get();
        next.set(i + 1);
        // Ten seconds per invitation keeps the 24-hour window under the per-member limit.
        clock.advance(10);
        let email = format!("user{i}@acme.com");
        let draft = kit.draft_invitation(alice, &email, InviteOptions::new()).unwrap();
        kit.send_invitation(&draft, true).unwrap();
        black_box(kit.accept_invitation(draft.link(), &email, "New Person").unwrap());
    }
    start.elapsed()
}

const RAW_SCHEMA: &str = "
CREATE TABLE invitations (
    org_id BLOB NOT NULL, id BLOB NOT NULL UNIQUE, inviter_id BLOB NOT NULL, email TEXT NOT NULL,
    email_key TEXT NOT NULL, role TEXT NOT NULL, status TEXT NOT NULL, created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL, token_hash BLOB NOT NULL UNIQUE, PRIMARY KEY (org_id, id)
);
CREATE INDEX invitations_by_email ON invitations (email_key, id);
CREATE TABLE emails (
    org_id BLOB NOT NULL, id BLOB NOT NULL UNIQUE, invitation_id BLOB, recipient TEXT NOT NULL,
    subject TEXT NOT NULL, text TEXT NOT NULL, html TEXT NOT NULL, status TEXT NOT NULL,
    next_attempt_at INTEGER NOT NULL, PRIMARY KEY (org_id, id)
);
CREATE INDEX emails_due ON emails (next_attempt_at, id) WHERE status = 'pending';
CREATE TABLE events (
    org_id BLOB NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL, kind TEXT NOT NULL,
    details TEXT NOT NULL, PRIMARY KEY (org_id, seq)
);
CREATE TABLE members (
    org_id BLOB NOT NULL, id BLOB NOT NULL UNIQUE, email TEXT NOT NULL, email_key TEXT NOT NULL,
    name TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (org_id, id), UNIQUE (org_id, email_key)
) WITHOUT ROWID;
";

const NEXT_SEQ: &str = "coalesce((SELECT seq FROM events WHERE org_id = ?1 ORDER BY seq DESC LIMIT 1), 0) + 1";

/// Times `iters` rounds of the same writes in raw SQL, one transaction for
/// the send and one for the accept.
fn raw_invite_accept(conn: &Connection, org: [u8; 16], email: &Email, next: &Cell<u64>, iters: u64) -> Duration {
    let inviter = MemberId::new().as_uuid().into_bytes();
    let start = Instant::now();
    for _ in 0..iters {
        let i = next.get();
        next.set(i + 1);
        let at = 1_767_225_600_000 + i as i64 * 10_000;
        let to = format!("user{i}@acme.com");
        let inv = InvitationId::new().as_uuid().into_bytes();
        let mut token = [0u8; 32];
        token[..8].copy_from_slice(&i.to_le_bytes());

        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        conn.prepare_cached(
            "INSERT INTO invitations (org_id, id, inviter_id, email, email_key, role, status, created_at, expires_at, \
             token_hash) VALUES (?1, ?2, ?3, ?4, ?4, 'member', 'pending', ?5, ?6, ?7)",
        )
        .unwrap()
        .execute(params![org, inv, inviter, to, at, at + 7 * 86_400_000, token])
        .unwrap();
        conn.prepare_cached(
            "INSERT INTO emails (org_id, id, invitation_id, recipient, subject, text, html, status, next_attempt_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', ?8)",
        )
        .unwrap()
        .execute(params![
            org,
            InvitationId::new().as_uuid().into_bytes(),
            inv,
            to,
            email.subject,
            email.text,
            email.html,
            at
        ])
        .unwrap();
        let details = format!(r#"{{"invitation_id":"{}","email":"{to}","role":"member"}}"#, InvitationId::new());
        conn.prepare_cached(&format!(
            "INSERT INTO events (org_id, seq, at, kind, details) VALUES (?1, {NEXT_SEQ}, ?2, 'invitation_sent', ?3)"
        ))
        .unwrap()
        .execute(params![org, at, details])
        .unwrap();
        conn.execute_batch("COMMIT").unwrap();

        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        let n = conn
            .prepare_cached("UPDATE invitations SET status = 'accepted' WHERE token_hash = ?1 AND status = 'pending'")
            .unwrap()
            .execute(params![token])
            .unwrap();
        assert_eq!(n, 1);
        let member = MemberId::new().as_uuid().into_bytes();
        conn.prepare_cached(
            "INSERT INTO members (org_id, id, email, email_key, name, role) VALUES (?1, ?2, ?3, ?3, 'New Person', 'member')",
        )
        .unwrap()
        .execute(params![org, member, to])
        .unwrap();
        conn.prepare_cached(&format!(
            "INSERT INTO events (org_id, seq, at, kind, details) VALUES (?1, {NEXT_SEQ}, ?2, 'invitation_accepted', ?3)"
        ))
        .unwrap()
        .execute(params![org, at, details])
        .unwrap();
        conn.execute_batch("COMMIT").unwrap();
        black_box(member);
    }
    start.elapsed()
}

fn sqlite(c: &mut Criterion) {
    let dir = bench_dir();
    let (kit_totals, raw_totals, memory_totals) = (Totals::default(), Totals::default(), Totals::default());

    let clock = ManualClock::new();
    let kit =
        InviteKit::builder().clock(clock.clone()).open(&format!("sqlite:{}", dir.join("kit.db").display())).unwrap();
    let alice = acme(&kit);
    // A real invitation email, so that the raw loop writes the same bytes.
    let email = kit.draft_invitation(alice, "sample@acme.com", InviteOptions::new()).unwrap().preview();

    let mem_clock = ManualClock::new();
    let mem = InviteKit::builder().clock(mem_clock.clone()).open("memory:").unwrap();
    let mem_alice = acme(&mem);

    let conn = Connection::open(dir.join("raw.db")).unwrap();
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;").unwrap();
    conn.execute_batch(RAW_SCHEMA).unwrap();
    let org = OrgId::new().as_uuid().into_bytes();

    let mut g = c.benchmark_group("sqlite invite_accept");
    g.throughput(Throughput::Elements(1));
    let next = Cell::new(0u64);
    g.bench_function("invitekit sqlite (draft, send with email, accept)", |b| {
        b.iter_custom(|iters| {
            let took = invite_accept(&kit, &clock, alice, &next, iters);
            kit_totals.add(iters, took);
            took
        })
    });
    let raw_next = Cell::new(0u64);
    g.bench_function("raw rusqlite (same writes, one transaction each)", |b| {
        b.iter_custom(|iters| {
            let took = raw_invite_accept(&conn, org, &email, &raw_next, iters);
            raw_totals.add(iters, took);
            took
        })
    });
    let mem_next = Cell::new(0u64);
    g.bench_function("invitekit memory (draft, send with email, accept)", |b| {
        b.iter_custom(|iters| {
            let took = invite_accept(&mem, &mem_clock, mem_alice, &mem_next, iters);
            memory_totals.add(iters, took);
            took
        })
    });
    g.finish();

    let (k, r, m) = (kit_totals.per_sec(), raw_totals.per_sec(), memory_totals.per_sec());
    println!();
    println!("invite -> accept per second, over every timed iteration:");
    println!("  InviteKit on SQLite (WAL): {k:>10.0}/s");
    println!("  raw rusqlite, same writes: {r:>10.0}/s");
    println!("  InviteKit in memory:       {m:>10.0}/s");
    println!("  ratio InviteKit SQLite / raw SQLite: {:.2}", k / r);
    drop((kit, mem, conn));
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, sqlite);
criterion_main!(benches);
