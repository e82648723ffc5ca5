// Written by scripts/gen-interface from core/interface/records.json: do not edit.
// Change the core's list (core/tests/interface.rs), then run
// `INVITEKIT_BLESS=1 cargo test -p invitekit --test interface` and
// `python3 scripts/gen-interface`.

//! The records InviteKit's promises resolve to, each converted from the
//! core's record with `From`: ids are strings, times `Date`s, an absent value
//! `null`, permission names sorted arrays of strings.

use chrono::{DateTime, Utc};
use napi::bindgen_prelude::ToNapiValue;
use napi::sys;
use napi_derive::napi;

use crate::factory::build;
use crate::types::{all, author_id, date, ids, names};

/// A company using InviteKit.
#[napi(object, object_to_js = false, object_from_js = false, use_nullable = true)]
pub struct Organization {
    /// Its id.
    pub id: String,
    /// Its display name, as emails show it.
    pub name: String,
    /// Its slug: `[a-z0-9-]{2,63}`.
    pub slug: String,
    /// The company's portal (an https URL); join links are `{portalUrl}/join/{token}`.
    pub portal_url: String,
    /// The email domains (ASCII form) invitations may go to; empty means any.
    pub allowed_domains: Vec<String>,
    /// Its settings: expiry, cooldown, rate limits and the rest (docs/rules.md#limits).
    pub settings: OrganizationSettings,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl From<invitekit::Organization> for Organization {
    fn from(r: invitekit::Organization) -> Self {
        Organization {
            id: r.id.to_string(),
            name: r.name,
            slug: r.slug,
            portal_url: r.portal_url,
            allowed_domains: r.allowed_domains,
            settings: r.settings.into(),
            created_at: date(r.created_at),
        }
    }
}

impl ToNapiValue for Organization {
    #[allow(unsafe_code)]
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        // SAFETY: the caller's contract: `env` is the calling thread's live environment.
        unsafe {
            let values = [
                ToNapiValue::to_napi_value(env, val.id)?,
                ToNapiValue::to_napi_value(env, val.name)?,
                ToNapiValue::to_napi_value(env, val.slug)?,
                ToNapiValue::to_napi_value(env, val.portal_url)?,
                ToNapiValue::to_napi_value(env, val.allowed_domains)?,
                ToNapiValue::to_napi_value(env, val.settings)?,
                ToNapiValue::to_napi_value(env, val.created_at)?,
            ];
            build(env, 0, &["id", "name", "slug", "portalUrl", "allowedDomains", "settings", "createdAt"], &values)
        }
    }
}

/// An organization's settings (docs/rules.md#limits), changed with `setOrganizationSettings`.
#[napi(object, object_to_js = false, object_from_js = false, use_nullable = true)]
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
    /// Domains whose people may join by domain, each only once the
    /// organization has verified it (`verifyDomain`); never a free mail domain.
    pub auto_join_domains: Vec<String>,
    /// How joining by domain works: `off` (the default), `automatic` (the
    /// person becomes a member) or `request` (a manager approves or denies a request to join).
    pub domain_join: String,
    /// Origins (`scheme://host[:port]`) an invitation's redirect URL may point to (empty: none).
    pub redirect_origins: Vec<String>,
}

impl From<invitekit::OrgSettings> for OrganizationSettings {
    fn from(r: invitekit::OrgSettings) -> Self {
        OrganizationSettings {
            invitation_expiry_secs: r.invitation_expiry_secs,
            resend_cooldown_secs: r.resend_cooldown_secs,
            max_invitations_per_inviter_per_day: r.max_invitations_per_inviter_per_day,
            max_invitations_per_org_per_day: r.max_invitations_per_org_per_day,
            max_emails_per_address_per_day: r.max_emails_per_address_per_day,
            max_pending_invitations: r.max_pending_invitations,
            max_message_chars: r.max_message_chars,
            allow_subdomains: r.allow_subdomains,
            auto_join_domains: r.auto_join_domains,
            domain_join: r.domain_join.as_str().to_owned(),
            redirect_origins: r.redirect_origins,
        }
    }
}

