// Written by scripts/gen-interface from core/interface/records.json: do not edit.
// Change the core's list (core/tests/interface.rs), then run
// `INVITEKIT_BLESS=1 cargo test -p invitekit --test interface` and
// `python3 scripts/gen-interface`.

//! The result objects: each wraps the core record it shows and converts a
//! field when it is read (ids as `str`, times as aware UTC `datetime`, lists
//! as `list`, absent values as `None`). They are immutable, compare equal
//! when the core records are equal, and their `repr` never shows a token, a
//! link or an email body.

use invitekit as core;
use pyo3::prelude::*;
use pyo3::types::PyAny;

#[allow(unused_imports)]
use crate::convert::{datetime, json_to_py, repr_bool, repr_items, repr_list, repr_opt, repr_str};
#[allow(unused_imports)]
use crate::objects::{author_id, ids, object_to_py, settings_to_py};

/// A company using InviteKit.
#[pyclass(frozen, eq, module = "invitekit", name = "Organization")]
#[derive(Clone, PartialEq)]
pub struct Organization(pub(crate) core::Organization);

#[pymethods]
impl Organization {
    /// Its id.
    #[getter]
    fn id(&self) -> String {
        self.0.id.to_string()
    }
    /// Its display name, as emails show it.
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }
    /// Its slug: `[a-z0-9-]{2,63}`.
    #[getter]
    fn slug(&self) -> &str {
        &self.0.slug
    }
    /// The company's portal (an https URL); join links are `{portal_url}/join/{token}`.
    #[getter]
    fn portal_url(&self) -> &str {
        &self.0.portal_url
    }
    /// The email domains (ASCII form) invitations may go to; empty means any.
    #[getter]
    fn allowed_domains(&self) -> Vec<String> {
        self.0.allowed_domains.clone()
    }
    /// Its settings: expiry, cooldown, rate limits and the rest (docs/rules.md#limits).
    #[getter]
    fn settings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        settings_to_py(py, &self.0.settings)
    }
    /// When it was created.
    #[getter]
    fn created_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, self.0.created_at)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_organization(py, &self.0)
    }
}

/// `Organization(...)`, as Python shows it: every field but email bodies, metadata and settings; a secret as `<secret>`.
pub(crate) fn repr_organization(_py: Python<'_>, r: &core::Organization) -> PyResult<String> {
    Ok(format!(
        "Organization(id={}, name={}, slug={}, portal_url={}, allowed_domains={}, created_at={})",
        repr_str(&r.id.to_string()),
        repr_str(&r.name),
        repr_str(&r.slug),
        repr_str(&r.portal_url),
        repr_list(&r.allowed_domains),
        r.created_at
    ))
}

/// A member of an organization.
#[pyclass(frozen, eq, module = "invitekit", name = "Member")]
#[derive(Clone, PartialEq)]
pub struct Member(pub(crate) core::Member);

#[pymethods]
impl Member {
    /// The member's id.
    #[getter]
    fn id(&self) -> String {
        self.0.id.to_string()
    }
    /// The organization's id.
    #[getter]
    fn org_id(&self) -> String {
        self.0.org_id.to_string()
    }
    /// The member's email address, normalized.
    #[getter]
    fn email(&self) -> &str {
        &self.0.email
    }
    /// The member's name.
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }
    /// The member's role, a role of the policy (`full`, `hiring_manager`, `recruiter`, `member`, ...).
    #[getter]
    fn role(&self) -> &str {
        &self.0.role
    }
    /// The ids of the member's teams.
    #[getter]
    fn team_ids(&self) -> Vec<String> {
        ids(&self.0.team_ids)
    }
    /// `active` or `deactivated`.
    #[getter]
    fn status(&self) -> &'static str {
        self.0.status.as_str()
    }
    /// When the member joined.
    #[getter]
    fn joined_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, self.0.joined_at)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_member(py, &self.0)
    }
}

/// `Member(...)`, as Python shows it: every field but email bodies, metadata and settings; a secret as `<secret>`.
pub(crate) fn repr_member(_py: Python<'_>, r: &core::Member) -> PyResult<String> {
    Ok(format!(
        "Member(id={}, org_id={}, email={}, name={}, role={}, team_ids={}, status={}, joined_at={})",
        repr_str(&r.id.to_string()),
        repr_str(&r.org_id.to_string()),
        repr_str(&r.email),
        repr_str(&r.name),
        repr_str(&r.role),
        repr_list(&ids(&r.team_ids)),
        repr_str(r.status.as_str()),
        r.joined_at
    ))
}

