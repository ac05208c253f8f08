"""Dask benchmark: sparsecode.dask against one process, and against scikit-learn.

Workloads (natural-image patches of the shipped images, 16×16, per-patch mean removed, unit norm):
  encode   --n-encode patches (default 2,000,000), a 256-atom dictionary, OMP k = 10:
           sparsecode.encode.omp in this process (in memory, and zarr → zarr a chunk at a time), then
           sparsecode.dask.sparse_encode on a LocalCluster of 1 and of 2 worker processes (threads per
           worker: 1; sparsecode threads per task: the rule cores // worker threads), chunks of 65,536
           rows streamed from a zarr store to a zarr store (the client holds neither: at 2M × 256 f64
           each is 4 GB); codes compared chunk by chunk with the one-process codes.
  learn    --n-learn patches (default 1,000,000), 256 atoms, alpha 0.1 (per-signal ½‖x − aD‖² + α‖a‖₁),
           batch 1,024, one epoch: the single-process OnlineLearner, sparsecode.dask.MiniBatchDictionaryLearning
           on 1 and 2 worker processes, and scikit-learn's MiniBatchDictionaryLearning (same alpha, batch,
           epochs) — objectives recomputed on a common 20,000-patch sample by one function.
  sklearn  --n-sklearn patches (default 100,000) of the learn data: sparsecode.sklearn's drop-in
           MiniBatchDictionaryLearning against scikit-learn's (same parameters and start, one epoch, no
           early stopping), objectives on the common sample.
  full     --n-full patches (default 200,000): full-batch DictionaryLearning (lasso-LARS, 256 atoms,
           3 iterations, from 256 random patches): sparsecode.sklearn in this process,
           sparsecode.dask on 1 and 2 workers.
Also measured: the communication per step (bytes of the statistics a worker returns) and the time of
one step's round trip without work, for the scaling projection in docs/dask.md.

Usage: python bench/dask/run.py [--n-encode 2000000] [--n-learn 1000000] [--n-sklearn 100000]
       [--n-full 200000] [--skip-sklearn]
Writes bench/results/dask.md and dask.json.
"""

import argparse
import datetime
import json
import os
import pathlib
import platform
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]


