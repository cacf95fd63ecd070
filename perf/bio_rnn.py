"""Training throughput of the bio-RNN benchmark against a plain ``torch.nn.RNN`` of the same size, and
the cost and error of the communicability penalty.

Same data (a batch of 128 T1 trials, T = 50, 8 inputs), same size (N = 312 ReLU units, one thread):

* ``plain``: ``torch.nn.RNN`` + ``Linear`` readout, cross-entropy, Adam step (the peer);
* ``W*D*C`` port: the benchmark's model and step with the ``lambda sum |U| D* C`` penalty, C by
  the Taylor scaling-and-squaring exponential (:func:`neuropil.benchmarks.tasks.bio_rnn.model.expm_taylor`);
* the same with ``torch.linalg.matrix_exp`` (Padé; what a direct port of the reference's
  ``tf.linalg.expm`` does), and ``W*D*C*`` (the EMD penalty);

prints trials/s and the ratio of each step to the plain step (target: the communicability step
<= 3x), then the error of the Taylor communicability against ``scipy.linalg.expm`` (float64) on
real |U| matrices: the bio init of field 6_6_2, an orthogonal init and a 10x-scaled one.

    python perf/bio_rnn.py [--home DIR] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os

import numpy as np
from _timing import best_of


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", default=os.environ.get("NEUROPIL_HOME"))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=3, help="updates per timed call")
    args = parser.parse_args()

    import torch
    from scipy.linalg import expm

    from neuropil.benchmarks.tasks.bio_rnn import inits, model, sources, trials

    torch.set_num_threads(1)
    field = sources.load_microns_field("6_6_2", home=args.home)
    generated = trials.make_trials("t1", 128, seed=0)
    x, y = torch.from_numpy(generated.x), torch.from_numpy(generated.y)

    rnn = torch.nn.RNN(8, field.n, nonlinearity="relu", batch_first=True)
    readout = torch.nn.Linear(field.n, 4)
    plain_optimizer = torch.optim.Adam([*rnn.parameters(), *readout.parameters()], lr=1e-3)

    def plain_step() -> None:
        for _ in range(args.steps):
            states, _ = rnn(x)
            loss = torch.nn.functional.cross_entropy(readout(states[:, -1]), y)
            plain_optimizer.zero_grad()
            loss.backward()
            plain_optimizer.step()

    def port_step(variant: str, method: str):
        parsed = model.parse_variant(variant)
        net = model.BioRNN.build(8, field.n, 4, inits.initial_recurrent(parsed, field, seed=0),
                                 generator=torch.Generator().manual_seed(0))
        penalty = model.build_penalty(parsed, field, protocol="reference", method=method)
        optimizer = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=1e-3)

        def step() -> None:
            for _ in range(args.steps):
                noisy = x + model.INPUT_NOISE * torch.randn(x.shape)
                loss = torch.nn.functional.cross_entropy(net(noisy), y) + penalty(net.recurrent)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        return step

    cases = [("plain torch.nn.RNN (peer)", plain_step),
             ("port W (L1)", port_step("W", "taylor")),
             ("port W*D*C (Taylor expm)", port_step("W*D*C", "taylor")),
             ("port W*D*C (torch matrix_exp)", port_step("W*D*C", "matrix_exp")),
             ("port W*D*C* (EMD, Taylor)", port_step("W*D*C*", "taylor"))]
    for _, action in cases:  # warm-up
        action()
    floor = None
    print(f"N = {field.n}, batch 128, T = 50, {args.steps} updates per call, best of {args.repeats}, 1 thread")
    print(f"{'step':34s} {'ms/update':>10s} {'trials/s':>9s} {'x plain':>8s}")
    for name, action in cases:
        seconds = best_of(args.repeats, action) / args.steps
        floor = floor or seconds
        print(f"{name:34s} {seconds * 1e3:10.1f} {128 / seconds:9.0f} {seconds / floor:8.2f}")

    print("\nTaylor communicability vs scipy.linalg.expm (float64), relative max error:")
    rng = np.random.default_rng(0)
    matrices = {"bio W* (6_6_2)": inits.initial_recurrent(model.parse_variant("W*"), field, seed=0),
                "orthogonal": inits.orthogonal(field.n, rng=rng)}
    matrices["orthogonal x 10"] = 10 * matrices["orthogonal"]
    for name, u in matrices.items():
        magnitude = np.abs(u)
        strength = magnitude.sum(1)
        normalised = magnitude / np.sqrt(strength)[:, None] / np.sqrt(strength)[None, :]
        exact = expm(normalised)
        np.fill_diagonal(exact, 0)
        for dtype in (torch.float64, torch.float32):
            got = model.communicability(torch.as_tensor(magnitude, dtype=dtype)).double().numpy()
            error = np.abs(got - exact).max() / np.abs(exact).max()
            print(f"  {name:18s} {str(dtype):14s} ||A||_1 = {np.abs(normalised).sum(0).max():5.2f}  {error:.2e}")


if __name__ == "__main__":
    main()
