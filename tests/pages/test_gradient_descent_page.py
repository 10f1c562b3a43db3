"""The gradient-descent lab in AppTest: the homework's a = 1, b = 2 case and the controls."""

from __future__ import annotations

import pytest

from lab import optim
from tests.pages.conftest import assault, texts


def directions(app):
    """The per-direction table (the one with a 'direction' column)."""
    return next(t.value for t in app.table if "direction" in t.value.columns).reset_index()


def metric(app, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


def homework(run_page, eta: float):
    app = run_page("gradient_descent")
    app.select_slider(key="gd_a").set_value(1.0)
    app.select_slider(key="gd_b").set_value(2.0)
    app.run()
    app.select_slider(key="gd_eta").set_value(eta).run()
    assert not app.exception
    return app


def test_eta_0_9_converges_on_both_axes(run_page) -> None:
    shown = texts(homework(run_page, 0.9))
    assert "**w1** (λ = 1): factor 1 − η·λ = 0.1 → **converges monotonically**." in shown
    assert (
        "**w2** (λ = 2): factor 1 − η·λ = -0.8 → **converges while oscillating in sign**." in shown
    )


def test_eta_1_1_makes_the_b_axis_diverge(run_page) -> None:
    app = homework(run_page, 1.1)
    shown = texts(app)
    assert "**w2** (λ = 2): factor 1 − η·λ = -1.2 → **diverges, oscillating in sign**." in shown
    assert (
        "**w1** (λ = 1): factor 1 − η·λ = -0.1 → **converges while oscillating in sign**." in shown
    )
    assert metric(app, "η limit = 2/λmax") == "1"
    table = directions(app)
    assert table.loc[1, "steps to |·| < 0.001"] == "never"


def test_divergence_is_reported_not_plotted_as_nan(run_page) -> None:
    app = homework(run_page, 1.1)
    app.slider(key="gd_steps").set_value(500).run()
    warnings = " ".join(w.value for w in app.warning)
    path = optim.descent_path(optim.quadratic(1, 2), [-4, 3], 1.1, 500)
    assert f"the path stops at step {len(path) - 1}" in warnings
    assert metric(app, "measured rate") == "diverged"


def test_eta_star_button_and_rates(run_page) -> None:
    app = homework(run_page, 0.9)
    app.button(key="gd_set_star").click().run()
    assert app.session_state["gd_eta"] == pytest.approx(2 / 3)
    assert metric(app, "predicted rate") == "0.3333"
    assert float(metric(app, "measured rate")) == pytest.approx(1 / 3, rel=1e-3)
    # One path: its steps to the tolerance as a metric, no one-row table beside it.
    path = optim.descent_path(optim.quadratic(1, 2), [-4, 3], 2 / 3, app.session_state["gd_steps"])
    assert metric(app, "steps to |w| < 0.001") == str(optim.steps_to_tolerance(path, 0.001))
    assert len(app.table) == 1  # the per-direction table only


def test_best_momentum_button(run_page) -> None:
    app = run_page("gradient_descent")  # a = 1, b = 10
    app.button(key="gd_set_momentum").click().run()
    eta, beta = optim.optimal_momentum(optim.quadratic(1, 10))
    assert app.session_state["gd_method"] == "heavy-ball momentum"
    assert app.session_state["gd_eta"] == pytest.approx(eta) and app.session_state[
        "gd_beta"
    ] == pytest.approx(beta)
    kappa = 10
    assert float(metric(app, "predicted rate")) == pytest.approx(
        (kappa**0.5 - 1) / (kappa**0.5 + 1), abs=1e-4
    )


def test_compare_and_rotation(run_page) -> None:
    app = run_page("gradient_descent")
    app.toggle(key="gd_compare").set_value(True).run()
    app.slider(key="gd_angle").set_value(30).run()
    assert not app.exception
    assert "eigen-direction 1" in directions(app)["direction"].tolist()
    assert metric(app, "κ = λmax/λmin") == "10"


def test_compare_mode_describes_the_three_plotted_rates(run_page) -> None:
    app = run_page("gradient_descent")  # a = 1, b = 10; the slider's own eta is 0.15
    app.toggle(key="gd_compare").set_value(True).run()
    A = optim.quadratic(1, 10)
    star, edge = optim.optimal_learning_rate(A), optim.largest_stable_learning_rate(A)
    summary = app.table[0].value
    assert len(summary) == 3 and not any(m.label == "predicted rate" for m in app.metric)
    steps = summary["steps to |w| < 0.001"].tolist()
    fastest = optim.steps_to_tolerance(optim.descent_path(A, [-4, 3], star, 50), 0.001)
    assert steps[0] == "over 50" and steps[1] == str(fastest)  # 0.5η* is too slow for 50 steps
    for predicted, rate in zip(
        summary["predicted rate"], (0.5 * star, star, 0.99 * edge), strict=True
    ):
        assert float(predicted) == pytest.approx(optim.predicted_rate(A, rate), abs=1e-4)
    rates = set(directions(app)["η"])
    assert len(rates) == 3 and "0.15" not in rates


def test_hostile_values_in_every_input_give_messages_not_tracebacks(run_page) -> None:
    def healthy(app) -> bool:
        return any(m.label == "predicted rate" for m in app.metric)

    app = run_page("gradient_descent")
    for key in ("gd_w1", "gd_w2"):
        assault(app, "number_input", key, healthy)


@pytest.mark.parametrize("a", [3.16, 0.464, 3.83])
def test_eta_star_with_equal_curvatures_says_one_step(run_page, a) -> None:
    app = run_page("gradient_descent")
    app.select_slider(key="gd_a").set_value(a)
    app.select_slider(key="gd_b").set_value(a)
    app.run()
    app.button(key="gd_set_star").click().run()
    shown = texts(app)
    assert shown.count("→ **converges in one step (eta = 1 / lambda)**") == 2
    assert metric(app, "predicted rate") == "0"


def test_a_start_at_the_minimum_has_no_measured_rate(run_page) -> None:
    app = run_page("gradient_descent")
    app.number_input(key="gd_w1").set_value(0.0)
    app.number_input(key="gd_w2").set_value(0.0)
    app.run()
    assert metric(app, "measured rate") == "n/a"


def test_a_path_that_underflows_to_zero_has_no_measured_rate(run_page) -> None:
    app = run_page("gradient_descent")
    app.select_slider(key="gd_a").set_value(1.0)
    app.select_slider(key="gd_b").set_value(1.0)
    app.slider(key="gd_steps").set_value(500)
    app.run()
    app.select_slider(key="gd_eta").set_value(0.9).run()
    assert metric(app, "predicted rate") == "0.1"
    assert metric(app, "measured rate") == "n/a"
