//! The Rust side of the Python and Node binding benchmarks: the median time per
//! call of `permission_options` and of draft -> send -> accept, measured exactly
//! as `bindings-python/bench/bench.py` measures them from Python.
//!
//! Then invite -> accept flows per second in memory and on a SQLite file, the
//! median of five rounds of 2,000, as `bindings-node/bench/bench.mjs` measures
//! them from Node.
//!
//! Run with `cargo run --release -p invitekit-examples --example bench_baseline`.
//! Prints one `name median_ns` line per timed call, then one
//! `flows_per_second_<store> rate` line per store.

use std::time::Instant;

use invitekit::{AnyStore, InviteKit, InviteOptions, ManualClock, MemberId, Result, SettingsUpdate};

/// Calls of `permission_options` per timed batch, and batches.
const BATCH: usize = 1_000;
const BATCHES: usize = 200;
/// Invitations drafted, sent and accepted.
const INVITES: usize = 3_000;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error [{}]: {e}", e.code());
        std::process::exit(1);
    }
}

/// Acme with Alice (`full`) on `kit`, its daily limits raised.
fn acme(kit: &InviteKit<AnyStore>) -> Result<MemberId> {
    let org = kit.create_organization("Acme Corp", "acme", "https://acme.example.com/portal", &["acme.com"])?;
    let alice = kit.add_member(org.id, "alice@acme.com", "Alice Smith", "full")?;
    // The rate limits look back 24 hours; with the clock moving 10 s per
    // invitation these raised limits are never reached.
    let limits = SettingsUpdate {
        max_invitations_per_inviter_per_day: Some(10_000),
        max_invitations_per_org_per_day: Some(100_000),
        max_pending_invitations: Some(100_000),
        ..SettingsUpdate::default()
    };
    kit.set_organization_settings(alice.id, org.id, &limits)?;
    Ok(alice.id)
}

/// Invite -> accept flows per second on `url`: the median of five rounds of 2,000.
fn throughput(url: &str) -> Result<f64> {
    const ROUNDS: usize = 5;
    const PER: usize = 2_000;
    let clock = ManualClock::new();
    let kit = InviteKit::builder().clock(clock.clone()).open(url)?;
    let alice = acme(&kit)?;
    let mut rates = Vec::with_capacity(ROUNDS);
    let mut n = 0;
    for _ in 0..ROUNDS {
        let t = Instant::now();
        for _ in 0..PER {
            clock.advance(10);
            let email = format!("user{n}@acme.com");
            n += 1;
            let draft = kit.draft_invitation(alice, &email, InviteOptions::new())?;
            kit.send_invitation(&draft, true)?;
            std::hint::black_box(kit.accept_invitation(draft.link(), &email, "New Member")?);
        }
        rates.push(PER as f64 / t.elapsed().as_secs_f64());
    }
    Ok(median(rates))
}

fn run() -> Result<()> {
    let clock = ManualClock::new();
    // The same store as Python's `InviteKit.in_memory()`: memory, behind `AnyStore`.
    let kit = InviteKit::builder().clock(clock.clone()).open("memory:")?;
    let alice = acme(&kit)?;
    let thread = kit.start_thread(alice, "fl-42", "José Pérez", "Logo redesign")?;

    for _ in 0..BATCH {
        std::hint::black_box(kit.permission_options(alice, thread.id)?);
    }
    let mut per_call = Vec::with_capacity(BATCHES);
    for _ in 0..BATCHES {
        let t = Instant::now();
        for _ in 0..BATCH {
            std::hint::black_box(kit.permission_options(alice, thread.id)?);
        }
        per_call.push(t.elapsed().as_nanos() as f64 / BATCH as f64);
    }
    println!("permission_options {:.1}", median(per_call));

    let mut cycles = Vec::with_capacity(INVITES);
    for i in 0..INVITES {
        clock.advance(10);
        let email = format!("user{i}@acme.com");
        let t = Instant::now();
        let draft = kit.draft_invitation(alice, &email, InviteOptions::new())?;
        kit.send_invitation(&draft, true)?;
        std::hint::black_box(kit.accept_invitation(draft.link(), &email, "New Member")?);
        cycles.push(t.elapsed().as_nanos() as f64);
    }
    println!("draft_send_accept {:.1}", median(cycles));

    let dir = std::env::temp_dir().join(format!("invitekit-bench-baseline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| invitekit::Error::Storage(e.to_string()))?;
    println!("flows_per_second_memory {:.0}", throughput("memory:")?);
    let sqlite = throughput(&format!("sqlite:{}", dir.join("bench.db").display()));
    let _ = std::fs::remove_dir_all(&dir);
    println!("flows_per_second_sqlite {:.0}", sqlite?);
    Ok(())
}
