"""Generate tests/data/torch_networks.json: torch's own numbers for the network surfaces.

    pip install torch==2.13.0   # CPU build; see the project's env notes
    python scripts/make_network_reference.py

For moons-net, cars-net, a 2-8-8-1 relu network and a 2-4-2 sigmoid one with a softmax output
on the moons (``RELU``, ``SOFTMAX``, made through the same ``surfaces.from_dict``), a torch
``nn.Sequential(Linear, act, ..., Linear)`` is loaded with the surface's initial weights (its
``state_dict()`` filled from the flat vector) in float64, and:

- the loss, its autograd gradient and Hessian-vector products (double backward) at the start
  and two points near it;
- 60 steps of every built-in optimizer that has a torch.optim class, with the surface's lr for
  it, on all the training rows, and again on minibatches of 32 rows: the rows of each step are
  the ones adamviz's engine takes (``minibatches.BatchStreams`` with seed 0 and the key (0, 0)
  of the first run of ``adamviz.run``), so torch sees the same batches;
- on a surface with validation rows, the held-out loss at every step (adamviz records it as
  the run's monitor).

Paths keep every coordinate at the steps in ``KEPT`` and the loss at every step (the file stays
small). torch is needed only here, never to run adamviz or its tests.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_torch_reference import OUT, head, torch_arguments  # noqa: E402

from adamviz import optimizers, surfaces  # noqa: E402
from adamviz.minibatches import BatchStreams  # noqa: E402
from adamviz.optimizers import registry  # noqa: E402

RELU = {"name": "moons-relu", "description": "a 2-8-8-1 relu network on the moons",
        "data": "moons", "init_seed": 1, "steps": 60,
        "model": {"layers": [2, 8, 8, 1], "activation": "relu", "loss": "cross_entropy",
                  "inputs": ["x1", "x2"], "target": "label"},
        "lr": {"sgd": 0.5, "momentum": 0.1, "nesterov": 0.1, "adagrad": 0.1, "rmsprop": 0.01,
               "adam": 0.02, "adamw": 0.02, "adamax": 0.05, "nadam": 0.02, "radam": 0.05,
               "adadelta": 1.0, "rprop": 0.01}}
# Two classes as two outputs (CrossEntropyLoss), sigmoid hidden units, a validation share
SOFTMAX = {"name": "moons-softmax", "description": "a 2-4-2 sigmoid network on the moons",
           "data": "moons", "init_seed": 2, "steps": 60, "validation": 0.2, "split_seed": 3,
           "model": {"layers": [2, 4, 2], "activation": "sigmoid", "loss": "cross_entropy",
                     "inputs": ["x1", "x2"], "target": "label"},
           "lr": {**RELU["lr"], "sgd": 1.0, "momentum": 0.3, "nesterov": 0.3}}
DEFINED = (RELU, SOFTMAX)  # made through surfaces.from_dict, as a file's table would be
STEPS = 60
KEPT = (0, 1, 2, 10, 60)  # the steps whose every coordinate is kept
BATCH = 32
SEED = 0
KEY = (0, 0)  # adamviz.run's first optimizer from its first start
ACTIVATIONS = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid,
               "identity": torch.nn.Identity}


def torch_optimizers() -> list[str]:
    return [n for n in optimizers.OPTIMIZERS if registry.definition(n).torch]


def module(surface, flat) -> torch.nn.Sequential:
    """The torch network of ``surface`` with its parameters from ``flat`` (P,)."""
    net = surface.network.model
    layers = []
    for n, (i, o) in enumerate(zip(net.layers, net.layers[1:], strict=False)):
        layers.append(torch.nn.Linear(i, o))
        if n < len(net.layers) - 2:
            layers.append(ACTIVATIONS[net.activation]())
    model = torch.nn.Sequential(*layers).double()
    state, at = {}, 0
    for key, value in model.state_dict().items():
        state[key] = torch.tensor(np.asarray(flat[at:at + value.numel()]).reshape(value.shape))
        at += value.numel()
    model.load_state_dict(state)
    return model


def criterion(surface, x, y):
    """The torch loss of ``surface``'s network on rows ``x``, ``y`` as a function of a model."""
    net = surface.network.model
    x, y = torch.tensor(x), torch.tensor(y)
    if net.loss == "squared_error":
        return lambda m: torch.nn.MSELoss()(m(x), y[:, None])
    if net.outputs == 1:
        return lambda m: torch.nn.BCEWithLogitsLoss()(m(x), y[:, None])
    return lambda m: torch.nn.CrossEntropyLoss()(m(x), y.long())


