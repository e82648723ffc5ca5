//! The records the packages return, with their fields, how each is shown and
//! its documentation, written once from the core's own structs into
//! `core/interface/records.json`.
//!
//! Each struct below is matched by a struct pattern without `..`, so a field
//! added to a record (or removed) does not compile until it is listed here,
//! and each field's kind takes only the core types it can show. The list
//! must then equal the committed JSON, from which `scripts/gen-interface`
//! writes both packages' record classes (`bindings-node/src/records.rs`,
//! `bindings-python/src/records.rs`) and the Python stubs' record section;
//! the test command fails while any of them is not what the JSON gives. So
//! a field added in core appears in both languages, or the test command
//! fails. The operations and their arguments are listed the same
//! way, in `core/interface/operations.json`. Rewrite the JSON with
//! `INVITEKIT_BLESS=1 cargo test -p invitekit --test interface`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use invitekit::invitations::{Acceptance, InvitationPreview, InviteResult, Resent};
use invitekit::model::{
    Event, Invitation, Member, Message, OrgSettings, Organization, OutgoingEmail, Team, Thread, ThreadGrant,
};
use invitekit::templates::Email;
use invitekit::threads::{ParticipantInfo, People, ThreadInviteResult, ThreadPage};
use invitekit::{
    AnyStore, DomainVerification, Draft, EmailId, EmailKind, Grant, InvitationId, InvitationStatus, InviteKit,
    InviteOptions, JoinRequest, JoinRequestId, JoinRequestStatus, JoinResult, MemberId, OrgId, SettingsUpdate,
    TemplateSource, ThreadId,
};

/// How a field is shown in the packages: each kind's function takes exactly
/// the core types that kind converts, so a field whose type changes does not
/// compile until its kind does. `scripts/gen-interface` turns each kind into
/// each package's type and conversion.
#[allow(dead_code)]
mod kind {
    use invitekit::model::{Author, MemberStatus};
    use invitekit::{
        DomainJoin, EmailId, EmailKind, Error, EventKind, InvitationId, InvitationStatus, JoinKind, JoinRequestId,
        JoinRequestStatus, JsonObject, MemberId, MessageId, OrgId, OrgSettings, OutboxStatus, PermissionSet, TeamId,
        ThreadId, ThreadInviteKind, Timestamp,
    };

    /// An id, shown as its string.
    pub trait IsId {}
    impl IsId for OrgId {}
    impl IsId for MemberId {}
    impl IsId for TeamId {}
    impl IsId for InvitationId {}
    impl IsId for ThreadId {}
    impl IsId for MessageId {}
    impl IsId for EmailId {}
    impl IsId for JoinRequestId {}
    /// A closed set of names (a status, a kind), shown as the name.
    pub trait IsName {}
    impl IsName for MemberStatus {}
    impl IsName for InvitationStatus {}
    impl IsName for OutboxStatus {}
    impl IsName for EmailKind {}
    impl IsName for EventKind {}
    impl IsName for ThreadInviteKind {}
    impl IsName for JoinRequestStatus {}
    impl IsName for JoinKind {}
    impl IsName for DomainJoin {}

    pub fn str(_: &String) {}
    pub fn opt_str(_: &Option<String>) {}
    pub fn strs(_: &Vec<String>) {}
    /// An email body: it may hold a join link, so no `repr` shows it.
    pub fn body(_: &String) {}
    /// A secret (a join link): no `repr`, log or listing shows it.
    pub fn secret(_: &String) {}
    pub fn id(_: &impl IsId) {}
    pub fn opt_id<T: IsId>(_: &Option<T>) {}
    pub fn ids<T: IsId>(_: &Vec<T>) {}
    pub fn name(_: &impl IsName) {}
    pub fn time(_: &Timestamp) {}
    /// A time that may be absent (none until it happens).
    pub fn opt_time(_: &Option<Timestamp>) {}
    pub fn u32(_: &u32) {}
    pub fn u64(_: &u64) {}
    pub fn i64(_: &i64) {}
    pub fn bool(_: &bool) {}
    pub fn permissions(_: &PermissionSet) {}
    pub fn object(_: &JsonObject) {}
    pub fn json(_: &serde_json::Value) {}
    pub fn settings(_: &OrgSettings) {}
    /// `Author::Member(id)` as the member's id; the freelancer as none.
    pub fn author_id(_: &Author) {}
    /// An error, if any: shown as two fields, its code and its message.
    pub fn error(_: &Option<Error>) {}
    pub fn record<T>(_: &T) {}
    pub fn opt_record<T>(_: &Option<T>) {}
    pub fn records<T>(_: &Vec<T>) {}
}