impl ToNapiValue for OrganizationSettings {
    #[allow(unsafe_code)]
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        // SAFETY: the caller's contract: `env` is the calling thread's live environment.
        unsafe {
            let values = [
                ToNapiValue::to_napi_value(env, val.invitation_expiry_secs)?,
                ToNapiValue::to_napi_value(env, val.resend_cooldown_secs)?,
                ToNapiValue::to_napi_value(env, val.max_invitations_per_inviter_per_day)?,
                ToNapiValue::to_napi_value(env, val.max_invitations_per_org_per_day)?,
                ToNapiValue::to_napi_value(env, val.max_emails_per_address_per_day)?,
                ToNapiValue::to_napi_value(env, val.max_pending_invitations)?,
                ToNapiValue::to_napi_value(env, val.max_message_chars)?,
                ToNapiValue::to_napi_value(env, val.allow_subdomains)?,
                ToNapiValue::to_napi_value(env, val.auto_join_domains)?,
                ToNapiValue::to_napi_value(env, val.domain_join)?,
                ToNapiValue::to_napi_value(env, val.redirect_origins)?,
            ];
            build(
                env,
                1,
                &[
                    "invitationExpirySecs",
                    "resendCooldownSecs",
                    "maxInvitationsPerInviterPerDay",
                    "maxInvitationsPerOrgPerDay",
                    "maxEmailsPerAddressPerDay",
                    "maxPendingInvitations",
                    "maxMessageChars",
                    "allowSubdomains",
                    "autoJoinDomains",
                    "domainJoin",
                    "redirectOrigins",
                ],
                &values,
            )
        }
    }
}

/// A member of an organization.
#[napi(object, object_to_js = false, object_from_js = false, use_nullable = true)]
pub struct Member {
    /// The member's id.
    pub id: String,
    /// The organization's id.
    pub org_id: String,
    /// The member's email address, normalized.
    pub email: String,
    /// The member's name.
    pub name: String,
    /// The member's role, a role of the policy (`full`, `hiring_manager`, `recruiter`, `member`, ...).
    pub role: String,
    /// The ids of the member's teams.
    pub team_ids: Vec<String>,
    /// `active` or `deactivated`.
    pub status: String,
    /// When the member joined.
    pub joined_at: DateTime<Utc>,
}

impl From<invitekit::Member> for Member {
    fn from(r: invitekit::Member) -> Self {
        Member {
            id: r.id.to_string(),
            org_id: r.org_id.to_string(),
            email: r.email,
            name: r.name,
            role: r.role,
            team_ids: ids(&r.team_ids),
            status: r.status.as_str().to_owned(),
            joined_at: date(r.joined_at),
        }
    }
}

impl ToNapiValue for Member {
    #[allow(unsafe_code)]
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        // SAFETY: the caller's contract: `env` is the calling thread's live environment.
        unsafe {
            let values = [
                ToNapiValue::to_napi_value(env, val.id)?,
                ToNapiValue::to_napi_value(env, val.org_id)?,
                ToNapiValue::to_napi_value(env, val.email)?,
                ToNapiValue::to_napi_value(env, val.name)?,
                ToNapiValue::to_napi_value(env, val.role)?,
                ToNapiValue::to_napi_value(env, val.team_ids)?,
                ToNapiValue::to_napi_value(env, val.status)?,
                ToNapiValue::to_napi_value(env, val.joined_at)?,
            ];
            build(env, 2, &["id", "orgId", "email", "name", "role", "teamIds", "status", "joinedAt"], &values)
        }
    }
}

/// A team of an organization.
#[napi(object, object_to_js = false, object_from_js = false, use_nullable = true)]
pub struct Team {
    /// The team's id.
    pub id: String,
    /// The organization's id.
    pub org_id: String,
    /// The team's name, unique in the organization (case-insensitively).
    pub name: String,
}

impl From<invitekit::Team> for Team {
    fn from(r: invitekit::Team) -> Self {
        Team { id: r.id.to_string(), org_id: r.org_id.to_string(), name: r.name }
    }
}

impl ToNapiValue for Team {
    #[allow(unsafe_code)]
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        // SAFETY: the caller's contract: `env` is the calling thread's live environment.
        unsafe {
            let values = [
                ToNapiValue::to_napi_value(env, val.id)?,
                ToNapiValue::to_napi_value(env, val.org_id)?,
                ToNapiValue::to_napi_value(env, val.name)?,
            ];
            build(env, 3, &["id", "orgId", "name"], &values)
        }
    }
}

/// An email: the preview of a draft. Its bodies hold the join link, a
/// secret: keep them out of logs.
#[napi(object, object_to_js = false, object_from_js = false, use_nullable = true)]
pub struct Email {
    /// The recipient's address.
    pub to: String,
    /// The subject: one line without control characters.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part, every user-supplied value escaped.
    pub html: String,
}

impl From<invitekit::Email> for Email {
    fn from(r: invitekit::Email) -> Self {
        Email { to: r.to, subject: r.subject, text: r.text, html: r.html }
    }
}

impl ToNapiValue for Email {
    #[allow(unsafe_code)]
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        // SAFETY: the caller's contract: `env` is the calling thread's live environment.
        unsafe {
            let values = [
                ToNapiValue::to_napi_value(env, val.to)?,
                ToNapiValue::to_napi_value(env, val.subject)?,
                ToNapiValue::to_napi_value(env, val.text)?,
                ToNapiValue::to_napi_value(env, val.html)?,
            ];
            build(env, 4, &["to", "subject", "text", "html"], &values)
        }
    }
}

