//! `email`: address parsing and normalization (docs/rules.md#emails), and the domain rules
//! built on it. Any text goes in; nothing may panic, and what parses must be
//! the one canonical, bounded, ASCII form.

use invitekit::EmailAddress;
use invitekit::email::{MAX_EMAIL_BYTES, domain_matches, normalize_domain};

use crate::check_error;

/// Runs one input.
pub fn run(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else { return };
    match EmailAddress::parse(s) {
        Ok(a) => check_address(s, &a),
        Err(e) => {
            check_error(&e);
            assert_eq!(e.code(), "invalid_email", "{s:?}: {e}");
        }
    }
    match normalize_domain(s) {
        Ok(d) => check_domain(&d),
        Err(e) => {
            check_error(&e);
            assert_eq!(e.code(), "invalid_input", "{s:?}: {e}");
        }
    }
}

fn check_address(input: &str, a: &EmailAddress) {
    let shown = a.as_str();
    assert!(shown.len() <= MAX_EMAIL_BYTES, "{shown:?} is too long");
    assert!(shown.is_ascii(), "{shown:?} is not ASCII");
    assert!(!shown.chars().any(|c| c.is_control() || c.is_whitespace()), "{shown:?}");
    assert_eq!(shown.matches('@').count(), 1, "{shown:?}");
    assert!((1..=64).contains(&a.local().len()), "{shown:?}: local part length");
    assert_eq!(format!("{}@{}", a.local(), a.domain()), shown);
    // Only the local part's ASCII case is folded, and nothing else.
    assert_eq!(a.key(), format!("{}@{}", a.local().to_ascii_lowercase(), a.domain()));
    assert_eq!(a.domain(), a.domain().to_ascii_lowercase(), "{shown:?}: the domain is not lower case");

    // The canonical form is a fixed point, and outer whitespace is not part of an address.
    let again = EmailAddress::parse(shown).expect("a normalized address parses");
    assert_eq!((again.as_str(), again.key()), (shown, a.key()), "{input:?}");
    if input.len() + 4 <= 1024 {
        let padded = EmailAddress::parse(&format!("  {input} ")).expect("padding changes nothing");
        assert_eq!(padded.key(), a.key(), "{input:?}");
    }
    let shouted = format!("{}@{}", a.local().to_ascii_uppercase(), a.domain().to_ascii_uppercase());
    let shouted = EmailAddress::parse(&shouted).expect("ASCII case changes nothing");
    assert_eq!(shouted.key(), a.key(), "{input:?}");
    assert!(shouted == *a);

    // The domain of an address and a configured domain are normalized alike.
    assert_eq!(normalize_domain(a.domain()).ok().as_deref(), Some(a.domain()), "{shown:?}");
    check_domain(a.domain());
}

fn check_domain(d: &str) {
    assert!(!d.is_empty() && d.is_ascii() && d.len() <= 253, "{d:?}");
    assert_eq!(d, d.to_ascii_lowercase(), "{d:?}");
    assert_eq!(normalize_domain(d).ok().as_deref(), Some(d), "{d:?} is not a fixed point");
    assert!(domain_matches(d, d, false) && domain_matches(d, d, true));
    // A subdomain matches only when subdomains are allowed, and only at a dot.
    for candidate in [format!("eng.{d}"), format!("evil{d}"), format!("{d}.evil.io"), format!("{d}.")] {
        let is_sub = candidate.ends_with(&format!(".{d}"));
        assert_eq!(domain_matches(&candidate, d, true), is_sub, "{candidate:?} under {d:?}");
        assert!(!domain_matches(&candidate, d, false), "{candidate:?} under {d:?}");
        assert!(!domain_matches(d, &candidate, true), "{d:?} under {candidate:?}");
    }
}
