#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! A model-based property test of the thread and membership rules (R3–R14
//! of docs/rules.md).
//!
//! A random valid policy (or the default one), a small world (Acme with six
//! members and three threads, Globex with two members and one thread), then
//! up to 40 random operations by random actors. A tiny reference model keeps
//! who takes part in which thread with which permissions, the members' roles
//! and statuses, the organizations' domains, and the pending invitations with
//! their thread grants. The model predicts every outcome (success, or the set
//! of error codes that the failed checks allow); after every step, successful
//! or not:
//!
//! - R14 (docs/rules.md#r14), before anything else: every member's reach
//!   (role, status, thread holdings), read through the public API before and
//!   after the step, compared with the reach of the member who authorized it
//!   (`common/reach.rs`, which knows no operation), so a gap between the
//!   per-operation rules fails here even where the model's prediction would
//!   share it;
//! - the outcome is the predicted one;
//! - the real state equals the model (members, participants, invitations);
//! - nobody holds a permission outside their role's ceiling;
//! - no deactivated member, or member of another organization, takes part;
//! - a failed operation changed nothing (state, audit log, outbox);
//! - every successful grant was within the granter's holdings and the presets
//!   their role may grant at that moment (R4, re-checked at acceptance, R8);
//! - `search_threads`, `people` and `permission_options` agree on what each
//!   member can see (`not_found` otherwise), and with the model (R5, R9).
//!
//! The policies are bent so that what R10–R14 are about comes up often: a
//! top role that may give every role beside weaker roles that also manage
//! the organization, roles that may give their own role or an equal twin,
//! incomparable roles; and the operations include members acting on
//! themselves, deactivation followed by `join_by_domain`, re-invitations and
//! `reactivate_member`, weaker participants changing or removing stronger
//! ones, and resends after the allowed domains changed.
//!
//! Some roles' invitations need approval (`invites_need_approval`, never a
//! role that may give one whose invitations do not): theirs await it, and
//! random actors approve or deny them (their inviter, weak members, members
//! of the other organization, managers who may or may not give the
//! invitation's role), revoke them, or change or deactivate their inviter
//! (R7). An approval is an act of the approver: their reach at that moment
//! must cover the invitation's role, and the inviter's role must still give
//! it (`reach::approval`); the acceptance is the inviter's, as before. Each
//! organization's own domain is verified and lets people join
//! automatically or ask to (`domain_join`, which the settings switch, also
//! off); requests are approved or denied by random actors, including for the
//! address of a member deactivated since they asked (R11), and an auto-join
//! domain that is not verified never lets anyone in.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, HashMap};

mod common;

use common::reach::{self, By, Reach};

use invitekit::*;
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Value, json};

const PD: &str = "permission_denied";
const NF: &str = "not_found";
const INVALID: &str = "invalid_input";
const CONFLICT: &str = "conflict";
const ALREADY_PARTICIPANT: &str = "already_participant";
const ALREADY_INVITED: &str = "already_invited";
const ALREADY_MEMBER: &str = "already_member";
const NOT_PENDING: &str = "invitation_not_pending";
const INVALID_TOKEN: &str = "invalid_token";
const DOMAIN: &str = "domain_not_allowed";
const RATE_LIMITED: &str = "rate_limited";

const MP: Permission = Permission::ManagePeople;
const NEW_NAME: &str = "Newcomer Person";

// ---------------------------------------------------------------------------
// Random valid policies
// ---------------------------------------------------------------------------

/// One role: ceiling bits, whether `read` is forced in, which presets it may
/// grant (bit j = preset j, kept only within the ceiling), which roles it may
/// invite (bit j = role j, pruned until no invitee out-powers its inviter),
/// may assign teams, manages the organization, its invitations need approval.
type RoleDraw = (u8, bool, u8, u8, bool, bool, bool);

/// How a random policy is bent so that R10–R14's cases come up. `from_json`
/// refuses a role that may give a role stronger than itself (in ceiling,
/// grants, flags or invitable roles), so the closest shapes are these.
#[derive(Debug, Clone, Copy)]
struct Shape {
    /// Role 0 holds everything and may give every role (`"*"`); role 1 also
    /// manages the organization, as a weaker manager whose invitable roles
    /// are whatever survives pruning (an office administrator beside the owner).
    owner: bool,
    /// The last role is a copy of role 1 under another name: two roles of
    /// equal power, where one may give the other.
    twin: bool,
    /// The default role's invitations need approval, and each role whose
    /// invitations need approval may give its own role and the default one
    /// (where it is not stronger): so that invitations awaiting approval,
    /// into the organization and into threads, come up often. (A role whose
    /// invitations need approval may only give roles whose invitations need
    /// it too.)
    approval: bool,
}

