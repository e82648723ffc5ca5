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
/// R3 gives the starter their ceiling, and a ceiling without `read` cannot see
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
