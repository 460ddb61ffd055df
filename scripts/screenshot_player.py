"""The README's pictures of the HTML player: the page the README's player command makes, opened
in Chromium at a phone's, a 1080p projector's and a 1440p monitor's size, in the light and the
dark theme, scrubbed to step 60 with the arrows on, and photographed into outputs/readme/.
Which pictures, at which sizes, is the table in scripts/make_readme_pictures.py; this runs it
for them (the page is made in a temporary folder):

    python scripts/screenshot_player.py
    python scripts/make_readme_pictures.py --only 'player*'    # the same

Needs playwright (pip) and Debian's Chromium at /usr/bin/chromium.
"""

import sys
from pathlib import Path

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def shoot(html: Path, shots: dict):
    """Photograph the player page ``html`` once per entry of ``shots`` (a file to write: its
    width, height and colour scheme), yielding each file once written."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        try:
            for path, (width, height, scheme) in shots.items():
                page = browser.new_page(viewport={"width": width, "height": height},
                                        color_scheme=scheme)
                page.goto(Path(html).resolve().as_uri())
                page.wait_for_function("window.adamvizPlayer !== undefined")
                page.evaluate("() => window.adamvizPlayer.stepTo(60)")
                page.screenshot(path=str(path))
                page.close()
                yield path
        finally:
            browser.close()


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import make_readme_pictures

    sys.exit(make_readme_pictures.main(["--only", "player*"]))
