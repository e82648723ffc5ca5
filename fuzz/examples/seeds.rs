//! Finds, in fuzzing corpora, the smallest input of the `stateful` target
//! that reaches each named scenario (`invitekit_fuzz::stateful::FEATURES_LIST`),
//! and copies it to `fuzz/corpus/stateful/<name>`, the named seeds that the
//! corpus replay test checks:
//! `cargo run --release --example seeds -- [--write] [--search N] <dir>...`
//! (without `--write` it only reports; `--search N` also tries N random
//! inputs, the same ones every time).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use invitekit_fuzz::stateful::{FEATURES_LIST, features};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let write = args.iter().any(|a| a == "--write");
    let mut search = 0u64;
    let mut dirs = Vec::new();
    let mut it = args.iter().filter(|a| *a != "--write");
    while let Some(a) = it.next() {
        if a == "--search" {
            search = it.next().and_then(|n| n.parse().ok()).expect("--search N");
        } else {
            dirs.push(a.clone());
        }
    }
    let mut inputs: Vec<(String, Vec<u8>)> = Vec::new();
    for dir in &dirs {
        for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{dir}: {e}")) {
            let file: PathBuf = entry.expect("a directory entry").path();
            let data = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            inputs.push((file.display().to_string(), data));
        }
    }
    // xorshift64*, from a fixed seed.
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let mut best: BTreeMap<&str, (usize, String, Vec<u8>)> = BTreeMap::new();
    let mut consider = |name: String, data: Vec<u8>| {
        for f in features(&data) {
            if best.get(f).is_none_or(|(len, _, _)| data.len() < *len) {
                best.insert(f, (data.len(), name.clone(), data.clone()));
            }
        }
    };
    for (name, data) in inputs {
        consider(name, data);
    }
    for i in 0..search {
        let len = 64 + usize::try_from(next() % 1500).unwrap_or(0);
        let data: Vec<u8> = (0..len).map(|_| next().to_le_bytes()[7]).collect();
        consider(format!("random input {i}"), data);
    }
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join("stateful");
    for f in FEATURES_LIST {
        match best.get(f) {
            Some((len, name, data)) => {
                println!("{f:28} {len:6} bytes  {name}");
                if write {
                    std::fs::write(out.join(f), data).unwrap_or_else(|e| panic!("{f}: {e}"));
                }
            }
            None => println!("{f:28}      -"),
        }
    }
}
