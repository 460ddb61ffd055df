"""Exact derivatives: sympy differentiates, and the result is printed back into our own grammar.

``derive`` returns plain data: for the value, the gradient and the Hessian, a list of shared
temporaries (sympy's common-subexpression elimination) and the output formulas, all as text in
the grammar of ``expressions.py``. ``load_or_derive`` keeps that data in a small cache
(``$ADAMVIZ_CACHE_DIR``, else ``$XDG_CACHE_HOME/adamviz``, else ``~/.cache/adamviz``) so that a
surface used before needs no sympy at all: importing sympy and differentiating costs ~0.4 s,
more than drawing a whole animation. Cached text is validated again by the same parser as a
surface file before use, so a damaged or edited cache can make a run fail, never run code.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .expressions import ALIASES, Formula

CACHE_VERSION = 1
_NAMES_BACK = {v: k for k, v in ALIASES.items() if k.startswith("a") and v.startswith("arc")}


def cache_dir() -> Path:
    if os.environ.get("ADAMVIZ_CACHE_DIR"):
        return Path(os.environ["ADAMVIZ_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "adamviz"


def cache_path(formula: Formula, dims: int) -> Path:
    key = hashlib.sha256(f"{CACHE_VERSION}|{dims}|{formula.text}".encode()).hexdigest()[:32]
    return cache_dir() / f"{key}.json"


def load_or_derive(formula: Formula, dims: int) -> dict:
    """The derivation of ``formula`` in ``dims`` variables, from the cache or freshly made."""
    path = cache_path(formula, dims)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("text") == formula.text and data.get("dims") == dims:
            return data
    except (OSError, ValueError):
        pass
    data = derive(formula, dims)
    try:
        from .io import write_text_atomic

        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, json.dumps(data))
    except OSError:
        pass  # no cache is only slower
    return data


def derive(formula: Formula, dims: int) -> dict:
    """Differentiate with sympy; return value, gradient and Hessian as formula text."""
    import sympy

    from .expressions import _symbols

    symbols = _symbols()[:dims]
    expr = formula.symbolic
    grad = [sympy.diff(expr, s) for s in symbols]
    hess = [sympy.diff(g, s) for g in grad for s in symbols]
    # d/dx sign(x) is a Dirac delta: zero wherever it can be evaluated.
    hess = [h.replace(sympy.DiracDelta, lambda *args: sympy.Integer(0)) for h in hess]
    return {"version": CACHE_VERSION, "text": formula.text, "dims": dims,
            "value": _program([expr]), "grad": _program(grad), "hess": _program(hess)}


def _program(exprs) -> dict:
    """Shared temporaries and outputs of a list of sympy expressions, as formula text."""
    import sympy

    temps, outs = sympy.cse(exprs, symbols=sympy.numbered_symbols("t"), order="none")
    printer = _printer()
    return {"temps": [[str(name), printer.doprint(value)] for name, value in temps],
            "outs": [printer.doprint(out) for out in outs]}


def _printer():
    from sympy.printing.str import StrPrinter

    class GrammarPrinter(StrPrinter):
        """sympy's str form, with the names of our grammar (abs, e, arcsin, ...)."""

        def _print_Abs(self, expr):
            return f"abs({self._print(expr.args[0])})"

        def _print_Exp1(self, expr):
            return "e"

        def _print_Function(self, expr):
            name = type(expr).__name__
            name = _NAMES_BACK.get(name, name)
            return f"{name}({', '.join(self._print(a) for a in expr.args)})"

    return GrammarPrinter({"order": "none"})
