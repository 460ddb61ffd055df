"""Whole figures: created without pyplot (so nothing is kept alive) and saved atomically."""

from __future__ import annotations

from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..errors import InputError
from ..io import atomic_open

# Output format by file suffix, like savefig.
FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}


def new_figure(width: float = 9.0, height: float = 6.0) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def image_format(path: str | Path) -> str:
    """The image format for ``path`` by its suffix; ``InputError`` for anything else."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(FORMATS)
        raise InputError(f"Unknown output format {suffix or '(no suffix)'!r} for {str(path)!r}; "
                         f"use one of {known}.")
    return FORMATS[suffix]


def save(fig: Figure, path: str | Path, dpi: int = 120) -> Path:
    """Save ``fig`` to ``path`` in the format its suffix names, atomically."""
    fmt = image_format(path)
    with atomic_open(path, "wb") as handle:
        fig.savefig(handle, format=fmt, dpi=dpi)
    return Path(path)
