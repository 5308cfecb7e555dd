"""Stopping in the scikit-learn estimators: scikit-learn's names and meanings (tol,
n_iter_no_change, early_stopping, validation_fraction), checked against scikit-learn's own code,
plus what scikit-learn lacks: validation data of one's own and early stopping for L-BFGS."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor

from shrink import registry
from shrink.model import Model
from shrink.optimizers import SGD
from shrink.sklearn import LinearRegression, LogisticRegression, MLPClassifier, MLPRegressor


# ---------------------------------------------------------------------------- scikit-learn's rule
def sklearn_replay(values, *, early_stopping, tol, n_iter_no_change):
    """Feed ``values`` (validation scores, or training losses) one per epoch through
    scikit-learn's own ``_update_no_improvement_count`` and its stopping test.

    Returns (epochs trained, 0-based epoch of the weights scikit-learn keeps, best score or
    None, best_loss_): the epoch kept is the last one whose coefficients scikit-learn copied
    into ``_best_coefs`` (-1: the initial ones) — meaningful with early stopping only.
    """
    sk = SkMLPClassifier(tol=tol, n_iter_no_change=n_iter_no_change, early_stopping=early_stopping)
    sk._no_improvement_count = 0
    sk.loss_curve_ = []
    sk.coefs_, sk.intercepts_ = [np.array([-1.0])], [np.array([-1.0])]
    sk._best_coefs, sk._best_intercepts = [np.array([-1.0])], [np.array([-1.0])]
    if early_stopping:  # as in scikit-learn's _initialize
        sk.validation_scores_, sk.best_validation_score_, sk.best_loss_ = [], -np.inf, None
    else:
        sk.validation_scores_, sk.best_validation_score_, sk.best_loss_ = None, None, np.inf
    scores = iter(values)
    sk._score = lambda X, y, sample_weight=None: next(scores)
    epochs = 0
    for epoch, value in enumerate(values):
        sk.coefs_ = [np.array([float(epoch)])]
        if not early_stopping:
            sk.loss_curve_.append(value)
        sk._update_no_improvement_count(early_stopping, None, None, None)
        epochs += 1
        if sk._no_improvement_count > sk.n_iter_no_change:
            break
    return epochs, int(sk._best_coefs[0][0]), sk.best_validation_score_, sk.best_loss_


class Scripted(SGD):
    """An optimizer whose every step (one per epoch at full batch) zeroes the network and sets its
    output bias to the next value of ``script``: the network then predicts that constant, so the
    scores and losses of a run are whatever the test chooses."""

    script: list = []

    def __init__(self, learning_rate=0.01, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.steps = 0

    def step(self, parameters) -> None:
        parameters = list(parameters)
        for p in parameters:
            p.value[...] = 0.0
        parameters[-1].value[...] = self.script[min(self.steps, len(self.script) - 1)]
        self.steps += 1


X_TRAIN, Y_TRAIN = np.arange(8.0).reshape(4, 2), np.array([0.0, 1.0, 0.0, 1.0])
X_VAL, Y_VAL = np.arange(4.0).reshape(2, 2), np.array([0.0, 1.0])


def scripted_run(biases, **params):
    """A shrink MLPRegressor whose output after epoch e is the constant ``biases[e]``. On
    (X_VAL, Y_VAL) a constant b scores R² = −4·(b − ½)²; on (X_TRAIN, Y_TRAIN) its loss (seen
    at the next epoch) is ½ + b² − b."""
    Scripted.script = list(biases)
    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings():
        patch.setitem(registry.OPTIMIZERS, "scripted", Scripted)
        warnings.simplefilter("ignore", ConvergenceWarning)
        return MLPRegressor(hidden_layer_sizes=(2,), solver="scripted", batch_size=None, epochs=len(biases),
                            random_state=0, **params).fit(X_TRAIN, Y_TRAIN, validation_data=(X_VAL, Y_VAL))


# Values on a grid of tol/4 make ties and near-tol differences common.
TOL = 0.01
grid = st.lists(st.integers(0, 12), min_size=1, max_size=40)


@settings(max_examples=100, deadline=None)
@given(steps=grid, patience=st.integers(1, 4), tol=st.sampled_from([0.0, TOL / 2, TOL, 2 * TOL]))
def test_early_stopping_stops_and_keeps_what_scikit_learn_does_on_a_given_score_sequence(steps, patience, tol):
    wanted = [-0.2 + k * TOL / 4 for k in steps]  # R² scores, all below 0
    biases = [0.5 + math.sqrt(-score) / 2 for score in wanted]
    est = scripted_run(biases, early_stopping=True, tol=tol, n_iter_no_change=patience)
    np.testing.assert_allclose(est.validation_scores_, wanted[: est.n_iter_], rtol=0, atol=1e-12)
    epochs, best_epoch, best_score, _ = sklearn_replay(est.validation_scores_ + wanted[est.n_iter_:],
                                                       early_stopping=True, tol=tol, n_iter_no_change=patience)
    assert (est.n_iter_, est.best_epoch_, est.best_validation_score_) == (epochs, best_epoch, best_score)
    assert est.intercepts_[-1][0] == biases[best_epoch] and est.best_loss_ is None


@settings(max_examples=100, deadline=None)
@given(steps=grid, patience=st.integers(1, 4), tol=st.sampled_from([0.0, TOL / 2, TOL, 2 * TOL]))
def test_without_early_stopping_training_stops_where_scikit_learn_does_on_a_given_loss_sequence(steps, patience, tol):
    biases = [0.5 + math.sqrt(k * TOL / 4) for k in steps]  # losses ¼ + k·tol/4, one epoch later
    est = scripted_run(biases, early_stopping=False, tol=tol, n_iter_no_change=patience)
    np.testing.assert_allclose(est.loss_curve_[1:], [0.25 + k * TOL / 4 for k in steps[: est.n_iter_ - 1]],
                               rtol=0, atol=1e-12)
    epochs, _, _, best_loss = sklearn_replay(est.loss_curve_ + [math.inf] * (len(biases) - est.n_iter_),
                                             early_stopping=False, tol=tol, n_iter_no_change=patience)
    assert est.n_iter_ == epochs and est.best_loss_ == best_loss and est.best_validation_score_ is None
    assert est.best_epoch_ == est.n_iter_ - 1 and est.intercepts_[-1][0] == biases[est.n_iter_ - 1]


def test_training_stops_at_the_n_iter_no_change_plus_first_epoch_without_improvement():
    # scikit-learn's ``_no_improvement_count > n_iter_no_change``: patience 3 -> 4 flat epochs
    flat = [-0.2, -0.1, -0.1, -0.1, -0.1, -0.1, -0.1, -0.1]
    assert sklearn_replay(flat, early_stopping=True, tol=1e-4, n_iter_no_change=3)[:2] == (6, 1)
    est = scripted_run([0.5 + math.sqrt(-s) / 2 for s in flat], early_stopping=True, tol=1e-4, n_iter_no_change=3)
    assert (est.n_iter_, est.best_epoch_) == (6, 1)
    # an improvement smaller than tol moves the best (and the kept weights) but not the count
    creep = [-0.2, -0.2 + 1e-5, -0.2 + 2e-5, -0.2 + 3e-5, -0.2 + 4e-5, -0.3]
    assert sklearn_replay(creep, early_stopping=True, tol=1e-4, n_iter_no_change=3)[:2] == (5, 4)
    est = scripted_run([0.5 + math.sqrt(-s) / 2 for s in creep], early_stopping=True, tol=1e-4, n_iter_no_change=3)
    assert (est.n_iter_, est.best_epoch_) == (5, 4)
    # tol=0: a tie with the best counts as an improvement in scikit-learn, so a plateau never stops
    plateau = [0.5] * 12  # R² 0 on validation after every epoch; training loss ¼ from the second epoch on
    for early_stopping in (True, False):
        values = [0.0] * 12 if early_stopping else scripted_run(plateau, tol=0.0).loss_curve_
        assert sklearn_replay(values, early_stopping=early_stopping, tol=0.0, n_iter_no_change=1)[0] == 12
        assert scripted_run(plateau, early_stopping=early_stopping, tol=0.0, n_iter_no_change=1).n_iter_ == 12
        assert sklearn_replay(values, early_stopping=early_stopping, tol=1e-9, n_iter_no_change=1)[0] < 12
        assert scripted_run(plateau, early_stopping=early_stopping, tol=1e-9, n_iter_no_change=1).n_iter_ < 12


# ---------------------------------------------------------------------------- data
def noisy_classes(n=120, n_features=8, seed=0, labels=None):
    """Few samples, many features, label noise: a big network overfits within a few epochs."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    y = (X[:, 0] + X[:, 1] + 1.0 * rng.normal(size=n) > 0).astype(int) + (X[:, 2] > 1.0)
    return X, (y if labels is None else np.asarray(labels)[y])


