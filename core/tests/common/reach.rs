//! R14 (docs/rules.md#r14) as one comparison, shared by the model test and the
//! `stateful` fuzz target (`fuzz/src/stateful.rs` includes this file): every
//! member's reach (role, status, thread holdings) before and after a step,
//! compared with the reach of the member who authorized it. It knows no
//! operation, so a gap between the per-operation rules shows here whichever
//! operation opens it.
#![allow(dead_code, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use invitekit::{InviteKit, MemberId, OrgId, PermissionSet, Policy, Role, Store, ThreadId};

/// What one member can do.
#[derive(Debug, Clone, PartialEq)]
pub struct Seat {
    pub org: OrgId,
    pub role: String,
    pub active: bool,
    /// Only the threads they take part in.
    pub holds: BTreeMap<ThreadId, PermissionSet>,
}

impl Seat {
    fn holds(&self, t: ThreadId) -> PermissionSet {
        self.holds.get(&t).copied().unwrap_or(PermissionSet::EMPTY)
    }
}

/// Every member's seat, and the threads that exist.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reach {
    pub members: BTreeMap<MemberId, Seat>,
    pub threads: BTreeSet<ThreadId>,
}

impl Reach {
    /// Reads the members of `orgs` and the participants of `threads` through the public API.
    pub fn read<S: Store>(kit: &InviteKit<S>, orgs: &[OrgId], threads: &[ThreadId]) -> Reach {
        let mut r = Reach { threads: threads.iter().copied().collect(), ..Reach::default() };
        for &org in orgs {
            for m in kit.list_members(org).expect("the members") {
                let seat = Seat { org, role: m.role.clone(), active: m.is_active(), holds: BTreeMap::new() };
                r.members.insert(m.id, seat);
            }
        }
        for &t in threads {
            for p in kit.store().read(|tx| tx.participants(t)).expect("the participants") {
                if let Some(seat) = r.members.get_mut(&p.member_id) {
                    seat.holds.insert(t, p.permissions);
                }
            }
        }
        r
    }
}

/// Who authorized a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    /// A host's setup operation (`create_organization`, `add_member`,
    /// `create_team`): outside R14.
    Host,
    /// No member: an invitee joining by domain or declining, the outbox, the
    /// freelancer, the clock. Only a newcomer with the default role may appear.
    Nobody,
    /// The acting member; for `accept_invitation`, the inviter.
    Member(MemberId),
}

/// Whether role `lower` can do nothing that role `upper` cannot (roles are
/// only partly ordered). Inviting without approval is something a role
/// whose invitations need approval cannot do.
pub fn at_most(lower: &Role, upper: &Role) -> bool {
    lower.thread_ceiling().is_subset(upper.thread_ceiling())
        && lower.grantable_permissions().is_subset(upper.grantable_permissions())
        && (!lower.may_invite() || upper.may_invite())
        && (!lower.may_assign_team() || upper.may_assign_team())
        && (!lower.manages_organization() || upper.manages_organization())
        && (!upper.invites_need_approval() || lower.invites_need_approval())
        && lower.invitable_roles().iter().all(|r| upper.may_give_role(r))
}

/// R14 for approving an invitation as `role` sent by `inviter`, given
/// everyone's reach before it. The approval changes no member's reach by
/// itself, but it is what lets the invitee in: it is an act of the approver,
/// who must be another active member of the inviter's organization whose
/// role manages it and may give `role` (R10: their reach bounds the role the
/// invitee ends up with), and the inviter must still be an active member
/// whose role may give `role` (R2), as at the acceptance, which is theirs.
pub fn approval(p: &Policy, before: &Reach, approver: MemberId, inviter: MemberId, role: &str) -> Result<(), String> {
    let seat = |id: MemberId, who: &str| {
        before.members.get(&id).filter(|s| s.active).ok_or_else(|| format!("the {who} {id} is not an active member"))
    };
    let (a, i) = (seat(approver, "approver")?, seat(inviter, "inviter")?);
    let role_of = |s: &Seat| p.role(&s.role).ok_or_else(|| format!("unknown role `{}`", s.role));
    let (ar, ir) = (role_of(a)?, role_of(i)?);
    if approver == inviter {
        return Err(format!("member {approver} (`{}`) approved their own invitation as `{role}`", a.role));
    }
    if a.org != i.org {
        return Err(format!("member {approver} (`{}`) approved another organization's invitation", a.role));
    }
    if !(ar.manages_organization() && ar.may_give_role(role)) {
        return Err(format!("member {approver} (`{}`) approved an invitation as `{role}` out of their reach", a.role));
    }
    if !(ir.may_invite() && ir.may_give_role(role)) {
        return Err(format!("an invitation as `{role}` by member {inviter} (`{}`) was approved", i.role));
    }
    Ok(())
}

