"""The README's pictures of the HTML player: outputs/hump-player.html opened in Chromium at a
phone's, a 1080p projector's and a 1440p monitor's size, in the light and the dark theme,
scrubbed to step 60 with the arrows on, and photographed into outputs/:

    player.png            1920 x 1080, light (the README's main picture)
    player-390x844.png    a phone, light
    player-1920x1080-dark.png
    player-2560x1440-dark.png

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
SHOTS = {"player.png": (1920, 1080, "light"), "player-390x844.png": (390, 844, "light"),
         "player-1920x1080-dark.png": (1920, 1080, "dark"),
         "player-2560x1440-dark.png": (2560, 1440, "dark")}

with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
    for name, (width, height, scheme) in SHOTS.items():
        page = browser.new_page(viewport={"width": width, "height": height},
                                color_scheme=scheme)
        page.goto((ROOT / "outputs" / "hump-player.html").as_uri())
        page.wait_for_function("window.adamvizPlayer !== undefined")
        page.evaluate("() => window.adamvizPlayer.stepTo(60)")
        page.screenshot(path=str(ROOT / "outputs" / name))
        page.close()
        print(f"wrote outputs/{name}")
    browser.close()
