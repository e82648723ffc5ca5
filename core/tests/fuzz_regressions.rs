#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Every crash the fuzz targets (`fuzz/`, `scripts/fuzz`) found, as a test on
//! the public API, so that it stays fixed on every store. Each test names the
//! target and the crash input, which is also kept in `fuzz/corpus/<target>/`
//! where the fuzz corpus replay (`scripts/fuzz --replay`) runs it again.

mod common;

use invitekit::{ManualClock, Policy};
use serde_json::json;

/// A policy of one role, `owner`, that manages the organization and holds `ceiling` in threads.
fn one_role_policy(ceiling: &[&str]) -> Policy {
    let doc = json!({
        "presets": [{"name": "viewer", "permissions": ["read"]}],
        "roles": [{
            "name": "owner", "may_invite": true, "may_assign_team": true, "manages_organization": true,
            "invitable_roles": ["owner"], "thread_ceiling": ceiling, "grantable_presets": [],
        }],
        "default_role": "owner",
    });
    Policy::from_json(&doc.to_string()).expect("a valid policy")
}

/// `stateful`, crash-689fe02afaafcf7902a2bdcec2268d306b001c0a: with a role whose
/// thread ceiling was empty, `start_thread` stored a thread whose only
/// participant held nothing, not even `read`: a thread nobody could ever see.
/// R3 (docs/rules.md#r3) gives the starter their ceiling, and a ceiling without `read` cannot see
/// the thread, so the start is refused and nothing is stored.
#[test]
fn a_role_that_cannot_read_threads_cannot_start_one() {
    for ceiling in [&[][..], &["write", "manage_people"][..]] {
        let clock = ManualClock::new();
        let kit = common::kit_with_policy(one_role_policy(ceiling), &clock);
        let org = kit.create_organization("Acme Corp", "acme", "https://acme.example.com", &["acme.com"]).unwrap();
        let alice = kit.add_member(org.id, "alice@acme.com", "Alice Smith", "owner").unwrap();
        let events = kit.events(alice.id, None, 100).unwrap().len();

        let err = kit.start_thread(alice.id, "fl-42", "José Pérez", "Logo redesign").unwrap_err();
        assert_eq!(err.code(), "permission_denied", "{ceiling:?}: {err}");
        assert!(err.to_string().contains("`read`"), "{err}");
        assert!(kit.search_threads(alice.id, "", 100, None).unwrap().threads.is_empty());
        assert_eq!(kit.events(alice.id, None, 100).unwrap().len(), events, "nothing is logged");
    }

    // With `read` in the ceiling, the starter holds the whole ceiling (R3).
    let clock = ManualClock::new();
    let kit = common::kit_with_policy(one_role_policy(&["read"]), &clock);
    let org = kit.create_organization("Acme Corp", "acme", "https://acme.example.com", &["acme.com"]).unwrap();
    let alice = kit.add_member(org.id, "alice@acme.com", "Alice Smith", "owner").unwrap();
    let thread = kit.start_thread(alice.id, "fl-42", "José Pérez", "Logo redesign").unwrap();
    let people = kit.people(alice.id, thread.id).unwrap();
    assert_eq!(people.participants[0].permissions.names(), ["read"]);
}

/// `token_or_link`, crash-5f044b98de861c931839167bded1c6ff87da8c8a: a portal URL
/// may be 2048 bytes long, but a link was read only up to 2048 bytes, so the
/// join link of an organization with a long portal URL (the URL, `/join/` and
/// the token) was `invalid_token` everywhere: nobody could accept or peek by link.
#[test]
fn the_join_link_of_the_longest_portal_url_works() {
    let clock = ManualClock::new();
    let kit = common::kit(&clock);
    let portal = format!("https://acme.example.com/{}", "p".repeat(2048 - "https://acme.example.com/".len()));
    assert_eq!(portal.len(), 2048);
    let org = kit.create_organization("Acme Corp", "acme", &portal, &["acme.com"]).unwrap();
    assert_eq!(org.portal_url, portal);
    let alice = kit.add_member(org.id, "alice@acme.com", "Alice Smith", "full").unwrap();
    let draft = kit.draft_invitation(alice.id, "bob@acme.com", invitekit::InviteOptions::new()).unwrap();
    assert!(draft.link().len() > 2048);
    kit.send_invitation(&draft, true).unwrap();

    assert_eq!(kit.peek_invitation(draft.link()).unwrap().email, "bob@acme.com");
    // With the query a mail client's link tracker may append.
    let tracked = format!("{}?utm_source=mail&utm_campaign={}", draft.link(), "x".repeat(500));
    assert_eq!(kit.peek_invitation(&tracked).unwrap().email, "bob@acme.com");
    let acceptance = kit.accept_invitation(draft.link(), "bob@acme.com", "Bob Jones").unwrap();
    assert_eq!(acceptance.member.email, "bob@acme.com");

    // Input past any link InviteKit builds is still refused unread.
    let huge = format!("{}?{}", draft.link(), "x".repeat(4096));
    assert_eq!(kit.peek_invitation(&huge).unwrap_err().code(), "invalid_token");
}
