#!/usr/bin/python3
"""PyTorch peer for Cascade's 3DGAN benchmarks (Debian python3-torch 1.13, 2 threads).

Same architecture as notes/model-contract.md (original filters; --bn-axis last|channel), float32,
Keras semantics where they cost nothing (LeakyReLU 0.3, BN eps 1e-3 / momentum 0.01, RMSprop rho 0.9
eps 1e-7). Dropout uses torch's own RNG (the contract's hash mask only matters for parity, not speed).

  bench/peer_torch.py                       # every measurement, one subprocess each (clean peak RSS)
  bench/peer_torch.py --what train --batch 8 --seconds 20
  ATEN_CPU_CAPABILITY=avx512 bench/peer_torch.py   # env.md: Debian's torch defaults to AVX2

Prints one JSON object per line:
  {"impl":"torch","what":"train","batch":8,"samples_per_s":..,"gflops":..,"peak_rss_mib":..,"settings":..}
  {"impl":"torch","what":"generate","batch":128,"ms_per_shower":..,"gflops":..,"peak_rss_mib":..,...}
For each measurement a few settings are tried briefly (memory format, TorchScript freeze for
generation) and the fastest is measured for --seconds; "settings" names it.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

THREADS = 2
# Analytic FLOPs (reference/architecture.md, original filters): one contract training step per real
# sample (1 G fwd + 2 D fwd/bwd + 2 (G+D) fwd/bwd) and one generated shower.
GFLOP_TRAIN_PER_SAMPLE = 19.0
GFLOP_GENERATE_PER_SHOWER = 0.511


class KerasBatchNorm(nn.Module):
    """Keras BN on NCDHW: 'channel' per C; 'last' per W (stats over N,C,D,H) via a (N*C*D*H, W) view."""

    def __init__(self, features, axis):
        super().__init__()
        self.axis = axis
        self.bn = (nn.BatchNorm3d if axis == "channel" else nn.BatchNorm1d)(features, eps=1e-3, momentum=0.01)

    def forward(self, x):
        if self.axis == "channel":
            return self.bn(x)
        shape = x.shape
        return self.bn(x.reshape(-1, shape[-1])).reshape(shape)


class Generator(nn.Module):
    def __init__(self, bn_axis, latent=200, f2=6):
        super().__init__()
        ch = bn_axis == "channel"
        self.dense = nn.Linear(latent, 3136)
        self.conv1 = nn.Conv3d(8, 64, (6, 6, 8))
        self.bn1 = KerasBatchNorm(64 if ch else 8, bn_axis)
        self.conv2 = nn.Conv3d(64, f2, (6, 5, 8))
        self.bn2 = KerasBatchNorm(f2 if ch else 9, bn_axis)
        self.conv3 = nn.Conv3d(f2, f2, (3, 3, 8))
        self.conv4 = nn.Conv3d(f2, 1, 2, bias=False)

    def forward(self, x):
        h = self.dense(x).view(-1, 8, 7, 7, 8)
        h = self.bn1(F.leaky_relu(self.conv1(F.pad(h, (3, 4, 2, 3, 2, 3))), 0.3))  # TF 'same'
        h = F.interpolate(h, scale_factor=(2, 2, 2), mode="nearest")
        h = self.bn2(F.leaky_relu(self.conv2(F.pad(h, (0, 0, 2, 2, 2, 2))), 0.3))
        h = F.interpolate(h, scale_factor=(2, 2, 3), mode="nearest")
        h = F.leaky_relu(self.conv3(F.pad(h, (3, 3, 0, 0, 1, 1))), 0.3)
        return F.relu(self.conv4(h))


class Discriminator(nn.Module):
    def __init__(self, bn_axis, f=8):
        super().__init__()
        ch = bn_axis == "channel"
        self.conv5 = nn.Conv3d(1, 32, 5, padding=2)
        self.conv6 = nn.Conv3d(32, f, 5, padding=2)
        self.bn3 = KerasBatchNorm(f if ch else 25, bn_axis)
        self.conv7 = nn.Conv3d(f, f, 5, padding=2)
        self.bn4 = KerasBatchNorm(f if ch else 25, bn_axis)
        self.conv8 = nn.Conv3d(f, f, 5, padding=1)
        self.bn5 = KerasBatchNorm(f if ch else 23, bn_axis)
        self.generation = nn.Linear(f * 1331, 1)
        self.auxiliary = nn.Linear(f * 1331, 1)

    def forward(self, x):
        d = lambda h: F.dropout(h, 0.2, self.training)
        h = d(F.leaky_relu(self.conv5(x), 0.3))
        h = d(self.bn3(F.leaky_relu(self.conv6(h), 0.3)))
        h = d(self.bn4(F.leaky_relu(self.conv7(h), 0.3)))
        h = d(self.bn5(F.leaky_relu(self.conv8(h), 0.3)))
        flat = F.avg_pool3d(h, 2).flatten(1)
        return torch.sigmoid(self.generation(flat)), self.auxiliary(flat), x.sum(dim=(1, 2, 3, 4))


def ecal_fit(e, xscale=100.0):
    return (0.0018 * e ** 4 - 0.023 * e ** 3 + 0.11 * e ** 2 - 0.28 * e + 2.21) * e * xscale


def loss_fn(outs, y, e, ecal_t, w=(2.0, 0.1, 0.1)):
    p, aux, ecal = outs
    bce = F.binary_cross_entropy(p.view(-1).clamp(1e-7, 1 - 1e-7), y)
    mape = lambda t, pr: 100.0 * ((t - pr).abs() / t.abs().clamp(min=1e-7)).mean()
    return w[0] * bce + w[1] * mape(e, aux.view(-1)) + w[2] * mape(ecal_t, ecal)


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def timed(fn, seconds, min_iters=2):
    """Runs fn repeatedly for >= seconds (and >= min_iters); returns seconds per call."""
    iters, start = 0, time.perf_counter()
    while True:
        fn()
        iters += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and iters >= min_iters:
            return elapsed / iters


def make_train_step(batch, bn_axis, memory_format):
    g, d = Generator(bn_axis), Discriminator(bn_axis)
    if memory_format is not None:
        g, d = g.to(memory_format=memory_format), d.to(memory_format=memory_format)
    opt_d = torch.optim.RMSprop(d.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    opt_g = torch.optim.RMSprop(g.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    fmt = lambda t: t.contiguous(memory_format=memory_format) if memory_format is not None else t
    real = fmt(torch.rand(batch, 1, 25, 25, 25) ** 6 * 5)
    real_e = torch.rand(batch) * 4 + 1
    real_ecal = real.sum(dim=(1, 2, 3, 4))

    def bitflip(y):
        return torch.where(torch.rand_like(y) < 0.05, 1 - y, y)

    def step():
        e0 = torch.rand(batch) * 4.9 + 0.1
        g.eval()
        with torch.no_grad():
            fake = fmt(g(torch.randn(batch, 200) * e0[:, None]))
        d.train()
        for p in d.parameters():
            p.requires_grad_(True)
        for img, y, e, ecal_t in ((real, bitflip(torch.ones(batch)), real_e, real_ecal),
                                  (fake, bitflip(torch.zeros(batch)), e0, ecal_fit(e0))):
            opt_d.zero_grad(set_to_none=True)
            loss_fn(d(img), y, e, ecal_t).backward()
            opt_d.step()
        for p in d.parameters():  # frozen D: no weight grads, BN stats still update
            p.requires_grad_(False)
        g.train()
        for _ in range(2):
            ek = torch.rand(batch) * 4.9 + 0.1
            opt_g.zero_grad(set_to_none=True)
            loss_fn(d(fmt(g(torch.randn(batch, 200) * ek[:, None]))), torch.ones(batch), ek, ecal_fit(ek)).backward()
            opt_g.step()

    return step


def make_generate(batch, bn_axis, memory_format, jit):
    g = Generator(bn_axis).eval()
    if memory_format is not None:
        g = g.to(memory_format=memory_format)
    x = torch.randn(batch, 200) * 3.0
    if jit:
        with torch.inference_mode(False), torch.no_grad():
            g = torch.jit.freeze(torch.jit.trace(g, x))

    def run():
        with torch.inference_mode():
            g(x)

    return run


def measure(what, batch, seconds, bn_axis, settings=None):
    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    cl = torch.channels_last_3d
    if what == "train":
        candidates = {"contiguous": lambda: make_train_step(batch, bn_axis, None),
                      "channels_last_3d": lambda: make_train_step(batch, bn_axis, cl)}
    else:
        candidates = {"contiguous": lambda: make_generate(batch, bn_axis, None, False),
                      "channels_last_3d": lambda: make_generate(batch, bn_axis, cl, False),
                      "jit_freeze": lambda: make_generate(batch, bn_axis, None, True),
                      "jit_freeze+channels_last_3d": lambda: make_generate(batch, bn_axis, cl, True)}
    if settings:
        candidates = {settings: candidates[settings]}
    probes = {}
    for name, build in candidates.items():
        fn = build()
        fn()  # warm-up (oneDNN primitive creation, allocator)
        probes[name] = (timed(fn, min(3.0, seconds / 4), min_iters=1), fn)
    best = min(probes, key=lambda k: probes[k][0])
    per_call = timed(probes[best][1], seconds)
    out = {"impl": "torch", "what": what, "batch": batch, "bn_axis": bn_axis}
    if what == "train":
        sps = batch / per_call
        out.update(samples_per_s=round(sps, 3), gflops=round(sps * GFLOP_TRAIN_PER_SAMPLE, 2))
    else:
        out.update(ms_per_shower=round(per_call * 1e3 / batch, 3),
                   gflops=round(batch / per_call * GFLOP_GENERATE_PER_SHOWER, 2))
    out.update(peak_rss_mib=round(peak_rss_mib(), 1), settings=best, threads=THREADS,
               mkldnn=torch.backends.mkldnn.is_available(),
               cpu_capability=os.environ.get("ATEN_CPU_CAPABILITY", "default"),
               probe_ms={k: round(v[0] * 1e3, 1) for k, v in probes.items()})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--what", choices=["train", "generate"])
    ap.add_argument("--batch", type=int)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--bn-axis", choices=["last", "channel"], default="last")
    ap.add_argument("--settings", help="skip probing and use this one (e.g. contiguous, jit_freeze)")
    ap.add_argument("--train-batches", default="8,32")
    ap.add_argument("--generate-batches", default="1,32,128")
    args = ap.parse_args()
    if args.what:
        print(json.dumps(measure(args.what, args.batch or 8, args.seconds, args.bn_axis, args.settings)), flush=True)
        return 0
    # One subprocess per measurement, so peak RSS belongs to that measurement alone.
    jobs = [("train", int(b)) for b in args.train_batches.split(",") if b] + \
           [("generate", int(b)) for b in args.generate_batches.split(",") if b]
    rc = 0
    for what, batch in jobs:
        r = subprocess.run([sys.executable, os.path.abspath(__file__), "--what", what, "--batch", str(batch),
                            "--seconds", str(args.seconds), "--bn-axis", args.bn_axis])
        rc |= r.returncode
    return rc


if __name__ == "__main__":
    sys.exit(main())
