//! Invitation tokens, their hashes, portal URLs and join links ([tokens](crate::rules#tokens)).
//!
//! A token is the bearer secret in a join link; whoever holds it can accept
//! the invitation. This module owns everything about that secret: making it
//! from the OS CSPRNG, parsing it strictly (one token has exactly one
//! spelling, so it has exactly one hash), hashing it for storage, and building
//! and reading the links that carry it. The secret never appears in `Debug`
//! output or in an error message.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};
use url::Url;

use crate::error::{Error, Result, quote};

/// The fixed prefix of every token, so that secret scanners can spot a leaked one.
pub const TOKEN_PREFIX: &str = "ikinv_";

/// Random bytes per token: 256 bits, far beyond guessing.
const TOKEN_BYTES: usize = 32;
/// base64url of 32 bytes without padding is 43 characters.
const ENCODED_LEN: usize = 43;
const TOKEN_LEN: usize = TOKEN_PREFIX.len() + ENCODED_LEN;
/// Longest portal URL accepted, before and after normalization.
const MAX_PORTAL_URL_BYTES: usize = 2048;
/// Longest token-or-link input looked at; anything longer is refused unread.
/// It leaves room for the longest join link InviteKit builds (the longest
/// portal URL, `/join/` and a token) and for a query a mail client appends.
const MAX_LINK_BYTES: usize = MAX_PORTAL_URL_BYTES + 1024;

/// A secret invitation token: `ikinv_` followed by the base64url (no padding)
/// encoding of 32 bytes from the operating system's CSPRNG.
///
/// `Debug` prints `Token(ikinv_…)` and never the secret; there is no
/// `Display`, so a token cannot end up in a log line by accident. Only its
/// [`hash`](Token::hash) is ever stored.
#[derive(Clone, Eq)]
pub struct Token(String);

impl Token {
    /// A new token from 32 bytes of the OS CSPRNG.
    ///
    /// Fails with [`Error::Storage`] only if the operating system cannot
    /// provide randomness; there is no weaker fallback.
    pub fn generate() -> Result<Token> {
        let mut bytes = [0u8; TOKEN_BYTES];
        getrandom::fill(&mut bytes)
            .map_err(|e| Error::Storage(format!("the operating system's random source failed: {e}")))?;
        let mut s = String::with_capacity(TOKEN_LEN);
        s.push_str(TOKEN_PREFIX);
        URL_SAFE_NO_PAD.encode_string(bytes, &mut s);
        Ok(Token(s))
    }

    /// Parses a bare token, strictly.
    ///
    /// Anything but the exact canonical form (prefix, 43 base64url characters
    /// whose unused trailing bits are zero, no padding, no whitespace) is
    /// [`Error::InvalidToken`], with no hint of what was wrong.
    pub fn parse(input: &str) -> Result<Token> {
        if input.len() != TOKEN_LEN {
            return Err(Error::InvalidToken);
        }
        let body = input.strip_prefix(TOKEN_PREFIX).ok_or(Error::InvalidToken)?;
        // The decoder rejects padding, foreign characters and non-zero trailing
        // bits (its NO_PAD config forbids them), which is what makes the
        // spelling canonical: two spellings of one token would have two hashes.
        let mut bytes = [0u8; TOKEN_BYTES];
        match URL_SAFE_NO_PAD.decode_slice(body, &mut bytes) {
            Ok(TOKEN_BYTES) => {}
            _ => return Err(Error::InvalidToken),
        }
        // Belt and braces: re-encoding must give back exactly the input.
        if URL_SAFE_NO_PAD.encode(bytes) != body {
            return Err(Error::InvalidToken);
        }
        Ok(Token(input.to_owned()))
    }

