#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Metadata, redirects and several teams (docs/rules.md#metadata-and-redirects,
//! docs/rules.md#teams), through the public API only. Part of the conformance
//! suite: it runs on every store.

mod common;

use invitekit::*;
use serde_json::json;

const PORTAL: &str = "https://acme.example.com/portal";

struct Fx {
    kit: InviteKit<AnyStore>,
    org: Organization,
    alice: Member,
    design: Team,
    ops: Team,
}

fn setup() -> Fx {
    let clock = ManualClock::new();
    let kit = common::kit(&clock);
    let org = kit.create_organization("Acme Corp", "acme", PORTAL, &["acme.com"]).unwrap();
    let alice = kit.add_member(org.id, "alice@acme.com", "Alice Smith", "full").unwrap();
    let design = kit.create_team(org.id, "Design").unwrap();
    let ops = kit.create_team(org.id, "Ops").unwrap();
    let origins = SettingsUpdate {
        redirect_origins: Some(vec!["https://app.acme.com".into(), "http://localhost:3000".into()]),
        ..Default::default()
    };
    kit.set_organization_settings(alice.id, org.id, &origins).unwrap();
    Fx { kit, org, alice, design, ops }
}

impl Fx {
    /// Every invitation and email of the organization, for "nothing changed".
    fn snap(&self) -> (Vec<Invitation>, usize) {
        (
            self.kit.list_invitations(self.alice.id, None).unwrap(),
            self.kit.events(self.alice.id, None, 1000).unwrap().len(),
        )
    }

    fn refused(&self, code: &str, opts: InviteOptions) {
        let before = self.snap();
        let err = self.kit.draft_invitation(self.alice.id, "bob@acme.com", opts.clone()).unwrap_err();
        assert_eq!(err.code(), code, "{opts:?}: {err}");
        let err = self.kit.invite_many(self.alice.id, &["bob@acme.com"], opts.clone()).unwrap()[0].error.clone();
        assert_eq!(err.map(|e| e.code()), Some(code), "{opts:?}");
        assert_eq!(self.snap(), before);
    }
}

#[test]
fn metadata_reaches_the_invitee_and_private_metadata_never_does() {
    let fx = setup();
    let opts = InviteOptions::new()
        .metadata(json!({"plan": "pro", "note": "<b>hi</b>"}))
        .private_metadata(json!({"crm_id": "0042", "secret_note": "VIP-7731"}));
    let draft = fx.kit.draft_invitation(fx.alice.id, "bob@acme.com", opts).unwrap();
    let inv = fx.kit.send_invitation(&draft, true).unwrap();
    assert_eq!(inv.metadata["plan"], "pro");
    assert_eq!(inv.private_metadata["crm_id"], "0042");
    // The inviter, and a manager, see both.
    let listed = fx.kit.list_invitations(fx.alice.id, None).unwrap();
    assert_eq!(listed[0].private_metadata["crm_id"], "0042");
    // The invitee sees the public part only: the landing page, the email, and every
    // invitation they are handed.
    let peek = fx.kit.peek_invitation(draft.link()).unwrap();
    assert_eq!(peek.metadata["plan"], "pro");
    let out = fx.kit.outbox_pending(10).unwrap();
    for e in &out {
        assert!(!e.text.contains("VIP-7731") && !e.html.contains("VIP-7731"), "private metadata in an email");
    }
    for i in fx.kit.invitations_for_email("bob@acme.com").unwrap() {
        assert!(i.private_metadata.is_empty());
        assert_eq!(i.metadata["plan"], "pro");
    }
    let accepted = fx.kit.accept_invitation(draft.link(), "bob@acme.com", "Bob Jones").unwrap();
    assert!(accepted.invitation.private_metadata.is_empty());
    assert_eq!(accepted.invitation.metadata["note"], "<b>hi</b>");
    // The events name neither.
    for e in fx.kit.events(fx.alice.id, None, 100).unwrap() {
        assert!(!e.details.to_string().contains("VIP-7731"), "{}", e.details);
    }
}

#[test]
fn a_template_reads_the_metadata_escaped_in_html() {
    let fx = setup();
    let template = TemplateSource {
        subject: "Join {{ organization_name }}".into(),
        // A key the metadata may lack is tested first (strict undefined).
        text: "Plan: {% if metadata.plan is defined %}{{ metadata.plan }}{% endif %} {{ link }}".into(),
        html: "<p>{% if metadata.plan is defined %}{{ metadata.plan }}{% endif %}</p>".into(),
    };
    fx.kit.set_email_template(fx.org.id, EmailKind::Invitation, &template).unwrap();
    let opts = InviteOptions::new().metadata(json!({"plan": "<script>x</script>"}));
    let draft = fx.kit.draft_invitation(fx.alice.id, "bob@acme.com", opts).unwrap();
    let email = draft.preview();
    assert!(email.text.starts_with("Plan: <script>x</script> "), "{}", email.text);
    assert_eq!(email.html, "<p>&lt;script&gt;x&lt;/script&gt;</p>");
}

