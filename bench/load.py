"""A classroom's worth of load: N students at once on one server, with their pauses.

    python bench/load.py                       # 30 sessions, 60 s, one replica
    python bench/load.py --replicas 2          # one replica per core behind nginx (deploy/)
    python bench/load.py --sessions 1          # the same clicks with nobody else on the server

Starts the app (deploy.classroom), warms every page once, then drives `--sessions` students
through Streamlit's own protocol (bench/stclient.py): each opens a light page, changes its
controls with a 2-5 s pause between interactions (a student reading the result), moves to other
pages, uploads a phone photo once and runs the offline detectors on the Detection page. One
Chromium tab runs beside them as a witness of what a real student sees. Then ten sessions
upload a 27 MP JPEG at the same moment (the memory a class's photos cost).

Prints (and `run()` returns as Markdown): sessions, interactions, errors (tracebacks on the page,
failed or timed-out runs: must be 0), p50 / p95 / max from control change to script finished
(and its images fetched), per kind of interaction, against the p50 of one student clicking
alone on the same server in the same run, and the servers' memory (RSS) at start, peak, after
the sessions closed and after a second class came and went.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, table  # noqa: E402
from stclient import ClientError, Session, pick  # noqa: E402

from deploy.classroom import Deployment  # noqa: E402

LIGHT = {
    "kernel_lab": ["kern_preset", "kern_size", "kern_border", "kern_normalise", "kern_colour"],
    "convolution": ["conv_stride_r", "conv_pad_top", "conv_kernel", "conv_dil_r", "conv_stride_c"],
    "iou": ["iou_a_x1", "iou_b_x2", "iou_a_y2", "iou_b_y1"],
    "nms": ["nms_iou_threshold", "nms_score_threshold", "nms_objects", "nms_method"],
    "gradient_descent": ["gd_eta", "gd_steps", "gd_method", "gd_a", "gd_b"],
    "evaluation": ["eval_preset", "eval_rows"],
}
"""The light pages and the controls a student changes on each."""

OFFLINE = ("OpenCV", "MTCNN")
DETECTION = ["det_a", "det_b", "det_sample", "det_match_iou"]


@dataclass
class Tally:
    """Every interaction's time, by kind, and every error."""

    times: dict[str, list[float]] = field(default_factory=dict)
    bytes: dict[str, list[int]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    waiting_shown: int = 0

    def add(self, kind: str, run) -> None:
        self.times.setdefault(kind, []).append(run.media_seconds)
        self.bytes.setdefault(kind, []).append(run.received_bytes)
        if run.exceptions:
            self.errors.append(f"{kind}: {run.exceptions[0][:200]}")
        if run.status != "ok":
            self.errors.append(f"{kind}: script {run.status}")
        if any(text.startswith("Waiting for the model") for text in run.texts):
            self.waiting_shown += 1


def phone_photo(width: int, height: int, seed: int = 0) -> bytes:
    """A JPEG with a phone photo's size and roughly its entropy (smooth shapes plus noise)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (height // 64 + 1, width // 64 + 1, 3), dtype=np.uint8)
    image = Image.fromarray(small).resize((width, height), Image.BILINEAR)
    pixels = np.asarray(image).astype(np.int16)
    pixels += rng.integers(-12, 13, pixels.shape, dtype=np.int16)
    buffer = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def rss_bytes(pids: list[int]) -> int:
    """Resident memory of these processes, summed (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time these processes have used so far (Linux /proc)."""
    import os

    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
        except (OSError, IndexError, ValueError):
            pass
    return total


class MemoryWatch:
    """Samples the servers' RSS every 0.2 s in a thread; keeps the peak."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.peak = rss_bytes(pids)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, rss_bytes(self.pids))

    def __enter__(self) -> MemoryWatch:
        self.peak = rss_bytes(self.pids)
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()


async def change_something(session: Session, page: str, rng: random.Random, tally: Tally) -> None:
    keys = [key for key in LIGHT[page] if key in session.widgets]
    if not keys:
        tally.errors.append(f"{page}: none of its controls were found")
        return
    key = rng.choice(keys)
    tally.add(page, await session.set(key, pick(session, key, rng)))


async def detect(session: Session, rng: random.Random, tally: Tally) -> None:
    tally.add("detection (open)", await session.goto("detection"))
    for _ in range(2):
        key = rng.choice([key for key in DETECTION if key in session.widgets])
        if key in ("det_a", "det_b"):
            offline = [o for o in session.options(key) if any(w in o for w in OFFLINE)]
            value = rng.choice(offline)
        else:
            value = pick(session, key, rng)
        tally.add("detection", await session.set(key, value))


async def student(
    index: int,
    url: str,
    until: float,
    photo: bytes,
    tally: Tally,
    with_detection: bool,
    pause: tuple[float, float] = (2, 5),
) -> None:
    rng = random.Random(index)
    await asyncio.sleep(rng.uniform(0, pause[1]))  # a class does not click "open" at once
    session = Session(url, timeout=180)
    try:
        page = rng.choice(list(LIGHT))
        tally.add("open a page", await session.open(page))
        uploaded = False
        while time.monotonic() < until:
            await asyncio.sleep(rng.uniform(*pause))
            if time.monotonic() >= until:
                break
            roll = rng.random()
            if with_detection and roll < 0.08:
                await detect(session, rng, tally)
                page = "detection"
            elif with_detection and not uploaded and roll < 0.14:
                if page != "kernel_lab":
                    page = "kernel_lab"
                    tally.add("open a page", await session.goto(page))
                tally.add("upload a photo", await session.upload("kern_upload", "IMG.jpg", photo))
                uploaded = True
            elif page not in LIGHT or roll < 0.3:
                page = rng.choice([p for p in LIGHT if p != page])
                tally.add("open a page", await session.goto(page))
            else:
                await change_something(session, page, rng, tally)
    except (ClientError, OSError, TimeoutError) as error:
        tally.errors.append(f"session {index}: {type(error).__name__}: {str(error)[:200]}")
    finally:
        await session.close()


async def warm_up(url: str, replicas: int) -> None:
    """On every replica: every page once, every light control once, and the offline detectors;
    the first student should not pay for imports and caches that all the others share."""
    warmed: set[str] = set()
    for _ in range(20 * replicas):
        if len(warmed) >= replicas:
            return
        session = Session(url, timeout=300)
        await session.open("")
        if session.replica in warmed:
            await session.close()
            continue
        warmed.add(session.replica)
        await warm_session(session)


async def warm_session(session: Session) -> None:
    tally = Tally()
    try:
        rng = random.Random(99)
        for page in LIGHT:
            await session.goto(page)
            for key in LIGHT[page]:
                if key in session.widgets:
                    await session.set(key, pick(session, key, rng))
        await detect(session, rng, tally)
        for key in ("det_a", "det_b"):
            for option in session.options(key):
                if any(word in option for word in OFFLINE):
                    await session.set(key, option)
    finally:
        await session.close()


async def uploads_at_once(url: str, count: int, photo: bytes) -> list[str]:
    """`count` sessions upload the same big photo at the same moment; returns their errors."""
    sessions = [Session(url, timeout=300) for _ in range(count)]
    errors: list[str] = []
    await asyncio.gather(*(session.open("kernel_lab") for session in sessions))
    runs = await asyncio.gather(
        *(session.upload("kern_upload", "big.jpg", photo) for session in sessions),
        return_exceptions=True,
    )
    for run in runs:
        if isinstance(run, BaseException):
            errors.append(f"{type(run).__name__}: {run}")
        elif run.exceptions or run.errors:
            errors.append((run.exceptions + run.errors)[0][:200])
    await asyncio.gather(*(session.close() for session in sessions))
    return errors


def witness(url: str, until: float, times: list[float], errors: list[str]) -> None:
    """One real Chromium tab clicking through the Kernel lab: what a student sees."""
    try:
        from playwright.sync_api import sync_playwright

        from bench.browser import CHROMIUM, CHROMIUM_FLAGS, IDLE, track_runs
    except ImportError as error:  # pragma: no cover
        errors.append(f"witness: {error}")
        return
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            track_runs(page)
            page.goto(f"{url}/kernel_lab", timeout=120_000)
            page.wait_for_selector(IDLE, timeout=120_000)
            rng = random.Random(7)
            while time.monotonic() < until:
                time.sleep(rng.uniform(2, 5))
                box = page.locator("[data-testid='stSelectbox']").filter(has_text="Kernel").first
                box.click()
                options = page.locator("[role='option'][aria-selected='false']")
                before = page.finished_runs
                options.nth(rng.randrange(max(1, options.count()))).click()
                start = time.perf_counter()
                # Until the server has finished the run and the page is idle again.
                while page.finished_runs <= before:
                    if time.perf_counter() - start > 120:
                        raise TimeoutError("the witness's rerun did not finish in 120 s")
                    page.wait_for_timeout(10)
                page.wait_for_selector(IDLE, timeout=120_000)
                times.append(time.perf_counter() - start)
                if page.locator("[data-testid='stException']").count():
                    errors.append("witness: a traceback on the page")
            browser.close()
    except Exception as error:  # noqa: BLE001 - a witness failure is reported, not raised
        errors.append(f"witness: {type(error).__name__}: {str(error)[:200]}")


async def late_student(url: str) -> None:
    """One more tab opened and closed. Streamlit keeps a closed session for reconnection and
    drops it, once its TTL (30 s here) is past, only when another session disconnects: this is
    that next disconnect, so the memory read after it (and after the server's janitor, ui/janitor.py,
    has run) is what the closed sessions left behind."""
    from ui.janitor import PERIOD_S

    session = Session(url, timeout=60)
    await session.open("")
    await session.close()
    await asyncio.sleep(PERIOD_S + 5)  # and the server's janitor has handed the memory back


def after_class(url: str, pids: list[int], settle: float) -> int:
    """RSS `settle` seconds after the sessions closed, and after the next disconnect."""
    time.sleep(settle)
    asyncio.run(late_student(url))
    return rss_bytes(pids)


def quantiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    if not ordered:
        return (float("nan"),) * 3
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered), p95, ordered[-1]


@dataclass
class Result:
    replicas: int
    sessions: int
    seconds: float
    tally: Tally
    witness_times: list[float]
    rss_start: int
    rss_peak: int
    rss_after: int
    upload_rise: int
    upload_errors: list[str]
    upload_count: int
    server_cpu: float  # CPU seconds the servers used while the students worked
    rss_second: int  # after a second class came and went (0: not run)
    alone: Tally  # the same kinds of clicks by one student alone on the server: the reference

    @property
    def interactions(self) -> int:
        return sum(len(v) for v in self.tally.times.values())

    @property
    def light(self) -> list[float]:
        return [t for page in LIGHT for t in self.tally.times.get(page, [])]

    def report(self) -> str:
        mb = 2**20
        rows = []
        kinds = list(LIGHT) + ["open a page", "upload a photo", "detection (open)", "detection"]
        for kind in ["light pages, all controls", *kinds]:
            values = self.light if kind.startswith("light") else self.tally.times.get(kind, [])
            if not values:
                continue
            p50, p95, worst = quantiles(values)
            sizes = self.tally.bytes.get(kind) or [0]
            lone = (
                [t for page in LIGHT for t in self.alone.times.get(page, [])]
                if kind.startswith("light")
                else self.alone.times.get(kind, [])
            )
            alone = quantiles(lone)[0] if lone else float("nan")
            rows.append(
                (
                    kind,
                    len(values),
                    f"{p50:.2f} s",
                    f"{p95:.2f} s",
                    f"{worst:.2f} s",
                    f"{alone:.2f} s" if lone else "-",
                    f"{p50 / alone:.1f}x" if lone else "-",
                    f"{statistics.median(sizes) / 1024:.0f} KB" if kind in self.tally.bytes else "",
                )
            )
        if self.witness_times:
            p50, p95, worst = quantiles(self.witness_times)
            rows.append(
                (
                    "Chromium witness (Kernel lab)",
                    len(self.witness_times),
                    f"{p50:.2f} s",
                    f"{p95:.2f} s",
                    f"{worst:.2f} s",
                    "-",
                    "-",
                    "",
                )
            )
        errors = self.tally.errors + self.upload_errors
        head = (
            f"{self.sessions} sessions for {self.seconds:.0f} s, {self.replicas} "
            f"replica{'s behind nginx' if self.replicas > 1 else ''}: "
            f"{sum(len(v) for v in self.tally.times.values())} interactions, "
            f"{len(errors)} errors; 'waiting for the model' shown {self.tally.waiting_shown} "
            f"times. Server memory (RSS, all replicas): start {self.rss_start / mb:.0f} MB, "
            f"peak {self.rss_peak / mb:.0f} MB, after the sessions closed "
            f"{self.rss_after / mb:.0f} MB ({(self.rss_after - self.rss_start) / mb:+.0f} MB)"
            + (
                f"; after a second class of {self.sessions} came and went "
                f"{self.rss_second / mb:.0f} MB ({(self.rss_second - self.rss_after) / mb:+.0f} MB "
                "over the first: what a per-session leak would add). "
                if self.rss_second
                else ". "
            )
            + f"{self.upload_count} simultaneous 27 MP JPEG uploads raised it by "
            f"{self.upload_rise / mb:.0f} MB. Server CPU per interaction: "
            f"{1000 * self.server_cpu / max(1, self.interactions):.0f} ms "
            f"({self.server_cpu / self.seconds:.2f} cores busy on average); memory per session "
            f"at the peak: {(self.rss_peak - self.rss_start) / mb / max(1, self.sessions):.0f} MB."
        )
        header = (
            "interaction",
            "count",
            "p50",
            "p95",
            "max",
            "p50 alone",
            "ratio",
            "sent (median)",
        )
        body = table(rows, header)
        if errors:
            body += "\n\nErrors:\n" + "\n".join(f"- {e}" for e in errors[:20])
        return head + "\n\n" + body


def measure(
    replicas: int = 1,
    sessions: int = 30,
    seconds: float = 60,
    settle: float = 60,
    uploads: int = 10,
    with_detection: bool = True,
    with_witness: bool = True,
    second_class: bool = True,
) -> Result:
    phone = phone_photo(4032, 3024)  # 12 MP: a phone's default
    with Deployment(replicas) as deployment:
        url = deployment.url
        pids = [process.pid for process in deployment.processes]
        asyncio.run(warm_up(url, replicas))
        alone = Tally()  # the reference: one student, quick clicks, nobody else on the server
        asyncio.run(
            student(500, url, time.monotonic() + 30, phone, alone, with_detection, pause=(0.2, 0.5))
        )
        rss_start = rss_bytes(pids)
        cpu_start = cpu_seconds(pids)
        tally = Tally()
        witness_times: list[float] = []
        with MemoryWatch(pids) as watch:
            until = time.monotonic() + seconds
            chromium = None
            if with_witness:
                chromium = threading.Thread(
                    target=witness, args=(url, until, witness_times, tally.errors)
                )
                chromium.start()

            async def everyone() -> None:
                await asyncio.gather(
                    *(student(i, url, until, phone, tally, with_detection) for i in range(sessions))
                )

            asyncio.run(everyone())
            server_cpu = cpu_seconds(pids) - cpu_start
            if chromium is not None:
                chromium.join(timeout=300)
            rss_peak = watch.peak
        rss_after = after_class(url, pids, settle)
        rss_second = 0
        if second_class:  # the next class on the same server: a per-session leak would grow
            until = time.monotonic() + seconds
            again = Tally()

            async def next_class() -> None:
                await asyncio.gather(
                    *(
                        student(1000 + i, url, until, phone, again, with_detection)
                        for i in range(sessions)
                    )
                )

            asyncio.run(next_class())
            tally.errors.extend(f"second class: {error}" for error in again.errors)
            rss_second = after_class(url, pids, settle)
        upload_rise, upload_errors = 0, []
        if uploads:
            big = phone_photo(6000, 4500, seed=1)  # 27 MP
            before = rss_bytes(pids)
            with MemoryWatch(pids) as watch:
                upload_errors = asyncio.run(uploads_at_once(url, uploads, big))
                upload_rise = watch.peak - before
    return Result(
        replicas,
        sessions,
        seconds,
        tally,
        witness_times,
        rss_start,
        rss_peak,
        rss_after,
        upload_rise,
        upload_errors,
        uploads,
        server_cpu,
        rss_second,
        alone,
    )


def run() -> str:
    """For `make bench`: one replica, then one per core, 30 sessions each (about 8 minutes)."""
    import os

    parts = [
        f"Measured on {machine()} by bench/load.py (Streamlit's protocol, one Chromium).",
        "Goals: 0 errors; light pages p95 under 1 s; memory after the sessions close within "
        "300 MB of the start; ten simultaneous 27 MP uploads raise it by under 1 GB.",
    ]
    for replicas in sorted({1, os.cpu_count() or 1}):
        parts.append(
            f"\n**{replicas} replica{'s' if replicas > 1 else ''}**: " + measure(replicas).report()
        )
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--settle", type=float, default=60, help="seconds before the last RSS")
    parser.add_argument("--uploads", type=int, default=10, help="simultaneous 27 MP uploads")
    parser.add_argument("--light-only", action="store_true", help="no uploads or detectors")
    parser.add_argument("--no-witness", action="store_true", help="no Chromium tab")
    parser.add_argument("--one-class", action="store_true", help="no second class (leak check)")
    parser.add_argument(
        "--full-reruns", action="store_true", help="every change reruns the whole page"
    )
    args = parser.parse_args()
    Session.fragments = not args.full_reruns
    result = measure(
        args.replicas,
        args.sessions,
        args.seconds,
        args.settle,
        args.uploads,
        not args.light_only,
        not args.no_witness,
        not args.one_class,
    )
    print(result.report())


if __name__ == "__main__":
    main()
