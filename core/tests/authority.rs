#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Authority never grows without a stronger actor (docs/rules.md#r10 to
//! docs/rules.md#r14): the holes an adversarial review found between the
//! per-operation rules, each replayed as the hostile member who found it.
//! Part of the conformance suite, so it runs on every store.
//!
//! Every refused call goes through [`Fx::fails`], which asserts the error code
//! and that nothing changed: members, audit log, invitations, thread holdings
//! and the outbox.

use std::fmt::Debug;

mod common;

use invitekit::*;

const PORTAL: &str = "https://acme.example.com/portal";

/// Two roles that manage the organization, the weaker of which may only
/// invite `staff`, and `staff` itself.
const OFFICE_POLICY: &str = r#"{
  "presets": [
    {"name": "viewer", "permissions": ["read"]},
    {"name": "participant", "permissions": ["read", "write"]},
    {"name": "full", "permissions": ["read", "write", "interview", "hire", "manage_people"]}
  ],
  "roles": [
    {"name": "owner", "may_invite": true, "may_assign_team": true, "manages_organization": true,
     "invitable_roles": "*", "thread_ceiling": ["read", "write", "interview", "hire", "manage_people"],
     "grantable_presets": ["viewer", "participant", "full"]},
    {"name": "office_admin", "may_invite": true, "may_assign_team": true, "manages_organization": true,
     "invitable_roles": ["staff"], "thread_ceiling": ["read", "write", "manage_people"],
     "grantable_presets": ["viewer", "participant"]},
    {"name": "staff", "may_invite": true, "may_assign_team": false, "manages_organization": false,
     "invitable_roles": ["staff"], "thread_ceiling": ["read", "write"], "grantable_presets": []}
  ],
  "default_role": "staff"
}"#;

/// What must not change when an operation fails.
#[derive(Debug, Clone, PartialEq)]
struct Snap {
    members: Vec<Member>,
    events: usize,
    invitations: Vec<Invitation>,
    people: Vec<Option<Vec<ParticipantInfo>>>,
}

struct Fx {
    clock: ManualClock,
    kit: InviteKit<AnyStore>,
    org: Organization,
    /// A member whose role manages the organization and may give every role.
    admin: Member,
    threads: std::cell::RefCell<Vec<ThreadId>>,
}

impl Fx {
    fn new(policy: Policy, admin_role: &str) -> Fx {
        let clock = ManualClock::new();
        let kit = common::kit_with_policy(policy, &clock);
        let org = kit.create_organization("Acme Corp", "acme", PORTAL, &["acme.com", "partner.com"]).unwrap();
        let admin = kit.add_member(org.id, "alice@acme.com", "Alice Smith", admin_role).unwrap();
        Fx { clock, kit, org, admin, threads: Default::default() }
    }

    fn default_policy() -> Fx {
        Fx::new(Policy::default(), "full")
    }

    fn office() -> Fx {
        Fx::new(Policy::from_json(OFFICE_POLICY).unwrap(), "owner")
    }

    fn member(&self, email: &str, name: &str, role: &str) -> Member {
        self.kit.add_member(self.org.id, email, name, role).unwrap()
    }

    fn get(&self, id: MemberId) -> Member {
        self.kit.get_member(id).unwrap()
    }

    fn thread(&self, actor: MemberId, title: &str) -> Thread {
        let t = self.kit.start_thread(actor, "fl-1", "José Pérez", title).unwrap();
        self.threads.borrow_mut().push(t.id);
        t
    }

    fn holdings(&self, thread: ThreadId, member: MemberId) -> Option<Vec<String>> {
        let people = self.kit.people(self.admin.id, thread).ok()?;
        people.participants.into_iter().find(|p| p.member_id == member).map(|p| names(p.permissions))
    }

    fn snap(&self) -> Snap {
        Snap {
            members: self.kit.list_members(self.org.id).unwrap(),
            events: self.kit.events(self.admin.id, None, 1000).unwrap().len(),
            invitations: self.kit.list_invitations(self.admin.id, None).unwrap(),
            people: self
                .threads
                .borrow()
                .iter()
                .map(|t| self.kit.people(self.admin.id, *t).ok().map(|p| p.participants))
                .collect(),
        }
    }

