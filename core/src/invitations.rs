//! Inviting a coworker to the company ([rules](crate::rules#invitations)):
//! drafts, the join link, the preview, sending, accepting, and everything
//! around them.
//!
//! Every check runs twice: when the draft is made, so the user hears about a
//! problem before previewing, and again inside the transaction that stores
//! it, because the state may have changed in between. The token exists only
//! in the draft, the email and a resend's result; the store keeps its SHA-256.

use std::fmt;

use serde_json::{Value, json};

use crate::InviteKit;
use crate::clock::Timestamp;
use crate::email::EmailAddress;
use crate::error::{Error, Result};
use crate::events::{EventKind, record};
use crate::extras::{self, JsonObject};
use crate::ids::{InvitationId, MemberId, OrgId, TeamId, ThreadId};
use crate::input;
pub use crate::model::{Invitation, InvitationStatus, ThreadGrant};
use crate::org::{Member, Organization};
use crate::outbox::{cancel_for, enqueue};
use crate::store::{ReadTx, SendKey, Store, WriteTx};
use crate::templates::{Email, EmailContext, EmailKind, render};
use crate::token::{Token, join_link};

/// The most addresses one [`invite_many`](InviteKit::invite_many) call takes.
pub const MAX_BATCH: usize = 100;
/// The most teams one invitation names.
pub const MAX_TEAMS: usize = 20;
const DAY_SECS: i64 = 24 * 3600;

/// The optional parts of an invitation.
///
/// # Examples
/// ```
/// let opts = invitekit::InviteOptions::new()
///     .message("Welcome!")
///     .role("member")
///     .metadata(serde_json::json!({"plan": "pro"}))
///     .redirect_url("https://app.acme.com/welcome");
/// assert_eq!(opts.message.as_deref(), Some("Welcome!"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InviteOptions {
    /// A personal message (default none; at most the organization's `max_message_chars`).
    pub message: Option<String>,
    /// The one team to join: the shorthand for `teams` with one team. Giving
    /// both is `invalid_input`.
    pub team: Option<TeamId>,
    /// The teams to join (default none; at most [`MAX_TEAMS`], no repeats;
    /// R1 for each: only a role that may assign teams).
    pub teams: Vec<TeamId>,
    /// The role to give (default: the policy's default role; R2).
    pub role: Option<String>,
    /// Data shown to the invitee (`peek`, email templates): a JSON object of
    /// at most [`MAX_METADATA_BYTES`](crate::MAX_METADATA_BYTES). Default none.
    pub metadata: Option<Value>,
    /// Data never shown to the invitee, returned to the inviter and to
    /// members who manage the organization: a JSON object of at most
    /// [`MAX_METADATA_BYTES`](crate::MAX_METADATA_BYTES). Default none.
    pub private_metadata: Option<Value>,
    /// Where the host sends the invitee after accepting; it must be on one of
    /// the organization's `redirect_origins` (scheme, host and port exactly).
    pub redirect_url: Option<String>,
}

impl InviteOptions {
    /// No message, no team, the default role, no metadata, no redirect.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the personal message.
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }
    /// Sets the one team (the shorthand for [`teams`](Self::teams)).
    pub fn team(mut self, team: TeamId) -> Self {
        self.team = Some(team);
        self
    }
    /// Sets the teams.
    pub fn teams(mut self, teams: impl IntoIterator<Item = TeamId>) -> Self {
        self.teams = teams.into_iter().collect();
        self
    }
    /// Sets the role.
    pub fn role(mut self, role: impl Into<String>) -> Self {
        self.role = Some(role.into());
        self
    }
    /// Sets the metadata shown to the invitee.
    pub fn metadata(mut self, metadata: Value) -> Self {
        self.metadata = Some(metadata);
        self
    }
    /// Sets the metadata never shown to the invitee.
    pub fn private_metadata(mut self, metadata: Value) -> Self {
        self.private_metadata = Some(metadata);
        self
    }
    /// Sets the redirect URL.
    pub fn redirect_url(mut self, url: impl Into<String>) -> Self {
        self.redirect_url = Some(url.into());
        self
    }

    /// The teams asked for, `team` or `teams`: at most [`MAX_TEAMS`], no repeats.
    fn team_list(&self) -> Result<Vec<TeamId>> {
        let teams = match (self.team, self.teams.is_empty()) {
            (Some(_), false) => return Err(Error::invalid("give `team` or `teams`, not both")),
            (Some(t), true) => vec![t],
            (None, _) => self.teams.clone(),
        };
        if teams.len() > MAX_TEAMS {
            return Err(Error::invalid(format!("an invitation names at most {MAX_TEAMS} teams")));
        }
        for (i, t) in teams.iter().enumerate() {
            if teams[..i].contains(t) {
                return Err(Error::invalid(format!("the team `{t}` is listed twice")));
            }
        }
        Ok(teams)
    }

    /// The options that carry `inv` as it is stored (a send of its draft, a
    /// resend), for its checks to run again.
    fn of(inv: &Invitation) -> InviteOptions {
        InviteOptions {
            message: inv.message.clone(),
            team: None,
            teams: inv.team_ids.clone(),
            role: Some(inv.role.clone()),
            metadata: Some(Value::Object(inv.metadata.clone())),
            private_metadata: Some(Value::Object(inv.private_metadata.clone())),
            redirect_url: inv.redirect_url.clone(),
        }
    }
}

/// An invitation checked and ready to send, with its join link and its email.
/// Nothing is stored until [`send_invitation`](InviteKit::send_invitation).
/// `Debug` never shows the link.
#[derive(Clone)]
pub struct Draft {
    pub(crate) id: InvitationId,
    pub(crate) org_id: OrgId,
    pub(crate) inviter_id: MemberId,
    pub(crate) email: EmailAddress,
    pub(crate) message: Option<String>,
    pub(crate) team_ids: Vec<TeamId>,
    pub(crate) role: String,
    pub(crate) metadata: JsonObject,
    pub(crate) private_metadata: JsonObject,
    pub(crate) redirect_url: Option<String>,
    pub(crate) token: Token,
    pub(crate) link: String,
    pub(crate) expires_at: Timestamp,
    pub(crate) kind: EmailKind,
    pub(crate) content: Email,
    pub(crate) thread_grants: Vec<ThreadGrant>,
    pub(crate) needs_approval: bool,
}

