"""Other libraries' regularization knobs, converted to shrink's ``weight_l1`` / ``weight_l2``.

shrink's objective is ``J = mean loss + λ₁·Σ|W| + λ₂·ΣW²`` (no ½, not divided by the batch
size; README, "The objective, written once"). Every other library scales the penalty its own way; each function below
states the other objective, so the conversion can be checked by dividing it out. ``n`` is the
number of training samples and ``n_b`` the mini-batch size. Each returns
``{"weight_l1": λ₁, "weight_l2": λ₂}``; the ``to_*`` functions go the other way.

    source                             its objective                                     λ₂ here        λ₁ here
    Keras L1/L2, nnfs                  mean loss + l1·Σ|w| + l2·Σw²                       l2             l1
    Andrew Ng's notes                  mean loss + λ/(2n)·‖w‖² (or + λ/n·‖w‖₁)            λ/(2n)         λ/n
    scikit-learn MLPClassifier (*)     mean batch log-loss + alpha/(2·n_b)·‖w‖²           alpha/(2·n_b)  –
    scikit-learn MLPRegressor (*)      mean batch ½(y−ŷ)² + alpha/(2·n_b)·‖w‖²            alpha/n_b      –
    scikit-learn LogisticRegression    C·Σ loss + ½(1−ρ)‖w‖² + ρ‖w‖₁                      (1−ρ)/(2·C·n)  ρ/(C·n)
    scikit-learn Ridge (MSE, k targets) ‖Y − XW‖²_F + alpha‖W‖²_F                         alpha/(n·k)    –
    scikit-learn Lasso / ElasticNet    1/(2n)‖Y − XW‖²_F + alpha·ρ‖W‖₁ + ½alpha(1−ρ)‖W‖²  alpha(1−ρ)/k   2·alpha·ρ/k
    scikit-learn SGDClassifier         mean loss + alpha·(½(1−ρ)‖w‖² + ρ‖w‖₁)             alpha·(1−ρ)/2  alpha·ρ
    PyTorch weight_decay (coupled)     gradient g + wd·w in SGD/Adam                      wd/2           –
    TensorFlow Playground              mean ½(ŷ−y)² + rate·½‖w‖² (L2) or + rate·‖w‖₁ (L1)  rate (MSE)     2·rate (MSE)

(*) scikit-learn's MLP divides its penalty by the batch size, so one alpha means a different
strength at each batch size; shrink's penalty does not move with it. Its squared error has a ½
that shrink's ``MeanSquaredError`` has not, so the regressor's objective is half of shrink's:
doubled, λ₂ = alpha/n_b, and the same steps need half scikit-learn's learning rate.

k is the number of targets: shrink's MSE averages over all n·k entries (the mean loss per
entry), scikit-learn's Ridge sums them and Lasso/ElasticNet divide by 2n only, so their alpha
spreads over k targets and shrink's λ is alpha's share of one.

Decoupled weight decay (AdamW, ``torch.optim.AdamW``, Ng's W := (1 − αλ)W − α·dW) is not a
penalty: pass it as ``weight_decay`` to a shrink optimizer, where it means the same thing.
"""

from __future__ import annotations

from .errors import InvalidArgumentError
from .validation import check_int, check_nonnegative, check_number, check_positive

__all__ = [
    "CONVERSIONS",
    "from_keras",
    "from_ng",
    "from_playground",
    "from_sklearn_elasticnet",
    "from_sklearn_lasso",
    "from_sklearn_logistic",
    "from_sklearn_mlp",
    "from_sklearn_ridge",
    "from_sklearn_sgd",
    "from_torch_weight_decay",
    "to_ng",
    "to_sklearn_lasso",
    "to_sklearn_logistic",
    "to_sklearn_mlp",
    "to_sklearn_ridge",
    "to_torch_weight_decay",
]


def _nonneg(value, name: str) -> float:
    return check_nonnegative(value, name)


def _ratio(value, name: str = "l1_ratio") -> float:
    return check_number(value, name, low=0, high=1)


def _result(l1: float = 0.0, l2: float = 0.0) -> dict[str, float]:
    return {"weight_l1": l1, "weight_l2": l2}


def from_keras(l1: float = 0.0, l2: float = 0.0) -> dict[str, float]:
    """Keras ``regularizers.L1L2(l1, l2)`` and the nnfs book use shrink's convention as is."""
    return _result(_nonneg(l1, "l1"), _nonneg(l2, "l2"))


def from_ng(lam: float, n: int, *, penalty: str = "l2") -> dict[str, float]:
    """Andrew Ng's λ: ``J = (1/n)Σ loss + λ/(2n)‖W‖²_F`` (L2) or ``+ λ/n‖W‖₁`` (L1)."""
    lam, n = _nonneg(lam, "lam"), check_int(n, "n", minimum=1)
    if penalty == "l2":
        return _result(l2=lam / (2 * n))
    if penalty == "l1":
        return _result(l1=lam / n)
    raise InvalidArgumentError("penalty", message=f"penalty must be 'l1' or 'l2', got {penalty!r}")


