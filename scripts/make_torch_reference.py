"""Generate the torch reference data in tests/data/torch/: one file per optimizer (its
trajectories recorded from torch.optim, float64) and one of derivatives.

    pip install torch==2.13.0   # CPU build; see the project's env notes
    python scripts/make_torch_reference.py                    # every optimizer torch has
    python scripts/make_torch_reference.py --only adadelta    # that file alone, nothing else
    python scripts/make_torch_reference.py --only derivatives

torch is needed only here, never to run adamviz or its tests. Everything torch records here is
torch's own: each surface's formula is evaluated on torch tensors, operator by operator in
Python's order (the same checked syntax tree adamviz parses, with Python's ``+ - * / **`` on
tensors, so ``c / x`` is ``x.__rtruediv__(c)`` exactly as a script would run it), and its
gradients come from torch autograd. The optimizer is the torch class its file names
(``[torch]``), its arguments mapped by the declared torch names (``betas[0]``), fed those
gradients. So a test that matches these trajectories checks adamviz's derivatives and its
update rules together. Each file records torch's version and the platform; the long runs also
keep adamviz's own path, which the tests hold exactly (a long chaotic run amplifies the last
bit, so against torch it is checked at a looser, stated tolerance).
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import operator
import platform
from functools import reduce
from pathlib import Path

import numpy as np
import torch

from adamviz import engine, optimizers
from adamviz.core import grammar
from adamviz.core.expressions import parse
from adamviz.optimizers import registry
from adamviz.studies.runs import load_surface

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "torch"
STEPS = 60
SURFACES = ("hump", "rosenbrock", "beale", "himmelblau", "valley", "saddle", "rastrigin")
# Long runs where rounding differences grow: the RMSProp on Rosenbrock.
LONG = {"rmsprop": [("rosenbrock", {}, 2000), ("rosenbrock", {"centered": True}, 2000)],
        "adam": [("beale", {}, 1000)]}

# Variants beyond the defaults, chosen by hand where the defaults' neighbours say little; an
# optimizer not listed gets one variant per hyperparameter from its declarations (``auto``).
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
# Each surface function alone, f(x) * y (the function and its derivatives, and the function
# again as d/dy): on an interval where it is defined and well conditioned, and at the far ends
# where a formula written carelessly overflows (softplus past its threshold 20, sigmoid at -800).
FUNCTION_DOMAINS = {"exp": (-5, 5), "log": (0.1, 10), "sqrt": (0.1, 10), "abs": (0.2, 3),
                    "sign": (0.2, 3), "sin": (-4, 4), "cos": (-4, 4), "tan": (-1.2, 1.2),
                    "sinh": (-4, 4), "cosh": (-4, 4), "tanh": (-3, 3), "arcsin": (-0.9, 0.9),
                    "arccos": (-0.9, 0.9), "arctan": (-5, 5), "arctan2": (0.3, 3),
                    "arcsinh": (-5, 5), "arccosh": (1.2, 6), "arctanh": (-0.9, 0.9),
                    "log1p": (-0.9, 10), "sigmoid": (-8, 3), "softplus": (-8, 3)}
FUNCTION_EDGES = {"log1p": (1e-20, -1e-20), "sigmoid": (-800, -30, 30, 800),
                  "softplus": (-800, -30, 19.5, 20.5, 25, 800)}
TORCH_FUNCTIONS = {f.name: reduce(getattr, f.torch.split("."), torch)  # nn.functional.softplus
                   for f in grammar.FUNCTIONS if f.op}
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
    return TORCH_FUNCTIONS[grammar.ALIASES.get(node.func.id, node.func.id)](*args)


def torch_gradient(surface, points: np.ndarray, hessian: bool = False):
    """Autograd gradient (and Hessian) of the surface's formula (or a formula's text) at
    ``points`` (N, D)."""
    xs = [torch.tensor(points[:, i], requires_grad=True) for i in range(points.shape[1])]
    tree = parse(surface).tree if isinstance(surface, str) else surface.formula.tree
    value = torch_formula(tree.body, dict(zip("xy", xs, strict=False)))
    grads = torch.autograd.grad(value.sum(), xs, create_graph=hessian)
    grad = np.stack([g.detach().numpy() for g in grads], axis=1)
    if not hessian:
        return grad
    # a derivative that is zero by rule (sign's) has no graph: its row of the Hessian is zeros
    rows = [torch.autograd.grad(g.sum(), xs, retain_graph=True, allow_unused=True)
            if g.requires_grad else [None] * len(xs) for g in grads]
    hess = np.stack([np.stack([np.zeros(len(points)) if h is None else h.detach().numpy(force=True)
                               for h in row], axis=1) for row in rows], axis=1)
    return grad, hess


def torch_arguments(name: str, hyper: dict) -> tuple[type, dict]:
    """The torch class of optimizer ``name`` and its arguments for ``hyper``, from the file's
    declarations: torch names (``betas[0]`` fills a pair), fixed arguments from ``[torch]``."""
    found = registry.definition(name)
    fixed = {k: v for k, v in found.torch.items() if k != "class"}
    module, _, cls = found.torch["class"].rpartition(".")
    kwargs, pairs = dict(fixed), {}
    for key, value in hyper.items():
        h = found.hyperparameters[key]
        if h.torch is None:
            assert value == h.default, f"{name}: {key} is not in torch"
            continue
        if h.torch_pair:
            pair, index = h.torch_pair
            pairs.setdefault(pair, {})[index] = value
        else:
            kwargs[h.torch] = value
    for pair, items in pairs.items():
        kwargs[pair] = (items[0], items[1])
    return getattr(__import__(module, fromlist=[cls]), cls), kwargs


def record(surface, name: str, variant: dict, starts: np.ndarray, steps: int) -> dict | None:
    """torch's path of ``name`` with ``variant`` from ``starts``; None where it diverges."""
    hyper = dict(variant)
    if "lr" not in hyper and name in surface.lr:
        hyper["lr"] = surface.lr[name]
    hyper = dict(optimizers.make(name, **hyper).hyperparams)  # validated, defaults filled
    cls, kwargs = torch_arguments(name, hyper)
    p = torch.tensor(starts, dtype=torch.float64, requires_grad=True)
    topt = cls([p], **kwargs)
    path = [p.detach().numpy().copy()]
    for _ in range(steps):
        p.grad = torch.tensor(torch_gradient(surface, p.detach().numpy()))
        topt.step()
        path.append(p.detach().numpy().copy())
    path = np.array(path)  # (steps+1, N, 2)
    lo, hi = engine.escape_box(surface)
    if not np.isfinite(path).all() or (path < lo).any() or (path > hi).any():
        return None
    return {"surface": surface.name, "optimizer": name, "hyperparams": hyper,
            "starts": starts.tolist(), "steps": steps, "points": path.tolist()}


