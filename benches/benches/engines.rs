//! The thread-permission decision (R4/R5, docs/rules.md#r4) for the default policy,
//! made by InviteKit next to the two engines a host would otherwise embed:
//! casbin-rs (an RBAC model) and cedar-policy (policies over entities).
//!
//! The question, for every request: may actor A, holding permission set H in
//! thread T and having role RA, grant the set G to member X whose role is RX?
//! R4 says yes exactly when A holds `manage_people` in T and G is a subset of
//! (a) H, (b) the union of the presets RA may grant and (c) RX's thread ceiling;
//! InviteKit also asks that A hold `read` in T, without which the thread is
//! invisible to A (R9) and every operation on it is `not_found`. The other two
//! engines are given that rule too: the first disagreement this bench found.
//!
//! For 1k, 10k and 100k members it
//!
//! 1. builds one organization in an in-memory InviteKit: members with random
//!    roles, a thread per four members, each started by a random member (R3)
//!    who adds up to three coworkers with random permissions R4 allows;
//! 2. reads every participant's holdings back from InviteKit and loads the
//!    members' roles and those holdings into each engine as it naturally stores
//!    them: casbin policies and grouping rules, cedar entities;
//! 3. generates 10,000 requests (actors mostly in the thread, half of them
//!    holding `manage_people`, some outside it; presets and arbitrary sets of
//!    permissions) and asserts that the three
//!    engines give the same answer to every one, panicking on the first
//!    disagreement;
//! 4. times each engine on those requests, cycling through them, and prints
//!    the medians and the ratios casbin / InviteKit and cedar / InviteKit.
//!
//! InviteKit decides as `add_to_thread` and `change_permissions` do, through
//! the public API on the warm store: one read transaction that looks up the
//! actor (active, role), the actor's participation in the thread, the target
//! (active, same organization, role), then [`Policy::check_grant`]. Requests are
//! built before timing for every engine (typed ids for InviteKit, strings for
//! casbin, `Request` values for cedar), so the timings are of the decisions.
//!
//! Run with `cargo bench -p invitekit-benches --bench engines`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{HashMap, HashSet};
use std::hint::black_box;
use std::str::FromStr;
use std::time::{Duration, Instant};

use casbin::prelude::{CoreApi, DefaultModel, Enforcer, MemoryAdapter, MgmtApi};
use cedar_policy::{
    Authorizer, Context, Decision, Entities, Entity, EntityId, EntityTypeName, EntityUid, PolicySet, Request,
    RestrictedExpression,
};
use criterion::{Criterion, criterion_group, criterion_main};
use invitekit::{Grant, GrantCheck, InviteKit, MemberId, Permission, PermissionSet, Policy, Role, Store, ThreadId};
use invitekit_benches::Lcg;

const SIZES: [usize; 3] = [1_000, 10_000, 100_000];
const REQUESTS: usize = 10_000;
const SAMPLES: usize = 20;

/// A random non-empty subset of `within`, or `None` if it is empty.
fn subset(rng: &mut Lcg, within: PermissionSet) -> Option<PermissionSet> {
    if within.is_empty() {
        return None;
    }
    loop {
        let bits = (rng.bits() & 0x1f) as u8 & within.bits();
        if bits != 0 {
            return PermissionSet::from_bits(bits);
        }
    }
}

/// One organization in InviteKit, and what it holds, read back from it.
struct World {
    kit: InviteKit,
    /// Every member with their role's name.
    members: Vec<(MemberId, String)>,
    /// Every thread with its participants and their holdings.
    threads: Vec<(ThreadId, Vec<(MemberId, PermissionSet)>)>,
}