    fn drain_outbox(&self) -> Vec<OutgoingEmail> {
        let out = self.kit.outbox_pending(1000).unwrap();
        for e in &out {
            self.kit.outbox_ack(e.id).unwrap();
        }
        out
    }

    /// Runs a call that must fail with `code` and change nothing, queueing no email.
    fn fails<T: Debug>(&self, code: &str, op: impl FnOnce() -> Result<T>) -> Error {
        let _ = self.drain_outbox();
        let before = self.snap();
        let err = match op() {
            Ok(v) => panic!("expected `{code}`, got Ok({v:?})"),
            Err(e) => e,
        };
        assert_eq!(err.code(), code, "{err}");
        assert_eq!(self.snap(), before, "a failed call (`{}`) changed the state", err.code());
        let queued = self.kit.outbox_pending(1000).unwrap();
        assert!(queued.is_empty(), "a failed call (`{}`) queued emails: {queued:?}", err.code());
        err
    }
}

fn names(set: PermissionSet) -> Vec<String> {
    set.names().into_iter().map(str::to_owned).collect()
}

fn kinds(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(|e| e.kind.as_str()).collect()
}

// ---------------------------------------------------------------------------
// R10: roles move only within the actor's reach
// ---------------------------------------------------------------------------

#[test]
fn r10_a_weaker_admin_cannot_promote_herself_then_demote_the_owner() {
    let fx = Fx::office();
    let olga = fx.member("olga@acme.com", "Olga Office", "office_admin");
    // The review's attack: promote oneself, then demote the real owner.
    let err = fx.fails("permission_denied", || fx.kit.set_role(olga.id, olga.id, "owner"));
    assert!(err.to_string().contains("docs/rules.md#r10"), "{err}");
    fx.fails("permission_denied", || fx.kit.set_role(olga.id, fx.admin.id, "staff"));
    fx.fails("permission_denied", || fx.kit.deactivate_member(olga.id, fx.admin.id));
    // Nor may she make anyone an owner or an office admin: she may give only `staff`.
    let sam = fx.member("sam@acme.com", "Sam Staff", "staff");
    fx.fails("permission_denied", || fx.kit.set_role(olga.id, sam.id, "owner"));
    fx.fails("permission_denied", || fx.kit.set_role(olga.id, sam.id, "office_admin"));
    // Another office admin is outside her reach too.
    let otto = fx.member("otto@acme.com", "Otto Office", "office_admin");
    fx.fails("permission_denied", || fx.kit.set_role(olga.id, otto.id, "staff"));
    fx.fails("permission_denied", || fx.kit.deactivate_member(olga.id, otto.id));
    assert_eq!(fx.get(fx.admin.id).role, "owner");
    assert_eq!(fx.get(olga.id).role, "office_admin");
    // What is within her reach still works: `staff` members.
    let sam = fx.kit.deactivate_member(olga.id, sam.id).unwrap();
    assert_eq!(sam.status, MemberStatus::Deactivated);
}

#[test]
fn r10_the_owner_moves_any_role_and_a_plain_member_none() {
    let fx = Fx::office();
    let olga = fx.member("olga@acme.com", "Olga Office", "office_admin");
    let sam = fx.member("sam@acme.com", "Sam Staff", "staff");
    assert_eq!(fx.kit.set_role(fx.admin.id, sam.id, "office_admin").unwrap().role, "office_admin");
    assert_eq!(fx.kit.set_role(fx.admin.id, olga.id, "staff").unwrap().role, "staff");
    // `staff` does not manage the organization at all.
    fx.fails("permission_denied", || fx.kit.set_role(olga.id, olga.id, "staff"));
    fx.fails("permission_denied", || fx.kit.set_role(olga.id, sam.id, "staff"));
}