/// A team of an organization.
#[pyclass(frozen, eq, module = "invitekit", name = "Team")]
#[derive(Clone, PartialEq)]
pub struct Team(pub(crate) core::Team);

#[pymethods]
impl Team {
    /// The team's id.
    #[getter]
    fn id(&self) -> String {
        self.0.id.to_string()
    }
    /// The organization's id.
    #[getter]
    fn org_id(&self) -> String {
        self.0.org_id.to_string()
    }
    /// The team's name, unique in the organization (case-insensitively).
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_team(py, &self.0)
    }
}

/// `Team(...)`, as Python shows it: every field but email bodies, metadata and settings; a secret as `<secret>`.
pub(crate) fn repr_team(_py: Python<'_>, r: &core::Team) -> PyResult<String> {
    Ok(format!(
        "Team(id={}, org_id={}, name={})",
        repr_str(&r.id.to_string()),
        repr_str(&r.org_id.to_string()),
        repr_str(&r.name)
    ))
}

/// An email: the preview of a draft. Its bodies hold the join link, a
/// secret: keep them out of logs.
/// `repr` shows neither a secret nor an email body.
#[pyclass(frozen, eq, module = "invitekit", name = "Email")]
#[derive(Clone, PartialEq)]
pub struct Email(pub(crate) core::Email);

#[pymethods]
impl Email {
    /// The recipient's address.
    #[getter]
    fn to(&self) -> &str {
        &self.0.to
    }
    /// The subject: one line without control characters.
    #[getter]
    fn subject(&self) -> &str {
        &self.0.subject
    }
    /// The plain-text part.
    #[getter]
    fn text(&self) -> &str {
        &self.0.text
    }
    /// The HTML part, every user-supplied value escaped.
    #[getter]
    fn html(&self) -> &str {
        &self.0.html
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_email(py, &self.0)
    }
}

/// `Email(...)`, as Python shows it: every field but email bodies, metadata and settings; a secret as `<secret>`.
pub(crate) fn repr_email(_py: Python<'_>, r: &core::Email) -> PyResult<String> {
    Ok(format!("Email(to={}, subject={})", repr_str(&r.to), repr_str(&r.subject)))
}

/// A thread an invitation brings its invitee into, with the permissions it
/// carries there (applied on acceptance if rule R4 still allows them: R8,
/// docs/rules.md#r8).
#[pyclass(frozen, eq, module = "invitekit", name = "ThreadGrant")]
#[derive(Clone, PartialEq)]
pub struct ThreadGrant(pub(crate) core::ThreadGrant);

#[pymethods]
impl ThreadGrant {
    /// The thread's id.
    #[getter]
    fn thread_id(&self) -> String {
        self.0.thread_id.to_string()
    }
    /// The permission names, sorted (`["interview", "read", "write"]`).
    #[getter]
    fn permissions(&self) -> Vec<&'static str> {
        self.0.permissions.names()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_thread_grant(py, &self.0)
    }
}

/// `ThreadGrant(...)`, as Python shows it: every field but email bodies, metadata and settings; a secret as `<secret>`.
pub(crate) fn repr_thread_grant(_py: Python<'_>, r: &core::ThreadGrant) -> PyResult<String> {
    Ok(format!(
        "ThreadGrant(thread_id={}, permissions={})",
        repr_str(&r.thread_id.to_string()),
        repr_list(&r.permissions.names())
    ))
}

/// An invitation to join an organization. It never holds its token.
#[pyclass(frozen, eq, module = "invitekit", name = "Invitation")]
#[derive(Clone, PartialEq)]
pub struct Invitation(pub(crate) core::Invitation);