def noisy_line(n=60, n_features=30, seed=1):
    """Nearly as many features as samples: least squares overfits as it converges."""
    rng = np.random.default_rng(seed)
    w = np.zeros(n_features)
    w[:3] = [2.0, -1.0, 1.0]
    X = rng.normal(size=(n, n_features))
    return X, X @ w + 1.5 * rng.normal(size=n)


MLP = dict(hidden_layer_sizes=(64,), batch_size=16, random_state=0)
RATES = {"sgd": 0.05, "adagrad": 0.05, "rmsprop": 0.005, "adam": 0.01}


def assert_same_parameters(a, b):
    for x, y in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True):
        np.testing.assert_array_equal(x, y)


# ---------------------------------------------------------------------------- best weights kept
@pytest.mark.parametrize("solver", sorted(registry.OPTIMIZERS))
def test_an_early_stopped_network_is_one_trained_for_best_epoch_plus_one_epochs(solver):
    X, y = noisy_classes()
    est = MLPClassifier(early_stopping=True, validation_fraction=0.25, n_iter_no_change=4, epochs=300,
                        solver=solver, learning_rate=RATES.get(solver, 0.01), **MLP).fit(X, y)
    assert est.n_iter_ < 300 and est.best_epoch_ < est.n_iter_ - 1
    assert est.best_loss_ is None and len(est.validation_scores_) == est.n_iter_ == len(est.loss_curve_)
    assert est.best_validation_score_ == max(est.validation_scores_) == est.validation_scores_[est.best_epoch_]
    # the same split (random_state), stopped by the epoch limit right at the best epoch
    with pytest.warns(ConvergenceWarning):
        short = clone(est).set_params(epochs=est.best_epoch_ + 1).fit(X, y)
    assert short.n_iter_ == est.best_epoch_ + 1 == short.best_epoch_ + 1
    assert_same_parameters(est, short)
    np.testing.assert_array_equal(est.predict_proba(X), short.predict_proba(X))


