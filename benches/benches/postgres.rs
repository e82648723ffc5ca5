//! Invite -> accept rounds per second on PostgreSQL with 1, 4 and 16
//! concurrent clients, and the share of write transactions run again after
//! losing a race.
//!
//! Every client is a thread with its own inviter, all in one shared
//! organization (its limits lifted): that is where writers race, on the
//! organization's event sequence and its send counts. A round is
//! `draft_invitation`, `send_invitation` (with its email) and
//! `accept_invitation`, on one `InviteKit<PostgresStore>` (a pool of at most
//! 32 connections) over a fresh schema of the server. For each client count
//! the clients run 1 s of warm-up, then 5 s measured: rounds completed per
//! second, microseconds per round (wall time over all clients, and each
//! round's median and 99th-percentile latency), and write transactions
//! started and retried (`PostgresStore::write_transactions` and
//! `write_retries`) in that window. A round that still fails with `conflict`
//! after the store's retries is counted apart, and does not stop the bench.
//!
//! It needs a server: `INVITEKIT_TEST_POSTGRES_URL` (from the worktree root,
//! `export INVITEKIT_TEST_POSTGRES_URL="$(bash scripts/start-postgres | tail -n 1)"`);
//! without it, it says so and exits successfully. The schema it creates is
//! dropped at the end (and any left by an earlier run that died, on the next).
//!
//! Run with `cargo bench -p invitekit-benches --bench postgres`.

// Set-up that fails here is a bug in the benchmark, to be seen at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../core/tests/common/schemas.rs"]
mod schemas;

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use invitekit::{InviteKit, InviteOptions, ManualClock, MemberId, PostgresStore, SettingsUpdate};

const CLIENTS: [usize; 3] = [1, 4, 16];
const WARM_UP: Duration = Duration::from_secs(1);
const MEASURED: Duration = Duration::from_secs(5);
const MAX_CONNECTIONS: u32 = 32;

type Kit = InviteKit<PostgresStore>;

fn main() {
    let Some(server) = std::env::var("INVITEKIT_TEST_POSTGRES_URL").ok().filter(|u| !u.trim().is_empty()) else {
        println!(
            "postgres bench skipped: set INVITEKIT_TEST_POSTGRES_URL to a PostgreSQL server \
             (from the worktree root: export INVITEKIT_TEST_POSTGRES_URL=\"$(bash scripts/start-postgres | tail -n 1)\")"
        );
        return;
    };
    let mut admin = postgres::Client::connect(&server, postgres::NoTls).expect("cannot connect to the server");
    schemas::drop_dead_schemas(&mut admin, "ikb");
    let schema = format!("ikb_{}_{}", std::process::id(), std::time::UNIX_EPOCH.elapsed().unwrap().as_millis());
    admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")).unwrap();
    let sep = if server.contains('?') { '&' } else { '?' };
    let url = format!("{server}{sep}options=-csearch_path%3D{schema}");

    let clock = ManualClock::new();
    let store = PostgresStore::open_with_max_connections(&url, MAX_CONNECTIONS).unwrap();
    let kit = InviteKit::builder().clock(clock.clone()).build(store);
    let inviters = organization(&kit, CLIENTS.iter().copied().max().unwrap_or(1));

    let mut figures = Vec::new();
    for (run, clients) in CLIENTS.into_iter().enumerate() {
        let f = measure(&kit, &clock, &inviters[..clients], run);
        println!(
            "{clients:>2} client(s): {} rounds in {:.2} s, {} conflict, {} other error(s)",
            f.rounds, f.secs, f.conflicts, f.others
        );
        figures.push(f);
    }
    drop(kit);
    admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).unwrap();

    println!();
    println!(
        "PostgreSQL, invite -> accept (draft, send with email, accept), one shared organization, \
         {}s measured after {}s warm-up per row:",
        MEASURED.as_secs(),
        WARM_UP.as_secs()
    );
    println!(
        "| clients | rounds/s | us/round (wall) | median us | p99 us | write tx started | retried | retried / started | conflict rounds |"
    );
    println!(
        "|--------:|---------:|----------------:|----------:|-------:|-----------------:|--------:|------------------:|----------------:|"
    );
    for f in &figures {
        let per_sec = f.rounds as f64 / f.secs;
        println!(
            "| {:>7} | {per_sec:>8.0} | {:>15.0} | {:>9.0} | {:>6.0} | {:>16} | {:>7} | {:>16.2}% | {:>15} |",
            f.clients,
            1e6 / per_sec,
            f.median_us,
            f.p99_us,
            f.started,
            f.retried,
            100.0 * f.retried as f64 / f.started.max(1) as f64,
            f.conflicts
        );
    }
    let one = figures.first().map_or(f64::NAN, |f| f.rounds as f64 / f.secs);
    for f in figures.iter().skip(1) {
        println!("  {} clients / 1 client: {:.2}x the rounds per second", f.clients, f.rounds as f64 / f.secs / one);
    }
    for f in &figures {
        if let Some(e) = &f.first_other {
            println!("  {} clients: {} round(s) failed otherwise than `conflict`, first: {e}", f.clients, f.others);
        }
    }
}

