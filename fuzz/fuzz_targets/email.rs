//! Email parsing and normalization: never panics, and a parsed address is
//! stable (its normalized form parses to the same address).
#![no_main]

use invitekit::EmailAddress;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &str| {
    if let Ok(a) = EmailAddress::parse(data) {
        assert!(a.as_str().len() <= invitekit::email::MAX_EMAIL_BYTES);
        assert!(!a.as_str().chars().any(char::is_control));
        let again = EmailAddress::parse(a.as_str()).expect("a normalized address parses");
        assert_eq!(again.key(), a.key());
    }
});