#[pymethods]
impl Invitation {
    /// The invitation's id (safe to list and show: not the token).
    #[getter]
    fn id(&self) -> String {
        self.0.id.to_string()
    }
    /// The organization's id.
    #[getter]
    fn org_id(&self) -> String {
        self.0.org_id.to_string()
    }
    /// The id of the member who sent it.
    #[getter]
    fn inviter_id(&self) -> String {
        self.0.inviter_id.to_string()
    }
    /// The invited address, normalized.
    #[getter]
    fn email(&self) -> &str {
        &self.0.email
    }
    /// The personal message, if any.
    #[getter]
    fn message(&self) -> Option<&str> {
        self.0.message.as_deref()
    }
    /// The teams the invitee will join, in the order given.
    #[getter]
    fn team_ids(&self) -> Vec<String> {
        ids(&self.0.team_ids)
    }
    /// The role the invitee will have.
    #[getter]
    fn role(&self) -> &str {
        &self.0.role
    }
    /// `pending`, `accepted`, `revoked`, `declined`, `expired`, or, when its
    /// inviter's role needs approval, `awaiting_approval` (until a manager
    /// approves it: then it is `pending`) or `denied`.
    #[getter]
    fn status(&self) -> &'static str {
        self.0.status.as_str()
    }
    /// When it was first sent.
    #[getter]
    fn created_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, self.0.created_at)
    }
    /// When its link stops working.
    #[getter]
    fn expires_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, self.0.expires_at)
    }
    /// How many times it was sent (1 + resends).
    #[getter]
    fn sent_count(&self) -> u32 {
        self.0.sent_count
    }
    /// When it was last sent.
    #[getter]
    fn last_sent_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, self.0.last_sent_at)
    }
    /// The threads the invitee joins on accepting, with the permissions the
    /// invitation carries in each (checked again then: R8, docs/rules.md#r8).
    #[getter]
    fn thread_grants(&self) -> Vec<ThreadGrant> {
        self.0.thread_grants.iter().cloned().map(ThreadGrant).collect()
    }
    /// Whether InviteKit emails it (false: the user shares the link themselves).
    #[getter]
    fn delivered(&self) -> bool {
        self.0.delivered
    }
    /// The host's data shown to the invitee (the landing page, email
    /// templates); empty when none.
    #[getter]
    fn metadata<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        object_to_py(py, &self.0.metadata)
    }
    /// The host's data never shown to the invitee: empty when none, and in
    /// what the invitee receives (an acceptance, a decline, the invitations
    /// for an email).
    #[getter]
    fn private_metadata<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        object_to_py(py, &self.0.private_metadata)
    }
    /// Where the host sends the invitee after accepting, if anywhere.
    #[getter]
    fn redirect_url(&self) -> Option<&str> {
        self.0.redirect_url.as_deref()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_invitation(py, &self.0)
    }
}

/// `Invitation(...)`, as Python shows it: every field but email bodies, metadata and settings; a secret as `<secret>`.
pub(crate) fn repr_invitation(py: Python<'_>, r: &core::Invitation) -> PyResult<String> {
    Ok(format!(
        "Invitation(id={}, org_id={}, inviter_id={}, email={}, message={}, team_ids={}, role={}, status={}, created_at={}, expires_at={}, sent_count={}, last_sent_at={}, thread_grants={}, delivered={}, redirect_url={})",
        repr_str(&r.id.to_string()),
        repr_str(&r.org_id.to_string()),
        repr_str(&r.inviter_id.to_string()),
        repr_str(&r.email),
        repr_opt(r.message.as_deref()),
        repr_list(&ids(&r.team_ids)),
        repr_str(&r.role),
        repr_str(r.status.as_str()),
        r.created_at,
        r.expires_at,
        r.sent_count,
        r.last_sent_at,
        repr_items(py, &r.thread_grants, repr_thread_grant)?,
        repr_bool(r.delivered),
        repr_opt(r.redirect_url.as_deref())
    ))
}

/// What accepting an invitation did.
#[pyclass(frozen, eq, module = "invitekit", name = "Acceptance")]
#[derive(Clone, PartialEq)]
pub struct Acceptance(pub(crate) core::Acceptance);

#[pymethods]
impl Acceptance {
    /// The new (or reactivated) member.
    #[getter]
    fn member(&self) -> Member {
        Member(self.0.member.clone())
    }
    /// The invitation, now accepted.
    #[getter]
    fn invitation(&self) -> Invitation {
        Invitation(self.0.invitation.clone())
    }
    /// The ids of the threads whose grant no longer passed rule R4 and was dropped (R8, docs/rules.md#r8).
    #[getter]
    fn dropped_grants(&self) -> Vec<String> {
        ids(&self.0.dropped_grants)
    }
    /// Where to send the new member: the invitation's redirect URL, if its
    /// origin is still allowed.
    #[getter]
    fn redirect_url(&self) -> Option<&str> {
        self.0.redirect_url.as_deref()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_acceptance(py, &self.0)
    }
}

/// `Acceptance(...)`, as Python shows it: every field but email bodies, metadata and settings; a secret as `<secret>`.
pub(crate) fn repr_acceptance(py: Python<'_>, r: &core::Acceptance) -> PyResult<String> {
    Ok(format!(
        "Acceptance(member={}, invitation={}, dropped_grants={}, redirect_url={})",
        repr_member(py, &r.member)?,
        repr_invitation(py, &r.invitation)?,
        repr_list(&ids(&r.dropped_grants)),
        repr_opt(r.redirect_url.as_deref())
    ))
}

/// What a resend did: a new link; the old one stopped working. The link
/// is a secret.
/// `repr` shows neither a secret nor an email body.
#[pyclass(frozen, eq, module = "invitekit", name = "Resent")]
#[derive(Clone, PartialEq)]
pub struct Resent(pub(crate) core::Resent);

