"""A loss over data as a formula: parameters, a data set's columns and the reductions over rows.

A data surface's ``expr`` (e.g. ``mean((w*speed + b - dist)**2) + 0.01*w**2``) names the model's
parameters, the data's columns, and ``mean(...)`` or ``sum(...)`` over the rows. It is checked by
the same whitelist as any formula (``expressions.parse``), never executed, and then split in two:

- each reduction's argument is a formula **per row** in the parameters and the columns
  (``Reduction.formula``): ``(w*speed + b - dist)**2``;
- what is left is a formula in the parameters and one stand-in name per reduction
  (``DataFormula.outer``): ``_reduced0 + 0.01*w**2``.

``data_programs.py`` differentiates both with the same automatic differentiation as every
formula and joins them by the chain rule. Every column must sit inside a reduction (a loss that
does not reduce over rows has no single value), reductions do not nest, and each reduces
something that depends on the data.
"""

from __future__ import annotations

import ast
import keyword
import re
from dataclasses import dataclass

from . import expressions, grammar
from .errors import InputError
from .expressions import ALIASES, CONSTANTS, Formula, parse

REDUCTIONS = tuple(expressions.REDUCTIONS)  # "mean", "sum"
STAND_IN = "_reduced"  # the outer formula's name for reduction k is f"{STAND_IN}{k}"
MAX_PARAMS = 2  # a surface is drawn over its parameters: one (a curve) or two


@dataclass(frozen=True, kw_only=True)
class Reduction:
    kind: str  # "mean" or "sum" over the rows
    formula: Formula  # the per-row formula, in the parameters and the columns


@dataclass(frozen=True, kw_only=True, eq=False)
class DataFormula:
    text: str
    whole: Formula  # the formula as written, reductions and all (its text is shown)
    params: tuple[str, ...]
    columns: tuple[str, ...]  # the columns the formula names, in the data's order
    outer: Formula  # in the parameters and the stand-ins of the reductions
    reductions: tuple[Reduction, ...]

    def __reduce__(self):  # travels as its text, checked again (see ``Formula.__reduce__``)
        return (_again, (self.text, self.params, self.columns))


def _again(text, params, columns):
    return parse_data(text, "formula", params, columns)


def check_params(params, source: str) -> tuple[str, ...]:
    """The parameter names: one or two distinct identifiers, none a function or constant."""
    if isinstance(params, str) or not isinstance(params, list | tuple) or \
            not 1 <= len(params) <= MAX_PARAMS:
        raise InputError(f"{source}: params must list one or two parameter names, x axis then "
                         f"y axis, e.g. params = [\"w\", \"b\"]; got {params!r}.")
    for name in params:
        _check_name(name, source, "parameter")
    if len(set(params)) != len(params):
        raise InputError(f"{source}: params names {params[0]!r} twice; give two names.")
    return tuple(params)


def _check_name(name, source: str, what: str) -> None:
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise InputError(f"{source}: {what} name {name!r} is not a name a formula can use "
                         f"(letters, digits and _, not starting with a digit).")
    if name in grammar.BY_NAME or name in ALIASES or name in CONSTANTS or name in REDUCTIONS \
            or name.startswith(STAND_IN):
        raise InputError(f"{source}: {what} name {name!r} is taken by the formula language "
                         f"(a function, a constant or a reduction); rename it.")


def parse_data(text, source: str, params, columns) -> DataFormula:
    """Check ``text`` as a loss in ``params`` over rows with ``columns``; split it."""
    params = check_params(params, source)
    clash = [c for c in columns if c in params]
    if clash:
        raise InputError(f"{source}: {clash[0]!r} is both a parameter and a data column; "
                         f"rename the parameter.")
    usable = usable_columns(columns)
    functions = {**grammar.table(), **expressions.REDUCTIONS}
    formula = parse_over(text, source, columns, params, functions=functions)
    finder = _Reductions(formula, source, set(usable))
    finder.visit(formula.tree.body)
    if not finder.found:
        raise InputError(f"{source}: the loss does not reduce over the data's rows; wrap the "
                         f"per-row loss in mean(...) or sum(...), e.g. mean((w*x + b - y)**2).")
    stand_ins = tuple(f"{STAND_IN}{k}" for k in range(len(finder.found)))
    outer_tree = _Replace().visit(_copy(formula.tree.body))
    outer = parse(ast.unparse(outer_tree), source, names=stand_ins, variables=params)
    reductions = tuple(
        Reduction(kind=kind, formula=parse(ast.unparse(arg), source, names=usable,
                                           variables=params))
        for kind, arg in ((node.func.id, node.args[0]) for node in finder.found))
    named = set().union(*(r.formula.variables for r in reductions))
    return DataFormula(text=formula.text, whole=formula, params=params,
                       columns=tuple(c for c in columns if c in named), outer=outer,
                       reductions=reductions)


