//! The `InviteKit` class: every operation of the core (docs/rules.md#apis), each converting its
//! arguments, calling the core with the GIL released, and wrapping the result.

use std::sync::{Arc, Mutex, PoisonError};

use invitekit as core;
use invitekit::{EmailId, InvitationId, JoinRequestId, MemberId, OrgId, TeamId, ThreadId};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};

use crate::config::{ManualClock, Policy};
use crate::convert::{Bool, Id, Int, List, Text, py_to_json, strs};
use crate::objects::{
    Acceptance, DomainVerification, Draft, Event, Invitation, InvitationPreview, InviteResult, JoinRequest, JoinResult,
    Member, Message, Organization, OutgoingEmail, Participant, People, Resent, Team, Thread, ThreadInviteResult,
};
use crate::unlocked;

/// The store behind every Python `InviteKit`: memory or SQLite, chosen at run time.
type Kit = core::InviteKit<core::AnyStore>;

fn builder(policy: Option<PyRef<'_, Policy>>, clock: Option<PyRef<'_, ManualClock>>) -> core::InviteKitBuilder {
    let mut b = core::InviteKit::builder();
    if let Some(p) = policy {
        b = b.policy(p.0.clone());
    }
    if let Some(c) = clock {
        // Clones of a manual clock share one time: `clock.advance()` moves the kit.
        b = b.clock(c.0.clone());
    }
    b
}

/// An invitation's options as the core takes them. Metadata is checked by
/// the core (a JSON object of at most 4 KiB); here it only becomes JSON.
#[allow(clippy::too_many_arguments)]
fn options(
    py: Python<'_>,
    message: Option<Text>,
    team: Option<Id<TeamId>>,
    teams: Option<List<Id<TeamId>>>,
    role: Option<Text>,
    metadata: Option<&Bound<'_, PyAny>>,
    private_metadata: Option<&Bound<'_, PyAny>>,
    redirect_url: Option<Text>,
) -> PyResult<core::InviteOptions> {
    let json = |v: Option<&Bound<'_, PyAny>>, what| v.map(|v| py_to_json(py, v, what)).transpose();
    Ok(core::InviteOptions {
        message: message.map(|t| t.0),
        team: team.map(|t| t.get()),
        teams: teams.map(|t| t.items().iter().map(Id::get).collect()).unwrap_or_default(),
        role: role.map(|t| t.0),
        metadata: json(metadata, "metadata")?,
        private_metadata: json(private_metadata, "private_metadata")?,
        redirect_url: redirect_url.map(|t| t.0),
    })
}

fn grant(preset: Option<&Text>, permissions: Option<&List<Text>>) -> core::Result<core::Grant> {
    let permissions = permissions.map(|p| strs(p.items()));
    core::Grant::from_options(preset.map(Text::as_str), permissions.as_deref())
}

/// `search_threads`' page: a `list` of threads with a `next_cursor` attribute,
/// built by the Python class `invitekit.ThreadPage`.
fn thread_page<'py>(py: Python<'py>, page: core::ThreadPage) -> PyResult<Bound<'py, PyAny>> {
    static CLASS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let class = CLASS.get_or_try_init(py, || py.import("invitekit._page")?.getattr("ThreadPage").map(Bound::unbind))?;
    let threads = PyList::new(py, page.threads.into_iter().map(Thread))?;
    class.bind(py).call1((threads, page.next_cursor))
}

/// InviteKit: invitations, conversations with freelancers and their rules.
///
/// Make one with `InviteKit.in_memory()` or `InviteKit.open("sqlite:PATH")`.
/// Every method releases the GIL while the core works, so one kit can serve
/// many Python threads. `actor` is always the acting member's id; ids are `str`.
#[pyclass(frozen, module = "invitekit", name = "InviteKit")]
pub struct InviteKit {
    /// `None` once closed. A call holds its own `Arc` while it runs, so the
    /// store closes when the last call in flight finishes.
    kit: Mutex<Option<Arc<Kit>>>,
    /// The policy's preset names as Python strings, made once: `permission_options`
    /// hands out these objects instead of new copies (a pure conversion cache).
    preset_names: Vec<(String, Py<PyString>)>,
}