    /// Accepts a bare token or a join link.
    ///
    /// A link is any `http` or `https` URL whose path ends with
    /// `/join/{token}`, optionally followed by one `/`; its query and fragment
    /// are ignored (mail clients and trackers append them). Outer ASCII
    /// whitespace is trimmed, as a pasted link often carries some. Input over
    /// 3072 bytes, or anything else, is [`Error::InvalidToken`].
    pub fn from_token_or_link(input: &str) -> Result<Token> {
        if input.len() > MAX_LINK_BYTES {
            return Err(Error::InvalidToken);
        }
        let input = input.trim_matches(|c: char| c.is_ascii_whitespace());
        if input.starts_with(TOKEN_PREFIX) {
            return Token::parse(input);
        }
        // The url crate silently drops tabs and newlines inside a URL and reads
        // a backslash as a slash; a link needing that repair was not one we
        // built, so refuse instead.
        if input.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\') {
            return Err(Error::InvalidToken);
        }
        let url = Url::parse(input).map_err(|_| Error::InvalidToken)?;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(Error::InvalidToken);
        }
        let mut segments: Vec<&str> = url.path_segments().ok_or(Error::InvalidToken)?.collect();
        if segments.last() == Some(&"") {
            segments.pop();
        }
        match segments.as_slice() {
            [.., "join", token] => Token::parse(token),
            _ => Err(Error::InvalidToken),
        }
    }

    /// The secret itself, for building the join link. Callers must not log
    /// it, store it, or put it in an error or event.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// The SHA-256 of the token string's bytes: the only form ever stored.
    pub fn hash(&self) -> TokenHash {
        TokenHash(Sha256::digest(self.0.as_bytes()).into())
    }
}

impl PartialEq for Token {
    /// Constant-time, so that comparing a guessed token with a real one leaks
    /// nothing through timing about how many characters matched.
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.0.as_bytes(), other.0.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token({TOKEN_PREFIX}…)")
    }
}

/// The SHA-256 of a [`Token`]: the only form in which a token is stored.
///
/// A token has 256 bits of entropy, so a plain (unsalted, fast) hash is
/// enough: a leaked hash cannot be turned back into a usable token.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TokenHash(pub [u8; 32]);