def to_ng(weight_l2: float, n: int) -> float:
    """Ng's λ for a shrink ``weight_l2``: ``λ = 2·n·weight_l2``."""
    return 2 * check_int(n, "n", minimum=1) * _nonneg(weight_l2, "weight_l2")


def _mlp_halves(estimator: str) -> int:
    """2 for ``MLPClassifier`` (its penalty is ``alpha/(2·n_b)·‖W‖²`` on shrink's log-loss), 1 for
    ``MLPRegressor`` (the same penalty on ½ of shrink's squared error: double both)."""
    if estimator == "classifier":
        return 2
    if estimator == "regressor":
        return 1
    raise InvalidArgumentError("estimator", message=f"estimator must be 'classifier' or 'regressor', got {estimator!r}")


def from_sklearn_mlp(alpha: float, batch_size: int, *, estimator: str = "classifier") -> dict[str, float]:
    """``MLPClassifier(alpha)``: the mean log-loss of a batch of n_b gets ``alpha/(2·n_b)·‖W‖²``,
    so λ₂ = alpha/(2·n_b). ``MLPRegressor(alpha)`` (``estimator="regressor"``): its loss is
    ½ of shrink's MSE with the same penalty; doubled, λ₂ = alpha/n_b (and its learning rate is
    twice the one that takes the same steps in shrink)."""
    halves = _mlp_halves(estimator)
    return _result(l2=_nonneg(alpha, "alpha") / (halves * check_int(batch_size, "batch_size", minimum=1)))


def to_sklearn_mlp(weight_l2: float, batch_size: int, *, estimator: str = "classifier") -> float:
    """The ``alpha`` of scikit-learn's MLP that matches ``weight_l2`` at this batch size."""
    halves = _mlp_halves(estimator)
    return halves * check_int(batch_size, "batch_size", minimum=1) * _nonneg(weight_l2, "weight_l2")


def from_sklearn_logistic(C: float, n: int, *, penalty: str = "l2", l1_ratio: float = 0.5) -> dict[str, float]:
    """``LogisticRegression(C, penalty)``: ``C·Σ loss + ½‖w‖²`` (l2), ``+ ‖w‖₁`` (l1), or
    ``+ ½(1−ρ)‖w‖² + ρ‖w‖₁`` (elasticnet); divide by C·n for shrink's mean loss."""
    C, n = check_positive(C, "C"), check_int(n, "n", minimum=1)
    if penalty == "l2":
        return _result(l2=1 / (2 * C * n))
    if penalty == "l1":
        return _result(l1=1 / (C * n))
    if penalty == "elasticnet":
        rho = _ratio(l1_ratio)
        return _result(l1=rho / (C * n), l2=(1 - rho) / (2 * C * n))
    raise InvalidArgumentError("penalty", message=f"penalty must be 'l2', 'l1' or 'elasticnet', got {penalty!r}")


def to_sklearn_logistic(weight_l2: float, n: int) -> float:
    """The ``C`` of ``LogisticRegression`` (L2) that matches ``weight_l2``: ``C = 1/(2·n·λ₂)``."""
    weight_l2 = check_positive(weight_l2, "weight_l2")
    return 1 / (2 * check_int(n, "n", minimum=1) * weight_l2)


def _targets(n_targets) -> int:
    return check_int(n_targets, "n_targets", minimum=1)


def from_sklearn_ridge(alpha: float, n: int, *, n_targets: int = 1) -> dict[str, float]:
    """``Ridge(alpha)`` minimises ``‖Y − XW‖²_F + alpha‖W‖²_F`` over k = ``n_targets`` targets;
    shrink's MSE is the mean over the n·k entries: λ₂ = alpha/(n·k)."""
    return _result(l2=_nonneg(alpha, "alpha") / (check_int(n, "n", minimum=1) * _targets(n_targets)))


def to_sklearn_ridge(weight_l2: float, n: int, *, n_targets: int = 1) -> float:
    return _nonneg(weight_l2, "weight_l2") * check_int(n, "n", minimum=1) * _targets(n_targets)


def from_sklearn_lasso(alpha: float, *, n_targets: int = 1) -> dict[str, float]:
    """``Lasso(alpha)`` minimises ``1/(2n)‖Y − XW‖²_F + alpha‖W‖₁`` over k = ``n_targets``
    targets; times 2/k (shrink's MSE is a mean over n·k entries), λ₁ = 2·alpha/k."""
    return _result(l1=2 * _nonneg(alpha, "alpha") / _targets(n_targets))


