"""adamviz: see how gradient-descent optimizers move on 2D loss surfaces.

    import adamviz
    result = adamviz.run("hump", ["sgd", "momentum", "adam"])
    print(result.table())
    adamviz.save_plot(result, "outputs/hump.png")

Names are imported lazily so that ``import adamviz`` (and ``adamviz --help``) stays fast; numpy
and matplotlib load only when something needs them.
"""

from importlib import import_module

__version__ = "0.2.0"

_EXPORTS = {
    "run": "api", "plot": "api", "save_plot": "api", "animate": "api", "export": "api",
    "player": "api",
    "sweep": "api", "basins": "api", "tune": "api", "trace": "api", "batch": "api",
    "figures": "api", "load_surface": "api", "record": "api", "rates": "api",
    "Result": "results", "Run": "results", "Summary": "results",
    "Settings": "studies.runs",
    "Look": "render.settings", "Camera": "render.settings", "Overlays": "render.settings",
    "Timing": "render.settings", "RunJob": "jobs", "run_job": ("jobs", "carry_out"),
    "make_optimizer": ("optimizers", "make"), "OPTIMIZERS": "optimizers",
    "Optimizer": "optimizers",
    "Surface": "surfaces", "DataSurface": "surfaces", "NetworkSurface": "surfaces",
    "available_surfaces": ("surfaces", "available"),
    "read_csv": ("datasets", "read_csv"), "load_data": ("datasets", "load"),
    "bundled_data": ("datasets", "bundled"),
    "AdamvizError": "core.errors", "InputError": "core.errors", "RunError": "core.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    target = _EXPORTS.get(name)
    if target is None:
        raise AttributeError(f"module 'adamviz' has no attribute {name!r}")
    module, attr = target if isinstance(target, tuple) else (target, name)
    value = getattr(import_module(f".{module}", __name__), attr)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + __all__)
