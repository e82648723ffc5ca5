#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Conversations with freelancers (R3–R9 of docs/rules.md) through the public API:
//! bringing a coworker into a conversation end to end, then every rule on its own.
//!
//! Every failing call goes through [`Fx::fails`], which asserts the error code
//! AND that nothing changed: members, invitations, the audit log, the
//! participants of every thread the test created, and the outbox.

use std::cell::{Cell, RefCell};
use std::fmt::Debug;

use invitekit::threads::ThreadCursor;
mod common;

use invitekit::*;

// ---------------------------------------------------------------------------
// Fixture and helpers
// ---------------------------------------------------------------------------

const PORTAL: &str = "https://acme.example.com/portal";

#[derive(Debug, Clone, PartialEq)]
struct Snap {
    members: Vec<Member>,
    invitations: Vec<Invitation>,
    events: Vec<Event>,
    participants: Vec<Vec<(MemberId, PermissionSet)>>,
    threads: Vec<Option<Thread>>,
    outbox: usize,
}

struct Fx {
    clock: ManualClock,
    kit: InviteKit<AnyStore>,
    org: Organization,
    /// The founding `full` member, "Alice Smith".
    alice: Member,
    /// Every thread the test started (in any organization).
    threads: RefCell<Vec<ThreadId>>,
    /// Events already looked at by `new_events`.
    seen: Cell<u64>,
}

fn setup() -> Fx {
    let clock = ManualClock::new();
    let kit = common::kit(&clock);
    let org = kit.create_organization("Acme Corp", "acme", PORTAL, &["acme.com"]).unwrap();
    let alice = kit.add_member(org.id, "alice@acme.com", "Alice Smith", "full").unwrap();
    let fx = Fx { clock, kit, org, alice, threads: RefCell::new(Vec::new()), seen: Cell::new(0) };
    let _ = fx.new_events();
    fx
}

fn names(set: PermissionSet) -> Vec<&'static str> {
    set.names()
}

fn perms(names: &[&str]) -> PermissionSet {
    PermissionSet::parse_names(names).unwrap()
}

fn code<T: Debug>(r: Result<T>) -> &'static str {
    match r {
        Ok(v) => panic!("expected an error, got Ok({v:?})"),
        Err(e) => e.code(),
    }
}

fn check_of(e: &Error) -> Option<GrantCheck> {
    match e {
        Error::PermissionDenied { check, .. } => *check,
        _ => None,
    }
}

fn kinds(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(|e| e.kind.as_str()).collect()
}

fn id_json(id: impl ToString) -> serde_json::Value {
    serde_json::Value::String(id.to_string())
}