impl Draft {
    /// The invited address, normalized.
    pub fn email(&self) -> &str {
        self.email.as_str()
    }
    /// The join link `{portal_url}/join/{token}`: what the user copies. It is a secret.
    pub fn link(&self) -> &str {
        &self.link
    }
    /// When the invitation will expire.
    pub fn expires_at(&self) -> Timestamp {
        self.expires_at
    }
    /// The id the invitation will have once sent.
    pub fn invitation_id(&self) -> InvitationId {
        self.id
    }
    /// The role the invitee will get.
    pub fn role(&self) -> &str {
        &self.role
    }
    /// The teams the invitee will join.
    pub fn team_ids(&self) -> &[TeamId] {
        &self.team_ids
    }
    /// The metadata shown to the invitee (empty when none).
    pub fn metadata(&self) -> &JsonObject {
        &self.metadata
    }
    /// The metadata never shown to the invitee (empty when none).
    pub fn private_metadata(&self) -> &JsonObject {
        &self.private_metadata
    }
    /// Where the invitee goes after accepting.
    pub fn redirect_url(&self) -> Option<&str> {
        self.redirect_url.as_deref()
    }
    /// The personal message, as it will appear.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
    /// The thread permissions the invitation carries.
    pub fn thread_grants(&self) -> &[ThreadGrant] {
        &self.thread_grants
    }
    /// Whether the invitation will await a manager's approval once sent: the
    /// inviter's role needs approval for its invitations
    /// ([approvals](crate::rules#approvals)). Its email then goes out when it
    /// is approved, with a link of its own; the draft's link works only for
    /// an invitation sent without an email, once approved.
    pub fn needs_approval(&self) -> bool {
        self.needs_approval
    }
    /// The exact email [`send_invitation`](InviteKit::send_invitation) will
    /// queue (when the invitation needs approval: the email its approval will
    /// queue, with a link and an expiry of its own).
    pub fn preview(&self) -> Email {
        self.content.clone()
    }
}

impl fmt::Debug for Draft {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Draft")
            .field("invitation_id", &self.id)
            .field("email", &self.email.as_str())
            .field("role", &self.role)
            .field("team_ids", &self.team_ids)
            .field("expires_at", &self.expires_at)
            .field("needs_approval", &self.needs_approval)
            .field("link", &"<secret>")
            .finish()
    }
}

/// What [`accept_invitation`](InviteKit::accept_invitation) did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acceptance {
    /// The new (or reactivated) member.
    pub member: Member,
    /// The invitation, now accepted, without its private metadata.
    pub invitation: Invitation,
    /// Threads whose grant no longer passed R4 and was dropped (R8).
    pub dropped_grants: Vec<ThreadId>,
    /// Where to send the new member: the invitation's `redirect_url`, if it
    /// is still on one of the organization's `redirect_origins`.
    pub redirect_url: Option<String>,
}

/// What [`resend_invitation`](InviteKit::resend_invitation) did: the old link stopped working.
#[derive(Clone, PartialEq, Eq)]
pub struct Resent {
    /// The invitation with its new expiry.
    pub invitation: Invitation,
    /// The new join link (a secret).
    pub link: String,
}

impl fmt::Debug for Resent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resent").field("invitation", &self.invitation).field("link", &"<secret>").finish()
    }
}

/// What a landing page shows for a token, from [`peek_invitation`](InviteKit::peek_invitation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationPreview {
    /// The company.
    pub organization_name: String,
    /// Who invited.
    pub inviter_name: String,
    /// The teams' names, in the invitation's order (empty when none).
    pub team_names: Vec<String>,
    /// The invited address.
    pub email: String,
    /// When the link stops working.
    pub expires_at: Timestamp,
    /// The invitation's metadata shown to the invitee (never the private one).
    pub metadata: JsonObject,
    /// Where the invitee goes after accepting, if it is still on one of the
    /// organization's `redirect_origins`.
    pub redirect_url: Option<String>,
}

/// The outcome for one address of [`invite_many`](InviteKit::invite_many).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteResult {
    /// The address as given.
    pub email: String,
    /// The invitation, when it was sent.
    pub invitation: Option<Invitation>,
    /// Why it was not, otherwise.
    pub error: Option<Error>,
}

/// Everything an invitation's checks produced, shared by draft and send.
struct Checked {
    org: Organization,
    inviter: Member,
    message: Option<String>,
    team_ids: Vec<TeamId>,
    team_names: Vec<String>,
    role: String,
    metadata: JsonObject,
    private_metadata: JsonObject,
    redirect_url: Option<String>,
    /// The inviter's role needs approval for its invitations (and this is
    /// not the approval itself).
    needs_approval: bool,
}

/// What an invitation's checks are for: a first send, a resend (R13), or the
/// approval of one that awaited it, which is checked as a send again but
/// was already counted against the daily limits.
#[derive(Clone, Copy)]
enum Sending<'a> {
    New,
    Resend(&'a Invitation),
    Approval(&'a Invitation),
}

impl<'a> Sending<'a> {
    /// The invitation this send renews, which is not its own rival.
    fn renews(self) -> Option<&'a Invitation> {
        match self {
            Sending::New => None,
            Sending::Resend(inv) | Sending::Approval(inv) => Some(inv),
        }
    }
}

/// When a limit of `max` per 24 hours on the sends counted by `key` frees up;
/// `None` when below the limit.
fn frees_at(tx: &dyn ReadTx, org: OrgId, key: &SendKey, since: Timestamp, max: u32) -> Result<Option<Timestamp>> {
    // At the limit when the `max`-th latest send is in the window; the
    // limit frees up 24 hours after it.
    Ok(tx.nth_latest_send(org, key, since, max as usize)?.map(|t| t.plus_secs(DAY_SECS)))
}

/// Counts a send at `now` under `keys`. The limits look back 24 hours; the
/// store may forget what lies more than two days back (a margin for clocks
/// set back a little).
fn record_send(tx: &mut dyn WriteTx, org: OrgId, keys: &[SendKey], now: Timestamp) -> Result<()> {
    tx.record_send(org, keys, now, now.plus_secs(-2 * DAY_SECS))
}

