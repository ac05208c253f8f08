# Hand-written stubs of the Rust extension module (crates/sparsecode-py/src/lib.rs), checked by
# `python -m mypy.stubtest sparsecode._core` in tests/python/test_stubs.py.
from collections.abc import Callable
from typing import Any, TypeAlias, final

import numpy as np
from numpy.typing import ArrayLike, NDArray

_F: TypeAlias = NDArray[np.float32] | NDArray[np.float64]
#: ``progress(done, total)`` of the encoders, after every chunk of rows.
_EncodeProgress: TypeAlias = Callable[[int, int], object]

__all__ = [
    "OLSHAUSEN_F0",
    "OnlineLearner",
    "SparsecodeError",
    "__version__",
    "_panic_for_test",
    "block_coordinate_pass",
    "conv_dict_defaults",
    "conv_dict_learning",
    "conv_encode",
    "conv_forward",
    "conv_lambda_max",
    "conv_laplace_map",
    "dict_learning",
    "diff_box",
    "diff_box_spatial_frame",
    "diff_box_taps",
    "diff_xy",
    "effective_num_threads",
    "extract_patches",
    "fit_dictionary",
    "fit_gabors",
    "generative_defaults",
    "generative_envelope",
    "generative_sample",
    "get_num_threads",
    "iterative",
    "knee_point",
    "kurtosis_sweep",
    "lars",
    "lasso_duality_gaps",
    "lasso_lars",
    "load_digits",
    "load_image",
    "load_image_folder",
    "load_mnist",
    "localized_defaults",
    "localized_run",
    "measure_axis",
    "measure_vector",
    "minibatch_dict_learning",
    "minibatch_initial_dictionary",
    "minibatch_step",
    "omp",
    "omp_cardinality_sweep",
    "omp_gram",
    "pca_apply",
    "pca_fit",
    "percentile",
    "read_cifar10",
    "read_dictionary",
    "read_idx_images",
    "read_idx_labels",
    "read_npy",
    "read_npz",
    "read_record",
    "relu_shift",
    "set_num_threads",
    "shipped_image",
    "shipped_images_rgb",
    "shipped_names",
    "sinusoid_dictionary",
    "sk_cost",
    "sk_sparse_encode",
    "sweep_defaults",
    "temporal_diff",
    "threshold",
    "threshold_nd",
    "whiten_olshausen",
]

__version__: str

class SparsecodeError(Exception): ...

