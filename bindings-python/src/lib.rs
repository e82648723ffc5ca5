//! Python bindings for InviteKit (`import invitekit`).
//!
//! The pyo3 module is built out in its own issue; until then this crate only
//! holds the one table every binding shares: the exception class name for
//! each error code, so that the Python names are decided in one place.

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

#[cfg(test)]
mod tests {
    #[test]
    fn every_code_has_a_distinct_exception_name() {
        let names: std::collections::BTreeSet<_> = invitekit::Error::CODES.iter().map(|c| super::exception_name(c)).collect();
        assert_eq!(names.len(), invitekit::Error::CODES.len());
        assert!(names.contains("PermissionDenied"));
        assert!(names.contains("InvitationNotPending"));
    }
}