#[pymethods]
impl Resent {
    /// The invitation, with its new expiry.
    #[getter]
    fn invitation(&self) -> Invitation {
        Invitation(self.0.invitation.clone())
    }
    /// The new join link. A secret.
    #[getter]
    fn link(&self) -> &str {
        &self.0.link
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_resent(py, &self.0)
    }
}

/// `Resent(...)`, as Python shows it: every field but email bodies, metadata and settings; a secret as `<secret>`.
pub(crate) fn repr_resent(py: Python<'_>, r: &core::Resent) -> PyResult<String> {
    Ok(format!("Resent(invitation={}, link={})", repr_invitation(py, &r.invitation)?, "<secret>".to_owned()))
}

/// What a landing page shows for a link (`peek_invitation`).
#[pyclass(frozen, eq, module = "invitekit", name = "InvitationPreview")]
#[derive(Clone, PartialEq)]
pub struct InvitationPreview(pub(crate) core::InvitationPreview);

#[pymethods]
impl InvitationPreview {
    /// The company's name.
    #[getter]
    fn organization_name(&self) -> &str {
        &self.0.organization_name
    }
    /// The inviter's name.
    #[getter]
    fn inviter_name(&self) -> &str {
        &self.0.inviter_name
    }
    /// The names of the teams the invitee will join, in order.
    #[getter]
    fn team_names(&self) -> Vec<String> {
        self.0.team_names.clone()
    }
    /// The invited address.
    #[getter]
    fn email(&self) -> &str {
        &self.0.email
    }
    /// When the link stops working.
    #[getter]
    fn expires_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, self.0.expires_at)
    }
    /// The host's data for the landing page; empty when none.
    #[getter]
    fn metadata<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        object_to_py(py, &self.0.metadata)
    }
    /// Where the invitee will be sent after accepting, if anywhere.
    #[getter]
    fn redirect_url(&self) -> Option<&str> {
        self.0.redirect_url.as_deref()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_invitation_preview(py, &self.0)
    }
}

/// `InvitationPreview(...)`, as Python shows it: every field but email bodies, metadata and settings; a secret as `<secret>`.
pub(crate) fn repr_invitation_preview(_py: Python<'_>, r: &core::InvitationPreview) -> PyResult<String> {
    Ok(format!(
        "InvitationPreview(organization_name={}, inviter_name={}, team_names={}, email={}, expires_at={}, redirect_url={})",
        repr_str(&r.organization_name),
        repr_str(&r.inviter_name),
        repr_list(&r.team_names),
        repr_str(&r.email),
        r.expires_at,
        repr_opt(r.redirect_url.as_deref())
    ))
}

/// The outcome for one address of `invite_many`: the invitation, or why not.
#[pyclass(frozen, eq, module = "invitekit", name = "InviteResult")]
#[derive(Clone, PartialEq)]
pub struct InviteResult(pub(crate) core::InviteResult);

#[pymethods]
impl InviteResult {
    /// The address as given.
    #[getter]
    fn email(&self) -> &str {
        &self.0.email
    }
    /// The invitation, when it was sent.
    #[getter]
    fn invitation(&self) -> Option<Invitation> {
        self.0.invitation.clone().map(Invitation)
    }
    /// Why it failed: an error code, if it did.
    #[getter]
    fn error(&self) -> Option<&'static str> {
        self.0.error.as_ref().map(core::Error::code)
    }
    /// The error's message, for a person to read, if it failed.
    #[getter]
    fn error_message(&self) -> Option<String> {
        self.0.error.as_ref().map(ToString::to_string)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_invite_result(py, &self.0)
    }
}

/// `InviteResult(...)`, as Python shows it: every field but email bodies, metadata and settings; a secret as `<secret>`.
pub(crate) fn repr_invite_result(py: Python<'_>, r: &core::InviteResult) -> PyResult<String> {
    Ok(format!(
        "InviteResult(email={}, invitation={}, error={})",
        repr_str(&r.email),
        r.invitation.as_ref().map_or_else(|| Ok("None".to_owned()), |x| repr_invitation(py, x))?,
        repr_opt(r.error.as_ref().map(core::Error::code))
    ))
}

/// An email in the outbox, for the host to deliver, then acknowledge or
/// fail. Its bodies may hold a join link, a secret: keep them out of logs.
/// `repr` shows neither a secret nor an email body.
#[pyclass(frozen, eq, module = "invitekit", name = "OutgoingEmail")]
#[derive(Clone, PartialEq)]
pub struct OutgoingEmail(pub(crate) core::OutgoingEmail);

