//! Email addresses and domains ([the email rules](crate::rules#emails)).
//!
//! This module owns the one place where an address typed by a person becomes
//! something InviteKit compares, stores and matches against allowed domains.
//! It is deliberately strict: an address that could be confused with another
//! (Unicode look-alikes, full-width characters, the Kelvin sign) is either a
//! different address or an invalid one, never silently folded into a match,
//! because a lenient match here would let an outsider join an organization.

use std::fmt;
use std::hash::{Hash, Hasher};

use idna::AsciiDenyList;
use idna::uts46::{DnsLength, Hyphens, Uts46};

use crate::error::{Error, Result, quote};

/// The longest normalized address accepted, in bytes (RFC 5321 path limit minus the brackets).
pub const MAX_EMAIL_BYTES: usize = 254;

/// Input longer than this is refused before any parsing, so a hostile caller
/// cannot make us run IDNA over megabytes.
const MAX_INPUT_BYTES: usize = 1024;
const MAX_LOCAL_BYTES: usize = 64;
const MAX_DOMAIN_BYTES: usize = 253;
const MAX_LABEL_BYTES: usize = 63;

/// A parsed, normalized email address.
///
/// Equality and hashing use [`key`](EmailAddress::key), so `Bob@Acme.com` and
/// `bob@acme.com` are the same address while `b.ob@acme.com` and
/// `bob+x@acme.com` are not ([no other folding](crate::rules#emails)).
///
/// `" Bob@Bücher.de "` parses to the display form `Bob@xn--bcher-kva.de` with
/// the key `bob@xn--bcher-kva.de`.
#[derive(Clone)]
pub struct EmailAddress {
    /// Local part as typed, '@', ASCII domain.
    display: String,
    /// Local part ASCII-lowercased, '@', ASCII domain.
    key: String,
    /// Byte index of the '@' in both strings (the local part keeps its length when lowercased).
    at: usize,
}

impl EmailAddress {
    /// Parses and normalizes an address.
    ///
    /// Outer ASCII whitespace is trimmed; every other [email rule](crate::rules#emails) is
    /// enforced. Every failure is [`Error::InvalidEmail`], quoting the input.
    pub fn parse(input: &str) -> Result<EmailAddress> {
        let fail = |reason: &str| Error::InvalidEmail(format!("`{}` {reason}", quote(input)));
        // Before anything else: this bounds the cost of every later step.
        if input.len() > MAX_INPUT_BYTES {
            return Err(fail(&format!("is longer than {MAX_INPUT_BYTES} bytes")));
        }
        // Checked on the untrimmed input: a trailing CR/LF is a sign of header
        // injection or of a careless caller, and is refused rather than cleaned up.
        if input.chars().any(is_control) {
            return Err(fail("contains a control character"));
        }
        let trimmed = input.trim_matches(|c: char| c.is_ascii_whitespace());
        if trimmed.is_empty() {
            return Err(fail("is empty"));
        }
        let Some((local, domain)) = trimmed.split_once('@') else {
            return Err(fail("has no `@`"));
        };
        if domain.contains('@') {
            return Err(fail("has more than one `@`"));
        }
        check_local(local).map_err(fail)?;
        let domain = normalize_domain_inner(domain).map_err(fail)?;

        let display = format!("{local}@{domain}");
        if display.len() > MAX_EMAIL_BYTES {
            return Err(fail(&format!("is longer than {MAX_EMAIL_BYTES} bytes")));
        }
        let key = format!("{}@{domain}", local.to_ascii_lowercase());
        Ok(EmailAddress { display, key, at: local.len() })
    }

    /// The canonical display form: the local part as typed, `@`, the ASCII
    /// (punycode) lowercase domain. Parsing it again gives an equal address.
    pub fn as_str(&self) -> &str {
        &self.display
    }

    /// The comparison key: the local part ASCII-lowercased, `@`, the ASCII
    /// lowercase domain. Stores index addresses by this.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The local part (before the `@`), as typed.
    pub fn local(&self) -> &str {
        &self.display[..self.at]
    }

    /// The ASCII lowercase domain; punycode (`xn--...`) for an IDN.
    pub fn domain(&self) -> &str {
        &self.display[self.at + 1..]
    }
}

impl PartialEq for EmailAddress {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for EmailAddress {}

impl Hash for EmailAddress {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key.hash(state);
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}

impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EmailAddress({:?})", self.display)
    }
}

