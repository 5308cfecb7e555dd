"""What every estimator shares: argument checks, seeds, the holdout, the stopping monitor and
the fitted attributes (``ShrinkEstimator``), and fit/predict for classifiers (``Classifier``:
labels through ``classes_``) and regressors (``Regressor``: one output per target)."""

from __future__ import annotations

import math
import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, is_classifier
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_consistent_length, check_is_fitted, validate_data

from .. import registry
from ..activations import Linear, Sigmoid, Softmax
from ..layers import Dense
from ..losses import BinaryCrossentropy, CategoricalCrossentropy, MeanSquaredError
from ..model import Model
from ..penalties import check_factor
from .stopping import Monitor, NoImprovement

__all__ = ["Classifier", "Regressor", "ShrinkEstimator", "check_choice", "check_epochs", "check_flag", "seeds", "solvers"]


def solvers() -> dict:
    """The gradient solvers: every optimizer in ``shrink.registry.OPTIMIZERS``, read at fit time,
    so an optimizer added to the registry is a ``solver`` with no edit here."""
    return registry.OPTIMIZERS


def seeds(random_state) -> tuple[np.random.Generator, np.random.Generator, int]:
    """Independent randomness for initial weights, for shuffling/dropout, and (an int seed for
    ``train_test_split``) for the early-stopping validation split. The first two are what they
    were before the split existed: ``SeedSequence.spawn`` gives child ``i`` the same state
    whatever the number of children."""
    seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    init, fit, split = np.random.SeedSequence(seed).spawn(3)
    return np.random.default_rng(init), np.random.default_rng(fit), int(split.generate_state(1)[0])


def check_choice(value, name: str, choices) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")


def check_epochs(epochs, name: str = "epochs") -> int:
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {epochs!r}")
    return int(epochs)


