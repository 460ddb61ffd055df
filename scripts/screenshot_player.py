"""The README's picture of the HTML player: outputs/hump-player.html opened in Chromium,
scrubbed to step 60 with the arrows on, and photographed as outputs/player.png.

    adamviz run -s hump --opt sgd:lr=0.01 --opt momentum:lr=0.01 --opt adam:lr=0.3 \\
        --start -2,1 -o outputs/hump-player.html
    python scripts/screenshot_player.py

Needs playwright (pip) and Debian's Chromium at /usr/bin/chromium.
"""

from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
    page = browser.new_page(viewport={"width": 800, "height": 1010})
    page.goto((ROOT / "outputs" / "hump-player.html").as_uri())
    page.wait_for_function("window.adamvizPlayer !== undefined")
    page.evaluate("() => { const s = document.getElementById('step'); s.value = 60; "
                  "s.dispatchEvent(new Event('input')); }")
    page.screenshot(path=str(ROOT / "outputs" / "player.png"))
    browser.close()
print("wrote outputs/player.png")
