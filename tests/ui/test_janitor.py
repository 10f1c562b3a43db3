"""ui.janitor: freed memory goes back to the system, so a server shrinks after a class leaves."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])

def rss():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024

from ui import janitor
blocks = [bytes(4000) + bytes([i % 256]) for i in range(100_000)]  # ~400 MB in malloc blocks
keep = blocks[::64]  # a few survivors pin the heap, as a server's long-lived objects do
del blocks
before = rss()
janitor.sweep()
print(before, rss())
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_sweep_hands_freed_memory_back() -> None:
    output = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(ROOT)], capture_output=True, text=True, check=True
    ).stdout.split()
    before, after = (int(value) for value in output)
    assert before > 300, f"the test did not allocate what it meant to ({before} MB)"
    assert after < before - 250, f"RSS {before} MB -> {after} MB after the sweep"


def test_start_returns_one_janitor_per_process() -> None:
    from ui import janitor

    first = janitor.start(3600.0)
    assert janitor.start(3600.0) is first
    assert not first.is_set()
