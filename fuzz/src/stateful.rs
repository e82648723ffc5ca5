//! `stateful`: random operation sequences through the in-memory store, with
//! the rules of docs/rules.md (R1–R9, invitations, conversations) checked after every step.
//!
//! A policy (the default one, or a random valid one), two organizations with
//! an administrator and a team each, then up to 64 operations chosen by the
//! fuzzer: organizations, members, teams, settings, drafts, sends, accepts,
//! declines, revokes, resends, approvals and denials of invitations that
//! await approval, domain verification, joining by domain and requests to
//! join with their approvals and denials, role changes, deactivations,
//! threads, grants, messages, searches, the outbox, the audit log, and the
//! passing of time.
//! Each operation's actors and targets are picked from the current state, so
//! that most of them get past the first checks. An [`Attack`] is a few steps
//! in a row that R10–R13 are about (an administrator changing their own
//! role, a deactivated member rejoining or re-hired by a weaker member, a
//! deputy changing or removing the thread's starter, a resend after the
//! allowed domains changed, an invitation awaiting approval approved or
//! denied and accepted, its inviter's role changed before the approval, a
//! request to join approved after its address was hired and deactivated),
//! each checked as a step of its own. Random policies often have an owner
//! beside weaker managers, twin roles, and roles whose invitations need approval.
//!
//! After every step:
//! - R14 (docs/rules.md#r14), before anything else: every member's reach
//!   (role, status, thread holdings) before and after the step, compared with
//!   the reach of the member who authorized it, by the comparison the model
//!   test uses (`core/tests/common/reach.rs`, included below), which knows no
//!   operation;
//! - a failed operation, and any read-only one, changed nothing (the whole
//!   state is compared with a snapshot taken before);
//! - what succeeded was allowed in the state before it (R1–R4, R8), and its
//!   effects are the ones the rules say (R3, R7);
//! - nobody holds a permission outside their role's ceiling, and only active
//!   members of the thread's organization take part (R6, R7);
//! - pending invitations, and those awaiting approval, are ones their
//!   inviter's current role could send (R7), an invitation awaits approval
//!   exactly when its inviter's role needed it and emailed only the members
//!   who may approve it, and a resend or an approval passed what a send
//!   checks at that moment (R13);
//! - an approval or denial was by another active member of the
//!   organization whose role may give the invitation's role (R10, R14: the
//!   approver's reach bounds the role the invitee gets), a request to join
//!   was decided by one who may give its role, and let a deactivated member
//!   back only if they reach them (R11); an invitation's role, inviter and
//!   address never change;
//! - only a verified auto-join domain lets anyone join or ask to, and a free
//!   mail domain is never one;
//! - `search_threads`, `people` and `permission_options` agree with each other
//!   and with the state on who sees what (R5, R9), and searches find exactly
//!   what their words say;
//! - every error has a stable code and a one-line message; no token shows up
//!   in an error, an event or a listing;
//! - the audit log is append-only with gap-free `seq`.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use arbitrary::{Arbitrary, Unstructured};
use invitekit::search::{coworker_terms, member_words, words};
use invitekit::store::SendKey;
use invitekit::{
    DomainJoin, DomainVerification, Draft, EmailAddress, EmailId, EmailKind, Error, Event, Grant, GrantCheck,
    Invitation, InvitationId, InvitationStatus, InviteKit, InviteOptions, JoinKind, JoinRequest, JoinRequestStatus,
    ManualClock, Member, MemberId, MemoryStore, OrgId, Organization, OutgoingEmail, Participant, Permission,
    PermissionSet, Policy, Role, SettingsUpdate, Store, Team, TeamId, Thread, ThreadId, Timestamp, Token,
};

use crate::check_error;
use crate::policy_json::ValidSeed;

/// R14's comparison, one file for the model test and this target (the fuzz
/// crate cannot depend on the core's tests).
#[path = "../../core/tests/common/reach.rs"]
mod reach;
use reach::{By, Reach};

const MAX_OPS: usize = 64;
const MP: Permission = Permission::ManagePeople;

/// One input.
#[derive(Arbitrary, Debug)]
pub struct Input {
    /// `None`: [`Policy::default`].
    policy: Option<ValidSeed>,
    ops: Vec<Op>,
}

/// A member, picked from the state.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub struct Who {
    /// Modulo 10: 0 anyone (active or not, any organization); 7 a participant
    /// of the operation's thread; 8 an active member of the thread's
    /// organization outside it; 9 an id nobody has; otherwise whom the
    /// operation wants there (a participant with `manage_people` to add
    /// someone, an outsider to be added, ...). Anyone when nobody fits. For
    /// the member of a role change, deactivation or reactivation, 6 is the
    /// actor themselves, and the actor is mostly an administrator of the
    /// member's organization (R10); for the participant changed or removed,
    /// 1 to 4 and 6 are one holding something the actor does not hold there,
    /// the thread's starter first, and for the actor, a holder of
    /// `manage_people` who did not start the thread (R12). For an inviter, 5
    /// is a member whose invitations need approval; for the actor deciding an
    /// invitation awaiting approval or a request to join, 6 is its inviter
    /// and 1 to 5 a member who may decide it (R10).
    kind: u8,
    idx: u8,
}

/// Whom an operation wants in a place, which [`Who`] mostly follows.
#[derive(Clone, Copy)]
enum Slot {
    /// Any member, active or not, of any organization.
    Anyone,
    /// An active member.
    Active,
    /// An active member whose role manages their organization.
    Admin,
    /// A deactivated member.
    Deactivated,
    /// A participant of the operation's thread.
    Participant,
    /// A participant holding `manage_people`.
    Manager,
    /// A participant who may leave or be removed: without `manage_people`, or
    /// not its last holder.
    Removable,
    /// An active member of the thread's organization outside the thread.
    Outsider,
    /// An active member whose role may invite, and whose invitations need approval.
    NeedsApproval,
}

/// An index into a list of the state (modulo its length); 250 and up: something that does not exist.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub struct Pick(u8);

impl Pick {
    /// The picked element, or `None` for "something that does not exist".
    fn of<T: Copy>(self, list: &[T]) -> Option<T> {
        if self.0 >= 250 || list.is_empty() { None } else { list.get(usize::from(self.0) % list.len()).copied() }
    }
}

/// An email address.
#[derive(Arbitrary, Debug, Clone)]
pub enum EmailSel {
    /// A member's address, in upper case when `shout`; from 128 up, a
    /// deactivated member's when there is one, of the organization the
    /// operation is in if it has one (R11).
    Member(Pick, bool),
    /// `{local}@{domain}` from small pools (look-alike domains included).
    Fresh(u8, u8),
    /// Any text.
    Raw(String),
}

/// A name.
#[derive(Arbitrary, Debug, Clone)]
pub enum NameSel {
    /// From a pool (some invalid).
    Pool(u8),
    /// Any text.
    Raw(String),
}

/// Free text: a message, a body, a query.
#[derive(Arbitrary, Debug, Clone)]
pub enum TextSel {
    /// From a pool (some invalid).
    Pool(u8),
    /// Any text.
    Raw(String),
    /// `x` repeated (lengths around the limits).
    Long(u16),
}

/// A role name.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum RoleSel {
    /// A role of the policy.
    Policy(u8),
    /// A name the policy does not know.
    Unknown,
}

/// A thread grant.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum GrantSel {
    /// A preset of the policy (250 and up: a name the policy does not know).
    Preset(u8),
    /// A preset that R4 lets the actor give the target, when there is one;
    /// from 192 up, everything R4 lets them give, as explicit permissions (a
    /// deputy with `manage_people` beside the thread's starter: R12).
    Fitting(u8),
    /// Explicit permissions, by bits (none, which is invalid, when the low five bits are 0).
    Perms(u8),
}

/// A token or link.
#[derive(Arbitrary, Debug, Clone)]
pub enum TokenSel {
    /// A join link seen in a draft or a resend (old ones too).
    Link(Pick),
    /// Its bare token.
    Bare(Pick),
    /// Its token with one character changed.
    Mangled(Pick, u8),
    /// The newest join link seen.
    Newest,
    /// Any text.
    Raw(String),
}

/// A change of settings.
#[derive(Arbitrary, Debug, Clone)]
pub struct SettingsSel {
    expiry: Option<u8>,
    cooldown: Option<u8>,
    per_address: Option<u8>,
    per_inviter: Option<u8>,
    max_pending: Option<u8>,
    max_message: Option<u8>,
    allow_subdomains: Option<bool>,
    auto_join: Option<u8>,
    allowed: Option<u8>,
    /// Modulo 4: off, automatic, request, or an unchanged mode.
    domain_join: Option<u8>,
}

/// One operation.
#[derive(Arbitrary, Debug, Clone)]
#[allow(missing_docs)]
pub enum Op {
    CreateOrg {
        name: NameSel,
        slug: u8,
        domains: u8,
    },
    AddMember {
        org: Pick,
        email: EmailSel,
        name: NameSel,
        role: RoleSel,
    },
    CreateTeam {
        org: Pick,
        name: NameSel,
    },
    /// The actor is picked after the organization: with its `kind` 1 to 5,
    /// an administrator of it.
    Settings {
        actor: Who,
        org: Pick,
        change: SettingsSel,
    },
    Draft {
        actor: Who,
        email: EmailSel,
        message: Option<TextSel>,
        teams: Vec<Pick>,
        role: Option<RoleSel>,
    },
    Send {
        draft: Pick,
        deliver: bool,
    },
    InviteMany {
        actor: Who,
        emails: Vec<EmailSel>,
        teams: Vec<Pick>,
        role: Option<RoleSel>,
    },
    /// Draft and send; `accept`: the invitee accepts at once, in the same step (a re-hire: R11).
    Invite {
        actor: Who,
        email: EmailSel,
        message: Option<TextSel>,
        teams: Vec<Pick>,
        role: Option<RoleSel>,
        deliver: bool,
        accept: bool,
    },
    Peek {
        token: TokenSel,
    },
    /// `email`: `None` is the address the token's invitation went to.
    Accept {
        token: TokenSel,
        email: Option<EmailSel>,
        name: NameSel,
    },
    Decline {
        token: TokenSel,
        email: Option<EmailSel>,
    },
    Revoke {
        actor: Who,
        inv: Pick,
    },
    /// The actor is picked after the invitation: with its `kind` 6, the
    /// inviter; with 1 to 5, an administrator of its organization (R13).
    Resend {
        actor: Who,
        inv: Pick,
    },
    ListInvitations {
        actor: Who,
        status: Option<u8>,
    },
    InvitationsForEmail {
        email: EmailSel,
    },
    JoinByDomain {
        org: Pick,
        email: EmailSel,
        name: NameSel,
    },
    SetRole {
        actor: Who,
        member: Who,
        role: RoleSel,
    },
    Deactivate {
        actor: Who,
        member: Who,
    },
    StartThread {
        actor: Who,
        freelancer: NameSel,
        title: NameSel,
    },
    Post {
        actor: Who,
        thread: Pick,
        body: TextSel,
    },
    PostFreelancer {
        thread: Pick,
        body: TextSel,
    },
    Search {
        actor: Who,
        thread: Pick,
        query: TextSel,
        limit: u8,
    },
    People {
        actor: Who,
        thread: Pick,
    },
    FindCoworkers {
        actor: Who,
        query: TextSel,
        limit: u8,
    },
    Options {
        actor: Who,
        thread: Pick,
    },
    Add {
        actor: Who,
        thread: Pick,
        member: Who,
        grant: GrantSel,
    },
    InviteToThread {
        actor: Who,
        thread: Pick,
        email: EmailSel,
        grant: GrantSel,
        message: Option<TextSel>,
    },
    Change {
        actor: Who,
        thread: Pick,
        member: Who,
        grant: GrantSel,
    },
    Remove {
        actor: Who,
        thread: Pick,
        member: Who,
    },
    Leave {
        actor: Who,
        thread: Pick,
    },
    OutboxPending {
        limit: u8,
    },
    OutboxAck {
        email: Pick,
    },
    OutboxFail {
        email: Pick,
        reason: TextSel,
    },
    Events {
        actor: Who,
        after: Option<u8>,
        limit: u8,
    },
    Advance {
        secs: u8,
    },
    Reactivate {
        actor: Who,
        member: Who,
    },
    /// `approve_invitation`, mostly of one awaiting approval (`inv` below
    /// 128); the actor is picked after the invitation (see [`Who::kind`]).
    Approve {
        actor: Who,
        inv: Pick,
    },
    /// `deny_invitation`, picked as for [`Op::Approve`].
    Deny {
        actor: Who,
        inv: Pick,
        reason: Option<TextSel>,
    },
    /// `approve_join_request` or `deny_join_request`, mostly of a pending
    /// request (`request` below 128); the actor is picked after the request.
    DecideJoin {
        actor: Who,
        request: Pick,
        approve: bool,
        reason: Option<TextSel>,
    },
    ListJoinRequests {
        actor: Who,
        status: Option<u8>,
    },
    /// `start_domain_verification`; the actor as for [`Op::Settings`].
    StartVerification {
        actor: Who,
        org: Pick,
        domain: u8,
    },
    /// `verify_domain` with TXT values: the organization's challenge for the
    /// domain (as is, quoted, among others), another organization's, or junk.
    Verify {
        actor: Who,
        org: Pick,
        domain: u8,
        txt: u8,
    },
    ListDomains {
        actor: Who,
        org: Pick,
    },
    Attack(Attack),
}

/// Steps in a row that the rules between operations are about (R10–R13),
/// each run and checked as a step of its own: random sequences reach them
/// too, but seldom.
#[derive(Arbitrary, Debug, Clone)]
pub enum Attack {
    /// An administrator changes their own role.
    OwnRole { admin: Who, role: RoleSel },
    /// A member is deactivated, then their address joins by domain.
    Rejoin { admin: Who, member: Who, name: NameSel },
    /// A member is deactivated, then `inviter` invites their address, which accepts.
    Rehire { admin: Who, member: Who, inviter: Who },
    /// A participant is given all R4 allows, then changes or removes the thread's starter.
    Deputy { thread: Pick, deputy: Who, remove: bool, grant: GrantSel },
    /// `inviter` invites `email`, the organization's allowed domains change
    /// (bits of the settings' pool, the invalid name left out), a minute
    /// passes (the resend cooldown), and the invitation is resent.
    Resend { inviter: Who, email: EmailSel, allowed: u8 },
    /// A member whose invitations need approval invites `email`; `approver`
    /// approves (or denies) it (kind 1 to 5: a member who may; 6: the inviter);
    /// the outbox hands out its email, and the invitee accepts by its link.
    Approval { inviter: Who, email: EmailSel, role: Option<RoleSel>, approver: Who, deny: bool },
    /// As [`Attack::Approval`], but an administrator changes the inviter's
    /// role (or deactivates them) before the approval: R7 on an invitation
    /// awaiting approval. With `thread`, a member whose invitations need
    /// approval is first given all R4 allows there by a manager, and invites
    /// `email` into it with all they may give (R7 then cuts the thread grant).
    ApprovalR7 { inviter: Who, email: EmailSel, role: RoleSel, deactivate: bool, approver: Who, thread: Option<Pick> },
    /// Organization `org` lets its verified domain ask to join (`request`),
    /// someone there asks, an administrator invites the address and it
    /// accepts, the member is deactivated, and `approver` approves the
    /// request (R11: only one who may reactivate them lets them back).
    RequestRehire { org: Pick, local: u8, approver: Who },
}

