//! The plain objects InviteKit's promises resolve to, each converted from the
//! core's type with `From`. Ids are strings, times are `Date`s, an absent
//! value is `null`, names of permissions are sorted arrays of strings. The
//! one result holding a secret, [`Resent`], is a class with getters instead,
//! like [`Draft`](crate::draft::Draft).

use chrono::{DateTime, Utc};
use invitekit::Timestamp;
use napi_derive::napi;

/// A core timestamp as a JavaScript `Date`.
pub fn date(t: Timestamp) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t.as_millis()).unwrap_or_default()
}

fn names(set: invitekit::PermissionSet) -> Vec<String> {
    set.names().into_iter().map(str::to_owned).collect()
}

/// A company using InviteKit.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct Organization {
    /// Its id.
    pub id: String,
    /// Its display name.
    pub name: String,
    /// Its slug: `[a-z0-9-]{2,63}`.
    pub slug: String,
    /// The company's portal (an https URL); join links are `{portalUrl}/join/{token}`.
    pub portal_url: String,
    /// The email domains invitations may go to (empty: any).
    pub allowed_domains: Vec<String>,
    /// Its settings.
    pub settings: OrganizationSettings,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl From<invitekit::Organization> for Organization {
    fn from(o: invitekit::Organization) -> Self {
        Organization {
            id: o.id.to_string(),
            name: o.name,
            slug: o.slug,
            portal_url: o.portal_url,
            allowed_domains: o.allowed_domains,
            settings: o.settings.into(),
            created_at: date(o.created_at),
        }
    }
}

/// An organization's settings (docs/rules.md#limits); change them with `setOrganizationSettings`.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct OrganizationSettings {
    /// How long an invitation stays valid, in seconds (1 hour .. 30 days; default 7 days).
    pub invitation_expiry_secs: i64,
    /// The least time between two sends of one invitation, in seconds (default 60).
    pub resend_cooldown_secs: i64,
    /// Invitations one member may send in 24 hours (default 50).
    pub max_invitations_per_inviter_per_day: u32,
    /// Invitations the organization may send in 24 hours (default 500).
    pub max_invitations_per_org_per_day: u32,
    /// Emails one address may receive in 24 hours (default 3).
    pub max_emails_per_address_per_day: u32,
    /// Pending invitations the organization may have at once (default 1,000).
    pub max_pending_invitations: u32,
    /// The longest personal message, in characters (default 1,000).
    pub max_message_chars: u32,
    /// Whether subdomains of the allowed domains are allowed too.
    pub allow_subdomains: bool,
    /// Domains whose verified users may `joinByDomain` (empty: off).
    pub auto_join_domains: Vec<String>,
    /// Origins (`scheme://host[:port]`) an invitation's `redirectUrl` may point to (empty: none).
    pub redirect_origins: Vec<String>,
}

impl From<invitekit::OrgSettings> for OrganizationSettings {
    fn from(s: invitekit::OrgSettings) -> Self {
        OrganizationSettings {
            invitation_expiry_secs: s.invitation_expiry_secs,
            resend_cooldown_secs: s.resend_cooldown_secs,
            max_invitations_per_inviter_per_day: s.max_invitations_per_inviter_per_day,
            max_invitations_per_org_per_day: s.max_invitations_per_org_per_day,
            max_emails_per_address_per_day: s.max_emails_per_address_per_day,
            max_pending_invitations: s.max_pending_invitations,
            max_message_chars: s.max_message_chars,
            allow_subdomains: s.allow_subdomains,
            auto_join_domains: s.auto_join_domains,
            redirect_origins: s.redirect_origins,
        }
    }
}

/// A member of an organization.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct Member {
    /// Their id.
    pub id: String,
    /// Their organization.
    pub org_id: String,
    /// Their email address, normalized.
    pub email: String,
    /// Their name.
    pub name: String,
    /// Their role in the policy (`full`, `hiring_manager`, `recruiter`, `member`, ...).
    pub role: String,
    /// The teams they belong to.
    pub team_ids: Vec<String>,
    /// `active` or `deactivated`.
    pub status: String,
    /// When they joined.
    pub joined_at: DateTime<Utc>,
}

impl From<invitekit::Member> for Member {
    fn from(m: invitekit::Member) -> Self {
        Member {
            id: m.id.to_string(),
            org_id: m.org_id.to_string(),
            email: m.email,
            name: m.name,
            role: m.role,
            team_ids: m.team_ids.iter().map(ToString::to_string).collect(),
            status: m.status.as_str().to_owned(),
            joined_at: date(m.joined_at),
        }
    }
}

