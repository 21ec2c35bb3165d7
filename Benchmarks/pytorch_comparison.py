#!/usr/bin/env python3
"""The same network trained by PyTorch (stored activations, and reversible by a custom autograd
function) and by `dynamics bench`, back to back on this machine, with the ratios.

The network is `hamiltonian-74` as `dynamics presets` defines it (Chang et al. 2018, the
authors' configuration): a conv–BN–ReLU stem to 32 channels; 6 + 6 + 6 Hamiltonian units on
channel halves (Y, Z), Y ← Y + h·F₁(Z), Z ← Z − h·F₂(Y) with F(x) = Kᵀσ(BN(K·σ(BN x))) and
h = 1; the first unit of stages 2 and 3 at the previous width, then 2×2 average pooling and
zero channels (widths 32, 64, 112); head BN–ReLU–global average pool–linear. 432,042
parameters, as `dynamics presets` counts them (checked below). BN ε = 1e-3.

PyTorch runs on CPU with its defaults (oneDNN), channels-last, `--threads` threads. Reversible
mode follows RevNet (Gomez et al. 2017) and RevLib: each unit keeps only its output and, in
backward, rebuilds its input by the inverse step and re-runs its functions with gradients.
Not run in CI (PyTorch is not a dependency): `pip install torch`, then
    python3 Benchmarks/pytorch_comparison.py --dynamics .build/release/dynamics
"""
import argparse
import json
import subprocess
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Symmetric(nn.Module):
    """Kᵀσ(BN₂(K·σ(BN₁ x))) on c channels, K: c×c×3×3."""

    def __init__(self, c):
        super().__init__()
        self.k = nn.Parameter(torch.randn(c, c, 3, 3) * (2.0 / (9 * c)) ** 0.5)
        self.bn1, self.bn2 = nn.BatchNorm2d(c, eps=1e-3), nn.BatchNorm2d(c, eps=1e-3)

    def forward(self, x):
        s = F.relu(self.bn2(F.conv2d(F.relu(self.bn1(x)), self.k, padding=1)))
        return F.conv_transpose2d(s, self.k, padding=1)


