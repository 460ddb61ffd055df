"""The package as published: one version, a licence, type information, and a description
whose links work on a package index."""

import re
import tomllib
from importlib import metadata

import adamviz
from conftest import REPO

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())


def test_the_version_is_written_once():
    project = PYPROJECT["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert PYPROJECT["tool"]["hatch"]["version"]["path"] == "adamviz/__init__.py"
    assert metadata.version("adamviz") == adamviz.__version__


def test_licence_classifiers_urls_and_types_are_declared():
    project = PYPROJECT["project"]
    assert project["license"] == "MIT" and (REPO / "LICENSE").read_text().startswith("MIT")
    assert "Typing :: Typed" in project["classifiers"]
    assert (REPO / "adamviz" / "py.typed").exists()
    assert {"Homepage", "Source", "Issues"} <= set(project["urls"])


def description() -> str:
    """The README as the package index shows it (pyproject's substitutions applied)."""
    text = (REPO / "README.md").read_text()
    hooks = PYPROJECT["tool"]["hatch"]["metadata"]["hooks"]["fancy-pypi-readme"]
    for sub in hooks["substitutions"]:
        text = re.sub(sub["pattern"], sub["replacement"], text)
    return text


def test_links_and_pictures_work_on_a_package_index():
    text = description()
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    assert links, "the README links somewhere"
    relative = [link for link in links if not link.startswith(("https://", "#"))]
    assert relative == []
    pictures = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", text)
    base = "https://raw.githubusercontent.com/adamviz/adamviz/main/"
    assert pictures and all(p.startswith(base) for p in pictures)
    for picture in pictures:  # and each is a file of the repository
        assert (REPO / picture.removeprefix(base)).is_file(), picture
