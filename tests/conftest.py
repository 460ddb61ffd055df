import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch):
    """No user surfaces folder leaks in from the environment."""
    monkeypatch.delenv("ADAMVIZ_SURFACES", raising=False)
    os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def minimal_surface(tmp_path):
    """A user's file with only the required keys."""
    path = tmp_path / "mine.toml"
    path.write_text('name = "mine"\nexpr = "(x - 1)**2 + 2*(y + 0.5)**2"\n'
                    'xlim = [-3, 3]\nylim = [-2, 2]\n')
    return path


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """Derivative cache in a fresh folder: the suite exercises the cold and the warm path."""
    os.environ["ADAMVIZ_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, driven by playwright, for the player's tests (test_browser.py says
    when they skip)."""
    from playwright.sync_api import sync_playwright
    from test_browser import ARGS, CHROMIUM

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()
