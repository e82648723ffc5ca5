#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Approvals, verified domains and requests to join (docs/rules.md#approvals,
//! docs/rules.md#verified-domains, docs/rules.md#joining-by-domain), through
//! the public API only. Part of the conformance suite: it runs on every store.
//!
//! Every refused call goes through [`Fx::fails`], which asserts the error code
//! and that nothing changed: members, audit log, invitations, join requests,
//! domains and the outbox.

use std::fmt::Debug;

mod common;

use invitekit::*;

const PORTAL: &str = "https://acme.example.com/portal";
const WEEK: i64 = 7 * 24 * 3600;

/// The default policy, but a `member`'s invitations wait for approval.
fn approval_policy() -> Policy {
    Policy::default().with_invites_needing_approval(&["member"]).unwrap()
}

/// What must not change when an operation fails.
#[derive(Debug, Clone, PartialEq)]
struct Snap {
    members: Vec<Member>,
    events: usize,
    invitations: Vec<Invitation>,
    requests: Vec<JoinRequest>,
    domains: Vec<DomainVerification>,
}

struct Fx {
    clock: ManualClock,
    kit: InviteKit<AnyStore>,
    org: Organization,
    /// `full`: manages the organization.
    alice: Member,
    /// `hiring_manager`: does not manage the organization.
    hank: Member,
    /// `member`: their invitations need approval under [`approval_policy`].
    mia: Member,
}

impl Fx {
    fn new(policy: Policy) -> Fx {
        let clock = ManualClock::new();
        let kit = common::kit_with_policy(policy, &clock);
        let org = kit.create_organization("Acme Corp", "acme", PORTAL, &["acme.com"]).unwrap();
        let alice = kit.add_member(org.id, "alice@acme.com", "Alice Smith", "full").unwrap();
        let hank = kit.add_member(org.id, "hank@acme.com", "Hank Hill", "hiring_manager").unwrap();
        let mia = kit.add_member(org.id, "mia@acme.com", "Mia Member", "member").unwrap();
        Fx { clock, kit, org, alice, hank, mia }
    }

    fn approvals() -> Fx {
        Fx::new(approval_policy())
    }

    fn settings(&self, update: SettingsUpdate) {
        self.kit.set_organization_settings(self.alice.id, self.org.id, &update).unwrap();
    }

    fn snap(&self) -> Snap {
        Snap {
            members: self.kit.list_members(self.org.id).unwrap(),
            events: self.kit.events(self.alice.id, None, 1000).unwrap().len(),
            invitations: self.kit.list_invitations(self.alice.id, None).unwrap(),
            requests: self.kit.list_join_requests(self.alice.id, None).unwrap(),
            domains: self.kit.list_domains(self.alice.id, self.org.id).unwrap(),
        }
    }

    /// Every email queued since the last call, delivered.
    fn drain(&self) -> Vec<OutgoingEmail> {
        let out = self.kit.outbox_pending(1000).unwrap();
        for e in &out {
            self.kit.outbox_ack(e.id).unwrap();
        }
        out
    }

    /// Runs a call that must fail with `code` and change nothing, queueing no email.
    fn fails<T: Debug>(&self, code: &str, op: impl FnOnce() -> Result<T>) -> Error {
        let _ = self.drain();
        let before = self.snap();
        let err = match op() {
            Ok(v) => panic!("expected `{code}`, got Ok({v:?})"),
            Err(e) => e,
        };
        assert_eq!(err.code(), code, "{err}");
        assert_eq!(self.snap(), before, "a failed call changed something: {err}");
        assert!(self.kit.outbox_pending(1000).unwrap().is_empty(), "a failed call queued an email: {err}");
        err
    }

    /// Mia's invitation of `email`, sent: it awaits approval.
    fn request(&self, email: &str, deliver: bool) -> (Draft, Invitation) {
        let draft = self
            .kit
            .draft_invitation(self.mia.id, email, InviteOptions::new().message("Please let <b>her</b> in"))
            .unwrap();
        assert!(draft.needs_approval());
        let inv = self.kit.send_invitation(&draft, deliver).unwrap();
        assert_eq!(inv.status, InvitationStatus::AwaitingApproval);
        (draft, inv)
    }

