//! The records the packages return, with their fields, written once from the
//! core's own structs into `core/interface/records.json`.
//!
//! Each struct below is matched by a struct pattern without `..`, so a field
//! added to a record (or removed) does not compile until it is listed here.
//! The list must then equal the committed JSON, which the Python and Node
//! packages' surface test (`bindings-python/tests/test_surface.py`) holds
//! both packages to: a field added in core appears in both languages, or the
//! test command fails. Rewrite the JSON with
//! `INVITEKIT_BLESS=1 cargo test -p invitekit --test interface`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use invitekit::invitations::{Acceptance, InvitationPreview, InviteResult, Resent};
use invitekit::model::{Event, Invitation, Member, Message, Organization, OutgoingEmail, Team, Thread, ThreadGrant};
use invitekit::templates::Email;
use invitekit::threads::{ParticipantInfo, People, ThreadInviteResult};

/// `(name, fields)` of each record, and the compile-time check of each list.
macro_rules! records {
    ($($name:ident as $shown:literal { $($field:ident),* $(,)? })*) => {
        fn records() -> Vec<(&'static str, Vec<&'static str>)> {
            vec![$(($shown, vec![$(stringify!($field)),*])),*]
        }
        $(const _: fn($name) = |$name { $($field: _),* }| {};)*
    };
}

records! {
    Organization as "Organization" { id, name, slug, portal_url, allowed_domains, settings, created_at }
    Member as "Member" { id, org_id, email, name, role, team_ids, status, joined_at }
    Team as "Team" { id, org_id, name }
    Invitation as "Invitation" {
        id, org_id, inviter_id, email, message, team_id, role, status, created_at, expires_at, sent_count,
        last_sent_at, thread_grants, delivered,
    }
    ThreadGrant as "ThreadGrant" { thread_id, permissions }
    Acceptance as "Acceptance" { member, invitation, dropped_grants }
    Resent as "Resent" { invitation, link }
    InvitationPreview as "InvitationPreview" { organization_name, inviter_name, team_name, email, expires_at }
    InviteResult as "InviteResult" { email, invitation, error }
    Email as "Email" { to, subject, text, html }
    OutgoingEmail as "OutgoingEmail" {
        id, org_id, kind, invitation_id, to, subject, text, html, created_at, attempts, status, next_attempt_at,
        last_error,
    }
    Thread as "Thread" { id, org_id, title, freelancer_id, freelancer_name, created_by, created_at, last_activity_at }
    Message as "Message" { id, thread_id, org_id, author, body, sent_at }
    ParticipantInfo as "Participant" { member_id, name, permissions }
    People as "People" { freelancer_id, freelancer_name, participants }
    ThreadInviteResult as "ThreadInviteResult" { kind, participant, invitation }
    Event as "Event" { seq, org_id, at, actor_id, kind, details }
}

#[test]
fn the_committed_record_list_is_the_cores() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("interface/records.json");
    // Written by hand, sorted by record, so that the text does not depend on
    // whether serde_json keeps insertion order (a feature another crate of
    // the workspace may turn on).
    let mut records = records();
    records.sort();
    let body: Vec<String> = records
        .iter()
        .map(|(name, fields)| {
            let fields: Vec<String> = fields.iter().map(|f| format!("    \"{f}\"")).collect();
            format!("  \"{name}\": [\n{}\n  ]", fields.join(",\n"))
        })
        .collect();
    let text = format!("{{\n{}\n}}\n", body.join(",\n"));
    if std::env::var_os("INVITEKIT_BLESS").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        committed,
        text,
        "{} is not the core's records: run INVITEKIT_BLESS=1 cargo test -p invitekit --test interface, then give both \
         packages the change",
        path.display()
    );
}
