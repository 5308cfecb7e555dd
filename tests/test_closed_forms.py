import numpy as np
import pytest
from scipy.optimize import minimize

from shrink.closed_forms import constrained_optimum, l1_solution, l2_solution, quadratic_loss


def test_l1_closed_form_on_hand_worked_values():
    # threshold α/h = 0.5/[1, 2, 0.5] = [0.5, 0.25, 1.0]
    np.testing.assert_allclose(l1_solution([2.0, -0.2, 1.5], [1.0, 2.0, 0.5], 0.5), [1.5, 0.0, 0.5])


def test_l2_closed_form_on_hand_worked_values():
    np.testing.assert_allclose(l2_solution([2.0, -1.0], [1.0, 3.0], 1.0), [1.0, -0.75])  # w*·h/(h + α)


@pytest.mark.parametrize("seed", range(5))
def test_closed_forms_match_numerical_minimisation(seed):
    rng = np.random.default_rng(seed)
    w_star, h, alpha = rng.normal(size=6), rng.uniform(0.2, 3.0, size=6), 0.7

    def smooth(w):
        return 0.5 * np.sum(h * (w - w_star) ** 2)

    l2 = minimize(lambda w: smooth(w) + 0.5 * alpha * np.sum(w**2), np.zeros(6), method="BFGS", options={"gtol": 1e-12})
    np.testing.assert_allclose(l2_solution(w_star, h, alpha), l2.x, atol=1e-7)
    # L1 as a smooth problem: w = p − q with p, q ≥ 0 and ‖w‖₁ = Σ(p + q) at the optimum
    l1 = minimize(lambda z: smooth(z[:6] - z[6:]) + alpha * np.sum(z), np.full(12, 0.1), method="L-BFGS-B",
                  bounds=[(0, None)] * 12, options={"ftol": 1e-15, "gtol": 1e-12})
    expected = l1_solution(w_star, h, alpha)
    np.testing.assert_allclose(expected, l1.x[:6] - l1.x[6:], atol=1e-6)
    assert np.any(expected == 0)  # some coordinates are exactly zero: sparsity


def test_bad_arguments():
    with pytest.raises(ValueError, match="alpha must be >= 0"):
        l1_solution([1.0], [1.0], -1)
    with pytest.raises(ValueError, match="Hessian diagonal"):
        l2_solution([1.0], [0.0], 1)


@pytest.mark.parametrize("norm", ["l1", "l2"])
def test_constrained_optimum_matches_slsqp(norm):
    w_star, H = np.array([1.6, 0.55]), np.array([[1.0, 0.35], [0.35, 0.6]])
    ours = constrained_optimum(w_star, H, norm, 1.0)
    if norm == "l2":
        constraints = [{"type": "ineq", "fun": lambda w: 1.0 - w @ w}]
    else:  # the diamond is the intersection of four half-planes ±w₁ ± w₂ ≤ 1
        constraints = [{"type": "ineq", "fun": lambda w, s=s: 1.0 - s @ w}
                       for s in np.array([[1, 1], [1, -1], [-1, 1], [-1, -1]])]
    theirs = minimize(lambda w: quadratic_loss(w, w_star, H), np.zeros(2), method="SLSQP",
                      constraints=constraints, options={"ftol": 1e-14}).x
    np.testing.assert_allclose(ours, theirs, atol=1e-5)
    if norm == "l1":
        assert abs(ours[1]) < 1e-6  # the corner: one coordinate exactly zero


def test_constrained_optimum_inside_the_ball_is_the_unconstrained_one():
    np.testing.assert_array_equal(constrained_optimum([0.2, 0.1], np.eye(2), "l1", 1.0), [0.2, 0.1])