    fn last_events(&self, n: usize) -> Vec<Event> {
        let all = self.kit.events(self.alice.id, None, 1000).unwrap();
        all[all.len().saturating_sub(n)..].to_vec()
    }

    fn verified(&self, domain: &str) {
        let record = self.kit.start_domain_verification(self.alice.id, self.org.id, domain).unwrap();
        self.kit.verify_domain(self.alice.id, self.org.id, domain, &[record.record_value]).unwrap();
    }

    fn auto_join(&self, mode: DomainJoin) {
        self.settings(SettingsUpdate {
            auto_join_domains: Some(vec!["acme.com".into()]),
            domain_join: Some(mode),
            ..Default::default()
        });
        self.verified("acme.com");
    }
}

fn kinds(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(|e| e.kind.as_str()).collect()
}

fn token_of(link: &str) -> &str {
    link.rsplit('/').next().unwrap()
}

/// The join link in an invitation email's text.
fn link_in(email: &OutgoingEmail) -> String {
    email.text.split_whitespace().find(|w| w.contains("/join/ikinv_")).unwrap().to_owned()
}

// ---------------------------------------------------------------------------
// Approvals
// ---------------------------------------------------------------------------

#[test]
fn the_default_roles_need_no_approval() {
    let fx = Fx::new(Policy::default());
    assert!(Policy::default().roles().iter().all(|r| !r.invites_need_approval()));
    let draft = fx.kit.draft_invitation(fx.mia.id, "bob@acme.com", InviteOptions::new()).unwrap();
    assert!(!draft.needs_approval());
    assert_eq!(fx.kit.send_invitation(&draft, true).unwrap().status, InvitationStatus::Pending);
}

#[test]
fn an_invitation_that_needs_approval_waits_emails_the_managers_and_nobody_else() {
    let fx = Fx::approvals();
    let _ = fx.drain();
    let (draft, inv) = fx.request("bob@acme.com", true);
    let out = fx.drain();
    // One `approval_requested` email, to the one member who may approve (Alice:
    // Hank does not manage the organization, Mia is the inviter); none to Bob.
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!((out[0].kind, out[0].to.as_str()), (EmailKind::ApprovalRequested, "alice@acme.com"));
    assert_eq!(out[0].invitation_id, Some(inv.id));
    assert!(out[0].subject.contains("Mia Member") && out[0].subject.contains("bob@acme.com"), "{}", out[0].subject);
    assert!(out[0].text.contains(PORTAL) && out[0].text.contains("as member"), "{}", out[0].text);
    // The inviter's message is escaped in the HTML part.
    assert!(out[0].html.contains("&lt;b&gt;her&lt;/b&gt;") && !out[0].html.contains("<b>her"), "{}", out[0].html);
    assert!(!out[0].text.contains("ikinv_"), "a manager's email holds no join link");
    // Its link answers as for any invitation that is not pending.
    for attempt in [
        fx.kit.accept_invitation(draft.link(), "bob@acme.com", "Bob").map(|_| ()),
        fx.kit.peek_invitation(draft.link()).map(|_| ()),
    ] {
        match attempt {
            Err(Error::InvitationNotPending { status }) => assert_eq!(status, "awaiting_approval"),
            other => panic!("{other:?}"),
        }
    }
    // It is listed, it blocks a second invitation of the address, and the log says it waits.
    let waiting = fx.kit.list_invitations(fx.alice.id, Some(InvitationStatus::AwaitingApproval)).unwrap();
    assert_eq!(waiting.iter().map(|i| i.id).collect::<Vec<_>>(), [inv.id]);
    assert!(fx.kit.invitations_for_email("bob@acme.com").unwrap().is_empty());
    let err =
        fx.fails("already_invited", || fx.kit.draft_invitation(fx.alice.id, "bob@acme.com", InviteOptions::new()));
    assert!(matches!(err, Error::AlreadyInvited { invitation_id, .. } if invitation_id == inv.id));
    let sent = fx.last_events(1);
    assert_eq!(kinds(&sent), ["invitation_sent"]);
    assert_eq!(sent[0].details["awaiting_approval"], true);
}

