//! Faster convolutions (and, in [`norm`], batch normalisation) for the CPU (flex) backend,
//! with their own backward passes.
//!
//! burn-flex 0.22 computes the forward convolution itself but none of the backward passes, so
//! burn's default decomposition runs the weight gradient as one thin GEMM per input channel
//! (the largest cost of a training step). Here [`conv2d`] and [`conv_transpose2d`] take burn's
//! own modules (`Conv2d`, `ConvTranspose2d`: same parameters, same records) and, on the flex
//! device (plain or autodiff), run them through a backend extension (burn's
//! `#[backend_extension]`, feature `extension`) whose kernels are faer GEMMs for the forward and
//! both gradients, with a hand-written autodiff `Backward`: Winograd F(4×4, 3×3)
//! ([`winograd`]) for 3×3 "same" convolutions, one GEMM per image for pointwise ones, and
//! im2col/col2im ([`kernels`]) for every other shape and for the transposed convolutions.
//! On any other device, or for settings the kernels do not cover (groups > 1, asymmetric
//! padding, non-`f32` tensors), they call the module's own `forward`.
//!
//! [`set_enabled`] switches the fast paths (convolutions and [`norm::batch_norm`]) off
//! process-wide (for before/after measurements).

pub mod kernels;
pub mod norm;
pub mod winograd;

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{backend_extension, Autodiff, Backend, DispatchDevice, Flex};
use burn::nn::conv::{Conv2d, ConvTranspose2d};
use burn::nn::PaddingConfig2d;
use burn::tensor::{DType, Tensor, TensorData};
use burn_flex::FlexTensor;
use kernels::Geom;
use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

static ENABLED: AtomicBool = AtomicBool::new(true);

/// Switch the fast convolutions on or off for the whole process (on by default).
pub fn set_enabled(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

/// Whether the fast convolutions are switched on.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Stride, symmetric padding, dilation and (transposed only) output padding of one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvSpec {
    /// Stride.
    pub stride: [usize; 2],
    /// Zero padding, the same on both sides.
    pub padding: [usize; 2],
    /// Dilation.
    pub dilation: [usize; 2],
    /// Extra rows/columns at the end of a transposed convolution's output.
    pub padding_out: [usize; 2],
}

/// Backend extension: convolutions whose kernels and gradients are ours.
#[backend_extension(Flex, Autodiff)]
pub trait FastConvBackend: Backend {
    /// `conv2d(x, weight) + bias`, `x` (B, C, H, W), `weight` (O, C, kh, kw), `bias` (O).
    fn fast_conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        spec: ConvSpec,
    ) -> FloatTensor<Self>;
    /// `conv_transpose2d(x, weight) + bias`, `x` (B, C, H, W), `weight` (C, O, kh, kw),
    /// `bias` (O).
    fn fast_conv_transpose2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        spec: ConvSpec,
    ) -> FloatTensor<Self>;
}

pub(crate) fn dims(t: &FlexTensor) -> Vec<usize> {
    burn::backend::TensorMetadata::shape(t).to_vec()
}

/// The values of `t` as contiguous `f32` (borrowed when already so).
pub(crate) fn values(t: &FlexTensor) -> Cow<'_, [f32]> {
    if t.dtype() == DType::F32 {
        if let Some(s) = t.as_slice::<f32>() {
            return Cow::Borrowed(s);
        }
        if let Some(s) = t.to_contiguous().as_slice::<f32>() {
            return Cow::Owned(s.to_vec());
        }
    }
    let data = t.clone().into_data().convert::<f32>();
    Cow::Owned(data.try_to_vec::<f32>().unwrap_or_default())
}

pub(crate) fn tensor(v: Vec<f32>, shape: &[usize]) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(v, shape.to_vec()))
}