#[test]
fn r10_nobody_raises_their_own_role_under_the_default_policy() {
    let fx = Fx::default_policy();
    for role in ["member", "recruiter", "hiring_manager"] {
        let m = fx.member(&format!("{role}@acme.com"), "Some One", role);
        for to in ["full", "hiring_manager", "recruiter"] {
            fx.fails("permission_denied", || fx.kit.set_role(m.id, m.id, to));
        }
    }
}

#[test]
fn r10_lowering_oneself_needs_another_admin_to_remain() {
    let fx = Fx::default_policy();
    fx.fails("conflict", || fx.kit.set_role(fx.admin.id, fx.admin.id, "member"));
    fx.fails("conflict", || fx.kit.deactivate_member(fx.admin.id, fx.admin.id));
    let bea = fx.member("bea@acme.com", "Bea Boss", "full");
    assert_eq!(fx.kit.set_role(fx.admin.id, fx.admin.id, "recruiter").unwrap().role, "recruiter");
    assert_eq!(fx.kit.deactivate_member(bea.id, fx.admin.id).unwrap().status, MemberStatus::Deactivated);
    // Alice is gone, so the fixture's snapshot cannot be read through her.
    assert_eq!(fx.kit.deactivate_member(bea.id, bea.id).unwrap_err().code(), "conflict");
    assert_eq!(fx.get(bea.id).status, MemberStatus::Active);
}

// ---------------------------------------------------------------------------
// R11: deactivation sticks
// ---------------------------------------------------------------------------

/// Acme with auto-join on acme.com, and Bob (`recruiter`) deactivated.
fn with_deactivated_bob() -> (Fx, Member) {
    let fx = Fx::default_policy();
    let update = SettingsUpdate {
        auto_join_domains: Some(vec!["acme.com".into()]),
        domain_join: Some(DomainJoin::Automatic),
        ..Default::default()
    };
    fx.kit.set_organization_settings(fx.admin.id, fx.org.id, &update).unwrap();
    let record = fx.kit.start_domain_verification(fx.admin.id, fx.org.id, "acme.com").unwrap();
    fx.kit.verify_domain(fx.admin.id, fx.org.id, "acme.com", &[record.record_value]).unwrap();
    let bob = fx.member("bob@acme.com", "Bob Jones", "recruiter");
    let t = fx.thread(fx.admin.id, "Logo redesign");
    fx.kit.add_to_thread(fx.admin.id, t.id, bob.id, &Grant::preset("viewer")).unwrap();
    let bob = fx.kit.deactivate_member(fx.admin.id, bob.id).unwrap();
    (fx, bob)
}

#[test]
fn r11_a_deactivated_member_cannot_rejoin_by_domain() {
    let (fx, bob) = with_deactivated_bob();
    let err = fx.fails("permission_denied", || fx.kit.join_by_domain(fx.org.id, "bob@acme.com", "Bob Jones"));
    assert!(err.to_string().contains("docs/rules.md#r11"), "{err}");
    // Case and IDN folding lead to the same address.
    fx.fails("permission_denied", || fx.kit.join_by_domain(fx.org.id, "BOB@ACME.COM", "Bob Jones"));
    assert_eq!(fx.get(bob.id).status, MemberStatus::Deactivated);
    // A stranger on the domain still joins.
    let joined = fx.kit.join_by_domain(fx.org.id, "newbie@acme.com", "New Bie").unwrap();
    assert_eq!(joined.member.map(|m| m.role).as_deref(), Some("member"));
}

