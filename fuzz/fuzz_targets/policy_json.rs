//! The `policy_json` target; its logic and what it checks: `src/policy_json.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| invitekit_fuzz::policy_json::run(data));
