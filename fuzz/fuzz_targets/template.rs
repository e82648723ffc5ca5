//! The `template` target; its logic and what it checks: `src/template.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| invitekit_fuzz::template::run(data));
