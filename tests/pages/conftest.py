"""AppTest helpers: run a page file on its own, as Streamlit would."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

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