/// A thread an invitation brings its invitee into, with the permissions it
/// carries there (applied on acceptance if rule R4 still allows them: R8,
/// docs/rules.md#r8).
#[napi(object, object_to_js = false, object_from_js = false, use_nullable = true)]
pub struct ThreadGrant {
    /// The thread's id.
    pub thread_id: String,
    /// The permission names, sorted (`["interview", "read", "write"]`).
    pub permissions: Vec<String>,
}

impl From<invitekit::ThreadGrant> for ThreadGrant {
    fn from(r: invitekit::ThreadGrant) -> Self {
        ThreadGrant { thread_id: r.thread_id.to_string(), permissions: names(r.permissions) }
    }
}

impl ToNapiValue for ThreadGrant {
    #[allow(unsafe_code)]
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        // SAFETY: the caller's contract: `env` is the calling thread's live environment.
        unsafe {
            let values =
                [ToNapiValue::to_napi_value(env, val.thread_id)?, ToNapiValue::to_napi_value(env, val.permissions)?];
            build(env, 5, &["threadId", "permissions"], &values)
        }
    }
}

/// An invitation to join an organization. It never holds its token.
#[napi(object, object_to_js = false, object_from_js = false, use_nullable = true)]
pub struct Invitation {
    /// The invitation's id (safe to list and show: not the token).
    pub id: String,
    /// The organization's id.
    pub org_id: String,
    /// The id of the member who sent it.
    pub inviter_id: String,
    /// The invited address, normalized.
    pub email: String,
    /// The personal message, if any.
    pub message: Option<String>,
    /// The teams the invitee will join, in the order given.
    pub team_ids: Vec<String>,
    /// The role the invitee will have.
    pub role: String,
    /// `pending`, `accepted`, `revoked`, `declined`, `expired`, or, when its
    /// inviter's role needs approval, `awaiting_approval` (until a manager
    /// approves it: then it is `pending`) or `denied`.
    pub status: String,
    /// When it was first sent.
    pub created_at: DateTime<Utc>,
    /// When its link stops working.
    pub expires_at: DateTime<Utc>,
    /// How many times it was sent (1 + resends).
    pub sent_count: u32,
    /// When it was last sent.
    pub last_sent_at: DateTime<Utc>,
    /// The threads the invitee joins on accepting, with the permissions the
    /// invitation carries in each (checked again then: R8, docs/rules.md#r8).
    pub thread_grants: Vec<ThreadGrant>,
    /// Whether InviteKit emails it (false: the user shares the link themselves).
    pub delivered: bool,
    /// The host's data shown to the invitee (the landing page, email
    /// templates); empty when none.
    #[napi(ts_type = "Record<string, unknown>")]
    pub metadata: invitekit::JsonObject,
    /// The host's data never shown to the invitee: empty when none, and in
    /// what the invitee receives (an acceptance, a decline, the invitations
    /// for an email).
    #[napi(ts_type = "Record<string, unknown>")]
    pub private_metadata: invitekit::JsonObject,
    /// Where the host sends the invitee after accepting, if anywhere.
    pub redirect_url: Option<String>,
}

impl From<invitekit::Invitation> for Invitation {
    fn from(r: invitekit::Invitation) -> Self {
        Invitation {
            id: r.id.to_string(),
            org_id: r.org_id.to_string(),
            inviter_id: r.inviter_id.to_string(),
            email: r.email,
            message: r.message,
            team_ids: ids(&r.team_ids),
            role: r.role,
            status: r.status.as_str().to_owned(),
            created_at: date(r.created_at),
            expires_at: date(r.expires_at),
            sent_count: r.sent_count,
            last_sent_at: date(r.last_sent_at),
            thread_grants: all(r.thread_grants),
            delivered: r.delivered,
            metadata: r.metadata,
            private_metadata: r.private_metadata,
            redirect_url: r.redirect_url,
        }
    }
}

impl ToNapiValue for Invitation {
    #[allow(unsafe_code)]
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        // SAFETY: the caller's contract: `env` is the calling thread's live environment.
        unsafe {
            let values = [
                ToNapiValue::to_napi_value(env, val.id)?,
                ToNapiValue::to_napi_value(env, val.org_id)?,
                ToNapiValue::to_napi_value(env, val.inviter_id)?,
                ToNapiValue::to_napi_value(env, val.email)?,
                ToNapiValue::to_napi_value(env, val.message)?,
                ToNapiValue::to_napi_value(env, val.team_ids)?,
                ToNapiValue::to_napi_value(env, val.role)?,
                ToNapiValue::to_napi_value(env, val.status)?,
                ToNapiValue::to_napi_value(env, val.created_at)?,
                ToNapiValue::to_napi_value(env, val.expires_at)?,
                ToNapiValue::to_napi_value(env, val.sent_count)?,
                ToNapiValue::to_napi_value(env, val.last_sent_at)?,
                ToNapiValue::to_napi_value(env, val.thread_grants)?,
                ToNapiValue::to_napi_value(env, val.delivered)?,
                ToNapiValue::to_napi_value(env, val.metadata)?,
                ToNapiValue::to_napi_value(env, val.private_metadata)?,
                ToNapiValue::to_napi_value(env, val.redirect_url)?,
            ];
            build(
                env,
                6,
                &[
                    "id",
                    "orgId",
                    "inviterId",
                    "email",
                    "message",
                    "teamIds",
                    "role",
                    "status",
                    "createdAt",
                    "expiresAt",
                    "sentCount",
                    "lastSentAt",
                    "threadGrants",
                    "delivered",
                    "metadata",
                    "privateMetadata",
                    "redirectUrl",
                ],
                &values,
            )
        }
    }
}

