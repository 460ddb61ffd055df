"""The example notebook, executed headlessly as a user's Jupyter would run it: every picture and
table reaches the notebook, and nothing lands on stderr."""

import os

import pytest
from test_render import NOTEBOOK_OBJECTS, pictures_in

from conftest import REPO

nbformat = pytest.importorskip("nbformat", reason="the test extra installs nbformat")
nbclient = pytest.importorskip("nbclient", reason="the test extra installs nbclient")
pytest.importorskip("ipykernel", reason="the test extra installs ipykernel")


def execute(notebook, folder, timeout: int = 300):
    """Run ``notebook`` in a fresh kernel in ``folder``, as Jupyter would."""
    saved = os.environ.pop("MPLBACKEND", None)  # the kernel picks Jupyter's inline backend
    try:
        nbclient.NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(folder)}}).execute()
    finally:
        if saved is not None:
            os.environ["MPLBACKEND"] = saved


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    notebook = nbformat.read(REPO / "examples" / "notebook.ipynb", as_version=4)
    execute(notebook, tmp_path_factory.mktemp("notebook"))
    return [c for c in notebook.cells if c.cell_type == "code"]


def data(cell) -> dict:
    """Every rich output of a cell, merged: mime type -> content."""
    out = {}
    for output in cell.outputs:
        out.update(output.get("data", {}))
    return out


def test_nothing_fails_or_warns(executed):
    for cell in executed:
        for output in cell.outputs:
            assert output.output_type != "error", output
            assert not (output.output_type == "stream" and output.name == "stderr"), output


def test_a_result_shows_its_table_and_picture(executed):
    shown = data(executed[0])
    assert "<table>" in shown["text/html"] and "sgd (lr=0.01)" in shown["text/html"]
    assert len(pictures_in(shown)) == 1
    assert shown["text/plain"].startswith("Result(hump, 3 runs")


def test_every_picture_of_the_tour_is_stored_once(executed):
    for i, cell in enumerate(executed):
        for output in cell.outputs:
            assert len(pictures_in(output.get("data", {}))) <= 1, i


def test_plots_reach_the_notebook_once(executed):
    for i in (1, 2, 3):  # on the user's Axes, a new Figure, under a style context
        pictures = [o for o in executed[i].outputs if "image/png" in o.get("data", {})]
        assert len(pictures) == 1, i


def test_the_animation_plays_inline(executed):
    assert "data:image/gif;base64," in data(executed[4])["text/html"]


def test_data_frames_and_studies_show_as_tables_and_pictures(executed):
    assert "<table" in data(executed[5])["text/html"]  # the loss per run
    assert "end_x" in data(executed[6])["text/html"]
    basins = data(executed[7])
    assert len(pictures_in(basins)) == 1 and "global" in basins["text/html"]
    assert len(pictures_in(data(executed[8]))) == 1  # the sweep's small multiples
    assert "tuned by distance" in data(executed[9])["text/html"]
    assert "m̂" in data(executed[10])["text/plain"]  # the trace's table
    assert data(executed[11])["text/plain"] == "array([[0.6]])"


def test_a_python_optimizer_and_a_python_loss_work_in_a_notebook(executed):
    mine = data(executed[12])
    assert "signsgd (lr=0.05)" in mine["text/html"] and len(pictures_in(mine)) == 1
    loss = data(executed[13])
    assert len(pictures_in(loss)) == 1 and "clip_norm=1" in loss["text/html"]
    assert "schedule=cosine:T_max=200" in loss["text/html"]


def test_a_loss_over_data_runs_on_minibatches_and_stops_early_in_a_notebook(executed):
    shown = data(executed[14])
    assert len(pictures_in(shown)) == 1 and "stopped early" in shown["text/html"]
    assert "the point kept is step" in shown["text/html"]


def test_plot_shows_its_picture_in_a_fresh_kernel_without_pyplot(tmp_path):
    """No `import matplotlib.pyplot` first: the returned Figure still shows as one picture,
    and adamviz has not imported pyplot for it."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        'import adamviz\nr = adamviz.run("hump", ["sgd", "adam"], steps=20)\nadamviz.plot(r)'),
        nbformat.v4.new_code_cell("import sys; 'matplotlib.pyplot' in sys.modules")])
    execute(notebook, tmp_path, timeout=120)
    shown, pyplot = notebook.cells[0].outputs, notebook.cells[1].outputs
    pictures = [o for o in shown if "image/png" in o.get("data", {})]
    assert len(pictures) == 1, shown
    assert pyplot[0]["data"]["text/plain"] == "False"


def test_results_studies_and_sweeps_show_one_picture_at_the_notebooks_width(tmp_path):
    """In a fresh kernel without pyplot: each object's output carries its picture once (not in
    the HTML and again as PNG), drawn about as wide as a notebook shows it (~960 px at 1:1;
    wider, it is shrunk and its text with it)."""
    import io

    from PIL import Image

    cells = ["import adamviz", *NOTEBOOK_OBJECTS.values()]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    execute(notebook, tmp_path, timeout=120)
    for cell in notebook.cells[1:]:
        assert [o.output_type for o in cell.outputs] == ["execute_result"], cell.outputs
        (picture,) = pictures_in(data(cell))
        assert 900 <= Image.open(io.BytesIO(picture)).width <= 1000, cell.source