#[test]
fn r11_only_an_admin_who_may_give_the_role_re_invites_a_deactivated_member() {
    let (fx, bob) = with_deactivated_bob();
    let mia = fx.member("mia@acme.com", "Mia Member", "member");
    let hank = fx.member("hank@acme.com", "Hank Hiring", "hiring_manager");
    // A member, and a hiring manager (who does not manage the organization), may not.
    fx.fails("permission_denied", || fx.kit.draft_invitation(mia.id, "bob@acme.com", InviteOptions::new()));
    fx.fails("permission_denied", || fx.kit.draft_invitation(hank.id, "bob@acme.com", InviteOptions::new()));
    let results = fx.kit.invite_many(mia.id, &["bob@acme.com"], InviteOptions::new()).unwrap();
    assert_eq!(results[0].error.as_ref().map(Error::code), Some("permission_denied"));
    // A thread invitation is refused the same way.
    let t = fx.thread(hank.id, "Hank's thread");
    fx.fails("permission_denied", || {
        fx.kit.invite_to_thread(hank.id, t.id, "bob@acme.com", &Grant::preset("viewer"), InviteOptions::new())
    });
    assert!(fx.drain_outbox().is_empty());
    // The admin may: Bob comes back with the same id and the invitation's role, in no thread.
    let d = fx.kit.draft_invitation(fx.admin.id, "bob@acme.com", InviteOptions::new()).unwrap();
    fx.kit.send_invitation(&d, true).unwrap();
    let back = fx.kit.accept_invitation(d.link(), "bob@acme.com", "Bob Jones").unwrap().member;
    assert_eq!((back.id, back.status, back.role.as_str()), (bob.id, MemberStatus::Active, "member"));
    assert_eq!(fx.holdings(fx.threads.borrow()[0], bob.id), None, "no thread seat comes back");
}

#[test]
fn r11_an_invitation_whose_inviter_lost_the_right_cannot_bring_them_back() {
    let (fx, bob) = with_deactivated_bob();
    let bea = fx.member("bea@acme.com", "Bea Boss", "full");
    let d = fx.kit.draft_invitation(bea.id, "bob@acme.com", InviteOptions::new()).unwrap();
    fx.kit.send_invitation(&d, false).unwrap();
    // Bea is demoted to `member`; her invitation of a `member` survives R7,
    // but she may no longer bring a deactivated member back.
    fx.kit.set_role(fx.admin.id, bea.id, "member").unwrap();
    fx.fails("permission_denied", || fx.kit.accept_invitation(d.link(), "bob@acme.com", "Bob Jones"));
    assert_eq!(fx.get(bob.id).status, MemberStatus::Deactivated);
}

#[test]
fn r11_reactivate_member_needs_r10_and_restores_no_thread_seat() {
    let (fx, bob) = with_deactivated_bob();
    let mia = fx.member("mia@acme.com", "Mia Member", "member");
    fx.fails("permission_denied", || fx.kit.reactivate_member(mia.id, bob.id));
    fx.fails("permission_denied", || fx.kit.reactivate_member(bob.id, bob.id));
    let seq = fx.kit.events(fx.admin.id, None, 1000).unwrap().last().unwrap().seq;
    let back = fx.kit.reactivate_member(fx.admin.id, bob.id).unwrap();
    assert_eq!((back.id, back.status, back.role.as_str()), (bob.id, MemberStatus::Active, "recruiter"));
    assert_eq!(fx.holdings(fx.threads.borrow()[0], bob.id), None);
    let evs = fx.kit.events(fx.admin.id, Some(seq), 1000).unwrap();
    assert_eq!(kinds(&evs), ["member_reactivated"]);
    assert_eq!(evs[0].actor_id, Some(fx.admin.id));
    // Reactivating an active member changes nothing.
    assert_eq!(fx.kit.reactivate_member(fx.admin.id, bob.id).unwrap(), back);
    assert_eq!(fx.kit.events(fx.admin.id, Some(seq), 1000).unwrap().len(), 1);
}

#[test]
fn r11_an_office_admin_cannot_reactivate_a_deactivated_owner() {
    let fx = Fx::office();
    let olga = fx.member("olga@acme.com", "Olga Office", "office_admin");
    let oscar = fx.member("oscar@acme.com", "Oscar Owner", "owner");
    fx.kit.deactivate_member(fx.admin.id, oscar.id).unwrap();
    fx.fails("permission_denied", || fx.kit.reactivate_member(olga.id, oscar.id));
    // Nor re-invite him, even as `staff`.
    fx.fails("permission_denied", || fx.kit.draft_invitation(olga.id, "oscar@acme.com", InviteOptions::new()));
    assert_eq!(fx.kit.reactivate_member(fx.admin.id, oscar.id).unwrap().role, "owner");
}

