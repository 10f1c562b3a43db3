"""A small drag-and-resize box canvas (st.components.v2): move boxes, drag corners, draw new ones.

Everything continuous happens in the browser: the boxes follow the pointer and, for a pair, the
intersection and enclosing box are redrawn live while dragging, and a live `ui.overlap_panel`
(if named) with its IoU and GIoU repeated at the canvas's top. Python hears about it once, on
release, through the `boxes` state value. The component only receives numbers and fixed labels from
the app (never user text), and writes them with textContent.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable

import numpy as np
import streamlit as st
from PIL import Image

_JS = r"""
export default function (component) {
  const { data, setStateValue, parentElement } = component;
  const NS = "http://www.w3.org/2000/svg";
  let root = parentElement.querySelector(".box-canvas");
  if (!root) {
    root = document.createElement("div");
    root.className = "box-canvas";
    parentElement.appendChild(root);
  }
  while (root.firstChild) root.removeChild(root.firstChild);
  const W = data.width, H = data.height;
  const boxes = data.boxes.map((b) => b.slice());
  const colors = data.colors || [];
  const names = data.names || [];
  const make = (tag, attrs, parent) => {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    (parent || svg).appendChild(el);
    return el;
  };
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("data-testid", "box-canvas-svg");
  svg.style.width = "100%";
  svg.style.maxWidth = (data.display_width || W) + "px";
  svg.style.touchAction = "none";
  svg.style.userSelect = "none";
  svg.style.border = "1px solid #ccc";
  svg.style.background = "#fff";
  root.appendChild(svg);
  if (data.background) {
    // A photo under the boxes (a data: URL of a JPEG made by the app).
    make("image", { href: data.background, x: 0, y: 0, width: W, height: H, preserveAspectRatio: "none" });
  } else {
    const grid = Math.max(10, Math.round(W / 16 / 10) * 10);
    for (let x = grid; x < W; x += grid) make("line", { x1: x, y1: 0, x2: x, y2: H, stroke: "#eee" });
    for (let y = grid; y < H; y += grid) make("line", { x1: 0, y1: y, x2: W, y2: y, stroke: "#eee" });
  }
  const overlap = data.show_overlap && boxes.length >= 2;
  const enclosing = make("rect", { fill: "none", stroke: "#555", "stroke-dasharray": "6 4", "stroke-width": 1.5, visibility: overlap ? "visible" : "hidden" });
  const inter = make("rect", { fill: "rgba(120, 60, 160, 0.45)", stroke: "none", visibility: "hidden" });
  const rects = [], handles = [], labels = [];
  const r = Math.max(4, W / 90);
  // Rectangles first, then every label and handle above all of them: a corner handle stays
  // reachable when another box covers it, and the handle under the pointer gets the drag.
  boxes.forEach((b, i) => {
    const color = colors[i] || "#1f77b4";
    rects.push(make("rect", { fill: color, "fill-opacity": 0.12, stroke: color, "stroke-width": 2.5, cursor: "move", "data-box": i }));
  });
  boxes.forEach((b, i) => {
    const color = colors[i] || "#1f77b4";
    const label = make("text", { fill: color, "font-size": Math.max(11, W / 40), "font-family": "sans-serif", "pointer-events": "none" });
    label.textContent = names[i] || String(i);
    labels.push(label);
  });
  boxes.forEach((b, i) => {
    const color = colors[i] || "#1f77b4";
    handles.push([0, 1, 2, 3].map((corner) =>
      make("circle", { r, fill: "#fff", stroke: color, "stroke-width": 2, cursor: "nwse-resize", "data-box": i, "data-corner": corner })));
  });
  const readout = make("text", { x: 8, y: Math.max(16, W / 30), "font-size": Math.max(12, W / 36), "font-family": "monospace", fill: "#333", "pointer-events": "none", "data-testid": "box-canvas-readout" });

  // A box typed the wrong way round (x2 < x1) is drawn top-left first, as the server does.
  const upright = (b) => [Math.min(b[0], b[2]), Math.min(b[1], b[3]), Math.max(b[0], b[2]), Math.max(b[1], b[3])];
  function redraw() {
    // The whole pixels that release will send: the live numbers are those the server will show.
    const whole = boxes.map((b) => b.map((v) => Math.round(v)));
    // The panel computes the measures (ui/overlap_panel.py, lab.iou's arithmetic) and hands them
    // to the readout at the canvas's top: one computation, not two.
    const parts = data.live && window.cnnLivePanels && window.cnnLivePanels[data.live];
    if (parts) Object.values(parts).forEach((show) => show(whole));
    boxes.forEach((raw, i) => {
      const b = upright(raw);
      const [x1, y1, x2, y2] = b;
      Object.entries({ x: x1, y: y1, width: x2 - x1, height: y2 - y1 }).forEach(([k, v]) => rects[i].setAttribute(k, v));
      labels[i].setAttribute("x", x1 + 4);
      labels[i].setAttribute("y", y1 - 4 < 12 ? y1 + 14 : y1 - 4);
      [[x1, y1], [x2, y1], [x2, y2], [x1, y2]].forEach(([cx, cy], c) => {
        handles[i][c].setAttribute("cx", cx);
        handles[i][c].setAttribute("cy", cy);
      });
    });
    if (!overlap) return;
    const [a, b] = whole.map(upright);
    const ix1 = Math.max(a[0], b[0]), iy1 = Math.max(a[1], b[1]);
    const ix2 = Math.min(a[2], b[2]), iy2 = Math.min(a[3], b[3]);
    const iw = Math.max(0, ix2 - ix1), ih = Math.max(0, iy2 - iy1);
    inter.setAttribute("visibility", iw > 0 && ih > 0 ? "visible" : "hidden");
    Object.entries({ x: ix1, y: iy1, width: iw, height: ih }).forEach(([k, v]) => inter.setAttribute(k, v));
    const ex1 = Math.min(a[0], b[0]), ey1 = Math.min(a[1], b[1]);
    const ex2 = Math.max(a[2], b[2]), ey2 = Math.max(a[3], b[3]);
    Object.entries({ x: ex1, y: ey1, width: ex2 - ex1, height: ey2 - ey1 }).forEach(([k, v]) => enclosing.setAttribute(k, v));
  }
  // The panel writes its IoU and GIoU here whenever it draws (it may mount after the canvas).
  if (data.live) {
    const readouts = (window.cnnLiveReadouts = window.cnnLiveReadouts || {});
    readouts[data.live] = (written) => {
      if (overlap && svg.isConnected) readout.textContent = written ? `IoU ${written[0]}   GIoU ${written[1]}` : "";
    };
  }
  redraw();

  const point = (evt) => {
    const p = svg.createSVGPoint();
    p.x = evt.clientX;
    p.y = evt.clientY;
    const q = p.matrixTransform(svg.getScreenCTM().inverse());
    return [Math.min(W, Math.max(0, q.x)), Math.min(H, Math.max(0, q.y))];
  };
  let drag = null;
  svg.addEventListener("pointerdown", (evt) => {
    const target = evt.target;
    const [px, py] = point(evt);
    if (target.hasAttribute("data-corner")) {
      drag = { i: +target.getAttribute("data-box"), corner: +target.getAttribute("data-corner") };
    } else if (target.hasAttribute("data-box")) {
      const i = +target.getAttribute("data-box");
      drag = { i, move: true, start: [px, py], orig: boxes[i].slice() };
    } else if (data.mode === "draw") {
      boxes.push([px, py, px, py]);
      drag = { i: boxes.length - 1, corner: 2, fresh: true };
    } else {
      return;
    }
    svg.setPointerCapture(evt.pointerId);
    evt.preventDefault();
  });
  svg.addEventListener("pointermove", (evt) => {
    if (!drag) return;
    const [px, py] = point(evt);
    const b = boxes[drag.i];
    if (drag.move) {
      const w = drag.orig[2] - drag.orig[0], h = drag.orig[3] - drag.orig[1];
      const x1 = Math.min(W - w, Math.max(0, drag.orig[0] + px - drag.start[0]));
      const y1 = Math.min(H - h, Math.max(0, drag.orig[1] + py - drag.start[1]));
      boxes[drag.i] = [x1, y1, x1 + w, y1 + h];
    } else {
      const xs = [b[0], b[2]], ys = [b[1], b[3]];
      const cx = drag.corner === 0 || drag.corner === 3 ? 0 : 1;
      const cy = drag.corner === 0 || drag.corner === 1 ? 0 : 1;
      xs[cx] = px;
      ys[cy] = py;
      boxes[drag.i] = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
      if (xs[0] > xs[1]) drag.corner = [1, 0, 3, 2][drag.corner];
      if (ys[0] > ys[1]) drag.corner = [3, 2, 1, 0][drag.corner];
    }
    if (drag.fresh && rects.length < boxes.length) {
      const rect = make("rect", { fill: "#2ca02c", "fill-opacity": 0.12, stroke: "#2ca02c", "stroke-width": 2 });
      rects.push(rect);
      labels.push(make("text", {}));
      handles.push([0, 1, 2, 3].map(() => make("circle", { r: 0 })));
    }
    redraw();
  });
  const finish = () => {
    if (!drag) return;
    const fresh = drag.fresh;
    drag = null;
    let out = boxes.map((b) => b.map((v) => Math.round(v)));
    if (fresh) {
      const last = out[out.length - 1];
      if (last[2] - last[0] < 3 || last[3] - last[1] < 3) out = out.slice(0, -1);
    }
    setStateValue("boxes", out);
  };
  svg.addEventListener("pointerup", finish);
  svg.addEventListener("pointercancel", finish);

  // The page's number inputs for the boxes' coordinates: a value committed there (Enter, leaving
  // the field, a +/- button) moves the box here at once, and the live panel with it; the input's
  // own message to the server still makes the rerun that follows, with the same boxes.
  const inputs = data.inputs || [];
  const presets = data.presets || [];
  if (inputs.length || presets.length) {
    const registry = (window.cnnBoxInputs = window.cnnBoxInputs || {});
    if (!window.cnnBoxInputsListening) {
      window.cnnBoxInputsListening = true;
      const dispatch = (evt) => {
        if (evt.type === "keydown" && evt.key !== "Enter") return;
        if (!(evt.target instanceof Element)) return;
        const target = evt.target;
        const apply = () => Object.values(registry).forEach((handler) => handler(target, evt.type));
        // Enter and leaving the field: the value is in the field now, so draw it in this very
        // task, before the page's own handler; a +/- button changes it in its handler: after it.
        if (evt.type === "click") setTimeout(apply, 0);
        else apply();
      };
      for (const kind of ["keydown", "focusout", "click"]) document.addEventListener(kind, dispatch, true);
    }
    registry[data.name] = (target, kind) => {
      if (!svg.isConnected) return;
      let changed = false;
      // A preset button clicked: every box as the preset has it.
      presets.forEach(([key, preset]) => {
        if (kind !== "click" || !target.closest(`.st-key-${key}`) || target.closest("[disabled]")) return;
        if (preset.length !== boxes.length) return;
        preset.forEach((box, i) => { boxes[i] = box.slice(); });
        changed = true;
      });
      inputs.forEach((row, i) => row.forEach(([key, low, high], c) => {
        if (!target.closest(`.st-key-${key}`)) return;
        const field = document.querySelector(`.st-key-${key} input`);
        const text = field ? field.value.trim() : "";
        if (!/^-?[0-9]+$/.test(text)) return;  // not a whole number: the server's rerun says so
        const value = Number(text);
        if (value < low || value > high || i >= boxes.length || boxes[i][c] === value) return;
        boxes[i][c] = value;
        changed = true;
      }));
      if (changed) redraw();
    };
  }
}
"""

_component = st.components.v2.component("cnn_lab_box_canvas", js=_JS)


def box_canvas(
    key: str,
    boxes: list[list[float]],
    width: int,
    height: int,
    colors: list[str] | None = None,
    names: list[str] | None = None,
    mode: str = "edit",
    show_overlap: bool = False,
    on_change: Callable[[], None] | None = None,
    display_width: int = 640,
    background: str | None = None,
    inputs: list[list[tuple[str, float, float]]] | None = None,
    presets: list[tuple[str, list[list[float]]]] | None = None,
    live: str | None = None,
) -> None:
    """Mount the canvas. After a drag, `st.session_state[key]["boxes"]` holds the new xyxy boxes
    (rounded to whole pixels) and `on_change` runs before the rerun.

    Args:
        boxes: xyxy boxes in canvas pixels (0..width, 0..height).
        mode: "edit" (move and resize) or "draw" (also drag on empty space to add a box).
        show_overlap: for two boxes, shade the intersection, dash the enclosing box and, with
            `live`, write the panel's IoU and GIoU at the top of the canvas.
        background: a photo under the boxes, as a data: URL (see `photo_url`).
        inputs: for each box, its four number inputs (xyxy) as (key, lowest, highest): a
            whole number committed in one moves the box in the browser before the rerun.
        presets: (button key, boxes) pairs: a click on the button puts the boxes there in the
            browser before the rerun (the button's own callback must set the same boxes).
        live: the name of an `ui.overlap_panel` to redraw with the boxes as they move.
    """
    _component(
        key=key,
        data={
            "width": width,
            "height": height,
            # Typed boxes may reach far off the canvas; the picture needs only a margin around it.
            "boxes": [
                [
                    min(max(float(v), -limit), 2 * limit)
                    for v, limit in zip(box, (width, height, width, height), strict=True)
                ]
                for box in boxes
            ],
            "colors": colors or [],
            "names": names or [],
            "mode": mode,
            "show_overlap": show_overlap,
            "display_width": display_width,
            "background": background or "",
            "name": key,
            "inputs": [[list(field) for field in row] for row in inputs or []],
            "presets": [
                [button, [[float(v) for v in box] for box in boxes]]
                for button, boxes in presets or []
            ],
            "live": live or "",
        },
        on_boxes_change=on_change or (lambda: None),
    )


def dragged_boxes(key: str) -> list[list[float]] | None:
    """The boxes the canvas reported last (call from its on_change), or None."""
    state = st.session_state.get(key)  # the component's state: a mapping with "boxes"
    return None if state is None else state.get("boxes")


def photo_url(image: np.ndarray, quality: int = 85) -> str:
    """A photo as a data: URL (JPEG) for the canvas background."""
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image[..., :3])).save(buffer, "JPEG", quality=quality)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
