"""A photo that reports which pixel was clicked, or where a drag ended (st.components.v2).

It replaces `streamlit-image-coordinates`, whose picture sat in an iframe that took its height
once, when the picture loaded: if the column was narrower at that moment (the page still laying
out, the projector style arriving, the window resized or the sidebar closed later), the frame kept
the old height, so the photo was cut off at the bottom or had blank under it, and the input no
longer lined up with the output beside it. This one is drawn in the page itself, so the browser
sizes it like any picture. It converts the pointer to the photo's own pixels in the browser, and,
while dragging, outlines the kernel window under the pointer, so the drag feels continuous and
Python hears about it once, on release. It receives only an image and numbers from the app.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

from ui.box_canvas import photo_url

_JS = r"""
export default function (component) {
  const { data, setStateValue, parentElement } = component;
  let root = parentElement.querySelector(".cnn-image-click");
  if (!root) {
    root = document.createElement("div");
    root.className = "cnn-image-click";
    root.style.position = "relative";
    root.style.lineHeight = "0";
    const img = document.createElement("img");
    img.setAttribute("data-testid", "image-click");
    img.draggable = false;
    img.alt = "A photo: click, drag or use the arrow keys to pick a pixel";
    Object.assign(img.style, { width: "100%", height: "auto", display: "block",
                               userSelect: "none", touchAction: "none", cursor: "crosshair" });
    const marker = document.createElement("div");
    Object.assign(marker.style, { position: "absolute", display: "none", pointerEvents: "none",
                                  boxSizing: "border-box", border: "2px solid #ffdd00",
                                  outline: "2px solid #000", minWidth: "8px", minHeight: "8px" });
    root.appendChild(img);
    root.appendChild(marker);
    parentElement.appendChild(root);
    // The pixel under the pointer, in the photo's own rows and columns (clipped to it).
    const pixel = (evt) => {
      const rect = img.getBoundingClientRect();
      const d = root.cnnData;
      const clip = (v, n) => Math.min(n - 1, Math.max(0, Math.floor(v)));
      return [clip((evt.clientY - rect.top) * d.rows / rect.height, d.rows),
              clip((evt.clientX - rect.left) * d.cols / rect.width, d.cols)];
    };
    // The window's outline, centred on the pixel's centre (a small one is drawn 8 px wide).
    const mark = ([row, col]) => {
      const d = root.cnnData;
      Object.assign(marker.style, {
        display: "block", transform: "translate(-50%, -50%)",
        left: `${(100 * (col + 0.5)) / d.cols}%`, top: `${(100 * (row + 0.5)) / d.rows}%`,
        width: `${(100 * d.window) / d.cols}%`, height: `${(100 * d.window) / d.rows}%`,
      });
    };
    // Where the window goes, sent; kept until the app has drawn it, so that keys pressed before
    // the rerun is back carry on from the last one. A count makes a repeat a change too.
    root.cnnSent = [];
    const send = (at) => {
      root.cnnAt = at;
      root.cnnSent.push(at);
      root.cnnClicks = (root.cnnClicks || 0) + 1;
      setStateValue("pixel", [at[0], at[1], root.cnnClicks]);
    };
    root.cnnMark = mark;
    let dragging = false;
    img.addEventListener("pointerdown", (evt) => {
      dragging = true;
      img.setPointerCapture(evt.pointerId);
      mark(pixel(evt));
      evt.preventDefault();
    });
    img.addEventListener("pointermove", (evt) => { if (dragging) mark(pixel(evt)); });
    const finish = (evt) => {
      if (!dragging) return;
      dragging = false;
      send(pixel(evt));
    };
    img.addEventListener("pointerup", finish);
    img.addEventListener("pointercancel", () => { dragging = false; marker.style.display = "none"; });
    // Arrow keys nudge the window one pixel (ten with Shift) once the photo has focus.
    img.tabIndex = 0;
    const steps = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    img.addEventListener("keydown", (evt) => {
      const step = steps[evt.key];
      if (!step) return;
      evt.preventDefault();
      const d = root.cnnData, by = evt.shiftKey ? 10 : 1;
      const at = root.cnnAt || [d.row, d.col];
      const next = [Math.min(d.rows - 1, Math.max(0, at[0] + step[0] * by)),
                    Math.min(d.cols - 1, Math.max(0, at[1] + step[1] * by))];
      mark(next);
      send(next);
    });
  }
  root.cnnData = data;
  root.style.maxWidth = data.max_width ? `${data.max_width}px` : "none";
  const img = root.querySelector("img");
  if (img.getAttribute("src") !== data.src) img.setAttribute("src", data.src);
  // The app drew the window at one of the places sent (drop it and those before it), or moved it
  // itself (a typed row or column: forget them all).
  const sent = root.cnnSent;
  const drawn = sent.findIndex((p) => p[0] === data.row && p[1] === data.col);
  sent.splice(0, drawn >= 0 ? drawn + 1 : sent.length);
  if (sent.length) {
    root.cnnMark(root.cnnAt);  // more on the way: the outline stays where the last one went
  } else {
    root.cnnAt = null;  // the rerun's picture has the window drawn in it: no outline needed
    root.lastChild.style.display = "none";
  }
}
"""

_component = st.components.v2.component("cnn_lab_image_click", js=_JS)


def image_click(
    key: str,
    image: np.ndarray,
    window: int,
    at: tuple[int, int],
    on_pick: Callable[[], None],
    max_width: int | None = None,
    quality: int = 90,
) -> None:
    """Show `image` at its column's width (at most `max_width` px). After a click, or at the end of
    a drag, `picked_pixel(key)` holds the (row, col) of the photo's pixel under the pointer and
    `on_pick` runs before the rerun. While dragging, a `window` x `window` outline follows the
    pointer. Once the photo has focus, the arrow keys move the window from `at` (row, col) one
    pixel at a time, ten with Shift.

    Sent as a JPEG (`quality`): about 15 times smaller than a PNG of a photo, which a class of
    thirty would otherwise pull through the server's one core on every click.
    """
    _component(
        key=key,
        data={
            "src": photo_url(image, quality),
            "rows": int(image.shape[0]),
            "cols": int(image.shape[1]),
            "window": int(window),
            "row": int(at[0]),
            "col": int(at[1]),
            "max_width": int(max_width) if max_width else 0,
        },
        on_pixel_change=on_pick,
    )


def picked_pixel(key: str, shape: tuple[int, int]) -> tuple[int, int] | None:
    """The (row, col) the component reported last, inside an image of `shape`, or None."""
    state = st.session_state.get(key)
    return parse_pixel(None if state is None else state.get("pixel"), shape)


def parse_pixel(value: object, shape: tuple[int, int]) -> tuple[int, int] | None:
    """A reported [row, col, count] as a pixel of an image of `shape` (clipped into it), or None
    for anything else (the browser's message is input like any other)."""
    if not isinstance(value, list | tuple) or len(value) < 2:
        return None
    try:
        row, col = (float(v) for v in value[:2])
    except (TypeError, ValueError, OverflowError):
        return None
    if not all(np.isfinite([row, col])):
        return None
    return int(np.clip(row, 0, shape[0] - 1)), int(np.clip(col, 0, shape[1] - 1))