def patches(n, p=16, seed=0):
    from sparsecode import data

    imgs = [data.whiten_olshausen(im) for im in data.shipped_images().values()]
    per = -(-n // len(imgs))
    rows = []
    rng = np.random.default_rng(seed)
    for im in imgs:
        all_p = data.extract_patches(im, p, stride=1)
        # All `per` patches of each image: drawn without replacement while the image has that
        # many, with replacement beyond (the 2M-patch workload needs more than the shipped
        # images have: they then repeat).
        rows.append(all_p[rng.choice(len(all_p), size=per, replace=per > len(all_p))])
    x = np.vstack(rows)[:n]
    x -= x.mean(axis=1, keepdims=True)
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    return x


def objective(x, d, alpha):
    """Mean over rows of ½‖x − a·D‖² + α‖a‖₁ with lasso-LARS codes (scikit-learn's scaling)."""
    import sparsecode.sklearn as sks

    a = sks.sparse_encode(x, d, algorithm="lasso_lars", alpha=alpha)
    r = x - a @ d
    return float((0.5 * np.einsum("ij,ij->i", r, r) + alpha * np.abs(a).sum(axis=1)).mean())


def to_zarr(x, path, chunk=65536):
    """``x`` written to a zarr array at ``path`` in row chunks of ``chunk``; returns ``path``."""
    import zarr

    z = zarr.open_array(
        str(path), mode="w", shape=x.shape, chunks=(chunk, x.shape[1]), dtype=x.dtype
    )
    for i in range(0, len(x), chunk):
        z[i : i + chunk] = x[i : i + chunk]
    return str(path)


def on_cluster(workers, path, run, persist=True):
    """``run(X)`` on a LocalCluster of ``workers`` worker processes (one thread each), ``X`` the
    zarr array at ``path`` (row chunks of 65,536) read by the workers themselves: loaded into
    their memory before the clock starts (``persist``), or streamed from disk inside the timed
    run. Returns its result and its seconds."""
    import dask.array as da
    import distributed

    with (
        distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        xd = da.from_zarr(path)
        if persist:
            xd = xd.persist()
            distributed.wait(xd)
        t = time.perf_counter()
        out = run(xd)
        return out, time.perf_counter() - t


def same_zarr(a, b, chunk=65536):
    """Whether the zarr arrays at ``a`` and ``b`` are equal, compared a row chunk at a time."""
    import zarr

    za, zb = zarr.open_array(a, mode="r"), zarr.open_array(b, mode="r")
    if za.shape != zb.shape:
        return False
    return all(
        np.array_equal(za[i : i + chunk], zb[i : i + chunk]) for i in range(0, za.shape[0], chunk)
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n-encode", type=int, default=2_000_000)
    ap.add_argument("--n-learn", type=int, default=1_000_000)
    ap.add_argument("--n-sklearn", type=int, default=100_000)
    ap.add_argument("--n-full", type=int, default=200_000)
    ap.add_argument("--skip-sklearn", action="store_true")
    ap.add_argument(
        "--parts",
        default="encode,learn,full",
        help="comma-separated workloads to run (encode, learn, full); default all",
    )
    args = ap.parse_args()

    import dask.array as da
    import sparsecode
    import sparsecode.dask as scd
    from sparsecode import _core, encode

    parts = set(args.parts.split(","))
    # Results of a partial run go to dask-<parts>.md/json, beside the full run's dask.md.
    name = "dask" if parts >= {"encode", "learn", "full"} else "dask-" + "-".join(sorted(parts))
    k = 256
    store = ROOT / "bench" / "out" / "dask"
    store.mkdir(parents=True, exist_ok=True)
    cores = os.cpu_count() or 1
    rows = []
    started = datetime.datetime.now(datetime.timezone.utc)

    # ---------------------------------------------------------------- encode
    if "encode" in parts:
        # The data live in zarr stores under bench/out/dask (the client never holds the Dask runs'
        # inputs or codes: at 2M × 256 in f64 each is 4 GB).
        x = patches(args.n_encode)
        rng = np.random.default_rng(1)
        d = x[rng.choice(len(x), 256, replace=False)]
        x_path = to_zarr(x, store / "x_encode.zarr")
        t = time.perf_counter()
        want = encode.omp(x, d, n_nonzero=10, threads=cores)
        t_single = time.perf_counter() - t
        rows.append(
            (
                "encode",
                f"{len(x):,} × 256, OMP k=10, one process ({cores} threads), in memory",
                t_single,
                "",
            )
        )
        want_path = to_zarr(want, store / "codes_one_process.zarr")
        del x, want
        import zarr

        zx = zarr.open_array(x_path, mode="r")
        zout = zarr.open_array(
            str(store / "codes_streamed.zarr"),
            mode="w",
            shape=zx.shape[:1] + (256,),
            chunks=(65536, 256),
            dtype=zx.dtype,
        )
        t = time.perf_counter()
        for i in range(0, zx.shape[0], 65536):
            zout[i : i + 65536] = encode.omp(zx[i : i + 65536], d, n_nonzero=10, threads=cores)
        t_stream = time.perf_counter() - t
        rows.append(
            (
                "encode",
                "one process, zarr → zarr a chunk at a time (the Dask runs' I/O, no Dask)",
                t_stream,
                f"codes identical: {same_zarr(str(store / 'codes_streamed.zarr'), want_path)}",
            )
        )
        for workers in (1, 2):
            out_path = str(store / f"codes_dask_{workers}.zarr")
            _, t_dask = on_cluster(
                workers,
                x_path,
                lambda xd, out_path=out_path: da.to_zarr(
                    scd.sparse_encode(xd, d, "omp", n_nonzero=10), out_path, overwrite=True
                ),
                persist=False,
            )
            rows.append(
                (
                    "encode",
                    f"Dask, {workers} worker process(es), zarr → zarr",
                    t_dask,
                    (
                        f"{t_single / t_dask:.2f}× one process in memory, {t_stream / t_dask:.2f}× "
                        f"zarr → zarr; codes identical: {same_zarr(out_path, want_path)}"
                    ),
                )
            )

    # ---------------------------------------------------------------- learn
    if "learn" in parts:
        x = patches(args.n_learn, seed=2)
        sample = x[np.random.default_rng(3).choice(len(x), 20000, replace=False)]
        alpha, k, batch = 0.1, 256, 1024
        model = scd.MiniBatchDictionaryLearning(
            k, alpha=alpha, max_iter=1, batch_size=batch, random_state=0
        )
        init = model.initial_atoms(x)
        learner = _core.OnlineLearner(init, alpha, batch_size=batch, seed=0)
        t = time.perf_counter()
        for b in model.batches(len(x)):
            learner.partial_fit(x[b])
        t_single = time.perf_counter() - t
        d_single = learner.atoms / np.linalg.norm(learner.atoms, axis=1, keepdims=True)
        o_single = objective(sample, d_single, alpha)
        rows.append(
            (
                "learn",
                f"{len(x):,} × 256, 256 atoms, batch {batch}, 1 epoch, one process",
                t_single,
                f"objective {o_single:.5f}",
            )
        )
        steps = len(model.batches(len(x)))
        learn_path = to_zarr(x, store / "x_learn.zarr")
        for workers in (1, 2):
            _, t_dask = on_cluster(workers, learn_path, lambda xd: model.fit(xd))
            diff = float(np.abs(model.components_ - d_single).max())
            rows.append(
                (
                    "learn",
                    f"Dask, {workers} worker process(es)",
                    t_dask,
                    (
                        f"{t_single / t_dask:.2f}× one process; max |ΔD| vs one process {diff:.1e}; "
                        f"{1e3 * t_dask / steps:.1f} ms per step"
                    ),
                )
            )
        if not args.skip_sklearn:
            import sklearn.decomposition as skd
            import sparsecode.sklearn as sks

            xs = x[: args.n_sklearn]
            kw = {
                "n_components": k,
                "alpha": alpha,
                "batch_size": batch,
                "max_iter": 1,
                "random_state": 0,
                "dict_init": init,
                "tol": 0.0,
                "max_no_improvement": None,
            }
            timing = {}
            for name, cls in (("sparsecode.sklearn", sks), ("scikit-learn", skd)):
                est = cls.MiniBatchDictionaryLearning(**kw)
                t = time.perf_counter()
                est.fit(xs)
                timing[name] = (time.perf_counter() - t, objective(sample, est.components_, alpha))
            (t_ours, o_ours), (t_sk, o_sk) = timing["sparsecode.sklearn"], timing["scikit-learn"]
            rows.append(
                (
                    "learn",
                    f"{len(xs):,} patches, 1 epoch: sparsecode.sklearn.MiniBatchDictionaryLearning",
                    t_ours,
                    f"objective {o_ours:.5f}",
                )
            )
            rows.append(
                (
                    "learn",
                    "the same with scikit-learn's MiniBatchDictionaryLearning",
                    t_sk,
                    f"objective {o_sk:.5f}; the drop-in {t_sk / t_ours:.1f}× faster",
                )
            )
        del x

    # ------------------------------------------------------------ full batch
    if "full" in parts:
        import sparsecode.sklearn as sks

        x = patches(args.n_full, seed=4)
        # One start for both (random patches; code_init only makes the single-process learner use
        # dict_init, as scikit-learn): the SVD start's trailing singular vectors are not unique
        # (near-equal singular values), so two SVD algorithms start apart.
        start = x[np.random.default_rng(5).choice(len(x), k, replace=False)]
        kw = {
            "n_components": k,
            "alpha": alpha,
            "max_iter": 3,
            "tol": 0.0,
            "random_state": 0,
            "dict_init": start,
            "code_init": np.zeros((len(x), k)),
        }
        t = time.perf_counter()
        want = sks.DictionaryLearning(**kw).fit(x)
        t_single = time.perf_counter() - t
        rows.append(
            (
                "full batch",
                f"{len(x):,} × 256, DictionaryLearning (lasso-LARS) 3 iterations, one process",
                t_single,
                f"cost {want.error_[-1]:.2f}",
            )
        )
        full_path = to_zarr(x, store / "x_full.zarr")
        for workers in (1, 2):
            got, t_dask = on_cluster(
                workers, full_path, lambda xd: scd.DictionaryLearning(**kw).fit(xd)
            )
            diff = float(np.abs(got.components_ - want.components_).max())
            rows.append(
                (
                    "full batch",
                    f"Dask, {workers} worker process(es)",
                    t_dask,
                    f"{t_single / t_dask:.2f}× one process; max |ΔD| vs one process {diff:.1e}",
                )
            )

    # communication per step: k² + k·p numbers up, k·p down, per worker
    per_step = (k * k + k * 256) * 8
    meta = {
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {cores} CPUs",
        "load_at_end": os.getloadavg(),
        "sparsecode": sparsecode.__version__,
        "bytes_up_per_worker_step": per_step,
    }
    import shutil

    shutil.rmtree(store, ignore_errors=True)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2))
    lines = [
        "# Dask (`sparsecode.dask`) against one process and scikit-learn",
        "",
        (
            f"- Date: {meta['date']}; machine: {meta['machine']}; 1-min load at the end "
            f"{meta['load_at_end'][0]:.2f}; LocalCluster of worker processes, 1 thread each."
        ),
        (
            f"- Command: `python bench/dask/run.py --n-encode {args.n_encode} --n-learn "
            f"{args.n_learn} --n-sklearn {args.n_sklearn} --n-full {args.n_full} "
            f"--parts {','.join(sorted(parts))}`."
        ),
        f"- Statistics a worker returns per step: k² + k·p = {k * k + k * 256:,} numbers ({per_step / 1e6:.2f} MB).",
        "",
        "| workload | run | seconds | note |",
        "|---|---|---|---|",
    ]
    lines += [f"| {w} | {r} | {s:.2f} | {n} |" for w, r, s, n in rows]
    (out / f"{name}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
