"""Checks `dynamics predict` against the independent NumPy reference (dynamics_reference.py).

For every block kind, with and without batch norm (and ResNet/RevNet with strided transitions
too), it trains a small network for one epoch on random 10×10 colour images (an `.npz` written by
`numpy.savez_compressed`, N×H×W×C uint8, so the data set reader is checked too), exports it with
`dynamics export`, writes the logits with `dynamics predict --weights`, recomputes them from the
file and the same images with the reference, and requires agreement to 1e-4 relative (the
network runs in float32, the reference in float64: the bound is float rounding through a dozen
layers, far below any modelling difference). Usage: python test_reference.py PATH/TO/dynamics
"""
import json
import os
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


def main(binary):
    rng = np.random.default_rng(0)
    worst = 0.0
    with tempfile.TemporaryDirectory() as folder:
        # Images whose class shows in their mean brightness, so training moves the weights.
        labels = rng.integers(0, 3, size=300)
        # 10×10: a transition takes 10 to 5 and the odd 5 to 3 (the last pooling window cut by the border).
        images = np.clip(rng.normal(60 + 60 * labels[:, None, None, None], 40, size=(300, 10, 10, 3)), 0, 255).astype(np.uint8)
        data = os.path.join(folder, "random.npz")
        np.savez_compressed(data, x_train=images[:240], y_train=labels[:240], x_test=images[240:], y_test=labels[240:])
        test = images[240:].transpose(0, 3, 1, 2).astype(np.float64)
        for block, norm, transitions in VARIANTS:
            checkpoint, weights, logits = (os.path.join(folder, f"{block}-{norm}-{transitions}{ext}") for ext in ("", ".safetensors", ".npy"))
            run = lambda *args: subprocess.run([binary, *args], check=True, capture_output=True, text=True)  # noqa: E731
            run("train", "--data", f"npz:{data}", "--arch", block, "--units", "1,2,1", "--filters", "4,4,8,8", "--norm", norm,
                "--transitions", transitions, "--epochs", "1", "--batch-size", "30", "--lr", "0.05", "--threads", "1",
                "--checkpoint", checkpoint)
            run("export", "--checkpoint", checkpoint, "--to", weights)
            run("predict", "--weights", weights, "--data", f"npz:{data}", "--out", logits)
            ours = np.load(logits).astype(np.float64)
            tensors, meta = reference.load(weights)
            theirs = reference.logits_of(tensors, meta, test)
            error = np.abs(ours - theirs).max() / np.abs(theirs).max()
            worst = max(worst, error)
            print(f"{block:12s} {norm:6s} {transitions:8s} max |Δ| / max |logit| = {error:.2e}")
            assert error < 1e-4, f"{block} {norm} {transitions}: {error}"
    print(f"all {len(VARIANTS)} variants agree with the NumPy reference (worst {worst:.2e} relative)")
    folder_matches_npz(binary)
    outputs_load(binary)


def folder_matches_npz(binary):
    """The same images as a folder of PNG and JPEG files (Pillow) and as an .npz of Pillow's
    decoding train to the same accuracy and, to 1e-3, the same loss (PNG is lossless; two JPEG
    decoders may differ by a level here and there)."""
    from PIL import Image
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as folder:
        arrays = {}
        for split, n in (("train", 120), ("test", 40)):
            labels = rng.integers(0, 2, size=n)
            images = np.clip(rng.normal(100 + 30 * labels[:, None, None, None], 50, size=(n, 8, 8, 3)), 0, 255).astype(np.uint8)
            decoded = []
            for i, (image, label) in enumerate(zip(images, labels)):
                path = os.path.join(folder, "images", split, ["cats", "dogs"][label], f"{i:03d}.{'png' if i % 2 else 'jpg'}")
                os.makedirs(os.path.dirname(path), exist_ok=True)
                Image.fromarray(image).save(path, quality=95)
                decoded.append(np.asarray(Image.open(path).convert("RGB")))
            order = sorted(range(n), key=lambda i: (labels[i], f"{i:03d}.{'png' if i % 2 else 'jpg'}"))  # the folder reader's order
            arrays[f"x_{split}"] = np.stack([decoded[i] for i in order])
            arrays[f"y_{split}"] = labels[order]
        npz = os.path.join(folder, "same.npz")
        np.savez(npz, **arrays)
        accuracy = {}
        for data in (f"folder:{os.path.join(folder, 'images')}", f"npz:{npz}"):
            out = subprocess.run([binary, "train", "--data", data, "--arch", "hamiltonian", "--units", "1,1,1", "--filters", "4,4,8,8",
                                  "--epochs", "3", "--batch-size", "20", "--lr", "0.05", "--threads", "1", "--json"],
                                 check=True, capture_output=True, text=True).stdout
            report = json.loads(out)
            accuracy[data.split(":")[0]] = (report["testAccuracy"], report["trainLoss"])
        (a, la), (b, lb) = accuracy["folder"], accuracy["npz"]
        print(f"folder of PNG and JPEG: {100 * a:.2f}% (train loss {la:.6f}); the same images as .npz: {100 * b:.2f}% (train loss {lb:.6f})")
        assert abs(a - b) <= 1 / 40 + 1e-12 and abs(la - lb) <= 1e-3 * abs(lb), accuracy


