import numpy as np
import pytest
from conftest import central_difference

from shrink import L1, L2


def test_values_follow_the_documented_formulas():
    w = np.array([[1.0, -2.0], [0.0, 0.5]])
    assert L1(0.1)(w) == pytest.approx(0.1 * (1 + 2 + 0 + 0.5))
    assert L2(0.1)(w) == pytest.approx(0.1 * (1 + 4 + 0 + 0.25))  # no ½


def test_l1_gradient_at_zero_is_zero_not_one():
    w = np.array([0.0, 3.0, -3.0, 0.0])
    np.testing.assert_array_equal(L1(0.5).grad(w), [0.0, 0.5, -0.5, 0.0])


def test_l2_gradient_is_two_lambda_w():
    w = np.array([1.5, -2.0])
    np.testing.assert_allclose(L2(0.3).grad(w), 2 * 0.3 * w)


@pytest.mark.parametrize("penalty", [L1(0.7), L2(0.7)])
def test_gradients_match_central_differences_away_from_the_kink(penalty, rng):
    w = rng.uniform(0.1, 1.0, size=(4, 3)) * rng.choice([-1, 1], size=(4, 3))
    numeric = central_difference(lambda: penalty(w), w)
    np.testing.assert_allclose(penalty.grad(w), numeric, rtol=1e-7, atol=1e-9)


def test_add_grad_accumulates_in_place():
    w = np.array([1.0, -1.0, 0.0])
    out = np.ones(3)
    result = L1(2.0).add_grad(w, out)
    assert result is out
    np.testing.assert_array_equal(out, [3.0, -1.0, 1.0])


def test_l1_prox_is_the_soft_threshold_on_hand_worked_values():
    v = np.array([3.0, -3.0, 0.5, -0.5, 1.0])
    # threshold = step · l1 = 0.5 · 2 = 1: shrink magnitudes by 1, and clamp to 0 inside [-1, 1]
    np.testing.assert_array_equal(L1(2.0).prox(v, 0.5), [2.0, -2.0, 0.0, 0.0, 0.0])


def test_l2_prox_is_the_exact_minimiser():
    v = np.array([3.0, -1.0])
    # argmin_x ½(x − v)² + t·l2·x²  ⇒  x − v + 2·t·l2·x = 0  ⇒  x = v / (1 + 2·t·l2) = v / 1.5
    np.testing.assert_allclose(L2(0.25).prox(v, 1.0), v / 1.5)


@pytest.mark.parametrize("penalty", [L1(0.3), L2(0.3)])
def test_prox_minimises_its_objective(penalty, rng):
    v, step = rng.normal(size=50), 0.7
    x = penalty.prox(v, step)

    def objective(z):
        return 0.5 * np.sum((z - v) ** 2) + step * penalty(z)

    for _ in range(20):  # any perturbation does no better
        assert objective(x) <= objective(x + 1e-3 * rng.normal(size=50)) + 1e-12


def test_l1_prox_is_non_expansive(rng):
    prox = L1(0.4)
    for _ in range(100):
        a, b = rng.normal(size=10), rng.normal(size=10)
        assert np.linalg.norm(prox.prox(a, 1.0) - prox.prox(b, 1.0)) <= np.linalg.norm(a - b) + 1e-12


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf")])
@pytest.mark.parametrize("kind", [L1, L2])
def test_bad_coefficients_are_refused_with_the_argument_named(kind, bad):
    with pytest.raises(ValueError, match=kind.coef_name):
        kind(bad)


def test_non_numeric_coefficient_is_a_type_error():
    with pytest.raises(TypeError, match="l2 must be a real number"):
        L2("0.1")


def test_zero_penalty_is_falsy_and_repr_names_the_coefficient():
    assert not L1(0.0) and L2(1e-3)
    assert repr(L2(0.001)) == "L2(l2=0.001)"
