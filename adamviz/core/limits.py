"""How much one command may ask for, in one place. Each refusal says what the request would
cost (memory or time, from measured rates on a 2-core machine) and what the limit is.

Below the limits nothing is allocated up front for steps that are never taken: paths grow as
runs go (``recorders.py``).
"""

from __future__ import annotations

from .errors import InputError

MAX_STEPS = 10_000_000
MAX_PATH_RUNS = 400  # runs drawn in one picture (every step kept); beyond: end points only
PATH_BYTES_PER_STEP = 120  # one run's recorded step: point, loss, gradient, rates, moments
SECONDS_PER_STEP = 40e-6  # one step of a few runs, mostly interpreter overhead
MAX_SWEEP_PANELS = 64
SECONDS_PER_PANEL, MB_PER_PANEL = 0.2, 1.5  # a sweep panel: runs, contours and drawing
MAX_FRAMES = 3000
MAX_PIXELS = 50_000_000  # a picture or frame (width x height); RGBA, 4 bytes a pixel
MAX_STARTS = 4_000_000  # a basins grid (end points only)
# A basins grid's peak memory (tests/test_studies.py measures it): per start its point (16
# bytes), where one optimizer's runs ended with their loss, status and steps (41), a byte per
# optimizer for its category (and 4 per panel while drawn); fixed, the arrays of the chunk of
# runs the engine steps at a time and the caches of its programs
BYTES_PER_START = 64
BASINS_FIXED_BYTES = 30e6
MAX_INPUT_BYTES = 1 << 20  # a definition file (surface, optimizer, batch, recipe)
MAX_RULE_NAMES = 64  # hyperparameters, and state variables, of one optimizer file
MAX_RULE_STEPS = 200  # assignments in one optimizer's rule (torch's longest needs about 12)


def _size(nbytes: float) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if nbytes >= scale:
            return f"{nbytes / scale:,.1f} {unit}"
    return f"{nbytes / 1e3:,.0f} kB"


def _duration(seconds: float) -> str:
    for unit, scale in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= scale:
            return f"{seconds / scale:,.1f} {unit}"
    return f"{seconds:,.1f} s"


def check_steps(steps: int) -> None:
    if steps > MAX_STEPS:
        raise InputError(
            f"Invalid steps: {steps:,} is more than the {MAX_STEPS:,} a run may take (one run "
            f"using them all would keep {_size(steps * PATH_BYTES_PER_STEP)} of path and take "
            f"about {_duration(steps * SECONDS_PER_STEP)}).")


MAX_PATH_BYTES = 2e9  # every step of every run kept at once, for pictures and exports


def check_paths(runs: int, steps: int, dims: int = 2) -> None:
    """Runs that keep every step (to be drawn or exported) must fit in memory together; a step
    of a run in ``dims`` coordinates (a network's parameters) keeps its loss and about seven
    numbers per coordinate (point, gradient, rates, moments)."""
    need = runs * (steps + 1) * (PATH_BYTES_PER_STEP + 56 * (dims - 2))
    if need > MAX_PATH_BYTES:
        raise InputError(
            f"{runs:,} run{'s' * (runs != 1)} of {steps:,} steps would keep {_size(need)} of "
            f"paths in memory (every step of every run) and take about "
            f"{_duration(runs * steps * 2e-6)}; at most {_size(MAX_PATH_BYTES)}. Ask for fewer "
            f"runs or steps, or for end points only (`adamviz basins`, or a batch with "
            f"summary outputs).")


def basins_bytes(count: int) -> float:
    """The peak memory of a basins grid of ``count`` starts, beyond the program's own."""
    return BASINS_FIXED_BYTES + count * BYTES_PER_START


def check_starts(count: int) -> None:
    if count > MAX_STARTS:
        raise InputError(f"A grid of {count:,} starts is too large: at most {MAX_STARTS:,} "
                         f"(it would take about {basins_bytes(count) / 2**30:.1f} GiB).")


def check_panels(count: int) -> None:
    if count > MAX_SWEEP_PANELS:
        raise InputError(
            f"A sweep of {count:,} settings would draw {count:,} panels; at most "
            f"{MAX_SWEEP_PANELS} (it would take about {_duration(count * SECONDS_PER_PANEL)} "
            f"and {_size(count * MB_PER_PANEL * 1e6)}). Sweep fewer values, or use "
            f"`adamviz batch` with a sweep and summary outputs.")


def check_runs_drawn(runs: int) -> None:
    if runs > MAX_PATH_RUNS:
        raise InputError(f"{runs:,} runs are more than the {MAX_PATH_RUNS} one picture can show "
                         f"(each is a path and a legend entry); use `adamviz basins` for many "
                         f"starts, or --no-plot with --export for the numbers.")


def check_frames(frames: int) -> None:
    if frames > MAX_FRAMES:
        raise InputError(f"Invalid --frames: {frames:,} is more than {MAX_FRAMES:,} (at 20 fps "
                         f"that is {MAX_FRAMES // 20 // 60} minutes of animation).")


MAX_FRAME_PIXELS = 3840 * 2160  # an animation frame: at most 4K (every frame is drawn and encoded)