def usable_columns(columns) -> tuple[str, ...]:
    """The columns a formula can name: identifiers the formula language does not take."""
    return tuple(c for c in columns if c.isidentifier() and not keyword.iskeyword(c)
                 and _taken(c) is None)


def _taken(name: str) -> str | None:
    """What the formula language uses ``name`` for, if anything."""
    if name in CONSTANTS:
        return f"the constant {name}"
    if name in grammar.BY_NAME or name in ALIASES or name in REDUCTIONS:
        return f"the function {name}(...)"
    return f"a reduction's stand-in ({STAND_IN}0, ...)" if name.startswith(STAND_IN) else None


def parse_over(text, source: str, columns, params, **keys) -> Formula:
    """``text`` as a formula in ``params`` and the ``columns`` it can name. A column named as
    a constant is refused where the text names it (``e`` would silently be 2.718...), and a
    refusal says when the text names a column that a formula cannot (``x val``, ``exp``)."""
    usable = usable_columns(columns)
    try:
        formula = parse(text, source, names=usable, variables=params, **keys)
    except InputError as exc:
        raise InputError(_explained(str(exc), str(text), columns, usable)) from None
    for node in ast.walk(formula.tree):
        if isinstance(node, ast.Name) and node.id in CONSTANTS and node.id in columns:
            raise InputError(f"{source}: {node.id!r} is both a data column and the constant "
                             f"{node.id}; rename the column (in the data's header).")
    return formula


def _explained(message: str, text: str, columns, usable) -> str:
    """A refusal, with why a column the text seems to name cannot be named."""
    for column in columns:
        if column in usable or not any(ch.isalpha() for ch in column):
            continue
        if column.isidentifier():  # as a word, and not called: exp(x) is the function
            named = re.search(rf"(?<![\w.]){re.escape(column)}(?!\w)(?!\s*\()", text)
        else:
            named = column in text
        if not named:
            continue
        taken = None if keyword.iskeyword(column) else _taken(column)
        why = (f"has the name of {taken} in the formula language" if taken else
               "is not a name a formula can use (letters, digits and _, not starting with a "
               "digit)")
        return f"{message} (column {column!r} {why}; rename it in the data's header)"
    return _with_columns(message, columns)


def _with_columns(message: str, columns) -> str:
    """A refusal of an unknown name says which columns the data has."""
    if "unknown name" not in message:
        return message
    shown = ", ".join(list(columns)[:12]) + (", ..." if len(columns) > 12 else "")
    return f"{message} (the data's columns: {shown})"


def _copy(node):
    return ast.parse(ast.unparse(node), mode="eval").body


class _Reductions(ast.NodeVisitor):
    """Finds the reductions; refuses a column outside one, a nested one, or one of no data."""

    def __init__(self, formula: Formula, source: str, columns: set):
        self.formula, self.source, self.columns = formula, source, columns
        self.found: list[ast.Call] = []
        self.inside = False

    def refuse(self, node, reason: str):
        part = ast.get_source_segment(self.formula.text, node) or ""
        raise InputError(f"{self.source}: {reason}: {part[:60]!r}")

    def visit_Call(self, node):
        if node.func.id not in REDUCTIONS:
            return self.generic_visit(node)
        if self.inside:
            self.refuse(node, f"{node.func.id}(...) inside another reduction; a loss reduces "
                              f"over the rows once")
        names = {n.id for n in ast.walk(node.args[0]) if isinstance(n, ast.Name)}
        if not names & self.columns:
            self.refuse(node, f"{node.func.id}(...) must reduce something that names a data "
                              f"column")
        self.found.append(node)
        self.inside = True
        self.generic_visit(node)
        self.inside = False

    def visit_Name(self, node):
        if node.id in self.columns and not self.inside:
            self.refuse(node, f"the column {node.id!r} is used outside mean(...)/sum(...), so "
                              f"the loss does not reduce over the rows")


class _Replace(ast.NodeTransformer):
    """The outer formula: the k-th reduction becomes the name ``_reduced{k}``. A transformer
    visits the nodes in the order the finder did, and reductions do not nest."""

    def __init__(self):
        self.k = 0

    def visit_Call(self, node):
        if node.func.id in REDUCTIONS:
            self.k += 1
            return ast.Name(id=f"{STAND_IN}{self.k - 1}", ctx=ast.Load())
        return self.generic_visit(node)
