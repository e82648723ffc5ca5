//! Every committed corpus file still runs through its target's logic without a
//! failed check: `cargo test` in `fuzz/`, on stable Rust, no libFuzzer needed.

use std::fs;
use std::path::Path;

fn replay(target: &str) {
    let run = invitekit_fuzz::TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .map(|(_, run)| *run)
        .unwrap_or_else(|| panic!("no target `{target}`"));
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(target);
    let mut files: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no seed corpus for `{target}`");
    for file in files {
        let data = fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        eprintln!("{}", file.display());
        run(&data);
    }
}

#[test]
fn email() {
    replay("email");
}

#[test]
fn token_or_link() {
    replay("token_or_link");
}

#[test]
fn policy_json() {
    replay("policy_json");
}

#[test]
fn template() {
    replay("template");
}

#[test]
fn stateful() {
    replay("stateful");
}

/// Each named seed of `corpus/stateful/` still reaches the scenario it is
/// named after (`stateful::FEATURES_LIST`; `cargo run --example seeds` finds
/// new ones when the target's input changes).
#[test]
fn stateful_named_seeds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join("stateful");
    for name in invitekit_fuzz::stateful::FEATURES_LIST {
        let file = dir.join(name);
        let data = fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let reached = invitekit_fuzz::stateful::features(&data);
        assert!(reached.contains(name), "{} no longer reaches `{name}`: it reaches {reached:?}", file.display());
    }
}
