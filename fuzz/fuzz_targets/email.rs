//! The `email` target; its logic and what it checks: `src/email.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| invitekit_fuzz::email::run(data));