/// What a send (a first one or a resend, R13) counts against: the
/// organization's and the inviter's daily limits, and the address's when an
/// email is queued.
fn send_keys(inviter: MemberId, email: &EmailAddress, emailed: bool) -> Vec<SendKey> {
    let mut keys = vec![SendKey::Org, SendKey::Inviter(inviter)];
    if emailed {
        keys.push(SendKey::Address(email.key().to_owned()));
    }
    keys
}

/// The longest reason a manager may give for a denial, in characters.
pub const MAX_REASON_CHARS: usize = 1000;

/// A denial's reason: free text of at most [`MAX_REASON_CHARS`]; blank is none.
pub(crate) fn decision_reason(reason: Option<&str>) -> Result<Option<String>> {
    match reason {
        Some(r) => {
            let r = input::text("reason", r, 0, MAX_REASON_CHARS)?;
            Ok((!r.trim().is_empty()).then_some(r))
        }
        None => Ok(None),
    }
}

/// `url` if it is still on one of `org`'s `redirect_origins`: an origin
/// removed after the invitation was sent no longer receives its invitees.
fn still_allowed(url: Option<String>, org: &Organization) -> Option<String> {
    url.filter(|u| extras::redirect_url(u, &org.settings.redirect_origins).is_ok())
}

impl<S: Store> InviteKit<S> {
    /// Checks rules R1, R2, R11, the input rules, the allowed domains,
    /// membership, pending invitations and the rate limits, and fails with the
    /// first that does not hold. A resend (R13) or an approval passes the
    /// invitation it renews in `sending`: it is not its own rival, and it
    /// already counts among the pending invitations while it is live. An
    /// invitation that will await approval emails nobody and makes nothing
    /// pending yet, so the address's and the pending limits wait for its approval.
    #[allow(clippy::too_many_arguments)]
    fn check_invitation(
        &self,
        tx: &dyn ReadTx,
        actor: MemberId,
        email: &EmailAddress,
        opts: &InviteOptions,
        emailed: bool,
        sending: Sending<'_>,
        now: Timestamp,
    ) -> Result<Checked> {
        let inviter = self.active_member(tx, actor)?;
        let inviter_role = self.role_of(&inviter)?;
        if !inviter_role.may_invite() {
            return Err(Error::denied(format!("the role `{}` may not invite coworkers", inviter.role)));
        }
        // Only a first send waits for approval: a resend renews an invitation
        // that is already pending (approved, or sent when no approval was needed).
        let needs_approval = inviter_role.invites_need_approval() && matches!(sending, Sending::New);
        let emailed = emailed && !needs_approval;
        let org = tx.org(inviter.org_id)?.ok_or(Error::NotFound("organization"))?;
        let message = match &opts.message {
            Some(m) => {
                let m = input::text("message", m, 0, org.settings.max_message_chars as usize)?;
                (!m.is_empty()).then_some(m)
            }
            None => None,
        };
        let role = match &opts.role {
            Some(r) => self.policy.require_role(r)?,
            None => self.policy.require_role(self.policy.default_role())?,
        };
        if !inviter_role.may_give_role(role.name()) {
            return Err(Error::denied(format!("the role `{}` may not invite as `{}`", inviter.role, role.name())));
        }
        let team_ids = opts.team_list()?;
        if !team_ids.is_empty() && !inviter_role.may_assign_team() {
            return Err(Error::denied(format!("the role `{}` may not assign a team", inviter.role)));
        }
        let mut team_names = Vec::with_capacity(team_ids.len());
        for &team_id in &team_ids {
            let team = tx.team(team_id)?.filter(|t| t.org_id == org.id).ok_or(Error::NotFound("team"))?;
            team_names.push(team.name);
        }
        let object =
            |field: &str, v: &Option<Value>| v.as_ref().map_or(Ok(JsonObject::new()), |v| extras::metadata(field, v));
        let metadata = object("metadata", &opts.metadata)?;
        let private_metadata = object("private_metadata", &opts.private_metadata)?;
        let redirect_url = match &opts.redirect_url {
            Some(u) => Some(extras::redirect_url(u, &org.settings.redirect_origins)?),
            None => None,
        };
        if !org.allows(email) {
            return Err(Error::DomainNotAllowed { domain: email.domain().to_owned() });
        }
        if let Some(m) = tx.member_by_email(org.id, email.key())? {
            if m.is_active() {
                return Err(Error::AlreadyMember { email: m.email });
            }
            self.check_rehire(&inviter, &m)?;
        }
        let renewing = sending.renews().map(|r| r.id);
        if let Some(existing) =
            tx.invitations_to(org.id, email.key())?.into_iter().find(|i| Some(i.id) != renewing && i.is_open(now))
        {
            return Err(Error::AlreadyInvited { email: existing.email, invitation_id: existing.id });
        }
        let new_pending = !needs_approval && !sending.renews().is_some_and(|r| r.is_live(now));
        let counted = matches!(sending, Sending::Approval(_));
        self.check_rate_limits(tx, &org, (!counted).then_some(inviter.id), new_pending, email, emailed, now)?;
        Ok(Checked {
            org,
            inviter,
            message,
            team_ids,
            team_names,
            role: role.name().to_owned(),
            metadata,
            private_metadata,
            redirect_url,
            needs_approval,
        })
    }

