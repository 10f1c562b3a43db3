"""Driving the app in a real Chromium, shared by the browser tests and the latency benchmark:
start `streamlit run` on a loopback port, launch Debian's Chromium, count finished script runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from deploy.classroom import free_port, streamlit_command  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


class ServerError(RuntimeError):
    """The Streamlit server did not start; the message ends with its output."""


def start_server(script: Path | str = ROOT / "app.py", extra: list[str] | None = None):
    """Start `streamlit run script` on a free loopback port; return (process, url) once its
    health check answers."""
    port = free_port()
    command = [*streamlit_command(port, script=Path(script)), *(extra or [])]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise ServerError(
        "the Streamlit server did not start: " + process.stdout.read().decode()[-2000:]
    )


def stop_server(process) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def track_runs(page) -> None:
    """Count, in `page.finished_runs`, the script runs the server finishes for this page (the
    `script_finished` messages on Streamlit's websocket; runs cut short for a rerun don't count);
    `page.fragment_runs` counts those that reran a fragment only (a page's body)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    done = {
        ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY,
        ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
    }
    page.finished_runs = page.fragment_runs = 0

    def on_frame(payload) -> None:
        if isinstance(payload, bytes | bytearray):
            try:
                message = ForwardMsg.FromString(bytes(payload))
            except Exception:  # a frame that is not a ForwardMsg: nothing to count
                return
            if message.WhichOneof("type") == "script_finished" and message.script_finished in done:
                page.finished_runs += 1
                fragment = ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
                page.fragment_runs += message.script_finished == fragment

    page.on("websocket", lambda socket: socket.on("framereceived", on_frame))
