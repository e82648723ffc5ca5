//! Bytes per stored invitation and per message in the in-memory store
//! (docs/rules.md#performance), measured, not guessed: a global allocator wrapping the system
//! one counts the bytes live at any moment, and each figure is the growth of
//! that count over N operations, divided by N.
//!
//! - invitation, link only: `send_invitation(draft, deliver = false)`, which
//!   stores the invitation, its token hash, its indexes, its
//!   `invitation_sent` event and its rate-limit entries;
//! - invitation by email: the same plus the email (text and HTML) in the outbox;
//! - message: `post_message` with eight words drawn from a 5,000-word
//!   vocabulary across 1,000 threads, which stores the message, its words in
//!   the search index (each word once per thread) and the thread's new activity.
//!
//! The counts are of the bytes asked for (the allocator's own overhead is not
//! included). Each figure is printed at two sizes, because a hash table that
//! just doubled holds spare room that the next inserts fill.
//!
//! Run with `cargo bench -p invitekit-benches --bench memory`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// A global allocator is an `unsafe impl`; this one only forwards to `System`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use invitekit::{InviteKit, InviteOptions, ManualClock, MemberId, MemoryStore, SettingsUpdate, ThreadId};

/// The system allocator, counting the bytes live.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded to `System` with the same arguments; the
// counter is only arithmetic on the sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout` (every allocation goes through here).
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`; `new_size` is the caller's, as `realloc` requires.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_add(new_size as isize - layout.size() as isize, Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// Acme with Alice (`full`), its invitation limits lifted, on a manual clock.
fn acme() -> (InviteKit<MemoryStore>, ManualClock, MemberId) {
    let clock = ManualClock::new();
    let kit = InviteKit::builder().clock(clock.clone()).in_memory();
    let org = kit.create_organization("Acme Corp", "acme", "https://acme.example.com", &["acme.com"]).unwrap();
    let alice = kit.add_member(org.id, "alice@acme.com", "Alice Smith", "full").unwrap().id;
    let lift = SettingsUpdate {
        max_invitations_per_inviter_per_day: Some(10_000),
        max_invitations_per_org_per_day: Some(100_000),
        max_pending_invitations: Some(100_000),
        ..SettingsUpdate::default()
    };
    kit.set_organization_settings(alice, org.id, &lift).unwrap();
    (kit, clock, alice)
}

/// Bytes per invitation after `checkpoints` invitations (cumulative), each
/// with a fresh address and a short personal message.
fn invitations(deliver: bool, checkpoints: &[usize]) -> Vec<(usize, f64)> {
    let (kit, clock, alice) = acme();
    let mut sent = 0usize;
    let mut send = |kit: &InviteKit<MemoryStore>, n: usize| {
        for _ in 0..n {
            sent += 1;
            // Ten seconds apart keeps the 24-hour window under the per-inviter limit.
            clock.advance(10);
            let email = format!("coworker{sent}@acme.com");
            let draft =
                kit.draft_invitation(alice, &email, InviteOptions::new().message("Welcome to the team!")).unwrap();
            kit.send_invitation(&draft, deliver).unwrap();
        }
    };
    // Warm up: the first invitations create the maps and the log's keys.
    send(&kit, 100);
    let before = live();
    let mut done = 0;
    let mut out = Vec::new();
    for &n in checkpoints {
        send(&kit, n - done);
        done = n;
        out.push((n, (live() - before) as f64 / n as f64));
    }
    drop(kit);
    out
}

const VOCABULARY: usize = 5_000;

fn word(i: usize) -> String {
    const SYL: [&str; 16] =
        ["ka", "to", "mi", "re", "su", "no", "la", "pe", "zo", "bi", "ru", "ve", "do", "fa", "gu", "hi"];
    format!("{}{}{}", SYL[i % 16], SYL[(i / 16) % 16], i / 256)
}

/// Bytes per message after `checkpoints` messages (cumulative), and the mean body length.
fn messages(checkpoints: &[usize]) -> (Vec<(usize, f64)>, f64) {
    let (kit, clock, alice) = acme();
    let threads: Vec<ThreadId> = (0..1000)
        .map(|i| {
            kit.start_thread(alice, &format!("fl-{i}"), &format!("Freelancer {}", word(i)), &format!("Project {i}"))
                .unwrap()
                .id
        })
        .collect();
    let mut seed = 11u64;
    let mut rand = move |n: usize| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((seed >> 33) % n as u64) as usize
    };
    let mut body_bytes = 0usize;
    let mut post = |n: usize, count_body: bool| {
        for _ in 0..n {
            clock.advance(1);
            let body: Vec<String> = (0..8).map(|_| word(rand(VOCABULARY))).collect();
            let body = body.join(" ");
            if count_body {
                body_bytes += body.len();
            }
            kit.post_message(alice, threads[rand(threads.len())], &body).unwrap();
        }
    };
    post(1_000, false);
    let before = live();
    let mut done = 0;
    let mut out = Vec::new();
    for &n in checkpoints {
        post(n - done, true);
        done = n;
        out.push((n, (live() - before) as f64 / n as f64));
    }
    let last = checkpoints.last().copied().unwrap_or(1);
    (out, body_bytes as f64 / last as f64)
}

fn main() {
    println!("bytes live per stored item in the memory store (counting allocator):");
    for (n, b) in invitations(false, &[10_000, 20_000]) {
        println!("  invitation, link only (deliver = false), after {n:>7}: {b:>7.0} bytes each");
    }
    for (n, b) in invitations(true, &[10_000, 20_000]) {
        println!("  invitation by email (deliver = true),    after {n:>7}: {b:>7.0} bytes each");
    }
    let (per_message, body) = messages(&[100_000, 200_000]);
    for (n, b) in per_message {
        println!("  message ({body:.0}-byte body),              after {n:>7}: {b:>7.0} bytes each");
    }
}
