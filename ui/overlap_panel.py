"""The IoU lab's numbers (IoU, GIoU, DIoU, CIoU and the formulas with their values), computed and
drawn in the browser (st.components.v2).

Why in the browser: a Streamlit rerun costs a round trip to the server and a redraw of everything
the page's body sends (bench/latency.py: the IoU lab answered a typed coordinate in 2.5x the time
of an empty page). This panel answers at once: the box canvas (`ui.box_canvas`, given
`live=` this panel's name) hands it the boxes on every move, while dragging and when a coordinate
is typed, and the panel redraws itself; the server's rerun that follows only fills in the table
and the figure below, with the same numbers.

The numbers must be the lab's to the last digit: the JavaScript repeats `lab.iou`'s arithmetic
operation for operation (float64, the same order), and writes them as Python does (`f"{x:.4f}"`
rounds an exact half to even, JavaScript's toFixed away from zero; whole numbers as
`lab.format.format_number` writes them). tests/browser/test_iou_browser.py holds it to `lab.iou`
on hundreds of pairs, exact halves and empty boxes included. The component receives only numbers
from the app (never user text) and writes them with textContent.
"""

from __future__ import annotations

import streamlit as st

LABELS = ("IoU", "GIoU", "DIoU", "CIoU")

_CSS = """
.cnn-overlap { font-family: inherit; color: inherit; }
.cnn-overlap .cnn-cards { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr));
  gap: 1rem; margin: 0.2rem 0 1rem; }
.cnn-overlap .cnn-label { font-size: 0.875rem; line-height: 1.4; opacity: 0.85; }
.cnn-overlap .cnn-value { font-size: 2.25rem; line-height: 1.25; font-variant-numeric: tabular-nums; }
.cnn-overlap pre { margin: 0 0 1rem; padding: 1rem; border-radius: 0.5rem; overflow-x: auto;
  background: rgba(128, 128, 128, 0.1); font-family: "Source Code Pro", ui-monospace, monospace;
  font-size: 14px; line-height: 1.6; white-space: pre; }
.cnn-overlap.cnn-projector .cnn-label { font-size: 1.15rem; }
.cnn-overlap.cnn-projector .cnn-value { font-size: 2.4rem; }
.cnn-overlap.cnn-projector pre { font-size: 20px; line-height: 1.45; }
.cnn-overlap.cnn-stale { opacity: 0.35; }
/* Beside the canvas (projector mode): one measure under the other. */
.cnn-overlap.cnn-cards-only .cnn-cards { grid-template-columns: minmax(0, 1fr); gap: 1.2rem; }
.cnn-overlap.cnn-cards-only pre, .cnn-overlap.cnn-formula-only .cnn-cards { display: none; }
"""

