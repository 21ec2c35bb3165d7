#!/usr/bin/env python3
"""Scaling model of data-parallel training (mpirun -np N dynamics train): time per step on p
machines = compute on the machine's shard + ring all-reduce of the gradient + the latency-bound
batch-norm all-reduces.

    compute      t_image · ⌈B/p⌉                   (per-image time of one machine, measured)
    gradient     2(p−1)/p · 4P/β + 2(p−1)·α         (ring all-reduce of P Float32 values;
                                                     Patarasuk & Yuan, JPDC 2009)
    batch norm   c · ⌈log₂ p⌉ · (α + m/β)          (c small sums per step of m bytes each, by
                                                     recursive doubling; Thakur et al., IJHPCA 2005)

The gradient sum overlaps the backward pass in `dynamics` (bucketed, non-blocking): the 'no
overlap' column adds it in full, the 'overlap' column only what exceeds half the compute (the
backward pass is about half of a reversible step). Batch-norm sums cannot overlap: each
normalisation waits for its statistics.

Inputs are measured figures (see README, "Data-parallel training"); every default below says
where it comes from. Usage: python3 Benchmarks/mpi_scaling_model.py [--help]
"""
import argparse
import math

# name: (parameters, global batch, steps to train). Parameters from `dynamics presets`; batch and
# steps from the paper's schedule (80,000 steps of 100; Hamiltonian-1202: 240,000 of 32).
NETWORKS = {
    "hamiltonian-74": (432_042, 100, 80_000),
    "hamiltonian-1202": (9_699_370, 32, 240_000),
}
LINKS = {  # name: (bandwidth bytes/s, latency s)
    "10GbE (TCP)": (1.25e9, 25e-6),
    "InfiniBand HDR": (25e9, 2e-6),
}


def step_time(p, t_image, batch, parameters, collectives, bandwidth, latency, overlap):
    compute = t_image * math.ceil(batch / p)
    gradient = 0.0 if p == 1 else 2 * (p - 1) / p * 4 * parameters / bandwidth + 2 * (p - 1) * latency
    norm = 0.0 if p == 1 else collectives * math.ceil(math.log2(p)) * (latency + 1024 / bandwidth)
    exposed = max(0.0, gradient - compute / 2) if overlap else gradient
    return compute + exposed + norm, compute, gradient, norm


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--image-seconds-74", type=float, required=True, help="seconds per training image of hamiltonian-74 on one machine")
    parser.add_argument("--image-seconds-1202", type=float, required=True, help="the same for hamiltonian-1202")
    parser.add_argument("--collectives-74", type=float, required=True, help="collectives per step of hamiltonian-74 (dynamics train --json under mpirun)")
    parser.add_argument("--collectives-1202", type=float, required=True, help="the same for hamiltonian-1202")
    args = parser.parse_args()
    figures = {
        "hamiltonian-74": (args.image_seconds_74, args.collectives_74),
        "hamiltonian-1202": (args.image_seconds_1202, args.collectives_1202),
    }
    for name, (parameters, batch, steps) in NETWORKS.items():
        t_image, collectives = figures[name]
        one, *_ = step_time(1, t_image, batch, parameters, collectives, 1, 0, False)
        print(f"\n{name}: {parameters:,} parameters, global batch {batch}, {steps:,} steps; one machine {one:.2f} s/step, {one * steps / 3600:.1f} h")
        for link, (bandwidth, latency) in LINKS.items():
            print(f"  {link}: machines, s/step (gradient sum overlapped), compute, gradient sum, batch-norm sums, speed-up, hours")
            for p in (8, 32, 128):
                total, compute, gradient, norm = step_time(p, t_image, batch, parameters, collectives, bandwidth, latency, True)
                print(f"    {p:4d}  {total:7.3f}  {compute:7.3f}  {gradient:7.4f}  {norm:7.4f}  {one / total:6.1f}×  {total * steps / 3600:6.1f}")


if __name__ == "__main__":
    main()
