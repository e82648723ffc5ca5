//! The result objects: each wraps the core value it shows and converts its
//! fields on access (ids as `str`, times as aware UTC `datetime`, lists as
//! `list`, absent values as `None`). They are immutable, compare equal when
//! the core values are equal, and their `repr` never shows a token or a link.

use invitekit as core;
use pyo3::prelude::*;
use pyo3::types::PyAny;

use crate::convert::{datetime, json_to_py, repr_list, repr_opt, repr_str};

fn ids<T: ToString>(list: &[T]) -> Vec<String> {
    list.iter().map(ToString::to_string).collect()
}

/// An invitation's metadata as a Python `dict`.
fn object_to_py<'py>(py: Python<'py>, map: &core::JsonObject) -> PyResult<Bound<'py, PyAny>> {
    let dict = pyo3::types::PyDict::new(py);
    for (k, v) in map {
        dict.set_item(k, json_to_py(py, v)?)?;
    }
    Ok(dict.into_any())
}

fn opt_id<T: ToString>(id: Option<T>) -> Option<String> {
    id.map(|i| i.to_string())
}

/// An organization: a company with its portal, allowed domains and settings.
#[pyclass(frozen, eq, module = "invitekit", name = "Organization")]
#[derive(Clone, PartialEq)]
pub struct Organization(pub(crate) core::Organization);

#[pymethods]
impl Organization {
    /// The organization's id.
    #[getter]
    fn id(&self) -> String {
        self.0.id.to_string()
    }
    /// Its name, as shown in emails.
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }
    /// Its slug (`[a-z0-9-]{2,63}`).
    #[getter]
    fn slug(&self) -> &str {
        &self.0.slug
    }
    /// The company's portal (an https URL); join links start with it.
    #[getter]
    fn portal_url(&self) -> &str {
        &self.0.portal_url
    }
    /// The email domains (ASCII form) that may be invited; empty means any.
    #[getter]
    fn allowed_domains(&self) -> Vec<String> {
        self.0.allowed_domains.clone()
    }
    /// The settings (expiry, cooldown, rate limits, ...) as a `dict`.
    #[getter]
    fn settings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let value = serde_json::to_value(&self.0.settings).unwrap_or(serde_json::Value::Null);
        json_to_py(py, &value)
    }
    /// When it was created.
    #[getter]
    fn created_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, self.0.created_at)
    }
    fn __repr__(&self) -> String {
        format!(
            "Organization(id={}, name={}, slug={}, portal_url={}, allowed_domains={})",
            repr_str(&self.0.id.to_string()),
            repr_str(&self.0.name),
            repr_str(&self.0.slug),
            repr_str(&self.0.portal_url),
            repr_list(&self.0.allowed_domains)
        )
    }
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
    /// The member's role (a role name of the policy).
    #[getter]
    fn role(&self) -> &str {
        &self.0.role
    }
    /// The ids of the member's teams.
    #[getter]
    fn team_ids(&self) -> Vec<String> {
        ids(&self.0.team_ids)
    }
    /// `"active"` or `"deactivated"`.
    #[getter]
    fn status(&self) -> &'static str {
        self.0.status.as_str()
    }
    /// When the member joined.
    #[getter]
    fn joined_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, self.0.joined_at)
    }
    fn __repr__(&self) -> String {
        format!(
            "Member(id={}, email={}, name={}, role={}, team_ids={}, status={})",
            repr_str(&self.0.id.to_string()),
            repr_str(&self.0.email),
            repr_str(&self.0.name),
            repr_str(&self.0.role),
            repr_list(&ids(&self.0.team_ids)),
            repr_str(self.0.status.as_str())
        )
    }
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
    /// The team's name (unique in the organization, case-insensitively).
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }
    fn __repr__(&self) -> String {
        format!("Team(id={}, name={})", repr_str(&self.0.id.to_string()), repr_str(&self.0.name))
    }
}