    /// The [limits](crate::rules#limits): per inviter and per organization per day (sends,
    /// when `inviter` is given: an approval was counted when it was asked
    /// for), emails per address per day (when `emailed`), pending invitations
    /// at once (when the send makes one more pending).
    #[allow(clippy::too_many_arguments)]
    fn check_rate_limits(
        &self,
        tx: &dyn ReadTx,
        org: &Organization,
        inviter: Option<MemberId>,
        new_pending: bool,
        email: &EmailAddress,
        emailed: bool,
        now: Timestamp,
    ) -> Result<()> {
        // The window is (now - 24 h, now]: a send stops counting exactly 24 h
        // later, which is the `retry_at` that `frees_at` reports.
        let since = Timestamp::from_millis(now.plus_secs(-DAY_SECS).as_millis().saturating_add(1));
        let s = &org.settings;
        if new_pending {
            let (count, earliest) = tx.live_pending(org.id, now)?;
            if count >= u64::from(s.max_pending_invitations) {
                return Err(Error::RateLimited {
                    reason: format!("the organization has {count} pending invitations, the most it may have"),
                    retry_at: earliest.unwrap_or(now),
                });
            }
        }
        if let Some(inviter) = inviter {
            if let Some(at) =
                frees_at(tx, org.id, &SendKey::Inviter(inviter), since, s.max_invitations_per_inviter_per_day)?
            {
                return Err(Error::RateLimited {
                    reason: format!(
                        "at most {} invitations per member in 24 hours",
                        s.max_invitations_per_inviter_per_day
                    ),
                    retry_at: at,
                });
            }
            if let Some(at) = frees_at(tx, org.id, &SendKey::Org, since, s.max_invitations_per_org_per_day)? {
                return Err(Error::RateLimited {
                    reason: format!(
                        "at most {} invitations per organization in 24 hours",
                        s.max_invitations_per_org_per_day
                    ),
                    retry_at: at,
                });
            }
        }
        if emailed {
            let key = SendKey::Address(email.key().to_owned());
            if let Some(at) = frees_at(tx, org.id, &key, since, s.max_emails_per_address_per_day)? {
                return Err(Error::RateLimited {
                    reason: format!("at most {} emails to one address in 24 hours", s.max_emails_per_address_per_day),
                    retry_at: at,
                });
            }
        }
        Ok(())
    }

