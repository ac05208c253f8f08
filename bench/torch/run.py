"""Bottleneck forward of ``sparsecode.torch`` against LASER's own PyTorch batched OMP (CPU).

LASER (github.com/helloimlixin/laser) codes its latent tokens with a batched OMP written in
PyTorch. Two of its versions are re-implemented here from their description in
``docs/seed-notes.md`` §3 (no LASER code copied):

- ``laser-lsrefit`` (commit ``cf4c237``, the "K-SVD VAE"): each of the S steps recomputes the
  residual ``R = X − A·D``, its correlations with the atoms, masks the atoms already chosen,
  takes the argmax and solves the least-squares system on the support with
  ``torch.linalg.solve`` on the selected Gram matrix + 1e-6·I (batched over tokens);
- ``laser-cholesky`` (HEAD ``0fc7d1b``): Batch-OMP (Rubinstein et al. 2008) with a progressive
  Cholesky factor of the selected Gram matrix and ``torch.cholesky_solve``, correlations updated
  from the Gram matrix (no residual), exactly S atoms, under ``no_grad``.

Both are timed against ``sparsecode.torch.batch_omp`` (the op) and the full
``DictionaryBottleneck`` forward in eval mode; LASER's forward is timed with the same wrapper
(tokens, normalised atoms, ``codes @ D``, loss, straight-through) around its coder. Tokens are
real 8×8 patches (64 dimensions) of the shipped photographs, mean removed; K = 512 Gaussian
unit-norm atoms (LASER's initialisation), S = 8, float32. PyTorch and sparsecode use the same
number of threads (``torch.set_num_threads``, ``RAYON_NUM_THREADS`` and ``threads=``).

Usage: ``python bench/torch/run.py [--threads N] [--budget SECONDS] [--out bench/results/torch.md]``
"""

import argparse
import datetime
import os
import platform
import sys
import time

import numpy as np


def parse() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--threads",
        default=f"1,{os.cpu_count() or 1}",
        help="comma-separated thread counts, one table each (default: 1 and all cores)",
    )
    ap.add_argument("--budget", type=float, default=120.0, help="stop adding sizes after this")
    ap.add_argument("--sizes", default="1024,4096,16384,65536,262144")
    ap.add_argument(
        "--out", default=os.path.join(os.path.dirname(__file__), "..", "results", "torch.md")
    )
    return ap.parse_args()


ARGS = parse()
THREADS = sorted({int(v) for v in ARGS.threads.split(",")})
# before the library starts its global pool; each call also passes threads= (a pool of that size)
os.environ["RAYON_NUM_THREADS"] = str(max(THREADS))

import sparsecode
import torch
from sparsecode.data import extract_patches, shipped_image
from sparsecode.torch import DictionaryBottleneck, batch_omp

K, S, DIM, PATCH = 512, 8, 64, 8
HEADER = (
    "| tokens | repeats (ours / LASER) | op ms | bottleneck ms | LASER cf4c237 forward ms | "
    "LASER HEAD forward ms | speed-up | same support | max rel. diff |"
)


# --- LASER's two batched OMPs, re-implemented from their description ---------------------------


@torch.no_grad()
def laser_omp_lsrefit(
    x: torch.Tensor, d: torch.Tensor, s: int, ridge: float = 1e-6
) -> torch.Tensor:
    """LASER cf4c237: per step residual, correlations, masked argmax, batched solve on the
    support (Gram + ridge·I). x (n, f), d (K, f) unit rows -> codes (n, K)."""
    n, k = x.shape[0], d.shape[0]
    gram = d @ d.T
    dtx = x @ d.T  # (n, K): Dᵀx per token
    codes = x.new_zeros(n, k)
    chosen = torch.zeros(n, k, dtype=torch.bool)
    rows = torch.arange(n)
    support = torch.empty(n, 0, dtype=torch.long)
    for step in range(1, s + 1):
        resid = x - codes @ d
        corr = (resid @ d.T).abs().masked_fill_(chosen, -1.0)
        pick = corr.argmax(dim=1)
        chosen[rows, pick] = True
        support = torch.cat([support, pick.unsqueeze(1)], dim=1)
        g_s = gram[support.unsqueeze(2), support.unsqueeze(1)]
        g_s = g_s + ridge * torch.eye(step, dtype=x.dtype)
        coef = torch.linalg.solve(g_s, dtx.gather(1, support))
        codes = x.new_zeros(n, k).scatter_(1, support, coef)
    return codes