/// The token in an email body.
fn token_in(text: &str) -> String {
    let at = text.find("ikinv_").expect("a join link in the email");
    text[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}

impl Fx {
    fn member(&self, email: &str, name: &str, role: &str) -> Member {
        self.kit.add_member(self.org.id, email, name, role).unwrap()
    }

    fn start(&self, actor: MemberId, freelancer: &str, title: &str) -> Thread {
        let t = self.kit.start_thread(actor, "fl-1", freelancer, title).unwrap();
        self.threads.borrow_mut().push(t.id);
        t
    }

    /// Globex Inc (any domain) with its `full` admin Gina, on the same kit.
    fn globex(&self) -> (Organization, Member) {
        let org = self
            .kit
            .create_organization("Globex Inc", "globex", "https://globex.example.org", &["globex.com"])
            .unwrap();
        let gina = self.kit.add_member(org.id, "gina@globex.com", "Gina Grey", "full").unwrap();
        (org, gina)
    }

    fn participants(&self, thread: ThreadId) -> Vec<(MemberId, PermissionSet)> {
        self.kit
            .store()
            .read(|tx| tx.participants(thread))
            .unwrap()
            .into_iter()
            .map(|p| (p.member_id, p.permissions))
            .collect()
    }

    /// The participants as `people` shows them to `actor`.
    fn people_of(&self, actor: MemberId, thread: ThreadId) -> Vec<(MemberId, Vec<&'static str>)> {
        self.kit
            .people(actor, thread)
            .unwrap()
            .participants
            .into_iter()
            .map(|p| (p.member_id, p.permissions.names()))
            .collect()
    }

    fn holds(&self, thread: ThreadId, member: MemberId) -> Option<PermissionSet> {
        self.participants(thread).into_iter().find(|(m, _)| *m == member).map(|(_, p)| p)
    }

    fn search(&self, actor: MemberId, query: &str) -> Vec<ThreadId> {
        self.kit.search_threads(actor, query, 100, None).unwrap().threads.into_iter().map(|t| t.id).collect()
    }

    fn snap(&self) -> Snap {
        let threads = self.threads.borrow().clone();
        Snap {
            members: self.kit.list_members(self.org.id).unwrap(),
            invitations: self.kit.list_invitations(self.alice.id, None).unwrap(),
            events: self.kit.store().read(|tx| tx.events(self.org.id, 0, 100_000)).unwrap(),
            participants: threads.iter().map(|t| self.participants(*t)).collect(),
            threads: threads.iter().map(|t| self.kit.store().read(|tx| tx.thread(*t)).unwrap()).collect(),
            outbox: self.kit.store().read(|tx| tx.due_emails(Timestamp::from_millis(i64::MAX), 100_000)).unwrap().len(),
        }
    }

    /// Runs a call that must fail with `code` and change nothing.
    fn fails<T: Debug>(&self, code: &str, op: impl FnOnce() -> Result<T>) -> Error {
        self.fails_one_of(&[code], op)
    }

    fn fails_one_of<T: Debug>(&self, codes: &[&str], op: impl FnOnce() -> Result<T>) -> Error {
        let before = self.snap();
        let err = match op() {
            Ok(v) => panic!("expected one of {codes:?}, got Ok({v:?})"),
            Err(e) => e,
        };
        assert!(codes.contains(&err.code()), "expected one of {codes:?}, got `{}`: {err}", err.code());
        assert_eq!(self.snap(), before, "a failed call (`{}`) changed the state", err.code());
        err
    }

    /// A `permission_denied` naming `check`, changing nothing.
    fn denied<T: Debug>(&self, check: GrantCheck, op: impl FnOnce() -> Result<T>) -> Error {
        let e = self.fails("permission_denied", op);
        assert_eq!(check_of(&e), Some(check), "{e}");
        e
    }

    /// Acme's events since the last call.
    fn new_events(&self) -> Vec<Event> {
        let evs = self.kit.events(self.alice.id, Some(self.seen.get()), 1000).unwrap();
        if let Some(last) = evs.last() {
            self.seen.set(last.seq);
        }
        evs
    }

    /// Hands out every due email and acknowledges it.
    fn drain_outbox(&self) -> Vec<OutgoingEmail> {
        let out = self.kit.outbox_pending(1000).unwrap();
        for e in &out {
            self.kit.outbox_ack(e.id).unwrap();
        }
        out
    }
}

// ---------------------------------------------------------------------------
// Bringing a coworker into a conversation, end to end
// ---------------------------------------------------------------------------

#[test]
fn seed_second_flow_end_to_end() {
    let fx = setup();
    let kit = &fx.kit;
    let alice = fx.alice.id;
    // Bob is a recruiter: a `member` could not hold `interview` (R4 c), so
    // giving "interviewer" to a `member` Bob would be refused.
    let bob = fx.member("bob@acme.com", "Bob Jones", "recruiter");
    let zoe = fx.member("zoe@acme.com", "Zoë Martin", "member");
    let _ = fx.new_events();

    // Start the conversation with the freelancer; post.
    let thread = fx.start(alice, "José Pérez", "Logo redesign");
    assert_eq!((thread.title.as_str(), thread.freelancer_name.as_str()), ("Logo redesign", "José Pérez"));
    assert_eq!(thread.org_id, fx.org.id);
    fx.clock.advance(5);
    let msg = kit.post_message(alice, thread.id, "Could you share your portfolio?").unwrap();
    assert_eq!(msg.author, Author::Member(alice));
    assert_eq!(msg.thread_id, thread.id);
    let ev = fx.new_events();
    assert_eq!(kinds(&ev), ["thread_started"]);
    assert_eq!(ev[0].actor_id, Some(alice));
    assert_eq!(ev[0].details["thread_id"], id_json(thread.id));

    // Search: accent- and case-insensitive word prefixes, every word must match.
    for q in ["jose", "JOSÉ", "José", "perez", "logo red", "red logo", "portf", "jose portfolio", ""] {
        assert_eq!(fx.search(alice, q), [thread.id], "query {q:?}");
    }
    for q in ["xyz", "ose", "logo xyz", "edesign", "josex"] {
        assert!(fx.search(alice, q).is_empty(), "query {q:?}");
    }
    let page = kit.search_threads(alice, "jose", 20, None).unwrap();
    assert_eq!(page.next_cursor, None);
    assert_eq!(page.threads[0].last_activity_at, msg.sent_at, "posting moves the activity time");

    // The people list: the freelancer and the creator with everything.
    let people = kit.people(alice, thread.id).unwrap();
    assert_eq!((people.freelancer_id.as_str(), people.freelancer_name.as_str()), ("fl-1", "José Pérez"));
    assert_eq!(people.participants.len(), 1);
    assert_eq!(people.participants[0].member_id, alice);
    assert_eq!(people.participants[0].name, "Alice Smith");
    assert_eq!(people.participants[0].permissions, PermissionSet::ALL);

    // Find coworkers: word-prefix, accent-insensitive, never yourself.
    let found: Vec<String> = kit.find_coworkers(alice, "bo", 10).unwrap().into_iter().map(|m| m.name).collect();
    assert_eq!(found, ["Bob Jones"]);
    for q in ["zoe", "ZOE", "Zoë", "mart"] {
        let found: Vec<MemberId> = kit.find_coworkers(alice, q, 10).unwrap().into_iter().map(|m| m.id).collect();
        assert_eq!(found, [zoe.id], "query {q:?}");
    }
    assert!(kit.find_coworkers(alice, "ones", 10).unwrap().is_empty(), "not a word prefix");
    assert!(kit.find_coworkers(alice, "alice", 10).unwrap().is_empty(), "the actor is not their own coworker");

    // Options, then add Bob as an interviewer.
    assert_eq!(
        kit.permission_options(alice, thread.id).unwrap(),
        ["viewer", "participant", "interviewer", "hiring", "full"]
    );
    let added = kit.add_to_thread(alice, thread.id, bob.id, &Grant::preset("interviewer")).unwrap();
    assert_eq!(added.member_id, bob.id);
    assert_eq!(added.name, "Bob Jones");
    assert_eq!(names(added.permissions), ["interview", "read", "write"]);
    let ev = fx.new_events();
    assert_eq!(kinds(&ev), ["participant_added"]);
    assert_eq!(ev[0].details["member_id"], id_json(bob.id));
    assert_eq!(ev[0].details["permissions"], serde_json::json!(["interview", "read", "write"]));
    assert_eq!(
        fx.people_of(alice, thread.id),
        [(alice, names(PermissionSet::ALL)), (bob.id, vec!["interview", "read", "write"])]
    );
    // Bob sees it too now, and may post.
    assert_eq!(fx.search(bob.id, "jose"), [thread.id]);
    kit.post_message(bob.id, thread.id, "Hi José!").unwrap();

    // Invite a coworker who is not a member yet: an organization invitation
    // carrying the thread grant, whose email names the conversation.
    let _ = fx.drain_outbox();
    let r = kit
        .invite_to_thread(
            alice,
            thread.id,
            "carol@acme.com",
            &Grant::preset("viewer"),
            InviteOptions::new().message("Have a look"),
        )
        .unwrap();
    assert_eq!(r.kind, ThreadInviteKind::Invited);
    assert_eq!(r.kind.as_str(), "invited");
    assert!(r.participant.is_none());
    let inv = r.invitation.clone().unwrap();
    assert_eq!(inv.email, "carol@acme.com");
    assert_eq!(inv.role, "member");
    assert_eq!(inv.status, InvitationStatus::Pending);
    assert_eq!(inv.inviter_id, alice);
    assert_eq!(inv.thread_grants, [ThreadGrant { thread_id: thread.id, permissions: perms(&["read"]) }]);
    let ev = fx.new_events();
    assert_eq!(kinds(&ev), ["invitation_sent"]);
    assert_eq!(ev[0].details["thread_grants"][0]["thread_id"], id_json(thread.id));
    let out = fx.drain_outbox();
    assert_eq!(out.len(), 1);
    let mail = &out[0];
    assert_eq!(mail.to, "carol@acme.com");
    assert_eq!(mail.kind, EmailKind::ThreadInvitation);
    assert_eq!(mail.invitation_id, Some(inv.id));
    assert!(mail.subject.contains("José Pérez"), "{}", mail.subject);
    for part in [&mail.text, &mail.html] {
        assert!(part.contains("Logo redesign"), "{part}");
        assert!(part.contains("José Pérez"), "{part}");
        assert!(part.contains("Alice Smith"), "{part}");
        assert!(part.contains("Have a look"), "{part}");
        assert!(part.contains(&format!("{PORTAL}/join/ikinv_")), "{part}");
    }
    // Carol is not in the thread until she accepts.
    assert_eq!(fx.participants(thread.id).len(), 2);
    let link = format!("{PORTAL}/join/{}", token_in(&mail.text));
    let acc = kit.accept_invitation(&link, "carol@acme.com", "Carol White").unwrap();
    assert!(acc.dropped_grants.is_empty());
    assert_eq!(acc.member.role, "member");
    assert_eq!(acc.invitation.status, InvitationStatus::Accepted);
    let carol = acc.member.id;
    assert_eq!(
        fx.people_of(alice, thread.id),
        [(alice, names(PermissionSet::ALL)), (bob.id, vec!["interview", "read", "write"]), (carol, vec!["read"])]
    );
    let people = kit.people(carol, thread.id).unwrap();
    assert_eq!(people.participants[2].name, "Carol White");
    assert_eq!(fx.search(carol, "jose"), [thread.id]);
    assert!(kit.permission_options(carol, thread.id).unwrap().is_empty());
    assert_eq!(kinds(&fx.new_events()), ["invitation_accepted", "member_added", "participant_added"]);
    // Viewer: reads but may not post.
    fx.fails("permission_denied", || kit.post_message(carol, thread.id, "hello"));
    // The token works once.
    assert_eq!(code(kit.accept_invitation(&link, "carol@acme.com", "Carol White")), "invitation_not_pending");

    // The same call for an existing member adds them at once: no invitation, no email.
    let invitations_before = kit.list_invitations(alice, None).unwrap().len();
    let r = kit
        .invite_to_thread(alice, thread.id, "ZOE@acme.com", &Grant::preset("participant"), InviteOptions::new())
        .unwrap();
    assert_eq!(r.kind, ThreadInviteKind::Added);
    assert_eq!(r.kind.as_str(), "added");
    assert!(r.invitation.is_none());
    let p = r.participant.unwrap();
    assert_eq!((p.member_id, names(p.permissions)), (zoe.id, vec!["read", "write"]));
    assert_eq!(kit.list_invitations(alice, None).unwrap().len(), invitations_before);
    assert!(fx.drain_outbox().is_empty());
    assert_eq!(kinds(&fx.new_events()), ["participant_added"]);
    assert_eq!(fx.holds(thread.id, zoe.id), Some(perms(&["read", "write"])));
}

// ---------------------------------------------------------------------------
// R3: the creator holds their role's ceiling
// ---------------------------------------------------------------------------

#[test]
fn r3_creator_holds_exactly_their_role_ceiling() {
    let fx = setup();
    let cases = [
        ("full", vec!["hire", "interview", "manage_people", "read", "write"]),
        ("hiring_manager", vec!["hire", "interview", "manage_people", "read", "write"]),
        ("recruiter", vec!["interview", "manage_people", "read", "write"]),
        ("member", vec!["read", "write"]),
    ];
    for (i, (role, expected)) in cases.iter().enumerate() {
        let m = fx.member(&format!("c{i}@acme.com"), &format!("Creator {i}"), role);
        let _ = fx.new_events();
        let t = fx.start(m.id, "Fred Lance", "Landing page");
        assert_eq!(fx.people_of(m.id, t.id), [(m.id, expected.clone())], "{role}");
        let ev = fx.new_events();
        assert_eq!(kinds(&ev), ["thread_started"]);
        assert_eq!(ev[0].details["permissions"], serde_json::json!(expected), "{role}");
    }
    // In particular a recruiter holds no `hire`.
    let rita = fx.member("rita@acme.com", "Rita Recruiter", "recruiter");
    let t = fx.start(rita.id, "Fred Lance", "Hiring");
    assert!(!fx.holds(t.id, rita.id).unwrap().contains(Permission::Hire));
}

// ---------------------------------------------------------------------------
// R4 / R5: who may give what
// ---------------------------------------------------------------------------

#[test]
fn r4_r5_recruiter_options_and_role_grantable() {
    let fx = setup();
    let kit = &fx.kit;
    let rita = fx.member("rita@acme.com", "Rita Recruiter", "recruiter");
    let hank = fx.member("hank@acme.com", "Hank Manager", "hiring_manager");
    let rick = fx.member("rick@acme.com", "Rick Recruiter", "recruiter");
    let t = fx.start(rita.id, "José Pérez", "Logo redesign");
    assert_eq!(kit.permission_options(rita.id, t.id).unwrap(), ["viewer", "participant", "interviewer"]);

    // `hiring` is not among them: refused, naming a failed part of R4. The
    // recruiter's role may not grant `hire` (b), and, since a recruiter can
    // never hold `hire`, she does not hold it either (a); the library checks
    // (a) first (documented on `Policy::check_grant`).
    let e = fx.fails("permission_denied", || kit.add_to_thread(rita.id, t.id, hank.id, &Grant::preset("hiring")));
    assert!(matches!(check_of(&e), Some(GrantCheck::ActorHoldings | GrantCheck::RoleGrantable)), "{e}");
    assert!(e.to_string().contains("hire"), "{e}");
    // `manage_people` she holds, but her role may not grant it: exactly (b).
    fx.denied(GrantCheck::RoleGrantable, || {
        kit.add_to_thread(rita.id, t.id, rick.id, &Grant::permissions(&["read", "manage_people"]))
    });
    fx.denied(GrantCheck::RoleGrantable, || {
        kit.add_to_thread(rita.id, t.id, hank.id, &Grant::permissions(&["read", "write", "interview", "manage_people"]))
    });
    // A hiring manager holding everything may still not grant `full`: (b) alone.
    let t2 = fx.start(hank.id, "Ann Artist", "Brand book");
    assert_eq!(kit.permission_options(hank.id, t2.id).unwrap(), ["viewer", "participant", "interviewer", "hiring"]);
    let e =
        fx.denied(GrantCheck::RoleGrantable, || kit.add_to_thread(hank.id, t2.id, fx.alice.id, &Grant::preset("full")));
    assert!(e.to_string().contains("manage_people"), "{e}");

    // Every option offered is accepted (R5 = R4 for a target that can hold it).
    let _ = fx.new_events();
    for (i, preset) in ["viewer", "participant", "interviewer"].into_iter().enumerate() {
        let m = fx.member(&format!("r{i}@acme.com"), &format!("Recruiter {i}"), "recruiter");
        let p = kit.add_to_thread(rita.id, t.id, m.id, &Grant::preset(preset)).unwrap();
        assert_eq!(p.permissions, kit.policy().preset(preset).unwrap().permissions());
    }
    assert_eq!(
        kinds(&fx.new_events()),
        ["member_added", "participant_added", "member_added", "participant_added", "member_added", "participant_added"]
    );
}

#[test]
fn r4_actor_needs_manage_people_and_cannot_give_more_than_held() {
    let fx = setup();
    let kit = &fx.kit;
    let alice = fx.alice.id;
    let bob = fx.member("bob@acme.com", "Bob Jones", "recruiter");
    let hank = fx.member("hank@acme.com", "Hank Manager", "hiring_manager");
    let zoe = fx.member("zoe@acme.com", "Zoë Martin", "member");
    let rick = fx.member("rick@acme.com", "Rick Recruiter", "recruiter");
    let t = fx.start(alice, "José Pérez", "Logo redesign");

    // A participant without manage_people: no options, every change refused (a).
    kit.add_to_thread(alice, t.id, bob.id, &Grant::preset("interviewer")).unwrap();
    assert!(kit.permission_options(bob.id, t.id).unwrap().is_empty());
    let e = fx.denied(GrantCheck::ActorHoldings, || kit.add_to_thread(bob.id, t.id, zoe.id, &Grant::preset("viewer")));
    assert!(e.to_string().contains("manage_people"), "{e}");
    fx.denied(GrantCheck::ActorHoldings, || kit.change_permissions(bob.id, t.id, alice, &Grant::preset("viewer")));
    fx.denied(GrantCheck::ActorHoldings, || {
        kit.invite_to_thread(bob.id, t.id, "zoe@acme.com", &Grant::preset("viewer"), InviteOptions::new())
    });
    let e = fx.fails("permission_denied", || kit.remove_from_thread(bob.id, t.id, alice));
    assert_eq!(check_of(&e), Some(GrantCheck::ActorHoldings));

    // Giving more than the actor holds: Hank holds read, write, manage_people only.
    kit.add_to_thread(alice, t.id, hank.id, &Grant::permissions(&["read", "write", "manage_people"])).unwrap();
    assert_eq!(kit.permission_options(hank.id, t.id).unwrap(), ["viewer", "participant"]);
    let e = fx
        .denied(GrantCheck::ActorHoldings, || kit.add_to_thread(hank.id, t.id, rick.id, &Grant::preset("interviewer")));
    assert!(e.to_string().contains("interview"), "{e}");
    fx.denied(GrantCheck::ActorHoldings, || kit.change_permissions(hank.id, t.id, bob.id, &Grant::preset("hiring")));
    fx.denied(GrantCheck::ActorHoldings, || {
        kit.invite_to_thread(
            hank.id,
            t.id,
            "new@acme.com",
            &Grant::permissions(&["read", "hire"]),
            InviteOptions::new(),
        )
    });
    // Within what he holds, it works.
    kit.add_to_thread(hank.id, t.id, rick.id, &Grant::preset("participant")).unwrap();
    assert_eq!(fx.holds(t.id, rick.id), Some(perms(&["read", "write"])));
}

#[test]
fn r4_target_ceiling_and_member_role_adds_nobody() {
    let fx = setup();
    let kit = &fx.kit;
    let alice = fx.alice.id;
    let zoe = fx.member("zoe@acme.com", "Zoë Martin", "member");
    let mo = fx.member("mo@acme.com", "Mo Member", "member");
    let t = fx.start(alice, "José Pérez", "Logo redesign");

    // `interview` to a `member`: (c).
    let e =
        fx.denied(GrantCheck::TargetCeiling, || kit.add_to_thread(alice, t.id, zoe.id, &Grant::preset("interviewer")));
    assert!(e.to_string().contains("interview"), "{e}");
    fx.denied(GrantCheck::TargetCeiling, || {
        kit.add_to_thread(alice, t.id, zoe.id, &Grant::permissions(&["read", "interview"]))
    });
    fx.denied(GrantCheck::TargetCeiling, || kit.add_to_thread(alice, t.id, zoe.id, &Grant::preset("full")));
    fx.denied(GrantCheck::TargetCeiling, || {
        kit.invite_to_thread(alice, t.id, "zoe@acme.com", &Grant::preset("hiring"), InviteOptions::new())
    });
    // A new invitee gets the default role `member`: same ceiling.
    fx.denied(GrantCheck::TargetCeiling, || {
        kit.invite_to_thread(alice, t.id, "newbie@acme.com", &Grant::preset("interviewer"), InviteOptions::new())
    });
    kit.add_to_thread(alice, t.id, zoe.id, &Grant::preset("participant")).unwrap();
    fx.denied(GrantCheck::TargetCeiling, || kit.change_permissions(alice, t.id, zoe.id, &Grant::preset("interviewer")));

    // A `member` holds read, write at most: no options, can add nobody, even in their own thread.
    assert!(kit.permission_options(zoe.id, t.id).unwrap().is_empty());
    let own = fx.start(zoe.id, "Ann Artist", "Zoë's thread");
    assert!(kit.permission_options(zoe.id, own.id).unwrap().is_empty());
    for preset in ["viewer", "participant"] {
        fx.denied(GrantCheck::ActorHoldings, || kit.add_to_thread(zoe.id, own.id, mo.id, &Grant::preset(preset)));
        fx.denied(GrantCheck::ActorHoldings, || kit.add_to_thread(zoe.id, own.id, alice, &Grant::preset(preset)));
    }
}

#[test]
fn grant_must_be_exactly_one_known_preset_or_known_permissions() {
    let fx = setup();
    let kit = &fx.kit;
    let alice = fx.alice.id;
    let bob = fx.member("bob@acme.com", "Bob Jones", "recruiter");
    let t = fx.start(alice, "José Pérez", "Logo redesign");
    let read = ["read".to_owned()];

    // Both or neither.
    assert_eq!(code(Grant::from_options(Some("viewer"), Some(&read[..]))), "invalid_input");
    assert_eq!(code(Grant::from_options::<String>(None, None)), "invalid_input");
    assert_eq!(Grant::from_options::<String>(Some("viewer"), None).unwrap(), Grant::preset("viewer"));
    assert_eq!(Grant::from_options(None, Some(&read[..])).unwrap(), Grant::permissions(&["read"]));
    // An empty set.
    let empty: [&str; 0] = [];
    fx.fails("invalid_input", || kit.add_to_thread(alice, t.id, bob.id, &Grant::permissions(&empty)));
    fx.fails("invalid_input", || {
        kit.invite_to_thread(alice, t.id, "x@acme.com", &Grant::permissions(&empty), InviteOptions::new())
    });

    // Unknown names, exact names only.
    for bad in ["admin", "Viewer", "viewer ", "full,admin", "", "read"] {
        fx.fails("invalid_input", || kit.add_to_thread(alice, t.id, bob.id, &Grant::preset(bad)));
        fx.fails("invalid_input", || {
            kit.invite_to_thread(alice, t.id, "x@acme.com", &Grant::preset(bad), InviteOptions::new())
        });
    }
    for bad in ["Read", "admin", "read,write", "manage-people", ""] {
        fx.fails("invalid_input", || kit.add_to_thread(alice, t.id, bob.id, &Grant::permissions(&["read", bad])));
    }
    kit.add_to_thread(alice, t.id, bob.id, &Grant::preset("viewer")).unwrap();
    for bad in ["Viewer", "nope"] {
        fx.fails("invalid_input", || kit.change_permissions(alice, t.id, bob.id, &Grant::preset(bad)));
    }
    fx.fails("invalid_input", || kit.change_permissions(alice, t.id, bob.id, &Grant::permissions(&["READ"])));
    // Duplicate names are one permission.
    let p = kit.change_permissions(alice, t.id, bob.id, &Grant::permissions(&["read", "write", "read"])).unwrap();
    assert_eq!(names(p.permissions), ["read", "write"]);
}

// ---------------------------------------------------------------------------
// R6: only active members of the thread's organization
// ---------------------------------------------------------------------------

#[test]
fn r6_only_active_members_of_the_organization() {
    let fx = setup();
    let kit = &fx.kit;
    let alice = fx.alice.id;
    let dave = fx.member("dave@acme.com", "Dave Gone", "recruiter");
    let (_globex, gina) = fx.globex();
    let t = fx.start(alice, "José Pérez", "Logo redesign");
    kit.deactivate_member(alice, dave.id).unwrap();

    let e = fx.fails_one_of(&["permission_denied", "not_found"], || {
        kit.add_to_thread(alice, t.id, dave.id, &Grant::preset("viewer"))
    });
    assert_eq!(check_of(&e), None, "not an R4 refusal: {e}");
    // Another organization's member: as if it did not exist.
    fx.fails("not_found", || kit.add_to_thread(alice, t.id, gina.id, &Grant::preset("viewer")));
    fx.fails("not_found", || kit.change_permissions(alice, t.id, gina.id, &Grant::preset("viewer")));
    fx.fails("not_found", || kit.remove_from_thread(alice, t.id, gina.id));
    fx.fails("not_found", || kit.add_to_thread(alice, t.id, MemberId::new(), &Grant::preset("viewer")));
    assert!(kit.find_coworkers(alice, "gina", 10).unwrap().is_empty());
    assert!(kit.find_coworkers(alice, "dave", 10).unwrap().is_empty(), "deactivated members are not offered");
    // Their address is not an active member's: invite_to_thread sends an invitation instead.
    let r = kit.invite_to_thread(alice, t.id, "dave@acme.com", &Grant::preset("viewer"), InviteOptions::new()).unwrap();
    assert_eq!(r.kind, ThreadInviteKind::Invited);
    // A Globex address is outside Acme's allowed domains.
    fx.fails("domain_not_allowed", || {
        kit.invite_to_thread(alice, t.id, "gina@globex.com", &Grant::preset("viewer"), InviteOptions::new())
    });
    assert_eq!(fx.participants(t.id).len(), 1);
}

// ---------------------------------------------------------------------------
// R7: role changes clamp, deactivation removes
// ---------------------------------------------------------------------------

#[test]
fn r7_role_change_clamps_thread_permissions() {
    let fx = setup();
    let kit = &fx.kit;
    let alice = fx.alice.id;
    let dave = fx.member("dave@acme.com", "Dave Full", "full");
    let t = fx.start(alice, "José Pérez", "Logo redesign");
    let own = fx.start(dave.id, "Ann Artist", "Dave's own");
    kit.add_to_thread(alice, t.id, dave.id, &Grant::preset("full")).unwrap();
    let _ = fx.new_events();

    // full -> recruiter: `hire` goes.
    kit.set_role(alice, dave.id, "recruiter").unwrap();
    assert_eq!(fx.holds(t.id, dave.id), Some(perms(&["read", "write", "interview", "manage_people"])));
    assert_eq!(fx.holds(own.id, dave.id), Some(perms(&["read", "write", "interview", "manage_people"])));
    let ev = fx.new_events();
    assert_eq!(
        kinds(&ev),
        ["member_role_changed", "participant_permissions_changed", "participant_permissions_changed"]
    );
    assert_eq!(kit.permission_options(dave.id, t.id).unwrap(), ["viewer", "participant", "interviewer"]);

    // recruiter -> member: read, write; nothing else survives.
    kit.set_role(alice, dave.id, "member").unwrap();
    assert_eq!(fx.holds(t.id, dave.id), Some(perms(&["read", "write"])));
    assert_eq!(fx.holds(own.id, dave.id), Some(perms(&["read", "write"])));
    let ev = fx.new_events();
    assert_eq!(
        kinds(&ev),
        ["member_role_changed", "participant_permissions_changed", "participant_permissions_changed"]
    );
    let changed: Vec<&Event> = ev.iter().filter(|e| e.kind == EventKind::ParticipantPermissionsChanged).collect();
    for e in &changed {
        assert_eq!(e.details["member_id"], id_json(dave.id));
        assert_eq!(e.details["to"], serde_json::json!(["read", "write"]));
        assert_eq!(e.details["from"], serde_json::json!(["interview", "manage_people", "read", "write"]));
    }
    assert!(kit.permission_options(dave.id, t.id).unwrap().is_empty());
    let zed = fx.member("zed@acme.com", "Zed", "member");
    fx.denied(GrantCheck::ActorHoldings, || kit.add_to_thread(dave.id, own.id, zed.id, &Grant::preset("viewer")));

    // Straight full -> member, for someone holding everything.
    let erin = fx.member("erin@acme.com", "Erin Full", "full");
    kit.add_to_thread(alice, t.id, erin.id, &Grant::preset("full")).unwrap();
    let _ = fx.new_events();
    kit.set_role(alice, erin.id, "member").unwrap();
    assert_eq!(fx.holds(t.id, erin.id), Some(perms(&["read", "write"])));
    let ev = fx.new_events();
    assert_eq!(kinds(&ev), ["member_role_changed", "participant_permissions_changed"]);
    // The same role again changes nothing.
    kit.set_role(alice, erin.id, "member").unwrap();
    assert!(fx.new_events().is_empty());
}

#[test]
fn r7_deactivation_removes_from_every_thread() {
    let fx = setup();
    let kit = &fx.kit;
    let alice = fx.alice.id;
    let dave = fx.member("dave@acme.com", "Dave Gone", "hiring_manager");
    let t1 = fx.start(alice, "José Pérez", "Logo redesign");
    let t2 = fx.start(alice, "Ann Artist", "Brand book");
    let own = fx.start(dave.id, "Fred Lance", "Dave's own");
    kit.add_to_thread(alice, t1.id, dave.id, &Grant::preset("hiring")).unwrap();
    kit.add_to_thread(alice, t2.id, dave.id, &Grant::preset("viewer")).unwrap();
    kit.add_to_thread(dave.id, own.id, alice, &Grant::preset("viewer")).unwrap();
    assert_eq!(fx.search(dave.id, "").len(), 3);
    let _ = fx.new_events();

    kit.deactivate_member(alice, dave.id).unwrap();
    for t in [t1.id, t2.id, own.id] {
        assert_eq!(fx.holds(t, dave.id), None);
        assert!(fx.participants(t).iter().all(|(m, _)| *m != dave.id));
    }
    let ev = fx.new_events();
    let mut k = kinds(&ev);
    k.sort_unstable();
    assert_eq!(k, ["member_deactivated", "participant_removed", "participant_removed", "participant_removed"]);
    for e in ev.iter().filter(|e| e.kind == EventKind::ParticipantRemoved) {
        assert_eq!(e.details["member_id"], id_json(dave.id));
        assert_eq!(e.details["reason"], "deactivated");
    }
    // A deactivated member can do nothing in a thread.
    assert!(kit.search_threads(dave.id, "", 20, None).is_err());
    assert!(kit.people(dave.id, t1.id).is_err());
    fx.fails_one_of(&["permission_denied", "not_found"], || kit.post_message(dave.id, t1.id, "still here?"));
    fx.fails_one_of(&["permission_denied", "not_found"], || kit.start_thread(dave.id, "fl-9", "Someone", "New"));
    // Alice, whom Dave added as a viewer, is still in Dave's thread.
    assert_eq!(fx.people_of(alice, own.id), [(alice, vec!["read"])]);
}

#[test]
fn r7_inviter_role_change_clamps_and_deactivation_revokes_thread_grants() {
    let fx = setup();
    let kit = &fx.kit;
    let alice = fx.alice.id;
    let hank = fx.member("hank@acme.com", "Hank Manager", "hiring_manager");
    let t = fx.start(alice, "José Pérez", "Logo redesign");
    kit.add_to_thread(alice, t.id, hank.id, &Grant::preset("full")).unwrap();
    let ivy = kit
        .invite_to_thread(hank.id, t.id, "ivy@acme.com", &Grant::preset("participant"), InviteOptions::new())
        .unwrap();
    let ivy = ivy.invitation.unwrap();
    let jay =
        kit.invite_to_thread(hank.id, t.id, "jay@acme.com", &Grant::preset("viewer"), InviteOptions::new()).unwrap();
    let jay = jay.invitation.unwrap();
    let links: Vec<String> = fx.drain_outbox().iter().map(|m| token_in(&m.text)).collect();
    let stored =
        |id: InvitationId| kit.list_invitations(alice, None).unwrap().into_iter().find(|i| i.id == id).unwrap();

    // hiring_manager -> recruiter: a recruiter may still give read, write: unchanged.
    kit.set_role(alice, hank.id, "recruiter").unwrap();
    assert_eq!(stored(ivy.id).thread_grants, ivy.thread_grants);
    assert_eq!(stored(ivy.id).status, InvitationStatus::Pending);
    // recruiter -> member: a member may still invite members, but grants nothing.
    kit.set_role(alice, hank.id, "member").unwrap();
    assert_eq!(fx.holds(t.id, hank.id), Some(perms(&["read", "write"])));
    let clamped = stored(ivy.id);
    assert_eq!(clamped.status, InvitationStatus::Pending);
    assert!(clamped.thread_grants.is_empty(), "{:?}", clamped.thread_grants);
    let acc = kit.accept_invitation(&links[0], "ivy@acme.com", "Ivy Newcomer").unwrap();
    assert_eq!(fx.holds(t.id, acc.member.id), None);
    assert!(acc.dropped_grants.is_empty(), "the grant was clamped away before acceptance");

    // Deactivating the inviter revokes what is still pending.
    let _ = fx.new_events();
    kit.deactivate_member(alice, hank.id).unwrap();
    assert_eq!(stored(jay.id).status, InvitationStatus::Revoked);
    let ev = fx.new_events();
    assert!(kinds(&ev).contains(&"invitation_revoked"), "{:?}", kinds(&ev));
    assert!(kinds(&ev).contains(&"participant_removed"), "{:?}", kinds(&ev));
    assert_eq!(code(kit.accept_invitation(&links[1], "jay@acme.com", "Jay")), "invitation_not_pending");
}

// ---------------------------------------------------------------------------
// R7b: a removed participant sees nothing
// ---------------------------------------------------------------------------

#[test]
fn r7b_removed_participant_finds_nothing_afterwards() {
    let fx = setup();
    let kit = &fx.kit;
    let alice = fx.alice.id;
    let bob = fx.member("bob@acme.com", "Bob Jones", "recruiter");
    let zoe = fx.member("zoe@acme.com", "Zoë Martin", "member");
    let t = fx.start(alice, "José Pérez", "Logo redesign");
    kit.add_to_thread(alice, t.id, bob.id, &Grant::permissions(&["read", "write", "interview", "manage_people"]))
        .unwrap();
    // Bob can do everything a moment before.
    kit.post_message(bob.id, t.id, "portfolio looks great").unwrap();
    assert_eq!(fx.search(bob.id, "jose"), [t.id]);
    assert_eq!(fx.search(bob.id, "portfolio"), [t.id]);
    assert_eq!(kit.permission_options(bob.id, t.id).unwrap(), ["viewer", "participant", "interviewer"]);
    let _ = fx.new_events();

    kit.remove_from_thread(alice, t.id, bob.id).unwrap();
    let ev = fx.new_events();
    assert_eq!(kinds(&ev), ["participant_removed"]);
    assert_eq!(ev[0].details["member_id"], id_json(bob.id));
    assert_eq!(ev[0].actor_id, Some(alice));

    for q in ["", "jose", "portfolio", "logo"] {
        assert!(fx.search(bob.id, q).is_empty(), "query {q:?}");
    }
    fx.fails("not_found", || kit.people(bob.id, t.id));
    fx.fails("not_found", || kit.post_message(bob.id, t.id, "am I still here?"));
    fx.fails("not_found", || kit.permission_options(bob.id, t.id));
    fx.fails("not_found", || kit.add_to_thread(bob.id, t.id, zoe.id, &Grant::preset("viewer")));
    fx.fails("not_found", || kit.change_permissions(bob.id, t.id, alice, &Grant::preset("viewer")));
    fx.fails("not_found", || kit.remove_from_thread(bob.id, t.id, alice));
    fx.fails("not_found", || kit.leave_thread(bob.id, t.id));
    fx.fails("not_found", || {
        kit.invite_to_thread(bob.id, t.id, "new@acme.com", &Grant::preset("viewer"), InviteOptions::new())
    });

    // Losing `read` is losing the thread too.
    kit.add_to_thread(alice, t.id, zoe.id, &Grant::preset("participant")).unwrap();
    kit.change_permissions(alice, t.id, zoe.id, &Grant::permissions(&["write"])).unwrap();
    assert!(fx.search(zoe.id, "").is_empty());
    fx.fails("not_found", || kit.people(zoe.id, t.id));
    fx.fails("not_found", || kit.post_message(zoe.id, t.id, "hello"));
    fx.fails("not_found", || kit.permission_options(zoe.id, t.id));
}

// ---------------------------------------------------------------------------
// R8: thread grants are re-checked at acceptance
// ---------------------------------------------------------------------------

/// Rita (recruiter, holding manage_people in the thread) invites Erin with a
/// viewer grant; `then` changes things; Erin accepts.
fn r8_case(then: impl FnOnce(&Fx, ThreadId, MemberId)) -> (Fx, ThreadId, Acceptance) {
    let fx = setup();
    let rita = fx.member("rita@acme.com", "Rita Recruiter", "recruiter");
    let t = fx.start(fx.alice.id, "José Pérez", "Logo redesign");
    fx.kit.add_to_thread(fx.alice.id, t.id, rita.id, &Grant::permissions(&["read", "write", "manage_people"])).unwrap();
    let _ = fx.drain_outbox();
    let r = fx
        .kit
        .invite_to_thread(rita.id, t.id, "erin@acme.com", &Grant::preset("viewer"), InviteOptions::new())
        .unwrap();
    assert_eq!(r.kind, ThreadInviteKind::Invited);
    let link = token_in(&fx.drain_outbox()[0].text);
    then(&fx, t.id, rita.id);
    let _ = fx.new_events();
    let acc = fx.kit.accept_invitation(&link, "erin@acme.com", "Erin Newcomer").unwrap();
    (fx, t.id, acc)
}

#[test]
fn r8_grant_is_applied_when_it_still_passes() {
    let (fx, t, acc) = r8_case(|_, _, _| {});
    assert!(acc.dropped_grants.is_empty());
    assert_eq!(fx.holds(t, acc.member.id), Some(perms(&["read"])));
    let ev = fx.new_events();
    assert_eq!(kinds(&ev), ["invitation_accepted", "member_added", "participant_added"]);
    assert_eq!(ev[2].details["via"], "invitation");
}

#[test]
fn r8_grant_dropped_when_inviter_lost_manage_people() {
    let (fx, t, acc) = r8_case(|fx, t, rita| {
        fx.kit.change_permissions(fx.alice.id, t, rita, &Grant::preset("participant")).unwrap();
    });
    assert_eq!(acc.dropped_grants, [t]);
    assert_eq!(acc.member.status, MemberStatus::Active, "the invitation itself still succeeds");
    assert_eq!(fx.holds(t, acc.member.id), None);
    assert!(fx.people_of(fx.alice.id, t).iter().all(|(m, _)| *m != acc.member.id));
    assert!(fx.search(acc.member.id, "").is_empty());
    fx.fails("not_found", || fx.kit.people(acc.member.id, t));
    assert_eq!(kinds(&fx.new_events()), ["invitation_accepted", "member_added"]);
}

#[test]
fn r8_grant_dropped_when_inviter_was_removed_from_the_thread() {
    let (fx, t, acc) = r8_case(|fx, t, rita| {
        fx.kit.remove_from_thread(fx.alice.id, t, rita).unwrap();
    });
    assert_eq!(acc.dropped_grants, [t]);
    assert_eq!(fx.holds(t, acc.member.id), None);
    assert_eq!(kinds(&fx.new_events()), ["invitation_accepted", "member_added"]);
}

#[test]
fn r8_grant_dropped_when_inviter_left_the_thread() {
    let (fx, t, acc) = r8_case(|fx, t, rita| {
        fx.kit.leave_thread(rita, t).unwrap();
    });
    assert_eq!(acc.dropped_grants, [t]);
    assert_eq!(fx.holds(t, acc.member.id), None);
}

#[test]
fn r8_grant_kept_when_inviter_lost_then_regained_manage_people() {
    let (fx, t, acc) = r8_case(|fx, t, rita| {
        fx.kit.change_permissions(fx.alice.id, t, rita, &Grant::preset("participant")).unwrap();
        fx.kit.change_permissions(fx.alice.id, t, rita, &Grant::permissions(&["read", "manage_people"])).unwrap();
    });
    assert!(acc.dropped_grants.is_empty(), "checked against the state at acceptance");
    assert_eq!(fx.holds(t, acc.member.id), Some(perms(&["read"])));
}

// ---------------------------------------------------------------------------
// R9: another organization's threads do not exist
// ---------------------------------------------------------------------------

#[test]
fn r9_other_organizations_threads_are_not_found_for_every_operation() {
    let fx = setup();
    let kit = &fx.kit;
    let alice = fx.alice.id;
    let bob = fx.member("bob@acme.com", "Bob Jones", "recruiter");
    let (_globex, gina) = fx.globex();
    let theirs = fx.start(gina.id, "José Pérez", "Logo redesign");
    kit.post_message(gina.id, theirs.id, "secret jose plans").unwrap();
    let mine = fx.start(alice, "Ann Artist", "Ours");
    kit.add_to_thread(alice, mine.id, bob.id, &Grant::preset("viewer")).unwrap();

    assert_eq!(fx.search(alice, ""), [mine.id]);
    assert!(fx.search(alice, "jose").is_empty());
    assert!(fx.search(alice, "secret").is_empty());
    assert_eq!(fx.search(gina.id, "jose"), [theirs.id]);
    let g = Grant::preset("viewer");
    fx.fails("not_found", || kit.people(alice, theirs.id));
    fx.fails("not_found", || kit.permission_options(alice, theirs.id));
    fx.fails("not_found", || kit.post_message(alice, theirs.id, "hi"));
    fx.fails("not_found", || kit.add_to_thread(alice, theirs.id, bob.id, &g));
    fx.fails("not_found", || kit.add_to_thread(alice, theirs.id, alice, &g));
    fx.fails("not_found", || kit.add_to_thread(alice, theirs.id, gina.id, &g));
    fx.fails("not_found", || kit.invite_to_thread(alice, theirs.id, "bob@acme.com", &g, InviteOptions::new()));
    fx.fails("not_found", || kit.invite_to_thread(alice, theirs.id, "new@acme.com", &g, InviteOptions::new()));
    fx.fails("not_found", || kit.change_permissions(alice, theirs.id, gina.id, &g));
    fx.fails("not_found", || kit.remove_from_thread(alice, theirs.id, gina.id));
    fx.fails("not_found", || kit.leave_thread(alice, theirs.id));
    // And the other way round.
    fx.fails("not_found", || kit.people(gina.id, mine.id));
    fx.fails("not_found", || kit.add_to_thread(gina.id, mine.id, gina.id, &g));
    // A thread id that never existed answers the same.
    let ghost = ThreadId::new();
    fx.fails("not_found", || kit.people(alice, ghost));
    fx.fails("not_found", || kit.permission_options(alice, ghost));
    fx.fails("not_found", || kit.leave_thread(alice, ghost));
    fx.fails("not_found", || kit.add_to_thread(alice, ghost, bob.id, &g));
    // Same message text for "exists elsewhere" and "never existed".
    let a = kit.people(alice, theirs.id).unwrap_err().to_string();
    let b = kit.people(alice, ghost).unwrap_err().to_string();
    assert_eq!(a, b);
}

// ---------------------------------------------------------------------------
// Adding, changing, removing, leaving
// ---------------------------------------------------------------------------

#[test]
fn already_participant_is_refused() {
    let fx = setup();
    let kit = &fx.kit;
    let alice = fx.alice.id;
    let bob = fx.member("bob@acme.com", "Bob Jones", "recruiter");
    let t = fx.start(alice, "José Pérez", "Logo redesign");
    kit.add_to_thread(alice, t.id, bob.id, &Grant::preset("viewer")).unwrap();
    fx.fails("already_participant", || kit.add_to_thread(alice, t.id, bob.id, &Grant::preset("viewer")));
    fx.fails("already_participant", || kit.add_to_thread(alice, t.id, bob.id, &Grant::preset("interviewer")));
    fx.fails("already_participant", || kit.add_to_thread(alice, t.id, alice, &Grant::preset("viewer")));
    fx.fails("already_participant", || {
        kit.invite_to_thread(alice, t.id, "bob@acme.com", &Grant::preset("participant"), InviteOptions::new())
    });
    assert_eq!(fx.holds(t.id, bob.id), Some(perms(&["read"])));
}

#[test]
fn leave_thread_needs_someone_else_with_manage_people() {
    let fx = setup();
    let kit = &fx.kit;
    let alice = fx.alice.id;
    let bob = fx.member("bob@acme.com", "Bob Jones", "recruiter");
    let dave = fx.member("dave@acme.com", "Dave Full", "full");
    let t = fx.start(alice, "José Pérez", "Logo redesign");
    kit.add_to_thread(alice, t.id, bob.id, &Grant::preset("interviewer")).unwrap();

    // Alice is the only one with manage_people.
    fx.fails("conflict", || kit.leave_thread(alice, t.id));
    fx.fails("conflict", || kit.remove_from_thread(alice, t.id, alice));
    fx.fails("conflict", || kit.change_permissions(alice, t.id, alice, &Grant::preset("hiring")));

    // Bob, without it, leaves freely.
    let _ = fx.new_events();
    kit.leave_thread(bob.id, t.id).unwrap();
    let ev = fx.new_events();
    assert_eq!(kinds(&ev), ["participant_left"]);
    assert_eq!(ev[0].actor_id, Some(bob.id));
    assert_eq!(ev[0].details["member_id"], id_json(bob.id));
    assert_eq!(ev[0].details["thread_id"], id_json(t.id));
    fx.fails("not_found", || kit.people(bob.id, t.id));
    fx.fails("not_found", || kit.leave_thread(bob.id, t.id));

    // Handing it on, then leaving, works.
    kit.add_to_thread(alice, t.id, dave.id, &Grant::preset("full")).unwrap();
    let _ = fx.new_events();
    kit.leave_thread(alice, t.id).unwrap();
    let ev = fx.new_events();
    assert_eq!(kinds(&ev), ["participant_left"]);
    assert_eq!(ev[0].details["member_id"], id_json(alice));
    assert_eq!(fx.people_of(dave.id, t.id), [(dave.id, names(PermissionSet::ALL))]);
    assert!(fx.search(alice, "").is_empty());
    // Dave is the last one now.
    fx.fails("conflict", || kit.leave_thread(dave.id, t.id));
}

#[test]
fn remove_from_thread() {
    let fx = setup();
    let kit = &fx.kit;
    let alice = fx.alice.id;
    let bob = fx.member("bob@acme.com", "Bob Jones", "recruiter");
    let zoe = fx.member("zoe@acme.com", "Zoë Martin", "member");
    let dave = fx.member("dave@acme.com", "Dave Full", "full");
    let t = fx.start(alice, "José Pérez", "Logo redesign");
    kit.add_to_thread(alice, t.id, bob.id, &Grant::preset("interviewer")).unwrap();
    kit.add_to_thread(alice, t.id, zoe.id, &Grant::preset("viewer")).unwrap();

    // Not a participant.
    fx.fails("not_found", || kit.remove_from_thread(alice, t.id, dave.id));
    fx.fails("not_found", || kit.remove_from_thread(alice, t.id, MemberId::new()));
    // Without manage_people.
    fx.fails("permission_denied", || kit.remove_from_thread(bob.id, t.id, zoe.id));

    let _ = fx.new_events();
    kit.remove_from_thread(alice, t.id, zoe.id).unwrap();
    let ev = fx.new_events();
    assert_eq!(kinds(&ev), ["participant_removed"]);
    assert_eq!(ev[0].details["member_id"], id_json(zoe.id));
    assert_eq!(ev[0].details["thread_id"], id_json(t.id));
    assert_eq!(
        fx.people_of(alice, t.id),
        [(alice, names(PermissionSet::ALL)), (bob.id, vec!["interview", "read", "write"])]
    );
    fx.fails("not_found", || kit.remove_from_thread(alice, t.id, zoe.id));

    // With another manager present, one may remove the other (and oneself).
    kit.add_to_thread(alice, t.id, dave.id, &Grant::preset("full")).unwrap();
    kit.remove_from_thread(dave.id, t.id, alice).unwrap();
    fx.fails("not_found", || kit.people(alice, t.id));
    fx.fails("conflict", || kit.remove_from_thread(dave.id, t.id, dave.id));
    // Someone removed can be added back.
    kit.add_to_thread(dave.id, t.id, zoe.id, &Grant::preset("participant")).unwrap();
    assert_eq!(fx.holds(t.id, zoe.id), Some(perms(&["read", "write"])));
}

#[test]
fn change_permissions() {
    let fx = setup();
    let kit = &fx.kit;
    let alice = fx.alice.id;
    let bob = fx.member("bob@acme.com", "Bob Jones", "recruiter");
    let dave = fx.member("dave@acme.com", "Dave Full", "full");
    let t = fx.start(alice, "José Pérez", "Logo redesign");
    kit.add_to_thread(alice, t.id, bob.id, &Grant::preset("interviewer")).unwrap();
    let _ = fx.new_events();

    let p = kit.change_permissions(alice, t.id, bob.id, &Grant::preset("viewer")).unwrap();
    assert_eq!((p.member_id, names(p.permissions)), (bob.id, vec!["read"]));
    assert_eq!(fx.holds(t.id, bob.id), Some(perms(&["read"])));
    let ev = fx.new_events();
    assert_eq!(kinds(&ev), ["participant_permissions_changed"]);
    assert_eq!(ev[0].details["from"], serde_json::json!(["interview", "read", "write"]));
    assert_eq!(ev[0].details["to"], serde_json::json!(["read"]));
    assert_eq!(ev[0].actor_id, Some(alice));
    // The same again: nothing to record.
    kit.change_permissions(alice, t.id, bob.id, &Grant::permissions(&["read"])).unwrap();
    assert!(fx.new_events().is_empty());
    // Upgrades are bounded by R4 like additions.
    kit.change_permissions(alice, t.id, bob.id, &Grant::permissions(&["read", "write", "interview", "manage_people"]))
        .unwrap();
    fx.denied(GrantCheck::TargetCeiling, || kit.change_permissions(alice, t.id, bob.id, &Grant::preset("hiring")));
    // Bob may now change others within his own holdings and role.
    kit.add_to_thread(alice, t.id, dave.id, &Grant::preset("viewer")).unwrap();
    kit.change_permissions(bob.id, t.id, dave.id, &Grant::preset("interviewer")).unwrap();
    fx.denied(GrantCheck::ActorHoldings, || kit.change_permissions(bob.id, t.id, dave.id, &Grant::preset("hiring")));
    fx.denied(GrantCheck::RoleGrantable, || {
        kit.change_permissions(bob.id, t.id, dave.id, &Grant::permissions(&["read", "manage_people"]))
    });
    // Not a participant.
    let zoe = fx.member("zoe@acme.com", "Zoë Martin", "member");
    fx.fails("not_found", || kit.change_permissions(alice, t.id, zoe.id, &Grant::preset("viewer")));
    // Taking manage_people away from someone when another holder remains is fine.
    kit.change_permissions(alice, t.id, bob.id, &Grant::preset("participant")).unwrap();
    assert!(kit.permission_options(bob.id, t.id).unwrap().is_empty());
}

// ---------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------

#[test]
fn posting_needs_write_and_a_valid_body() {
    let fx = setup();
    let kit = &fx.kit;
    let alice = fx.alice.id;
    let vic = fx.member("vic@acme.com", "Vic Viewer", "member");
    let t = fx.start(alice, "José Pérez", "Logo redesign");
    kit.add_to_thread(alice, t.id, vic.id, &Grant::preset("viewer")).unwrap();

    let e = fx.fails("permission_denied", || kit.post_message(vic.id, t.id, "hello"));
    assert!(e.to_string().contains("write"), "{e}");
    for bad in [String::new(), "   \n\t ".to_owned(), "x".repeat(10_001), "a\u{0}b".to_owned()] {
        fx.fails("invalid_input", || kit.post_message(alice, t.id, &bad));
        fx.fails("invalid_input", || kit.post_freelancer_message(t.id, &bad));
    }
    let longest = "é".repeat(10_000);
    assert_eq!(kit.post_message(alice, t.id, &longest).unwrap().body, longest);

    // HTML is stored as given: escaping is the renderer's job.
    let html = "<script>alert('x')</script> & <b>bold</b> \"quoted\"";
    let m = kit.post_message(alice, t.id, html).unwrap();
    assert_eq!(m.body, html);
    assert_eq!(fx.search(alice, "script bold"), [t.id]);
    // The freelancer's side.
    let f = kit.post_freelancer_message(t.id, "Here is my <i>portfolio</i>").unwrap();
    assert_eq!(f.author, Author::Freelancer);
    assert_eq!(f.body, "Here is my <i>portfolio</i>");
    assert_eq!(fx.search(alice, "portfolio"), [t.id]);
    assert_eq!(fx.search(vic.id, "portfolio"), [t.id]);
}

#[test]
fn titles_names_and_messages_with_bidi_overrides_or_isolates_are_invalid_input() {
    let fx = setup();
    let kit = &fx.kit;
    let alice = fx.alice.id;
    let t = fx.start(alice, "José Pérez", "Logo redesign");
    let g = Grant::preset("viewer");
    // The bidirectional embeddings, overrides and isolates.
    for c in ('\u{202A}'..='\u{202E}').chain('\u{2066}'..='\u{2069}') {
        let text = format!("Logo {c}ngiseder");
        for err in [
            fx.fails("invalid_input", || kit.start_thread(alice, "fl-2", "José Pérez", &text)),
            fx.fails("invalid_input", || kit.start_thread(alice, "fl-2", &text, "Logo redesign")),
            fx.fails("invalid_input", || kit.post_message(alice, t.id, &text)),
            fx.fails("invalid_input", || kit.post_freelancer_message(t.id, &text)),
            fx.fails("invalid_input", || {
                kit.invite_to_thread(alice, t.id, "carol@acme.com", &g, InviteOptions::new().message(&text))
            }),
        ] {
            let msg = err.to_string();
            assert!(!msg.contains(c) && !msg.contains(['\u{2028}', '\n']), "{c:?} raw in {msg:?}");
        }
    }
    // A title with a line separator: refused, and quoted escaped.
    let err = fx.fails("invalid_input", || kit.start_thread(alice, "fl-2", "José", "Logo\u{2028}Bcc: x\u{202E}"));
    let msg = err.to_string();
    assert!(!msg.contains(['\u{2028}', '\u{202E}']), "{msg:?}");
    assert!(msg.contains("\\u{2028}"), "{msg}");
    // Marks stay allowed.
    let rtl = kit.start_thread(alice, "fl-3", "דנה\u{200F} 2", "עיצוב\u{200F} לוגו").unwrap();
    assert_eq!(rtl.freelancer_name, "דנה\u{200F} 2");
}

#[test]
fn nul_in_queries_and_text_is_invalid_input_on_every_store() {
    let fx = setup();
    let kit = &fx.kit;
    let alice = fx.alice.id;
    fx.member("bob@acme.com", "Bob Jones", "recruiter");
    let t = fx.start(alice, "José Pérez", "Logo redesign");
    for q in ["\0", "jose\0", "\0 logo", "bo\0b"] {
        fx.fails("invalid_input", || kit.search_threads(alice, q, 20, None));
        fx.fails("invalid_input", || kit.find_coworkers(alice, q, 10));
    }
    fx.fails("invalid_input", || kit.search_threads(alice, "jose", 20, Some("\0")));
    fx.fails("invalid_input", || kit.start_thread(alice, "fl\0-1", "José Pérez", "Logo"));
    fx.fails("invalid_input", || kit.start_thread(alice, "fl-1", "José\0", "Logo"));
    fx.fails("invalid_input", || kit.start_thread(alice, "fl-1", "José", "Logo\0"));
    fx.fails("invalid_input", || kit.post_message(alice, t.id, "hi\0there"));
    fx.fails("invalid_input", || kit.post_freelancer_message(t.id, "\0"));
    let g = Grant::preset("viewer");
    fx.fails("invalid_input", || {
        kit.invite_to_thread(alice, t.id, "carol@acme.com", &g, InviteOptions::new().message("hi\0"))
    });
    fx.fails("invalid_input", || {
        kit.invite_to_thread(alice, t.id, "carol@acme.com", &Grant::preset("viewer\0"), InviteOptions::new())
    });
    fx.fails("invalid_email", || kit.invite_to_thread(alice, t.id, "carol\0@acme.com", &g, InviteOptions::new()));
    // Without the NUL, the same queries work.
    assert_eq!(fx.search(alice, "jose"), [t.id]);
    assert_eq!(kit.find_coworkers(alice, "bo", 10).unwrap().len(), 1);
}

// ---------------------------------------------------------------------------
// Search pagination
// ---------------------------------------------------------------------------

#[test]
fn search_paginates_newest_activity_first() {
    let fx = setup();
    let kit = &fx.kit;
    let alice = fx.alice.id;
    let mut created = Vec::new();
    for i in 0..45 {
        fx.clock.advance(1);
        created.push(fx.start(alice, "José Pérez", &format!("Project {i}")).id);
    }
    let newest_first: Vec<ThreadId> = created.iter().rev().copied().collect();

    let pages = |query: &str| -> Vec<Vec<ThreadId>> {
        let mut pages = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = kit.search_threads(alice, query, 20, cursor.as_deref()).unwrap();
            pages.push(page.threads.iter().map(|t| t.id).collect());
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
            assert!(pages.len() < 10, "pagination does not end");
        }
        pages
    };
    for q in ["", "jose", "project"] {
        let got = pages(q);
        assert_eq!(got.iter().map(Vec::len).collect::<Vec<_>>(), [20, 20, 5], "query {q:?}");
        assert_eq!(got.concat(), newest_first, "query {q:?}");
    }
    // Exactly one page: no cursor.
    let one = kit.search_threads(alice, "", 45, None).unwrap();
    assert_eq!(one.threads.len(), 45);
    assert_eq!(one.next_cursor, None);
    assert_eq!(kit.search_threads(alice, "", 100, None).unwrap().threads.len(), 45);

    // Posting in the oldest thread moves it to the front.
    fx.clock.advance(1);
    kit.post_message(alice, created[0], "a late reply").unwrap();
    let mut expected = vec![created[0]];
    expected.extend(newest_first.iter().copied().filter(|t| *t != created[0]));
    let got = pages("");
    assert_eq!(got[0][0], created[0]);
    assert_eq!(got.concat(), expected);
    // The freelancer's messages count as activity too.
    fx.clock.advance(1);
    kit.post_freelancer_message(created[5], "me too").unwrap();
    assert_eq!(pages("")[0][..2], [created[5], created[0]]);
    assert_eq!(pages("late"), [vec![created[0]]]);

    // Limits.
    for bad in [0, 101] {
        fx.fails("invalid_input", || kit.search_threads(alice, "", bad, None));
    }
    fx.fails("invalid_input", || kit.search_threads(alice, &"a".repeat(201), 20, None));

    // Garbage and tampered cursors.
    let real = kit.search_threads(alice, "", 20, None).unwrap().next_cursor.unwrap();
    let mut tampered = real.clone();
    tampered.insert(3, '!');
    let garbage = [
        "".to_owned(),
        "garbage".to_owned(),
        "!!!".to_owned(),
        tampered,
        real[..real.len() - 5].to_owned(),
        format!("{real}AAAA=="),
        "x".repeat(500),
        "djI6MTIzOmFiYw".to_owned(), // "v2:123:abc"
        "djE6eHl6OmFiYw".to_owned(), // "v1:xyz:abc"
    ];
    for bad in &garbage {
        fx.fails("invalid_input", || kit.search_threads(alice, "", 20, Some(bad)));
    }

    // A well-formed forged cursor (here naming another organization's thread)
    // only moves where the page starts; it never shows anything the actor cannot see.
    let (_globex, gina) = fx.globex();
    let theirs = fx.start(gina.id, "José Pérez", "Secret");
    let forged = ThreadCursor { last_activity_at: Timestamp::from_millis(i64::MAX / 2), thread_id: theirs.id }.encode();
    let page = kit.search_threads(alice, "", 100, Some(&forged)).unwrap();
    assert!(page.threads.iter().all(|t| t.org_id == fx.org.id));
    assert!(!page.threads.iter().any(|t| t.id == theirs.id));
    let page = kit.search_threads(gina.id, "", 100, Some(&forged)).unwrap();
    assert_eq!(page.threads.iter().map(|t| t.id).collect::<Vec<_>>(), [theirs.id]);
}

