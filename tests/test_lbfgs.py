"""shrink.lbfgs: L-BFGS-B on a model's objective never ends short of its tolerance silently."""

import warnings

import numpy as np
import pytest

from shrink import ConvergenceWarning, Dense, Linear, MeanSquaredError, Model
from shrink.lbfgs import fit_lbfgs, run_lbfgs

pytest.importorskip("scipy")


def problem(factor=1.0, seed=0, weight_l2=0.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(100, 5))
    y = (X @ np.arange(1.0, 6.0) + 2.0 + 0.1 * rng.normal(size=100)) * factor
    model = Model([Dense(5, 1, rng=0, weight_l2=weight_l2), Linear()], loss=MeanSquaredError(), dtype="float64")
    model.layers[0].weights[...] = 0.0
    return model, X, y.reshape(-1, 1)


def test_a_converged_run_is_quiet_and_says_so():
    model, X, y = problem()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        history = fit_lbfgs(model, X, y, tol=1e-10)
    assert history.converged and history.reason is None and not history.stopped
    assert history.n_iter == len(history) > 1 and history.status == 0
    A = np.c_[X, np.ones(len(X))]
    exact = np.linalg.lstsq(A, y, rcond=None)[0].ravel()
    np.testing.assert_allclose(np.r_[model.layers[0].weights.ravel(), model.layers[0].biases.ravel()], exact, rtol=1e-9)


def test_the_iteration_limit_warns_with_the_reason():
    model, X, y = problem()
    with pytest.warns(ConvergenceWarning, match=r"fit_lbfgs: L-BFGS-B stopped on its iteration limit \(max_iter=2\)"):
        history = fit_lbfgs(model, X, y, max_iter=2)
    assert not history.converged and history.n_iter == len(history) == 2 and history.status == 1
    assert "max_iter=2" in history.reason and "TOTAL NO. OF ITERATIONS" in history.reason


def test_an_abnormal_termination_warns_with_scipys_message():
    """y × 1e15 on the raw model (fit_lbfgs solves the model it is given, unscaled): SciPy's
    line search finds no lower point and stops at the origin after no iteration."""
    model, X, y = problem(factor=1e15)
    with pytest.warns(ConvergenceWarning, match=r"terminated abnormally after 0 iteration\(s\).*ABNORMAL"):
        history = fit_lbfgs(model, X, y)
    assert not history.converged and history.status == 2 and history.n_iter == 0
    assert len(history) == 1  # the point returned, recorded


def test_the_warning_is_a_user_warning_shrink_exports():
    assert issubclass(ConvergenceWarning, UserWarning)


def test_run_lbfgs_does_not_warn_and_stops_when_asked():
    model, X, y = problem()
    seen = []

    def on_iteration(logs):
        seen.append(logs["loss"])
        logs["extra"] = len(seen)
        return len(seen) == 3

    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        history = run_lbfgs(model, X, y, on_iteration=on_iteration)
        limited = run_lbfgs(problem()[0], X, y, max_iter=2, limit="epochs")
    assert history.stopped and not history.converged and history.reason is None
    assert len(history) == 3 and history.history["extra"] == [1, 2, 3] and history.history["loss"] == seen
    assert "epochs=2" in limited.reason


def test_refusals_are_unchanged():
    model, X, y = problem(weight_l2=0.1)
    model.layers[0].weight_l1 = 0.1
    with pytest.raises(ValueError, match="L-BFGS needs a smooth objective"):
        fit_lbfgs(model, X, y)
    with pytest.raises(ValueError, match="tol"):
        fit_lbfgs(problem()[0], X, y, tol=0.0)
