"""The cases of bench/nn and bench/gpu: (JSON key without `_ms`, row label), one list for both reports."""

CASES = [
    ("ae_vq_step", "AE training step, VQ K=256, batch 8×3×64×64"),
    ("ae_dl_step", "AE training step, DL K=256 S=8 online, batch 8×3×64×64"),
    ("ae_vq_step_cifar", "AE training step, VQ K=256, batch 64×3×32×32 (CIFAR-10)"),
    ("ae_dl_step_cifar", "AE training step, DL K=256 S=8 online, batch 64×3×32×32 (CIFAR-10)"),
    ("vq_latent", "VQ forward, 8×64×16×16 latent, K=512"),
    ("dl_latent", "DL forward (Batch-OMP S=5), 8×64×16×16, K=512"),
    ("vq_pixels", "VQ forward, 4×3×128×128 pixels, K=16"),
    ("dl_pixels", "DL forward (OMP S=4), 4×3×128×128 pixels, K=16"),
]
