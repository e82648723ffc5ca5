// The rules InviteKit enforces, as `cargo doc` shows them: this module holds no
// code, only the repository's `docs/rules.md`, the one place that defines the
// rule names (R1 to R14, R4c, R7b, ...) every other doc cites. `core/docs/rules.md`
// links to that file so that the packaged crate carries the same text.
#![doc = include_str!("../docs/rules.md")]