#[test]
fn an_approval_makes_it_pending_and_sends_it_with_a_new_link() {
    let fx = Fx::approvals();
    let (draft, inv) = fx.request("bob@acme.com", true);
    fx.clock.advance(3600);
    let approved = fx.kit.approve_invitation(fx.alice.id, inv.id).unwrap();
    assert_eq!(approved.status, InvitationStatus::Pending);
    assert_eq!(approved.expires_at, fx.kit.now().plus_secs(WEEK), "the expiry starts at the approval");
    let evs = fx.last_events(1);
    assert_eq!(kinds(&evs), ["invitation_approved"]);
    assert_eq!(evs[0].actor_id, Some(fx.alice.id));
    // Bob's email, and the managers' undelivered request cancelled.
    let out = fx.drain();
    assert_eq!(
        out.iter().map(|e| (e.kind, e.to.as_str())).collect::<Vec<_>>(),
        [(EmailKind::Invitation, "bob@acme.com")]
    );
    let link = link_in(&out[0]);
    assert_ne!(token_of(&link), token_of(draft.link()), "the approval issued a new link");
    assert_eq!(fx.kit.accept_invitation(draft.link(), "bob@acme.com", "Bob").unwrap_err().code(), "invalid_token");
    let bob = fx.kit.accept_invitation(&link, "bob@acme.com", "Bob Jones").unwrap().member;
    assert_eq!(bob.role, "member");
}

#[test]
fn an_approved_invitation_sent_without_an_email_keeps_its_drafts_link() {
    let fx = Fx::approvals();
    let (draft, inv) = fx.request("bob@acme.com", false);
    let _ = fx.drain();
    fx.kit.approve_invitation(fx.alice.id, inv.id).unwrap();
    assert!(fx.drain().is_empty(), "an invitation sent without an email queues none when approved");
    assert_eq!(
        fx.kit.accept_invitation(draft.link(), "bob@acme.com", "Bob Jones").unwrap().member.email,
        "bob@acme.com"
    );
}

#[test]
fn only_a_member_allowed_by_r10_other_than_the_inviter_decides() {
    let fx = Fx::approvals();
    let (_, inv) = fx.request("bob@acme.com", true);
    let err = fx.fails("permission_denied", || fx.kit.approve_invitation(fx.mia.id, inv.id));
    assert!(err.to_string().contains("own invitation"), "{err}");
    fx.fails("permission_denied", || fx.kit.deny_invitation(fx.mia.id, inv.id, None));
    // Hank may invite as `member`, but does not manage the organization.
    fx.fails("permission_denied", || fx.kit.approve_invitation(fx.hank.id, inv.id));
    fx.fails("permission_denied", || fx.kit.deny_invitation(fx.hank.id, inv.id, Some("no")));
    // Another organization's manager does not see it.
    let globex = fx.kit.create_organization("Globex", "globex", "https://globex.example.org", &["globex.io"]).unwrap();
    let gina = fx.kit.add_member(globex.id, "gina@globex.io", "Gina", "full").unwrap();
    fx.fails("not_found", || fx.kit.approve_invitation(gina.id, inv.id));
    fx.fails("not_found", || fx.kit.deny_invitation(gina.id, inv.id, None));
    fx.fails("not_found", || fx.kit.approve_invitation(fx.alice.id, InvitationId::new()));
    // A deactivated manager decides nothing.
    let ada = fx.kit.add_member(fx.org.id, "ada@acme.com", "Ada", "full").unwrap();
    fx.kit.deactivate_member(fx.alice.id, ada.id).unwrap();
    fx.fails("permission_denied", || fx.kit.approve_invitation(ada.id, inv.id));
    // Once decided, it is decided.
    fx.kit.approve_invitation(fx.alice.id, inv.id).unwrap();
    let err = fx.fails("invitation_not_pending", || fx.kit.approve_invitation(fx.alice.id, inv.id));
    assert!(matches!(err, Error::InvitationNotPending { status: "pending" }), "{err:?}");
    fx.fails("invitation_not_pending", || fx.kit.deny_invitation(fx.alice.id, inv.id, None));
    // An invitation that never needed approval cannot be approved.
    let plain = fx
        .kit
        .send_invitation(&fx.kit.draft_invitation(fx.alice.id, "cy@acme.com", InviteOptions::new()).unwrap(), true)
        .unwrap();
    fx.fails("invitation_not_pending", || fx.kit.approve_invitation(fx.hank.id, plain.id));
}

