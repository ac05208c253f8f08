"""Online dictionary learning: sparsecode (`train --learner online`) against scikit-learn's
MiniBatchDictionaryLearning and SPAMS trainDL, on the same patches and initial dictionary
(`sparsecode train --export DIR`), same lambda, batch size and number of passes.

Every dictionary is scored by the same objective, mean over a fixed subset of the training patches of
1/2 ||x - a D||^2 + lambda ||a||_1 with codes from scikit-learn's lasso_cd (the objective all three
minimise). Prints one JSON line per tool; with --sparsecode RESULT.npz also the time sparsecode needed to
reach scikit-learn's final objective (its per-epoch dictionaries are scored too).
"""
import json
import time

import numpy as np
from export_data import arguments, load
from sklearn.decomposition import MiniBatchDictionaryLearning, sparse_encode


def objective(X, D, lam):
    D = D / np.linalg.norm(D, axis=1, keepdims=True)
    A = sparse_encode(X, D, algorithm="lasso_cd", alpha=lam, max_iter=2000)
    return float(np.mean(0.5 * np.sum((X - A @ D) ** 2, axis=1) + lam * np.sum(np.abs(A), axis=1)))


def main():
    ap = arguments(batch=256)
    ap.add_argument("--lam", type=float, default=0.1)
    ap.add_argument("--score", type=int, default=2000, help="patches used to score")
    ap.add_argument("--sparsecode", help="traindata.npz of `sparsecode train --learner online`")
    a = ap.parse_args()
    X = load(a.data, "train")
    D0 = load(a.data, "d0")
    S = X[np.linspace(0, len(X) - 1, min(a.score, len(X))).astype(int)]
    out = []

    t = time.perf_counter()
    mb = MiniBatchDictionaryLearning(n_components=D0.shape[0], alpha=a.lam, batch_size=a.batch,
                                     max_iter=a.epochs, dict_init=D0.copy(), fit_algorithm="cd",
                                     shuffle=True, random_state=0, tol=0.0, max_no_improvement=None)
    mb.fit(X)
    t_sk = time.perf_counter() - t
    f_sk = objective(S, mb.components_, a.lam)
    out.append({"tool": "sklearn MiniBatchDictionaryLearning (cd)", "seconds": t_sk, "objective": f_sk})

    try:
        if not hasattr(np, "bool"):  # SPAMS 2.6.x still uses the alias numpy 1.24 removed
            np.bool = bool
        import spams
        Xf = np.asfortranarray(X.T)
        iters = a.epochs * int(np.ceil(len(X) / a.batch))
        t = time.perf_counter()
        Ds = spams.trainDL(Xf, D=np.asfortranarray(D0.T.copy()), mode=2, lambda1=a.lam, lambda2=0.0,
                           batchsize=a.batch, iter=iters, numThreads=-1, verbose=False)
        t_sp = time.perf_counter() - t
        out.append({"tool": "SPAMS trainDL (mode 2)", "seconds": t_sp, "objective": objective(S, Ds.T, a.lam)})
    except ImportError:
        out.append({"tool": "SPAMS trainDL", "skipped": "spams is not installed in this venv"})

    if a.sparsecode:
        f = np.load(a.sparsecode)
        phi, times = f["phi"], f["time"]
        scores = [objective(S, phi[e].T, a.lam) for e in range(len(times))]
        reach = next((float(times[e]) for e in range(len(times)) if scores[e] <= f_sk), None)
        out.append({"tool": "sparsecode online", "seconds": float(times[-1]), "objective": scores[-1],
                    "per_epoch_objective": scores, "seconds_to_reach_sklearn_objective": reach})
    init = objective(S, D0, a.lam)
    for o in out:
        o["initial_objective"] = init
        print(json.dumps(o))


if __name__ == "__main__":
    main()
