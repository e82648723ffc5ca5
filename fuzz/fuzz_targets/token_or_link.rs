//! The `token_or_link` target; its logic and what it checks: `src/token_or_link.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| invitekit_fuzz::token_or_link::run(data));
