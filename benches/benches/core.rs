//! Criterion benchmarks of the core on the in-memory store.
//!
//! - `permission/*`: the R4/R5 decision (docs/rules.md#r4) on a warm store of 10,000 members and
//!   10,000 threads (the pure policy decision, `permission_options` through
//!   the store, and a refused `change_permissions`, which runs the full R4 check).
//! - `search/*`: `search_threads` at 10k, 100k and 1M messages; the index
//!   keeps the time per query from growing with the number of messages; the
//!   medians and the ratio 1M / 10k are printed at the end.
//! - `invite_accept`: draft -> send -> accept, the whole invitation path.
//!
//! Run with `cargo bench -p invitekit-benches --bench core`.

// Set-up that fails here is a bug in the benchmark, to be seen at once.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::time::Instant;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use invitekit::{
    Grant, InviteKit, InviteOptions, ManualClock, MemberId, Permission, PermissionSet, SettingsUpdate, ThreadId,
};
use invitekit_benches::Lcg;

struct World {
    kit: InviteKit,
    members: Vec<MemberId>,
    threads: Vec<(ThreadId, MemberId)>,
}

fn world(members: usize, threads: usize) -> World {
    let kit = InviteKit::in_memory();
    let org = kit.create_organization("Acme Corp", "acme", "https://acme.example.com", &["acme.com"]).unwrap();
    let roles = ["full", "hiring_manager", "recruiter", "member"];
    let ids: Vec<MemberId> = (0..members)
        .map(|i| kit.add_member(org.id, &format!("m{i}@acme.com"), &format!("Member {i}"), roles[i % 4]).unwrap().id)
        .collect();
    let mut rng = Lcg(7);
    let mut thread_ids = Vec::with_capacity(threads);
    for i in 0..threads {
        let starter = ids[rng.below(ids.len())];
        let t =
            kit.start_thread(starter, &format!("fl-{i}"), &format!("Freelancer {i}"), &format!("Project {i}")).unwrap();
        thread_ids.push((t.id, starter));
    }
    World { kit, members: ids, threads: thread_ids }
}

fn permission(c: &mut Criterion) {
    let w = world(10_000, 10_000);
    let policy = w.kit.policy().clone();
    let full = policy.role("full").unwrap();
    let recruiter = policy.role("recruiter").unwrap();
    let member = policy.role("member").unwrap();
    let holds = recruiter.thread_ceiling();
    let asked = PermissionSet::from_permissions([Permission::Read, Permission::Write, Permission::Interview]);

    let mut g = c.benchmark_group("permission");
    g.bench_function("check_grant (pure R4)", |b| {
        b.iter(|| {
            black_box(policy.check_grant(black_box(recruiter), black_box(holds), black_box(member), black_box(asked)))
        })
    });
    g.bench_function("permission_options (pure R5)", |b| {
        b.iter(|| black_box(policy.permission_options(black_box(full), black_box(PermissionSet::ALL))))
    });

    // A thread and its starter, and a second member to be refused.
    let (thread, starter) = *w.threads.iter().find(|(_, s)| w.kit.get_member(*s).unwrap().role == "full").unwrap();
    let target = *w.members.iter().find(|m| **m != starter && w.kit.get_member(**m).unwrap().role == "member").unwrap();
    w.kit.add_to_thread(starter, thread, target, &Grant::preset("viewer")).ok();
    g.bench_function("permission_options (store, 10k members, 10k threads)", |b| {
        b.iter(|| black_box(w.kit.permission_options(black_box(starter), black_box(thread)).unwrap()))
    });
    let too_much = Grant::preset("hiring");
    g.bench_function("change_permissions refused by R4 (store)", |b| {
        b.iter(|| black_box(w.kit.change_permissions(starter, thread, target, &too_much).unwrap_err()))
    });
    g.finish();
}

const VOCABULARY: usize = 5_000;
const SEARCH_SAMPLES: usize = 30;

fn word(i: usize) -> String {
    // Pronounceable, distinct words: "kato", "mire", ... with a numeric tail.
    const SYL: [&str; 16] =
        ["ka", "to", "mi", "re", "su", "no", "la", "pe", "zo", "bi", "ru", "ve", "do", "fa", "gu", "hi"];
    format!("{}{}{}", SYL[i % 16], SYL[(i / 16) % 16], i / 256)
}