/// An invitation checked and ready to send (from `draft_invitation`), with its
/// join link and its email. Nothing is stored until `send_invitation(draft)`.
///
/// `link` is a secret: `repr` never shows it.
#[pyclass(frozen, module = "invitekit", name = "Draft")]
#[derive(Clone)]
pub struct Draft(pub(crate) core::Draft);

#[pymethods]
impl Draft {
    /// The invited address, normalized.
    #[getter]
    fn email(&self) -> &str {
        self.0.email()
    }
    /// The join link `{portal_url}/join/{token}`: what the user copies. A secret.
    #[getter]
    fn link(&self) -> &str {
        self.0.link()
    }
    /// When the invitation will expire.
    #[getter]
    fn expires_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, self.0.expires_at())
    }
    /// The id the invitation will have once sent.
    #[getter]
    fn invitation_id(&self) -> String {
        self.0.invitation_id().to_string()
    }
    /// The role the invitee will get.
    #[getter]
    fn role(&self) -> &str {
        self.0.role()
    }
    /// The teams the invitee will join, in the order given.
    #[getter]
    fn team_ids(&self) -> Vec<String> {
        ids(self.0.team_ids())
    }
    /// The personal message, or `None`.
    #[getter]
    fn message(&self) -> Option<&str> {
        self.0.message()
    }
    /// The data shown to the invitee, as a `dict` (empty when none).
    #[getter]
    fn metadata<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        object_to_py(py, self.0.metadata())
    }
    /// The data never shown to the invitee, as a `dict` (empty when none).
    #[getter]
    fn private_metadata<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        object_to_py(py, self.0.private_metadata())
    }
    /// Where the invitee is sent after accepting, or `None`.
    #[getter]
    fn redirect_url(&self) -> Option<&str> {
        self.0.redirect_url()
    }
    /// The exact email `send_invitation` will queue.
    fn preview(&self) -> Email {
        Email(self.0.preview())
    }
    /// Two drafts are equal when they are the same draft (same invitation id and link).
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<Draft>()
            .is_ok_and(|o| o.get().0.invitation_id() == self.0.invitation_id() && o.get().0.link() == self.0.link())
    }
    fn __repr__(&self) -> String {
        format!(
            "Draft(invitation_id={}, email={}, role={}, team_ids={}, expires_at={}, link=<secret>)",
            repr_str(&self.0.invitation_id().to_string()),
            repr_str(self.0.email()),
            repr_str(self.0.role()),
            repr_list(&ids(self.0.team_ids())),
            self.0.expires_at()
        )
    }
}

/// An email: the preview of a draft (`draft.preview()`).
///
/// `repr` shows the recipient and subject only: the body holds the join link.
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
    fn __repr__(&self) -> String {
        format!("Email(to={}, subject={})", repr_str(&self.0.to), repr_str(&self.0.subject))
    }
}

/// An invitation to join an organization. It never contains its token.
#[pyclass(frozen, eq, module = "invitekit", name = "Invitation")]
#[derive(Clone, PartialEq)]
pub struct Invitation(pub(crate) core::Invitation);

