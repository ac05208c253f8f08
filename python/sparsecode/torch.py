"""PyTorch front end: the custom op ``sparsecode::batch_omp`` and LASER-style bottlenecks.

LASER (github.com/helloimlixin/laser; ``docs/seed-notes.md`` §3) replaces the vector quantiser
of a VQ-VAE by a sparse code over a learned dictionary: each latent token ``z`` (a channel
vector, or a ``p×p`` patch of channels) becomes ``ẑ = a·D̂`` with ``‖a‖₀ ≤ S`` found by
orthogonal matching pursuit on the unit-norm atoms ``D̂``. This module gives

:func:`batch_omp`
    ``torch.ops.sparsecode.batch_omp``: Batch-OMP (Rubinstein, Zibulevsky & Elad 2008) of the
    Rust library on tokens ``X`` (n, d) with a dictionary ``D`` (K, d), as a
    ``torch.library.custom_op`` (fake/meta kernel for ``torch.compile``, autograd on the
    selected support).
:class:`DictionaryBottleneck`
    Batch-OMP codes; the dictionary is learned online in training mode (the library's online
    learner, LASER's update rule, or back-propagation).
:class:`KSVDBottleneck`
    Batch-OMP codes; the dictionary is updated by the library's K-SVD in training mode.
:class:`VectorQuantizer`
    Nearest atom (van den Oord et al. 2017), with a loss-based or EMA codebook.

All three take a latent ``z`` (B, C, H, W) and return ``(z_q, loss, codes)`` as LASER's
bottlenecks do: ``z_q`` of ``z``'s shape and dtype with the straight-through estimator
``z_q = z + sg(ẑ − z)``, the bottleneck loss
``dictionary_weight·MSE(ẑ, sg z) + commitment_cost·MSE(sg ẑ, z)``, and the codes
(n_tokens, K), one row per token, tokens ordered as ``(b, h, w)`` (for patches: patch rows in
``torch.nn.functional.unfold`` order). ⚠ LASER returns its codes transposed, (K, n_tokens);
take ``codes.T`` where LASER code expects that. The vector quantiser's codes are one-hot rows.
Dictionary and codebook updates and dead-atom revival happen in training mode only; in eval
mode the bottlenecks change nothing.

Threads: the library's (``threads=``, :func:`sparsecode.set_num_threads`) and PyTorch's
(``torch.set_num_threads``) take turns, they do not run at once, so both can be the number of
cores. On cores busy with other work PyTorch's thread team waits at every operation (measured on
two busy cores: small training steps 10–40× slower with two threads than with one); one thread
each is then faster.

Needs ``torch`` (``pip install 'sparsecode[torch]'``).
"""

# No `from __future__ import annotations` here: torch.library.custom_op reads the op's schema
# from the kernel's annotations as objects.
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from sparsecode import _core
from sparsecode.learn import fit_dictionary

__all__ = [
    "DictionaryBottleneck",
    "KSVDBottleneck",
    "VectorQuantizer",
    "batch_omp",
]

_FLOATS = (torch.float32, torch.float64)
_UNIT_TOL = 1e-3


# --- the op -------------------------------------------------------------------------------


def _check_op(x: torch.Tensor, dictionary: torch.Tensor, n_nonzero: int) -> None:
    """Shape, dtype and device checks that need no data (shared by the real and fake kernels)."""
    if x.dim() != 2:
        raise ValueError(f"X must be 2-D (n_tokens, n_features), got shape {tuple(x.shape)}")
    if dictionary.dim() != 2:
        raise ValueError(
            f"dictionary must be 2-D (n_atoms, n_features), got shape {tuple(dictionary.shape)}"
        )
    if x.shape[1] != dictionary.shape[1]:
        raise ValueError(
            f"X has {x.shape[1]} features but the dictionary's atoms have {dictionary.shape[1]} "
            f"(X is (n_tokens, n_features), the dictionary (n_atoms, n_features))"
        )
    if x.dtype not in _FLOATS or dictionary.dtype != x.dtype:
        raise ValueError(
            f"X and dictionary must both be float32 or both float64, got {x.dtype} and "
            f"{dictionary.dtype}"
        )
    if x.device != dictionary.device:
        raise ValueError(f"X is on {x.device} but the dictionary on {dictionary.device}")
    if (
        isinstance(n_nonzero, bool)
        or not isinstance(n_nonzero, (int, torch.SymInt))
        or n_nonzero < 1
    ):
        raise ValueError(f"n_nonzero must be a positive integer, got {n_nonzero!r}")
    if n_nonzero > min(dictionary.shape[0], dictionary.shape[1]):
        raise ValueError(
            f"n_nonzero = {n_nonzero} exceeds min(n_atoms, n_features) = "
            f"{min(dictionary.shape[0], dictionary.shape[1])}"
        )