def starts_for(surface) -> np.ndarray:
    """The surface's start and two nearby ones (the far corners of some boxes are so steep
    that the file's learning rates diverge there, which tests nothing)."""
    (x0, x1), (y0, y1) = surface.box
    sx, sy = surface.default_start
    w, h = x1 - x0, y1 - y0
    return np.array([(sx, sy), (sx + 0.05 * w, sy - 0.04 * h), (sx - 0.03 * w, sy + 0.06 * h)])


def auto(name: str) -> list[dict]:
    """One variant per hyperparameter torch has but lr: a switch turned, a number moved
    within its range (half its default, or a tenth of its control's top)."""
    out = []
    for h in registry.definition(name).hyperparameters.values():
        if h.name == "lr" or h.torch is None or h.name in (registry.definition(name).fixed
                                                         or {}):
            continue
        if h.switch:
            out.append({h.name: not h.default})
            continue
        value = h.default * 0.5 if h.default else h.slider[1] * 0.1
        if not h.range.holds(value):
            value = h.default * 1.5
        out.append({h.name: value})
    return out


def optimizer_file(name: str) -> dict:
    variants = [{}] + VARIANTS.get(name, auto(name))
    if name in VARIANTS:  # every torch switch the hand-picked list leaves out
        variants += [v for v in auto(name) if list(v) == ["maximize"]]
    cases = []
    for variant in variants:
        found = [record(load_surface(s), name, variant, starts_for(load_surface(s)), STEPS)
                 for s in SURFACES]
        found = [c for c in found if c is not None]
        if not found:
            raise SystemExit(f"{name} {variant} diverges on every surface; pick another case")
        cases += found
    long = []
    for surface_name, variant, steps in LONG.get(name, []):
        surface = load_surface(surface_name)
        case = record(surface, name, variant, starts_for(surface)[:1], steps)
        opt = optimizers.make(name, **case["hyperparams"])
        ours = engine.run(surface, opt, np.array(case["starts"]), steps).paths.points
        long.append({**case, "ours": ours.tolist()})
    return {**head(), "optimizer": name, "cases": cases, "long": long}


