"""Where optimizer files are found, and loading one (its format is ``file_format.py``): a
TOML file with an update rule in the formula grammar (``core/rules.py``), its hyperparameters
declared (``hyperparameters.py``), and its state with first values. Every built-in optimizer is
such a file (the checkout's top-level ``optimizers/`` folder; in the wheel,
``adamviz/builtin_optimizers``).

    name = "lion"
    description = "Lion: the sign of an interpolated momentum"
    rule = "c = beta1*m + (1 - beta1)*g;  p = p - lr*sign(c);  m = beta2*m + (1 - beta2)*g"
    [hyperparameters]
    lr = {default = 1e-4, range = "> 0", symbol = "η"}
    beta1 = 0.9
    beta2 = 0.99
    [state]
    m = 0.0

Optional keys: ``summary`` (the update in one line of math, for listings), ``transforms``
(shared steps put before the rule: ``transforms.py``), ``rate`` (the effective learning rate,
a formula over the state, t and the hyperparameters), ``[trace]`` (what ``adamviz trace`` and
the player show: name = formula), ``[torch]`` (``class`` and fixed arguments of the torch
class it reproduces), ``requires`` (conditions on the hyperparameters, each with a message).
``$ADAMVIZ_OPTIMIZERS`` adds folders, and ``--opt FILE.toml`` names a file directly. The rule
is parsed, never executed.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

from ..core.errors import InputError
from ..core.io import note_input, read_toml
from .file_format import KEYS, NAME, OptimizerFile, parse_file  # noqa: F401 (re-exported)

ENV_VAR = "ADAMVIZ_OPTIMIZERS"


def builtin_dir() -> Path:
    here = Path(__file__).resolve().parent.parent
    packaged = here / "builtin_optimizers"
    return packaged if packaged.is_dir() else here.parent / "optimizers"


@lru_cache(maxsize=1)
def builtin_files() -> dict[str, Path]:
    """The built-in optimizer files by name, in order (read once: they ship with the
    package)."""
    return {p.stem: p for p in sorted(builtin_dir().glob("*.toml"))}


def user_dirs() -> list[Path]:
    """The folders in ``$ADAMVIZ_OPTIMIZERS``, as given (see ``folder_problems``)."""
    return [Path(d) for d in os.environ.get(ENV_VAR, "").split(os.pathsep) if d]


def folder_problems() -> list[str]:
    """What is wrong with ``$ADAMVIZ_OPTIMIZERS``, one line a folder: said where it matters
    (a listing, an unknown name), never a reason to refuse the built-ins."""
    return [f"optimizers folder {str(d)!r} (${ENV_VAR}) does not exist or is not a folder"
            for d in user_dirs() if not d.is_dir()]


def available() -> dict[str, Path]:
    """Every optimizer file by name (its stem): the built-in ones first, so that no user file
    can pass for one of them (``user_files`` lists the user's, shadowed ones too)."""
    found = dict(builtin_files())
    for path in user_files():
        if NAME.fullmatch(path.stem):  # others cannot be named (`optimizers` says why)
            found.setdefault(path.stem, path)
    return found


def user_files() -> list[Path]:
    """Every ``*.toml`` in the user's folders, in order (unreadable folders are skipped)."""
    out = []
    for folder in user_dirs():
        try:
            out += sorted(folder.glob("*.toml")) if folder.is_dir() else []
        except OSError:
            continue
    return out


def is_builtin(path, name: str) -> bool:
    """Whether ``path`` is the built-in optimizer file ``name``, or a copy of it to the byte."""
    shipped = builtin_dir() / f"{name}.toml"
    try:
        return Path(path).resolve() == shipped.resolve() or \
            Path(path).read_bytes() == shipped.read_bytes()
    except OSError:
        return False


def is_path(name: str) -> bool:
    return name.endswith(".toml") or os.sep in name


def find(name: str) -> Path | None:
    """The file of optimizer ``name`` (a path, or a name in the folders), or None."""
    if is_path(name):
        path = Path(name)
        if not path.exists():
            raise InputError(f"Optimizer file {name!r} does not exist.")
        return path
    return available().get(name)


@lru_cache(maxsize=64)
def _load(path: str, mtime: float) -> OptimizerFile:
    return parse_file(read_toml(Path(path), "Optimizer file"), path, base_file)


def base_file(name: str) -> dict | None:
    """The TOML of the optimizer file ``name`` (for ``based_on``), or None."""
    path = available().get(name) if isinstance(name, str) else None
    return None if path is None else read_toml(path, "Optimizer file")


def load(path) -> OptimizerFile:
    path = Path(path)
    note_input(path)  # an input of every command that uses it, also when parsed before
    return _load(str(path.resolve()), path.stat().st_mtime)


def digest(definition: OptimizerFile) -> str:
    """What defines a user's file besides its hyperparameters' values: a results database
    tells an edited file from the one it ran."""
    text = json.dumps([definition.text, {n: f.text for n, f in definition.state.items()},
                       list(definition.transforms)])
    return hashlib.sha256(text.encode()).hexdigest()[:16]

