"""Data: the shipped natural images, patches, Olshausen whitening, the UCI digits, MNIST IDX and
CIFAR-10 loaders, image files and folders (``sparsecode::data``). Images come as float64 in
[0, 1] (grey by luminance ``0.2989 R + 0.5870 G + 0.1140 B``); loaders of 8-bit data sets
return uint8 arrays as stored.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from sparsecode import _core
from sparsecode._arrays import as_float_matrix, check_threads

__all__ = [
    "OLSHAUSEN_F0",
    "SHIPPED_NAMES",
    "extract_patches",
    "load_digits",
    "load_image",
    "load_image_folder",
    "load_mnist",
    "read_cifar10",
    "read_idx_images",
    "read_idx_labels",
    "shipped_image",
    "shipped_images",
    "shipped_images_rgb",
    "whiten_olshausen",
]

#: File names of the images shipped with sparsecode (public domain / CC0, see data/README.md).
SHIPPED_NAMES: list[str] = list(_core.shipped_names())
#: Olshausen & Field's cut-off, as a fraction of the Nyquist frequency.
OLSHAUSEN_F0: float = _core.OLSHAUSEN_F0


def shipped_image(name: str, *, threads: int | None = None) -> np.ndarray:
    """One shipped image, grey (H, W) in [0, 1], by file name with or without extension
    (e.g. ``"camera"``); ``ValueError`` for an unknown name."""
    return _core.shipped_image(name, threads=check_threads(threads))


def shipped_images(*, threads: int | None = None) -> dict[str, np.ndarray]:
    """All shipped images, grey, by file name (sorted)."""
    return {n: shipped_image(n, threads=threads) for n in SHIPPED_NAMES}


def shipped_images_rgb(*, threads: int | None = None) -> dict[str, np.ndarray]:
    """The colour shipped images as (H, W, 3) arrays in [0, 1], by file name."""
    return dict(_core.shipped_images_rgb(threads=check_threads(threads)))


def extract_patches(
    image: Any, patch_size: int, stride: int = 1, *, threads: int | None = None
) -> np.ndarray:
    """All ``p×p`` patches whose corners lie on a grid of step ``stride``, as rows of ``p²``
    pixels in raster order (scikit-learn's ``extract_patches_2d(img, (p, p)).reshape(-1, p*p)``
    for ``stride=1``) (``sparsecode::data::extract_patches``)."""
    return _core.extract_patches(
        as_float_matrix(image, "image", dtype=np.float64),
        patch_size,
        stride,
        threads=check_threads(threads),
    )


def whiten_olshausen(
    image: Any, f0_frac: float = OLSHAUSEN_F0, *, threads: int | None = None
) -> np.ndarray:
    """Olshausen & Field (1996) whitening: the image's spectrum multiplied by
    ``f·exp(−(f/f₀)⁴)`` with ``f₀ = f0_frac`` × Nyquist (``sparsecode::data::whiten_olshausen``)."""
    return _core.whiten_olshausen(
        as_float_matrix(image, "image", dtype=np.float64), f0_frac, threads=check_threads(threads)
    )


def load_digits(
    path: str | os.PathLike[str] | None = None, *, threads: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The UCI 8×8 digits, scikit-learn's ``load_digits(return_X_y=True)``: ``X`` (1797, 64)
    float64 in 0..16 and labels (1797,) uint8; embedded, or from a gzip CSV ``path``."""
    return _core.load_digits(
        None if path is None else os.fspath(path), threads=check_threads(threads)
    )


def read_idx_images(path: str | os.PathLike[str], *, threads: int | None = None) -> np.ndarray:
    """An IDX image file (MNIST; gzip or not) as (n, rows, cols) uint8."""
    return _core.read_idx_images(os.fspath(path), threads=check_threads(threads))


def read_idx_labels(path: str | os.PathLike[str], *, threads: int | None = None) -> np.ndarray:
    """An IDX label file as (n,) uint8."""
    return _core.read_idx_labels(os.fspath(path), threads=check_threads(threads))


def load_mnist(
    folder: str | os.PathLike[str], kind: str = "train", *, threads: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """MNIST's ``{kind}-images-idx3-ubyte[.gz]`` and ``{kind}-labels-idx1-ubyte[.gz]`` from
    ``folder`` (``kind`` = ``"train"`` or ``"t10k"``): images (n, 28, 28) and labels, uint8."""
    return _core.load_mnist(os.fspath(folder), kind, threads=check_threads(threads))


def read_cifar10(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], *, threads: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """CIFAR-10 binary batches, concatenated: images (n, 32, 32, 3) channel-last and labels,
    uint8."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    return _core.read_cifar10([os.fspath(p) for p in paths], threads=check_threads(threads))


def load_image(
    path: str | os.PathLike[str], gray: bool = True, *, threads: int | None = None
) -> np.ndarray:
    """A PNG/JPEG file as (H, W) grey or (H, W, 3) colour, float64 in [0, 1]."""
    return _core.load_image(os.fspath(path), gray, threads=check_threads(threads))


def load_image_folder(
    folder: str | os.PathLike[str], gray: bool = True, *, threads: int | None = None
) -> dict[str, np.ndarray]:
    """Every PNG/JPEG image of a folder, by file name (sorted); ``OSError`` for a folder
    without images."""
    return dict(_core.load_image_folder(os.fspath(folder), gray, threads=check_threads(threads)))
