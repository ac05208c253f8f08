//! Gradient clipping by the global norm over all parameters, as PyTorch's
//! `clip_grad_norm_` (Lightning's `gradient_clip_val`, LASER's training default of 1.0):
//! with `‖g‖ = √(Σ_p ‖g_p‖²)` over every parameter `p`, all gradients are scaled by
//! `min(1, c / (‖g‖ + 10⁻⁶))`. burn's own `GradientClipping::Norm` clips every tensor on its
//! own instead (still available as [`GradClipMode::PerTensor`](crate::config::GradClipMode)).

use crate::convert::scalar;
use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::Tensor;
use sparsecode::Result;

/// Sums `‖g_p‖²` over the parameters that have a gradient.
struct SquaredNorm<'a> {
    grads: &'a GradientsParams,
    total: Option<Tensor<1>>,
}

impl ModuleVisitor for SquaredNorm<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(g) = self.grads.get::<D>(param.id) {
            let s = g.powi_scalar(2).sum();
            self.total = Some(match self.total.take() {
                Some(t) => t + s,
                None => s,
            });
        }
    }
}

/// Multiplies every gradient by `factor`.
struct Scale<'a> {
    grads: &'a mut GradientsParams,
    factor: f32,
}

impl ModuleVisitor for Scale<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(g) = self.grads.remove::<D>(param.id) {
            self.grads
                .register::<D>(param.id, g.mul_scalar(self.factor));
        }
    }
}

/// The global gradient norm `‖g‖` of `module`'s parameters in `grads`.
pub fn global_grad_norm<M: Module>(module: &M, grads: &GradientsParams) -> Result<f64> {
    let mut v = SquaredNorm { grads, total: None };
    module.visit(&mut v);
    match v.total {
        Some(t) => Ok(scalar(t)?.sqrt()),
        None => Ok(0.0),
    }
}

/// Clips `grads` to the global norm `max_norm` (see the module doc); returns the norm before
/// clipping.
pub fn clip_global_norm<M: Module>(
    module: &M,
    grads: &mut GradientsParams,
    max_norm: f32,
) -> Result<f64> {
    let norm = global_grad_norm(module, grads)?;
    let factor = max_norm as f64 / (norm + 1e-6);
    if factor < 1.0 {
        module.visit(&mut Scale {
            grads,
            factor: factor as f32,
        });
    }
    Ok(norm)
}
