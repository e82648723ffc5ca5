//! Node bindings for InviteKit: `const { InviteKit, ManualClock } = require('invitekit')`
//! (or `import`).
//!
//! A thin layer over the `invitekit` crate: every operation is a method of the
//! `InviteKit` class returning a promise, computed on the calling thread or,
//! for PostgreSQL, on the libuv thread pool ([`task`]); arguments are read by
//! [`args`], results converted by [`records`] (written by `scripts/gen-interface`
//! from the core's list of records) with [`types`]'s helpers, and every error is made in
//! [`error`]. No rule lives here.
//!
//! The TypeScript declarations (`binding.d.ts`) and the loader (`binding.js`)
//! are generated from this crate by `napi build` and committed; `index.js` and
//! `index.d.ts`, written by hand, add the `InviteKitError` class and re-export
//! the rest.

pub mod args;
pub mod clock;
pub mod draft;
pub mod error;
pub mod factory;
pub mod kit;
pub mod options;
pub mod policy;
pub mod records;
pub mod task;
pub mod types;

/// The JavaScript error code for an InviteKit code: upper case
/// (`permission_denied` -> `PERMISSION_DENIED`).
pub fn js_code(code: &str) -> String {
    code.to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_upper_case() {
        for code in invitekit::Error::CODES {
            let js = super::js_code(code);
            assert_eq!(js.to_ascii_lowercase(), code);
            assert!(js.chars().all(|c| c.is_ascii_uppercase() || c == '_'), "{js}");
        }
        assert_eq!(super::js_code(invitekit::Error::InvalidToken.code()), "INVALID_TOKEN");
    }
}