#[test]
fn search_pages_threads_with_the_same_activity_time_without_loss_or_repeat() {
    let fx = setup();
    let kit = &fx.kit;
    let alice = fx.alice.id;
    // All at the same instant: the order must still be total and stable.
    let created: Vec<ThreadId> = (0..25).map(|i| fx.start(alice, "José Pérez", &format!("Same {i}")).id).collect();
    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = kit.search_threads(alice, "", 10, cursor.as_deref()).unwrap();
        sizes.push(page.threads.len());
        seen.extend(page.threads.iter().map(|t| t.id));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
        assert!(sizes.len() < 10, "pagination does not end");
    }
    assert_eq!(sizes, [10, 10, 5]);
    let all: Vec<ThreadId> =
        kit.search_threads(alice, "", 100, None).unwrap().threads.into_iter().map(|t| t.id).collect();
    assert_eq!(seen, all, "pages concatenate to the single-page order");
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    let mut expected = created.clone();
    expected.sort();
    assert_eq!(sorted, expected, "every thread exactly once");
}

#[test]
fn activity_reorders_search_for_every_participant() {
    let fx = setup();
    let kit = &fx.kit;
    let alice = fx.alice.id;
    let bob = fx.member("bob@acme.com", "Bob Jones", "recruiter");
    let old = fx.start(alice, "José Pérez", "Old");
    fx.clock.advance(1);
    let new = fx.start(alice, "José Pérez", "New");
    kit.add_to_thread(alice, old.id, bob.id, &Grant::preset("participant")).unwrap();
    kit.add_to_thread(alice, new.id, bob.id, &Grant::preset("participant")).unwrap();
    assert_eq!(fx.search(bob.id, ""), [new.id, old.id]);
    fx.clock.advance(1);
    kit.post_message(alice, old.id, "bump").unwrap();
    assert_eq!(fx.search(alice, ""), [old.id, new.id]);
    assert_eq!(fx.search(bob.id, ""), [old.id, new.id]);
    // Someone added after the activity sees the same order.
    let zoe = fx.member("zoe@acme.com", "Zoë Martin", "member");
    kit.add_to_thread(alice, new.id, zoe.id, &Grant::preset("viewer")).unwrap();
    kit.add_to_thread(alice, old.id, zoe.id, &Grant::preset("viewer")).unwrap();
    assert_eq!(fx.search(zoe.id, ""), [old.id, new.id]);
    fx.clock.advance(1);
    kit.post_message(bob.id, new.id, "bump back").unwrap();
    for m in [alice, bob.id, zoe.id] {
        assert_eq!(fx.search(m, ""), [new.id, old.id]);
    }
    // Removed and added back: still in order.
    kit.remove_from_thread(alice, new.id, zoe.id).unwrap();
    assert_eq!(fx.search(zoe.id, ""), [old.id]);
    fx.clock.advance(1);
    kit.post_message(alice, old.id, "again").unwrap();
    kit.add_to_thread(alice, new.id, zoe.id, &Grant::preset("viewer")).unwrap();
    assert_eq!(fx.search(zoe.id, ""), [old.id, new.id]);
}

