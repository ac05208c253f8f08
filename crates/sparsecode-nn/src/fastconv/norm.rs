//! Batch normalisation in training mode for the flex backend: one pass for the statistics and
//! one for the output forward, one for the sums and one for the input gradient backward.
//!
//! burn 0.22 composes `batch_norm_train` and its backward from a dozen tensor operations
//! (swap of the batch and channel axes with a copy, reshapes, means, broadcasts), about 1.4 ms
//! forward + backward on a (8, 64, 16, 16) activation at one thread. With `M = B·N` values per
//! channel (`N` pixels per image):
//!
//! ```text
//! forward   μ = Σ x / M,  σ² = Σ (x − μ)² / M,  x̂ = (x − μ) / √(σ² + ε),  y = γ·x̂ + β
//! backward  dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ / √(σ² + ε) · (dy − dβ / M − x̂·dγ / M)
//! ```
//!
//! (Ioffe & Szegedy, 2015; the backward as in burn's `batch_norm_train_backward`). Each image
//! plane is summed in 16 `f32` lanes, the planes and lanes in `f64`. [`batch_norm`] updates the running statistics exactly as burn's `BatchNorm` does
//! (biased batch variance, `momentum` weighting) and falls back to `BatchNorm::forward` off the
//! flex device, outside training, or when the fast paths are switched off.

use super::{dims, enabled, on_flex, tensor, values};
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{backend_extension, Autodiff, AutodiffBackend, Backend, Flex};
use burn::nn::BatchNorm;
use burn::tensor::Tensor;
use burn_flex::FlexTensor;
use rayon::prelude::*;

/// Backend extension: batch normalisation whose kernels and gradients are ours.
#[backend_extension(Flex, Autodiff)]
pub trait FastNormBackend: Backend {
    /// Training-mode batch norm of `x` (B, C, …) per channel `C` with `gamma`, `beta` (C):
    /// the output, the batch mean and the (biased) batch variance.
    fn fast_batch_norm_train(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);
}

/// `(batch, channels, values per image and channel)` of a (B, C, …) shape.
fn layout(shape: &[usize]) -> (usize, usize, usize) {
    let (b, c) = (
        shape.first().copied().unwrap_or(0),
        shape.get(1).copied().unwrap_or(0),
    );
    (b, c, shape.iter().skip(2).product())
}

/// `Σ f(v)` over `values` in 16 `f32` lanes (vectorised), the lanes added in `f64`: a plane
/// holds a few hundred to a few thousand values, so the `f32` lane sums stay accurate.
pub(super) fn lane_sum(values: &[f32], f: impl Fn(f32) -> f32) -> f64 {
    let mut lanes = [0f32; 16];
    let chunks = values.chunks_exact(16);
    let tail: f64 = chunks.remainder().iter().map(|&v| f(v) as f64).sum();
    for chunk in chunks {
        for (l, &v) in lanes.iter_mut().zip(chunk) {
            *l += f(v);
        }
    }
    tail + lanes.iter().map(|&l| l as f64).sum::<f64>()
}

/// `Σ f(x, y)` over two equal-length slices, as [`lane_sum`].
fn lane_sum2(xs: &[f32], ys: &[f32], f: impl Fn(f32, f32) -> f32) -> f64 {
    let mut lanes = [0f32; 16];
    let (cx, cy) = (xs.chunks_exact(16), ys.chunks_exact(16));
    let tail: f64 = cx
        .remainder()
        .iter()
        .zip(cy.remainder())
        .map(|(&a, &b)| f(a, b) as f64)
        .sum();
    for (a, b) in cx.zip(cy) {
        for ((l, &u), &v) in lanes.iter_mut().zip(a).zip(b) {
            *l += f(u, v);
        }
    }
    tail + lanes.iter().map(|&l| l as f64).sum::<f64>()
}

/// Per-channel `(mean, biased variance)` of `x` (B, C, N): two passes (mean, then squared
/// deviations), each plane summed in 16 `f32` lanes.
pub fn channel_stats(x: &[f32], b: usize, c: usize, n: usize) -> (Vec<f32>, Vec<f32>) {
    let m = (b * n).max(1) as f64;
    (0..c)
        .into_par_iter()
        .map(|ch| {
            let planes = || (0..b).map(move |i| &x[(i * c + ch) * n..][..n]);
            let mean = planes().map(|p| lane_sum(p, |v| v)).sum::<f64>() / m;
            let mu = mean as f32;
            let var = planes()
                .map(|p| lane_sum(p, |v| (v - mu) * (v - mu)))
                .sum::<f64>()
                / m;
            (mu, var as f32)
        })
        .unzip()
}

/// `1 / √(σ² + ε)` per channel.
fn inv_std(var: &[f32], epsilon: f64) -> Vec<f32> {
    var.iter()
        .map(|&v| (1.0 / (v as f64 + epsilon).sqrt()) as f32)
        .collect()
}