@torch.no_grad()
def laser_batch_omp_cholesky(
    x: torch.Tensor, d: torch.Tensor, s: int, chunk: int = 32768
) -> torch.Tensor:
    """LASER HEAD: Batch-OMP with a progressive Cholesky factor. Correlations are updated as
    ``α = α⁰ − γ·G_I`` (no residual is formed). x (n, f), d (K, f) unit rows -> codes (n, K).
    Tokens go in chunks (the gathered Gram rows are n·S·K values)."""
    if x.shape[0] > chunk:
        return torch.cat([laser_batch_omp_cholesky(c, d, s, chunk) for c in x.split(chunk)])
    n, k = x.shape[0], d.shape[0]
    gram = d @ d.T
    alpha0 = x @ d.T
    alpha = alpha0.clone()
    chol = x.new_zeros(n, s, s)
    support = torch.empty(n, 0, dtype=torch.long)
    gamma = x.new_zeros(n, 0)
    for step in range(s):
        corr = alpha.abs()
        if step:
            corr.scatter_(1, support, -1.0)
        pick = corr.argmax(dim=1)
        if step == 0:
            chol[:, 0, 0] = 1.0
        else:
            g_new = gram[support, pick.unsqueeze(1)]  # (n, step): G[I, j]
            w = torch.linalg.solve_triangular(
                chol[:, :step, :step], g_new.unsqueeze(2), upper=False
            ).squeeze(2)
            chol[:, step, :step] = w
            chol[:, step, step] = (1.0 - (w * w).sum(dim=1)).clamp_min(1e-12).sqrt()
        support = torch.cat([support, pick.unsqueeze(1)], dim=1)
        rhs = alpha0.gather(1, support).unsqueeze(2)
        gamma = torch.cholesky_solve(rhs, chol[:, : step + 1, : step + 1]).squeeze(2)
        alpha = alpha0 - torch.einsum("ns,nsk->nk", gamma, gram[support])
    return x.new_zeros(n, k).scatter_(1, support, gamma)


def laser_forward(z: torch.Tensor, dictionary: torch.Tensor, coder) -> tuple:
    """LASER's bottleneck forward around a coder (tokens, D̂, codes, D̂a, loss, STE)."""
    b, c, h, w = z.shape
    tok = z.permute(0, 2, 3, 1).reshape(-1, c)
    dn = dictionary / dictionary.norm(dim=1, keepdim=True).clamp_min(1e-10)
    codes = coder(tok, dn, S)
    zq = codes @ dn
    loss = torch.nn.functional.mse_loss(zq, tok.detach()) + 0.25 * torch.nn.functional.mse_loss(
        zq.detach(), tok
    )
    zq = zq.reshape(b, h, w, c).permute(0, 3, 1, 2)
    return z + (zq - z).detach(), loss, codes


# --- data and timing ----------------------------------------------------------------------------


def real_tokens(n: int) -> torch.Tensor:
    """n real 8×8 patches (64-d tokens) of the shipped grey images, mean removed, float32."""
    out, have = [], 0
    for name in ("camera", "astronaut", "coffee", "chelsea", "rocket", "brick", "grass", "gravel"):
        p = extract_patches(shipped_image(name), PATCH, stride=1)
        p = p - p.mean(axis=1, keepdims=True)
        p = p[np.linalg.norm(p, axis=1) > 1e-3]
        out.append(p)
        have += len(p)
        if have >= n:
            break
    allp = np.concatenate(out)
    rng = np.random.default_rng(0)
    pick = rng.choice(len(allp), n, replace=len(allp) < n)
    return torch.from_numpy(allp[pick].astype(np.float32))