def test_with_validation_data_all_of_X_is_trained_on_and_the_best_weights_kept():
    X, y = noisy_classes(n=200)
    X_train, y_train, X_val, y_val = X[:100], y[:100], X[100:], y[100:]
    est = MLPClassifier(early_stopping=True, n_iter_no_change=4, epochs=300, learning_rate=0.01, **MLP)
    est.fit(X_train, y_train, validation_data=(X_val, y_val))
    assert est.best_epoch_ < est.n_iter_ - 1 < 299
    # a plain run on all of X_train (no validation, no stopping) for best_epoch_ + 1 epochs
    with pytest.warns(ConvergenceWarning):
        plain = MLPClassifier(epochs=est.best_epoch_ + 1, n_iter_no_change=np.inf, learning_rate=0.01,
                              **MLP).fit(X_train, y_train)
    assert_same_parameters(est, plain)
    assert plain.loss_curve_ == est.loss_curve_[: est.best_epoch_ + 1]
    assert est.score(X_val, y_val) == est.best_validation_score_
    # and not the weights of the last epoch trained
    with pytest.warns(ConvergenceWarning):
        last = clone(plain).set_params(epochs=est.n_iter_).fit(X_train, y_train)
    assert any((a != b).any() for a, b in zip(last.coefs_, est.coefs_))