impl Attack {
    /// Step `i`, as an operation on the state `s`; `None` after the last.
    fn step(&self, i: usize, w: &World, s: &Snapshot) -> Option<Op> {
        // Into a thread: a manager there gives a member whose invitations
        // need approval all R4 allows, then the steps go on one later.
        if let Attack::ApprovalR7 { inviter, email, thread: Some(thread), .. } = self {
            let t = w.pick_thread(*thread);
            let (th, ps) = s.thread(t)?;
            return match i {
                0 => {
                    let member = s.members.iter().find(|m| {
                        m.is_active()
                            && m.org_id == th.org_id
                            && w.role(m).invites_need_approval()
                            && ps.iter().all(|p| p.member_id != m.id)
                    })?;
                    let grant = GrantSel::Fitting(255);
                    Some(Op::Add {
                        actor: Who { kind: 1, idx: 0 },
                        thread: *thread,
                        member: exact(s, member.id)?,
                        grant,
                    })
                }
                1 => Some(Op::InviteToThread {
                    actor: Who { kind: 5, idx: inviter.idx },
                    thread: *thread,
                    email: email.clone(),
                    grant: GrantSel::Fitting(255),
                    message: None,
                }),
                i => {
                    let mut rest = self.clone();
                    if let Attack::ApprovalR7 { thread, .. } = &mut rest {
                        *thread = None;
                    }
                    rest.step(i - 1, w, s)
                }
            };
        }
        let own = |who: &Who| Who { kind: 6, idx: who.idx };
        let deactivated = || w.deactivated.get().and_then(|id| s.member(id)).filter(|m| !m.is_active());
        let newest = || s.invitations.iter().enumerate().max_by_key(|(_, inv)| inv.created_at);
        match (self, i) {
            (Attack::OwnRole { admin, role }, 0) => {
                Some(Op::SetRole { actor: *admin, member: own(admin), role: *role })
            }
            (Attack::Rejoin { admin, member, .. } | Attack::Rehire { admin, member, .. }, 0) => {
                Some(Op::Deactivate { actor: *admin, member: *member })
            }
            (Attack::Rejoin { name, .. }, 1) => {
                let m = deactivated()?;
                let org = w.orgs.iter().position(|o| *o == m.org_id)?;
                let email = EmailSel::Raw(m.email.clone());
                Some(Op::JoinByDomain { org: Pick(u8::try_from(org).ok()?), email, name: name.clone() })
            }
            (Attack::Rehire { inviter, .. }, 1) => Some(Op::Invite {
                actor: *inviter,
                email: EmailSel::Raw(deactivated()?.email.clone()),
                message: None,
                teams: Vec::new(),
                role: None,
                deliver: true,
                accept: true,
            }),
            (Attack::Deputy { thread, deputy, .. }, 0) => {
                let actor = Who { kind: 1, idx: 0 };
                Some(Op::Add { actor, thread: *thread, member: *deputy, grant: GrantSel::Fitting(255) })
            }
            (Attack::Deputy { thread, deputy, remove, grant }, 1) => {
                let (actor, member) = (own(deputy), Who { kind: 6, idx: 0 });
                Some(if *remove {
                    Op::Remove { actor, thread: *thread, member }
                } else {
                    Op::Change { actor, thread: *thread, member, grant: *grant }
                })
            }
            (Attack::Resend { inviter, email, .. }, 0) => Some(Op::Invite {
                actor: *inviter,
                email: email.clone(),
                message: None,
                teams: Vec::new(),
                role: None,
                deliver: true,
                accept: false,
            }),
            (Attack::Resend { allowed, .. }, 1) => {
                let (_, inv) = newest()?;
                let org = w.orgs.iter().position(|o| *o == inv.org_id)?;
                let change = SettingsSel {
                    expiry: None,
                    cooldown: None,
                    per_address: None,
                    per_inviter: None,
                    max_pending: None,
                    max_message: None,
                    allow_subdomains: None,
                    auto_join: None,
                    allowed: Some(*allowed & !0b1_0000),
                    domain_join: None,
                };
                Some(Op::Settings { actor: Who { kind: 1, idx: 0 }, org: Pick(u8::try_from(org).ok()?), change })
            }
            (Attack::Resend { .. }, 2) => Some(Op::Advance { secs: 2 }),
            (Attack::Resend { .. }, 3) => {
                let k = u8::try_from(newest()?.0).ok().filter(|k| *k < 250)?;
                Some(Op::Resend { actor: Who { kind: 1, idx: 0 }, inv: Pick(k) })
            }
            (Attack::Approval { inviter, email, role, .. }, 0) => Some(Op::Invite {
                actor: Who { kind: 5, idx: inviter.idx },
                email: email.clone(),
                message: None,
                teams: Vec::new(),
                role: *role,
                deliver: true,
                accept: false,
            }),
            (Attack::ApprovalR7 { inviter, email, .. }, 0) => Some(Op::Invite {
                actor: Who { kind: 5, idx: inviter.idx },
                email: email.clone(),
                message: None,
                teams: Vec::new(),
                role: None,
                deliver: true,
                accept: false,
            }),
            (Attack::ApprovalR7 { role, deactivate, .. }, 1) => {
                let (_, inv) = newest()?;
                let (actor, member) = (Who { kind: 1, idx: 0 }, exact(s, inv.inviter_id)?);
                Some(if *deactivate {
                    Op::Deactivate { actor, member }
                } else {
                    Op::SetRole { actor, member, role: *role }
                })
            }
            (Attack::Approval { approver, deny, .. }, 1) => {
                let inv = pick_awaiting_of(s, newest()?.1.id)?;
                Some(if *deny {
                    Op::Deny { actor: *approver, inv, reason: Some(TextSel::Pool(0)) }
                } else {
                    Op::Approve { actor: *approver, inv }
                })
            }
            (Attack::ApprovalR7 { approver, .. }, 2) => {
                Some(Op::Approve { actor: *approver, inv: pick_awaiting_of(s, newest()?.1.id)? })
            }
            (Attack::Approval { deny: false, .. }, 2) | (Attack::ApprovalR7 { .. }, 3) => {
                Some(Op::OutboxPending { limit: 11 })
            }
            (Attack::Approval { deny: false, .. }, 3) | (Attack::ApprovalR7 { .. }, 4) => {
                Some(Op::Accept { token: TokenSel::Newest, email: None, name: NameSel::Pool(1) })
            }
            (Attack::RequestRehire { org, .. }, 0) => {
                let home = w.orgs.iter().position(|o| *o == w.pick_org(*org)).filter(|i| *i < 2)?;
                let change = SettingsSel {
                    expiry: None,
                    cooldown: None,
                    per_address: None,
                    per_inviter: None,
                    max_pending: None,
                    max_message: None,
                    allow_subdomains: None,
                    auto_join: Some(1 << home),
                    allowed: None,
                    domain_join: Some(2),
                };
                Some(Op::Settings { actor: Who { kind: 1, idx: 0 }, org: *org, change })
            }
            (Attack::RequestRehire { org, local, .. }, 1) => {
                let email = EmailSel::Raw(rehire_address(w, *org, *local)?);
                Some(Op::JoinByDomain { org: *org, email, name: NameSel::Pool(1) })
            }
            (Attack::RequestRehire { org, local, .. }, 2) => {
                let org_id = w.pick_org(*org);
                let admin = s
                    .members
                    .iter()
                    .find(|m| m.org_id == org_id && m.is_active() && w.role(m).manages_organization())?;
                Some(Op::Invite {
                    actor: exact(s, admin.id)?,
                    email: EmailSel::Raw(rehire_address(w, *org, *local)?),
                    message: None,
                    teams: Vec::new(),
                    role: None,
                    deliver: true,
                    accept: true,
                })
            }
            (Attack::RequestRehire { org, local, .. }, 3) => {
                let key = EmailAddress::parse(&rehire_address(w, *org, *local)?).ok()?;
                let org_id = w.pick_org(*org);
                let m = s.members.iter().find(|m| m.org_id == org_id && m.email_key() == key.key())?;
                Some(Op::Deactivate { actor: Who { kind: 1, idx: 0 }, member: exact(s, m.id)? })
            }
            (Attack::RequestRehire { approver, .. }, 4) => {
                let newest = s
                    .requests
                    .iter()
                    .filter(|r| r.status == JoinRequestStatus::Pending)
                    .max_by_key(|r| r.created_at)?;
                let pending: Vec<&JoinRequest> =
                    s.requests.iter().filter(|r| r.status == JoinRequestStatus::Pending).collect();
                let k = pending.iter().position(|r| r.id == newest.id)?;
                Some(Op::DecideJoin {
                    actor: *approver,
                    request: Pick(u8::try_from(k).ok().filter(|k| *k < 128)?),
                    approve: true,
                    reason: None,
                })
            }
            _ => None,
        }
    }
}

/// The pick that stands for the member `id`: [`Who::kind`] 0 and their place among all members.
fn exact(s: &Snapshot, id: MemberId) -> Option<Who> {
    let at = s.member_ids.iter().position(|m| *m == id)?;
    Some(Who { kind: 0, idx: u8::try_from(at).ok()? })
}

/// The pick that stands for invitation `id` in [`Op::Approve`] and [`Op::Deny`]:
/// below 128 among those awaiting approval, else among all.
fn pick_awaiting_of(s: &Snapshot, id: InvitationId) -> Option<Pick> {
    let awaiting: Vec<InvitationId> =
        s.invitations.iter().filter(|i| i.status == InvitationStatus::AwaitingApproval).map(|i| i.id).collect();
    if let Some(k) = awaiting.iter().position(|i| *i == id) {
        return u8::try_from(k).ok().filter(|k| *k < 128).map(Pick);
    }
    let all = s.invitations.len();
    let k = s.invitations.iter().position(|i| i.id == id)?;
    // The pick in 128..250 whose remainder is `k`.
    let p = 128 + (k + all - 128 % all) % all;
    u8::try_from(p).ok().filter(|p| *p < 250).map(Pick)
}

/// The address that asks to join organization `org` in [`Attack::RequestRehire`]:
/// at the domain it verified (Acme's and Globex's only).
fn rehire_address(w: &World, org: Pick, local: u8) -> Option<String> {
    let home = w.orgs.iter().position(|o| *o == w.pick_org(org)).filter(|i| *i < 2)?;
    Some(format!("{}@{}", LOCALS[usize::from(local) % 6], ["acme.com", "globex.io"][home]))
}

const LOCALS: [&str; 7] = ["bob", "carol", "dave", "erin", "alice", "gina", "Bob.Jones+x"];
const DOMAINS: [&str; 8] = [
    "acme.com",
    "eng.acme.com",
    "globex.io",
    "evilacme.com",
    "\u{430}cme.com",
    "ACME.com",
    "bücher.de",
    "acme.com.evil.io",
];
const NAMES: [&str; 10] = [
    "Bob Jones",
    "Carol Ng",
    "José Pérez",
    "Dave",
    "<b>Erin</b>",
    "  Frank  ",
    "a\r\nBcc: x",
    "",
    "Ünïcode Ñame",
    "Globex Person",
];
const TEXTS: [&str; 14] = [
    "Welcome!",
    "hello world",
    "José",
    "jose",
    "logo redesign",
    "",
    "  ",
    "<script>alert(1)</script>",
    "a\u{7}b",
    "line one\r\nline two",
    "thr",
    "perez logo",
    "FREELANC",
    "{{ link }}",
];
const SETTINGS_DOMAINS: [&str; 7] =
    ["acme.com", "globex.io", "eng.acme.com", "bücher.de", "not a domain", "ACME.COM", "gmail.com"];
/// Domains to verify: the organizations' own, a subdomain, a free mail domain
/// (refused), an invalid name, and one with a capital letter.
const VERIFY_DOMAINS: [&str; 7] =
    ["acme.com", "globex.io", "eng.acme.com", "gmail.com", "not a domain", "Globex.IO", "mail.yahoo.com"];
const SECONDS: [i64; 8] = [1, 30, 61, 3600, 86_400, 7 * 86_400, 8 * 86_400, 31 * 86_400];

thread_local! {
    /// What the inputs run by [`features`] reached.
    static FEATURES: std::cell::RefCell<Option<BTreeSet<&'static str>>> = const { std::cell::RefCell::new(None) };
}

/// What an input reaches, by name: the scenarios the named seeds of
/// `corpus/stateful/` stand for (the corpus replay test checks that each
/// still reaches its name, and `cargo run --example seeds` finds inputs
/// for them in a fuzzing corpus).
pub const FEATURES_LIST: [&str; 19] = [
    "approved",
    "denied",
    "accepted_after_approval",
    "approval_refused",
    "awaiting_revoked",
    "awaiting_revoked_by_r7",
    "awaiting_thread_invitation",
    "join_requested",
    "join_approved",
    "join_denied",
    "join_rehired",
    "join_rehire_refused",
    "joined_by_domain",
    "domain_verified",
    "r10_own_raise_refused",
    "r11_rehire",
    "r11_rejoin_refused",
    "r12_starter_protected",
    "r13_resend_refused",
];

/// Runs one input like [`run`] and returns the [`FEATURES_LIST`] entries it reached.
pub fn features(data: &[u8]) -> BTreeSet<&'static str> {
    FEATURES.with(|f| *f.borrow_mut() = Some(BTreeSet::new()));
    run(data);
    FEATURES.with(|f| f.borrow_mut().take()).unwrap_or_default()
}

fn note(feature: &'static str) {
    debug_assert!(FEATURES_LIST.contains(&feature), "{feature}");
    FEATURES.with(|f| {
        if let Some(set) = f.borrow_mut().as_mut() {
            set.insert(feature);
        }
    });
}

