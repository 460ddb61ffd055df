"""Generate tests/data/torch_data.json: torch's own paths and derivatives on the losses over data.

    pip install torch==2.13.0   # CPU build; see the project's env notes
    python scripts/make_torch_data_reference.py

For every built-in surface with ``data``, the formula is evaluated as a torch script would
(``make_torch_reference.torch_formula``: Python's operators on tensors, in the checked tree's
order), each parameter a scalar tensor, each column the training rows as a tensor, ``mean(...)``
and ``sum(...)`` torch's over the rows; autograd gives the gradient and the Hessian, and the
torch.optim class of each optimizer takes the steps (full batch, float64). torch is needed only
here, never to run adamviz or its tests.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_torch_reference import (  # noqa: E402  (the one formula evaluator, shared)
    OUT,
    TORCH_FUNCTIONS,
    head,
    torch_arguments,
    torch_formula,
)

from adamviz import optimizers, surfaces  # noqa: E402

TORCH_FUNCTIONS.update(mean=torch.mean, sum=torch.sum)  # over the rows: the reductions
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "nadam")
STEPS = 100
POINTS = 40  # random points per surface for the derivatives


def data_surfaces() -> list:
    found = [surfaces.load(name) for name in sorted(surfaces.available())]
    return [s for s in found if hasattr(s, "data")]


def torch_value(surface, params):
    """The loss at one point (a tuple of scalar tensors) over the training rows."""
    table = surface.data.train
    env = {c: torch.tensor(np.asarray(table.columns[c])) for c in surface.data.formula.columns}
    env.update(zip(surface.params, params, strict=True))
    return torch_formula(surface.formula.tree.body, env)


def torch_gradient(surface, point):
    """The loss at one point and its autograd gradient (kept for a second derivative)."""
    params = [torch.tensor(float(v), requires_grad=True) for v in point]
    value = torch_value(surface, params)
    return params, value, torch.autograd.grad(value, params, create_graph=True)


def torch_derivatives(surface, points: np.ndarray):
    """Value, gradient and Hessian by autograd at each of ``points`` (N, D)."""
    values, grads, hessians = [], [], []
    for point in points:
        params, value, grad = torch_gradient(surface, point)
        hess = [[0.0 if h is None else float(h) for h in
                 torch.autograd.grad(g, params, retain_graph=True, allow_unused=True)]
                for g in grad]
        values.append(float(value))
        grads.append([float(g) for g in grad])
        hessians.append(hess)
    return values, grads, hessians


def path(surface, name: str, starts: np.ndarray) -> dict:
    """torch.optim's full-batch steps of ``name`` (the surface's lr for it) from ``starts``."""
    hyper = {"lr": surface.lr[name]} if name in surface.lr else {}
    hyper = dict(optimizers.make(name, **hyper).hyperparams)
    cls, kwargs = torch_arguments(name, hyper)
    p = torch.tensor(starts, dtype=torch.float64, requires_grad=True)
    topt = cls([p], **kwargs)
    points = [p.detach().numpy().copy()]
    for _ in range(STEPS):
        p.grad = torch.tensor([[float(g) for g in torch_gradient(surface, q)[2]]
                               for q in p.detach().numpy()])
        topt.step()
        points.append(p.detach().numpy().copy())
    return {"surface": surface.name, "optimizer": name, "hyperparams": hyper,
            "starts": starts.tolist(), "steps": STEPS, "points": np.array(points).tolist()}


def main() -> None:
    torch.set_default_dtype(torch.float64)
    cases, derivatives = [], []
    for i, surface in enumerate(data_surfaces()):
        rng = np.random.default_rng(i)
        box = np.array(surface.box)
        points = np.concatenate([[surface.default_start],
                                 rng.uniform(box[:, 0], box[:, 1], (POINTS, surface.dims))])
        values, grads, hessians = torch_derivatives(surface, points)
        derivatives.append({"surface": surface.name, "points": points.tolist(),
                            "value": values, "gradient": grads, "hessian": hessians})
        starts = points[:3]
        cases += [path(surface, name, starts) for name in OPTIMIZERS]
        print(f"{surface.name}: {len(points)} points, {len(OPTIMIZERS)} optimizers")
    data = {**head(), "generated_by": "scripts/make_torch_data_reference.py",
            "derivatives": derivatives, "cases": cases}
    (OUT.parent / "torch_data.json").write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print(f"wrote {OUT.parent / 'torch_data.json'}")


if __name__ == "__main__":
    main()
