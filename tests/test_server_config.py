"""The server's hardening and speed settings (.streamlit/config.toml) stay as decided."""

from __future__ import annotations

import tomllib
from pathlib import Path

CONFIG = tomllib.loads((Path(__file__).parents[1] / ".streamlit" / "config.toml").read_text())


def test_uploads_are_bounded_and_xsrf_protected() -> None:
    server = CONFIG["server"]
    assert server["maxUploadSize"] == 300  # the largest checkpoint; photos 25 MB in the page
    assert server["enableXsrfProtection"] is True
    assert server["fileWatcherType"] == "none" and server["runOnSave"] is False


def test_nothing_leaves_the_machine_and_no_secrets_are_polled() -> None:
    assert CONFIG["browser"]["gatherUsageStats"] is False
    assert CONFIG["secrets"]["files"] == []


def test_no_full_garbage_collection_after_each_run_and_closed_sessions_are_freed() -> None:
    assert CONFIG["runner"]["postScriptGC"] is False  # 47% of the CPU under load
    assert 0 < CONFIG["server"]["disconnectedSessionTTL"] <= 60
