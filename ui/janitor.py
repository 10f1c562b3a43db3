"""Memory housekeeping for a long-running server, one thread per process.

`.streamlit/config.toml` turns off Streamlit's full garbage collection after every script run
(47% of the CPU under a class's load in a one-off py-spy profile). This thread does that work
every 20 s instead: a full collection (reference cycles left by closed sessions, Plotly
figures), then glibc's `malloc_trim`, which hands freed memory back to the system, so the
server's memory goes down again after a class leaves instead of staying at its peak.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import threading
import time

import streamlit as st

PERIOD_S = 20.0


def _trim() -> None:
    """glibc's malloc_trim(0), where there is a glibc (Linux); nothing elsewhere."""
    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        libc = ctypes.CDLL(name)
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # musl, macOS: no malloc_trim
        return
    trim.argtypes = [ctypes.c_size_t]
    trim(0)


def sweep() -> float:
    """One full collection and trim; returns the seconds it took."""
    start = time.perf_counter()
    gc.collect()
    _trim()
    return time.perf_counter() - start


def _loop(period: float, stop: threading.Event) -> None:
    while not stop.wait(period):
        sweep()


@st.cache_resource(show_spinner=False)
def start(period: float = PERIOD_S) -> threading.Event:
    """Start the process's janitor once (later calls return the same one); set the returned
    event to stop it."""
    stop = threading.Event()
    threading.Thread(target=_loop, args=(period, stop), name="lab-janitor", daemon=True).start()
    return stop