impl InviteKit {
    fn new(py: Python<'_>, kit: Kit) -> Self {
        let preset_names = kit
            .policy()
            .presets()
            .iter()
            .map(|p| (p.name().to_owned(), PyString::new(py, p.name()).unbind()))
            .collect();
        InviteKit { kit: Mutex::new(Some(Arc::new(kit))), preset_names }
    }

    /// The kit for one call, or the error every call of a closed kit gets.
    fn kit(&self) -> core::Result<Arc<Kit>> {
        let kit = self.kit.lock().unwrap_or_else(PoisonError::into_inner);
        kit.clone().ok_or_else(|| core::Error::InvalidInput("this InviteKit was closed".to_owned()))
    }

    /// [`kit`](Self::kit) outside a core call: a closed kit raises `InvalidInput`.
    fn live(&self, py: Python<'_>) -> PyResult<Arc<Kit>> {
        self.kit().map_err(|e| crate::error::to_py(py, e))
    }

    /// The Python string for a preset name.
    fn preset_name<'py>(&self, py: Python<'py>, name: &str) -> Bound<'py, PyString> {
        self.preset_names
            .iter()
            .find(|(n, _)| n == name)
            .map_or_else(|| PyString::new(py, name), |(_, s)| s.bind(py).clone())
    }
}

#[pymethods]
impl InviteKit {
    /// A kit on a new in-memory store. `policy` defaults to `Policy.default()`,
    /// `clock` to the system clock.
    #[staticmethod]
    #[pyo3(signature = (policy=None, clock=None))]
    fn in_memory(py: Python<'_>, policy: Option<PyRef<'_, Policy>>, clock: Option<PyRef<'_, ManualClock>>) -> Self {
        InviteKit::new(py, builder(policy, clock).build(core::AnyStore::from(core::MemoryStore::new())))
    }

    /// A kit on the store `url` names: `"sqlite:PATH"` (created if missing,
    /// migrated on open), `"sqlite::memory:"`, `"memory:"`, or `"postgres://..."`
    /// (when the core is built with it). The database is closed when the kit is
    /// garbage-collected.
    #[staticmethod]
    #[pyo3(signature = (url, policy=None, clock=None))]
    fn open(
        py: Python<'_>,
        url: Text,
        policy: Option<PyRef<'_, Policy>>,
        clock: Option<PyRef<'_, ManualClock>>,
    ) -> PyResult<Self> {
        let b = builder(policy, clock);
        unlocked(py, || b.open(url.as_str())).map(|kit| InviteKit::new(py, kit))
    }