    /// Renders an invitation email with the organization's template, if it registered one.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn render_invitation(
        &self,
        tx: &dyn ReadTx,
        kind: EmailKind,
        org: &Organization,
        inviter: &Member,
        to: &str,
        team_names: Vec<String>,
        message: Option<String>,
        metadata: &JsonObject,
        link: &str,
        expires_at: Timestamp,
        thread: Option<(String, String)>,
    ) -> Result<Email> {
        let custom = tx.template(org.id, kind)?;
        let (thread_title, freelancer_name) = match thread {
            Some((t, f)) => (Some(t), Some(f)),
            None => (None, None),
        };
        let ctx = EmailContext {
            to: to.to_owned(),
            inviter_name: inviter.name.clone(),
            organization_name: org.name.clone(),
            team_names,
            message,
            metadata: metadata.clone(),
            link: link.to_owned(),
            expires_at: expires_at.human(),
            thread_title,
            freelancer_name,
            ..EmailContext::default()
        };
        render(kind, custom.as_ref(), &ctx)
    }

    /// Steps 1–3 of inviting a coworker ([lifecycle](crate::rules#lifecycle)):
    /// checks everything and returns a draft with the join link and the
    /// email, storing nothing.
    ///
    /// # Examples
    /// ```
    /// # use invitekit::*;
    /// let kit = InviteKit::in_memory();
    /// let org = kit.create_organization("Acme Corp", "acme", "https://acme.example.com/portal", &["acme.com"])?;
    /// let alice = kit.add_member(org.id, "alice@acme.com", "Alice Smith", "full")?;
    /// let draft = kit.draft_invitation(alice.id, "bob@acme.com", InviteOptions::new().message("Welcome!"))?;
    /// assert!(draft.link().starts_with("https://acme.example.com/portal/join/ikinv_"));
    /// assert!(draft.preview().text.contains("Welcome!"));
    /// # Ok::<(), invitekit::Error>(())
    /// ```
    pub fn draft_invitation(&self, actor: MemberId, email: &str, opts: InviteOptions) -> Result<Draft> {
        let email = EmailAddress::parse(email)?;
        let now = self.now();
        self.store.read(|tx| self.draft_in(tx, actor, &email, &opts, EmailKind::Invitation, Vec::new(), None, now))
    }

    /// Checks an invitation and builds its draft, inside the caller's transaction.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn draft_in(
        &self,
        tx: &dyn ReadTx,
        actor: MemberId,
        email: &EmailAddress,
        opts: &InviteOptions,
        kind: EmailKind,
        thread_grants: Vec<ThreadGrant>,
        thread: Option<(String, String)>,
        now: Timestamp,
    ) -> Result<Draft> {
        let c = self.check_invitation(tx, actor, email, opts, false, Sending::New, now)?;
        for g in &thread_grants {
            self.check_thread_grant(tx, &c.inviter, &c.role, g)?;
        }
        let email = email.clone();
        let token = Token::generate()?;
        let link = join_link(&c.org.portal_url, &token)?;
        let expires_at = now.plus_secs(c.org.settings.invitation_expiry_secs);
        let content = self.render_invitation(
            tx,
            kind,
            &c.org,
            &c.inviter,
            email.as_str(),
            c.team_names,
            c.message.clone(),
            &c.metadata,
            &link,
            expires_at,
            thread,
        )?;
        Ok(Draft {
            id: InvitationId::new(),
            org_id: c.org.id,
            inviter_id: c.inviter.id,
            email,
            message: c.message,
            team_ids: c.team_ids,
            role: c.role,
            metadata: c.metadata,
            private_metadata: c.private_metadata,
            redirect_url: c.redirect_url,
            token,
            link,
            expires_at,
            kind,
            content,
            thread_grants,
            needs_approval: c.needs_approval,
        })
    }

    /// Step 5: stores the invitation (its token's hash only), queues the
    /// previewed email unless `deliver` is false (the user shares the link
    /// themselves), and logs `invitation_sent`, in one transaction. Every
    /// check runs again. Sending the same draft twice is `conflict`.
    pub fn send_invitation(&self, draft: &Draft, deliver: bool) -> Result<Invitation> {
        let now = self.now();
        self.store.write(|tx| self.send_in(tx, draft, deliver, now))
    }

    pub(crate) fn send_in(
        &self,
        tx: &mut dyn WriteTx,
        draft: &Draft,
        deliver: bool,
        now: Timestamp,
    ) -> Result<Invitation> {
        if tx.invitation(draft.id)?.is_some() {
            return Err(Error::Conflict("this draft was already sent".into()));
        }
        if draft.expires_at <= now {
            return Err(Error::InvitationExpired);
        }
        let opts = InviteOptions {
            message: draft.message.clone(),
            team: None,
            teams: draft.team_ids.clone(),
            role: Some(draft.role.clone()),
            metadata: Some(Value::Object(draft.metadata.clone())),
            private_metadata: Some(Value::Object(draft.private_metadata.clone())),
            redirect_url: draft.redirect_url.clone(),
        };
        let c = self.check_invitation(&*tx, draft.inviter_id, &draft.email, &opts, deliver, Sending::New, now)?;
        if c.org.id != draft.org_id {
            return Err(Error::Conflict("the inviter changed organization".into()));
        }
        for g in &draft.thread_grants {
            self.check_thread_grant(&*tx, &c.inviter, &c.role, g)?;
        }
        let needs_approval = c.needs_approval;
        let inv = Invitation {
            id: draft.id,
            org_id: draft.org_id,
            inviter_id: draft.inviter_id,
            email: draft.email.as_str().to_owned(),
            message: draft.message.clone(),
            team_ids: c.team_ids,
            role: draft.role.clone(),
            status: if needs_approval { InvitationStatus::AwaitingApproval } else { InvitationStatus::Pending },
            created_at: now,
            expires_at: draft.expires_at,
            sent_count: 1,
            last_sent_at: now,
            thread_grants: draft.thread_grants.clone(),
            delivered: deliver,
            metadata: c.metadata,
            private_metadata: c.private_metadata,
            redirect_url: c.redirect_url,
        };
        tx.insert_invitation(&inv, &draft.token.hash())?;
        if needs_approval {
            self.request_approval(tx, &c.org, &c.inviter, &inv, c.team_names, now)?;
        } else if deliver {
            enqueue(tx, inv.org_id, draft.kind, Some(inv.id), &draft.content, now)?;
        }
        let emailed = deliver && !needs_approval;
        record_send(tx, inv.org_id, &send_keys(inv.inviter_id, &draft.email, emailed), now)?;
        let grants: Vec<_> = inv
            .thread_grants
            .iter()
            .map(|g| json!({"thread_id": g.thread_id, "permissions": g.permissions.names()}))
            .collect();
        record(
            tx,
            inv.org_id,
            now,
            Some(inv.inviter_id),
            EventKind::InvitationSent,
            json!({"invitation_id": inv.id, "email": inv.email, "role": inv.role, "team_ids": inv.team_ids,
                   "delivered": deliver, "thread_grants": grants, "redirect_url": inv.redirect_url,
                   "awaiting_approval": needs_approval}),
        )?;
        Ok(inv)
    }

    /// The members who may approve or deny `inv` (R10 for its role), its
    /// inviter aside: active members of its organization whose role manages
    /// the organization and may give the invitation's role.
    fn approvers(&self, tx: &dyn ReadTx, inv: &Invitation) -> Result<Vec<Member>> {
        Ok(tx
            .members(inv.org_id)?
            .into_iter()
            .filter(|m| m.is_active() && m.id != inv.inviter_id)
            .filter(|m| self.policy.role(&m.role).is_some_and(|r| r.may_manage_member(&inv.role)))
            .collect())
    }

    /// Tells each member who may approve `inv` that it awaits approval (an
    /// `approval_requested` email each, linked to the invitation so that its
    /// approval or denial cancels those not yet delivered).
    fn request_approval(
        &self,
        tx: &mut dyn WriteTx,
        org: &Organization,
        inviter: &Member,
        inv: &Invitation,
        team_names: Vec<String>,
        now: Timestamp,
    ) -> Result<()> {
        let custom = tx.template(org.id, EmailKind::ApprovalRequested)?;
        for manager in self.approvers(&*tx, inv)? {
            let ctx = EmailContext {
                to: manager.email.clone(),
                inviter_name: inviter.name.clone(),
                organization_name: org.name.clone(),
                team_names: team_names.clone(),
                message: inv.message.clone(),
                metadata: inv.metadata.clone(),
                link: org.portal_url.clone(),
                invitee_email: Some(inv.email.clone()),
                role: Some(inv.role.clone()),
                ..EmailContext::default()
            };
            let content = render(EmailKind::ApprovalRequested, custom.as_ref(), &ctx)?;
            enqueue(tx, org.id, EmailKind::ApprovalRequested, Some(inv.id), &content, now)?;
        }
        Ok(())
    }

    /// An invitation that awaits approval, for `actor` to decide: they must
    /// be active, of its organization (another's is `not_found`), not its
    /// inviter, and allowed by R10 for its role.
    fn awaiting(&self, tx: &dyn ReadTx, actor: MemberId, id: InvitationId) -> Result<(Member, Invitation)> {
        let actor = self.active_member(tx, actor)?;
        let inv = tx.invitation(id)?.filter(|i| i.org_id == actor.org_id).ok_or(Error::NotFound("invitation"))?;
        if inv.status != InvitationStatus::AwaitingApproval {
            return Err(Error::InvitationNotPending { status: inv.status.as_str() });
        }
        if inv.inviter_id == actor.id {
            return Err(Error::denied("nobody approves or denies their own invitation (docs/rules.md#approvals)"));
        }
        if !self.role_of(&actor)?.may_manage_member(&inv.role) {
            return Err(Error::denied(format!(
                "the role `{}` may not decide an invitation as `{}` (docs/rules.md#r10)",
                actor.role, inv.role
            )));
        }
        Ok((actor, inv))
    }

    /// Approves an invitation that awaits approval ([approvals](crate::rules#approvals)):
    /// the actor must be allowed by R10 for its role, and not be its inviter.
    /// Everything a send checks is checked again, as for a resend (R13),
    /// against the inviter's current role and holdings. It becomes pending,
    /// its expiry starts now, and its email is queued with a new link when it
    /// is delivered by email; an invitation sent without an email keeps the
    /// link of its draft, which starts working now. Unsent `approval_requested`
    /// emails about it are cancelled.
    pub fn approve_invitation(&self, actor: MemberId, invitation_id: InvitationId) -> Result<Invitation> {
        let now = self.now();
        self.store.write(|tx| {
            let (actor, inv) = self.awaiting(&*tx, actor, invitation_id)?;
            let email = EmailAddress::parse(&inv.email)?;
            let opts = InviteOptions::of(&inv);
            let c = self.check_invitation(
                &*tx,
                inv.inviter_id,
                &email,
                &opts,
                inv.delivered,
                Sending::Approval(&inv),
                now,
            )?;
            for g in &inv.thread_grants {
                self.check_thread_grant(&*tx, &c.inviter, &c.role, g)?;
            }
            let mut approved = inv.clone();
            approved.status = InvitationStatus::Pending;
            approved.expires_at = now.plus_secs(c.org.settings.invitation_expiry_secs);
            approved.last_sent_at = now;
            let token = if inv.delivered { Some(Token::generate()?) } else { None };
            let hash = token.as_ref().map(Token::hash);
            if !tx.update_invitation(&approved, InvitationStatus::AwaitingApproval, hash.as_ref())? {
                return Err(Error::Conflict("the invitation changed while it was being approved".into()));
            }
            cancel_for(tx, inv.id)?;
            if let Some(token) = token {
                let link = join_link(&c.org.portal_url, &token)?;
                let (kind, thread) = self.invitation_email_kind(&*tx, &inv)?;
                let content = self.render_invitation(
                    &*tx,
                    kind,
                    &c.org,
                    &c.inviter,
                    &inv.email,
                    c.team_names,
                    inv.message.clone(),
                    &inv.metadata,
                    &link,
                    approved.expires_at,
                    thread,
                )?;
                enqueue(tx, inv.org_id, kind, Some(inv.id), &content, now)?;
                record_send(tx, inv.org_id, &[SendKey::Address(email.key().to_owned())], now)?;
            }
            record(
                tx,
                inv.org_id,
                now,
                Some(actor.id),
                EventKind::InvitationApproved,
                json!({"invitation_id": inv.id, "inviter_id": inv.inviter_id, "email": inv.email, "role": inv.role,
                       "expires_at": approved.expires_at.to_rfc3339()}),
            )?;
            Ok(approved)
        })
    }

    /// Denies an invitation that awaits approval: the same members may as
    /// approve it. It ends as `denied`, its invitee hears nothing, and its
    /// inviter gets an `invitation_denied` email with `reason` (free text of
    /// at most 1,000 characters, optional).
    pub fn deny_invitation(
        &self,
        actor: MemberId,
        invitation_id: InvitationId,
        reason: Option<&str>,
    ) -> Result<Invitation> {
        let reason = decision_reason(reason)?;
        let now = self.now();
        self.store.write(|tx| {
            let (actor, inv) = self.awaiting(&*tx, actor, invitation_id)?;
            let mut denied = inv.clone();
            denied.status = InvitationStatus::Denied;
            if !tx.update_invitation(&denied, InvitationStatus::AwaitingApproval, None)? {
                return Err(Error::Conflict("the invitation changed while it was being denied".into()));
            }
            cancel_for(tx, inv.id)?;
            let org = tx.org(inv.org_id)?.ok_or(Error::NotFound("organization"))?;
            if let Some(inviter) = tx.member(inv.inviter_id)?.filter(Member::is_active) {
                let custom = tx.template(org.id, EmailKind::InvitationDenied)?;
                let ctx = EmailContext {
                    to: inviter.email.clone(),
                    inviter_name: inviter.name.clone(),
                    organization_name: org.name.clone(),
                    link: org.portal_url.clone(),
                    invitee_email: Some(inv.email.clone()),
                    role: Some(inv.role.clone()),
                    reason: reason.clone(),
                    reviewer_name: Some(actor.name.clone()),
                    ..EmailContext::default()
                };
                let content = render(EmailKind::InvitationDenied, custom.as_ref(), &ctx)?;
                enqueue(tx, org.id, EmailKind::InvitationDenied, Some(inv.id), &content, now)?;
            }
            record(
                tx,
                inv.org_id,
                now,
                Some(actor.id),
                EventKind::InvitationDenied,
                json!({"invitation_id": inv.id, "inviter_id": inv.inviter_id, "email": inv.email, "reason": reason}),
            )?;
            Ok(denied)
        })
    }

    /// Draft and send in one call, for each of up to 100 addresses, in order.
    /// Each is all-or-nothing on its own; one bad address does not stop the
    /// others. More than 100 addresses is `invalid_input` for the whole call.
    pub fn invite_many<E: AsRef<str>>(
        &self,
        actor: MemberId,
        emails: &[E],
        opts: InviteOptions,
    ) -> Result<Vec<InviteResult>> {
        if emails.len() > MAX_BATCH {
            return Err(Error::invalid(format!("at most {MAX_BATCH} addresses at once")));
        }
        Ok(emails
            .iter()
            .map(|e| {
                let e = e.as_ref();
                let outcome =
                    self.draft_invitation(actor, e, opts.clone()).and_then(|d| self.send_invitation(&d, true));
                match outcome {
                    Ok(inv) => InviteResult { email: e.to_owned(), invitation: Some(inv), error: None },
                    Err(err) => InviteResult { email: e.to_owned(), invitation: None, error: Some(err) },
                }
            })
            .collect())
    }

    /// The pending invitation behind a token or link, checked for status,
    /// expiry and a still-active inviter.
    fn live_by_token(&self, tx: &dyn ReadTx, token: &Token, now: Timestamp) -> Result<(Invitation, Member)> {
        let inv = tx.invitation_by_token(&token.hash())?.ok_or(Error::InvalidToken)?.at(now);
        match inv.status {
            InvitationStatus::Pending => {}
            InvitationStatus::Expired => return Err(Error::InvitationExpired),
            other => return Err(Error::InvitationNotPending { status: other.as_str() }),
        }
        let inviter = tx.member(inv.inviter_id)?.filter(Member::is_active).ok_or(Error::InvalidToken)?;
        Ok((inv, inviter))
    }

    /// The read-only look-up behind a join link, for a landing page: it
    /// changes nothing, so a mail scanner that opens the link accepts nothing.
    pub fn peek_invitation(&self, token_or_link: &str) -> Result<InvitationPreview> {
        let token = Token::from_token_or_link(token_or_link)?;
        let now = self.now();
        self.store.read(|tx| {
            let (inv, inviter) = self.live_by_token(tx, &token, now)?;
            let org = tx.org(inv.org_id)?.ok_or(Error::InvalidToken)?;
            let mut team_names = Vec::with_capacity(inv.team_ids.len());
            for &t in &inv.team_ids {
                team_names.extend(tx.team(t)?.map(|t| t.name));
            }
            let redirect_url = still_allowed(inv.redirect_url, &org);
            Ok(InvitationPreview {
                organization_name: org.name,
                inviter_name: inviter.name,
                team_names,
                email: inv.email,
                expires_at: inv.expires_at,
                metadata: inv.metadata,
                redirect_url,
            })
        })
    }

    /// Accepts an invitation by its token or join link. `email` must be the
    /// address the host has **verified** for the accepting user: never pass an
    /// address the user merely typed. The role and team are the stored ones,
    /// re-checked against the inviter's current role; thread grants are
    /// re-checked (R8) and those that no longer pass are dropped and reported.
    /// Atomic: of two concurrent accepts of one token exactly one succeeds.
    pub fn accept_invitation(&self, token_or_link: &str, email: &str, name: &str) -> Result<Acceptance> {
        let token = Token::from_token_or_link(token_or_link)?;
        let email = EmailAddress::parse(email)?;
        let name = input::name("name", name, input::MAX_NAME_CHARS)?;
        let now = self.now();
        self.store.write(|tx| {
            let (inv, inviter) = self.live_by_token(&*tx, &token, now)?;
            if inv.email_key() != email.key() {
                return Err(Error::EmailMismatch);
            }
            let org = tx.org(inv.org_id)?.ok_or(Error::InvalidToken)?;
            let inviter_role = self.role_of(&inviter)?;
            if !inviter_role.may_invite() || !inviter_role.may_give_role(&inv.role) {
                return Err(Error::denied("the inviter's role no longer allows this invitation"));
            }
            if !inv.team_ids.is_empty() && !inviter_role.may_assign_team() {
                return Err(Error::denied("the inviter's role no longer allows assigning a team"));
            }
            if !org.allows(&email) {
                return Err(Error::DomainNotAllowed { domain: email.domain().to_owned() });
            }
            // Re-hiring a deactivated member: only an inviter who may reactivate them (R11).
            let member = self.admit(tx, &inviter, org.id, &inv.email, &name, &inv.role, inv.team_ids.clone(), now)?;
            let mut accepted = inv.clone();
            accepted.status = InvitationStatus::Accepted;
            if !tx.update_invitation(&accepted, InvitationStatus::Pending, None)? {
                return Err(Error::Conflict("the invitation changed while it was being accepted".into()));
            }
            cancel_for(tx, inv.id)?;
            record(
                tx,
                org.id,
                now,
                Some(member.id),
                EventKind::InvitationAccepted,
                json!({"invitation_id": inv.id, "member_id": member.id}),
            )?;
            record(
                tx,
                org.id,
                now,
                Some(member.id),
                EventKind::MemberAdded,
                json!({"member_id": member.id, "email": member.email, "role": member.role,
                       "team_ids": member.team_ids, "via": "invitation", "invitation_id": inv.id}),
            )?;
            let dropped_grants = self.apply_thread_grants(tx, &inviter, &member, &inv.thread_grants, now)?;
            let redirect_url = still_allowed(accepted.redirect_url.clone(), &org);
            Ok(Acceptance { member, invitation: accepted.for_invitee(), dropped_grants, redirect_url })
        })
    }

    /// The invitee declines; `email` is their verified address.
    pub fn decline_invitation(&self, token_or_link: &str, email: &str) -> Result<Invitation> {
        let token = Token::from_token_or_link(token_or_link)?;
        let email = EmailAddress::parse(email)?;
        let now = self.now();
        self.store.write(|tx| {
            let (inv, _) = self.live_by_token(&*tx, &token, now)?;
            if inv.email_key() != email.key() {
                return Err(Error::EmailMismatch);
            }
            let mut declined = inv.clone();
            declined.status = InvitationStatus::Declined;
            if !tx.update_invitation(&declined, InvitationStatus::Pending, None)? {
                return Err(Error::Conflict("the invitation changed while it was being declined".into()));
            }
            cancel_for(tx, inv.id)?;
            record(tx, inv.org_id, now, None, EventKind::InvitationDeclined, json!({"invitation_id": inv.id}))?;
            Ok(declined.for_invitee())
        })
    }

    /// An invitation the actor may manage: their own, or any in their
    /// organization if their role manages it. Another organization's is `not_found`.
    fn managed_invitation(&self, tx: &dyn ReadTx, actor: MemberId, id: InvitationId) -> Result<(Member, Invitation)> {
        let actor = self.active_member(tx, actor)?;
        let inv = tx.invitation(id)?.filter(|i| i.org_id == actor.org_id).ok_or(Error::NotFound("invitation"))?;
        if inv.inviter_id != actor.id && !self.role_of(&actor)?.manages_organization() {
            return Err(Error::denied("only the inviter or a member who manages the organization may do this"));
        }
        Ok((actor, inv))
    }

    /// Withdraws a pending (or expired) invitation: the inviter or a member
    /// whose role manages the organization. Its link stops working and any
    /// unsent email for it is cancelled.
    pub fn revoke_invitation(&self, actor: MemberId, invitation_id: InvitationId) -> Result<Invitation> {
        let now = self.now();
        self.store.write(|tx| {
            let (actor, inv) = self.managed_invitation(&*tx, actor, invitation_id)?;
            self.revoke_in(tx, inv, Some(actor.id), "revoked", now)
        })
    }

    pub(crate) fn revoke_in(
        &self,
        tx: &mut dyn WriteTx,
        inv: Invitation,
        actor: Option<MemberId>,
        reason: &str,
        now: Timestamp,
    ) -> Result<Invitation> {
        let stored = inv.status;
        if !matches!(stored, InvitationStatus::Pending | InvitationStatus::AwaitingApproval) {
            return Err(Error::InvitationNotPending { status: inv.at(now).status.as_str() });
        }
        let mut revoked = inv;
        revoked.status = InvitationStatus::Revoked;
        if !tx.update_invitation(&revoked, stored, None)? {
            return Err(Error::Conflict("the invitation changed while it was being revoked".into()));
        }
        cancel_for(tx, revoked.id)?;
        record(
            tx,
            revoked.org_id,
            now,
            actor,
            EventKind::InvitationRevoked,
            json!({"invitation_id": revoked.id, "reason": reason}),
        )?;
        Ok(revoked)
    }

    /// Sends a pending (or expired) invitation again with a new token: the old
    /// link stops working, the expiry restarts, and an email is queued if the
    /// invitation is delivered by email. A cooldown applies (`rate_limited`).
    pub fn resend_invitation(&self, actor: MemberId, invitation_id: InvitationId) -> Result<Resent> {
        let now = self.now();
        self.store.write(|tx| {
            let (actor, inv) = self.managed_invitation(&*tx, actor, invitation_id)?;
            if inv.status != InvitationStatus::Pending {
                return Err(Error::InvitationNotPending { status: inv.status.as_str() });
            }
            let org = tx.org(inv.org_id)?.ok_or(Error::NotFound("organization"))?;
            let cooldown_end = inv.last_sent_at.plus_secs(org.settings.resend_cooldown_secs);
            if now < cooldown_end {
                return Err(Error::RateLimited {
                    reason: "the invitation was sent moments ago".into(),
                    retry_at: cooldown_end,
                });
            }
            // A resend is a new send (R13): everything a send checks is checked
            // again now, against the inviter's current role, holdings and the
            // organization's current settings.
            let email = EmailAddress::parse(&inv.email)?;
            let opts = InviteOptions::of(&inv);
            let c =
                self.check_invitation(&*tx, inv.inviter_id, &email, &opts, inv.delivered, Sending::Resend(&inv), now)?;
            for g in &inv.thread_grants {
                self.check_thread_grant(&*tx, &c.inviter, &c.role, g)?;
            }
            let (inviter, team_names) = (c.inviter, c.team_names);
            let token = Token::generate()?;
            let link = join_link(&org.portal_url, &token)?;
            let mut renewed = inv.clone();
            renewed.expires_at = now.plus_secs(org.settings.invitation_expiry_secs);
            renewed.sent_count = renewed.sent_count.saturating_add(1);
            renewed.last_sent_at = now;
            if !tx.update_invitation(&renewed, InvitationStatus::Pending, Some(&token.hash()))? {
                return Err(Error::Conflict("the invitation changed while it was being resent".into()));
            }
            cancel_for(tx, inv.id)?;
            if inv.delivered {
                let (kind, thread) = self.invitation_email_kind(&*tx, &inv)?;
                let content = self.render_invitation(
                    &*tx,
                    kind,
                    &org,
                    &inviter,
                    &inv.email,
                    team_names,
                    inv.message.clone(),
                    &inv.metadata,
                    &link,
                    renewed.expires_at,
                    thread,
                )?;
                enqueue(tx, org.id, kind, Some(inv.id), &content, now)?;
            }
            record_send(tx, org.id, &send_keys(inv.inviter_id, &email, inv.delivered), now)?;
            record(
                tx,
                org.id,
                now,
                Some(actor.id),
                EventKind::InvitationResent,
                json!({"invitation_id": inv.id, "sent_count": renewed.sent_count, "expires_at": renewed.expires_at.to_rfc3339()}),
            )?;
            Ok(Resent { invitation: renewed, link })
        })
    }

    /// Invitations of the actor's organization, newest first: every one for a
    /// member whose role manages the organization, their own for anyone else;
    /// only those with `status` when given (`expired` included).
    pub fn list_invitations(&self, actor: MemberId, status: Option<InvitationStatus>) -> Result<Vec<Invitation>> {
        let now = self.now();
        self.store.read(|tx| {
            let actor = self.active_member(tx, actor)?;
            let scope = if self.role_of(&actor)?.manages_organization() { None } else { Some(actor.id) };
            Ok(tx
                .invitations(actor.org_id, scope)?
                .into_iter()
                .map(|i| i.at(now))
                .filter(|i| status.is_none_or(|s| i.status == s))
                .collect())
        })
    }

    /// The live invitations addressed to a **verified** email, in every
    /// organization (for a "you have been invited" banner at sign-in).
    pub fn invitations_for_email(&self, email: &str) -> Result<Vec<Invitation>> {
        let email = EmailAddress::parse(email)?;
        let now = self.now();
        self.store.read(|tx| {
            Ok(tx
                .pending_invitations_to(email.key())?
                .into_iter()
                .filter(|i| i.is_live(now))
                .map(Invitation::for_invitee)
                .collect())
        })
    }

    /// R7 for invitations: after `member`'s role changed or they were
    /// deactivated, revoke their pending invitations the new role could not
    /// send, and clamp the team and thread grants of the others.
    pub(crate) fn clamp_invitations(
        &self,
        tx: &mut dyn WriteTx,
        member: &Member,
        actor: Option<MemberId>,
        now: Timestamp,
    ) -> Result<()> {
        let role = self.policy.role(&member.role);
        let mut open = tx.pending_invitations_by(member.id)?;
        open.extend(
            tx.invitations(member.org_id, Some(member.id))?
                .into_iter()
                .filter(|i| i.status == InvitationStatus::AwaitingApproval),
        );
        for inv in open {
            let keep = member.is_active() && role.is_some_and(|r| r.may_invite() && r.may_give_role(&inv.role));
            if !keep {
                let reason = if member.is_active() { "inviter_role_changed" } else { "inviter_deactivated" };
                self.revoke_in(tx, inv, actor, reason, now)?;
                continue;
            }
            let Some(role) = role else { continue };
            let mut clamped = inv.clone();
            if !role.may_assign_team() {
                clamped.team_ids.clear();
            }
            clamped.thread_grants = inv
                .thread_grants
                .iter()
                .map(|g| ThreadGrant {
                    thread_id: g.thread_id,
                    permissions: g
                        .permissions
                        .intersection(role.grantable_permissions())
                        .intersection(role.thread_ceiling()),
                })
                .filter(|g| !g.permissions.is_empty())
                .collect();
            if clamped != inv && !tx.update_invitation(&clamped, inv.status, None)? {
                return Err(Error::Conflict("an invitation changed while it was being clamped".into()));
            }
        }
        Ok(())
    }
}