#[pymethods]
impl Invitation {
    /// The invitation's id (safe to list and show; not the token).
    #[getter]
    fn id(&self) -> String {
        self.0.id.to_string()
    }
    /// The organization's id.
    #[getter]
    fn org_id(&self) -> String {
        self.0.org_id.to_string()
    }
    /// Who sent it.
    #[getter]
    fn inviter_id(&self) -> String {
        self.0.inviter_id.to_string()
    }
    /// The invited address, normalized.
    #[getter]
    fn email(&self) -> &str {
        &self.0.email
    }
    /// The personal message, or `None`.
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
    /// `"pending"`, `"accepted"`, `"revoked"`, `"declined"` or `"expired"`.
    #[getter]
    fn status(&self) -> &'static str {
        self.0.status.as_str()
    }
    /// When it was sent.
    #[getter]
    fn created_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, self.0.created_at)
    }
    /// When its token stops working.
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
    /// Whether InviteKit emails it (`False`: the user shares the link themselves).
    #[getter]
    fn delivered(&self) -> bool {
        self.0.delivered
    }
    /// The threads the invitee joins on accepting, with the permissions the
    /// invitation carries for each (checked again then: R8, docs/rules.md#r8).
    #[getter]
    fn thread_grants(&self) -> Vec<ThreadGrant> {
        self.0.thread_grants.iter().cloned().map(ThreadGrant).collect()
    }
    /// The host's data shown to the invitee, as a `dict` (empty when none).
    #[getter]
    fn metadata<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        object_to_py(py, &self.0.metadata)
    }
    /// The host's data never shown to the invitee, as a `dict`: empty when
    /// none, and in what the invitee receives (an acceptance, a decline,
    /// `invitations_for_email`).
    #[getter]
    fn private_metadata<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        object_to_py(py, &self.0.private_metadata)
    }
    /// Where the host sends the invitee after accepting, or `None`.
    #[getter]
    fn redirect_url(&self) -> Option<&str> {
        self.0.redirect_url.as_deref()
    }
    fn __repr__(&self) -> String {
        format!(
            "Invitation(id={}, email={}, role={}, team_ids={}, status={}, expires_at={})",
            repr_str(&self.0.id.to_string()),
            repr_str(&self.0.email),
            repr_str(&self.0.role),
            repr_list(&ids(&self.0.team_ids)),
            repr_str(self.0.status.as_str()),
            self.0.expires_at
        )
    }
}

/// What `accept_invitation` did.
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
    /// Ids of the threads whose grant no longer passed rule R4 and was dropped (R8).
    #[getter]
    fn dropped_grants(&self) -> Vec<String> {
        ids(&self.0.dropped_grants)
    }
    /// Where to send the new member (the invitation's redirect, if its origin
    /// is still allowed), or `None`.
    #[getter]
    fn redirect_url(&self) -> Option<&str> {
        self.0.redirect_url.as_deref()
    }
    fn __repr__(&self) -> String {
        format!(
            "Acceptance(member={}, invitation={}, dropped_grants={}, redirect_url={})",
            Member(self.0.member.clone()).__repr__(),
            Invitation(self.0.invitation.clone()).__repr__(),
            repr_list(&ids(&self.0.dropped_grants)),
            repr_opt(self.0.redirect_url.as_deref())
        )
    }
}

/// What `resend_invitation` did: a new link; the old one stopped working.
///
/// `link` is a secret: `repr` never shows it.
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
    fn __repr__(&self) -> String {
        format!("Resent(invitation={}, link=<secret>)", Invitation(self.0.invitation.clone()).__repr__())
    }
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
    /// The host's data for the landing page, as a `dict` (empty when none).
    #[getter]
    fn metadata<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        object_to_py(py, &self.0.metadata)
    }
    /// Where the invitee will be sent after accepting, or `None`.
    #[getter]
    fn redirect_url(&self) -> Option<&str> {
        self.0.redirect_url.as_deref()
    }
    fn __repr__(&self) -> String {
        format!(
            "InvitationPreview(organization_name={}, inviter_name={}, team_names={}, email={}, expires_at={})",
            repr_str(&self.0.organization_name),
            repr_str(&self.0.inviter_name),
            repr_list(&self.0.team_names),
            repr_str(&self.0.email),
            self.0.expires_at
        )
    }
}

/// The outcome for one address of `invite_many`: the invitation, or the error code.
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
    /// The invitation when it was sent, else `None`.
    #[getter]
    fn invitation(&self) -> Option<Invitation> {
        self.0.invitation.clone().map(Invitation)
    }
    /// The error code (`"already_member"`, ...) when it was not sent, else `None`.
    #[getter]
    fn error(&self) -> Option<&'static str> {
        self.0.error.as_ref().map(core::Error::code)
    }
    /// The error's message when it was not sent, else `None`.
    #[getter]
    fn error_message(&self) -> Option<String> {
        self.0.error.as_ref().map(ToString::to_string)
    }
    fn __repr__(&self) -> String {
        format!(
            "InviteResult(email={}, invitation={}, error={})",
            repr_str(&self.0.email),
            self.0.invitation.clone().map_or_else(|| "None".to_owned(), |i| Invitation(i).__repr__()),
            repr_opt(self.error())
        )
    }
}

