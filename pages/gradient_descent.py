"""Gradient descent lab: why a learning rate converges, oscillates or explodes on a quadratic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from lab import optim as O
from lab.format import format_number
from lab.viz.optim import PATH_COLORS, LabelledPath, contour_figure, curves_figure, stability_figure
from lab.viz.stepper import PrebuiltFigure
from ui.common import init_state, page_setup

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

page_setup("Gradient descent on a quadratic", ":material/trending_down:")
init_state(
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
A = O.quadratic(state.gd_a, state.gd_b, state.gd_angle)
eta_star = O.optimal_learning_rate(A)
eta_max = O.largest_stable_learning_rate(A)
momentum_eta, momentum_beta = O.optimal_momentum(A)


def set_learning_rate(value: float) -> None:
    state.gd_eta = float(value)


def set_momentum() -> None:
    state.gd_method, state.gd_eta, state.gd_beta = (
        "heavy-ball momentum",
        momentum_eta,
        momentum_beta,
    )


def on_click() -> None:
    points = state.gd_plot.selection.points if state.get("gd_plot") else []
    if points:
        state.gd_w1, state.gd_w2 = float(points[0]["x"]), float(points[0]["y"])


st.markdown(
    "L(w) = ½ wᵀAw with A = R diag(a, b) Rᵀ: for angle 0 it is the homework's "
    "L = ½(a·w1² + b·w2²), gradient **(a·w1, b·w2)** (a vector), minimum at **(0, 0)** with L = 0. "
    "Each step multiplies the coordinate along each eigen-direction by **1 − η·λ**."
)
with st.sidebar:
    st.subheader("The quadratic")
    st.select_slider("a (curvature along w1)", CURVATURES, key="gd_a")
    st.select_slider("b (curvature along w2)", CURVATURES, key="gd_b")
    st.slider("Rotation angle (degrees)", -90, 90, key="gd_angle")
    st.subheader("The method")
    st.radio("Method", list(METHODS), key="gd_method")
    if state.gd_method != "plain gradient descent":
        st.slider("β (momentum)", 0.0, 0.99, key="gd_beta", step=0.01)
    st.slider("Steps", 1, 500, key="gd_steps")
    st.toggle("Compare three learning rates (0.5η*, η*, 0.99·2/λmax)", key="gd_compare")
    st.select_slider(
        "Tolerance for 'steps to converge'",
        TOLERANCES,
        key="gd_tolerance",
        format_func=lambda v: f"{v:g}",
    )

rates = sorted(BASE_RATES | {state.gd_eta, eta_star, 0.99 * eta_max, momentum_eta})
controls = st.columns([3, 1, 1, 1, 1])
controls[0].select_slider(
    "Learning rate η (log scale)", rates, key="gd_eta", format_func=lambda v: f"{v:.4g}"
)
controls[1].button(
    "η* = 2/(λmin+λmax)", on_click=set_learning_rate, args=(eta_star,), key="gd_set_star"
)
controls[2].button(
    "0.99 · 2/λmax", on_click=set_learning_rate, args=(0.99 * eta_max,), key="gd_set_edge"
)
controls[3].button("Best momentum", on_click=set_momentum, key="gd_set_momentum")
start_col = controls[4]
start_col.number_input("start w1", -1e6, 1e6, key="gd_w1", format="%.4g")
start_col.number_input("start w2", -1e6, 1e6, key="gd_w2", format="%.4g")

method = METHODS[state.gd_method]
beta = state.gd_beta if method != "gd" else 0.0
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
        label, PATH_COLORS[i], O.descent_path(A, start, rate, state.gd_steps, method, beta)
    )
    for i, (label, rate) in enumerate(runs)
]

# --- the numbers --------------------------------------------------------------------------------
own = (
    paths[0].points
    if not state.gd_compare
    else O.descent_path(A, start, state.gd_eta, state.gd_steps, method, beta)
)
kappa = O.condition_number(A)
predicted = O.predicted_rate(A, state.gd_eta, method, beta)
measured = O.measured_rate(own) if not own.diverged else None
metrics = st.columns(5)
metrics[0].metric("κ = λmax/λmin", format_number(kappa))
metrics[1].metric("η* = 2/(λmin+λmax)", format_number(eta_star))
metrics[2].metric("largest stable η = 2/λmax", format_number(eta_max))
metrics[3].metric("predicted rate", format_number(predicted))
metrics[4].metric(
    "measured rate",
    "diverged"
    if paths[0].points.diverged
    else format_number(measured)
    if measured is not None
    else "n/a",
)
for path in paths:
    if path.points.diverged:
        st.warning(
            f"{path.label}: {path.points.message}. The path stops there; the plots show it up to that step."
        )

_, vectors = O.eigen(A)
start_coordinates = vectors.T @ start
rows = []
for index, axis in enumerate(O.stability(A, state.gd_eta)):
    steps_needed = axis.steps_to(state.gd_tolerance, start_coordinates[index])
    name = ("w1", "w2")[index] if state.gd_angle == 0 else f"eigen-direction {index + 1}"
    rows.append(
        {
            "direction": name,
            "λ": axis.curvature,
            "factor 1-ηλ": round(axis.factor, 6),
            "|factor|": round(abs(axis.factor), 6),
            "2/λ": round(axis.threshold, 6),
            "verdict": axis.verdict,
            f"steps to |·| < {state.gd_tolerance:g}": "never"
            if steps_needed is None
            else str(steps_needed),
        }
    )
    if method == "gd":
        st.markdown(
            f"**{name}** (λ = {format_number(axis.curvature)}): factor 1 − η·λ = "
            f"{format_number(axis.factor)} → **{axis.verdict}**."
        )
st.dataframe(pd.DataFrame(rows), hide_index=True)
reached = O.steps_to_tolerance(own, state.gd_tolerance)
rate_text = f"(κ−1)/(κ+1) = {format_number((kappa - 1) / (kappa + 1))} at η*"
if method != "gd":
    rate_text = f"best heavy ball (√κ−1)/(√κ+1) = {format_number((kappa**0.5 - 1) / (kappa**0.5 + 1))} at η = {format_number(momentum_eta)}, β = {format_number(momentum_beta)}"
st.caption(
    f"Predicted rate is the spectral radius of the iteration ({rate_text}); the measured rate is "
    f"(|w_T|/|w_k|)^(1/(T−k)) over the last half of the path. |w| < {state.gd_tolerance:g} "
    + (
        f"after {reached} steps."
        if reached is not None
        else f"not reached in {state.gd_steps} steps."
    )
)

# --- the pictures -------------------------------------------------------------------------------
st.plotly_chart(
    PrebuiltFigure(contour_figure(A, paths, start)),
    key="gd_plot",
    on_select=on_click,
    selection_mode="points",
    config={"displayModeBar": False},
)
st.caption(
    "Play or scrub the path in your browser; click anywhere on the contours to start from there."
)
left, right = st.columns(2)
left.plotly_chart(PrebuiltFigure(curves_figure(A, paths)), key="gd_curves")
right.plotly_chart(PrebuiltFigure(stability_figure(A, state.gd_eta)), key="gd_stability")
