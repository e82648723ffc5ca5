//! The `InviteKit` class: every operation of the core (docs/rules.md#apis), each a
//! method returning a promise. Each method checks its arguments' JavaScript
//! types, calls the core with the same arguments, and converts the result;
//! the rules are all in the core.

use std::sync::{Arc, Mutex};

use napi::Env;
use napi::bindgen_prelude::PromiseRaw;
use napi_derive::napi;

use invitekit::{
    EmailId, Grant, InvitationId, InvitationStatus, JoinRequestId, JoinRequestStatus, MemberId, OrgId, SettingsUpdate,
    ThreadId,
};

use crate::args::{JsString, Json, Opts, PolicyArg, StringList, given, opt_count, opt_parse, opt_text, opt_texts};
use crate::draft::Draft;
use crate::error::{Failure, to_js};
use crate::options::{
    CreateOrganizationOptions, DenyOptions, EventsOptions, GrantOptions, InviteOptions, KitOptions, LimitOptions,
    ListInvitationsOptions, ListJoinRequestsOptions, SearchOptions, SendOptions, ThreadInviteOptions,
};
use crate::task::settle;
use crate::types::{
    Acceptance, DomainVerification, Event, Invitation, InvitationPreview, InviteResult, JoinRequest, JoinResult,
    Member, Message, Organization, OutgoingEmail, Participant, People, Resent, Team, Thread, ThreadInviteResult,
    ThreadPage, all,
};

/// The core facade the class wraps, on whichever store `open` chose.
type Kit = invitekit::InviteKit<invitekit::AnyStore>;

use invitekit::interface::{EVENTS_LIMIT, FIND_COWORKERS_LIMIT, OUTBOX_PENDING_LIMIT, SEARCH_THREADS_LIMIT};

/// What `KitOptions` asks for, taken out of JavaScript so it can move to a worker thread.
struct Setup {
    policy: Option<PolicyArg>,
    clock: Option<invitekit::ManualClock>,
    thread_pool: bool,
}

impl Setup {
    fn new(options: Option<Opts<KitOptions>>) -> Result<Setup, Failure> {
        let Some(options) = given(options)? else { return Ok(Setup { policy: None, clock: None, thread_pool: false }) };
        let clock = match options.clock {
            Some(c) => Some(c.get("clock", "a ManualClock")?.inner),
            None => None,
        };
        let thread_pool = options.thread_pool.map(|t| t.value("threadPool")).transpose()?.unwrap_or(false);
        Ok(Setup { policy: options.policy, clock, thread_pool })
    }

    fn builder(self) -> Result<invitekit::InviteKitBuilder, Failure> {
        let mut builder = invitekit::InviteKit::builder();
        match self.policy {
            None => {}
            Some(PolicyArg::Policy(policy)) => builder = builder.policy(*policy),
            Some(PolicyArg::Json(json)) => {
                let json = match json.value("policy")? {
                    serde_json::Value::String(text) => text,
                    other => other.to_string(),
                };
                builder = builder.policy(invitekit::Policy::from_json(&json)?);
            }
        }
        if let Some(clock) = self.clock {
            builder = builder.clock(clock);
        }
        Ok(builder)
    }
}

/// Settings keys as JavaScript writes them (`resendCooldownSecs`) to the
/// core's names (`resend_cooldown_secs`); snake_case keys pass unchanged.
fn snake_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn grant(preset: Option<JsString>, permissions: Option<StringList>) -> Result<Grant, Failure> {
    let preset = opt_text(preset, "preset")?;
    let permissions = opt_texts(permissions, "permissions")?;
    Ok(Grant::from_options(preset.as_deref(), permissions.as_deref())?)
}

fn invite_options(options: Option<InviteOptions>) -> Result<invitekit::InviteOptions, Failure> {
    let Some(o) = options else { return Ok(invitekit::InviteOptions::new()) };
    let teams = opt_texts(o.teams, "teams")?.unwrap_or_default();
    Ok(invitekit::InviteOptions {
        message: opt_text(o.message, "message")?,
        team: opt_parse(o.team, "team")?,
        teams: teams.iter().map(|t| t.parse()).collect::<Result<_, _>>()?,
        role: opt_text(o.role, "role")?,
        metadata: o.metadata.map(|m| m.value("metadata")).transpose()?,
        private_metadata: o.private_metadata.map(|m| m.value("privateMetadata")).transpose()?,
        redirect_url: opt_text(o.redirect_url, "redirectUrl")?,
    })
}