/// An email in the outbox, for the host to deliver, then `outbox_ack` or `outbox_fail`.
///
/// `repr` shows the recipient and subject only: the body may hold a join link.
#[pyclass(frozen, eq, module = "invitekit", name = "OutgoingEmail")]
#[derive(Clone, PartialEq)]
pub struct OutgoingEmail(pub(crate) core::OutgoingEmail);

#[pymethods]
impl OutgoingEmail {
    /// The email's id (for `outbox_ack` / `outbox_fail`).
    #[getter]
    fn id(&self) -> String {
        self.0.id.to_string()
    }
    /// The organization's id.
    #[getter]
    fn org_id(&self) -> String {
        self.0.org_id.to_string()
    }
    /// `"invitation"` or `"thread_invitation"`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.0.kind.as_str()
    }
    /// The invitation it belongs to, or `None`.
    #[getter]
    fn invitation_id(&self) -> Option<String> {
        opt_id(self.0.invitation_id)
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
    /// When it may be handed out next: the end of its lease, or of its backoff after a failure.
    #[getter]
    fn next_attempt_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, self.0.next_attempt_at)
    }
    /// `"pending"`, `"sent"`, `"dead"` or `"cancelled"`.
    #[getter]
    fn status(&self) -> &'static str {
        self.0.status.as_str()
    }
    /// The last failure's reason, or `None`.
    #[getter]
    fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    fn __repr__(&self) -> String {
        format!(
            "OutgoingEmail(id={}, kind={}, to={}, subject={}, attempts={})",
            repr_str(&self.0.id.to_string()),
            repr_str(self.0.kind.as_str()),
            repr_str(&self.0.to),
            repr_str(&self.0.subject),
            self.0.attempts
        )
    }
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
    /// The title.
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
    /// The member who started it.
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
    fn __repr__(&self) -> String {
        format!(
            "Thread(id={}, title={}, freelancer_id={}, freelancer_name={}, last_activity_at={})",
            repr_str(&self.0.id.to_string()),
            repr_str(&self.0.title),
            repr_str(&self.0.freelancer_id),
            repr_str(&self.0.freelancer_name),
            self.0.last_activity_at
        )
    }
}

/// A message in a thread (from `post_message` / `post_freelancer_message`).
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
    /// The member who wrote it, or `None` when the freelancer did.
    #[getter]
    fn author_id(&self) -> Option<String> {
        match self.0.author {
            core::Author::Member(id) => Some(id.to_string()),
            core::Author::Freelancer => None,
        }
    }
    /// The text.
    #[getter]
    fn body(&self) -> &str {
        &self.0.body
    }
    /// When it was posted.
    #[getter]
    fn sent_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, self.0.sent_at)
    }
    fn __repr__(&self) -> String {
        format!(
            "Message(id={}, thread_id={}, author_id={}, body={})",
            repr_str(&self.0.id.to_string()),
            repr_str(&self.0.thread_id.to_string()),
            repr_opt(self.author_id().as_deref()),
            repr_str(&self.0.body)
        )
    }
}

