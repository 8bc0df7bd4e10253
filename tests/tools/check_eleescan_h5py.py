#!/usr/bin/python3
"""Checks that EleEscan files written by Cascade read as the original Keras 3DGAN loader reads them.

The loader (Energy-gan keras/EcalEnergyTrain.py GetprocData) does:
    X = np.array(f.get('ECAL')); Y = np.array(f.get('target')[:, 1]); X[X < 1e-6] = 0
and then sums over the (x, y, z) axes. This script repeats that with h5py and checks layout and values.

Usage:
    check_eleescan_h5py.py FILE.h5 [...]                  check existing files
    check_eleescan_h5py.py --cascade BIN --workdir DIR    run `cascade simulate` first, then check
Exit codes: 0 ok, 1 check failed, 77 h5py/numpy not installed (ctest SKIP_RETURN_CODE).
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys

SKIP = 77


def check_file(path, h5py, np):
    with h5py.File(path, "r") as f:
        for name in ("ECAL", "target"):
            if name not in f:
                return f"{path}: missing dataset {name}"
        ecal, target = f["ECAL"], f["target"]
        n = ecal.shape[0]
        if ecal.shape[1:] != (25, 25, 25) or ecal.dtype != np.float32:
            return f"{path}: ECAL is {ecal.shape} {ecal.dtype}, expected (N, 25, 25, 25) float32"
        if target.shape != (n, 2) or target.dtype != np.float32:
            return f"{path}: target is {target.shape} {target.dtype}, expected ({n}, 2) float32"
        X = np.array(ecal)  # as GetprocData
        Y = np.array(target[:, 1])
    if n == 0:
        return f"{path}: no events"
    if not (np.all(np.isfinite(X)) and X.min() >= 0):
        return f"{path}: ECAL holds negative or non-finite cells"
    if not (Y.min() > 0 and Y.max() <= 10000):
        return f"{path}: target[:, 1] (Ep) outside (0, 10000] GeV: [{Y.min()}, {Y.max()}]"
    X[X < 1e-6] = 0
    ecal_sum = np.sum(X, axis=(1, 2, 3))
    sampling_fraction = float(np.mean(ecal_sum / Y))
    if not 0.015 < sampling_fraction < 0.025:  # physics.md §1.1: sum ECAL / Ep ~ 0.02
        return f"{path}: mean sum(ECAL)/Ep = {sampling_fraction:.4f}, expected ~0.02"
    z_profile = np.sum(X, axis=(1, 2)).sum(axis=0)  # GANutils get_sums: z = depth is the last axis
    x_profile = np.sum(X, axis=(2, 3)).sum(axis=0)
    z_peak, x_peak = int(np.argmax(z_profile)), int(np.argmax(x_profile))
    if not 4 <= z_peak <= 18 or x_peak != 12:
        return f"{path}: profile peaks at z = {z_peak}, x = {x_peak}; expected z in 4..18, x = 12"
    print(f"{path}: {n} events, ECAL {X.shape[1:]} float32, Ep {Y.min():.1f}..{Y.max():.1f} GeV, "
          f"sum/Ep {sampling_fraction:.4f}, z peak {z_peak}")
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*")
    parser.add_argument("--cascade", help="path of the cascade binary: simulate files first")
    parser.add_argument("--workdir", help="directory for simulated files (emptied first)")
    parser.add_argument("--events", type=int, default=40)
    args = parser.parse_args()
    try:
        import h5py
        import numpy as np
    except ImportError as e:
        print(f"SKIP: {e} (install python3-h5py)")
        return SKIP
    files = list(args.files)
    if args.cascade:
        shutil.rmtree(args.workdir, ignore_errors=True)
        cmd = [args.cascade, "simulate", "--events", str(args.events), "--files", "2",
               "--seed", "5", "--energy", "10:200", "--out", args.workdir, "--no-progress"]
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode != 0:
            print(f"{' '.join(cmd)} exited {run.returncode}: {run.stderr}")
            return 1
        files += sorted(glob.glob(os.path.join(args.workdir, "EleEscan_*.h5")))
        if len(files) != 2:
            print(f"expected 2 files under {args.workdir}, found {files}")
            return 1
    if not files:
        parser.error("no files to check")
    errors = [e for e in (check_file(p, h5py, np) for p in files) if e]
    for e in errors:
        print("FAIL:", e)
    if args.cascade and not errors:
        shutil.rmtree(args.workdir, ignore_errors=True)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