#[test]
fn r11_ids_from_another_organization_are_not_found() {
    let (fx, bob) = with_deactivated_bob();
    let globex = fx.kit.create_organization("Globex", "globex", "https://globex.example.org", &[] as &[&str]).unwrap();
    let gina = fx.kit.add_member(globex.id, "gina@globex.com", "Gina Grey", "full").unwrap();
    let err = fx.fails("not_found", || fx.kit.reactivate_member(gina.id, bob.id));
    assert_eq!(err.code(), "not_found");
}

// ---------------------------------------------------------------------------
// R12: stronger participants are protected
// ---------------------------------------------------------------------------

#[test]
fn r12_a_weaker_participant_cannot_strip_or_remove_a_stronger_one() {
    let fx = Fx::default_policy();
    let rita = fx.member("rita@acme.com", "Rita Recruiter", "recruiter");
    let mia = fx.member("mia@acme.com", "Mia Member", "member");
    let t = fx.thread(fx.admin.id, "Logo redesign");
    let rita_perms = Grant::permissions(&["read", "write", "interview", "manage_people"]);
    fx.kit.add_to_thread(fx.admin.id, t.id, rita.id, &rita_perms).unwrap();
    fx.kit.add_to_thread(fx.admin.id, t.id, mia.id, &Grant::preset("participant")).unwrap();
    // The review's attack: lower the thread's creator to `read`, then remove her.
    let err = fx
        .fails("permission_denied", || fx.kit.change_permissions(rita.id, t.id, fx.admin.id, &Grant::preset("viewer")));
    assert!(err.to_string().contains("docs/rules.md#r12"), "{err}");
    fx.fails("permission_denied", || fx.kit.remove_from_thread(rita.id, t.id, fx.admin.id));
    assert_eq!(fx.holdings(t.id, fx.admin.id), Some(names(PermissionSet::ALL)));
    // A peer with the same holdings is within reach; so is a weaker one.
    let ray = fx.member("ray@acme.com", "Ray Recruiter", "recruiter");
    fx.kit.add_to_thread(fx.admin.id, t.id, ray.id, &rita_perms).unwrap();
    fx.kit.change_permissions(rita.id, t.id, ray.id, &Grant::preset("participant")).unwrap();
    fx.kit.change_permissions(rita.id, t.id, mia.id, &Grant::preset("viewer")).unwrap();
    fx.kit.remove_from_thread(rita.id, t.id, mia.id).unwrap();
    // Ray now holds less than Rita and cannot touch her.
    let gave = Grant::permissions(&["read", "write", "manage_people"]);
    fx.kit.change_permissions(fx.admin.id, t.id, ray.id, &gave).unwrap();
    fx.fails("permission_denied", || fx.kit.remove_from_thread(ray.id, t.id, rita.id));
    // Leaving is always allowed, but for the last holder of `manage_people`.
    fx.kit.leave_thread(fx.admin.id, t.id).unwrap();
    fx.kit.leave_thread(rita.id, t.id).unwrap();
    fx.fails("conflict", || fx.kit.leave_thread(ray.id, t.id));
}

// ---------------------------------------------------------------------------
// R13: a resend is a new send
// ---------------------------------------------------------------------------

#[test]
fn r13_a_resend_to_a_domain_no_longer_allowed_is_refused() {
    let fx = Fx::default_policy();
    let d = fx.kit.draft_invitation(fx.admin.id, "pat@partner.com", InviteOptions::new()).unwrap();
    let inv = fx.kit.send_invitation(&d, true).unwrap();
    let update = SettingsUpdate { allowed_domains: Some(vec!["acme.com".into()]), ..Default::default() };
    fx.kit.set_organization_settings(fx.admin.id, fx.org.id, &update).unwrap();
    fx.clock.advance(3600);
    fx.fails("domain_not_allowed", || fx.kit.resend_invitation(fx.admin.id, inv.id));
    // The old link still works only as far as accept's own checks go: it is refused too.
    fx.fails("domain_not_allowed", || fx.kit.accept_invitation(d.link(), "pat@partner.com", "Pat"));
}