fn search(c: &mut Criterion) {
    let mut g = c.benchmark_group("search");
    g.sample_size(SEARCH_SAMPLES);
    let mut medians: Vec<(&str, usize, f64)> = Vec::new();
    let kit = InviteKit::in_memory();
    let org = kit.create_organization("Acme Corp", "acme", "https://acme.example.com", &["acme.com"]).unwrap();
    let alice = kit.add_member(org.id, "alice@acme.com", "Alice", "full").unwrap().id;
    let bob = kit.add_member(org.id, "bob@acme.com", "Bob", "full").unwrap().id;
    // Alice is in 200 of 1,000 threads; Bob started the others.
    let threads: Vec<ThreadId> = (0..1000)
        .map(|i| {
            let who = if i % 5 == 0 { alice } else { bob };
            kit.start_thread(
                who,
                &format!("fl-{i}"),
                &format!("Freelancer {}", word(i)),
                &format!("Project {}", word(i + 7)),
            )
            .unwrap()
            .id
        })
        .collect();
    let authors: Vec<MemberId> = (0..1000).map(|i| if i % 5 == 0 { alice } else { bob }).collect();
    let mut rng = Lcg(11);
    let mut posted = 0usize;
    for target in [10_000usize, 100_000, 1_000_000] {
        while posted < target {
            let t = rng.below(threads.len());
            let body: Vec<String> = (0..8).map(|_| word(rng.below(VOCABULARY))).collect();
            kit.post_message(authors[t], threads[t], &body.join(" ")).unwrap();
            posted += 1;
        }
        for (name, query) in
            [("one word", word(4321)), ("two words", format!("{} {}", word(17), word(99))), ("empty", String::new())]
        {
            let mut per_query = Vec::new();
            g.bench_with_input(BenchmarkId::new(name, target), &query, |b, q| {
                b.iter_custom(|iters| {
                    let start = Instant::now();
                    for _ in 0..iters {
                        black_box(kit.search_threads(alice, q, 20, None).unwrap());
                    }
                    let took = start.elapsed();
                    per_query.push(took.as_secs_f64() / iters as f64);
                    took
                })
            });
            medians.push((name, target, median_of_last(&mut per_query, SEARCH_SAMPLES)));
        }
    }
    g.finish();

    // docs/rules.md#performance: an index, not a scan; the time at 1M within 10x of the time at 10k.
    println!();
    println!("search_threads, median per query, and 1M / 10k:");
    for name in ["one word", "two words", "empty"] {
        let at = |n: usize| medians.iter().find(|(q, t, _)| *q == name && *t == n).map_or(f64::NAN, |m| m.2);
        println!(
            "  {name:<9}  10k {:>8.2} us  100k {:>8.2} us  1M {:>8.2} us  1M/10k {:.2}x",
            at(10_000) * 1e6,
            at(100_000) * 1e6,
            at(1_000_000) * 1e6,
            at(1_000_000) / at(10_000)
        );
    }
}

/// The median of the last `n` per-iteration times (criterion's warm-up calls come first).
fn median_of_last(times: &mut Vec<f64>, n: usize) -> f64 {
    let keep = times.len().saturating_sub(n);
    times.drain(..keep);
    times.sort_by(f64::total_cmp);
    times.get(times.len() / 2).copied().unwrap_or(f64::NAN)
}

fn invite_accept(c: &mut Criterion) {
    // The rate limits look back 24 hours: ten seconds per invitation keeps the
    // window under the highest per-member limit, as a real day of use would.
    let clock = ManualClock::new();
    let kit = InviteKit::builder().clock(clock.clone()).in_memory();
    let org = kit.create_organization("Acme Corp", "acme", "https://acme.example.com", &["acme.com"]).unwrap();
    let alice = kit.add_member(org.id, "alice@acme.com", "Alice", "full").unwrap().id;
    let lift = SettingsUpdate {
        max_invitations_per_inviter_per_day: Some(10_000),
        max_invitations_per_org_per_day: Some(100_000),
        max_pending_invitations: Some(100_000),
        ..SettingsUpdate::default()
    };
    kit.set_organization_settings(alice, org.id, &lift).unwrap();
    let mut i = 0u64;
    c.bench_function("invite_accept (memory: draft, send, accept)", |b| {
        b.iter(|| {
            i += 1;
            clock.advance(10);
            let email = format!("user{i}@acme.com");
            let draft = kit.draft_invitation(alice, &email, InviteOptions::new()).unwrap();
            kit.send_invitation(&draft, false).unwrap();
            black_box(kit.accept_invitation(draft.link(), &email, "New Person").unwrap())
        })
    });
}

criterion_group!(benches, permission, invite_accept, search);
criterion_main!(benches);
