"""scikit-learn estimators: shrink's penalties (L1/L2 on weights *and* biases, dropout,
decoupled decay, proximal L1) inside pipelines, grid searches and cross-validation.

    from shrink.sklearn import MLPClassifier, MLPRegressor, LogisticRegression, LinearRegression
    from shrink.sklearn import LinearRegressionCV, LogisticRegressionCV

Penalties follow shrink's convention (``weight_l2 * sum(W**2)`` added to the *mean* loss once
per batch; see ``shrink.conventions`` for scikit-learn's own alpha and C). Each estimator keeps
the trained ``shrink.Model`` in ``model_``; learned state ends in ``_`` (``coefs_``,
``intercepts_``, ``classes_``, ``n_features_in_``, ``loss_curve_``, ``history_``). Estimators
pickle, as scikit-learn expects; shrink's own model files (``model_.save``) never do.

Stopping follows scikit-learn's MLP, with its parameter names and meanings (``tol``,
``n_iter_no_change``, ``early_stopping``, ``validation_fraction``): see ``MLPClassifier``.
Beyond scikit-learn, ``fit(X, y, validation_data=(X_val, y_val))`` takes a validation set of
the user's own (scikit-learn#18748), and every solver, L-BFGS included, stops early. A solver
that stops short of its tolerance (its iteration limit, or L-BFGS ending abnormally) warns with
``sklearn.exceptions.ConvergenceWarning``, naming the reason.

The modules, one concern each:

    stopping.py   scikit-learn's MLP stopping rule and the per-epoch monitor
    base.py       what all four share; fit/predict for classifiers and for regressors
    mlp.py        MLPClassifier, MLPRegressor
    linear.py     LogisticRegression, LinearRegression and their solvers
    cv.py         LinearRegressionCV, LogisticRegressionCV: λ by k-fold CV over the exact path
    scaling.py    the linear problem rescaled to order one, and the exact way back

Requires scikit-learn ≥ 1.6 (``pip install "shrink[sklearn]"``).
"""

from .cv import LinearRegressionCV, LogisticRegressionCV
from .linear import LinearRegression, LogisticRegression
from .mlp import MLPClassifier, MLPRegressor

__all__ = ["LinearRegression", "LinearRegressionCV", "LogisticRegression", "LogisticRegressionCV", "MLPClassifier",
           "MLPRegressor"]
