"""AppTest helpers: run a page file on its own, as Streamlit would."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.hostile import NUMBERS, TEXTS, browser_number

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def run_page():
    """Return a function that loads pages/<name>.py, runs it and checks it raised nothing."""

    def run(name: str) -> AppTest:
        app = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=120)
        app.run()
        assert not app.exception, [e.value for e in app.exception]
        return app

    return run


def texts(app: AppTest) -> str:
    """Everything a person can read on the page, joined: markdown, code, metrics, alerts."""
    parts = [e.value for e in app.markdown] + [e.value for e in app.code]
    parts += [f"{m.label}: {m.value}" for m in app.metric]
    for kind in (app.info, app.success, app.warning, app.error, app.caption):
        parts += [e.value for e in kind]
    return "\n".join(str(part) for part in parts)


def messages(app: AppTest) -> list[str]:
    """The error and warning messages on the page."""
    return [e.value for e in app.error] + [e.value for e in app.warning]


def assault(
    app: AppTest,
    kind: str,
    key: str,
    healthy: Callable[[AppTest], bool],
    prepare: Callable[[AppTest], None] | None = None,
) -> None:
    """Type every hostile value into one input (kind "text_area", "text_input" or
    "number_input"), as a browser would send it. After each: no exception, and either a message
    or a healthy page. Then type the original value back: the page is healthy again.

    Args:
        healthy: True when the page shows its normal result.
        prepare: puts the page in the state where the input is shown (a source, a mode).
    """
    if prepare:
        prepare(app)
    widget = getattr(app, kind)(key=key)
    original = widget.value
    if kind == "number_input":
        typed = {browser_number(widget, value) for value in NUMBERS.values()} - {None}
        values = [(f"{value!r}", value) for value in sorted(typed)]
    else:
        values = list(TEXTS.items())
    for name, value in values:
        widget = getattr(app, kind)(key=key)
        (widget.set_value(value) if kind == "number_input" else widget.input(value)).run()
        assert not app.exception, (key, name, [e.value for e in app.exception])
        assert messages(app) or healthy(app), f"{key} = {name}: neither a message nor a result"
    widget = getattr(app, kind)(key=key)
    (widget.set_value(original) if kind == "number_input" else widget.input(original)).run()
    assert not app.exception and healthy(app), (key, messages(app))