#[test]
fn a_denial_ends_it_and_tells_the_inviter_why() {
    let fx = Fx::approvals();
    let (draft, inv) = fx.request("bob@acme.com", true);
    for reason in ["x".repeat(1001), "bad\0reason".to_owned()] {
        fx.fails("invalid_input", || fx.kit.deny_invitation(fx.alice.id, inv.id, Some(&reason)));
    }
    let _ = fx.drain();
    let denied = fx.kit.deny_invitation(fx.alice.id, inv.id, Some("We are not <hiring> now")).unwrap();
    assert_eq!(denied.status, InvitationStatus::Denied);
    let out = fx.drain();
    assert_eq!(
        out.iter().map(|e| (e.kind, e.to.as_str())).collect::<Vec<_>>(),
        [(EmailKind::InvitationDenied, "mia@acme.com")]
    );
    assert!(out[0].text.contains("We are not <hiring> now") && out[0].text.contains("Alice Smith"), "{}", out[0].text);
    assert!(out[0].html.contains("We are not &lt;hiring&gt; now"), "{}", out[0].html);
    let evs = fx.last_events(1);
    assert_eq!(kinds(&evs), ["invitation_denied"]);
    assert_eq!(evs[0].details["reason"], "We are not <hiring> now");
    match fx.kit.accept_invitation(draft.link(), "bob@acme.com", "Bob") {
        Err(Error::InvitationNotPending { status }) => assert_eq!(status, "denied"),
        other => panic!("{other:?}"),
    }
    // The address may be invited again.
    fx.kit
        .send_invitation(&fx.kit.draft_invitation(fx.alice.id, "bob@acme.com", InviteOptions::new()).unwrap(), true)
        .unwrap();
}

#[test]
fn an_approval_checks_the_send_again() {
    let fx = Fx::approvals();
    let (_, inv) = fx.request("bob@acme.com", true);
    // Bob became a member meanwhile.
    fx.kit.add_member(fx.org.id, "bob@acme.com", "Bob Jones", "member").unwrap();
    fx.fails("already_member", || fx.kit.approve_invitation(fx.alice.id, inv.id));
    // The allowed domains changed.
    let (_, inv2) = fx.request("cy@acme.com", true);
    fx.settings(SettingsUpdate { allowed_domains: Some(vec!["acme.org".into()]), ..Default::default() });
    fx.fails("domain_not_allowed", || fx.kit.approve_invitation(fx.alice.id, inv2.id));
    fx.settings(SettingsUpdate { allowed_domains: Some(vec!["acme.com".into()]), ..Default::default() });
    // The organization is at its limit of pending invitations.
    fx.settings(SettingsUpdate { max_pending_invitations: Some(1), ..Default::default() });
    fx.kit
        .send_invitation(&fx.kit.draft_invitation(fx.alice.id, "dee@acme.com", InviteOptions::new()).unwrap(), true)
        .unwrap();
    fx.fails("rate_limited", || fx.kit.approve_invitation(fx.alice.id, inv2.id));
}

#[test]
fn the_inviter_may_withdraw_a_waiting_invitation_and_r7_revokes_it() {
    let fx = Fx::approvals();
    let (_, inv) = fx.request("bob@acme.com", true);
    assert_eq!(fx.kit.revoke_invitation(fx.mia.id, inv.id).unwrap().status, InvitationStatus::Revoked);
    fx.fails("invitation_not_pending", || fx.kit.approve_invitation(fx.alice.id, inv.id));
    let (_, inv2) = fx.request("cy@acme.com", true);
    fx.fails("invitation_not_pending", || fx.kit.resend_invitation(fx.mia.id, inv2.id));
    fx.kit.deactivate_member(fx.alice.id, fx.mia.id).unwrap();
    let after = fx.kit.list_invitations(fx.alice.id, None).unwrap();
    assert_eq!(after.iter().find(|i| i.id == inv2.id).unwrap().status, InvitationStatus::Revoked);
}

