//! The VQ-VAE style autoencoder of LASER (`src/models/{encoder,decoder}.py` @ `cf4c237`, seed
//! notes §3.1), total down/up-sampling ×4:
//!
//! ```text
//! Encoder: Conv4×4 s2 p1 (in → nh/2), ReLU, Conv4×4 s2 p1 (nh/2 → nh), ReLU, Conv3×3 p1 (nh → nh),
//!          ReLU, n_res × ResidualBlock, ReLU
//! ResidualBlock: Conv3×3 p1 (nh → rh, no bias) → BN → ReLU → Conv1×1 (rh → nh, no bias) → BN → +x → ReLU
//! pre  = Conv1×1 nh → embedding_dim ; bottleneck ; post = Conv3×3 p1 embedding_dim → nh
//! Decoder: Conv3×3 p1 (nh → nh), n_res × ResidualBlock, ConvT4×4 s2 p1 (nh → nh/2), ReLU,
//!          ConvT4×4 s2 p1 (nh/2 → out), no output activation
//! ```

use crate::bottleneck::{Bottleneck, CodeStats, DlConfig, VqConfig};
use crate::convert::{from_array4, to_array4};
use crate::fastconv::norm::batch_norm;
use crate::fastconv::{conv2d, conv_transpose2d};
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, PaddingConfig2d};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};
use ndarray::{Array4, Axis};
use sparsecode::{Error, Result};

/// Which bottleneck the autoencoder uses.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase", tag = "type")]
pub enum BottleneckConfig {
    /// Vector quantiser.
    Vq(VqConfig),
    /// Dictionary learning.
    Dl(DlConfig),
}

impl BottleneckConfig {
    /// Channels of the latent.
    pub fn embedding_dim(&self) -> usize {
        match self {
            BottleneckConfig::Vq(c) => c.embedding_dim,
            BottleneckConfig::Dl(c) => c.embedding_dim,
        }
    }
    /// Patch size.
    pub fn patch_size(&self) -> usize {
        match self {
            BottleneckConfig::Vq(c) => c.patch_size,
            BottleneckConfig::Dl(c) => c.patch_size,
        }
    }
    /// The bottleneck module.
    pub fn init(&self, device: &Device) -> Result<Bottleneck> {
        Ok(match self {
            BottleneckConfig::Vq(c) => Bottleneck::Vq(c.init(device)?),
            BottleneckConfig::Dl(c) => Bottleneck::Dl(c.init(device)?),
        })
    }
}

/// Autoencoder settings (LASER `laser.yaml` widths by default).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AutoencoderConfig {
    /// Image channels (3 RGB, 1 grey).
    pub in_channels: usize,
    /// Hidden width `nh` (even).
    pub num_hiddens: usize,
    /// Residual blocks in encoder and decoder.
    pub num_residual_blocks: usize,
    /// Hidden width of a residual block.
    pub num_residual_hiddens: usize,
    /// Weight of the bottleneck loss in the total loss.
    pub bottleneck_weight: f64,
    /// The bottleneck.
    pub bottleneck: BottleneckConfig,
}

impl Default for AutoencoderConfig {
    fn default() -> Self {
        Self {
            in_channels: 3,
            num_hiddens: 64,
            num_residual_blocks: 2,
            num_residual_hiddens: 32,
            bottleneck_weight: 1.0,
            bottleneck: BottleneckConfig::Dl(DlConfig {
                num_atoms: 256,
                embedding_dim: 64,
                sparsity: 8,
                ..DlConfig::default()
            }),
        }
    }
}

fn conv(i: usize, o: usize, k: usize, s: usize, pad: usize, bias: bool, device: &Device) -> Conv2d {
    Conv2dConfig::new([i, o], [k, k])
        .with_stride([s, s])
        .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
        .with_bias(bias)
        .init(device)
}

fn convt(i: usize, o: usize, device: &Device) -> ConvTranspose2d {
    ConvTranspose2dConfig::new([i, o], [4, 4])
        .with_stride([2, 2])
        .with_padding([1, 1])
        .init(device)
}

/// Residual block (3×3 → BN → ReLU → 1×1 → BN, skip, ReLU).
#[derive(Module, Debug)]
pub struct ResidualBlock {
    conv1: Conv2d,
    bn1: BatchNorm,
    conv2: Conv2d,
    bn2: BatchNorm,
}

impl ResidualBlock {
    fn new(nh: usize, rh: usize, device: &Device) -> Self {
        Self {
            conv1: conv(nh, rh, 3, 1, 1, false, device),
            bn1: BatchNormConfig::new(rh).init(device),
            conv2: conv(rh, nh, 1, 1, 0, false, device),
            bn2: BatchNormConfig::new(nh).init(device),
        }
    }
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let h = relu(batch_norm(&self.bn1, conv2d(&self.conv1, x.clone())));
        let h = batch_norm(&self.bn2, conv2d(&self.conv2, h));
        relu(x + h)
    }
}

/// Encoder (×4 down-sampling).
#[derive(Module, Debug)]
pub struct Encoder {
    conv1: Conv2d,
    conv2: Conv2d,
    conv3: Conv2d,
    res: Vec<ResidualBlock>,
}

impl Encoder {
    /// `(B, in, H, W)` → `(B, nh, H/4, W/4)`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let mut h = relu(conv2d(&self.conv1, x));
        h = relu(conv2d(&self.conv2, h));
        h = relu(conv2d(&self.conv3, h));
        for r in &self.res {
            h = r.forward(h);
        }
        relu(h)
    }
}

/// Decoder (×4 up-sampling).
#[derive(Module, Debug)]
pub struct Decoder {
    conv1: Conv2d,
    res: Vec<ResidualBlock>,
    up1: ConvTranspose2d,
    up2: ConvTranspose2d,
}