/// What accepting an invitation did.
#[napi(object, object_to_js = false, object_from_js = false, use_nullable = true)]
pub struct Acceptance {
    /// The new (or reactivated) member.
    pub member: Member,
    /// The invitation, now accepted.
    pub invitation: Invitation,
    /// The ids of the threads whose grant no longer passed rule R4 and was dropped (R8, docs/rules.md#r8).
    pub dropped_grants: Vec<String>,
    /// Where to send the new member: the invitation's redirect URL, if its
    /// origin is still allowed.
    pub redirect_url: Option<String>,
}

impl From<invitekit::Acceptance> for Acceptance {
    fn from(r: invitekit::Acceptance) -> Self {
        Acceptance {
            member: r.member.into(),
            invitation: r.invitation.into(),
            dropped_grants: ids(&r.dropped_grants),
            redirect_url: r.redirect_url,
        }
    }
}

impl ToNapiValue for Acceptance {
    #[allow(unsafe_code)]
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        // SAFETY: the caller's contract: `env` is the calling thread's live environment.
        unsafe {
            let values = [
                ToNapiValue::to_napi_value(env, val.member)?,
                ToNapiValue::to_napi_value(env, val.invitation)?,
                ToNapiValue::to_napi_value(env, val.dropped_grants)?,
                ToNapiValue::to_napi_value(env, val.redirect_url)?,
            ];
            build(env, 7, &["member", "invitation", "droppedGrants", "redirectUrl"], &values)
        }
    }
}

/// What a resend did: a new link; the old one stopped working. The link
/// is a secret.
/// Its fields are getters, so `util.inspect`, `console.log` and `JSON.stringify`
/// show none of them.
#[napi]
pub struct Resent {
    inner: invitekit::Resent,
}

#[napi]
impl Resent {
    /// The invitation, with its new expiry.
    #[napi(getter)]
    pub fn invitation(&self) -> Invitation {
        self.inner.invitation.clone().into()
    }
    /// The new join link. A secret.
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

/// What a landing page shows for a link (`peekInvitation`).
#[napi(object, object_to_js = false, object_from_js = false, use_nullable = true)]
pub struct InvitationPreview {
    /// The company's name.
    pub organization_name: String,
    /// The inviter's name.
    pub inviter_name: String,
    /// The names of the teams the invitee will join, in order.
    pub team_names: Vec<String>,
    /// The invited address.
    pub email: String,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
    /// The host's data for the landing page; empty when none.
    #[napi(ts_type = "Record<string, unknown>")]
    pub metadata: invitekit::JsonObject,
    /// Where the invitee will be sent after accepting, if anywhere.
    pub redirect_url: Option<String>,
}

impl From<invitekit::InvitationPreview> for InvitationPreview {
    fn from(r: invitekit::InvitationPreview) -> Self {
        InvitationPreview {
            organization_name: r.organization_name,
            inviter_name: r.inviter_name,
            team_names: r.team_names,
            email: r.email,
            expires_at: date(r.expires_at),
            metadata: r.metadata,
            redirect_url: r.redirect_url,
        }
    }
}

impl ToNapiValue for InvitationPreview {
    #[allow(unsafe_code)]
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        // SAFETY: the caller's contract: `env` is the calling thread's live environment.
        unsafe {
            let values = [
                ToNapiValue::to_napi_value(env, val.organization_name)?,
                ToNapiValue::to_napi_value(env, val.inviter_name)?,
                ToNapiValue::to_napi_value(env, val.team_names)?,
                ToNapiValue::to_napi_value(env, val.email)?,
                ToNapiValue::to_napi_value(env, val.expires_at)?,
                ToNapiValue::to_napi_value(env, val.metadata)?,
                ToNapiValue::to_napi_value(env, val.redirect_url)?,
            ];
            build(
                env,
                8,
                &["organizationName", "inviterName", "teamNames", "email", "expiresAt", "metadata", "redirectUrl"],
                &values,
            )
        }
    }
}