#[test]
fn a_role_that_needs_approval_may_not_invite_one_that_does_not() {
    let mut json: serde_json::Value = serde_json::from_str(&Policy::default().to_json()).unwrap();
    for role in json["roles"].as_array_mut().unwrap() {
        if role["name"] == "recruiter" {
            role["invites_need_approval"] = serde_json::Value::Bool(true);
        }
    }
    // The recruiter, who now needs approval, may invite a `member`, who does not.
    let err = Policy::from_json(&json.to_string()).unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    assert!(err.to_string().contains("approval"), "{err}");
    // The property as JSON, and its round trip.
    let mut json: serde_json::Value = serde_json::from_str(&Policy::default().to_json()).unwrap();
    for role in json["roles"].as_array_mut().unwrap() {
        if role["name"] == "member" {
            role["invites_need_approval"] = serde_json::Value::Bool(true);
        }
    }
    let policy = Policy::from_json(&json.to_string()).unwrap();
    assert_eq!(policy, approval_policy());
    assert_eq!(Policy::from_json(&policy.to_json()).unwrap(), policy);
    assert!(policy.role("member").unwrap().invites_need_approval());
}

#[test]
fn a_host_template_replaces_the_approval_email() {
    let fx = Fx::approvals();
    let template = TemplateSource {
        subject: "Approve {{ invitee_email }}?".into(),
        text: "{{ inviter_name }} wants {{ invitee_email }} as {{ role }}: {{ link }}".into(),
        html: "<p>{{ inviter_name }} wants {{ invitee_email }}</p>".into(),
    };
    fx.kit.set_email_template(fx.org.id, EmailKind::ApprovalRequested, &template).unwrap();
    let _ = fx.drain();
    fx.request("bob@acme.com", true);
    let out = fx.drain();
    assert_eq!(out[0].subject, "Approve bob@acme.com?");
    assert_eq!(out[0].text, format!("Mia Member wants bob@acme.com as member: {PORTAL}"));
}

#[test]
fn invite_many_and_invite_to_thread_wait_for_approval_too() {
    let fx = Fx::approvals();
    let results = fx.kit.invite_many(fx.mia.id, &["a@acme.com", "b@acme.com"], InviteOptions::new()).unwrap();
    assert!(results.iter().all(|r| r.invitation.as_ref().unwrap().status == InvitationStatus::AwaitingApproval));
    let thread = fx.kit.start_thread(fx.mia.id, "fl-1", "José", "Logo").unwrap();
    let invited =
        fx.kit.invite_to_thread(fx.mia.id, thread.id, "c@acme.com", &Grant::preset("viewer"), InviteOptions::new());
    // A `member` may not grant in threads at all under the default presets, so R4 refuses first.
    assert_eq!(invited.unwrap_err().code(), "permission_denied");
    let thread = fx.kit.start_thread(fx.alice.id, "fl-2", "Ann", "Site").unwrap();
    let r = fx
        .kit
        .invite_to_thread(fx.alice.id, thread.id, "d@acme.com", &Grant::preset("viewer"), InviteOptions::new())
        .unwrap();
    assert_eq!(r.invitation.unwrap().status, InvitationStatus::Pending, "Alice needs no approval");
}

// ---------------------------------------------------------------------------
// Verified domains
// ---------------------------------------------------------------------------

