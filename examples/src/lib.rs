//! Runnable examples of InviteKit: see `examples/`.
