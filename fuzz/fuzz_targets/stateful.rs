//! The `stateful` target; its logic and what it checks: `src/stateful.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| invitekit_fuzz::stateful::run(data));