/// R14 for a step authorized `by`, given everyone's reach before and after it.
/// Whatever the operation, the authorizing member's reach is what their role
/// (before the step) may give and what they hold (before the step), and:
///
/// - a role changes only to one at most the old one or one the actor's role
///   may give, never up for the actor themselves; a newcomer's role is one
///   the actor's role may give (the default role when nobody acts);
/// - a thread holding grows only within what the actor holds there and their
///   role may grant (a new thread's starter: their role's ceiling);
/// - a member's role or status changes, or holdings shrink, only by
///   themselves or by an actor whose reach covers them: a role that manages
///   the organization and may give theirs, holdings that include theirs
///   (taking authority away is an act of authority too: R10, R12);
/// - so a deactivated member comes back only by such an actor's act;
/// - in every state nobody holds more than their role's ceiling, and a
///   deactivated member holds nothing.
pub fn check(p: &Policy, before: &Reach, after: &Reach, by: By) -> Result<(), String> {
    let role = |name: &str| p.role(name).ok_or_else(|| format!("unknown role `{name}`"));
    // Only an active member authorizes anything.
    let actor = match by {
        By::Member(id) => before.members.get(&id).filter(|s| s.active).map(|s| (id, s)),
        _ => None,
    };
    let actor_role = actor.map(|(_, s)| role(&s.role)).transpose()?;
    let name = match (by, actor) {
        (By::Member(id), Some((_, a))) => format!("member {id} (`{}`)", a.role),
        (By::Member(id), None) => format!("member {id} (not an active member)"),
        (other, _) => format!("{other:?}"),
    };
    let gives = |org: OrgId, given: &str| {
        actor.is_some_and(|(_, a)| a.org == org) && actor_role.is_some_and(|r| r.may_give_role(given))
    };
    let reaches = |seat: &Seat| gives(seat.org, &seat.role) && actor_role.is_some_and(Role::manages_organization);
    if let Some(id) = before.members.keys().find(|id| !after.members.contains_key(id)) {
        return Err(format!("member {id} vanished"));
    }
    for (&id, now) in &after.members {
        let r = role(&now.role)?;
        let status = if now.active { "active" } else { "deactivated" };
        let who = format!("member {id} ({status}, `{}`)", now.role);
        for (t, h) in &now.holds {
            if !h.is_subset(r.thread_ceiling()) || !now.active {
                return Err(format!("{who} holds {h:?} in thread {t}, ceiling {:?}", r.thread_ceiling()));
            }
        }
        if by == By::Host {
            continue;
        }
        let own = actor.is_some_and(|(a, _)| a == id);
        let was = before.members.get(&id);
        match was {
            None if by == By::Nobody && now.role != p.default_role() => {
                return Err(format!("{who} appeared with no member acting"));
            }
            None if by != By::Nobody && !gives(now.org, &now.role) => {
                return Err(format!("{who} appeared with a role {name} may not give"));
            }
            None => {}
            Some(was) => {
                let moved = was.role != now.role || was.active != now.active;
                if moved && !own && !reaches(was) {
                    return Err(format!(
                        "{who} was `{}` (active: {}), moved by {name} without reach",
                        was.role, was.active
                    ));
                }
                if was.role != now.role && !at_most(r, role(&was.role)?) && (own || !gives(now.org, &now.role)) {
                    return Err(format!("{who} was raised from `{}` by {name}", was.role));
                }
            }
        }
        let unmoved = was.is_some_and(|w| w.role == now.role && w.active == now.active);
        let old_threads = was.into_iter().flat_map(|w| w.holds.keys());
        for &t in now.holds.keys().chain(old_threads).collect::<BTreeSet<_>>() {
            let (old, new) = (was.map_or(PermissionSet::EMPTY, |w| w.holds(t)), now.holds(t));
            let mine = actor.map_or(PermissionSet::EMPTY, |(_, a)| a.holds(t));
            let grows = !new.is_subset(old);
            let given = actor_role.map_or(PermissionSet::EMPTY, |r| mine.intersection(r.grantable_permissions()));
            let started =
                own && !before.threads.contains(&t) && actor_role.is_some_and(|r| new.is_subset(r.thread_ceiling()));
            if grows && !new.is_subset(given) && !started {
                return Err(format!("{who} went from {old:?} to {new:?} in thread {t}; {name} could give {given:?}"));
            }
            if new != old && unmoved && !own && !old.is_subset(mine) {
                return Err(format!("{who} went from {old:?} to {new:?} in thread {t} by {name}, who holds {mine:?}"));
            }
        }
    }
    Ok(())
}
