//! The compute device: burn's `flex` CPU backend by default, CUDA with the `cuda` feature,
//! Vulkan (burn's wgpu backend on Vulkan, any GPU with a Vulkan driver) with the `vulkan` feature.

use burn::tensor::Device;

/// Which device to run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum DeviceKind {
    /// burn's pure-Rust CPU backend (`flex`).
    #[default]
    Cpu,
    /// burn's CUDA backend, GPU 0 (needs the `cuda` cargo feature).
    Cuda,
    /// burn's wgpu backend on Vulkan, the default adapter (needs the `vulkan` cargo feature;
    /// `CUBECL_WGPU_DEFAULT_DEVICE` picks another one).
    Vulkan,
}

impl std::str::FromStr for DeviceKind {
    type Err = sparsecode::Error;
    fn from_str(s: &str) -> sparsecode::Result<Self> {
        match s {
            "cpu" | "flex" => Ok(Self::Cpu),
            "cuda" | "gpu" => Ok(Self::Cuda),
            "vulkan" | "wgpu" => Ok(Self::Vulkan),
            _ => Err(sparsecode::Error::param(
                "device",
                format!("unknown device {s:?} (cpu|cuda|vulkan)"),
            )),
        }
    }
}

/// The plain (inference) device of that kind.
pub fn device(kind: DeviceKind) -> sparsecode::Result<Device> {
    match kind {
        DeviceKind::Cpu => Ok(Device::flex()),
        #[cfg(feature = "cuda")]
        DeviceKind::Cuda => Ok(Device::cuda(0usize)),
        #[cfg(not(feature = "cuda"))]
        DeviceKind::Cuda => Err(sparsecode::Error::param(
            "device",
            "this build has no CUDA backend (rebuild with --features cuda)",
        )),
        #[cfg(feature = "vulkan")]
        DeviceKind::Vulkan => Ok(Device::vulkan(burn::tensor::DeviceKind::DefaultDevice)),
        #[cfg(not(feature = "vulkan"))]
        DeviceKind::Vulkan => Err(sparsecode::Error::param(
            "device",
            "this build has no Vulkan backend (rebuild with --features vulkan)",
        )),
    }
}

/// The CPU device (flex).
pub fn cpu() -> Device {
    Device::flex()
}
