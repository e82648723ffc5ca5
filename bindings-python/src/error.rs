//! Every core error as a Python exception, in one place.
//!
//! `invitekit.InviteKitError` is the base; each error code (docs/rules.md#errors) has its
//! own subclass, named by [`exception_name`](crate::exception_name)
//! (`permission_denied` -> `PermissionDenied`). Every raised exception carries
//! `.code` (also a class attribute of each subclass); a few carry the details
//! the core gives with them (`invitation_id`, `retry_at`, `check`, `status`,
//! `domain`).

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyTuple, PyType};

create_exception!(
    invitekit,
    InviteKitError,
    PyException,
    "Base class of every InviteKit error. `code` is the stable error code (docs/rules.md#errors), as in Rust and Node."
);

/// The exception classes, one per core error code, in `invitekit::Error::CODES` order.
macro_rules! exceptions {
    ($($code:literal => $name:ident : $doc:literal,)*) => {
        $( create_exception!(invitekit, $name, InviteKitError, $doc); )*

        /// (code, class name, class) for every code.
        type ClassFn = for<'py> fn(Python<'py>) -> Bound<'py, PyType>;
        const CLASSES: &[(&str, &str, ClassFn)] = &[
            $( ($code, stringify!($name), |py| py.get_type::<$name>()), )*
        ];
    };
}

exceptions! {
    "invalid_input" => InvalidInput: "An argument is malformed, too long, or names something the policy does not know.",
    "invalid_email" => InvalidEmail: "An email address breaks the email rules (docs/rules.md#emails).",
    "domain_not_allowed" => DomainNotAllowed: "The address's domain is outside the organization's allowed domains (`domain`).",
    "not_found" => NotFound: "The thing does not exist, or the actor may not know it exists.",
    "permission_denied" => PermissionDenied: "The actor may not do this; `check` names the failed part of rule R4, if any.",
    "already_member" => AlreadyMember: "The address already belongs to an active member of the organization.",
    "already_invited" => AlreadyInvited: "The address already has a pending invitation (`invitation_id`): offer to resend it.",
    "already_participant" => AlreadyParticipant: "The member already takes part in the thread.",
    "invalid_token" => InvalidToken: "The invitation token is not valid (wrong, malformed, replaced or foreign: never says which).",
    "invitation_expired" => InvitationExpired: "The invitation has expired.",
    "invitation_not_pending" => InvitationNotPending: "The invitation is not pending: accepted, declined, revoked, denied or awaiting approval (`status`).",
    "email_mismatch" => EmailMismatch: "The verified email of the accepting user is not the invited address.",
    "rate_limited" => RateLimited: "A rate limit or cap was reached and nothing was sent; `retry_at` is when it frees up.",
    "conflict" => Conflict: "The state changed under the operation (a lost race, a draft sent twice, a name taken).",
    "storage" => Storage: "The storage back end failed.",
}

/// The class for `code`; the base class for a code this binding does not know yet.
fn class_of<'py>(py: Python<'py>, code: &str) -> Bound<'py, PyType> {
    CLASSES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map_or_else(|| py.get_type::<InviteKitError>(), |(_, _, class)| class(py))
}

/// A core error as the Python exception of its code.
pub(crate) fn to_py(py: Python<'_>, err: invitekit::Error) -> PyErr {
    // If building the exception fails (out of memory, ...), that failure is raised instead.
    build(py, &err).unwrap_or_else(|failure| failure)
}

fn build(py: Python<'_>, err: &invitekit::Error) -> PyResult<PyErr> {
    use invitekit::Error;
    let exc = class_of(py, err.code()).call1((err.to_string(),))?;
    exc.setattr("code", err.code())?;
    match err {
        Error::AlreadyInvited { invitation_id, .. } => exc.setattr("invitation_id", invitation_id.to_string())?,
        Error::RateLimited { retry_at, .. } => exc.setattr("retry_at", crate::convert::datetime(py, *retry_at)?)?,
        Error::PermissionDenied { check, .. } => exc.setattr("check", check.map(|c| c.as_str()))?,
        Error::InvitationNotPending { status } => exc.setattr("status", *status)?,
        Error::DomainNotAllowed { domain } => exc.setattr("domain", domain)?,
        _ => {}
    }
    Ok(PyErr::from_value(exc))
}

/// An argument of the wrong Python type: a `TypeError`, as Python's own
/// are, and an `InvalidInput` (code `invalid_input`), as Node's `TypeError`
/// is an `InviteKitError` with code `INVALID_INPUT`. pyo3 notes which
/// argument it was ("while processing 'actor'").
pub(crate) fn wrong_type(py: Python<'_>, message: String) -> PyErr {
    match invalid_argument_type(py).and_then(|c| c.call1((message,))) {
        Ok(exc) => match exc.setattr("code", "invalid_input") {
            Ok(()) => PyErr::from_value(exc),
            Err(e) => e,
        },
        Err(e) => e,
    }
}

/// `invitekit.InvalidArgumentType`, a subclass of both `InvalidInput` and
/// `TypeError`, made once (pyo3's `create_exception!` takes one base).
fn invalid_argument_type(py: Python<'_>) -> PyResult<Bound<'_, PyType>> {
    static CLASS: pyo3::sync::PyOnceLock<Py<PyType>> = pyo3::sync::PyOnceLock::new();
    CLASS
        .get_or_try_init(py, || -> PyResult<Py<PyType>> {
            let bases =
                PyTuple::new(py, [py.get_type::<InvalidInput>().into_any(), py.get_type::<PyTypeError>().into_any()])?;
            let namespace = pyo3::types::PyDict::new(py);
            namespace.set_item("__module__", "invitekit")?;
            namespace.set_item("__qualname__", "InvalidArgumentType")?;
            namespace.set_item(
                "__doc__",
                "An argument of the wrong type: a TypeError, and an InvalidInput (code `invalid_input`).",
            )?;
            let class = py.get_type::<PyType>().call1(("InvalidArgumentType", bases, namespace))?;
            Ok(class.cast_into::<PyType>()?.unbind())
        })
        .map(|c| c.bind(py).clone())
}

/// Adds the base class and every subclass (with its `code` class attribute) to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("InviteKitError", py.get_type::<InviteKitError>())?;
    for (code, name, class) in CLASSES {
        let class = class(py);
        class.setattr("code", *code)?;
        m.add(*name, class)?;
    }
    m.add("ERROR_CODES", PyTuple::new(py, invitekit::Error::CODES)?)?;
    // Importable and picklable as `invitekit.InvalidArgumentType`.
    let wrong = invalid_argument_type(py)?;
    wrong.setattr("code", "invalid_input")?;
    m.add("InvalidArgumentType", wrong)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::CLASSES;

    #[test]
    fn every_code_has_its_class_named_by_exception_name() {
        let codes: Vec<&str> = CLASSES.iter().map(|(c, _, _)| *c).collect();
        assert_eq!(codes, invitekit::Error::CODES);
        for (code, name, _) in CLASSES {
            assert_eq!(*name, crate::exception_name(code));
        }
    }
}
