//! The result objects: the records ([`crate::records`], written by
//! `scripts/gen-interface` from the core's list of records, and re-exported
//! here) and the one written by hand, [`Draft`], with its `preview()`; and the
//! helpers the records' getters use. Every object wraps the core value it
//! shows and converts its fields on access (ids as `str`, times as aware UTC
//! `datetime`, lists as `list`, absent values as `None`). They are immutable,
//! compare equal when the core values are equal, and their `repr` never shows
//! a token or a link.

use invitekit as core;
use pyo3::prelude::*;
use pyo3::types::PyAny;

use crate::convert::{datetime, json_to_py, repr_bool, repr_list, repr_str};
pub(crate) use crate::records::*;

/// Ids as `str`s.
pub(crate) fn ids<T: ToString>(list: &[T]) -> Vec<String> {
    list.iter().map(ToString::to_string).collect()
}

/// An invitation's metadata as a Python `dict`.
pub(crate) fn object_to_py<'py>(py: Python<'py>, map: &core::JsonObject) -> PyResult<Bound<'py, PyAny>> {
    let dict = pyo3::types::PyDict::new(py);
    for (k, v) in map {
        dict.set_item(k, json_to_py(py, v)?)?;
    }
    Ok(dict.into_any())
}

/// An organization's settings as a Python `dict` (snake_case keys).
pub(crate) fn settings_to_py<'py>(py: Python<'py>, settings: &core::OrgSettings) -> PyResult<Bound<'py, PyAny>> {
    let value = serde_json::to_value(settings).unwrap_or(serde_json::Value::Null);
    json_to_py(py, &value)
}

/// A message's author as the member's id; `None` for the freelancer.
pub(crate) fn author_id(author: &core::Author) -> Option<String> {
    match author {
        core::Author::Member(id) => Some(id.to_string()),
        core::Author::Freelancer => None,
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
    /// Whether the invitation will await a manager's approval once sent (the
    /// inviter's role needs it): its email then goes out when it is approved,
    /// with a link of its own.
    #[getter]
    fn needs_approval(&self) -> bool {
        self.0.needs_approval()
    }
    /// The exact email `send_invitation` will queue (when the invitation needs
    /// approval: the email its approval will queue, with its own link and expiry).
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
            "Draft(invitation_id={}, email={}, role={}, team_ids={}, expires_at={}, needs_approval={}, link=<secret>)",
            repr_str(&self.0.invitation_id().to_string()),
            repr_str(self.0.email()),
            repr_str(self.0.role()),
            repr_list(&ids(self.0.team_ids())),
            self.0.expires_at(),
            repr_bool(self.0.needs_approval())
        )
    }
}

/// Adds every result class to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Draft>()?;
    crate::records::register(m)
}
