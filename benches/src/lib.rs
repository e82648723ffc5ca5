//! Benchmarks of InviteKit: see `benches/`.
