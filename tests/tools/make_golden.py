#!/usr/bin/python3
"""Golden fixtures for the C++ 3DGAN: an independent PyTorch (float64) implementation of
notes/model-contract.md, run BY HAND (never in CI):

    /usr/bin/python3 tests/tools/make_golden.py            # writes tests/fixtures/golden_{channel,last}.h5

Needs Debian's python3-torch (1.13), python3-h5py, python3-numpy. See tests/tools/README.md for the
fixture layout and for how the C++ side regenerates the initial weights.
"""
import argparse
import json
import math
import os

import h5py
import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(2)
torch.set_default_dtype(torch.float64)

SCRIPT_VERSION = 2
MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
LATENT = 200
XSCALE = 100.0
LOSS_WEIGHTS = (2.0, 0.1, 0.1)
BN_EPS, BN_MOMENTUM = 1e-3, 0.99
LR, RHO, RMS_EPS = 1e-3, 0.9, 1e-7
DROP_RATE = 0.2
BATCH = 2
# Expected outputs with more than SAMPLE elements are stored as a strided sample of SAMPLE elements
# (README, "Sampled datasets"); inputs are always stored whole. 4096 keeps each file < 1 MiB.
SAMPLE = 4096


# ---------------------------------------------------------------- deterministic numbers
def splitmix64(x):
    """Contract splitmix64 on a uint64 numpy array (wrapping arithmetic)."""
    x = np.asarray(x, dtype=np.uint64)
    with np.errstate(over="ignore"):
        x = x + np.uint64(GOLDEN)
        z = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def fnv1a64(s):
    h = 0xCBF29CE484222325
    for b in s.encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) & MASK64
    return h