_JS = r"""
const LABELS = ["IoU", "GIoU", "DIoU", "CIoU"];

// Python's f"{x:.4f}": the exact binary value rounded to 4 decimals, an exact half to even.
// JavaScript's toFixed rounds an exact half up; an exact half at the 4th decimal is an odd
// multiple of 1/32 (x = (2k + 1) / (2 * 10^4) is a binary fraction only then).
function fixed4(x) {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  const m = Math.abs(x);
  const j = m * 32;
  if (!Number.isInteger(j) || j % 2 === 0) return sign + m.toFixed(4);
  let n = Math.floor(m * 10000);  // exact: m * 10000 = j * 312.5 = n + 0.5
  if (n % 2 === 1) n += 1;
  const whole = Math.floor(n / 10000), rest = String(n % 10000).padStart(4, "0");
  return `${sign}${whole}.${rest}`;
}

// lab.format.format_number for whole numbers: the only ones that reach it, since the panel is
// given whole-pixel boxes (typed, or rounded as a drag's release rounds them), so every area is
// whole. Anything else would be written with 4 significant digits, not quite as Python does.
function number(x) {
  if (Number.isInteger(x)) return String(x);
  return String(Number(x.toPrecision(4)));
}

// lab.iou.overlap, operation for operation (float64): area_a, area_b, intersection, union,
// enclosing, iou, giou, diou, ciou.
function measures(a, b) {
  const area = (q) => (q[2] - q[0]) * (q[3] - q[1]);
  const divide = (n, d) => (d !== 0 ? n / d : 0);
  const iw = Math.max(Math.min(a[2], b[2]) - Math.max(a[0], b[0]), 0);
  const ih = Math.max(Math.min(a[3], b[3]) - Math.max(a[1], b[1]), 0);
  const intersection = iw * ih;
  const areaA = area(a), areaB = area(b);
  const union = areaA + areaB - intersection;
  const iou = divide(intersection, union);
  const cw = Math.max(Math.max(a[2], b[2]) - Math.min(a[0], b[0]), 0);
  const ch = Math.max(Math.max(a[3], b[3]) - Math.min(a[1], b[1]), 0);
  const enclosing = cw * ch;
  const giou = iou - divide(enclosing - union, enclosing);
  const eps = 1e-7;
  const diagonal = cw * cw + ch * ch + eps;
  const dx = (a[0] + a[2]) / 2 - (b[0] + b[2]) / 2, dy = (a[1] + a[3]) / 2 - (b[1] + b[3]) / 2;
  const distance = dx * dx + dy * dy;
  const diou = iou - distance / diagonal;
  const turn = Math.atan((a[2] - a[0]) / (a[3] - a[1])) - Math.atan((b[2] - b[0]) / (b[3] - b[1]));
  let v = (4 / (Math.PI * Math.PI)) * (turn * turn);
  if (Number.isNaN(v)) v = 0;  // a box with no width and no height has no aspect ratio
  const alpha = v / (1 - iou + v + eps);
  const ciou = diou - alpha * v;
  return { areaA, areaB, intersection, union, enclosing, iou, giou, diou, ciou };
}

// The page's five lines of formulas, with the values filled in.
function formulas(m) {
  const f = fixed4;
  return [
    `IoU  = |A∩B| / |A∪B| = ${number(m.intersection)} / ${number(m.union)} = ${f(m.iou)}`,
    `|A∪B| = |A| + |B| - |A∩B| = ${number(m.areaA)} + ${number(m.areaB)} - ${number(m.intersection)} = ${number(m.union)}`,
    `GIoU = IoU - (|C| - |A∪B|) / |C| = ${f(m.iou)} - (${number(m.enclosing)} - ${number(m.union)}) / ${number(m.enclosing)} = ${f(m.giou)}`,
    `DIoU = IoU - d²/c² (centre distance over enclosing diagonal) = ${f(m.diou)}`,
    `CIoU = DIoU - αv (v: aspect-ratio mismatch) = ${f(m.ciou)}`,
  ];
}

const valid = (q) => q.length === 4 && q.every(Number.isFinite) && q[0] <= q[2] && q[1] <= q[3];

export default function (component) {
  const { data, parentElement } = component;
  let root = parentElement.querySelector(".cnn-overlap");
  if (!root) {
    root = document.createElement("div");
    root.className = "cnn-overlap";
    root.setAttribute("data-testid", "overlap-panel");
    const cards = document.createElement("div");
    cards.className = "cnn-cards";
    root.values = LABELS.map((label) => {
      const card = document.createElement("div");
      card.setAttribute("data-testid", "live-metric");
      card.setAttribute("data-label", label);
      const name = document.createElement("div");
      name.className = "cnn-label";
      name.textContent = label;
      const value = document.createElement("div");
      value.className = "cnn-value";
      value.setAttribute("data-testid", "live-metric-value");
      card.append(name, value);
      cards.appendChild(card);
      return value;
    });
    root.formula = document.createElement("pre");
    root.formula.setAttribute("data-testid", "overlap-formula");
    root.append(cards, root.formula);
    parentElement.appendChild(root);
    // For tests: the same numbers and text for any pair, without drawing them.
    root.cnnMeasures = (a, b) => {
      const m = measures(a, b);
      return { values: [m.iou, m.giou, m.diou, m.ciou].map(fixed4), formula: formulas(m) };
    };
  }
  root.classList.toggle("cnn-projector", !!data.projector);
  root.classList.toggle("cnn-cards-only", data.part === "cards");
  root.classList.toggle("cnn-formula-only", data.part === "formula");
  // Boxes as the canvas has them (whole pixels): the numbers release will send to the server.
  // The four measures as written, also handed to the canvas's readout (ui/box_canvas.py).
  const show = (boxes) => {
    const [a, b] = boxes;
    const readout = window.cnnLiveReadouts && window.cnnLiveReadouts[data.name];
    if (!a || !b || !valid(a) || !valid(b)) {
      root.classList.add("cnn-stale");  // the server's rerun will say what is wrong
      if (readout) readout(null);
      return;
    }
    root.classList.remove("cnn-stale");
    const m = measures(a, b);
    const written = [m.iou, m.giou, m.diou, m.ciou].map(fixed4);
    written.forEach((text, i) => { root.values[i].textContent = text; });
    root.formula.textContent = formulas(m).join("\n");
    if (readout) readout(written);
  };
  // The canvas calls every part shown under this name; a part no longer on the page drops out.
  const panels = (window.cnnLivePanels = window.cnnLivePanels || {});
  const parts = (panels[data.name] = panels[data.name] || {});
  parts[data.part] = (boxes) => {
    if (root.isConnected) show(boxes);
    else delete parts[data.part];
  };
  show(data.boxes);
}
"""

_component = st.components.v2.component("cnn_lab_overlap_panel", js=_JS, css=_CSS)


PARTS = ("all", "cards", "formula")


def overlap_panel(
    name: str, a: list[float], b: list[float], projector: bool = False, part: str = "all"
) -> None:
    """The four measures and the formulas for boxes `a` and `b` (xyxy), redrawn in the browser
    whenever the box canvas mounted with `live=name` moves a box.

    Args:
        part: "all", or "cards" (the measures, one under the other, to sit beside the canvas)
            and "formula" (the formulas alone) placed apart, both following the same canvas.
    """
    if part not in PARTS:
        raise ValueError(f"part must be one of {PARTS}, got {part!r}")
    _component(
        key=name if part == "all" else f"{name}_{part}",
        data={
            "name": name,
            "part": part,
            "boxes": [[float(v) for v in a], [float(v) for v in b]],
            "projector": bool(projector),
        },
    )