/// `y = γ·(x − μ)/√(σ² + ε) + β` for `x` (B, C, N).
pub fn normalize(
    x: &[f32],
    gamma: &[f32],
    beta: &[f32],
    (mean, var): (&[f32], &[f32]),
    epsilon: f64,
    c: usize,
    n: usize,
) -> Vec<f32> {
    let istd = inv_std(var, epsilon);
    let mut y = vec![0.0f32; x.len()];
    if n == 0 {
        return y;
    }
    y.par_chunks_mut(n)
        .zip(x.par_chunks(n))
        .enumerate()
        .for_each(|(p, (yp, xp))| {
            let ch = p % c;
            let scale = gamma[ch] * istd[ch];
            let shift = beta[ch] - mean[ch] * scale;
            for (o, &v) in yp.iter_mut().zip(xp) {
                *o = v * scale + shift;
            }
        });
    y
}

/// Gradients `(dx, dγ, dβ)` of the training-mode batch norm for `x`, `dy` (B, C, N).
#[allow(clippy::too_many_arguments)]
pub fn normalize_backward(
    x: &[f32],
    dy: &[f32],
    gamma: &[f32],
    (mean, var): (&[f32], &[f32]),
    epsilon: f64,
    b: usize,
    c: usize,
    n: usize,
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let istd = inv_std(var, epsilon);
    let (dgamma, dbeta): (Vec<f32>, Vec<f32>) = (0..c)
        .into_par_iter()
        .map(|ch| {
            let (mut s_dy, mut s_dyxc) = (0f64, 0f64);
            let mu = mean[ch];
            for i in 0..b {
                let at = (i * c + ch) * n;
                let (xp, dp) = (&x[at..][..n], &dy[at..][..n]);
                s_dy += lane_sum(dp, |d| d);
                s_dyxc += lane_sum2(dp, xp, |d, v| d * (v - mu));
            }
            ((s_dyxc * istd[ch] as f64) as f32, s_dy as f32)
        })
        .unzip();
    let mut dx = vec![0.0f32; x.len()];
    if n > 0 {
        let m = (b * n).max(1) as f32;
        dx.par_chunks_mut(n)
            .zip(x.par_chunks(n).zip(dy.par_chunks(n)))
            .enumerate()
            .for_each(|(p, (gp, (xp, dp)))| {
                let ch = p % c;
                let scale = gamma[ch] * istd[ch];
                let (mean_dy, k) = (dbeta[ch] / m, dgamma[ch] * istd[ch] / m);
                for ((g, &d), &v) in gp.iter_mut().zip(dp).zip(xp) {
                    *g = scale * (d - mean_dy - (v - mean[ch]) * k);
                }
            });
    }
    (dx, dgamma, dbeta)
}

impl FastNormBackend for Flex {
    fn fast_batch_norm_train(
        x: FlexTensor,
        gamma: FlexTensor,
        beta: FlexTensor,
        epsilon: f64,
    ) -> (FlexTensor, FlexTensor, FlexTensor) {
        let shape = dims(&x);
        let (b, c, n) = layout(&shape);
        let xv = values(&x);
        let (mean, var) = channel_stats(&xv, b, c, n);
        let y = normalize(
            &xv,
            &values(&gamma),
            &values(&beta),
            (&mean, &var),
            epsilon,
            c,
            n,
        );
        (tensor(y, &shape), tensor(mean, &[c]), tensor(var, &[c]))
    }
}

/// What the backward needs: the input, `γ` and the batch statistics.
#[derive(Clone, Debug)]
struct NormState {
    x: FlexTensor,
    gamma: FlexTensor,
    mean: Vec<f32>,
    var: Vec<f32>,
    epsilon: f64,
}

#[derive(Debug)]
struct NormBackward;

impl Backward<Flex, 3> for NormBackward {
    type State = NormState;

    fn backward(self, ops: Ops<NormState, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_x, node_gamma, node_beta] = ops.parents;
        let dy = grads.consume::<Flex>(&ops.node);
        let s = ops.state;
        let shape = dims(&s.x);
        let (b, c, n) = layout(&shape);
        let (dx, dgamma, dbeta) = normalize_backward(
            &values(&s.x),
            &values(&dy),
            &values(&s.gamma),
            (&s.mean, &s.var),
            s.epsilon,
            b,
            c,
            n,
        );
        if let Some(node) = node_x {
            grads.register::<Flex>(node.id, tensor(dx, &shape));
        }
        if let Some(node) = node_gamma {
            grads.register::<Flex>(node.id, tensor(dgamma, &[c]));
        }
        if let Some(node) = node_beta {
            grads.register::<Flex>(node.id, tensor(dbeta, &[c]));
        }
    }
}

type AdTensor = FloatTensor<Autodiff<Flex>>;