/// Geometry of a convolution of `x` with `w` (O, C, kh, kw).
fn conv_geom(x: &[usize], w: &[usize], spec: &ConvSpec) -> Geom {
    let [s, p, d] = [spec.stride, spec.padding, spec.dilation];
    Geom {
        batch: x[0],
        c_in: x[1],
        h: x[2],
        w: x[3],
        c_out: w[0],
        ho: Geom::out_len(x[2], w[2], s[0], p[0], d[0]).unwrap_or(0),
        wo: Geom::out_len(x[3], w[3], s[1], p[1], d[1]).unwrap_or(0),
        k: [w[2], w[3]],
        stride: s,
        pad: p,
        dil: d,
    }
}

/// Geometry of the convolution adjoint to a transposed convolution of `x` (B, C, H, W) with
/// `w` (C, O, kh, kw): its image is the transposed convolution's output.
fn convt_geom(x: &[usize], w: &[usize], spec: &ConvSpec) -> Geom {
    let [s, p, d, op] = [spec.stride, spec.padding, spec.dilation, spec.padding_out];
    // burn's output side: (n − 1)·s − 2p + d·(k − 1) + output padding + 1.
    let side = |a: usize| {
        ((x[2 + a] - 1) * s[a] + d[a] * (w[2 + a] - 1) + op[a] + 1).saturating_sub(2 * p[a])
    };
    Geom {
        batch: x[0],
        c_in: w[1],
        h: side(0),
        w: side(1),
        c_out: w[0],
        ho: x[2],
        wo: x[3],
        k: [w[2], w[3]],
        stride: s,
        pad: p,
        dil: d,
    }
}

impl FastConvBackend for Flex {
    fn fast_conv2d(
        x: FlexTensor,
        weight: FlexTensor,
        bias: FlexTensor,
        spec: ConvSpec,
    ) -> FlexTensor {
        let g = conv_geom(&dims(&x), &dims(&weight), &spec);
        let (y, _) = forward(&x, &values(&weight), &values(&bias), &g);
        tensor(y, &[g.batch, g.c_out, g.ho, g.wo])
    }

    fn fast_conv_transpose2d(
        x: FlexTensor,
        weight: FlexTensor,
        bias: FlexTensor,
        spec: ConvSpec,
    ) -> FlexTensor {
        let g = convt_geom(&dims(&x), &dims(&weight), &spec);
        let y = kernels::conv_input_grad(&values(&x), &values(&weight), Some(&values(&bias)), &g);
        tensor(y, &[g.batch, g.c_in, g.h, g.w])
    }
}

/// What a convolution's weight gradient needs from its input: the column matrix of the
/// im2col kernels, the input itself for a pointwise (1×1) convolution (its column matrix), or
/// the transformed input of the Winograd ones.
enum Saved {
    Columns(kernels::Buf),
    Input(FlexTensor),
    Winograd(winograd::Saved),
}

/// The forward convolution by the kernels that cover `g` ([`winograd`] for 3×3 same
/// convolutions, one GEMM per image for pointwise ones, im2col otherwise), with what its
/// backward needs.
fn forward(x: &FlexTensor, w: &[f32], bias: &[f32], g: &Geom) -> (Vec<f32>, Saved) {
    if g.pointwise() {
        let y = kernels::gemm_out(&values(x), w, Some(bias), g);
        return (y, Saved::Input(x.clone()));
    }
    let x = &values(x);
    if winograd::applies(g) {
        let (y, v) = winograd::forward(x, w, Some(bias), g);
        (y, Saved::Winograd(v))
    } else {
        let (y, col) = kernels::conv_forward(x, w, Some(bias), g);
        (y, Saved::Columns(col))
    }
}

/// What the convolution's backward needs: the weight and what [`forward`] saved.
#[derive(Clone)]
struct ConvState {
    weight: FlexTensor,
    saved: Arc<Saved>,
    geom: Geom,
}

impl std::fmt::Debug for ConvState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConvState")
            .field("geom", &self.geom)
            .finish()
    }
}

#[derive(Debug)]
struct ConvBackward;

impl Backward<Flex, 3> for ConvBackward {
    type State = ConvState;

