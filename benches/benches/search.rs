//! Bounded search cost, through the public API (`search_threads` and
//! `find_coworkers`), on SQLite (a temp file) and on the memory store.
//!
//! - `repeated/*`: the query `a` (a prefix of about one word in five, so most
//!   threads match) once, and repeated as many times as the 200-character
//!   query limit allows (`a a a ... a`, 100 times). Terms are deduplicated
//!   and terms implied by longer ones dropped, so repeating a word must cost
//!   about nothing: the ratio repeated / once is printed (bound: 2x). Measured
//!   for `search_threads` by a member in all of an organization's 1,000
//!   threads (SQLite walks the member's threads) and 2,100 threads (SQLite
//!   seeks the organization's word index: more than 2,000), and for
//!   `find_coworkers` among 100 coworkers. Beside them, what folding and
//!   splitting the query costs by itself (`words`, `distinct_terms`), which
//!   no store can skip and which grows with the query's length.
//! - `isolation/*`: the same searches in an organization when the database
//!   holds that organization alone and when it holds other organizations like
//!   it (same vocabulary, built by the same seeded generator); the ratio
//!   many / alone is printed (bound: 2x). Searched by `all`, a member in every
//!   thread of the organization, and by `few`, a member in 50 of them; in an
//!   organization of 1,000 threads (50 organizations in the crowded database)
//!   and of 2,100 threads (where `all` is past SQLite's 2,000-thread walk, so
//!   SQLite seeks the organization's word index; 50 organizations in the
//!   crowded database too).
//!
//! Each database is built once per process, through the public API, the
//! first time a benchmark needs it; the build times are printed. At the end
//! it prints the medians per call and the ratios.
//!
//! Run with `cargo bench -p invitekit-benches --bench search`.

// Set-up that fails here is a bug in the benchmark, to be seen at once.
#![allow(clippy::unwrap_used)]

use std::cell::{OnceCell, RefCell};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, criterion_group, criterion_main};
use invitekit::search::{coworker_terms, distinct_terms, words};
use invitekit::{AnyStore, Grant, InviteKit, ManualClock, MemberId};
use invitekit_benches::Lcg;

/// Samples per benchmark; the median is taken over them.
const SAMPLES: usize = 20;
/// Threads of the small and of the big organization.
const SMALL: usize = 1_000;
const BIG: usize = 2_100;
/// Organizations in the crowded databases.
const SMALL_ORGS: usize = 50;
const BIG_ORGS: usize = 50;
/// Coworkers per organization, for `find_coworkers`.
const COWORKERS: usize = 100;
/// Threads `few` is in.
const FEW: usize = 50;
/// Distinct words of the generator.
const VOCABULARY: usize = 2_048;
/// Every organization is built from this seed: same words, same threads.
const SEED: u64 = 12;
const LIMIT: usize = 20;

/// `n` words of the vocabulary, drawn by `rng`.
fn random_words(rng: &mut Lcg, n: usize) -> String {
    (0..n).map(|_| word(rng.below(VOCABULARY))).collect::<Vec<_>>().join(" ")
}

/// Pronounceable, distinct words ("kato3", "alzo0", ...); three syllables
/// in sixteen start with `a`, so `a` is a prefix of about one word in five.
fn word(i: usize) -> String {
    const SYL: [&str; 16] =
        ["ka", "to", "mi", "re", "an", "su", "no", "al", "pe", "zo", "ar", "bi", "ru", "ve", "do", "fa"];
    format!("{}{}{}", SYL[i % 16], SYL[(i / 16) % 16], i / 256)
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Sqlite,
    Memory,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Sqlite => "sqlite",
            Kind::Memory => "memory",
        }
    }
}

/// A database of `orgs` organizations of `threads` threads each, and the
/// members searched in the one measured (the middle one).
struct World {
    kit: InviteKit<AnyStore>,
    all: MemberId,
    few: MemberId,
    orgs: usize,
}