/// The outcome for one address of `inviteMany`: the invitation, or why not.
#[napi(object, object_to_js = false, object_from_js = false, use_nullable = true)]
pub struct InviteResult {
    /// The address as given.
    pub email: String,
    /// The invitation, when it was sent.
    pub invitation: Option<Invitation>,
    /// Why it failed: an error code, if it did.
    pub error: Option<String>,
    /// The error's message, for a person to read, if it failed.
    pub error_message: Option<String>,
}

impl From<invitekit::InviteResult> for InviteResult {
    fn from(r: invitekit::InviteResult) -> Self {
        InviteResult {
            email: r.email,
            invitation: r.invitation.map(Into::into),
            error: r.error.as_ref().map(|e| crate::js_code(e.code())),
            error_message: r.error.as_ref().map(ToString::to_string),
        }
    }
}

impl ToNapiValue for InviteResult {
    #[allow(unsafe_code)]
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        // SAFETY: the caller's contract: `env` is the calling thread's live environment.
        unsafe {
            let values = [
                ToNapiValue::to_napi_value(env, val.email)?,
                ToNapiValue::to_napi_value(env, val.invitation)?,
                ToNapiValue::to_napi_value(env, val.error)?,
                ToNapiValue::to_napi_value(env, val.error_message)?,
            ];
            build(env, 9, &["email", "invitation", "error", "errorMessage"], &values)
        }
    }
}

/// An email in the outbox, for the host to deliver, then acknowledge or
/// fail. Its bodies may hold a join link, a secret: keep them out of logs.
#[napi(object, object_to_js = false, object_from_js = false, use_nullable = true)]
pub struct OutgoingEmail {
    /// The email's id, to acknowledge or fail it with.
    pub id: String,
    /// The organization's id.
    pub org_id: String,
    /// `invitation`, `thread_invitation`, `approval_requested`,
    /// `invitation_denied`, `join_requested`, `join_approved` or `join_denied`.
    pub kind: String,
    /// The invitation it was sent for, if any.
    pub invitation_id: Option<String>,
    /// The recipient's address.
    pub to: String,
    /// The subject.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// Delivery attempts so far: the times it was handed out, this one included.
    pub attempts: u32,
    /// `pending`, `sent`, `dead` or `cancelled`.
    pub status: String,
    /// When it may be handed out next: the end of its lease, or of its backoff after a failure.
    pub next_attempt_at: DateTime<Utc>,
    /// Why the last attempt failed, if one did.
    pub last_error: Option<String>,
}

impl From<invitekit::OutgoingEmail> for OutgoingEmail {
    fn from(r: invitekit::OutgoingEmail) -> Self {
        OutgoingEmail {
            id: r.id.to_string(),
            org_id: r.org_id.to_string(),
            kind: r.kind.as_str().to_owned(),
            invitation_id: r.invitation_id.map(|i| i.to_string()),
            to: r.to,
            subject: r.subject,
            text: r.text,
            html: r.html,
            created_at: date(r.created_at),
            attempts: r.attempts,
            status: r.status.as_str().to_owned(),
            next_attempt_at: date(r.next_attempt_at),
            last_error: r.last_error,
        }
    }
}

impl ToNapiValue for OutgoingEmail {
    #[allow(unsafe_code)]
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        // SAFETY: the caller's contract: `env` is the calling thread's live environment.
        unsafe {
            let values = [
                ToNapiValue::to_napi_value(env, val.id)?,
                ToNapiValue::to_napi_value(env, val.org_id)?,
                ToNapiValue::to_napi_value(env, val.kind)?,
                ToNapiValue::to_napi_value(env, val.invitation_id)?,
                ToNapiValue::to_napi_value(env, val.to)?,
                ToNapiValue::to_napi_value(env, val.subject)?,
                ToNapiValue::to_napi_value(env, val.text)?,
                ToNapiValue::to_napi_value(env, val.html)?,
                ToNapiValue::to_napi_value(env, val.created_at)?,
                ToNapiValue::to_napi_value(env, val.attempts)?,
                ToNapiValue::to_napi_value(env, val.status)?,
                ToNapiValue::to_napi_value(env, val.next_attempt_at)?,
                ToNapiValue::to_napi_value(env, val.last_error)?,
            ];
            build(
                env,
                10,
                &[
                    "id",
                    "orgId",
                    "kind",
                    "invitationId",
                    "to",
                    "subject",
                    "text",
                    "html",
                    "createdAt",
                    "attempts",
                    "status",
                    "nextAttemptAt",
                    "lastError",
                ],
                &values,
            )
        }
    }
}