#[test]
fn a_domain_is_verified_by_its_txt_record_and_nothing_else() {
    let fx = Fx::new(Policy::default());
    let record = fx.kit.start_domain_verification(fx.alice.id, fx.org.id, "ACME.com").unwrap();
    assert_eq!(record.domain, "acme.com");
    assert_eq!(record.record_name, "_invitekit-challenge.acme.com");
    assert!(record.record_value.starts_with("invitekit-verification=") && record.record_value.len() > 40);
    assert!(!record.is_verified());
    assert_eq!(kinds(&fx.last_events(1)), ["domain_verification_started"]);
    // Asking again returns the same challenge.
    assert_eq!(fx.kit.start_domain_verification(fx.alice.id, fx.org.id, "acme.com").unwrap(), record);
    // Another domain's challenge, and another organization's for the same domain, prove nothing.
    let other = fx.kit.start_domain_verification(fx.alice.id, fx.org.id, "acme.org").unwrap();
    let globex = fx.kit.create_organization("Globex", "globex", "https://globex.example.org", &[] as &[&str]).unwrap();
    let gina = fx.kit.add_member(globex.id, "gina@globex.io", "Gina", "full").unwrap();
    let theirs = fx.kit.start_domain_verification(gina.id, globex.id, "acme.com").unwrap();
    assert_ne!(theirs.record_value, record.record_value);
    for values in [
        vec![other.record_value.clone()],
        vec![theirs.record_value.clone()],
        vec![],
        vec!["invitekit-verification=".to_owned()],
        vec![record.record_value[..record.record_value.len() - 1].to_owned()],
    ] {
        fx.fails("permission_denied", || fx.kit.verify_domain(fx.alice.id, fx.org.id, "acme.com", &values));
    }
    // Neither may anyone but a manager of the organization, nor another organization's.
    fx.fails("permission_denied", || {
        fx.kit.verify_domain(fx.hank.id, fx.org.id, "acme.com", &[record.record_value.as_str()])
    });
    fx.fails("permission_denied", || fx.kit.start_domain_verification(fx.hank.id, fx.org.id, "acme.net"));
    fx.fails("not_found", || fx.kit.verify_domain(gina.id, fx.org.id, "acme.com", &[record.record_value.as_str()]));
    fx.fails("permission_denied", || fx.kit.list_domains(fx.mia.id, fx.org.id));
    fx.fails("not_found", || fx.kit.verify_domain(fx.alice.id, fx.org.id, "never-started.com", &["x"]));
    // Bad input.
    let many = vec!["x"; 65];
    fx.fails("invalid_input", || fx.kit.verify_domain(fx.alice.id, fx.org.id, "acme.com", &many));
    fx.fails("invalid_input", || {
        fx.kit.verify_domain(fx.alice.id, fx.org.id, "acme.com", &["invitekit-verification=\0"])
    });
    let huge = "x".repeat(4097);
    fx.fails("invalid_input", || fx.kit.verify_domain(fx.alice.id, fx.org.id, "acme.com", &[huge.as_str()]));
    for bad in ["", "acme..com", "ac me.com", "acme.com\n", &"a".repeat(300)] {
        fx.fails("invalid_input", || fx.kit.start_domain_verification(fx.alice.id, fx.org.id, bad));
    }
    // The record found, quoted and spaced as resolvers print it, among others.
    let found = fx
        .kit
        .verify_domain(
            fx.alice.id,
            fx.org.id,
            "acme.com",
            &["v=spf1 -all".to_owned(), format!(" \"{}\" ", record.record_value)],
        )
        .unwrap();
    assert!(found.is_verified());
    assert_eq!(found.verified_at, Some(fx.kit.now()));
    assert_eq!(kinds(&fx.last_events(1)), ["domain_verified"]);
    // Globex's verification of the same domain is its own.
    assert!(!fx.kit.list_domains(gina.id, globex.id).unwrap()[0].is_verified());
    let listed = fx.kit.list_domains(fx.alice.id, fx.org.id).unwrap();
    assert_eq!(
        listed.iter().map(|d| (d.domain.as_str(), d.is_verified())).collect::<Vec<_>>(),
        [("acme.com", true), ("acme.org", false)]
    );
}

#[test]
fn free_mail_domains_are_never_auto_join_domains() {
    let fx = Fx::new(Policy::default());
    for free in ["gmail.com", "GMAIL.COM", "outlook.com", "yahoo.com", "mail.gmail.com"] {
        fx.fails("invalid_input", || fx.kit.start_domain_verification(fx.alice.id, fx.org.id, free));
        let update = SettingsUpdate { auto_join_domains: Some(vec![free.into()]), ..Default::default() };
        fx.fails("invalid_input", || fx.kit.set_organization_settings(fx.alice.id, fx.org.id, &update));
    }
    assert!(is_free_mail("gmail.com") && is_free_mail("eu.gmail.com") && !is_free_mail("notgmail.com"));
}

