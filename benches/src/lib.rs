//! Benchmarks of InviteKit: see `benches/`. What the benchmarks share.

/// A deterministic generator, so every run builds the same world.
pub struct Lcg(pub u64);

impl Lcg {
    /// 31 new random bits.
    pub fn bits(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.bits() % n as u64) as usize
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.bits() % 100 < percent
    }
}