/// Acme, its limits lifted, and `n` inviters with the `full` role.
fn organization(kit: &Kit, n: usize) -> Vec<MemberId> {
    let org = kit.create_organization("Acme Corp", "acme", "https://acme.example.com", &["acme.com"]).unwrap();
    let inviters: Vec<MemberId> = (0..n)
        .map(|i| kit.add_member(org.id, &format!("inviter{i}@acme.com"), &format!("Inviter {i}"), "full").unwrap().id)
        .collect();
    let lift = SettingsUpdate {
        max_invitations_per_inviter_per_day: Some(10_000),
        max_invitations_per_org_per_day: Some(100_000),
        max_pending_invitations: Some(100_000),
        ..SettingsUpdate::default()
    };
    kit.set_organization_settings(inviters[0], org.id, &lift).unwrap();
    inviters
}

/// What one client count came to, over the measured window.
struct Figures {
    clients: usize,
    rounds: u64,
    secs: f64,
    median_us: f64,
    p99_us: f64,
    started: u64,
    retried: u64,
    conflicts: u64,
    others: u64,
    first_other: Option<String>,
}

/// One invite -> accept round by `inviter`, to `email`.
fn round(kit: &Kit, inviter: MemberId, email: &str) -> invitekit::Result<()> {
    let draft = kit.draft_invitation(inviter, email, InviteOptions::new())?;
    kit.send_invitation(&draft, true)?;
    kit.accept_invitation(draft.link(), email, "New Person")?;
    Ok(())
}

/// Runs one client per inviter for the warm-up and the measured window.
fn measure(kit: &Kit, clock: &ManualClock, inviters: &[MemberId], run: usize) -> Figures {
    let stop = AtomicBool::new(false);
    let measuring = AtomicBool::new(false);
    let (rounds, conflicts, others) = (AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0));
    let latencies: Mutex<Vec<f64>> = Mutex::new(Vec::new());
    let first_other: Mutex<Option<String>> = Mutex::new(None);
    let store = kit.store();
    let mut window = (0.0, 0, 0);
    std::thread::scope(|s| {
        for (client, &inviter) in inviters.iter().enumerate() {
            let (stop, measuring, rounds, conflicts, others) = (&stop, &measuring, &rounds, &conflicts, &others);
            let (latencies, first_other) = (&latencies, &first_other);
            s.spawn(move || {
                let mut mine = Vec::new();
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    // A second per round keeps every 24-hour window of the limits far from full.
                    clock.advance(1);
                    let email = format!("r{run}-c{client}-n{i}@acme.com");
                    let start = Instant::now();
                    let outcome = round(kit, inviter, &email);
                    let took = start.elapsed();
                    if !measuring.load(Ordering::Relaxed) {
                        continue;
                    }
                    match outcome {
                        Ok(()) => {
                            rounds.fetch_add(1, Ordering::Relaxed);
                            mine.push(took.as_secs_f64() * 1e6);
                        }
                        Err(e) if e.code() == "conflict" => {
                            conflicts.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) => {
                            others.fetch_add(1, Ordering::Relaxed);
                            first_other.lock().unwrap().get_or_insert_with(|| format!("{}: {e}", e.code()));
                        }
                    }
                }
                latencies.lock().unwrap().extend(mine);
            });
        }
        std::thread::sleep(WARM_UP);
        let (started, retried) = (store.write_transactions(), store.write_retries());
        let start = Instant::now();
        measuring.store(true, Ordering::Relaxed);
        std::thread::sleep(MEASURED);
        measuring.store(false, Ordering::Relaxed);
        let secs = start.elapsed().as_secs_f64();
        window = (secs, store.write_transactions() - started, store.write_retries() - retried);
        stop.store(true, Ordering::Relaxed);
    });
    let mut lat = latencies.into_inner().unwrap();
    lat.sort_by(f64::total_cmp);
    let at = |q: f64| lat.get(((lat.len() as f64 * q) as usize).min(lat.len().saturating_sub(1))).copied();
    Figures {
        clients: inviters.len(),
        rounds: rounds.into_inner(),
        secs: window.0,
        median_us: at(0.5).unwrap_or(f64::NAN),
        p99_us: at(0.99).unwrap_or(f64::NAN),
        started: window.1,
        retried: window.2,
        conflicts: conflicts.into_inner(),
        others: others.into_inner(),
        first_other: first_other.into_inner().unwrap(),
    }
}
