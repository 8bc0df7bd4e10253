#!/usr/bin/python3
"""Checks that a Cascade checkpoint opens with h5py as docs/checkpoint-format.md describes.

  check_checkpoint_h5py.py CKPT.h5            # structure of any checkpoint
  check_checkpoint_h5py.py --writer BIN       # BIN writes a known sample; also checks its values

Exit 0 = ok, 1 = mismatch, 77 = h5py/numpy not available (ctest SKIP_RETURN_CODE).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

try:
    import h5py
    import numpy as np
except ImportError as e:  # pragma: no cover
    print(f"SKIP: {e} (needs Debian's python3-h5py for /usr/bin/python3)")
    sys.exit(77)


def as_str(v):
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def load(path):
    """Returns the checkpoint as plain Python objects (the h5py recipe in the docs)."""
    with h5py.File(path, "r") as f:
        assert as_str(f.attrs["format"]) == "cascade-checkpoint", f.attrs["format"]
        assert int(f.attrs["version"]) == 1
        out = {
            "step": int(f.attrs["step"]),
            "epoch": int(f.attrs["epoch"]),
            "config": json.loads(as_str(f["config"][()])),
            "tensors": {},
            "strings": {},
            "scalars": {},
        }
        for name in f["tensor_names"][()]:
            name = as_str(name)
            ds = f["tensors"][name]
            assert ds.dtype == np.float32, (name, ds.dtype)
            out["tensors"][name] = ds[()]

        def visit(group, dst, conv):
            group.visititems(lambda n, o: dst.__setitem__(n, conv(o[()])) if isinstance(o, h5py.Dataset) else None)

        visit(f["strings"], out["strings"], as_str)
        visit(f["scalars"], out["scalars"], float)
        return out


def check_sample(ck):
    specs = [("generator/params/conv3d_4/kernel", (1, 6, 2, 2, 2)),
             ("generator/buffers/batch_normalization_1/moving_mean", (8,)),
             ("discriminator/params/generation/bias", (1,)),
             ("optimizer/discriminator/accumulators", (3, 5))]
    assert list(ck["tensors"]) == [n for n, _ in specs], list(ck["tensors"])
    for t, (name, shape) in enumerate(specs):
        a = ck["tensors"][name]
        assert a.shape == shape, (name, a.shape)
        want = (np.arange(a.size, dtype=np.float32) * np.float32(0.25) + np.float32(t)).reshape(shape)
        assert np.array_equal(a, want), name
    assert ck["step"] == 42 and ck["epoch"] == 3
    assert ck["config"]["latent_size"] == 200
    assert ck["strings"] == {"rng": "5489 0 1 2", "data_cursor": '{"epoch":3,"position":17}'}, ck["strings"]
    assert ck["scalars"] == {"optimizer/discriminator/lr": 1e-3, "optimizer/generator/lr": 2e-3}, ck["scalars"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("checkpoint", nargs="?")
    ap.add_argument("--writer", help="binary that writes the known sample checkpoint to argv[1]")
    args = ap.parse_args()
    if bool(args.checkpoint) == bool(args.writer):
        ap.error("give either CKPT or --writer BIN")
    try:
        if args.writer:
            with tempfile.TemporaryDirectory(prefix="cascade_ckpt_h5py_") as d:
                path = os.path.join(d, "sample.h5")
                subprocess.run([args.writer, path], check=True)
                ck = load(path)
                check_sample(ck)
        else:
            ck = load(args.checkpoint)
    except AssertionError as e:
        print(f"FAIL: checkpoint layout mismatch: {e!r}")
        return 1
    print(f"OK: step {ck['step']} epoch {ck['epoch']}, {len(ck['tensors'])} tensors, "
          f"{len(ck['strings'])} strings, {len(ck['scalars'])} scalars")
    return 0


if __name__ == "__main__":
    sys.exit(main())