def timed(f, repeats: int, warmup: bool = True) -> tuple[float, object]:
    """Median time of ``repeats`` calls (after one warm-up call unless told), last result."""
    if warmup:
        f()
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return float(np.median(times)), out


def loadavg() -> str:
    try:
        with open("/proc/loadavg") as fh:
            return " ".join(fh.read().split()[:3])
    except OSError:
        return "n/a"


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def agreement(ours: torch.Tensor, ref: torch.Tensor) -> tuple[float, float]:
    """Fraction of tokens with the same support, and the largest relative code difference on
    those tokens."""
    same = ((ours != 0) == (ref != 0)).all(dim=1)
    if not same.any():
        return 0.0, float("nan")
    o, r = ours[same], ref[same]
    rel = (o - r).abs().max() / r.abs().max().clamp_min(1e-30)
    return float(same.float().mean()), float(rel)


def main() -> None:
    start = time.perf_counter()
    load_before = loadavg()
    tables = []
    for i, threads in enumerate(THREADS):
        budget = start + ARGS.budget * (i + 1) / len(THREADS)
        tables.append((threads, run(threads, budget)))
    write(tables, load_before, loadavg(), time.perf_counter() - start)


def run(threads: int, deadline: float) -> list:
    torch.set_num_threads(threads)
    sparsecode.set_num_threads(threads)
    sizes = [int(v) for v in ARGS.sizes.split(",")]
    g = torch.Generator().manual_seed(0)
    dictionary = torch.randn(K, DIM, generator=g)
    dictionary /= dictionary.norm(dim=1, keepdim=True)
    bott = DictionaryBottleneck(K, DIM, S, update="none", threads=threads).eval()
    with torch.no_grad():
        bott.dictionary.copy_(dictionary)
    rows = []
    for n in sizes:
        last = rows[-1] if rows else None
        guess = 0.0
        if last is not None:
            head = 0.0 if n > 65536 else last["laser-forward"]
            per_call = last["laser-lsrefit"] + head + 4 * (last["bottleneck"] + last["op"])
            guess = n / last["n"] * per_call
        if time.perf_counter() + guess > deadline:
            print(f"{threads} thread(s): stopping before n = {n} (time budget)", file=sys.stderr)
            break
        tok = real_tokens(n)
        side = int(np.sqrt(n // 16))
        z = tok.reshape(16, side, side, DIM).permute(0, 3, 1, 2)  # (B, C, H, W) latent, 16 images
        # ours: a warm-up call, then the median of 3 (1 at the largest size); LASER's coders
        # (10-20x slower): warm-up and 5 calls up to 4,096 tokens, one cold call beyond
        ours_reps = 3 if n <= 65536 else 1
        warm = n <= 4096
        reps = 5 if warm else 1
        r = {"n": n, "reps": reps, "warm": warm, "ours_reps": ours_reps}
        with torch.no_grad():
            r["op"], ours = timed(
                lambda t=tok: batch_omp(t, dictionary, S, threads=threads), ours_reps
            )
            r["bottleneck"], _ = timed(lambda z=z: bott(z), ours_reps)
            r["laser-lsrefit"], out1 = timed(
                lambda z=z: laser_forward(z, dictionary, laser_omp_lsrefit), reps, warm
            )
            r["agree-lsrefit"] = agreement(ours, out1[2])
            if n <= 65536:  # the slower of LASER's two on a CPU: left out at the largest size
                r["laser-forward"], out2 = timed(
                    lambda z=z: laser_forward(z, dictionary, laser_batch_omp_cholesky), reps, warm
                )
                r["agree-cholesky"] = agreement(ours, out2[2])
            else:
                r["laser-forward"], r["agree-cholesky"] = float("inf"), (float("nan"),) * 2
        rows.append(r)
        print(
            f"{threads}T n={n:>7}  op {r['op'] * 1e3:8.1f} ms  bottleneck "
            f"{r['bottleneck'] * 1e3:8.1f} ms  LASER cf4c237 forward {r['laser-lsrefit'] * 1e3:8.1f} ms  "
            f"HEAD forward {ms(r['laser-forward']):>8s} ms  "
            f"agree {r['agree-lsrefit'][0]:.4f}/{r['agree-cholesky'][0]:.4f}",
            file=sys.stderr,
        )
    return rows


def ms(seconds: float) -> str:
    return "—" if seconds == float("inf") else f"{seconds * 1e3:.1f}"


def write(tables: list, load_before: str, load_after: str, total: float) -> None:
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    machine = (
        f"{cpu_name()}, {os.cpu_count()} cores, {mem:.0f} GiB memory, {platform.system()} "
        f"{platform.release()}; PyTorch {torch.__version__}, sparsecode {sparsecode.__version__}"
    )
    threads = ", ".join(str(t) for t, _ in tables)
    lines = [
        "# sparsecode.torch bottleneck against LASER's PyTorch batched OMP (CPU)",
        "",
        f"- Date: {now}; run time {total:.0f} s",
        f"- Machine: {machine}",
        (
            f"- Threads: {threads} (one table each), the same on both sides (torch.set_num_threads, "
            f"sparsecode.set_num_threads and threads=; RAYON_NUM_THREADS = {max(THREADS)})"
        ),
        f"- Load average (1, 5, 15 min) before: {load_before}; after: {load_after}",
        "- Command: `python bench/torch/run.py` (details in its docstring)",
        (
            f"- Problem: K = {K} Gaussian unit-norm atoms, S = {S}, {DIM}-dimensional tokens (real "
            "8×8 patches of the shipped images, mean removed), float32. Repeats = ours / LASER's: "
            "the median of that many calls after a warm-up call ('cold': one call, no warm-up)"
        ),
        "",
        (
            "Columns: `op` = `sparsecode.torch.batch_omp`; `bottleneck` = `DictionaryBottleneck` "
            "forward in eval mode on the tokens as a (16, 64, H, W) latent (checks, tokens, op, "
            "`codes @ D̂`, loss, straight-through); LASER forwards = the same bottleneck steps "
            "(tokens, D̂, codes, `codes @ D̂`, loss, straight-through) around LASER's `cf4c237` "
            "LS-refit OMP (`torch.linalg.solve` per step) or its HEAD Cholesky Batch-OMP. "
            "Speed-up = the faster LASER forward / our bottleneck forward. Same support = fraction "
            "of tokens whose support equals ours (cf4c237 / HEAD); max rel. diff = largest code "
            "difference on those tokens relative to the largest code. At 262,144 tokens only the "
            "faster of LASER's coders on a CPU (`cf4c237`) is run, to stay within the time budget."
        ),
    ]
    busy = max(float(v.split()[0]) if v != "n/a" else 0.0 for v in (load_before, load_after))
    if busy > 0.5 * (os.cpu_count() or 1):
        lines += [
            "",
            (
                f"⚠ The machine was busy (1-min load {busy:.1f} on {os.cpu_count()} cores): every "
                "time is inflated, most of all PyTorch's multi-threaded operations (its thread team "
                "waits for descheduled threads), which hits LASER's coders and the torch steps of our "
                "bottleneck; the thread counts above then buy little. Re-run on an idle machine."
            ),
        ]
    for t, rows in tables:
        lines += ["", f"### {t} thread(s)", "", HEADER, "|---" * 9 + "|"]
        for r in rows:
            a1, a2 = r["agree-lsrefit"], r["agree-cholesky"]
            lines.append(
                f"| {r['n']:,} | {r['ours_reps']} / {r['reps']}{'' if r['warm'] else ' cold'} | "
                f"{r['op'] * 1e3:.1f} | {r['bottleneck'] * 1e3:.1f} | "
                f"{r['laser-lsrefit'] * 1e3:.1f} | {ms(r['laser-forward'])} | "
                f"{min(r['laser-forward'], r['laser-lsrefit']) / r['bottleneck']:.2f}× | "
                f"{a1[0]:.4f} / {a2[0]:.4f} | {a1[1]:.1e} / {a2[1]:.1e} |".replace("nan", "—")
            )
    lines.append("")
    out = os.path.normpath(ARGS.out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as fh:
        fh.write("\n".join(lines))
    print("\n".join(lines))
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