    /// The current time on the kit's clock.
    fn now<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let kit = self.live(py)?;
        crate::convert::datetime(py, kit.now())
    }

    /// The kit's policy.
    #[getter]
    fn policy(&self, py: Python<'_>) -> PyResult<Policy> {
        let kit = self.live(py)?;
        Ok(Policy(kit.policy().clone()))
    }

    /// Whether the kit's store is the in-memory one (the core's answer), for
    /// `invitekit.aio`: its calls never wait on I/O.
    fn _is_memory(&self, py: Python<'_>) -> PyResult<bool> {
        let kit = self.live(py)?;
        Ok(kit.store().is_memory())
    }

    /// Closes the store (a SQLite file is released; PostgreSQL connections
    /// are closed) once the calls already running have finished. Every later
    /// call raises `InvalidInput`; closing twice is harmless. `with
    /// InviteKit.open(url) as kit:` closes it at the end of the block.
    fn close(&self, py: Python<'_>) {
        let kit = self.kit.lock().unwrap_or_else(PoisonError::into_inner).take();
        // Dropping the last handle may wait for the store's threads to stop.
        py.detach(move || drop(kit));
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, PyTuple>) -> bool {
        self.close(py);
        false
    }

    // --- Setup --------------------------------------------------------------

    /// Creates an organization. `allowed_domains` limits who may be invited (default: anyone).
    #[pyo3(signature = (name, slug, portal_url, allowed_domains=None))]
    fn create_organization(
        &self,
        py: Python<'_>,
        name: Text,
        slug: Text,
        portal_url: Text,
        allowed_domains: Option<List<Text>>,
    ) -> PyResult<Organization> {
        let domains = allowed_domains.map(|d| d.0).unwrap_or_default();
        unlocked(py, || {
            self.kit()?.create_organization(name.as_str(), slug.as_str(), portal_url.as_str(), &strs(&domains))
        })
        .map(Organization)
    }

    /// The organization `org_id`.
    fn get_organization(&self, py: Python<'_>, org_id: Id<OrgId>) -> PyResult<Organization> {
        unlocked(py, || self.kit()?.get_organization(org_id.get())).map(Organization)
    }

    /// Changes an organization's settings; only the keyword arguments given
    /// change: `invitation_expiry_secs`, `resend_cooldown_secs`,
    /// `max_invitations_per_inviter_per_day`, `max_invitations_per_org_per_day`,
    /// `max_emails_per_address_per_day`, `max_pending_invitations`,
    /// `max_message_chars`, `allow_subdomains`, `auto_join_domains`, `domain_join`
    /// (`"off"`, `"automatic"` or `"request"`), `allowed_domains`, `redirect_origins`.
    /// An unknown setting or a value out of range is `InvalidInput`.
    #[pyo3(signature = (actor, org_id, **settings))]
    fn set_organization_settings(
        &self,
        py: Python<'_>,
        actor: Id<MemberId>,
        org_id: Id<OrgId>,
        settings: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Organization> {
        let value = match settings {
            Some(d) => py_to_json(py, d.as_any(), "a setting")?,
            None => serde_json::Value::Object(serde_json::Map::new()),
        };
        unlocked(py, || {
            let update = core::SettingsUpdate::from_value(value)?;
            self.kit()?.set_organization_settings(actor.get(), org_id.get(), &update)
        })
        .map(Organization)
    }

    /// Adds a founding or provisioned member, bypassing invitation.
    fn add_member(&self, py: Python<'_>, org_id: Id<OrgId>, email: Text, name: Text, role: Text) -> PyResult<Member> {
        unlocked(py, || self.kit()?.add_member(org_id.get(), email.as_str(), name.as_str(), role.as_str())).map(Member)
    }

    /// The member `member_id`.
    fn get_member(&self, py: Python<'_>, member_id: Id<MemberId>) -> PyResult<Member> {
        unlocked(py, || self.kit()?.get_member(member_id.get())).map(Member)
    }

    /// Every member of the organization.
    fn list_members(&self, py: Python<'_>, org_id: Id<OrgId>) -> PyResult<Vec<Member>> {
        unlocked(py, || self.kit()?.list_members(org_id.get())).map(|v| v.into_iter().map(Member).collect())
    }

    /// Changes a member's role, within the actor's reach (R10); thread permissions and pending invitations follow (R7).
    fn set_role(&self, py: Python<'_>, actor: Id<MemberId>, member_id: Id<MemberId>, role: Text) -> PyResult<Member> {
        unlocked(py, || self.kit()?.set_role(actor.get(), member_id.get(), role.as_str())).map(Member)
    }

    /// Deactivates a member, within the actor's reach (R10): they leave every thread, their pending invitations are revoked (R7).
    fn deactivate_member(&self, py: Python<'_>, actor: Id<MemberId>, member_id: Id<MemberId>) -> PyResult<Member> {
        unlocked(py, || self.kit()?.deactivate_member(actor.get(), member_id.get())).map(Member)
    }

    /// Makes a deactivated member active again, with their role and no thread
    /// seat (R11; the actor is held to R10).
    fn reactivate_member(&self, py: Python<'_>, actor: Id<MemberId>, member_id: Id<MemberId>) -> PyResult<Member> {
        unlocked(py, || self.kit()?.reactivate_member(actor.get(), member_id.get())).map(Member)
    }

    /// Creates a team (names are unique per organization, case-insensitively).
    fn create_team(&self, py: Python<'_>, org_id: Id<OrgId>, name: Text) -> PyResult<Team> {
        unlocked(py, || self.kit()?.create_team(org_id.get(), name.as_str())).map(Team)
    }

    /// Registers the organization's own minijinja templates for one kind of
    /// email (`"invitation"` or `"thread_invitation"`).
    fn set_email_template(
        &self,
        py: Python<'_>,
        org_id: Id<OrgId>,
        kind: Text,
        subject: Text,
        text: Text,
        html: Text,
    ) -> PyResult<()> {
        let source = core::TemplateSource { subject: subject.0, text: text.0, html: html.0 };
        unlocked(py, || {
            let kind = core::EmailKind::parse(kind.as_str())?;
            self.kit()?.set_email_template(org_id.get(), kind, &source)
        })
    }

    // --- Inviting a coworker to the company (docs/rules.md#invitations) -----

    /// Checks everything about an invitation and returns a draft with its link
    /// and email. Nothing is stored until `send_invitation(draft)`.
    #[pyo3(signature = (
        actor, email, message=None, team=None, role=None, teams=None, metadata=None,
        private_metadata=None, redirect_url=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn draft_invitation(
        &self,
        py: Python<'_>,
        actor: Id<MemberId>,
        email: Text,
        message: Option<Text>,
        team: Option<Id<TeamId>>,
        role: Option<Text>,
        teams: Option<List<Id<TeamId>>>,
        metadata: Option<&Bound<'_, PyAny>>,
        private_metadata: Option<&Bound<'_, PyAny>>,
        redirect_url: Option<Text>,
    ) -> PyResult<Draft> {
        let opts = options(py, message, team, teams, role, metadata, private_metadata, redirect_url)?;
        unlocked(py, || self.kit()?.draft_invitation(actor.get(), email.as_str(), opts)).map(Draft)
    }

    /// Stores the drafted invitation and, when `deliver`, queues its email in
    /// the outbox. Sending the same draft twice is `Conflict`.
    #[pyo3(signature = (draft, deliver=Bool(true)), text_signature = "($self, draft, deliver=True)")]
    fn send_invitation(&self, py: Python<'_>, draft: PyRef<'_, Draft>, deliver: Bool) -> PyResult<Invitation> {
        let Bool(deliver) = deliver;
        let draft = &draft.0;
        unlocked(py, || self.kit()?.send_invitation(draft, deliver)).map(Invitation)
    }

    /// Up to 100 invitations at once: one result per address, in order; a bad
    /// address does not stop the others.
    #[pyo3(signature = (
        actor, emails, message=None, team=None, role=None, teams=None, metadata=None,
        private_metadata=None, redirect_url=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn invite_many(
        &self,
        py: Python<'_>,
        actor: Id<MemberId>,
        emails: List<Text>,
        message: Option<Text>,
        team: Option<Id<TeamId>>,
        role: Option<Text>,
        teams: Option<List<Id<TeamId>>>,
        metadata: Option<&Bound<'_, PyAny>>,
        private_metadata: Option<&Bound<'_, PyAny>>,
        redirect_url: Option<Text>,
    ) -> PyResult<Vec<InviteResult>> {
        let opts = options(py, message, team, teams, role, metadata, private_metadata, redirect_url)?;
        unlocked(py, || self.kit()?.invite_many(actor.get(), &strs(emails.items()), opts))
            .map(|v| v.into_iter().map(InviteResult).collect())
    }

    /// What a landing page shows for a token or link. Changes nothing.
    fn peek_invitation(&self, py: Python<'_>, token_or_link: Text) -> PyResult<InvitationPreview> {
        unlocked(py, || self.kit()?.peek_invitation(token_or_link.as_str())).map(InvitationPreview)
    }

    /// Accepts an invitation: creates the member, adds the team and the thread
    /// grants. `email` must be the address your host has **verified** for the
    /// user (never one merely typed). A token works once.
    fn accept_invitation(&self, py: Python<'_>, token_or_link: Text, email: Text, name: Text) -> PyResult<Acceptance> {
        unlocked(py, || self.kit()?.accept_invitation(token_or_link.as_str(), email.as_str(), name.as_str()))
            .map(Acceptance)
    }

    /// Declines an invitation, for the verified `email` it was sent to.
    fn decline_invitation(&self, py: Python<'_>, token_or_link: Text, email: Text) -> PyResult<Invitation> {
        unlocked(py, || self.kit()?.decline_invitation(token_or_link.as_str(), email.as_str())).map(Invitation)
    }

    /// Revokes an invitation (its inviter, or a member who manages the organization).
    fn revoke_invitation(
        &self,
        py: Python<'_>,
        actor: Id<MemberId>,
        invitation_id: Id<InvitationId>,
    ) -> PyResult<Invitation> {
        unlocked(py, || self.kit()?.revoke_invitation(actor.get(), invitation_id.get())).map(Invitation)
    }

    /// Sends an invitation again with a new link (the old one stops working
    /// and the expiry restarts), after the cooldown.
    fn resend_invitation(
        &self,
        py: Python<'_>,
        actor: Id<MemberId>,
        invitation_id: Id<InvitationId>,
    ) -> PyResult<Resent> {
        unlocked(py, || self.kit()?.resend_invitation(actor.get(), invitation_id.get())).map(Resent)
    }

    /// The organization's invitations (for a member who manages it) or the
    /// actor's own, optionally only those with `status`.
    #[pyo3(signature = (actor, status=None))]
    fn list_invitations(&self, py: Python<'_>, actor: Id<MemberId>, status: Option<Text>) -> PyResult<Vec<Invitation>> {
        unlocked(py, || {
            let status = status.as_ref().map(|s| core::InvitationStatus::parse(s.as_str())).transpose()?;
            self.kit()?.list_invitations(actor.get(), status)
        })
        .map(|v| v.into_iter().map(Invitation).collect())
    }

    /// The pending invitations addressed to a verified email, across organizations.
    fn invitations_for_email(&self, py: Python<'_>, email: Text) -> PyResult<Vec<Invitation>> {
        unlocked(py, || self.kit()?.invitations_for_email(email.as_str()))
            .map(|v| v.into_iter().map(Invitation).collect())
    }

    /// Approves an invitation that awaits approval (its inviter's role needs
    /// it): it becomes pending and its email is queued. The actor must be
    /// allowed to give its role (R10) and not be its inviter.
    fn approve_invitation(
        &self,
        py: Python<'_>,
        actor: Id<MemberId>,
        invitation_id: Id<InvitationId>,
    ) -> PyResult<Invitation> {
        unlocked(py, || self.kit()?.approve_invitation(actor.get(), invitation_id.get())).map(Invitation)
    }

    /// Denies an invitation that awaits approval: it ends as `denied`, and its
    /// inviter is emailed with `reason` (optional, at most 1,000 characters).
    #[pyo3(signature = (actor, invitation_id, reason=None))]
    fn deny_invitation(
        &self,
        py: Python<'_>,
        actor: Id<MemberId>,
        invitation_id: Id<InvitationId>,
        reason: Option<Text>,
    ) -> PyResult<Invitation> {
        unlocked(py, || {
            self.kit()?.deny_invitation(actor.get(), invitation_id.get(), reason.as_ref().map(Text::as_str))
        })
        .map(Invitation)
    }

    /// Joins an organization without an invitation, with the **verified**
    /// email: it must be on one of the organization's verified auto-join
    /// domains, and the `domain_join` setting decides: `"automatic"` makes a
    /// member (`kind == "joined"`), `"request"` a request to join for a manager
    /// to decide (`kind == "requested"`), `"off"` (the default) refuses.
    fn join_by_domain(&self, py: Python<'_>, org_id: Id<OrgId>, email: Text, name: Text) -> PyResult<JoinResult> {
        unlocked(py, || self.kit()?.join_by_domain(org_id.get(), email.as_str(), name.as_str())).map(JoinResult)
    }

    /// The requests to join the actor's organization, newest first, optionally
    /// only those with `status` (`"pending"`, `"approved"` or `"denied"`); for
    /// members who manage the organization.
    #[pyo3(signature = (actor, status=None))]
    fn list_join_requests(
        &self,
        py: Python<'_>,
        actor: Id<MemberId>,
        status: Option<Text>,
    ) -> PyResult<Vec<JoinRequest>> {
        unlocked(py, || {
            let status = status.as_ref().map(|s| core::JoinRequestStatus::parse(s.as_str())).transpose()?;
            self.kit()?.list_join_requests(actor.get(), status)
        })
        .map(|v| v.into_iter().map(JoinRequest).collect())
    }

    /// Approves a pending request to join: the person becomes a member with
    /// the role they asked as, and is emailed. The actor is held to R10.
    fn approve_join_request(
        &self,
        py: Python<'_>,
        actor: Id<MemberId>,
        request_id: Id<JoinRequestId>,
    ) -> PyResult<Member> {
        unlocked(py, || self.kit()?.approve_join_request(actor.get(), request_id.get())).map(Member)
    }

    /// Denies a pending request to join; the person is emailed with `reason`
    /// (optional, at most 1,000 characters).
    #[pyo3(signature = (actor, request_id, reason=None))]
    fn deny_join_request(
        &self,
        py: Python<'_>,
        actor: Id<MemberId>,
        request_id: Id<JoinRequestId>,
        reason: Option<Text>,
    ) -> PyResult<JoinRequest> {
        unlocked(py, || self.kit()?.deny_join_request(actor.get(), request_id.get(), reason.as_ref().map(Text::as_str)))
            .map(JoinRequest)
    }

    // --- Verified domains (docs/rules.md#verified-domains) ------------------

    /// Starts verifying that the organization owns `domain`: returns the DNS
    /// TXT record to publish (`record_name`, `record_value`). Asking again
    /// returns the same record. A free mail domain is `InvalidInput`.
    fn start_domain_verification(
        &self,
        py: Python<'_>,
        actor: Id<MemberId>,
        org_id: Id<OrgId>,
        domain: Text,
    ) -> PyResult<DomainVerification> {
        unlocked(py, || self.kit()?.start_domain_verification(actor.get(), org_id.get(), domain.as_str()))
            .map(DomainVerification)
    }

    /// Checks the TXT strings your resolver found at the record's name
    /// (InviteKit does no DNS itself) and marks the domain verified when one
    /// of them is the challenge; none is `PermissionDenied`.
    fn verify_domain(
        &self,
        py: Python<'_>,
        actor: Id<MemberId>,
        org_id: Id<OrgId>,
        domain: Text,
        txt_values: List<Text>,
    ) -> PyResult<DomainVerification> {
        unlocked(py, || {
            self.kit()?.verify_domain(actor.get(), org_id.get(), domain.as_str(), &strs(txt_values.items()))
        })
        .map(DomainVerification)
    }

    /// The domains the organization is verifying or has verified.
    fn list_domains(
        &self,
        py: Python<'_>,
        actor: Id<MemberId>,
        org_id: Id<OrgId>,
    ) -> PyResult<Vec<DomainVerification>> {
        unlocked(py, || self.kit()?.list_domains(actor.get(), org_id.get()))
            .map(|v| v.into_iter().map(DomainVerification).collect())
    }

    // --- Conversations with freelancers (docs/rules.md#threads) -------------

    /// Starts a thread with a freelancer; the actor holds their role's full
    /// thread ceiling in it (R3).
    fn start_thread(
        &self,
        py: Python<'_>,
        actor: Id<MemberId>,
        freelancer_id: Text,
        freelancer_name: Text,
        title: Text,
    ) -> PyResult<Thread> {
        unlocked(py, || {
            self.kit()?.start_thread(actor.get(), freelancer_id.as_str(), freelancer_name.as_str(), title.as_str())
        })
        .map(Thread)
    }

    /// Posts a message as the actor (needs `write` in the thread).
    fn post_message(
        &self,
        py: Python<'_>,
        actor: Id<MemberId>,
        thread_id: Id<ThreadId>,
        body: Text,
    ) -> PyResult<Message> {
        unlocked(py, || self.kit()?.post_message(actor.get(), thread_id.get(), body.as_str())).map(Message)
    }

    /// Records a message from the thread's freelancer (for the host).
    fn post_freelancer_message(&self, py: Python<'_>, thread_id: Id<ThreadId>, body: Text) -> PyResult<Message> {
        unlocked(py, || self.kit()?.post_freelancer_message(thread_id.get(), body.as_str())).map(Message)
    }

    /// The actor's threads matching every word of `query` as a word prefix
    /// (case- and accent-insensitive), newest activity first.
    ///
    /// Returns a `ThreadPage`: a `list` of `Thread` whose `next_cursor`
    /// attribute is the `cursor` for the next page, or `None` on the last page.
    #[pyo3(
        signature = (actor, query, limit=Int(core::interface::SEARCH_THREADS_LIMIT.default as i64), cursor=None),
        text_signature = "($self, actor, query, limit=20, cursor=None)"
    )]
    fn search_threads<'py>(
        &self,
        py: Python<'py>,
        actor: Id<MemberId>,
        query: Text,
        limit: Int,
        cursor: Option<Text>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let limit = limit.size(py, "limit")?;
        let page = unlocked(py, || {
            self.kit()?.search_threads(actor.get(), query.as_str(), limit, cursor.as_ref().map(Text::as_str))
        })?;
        thread_page(py, page)
    }

    /// The freelancer and the participants of a thread the actor can see.
    fn people(&self, py: Python<'_>, actor: Id<MemberId>, thread_id: Id<ThreadId>) -> PyResult<People> {
        unlocked(py, || self.kit()?.people(actor.get(), thread_id.get())).map(People)
    }

    /// Active coworkers whose name or email starts with `query` at a word boundary.
    #[pyo3(signature = (actor, query, limit=Int(core::interface::FIND_COWORKERS_LIMIT.default as i64)), text_signature = "($self, actor, query, limit=10)")]
    fn find_coworkers(&self, py: Python<'_>, actor: Id<MemberId>, query: Text, limit: Int) -> PyResult<Vec<Member>> {
        let limit = limit.size(py, "limit")?;
        unlocked(py, || self.kit()?.find_coworkers(actor.get(), query.as_str(), limit))
            .map(|v| v.into_iter().map(Member).collect())
    }

    /// The preset names the actor may give in the thread (R5): exactly those
    /// `add_to_thread` accepts.
    fn permission_options<'py>(
        &self,
        py: Python<'py>,
        actor: Id<MemberId>,
        thread_id: Id<ThreadId>,
    ) -> PyResult<Bound<'py, PyList>> {
        let kit = self.live(py)?;
        let names = unlocked(py, || kit.permission_options(actor.get(), thread_id.get()))?;
        PyList::new(py, names.into_iter().map(|n| self.preset_name(py, n)))
    }

    /// Adds a member to a thread with a `preset` or a list of `permissions`
    /// (exactly one of the two), under rules R4 and R6.
    #[pyo3(signature = (actor, thread_id, member_id, preset=None, permissions=None))]
    fn add_to_thread(
        &self,
        py: Python<'_>,
        actor: Id<MemberId>,
        thread_id: Id<ThreadId>,
        member_id: Id<MemberId>,
        preset: Option<Text>,
        permissions: Option<List<Text>>,
    ) -> PyResult<Participant> {
        unlocked(py, || {
            let grant = grant(preset.as_ref(), permissions.as_ref())?;
            self.kit()?.add_to_thread(actor.get(), thread_id.get(), member_id.get(), &grant)
        })
        .map(Participant)
    }

    /// Brings a coworker into a thread by email: an active member is added at
    /// once (`kind == "added"`); anyone else is invited to the organization with
    /// the thread grant attached (`kind == "invited"`).
    #[pyo3(signature = (
        actor, thread_id, email, preset=None, permissions=None, message=None, metadata=None,
        private_metadata=None, redirect_url=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn invite_to_thread(
        &self,
        py: Python<'_>,
        actor: Id<MemberId>,
        thread_id: Id<ThreadId>,
        email: Text,
        preset: Option<Text>,
        permissions: Option<List<Text>>,
        message: Option<Text>,
        metadata: Option<&Bound<'_, PyAny>>,
        private_metadata: Option<&Bound<'_, PyAny>>,
        redirect_url: Option<Text>,
    ) -> PyResult<ThreadInviteResult> {
        let opts = options(py, message, None, None, None, metadata, private_metadata, redirect_url)?;
        unlocked(py, || {
            let grant = grant(preset.as_ref(), permissions.as_ref())?;
            self.kit()?.invite_to_thread(actor.get(), thread_id.get(), email.as_str(), &grant, opts)
        })
        .map(ThreadInviteResult)
    }

    /// Changes a participant's permissions (R4), with a `preset` or a list of
    /// `permissions` (exactly one of the two).
    #[pyo3(signature = (actor, thread_id, member_id, preset=None, permissions=None))]
    fn change_permissions(
        &self,
        py: Python<'_>,
        actor: Id<MemberId>,
        thread_id: Id<ThreadId>,
        member_id: Id<MemberId>,
        preset: Option<Text>,
        permissions: Option<List<Text>>,
    ) -> PyResult<Participant> {
        unlocked(py, || {
            let grant = grant(preset.as_ref(), permissions.as_ref())?;
            self.kit()?.change_permissions(actor.get(), thread_id.get(), member_id.get(), &grant)
        })
        .map(Participant)
    }

    /// Removes a participant from a thread (needs `manage_people`).
    fn remove_from_thread(
        &self,
        py: Python<'_>,
        actor: Id<MemberId>,
        thread_id: Id<ThreadId>,
        member_id: Id<MemberId>,
    ) -> PyResult<()> {
        unlocked(py, || self.kit()?.remove_from_thread(actor.get(), thread_id.get(), member_id.get()))
    }

    /// Leaves a thread. The last holder of `manage_people` must hand it on first (`Conflict`).
    fn leave_thread(&self, py: Python<'_>, actor: Id<MemberId>, thread_id: Id<ThreadId>) -> PyResult<()> {
        unlocked(py, || self.kit()?.leave_thread(actor.get(), thread_id.get()))
    }

    // --- Outbox and events (docs/rules.md#outbox, #events) ------------------

    /// Up to `limit` emails due for delivery, leased for five minutes:
    /// deliver each, then `outbox_ack(id)` or `outbox_fail(id, reason)`.
    #[pyo3(signature = (limit=Int(core::interface::OUTBOX_PENDING_LIMIT.default as i64)), text_signature = "($self, limit=100)")]
    fn outbox_pending(&self, py: Python<'_>, limit: Int) -> PyResult<Vec<OutgoingEmail>> {
        let limit = limit.size(py, "limit")?;
        unlocked(py, || self.kit()?.outbox_pending(limit)).map(|v| v.into_iter().map(OutgoingEmail).collect())
    }

    /// Marks an email delivered.
    fn outbox_ack(&self, py: Python<'_>, email_id: Id<EmailId>) -> PyResult<()> {
        unlocked(py, || self.kit()?.outbox_ack(email_id.get()))
    }

    /// Records a failed delivery; the email is retried with backoff, then dead.
    fn outbox_fail(&self, py: Python<'_>, email_id: Id<EmailId>, reason: Text) -> PyResult<()> {
        unlocked(py, || self.kit()?.outbox_fail(email_id.get(), reason.as_str()))
    }

    /// The organization's audit log after `after_seq` (from the start when
    /// `None`), at most `limit` events; for members who manage the organization.
    #[pyo3(
        signature = (actor, after_seq=None, limit=Int(core::interface::EVENTS_LIMIT.default as i64)),
        text_signature = "($self, actor, after_seq=None, limit=100)"
    )]
    fn events(&self, py: Python<'_>, actor: Id<MemberId>, after_seq: Option<Int>, limit: Int) -> PyResult<Vec<Event>> {
        let limit = limit.size(py, "limit")?;
        let after_seq = after_seq.map(|s| s.unsigned(py, "after_seq")).transpose()?;
        unlocked(py, || self.kit()?.events(actor.get(), after_seq, limit)).map(|v| v.into_iter().map(Event).collect())
    }

    fn __repr__(&self) -> String {
        match self.kit() {
            Ok(kit) => format!("InviteKit(roles={})", kit.policy().roles().len()),
            Err(_) => "InviteKit(closed)".to_owned(),
        }
    }
}
