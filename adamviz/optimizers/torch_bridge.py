"""Any torch optimizer, driven with adamviz's exact gradients: ``--opt
torch:torch.optim.SGD:lr=0.1,momentum=0.9``, or any importable subclass of
``torch.optim.Optimizer`` (third-party packages included). Needs the extra
``pip install 'adamviz[torch]'``.

Each run is a parameter tensor of its own (shape (D,), float64) in one torch optimizer, so a
per-parameter rule (a norm, a trust ratio) sees one run, as it would see one layer. Every step
the engine's gradient goes into ``.grad`` of the runs still going (the others' stay None, so
torch leaves them alone) and ``optimizer.step()`` moves them; torch keeps the parameters, and
the engine takes torch's parameters as its new points, bit for bit.
"""

from __future__ import annotations

import importlib
import inspect
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from ..core.errors import InputError
from ..core.specs import format_value
from . import files, user_code
from .base import Optimizer

PREFIX = "torch:"


class TorchState(NamedTuple):
    t: int
    slots: np.ndarray  # (n,) which parameter tensor each column is (cut when runs end)
    box: list  # [the torch optimizer, its parameter tensors], made at init


def is_torch(name: str) -> bool:
    return name.startswith(PREFIX)


def torch_class(path: str):
    """The optimizer class at ``path`` (``torch.optim.SGD``, ``pkg.module.Class``)."""
    try:
        import torch
    except ImportError:
        raise InputError(f"{PREFIX}{path} needs PyTorch, which is not installed: "
                         f"pip install 'adamviz[torch]'.") from None
    module, _, name = path.rpartition(".")
    try:  # importing runs the module's code: silenced, and any failure is one line
        cls = getattr(user_code.call(importlib.import_module, f"{PREFIX}{path}: importing "
                                     f"{module}", module), name, None) if module else None
    except InputError:
        cls = None
    if not (isinstance(cls, type) and issubclass(cls, torch.optim.Optimizer)):
        raise InputError(f"{PREFIX}{path}: not an importable subclass of "
                         f"torch.optim.Optimizer; e.g. torch:torch.optim.SGD:lr=0.1.")
    closure = inspect.signature(cls.step).parameters.get("closure")
    if closure is not None and closure.default is inspect.Parameter.empty:
        raise InputError(f"{PREFIX}{path} steps only with a closure that evaluates the loss "
                         f"again (as L-BFGS does); adamviz gives each step one gradient.")
    return cls


def build(name: str, **hyperparams) -> Optimizer:
    """The adamviz ``Optimizer`` for ``torch:<class path>`` with ``hyperparams``: torch's own
    names, the halves of a pair joined (``beta1``/``beta2`` into ``betas``, as the built-in
    files declare them)."""
    path = name.removeprefix(PREFIX)
    cls = torch_class(path)  # first: it says how to install torch when it is missing
    import torch

    kwargs = dict(hyperparams)
    if kwargs.pop("torch", path) != path:  # the class, as its runs record it
        raise InputError(f"{name}: torch={hyperparams['torch']!r} names another class.")
    pairs = pair_names()
    for pair, (first, second) in pairs.items():
        if pair in kwargs:  # a spec's values are numbers: the pair is two of them
            raise InputError(f"{name}: {pair} is a pair; give {first}= and {second}= instead, "
                             f"e.g. {name}:{first}=...,{second}=....")
    signature = inspect.signature(cls).parameters
    unnamed = [k for k, p in signature.items() if k in kwargs and isinstance(p.default, tuple)]
    if unnamed:
        raise InputError(f"{name}: {unnamed[0]} is a pair, which a spec cannot write; leave it "
                         f"out to use torch's default.")
    _check_types(name, cls, kwargs)
    for pair, (first, second) in pairs.items():
        if (first in kwargs or second in kwargs) and pair in signature:
            default = signature[pair].default
            kwargs[pair] = (kwargs.pop(first, default[0]), kwargs.pop(second, default[1]))
    _try_step(name, cls, kwargs)

    def init(params):
        tensors = [torch.tensor(params[:, j], dtype=torch.float64, requires_grad=True)
                   for j in range(params.shape[1])]
        return TorchState(t=0, slots=np.arange(len(tensors)), box=[cls(tensors, **kwargs),
                                                                   tensors])

    def update(grads, state, params, ops=None):
        opt, tensors = state.box
        if "lr" in kwargs:  # a schedule builds one of these per rate, as torch's own do
            for group in opt.param_groups:
                group["lr"] = kwargs["lr"]
        for tensor in tensors:
            tensor.grad = None
        for column, slot in enumerate(state.slots):
            tensors[slot].grad = torch.from_numpy(np.array(grads[:, column], dtype=float))
        # float64 throughout: some optimizers keep scalars in the default dtype (NAdam's
        # mu_product, step counters), which is float32 unless set
        default = torch.get_default_dtype()
        torch.set_default_dtype(torch.float64)
        try:
            user_code.call(opt.step, f"{name}: a step")
        finally:
            torch.set_default_dtype(default)
        if any(tensors[s].shape != (len(params),) for s in state.slots):
            raise InputError(f"{name}: a step changed the shape of the parameters; adamviz "
                             f"runs optimizers that update them in place.")
        new = np.stack([tensors[s].detach().numpy() for s in state.slots], axis=1)
        return new, state._replace(t=state.t + 1)  # torch's own parameters, as they are

    return Optimizer(init=init, update=update, name="torch." + path.rpartition(".")[2],
                     hyperparams={"torch": path, **hyperparams})


