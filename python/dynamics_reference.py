"""An independent NumPy reference for networks exported by `dynamics export`.

It reads a safetensors file by hand (8-byte header length, JSON header, little-endian data) and
computes the logits of the network for given images from the equations of Chang et al.,
"Reversible Architectures for Arbitrarily Deep Residual Neural Networks" (AAAI 2018), and of the
ResNet (He et al. 2016) and RevNet (Gomez et al. 2017) blocks, as the README documents them. It
shares no code with the Swift implementation and uses NumPy only, in float64.

    tensors, meta = load("net.safetensors")
    logits = logits_of(tensors, meta, images)   # images: N×C×H×W, raw (as the data set stores them)
"""
import json
import struct

import numpy as np


def load(path):
    """(tensors, metadata) of a safetensors file: name → float64 array, metadata as parsed JSON."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    buffer = data[8 + n:]
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, entry in header.items():
        dtype = {"F32": "<f4", "F64": "<f8"}[entry["dtype"]]
        begin, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(buffer[begin:end], dtype=dtype).astype(np.float64).reshape(entry["shape"])
    parsed = {k: (json.loads(v) if k.startswith("dynamics.") and k not in ("dynamics.epoch",) else v) for k, v in meta.items()}
    return tensors, parsed


# ---- layers -------------------------------------------------------------------------------

def conv(x, k, stride=1):
    """Cross-correlation with a 3×3 kernel k [out, in, 3, 3], zero padding 1; stride 2 keeps the
    even rows and columns of the full-resolution result."""
    n, c, h, w = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    y = np.zeros((n, k.shape[0], h, w))
    for dy in range(3):
        for dx in range(3):
            y += np.einsum("oc,nchw->nohw", k[:, :, dy, dx], padded[:, :, dy:dy + h, dx:dx + w])
    return y[:, :, ::stride, ::stride]


def conv_transpose(y, k):
    """Kᵀ, the adjoint of `conv` (stride 1): ⟨conv(x, k), y⟩ = ⟨x, conv_transpose(y, k)⟩. It is
    the cross-correlation with the kernel rotated by 180° and its channel roles swapped."""
    return conv(y, k.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1])


def batch_norm(x, t, name, eps):
    """γ(x − μ)/√(σ² + ε) + β with the running statistics (evaluation mode)."""
    shape = (1, -1, 1, 1)
    mean, var = t[name + ".running_mean"].reshape(shape), t[name + ".running_var"].reshape(shape)
    return t[name + ".weight"].reshape(shape) * (x - mean) / np.sqrt(var + eps) + t[name + ".bias"].reshape(shape)


def activation(name):
    return {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh}[name]


def hidden(x, t, name, sigma, eps, stride=1):
    """σ(Kx + b), or with batch norm σ(BN₂(K·σ(BN₁x))) (BN₁ only where the file has it)."""
    if name + ".bn_in.weight" in t:
        x = sigma(batch_norm(x, t, name + ".bn_in", eps))
    z = conv(x, t[name + ".weight"], stride)
    if name + ".bn.weight" in t:
        return sigma(batch_norm(z, t, name + ".bn", eps))
    return sigma(z + t[name + ".bias"].reshape(1, -1, 1, 1))


def residual(x, t, name, sigma, eps, stride=1):
    """f(x) = K₂ s + b₂ with s = hidden(x) under name.K1 (K₂ without bias when normalised)."""
    s = hidden(x, t, name + ".K1", sigma, eps, stride)
    y = conv(s, t[name + ".K2.weight"])
    if name + ".K2.bias" in t:
        y = y + t[name + ".K2.bias"].reshape(1, -1, 1, 1)
    return y


def symmetric(x, t, name, sigma, eps):
    """Kᵀσ(Kx + b) (or its normalised form) with the same K twice."""
    return conv_transpose(hidden(x, t, name, sigma, eps), t[name + ".weight"])


def pool_and_pad(x, channels):
    """2×2 average pooling (an odd side: the last window averages the pixels it covers, giving
    ⌈n/2⌉), then zero channels appended up to `channels`."""
    n, c, h, w = x.shape
    hh, ww = (h + 1) // 2, (w + 1) // 2
    total = np.zeros((n, c, hh, ww))
    count = np.zeros((1, 1, hh, ww))
    for dy in range(2):
        for dx in range(2):
            part = x[:, :, dy::2, dx::2]
            total[:, :, :part.shape[2], :part.shape[3]] += part
            count[:, :, :part.shape[2], :part.shape[3]] += 1
    return np.concatenate([total / count, np.zeros((n, channels - c, hh, ww))], axis=1)


# ---- blocks -------------------------------------------------------------------------------
# A state is a tuple of feature maps: (Y, Z) halves for the Hamiltonian, RevNet and midpoint
# blocks (the midpoint's as (previous halves, current halves)), (y_prev, y) for leapfrog, (x,) for ResNet.

def split(x):
    c = x.shape[1] // 2
    return x[:, :c], x[:, c:]


def start(block, x):
    if block in ("hamiltonian", "revnet"):
        return split(x)
    if block == "midpoint":
        return (split(x), split(x))   # Y₋₁ = Y₀
    if block == "leapfrog":
        return (x, x)                 # y₋₁ = y₀
    return (x,)


def features(block, s):
    if block in ("hamiltonian", "revnet"):
        return np.concatenate(s, axis=1)
    if block == "midpoint":
        return np.concatenate(s[1], axis=1)
    if block == "leapfrog":
        return s[1]
    return s[0]


def map_state(block, s, f):
    """Applies f to every feature map of a state (a transition acts on each)."""
    if block == "midpoint":
        return (tuple(f(a) for a in s[0]), tuple(f(a) for a in s[1]))
    return tuple(f(a) for a in s)


def step(block, s, t, name, sigma, eps, h):
    if block == "hamiltonian":
        # Staggered Störmer–Verlet on Y' = K₁ᵀσ(K₁Z + b₁), Z' = −K₂ᵀσ(K₂Y + b₂) (eq. 7).
        y, z = s
        y = y + h * symmetric(z, t, name + ".K1", sigma, eps)
        z = z - h * symmetric(y, t, name + ".K2", sigma, eps)
        return (y, z)
    if block == "revnet":
        # Additive coupling Y ← Y + F(Z), Z ← Z + G(Y) (h = 1 in the standard RevNet).
        y, z = s
        y = y + h * residual(z, t, name + ".F", sigma, eps)
        z = z + h * residual(y, t, name + ".G", sigma, eps)
        return (y, z)
    if block == "midpoint":
        # Y_{j+1} = Y_{j−1} + 2h f(Y_j), f(Y, Z) = (σ(KZ + b₁), σ(−KᵀY + b₂)).
        (py, pz), (y, z) = s
        k = t[name + ".K.weight"]
        fy = sigma(conv(z, k) + t[name + ".K.bias"].reshape(1, -1, 1, 1))
        fz = sigma(-conv_transpose(y, k) + t[name + ".b2"].reshape(1, -1, 1, 1))
        return ((y, z), (py + 2 * h * fy, pz + 2 * h * fz))
    if block == "leapfrog":
        # y_{j+1} = 2y_j − y_{j−1} − h²Kᵀσ(Ky_j + b) (eq. 9).
        previous, y = s
        return (y, 2 * y - previous - h * h * symmetric(y, t, name + ".K", sigma, eps))
    # ResNet: x + h f(x).
    (x,) = s
    return (x + h * residual(x, t, name, sigma, eps),)


def downsampling_unit(block, s, t, name, sigma, eps, channels):
    """The strided transition: y = P(x) + f(x) (ResNet), y₁ = P(x₁) + F(x₂), y₂ = P(x₂) + G(y₁) (RevNet),
    P pooling 2×2 and zero-padding, f and F starting with a stride-2 convolution."""
    if block == "revnet":
        x1, x2 = s
        y1 = pool_and_pad(x1, channels // 2) + residual(x2, t, name + ".F", sigma, eps, stride=2)
        y2 = pool_and_pad(x2, channels // 2) + residual(y1, t, name + ".G", sigma, eps)
        return (y1, y2)
    (x,) = s
    return (pool_and_pad(x, channels) + residual(x, t, name, sigma, eps, stride=2),)


# ---- network ------------------------------------------------------------------------------

def logits_of(t, meta, images):
    """The logits (N × classes) for raw images N×C×H×W: standardised per channel, stem, units
    with their transitions, head (batch norm, ReLU, global average pooling, linear)."""
    config = meta["dynamics.configuration"]
    arch = config["architecture"]
    block, units, filters = arch["block"], arch["units"], arch["filters"]
    sigma = activation(arch.get("activation", "relu"))
    strided = arch.get("transitions", "pool") == "strided"
    h, eps = float(meta["dynamics.step_size"]), float(meta["dynamics.batchnorm_epsilon"])
    mean = np.asarray(meta["dynamics.mean"]).reshape(1, -1, 1, 1)
    std = np.asarray(meta["dynamics.std"]).reshape(1, -1, 1, 1)
    x = (np.asarray(images, dtype=np.float64) - mean) / std
    relu = activation("relu")
    x = hidden(x, t, "stem", relu, eps)                   # σ(Kx + b) or σ(BN(Kx)), ReLU
    s = start(block, x)
    for stage in range(3):
        for k in range(units[stage]):
            name = f"stage{stage + 1}.unit{k + 1}"
            transition = stage > 0 and k == 0                # runs at the previous width, then downsamples
            if transition and strided:
                s = downsampling_unit(block, s, t, name, sigma, eps, filters[stage + 1])
                continue
            s = step(block, s, t, name, sigma, eps, h)
            if transition:
                parts = 2 if block in ("hamiltonian", "revnet", "midpoint") else 1
                s = map_state(block, s, lambda a: pool_and_pad(a, filters[stage + 1] // parts))
    y = relu(batch_norm(features(block, s), t, "head.bn", eps))
    pooled = y.mean(axis=(2, 3))
    return pooled @ t["head.fc.weight"].T + t["head.fc.bias"]