fn world(size: usize) -> World {
    let kit = InviteKit::in_memory();
    let org = kit.create_organization("Acme Corp", "acme", "https://acme.example.com", &["acme.com"]).unwrap();
    let mut rng = Lcg(size as u64);
    let policy = kit.policy().clone();
    // The engines are loaded from this policy: it must be the default one.
    assert_eq!(policy, Policy::default());
    // Fewer people may do more: 10% full, 20% hiring managers, 30% recruiters, 40% members.
    let role_for = |r: usize| match r {
        0 => "full",
        1..=2 => "hiring_manager",
        3..=5 => "recruiter",
        _ => "member",
    };
    let members: Vec<(MemberId, String)> = (0..size)
        .map(|i| {
            let role = role_for(rng.below(10));
            let m = kit.add_member(org.id, &format!("m{i}@acme.com"), &format!("Member {i}"), role).unwrap();
            (m.id, m.role)
        })
        .collect();
    let role = |name: &str| policy.role(name).unwrap();

    let mut threads = Vec::with_capacity(size / 4);
    for i in 0..size / 4 {
        let (starter, starter_role) = &members[rng.below(size)];
        let t = kit
            .start_thread(*starter, &format!("fl-{i}"), &format!("Freelancer {i}"), &format!("Project {i}"))
            .unwrap();
        // R3: the starter holds their role's ceiling; they bring in up to
        // three coworkers with whatever R4 lets them give each one.
        let holds = role(starter_role).thread_ceiling();
        if holds.contains(Permission::ManagePeople) {
            for _ in 0..1 + rng.below(3) {
                let (target, target_role) = &members[rng.below(size)];
                let allowed = holds.intersection(role(starter_role).grantable_permissions());
                let Some(perms) = subset(&mut rng, allowed.intersection(role(target_role).thread_ceiling())) else {
                    continue;
                };
                if target == starter {
                    continue;
                }
                match kit.add_to_thread(*starter, t.id, *target, &Grant::permissions(&perms.names())) {
                    Ok(_) | Err(invitekit::Error::AlreadyParticipant) => {}
                    Err(e) => panic!("setting up the thread: {e}"),
                }
            }
        }
        let people = kit.people(*starter, t.id).unwrap();
        threads.push((t.id, people.participants.iter().map(|p| (p.member_id, p.permissions)).collect()));
    }
    World { kit, members, threads }
}

/// One request, in each engine's own form.
struct Case {
    actor: MemberId,
    thread: ThreadId,
    target: MemberId,
    perms: PermissionSet,
    /// casbin: actor, thread, target as strings; one enforcement per permission.
    strings: [String; 3],
    cedar: Request,
}

fn requests(w: &World, cedar_uid: &CedarUids) -> Vec<Case> {
    let policy = w.kit.policy();
    let mut rng = Lcg(0x5eed ^ w.members.len() as u64);
    (0..REQUESTS)
        .map(|_| {
            let (thread, participants) = &w.threads[rng.below(w.threads.len())];
            // Half from someone who manages people in the thread, a third from
            // any participant, the rest from anyone (usually outside it).
            let managers: Vec<MemberId> =
                participants.iter().filter(|(_, h)| h.contains(Permission::ManagePeople)).map(|(m, _)| *m).collect();
            let actor = match rng.below(100) {
                0..50 if !managers.is_empty() => managers[rng.below(managers.len())],
                0..85 => participants[rng.below(participants.len())].0,
                _ => w.members[rng.below(w.members.len())].0,
            };
            let target = loop {
                let t = w.members[rng.below(w.members.len())].0;
                if t != actor {
                    break t;
                }
            };
            let perms = if rng.chance(50) {
                policy.presets()[rng.below(policy.presets().len())].permissions()
            } else {
                subset(&mut rng, PermissionSet::ALL).unwrap()
            };
            let strings = [actor.to_string(), thread.to_string(), target.to_string()];
            let context = Context::from_pairs([
                ("target".to_owned(), RestrictedExpression::new_entity_uid(cedar_uid.member(&strings[2]))),
                (
                    "permissions".to_owned(),
                    RestrictedExpression::new_set(
                        perms.iter().map(|p| RestrictedExpression::new_string(p.as_str().to_owned())),
                    ),
                ),
            ])
            .unwrap();
            let cedar = Request::new(
                cedar_uid.member(&strings[0]),
                cedar_uid.grant.clone(),
                cedar_uid.thread(&strings[1]),
                context,
                None,
            )
            .unwrap();
            Case { actor, thread: *thread, target, perms, strings, cedar }
        })
        .collect()
}

// ---------------------------------------------------------------------------
// InviteKit