#[pymethods]
impl OutgoingEmail {
    /// The email's id, to acknowledge or fail it with.
    #[getter]
    fn id(&self) -> String {
        self.0.id.to_string()
    }
    /// The organization's id.
    #[getter]
    fn org_id(&self) -> String {
        self.0.org_id.to_string()
    }
    /// `invitation`, `thread_invitation`, `approval_requested`,
    /// `invitation_denied`, `join_requested`, `join_approved` or `join_denied`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.0.kind.as_str()
    }
    /// The invitation it was sent for, if any.
    #[getter]
    fn invitation_id(&self) -> Option<String> {
        self.0.invitation_id.map(|i| i.to_string())
    }
    /// The recipient's address.
    #[getter]
    fn to(&self) -> &str {
        &self.0.to
    }
    /// The subject.
    #[getter]
    fn subject(&self) -> &str {
        &self.0.subject
    }
    /// The plain-text part.
    #[getter]
    fn text(&self) -> &str {
        &self.0.text
    }
    /// The HTML part.
    #[getter]
    fn html(&self) -> &str {
        &self.0.html
    }
    /// When it was queued.
    #[getter]
    fn created_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, self.0.created_at)
    }
    /// Delivery attempts so far: the times it was handed out, this one included.
    #[getter]
    fn attempts(&self) -> u32 {
        self.0.attempts
    }
    /// `pending`, `sent`, `dead` or `cancelled`.
    #[getter]
    fn status(&self) -> &'static str {
        self.0.status.as_str()
    }
    /// When it may be handed out next: the end of its lease, or of its backoff after a failure.
    #[getter]
    fn next_attempt_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, self.0.next_attempt_at)
    }
    /// Why the last attempt failed, if one did.
    #[getter]
    fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_outgoing_email(py, &self.0)
    }
}

/// `OutgoingEmail(...)`, as Python shows it: every field but email bodies, metadata and settings; a secret as `<secret>`.
pub(crate) fn repr_outgoing_email(_py: Python<'_>, r: &core::OutgoingEmail) -> PyResult<String> {
    Ok(format!(
        "OutgoingEmail(id={}, org_id={}, kind={}, invitation_id={}, to={}, subject={}, created_at={}, attempts={}, status={}, next_attempt_at={}, last_error={})",
        repr_str(&r.id.to_string()),
        repr_str(&r.org_id.to_string()),
        repr_str(r.kind.as_str()),
        repr_opt(r.invitation_id.map(|i| i.to_string()).as_deref()),
        repr_str(&r.to),
        repr_str(&r.subject),
        r.created_at,
        r.attempts,
        repr_str(r.status.as_str()),
        r.next_attempt_at,
        repr_opt(r.last_error.as_deref())
    ))
}

/// A conversation between the company's members and one freelancer.
#[pyclass(frozen, eq, module = "invitekit", name = "Thread")]
#[derive(Clone, PartialEq)]
pub struct Thread(pub(crate) core::Thread);

#[pymethods]
impl Thread {
    /// The thread's id.
    #[getter]
    fn id(&self) -> String {
        self.0.id.to_string()
    }
    /// The organization's id.
    #[getter]
    fn org_id(&self) -> String {
        self.0.org_id.to_string()
    }
    /// Its title.
    #[getter]
    fn title(&self) -> &str {
        &self.0.title
    }
    /// The freelancer's id in the host application.
    #[getter]
    fn freelancer_id(&self) -> &str {
        &self.0.freelancer_id
    }
    /// The freelancer's name.
    #[getter]
    fn freelancer_name(&self) -> &str {
        &self.0.freelancer_name
    }
    /// The id of the member who started it.
    #[getter]
    fn created_by(&self) -> String {
        self.0.created_by.to_string()
    }
    /// When it was started.
    #[getter]
    fn created_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, self.0.created_at)
    }
    /// When its last message was posted (or it was started).
    #[getter]
    fn last_activity_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, self.0.last_activity_at)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_thread(py, &self.0)
    }
}

/// `Thread(...)`, as Python shows it: every field but email bodies, metadata and settings; a secret as `<secret>`.
pub(crate) fn repr_thread(_py: Python<'_>, r: &core::Thread) -> PyResult<String> {
    Ok(format!(
        "Thread(id={}, org_id={}, title={}, freelancer_id={}, freelancer_name={}, created_by={}, created_at={}, last_activity_at={})",
        repr_str(&r.id.to_string()),
        repr_str(&r.org_id.to_string()),
        repr_str(&r.title),
        repr_str(&r.freelancer_id),
        repr_str(&r.freelancer_name),
        repr_str(&r.created_by.to_string()),
        r.created_at,
        r.last_activity_at
    ))
}