/// Builds one organization: `all` starts every thread (a few words each, a
/// message in every other one) and adds `few` to 50 of them; 100 coworkers.
fn organization(kit: &InviteKit<AnyStore>, clock: &ManualClock, n: usize, threads: usize) -> (MemberId, MemberId) {
    let domain = format!("org{n}.example.com");
    let org = kit
        .create_organization(&format!("Org {n}"), &format!("org-{n}"), &format!("https://{domain}"), &[&domain])
        .unwrap();
    let all = kit.add_member(org.id, &format!("all@{domain}"), "Avery Everywhere", "full").unwrap().id;
    let few = kit.add_member(org.id, &format!("few@{domain}"), "Fiona Seldom", "member").unwrap().id;
    let mut rng = Lcg(SEED);
    for i in 0..COWORKERS {
        let name = random_words(&mut rng, 2);
        kit.add_member(org.id, &format!("m{i}@{domain}"), &name, "member").unwrap();
    }
    let viewer = Grant::preset("viewer");
    for i in 0..threads {
        clock.advance(1);
        let (name, title) = (random_words(&mut rng, 2), random_words(&mut rng, 3));
        let t = kit.start_thread(all, &format!("fl-{i}"), &name, &title).unwrap();
        if i % 2 == 0 {
            kit.post_message(all, t.id, &random_words(&mut rng, 6)).unwrap();
        }
        if i % (threads / FEW) == 0 && i / (threads / FEW) < FEW {
            kit.add_to_thread(all, t.id, few, &viewer).unwrap();
        }
    }
    (all, few)
}

fn build(kind: Kind, dir: &Path, orgs: usize, threads: usize) -> World {
    let start = Instant::now();
    let clock = ManualClock::new();
    let url = match kind {
        Kind::Sqlite => format!("sqlite:{}", dir.join(format!("{orgs}x{threads}.db")).display()),
        Kind::Memory => "memory:".to_owned(),
    };
    let kit = InviteKit::builder().clock(clock.clone()).open(&url).unwrap();
    let mut measured = None;
    for n in 0..orgs {
        let members = organization(&kit, &clock, n, threads);
        if n == orgs / 2 {
            measured = Some(members);
        }
    }
    let (all, few) = measured.unwrap();
    println!(
        "built {}: {orgs} organization(s) of {threads} threads in {:.1} s",
        kind.name(),
        start.elapsed().as_secs_f64()
    );
    World { kit, all, few, orgs }
}

/// The databases, each built the first time a benchmark asks for it.
struct Worlds {
    dir: PathBuf,
    cells: [[[OnceCell<World>; 2]; 2]; 2],
}

impl Worlds {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("invitekit-bench-search-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Worlds { dir, cells: Default::default() }
    }

    /// The database of `kind` with organizations of `threads` threads, alone or crowded.
    fn get(&self, kind: Kind, threads: usize, crowded: bool) -> &World {
        let orgs = match (crowded, threads) {
            (false, _) => 1,
            (true, SMALL) => SMALL_ORGS,
            (true, _) => BIG_ORGS,
        };
        self.cells[usize::from(kind == Kind::Memory)][usize::from(threads == BIG)][usize::from(crowded)]
            .get_or_init(|| build(kind, &self.dir, orgs, threads))
    }
}

impl Drop for Worlds {
    fn drop(&mut self) {
        self.cells = Default::default();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Medians per call, by benchmark name.
#[derive(Default)]
struct Medians(RefCell<Vec<(String, f64)>>);

impl Medians {
    fn get(&self, name: &str) -> f64 {
        self.0.borrow().iter().find(|(n, _)| n == name).map_or(f64::NAN, |m| m.1)
    }
}

/// Benchmarks `f` (one call per iteration) as `name` and records its
/// median; `check` runs first, if the benchmark runs (criterion's filter).
fn measure(
    g: &mut BenchmarkGroup<'_, WallTime>,
    medians: &Medians,
    name: &str,
    check: impl FnOnce(),
    mut f: impl FnMut(),
) {
    let mut per_call = Vec::new();
    let mut check = Some(check);
    g.bench_function(name, |b| {
        if let Some(check) = check.take() {
            check();
        }
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                f();
            }
            let took = start.elapsed();
            per_call.push(took.as_secs_f64() / iters as f64);
            took
        })
    });
    if !per_call.is_empty() {
        medians.0.borrow_mut().push((name.to_owned(), median_of_last(&mut per_call, SAMPLES)));
    }
}

/// The median of the last `n` per-call times (criterion's warm-up calls come first).
fn median_of_last(times: &mut Vec<f64>, n: usize) -> f64 {
    let keep = times.len().saturating_sub(n);
    times.drain(..keep);
    times.sort_by(f64::total_cmp);
    times.get(times.len() / 2).copied().unwrap_or(f64::NAN)
}

fn group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(SAMPLES).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(1));
    g
}

/// `word` repeated as often as the 200-character query limit allows.
fn repeated(word: &str) -> String {
    let times = (200 + 1) / (word.chars().count() + 1);
    vec![word; times].join(" ")
}