/// A thread an invitation brings its invitee into, and the permissions it carries there.
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
    fn __repr__(&self) -> String {
        format!(
            "ThreadGrant(thread_id={}, permissions={})",
            repr_str(&self.0.thread_id.to_string()),
            repr_list(&self.0.permissions.names())
        )
    }
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
    fn __repr__(&self) -> String {
        format!(
            "Participant(member_id={}, name={}, permissions={})",
            repr_str(&self.0.member_id.to_string()),
            repr_str(&self.0.name),
            repr_list(&self.0.permissions.names())
        )
    }
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
    fn __repr__(&self) -> String {
        let parts: Vec<String> = self.0.participants.iter().cloned().map(|p| Participant(p).__repr__()).collect();
        format!(
            "People(freelancer_id={}, freelancer_name={}, participants=[{}])",
            repr_str(&self.0.freelancer_id),
            repr_str(&self.0.freelancer_name),
            parts.join(", ")
        )
    }
}

/// What `invite_to_thread` did: `kind` is `"added"` (an existing member, now
/// `participant`) or `"invited"` (an invitation to the organization, `invitation`).
#[pyclass(frozen, eq, module = "invitekit", name = "ThreadInviteResult")]
#[derive(Clone, PartialEq)]
pub struct ThreadInviteResult(pub(crate) core::ThreadInviteResult);

#[pymethods]
impl ThreadInviteResult {
    /// `"added"` or `"invited"`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.0.kind.as_str()
    }
    /// The new participant when added, else `None`.
    #[getter]
    fn participant(&self) -> Option<Participant> {
        self.0.participant.clone().map(Participant)
    }
    /// The invitation when invited, else `None`.
    #[getter]
    fn invitation(&self) -> Option<Invitation> {
        self.0.invitation.clone().map(Invitation)
    }
    fn __repr__(&self) -> String {
        format!(
            "ThreadInviteResult(kind={}, participant={}, invitation={})",
            repr_str(self.0.kind.as_str()),
            self.0.participant.clone().map_or_else(|| "None".to_owned(), |p| Participant(p).__repr__()),
            self.0.invitation.clone().map_or_else(|| "None".to_owned(), |i| Invitation(i).__repr__())
        )
    }
}

/// An entry of the organization's audit log (`events`).
#[pyclass(frozen, eq, module = "invitekit", name = "Event")]
#[derive(Clone, PartialEq)]
pub struct Event(pub(crate) core::Event);

#[pymethods]
impl Event {
    /// Position in the organization's log: 1, 2, 3, ... with no gaps.
    #[getter]
    fn seq(&self) -> u64 {
        self.0.seq
    }
    /// The organization's id.
    #[getter]
    fn org_id(&self) -> String {
        self.0.org_id.to_string()
    }
    /// What happened (`"invitation_sent"`, ...).
    #[getter]
    fn kind(&self) -> &'static str {
        self.0.kind.as_str()
    }
    /// Who did it, or `None` (the host, an invitee, or a rule).
    #[getter]
    fn actor_id(&self) -> Option<String> {
        opt_id(self.0.actor_id)
    }
    /// When it happened.
    #[getter]
    fn at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, self.0.at)
    }
    /// The ids and values involved, as a `dict`.
    #[getter]
    fn details<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &self.0.details)
    }
    fn __repr__(&self) -> String {
        format!(
            "Event(seq={}, kind={}, actor_id={}, at={}, details={})",
            self.0.seq,
            repr_str(self.0.kind.as_str()),
            repr_opt(opt_id(self.0.actor_id).as_deref()),
            self.0.at,
            self.0.details
        )
    }
}

/// Adds every result class to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Organization>()?;
    m.add_class::<Member>()?;
    m.add_class::<Team>()?;
    m.add_class::<Draft>()?;
    m.add_class::<Email>()?;
    m.add_class::<Invitation>()?;
    m.add_class::<Acceptance>()?;
    m.add_class::<Resent>()?;
    m.add_class::<InvitationPreview>()?;
    m.add_class::<InviteResult>()?;
    m.add_class::<OutgoingEmail>()?;
    m.add_class::<Thread>()?;
    m.add_class::<Message>()?;
    m.add_class::<ThreadGrant>()?;
    m.add_class::<Participant>()?;
    m.add_class::<People>()?;
    m.add_class::<ThreadInviteResult>()?;
    m.add_class::<Event>()?;
    Ok(())
}