/// A team of an organization.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct Team {
    /// Its id.
    pub id: String,
    /// Its organization.
    pub org_id: String,
    /// Its name, unique in the organization (case-insensitively).
    pub name: String,
}

impl From<invitekit::Team> for Team {
    fn from(t: invitekit::Team) -> Self {
        Team { id: t.id.to_string(), org_id: t.org_id.to_string(), name: t.name }
    }
}

/// An email, as it will be or was queued in the outbox.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct Email {
    /// The recipient.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part (user-supplied text escaped).
    pub html: String,
}

impl From<invitekit::Email> for Email {
    fn from(e: invitekit::Email) -> Self {
        Email { to: e.to, subject: e.subject, text: e.text, html: e.html }
    }
}

/// Permissions in a thread that an invitation carries, applied on acceptance if rule R4 still allows them (R8).
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct ThreadGrant {
    /// The thread.
    pub thread_id: String,
    /// The permissions, sorted by name.
    pub permissions: Vec<String>,
}

/// An invitation to join an organization.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct Invitation {
    /// Its id (not its token: an id can be listed and shown).
    pub id: String,
    /// The organization.
    pub org_id: String,
    /// Who invited.
    pub inviter_id: String,
    /// The invited address, normalized.
    pub email: String,
    /// The personal message, if any.
    pub message: Option<String>,
    /// The teams the invitee will join, in the order given.
    pub team_ids: Vec<String>,
    /// The role the invitee will get.
    pub role: String,
    /// `pending`, `accepted`, `revoked`, `declined` or `expired`.
    pub status: String,
    /// When it was first sent.
    pub created_at: DateTime<Utc>,
    /// When its link stops working.
    pub expires_at: DateTime<Utc>,
    /// How many times it was sent.
    pub sent_count: u32,
    /// When it was last sent.
    pub last_sent_at: DateTime<Utc>,
    /// Thread permissions it carries (from `inviteToThread`).
    pub thread_grants: Vec<ThreadGrant>,
    /// Whether its email was queued (`sendInvitation(draft, { deliver: false })` queues none).
    pub delivered: bool,
    /// The host's data shown to the invitee (`peekInvitation`, email templates); `{}` when none.
    #[napi(ts_type = "Record<string, unknown>")]
    pub metadata: invitekit::JsonObject,
    /// The host's data never shown to the invitee: `{}` when none, and in
    /// what the invitee receives (an acceptance, a decline, `invitationsForEmail`).
    #[napi(ts_type = "Record<string, unknown>")]
    pub private_metadata: invitekit::JsonObject,
    /// Where the host sends the invitee after accepting, if anywhere.
    pub redirect_url: Option<String>,
}

impl From<invitekit::Invitation> for Invitation {
    fn from(i: invitekit::Invitation) -> Self {
        Invitation {
            id: i.id.to_string(),
            org_id: i.org_id.to_string(),
            inviter_id: i.inviter_id.to_string(),
            email: i.email,
            message: i.message,
            team_ids: i.team_ids.iter().map(ToString::to_string).collect(),
            role: i.role,
            status: i.status.as_str().to_owned(),
            created_at: date(i.created_at),
            expires_at: date(i.expires_at),
            sent_count: i.sent_count,
            last_sent_at: date(i.last_sent_at),
            thread_grants: i
                .thread_grants
                .into_iter()
                .map(|g| ThreadGrant { thread_id: g.thread_id.to_string(), permissions: names(g.permissions) })
                .collect(),
            delivered: i.delivered,
            metadata: i.metadata,
            private_metadata: i.private_metadata,
            redirect_url: i.redirect_url,
        }
    }
}

/// What `acceptInvitation` did.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct Acceptance {
    /// The new (or reactivated) member.
    pub member: Member,
    /// The invitation, now accepted.
    pub invitation: Invitation,
    /// Threads whose grant no longer passed rule R4 and was dropped (R8).
    pub dropped_grants: Vec<String>,
    /// Where to send the new member: the invitation's `redirectUrl`, if its
    /// origin is still allowed.
    pub redirect_url: Option<String>,
}

impl From<invitekit::Acceptance> for Acceptance {
    fn from(a: invitekit::Acceptance) -> Self {
        Acceptance {
            member: a.member.into(),
            invitation: a.invitation.into(),
            dropped_grants: a.dropped_grants.iter().map(ToString::to_string).collect(),
            redirect_url: a.redirect_url,
        }
    }
}