def _as_numpy(t: torch.Tensor) -> np.ndarray:
    """A CPU tensor's data as numpy without a copy (strided views are read in place)."""
    return t.detach().resolve_conj().resolve_neg().numpy()


@torch.library.custom_op("sparsecode::batch_omp", mutates_args=())
def _batch_omp_op(
    x: torch.Tensor, dictionary: torch.Tensor, n_nonzero: int, threads: int | None = None
) -> torch.Tensor:
    """The CPU/CUDA kernel of ``sparsecode::batch_omp``; see :func:`batch_omp`."""
    _check_op(x, dictionary, n_nonzero)
    if threads is not None and threads < 1:
        raise ValueError(f"threads must be a positive integer or None, got {threads!r}")
    device = x.device
    xc, dc = x.detach(), dictionary.detach()
    if device.type != "cpu":
        xc, dc = xc.cpu(), dc.cpu()
    if dc.shape[0] and not torch.allclose(
        dc.norm(dim=1), torch.ones((), dtype=dc.dtype), atol=_UNIT_TOL, rtol=0.0
    ):
        if not torch.isfinite(dc).all():
            raise ValueError("the dictionary contains NaN or inf")
        raise ValueError(
            "the dictionary's rows must have unit norm (divide by dictionary.norm(dim=1, "
            "keepdim=True))"
        )
    codes, _ = _core.omp(
        _as_numpy(xc), _as_numpy(dc), n_nonzero=n_nonzero, normalize=False, threads=threads
    )
    out = torch.from_numpy(codes)
    return out if device.type == "cpu" else out.to(device)


@_batch_omp_op.register_fake
def _batch_omp_fake(
    x: torch.Tensor, dictionary: torch.Tensor, n_nonzero: int, threads: int | None = None
) -> torch.Tensor:
    _check_op(x, dictionary, n_nonzero)
    return x.new_empty((x.shape[0], dictionary.shape[0]))


def _batch_omp_setup(ctx: Any, inputs: tuple, output: torch.Tensor) -> None:
    x, dictionary, n_nonzero = inputs[0], inputs[1], inputs[2]
    ctx.save_for_backward(x, dictionary, output)
    ctx.width = n_nonzero


def _batch_omp_backward(ctx: Any, grad: torch.Tensor) -> tuple:
    x, dictionary, codes = ctx.saved_tensors
    need_x, need_d = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
    # the support, padded with unused slots where a token has fewer than n_nonzero atoms (its
    # residual vanished); the width is the op's argument, so no data-dependent shape
    vals, idx = codes.abs().topk(ctx.width, dim=1)
    on = vals > 0
    a_s = codes.gather(1, idx) * on
    g_s = grad.gather(1, idx) * on
    d_s = dictionary[idx] * on.unsqueeze(-1)  # (n, width, d); padded slots are zero rows
    gram = d_s @ d_s.transpose(1, 2) + torch.diag_embed((~on).to(x.dtype))
    u = torch.linalg.solve(gram, g_s.unsqueeze(-1)).squeeze(-1)  # zero on padded slots
    u_d = (u.unsqueeze(-1) * d_s).sum(dim=1)  # ∂L/∂x
    gx = u_d if need_x else None
    gd = None
    if need_d:
        resid = x - (a_s.unsqueeze(-1) * d_s).sum(dim=1)
        per = u.unsqueeze(-1) * resid.unsqueeze(1) - a_s.unsqueeze(-1) * u_d.unsqueeze(1)
        gd = torch.zeros_like(dictionary).index_add_(
            0, idx.reshape(-1), per.reshape(-1, per.shape[-1])
        )
    return gx, gd, None, None


_batch_omp_op.register_autograd(_batch_omp_backward, setup_context=_batch_omp_setup)