impl TokenHash {
    /// Lowercase hexadecimal, 64 characters.
    pub fn to_hex(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(64);
        for b in self.0 {
            s.push(char::from(HEX[usize::from(b >> 4)]));
            s.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
        s
    }

    /// Parses 64 hexadecimal characters (either case); `None` for anything else.
    pub fn from_hex(s: &str) -> Option<TokenHash> {
        let bytes = s.as_bytes();
        if bytes.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (o, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
            let hi = hex_value(*pair.first()?)?;
            let lo = hex_value(*pair.get(1)?)?;
            *o = (hi << 4) | lo;
        }
        Some(TokenHash(out))
    }

    /// The 32 raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = self.to_hex();
        write!(f, "TokenHash({}…)", hex.get(..8).unwrap_or(&hex))
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Validates an organization's portal URL and returns it normalized.
///
/// It must be an absolute `https` URL with a host, no user name or password,
/// no query and no fragment, at most 2048 bytes; outer ASCII whitespace is
/// trimmed. The result is the url crate's serialization (lowercase host,
/// punycode for an IDN host) without a trailing slash, ready for
/// [`join_link`]. Failure is [`Error::InvalidInput`] naming the portal URL.
pub fn validate_portal_url(input: &str) -> Result<String> {
    let fail = |reason: &str| Error::InvalidInput(format!("the portal url `{}` {reason}", quote(input)));
    if input.len() > MAX_PORTAL_URL_BYTES {
        return Err(fail(&format!("is longer than {MAX_PORTAL_URL_BYTES} bytes")));
    }
    let trimmed = input.trim_matches(|c: char| c.is_ascii_whitespace());
    if trimmed.is_empty() {
        return Err(fail("is empty"));
    }
    // The url crate would silently drop tabs and newlines inside, and read a
    // backslash as a slash; refuse rather than repair.
    if trimmed.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(fail("contains whitespace or a control character"));
    }
    if trimmed.contains('\\') {
        return Err(fail("contains a backslash"));
    }
    // The url crate forgives `https:acme.com`, `https:///acme.com` and
    // backslashes; a configured URL that needs such repair is more likely a
    // mistake than what was meant, so require the plain `https://host` shape.
    let after_scheme =
        trimmed.get(..8).filter(|scheme| scheme.eq_ignore_ascii_case("https://")).and_then(|_| trimmed.get(8..));
    let Some(after_scheme) = after_scheme else {
        return Err(fail("must be an absolute url starting with `https://`"));
    };
    if after_scheme.starts_with(['/', '\\']) {
        return Err(fail("has no host"));
    }
    let url = Url::parse(trimmed).map_err(|_| fail("is not a valid url"))?;
    if url.scheme() != "https" {
        return Err(fail("must use https"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(fail("must not contain a user name or password"));
    }
    if url.query().is_some() {
        return Err(fail("must not have a query"));
    }
    if url.fragment().is_some() {
        return Err(fail("must not have a fragment"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(fail("has no host"));
    }
    let normalized = url.as_str().trim_end_matches('/');
    if normalized.len() > MAX_PORTAL_URL_BYTES {
        return Err(fail(&format!("is longer than {MAX_PORTAL_URL_BYTES} bytes once normalized")));
    }
    Ok(normalized.to_owned())
}

/// Builds the join link `{portal_url}/join/{token}`.
///
/// Path segments are appended with the url crate, so a portal URL with or
/// without a trailing slash, and with a path such as `/portal`, gives a
/// well-formed link. `portal_url` should come from [`validate_portal_url`];
/// one that does not parse is [`Error::InvalidInput`] (never naming the token).
pub fn join_link(portal_url: &str, token: &Token) -> Result<String> {
    let bad = || Error::InvalidInput(format!("the portal url `{}` is not a valid base url", quote(portal_url)));
    let mut url = Url::parse(portal_url).map_err(|_| bad())?;
    url.path_segments_mut().map_err(|()| bad())?.pop_if_empty().push("join").push(token.expose_secret());
    Ok(url.into())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn token() -> Token {
        Token::generate().unwrap()
    }

    fn code<T: fmt::Debug>(r: Result<T>) -> &'static str {
        match r {
            Ok(v) => panic!("expected an error, got {v:?}"),
            Err(e) => e.code(),
        }
    }

    fn invalid_token(s: &str) {
        assert_eq!(code(Token::parse(s)), "invalid_token", "parse {s:?}");
        assert_eq!(code(Token::from_token_or_link(s)), "invalid_token", "from_token_or_link {s:?}");
    }

    /// Replaces the character at byte `i` (ASCII strings only).
    fn with_char(s: &str, i: usize, c: char) -> String {
        let mut v: Vec<char> = s.chars().collect();
        v[i] = c;
        v.into_iter().collect()
    }

    #[test]
    fn generated_tokens_have_the_documented_shape() {
        let t = token();
        let s = t.expose_secret();
        assert!(s.starts_with("ikinv_"));
        assert!(s.starts_with(TOKEN_PREFIX));
        assert_eq!(s.len(), 49);
        assert!(s[6..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{s}");
        assert_eq!(Token::parse(s).unwrap(), t);
        assert_eq!(Token::from_token_or_link(s).unwrap(), t);
        assert_eq!(Token::from_token_or_link(&format!("  {s}\n")).unwrap(), t);
    }

    #[test]
    fn generated_tokens_are_distinct() {
        let set: HashSet<String> = (0..1000).map(|_| token().expose_secret().to_owned()).collect();
        assert_eq!(set.len(), 1000);
        let hashes: HashSet<TokenHash> = set.iter().map(|s| Token::parse(s).unwrap().hash()).collect();
        assert_eq!(hashes.len(), 1000);
    }

    #[test]
    fn hash_is_stable_sha256_of_the_string() {
        let t = token();
        assert_eq!(t.hash(), t.hash());
        assert_eq!(t.hash(), Token::parse(t.expose_secret()).unwrap().hash());
        assert_eq!(t.hash().as_bytes().len(), 32);
        let expected: [u8; 32] = Sha256::digest(t.expose_secret().as_bytes()).into();
        assert_eq!(t.hash().0, expected);
        // Known answer, so a change of hash input (e.g. raw bytes) is caught.
        let fixed = Token::parse(&format!("{TOKEN_PREFIX}{}", "A".repeat(43))).unwrap();
        assert_eq!(
            fixed.hash().to_hex(),
            TokenHash(Sha256::digest(format!("ikinv_{}", "A".repeat(43))).into()).to_hex()
        );
    }

    #[test]
    fn hex_round_trip() {
        let h = token().hash();
        let hex = h.to_hex();
        assert_eq!(hex.len(), 64);
        assert!(hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        assert_eq!(TokenHash::from_hex(&hex), Some(h));
        assert_eq!(TokenHash::from_hex(&hex.to_uppercase()), Some(h));
        assert_eq!(TokenHash([0xab; 32]).to_hex(), "ab".repeat(32));
        for bad in ["", "00", &"0".repeat(63), &"0".repeat(65), &"g".repeat(64), &format!("{}é", "0".repeat(62))] {
            assert_eq!(TokenHash::from_hex(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let t = token();
        let dbg = format!("{t:?}");
        assert_eq!(dbg, "Token(ikinv_…)");
        assert!(!dbg.contains(&t.expose_secret()[6..]));
        let dbg = format!("{:?}", Some(vec![t.clone()]));
        assert!(!dbg.contains(&t.expose_secret()[6..]));
        let h = t.hash();
        assert_eq!(format!("{h:?}"), format!("TokenHash({}…)", &h.to_hex()[..8]));
    }

    #[test]
    fn link_round_trip() {
        let t = token();
        for portal in [
            "https://acme.example.com/portal",
            "https://acme.example.com/portal/",
            "https://acme.example.com",
            "https://acme.example.com/",
            "https://acme.example.com:8443/a/b",
        ] {
            let link = join_link(portal, &t).unwrap();
            assert!(link.ends_with(&format!("/join/{}", t.expose_secret())), "{link}");
            assert!(!link.contains("//join"), "{link}");
            assert_eq!(Token::from_token_or_link(&link).unwrap(), t, "{link}");
        }
        let link = join_link(&validate_portal_url("https://acme.example.com/portal/").unwrap(), &t).unwrap();
        assert_eq!(link, format!("https://acme.example.com/portal/join/{}", t.expose_secret()));
    }

    #[test]
    fn link_variants_that_are_accepted() {
        let t = token();
        let s = t.expose_secret();
        for link in [
            format!("https://acme.example.com/portal/join/{s}/"),
            format!("https://acme.example.com/portal/join/{s}?utm_source=email"),
            format!("https://acme.example.com/portal/join/{s}/?a=b#frag"),
            format!("https://acme.example.com/join/{s}#x"),
            format!("http://localhost:3000/join/{s}"),
            format!("  https://acme.example.com/join/{s}  "),
            format!("HTTPS://ACME.EXAMPLE.COM/join/{s}"),
        ] {
            assert_eq!(Token::from_token_or_link(&link).unwrap(), t, "{link}");
        }
    }

    #[test]
    fn link_variants_that_are_refused() {
        let s = token().expose_secret().to_owned();
        for link in [
            format!("https://acme.example.com/joinx/{s}"),
            format!("https://acme.example.com/xjoin/{s}"),
            format!("https://acme.example.com/JOIN/{s}"),
            format!("https://acme.example.com/join/{s}/extra"),
            format!("https://acme.example.com/join/{s}//"),
            format!("https://acme.example.com/join//{s}"),
            format!("https://acme.example.com/{s}"),
            format!("https://acme.example.com/join/{s}x"),
            format!("https://acme.example.com/join/x{s}"),
            format!("https://acme.example.com/join/{}", &s[..48]),
            format!("https://acme.example.com/join/ikinv_{}", "A".repeat(44)),
            "https://acme.example.com/join/notatoken".to_owned(),
            "https://acme.example.com/join/".to_owned(),
            "https://acme.example.com/join".to_owned(),
            format!("https://acme.example.com/?t={s}"),
            format!("https://acme.example.com/#/join/{s}"),
            format!("ftp://acme.example.com/join/{s}"),
            format!("javascript://acme.example.com/join/{s}"),
            format!("file:///join/{s}"),
            format!("/join/{s}"),
            format!("acme.example.com/join/{s}"),
            format!("https://acme.example.com/jo\nin/{s}"),
            format!("https://acme.example.com/join/{}%{}", &s[..20], &s[21..]),
            format!("https://acme.example.com/join/{s} extra"),
            format!("https://acme.example.com\\join\\{s}"),
        ] {
            assert_eq!(code(Token::from_token_or_link(&link)), "invalid_token", "{link:?}");
        }
    }

    #[test]
    fn tampered_token_still_parses_but_hashes_differently() {
        let t = token();
        let s = t.expose_secret();
        // Change a middle character: every value there is canonical.
        let i = 20;
        let c = if s.as_bytes()[i] == b'A' { 'B' } else { 'A' };
        let tampered = Token::parse(&with_char(s, i, c)).unwrap();
        assert_ne!(tampered, t);
        assert_ne!(tampered.hash(), t.hash());
    }

    #[test]
    fn non_canonical_last_character_is_refused() {
        // 32 bytes = 256 bits; 43 chars carry 258, so the last char's two low
        // bits must be zero: 'A' (0) is canonical, 'B' (1), 'C', 'D' are not.
        let base = format!("{TOKEN_PREFIX}{}", "A".repeat(42));
        Token::parse(&format!("{base}A")).unwrap();
        Token::parse(&format!("{base}E")).unwrap();
        for last in ['B', 'C', 'D', 'F', '_', '-'] {
            invalid_token(&format!("{base}{last}"));
        }
        // And for a generated token: flip the low bits of its last character.
        let t = token();
        let s = t.expose_secret();
        let last = s.as_bytes()[48];
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let idx = alphabet.iter().position(|&b| b == last).unwrap();
        assert_eq!(idx % 4, 0);
        invalid_token(&with_char(s, 48, char::from(alphabet[idx + 1])));
    }

    #[test]
    fn malformed_tokens_are_invalid_token() {
        let s = token().expose_secret().to_owned();
        let body = &s[6..];
        for bad in [
            String::new(),
            " ".into(),
            "ikinv_".into(),
            body.to_owned(),
            format!("ikinv-{body}"),
            format!("IKINV_{body}"),
            format!("ikinv__{body}"),
            format!("xkinv_{body}"),
            format!("{s}="),
            format!("{}=", &s[..48]),
            format!("{s}A"),
            s[..48].to_owned(),
            with_char(&s, 20, ' '),
            with_char(&s, 20, '\t'),
            with_char(&s, 20, '+'),
            with_char(&s, 20, '/'),
            with_char(&s, 20, '='),
            with_char(&s, 20, '.'),
            with_char(&s, 20, 'é'),
            format!("ikinv_{}", "A".repeat(42) + "é"),
            "x".repeat(10 * 1024),
            format!("{s}{}", " ".repeat(10 * 1024)),
            "ikinv_".repeat(2000),
        ] {
            invalid_token(&bad);
        }
        // Outer whitespace: fine for a pasted link or token, not for the strict parse.
        assert_eq!(code(Token::parse(&format!(" {s}"))), "invalid_token");
        assert_eq!(code(Token::parse(&format!("{s}\n"))), "invalid_token");
    }

    #[test]
    fn huge_input_is_invalid_token() {
        let s = token().expose_secret().to_owned();
        let huge_link = format!("https://acme.example.com/{}/join/{s}", "a".repeat(10 * 1024));
        assert_eq!(code(Token::from_token_or_link(&huge_link)), "invalid_token");
        let huge = format!("https://acme.example.com/join/{s}?{}", "q".repeat(1_000_000));
        assert_eq!(code(Token::from_token_or_link(&huge)), "invalid_token");
    }

    #[test]
    fn portal_url_validation() {
        assert_eq!(validate_portal_url("https://acme.example.com/portal").unwrap(), "https://acme.example.com/portal");
        assert_eq!(validate_portal_url("https://acme.example.com/portal/").unwrap(), "https://acme.example.com/portal");
        assert_eq!(validate_portal_url("https://acme.example.com").unwrap(), "https://acme.example.com");
        assert_eq!(validate_portal_url("https://acme.example.com/").unwrap(), "https://acme.example.com");
        assert_eq!(
            validate_portal_url(" HTTPS://Acme.Example.COM/Portal ").unwrap(),
            "https://acme.example.com/Portal"
        );
        assert_eq!(validate_portal_url("https://bücher.de/p").unwrap(), "https://xn--bcher-kva.de/p");
        assert_eq!(validate_portal_url("https://acme.example.com:8443/p").unwrap(), "https://acme.example.com:8443/p");
        assert_eq!(validate_portal_url("https://acme.example.com:443/p").unwrap(), "https://acme.example.com/p");
        assert_eq!(validate_portal_url("https://acme.example.com/p\r\n").unwrap(), "https://acme.example.com/p");

        for bad in [
            "http://acme.example.com/portal",
            "javascript:alert(1)",
            "javascript://acme.example.com/%0aalert(1)",
            "data:text/html,hi",
            "https://user:pass@acme.example.com/portal",
            "https://user@acme.example.com/portal",
            "https://:pass@acme.example.com/portal",
            "https://acme.example.com/portal?x=1",
            "https://acme.example.com/portal?",
            "https://acme.example.com/portal#frag",
            "https://acme.example.com/portal#",
            "/portal",
            "portal",
            "acme.example.com/portal",
            "//acme.example.com/portal",
            "https://",
            "https:///portal",
            "https:acme.example.com/portal",
            "https:\\\\acme.example.com\\portal",
            "https://acme.example.com\\portal",
            "https://[::1",
            "https://acme..com:99999/",
            "",
            "   ",
            "https://acme.example.com/por\ntal",
            "https://acme.example.com/por tal",
            &format!("https://acme.example.com/{}", "a".repeat(2048)),
        ] {
            let e = validate_portal_url(bad).unwrap_err();
            assert_eq!(e.code(), "invalid_input", "{bad:?}");
            let msg = e.to_string();
            assert!(msg.contains("portal url"), "{msg}");
            assert!(!msg.contains('\n'), "{msg}");
            assert!(!msg.ends_with('.'), "{msg}");
        }
    }

    #[test]
    fn join_link_errors_never_contain_the_token() {
        let t = token();
        let e = join_link("not a url", &t).unwrap_err();
        assert_eq!(e.code(), "invalid_input");
        assert!(!e.to_string().contains(t.expose_secret()));
        let e = join_link("mailto:x@acme.com", &t).unwrap_err();
        assert_eq!(e.code(), "invalid_input");
    }

    /// A tiny deterministic generator so the fuzz test needs no new dependency.
    struct XorShift(u64);
    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    fn check(s: &str) {
        if let Ok(t) = Token::parse(s) {
            assert_eq!(t.expose_secret(), s);
            assert_eq!(Token::from_token_or_link(s).unwrap(), t);
        }
        if let Ok(t) = Token::from_token_or_link(s) {
            assert_eq!(t.expose_secret().len(), 49);
        }
        if let Ok(p) = validate_portal_url(s) {
            assert_eq!(validate_portal_url(&p).unwrap(), p);
            let t = Token::parse(&format!("{TOKEN_PREFIX}{}", "A".repeat(43))).unwrap();
            let link = join_link(&p, &t).unwrap();
            assert_eq!(Token::from_token_or_link(&link).unwrap(), t);
        }
        let _ = TokenHash::from_hex(s);
    }

    #[test]
    fn fuzz_parse_never_panics() {
        let s = token().expose_secret().to_owned();
        let pieces: Vec<String> = [
            "",
            "ikinv_",
            "https://",
            "http://",
            "acme.example.com",
            "/",
            "join",
            "/join/",
            "?",
            "#",
            "=",
            "%",
            "%2F",
            "A",
            "_",
            "-",
            "+",
            "é",
            " ",
            "\n",
            "\0",
            "\u{2028}",
            "user:pass@",
            ":443",
            "..",
            "[::1]",
            "javascript:",
            "xn--",
            "＠",
            "／",
            "\\",
            "\u{212A}",
        ]
        .iter()
        .map(|p| (*p).to_owned())
        .chain([s.clone(), s[6..].to_owned(), s[..30].to_owned()])
        .collect();
        for a in &pieces {
            for b in &pieces {
                check(&format!("{a}{b}"));
                check(&format!("https://acme.example.com/{a}/join/{b}"));
            }
        }
        let mut rng = XorShift(0x0123_4567_89ab_cdef);
        for _ in 0..20_000 {
            let mut t = String::new();
            for _ in 0..rng.below(10) {
                t.push_str(&pieces[rng.below(pieces.len())]);
            }
            check(&t);
            // Random characters in a token-shaped string.
            let mut u: Vec<char> = s.chars().collect();
            for _ in 0..=rng.below(3) {
                let i = rng.below(u.len());
                u[i] = char::from_u32((rng.next() % 0x80) as u32).unwrap_or('A');
            }
            check(&u.into_iter().collect::<String>());
        }
    }
}
