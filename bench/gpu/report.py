"""Write bench/results/gpu.md from bench/gpu/run.sh's two JSON objects (the Rust `bench` example on
the GPU backend, bench/nn/bench_torch.py on CUDA), the GPU's name and the burn backend used."""
import datetime
import json
import sys

rust, torch_, gpu, backend = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3], sys.argv[4]
rows = [
    ("ae_vq_step", "AE training step, VQ K=256, batch 8×3×64×64"),
    ("ae_dl_step", "AE training step, DL K=256 S=8 online, batch 8×3×64×64"),
    ("ae_vq_step_cifar", "AE training step, VQ K=256, batch 64×3×32×32 (CIFAR-10)"),
    ("ae_dl_step_cifar", "AE training step, DL K=256 S=8 online, batch 64×3×32×32 (CIFAR-10)"),
    ("vq_latent", "VQ forward, 8×64×16×16 latent, K=512"),
    ("dl_latent", "DL forward (Batch-OMP S=5), 8×64×16×16, K=512"),
    ("vq_pixels", "VQ forward, 4×3×128×128 pixels, K=16"),
    ("dl_pixels", "DL forward (OMP S=4), 4×3×128×128 pixels, K=16"),
]
print("# sparsecode-nn against PyTorch on one GPU\n")
print(f"GPU: {gpu}; sparsecode-nn on burn's `{backend}` backend, PyTorch {torch_.get('torch')} on CUDA; "
      f"date {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC. Command: `bash bench/gpu/run.sh`. "
      "Mean of 10 calls after 3 warm-ups (training steps: 5 after 2), each waiting for the device. "
      "The DL bottleneck's sparse coding runs on the host on our side (Batch-OMP in the sparsecode "
      "library, the codes copied in and out), on the GPU on PyTorch's. Last column > 1: sparsecode-nn faster.\n")
print("| case | sparsecode-nn ms | PyTorch ms | PyTorch/sparsecode-nn |\n|---|---|---|---|")
for key, label in rows:
    r, t = rust.get(key + "_ms"), torch_.get(key + "_ms")
    if r is None or t is None:
        continue
    print(f"| {label} | {r:.2f} | {t:.2f} | {t / r:.2f}× |")