/// R4 as `add_to_thread` decides it, through the public API on the warm store.
fn invitekit_decides(kit: &InviteKit, c: &Case) -> Result<(), &'static str> {
    let policy = kit.policy();
    kit.store()
        .read(|tx| {
            let mut actor: Option<(&Role, invitekit::OrgId)> = None;
            tx.with_member(c.actor, &mut |m| {
                actor = m.filter(|m| m.is_active()).and_then(|m| Some((policy.role(&m.role)?, m.org_id)));
            })?;
            let Some((actor_role, org)) = actor else { return Ok(Err("actor")) };
            // Someone without `read` in the thread cannot see it (R9).
            let holds = match tx.participant(c.thread, c.actor)? {
                Some(p) if p.permissions.contains(Permission::Read) => p.permissions,
                _ => return Ok(Err("not in the thread")),
            };
            let mut target: Option<&Role> = None;
            tx.with_member(c.target, &mut |m| {
                target = m.filter(|m| m.is_active() && m.org_id == org).and_then(|m| policy.role(&m.role));
            })?;
            let Some(target_role) = target else { return Ok(Err("target")) };
            Ok(policy.check_grant(actor_role, holds, target_role, c.perms).map_err(|check| match check {
                GrantCheck::ActorHoldings if !holds.contains(Permission::ManagePeople) => "(a) no manage_people",
                GrantCheck::ActorHoldings => "(a) actor holdings",
                GrantCheck::RoleGrantable => "(b) role grantable",
                GrantCheck::TargetCeiling => "(c) target ceiling",
            }))
        })
        .unwrap()
}

// ---------------------------------------------------------------------------
// casbin

/// Members inherit their role; a role inherits the permissions of its thread
/// ceiling and a preset those it gives (`g`, one graph: member -> role ->
/// permission, preset -> permission). What a member holds in a thread is a
/// grouping rule in the thread's domain (`g2`). A `p` rule says a role may
/// grant a preset. A grant of a set is allowed when every permission in it
/// is: one enforcement per permission.
const CASBIN_MODEL: &str = r#"
[request_definition]
r = actor, thread, target, perm

[policy_definition]
p = role, preset

[role_definition]
g = _, _
g2 = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.actor, p.role) && g(p.preset, r.perm) && g2(r.actor, "read", r.thread) && g2(r.actor, "manage_people", r.thread) && g2(r.actor, r.perm, r.thread) && g(r.target, r.perm)
"#;

fn preset_node(name: &str) -> String {
    format!("preset:{name}")
}

fn casbin(w: &World, rt: &tokio::runtime::Runtime) -> Enforcer {
    let policy = w.kit.policy();
    rt.block_on(async {
        let model = DefaultModel::from_str(CASBIN_MODEL).await.unwrap();
        let mut e = Enforcer::new(model, MemoryAdapter::default()).await.unwrap();
        let mut p = Vec::new();
        let mut g = Vec::new();
        for role in policy.roles() {
            for preset in role.grantable_presets() {
                p.push(vec![role.name().to_owned(), preset_node(preset)]);
            }
            for perm in role.thread_ceiling().iter() {
                g.push(vec![role.name().to_owned(), perm.as_str().to_owned()]);
            }
        }
        for preset in policy.presets() {
            for perm in preset.permissions().iter() {
                g.push(vec![preset_node(preset.name()), perm.as_str().to_owned()]);
            }
        }
        for (id, role) in &w.members {
            g.push(vec![id.to_string(), role.clone()]);
        }
        let mut g2 = Vec::new();
        for (thread, participants) in &w.threads {
            for (member, holds) in participants {
                for perm in holds.iter() {
                    g2.push(vec![member.to_string(), perm.as_str().to_owned(), thread.to_string()]);
                }
            }
        }
        assert!(e.add_policies(p).await.unwrap());
        assert!(e.add_grouping_policies(g).await.unwrap());
        assert!(e.add_named_grouping_policies("g2", g2).await.unwrap());
        e
    })
}

fn casbin_decides(e: &Enforcer, c: &Case) -> bool {
    let [actor, thread, target] = &c.strings;
    c.perms.iter().all(|p| e.enforce((actor.as_str(), thread.as_str(), target.as_str(), p.as_str())).unwrap())
}

// ---------------------------------------------------------------------------
// cedar