/// InviteKit: invitations, conversations and their rules. Every method returns
/// a promise: settled on return in memory and on SQLite, computed on the libuv
/// thread pool on PostgreSQL ([`crate::task`]).
///
/// ```js
/// const { InviteKit, ManualClock } = require('invitekit')
/// const kit = InviteKit.inMemory({ clock: new ManualClock() })
/// ```
///
/// `acceptInvitation`, `declineInvitation`, `invitationsForEmail` and
/// `joinByDomain` take the address your host has **verified** for the user (by
/// a sign-in or a confirmation email); never pass one the user merely typed.
#[napi]
pub struct InviteKit {
    /// `None` once closed. Calls in flight hold their own `Arc`, so the store
    /// closes when the last of them finishes.
    kit: Mutex<Option<Arc<Kit>>>,
    /// Whether calls run on the libuv thread pool (a store that waits on
    /// the network) rather than on the calling thread.
    pooled: bool,
}

#[napi]
impl InviteKit {
    /// An InviteKit on a new in-memory store. `policy` defaults to the default
    /// policy (docs/rules.md#default-policy), `clock` to the system clock.
    /// Synchronous: it touches no storage.
    #[napi(factory, catch_unwind)]
    pub fn in_memory(
        env: Env,
        #[napi(ts_arg_type = "KitOptions | undefined | null")] options: Option<Opts<KitOptions>>,
    ) -> napi::Result<InviteKit> {
        let setup = Setup::new(options).map_err(|f| to_js(&env, f))?;
        let thread_pool = setup.thread_pool;
        let kit = setup
            .builder()
            .map(|b| b.build(invitekit::AnyStore::from(invitekit::MemoryStore::new())))
            .map_err(|f| to_js(&env, f))?;
        Ok(InviteKit::new(kit, thread_pool))
    }

