"""``adamviz run`` as one library call. A ``RunJob`` is everything the command is asked, as
values: the runs (surface, optimizers, starts, settings, names and colours, fair tuning), the
picture (its path, views and drawing values), the export and the results database. ``check``
refuses, before any work, whatever cannot be done; ``carry_out`` then tunes, runs, records,
draws and exports, in that order (a database that cannot take the runs leaves no file
changed). The CLI parses flags into a job and prints what comes back; a script can build the
same job.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from . import api
from .core.errors import InputError
from .core.limits import check_runs_drawn
from .render import settings as drawing
from .results import Result
from .studies.runs import DEFAULTS, Settings, optimizer_list


@dataclass(frozen=True, kw_only=True)
class RunJob:
    surface: object  # a name, a path or a Surface
    opts: tuple = ("adam",)
    starts: tuple = ()
    settings: Settings = DEFAULTS
    labels: tuple = ()
    colors: tuple = ()
    tune: tuple[str, str] | None = None  # (grid, criterion): each lr tuned alike
    picture: Path | None = None  # .png/.svg/.pdf, .gif/.mp4 or .html; None: no picture
    views: tuple = ("contour",)
    look: drawing.Look = drawing.DEFAULT_LOOK
    camera: drawing.Camera = drawing.DEFAULT_CAMERA
    overlays: drawing.Overlays = drawing.NO_OVERLAYS
    timing: drawing.Timing = drawing.DEFAULT_TIMING
    export: Path | None = None  # .csv or .json
    db: Path | None = None
    db_paths: bool = False


@dataclass(kw_only=True)
class RunDone:
    result: Result
    kind: str | None  # "still", "animation", "player", or None when nothing was drawn
    written: list = field(default_factory=list)  # what was written, a line each
    tunings: dict = field(default_factory=dict)  # an optimizer's position -> its Tuning


def check(job: RunJob) -> str | None:
    """Everything ``carry_out`` needs, checked before any work, inputs first (every file
    read, the database) so that no output can replace one of them; the picture's kind."""
    surface = api.load_surface(job.surface)
    opts = optimizer_list(job.opts)
    if not opts:
        raise InputError("No optimizer given; name at least one, e.g. adam.")
    if job.tune is not None and job.settings.lr is not None:
        raise InputError("lr and tuning contradict: tuning picks each optimizer's lr.")
    api.check_labels(job.labels, job.colors, len(opts))
    if job.db is not None:
        api.check_db(job.db, surface, opts, job.settings)
    kind = None
    if job.picture is not None:
        kind = api.check_output(job.picture, job.timing)
        if kind == "animation":
            api.check_animation_look(job.look)
        _refuse_unused(job, kind, surface)
        views = api.check_views(surface, job.views, job.overlays.show, bool(job.camera),
                                player=kind == "player")
        check_runs_drawn(len(opts) * max(1, len(job.starts)))
        if kind != "player":
            _check_size(len(views), job.look, kind)
    if job.export is not None:
        api.check_export(job.export)
    return kind


def _refuse_unused(job: RunJob, kind: str, surface) -> None:
    """Settings the picture would not use are refused, never dropped: the player draws its
    own view, arrows and controls; a still does not play."""
    shown = api.check_views(surface, job.views, player=True) if kind == "player" else []
    if kind == "player" and (replace(job.look, title=None) != drawing.DEFAULT_LOOK
                             or job.camera or job.overlays or job.timing != drawing.DEFAULT_TIMING
                             or not set(shown) <= {"contour", "ratemap"}):
        raise InputError("The .html player draws its own view, arrows and controls; of the "
                         "drawing settings it takes only a title and --view contour,ratemap.")
    if "ratemap" in shown and not surface.minima:  # (said before the runs, not after them)
        raise InputError(f"A rate map measures the distance to a minimum, and {surface.name} "
                         f"lists none; drop ratemap from --view or add the surface's minima.")
    if kind == "still" and job.timing != drawing.DEFAULT_TIMING:
        raise InputError("An animation's timing applies to .gif and .mp4; this picture is a "
                         "still.")


def _check_size(views: int, look: drawing.Look, kind: str) -> None:
    """The picture's size, before any work."""
    from .core.limits import check_frame_size, check_pixels
    from .render.figure import check_size

    check_size(views, look.dpi, animated=kind == "animation")
    if look.size is not None and kind == "animation":
        check_frame_size(*look.size)
    elif look.size is not None:
        check_pixels(look.size[0] / 100, look.size[1] / 100, 100)


def carry_out(job: RunJob, progress=None, started: str | None = None) -> RunDone:
    """Check ``job``, then tune, run, record, draw and export; what was done.
    ``progress(done, total)`` follows an animation's frames."""
    kind = check(job)
    if job.db is not None:  # when the work began, as the database writes it
        started = started or api.timestamp()
    surface = api.load_surface(job.surface)
    specs, tunings = optimizer_list(job.opts), {}
    if job.tune is not None:  # with every setting of the runs, the schedule included
        from .studies.tuning import tune_specs

        specs, tunings = tune_specs(surface, specs, job.starts or None, job.settings, *job.tune)
    # (every setting by its name: a setting added to Settings reaches the runs)
    result = api.run(surface, specs, job.starts or None, tuned=tunings, labels=job.labels,
                     colors=job.colors, **job.settings.as_dict())
    if job.db is not None:  # first: a database that cannot take the runs leaves no file changed
        api.record(job.db, result, command="run", paths=job.db_paths, started=started)
    done = RunDone(result=result, kind=kind, tunings=tunings)
    # Checked again now that the runs have read every file they use (an optimizer file is
    # read when it runs): no output may replace one of them.
    if job.picture is not None:
        api.check_output(job.picture, job.timing)
    if job.export is not None:
        api.check_export(job.export)
    if job.picture is not None:
        done.written.append(_draw(job, result, kind, progress))
    if job.export is not None:
        done.written.append(str(api.export(result, job.export)))
    return done


def _draw(job: RunJob, result: Result, kind: str, progress) -> str:
    """The picture; the line saying what was written."""
    if kind == "player":
        rates = "ratemap" in api.check_views(result, job.views, player=True)
        return str(api.player(result, job.picture, job.look.title, rates=rates))
    values = {"look": job.look, "camera": job.camera, "overlays": job.overlays}
    if kind == "animation":
        made = api.animate(result, job.picture, job.views, timing=job.timing, progress=progress,
                           **values)
        return f"{job.picture} ({made.describe()})"
    return str(api.save_plot(result, job.picture, job.views, **values))