def to_sklearn_lasso(weight_l1: float, *, n_targets: int = 1) -> float:
    return _nonneg(weight_l1, "weight_l1") * _targets(n_targets) / 2


def from_sklearn_elasticnet(alpha: float, l1_ratio: float = 0.5, *, n_targets: int = 1) -> dict[str, float]:
    """``ElasticNet(alpha, l1_ratio=ρ)``: ``1/(2n)‖Y − XW‖²_F + alpha·ρ‖W‖₁ + ½alpha(1−ρ)‖W‖²_F``
    over k = ``n_targets`` targets; times 2/k, λ₁ = 2·alpha·ρ/k and λ₂ = alpha·(1 − ρ)/k."""
    alpha, rho, k = _nonneg(alpha, "alpha"), _ratio(l1_ratio), _targets(n_targets)
    return _result(l1=2 * alpha * rho / k, l2=alpha * (1 - rho) / k)


def from_sklearn_sgd(alpha: float, *, penalty: str = "l2", l1_ratio: float = 0.15) -> dict[str, float]:
    """``SGDClassifier/SGDRegressor(alpha, penalty)``: ``mean loss + alpha·R(w)`` with
    ``R = ½‖w‖²`` (l2), ``‖w‖₁`` (l1) or ``½(1−ρ)‖w‖² + ρ‖w‖₁`` (elasticnet)."""
    alpha = _nonneg(alpha, "alpha")
    if penalty == "l2":
        return _result(l2=alpha / 2)
    if penalty == "l1":
        return _result(l1=alpha)
    if penalty == "elasticnet":
        rho = _ratio(l1_ratio)
        return _result(l1=alpha * rho, l2=alpha * (1 - rho) / 2)
    raise InvalidArgumentError("penalty", message=f"penalty must be 'l2', 'l1' or 'elasticnet', got {penalty!r}")


def from_torch_weight_decay(weight_decay: float) -> dict[str, float]:
    """PyTorch ``SGD/Adam(weight_decay=wd)`` adds ``wd·w`` to the gradient: the gradient of
    ``(wd/2)‖w‖²``, so λ₂ = wd/2. (``AdamW``'s decay is decoupled: use ``weight_decay`` on a
    shrink optimizer instead.)"""
    return _result(l2=_nonneg(weight_decay, "weight_decay") / 2)


def to_torch_weight_decay(weight_l2: float) -> float:
    return 2 * _nonneg(weight_l2, "weight_l2")


def from_playground(rate: float, *, regularization: str = "L2") -> dict[str, float]:
    """TensorFlow Playground's "regularization rate".

    The Playground minimises ``mean ½(ŷ − y)² + rate·Σ½w²`` (L2; its regularization derivative
    is w) or ``+ rate·Σ|w|`` (L1). Its data loss is half of shrink's ``MeanSquaredError``, so
    doubling its objective gives λ₂ = rate and λ₁ = 2·rate for a shrink MSE model. (The
    Playground also freezes an L1 weight at 0 once it crosses zero, which no penalty does.)
    """
    rate = _nonneg(rate, "rate")
    if regularization == "L2":
        return _result(l2=rate)
    if regularization == "L1":
        return _result(l1=2 * rate)
    raise InvalidArgumentError("regularization", message=f"regularization must be 'L1' or 'L2', got {regularization!r}")


#: The conversions the CLI offers: name → (function, its arguments, what it converts).
CONVERSIONS = {
    "keras": (from_keras, ("l1", "l2"), "Keras L1L2 / nnfs: the same convention"),
    "ng": (from_ng, ("lam", "n", "penalty"), "Andrew Ng: lambda/(2n)||W||^2 or lambda/n||W||_1"),
    "sklearn-mlp": (from_sklearn_mlp, ("alpha", "batch_size", "estimator"),
                    "scikit-learn MLPClassifier/MLPRegressor alpha (per batch)"),
    "sklearn-logistic": (from_sklearn_logistic, ("C", "n", "penalty", "l1_ratio"), "scikit-learn LogisticRegression C"),
    "sklearn-ridge": (from_sklearn_ridge, ("alpha", "n", "n_targets"), "scikit-learn Ridge alpha"),
    "sklearn-lasso": (from_sklearn_lasso, ("alpha", "n_targets"), "scikit-learn Lasso alpha"),
    "sklearn-elasticnet": (from_sklearn_elasticnet, ("alpha", "l1_ratio", "n_targets"),
                           "scikit-learn ElasticNet alpha, l1_ratio"),
    "sklearn-sgd": (from_sklearn_sgd, ("alpha", "penalty", "l1_ratio"), "scikit-learn SGDClassifier alpha"),
    "torch": (from_torch_weight_decay, ("weight_decay",), "PyTorch SGD/Adam weight_decay (coupled)"),
    "playground": (from_playground, ("rate", "regularization"), "TensorFlow Playground regularization rate"),
}
