//! `token_or_link`: the strings a host hands back to InviteKit from outside —
//! a token or a join link (docs/rules.md#tokens), a portal URL, a search cursor
//! (docs/rules.md#threads). Nothing may panic; a token has one spelling; a bad token gets the same
//! error whatever is wrong with it; a link InviteKit builds reads back to its
//! token; a cursor round-trips.

use invitekit::threads::ThreadCursor;
use invitekit::token::{TOKEN_PREFIX, join_link, validate_portal_url};
use invitekit::{Error, Token};

use crate::check_error;

/// A fixed, well-formed token (the fuzzer must not depend on the OS random source).
const TOKEN: &str = "ikinv_Z7Rq81zUPnO1bR9GVY_feul8-kCSDgvI7FnovqG654c";

/// Runs one input.
pub fn run(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else { return };
    token(s);
    portal_url(s);
    cursor(s);
}

fn token(s: &str) {
    match Token::from_token_or_link(s) {
        Ok(t) => {
            let secret = t.expose_secret();
            assert!(secret.starts_with(TOKEN_PREFIX) && secret.len() == TOKEN_PREFIX.len() + 43, "{s:?}");
            let bare = Token::parse(secret).expect("an extracted token parses on its own");
            assert_eq!(bare.hash(), t.hash());
            assert!(s.contains(secret), "{s:?}: the token is not in the input");
            assert!(!format!("{t:?}").contains(&secret[TOKEN_PREFIX.len()..]), "Debug shows the secret");
        }
        Err(e) => {
            check_error(&e);
            // No hint of what was wrong.
            assert_eq!(e.code(), "invalid_token", "{s:?}");
            assert_eq!(e.to_string(), Error::InvalidToken.to_string(), "{s:?}");
        }
    }
    if let Ok(t) = Token::parse(s) {
        assert_eq!(t.expose_secret(), s, "a bare token has exactly one spelling");
    }
}

fn portal_url(s: &str) {
    let url = match validate_portal_url(s) {
        Ok(url) => url,
        Err(e) => {
            check_error(&e);
            assert_eq!(e.code(), "invalid_input", "{s:?}");
            return;
        }
    };
    assert!(url.starts_with("https://") && !url.ends_with('/'), "{s:?} -> {url:?}");
    assert!(!url.contains(['?', '#', '\\']) && !url.chars().any(|c| c.is_control() || c.is_whitespace()), "{url:?}");
    assert_eq!(validate_portal_url(&url).ok().as_deref(), Some(url.as_str()), "{s:?}: not a fixed point");
    let token = Token::parse(TOKEN).expect("the fixed token parses");
    match join_link(&url, &token) {
        Ok(link) => {
            assert!(link.starts_with(&url), "{url:?} -> {link:?}");
            assert!(link.ends_with(&format!("/join/{TOKEN}")), "{url:?} -> {link:?}");
            let back = Token::from_token_or_link(&link).unwrap_or_else(|e| panic!("{link:?} does not read back: {e}"));
            assert_eq!(back.hash(), token.hash(), "{link:?}");
        }
        Err(e) => {
            check_error(&e);
            assert!(!e.to_string().contains(TOKEN), "the error shows the token");
            panic!("a valid portal url {url:?} gives no join link: {e}");
        }
    }
}

fn cursor(s: &str) {
    match ThreadCursor::decode(s) {
        Ok(c) => {
            let again = ThreadCursor::decode(&c.encode()).expect("an encoded cursor decodes");
            assert_eq!(again, c, "{s:?}");
        }
        Err(e) => {
            check_error(&e);
            assert_eq!(e.code(), "invalid_input", "{s:?}");
        }
    }
}