def test_an_early_stopped_regressor_keeps_its_best_epoch():
    X, y = noisy_line(n=120, n_features=10)
    est = MLPRegressor(early_stopping=True, n_iter_no_change=3, epochs=300, learning_rate=0.02, **MLP).fit(X, y)
    assert est.n_iter_ < 300 and est.best_validation_score_ == est.validation_scores_[est.best_epoch_]
    with pytest.warns(ConvergenceWarning):
        short = clone(est).set_params(epochs=est.best_epoch_ + 1).fit(X, y)
    assert_same_parameters(est, short)


# ---------------------------------------------------------------------------- a real run replayed
@pytest.mark.parametrize("early_stopping", [True, False])
def test_a_real_run_stops_where_scikit_learns_rule_stops_on_its_recorded_values(early_stopping):
    X, y = noisy_classes()
    est = MLPClassifier(early_stopping=early_stopping, n_iter_no_change=3, tol=1e-3, epochs=300, learning_rate=0.01,
                        **MLP).fit(X, y)
    values = est.validation_scores_ if early_stopping else est.loss_curve_
    epochs, best_epoch, best_score, best_loss = sklearn_replay(values, early_stopping=early_stopping, tol=1e-3,
                                                               n_iter_no_change=3)
    assert est.n_iter_ == epochs < 300  # scikit-learn stops at the very epoch it stopped at
    if early_stopping:
        assert (est.best_epoch_, est.best_validation_score_, est.best_loss_) == (best_epoch, best_score, None)
    else:
        assert est.validation_scores_ is None and est.best_validation_score_ is None
        assert est.best_loss_ == best_loss == min(est.loss_curve_) and est.best_epoch_ == est.n_iter_ - 1


@pytest.mark.parametrize("early_stopping", [False, True])
@pytest.mark.parametrize("ours,theirs", [(MLPClassifier, SkMLPClassifier), (MLPRegressor, SkMLPRegressor)])
def test_the_fitted_attributes_are_scikit_learns(ours, theirs, early_stopping):
    X, y = noisy_classes(n=80)
    mine = ours(hidden_layer_sizes=(8,), epochs=5, early_stopping=early_stopping, random_state=0)
    reference = theirs(hidden_layer_sizes=(8,), max_iter=5, early_stopping=early_stopping, random_state=0)
    with pytest.warns(ConvergenceWarning):
        mine.fit(X, y)
    with pytest.warns(ConvergenceWarning):
        reference.fit(X, y)
    for name in ["best_loss_", "validation_scores_", "best_validation_score_"]:
        assert (getattr(mine, name) is None) == (getattr(reference, name) is None), name
    assert mine.n_iter_ == reference.n_iter_ == len(mine.loss_curve_) == 5
    if early_stopping:
        assert len(mine.validation_scores_) == len(reference.validation_scores_) == 5
    defaults = {k: v for k, v in theirs().get_params().items()
                if k in ("early_stopping", "validation_fraction", "n_iter_no_change", "tol")}
    assert {k: ours().get_params()[k] for k in defaults} == defaults


