"""Whether a comparison of optimizers rests on unequal learning rates, said in words.

A surface file may give each optimizer a learning rate of its own (``lr = { sgd = 0.01,
adam = 0.3 }``), chosen so that a document's story shows with no flags. SGD beside Adam at those
rates compares the rates as much as the update rules, so every table and picture of such runs
says so; runs whose rates were tuned alike (``--tune lr``) are a fair comparison and are not
flagged, nor is one optimizer's sweep over rates.
"""

from __future__ import annotations


def unequal_rates(runs) -> dict[str, list[float]] | None:
    """Each optimizer's learning rates when ``runs`` (objects with ``optimizer``,
    ``hyperparams`` and ``tuned``) compare several optimizers at different ones; else None."""
    rates: dict[str, set] = {}
    for run in runs:
        lr = run.hyperparams.get("lr")
        if getattr(run, "tuned", "") or isinstance(lr, bool) or not isinstance(lr, int | float):
            continue
        rates.setdefault(run.optimizer, set()).add(float(lr))
    if len(rates) < 2 or len({frozenset(values) for values in rates.values()}) < 2:
        return None  # one optimizer, or every one at the same rates
    return {name: sorted(values) for name, values in rates.items()}


def from_surface(surface, rates: dict[str, list[float]]) -> bool:
    """Whether every rate is the one the surface's file gives that optimizer."""
    return all(values == [surface.lr.get(name)] for name, values in rates.items())


def note(surface, runs, short_form: bool = False) -> str | None:
    """One line saying that the learning rates differ, and where they came from; None when
    they do not. ``short_form`` is for a picture's legend, whose labels give each rate."""
    rates = unequal_rates(runs)
    if rates is None:
        return None
    origin = f"{surface.name}'s per-optimizer rates" if from_surface(surface, rates) else ""
    if short_form:
        return "note: the optimizers' learning rates differ" + (f" ({origin})" if origin else "")
    listed = ", ".join(f"{name} " + "/".join(f"{v:.3g}" for v in values)
                       for name, values in rates.items())
    return (f"note: the learning rates differ ({listed}" + (f": {origin}" if origin else "")
            + "); give one rate to all (--lr, or lr= in adamviz.run) to compare the update "
              "rules alone.")


def surface_rates(surface) -> str | None:
    """The rates a surface's file gives optimizers, in words for ``adamviz surfaces``, saying
    when they differ; None when it gives none."""
    if not surface.lr:
        return None
    listed = ", ".join(f"{name} {rate:.3g}" for name, rate in surface.lr.items())
    if len(set(surface.lr.values())) == 1:
        return f"lr when not given: {listed}"
    return (f"lr when not given, different per optimizer (--lr gives all one): {listed}")