fn policy_doc(presets: &[u8], draws: &[RoleDraw], default_pick: &Index, shape: Shape) -> Value {
    #[derive(Clone)]
    struct R {
        ceiling: u8,
        grantable: Vec<usize>,
        grant_bits: u8,
        team: bool,
        org: bool,
        invitable: u8,
        approval: bool,
    }
    let n = draws.len();
    let all_roles: u8 = ((1u16 << n) - 1) as u8;
    let mut rs: Vec<R> = draws
        .iter()
        .enumerate()
        .map(|(i, &(ceiling, read, gmask, imask, team, org, approval))| {
            // Role 0 (the administrators') can read threads, so that each
            // organization starts with a thread; a role without `read` cannot start one.
            let ceiling = (ceiling | u8::from(read || i == 0)) & 0b1_1111;
            let grantable: Vec<usize> =
                (0..presets.len()).filter(|&j| gmask >> j & 1 == 1 && presets[j] & !ceiling == 0).collect();
            let grant_bits = grantable.iter().fold(0, |a, &j| a | presets[j]);
            // Role 0 always manages the organization, so that one does.
            R { ceiling, grantable, grant_bits, team, org: org || i == 0, invitable: imask & all_roles, approval }
        })
        .collect();
    if shape.owner {
        let grant_bits = presets.iter().fold(0, |a, &b| a | b);
        rs[0] = R {
            ceiling: 0b1_1111,
            grantable: (0..presets.len()).collect(),
            grant_bits,
            team: true,
            org: true,
            invitable: all_roles,
            approval: false,
        };
        if n > 1 {
            rs[1].org = true;
        }
    }
    if shape.twin && n > 2 {
        rs[n - 1] = rs[1].clone();
    }
    let default_role = default_pick.index(n);
    if shape.approval {
        rs[default_role].approval = !(shape.owner && default_role == 0);
        if shape.twin && n > 2 && (default_role == 1 || default_role == n - 1) {
            (rs[1].approval, rs[n - 1].approval) = (true, true);
        }
        for (i, r) in rs.iter_mut().enumerate() {
            if r.approval {
                // Pruning drops the default role again where it is stronger.
                r.invitable |= 1 << i | 1 << default_role;
            }
        }
        if shape.twin && n > 2 {
            // Twins stay equal.
            let both = rs[1].invitable | rs[n - 1].invitable;
            (rs[1].invitable, rs[n - 1].invitable) = (both, both);
        }
    }
    // An inviter may only invite roles no more powerful than itself; dropping
    // one invitee can make another role more powerful than its inviters, so
    // repeat until nothing changes.
    loop {
        let mut changed = false;
        for i in 0..n {
            for j in 0..n {
                if rs[i].invitable >> j & 1 == 0 {
                    continue;
                }
                let (a, b) = (&rs[i], &rs[j]);
                let weaker = b.ceiling & !a.ceiling == 0
                    && b.grant_bits & !a.grant_bits == 0
                    && (!b.team || a.team)
                    && (!b.org || a.org)
                    // A role whose invitations need approval gives only
                    // roles whose invitations need it too.
                    && (!a.approval || b.approval)
                    && b.invitable & !a.invitable == 0;
                if !weaker {
                    rs[i].invitable &= !(1 << j);
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let bits_names = |b: u8| PermissionSet::from_bits(b).unwrap().names();
    let roles: Vec<Value> = rs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let invitable: Vec<String> =
                (0..n).filter(|j| r.invitable >> j & 1 == 1).map(|j| format!("r{j}")).collect();
            let listed = if shape.owner && i == 0 { json!("*") } else { json!(invitable) };
            let mut role = json!({
                "name": format!("r{i}"),
                "may_invite": !invitable.is_empty(),
                "may_assign_team": r.team,
                "manages_organization": r.org,
                "invitable_roles": listed,
                "thread_ceiling": bits_names(r.ceiling),
                "grantable_presets": r.grantable.iter().map(|j| format!("p{j}")).collect::<Vec<_>>(),
            });
            // Absent means no approval: both spellings come up.
            if r.approval || i % 2 == 1 {
                role["invites_need_approval"] = json!(r.approval);
            }
            role
        })
        .collect();
    let presets: Vec<Value> = presets
        .iter()
        .enumerate()
        .map(|(j, &b)| json!({"name": format!("p{j}"), "permissions": bits_names(b)}))
        .collect();
    json!({"presets": presets, "roles": roles, "default_role": format!("r{default_role}")})
}

/// `None` for `Policy::default()`, else a random valid policy's JSON.
fn arb_policy() -> impl Strategy<Value = Option<String>> {
    let presets = prop::collection::vec(1u8..32, 1..7);
    let role = (
        0u8..32,
        prop::bool::weighted(0.8),
        any::<u8>(),
        any::<u8>(),
        any::<bool>(),
        prop::bool::weighted(0.3),
        prop::bool::weighted(0.35),
    );
    let roles = prop::collection::vec(role, 1..7);
    let shape = (prop::bool::weighted(0.6), prop::bool::weighted(0.5), prop::bool::weighted(0.6))
        .prop_map(|(owner, twin, approval)| Shape { owner, twin, approval });
    let random = (presets, roles, any::<Index>(), shape)
        .prop_map(|(p, r, d, shape)| Some(policy_doc(&p, &r, &d, shape).to_string()));
    prop_oneof![1 => Just(None), 3 => random]
}

// ---------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------

/// Where a member is picked from, so that operations get past the first
/// checks often enough; each falls back to anyone when nobody fits.
#[derive(Debug, Clone, Copy)]
enum Who {
    /// Any member of either organization, active or not.
    Any,
    /// A participant of the thread.
    InThread,
    /// A participant of the thread holding `manage_people`.
    Manager,
    /// An active member of the thread's organization not taking part in it.
    Outsider,
    /// An active member whose role manages their organization.
    Admin,
    /// A member with a pending invitation, or one awaiting approval, they
    /// sent (for R7 on invitations).
    Inviter,
    /// A deactivated member (R11).
    Deactivated,
    /// Who started the thread, while they take part in it (R12).
    Starter,
    /// A participant holding `manage_people` who did not start the thread (R12).
    Deputy,
    /// A member whose address has a pending request to join (deactivating
    /// them before the request is approved: R11).
    Requester,
    /// An active member whose role may invite, but whose invitations need approval.
    NeedsApproval,
    /// An active administrator of organization `0` (Acme) or `1` (Globex).
    OrgAdmin(usize),
}

#[derive(Debug, Clone)]
struct Pick {
    who: Who,
    idx: Index,
}

/// A thread: mostly one where someone holds `manage_people`.
#[derive(Debug, Clone)]
struct TPick {
    managed: bool,
    idx: Index,
}

#[derive(Debug, Clone)]
enum G {
    /// Any preset of the policy.
    Preset(Index),
    /// A preset that R4 allows for this actor and target, when there is one.
    Fitting(Index),
    /// An explicit set (0 is the empty set: invalid).
    Bits(u8),
    /// Everything R4 allows for this actor and target, as an explicit set
    /// (races only; the empty set when nothing is allowed: invalid).
    Most,
    /// A name the policy does not know.
    Unknown,
}

#[derive(Debug, Clone)]
enum EmailPick {
    Member(Index),
    /// A deactivated member's address, or any member's when nobody is deactivated (R11).
    Deactivated(Index),
    /// `new{k}@` a domain of the organization.
    Fresh(u8),
    Foreign,
    /// The address of a pending request to join, or a fresh one when there is none.
    Requester(Index),
    /// `new{k}@` an auto-join domain of the organization that it never verified.
    Unverified(u8),
}

/// The role of an invitation.
#[derive(Debug, Clone)]
enum RolePick {
    /// None given: the policy's default role.
    Default,
    /// Any role of the policy.
    Any(Index),
    /// One the inviter's role may give, when there is one (else any).
    Fitting(Index),
}

#[derive(Debug, Clone)]
enum Op {
    Add {
        actor: Pick,
        thread: TPick,
        target: Pick,
        grant: G,
    },
    Change {
        actor: Pick,
        thread: TPick,
        target: Pick,
        grant: G,
    },
    Remove {
        actor: Pick,
        thread: TPick,
        target: Pick,
    },
    Leave {
        actor: Pick,
        thread: TPick,
    },
    /// `set_role`; `own`: the actor on themselves (R10: nobody raises their own role).
    SetRole {
        actor: Pick,
        target: Pick,
        own: bool,
        role: Index,
    },
    /// `deactivate_member`; `own`: leaving.
    Deactivate {
        actor: Pick,
        target: Pick,
        own: bool,
    },
    /// `reactivate_member`, mostly of a deactivated member (R11).
    Reactivate {
        actor: Pick,
        target: Pick,
    },
    /// `join_by_domain` with an address of organization `org` (0 Acme, 1
    /// Globex), or the picked member's address in their organization.
    JoinByDomain {
        org: bool,
        email: EmailPick,
    },
    /// `resend_invitation` of an invitation (mostly a pending one), by its
    /// inviter or by someone else (R13).
    Resend {
        actor: Pick,
        by_inviter: bool,
        pending: bool,
        inv: Index,
    },
    /// `set_organization_settings` on the actor's organization: allowed
    /// domains (0: its own domain, 1: any, 2: another one only), auto-join
    /// domains (its own, verified, and one it never verified) and sometimes
    /// the `domain_join` mode (0 off, 1 automatic, 2 request).
    Settings {
        actor: Pick,
        allowed: u8,
        auto_join: bool,
        mode: Option<u8>,
    },
    Invite {
        actor: Pick,
        thread: TPick,
        email: EmailPick,
        grant: G,
        accept_now: bool,
    },
    /// `draft_invitation` and `send_invitation` with the default role or a
    /// random one, by any member (a weak one re-inviting a deactivated
    /// member: R11); one whose role needs approval makes it await approval.
    InviteToOrg {
        actor: Pick,
        email: EmailPick,
        role: RolePick,
        accept_now: bool,
    },
    /// `approve_invitation` (or `deny_invitation`) of an invitation, mostly
    /// one awaiting approval, by its inviter (`by` 0), a member of its
    /// organization who may give its role (1) or any (2), or anyone (3); with
    /// `by` 4 and more (races only), of the newest invitation by one who may
    /// give its role. `accept_now`: an approved one is accepted at once, as a
    /// step of its own.
    Decide {
        actor: Pick,
        by: u8,
        awaiting: bool,
        inv: Index,
        approve: bool,
        accept_now: bool,
    },
    /// `revoke_invitation`, mostly of one awaiting approval, by its inviter or someone else.
    Revoke {
        actor: Pick,
        by_inviter: bool,
        awaiting: bool,
        inv: Index,
    },
    /// `approve_join_request` (or `deny_join_request`) of a request to join,
    /// mostly a pending one, by a member of its organization or (`foreign`) anyone.
    DecideJoin {
        actor: Pick,
        foreign: bool,
        pending: bool,
        req: Index,
        approve: bool,
    },
    /// Accept an invitation: mostly a pending one.
    Accept {
        pending: bool,
        inv: Index,
    },
    Post {
        actor: Pick,
        thread: TPick,
        valid: bool,
    },
    Start {
        actor: Pick,
    },
    /// Steps in a row, each run and checked as a step of its own, that
    /// random sequences seldom line up: someone on organization `org`'s
    /// domain asks to join (`new{k}@`), is invited by one of its
    /// administrators and accepts, is deactivated, and then a member
    /// (`approver`) approves the request (R11: only one who may reactivate
    /// them lets them back in).
    RequestRace {
        org: bool,
        k: u8,
        idx: Index,
        approver: Pick,
    },
    /// A member whose invitations need approval invites someone (with
    /// `thread`: is first given what R4 allows there, then invites into it);
    /// an administrator changes the inviter's role or deactivates them (R7
    /// on the invitation awaiting approval and its thread grant); then a
    /// member who may give its role (`fitting`) or anyone of the organization
    /// approves it, and it is accepted.
    AwaitRace {
        idx: Index,
        role: Index,
        deactivate: bool,
        fitting: bool,
        approver: Pick,
        thread: Option<TPick>,
    },
}

impl Op {
    /// The steps an operation stands for: itself, or a race's steps.
    fn steps(&self) -> Vec<Op> {
        let pick = |who: Who, idx: &Index| Pick { who, idx: *idx };
        match self {
            Op::RequestRace { org, k, idx, approver } => vec![
                Op::JoinByDomain { org: *org, email: EmailPick::Fresh(*k) },
                Op::InviteToOrg {
                    actor: pick(Who::OrgAdmin(usize::from(*org)), idx),
                    email: EmailPick::Requester(*idx),
                    role: RolePick::Default,
                    accept_now: true,
                },
                Op::Deactivate { actor: pick(Who::Admin, idx), target: pick(Who::Requester, idx), own: false },
                Op::DecideJoin { actor: approver.clone(), foreign: false, pending: true, req: *idx, approve: true },
            ],
            Op::AwaitRace { idx, role, deactivate, fitting, approver, thread } => {
                let invite = match thread {
                    None => vec![Op::InviteToOrg {
                        actor: pick(Who::NeedsApproval, idx),
                        email: EmailPick::Fresh(3),
                        role: RolePick::Fitting(*role),
                        accept_now: false,
                    }],
                    Some(t) => vec![
                        Op::Add {
                            actor: pick(Who::Manager, idx),
                            thread: t.clone(),
                            target: pick(Who::NeedsApproval, idx),
                            grant: G::Most,
                        },
                        Op::Invite {
                            actor: pick(Who::NeedsApproval, idx),
                            thread: t.clone(),
                            email: EmailPick::Fresh(2),
                            grant: G::Fitting(*role),
                            accept_now: false,
                        },
                    ],
                };
                let r7 = if *deactivate {
                    Op::Deactivate { actor: pick(Who::Admin, idx), target: pick(Who::Inviter, idx), own: false }
                } else {
                    let (actor, target) = (pick(Who::Admin, idx), pick(Who::Inviter, idx));
                    Op::SetRole { actor, target, own: false, role: *role }
                };
                let decide = Op::Decide {
                    actor: approver.clone(),
                    by: if *fitting { 4 } else { 2 },
                    awaiting: false,
                    inv: *idx,
                    approve: true,
                    accept_now: true,
                };
                invite.into_iter().chain([r7, decide]).collect()
            }
            op => vec![op.clone()],
        }
    }
}

/// A pick with weights for: anyone, a participant, a manager, an outsider,
/// an administrator, an inviter, a deactivated member, the thread's starter,
/// a manager who is not the starter, a member with a pending request to
/// join, a member whose invitations need approval.
fn who(weights: [u32; 11]) -> impl Strategy<Value = Pick> {
    const WHO: [Who; 11] = [
        Who::Any,
        Who::InThread,
        Who::Manager,
        Who::Outsider,
        Who::Admin,
        Who::Inviter,
        Who::Deactivated,
        Who::Starter,
        Who::Deputy,
        Who::Requester,
        Who::NeedsApproval,
    ];
    // A union of weighted choices; one of weight 0 is never made.
    let choices: Vec<(u32, Just<Who>)> =
        WHO.iter().zip(weights).filter(|(_, w)| *w > 0).map(|(who, w)| (w, Just(*who))).collect();
    (prop::strategy::Union::new_weighted(choices), any::<Index>()).prop_map(|(who, idx)| Pick { who, idx })
}

/// An actor in a thread: mostly one who manages people there.
fn actor() -> impl Strategy<Value = Pick> {
    who([2, 2, 6, 0, 0, 0, 0, 0, 0, 0, 0])
}

/// An actor on another participant: often a manager who did not start the
/// thread, facing its starter (R12).
fn deputy() -> impl Strategy<Value = Pick> {
    who([2, 2, 4, 0, 0, 0, 0, 0, 4, 0, 0])
}

fn grant() -> impl Strategy<Value = G> {
    prop_oneof![
        3 => any::<Index>().prop_map(G::Preset),
        5 => any::<Index>().prop_map(G::Fitting),
        2 => (0u8..32).prop_map(G::Bits),
        1 => Just(G::Unknown),
    ]
}

fn email_pick() -> impl Strategy<Value = EmailPick> {
    prop_oneof![
        3 => any::<Index>().prop_map(EmailPick::Member),
        2 => any::<Index>().prop_map(EmailPick::Deactivated),
        4 => (0u8..4).prop_map(EmailPick::Fresh),
        1 => Just(EmailPick::Foreign),
        2 => any::<Index>().prop_map(EmailPick::Requester),
        1 => (0u8..2).prop_map(EmailPick::Unverified),
    ]
}

fn role_pick() -> impl Strategy<Value = RolePick> {
    prop_oneof![
        4 => Just(RolePick::Default),
        2 => any::<Index>().prop_map(RolePick::Any),
        4 => any::<Index>().prop_map(RolePick::Fitting),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let t = || (prop::bool::weighted(0.7), any::<Index>()).prop_map(|(managed, idx)| TPick { managed, idx });
    prop_oneof![
        4 => (actor(), t(), who([2, 1, 0, 7, 0, 0, 0, 0, 0, 0, 0]), grant()).prop_map(|(actor, thread, target, grant)| Op::Add { actor, thread, target, grant }),
        3 => (deputy(), t(), who([1, 8, 1, 0, 0, 0, 0, 4, 0, 0, 0]), grant()).prop_map(|(actor, thread, target, grant)| Op::Change { actor, thread, target, grant }),
        2 => (deputy(), t(), who([1, 8, 1, 0, 0, 0, 0, 4, 0, 0, 0])).prop_map(|(actor, thread, target)| Op::Remove { actor, thread, target }),
        2 => (who([1, 6, 3, 0, 0, 0, 0, 0, 0, 0, 0]), t()).prop_map(|(actor, thread)| Op::Leave { actor, thread }),
        3 => (who([3, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0]), who([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]), prop::bool::weighted(0.3), any::<Index>())
            .prop_map(|(actor, target, own, role)| Op::SetRole { actor, target, own, role }),
        2 => (who([3, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0]), who([2, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0]), prop::bool::weighted(0.1))
            .prop_map(|(actor, target, own)| Op::Deactivate { actor, target, own }),
        1 => (who([3, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0]), who([1, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0])).prop_map(|(actor, target)| Op::Reactivate { actor, target }),
        2 => (any::<bool>(), email_pick()).prop_map(|(org, email)| Op::JoinByDomain { org, email }),
        3 => (who([2, 2, 6, 0, 0, 0, 0, 0, 0, 0, 3]), t(), email_pick(), grant(), any::<bool>())
            .prop_map(|(actor, thread, email, grant, accept_now)| Op::Invite { actor, thread, email, grant, accept_now }),
        4 => (who([4, 0, 0, 0, 1, 1, 0, 0, 0, 0, 7]), email_pick(), role_pick(), any::<bool>())
            .prop_map(|(actor, email, role, accept_now)| Op::InviteToOrg { actor, email, role, accept_now }),
        3 => (who([2, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0]), 0u8..4, prop::bool::weighted(0.85), any::<Index>(), prop::bool::weighted(0.7), any::<bool>())
            .prop_map(|(actor, by, awaiting, inv, approve, accept_now)| Op::Decide { actor, by, awaiting, inv, approve, accept_now }),
        1 => (who([3, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0]), any::<bool>(), prop::bool::weighted(0.7), any::<Index>())
            .prop_map(|(actor, by_inviter, awaiting, inv)| Op::Revoke { actor, by_inviter, awaiting, inv }),
        2 => (who([2, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0]), prop::bool::weighted(0.15), prop::bool::weighted(0.85), any::<Index>(), prop::bool::weighted(0.7))
            .prop_map(|(actor, foreign, pending, req, approve)| Op::DecideJoin { actor, foreign, pending, req, approve }),
        2 => (prop::bool::weighted(0.8), any::<Index>()).prop_map(|(pending, inv)| Op::Accept { pending, inv }),
        2 => (who([3, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0]), any::<bool>(), prop::bool::weighted(0.8), any::<Index>())
            .prop_map(|(actor, by_inviter, pending, inv)| Op::Resend { actor, by_inviter, pending, inv }),
        2 => (who([1, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0]), 0u8..3, any::<bool>(), prop::option::weighted(0.3, 0u8..3))
            .prop_map(|(actor, allowed, auto_join, mode)| Op::Settings { actor, allowed, auto_join, mode }),
        1 => (who([2, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0]), t(), prop::bool::weighted(0.8)).prop_map(|(actor, thread, valid)| Op::Post { actor, thread, valid }),
        1 => who([5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).prop_map(|actor| Op::Start { actor }),
        1 => (any::<bool>(), 0u8..4, any::<Index>(), who([1, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0]))
            .prop_map(|(org, k, idx, approver)| Op::RequestRace { org, k, idx, approver }),
        1 => (any::<Index>(), any::<Index>(), any::<bool>(), prop::bool::weighted(0.7), who([1, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0]), prop::option::of(t()))
            .prop_map(|(idx, role, deactivate, fitting, approver, thread)| Op::AwaitRace { idx, role, deactivate, fitting, approver, thread }),
    ]
}

// ---------------------------------------------------------------------------
// The reference model
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct MMember {
    id: MemberId,
    org: usize,
    email: String,
    name: String,
    role: String,
    active: bool,
}

#[derive(Debug, Clone)]
struct MThread {
    id: ThreadId,
    org: usize,
    title: String,
    freelancer: String,
    /// When it was started or last posted in.
    last: Timestamp,
    /// Whether a member posted in it (every post says "Hello there & welcome").
    posted: bool,
    starter: MemberId,
    parts: Vec<(MemberId, PermissionSet)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InvState {
    Pending,
    Accepted,
    Revoked,
    Awaiting,
    Denied,
}

impl InvState {
    /// Whether it stands in the way of another invitation to its address.
    fn open(self) -> bool {
        matches!(self, InvState::Pending | InvState::Awaiting)
    }
}

#[derive(Debug, Clone)]
struct MInv {
    id: InvitationId,
    /// Its current token, when known: an awaiting invitation sent from a
    /// draft keeps the draft's (which answers `invitation_not_pending`), one
    /// sent by `invite_to_thread` has none the test knows until approved.
    token: Option<String>,
    org: usize,
    email: String,
    inviter: MemberId,
    role: String,
    grants: Vec<ThreadGrant>,
    state: InvState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReqState {
    Pending,
    Approved,
    Denied,
}

/// A request to join.
#[derive(Debug, Clone)]
struct MReq {
    id: JoinRequestId,
    org: usize,
    email: String,
    role: String,
    state: ReqState,
}

/// The organizations' own domains: members' addresses end in them. Each
/// organization verified its own.
const HOME: [&str; 2] = ["acme.com", "globex.com"];
/// A domain of each organization that is among its auto-join domains
/// (when it has any) but that it never verified.
const UNVERIFIED: [&str; 2] = ["acme.net", "globex.net"];

/// An organization's domains.
#[derive(Debug, Clone, Default)]
struct MOrg {
    /// Allowed domains; empty: any.
    allowed: Vec<&'static str>,
    /// Whether its auto-join domains are its own (verified) and `UNVERIFIED`, or none.
    auto_join: bool,
    /// Its `domain_join` setting.
    mode: DomainJoin,
}

#[derive(Debug, Clone, Default)]
struct Model {
    orgs: [MOrg; 2],
    members: Vec<MMember>,
    threads: Vec<MThread>,
    invs: Vec<MInv>,
    reqs: Vec<MReq>,
    /// Emails sent per (organization, address): the 3-per-day limit.
    sends: HashMap<(usize, String), u32>,
}

fn domain(email: &str) -> &str {
    email.rsplit('@').next().unwrap()
}

/// The union of the presets a role may grant, computed from the policy's data.
fn grantable(p: &Policy, role: &Role) -> PermissionSet {
    role.grantable_presets().iter().fold(PermissionSet::EMPTY, |acc, n| acc.union(p.preset(n).unwrap().permissions()))
}

/// R4, written out: manage_people held, and perms within (a) holdings, (b) grantable, (c) target ceiling.
fn r4(p: &Policy, actor_role: &Role, holds: PermissionSet, target_role: &Role, perms: PermissionSet) -> bool {
    holds.contains(MP)
        && perms.is_subset(holds)
        && perms.is_subset(grantable(p, actor_role))
        && perms.is_subset(target_role.thread_ceiling())
}

impl Model {
    fn member(&self, id: MemberId) -> &MMember {
        self.members.iter().find(|m| m.id == id).unwrap()
    }

    fn member_mut(&mut self, id: MemberId) -> &mut MMember {
        self.members.iter_mut().find(|m| m.id == id).unwrap()
    }

    fn role<'p>(&self, p: &'p Policy, id: MemberId) -> &'p Role {
        p.role(&self.member(id).role).unwrap()
    }

    fn holds(&self, t: usize, id: MemberId) -> Option<PermissionSet> {
        self.threads[t].parts.iter().find(|(m, _)| *m == id).map(|(_, p)| *p)
    }

    /// R9: a member sees a thread exactly when active and taking part with `read`.
    fn visible(&self, t: usize, id: MemberId) -> bool {
        let m = self.member(id);
        m.active && m.org == self.threads[t].org && self.holds(t, id).is_some_and(|p| p.contains(Permission::Read))
    }

    fn another_manager(&self, t: usize, except: MemberId) -> bool {
        self.threads[t].parts.iter().any(|(m, p)| *m != except && p.contains(MP))
    }

    fn another_admin(&self, p: &Policy, org: usize, except: MemberId) -> bool {
        self.members
            .iter()
            .any(|m| m.id != except && m.org == org && m.active && p.role(&m.role).unwrap().manages_organization())
    }

    fn thread_index(&self, id: ThreadId) -> usize {
        self.threads.iter().position(|t| t.id == id).unwrap()
    }

    fn pick_thread(&self, tp: &TPick) -> usize {
        let managed: Vec<usize> =
            (0..self.threads.len()).filter(|&t| self.threads[t].parts.iter().any(|(_, h)| h.contains(MP))).collect();
        if tp.managed && !managed.is_empty() {
            return managed[tp.idx.index(managed.len())];
        }
        tp.idx.index(self.threads.len())
    }

    fn pick(&self, p: &Policy, pk: &Pick, t: Option<usize>) -> MemberId {
        self.pick_in(p, pk, t, None)
    }

    /// Like `pick`, from organization `org` when it is given and has a member.
    fn pick_in(&self, p: &Policy, pk: &Pick, t: Option<usize>, org: Option<usize>) -> MemberId {
        let candidates: Vec<MemberId> = match (pk.who, t) {
            (Who::InThread, Some(t)) => self.threads[t].parts.iter().map(|(m, _)| *m).collect(),
            (Who::Manager, Some(t)) => {
                self.threads[t].parts.iter().filter(|(_, h)| h.contains(MP)).map(|(m, _)| *m).collect()
            }
            (Who::Outsider, Some(t)) => self
                .members
                .iter()
                .filter(|m| m.active && m.org == self.threads[t].org && self.holds(t, m.id).is_none())
                .map(|m| m.id)
                .collect(),
            (Who::Admin, _) => self
                .members
                .iter()
                .filter(|m| m.active && p.role(&m.role).unwrap().manages_organization())
                .map(|m| m.id)
                .collect(),
            (Who::OrgAdmin(org), _) => self
                .members
                .iter()
                .filter(|m| m.org == org && m.active && p.role(&m.role).unwrap().manages_organization())
                .map(|m| m.id)
                .collect(),
            (Who::Inviter, _) => self.invs.iter().filter(|i| i.state.open()).map(|i| i.inviter).collect(),
            (Who::NeedsApproval, t) => {
                let all: Vec<MemberId> = self
                    .members
                    .iter()
                    .filter(|m| {
                        m.active && p.role(&m.role).is_some_and(|r| r.may_invite() && r.invites_need_approval())
                    })
                    .map(|m| m.id)
                    .collect();
                // In a thread: one who manages people there, if there is one.
                let managing: Vec<MemberId> = match t {
                    Some(t) => {
                        all.iter().copied().filter(|m| self.holds(t, *m).is_some_and(|h| h.contains(MP))).collect()
                    }
                    None => Vec::new(),
                };
                if managing.is_empty() { all } else { managing }
            }
            (Who::Requester, _) => {
                self.members.iter().filter(|m| self.pending_request(m.org, &m.email).is_some()).map(|m| m.id).collect()
            }
            (Who::Deactivated, _) => self.members.iter().filter(|m| !m.active).map(|m| m.id).collect(),
            (Who::Deputy, Some(t)) => self.threads[t]
                .parts
                .iter()
                .filter(|(m, h)| h.contains(MP) && *m != self.threads[t].starter)
                .map(|(m, _)| *m)
                .collect(),
            (Who::Starter, Some(t)) => {
                let starter = self.threads[t].starter;
                self.holds(t, starter).map(|_| starter).into_iter().collect()
            }
            _ => Vec::new(),
        };
        let in_org = |id: &MemberId| org.is_none_or(|o| self.member(*id).org == o);
        let candidates: Vec<MemberId> = candidates.into_iter().filter(in_org).collect();
        if !candidates.is_empty() {
            return candidates[pk.idx.index(candidates.len())];
        }
        let all: Vec<MemberId> = self.members.iter().map(|m| m.id).filter(in_org).collect();
        if all.is_empty() {
            return self.members[pk.idx.index(self.members.len())].id;
        }
        all[pk.idx.index(all.len())]
    }

    /// The actor and the target of an operation on a member: the actor
    /// themselves when `own`, else the target first and an actor from their organization.
    fn pick_pair(&self, p: &Policy, actor: &Pick, target: &Pick, own: bool) -> (MemberId, MemberId) {
        if own {
            let a = self.pick(p, actor, None);
            return (a, a);
        }
        let target = self.pick(p, target, None);
        (self.pick_in(p, actor, None, Some(self.member(target).org)), target)
    }

    /// An address and its organization: a picked member's, else one at `org`.
    fn address(&self, e: &EmailPick, org: usize) -> (usize, String) {
        let member = |m: &MMember| (m.org, m.email.clone());
        match e {
            EmailPick::Member(i) => member(&self.members[i.index(self.members.len())]),
            EmailPick::Deactivated(i) => {
                let gone: Vec<&MMember> = self.members.iter().filter(|m| !m.active).collect();
                if gone.is_empty() {
                    member(&self.members[i.index(self.members.len())])
                } else {
                    member(gone[i.index(gone.len())])
                }
            }
            EmailPick::Fresh(k) => (org, format!("new{k}@{}", HOME[org])),
            EmailPick::Foreign => (org, "someone@elsewhere.org".to_owned()),
            EmailPick::Requester(i) => {
                let waiting: Vec<&MReq> = self.reqs.iter().filter(|r| r.state == ReqState::Pending).collect();
                if waiting.is_empty() {
                    (org, format!("new{}@{}", i.index(4), HOME[org]))
                } else {
                    let r = waiting[i.index(waiting.len())];
                    (r.org, r.email.clone())
                }
            }
            EmailPick::Unverified(k) => (org, format!("new{k}@{}", UNVERIFIED[org])),
        }
    }

    /// The pending request to join `org` from `email`, if any.
    fn pending_request(&self, org: usize, email: &str) -> Option<usize> {
        self.reqs
            .iter()
            .position(|r| r.org == org && r.state == ReqState::Pending && r.email.eq_ignore_ascii_case(email))
    }

    /// Whether an invitation other than `except` is open (pending or
    /// awaiting approval) for `email` in `org`.
    fn invited(&self, org: usize, email: &str, except: Option<InvitationId>) -> bool {
        self.invs
            .iter()
            .any(|i| i.org == org && i.state.open() && Some(i.id) != except && i.email.eq_ignore_ascii_case(email))
    }

    /// The members who may approve an invitation as `role` sent by
    /// `inviter`: active members of its organization but the inviter, whose
    /// role manages it and may give `role` (R10).
    fn approvers(&self, p: &Policy, inviter: MemberId, role: &str) -> Vec<MemberId> {
        let org = self.member(inviter).org;
        self.members
            .iter()
            .filter(|m| m.org == org && m.active && m.id != inviter)
            .filter(|m| p.role(&m.role).unwrap().may_manage_member(role))
            .map(|m| m.id)
            .collect()
    }

    /// What a send of invitation `v` checks once more when it is resent
    /// (R13) or approved, with its inviter's current role and holdings: the
    /// codes of the checks that fail.
    fn renewal_errors(&self, p: &Policy, v: &MInv) -> Vec<&'static str> {
        let mut e = Vec::new();
        let inviter = self.member(v.inviter);
        let irole = p.role(&inviter.role).unwrap();
        if !(inviter.active && irole.may_invite() && irole.may_give_role(&v.role)) {
            e.push(PD);
        }
        if !self.allows(v.org, &v.email) {
            e.push(DOMAIN);
        }
        match self.member_by_email(v.org, &v.email) {
            Some(m) if m.active => e.push(ALREADY_MEMBER),
            Some(m) if !self.reaches(p, v.inviter, m.id) => e.push(PD),
            _ => {}
        }
        if self.invited(v.org, &v.email, Some(v.id)) {
            e.push(ALREADY_INVITED);
        }
        if self.sends.get(&(v.org, v.email.clone())).copied().unwrap_or(0) >= 3 {
            e.push(RATE_LIMITED);
        }
        for g in &v.grants {
            let t = self.thread_index(g.thread_id);
            if !self.visible(t, v.inviter) {
                e.extend([NF, PD]);
            } else if !r4(p, irole, self.holds(t, v.inviter).unwrap(), p.role(&v.role).unwrap(), g.permissions) {
                e.push(PD);
            }
        }
        e
    }

    fn member_by_email(&self, org: usize, email: &str) -> Option<&MMember> {
        self.members.iter().find(|m| m.org == org && m.email.eq_ignore_ascii_case(email))
    }

    fn allows(&self, org: usize, email: &str) -> bool {
        self.orgs[org].allowed.is_empty() || self.orgs[org].allowed.contains(&domain(email))
    }

    /// R10: `actor`'s role manages `target`'s organization and may give `target`'s role.
    fn reaches(&self, p: &Policy, actor: MemberId, target: MemberId) -> bool {
        let (a, t) = (self.member(actor), self.member(target));
        let role = self.role(p, actor);
        a.org == t.org && role.manages_organization() && role.may_give_role(&t.role)
    }

    /// What set_role, deactivate_member and reactivate_member expect before
    /// their own checks (R10): `not_found` for another organization, the
    /// deactivated actor's refusal, or `permission_denied` for a target out
    /// of reach. The flag says whether the step's own checks apply too.
    fn r10_errors(&self, p: &Policy, actor: MemberId, target: MemberId) -> (Vec<&'static str>, bool) {
        let (a, tg) = (self.member(actor), self.member(target));
        if !a.active {
            (vec![PD, NF], false)
        } else if a.org != tg.org {
            (vec![NF], false)
        } else if !self.reaches(p, actor, target) {
            (vec![PD], true)
        } else {
            (Vec::new(), true)
        }
    }

    fn active_member_by_email(&self, org: usize, email: &str) -> Option<MemberId> {
        self.members.iter().find(|m| m.org == org && m.active && m.email.eq_ignore_ascii_case(email)).map(|m| m.id)
    }

    /// What R4 lets `actor` give in thread `t` to a member with `target_role`.
    fn allowed(&self, p: &Policy, t: usize, actor: MemberId, target_role: &Role) -> PermissionSet {
        let holds = self.holds(t, actor).unwrap_or(PermissionSet::EMPTY);
        if !holds.contains(MP) {
            return PermissionSet::EMPTY;
        }
        holds.intersection(grantable(p, self.role(p, actor))).intersection(target_role.thread_ceiling())
    }

    /// Codes a refused `add_to_thread` may answer; empty when it must succeed.
    fn expect_add(
        &self,
        p: &Policy,
        t: usize,
        actor: MemberId,
        target: MemberId,
        perms: Option<PermissionSet>,
    ) -> Vec<&'static str> {
        let mut e = Vec::new();
        if perms.is_none() {
            e.push(INVALID);
        }
        if !self.member(actor).active {
            e.extend([PD, NF]);
            return e;
        }
        if !self.visible(t, actor) {
            e.push(NF);
            return e;
        }
        let holds = self.holds(t, actor).unwrap();
        if !holds.contains(MP) {
            e.push(PD);
        }
        let tg = self.member(target);
        if tg.org != self.threads[t].org {
            e.push(NF);
            return e;
        }
        if !tg.active {
            // R6 (docs/rules.md#r6): either refusal is accepted here.
            e.extend([PD, NF]);
        } else if self.holds(t, target).is_some() {
            e.push(ALREADY_PARTICIPANT);
        }
        if let Some(perms) = perms
            && !r4(p, self.role(p, actor), holds, self.role(p, target), perms)
        {
            e.push(PD);
        }
        e
    }

    /// R7 after `id`'s role changed or they were deactivated: thread
    /// permissions clamped (or removed), pending invitations revoked or clamped.
    fn apply_r7(&mut self, p: &Policy, id: MemberId) {
        let m = self.member(id).clone();
        let role = p.role(&m.role).unwrap();
        for t in &mut self.threads {
            if let Some(i) = t.parts.iter().position(|(mid, _)| *mid == id) {
                let clamped = t.parts[i].1.intersection(role.thread_ceiling());
                if !m.active || clamped.is_empty() {
                    t.parts.remove(i);
                } else {
                    t.parts[i].1 = clamped;
                }
            }
        }
        let limit = grantable(p, role).intersection(role.thread_ceiling());
        // Invitations awaiting approval follow the inviter's role like pending ones.
        for inv in self.invs.iter_mut().filter(|i| i.inviter == id && i.state.open()) {
            if !(m.active && role.may_invite() && role.may_give_role(&inv.role)) {
                inv.state = InvState::Revoked;
                continue;
            }
            inv.grants = inv
                .grants
                .iter()
                .map(|g| ThreadGrant { thread_id: g.thread_id, permissions: g.permissions.intersection(limit) })
                .filter(|g| !g.permissions.is_empty())
                .collect();
        }
    }
}

// ---------------------------------------------------------------------------
// The world and its checks
// ---------------------------------------------------------------------------

struct World {
    clock: ManualClock,
    kit: InviteKit<AnyStore>,
    orgs: [OrgId; 2],
    /// Who authorizes the step being run, for R14.
    by: Cell<By>,
    /// The first outcome of the step that was not the predicted one: reported
    /// after the R14 check, so that a gap the prediction shares still shows
    /// as the authority it leaks.
    mispredicted: RefCell<Option<String>>,
}

#[derive(Debug, PartialEq)]
struct Snap {
    members: Vec<Member>,
    invitations: Vec<Invitation>,
    requests: Vec<JoinRequest>,
    events: Vec<usize>,
    threads: Vec<(Option<Thread>, Vec<Participant>)>,
    outbox: usize,
}

impl World {
    fn policy(&self) -> &Policy {
        self.kit.policy()
    }

    fn snap(&self, model: &Model) -> Snap {
        let store = self.kit.store();
        let mut members = Vec::new();
        let mut invitations = Vec::new();
        let mut requests = Vec::new();
        let mut events = Vec::new();
        for org in self.orgs {
            members.extend(self.kit.list_members(org).unwrap());
            invitations.extend(store.read(|tx| tx.invitations(org, None)).unwrap());
            requests.extend(store.read(|tx| tx.join_requests(org)).unwrap());
            events.push(store.read(|tx| tx.events(org, 0, usize::MAX)).unwrap().len());
        }
        let threads = model
            .threads
            .iter()
            .map(|t| store.read(|tx| Ok((tx.thread(t.id)?, tx.participants(t.id)?))).unwrap())
            .collect();
        let outbox = store.read(|tx| tx.due_emails(Timestamp::from_millis(i64::MAX), usize::MAX)).unwrap().len();
        Snap { members, invitations, requests, events, threads, outbox }
    }

    /// Everyone's reach, read through the public API (R14).
    fn reach(&self, model: &Model) -> Reach {
        let threads: Vec<ThreadId> = model.threads.iter().map(|t| t.id).collect();
        Reach::read(&self.kit, &self.orgs, &threads)
    }

    fn events_total(&self) -> usize {
        self.orgs.iter().map(|o| self.kit.store().read(|tx| tx.events(*o, 0, usize::MAX)).unwrap().len()).sum()
    }

    /// The real state equals the model, and the invariants hold.
    fn check(&self, model: &Model, ctx: &str) {
        let p = self.policy();
        let store = self.kit.store();
        // Members.
        for (o, org) in self.orgs.iter().enumerate() {
            let real: BTreeSet<(String, String, String, String, bool)> = self
                .kit
                .list_members(*org)
                .unwrap()
                .into_iter()
                .map(|m| (m.id.to_string(), m.email, m.name, m.role, m.status == MemberStatus::Active))
                .collect();
            let expected: BTreeSet<(String, String, String, String, bool)> = model
                .members
                .iter()
                .filter(|m| m.org == o)
                .map(|m| (m.id.to_string(), m.email.clone(), m.name.clone(), m.role.clone(), m.active))
                .collect();
            assert_eq!(real, expected, "{ctx}: members of org {o}");
        }
        // Participants, and the invariants on them.
        for t in &model.threads {
            let real = store.read(|tx| tx.participants(t.id)).unwrap();
            let got: Vec<(MemberId, PermissionSet)> = real.iter().map(|x| (x.member_id, x.permissions)).collect();
            assert_eq!(got, t.parts, "{ctx}: participants of {}", t.title);
            for x in &real {
                let m = self.kit.get_member(x.member_id).unwrap();
                assert_eq!(m.status, MemberStatus::Active, "{ctx}: a deactivated member takes part in {}", t.title);
                assert_eq!(
                    m.org_id, self.orgs[t.org],
                    "{ctx}: another organization's member takes part in {}",
                    t.title
                );
                let ceiling = p.role(&m.role).unwrap().thread_ceiling();
                assert!(
                    x.permissions.is_subset(ceiling),
                    "{ctx}: {} holds {:?} beyond the ceiling {:?} of `{}`",
                    m.name,
                    x.permissions,
                    ceiling,
                    m.role
                );
            }
        }
        // Coworkers: active members of the actor's organization only, the actor excepted.
        for o in 0..2 {
            let Some(actor) = model.members.iter().find(|m| m.org == o && m.active) else { continue };
            for q in ["member", "newcomer", "globex"] {
                let found: BTreeSet<MemberId> =
                    self.kit.find_coworkers(actor.id, q, 100).unwrap().into_iter().map(|m| m.id).collect();
                let expected: BTreeSet<MemberId> = model
                    .members
                    .iter()
                    .filter(|m| m.org == o && m.active && m.id != actor.id)
                    .filter(|m| m.name.to_lowercase().split(' ').any(|w| w.starts_with(q)))
                    .map(|m| m.id)
                    .collect();
                assert_eq!(found, expected, "{ctx}: find_coworkers({q:?}) in org {o}");
            }
        }
        // Invitations.
        let real_count: usize =
            self.orgs.iter().map(|o| store.read(|tx| tx.invitations(*o, None)).unwrap().len()).sum();
        assert_eq!(real_count, model.invs.len(), "{ctx}: number of invitations");
        for inv in &model.invs {
            let real = store.read(|tx| tx.invitation(inv.id)).unwrap().unwrap();
            let state = match real.status {
                InvitationStatus::Pending => InvState::Pending,
                InvitationStatus::Accepted => InvState::Accepted,
                InvitationStatus::Revoked => InvState::Revoked,
                InvitationStatus::AwaitingApproval => InvState::Awaiting,
                InvitationStatus::Denied => InvState::Denied,
                other => panic!("{ctx}: unexpected invitation status {other:?}"),
            };
            assert_eq!(state, inv.state, "{ctx}: status of the invitation to {}", inv.email);
            assert_eq!(
                (real.inviter_id, real.role.as_str()),
                (inv.inviter, inv.role.as_str()),
                "{ctx}: the invitation to {}",
                inv.email
            );
            if inv.state.open() {
                assert_eq!(real.thread_grants, inv.grants, "{ctx}: grants of the invitation to {}", inv.email);
            }
        }
        // Requests to join.
        for (o, org) in self.orgs.iter().enumerate() {
            let real: BTreeSet<(JoinRequestId, String, String, &str)> = store
                .read(|tx| tx.join_requests(*org))
                .unwrap()
                .into_iter()
                .map(|r| (r.id, r.email, r.role, r.status.as_str()))
                .collect();
            let expected: BTreeSet<(JoinRequestId, String, String, &str)> = model
                .reqs
                .iter()
                .filter(|r| r.org == o)
                .map(|r| {
                    let status = match r.state {
                        ReqState::Pending => "pending",
                        ReqState::Approved => "approved",
                        ReqState::Denied => "denied",
                    };
                    (r.id, r.email.clone(), r.role.clone(), status)
                })
                .collect();
            assert_eq!(real, expected, "{ctx}: requests to join org {o}");
        }
        // Visibility: search, people and permission_options agree, with each other and the model.
        for m in &model.members {
            let searched = self.kit.search_threads(m.id, "", 100, None);
            if !m.active {
                assert!(searched.is_err(), "{ctx}: a deactivated member can search");
            }
            let page = searched.map(|pg| pg.threads).unwrap_or_default();
            // Newest activity first, with the activity times the model expects.
            for th in &page {
                let expected = model.threads[model.thread_index(th.id)].last;
                assert_eq!(th.last_activity_at, expected, "{ctx}: activity time of {}", th.title);
            }
            assert!(
                page.windows(2).all(|p| p[0].last_activity_at >= p[1].last_activity_at),
                "{ctx}: search is not newest activity first"
            );
            let searched: BTreeSet<ThreadId> = page.iter().map(|t| t.id).collect();
            assert_eq!(searched.len(), page.len(), "{ctx}: a thread listed twice");
            if m.active {
                // Word prefixes of the title, the freelancer's name and the messages.
                let visible: Vec<&MThread> =
                    (0..model.threads.len()).filter(|&t| model.visible(t, m.id)).map(|t| &model.threads[t]).collect();
                for (q, expected) in [
                    ("FREELANC", visible.iter().map(|t| t.id).collect::<BTreeSet<_>>()),
                    ("thr", visible.iter().map(|t| t.id).collect()),
                    ("welcome hel", visible.iter().filter(|t| t.posted).map(|t| t.id).collect()),
                ] {
                    let got: BTreeSet<ThreadId> = self
                        .kit
                        .search_threads(m.id, q, 100, None)
                        .unwrap()
                        .threads
                        .into_iter()
                        .map(|t| t.id)
                        .collect();
                    assert_eq!(got, expected, "{ctx}: {} searching {q:?}", m.name);
                }
            }
            for (ti, t) in model.threads.iter().enumerate() {
                let visible = model.visible(ti, m.id);
                let people = self.kit.people(m.id, t.id);
                let options = self.kit.permission_options(m.id, t.id);
                let what = format!("{ctx}: {} ({}) on {}", m.name, m.role, t.title);
                assert_eq!(searched.contains(&t.id), visible, "{what}: search");
                assert_eq!(people.is_ok(), visible, "{what}: people");
                assert_eq!(options.is_ok(), visible, "{what}: permission_options");
                if !visible {
                    if m.active {
                        assert_eq!(people.unwrap_err().code(), NF, "{what}");
                        assert_eq!(options.unwrap_err().code(), NF, "{what}");
                    }
                    continue;
                }
                let people = people.unwrap();
                assert_eq!(people.freelancer_name, t.freelancer, "{what}");
                let shown: Vec<(MemberId, String, PermissionSet)> =
                    people.participants.into_iter().map(|x| (x.member_id, x.name, x.permissions)).collect();
                let expected: Vec<(MemberId, String, PermissionSet)> =
                    t.parts.iter().map(|(id, perms)| (*id, model.member(*id).name.clone(), *perms)).collect();
                assert_eq!(shown, expected, "{what}: people");
                // R5: exactly the presets R4 lets the actor give, in policy order.
                let holds = model.holds(ti, m.id).unwrap();
                let role = p.role(&m.role).unwrap();
                let allowed = holds.intersection(grantable(p, role));
                let expected: Vec<String> = p
                    .presets()
                    .iter()
                    .filter(|pr| holds.contains(MP) && pr.permissions().is_subset(allowed))
                    .map(|pr| pr.name().to_owned())
                    .collect();
                assert_eq!(options.unwrap(), expected, "{what}: permission_options");
            }
        }
    }
}

/// The outcome matches the prediction: success, or one of the allowed codes.
/// Recorded in `w.mispredicted`, and the step goes on with the real outcome.
fn outcome<T: std::fmt::Debug>(w: &World, ctx: &str, expected: &[&'static str], real: &Result<T>) {
    let wrong = match real {
        Ok(v) if !expected.is_empty() => Some(format!("{ctx}: expected one of {expected:?}, got Ok({v:?})")),
        Err(e) if expected.is_empty() => Some(format!("{ctx}: expected success, got `{}`: {e}", e.code())),
        Err(e) if !expected.contains(&e.code()) => {
            Some(format!("{ctx}: expected one of {expected:?}, got `{}`: {e}", e.code()))
        }
        _ => None,
    };
    if let Some(wrong) = wrong {
        w.mispredicted.borrow_mut().get_or_insert(wrong);
    }
}

/// The grant to send and the permissions it names (`None`: invalid).
/// `allowed` is what R4 lets the actor give this target, for `G::Fitting`.
fn resolve(p: &Policy, g: &G, allowed: PermissionSet) -> (Grant, Option<PermissionSet>) {
    match g {
        G::Preset(i) => {
            let pr = &p.presets()[i.index(p.presets().len())];
            (Grant::preset(pr.name()), Some(pr.permissions()))
        }
        G::Fitting(i) => {
            let fitting: Vec<&Preset> = p.presets().iter().filter(|pr| pr.permissions().is_subset(allowed)).collect();
            let pr = if fitting.is_empty() {
                &p.presets()[i.index(p.presets().len())]
            } else {
                fitting[i.index(fitting.len())]
            };
            (Grant::preset(pr.name()), Some(pr.permissions()))
        }
        G::Bits(b) => {
            let set = PermissionSet::from_bits(*b).unwrap();
            (Grant::permissions(&set.names()), (!set.is_empty()).then_some(set))
        }
        G::Unknown => (Grant::preset("no_such_preset"), None),
        G::Most => (Grant::permissions(&allowed.names()), (!allowed.is_empty()).then_some(allowed)),
    }
}

/// An invitation that awaits approval emailed its invitee nothing, and each
/// member who may approve it (R10 for its role; not its inviter) once.
fn check_approval_requests(w: &World, model: &Model, out: &[OutgoingEmail], inv: &Invitation, ctx: &str) {
    let mine: Vec<&OutgoingEmail> = out.iter().filter(|o| o.invitation_id == Some(inv.id)).collect();
    assert!(
        mine.iter().all(|o| o.kind == EmailKind::ApprovalRequested),
        "{ctx}: an invitation awaiting approval emailed its invitee"
    );
    let told: Vec<String> = mine.iter().map(|o| o.to.clone()).collect();
    let approvers: BTreeSet<String> = model
        .approvers(w.policy(), inv.inviter_id, &inv.role)
        .into_iter()
        .map(|m| model.member(m).email.clone())
        .collect();
    assert_eq!(told.len(), approvers.len(), "{ctx}: approval requests {told:?}");
    assert_eq!(told.into_iter().collect::<BTreeSet<_>>(), approvers, "{ctx}: who is asked to approve");
}

fn token_in(text: &str) -> String {
    let at = text.find("ikinv_").expect("a join link in the email");
    text[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}

/// The world: `join[o]` says whether organization `o` lets people on its
/// domain ask to join (`request`) rather than join at once (`automatic`);
/// `join[2]` whether Acme has auto-join domains at first (Globex has).
fn setup(policy: Policy, roles: &[Index], join: [bool; 3]) -> (World, Model) {
    let clock = ManualClock::new();
    let kit = common::kit_with_policy(policy, &clock);
    let acme = kit.create_organization("Acme Corp", "acme", "https://acme.example.com", &["acme.com"]).unwrap();
    let empty: [&str; 0] = [];
    let globex = kit.create_organization("Globex Inc", "globex", "https://globex.example.org", &empty).unwrap();
    let w = World { clock, kit, orgs: [acme.id, globex.id], by: Cell::new(By::Host), mispredicted: RefCell::new(None) };
    let p = w.policy();
    let role_names: Vec<String> = p.roles().iter().map(|r| r.name().to_owned()).collect();
    let admin = p.roles().iter().find(|r| r.manages_organization()).unwrap().name().to_owned();
    let mut model = Model::default();
    let add = |model: &mut Model, org: usize, email: String, name: String, role: String| {
        let m = w.kit.add_member(w.orgs[org], &email, &name, &role).unwrap();
        model.members.push(MMember { id: m.id, org, email, name, role, active: true });
    };
    add(&mut model, 0, "m0@acme.com".into(), "Member Zero".into(), admin.clone());
    for i in 1..6 {
        let role = role_names[roles[i].index(role_names.len())].clone();
        add(&mut model, 0, format!("m{i}@acme.com"), format!("Member {i}"), role);
    }
    add(&mut model, 1, "b0@globex.com".into(), "Globex Boss".into(), admin);
    let role = role_names[roles[0].index(role_names.len())].clone();
    add(&mut model, 1, "b1@globex.com".into(), "Globex Worker".into(), role);
    // Resends need no waiting. Each organization verifies its own domain
    // (and starts, but never finishes, verifying another); Globex, and Acme
    // sometimes, let their domains join without an invitation, at once or by request.
    model.orgs[0].allowed = vec![HOME[0]];
    model.orgs[0].auto_join = join[2];
    model.orgs[1].auto_join = true;
    for (org, admin) in [(0, 0), (1, 6)] {
        let admin = model.members[admin].id;
        let mode = if join[org] { DomainJoin::Request } else { DomainJoin::Automatic };
        model.orgs[org].mode = mode;
        let v = w.kit.start_domain_verification(admin, w.orgs[org], HOME[org]).unwrap();
        assert!(w.kit.verify_domain(admin, w.orgs[org], HOME[org], &[v.record_value.as_str()]).unwrap().is_verified());
        w.kit.start_domain_verification(admin, w.orgs[org], UNVERIFIED[org]).unwrap();
        let update = SettingsUpdate {
            resend_cooldown_secs: Some(0),
            auto_join_domains: Some(auto_join_domains(org, model.orgs[org].auto_join)),
            domain_join: Some(mode),
            ..SettingsUpdate::default()
        };
        w.kit.set_organization_settings(admin, w.orgs[org], &update).unwrap();
    }
    let creators = [
        model.members[0].id,
        model.members[roles[6].index(6)].id,
        model.members[roles[7].index(6)].id,
        model.members[6].id,
    ];
    for c in creators {
        let r = start(&w, &mut model, c);
        if can_start(&w, &model, c) {
            r.unwrap();
        } else {
            assert_eq!(r.unwrap_err().code(), PD);
        }
    }
    (w, model)
}

/// An organization's auto-join domains: its own (verified) and one it never verified, or none.
fn auto_join_domains(org: usize, on: bool) -> Vec<String> {
    if on { vec![HOME[org].to_owned(), UNVERIFIED[org].to_owned()] } else { Vec::new() }
}

/// The join link's token in the outbox email of kind `kinds` for invitation `id`,
/// acknowledging every email due; `None` when there is none.
fn emailed_token(w: &World, id: InvitationId, to: &str, kinds: &[EmailKind]) -> Option<String> {
    let out = w.kit.outbox_pending(1000).unwrap();
    for o in &out {
        w.kit.outbox_ack(o.id).unwrap();
    }
    let mail = out.iter().find(|o| o.invitation_id == Some(id) && kinds.contains(&o.kind))?;
    assert_eq!(mail.to, to, "the invitation's email goes to the invitee");
    Some(token_in(&mail.text))
}

/// Acknowledges every email due and returns them.
fn drain_outbox(w: &World) -> Vec<OutgoingEmail> {
    let out = w.kit.outbox_pending(1000).unwrap();
    for o in &out {
        w.kit.outbox_ack(o.id).unwrap();
    }
    out
}

/// Whether `actor` may start a thread: a role whose ceiling lacks `read` could
/// not see it (R3, R9).
fn can_start(w: &World, model: &Model, actor: MemberId) -> bool {
    w.policy().role(&model.member(actor).role).unwrap().thread_ceiling().contains(Permission::Read)
}

/// `start_thread` by an active member; R3: they hold their role's ceiling.
fn start(w: &World, model: &mut Model, actor: MemberId) -> Result<Thread> {
    let n = model.threads.len();
    let (title, freelancer) = (format!("Thread {n}"), format!("Freelancer {n}"));
    let r = w.kit.start_thread(actor, &format!("fl-{n}"), &freelancer, &title);
    if let Ok(t) = &r {
        let m = model.member(actor);
        let ceiling = w.policy().role(&m.role).unwrap().thread_ceiling();
        let last = w.clock.now();
        model.threads.push(MThread {
            id: t.id,
            org: m.org,
            title,
            freelancer,
            last,
            posted: false,
            starter: actor,
            parts: vec![(actor, ceiling)],
        });
    }
    r
}

/// Accepts model invitation `i` with its token, predicting and checking the
/// outcome (R8); an invitation awaiting approval, or denied, answers
/// `invitation_not_pending` like any other that is not pending. Returns
/// whether the state changed.
fn accept(w: &World, model: &mut Model, i: usize, ctx: &str) -> bool {
    let p = w.policy();
    let inv = model.invs[i].clone();
    let Some(token) = inv.token.clone() else {
        assert_ne!(inv.state, InvState::Pending, "{ctx}: a pending invitation whose link the test never saw");
        return false;
    };
    let mut e = Vec::new();
    if inv.state != InvState::Pending {
        e.push(NOT_PENDING);
    } else {
        let inviter = model.member(inv.inviter);
        let irole = p.role(&inviter.role).unwrap();
        if !inviter.active {
            e.push(INVALID_TOKEN);
        } else if !(irole.may_invite() && irole.may_give_role(&inv.role)) {
            e.push(PD);
        }
        match model.member_by_email(inv.org, &inv.email) {
            Some(m) if m.active => e.push(ALREADY_MEMBER),
            // R11: re-hiring needs an inviter who may reactivate them.
            Some(m) if inviter.active && !model.reaches(p, inv.inviter, m.id) => e.push(PD),
            _ => {}
        }
        if !model.allows(inv.org, &inv.email) {
            e.push(DOMAIN);
        }
    }
    w.by.set(By::Member(inv.inviter));
    let r = w.kit.accept_invitation(&token, &inv.email, NEW_NAME);
    outcome(w, ctx, &e, &r);
    let Ok(acc) = r else { return false };
    // The member: reactivated if the address had a deactivated one, else new.
    let existing = model.members.iter().position(|m| m.org == inv.org && m.email.eq_ignore_ascii_case(&inv.email));
    match existing {
        Some(k) => {
            assert_eq!(acc.member.id, model.members[k].id, "{ctx}: the deactivated member is reactivated");
            let m = &mut model.members[k];
            m.active = true;
            m.role = inv.role.clone();
            m.name = NEW_NAME.to_owned();
        }
        None => model.members.push(MMember {
            id: acc.member.id,
            org: inv.org,
            email: inv.email.clone(),
            name: NEW_NAME.to_owned(),
            role: inv.role.clone(),
            active: true,
        }),
    }
    assert_eq!(acc.member.role, inv.role, "{ctx}");
    // R8: each grant re-checked against the inviter's role and holdings now.
    let target_role = p.role(&inv.role).unwrap();
    let inviter_role = model.role(p, inv.inviter);
    let mut dropped = Vec::new();
    for g in &inv.grants {
        let t = model.thread_index(g.thread_id);
        let passes = model.visible(t, inv.inviter)
            && !g.permissions.is_empty()
            && r4(p, inviter_role, model.holds(t, inv.inviter).unwrap(), target_role, g.permissions)
            && model.holds(t, acc.member.id).is_none();
        if passes {
            model.threads[t].parts.push((acc.member.id, g.permissions));
        } else {
            dropped.push(g.thread_id);
        }
    }
    assert_eq!(acc.dropped_grants, dropped, "{ctx}: dropped grants");
    model.invs[i].state = InvState::Accepted;
    true
}

/// `approve_invitation` (`approve`) or `deny_invitation` of model invitation
/// `i` by `actor`, predicted and checked; `accept_now`: an approved one is
/// then accepted, as a step of its own. Returns what [`step`] does.
fn decide(
    w: &World,
    model: &mut Model,
    i: usize,
    actor: MemberId,
    approve: bool,
    accept_now: bool,
    ctx: &str,
) -> (bool, bool, bool) {
    let p = w.policy();
    let v = model.invs[i].clone();
    w.by.set(By::Member(actor));
    let a = model.member(actor).clone();
    let mut e = Vec::new();
    if !a.active {
        e.extend([PD, NF]);
    } else if a.org != v.org {
        e.push(NF);
    } else {
        if v.state != InvState::Awaiting {
            e.push(NOT_PENDING);
        }
        // Nobody decides their own invitation; R10 for its role.
        if actor == v.inviter || !p.role(&a.role).unwrap().may_manage_member(&v.role) {
            e.push(PD);
        }
        if approve && e.is_empty() {
            // Everything a send checks, again, against the inviter now.
            e = model.renewal_errors(p, &v);
        }
    }
    if !approve {
        let reason = (i % 2 == 1).then_some("Not this quarter");
        let r = w.kit.deny_invitation(actor, v.id, reason);
        outcome(w, ctx, &e, &r);
        let Ok(denied) = r else { return (false, false, false) };
        assert_eq!((denied.id, denied.status), (v.id, InvitationStatus::Denied), "{ctx}");
        // The inviter hears of it, the invitee nothing.
        let mails: Vec<OutgoingEmail> = drain_outbox(w).into_iter().filter(|o| o.invitation_id == Some(v.id)).collect();
        let told: Vec<(EmailKind, &str)> = mails.iter().map(|o| (o.kind, o.to.as_str())).collect();
        assert_eq!(told, [(EmailKind::InvitationDenied, model.member(v.inviter).email.as_str())], "{ctx}");
        model.invs[i].state = InvState::Denied;
        return (true, true, false);
    }
    let before = w.reach(model);
    let r = w.kit.approve_invitation(actor, v.id);
    outcome(w, ctx, &e, &r);
    let Ok(approved) = r else { return (false, false, false) };
    // R14: an approval is the approver's act; their reach bounds the
    // role the invitee will have, and the inviter's still gives it.
    if let Err(err) = reach::approval(p, &before, actor, v.inviter, &v.role) {
        panic!("{ctx}: R14 (docs/rules.md#r14): {err}");
    }
    assert_eq!((approved.id, approved.status), (v.id, InvitationStatus::Pending), "{ctx}");
    let kinds = [EmailKind::Invitation, EmailKind::ThreadInvitation];
    let token = emailed_token(w, v.id, &v.email, &kinds).expect("the approved invitation's email");
    assert_ne!(v.token.as_deref(), Some(token.as_str()), "{ctx}: the approved invitation has a new link");
    *model.sends.entry((v.org, v.email.clone())).or_default() += 1;
    model.invs[i].state = InvState::Pending;
    model.invs[i].token = Some(token);
    if accept_now {
        w.check(model, &format!("{ctx} (before accepting)"));
        accept(w, model, i, &format!("{ctx} (accept)"));
    }
    (true, true, false)
}

/// Runs one operation: predicts, runs, compares, updates the model.
/// Returns (succeeded, changed state, changed state that logs no event).
fn step(w: &World, model: &mut Model, op: &Op, ctx: &str) -> (bool, bool, bool) {
    let p = w.policy();
    match op {
        Op::Add { actor, thread, target, grant } => {
            let t = model.pick_thread(thread);
            let (actor, target) = (model.pick(p, actor, Some(t)), model.pick(p, target, Some(t)));
            w.by.set(By::Member(actor));
            let (g, perms) = resolve(p, grant, model.allowed(p, t, actor, model.role(p, target)));
            let e = model.expect_add(p, t, actor, target, perms);
            let r = w.kit.add_to_thread(actor, model.threads[t].id, target, &g);
            outcome(w, ctx, &e, &r);
            let Ok(info) = r else { return (false, false, false) };
            let perms = perms.unwrap();
            // The grant was within what the actor held and may grant, at that moment.
            let holds = model.holds(t, actor).unwrap();
            assert!(holds.contains(MP) && perms.is_subset(holds), "{ctx}: granted beyond holdings");
            assert!(perms.is_subset(grantable(p, model.role(p, actor))), "{ctx}: granted beyond the role's presets");
            assert_eq!((info.member_id, info.permissions), (target, perms), "{ctx}");
            model.threads[t].parts.push((target, perms));
            (true, true, false)
        }
        Op::Change { actor, thread, target, grant } => {
            let t = model.pick_thread(thread);
            let (actor, target) = (model.pick(p, actor, Some(t)), model.pick(p, target, Some(t)));
            w.by.set(By::Member(actor));
            let (g, perms) = resolve(p, grant, model.allowed(p, t, actor, model.role(p, target)));
            let mut e = Vec::new();
            if perms.is_none() {
                e.push(INVALID);
            }
            if !model.member(actor).active {
                e.extend([PD, NF]);
            } else if !model.visible(t, actor) {
                e.push(NF);
            } else {
                let holds = model.holds(t, actor).unwrap();
                if !holds.contains(MP) {
                    e.push(PD);
                }
                let tg = model.member(target);
                match model.holds(t, target) {
                    None => e.push(NF),
                    Some(current) => {
                        // R12: nothing the target holds there beyond the actor's holdings.
                        if !current.is_subset(holds) {
                            e.push(PD);
                        }
                        if let Some(perms) = perms {
                            if !r4(p, model.role(p, actor), holds, p.role(&tg.role).unwrap(), perms) {
                                e.push(PD);
                            }
                            if current.contains(MP) && !perms.contains(MP) && !model.another_manager(t, target) {
                                e.push(CONFLICT);
                            }
                        }
                    }
                }
            }
            let r = w.kit.change_permissions(actor, model.threads[t].id, target, &g);
            outcome(w, ctx, &e, &r);
            let Ok(info) = r else { return (false, false, false) };
            let perms = perms.unwrap();
            let holds = model.holds(t, actor).unwrap();
            assert!(holds.contains(MP) && perms.is_subset(holds), "{ctx}: granted beyond holdings");
            assert!(perms.is_subset(grantable(p, model.role(p, actor))), "{ctx}: granted beyond the role's presets");
            assert_eq!((info.member_id, info.permissions), (target, perms), "{ctx}");
            let slot = model.threads[t].parts.iter_mut().find(|(m, _)| *m == target).unwrap();
            let changed = slot.1 != perms;
            slot.1 = perms;
            (true, changed, false)
        }
        Op::Remove { actor, thread, target } => {
            let t = model.pick_thread(thread);
            let (actor, target) = (model.pick(p, actor, Some(t)), model.pick(p, target, Some(t)));
            w.by.set(By::Member(actor));
            let mut e = Vec::new();
            if !model.member(actor).active {
                e.extend([PD, NF]);
            } else if !model.visible(t, actor) {
                e.push(NF);
            } else {
                let holds = model.holds(t, actor).unwrap();
                if !holds.contains(MP) {
                    e.push(PD);
                }
                match model.holds(t, target) {
                    None => e.push(NF),
                    Some(h) => {
                        // R12: nothing the target holds there beyond the actor's holdings.
                        if !h.is_subset(holds) {
                            e.push(PD);
                        }
                        if h.contains(MP) && !model.another_manager(t, target) {
                            e.push(CONFLICT);
                        }
                    }
                }
            }
            let r = w.kit.remove_from_thread(actor, model.threads[t].id, target);
            outcome(w, ctx, &e, &r);
            if r.is_err() {
                return (false, false, false);
            }
            model.threads[t].parts.retain(|(m, _)| *m != target);
            (true, true, false)
        }
        Op::Leave { actor, thread } => {
            let t = model.pick_thread(thread);
            let actor = model.pick(p, actor, Some(t));
            w.by.set(By::Member(actor));
            let mut e = Vec::new();
            if !model.member(actor).active {
                e.extend([PD, NF]);
            } else {
                match model.holds(t, actor) {
                    None => e.push(NF),
                    Some(h) if h.contains(MP) && !model.another_manager(t, actor) => e.push(CONFLICT),
                    Some(_) => {}
                }
            }
            let r = w.kit.leave_thread(actor, model.threads[t].id);
            outcome(w, ctx, &e, &r);
            if r.is_err() {
                return (false, false, false);
            }
            model.threads[t].parts.retain(|(m, _)| *m != actor);
            (true, true, false)
        }
        Op::SetRole { actor, target, own, role } => {
            let (actor, target) = model.pick_pair(p, actor, target, *own);
            w.by.set(By::Member(actor));
            let new_role = &p.roles()[role.index(p.roles().len())];
            let (a, tg) = (model.member(actor).clone(), model.member(target).clone());
            let (mut e, own_checks) = model.r10_errors(p, actor, target);
            let mut changes = false;
            if own_checks {
                // R10: a manager whose role may give both the old role and the new one.
                let arole = p.role(&a.role).unwrap();
                if !tg.active {
                    e.push(CONFLICT);
                } else {
                    if !arole.may_give_role(new_role.name()) {
                        e.push(PD);
                    }
                    // R10: nobody raises their own role.
                    if actor == target && !reach::at_most(new_role, arole) {
                        e.push(PD);
                    }
                    if tg.role != new_role.name() {
                        changes = true;
                        if !new_role.manages_organization()
                            && p.role(&tg.role).unwrap().manages_organization()
                            && !model.another_admin(p, tg.org, target)
                        {
                            e.push(CONFLICT);
                        }
                    }
                }
            }
            let r = w.kit.set_role(actor, target, new_role.name());
            outcome(w, ctx, &e, &r);
            if r.is_err() {
                return (false, false, false);
            }
            if changes {
                model.member_mut(target).role = new_role.name().to_owned();
                model.apply_r7(p, target);
            }
            (true, changes, false)
        }
        Op::Deactivate { actor, target, own } => {
            let (actor, target) = model.pick_pair(p, actor, target, *own);
            w.by.set(By::Member(actor));
            let tg = model.member(target).clone();
            let (mut e, own_checks) = model.r10_errors(p, actor, target);
            if own_checks {
                // R10, and an organization keeps an active manager.
                if tg.active
                    && p.role(&tg.role).unwrap().manages_organization()
                    && !model.another_admin(p, tg.org, target)
                {
                    e.push(CONFLICT);
                }
            }
            let r = w.kit.deactivate_member(actor, target);
            outcome(w, ctx, &e, &r);
            if r.is_err() {
                return (false, false, false);
            }
            model.member_mut(target).active = false;
            model.apply_r7(p, target);
            (true, tg.active, false)
        }
        Op::Reactivate { actor, target } => {
            let (actor, target) = model.pick_pair(p, actor, target, false);
            w.by.set(By::Member(actor));
            let tg = model.member(target).clone();
            // R11: only an actor R10 allows, and the address must still be allowed.
            let (mut e, own_checks) = model.r10_errors(p, actor, target);
            if own_checks && !tg.active && !model.allows(tg.org, &tg.email) {
                e.push(DOMAIN);
            }
            let r = w.kit.reactivate_member(actor, target);
            outcome(w, ctx, &e, &r);
            let Ok(m) = r else { return (false, false, false) };
            assert_eq!((m.id, m.role.as_str(), m.status), (target, tg.role.as_str(), MemberStatus::Active), "{ctx}");
            // No thread seat comes back.
            model.member_mut(target).active = true;
            (true, !tg.active, false)
        }
        Op::JoinByDomain { org, email } => {
            let (org, email) = model.address(email, usize::from(*org));
            w.by.set(By::Nobody);
            let o = model.orgs[org].clone();
            let mut e = Vec::new();
            // Only an allowed address on a verified auto-join domain, where
            // the organization lets people join by domain at all.
            if o.mode == DomainJoin::Off || !(o.auto_join && domain(&email) == HOME[org]) || !model.allows(org, &email)
            {
                e.push(DOMAIN);
            }
            match model.member_by_email(org, &email) {
                Some(m) if m.active => e.push(ALREADY_MEMBER),
                // R11: a deactivated member does not come back by joining, nor by asking to.
                Some(_) => e.push(PD),
                None => {}
            }
            let r = w.kit.join_by_domain(w.orgs[org], &email, NEW_NAME);
            outcome(w, ctx, &e, &r);
            let Ok(res) = r else { return (false, false, false) };
            match res.kind {
                JoinKind::Joined => {
                    assert_eq!(o.mode, DomainJoin::Automatic, "{ctx}: joined at once");
                    assert!(res.request.is_none(), "{ctx}");
                    let m = res.member.expect("the member who joined");
                    assert_eq!(m.role, p.default_role(), "{ctx}");
                    let joined = MMember {
                        id: m.id,
                        org,
                        email: email.clone(),
                        name: NEW_NAME.to_owned(),
                        role: m.role.clone(),
                        active: true,
                    };
                    match model.members.iter_mut().find(|x| x.org == org && x.email.eq_ignore_ascii_case(&email)) {
                        Some(x) => *x = MMember { email: x.email.clone(), ..joined },
                        None => model.members.push(joined),
                    }
                    (true, true, false)
                }
                JoinKind::Requested => {
                    assert_eq!(o.mode, DomainJoin::Request, "{ctx}: asked to join");
                    assert!(res.member.is_none(), "{ctx}");
                    let req = res.request.expect("the request to join");
                    assert_eq!(
                        (req.email.as_str(), req.role.as_str(), req.status),
                        (email.as_str(), p.default_role(), JoinRequestStatus::Pending),
                        "{ctx}"
                    );
                    // Asking again returns the waiting request and changes nothing.
                    if let Some(k) = model.pending_request(org, &email) {
                        assert_eq!(req.id, model.reqs[k].id, "{ctx}: the waiting request");
                        return (true, false, false);
                    }
                    // Each member who may let them in (R10 for the default role) is told.
                    let told: BTreeSet<String> = drain_outbox(w)
                        .into_iter()
                        .filter(|o| o.kind == EmailKind::JoinRequested)
                        .map(|o| o.to)
                        .collect();
                    let managers: BTreeSet<String> = model
                        .members
                        .iter()
                        .filter(|m| m.org == org && m.active)
                        .filter(|m| p.role(&m.role).unwrap().may_manage_member(p.default_role()))
                        .map(|m| m.email.clone())
                        .collect();
                    assert_eq!(told, managers, "{ctx}: who is asked");
                    model.reqs.push(MReq { id: req.id, org, email, role: req.role.clone(), state: ReqState::Pending });
                    (true, true, false)
                }
            }
        }
        Op::DecideJoin { actor, foreign, pending, req, approve } => {
            let candidates: Vec<usize> =
                (0..model.reqs.len()).filter(|&k| !pending || model.reqs[k].state == ReqState::Pending).collect();
            if candidates.is_empty() {
                return (true, false, false);
            }
            let k = candidates[req.index(candidates.len())];
            let v = model.reqs[k].clone();
            let actor = if *foreign { model.pick(p, actor, None) } else { model.pick_in(p, actor, None, Some(v.org)) };
            w.by.set(By::Member(actor));
            let a = model.member(actor).clone();
            let mut e = Vec::new();
            if !a.active {
                e.extend([PD, NF]);
            } else if a.org != v.org {
                e.push(NF);
            } else {
                if v.state != ReqState::Pending {
                    e.push(CONFLICT);
                }
                // R10: only a member who could give the role asked for decides.
                if !p.role(&a.role).unwrap().may_manage_member(&v.role) {
                    e.push(PD);
                }
                if *approve && e.is_empty() {
                    if !model.allows(v.org, &v.email) {
                        e.push(DOMAIN);
                    }
                    match model.member_by_email(v.org, &v.email) {
                        Some(m) if m.active => e.push(ALREADY_MEMBER),
                        // R11: a member deactivated since they asked comes back
                        // only by an actor who may reactivate them.
                        Some(m) if !model.reaches(p, actor, m.id) => e.push(PD),
                        _ => {}
                    }
                }
            }
            if !*approve {
                let reason = k.is_multiple_of(2).then_some("Please ask your manager for an invitation");
                let r = w.kit.deny_join_request(actor, v.id, reason);
                outcome(w, ctx, &e, &r);
                let Ok(denied) = r else { return (false, false, false) };
                assert_eq!((denied.id, denied.status), (v.id, JoinRequestStatus::Denied), "{ctx}");
                model.reqs[k].state = ReqState::Denied;
                return (true, true, false);
            }
            let r = w.kit.approve_join_request(actor, v.id);
            outcome(w, ctx, &e, &r);
            let Ok(m) = r else { return (false, false, false) };
            assert_eq!(
                (m.email.as_str(), m.role.as_str(), m.status),
                (v.email.as_str(), v.role.as_str(), MemberStatus::Active),
                "{ctx}"
            );
            match model.members.iter_mut().find(|x| x.org == v.org && x.email.eq_ignore_ascii_case(&v.email)) {
                Some(x) => {
                    assert_eq!(x.id, m.id, "{ctx}: the deactivated member comes back");
                    x.active = true;
                    x.role = v.role.clone();
                    x.name = NEW_NAME.to_owned();
                }
                None => model.members.push(MMember {
                    id: m.id,
                    org: v.org,
                    email: v.email.clone(),
                    name: NEW_NAME.to_owned(),
                    role: v.role.clone(),
                    active: true,
                }),
            }
            model.reqs[k].state = ReqState::Approved;
            (true, true, false)
        }
        Op::Resend { actor, by_inviter, pending, inv } => {
            let candidates: Vec<usize> =
                (0..model.invs.len()).filter(|&i| !pending || model.invs[i].state == InvState::Pending).collect();
            if candidates.is_empty() {
                return (true, false, false);
            }
            let i = candidates[inv.index(candidates.len())];
            let v = model.invs[i].clone();
            let actor = if *by_inviter { v.inviter } else { model.pick_in(p, actor, None, Some(v.org)) };
            w.by.set(By::Member(actor));
            let a = model.member(actor).clone();
            let mut e = Vec::new();
            if !a.active {
                e.extend([PD, NF]);
            } else if a.org != v.org {
                e.push(NF);
            } else if actor != v.inviter && !p.role(&a.role).unwrap().manages_organization() {
                e.push(PD);
            } else if v.state != InvState::Pending {
                // Awaiting approval is not pending: only an approval sends it.
                e.push(NOT_PENDING);
            } else {
                // R13: everything a send checks, now, with the inviter's current role and holdings.
                e.extend(model.renewal_errors(p, &v));
            }
            let r = w.kit.resend_invitation(actor, v.id);
            outcome(w, ctx, &e, &r);
            let Ok(resent) = r else { return (false, false, false) };
            assert_eq!(resent.invitation.id, v.id, "{ctx}");
            let token = token_in(&resent.link);
            let mailed = emailed_token(w, v.id, &v.email, &[EmailKind::Invitation, EmailKind::ThreadInvitation]);
            assert_eq!(mailed.as_deref(), Some(token.as_str()), "{ctx}: the email carries the new link");
            *model.sends.entry((v.org, v.email.clone())).or_default() += 1;
            model.invs[i].token = Some(token);
            (true, true, false)
        }
        Op::Decide { actor, by, awaiting, inv, approve, accept_now } => {
            let candidates: Vec<usize> =
                (0..model.invs.len()).filter(|&i| !awaiting || model.invs[i].state == InvState::Awaiting).collect();
            if candidates.is_empty() {
                return (true, false, false);
            }
            let i = if *by >= 4 { model.invs.len() - 1 } else { candidates[inv.index(candidates.len())] };
            let v = &model.invs[i];
            let actor = match by {
                0 => v.inviter,
                1 | 4.. => {
                    let fitting = model.approvers(p, v.inviter, &v.role);
                    fitting
                        .get(actor.idx.index(fitting.len().max(1)))
                        .copied()
                        .unwrap_or_else(|| model.pick(p, actor, None))
                }
                2 => model.pick_in(p, actor, None, Some(v.org)),
                _ => model.pick(p, actor, None),
            };
            decide(w, model, i, actor, *approve, *accept_now, ctx)
        }
        Op::Revoke { actor, by_inviter, awaiting, inv } => {
            let candidates: Vec<usize> =
                (0..model.invs.len()).filter(|&i| !awaiting || model.invs[i].state == InvState::Awaiting).collect();
            if candidates.is_empty() {
                return (true, false, false);
            }
            let i = candidates[inv.index(candidates.len())];
            let v = model.invs[i].clone();
            let actor = if *by_inviter { v.inviter } else { model.pick_in(p, actor, None, Some(v.org)) };
            w.by.set(By::Member(actor));
            let a = model.member(actor).clone();
            let mut e = Vec::new();
            if !a.active {
                e.extend([PD, NF]);
            } else if a.org != v.org {
                e.push(NF);
            } else if actor != v.inviter && !p.role(&a.role).unwrap().manages_organization() {
                e.push(PD);
            } else if !v.state.open() {
                e.push(NOT_PENDING);
            }
            let r = w.kit.revoke_invitation(actor, v.id);
            outcome(w, ctx, &e, &r);
            let Ok(revoked) = r else { return (false, false, false) };
            assert_eq!((revoked.id, revoked.status), (v.id, InvitationStatus::Revoked), "{ctx}");
            model.invs[i].state = InvState::Revoked;
            (true, true, false)
        }
        Op::Settings { actor, allowed, auto_join, mode } => {
            let actor = model.pick(p, actor, None);
            w.by.set(By::Member(actor));
            let a = model.member(actor).clone();
            let org = a.org;
            let mut e = Vec::new();
            if !a.active {
                e.extend([PD, NF]);
            } else if !p.role(&a.role).unwrap().manages_organization() {
                e.push(PD);
            }
            let allowed: Vec<&'static str> = match allowed {
                0 => vec![HOME[org]],
                1 => Vec::new(),
                _ => vec!["elsewhere.org"],
            };
            let mode = mode.map(|m| [DomainJoin::Off, DomainJoin::Automatic, DomainJoin::Request][usize::from(m)]);
            let update = SettingsUpdate {
                allowed_domains: Some(allowed.iter().map(|d| (*d).to_owned()).collect()),
                auto_join_domains: Some(auto_join_domains(org, *auto_join)),
                domain_join: mode,
                ..SettingsUpdate::default()
            };
            let r = w.kit.set_organization_settings(actor, w.orgs[org], &update);
            outcome(w, ctx, &e, &r);
            if r.is_err() {
                return (false, false, false);
            }
            let mode = mode.unwrap_or(model.orgs[org].mode);
            model.orgs[org] = MOrg { allowed, auto_join: *auto_join, mode };
            (true, true, false)
        }
        Op::Invite { actor, thread, email, grant, accept_now } => {
            let t = model.pick_thread(thread);
            let actor = model.pick(p, actor, Some(t));
            w.by.set(By::Member(actor));
            let a = model.member(actor).clone();
            let org = a.org;
            let (_, email) = model.address(email, org);
            let existing = model.active_member_by_email(org, &email);
            let target_role = match existing {
                Some(m) => model.role(p, m),
                None => p.role(p.default_role()).unwrap(),
            };
            // Adding an active member is no invitation: it needs no approval.
            let needs = existing.is_none() && p.role(&a.role).unwrap().invites_need_approval();
            let (g, perms) = resolve(p, grant, model.allowed(p, t, actor, target_role));
            let e = if let Some(target) = existing.filter(|_| a.active && model.visible(t, actor)) {
                model.expect_add(p, t, actor, target, perms)
            } else {
                let mut e = Vec::new();
                if perms.is_none() {
                    e.push(INVALID);
                }
                if !a.active {
                    e.extend([PD, NF]);
                } else if !model.visible(t, actor) {
                    e.push(NF);
                } else {
                    let role = p.role(&a.role).unwrap();
                    let default = p.default_role();
                    if !(role.may_invite() && role.may_give_role(default)) {
                        e.push(PD);
                    }
                    if !model.allows(org, &email) {
                        e.push(DOMAIN);
                    }
                    // R11: re-hiring a deactivated member needs an inviter who may reactivate them.
                    if let Some(m) = model.member_by_email(org, &email).filter(|m| !m.active)
                        && !model.reaches(p, actor, m.id)
                    {
                        e.push(PD);
                    }
                    if model.invited(org, &email, None) {
                        e.push(ALREADY_INVITED);
                    }
                    let holds = model.holds(t, actor).unwrap();
                    if let Some(perms) = perms
                        && !r4(p, role, holds, p.role(default).unwrap(), perms)
                    {
                        e.push(PD);
                    }
                    // One awaiting approval emails nobody yet.
                    if !needs && model.sends.get(&(org, email.clone())).copied().unwrap_or(0) >= 3 {
                        e.push(RATE_LIMITED);
                    }
                }
                e
            };
            let tid = model.threads[t].id;
            let r = w.kit.invite_to_thread(actor, tid, &email, &g, InviteOptions::new().message("Join us"));
            outcome(w, ctx, &e, &r);
            let Ok(res) = r else { return (false, false, false) };
            let perms = perms.unwrap();
            let holds = model.holds(t, actor).unwrap();
            assert!(holds.contains(MP) && perms.is_subset(holds), "{ctx}: granted beyond holdings");
            assert!(perms.is_subset(grantable(p, model.role(p, actor))), "{ctx}: granted beyond the role's presets");
            match res.kind {
                ThreadInviteKind::Added => {
                    let target = existing.expect("added, yet the address is no active member");
                    assert!(res.invitation.is_none(), "{ctx}");
                    let info = res.participant.unwrap();
                    assert_eq!((info.member_id, info.permissions), (target, perms), "{ctx}");
                    model.threads[t].parts.push((target, perms));
                    (true, true, false)
                }
                ThreadInviteKind::Invited => {
                    assert!(existing.is_none(), "{ctx}: invited an active member");
                    assert!(res.participant.is_none(), "{ctx}");
                    let inv = res.invitation.unwrap();
                    assert_eq!(inv.role, p.default_role(), "{ctx}");
                    let grants = vec![ThreadGrant { thread_id: tid, permissions: perms }];
                    assert_eq!(inv.thread_grants, grants, "{ctx}");
                    let out = drain_outbox(w);
                    let (state, token) = if needs {
                        assert_eq!(inv.status, InvitationStatus::AwaitingApproval, "{ctx}");
                        check_approval_requests(w, model, &out, &inv, ctx);
                        (InvState::Awaiting, None)
                    } else {
                        assert_eq!(inv.status, InvitationStatus::Pending, "{ctx}");
                        // The email names the conversation and carries the link.
                        let mail = out
                            .iter()
                            .find(|o| o.invitation_id == Some(inv.id) && o.kind == EmailKind::ThreadInvitation)
                            .expect("the invitation's email");
                        assert_eq!(mail.to, email, "{ctx}");
                        assert!(mail.text.contains(&model.threads[t].title), "{ctx}: the email names the thread");
                        assert!(
                            mail.text.contains(&model.threads[t].freelancer),
                            "{ctx}: the email names the freelancer"
                        );
                        *model.sends.entry((org, email.clone())).or_default() += 1;
                        (InvState::Pending, Some(token_in(&mail.text)))
                    };
                    model.invs.push(MInv {
                        id: inv.id,
                        token,
                        org,
                        email,
                        inviter: actor,
                        role: inv.role.clone(),
                        grants,
                        state,
                    });
                    if *accept_now && state == InvState::Pending {
                        // Check the invitation first, then accept it as a step of its own.
                        w.check(model, &format!("{ctx} (before accepting)"));
                        let i = model.invs.len() - 1;
                        let before = w.events_total();
                        assert!(accept(w, model, i, &format!("{ctx} (accept)")));
                        assert!(w.events_total() > before, "{ctx}: accepting logged nothing");
                    }
                    (true, true, false)
                }
            }
        }
        Op::InviteToOrg { actor, email, role, accept_now } => {
            let actor = model.pick(p, actor, None);
            w.by.set(By::Member(actor));
            let a = model.member(actor).clone();
            let (_, email) = model.address(email, a.org);
            let roles = p.roles();
            let given = match role {
                RolePick::Default => p.default_role().to_owned(),
                RolePick::Any(i) => roles[i.index(roles.len())].name().to_owned(),
                RolePick::Fitting(i) => {
                    let fitting = p.role(&a.role).unwrap().invitable_roles();
                    match fitting.get(i.index(fitting.len().max(1))) {
                        Some(r) => r.clone(),
                        None => roles[i.index(roles.len())].name().to_owned(),
                    }
                }
            };
            let needs = p.role(&a.role).unwrap().invites_need_approval();
            let mut e = Vec::new();
            if !a.active {
                e.push(PD);
            } else {
                let role = p.role(&a.role).unwrap();
                if !(role.may_invite() && role.may_give_role(&given)) {
                    e.push(PD);
                }
                if !model.allows(a.org, &email) {
                    e.push(DOMAIN);
                }
                match model.member_by_email(a.org, &email) {
                    Some(m) if m.active => e.push(ALREADY_MEMBER),
                    // R11: re-hiring a deactivated member needs an inviter who may reactivate them.
                    Some(m) if !model.reaches(p, actor, m.id) => e.push(PD),
                    _ => {}
                }
                if model.invited(a.org, &email, None) {
                    e.push(ALREADY_INVITED);
                }
                // One awaiting approval emails nobody yet.
                if !needs && model.sends.get(&(a.org, email.clone())).copied().unwrap_or(0) >= 3 {
                    e.push(RATE_LIMITED);
                }
            }
            let opts = match role {
                RolePick::Default => InviteOptions::new(),
                _ => InviteOptions::new().role(given.clone()),
            };
            let r = w
                .kit
                .draft_invitation(actor, &email, opts)
                .and_then(|d| w.kit.send_invitation(&d, true).map(|inv| (d, inv)));
            outcome(w, ctx, &e, &r);
            let Ok((draft, inv)) = r else { return (false, false, false) };
            assert_eq!((inv.role.as_str(), inv.inviter_id), (given.as_str(), actor), "{ctx}");
            assert_eq!(draft.needs_approval(), needs, "{ctx}: the draft says whether it will await approval");
            let out = drain_outbox(w);
            let (state, token) = if needs {
                assert_eq!(inv.status, InvitationStatus::AwaitingApproval, "{ctx}");
                check_approval_requests(w, model, &out, &inv, ctx);
                // The draft's link is stored, and answers `invitation_not_pending` until approved.
                (InvState::Awaiting, Some(token_in(draft.link())))
            } else {
                assert_eq!(inv.status, InvitationStatus::Pending, "{ctx}");
                let mail = out
                    .iter()
                    .find(|o| o.invitation_id == Some(inv.id) && o.kind == EmailKind::Invitation)
                    .expect("the invitation's email");
                assert_eq!(mail.to, email, "{ctx}");
                *model.sends.entry((a.org, email.clone())).or_default() += 1;
                (InvState::Pending, Some(token_in(&mail.text)))
            };
            model.invs.push(MInv {
                id: inv.id,
                token,
                org: a.org,
                email,
                inviter: actor,
                role: inv.role.clone(),
                grants: Vec::new(),
                state,
            });
            if *accept_now {
                w.check(model, &format!("{ctx} (before accepting)"));
                let i = model.invs.len() - 1;
                // One awaiting approval is not pending yet; then someone
                // who may approves it, and it is accepted: each a step of its own.
                if !accept(w, model, i, &format!("{ctx} (accept)")) && state == InvState::Awaiting {
                    let approvers = model.approvers(p, actor, &model.invs[i].role);
                    let k = match role {
                        RolePick::Any(r) | RolePick::Fitting(r) => r.index(approvers.len().max(1)),
                        RolePick::Default => 0,
                    };
                    if let Some(approver) = approvers.get(k) {
                        w.check(model, &format!("{ctx} (before approving)"));
                        decide(w, model, i, *approver, true, true, &format!("{ctx} (approve)"));
                    }
                }
            }
            (true, true, false)
        }
        Op::Accept { pending, inv } => {
            let candidates: Vec<usize> = (0..model.invs.len())
                .filter(|&i| model.invs[i].token.is_some() && (!pending || model.invs[i].state == InvState::Pending))
                .collect();
            if candidates.is_empty() {
                return (true, false, false);
            }
            let i = candidates[inv.index(candidates.len())];
            let ok = accept(w, model, i, ctx);
            (ok, ok, false)
        }
        Op::Post { actor, thread, valid } => {
            let t = model.pick_thread(thread);
            let actor = model.pick(p, actor, Some(t));
            w.by.set(By::Member(actor));
            let body = if *valid { "Hello <b>there</b> & welcome" } else { "  " };
            let mut e = Vec::new();
            if !valid {
                e.push(INVALID);
            }
            if !model.member(actor).active {
                e.extend([PD, NF]);
            } else if !model.visible(t, actor) {
                e.push(NF);
            } else if !model.holds(t, actor).unwrap().contains(Permission::Write) {
                e.push(PD);
            }
            let r = w.kit.post_message(actor, model.threads[t].id, body);
            outcome(w, ctx, &e, &r);
            match r {
                Ok(m) => {
                    assert_eq!(m.body, body, "{ctx}");
                    model.threads[t].last = w.clock.now();
                    model.threads[t].posted = true;
                    // A message is a state change the audit log has no kind for.
                    (true, true, true)
                }
                Err(_) => (false, false, false),
            }
        }
        // The main loop runs a race's steps one by one (`Op::steps`).
        Op::RequestRace { .. } | Op::AwaitRace { .. } => unreachable!("a race is run as its steps"),
        Op::Start { actor } => {
            let actor = model.pick(p, actor, None);
            w.by.set(By::Member(actor));
            let e: Vec<&str> =
                if model.member(actor).active && can_start(w, model, actor) { vec![] } else { vec![PD, NF] };
            let r = start(w, model, actor);
            outcome(w, ctx, &e, &r);
            (r.is_ok(), r.is_ok(), false)
        }
    }
}

proptest! {
    // Each case builds a store; on PostgreSQL that is a schema migrated anew
    // (a few seconds), so it runs a quarter of SQLite's cases. In memory a
    // case costs little, and the gaps R14 looks for take a few steps in the
    // right order (deactivate, then rejoin; a deputy, then the starter), so
    // it runs four times SQLite's: 64 cases catch each one in about half the
    // runs, 256 in nearly all.
    #![proptest_config(ProptestConfig::with_cases(match common::store_kind().as_str() {
        "postgres" => 16,
        "" | "memory" => 256,
        _ => 64,
    }))]

    #[test]
    fn threads_follow_the_model(
        doc in arb_policy(),
        roles in prop::collection::vec(any::<Index>(), 8),
        join in any::<[bool; 3]>(),
        ops in prop::collection::vec(op(), 5..40),
    ) {
        let policy = match &doc {
            None => Policy::default(),
            Some(json) => match Policy::from_json(json) {
                Ok(p) => p,
                Err(e) => panic!("the generator made a policy that does not load ({e}): {json}"),
            },
        };
        let (w, mut model) = setup(policy, &roles, join);
        w.check(&model, "setup");
        for (n, op) in ops.iter().flat_map(Op::steps).enumerate() {
            w.clock.advance(1);
            let ctx = format!("step {n} {op:?}");
            let before = w.snap(&model);
            let events_before = w.events_total();
            let reach_before = w.reach(&model);
            w.by.set(By::Nobody);
            let (ok, changed, silent) = step(&w, &mut model, &op, &ctx);
            // R14 before the prediction: a gap the model shares with the code
            // still fails, as the authority it leaks.
            if let Err(e) = reach::check(w.policy(), &reach_before, &w.reach(&model), w.by.get()) {
                panic!("{ctx}: R14 (docs/rules.md#r14): {e}");
            }
            if let Some(wrong) = w.mispredicted.take() {
                panic!("{wrong}");
            }
            if !ok {
                assert_eq!(w.snap(&model), before, "{ctx}: a failed operation changed something");
            } else if changed && !silent {
                assert!(w.events_total() > events_before, "{ctx}: a change logged no event");
            } else if !changed {
                assert_eq!(w.events_total(), events_before, "{ctx}: nothing changed, yet events were logged");
            }
            w.check(&model, &ctx);
        }
    }
}