/// A conversation between the company's members and one freelancer.
#[napi(object, object_to_js = false, object_from_js = false, use_nullable = true)]
pub struct Thread {
    /// The thread's id.
    pub id: String,
    /// The organization's id.
    pub org_id: String,
    /// Its title.
    pub title: String,
    /// The freelancer's id in the host application.
    pub freelancer_id: String,
    /// The freelancer's name.
    pub freelancer_name: String,
    /// The id of the member who started it.
    pub created_by: String,
    /// When it was started.
    pub created_at: DateTime<Utc>,
    /// When its last message was posted (or it was started).
    pub last_activity_at: DateTime<Utc>,
}

impl From<invitekit::Thread> for Thread {
    fn from(r: invitekit::Thread) -> Self {
        Thread {
            id: r.id.to_string(),
            org_id: r.org_id.to_string(),
            title: r.title,
            freelancer_id: r.freelancer_id,
            freelancer_name: r.freelancer_name,
            created_by: r.created_by.to_string(),
            created_at: date(r.created_at),
            last_activity_at: date(r.last_activity_at),
        }
    }
}

impl ToNapiValue for Thread {
    #[allow(unsafe_code)]
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        // SAFETY: the caller's contract: `env` is the calling thread's live environment.
        unsafe {
            let values = [
                ToNapiValue::to_napi_value(env, val.id)?,
                ToNapiValue::to_napi_value(env, val.org_id)?,
                ToNapiValue::to_napi_value(env, val.title)?,
                ToNapiValue::to_napi_value(env, val.freelancer_id)?,
                ToNapiValue::to_napi_value(env, val.freelancer_name)?,
                ToNapiValue::to_napi_value(env, val.created_by)?,
                ToNapiValue::to_napi_value(env, val.created_at)?,
                ToNapiValue::to_napi_value(env, val.last_activity_at)?,
            ];
            build(
                env,
                11,
                &["id", "orgId", "title", "freelancerId", "freelancerName", "createdBy", "createdAt", "lastActivityAt"],
                &values,
            )
        }
    }
}

/// A page of `searchThreads`, newest activity first.
#[napi(object, object_to_js = false, object_from_js = false, use_nullable = true)]
pub struct ThreadPage {
    /// The threads of the page.
    pub threads: Vec<Thread>,
    /// The cursor of the next page, if there is one.
    pub next_cursor: Option<String>,
}

impl From<invitekit::ThreadPage> for ThreadPage {
    fn from(r: invitekit::ThreadPage) -> Self {
        ThreadPage { threads: all(r.threads), next_cursor: r.next_cursor }
    }
}

impl ToNapiValue for ThreadPage {
    #[allow(unsafe_code)]
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        // SAFETY: the caller's contract: `env` is the calling thread's live environment.
        unsafe {
            let values =
                [ToNapiValue::to_napi_value(env, val.threads)?, ToNapiValue::to_napi_value(env, val.next_cursor)?];
            build(env, 12, &["threads", "nextCursor"], &values)
        }
    }
}

/// A message in a thread.
#[napi(object, object_to_js = false, object_from_js = false, use_nullable = true)]
pub struct Message {
    /// The message's id.
    pub id: String,
    /// The thread's id.
    pub thread_id: String,
    /// The organization's id.
    pub org_id: String,
    /// The member who wrote it; none when the freelancer did.
    pub author_id: Option<String>,
    /// Its text.
    pub body: String,
    /// When it was posted.
    pub sent_at: DateTime<Utc>,
}

impl From<invitekit::Message> for Message {
    fn from(r: invitekit::Message) -> Self {
        Message {
            id: r.id.to_string(),
            thread_id: r.thread_id.to_string(),
            org_id: r.org_id.to_string(),
            author_id: author_id(&r.author),
            body: r.body,
            sent_at: date(r.sent_at),
        }
    }
}

impl ToNapiValue for Message {
    #[allow(unsafe_code)]
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        // SAFETY: the caller's contract: `env` is the calling thread's live environment.
        unsafe {
            let values = [
                ToNapiValue::to_napi_value(env, val.id)?,
                ToNapiValue::to_napi_value(env, val.thread_id)?,
                ToNapiValue::to_napi_value(env, val.org_id)?,
                ToNapiValue::to_napi_value(env, val.author_id)?,
                ToNapiValue::to_napi_value(env, val.body)?,
                ToNapiValue::to_napi_value(env, val.sent_at)?,
            ];
            build(env, 13, &["id", "threadId", "orgId", "authorId", "body", "sentAt"], &values)
        }
    }
}

/// A participant of a thread, with their permissions there.
#[napi(object, object_to_js = false, object_from_js = false, use_nullable = true)]
pub struct Participant {
    /// The member's id.
    pub member_id: String,
    /// The member's name.
    pub name: String,
    /// The permission names, sorted (`["interview", "read", "write"]`).
    pub permissions: Vec<String>,
}

impl From<invitekit::ParticipantInfo> for Participant {
    fn from(r: invitekit::ParticipantInfo) -> Self {
        Participant { member_id: r.member_id.to_string(), name: r.name, permissions: names(r.permissions) }
    }
}

