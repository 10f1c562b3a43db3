"""Gradient descent lab: why a learning rate converges, oscillates or explodes on a quadratic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from lab import optim
from lab.format import format_number
from lab.viz.animation import PrebuiltFigure
from lab.viz.optim import (
    PATH_COLORS,
    LabelledPath,
    contour_figure,
    curves_figure,
    follow_divergence,
    plot_radius,
    stability_figure,
)
from ui.common import Page, page_body, page_setup, rerun_page
from ui.player import player
from ui.plot_click import clicked_point, plot_clicks
from ui.state import Settings

CURVATURES = sorted(
    {float(f"{v:.3g}") for v in np.geomspace(0.01, 100, 49)} | {1.0, 2.0, 3.0, 4.0, 5.0, 10.0}
)
BASE_RATES = {float(f"{v:.3g}") for v in np.geomspace(1e-3, 10, 81)} | {
    k / 10 for k in range(1, 31)
}
METHODS = {
    "plain gradient descent": "gd",
    "heavy-ball momentum": "momentum",
    "Nesterov": "nesterov",
}
TOLERANCES = [1e-2, 1e-3, 1e-6, 1e-9]
SETTINGS = Settings(
    {
        "gd_a": 1.0,
        "gd_b": 10.0,
        "gd_angle": 0,
        "gd_eta": 0.15,
        "gd_w1": -4.0,
        "gd_w2": 3.0,
        "gd_steps": 50,
        "gd_method": "plain gradient descent",
        "gd_beta": 0.5,
        "gd_compare": False,
        "gd_tolerance": 1e-3,
    }
)
state = st.session_state


def set_learning_rate(value: float) -> None:
    state.gd_eta = float(value)


def set_momentum(eta: float, beta: float) -> None:
    state.gd_method, state.gd_eta, state.gd_beta = "heavy-ball momentum", eta, beta
    rerun_page()  # the method and β are in the sidebar


def on_click() -> None:
    """A click on the contours moves the start exactly there; the view stays where it is."""
    point = clicked_point("gd_click")
    if point is not None:
        state.gd_w1, state.gd_w2 = (float(np.clip(v, -1e6, 1e6)) for v in point)


def reset_view() -> None:
    state.pop("gd_view", None)


def rows_for(
    A: np.ndarray, rate: float, start: np.ndarray, tolerance: float, rotated: bool
) -> list:
    """The per-direction table for one learning rate."""
    _, vectors = optim.eigen(A)
    coordinates = vectors.T @ start
    rows = []
    for index, axis in enumerate(optim.stability(A, rate)):
        steps_needed = axis.steps_to(tolerance, coordinates[index])
        rows.append(
            {
                "η": format_number(rate),
                "direction": f"eigen-direction {index + 1}" if rotated else ("w1", "w2")[index],
                "λ": axis.curvature,
                "factor 1-ηλ": round(axis.factor, 6),
                "2/λ": round(axis.threshold, 6),
                "verdict": axis.verdict,
                f"steps to |·| < {tolerance:g}": "never"
                if steps_needed is None
                else str(steps_needed),
            }
        )
    return rows


page = page_setup("Gradient descent", ":material/trending_down:", SETTINGS)
with st.sidebar:
    st.subheader("The quadratic")
    SETTINGS.select_slider("a (curvature along w1)", CURVATURES, "gd_a")
    SETTINGS.select_slider("b (curvature along w2)", CURVATURES, "gd_b")
    SETTINGS.slider("Rotation angle (degrees)", -90, 90, "gd_angle")
    st.subheader("The method")
    SETTINGS.radio("Method", list(METHODS), "gd_method")
    if state.gd_method != "plain gradient descent":
        SETTINGS.slider("β (momentum)", 0.0, 0.99, "gd_beta", step=0.01)
    SETTINGS.slider("Steps", 1, 500, "gd_steps")
    SETTINGS.toggle("Compare three learning rates (0.5η*, η*, 0.99·2/λmax)", "gd_compare")
    SETTINGS.select_slider(
        "Tolerance for 'steps to converge'",
        TOLERANCES,
        "gd_tolerance",
        format_func=lambda v: f"{v:g}",
    )


def body(page: Page) -> None:
    """Everything under the title: its controls rerun only this (the sidebar reruns the page)."""
    figure_slot = page.figure_area()
    st.markdown(
        "L(w) = ½ wᵀAw with A = R diag(a, b) Rᵀ: for angle 0 it is the homework's "
        "L = ½(a·w1² + b·w2²), gradient **(a·w1, b·w2)** (a vector), minimum at **(0, 0)** "
        "with L = 0. Each step multiplies the coordinate along each eigen-direction by **1 − η·λ**."
    )
    A = optim.quadratic(state.gd_a, state.gd_b, state.gd_angle)
    eta_star = optim.optimal_learning_rate(A)
    eta_max = optim.largest_stable_learning_rate(A)
    momentum_eta, momentum_beta = optim.optimal_momentum(A)

    rates = sorted(
        BASE_RATES
        | {SETTINGS["gd_eta"], SETTINGS.value("gd_eta"), eta_star, 0.99 * eta_max, momentum_eta}
    )
    rate_col, start_col = st.columns([3, 1])
    with rate_col:
        SETTINGS.select_slider(
            "Learning rate η (log scale)", rates, "gd_eta", format_func=lambda v: f"{v:.4g}"
        )
        buttons = st.container(horizontal=True)
        buttons.button(
            f"Use η* = 2/(λmin+λmax) = {eta_star:.4g}",
            on_click=set_learning_rate,
            args=(eta_star,),
            key="gd_set_star",
        )
        buttons.button(
            f"Use 0.99 · 2/λmax = {0.99 * eta_max:.4g}",
            on_click=set_learning_rate,
            args=(0.99 * eta_max,),
            key="gd_set_edge",
        )
        buttons.button(
            "Use the best momentum",
            on_click=set_momentum,
            args=(momentum_eta, momentum_beta),
            key="gd_set_momentum",
            help=f"heavy ball with η = {momentum_eta:.4g}, β = {momentum_beta:.4g}",
        )
    with start_col:
        SETTINGS.number_input("start w1", -1e6, 1e6, "gd_w1", format="%.4g")
        SETTINGS.number_input("start w2", -1e6, 1e6, "gd_w2", format="%.4g")

    method = METHODS[state.gd_method]
    beta = SETTINGS.value("gd_beta") if method != "gd" else 0.0
    start = np.array([state.gd_w1, state.gd_w2])
    runs = [(f"η = {state.gd_eta:.4g}", state.gd_eta)]
    if state.gd_compare:
        runs = [
            (f"0.5η* = {0.5 * eta_star:.4g}", 0.5 * eta_star),
            (f"η* = {eta_star:.4g}", eta_star),
            (f"0.99·2/λmax = {0.99 * eta_max:.4g}", 0.99 * eta_max),
        ]
    paths = [
        LabelledPath(
            label, PATH_COLORS[i], optim.descent_path(A, start, rate, state.gd_steps, method, beta)
        )
        for i, (label, rate) in enumerate(runs)
    ]

    # --- the path (the key figure) beside the numbers, one row per plotted path -----------------
    figure_col, numbers_col = (
        (figure_slot, st.container()) if page.projector else st.columns([3, 2], gap="large")
    )
    if "gd_view" not in state:  # kept while the start moves: a click does not re-zoom
        state.gd_view = plot_radius(paths, start)
    view = follow_divergence(max(state.gd_view, float(np.abs(start).max()) * 1.05), paths)
    on_top = 1 if state.gd_compare else None  # the η* path above the other two
    # Full width in projector mode, else three fifths of the row less its 48 px gap (the legend's
    # rows depend on it).
    contour_width = page.sizes.width if page.projector else (page.sizes.width - 48) * 0.6
    with figure_col:
        st.plotly_chart(
            PrebuiltFigure(
                contour_figure(A, paths, view, on_top=on_top, sizes=page.sizes, width=contour_width)
            ),
            key="gd_plot",
            config={"displayModeBar": False},
        )
        player("gd_plot", unit="iteration")
        plot_clicks("gd_plot", "gd_click", on_click)
        st.button("Reset the view", on_click=reset_view, key="gd_reset_view")
    with numbers_col:
        kappa = optim.condition_number(A)
        metrics = st.columns(2)
        metrics[0].metric("κ = λmax/λmin", format_number(kappa))
        metrics[1].metric("η* = 2/(λmin+λmax)", format_number(eta_star))
        metrics[0].metric(
            "η limit = 2/λmax",  # "largest stable η = 2/λmax" was cut short at 1280 px
            format_number(eta_max),
            help="The largest stable learning rate: above it the steepest direction's factor "
            "|1 − η·λmax| exceeds 1 and the path diverges.",
        )
        summary = []
        for path, (_, rate) in zip(paths, runs, strict=True):
            measured = None if path.points.diverged else optim.measured_rate(path.points)
            reached = optim.steps_to_tolerance(path.points, state.gd_tolerance)
            summary.append(
                {
                    "path": path.label,
                    "predicted rate": format_number(optim.predicted_rate(A, rate, method, beta)),
                    "measured rate": "diverged"
                    if path.points.diverged
                    else ("n/a" if measured is None else format_number(measured)),
                    # "over 50": not within the steps run ("not reached" was cut as a metric value;
                    # "> 50" is a quote in markdown, which st.table renders)
                    f"steps to |w| < {state.gd_tolerance:g}": f"over {len(path.points) - 1}"
                    if reached is None
                    else str(reached),
                }
            )
            if path.points.diverged:
                st.warning(f"{path.label}: {path.points.message}.")
        steps_label = f"steps to |w| < {state.gd_tolerance:g}"
        if len(paths) == 1:  # one path: its numbers as metrics (a table was cut at 1024 px)
            metrics[1].metric("predicted rate", summary[0]["predicted rate"])
            metrics[0].metric("measured rate", summary[0]["measured rate"])
            metrics[1].metric(
                steps_label,
                summary[0][steps_label],
                help="Iterations until |w| ≤ the tolerance (set in the sidebar) for the first "
                "time; over N: not within the N steps run.",
            )
        rotated = state.gd_angle != 0
        rows = [
            row for _, rate in runs for row in rows_for(A, rate, start, state.gd_tolerance, rotated)
        ]
        if method == "gd" and len(runs) == 1:
            for row in rows:
                st.markdown(
                    f"**{row['direction']}** (λ = {format_number(row['λ'])}): factor 1 − η·λ = "
                    f"{format_number(row['factor 1-ηλ'])} → **{row['verdict']}**."
                )
        rate_text = f"(κ−1)/(κ+1) = {format_number((kappa - 1) / (kappa + 1))} at η*"
        if method != "gd":
            best = (kappa**0.5 - 1) / (kappa**0.5 + 1)
            rate_text = (
                f"best heavy ball (√κ−1)/(√κ+1) = {format_number(best)} at η = "
                f"{format_number(momentum_eta)}, β = {format_number(momentum_beta)}"
            )
        st.caption(
            f"Predicted rate is the spectral radius of the iteration ({rate_text}); the measured "
            "rate is (|w_T|/|w_k|)^(1/(T−k)) over the last half of the path, n/a once a path "
            "reaches exactly 0."
        )

    # Full width: the three paths' table did not fit the numbers' column at 1024 px, nor the
    # per-direction table's seven columns at 1280 px (seen in Chromium).
    if len(paths) > 1:
        st.table(pd.DataFrame(summary).set_index("path"))
    st.table(pd.DataFrame(rows).set_index("η"))
    st.caption(
        "Play or scrub the path in your browser; click anywhere on the contours to start "
        "from there."
    )
    left, right = st.columns(2)
    left.plotly_chart(PrebuiltFigure(curves_figure(A, paths, page.sizes)), key="gd_curves")
    right.plotly_chart(
        PrebuiltFigure(stability_figure(A, state.gd_eta, page.sizes)), key="gd_stability"
    )


page_body(page, body, "gd_body")