/// A `Role` carries its thread ceiling and the union of the presets it may
/// grant (cedar has no union over a set of entities, so the role states it,
/// as InviteKit precomputes it); a `Member` points to its role; a `Thread`
/// lists who holds each permission in it. The request is `Member` -> `grant`
/// -> `Thread`, with the target member and the permissions in the context.
const CEDAR_POLICIES: &str = r#"
permit (principal is Member, action == Action::"grant", resource is Thread)
when {
    resource.read.contains(principal) &&
    resource.manage_people.contains(principal) &&
    principal.role.grantable.containsAll(context.permissions) &&
    context.target.role.ceiling.containsAll(context.permissions)
};
forbid (principal, action == Action::"grant", resource is Thread)
when { context.permissions.contains("read") && !resource.read.contains(principal) };
forbid (principal, action == Action::"grant", resource is Thread)
when { context.permissions.contains("write") && !resource.write.contains(principal) };
forbid (principal, action == Action::"grant", resource is Thread)
when { context.permissions.contains("interview") && !resource.interview.contains(principal) };
forbid (principal, action == Action::"grant", resource is Thread)
when { context.permissions.contains("hire") && !resource.hire.contains(principal) };
"#;

struct CedarUids {
    member: EntityTypeName,
    thread: EntityTypeName,
    role: EntityTypeName,
    grant: EntityUid,
}

impl CedarUids {
    fn new() -> Self {
        CedarUids {
            member: EntityTypeName::from_str("Member").unwrap(),
            thread: EntityTypeName::from_str("Thread").unwrap(),
            role: EntityTypeName::from_str("Role").unwrap(),
            grant: EntityUid::from_str(r#"Action::"grant""#).unwrap(),
        }
    }
    fn member(&self, id: &str) -> EntityUid {
        EntityUid::from_type_name_and_id(self.member.clone(), EntityId::new(id))
    }
    fn thread(&self, id: &str) -> EntityUid {
        EntityUid::from_type_name_and_id(self.thread.clone(), EntityId::new(id))
    }
    fn role(&self, name: &str) -> EntityUid {
        EntityUid::from_type_name_and_id(self.role.clone(), EntityId::new(name))
    }
}

fn names(set: PermissionSet) -> RestrictedExpression {
    RestrictedExpression::new_set(set.iter().map(|p| RestrictedExpression::new_string(p.as_str().to_owned())))
}

fn cedar(w: &World, uids: &CedarUids) -> (PolicySet, Entities) {
    let policy = w.kit.policy();
    let mut entities = Vec::new();
    for role in policy.roles() {
        let grantable = role
            .grantable_presets()
            .iter()
            .fold(PermissionSet::EMPTY, |acc, p| acc.union(policy.preset(p).unwrap().permissions()));
        let attrs = HashMap::from([
            ("ceiling".to_owned(), names(role.thread_ceiling())),
            ("grantable".to_owned(), names(grantable)),
        ]);
        entities.push(Entity::new(uids.role(role.name()), attrs, HashSet::new()).unwrap());
    }
    for (id, role) in &w.members {
        let attrs = HashMap::from([("role".to_owned(), RestrictedExpression::new_entity_uid(uids.role(role)))]);
        entities.push(Entity::new(uids.member(&id.to_string()), attrs, HashSet::new()).unwrap());
    }
    for (thread, participants) in &w.threads {
        let attrs = Permission::ALL
            .iter()
            .map(|perm| {
                let holders = participants
                    .iter()
                    .filter(|(_, holds)| holds.contains(*perm))
                    .map(|(m, _)| RestrictedExpression::new_entity_uid(uids.member(&m.to_string())));
                (perm.as_str().to_owned(), RestrictedExpression::new_set(holders))
            })
            .collect();
        entities.push(Entity::new(uids.thread(&thread.to_string()), attrs, HashSet::new()).unwrap());
    }
    (PolicySet::from_str(CEDAR_POLICIES).unwrap(), Entities::from_entities(entities, None).unwrap())
}

// ---------------------------------------------------------------------------
// the run

/// Per-iteration times of the samples criterion measured (the warm-up's
/// calls come first and are dropped).
#[derive(Default)]
struct Samples(Vec<f64>);

impl Samples {
    fn median_ns(&self) -> f64 {
        let mut v: Vec<f64> = self.0[self.0.len().saturating_sub(SAMPLES)..].to_vec();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    }
}

/// Times `iters` decisions, cycling through the requests.
fn run(
    samples: &mut Samples,
    cases: &[Case],
    next: &mut usize,
    iters: u64,
    decide: impl Fn(&Case) -> bool,
) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        black_box(decide(black_box(&cases[*next])));
        *next = (*next + 1) % cases.len();
    }
    let took = start.elapsed();
    samples.0.push(took.as_nanos() as f64 / iters as f64);
    took
}

