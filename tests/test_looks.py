"""Looks: --style paper|talk|dark, --font-scale, --size and --transparent; figures legible on a
projector; text kept as text in SVG and PDF."""

import numpy as np
import pytest
from click.testing import CliRunner
from matplotlib.text import Text
from PIL import Image

from adamviz import api
from adamviz.cli import cli
from adamviz.core.errors import InputError
from adamviz.render import looks
from adamviz.render.figure import compose, panel_size_for
from adamviz.render.settings import Look
from adamviz.studies import recipes


@pytest.fixture(scope="module")
def result():
    return api.run("hump", ["sgd", "adam"], steps=60)


def smallest_text_px(fig, dpi: float, width_px: float) -> float:
    """The smallest visible text's height in pixels once the picture is shown 1920 px wide."""
    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]
    return min(sizes) * dpi / 72 * 1920 / width_px


@pytest.mark.parametrize("name", ["fig1-local-minimum", "adam-vs-momentum-vs-rmsprop",
                                  "bias-correction"])
def test_figures_text_is_at_least_18px_on_a_1920_projector(name):
    recipe = recipes.load(name)
    book = recipes.Book()
    result = book.result(name)
    extra = recipes.extra_panels(recipe, result, book)
    panels = len(recipe.views) + len(extra)
    dpi = 120
    with looks.wearing("talk"):
        fig, _ = compose(result, recipe.views, look=Look(title=recipe.title), extra=extra,
                         panel_size=panel_size_for((1920, 720), panels, dpi), dpi=dpi)
        fig.canvas.draw()
        assert fig.get_size_inches()[0] * dpi == pytest.approx(1920)
        assert smallest_text_px(fig, dpi, 1920) >= 18
    with looks.wearing("paper"):  # the compact look is smaller: the test can tell
        fig, _ = compose(result, recipe.views, panel_size=panel_size_for((1920, 720), panels,
                                                                          dpi), dpi=dpi)
        fig.canvas.draw()
        assert smallest_text_px(fig, dpi, 1920) < 18


def test_figures_command_writes_1920_wide_pictures(tmp_path):
    out = CliRunner().invoke(cli, ["figures", "--only", "fig1-local-minimum", "-o",
                                   str(tmp_path), "-q"])
    assert out.exit_code == 0, out.output
    assert Image.open(tmp_path / "fig1-local-minimum.png").size == (1920, 720)


def test_size_sets_the_pixels_and_style_dark_darkens(result, tmp_path):
    path = api.save_plot(result, tmp_path / "d.png", ["contour", "loss"], style="dark",
                         size="1280x720")
    image = np.asarray(Image.open(path).convert("RGB"), dtype=float)
    assert image.shape[:2] == (720, 1280)
    assert image[:5, :5].mean() < 60  # the dark look's background
    paper = api.save_plot(result, tmp_path / "p.png", ["contour"])
    assert np.asarray(Image.open(paper).convert("RGB"))[:5, :5].mean() > 200


def test_transparent_background(result, tmp_path):
    path = api.save_plot(result, tmp_path / "t.png", transparent=True)
    alpha = np.asarray(Image.open(path))[..., 3]
    assert alpha[0, 0] == 0 and alpha.max() == 255


def test_font_scale_grows_the_text(result):
    sizes = []
    for scale in (1.0, 2.0):
        with looks.wearing("paper", scale):
            fig, _ = compose(result, ["contour"])
            sizes.append(fig._suptitle.get_fontsize())
    assert sizes[1] == pytest.approx(2 * sizes[0])


def test_line_widths_follow_the_look(result):
    widths = {}
    for name in ("paper", "talk"):
        with looks.wearing(name):
            _, (panel,) = compose(result, ["contour"])
            widths[name] = panel.lines.get_linewidths()[0]
    assert widths["talk"] == pytest.approx(widths["paper"] * 1.35)


def test_svg_and_pdf_keep_text_as_text(result, tmp_path):
    svg = api.save_plot(result, tmp_path / "a.svg", title="Hump slide").read_text()
    assert "<text" in svg and "Hump slide" in svg
    pdf = api.save_plot(result, tmp_path / "a.pdf").read_bytes()
    assert b"/FontFile2" in pdf and b"/Type3" not in pdf  # TrueType text, not glyph drawings


def test_dark_look_draws_hollow_markers_in_light_ink(result):
    with looks.wearing("dark"):
        _, (panel,) = compose(result, ["contour"])
        local = [a for a in panel.minima if a.get_label() == "local minimum"][0]
        assert local.get_edgecolor()[0][:3].mean() > 0.8


@pytest.mark.parametrize("args,message", [
    (["--style", "neon"], "'neon' is not one of 'paper', 'talk', 'dark'"),
    (["--size", "12"], "Bad size '12': expected WIDTHxHEIGHT"),
    (["--size", "20x20000"], "each side must be 100 to 10000 pixels"),
    (["--font-scale", "9"], "--font-scale"),
    (["--transparent", "-o", "x.gif"], "transparent applies to .png, .svg and .pdf"),
    (["--size", "7000x7000", "-o", "x.gif"], "larger than 4K"),
    (["--size", "9000x9000"], "larger than 50 megapixels"),
])
def test_bad_look_options(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(cli, ["run", "-s", "hump", *args])
    assert out.exit_code == 2 and message in out.stderr
    assert "Traceback" not in out.output and not list(tmp_path.iterdir())


def test_library_look_errors():
    with pytest.raises(InputError, match="Unknown style 'tlak'; did you mean 'talk'"):
        looks.get("tlak")
    with pytest.raises(InputError, match="font scale"):
        looks.check_font_scale(0)
