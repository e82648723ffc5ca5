//! The whole invitation path on SQLite next to raw SQLite doing the same
//! writes (docs/rules.md#performance: on SQLite, close to what raw SQLite does for
//! the same writes in one transaction).
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
use invitekit::search::member_index_words;
use invitekit::{AnyStore, Email, InvitationId, InviteKit, InviteOptions, ManualClock, MemberId, SettingsUpdate};
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

const NEXT_SEQ: &str = "coalesce((SELECT seq FROM events WHERE org_id = ?1 ORDER BY seq DESC LIMIT 1), 0) + 1";
const HOUR_MS: i64 = 3_600_000;

/// Times `iters` rounds of the writes InviteKit's SQLite store makes for one
/// draft -> send -> accept, in hand-written SQL on a file with InviteKit's
/// schema, one transaction for the send and one for the accept:
///
/// - send: the invitation row, its email, the rate limits' send log for the
///   organization, the inviter and the address, and the hourly counts for
///   the first two, the `invitation_sent` event;
/// - accept: the invitation's status (only if still pending), the member row
///   and the words `find_coworkers` looks up, the email cancelled, the
///   `invitation_accepted` and `member_added` events.
///
/// What it leaves out is what InviteKit adds on top of storage: parsing and
/// checking the input, the token and its hash, the rules, rendering the email,
/// reading back what the checks need, building the events' JSON.
fn raw_invite_accept(
    conn: &Connection,
    org: [u8; 16],
    inviter_id: MemberId,
    email: &Email,
    next: &Cell<u64>,
    iters: u64,
) -> Duration {
    let inviter = inviter_id.as_uuid().into_bytes();
    let start = Instant::now();
    for _ in 0..iters {
        let i = next.get();
        next.set(i + 1);
        let at = 1_767_225_600_000 + i as i64 * 10_000;
        let to = format!("user{i}@acme.com");
        let inv_id = InvitationId::new();
        let inv = inv_id.as_uuid().into_bytes();
        let mut token = [0u8; 32];
        token[..8].copy_from_slice(&i.to_le_bytes());

        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        conn.prepare_cached(
            "INSERT INTO invitations (id, org_id, inviter_id, email, message, team_id, role, status, created_at, \
             expires_at, sent_count, last_sent_at, thread_grants, delivered, email_key, token_hash) \
             VALUES (?1, ?2, ?3, ?4, NULL, NULL, 'member', 'pending', ?5, ?6, 1, ?5, '[]', 1, ?4, ?7)",
        )
        .unwrap()
        .execute(params![inv, org, inviter, to, at, at + 7 * 86_400_000, token])
        .unwrap();
        conn.prepare_cached(
            "INSERT INTO emails (id, org_id, kind, invitation_id, recipient, subject, text, html, created_at, \
             attempts, status, next_attempt_at, last_error) \
             VALUES (?1, ?2, 'invitation', ?3, ?4, ?5, ?6, ?7, ?8, 0, 'pending', ?8, NULL)",
        )
        .unwrap()
        .execute(params![
            InvitationId::new().as_uuid().into_bytes(),
            org,
            inv,
            to,
            email.subject,
            email.text,
            email.html,
            at
        ])
        .unwrap();
        let (org_key, inviter_key, address_key) = ("org", format!("inviter:{inviter_id}"), format!("address:{to}"));
        conn.prepare_cached(
            "INSERT INTO send_log (org_id, key, at, sends) VALUES (?1, ?2, ?5, 1), (?1, ?3, ?5, 1), (?1, ?4, ?5, 1) \
             ON CONFLICT (org_id, key, at) DO UPDATE SET sends = sends + 1",
        )
        .unwrap()
        .execute(params![org, org_key, inviter_key, address_key, at])
        .unwrap();
        for key in [org_key, &inviter_key] {
            conn.prepare_cached(
                "INSERT INTO send_hours (org_id, key, hour, sends) VALUES (?1, ?2, ?3, 1) \
                 ON CONFLICT (org_id, key, hour) DO UPDATE SET sends = sends + 1",
            )
            .unwrap()
            .execute(params![org, key, at / HOUR_MS])
            .unwrap();
        }
        let sent = format!(
            r#"{{"invitation_id":"{inv_id}","email":"{to}","role":"member","team_id":null,"delivered":true,"thread_grants":[]}}"#
        );
        conn.prepare_cached(&format!(
            "INSERT INTO events (org_id, seq, at, actor_id, kind, details) \
             VALUES (?1, {NEXT_SEQ}, ?2, ?3, 'invitation_sent', ?4)"
        ))
        .unwrap()
        .execute(params![org, at, inviter, sent])
        .unwrap();
        conn.execute_batch("COMMIT").unwrap();

        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        let n = conn
            .prepare_cached("UPDATE invitations SET status = 'accepted' WHERE token_hash = ?1 AND status = 'pending'")
            .unwrap()
            .execute(params![token])
            .unwrap();
        assert_eq!(n, 1);
        let member = MemberId::new();
        let member_key = member.as_uuid().into_bytes();
        conn.prepare_cached(
            "INSERT INTO members (id, org_id, email, email_key, name, role, team_ids, status, joined_at) \
             VALUES (?1, ?2, ?3, ?3, 'New Person', 'member', '[]', 'active', ?4)",
        )
        .unwrap()
        .execute(params![member_key, org, to, at])
        .unwrap();
        let words = member_index_words("New Person", &to);
        let rows: Vec<String> = (0..words.len()).map(|i| format!("(?1, ?2, ?{})", i + 3)).collect();
        let rows = rows.join(", ");
        let mut insert = conn
            .prepare_cached(&format!("INSERT OR IGNORE INTO member_words (org_id, member_id, word) VALUES {rows}"))
            .unwrap();
        let mut values: Vec<&dyn rusqlite::ToSql> = vec![&org, &member_key];
        values.extend(words.iter().map(|w| w as &dyn rusqlite::ToSql));
        insert.execute(values.as_slice()).unwrap();
        drop(insert);
        conn.prepare_cached(
            "UPDATE emails SET status = 'cancelled', text = '', html = '' \
             WHERE invitation_id = ?1 AND status = 'pending'",
        )
        .unwrap()
        .execute(params![inv])
        .unwrap();
        let accepted = format!(r#"{{"invitation_id":"{inv_id}","member_id":"{member}"}}"#);
        let added = format!(
            r#"{{"member_id":"{member}","email":"{to}","role":"member","team_ids":[],"via":"invitation","invitation_id":"{inv_id}"}}"#
        );
        for (kind, details) in [("invitation_accepted", accepted), ("member_added", added)] {
            conn.prepare_cached(&format!(
                "INSERT INTO events (org_id, seq, at, actor_id, kind, details) VALUES (?1, {NEXT_SEQ}, ?2, ?3, ?4, ?5)"
            ))
            .unwrap()
            .execute(params![org, at, member_key, kind, details])
            .unwrap();
        }
        conn.execute_batch("COMMIT").unwrap();
        black_box(member);
    }
    start.elapsed()
}

/// The tables an invitation's send and accept write rows into.
const TABLES: [&str; 5] = ["invitations", "emails", "members", "member_words", "events"];

fn row_counts(conn: &Connection) -> Vec<i64> {
    TABLES.iter().map(|t| conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0)).unwrap()).collect()
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

    // The raw loop writes into InviteKit's own schema: the file is created
    // by InviteKit (with the organization and its inviter), then written by
    // hand.
    let raw_path = dir.join("raw.db");
    let (org, inviter) = {
        let raw_kit = InviteKit::builder().open(&format!("sqlite:{}", raw_path.display())).unwrap();
        let alice = acme(&raw_kit);
        let org = raw_kit.get_member(alice).unwrap().org_id;
        (org.as_uuid().into_bytes(), alice)
    };
    let conn = Connection::open(&raw_path).unwrap();
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;").unwrap();

    let kit_conn = Connection::open(dir.join("kit.db")).unwrap();
    let (kit_before, raw_before) = (row_counts(&kit_conn), row_counts(&conn));

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
    g.bench_function("raw rusqlite (the same rows, one transaction each)", |b| {
        b.iter_custom(|iters| {
            let took = raw_invite_accept(&conn, org, inviter, &email, &raw_next, iters);
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

    // Both wrote the same rows per round, table by table.
    let per_round = |after: Vec<i64>, before: Vec<i64>, rounds: u64| -> Vec<f64> {
        after.iter().zip(&before).map(|(a, b)| (a - b) as f64 / rounds as f64).collect()
    };
    let kit_rows = per_round(row_counts(&kit_conn), kit_before, next.get());
    let raw_rows = per_round(row_counts(&conn), raw_before, raw_next.get());
    for ((table, kit_n), raw_n) in TABLES.iter().zip(&kit_rows).zip(&raw_rows) {
        assert!((kit_n - raw_n).abs() < 1e-9, "{table}: InviteKit wrote {kit_n} rows per round, the raw loop {raw_n}");
    }
    println!("rows per round, InviteKit and raw alike: {:?}", TABLES.iter().zip(&kit_rows).collect::<Vec<_>>());

    let (k, r, m) = (kit_totals.per_sec(), raw_totals.per_sec(), memory_totals.per_sec());
    println!();
    println!("invite -> accept per second, over every timed iteration:");
    println!("  InviteKit on SQLite (WAL): {k:>10.0}/s");
    println!("  raw rusqlite, same writes: {r:>10.0}/s");
    println!("  InviteKit in memory:       {m:>10.0}/s");
    println!("  ratio InviteKit SQLite / raw SQLite: {:.2}", k / r);
    drop((kit, mem, conn, kit_conn));
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, sqlite);
criterion_main!(benches);