// ---------------------------------------------------------------------------
// Joining by domain, and requests to join
// ---------------------------------------------------------------------------

#[test]
fn in_request_mode_joining_makes_a_request_that_a_manager_approves() {
    let fx = Fx::new(Policy::default());
    fx.auto_join(DomainJoin::Request);
    let _ = fx.drain();
    let r = fx.kit.join_by_domain(fx.org.id, "Bob@acme.com", "Bob Jones").unwrap();
    assert_eq!(r.kind, JoinKind::Requested);
    assert!(r.member.is_none());
    let request = r.request.unwrap();
    assert_eq!(
        (request.email.as_str(), request.name.as_str(), request.role.as_str()),
        ("Bob@acme.com", "Bob Jones", "member")
    );
    assert_eq!(request.status, JoinRequestStatus::Pending);
    assert!(fx.kit.list_members(fx.org.id).unwrap().iter().all(|m| m.email != "Bob@acme.com"));
    // The managers are told; asking again returns the same request and tells nobody.
    let out = fx.drain();
    assert_eq!(
        out.iter().map(|e| (e.kind, e.to.as_str())).collect::<Vec<_>>(),
        [(EmailKind::JoinRequested, "alice@acme.com")]
    );
    assert!(out[0].subject.contains("Bob Jones"), "{}", out[0].subject);
    let again = fx.kit.join_by_domain(fx.org.id, "bob@ACME.com", "Bob J").unwrap().request.unwrap();
    assert_eq!(again.id, request.id);
    assert!(fx.drain().is_empty());
    assert_eq!(kinds(&fx.last_events(1)), ["join_requested"]);
    // Listed for managers only.
    assert_eq!(
        fx.kit.list_join_requests(fx.alice.id, Some(JoinRequestStatus::Pending)).unwrap(),
        std::slice::from_ref(&request)
    );
    assert!(fx.kit.list_join_requests(fx.alice.id, Some(JoinRequestStatus::Denied)).unwrap().is_empty());
    fx.fails("permission_denied", || fx.kit.list_join_requests(fx.hank.id, None));
    fx.fails("permission_denied", || fx.kit.approve_join_request(fx.hank.id, request.id));
    fx.fails("not_found", || fx.kit.approve_join_request(fx.alice.id, JoinRequestId::new()));
    let bob = fx.kit.approve_join_request(fx.alice.id, request.id).unwrap();
    assert_eq!((bob.role.as_str(), bob.status), ("member", MemberStatus::Active));
    assert_eq!(kinds(&fx.last_events(2)), ["join_request_approved", "member_added"]);
    let out = fx.drain();
    assert_eq!(
        out.iter().map(|e| (e.kind, e.to.as_str())).collect::<Vec<_>>(),
        [(EmailKind::JoinApproved, "Bob@acme.com")]
    );
    let listed = fx.kit.list_join_requests(fx.alice.id, None).unwrap();
    assert_eq!((listed[0].status, listed[0].decided_by), (JoinRequestStatus::Approved, Some(fx.alice.id)));
    fx.fails("conflict", || fx.kit.approve_join_request(fx.alice.id, request.id));
    fx.fails("already_member", || fx.kit.join_by_domain(fx.org.id, "bob@acme.com", "Bob"));
}

