"""Checks `dynamics predict` against the independent NumPy reference (dynamics_reference.py).

For every block kind, with and without batch norm (and ResNet/RevNet with strided transitions
too), it trains a small network for one epoch on random 8×8 IDX images, exports it with
`dynamics export`, writes the logits with `dynamics predict --weights`, recomputes them from the
file and the same images with the reference, and requires agreement to 1e-4 relative (the
network runs in float32, the reference in float64: the bound is float rounding through a dozen
layers, far below any modelling difference). Usage: python test_reference.py PATH/TO/dynamics
"""
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dynamics_reference as reference  # noqa: E402

VARIANTS = [
    ("hamiltonian", "none", "pool"), ("hamiltonian", "batch", "pool"),
    ("revnet", "none", "pool"), ("revnet", "batch", "pool"), ("revnet", "batch", "strided"),
    ("resnet", "none", "pool"), ("resnet", "batch", "pool"), ("resnet", "batch", "strided"),
    ("leapfrog", "none", "pool"), ("leapfrog", "batch", "pool"),
    ("midpoint", "none", "pool"),
]


def write_idx(folder, images, labels, prefix):
    n, h, w = images.shape
    with open(os.path.join(folder, f"{prefix}-images-idx3-ubyte"), "wb") as f:
        f.write(struct.pack(">IIII", 0x803, n, h, w) + images.astype(np.uint8).tobytes())
    with open(os.path.join(folder, f"{prefix}-labels-idx1-ubyte"), "wb") as f:
        f.write(struct.pack(">II", 0x801, n) + labels.astype(np.uint8).tobytes())


def main(binary):
    rng = np.random.default_rng(0)
    worst = 0.0
    with tempfile.TemporaryDirectory() as folder:
        # Images whose class shows in their mean brightness, so training moves the weights.
        labels = rng.integers(0, 3, size=300)
        images = np.clip(rng.normal(60 + 60 * labels[:, None, None], 40, size=(300, 8, 8)), 0, 255)
        write_idx(folder, images[:240], labels[:240], "train")
        write_idx(folder, images[240:], labels[240:], "t10k")
        test = images[240:].astype(np.uint8).astype(np.float64)[:, None]
        for block, norm, transitions in VARIANTS:
            checkpoint, weights, logits = (os.path.join(folder, f"{block}-{norm}-{transitions}{ext}") for ext in ("", ".safetensors", ".npy"))
            run = lambda *args: subprocess.run([binary, *args], check=True, capture_output=True, text=True)  # noqa: E731
            run("train", "--data", f"mnist:{folder}", "--arch", block, "--units", "1,2,1", "--filters", "4,4,8,8", "--norm", norm,
                "--transitions", transitions, "--epochs", "1", "--batch-size", "30", "--lr", "0.05", "--threads", "1",
                "--checkpoint", checkpoint)
            run("export", "--checkpoint", checkpoint, "--to", weights)
            run("predict", "--weights", weights, "--data", f"mnist:{folder}", "--out", logits)
            ours = np.load(logits).astype(np.float64)
            tensors, meta = reference.load(weights)
            theirs = reference.logits_of(tensors, meta, test)
            error = np.abs(ours - theirs).max() / np.abs(theirs).max()
            worst = max(worst, error)
            print(f"{block:12s} {norm:6s} {transitions:8s} max |Δ| / max |logit| = {error:.2e}")
            assert error < 1e-4, f"{block} {norm} {transitions}: {error}"
    print(f"all {len(VARIANTS)} variants agree with the NumPy reference (worst {worst:.2e} relative)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".build/debug/dynamics")