@lru_cache(maxsize=1)
def pair_names() -> dict[str, tuple[str, str]]:
    """torch's pair arguments and the names adamviz gives their halves, as the built-in
    optimizers declare them (``beta1`` is ``betas[0]``): {"betas": ("beta1", "beta2"), ...}.
    Read once: the built-in files ship with the package."""
    halves: dict[str, dict[int, str]] = {}
    for path in files.builtin_files().values():
        for h in files.load(path).hyperparameters.values():
            if h.torch_pair:
                pair, index = h.torch_pair
                halves.setdefault(pair, {})[index] = h.name
    return {pair: (i[0], i[1]) for pair, i in halves.items() if set(i) == {0, 1}}


def _check_types(name: str, cls, kwargs: dict) -> None:
    """A value must have the kind of its default: ``lr=true`` is not a rate of 1, and a
    switch is true or false (torch itself takes True for 1 and 1 for True)."""
    params = inspect.signature(cls).parameters
    halves = {n for pair in pair_names().values() for n in pair}
    for key, value in kwargs.items():
        default = params[key].default if key in params else None
        if isinstance(default, bool) and not isinstance(value, bool):
            raise InputError(f"{name}: {key} must be true or false, got "
                             f"{format_value(value)}.")
        if not isinstance(default, bool) and isinstance(value, bool) and \
                (key == "lr" or key in halves or isinstance(default, int | float)):
            raise InputError(f"{name}: {key} must be a number, got {format_value(value)}.")


def _try_step(name: str, cls, kwargs: dict) -> None:
    """Build the optimizer on one float64 parameter and take one step with a dense gradient,
    as every run will: a class that cannot (sparse gradients only, CUDA graphs, gradients that
    need a graph) or a value it refuses is one line now, not a failure mid-run."""
    import torch

    param = torch.ones(2, dtype=torch.float64, requires_grad=True)
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        opt = user_code.call(cls, f"{name}: building it", [param], **kwargs)
        param.grad = torch.full((2,), 0.5, dtype=torch.float64)
        user_code.call(opt.step, f"{name}: one step with adamviz's dense float64 gradient")
    finally:
        torch.set_default_dtype(default)


def defaults(name: str) -> dict:
    """The class's keyword defaults (torch's names)."""
    params = inspect.signature(torch_class(name.removeprefix(PREFIX))).parameters
    return {k: p.default for k, p in params.items()
            if k != "params" and p.default is not inspect.Parameter.empty}


def rule(name: str) -> str:
    doc = (torch_class(name.removeprefix(PREFIX)).__doc__ or "").strip().splitlines()
    return (doc[0] if doc else name) + " (torch)"