/// Notes what step `op` reached, from the states before and after it.
fn note_features(w: &mut World, op: &Op, before: &Snapshot, after: &Snapshot, outcome: &Outcome) {
    if FEATURES.with(|f| f.borrow().is_none()) {
        return;
    }
    use InvitationStatus::{Accepted, AwaitingApproval, Denied, Pending, Revoked};
    let code = match outcome {
        Outcome::Failed(e) => Some(e.code()),
        _ => None,
    };
    for inv in &after.invitations {
        match (before.invitation(inv.id).map(|i| i.status), inv.status) {
            (Some(AwaitingApproval), Pending) => {
                note("approved");
                w.approved.insert(inv.id);
            }
            (Some(AwaitingApproval), Denied) => note("denied"),
            (Some(Pending), Accepted) if w.approved.contains(&inv.id) => note("accepted_after_approval"),
            (Some(AwaitingApproval), Revoked) if matches!(op, Op::Revoke { .. }) => note("awaiting_revoked"),
            (Some(AwaitingApproval), Revoked) => note("awaiting_revoked_by_r7"),
            (None, AwaitingApproval) if !inv.thread_grants.is_empty() => note("awaiting_thread_invitation"),
            _ => {}
        }
    }
    for r in &after.requests {
        match (before.request(r.id).map(|x| x.status), r.status) {
            (None, JoinRequestStatus::Pending) => note("join_requested"),
            (Some(JoinRequestStatus::Pending), JoinRequestStatus::Approved) => {
                note("join_approved");
                let key = r.email_key();
                if before.members.iter().any(|m| m.org_id == r.org_id && m.email_key() == key) {
                    note("join_rehired");
                }
            }
            (Some(JoinRequestStatus::Pending), JoinRequestStatus::Denied) => note("join_denied"),
            _ => {}
        }
    }
    for v in &after.domains {
        let was = before.domains.iter().find(|x| x.org_id == v.org_id && x.domain == v.domain);
        if v.is_verified() && !was.is_some_and(DomainVerification::is_verified) {
            note("domain_verified");
        }
    }
    for m in &after.members {
        let was = before.member(m.id);
        if m.is_active() && was.is_some_and(|w| !w.is_active()) && matches!(op, Op::Accept { .. } | Op::Invite { .. }) {
            note("r11_rehire");
        }
        if was.is_none() && matches!(op, Op::JoinByDomain { .. }) {
            note("joined_by_domain");
        }
    }
    match (op, code) {
        (Op::Approve { .. }, Some("permission_denied")) => note("approval_refused"),
        (Op::DecideJoin { approve: true, .. }, Some("permission_denied")) => {
            let deactivated = |m: &&Member| !m.is_active();
            if before.requests.iter().filter(|r| r.status == JoinRequestStatus::Pending).any(|r| {
                before
                    .members
                    .iter()
                    .filter(deactivated)
                    .any(|m| m.org_id == r.org_id && m.email_key() == r.email_key())
            }) {
                note("join_rehire_refused");
            }
        }
        (Op::SetRole { member, .. }, Some("permission_denied")) if member.kind % 10 == 6 => {
            note("r10_own_raise_refused");
        }
        (Op::JoinByDomain { .. }, Some("permission_denied")) => note("r11_rejoin_refused"),
        (Op::Resend { .. }, Some("domain_not_allowed")) => note("r13_resend_refused"),
        _ => {}
    }
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else { return };
    let policy = match &input.policy {
        None => Policy::default(),
        Some(seed) => {
            let text = seed.to_json().to_string();
            Policy::from_json(&text).unwrap_or_else(|e| panic!("a valid policy is refused: {e}\n{text}"))
        }
    };
    let mut w = World::new(policy);
    let first = w.snapshot();
    w.check(&first, None);
    for (i, op) in input.ops.iter().take(MAX_OPS).enumerate() {
        let Op::Attack(attack) = op else {
            step(&mut w, op, &format!("step {i}: {op:?}"));
            continue;
        };
        w.deactivated.set(None);
        for j in 0.. {
            let Some(op) = attack.step(j, &w, &w.snapshot()) else { break };
            step(&mut w, &op, &format!("step {i}.{j} of {attack:?}: {op:?}"));
        }
    }
}

/// Runs one operation and checks everything after it.
fn step(w: &mut World, op: &Op, ctx: &str) {
    let before = w.snapshot();
    let reach_before = w.reach();
    w.by.set(By::Nobody);
    let outcome = w.apply(op, &before);
    let after = w.snapshot();
    note_features(w, op, &before, &after, &outcome);
    if let Err(e) = reach::check(w.policy(), &reach_before, &w.reach(), w.by.get()) {
        panic!("{ctx}: R14 (docs/rules.md#r14): {e}");
    }
    match outcome {
        Outcome::Failed(e) => {
            check_error(&e);
            w.check_no_secret(&e.to_string(), ctx);
            before.assert_same(&after, &format!("{ctx}: failed with `{}` ({e}) but changed", e.code()));
        }
        Outcome::Read => before.assert_same(&after, &format!("{ctx}: a read-only operation changed")),
        Outcome::Wrote => {}
    }
    w.check(&after, Some((&before, ctx)));
}

enum Outcome {
    Failed(Error),
    Read,
    Wrote,
}

fn outcome<T>(r: &invitekit::Result<T>, read_only: bool) -> Outcome {
    match r {
        Err(e) => Outcome::Failed(e.clone()),
        Ok(_) if read_only => Outcome::Read,
        Ok(_) => Outcome::Wrote,
    }
}

/// The whole state, as the store keeps it.
#[derive(Debug, PartialEq)]
struct Snapshot {
    now: Timestamp,
    orgs: Vec<Organization>,
    members: Vec<Member>,
    teams: Vec<Option<Team>>,
    invitations: Vec<Invitation>,
    /// Requests to join, newest first by organization.
    requests: Vec<JoinRequest>,
    domains: Vec<DomainVerification>,
    events: Vec<Vec<Event>>,
    sends: Vec<Vec<Timestamp>>,
    threads: Vec<(Option<Thread>, Vec<Participant>)>,
    emails: Vec<Option<OutgoingEmail>>,
    due: Vec<OutgoingEmail>,
    tokens: Vec<Option<InvitationId>>,
    member_ids: Vec<MemberId>,
}

impl Snapshot {
    /// Panics, naming what differs, unless `other` is the same state. A link
    /// learnt during the step (a draft's) may be added to the end of `tokens`.
    fn assert_same(&self, other: &Snapshot, ctx: &str) {
        let tokens = other.tokens.get(..self.tokens.len()) == Some(&self.tokens[..]);
        let fields: [(&str, bool); 14] = [
            ("now", self.now == other.now),
            ("orgs", self.orgs == other.orgs),
            ("members", self.members == other.members),
            ("teams", self.teams == other.teams),
            ("invitations", self.invitations == other.invitations),
            ("requests", self.requests == other.requests),
            ("domains", self.domains == other.domains),
            ("events", self.events == other.events),
            ("sends", self.sends == other.sends),
            ("threads", self.threads == other.threads),
            ("emails", self.emails == other.emails),
            ("due", self.due == other.due),
            ("tokens", tokens),
            ("member_ids", self.member_ids == other.member_ids),
        ];
        let differ: Vec<&str> = fields.iter().filter(|(_, same)| !same).map(|(n, _)| *n).collect();
        assert!(differ.is_empty(), "{ctx}: {differ:?}\nbefore: {self:#?}\nafter: {other:#?}");
    }

    fn member(&self, id: MemberId) -> Option<&Member> {
        self.members.iter().find(|m| m.id == id)
    }

    fn thread(&self, id: ThreadId) -> Option<(&Thread, &[Participant])> {
        self.threads.iter().find_map(|(t, ps)| t.as_ref().filter(|t| t.id == id).map(|t| (t, ps.as_slice())))
    }

    fn participant(&self, thread: ThreadId, member: MemberId) -> Option<&Participant> {
        self.thread(thread).and_then(|(_, ps)| ps.iter().find(|p| p.member_id == member))
    }

    fn invitation(&self, id: InvitationId) -> Option<&Invitation> {
        self.invitations.iter().find(|i| i.id == id)
    }

    fn request(&self, id: invitekit::JoinRequestId) -> Option<&JoinRequest> {
        self.requests.iter().find(|r| r.id == id)
    }

    fn org(&self, id: OrgId) -> Option<&Organization> {
        self.orgs.iter().find(|o| o.id == id)
    }

    /// Whether `org` verified a domain `domain` matches as one of its
    /// auto-join domains (a subdomain too where it allows subdomains).
    fn joins_on_verified(&self, org: &Organization, domain: &str) -> bool {
        org.settings.auto_join_domains.iter().any(|d| {
            invitekit::email::domain_matches(domain, d, org.settings.allow_subdomains)
                && self.domains.iter().any(|v| v.org_id == org.id && v.domain == *d && v.is_verified())
        })
    }

    /// What `member` holds in `thread` if they can see it: active, of the
    /// thread's organization, a participant holding `read`.
    fn visible(&self, member: MemberId, thread: ThreadId) -> Option<PermissionSet> {
        let m = self.member(member)?;
        let (t, _) = self.thread(thread)?;
        let p = self.participant(thread, member)?;
        (m.is_active() && t.org_id == m.org_id && p.permissions.contains(Permission::Read)).then_some(p.permissions)
    }
}

struct World {
    kit: InviteKit<MemoryStore>,
    clock: ManualClock,
    orgs: Vec<OrgId>,
    teams: Vec<TeamId>,
    threads: Vec<ThreadId>,
    drafts: Vec<Draft>,
    links: Vec<String>,
    emails: Vec<EmailId>,
    /// Every message body posted, by thread, for the search oracle.
    bodies: HashMap<ThreadId, Vec<String>>,
    /// Organizations that have had an active member who manages them.
    governed: BTreeSet<OrgId>,
    /// Who authorizes the step being run, for R14.
    by: Cell<By>,
    /// The member the last deactivation moved, for [`Attack`].
    deactivated: Cell<Option<MemberId>>,
    /// Invitations approved so far, for [`features`].
    approved: BTreeSet<InvitationId>,
}

fn secret_of(link: &str) -> &str {
    link.rsplit('/').next().unwrap_or(link)
}

impl World {
    fn new(policy: Policy) -> World {
        let clock = ManualClock::new();
        let kit = InviteKit::builder().policy(policy).clock(clock.clone()).in_memory();
        let admin_role = kit
            .policy()
            .roles()
            .iter()
            .find(|r| r.manages_organization())
            .map(|r| r.name().to_owned())
            .expect("a policy has a role that manages the organization");
        let acme = kit.create_organization("Acme Corp", "acme", "https://acme.example.com/portal", &["acme.com"]);
        let globex = kit.create_organization("Globex", "globex", "https://globex.example.com", &[] as &[&str]);
        let (acme, globex) = (acme.expect("acme"), globex.expect("globex"));
        kit.add_member(acme.id, "alice@acme.com", "Alice Admin", &admin_role).expect("alice");
        kit.add_member(globex.id, "gina@globex.io", "Gina Admin", &admin_role).expect("gina");
        let design = kit.create_team(acme.id, "Design").expect("design");
        let ops = kit.create_team(globex.id, "Ops").expect("ops");
        // A member of each role at Acme, and a thread in each organization
        // (unless the administrators' role cannot read threads), so that most
        // operations have someone and something to act on from the first step.
        let roles: Vec<String> = kit.policy().roles().iter().take(4).map(|r| r.name().to_owned()).collect();
        for (i, role) in roles.iter().enumerate() {
            kit.add_member(acme.id, &format!("{}@acme.com", LOCALS[i]), NAMES[i], role).expect("a member");
        }
        // Globex lets its own domain, which it verified, join without an
        // invitation, and has a member of the default role beside its
        // administrator, whom she can deactivate (`Fresh(3, 2)` is Dave's
        // address again: R11). Acme verified its domain, lets nobody join by
        // it yet, and has started verifying a subdomain.
        kit.add_member(globex.id, "dave@globex.io", "Dave", kit.policy().default_role()).expect("dave");
        let admin = |org: OrgId, email: &str| {
            let members = kit.list_members(org).expect("the members");
            members.iter().find(|m| m.email == email).map(|m| m.id).expect("the administrator")
        };
        let (alice, gina) = (admin(acme.id, "alice@acme.com"), admin(globex.id, "gina@globex.io"));
        for (who, org, domain) in [(gina, globex.id, "globex.io"), (alice, acme.id, "acme.com")] {
            let v = kit.start_domain_verification(who, org, domain).expect("a challenge");
            kit.verify_domain(who, org, domain, &[v.record_value.as_str()]).expect("verified");
        }
        kit.start_domain_verification(alice, acme.id, "eng.acme.com").expect("a challenge");
        let auto_join = SettingsUpdate {
            auto_join_domains: Some(vec!["globex.io".into()]),
            domain_join: Some(DomainJoin::Automatic),
            ..SettingsUpdate::default()
        };
        kit.set_organization_settings(gina, globex.id, &auto_join).expect("auto-join");
        let mut threads = Vec::new();
        for admin in ["alice@acme.com", "gina@globex.io"] {
            let org = if admin.ends_with("acme.com") { acme.id } else { globex.id };
            let key = EmailAddress::parse(admin).expect("an address");
            let m = kit.store().read(|tx| tx.member_by_email(org, key.key())).ok().flatten().expect("the admin");
            if let Ok(t) = kit.start_thread(m.id, "fl-42", "José Pérez", "Logo redesign") {
                threads.push(t.id);
            }
        }
        World {
            kit,
            clock,
            orgs: vec![acme.id, globex.id],
            teams: vec![design.id, ops.id],
            threads,
            drafts: Vec::new(),
            links: Vec::new(),
            emails: Vec::new(),
            bodies: HashMap::new(),
            governed: [acme.id, globex.id].into_iter().collect(),
            by: Cell::new(By::Host),
            deactivated: Cell::new(None),
            approved: BTreeSet::new(),
        }
    }

    fn policy(&self) -> &Policy {
        self.kit.policy()
    }

    /// Everyone's reach, read through the public API (R14).
    fn reach(&self) -> Reach {
        Reach::read(&self.kit, &self.orgs, &self.threads)
    }

    fn org_of(&self, s: &Snapshot, member: MemberId) -> Option<OrgId> {
        s.member(member).map(|m| m.org_id)
    }

    /// The actor and the member of an operation on members: the member
    /// first, then mostly an administrator of their organization; with the
    /// member's [`Who::kind`] 6, an administrator acting on themselves (R10).
    fn pick_actor_and_member(&self, s: &Snapshot, actor: Who, member: Who, slot: Slot) -> (MemberId, MemberId) {
        if member.kind % 10 == 6 {
            let a = self.pick_member(s, actor, None, Slot::Admin);
            return (a, a);
        }
        let m = self.pick_member(s, member, None, slot);
        let a = match self.org_of(s, m) {
            Some(org) if !matches!(actor.kind % 10, 0 | 7 | 8 | 9) => self.admin_of(s, org, actor),
            _ => self.pick_member(s, actor, None, Slot::Admin),
        };
        (a, m)
    }

    /// An active administrator of `org`, else whom `who` picks as one.
    fn admin_of(&self, s: &Snapshot, org: OrgId, who: Who) -> MemberId {
        let admins: Vec<MemberId> = s
            .members
            .iter()
            .filter(|x| x.is_active() && x.org_id == org && self.role(x).manages_organization())
            .map(|x| x.id)
            .collect();
        match admins.get(usize::from(who.idx) % admins.len().max(1)) {
            Some(a) => *a,
            None => self.pick_member(s, who, None, Slot::Admin),
        }
    }

    /// A holder of `manage_people` in `thread`; with [`Who::kind`] 1 to 4 or
    /// 6, one who did not start it, if there is one.
    fn pick_manager(&self, s: &Snapshot, who: Who, thread: ThreadId) -> MemberId {
        let deputies: Vec<MemberId> = match s.thread(thread).filter(|_| matches!(who.kind % 10, 1..=4 | 6)) {
            Some((t, ps)) => ps
                .iter()
                .filter(|p| p.permissions.contains(MP) && p.member_id != t.created_by)
                .map(|p| p.member_id)
                .collect(),
            None => Vec::new(),
        };
        match deputies.get(usize::from(who.idx) % deputies.len().max(1)) {
            Some(m) => *m,
            None => self.pick_member(s, who, Some(thread), Slot::Manager),
        }
    }