def outputs_load(binary):
    """Every --out file loads with numpy.load (.npy) or numpy.loadtxt(f, delimiter=",") (.csv,
    whose '# names' header line loadtxt skips) and holds the figures the same command prints as JSON."""
    def run(*args):
        return json.loads(subprocess.run([binary, *args, "--json"], check=True, capture_output=True, text=True).stdout)

    def load(path):
        return np.load(path) if path.endswith(".npy") else np.loadtxt(path, delimiter=",", ndmin=2)

    with tempfile.TemporaryDirectory() as folder:
        matrix = os.path.join(folder, "a.csv")
        np.savetxt(matrix, [[0, 2, -1], [-2, 0, 3], [1, -3, 0]], delimiter=",")
        for ext in (".npy", ".csv"):
            out = lambda name: os.path.join(folder, name + ext)  # noqa: E731
            r = run("eig", matrix, "--out", out("eig"))
            assert np.allclose(load(out("eig")), r["eigenvalues"], rtol=0, atol=1e-15)
            r = run("stability", "--system", "lorenz", "--method", "rk4", "--out", out("stability"))
            rows = load(out("stability"))
            assert np.allclose(rows[rows[:, 0] == 0, 1:], r["field"]["eigenvalues"]) and np.allclose(rows[rows[:, 0] == 1, 1:], r["step"]["eigenvalues"])
            r = run("region", "--method", "rk4", "--grid", "11", "--out", out("region"))
            rows = load(out("region"))
            assert np.allclose(rows[:, 2].reshape(11, 11), r["modulus"]) and np.allclose(rows[:11, 0], r["re"]) and np.allclose(rows[::11, 1], r["im"])
            r = run("lyapunov", "--system", "henon", "--steps", "5000", "--history", "--out", out("lyapunov"))
            assert np.allclose(load(out("lyapunov")), r["history"])
            r = run("integrate", "--system", "kepler", "--method", "verlet", "--steps", "100", "--every", "10", "--out", out("trajectory"))
            rows = load(out("trajectory"))
            assert rows.shape == (11, 5) and np.allclose(rows[:, 0], np.arange(11) * 0.1) and np.allclose(rows[-1, 1:], r["final"], rtol=1e-12)
            r = run("eig", "--block", "hamiltonian", "--channels", "2", "--size", "2x2", "--out", out("block"), "--jacobian", out("jacobian"))
            rows = load(out("block"))
            field = rows[rows[:, 0] == 0]
            assert np.allclose(field[field[:, 1] == 0, 2:], r["field"]["eigenvalues"]["byRealPart"])
            jacobian = np.load(out("jacobian")) if ext == ".npy" else np.loadtxt(out("jacobian"), delimiter=",")
            assert np.allclose(np.sort(np.abs(np.linalg.eigvals(jacobian)))[::-1][:3], np.sort(np.hypot(*np.array(r["field"]["eigenvalues"]["byModulus"]).T))[::-1][:3], atol=1e-6)
    print("every --out file (.npy and .csv) loads with numpy and matches the JSON")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".build/debug/dynamics")