def set_num_threads(n: int) -> None: ...
def get_num_threads() -> int: ...
def effective_num_threads(threads: int | None = None) -> int: ...
def omp(
    x: _F,
    d: _F,
    *,
    n_nonzero: int | None = None,
    tol: float | None = None,
    fit_intercept: bool | None = None,
    normalize: bool = True,
    progress: _EncodeProgress | None = None,
    threads: int | None = None,
) -> tuple[_F, _F]: ...
def omp_gram(
    gram: _F,
    dx: _F,
    n_nonzero: int,
    *,
    x_sq_norms: _F | None = None,
    tol: float | None = None,
    threads: int | None = None,
) -> _F: ...
def lars(
    x: _F,
    d: _F,
    *,
    n_nonzero: int | None = None,
    fit_intercept: bool | None = None,
    eps: float | None = None,
    normalize: bool = True,
    progress: _EncodeProgress | None = None,
    threads: int | None = None,
) -> tuple[_F, _F]: ...
def lasso_lars(
    x: _F,
    d: _F,
    *,
    alpha: float | None = None,
    positive: bool | None = None,
    max_iter: int | None = None,
    fit_intercept: bool | None = None,
    normalize: bool = True,
    progress: _EncodeProgress | None = None,
    threads: int | None = None,
) -> tuple[_F, _F]: ...
def threshold(
    x: _F,
    d: _F,
    *,
    alpha: float | None = None,
    kind: str | None = None,
    normalize: bool = True,
    progress: _EncodeProgress | None = None,
    threads: int | None = None,
) -> _F: ...
def iterative(
    x: _F,
    d: _F,
    method: str,
    *,
    init: _F | None = None,
    record: bool = False,
    normalize: bool = True,
    progress: _EncodeProgress | None = None,
    threads: int | None = None,
) -> tuple[_F, int, bool, list[float]]: ...
def sk_sparse_encode(
    x: _F,
    d: _F,
    algorithm: str,
    alpha: float,
    n_nonzero: int | None = None,
    max_iter: int = 1000,
    init: _F | None = None,
    positive: bool = False,
    threads: int | None = None,
) -> _F: ...
def dict_learning(
    x: _F,
    n_components: int,
    *,
    alpha: float,
    max_iter: int,
    tol: float,
    fit_algorithm: str,
    transform_max_iter: int,
    random_state: int,
    positive_code: bool,
    positive_dict: bool,
    transform_n_nonzero_coefs: int | None = None,
    code_init: _F | None = None,
    dict_init: _F | None = None,
    callback: Callable[[int, float], object] | None = None,
    threads: int | None = None,
) -> tuple[_F, _F, list[float], int]: ...
def minibatch_dict_learning(
    x: _F,
    n_components: int,
    *,
    alpha: float,
    max_iter: int,
    fit_algorithm: str,
    batch_size: int,
    shuffle: bool,
    random_state: int,
    positive_code: bool,
    positive_dict: bool,
    transform_max_iter: int,
    tol: float,
    max_no_improvement: int | None,
    dict_init: _F | None = None,
    callback: Callable[[int, int, float, float | None, str | None, _F], object] | None = None,
    threads: int | None = None,
) -> tuple[_F, _F, _F, int, int, list[tuple[int, float, float]]]: ...
def minibatch_initial_dictionary(
    x: _F, n_components: int, dict_init: _F | None = None, threads: int | None = None
) -> _F: ...
def minibatch_step(
    x: _F,
    components: _F,
    stat_a: _F,
    stat_b: _F,
    n_steps: int,
    *,
    alpha: float,
    fit_algorithm: str,
    random_state: int,
    positive_code: bool,
    positive_dict: bool,
    transform_max_iter: int,
    threads: int | None = None,
) -> tuple[_F, _F, _F, float, tuple[float, float] | None]: ...
def block_coordinate_pass(
    atoms: _F,
    gram: _F,
    atx: _F,
    signals: _F,
    *,
    positive: bool,
    random_state: int,
    step: int,
    threads: int | None = None,
) -> tuple[_F, list[int]]: ...
def sk_cost(x: _F, a: _F, d: _F, alpha: float, threads: int | None = None) -> float: ...
def lasso_duality_gaps(
    x: _F, a: _F, d: _F, alpha: float, positive: bool = False, threads: int | None = None
) -> list[float]: ...
def _panic_for_test() -> None: ...

# --- the toolkit: sparsecode.learn / conv / analysis / data / io ---------------------------
_F64: TypeAlias = NDArray[np.float64]
_U8: TypeAlias = NDArray[np.uint8]
_Progress: TypeAlias = Callable[[str, int, int | None, str], Any]

# --- learn ---------------------------------------------------------------------------------
def localized_defaults() -> dict[str, Any]: ...
def localized_run(
    config: dict[str, Any] | None = None,
    *,
    folder: str | None = None,
    resume: bool = False,
    gabor: bool = False,
    export: str | None = None,
    progress: _Progress | None = None,
    threads: int | None = None,
) -> dict[str, Any]: ...
def read_record(path: str, *, threads: int | None = None) -> dict[str, Any]: ...
def read_dictionary(path: str, *, threads: int | None = None) -> _F64: ...
def fit_dictionary(
    x: _F,
    n_components: int,
    method: str,
    *,
    n_epochs: int = 10,
    seed: int = 0,
    n_nonzero: int = 5,
    alpha: float = 0.1,
    dict_init: _F | None = None,
    learning_rate: float | None = None,
    decay: float | None = None,
    batch_size: int | None = None,
    threads: int | None = None,
) -> tuple[_F, _F64]: ...

