"""PyTorch (CPU) re-implementation of the sparsecode-nn bottlenecks and autoencoder, timed on
the same shapes as `cargo run -p sparsecode-nn --example bench`. Prints one JSON object.

The DL bottleneck follows LASER `cf4c237` (seed notes §3.3): unit-norm atoms, batched OMP with
a least-squares refit per step (torch.linalg.solve on the selected Gram + 1e-6 I), exactly S
atoms, straight-through estimator; training adds LASER's online dictionary update.
"""
import json
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)


def tokens(z, p):
    b, c, h, w = z.shape
    return z.reshape(b, c, h // p, p, w // p, p).permute(0, 2, 4, 1, 3, 5).reshape(-1, c * p * p)


def untokens(t, shape, p):
    b, c, h, w = shape
    return t.reshape(b, h // p, w // p, c, p, p).permute(0, 3, 1, 4, 2, 5).reshape(b, c, h, w)


class VQ(nn.Module):
    def __init__(self, k, d, beta=0.25):
        super().__init__()
        self.emb = nn.Parameter(torch.empty(k, d).uniform_(-1 / k, 1 / k))
        self.beta = beta

    def forward(self, z, p=1):
        x = tokens(z, p)
        with torch.no_grad():
            dist = (x ** 2).sum(1, keepdim=True) + (self.emb ** 2).sum(1) - 2 * x @ self.emb.t()
            idx = dist.argmin(1)
        zq = self.emb[idx]
        loss = F.mse_loss(zq, x.detach()) + self.beta * F.mse_loss(zq.detach(), x)
        st = x + (zq - x).detach()
        return untokens(st, z.shape, p), loss


def batch_omp(x, d, s, eps=1e-6):
    """x (n, f), d (k, f) unit rows -> codes (n, k); LASER cf4c237 style."""
    n, k = x.shape[0], d.shape[0]
    g = d @ d.t()
    dx = x @ d.t()
    dev = x.device
    codes = torch.zeros(n, k, device=dev)
    support = torch.zeros(n, 0, dtype=torch.long, device=dev)
    r = x.clone()
    ar = torch.arange(n, device=dev)
    for _ in range(s):
        c = (r @ d.t()).abs()
        if support.shape[1] > 0:
            c[ar[:, None], support] = -1
        idx = c.argmax(1)
        support = torch.cat([support, idx[:, None]], 1)
        gs = g[support[:, :, None], support[:, None, :]] + eps * torch.eye(support.shape[1], device=dev)
        rhs = torch.gather(dx, 1, support)
        a = torch.linalg.solve(gs, rhs)
        codes = torch.zeros(n, k, device=dev)
        codes.scatter_(1, support, a)
        r = x - codes @ d
    return codes


class DL(nn.Module):
    def __init__(self, k, d, s, beta=0.25, lr=0.1):
        super().__init__()
        self.register_buffer("dict", F.normalize(torch.randn(k, d), dim=1))
        self.s, self.beta, self.lr = s, beta, lr

    def forward(self, z, p=1):
        x = tokens(z, p)
        with torch.no_grad():
            xd = x.detach()
            a = batch_omp(xd, self.dict, self.s)
            if self.training:
                usage = (a.abs() > 1e-6).sum(0).clamp(min=1).float()
                self.dict += self.lr * (a.t() @ (xd - a @ self.dict)) / usage[:, None]
                self.dict.copy_(F.normalize(self.dict, dim=1))
                a = batch_omp(xd, self.dict, self.s)
        zq = a @ self.dict
        loss = F.mse_loss(zq, x.detach()) + self.beta * F.mse_loss(zq.detach(), x)
        st = x + (zq - x).detach()
        return untokens(st, z.shape, p), loss


class Res(nn.Module):
    def __init__(self, nh, rh):
        super().__init__()
        self.c1 = nn.Conv2d(nh, rh, 3, 1, 1, bias=False)
        self.b1 = nn.BatchNorm2d(rh)
        self.c2 = nn.Conv2d(rh, nh, 1, bias=False)
        self.b2 = nn.BatchNorm2d(nh)

    def forward(self, x):
        h = F.relu(self.b1(self.c1(x)))
        return F.relu(x + self.b2(self.c2(h)))


class AE(nn.Module):
    def __init__(self, nh, nres, rh, emb, bottleneck):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(3, nh // 2, 4, 2, 1), nn.ReLU(), nn.Conv2d(nh // 2, nh, 4, 2, 1), nn.ReLU(),
                                 nn.Conv2d(nh, nh, 3, 1, 1), nn.ReLU(), *[Res(nh, rh) for _ in range(nres)], nn.ReLU())
        self.pre = nn.Conv2d(nh, emb, 1)
        self.bn = bottleneck
        self.post = nn.Conv2d(emb, nh, 3, 1, 1)
        self.dec = nn.Sequential(nn.Conv2d(nh, nh, 3, 1, 1), *[Res(nh, rh) for _ in range(nres)],
                                 nn.ConvTranspose2d(nh, nh // 2, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(nh // 2, 3, 4, 2, 1))

    def forward(self, x):
        z, bl = self.bn(self.pre(self.enc(x)))
        return self.dec(self.post(z)), bl


def no_wait():
    pass


def timed(f, warmup=3, runs=10, sync=no_wait):
    """Mean ms of `runs` calls of f after `warmup`, each followed by `sync` (the device wait)."""
    for _ in range(warmup):
        f()
    sync()
    t = time.perf_counter()
    for _ in range(runs):
        f()
        sync()
    return (time.perf_counter() - t) * 1e3 / runs


def main():
    cfg = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    threads = cfg.get("threads", 2)
    # "cuda" for bench/gpu/run.sh; the CPU otherwise.
    dev = torch.device(cfg.get("device", "cpu"))
    wait = torch.cuda.synchronize if dev.type == "cuda" else no_wait
    torch.set_num_threads(threads)
    out = {"threads": threads, "torch": torch.__version__, "device": str(dev)}
    # bottleneck forward, evaluation mode, no grad
    for name, (b, c, h, w, k, s) in {
        "vq_latent": (8, 64, 16, 16, 512, 0),
        "dl_latent": (8, 64, 16, 16, 512, 5),
        "vq_pixels": (4, 3, 128, 128, 16, 0),
        "dl_pixels": (4, 3, 128, 128, 16, 4),
    }.items():
        z = torch.randn(b, c, h, w, device=dev)
        m = (VQ(k, c) if s == 0 else DL(k, c, s)).to(dev)
        m.eval()
        with torch.no_grad():
            out[name + "_ms"] = timed(lambda m=m, z=z: m(z), sync=wait)
    # one training step of the autoencoder (DL bottleneck, online update) and of the VQ one, at the
    # benchmark shape (batch 8, 64×64) and at LASER's CIFAR-10 shape (batch 64, 32×32)
    for suffix, (batch, side) in {"": (8, 64), "_cifar": (64, 32)}.items():
        for name, bneck in {"ae_dl_step": lambda: DL(256, 64, 8), "ae_vq_step": lambda: VQ(256, 64)}.items():
            model = AE(64, 2, 32, 64, bneck()).to(dev)
            model.train()
            opt = torch.optim.AdamW(model.parameters(), lr=5e-4, betas=(0.9, 0.999), weight_decay=1e-4)
            x = torch.rand(batch, 3, side, side, device=dev) - 0.5

            def step(model=model, x=x, opt=opt):
                rec, bl = model(x)
                loss = F.mse_loss(rec, x) + bl
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()

            out[name + suffix + "_ms"] = timed(step, warmup=2, runs=5, sync=wait)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
