//! The logic of InviteKit's fuzz targets (issue 7), shared by the cargo-fuzz
//! binaries in `fuzz_targets/` and the corpus replay test in `tests/corpus.rs`,
//! so that a committed corpus file runs through exactly the same code either way.
//!
//! Every target takes the raw bytes libFuzzer hands it. The structured targets
//! turn them into typed input with the `arbitrary` crate, the way
//! `fuzz_target!(|input: T| ...)` would.
//!
//! | target | what it attacks | what it checks |
//! |---|---|---|
//! | `email` | [`invitekit::EmailAddress::parse`], domain normalization and matching | no panic; typed errors; a parsed address is ASCII, bounded, stable when parsed again, case-folded only in its key; domain matching only at a dot boundary |
//! | `token_or_link` | token, join-link, portal-URL and search-cursor parsing | no panic; one error for every bad token; a built link reads back to its token; cursors round-trip |
//! | `policy_json` | [`invitekit::Policy::from_json`] on raw text and on structured documents | no panic; typed errors; a loaded policy meets every validated rule (no role grants beyond its ceiling or invites a stronger role, ...), round-trips through `to_json`, and its R4/R5 answers (docs/rules.md#r4) agree |
//! | `template` | host templates and hostile names, messages, titles, rendered directly and through the kit | no panic; typed errors that never show the token; the subject is one line; no user-supplied `<` reaches the HTML part unescaped; the preview is the email queued |
//! | `stateful` | random operation sequences on the in-memory store, under the default or a random valid policy (often an owner beside weaker managers, and roles whose invitations need approval), with approvals and denials of invitations, verified domains and requests to join | after every step: R14 (nobody's role, status or thread holdings grow beyond what the authorizing member could give, or move without their reach; an approval only by a member whose reach covers the invitation's role), R1–R9 invariants, R13 on resends and approvals, failed and read-only operations change nothing, search / people / permission options / coworkers agree with each other and with the state; the named seeds still reach their scenarios |

pub mod email;
pub mod policy_json;
pub mod stateful;
pub mod template;
pub mod token_or_link;

/// A target: its name and the function that runs one input.
pub type Target = (&'static str, fn(&[u8]));

/// Every target by name, as the fuzz binaries and the replay test call them.
pub const TARGETS: [Target; 5] = [
    ("email", email::run),
    ("token_or_link", token_or_link::run),
    ("policy_json", policy_json::run),
    ("template", template::run),
    ("stateful", stateful::run),
];

/// The stable error codes (docs/rules.md#errors).
pub const CODES: [&str; 15] = [
    "invalid_input",
    "invalid_email",
    "domain_not_allowed",
    "not_found",
    "permission_denied",
    "already_member",
    "already_invited",
    "already_participant",
    "invalid_token",
    "invitation_expired",
    "invitation_not_pending",
    "email_mismatch",
    "rate_limited",
    "conflict",
    "storage",
];

/// What every error must look like, whatever the input: one of the stable
/// codes, and a message that is one line (no control character a log reader
/// could be fooled by) of bounded length.
pub fn check_error(e: &invitekit::Error) {
    assert!(CODES.contains(&e.code()), "unknown error code `{}`", e.code());
    let msg = e.to_string();
    assert!(!msg.chars().any(char::is_control), "error message with a control character: {msg:?}");
    assert!(msg.len() <= 2048, "error message of {} bytes", msg.len());
}