    /// Opens an InviteKit on the store `url` names: `sqlite:PATH` (the file is
    /// created if missing, its schema migrated), `sqlite::memory:`, `memory:`,
    /// or `postgres://user:password@host:port/db` (a PostgreSQL server, without
    /// TLS). Any other URL is `INVALID_INPUT`; a database that cannot be
    /// reached or opened is `STORAGE`, with the reason.
    #[napi(catch_unwind)]
    pub fn open(
        env: Env,
        url: JsString,
        #[napi(ts_arg_type = "KitOptions | undefined | null")] options: Option<Opts<KitOptions>>,
    ) -> napi::Result<PromiseRaw<'static, InviteKit>> {
        let setup = Setup::new(options);
        // Off the event loop whatever the store: opening connects to a
        // server, or opens a file and migrates its schema (once, but possibly
        // long).
        settle(&env, true, move || {
            let url = url.text("url")?;
            let setup = setup?;
            let thread_pool = setup.thread_pool;
            Ok(InviteKit::new(setup.builder()?.open(&url)?, thread_pool))
        })
    }

    fn new(kit: Kit, thread_pool: bool) -> InviteKit {
        let pooled = thread_pool || kit.store().is_remote();
        InviteKit { kit: Mutex::new(Some(Arc::new(kit))), pooled }
    }

    /// The kit for one call, or the error every call of a closed InviteKit gets.
    fn kit(&self) -> Result<Arc<Kit>, Failure> {
        let kit = self.kit.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        kit.clone().ok_or_else(|| Failure::invalid("this InviteKit was closed"))
    }

    /// Closes the store (a SQLite file is released) once the calls already
    /// made have finished. Every later call rejects with `INVALID_INPUT`;
    /// closing twice is harmless.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn close(&self, env: Env) -> napi::Result<PromiseRaw<'static, ()>> {
        let kit = self.kit.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        // Closing PostgreSQL connections waits on the network too.
        settle(&env, self.pooled, move || {
            drop(kit);
            Ok(())
        })
    }

    /// The time the kit reads: its clock's now.
    #[napi(catch_unwind)]
    pub fn now(&self, env: Env) -> napi::Result<chrono::DateTime<chrono::Utc>> {
        let kit = self.kit().map_err(|f| to_js(&env, f))?;
        Ok(crate::types::date(kit.now()))
    }

    /// The policy the kit enforces.
    #[napi(getter, catch_unwind)]
    pub fn policy(&self, env: Env) -> napi::Result<crate::policy::Policy> {
        let kit = self.kit().map_err(|f| to_js(&env, f))?;
        Ok(crate::policy::Policy { inner: kit.policy().clone() })
    }

    // ---- organizations, members, teams (the setup operations) ----

    /// Creates an organization. `portalUrl` must be an https URL; a taken slug is `CONFLICT`.
    #[napi(catch_unwind)]
    pub fn create_organization(
        &self,
        env: Env,
        name: JsString,
        slug: JsString,
        portal_url: JsString,
        #[napi(ts_arg_type = "CreateOrganizationOptions | undefined | null")] options: Option<
            Opts<CreateOrganizationOptions>,
        >,
    ) -> napi::Result<PromiseRaw<'static, Organization>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let options = given(options)?;
            let (name, slug, portal_url) = (name.text("name")?, slug.text("slug")?, portal_url.text("portalUrl")?);
            let domains = opt_texts(options.and_then(|o| o.allowed_domains), "allowedDomains")?.unwrap_or_default();
            Ok(kit.create_organization(&name, &slug, &portal_url, &domains)?.into())
        })
    }

    /// An organization by id.
    #[napi(catch_unwind)]
    pub fn get_organization(&self, env: Env, org_id: JsString) -> napi::Result<PromiseRaw<'static, Organization>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            Ok(kit.get_organization(org_id.parse("orgId")?)?.into())
        })
    }

    /// Changes an organization's settings (a role that manages the organization only).
    #[napi(catch_unwind, ts_args_type = "actor: string, orgId: string, settings: OrganizationSettingsUpdate")]
    pub fn set_organization_settings(
        &self,
        env: Env,
        actor: JsString,
        org_id: JsString,
        settings: Json,
    ) -> napi::Result<PromiseRaw<'static, Organization>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let (actor, org_id) = (actor.parse::<MemberId>("actor")?, org_id.parse::<OrgId>("orgId")?);
            let settings = settings.object("settings")?.into_iter().map(|(k, v)| (snake_case(&k), v)).collect();
            let update = SettingsUpdate::from_value(serde_json::Value::Object(settings))?;
            Ok(kit.set_organization_settings(actor, org_id, &update)?.into())
        })
    }

    /// Adds a founding or provisioned member, bypassing invitation.
    #[napi(catch_unwind)]
    pub fn add_member(
        &self,
        env: Env,
        org_id: JsString,
        email: JsString,
        name: JsString,
        role: JsString,
    ) -> napi::Result<PromiseRaw<'static, Member>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let org_id = org_id.parse::<OrgId>("orgId")?;
            Ok(kit.add_member(org_id, &email.text("email")?, &name.text("name")?, &role.text("role")?)?.into())
        })
    }

    /// A member by id.
    #[napi(catch_unwind)]
    pub fn get_member(&self, env: Env, member_id: JsString) -> napi::Result<PromiseRaw<'static, Member>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            Ok(kit.get_member(member_id.parse("memberId")?)?.into())
        })
    }

    /// Every member of an organization, oldest first.
    #[napi(catch_unwind)]
    pub fn list_members(&self, env: Env, org_id: JsString) -> napi::Result<PromiseRaw<'static, Vec<Member>>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            Ok(all(kit.list_members(org_id.parse("orgId")?)?))
        })
    }

    /// Changes a member's role within the actor's reach (R10); their thread permissions and pending invitations follow (R7).
    #[napi(catch_unwind)]
    pub fn set_role(
        &self,
        env: Env,
        actor: JsString,
        member_id: JsString,
        role: JsString,
    ) -> napi::Result<PromiseRaw<'static, Member>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let (actor, member_id) = (actor.parse("actor")?, member_id.parse("memberId")?);
            Ok(kit.set_role(actor, member_id, &role.text("role")?)?.into())
        })
    }

    /// Deactivates a member within the actor's reach (R10): they leave every thread, their pending invitations are revoked (R7).
    #[napi(catch_unwind)]
    pub fn deactivate_member(
        &self,
        env: Env,
        actor: JsString,
        member_id: JsString,
    ) -> napi::Result<PromiseRaw<'static, Member>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            Ok(kit.deactivate_member(actor.parse("actor")?, member_id.parse("memberId")?)?.into())
        })
    }

    /// Makes a deactivated member active again, with their role and no thread seat (R11; the actor is held to R10).
    #[napi(catch_unwind)]
    pub fn reactivate_member(
        &self,
        env: Env,
        actor: JsString,
        member_id: JsString,
    ) -> napi::Result<PromiseRaw<'static, Member>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            Ok(kit.reactivate_member(actor.parse("actor")?, member_id.parse("memberId")?)?.into())
        })
    }

    /// Creates a team; its name is unique in the organization, case-insensitively.
    #[napi(catch_unwind)]
    pub fn create_team(&self, env: Env, org_id: JsString, name: JsString) -> napi::Result<PromiseRaw<'static, Team>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            Ok(kit.create_team(org_id.parse("orgId")?, &name.text("name")?)?.into())
        })
    }

    /// Registers the organization's own minijinja templates for one kind of
    /// email (`invitation` or `thread_invitation`); a template that does not
    /// render is refused now (`INVALID_INPUT`), not when someone invites.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn set_email_template(
        &self,
        env: Env,
        org_id: JsString,
        kind: JsString,
        subject: JsString,
        text: JsString,
        html: JsString,
    ) -> napi::Result<PromiseRaw<'static, ()>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let (org_id, kind) = (org_id.parse::<OrgId>("orgId")?, invitekit::EmailKind::parse(&kind.text("kind")?)?);
            let source = invitekit::TemplateSource {
                subject: subject.text("subject")?,
                text: text.text("text")?,
                html: html.text("html")?,
            };
            Ok(kit.set_email_template(org_id, kind, &source)?)
        })
    }

    // ---- inviting a coworker to the company (docs/rules.md#invitations) ----

    /// Checks an invitation and returns a draft with its link and its email. Nothing is stored.
    #[napi(catch_unwind)]
    pub fn draft_invitation(
        &self,
        env: Env,
        actor: JsString,
        email: JsString,
        #[napi(ts_arg_type = "InviteOptions | undefined | null")] options: Option<Opts<InviteOptions>>,
    ) -> napi::Result<PromiseRaw<'static, Draft>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let options = given(options)?;
            let (actor, email) = (actor.parse::<MemberId>("actor")?, email.text("email")?);
            let inner = kit.draft_invitation(actor, &email, invite_options(options)?)?;
            Ok(Draft { inner })
        })
    }

    /// Stores a draft's invitation and, unless `deliver` is `false`, queues its
    /// email. Sending one draft twice is `CONFLICT`.
    #[napi(catch_unwind, ts_args_type = "draft: Draft, options?: SendOptions | undefined | null")]
    pub fn send_invitation(
        &self,
        env: Env,
        draft: crate::args::Instance<Draft>,
        options: Option<Opts<SendOptions>>,
    ) -> napi::Result<PromiseRaw<'static, Invitation>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let options = given(options)?;
            let draft = draft.get("draft", "a Draft from draftInvitation")?;
            let deliver = match options.and_then(|o| o.deliver) {
                Some(d) => d.value("deliver")?,
                None => true,
            };
            Ok(kit.send_invitation(&draft.inner, deliver)?.into())
        })
    }

    /// What a landing page shows for a token or link. Changes nothing.
    #[napi(catch_unwind)]
    pub fn peek_invitation(
        &self,
        env: Env,
        token_or_link: JsString,
    ) -> napi::Result<PromiseRaw<'static, InvitationPreview>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            Ok(kit.peek_invitation(&token_or_link.text("tokenOrLink")?)?.into())
        })
    }

    /// Accepts an invitation with the user's **verified** email: creates the member,
    /// joins the team, applies the thread grants (R8). A token works once.
    #[napi(catch_unwind)]
    pub fn accept_invitation(
        &self,
        env: Env,
        token_or_link: JsString,
        email: JsString,
        name: JsString,
    ) -> napi::Result<PromiseRaw<'static, Acceptance>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let token = token_or_link.text("tokenOrLink")?;
            Ok(kit.accept_invitation(&token, &email.text("email")?, &name.text("name")?)?.into())
        })
    }

    /// Declines an invitation, with the user's **verified** email.
    #[napi(catch_unwind)]
    pub fn decline_invitation(
        &self,
        env: Env,
        token_or_link: JsString,
        email: JsString,
    ) -> napi::Result<PromiseRaw<'static, Invitation>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let token = token_or_link.text("tokenOrLink")?;
            Ok(kit.decline_invitation(&token, &email.text("email")?)?.into())
        })
    }

    /// Revokes a pending invitation (its inviter or a `full` member).
    #[napi(catch_unwind)]
    pub fn revoke_invitation(
        &self,
        env: Env,
        actor: JsString,
        invitation_id: JsString,
    ) -> napi::Result<PromiseRaw<'static, Invitation>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let (actor, id) = (actor.parse("actor")?, invitation_id.parse::<InvitationId>("invitationId")?);
            Ok(kit.revoke_invitation(actor, id)?.into())
        })
    }

    /// Sends an invitation again with a new link (the old one stops working); a cooldown applies.
    #[napi(catch_unwind)]
    pub fn resend_invitation(
        &self,
        env: Env,
        actor: JsString,
        invitation_id: JsString,
    ) -> napi::Result<PromiseRaw<'static, Resent>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let (actor, id) = (actor.parse("actor")?, invitation_id.parse::<InvitationId>("invitationId")?);
            Ok(kit.resend_invitation(actor, id)?.into())
        })
    }

    /// Invitations the actor may see: a `full` member the organization's, anyone else their own.
    #[napi(catch_unwind)]
    pub fn list_invitations(
        &self,
        env: Env,
        actor: JsString,
        #[napi(ts_arg_type = "ListInvitationsOptions | undefined | null")] options: Option<
            Opts<ListInvitationsOptions>,
        >,
    ) -> napi::Result<PromiseRaw<'static, Vec<Invitation>>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let options = given(options)?;
            let actor = actor.parse("actor")?;
            let status = opt_text(options.and_then(|o| o.status), "status")?;
            let status = status.map(|s| InvitationStatus::parse(&s)).transpose()?;
            Ok(all(kit.list_invitations(actor, status)?))
        })
    }

    /// Pending invitations addressed to a **verified** email, across organizations.
    #[napi(catch_unwind)]
    pub fn invitations_for_email(
        &self,
        env: Env,
        email: JsString,
    ) -> napi::Result<PromiseRaw<'static, Vec<Invitation>>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            Ok(all(kit.invitations_for_email(&email.text("email")?)?))
        })
    }

    /// Invites up to 100 addresses; one result per address, in order.
    #[napi(
        catch_unwind,
        ts_args_type = "actor: string, emails: Array<string>, options?: InviteOptions | undefined | null"
    )]
    pub fn invite_many(
        &self,
        env: Env,
        actor: JsString,
        emails: StringList,
        options: Option<Opts<InviteOptions>>,
    ) -> napi::Result<PromiseRaw<'static, Vec<InviteResult>>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let options = given(options)?;
            let (actor, emails) = (actor.parse::<MemberId>("actor")?, emails.texts("emails")?);
            Ok(all(kit.invite_many(actor, &emails, invite_options(options)?)?))
        })
    }

    /// Approves an invitation that awaits approval (its inviter's role needs
    /// it): it becomes pending and its email is queued. The actor must be
    /// allowed to give its role (R10) and not be its inviter.
    #[napi(catch_unwind)]
    pub fn approve_invitation(
        &self,
        env: Env,
        actor: JsString,
        invitation_id: JsString,
    ) -> napi::Result<PromiseRaw<'static, Invitation>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let (actor, id) = (actor.parse("actor")?, invitation_id.parse::<InvitationId>("invitationId")?);
            Ok(kit.approve_invitation(actor, id)?.into())
        })
    }

    /// Denies an invitation that awaits approval: it ends as `denied`, and its
    /// inviter is emailed with `{ reason }` (optional, at most 1,000 characters).
    #[napi(catch_unwind)]
    pub fn deny_invitation(
        &self,
        env: Env,
        actor: JsString,
        invitation_id: JsString,
        #[napi(ts_arg_type = "DenyOptions | undefined | null")] options: Option<Opts<DenyOptions>>,
    ) -> napi::Result<PromiseRaw<'static, Invitation>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let options = given(options)?;
            let (actor, id) = (actor.parse("actor")?, invitation_id.parse::<InvitationId>("invitationId")?);
            let reason = opt_text(options.and_then(|o| o.reason), "reason")?;
            Ok(kit.deny_invitation(actor, id, reason.as_deref())?.into())
        })
    }

    // ---- joining by domain, and verified domains (docs/rules.md#verified-domains) ----

    /// Joins an organization without an invitation, with the **verified**
    /// email: it must be on one of the organization's verified auto-join
    /// domains, and the `domainJoin` setting decides: `automatic` makes a
    /// member (`kind: 'joined'`), `request` a request to join for a manager to
    /// decide (`kind: 'requested'`), `off` (the default) refuses.
    #[napi(catch_unwind)]
    pub fn join_by_domain(
        &self,
        env: Env,
        org_id: JsString,
        email: JsString,
        name: JsString,
    ) -> napi::Result<PromiseRaw<'static, JoinResult>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let org_id = org_id.parse::<OrgId>("orgId")?;
            Ok(kit.join_by_domain(org_id, &email.text("email")?, &name.text("name")?)?.into())
        })
    }

    /// The requests to join the actor's organization, newest first, optionally
    /// only those with `{ status }`; for members who manage the organization.
    #[napi(catch_unwind)]
    pub fn list_join_requests(
        &self,
        env: Env,
        actor: JsString,
        #[napi(ts_arg_type = "ListJoinRequestsOptions | undefined | null")] options: Option<
            Opts<ListJoinRequestsOptions>,
        >,
    ) -> napi::Result<PromiseRaw<'static, Vec<JoinRequest>>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let options = given(options)?;
            let actor = actor.parse("actor")?;
            let status = opt_text(options.and_then(|o| o.status), "status")?;
            let status = status.map(|s| JoinRequestStatus::parse(&s)).transpose()?;
            Ok(all(kit.list_join_requests(actor, status)?))
        })
    }

    /// Approves a pending request to join: the person becomes a member with
    /// the role they asked as, and is emailed. The actor is held to R10.
    #[napi(catch_unwind)]
    pub fn approve_join_request(
        &self,
        env: Env,
        actor: JsString,
        request_id: JsString,
    ) -> napi::Result<PromiseRaw<'static, Member>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let (actor, id) = (actor.parse("actor")?, request_id.parse::<JoinRequestId>("requestId")?);
            Ok(kit.approve_join_request(actor, id)?.into())
        })
    }

    /// Denies a pending request to join; the person is emailed with `{ reason }`
    /// (optional, at most 1,000 characters).
    #[napi(catch_unwind)]
    pub fn deny_join_request(
        &self,
        env: Env,
        actor: JsString,
        request_id: JsString,
        #[napi(ts_arg_type = "DenyOptions | undefined | null")] options: Option<Opts<DenyOptions>>,
    ) -> napi::Result<PromiseRaw<'static, JoinRequest>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let options = given(options)?;
            let (actor, id) = (actor.parse("actor")?, request_id.parse::<JoinRequestId>("requestId")?);
            let reason = opt_text(options.and_then(|o| o.reason), "reason")?;
            Ok(kit.deny_join_request(actor, id, reason.as_deref())?.into())
        })
    }

    /// Starts verifying that the organization owns `domain`: resolves to the
    /// DNS TXT record to publish (`recordName`, `recordValue`). Asking again
    /// gives the same record. A free mail domain is `INVALID_INPUT`.
    #[napi(catch_unwind)]
    pub fn start_domain_verification(
        &self,
        env: Env,
        actor: JsString,
        org_id: JsString,
        domain: JsString,
    ) -> napi::Result<PromiseRaw<'static, DomainVerification>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let (actor, org_id) = (actor.parse::<MemberId>("actor")?, org_id.parse::<OrgId>("orgId")?);
            Ok(kit.start_domain_verification(actor, org_id, &domain.text("domain")?)?.into())
        })
    }

    /// Checks the TXT strings your resolver found at the record's name
    /// (InviteKit does no DNS itself) and marks the domain verified when one
    /// of them is the challenge; none is `PERMISSION_DENIED`.
    #[napi(catch_unwind, ts_args_type = "actor: string, orgId: string, domain: string, txtValues: Array<string>")]
    pub fn verify_domain(
        &self,
        env: Env,
        actor: JsString,
        org_id: JsString,
        domain: JsString,
        txt_values: StringList,
    ) -> napi::Result<PromiseRaw<'static, DomainVerification>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let (actor, org_id) = (actor.parse::<MemberId>("actor")?, org_id.parse::<OrgId>("orgId")?);
            let (domain, values) = (domain.text("domain")?, txt_values.texts("txtValues")?);
            Ok(kit.verify_domain(actor, org_id, &domain, &values)?.into())
        })
    }

    /// The domains the organization is verifying or has verified.
    #[napi(catch_unwind)]
    pub fn list_domains(
        &self,
        env: Env,
        actor: JsString,
        org_id: JsString,
    ) -> napi::Result<PromiseRaw<'static, Vec<DomainVerification>>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            Ok(all(kit.list_domains(actor.parse("actor")?, org_id.parse("orgId")?)?))
        })
    }

    // ---- conversations with freelancers (docs/rules.md#threads) ----

    /// Starts a conversation with a freelancer; the actor holds their role's whole thread ceiling in it.
    #[napi(catch_unwind)]
    pub fn start_thread(
        &self,
        env: Env,
        actor: JsString,
        freelancer_id: JsString,
        freelancer_name: JsString,
        title: JsString,
    ) -> napi::Result<PromiseRaw<'static, Thread>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let actor = actor.parse::<MemberId>("actor")?;
            let (id, name) = (freelancer_id.text("freelancerId")?, freelancer_name.text("freelancerName")?);
            Ok(kit.start_thread(actor, &id, &name, &title.text("title")?)?.into())
        })
    }

    /// Posts a message (needs `write` in the thread).
    #[napi(catch_unwind)]
    pub fn post_message(
        &self,
        env: Env,
        actor: JsString,
        thread_id: JsString,
        body: JsString,
    ) -> napi::Result<PromiseRaw<'static, Message>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let (actor, thread_id) = (actor.parse("actor")?, thread_id.parse::<ThreadId>("threadId")?);
            Ok(kit.post_message(actor, thread_id, &body.text("body")?)?.into())
        })
    }

    /// Records a message from the thread's freelancer (the host's side).
    #[napi(catch_unwind)]
    pub fn post_freelancer_message(
        &self,
        env: Env,
        thread_id: JsString,
        body: JsString,
    ) -> napi::Result<PromiseRaw<'static, Message>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            Ok(kit.post_freelancer_message(thread_id.parse("threadId")?, &body.text("body")?)?.into())
        })
    }

    /// The actor's threads matching every word of `query` (accent- and case-insensitive),
    /// newest activity first: `{ threads, nextCursor }`.
    #[napi(catch_unwind)]
    pub fn search_threads(
        &self,
        env: Env,
        actor: JsString,
        query: JsString,
        #[napi(ts_arg_type = "SearchOptions | undefined | null")] options: Option<Opts<SearchOptions>>,
    ) -> napi::Result<PromiseRaw<'static, ThreadPage>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let options = given(options)?;
            let (actor, query) = (actor.parse::<MemberId>("actor")?, query.text("query")?);
            let (limit, cursor) = options.map(|o| (o.limit, o.cursor)).unwrap_or_default();
            let limit = opt_count(limit, "limit", SEARCH_THREADS_LIMIT.default)?;
            let cursor = opt_text(cursor, "cursor")?;
            Ok(kit.search_threads(actor, &query, limit, cursor.as_deref())?.into())
        })
    }

    /// The thread's participants, with their permissions, and its freelancer.
    #[napi(catch_unwind)]
    pub fn people(&self, env: Env, actor: JsString, thread_id: JsString) -> napi::Result<PromiseRaw<'static, People>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            Ok(kit.people(actor.parse("actor")?, thread_id.parse("threadId")?)?.into())
        })
    }

    /// Active members of the actor's organization whose name or email starts with `query`.
    #[napi(catch_unwind)]
    pub fn find_coworkers(
        &self,
        env: Env,
        actor: JsString,
        query: JsString,
        #[napi(ts_arg_type = "LimitOptions | undefined | null")] options: Option<Opts<LimitOptions>>,
    ) -> napi::Result<PromiseRaw<'static, Vec<Member>>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let options = given(options)?;
            let (actor, query) = (actor.parse::<MemberId>("actor")?, query.text("query")?);
            let limit = opt_count(options.and_then(|o| o.limit), "limit", FIND_COWORKERS_LIMIT.default)?;
            Ok(all(kit.find_coworkers(actor, &query, limit)?))
        })
    }

    /// The presets the actor may give in the thread (R5): show these and no others.
    #[napi(catch_unwind)]
    pub fn permission_options(
        &self,
        env: Env,
        actor: JsString,
        thread_id: JsString,
    ) -> napi::Result<PromiseRaw<'static, Vec<String>>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let options = kit.permission_options(actor.parse("actor")?, thread_id.parse("threadId")?)?;
            Ok(options.into_iter().map(str::to_owned).collect())
        })
    }

    /// Adds a member to a thread with exactly one of `{ preset }` or `{ permissions }` (R4, R6).
    #[napi(catch_unwind)]
    pub fn add_to_thread(
        &self,
        env: Env,
        actor: JsString,
        thread_id: JsString,
        member_id: JsString,
        #[napi(ts_arg_type = "GrantOptions | undefined | null")] options: Option<Opts<GrantOptions>>,
    ) -> napi::Result<PromiseRaw<'static, Participant>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let options = given(options)?;
            let (actor, thread_id) = (actor.parse("actor")?, thread_id.parse::<ThreadId>("threadId")?);
            let member_id = member_id.parse::<MemberId>("memberId")?;
            let (preset, permissions) = options.map(|o| (o.preset, o.permissions)).unwrap_or_default();
            Ok(kit.add_to_thread(actor, thread_id, member_id, &grant(preset, permissions)?)?.into())
        })
    }

    /// Brings a coworker into a thread by email: an active member is added at once,
    /// anyone else is invited to the organization with the thread grant attached.
    #[napi(catch_unwind)]
    pub fn invite_to_thread(
        &self,
        env: Env,
        actor: JsString,
        thread_id: JsString,
        email: JsString,
        #[napi(ts_arg_type = "ThreadInviteOptions | undefined | null")] options: Option<Opts<ThreadInviteOptions>>,
    ) -> napi::Result<PromiseRaw<'static, ThreadInviteResult>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let options = given(options)?;
            let (actor, thread_id) = (actor.parse("actor")?, thread_id.parse::<ThreadId>("threadId")?);
            let email = email.text("email")?;
            let (grant, opts) = match options {
                None => (grant(None, None)?, invitekit::InviteOptions::new()),
                Some(o) => (
                    grant(o.preset, o.permissions)?,
                    invite_options(Some(InviteOptions {
                        message: o.message,
                        team: None,
                        teams: None,
                        role: None,
                        metadata: o.metadata,
                        private_metadata: o.private_metadata,
                        redirect_url: o.redirect_url,
                    }))?,
                ),
            };
            Ok(kit.invite_to_thread(actor, thread_id, &email, &grant, opts)?.into())
        })
    }

    /// Changes a participant's permissions to exactly one of `{ preset }` or `{ permissions }` (R4).
    #[napi(catch_unwind)]
    pub fn change_permissions(
        &self,
        env: Env,
        actor: JsString,
        thread_id: JsString,
        member_id: JsString,
        #[napi(ts_arg_type = "GrantOptions | undefined | null")] options: Option<Opts<GrantOptions>>,
    ) -> napi::Result<PromiseRaw<'static, Participant>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let options = given(options)?;
            let (actor, thread_id) = (actor.parse("actor")?, thread_id.parse::<ThreadId>("threadId")?);
            let member_id = member_id.parse::<MemberId>("memberId")?;
            let (preset, permissions) = options.map(|o| (o.preset, o.permissions)).unwrap_or_default();
            Ok(kit.change_permissions(actor, thread_id, member_id, &grant(preset, permissions)?)?.into())
        })
    }

    /// Removes a participant from a thread (needs `manage_people`).
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn remove_from_thread(
        &self,
        env: Env,
        actor: JsString,
        thread_id: JsString,
        member_id: JsString,
    ) -> napi::Result<PromiseRaw<'static, ()>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let (actor, thread_id) = (actor.parse("actor")?, thread_id.parse::<ThreadId>("threadId")?);
            Ok(kit.remove_from_thread(actor, thread_id, member_id.parse("memberId")?)?)
        })
    }

    /// Leaves a thread; the last holder of `manage_people` must hand it on first (`CONFLICT`).
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn leave_thread(
        &self,
        env: Env,
        actor: JsString,
        thread_id: JsString,
    ) -> napi::Result<PromiseRaw<'static, ()>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            Ok(kit.leave_thread(actor.parse("actor")?, thread_id.parse("threadId")?)?)
        })
    }

    // ---- outbox and audit log (docs/rules.md#outbox, #events) ----

    /// Hands out up to `limit` (default 100) emails that are due, leased for
    /// five minutes: acknowledge each with `outboxAck` or `outboxFail`.
    #[napi(catch_unwind)]
    pub fn outbox_pending(
        &self,
        env: Env,
        #[napi(ts_arg_type = "LimitOptions | undefined | null")] options: Option<Opts<LimitOptions>>,
    ) -> napi::Result<PromiseRaw<'static, Vec<OutgoingEmail>>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let options = given(options)?;
            let limit = opt_count(options.and_then(|o| o.limit), "limit", OUTBOX_PENDING_LIMIT.default)?;
            Ok(all(kit.outbox_pending(limit)?))
        })
    }

    /// Marks an email delivered.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn outbox_ack(&self, env: Env, email_id: JsString) -> napi::Result<PromiseRaw<'static, ()>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            Ok(kit.outbox_ack(email_id.parse::<EmailId>("emailId")?)?)
        })
    }

    /// Records a failed delivery; the email is retried with backoff, then `dead`.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn outbox_fail(&self, env: Env, email_id: JsString, reason: JsString) -> napi::Result<PromiseRaw<'static, ()>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let email_id = email_id.parse::<EmailId>("emailId")?;
            Ok(kit.outbox_fail(email_id, &reason.text("reason")?)?)
        })
    }

    /// The organization's audit log after `afterSeq`, at most `limit` (default 100) events.
    #[napi(catch_unwind)]
    pub fn events(
        &self,
        env: Env,
        actor: JsString,
        #[napi(ts_arg_type = "EventsOptions | undefined | null")] options: Option<Opts<EventsOptions>>,
    ) -> napi::Result<PromiseRaw<'static, Vec<Event>>> {
        let kit = self.kit();
        settle(&env, self.pooled, move || {
            let kit = kit?;
            let options = given(options)?;
            let actor = actor.parse::<MemberId>("actor")?;
            let (after_seq, limit) = options.map(|o| (o.after_seq, o.limit)).unwrap_or_default();
            let after_seq = after_seq.map(|s| s.count("afterSeq")).transpose()?;
            let limit = opt_count(limit, "limit", EVENTS_LIMIT.default)?;
            Ok(all(kit.events(actor, after_seq, limit)?))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn settings_names_map_to_the_core_names() {
        assert_eq!(snake_case("resendCooldownSecs"), "resend_cooldown_secs");
        assert_eq!(snake_case("maxInvitationsPerInviterPerDay"), "max_invitations_per_inviter_per_day");
        assert_eq!(snake_case("allow_subdomains"), "allow_subdomains");
        assert_eq!(snake_case("colour"), "colour");
    }
}
