#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The invitation flow (docs/rules.md#invitations) as a host relies on it, through
//! the public API only.
//!
//! Every failing call goes through [`Fx::fails`], which asserts the error
//! code AND that nothing changed: the same members, the same number of
//! events, the same invitations (with their statuses), no new email in the
//! outbox, and no token in the error's `Debug` or `Display`.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt::Debug;
use std::sync::{Arc, Barrier};

mod common;

use invitekit::*;

// ---------------------------------------------------------------------------
// Fixture and helpers
// ---------------------------------------------------------------------------

const PORTAL: &str = "https://acme.example.com/portal";
const GLOBEX_PORTAL: &str = "https://globex.example.org";
const DAY: i64 = 24 * 3600;
const WEEK: i64 = 7 * DAY;
const LEASE: i64 = 300;

/// What must not change when an operation fails.
#[derive(Debug, Clone, PartialEq)]
struct Snap {
    members: Vec<Member>,
    events: usize,
    invitations: Vec<Invitation>,
}

/// The organization's members, the length of its audit log and its invitations.
fn snapshot(kit: &InviteKit<AnyStore>, org: OrgId, admin: MemberId) -> Snap {
    Snap {
        members: kit.list_members(org).unwrap(),
        events: kit.events(admin, None, 1000).unwrap().len(),
        invitations: kit.list_invitations(admin, None).unwrap(),
    }
}

/// The token at the end of a join link.
fn token_of(link: &str) -> String {
    link.rsplit('/').next().unwrap().to_owned()
}

