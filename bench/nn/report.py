"""Write bench/results/nn-torch.md from the JSON of the Rust example and of bench_torch.py.
Arguments: rust JSON, torch JSON, load average before, load average after."""
import json, platform, subprocess, sys, datetime

rust, torch = json.loads(sys.argv[1]), json.loads(sys.argv[2])
load = sys.argv[3:5] if len(sys.argv) >= 5 else ["?", "?"]
cpu = subprocess.run(["sh", "-c", "lscpu | grep 'Model name' | sed 's/.*: *//'"], capture_output=True, text=True).stdout.strip()
rows = [
    ("vq_latent", "VQ forward, 8×64×16×16 latent, K=512"),
    ("dl_latent", "DL forward (Batch-OMP S=5), 8×64×16×16, K=512"),
    ("vq_pixels", "VQ forward, 4×3×128×128 pixels, K=16"),
    ("dl_pixels", "DL forward (OMP S=4), 4×3×128×128 pixels, K=16"),
    ("ae_dl_step", "AE training step, DL K=256 S=8 online, batch 8×3×64×64"),
    ("ae_vq_step", "AE training step, VQ K=256, batch 8×3×64×64"),
]
print("# sparsecode-nn against PyTorch (CPU)\n")
print(f"Machine: {cpu}, {rust.get('threads')} threads (torch.set_num_threads({torch.get('threads')})); "
      f"PyTorch {torch.get('torch')}; date {datetime.date.today()}; 1-min load {load[0]} before, {load[1]} after.\n")
print("Command: `bench/nn/run.sh` (Rust: `cargo run -p sparsecode-nn --example bench`, burn 0.22 flex backend; "
      "PyTorch: `bench/nn/bench_torch.py`). Mean of 10 runs after 3 warm-ups (training steps: 5 after 2). "
      "Training steps: forward, backward, global-norm gradient clipping at 1.0, AdamW on both sides. "
      "Last column > 1: sparsecode-nn faster.\n")
print("| case | sparsecode-nn ms | PyTorch ms | PyTorch/sparsecode-nn |\n|---|---|---|---|")
for key, label in rows:
    r, t = rust.get(key + "_ms"), torch.get(key + "_ms")
    if r is None or t is None:
        continue
    print(f"| {label} | {r:.2f} | {t:.2f} | {t / r:.2f}× |")