def uniform01(seed, n):
    """u_j = (splitmix64(seed ^ (j * GOLDEN)) >> 11) * 2^-53, j = 0..n-1 (float64 in [0,1))."""
    j = np.arange(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        r = splitmix64(np.uint64(seed) ^ (j * np.uint64(GOLDEN)))
    return (r >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


# ---------------------------------------------------------------- the contract's tensors
def generator_specs(bn_axis, f2=6):
    """(layer, tensor, shape, trainable) in arena order, original filters."""
    ch = bn_axis == "channel"
    specs = [("dense_1", "kernel", (3136, LATENT)), ("dense_1", "bias", (3136,)),
             ("conv3d_1", "kernel", (64, 8, 6, 6, 8)), ("conv3d_1", "bias", (64,))]
    bn1, bn2 = (64 if ch else 8), (f2 if ch else 9)
    specs += [("batch_normalization_1", "gamma", (bn1,)), ("batch_normalization_1", "beta", (bn1,)),
              ("conv3d_2", "kernel", (f2, 64, 6, 5, 8)), ("conv3d_2", "bias", (f2,)),
              ("batch_normalization_2", "gamma", (bn2,)), ("batch_normalization_2", "beta", (bn2,)),
              ("conv3d_3", "kernel", (f2, f2, 3, 3, 8)), ("conv3d_3", "bias", (f2,)),
              ("conv3d_4", "kernel", (1, f2, 2, 2, 2))]
    bufs = [("batch_normalization_1", t, (bn1,)) for t in ("moving_mean", "moving_variance")]
    bufs += [("batch_normalization_2", t, (bn2,)) for t in ("moving_mean", "moving_variance")]
    return ([("generator/%s/%s" % (l, t), s) for l, t, s in specs],
            [("generator/%s/%s" % (l, t), s) for l, t, s in bufs])


def discriminator_specs(bn_axis, f=8):
    ch = bn_axis == "channel"
    n3, n4, n5 = (f, f, f) if ch else (25, 25, 23)
    specs = [("conv3d_5", "kernel", (32, 1, 5, 5, 5)), ("conv3d_5", "bias", (32,)),
             ("conv3d_6", "kernel", (f, 32, 5, 5, 5)), ("conv3d_6", "bias", (f,)),
             ("batch_normalization_3", "gamma", (n3,)), ("batch_normalization_3", "beta", (n3,)),
             ("conv3d_7", "kernel", (f, f, 5, 5, 5)), ("conv3d_7", "bias", (f,)),
             ("batch_normalization_4", "gamma", (n4,)), ("batch_normalization_4", "beta", (n4,)),
             ("conv3d_8", "kernel", (f, f, 5, 5, 5)), ("conv3d_8", "bias", (f,)),
             ("batch_normalization_5", "gamma", (n5,)), ("batch_normalization_5", "beta", (n5,)),
             ("generation", "kernel", (1, f * 1331)), ("generation", "bias", (1,)),
             ("auxiliary", "kernel", (1, f * 1331)), ("auxiliary", "bias", (1,))]
    bufs = []
    for name, n in (("batch_normalization_3", n3), ("batch_normalization_4", n4), ("batch_normalization_5", n5)):
        bufs += [(name, "moving_mean", (n,)), (name, "moving_variance", (n,))]
    return ([("discriminator/%s/%s" % (l, t), s) for l, t, s in specs],
            [("discriminator/%s/%s" % (l, t), s) for l, t, s in bufs])


def init_rule(name, shape):
    """(center, halfwidth) of the deterministic initial value of arena tensor `name`."""
    tensor = name.rsplit("/", 1)[1]
    if tensor == "kernel":
        fan_in = int(np.prod(shape[1:]))  # conv (O,I,k..) -> I*k^3; dense (out,in) -> in
        return 0.0, math.sqrt(3.0 / fan_in)  # variance 1/fan_in keeps activations O(1)
    return {"bias": (0.0, 0.1), "gamma": (1.0, 0.2), "beta": (0.0, 0.1),
            "moving_mean": (0.0, 0.1), "moving_variance": (1.0, 0.25)}[tensor]


def init_tensor(name, shape):
    """float32( center + halfwidth * (2u - 1) ), u = uniform01(fnv1a64(name), n) (README)."""
    center, half = init_rule(name, shape)
    u = uniform01(fnv1a64(name), int(np.prod(shape)))
    return (center + half * (2.0 * u - 1.0)).astype(np.float32).reshape(shape)


# ---------------------------------------------------------------- layers (float64)
def conv(x, w, b, pad):
    """pad = ((d_lo, d_hi), (h_lo, h_hi), (w_lo, w_hi)) zeros, then a valid stride-1 conv."""
    (dl, dh), (hl, hh), (wl, wh) = pad
    return F.conv3d(F.pad(x, (wl, wh, hl, hh, dl, dh)), w, b)


def leaky(x):
    return F.leaky_relu(x, 0.3)


def batch_norm(x, p, bufs, name, bn_axis, training):
    """Keras 2.0 BN. 'channel': stats per C over (N,D,H,W); 'last': per W over (N,C,D,H)."""
    dims, view = ((0, 2, 3, 4), (1, -1, 1, 1, 1)) if bn_axis == "channel" else ((0, 1, 2, 3), (1, 1, 1, 1, -1))
    mm, mv = name + "/moving_mean", name + "/moving_variance"
    if training:
        mean = x.mean(dims)
        var = ((x - mean.view(view)) ** 2).mean(dims)  # biased
        bufs[mm] = BN_MOMENTUM * bufs[mm] + (1 - BN_MOMENTUM) * mean.detach()
        bufs[mv] = BN_MOMENTUM * bufs[mv] + (1 - BN_MOMENTUM) * var.detach()
    else:
        mean, var = bufs[mm], bufs[mv]
    return (x - mean.view(view)) / torch.sqrt(var.view(view) + BN_EPS) * p[name + "/gamma"].view(view) \
        + p[name + "/beta"].view(view)


def upsample(x, factors):
    for axis, f in zip((2, 3, 4), factors):
        x = x.repeat_interleave(f, dim=axis)
    return x


def dropout_mask(seed, layer_index, shape):
    """Contract mask for trunk layer i: keep iff (splitmix64(s_i ^ j*GOLDEN) >> 40) * 2^-24 >= 0.2."""
    s_i = (int(seed) * 1000003 + layer_index) & MASK64
    n = int(np.prod(shape))
    j = np.arange(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        r = splitmix64(np.uint64(s_i) ^ (j * np.uint64(GOLDEN)))
    keep = (r >> np.uint64(40)).astype(np.float64) * 2.0 ** -24 >= DROP_RATE
    return torch.from_numpy(keep.reshape(shape).astype(np.float64) / (1.0 - DROP_RATE))


def generator(p, bufs, x, bn_axis, training):
    """x: (N, 200) = z * e  ->  (N, 1, 25, 25, 25)."""
    g = lambda n: p["generator/" + n]
    h = F.linear(x, g("dense_1/kernel"), g("dense_1/bias")).view(-1, 8, 7, 7, 8)
    h = leaky(conv(h, g("conv3d_1/kernel"), g("conv3d_1/bias"), ((2, 3), (2, 3), (3, 4))))
    h = batch_norm(h, p, bufs, "generator/batch_normalization_1", bn_axis, training)
    h = upsample(h, (2, 2, 2))
    h = leaky(conv(h, g("conv3d_2/kernel"), g("conv3d_2/bias"), ((2, 2), (2, 2), (0, 0))))
    h = batch_norm(h, p, bufs, "generator/batch_normalization_2", bn_axis, training)
    h = upsample(h, (2, 2, 3))
    h = leaky(conv(h, g("conv3d_3/kernel"), g("conv3d_3/bias"), ((1, 1), (0, 0), (3, 3))))
    return F.relu(conv(h, g("conv3d_4/kernel"), None, ((0, 0),) * 3))


def discriminator(p, bufs, x, bn_axis, training, seed):
    """x: (N,1,25,25,25) -> (p_real (N,1), aux (N,1), ecal (N,)). Trunk indices as in the contract."""
    d = lambda n: p["discriminator/" + n]
    drop = (lambda h, i: h * dropout_mask(seed, i, tuple(h.shape))) if training else (lambda h, i: h)
    h = drop(leaky(conv(x, d("conv3d_5/kernel"), d("conv3d_5/bias"), ((2, 2),) * 3)), 1)
    h = leaky(conv(h, d("conv3d_6/kernel"), d("conv3d_6/bias"), ((2, 2),) * 3))
    h = drop(batch_norm(h, p, bufs, "discriminator/batch_normalization_3", bn_axis, training), 4)
    h = leaky(conv(h, d("conv3d_7/kernel"), d("conv3d_7/bias"), ((2, 2),) * 3))
    h = drop(batch_norm(h, p, bufs, "discriminator/batch_normalization_4", bn_axis, training), 7)
    h = leaky(conv(h, d("conv3d_8/kernel"), d("conv3d_8/bias"), ((1, 1),) * 3))
    h = drop(batch_norm(h, p, bufs, "discriminator/batch_normalization_5", bn_axis, training), 10)
    flat = F.avg_pool3d(h, 2).reshape(x.shape[0], -1)  # floor 23 -> 11, (C,D,H,W) order
    p_real = torch.sigmoid(F.linear(flat, d("generation/kernel"), d("generation/bias")))
    aux = F.linear(flat, d("auxiliary/kernel"), d("auxiliary/bias"))
    return p_real, aux, x.sum(dim=(1, 2, 3, 4))


def ecal_fit(e):
    return (0.0018 * e ** 4 - 0.023 * e ** 3 + 0.11 * e ** 2 - 0.28 * e + 2.21) * e * XSCALE


def contract_loss(outs, labels, energy, ecal_target):
    p, aux, ecal = outs
    pc = p.reshape(-1).clamp(1e-7, 1 - 1e-7)
    bce = -(labels * torch.log(pc) + (1 - labels) * torch.log(1 - pc)).mean()
    mape = lambda y, yh: 100.0 * (torch.abs(y - yh) / torch.clamp(torch.abs(y), min=1e-7)).mean()
    m_e, m_ecal = mape(energy, aux.reshape(-1)), mape(ecal_target, ecal)
    w = LOSS_WEIGHTS
    return w[0] * bce + w[1] * m_e + w[2] * m_ecal, (bce, m_e, m_ecal)


def rmsprop(p, names, grads, acc):
    """Keras 2: a = rho a + (1-rho) g^2; p -= lr g / (sqrt(a) + eps). Returns new leaf tensors."""
    for n, g in zip(names, grads):
        acc[n] = RHO * acc[n] + (1 - RHO) * g * g
        p[n] = (p[n].detach() - LR * g / (torch.sqrt(acc[n]) + RMS_EPS)).requires_grad_(True)


# ---------------------------------------------------------------- fixture content
def t64(a):
    return torch.from_numpy(np.asarray(a, dtype=np.float32).astype(np.float64))


def f32(t):
    return t.detach().numpy().astype(np.float32)


def synthetic_showers(seed, n):
    """Non-negative, sparse-ish 'real' images (N,1,25,25,25): 5 u^6, u from uniform01(seed)."""
    u = uniform01(seed, n * 25 ** 3).reshape(n, 1, 25, 25, 25)
    return (5.0 * u ** 6).astype(np.float32)


def is_prime(p):
    return p > 1 and all(p % d for d in range(2, int(math.isqrt(p)) + 1))


def sample_stride(n, m):
    """Smallest prime p >= n/m that does not divide n. Then j_k = (k * p) mod n, k = 0..m-1, are
    distinct and spread over the whole tensor, and p is coprime to every dimension, so the sample
    cycles through every position of the inner axes (no aliasing with a row length)."""
    p = max(2, -(-n // m))
    while not is_prime(p) or n % p == 0:
        p += 1
    return p


def write(group, name, array, compress=False):
    """An input: stored whole."""
    array = np.asarray(array)
    kw = dict(compression="gzip", compression_opts=4, shuffle=True) if compress and array.size > 4096 else {}
    group.create_dataset(name, data=array, **kw)


def write_expected(group, name, array):
    """An expected output: whole if it has <= SAMPLE elements, else the SAMPLE elements j_k =
    (k * stride) mod n of the flattened tensor with attrs `shape` (the full shape), `stride` and
    `max_abs` (max |x| over the *whole* tensor, the scale tolerances are relative to)."""
    array = np.asarray(array)
    if array.size <= SAMPLE:
        return write(group, name, array)
    n = array.size
    stride = sample_stride(n, SAMPLE)
    index = (np.arange(SAMPLE, dtype=np.int64) * stride) % n
    assert len(np.unique(index)) == SAMPLE
    ds = group.create_dataset(name, data=array.reshape(-1)[index])
    ds.attrs.update(dict(shape=np.array(array.shape, dtype=np.int64), stride=np.int64(stride),
                         max_abs=float(np.abs(array.astype(np.float64)).max())))


def make_variant(bn_axis, out_path):
    gspec, gbspec = generator_specs(bn_axis)
    dspec, dbspec = discriminator_specs(bn_axis)
    total = lambda s: sum(int(np.prod(sh)) for _, sh in s)
    counts = (total(gspec) + total(gbspec), total(dspec) + total(dbspec))
    assert counts == {"channel": (872948, 73450), "last": (872736, 73646)}[bn_axis], counts

    init = {n: init_tensor(n, s) for n, s in gspec + gbspec + dspec + dbspec}
    params = lambda spec: {n: t64(init[n]).requires_grad_(True) for n, _ in spec}
    buffers = lambda spec: {n: t64(init[n]) for n, _ in spec}
    rng = np.random.default_rng(20240229 if bn_axis == "channel" else 20240301)

    f = h5py.File(out_path + ".tmp", "w")
    attrs = dict(format="cascade-golden", script="tests/tools/make_golden.py", script_version=SCRIPT_VERSION,
                 torch_version=str(torch.__version__), filters="original", bn_axis=bn_axis, latent_size=LATENT,
                 batch=BATCH, xscale=XSCALE, loss_weights=np.array(LOSS_WEIGHTS),
                 ecal_fit_polynomial=1, bn_epsilon=BN_EPS, bn_momentum=BN_MOMENTUM, rmsprop_lr=LR,
                 rmsprop_rho=RHO, rmsprop_epsilon=RMS_EPS, dropout_rate=DROP_RATE, leaky_alpha=0.3,
                 init_scheme="value_j = float32(center + halfwidth*(2u_j-1)), u_j = (splitmix64(fnv1a64(name) ^ "
                             "(j*0x9E3779B97F4A7C15)) >> 11) * 2^-53; per-tensor center/halfwidth in /init")
    for k, v in attrs.items():
        f.attrs[k] = v

    # /init: how to regenerate every initial tensor, plus checksums to verify the regeneration.
    gi = f.create_group("init")
    for n, s in gspec + gbspec + dspec + dbspec:
        center, half = init_rule(n, s)
        ds = gi.create_dataset(n, data=np.array(s, dtype=np.int64))  # the shape
        ds.attrs.update(dict(seed=np.uint64(fnv1a64(n)), center=center, halfwidth=half,
                             trainable=int(n in dict(gspec) or n in dict(dspec)),
                             sum=float(init[n].astype(np.float64).sum()), first=init[n].reshape(-1)[:4]))

    # (a) G forward, inference and training mode, on fixed z and energies.
    ga = f.create_group("g_forward")
    z = rng.standard_normal((BATCH, LATENT)).astype(np.float32)
    e = rng.uniform(0.1, 5.0, BATCH).astype(np.float32)
    x = (z * e[:, None]).astype(np.float32)
    write(ga, "z", z); write(ga, "energy", e); write(ga, "input", x)
    with torch.no_grad():
        gb = buffers(gbspec)
        write_expected(ga, "output_inference", f32(generator(params(gspec), gb, t64(x), bn_axis, False)))
        write_expected(ga, "output_training", f32(generator(params(gspec), gb, t64(x), bn_axis, True)))
    for n, _ in gbspec:
        write_expected(ga.require_group("buffers_after_training"), n, f32(gb[n]))

    # (b) D forward (training, fixed dropout seed) + backward of the contract loss.
    gd = f.create_group("d_forward")
    seed_b = int(rng.integers(1, 2 ** 63))
    xd = synthetic_showers(fnv1a64("d_forward/input"), BATCH)
    labels = np.array([1.0, 0.0], dtype=np.float32)
    e_d = rng.uniform(0.1, 5.0, BATCH).astype(np.float32)
    ecal_t = ecal_fit(e_d.astype(np.float64)).astype(np.float32)
    gd.attrs["dropout_seed"] = np.uint64(seed_b)
    for k, v in dict(input=xd, labels=labels, energy=e_d, ecal_target=ecal_t).items():
        write(gd, k, v, k == "input")
    dp, db = params(dspec), buffers(dbspec)
    xin = t64(xd).requires_grad_(True)
    outs = discriminator(dp, db, xin, bn_axis, True, seed_b)
    loss, parts = contract_loss(outs, t64(labels), t64(e_d), t64(ecal_t))
    grads = torch.autograd.grad(loss, [dp[n] for n, _ in dspec] + [xin])
    for k, v in dict(generation=outs[0], auxiliary=outs[1], ecal=outs[2]).items():
        write_expected(gd, k, f32(v))
    write_expected(gd, "loss", np.float32(loss.item()))
    write_expected(gd, "loss_terms", np.array([float(t) for t in parts], np.float32))
    for (n, _), g in zip(dspec, grads[:-1]):
        write_expected(gd.require_group("grads"), n, f32(g))
    write_expected(gd, "grad_input", f32(grads[-1]))
    for n, _ in dbspec:
        write_expected(gd.require_group("buffers_after"), n, f32(db[n]))

    # (c) one full training step of the contract from the initial weights, zero accumulators.
    gt = f.create_group("train_step")
    gin = gt.create_group("inputs")
    real = synthetic_showers(fnv1a64("train_step/real"), BATCH)
    real_ep = rng.uniform(100.0, 500.0, BATCH).astype(np.float32)  # GeV
    draws = {}
    for k in ("0", "1", "2"):
        draws["z" + k] = rng.standard_normal((BATCH, LATENT)).astype(np.float32)
        draws["e" + k] = rng.uniform(0.1, 5.0, BATCH).astype(np.float32)
    for k in ("real", "fake"):
        draws["flip_u_" + k] = rng.uniform(0.0, 1.0, BATCH).astype(np.float32)
    labels_real = np.where(draws["flip_u_real"] < 0.05, 0.0, 1.0).astype(np.float32)
    labels_fake = np.where(draws["flip_u_fake"] < 0.05, 1.0, 0.0).astype(np.float32)
    seeds = {k: int(rng.integers(1, 2 ** 63)) for k in ("dropout_seed_real", "dropout_seed_fake",
                                                         "dropout_seed_g1", "dropout_seed_g2")}
    for k, v in dict(real=real, real_energy_gev=real_ep, labels_real=labels_real, labels_fake=labels_fake,
                     **draws).items():
        write(gin, k, v, k == "real")
    for k, v in seeds.items():
        gin.attrs[k] = np.uint64(v)

    gp, gbuf, dp, dbuf = params(gspec), buffers(gbspec), params(dspec), buffers(dbspec)
    acc_d = {n: torch.zeros(s) for n, s in dspec}
    acc_g = {n: torch.zeros(s) for n, s in gspec}
    dnames, gnames = [n for n, _ in dspec], [n for n, _ in gspec]
    losses = {}
    # 1. fake from G in inference mode (no BN update, no gradient)
    with torch.no_grad():
        fake0 = generator(gp, gbuf, t64(draws["z0"] * draws["e0"][:, None]), bn_axis, False)
    write_expected(gt, "fake0", f32(fake0))
    real64 = t64(real)
    # 2./3. D steps on real, then on fake
    for tag, img, lab, en, ecal_target, seed in (
            ("d_real", real64, labels_real, t64(real_ep) / 100.0, real64.sum(dim=(1, 2, 3, 4)), seeds["dropout_seed_real"]),
            ("d_fake", fake0, labels_fake, t64(draws["e0"]), ecal_fit(t64(draws["e0"])), seeds["dropout_seed_fake"])):
        loss, parts = contract_loss(discriminator(dp, dbuf, img, bn_axis, True, seed), t64(lab), en, ecal_target)
        rmsprop(dp, dnames, torch.autograd.grad(loss, [dp[n] for n in dnames]), acc_d)
        losses[tag] = [loss.item()] + [t.item() for t in parts]
    # 4. two G steps through the frozen D (D BN stats still update)
    for k in ("1", "2"):
        ek = t64(draws["e" + k])
        fake = generator(gp, gbuf, t64(draws["z" + k] * draws["e" + k][:, None]), bn_axis, True)
        outs = discriminator(dp, dbuf, fake, bn_axis, True, seeds["dropout_seed_g" + k])
        loss, parts = contract_loss(outs, torch.ones(BATCH), ek, ecal_fit(ek))
        rmsprop(gp, gnames, torch.autograd.grad(loss, [gp[n] for n in gnames]), acc_g)
        losses["g" + k] = [loss.item()] + [t.item() for t in parts]
    gl = gt.create_group("losses")  # [total, bce, mape_energy, mape_ecal]
    for k, v in losses.items():
        write_expected(gl, k, np.array(v, dtype=np.float32))
    after = gt.create_group("after")
    for n in gnames + dnames:
        write_expected(after.require_group("params"), n, f32((gp if n in gp else dp)[n]))
    for n, _ in gbspec + dbspec:
        write_expected(after.require_group("buffers"), n, f32((gbuf if n in gbuf else dbuf)[n]))
    for n in dnames:
        write_expected(after.require_group("optimizer/discriminator"), n, f32(acc_d[n]))
    f.close()
    os.replace(out_path + ".tmp", out_path)
    return losses


def self_check():
    """Cheap checks of the reference against torch's own ops and the contract's numbers."""
    x = torch.randn(3, 4, 5, 6, 7)
    p = {"bn/gamma": torch.rand(4) + 0.5, "bn/beta": torch.randn(4)}
    bufs = {"bn/moving_mean": torch.zeros(4), "bn/moving_variance": torch.ones(4)}
    ref = F.batch_norm(x, torch.zeros(4), torch.ones(4), p["bn/gamma"], p["bn/beta"], True, 0.01, BN_EPS)
    assert torch.allclose(batch_norm(x, p, bufs, "bn", "channel", True), ref, atol=1e-12)
    y = batch_norm(x, {"bn/gamma": torch.ones(7), "bn/beta": torch.zeros(7)},
                   {"bn/moving_mean": torch.zeros(7), "bn/moving_variance": torch.ones(7)}, "bn", "last", True)
    assert torch.allclose(y.mean((0, 1, 2, 3)), torch.zeros(7), atol=1e-12)
    keep = (dropout_mask(12345, 4, (2, 8, 25, 25, 25)) > 0).double().mean().item()
    assert abs(keep - 0.8) < 0.005, keep
    assert int(splitmix64(np.uint64(0))) == 0xE220A8397B1DCDAF  # splitmix64 reference value for 0


def cern_check(artifacts):
    """Loads CERN's veganweights epoch-49 generator (channels_last Keras -> contract layouts, BN per
    channel) and prints Ecal/Ep at 100 and 300 GeV: the README of the artifacts says 0.0143 / 0.0182."""
    with h5py.File(os.path.join(artifacts, "veganweights__params_generator_epoch_049.hdf5"), "r") as f:
        k = lambda n: np.array(f["sequential_1/" + n + ":0"], dtype=np.float32)
        p = {}
        w = k("dense_1/kernel").reshape(LATENT, 7, 7, 8, 8).transpose(4, 1, 2, 3, 0)  # (c,d,h,w,in)
        p["generator/dense_1/kernel"] = w.reshape(3136, LATENT)
        p["generator/dense_1/bias"] = k("dense_1/bias").reshape(7, 7, 8, 8).transpose(3, 0, 1, 2).reshape(-1)
        for c in ("conv3d_1", "conv3d_2", "conv3d_3", "conv3d_4"):
            p["generator/%s/kernel" % c] = k(c + "/kernel").transpose(4, 3, 0, 1, 2)
            if c != "conv3d_4":
                p["generator/%s/bias" % c] = k(c + "/bias")
        for b in ("batch_normalization_1", "batch_normalization_2"):
            for t in ("gamma", "beta", "moving_mean", "moving_variance"):
                p["generator/%s/%s" % (b, t)] = k(b + "/" + t)
    p = {n: t64(v) for n, v in p.items()}
    rng = np.random.default_rng(1)
    for ep in (100.0, 300.0):
        z = rng.standard_normal((50, LATENT)).astype(np.float32)
        with torch.no_grad():
            img = generator(p, dict(p), t64(z * np.float32(ep / 100.0)), "channel", False)
        ecal = img.sum(dim=(1, 2, 3, 4)).numpy()
        print("CERN G at %g GeV: Ecal %.2f +- %.2f GeV, Ecal/Ep %.4f (artifacts README: %s)" % (
            ep, ecal.mean(), ecal.std(), ecal.mean() / ep, "1.43 +- 0.57, 0.0143" if ep == 100 else "5.45 +- 1.62, 0.0182"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out-dir", default=os.path.join(here, "..", "fixtures"))
    ap.add_argument("--bn-axis", choices=["channel", "last"], action="append")
    ap.add_argument("--check-cern", metavar="ARTIFACTS_DIR",
                    help="only run the CERN-weights sanity check of the reference generator")
    args = ap.parse_args()
    self_check()
    if args.check_cern:
        return cern_check(args.check_cern)
    os.makedirs(args.out_dir, exist_ok=True)
    for axis in args.bn_axis or ["channel", "last"]:
        path = os.path.join(args.out_dir, "golden_%s.h5" % axis)
        losses = make_variant(axis, path)
        print("%s: %.2f MiB; losses [total, bce, mape_e, mape_ecal]: %s" % (
            path, os.path.getsize(path) / 2 ** 20, json.dumps({k: [round(x, 5) for x in v] for k, v in losses.items()})))


if __name__ == "__main__":
    main()
