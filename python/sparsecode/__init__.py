"""sparsecode: sparse coding and dictionary learning, fast on one CPU.

Conventions (as scikit-learn): samples are rows. Signals ``X`` are (n_samples, n_features), a
dictionary ``D`` is (n_atoms, n_features) with unit-norm rows, codes ``A`` are
(n_samples, n_atoms), and ``X ≈ A @ D``.

Modules
-------
sparsecode.encode
    One function per solver of the Rust library (omp, lars, lasso_lars, ista, fista, admm,
    lca, iht, threshold).
sparsecode.sklearn
    Drop-in replacements of scikit-learn's sparse-coding estimators and functions.
sparsecode.learn
    Dictionary learners (K-SVD, approximate K-SVD, MOD, Olshausen & Field, the online learner with
    its split step) and the localized-sparse-coding pipeline with its run records.
sparsecode.conv
    Convolutional sparse coding of large images: the generative model (numpy-compatible RNG),
    encoding by GD/ISTA/FISTA/ADMM/inverse/Wiener, convolutional dictionary learning.
sparsecode.analysis
    Sparsity measures, thresholds, differencing and box filters, sweeps, OMP analysis, PCA, Gabor fits.
sparsecode.data, sparsecode.io
    Shipped images, patches, whitening, digits, MNIST/CIFAR-10 loaders; .npy/.npz and run records.
sparsecode.dask, sparsecode.ray
    Encoding and dictionary learning past one machine (optional: ``pip install '.[dask]'``).
sparsecode.torch
    The PyTorch custom op ``sparsecode::batch_omp`` and LASER's bottlenecks as ``nn.Module``s
    (``DictionaryBottleneck``, ``KSVDBottleneck``, ``VectorQuantizer``; optional:
    ``pip install '.[torch]'``).
"""

from sparsecode._core import SparsecodeError, __version__, get_num_threads, set_num_threads

__all__ = ["SparsecodeError", "__version__", "get_num_threads", "set_num_threads"]