/// The generator only makes policies that load, and they vary: in
/// particular they have the shapes R10–R14 are about.
#[test]
fn generated_policies_are_valid() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = arb_policy();
    let mut random = 0;
    let mut with_manage_people_presets = 0;
    // Two managing roles that may give different roles (an owner and an office administrator).
    let mut managers_apart = 0;
    // A role that may give its own role; one that may give another role.
    let (mut gives_own, mut gives_other) = (0, 0);
    // A role that may give a role of equal power under another name.
    let mut gives_twin = 0;
    // Two roles neither of which is at most the other.
    let mut incomparable = 0;
    // A role whose invitations need approval that may invite, and one
    // beside another role that may approve what it sends.
    let (mut needs_approval, mut approvable) = (0, 0);
    for _ in 0..300 {
        let Some(json) = strategy.new_tree(&mut runner).unwrap().current() else { continue };
        random += 1;
        let p = Policy::from_json(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
        assert!(p.roles().iter().any(Role::manages_organization));
        for r in p.roles() {
            assert!(grantable(&p, r).is_subset(r.thread_ceiling()));
            // What `from_json` promises, in R14's order: nobody may give a stronger role.
            for given in r.invitable_roles() {
                assert!(reach::at_most(p.role(given).unwrap(), r), "`{}` may give `{given}`: {json}", r.name());
                // A role whose invitations need approval gives no role whose invitations do not.
                assert!(!r.invites_need_approval() || p.role(given).unwrap().invites_need_approval(), "{json}");
            }
        }
        if p.roles().iter().any(|r| grantable(&p, r).contains(MP)) {
            with_manage_people_presets += 1;
        }
        let roles = p.roles();
        let pairs =
            || roles.iter().flat_map(|a| roles.iter().map(move |b| (a, b))).filter(|(a, b)| a.name() != b.name());
        managers_apart += usize::from(pairs().any(|(a, b)| {
            a.manages_organization() && b.manages_organization() && a.invitable_roles() != b.invitable_roles()
        }));
        gives_own += usize::from(roles.iter().any(|r| r.may_give_role(r.name())));
        gives_other += usize::from(pairs().any(|(a, b)| a.may_give_role(b.name())));
        gives_twin += usize::from(
            pairs().any(|(a, b)| a.may_give_role(b.name()) && reach::at_most(a, b) && reach::at_most(b, a)),
        );
        incomparable += usize::from(pairs().any(|(a, b)| !reach::at_most(a, b) && !reach::at_most(b, a)));
        needs_approval += usize::from(roles.iter().any(|r| r.may_invite() && r.invites_need_approval()));
        approvable += usize::from(roles.iter().any(|r| {
            r.invites_need_approval()
                && r.invitable_roles().iter().any(|given| roles.iter().any(|a| a.may_manage_member(given)))
        }));
    }
    assert!(random > 100, "{random}");
    assert!(with_manage_people_presets > 10, "{with_manage_people_presets}");
    for (what, n) in [
        ("two managers that may give different roles", managers_apart),
        ("a role that may give its own role", gives_own),
        ("a role that may give another role", gives_other),
        ("a role that may give its twin", gives_twin),
        ("incomparable roles", incomparable),
        ("a role whose invitations need approval", needs_approval),
        ("a role whose invitations another role may approve", approvable),
    ] {
        assert!(n > 20, "{what}: {n} of {random}");
    }
}

