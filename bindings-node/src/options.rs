//! The options objects: Python's optional keyword arguments, as one object
//! passed last (`draftInvitation(actor, email, { message, team, role })`).
//! Every field is optional; a field of the wrong type rejects the call with a
//! `TypeError` naming it (see [`args`](crate::args)).

use napi_derive::napi;

use crate::args::{Instance, JsBoolean, JsNumber, JsString, Json, PolicyArg, StringList, fields};
use crate::clock::ManualClock;

/// Options of `InviteKit.inMemory` and `InviteKit.open`.
#[napi(object, object_to_js = false)]
pub struct KitOptions {
    /// The policy: a `Policy`, its JSON text, or the parsed object (default: docs/rules.md#default-policy).
    #[napi(ts_type = "Policy | string | Record<string, unknown>")]
    pub policy: Option<PolicyArg>,
    /// The clock to read the time from (default: the system clock).
    #[napi(ts_type = "ManualClock")]
    pub clock: Option<Instance<ManualClock>>,
    /// Run every call on the libuv thread pool, as PostgreSQL calls always
    /// run (default `false`: in memory and on SQLite a call runs on the
    /// calling thread and returns a settled promise). For a SQLite file that
    /// other processes write too, where a write may wait on their lock.
    pub thread_pool: Option<JsBoolean>,
}

/// Options of `createOrganization`.
#[napi(object, object_to_js = false)]
pub struct CreateOrganizationOptions {
    /// The email domains invitations may go to (default: any).
    #[napi(ts_type = "Array<string>")]
    pub allowed_domains: Option<StringList>,
}

/// Options of `draftInvitation` and `inviteMany`.
#[napi(object, object_to_js = false)]
pub struct InviteOptions {
    /// A personal message for the email (default: none).
    pub message: Option<JsString>,
    /// The id of the one team the invitee joins: the shorthand for `teams`
    /// (default: none; giving both is `INVALID_INPUT`).
    pub team: Option<JsString>,
    /// The role the invitee gets (default: the policy's default role, `member`).
    pub role: Option<JsString>,
    /// The ids of the teams the invitee joins, at most 20, no repeats (default: none).
    #[napi(ts_type = "Array<string>")]
    pub teams: Option<StringList>,
    /// Data shown to the invitee (`peekInvitation`, email templates): an
    /// object of at most 4 KiB as JSON, its keys kept as written (default: none).
    #[napi(ts_type = "Record<string, unknown>")]
    pub metadata: Option<Json>,
    /// Data never shown to the invitee: an object of at most 4 KiB as JSON (default: none).
    #[napi(ts_type = "Record<string, unknown>")]
    pub private_metadata: Option<Json>,
    /// Where to send the invitee after accepting: a URL on one of the
    /// organization's `redirectOrigins` (default: none).
    pub redirect_url: Option<JsString>,
}

/// Options of `sendInvitation`.
#[napi(object, object_to_js = false)]
pub struct SendOptions {
    /// Queue the email in the outbox (default `true`). With `false` the
    /// invitation is stored and the user shares `draft.link` themselves.
    pub deliver: Option<JsBoolean>,
}

/// Options of `listInvitations`.
#[napi(object, object_to_js = false)]
pub struct ListInvitationsOptions {
    /// Only invitations with this status: `pending`, `accepted`, `revoked`, `declined`, `expired`,
    /// `awaiting_approval` or `denied` (default: all).
    pub status: Option<JsString>,
}

/// Options of `denyInvitation` and `denyJoinRequest`.
#[napi(object, object_to_js = false)]
pub struct DenyOptions {
    /// Why, for the email that tells the inviter or the requester: at most
    /// 1,000 characters (default: none).
    pub reason: Option<JsString>,
}

/// Options of `listJoinRequests`.
#[napi(object, object_to_js = false)]
pub struct ListJoinRequestsOptions {
    /// Only requests with this status: `pending`, `approved` or `denied` (default: all).
    pub status: Option<JsString>,
}

/// Options of `searchThreads`.
#[napi(object, object_to_js = false)]
pub struct SearchOptions {
    /// The most threads in the page, 1..=100 (default 20).
    pub limit: Option<JsNumber>,
    /// Where the page starts: a previous page's `nextCursor` (default, or `null`: the first page).
    #[napi(ts_type = "string | null")]
    pub cursor: Option<JsString>,
}