    /// A participant of `thread`; with [`Who::kind`] 1 to 4 or 6, one who
    /// holds there something `actor` does not, the thread's starter first, if
    /// there is one.
    fn pick_participant(&self, s: &Snapshot, who: Who, thread: ThreadId, actor: MemberId, slot: Slot) -> MemberId {
        let Some((t, ps)) = s.thread(thread).filter(|_| matches!(who.kind % 10, 1..=4 | 6)) else {
            return self.pick_member(s, who, Some(thread), slot);
        };
        let mine = s.participant(thread, actor).map_or(PermissionSet::EMPTY, |p| p.permissions);
        let mut stronger: Vec<MemberId> =
            ps.iter().filter(|p| !p.permissions.is_subset(mine)).map(|p| p.member_id).collect();
        stronger.sort_by_key(|m| *m != t.created_by);
        stronger.first().copied().unwrap_or_else(|| self.pick_member(s, who, Some(thread), slot))
    }

    /// The invitation a token or link stands for, if it is a known one.
    fn invitation_of<'s>(&self, s: &'s Snapshot, token: &str) -> Option<&'s Invitation> {
        let t = Token::from_token_or_link(token).ok()?;
        let i = self.links.iter().position(|l| Token::from_token_or_link(l).is_ok_and(|x| x.hash() == t.hash()))?;
        s.invitation((*s.tokens.get(i)?)?)
    }

    fn role(&self, m: &Member) -> &Role {
        self.policy().role(&m.role).unwrap_or_else(|| panic!("member {} has the unknown role `{}`", m.name, m.role))
    }

    fn snapshot(&self) -> Snapshot {
        let store = self.kit.store();
        let mut s = Snapshot {
            now: self.kit.now(),
            orgs: Vec::new(),
            members: Vec::new(),
            teams: Vec::new(),
            invitations: Vec::new(),
            requests: Vec::new(),
            domains: Vec::new(),
            events: Vec::new(),
            sends: Vec::new(),
            threads: Vec::new(),
            emails: Vec::new(),
            due: Vec::new(),
            tokens: Vec::new(),
            member_ids: Vec::new(),
        };
        let read = store.read(|tx| {
            let epoch = Timestamp::from_millis(0);
            for &o in &self.orgs {
                s.orgs.push(tx.org(o)?.expect("a known organization"));
                s.members.extend(tx.members(o)?);
                s.invitations.extend(tx.invitations(o, None)?);
                s.requests.extend(tx.join_requests(o)?);
                s.domains.extend(tx.domain_verifications(o)?);
                s.events.push(tx.events(o, 0, usize::MAX)?);
                s.sends.push(tx.send_times(o, &SendKey::Org, epoch)?);
            }
            for &t in &self.teams {
                s.teams.push(tx.team(t)?);
            }
            for &t in &self.threads {
                s.threads.push((tx.thread(t)?, tx.participants(t)?));
            }
            for &e in &self.emails {
                s.emails.push(tx.email(e)?);
            }
            s.due = tx.due_emails(Timestamp::from_millis(i64::MAX), usize::MAX)?;
            for link in &self.links {
                let token = Token::from_token_or_link(link)?;
                s.tokens.push(tx.invitation_by_token(&token.hash())?.map(|i| i.id));
            }
            Ok(())
        });
        read.unwrap_or_else(|e| panic!("reading the store: {e}"));
        s.member_ids = s.members.iter().map(|m| m.id).collect();
        s
    }

    // --- Picking from the state ----------------------------------------------
    // A default id is a fresh one, which nothing has.

    fn pick_org(&self, p: Pick) -> OrgId {
        p.of(&self.orgs).unwrap_or_default()
    }

    fn pick_thread(&self, p: Pick) -> ThreadId {
        p.of(&self.threads).unwrap_or_default()
    }

    fn pick_team(&self, p: Pick) -> TeamId {
        p.of(&self.teams).unwrap_or_default()
    }

    /// One team picked is the `team` shorthand; more are `teams` (a pick may
    /// repeat, which the core refuses).
    fn with_teams(&self, opts: InviteOptions, teams: &[Pick]) -> InviteOptions {
        match teams {
            [] => opts,
            [one] => opts.team(self.pick_team(*one)),
            many => opts.teams(many.iter().take(4).map(|t| self.pick_team(*t))),
        }
    }

    fn pick_invitation(&self, s: &Snapshot, p: Pick) -> InvitationId {
        let ids: Vec<InvitationId> = s.invitations.iter().map(|i| i.id).collect();
        p.of(&ids).unwrap_or_default()
    }

    /// Below 128: an invitation awaiting approval, if there is one; else any (as [`World::pick_invitation`]).
    fn pick_awaiting(&self, s: &Snapshot, p: Pick) -> InvitationId {
        let ids: Vec<InvitationId> =
            s.invitations.iter().filter(|i| i.status == InvitationStatus::AwaitingApproval).map(|i| i.id).collect();
        match p.of(&ids) {
            Some(id) if p.0 < 128 => id,
            _ => self.pick_invitation(s, p),
        }
    }

    /// Below 128: a pending request to join, if there is one; else any request.
    fn pick_request(&self, s: &Snapshot, p: Pick) -> invitekit::JoinRequestId {
        let pending: Vec<invitekit::JoinRequestId> =
            s.requests.iter().filter(|r| r.status == JoinRequestStatus::Pending).map(|r| r.id).collect();
        let all: Vec<invitekit::JoinRequestId> = s.requests.iter().map(|r| r.id).collect();
        match p.of(&pending) {
            Some(id) if p.0 < 128 => id,
            _ => p.of(&all).unwrap_or_default(),
        }
    }

    /// Who decides an invitation awaiting approval (`inviter` given) or a
    /// request to join, as `role` in `org`: with [`Who::kind`] 6 the inviter;
    /// 1 to 5 an active member of `org` who may give `role` (R10), not the
    /// inviter, if there is one, else an administrator of `org`; otherwise whomever `who` picks.
    fn pick_decider(&self, s: &Snapshot, who: Who, org: OrgId, role: &str, inviter: Option<MemberId>) -> MemberId {
        match (who.kind % 10, inviter) {
            (6, Some(inviter)) => inviter,
            (1..=6, _) => {
                let fitting: Vec<MemberId> = s
                    .members
                    .iter()
                    .filter(|m| m.is_active() && m.org_id == org && Some(m.id) != inviter)
                    .filter(|m| self.role(m).may_manage_member(role))
                    .map(|m| m.id)
                    .collect();
                match fitting.get(usize::from(who.idx) % fitting.len().max(1)) {
                    Some(m) => *m,
                    None => self.admin_of(s, org, who),
                }
            }
            _ => self.pick_member(s, who, None, Slot::Admin),
        }
    }

    /// An inviter: with [`Who::kind`] 5, a member whose invitations need approval.
    fn pick_inviter(&self, s: &Snapshot, who: Who) -> MemberId {
        self.pick_member(s, who, None, if who.kind % 10 == 5 { Slot::NeedsApproval } else { Slot::Active })
    }

    fn pick_member(&self, s: &Snapshot, who: Who, thread: Option<ThreadId>, slot: Slot) -> MemberId {
        let slot = match who.kind % 10 {
            0 => Slot::Anyone,
            7 => Slot::Participant,
            8 => Slot::Outsider,
            9 => return MemberId::new(),
            _ => slot,
        };
        let thread = thread.and_then(|t| s.thread(t));
        let candidates: Vec<MemberId> = match (slot, thread) {
            (Slot::Anyone, _) => s.member_ids.clone(),
            (Slot::Active, _) => s.members.iter().filter(|m| m.is_active()).map(|m| m.id).collect(),
            (Slot::Admin, _) => s
                .members
                .iter()
                .filter(|m| m.is_active() && self.role(m).manages_organization())
                .map(|m| m.id)
                .collect(),
            (Slot::Deactivated, _) => s.members.iter().filter(|m| !m.is_active()).map(|m| m.id).collect(),
            (Slot::NeedsApproval, _) => s
                .members
                .iter()
                .filter(|m| m.is_active() && self.role(m).may_invite() && self.role(m).invites_need_approval())
                .map(|m| m.id)
                .collect(),
            (Slot::Participant, Some((_, ps))) => ps.iter().map(|p| p.member_id).collect(),
            (Slot::Manager, Some((_, ps))) => {
                ps.iter().filter(|p| p.permissions.contains(MP)).map(|p| p.member_id).collect()
            }
            (Slot::Removable, Some((_, ps))) => {
                let managers = ps.iter().filter(|p| p.permissions.contains(MP)).count();
                ps.iter().filter(|p| !p.permissions.contains(MP) || managers > 1).map(|p| p.member_id).collect()
            }
            (Slot::Outsider, Some((t, ps))) => s
                .members
                .iter()
                .filter(|m| m.is_active() && m.org_id == t.org_id && ps.iter().all(|p| p.member_id != m.id))
                .map(|m| m.id)
                .collect(),
            (_, None) => Vec::new(),
        };
        let pool = if candidates.is_empty() { &s.member_ids } else { &candidates };
        pool.get(usize::from(who.idx) % pool.len().max(1)).copied().unwrap_or_else(MemberId::new)
    }

    fn email(&self, s: &Snapshot, e: &EmailSel) -> String {
        self.email_at(s, e, None)
    }

    /// An address for an operation in organization `org`.
    fn email_at(&self, s: &Snapshot, e: &EmailSel, org: Option<OrgId>) -> String {
        match e {
            EmailSel::Member(p, shout) => {
                let mut gone: Vec<&Member> = s.members.iter().filter(|m| !m.is_active()).collect();
                if gone.iter().any(|m| Some(m.org_id) == org) {
                    gone.retain(|m| Some(m.org_id) == org);
                }
                let m = if p.0 >= 128 && !gone.is_empty() {
                    gone.get(usize::from(p.0) % gone.len()).copied()
                } else {
                    s.members.get(usize::from(p.0) % s.members.len().max(1))
                };
                let addr = m.map(|m| m.email.clone()).unwrap_or_else(|| "nobody@acme.com".into());
                if *shout { addr.to_uppercase() } else { addr }
            }
            EmailSel::Fresh(l, d) => {
                format!("{}@{}", LOCALS[usize::from(*l) % LOCALS.len()], DOMAINS[usize::from(*d) % DOMAINS.len()])
            }
            EmailSel::Raw(s) => s.clone(),
        }
    }

    fn role_name(&self, r: RoleSel) -> String {
        match r {
            RoleSel::Policy(i) => {
                let roles = self.policy().roles();
                roles[usize::from(i) % roles.len()].name().to_owned()
            }
            RoleSel::Unknown => "Full".to_owned(),
        }
    }

    /// The grant to pass, and the permissions it stands for (`None`: invalid).
    /// `Fitting` looks at what `actor` holds in `thread` and what `target` may hold.
    fn grant(
        &self,
        s: &Snapshot,
        g: GrantSel,
        actor: MemberId,
        thread: ThreadId,
        target: Option<&str>,
    ) -> (Grant, Option<PermissionSet>) {
        let presets = self.policy().presets();
        let preset = |p: &invitekit::Preset| (Grant::preset(p.name()), Some(p.permissions()));
        match g {
            GrantSel::Fitting(i) => {
                let holds = s.visible(actor, thread).unwrap_or(PermissionSet::EMPTY);
                let grantable = s.member(actor).map_or(PermissionSet::EMPTY, |a| self.role(a).grantable_permissions());
                let ceiling =
                    target.and_then(|r| self.policy().role(r)).map_or(PermissionSet::EMPTY, Role::thread_ceiling);
                let allowed = holds.intersection(grantable).intersection(ceiling);
                if i >= 192 && !allowed.is_empty() {
                    return (Grant::permissions(&allowed.names()), Some(allowed));
                }
                let fitting: Vec<&invitekit::Preset> =
                    presets.iter().filter(|p| p.permissions().is_subset(allowed)).collect();
                match fitting.get(usize::from(i) % fitting.len().max(1)) {
                    Some(p) => preset(p),
                    None => self.grant(s, GrantSel::Preset(i), actor, thread, target),
                }
            }
            GrantSel::Preset(i) if i < 250 && !presets.is_empty() => preset(&presets[usize::from(i) % presets.len()]),
            GrantSel::Preset(_) => (Grant::preset("no_such_preset"), None),
            GrantSel::Perms(bits) => {
                let set = PermissionSet::from_bits(bits & 31).unwrap_or(PermissionSet::EMPTY);
                (Grant::permissions(&set.names()), (!set.is_empty()).then_some(set))
            }
        }
    }

    /// The address of the invitation behind a token, if the token is a known one.
    fn invited_email(&self, s: &Snapshot, token: &str) -> Option<String> {
        self.invitation_of(s, token).map(|inv| inv.email.clone())
    }

    /// The address an invitee acts with: the one given, or the invitation's.
    fn invitee_email(&self, s: &Snapshot, e: &Option<EmailSel>, token: &str) -> String {
        match e {
            Some(e) => self.email(s, e),
            None => self.invited_email(s, token).unwrap_or_else(|| "bob@acme.com".to_owned()),
        }
    }

    fn token(&self, t: &TokenSel) -> String {
        let link = |p: &Pick| self.links.get(usize::from(p.0) % self.links.len().max(1)).cloned();
        match t {
            TokenSel::Link(p) => link(p).unwrap_or_default(),
            TokenSel::Bare(p) => link(p).map(|l| secret_of(&l).to_owned()).unwrap_or_default(),
            TokenSel::Mangled(p, at) => {
                let mut chars: Vec<char> = link(p).map(|l| secret_of(&l).chars().collect()).unwrap_or_default();
                if !chars.is_empty() {
                    let i = usize::from(*at) % chars.len();
                    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
                }
                chars.into_iter().collect()
            }
            TokenSel::Newest => self.links.last().cloned().unwrap_or_default(),
            TokenSel::Raw(s) => s.clone(),
        }
    }

    // --- Operations --------------------------------------------------------------

    fn apply(&mut self, op: &Op, s: &Snapshot) -> Outcome {
        let kit = &self.kit;
        match op {
            Op::CreateOrg { name, slug, domains } => {
                self.by.set(By::Host);
                if self.orgs.len() >= 4 {
                    return Outcome::Read;
                }
                let picked: Vec<&str> = SETTINGS_DOMAINS
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| domains >> i & 1 == 1)
                    .map(|(_, d)| *d)
                    .collect();
                let slug = ["acme", "initech", "umbrella", "x", "Bad_Slug"][usize::from(*slug) % 5];
                let r = kit.create_organization(&name_text(name), slug, "https://portal.example.com/", &picked);
                if let Ok(org) = &r {
                    assert!(s.orgs.iter().all(|o| o.slug != org.slug), "two organizations with the slug {slug}");
                    self.orgs.push(org.id);
                }
                outcome(&r, false)
            }
            Op::AddMember { org, email, name, role } => {
                self.by.set(By::Host);
                let org = self.pick_org(*org);
                let email = self.email(s, email);
                let r = kit.add_member(org, &email, &name_text(name), &self.role_name(*role));
                if let Ok(m) = &r {
                    let key = EmailAddress::parse(&email).expect("an added member's address parses");
                    assert_eq!(m.email_key(), key.key());
                    let before = s.members.iter().find(|x| x.org_id == org && x.email_key() == m.email_key());
                    assert!(before.is_none_or(|b| !b.is_active()), "an active member added twice");
                    if self.role(m).manages_organization() {
                        self.governed.insert(org);
                    }
                }
                outcome(&r, false)
            }
            Op::CreateTeam { org, name } => {
                self.by.set(By::Host);
                let r = kit.create_team(self.pick_org(*org), &name_text(name));
                if let Ok(t) = &r {
                    self.teams.push(t.id);
                }
                outcome(&r, false)
            }
            Op::Settings { actor, org, change } => {
                let org = self.pick_org(*org);
                let actor = match actor.kind % 10 {
                    1..=5 => self.admin_of(s, org, *actor),
                    _ => self.pick_member(s, *actor, None, Slot::Admin),
                };
                self.by.set(By::Member(actor));
                let update = settings(change);
                let r = kit.set_organization_settings(actor, org, &update);
                if r.is_ok() {
                    let m = s.member(actor).expect("the actor exists");
                    assert!(m.is_active() && self.role(m).manages_organization(), "settings changed by {m:?}");
                }
                outcome(&r, false)
            }
            Op::Draft { actor, email, message, teams, role } => {
                let actor = self.pick_inviter(s, *actor);
                self.by.set(By::Member(actor));
                let mut opts = InviteOptions::new();
                if let Some(m) = message {
                    opts = opts.message(text(m));
                }
                opts = self.with_teams(opts, teams);
                if let Some(r) = role {
                    opts = opts.role(self.role_name(*r));
                }
                let r = kit.draft_invitation(actor, &self.email_at(s, email, self.org_of(s, actor)), opts);
                if let Ok(d) = &r {
                    let preview = d.preview();
                    assert!(!preview.subject.chars().any(char::is_control), "subject {:?}", preview.subject);
                    assert!(!format!("{d:?}").contains(secret_of(d.link())), "Debug shows the token");
                    self.links.push(d.link().to_owned());
                    self.drafts.push(d.clone());
                }
                outcome(&r, true)
            }
            Op::Send { draft, deliver } => {
                let Some(d) = self.drafts.get(usize::from(draft.0) % self.drafts.len().max(1)).cloned() else {
                    return Outcome::Read;
                };
                let r = kit.send_invitation(&d, *deliver);
                if let Ok(inv) = &r {
                    self.check_sent(s, inv);
                }
                outcome(&r, false)
            }
            Op::InviteMany { actor, emails, teams, role } => {
                let actor = self.pick_inviter(s, *actor);
                self.by.set(By::Member(actor));
                let list: Vec<String> =
                    emails.iter().take(8).map(|e| self.email_at(s, e, self.org_of(s, actor))).collect();
                let mut opts = InviteOptions::new();
                opts = self.with_teams(opts, teams);
                if let Some(r) = role {
                    opts = opts.role(self.role_name(*r));
                }
                let r = kit.invite_many(actor, &list, opts);
                match &r {
                    Ok(results) => {
                        assert_eq!(results.len(), list.len());
                        for (res, e) in results.iter().zip(&list) {
                            assert_eq!(&res.email, e);
                            match (&res.invitation, &res.error) {
                                (Some(inv), None) => self.check_sent(s, inv),
                                (None, Some(err)) => check_error(err),
                                _ => panic!("an invite_many result with both or neither: {res:?}"),
                            }
                        }
                        let sent = results.iter().filter(|r| r.invitation.is_some()).count();
                        let after = self.snapshot();
                        assert_eq!(after.invitations.len(), s.invitations.len() + sent, "invite_many: invitations");
                        if sent == 0 {
                            s.assert_same(&after, "invite_many sent nothing but changed");
                        }
                        Outcome::Wrote
                    }
                    Err(_) => outcome(&r, false),
                }
            }
            Op::Peek { token } => {
                let r = kit.peek_invitation(&self.token(token));
                outcome(&r, true)
            }
            Op::Invite { actor, email, message, teams, role, deliver, accept } => {
                let actor = self.pick_inviter(s, *actor);
                self.by.set(By::Member(actor));
                let mut opts = InviteOptions::new();
                if let Some(m) = message {
                    opts = opts.message(text(m));
                }
                opts = self.with_teams(opts, teams);
                if let Some(r) = role {
                    opts = opts.role(self.role_name(*r));
                }
                let draft = match kit.draft_invitation(actor, &self.email_at(s, email, self.org_of(s, actor)), opts) {
                    Ok(d) => d,
                    Err(e) => return Outcome::Failed(e),
                };
                self.links.push(draft.link().to_owned());
                let r = kit.send_invitation(&draft, *deliver);
                if let Ok(inv) = &r {
                    self.check_sent(s, inv);
                    if *accept {
                        let sent = self.snapshot();
                        match kit.accept_invitation(draft.link(), draft.email(), NAMES[0]) {
                            Ok(acc) => self.check_accepted(&sent, &acc),
                            Err(e) => check_error(&e),
                        }
                    }
                }
                outcome(&r, false)
            }
            Op::Accept { token, email, name } => {
                let token = self.token(token);
                // Whoever accepts, the inviter is who let them in (R11, R14).
                if let Some(inv) = self.invitation_of(s, &token) {
                    self.by.set(By::Member(inv.inviter_id));
                }
                let email = self.invitee_email(s, email, &token);
                let r = kit.accept_invitation(&token, &email, &name_text(name));
                if let Ok(acc) = &r {
                    self.check_accepted(s, acc);
                }
                outcome(&r, false)
            }
            Op::Decline { token, email } => {
                let token = self.token(token);
                let email = self.invitee_email(s, email, &token);
                let r = kit.decline_invitation(&token, &email);
                if let Ok(inv) = &r {
                    let before = s.invitation(inv.id).expect("a declined invitation existed");
                    assert!(before.is_live(s.now), "a dead invitation declined: {before:?}");
                }
                outcome(&r, false)
            }
            Op::Revoke { actor, inv } => {
                let actor = self.pick_member(s, *actor, None, Slot::Admin);
                self.by.set(By::Member(actor));
                let id = self.pick_invitation(s, *inv);
                let r = kit.revoke_invitation(actor, id);
                if r.is_ok() {
                    let inv = s.invitation(id).expect("a revoked invitation existed");
                    let a = s.member(actor).expect("the actor exists");
                    // One awaiting approval can be revoked too.
                    assert!(matches!(inv.status, InvitationStatus::Pending | InvitationStatus::AwaitingApproval));
                    assert!(a.is_active() && a.org_id == inv.org_id);
                    assert!(inv.inviter_id == a.id || self.role(a).manages_organization(), "revoked by {a:?}");
                }
                outcome(&r, false)
            }
            Op::Resend { actor, inv } => {
                let id = self.pick_invitation(s, *inv);
                let actor = match (s.invitation(id), actor.kind % 10) {
                    (Some(i), 6) => i.inviter_id,
                    (Some(i), 1..=5) => self.admin_of(s, i.org_id, *actor),
                    _ => self.pick_member(s, *actor, None, Slot::Admin),
                };
                self.by.set(By::Member(actor));
                let r = kit.resend_invitation(actor, id);
                if let Ok(resent) = &r {
                    let before = s.invitation(id).expect("a resent invitation existed");
                    assert_eq!(before.status, InvitationStatus::Pending);
                    self.check_resent(s, before);
                    assert!(!format!("{resent:?}").contains(secret_of(&resent.link)), "Debug shows the token");
                    // The old links stop working, the new one works.
                    let after = self.snapshot();
                    for (i, t) in after.tokens.iter().enumerate() {
                        assert!(t != &Some(id) || s.tokens.get(i) != Some(&Some(id)), "an old link still works");
                    }
                    self.links.push(resent.link.clone());
                    let token = Token::from_token_or_link(&resent.link).expect("a resend's link parses");
                    let found = kit.store().read(|tx| tx.invitation_by_token(&token.hash()));
                    assert_eq!(found.ok().flatten().map(|i| i.id), Some(id), "the new link does not work");
                }
                outcome(&r, false)
            }
            Op::ListInvitations { actor, status } => {
                let actor = self.pick_member(s, *actor, None, Slot::Active);
                self.by.set(By::Member(actor));
                let status = status.map(|i| {
                    [
                        InvitationStatus::Pending,
                        InvitationStatus::Accepted,
                        InvitationStatus::Revoked,
                        InvitationStatus::Declined,
                        InvitationStatus::Expired,
                        InvitationStatus::AwaitingApproval,
                        InvitationStatus::Denied,
                    ][usize::from(i) % 7]
                });
                let r = kit.list_invitations(actor, status);
                if let Ok(list) = &r {
                    let a = s.member(actor).expect("the actor exists");
                    let all = self.role(a).manages_organization();
                    for inv in list {
                        assert_eq!(inv.org_id, a.org_id, "another organization's invitation listed");
                        assert!(all || inv.inviter_id == a.id, "someone else's invitation listed");
                        assert!(status.is_none_or(|st| st == inv.status));
                    }
                    self.check_no_secret(&format!("{list:?}"), "list_invitations");
                }
                outcome(&r, true)
            }
            Op::InvitationsForEmail { email } => {
                let r = kit.invitations_for_email(&self.email(s, email));
                if let Ok(list) = &r {
                    assert!(list.iter().all(|i| i.is_live(s.now)));
                }
                outcome(&r, true)
            }
            Op::JoinByDomain { org, email, name } => {
                let org = self.pick_org(*org);
                let email = self.email_at(s, email, Some(org));
                let r = kit.join_by_domain(org, &email, &name_text(name));
                let Ok(res) = &r else { return outcome(&r, false) };
                let o = s.org(org).expect("the organization exists");
                let key = EmailAddress::parse(&email).expect("an address that joined parses");
                // Only an allowed address on a verified auto-join domain.
                assert!(o.allows(&key), "{email} joined {} outside its allowed domains", o.name);
                assert!(
                    s.joins_on_verified(o, key.domain()),
                    "{email} joined {} on no verified auto-join domain",
                    o.name
                );
                let before = s.members.iter().find(|m| m.org_id == org && m.email_key() == key.key());
                assert!(before.is_none(), "{email}, a member (active or not), joined by domain: R11");
                match res.kind {
                    JoinKind::Joined => {
                        assert_eq!(
                            o.settings.domain_join,
                            DomainJoin::Automatic,
                            "joined in mode {:?}",
                            o.settings.domain_join
                        );
                        let m = res.member.as_ref().expect("the member who joined");
                        assert!(res.request.is_none());
                        assert_eq!((m.role.as_str(), m.org_id), (self.policy().default_role(), org));
                        if self.role(m).manages_organization() {
                            self.governed.insert(org);
                        }
                    }
                    JoinKind::Requested => {
                        assert_eq!(
                            o.settings.domain_join,
                            DomainJoin::Request,
                            "asked to join in mode {:?}",
                            o.settings.domain_join
                        );
                        let req = res.request.as_ref().expect("the request");
                        assert!(res.member.is_none());
                        assert_eq!(
                            (req.role.as_str(), req.org_id, req.status),
                            (self.policy().default_role(), org, JoinRequestStatus::Pending)
                        );
                        assert_eq!(req.email_key(), key.key());
                        // Asking again is the request already waiting, and changes nothing.
                        let waiting = s.requests.iter().find(|x| {
                            x.org_id == org && x.email_key() == key.key() && x.status == JoinRequestStatus::Pending
                        });
                        if let Some(w) = waiting {
                            assert_eq!(w.id, req.id, "a second request from {email}");
                            return Outcome::Read;
                        }
                    }
                }
                outcome(&r, false)
            }
            Op::SetRole { actor, member, role } => {
                let (actor, target) = self.pick_actor_and_member(s, *actor, *member, Slot::Active);
                self.by.set(By::Member(actor));
                let r = kit.set_role(actor, target, &self.role_name(*role));
                if let Ok(m) = &r {
                    let a = s.member(actor).expect("the actor exists");
                    assert!(a.is_active() && self.role(a).manages_organization() && a.org_id == m.org_id);
                    self.check_clamped(s, m);
                }
                outcome(&r, false)
            }
            Op::Deactivate { actor, member } => {
                let (actor, target) = self.pick_actor_and_member(s, *actor, *member, Slot::Active);
                self.by.set(By::Member(actor));
                let r = kit.deactivate_member(actor, target);
                if let Ok(m) = &r {
                    self.deactivated.set(Some(m.id));
                    let a = s.member(actor).expect("the actor exists");
                    assert!(a.is_active() && self.role(a).manages_organization() && a.org_id == m.org_id);
                    assert!(!m.is_active());
                    self.check_clamped(s, m);
                }
                outcome(&r, false)
            }
            Op::StartThread { actor, freelancer, title } => {
                let actor = self.pick_member(s, *actor, None, Slot::Active);
                self.by.set(By::Member(actor));
                let r = kit.start_thread(actor, "fl-42", &name_text(freelancer), &name_text(title));
                if let Ok(t) = &r {
                    let a = s.member(actor).expect("the actor exists");
                    let ps = kit.store().read(|tx| tx.participants(t.id)).expect("participants");
                    // R3: the starter holds their role's whole ceiling.
                    let got: Vec<(MemberId, PermissionSet)> = ps.iter().map(|p| (p.member_id, p.permissions)).collect();
                    assert_eq!(got, [(actor, self.role(a).thread_ceiling())], "R3");
                    self.threads.push(t.id);
                }
                outcome(&r, false)
            }
            Op::Post { actor, thread, body } => {
                let thread = self.pick_thread(*thread);
                let actor = self.pick_member(s, *actor, Some(thread), Slot::Participant);
                self.by.set(By::Member(actor));
                let r = kit.post_message(actor, thread, &text(body));
                if let Ok(m) = &r {
                    let holds = s.visible(actor, thread).expect("posted to a thread the actor cannot see");
                    assert!(holds.contains(Permission::Write), "posted without `write`");
                    self.bodies.entry(thread).or_default().push(m.body.clone());
                }
                outcome(&r, false)
            }
            Op::PostFreelancer { thread, body } => {
                let thread = self.pick_thread(*thread);
                let r = kit.post_freelancer_message(thread, &text(body));
                if let Ok(m) = &r {
                    self.bodies.entry(thread).or_default().push(m.body.clone());
                }
                outcome(&r, false)
            }
            Op::Search { actor, thread, query, limit } => {
                let thread = self.pick_thread(*thread);
                let actor = self.pick_member(s, *actor, Some(thread), Slot::Participant);
                self.by.set(By::Member(actor));
                let query = text(query);
                let limit = usize::from(*limit % 8);
                let r = kit.search_threads(actor, &query, limit, None);
                if let Ok(page) = &r {
                    self.check_search(s, actor, &query, limit, page);
                }
                outcome(&r, true)
            }
            Op::People { actor, thread } => {
                let thread = self.pick_thread(*thread);
                let r = kit.people(self.pick_member(s, *actor, Some(thread), Slot::Participant), thread);
                outcome(&r, true)
            }
            Op::FindCoworkers { actor, query, limit } => {
                let actor = self.pick_member(s, *actor, None, Slot::Active);
                self.by.set(By::Member(actor));
                let query = text(query);
                let limit = usize::from(*limit % 12);
                let r = kit.find_coworkers(actor, &query, limit);
                if let Ok(found) = &r {
                    let a = s.member(actor).expect("the actor exists");
                    let terms = coworker_terms(&query);
                    let mut expected: Vec<&Member> = s
                        .members
                        .iter()
                        .filter(|m| m.is_active() && m.org_id == a.org_id && m.id != a.id && !terms.is_empty())
                        .filter(|m| {
                            let w = member_words(&m.name, &m.email);
                            terms.iter().all(|t| w.iter().any(|x| x.starts_with(t.as_str())))
                        })
                        .collect();
                    expected.sort_by(|x, y| x.name.to_lowercase().cmp(&y.name.to_lowercase()).then(x.id.cmp(&y.id)));
                    expected.truncate(limit);
                    let got: Vec<MemberId> = found.iter().map(|m| m.id).collect();
                    let want: Vec<MemberId> = expected.iter().map(|m| m.id).collect();
                    assert_eq!(got, want, "find_coworkers({query:?}) by {}", a.name);
                }
                outcome(&r, true)
            }
            Op::Options { actor, thread } => {
                let thread = self.pick_thread(*thread);
                let r = kit.permission_options(self.pick_member(s, *actor, Some(thread), Slot::Participant), thread);
                outcome(&r, true)
            }
            Op::Add { actor, thread, member, grant } => {
                let thread = self.pick_thread(*thread);
                let actor = self.pick_member(s, *actor, Some(thread), Slot::Manager);
                self.by.set(By::Member(actor));
                let target = self.pick_member(s, *member, Some(thread), Slot::Outsider);
                let target_role = s.member(target).map(|m| m.role.clone());
                let (g, perms) = self.grant(s, *grant, actor, thread, target_role.as_deref());
                let r = kit.add_to_thread(actor, thread, target, &g);
                let target_ok = |m: &Member| {
                    let t = s.thread(thread).map(|(t, _)| t.org_id);
                    m.is_active() && Some(m.org_id) == t && s.participant(thread, m.id).is_none()
                };
                self.check_grant_outcome(
                    s,
                    &r.as_ref().map(|p| p.permissions),
                    actor,
                    thread,
                    target,
                    perms,
                    target_ok,
                );
                outcome(&r, false)
            }
            Op::InviteToThread { actor, thread, email, grant, message } => {
                let thread = self.pick_thread(*thread);
                // With kind 5, a manager there whose invitations need approval, if there is one.
                let needing: Vec<MemberId> = match s.thread(thread).filter(|_| actor.kind % 10 == 5) {
                    Some((_, ps)) => ps
                        .iter()
                        .filter(|p| p.permissions.contains(MP))
                        .filter(|p| s.member(p.member_id).is_some_and(|m| self.role(m).invites_need_approval()))
                        .map(|p| p.member_id)
                        .collect(),
                    None => Vec::new(),
                };
                let actor = match needing.get(usize::from(actor.idx) % needing.len().max(1)) {
                    Some(m) => *m,
                    None => self.pick_member(s, *actor, Some(thread), Slot::Manager),
                };
                self.by.set(By::Member(actor));
                let email = self.email_at(s, email, self.org_of(s, actor));
                let default_role = self.policy().default_role().to_owned();
                let (g, perms) = self.grant(s, *grant, actor, thread, Some(&default_role));
                let opts = message.as_ref().map_or_else(InviteOptions::new, |m| InviteOptions::new().message(text(m)));
                let r = kit.invite_to_thread(actor, thread, &email, &g, opts);
                if let Ok(res) = &r {
                    let perms = perms.expect("a grant that names nothing succeeded");
                    let holds = s.visible(actor, thread).expect("invited into a thread the actor cannot see");
                    assert!(holds.contains(MP) && perms.is_subset(holds), "R4 (a) on invite_to_thread");
                    let a = s.member(actor).expect("the actor exists");
                    assert!(perms.is_subset(self.role(a).grantable_permissions()), "R4 (b) on invite_to_thread");
                    match (&res.participant, &res.invitation) {
                        (Some(p), None) => assert_eq!(p.permissions, perms),
                        (None, Some(inv)) => {
                            self.check_sent(s, inv);
                            assert_eq!(inv.thread_grants.len(), 1);
                            assert_eq!(
                                (inv.thread_grants[0].thread_id, inv.thread_grants[0].permissions),
                                (thread, perms)
                            );
                        }
                        _ => panic!("invite_to_thread did both or neither: {res:?}"),
                    }
                }
                outcome(&r, false)
            }
            Op::Change { actor, thread, member, grant } => {
                let thread = self.pick_thread(*thread);
                let actor = self.pick_manager(s, *actor, thread);
                self.by.set(By::Member(actor));
                let target = self.pick_participant(s, *member, thread, actor, Slot::Participant);
                let target_role = s.member(target).map(|m| m.role.clone());
                let (g, perms) = self.grant(s, *grant, actor, thread, target_role.as_deref());
                let r = kit.change_permissions(actor, thread, target, &g);
                let target_ok = |m: &Member| {
                    let t = s.thread(thread).map(|(t, _)| t.org_id);
                    m.is_active() && Some(m.org_id) == t && s.participant(thread, m.id).is_some()
                };
                self.check_grant_outcome(
                    s,
                    &r.as_ref().map(|p| p.permissions),
                    actor,
                    thread,
                    target,
                    perms,
                    target_ok,
                );
                if r.is_ok() {
                    let before = s.participant(thread, target).expect("a participant");
                    if before.permissions.contains(MP) && !perms.is_some_and(|p| p.contains(MP)) {
                        assert!(self.another_manager(s, thread, target), "the last `manage_people` taken away");
                    }
                }
                self.note_starter_protected(s, thread, target, r.as_ref().err());
                outcome(&r, false)
            }
            Op::Remove { actor, thread, member } => {
                let thread = self.pick_thread(*thread);
                let actor = self.pick_manager(s, *actor, thread);
                self.by.set(By::Member(actor));
                let target = self.pick_participant(s, *member, thread, actor, Slot::Removable);
                let r = kit.remove_from_thread(actor, thread, target);
                self.note_starter_protected(s, thread, target, r.as_ref().err());
                if r.is_ok() {
                    let holds = s.visible(actor, thread).expect("removed from a thread the actor cannot see");
                    assert!(holds.contains(MP), "removed without `manage_people`");
                    let before = s.participant(thread, target).expect("removed a non-participant");
                    if before.permissions.contains(MP) {
                        assert!(self.another_manager(s, thread, target), "the last `manage_people` removed");
                    }
                }
                outcome(&r, false)
            }
            Op::Leave { actor, thread } => {
                let thread = self.pick_thread(*thread);
                let actor = self.pick_member(s, *actor, Some(thread), Slot::Removable);
                self.by.set(By::Member(actor));
                let r = kit.leave_thread(actor, thread);
                if r.is_ok() {
                    let before = s.participant(thread, actor).expect("left a thread one was not in");
                    if before.permissions.contains(MP) {
                        assert!(self.another_manager(s, thread, actor), "the last `manage_people` left");
                    }
                }
                outcome(&r, false)
            }
            Op::OutboxPending { limit } => {
                let r = kit.outbox_pending(usize::from(*limit % 12));
                if let Ok(list) = &r {
                    for e in list {
                        assert!(!e.subject.chars().any(char::is_control), "subject {:?}", e.subject);
                        assert!(EmailAddress::parse(&e.to).is_ok(), "recipient {:?}", e.to);
                        // The link in the email is how an invitee gets the token.
                        // The inviter's message may quote text that looks like
                        // a link too (found by this target: a message holding
                        // a mangled link); only words that read as a token are
                        // learned, and the email must hold at least one.
                        let links: Vec<&str> = e
                            .text
                            .split_whitespace()
                            .filter(|w| w.contains("/join/ikinv_") && Token::from_token_or_link(w).is_ok())
                            .collect();
                        if !matches!(e.kind, EmailKind::Invitation | EmailKind::ThreadInvitation) {
                            // A manager asked to approve, an inviter told of a
                            // denial, a requester: no invitee's link reaches them.
                            let body = format!("{}\n{}\n{}", e.subject, e.text, e.html);
                            self.check_no_secret(&body, &format!("an email of kind {:?}", e.kind));
                            if !self.emails.contains(&e.id) {
                                self.emails.push(e.id);
                            }
                            continue;
                        }
                        assert!(!links.is_empty(), "an invitation email without a join link");
                        for link in links {
                            if !self.links.iter().any(|l| l == link) {
                                self.links.push(link.to_owned());
                            }
                        }
                        if !self.emails.contains(&e.id) {
                            self.emails.push(e.id);
                        }
                    }
                    if list.is_empty() {
                        return Outcome::Read;
                    }
                }
                outcome(&r, false)
            }
            Op::OutboxAck { email } => {
                let r = kit.outbox_ack(email.of(&self.emails).unwrap_or_else(EmailId::new));
                outcome(&r, false)
            }
            Op::OutboxFail { email, reason } => {
                let r = kit.outbox_fail(email.of(&self.emails).unwrap_or_else(EmailId::new), &text(reason));
                outcome(&r, false)
            }
            Op::Events { actor, after, limit } => {
                let actor = self.pick_member(s, *actor, None, Slot::Admin);
                self.by.set(By::Member(actor));
                let r = kit.events(actor, after.map(u64::from), usize::from(*limit % 40));
                if let Ok(list) = &r {
                    let a = s.member(actor).expect("the actor exists");
                    assert!(self.role(a).manages_organization(), "the audit log read by {a:?}");
                    assert!(list.iter().all(|e| e.org_id == a.org_id), "another organization's events");
                    assert!(list.iter().all(|e| after.is_none_or(|x| e.seq > u64::from(x))));
                }
                outcome(&r, true)
            }
            Op::Advance { secs } => {
                self.clock.advance(SECONDS[usize::from(*secs) % SECONDS.len()]);
                Outcome::Wrote
            }
            Op::Approve { actor, inv } => {
                let id = self.pick_awaiting(s, *inv);
                let actor = match s.invitation(id) {
                    Some(i) => self.pick_decider(s, *actor, i.org_id, &i.role, Some(i.inviter_id)),
                    None => self.pick_member(s, *actor, None, Slot::Admin),
                };
                self.by.set(By::Member(actor));
                let reach_before = self.reach();
                let r = kit.approve_invitation(actor, id);
                if let Ok(approved) = &r {
                    let before = s.invitation(id).expect("an approved invitation existed");
                    self.check_decided(s, actor, before);
                    // R14: the approval is the approver's act (their reach bounds the
                    // role the invitee gets), and the inviter's role still gives it.
                    if let Err(e) =
                        reach::approval(self.policy(), &reach_before, actor, before.inviter_id, &before.role)
                    {
                        panic!("R14 (docs/rules.md#r14): {e}");
                    }
                    // Everything a send checks held at that moment (R13).
                    self.check_resent(s, before);
                    assert_eq!((approved.id, approved.status), (id, InvitationStatus::Pending));
                    assert!(approved.expires_at > s.now, "approved with an expiry that has passed");
                    let emails = kit.store().read(|tx| tx.pending_emails_for(id)).expect("its emails");
                    let to_invitee: Vec<&OutgoingEmail> = emails
                        .iter()
                        .filter(|e| matches!(e.kind, EmailKind::Invitation | EmailKind::ThreadInvitation))
                        .collect();
                    assert!(emails.iter().all(|e| e.kind != EmailKind::ApprovalRequested), "approval requests left");
                    if before.delivered {
                        assert_eq!(to_invitee.len(), 1, "the approved invitation's email");
                        assert_eq!(to_invitee[0].to, before.email);
                        // It has a new link: the draft's stops working.
                        let after = self.snapshot();
                        for (i, t) in after.tokens.iter().enumerate() {
                            assert!(t != &Some(id) || s.tokens.get(i) != Some(&Some(id)), "an old link still works");
                        }
                    } else {
                        assert!(to_invitee.is_empty(), "an invitation shared by link emailed its invitee");
                    }
                }
                outcome(&r, false)
            }
            Op::Deny { actor, inv, reason } => {
                let id = self.pick_awaiting(s, *inv);
                let actor = match s.invitation(id) {
                    Some(i) => self.pick_decider(s, *actor, i.org_id, &i.role, Some(i.inviter_id)),
                    None => self.pick_member(s, *actor, None, Slot::Admin),
                };
                self.by.set(By::Member(actor));
                let reason = reason.as_ref().map(text);
                let r = kit.deny_invitation(actor, id, reason.as_deref());
                if let Ok(denied) = &r {
                    let before = s.invitation(id).expect("a denied invitation existed");
                    self.check_decided(s, actor, before);
                    assert_eq!((denied.id, denied.status), (id, InvitationStatus::Denied));
                    // Only the inviter hears of it.
                    let emails = kit.store().read(|tx| tx.pending_emails_for(id)).expect("its emails");
                    let inviter = s.member(before.inviter_id).expect("the inviter");
                    let told: Vec<(EmailKind, &str)> = emails.iter().map(|e| (e.kind, e.to.as_str())).collect();
                    assert_eq!(told, [(EmailKind::InvitationDenied, inviter.email.as_str())], "a denial's emails");
                }
                outcome(&r, false)
            }
            Op::DecideJoin { actor, request, approve, reason } => {
                let id = self.pick_request(s, *request);
                let actor = match s.request(id) {
                    Some(r) => self.pick_decider(s, *actor, r.org_id, &r.role, None),
                    None => self.pick_member(s, *actor, None, Slot::Admin),
                };
                self.by.set(By::Member(actor));
                let check = |w: &World| {
                    let req = s.request(id).expect("a decided request existed");
                    let a = s.member(actor).expect("the actor exists");
                    assert_eq!(req.status, JoinRequestStatus::Pending, "a decided request decided again");
                    assert!(a.is_active() && a.org_id == req.org_id, "a request decided by {a:?}");
                    assert!(
                        w.role(a).may_manage_member(&req.role),
                        "R10: `{}` let someone in as `{}`",
                        a.role,
                        req.role
                    );
                    req
                };
                if *approve {
                    let r = kit.approve_join_request(actor, id);
                    if let Ok(m) = &r {
                        let req = check(self);
                        let o = s.org(req.org_id).expect("the organization");
                        let key = EmailAddress::parse(&req.email).expect("a request's address parses");
                        assert!(o.allows(&key), "approved outside the allowed domains");
                        assert_eq!(
                            (m.role.as_str(), m.org_id, m.email_key()),
                            (req.role.as_str(), req.org_id, key.key().to_owned())
                        );
                        assert!(m.is_active());
                        match s.members.iter().find(|x| x.org_id == req.org_id && x.email_key() == key.key()) {
                            Some(was) => {
                                // R11: a deactivated member comes back only by one who may reactivate them.
                                assert!(!was.is_active() && was.id == m.id, "approved for an active member");
                                let a = s.member(actor).expect("the actor exists");
                                assert!(
                                    self.role(a).may_manage_member(&was.role),
                                    "R11: `{}` brought back `{}`",
                                    a.role,
                                    was.role
                                );
                                self.check_clamped(s, m);
                            }
                            None => assert!(s.member(m.id).is_none()),
                        }
                        if self.role(m).manages_organization() {
                            self.governed.insert(m.org_id);
                        }
                    }
                    return outcome(&r, false);
                }
                let reason = reason.as_ref().map(text);
                let r = kit.deny_join_request(actor, id, reason.as_deref());
                if let Ok(denied) = &r {
                    check(self);
                    assert_eq!((denied.id, denied.status), (id, JoinRequestStatus::Denied));
                }
                outcome(&r, false)
            }
            Op::ListJoinRequests { actor, status } => {
                let actor = self.pick_member(s, *actor, None, Slot::Admin);
                self.by.set(By::Member(actor));
                let status = status.map(|i| {
                    [JoinRequestStatus::Pending, JoinRequestStatus::Approved, JoinRequestStatus::Denied]
                        [usize::from(i) % 3]
                });
                let r = kit.list_join_requests(actor, status);
                if let Ok(list) = &r {
                    let a = s.member(actor).expect("the actor exists");
                    assert!(a.is_active() && self.role(a).manages_organization(), "requests listed by {a:?}");
                    let expected: Vec<&JoinRequest> = s
                        .requests
                        .iter()
                        .filter(|r| r.org_id == a.org_id && status.is_none_or(|st| r.status == st))
                        .collect();
                    assert_eq!(list.iter().collect::<Vec<_>>(), expected, "list_join_requests");
                }
                outcome(&r, true)
            }
            Op::StartVerification { actor, org, domain } => {
                let org = self.pick_org(*org);
                let actor = match actor.kind % 10 {
                    1..=5 => self.admin_of(s, org, *actor),
                    _ => self.pick_member(s, *actor, None, Slot::Admin),
                };
                self.by.set(By::Member(actor));
                let domain = VERIFY_DOMAINS[usize::from(*domain) % VERIFY_DOMAINS.len()];
                let r = kit.start_domain_verification(actor, org, domain);
                if let Ok(v) = &r {
                    let a = s.member(actor).expect("the actor exists");
                    assert!(
                        a.is_active() && a.org_id == org && self.role(a).manages_organization(),
                        "verified by {a:?}"
                    );
                    assert!(!invitekit::is_free_mail(&v.domain), "a free mail domain to verify: {}", v.domain);
                    assert_eq!(v.record_name, format!("_invitekit-challenge.{}", v.domain));
                    // Asking again changes nothing.
                    if let Some(was) = s.domains.iter().find(|x| x.org_id == org && x.domain == v.domain) {
                        assert_eq!(was, v, "a verification started again changed");
                        return Outcome::Read;
                    }
                    // Each organization's challenge is its own.
                    assert!(s.domains.iter().all(|x| x.record_value != v.record_value), "a challenge reused");
                }
                outcome(&r, false)
            }
            Op::Verify { actor, org, domain, txt } => {
                let org = self.pick_org(*org);
                let actor = match actor.kind % 10 {
                    1..=5 => self.admin_of(s, org, *actor),
                    _ => self.pick_member(s, *actor, None, Slot::Admin),
                };
                self.by.set(By::Member(actor));
                let domain = VERIFY_DOMAINS[usize::from(*domain) % VERIFY_DOMAINS.len()];
                let key = invitekit::email::normalize_domain(domain).ok();
                let mine = s.domains.iter().find(|v| v.org_id == org && Some(&v.domain) == key.as_ref());
                let theirs = s.domains.iter().find(|v| v.org_id != org && Some(&v.domain) == key.as_ref());
                let value = |v: Option<&DomainVerification>| {
                    v.map_or("invitekit-verification=nothing", |v| &v.record_value).to_owned()
                };
                let values: Vec<String> = match txt % 5 {
                    0 => vec![value(mine)],
                    1 => vec![format!("  \"{}\" ", value(mine))],
                    2 => vec!["v=spf1 -all".to_owned(), value(theirs), value(mine)],
                    3 => vec![value(theirs)],
                    _ => vec!["invitekit-verification=".to_owned(), String::new()],
                };
                let r = kit.verify_domain(actor, org, domain, &values);
                if let Ok(v) = &r {
                    let a = s.member(actor).expect("the actor exists");
                    assert!(
                        a.is_active() && a.org_id == org && self.role(a).manages_organization(),
                        "verified by {a:?}"
                    );
                    let was = mine.expect("a domain verified without a challenge");
                    assert!(v.is_verified());
                    if was.is_verified() {
                        assert_eq!(was, v, "verifying a verified domain changed it");
                        return Outcome::Read;
                    }
                    // Only the organization's own challenge proves it.
                    let found = values.iter().any(|t| t.trim().trim_matches('"').trim() == was.record_value);
                    assert!(found, "verified by {values:?}, the challenge was {}", was.record_value);
                }
                outcome(&r, false)
            }
            Op::ListDomains { actor, org } => {
                let org = self.pick_org(*org);
                let actor = self.pick_member(s, *actor, None, Slot::Admin);
                self.by.set(By::Member(actor));
                let r = kit.list_domains(actor, org);
                if let Ok(list) = &r {
                    let a = s.member(actor).expect("the actor exists");
                    assert!(a.org_id == org && self.role(a).manages_organization(), "domains listed by {a:?}");
                    let expected: Vec<&DomainVerification> = s.domains.iter().filter(|v| v.org_id == org).collect();
                    assert_eq!(list.iter().collect::<Vec<_>>(), expected, "list_domains");
                }
                outcome(&r, true)
            }
            // `run` turns an attack into its steps.
            Op::Attack(_) => Outcome::Read,
            Op::Reactivate { actor, member } => {
                let (actor, target) = self.pick_actor_and_member(s, *actor, *member, Slot::Deactivated);
                self.by.set(By::Member(actor));
                let r = kit.reactivate_member(actor, target);
                if let Ok(m) = &r {
                    // The same member, with the role they had and no thread seat (R11).
                    let before = s.member(target).expect("a reactivated member existed");
                    assert!(m.is_active() && m.role == before.role, "reactivated as {m:?}, was {before:?}");
                    if !before.is_active() {
                        self.check_clamped(s, m);
                    }
                }
                outcome(&r, false)
            }
        }
    }

    /// [`features`]: R12 kept a participant from changing or removing the thread's starter.
    fn note_starter_protected(&self, s: &Snapshot, thread: ThreadId, target: MemberId, e: Option<&Error>) {
        let starter = s.thread(thread).is_some_and(|(t, _)| t.created_by == target);
        if starter && e.is_some_and(|e| e.code() == "permission_denied") {
            note("r12_starter_protected");
        }
    }

    fn another_manager(&self, s: &Snapshot, thread: ThreadId, except: MemberId) -> bool {
        s.thread(thread).is_some_and(|(_, ps)| ps.iter().any(|p| p.member_id != except && p.permissions.contains(MP)))
    }

    /// R4 for `add_to_thread` and `change_permissions`: a success was allowed
    /// in the state before; a refusal naming a part of R4 names the right one.
    #[allow(clippy::too_many_arguments)]
    fn check_grant_outcome(
        &self,
        s: &Snapshot,
        r: &Result<PermissionSet, &Error>,
        actor: MemberId,
        thread: ThreadId,
        target: MemberId,
        perms: Option<PermissionSet>,
        target_ok: impl Fn(&Member) -> bool,
    ) {
        let holds = s.visible(actor, thread);
        let actor_m = s.member(actor);
        let target_m = s.member(target).filter(|m| target_ok(m));
        match r {
            Ok(given) => {
                let perms = perms.expect("a grant that names nothing succeeded");
                assert_eq!(*given, perms);
                let holds = holds.expect("a grant in a thread the actor cannot see");
                let (a, t) = (actor_m.expect("the actor"), target_m.expect("a target that cannot take part"));
                let check = self.policy().check_grant(self.role(a), holds, self.role(t), perms);
                assert_eq!(check, Ok(()), "R4 let through {perms:?} from {} to {}", a.name, t.name);
            }
            Err(Error::PermissionDenied { check: Some(c), .. }) => {
                if let (Some(holds), Some(a), Some(perms)) = (holds, actor_m, perms) {
                    if !holds.contains(MP) {
                        assert_eq!(*c, GrantCheck::ActorHoldings);
                    } else if let Some(t) = target_m {
                        let expected = self.policy().check_grant(self.role(a), holds, self.role(t), perms);
                        assert_eq!(Err(*c), expected, "R4 named the wrong check");
                    }
                }
            }
            Err(_) => {}
        }
    }

    /// R1, R2 and R4 for an invitation just sent, against the state before.
    fn check_sent(&self, s: &Snapshot, inv: &Invitation) {
        let inviter = s.member(inv.inviter_id).expect("the inviter exists");
        let role = self.role(inviter);
        assert!(inviter.is_active() && inviter.org_id == inv.org_id);
        assert!(role.may_invite() && role.may_give_role(&inv.role), "R2: `{}` invited as `{}`", inviter.role, inv.role);
        assert!(inv.team_ids.len() <= invitekit::MAX_TEAMS);
        for (i, team) in inv.team_ids.iter().enumerate() {
            assert!(role.may_assign_team(), "R1: `{}` assigned a team", inviter.role);
            assert!(s.teams.iter().flatten().any(|t| t.id == *team && t.org_id == inv.org_id), "R1: a foreign team");
            assert!(!inv.team_ids[..i].contains(team), "a team listed twice");
        }
        let key = inv.email_key();
        assert!(
            !s.members.iter().any(|m| m.org_id == inv.org_id && m.is_active() && m.email_key() == key),
            "invited an active member"
        );
        assert!(
            !s.invitations.iter().any(|i| i.org_id == inv.org_id && i.email_key() == key && i.is_open(s.now)),
            "invited an address with a live invitation, or one awaiting approval"
        );
        // It awaits approval exactly when the inviter's role needs it, and then
        // emails nobody but the members who may approve it (R10 for its role).
        let awaiting = inv.status == InvitationStatus::AwaitingApproval;
        assert_eq!(awaiting, role.invites_need_approval(), "`{}` sent an invitation {:?}", inviter.role, inv.status);
        assert!(awaiting || inv.status == InvitationStatus::Pending, "sent as {:?}", inv.status);
        if awaiting {
            let emails = self.kit.store().read(|tx| tx.pending_emails_for(inv.id)).expect("its emails");
            assert!(
                emails.iter().all(|e| e.kind == EmailKind::ApprovalRequested),
                "an invitation awaiting approval emailed its invitee"
            );
            let told: Vec<String> = emails.iter().map(|e| e.to.to_ascii_lowercase()).collect();
            let approvers: BTreeSet<String> = s
                .members
                .iter()
                .filter(|m| m.is_active() && m.org_id == inv.org_id && m.id != inv.inviter_id)
                .filter(|m| self.role(m).may_manage_member(&inv.role))
                .map(|m| m.email.to_ascii_lowercase())
                .collect();
            assert_eq!(told.len(), approvers.len(), "approval requests to {told:?}");
            assert_eq!(told.into_iter().collect::<BTreeSet<_>>(), approvers, "who is asked to approve");
        }
        for g in &inv.thread_grants {
            let holds = s.visible(inviter.id, g.thread_id).expect("a grant on a thread the inviter cannot see");
            let target = self.policy().role(&inv.role).expect("the invitation's role");
            assert_eq!(self.policy().check_grant(role, holds, target, g.permissions), Ok(()), "R4 on a thread grant");
        }
    }

    /// Who may approve or deny an invitation awaiting approval, against the
    /// state before: another active member of its organization whose role
    /// may give its role (R10); its inviter's role still may (R7).
    fn check_decided(&self, s: &Snapshot, actor: MemberId, inv: &Invitation) {
        assert_eq!(inv.status, InvitationStatus::AwaitingApproval, "decided an invitation that did not await approval");
        let a = s.member(actor).expect("the actor exists");
        assert!(a.is_active() && a.org_id == inv.org_id, "an invitation decided by {a:?}");
        assert_ne!(a.id, inv.inviter_id, "an inviter decided their own invitation");
        assert!(self.role(a).may_manage_member(&inv.role), "R10: `{}` decided an invitation as `{}`", a.role, inv.role);
    }

    /// R13 for a resend, against the state before: what a send checks held
    /// at that moment (allowed domains, R1, R2, R4 on each thread grant with
    /// the inviter's current role and holdings).
    fn check_resent(&self, s: &Snapshot, inv: &Invitation) {
        let org = s.orgs.iter().find(|o| o.id == inv.org_id).expect("the invitation's organization");
        let email = EmailAddress::parse(&inv.email).expect("an invitation's address parses");
        assert!(org.allows(&email), "R13: resent to {} outside {:?}", inv.email, org.allowed_domains);
        let key = inv.email_key();
        assert!(
            !s.members.iter().any(|m| m.org_id == inv.org_id && m.is_active() && m.email_key() == key),
            "R13: resent to an active member"
        );
        let inviter = s.member(inv.inviter_id).expect("the inviter exists");
        let role = self.role(inviter);
        assert!(inviter.is_active() && role.may_invite() && role.may_give_role(&inv.role), "R13: R2 on a resend");
        assert!(inv.team_ids.is_empty() || role.may_assign_team(), "R13: R1 on a resend");
        let invitee = self.policy().role(&inv.role).expect("the invitation's role");
        for g in &inv.thread_grants {
            let holds = s.visible(inviter.id, g.thread_id).expect("R13: a grant on a thread the inviter cannot see");
            let check = self.policy().check_grant(role, holds, invitee, g.permissions);
            assert_eq!(check, Ok(()), "R13: R4 on a resent thread grant {g:?}");
        }
    }

    /// Acceptance (docs/rules.md#lifecycle) and R8 for an acceptance, against the state before.
    fn check_accepted(&self, s: &Snapshot, acc: &invitekit::Acceptance) {
        let inv = s.invitation(acc.invitation.id).expect("the accepted invitation existed");
        assert!(inv.is_live(s.now), "accepted an invitation that was not live: {inv:?}");
        let m = &acc.member;
        assert_eq!((m.role.as_str(), m.org_id), (inv.role.as_str(), inv.org_id));
        assert_eq!(m.team_ids, inv.team_ids);
        assert_eq!(m.email_key(), inv.email_key());
        let inviter = s.member(inv.inviter_id).expect("the inviter");
        assert!(inviter.is_active(), "accepted an invitation from a deactivated inviter");
        let ps: BTreeMap<ThreadId, PermissionSet> = self
            .threads
            .iter()
            .filter_map(|&t| {
                let p = self.kit.store().read(|tx| tx.participant(t, m.id)).ok().flatten()?;
                Some((t, p.permissions))
            })
            .collect();
        for g in &inv.thread_grants {
            let passes = s.visible(inviter.id, g.thread_id).is_some_and(|holds| {
                self.policy().check_grant(self.role(inviter), holds, self.role(m), g.permissions).is_ok()
            }) && s.participant(g.thread_id, m.id).is_none();
            let dropped = acc.dropped_grants.contains(&g.thread_id);
            assert_eq!(passes, !dropped, "R8 on the grant {g:?}");
            if !dropped {
                assert_eq!(ps.get(&g.thread_id), Some(&g.permissions), "a kept grant was not applied");
            }
        }
    }

    /// R7 after a role change or a deactivation.
    fn check_clamped(&self, s: &Snapshot, m: &Member) {
        let ceiling = if m.is_active() { self.role(m).thread_ceiling() } else { PermissionSet::EMPTY };
        for &t in &self.threads {
            let before = s.participant(t, m.id).map(|p| p.permissions);
            let now = self.kit.store().read(|tx| tx.participant(t, m.id)).ok().flatten().map(|p| p.permissions);
            let expected = before.map(|p| p.intersection(ceiling)).filter(|p| !p.is_empty());
            assert_eq!(now, expected, "R7: {}'s permissions in a thread", m.name);
        }
    }

    fn check_search(&self, s: &Snapshot, actor: MemberId, query: &str, limit: usize, page: &invitekit::ThreadPage) {
        let terms = words(query);
        let mut expected: Vec<&Thread> = s
            .threads
            .iter()
            .filter_map(|(t, _)| t.as_ref())
            .filter(|t| s.visible(actor, t.id).is_some())
            .filter(|t| {
                let mut w = words(&t.title);
                w.extend(words(&t.freelancer_name));
                for b in self.bodies.get(&t.id).into_iter().flatten() {
                    w.extend(words(b));
                }
                terms.iter().all(|q| w.iter().any(|x| x.starts_with(q.as_str())))
            })
            .collect();
        expected.sort_by(|a, b| b.last_activity_at.cmp(&a.last_activity_at).then(b.id.cmp(&a.id)));
        let got: Vec<ThreadId> = page.threads.iter().map(|t| t.id).collect();
        let all: BTreeSet<ThreadId> = expected.iter().map(|t| t.id).collect();
        assert!(got.iter().all(|t| all.contains(t)), "search {query:?} found a thread it should not: R9");
        assert_eq!(got.len(), expected.len().min(limit), "search {query:?}: {got:?} vs {all:?}");
        assert_eq!(page.next_cursor.is_some(), expected.len() > limit, "search {query:?}: the cursor");
        // Following the cursors gives every match once, newest activity first.
        let mut seen = got.clone();
        let mut cursor = page.next_cursor.clone();
        while let Some(c) = cursor {
            let next = self.kit.search_threads(actor, query, limit, Some(&c)).expect("the next page");
            seen.extend(next.threads.iter().map(|t| t.id));
            cursor = next.next_cursor;
            assert!(seen.len() <= expected.len(), "paging repeats threads");
        }
        let want: Vec<ThreadId> = expected.iter().map(|t| t.id).collect();
        let by_activity = |ids: &[ThreadId]| -> Vec<Timestamp> {
            ids.iter().filter_map(|id| s.thread(*id).map(|(t, _)| t.last_activity_at)).collect()
        };
        assert_eq!(by_activity(&seen), by_activity(&want), "search {query:?}: order");
        assert_eq!(seen.iter().collect::<BTreeSet<_>>(), want.iter().collect::<BTreeSet<_>>(), "search {query:?}");
    }

    fn check_no_secret(&self, text: &str, ctx: &str) {
        for link in &self.links {
            assert!(!text.contains(secret_of(link)), "{ctx}: a token shows: {text}");
        }
    }

    // --- Invariants -----------------------------------------------------------------

    fn check(&mut self, s: &Snapshot, step: Option<(&Snapshot, &str)>) {
        let ctx = step.map_or("setup", |(_, c)| c);
        // An organization that had someone to run it keeps one.
        for o in &s.orgs {
            let governed =
                s.members.iter().any(|m| m.org_id == o.id && m.is_active() && self.role(m).manages_organization());
            if governed {
                self.governed.insert(o.id);
            } else {
                assert!(!self.governed.contains(&o.id), "{ctx}: {} lost its last administrator", o.name);
            }
        }
        let p = self.policy();
        // The audit log: gap-free, append-only, and no token in it.
        for (o, events) in s.events.iter().enumerate() {
            for (i, e) in events.iter().enumerate() {
                assert_eq!(e.seq, i as u64 + 1, "{ctx}: event seq");
                assert_eq!(e.org_id, self.orgs[o], "{ctx}: an event in the wrong log");
            }
            if let Some((before, _)) = step
                && let Some(old) = before.events.get(o)
            {
                assert!(
                    events.len() >= old.len() && events[..old.len()] == old[..],
                    "{ctx}: the audit log was rewritten"
                );
            }
            self.check_no_secret(&serde_json::to_string(events).unwrap_or_default(), ctx);
        }
        // Members: unique addresses, known roles, their own organization's teams.
        let mut keys = BTreeSet::new();
        for m in &s.members {
            assert!(keys.insert((m.org_id, m.email_key())), "{ctx}: two members with {}", m.email);
            assert!(p.role(&m.role).is_some(), "{ctx}: unknown role `{}`", m.role);
            for t in &m.team_ids {
                assert!(s.teams.iter().flatten().any(|x| x.id == *t && x.org_id == m.org_id), "{ctx}: a foreign team");
            }
        }
        // R6, R7: participants are active members of the thread's organization within their ceiling.
        for (t, ps) in &s.threads {
            let Some(t) = t else { continue };
            for x in ps {
                let m = s.member(x.member_id).unwrap_or_else(|| panic!("{ctx}: a participant who is no member"));
                assert!(m.is_active(), "{ctx}: deactivated {} takes part in {}", m.name, t.title);
                assert_eq!(m.org_id, t.org_id, "{ctx}: {} of another organization takes part", m.name);
                let ceiling = self.role(m).thread_ceiling();
                assert!(!x.permissions.is_empty(), "{ctx}: {} holds nothing", m.name);
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
        // An invitation's organization, inviter, address and role never
        // change (an approval lets in what the inviter sent); only one
        // awaiting approval is approved or denied, and nothing goes back to awaiting.
        if let Some((before, _)) = step {
            for inv in &s.invitations {
                let Some(was) = before.invitation(inv.id) else {
                    // (`Op::Invite` may accept it in the same step.)
                    let sent = matches!(
                        inv.status,
                        InvitationStatus::Pending | InvitationStatus::AwaitingApproval | InvitationStatus::Accepted
                    );
                    assert!(sent, "{ctx}: an invitation appeared as {:?}", inv.status);
                    continue;
                };
                let fixed = |i: &Invitation| (i.org_id, i.inviter_id, i.email_key(), i.role.clone());
                assert_eq!(fixed(inv), fixed(was), "{ctx}: an invitation changed");
                if inv.status != was.status {
                    let from_awaiting = was.status == InvitationStatus::AwaitingApproval;
                    match inv.status {
                        InvitationStatus::AwaitingApproval => panic!("{ctx}: an invitation back to awaiting approval"),
                        InvitationStatus::Denied => {
                            assert!(from_awaiting, "{ctx}: a {:?} invitation denied", was.status)
                        }
                        InvitationStatus::Pending => {
                            assert!(from_awaiting, "{ctx}: a {:?} invitation pending again", was.status)
                        }
                        _ => {}
                    }
                }
            }
            // A request's address and role never change; only a pending one is decided.
            for r in &s.requests {
                let Some(was) = before.request(r.id) else {
                    assert_eq!(r.status, JoinRequestStatus::Pending, "{ctx}: a request appeared decided");
                    continue;
                };
                assert_eq!((r.org_id, r.email_key(), &r.role), (was.org_id, was.email_key(), &was.role), "{ctx}");
                assert!(
                    r.status == was.status || was.status == JoinRequestStatus::Pending,
                    "{ctx}: a request decided twice"
                );
            }
            // A verified domain stays verified, and a challenge never changes.
            for v in &before.domains {
                let now = s.domains.iter().find(|x| x.org_id == v.org_id && x.domain == v.domain);
                let now = now.unwrap_or_else(|| panic!("{ctx}: the verification of {} vanished", v.domain));
                assert_eq!(now.record_value, v.record_value, "{ctx}: a challenge changed");
                assert!(!v.is_verified() || now == v, "{ctx}: a verified domain changed");
            }
        }
        // A free mail domain is never an auto-join domain, nor verified.
        for o in &s.orgs {
            let free = o.settings.auto_join_domains.iter().find(|d| invitekit::is_free_mail(d));
            assert!(free.is_none(), "{ctx}: {} lets {free:?} join", o.name);
        }
        assert!(s.domains.iter().all(|v| !invitekit::is_free_mail(&v.domain)), "{ctx}: a free mail domain to verify");
        // The emails waiting for an invitation are the ones its status calls
        // for: its invitee's while pending, the approval requests while it
        // awaits approval, the inviter's notice once denied, none once over.
        for inv in &s.invitations {
            let waiting = self.kit.store().read(|tx| tx.pending_emails_for(inv.id)).expect("an invitation's emails");
            let fits = |k: EmailKind| match inv.status {
                InvitationStatus::Pending | InvitationStatus::Expired => {
                    matches!(k, EmailKind::Invitation | EmailKind::ThreadInvitation)
                }
                InvitationStatus::AwaitingApproval => k == EmailKind::ApprovalRequested,
                InvitationStatus::Denied => k == EmailKind::InvitationDenied,
                InvitationStatus::Accepted | InvitationStatus::Revoked | InvitationStatus::Declined => false,
            };
            let kinds: Vec<EmailKind> = waiting.iter().map(|e| e.kind).collect();
            assert!(
                kinds.iter().all(|k| fits(*k)),
                "{ctx}: a {:?} invitation has emails {kinds:?} waiting",
                inv.status
            );
            if inv.status == InvitationStatus::Pending {
                assert!(kinds.len() <= 1, "{ctx}: a pending invitation has emails {kinds:?} waiting");
            }
        }
        // One pending request per address.
        let mut asking = BTreeSet::new();
        for r in s.requests.iter().filter(|r| r.status == JoinRequestStatus::Pending) {
            assert!(asking.insert((r.org_id, r.email_key())), "{ctx}: two pending requests from {}", r.email);
            assert!(p.role(&r.role).is_some(), "{ctx}: a request as the unknown role `{}`", r.role);
        }
        // R7: a pending invitation, or one awaiting approval, is one its
        // inviter's current role could send; one per address.
        let mut open = BTreeSet::new();
        for inv in &s.invitations {
            if inv.is_open(s.now) {
                assert!(open.insert((inv.org_id, inv.email_key())), "{ctx}: two open invitations to {}", inv.email);
            }
            if !matches!(inv.status, InvitationStatus::Pending | InvitationStatus::AwaitingApproval) {
                continue;
            }
            let inviter = s.member(inv.inviter_id).unwrap_or_else(|| panic!("{ctx}: an invitation without inviter"));
            assert!(inviter.is_active(), "{ctx}: a pending invitation from deactivated {}", inviter.name);
            let role = self.role(inviter);
            assert!(role.may_invite() && role.may_give_role(&inv.role), "{ctx}: R7 on the invitation's role");
            assert!(inv.team_ids.is_empty() || role.may_assign_team(), "{ctx}: R7 on the invitation's teams");
            let invitee = p.role(&inv.role).unwrap_or_else(|| panic!("{ctx}: unknown role `{}`", inv.role));
            for g in &inv.thread_grants {
                let most = role.grantable_permissions().intersection(role.thread_ceiling());
                assert!(!g.permissions.is_empty(), "{ctx}: an empty thread grant");
                assert!(g.permissions.is_subset(most), "{ctx}: R7 on a thread grant {g:?}");
                assert!(g.permissions.is_subset(invitee.thread_ceiling()), "{ctx}: R4 (c) on a thread grant {g:?}");
            }
        }
        // R5, R9: who sees what, by every path.
        for m in &s.members {
            let searched = self.kit.search_threads(m.id, "", 100, None);
            let seen: BTreeSet<ThreadId> = match &searched {
                Ok(page) => {
                    assert!(m.is_active(), "{ctx}: deactivated {} can search", m.name);
                    page.threads.iter().map(|t| t.id).collect()
                }
                Err(e) => {
                    check_error(e);
                    assert!(!m.is_active(), "{ctx}: {} cannot search: {e}", m.name);
                    BTreeSet::new()
                }
            };
            for &t in &self.threads {
                let holds = s.visible(m.id, t);
                let what = format!("{ctx}: {} ({}) on thread {t}", m.name, m.role);
                assert_eq!(seen.contains(&t), holds.is_some(), "{what}: search");
                let people = self.kit.people(m.id, t);
                let options = self.kit.permission_options(m.id, t);
                match (holds, people, options) {
                    (None, Err(pe), Err(oe)) => {
                        check_error(&pe);
                        check_error(&oe);
                        if m.is_active() {
                            assert_eq!((pe.code(), oe.code()), ("not_found", "not_found"), "{what}");
                        }
                    }
                    (Some(holds), Ok(people), Ok(options)) => {
                        let (thread, ps) = s.thread(t).expect("a visible thread exists");
                        assert_eq!(people.freelancer_name, thread.freelancer_name, "{what}");
                        let shown: Vec<(MemberId, PermissionSet)> =
                            people.participants.iter().map(|x| (x.member_id, x.permissions)).collect();
                        let stored: Vec<(MemberId, PermissionSet)> =
                            ps.iter().map(|x| (x.member_id, x.permissions)).collect();
                        assert_eq!(shown, stored, "{what}: people");
                        let role = self.role(m);
                        let expected: Vec<&str> = p
                            .presets()
                            .iter()
                            .filter(|pr| {
                                holds.contains(MP)
                                    && pr.permissions().is_subset(holds.intersection(role.grantable_permissions()))
                            })
                            .map(|pr| pr.name())
                            .collect();
                        assert_eq!(options, expected, "{what}: R5");
                    }
                    (holds, people, options) => panic!(
                        "{what}: visible {}, but people {:?} and permission_options {:?}",
                        holds.is_some(),
                        people.map(|_| ()),
                        options.map(|_| ())
                    ),
                }
            }
        }
        // The outbox: one-line subjects.
        for e in &s.due {
            assert!(!e.subject.chars().any(char::is_control), "{ctx}: subject {:?}", e.subject);
        }
        for e in s.emails.iter().flatten() {
            assert!(!e.subject.chars().any(char::is_control), "{ctx}: subject {:?}", e.subject);
        }
    }
}

fn name_text(n: &NameSel) -> String {
    match n {
        NameSel::Pool(i) => NAMES[usize::from(*i) % NAMES.len()].to_owned(),
        NameSel::Raw(s) => s.clone(),
    }
}

fn text(t: &TextSel) -> String {
    match t {
        TextSel::Pool(i) => TEXTS[usize::from(*i) % TEXTS.len()].to_owned(),
        TextSel::Raw(s) => s.clone(),
        TextSel::Long(n) => "x".repeat(usize::from(*n % 12_000)),
    }
}

fn settings(c: &SettingsSel) -> SettingsUpdate {
    let pick = |i: u8, xs: &[i64]| xs[usize::from(i) % xs.len()];
    let domains = |bits: u8| -> Vec<String> {
        SETTINGS_DOMAINS.iter().enumerate().filter(|(i, _)| bits >> i & 1 == 1).map(|(_, d)| (*d).to_owned()).collect()
    };
    let small = |i: u8, xs: &[u32]| xs[usize::from(i) % xs.len()];
    SettingsUpdate {
        invitation_expiry_secs: c.expiry.map(|i| pick(i, &[3600, 86_400, 604_800, 2_592_000, 60, 2_592_001])),
        resend_cooldown_secs: c.cooldown.map(|i| pick(i, &[0, 60, 3600, 86_400, -1, 86_401])),
        max_emails_per_address_per_day: c.per_address.map(|i| small(i, &[1, 2, 3, 100, 0, 101])),
        max_invitations_per_inviter_per_day: c.per_inviter.map(|i| small(i, &[1, 2, 50, 0])),
        max_invitations_per_org_per_day: None,
        max_pending_invitations: c.max_pending.map(|i| small(i, &[1, 2, 1000, 0])),
        max_message_chars: c.max_message.map(|i| small(i, &[0, 5, 1000, 5000, 5001])),
        allow_subdomains: c.allow_subdomains,
        auto_join_domains: c.auto_join.map(domains),
        domain_join: c.domain_join.and_then(|i| {
            [Some(DomainJoin::Off), Some(DomainJoin::Automatic), Some(DomainJoin::Request), None][usize::from(i) % 4]
        }),
        allowed_domains: c.allowed.map(domains),
        redirect_origins: None,
    }
}