/// `reach::approval` refuses what R14 forbids of an approval: by the
/// inviter, by a member of another organization, by a deactivated member,
/// by a role that does not manage the organization or may not give the
/// invitation's role, or of a role the inviter's may not give.
#[test]
fn the_approval_check_refuses_what_r14_forbids() {
    let p = Policy::default();
    let (acme, globex) = (OrgId::new(), OrgId::new());
    let mut r = Reach::default();
    let mut seat = |org: OrgId, role: &str, active: bool| {
        let id = MemberId::new();
        r.members.insert(id, reach::Seat { org, role: role.to_owned(), active, holds: Default::default() });
        id
    };
    let owner = seat(acme, "full", true);
    let manager = seat(acme, "hiring_manager", true);
    let recruiter = seat(acme, "recruiter", true);
    let gone = seat(acme, "full", false);
    let foreign = seat(globex, "full", true);
    assert_eq!(reach::approval(&p, &r, owner, recruiter, "member"), Ok(()));
    for (approver, inviter, role) in [
        (recruiter, recruiter, "member"),
        (owner, owner, "member"),
        (manager, recruiter, "member"),
        (foreign, recruiter, "member"),
        (gone, recruiter, "member"),
        (owner, gone, "member"),
        (owner, recruiter, "recruiter"),
    ] {
        assert!(reach::approval(&p, &r, approver, inviter, role).is_err(), "{approver} {inviter} {role}");
    }
}
