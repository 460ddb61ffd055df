"""Generate tests/data/torch_reference.json: trajectories recorded from torch.optim (float64).

    pip install torch==2.13.0   # CPU build; see the project's env notes
    python scripts/make_torch_reference.py

torch is needed only here, never to run adamviz or its tests. For every case (optimizer,
hyperparameters, surface, start points) the script runs the torch optimizer for a fixed number of
steps, feeding it adamviz's exact gradient at torch's current parameters, so the recorded
trajectory tests the optimizer's update rule alone. Separately it records torch *autograd*
gradients of the same formula (rebuilt in torch from the sympy tree) at every visited point, which
tests adamviz's symbolic derivatives independently.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path

import numpy as np
import sympy
import torch

from adamviz import api, engine, optimizers

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "torch_reference.json"
STEPS = 60
SURFACES = ("hump", "rosenbrock", "beale", "himmelblau", "valley", "saddle")

# Variants beyond the defaults: every hyperparameter torch has is exercised at least once.
VARIANTS = {
    "sgd": [{"weight_decay": 0.1, "dampening": 0.3, "momentum": 0.5}],
    "momentum": [{"momentum": 0.5, "dampening": 0.2}],
    "nesterov": [{"momentum": 0.7, "weight_decay": 0.05}],
    "adagrad": [{"lr_decay": 0.05, "initial_accumulator_value": 0.1, "weight_decay": 0.02}],
    "rmsprop": [{"centered": True}, {"momentum": 0.5, "weight_decay": 0.01, "alpha": 0.9}],
    "adam": [{"amsgrad": True}, {"weight_decay": 0.1, "beta1": 0.3, "beta2": 0.9}],
    "adamw": [{"amsgrad": True, "weight_decay": 0.2}],
    "adamax": [{"weight_decay": 0.05, "beta1": 0.4}],
    "nadam": [{"decoupled_weight_decay": True, "weight_decay": 0.1},
              {"momentum_decay": 0.01, "weight_decay": 0.02}],
    "radam": [{"decoupled_weight_decay": True, "weight_decay": 0.1}, {"beta2": 0.9}],
}


def torch_optimizer(name: str, hyper: dict, params):
    """The torch.optim object equivalent to adamviz optimizer ``name`` with ``hyper``."""
    h = dict(hyper)
    betas = {}
    if "beta1" in h:
        betas = {"betas": (h.pop("beta1"), h.pop("beta2"))}
    if name in ("sgd", "momentum", "nesterov"):
        h["nesterov"] = name == "nesterov"
        return torch.optim.SGD(params, **h)
    if name == "adam":
        assert h.pop("bias_correction") and not h.pop("eps_inside_sqrt")  # torch has neither
    cls = {"adagrad": torch.optim.Adagrad, "rmsprop": torch.optim.RMSprop,
           "adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "adamax": torch.optim.Adamax,
           "nadam": torch.optim.NAdam, "radam": torch.optim.RAdam}[name]
    return cls(params, **h, **betas)


_TORCH_FUNCS = {
    sympy.exp: torch.exp, sympy.log: torch.log, sympy.sin: torch.sin, sympy.cos: torch.cos,
    sympy.tan: torch.tan, sympy.sinh: torch.sinh, sympy.cosh: torch.cosh, sympy.tanh: torch.tanh,
    sympy.asin: torch.asin, sympy.acos: torch.acos, sympy.atan: torch.atan,
    sympy.asinh: torch.asinh, sympy.acosh: torch.acosh, sympy.atanh: torch.atanh,
    sympy.Abs: torch.abs,
}


def to_torch(expr, env):
    """Evaluate a sympy expression with torch tensors (autograd tracks every operation)."""
    if expr.is_Symbol:
        return env[expr.name]
    if expr.is_Number or expr in (sympy.pi, sympy.E):
        return torch.tensor(float(expr), dtype=torch.float64)
    if expr.is_Add:
        out = to_torch(expr.args[0], env)
        for arg in expr.args[1:]:
            out = out + to_torch(arg, env)
        return out
    if expr.is_Mul:
        out = to_torch(expr.args[0], env)
        for arg in expr.args[1:]:
            out = out * to_torch(arg, env)
        return out
    if expr.is_Pow:
        base, exponent = expr.args
        if exponent.is_Integer:
            return to_torch(base, env) ** int(exponent)
        return to_torch(base, env) ** to_torch(exponent, env)
    if expr.func == sympy.atan2:
        return torch.atan2(to_torch(expr.args[0], env), to_torch(expr.args[1], env))
    return _TORCH_FUNCS[expr.func](to_torch(expr.args[0], env))


def autograd_gradients(surface, points: np.ndarray) -> np.ndarray:
    p = torch.tensor(points, dtype=torch.float64, requires_grad=True)
    env = {"x": p[:, 0], "y": p[:, 1]}
    to_torch(surface.formula.symbolic, env).sum().backward()
    return p.grad.numpy().copy()


def record(surface, name: str, spec_hyper: dict, starts: np.ndarray) -> dict:
    opt, _ = api.resolve_optimizer(api.parse_opt(name), surface)
    hyper = {**opt.hyperparams, **spec_hyper}
    opt = optimizers.make(name, **hyper)  # validates, fills defaults
    hyper = opt.hyperparams
    p = torch.tensor(starts, dtype=torch.float64, requires_grad=True)
    topt = torch_optimizer(name, hyper, [p])
    path = [p.detach().numpy().copy()]
    for _ in range(STEPS):
        grad = surface.gradient(p.detach().numpy())
        p.grad = torch.tensor(grad, dtype=torch.float64)
        topt.step()
        path.append(p.detach().numpy().copy())
    path = np.array(path)  # (STEPS+1, N, 2)
    lo, hi = engine._escape_box(surface)
    if not np.isfinite(path).all() or (path < lo).any() or (path > hi).any():
        raise SystemExit(f"{name} {hyper} on {surface.name} diverged; pick another case")
    return {"surface": surface.name, "optimizer": name, "hyperparams": hyper,
            "starts": starts.tolist(), "steps": STEPS, "points": path.tolist()}


def main() -> None:
    torch.set_default_dtype(torch.float64)  # torch keeps step counters/mu_product in this dtype
    cases, gradients = [], []
    for surface_name in SURFACES:
        surface = api.load_surface(surface_name)
        (x0, x1), (y0, y1) = surface.box
        # The surface's start and two nearby ones (the far corners of some boxes are so steep
        # that the file's learning rates diverge there, which tests nothing).
        sx, sy = surface.default_start
        w, h = x1 - x0, y1 - y0
        starts = np.array([(sx, sy), (sx + 0.05 * w, sy - 0.04 * h),
                           (sx - 0.03 * w, sy + 0.06 * h)])
        visited = []
        for name in optimizers.OPTIMIZERS:
            for variant in [{}] + VARIANTS[name]:
                case = record(surface, name, variant, starts)
                cases.append(case)
                visited.append(np.array(case["points"]).reshape(-1, 2))
        points = np.unique(np.concatenate(visited), axis=0)[::7]  # a spread-out subset
        gradients.append({"surface": surface_name, "points": points.tolist(),
                          "autograd": autograd_gradients(surface, points).tolist()})
    data = {"generated_by": "scripts/make_torch_reference.py", "torch": torch.__version__,
            "python": platform.python_version(), "dtype": "float64", "cases": cases,
            "gradients": gradients}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print(f"wrote {OUT}: {len(cases)} trajectories, "
          f"{sum(len(g['points']) for g in gradients)} gradient points")


if __name__ == "__main__":
    main()