# ---------------------------------------------------------------------------- ConvergenceWarning
@pytest.mark.parametrize("ours,theirs", [(MLPClassifier, SkMLPClassifier), (MLPRegressor, SkMLPRegressor)])
def test_convergence_warning_exactly_when_scikit_learn_gives_it(ours, theirs):
    X, y = noisy_classes(n=60)
    # tol=1e3: no epoch after the first improves enough; n_iter_no_change=1 stops at the 3rd
    settings = dict(hidden_layer_sizes=(4,), n_iter_no_change=1, tol=1e3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        assert ours(epochs=3, **settings).fit(X, y).n_iter_ == 3  # stopped by the rule at the limit: no warning
        assert theirs(max_iter=3, **settings).fit(X, y).n_iter_ == 3
    with pytest.warns(ConvergenceWarning, match="epoch limit"):
        assert ours(epochs=2, **settings).fit(X, y).n_iter_ == 2
    with pytest.warns(ConvergenceWarning):
        theirs(max_iter=2, **settings).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="epoch limit"):  # early stopping that never triggers
        ours(epochs=2, early_stopping=True, **settings).fit(X, y)


def test_the_linear_models_warn_only_when_their_solver_stops_short():
    """No silent wrong answers: a solver stopped by its iteration limit says so, naming it (the
    linear models kept quiet here before); one that converges, or that early stopping stops,
    does not."""
    X, y = noisy_line()
    with pytest.warns(ConvergenceWarning, match=r"L-BFGS-B stopped on its iteration limit \(epochs=2\)"):
        assert LinearRegression(epochs=2, solver="lbfgs").fit(X, y).n_iter_ == 2
    with pytest.warns(ConvergenceWarning, match=r"iteration limit \(epochs=2\)"):  # early stopping never triggers
        LinearRegression(epochs=2, early_stopping=True).fit(X, y)
    with pytest.warns(ConvergenceWarning, match=r"proximal gradient stopped on its iteration limit \(epochs=2\)"):
        LinearRegression(weight_l1=0.1, epochs=2, solver="proximal").fit(X, y)
    with pytest.warns(ConvergenceWarning, match=r"coordinate descent solver stopped on its iteration limit"):
        LinearRegression(weight_l1=0.1, weight_l2=0.1, epochs=1).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        for solver in ("auto", "lbfgs"):
            LinearRegression(solver=solver).fit(X, y)
        for solver in ("auto", "proximal"):
            LinearRegression(weight_l1=0.1, solver=solver).fit(X, y)
        LinearRegression(early_stopping=True, n_iter_no_change=2).fit(X, y)


# ---------------------------------------------------------------------------- validation data
@pytest.mark.parametrize("early_stopping", [False, True])
def test_the_users_validation_data_is_what_is_scored(early_stopping):
    X, y = noisy_classes(n=160, labels=["ant", "bee", "cat"])
    X_train, y_train, X_val, y_val = X[:100], y[:100], X[100:], y[100:]
    est = MLPClassifier(early_stopping=early_stopping, n_iter_no_change=np.inf, epochs=5, learning_rate=0.01, **MLP)
    with pytest.warns(ConvergenceWarning):
        est.fit(X_train, y_train, validation_data=(X_val, y_val))
    assert len(est.validation_scores_) == 5 and len(est.history_["val_data_loss"]) == 5
    for epochs in range(1, 6):  # the score of the model after each epoch, computed on (X_val, y_val)
        with pytest.warns(ConvergenceWarning):
            after = clone(est).set_params(early_stopping=False, epochs=epochs).fit(X_train, y_train)
        assert est.validation_scores_[epochs - 1] == after.score(X_val, y_val)
        assert est.history_["val_data_loss"][epochs - 1] == after.model_.evaluate(
            X_val, np.searchsorted(after.classes_, y_val))["data_loss"]
    kept = est.best_epoch_ if early_stopping else 4
    assert est.score(X_val, y_val) == est.validation_scores_[kept]