/// What `resendInvitation` did: the old link stopped working.
/// `link` is a secret: as with a `Draft`, the fields are getters, so
/// `util.inspect`, `console.log` and `JSON.stringify` show none of them.
#[napi]
pub struct Resent {
    inner: invitekit::Resent,
}

#[napi]
impl Resent {
    /// The invitation with its new expiry.
    #[napi(getter)]
    pub fn invitation(&self) -> Invitation {
        self.inner.invitation.clone().into()
    }

    /// The new join link (a secret).
    #[napi(getter)]
    pub fn link(&self) -> String {
        self.inner.link.clone()
    }
}

impl From<invitekit::Resent> for Resent {
    fn from(inner: invitekit::Resent) -> Self {
        Resent { inner }
    }
}

/// What a landing page shows for a token (`peekInvitation`).
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct InvitationPreview {
    /// The company.
    pub organization_name: String,
    /// Who invited.
    pub inviter_name: String,
    /// The teams the invitee will join, in order.
    pub team_names: Vec<String>,
    /// The invited address.
    pub email: String,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
    /// The host's data for the landing page; `{}` when none.
    #[napi(ts_type = "Record<string, unknown>")]
    pub metadata: invitekit::JsonObject,
    /// Where the invitee will be sent after accepting, if anywhere.
    pub redirect_url: Option<String>,
}

impl From<invitekit::InvitationPreview> for InvitationPreview {
    fn from(p: invitekit::InvitationPreview) -> Self {
        InvitationPreview {
            organization_name: p.organization_name,
            inviter_name: p.inviter_name,
            team_names: p.team_names,
            email: p.email,
            expires_at: date(p.expires_at),
            metadata: p.metadata,
            redirect_url: p.redirect_url,
        }
    }
}

/// The outcome for one address of `inviteMany`.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct InviteResult {
    /// The address as given.
    pub email: String,
    /// The invitation, when it was sent.
    pub invitation: Option<Invitation>,
    /// Why it was not: an error code (`ALREADY_MEMBER`, ...).
    pub error: Option<String>,
    /// The error's message, for a person to read.
    pub error_message: Option<String>,
}

impl From<invitekit::InviteResult> for InviteResult {
    fn from(r: invitekit::InviteResult) -> Self {
        InviteResult {
            email: r.email,
            invitation: r.invitation.map(Into::into),
            error: r.error.as_ref().map(|e| crate::js_code(e.code())),
            error_message: r.error.map(|e| e.to_string()),
        }
    }
}

/// An email in the outbox, for the host to deliver.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct OutgoingEmail {
    /// Its id: acknowledge it with `outboxAck(id)` or `outboxFail(id, reason)`.
    pub id: String,
    /// The organization.
    pub org_id: String,
    /// `invitation` or `thread_invitation`.
    pub kind: String,
    /// The invitation it was sent for, if any.
    pub invitation_id: Option<String>,
    /// The recipient.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// Delivery attempts so far: the times it was handed out, this one included.
    pub attempts: u32,
    /// When it may be handed out next: the end of its lease, or of its backoff after a failure.
    pub next_attempt_at: DateTime<Utc>,
    /// `pending`, `sent`, `dead` or `cancelled`.
    pub status: String,
    /// Why the last attempt failed, if one did.
    pub last_error: Option<String>,
}

impl From<invitekit::OutgoingEmail> for OutgoingEmail {
    fn from(e: invitekit::OutgoingEmail) -> Self {
        OutgoingEmail {
            id: e.id.to_string(),
            org_id: e.org_id.to_string(),
            kind: e.kind.as_str().to_owned(),
            invitation_id: e.invitation_id.map(|i| i.to_string()),
            to: e.to,
            subject: e.subject,
            text: e.text,
            html: e.html,
            created_at: date(e.created_at),
            attempts: e.attempts,
            next_attempt_at: date(e.next_attempt_at),
            status: e.status.as_str().to_owned(),
            last_error: e.last_error,
        }
    }
}

/// A conversation between an organization's members and one freelancer.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct Thread {
    /// Its id.
    pub id: String,
    /// The organization.
    pub org_id: String,
    /// Its title.
    pub title: String,
    /// The host's id for the freelancer.
    pub freelancer_id: String,
    /// The freelancer's name.
    pub freelancer_name: String,
    /// Who started it.
    pub created_by: String,
    /// When it was started.
    pub created_at: DateTime<Utc>,
    /// When the last message was posted (or when it was started).
    pub last_activity_at: DateTime<Utc>,
}