class Unit(nn.Module):
    def __init__(self, width, h=1.0):
        super().__init__()
        self.f1, self.f2, self.h = Symmetric(width // 2), Symmetric(width // 2), h

    def forward(self, y, z):
        y = y + self.h * self.f1(z)
        return y, z - self.h * self.f2(y)


class ReversibleUnit(torch.autograd.Function):
    """A unit that keeps only its output; backward rebuilds the input and re-runs F₂, F₁."""

    @staticmethod
    def forward(ctx, y, z, unit, *parameters):
        with torch.no_grad():
            y2, z2 = unit(y, z)
        ctx.unit = unit
        ctx.save_for_backward(y2, z2)
        return y2, z2

    @staticmethod
    def backward(ctx, gy2, gz2):
        unit, (y2, z2) = ctx.unit, ctx.saved_tensors
        h = unit.h
        with torch.enable_grad():
            y2d = y2.detach().requires_grad_(True)
            f2 = unit.f2(y2d)
            torch.autograd.backward(f2, -h * gz2)          # z₂ = z − h·F₂(y₂)
            gy = gy2 + y2d.grad
            z = (z2 + h * f2).detach().requires_grad_(True)
            f1 = unit.f1(z)
            torch.autograd.backward(f1, h * gy)            # y₂ = y + h·F₁(z)
            gz = gz2 + z.grad
        return (gy, gz, None) + (None,) * len(list(unit.parameters()))


def pool_and_pad(x, channels):
    x = F.avg_pool2d(x, 2)
    return torch.cat([x, x.new_zeros(x.shape[0], channels - x.shape[1], x.shape[2], x.shape[3])], dim=1)


class Hamiltonian74(nn.Module):
    def __init__(self, reversible, units=(6, 6, 6), filters=(32, 32, 64, 112), classes=10):
        super().__init__()
        self.reversible, self.filters = reversible, filters
        self.stem = nn.Conv2d(3, filters[0], 3, padding=1, bias=False)
        self.stem_bn = nn.BatchNorm2d(filters[0], eps=1e-3)
        self.stages = nn.ModuleList()
        for stage in range(3):
            widths = [filters[stage] if (stage > 0 and k == 0) else filters[stage + 1] for k in range(units[stage])]
            self.stages.append(nn.ModuleList(Unit(w) for w in widths))
        self.head_bn = nn.BatchNorm2d(filters[3], eps=1e-3)
        self.fc = nn.Linear(filters[3], classes)

    def forward(self, x):
        x = F.relu(self.stem_bn(self.stem(x)))
        y, z = x.chunk(2, dim=1)
        for stage, units in enumerate(self.stages):
            for k, unit in enumerate(units):
                if self.reversible:
                    y, z = ReversibleUnit.apply(y, z, unit, *unit.parameters())
                else:
                    y, z = unit(y, z)
                if stage > 0 and k == 0:
                    half = self.filters[stage + 1] // 2
                    y, z = pool_and_pad(y, half), pool_and_pad(z, half)
        x = F.relu(self.head_bn(torch.cat([y, z], dim=1)))
        return self.fc(x.mean(dim=(2, 3)))


def pytorch_images_per_second(reversible, batch, steps, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = Hamiltonian74(reversible).to(memory_format=torch.channels_last)
    count = sum(p.numel() for p in model.parameters())
    assert count == 432_042, f"{count} parameters, not hamiltonian-74's 432,042"
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=2e-4)
    images = torch.randn(batch, 3, 32, 32).to(memory_format=torch.channels_last)
    labels = torch.randint(0, 10, (batch,))

    def step():
        optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(model(images), labels).backward()
        optimizer.step()

    step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return batch * steps / (time.perf_counter() - start)


def pytorch_in_child(reversible, batch, steps, threads):
    """`pytorch_images_per_second` in a process of its own: PyTorch's OpenMP threads keep
    spinning for a while after each step, and in this process they would take cores from the
    next run (measured: they halved the dynamics runs that followed)."""
    out = subprocess.run([sys.executable, __file__, "--child", "reversible" if reversible else "stored", "--batch", str(batch),
                          "--steps", str(steps), "--threads", str(threads)], check=True, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def dynamics_images_per_second(executable, backprop, batch, steps, threads):
    out = subprocess.run([executable, "bench", "--preset", "hamiltonian-74", "--batch", str(batch), "--steps", str(steps),
                          "--backprop", backprop, "--json"], check=True, capture_output=True, text=True,
                         env={"OPENBLAS_NUM_THREADS": str(threads), "PATH": "/usr/bin:/bin"})
    return json.loads(out.stdout)


def main():
    parser = argparse.ArgumentParser(description="hamiltonian-74 training throughput: PyTorch against dynamics, side by side")
    parser.add_argument("--dynamics", default=".build/release/dynamics", help="the dynamics executable (a release build)")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=5, help="timed steps per run (after one warm-up step)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2, help="runs of each, alternating")
    parser.add_argument("--child", choices=["stored", "reversible"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(pytorch_images_per_second(args.child == "reversible", args.batch, args.steps, args.threads))
        return
    print(f"torch {torch.__version__} (each PyTorch run in a process of its own), {args.threads} threads, batch {args.batch}, 32×32×3, {args.steps} steps per run")
    rows = {"pytorch stored": [], "pytorch reversible": [], "dynamics stored": [], "dynamics reversible": []}
    extra = None
    for _ in range(args.rounds):
        rows["pytorch stored"].append(pytorch_in_child(False, args.batch, args.steps, args.threads))
        rows["pytorch reversible"].append(pytorch_in_child(True, args.batch, args.steps, args.threads))
        rows["dynamics stored"].append(dynamics_images_per_second(args.dynamics, "stored", args.batch, args.steps, args.threads)["imagesPerSecond"])
        extra = dynamics_images_per_second(args.dynamics, "reversible", args.batch, args.steps, args.threads)
        rows["dynamics reversible"].append(extra["imagesPerSecond"])
    for name, values in rows.items():
        print(f"  {name:20s} " + "  ".join(f"{v:7.1f}" for v in values) + "  images/s")
    best = {name: max(values) for name, values in rows.items()}
    print(f"dynamics reversible / pytorch stored:     {best['dynamics reversible'] / best['pytorch stored']:.2f}×  (best runs)")
    print(f"dynamics reversible / pytorch reversible: {best['dynamics reversible'] / best['pytorch reversible']:.2f}×")
    print(f"dynamics stored / pytorch stored:         {best['dynamics stored'] / best['pytorch stored']:.2f}×")
    print(f"dynamics reversible, last run: {extra['gflops']:.1f} useful GFLOP/s = {100 * extra['gflops'] / extra['fmaPeakGflops']:.0f}% of the "
          f"FP32 FMA peak ({extra['fmaPeakGflops']:.0f} GFLOP/s), {100 * extra['gflops'] / extra['sgemmGflops']:.0f}% of SGEMM "
          f"({extra['sgemmGflops']:.0f} GFLOP/s, OpenBLAS {extra['blasCore']})")


if __name__ == "__main__":
    main()