def derivatives_file() -> dict:
    out = []
    for i, surface_name in enumerate(SURFACES):
        surface = load_surface(surface_name)
        rng = np.random.default_rng(i)
        box = np.array(surface.box)
        points = np.concatenate([starts_for(surface), rng.uniform(box[:, 0], box[:, 1],
                                                                  (300, 2))])
        grad, hess = torch_gradient(surface, points, hessian=True)
        out.append({"surface": surface_name, "points": points.tolist(),
                    "gradient": grad.tolist(), "hessian": hess.tolist()})
    return {**head(), "derivatives": out, "functions": function_entries()}


def function_entries() -> list[dict]:
    out = []
    for f in (f for f in grammar.FUNCTIONS if f.op and not f.rule_only):
        lo, hi = FUNCTION_DOMAINS[f.name]
        rng = np.random.default_rng(list(f.name.encode()))  # a new function moves no others
        xs = np.concatenate([rng.uniform(lo, hi, 40), FUNCTION_EDGES.get(f.name, ())])
        ys = rng.uniform(0.5, 2, len(xs)) if f.arity == 1 else rng.uniform(lo, hi, len(xs))
        points = np.column_stack([xs, ys])
        formula = f"{f.name}(x) * y" if f.arity == 1 else f"{f.name}(y, x)"
        value = torch_formula(parse(formula).tree.body,
                              {"x": torch.tensor(xs), "y": torch.tensor(ys)})
        grad, hess = torch_gradient(formula, points, hessian=True)
        out.append({"function": f.name, "formula": formula, "points": points.tolist(),
                    "value": value.tolist(), "gradient": grad.tolist(),
                    "hessian": hess.tolist()})
    return out


def head() -> dict:
    return {"generated_by": "scripts/make_torch_reference.py", "torch": torch.__version__,
            "python": platform.python_version(), "platform": platform.platform(),
            "machine": platform.machine(), "dtype": "float64"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="an optimizer (or 'derivatives'): write its file alone")
    args = parser.parse_args()
    torch.set_default_dtype(torch.float64)  # torch keeps step counters/mu_product in this dtype
    names = args.only or [*(n for n in optimizers.OPTIMIZERS
                            if registry.definition(n).torch), "derivatives"]
    OUT.mkdir(parents=True, exist_ok=True)
    for name in names:
        data = derivatives_file() if name == "derivatives" else optimizer_file(name)
        (OUT / f"{name}.json").write_text(json.dumps(data, separators=(",", ":")) + "\n")
        print(f"wrote {OUT / name}.json: {len(data.get('cases', data.get('derivatives')))} "
              f"entries")


if __name__ == "__main__":
    main()
