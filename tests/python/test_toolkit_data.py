"""sparsecode.data and sparsecode.io (issue #11 item 5): shipped images, patches, whitening,
digits, MNIST/CIFAR-10 loaders and image files on small files the tests write."""

import gzip
import struct
import zlib

import numpy as np
import pytest
from sparsecode import data, io


def test_shipped_images():
    assert len(data.SHIPPED_NAMES) == 8 and "camera.png" in data.SHIPPED_NAMES
    cam = data.shipped_image("camera")
    assert cam.shape == (512, 512) and cam.dtype == np.float64
    assert 0.0 <= cam.min() and cam.max() <= 1.0 and cam.std() > 0.05
    np.testing.assert_array_equal(data.shipped_image("camera.png"), cam)
    rgb = data.shipped_images_rgb()
    assert len(rgb) == 4 and all(a.ndim == 3 and a.shape[2] == 3 for a in rgb.values())
    # grey = luminance of the colour image
    name = min(rgb)
    lum = rgb[name] @ np.array([0.2989, 0.5870, 0.1140])
    np.testing.assert_allclose(data.shipped_image(name), lum, atol=1e-9)
    with pytest.raises(ValueError):
        data.shipped_image("nonexistent")


def test_patches_match_sklearn():
    from sklearn.feature_extraction.image import extract_patches_2d

    img = np.random.default_rng(0).random((13, 11))
    got = data.extract_patches(img, 4)
    np.testing.assert_array_equal(got, extract_patches_2d(img, (4, 4)).reshape(-1, 16))
    strided = data.extract_patches(img, 4, stride=3)
    assert strided.shape == (4 * 3, 16)
    np.testing.assert_array_equal(strided[1], img[0:4, 3:7].ravel())
    with pytest.raises(ValueError):
        data.extract_patches(img, 14)


def test_whitening_flattens_the_spectrum():
    img = data.shipped_image("grass")[:256, :256]
    w = data.whiten_olshausen(img)
    assert w.shape == img.shape and np.all(np.isfinite(w))
    assert abs(w.mean()) < 1e-6 * max(1.0, np.abs(w).max())

    def low_high(a):
        f = np.abs(np.fft.fft2(a - a.mean())) ** 2
        fy, fx = np.meshgrid(np.fft.fftfreq(a.shape[0]), np.fft.fftfreq(a.shape[1]), indexing="ij")
        r = np.hypot(fy, fx)
        return f[(r > 0.02) & (r < 0.05)].mean() / f[(r > 0.15) & (r < 0.2)].mean()

    # natural images have a 1/f² spectrum; whitening raises the high frequencies
    assert low_high(w) < 0.1 * low_high(img)
    with pytest.raises(ValueError):
        data.whiten_olshausen(img, 0.0)


def test_digits_are_sklearns():
    from sklearn.datasets import load_digits

    x, y = data.load_digits()
    ref = load_digits()
    np.testing.assert_array_equal(x, ref.data)
    np.testing.assert_array_equal(y, ref.target)
    assert y.dtype == np.uint8


def _idx_images(a):
    return struct.pack(">IIII", 2051, *a.shape) + a.astype(np.uint8).tobytes()


def _idx_labels(l):
    return struct.pack(">II", 2049, len(l)) + np.asarray(l, np.uint8).tobytes()


def test_mnist(tmp_path):
    imgs = np.random.default_rng(1).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    labels = [3, 1, 4, 1, 5]
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(_idx_images(imgs)))
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(_idx_labels(labels))
    x, y = data.load_mnist(tmp_path, "train")
    np.testing.assert_array_equal(x, imgs)
    np.testing.assert_array_equal(y, labels)
    np.testing.assert_array_equal(
        data.read_idx_labels(tmp_path / "train-labels-idx1-ubyte"), labels
    )
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(_idx_images(imgs)[:-10])
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(_idx_labels(labels))
    with pytest.raises(OSError):
        data.load_mnist(tmp_path, "t10k")
    with pytest.raises(OSError):
        data.read_idx_images(tmp_path / "train-labels-idx1-ubyte")  # wrong magic
    with pytest.raises(OSError):
        data.load_mnist(tmp_path / "missing")


def test_cifar10(tmp_path):
    rng = np.random.default_rng(2)
    planes = rng.integers(0, 256, (3, 3, 32, 32), dtype=np.uint8)  # n, channel, row, col
    raw = b"".join(bytes([lab]) + planes[i].tobytes() for i, lab in enumerate([7, 0, 9]))
    (tmp_path / "data_batch_1.bin").write_bytes(raw)
    (tmp_path / "data_batch_2.bin").write_bytes(raw[:3073])
    x, y = data.read_cifar10([tmp_path / "data_batch_1.bin", tmp_path / "data_batch_2.bin"])
    assert x.shape == (4, 32, 32, 3) and x.dtype == np.uint8
    np.testing.assert_array_equal(x[:3], planes.transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(y, [7, 0, 9, 7])
    (tmp_path / "bad.bin").write_bytes(raw[:-1])
    with pytest.raises(OSError):
        data.read_cifar10(tmp_path / "bad.bin")


def _png_gray(a):
    """A minimal 8-bit greyscale PNG."""

    def chunk(kind, body):
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    h, w = a.shape
    raw = b"".join(b"\x00" + a[r].astype(np.uint8).tobytes() for r in range(h))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_image_files(tmp_path):
    a = np.random.default_rng(3).integers(0, 256, (6, 9), dtype=np.uint8)
    (tmp_path / "b.png").write_bytes(_png_gray(a))
    (tmp_path / "a.png").write_bytes(_png_gray(a[::-1]))
    (tmp_path / "notes.txt").write_text("not an image")
    np.testing.assert_allclose(data.load_image(tmp_path / "b.png"), a / 255.0, atol=1e-12)
    folder = data.load_image_folder(tmp_path)
    assert list(folder) == ["a.png", "b.png"]
    np.testing.assert_allclose(folder["a.png"], a[::-1] / 255.0, atol=1e-12)
    (tmp_path / "c.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    with pytest.raises((OSError, ValueError)):
        data.load_image(tmp_path / "c.png")
    with pytest.raises(OSError):
        data.load_image_folder(tmp_path / "empty-missing")


def test_io_npy_npz(tmp_path):
    a = np.arange(24, dtype=np.int32).reshape(2, 3, 4)
    np.save(tmp_path / "a.npy", a)
    got = io.read_npy(tmp_path / "a.npy")
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, a)
    np.savez_compressed(tmp_path / "z.npz", x=np.eye(3, dtype=np.float32), y=np.arange(4))
    z = io.read_npz(tmp_path / "z.npz")
    assert sorted(z) == ["x", "y"]
    np.testing.assert_array_equal(z["x"], np.eye(3))
    (tmp_path / "t.npy").write_bytes((tmp_path / "a.npy").read_bytes()[:-8])
    with pytest.raises(OSError):
        io.read_npy(tmp_path / "t.npy")
    with pytest.raises(OSError):
        io.read_npz(tmp_path / "missing.npz")
    assert io.read_record is not None and io.read_dictionary is not None
