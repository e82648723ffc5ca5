//! Token and join-link parsing: never panics, and what parses is a
//! well-formed token.
#![no_main]

use invitekit::Token;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &str| {
    if let Ok(t) = Token::from_token_or_link(data) {
        let s = t.expose_secret();
        assert!(s.starts_with(invitekit::token::TOKEN_PREFIX));
        assert_eq!(Token::parse(s).map(|x| x.hash()), Ok(t.hash()));
    }
});