impl<C: CheckpointStrategy> FastNormBackend for Autodiff<Flex, C> {
    fn fast_batch_norm_train(
        x: AdTensor,
        gamma: AdTensor,
        beta: AdTensor,
        epsilon: f64,
    ) -> (AdTensor, AdTensor, AdTensor) {
        let prep = NormBackward
            .prepare::<C>([x.node(), gamma.node(), beta.node()])
            .compute_bound()
            .stateful();
        let (xp, gp) = (x.primitive().clone(), gamma.primitive().clone());
        let (y, mean, var) =
            Flex::fast_batch_norm_train(xp.clone(), gp.clone(), beta.primitive().clone(), epsilon);
        let stats = |t: &FlexTensor| values(t).into_owned();
        let y = match prep {
            OpsKind::Tracked(prep) => {
                let state = NormState {
                    x: xp,
                    gamma: gp,
                    mean: stats(&mean),
                    var: stats(&var),
                    epsilon,
                };
                prep.finish(state, y)
            }
            OpsKind::UnTracked(prep) => prep.finish(y),
        };
        (y, Self::from_inner(mean), Self::from_inner(var))
    }
}

/// Whether the fast kernels cover `bn` on `x`: training mode (autodiff device, layer not
/// frozen) on the flex device in `f32`.
fn covered(bn: &BatchNorm, x: &Tensor<4>) -> bool {
    x.device().is_autodiff() && bn.training.is_enabled() && on_flex(x)
}

/// `bn.forward(x)`: on the flex device in training mode, through the fast kernels (output,
/// gradients and running-statistics update as burn's); otherwise burn's own `forward`.
pub fn batch_norm(bn: &BatchNorm, x: Tensor<4>) -> Tensor<4> {
    if !(covered(bn, &x) && enabled()) {
        return bn.forward(x);
    }
    let device = x.device();
    let (y, mean, var) = <burn::backend::Dispatch as FastNormBackend>::fast_batch_norm_train(
        x.into_dispatch(),
        bn.gamma.val().into_dispatch(),
        bn.beta.val().into_dispatch(),
        bn.epsilon,
    );
    let (mean, var) = (
        Tensor::<1>::from_dispatch(mean),
        Tensor::<1>::from_dispatch(var),
    );
    let running_mean = bn.running_mean.value_sync().to_device(&device);
    let running_var = bn.running_var.value_sync().to_device(&device);
    bn.running_mean.update(
        running_mean
            .mul_scalar(1.0 - bn.momentum)
            .add(mean.detach().mul_scalar(bn.momentum))
            .detach(),
    );
    bn.running_var.update(
        running_var
            .mul_scalar(1.0 - bn.momentum)
            .add(var.detach().mul_scalar(bn.momentum))
            .detach(),
    );
    Tensor::from_dispatch(y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::BatchNormConfig;
    use burn::tensor::TensorData;

    fn vec_of<const D: usize>(t: Tensor<D>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().unwrap()
    }

    /// Output, the three gradients and the running statistics after two steps, against
    /// burn's `BatchNorm::forward`, for the loss `Σ y ⊙ r` with a fixed `r`.
    #[test]
    fn batch_norm_matches_burn_forward_gradients_and_running_stats() {
        let dev = crate::device::cpu().autodiff();
        for shape in [[4, 6, 5, 7], [1, 3, 1, 1], [2, 8, 16, 16]] {
            let run = |fast: bool| {
                let bn = BatchNormConfig::new(shape[1]).init(&dev);
                let mut out = Vec::new();
                for step in 0..2 {
                    let x = Tensor::<4>::from_data(
                        TensorData::new(
                            (0..shape.iter().product::<usize>())
                                .map(|i| ((i * 104_729 + 31 * step) % 997) as f32 / 83.0 - 4.0)
                                .collect::<Vec<f32>>(),
                            shape.to_vec(),
                        ),
                        &dev,
                    )
                    .require_grad();
                    assert!(covered(&bn, &x));
                    let y = if fast {
                        batch_norm(&bn, x.clone())
                    } else {
                        bn.forward(x.clone())
                    };
                    let r = Tensor::<4>::from_data(
                        TensorData::new(
                            (0..shape.iter().product::<usize>())
                                .map(|i| ((i * 7919 + step) % 101) as f32 / 101.0 - 0.5)
                                .collect::<Vec<f32>>(),
                            shape.to_vec(),
                        ),
                        &dev,
                    );
                    let g = (y.clone() * r).sum().backward();
                    out.push(vec_of(y));
                    out.push(vec_of(x.grad(&g).expect("x grad")));
                    out.push(vec_of(bn.gamma.val().grad(&g).expect("gamma grad")));
                    out.push(vec_of(bn.beta.val().grad(&g).expect("beta grad")));
                }
                out.push(vec_of(bn.running_mean.value()));
                out.push(vec_of(bn.running_var.value()));
                out
            };
            let (fast, reference) = (run(true), run(false));
            for (i, (a, b)) in fast.iter().zip(&reference).enumerate() {
                let e = crate::fastconv::max_rel_err(a, b);
                assert!(e < 1e-4, "{shape:?} item {i}: {e}");
            }
        }
    }
}
