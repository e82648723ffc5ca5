//! Python bindings for InviteKit: the native module `invitekit._native`, which
//! the Python package `invitekit` re-exports (`import invitekit`).
//!
//! The binding is thin: it converts arguments and results and holds no rules.
//! Every call into the core goes through [`unlocked`], which releases the GIL
//! while the core works, and every core error becomes the Python exception of
//! its code in [`error`].

mod config;
mod convert;
mod error;
mod kit;
mod objects;
mod records;

use pyo3::prelude::*;

/// The Python exception class for an error code (`permission_denied` ->
/// `PermissionDenied`): the code in CamelCase.
pub fn exception_name(code: &str) -> String {
    code.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

/// Runs `f`, a call into the core, with the GIL released (so that other Python
/// threads run meanwhile), and raises its error as the exception of its code.
pub(crate) fn unlocked<T, F>(py: Python<'_>, f: F) -> PyResult<T>
where
    F: FnOnce() -> invitekit::Result<T> + Send,
    T: Send,
{
    py.detach(f).map_err(|e| error::to_py(py, e))
}

/// The native part of the `invitekit` package.
#[pymodule]
#[pyo3(name = "_native")]
fn native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    error::register(m)?;
    objects::register(m)?;
    m.add_class::<config::ManualClock>()?;
    m.add_class::<config::Policy>()?;
    m.add_class::<kit::InviteKit>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // The core's `limit` defaults and bounds, for the tests that hold the
    // keyword defaults to them: {operation: (default, max)}.
    let limits = pyo3::types::PyDict::new(m.py());
    for (op, limit) in invitekit::interface::LIMITS {
        limits.set_item(op, (limit.default, limit.max))?;
    }
    m.add("_LIMITS", limits)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_code_has_a_distinct_exception_name() {
        let names: std::collections::BTreeSet<_> =
            invitekit::Error::CODES.iter().map(|c| super::exception_name(c)).collect();
        assert_eq!(names.len(), invitekit::Error::CODES.len());
        assert!(names.contains("PermissionDenied"));
        assert!(names.contains("InvitationNotPending"));
    }
}
