"""The home page in Chromium: cards with thumbnails link into each page."""

from __future__ import annotations

from tests.browser.conftest import open_page, rerun, screenshot


def test_home_cards_link_to_pages(page, server_url) -> None:
    open_page(page, server_url, "")
    images = page.locator("[data-testid='stImage'] img")
    images.nth(4).wait_for()
    assert images.count() == 5
    screenshot(page, "home")
    link = page.locator("[data-testid='stMain'] [data-testid='stPageLink']").filter(
        has_text="IoU lab"
    )
    with rerun(page):
        link.click()
    page.wait_for_url("**/iou")
    assert "IoU lab" in page.locator("h1").first.inner_text()
