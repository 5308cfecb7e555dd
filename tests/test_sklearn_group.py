"""The MLPs' input_l1 (group lasso), penalty_factor (first layer), compact and selected_features_."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression

from shrink.layers import SelectColumns
from shrink.sklearn import MLPClassifier, MLPRegressor


def noisy_problem():
    """4 informative features first (shuffle=False), 26 noise ones."""
    return make_classification(n_samples=300, n_features=30, n_informative=4, n_redundant=0, n_repeated=0,
                               shuffle=False, random_state=0)


def grouped(**kwargs):
    settings = dict(hidden_layer_sizes=(16,), input_l1=0.05, l1_method="proximal", learning_rate=0.01, epochs=150,
                    batch_size=64, n_iter_no_change=1000, random_state=0)
    return MLPClassifier(**{**settings, **kwargs})


@pytest.fixture(scope="module")
def fitted():
    X, y = noisy_problem()
    with pytest.warns(Warning):  # the epoch limit
        return X, y, grouped().fit(X, y)


def test_input_l1_with_the_proximal_step_removes_noise_features(fitted):
    X, y, estimator = fitted
    selected = estimator.selected_features_
    removed = np.setdiff1d(np.arange(X.shape[1]), selected)
    assert np.all(estimator.coefs_[0][removed] == 0)  # whole rows at exactly zero
    assert np.all(np.any(estimator.coefs_[0][selected] != 0, axis=1))
    assert len(removed) >= 20  # most of the 26 noise features are gone
    assert np.isin(np.arange(4), selected).sum() >= 3  # the informative ones mostly stay
    assert np.isin(selected, np.arange(4)).mean() >= 0.5
    assert estimator.score(X, y) > 0.8


def test_selected_features_shape_and_values(fitted):
    X, _, estimator = fitted
    selected = estimator.selected_features_
    assert selected.ndim == 1 and np.issubdtype(selected.dtype, np.integer)
    assert np.all(np.diff(selected) > 0) and selected.min() >= 0 and selected.max() < X.shape[1]
    assert estimator.n_features_selected_ == len(selected)
    assert estimator.model_ is estimator.full_model_ and estimator.compact_report_ is None
    plain = MLPRegressor(hidden_layer_sizes=(4,), epochs=3, random_state=0)
    Xr, yr = make_regression(n_samples=40, n_features=5, random_state=0)
    with pytest.warns(Warning):
        plain.fit(Xr, yr)
    np.testing.assert_array_equal(plain.selected_features_, np.arange(5))
    assert plain.n_features_selected_ == 5


def test_compact_predicts_as_the_uncompacted_estimator(fitted):
    X, y, estimator = fitted
    with pytest.warns(Warning):
        small = grouped(compact=True).fit(X, y)
    assert isinstance(small.model_.layers[0], SelectColumns)
    assert small.full_model_ is not small.model_
    assert small.compact_report_.features == tuple(estimator.selected_features_)
    np.testing.assert_array_equal(small.selected_features_, estimator.selected_features_)
    np.testing.assert_allclose(small.predict_proba(X), estimator.predict_proba(X), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(small.predict(X), estimator.predict(X))
    again = pickle.loads(pickle.dumps(small))
    np.testing.assert_array_equal(again.predict_proba(X), small.predict_proba(X))
    assert clone(small).get_params()["compact"] is True


def test_compact_regressor_predicts_the_same():
    X, y = make_regression(n_samples=120, n_features=12, n_informative=3, noise=0.1, random_state=1)
    settings = dict(hidden_layer_sizes=(8, 8), input_l1=0.5, l1_method="proximal", learning_rate=0.01, epochs=60,
                    batch_size=32, n_iter_no_change=1000, random_state=0)
    with pytest.warns(Warning):
        full = MLPRegressor(**settings).fit(X, y)
        small = MLPRegressor(**settings, compact=True).fit(X, y)
    assert small.predict(X).shape == (len(X),)
    np.testing.assert_allclose(small.predict(X), full.predict(X), rtol=0, atol=1e-12)


def test_penalty_factor_zero_keeps_a_feature():
    X, y = noisy_problem()
    factor = np.ones(X.shape[1])
    factor[[10, 20]] = 0.0  # two noise features, unpenalized
    with pytest.warns(Warning):
        estimator = grouped(penalty_factor=factor, epochs=80).fit(X, y)
    first = estimator.model_.layers[0]
    np.testing.assert_array_equal(first.penalty_factor, factor)
    assert not isinstance(estimator.model_.layers[2].penalty_factor, np.ndarray)  # the first Dense layer only
    for feature in (10, 20):
        assert np.any(estimator.coefs_[0][feature] != 0)
        assert feature in estimator.selected_features_
    assert estimator.n_features_selected_ < X.shape[1]  # the penalized noise still goes


@pytest.mark.parametrize("params", [{"penalty_factor": [1.0, 1.0]}, {"penalty_factor": [1.0] * 29 + [-1.0]},
                                    {"input_l1": -1.0}, {"compact": "yes"}])
def test_bad_arguments_are_value_errors(params):
    X, y = noisy_problem()
    with pytest.raises(ValueError):
        grouped(epochs=1, **params).fit(X, y)