@final
class OnlineLearner:
    def __new__(
        cls,
        atoms: ArrayLike,
        alpha: float,
        batch_size: int = 256,
        seed: int = 0,
        coder: str = "lars",
    ) -> OnlineLearner: ...
    def batch_stats(
        self, x: ArrayLike, *, threads: int | None = None
    ) -> tuple[_F64, _F64, float, int]: ...
    def apply_stats(
        self,
        ata: ArrayLike,
        atx: ArrayLike,
        cost: float,
        n: int,
        batch: ArrayLike,
        *,
        threads: int | None = None,
    ) -> float: ...
    def partial_fit(self, x: ArrayLike, *, threads: int | None = None) -> float: ...
    @property
    def atoms(self) -> _F64: ...
    @property
    def iteration(self) -> int: ...
    def __reduce__(self) -> tuple[Any, ...]: ...
    def __setstate__(self, state: dict[str, Any]) -> None: ...

# --- analysis ------------------------------------------------------------------------------
def measure_vector(
    x: _F,
    kind: str,
    *,
    tol: float = 0.0,
    fisher: bool = True,
    bias: bool = True,
    threads: int | None = None,
) -> float: ...
def measure_axis(
    x: _F,
    kind: str,
    axis: int,
    *,
    tol: float = 0.0,
    fisher: bool = True,
    bias: bool = True,
    threads: int | None = None,
) -> _F64: ...
def relu_shift(x: _F, theta: float, *, threads: int | None = None) -> _F: ...
def threshold_nd(x: _F, kind: str, theta: float, *, threads: int | None = None) -> _F: ...
def percentile(x: _F, q: float, *, threads: int | None = None) -> float: ...
def temporal_diff(x: _F, tau: int, *, threads: int | None = None) -> _F: ...
def diff_box(
    x: _F, window: int, pad: int, kind: str, *, threads: int | None = None
) -> tuple[_F, _F64]: ...
def diff_box_spatial_frame(
    frame: _F, window: int, pad: int, axis: int, *, threads: int | None = None
) -> _F: ...
def diff_xy(frame: _F, axis: int, *, threads: int | None = None) -> _F: ...
def diff_box_taps(window: int, pad: int, spatial: bool) -> _F64: ...
def sweep_defaults() -> tuple[_F64, list[int], list[int], list[int]]: ...
def kurtosis_sweep(
    x: _F,
    parameter: str,
    values: list[float] | None = None,
    *,
    pad: int = 4,
    threads: int | None = None,
) -> tuple[_F64, _F64, list[_F64]]: ...
def sinusoid_dictionary(n_samples: int, freqs: list[float] | None = None) -> _F64: ...
def omp_cardinality_sweep(
    atoms: ArrayLike,
    signal: ArrayLike,
    ks: list[int] | None = None,
    *,
    threads: int | None = None,
) -> dict[str, Any]: ...
def knee_point(x: list[float], y: list[float]) -> int | None: ...
def pca_fit(
    x: _F, n_components: int, svd_solver: str = "auto", *, threads: int | None = None
) -> tuple[_F, _F, _F, _F, _F]: ...
def pca_apply(
    x: _F, components: _F, mean: _F, inverse: bool, *, threads: int | None = None
) -> _F: ...
def fit_gabors(
    atoms: ArrayLike, h: int, w: int, *, threads: int | None = None
) -> dict[str, NDArray[Any]]: ...

# --- data and io ---------------------------------------------------------------------------
OLSHAUSEN_F0: float

