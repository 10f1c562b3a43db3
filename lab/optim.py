"""Gradient descent on the quadratic L(w) = 0.5 w^T A w, and the theory that predicts it.

For the homework's L(w1, w2) = 0.5 (a w1^2 + b w2^2), A = diag(a, b): the gradient is (a w1, b w2)
(a vector, not the scalar a w1 + b w2), the minimum is w = (0, 0) with L = 0, and plain gradient
descent multiplies each coordinate by (1 - eta a_i) per step. A rotated quadratic behaves the same
along the eigenvectors of A.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lab import checks

METHODS = ("gd", "momentum", "nesterov")
DIVERGENCE_LIMIT = 1e12
"""A path stops when |w| exceeds this: the iterates have clearly left (and floats would overflow)."""
CURVATURE_RANGE = (1e-6, 1e6)
"""Curvatures a, b (eigenvalues of A) accepted."""
MAX_LEARNING_RATE = 1e6
MAX_STEPS = 100_000
FACTOR_TOLERANCE = 1e-12
"""Factors 1 - eta lambda within 1e-12 of 0 or +-1 are treated as exactly 0 or +-1: eta and lambda
are rounded floats, so eta* = 1/lambda gives 1 - eta lambda = +-1e-16, not 0."""


class OptimError(ValueError):
    """Settings that describe no valid problem (a non-positive curvature, say)."""


def quadratic(a: float, b: float, angle: float = 0.0) -> np.ndarray:
    """A = R diag(a, b) R^T, R the rotation by `angle` degrees.

    Args:
        a, b: curvatures within CURVATURE_RANGE; angle: degrees, -360 to 360.

    Returns:
        np.ndarray[2, 2], symmetric positive definite.

    Raises:
        OptimError: a curvature or angle out of range, NaN or infinite.
    """
    low, high = CURVATURE_RANGE
    a = checks.number(a, "a", OptimError, low=low, high=high)
    b = checks.number(b, "b", OptimError, low=low, high=high)
    angle = checks.number(angle, "the angle", OptimError, low=-360, high=360)
    theta = math.radians(angle)
    rotation = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    return rotation @ np.diag([float(a), float(b)]) @ rotation.T


def loss(A: np.ndarray, w: np.ndarray) -> np.ndarray:
    """0.5 w^T A w for w [..., 2] -> [...]. Finite for |w| <= DIVERGENCE_LIMIT."""
    A = check_matrix(A)
    w = checks.array(w, "w", OptimError, limit=DIVERGENCE_LIMIT)
    if w.shape[-1:] != (2,):
        raise OptimError(f"w must have 2 coordinates in its last axis, got shape {list(w.shape)}")
    return 0.5 * np.einsum("...i,ij,...j->...", w, A, w)


def check_matrix(A: np.ndarray) -> np.ndarray:
    """A as float64 [2, 2]: finite, symmetric, eigenvalues within CURVATURE_RANGE.

    Raises:
        OptimError: otherwise, saying what is wrong.
    """
    A = checks.array(A, "A", OptimError, ndim=2)
    if A.shape != (2, 2):
        raise OptimError(f"A must be a 2 x 2 matrix, got shape {list(A.shape)}")
    if abs(A[0, 1] - A[1, 0]) > 1e-12 * max(1.0, float(np.abs(A).max())):
        raise OptimError("A must be symmetric")
    values = np.linalg.eigvalsh(A)
    low, high = CURVATURE_RANGE
    if values.min() < low * (1 - 1e-9) or values.max() > high * (1 + 1e-9):
        raise OptimError(
            f"A's eigenvalues (curvatures) must lie from {low:g} to {high:g}; got "
            f"{values[0]:.4g} and {values[1]:.4g}"
        )
    return A


def _check_path(path: np.ndarray) -> np.ndarray:
    """A path of iterates [T, 2], T >= 1, finite."""
    points = checks.array(path, "the path", OptimError, ndim=2)
    if points.shape[0] < 1 or points.shape[1] != 2:
        raise OptimError(f"a path is [T, 2] with T >= 1, got shape {list(points.shape)}")
    return points


def _check_rate(learning_rate: float) -> float:
    return checks.number(
        learning_rate, "the learning rate", OptimError, low=0, low_open=True, high=MAX_LEARNING_RATE
    )


def _check_beta(beta: float) -> float:
    beta = checks.number(beta, "beta", OptimError, low=0, high=1)
    if beta >= 1:
        raise OptimError(f"beta must be from 0 to below 1, got {beta:g}")
    return beta


def _check_method(method: str) -> str:
    if method not in METHODS:
        raise OptimError(f"method must be one of {METHODS}, got {checks.show(method)}")
    return method


class Trajectory(np.ndarray):
    """The iterates w_0 .. w_k as np.ndarray[k + 1, 2], with `diverged` and `message` attributes."""

    diverged: bool
    message: str

    def __new__(cls, points: np.ndarray, diverged: bool, message: str) -> Trajectory:
        obj = np.asarray(points, dtype=np.float64).view(cls)
        obj.diverged, obj.message = diverged, message
        return obj

    def __array_finalize__(self, obj) -> None:
        self.diverged = getattr(obj, "diverged", False)
        self.message = getattr(obj, "message", "")


def descent_path(
    A: np.ndarray,
    w0: np.ndarray,
    learning_rate: float,
    steps: int,
    method: str = "gd",
    beta: float = 0.0,
) -> Trajectory:
    """Iterate a first-order method on L(w) = 0.5 w^T A w.

    gd:        w <- w - eta A w
    momentum:  v <- beta v - eta A w;            w <- w + v   (heavy ball)
    nesterov:  v <- beta v - eta A (w + beta v); w <- w + v

    Args:
        A: np.ndarray[2, 2] symmetric positive definite (see `check_matrix`); w0: np.ndarray[2]
            start within +-DIVERGENCE_LIMIT.
        learning_rate: 0 < eta <= MAX_LEARNING_RATE; steps: 0..MAX_STEPS; beta: momentum in [0, 1).

    Returns:
        A `Trajectory` [steps + 1, 2]; shorter when |w| would exceed DIVERGENCE_LIMIT, in which case
        `diverged` is True and `message` names the last step drawn (the path's last row). All
        values are finite.

    Raises:
        OptimError: any argument out of range, NaN or infinite.
    """
    A = check_matrix(A)
    w = checks.array(w0, "the start point", OptimError, limit=DIVERGENCE_LIMIT).ravel()
    if w.shape != (2,):
        raise OptimError(f"the start point must be two numbers (w1, w2), got {w.size}")
    _check_method(method)
    learning_rate = _check_rate(learning_rate)
    beta = _check_beta(beta)
    steps = checks.number(steps, "steps", OptimError, low=0, high=MAX_STEPS, whole=True)
    velocity = np.zeros(2)
    points = [w.copy()]
    for step in range(1, int(steps) + 1):
        if method == "gd":
            w = w - learning_rate * (A @ w)
        elif method == "momentum":
            velocity = beta * velocity - learning_rate * (A @ w)
            w = w + velocity
        else:
            velocity = beta * velocity - learning_rate * (A @ (w + beta * velocity))
            w = w + velocity
        if not np.all(np.isfinite(w)) or np.abs(w).max() > DIVERGENCE_LIMIT:
            message = (
                f"diverged: step {step} would take |w| beyond {DIVERGENCE_LIMIT:.0e}, so the "
                f"path stops at step {step - 1}"
            )
            return Trajectory(np.array(points), True, message)
        points.append(w.copy())
    return Trajectory(np.array(points), False, "")


def eigen(A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues [2] and unit eigenvectors (columns) [2, 2] of A, the one closest to the w1 axis
    first (so an axis-aligned diag(a, b) gives (a, b) in that order)."""
    values, vectors = np.linalg.eigh(check_matrix(A))
    order = np.argsort(-np.abs(vectors[0]), kind="stable")
    return values[order], vectors[:, order]


@dataclass(frozen=True)
class AxisStability:
    """How plain gradient descent treats one eigen-direction of A.

    Attributes:
        curvature: the eigenvalue lambda (a or b when A is axis-aligned).
        factor: 1 - eta lambda, what each step multiplies this coordinate by.
        threshold: 2 / lambda, the largest stable learning rate for this direction.
        verdict: in words.
    """

    curvature: float
    factor: float
    threshold: float
    verdict: str

    def steps_to(self, tolerance: float, start: float) -> int | None:
        """Steps until |coordinate| <= tolerance from |start|, or None if never.

        The factor is compared with 0 and 1 within FACTOR_TOLERANCE, as `verdict` does.
        """
        tolerance = checks.number(tolerance, "tolerance", OptimError, low=0, low_open=True)
        start = abs(checks.number(start, "the start coordinate", OptimError))
        if start <= tolerance:
            return 0
        size = abs(_snap(self.factor))
        if size == 0:
            return 1
        if size >= 1:
            return None
        return math.ceil(math.log(tolerance / start) / math.log(size) - 1e-12)


def _snap(factor: float) -> float:
    """`factor` with values within FACTOR_TOLERANCE of 0, 1 or -1 replaced by them."""
    for exact in (0.0, 1.0, -1.0):
        if abs(factor - exact) <= FACTOR_TOLERANCE:
            return exact
    return factor


def verdict(factor: float) -> str:
    """The fate of a coordinate multiplied by `factor` every step.

    Factors within FACTOR_TOLERANCE of 0 or +-1 count as exactly that (rounding of eta * lambda).
    """
    factor = _snap(checks.number(factor, "the factor", OptimError))
    size = abs(factor)
    if factor == 0:
        return "converges in one step (eta = 1 / lambda)"
    if size < 1:
        return "converges monotonically" if factor > 0 else "converges while oscillating in sign"
    if factor == 1:
        return "stuck (factor 1: it never moves)"
    if factor == -1:
        return "stuck oscillating (factor -1: it flips sign forever, never shrinking)"
    return "diverges, oscillating in sign" if factor < 0 else "diverges"


def stability(A: np.ndarray, learning_rate: float) -> list[AxisStability]:
    """Per eigen-direction of A: the factor 1 - eta lambda (snapped to 0 or +-1 within
    FACTOR_TOLERANCE), the threshold 2 / lambda, a verdict."""
    values, _ = eigen(A)
    learning_rate = _check_rate(learning_rate)
    out = []
    for curvature in values:
        factor = _snap(1.0 - learning_rate * curvature)
        out.append(
            AxisStability(float(curvature), float(factor), 2.0 / float(curvature), verdict(factor))
        )
    return out


def largest_stable_learning_rate(A: np.ndarray) -> float:
    """2 / lambda_max: any larger eta makes the steepest direction diverge."""
    return 2.0 / float(eigen(A)[0].max())


def optimal_learning_rate(A: np.ndarray) -> float:
    """eta* = 2 / (lambda_min + lambda_max), the fixed step with the fastest worst-case rate."""
    values = eigen(A)[0]
    return 2.0 / float(values.min() + values.max())


def condition_number(A: np.ndarray) -> float:
    """kappa = lambda_max / lambda_min."""
    values = eigen(A)[0]
    return float(values.max() / values.min())


def predicted_rate(
    A: np.ndarray, learning_rate: float, method: str = "gd", beta: float = 0.0
) -> float:
    """The asymptotic rate at which |w_t| shrinks per step (the spectral radius of the iteration).

    For gd it is max |1 - eta lambda|; at eta* it equals (kappa - 1) / (kappa + 1). For momentum
    and Nesterov it is the largest root of each eigen-direction's 2 x 2 recurrence; at the optimal
    (eta, beta), heavy ball reaches (sqrt(kappa) - 1) / (sqrt(kappa) + 1). A rate within
    FACTOR_TOLERANCE of 0 is 0 (one step solves it).

    Raises:
        OptimError: a bad matrix, learning rate, method or beta.
    """
    _check_method(method)
    learning_rate = _check_rate(learning_rate)
    beta = _check_beta(beta)
    rate = 0.0
    for curvature in eigen(A)[0]:
        step = learning_rate * curvature
        if method == "gd":
            radius = abs(1 - step)
        else:
            # w_{t+1} = c1 w_t - c0 w_{t-1}: roots of z^2 - c1 z + c0.
            if method == "momentum":
                c1, c0 = 1 + beta - step, beta
            else:
                c1, c0 = (1 + beta) * (1 - step), beta * (1 - step)
            radius = float(np.max(np.abs(np.roots([1.0, -c1, c0]))))
        rate = max(rate, radius)
    return 0.0 if rate <= FACTOR_TOLERANCE else rate


def optimal_momentum(A: np.ndarray) -> tuple[float, float]:
    """Heavy-ball's best (eta, beta) on a quadratic: eta = 4 / (sqrt(L) + sqrt(mu))^2,
    beta = ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))^2."""
    values = eigen(A)[0]
    largest, smallest = math.sqrt(values.max()), math.sqrt(values.min())
    eta = 4.0 / (largest + smallest) ** 2
    beta = ((largest - smallest) / (largest + smallest)) ** 2
    return eta, beta


def measured_rate(path: np.ndarray, tail: float = 0.5) -> float | None:
    """The rate seen in the iterates: (|w_T| / |w_k|)^(1 / (T - k)) over the last `tail` of the path.

    Returns None ("n/a") when the path is too short, starts at the minimum, or reaches exactly 0
    within the window (after that there is nothing left to measure: 0 / 0).
    """
    points = _check_path(path)
    tail = checks.number(tail, "tail", OptimError, low=0, low_open=True, high=1)
    norms = np.hypot(points[:, 0], points[:, 1])  # no underflow of squares below 1e-154
    if len(norms) < 3:
        return None
    first = int(len(norms) * (1 - tail))
    first = min(first, len(norms) - 2)
    start, end = norms[first], norms[-1]
    if norms[0] == 0 or start == 0 or end == 0:
        return None
    return float((end / start) ** (1.0 / (len(norms) - 1 - first)))


def steps_to_tolerance(path: np.ndarray, tolerance: float) -> int | None:
    """First t with |w_t| <= tolerance, or None if the path never gets there."""
    points = _check_path(path)
    tolerance = checks.number(tolerance, "tolerance", OptimError, low=0)
    norms = np.hypot(points[:, 0], points[:, 1])  # no underflow of squares below 1e-154
    hits = np.flatnonzero(norms <= tolerance)
    return int(hits[0]) if hits.size else None