/// A message in a thread.
#[pyclass(frozen, eq, module = "invitekit", name = "Message")]
#[derive(Clone, PartialEq)]
pub struct Message(pub(crate) core::Message);

#[pymethods]
impl Message {
    /// The message's id.
    #[getter]
    fn id(&self) -> String {
        self.0.id.to_string()
    }
    /// The thread's id.
    #[getter]
    fn thread_id(&self) -> String {
        self.0.thread_id.to_string()
    }
    /// The organization's id.
    #[getter]
    fn org_id(&self) -> String {
        self.0.org_id.to_string()
    }
    /// The member who wrote it; none when the freelancer did.
    #[getter]
    fn author_id(&self) -> Option<String> {
        author_id(&self.0.author)
    }
    /// Its text.
    #[getter]
    fn body(&self) -> &str {
        &self.0.body
    }
    /// When it was posted.
    #[getter]
    fn sent_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, self.0.sent_at)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_message(py, &self.0)
    }
}

/// `Message(...)`, as Python shows it: every field but email bodies, metadata and settings; a secret as `<secret>`.
pub(crate) fn repr_message(_py: Python<'_>, r: &core::Message) -> PyResult<String> {
    Ok(format!(
        "Message(id={}, thread_id={}, org_id={}, author_id={}, body={}, sent_at={})",
        repr_str(&r.id.to_string()),
        repr_str(&r.thread_id.to_string()),
        repr_str(&r.org_id.to_string()),
        repr_opt(author_id(&r.author).as_deref()),
        repr_str(&r.body),
        r.sent_at
    ))
}

/// A participant of a thread, with their permissions there.
#[pyclass(frozen, eq, module = "invitekit", name = "Participant")]
#[derive(Clone, PartialEq)]
pub struct Participant(pub(crate) core::ParticipantInfo);

#[pymethods]
impl Participant {
    /// The member's id.
    #[getter]
    fn member_id(&self) -> String {
        self.0.member_id.to_string()
    }
    /// The member's name.
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }
    /// The permission names, sorted (`["interview", "read", "write"]`).
    #[getter]
    fn permissions(&self) -> Vec<&'static str> {
        self.0.permissions.names()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_participant(py, &self.0)
    }
}

/// `Participant(...)`, as Python shows it: every field but email bodies, metadata and settings; a secret as `<secret>`.
pub(crate) fn repr_participant(_py: Python<'_>, r: &core::ParticipantInfo) -> PyResult<String> {
    Ok(format!(
        "Participant(member_id={}, name={}, permissions={})",
        repr_str(&r.member_id.to_string()),
        repr_str(&r.name),
        repr_list(&r.permissions.names())
    ))
}

/// Who is in a thread: the freelancer and the participants (`people`).
#[pyclass(frozen, eq, module = "invitekit", name = "People")]
#[derive(Clone, PartialEq)]
pub struct People(pub(crate) core::People);

#[pymethods]
impl People {
    /// The freelancer's id in the host application.
    #[getter]
    fn freelancer_id(&self) -> &str {
        &self.0.freelancer_id
    }
    /// The freelancer's name.
    #[getter]
    fn freelancer_name(&self) -> &str {
        &self.0.freelancer_name
    }
    /// The organization's members in the thread, in the order they were added.
    #[getter]
    fn participants(&self) -> Vec<Participant> {
        self.0.participants.iter().cloned().map(Participant).collect()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_people(py, &self.0)
    }
}

/// `People(...)`, as Python shows it: every field but email bodies, metadata and settings; a secret as `<secret>`.
pub(crate) fn repr_people(py: Python<'_>, r: &core::People) -> PyResult<String> {
    Ok(format!(
        "People(freelancer_id={}, freelancer_name={}, participants={})",
        repr_str(&r.freelancer_id),
        repr_str(&r.freelancer_name),
        repr_items(py, &r.participants, repr_participant)?
    ))
}

/// What `invite_to_thread` did: `added` an existing member (`participant`),
/// or `invited` an address to the organization (`invitation`).
#[pyclass(frozen, eq, module = "invitekit", name = "ThreadInviteResult")]
#[derive(Clone, PartialEq)]
pub struct ThreadInviteResult(pub(crate) core::ThreadInviteResult);

#[pymethods]
impl ThreadInviteResult {
    /// `added` or `invited`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.0.kind.as_str()
    }
    /// The new participant, when added.
    #[getter]
    fn participant(&self) -> Option<Participant> {
        self.0.participant.clone().map(Participant)
    }
    /// The invitation carrying the thread grant, when invited.
    #[getter]
    fn invitation(&self) -> Option<Invitation> {
        self.0.invitation.clone().map(Invitation)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_thread_invite_result(py, &self.0)
    }
}

