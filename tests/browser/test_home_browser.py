"""The home page in Chromium: cards with thumbnails link into each page."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.browser.conftest import open_page, rerun, screenshot


def card_count() -> int:
    """How many cards pages/home.py declares (read without running Streamlit)."""
    tree = ast.parse((Path(__file__).parents[2] / "pages" / "home.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "CARDS":
            return len(ast.literal_eval(node.value))
    raise AssertionError("pages/home.py has no CARDS list")


def test_home_cards_link_to_pages(page, server_url) -> None:
    open_page(page, server_url, "")
    images = page.locator("[data-testid='stImage'] img")
    cards = card_count()
    assert cards >= 8
    images.nth(cards - 1).wait_for()
    assert images.count() == cards
    screenshot(page, "home")
    link = page.locator("[data-testid='stMain'] [data-testid='stPageLink']").filter(
        has_text="IoU lab"
    )
    with rerun(page):
        link.click()
    page.wait_for_url("**/iou")
    assert "IoU lab" in page.locator("h1").first.inner_text()
