"""sparsecode.torch: the custom op ``sparsecode::batch_omp`` (agreement with the library, dtypes,
opcheck, gradient, errors) and the LASER-style bottlenecks (shapes, dtypes, straight-through,
training-mode updates only, dead-atom revival, state_dict, and a tiny conv autoencoder trained on
the shipped real images whose loss falls with each bottleneck)."""

import os

import numpy as np
import pytest

if os.environ.get("SPARSECODE_REQUIRE_TORCH") == "1":  # set by scripts/test-python.sh
    import torch
else:
    torch = pytest.importorskip("torch", reason="torch is installed by scripts/test-python.sh")

from sparsecode import encode
from sparsecode.data import shipped_images_rgb
from sparsecode.torch import (
    DictionaryBottleneck,
    KSVDBottleneck,
    VectorQuantizer,
    batch_omp,
)

torch.manual_seed(0)


def unit(d):
    return d / d.norm(dim=1, keepdim=True)


def problem(n=50, k=40, d=16, dtype=torch.float64, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=g, dtype=dtype)
    dic = unit(torch.randn(k, d, generator=g, dtype=dtype))
    return x, dic


# --- the op ----------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_batch_omp_is_the_library_omp_and_keeps_the_dtype(dtype):
    x, dic = problem(dtype=dtype)
    codes = batch_omp(x, dic, 4)
    assert codes.dtype == dtype and codes.shape == (50, 40)
    assert ((codes != 0).sum(dim=1) == 4).all()
    ref = encode.omp(x.numpy(), dic.numpy(), n_nonzero=4, normalize=False)
    np.testing.assert_array_equal(codes.numpy(), ref)
    # same through the dispatcher, and for a strided (transposed-view) input
    np.testing.assert_array_equal(torch.ops.sparsecode.batch_omp(x, dic, 4).numpy(), ref)
    xt = x.T.contiguous().T
    assert not xt.is_contiguous()
    np.testing.assert_array_equal(batch_omp(xt, dic, 4, threads=1).numpy(), ref)


def test_batch_omp_codes_are_least_squares_on_their_support():
    x, dic = problem()
    codes = batch_omp(x, dic, 3)
    for i in range(5):
        s = codes[i].nonzero().squeeze(1)
        ls = torch.linalg.lstsq(dic[s].T, x[i].unsqueeze(1)).solution.squeeze(1)
        torch.testing.assert_close(codes[i, s], ls)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("grad", [False, True])
def test_opcheck(dtype, grad):
    x, dic = problem(n=12, k=10, d=6, dtype=dtype)
    x.requires_grad_(grad)
    dic.requires_grad_(grad)
    torch.library.opcheck(torch.ops.sparsecode.batch_omp.default, (x, dic, 3))
    torch.library.opcheck(torch.ops.sparsecode.batch_omp.default, (x, dic, 2), {"threads": 1})


def test_fake_kernel_gives_the_shape():
    from torch._subclasses.fake_tensor import FakeTensorMode

    with FakeTensorMode():
        x = torch.empty(7, 5)
        d = torch.empty(11, 5)
        out = torch.ops.sparsecode.batch_omp(x, d, 2)
        assert out.shape == (7, 11) and out.dtype == torch.float32
        with pytest.raises(ValueError, match="features"):
            torch.ops.sparsecode.batch_omp(x, torch.empty(11, 4), 2)


def test_gradient_is_that_of_least_squares_on_the_support():
    # the support does not change under gradcheck's tiny steps; the unit-norm check has slack
    x, dic = problem(n=6, k=8, d=5)
    x.requires_grad_()
    dic.requires_grad_()
    assert torch.autograd.gradcheck(lambda a, b: batch_omp(a, b, 2), (x, dic))