#[test]
fn r13_a_resend_re_checks_the_thread_grants_against_the_inviters_holdings() {
    let fx = Fx::default_policy();
    let hank = fx.member("hank@acme.com", "Hank Hiring", "hiring_manager");
    let t = fx.thread(fx.admin.id, "Logo redesign");
    fx.kit.add_to_thread(fx.admin.id, t.id, hank.id, &Grant::permissions(&["read", "write", "manage_people"])).unwrap();
    let r = fx
        .kit
        .invite_to_thread(hank.id, t.id, "carol@acme.com", &Grant::preset("participant"), InviteOptions::new())
        .unwrap();
    let inv = r.invitation.unwrap();
    // Hank is lowered to `read` in the thread: he could not send this grant now.
    fx.kit.change_permissions(fx.admin.id, t.id, hank.id, &Grant::preset("viewer")).unwrap();
    fx.clock.advance(3600);
    fx.fails("permission_denied", || fx.kit.resend_invitation(hank.id, inv.id));
    fx.fails("permission_denied", || fx.kit.resend_invitation(fx.admin.id, inv.id));
}

#[test]
fn r13_a_resend_counts_against_and_is_held_to_the_daily_caps() {
    let fx = Fx::default_policy();
    let update = SettingsUpdate {
        max_invitations_per_inviter_per_day: Some(2),
        resend_cooldown_secs: Some(0),
        ..Default::default()
    };
    fx.kit.set_organization_settings(fx.admin.id, fx.org.id, &update).unwrap();
    let mia = fx.member("mia@acme.com", "Mia Member", "member");
    let d = fx.kit.draft_invitation(mia.id, "carol@acme.com", InviteOptions::new()).unwrap();
    let inv = fx.kit.send_invitation(&d, false).unwrap();
    fx.kit.resend_invitation(mia.id, inv.id).unwrap();
    // Two sends today: the third, a resend or a new invitation, is refused.
    fx.fails("rate_limited", || fx.kit.resend_invitation(mia.id, inv.id));
    fx.fails("rate_limited", || fx.kit.draft_invitation(mia.id, "dave@acme.com", InviteOptions::new()));
    fx.clock.advance(24 * 3600);
    fx.kit.resend_invitation(mia.id, inv.id).unwrap();
}

#[test]
fn r13_a_resend_to_a_deactivated_members_address_needs_an_admin() {
    let fx = Fx::default_policy();
    let mia = fx.member("mia@acme.com", "Mia Member", "member");
    let d = fx.kit.draft_invitation(mia.id, "bob@acme.com", InviteOptions::new()).unwrap();
    let inv = fx.kit.send_invitation(&d, true).unwrap();
    // Bob is provisioned by the host, then deactivated; Mia's invitation stays pending.
    let bob = fx.member("bob@acme.com", "Bob Jones", "member");
    fx.kit.deactivate_member(fx.admin.id, bob.id).unwrap();
    fx.clock.advance(3600);
    fx.fails("permission_denied", || fx.kit.resend_invitation(mia.id, inv.id));
    fx.fails("permission_denied", || fx.kit.accept_invitation(d.link(), "bob@acme.com", "Bob Jones"));
    // The admin resending Mia's invitation is still Mia's invitation: refused as well.
    fx.fails("permission_denied", || fx.kit.resend_invitation(fx.admin.id, inv.id));
}

#[test]
fn r13_a_resend_that_passes_every_check_still_works() {
    let fx = Fx::default_policy();
    let d = fx.kit.draft_invitation(fx.admin.id, "carol@acme.com", InviteOptions::new().role("recruiter")).unwrap();
    let inv = fx.kit.send_invitation(&d, true).unwrap();
    fx.drain_outbox();
    fx.clock.advance(3600);
    let r = fx.kit.resend_invitation(fx.admin.id, inv.id).unwrap();
    assert_eq!(r.invitation.sent_count, 2);
    let out = fx.drain_outbox();
    assert_eq!(out.len(), 1);
    let m = fx.kit.accept_invitation(&r.link, "carol@acme.com", "Carol Chen").unwrap().member;
    assert_eq!(m.role, "recruiter");
}
