"""LinearRegressionCV and LogisticRegressionCV: against scikit-learn's LassoCV, ElasticNetCV and
LogisticRegressionCV on the same folds and grid, scikit-learn's estimator checks, the 1-SE rule,
the warnings, and the pictures (of the path and of the CV curve)."""

import warnings

import matplotlib
import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.utils.estimator_checks import parametrize_with_checks

from shrink import Model
from shrink.linear import regularization_path
from shrink.sklearn import LinearRegressionCV, LogisticRegressionCV
from shrink.sklearn.cv import one_standard_error

matplotlib.use("Agg")


@parametrize_with_checks([LinearRegressionCV(n_lambdas=20), LogisticRegressionCV(n_lambdas=20)])
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)  # every check passes: none is expected to fail


@pytest.fixture(scope="module")
def diabetes():
    return load_diabetes(return_X_y=True)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_cv_curve_is_sklearns_on_the_same_folds_and_grid(diabetes, l1_ratio):
    from sklearn.linear_model import ElasticNetCV, LassoCV

    X, y = diabetes
    folds = KFold(5, shuffle=True, random_state=0)
    ours = LinearRegressionCV(l1_ratio=l1_ratio, cv=folds, n_lambdas=40, tol=1e-10).fit(X, y)
    alphas = ours.lambdas_ / 2  # shrink's mean((y − Xw − b)²) has no ½: λ = 2·alpha
    if l1_ratio == 1:
        theirs = LassoCV(alphas=alphas, cv=folds, tol=1e-12, max_iter=100_000).fit(X, y)
    else:
        theirs = ElasticNetCV(l1_ratio=l1_ratio, alphas=alphas, cv=folds, tol=1e-12, max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(theirs.alphas_, alphas)
    np.testing.assert_allclose(ours.cv_mean_, theirs.mse_path_.mean(axis=1), rtol=1e-7)
    np.testing.assert_allclose(ours.cv_scores_, theirs.mse_path_.T, rtol=1e-7)
    assert ours.lambda_min_ == pytest.approx(2 * theirs.alpha_, rel=1e-12)
    # choice="min" refits nothing: the full-data path at λ_min is scikit-learn's final fit.
    at_min = LinearRegressionCV(l1_ratio=l1_ratio, cv=folds, n_lambdas=40, tol=1e-10, choice="min").fit(X, y)
    np.testing.assert_allclose(at_min.coef_, theirs.coef_, rtol=1e-6, atol=1e-6 * np.abs(theirs.coef_).max())
    assert at_min.intercept_ == pytest.approx(theirs.intercept_, rel=1e-8)


def test_choices_attributes_and_the_model(diabetes, tmp_path):
    X, y = diabetes
    est = LinearRegressionCV(cv=10).fit(X, y)
    K, m = est.cv_scores_.shape
    assert (K, m) == (10, len(est.lambdas_)) and np.all(np.diff(est.lambdas_) < 0)
    np.testing.assert_allclose(est.cv_se_, est.cv_scores_.std(axis=0, ddof=1) / np.sqrt(10))
    best = np.argmin(est.cv_mean_)
    assert est.lambda_min_ == est.lambdas_[best]
    within = est.cv_mean_ <= est.cv_mean_[best] + est.cv_se_[best]
    assert est.lambda_1se_ == est.lambdas_[within].max() >= est.lambda_min_
    i = list(est.lambdas_).index(est.lambda_1se_)
    assert est.lambda_ == est.lambda_1se_ and est.coef_.shape == (10,) and isinstance(est.intercept_, float)
    np.testing.assert_array_equal(est.coef_, est.coef_path_[i])
    assert est.weight_l1_ == est.lambda_ and est.weight_l2_ == 0.0
    assert 0 <= est.dual_gap_ <= 1e-7 * np.var(y) and est.n_iter_ >= 1
    assert np.count_nonzero(est.coef_) < np.count_nonzero(est.coef_path_[best])  # 1-SE: sparser
    np.testing.assert_allclose(est.predict(X), X @ est.coef_ + est.intercept_, rtol=1e-12)
    est.model_.save(tmp_path / "m.npz")
    np.testing.assert_array_equal(Model.load(tmp_path / "m.npz").predict(X).ravel(), est.predict(X))


def test_multi_target_shapes_and_lambda_scale(diabetes):
    X, y = diabetes
    Y = np.column_stack([y, -2 * y + 3])
    est = LinearRegressionCV(cv=3, n_lambdas=20).fit(X, Y)
    assert est.coef_.shape == (2, 10) and est.intercept_.shape == (2,) and est.coef_path_.shape == (20, 2, 10)
    assert est.predict(X).shape == (len(X), 2)
    # The folds' MSE averages over both targets: the second (scaled by 2) weighs 4×.
    assert est.cv_mean_[0] == pytest.approx(np.mean((Y - Y.mean(0)) ** 2), rel=0.05)


def test_lambdas_given_are_used_sorted():
    X, y = load_diabetes(return_X_y=True)
    est = LinearRegressionCV(lambdas=[0.1, 5.0, 1.0], cv=3).fit(X, y)
    np.testing.assert_array_equal(est.lambdas_, [5.0, 1.0, 0.1])


def test_logistic_cv_is_sklearns_where_comparable():
    """Same folds of equal training size n_t (so scikit-learn's C, which is per fold, is one λ
    for all: λ = 1/(C·n_t)), neg_log_loss scoring; scikit-learn's saga at a tight tolerance."""
    from sklearn.linear_model import LogisticRegressionCV as SkLogisticRegressionCV

    X, y = load_breast_cancer(return_X_y=True)
    X, y = X[:560], y[:560]  # 560 = 5 × 112: every fold trains on 448 samples
    X = (X - X.mean(0)) / X.std(0)
    folds = list(StratifiedKFold(5).split(X, y))
    n_train = len(folds[0][0])
    assert all(len(train) == n_train for train, _ in folds)
    Cs = np.logspace(-1.5, -0.5, 4)  # where saga reaches its tolerance in reasonable time
    ours = LogisticRegressionCV(lambdas=1 / (Cs * n_train), cv=folds, tol=1e-10).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = SkLogisticRegressionCV(Cs=Cs, cv=folds, l1_ratios=[1.0], solver="saga", tol=1e-10,
                                        max_iter=100_000, scoring="neg_log_loss").fit(X, y)
    scores = -np.asarray(theirs.scores_[1]).reshape(len(folds), len(Cs))  # Cs increasing = λ decreasing
    np.testing.assert_allclose(ours.cv_scores_, scores, rtol=1e-4)
    assert ours.coef_.shape == (1, 30) and ours.intercept_.shape == (1,)


def test_multiclass_logistic_and_error_scoring():
    X, y = load_iris(return_X_y=True)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    est = LogisticRegressionCV(scoring="error", cv=5, n_lambdas=30).fit(X, labels)
    assert est.coef_.shape == (3, 4) and est.intercept_.shape == (3,) and list(est.classes_) == list(labels[[0, 50, 100]])
    assert np.all((0 <= est.cv_scores_) & (est.cv_scores_ <= 1))
    # Each fold's score is a misclassification rate on 30 held-out samples: a multiple of 1/30.
    np.testing.assert_allclose(est.cv_scores_ * 30, np.round(est.cv_scores_ * 30), atol=1e-9)
    np.testing.assert_allclose(est.predict_proba(X).sum(axis=1), 1.0)
    assert est.score(X, labels) > 0.9


def test_log_loss_scoring_by_hand_on_one_fold():
    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    folds = list(KFold(3).split(X, y))
    est = LogisticRegressionCV(cv=folds, n_lambdas=5).fit(X, y)
    train, test = folds[1]
    path = regularization_path(X[train], y[train], loss="log_loss", lambdas=est.lambdas_, tol=1e-7)
    z = X[test] @ path.coefs[3] + path.intercepts[3]
    by_hand = np.mean(np.logaddexp(0, z) - y[test] * z)  # −log p of the true class, in logits
    assert est.cv_scores_[1, 3] == pytest.approx(by_hand, rel=1e-9)


def test_one_standard_error_rule_on_a_constructed_curve():
    # λ decreasing; the minimum 1.0 is at index 4 with SE 0.5: the largest λ within 1.5 is
    # index 2 (1.4), not index 1 (1.6), and index 6 (1.2) does not count (a smaller λ).
    mean = np.array([3.0, 1.6, 1.4, 1.2, 1.0, 1.1, 1.2])
    se = np.array([0.1, 0.1, 0.1, 0.1, 0.5, 0.1, 0.1])
    assert one_standard_error(mean, se) == (4, 2)
    assert one_standard_error([2.0, 1.0, 1.0], [0.0, 0.0, 0.0]) == (1, 1)  # ties: the larger λ


def test_choice_and_scoring_are_checked_at_fit():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="choice must be '1se' or 'min', got 'best'"):
        LogisticRegressionCV(choice="best").fit(X, y)
    with pytest.raises(ValueError, match="scoring must be 'log_loss' or 'error', got 'accuracy'"):
        LogisticRegressionCV(scoring="accuracy").fit(X, y)
    with pytest.raises(ValueError, match=r"l1_ratio must be a finite number in \[0, 1\], got 2"):
        LinearRegressionCV(l1_ratio=2).fit(X, y)