/// Normalizes a domain given in configuration (`allowed_domains`,
/// `auto_join_domains`) with the same rules as the domain of an address, so
/// that [`domain_matches`] compares like with like.
///
/// Outer ASCII whitespace is trimmed. Failure is [`Error::InvalidInput`]
/// naming the domain.
pub fn normalize_domain(input: &str) -> Result<String> {
    let fail = |reason: &str| Error::InvalidInput(format!("the domain `{}` {reason}", quote(input)));
    if input.len() > MAX_INPUT_BYTES {
        return Err(fail(&format!("is longer than {MAX_INPUT_BYTES} bytes")));
    }
    if input.chars().any(is_control) {
        return Err(fail("contains a control character"));
    }
    normalize_domain_inner(input.trim_matches(|c: char| c.is_ascii_whitespace())).map_err(fail)
}

/// Whether `domain` is `allowed`, or (only if `allow_subdomains`) a subdomain
/// of it at a dot boundary.
///
/// Both must already be normalized ASCII domains (from [`EmailAddress::domain`]
/// and [`normalize_domain`]). `eng.acme.com` matches `acme.com` with
/// subdomains allowed; `evilacme.com` and `acme.com.evil.io` never do.
pub fn domain_matches(domain: &str, allowed: &str, allow_subdomains: bool) -> bool {
    // An empty pattern would otherwise make every domain a "subdomain" of it.
    if domain.is_empty() || allowed.is_empty() {
        return false;
    }
    if domain.eq_ignore_ascii_case(allowed) {
        return true;
    }
    if !allow_subdomains || domain.len() <= allowed.len() + 1 {
        return false;
    }
    let split = domain.len() - allowed.len();
    // Byte-slicing is safe only at a char boundary; a normalized domain is
    // ASCII, but this function must not panic on whatever it is given.
    match (domain.get(..split), domain.get(split..)) {
        (Some(prefix), Some(suffix)) => prefix.ends_with('.') && suffix.eq_ignore_ascii_case(allowed),
        _ => false,
    }
}

/// Control characters in the widest sense: `char::is_control` covers C0, DEL
/// and C1 (incl. U+0085 NEL), but not the Unicode line and paragraph
/// separators, which some mail and log software also treats as line breaks.
fn is_control(c: char) -> bool {
    c.is_control() || c == '\u{2028}' || c == '\u{2029}'
}

/// RFC 5322 `atext`: what a dot-atom may contain between dots.
fn is_atext(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&b)
}

/// The local part must be an ASCII dot-atom: no quoted strings or comments,
/// which are legal in RFC 5322 but are a source of parser disagreements
/// between InviteKit, the host and the mail server.
fn check_local(local: &str) -> std::result::Result<(), &'static str> {
    if local.is_empty() {
        return Err("has an empty local part");
    }
    if local.len() > MAX_LOCAL_BYTES {
        return Err("has a local part longer than 64 bytes");
    }
    let bytes = local.as_bytes();
    if bytes.first() == Some(&b'.') || bytes.last() == Some(&b'.') || local.contains("..") {
        return Err("has a local part with a misplaced dot");
    }
    if !bytes.iter().all(|&b| b == b'.' || is_atext(b)) {
        return Err("has a local part with characters outside the RFC 5322 dot-atom set");
    }
    Ok(())
}

/// Converts a domain to its ASCII form and enforces the DNS rules.
///
/// IDNA (UTS 46) maps many characters to others (the Kelvin sign to `k`,
/// full-width letters to ASCII, `。` to `.`); accepting that mapping would let
/// two visibly different inputs become one domain. So every label must come
/// out of IDNA unchanged: an ASCII label identical, a Unicode label identical
/// after decoding its punycode back. Only ASCII case is folded.
fn normalize_domain_inner(domain: &str) -> std::result::Result<String, &'static str> {
    if domain.is_empty() {
        return Err("has an empty domain");
    }
    if domain.starts_with('[') {
        return Err("has an ip-literal domain, which is not accepted");
    }
    if domain.ends_with('.') {
        return Err("has a domain ending with a dot");
    }
    let lowered = domain.to_ascii_lowercase();
    let ascii = Uts46::new()
        .to_ascii(lowered.as_bytes(), AsciiDenyList::STD3, Hyphens::CheckFirstLast, DnsLength::Verify)
        .map_err(|_| "has a domain that is not a valid internationalized domain name")?;

    let mut typed = lowered.split('.');
    let mut converted = ascii.split('.');
    loop {
        match (typed.next(), converted.next()) {
            (None, None) => break,
            (Some(t), Some(c)) => {
                let same = if t.is_ascii() {
                    t == c
                } else {
                    c.strip_prefix("xn--").and_then(idna::punycode::decode_to_string).as_deref() == Some(t)
                };
                if !same {
                    return Err(
                        "has a domain with characters that are not in canonical form (look-alike, full-width or upper-case letters)",
                    );
                }
            }
            _ => {
                return Err(
                    "has a domain with characters that are not in canonical form (look-alike, full-width or upper-case letters)",
                );
            }
        }
    }

    check_dns(&ascii)?;
    Ok(ascii.into_owned())
}

