"""Interaction latency in Chromium: control change -> the page shows the new result.

For each page, one interaction a student makes all the time is repeated (alternating between two
values) at least 20 times. The time runs from the input that changed the control (the arrow key,
the click, the Enter that ends what was typed: the last key or mouse event before the widget's
message leaves on Streamlit's websocket, by its event timestamp) until the new result is on the
page (checked in the DOM on every animation frame), both on the browser's clock. So it includes the
page's own handling of that input, even when the page is still busy with the previous result, but
not the robot's typing before it: timing from Playwright's first key press would count eight typed
characters for "box blur" against six for the reference's "second", at about 20 ms a key; that
time is shown in its own column. The reference is the same kind of widget on an empty page (bench/empty_page.py), measured the
same way in the same run, in the same browser. A press the page did not react to within 5 s is
retried and counted as dropped. After each page, the same reference is timed again sending as
many messages before its result as that page did (plain lines of text, nothing computed): the
floor for a rerun of that many elements. Also: the middle half of each interaction's samples (a
median of two groups of samples moves between runs), and the browser's main-thread work per
change, which the result on the page need not wait for.

Run: .venv/bin/python bench/latency.py  (writes nothing; bench/run_all.py puts it in BENCHMARKS.md)
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.browser import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_FLAGS,
    IDLE,
    start_server,
    stop_server,
    track_runs,
)
from bench.common import EMPTY_PAGE, ms, table  # noqa: E402
from lab.iou import PAIRS, overlap  # noqa: E402

REPEAT = 20
TARGET = 1.5  # every light page within 1.5x of the empty page


@dataclass(frozen=True)
class Interaction:
    """Two actions that flip a control back and forth, and what the page shows after each."""

    description: str
    path: str
    widget: str  # which kind of empty-page widget it is compared with: "slider", "number", "select"
    actions: tuple[Callable, Callable]
    shown: tuple[str, str] | str  # JS expressions, true once each action's result is shown; or a
    # metric's label: its value leaves, then comes back to, what the page first showed


def press(selector: str, key: str) -> Callable:
    return lambda page: page.locator(selector).first.press(key)


def click(selector: str) -> Callable:
    return lambda page: page.locator(selector).first.click()


def enter(key: str, value: str) -> Callable:
    """Type a number into a number input and press Enter (narrow inputs have no +/- buttons)."""

    def action(page) -> None:
        field = page.locator(f".st-key-{key} input")
        field.fill(value)
        field.press("Enter")

    return action


def choose(key: str, option: str) -> Callable:
    def action(page) -> None:
        field = page.locator(f".st-key-{key} input")
        field.click()
        page.keyboard.type(option)
        page.keyboard.press("Enter")

    return action


def metric_is(label: str, value: str, negate: bool = False) -> str:
    test = f"m.innerText.trim().endsWith({value!r})"
    return (
        "[...document.querySelectorAll(\"[data-testid='stMetric']\")].some(m => "
        f"m.innerText.startsWith({label!r}) && {'!' if negate else ''}{test})"
    )


def metric_value(page, label: str) -> str:
    box = page.locator("[data-testid='stMetric']").filter(has_text=label).first
    return box.locator("[data-testid='stMetricValue']").inner_text().strip()


def text_shown(text: str) -> str:
    return f"document.querySelector('[data-testid=stMain]').innerText.includes({text!r})"


def live_metric(key: str, label: str, value: str) -> str:
    """A measure drawn by a component in the browser (ui.overlap_panel), in its shadow root."""
    return (
        f"document.querySelector('.st-key-{key} [data-testid=stBidiComponentIsolated]')"
        f"?.shadowRoot?.querySelector('[data-label={label}] [data-testid=live-metric-value]')"
        f"?.textContent === {value!r}"
    )


def row_shows(*cells: str) -> str:
    """A row of a table (st.table) whose cells are exactly `cells`."""
    return (
        "[...document.querySelectorAll('[data-testid=stMain] table tr')].some(r => "
        f"[...r.cells].map(c => c.textContent.trim()).join('|') === {'|'.join(cells)!r})"
    )


def iou_at(x1: int) -> str:
    """The IoU lab's IoU, as it writes it, with box A's x1 moved (the lab's own numbers)."""
    a, b = PAIRS["partial overlap"]
    return f"{overlap([x1, *a[1:]], b).iou:.4f}"


def slider_key(key: str) -> str:
    return f".st-key-{key} input[type=range]"


def step_button(key: str, which: str) -> str:
    return f".st-key-{key} button[data-testid=stNumberInputStep{which}]"


EMPTY = {
    "slider": Interaction(
        "empty page: slider",
        "",
        "slider",
        (press(slider_key("x"), "ArrowRight"), press(slider_key("x"), "ArrowLeft")),
        (text_shown("x=1 "), text_shown("x=0 ")),
    ),
    "number": Interaction(
        "empty page: number input",
        "",
        "number",
        (click(step_button("n", "Up")), click(step_button("n", "Down"))),
        (text_shown("n=1 "), text_shown("n=0 ")),
    ),
    "select": Interaction(
        "empty page: selectbox",
        "",
        "select",
        (choose("s", "second"), choose("s", "first")),
        (text_shown("s=second"), text_shown("s=first")),
    ),
}

PAGES = [
    Interaction(
        "Kernel lab: preset sobel x -> box blur",
        "kernel_lab",
        "select",
        (choose("kern_preset", "box blur"), choose("kern_preset", "sobel x")),
        (text_shown("Kernel sum: 1"), text_shown("Kernel sum: 0")),
    ),
    Interaction(
        "Convolution stepper: stride 1 -> 2",
        "convolution",
        "number",
        (click(step_button("conv_stride_r", "Up")), click(step_button("conv_stride_r", "Down"))),
        (metric_is("Output shape", "2 × 3"), metric_is("Output shape", "3 × 3")),
    ),
    Interaction(
        "IoU lab: box A x1 60 -> 61 (the measures, drawn in the browser)",
        "iou",
        "number",
        (enter("iou_a_x1", "61"), enter("iou_a_x1", "60")),
        (
            live_metric("iou_measures", "IoU", iou_at(61)),
            live_metric("iou_measures", "IoU", iou_at(60)),
        ),
    ),
    Interaction(
        "IoU lab: box A x1 60 -> 61 (the table under them, from the server's rerun)",
        "iou",
        "number",
        (enter("iou_a_x1", "61"), enter("iou_a_x1", "60")),
        (row_shows("IoU", iou_at(61)), row_shows("IoU", iou_at(60))),
    ),
    Interaction(
        "NMS lab (380 boxes): max detections 100 -> 5",
        "nms?nms_objects=12&nms_per_object=30&nms_clutter=20",
        "number",
        (enter("nms_max_detections", "5"), enter("nms_max_detections", "100")),
        "Kept",
    ),
    Interaction(
        "Evaluation lab: example binary -> 3 classes",
        "evaluation",
        "select",
        (choose("eval_preset", "3 classes"), choose("eval_preset", "binary")),
        # accuracy = the diagonal over all: (30 + 60 + 80) / 300 and (80 + 35) / 150
        (metric_is("Accuracy", "0.567"), metric_is("Accuracy", "0.767")),
    ),
    Interaction(
        "Gradient descent: learning rate one step",
        "gradient_descent",
        "slider",
        (press(slider_key("gd_eta"), "ArrowRight"), press(slider_key("gd_eta"), "ArrowLeft")),
        "predicted rate",
    ),
]


def floor(widget: str, lines: float) -> Interaction:
    """The reference interaction on the empty page with `lines` lines of text before its result."""
    lines = max(0, round(lines))
    reference = EMPTY[widget]
    return replace(
        reference,
        description=f"{reference.description} + {lines} lines of text",
        path=f"?lines={lines}",
    )


SENT = """
window.__labSent = [];
window.__labInput = [];
const send = WebSocket.prototype.send;
WebSocket.prototype.send = function (data) {
  window.__labSent.push(performance.now());
  return send.call(this, data);
};
for (const kind of ["keydown", "mousedown", "click"]) {
  document.addEventListener(kind, (event) => window.__labInput.push(event.timeStamp), true);
}
window.__labReceived = [];
const Socket = window.WebSocket;
window.WebSocket = function (...args) {
  const socket = new Socket(...args);
  socket.addEventListener("message", () => window.__labReceived.push(performance.now()));
  return socket;
};
window.WebSocket.prototype = Socket.prototype;
"""
"""Added to every page: when each message left for or arrived from the server (as the page
handled it) and when each key or mouse input happened (browser clock, ms)."""

RESET = """() => {
  window.__labSent = []; window.__labInput = []; window.__labReceived = [];
  window.__labShown = null;
}"""

CHANGED = """() => {
  const sent = window.__labSent[0], shown = window.__labShown;
  const before = window.__labInput.filter((t) => t <= Math.min(sent ?? Infinity, shown));
  const received = sent === undefined ? [] : window.__labReceived.filter((t) => t > sent && t <= shown);
  return [before.length ? Math.max(...before) : null, sent ?? null, received, shown];
}"""
"""[the input that sent the change (or, for a result drawn in the browser before the change left,
the last input before it showed), the change sent (null: not yet), the messages received until the
result was shown, the result shown]."""

PHASES = (
    "input -> change sent",
    "sent -> first message back",
    "the page's messages arriving",
    "last message -> result drawn",
)
"""Where the time goes: the page handling the input; the server starting the run; the script
sending its elements (the browser handles each as it comes); the browser drawing the result."""

SPREAD = (
    "middle half of the samples (25th - 75th percentile)",
    "browser main thread busy per change, until the page is quiet",
)


@dataclass(frozen=True)
class Timing:
    """Medians over the repeats, in seconds, and the presses that had to be retried."""

    change: float  # the input that changed the control -> the result shown
    press: float  # the start of Playwright's input (typing included) -> the result shown
    dropped: int
    phases: tuple[float | None, ...]  # the change's time split as PHASES says (medians, not
    # summing up); None: the result was drawn in the browser before the server's first reply
    messages: float  # messages received before the result was shown (median)
    spread: tuple[float, float]  # the middle half of the changes' samples (25th, 75th percentile)
    busy: float  # the browser's main thread at work per change, to the page's quiet (median)


def main_thread(page) -> Callable[[], float]:
    """A clock of the seconds the page's main thread has spent on tasks (Chrome's
    Performance.getMetrics TaskDuration: scripts, Plotly's drawing, style, layout, paint)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")

    def busy() -> float:
        metrics = cdp.send("Performance.getMetrics")["metrics"]
        return next(m["value"] for m in metrics if m["name"] == "TaskDuration")

    return busy


def measure(page, url: str, interaction: Interaction) -> Timing:
    """Medians from change to result over REPEAT alternations, and presses dropped."""
    busy = main_thread(page)
    page.goto(f"{url}/{interaction.path}")
    page.wait_for_selector(IDLE, timeout=60_000)
    page.wait_for_timeout(1500)  # let the first page finish drawing before timing anything
    shown_after = interaction.shown
    if isinstance(shown_after, str):
        first = metric_value(page, shown_after)
        shown_after = (metric_is(shown_after, first, negate=True), metric_is(shown_after, first))
    changes, presses, phases, messages, work, dropped = [], [], [], [], [], 0
    for index in range(REPEAT + 2):  # the first two are warm-up
        action, shown = interaction.actions[index % 2], shown_after[index % 2]
        for _ in range(3):
            page.evaluate(RESET)
            worked = busy()
            start = time.perf_counter()
            action(page)
            try:
                page.wait_for_function(
                    f"() => ({shown}) && ((window.__labShown = performance.now()), true)",
                    polling="raf",
                    timeout=5_000,
                )
                break
            except Exception:  # the press went nowhere: try again, and count it
                dropped += 1
        else:
            raise RuntimeError(f"{interaction.description}: no reaction after 3 tries")
        pressed = time.perf_counter() - start
        changed_at, sent, received, shown_at = page.evaluate(CHANGED)
        if changed_at is None or shown_at is None:
            raise RuntimeError(f"{interaction.description}: no input sent a change to the server")
        page.wait_for_selector(IDLE, timeout=60_000)
        page.wait_for_timeout(300)  # a student reads the result before the next click
        if not page.evaluate("window.__labSent.length"):
            raise RuntimeError(f"{interaction.description}: the change never left for the server")
        worked = busy() - worked  # everything the change set off, figures below the result too
        if index >= 2:
            work.append(worked)
            changes.append((shown_at - changed_at) / 1000)
            presses.append(pressed)
            if received:
                marks = [changed_at, sent, received[0], received[-1], shown_at]
                phases.append([(b - a) / 1000 for a, b in zip(marks, marks[1:], strict=False)])
            else:  # drawn in the browser before the server's first reply (or before it left)
                phases.append([None if sent is None else (sent - changed_at) / 1000, *[None] * 3])
            messages.append(len(received))
    return Timing(
        statistics.median(changes),
        statistics.median(presses),
        dropped,
        tuple(
            statistics.median(known) if (known := [t for t in column if t is not None]) else None
            for column in zip(*phases, strict=True)
        ),
        statistics.median(messages),
        tuple(statistics.quantiles(changes, n=4)[::2]),
        statistics.median(work),
    )


def run(only: str = "") -> str:
    """The tables (latency against the target; where the time goes); `only` keeps the
    interactions whose description contains it."""
    from playwright.sync_api import sync_playwright

    app, app_url = start_server()
    empty, empty_url = start_server(EMPTY_PAGE)
    rows, split = [], []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            context = browser.new_context(viewport={"width": 1280, "height": 720})
            context.add_init_script(SENT)
            page = context.new_page()
            track_runs(page)
            reference = {kind: measure(page, empty_url, item) for kind, item in EMPTY.items()}
            split += [(EMPTY[kind].description, timing) for kind, timing in reference.items()]
            for interaction in [p for p in PAGES if only.lower() in p.description.lower()]:
                ours = measure(page, app_url, interaction)
                split.append((interaction.description, ours))
                base = reference[interaction.widget]
                floor_page = floor(interaction.widget, ours.messages - base.messages)
                bare = measure(page, empty_url, floor_page)
                split.append((floor_page.description, bare))
                rows.append(
                    (
                        interaction.description,
                        ms(ours.change),
                        f"{EMPTY[interaction.widget].description} {ms(base.change)}",
                        f"{ours.change / base.change:.2f}x",
                        f"within {TARGET}x",
                        f"{ms(bare.change)} ({bare.change / base.change:.2f}x)",
                        f"{ours.change / bare.change:.2f}x",
                        f"{ms(ours.press)} / {ms(base.press)}",
                        str(ours.dropped),
                    )
                )
            browser.close()
    finally:
        stop_server(app)
        stop_server(empty)
    header = ("interaction (Chromium, 1280x720)", "ours", "reference (same run)", "ratio")
    typed = "from the first key press, typing included (ours / reference)"
    where = [
        (
            name,
            *("-" if t is None else ms(t) for t in timing.phases),
            f"{timing.messages:g}",
            ms(timing.change),
            f"{ms(timing.spread[0])} - {ms(timing.spread[1])}",
            ms(timing.busy),
        )
        for name, timing in split
    ]
    floor_header = (
        "the floor: the empty page sending as many messages, each a line of text (its ratio)"
    )
    return (
        "From the input that changed the control (its event timestamp) to the new result on the "
        "page, both on the browser's clock; medians of "
        f"{REPEAT}. The floor is the reference page made to send as many messages before its "
        "result as the lab page did (plain lines of text, nothing computed): what a page of that "
        "many elements costs however little each does.\n\n"
        + table(
            rows, (*header, "target", floor_header, "ours / the floor", typed, "presses retried")
        )
        + "\n\nWhere the time goes (same runs, medians of each part; they need not add up), how "
        "far the samples spread, and how long the browser's main thread worked per change "
        "(Chrome's TaskDuration, from the input until 300 ms after the run: figures below the "
        "result included):\n\n"
        + table(where, ("interaction", *PHASES, "messages", "total", *SPREAD))
    )


if __name__ == "__main__":
    print(run(" ".join(sys.argv[1:])))