/// `ThreadInviteResult(...)`, as Python shows it: every field but email bodies, metadata and settings; a secret as `<secret>`.
pub(crate) fn repr_thread_invite_result(py: Python<'_>, r: &core::ThreadInviteResult) -> PyResult<String> {
    Ok(format!(
        "ThreadInviteResult(kind={}, participant={}, invitation={})",
        repr_str(r.kind.as_str()),
        r.participant.as_ref().map_or_else(|| Ok("None".to_owned()), |x| repr_participant(py, x))?,
        r.invitation.as_ref().map_or_else(|| Ok("None".to_owned()), |x| repr_invitation(py, x))?
    ))
}

/// Someone on a verified auto-join domain asking to join an organization
/// whose `domain_join` mode is `request` (`join_by_domain`); a manager
/// approves or denies it.
#[pyclass(frozen, eq, module = "invitekit", name = "JoinRequest")]
#[derive(Clone, PartialEq)]
pub struct JoinRequest(pub(crate) core::JoinRequest);

#[pymethods]
impl JoinRequest {
    /// The request's id.
    #[getter]
    fn id(&self) -> String {
        self.0.id.to_string()
    }
    /// The organization's id.
    #[getter]
    fn org_id(&self) -> String {
        self.0.org_id.to_string()
    }
    /// The verified address that asks, normalized.
    #[getter]
    fn email(&self) -> &str {
        &self.0.email
    }
    /// The name the person gave.
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }
    /// The role they will get if approved: the policy's default role when they asked.
    #[getter]
    fn role(&self) -> &str {
        &self.0.role
    }
    /// `pending`, `approved` or `denied`.
    #[getter]
    fn status(&self) -> &'static str {
        self.0.status.as_str()
    }
    /// When it was made.
    #[getter]
    fn created_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, self.0.created_at)
    }
    /// The id of the member who approved or denied it, if one did.
    #[getter]
    fn decided_by(&self) -> Option<String> {
        self.0.decided_by.map(|i| i.to_string())
    }
    /// When it was approved or denied, if it was.
    #[getter]
    fn decided_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.0.decided_at.map(|t| datetime(py, t)).transpose()
    }
    /// The reason given for a denial, if any.
    #[getter]
    fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_join_request(py, &self.0)
    }
}

/// `JoinRequest(...)`, as Python shows it: every field but email bodies, metadata and settings; a secret as `<secret>`.
pub(crate) fn repr_join_request(_py: Python<'_>, r: &core::JoinRequest) -> PyResult<String> {
    Ok(format!(
        "JoinRequest(id={}, org_id={}, email={}, name={}, role={}, status={}, created_at={}, decided_by={}, decided_at={}, reason={})",
        repr_str(&r.id.to_string()),
        repr_str(&r.org_id.to_string()),
        repr_str(&r.email),
        repr_str(&r.name),
        repr_str(&r.role),
        repr_str(r.status.as_str()),
        r.created_at,
        repr_opt(r.decided_by.map(|i| i.to_string()).as_deref()),
        r.decided_at.map_or_else(|| "None".to_owned(), |t| t.to_string()),
        repr_opt(r.reason.as_deref())
    ))
}

/// A domain an organization is proving it owns with a DNS TXT record
/// (`start_domain_verification`, then `verify_domain`).
#[pyclass(frozen, eq, module = "invitekit", name = "DomainVerification")]
#[derive(Clone, PartialEq)]
pub struct DomainVerification(pub(crate) core::DomainVerification);

#[pymethods]
impl DomainVerification {
    /// The organization's id.
    #[getter]
    fn org_id(&self) -> String {
        self.0.org_id.to_string()
    }
    /// The domain, in its ASCII form.
    #[getter]
    fn domain(&self) -> &str {
        &self.0.domain
    }
    /// The name of the TXT record to publish: `_invitekit-challenge.<domain>`.
    #[getter]
    fn record_name(&self) -> &str {
        &self.0.record_name
    }
    /// The value of the TXT record: `invitekit-verification=<random>`, this
    /// organization's challenge for this domain.
    #[getter]
    fn record_value(&self) -> &str {
        &self.0.record_value
    }
    /// When the verification was started.
    #[getter]
    fn created_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, self.0.created_at)
    }
    /// When the record was found, if it was: the domain is verified from then on.
    #[getter]
    fn verified_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.0.verified_at.map(|t| datetime(py, t)).transpose()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_domain_verification(py, &self.0)
    }
}