fn search_ids(kit: &InviteKit<AnyStore>, member: MemberId, query: &str) -> Vec<String> {
    kit.search_threads(member, query, LIMIT, None).unwrap().threads.iter().map(|t| t.id.to_string()).collect()
}

const STORES: [Kind; 2] = [Kind::Sqlite, Kind::Memory];

/// The isolation queries: a common prefix, a word found in a few threads, two prefixes.
fn queries() -> [(&'static str, String); 3] {
    [("prefix a", "a".to_owned()), ("rare word", word(1234)), ("two prefixes", "a ka".to_owned())]
}

fn search(c: &mut Criterion) {
    let worlds = Worlds::new();
    let medians = Medians::default();
    let once = "a".to_owned();
    let many = repeated("a");
    assert_eq!(many.chars().count(), 199);

    // Repeated terms.
    {
        let mut g = group(c, "repeated");
        for kind in STORES {
            for threads in [SMALL, BIG] {
                for (label, q) in [("once", &once), ("x100", &many)] {
                    let name = format!("{}/search_threads {threads} threads/{label}", kind.name());
                    let check = || {
                        // The same page either way, and a full one.
                        let w = worlds.get(kind, threads, false);
                        assert_eq!(search_ids(&w.kit, w.all, &once), search_ids(&w.kit, w.all, &many));
                        assert_eq!(search_ids(&w.kit, w.all, &once).len(), LIMIT);
                    };
                    measure(&mut g, &medians, &name, check, || {
                        let w = worlds.get(kind, threads, false);
                        black_box(w.kit.search_threads(w.all, q, LIMIT, None).unwrap());
                    });
                }
            }
            for (label, q) in [("once", &once), ("x100", &many)] {
                let name = format!("{}/find_coworkers/{label}", kind.name());
                let check = || {
                    let w = worlds.get(kind, SMALL, false);
                    let found = |q: &str| w.kit.find_coworkers(w.all, q, LIMIT).unwrap().len();
                    assert_eq!(found(&once), found(&many));
                    assert!(found(&once) > 1);
                };
                measure(&mut g, &medians, &name, check, || {
                    let w = worlds.get(kind, SMALL, false);
                    black_box(w.kit.find_coworkers(w.all, q, LIMIT).unwrap());
                });
            }
        }
        // What every search does before it reaches the store, whatever the
        // store: fold the query, split it into words, drop repeats.
        for (label, q) in [("once", &once), ("x100", &many)] {
            measure(
                &mut g,
                &medians,
                &format!("parse/search_threads/{label}"),
                || (),
                || {
                    black_box(distinct_terms(words(black_box(q))).unwrap());
                },
            );
            measure(
                &mut g,
                &medians,
                &format!("parse/words/{label}"),
                || (),
                || {
                    black_box(words(black_box(q)));
                },
            );
            measure(
                &mut g,
                &medians,
                &format!("parse/find_coworkers/{label}"),
                || (),
                || {
                    black_box(distinct_terms(coworker_terms(black_box(q))).unwrap());
                },
            );
        }
        g.finish();
    }

    // Organization isolation.
    {
        let mut g = group(c, "isolation");
        for kind in STORES {
            for threads in [SMALL, BIG] {
                for who in ["all", "few"] {
                    for (label, q) in queries() {
                        for crowded in [false, true] {
                            let name = format!(
                                "{}/{threads} threads/{who}/{label}/{}",
                                kind.name(),
                                if crowded { "crowded" } else { "alone" }
                            );
                            let member = |w: &World| if who == "all" { w.all } else { w.few };
                            let check = || {
                                // The same organization finds as many threads alone as among others.
                                let w = worlds.get(kind, threads, crowded);
                                let alone = worlds.get(kind, threads, false);
                                let found = search_ids(&w.kit, member(w), &q).len();
                                assert_eq!(found, search_ids(&alone.kit, member(alone), &q).len());
                                println!("({name}: {found} threads found)");
                            };
                            measure(&mut g, &medians, &name, check, || {
                                let w = worlds.get(kind, threads, crowded);
                                black_box(w.kit.search_threads(member(w), &q, LIMIT, None).unwrap());
                            });
                        }
                    }
                }
            }
            for (label, q) in [("prefix a", "a".to_owned()), ("two prefixes", "a ka".to_owned())] {
                for crowded in [false, true] {
                    let name =
                        format!("{}/find_coworkers/{label}/{}", kind.name(), if crowded { "crowded" } else { "alone" });
                    measure(
                        &mut g,
                        &medians,
                        &name,
                        || (),
                        || {
                            let w = worlds.get(kind, SMALL, crowded);
                            black_box(w.kit.find_coworkers(w.all, &q, LIMIT).unwrap());
                        },
                    );
                }
            }
        }
        g.finish();
    }

    report(&worlds, &medians);
}

fn us(s: f64) -> String {
    format!("{:.1} us", s * 1e6)
}

fn report(worlds: &Worlds, m: &Medians) {
    println!();
    println!("Repeated terms: median per call, `a` once and `a a ... a` (100 times, 199 characters); bound 2x");
    println!("| store  | {:<52} |       once |       x100 | x100 / once |", "call");
    println!("|--------|{}|-----------:|-----------:|------------:|", "-".repeat(54));
    for kind in STORES {
        let mut rows: Vec<(String, String)> = [SMALL, BIG]
            .iter()
            .map(|t| {
                let how = match kind {
                    Kind::Memory => "walk",
                    Kind::Sqlite if *t > 2_000 => "org word index",
                    Kind::Sqlite => "walk",
                };
                (format!("search_threads, all in {t} threads ({how})"), format!("search_threads {t} threads"))
            })
            .collect();
        rows.push(("find_coworkers, 100 coworkers".to_owned(), "find_coworkers".to_owned()));
        for (label, key) in rows {
            let once = m.get(&format!("{}/{key}/once", kind.name()));
            let many = m.get(&format!("{}/{key}/x100", kind.name()));
            println!(
                "| {:<6} | {label:<52} | {:>10} | {:>10} | {:>10.2}x |",
                kind.name(),
                us(once),
                us(many),
                many / once
            );
        }
    }

    for (label, key) in [
        ("query parsing only, search_threads", "parse/search_threads"),
        ("  of which folding and splitting (`words`)", "parse/words"),
        ("query parsing only, find_coworkers", "parse/find_coworkers"),
    ] {
        let (once, many) = (m.get(&format!("{key}/once")), m.get(&format!("{key}/x100")));
        println!("| {:<6} | {label:<52} | {:>10} | {:>10} | {:>10.2}x |", "-", us(once), us(many), many / once);
    }

    println!();
    println!(
        "Organization isolation: median per search, the organization alone in the database and among others \
         like it ({SMALL_ORGS} orgs of {SMALL} threads, {BIG_ORGS} orgs of {BIG}); bound 2x"
    );
    println!("| store  | org threads | member         | query        |      alone |    crowded | crowded / alone |");
    println!("|--------|------------:|----------------|--------------|-----------:|-----------:|----------------:|");
    for kind in STORES {
        for threads in [SMALL, BIG] {
            for who in ["all", "few"] {
                let member = if who == "all" { format!("all ({threads})") } else { format!("few ({FEW})") };
                for (label, _) in queries() {
                    let key = format!("{}/{threads} threads/{who}/{label}", kind.name());
                    let (alone, crowded) = (m.get(&format!("{key}/alone")), m.get(&format!("{key}/crowded")));
                    println!(
                        "| {:<6} | {threads:>11} | {member:<14} | {label:<12} | {:>10} | {:>10} | {:>14.2}x |",
                        kind.name(),
                        us(alone),
                        us(crowded),
                        crowded / alone
                    );
                }
            }
        }
        for label in ["prefix a", "two prefixes"] {
            let key = format!("{}/find_coworkers/{label}", kind.name());
            let (alone, crowded) = (m.get(&format!("{key}/alone")), m.get(&format!("{key}/crowded")));
            println!(
                "| {:<6} | {:>11} | {:<14} | {label:<12} | {:>10} | {:>10} | {:>14.2}x |",
                kind.name(),
                "coworkers",
                "all",
                us(alone),
                us(crowded),
                crowded / alone
            );
        }
    }
    let orgs = |kind, threads| {
        worlds.cells[usize::from(kind == Kind::Memory)][usize::from(threads == BIG)][1].get().map_or(0, |w| w.orgs)
    };
    println!(
        "(crowded databases: sqlite {} x {SMALL} and {} x {BIG} threads, memory {} x {SMALL} and {} x {BIG})",
        orgs(Kind::Sqlite, SMALL),
        orgs(Kind::Sqlite, BIG),
        orgs(Kind::Memory, SMALL),
        orgs(Kind::Memory, BIG)
    );
}

criterion_group!(benches, search);
criterion_main!(benches);