/// Whether `s` contains something shaped like a token: the prefix followed by
/// a long run of base64url characters.
fn looks_like_token(s: &str) -> bool {
    s.match_indices("ikinv_").any(|(i, p)| {
        s[i + p.len()..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').count() >= 16
    })
}

fn kinds(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(|e| e.kind.as_str()).collect()
}

fn id_json(id: impl ToString) -> serde_json::Value {
    serde_json::Value::String(id.to_string())
}

struct Fx {
    clock: ManualClock,
    kit: InviteKit<AnyStore>,
    org: Organization,
    /// The founding `full` member: "Alice Smith".
    alice: Member,
    design: Team,
    /// Every token a test has seen, to prove none leaks.
    secrets: RefCell<Vec<String>>,
}

/// Acme Corp (acme.com only), Alice (full) and the Design team, on a manual clock.
fn setup() -> Fx {
    let clock = ManualClock::new();
    let kit = common::kit(&clock);
    let org = kit.create_organization("Acme Corp", "acme", PORTAL, &["acme.com"]).unwrap();
    let alice = kit.add_member(org.id, "alice@acme.com", "Alice Smith", "full").unwrap();
    let design = kit.create_team(org.id, "Design").unwrap();
    Fx { clock, kit, org, alice, design, secrets: RefCell::new(Vec::new()) }
}

impl Fx {
    fn snap(&self) -> Snap {
        snapshot(&self.kit, self.org.id, self.alice.id)
    }

    fn member(&self, email: &str, name: &str, role: &str) -> Member {
        self.kit.add_member(self.org.id, email, name, role).unwrap()
    }

    /// Globex Inc with its `full` admin Gina, on the same kit.
    fn globex(&self, allowed: &[&str]) -> (Organization, Member) {
        let org = self.kit.create_organization("Globex Inc", "globex", GLOBEX_PORTAL, allowed).unwrap();
        let gina = self.kit.add_member(org.id, "gina@globex.com", "Gina Grey", "full").unwrap();
        (org, gina)
    }

    fn remember(&self, link: &str) {
        self.secrets.borrow_mut().push(token_of(link));
    }

    fn draft(&self, actor: MemberId, email: &str, opts: InviteOptions) -> Draft {
        let d = self.kit.draft_invitation(actor, email, opts).unwrap();
        self.remember(d.link());
        d
    }

    fn invite_with(&self, actor: MemberId, email: &str, opts: InviteOptions) -> (Draft, Invitation) {
        let d = self.draft(actor, email, opts);
        let inv = self.kit.send_invitation(&d, true).unwrap();
        (d, inv)
    }

    fn invite(&self, actor: MemberId, email: &str) -> (Draft, Invitation) {
        self.invite_with(actor, email, InviteOptions::new())
    }

    fn resend(&self, actor: MemberId, id: InvitationId) -> Resent {
        let r = self.kit.resend_invitation(actor, id).unwrap();
        self.remember(&r.link);
        r
    }

    fn settings(&self, update: SettingsUpdate) -> Organization {
        self.kit.set_organization_settings(self.alice.id, self.org.id, &update).unwrap()
    }

    fn invitation(&self, id: InvitationId) -> Invitation {
        self.kit.list_invitations(self.alice.id, None).unwrap().into_iter().find(|i| i.id == id).unwrap()
    }

    fn events_after(&self, seq: u64) -> Vec<Event> {
        self.kit.events(self.alice.id, Some(seq), 1000).unwrap()
    }

    fn last_seq(&self) -> u64 {
        self.kit.events(self.alice.id, None, 1000).unwrap().last().map_or(0, |e| e.seq)
    }

    /// Hands out every due email and acknowledges it.
    fn drain_outbox(&self) -> Vec<OutgoingEmail> {
        let out = self.kit.outbox_pending(1000).unwrap();
        for e in &out {
            self.kit.outbox_ack(e.id).unwrap();
        }
        out
    }

    fn assert_no_secret(&self, what: &str, s: &str) {
        for t in self.secrets.borrow().iter() {
            assert!(!s.contains(t.as_str()), "{what} contains a token: {s}");
        }
        assert!(!looks_like_token(s), "{what} contains something shaped like a token: {s}");
    }

    /// Runs a call that must fail with one of `codes` and change nothing.
    /// Due outbox emails are acknowledged first, so that the check that no
    /// email was queued needs no lease.
    fn fails_one_of<T: Debug>(&self, codes: &[&str], op: impl FnOnce() -> Result<T>) -> Error {
        let _ = self.drain_outbox();
        let before = self.snap();
        let err = match op() {
            Ok(v) => panic!("expected one of {codes:?}, got Ok({v:?})"),
            Err(e) => e,
        };
        assert!(codes.contains(&err.code()), "expected one of {codes:?}, got `{}`: {err}", err.code());
        assert_eq!(self.snap(), before, "a failed call (`{}`) changed the state", err.code());
        let queued = self.kit.outbox_pending(1000).unwrap();
        assert!(queued.is_empty(), "a failed call (`{}`) queued emails: {queued:?}", err.code());
        self.assert_no_secret("an error", &format!("{err:?} / {err}"));
        err
    }

    fn fails<T: Debug>(&self, code: &str, op: impl FnOnce() -> Result<T>) -> Error {
        self.fails_one_of(&[code], op)
    }
}

// ---------------------------------------------------------------------------
// Inviting a coworker to the company, end to end
// ---------------------------------------------------------------------------

#[test]
fn seed_flow_draft_preview_send_deliver_and_accept() {
    let fx = setup();
    let before = fx.snap();

    // 1–2. Draft: a join link to the portal; nothing is stored yet.
    let draft =
        fx.draft(fx.alice.id, "bob@acme.com", InviteOptions::new().message("Welcome aboard, Bob!").team(fx.design.id));
    let link = draft.link().to_owned();
    let token = token_of(&link);
    assert!(link.starts_with("https://acme.example.com/portal/join/ikinv_"), "{link}");
    assert_eq!(link, format!("{PORTAL}/join/{token}"));
    assert_eq!(token.len(), "ikinv_".len() + 43, "32 bytes of base64url without padding");
    assert!(token["ikinv_".len()..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    assert_eq!(draft.email(), "bob@acme.com");
    assert_eq!(draft.role(), "member");
    assert_eq!(draft.team_ids(), [fx.design.id]);
    assert_eq!(draft.message(), Some("Welcome aboard, Bob!"));
    assert_eq!(draft.expires_at(), ManualClock::START.plus_secs(WEEK));
    assert_eq!(fx.snap(), before, "a draft stores nothing");
    assert_eq!(
        fx.kit.peek_invitation(&link).unwrap_err().code(),
        "invalid_token",
        "an unsent draft's link is not live"
    );

    // 3. Preview: the exact email.
    let email = draft.preview();
    assert_eq!(email.to, "bob@acme.com");
    assert!(email.subject.contains("Alice Smith"), "{}", email.subject);
    assert!(email.subject.contains("Acme Corp"), "{}", email.subject);
    assert!(!email.subject.contains(['\r', '\n']));
    let expiry = draft.expires_at().human();
    assert_eq!(expiry, "January 8, 2026 at 00:00 UTC");
    for (part, body) in [("text", &email.text), ("html", &email.html)] {
        for needle in [link.as_str(), "Design", "Welcome aboard, Bob!", expiry.as_str(), "Alice Smith", "Acme Corp"] {
            assert!(body.contains(needle), "the {part} part lacks {needle:?}:\n{body}");
        }
    }
    assert!(email.html.contains(&format!("href=\"{link}\"")), "the html links to the join link");
    assert_eq!(draft.preview(), email, "the preview is stable");
    assert!(fx.kit.outbox_pending(100).unwrap().is_empty(), "a draft queues nothing");

    // 4. Send: stored, queued, logged.
    let seq0 = fx.last_seq();
    let inv = fx.kit.send_invitation(&draft, true).unwrap();
    assert_eq!(inv.id, draft.invitation_id());
    assert_eq!(inv.org_id, fx.org.id);
    assert_eq!(inv.inviter_id, fx.alice.id);
    assert_eq!(inv.email, "bob@acme.com");
    assert_eq!(inv.message.as_deref(), Some("Welcome aboard, Bob!"));
    assert_eq!(inv.team_ids, [fx.design.id]);
    assert_eq!(inv.role, "member");
    assert_eq!(inv.status, InvitationStatus::Pending);
    assert_eq!(inv.created_at, ManualClock::START);
    assert_eq!(inv.expires_at, draft.expires_at());
    assert_eq!(inv.sent_count, 1);
    assert!(inv.delivered);
    assert_eq!(fx.kit.list_invitations(fx.alice.id, None).unwrap(), vec![inv.clone()]);

    // The outbox holds exactly the previewed email.
    let out = fx.kit.outbox_pending(10).unwrap();
    assert_eq!(out.len(), 1, "{out:?}");
    let o = &out[0];
    assert_eq!((&o.to, &o.subject, &o.text, &o.html), (&email.to, &email.subject, &email.text, &email.html));
    assert_eq!(o.kind, EmailKind::Invitation);
    assert_eq!(o.invitation_id, Some(inv.id));
    assert_eq!(o.org_id, fx.org.id);
    assert_eq!(o.attempts, 1, "this hand-out is the first delivery attempt");
    fx.kit.outbox_ack(o.id).unwrap();
    fx.clock.advance(LEASE + 1);
    assert!(fx.kit.outbox_pending(10).unwrap().is_empty(), "an acknowledged email is never handed out again");

    // 5. Accept by the link.
    let acc = fx.kit.accept_invitation(&link, "bob@acme.com", "Bob Jones").unwrap();
    let bob = acc.member.clone();
    assert_eq!(bob.role, "member");
    assert_eq!(bob.team_ids, vec![fx.design.id]);
    assert_eq!(bob.name, "Bob Jones");
    assert_eq!(bob.email, "bob@acme.com");
    assert_eq!(bob.org_id, fx.org.id);
    assert_eq!(bob.status, MemberStatus::Active);
    assert_eq!(acc.invitation.id, inv.id);
    assert_eq!(acc.invitation.status, InvitationStatus::Accepted);
    assert!(acc.dropped_grants.is_empty());
    assert_eq!(fx.kit.list_members(fx.org.id).unwrap(), vec![fx.alice.clone(), bob.clone()]);
    assert_eq!(fx.invitation(inv.id).status, InvitationStatus::Accepted);

    // A second invitation, accepted by the bare token.
    let d2 = fx.draft(fx.alice.id, "carol@acme.com", InviteOptions::new());
    let inv2 = fx.kit.send_invitation(&d2, true).unwrap();
    let carol = fx.kit.accept_invitation(&token_of(d2.link()), "carol@acme.com", "Carol Diaz").unwrap().member;
    assert_eq!(carol.role, "member");
    assert!(carol.team_ids.is_empty());
    assert_eq!(fx.kit.list_members(fx.org.id).unwrap().len(), 3);

    // The audit trail, in order, with strictly increasing seq.
    let evs = fx.events_after(seq0);
    assert_eq!(
        kinds(&evs),
        [
            "invitation_sent",
            "invitation_accepted",
            "member_added",
            "invitation_sent",
            "invitation_accepted",
            "member_added"
        ]
    );
    assert_eq!(evs[0].seq, seq0 + 1);
    assert!(evs.windows(2).all(|w| w[0].seq < w[1].seq), "{evs:?}");
    assert_eq!(evs[0].actor_id, Some(fx.alice.id));
    assert_eq!(evs[0].details["invitation_id"], id_json(inv.id));
    assert_eq!(evs[1].details["invitation_id"], id_json(inv.id));
    assert_eq!(evs[2].details["member_id"], id_json(bob.id));
    assert_eq!(evs[3].details["invitation_id"], id_json(inv2.id));
    assert_eq!(evs[5].details["member_id"], id_json(carol.id));
    assert!(evs.iter().all(|e| e.org_id == fx.org.id));
}

#[test]
fn send_without_delivery_stores_queues_nothing_and_the_link_works() {
    let fx = setup();
    let _ = fx.drain_outbox();
    let seq0 = fx.last_seq();
    let draft = fx.draft(fx.alice.id, "bob@acme.com", InviteOptions::new().message("Copy this"));
    let inv = fx.kit.send_invitation(&draft, false).unwrap();
    assert_eq!(inv.status, InvitationStatus::Pending);
    assert!(!inv.delivered);
    assert_eq!(fx.kit.list_invitations(fx.alice.id, None).unwrap(), vec![inv.clone()]);
    assert!(fx.kit.outbox_pending(100).unwrap().is_empty(), "deliver=false queues no email");
    let evs = fx.events_after(seq0);
    assert_eq!(kinds(&evs), ["invitation_sent"]);
    assert_eq!(evs[0].details["delivered"], serde_json::Value::Bool(false));

    let bob = fx.kit.accept_invitation(draft.link(), "bob@acme.com", "Bob Jones").unwrap().member;
    assert_eq!(bob.role, "member");
    assert!(fx.kit.outbox_pending(100).unwrap().is_empty());
}

// ---------------------------------------------------------------------------
// R1 (teams) and R2 (roles)
// ---------------------------------------------------------------------------

#[test]
fn r1_only_a_team_assigning_role_may_set_a_team() {
    let fx = setup();
    let mo = fx.member("mo@acme.com", "Mo Member", "member");
    let rita = fx.member("rita@acme.com", "Rita Recruiter", "recruiter");
    let hank = fx.member("hank@acme.com", "Hank Manager", "hiring_manager");
    for actor in [mo.id, rita.id] {
        fx.fails("permission_denied", || {
            fx.kit.draft_invitation(actor, "bob@acme.com", InviteOptions::new().team(fx.design.id))
        });
        fx.fails("permission_denied", || {
            fx.kit
                .invite_many(actor, &["bob@acme.com"], InviteOptions::new().team(fx.design.id))
                .and_then(|r| r[0].error.clone().map_or(Ok(()), Err))
        });
        // Leaving it blank is always fine.
        assert!(fx.kit.draft_invitation(actor, "bob@acme.com", InviteOptions::new()).is_ok());
    }
    let (hank_draft, hank_inv) = fx.invite_with(hank.id, "bob@acme.com", InviteOptions::new().team(fx.design.id));
    assert_eq!(hank_inv.team_ids, [fx.design.id]);
    let bob = fx.kit.accept_invitation(hank_draft.link(), "bob@acme.com", "Bob Jones").unwrap().member;
    assert_eq!(bob.team_ids, vec![fx.design.id]);
}

#[test]
fn r1_a_team_of_another_organization_is_not_found() {
    let fx = setup();
    let hank = fx.member("hank@acme.com", "Hank Manager", "hiring_manager");
    let (globex, gina) = fx.globex(&["globex.com"]);
    let their_team = fx.kit.create_team(globex.id, "Design").unwrap();
    let globex_before = snapshot(&fx.kit, globex.id, gina.id);
    for actor in [fx.alice.id, hank.id] {
        fx.fails("not_found", || {
            fx.kit.draft_invitation(actor, "bob@acme.com", InviteOptions::new().team(their_team.id))
        });
    }
    fx.fails("not_found", || {
        fx.kit.draft_invitation(fx.alice.id, "bob@acme.com", InviteOptions::new().team(TeamId::new()))
    });
    assert_eq!(snapshot(&fx.kit, globex.id, gina.id), globex_before);
}

#[test]
fn r2_the_role_given_must_be_one_the_inviter_may_give() {
    let fx = setup();
    let mo = fx.member("mo@acme.com", "Mo Member", "member");
    let rita = fx.member("rita@acme.com", "Rita Recruiter", "recruiter");
    let hank = fx.member("hank@acme.com", "Hank Manager", "hiring_manager");
    let refused: [(MemberId, &str); 8] = [
        (rita.id, "hiring_manager"),
        (rita.id, "recruiter"),
        (rita.id, "full"),
        (mo.id, "recruiter"),
        (mo.id, "hiring_manager"),
        (mo.id, "full"),
        (hank.id, "hiring_manager"),
        (hank.id, "full"),
    ];
    for (actor, role) in refused {
        fx.fails("permission_denied", || {
            fx.kit.draft_invitation(actor, "bob@acme.com", InviteOptions::new().role(role))
        });
    }
    // Exact policy names only.
    for role in ["Full", "full,admin", "admin", "", " member", "member ", "MEMBER", "full\n"] {
        fx.fails("invalid_input", || {
            fx.kit.draft_invitation(fx.alice.id, "bob@acme.com", InviteOptions::new().role(role))
        });
    }
    // What each role may give.
    assert_eq!(
        fx.kit.draft_invitation(rita.id, "bob@acme.com", InviteOptions::new().role("member")).unwrap().role(),
        "member"
    );
    assert_eq!(
        fx.kit.draft_invitation(hank.id, "bob@acme.com", InviteOptions::new().role("recruiter")).unwrap().role(),
        "recruiter"
    );
    // `full` may give any role, and the invitee gets exactly it.
    for (i, role) in ["full", "hiring_manager", "recruiter", "member"].into_iter().enumerate() {
        let address = format!("user{i}@acme.com");
        let (d, inv) = fx.invite_with(fx.alice.id, &address, InviteOptions::new().role(role));
        assert_eq!(inv.role, role);
        let m = fx.kit.accept_invitation(d.link(), &address, "New Person").unwrap().member;
        assert_eq!(m.role, role);
    }
}

// ---------------------------------------------------------------------------
// Bad input: names, messages, addresses, domains, huge strings
// ---------------------------------------------------------------------------

#[test]
fn accepting_with_a_header_injecting_or_bad_name_is_invalid_input() {
    let fx = setup();
    let (d, inv) = fx.invite(fx.alice.id, "bob@acme.com");
    let long = "x".repeat(201);
    for name in ["Bob\r\nBcc: x", "Bob\nJones", "Bob\0", "", "   ", "Bob\u{2028}Jones", long.as_str()] {
        fx.fails("invalid_input", || fx.kit.accept_invitation(d.link(), "bob@acme.com", name));
    }
    assert_eq!(fx.invitation(inv.id).status, InvitationStatus::Pending);
    let bob = fx.kit.accept_invitation(d.link(), "bob@acme.com", "  Bob Jones  ").unwrap().member;
    assert_eq!(bob.name, "Bob Jones", "names are trimmed");
}

#[test]
fn user_text_is_escaped_in_html_and_plain_in_text() {
    let fx = setup();
    let rnd = fx.kit.create_team(fx.org.id, "R&D <Ops>").unwrap();
    let message = "<script>alert(1)</script> <b>bold</b> & \"quoted\"\nsecond line";
    let draft = fx.draft(fx.alice.id, "bob@acme.com", InviteOptions::new().message(message).team(rnd.id));
    let email = draft.preview();
    assert!(email.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{}", email.html);
    assert!(email.html.contains("&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;"), "{}", email.html);
    assert!(!email.html.contains("<script>"), "{}", email.html);
    assert!(!email.html.contains("<b>bold"), "{}", email.html);
    assert!(email.html.contains("R&amp;D &lt;Ops&gt;"), "{}", email.html);
    assert!(email.text.contains("<script>alert(1)</script> <b>bold</b> & \"quoted\""), "{}", email.text);
    assert!(email.text.contains("second line"), "{}", email.text);
    assert!(email.text.contains("R&D <Ops>"), "{}", email.text);
    assert!(!email.text.contains("&lt;"), "{}", email.text);
    // What is sent is what was previewed.
    fx.kit.send_invitation(&draft, true).unwrap();
    let out = fx.kit.outbox_pending(10).unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!((&out[0].text, &out[0].html), (&email.text, &email.html));
}

#[test]
fn inviter_names_cannot_inject_into_the_subject_or_html() {
    let fx = setup();
    let eve = fx.member("eve@acme.com", "Eve <img src=x onerror=alert(1)>", "full");
    let email = fx.draft(eve.id, "bob@acme.com", InviteOptions::new()).preview();
    assert!(!email.subject.contains(['\r', '\n']));
    assert!(email.html.contains("Eve &lt;img src=x onerror=alert(1)&gt;"), "{}", email.html);
    assert!(!email.html.contains("<img"), "{}", email.html);
}

/// The bidirectional embeddings, overrides and isolates that names refuse.
const BIDI_OVERRIDES: [char; 9] =
    ['\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}'];

/// Asserts that an error's message holds no character that breaks a log
/// line, hides, or reorders text: each must be escaped (docs/rules.md#error-messages).
fn assert_printable_message(err: &Error) {
    let msg = err.to_string();
    let raw = |c: char| {
        c.is_control()
            || matches!(
                c,
                '\u{2028}'
                    | '\u{2029}'
                    | '\u{061C}'
                    | '\u{200B}'..='\u{200F}'
                    | '\u{202A}'..='\u{202E}'
                    | '\u{2060}'
                    | '\u{2066}'..='\u{2069}'
                    | '\u{FEFF}'
            )
    };
    assert!(!msg.chars().any(raw), "the message holds an unprintable character raw: {msg:?}");
}

#[test]
fn names_and_messages_with_bidi_overrides_or_isolates_are_invalid_input() {
    let fx = setup();
    let (o, a) = (fx.org.id, fx.alice.id);
    let (d, inv) = fx.invite(a, "bob@acme.com");
    fx.settings(SettingsUpdate {
        auto_join_domains: Some(vec!["acme.com".into()]),
        domain_join: Some(DomainJoin::Automatic),
        ..Default::default()
    });
    for c in BIDI_OVERRIDES {
        // Shows as "Eve Admin.exe"-style text reversed after the override.
        let name = format!("Eve {c}nimdA");
        let message = format!("Your link: https://acme.example.com/{c}moc.live");
        for err in [
            fx.fails("invalid_input", || fx.kit.add_member(o, "eve@acme.com", &name, "member")),
            fx.fails("invalid_input", || fx.kit.create_team(o, &name)),
            fx.fails("invalid_input", || fx.kit.create_organization(&name, "evil", PORTAL, &["acme.com"])),
            fx.fails("invalid_input", || fx.kit.accept_invitation(d.link(), "bob@acme.com", &name)),
            fx.fails("invalid_input", || fx.kit.join_by_domain(o, "eve@acme.com", &name)),
            fx.fails("invalid_input", || {
                fx.kit.draft_invitation(a, "carol@acme.com", InviteOptions::new().message(message.as_str()))
            }),
        ] {
            assert!(!err.to_string().contains(c), "{c:?} raw in {err}");
            assert_printable_message(&err);
        }
    }
    assert_eq!(fx.invitation(inv.id).status, InvitationStatus::Pending);
    // The bidi marks are not overrides: right-to-left names need them.
    let dana = fx.member("dana@acme.com", "דנה\u{200F} 2", "member");
    assert_eq!(dana.name, "דנה\u{200F} 2");
    let team = fx.kit.create_team(o, "צוות\u{200E} A").unwrap();
    assert_eq!(team.name, "צוות\u{200E} A");
}

#[test]
fn error_messages_escape_every_unprintable_character_of_hostile_input() {
    let fx = setup();
    let (o, a) = (fx.org.id, fx.alice.id);
    let hostile = "x\u{2028}y\u{2029}z\u{202E}w\u{2066}v\u{200F}u\u{200B}t\u{FEFF}s\u{061C}r\r\nq\u{85}p";
    let invisible = "Ops\u{200B}\u{200F}\u{2060}\u{FEFF}";
    // A JSON object whose one key is the hostile text (serde echoes unknown keys).
    let hostile_key = serde_json::Value::Object([(hostile.to_owned(), 1.into())].into_iter().collect()).to_string();
    fx.kit.create_team(o, invisible).unwrap();
    let errors = vec![
        fx.fails("invalid_input", || fx.kit.add_member(o, "eve@acme.com", hostile, "member")),
        fx.fails("invalid_input", || fx.kit.add_member(o, "eve@acme.com", "Eve", hostile)),
        fx.fails("invalid_input", || fx.kit.set_role(a, a, hostile)),
        fx.fails("invalid_email", || fx.kit.add_member(o, &format!("eve{hostile}@acme.com"), "Eve", "member")),
        fx.fails("invalid_email", || fx.kit.add_member(o, "eve\u{202E}moc@acme.com", "Eve", "member")),
        fx.fails("invalid_email", || fx.kit.add_member(o, "eve@acme\u{2028}.com", "Eve", "member")),
        fx.fails("invalid_input", || fx.kit.create_organization("Evil", hostile, PORTAL, &["acme.com"])),
        fx.fails("invalid_input", || {
            fx.kit.create_organization("Evil", "evil", &format!("{PORTAL}{hostile}"), &["a.io"])
        }),
        fx.fails("invalid_input", || {
            fx.kit.create_organization("Evil", "evil", PORTAL, &[format!("acme{hostile}.com")])
        }),
        fx.fails("invalid_input", || fx.kit.draft_invitation(a, "carol@acme.com", InviteOptions::new().role(hostile))),
        fx.fails("invalid_input", || fx.kit.start_thread(a, hostile, "José Pérez", "Logo")),
        fx.fails("conflict", || fx.kit.create_team(o, invisible)),
        fx.fails("invalid_input", || SettingsUpdate::from_json(&hostile_key)),
        fx.fails("invalid_input", || SettingsUpdate::from_value(serde_json::json!({ "allowed_domains": hostile }))),
        fx.fails("invalid_input", || Policy::from_json(&hostile_key)),
        fx.fails("invalid_input", || InvitationStatus::parse(hostile)),
        fx.fails("invalid_input", || EmailKind::parse(hostile)),
        fx.fails("invalid_input", || hostile.parse::<MemberId>()),
        fx.fails("invalid_input", || {
            let template = TemplateSource {
                subject: format!("{{{{ {hostile} }}}}"),
                text: "{{ link }}".into(),
                html: "{{ link }}".into(),
            };
            fx.kit.set_email_template(o, EmailKind::Invitation, &template)
        }),
    ];
    for err in &errors {
        assert_printable_message(err);
    }
    let shown: String = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n");
    for escaped in ["\\u{2028}", "\\u{2029}", "\\u{202e}", "\\u{200b}", "\\r\\n"] {
        assert!(shown.contains(escaped), "{escaped} in {shown}");
    }
}

#[test]
fn nul_in_any_text_input_is_invalid_input_on_every_store() {
    let fx = setup();
    let (o, a) = (fx.org.id, fx.alice.id);
    let mo = fx.member("mo@acme.com", "Mo Member", "member");
    let (d, _) = fx.invite(a, "bob@acme.com");
    let link = d.link();
    let ok = TemplateSource {
        subject: "Join {{ organization_name }}".into(),
        text: "{{ link }}".into(),
        html: "<p>{{ link }}</p>".into(),
    };
    // In each part, as text or hidden in a template comment.
    let with = |part: usize, prefix: &str| {
        let mut t = ok.clone();
        match part {
            0 => t.subject.insert_str(0, prefix),
            1 => t.text.insert_str(0, prefix),
            _ => t.html.insert_str(0, prefix),
        }
        t
    };
    for kind in [EmailKind::Invitation, EmailKind::ThreadInvitation] {
        for part in 0..3 {
            for prefix in ["\0", "{# \0 #}"] {
                fx.fails("invalid_input", || fx.kit.set_email_template(o, kind, &with(part, prefix)));
            }
        }
    }
    let domains = |list: &[&str]| Some(list.iter().map(|d| (*d).to_owned()).collect::<Vec<_>>());
    for update in [
        SettingsUpdate { allowed_domains: domains(&["acme.com\0"]), ..Default::default() },
        SettingsUpdate { allowed_domains: domains(&["\0"]), ..Default::default() },
        SettingsUpdate { auto_join_domains: domains(&["acme\0.com"]), ..Default::default() },
        SettingsUpdate::from_json(r#"{"auto_join_domains": ["acme.com\u0000"]}"#).unwrap(),
    ] {
        fx.fails("invalid_input", || fx.kit.set_organization_settings(a, o, &update));
    }
    fx.fails("invalid_input", || fx.kit.create_organization("Acme\0", "acme2", PORTAL, &["acme.com"]));
    fx.fails("invalid_input", || fx.kit.create_organization("Acme 2", "acme\0-2", PORTAL, &["acme.com"]));
    fx.fails("invalid_input", || fx.kit.create_organization("Acme 2", "acme2", &format!("{PORTAL}/\0"), &["a.io"]));
    fx.fails("invalid_input", || fx.kit.create_organization("Acme 2", "acme2", PORTAL, &["acme.com\0"]));
    fx.fails("invalid_input", || fx.kit.add_member(o, "eve@acme.com", "Eve\0", "member"));
    fx.fails("invalid_input", || fx.kit.add_member(o, "eve@acme.com", "\0", "member"));
    fx.fails("invalid_input", || fx.kit.add_member(o, "eve@acme.com", "Eve", "member\0"));
    fx.fails("invalid_input", || fx.kit.set_role(a, mo.id, "full\0"));
    fx.fails("invalid_input", || fx.kit.create_team(o, "Ops\0"));
    fx.fails("invalid_input", || fx.kit.draft_invitation(a, "carol@acme.com", InviteOptions::new().message("hi\0")));
    fx.fails("invalid_input", || fx.kit.draft_invitation(a, "carol@acme.com", InviteOptions::new().role("member\0")));
    fx.fails("invalid_input", || fx.kit.accept_invitation(link, "bob@acme.com", "Bob\0"));
    fx.fails("invalid_input", || fx.kit.join_by_domain(o, "carol@acme.com", "Carol\0"));
    // Addresses and tokens keep their own codes (docs/rules.md#nul), the same on every store.
    fx.fails("invalid_email", || fx.kit.add_member(o, "eve\0@acme.com", "Eve", "member"));
    fx.fails("invalid_email", || fx.kit.invitations_for_email("bob@acme.com\0"));
    fx.fails("invalid_token", || fx.kit.peek_invitation(&format!("{link}\0")));
    fx.fails("invalid_token", || fx.kit.accept_invitation("ikinv_\0", "bob@acme.com", "Bob"));

    // A failure reason with NUL is refused before anything is counted.
    let _ = fx.drain_outbox();
    fx.invite(a, "carol@acme.com");
    let out = fx.kit.outbox_pending(10).unwrap();
    assert_eq!(out.len(), 1);
    fx.fails("invalid_input", || fx.kit.outbox_fail(out[0].id, "451 \0 try again"));
    fx.fails("invalid_input", || fx.kit.outbox_fail(EmailId::new(), "\0"));
    fx.kit.outbox_fail(out[0].id, "451 try again").unwrap();
    fx.clock.advance(DAY);
    let again = fx.kit.outbox_pending(10).unwrap();
    assert_eq!((again[0].attempts, again[0].last_error.as_deref()), (2, Some("451 try again")));

    // Without the NUL, the same inputs work.
    fx.kit.set_email_template(o, EmailKind::Invitation, &ok).unwrap();
    fx.kit.add_member(o, "eve@acme.com", "Eve", "member").unwrap();
}

#[test]
fn messages_over_the_limit_are_refused() {
    let fx = setup();
    let ok = "x".repeat(1000);
    assert_eq!(fx.draft(fx.alice.id, "bob@acme.com", InviteOptions::new().message(&ok)).message(), Some(ok.as_str()));
    let wide = "é".repeat(1000);
    assert!(
        fx.kit.draft_invitation(fx.alice.id, "bob@acme.com", InviteOptions::new().message(&wide)).is_ok(),
        "the limit is in characters"
    );
    for n in [1001, 10_000] {
        let m = "x".repeat(n);
        fx.fails("invalid_input", || {
            fx.kit.draft_invitation(fx.alice.id, "bob@acme.com", InviteOptions::new().message(&m))
        });
    }
    fx.fails("invalid_input", || {
        fx.kit.draft_invitation(fx.alice.id, "bob@acme.com", InviteOptions::new().message("ring\u{7}bell"))
    });
}

#[test]
fn look_alike_addresses_never_match_an_allowed_domain() {
    let fx = setup();
    fx.settings(SettingsUpdate {
        allowed_domains: Some(vec!["acme.com".into(), "kite.io".into()]),
        ..Default::default()
    });
    // Cyrillic `а`: a different (punycode) domain, outside the allowed ones.
    let err =
        fx.fails("domain_not_allowed", || fx.kit.draft_invitation(fx.alice.id, "bob@аcme.com", InviteOptions::new()));
    match err {
        Error::DomainNotAllowed { domain } => assert!(domain.starts_with("xn--"), "{domain}"),
        other => panic!("{other:?}"),
    }
    // Full-width `＠` and letters, the Kelvin sign (which IDNA maps to `k`): invalid.
    for address in ["bob＠acme.com", "bob@ａcme.com", "bob@\u{212A}ite.io", "\u{212A}im@kite.io", "bob@acme\u{3002}com"]
    {
        fx.fails("invalid_email", || fx.kit.draft_invitation(fx.alice.id, address, InviteOptions::new()));
    }
    assert!(fx.kit.draft_invitation(fx.alice.id, "bob@kite.io", InviteOptions::new()).is_ok());
    assert!(fx.kit.draft_invitation(fx.alice.id, "Bob@ACME.com", InviteOptions::new()).is_ok(), "ASCII case is folded");
}

#[test]
fn allowed_domains_match_exactly_or_as_an_allowed_subdomain() {
    let fx = setup();
    for address in ["x@evilacme.com", "x@acme.com.evil.io", "x@eng.acme.com", "x@acme.co", "x@cme.com"] {
        fx.fails("domain_not_allowed", || fx.kit.draft_invitation(fx.alice.id, address, InviteOptions::new()));
    }
    fx.settings(SettingsUpdate { allow_subdomains: Some(true), ..Default::default() });
    let (d, _) = fx.invite(fx.alice.id, "x@eng.acme.com");
    assert!(fx.kit.draft_invitation(fx.alice.id, "y@a.b.acme.com", InviteOptions::new()).is_ok());
    for address in ["x@evilacme.com", "x@acme.com.evil.io"] {
        fx.fails("domain_not_allowed", || fx.kit.draft_invitation(fx.alice.id, address, InviteOptions::new()));
    }
    // The rule is checked again at acceptance.
    fx.settings(SettingsUpdate { allow_subdomains: Some(false), ..Default::default() });
    fx.fails("domain_not_allowed", || fx.kit.accept_invitation(d.link(), "x@eng.acme.com", "Xavier"));
}

#[test]
fn malformed_addresses_are_invalid_email() {
    let fx = setup();
    let labels = ["x".repeat(60), "y".repeat(60), "z".repeat(60), "w".repeat(60)].join(".");
    let long_address = format!("{}@{labels}.acme.com", "b".repeat(60));
    assert!(long_address.len() >= 300);
    let long_local = format!("{}@acme.com", "b".repeat(65));
    let bad = [
        "bob@acme.com\r\nBcc: eve@evil.io",
        "bob\r@acme.com",
        "bob@acme.com\n",
        "bob\0@acme.com",
        "bo\tb@acme.com",
        "bob@acme.com\u{85}",
        "bob@acme.com\u{2028}",
        "",
        "   ",
        "bob",
        "bob@",
        "@acme.com",
        "bob@@acme.com",
        "bob@acme@acme.com",
        "b..ob@acme.com",
        ".bob@acme.com",
        "\"bob\"@acme.com",
        "bob smith@acme.com",
        "bob@acme",
        "bob@acme..com",
        "bob@[127.0.0.1]",
        "bob@-acme.com",
        "bøb@acme.com",
        long_address.as_str(),
        long_local.as_str(),
    ];
    for address in bad {
        fx.fails("invalid_email", || fx.kit.draft_invitation(fx.alice.id, address, InviteOptions::new()));
    }
    // The accepting side parses the same way.
    let (d, _) = fx.invite(fx.alice.id, "bob@acme.com");
    for address in ["bob@acme.com\r\n", "bob＠acme.com", long_address.as_str()] {
        fx.fails("invalid_email", || fx.kit.accept_invitation(d.link(), address, "Bob"));
        fx.fails("invalid_email", || fx.kit.decline_invitation(d.link(), address));
    }
    fx.fails("invalid_email", || fx.kit.invitations_for_email("bob\n@acme.com"));
}

#[test]
fn huge_strings_anywhere_are_errors_not_panics() {
    let fx = setup();
    let huge = "a".repeat(1 << 20);
    let huge_address = format!("{huge}@acme.com");
    let huge_line = "line\n".repeat(1 << 18);
    let mo = fx.member("mo@acme.com", "Mo Member", "member");
    let (d, inv) = fx.invite(fx.alice.id, "bob@acme.com");
    let link = d.link();
    let (o, a) = (fx.org.id, fx.alice.id);

    fx.fails("invalid_email", || fx.kit.draft_invitation(a, &huge_address, InviteOptions::new()));
    fx.fails("invalid_email", || fx.kit.draft_invitation(a, &huge, InviteOptions::new()));
    fx.fails("invalid_input", || fx.kit.draft_invitation(a, "carol@acme.com", InviteOptions::new().message(&huge)));
    fx.fails("invalid_input", || {
        fx.kit.draft_invitation(a, "carol@acme.com", InviteOptions::new().message(&huge_line))
    });
    fx.fails("invalid_input", || fx.kit.draft_invitation(a, "carol@acme.com", InviteOptions::new().role(&huge)));
    fx.fails("invalid_token", || fx.kit.accept_invitation(&huge, "bob@acme.com", "Bob"));
    fx.fails("invalid_token", || fx.kit.accept_invitation(&format!("{link}{huge}"), "bob@acme.com", "Bob"));
    fx.fails("invalid_email", || fx.kit.accept_invitation(link, &huge_address, "Bob"));
    fx.fails("invalid_input", || fx.kit.accept_invitation(link, "bob@acme.com", &huge));
    fx.fails("invalid_token", || fx.kit.peek_invitation(&huge));
    fx.fails("invalid_token", || fx.kit.decline_invitation(&huge, "bob@acme.com"));
    fx.fails("invalid_email", || fx.kit.decline_invitation(link, &huge));
    fx.fails("invalid_email", || fx.kit.invitations_for_email(&huge_address));
    fx.fails("invalid_email", || fx.kit.join_by_domain(o, &huge_address, "Bob"));
    fx.fails("invalid_input", || fx.kit.join_by_domain(o, "carol@acme.com", &huge));
    fx.fails("invalid_input", || fx.kit.create_team(o, &huge));
    fx.fails("invalid_email", || fx.kit.add_member(o, &huge_address, "Carol", "member"));
    fx.fails("invalid_input", || fx.kit.add_member(o, "carol@acme.com", &huge, "member"));
    fx.fails("invalid_input", || fx.kit.add_member(o, "carol@acme.com", "Carol", &huge));
    fx.fails("invalid_input", || fx.kit.set_role(a, mo.id, &huge));
    fx.fails("invalid_input", || fx.kit.outbox_fail(EmailId::new(), &huge));
    fx.fails("invalid_input", || {
        fx.kit.set_organization_settings(
            a,
            o,
            &SettingsUpdate { allowed_domains: Some(vec![huge.clone()]), ..Default::default() },
        )
    });
    fx.fails("invalid_input", || {
        fx.kit.set_organization_settings(
            a,
            o,
            &SettingsUpdate { auto_join_domains: Some(vec![huge.clone()]), ..Default::default() },
        )
    });
    let huge_template = TemplateSource { subject: huge.clone(), text: "{{ link }}".into(), html: "{{ link }}".into() };
    fx.fails("invalid_input", || fx.kit.set_email_template(o, EmailKind::Invitation, &huge_template));
    fx.fails("invalid_input", || fx.kit.create_organization(&huge, "huge", PORTAL, &["acme.com"]));
    fx.fails("invalid_input", || fx.kit.create_organization("Huge", &huge, PORTAL, &["acme.com"]));
    fx.fails("invalid_input", || {
        fx.kit.create_organization("Huge", "huge", &format!("{PORTAL}/{huge}"), &["acme.com"])
    });
    fx.fails("invalid_input", || fx.kit.create_organization("Huge", "huge", PORTAL, &[huge.as_str()]));

    // In a batch, the huge address fails alone.
    let results = fx.kit.invite_many(a, &[huge_address.as_str(), "carol@acme.com"], InviteOptions::new()).unwrap();
    assert_eq!(results[0].error.as_ref().map(Error::code), Some("invalid_email"));
    assert!(results[1].invitation.is_some());
    // And nothing broke the invitation in the meantime.
    assert_eq!(fx.invitation(inv.id).status, InvitationStatus::Pending);
    fx.kit.accept_invitation(link, "bob@acme.com", "Bob Jones").unwrap();
}

// ---------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------

#[test]
fn a_forwarded_link_is_refused_for_another_verified_email() {
    let fx = setup();
    let (d, inv) = fx.invite(fx.alice.id, "bob@acme.com");
    for other in ["carol@acme.com", "bob@acme.co", "b.ob@acme.com", "bob+x@acme.com"] {
        fx.fails("email_mismatch", || fx.kit.accept_invitation(d.link(), other, "Carol"));
        fx.fails("email_mismatch", || fx.kit.decline_invitation(d.link(), other));
    }
    assert_eq!(fx.invitation(inv.id).status, InvitationStatus::Pending);
    // The right address (any ASCII case) still accepts it.
    let bob = fx.kit.accept_invitation(d.link(), "Bob@ACME.com", "Bob Jones").unwrap().member;
    assert_eq!(bob.email, "bob@acme.com");
}

#[test]
fn a_replayed_token_is_not_pending() {
    let fx = setup();
    let (d, inv) = fx.invite(fx.alice.id, "bob@acme.com");
    fx.kit.accept_invitation(d.link(), "bob@acme.com", "Bob Jones").unwrap();
    fx.fails("invitation_not_pending", || fx.kit.accept_invitation(d.link(), "bob@acme.com", "Bob Jones"));
    fx.fails("invitation_not_pending", || fx.kit.accept_invitation(&token_of(d.link()), "bob@acme.com", "Bob"));
    fx.fails("invitation_not_pending", || fx.kit.decline_invitation(d.link(), "bob@acme.com"));
    fx.fails("invitation_not_pending", || fx.kit.peek_invitation(d.link()));
    fx.fails("invitation_not_pending", || fx.kit.revoke_invitation(fx.alice.id, inv.id));
    fx.clock.advance(120);
    fx.fails("invitation_not_pending", || fx.kit.resend_invitation(fx.alice.id, inv.id));
    assert_eq!(fx.kit.list_members(fx.org.id).unwrap().len(), 2);
}

#[test]
fn resend_replaces_the_token_and_restarts_the_expiry() {
    let fx = setup();
    let (d, inv) = fx.invite(fx.alice.id, "bob@acme.com");
    let old = d.link().to_owned();
    fx.clock.advance(3600);
    let seq0 = fx.last_seq();
    let resent = fx.resend(fx.alice.id, inv.id);
    assert_ne!(resent.link, old);
    assert!(resent.link.starts_with(&format!("{PORTAL}/join/ikinv_")));
    assert_eq!(resent.invitation.id, inv.id);
    assert_eq!(resent.invitation.sent_count, 2);
    assert_eq!(resent.invitation.last_sent_at, fx.kit.now());
    assert_eq!(resent.invitation.expires_at, fx.kit.now().plus_secs(WEEK));
    assert_eq!(kinds(&fx.events_after(seq0)), ["invitation_resent"]);

    // Only the new email is handed out; the first (never delivered) was withdrawn.
    let out = fx.kit.outbox_pending(10).unwrap();
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(out[0].text.contains(&resent.link) && out[0].html.contains(&resent.link));
    assert!(!out[0].text.contains(&old));

    // The old token is dead, with no hint why.
    fx.fails("invalid_token", || fx.kit.accept_invitation(&old, "bob@acme.com", "Bob"));
    fx.fails("invalid_token", || fx.kit.peek_invitation(&old));
    fx.fails("invalid_token", || fx.kit.decline_invitation(&old, "bob@acme.com"));
    let bob = fx.kit.accept_invitation(&resent.link, "bob@acme.com", "Bob Jones").unwrap().member;
    assert_eq!(bob.role, "member");
    fx.fails("invalid_token", || fx.kit.accept_invitation(&old, "bob@acme.com", "Bob"));
}

#[test]
fn resend_within_the_cooldown_is_rate_limited_with_retry_at() {
    let fx = setup();
    let (d, inv) = fx.invite(fx.alice.id, "bob@acme.com");
    let sent_at = fx.kit.now();
    fx.clock.advance(30);
    let err = fx.fails("rate_limited", || fx.kit.resend_invitation(fx.alice.id, inv.id));
    match err {
        Error::RateLimited { retry_at, .. } => assert_eq!(retry_at, sent_at.plus_secs(60)),
        other => panic!("{other:?}"),
    }
    // The current link still works after the refused resend.
    assert!(fx.kit.peek_invitation(d.link()).is_ok());
    fx.clock.advance(29);
    fx.fails("rate_limited", || fx.kit.resend_invitation(fx.alice.id, inv.id));
    fx.clock.advance(1);
    let resent = fx.resend(fx.alice.id, inv.id);
    // A second resend right after is limited again, from the new send.
    let err = fx.fails("rate_limited", || fx.kit.resend_invitation(fx.alice.id, inv.id));
    match err {
        Error::RateLimited { retry_at, .. } => assert_eq!(retry_at, resent.invitation.last_sent_at.plus_secs(60)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn resending_an_expired_invitation_keeps_one_live_invitation_per_address() {
    let fx = setup();
    let (_, old_bob) = fx.invite(fx.alice.id, "bob@acme.com");
    let (_, old_carol) = fx.invite(fx.alice.id, "carol@acme.com");
    fx.clock.advance(WEEK);
    // A new invitation to the same address once the first expired...
    let (new_bob_d, new_bob) = fx.invite(fx.alice.id, "bob@acme.com");
    // ...so reviving the old one would make two live invitations to one address.
    let err = fx.fails("already_invited", || fx.kit.resend_invitation(fx.alice.id, old_bob.id));
    assert!(matches!(err, Error::AlreadyInvited { invitation_id, .. } if invitation_id == new_bob.id), "{err:?}");
    assert_eq!(fx.kit.invitations_for_email("bob@acme.com").unwrap().len(), 1);
    // The address became a member meanwhile: nothing to revive.
    fx.member("carol@acme.com", "Carol Diaz", "member");
    fx.fails("already_member", || fx.kit.resend_invitation(fx.alice.id, old_carol.id));
    fx.kit.accept_invitation(new_bob_d.link(), "bob@acme.com", "Bob Jones").unwrap();
}

#[test]
fn resending_an_expired_invitation_respects_the_pending_cap() {
    let fx = setup();
    fx.settings(SettingsUpdate { max_pending_invitations: Some(2), ..Default::default() });
    let (_, old) = fx.invite(fx.alice.id, "bob@acme.com");
    fx.clock.advance(WEEK);
    fx.invite(fx.alice.id, "carol@acme.com");
    fx.invite(fx.alice.id, "dan@acme.com");
    fx.clock.advance(60);
    fx.fails("rate_limited", || fx.kit.resend_invitation(fx.alice.id, old.id));
    assert_eq!(fx.kit.list_invitations(fx.alice.id, Some(InvitationStatus::Pending)).unwrap().len(), 2);
}

#[test]
fn an_expired_invitation_cannot_be_used_and_lists_as_expired() {
    let fx = setup();
    let (bob_d, bob_inv) = fx.invite(fx.alice.id, "bob@acme.com");
    let (carol_d, _) = fx.invite(fx.alice.id, "carol@acme.com");
    fx.clock.advance(WEEK - 1);
    fx.kit.accept_invitation(carol_d.link(), "carol@acme.com", "Carol Diaz").unwrap();
    fx.clock.advance(1);
    assert_eq!(fx.kit.now(), bob_inv.expires_at);
    fx.fails("invitation_expired", || fx.kit.accept_invitation(bob_d.link(), "bob@acme.com", "Bob"));
    fx.fails("invitation_expired", || fx.kit.peek_invitation(bob_d.link()));
    fx.fails("invitation_expired", || fx.kit.decline_invitation(bob_d.link(), "bob@acme.com"));
    fx.clock.advance(DAY);
    fx.fails("invitation_expired", || fx.kit.accept_invitation(bob_d.link(), "bob@acme.com", "Bob"));

    assert_eq!(fx.invitation(bob_inv.id).status, InvitationStatus::Expired);
    let expired = fx.kit.list_invitations(fx.alice.id, Some(InvitationStatus::Expired)).unwrap();
    assert_eq!(expired.iter().map(|i| i.id).collect::<Vec<_>>(), vec![bob_inv.id]);
    assert!(fx.kit.list_invitations(fx.alice.id, Some(InvitationStatus::Pending)).unwrap().is_empty());
    assert!(fx.kit.invitations_for_email("bob@acme.com").unwrap().is_empty());
    // No longer blocks a new invitation, and a resend revives it with a new expiry.
    assert!(fx.kit.draft_invitation(fx.alice.id, "bob@acme.com", InviteOptions::new()).is_ok());
    let resent = fx.resend(fx.alice.id, bob_inv.id);
    assert_eq!(resent.invitation.status, InvitationStatus::Pending);
    assert_eq!(resent.invitation.expires_at, fx.kit.now().plus_secs(WEEK));
    fx.kit.accept_invitation(&resent.link, "bob@acme.com", "Bob Jones").unwrap();
}

#[test]
fn forged_and_malformed_tokens_are_invalid_token() {
    let fx = setup();
    let (d, _) = fx.invite(fx.alice.id, "bob@acme.com");
    let real = token_of(d.link());
    let forged = Token::generate().unwrap().expose_secret().to_owned();
    let mut flipped = real.clone().into_bytes();
    flipped[10] = if flipped[10] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    let inputs = vec![
        forged.clone(),
        format!("{PORTAL}/join/{forged}"),
        flipped.clone(),
        format!("{PORTAL}/join/{flipped}"),
        String::new(),
        "ikinv_".into(),
        "ikinv_abc".into(),
        format!("{real}="),
        format!("{real}A"),
        real[..real.len() - 1].to_owned(),
        real.replace("ikinv_", "IKINV_"),
        real.replace("ikinv_", "ikinv-"),
        real["ikinv_".len()..].to_owned(),
        format!("{PORTAL}/join/"),
        format!("{PORTAL}/join/{real}/extra"),
        format!("{PORTAL}/join?t={real}"),
        format!("javascript:alert(1)//join/{real}"),
        format!("ftp://acme.example.com/join/{real}"),
        format!("{PORTAL}/join/{}\n{}", &real[..20], &real[20..]),
        format!("{PORTAL}/join\\{real}"),
        "not a link at all".into(),
        "🔥".into(),
    ];
    for input in &inputs {
        fx.fails("invalid_token", || fx.kit.accept_invitation(input, "bob@acme.com", "Bob"));
        fx.fails("invalid_token", || fx.kit.peek_invitation(input));
        fx.fails("invalid_token", || fx.kit.decline_invitation(input, "bob@acme.com"));
    }
    // The real link still works, with the decorations mail clients add.
    assert!(fx.kit.peek_invitation(&format!("{}?utm_source=mail#top", d.link())).is_ok());
    assert!(fx.kit.peek_invitation(&format!("  {}/  ", d.link())).is_ok());
    fx.kit.accept_invitation(d.link(), "bob@acme.com", "Bob Jones").unwrap();
}

#[test]
fn the_token_is_global_and_works_only_for_its_own_invitee() {
    let fx = setup();
    let (globex, gina) = fx.globex(&["globex.com"]);
    let (d, inv) = fx.invite(gina.id, "dave@globex.com");
    assert!(d.link().starts_with(GLOBEX_PORTAL));
    // The other organization's token pasted into Acme's portal.
    let pasted = format!("{PORTAL}/join/{}", token_of(d.link()));
    let globex_before = snapshot(&fx.kit, globex.id, gina.id);
    fx.fails("email_mismatch", || fx.kit.accept_invitation(&pasted, "bob@acme.com", "Bob"));
    fx.fails("email_mismatch", || fx.kit.accept_invitation(&pasted, "alice@acme.com", "Alice"));
    assert_eq!(snapshot(&fx.kit, globex.id, gina.id), globex_before);
    let peeked = fx.kit.peek_invitation(&pasted).unwrap();
    assert_eq!(peeked.organization_name, "Globex Inc");

    let acme_before = fx.snap();
    let dave = fx.kit.accept_invitation(&pasted, "dave@globex.com", "Dave Doe").unwrap().member;
    assert_eq!(dave.org_id, globex.id);
    assert_eq!(fx.snap(), acme_before, "nothing happened in Acme");
    let globex_members = fx.kit.list_members(globex.id).unwrap();
    assert!(globex_members.iter().any(|m| m.id == dave.id));
    assert_eq!(
        fx.kit.list_invitations(gina.id, None).unwrap().into_iter().find(|i| i.id == inv.id).unwrap().status,
        InvitationStatus::Accepted
    );
}

#[test]
fn peek_changes_nothing_and_a_peeked_invitation_is_still_acceptable() {
    let fx = setup();
    let (d, inv) = fx.invite_with(fx.alice.id, "bob@acme.com", InviteOptions::new().team(fx.design.id));
    let before = fx.snap();
    let expected = InvitationPreview {
        organization_name: "Acme Corp".into(),
        inviter_name: "Alice Smith".into(),
        team_names: vec!["Design".into()],
        email: "bob@acme.com".into(),
        expires_at: inv.expires_at,
        metadata: Default::default(),
        redirect_url: None,
    };
    for input in [d.link().to_owned(), token_of(d.link()), format!("{}/", d.link())] {
        assert_eq!(fx.kit.peek_invitation(&input).unwrap(), expected);
    }
    assert_eq!(fx.snap(), before, "peeking changes nothing (a mail scanner accepts nothing)");
    let bob = fx.kit.accept_invitation(d.link(), "bob@acme.com", "Bob Jones").unwrap().member;
    assert_eq!(bob.team_ids, vec![fx.design.id]);
}

// ---------------------------------------------------------------------------
// R7: the inviter changes after sending
// ---------------------------------------------------------------------------

#[test]
fn deactivating_the_inviter_revokes_their_pending_invitations() {
    let fx = setup();
    let hank = fx.member("hank@acme.com", "Hank Manager", "hiring_manager");
    let _ = fx.drain_outbox();
    let (d, inv) = fx.invite_with(hank.id, "bob@acme.com", InviteOptions::new().team(fx.design.id));
    let (alice_d, _) = fx.invite(fx.alice.id, "carol@acme.com");
    let seq0 = fx.last_seq();
    fx.kit.deactivate_member(fx.alice.id, hank.id).unwrap();

    assert_eq!(fx.invitation(inv.id).status, InvitationStatus::Revoked);
    let evs = fx.events_after(seq0);
    assert_eq!(kinds(&evs), ["member_deactivated", "invitation_revoked"]);
    assert_eq!(evs[1].details["invitation_id"], id_json(inv.id));
    // Hank's undelivered email is withdrawn; Alice's is not.
    let out = fx.kit.outbox_pending(100).unwrap();
    assert_eq!(out.iter().map(|o| o.to.as_str()).collect::<Vec<_>>(), ["carol@acme.com"]);

    fx.fails_one_of(&["invitation_not_pending", "invalid_token"], || {
        fx.kit.accept_invitation(d.link(), "bob@acme.com", "Bob")
    });
    fx.fails_one_of(&["invitation_not_pending", "invalid_token"], || fx.kit.peek_invitation(d.link()));
    fx.fails("permission_denied", || fx.kit.draft_invitation(hank.id, "dan@acme.com", InviteOptions::new()));
    assert!(!fx.kit.list_members(fx.org.id).unwrap().iter().any(|m| m.email == "bob@acme.com"));
    // Coming back does not revive the revoked invitation.
    fx.kit.add_member(fx.org.id, "hank@acme.com", "Hank Manager", "hiring_manager").unwrap();
    fx.fails_one_of(&["invitation_not_pending", "invalid_token"], || {
        fx.kit.accept_invitation(d.link(), "bob@acme.com", "Bob")
    });
    // Others' invitations are untouched.
    fx.kit.accept_invitation(alice_d.link(), "carol@acme.com", "Carol Diaz").unwrap();
}

#[test]
fn demoting_the_inviter_revokes_or_clamps_their_pending_invitations() {
    let fx = setup();
    let fran = fx.member("fran@acme.com", "Fran Full", "full");
    let (as_recruiter, rec_inv) = fx.invite_with(fran.id, "bob@acme.com", InviteOptions::new().role("recruiter"));
    let (with_team, team_inv) = fx.invite_with(fran.id, "carol@acme.com", InviteOptions::new().team(fx.design.id));
    let (plain, plain_inv) = fx.invite(fran.id, "dan@acme.com");
    fx.kit.set_role(fx.alice.id, fran.id, "member").unwrap();

    // A role the new role cannot give: revoked.
    assert_eq!(fx.invitation(rec_inv.id).status, InvitationStatus::Revoked);
    fx.fails_one_of(&["invitation_not_pending", "invalid_token"], || {
        fx.kit.accept_invitation(as_recruiter.link(), "bob@acme.com", "Bob")
    });
    // A team the new role cannot assign: dropped, and the invitee joins no team.
    let clamped = fx.invitation(team_inv.id);
    assert_eq!(clamped.status, InvitationStatus::Pending);
    assert!(clamped.team_ids.is_empty());
    assert!(fx.kit.peek_invitation(with_team.link()).unwrap().team_names.is_empty());
    let carol = fx.kit.accept_invitation(with_team.link(), "carol@acme.com", "Carol Diaz").unwrap().member;
    assert!(carol.team_ids.is_empty(), "{carol:?}");
    assert_eq!(carol.role, "member");
    // What the new role can still send is unchanged.
    assert_eq!(fx.invitation(plain_inv.id), plain_inv);
    fx.kit.accept_invitation(plain.link(), "dan@acme.com", "Dan Diaz").unwrap();
}

#[test]
fn another_organizations_invitation_ids_are_not_found() {
    let fx = setup();
    let (globex, gina) = fx.globex(&["globex.com"]);
    let (d, inv) = fx.invite(fx.alice.id, "bob@acme.com");
    fx.clock.advance(120);
    let globex_before = snapshot(&fx.kit, globex.id, gina.id);
    fx.fails("not_found", || fx.kit.revoke_invitation(gina.id, inv.id));
    fx.fails("not_found", || fx.kit.resend_invitation(gina.id, inv.id));
    fx.fails("not_found", || fx.kit.revoke_invitation(fx.alice.id, InvitationId::new()));
    fx.fails("not_found", || fx.kit.resend_invitation(fx.alice.id, InvitationId::new()));
    fx.fails("not_found", || {
        fx.kit.set_organization_settings(
            gina.id,
            fx.org.id,
            &SettingsUpdate { allow_subdomains: Some(true), ..Default::default() },
        )
    });
    assert_eq!(snapshot(&fx.kit, globex.id, gina.id), globex_before);
    assert!(fx.kit.list_invitations(gina.id, None).unwrap().is_empty());
    fx.kit.accept_invitation(d.link(), "bob@acme.com", "Bob Jones").unwrap();
}

// ---------------------------------------------------------------------------
// Lifecycle: already member / invited, revoke, decline
// ---------------------------------------------------------------------------

#[test]
fn already_member_and_already_invited() {
    let fx = setup();
    let hank = fx.member("hank@acme.com", "Hank Manager", "hiring_manager");
    for address in ["alice@acme.com", "Alice@ACME.com", " alice@acme.com "] {
        fx.fails("already_member", || fx.kit.draft_invitation(hank.id, address, InviteOptions::new()));
    }
    let (d, inv) = fx.invite(fx.alice.id, "bob@acme.com");
    for (actor, address) in [(fx.alice.id, "bob@acme.com"), (hank.id, "BOB@acme.com"), (fx.alice.id, "Bob@Acme.Com")] {
        let err = fx.fails("already_invited", || fx.kit.draft_invitation(actor, address, InviteOptions::new()));
        match err {
            Error::AlreadyInvited { invitation_id, email } => {
                assert_eq!(invitation_id, inv.id);
                assert_eq!(email, "bob@acme.com");
            }
            other => panic!("{other:?}"),
        }
    }
    // No other folding: these are different addresses.
    for address in ["b.ob@acme.com", "bob+x@acme.com"] {
        assert!(fx.kit.draft_invitation(fx.alice.id, address, InviteOptions::new()).is_ok(), "{address}");
    }
    // The host offers "resend"; the new link is accepted.
    fx.clock.advance(60);
    let resent = fx.resend(fx.alice.id, inv.id);
    fx.fails("invalid_token", || fx.kit.accept_invitation(d.link(), "bob@acme.com", "Bob"));
    fx.kit.accept_invitation(&resent.link, "bob@acme.com", "Bob Jones").unwrap();
    fx.fails("already_member", || fx.kit.draft_invitation(fx.alice.id, "bob@acme.com", InviteOptions::new()));
}

#[test]
fn revoke_is_for_the_inviter_or_a_full_member() {
    let fx = setup();
    let mo = fx.member("mo@acme.com", "Mo Member", "member");
    let hank = fx.member("hank@acme.com", "Hank Manager", "hiring_manager");
    let (_, alice_inv) = fx.invite(fx.alice.id, "bob@acme.com");
    let (_, mo_inv) = fx.invite(mo.id, "carol@acme.com");
    let (hank_d, hank_inv) = fx.invite(hank.id, "dan@acme.com");
    fx.clock.advance(120);

    for actor in [hank.id, mo.id] {
        fx.fails("permission_denied", || fx.kit.revoke_invitation(actor, alice_inv.id));
        fx.fails("permission_denied", || fx.kit.resend_invitation(actor, alice_inv.id));
    }
    fx.fails("permission_denied", || fx.kit.revoke_invitation(mo.id, hank_inv.id));
    assert_eq!(fx.kit.list_invitations(mo.id, None).unwrap(), vec![mo_inv.clone()], "anyone else sees only their own");

    // The inviter revokes their own.
    let seq0 = fx.last_seq();
    let revoked = fx.kit.revoke_invitation(mo.id, mo_inv.id).unwrap();
    assert_eq!(revoked.status, InvitationStatus::Revoked);
    let evs = fx.events_after(seq0);
    assert_eq!(kinds(&evs), ["invitation_revoked"]);
    assert_eq!(evs[0].actor_id, Some(mo.id));

    // An admin revokes someone else's; its queued email is withdrawn.
    let _ = fx.drain_outbox();
    let (_, hank_inv2) = fx.invite(hank.id, "erin@acme.com");
    fx.kit.revoke_invitation(fx.alice.id, hank_inv.id).unwrap();
    fx.kit.revoke_invitation(fx.alice.id, hank_inv2.id).unwrap();
    assert!(fx.kit.outbox_pending(100).unwrap().is_empty(), "revoking withdraws the unsent email");
    fx.fails("invitation_not_pending", || fx.kit.accept_invitation(hank_d.link(), "dan@acme.com", "Dan"));
    fx.fails("invitation_not_pending", || fx.kit.revoke_invitation(fx.alice.id, hank_inv.id));
    fx.fails("invitation_not_pending", || fx.kit.resend_invitation(fx.alice.id, hank_inv.id));
    // The address may be invited afresh.
    let (again, _) = fx.invite(fx.alice.id, "dan@acme.com");
    fx.kit.accept_invitation(again.link(), "dan@acme.com", "Dan Diaz").unwrap();
}

#[test]
fn declining_ends_the_invitation() {
    let fx = setup();
    let (d, inv) = fx.invite(fx.alice.id, "bob@acme.com");
    fx.fails("email_mismatch", || fx.kit.decline_invitation(d.link(), "carol@acme.com"));
    let seq0 = fx.last_seq();
    let declined = fx.kit.decline_invitation(d.link(), "bob@acme.com").unwrap();
    assert_eq!(declined.status, InvitationStatus::Declined);
    let evs = fx.events_after(seq0);
    assert_eq!(kinds(&evs), ["invitation_declined"]);
    assert_eq!(evs[0].details["invitation_id"], id_json(inv.id));

    fx.fails("invitation_not_pending", || fx.kit.accept_invitation(d.link(), "bob@acme.com", "Bob"));
    fx.fails("invitation_not_pending", || fx.kit.decline_invitation(d.link(), "bob@acme.com"));
    fx.fails("invitation_not_pending", || fx.kit.peek_invitation(d.link()));
    fx.fails("invitation_not_pending", || fx.kit.revoke_invitation(fx.alice.id, inv.id));
    fx.clock.advance(120);
    fx.fails("invitation_not_pending", || fx.kit.resend_invitation(fx.alice.id, inv.id));
    assert_eq!(fx.invitation(inv.id).status, InvitationStatus::Declined);
    assert!(fx.kit.invitations_for_email("bob@acme.com").unwrap().is_empty());
    assert!(fx.kit.draft_invitation(fx.alice.id, "bob@acme.com", InviteOptions::new()).is_ok());
}

// ---------------------------------------------------------------------------
// Rate limits and settings
// ---------------------------------------------------------------------------

fn retry_at(err: &Error) -> Timestamp {
    match err {
        Error::RateLimited { retry_at, .. } => *retry_at,
        other => panic!("not rate_limited: {other:?}"),
    }
}

#[test]
fn per_inviter_daily_limit_with_a_correct_retry_at() {
    let fx = setup();
    let hank = fx.member("hank@acme.com", "Hank Manager", "hiring_manager");
    fx.settings(SettingsUpdate { max_invitations_per_inviter_per_day: Some(2), ..Default::default() });
    let t0 = fx.kit.now();
    fx.invite(fx.alice.id, "u1@acme.com");
    fx.clock.advance(3600);
    let t1 = fx.kit.now();
    let early = fx.draft(fx.alice.id, "u3@acme.com", InviteOptions::new());
    fx.kit.send_invitation(&fx.draft(fx.alice.id, "u2@acme.com", InviteOptions::new()), false).unwrap();

    let err = fx.fails("rate_limited", || fx.kit.draft_invitation(fx.alice.id, "u4@acme.com", InviteOptions::new()));
    assert_eq!(retry_at(&err), t0.plus_secs(DAY), "24 h after the oldest counted send");
    // A draft made before the limit was reached is checked again when sent.
    let err = fx.fails("rate_limited", || fx.kit.send_invitation(&early, true));
    assert_eq!(retry_at(&err), t0.plus_secs(DAY));
    // Another inviter is not limited by Alice's sends.
    fx.invite(hank.id, "u5@acme.com");

    // Still limited a millisecond before retry_at; free at retry_at.
    fx.clock.set(Timestamp::from_millis(t0.plus_secs(DAY).as_millis() - 1));
    fx.fails("rate_limited", || fx.kit.draft_invitation(fx.alice.id, "u4@acme.com", InviteOptions::new()));
    fx.clock.set(t0.plus_secs(DAY));
    fx.invite(fx.alice.id, "u4@acme.com");
    let err = fx.fails("rate_limited", || fx.kit.draft_invitation(fx.alice.id, "u6@acme.com", InviteOptions::new()));
    assert_eq!(retry_at(&err), t1.plus_secs(DAY));
}

#[test]
fn per_organization_daily_limit() {
    let fx = setup();
    let hank = fx.member("hank@acme.com", "Hank Manager", "hiring_manager");
    fx.settings(SettingsUpdate { max_invitations_per_org_per_day: Some(3), ..Default::default() });
    let t0 = fx.kit.now();
    fx.invite(fx.alice.id, "u1@acme.com");
    fx.clock.advance(60);
    fx.kit.send_invitation(&fx.draft(fx.alice.id, "u2@acme.com", InviteOptions::new()), false).unwrap();
    fx.clock.advance(60);
    fx.invite(hank.id, "u3@acme.com");
    for actor in [hank.id, fx.alice.id] {
        let err = fx.fails("rate_limited", || fx.kit.draft_invitation(actor, "u4@acme.com", InviteOptions::new()));
        assert_eq!(retry_at(&err), t0.plus_secs(DAY));
    }
    let results = fx.kit.invite_many(hank.id, &["u4@acme.com", "u5@acme.com"], InviteOptions::new()).unwrap();
    assert!(results.iter().all(|r| r.error.as_ref().map(Error::code) == Some("rate_limited")), "{results:?}");
    fx.clock.set(t0.plus_secs(DAY));
    fx.invite(hank.id, "u4@acme.com");
}

#[test]
fn emails_per_address_count_resends() {
    let fx = setup();
    fx.settings(SettingsUpdate { max_emails_per_address_per_day: Some(2), ..Default::default() });
    let t0 = fx.kit.now();
    let (_, inv) = fx.invite(fx.alice.id, "bob@acme.com");
    fx.clock.advance(61);
    let resent = fx.resend(fx.alice.id, inv.id);
    fx.clock.advance(61);
    let err = fx.fails("rate_limited", || fx.kit.resend_invitation(fx.alice.id, inv.id));
    assert_eq!(retry_at(&err), t0.plus_secs(DAY));
    // The refused resend changed nothing: the last link still works.
    assert!(fx.kit.peek_invitation(&resent.link).is_ok());

    // A new invitation to the same address may not be emailed either, but may be shared as a link.
    fx.kit.revoke_invitation(fx.alice.id, inv.id).unwrap();
    let draft = fx.draft(fx.alice.id, "BOB@acme.com", InviteOptions::new());
    let err = fx.fails("rate_limited", || fx.kit.send_invitation(&draft, true));
    assert_eq!(retry_at(&err), t0.plus_secs(DAY));
    let inv2 = fx.kit.send_invitation(&draft, false).unwrap();
    assert!(!inv2.delivered);
    // Other addresses are unaffected.
    fx.invite(fx.alice.id, "carol@acme.com");
    // Free again 24 h after the first email.
    fx.kit.revoke_invitation(fx.alice.id, inv2.id).unwrap();
    fx.clock.set(t0.plus_secs(DAY));
    fx.invite(fx.alice.id, "bob@acme.com");
}

#[test]
fn pending_invitations_are_capped() {
    let fx = setup();
    fx.settings(SettingsUpdate { max_pending_invitations: Some(2), ..Default::default() });
    let (bob_d, bob_inv) = fx.invite(fx.alice.id, "bob@acme.com");
    fx.clock.advance(10);
    fx.invite(fx.alice.id, "carol@acme.com");
    let err = fx.fails("rate_limited", || fx.kit.draft_invitation(fx.alice.id, "dan@acme.com", InviteOptions::new()));
    assert_eq!(retry_at(&err), bob_inv.expires_at, "frees up when the oldest pending one expires");
    // An accepted invitation no longer counts.
    fx.kit.accept_invitation(bob_d.link(), "bob@acme.com", "Bob Jones").unwrap();
    fx.invite(fx.alice.id, "dan@acme.com");
    fx.fails("rate_limited", || fx.kit.draft_invitation(fx.alice.id, "erin@acme.com", InviteOptions::new()));
}

#[test]
fn settings_are_for_full_members_and_checked() {
    let fx = setup();
    let mo = fx.member("mo@acme.com", "Mo Member", "member");
    let hank = fx.member("hank@acme.com", "Hank Manager", "hiring_manager");
    let update = SettingsUpdate { resend_cooldown_secs: Some(0), ..Default::default() };
    for actor in [mo.id, hank.id] {
        fx.fails("permission_denied", || fx.kit.set_organization_settings(actor, fx.org.id, &update));
    }
    let bad = [
        SettingsUpdate { invitation_expiry_secs: Some(10), ..Default::default() },
        SettingsUpdate { invitation_expiry_secs: Some(31 * DAY), ..Default::default() },
        SettingsUpdate { max_pending_invitations: Some(0), ..Default::default() },
        SettingsUpdate { max_emails_per_address_per_day: Some(0), ..Default::default() },
        SettingsUpdate { max_message_chars: Some(5001), ..Default::default() },
        SettingsUpdate { resend_cooldown_secs: Some(-1), ..Default::default() },
        SettingsUpdate { allowed_domains: Some(vec!["not a domain".into()]), ..Default::default() },
        SettingsUpdate { auto_join_domains: Some(vec!["аcme.com\n".into()]), ..Default::default() },
    ];
    for u in &bad {
        fx.fails("invalid_input", || fx.kit.set_organization_settings(fx.alice.id, fx.org.id, u));
    }
    assert_eq!(SettingsUpdate::from_json(r#"{"max_invites": 3}"#).unwrap_err().code(), "invalid_input");

    let seq0 = fx.last_seq();
    let org = fx.settings(SettingsUpdate {
        invitation_expiry_secs: Some(3600),
        max_message_chars: Some(10),
        ..Default::default()
    });
    assert_eq!(org.settings.invitation_expiry_secs, 3600);
    assert_eq!(kinds(&fx.events_after(seq0)), ["settings_changed"]);
    let d = fx.draft(fx.alice.id, "bob@acme.com", InviteOptions::new().message("0123456789"));
    assert_eq!(d.expires_at(), fx.kit.now().plus_secs(3600));
    fx.fails("invalid_input", || {
        fx.kit.draft_invitation(fx.alice.id, "bob@acme.com", InviteOptions::new().message("0123456789A"))
    });
}

// ---------------------------------------------------------------------------
// Several at once
// ---------------------------------------------------------------------------

#[test]
fn invite_many_reports_per_address_in_order() {
    let fx = setup();
    let _ = fx.drain_outbox();
    let seq0 = fx.last_seq();
    let addresses = ["bob@acme.com", "carol@acme.com", "eve@evil.io", "dan@acme.com"];
    let results =
        fx.kit.invite_many(fx.alice.id, &addresses, InviteOptions::new().message("Hi all").team(fx.design.id)).unwrap();
    assert_eq!(results.iter().map(|r| r.email.as_str()).collect::<Vec<_>>(), addresses);
    assert_eq!(results[2].error.as_ref().map(Error::code), Some("domain_not_allowed"));
    assert!(results[2].invitation.is_none());
    for i in [0, 1, 3] {
        let inv = results[i].invitation.as_ref().unwrap();
        assert!(results[i].error.is_none());
        assert_eq!(inv.email, addresses[i]);
        assert_eq!(inv.team_ids, [fx.design.id]);
        assert_eq!(inv.message.as_deref(), Some("Hi all"));
        assert_eq!(inv.status, InvitationStatus::Pending);
    }
    let stored: HashSet<InvitationId> =
        fx.kit.list_invitations(fx.alice.id, None).unwrap().iter().map(|i| i.id).collect();
    let returned: HashSet<InvitationId> = results.iter().filter_map(|r| r.invitation.as_ref().map(|i| i.id)).collect();
    assert_eq!(stored, returned);
    let mut to: Vec<String> = fx.kit.outbox_pending(100).unwrap().into_iter().map(|o| o.to).collect();
    to.sort();
    assert_eq!(to, ["bob@acme.com", "carol@acme.com", "dan@acme.com"]);
    assert_eq!(kinds(&fx.events_after(seq0)), ["invitation_sent"; 3]);
}

#[test]
fn invite_many_mixed_errors_and_the_batch_limit() {
    let fx = setup();
    let mo = fx.member("mo@acme.com", "Mo Member", "member");
    let results = fx
        .kit
        .invite_many(
            fx.alice.id,
            &["x@acme.com", "not-an-email", "X@acme.com", "alice@acme.com", "y@acme.com"],
            InviteOptions::new(),
        )
        .unwrap();
    let codes: Vec<Option<&str>> = results.iter().map(|r| r.error.as_ref().map(Error::code)).collect();
    assert_eq!(codes, [None, Some("invalid_email"), Some("already_invited"), Some("already_member"), None]);
    assert_eq!(fx.kit.list_invitations(fx.alice.id, None).unwrap().len(), 2);

    // An option the actor may not use fails every address, storing nothing.
    let before = fx.snap();
    let results = fx.kit.invite_many(mo.id, &["p@acme.com", "q@acme.com"], InviteOptions::new().role("full")).unwrap();
    assert!(results.iter().all(|r| r.error.as_ref().map(Error::code) == Some("permission_denied")));
    assert_eq!(fx.snap(), before);

    let many: Vec<String> = (0..101).map(|i| format!("user{i}@acme.com")).collect();
    fx.fails("invalid_input", || fx.kit.invite_many(fx.alice.id, &many, InviteOptions::new()));
    // 100 is allowed; the per-inviter limit (50 a day) applies within the batch.
    let results = fx.kit.invite_many(fx.alice.id, &many[..100], InviteOptions::new()).unwrap();
    assert_eq!(results.len(), 100);
    // Two invitations were already sent today by Alice.
    assert!(results[..48].iter().all(|r| r.invitation.is_some()), "{:?}", &results[..48]);
    assert!(results[48..].iter().all(|r| r.error.as_ref().map(Error::code) == Some("rate_limited")));
}

// ---------------------------------------------------------------------------
// The invitee's side: invitations_for_email, join_by_domain
// ---------------------------------------------------------------------------

#[test]
fn invitations_for_email_across_organizations() {
    let fx = setup();
    let (globex, gina) = fx.globex(&[]);
    let (_, acme_inv) = fx.invite(fx.alice.id, "bob@acme.com");
    let (globex_d, globex_inv) = fx.invite(gina.id, "bob@acme.com");
    let found = fx.kit.invitations_for_email("Bob@ACME.com").unwrap();
    let orgs: HashSet<OrgId> = found.iter().map(|i| i.org_id).collect();
    assert_eq!(orgs, HashSet::from([fx.org.id, globex.id]));
    assert!(found.iter().all(|i| i.status == InvitationStatus::Pending));
    for other in ["carol@acme.com", "b.ob@acme.com", "bob+x@acme.com"] {
        assert!(fx.kit.invitations_for_email(other).unwrap().is_empty(), "{other}");
    }
    fx.kit.accept_invitation(globex_d.link(), "bob@acme.com", "Bob Jones").unwrap();
    let ids: Vec<InvitationId> = fx.kit.invitations_for_email("bob@acme.com").unwrap().iter().map(|i| i.id).collect();
    assert_eq!(ids, vec![acme_inv.id]);
    assert_ne!(globex_inv.id, acme_inv.id);
    fx.kit.revoke_invitation(fx.alice.id, acme_inv.id).unwrap();
    assert!(fx.kit.invitations_for_email("bob@acme.com").unwrap().is_empty());
    // Expired ones are not listed either.
    fx.invite(fx.alice.id, "carol@acme.com");
    assert_eq!(fx.kit.invitations_for_email("carol@acme.com").unwrap().len(), 1);
    fx.clock.advance(WEEK);
    assert!(fx.kit.invitations_for_email("carol@acme.com").unwrap().is_empty());
}

#[test]
fn join_by_domain_is_off_by_default_and_on_with_a_mode_and_verified_auto_join_domains() {
    let fx = setup();
    let join = |email: &str, name: &str| fx.kit.join_by_domain(fx.org.id, email, name).map(|r| r.member.unwrap());
    fx.fails("domain_not_allowed", || join("bob@acme.com", "Bob Jones"));
    fx.settings(SettingsUpdate {
        auto_join_domains: Some(vec!["acme.com".into(), "partner.io".into()]),
        ..Default::default()
    });
    // Listed, but the mode is off (the default) and the domain is not verified.
    fx.fails("domain_not_allowed", || join("bob@acme.com", "Bob Jones"));
    fx.settings(SettingsUpdate { domain_join: Some(DomainJoin::Automatic), ..Default::default() });
    fx.fails("domain_not_allowed", || join("bob@acme.com", "Bob Jones"));
    let record = fx.kit.start_domain_verification(fx.alice.id, fx.org.id, "acme.com").unwrap();
    fx.fails("domain_not_allowed", || join("bob@acme.com", "Bob Jones"));
    fx.kit.verify_domain(fx.alice.id, fx.org.id, "acme.com", &[record.record_value.as_str()]).unwrap();
    let seq0 = fx.last_seq();
    let bob = join("Bob@acme.com", "Bob Jones").unwrap();
    assert_eq!(bob.role, "member");
    assert!(bob.team_ids.is_empty());
    assert_eq!(bob.org_id, fx.org.id);
    let evs = fx.events_after(seq0);
    assert_eq!(kinds(&evs), ["member_joined_by_domain"]);
    assert_eq!(evs[0].details["member_id"], id_json(bob.id));
    fx.fails("already_member", || join("bob@acme.com", "Bob Again"));
    // Outside the allowed domains, even if listed for auto-join; and no loose matching.
    for address in ["x@partner.io", "x@evilacme.com", "x@acme.com.evil.io", "x@eng.acme.com", "x@аcme.com"] {
        fx.fails("domain_not_allowed", || join(address, "X"));
    }
    fx.fails("not_found", || fx.kit.join_by_domain(OrgId::new(), "x@acme.com", "X"));
    fx.settings(SettingsUpdate { allow_subdomains: Some(true), ..Default::default() });
    assert_eq!(join("x@eng.acme.com", "Xavier").unwrap().role, "member");
    // Off again: nobody joins, verified or not.
    fx.settings(SettingsUpdate { domain_join: Some(DomainJoin::Off), ..Default::default() });
    fx.fails("domain_not_allowed", || join("yan@acme.com", "Yan"));
}

// ---------------------------------------------------------------------------
// Drafts are checked again when sent
// ---------------------------------------------------------------------------

#[test]
fn sending_the_same_draft_twice_is_conflict() {
    let fx = setup();
    let d = fx.draft(fx.alice.id, "bob@acme.com", InviteOptions::new());
    fx.kit.send_invitation(&d, true).unwrap();
    fx.fails("conflict", || fx.kit.send_invitation(&d, true));
    fx.fails("conflict", || fx.kit.send_invitation(&d, false));
    fx.kit.accept_invitation(d.link(), "bob@acme.com", "Bob Jones").unwrap();
    fx.fails("conflict", || fx.kit.send_invitation(&d, true));
}

#[test]
fn a_stale_draft_is_refused_when_the_state_changed() {
    let fx = setup();
    let hank = fx.member("hank@acme.com", "Hank Manager", "hiring_manager");
    let fran = fx.member("fran@acme.com", "Fran Full", "full");

    // The address became a member meanwhile.
    let to_bob = fx.draft(fx.alice.id, "bob@acme.com", InviteOptions::new());
    fx.member("bob@acme.com", "Bob Jones", "member");
    fx.fails("already_member", || fx.kit.send_invitation(&to_bob, true));

    // Someone else invited the address meanwhile.
    let first = fx.draft(fx.alice.id, "carol@acme.com", InviteOptions::new());
    let second = fx.draft(hank.id, "carol@acme.com", InviteOptions::new());
    let sent = fx.kit.send_invitation(&first, true).unwrap();
    let err = fx.fails("already_invited", || fx.kit.send_invitation(&second, true));
    assert!(matches!(err, Error::AlreadyInvited { invitation_id, .. } if invitation_id == sent.id));

    // The inviter was deactivated or demoted meanwhile.
    let by_hank = fx.draft(hank.id, "dan@acme.com", InviteOptions::new());
    let by_fran = fx.draft(fran.id, "erin@acme.com", InviteOptions::new().role("recruiter"));
    fx.kit.deactivate_member(fx.alice.id, hank.id).unwrap();
    fx.kit.set_role(fx.alice.id, fran.id, "member").unwrap();
    fx.fails("permission_denied", || fx.kit.send_invitation(&by_hank, true));
    fx.fails("permission_denied", || fx.kit.send_invitation(&by_fran, true));

    // The allowed domains changed meanwhile.
    let to_frank = fx.draft(fx.alice.id, "frank@acme.com", InviteOptions::new());
    fx.settings(SettingsUpdate { allowed_domains: Some(vec!["acme.io".into()]), ..Default::default() });
    fx.fails("domain_not_allowed", || fx.kit.send_invitation(&to_frank, true));
    fx.settings(SettingsUpdate { allowed_domains: Some(vec!["acme.com".into()]), ..Default::default() });

    // The draft outlived its expiry.
    let old = fx.draft(fx.alice.id, "gus@acme.com", InviteOptions::new());
    fx.clock.advance(WEEK);
    fx.fails("invitation_expired", || fx.kit.send_invitation(&old, true));
    let fresh = fx.draft(fx.alice.id, "gus@acme.com", InviteOptions::new());
    fx.kit.send_invitation(&fresh, true).unwrap();
}

// ---------------------------------------------------------------------------
// Email templates
// ---------------------------------------------------------------------------

fn custom_template() -> TemplateSource {
    TemplateSource {
        subject: "{{ organization_name }}: an invitation from {{ inviter_name }}".into(),
        text: "Hello {{ to }}!\n{% if message %}Note: {{ message }}\n{% endif %}Join: {{ link }}\nUntil {{ expires_at }}\n".into(),
        html: "<p>Hello {{ to }}</p>{% if message %}<blockquote>{{ message|nl2br }}</blockquote>{% endif %}<a href=\"{{ link }}\">Join {{ organization_name }}</a>".into(),
    }
}

#[test]
fn a_host_registered_template_is_used_by_drafts() {
    let fx = setup();
    let (globex, gina) = fx.globex(&["globex.com"]);
    fx.kit.set_email_template(fx.org.id, EmailKind::Invitation, &custom_template()).unwrap();
    let d = fx.draft(fx.alice.id, "bob@acme.com", InviteOptions::new().message("<i>hi</i>\nline two"));
    let email = d.preview();
    assert_eq!(email.subject, "Acme Corp: an invitation from Alice Smith");
    assert!(email.text.starts_with("Hello bob@acme.com!\nNote: <i>hi</i>\nline two\nJoin: "), "{}", email.text);
    assert!(email.text.contains(d.link()));
    assert!(email.html.contains("&lt;i&gt;hi&lt;/i&gt;<br>"), "{}", email.html);
    assert!(email.html.contains(&format!("<a href=\"{}\">Join Acme Corp</a>", d.link())), "{}", email.html);
    fx.kit.send_invitation(&d, true).unwrap();
    let out = fx.kit.outbox_pending(10).unwrap();
    assert_eq!((&out[0].subject, &out[0].text, &out[0].html), (&email.subject, &email.text, &email.html));
    // Another organization keeps the built-in template.
    let theirs = fx.draft(gina.id, "dave@globex.com", InviteOptions::new()).preview();
    assert!(theirs.subject.contains("Gina Grey") && theirs.subject.contains("Globex Inc"));
    assert!(!theirs.subject.contains("an invitation from"));
    let _ = globex;
}

#[test]
fn a_broken_template_is_refused_with_invalid_input() {
    let fx = setup();
    fx.kit.set_email_template(fx.org.id, EmailKind::Invitation, &custom_template()).unwrap();
    let cases: Vec<(TemplateSource, &str)> = vec![
        (TemplateSource { text: "Join {{ link ".into(), ..custom_template() }, "invitation.text"),
        (TemplateSource { html: "{{ password }}".into(), ..custom_template() }, "invitation.html"),
        (TemplateSource { subject: "{% if %}".into(), ..custom_template() }, "invitation.subject"),
        (TemplateSource { subject: "   ".into(), ..custom_template() }, "invitation.subject"),
        (TemplateSource { html: "x".repeat(64 * 1024 + 1), ..custom_template() }, "invitation.html"),
    ];
    for (template, part) in &cases {
        let err = fx.fails("invalid_input", || fx.kit.set_email_template(fx.org.id, EmailKind::Invitation, template));
        assert!(err.to_string().contains(part), "{err} should name {part}");
    }
    fx.fails("not_found", || fx.kit.set_email_template(OrgId::new(), EmailKind::Invitation, &custom_template()));
    // The last good template is still the one in use.
    let d = fx.draft(fx.alice.id, "bob@acme.com", InviteOptions::new());
    assert_eq!(d.preview().subject, "Acme Corp: an invitation from Alice Smith");
}

#[test]
fn a_template_failing_for_some_data_gives_invalid_input_and_no_email() {
    let fx = setup();
    let fragile = TemplateSource {
        html: "{% if not team_name %}{{ link.nope.deeper }}{% endif %}<a href=\"{{ link }}\">join</a>".into(),
        ..custom_template()
    };
    fx.kit.set_email_template(fx.org.id, EmailKind::Invitation, &fragile).unwrap();
    let err = fx.fails("invalid_input", || fx.kit.draft_invitation(fx.alice.id, "bob@acme.com", InviteOptions::new()));
    assert!(err.to_string().contains("invitation.html"), "{err}");
    assert!(!err.to_string().contains("ikinv_"), "{err}");
    let d = fx.draft(fx.alice.id, "bob@acme.com", InviteOptions::new().team(fx.design.id));
    assert!(d.preview().html.contains(d.link()));
}

// ---------------------------------------------------------------------------
// Outbox
// ---------------------------------------------------------------------------

#[test]
fn a_failed_email_is_retried_with_backoff_then_dead() {
    let fx = setup();
    let _ = fx.drain_outbox();
    fx.invite(fx.alice.id, "bob@acme.com");
    let first = fx.kit.outbox_pending(10).unwrap();
    assert_eq!(first.len(), 1);
    let id = first[0].id;
    for (attempt, backoff) in [(1u32, 60i64), (2, 120), (3, 240), (4, 480)] {
        fx.kit.outbox_fail(id, "451 try again\r\nX-Injected: yes").unwrap();
        assert!(fx.kit.outbox_pending(10).unwrap().is_empty(), "not due right after failure {attempt}");
        fx.clock.advance(backoff - 1);
        assert!(fx.kit.outbox_pending(10).unwrap().is_empty(), "not due before {backoff} s");
        fx.clock.advance(1);
        let again = fx.kit.outbox_pending(10).unwrap();
        assert_eq!(again.len(), 1, "due after {backoff} s");
        assert_eq!(again[0].id, id);
        // The failure did not count twice: this hand-out is the next attempt.
        assert_eq!(again[0].attempts, attempt + 1);
        assert_eq!(again[0].status, OutboxStatus::Pending);
        let reason = again[0].last_error.as_deref().unwrap();
        assert!(!reason.contains(['\r', '\n']), "{reason:?}");
    }
    fx.kit.outbox_fail(id, "550 gone").unwrap();
    fx.clock.advance(30 * DAY);
    assert!(fx.kit.outbox_pending(10).unwrap().is_empty(), "dead after 5 failures");
    fx.fails("conflict", || fx.kit.outbox_ack(id));
    fx.fails("conflict", || fx.kit.outbox_fail(id, "again"));
    fx.fails("not_found", || fx.kit.outbox_ack(EmailId::new()));
    fx.fails("not_found", || fx.kit.outbox_fail(EmailId::new(), "x"));
}

#[test]
fn ack_clears_an_email_for_good() {
    let fx = setup();
    let _ = fx.drain_outbox();
    fx.invite(fx.alice.id, "bob@acme.com");
    let out = fx.kit.outbox_pending(10).unwrap();
    fx.kit.outbox_ack(out[0].id).unwrap();
    fx.kit.outbox_ack(out[0].id).unwrap();
    fx.clock.advance(DAY);
    assert!(fx.kit.outbox_pending(10).unwrap().is_empty());
    fx.fails("conflict", || fx.kit.outbox_fail(out[0].id, "late"));
}

#[test]
fn a_leased_email_is_handed_out_again_only_after_the_lease() {
    let fx = setup();
    let _ = fx.drain_outbox();
    fx.invite(fx.alice.id, "bob@acme.com");
    fx.invite(fx.alice.id, "carol@acme.com");
    let first = fx.kit.outbox_pending(1).unwrap();
    assert_eq!(first.len(), 1);
    let second = fx.kit.outbox_pending(10).unwrap();
    assert_eq!(second.len(), 1, "the leased one is not handed out twice");
    assert_ne!(second[0].id, first[0].id);
    assert!(fx.kit.outbox_pending(10).unwrap().is_empty());
    fx.clock.advance(LEASE - 1);
    assert!(fx.kit.outbox_pending(10).unwrap().is_empty());
    fx.clock.advance(1);
    let again = fx.kit.outbox_pending(10).unwrap();
    let ids: HashSet<EmailId> = again.iter().map(|e| e.id).collect();
    assert_eq!(ids, HashSet::from([first[0].id, second[0].id]), "an unacknowledged email comes back");
    assert!(again.iter().all(|e| e.attempts == 2), "the lease that ran out counted as an attempt: {again:?}");
    for limit in [0, 1001] {
        fx.fails("invalid_input", || fx.kit.outbox_pending(limit));
    }
}

/// The stored email, whatever its status.
fn stored_email(fx: &Fx, id: EmailId) -> OutgoingEmail {
    fx.kit.store().read(|tx| tx.email(id)).unwrap().expect("the email is stored")
}

#[test]
fn an_email_never_acknowledged_is_dead_after_max_attempts_hand_outs() {
    let fx = setup();
    let _ = fx.drain_outbox();
    fx.invite(fx.alice.id, "bob@acme.com");
    let first = fx.kit.outbox_pending(10).unwrap();
    let id = first[0].id;
    let mut handed_out = vec![first[0].attempts];
    // A worker that crashes on this email every time: each lease runs out.
    for _ in 0..50 {
        fx.clock.advance(LEASE + 1);
        for e in fx.kit.outbox_pending(10).unwrap() {
            assert_eq!(e.id, id);
            handed_out.push(e.attempts);
        }
    }
    let max = outbox::MAX_ATTEMPTS;
    assert_eq!(handed_out, (1..=max).collect::<Vec<_>>(), "handed out MAX_ATTEMPTS times, counting each");
    let dead = stored_email(&fx, id);
    assert_eq!(dead.status, OutboxStatus::Dead);
    assert_eq!(dead.attempts, max);
    assert!(dead.text.is_empty() && dead.html.is_empty(), "a dead email keeps no link: {dead:?}");
    assert!(dead.last_error.is_some(), "a dead email says why");
    fx.clock.advance(30 * DAY);
    assert!(fx.kit.outbox_pending(1000).unwrap().is_empty(), "never handed out again");
    fx.fails("conflict", || fx.kit.outbox_ack(id));
    fx.fails("conflict", || fx.kit.outbox_fail(id, "late"));
}

#[test]
fn a_mix_of_failures_and_expired_leases_is_dead_after_max_attempts() {
    let fx = setup();
    let _ = fx.drain_outbox();
    fx.invite(fx.alice.id, "bob@acme.com");
    let mut attempts = Vec::new();
    // Hand-outs 1 and 3 fail, 2 and 4 run out; the 5th runs out too.
    for n in 1..=outbox::MAX_ATTEMPTS {
        let out = fx.kit.outbox_pending(10).unwrap();
        assert_eq!(out.len(), 1, "hand-out {n}");
        attempts.push(out[0].attempts);
        if n % 2 == 1 && n < outbox::MAX_ATTEMPTS {
            fx.kit.outbox_fail(out[0].id, "451 try again").unwrap();
        }
        fx.clock.advance(DAY);
    }
    assert_eq!(attempts, [1, 2, 3, 4, 5], "a failure does not count its hand-out twice");
    assert!(fx.kit.outbox_pending(10).unwrap().is_empty(), "dead once the last lease ran out");
    fx.clock.advance(30 * DAY);
    assert!(fx.kit.outbox_pending(10).unwrap().is_empty());

    // The same, ending with a failure of the last hand-out.
    fx.invite(fx.alice.id, "carol@acme.com");
    for n in 1..=outbox::MAX_ATTEMPTS {
        let out = fx.kit.outbox_pending(10).unwrap();
        assert_eq!(out.len(), 1, "hand-out {n}");
        assert_eq!(out[0].attempts, n);
        if n % 2 == 0 || n == outbox::MAX_ATTEMPTS {
            fx.kit.outbox_fail(out[0].id, "550 no such user").unwrap();
        }
        if n == outbox::MAX_ATTEMPTS {
            assert_eq!(stored_email(&fx, out[0].id).status, OutboxStatus::Dead, "its last attempt failed");
        }
        fx.clock.advance(DAY);
    }
    assert!(fx.kit.outbox_pending(10).unwrap().is_empty());

    // A failure reported for an email never handed out still counts one.
    fx.invite(fx.alice.id, "dan@acme.com");
    let id = stored_email_of(&fx, "dan@acme.com");
    fx.kit.outbox_fail(id, "the host gave up before sending").unwrap();
    fx.clock.advance(DAY);
    assert_eq!(fx.kit.outbox_pending(10).unwrap()[0].attempts, 2);
}

/// The id of the one email queued for `to` (found without leasing it).
fn stored_email_of(fx: &Fx, to: &str) -> EmailId {
    let due = fx.kit.store().read(|tx| tx.due_emails(Timestamp::from_millis(i64::MAX), 1000)).unwrap();
    let mut ids = due.into_iter().filter(|e| e.to == to).map(|e| e.id);
    let id = ids.next().expect("an email to the address");
    assert!(ids.next().is_none(), "one email to {to}");
    id
}

#[test]
fn an_ack_within_any_lease_still_sends_and_dead_emails_leave_room_for_live_ones() {
    let fx = setup();
    let _ = fx.drain_outbox();
    // Acknowledged during its last allowed lease: sent, not dead.
    fx.invite(fx.alice.id, "bob@acme.com");
    let mut last = fx.kit.outbox_pending(10).unwrap().pop().unwrap();
    for _ in 1..outbox::MAX_ATTEMPTS {
        fx.clock.advance(LEASE + 1);
        last = fx.kit.outbox_pending(10).unwrap().pop().unwrap();
    }
    assert_eq!(last.attempts, outbox::MAX_ATTEMPTS);
    fx.clock.advance(LEASE - 1);
    fx.kit.outbox_ack(last.id).unwrap();
    assert_eq!(stored_email(&fx, last.id).status, OutboxStatus::Sent);
    fx.clock.advance(DAY);
    assert!(fx.kit.outbox_pending(10).unwrap().is_empty());

    // A poison email that dies in a call does not take a live email's place.
    fx.invite(fx.alice.id, "carol@acme.com");
    for _ in 0..outbox::MAX_ATTEMPTS {
        assert_eq!(fx.kit.outbox_pending(10).unwrap().len(), 1);
        fx.clock.advance(LEASE + 1);
    }
    fx.clock.advance(1);
    fx.invite(fx.alice.id, "dan@acme.com");
    let live = stored_email_of(&fx, "dan@acme.com");
    let page = fx.kit.outbox_pending(1).unwrap();
    assert_eq!(page.iter().map(|e| e.id).collect::<Vec<_>>(), [live], "the dead one made room");
    fx.kit.outbox_ack(live).unwrap();
    fx.clock.advance(DAY);
    assert!(fx.kit.outbox_pending(10).unwrap().is_empty());
}

// ---------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------

#[test]
fn only_full_members_read_the_audit_log() {
    let fx = setup();
    let mo = fx.member("mo@acme.com", "Mo Member", "member");
    let rita = fx.member("rita@acme.com", "Rita Recruiter", "recruiter");
    let hank = fx.member("hank@acme.com", "Hank Manager", "hiring_manager");
    let fran = fx.member("fran@acme.com", "Fran Full", "full");
    for actor in [mo.id, rita.id, hank.id] {
        fx.fails("permission_denied", || fx.kit.events(actor, None, 100));
    }
    assert_eq!(fx.kit.events(fran.id, None, 100).unwrap(), fx.kit.events(fx.alice.id, None, 100).unwrap());
    fx.kit.deactivate_member(fx.alice.id, fran.id).unwrap();
    fx.fails("permission_denied", || fx.kit.events(fran.id, None, 100));
    fx.fails("not_found", || fx.kit.events(MemberId::new(), None, 100));
    // Another organization's admin sees only their own log.
    let (globex, gina) = fx.globex(&["globex.com"]);
    let theirs = fx.kit.events(gina.id, None, 100).unwrap();
    assert!(!theirs.is_empty());
    assert!(theirs.iter().all(|e| e.org_id == globex.id));
}

#[test]
fn events_page_with_after_seq() {
    let fx = setup();
    for i in 0..5 {
        fx.invite(fx.alice.id, &format!("u{i}@acme.com"));
    }
    let all = fx.kit.events(fx.alice.id, None, 1000).unwrap();
    assert!(all.len() >= 8);
    assert_eq!(
        all.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=all.len() as u64).collect::<Vec<_>>(),
        "1, 2, 3, ... without gaps"
    );
    assert_eq!(all[0].kind, EventKind::OrganizationCreated);
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = fx.kit.events(fx.alice.id, after, 3).unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 3);
        after = Some(page.last().unwrap().seq);
        paged.extend(page);
    }
    assert_eq!(paged, all);
    assert!(fx.kit.events(fx.alice.id, Some(all.len() as u64), 10).unwrap().is_empty());
    for limit in [0, 1001] {
        fx.fails("invalid_input", || fx.kit.events(fx.alice.id, None, limit));
    }
}

// ---------------------------------------------------------------------------
// Concurrency
// ---------------------------------------------------------------------------

#[test]
fn sixteen_concurrent_accepts_of_one_token_make_one_member() {
    let fx = setup();
    let (d, inv) = fx.invite(fx.alice.id, "bob@acme.com");
    let kit = Arc::new(fx.kit);
    let link = d.link().to_owned();
    let barrier = Arc::new(Barrier::new(16));
    let handles: Vec<_> = (0..16)
        .map(|i| {
            let (kit, link, barrier) = (Arc::clone(&kit), link.clone(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                kit.accept_invitation(&link, "bob@acme.com", &format!("Bob {i}"))
            })
        })
        .collect();
    let results: Vec<Result<Acceptance>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let ok: Vec<&Acceptance> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(ok.len(), 1, "{results:?}");
    for r in &results {
        if let Err(e) = r {
            assert_eq!(e.code(), "invitation_not_pending", "{e}");
        }
    }
    let bobs: Vec<Member> =
        kit.list_members(fx.org.id).unwrap().into_iter().filter(|m| m.email == "bob@acme.com").collect();
    assert_eq!(bobs.len(), 1);
    assert_eq!(bobs[0].id, ok[0].member.id);
    let evs = kit.events(fx.alice.id, None, 1000).unwrap();
    assert_eq!(evs.iter().filter(|e| e.kind == EventKind::InvitationAccepted).count(), 1);
    assert_eq!(
        evs.iter().filter(|e| e.details["invitation_id"] == id_json(inv.id)).count(),
        3,
        "sent, accepted, member_added"
    );
}

#[test]
fn concurrent_drafts_and_sends_of_distinct_addresses_all_succeed() {
    let fx = setup();
    let kit = &fx.kit;
    let alice = fx.alice.id;
    let invitations: Vec<Invitation> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|t| {
                s.spawn(move || {
                    (0..5)
                        .map(|i| {
                            let d = kit
                                .draft_invitation(alice, &format!("t{t}-u{i}@acme.com"), InviteOptions::new())
                                .unwrap();
                            kit.send_invitation(&d, i % 2 == 0).unwrap()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(invitations.len(), 40);
    let ids: HashSet<InvitationId> = invitations.iter().map(|i| i.id).collect();
    assert_eq!(ids.len(), 40, "ids are unique");
    let stored: HashSet<InvitationId> = kit.list_invitations(alice, None).unwrap().iter().map(|i| i.id).collect();
    assert_eq!(stored, ids);
    assert_eq!(kit.outbox_pending(1000).unwrap().len(), 24, "3 of 5 per thread were delivered");
    let evs = kit.events(alice, None, 1000).unwrap();
    assert_eq!(evs.iter().map(|e| e.seq).collect::<Vec<_>>(), (1..=evs.len() as u64).collect::<Vec<_>>());
    assert_eq!(evs.iter().filter(|e| e.kind == EventKind::InvitationSent).count(), 40);
}

// ---------------------------------------------------------------------------
// Secrets: the token shows up only in the link, the resend and the email bodies
// ---------------------------------------------------------------------------

#[test]
fn tokens_never_appear_in_debug_events_errors_or_listings() {
    let fx = setup();
    let mut shown: Vec<(String, String)> = Vec::new();
    let mut show = |what: &str, s: String| shown.push((what.to_owned(), s));

    let d1 = fx.draft(fx.alice.id, "bob@acme.com", InviteOptions::new().message("Welcome!").team(fx.design.id));
    let d2 = fx.draft(fx.alice.id, "carol@acme.com", InviteOptions::new());
    show("draft", format!("{d1:?} {d2:?}"));
    assert!(!format!("{d1:?}").contains(PORTAL), "a draft's Debug shows no link");
    let preview = d1.preview();
    assert!(preview.text.contains(d1.link()), "the email body holds the link (so the checks below can fail)");
    show("email", format!("{preview:?}"));
    let inv1 = fx.kit.send_invitation(&d1, true).unwrap();
    let inv2 = fx.kit.send_invitation(&d2, false).unwrap();
    show("invitation", format!("{inv1:?} {inv2:?}"));
    show("peek", format!("{:?}", fx.kit.peek_invitation(d2.link()).unwrap()));
    show("token", format!("{:?}", Token::parse(&token_of(d1.link())).unwrap()));

    fx.clock.advance(120);
    let resent = fx.resend(fx.alice.id, inv1.id);
    show("resent", format!("{resent:?}"));
    let out = fx.kit.outbox_pending(100).unwrap();
    assert!(out.iter().any(|o| o.text.contains(&resent.link) && o.html.contains(&resent.link)));
    show("outbox", format!("{out:?}"));

    let batch = fx
        .kit
        .invite_many(fx.alice.id, &["dan@acme.com", "bob@acme.com", "eve@evil.io"], InviteOptions::new())
        .unwrap();
    show("invite_many", format!("{batch:?}"));

    let acceptance = fx.kit.accept_invitation(&resent.link, "bob@acme.com", "Bob Jones").unwrap();
    show("acceptance", format!("{acceptance:?}"));

    // Failing calls (each also checked by `fails`).
    let errors = vec![
        fx.fails("invalid_token", || fx.kit.accept_invitation(d1.link(), "bob@acme.com", "Bob")),
        fx.fails("invitation_not_pending", || fx.kit.accept_invitation(&resent.link, "bob@acme.com", "Bob")),
        fx.fails("email_mismatch", || fx.kit.accept_invitation(d2.link(), "bob@acme.com", "Bob")),
        fx.fails("email_mismatch", || fx.kit.decline_invitation(d2.link(), "dan@acme.com")),
        fx.fails("invalid_input", || fx.kit.accept_invitation(d2.link(), "carol@acme.com", "Carol\r\nBcc: x")),
        fx.fails("already_invited", || fx.kit.draft_invitation(fx.alice.id, "carol@acme.com", InviteOptions::new())),
        fx.fails("invitation_not_pending", || fx.kit.resend_invitation(fx.alice.id, inv1.id)),
        fx.fails("invalid_token", || fx.kit.peek_invitation(&format!("{}x", d2.link()))),
        fx.fails("conflict", || fx.kit.send_invitation(&d1, true)),
    ];
    show("errors", format!("{errors:?} {}", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")));
    fx.clock.advance(30);
    let (_, inv3) = fx.invite(fx.alice.id, "frank@acme.com");
    let cooldown = fx.fails("rate_limited", || fx.kit.resend_invitation(fx.alice.id, inv3.id));
    show("rate_limited", format!("{cooldown:?} {cooldown}"));

    let events = fx.kit.events(fx.alice.id, None, 1000).unwrap();
    assert!(events.len() > 5);
    for e in &events {
        show("event details", serde_json::to_string(&e.details).unwrap());
    }
    show("events", format!("{events:?}"));
    show("list_invitations", format!("{:?}", fx.kit.list_invitations(fx.alice.id, None).unwrap()));
    show("invitations_for_email", format!("{:?}", fx.kit.invitations_for_email("carol@acme.com").unwrap()));
    show("members", format!("{:?}", fx.kit.list_members(fx.org.id).unwrap()));
    show("organization", format!("{:?}", fx.kit.get_organization(fx.org.id).unwrap()));

    let secrets = fx.secrets.borrow().clone();
    assert!(secrets.len() >= 3);
    for (what, s) in &shown {
        for t in &secrets {
            assert!(!s.contains(t.as_str()), "{what} shows a token: {s}");
        }
        assert!(!looks_like_token(s), "{what} shows something shaped like a token: {s}");
    }
}
