"""Start-up: from `streamlit run` (dependencies installed, as after `make run`'s first time) to
the server answering `/_stcore/health`, then to the home page rendered: its script finished
(Streamlit's protocol) and, in Chromium, every card's thumbnail shown.

Compared with the one-widget empty page started the same way in the same run.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser import CHROMIUM, CHROMIUM_FLAGS, IDLE  # noqa: E402
from common import EMPTY_PAGE, ROOT, table  # noqa: E402
from stclient import Session  # noqa: E402

from deploy.classroom import free_port, streamlit_command  # noqa: E402

REPEAT = 3


def start(script: Path) -> tuple[subprocess.Popen, str, float]:
    """Start the server; return it, its URL and the seconds until /_stcore/health answered."""
    port = free_port()
    began = time.perf_counter()
    process = subprocess.Popen(
        streamlit_command(port, script=script),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    while time.perf_counter() - began < 120:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.status == 200:
                    return process, url, time.perf_counter() - began
        except OSError:
            time.sleep(0.02)
    process.kill()
    raise RuntimeError(f"{script} did not start")


def first_render(url: str) -> float:
    async def once() -> float:
        session = Session(url, timeout=120)
        try:
            return (await session.open("")).media_seconds
        finally:
            await session.close()

    return asyncio.run(once())


def chromium_render(url: str, images: int) -> float:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        began = time.perf_counter()
        page.goto(url, timeout=120_000)
        page.wait_for_selector(IDLE, timeout=120_000)
        if images:
            page.locator("[data-testid='stImage'] img").nth(images - 1).wait_for(timeout=120_000)
        elapsed = time.perf_counter() - began
        browser.close()
    return elapsed


def measure(script: Path, images: int) -> tuple[float, float, float]:
    """Medians over REPEAT fresh servers: (to health, + first script run, Chromium render)."""
    health, render, chromium = [], [], []
    for _ in range(REPEAT):
        process, url, seconds = start(script)
        try:
            health.append(seconds)
            render.append(seconds + first_render(url))
            chromium.append(chromium_render(url, images))  # a second visitor, server warm
        finally:
            process.terminate()
            process.wait(timeout=20)
    return statistics.median(health), statistics.median(render), statistics.median(chromium)


def run() -> str:
    from tests.browser.test_home_browser import card_count

    app = measure(ROOT / "app.py", card_count())
    empty = measure(EMPTY_PAGE, 0)
    rows = [
        ("`streamlit run` to /_stcore/health", app[0], empty[0]),
        ("... to the home page's first script run finished", app[1], empty[1]),
        ("a browser's visit, server warm: page shown with every thumbnail", app[2], empty[2]),
    ]
    return table(
        [
            (what, f"{ours:.2f} s", f"empty page {ref:.2f} s", f"{ours / ref:.1f}x", "-")
            for what, ours, ref in rows
        ],
        ("start-up", "lab", "reference", "ratio", "target"),
    )


if __name__ == "__main__":
    print(run())
