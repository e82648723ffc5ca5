//! The records the packages return, with their fields, written once from the
//! core's own structs into `core/interface/records.json`.
//!
//! Each struct below is matched by a struct pattern without `..`, so a field
//! added to a record (or removed) does not compile until it is listed here.
//! The list must then equal the committed JSON, which the Python and Node
//! packages' surface test (`bindings-python/tests/test_surface.py`) holds
//! both packages to: a field added in core appears in both languages, or the
//! test command fails. The operations and their arguments are listed the same
//! way, in `core/interface/operations.json`. Rewrite the JSON with
//! `INVITEKIT_BLESS=1 cargo test -p invitekit --test interface`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use invitekit::invitations::{Acceptance, InvitationPreview, InviteResult, Resent};
use invitekit::model::{Event, Invitation, Member, Message, Organization, OutgoingEmail, Team, Thread, ThreadGrant};
use invitekit::templates::Email;
use invitekit::threads::{ParticipantInfo, People, ThreadInviteResult};
use invitekit::{
    AnyStore, Draft, EmailId, EmailKind, Grant, InvitationId, InvitationStatus, InviteKit, InviteOptions, MemberId,
    OrgId, SettingsUpdate, TemplateSource, ThreadId,
};

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
        id, org_id, inviter_id, email, message, team_ids, role, status, created_at, expires_at, sent_count,
        last_sent_at, thread_grants, delivered, metadata, private_metadata, redirect_url,
    }
    ThreadGrant as "ThreadGrant" { thread_id, permissions }
    Acceptance as "Acceptance" { member, invitation, dropped_grants, redirect_url }
    Resent as "Resent" { invitation, link }
    InvitationPreview as "InvitationPreview" {
        organization_name, inviter_name, team_names, email, expires_at, metadata, redirect_url,
    }
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

/// Every operation of `InviteKit`, with the arguments the packages take, in
/// order (Python's parameters; Node's positional arguments, then its options
/// object's keys). Each line is also a call of the core method with those
/// types, so an operation whose signature changes does not compile until its
/// line does; where a core argument is a struct, its fields are the packages'
/// arguments and an exhaustive pattern checks them.
macro_rules! operations {
    ($($name:ident($($arg:ident: $ty:ty),*) => [$($param:ident),*];)*) => {
        fn operations() -> Vec<(&'static str, Vec<&'static str>)> {
            vec![$((stringify!($name), vec![$(stringify!($param)),*])),*]
        }
        #[allow(dead_code, clippy::too_many_arguments)]
        fn calls(kit: &InviteKit<AnyStore>) {
            $(let _ = |$($arg: $ty),*| { let _ = kit.$name($($arg),*); };)*
        }
    };
}

