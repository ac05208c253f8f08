//! numpy's legacy generator, `np.random.RandomState(seed)`, bit for bit: the Mersenne Twister
//! MT19937 (Matsumoto & Nishimura 1998) seeded by `init_genrand`, 53-bit doubles from two
//! 32-bit draws, the inverse-CDF Laplace of `RandomState.laplace` and the polar Box–Muller
//! normal of `RandomState.standard_normal`.
//!
//! It exists to reproduce published numpy experiments exactly (Perrinet's post draws its
//! events with `RandomState(2020).laplace`). It is sequential by nature, so code that uses it
//! is single-threaded; everything else in the crate uses the ChaCha streams of [`super`].
//!
//! Definitions (numpy `random/src/mt19937`, `random/src/distributions`, `random/src/legacy`):
//! - seeding: `mt[0] = s`, `mt[i] = 1812433253·(mt[i−1] ⊕ (mt[i−1] ≫ 30)) + i` (mod 2³²);
//! - double: `a = next32 ≫ 5`, `b = next32 ≫ 6`, `(a·2²⁶ + b) / 2⁵³` in `[0, 1)`;
//! - Laplace(μ, b): `u` a double; `u ≥ ½ ⇒ μ − b·ln(2 − 2u)`; `0 < u < ½ ⇒ μ + b·ln(2u)`;
//!   `u = 0` is redrawn;
//! - normal: `x₁, x₂ = 2u − 1` until `0 < r² = x₁² + x₂² < 1`, `f = √(−2 ln r² / r²)`,
//!   return `f·x₂` and keep `f·x₁` for the next call.

const N: usize = 624;
const M: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;

/// `np.random.RandomState(seed)` for an integer seed in `[0, 2³²)`.
#[derive(Clone)]
pub struct NumpyRandomState {
    mt: [u32; N],
    pos: usize,
    cached_gauss: Option<f64>,
}

impl std::fmt::Debug for NumpyRandomState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NumpyRandomState")
            .field("pos", &self.pos)
            .finish_non_exhaustive()
    }
}

impl NumpyRandomState {
    /// [`NumpyRandomState::new`] from a `u64` seed; numpy's `RandomState` refuses seeds of
    /// 2³² and above, and so does this (`InvalidParameter` on `seed`).
    pub fn from_seed(seed: u64) -> crate::Result<Self> {
        let s = u32::try_from(seed).map_err(|_| {
            crate::Error::param(
                "seed",
                format!("numpy's RandomState takes seeds below 2^32, got {seed}"),
            )
        })?;
        Ok(Self::new(s))
    }

    /// The state numpy builds for `RandomState(seed)`.
    pub fn new(seed: u32) -> Self {
        let mut mt = [0u32; N];
        mt[0] = seed;
        for i in 1..N {
            let prev = mt[i - 1];
            mt[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        Self {
            mt,
            pos: N,
            cached_gauss: None,
        }
    }

    fn regenerate(&mut self) {
        let mag = |y: u32| if y & 1 == 1 { MATRIX_A } else { 0 };
        for i in 0..N {
            let y = (self.mt[i] & UPPER_MASK) | (self.mt[(i + 1) % N] & LOWER_MASK);
            self.mt[i] = self.mt[(i + M) % N] ^ (y >> 1) ^ mag(y);
        }
        self.pos = 0;
    }

    /// The next tempered 32-bit output.
    pub fn next_u32(&mut self) -> u32 {
        if self.pos == N {
            self.regenerate();
        }
        let mut y = self.mt[self.pos];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^= y >> 18;
        y
    }

    /// `random_sample()`: a double in `[0, 1)` with 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        let a = (self.next_u32() >> 5) as f64;
        let b = (self.next_u32() >> 6) as f64;
        (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// `laplace(loc, scale)`.
    pub fn laplace(&mut self, loc: f64, scale: f64) -> f64 {
        loop {
            let u = self.next_f64();
            if u >= 0.5 {
                return loc - scale * (2.0 - u - u).ln();
            }
            if u > 0.0 {
                return loc + scale * (u + u).ln();
            }
        }
    }

    /// `standard_normal()` (legacy polar method, one value cached).
    pub fn standard_normal(&mut self) -> f64 {
        if let Some(g) = self.cached_gauss.take() {
            return g;
        }
        loop {
            let x1 = 2.0 * self.next_f64() - 1.0;
            let x2 = 2.0 * self.next_f64() - 1.0;
            let r2 = x1 * x1 + x2 * x2;
            if r2 < 1.0 && r2 != 0.0 {
                let f = (-2.0 * r2.ln() / r2).sqrt();
                self.cached_gauss = Some(f * x1);
                return f * x2;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_outputs_of_mt19937() {
        // The reference implementation's init_genrand(5489) gives 3499211612 first, and the
        // 10000th output of the default-seeded generator is 4123659995 (C++ std::mt19937).
        let mut g = NumpyRandomState::new(5489);
        assert_eq!(g.next_u32(), 3_499_211_612);
        for _ in 1..9_999 {
            g.next_u32();
        }
        assert_eq!(g.next_u32(), 4_123_659_995);
    }

    /// Values printed by numpy 2.4 (`RandomState(seed).random_sample(3)`, `.laplace(size=4)`,
    /// `.standard_normal(5)`), compared bit for bit.
    #[test]
    fn numpy_values_bit_for_bit() {
        let mut g = NumpyRandomState::new(2020);
        let u: Vec<f64> = (0..3).map(|_| g.next_f64()).collect();
        assert_eq!(
            u,
            [0.9862768288615988, 0.8733919458206546, 0.5097455249715815]
        );
        let mut g = NumpyRandomState::new(2020);
        let l: Vec<f64> = (0..4).map(|_| g.laplace(0.0, 1.0)).collect();
        assert_eq!(
            l,
            [
                3.5955223702949346,
                1.373511971625572,
                0.019683505333508676,
                -0.6094102062126223
            ]
        );
        let mut g = NumpyRandomState::new(7);
        let n: Vec<f64> = (0..5).map(|_| g.standard_normal()).collect();
        assert_eq!(
            n,
            [
                1.690525703800356,
                -0.4659373705408328,
                0.0328201636785844,
                0.40751628299650783,
                -0.7889230286257386
            ]
        );
    }
}
