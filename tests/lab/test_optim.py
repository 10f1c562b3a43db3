"""lab.optim: the homework's closed forms, the stability boundary, rates and divergence."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from lab import optim
from tests.hostile import attack, must_refuse, outcome


@pytest.mark.parametrize(
    "a, b, eta", [(1, 2, 0.9), (1, 2, 0.5), (0.1, 10, 0.15), (3, 3, 1 / 3), (1, 100, 0.0199)]
)
def test_axis_aligned_path_is_the_closed_form(a, b, eta) -> None:
    w0 = np.array([1.5, -2.0])
    path = optim.descent_path(optim.quadratic(a, b), w0, eta, 60)
    t = np.arange(61)[:, None]
    expected = (1 - eta * np.array([a, b])) ** t * w0
    np.testing.assert_allclose(path, expected, rtol=1e-10, atol=1e-300)
    assert path.shape == (61, 2) and not path.diverged


@pytest.mark.parametrize("a, b", [(1, 2), (0.5, 4), (10, 1), (3, 3)])
def test_the_verdict_flips_exactly_at_two_over_lambda_max(a, b) -> None:
    A = optim.quadratic(a, b)
    boundary = optim.largest_stable_learning_rate(A)
    assert boundary == pytest.approx(2 / max(a, b), rel=1e-12)
    below, above = boundary * (1 - 1e-6), boundary * (1 + 1e-6)
    assert all("converges" in axis.verdict for axis in optim.stability(A, below))
    assert any(axis.verdict.startswith("diverges") for axis in optim.stability(A, above))
    steep = max(optim.stability(A, boundary), key=lambda axis: axis.curvature)
    assert steep.factor == pytest.approx(-1) and "stuck oscillating" in optim.verdict(-1.0)
    assert not optim.descent_path(A, [1.0, 1.0], boundary * 0.99, 3000).diverged
    path = optim.descent_path(
        A, [1.0, 1.0], boundary * 1.01, 3000
    )  # |factor| = 1.02: 1e12 in ~1400
    assert path.diverged and "would take |w| beyond" in path.message


@pytest.mark.parametrize(
    "factor, words",
    [
        (0.5, "converges monotonically"),  # 0 < eta lambda < 1
        (-0.5, "converges while oscillating"),  # 1 < eta lambda < 2
        (0.0, "one step"),  # eta lambda = 1
        (1.0, "stuck"),  # eta = 0
        (-1.0, "flips sign forever"),  # eta lambda = 2
        (-1.5, "diverges, oscillating"),  # eta lambda > 2
    ],
)
def test_verdicts(factor, words) -> None:
    assert words in optim.verdict(factor)


def test_homework_example_a1_b2() -> None:
    A = optim.quadratic(1, 2)
    assert [axis.verdict for axis in optim.stability(A, 0.9)] == [
        "converges monotonically",
        "converges while oscillating in sign",
    ]
    assert (
        optim.stability(A, 1.1)[0].verdict == "converges while oscillating in sign"
    )  # 1 - 1.1 = -0.1
    assert optim.stability(A, 1.1)[1].verdict == "diverges, oscillating in sign"
    assert optim.optimal_learning_rate(A) == pytest.approx(2 / 3)
    assert optim.condition_number(A) == 2


@pytest.mark.parametrize("a, b", [(1, 2), (1, 10), (0.3, 30)])
def test_measured_rate_matches_the_predicted_rate(a, b) -> None:
    A = optim.quadratic(a, b)
    for eta in (
        optim.optimal_learning_rate(A),
        0.5 * optim.optimal_learning_rate(A),
        0.95 * optim.largest_stable_learning_rate(A),
    ):
        path = optim.descent_path(A, [1.0, 1.0], eta, 400)
        assert optim.measured_rate(path) == pytest.approx(optim.predicted_rate(A, eta), rel=1e-3)
    kappa = optim.condition_number(A)
    assert optim.predicted_rate(A, optim.optimal_learning_rate(A)) == pytest.approx(
        (kappa - 1) / (kappa + 1)
    )


@pytest.mark.parametrize("angle", [0, 30, 45, 90, 137])
def test_rotated_quadratics_behave_as_their_eigenvalues(angle) -> None:
    A = optim.quadratic(1, 8, angle)
    np.testing.assert_allclose(sorted(np.linalg.eigvalsh(A)), [1, 8])
    _, vectors = optim.eigen(A)
    w0 = vectors @ np.array([2.0, -1.0])  # 2 along the first eigenvector, -1 along the second
    eta = 0.2
    path = optim.descent_path(A, w0, eta, 40)
    coordinates = path @ vectors  # back in the eigenbasis
    values, _ = optim.eigen(A)
    expected = (1 - eta * values) ** np.arange(41)[:, None] * np.array([2.0, -1.0])
    np.testing.assert_allclose(coordinates, expected, atol=1e-12)
    assert optim.largest_stable_learning_rate(A) == pytest.approx(2 / 8)


def test_momentum_at_its_optimum_beats_the_best_plain_gd() -> None:
    A = optim.quadratic(1, 100)
    kappa = 100
    eta, beta = optim.optimal_momentum(A)
    assert optim.predicted_rate(A, eta, "momentum", beta) == pytest.approx(
        (math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1), rel=1e-6
    )
    gd = optim.descent_path(A, [1.0, 1.0], optim.optimal_learning_rate(A), 2000)
    heavy = optim.descent_path(A, [1.0, 1.0], eta, 2000, "momentum", beta)
    assert optim.steps_to_tolerance(heavy, 1e-6) < optim.steps_to_tolerance(gd, 1e-6) / 3
    assert np.linalg.norm(heavy[-1]) < np.linalg.norm(gd[-1])
    nesterov = optim.descent_path(
        A, [1.0, 1.0], 1 / 100, 300, "nesterov", (math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)
    )
    assert optim.measured_rate(nesterov) == pytest.approx(
        optim.predicted_rate(
            A, 1 / 100, "nesterov", (math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)
        ),
        rel=2e-2,
    )


def test_divergence_gives_a_finite_truncated_path_and_no_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = optim.descent_path(optim.quadratic(1, 2), [1.0, 1.0], 1.1, 200)
    assert path.diverged and np.all(np.isfinite(path))
    assert len(path) < 201
    assert path.message == (
        f"diverged: step {len(path)} would take |w| beyond 1e+12, so the path stops at step "
        f"{len(path) - 1}"  # the path's last row is that step: the animation ends there too
    )
    assert np.abs(path).max() <= optim.DIVERGENCE_LIMIT


def test_steps_to_tolerance_per_axis_and_on_the_path() -> None:
    axis = optim.stability(optim.quadratic(1, 2), 0.5)[0]  # factor 0.5
    assert axis.steps_to(1e-3, 1.0) == 10  # 0.5^10 < 1e-3 <= 0.5^9
    assert optim.stability(optim.quadratic(1, 2), 2.5)[0].steps_to(1e-3, 1.0) is None
    path = optim.descent_path(optim.quadratic(1, 1), [1.0, 0.0], 0.5, 30)
    assert optim.steps_to_tolerance(path, 1e-3) == 10


@pytest.mark.parametrize(
    "call",
    [
        lambda: optim.quadratic(0, 1),  # zero curvature
        lambda: optim.quadratic(1, -2),  # negative curvature
        lambda: optim.descent_path(optim.quadratic(1, 2), [1, 1], 0.0, 10),  # eta = 0
        lambda: optim.descent_path(optim.quadratic(1, 2), [1, 1], float("nan"), 10),  # eta NaN
        lambda: optim.descent_path(
            optim.quadratic(1, 2), [1, 1], 0.1, 10, "adam"
        ),  # unknown method
        lambda: optim.descent_path(
            optim.quadratic(1, 2), [1, 1], 0.1, 10, "momentum", 1.0
        ),  # beta = 1
    ],
)
def test_bad_settings_raise_optim_error(call) -> None:
    with pytest.raises(optim.OptimError):
        call()


# --- hostile values and the tolerance on factors -------------------------------------------------

A12 = optim.quadratic(1, 2)
EDGE_CASES = [
    (optim.quadratic, {"a": 1.0, "b": 10.0, "angle": 30.0}),
    (optim.loss, {"A": A12, "w": np.array([1.0, 2.0])}),
    (optim.check_matrix, {"A": A12}),
    (
        optim.descent_path,
        {"A": A12, "w0": np.array([1.0, 1.0]), "learning_rate": 0.5, "steps": 5, "beta": 0.3},
    ),
    (optim.eigen, {"A": A12}),
    (optim.verdict, {"factor": 0.5}),
    (optim.stability, {"A": A12, "learning_rate": 0.3}),
    (optim.largest_stable_learning_rate, {"A": A12}),
    (optim.optimal_learning_rate, {"A": A12}),
    (optim.condition_number, {"A": A12}),
    (optim.predicted_rate, {"A": A12, "learning_rate": 0.3, "method": "momentum", "beta": 0.5}),
    (optim.optimal_momentum, {"A": A12}),
    (optim.measured_rate, {"path": np.array([[1.0, 1.0], [0.5, 0.2], [0.25, 0.04]]), "tail": 0.5}),
    (optim.steps_to_tolerance, {"path": np.array([[1.0, 1.0], [0.5, 0.2]]), "tolerance": 0.1}),
]


@pytest.mark.parametrize("function, kwargs, variant", attack(EDGE_CASES))
def test_every_argument_refuses_hostile_values_with_an_optim_error(
    function, kwargs, variant
) -> None:
    result = outcome(lambda: function(**kwargs), optim.OptimError)
    if must_refuse(variant):
        assert result == "refused"


@pytest.mark.parametrize("a", [3.16, 0.464, 3.83, 1.0, 7.0, 0.01, 99.0])
def test_eta_star_with_equal_curvatures_converges_in_one_step(a) -> None:
    A = optim.quadratic(a, a)
    eta = optim.optimal_learning_rate(A)  # 2 / (a + a) = 1 / a, rounded
    assert [axis.verdict for axis in optim.stability(A, eta)] == [
        "converges in one step (eta = 1 / lambda)"
    ] * 2
    assert optim.predicted_rate(A, eta) == 0.0
    assert all(axis.factor == 0.0 for axis in optim.stability(A, eta))
    assert optim.stability(A, eta)[0].steps_to(1e-3, 5.0) == 1


def test_factors_just_outside_the_tolerance_keep_their_verdict() -> None:
    assert optim.verdict(1e-12 / 2) == "converges in one step (eta = 1 / lambda)"
    assert optim.verdict(2e-12) == "converges monotonically"
    assert optim.verdict(-2e-12) == "converges while oscillating in sign"
    assert optim.verdict(-1 - 1e-13).startswith("stuck oscillating")
    assert optim.verdict(-1 - 1e-11) == "diverges, oscillating in sign"


def test_measured_rate_is_na_once_the_path_reaches_zero_or_starts_there() -> None:
    A = optim.quadratic(1, 1)
    path = optim.descent_path(A, [1.0, 1.0], 0.9, 500)  # factor 0.1: underflows to exactly 0
    assert np.all(path[-1] == 0)
    assert optim.measured_rate(path) is None
    assert optim.measured_rate(optim.descent_path(A, [0.0, 0.0], 0.5, 20)) is None
    assert optim.measured_rate(optim.descent_path(A, [1.0, 1.0], 0.9, 100)) == pytest.approx(0.1)


def test_a_nan_matrix_is_refused_not_reported_as_divergence() -> None:
    with pytest.raises(optim.OptimError, match="finite"):
        optim.descent_path(np.array([[np.nan, 0], [0, 1]]), [1.0, 1.0], 0.1, 10)
    with pytest.raises(optim.OptimError, match="learning rate"):
        optim.predicted_rate(A12, math.nan)
    with pytest.raises(optim.OptimError, match="learning rate"):
        optim.predicted_rate(A12, -0.1)
    with pytest.raises(optim.OptimError, match="beta"):
        optim.predicted_rate(A12, 0.1, "momentum", 5)
