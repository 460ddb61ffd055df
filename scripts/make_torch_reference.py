"""Generate tests/data/torch_reference.json: trajectories recorded from torch.optim (float64).

    pip install torch==2.13.0   # CPU build; see the project's env notes
    python scripts/make_torch_reference.py

torch is needed only here, never to run adamviz or its tests. Everything torch records here is
torch's own: each surface's formula is evaluated on torch tensors, operator by operator in
Python's order (the same checked syntax tree adamviz parses, with Python's ``+ - * / **`` on
tensors, so ``c / x`` is ``x.__rtruediv__(c)`` exactly as a script would run it), and its
gradients come from torch autograd. The optimizer is a ``torch.optim`` class fed those
gradients. So a test that matches these trajectories checks adamviz's derivatives and its
update rules together. The file also holds autograd gradients and Hessians at spread-out points.
"""

from __future__ import annotations

import ast
import json
import math
import operator
import platform
from pathlib import Path

import numpy as np
import torch

from adamviz import engine, optimizers, surfaces
from adamviz.core.expressions import ALIASES

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "torch_reference.json"
STEPS = 60
SURFACES = ("hump", "rosenbrock", "beale", "himmelblau", "valley", "saddle", "rastrigin")
# Long runs where rounding differences would grow: the RMSProp on Rosenbrock.
LONG = [("rosenbrock", "rmsprop", {}, 2000), ("rosenbrock", "rmsprop", {"centered": True}, 2000),
        ("beale", "adam", {}, 1000)]

# Variants beyond the defaults: every hyperparameter torch has is exercised at least once.
VARIANTS = {
    "sgd": [{"weight_decay": 0.1, "dampening": 0.3, "momentum": 0.5},
            {"momentum": 0.6, "nesterov": True, "lr": 0.0005}],
    "momentum": [{"momentum": 0.5, "dampening": 0.2, "weight_decay": 0.03}],
    "nesterov": [{"momentum": 0.7, "weight_decay": 0.05}],
    "adagrad": [{"lr_decay": 0.05, "initial_accumulator_value": 0.1, "weight_decay": 0.02,
                 "eps": 1e-6}],
    "rmsprop": [{"centered": True, "eps": 1e-4},
                {"momentum": 0.5, "weight_decay": 0.01, "alpha": 0.9}],
    "adam": [{"amsgrad": True, "eps": 1e-3}, {"weight_decay": 0.1, "beta1": 0.3, "beta2": 0.9}],
    "adamw": [{"amsgrad": True, "weight_decay": 0.2, "beta1": 0.8, "beta2": 0.99, "eps": 1e-4}],
    "adamax": [{"weight_decay": 0.05, "beta1": 0.4, "beta2": 0.9, "eps": 1e-4}],
    "nadam": [{"decoupled_weight_decay": True, "weight_decay": 0.1, "beta1": 0.8},
              {"momentum_decay": 0.01, "weight_decay": 0.02, "beta2": 0.99, "eps": 1e-5}],
    "radam": [{"decoupled_weight_decay": True, "weight_decay": 0.1, "beta1": 0.7},
              {"beta2": 0.9, "eps": 1e-4}],
}

TORCH_FUNCTIONS = {
    "exp": torch.exp, "log": torch.log, "sqrt": torch.sqrt, "abs": torch.abs,
    "sign": torch.sign, "sin": torch.sin, "cos": torch.cos, "tan": torch.tan,
    "sinh": torch.sinh, "cosh": torch.cosh, "tanh": torch.tanh, "arcsin": torch.asin,
    "arccos": torch.acos, "arctan": torch.atan, "arctan2": torch.atan2,
    "arcsinh": torch.asinh, "arccosh": torch.acosh, "arctanh": torch.atanh,
}
OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
             ast.Div: operator.truediv, ast.Pow: operator.pow}


def torch_formula(node, env):
    """Evaluate a checked formula tree as a Python script would, with tensors for x and y."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return env[node.id] if node.id in env else {"pi": math.pi, "e": math.e}[node.id]
    if isinstance(node, ast.UnaryOp):
        value = torch_formula(node.operand, env)
        return -value if isinstance(node.op, ast.USub) else +value
    if isinstance(node, ast.BinOp):
        return OPERATORS[type(node.op)](torch_formula(node.left, env),
                                        torch_formula(node.right, env))
    args = [torch_formula(a, env) for a in node.args]
    if all(isinstance(a, int | float) for a in args):
        args = [torch.tensor(float(a)) for a in args]
    return TORCH_FUNCTIONS[ALIASES.get(node.func.id, node.func.id)](*args)


def torch_gradient(surface, points: np.ndarray, hessian: bool = False):
    """Autograd gradient (and Hessian) of the surface's formula at ``points`` (N, D)."""
    xs = [torch.tensor(points[:, i], requires_grad=True) for i in range(points.shape[1])]
    value = torch_formula(surface.formula.tree.body, dict(zip("xy", xs, strict=False)))
    grads = torch.autograd.grad(value.sum(), xs, create_graph=hessian)
    grad = np.stack([g.detach().numpy() for g in grads], axis=1)
    if not hessian:
        return grad
    rows = [torch.autograd.grad(g.sum(), xs, retain_graph=True, allow_unused=True) for g in grads]
    hess = np.stack([np.stack([np.zeros(len(points)) if h is None else h.detach().numpy()
                               for h in row], axis=1) for row in rows], axis=1)
    return grad, hess


