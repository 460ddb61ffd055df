"""Generate tests/data/torch_schedules.json: torch.optim runs with learning-rate schedulers and
gradient clipping (float64).

    pip install torch==2.13.0   # CPU build; see the project's env notes
    python scripts/make_torch_schedules.py

Each case is one start (one parameter tensor of shape (2,), as clipping's norm is over the whole
gradient of a tensor): the gradient from torch autograd of the surface's formula, then
``clip_grad_value_`` and ``clip_grad_norm_`` when asked, ``optimizer.step()`` and
``scheduler.step()``; the rate each step used is kept too.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path

import numpy as np
import torch
from make_torch_reference import torch_gradient, torch_optimizer

from adamviz import optimizers, surfaces

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "torch_schedules.json"
SCHEDULERS = {"step": torch.optim.lr_scheduler.StepLR,
              "exponential": torch.optim.lr_scheduler.ExponentialLR,
              "cosine": torch.optim.lr_scheduler.CosineAnnealingLR,
              "linear": torch.optim.lr_scheduler.LinearLR}
# (surface, optimizer, hyperparameters, schedule, its parameters, clipping, steps)
CASES = [
    ("hump", "sgd", {"lr": 0.05}, "step", {"step_size": 30, "gamma": 0.5}, {}, 200),
    ("hump", "momentum", {"lr": 0.01}, "exponential", {"gamma": 0.99}, {}, 200),
    ("rosenbrock", "adam", {"lr": 0.05}, "cosine", {"T_max": 150, "eta_min": 0.001}, {}, 400),
    ("beale", "rmsprop", {"lr": 0.01}, "linear",
     {"start_factor": 0.1, "end_factor": 1.0, "total_iters": 20}, {}, 200),
    ("valley", "sgd", {"lr": 0.05}, None, {}, {"clip_norm": 1.0}, 150),
    ("rosenbrock", "adam", {"lr": 0.02}, None, {}, {"clip_value": 0.5}, 200),
    ("hump", "nadam", {"lr": 0.05}, "cosine", {"T_max": 40}, {"clip_norm": 0.5}, 200),
    ("himmelblau", "adamw", {"lr": 0.05}, "linear",
     {"start_factor": 0.5, "end_factor": 0.1, "total_iters": 50},
     {"clip_value": 2.0, "clip_norm": 3.0}, 150),
]


def record(surface_name, name, hyper, schedule, params, clip, steps) -> dict:
    surface = surfaces.load(surface_name)
    full = dict(optimizers.make(name, **hyper).hyperparams)
    p = torch.tensor(surface.default_start, dtype=torch.float64, requires_grad=True)
    topt = torch_optimizer(name, full, [p])
    sched = SCHEDULERS[schedule](topt, **params) if schedule else None
    path, rates = [p.detach().numpy().copy()], []
    for _ in range(steps):
        rates.append(topt.param_groups[0]["lr"])
        p.grad = torch.tensor(torch_gradient(surface, p.detach().numpy()[None])[0])
        if "clip_value" in clip:
            torch.nn.utils.clip_grad_value_([p], clip["clip_value"])
        if "clip_norm" in clip:
            torch.nn.utils.clip_grad_norm_([p], clip["clip_norm"])
        topt.step()
        if sched is not None:
            sched.step()
        path.append(p.detach().numpy().copy())
    return {"surface": surface_name, "optimizer": name, "hyperparams": hyper,
            "schedule": schedule and (schedule + ":" + ",".join(f"{k}={v}"
                                                               for k, v in params.items())),
            "clip": clip, "steps": steps, "rates": rates, "points": np.array(path).tolist()}


def main() -> None:
    torch.set_default_dtype(torch.float64)
    cases = [record(*case) for case in CASES]
    OUT.write_text(json.dumps({"generated_by": "scripts/make_torch_schedules.py",
                               "torch": torch.__version__, "python": platform.python_version(),
                               "cases": cases}, separators=(",", ":")) + "\n")
    print(f"wrote {OUT}: {len(cases)} trajectories")


if __name__ == "__main__":
    main()
