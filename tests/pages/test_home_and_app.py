"""The home page and app.py's navigation in AppTest."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def test_home_has_a_card_per_page(run_page) -> None:
    app = run_page("home")
    titles = [m.value for m in app.markdown]
    pages = ("Kernel lab", "Convolution stepper", "IoU lab", "NMS lab", "Gradient descent")
    for title in (*pages, "Detection lab", "Evaluation lab", "Inside a detector"):
        assert f"**{title}**" in titles  # alone, page links fall back to bold titles
    assert len(app.caption) == 8


def test_app_routes_to_every_page() -> None:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.run()
    assert not app.exception
    for page, title in [
        ("pages/kernel_lab.py", "Kernel lab"),
        ("pages/convolution.py", "Convolution stepper"),
        ("pages/iou.py", "IoU lab"),
        ("pages/nms.py", "NMS lab"),
        ("pages/gradient_descent.py", "Gradient descent"),
        ("pages/detection.py", "Detection lab"),
        ("pages/evaluation.py", "Evaluation lab"),
        ("pages/inside_detector.py", "Inside a detector"),
        ("pages/home.py", "CNN Visual Lab"),
    ]:
        app.switch_page(page).run()
        assert not app.exception, (page, app.exception[0].value if app.exception else "")
        assert title in app.title[0].value