def test_batch_omp_errors():
    x, dic = problem()
    with pytest.raises(ValueError, match="2-D"):
        batch_omp(x[0], dic, 2)
    with pytest.raises(ValueError, match="features"):
        batch_omp(x[:, :5], dic, 2)
    with pytest.raises(ValueError, match="float32 or both float64"):
        batch_omp(x.float(), dic, 2)
    with pytest.raises(ValueError, match="float32 or both float64"):
        batch_omp(x.to(torch.int64), dic.to(torch.int64), 2)
    with pytest.raises(ValueError, match="n_nonzero"):
        batch_omp(x, dic, 0)
    with pytest.raises(ValueError, match="exceeds"):
        batch_omp(x, dic, 17)
    with pytest.raises(ValueError, match="unit norm"):
        batch_omp(x, 2 * dic, 2)
    bad = x.clone()
    bad[3, 2] = float("nan")
    with pytest.raises(ValueError, match="(?i)nan"):
        batch_omp(bad, dic, 2)
    bad = dic.clone()
    bad[1, 1] = float("inf")
    with pytest.raises(ValueError, match="(?i)nan|inf"):
        batch_omp(x, bad, 2)


# --- the bottlenecks -------------------------------------------------------------------------


def bottlenecks(k=32, c=8, s=3, patch=1):
    return {
        "dl-online": DictionaryBottleneck(k, c, s, patch_size=patch),
        "dl-laser": DictionaryBottleneck(k, c, s, patch_size=patch, update="laser"),
        "dl-backprop": DictionaryBottleneck(k, c, s, patch_size=patch, update="backprop"),
        "ksvd": KSVDBottleneck(k, c, s, patch_size=patch),
        "vq": VectorQuantizer(k, c, patch_size=patch),
        "vq-ema": VectorQuantizer(k, c, patch_size=patch, decay=0.99),
    }


def atoms_of(m):
    return (m.codebook if isinstance(m, VectorQuantizer) else m.dictionary).detach().clone()


