"""Clicks on a Plotly chart's plot area, in data coordinates, reported to Python.

Plotly reports clicks only on drawn points, so a 'click anywhere' figure needed a grid of
invisible markers: thousands of SVG nodes to redraw on every rerun, and clicks snapped to the
grid (or onto a path's points). This component listens to the chart itself and converts the
pointer to axis units with Plotly's own axis transform, so the click lands exactly where it was
made. It receives only the chart's key from the app and sends back two numbers.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

_JS = r"""
export default function (component) {
  const { data, setStateValue, parentElement } = component;
  let root = parentElement.querySelector(".cnn-plot-click");
  if (root) {
    root.dataset.target = data.target;
    return;
  }
  root = document.createElement("div");
  root.className = "cnn-plot-click";
  root.dataset.target = data.target;
  parentElement.appendChild(root);
  const bind = () => {
    const box = document.querySelector(`.st-key-${CSS.escape(root.dataset.target)}`);
    const gd = box && box.querySelector(".js-plotly-plot");
    if (!gd || gd.dataset.cnnClicks) return;
    gd.dataset.cnnClicks = "1";
    gd.addEventListener("click", (event) => {
      const layout = gd._fullLayout;
      if (!layout || !layout.xaxis || !layout.yaxis) return;
      const xa = layout.xaxis, ya = layout.yaxis;
      const rect = gd.getBoundingClientRect();
      const px = event.clientX - rect.left - xa._offset;
      const py = event.clientY - rect.top - ya._offset;
      if (px < 0 || px > xa._length || py < 0 || py > ya._length) return;  // margins, slider
      setStateValue("point", [xa.p2d(px), ya.p2d(py)]);
    });
  };
  const timer = setInterval(() => (root.isConnected ? bind() : clearInterval(timer)), 250);
  bind();
}
"""

_component = st.components.v2.component("cnn_lab_plot_click", js=_JS)


def plot_clicks(target: str, key: str, on_click: Callable[[], None]) -> None:
    """Report clicks on the plot area of the st.plotly_chart keyed `target`: after a click,
    `clicked_point(key)` holds its (x, y) and `on_click` runs before the rerun."""
    _component(key=key, data={"target": target}, on_point_change=on_click)


def clicked_point(key: str) -> tuple[float, float] | None:
    """The (x, y) of the last click, in the chart's axis units, or None."""
    state = st.session_state.get(key)
    point = None if state is None else state.get("point")
    if not point or len(point) != 2:
        return None
    x, y = (float(v) for v in point)
    return (x, y) if all(map(lambda v: v == v and abs(v) < 1e300, (x, y))) else None