def batch_omp(
    x: torch.Tensor, dictionary: torch.Tensor, n_nonzero: int, *, threads: int | None = None
) -> torch.Tensor:
    """Batch-OMP codes of tokens on a unit-norm dictionary, by the Rust library.

    Per token ``x`` (a row of ``X``) greedily selects ``n_nonzero`` atoms (the one most
    correlated with the residual, never one already selected) and returns the least-squares
    coefficients on them: ``min ‖x − a·D‖²`` s.t. ``‖a‖₀ ≤ n_nonzero`` (Batch-OMP of
    Rubinstein, Zibulevsky & Elad 2008, ``sparsecode::encode`` via :func:`sparsecode.encode.omp`
    with ``normalize=False``). The algorithm of LASER's bottleneck (exactly S atoms, no
    re-selection, least-squares refit).

    Parameters
    ----------
    x : Tensor (n_tokens, n_features), float32 or float64
    dictionary : Tensor (n_atoms, n_features), same dtype and device
        Atoms as rows, each of unit norm (``ValueError`` otherwise).
    n_nonzero : int
        Atoms per token, ``1 ≤ n_nonzero ≤ min(n_atoms, n_features)``.
    threads : int, optional
        Worker threads of the call (default: :func:`sparsecode.set_num_threads`).

    Returns
    -------
    codes : Tensor (n_tokens, n_atoms), dtype and device of ``x``, ``x ≈ codes @ dictionary``.

    Notes
    -----
    CPU tensors are handed to the library without a copy (``Tensor.numpy()``) and the codes come
    back without one (``torch.from_numpy``); the library copies the dictionary once (it owns the
    atoms and their Gram matrix). CUDA tensors are copied to the CPU, coded there and the codes
    copied back: ``n·d + K·d`` values down and ``n·K`` values up. At n = 65,536 tokens, d = 64,
    K = 512 in float32 that is 17 MB down and 134 MB up — about 1–15 ms at the 10–25 GB/s of a
    PCIe 4/5 link, an estimate: no GPU was available to measure it — against 0.31–0.36 s of
    coding on two CPU cores (measured, AMD EPYC; ``bench/results/torch.md``).

    Autograd: the support is piecewise constant, so the gradient is that of the least-squares
    coefficients on the selected support ``S``, ``a_S = (D_S D_Sᵀ)⁻¹ D_S x``: with
    ``u = (D_S D_Sᵀ)⁻¹ ∂L/∂a_S``, ``∂L/∂x = u·D_S`` and
    ``∂L/∂D_S = u ⊗ (x − a_S·D_S) − a_S ⊗ (u·D_S)``. The bottlenecks below do not use it: as in
    LASER, they treat the codes as constants and get the dictionary's gradient from
    ``codes @ D`` recomputed in torch.

    Raises ``ValueError`` for wrong shapes, dtypes, devices, non-unit atoms, NaN/inf.
    """
    return torch.ops.sparsecode.batch_omp(x, dictionary, n_nonzero, threads)


# --- shared parts of the bottlenecks ---------------------------------------------------------


def _pos_int(v: Any, name: str) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise ValueError(f"{name} must be a positive integer, got {v!r}")
    return int(v)