def test_regressor_validation_data_scores_are_r2():
    X, y = noisy_line(n=150, n_features=5)
    Y = np.c_[y, -y]
    for targets in (y, Y):
        est = MLPRegressor(hidden_layer_sizes=(8,), epochs=4, n_iter_no_change=np.inf, random_state=0)
        with pytest.warns(ConvergenceWarning):
            est.fit(X[:100], targets[:100], validation_data=(X[100:], targets[100:]))
        assert est.validation_scores_[-1] == est.score(X[100:], targets[100:])
    with pytest.raises(ValueError, match="y_val has shape"):
        MLPRegressor(epochs=2).fit(X[:100], Y[:100], validation_data=(X[100:], y[100:]))


def test_string_labels_in_the_holdout_and_in_validation_data():
    X, y = noisy_classes(n=150, labels=np.array(["no", "maybe", "yes"], dtype=object))
    est = MLPClassifier(early_stopping=True, n_iter_no_change=3, epochs=200, learning_rate=0.01, **MLP).fit(X, y)
    assert set(est.predict(X)) <= {"no", "maybe", "yes"} and est.n_iter_ < 200
    est.fit(X[:100], y[:100], validation_data=(X[100:], list(y[100:])))
    assert est.score(X[100:], y[100:]) == est.best_validation_score_
    with pytest.raises(ValueError, match=r"y_val holds labels that are not in y: \['never'\]"):
        est.fit(X[:100], y[:100], validation_data=(X[100:102], ["yes", "never"]))
    with pytest.raises(ValueError, match="not in y"):
        est.fit(X[:100], y[:100], validation_data=(X[100:102], [0, 1]))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_the_holdout_is_stratified(monkeypatch):
    seen = []
    fit = Model.fit

    def spy(model, X, y, **kwargs):
        seen.append((len(X), kwargs["validation_data"]))
        return fit(model, X, y, **kwargs)

    monkeypatch.setattr(Model, "fit", spy)
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], [140, 50, 10])  # a rare class of 10 in 200
    X = rng.normal(size=(200, 3)) + y[:, None]
    for seed in range(5):
        MLPClassifier(hidden_layer_sizes=(4,), epochs=2, early_stopping=True, validation_fraction=0.2,
                      random_state=seed).fit(X, y)
        n_train, (X_val, y_val) = seen[-1]
        assert n_train + len(X_val) == 200
        np.testing.assert_array_equal(np.bincount(y_val), [28, 10, 2])  # 20 % of every class
    # a regressor's holdout is a plain random 20 %
    MLPRegressor(hidden_layer_sizes=(4,), epochs=2, early_stopping=True, validation_fraction=0.2,
                 random_state=0).fit(X, y.astype(float))
    assert seen[-1][0] == 160 and len(seen[-1][1][0]) == 40


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_too_small_holdout_and_bad_settings_are_named():
    X, y = noisy_classes(n=30)
    with pytest.raises(ValueError, match="validation set is too small"):
        MLPRegressor(early_stopping=True, validation_fraction=0.02, epochs=2).fit(X, y.astype(float))
    bad = [
        (dict(early_stopping="yes"), "early_stopping must be True or False"),
        (dict(validation_fraction=1.0), r"validation_fraction must be a number in \[0, 1\)"),
        (dict(early_stopping=True, validation_fraction=0.0), "validation_fraction must be > 0"),
        (dict(n_iter_no_change=0), "n_iter_no_change must be an integer >= 1 or numpy.inf"),
        (dict(tol=-1.0), "tol must be a finite number >= 0"),
    ]
    for params, match in bad:
        with pytest.raises(ValueError, match=match):
            MLPClassifier(epochs=2, **params).fit(X, y)
    with pytest.raises(ValueError, match="validation_data must be a pair"):
        MLPClassifier(epochs=2).fit(X, y, validation_data=X)
    with pytest.raises(ValueError, match="features"):
        MLPClassifier(epochs=2).fit(X, y, validation_data=(X[:, :2], y))