    fn backward(self, ops: Ops<ConvState, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_x, node_w, node_b] = ops.parents;
        let dy = grads.consume::<Flex>(&ops.node);
        let ConvState {
            weight,
            saved,
            geom: g,
        } = ops.state;
        let dy = values(&dy);
        let columns_grads = |col: &[f32]| {
            (
                node_x
                    .is_some()
                    .then(|| kernels::conv_input_grad(&dy, &values(&weight), None, &g)),
                node_w
                    .is_some()
                    .then(|| kernels::conv_weight_grad(&dy, col, &g)),
            )
        };
        let (dx, dw) = match &*saved {
            Saved::Winograd(v) => {
                winograd::backward(&dy, v, &g, node_x.is_some(), node_w.is_some())
            }
            Saved::Columns(col) => columns_grads(col),
            Saved::Input(x) => columns_grads(&values(x)),
        };
        if let (Some(node), Some(dx)) = (node_x, dx) {
            grads.register::<Flex>(node.id, tensor(dx, &[g.batch, g.c_in, g.h, g.w]));
        }
        if let (Some(node), Some(dw)) = (node_w, dw) {
            grads.register::<Flex>(node.id, tensor(dw, &dims(&weight)));
        }
        if let Some(node) = node_b {
            let db = kernels::channel_sums(&dy, g.batch, g.c_out, g.npix());
            grads.register::<Flex>(node.id, tensor(db, &[g.c_out]));
        }
    }
}

/// What the transposed convolution's backward needs: its input and weight.
#[derive(Clone, Debug)]
struct ConvTState {
    x: FlexTensor,
    weight: FlexTensor,
    geom: Geom,
}

#[derive(Debug)]
struct ConvTBackward;

impl Backward<Flex, 3> for ConvTBackward {
    type State = ConvTState;

    fn backward(self, ops: Ops<ConvTState, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_x, node_w, node_b] = ops.parents;
        let dy = grads.consume::<Flex>(&ops.node);
        let ConvTState { x, weight, geom: g } = ops.state;
        let dy = values(&dy);
        if node_x.is_some() || node_w.is_some() {
            // The transposed convolution's output gradient is the adjoint convolution's image.
            let col = kernels::im2col(&dy, &g);
            if let Some(node) = node_x {
                let dx = kernels::gemm_out(&col, &values(&weight), None, &g);
                grads.register::<Flex>(node.id, tensor(dx, &[g.batch, g.c_out, g.ho, g.wo]));
            }
            if let Some(node) = node_w {
                let dw = kernels::conv_weight_grad(&values(&x), &col, &g);
                grads.register::<Flex>(node.id, tensor(dw, &dims(&weight)));
            }
        }
        if let Some(node) = node_b {
            let db = kernels::channel_sums(&dy, g.batch, g.c_in, g.h * g.w);
            grads.register::<Flex>(node.id, tensor(db, &[g.c_in]));
        }
    }
}

type AdTensor = FloatTensor<Autodiff<Flex>>;

impl<C: CheckpointStrategy> FastConvBackend for Autodiff<Flex, C> {
    fn fast_conv2d(x: AdTensor, weight: AdTensor, bias: AdTensor, spec: ConvSpec) -> AdTensor {
        match ConvBackward
            .prepare::<C>([x.node(), weight.node(), bias.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let (xp, wp, bp) = (x.primitive(), weight.primitive(), bias.primitive());
                let g = conv_geom(&dims(xp), &dims(wp), &spec);
                let (y, saved) = forward(xp, &values(wp), &values(bp), &g);
                let state = ConvState {
                    weight: wp.clone(),
                    saved: Arc::new(saved),
                    geom: g,
                };
                prep.finish(state, tensor(y, &[g.batch, g.c_out, g.ho, g.wo]))
            }
            OpsKind::UnTracked(prep) => prep.finish(Flex::fast_conv2d(
                x.into_primitive(),
                weight.into_primitive(),
                bias.into_primitive(),
                spec,
            )),
        }
    }