impl ToNapiValue for Participant {
    #[allow(unsafe_code)]
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        // SAFETY: the caller's contract: `env` is the calling thread's live environment.
        unsafe {
            let values = [
                ToNapiValue::to_napi_value(env, val.member_id)?,
                ToNapiValue::to_napi_value(env, val.name)?,
                ToNapiValue::to_napi_value(env, val.permissions)?,
            ];
            build(env, 14, &["memberId", "name", "permissions"], &values)
        }
    }
}

/// Who is in a thread: the freelancer and the participants (`people`).
#[napi(object, object_to_js = false, object_from_js = false, use_nullable = true)]
pub struct People {
    /// The freelancer's id in the host application.
    pub freelancer_id: String,
    /// The freelancer's name.
    pub freelancer_name: String,
    /// The organization's members in the thread, in the order they were added.
    pub participants: Vec<Participant>,
}

impl From<invitekit::People> for People {
    fn from(r: invitekit::People) -> Self {
        People { freelancer_id: r.freelancer_id, freelancer_name: r.freelancer_name, participants: all(r.participants) }
    }
}

impl ToNapiValue for People {
    #[allow(unsafe_code)]
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        // SAFETY: the caller's contract: `env` is the calling thread's live environment.
        unsafe {
            let values = [
                ToNapiValue::to_napi_value(env, val.freelancer_id)?,
                ToNapiValue::to_napi_value(env, val.freelancer_name)?,
                ToNapiValue::to_napi_value(env, val.participants)?,
            ];
            build(env, 15, &["freelancerId", "freelancerName", "participants"], &values)
        }
    }
}

/// What `inviteToThread` did: `added` an existing member (`participant`),
/// or `invited` an address to the organization (`invitation`).
#[napi(object, object_to_js = false, object_from_js = false, use_nullable = true)]
pub struct ThreadInviteResult {
    /// `added` or `invited`.
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

impl ToNapiValue for ThreadInviteResult {
    #[allow(unsafe_code)]
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        // SAFETY: the caller's contract: `env` is the calling thread's live environment.
        unsafe {
            let values = [
                ToNapiValue::to_napi_value(env, val.kind)?,
                ToNapiValue::to_napi_value(env, val.participant)?,
                ToNapiValue::to_napi_value(env, val.invitation)?,
            ];
            build(env, 16, &["kind", "participant", "invitation"], &values)
        }
    }
}

/// Someone on a verified auto-join domain asking to join an organization
/// whose `domainJoin` mode is `request` (`joinByDomain`); a manager
/// approves or denies it.
#[napi(object, object_to_js = false, object_from_js = false, use_nullable = true)]
pub struct JoinRequest {
    /// The request's id.
    pub id: String,
    /// The organization's id.
    pub org_id: String,
    /// The verified address that asks, normalized.
    pub email: String,
    /// The name the person gave.
    pub name: String,
    /// The role they will get if approved: the policy's default role when they asked.
    pub role: String,
    /// `pending`, `approved` or `denied`.
    pub status: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// The id of the member who approved or denied it, if one did.
    pub decided_by: Option<String>,
    /// When it was approved or denied, if it was.
    pub decided_at: Option<DateTime<Utc>>,
    /// The reason given for a denial, if any.
    pub reason: Option<String>,
}

impl From<invitekit::JoinRequest> for JoinRequest {
    fn from(r: invitekit::JoinRequest) -> Self {
        JoinRequest {
            id: r.id.to_string(),
            org_id: r.org_id.to_string(),
            email: r.email,
            name: r.name,
            role: r.role,
            status: r.status.as_str().to_owned(),
            created_at: date(r.created_at),
            decided_by: r.decided_by.map(|i| i.to_string()),
            decided_at: r.decided_at.map(date),
            reason: r.reason,
        }
    }
}

impl ToNapiValue for JoinRequest {
    #[allow(unsafe_code)]
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        // SAFETY: the caller's contract: `env` is the calling thread's live environment.
        unsafe {
            let values = [
                ToNapiValue::to_napi_value(env, val.id)?,
                ToNapiValue::to_napi_value(env, val.org_id)?,
                ToNapiValue::to_napi_value(env, val.email)?,
                ToNapiValue::to_napi_value(env, val.name)?,
                ToNapiValue::to_napi_value(env, val.role)?,
                ToNapiValue::to_napi_value(env, val.status)?,
                ToNapiValue::to_napi_value(env, val.created_at)?,
                ToNapiValue::to_napi_value(env, val.decided_by)?,
                ToNapiValue::to_napi_value(env, val.decided_at)?,
                ToNapiValue::to_napi_value(env, val.reason)?,
            ];
            build(
                env,
                17,
                &["id", "orgId", "email", "name", "role", "status", "createdAt", "decidedBy", "decidedAt", "reason"],
                &values,
            )
        }
    }
}

