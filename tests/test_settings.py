"""Drawing settings as values: each checks itself where it is made (a notebook meets the
command line's errors), flows unchanged from the CLI through the API to the renderers, and
`adamviz run` is a parse of flags into a RunJob and one library call."""

import re

import pytest
from click.testing import CliRunner

import adamviz
from adamviz import api, jobs
from adamviz.cli import cli
from adamviz.core.errors import InputError
from adamviz.render import animate, figure
from adamviz.render.settings import Camera, Look, Overlays, Timing, from_keywords


@pytest.mark.parametrize("make,message", [
    (lambda: Look(style="slides"), "Unknown style 'slides'"),
    (lambda: Look(size="1x1"), "each side must be 100 to 10000 pixels"),
    (lambda: Look(dpi=5), "Invalid dpi: 5"),
    (lambda: Look(title="two\nlines"), "A title is one line"),
    (lambda: Look(title="$x_$", math=True), "is not valid mathtext"),
    (lambda: Look(transparent="yes"), "transparent is True or False"),
    (lambda: Camera(elev=float("nan")), "Invalid elev: nan"),
    (lambda: Overlays(show="grd"), "Unknown overlay 'grd'; did you mean 'grad'"),
    (lambda: Overlays(at=[3]), "name the arrows too"),
    (lambda: Timing(frames=0), "Invalid frames: 0"),
    (lambda: Timing(hold=-1), "Invalid hold: -1"),
    (lambda: Timing(pace="story"), "Invalid pace 'story'"),
    (lambda: from_keywords({"styel": "talk"}), "Unknown drawing setting 'styel'; did you mean "
                                               "'style'"),
    (lambda: from_keywords({"fps": 10}, (Look, Camera)), "fps is a setting of an animation's "
                                                        "timing, which this picture does not"),
])
def test_a_value_checks_itself_in_one_line(make, message):
    with pytest.raises(InputError, match=re.escape(message)):
        make()


def test_keywords_and_values_make_the_same_picture_and_a_misspelt_one_is_refused(tmp_path):
    result = api.run("hump", ["sgd", "adam"], steps=30)
    a = api.save_plot(result, tmp_path / "a.svg", style="talk", size="1280x720", elev=10,
                      views="contour,3d", overlays="grad", overlay_at=[5])
    b = api.save_plot(result, tmp_path / "b.svg", ["contour", "3d"],
                      look=Look(style="talk", size=(1280, 720)), camera=Camera(elev=10),
                      overlays=Overlays(show=("grad",), at=(5,)))
    strip = lambda t: re.sub(r'(id|href|clip-path)="[^"]*"|<dc:date>.*?</dc:date>', "", t)  # noqa: E731
    assert strip(a.read_text()) == strip(b.read_text())
    with pytest.raises(InputError, match="Unknown drawing setting 'overlay_et'"):
        api.save_plot(result, tmp_path / "c.png", overlays="grad", overlay_et=[5])
    with pytest.raises(InputError, match="fps is a setting of an animation's timing"):
        api.save_plot(result, tmp_path / "c.png", fps=10)
    assert not (tmp_path / "c.png").exists()


def test_the_values_reach_the_renderers_unchanged(monkeypatch, tmp_path):
    seen = {}

    def still(result, path, views, look, camera, overlays, **_):
        seen["still"] = (look, camera, overlays)

    def frames(result, path, views, look, camera, overlays, timing, progress=None, **_):
        seen["animation"] = (look, camera, overlays, timing)

    monkeypatch.setattr(figure, "save_still", still)
    monkeypatch.setattr(animate, "render", frames)
    result = api.run("hump", ["momentum"], steps=20)
    look, timing = Look(style="dark", title="T"), Timing(fps=12, pace="loss")
    api.save_plot(result, tmp_path / "x.png", look=look, overlays="momentum")
    api.animate(result, tmp_path / "x.gif", look=look, timing=timing)
    assert seen["still"][0] is look and seen["still"][2] == Overlays(show=("momentum",))
    assert seen["animation"][0] is look and seen["animation"][3] is timing


