"""Feature standardization learned on training data and carried by the model file.

A penalty's strength depends on the scale of the features it multiplies: for a linear unit
``w·x``, measuring a feature in millimetres instead of metres divides the weight that fits by
1000, so λ₂·w² penalizes it a million times less. With features of very different scales, one λ
then means a strong penalty on some inputs and none on others. Standardizing every feature to
mean 0 and standard deviation 1 puts all weights on one scale, so one λ treats them alike (the
reason glmnet and scikit-learn's guides standardize before penalizing).
"""

from __future__ import annotations

import numpy as np

from .errors import InvalidArgumentError, ModelFileError
from .validation import check_array

__all__ = ["Standardizer"]


class Standardizer:
    """Per-feature ``z = (x − mean_) / scale_``, learned by ``fit`` on training data.

    ``mean_`` is each column's mean and ``scale_`` its standard deviation (``ddof=0``, as
    ``numpy.std``), with 1 in place of 0 for a constant column (which then becomes 0, rather
    than a division by zero). Fit on the training split only: statistics that saw the
    validation rows would leak them into training.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,), float64
    scale_ : ndarray of shape (n_features,), float64, every entry > 0
    """

    def __init__(self):
        self.mean_ = None
        self.scale_ = None

    def fit(self, X) -> Standardizer:
        """Learn ``mean_`` and ``scale_`` from ``X`` (n_samples, n_features); returns self."""
        X = check_array(X, "X", ndim=(2,), dtype=np.float64)
        self.mean_ = X.mean(axis=0)
        std = X.std(axis=0)
        self.scale_ = np.where(std > 0, std, 1.0)
        return self

    def transform(self, X) -> np.ndarray:
        """``(X − mean_) / scale_``: a new float64 array of X's shape (n_samples, n_features)."""
        if self.mean_ is None:
            raise InvalidArgumentError("X", message="this Standardizer is not fitted yet: call fit(X_train) first")
        X = check_array(X, "X", ndim=(2,), dtype=np.float64)
        if X.shape[1] != len(self.mean_):
            raise InvalidArgumentError("X", message=f"X has {X.shape[1]} features, but the Standardizer was fitted "
                                                    f"on {len(self.mean_)}")
        return (X - self.mean_) / self.scale_

    def fit_transform(self, X) -> np.ndarray:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)

    def get_config(self) -> dict:
        """``{"mean": [...], "scale": [...]}``: JSON numbers that read back to the same floats."""
        return {"mean": [float(v) for v in self.mean_], "scale": [float(v) for v in self.scale_]}

    @classmethod
    def from_config(cls, config) -> Standardizer:
        """A fitted Standardizer from ``get_config()``'s output; anything else (lists of
        different lengths, a scale that is not a finite number > 0) raises ``ModelFileError``."""
        if not isinstance(config, dict) or set(config) != {"mean", "scale"}:
            raise ModelFileError(f"a standardizer must be an object with 'mean' and 'scale', got {_brief(config)}")
        arrays = {}
        for key in ("mean", "scale"):
            values = config[key]
            if not isinstance(values, list) or not values or not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
                raise ModelFileError(f"the standardizer's {key} must be a non-empty list of numbers, "
                                     f"got {_brief(values)}")
            arrays[key] = np.array(values, dtype=np.float64)
        if len(arrays["mean"]) != len(arrays["scale"]):
            raise ModelFileError(f"the standardizer has {len(arrays['mean'])} means but {len(arrays['scale'])} "
                                 "scales")
        if not np.all(np.isfinite(arrays["mean"])) or not np.all(np.isfinite(arrays["scale"])) \
                or np.any(arrays["scale"] <= 0):
            raise ModelFileError("the standardizer's means must be finite and its scales finite and > 0")
        standardizer = cls()
        standardizer.mean_, standardizer.scale_ = arrays["mean"], arrays["scale"]
        return standardizer

    def __repr__(self) -> str:
        if self.mean_ is None:
            return "Standardizer()"
        return f"Standardizer(n_features={len(self.mean_)})"


def _brief(value) -> str:
    from reprlib import repr as brief

    return brief(value)