def test_convergence_warning_is_sklearns():
    X, y = load_diabetes(return_X_y=True)
    with pytest.warns(ConvergenceWarning, match="LinearRegressionCV: the full-data path: .*fold 0"):
        LinearRegressionCV(max_iter=1, tol=1e-14, cv=3, l1_ratio=0.5).fit(X, y)
    X, y = load_breast_cancer(return_X_y=True)
    with pytest.warns(ConvergenceWarning, match="LogisticRegressionCV"):
        LogisticRegressionCV(max_iter=1, tol=1e-14, cv=3, n_lambdas=10).fit(X, y)


def test_parallel_folds_give_the_same_curve():
    X, y = load_diabetes(return_X_y=True)
    one = LinearRegressionCV(cv=4, n_lambdas=20).fit(X, y)
    two = LinearRegressionCV(cv=4, n_lambdas=20, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(one.cv_scores_, two.cv_scores_)


def test_path_plot_draws_one_curve_per_feature_that_enters():
    X, y = load_diabetes(return_X_y=True)
    path = regularization_path(X, y, n_lambdas=30, lambda_min_ratio=0.05)
    entered = int(np.count_nonzero(np.any(path.coefs != 0, axis=0)))
    names = [f"f{j}" for j in range(10)]
    ax = path.plot(feature_names=names)
    assert len(ax.get_lines()) == entered < 10
    assert {t.get_text() for t in ax.texts} <= set(names) and len(ax.texts) == entered
    assert ax.get_xlim()[0] > ax.get_xlim()[1]  # λ decreases to the right
    top = [other for other in ax.figure.axes if other is not ax][0]
    assert top.get_xlabel() == "nonzero features"
    assert [t.get_text() for t in top.get_xticklabels()][0] == "0"
    with pytest.raises(ValueError, match="feature_names has 2 names, but the path has 10 features"):
        path.plot(feature_names=["a", "b"])


def test_path_plot_one_panel_per_class_and_on_a_given_axes():
    from matplotlib.figure import Figure

    X, y = load_iris(return_X_y=True)
    path = regularization_path(X, y, loss="log_loss", n_lambdas=20)
    axes = path.plot()
    assert len(axes) == 3 and [a.get_title() for a in axes] == ["class 0", "class 1", "class 2"]
    for t, ax in enumerate(axes):
        assert len(ax.get_lines()) == np.count_nonzero(np.any(path.coefs[:, t] != 0, axis=0))
    ax = Figure().add_subplot()
    assert path.plot(ax=ax) is ax
    assert len(ax.get_lines()) == np.count_nonzero(np.any(path.coefs != 0, axis=0))


def test_cv_plot_marks_both_choices():
    X, y = load_diabetes(return_X_y=True)
    est = LinearRegressionCV(cv=5, n_lambdas=30).fit(X, y)
    ax = est.plot()
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 2
    assert dashed[0].get_xdata()[0] == est.lambda_min_ and dashed[1].get_xdata()[0] == est.lambda_1se_
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels[0].startswith("λ_min = ") and labels[1].startswith("λ_1se = ") and "± 1 SE" in labels[2]
    assert ax.get_ylabel() == "mean squared error"
    line = ax.containers[0].lines[0]  # the error bars' centres are cv_mean_
    np.testing.assert_allclose(line.get_ydata(), est.cv_mean_)


def test_import_shrink_linear_does_not_load_matplotlib():
    import subprocess
    import sys

    code = "import sys, shrink.linear; print('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"
