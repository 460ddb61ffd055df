"""Shell completion of names: surfaces (and .toml files), optimizers (and their
hyperparameters after ``:``), views (after a comma too) and figure recipes. Imported only when
the shell asks (``_ADAMVIZ_COMPLETE``), so the names are read from the registries then."""

from __future__ import annotations

from click.shell_completion import CompletionItem


def surfaces(ctx, param, incomplete: str):
    from .. import surfaces as registry

    folders = ctx.params.get("surfaces_dir") or ()
    names = registry.available(folders)
    return [CompletionItem(name) for name in names if name.startswith(incomplete)] + \
        ([CompletionItem(incomplete, type="file")] if "/" in incomplete or "." in incomplete
         else [])


def optimizers(ctx, param, incomplete: str):
    """``ad`` -> adam, adamax, adamw; ``adam:`` -> ``adam:lr=`` and every hyperparameter."""
    from ..optimizers import registry

    name, colon, given = incomplete.partition(":")
    if not colon:
        return [CompletionItem(n) for n in registry.names() if n.startswith(name)]
    if name not in registry.names():
        return []
    done, _, last = given.rpartition(",")
    prefix = f"{name}:{done + ',' if done else ''}"
    return [CompletionItem(f"{prefix}{key}=", help=f"default {value}")
            for key, value in registry.defaults(name).items() if key.startswith(last)]


def views(ctx, param, incomplete: str):
    """View names, each after the ones already listed: ``contour,lo`` -> ``contour,loss``."""
    from ..render.views import VIEWS

    done, comma, last = incomplete.rpartition(",")
    taken = set(done.split(",")) if comma else set()
    return [CompletionItem(f"{done}{comma}{name}") for name in VIEWS
            if name.startswith(last) and name not in taken]


def recipes(ctx, param, incomplete: str):
    from ..studies import recipes as book

    return [CompletionItem(name) for name in book.available() if name.startswith(incomplete)]