/// One record as the packages show it: its name, the core type, how Python
/// shows it (`class`, or `dict` / `page` where it is a `dict` or a list),
/// its documentation and its fields, each `(name, core field, kind, the
/// record it holds, documentation)`.
struct Record {
    name: &'static str,
    core: &'static str,
    python: &'static str,
    doc: Vec<&'static str>,
    fields: Vec<Field>,
}

/// The records, in order, and the compile-time check of each: a struct
/// pattern without `..` (every core field is listed) and each field's kind.
/// A field is `field: kind`, `field: kind<Record>` or, where the packages
/// name it differently, `field as name: kind`. Documentation is both
/// packages', so it names no language's types or calls.
macro_rules! records {
    ($(
        $(#[doc = $doc:literal])*
        $core:ident as $shown:literal $(($python:ident))? {
            $(
                $(#[doc = $fdoc:literal])*
                $field:ident $(as $name:ident)? : $kind:ident $(<$of:ident>)?
            ),* $(,)?
        }
    )*) => {
        fn records() -> Vec<Record> {
            let shown = [$((stringify!($core), $shown)),*];
            let of = |core: &str| shown.iter().find(|(c, _)| *c == core).map(|(_, s)| *s).expect("a listed record");
            let mut records = Vec::new();
            $(
                let mut fields = Vec::new();
                $(fields.extend(field(
                    [$(stringify!($name),)? stringify!($field)][0],
                    stringify!($field),
                    stringify!($kind),
                    [$(Some(of(stringify!($of))),)? None][0],
                    vec![$($fdoc),*],
                ));)*
                records.push(Record {
                    name: $shown,
                    core: stringify!($core),
                    python: [$(stringify!($python),)? "class"][0],
                    doc: vec![$($doc),*],
                    fields,
                });
            )*
            records
        }
        $(
            const _: fn($core) = |r: $core| {
                $(kind::$kind $(::<$of>)? (&r.$field);)*
                let $core { $($field: _),* } = r;
            };
        )*
    };
}

type Field = (&'static str, &'static str, &'static str, Option<&'static str>, Vec<&'static str>);

/// A listed field as the packages' fields: one, but for an error, which is
/// two (its code, and its message as `<name>_message`).
fn field(
    name: &'static str,
    core: &'static str,
    kind: &'static str,
    of: Option<&'static str>,
    doc: Vec<&'static str>,
) -> Vec<Field> {
    if kind != "error" {
        return vec![(name, core, kind, of, doc)];
    }
    let message: &'static str = Box::leak(format!("{name}_message").into_boxed_str());
    vec![
        (name, core, "error_code", None, vec![" Why it failed: an error code, if it did."]),
        (message, core, "error_message", None, vec![" The error's message, for a person to read, if it failed."]),
    ]
}

records! {
    /// A company using InviteKit.
    Organization as "Organization" {
        /// Its id.
        id: id,
        /// Its display name, as emails show it.
        name: str,
        /// Its slug: `[a-z0-9-]{2,63}`.
        slug: str,
        /// The company's portal (an https URL); join links are `{portal_url}/join/{token}`.
        portal_url: str,
        /// The email domains (ASCII form) invitations may go to; empty means any.
        allowed_domains: strs,
        /// Its settings: expiry, cooldown, rate limits and the rest (docs/rules.md#limits).
        settings: settings,
        /// When it was created.
        created_at: time,
    }
    /// An organization's settings (docs/rules.md#limits), changed with `set_organization_settings`.
    OrgSettings as "OrganizationSettings" (dict) {
        /// How long an invitation stays valid, in seconds (1 hour .. 30 days; default 7 days).
        invitation_expiry_secs: i64,
        /// The least time between two sends of one invitation, in seconds (default 60).
        resend_cooldown_secs: i64,
        /// Invitations one member may send in 24 hours (default 50).
        max_invitations_per_inviter_per_day: u32,
        /// Invitations the organization may send in 24 hours (default 500).
        max_invitations_per_org_per_day: u32,
        /// Emails one address may receive in 24 hours (default 3).
        max_emails_per_address_per_day: u32,
        /// Pending invitations the organization may have at once (default 1,000).
        max_pending_invitations: u32,
        /// The longest personal message, in characters (default 1,000).
        max_message_chars: u32,
        /// Whether subdomains of the allowed domains are allowed too.
        allow_subdomains: bool,
        /// Domains whose people may join by domain, each only once the
        /// organization has verified it (`verify_domain`); never a free mail domain.
        auto_join_domains: strs,
        /// How joining by domain works: `off` (the default), `automatic` (the
        /// person becomes a member) or `request` (a manager approves or denies a request to join).
        domain_join: name,
        /// Origins (`scheme://host[:port]`) an invitation's redirect URL may point to (empty: none).
        redirect_origins: strs,
    }
    /// A member of an organization.
    Member as "Member" {
        /// The member's id.
        id: id,
        /// The organization's id.
        org_id: id,
        /// The member's email address, normalized.
        email: str,
        /// The member's name.
        name: str,
        /// The member's role, a role of the policy (`full`, `hiring_manager`, `recruiter`, `member`, ...).
        role: str,
        /// The ids of the member's teams.
        team_ids: ids,
        /// `active` or `deactivated`.
        status: name,
        /// When the member joined.
        joined_at: time,
    }
    /// A team of an organization.
    Team as "Team" {
        /// The team's id.
        id: id,
        /// The organization's id.
        org_id: id,
        /// The team's name, unique in the organization (case-insensitively).
        name: str,
    }
    /// An email: the preview of a draft. Its bodies hold the join link, a
    /// secret: keep them out of logs.
    Email as "Email" {
        /// The recipient's address.
        to: str,
        /// The subject: one line without control characters.
        subject: str,
        /// The plain-text part.
        text: body,
        /// The HTML part, every user-supplied value escaped.
        html: body,
    }
    /// A thread an invitation brings its invitee into, with the permissions it
    /// carries there (applied on acceptance if rule R4 still allows them: R8,
    /// docs/rules.md#r8).
    ThreadGrant as "ThreadGrant" {
        /// The thread's id.
        thread_id: id,
        /// The permission names, sorted (`["interview", "read", "write"]`).
        permissions: permissions,
    }
    /// An invitation to join an organization. It never holds its token.
    Invitation as "Invitation" {
        /// The invitation's id (safe to list and show: not the token).
        id: id,
        /// The organization's id.
        org_id: id,
        /// The id of the member who sent it.
        inviter_id: id,
        /// The invited address, normalized.
        email: str,
        /// The personal message, if any.
        message: opt_str,
        /// The teams the invitee will join, in the order given.
        team_ids: ids,
        /// The role the invitee will have.
        role: str,
        /// `pending`, `accepted`, `revoked`, `declined`, `expired`, or, when its
        /// inviter's role needs approval, `awaiting_approval` (until a manager
        /// approves it: then it is `pending`) or `denied`.
        status: name,
        /// When it was first sent.
        created_at: time,
        /// When its link stops working.
        expires_at: time,
        /// How many times it was sent (1 + resends).
        sent_count: u32,
        /// When it was last sent.
        last_sent_at: time,
        /// The threads the invitee joins on accepting, with the permissions the
        /// invitation carries in each (checked again then: R8, docs/rules.md#r8).
        thread_grants: records<ThreadGrant>,
        /// Whether InviteKit emails it (false: the user shares the link themselves).
        delivered: bool,
        /// The host's data shown to the invitee (the landing page, email
        /// templates); empty when none.
        metadata: object,
        /// The host's data never shown to the invitee: empty when none, and in
        /// what the invitee receives (an acceptance, a decline, the invitations
        /// for an email).
        private_metadata: object,
        /// Where the host sends the invitee after accepting, if anywhere.
        redirect_url: opt_str,
    }
    /// What accepting an invitation did.
    Acceptance as "Acceptance" {
        /// The new (or reactivated) member.
        member: record<Member>,
        /// The invitation, now accepted.
        invitation: record<Invitation>,
        /// The ids of the threads whose grant no longer passed rule R4 and was dropped (R8, docs/rules.md#r8).
        dropped_grants: ids,
        /// Where to send the new member: the invitation's redirect URL, if its
        /// origin is still allowed.
        redirect_url: opt_str,
    }
    /// What a resend did: a new link; the old one stopped working. The link
    /// is a secret.
    Resent as "Resent" {
        /// The invitation, with its new expiry.
        invitation: record<Invitation>,
        /// The new join link. A secret.
        link: secret,
    }
    /// What a landing page shows for a link (`peek_invitation`).
    InvitationPreview as "InvitationPreview" {
        /// The company's name.
        organization_name: str,
        /// The inviter's name.
        inviter_name: str,
        /// The names of the teams the invitee will join, in order.
        team_names: strs,
        /// The invited address.
        email: str,
        /// When the link stops working.
        expires_at: time,
        /// The host's data for the landing page; empty when none.
        metadata: object,
        /// Where the invitee will be sent after accepting, if anywhere.
        redirect_url: opt_str,
    }
    /// The outcome for one address of `invite_many`: the invitation, or why not.
    InviteResult as "InviteResult" {
        /// The address as given.
        email: str,
        /// The invitation, when it was sent.
        invitation: opt_record<Invitation>,
        error: error,
    }
    /// An email in the outbox, for the host to deliver, then acknowledge or
    /// fail. Its bodies may hold a join link, a secret: keep them out of logs.
    OutgoingEmail as "OutgoingEmail" {
        /// The email's id, to acknowledge or fail it with.
        id: id,
        /// The organization's id.
        org_id: id,
        /// `invitation`, `thread_invitation`, `approval_requested`,
        /// `invitation_denied`, `join_requested`, `join_approved` or `join_denied`.
        kind: name,
        /// The invitation it was sent for, if any.
        invitation_id: opt_id,
        /// The recipient's address.
        to: str,
        /// The subject.
        subject: str,
        /// The plain-text part.
        text: body,
        /// The HTML part.
        html: body,
        /// When it was queued.
        created_at: time,
        /// Delivery attempts so far: the times it was handed out, this one included.
        attempts: u32,
        /// `pending`, `sent`, `dead` or `cancelled`.
        status: name,
        /// When it may be handed out next: the end of its lease, or of its backoff after a failure.
        next_attempt_at: time,
        /// Why the last attempt failed, if one did.
        last_error: opt_str,
    }
    /// A conversation between the company's members and one freelancer.
    Thread as "Thread" {
        /// The thread's id.
        id: id,
        /// The organization's id.
        org_id: id,
        /// Its title.
        title: str,
        /// The freelancer's id in the host application.
        freelancer_id: str,
        /// The freelancer's name.
        freelancer_name: str,
        /// The id of the member who started it.
        created_by: id,
        /// When it was started.
        created_at: time,
        /// When its last message was posted (or it was started).
        last_activity_at: time,
    }
    /// A page of `search_threads`, newest activity first.
    ThreadPage as "ThreadPage" (page) {
        /// The threads of the page.
        threads: records<Thread>,
        /// The cursor of the next page, if there is one.
        next_cursor: opt_str,
    }
    /// A message in a thread.
    Message as "Message" {
        /// The message's id.
        id: id,
        /// The thread's id.
        thread_id: id,
        /// The organization's id.
        org_id: id,
        /// The member who wrote it; none when the freelancer did.
        author as author_id: author_id,
        /// Its text.
        body: str,
        /// When it was posted.
        sent_at: time,
    }
    /// A participant of a thread, with their permissions there.
    ParticipantInfo as "Participant" {
        /// The member's id.
        member_id: id,
        /// The member's name.
        name: str,
        /// The permission names, sorted (`["interview", "read", "write"]`).
        permissions: permissions,
    }
    /// Who is in a thread: the freelancer and the participants (`people`).
    People as "People" {
        /// The freelancer's id in the host application.
        freelancer_id: str,
        /// The freelancer's name.
        freelancer_name: str,
        /// The organization's members in the thread, in the order they were added.
        participants: records<ParticipantInfo>,
    }
    /// What `invite_to_thread` did: `added` an existing member (`participant`),
    /// or `invited` an address to the organization (`invitation`).
    ThreadInviteResult as "ThreadInviteResult" {
        /// `added` or `invited`.
        kind: name,
        /// The new participant, when added.
        participant: opt_record<ParticipantInfo>,
        /// The invitation carrying the thread grant, when invited.
        invitation: opt_record<Invitation>,
    }
    /// Someone on a verified auto-join domain asking to join an organization
    /// whose `domain_join` mode is `request` (`join_by_domain`); a manager
    /// approves or denies it.
    JoinRequest as "JoinRequest" {
        /// The request's id.
        id: id,
        /// The organization's id.
        org_id: id,
        /// The verified address that asks, normalized.
        email: str,
        /// The name the person gave.
        name: str,
        /// The role they will get if approved: the policy's default role when they asked.
        role: str,
        /// `pending`, `approved` or `denied`.
        status: name,
        /// When it was made.
        created_at: time,
        /// The id of the member who approved or denied it, if one did.
        decided_by: opt_id,
        /// When it was approved or denied, if it was.
        decided_at: opt_time,
        /// The reason given for a denial, if any.
        reason: opt_str,
    }
    /// A domain an organization is proving it owns with a DNS TXT record
    /// (`start_domain_verification`, then `verify_domain`).
    DomainVerification as "DomainVerification" {
        /// The organization's id.
        org_id: id,
        /// The domain, in its ASCII form.
        domain: str,
        /// The name of the TXT record to publish: `_invitekit-challenge.<domain>`.
        record_name: str,
        /// The value of the TXT record: `invitekit-verification=<random>`, this
        /// organization's challenge for this domain.
        record_value: str,
        /// When the verification was started.
        created_at: time,
        /// When the record was found, if it was: the domain is verified from then on.
        verified_at: opt_time,
    }
    /// What `join_by_domain` did: `joined` (`member`, the `automatic` mode) or
    /// `requested` (`request`, the `request` mode).
    JoinResult as "JoinResult" {
        /// `joined` or `requested`.
        kind: name,
        /// The new member, when joined.
        member: opt_record<Member>,
        /// The request to join, when requested.
        request: opt_record<JoinRequest>,
    }
    /// An entry of the organization's audit log (`events`).
    Event as "Event" {
        /// Its position in the organization's log: 1, 2, 3, ... with no gaps.
        seq: u64,
        /// The organization's id.
        org_id: id,
        /// When it happened.
        at: time,
        /// Who did it; none for the host, an invitee or a rule.
        actor_id: opt_id,
        /// What happened (`invitation_sent`, `participant_added`, ...).
        kind: name,
        /// The ids and values involved, as the core records them (snake_case keys).
        details: json,
    }
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
    approve_invitation(actor: MemberId, invitation_id: InvitationId) => [actor, invitation_id];
    deny_invitation(actor: MemberId, invitation_id: InvitationId, reason: Option<&str>)
        => [actor, invitation_id, reason];
    join_by_domain(org_id: OrgId, email: &str, name: &str) => [org_id, email, name];
    list_join_requests(actor: MemberId, status: Option<JoinRequestStatus>) => [actor, status];
    approve_join_request(actor: MemberId, request_id: JoinRequestId) => [actor, request_id];
    deny_join_request(actor: MemberId, request_id: JoinRequestId, reason: Option<&str>)
        => [actor, request_id, reason];
    start_domain_verification(actor: MemberId, org_id: OrgId, domain: &str) => [actor, org_id, domain];
    verify_domain(actor: MemberId, org_id: OrgId, domain: &str, txt_values: &[&str])
        => [actor, org_id, domain, txt_values];
    list_domains(actor: MemberId, org_id: OrgId) => [actor, org_id];
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

/// The records as the committed JSON: a list in the order above, each key in
/// a fixed order, documentation as one string (its `///` lines joined).
fn records_json(records: Vec<Record>) -> String {
    let quote = |s: &str| serde_json::to_string(s).unwrap();
    let doc = |lines: &[&str]| {
        let lines: Vec<&str> = lines.iter().map(|l| l.strip_prefix(' ').unwrap_or(l)).collect();
        quote(&lines.join("\n"))
    };
    let body: Vec<String> = records
        .iter()
        .map(|r| {
            let fields: Vec<String> = r
                .fields
                .iter()
                .map(|(name, core, kind, of, d)| {
                    let of = of.map_or_else(|| "null".to_owned(), &quote);
                    format!(
                        "      {{ \"name\": {}, \"core\": {}, \"kind\": {}, \"of\": {of}, \"doc\": {} }}",
                        quote(name),
                        quote(core),
                        quote(kind),
                        doc(d)
                    )
                })
                .collect();
            format!(
                "  {{\n    \"name\": {},\n    \"core\": {},\n    \"python\": {},\n    \"doc\": {},\n    \"fields\": [\n{}\n    ]\n  }}",
                quote(r.name),
                quote(r.core),
                quote(r.python),
                doc(&r.doc),
                fields.join(",\n")
            )
        })
        .collect();
    format!("[\n{}\n]\n", body.join(",\n"))
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
    committed("records.json", &records_json(records()));
}