impl Decoder {
    /// `(B, nh, h, w)` → `(B, out, 4h, 4w)`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let mut h = conv2d(&self.conv1, x);
        for r in &self.res {
            h = r.forward(h);
        }
        h = relu(conv_transpose2d(&self.up1, h));
        conv_transpose2d(&self.up2, h)
    }
}

/// Output of the autoencoder.
#[derive(Debug, Clone)]
pub struct AutoencoderOutput {
    /// Reconstruction, same shape as the input.
    pub reconstruction: Tensor<4>,
    /// Bottleneck loss.
    pub bottleneck_loss: Tensor<1>,
    /// Code statistics.
    pub stats: CodeStats,
}

/// Encoder → 1×1 conv → bottleneck → 3×3 conv → decoder.
#[derive(Module, Debug)]
pub struct Autoencoder {
    /// Encoder.
    pub encoder: Encoder,
    /// `nh → embedding_dim`.
    pub pre: Conv2d,
    /// The bottleneck.
    pub bottleneck: Bottleneck,
    /// `embedding_dim → nh`.
    pub post: Conv2d,
    /// Decoder.
    pub decoder: Decoder,
}

impl AutoencoderConfig {
    /// Check the settings.
    pub fn validate(&self) -> Result<()> {
        if self.in_channels == 0 || self.num_hiddens < 2 || self.num_hiddens % 2 != 0 {
            return Err(Error::param(
                "num_hiddens",
                "in_channels ≥ 1 and an even num_hiddens ≥ 2 are required",
            ));
        }
        if self.num_residual_hiddens == 0 {
            return Err(Error::param("num_residual_hiddens", "must be ≥ 1"));
        }
        if !(self.bottleneck_weight >= 0.0) {
            return Err(Error::param("bottleneck_weight", "must be ≥ 0"));
        }
        Ok(())
    }

    /// The model on `device` (use an autodiff device to train).
    pub fn init(&self, device: &Device) -> Result<Autoencoder> {
        self.validate()?;
        let (nh, rh, e) = (
            self.num_hiddens,
            self.num_residual_hiddens,
            self.bottleneck.embedding_dim(),
        );
        let res = |n: usize| {
            (0..n)
                .map(|_| ResidualBlock::new(nh, rh, device))
                .collect::<Vec<_>>()
        };
        Ok(Autoencoder {
            encoder: Encoder {
                conv1: conv(self.in_channels, nh / 2, 4, 2, 1, true, device),
                conv2: conv(nh / 2, nh, 4, 2, 1, true, device),
                conv3: conv(nh, nh, 3, 1, 1, true, device),
                res: res(self.num_residual_blocks),
            },
            pre: conv(nh, e, 1, 1, 0, true, device),
            bottleneck: self.bottleneck.init(device)?,
            post: conv(e, nh, 3, 1, 1, true, device),
            decoder: Decoder {
                conv1: conv(nh, nh, 3, 1, 1, true, device),
                res: res(self.num_residual_blocks),
                up1: convt(nh, nh / 2, device),
                up2: convt(nh / 2, self.in_channels, device),
            },
        })
    }

    /// Image side lengths must be multiples of this (4 × patch size).
    pub fn size_multiple(&self) -> usize {
        4 * self.bottleneck.patch_size()
    }
}

impl Autoencoder {
    /// Reconstruct `x` (B, C, H, W); H and W multiples of 4·patch.
    pub fn forward(&mut self, x: Tensor<4>) -> Result<AutoencoderOutput> {
        let [_, _, h, w] = x.dims();
        if h % 4 != 0 || w % 4 != 0 {
            return Err(Error::param(
                "image size",
                format!("{h}×{w} is not a multiple of 4"),
            ));
        }
        let z = conv2d(&self.pre, self.encoder.forward(x));
        let b = self.bottleneck.forward(z)?;
        let reconstruction = self.decoder.forward(conv2d(&self.post, b.output));
        Ok(AutoencoderOutput {
            reconstruction,
            bottleneck_loss: b.loss,
            stats: b.stats,
        })
    }
}

/// Images `[0,1]` (B, C, H, W) → centred tensor on `device`.
pub fn to_input(batch: &Array4<f32>, device: &Device) -> burn::tensor::Tensor<4> {
    from_array4(&batch.mapv(|v| v - 0.5), device)
}

/// Reconstructions `[0,1]` of `images` by `model` in evaluation mode (on rayon's pool,
/// [`sparsecode::pool::on_pool`]).
pub fn reconstruct(
    model: &Autoencoder,
    images: &Array4<f32>,
    batch_size: usize,
) -> Result<Array4<f32>> {
    sparsecode::pool::on_pool(|| reconstruct_here(model, images, batch_size))
}

fn reconstruct_here(
    model: &Autoencoder,
    images: &Array4<f32>,
    batch_size: usize,
) -> Result<Array4<f32>> {
    let mut m = model.valid();
    m.bottleneck.set_training(false);
    let device = m.pre.weight.val().device();
    let mut parts = Vec::new();
    let n = images.len_of(Axis(0));
    for start in (0..n).step_by(batch_size.max(1)) {
        let b = images
            .slice(ndarray::s![
                start..(start + batch_size.max(1)).min(n),
                ..,
                ..,
                ..
            ])
            .to_owned();
        let out = m.forward(to_input(&b, &device))?;
        parts.push(to_array4(out.reconstruction)?.mapv(|v| (v + 0.5).clamp(0.0, 1.0)));
    }
    let views: Vec<_> = parts.iter().map(|a| a.view()).collect();
    ndarray::concatenate(Axis(0), &views)
        .map_err(|e| Error::numerical("joining the batches' reconstructions", e.to_string()))
}
