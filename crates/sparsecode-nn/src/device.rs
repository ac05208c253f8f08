//! The compute device: burn's `flex` CPU backend by default, CUDA with the `cuda` feature,
//! Vulkan (burn's wgpu backend on Vulkan with SPIR-V shaders, any GPU with a Vulkan driver) with
//! the `vulkan` feature, and burn's wgpu backend with WGSL shaders on the graphics API wgpu picks
//! with the `wgpu` feature.

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
    /// burn's wgpu backend with WGSL shaders, the default adapter of the graphics API wgpu picks
    /// (needs the `wgpu` cargo feature; `CUBECL_WGPU_DEFAULT_DEVICE` picks another adapter).
    Wgpu,
}

impl std::str::FromStr for DeviceKind {
    type Err = sparsecode::Error;
    fn from_str(s: &str) -> sparsecode::Result<Self> {
        match s {
            "cpu" | "flex" => Ok(Self::Cpu),
            "cuda" | "gpu" => Ok(Self::Cuda),
            "vulkan" => Ok(Self::Vulkan),
            "wgpu" => Ok(Self::Wgpu),
            _ => Err(sparsecode::Error::param(
                "device",
                format!("unknown device {s:?} (cpu|cuda|vulkan|wgpu)"),
            )),
        }
    }
}

/// The plain (inference) device of that kind.
pub fn device(kind: DeviceKind) -> sparsecode::Result<Device> {
    match kind {
        DeviceKind::Cpu => Ok(cpu()),
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
        #[cfg(feature = "wgpu")]
        DeviceKind::Wgpu => Ok(Device::wgpu(burn::tensor::DeviceKind::DefaultDevice)),
        #[cfg(not(feature = "wgpu"))]
        DeviceKind::Wgpu => Err(sparsecode::Error::param(
            "device",
            "this build has no wgpu backend (rebuild with --features wgpu)",
        )),
    }
}

/// The CPU device (flex). The first call also makes the process keep freed memory for reuse
/// ([`keep_freed_memory`]).
pub fn cpu() -> Device {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(keep_freed_memory);
    Device::flex()
}

/// Asks glibc's malloc to keep freed memory for reuse instead of giving it back to the system:
/// blocks up to 32 MiB come from the heap (`M_MMAP_THRESHOLD`), and the heap is trimmed only
/// when 256 MiB are free at its top (`M_TRIM_THRESHOLD`), grown 64 MiB at a time (`M_TOP_PAD`).
///
/// A training step allocates and frees the same large tensors (activations, im2col and
/// Winograd buffers, gradients) every step. With glibc's defaults a block of more than
/// 128 KiB–32 MiB is mapped on allocation and unmapped on free, so every step faults the same
/// pages in again (the kernel's page clearing and faults were 5–7 % of a CIFAR-10-shape step in
/// `perf`). Measured on the VQ autoencoder's step at the CIFAR-10 shape (`examples/step_profile`,
/// four alternating runs each): 84–91 → 79–85 ms on one thread, 52–55 → 46–47 ms on two.
///
/// Process-wide, once, from the first [`cpu`] device; does nothing off Linux/glibc.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; it is called before any training
    // buffer exists and is safe to call at any time (glibc takes its own lock).
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
        libc::mallopt(libc::M_TOP_PAD, 64 << 20);
    }
}
