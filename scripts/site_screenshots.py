"""Screenshots of the web edition for the README: home, an article and the tag filter, at
desktop and phone width, in headless chromium over a local http server.

    .venv/bin/python scripts/site_screenshots.py build/site docs/

Desktop (1280x900): docs/site-home-desktop.png, site-article-desktop.png,
site-filter-desktop.png. Phone (390x844): the three side by side in docs/site-phone.png.
"""

from __future__ import annotations

import functools
import io
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
]
SHOTS = [
    ("home", "index.html", None),
    ("article", "1.030106/index.html", None),
    ("filter", "articles/index.html?tag=S6_Customers", None),
]
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def main(site: Path, out: Path, only: str = "") -> None:
    handler = functools.partial(Quiet, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        for size, (width, height) in SIZES.items():
            page = browser.new_page(
                viewport={"width": width, "height": height}, device_scale_factor=1
            )
            shots = []
            for name, path, _ in SHOTS:
                if only and only != name:
                    continue
                page.goto(base + path)
                page.wait_for_load_state("networkidle")
                png = page.screenshot()
                if size == "desktop":
                    (out / f"site-{name}-{size}.png").write_bytes(png)
                shots.append(Image.open(io.BytesIO(png)))
            page.close()
            if size == "phone" and shots:
                gap = 16
                sheet = Image.new(
                    "RGB", (sum(s.width for s in shots) + gap * (len(shots) - 1), height), "#888"
                )
                for index, shot in enumerate(shots):
                    sheet.paste(shot, (index * (width + gap), 0))
                sheet.save(out / "site-phone.png", optimize=True)
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else "")