@pytest.mark.parametrize("patch", [1, 2])
@pytest.mark.parametrize("name", list(bottlenecks()))
def test_shapes_codes_and_straight_through(name, patch):
    m = bottlenecks(patch=patch)[name]
    z = torch.randn(3, 8, 4, 6, requires_grad=True)
    z_q, loss, codes = m(z)
    n_tokens = 3 * 4 * 6 // patch**2
    assert z_q.shape == z.shape and z_q.dtype == z.dtype
    assert codes.shape == (n_tokens, 32)
    nnz = (codes != 0).sum(dim=1)
    assert (nnz <= (1 if name.startswith("vq") else 3)).all() and (nnz >= 1).all()
    assert loss.dim() == 0 and torch.isfinite(loss)
    # the output is the reconstruction from the codes
    if not name.startswith("vq"):
        rec = m._image(codes @ m.atoms, (3, 8, 4, 6))
    else:
        rec = m._image(m.codebook.detach()[codes.argmax(dim=1)], (3, 8, 4, 6))
        assert m.last_indices.shape == (3, 4 // patch, 6 // patch)
        assert 1 <= float(m.perplexity) <= 32
    torch.testing.assert_close(z_q.detach(), rec)
    # straight-through: z_q passes the gradient to z unchanged
    z.grad = None
    (z_q * 3.0).sum().backward()
    torch.testing.assert_close(z.grad, torch.full_like(z, 3.0))


@pytest.mark.parametrize("name", list(bottlenecks()))
def test_training_mode_updates_and_eval_mode_does_not(name):
    m = bottlenecks()[name]
    z = torch.randn(4, 8, 6, 6)
    before = atoms_of(m)
    m.train()
    m(z)
    trained = atoms_of(m)
    if name in ("dl-backprop", "vq"):  # learned by the optimiser, not in forward
        assert torch.equal(before, trained)
    else:
        assert not torch.equal(before, trained)
    if not name.startswith("vq"):  # unit-norm atoms stay unit-norm
        torch.testing.assert_close(m.atoms.norm(dim=1), torch.ones(32))
    m.eval()
    state = {k: v.clone() for k, v in m.state_dict().items() if isinstance(v, torch.Tensor)}
    with torch.no_grad():
        _, _, c1 = m(z)
        _, _, c2 = m(z)
    torch.testing.assert_close(c1, c2)
    for k, v in m.state_dict().items():
        if isinstance(v, torch.Tensor):
            assert torch.equal(v, state[k]), f"{name}: {k} changed in eval mode"


@pytest.mark.parametrize("name", list(bottlenecks()))
def test_dtype_is_preserved(name):
    m = bottlenecks()[name].double()
    z = torch.randn(2, 8, 4, 4, dtype=torch.float64)
    z_q, loss, codes = m(z)
    assert z_q.dtype == loss.dtype == codes.dtype == torch.float64
    # a float32 module on float64 input: computes in float64, returns float64
    m32 = bottlenecks()[name]
    z_q, loss, _ = m32(z)
    assert z_q.dtype == loss.dtype == torch.float64
    # half precision input is coded in float32 and returned in half precision
    z_q, _, _ = m32(z.to(torch.bfloat16))
    assert z_q.dtype == torch.bfloat16


@pytest.mark.parametrize("name", list(bottlenecks()))
def test_bottleneck_errors(name):
    m = bottlenecks(patch=2)[name]
    with pytest.raises(ValueError, match=r"\(B, C, H, W\)"):
        m(torch.randn(8, 4, 4))
    with pytest.raises(ValueError, match="channels"):
        m(torch.randn(1, 7, 4, 4))
    with pytest.raises(ValueError, match="multiples of patch_size"):
        m(torch.randn(1, 8, 5, 4))
    z = torch.randn(1, 8, 4, 4)
    z[0, 1, 2, 3] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        m(z)
    with pytest.raises(ValueError, match="floating-point"):
        m(torch.ones(1, 8, 4, 4, dtype=torch.int64))


def test_constructor_errors():
    with pytest.raises(ValueError, match="sparsity_level"):
        DictionaryBottleneck(16, 4, 5)
    with pytest.raises(ValueError, match="update"):
        DictionaryBottleneck(16, 8, 2, update="sgd")
    with pytest.raises(ValueError, match="num_embeddings"):
        VectorQuantizer(0, 8)
    with pytest.raises(ValueError, match="decay"):
        VectorQuantizer(8, 8, decay=1.0)
    with pytest.raises(ValueError, match="method"):
        KSVDBottleneck(16, 8, 2, method="mod")
    with pytest.raises(ValueError, match="commitment_cost"):
        DictionaryBottleneck(16, 8, 2, commitment_cost=-1.0)


@pytest.mark.parametrize("name", ["dl-online", "dl-laser", "dl-backprop", "vq", "vq-ema"])
def test_dead_atoms_are_revived_in_training_only(name):
    m = bottlenecks()[name]
    z = torch.randn(2, 8, 4, 4)
    with torch.no_grad():
        m.usage[:5] = 0.0
    m.eval()
    m(z)
    assert m.revived == 0
    m.train()
    before = atoms_of(m)
    m(z)
    assert m.revived == 5
    after = atoms_of(m)
    assert not torch.equal(before[:5], after[:5])
    if not name.startswith("vq"):
        torch.testing.assert_close(m.atoms.norm(dim=1), torch.ones(32))


class Spy:
    """Counts the __setstate__ calls of a wrapped OnlineLearner (a final class)."""

    def __init__(self, inner):
        self.inner, self.resets = inner, []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def __reduce__(self):
        return self.inner.__reduce__()

    def __setstate__(self, state):
        self.resets.append(state)
        self.inner.__setstate__(state)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_the_online_learner_keeps_its_statistics_and_resets_only_revived_atoms(dtype):
    m = DictionaryBottleneck(32, 8, 3).to(dtype)
    z = torch.randn(2, 8, 4, 4, generator=torch.Generator().manual_seed(5), dtype=dtype)
    m(z)
    m._learner = spy = Spy(m._learner)
    m(z)
    assert spy.resets == [] and spy.iteration == 2  # an ordinary step touches no state
    with torch.no_grad():
        m.usage[[1, 7]] = 0.0
    m(z)
    assert m.revived == 2 and spy.iteration == 3 and len(spy.resets) == 1
    state = spy.resets[0]
    assert (state["stat_a"][[1, 7]] == 0).all() and (state["stat_b"][[1, 7]] == 0).all()
    assert (state["stat_a"][0] != 0).any()  # the others keep theirs
    # the learner's atoms are the module's dictionary after the step (in its dtype)
    np.testing.assert_array_equal(
        torch.from_numpy(spy.atoms).to(dtype).numpy(), m.dictionary.numpy()
    )


def test_online_learner_state_travels_in_the_state_dict():
    a = DictionaryBottleneck(32, 8, 3)
    z = [torch.randn(2, 8, 4, 4, generator=torch.Generator().manual_seed(i)) for i in range(3)]
    a(z[0])
    a(z[1])
    b = DictionaryBottleneck(32, 8, 3)
    b.load_state_dict(a.state_dict())
    _, _, ca = a(z[2])
    _, _, cb = b(z[2])
    torch.testing.assert_close(ca, cb)
    torch.testing.assert_close(a.dictionary, b.dictionary)


# --- a LASER-style conv autoencoder on real images -------------------------------------------


def real_crops(n=96, size=32, seed=0):
    """Random 32×32 RGB crops of the shipped colour photographs, in [-0.5, 0.5]."""
    rng = np.random.default_rng(seed)
    images = list(shipped_images_rgb().values())
    out = np.empty((n, 3, size, size), dtype=np.float32)
    for i in range(n):
        im = images[i % len(images)]
        r = rng.integers(0, im.shape[0] - size)
        c = rng.integers(0, im.shape[1] - size)
        out[i] = im[r : r + size, c : c + size].transpose(2, 0, 1) - 0.5
    return torch.from_numpy(out)


@pytest.fixture
def one_torch_thread():
    """Small networks: one PyTorch thread (a thread team on busy CI cores is many times slower)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


class TinyAutoencoder(torch.nn.Module):
    def __init__(self, bottleneck, channels=16):
        super().__init__()
        nn = torch.nn
        self.encoder = nn.Sequential(
            nn.Conv2d(3, 32, 4, 2, 1), nn.ReLU(), nn.Conv2d(32, channels, 4, 2, 1)
        )
        self.bottleneck = bottleneck
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(channels, 32, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(32, 3, 4, 2, 1)
        )

    def forward(self, x):
        z_q, loss, codes = self.bottleneck(self.encoder(x))
        return self.decoder(z_q), loss, codes


@pytest.mark.parametrize("name", ["dl-online", "dl-laser", "dl-backprop", "ksvd", "vq", "vq-ema"])
def test_tiny_autoencoder_on_real_images_learns(name, one_torch_thread):
    torch.manual_seed(0)
    data = real_crops()
    bottleneck = bottlenecks(k=64, c=16, s=4)[name]
    model = TinyAutoencoder(bottleneck)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    losses = []
    for step in range(40):
        batch = data[(step * 16) % 96 : (step * 16) % 96 + 16]
        out, b_loss, _ = model(batch)
        rec = torch.nn.functional.mse_loss(out, batch)
        opt.zero_grad()
        (rec + b_loss).backward()
        opt.step()
        losses.append(float(rec.detach()))
    first, last = np.mean(losses[:5]), np.mean(losses[-5:])
    assert last < 0.6 * first, f"{name}: reconstruction MSE {first:.4f} -> {last:.4f}"
    model.eval()
    with torch.no_grad():
        out, _, codes = model(data[:16])
    assert torch.isfinite(out).all() and codes.shape[0] == 16 * 8 * 8