def check_flag(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


class ShrinkEstimator(BaseEstimator):
    """What all four share: penalties per Dense layer, validation data, stopping, attributes."""

    def _penalties(self) -> dict:
        return {"weight_l1": self.weight_l1, "weight_l2": self.weight_l2,
                "bias_l1": self.bias_l1, "bias_l2": self.bias_l2}

    def _first_factor(self, n_features: int):
        """``penalty_factor`` checked against the width of X (None, a number, or one per feature)."""
        factor = check_factor(self.penalty_factor, "penalty_factor")
        if isinstance(factor, np.ndarray) and len(factor) != n_features:
            raise ValueError(f"penalty_factor has {len(factor)} entries, but X has {n_features} features "
                             "(one factor per feature)")
        return factor

    def _check_stopping(self) -> bool:
        """Validate the stopping parameters; return ``early_stopping``."""
        early = check_flag(self.early_stopping, "early_stopping")
        fraction = self.validation_fraction
        if isinstance(fraction, bool) or not isinstance(fraction, numbers.Real) or not 0 <= fraction < 1:
            raise ValueError(f"validation_fraction must be a number in [0, 1), got {fraction!r}")
        patience = self.n_iter_no_change
        if not (patience == np.inf or (not isinstance(patience, bool) and isinstance(patience, numbers.Integral)
                                       and patience >= 1)):
            raise ValueError(f"n_iter_no_change must be an integer >= 1 or numpy.inf, got {patience!r}")
        tol = self.tol
        if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not 0 <= tol < math.inf:
            raise ValueError(f"tol must be a finite number >= 0, got {tol!r}")
        return early

    def _holdout(self, X, targets, validation, early: bool, split_seed: int):
        """(X, targets, validation): the user's validation data if given; else, with early
        stopping, ``validation_fraction`` of (X, targets) held out by scikit-learn's
        ``train_test_split`` (stratified by class for classifiers, as scikit-learn's MLP)."""
        if validation is not None or not early:
            return X, targets, validation
        if self.validation_fraction == 0:
            raise ValueError("validation_fraction must be > 0 when early_stopping=True without validation_data")
        stratify = targets if is_classifier(self) else None
        X, X_val, targets, y_val = train_test_split(X, targets, test_size=self.validation_fraction,
                                                    random_state=split_seed, stratify=stratify)
        if len(X_val) < 2:
            raise ValueError("The validation set is too small. Increase 'validation_fraction' or the size of your "
                             "dataset.")
        return X, targets, (X_val, y_val)

    def _monitor(self, validation, early: bool, *, loss_rule: bool, view=None) -> Monitor:
        """The epoch monitor: validation scores when there is validation data; scikit-learn's
        rule on the validation score with ``early_stopping``, else on the training loss when
        ``loss_rule`` (the MLPs), else none (the linear models). ``view(model)`` is the model
        to score when the one trained is not the one ``fit`` returns (a rescaled problem)."""
        score = None
        if validation is not None:
            X_val, y_val = validation
            view = view if view is not None else (lambda model: model)
            score = lambda model: self._validation_score(view(model), X_val, y_val)  # noqa: E731
        rule = None
        if early:
            rule = NoImprovement(float(self.tol), self.n_iter_no_change, maximize=True)
        elif loss_rule:
            rule = NoImprovement(float(self.tol), self.n_iter_no_change, maximize=False)
        return Monitor(score=score, rule=rule, keep_best=early)

    def _finish(self, model: Model, history, monitor: Monitor | None = None, early: bool = False) -> None:
        """The fitted attributes of ``model`` as trained (the monitor's best weights already
        restored). ``n_iter_`` is the solver's own count where it keeps one (``history.n_iter``:
        L-BFGS, whose history holds the starting point when it made no iteration)."""
        self.model_ = model
        dense = [layer for layer in model.layers if isinstance(layer, Dense)]
        self.coefs_ = [layer.weights.copy() for layer in dense]
        self.intercepts_ = [layer.biases.ravel().copy() for layer in dense]
        self.history_ = {k: list(v) for k, v in history.history.items()}
        self.loss_curve_ = list(history.history["loss"])
        self.n_iter_ = int(getattr(history, "n_iter", len(history)))
        scored = monitor is not None and monitor.score is not None
        self.validation_scores_ = list(monitor.scores) if scored else None
        if early:
            self.best_loss_ = None
            self.best_validation_score_ = float(monitor.rule.best)
            self.best_epoch_ = self.n_iter_ - 1 if monitor.best_epoch is None else monitor.best_epoch
        else:
            self.best_loss_ = float(min(self.loss_curve_))
            self.best_validation_score_ = None
            self.best_epoch_ = self.n_iter_ - 1

    def _fitted(self) -> None:
        """A hook for attributes derived after training (the linear models' coef_)."""

    def _outputs(self, X) -> np.ndarray:
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return self.model_.predict(X)

    def _validation_X(self, validation_data):
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError("validation_data must be a pair (X_val, y_val)")
        X_val, y_val = validation_data
        X_val = validate_data(self, X_val, reset=False, dtype=[np.float64, np.float32])
        return X_val, y_val



class Classifier(ClassifierMixin):
    """fit/predict for classifiers: labels encoded through ``classes_``; two classes get one
    sigmoid output and binary cross-entropy, more a softmax and categorical cross-entropy."""

    def fit(self, X, y, validation_data=None):
        """Train on (X, y).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels (any type ``numpy.unique`` sorts: ints, strings, ...).
        validation_data : (X_val, y_val), optional
            A validation set of your own, used instead of holding out ``validation_fraction``
            of (X, y): all of (X, y) is trained on, early stopping (when on) monitors the
            accuracy on (X_val, y_val), and ``validation_scores_`` records it every epoch.
            ``y_val`` holds labels of ``classes_`` (a label not in ``y`` is a ValueError). In a
            ``Pipeline``, X_val is *not* passed through the earlier steps.

        Returns
        -------
        self
        """
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        check_classification_targets(y)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"{type(self).__name__} needs samples of at least 2 classes; got 1 class: {self.classes_[0]!r}")
        validation = None if validation_data is None else self._encode_validation(validation_data)
        if len(self.classes_) == 2:
            self._train(X, encoded, 1, Sigmoid, BinaryCrossentropy(), validation)
        else:
            self._train(X, encoded, len(self.classes_), Softmax, CategoricalCrossentropy(), validation)
        self._fitted()
        return self

    def _encode_validation(self, validation_data):
        X_val, y_val = self._validation_X(validation_data)
        y_val = column_or_1d(y_val)
        check_consistent_length(X_val, y_val)
        index = {label: i for i, label in enumerate(self.classes_.tolist())}
        encoded = np.fromiter((index.get(label, -1) for label in y_val.tolist()), dtype=np.intp, count=len(y_val))
        if (encoded < 0).any():
            unknown = list(dict.fromkeys(label for label, code in zip(y_val.tolist(), encoded) if code < 0))
            raise ValueError(f"y_val holds labels that are not in y: {unknown[:10]!r} "
                             f"(classes_ are {self.classes_.tolist()!r})")
        return X_val, encoded

    def _probabilities(self, outputs: np.ndarray) -> np.ndarray:
        return np.hstack([1 - outputs, outputs]) if len(self.classes_) == 2 else outputs

    def _validation_score(self, model: Model, X_val, y_val) -> float:
        """scikit-learn's ``MLPClassifier`` validation score: the accuracy of ``predict``."""
        predicted = np.argmax(self._probabilities(model.predict(X_val)), axis=1)
        return float(np.mean(predicted == y_val))

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns in ``classes_`` order."""
        return self._probabilities(self._outputs(X))

    def predict(self, X) -> np.ndarray:
        probs = self.predict_proba(X)  # checks fittedness before classes_ is touched
        return self.classes_[np.argmax(probs, axis=1)]



class Regressor(RegressorMixin):
    """fit/predict for regressors (MSE, a linear head): one output per target."""

    def fit(self, X, y, validation_data=None):
        """Train on (X, y).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        validation_data : (X_val, y_val), optional
            A validation set of your own, used instead of holding out ``validation_fraction``
            of (X, y): all of (X, y) is trained on, early stopping (when on) monitors R² on
            (X_val, y_val), and ``validation_scores_`` records it every epoch. ``y_val`` has
            the targets of ``y``. In a ``Pipeline``, X_val is *not* passed through the
            earlier steps.

        Returns
        -------
        self
        """
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32], multi_output=True, y_numeric=True)
        self._single_target = y.ndim == 1
        targets = y.reshape(len(y), -1)
        validation = None
        if validation_data is not None:
            X_val, y_val = self._validation_X(validation_data)
            y_val = check_array(y_val, ensure_2d=False, dtype=np.float64, input_name="y_val")
            check_consistent_length(X_val, y_val)
            if y_val.ndim > 2 or y_val.reshape(len(y_val), -1).shape[1] != targets.shape[1]:
                raise ValueError(f"y_val has shape {y_val.shape}, but y has {targets.shape[1]} target(s)")
            validation = (X_val, y_val.reshape(len(y_val), -1))
        self._train(X, targets, targets.shape[1], Linear, MeanSquaredError(), validation)
        self._fitted()
        return self

    def _shaped(self, outputs: np.ndarray) -> np.ndarray:
        return outputs.ravel() if self._single_target else outputs

    def _validation_score(self, model: Model, X_val, y_val) -> float:
        """scikit-learn's ``MLPRegressor`` validation score: R² of ``predict`` (``score``)."""
        return float(r2_score(self._shaped(y_val), self._shaped(model.predict(X_val))))

    def predict(self, X) -> np.ndarray:
        return self._shaped(self._outputs(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