/// DNS host name rules on the ASCII form (RFC 1035 / 1123), checked here even
/// though IDNA checked lengths, because this is the contract the rest of the
/// crate relies on.
fn check_dns(ascii: &str) -> std::result::Result<(), &'static str> {
    if ascii.len() > MAX_DOMAIN_BYTES {
        return Err("has a domain longer than 253 bytes");
    }
    let mut labels = 0usize;
    let mut last = "";
    for label in ascii.split('.') {
        if label.is_empty() {
            return Err("has a domain with an empty label");
        }
        if label.len() > MAX_LABEL_BYTES {
            return Err("has a domain label longer than 63 bytes");
        }
        if !label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            return Err("has a domain with characters outside letters, digits and hyphens");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("has a domain label starting or ending with a hyphen");
        }
        labels += 1;
        last = label;
    }
    if labels < 2 {
        return Err("has a domain without a dot");
    }
    // An all-digit top-level label makes the name look like (or be) an IPv4 address.
    if last.bytes().all(|b| b.is_ascii_digit()) {
        return Err("has a domain whose last label is all digits");
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn ok(s: &str) -> EmailAddress {
        match EmailAddress::parse(s) {
            Ok(a) => a,
            Err(e) => panic!("{s:?} should parse, got {e}"),
        }
    }

    fn code(s: &str) -> &'static str {
        match EmailAddress::parse(s) {
            Ok(a) => panic!("{s:?} should be refused, parsed as {a:?}"),
            Err(e) => e.code(),
        }
    }

    fn invalid(s: &str) {
        assert_eq!(code(s), "invalid_email", "{s:?}");
    }

    #[test]
    fn valid_addresses_parse_and_normalize() {
        let a = ok("bob@acme.com");
        assert_eq!(a.as_str(), "bob@acme.com");
        assert_eq!(a.local(), "bob");
        assert_eq!(a.domain(), "acme.com");
        assert_eq!(a.key(), "bob@acme.com");

        let a = ok("  Bob.Jones@ACME.Com  ");
        assert_eq!(a.as_str(), "Bob.Jones@acme.com");
        assert_eq!(a.key(), "bob.jones@acme.com");
        assert_eq!(a.local(), "Bob.Jones");

        for s in [
            "a@b.co",
            "x!#$%&'*+-/=?^_`{|}~y@acme.com",
            "first.last+tag@sub.domain.example",
            "a@xn--bcher-kva.de",
            "1@123.example",
            "a@a-b.c-d.io",
            "o'brien@acme.com",
        ] {
            ok(s);
        }
    }

    #[test]
    fn idn_domains_become_punycode_and_round_trip() {
        let a = ok("bob@bücher.de");
        assert_eq!(a.domain(), "xn--bcher-kva.de");
        assert_eq!(a.as_str(), "bob@xn--bcher-kva.de");
        // The stored display form parses back to the same address.
        let b = ok(a.as_str());
        assert_eq!(a, b);
        assert_eq!(b.as_str(), a.as_str());
        // Upper-case ASCII around an IDN label is still just ASCII case.
        assert_eq!(ok("Bob@BÜcher.de".replace('Ü', "ü").as_str()).domain(), "xn--bcher-kva.de");
        assert_eq!(ok("bob@XN--BCHER-KVA.DE").domain(), "xn--bcher-kva.de");
        assert_eq!(ok("a@例え.jp").domain(), "xn--r8jz45g.jp");
    }

    #[test]
    fn equality_is_ascii_case_insensitive_and_nothing_else() {
        assert_eq!(ok("Bob@Acme.COM"), ok("bob@acme.com"));
        assert_eq!(ok("BOB@acme.com").key(), "bob@acme.com");
        // No dot or plus stripping.
        assert_ne!(ok("b.ob@acme.com"), ok("bob@acme.com"));
        assert_ne!(ok("bob+x@acme.com"), ok("bob@acme.com"));
        assert_ne!(ok("bob@eng.acme.com"), ok("bob@acme.com"));

        let set: HashSet<_> = ["bob@acme.com", "BOB@ACME.COM", "Bob@Acme.Com"].iter().map(|s| ok(s)).collect();
        assert_eq!(set.len(), 1);
    }

    #[test]
    fn display_and_debug() {
        let a = ok("Bob@Acme.com");
        assert_eq!(a.to_string(), "Bob@acme.com");
        assert_eq!(format!("{a:?}"), "EmailAddress(\"Bob@acme.com\")");
    }

    #[test]
    fn control_characters_anywhere_are_refused() {
        for c in ['\r', '\n', '\0', '\t', '\u{7f}', '\u{85}', '\u{2028}', '\u{2029}', '\u{1b}', '\u{c}'] {
            for s in [
                format!("{c}bob@acme.com"),
                format!("bob{c}@acme.com"),
                format!("bob@{c}acme.com"),
                format!("bob@acme{c}.com"),
                format!("bob@acme.com{c}"),
            ] {
                invalid(&s);
            }
        }
        invalid("bob@acme.com\r\nBcc: eve@evil.io");
    }

    #[test]
    fn error_message_quotes_input_safely() {
        let e = EmailAddress::parse("bob@acme.com\r\nBcc: x").unwrap_err();
        let msg = e.to_string();
        assert!(!msg.contains('\r') && !msg.contains('\n'), "{msg}");
        assert!(msg.contains("`bob@acme.com\\r\\nBcc: x`"), "{msg}");
        assert!(msg.starts_with("invalid email: "), "{msg}");
        assert!(!msg.ends_with('.'), "{msg}");
    }

    #[test]
    fn local_part_length_limits() {
        let l64 = "a".repeat(64);
        assert_eq!(ok(&format!("{l64}@acme.com")).local().len(), 64);
        invalid(&format!("{}@acme.com", "a".repeat(65)));
        invalid("@acme.com");
    }

    #[test]
    fn whole_address_length_limits() {
        // 64 + 1 + 189 = 254 bytes: domain of labels 63.63.61 (189 bytes).
        let local = "a".repeat(64);
        let domain254 = format!("{}.{}.{}", "b".repeat(63), "c".repeat(63), "d".repeat(61));
        let s = format!("{local}@{domain254}");
        assert_eq!(s.len(), 254);
        assert_eq!(ok(&s).as_str().len(), MAX_EMAIL_BYTES);
        let domain255 = format!("{}.{}.{}", "b".repeat(63), "c".repeat(63), "d".repeat(62));
        let s = format!("{local}@{domain255}");
        assert_eq!(s.len(), 255);
        invalid(&s);
    }

    #[test]
    fn length_is_measured_after_normalization() {
        // Whitespace that gets trimmed does not count against the limit…
        let local = "a".repeat(64);
        let domain = format!("{}.{}.{}", "b".repeat(63), "c".repeat(63), "d".repeat(61));
        ok(&format!("   {local}@{domain}   "));
        // …but punycode expansion does.
        let idn = format!("{local}@{}.{}.{}.bücher.de", "b".repeat(63), "c".repeat(63), "d".repeat(45));
        assert!(idn.len() < 254);
        assert_eq!(idn.replace("bücher", "xn--bcher-kva").len(), 255);
        invalid(&idn);
    }

    #[test]
    fn dots_in_the_local_part() {
        invalid("bo..b@acme.com");
        invalid(".bob@acme.com");
        invalid("bob.@acme.com");
        invalid(".@acme.com");
        ok("b.o.b@acme.com");
    }

    #[test]
    fn quoted_strings_comments_and_odd_characters_are_refused() {
        for s in [
            "\"bob\"@acme.com",
            "\"bo b\"@acme.com",
            "bob(comment)@acme.com",
            "bob@(comment)acme.com",
            "bo b@acme.com",
            "bob,x@acme.com",
            "bob;x@acme.com",
            "bob<x>@acme.com",
            "<script>@acme.com",
            "<script>alert(1)</script>@acme.com",
            "bob@<script>.com",
            "josé@acme.com",
            "bob\\@acme.com",
            "[bob]@acme.com",
        ] {
            invalid(s);
        }
    }

    #[test]
    fn at_sign_rules() {
        invalid("bob@@acme.com");
        invalid("bob@acme@com.com");
        invalid("a@b@acme.com");
        invalid("bobacme.com");
        invalid("bob＠acme.com");
        invalid("bob@");
        invalid("@");
        invalid("");
        invalid("   ");
    }

    #[test]
    fn domain_rules() {
        for s in [
            "bob@acme",
            "bob@acme.com.",
            "bob@.acme.com",
            "bob@acme..com",
            "bob@-acme.com",
            "bob@acme-.com",
            "bob@acme.-com",
            "bob@acme_corp.com",
            "bob@acme.123",
            "bob@1.2.3.4",
            "bob@[127.0.0.1]",
            "bob@[IPv6:::1]",
            "bob@acme com.com",
            "bob@acme.com:80",
            "bob@acme.com/x",
            "bob@xn--zz.com",
            "bob@acme。com",
            "bob@acme．com",
            &format!("bob@{}.com", "a".repeat(64)),
        ] {
            invalid(s);
        }
        ok(&format!("bob@{}.com", "a".repeat(63)));
        ok("bob@123.com");
        ok("bob@acme.c0m");
    }

    #[test]
    fn look_alikes_are_invalid_or_different() {
        // Kelvin sign U+212A would map to "k" under IDNA: refused instead.
        invalid("bob@\u{212A}iwi.com");
        invalid("bob@acme.\u{212A}z");
        // Full-width letters would map to ASCII: refused.
        invalid("bob@ａｃｍｅ.com");
        // Non-ASCII upper case would be folded: refused.
        invalid("bob@BÜCHER.de");
        // Decomposed (NFD) input would be composed: refused.
        invalid("bob@bu\u{308}cher.de");
        // Cyrillic 'а' is a real, different domain: valid, never acme.com.
        let cyr = ok("bob@\u{0430}cme.com");
        assert!(cyr.domain().starts_with("xn--"), "{}", cyr.domain());
        assert_ne!(cyr.domain(), "acme.com");
        assert_ne!(cyr, ok("bob@acme.com"));
        assert!(!domain_matches(cyr.domain(), "acme.com", false));
        assert!(!domain_matches(cyr.domain(), "acme.com", true));
        // Kelvin sign in the local part is not ASCII: refused.
        invalid("\u{212A}im@acme.com");
    }

    #[test]
    fn domain_matching() {
        assert!(domain_matches("acme.com", "acme.com", false));
        assert!(domain_matches("acme.com", "acme.com", true));
        assert!(!domain_matches("eng.acme.com", "acme.com", false));
        assert!(domain_matches("eng.acme.com", "acme.com", true));
        assert!(domain_matches("a.b.eng.acme.com", "acme.com", true));
        assert!(!domain_matches("evilacme.com", "acme.com", true));
        assert!(!domain_matches("evilacme.com", "acme.com", false));
        assert!(!domain_matches("acme.com.evil.io", "acme.com", true));
        assert!(!domain_matches("acme.com.evil.io", "acme.com", false));
        assert!(!domain_matches(".acme.com", "acme.com", true));
        assert!(!domain_matches("com", "acme.com", true));
        assert!(!domain_matches("acme.com", "", true));
        assert!(!domain_matches("", "", true));
        // Multibyte input must not panic on a non-char-boundary split.
        assert!(!domain_matches("é.acme.com", "cme.com", true));
        assert!(!domain_matches("xé", "é", true));
    }

    #[test]
    fn configured_domains_normalize_with_the_same_rules() {
        assert_eq!(normalize_domain(" ACME.com ").unwrap(), "acme.com");
        assert_eq!(normalize_domain("bücher.de").unwrap(), "xn--bcher-kva.de");
        assert_eq!(normalize_domain("xn--bcher-kva.de").unwrap(), "xn--bcher-kva.de");
        for bad in [
            "",
            " ",
            "acme",
            "acme.com.",
            "@acme.com",
            "*.acme.com",
            "\u{212A}iwi.com",
            "acme.com\n",
            "a\0.com",
            "ａｃｍｅ.com",
            "bob@acme.com",
            &"a".repeat(2000),
        ] {
            let e = normalize_domain(bad).unwrap_err();
            assert_eq!(e.code(), "invalid_input", "{bad:?}");
            assert!(e.to_string().contains("domain"), "{e}");
        }
        // A normalized domain matches the domain of an address typed differently.
        let a = ok("bob@Eng.Bücher.de");
        let allowed = normalize_domain("BÜCHER.DE".replace('Ü', "ü").as_str()).unwrap();
        assert!(domain_matches(a.domain(), &allowed, true));
        assert!(!domain_matches(a.domain(), &allowed, false));
    }

    #[test]
    fn huge_input_is_rejected_fast() {
        let huge = format!("{}@acme.com", "a".repeat(1_000_000));
        let start = std::time::Instant::now();
        for _ in 0..1000 {
            assert_eq!(code(&huge), "invalid_email");
        }
        // Generous bound: a full scan would be ~1 GB of work for 1000 runs.
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
        let e = EmailAddress::parse(&huge).unwrap_err().to_string();
        assert!(e.len() < 400, "error message should be short: {} bytes", e.len());
        invalid(&"@".repeat(1025));
        invalid(&"\u{2028}".repeat(500_000));
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

    fn check_never_panics_and_is_idempotent(s: &str) {
        if let Ok(a) = EmailAddress::parse(s) {
            assert!(a.as_str().len() <= MAX_EMAIL_BYTES);
            assert!(a.as_str().is_ascii(), "{a:?}");
            assert_eq!(a.key(), a.as_str().to_ascii_lowercase());
            assert_eq!(format!("{}@{}", a.local(), a.domain()), a.as_str());
            let again = EmailAddress::parse(a.as_str()).unwrap();
            assert_eq!(again.as_str(), a.as_str());
            assert_eq!(again, a);
            assert_eq!(normalize_domain(a.domain()).unwrap(), a.domain());
        }
        if let Ok(d) = normalize_domain(s) {
            assert_eq!(normalize_domain(&d).unwrap(), d);
            assert!(domain_matches(&d, &d, false));
        }
    }

    #[test]
    fn fuzz_parse_never_panics() {
        const PIECES: &[&str] = &[
            "",
            "a",
            "Bob",
            "@",
            "@@",
            ".",
            "..",
            "-",
            "xn--",
            "xn--bcher-kva",
            "bücher",
            "acme",
            "com",
            "de",
            "\u{212A}",
            "＠",
            "ａ",
            "\u{0430}",
            "\r",
            "\n",
            "\0",
            "\t",
            " ",
            "\u{2028}",
            "\u{85}",
            "\"",
            "(",
            ")",
            "[",
            "]",
            "<",
            ">",
            "\\",
            "+",
            "é",
            "e\u{301}",
            "。",
            "．",
            "1",
            "123",
            "\u{200d}",
            "\u{200c}",
            "\u{fe0f}",
            "\u{ffff}",
            "\u{10ffff}",
            "ß",
            "ς",
            "İ",
            "ﬀ",
            "%",
            "_",
            "\u{202e}",
            "\u{5d0}",
            "\u{661}",
            "👍",
            "xn--a",
            "xn---",
            "--",
            "a-b",
        ];
        for a in PIECES {
            for b in PIECES {
                for sep in ["@", ".", ""] {
                    check_never_panics_and_is_idempotent(&format!("{a}{sep}{b}"));
                    check_never_panics_and_is_idempotent(&format!("{a}@{b}{sep}com"));
                    check_never_panics_and_is_idempotent(&format!("x{a}y@{b}.{a}"));
                }
            }
        }
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
        for _ in 0..20_000 {
            let n = rng.below(12);
            let mut s = String::new();
            for _ in 0..n {
                s.push_str(PIECES[rng.below(PIECES.len())]);
            }
            check_never_panics_and_is_idempotent(&s);
            // Random scalar values too, not just the curated pieces.
            let mut t = String::from("a@");
            for _ in 0..rng.below(8) {
                if let Some(c) = char::from_u32((rng.next() % 0x11_0000) as u32) {
                    t.push(c);
                }
            }
            t.push_str(".com");
            check_never_panics_and_is_idempotent(&t);
        }
    }
}