#[test]
fn a_denied_request_tells_the_person_and_a_deactivated_member_cannot_ask() {
    let fx = Fx::new(Policy::default());
    fx.auto_join(DomainJoin::Request);
    let request = fx.kit.join_by_domain(fx.org.id, "eve@acme.com", "Eve").unwrap().request.unwrap();
    fx.fails("invalid_input", || fx.kit.deny_join_request(fx.alice.id, request.id, Some(&"x".repeat(1001))));
    let _ = fx.drain();
    let denied = fx.kit.deny_join_request(fx.alice.id, request.id, Some("Not a <colleague>")).unwrap();
    assert_eq!((denied.status, denied.reason.as_deref()), (JoinRequestStatus::Denied, Some("Not a <colleague>")));
    let out = fx.drain();
    assert_eq!(out[0].kind, EmailKind::JoinDenied);
    assert!(out[0].html.contains("Not a &lt;colleague&gt;"), "{}", out[0].html);
    assert_eq!(kinds(&fx.last_events(1)), ["join_request_denied"]);
    fx.fails("conflict", || fx.kit.deny_join_request(fx.alice.id, request.id, None));
    // Asking again after a denial makes a new request.
    let second = fx.kit.join_by_domain(fx.org.id, "eve@acme.com", "Eve").unwrap().request.unwrap();
    assert_ne!(second.id, request.id);
    // R11: a deactivated member's address neither joins nor asks.
    fx.kit.deactivate_member(fx.alice.id, fx.mia.id).unwrap();
    fx.fails("permission_denied", || fx.kit.join_by_domain(fx.org.id, "mia@acme.com", "Mia"));
    fx.settings(SettingsUpdate { domain_join: Some(DomainJoin::Automatic), ..Default::default() });
    fx.fails("permission_denied", || fx.kit.join_by_domain(fx.org.id, "mia@acme.com", "Mia"));
    let joined = fx.kit.join_by_domain(fx.org.id, "zed@acme.com", "Zed").unwrap();
    assert_eq!(joined.kind, JoinKind::Joined);
    assert_eq!(joined.member.unwrap().role, "member");
}

#[test]
fn a_request_approved_after_the_domain_was_disallowed_is_refused() {
    let fx = Fx::new(Policy::default());
    fx.auto_join(DomainJoin::Request);
    let request = fx.kit.join_by_domain(fx.org.id, "bob@acme.com", "Bob").unwrap().request.unwrap();
    fx.settings(SettingsUpdate { allowed_domains: Some(vec!["acme.org".into()]), ..Default::default() });
    fx.fails("domain_not_allowed", || fx.kit.approve_join_request(fx.alice.id, request.id));
}

#[test]
fn joining_needs_a_verified_domain_in_every_mode() {
    let fx = Fx::new(Policy::default());
    fx.settings(SettingsUpdate {
        auto_join_domains: Some(vec!["acme.com".into()]),
        domain_join: Some(DomainJoin::Request),
        ..Default::default()
    });
    fx.fails("domain_not_allowed", || fx.kit.join_by_domain(fx.org.id, "bob@acme.com", "Bob"));
    fx.settings(SettingsUpdate { domain_join: Some(DomainJoin::Automatic), ..Default::default() });
    fx.fails("domain_not_allowed", || fx.kit.join_by_domain(fx.org.id, "bob@acme.com", "Bob"));
    // A verified domain that is not an auto-join domain lets nobody in either.
    fx.verified("acme.org");
    fx.settings(SettingsUpdate { allowed_domains: Some(vec![]), ..Default::default() });
    fx.fails("domain_not_allowed", || fx.kit.join_by_domain(fx.org.id, "bob@acme.org", "Bob"));
    fx.verified("acme.com");
    assert_eq!(fx.kit.join_by_domain(fx.org.id, "bob@acme.com", "Bob").unwrap().kind, JoinKind::Joined);
}

#[test]
fn settings_stored_before_the_join_mode_existed_keep_joining_automatically() {
    let stored = r#"{"auto_join_domains": ["acme.com"], "max_message_chars": 500}"#;
    let s = OrgSettings::from_stored_json(stored).unwrap();
    assert_eq!((s.domain_join, s.max_message_chars), (DomainJoin::Automatic, 500));
    assert_eq!(OrgSettings::from_stored_json(r#"{"auto_join_domains": []}"#).unwrap().domain_join, DomainJoin::Off);
    let explicit = r#"{"auto_join_domains": ["acme.com"], "domain_join": "request"}"#;
    assert_eq!(OrgSettings::from_stored_json(explicit).unwrap().domain_join, DomainJoin::Request);
    assert!(SettingsUpdate::from_json(r#"{"domain_join": "sometimes"}"#).is_err());
}
