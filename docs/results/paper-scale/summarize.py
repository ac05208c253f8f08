"""Table and three-way loss plot of the paper-scale localized-sparse-coding runs.

Usage: python docs/results/paper-scale/summarize.py RUNS_DIR [OUT_DIR]
RUNS_DIR holds one folder per run (none, bdm_l4, brm_l4), each with the `traindata.npz` record and
the `gabor_fit.npz` that `sparsecode train` writes. Prints a markdown table; writes
OUT_DIR/losses_three_way.png (default: this script's folder). Records are read with `np.load`,
exactly as the paper's README reads its `traindata.npz`.
"""
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

RUNS = [("none", "uncompressed"), ("bdm_l4", "bdm -l 4"), ("brm_l4", "brm -l 4")]


def main():
    runs_dir = sys.argv[1]
    out_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(__file__))
    rows = {}
    fig, ax = plt.subplots(1, 2, figsize=(10, 3.8))
    for name, label in RUNS:
        path = os.path.join(runs_dir, name)
        if not os.path.exists(os.path.join(path, "traindata.npz")):
            continue
        d = np.load(os.path.join(path, "traindata.npz"))
        g = np.load(os.path.join(path, "gabor_fit.npz"))
        val, train, t = d["val_loss"], d["train_loss"], d["time"]
        err, like = g["fit_error"], g["gabor_like"].astype(bool)
        pick = lambda a: " → ".join(f"{a[i]:.2f}" for i in (0, 9, 49, len(a) - 1) if i < len(a))
        rows[label] = {
            "epochs": str(int(d["epochs_done"])),
            "training time (the record's `time`)": f"{t[-1]:,.0f} s",
            "training loss, epoch 1 → 10 → 50 → 100": pick(train),
            "validation loss, epoch 1 → 10 → 50 → 100": pick(val),
            "final validation loss": f"**{val[-1]:.2f}**",
            "atoms accepted as Gabor-like (`gabor_like`)": f"{like.sum()} of {like.size}",
            "median Gabor fit error (all / Gabor-like)": f"{np.median(err):.3f} / "
            + (f"{np.median(err[like]):.3f}" if like.any() else "–"),
        }
        epochs = np.arange(1, len(val) + 1)
        ax[0].plot(epochs, train, label=label)
        ax[1].plot(epochs, val, label=label)
    for a, title in zip(ax, ["training loss (compressed space)", "validation loss"]):
        a.set_xlabel("epoch")
        a.set_title(title)
        a.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "losses_three_way.png"), dpi=110)
    labels = list(rows)
    print("| | " + " | ".join(f"`{l}`" if l != "uncompressed" else l for l in labels) + " |")
    print("|---|" + "---|" * len(labels))
    for key in rows[labels[0]]:
        print(f"| {key} | " + " | ".join(rows[l][key] for l in labels) + " |")
    base = float(np.load(os.path.join(runs_dir, "none", "traindata.npz"))["val_loss"][-1])
    for name, label in RUNS[1:]:
        f = os.path.join(runs_dir, name, "traindata.npz")
        if os.path.exists(f):
            v = float(np.load(f)["val_loss"][-1])
            print(f"\n{label}: final validation loss {100 * (v / base - 1):+.2f} % against uncompressed")


if __name__ == "__main__":
    main()
