"""Carrying out a batch: every experiment run and written (in parallel processes with ``jobs``),
each recorded in a results database as it finishes, and the summary of them all.

With a database, an experiment already recorded there (same config hash) and whose files are
still in the output folder is not run again: its rows are read back, exactly as they were
written, so a batch interrupted and started again ends with the same summary as one that ran
through. ``rerun`` runs everything again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import database
from .core.errors import AdamvizError, describe
from .core.io import check_writable, write_text_atomic
from .core.limits import MAX_PATH_RUNS
from .core.workers import pool
from .database import Database, ExperimentRecord, now
from .exports import summary_csv, summary_markdown
from .outputs import OUTPUTS, write_experiment
from .results import Summary
from .studies import batch as batching


@dataclass(kw_only=True)
class JobReport:
    """What one experiment left: its rows and files, or the error that stopped it."""

    rows: list[Summary]
    files: list[Path]
    error: str | None = None
    started: str = ""
    paths: list | None = None  # (points, losses) per row, when asked and every step was kept


@dataclass(kw_only=True)
class BatchRun:
    rows: list[Summary]
    files: list[Path]
    errors: list[tuple[str, str]]
    skipped: list[str] = field(default_factory=list)  # experiments read from the database
    notes: list[str] = field(default_factory=list)  # what the user should know, one line each

    def __iter__(self):  # rows, files, errors = run_batch(...)
        return iter((self.rows, self.files, self.errors))


def experiment_job(exp: batching.Experiment, out_dir: Path, keep_paths: bool = False
                   ) -> JobReport:
    """Run and write one experiment. One that fails is reported, and the others go on."""
    started = now()
    try:
        found = batching.run_experiment(exp)
        files = write_experiment(found, Path(out_dir) / exp.name)
    except Exception as exc:  # one failing experiment must not stop the batch
        detail = str(exc) if isinstance(exc, AdamvizError) else describe(exc)
        return JobReport(rows=[Summary.failed(exp.name, exp.surface.name, detail)], files=[],
                       error=detail, started=started)
    paths = None
    if keep_paths and found.result is not None:
        paths = [(run.points, run.losses) for run in found.result.runs]
    return JobReport(rows=list(found.summaries), files=files, started=started, paths=paths)


def run_batch(experiments, out_dir, jobs: int = 1, progress=None, db=None,
              rerun: bool = False, keep_paths: bool = False) -> BatchRun:
    """Run every experiment (``jobs`` processes) and write the summaries. With ``db`` (a path)
    every experiment is recorded as it finishes and the ones already there are skipped unless
    ``rerun``; ``keep_paths`` records every step of every run too."""
    out_dir = Path(out_dir)
    if db is not None:  # an input: checked first, so that no output may replace it
        database.check(db, [k for e in experiments for _, hyper, *_ in e.config()["optimizers"]
                            for k in hyper])
    for path in [out_dir / "summary.csv", out_dir / "summary.md",
                 *(out_dir / e.name / f for e in experiments for f in e.files(OUTPUTS))]:
        check_writable(path)  # every file the batch will write, before it starts
    store = Database(db) if db is not None else None
    try:
        return _run(experiments, out_dir, jobs, progress, store, rerun, keep_paths)
    finally:
        if store is not None:
            store.close()


def _run(experiments, out_dir, jobs, progress, store, rerun, keep_paths) -> BatchRun:
    records = {e.name: ExperimentRecord(command="batch", name=e.name, surface=e.surface.name,
                                 config=e.config()) for e in experiments}
    recorded = set() if store is None or rerun else store.completed(
        r.config_hash for r in records.values())
    skipped = [e for e in experiments if records[e.name].config_hash in recorded
               and all((out_dir / e.name / f).is_file() for f in e.files(OUTPUTS))]
    todo = [e for e in experiments if e not in skipped]
    outcomes: dict[str, JobReport] = {}
    for e in skipped:
        outcomes[e.name] = JobReport(rows=store.summaries(records[e.name].config_hash),
                                   files=[out_dir / e.name / f for f in e.files(OUTPUTS)])
    total = batching.total_runs(experiments)
    done = batching.total_runs(skipped)
    if progress and skipped:
        progress(done, total)
    notes = []
    for exp, outcome in _carry_out(todo, out_dir, jobs, keep_paths and store is not None):
        if store is not None and outcome.error is None:
            store.record(records[exp.name], outcome.rows, outcome.paths, outcome.started)
        if keep_paths and store is not None and outcome.paths is None and not outcome.error:
            notes.append(f"{exp.name}: paths not recorded (more than {MAX_PATH_RUNS} runs; "
                         f"only their summaries are)")
        outcomes[exp.name] = outcome
        done += len(exp.specs) * exp.n_starts()
        if progress:
            progress(done, total)
    ordered = [outcomes[e.name] for e in experiments]
    rows = [r for o in ordered for r in o.rows]
    write_text_atomic(out_dir / "summary.csv", summary_csv(rows))
    write_text_atomic(out_dir / "summary.md", summary_markdown(rows))
    return BatchRun(rows=rows, files=[f for o in ordered for f in o.files],
                    errors=[(e.name, o.error) for e, o in zip(experiments, ordered, strict=True)
                            if o.error],
                    skipped=[e.name for e in skipped], notes=notes)


def _carry_out(experiments, out_dir, jobs, keep_paths):
    """(experiment, outcome) as each finishes: in order, or as they come with ``jobs`` > 1."""
    if jobs > 1 and len(experiments) > 1:
        import multiprocessing

        # Leaving the block by any exception (Ctrl-C, SIGTERM, a failure) terminates the
        # workers and joins them, so none outlives the batch; see core.workers.
        context = multiprocessing.get_context("spawn")
        with pool(context, min(jobs, len(experiments))) as workers:
            tasks = [(i, e, out_dir, keep_paths) for i, e in enumerate(experiments)]
            for i, outcome in workers.imap_unordered(_indexed, tasks):
                yield experiments[i], outcome
    else:
        for exp in experiments:
            yield exp, experiment_job(exp, out_dir, keep_paths)


def _indexed(item):
    i, exp, out_dir, keep_paths = item
    return i, experiment_job(exp, out_dir, keep_paths)
