"""A linear model's coefficients as a shrink ``Model``: one Dense layer and the head."""

from __future__ import annotations

import numpy as np

from ..layers import Dense
from ..model import Model

__all__ = ["one_layer_model"]


def one_layer_model(n_features: int, n_outputs: int, head, loss, penalties: dict, rng=0, *, coef=None,
                    intercept=None) -> Model:
    """``Model([Dense(n_features, n_outputs, **penalties), head()], loss)`` in float64, holding
    ``coef`` ((n_outputs, n_features) or (n_features,)) and ``intercept`` ((n_outputs,) or a
    number) when given, else starting at the origin (a convex problem, as scikit-learn)."""
    model = Model([Dense(n_features, n_outputs, rng=rng, **penalties), head()], loss=loss, dtype="float64")
    dense = model.layers[0]
    dense.weights[...] = 0.0 if coef is None else np.reshape(coef, (-1, n_features)).T
    if intercept is not None:
        dense.biases[...] = np.reshape(intercept, (1, -1))
    return model