def test_run_is_a_parse_of_its_flags_and_one_library_call(monkeypatch, tmp_path):
    calls = []
    real = jobs.carry_out

    def spy(job, progress=None, started=None):
        calls.append(job)
        return real(job, progress, started)

    monkeypatch.setattr(jobs, "carry_out", spy)
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(cli, ["run", "-s", "hump", "--opt", "sgd", "--opt", "adam",
                                    "--style", "talk", "--title", "T", "--view", "contour,3d",
                                    "--elev", "20", "--label", "SGD", "--steps", "30",
                                    "-o", "p.png", "--export", "p.csv"])
    assert done.exit_code == 0, done.output
    (job,) = calls
    assert job.look == Look(style="talk", title="T") and job.camera == Camera(elev=20)
    assert job.labels == ("SGD",) and job.views == "contour,3d"
    assert (tmp_path / "p.png").exists() and (tmp_path / "p.csv").exists()
    # the same job from Python does the same work
    again = real(jobs.RunJob(**{**vars(job), "picture": tmp_path / "q.png",
                                   "export": tmp_path / "q.csv"}))
    assert (tmp_path / "q.csv").read_text() == (tmp_path / "p.csv").read_text()
    assert again.kind == "still" and adamviz.RunJob is jobs.RunJob


def test_the_command_line_imports_no_renderer():
    """The API is the CLI's only door: no module of the CLI imports adamviz.render except
    the registries its --help lists (views, styles, paces)."""
    import ast
    from pathlib import Path

    allowed = {"views", "looks", "paces"}
    for path in Path(adamviz.__file__).parent.joinpath("cli").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and "render" in node.module:
                module = node.module.split(".")[-1]
                assert module in allowed, (path.name, node.module)


def test_a_job_refuses_what_its_picture_would_not_use_and_counts_runs_for_every_kind(tmp_path):
    """The player takes only a title; a still does not play; a player of 401 runs is refused
    like a picture of them; a lone string is one optimizer."""
    from adamviz.jobs import RunJob, check

    html = tmp_path / "p.html"
    for job, message in (
            (RunJob(surface="hump", picture=html, look=Look(style="dark")), "takes only a title"),
            (RunJob(surface="hump", picture=html, views="contour,loss"), "takes only a title"),
            (RunJob(surface="hump", picture=tmp_path / "p.png", timing=Timing(fps=5)),
             "applies to .gif and .mp4"),
            (RunJob(surface="hump", picture=html, starts=[(0, 0)] * 401), "401 runs"),
            (RunJob(surface="hump", opts="adam", labels=("a", "b")), "2 labels for 1 optimizer"),
            (RunJob(surface="hump", labels="SGD"), "labels are a list")):
        with pytest.raises(InputError, match=message):
            check(job)
    assert check(RunJob(surface="hump", picture=html, look=Look(title="T"))) == "player"
    with pytest.raises(InputError, match="transparent applies to .png"):
        api.animate(api.run("hump", ["adam"], steps=3), tmp_path / "a.gif", transparent=True)


def test_tuning_in_a_job_keeps_the_schedule():
    """--tune lr --schedule: each lr is chosen for the scheduled runs, as they will run."""
    from adamviz.jobs import RunJob, carry_out
    from adamviz.studies.runs import Settings

    settings = Settings(steps=100, schedule="step:step_size=3,gamma=0.1")
    done = carry_out(RunJob(surface="hump", opts=("adam",), settings=settings,
                            tune=("1e-3:1:13", "final-loss")))
    plain = carry_out(RunJob(surface="hump", opts=("adam",), settings=Settings(steps=100),
                             tune=("1e-3:1:13", "final-loss")))
    assert done.result.runs[0].hyperparams["lr"] != plain.result.runs[0].hyperparams["lr"]
