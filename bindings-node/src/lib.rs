//! Node bindings for InviteKit (`require('invitekit')`).
//!
//! The napi-rs addon is built out in its own issue; until then this crate only
//! holds the one table every binding shares: the `code` a JavaScript `Error`
//! carries for each InviteKit error code.

/// The JavaScript error code for an InviteKit code: upper case
/// (`permission_denied` -> `PERMISSION_DENIED`).
pub fn js_code(code: &str) -> String {
    code.to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_upper_case() {
        assert_eq!(super::js_code(invitekit::Error::InvalidToken.code()), "INVALID_TOKEN");
    }
}
