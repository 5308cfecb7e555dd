"""scikit-learn estimators: shrink's penalties (L1/L2 on weights *and* biases, dropout,
decoupled decay, proximal L1) inside pipelines, grid searches and cross-validation.

    from shrink.sklearn import MLPClassifier, MLPRegressor, LogisticRegression, LinearRegression

Penalties follow shrink's convention (``weight_l2 * sum(W**2)`` added to the *mean* loss once
per batch; see ``shrink.conventions`` for scikit-learn's own alpha and C). Each estimator keeps
the trained ``shrink.Model`` in ``model_``; learned state ends in ``_`` (``coefs_``,
``intercepts_``, ``classes_``, ``n_features_in_``, ``loss_curve_``, ``history_``). Estimators
pickle, as scikit-learn expects; shrink's own model files (``model_.save``) never do.

Requires scikit-learn ≥ 1.6 (``pip install "shrink[sklearn]"``).
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .activations import Linear, ReLU, Sigmoid, Softmax, Tanh
from .layers import Dense, Dropout
from .losses import BinaryCrossentropy, CategoricalCrossentropy, MeanSquaredError
from .model import Model
from .optimizers import SGD, Adagrad, Adam, RMSprop

__all__ = ["LinearRegression", "LogisticRegression", "MLPClassifier", "MLPRegressor"]

_ACTIVATIONS = {"relu": (ReLU, "he"), "tanh": (Tanh, "glorot"), "sigmoid": (Sigmoid, "glorot")}
_SOLVERS = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop, "adagrad": Adagrad}


def _seeds(random_state) -> tuple[np.random.Generator, np.random.Generator]:
    """Independent generators for initial weights and for shuffling/dropout."""
    seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    init, fit = np.random.SeedSequence(seed).spawn(2)
    return np.random.default_rng(init), np.random.default_rng(fit)


def _check_choice(value, name: str, choices) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")


def _check_epochs(epochs, name: str = "epochs") -> int:
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {epochs!r}")
    return int(epochs)


class _ShrinkEstimator(BaseEstimator):
    """What all four share: penalties per Dense layer, training, learned attributes."""

    def _penalties(self) -> dict:
        return {"weight_l1": self.weight_l1, "weight_l2": self.weight_l2,
                "bias_l1": self.bias_l1, "bias_l2": self.bias_l2}

    def _finish(self, model: Model, history) -> None:
        self.model_ = model
        dense = [layer for layer in model.layers if isinstance(layer, Dense)]
        self.coefs_ = [layer.weights.copy() for layer in dense]
        self.intercepts_ = [layer.biases.ravel().copy() for layer in dense]
        self.history_ = {k: list(v) for k, v in history.history.items()}
        self.loss_curve_ = list(history.history["loss"])
        self.n_iter_ = len(history)

    def _fitted(self) -> None:
        """A hook for attributes derived after training (the linear models' coef_)."""

    def _outputs(self, X) -> np.ndarray:
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return self.model_.predict(X)


class _Classifier(ClassifierMixin):
    """fit/predict for classifiers: labels encoded through ``classes_``; two classes get one
    sigmoid output and binary cross-entropy, more a softmax and categorical cross-entropy."""

    def fit(self, X, y):
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        check_classification_targets(y)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"{type(self).__name__} needs samples of at least 2 classes; got 1 class: {self.classes_[0]!r}")
        if len(self.classes_) == 2:
            self._train(X, encoded, 1, Sigmoid, BinaryCrossentropy())
        else:
            self._train(X, encoded, len(self.classes_), Softmax, CategoricalCrossentropy())
        self._fitted()
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns in ``classes_`` order."""
        probs = self._outputs(X)
        return np.hstack([1 - probs, probs]) if len(self.classes_) == 2 else probs

    def predict(self, X) -> np.ndarray:
        probs = self.predict_proba(X)  # checks fittedness before classes_ is touched
        return self.classes_[np.argmax(probs, axis=1)]


class _Regressor(RegressorMixin):
    """fit/predict for regressors (MSE, a linear head): one output per target."""

    def fit(self, X, y):
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32], multi_output=True, y_numeric=True)
        self._single_target = y.ndim == 1
        targets = y.reshape(len(y), -1)
        self._train(X, targets, targets.shape[1], Linear, MeanSquaredError())
        self._fitted()
        return self

    def predict(self, X) -> np.ndarray:
        outputs = self._outputs(X)
        return outputs.ravel() if self._single_target else outputs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


# ---------------------------------------------------------------------------- networks
class _MLP(_ShrinkEstimator):
    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        weight_l1=0.0,
        weight_l2=0.0,
        bias_l1=0.0,
        bias_l2=0.0,
        dropout=0.0,
        solver="adam",
        learning_rate=0.001,
        epochs=200,
        batch_size=200,
        l1_method="subgradient",
        weight_decay=0.0,
        random_state=None,
        verbose=0,
        dtype="float64",
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.weight_l1 = weight_l1
        self.weight_l2 = weight_l2
        self.bias_l1 = bias_l1
        self.bias_l2 = bias_l2
        self.dropout = dropout
        self.solver = solver
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.l1_method = l1_method
        self.weight_decay = weight_decay
        self.random_state = random_state
        self.verbose = verbose
        self.dtype = dtype

    def _network(self, n_features: int, n_outputs: int, head, init_rng) -> list:
        _check_choice(self.activation, "activation", list(_ACTIVATIONS))
        sizes = self.hidden_layer_sizes
        sizes = (sizes,) if isinstance(sizes, numbers.Integral) else tuple(sizes)
        if any(isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 1 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must hold integers >= 1, got {self.hidden_layer_sizes!r}")
        activation, init = _ACTIVATIONS[self.activation]
        layers, width = [], n_features
        for size in sizes:
            layers += [Dense(width, size, rng=init_rng, init=init, **self._penalties()), activation()]
            if self.dropout:
                layers.append(Dropout(self.dropout))
            width = size
        return layers + [Dense(width, n_outputs, rng=init_rng, init="glorot", **self._penalties()), head()]

    def _train(self, X, targets, n_outputs: int, head, loss) -> None:
        _check_choice(self.solver, "solver", list(_SOLVERS))
        epochs = _check_epochs(self.epochs)
        batch_size = self.batch_size
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral)
                                       or batch_size < 1):
            raise ValueError(f"batch_size must be an integer >= 1 or None, got {batch_size!r}")
        verbose = int(self.verbose or 0)
        init_rng, fit_rng = _seeds(self.random_state)
        optimizer = _SOLVERS[self.solver](self.learning_rate, weight_decay=self.weight_decay, l1_method=self.l1_method)
        model = Model(self._network(X.shape[1], n_outputs, head, init_rng), loss=loss, optimizer=optimizer,
                      dtype=self.dtype)
        history = model.fit(X, targets, epochs=epochs, batch_size=None if batch_size is None else min(batch_size, len(X)),
                            rng=fit_rng, print_every=verbose)
        self._finish(model, history)


class MLPClassifier(_Classifier, _MLP):
    """A multi-layer perceptron classifier with L1/L2 on weights and biases, and dropout.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default (100,)
    activation : {"relu", "tanh", "sigmoid"}, default "relu"
    weight_l1, weight_l2, bias_l1, bias_l2 : float, default 0
        Penalties on every Dense layer: ``weight_l1·Σ|W| + weight_l2·ΣW² + …``, added to the
        mean loss once per batch (scikit-learn's ``alpha`` is ``weight_l2 = alpha/(2·batch)``).
    dropout : float in [0, 1), default 0
        Dropout after each hidden activation.
    solver : {"adam", "sgd", "rmsprop", "adagrad"}, default "adam"
    learning_rate : float, default 0.001
    epochs : int, default 200
    batch_size : int or None, default 200
        None trains on the full batch.
    l1_method : {"subgradient", "proximal", "cumulative"}, default "subgradient"
        How L1 is applied; "proximal" gives exact zeros.
    weight_decay : float, default 0
        Decoupled decay of the weights (AdamW style).
    random_state : int, RandomState or None
    verbose : int, default 0
        Print a progress line every ``verbose`` epochs.
    dtype : {"float64", "float32"}, default "float64"

    Binary problems use one sigmoid output and binary cross-entropy; more classes a softmax.
    """


class MLPRegressor(_Regressor, _MLP):
    """A multi-layer perceptron regressor (MSE) with L1/L2 on weights and biases, and dropout.

    Parameters are those of ``MLPClassifier``; the output layer is linear, one unit per target.
    """


# ---------------------------------------------------------------------------- linear models
class _Linear(_ShrinkEstimator):
    def __init__(
        self,
        *,
        weight_l1=0.0,
        weight_l2=0.0,
        bias_l1=0.0,
        bias_l2=0.0,
        solver="auto",
        learning_rate=None,
        epochs=1000,
        batch_size=None,
        tol=1e-8,
        random_state=None,
        verbose=0,
    ):
        self.weight_l1 = weight_l1
        self.weight_l2 = weight_l2
        self.bias_l1 = bias_l1
        self.bias_l2 = bias_l2
        self.solver = solver
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose

    #: Curvature bound of the loss per unit of ‖[X, 1]‖₂²/n (logistic ¼, softmax ½, MSE 2/k).
    _curvature = 1.0

    def _train(self, X, targets, n_outputs: int, head, loss) -> None:
        _check_choice(self.solver, "solver", ["auto", "lbfgs", "proximal", *_SOLVERS])
        epochs = _check_epochs(self.epochs)
        init_rng, fit_rng = _seeds(self.random_state)
        model = Model([Dense(X.shape[1], n_outputs, rng=init_rng, **self._penalties()), head()], loss=loss,
                      dtype="float64")
        for layer in model.layers[:1]:
            layer.weights[...] = 0.0  # a convex problem: start at the origin, as scikit-learn does
        has_l1 = bool(self.weight_l1 or self.bias_l1)
        solver = ("proximal" if has_l1 else "lbfgs") if self.solver == "auto" else self.solver
        if solver == "lbfgs":
            from .lbfgs import fit_lbfgs

            history = fit_lbfgs(model, X, targets, max_iter=epochs, tol=self.tol)
        elif solver == "proximal":
            history = self._proximal(model, X, targets, epochs, n_outputs)
        else:
            rate = 0.01 if self.learning_rate is None else self.learning_rate
            model.optimizer = _SOLVERS[solver](rate, l1_method="proximal" if has_l1 else "subgradient")
            history = model.fit(X, targets, epochs=epochs, batch_size=self.batch_size, rng=fit_rng,
                                print_every=int(self.verbose or 0))
        self._finish(model, history)

    def _proximal(self, model: Model, X, targets, epochs: int, n_outputs: int):
        """Full-batch proximal gradient (ISTA) with the safe step 1/L, until weights settle."""
        augmented = np.hstack([X, np.ones((len(X), 1))])
        lipschitz = self._curvature_for(n_outputs) * np.linalg.norm(augmented, 2) ** 2 / len(X)
        lipschitz += 2 * max(self.weight_l2, self.bias_l2)
        rate = 1.0 / lipschitz if self.learning_rate is None else self.learning_rate
        model.optimizer = SGD(rate, l1_method="proximal")
        from .history import History

        history, chunk, done = History(), 50, 0
        while done < epochs:
            before = [v.copy() for _, v, *_ in model.parameters()]
            part = model.fit(X, targets, epochs=min(chunk, epochs - done), shuffle=False)
            for i, logs in enumerate(zip(*part.history.values())):
                history.append(done + i, dict(zip(part.history, logs)))
            done += len(part)
            change = max(float(np.max(np.abs(v - b))) for (_, v, *_), b in zip(model.parameters(), before))
            scale = max(1.0, max(float(np.max(np.abs(v))) for _, v, *_ in model.parameters()))
            if change <= self.tol * scale:
                break
        return history

    def _curvature_for(self, n_outputs: int) -> float:
        return self._curvature


class LogisticRegression(_Classifier, _Linear):
    """Logistic regression (binary: sigmoid; more classes: softmax) with L1/L2 in shrink's
    convention: ``J = mean log-loss + weight_l1·Σ|w| + weight_l2·Σw²`` (intercept unpenalized
    unless ``bias_l1``/``bias_l2``). ``LogisticRegression(weight_l2=λ)`` is scikit-learn's
    ``LogisticRegression(C=1/(2·λ·n))``, and ``weight_l2 = λ_Ng/(2n)`` is seed 003's.

    Parameters
    ----------
    weight_l1, weight_l2, bias_l1, bias_l2 : float, default 0
    solver : {"auto", "lbfgs", "proximal", "sgd", "adam", "rmsprop", "adagrad"}, default "auto"
        "auto": L-BFGS when the penalty is smooth (no L1), else full-batch proximal gradient
        with step 1/L, which gives exact zeros.
    learning_rate : float, optional
        For the gradient solvers (default 1/L for "proximal", 0.01 otherwise).
    epochs : int, default 1000
        Iteration limit (epochs for gradient solvers).
    batch_size : int or None, default None
        For "sgd"/"adam"/...; None is full batch.
    tol : float, default 1e-8
        Gradient tolerance for L-BFGS; relative weight change for "proximal".
    random_state, verbose
        As for ``MLPClassifier``.

    Attributes: ``coef_`` (1, n_features) for two classes, (n_classes, n_features) otherwise;
    ``intercept_``; ``classes_``; and the common ``coefs_``, ``intercepts_``, ``model_`` ….
    """

    def _curvature_for(self, n_outputs: int) -> float:
        return 0.25 if n_outputs == 1 else 0.5

    def _fitted(self) -> None:
        self.coef_ = self.coefs_[0].T.copy()
        self.intercept_ = self.intercepts_[0].copy()


class LinearRegression(_Regressor, _Linear):
    """Least squares with L1/L2 in shrink's convention: ``J = mean((y − Xw − b)²) +
    weight_l1·Σ|w| + weight_l2·Σw²``: ridge is ``weight_l2 = alpha/n`` of scikit-learn's
    ``Ridge(alpha)``, lasso ``weight_l1 = 2·alpha`` of ``Lasso(alpha)``. Parameters as for
    ``LogisticRegression``; ``coef_`` has shape (n_features,) for one target, (n_targets,
    n_features) for several."""

    def _curvature_for(self, n_outputs: int) -> float:
        return 2.0 / n_outputs

    def _fitted(self) -> None:
        self.coef_ = self.coefs_[0].T.copy()
        self.intercept_ = self.intercepts_[0].copy()
        if self._single_target:
            self.coef_, self.intercept_ = self.coef_.ravel(), float(self.intercept_[0])
