"""The player under an animated figure: play / pause, previous / next, first / last, jump to a step,
and the keyboard (left / right arrows step, space plays, Home / End) when the figure has focus.

It drives the Plotly figure in the browser (`Plotly.animate` on the frames that
`lab.viz.animation.animated_figure` built), starting from the frame the figure shows: the slider's
position is the one source of truth, so scrubbing to step 7 and pressing Next gives step 8. Nothing
here reruns Streamlit. The component receives only numbers and fixed labels from the app (never
user text) and writes them with textContent.
"""

from __future__ import annotations

import streamlit as st

_CSS = """
.cnn-player { display: flex; flex-wrap: wrap; align-items: center; gap: 0.4rem; margin: 0.2rem 0 0.6rem; font-family: inherit; }
.cnn-player button { font: inherit; font-size: 0.95rem; padding: 0.25rem 0.7rem; border-radius: 0.5rem;
  border: 1px solid rgba(128, 128, 128, 0.45); background: transparent; color: inherit; cursor: pointer; }
.cnn-player button:hover { border-color: #e6550d; color: #e6550d; }
.cnn-player button:focus-visible, .cnn-player input:focus-visible { outline: 2px solid #e6550d; outline-offset: 1px; }
.cnn-player .cnn-counter { min-width: 7.5rem; font-variant-numeric: tabular-nums; font-weight: 600; }
.cnn-player label { display: inline-flex; align-items: center; gap: 0.3rem; }
.cnn-player input { width: 4.5rem; font: inherit; padding: 0.2rem 0.4rem; border-radius: 0.4rem;
  border: 1px solid rgba(128, 128, 128, 0.45); background: transparent; color: inherit; }
.cnn-player .cnn-keys { opacity: 0.7; font-size: 0.85rem; }
"""

_JS = r"""
export default function (component) {
  const { data, parentElement } = component;
  let root = parentElement.querySelector(".cnn-player");
  if (!root) {
    root = document.createElement("div");
    root.className = "cnn-player";
    root.setAttribute("data-testid", "cnn-player");
    parentElement.appendChild(root);
    build(root);
  }
  root.dataset.target = data.target;
  root.dataset.unit = data.unit || "step";
  root.sync();
}

function build(root) {
  const make = (tag, text, attrs) => {
    const el = document.createElement(tag);
    if (text) el.textContent = text;
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
    root.appendChild(el);
    return el;
  };
  const first = make("button", "|◀", { title: "First (Home)", "aria-label": "first" });
  const prev = make("button", "◀ Previous", { title: "Previous (left arrow)" });
  const play = make("button", "▶ Play", { title: "Play / pause (space)" });
  const next = make("button", "Next ▶", { title: "Next (right arrow)" });
  const last = make("button", "▶|", { title: "Last (End)", "aria-label": "last" });
  const counter = make("span", "", { class: "cnn-counter", "data-testid": "cnn-player-counter" });
  const jumpLabel = make("label", "");
  const jumpText = document.createElement("span");
  jumpText.textContent = "Jump to";
  const jump = document.createElement("input");
  jump.type = "number";
  jump.min = "1";
  jump.setAttribute("aria-label", "jump to");
  jumpLabel.append(jumpText, jump);
  make("span", "← → step, space plays (click the figure first)", { class: "cnn-keys" });
  let playing = false;

  const chart = () => {
    const target = root.dataset.target;
    const box = document.querySelector(`.st-key-${CSS.escape(target)}`);
    return box ? box.querySelector(".js-plotly-plot") : null;
  };
  const status = (gd) => {
    const slider = gd && gd.layout && gd.layout.sliders && gd.layout.sliders[0];
    if (!slider || !slider.steps || !slider.steps.length) return null;
    return { slider, active: slider.active || 0, count: slider.steps.length };
  };
  const options = (gd, duration) => {
    const meta = (gd.layout.meta && gd.layout.meta.player) || {};
    return {
      mode: "immediate",
      frame: { duration: duration === undefined ? meta.frame_ms || 400 : duration, redraw: meta.redraw !== false },
      transition: { duration: 0 },
    };
  };
  const setPlaying = (value) => {
    playing = value;
    play.textContent = value ? "❚❚ Pause" : "▶ Play";
  };
  const show = (index) => {
    const gd = chart();
    const now = status(gd);
    if (!now || !window.Plotly) return;
    if (playing) pause();
    const target = Math.max(0, Math.min(now.count - 1, index));
    const name = now.slider.steps[target].args[0][0];
    window.Plotly.animate(gd, [name], options(gd, 0)).catch(() => {});
    sync();
  };
  const pause = () => {
    const gd = chart();
    if (gd && window.Plotly) window.Plotly.animate(gd, [null], options(gd, 0)).catch(() => {});
    setPlaying(false);
  };
  const start = () => {
    const gd = chart();
    const now = status(gd);
    if (!now || !window.Plotly) return;
    const from = now.active + 1 >= now.count ? 0 : now.active + 1;
    const names = now.slider.steps.slice(from).map((step) => step.args[0][0]);
    setPlaying(true);
    window.Plotly.animate(gd, names, options(gd))
      .then(() => setPlaying(false))
      .catch(() => setPlaying(false));
  };
  const toggle = () => (playing ? pause() : start());
  const current = () => {
    const now = status(chart());
    return now ? now.active : 0;
  };
  const keys = (event) => {
    if (event.target && event.target.tagName === "INPUT") return;
    const actions = {
      ArrowLeft: () => show(current() - 1),
      ArrowRight: () => show(current() + 1),
      " ": toggle,
      Home: () => show(0),
      End: () => show(1e9),
    };
    const action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  };
  const bind = () => {
    const box = document.querySelector(`.st-key-${CSS.escape(root.dataset.target)}`);
    if (box && !box.dataset.cnnPlayer) {
      box.dataset.cnnPlayer = "1";
      box.tabIndex = 0;
      box.setAttribute("aria-label", "animated figure: left and right arrows step, space plays");
      box.addEventListener("keydown", keys);
      box.addEventListener("pointerdown", () => box.focus({ preventScroll: true }), true);
    }
  };
  function sync() {
    bind();
    const now = status(chart());
    if (!now) {
      counter.textContent = "";
      return;
    }
    const label = now.slider.steps[now.active].label;
    counter.textContent = `${root.dataset.unit} ${label} (${now.active + 1} of ${now.count})`;
    jump.max = String(now.count);
    for (const button of [first, prev]) button.disabled = now.active <= 0;
    for (const button of [next, last]) button.disabled = now.active >= now.count - 1;
  }
  first.addEventListener("click", () => show(0));
  prev.addEventListener("click", () => show(current() - 1));
  play.addEventListener("click", toggle);
  next.addEventListener("click", () => show(current() + 1));
  last.addEventListener("click", () => show(1e9));
  jump.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      const value = parseInt(jump.value, 10);
      if (Number.isFinite(value)) show(value - 1);
    }
  });
  root.addEventListener("keydown", keys);
  root.sync = sync;
  // Follows scrubbing and playing without reaching into Plotly's internals; stops when unmounted.
  const timer = setInterval(() => (root.isConnected ? sync() : clearInterval(timer)), 250);
}
"""

_component = st.components.v2.component("cnn_lab_player", js=_JS, css=_CSS)


def player(target: str, unit: str = "step") -> None:
    """Mount the player for the st.plotly_chart whose key is `target`.

    Args:
        unit: what one frame is called in the counter ("step", "frame", "iteration").
    """
    _component(key=f"{target}_player", data={"target": target, "unit": unit})
