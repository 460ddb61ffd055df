"""Where surface files are found: the built-in folder, the user's folders (``--surfaces-dir``,
``$ADAMVIZ_SURFACES``) and every name they hold (``surfaces.py`` loads them)."""

from __future__ import annotations

import os
from pathlib import Path

from .core.errors import InputError

ENV_VAR = "ADAMVIZ_SURFACES"


def builtin_dir() -> Path:
    """The folder of built-in surface files: in the wheel, or the checkout's ``surfaces/``."""
    here = Path(__file__).resolve().parent
    packaged = here / "builtin_surfaces"
    return packaged if packaged.is_dir() else here.parent / "surfaces"


def search_dirs(extra: tuple[str | os.PathLike, ...] | list = ()) -> list[Path]:
    """User folders (flags first, then ``$ADAMVIZ_SURFACES``), then the built-ins. A folder
    given by flag must exist; one in the variable that does not is skipped (and said where it
    matters: ``folder_problems``), so a stale setting never blocks the built-ins."""
    dirs = [Path(d) for d in extra]
    for d in dirs:
        if not d.is_dir():
            raise InputError(f"Surfaces folder {str(d)!r} does not exist or is not a folder.")
    env = [Path(d) for d in os.environ.get(ENV_VAR, "").split(os.pathsep) if d]
    return [*dirs, *(d for d in env if d.is_dir()), builtin_dir()]


def folder_problems() -> list[str]:
    """What is wrong with ``$ADAMVIZ_SURFACES``, one line a folder."""
    return [f"surfaces folder {d!r} (${ENV_VAR}) does not exist or is not a folder"
            for d in os.environ.get(ENV_VAR, "").split(os.pathsep) if d and not Path(d).is_dir()]


def available(extra_dirs=()) -> dict[str, Path]:
    """Every surface name that can be looked up, mapped to its file (user folders win)."""
    found: dict[str, Path] = {}
    for folder in search_dirs(extra_dirs):
        for path in sorted(folder.glob("*.toml")):
            found.setdefault(path.stem, path)
    return found


def is_path(spec: str) -> bool:
    return spec.endswith(".toml") or "/" in spec or os.sep in spec