/// A domain an organization is proving it owns with a DNS TXT record
/// (`startDomainVerification`, then `verifyDomain`).
#[napi(object, object_to_js = false, object_from_js = false, use_nullable = true)]
pub struct DomainVerification {
    /// The organization's id.
    pub org_id: String,
    /// The domain, in its ASCII form.
    pub domain: String,
    /// The name of the TXT record to publish: `_invitekit-challenge.<domain>`.
    pub record_name: String,
    /// The value of the TXT record: `invitekit-verification=<random>`, this
    /// organization's challenge for this domain.
    pub record_value: String,
    /// When the verification was started.
    pub created_at: DateTime<Utc>,
    /// When the record was found, if it was: the domain is verified from then on.
    pub verified_at: Option<DateTime<Utc>>,
}

impl From<invitekit::DomainVerification> for DomainVerification {
    fn from(r: invitekit::DomainVerification) -> Self {
        DomainVerification {
            org_id: r.org_id.to_string(),
            domain: r.domain,
            record_name: r.record_name,
            record_value: r.record_value,
            created_at: date(r.created_at),
            verified_at: r.verified_at.map(date),
        }
    }
}

impl ToNapiValue for DomainVerification {
    #[allow(unsafe_code)]
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        // SAFETY: the caller's contract: `env` is the calling thread's live environment.
        unsafe {
            let values = [
                ToNapiValue::to_napi_value(env, val.org_id)?,
                ToNapiValue::to_napi_value(env, val.domain)?,
                ToNapiValue::to_napi_value(env, val.record_name)?,
                ToNapiValue::to_napi_value(env, val.record_value)?,
                ToNapiValue::to_napi_value(env, val.created_at)?,
                ToNapiValue::to_napi_value(env, val.verified_at)?,
            ];
            build(env, 18, &["orgId", "domain", "recordName", "recordValue", "createdAt", "verifiedAt"], &values)
        }
    }
}

/// What `joinByDomain` did: `joined` (`member`, the `automatic` mode) or
/// `requested` (`request`, the `request` mode).
#[napi(object, object_to_js = false, object_from_js = false, use_nullable = true)]
pub struct JoinResult {
    /// `joined` or `requested`.
    pub kind: String,
    /// The new member, when joined.
    pub member: Option<Member>,
    /// The request to join, when requested.
    pub request: Option<JoinRequest>,
}

impl From<invitekit::JoinResult> for JoinResult {
    fn from(r: invitekit::JoinResult) -> Self {
        JoinResult {
            kind: r.kind.as_str().to_owned(),
            member: r.member.map(Into::into),
            request: r.request.map(Into::into),
        }
    }
}

impl ToNapiValue for JoinResult {
    #[allow(unsafe_code)]
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        // SAFETY: the caller's contract: `env` is the calling thread's live environment.
        unsafe {
            let values = [
                ToNapiValue::to_napi_value(env, val.kind)?,
                ToNapiValue::to_napi_value(env, val.member)?,
                ToNapiValue::to_napi_value(env, val.request)?,
            ];
            build(env, 19, &["kind", "member", "request"], &values)
        }
    }
}

/// An entry of the organization's audit log (`events`).
#[napi(object, object_to_js = false, object_from_js = false, use_nullable = true)]
pub struct Event {
    /// Its position in the organization's log: 1, 2, 3, ... with no gaps.
    pub seq: i64,
    /// The organization's id.
    pub org_id: String,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who did it; none for the host, an invitee or a rule.
    pub actor_id: Option<String>,
    /// What happened (`invitation_sent`, `participant_added`, ...).
    pub kind: String,
    /// The ids and values involved, as the core records them (snake_case keys).
    pub details: serde_json::Value,
}

impl From<invitekit::Event> for Event {
    fn from(r: invitekit::Event) -> Self {
        Event {
            seq: i64::try_from(r.seq).unwrap_or(i64::MAX),
            org_id: r.org_id.to_string(),
            at: date(r.at),
            actor_id: r.actor_id.map(|i| i.to_string()),
            kind: r.kind.as_str().to_owned(),
            details: r.details,
        }
    }
}

impl ToNapiValue for Event {
    #[allow(unsafe_code)]
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        // SAFETY: the caller's contract: `env` is the calling thread's live environment.
        unsafe {
            let values = [
                ToNapiValue::to_napi_value(env, val.seq)?,
                ToNapiValue::to_napi_value(env, val.org_id)?,
                ToNapiValue::to_napi_value(env, val.at)?,
                ToNapiValue::to_napi_value(env, val.actor_id)?,
                ToNapiValue::to_napi_value(env, val.kind)?,
                ToNapiValue::to_napi_value(env, val.details)?,
            ];
            build(env, 20, &["seq", "orgId", "at", "actorId", "kind", "details"], &values)
        }
    }
}