fn engines(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let uids = CedarUids::new();
    let authorizer = Authorizer::new();
    let mut report = Vec::new();
    for size in SIZES {
        let t0 = Instant::now();
        let w = world(size);
        let built_kit = t0.elapsed();
        let t0 = Instant::now();
        let enforcer = casbin(&w, &rt);
        let built_casbin = t0.elapsed();
        let t0 = Instant::now();
        let (policies, entities) = cedar(&w, &uids);
        let built_cedar = t0.elapsed();
        let cases = requests(&w, &uids);
        let participations: usize = w.threads.iter().map(|(_, p)| p.len()).sum();
        println!(
            "{size} members, {} threads, {participations} participations; loaded in: InviteKit {:.2?}, casbin \
             {:.2?}, cedar {:.2?}",
            w.threads.len(),
            built_kit,
            built_casbin,
            built_cedar
        );

        // The three agree on every request, or nothing is timed.
        let mut outcomes: HashMap<&'static str, usize> = HashMap::new();
        for (i, case) in cases.iter().enumerate() {
            let kit = invitekit_decides(&w.kit, case);
            let cas = casbin_decides(&enforcer, case);
            let ced = authorizer.is_authorized(&case.cedar, &policies, &entities).decision() == Decision::Allow;
            if kit.is_ok() != cas || kit.is_ok() != ced {
                panic!(
                    "request {i} at {size} members: actor {} in thread {} grants {:?} to {}: InviteKit {kit:?}, \
                     casbin {cas}, cedar {ced}",
                    case.actor, case.thread, case.perms, case.target
                );
            }
            *outcomes.entry(kit.err().unwrap_or("allowed")).or_default() += 1;
        }
        let mut outcomes: Vec<_> = outcomes.into_iter().collect();
        outcomes.sort();
        println!("  all three agree on {} requests: {outcomes:?}", cases.len());

        let mut g = c.benchmark_group(format!("r4 decision/{size} members"));
        g.sample_size(SAMPLES).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
        let (mut kit_t, mut casbin_t, mut cedar_t) = (Samples::default(), Samples::default(), Samples::default());
        let mut next = 0;
        g.bench_function("invitekit", |b| {
            b.iter_custom(|iters| run(&mut kit_t, &cases, &mut next, iters, |c| invitekit_decides(&w.kit, c).is_ok()))
        });
        g.bench_function("casbin", |b| {
            b.iter_custom(|iters| run(&mut casbin_t, &cases, &mut next, iters, |c| casbin_decides(&enforcer, c)))
        });
        g.bench_function("cedar", |b| {
            b.iter_custom(|iters| {
                run(&mut cedar_t, &cases, &mut next, iters, |c| {
                    authorizer.is_authorized(&c.cedar, &policies, &entities).decision() == Decision::Allow
                })
            })
        });
        g.finish();
        report.push((size, kit_t.median_ns(), casbin_t.median_ns(), cedar_t.median_ns()));
    }

    println!();
    println!("R4 decision, median time per request (criterion samples), and ratios to InviteKit:");
    println!(
        "{:>8} {:>12} {:>12} {:>12} {:>16} {:>16}",
        "members", "invitekit", "casbin", "cedar", "casbin/invitekit", "cedar/invitekit"
    );
    for (size, kit, cas, ced) in report {
        println!("{size:>8} {:>9.0} ns {:>9.0} ns {:>9.0} ns {:>15.0}x {:>15.0}x", kit, cas, ced, cas / kit, ced / kit);
    }
}

criterion_group!(benches, engines);
criterion_main!(benches);