# ---------------------------------------------------------------------------- linear models
@pytest.mark.parametrize("solver", ["lbfgs", "proximal", "sgd", "adam"])
def test_linear_early_stopping_keeps_the_best_iterate_for_every_solver(solver):
    X, y = noisy_line(n=240, n_features=30)
    X_train, y_train, X_val, y_val = X[:40], y[:40], X[40:], y[40:]
    settings = dict(solver=solver, tol=1e-10, epochs=300, learning_rate=0.01 if solver in ("sgd", "adam") else None)
    est = LinearRegression(early_stopping=True, n_iter_no_change=5, **settings)
    est.fit(X_train, y_train, validation_data=(X_val, y_val))
    assert est.best_epoch_ < est.n_iter_ - 1 < 299 and est.best_loss_ is None
    assert est.best_validation_score_ == max(est.validation_scores_) == est.score(X_val, y_val)
    # the iterate kept is the one a plain run of best_epoch_ + 1 iterations ends at
    plain = LinearRegression(**{**settings, "epochs": est.best_epoch_ + 1}).fit(X_train, y_train)
    np.testing.assert_array_equal(est.coef_, plain.coef_)
    assert est.intercept_ == plain.intercept_
    # ... which is better on validation data than running the solver to its end
    full = LinearRegression(**settings).fit(X_train, y_train)
    assert full.score(X_val, y_val) < est.score(X_val, y_val)


def test_lbfgs_with_validation_data_and_no_early_stopping_is_fit_lbfgs_bit_for_bit():
    X, y = noisy_line(n=240, n_features=30)
    plain = LinearRegression(tol=1e-10).fit(X[:40], y[:40])
    watched = LinearRegression(tol=1e-10).fit(X[:40], y[:40], validation_data=(X[40:], y[40:]))
    np.testing.assert_array_equal(plain.coef_, watched.coef_)
    assert plain.loss_curve_ == watched.loss_curve_ and watched.n_iter_ == len(watched.validation_scores_)
    assert watched.validation_scores_[-1] == watched.score(X[40:], y[40:])
    assert watched.best_loss_ == min(plain.loss_curve_)
    assert plain.validation_scores_ is None


def test_logistic_regression_lbfgs_early_stopping_with_a_stratified_holdout_and_strings():
    X, y = noisy_classes(n=300, n_features=20, seed=2, labels=["a", "b", "c"])
    est = LogisticRegression(early_stopping=True, n_iter_no_change=3, validation_fraction=0.3, random_state=0).fit(X, y)
    assert est.n_iter_ < 1000 and est.best_validation_score_ == max(est.validation_scores_)
    epochs, best_epoch, best_score, _ = sklearn_replay(est.validation_scores_, early_stopping=True, tol=est.tol,
                                                       n_iter_no_change=3)
    assert (est.n_iter_, est.best_epoch_, est.best_validation_score_) == (epochs, best_epoch, best_score)
    short = clone(est).set_params(epochs=est.best_epoch_ + 1).fit(X, y)
    np.testing.assert_array_equal(est.coef_, short.coef_)


def test_the_linear_defaults_are_unchanged():
    X, y = noisy_line()
    est = LinearRegression().fit(X, y)
    assert est.get_params()["tol"] == 1e-8 and not est.get_params()["early_stopping"]
    assert est.validation_scores_ is None and est.best_epoch_ == est.n_iter_ - 1


# ---------------------------------------------------------------------------- the solver registry
def test_an_optimizer_added_to_the_registry_is_a_solver(monkeypatch):
    class Plain(SGD):
        pass

    monkeypatch.setitem(registry.OPTIMIZERS, "plain", Plain)
    X, y = noisy_classes(n=60)
    est = MLPClassifier(hidden_layer_sizes=(4,), solver="plain", epochs=3, n_iter_no_change=np.inf, random_state=0)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    assert isinstance(est.model_.optimizer, Plain)
    assert isinstance(LogisticRegression(solver="plain", epochs=3).fit(X, y).model_.optimizer, Plain)
    monkeypatch.delitem(registry.OPTIMIZERS, "plain")
    with pytest.raises(ValueError, match="solver must be one of"):
        est.fit(X, y)
