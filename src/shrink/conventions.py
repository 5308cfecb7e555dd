"""Other libraries' regularization knobs, converted to shrink's ``weight_l1`` / ``weight_l2``.

shrink's objective is ``J = mean loss + λ₁·Σ|W| + λ₂·ΣW²`` (no ½, not divided by the batch
size; README, "The objective, written once"). Every other library scales the penalty its own way; each function below
states the other objective, so the conversion can be checked by dividing it out. ``n`` is the
number of training samples and ``n_b`` the mini-batch size. Each returns
``{"weight_l1": λ₁, "weight_l2": λ₂}``; the ``to_*`` functions go the other way.

    source                             its objective                                     λ₂ here        λ₁ here
    Keras L1/L2, nnfs                  mean loss + l1·Σ|w| + l2·Σw²                       l2             l1
    Andrew Ng's notes                  mean loss + λ/(2n)·‖w‖² (or + λ/n·‖w‖₁)            λ/(2n)         λ/n
    scikit-learn MLP (*)               mean batch loss + alpha/(2·n_b)·‖w‖²               alpha/(2·n_b)  –
    scikit-learn LogisticRegression    C·Σ loss + ½(1−ρ)‖w‖² + ρ‖w‖₁                      (1−ρ)/(2·C·n)  ρ/(C·n)
    scikit-learn Ridge (MSE)           ‖y − Xw‖² + alpha‖w‖²                              alpha/n        –
    scikit-learn Lasso / ElasticNet    1/(2n)‖y − Xw‖² + alpha·ρ‖w‖₁ + ½alpha(1−ρ)‖w‖²    alpha·(1−ρ)    2·alpha·ρ
    scikit-learn SGDClassifier         mean loss + alpha·(½(1−ρ)‖w‖² + ρ‖w‖₁)             alpha·(1−ρ)/2  alpha·ρ
    PyTorch weight_decay (coupled)     gradient g + wd·w in SGD/Adam                      wd/2           –
    TensorFlow Playground              mean ½(ŷ−y)² + rate·½‖w‖² (L2) or + rate·‖w‖₁ (L1)  rate (MSE)     2·rate (MSE)

(*) scikit-learn's MLP divides its penalty by the batch size, so one alpha means a different
strength at each batch size; shrink's penalty does not move with it.

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


def from_sklearn_mlp(alpha: float, batch_size: int) -> dict[str, float]:
    """``MLPClassifier/MLPRegressor(alpha)``: the loss gets ``alpha/(2·n_b)·‖W‖²`` per batch of n_b."""
    return _result(l2=_nonneg(alpha, "alpha") / (2 * check_int(batch_size, "batch_size", minimum=1)))


def to_sklearn_mlp(weight_l2: float, batch_size: int) -> float:
    """The ``alpha`` of scikit-learn's MLP that matches ``weight_l2`` at this batch size."""
    return 2 * check_int(batch_size, "batch_size", minimum=1) * _nonneg(weight_l2, "weight_l2")


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


def from_sklearn_ridge(alpha: float, n: int) -> dict[str, float]:
    """``Ridge(alpha)`` minimises ``‖y − Xw‖² + alpha‖w‖²``; shrink's MSE is a mean: λ₂ = alpha/n."""
    return _result(l2=_nonneg(alpha, "alpha") / check_int(n, "n", minimum=1))


def to_sklearn_ridge(weight_l2: float, n: int) -> float:
    return _nonneg(weight_l2, "weight_l2") * check_int(n, "n", minimum=1)


def from_sklearn_lasso(alpha: float) -> dict[str, float]:
    """``Lasso(alpha)`` minimises ``1/(2n)‖y − Xw‖² + alpha‖w‖₁``; doubled, λ₁ = 2·alpha."""
    return _result(l1=2 * _nonneg(alpha, "alpha"))


def to_sklearn_lasso(weight_l1: float) -> float:
    return _nonneg(weight_l1, "weight_l1") / 2


def from_sklearn_elasticnet(alpha: float, l1_ratio: float = 0.5) -> dict[str, float]:
    """``ElasticNet(alpha, l1_ratio=ρ)``: ``1/(2n)‖y − Xw‖² + alpha·ρ‖w‖₁ + ½alpha(1−ρ)‖w‖²``."""
    alpha, rho = _nonneg(alpha, "alpha"), _ratio(l1_ratio)
    return _result(l1=2 * alpha * rho, l2=alpha * (1 - rho))


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
    "sklearn-mlp": (from_sklearn_mlp, ("alpha", "batch_size"), "scikit-learn MLP alpha (per batch)"),
    "sklearn-logistic": (from_sklearn_logistic, ("C", "n", "penalty", "l1_ratio"), "scikit-learn LogisticRegression C"),
    "sklearn-ridge": (from_sklearn_ridge, ("alpha", "n"), "scikit-learn Ridge alpha"),
    "sklearn-lasso": (from_sklearn_lasso, ("alpha",), "scikit-learn Lasso alpha"),
    "sklearn-elasticnet": (from_sklearn_elasticnet, ("alpha", "l1_ratio"), "scikit-learn ElasticNet alpha, l1_ratio"),
    "sklearn-sgd": (from_sklearn_sgd, ("alpha", "penalty", "l1_ratio"), "scikit-learn SGDClassifier alpha"),
    "torch": (from_torch_weight_decay, ("weight_decay",), "PyTorch SGD/Adam weight_decay (coupled)"),
    "playground": (from_playground, ("rate", "regularization"), "TensorFlow Playground regularization rate"),
}