    fn fast_conv_transpose2d(
        x: AdTensor,
        weight: AdTensor,
        bias: AdTensor,
        spec: ConvSpec,
    ) -> AdTensor {
        match ConvTBackward
            .prepare::<C>([x.node(), weight.node(), bias.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let (xp, wp) = (x.primitive().clone(), weight.primitive().clone());
                let g = convt_geom(&dims(&xp), &dims(&wp), &spec);
                let y = Flex::fast_conv_transpose2d(
                    xp.clone(),
                    wp.clone(),
                    bias.primitive().clone(),
                    spec,
                );
                let state = ConvTState {
                    x: xp,
                    weight: wp,
                    geom: g,
                };
                prep.finish(state, y)
            }
            OpsKind::UnTracked(prep) => prep.finish(Flex::fast_conv_transpose2d(
                x.into_primitive(),
                weight.into_primitive(),
                bias.into_primitive(),
                spec,
            )),
        }
    }
}

/// Whether `x` lives on the flex device (plain or autodiff) as `f32`.
pub(crate) fn on_flex(x: &Tensor<4>) -> bool {
    let device = x.device();
    let flex = match device.as_dispatch() {
        DispatchDevice::Flex(_) => true,
        DispatchDevice::Autodiff(inner) => matches!(**inner, DispatchDevice::Flex(_)),
        #[allow(unreachable_patterns)]
        _ => false,
    };
    flex && x.dtype() == DType::F32
}

/// The settings of `conv` on `x` when the fast kernels cover them (flex device, `f32`,
/// groups = 1, symmetric padding, a kernel that fits the padded image), `None` otherwise.
fn conv2d_spec(conv: &Conv2d, x: &Tensor<4>) -> Option<ConvSpec> {
    let padding = match conv.padding {
        PaddingConfig2d::Valid => [0, 0],
        PaddingConfig2d::Explicit(t, l, b, r) if t == b && l == r => [t, l],
        _ => return None,
    };
    let [_, c, h, w] = x.dims();
    let [_, wc, kh, kw] = conv.weight.dims();
    let fits = Geom::out_len(h, kh, conv.stride[0], padding[0], conv.dilation[0]).is_some()
        && Geom::out_len(w, kw, conv.stride[1], padding[1], conv.dilation[1]).is_some();
    (fits && c == wc && conv.groups == 1 && on_flex(x)).then_some(ConvSpec {
        stride: conv.stride,
        padding,
        dilation: conv.dilation,
        padding_out: [0, 0],
    })
}

fn fast_conv2d(conv: &Conv2d, x: Tensor<4>, spec: ConvSpec) -> Tensor<4> {
    let weight = conv.weight.val();
    let bias = match &conv.bias {
        Some(b) => b.val(),
        None => Tensor::<1>::zeros([weight.dims()[0]], &x.device()),
    };
    Tensor::from_dispatch(<burn::backend::Dispatch as FastConvBackend>::fast_conv2d(
        x.into_dispatch(),
        weight.into_dispatch(),
        bias.into_dispatch(),
        spec,
    ))
}

/// `conv.forward(x)`, through the fast kernels where they apply.
pub fn conv2d(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    match conv2d_spec(conv, &x) {
        Some(spec) if enabled() => fast_conv2d(conv, x, spec),
        _ => conv.forward(x),
    }
}

/// The settings of a transposed convolution when the fast kernels cover them.
fn conv_transpose2d_spec(conv: &ConvTranspose2d, x: &Tensor<4>) -> Option<ConvSpec> {
    let [_, c, h, w] = x.dims();
    let [wc, _, kh, kw] = conv.weight.dims();
    let side = |n: usize, k: usize, a: usize| {
        (n - 1) * conv.stride[a] + conv.dilation[a] * (k - 1) + conv.padding_out[a] + 1
    };
    let fits = c == wc
        && conv.groups == 1
        && (0..2).all(|a| conv.stride[a] > 0 && conv.dilation[a] > 0)
        && h > 0
        && w > 0
        && kh > 0
        && kw > 0
        && side(h, kh, 0) > 2 * conv.padding[0]
        && side(w, kw, 1) > 2 * conv.padding[1];
    (fits && on_flex(x)).then_some(ConvSpec {
        stride: conv.stride,
        padding: conv.padding,
        dilation: conv.dilation,
        padding_out: conv.padding_out,
    })
}