def flat_of(tensors) -> np.ndarray:
    return torch.cat([t.reshape(-1) for t in tensors]).detach().numpy().copy()


def derivatives(surface, rng) -> dict:
    fit = surface.network
    loss = criterion(surface, fit.train_x, fit.train_y)
    points = [fit.init, *(fit.init + rng.normal(0, 0.5, fit.n_params) for _ in range(2))]
    found = {"points": [], "value": [], "gradient": [], "directions": [], "hvp": []}
    for point in points:
        model = module(surface, point)
        params = list(model.parameters())
        value = loss(model)
        grad = torch.autograd.grad(value, params, create_graph=True)
        flat_grad = torch.cat([g.reshape(-1) for g in grad])
        V = rng.normal(size=(fit.n_params, 3))
        products = [flat_of(torch.autograd.grad(flat_grad @ torch.tensor(v), params,
                                                retain_graph=True)) for v in V.T]
        found["points"].append(point.tolist())
        found["value"].append(float(value.detach()))
        found["gradient"].append(flat_of(grad).tolist())
        found["directions"].append(V.tolist())
        found["hvp"].append(np.array(products).T.tolist())
    return found


def path(surface, name: str, batch: int | None) -> dict:
    """torch.optim's steps of ``name`` from the surface's start, full batch or minibatches."""
    fit = surface.network
    hyper = {"lr": surface.lr[name]} if name in surface.lr else {}
    hyper = dict(optimizers.make(name, **hyper).hyperparams)
    cls, kwargs = torch_arguments(name, hyper)
    model = module(surface, fit.init)
    topt = cls(model.parameters(), **kwargs)
    full = criterion(surface, fit.train_x, fit.train_y)
    held = None if fit.validation_x is None else \
        criterion(surface, fit.validation_x, fit.validation_y)
    streams = None if batch is None else BatchStreams(surface, batch, SEED, [KEY])
    kept, losses, monitor = {0: fit.init.tolist()}, [], []
    with torch.no_grad():
        losses.append(float(full(model)))
        if held is not None:
            monitor.append(float(held(model)))
    for k in range(1, STEPS + 1):
        if streams is None:
            step_loss = full
        else:
            rows = streams.rows_at(k, np.array([0]))[0]
            step_loss = criterion(surface, fit.train_x[rows], fit.train_y[rows])
        topt.zero_grad()
        step_loss(model).backward()
        topt.step()
        with torch.no_grad():
            losses.append(float(full(model)))
            if held is not None:
                monitor.append(float(held(model)))
        if k in KEPT:
            kept[k] = flat_of(model.parameters()).tolist()
    return {"surface": surface.name, "optimizer": name, "hyperparams": hyper,
            "batch_size": batch, "steps": STEPS, "kept": {str(k): v for k, v in kept.items()},
            "losses": losses, "monitor": monitor or None}


def main() -> None:
    torch.set_default_dtype(torch.float64)
    nets = [surfaces.load("moons-net"), surfaces.load("cars-net"),
            *(surfaces.from_dict(d, source=f"make_network_reference {d['name']}")
              for d in DEFINED)]
    found = {**head(), "generated_by": "scripts/make_network_reference.py",
             "defined": list(DEFINED),
             "derivatives": [], "cases": []}
    for i, surface in enumerate(nets):
        rng = np.random.default_rng(i)
        found["derivatives"].append({"surface": surface.name, **derivatives(surface, rng)})
        for name in torch_optimizers():
            for batch in (None, BATCH):
                found["cases"].append(path(surface, name, batch))
        print(f"{surface.name}: {surface.dims} parameters, "
              f"{2 * len(torch_optimizers())} paths")
    out = OUT.parent / "torch_networks.json"
    out.write_text(json.dumps(found, separators=(",", ":")) + "\n")
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