/// Options of `findCoworkers` and `outboxPending`.
#[napi(object, object_to_js = false)]
pub struct LimitOptions {
    /// The most items returned (default: 10 for `findCoworkers`, 100 for `outboxPending`).
    pub limit: Option<JsNumber>,
}

/// Options of `events`.
#[napi(object, object_to_js = false)]
pub struct EventsOptions {
    /// Only events after this `seq` (default: from the start).
    pub after_seq: Option<JsNumber>,
    /// The most events returned, 1..=1000 (default 100).
    pub limit: Option<JsNumber>,
}

/// The permissions to give in a thread: exactly one of `preset` and `permissions`.
#[napi(object, object_to_js = false)]
pub struct GrantOptions {
    /// A preset the actor may grant (see `permissionOptions`).
    pub preset: Option<JsString>,
    /// Permission names (`read`, `write`, `interview`, `hire`, `manage_people`).
    #[napi(ts_type = "Array<string>")]
    pub permissions: Option<StringList>,
}

/// Options of `inviteToThread`: exactly one of `preset` and `permissions`, and a message.
#[napi(object, object_to_js = false)]
pub struct ThreadInviteOptions {
    /// A preset the actor may grant (see `permissionOptions`).
    pub preset: Option<JsString>,
    /// Permission names (`read`, `write`, `interview`, `hire`, `manage_people`).
    #[napi(ts_type = "Array<string>")]
    pub permissions: Option<StringList>,
    /// A personal message for the invitation email, when one is sent.
    pub message: Option<JsString>,
    /// Data shown to the invitee, when an invitation is sent (as `draftInvitation`'s).
    #[napi(ts_type = "Record<string, unknown>")]
    pub metadata: Option<Json>,
    /// Data never shown to the invitee (as `draftInvitation`'s).
    #[napi(ts_type = "Record<string, unknown>")]
    pub private_metadata: Option<Json>,
    /// Where to send the invitee after accepting (as `draftInvitation`'s).
    pub redirect_url: Option<JsString>,
}

/// The settings `setOrganizationSettings` changes; a field left out keeps its
/// value. camelCase names are the core's snake_case ones (`resendCooldownSecs`
/// is `resend_cooldown_secs`); an unknown name or a value of the wrong type is
/// `INVALID_INPUT`.
#[napi(object, object_to_js = false)]
pub struct OrganizationSettingsUpdate {
    /// Seconds an invitation stays valid (3600 ..= 2592000).
    pub invitation_expiry_secs: Option<i64>,
    /// Seconds between two sends of one invitation (0 ..= 86400).
    pub resend_cooldown_secs: Option<i64>,
    /// Invitations one member may send in 24 hours.
    pub max_invitations_per_inviter_per_day: Option<u32>,
    /// Invitations the organization may send in 24 hours.
    pub max_invitations_per_org_per_day: Option<u32>,
    /// Emails one address may receive in 24 hours.
    pub max_emails_per_address_per_day: Option<u32>,
    /// Pending invitations the organization may have at once.
    pub max_pending_invitations: Option<u32>,
    /// The longest personal message, in characters.
    pub max_message_chars: Option<u32>,
    /// Whether subdomains of the allowed domains are allowed too.
    pub allow_subdomains: Option<bool>,
    /// Domains whose people may `joinByDomain`, each once verified (`verifyDomain`); never a free mail domain.
    pub auto_join_domains: Option<Vec<String>>,
    /// How joining by domain works: `off` (the default), `automatic` or `request`.
    pub domain_join: Option<String>,
    /// The email domains invitations may go to.
    pub allowed_domains: Option<Vec<String>>,
    /// Origins (`scheme://host[:port]`) an invitation's `redirectUrl` may point to, at most 20.
    pub redirect_origins: Option<Vec<String>>,
}

fields! {
    KitOptions { policy, clock, thread_pool }
    CreateOrganizationOptions { allowed_domains }
    InviteOptions { message, team, role, teams, metadata, private_metadata, redirect_url }
    SendOptions { deliver }
    ListInvitationsOptions { status }
    DenyOptions { reason }
    ListJoinRequestsOptions { status }
    SearchOptions { limit, cursor }
    LimitOptions { limit }
    EventsOptions { after_seq, limit }
    GrantOptions { preset, permissions }
    ThreadInviteOptions { preset, permissions, message, metadata, private_metadata, redirect_url }
}