impl From<invitekit::Thread> for Thread {
    fn from(t: invitekit::Thread) -> Self {
        Thread {
            id: t.id.to_string(),
            org_id: t.org_id.to_string(),
            title: t.title,
            freelancer_id: t.freelancer_id,
            freelancer_name: t.freelancer_name,
            created_by: t.created_by.to_string(),
            created_at: date(t.created_at),
            last_activity_at: date(t.last_activity_at),
        }
    }
}

/// A message in a thread.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct Message {
    /// Its id.
    pub id: String,
    /// The thread.
    pub thread_id: String,
    /// The organization.
    pub org_id: String,
    /// The member who wrote it; `null` when the freelancer did.
    pub author_id: Option<String>,
    /// Its text.
    pub body: String,
    /// When it was posted.
    pub sent_at: DateTime<Utc>,
}

impl From<invitekit::Message> for Message {
    fn from(m: invitekit::Message) -> Self {
        Message {
            id: m.id.to_string(),
            thread_id: m.thread_id.to_string(),
            org_id: m.org_id.to_string(),
            author_id: match m.author {
                invitekit::Author::Member(id) => Some(id.to_string()),
                invitekit::Author::Freelancer => None,
            },
            body: m.body,
            sent_at: date(m.sent_at),
        }
    }
}

/// One page of `searchThreads`: pass `nextCursor` as `{ cursor }` for the next page.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct ThreadPage {
    /// The threads, newest activity first.
    pub threads: Vec<Thread>,
    /// The cursor of the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl From<invitekit::ThreadPage> for ThreadPage {
    fn from(p: invitekit::ThreadPage) -> Self {
        ThreadPage { threads: p.threads.into_iter().map(Into::into).collect(), next_cursor: p.next_cursor }
    }
}

/// A member in a thread, as the people list shows them.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct Participant {
    /// The member.
    pub member_id: String,
    /// Their name.
    pub name: String,
    /// What they may do in the thread, sorted by name.
    pub permissions: Vec<String>,
}

impl From<invitekit::ParticipantInfo> for Participant {
    fn from(p: invitekit::ParticipantInfo) -> Self {
        Participant { member_id: p.member_id.to_string(), name: p.name, permissions: names(p.permissions) }
    }
}

/// Who is in a thread (`people`).
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct People {
    /// The freelancer's id.
    pub freelancer_id: String,
    /// The freelancer's name.
    pub freelancer_name: String,
    /// The organization's members in the thread, in the order they were added.
    pub participants: Vec<Participant>,
}

impl From<invitekit::People> for People {
    fn from(p: invitekit::People) -> Self {
        People {
            freelancer_id: p.freelancer_id,
            freelancer_name: p.freelancer_name,
            participants: p.participants.into_iter().map(Into::into).collect(),
        }
    }
}

/// What `inviteToThread` did.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct ThreadInviteResult {
    /// `added` (the address was an active member's) or `invited`.
    pub kind: String,
    /// The new participant, when added.
    pub participant: Option<Participant>,
    /// The invitation carrying the thread grant, when invited.
    pub invitation: Option<Invitation>,
}

impl From<invitekit::ThreadInviteResult> for ThreadInviteResult {
    fn from(r: invitekit::ThreadInviteResult) -> Self {
        ThreadInviteResult {
            kind: r.kind.as_str().to_owned(),
            participant: r.participant.map(Into::into),
            invitation: r.invitation.map(Into::into),
        }
    }
}

/// One entry of an organization's audit log.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct Event {
    /// Its position in the organization's log: 1, 2, 3, ... with no gaps.
    pub seq: i64,
    /// The organization.
    pub org_id: String,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who did it; `null` for the host, an invitee or a rule.
    pub actor_id: Option<String>,
    /// What happened (`invitation_sent`, `participant_added`, ...).
    pub kind: String,
    /// The ids and values involved, as the core records them (snake_case keys).
    pub details: serde_json::Value,
}

impl From<invitekit::Event> for Event {
    fn from(e: invitekit::Event) -> Self {
        Event {
            seq: i64::try_from(e.seq).unwrap_or(i64::MAX),
            org_id: e.org_id.to_string(),
            at: date(e.at),
            actor_id: e.actor_id.map(|a| a.to_string()),
            kind: e.kind.as_str().to_owned(),
            details: e.details,
        }
    }
}

/// Converts every item of a list.
pub fn all<A, B: From<A>>(items: Vec<A>) -> Vec<B> {
    items.into_iter().map(Into::into).collect()
}