#[test]
fn metadata_that_is_not_a_small_object_is_refused() {
    let fx = setup();
    let big = json!({"k": "x".repeat(MAX_METADATA_BYTES)});
    for bad in [
        json!([1, 2]),
        json!("plan"),
        json!(null),
        json!(42),
        big.clone(),
        json!({"k\u{0}": 1}),
        json!({"a": ["\u{0}"]}),
    ] {
        fx.refused("invalid_input", InviteOptions::new().metadata(bad.clone()));
        fx.refused("invalid_input", InviteOptions::new().private_metadata(bad));
    }
    let thread = fx.kit.start_thread(fx.alice.id, "fl-1", "José", "Logo").unwrap();
    let err = fx
        .kit
        .invite_to_thread(
            fx.alice.id,
            thread.id,
            "bob@acme.com",
            &Grant::preset("viewer"),
            InviteOptions::new().metadata(big),
        )
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
}

#[test]
fn a_redirect_goes_only_to_a_listed_origin_and_is_returned_on_accepting() {
    let fx = setup();
    let url = "https://app.acme.com/welcome?step=2";
    let draft = fx.kit.draft_invitation(fx.alice.id, "bob@acme.com", InviteOptions::new().redirect_url(url)).unwrap();
    fx.kit.send_invitation(&draft, false).unwrap();
    assert_eq!(fx.kit.peek_invitation(draft.link()).unwrap().redirect_url.as_deref(), Some(url));
    let accepted = fx.kit.accept_invitation(draft.link(), "bob@acme.com", "Bob Jones").unwrap();
    assert_eq!(accepted.redirect_url.as_deref(), Some(url));
    for bad in [
        "javascript:alert(document.cookie)",
        "https://evil.example/",
        "https://app.acme.com:8443/",
        "http://app.acme.com/",
        "https://app.acme.com.evil.example/",
        "https://аpp.acme.com/",
        "https://app.acme.com@evil.example/",
        "//evil.example",
        "/relative",
        "https://app.acme.com/\n",
    ] {
        fx.refused("invalid_input", InviteOptions::new().redirect_url(bad));
    }
}

#[test]
fn a_redirect_whose_origin_was_removed_is_not_returned() {
    let fx = setup();
    let url = "http://localhost:3000/after";
    let draft = fx.kit.draft_invitation(fx.alice.id, "bob@acme.com", InviteOptions::new().redirect_url(url)).unwrap();
    fx.kit.send_invitation(&draft, false).unwrap();
    let only_app = SettingsUpdate { redirect_origins: Some(vec!["https://app.acme.com".into()]), ..Default::default() };
    fx.kit.set_organization_settings(fx.alice.id, fx.org.id, &only_app).unwrap();
    assert_eq!(fx.kit.peek_invitation(draft.link()).unwrap().redirect_url, None);
    assert_eq!(fx.kit.accept_invitation(draft.link(), "bob@acme.com", "Bob").unwrap().redirect_url, None);
}

#[test]
fn an_invitation_names_several_teams_and_the_member_joins_them_all() {
    let fx = setup();
    let draft = fx
        .kit
        .draft_invitation(fx.alice.id, "bob@acme.com", InviteOptions::new().teams([fx.ops.id, fx.design.id]))
        .unwrap();
    assert_eq!(draft.team_ids(), [fx.ops.id, fx.design.id]);
    assert!(draft.preview().text.contains("Ops and Design teams"), "{}", draft.preview().text);
    let inv = fx.kit.send_invitation(&draft, true).unwrap();
    assert_eq!(inv.team_ids, [fx.ops.id, fx.design.id]);
    assert_eq!(fx.kit.peek_invitation(draft.link()).unwrap().team_names, ["Ops", "Design"]);
    let bob = fx.kit.accept_invitation(draft.link(), "bob@acme.com", "Bob").unwrap().member;
    assert_eq!(bob.team_ids, [fx.ops.id, fx.design.id]);
}

#[test]
fn every_team_follows_r1_and_bad_lists_are_refused() {
    let fx = setup();
    let globex = fx.kit.create_organization("Globex", "globex", "https://globex.example.org", &["globex.io"]).unwrap();
    let theirs = fx.kit.create_team(globex.id, "Design").unwrap();
    fx.refused("not_found", InviteOptions::new().teams([fx.design.id, theirs.id]));
    fx.refused("not_found", InviteOptions::new().teams([TeamId::new()]));
    fx.refused("invalid_input", InviteOptions::new().teams([fx.design.id, fx.design.id]));
    fx.refused("invalid_input", InviteOptions::new().team(fx.ops.id).teams([fx.design.id]));
    let many: Vec<TeamId> =
        (0..=MAX_TEAMS).map(|i| fx.kit.create_team(fx.org.id, &format!("T{i}")).unwrap().id).collect();
    fx.refused("invalid_input", InviteOptions::new().teams(many[..=MAX_TEAMS].iter().copied()));
    assert!(
        fx.kit
            .draft_invitation(
                fx.alice.id,
                "bob@acme.com",
                InviteOptions::new().teams(many[..MAX_TEAMS].iter().copied())
            )
            .is_ok()
    );
    // R1: a role that may not assign teams names none.
    let rita = fx.kit.add_member(fx.org.id, "rita@acme.com", "Rita", "recruiter").unwrap();
    let err = fx.kit.draft_invitation(rita.id, "bob@acme.com", InviteOptions::new().teams([fx.design.id])).unwrap_err();
    assert_eq!(err.code(), "permission_denied");
}