operations! {
    create_organization(name: &str, slug: &str, portal_url: &str, allowed_domains: &[&str])
        => [name, slug, portal_url, allowed_domains];
    get_organization(org_id: OrgId) => [org_id];
    set_organization_settings(actor: MemberId, org_id: OrgId, settings: &SettingsUpdate) => [actor, org_id, settings];
    add_member(org_id: OrgId, email: &str, name: &str, role: &str) => [org_id, email, name, role];
    get_member(member_id: MemberId) => [member_id];
    list_members(org_id: OrgId) => [org_id];
    set_role(actor: MemberId, member_id: MemberId, role: &str) => [actor, member_id, role];
    deactivate_member(actor: MemberId, member_id: MemberId) => [actor, member_id];
    reactivate_member(actor: MemberId, member_id: MemberId) => [actor, member_id];
    create_team(org_id: OrgId, name: &str) => [org_id, name];
    set_email_template(org_id: OrgId, kind: EmailKind, template: &TemplateSource) => [org_id, kind, subject, text, html];
    draft_invitation(actor: MemberId, email: &str, options: InviteOptions)
        => [actor, email, message, team, role, teams, metadata, private_metadata, redirect_url];
    send_invitation(draft: &Draft, deliver: bool) => [draft, deliver];
    invite_many(actor: MemberId, emails: &[&str], options: InviteOptions)
        => [actor, emails, message, team, role, teams, metadata, private_metadata, redirect_url];
    peek_invitation(token_or_link: &str) => [token_or_link];
    accept_invitation(token_or_link: &str, email: &str, name: &str) => [token_or_link, email, name];
    decline_invitation(token_or_link: &str, email: &str) => [token_or_link, email];
    revoke_invitation(actor: MemberId, invitation_id: InvitationId) => [actor, invitation_id];
    resend_invitation(actor: MemberId, invitation_id: InvitationId) => [actor, invitation_id];
    list_invitations(actor: MemberId, status: Option<InvitationStatus>) => [actor, status];
    invitations_for_email(email: &str) => [email];
    join_by_domain(org_id: OrgId, email: &str, name: &str) => [org_id, email, name];
    start_thread(actor: MemberId, freelancer_id: &str, freelancer_name: &str, title: &str)
        => [actor, freelancer_id, freelancer_name, title];
    post_message(actor: MemberId, thread_id: ThreadId, body: &str) => [actor, thread_id, body];
    post_freelancer_message(thread_id: ThreadId, body: &str) => [thread_id, body];
    search_threads(actor: MemberId, query: &str, limit: usize, cursor: Option<&str>) => [actor, query, limit, cursor];
    people(actor: MemberId, thread_id: ThreadId) => [actor, thread_id];
    find_coworkers(actor: MemberId, query: &str, limit: usize) => [actor, query, limit];
    permission_options(actor: MemberId, thread_id: ThreadId) => [actor, thread_id];
    add_to_thread(actor: MemberId, thread_id: ThreadId, member_id: MemberId, grant: &Grant)
        => [actor, thread_id, member_id, preset, permissions];
    invite_to_thread(actor: MemberId, thread_id: ThreadId, email: &str, grant: &Grant, options: InviteOptions)
        => [actor, thread_id, email, preset, permissions, message, metadata, private_metadata, redirect_url];
    change_permissions(actor: MemberId, thread_id: ThreadId, member_id: MemberId, grant: &Grant)
        => [actor, thread_id, member_id, preset, permissions];
    remove_from_thread(actor: MemberId, thread_id: ThreadId, member_id: MemberId) => [actor, thread_id, member_id];
    leave_thread(actor: MemberId, thread_id: ThreadId) => [actor, thread_id];
    outbox_pending(limit: usize) => [limit];
    outbox_ack(email_id: EmailId) => [email_id];
    outbox_fail(email_id: EmailId, reason: &str) => [email_id, reason];
    events(actor: MemberId, after_seq: Option<u64>, limit: usize) => [actor, after_seq, limit];
}

// The structs whose fields are the packages' arguments, checked as records are.
const _: fn(InviteOptions) =
    |InviteOptions { message: _, team: _, teams: _, role: _, metadata: _, private_metadata: _, redirect_url: _ }| {};
const _: fn(TemplateSource) = |TemplateSource { subject: _, text: _, html: _ }| {};

/// `items` as the JSON the committed files hold: sorted by name, one
/// string a line, written by hand so that the text does not depend on
/// whether serde_json keeps insertion order (a feature another crate of the
/// workspace may turn on).
fn json(mut items: Vec<(&'static str, Vec<&'static str>)>) -> String {
    items.sort();
    let body: Vec<String> = items
        .iter()
        .map(|(name, list)| {
            let list: Vec<String> = list.iter().map(|f| format!("    \"{f}\"")).collect();
            format!("  \"{name}\": [\n{}\n  ]", list.join(",\n"))
        })
        .collect();
    format!("{{\n{}\n}}\n", body.join(",\n"))
}

/// Checks (or, with `INVITEKIT_BLESS`, writes) `core/interface/<file>`.
fn committed(file: &str, text: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("interface").join(file);
    if std::env::var_os("INVITEKIT_BLESS").is_some() {
        std::fs::write(&path, text).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        committed,
        text,
        "{} is not the core's: run INVITEKIT_BLESS=1 cargo test -p invitekit --test interface, then give both \
         packages the change",
        path.display()
    );
}

#[test]
fn the_committed_operation_list_is_the_cores() {
    committed("operations.json", &json(operations()));
}

#[test]
fn the_committed_record_list_is_the_cores() {
    committed("records.json", &json(records()));
}
