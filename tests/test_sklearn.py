"""shrink's estimators against scikit-learn's own estimator test suite and solvers."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from shrink.sklearn import LinearRegression, LogisticRegression, MLPClassifier, MLPRegressor

ESTIMATORS = [
    MLPClassifier(hidden_layer_sizes=(16,), epochs=100, batch_size=64, learning_rate=0.01, random_state=0),
    MLPRegressor(hidden_layer_sizes=(16,), epochs=200, batch_size=64, learning_rate=0.01, random_state=0),
    LogisticRegression(weight_l2=1e-3),
    LinearRegression(weight_l2=1e-3),
]


@parametrize_with_checks(ESTIMATORS)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


def test_grid_search_over_weight_l2_in_a_pipeline_with_two_jobs():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import GridSearchCV, train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, train_size=400, random_state=0, stratify=y)
    pipe = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(32,), epochs=60, batch_size=64,
                                                         learning_rate=0.01, random_state=0))
    search = GridSearchCV(pipe, {"mlpclassifier__weight_l2": [0.0, 1e-3, 1e-1]}, cv=3, n_jobs=2).fit(X_train, y_train)
    assert search.best_params_["mlpclassifier__weight_l2"] in (0.0, 1e-3, 1e-1)
    assert search.score(X_test, y_test) > 0.85
    scores = search.cv_results_["mean_test_score"]
    assert scores[2] < max(scores[:2])  # a penalty of 0.1 on every layer is too much here


def test_the_estimator_is_the_core_model_on_the_same_seed():
    from shrink import Adam, CategoricalCrossentropy, Dense, Model, ReLU, Softmax

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 4)), rng.integers(0, 3, size=60)
    estimator = MLPClassifier(hidden_layer_sizes=(8,), weight_l2=1e-3, bias_l1=1e-4, epochs=30, batch_size=16,
                              learning_rate=0.01, random_state=42).fit(X, y)
    seed = np.random.RandomState(42).randint(np.iinfo(np.int32).max)
    init, fit = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    penalties = {"weight_l2": 1e-3, "bias_l1": 1e-4}
    model = Model([Dense(4, 8, rng=init, init="he", **penalties), ReLU(), Dense(8, 3, rng=init, init="glorot", **penalties),
                   Softmax()], loss=CategoricalCrossentropy(), optimizer=Adam(0.01), dtype="float64")
    history = model.fit(X, y, epochs=30, batch_size=16, rng=fit)
    np.testing.assert_array_equal(estimator.predict_proba(X), model.predict(X))
    assert estimator.loss_curve_ == history.history["loss"] and estimator.n_iter_ == 30


@pytest.mark.parametrize("n_classes", [2, 3])
def test_logistic_regression_is_sklearns_at_the_equivalent_C(n_classes):
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression as SkLogisticRegression

    X, y = make_classification(n_samples=300, n_features=6, n_informative=4, n_classes=n_classes, random_state=0)
    lam, n = 2e-3, len(X)
    ours = LogisticRegression(weight_l2=lam, tol=1e-12).fit(X, y)
    theirs = SkLogisticRegression(C=1 / (2 * lam * n), tol=1e-12, max_iter=10000).fit(X, y)
    if n_classes == 2:
        np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-5, atol=1e-7)
    else:  # softmax is unchanged by a shift common to all classes: compare centred intercepts
        np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(ours.intercept_ - ours.intercept_.mean(), theirs.intercept_ - theirs.intercept_.mean(),
                                   rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-6)


def test_linear_regression_is_ridge_and_lasso():
    from sklearn.linear_model import Lasso, Ridge

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 8))
    y = X @ np.array([3.0, 0, 0, -2.0, 0, 0.5, 0, 0]) + 1.0 + 0.3 * rng.normal(size=120)
    ridge = LinearRegression(weight_l2=0.05, tol=1e-12).fit(X, y)
    np.testing.assert_allclose(ridge.coef_, Ridge(alpha=0.05 * 120).fit(X, y).coef_, rtol=1e-7)
    lasso = LinearRegression(weight_l1=0.2, tol=1e-12, epochs=20000).fit(X, y)
    reference = Lasso(alpha=0.1, tol=1e-12, max_iter=100000).fit(X, y)
    np.testing.assert_allclose(lasso.coef_, reference.coef_, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(lasso.coef_ == 0, reference.coef_ == 0)
    assert (lasso.coef_ == 0).sum() >= 3


def test_string_labels_pickling_clone_and_params():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    y = np.where(X[:, 0] > 0, "yes", "no")
    clf = MLPClassifier(hidden_layer_sizes=(8,), epochs=50, learning_rate=0.05, random_state=0, bias_l2=1e-3).fit(X, y)
    assert set(clf.classes_) == {"no", "yes"} and set(clf.predict(X)) <= {"no", "yes"}
    assert clf.score(X, y) > 0.9 and clf.predict_proba(X).shape == (80, 2)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    twin = clone(clf)
    assert twin.get_params() == clf.get_params() and not hasattr(twin, "model_")
    twin.set_params(weight_l1=1e-3, l1_method="proximal")
    assert twin.get_params()["weight_l1"] == 1e-3


def test_proximal_l1_zeroes_mlp_weights_and_bias_penalties_shrink_intercepts():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 10))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    sparse = MLPClassifier(hidden_layer_sizes=(16,), weight_l1=3e-3, l1_method="proximal", epochs=200,
                           learning_rate=0.01, random_state=0).fit(X, y)
    assert np.mean(sparse.coefs_[0] == 0) > 0.5 and sparse.score(X, y) > 0.9
    plain = LinearRegression().fit(X, 3.0 + X[:, 0])
    shrunk = LinearRegression(bias_l2=10.0).fit(X, 3.0 + X[:, 0])
    assert abs(shrunk.intercept_) < 0.1 * abs(plain.intercept_)


def test_dropout_regressor_and_multi_target():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 4))
    Y = np.c_[X[:, 0] * 2, X[:, 1] - X[:, 2]]
    reg = MLPRegressor(hidden_layer_sizes=(32,), dropout=0.1, epochs=300, learning_rate=0.01, random_state=0).fit(X, Y)
    assert reg.predict(X).shape == (150, 2) and reg.score(X, Y) > 0.8
    np.testing.assert_array_equal(reg.predict(X), reg.predict(X))  # no dropout at prediction


@pytest.mark.parametrize(
    "estimator,match",
    [
        (MLPClassifier(activation="gelu"), "activation must be one of 'relu', 'tanh', 'sigmoid'"),
        (MLPClassifier(solver="lbfgs"), "solver must be one of"),
        (MLPClassifier(weight_l2=-1.0), "weight_l2 must be >= 0"),
        (MLPClassifier(hidden_layer_sizes=(0,)), "hidden_layer_sizes must hold integers >= 1"),
        (MLPClassifier(epochs=0), "epochs must be an integer >= 1"),
        (MLPClassifier(dropout=1.0), r"rate must be in \[0, 1\)"),
        (LogisticRegression(solver="newton"), "solver must be one of"),
        (LogisticRegression(weight_l1=0.1, solver="lbfgs"), "L-BFGS needs a smooth objective"),
    ],
)
def test_bad_parameters_are_named_at_fit(estimator, match):
    X, y = np.random.default_rng(0).normal(size=(20, 2)), np.arange(20) % 2
    with pytest.raises(ValueError, match=match):
        estimator.fit(X, y)