#[test]
fn invite_to_thread_validates_its_input() {
    let fx = setup();
    let kit = &fx.kit;
    let alice = fx.alice.id;
    let t = fx.start(alice, "José Pérez", "Logo redesign");
    let g = Grant::preset("viewer");
    for bad in ["not an email", "a@b@acme.com", "carol@acme.com\r\nBcc: x@evil.io", ""] {
        fx.fails("invalid_email", || kit.invite_to_thread(alice, t.id, bad, &g, InviteOptions::new()));
    }
    let long = "x".repeat(1001);
    fx.fails("invalid_input", || {
        kit.invite_to_thread(alice, t.id, "carol@acme.com", &g, InviteOptions::new().message(&long))
    });
    fx.fails("domain_not_allowed", || kit.invite_to_thread(alice, t.id, "carol@evil.io", &g, InviteOptions::new()));
    let r = kit.invite_to_thread(alice, t.id, "carol@acme.com", &g, InviteOptions::new()).unwrap();
    let e =
        fx.fails("already_invited", || kit.invite_to_thread(alice, t.id, "Carol@ACME.com", &g, InviteOptions::new()));
    match e {
        Error::AlreadyInvited { invitation_id, .. } => assert_eq!(invitation_id, r.invitation.unwrap().id),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_member_sees_only_their_threads_in_search() {
    let fx = setup();
    let kit = &fx.kit;
    let alice = fx.alice.id;
    let bob = fx.member("bob@acme.com", "Bob Jones", "recruiter");
    let t1 = fx.start(alice, "José Pérez", "Logo redesign");
    fx.clock.advance(1);
    let t2 = fx.start(alice, "José Pérez", "Website");
    fx.clock.advance(1);
    let t3 = fx.start(bob.id, "José Pérez", "Bob's own");
    kit.add_to_thread(alice, t2.id, bob.id, &Grant::preset("viewer")).unwrap();
    assert_eq!(fx.search(bob.id, "jose"), [t3.id, t2.id]);
    assert_eq!(fx.search(alice, "jose"), [t2.id, t1.id]);
    assert_eq!(fx.search(alice, "website"), [t2.id]);
}

#[test]
fn search_terms_are_deduplicated_implied_ones_dropped_and_at_most_eight() {
    let fx = setup();
    let kit = &fx.kit;
    let alice = fx.alice.id;
    let bob = fx.member("bob@acme.com", "Bob Jones", "recruiter");
    fx.member("bobby@acme.com", "Bobby Tables", "member");
    let t = fx.start(alice, "José Pérez", "Logo redesign");
    fx.start(alice, "Ann Lee", "Copy");
    // Repeats and terms implied by longer ones change neither the answer nor the cost.
    let repeated = vec!["logo"; 40].join(" ");
    assert_eq!(fx.search(alice, &repeated), [t.id]);
    assert_eq!(fx.search(alice, "lo logo l LOGO jose jo"), [t.id]);
    let many_bo = vec!["bo"; 66].join(" ");
    assert_eq!(kit.find_coworkers(alice, &many_bo, 10).unwrap().len(), 2);
    let found: Vec<MemberId> =
        kit.find_coworkers(alice, "b bo bob jones", 10).unwrap().into_iter().map(|m| m.id).collect();
    assert_eq!(found, [bob.id]);
    // Eight distinct words are searched; a ninth is refused, naming the limit.
    let eight = "logo redesign jose perez l lo re jo";
    assert_eq!(fx.search(alice, eight), [t.id]);
    let nine = "a1 b2 c3 d4 e5 f6 g7 h8 i9";
    for err in [
        fx.fails("invalid_input", || kit.search_threads(alice, nine, 20, None)),
        fx.fails("invalid_input", || kit.find_coworkers(alice, nine, 10)),
    ] {
        assert!(err.to_string().contains("at most 8"), "{err}");
    }
}