def _nonneg(v: Any, name: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not (v >= 0 and np.isfinite(v)):
        raise ValueError(f"{name} must be a finite number >= 0, got {v!r}")
    return float(v)


def _normalized(d: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    return d / d.norm(dim=1, keepdim=True).clamp_min(eps)


class _Bottleneck(nn.Module):
    """Tokenisation, losses, straight-through estimator, usage tracking and dead-atom revival
    shared by the three bottlenecks."""

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        *,
        commitment_cost: float,
        dictionary_weight: float,
        patch_size: int,
        revive_threshold: float,
        usage_decay: float,
        per_token: int,
        seed: int,
    ) -> None:
        super().__init__()
        self.num_embeddings = _pos_int(num_embeddings, "num_embeddings")
        self.embedding_dim = _pos_int(embedding_dim, "embedding_dim")
        self.patch_size = _pos_int(patch_size, "patch_size")
        self.atom_dim = self.embedding_dim * self.patch_size**2
        self.commitment_cost = _nonneg(commitment_cost, "commitment_cost")
        self.dictionary_weight = _nonneg(dictionary_weight, "dictionary_weight")
        self.revive_threshold = _nonneg(revive_threshold, "revive_threshold")
        self.usage_decay = _nonneg(usage_decay, "usage_decay")
        if self.usage_decay >= 1:
            raise ValueError(f"usage_decay must be in [0, 1), got {usage_decay!r}")
        self._per_token = per_token
        self._gen = torch.Generator().manual_seed(int(seed))
        # fraction of tokens using each atom, exponential moving average (training only)
        self.register_buffer(
            "usage", torch.full((self.num_embeddings,), per_token / self.num_embeddings)
        )
        self.revived = 0  # atoms revived so far

    # tokens ---------------------------------------------------------------------------------
    def _tokens(self, z: torch.Tensor) -> tuple[torch.Tensor, tuple, torch.dtype]:
        if not isinstance(z, torch.Tensor):
            raise TypeError(f"z must be a torch.Tensor, got {type(z).__name__}")
        if z.dim() != 4:
            raise ValueError(f"z must be (B, C, H, W), got shape {tuple(z.shape)}")
        b, c, h, w = z.shape
        p = self.patch_size
        if c != self.embedding_dim:
            raise ValueError(f"z has {c} channels, the bottleneck expects {self.embedding_dim}")
        if h % p or w % p or b * h * w == 0:
            raise ValueError(
                f"z's height and width must be positive multiples of patch_size = {p}, "
                f"got shape {tuple(z.shape)}"
            )
        if not z.is_floating_point():
            raise ValueError(f"z must be a floating-point tensor, got {z.dtype}")
        cdt = z.dtype if z.dtype in _FLOATS else torch.float32  # half/bf16 coded in float32
        zc = z.to(cdt)
        if p == 1:
            tok = zc.permute(0, 2, 3, 1).reshape(-1, c)
        else:
            tok = F.unfold(zc, p, stride=p).transpose(1, 2).reshape(-1, self.atom_dim)
        if not torch.isfinite(tok.abs().amax()):  # one reduction; amax propagates NaN
            raise ValueError("z contains NaN or inf")
        return tok, (b, c, h, w), cdt

    def _image(self, tok: torch.Tensor, shape: tuple) -> torch.Tensor:
        b, c, h, w = shape
        p = self.patch_size
        if p == 1:
            return tok.reshape(b, h, w, c).permute(0, 3, 1, 2)
        cols = tok.reshape(b, -1, self.atom_dim).transpose(1, 2)
        return F.fold(cols, (h, w), p, stride=p)

    def _finish(
        self, z: torch.Tensor, tok: torch.Tensor, zq_tok: torch.Tensor, shape: tuple
    ) -> tuple[torch.Tensor, torch.Tensor]:
        loss = self.dictionary_weight * F.mse_loss(
            zq_tok, tok.detach()
        ) + self.commitment_cost * F.mse_loss(zq_tok.detach(), tok)
        zq = self._image(zq_tok, shape).to(z.dtype)
        return z + (zq - z).detach(), loss  # straight-through estimator

    # usage and revival ----------------------------------------------------------------------
    @torch.no_grad()
    def _track_usage(self, codes: torch.Tensor) -> None:
        frac = (codes != 0).sum(dim=0).to(self.usage) / max(1, codes.shape[0])
        self.usage.mul_(self.usage_decay).add_(frac, alpha=1 - self.usage_decay)

    @torch.no_grad()
    def _dead(self) -> torch.Tensor:
        expected = self._per_token / self.num_embeddings
        return self.usage < self.revive_threshold * expected

    @torch.no_grad()
    def _revive(self, tok: torch.Tensor) -> None:
        """Replaces the dead atoms (:meth:`_dead`) by tokens of the batch (:meth:`_replace`) and
        restarts their usage at the expected fraction."""
        dead = self._dead()
        count = int(dead.sum())
        if count == 0:
            return
        self._replace(dead, tok, count)
        self.usage[dead] = self._per_token / self.num_embeddings
        self.revived += count

    @torch.no_grad()
    def _replacements(self, tok: torch.Tensor, count: int) -> torch.Tensor:
        """``count`` tokens of the batch (drawn with the module's generator), jittered by 1 % of
        their spread so that two revived atoms differ, as unit-norm atoms."""
        pick = torch.randint(0, tok.shape[0], (count,), generator=self._gen)
        rows = tok[pick.to(tok.device)].detach().clone()
        scale = 0.01 * rows.std(dim=1, keepdim=True).clamp_min(1e-3)
        noise = torch.randn(rows.shape, generator=self._gen, dtype=rows.dtype).to(rows.device)
        return _normalized(rows + scale * noise)

    def extra_repr(self) -> str:
        return (
            f"num_embeddings={self.num_embeddings}, embedding_dim={self.embedding_dim}, "
            f"patch_size={self.patch_size}, commitment_cost={self.commitment_cost}"
        )


# --- the dictionary bottleneck ----------------------------------------------------------------

_UPDATES = ("online", "laser", "backprop", "none")


class DictionaryBottleneck(_Bottleneck):
    """LASER's dictionary-learning bottleneck: Batch-OMP codes over a learned dictionary.

    Each token ``z`` (a channel vector, or a ``patch_size × patch_size`` patch of channels,
    ``d = C·p²``) is coded by :func:`batch_omp` with ``sparsity_level`` atoms on the unit-norm
    dictionary ``D̂ = D/‖D‖``; ``ẑ = a·D̂`` with ``a`` treated as a constant. Objective per
    token ``min_a ‖z − a·D̂‖²`` s.t. ``‖a‖₀ ≤ S``; the dictionary minimises the same squared
    error over the batch. Source: LASER ``src/models/bottleneck.py`` (commit ``cf4c237``,
    ``docs/seed-notes.md`` §3.3): same losses, straight-through estimator and training-mode
    update followed by re-coding.

    Parameters
    ----------
    num_embeddings : int, default 512
        Atoms K.
    embedding_dim : int, default 64
        Channels C of the latent.
    sparsity_level : int, default 5
        Atoms per token S.
    commitment_cost : float, default 0.25
        Weight β of ``MSE(sg ẑ, z)`` (pulls the encoder towards its codes).
    dictionary_weight : float, default 1.0
        Weight of ``MSE(ẑ, sg z)`` (trains the dictionary when ``update='backprop'``).
    patch_size : int, default 1
        Non-overlapping ``p×p`` patches as tokens.
    update : {'online', 'laser', 'backprop', 'none'}, default 'online'
        How the dictionary learns in training mode.

        - ``'online'``: the library's online learner (Mairal, Bach, Ponce & Sapiro 2010,
          ``sparsecode.learn.OnlineLearner.apply_stats``) with the batch's Batch-OMP
          statistics ``AᵀA``, ``AᵀX`` — one block-coordinate pass per step over the
          accumulated statistics (scikit-learn's forgetting factor). Its state travels in
          ``state_dict`` (``get_extra_state``).
        - ``'laser'``: LASER's rule ``D += lr·Aᵀ(X − A·D̂)/usage_k`` then renormalisation,
          ``usage_k = max(1, #tokens using atom k)`` (implemented here in torch: the library
          has no such step).
        - ``'backprop'``: ``D`` is an ``nn.Parameter`` trained by the optimiser through the
          dictionary term of the loss.
        - ``'none'``: a fixed dictionary (a buffer).
    learning_rate : float, default 0.1
        Step of ``update='laser'``.
    revive_threshold : float, default 0.03
        An atom whose usage (moving average of the fraction of tokens using it) falls under
        ``revive_threshold·S/K`` is replaced, in training mode, by a (jittered) token of the
        batch; 0 turns revival off. The online learner's statistics of a revived atom are
        reset.
    usage_decay : float, default 0.99
        Decay of the usage moving average.
    threads : int, optional
        Threads of the library calls.
    seed : int, default 0
        Initial atoms (Gaussian, normalised, as LASER) and revival draws.

    Attributes
    ----------
    dictionary : Tensor (K, C·p²)
        The atoms (not normalised; use :attr:`atoms` for ``D̂``).
    usage : Tensor (K,)
    revived : int
    """

    def __init__(
        self,
        num_embeddings: int = 512,
        embedding_dim: int = 64,
        sparsity_level: int = 5,
        *,
        commitment_cost: float = 0.25,
        dictionary_weight: float = 1.0,
        patch_size: int = 1,
        update: str = "online",
        learning_rate: float = 0.1,
        revive_threshold: float = 0.03,
        usage_decay: float = 0.99,
        threads: int | None = None,
        seed: int = 0,
    ) -> None:
        s = _pos_int(sparsity_level, "sparsity_level")
        super().__init__(
            num_embeddings,
            embedding_dim,
            commitment_cost=commitment_cost,
            dictionary_weight=dictionary_weight,
            patch_size=patch_size,
            revive_threshold=revive_threshold,
            usage_decay=usage_decay,
            per_token=s,
            seed=seed,
        )
        if s > min(self.num_embeddings, self.atom_dim):
            raise ValueError(
                f"sparsity_level = {s} exceeds min(num_embeddings, embedding_dim·patch_size²) = "
                f"{min(self.num_embeddings, self.atom_dim)}"
            )
        if update not in _UPDATES:
            raise ValueError(f"update must be one of {_UPDATES}, got {update!r}")
        self.sparsity_level = s
        self.update = update
        self.learning_rate = _nonneg(learning_rate, "learning_rate")
        self.threads = None if threads is None else _pos_int(threads, "threads")
        init = torch.randn(self.num_embeddings, self.atom_dim, generator=self._gen)
        init = _normalized(init)
        if update == "backprop":
            self.dictionary = nn.Parameter(init)
        else:
            self.register_buffer("dictionary", init)
        self._learner: Any = None
        self._learner_atoms: torch.Tensor | None = None

    @property
    def atoms(self) -> torch.Tensor:
        """The unit-norm atoms ``D̂`` (K, d), detached."""
        return _normalized(self.dictionary.detach())

    def _code(self, tok: torch.Tensor, dn: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return batch_omp(tok.detach(), dn.detach(), self.sparsity_level, threads=self.threads)

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(z_q, loss, codes)``: ``z_q`` (B, C, H, W) in ``z``'s dtype (straight-through),
        the bottleneck loss, the codes (n_tokens, K). ``ValueError`` for a wrong shape, channel
        count or NaN/inf."""
        tok, shape, cdt = self._tokens(z)
        if self.training and self.revive_threshold > 0:
            self._revive(tok)
        codes, dn = self._train_and_code(tok, cdt)
        if self.training:
            self._track_usage(codes)
        z_q, loss = self._finish(z, tok, codes @ dn, shape)
        return z_q, loss, codes

    def _train_and_code(
        self, tok: torch.Tensor, cdt: torch.dtype
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The codes of the tokens and the unit-norm atoms ``D̂`` they are on, after the
        training-mode dictionary update (which codes the tokens first)."""
        dn = _normalized(self.dictionary.to(cdt))
        codes = self._code(tok, dn)
        if self.training and self.update in ("online", "laser"):
            self._step(tok.detach(), codes, dn.detach())
            dn = _normalized(self.dictionary.to(cdt))
            codes = self._code(tok, dn)
        return codes, dn

    # training steps ---------------------------------------------------------------------------
    @torch.no_grad()
    def _step(self, tok: torch.Tensor, codes: torch.Tensor, dn: torch.Tensor) -> None:
        if self.update == "laser":
            resid = tok - codes @ dn
            used = (codes.abs() > 1e-6).sum(dim=0).clamp_min(1).to(dn.dtype)
            new = dn + self.learning_rate * (codes.T @ resid) / used.unsqueeze(1)
            self.dictionary.copy_(_normalized(new).to(self.dictionary.dtype))
            return
        learner = self._online_learner(tok.shape[0])
        a64 = codes.detach().to("cpu", torch.float64)
        x64 = tok.to("cpu", torch.float64)
        ata = (a64.T @ a64).numpy()
        atx = (a64.T @ x64).numpy()
        cost = 0.5 * float(((x64 - a64 @ dn.to("cpu", torch.float64)) ** 2).sum())
        learner.apply_stats(ata, atx, cost, tok.shape[0], x64.numpy(), threads=self.threads)
        self.dictionary.copy_(torch.from_numpy(learner.atoms).to(self.dictionary))
        self._snapshot()

    def _snapshot(self) -> None:
        """Remembers the dictionary as the learner left it (in the module's dtype), to tell
        later changes made outside the learner."""
        self._learner_atoms = self.dictionary.detach().to("cpu", torch.float64, copy=True)

    def _online_learner(self, batch: int) -> Any:
        """The library's learner: started from the current atoms, and told about atoms changed
        outside it since its last step (revived, edited): those take the new values and their
        statistics restart from zero; the other atoms keep the learner's (float64) values."""
        current = self.dictionary.detach().to("cpu", torch.float64)
        if self._learner is None:
            self._learner = _core.OnlineLearner(
                current.numpy(), 0.0, batch_size=batch, seed=0, coder="lars"
            )
        elif not torch.equal(current, self._learner_atoms):
            state = self._learner.__reduce__()[2]
            changed = (current != self._learner_atoms).any(dim=1).numpy()
            state["atoms"][changed] = current.numpy()[changed]
            state["stat_a"][changed, :] = 0.0
            state["stat_a"][:, changed] = 0.0
            state["stat_b"][changed, :] = 0.0
            self._learner.__setstate__(state)
        self._snapshot()
        return self._learner

    def _replace(self, dead: torch.Tensor, tok: torch.Tensor, count: int) -> None:
        new = self._replacements(tok, count).to(self.dictionary)
        self.dictionary.data[dead.to(self.dictionary.device)] = new

    def get_extra_state(self) -> Any:
        if self._learner is None:
            return {}
        return {"online_learner": self._learner.__reduce__()[2]}

    def set_extra_state(self, state: Any) -> None:
        saved = (state or {}).get("online_learner")
        if saved is None:
            self._learner, self._learner_atoms = None, None
            return
        atoms = np.asarray(saved["atoms"], dtype=np.float64)
        self._learner = _core.OnlineLearner(atoms, 0.0, batch_size=1, seed=0, coder="lars")
        self._learner.__setstate__(saved)
        self._snapshot()  # the dictionary buffer is loaded before the extra state

    def extra_repr(self) -> str:
        return (
            super().extra_repr() + f", sparsity_level={self.sparsity_level}, update={self.update!r}"
        )


# --- K-SVD -----------------------------------------------------------------------------------


class KSVDBottleneck(DictionaryBottleneck):
    """LASER's "K-SVD VAE" bottleneck: Batch-OMP codes, K-SVD dictionary update in training.

    As :class:`DictionaryBottleneck`; in training mode each forward runs ``ksvd_iterations``
    epochs of the library's K-SVD on the batch's tokens from the current atoms
    (:func:`sparsecode.learn.fit_dictionary` ``method='ksvd'``: OMP coding, then one exact
    rank-1 SVD update per atom on its restricted residual — Aharon, Elad & Bruckstein 2006;
    ``'aksvd'``: the approximate K-SVD of Rubinstein et al. 2008), then codes the tokens again
    (LASER ``cf4c237``, ``docs/seed-notes.md`` §3.3). Objective ``min ‖X − A·D‖²_F`` s.t.
    ``‖a_i‖₀ ≤ S``. An atom no token uses is replaced by the worst-represented token (the
    library's K-SVD), besides the usage-based revival of :class:`DictionaryBottleneck`.

    Parameters
    ----------
    num_embeddings, embedding_dim, sparsity_level, commitment_cost, dictionary_weight,
    patch_size, revive_threshold, usage_decay, threads, seed
        As :class:`DictionaryBottleneck`.
    ksvd_iterations : int, default 1
        K-SVD epochs per training step.
    method : {'ksvd', 'aksvd'}, default 'ksvd'
    """

    def __init__(
        self,
        num_embeddings: int = 512,
        embedding_dim: int = 64,
        sparsity_level: int = 5,
        *,
        commitment_cost: float = 0.25,
        dictionary_weight: float = 1.0,
        patch_size: int = 1,
        ksvd_iterations: int = 1,
        method: str = "ksvd",
        revive_threshold: float = 0.03,
        usage_decay: float = 0.99,
        threads: int | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__(
            num_embeddings,
            embedding_dim,
            sparsity_level,
            commitment_cost=commitment_cost,
            dictionary_weight=dictionary_weight,
            patch_size=patch_size,
            update="none",
            revive_threshold=revive_threshold,
            usage_decay=usage_decay,
            threads=threads,
            seed=seed,
        )
        if method not in ("ksvd", "aksvd"):
            raise ValueError(f"method must be 'ksvd' or 'aksvd', got {method!r}")
        self.ksvd_iterations = _pos_int(ksvd_iterations, "ksvd_iterations")
        self.method = method
        self.update = "ksvd"
        self._steps = 0

    @torch.no_grad()
    def _step(self, tok: torch.Tensor, codes: torch.Tensor, dn: torch.Tensor) -> None:
        x = tok.detach().cpu().numpy()
        init = dn.detach().cpu().numpy()
        atoms, _ = fit_dictionary(
            x,
            self.num_embeddings,
            self.method,
            n_epochs=self.ksvd_iterations,
            seed=self._steps,
            n_nonzero=self.sparsity_level,
            dict_init=init,
            threads=self.threads,
        )
        self._steps += 1
        self.dictionary.copy_(_normalized(torch.from_numpy(atoms)).to(self.dictionary))

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """As :meth:`DictionaryBottleneck.forward`, with the K-SVD update in training mode."""
        return super().forward(z)

    def _train_and_code(
        self, tok: torch.Tensor, cdt: torch.dtype
    ) -> tuple[torch.Tensor, torch.Tensor]:
        dn = _normalized(self.dictionary.to(cdt))
        if self.training:
            self._step(tok.detach(), None, dn)  # K-SVD codes the batch itself
            dn = _normalized(self.dictionary.to(cdt))
        return self._code(tok, dn), dn

    def get_extra_state(self) -> Any:
        return {"steps": self._steps}

    def set_extra_state(self, state: Any) -> None:
        self._steps = int((state or {}).get("steps", 0))

    def extra_repr(self) -> str:
        return (
            _Bottleneck.extra_repr(self)
            + f", sparsity_level={self.sparsity_level}, method={self.method!r}"
        )


# --- vector quantiser ---------------------------------------------------------------------------


class VectorQuantizer(_Bottleneck):
    """Vector quantisation (van den Oord, Vinyals & Kavukcuoglu 2017), LASER's ``VectorQuantizer``.

    Each token goes to its nearest codebook entry ``e_k``, ``k = argmin ‖z − e_k‖²`` (by
    ``‖z‖² − 2 z·e + ‖e‖²``, in chunks); ``ẑ = e_k``. Loss as the other bottlenecks
    (``dictionary_weight·MSE(ẑ, sg z) + β·MSE(sg ẑ, z)``); with ``decay > 0`` the codebook is
    an exponential moving average of its tokens instead (van den Oord et al. 2017 appendix;
    Laplace-smoothed counts, ``ε = 1e-5``; each code starts with a count of one so that an
    unused code keeps its value) and the loss keeps the commitment term only.
    Source: LASER ``VectorQuantizer`` @ ``cf4c237`` (``docs/seed-notes.md`` §3.2); codebook
    initialised U(−1/K, 1/K) as there. The nearest-atom search is done in torch (no library
    call: it is one matrix product and an argmin).

    Parameters
    ----------
    num_embeddings : int, default 512
    embedding_dim : int, default 64
    commitment_cost : float, default 0.25
    dictionary_weight : float, default 1.0
        Weight of the codebook term (ignored with EMA).
    patch_size : int, default 1
    decay : float, default 0.0
        EMA decay γ (LASER's config: 0.99); 0: codebook is an ``nn.Parameter`` learned by the
        loss.
    epsilon : float, default 1e-5
    revive_threshold, usage_decay, seed
        Dead-code revival as in :class:`DictionaryBottleneck` (a code used by fewer than
        ``revive_threshold/K`` of the tokens, on average, is replaced by a batch token).

    The codes returned are one-hot rows (n_tokens, K); :attr:`last_indices` (B, H/p, W/p) and
    :attr:`perplexity` (``exp(−Σ p log p)`` of the batch's code usage) are kept.
    """

    def __init__(
        self,
        num_embeddings: int = 512,
        embedding_dim: int = 64,
        *,
        commitment_cost: float = 0.25,
        dictionary_weight: float = 1.0,
        patch_size: int = 1,
        decay: float = 0.0,
        epsilon: float = 1e-5,
        revive_threshold: float = 0.03,
        usage_decay: float = 0.99,
        seed: int = 0,
    ) -> None:
        super().__init__(
            num_embeddings,
            embedding_dim,
            commitment_cost=commitment_cost,
            dictionary_weight=dictionary_weight,
            patch_size=patch_size,
            revive_threshold=revive_threshold,
            usage_decay=usage_decay,
            per_token=1,
            seed=seed,
        )
        self.decay = _nonneg(decay, "decay")
        if self.decay >= 1:
            raise ValueError(f"decay must be in [0, 1), got {decay!r}")
        self.epsilon = _nonneg(epsilon, "epsilon")
        k = self.num_embeddings
        init = (torch.rand(k, self.atom_dim, generator=self._gen) * 2 - 1) / k
        if self.decay > 0:
            self.register_buffer("codebook", init)
            # each code starts as if it had one token equal to itself: an unused code keeps its
            # value under the EMA instead of being divided by a vanishing count
            self.register_buffer("ema_count", torch.ones(k))
            self.register_buffer("ema_sum", init.clone())
        else:
            self.codebook = nn.Parameter(init)
        self.last_indices: torch.Tensor | None = None
        self.perplexity: torch.Tensor | None = None

    @torch.no_grad()
    def nearest(self, tok: torch.Tensor, chunk: int = 32768) -> torch.Tensor:
        """Index of the nearest codebook entry of each token (n,)."""
        e = self.codebook.detach().to(tok.dtype)
        e_sq = (e * e).sum(dim=1)
        out = []
        for i in range(0, tok.shape[0], chunk):
            t = tok[i : i + chunk]
            dist = (t * t).sum(dim=1, keepdim=True) - 2 * t @ e.T + e_sq
            out.append(dist.argmin(dim=1))
        return torch.cat(out)

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(z_q, loss, codes)`` with one-hot codes (n_tokens, K); see the class docstring."""
        tok, shape, cdt = self._tokens(z)
        if self.training and self.revive_threshold > 0:
            self._revive(tok)
        idx = self.nearest(tok.detach())
        onehot = F.one_hot(idx, self.num_embeddings).to(cdt)
        if self.training and self.decay > 0:
            self._ema(tok.detach(), onehot)
        if self.training:
            self._track_usage(onehot)
        e = self.codebook.to(cdt)
        zq_tok = e[idx]
        if self.decay > 0:
            zq_tok = zq_tok.detach()
        z_q, loss = self._finish(z, tok, zq_tok, shape)
        if self.decay > 0:  # no codebook term: the EMA moves the codebook
            loss = self.commitment_cost * F.mse_loss(zq_tok, tok)
        probs = onehot.mean(dim=0)
        self.perplexity = torch.exp(-(probs * (probs + 1e-10).log()).sum()).detach()
        b, _, h, w = shape
        self.last_indices = idx.reshape(b, h // self.patch_size, w // self.patch_size)
        return z_q, loss, onehot

    @torch.no_grad()
    def _ema(self, tok: torch.Tensor, onehot: torch.Tensor) -> None:
        g = self.decay
        self.ema_count.mul_(g).add_(onehot.sum(dim=0).to(self.ema_count), alpha=1 - g)
        self.ema_sum.mul_(g).add_((onehot.T @ tok).to(self.ema_sum), alpha=1 - g)
        total = self.ema_count.sum()
        k = self.num_embeddings
        smoothed = (self.ema_count + self.epsilon) / (total + k * self.epsilon) * total
        self.codebook.copy_(self.ema_sum / smoothed.unsqueeze(1))

    def _replace(self, dead: torch.Tensor, tok: torch.Tensor, count: int) -> None:
        pick = torch.randint(0, tok.shape[0], (count,), generator=self._gen)
        rows = tok[pick.to(tok.device)].detach().to(self.codebook)
        d = dead.to(self.codebook.device)
        self.codebook.data[d] = rows
        if self.decay > 0:
            self.ema_count[d] = 1.0
            self.ema_sum[d] = rows

    def extra_repr(self) -> str:
        return super().extra_repr() + f", decay={self.decay}"