def torch_optimizer(name: str, hyper: dict, params):
    """The torch.optim object equivalent to adamviz optimizer ``name`` with ``hyper``."""
    h = dict(hyper)
    betas = {"betas": (h.pop("beta1"), h.pop("beta2"))} if "beta1" in h else {}
    if name in ("sgd", "momentum", "nesterov"):
        h["nesterov"] = h.get("nesterov", False) or name == "nesterov"
        return torch.optim.SGD(params, **h)
    if name == "adam":
        assert h.pop("bias_correction") and not h.pop("eps_inside_sqrt")  # torch has neither
    cls = {"adagrad": torch.optim.Adagrad, "rmsprop": torch.optim.RMSprop,
           "adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "adamax": torch.optim.Adamax,
           "nadam": torch.optim.NAdam, "radam": torch.optim.RAdam}[name]
    return cls(params, **h, **betas)


def record(surface, name: str, variant: dict, starts: np.ndarray, steps: int) -> dict:
    hyper = dict(variant)
    if "lr" not in hyper and name in surface.lr:
        hyper["lr"] = surface.lr[name]
    hyper = dict(optimizers.make(name, **hyper).hyperparams)  # validated, defaults filled
    p = torch.tensor(starts, dtype=torch.float64, requires_grad=True)
    topt = torch_optimizer(name, hyper, [p])
    path = [p.detach().numpy().copy()]
    for _ in range(steps):
        p.grad = torch.tensor(torch_gradient(surface, p.detach().numpy()))
        topt.step()
        path.append(p.detach().numpy().copy())
    path = np.array(path)  # (steps+1, N, 2)
    lo, hi = engine.escape_box(surface)
    if not np.isfinite(path).all() or (path < lo).any() or (path > hi).any():
        raise SystemExit(f"{name} {hyper} on {surface.name} diverged; pick another case")
    return {"surface": surface.name, "optimizer": name, "hyperparams": hyper,
            "starts": starts.tolist(), "steps": steps, "points": path.tolist()}


def starts_for(surface) -> np.ndarray:
    """The surface's start and two nearby ones (the far corners of some boxes are so steep
    that the file's learning rates diverge there, which tests nothing)."""
    (x0, x1), (y0, y1) = surface.box
    sx, sy = surface.default_start
    w, h = x1 - x0, y1 - y0
    return np.array([(sx, sy), (sx + 0.05 * w, sy - 0.04 * h), (sx - 0.03 * w, sy + 0.06 * h)])


def main() -> None:
    torch.set_default_dtype(torch.float64)  # torch keeps step counters/mu_product in this dtype
    cases, derivatives = [], []
    for surface_name in SURFACES:
        surface = surfaces.load(surface_name)
        visited = []
        for name in optimizers.OPTIMIZERS:
            for variant in [{}] + VARIANTS[name]:
                case = record(surface, name, variant, starts_for(surface), STEPS)
                cases.append(case)
                visited.append(np.array(case["points"]).reshape(-1, 2))
        points = np.unique(np.concatenate(visited), axis=0)[::7]  # a spread-out subset
        rng = np.random.default_rng(len(derivatives))
        box = np.array(surface.box)
        points = np.concatenate([points, rng.uniform(box[:, 0], box[:, 1], (200, 2))])
        grad, hess = torch_gradient(surface, points, hessian=True)
        derivatives.append({"surface": surface_name, "points": points.tolist(),
                            "gradient": grad.tolist(), "hessian": hess.tolist()})
    long = [record(surfaces.load(s), o, v, starts_for(surfaces.load(s))[:1], n)
            for s, o, v, n in LONG]
    data = {"generated_by": "scripts/make_torch_reference.py", "torch": torch.__version__,
            "python": platform.python_version(), "dtype": "float64", "cases": cases,
            "long": long, "derivatives": derivatives}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print(f"wrote {OUT}: {len(cases)} trajectories of {STEPS} steps, {len(long)} long ones, "
          f"{sum(len(d['points']) for d in derivatives)} derivative points")


if __name__ == "__main__":
    main()