/// `DomainVerification(...)`, as Python shows it: every field but email bodies, metadata and settings; a secret as `<secret>`.
pub(crate) fn repr_domain_verification(_py: Python<'_>, r: &core::DomainVerification) -> PyResult<String> {
    Ok(format!(
        "DomainVerification(org_id={}, domain={}, record_name={}, record_value={}, created_at={}, verified_at={})",
        repr_str(&r.org_id.to_string()),
        repr_str(&r.domain),
        repr_str(&r.record_name),
        repr_str(&r.record_value),
        r.created_at,
        r.verified_at.map_or_else(|| "None".to_owned(), |t| t.to_string())
    ))
}

/// What `join_by_domain` did: `joined` (`member`, the `automatic` mode) or
/// `requested` (`request`, the `request` mode).
#[pyclass(frozen, eq, module = "invitekit", name = "JoinResult")]
#[derive(Clone, PartialEq)]
pub struct JoinResult(pub(crate) core::JoinResult);

#[pymethods]
impl JoinResult {
    /// `joined` or `requested`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.0.kind.as_str()
    }
    /// The new member, when joined.
    #[getter]
    fn member(&self) -> Option<Member> {
        self.0.member.clone().map(Member)
    }
    /// The request to join, when requested.
    #[getter]
    fn request(&self) -> Option<JoinRequest> {
        self.0.request.clone().map(JoinRequest)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_join_result(py, &self.0)
    }
}

/// `JoinResult(...)`, as Python shows it: every field but email bodies, metadata and settings; a secret as `<secret>`.
pub(crate) fn repr_join_result(py: Python<'_>, r: &core::JoinResult) -> PyResult<String> {
    Ok(format!(
        "JoinResult(kind={}, member={}, request={})",
        repr_str(r.kind.as_str()),
        r.member.as_ref().map_or_else(|| Ok("None".to_owned()), |x| repr_member(py, x))?,
        r.request.as_ref().map_or_else(|| Ok("None".to_owned()), |x| repr_join_request(py, x))?
    ))
}

/// An entry of the organization's audit log (`events`).
#[pyclass(frozen, eq, module = "invitekit", name = "Event")]
#[derive(Clone, PartialEq)]
pub struct Event(pub(crate) core::Event);

#[pymethods]
impl Event {
    /// Its position in the organization's log: 1, 2, 3, ... with no gaps.
    #[getter]
    fn seq(&self) -> u64 {
        self.0.seq
    }
    /// The organization's id.
    #[getter]
    fn org_id(&self) -> String {
        self.0.org_id.to_string()
    }
    /// When it happened.
    #[getter]
    fn at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, self.0.at)
    }
    /// Who did it; none for the host, an invitee or a rule.
    #[getter]
    fn actor_id(&self) -> Option<String> {
        self.0.actor_id.map(|i| i.to_string())
    }
    /// What happened (`invitation_sent`, `participant_added`, ...).
    #[getter]
    fn kind(&self) -> &'static str {
        self.0.kind.as_str()
    }
    /// The ids and values involved, as the core records them (snake_case keys).
    #[getter]
    fn details<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &self.0.details)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_event(py, &self.0)
    }
}

/// `Event(...)`, as Python shows it: every field but email bodies, metadata and settings; a secret as `<secret>`.
pub(crate) fn repr_event(py: Python<'_>, r: &core::Event) -> PyResult<String> {
    Ok(format!(
        "Event(seq={}, org_id={}, at={}, actor_id={}, kind={}, details={})",
        r.seq,
        repr_str(&r.org_id.to_string()),
        r.at,
        repr_opt(r.actor_id.map(|i| i.to_string()).as_deref()),
        repr_str(r.kind.as_str()),
        json_to_py(py, &r.details)?.repr()?
    ))
}

/// Adds every result class to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Organization>()?;
    m.add_class::<Member>()?;
    m.add_class::<Team>()?;
    m.add_class::<Email>()?;
    m.add_class::<ThreadGrant>()?;
    m.add_class::<Invitation>()?;
    m.add_class::<Acceptance>()?;
    m.add_class::<Resent>()?;
    m.add_class::<InvitationPreview>()?;
    m.add_class::<InviteResult>()?;
    m.add_class::<OutgoingEmail>()?;
    m.add_class::<Thread>()?;
    m.add_class::<Message>()?;
    m.add_class::<Participant>()?;
    m.add_class::<People>()?;
    m.add_class::<ThreadInviteResult>()?;
    m.add_class::<JoinRequest>()?;
    m.add_class::<DomainVerification>()?;
    m.add_class::<JoinResult>()?;
    m.add_class::<Event>()?;
    Ok(())
}