def shipped_names() -> list[str]: ...
def shipped_image(name: str, *, threads: int | None = None) -> _F64: ...
def shipped_images_rgb(*, threads: int | None = None) -> list[tuple[str, _F64]]: ...
def extract_patches(
    image: ArrayLike, patch_size: int, stride: int = 1, *, threads: int | None = None
) -> _F64: ...
def whiten_olshausen(
    image: ArrayLike, f0_frac: float = ..., *, threads: int | None = None
) -> _F64: ...
def load_digits(path: str | None = None, *, threads: int | None = None) -> tuple[_F64, _U8]: ...
def read_idx_images(path: str, *, threads: int | None = None) -> _U8: ...
def read_idx_labels(path: str, *, threads: int | None = None) -> _U8: ...
def load_mnist(folder: str, kind: str = ..., *, threads: int | None = None) -> tuple[_U8, _U8]: ...
def read_cifar10(paths: list[str], *, threads: int | None = None) -> tuple[_U8, _U8]: ...
def load_image(path: str, gray: bool = True, *, threads: int | None = None) -> _F64: ...
def load_image_folder(
    folder: str, gray: bool = True, *, threads: int | None = None
) -> list[tuple[str, _F64]]: ...
def read_npy(path: str, *, threads: int | None = None) -> _F64: ...
def read_npz(path: str, *, threads: int | None = None) -> dict[str, _F64]: ...

# --- conv ----------------------------------------------------------------------------------
def generative_defaults() -> dict[str, Any]: ...
def generative_sample(
    height: int | None = None,
    width: int | None = None,
    *,
    rho: float | None = None,
    sf_0: float | None = None,
    b_sf: float | None = None,
    laplace_scale: float | None = None,
    noise_std: float | None = None,
    normalize_envelope: bool | None = None,
    rng: str = "chacha",
    seed: int = 2020,
    threads: int | None = None,
) -> dict[str, Any]: ...
def generative_envelope(
    height: int | None = None,
    width: int | None = None,
    *,
    sf_0: float | None = None,
    b_sf: float | None = None,
    normalize_envelope: bool | None = None,
    threads: int | None = None,
) -> _F64: ...
def conv_laplace_map(
    height: int,
    width: int,
    scale: float,
    *,
    rng: str = "chacha",
    seed: int = 2020,
    threads: int | None = None,
) -> _F64: ...
def conv_encode(
    image: ArrayLike,
    kernels: ArrayLike | None = None,
    *,
    method: str = "fista",
    lam: float | None = None,
    max_iter: int = 100,
    tol: float = 0.0,
    admm_rho: float | None = None,
    rho: float | None = None,
    noise_to_signal: float | None = None,
    sf_0: float | None = None,
    b_sf: float | None = None,
    normalize_envelope: bool | None = None,
    reference: ArrayLike | None = None,
    progress: _Progress | None = None,
    threads: int | None = None,
) -> tuple[_F64, _F64, dict[str, Any]]: ...
def conv_forward(
    maps: ArrayLike,
    kernels: ArrayLike | None = None,
    *,
    sf_0: float | None = None,
    b_sf: float | None = None,
    normalize_envelope: bool | None = None,
    threads: int | None = None,
) -> _F64: ...
def conv_lambda_max(
    image: ArrayLike,
    kernels: ArrayLike | None = None,
    *,
    sf_0: float | None = None,
    b_sf: float | None = None,
    normalize_envelope: bool | None = None,
    threads: int | None = None,
) -> float: ...
def conv_dict_defaults() -> dict[str, Any]: ...
def conv_dict_learning(
    images: list[ArrayLike],
    *,
    n_kernels: int | None = None,
    kernel_size: int | None = None,
    lam: float | None = None,
    n_iter: int | None = None,
    coding_iter: int | None = None,
    dict_iter: int | None = None,
    seed: int | None = None,
    learner: str | None = None,
    rho: float | None = None,
    sigma: float | None = None,
    zero_mean: bool | None = None,
    init: ArrayLike | None = None,
    progress: _Progress | None = None,
    threads: int | None = None,
) -> tuple[_F64, list[_F64], _F64, _F64]: ...