def check_frame_size(width: int, height: int) -> None:
    if width * height > MAX_FRAME_PIXELS:
        raise InputError(f"An animation frame of {width:,}x{height:,} pixels is larger than 4K "
                         f"(3840x2160); every frame is drawn and encoded, so ask for a smaller "
                         f"--size.")


def check_pixels(width_in: float, height_in: float, dpi: float, what: str = "picture") -> None:
    width, height = round(width_in * dpi), round(height_in * dpi)
    if width * height > MAX_PIXELS:
        raise InputError(
            f"A {width:,}x{height:,} {what} ({width * height / 1e6:,.0f} megapixels, "
            f"{_size(width * height * 4)} to draw) is larger than {MAX_PIXELS / 1e6:.0f} "
            f"megapixels; lower --dpi or --size, or draw fewer views.")


MAX_NETWORK_PARAMS = 5_000  # weights and biases of a network surface


def check_network_params(params: int, rows: int, where: str) -> None:
    if params > MAX_NETWORK_PARAMS:
        raise InputError(
            f"{where}: the network has {params:,} parameters, more than the "
            f"{MAX_NETWORK_PARAMS:,} a network surface may have (each step of each run costs "
            f"params x rows = {params * rows:,} multiply-adds here, three times over for the "
            f"forward and backward passes); use fewer or narrower layers.")


# A network's runs: a step of a run over one row costs about this much per parameter (2-8-8-1 on
# moons, 3 optimizers x 500 full-batch steps: 47M parameter-rows in 0.33 s on 2 busy cores)
SECONDS_PER_PARAMETER_ROW = 7e-9
MAX_NETWORK_SECONDS = 3600.0  # the work one command may ask of a network, estimated


def check_network_work(runs: int, steps: int, rows: int, params: int) -> None:
    """Runs x steps x rows (per step: the batch, or every training row) x parameters must take
    at most MAX_NETWORK_SECONDS at the measured rate."""
    seconds = runs * steps * rows * params * SECONDS_PER_PARAMETER_ROW
    if seconds > MAX_NETWORK_SECONDS:
        raise InputError(
            f"{runs:,} run{'s' * (runs != 1)} x {steps:,} steps x {rows:,} rows a step x "
            f"{params:,} parameters would take about {_duration(seconds)} on two cores; at "
            f"most {_duration(MAX_NETWORK_SECONDS)}. Ask for fewer steps or runs, or take each "
            f"step on a minibatch (--batch-size).")


def markdown_table() -> str:
    """Every limit, for the README."""
    rows = [
        ("steps of one run", f"{MAX_STEPS:,}"),
        ("runs drawn in one picture or player", f"{MAX_PATH_RUNS}"),
        ("paths kept in memory (every step of every run)", _size(MAX_PATH_BYTES)),
        ("basin starts (end points only)", f"{MAX_STARTS:,}"),
        ("cells of a rate map (each a run, all stepped together)", f"{MAX_RATE_CELLS:,}"),
        ("sweep panels", f"{MAX_SWEEP_PANELS}"),
        ("parameters of a network surface (weights and biases)", f"{MAX_NETWORK_PARAMS:,}"),
        ("runs x steps x rows x parameters of one command on a network",
         f"about {_duration(MAX_NETWORK_SECONDS)} of work"),
        ("animation frames", f"{MAX_FRAMES:,}"),
        ("pixels of a picture", f"{MAX_PIXELS / 1e6:.0f} megapixels"),
        ("pixels of an animation frame", "3840x2160 (4K)"),
        ("a definition file (surface, optimizer, batch, recipe)",
         f"{MAX_INPUT_BYTES / 2**20:g} MiB"),
        ("hyperparameters, or state variables, of an optimizer file", f"{MAX_RULE_NAMES}"),
        ("assignments in an optimizer's rule", f"{MAX_RULE_STEPS}"),
    ]
    lines = ["| limit | at most |", "| --- | --- |"]
    return "\n".join(lines + [f"| {what} | {value} |" for what, value in rows])


MAX_RATE_CELLS = 1_000_000  # cells of a rate map (each a run, stepped together)
MAX_RATE_BYTES = 2e9  # its distances to the minima after every step, and the fit's arrays
RATE_SECONDS_PER_CELL_STEP = 300e-9  # valley, momentum, 10^4 cells, the fit too (bench_rates.py)


def rates_bytes(cells: int, steps: int, minima: int) -> float:
    """A rate map's peak memory beyond the program's: a distance per minimum and step, and
    about six arrays of a number per step while the rates are fitted."""
    return cells * (steps + 1) * 8.0 * (minima + 6)


def check_rate_cells(cells: int, steps: int, minima: int = 1) -> None:
    need = rates_bytes(cells, steps, minima)
    if cells > MAX_RATE_CELLS or need > MAX_RATE_BYTES:
        raise InputError(
            f"A rate map of {cells:,} cells of {steps:,} steps would keep {_size(need)} and "
            f"take about {_duration(cells * steps * RATE_SECONDS_PER_CELL_STEP)}; at most "
            f"{MAX_RATE_CELLS:,} cells and {_size(MAX_RATE_BYTES)}. Ask for fewer points or "
            f"steps.")