fn fast_conv_transpose2d(conv: &ConvTranspose2d, x: Tensor<4>, spec: ConvSpec) -> Tensor<4> {
    let weight = conv.weight.val();
    let bias = match &conv.bias {
        Some(b) => b.val(),
        None => Tensor::<1>::zeros([weight.dims()[1]], &x.device()),
    };
    Tensor::from_dispatch(
        <burn::backend::Dispatch as FastConvBackend>::fast_conv_transpose2d(
            x.into_dispatch(),
            weight.into_dispatch(),
            bias.into_dispatch(),
            spec,
        ),
    )
}

/// `conv.forward(x)` of a transposed convolution, through the fast kernels where they apply.
pub fn conv_transpose2d(conv: &ConvTranspose2d, x: Tensor<4>) -> Tensor<4> {
    match conv_transpose2d_spec(conv, &x) {
        Some(spec) if enabled() => fast_conv_transpose2d(conv, x, spec),
        _ => conv.forward(x),
    }
}

/// Largest |a − b| relative to the largest |b| (the kernels' tests compare with it).
#[cfg(test)]
pub(crate) fn max_rel_err(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    let scale = b.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-12);
    a.iter().zip(b).fold(0f32, |m, (x, y)| m.max((x - y).abs())) / scale
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::conv::{Conv2dConfig, ConvTranspose2dConfig};
    use burn::tensor::{Device, Distribution};

    fn ad() -> Device {
        crate::device::cpu().autodiff()
    }

    /// [`max_rel_err`] of two tensors.
    fn rel_err(a: Tensor<4>, b: Tensor<4>) -> f32 {
        max_rel_err(
            &a.into_data().try_to_vec::<f32>().unwrap(),
            &b.into_data().try_to_vec::<f32>().unwrap(),
        )
    }

    fn rel_err1(a: Tensor<1>, b: Tensor<1>) -> f32 {
        rel_err(a.reshape([1, 1, 1, -1]), b.reshape([1, 1, 1, -1]))
    }

    /// Forward, input, weight and bias gradients of `fast` against burn's own module, for the
    /// loss `Σ y ⊙ r` with a fixed random `r`.
    fn check<M>(
        what: &str,
        x_shape: [usize; 4],
        module: &M,
        weight: impl Fn(&M) -> Tensor<4>,
        bias: impl Fn(&M) -> Option<Tensor<1>>,
        fast: impl Fn(&M, Tensor<4>) -> Tensor<4>,
        reference: impl Fn(&M, Tensor<4>) -> Tensor<4>,
    ) {
        let dev = ad();
        let x0 = Tensor::<4>::random(x_shape, Distribution::Normal(0.0, 1.0), &dev);
        let run = |f: &dyn Fn(&M, Tensor<4>) -> Tensor<4>| {
            let x = x0.clone().detach().require_grad();
            let y = f(module, x.clone());
            // The same fixed output weights in both runs.
            let r = Tensor::<4>::from_data(
                TensorData::new(
                    (0..y.dims().iter().product::<usize>())
                        .map(|i| ((i * 7919) % 101) as f32 / 101.0 - 0.5)
                        .collect::<Vec<f32>>(),
                    y.dims().to_vec(),
                ),
                &dev,
            );
            let g = (y.clone() * r).sum().backward();
            let gx = x.grad(&g).expect("x grad");
            let gw = weight(module).grad(&g).expect("w grad");
            let gb = bias(module).map(|b| b.grad(&g).expect("b grad"));
            (y, gx, gw, gb)
        };
        let (y1, gx1, gw1, gb1) = run(&fast);
        let (y2, gx2, gw2, gb2) = run(&reference);
        let tol = 1e-4;
        assert!(rel_err(y1, y2) < tol, "{what}: forward");
        let e = rel_err(gx1, gx2);
        assert!(e < tol, "{what}: input gradient {e}");
        let e = rel_err(gw1, gw2);
        assert!(e < tol, "{what}: weight gradient {e}");
        if let (Some(a), Some(b)) = (gb1, gb2) {
            let e = rel_err1(a, b);
            assert!(e < tol, "{what}: bias gradient {e}");
        }
    }

    #[test]
    fn conv2d_matches_burn_forward_and_gradients() {
        let dev = ad();
        for (cin, cout, k, s, p, hw, bias) in [
            (3, 8, 4, 2, 1, 16, true),
            (8, 16, 3, 1, 1, 9, true),
            (6, 4, 3, 1, 1, 8, false),
            (5, 7, 1, 1, 0, 6, false),
            (4, 6, 3, 2, 0, 11, true),
            (2, 3, 5, 3, 2, 13, true),
        ] {
            let conv = Conv2dConfig::new([cin, cout], [k, k])
                .with_stride([s, s])
                .with_padding(PaddingConfig2d::Explicit(p, p, p, p))
                .with_bias(bias)
                .init(&dev);
            let x = Tensor::<4>::zeros([3, cin, hw, hw + 2], &dev);
            let spec = conv2d_spec(&conv, &x).expect("covered");
            check(
                &format!("conv {cin}->{cout} k{k} s{s} p{p} @{hw}"),
                [3, cin, hw, hw + 2],
                &conv,
                |c| c.weight.val(),
                |c| c.bias.as_ref().map(|b| b.val()),
                |c, x| fast_conv2d(c, x, spec),
                |c, x| c.forward(x),
            );
        }
    }

    #[test]
    fn conv_transpose2d_matches_burn_forward_and_gradients() {
        let dev = ad();
        for (cin, cout, k, s, p, op, hw) in [
            (8, 4, 4, 2, 1, 0, 8),
            (4, 3, 4, 2, 1, 0, 16),
            (5, 6, 3, 1, 1, 0, 7),
            (3, 2, 3, 2, 0, 1, 6),
        ] {
            let conv = ConvTranspose2dConfig::new([cin, cout], [k, k])
                .with_stride([s, s])
                .with_padding([p, p])
                .with_padding_out([op, op])
                .init(&dev);
            let x = Tensor::<4>::zeros([2, cin, hw, hw + 1], &dev);
            let spec = conv_transpose2d_spec(&conv, &x).expect("covered");
            check(
                &format!("convT {cin}->{cout} k{k} s{s} p{p} op{op} @{hw}"),
                [2, cin, hw, hw + 1],
                &conv,
                |c| c.weight.val(),
                |c| c.bias.as_ref().map(|b| b.val()),
                |c, x| fast_conv_transpose2d(c, x, spec),
                |c, x| c.forward(x),
            );
        }
    }

    #[test]
    fn plain_device_forward_matches_and_grouped_convs_fall_back() {
        let dev = crate::device::cpu();
        let conv = Conv2dConfig::new([4, 6], [3, 3])
            .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
            .init(&dev);
        let x = Tensor::<4>::random([2, 4, 7, 7], Distribution::Normal(0.0, 1.0), &dev);
        let spec = conv2d_spec(&conv, &x).expect("covered");
        assert!(rel_err(fast_conv2d(&conv, x.clone(), spec), conv.forward(x.clone())) < 1e-5);
        let grouped = Conv2dConfig::new([4, 6], [3, 3]).with_groups(2).init(&dev);
        assert!(conv2d_spec(&grouped, &x).is_none());
        let asym = Conv2dConfig::new([4, 6], [3, 3])
            .with_padding(PaddingConfig2d::Explicit(1, 1, 0, 1))
            .init(&dev);
        assert!(conv2d_spec(&asym, &x).is_none());
        // The public entry point still gives burn's answer when it falls back.
        assert!(rel_err(conv2d(&grouped, x.clone()), grouped.forward(x)) < 1e-6);
    }
}
