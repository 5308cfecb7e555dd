"""Full-batch L-BFGS on a model's objective (SciPy's L-BFGS-B), for smooth problems.

Logistic and linear regression with L2 (or no) penalty are smooth and convex; a quasi-Newton
method reaches their minimum to many digits in tens of iterations, where gradient descent
needs thousands of epochs. The objective and its gradient are the model's own
(``forward`` + ``backward``), so the solver only flattens parameters for SciPy.

A run that ends anywhere but at its tolerance is never silent: ``fit_lbfgs`` warns with
``shrink.ConvergenceWarning`` naming why (the iteration limit, or SciPy's abnormal termination,
typically a line search that found no lower point on a badly scaled problem), and the returned
``History`` says so too (``converged``, ``reason``).
"""

from __future__ import annotations

import warnings

import numpy as np

from .errors import ConvergenceWarning, InvalidArgumentError
from .history import History
from .layers import Dropout
from .penalties import L1, GroupL1
from .validation import check_int, check_positive

__all__ = ["fit_lbfgs", "run_lbfgs"]

#: SciPy's ``OptimizeResult.status`` for L-BFGS-B.
_CONVERGED, _LIMIT, _ABNORMAL = 0, 1, 2


def fit_lbfgs(model, X, y, *, max_iter: int = 1000, tol: float = 1e-10) -> History:
    """Minimise J = mean loss + penalties over all parameters with L-BFGS-B.

    Parameters
    ----------
    model : Model
        Its parameters are the starting point and receive the solution. L1 penalties (not
        differentiable at 0) and dropout (not a fixed function) are refused.
    X, y : training data, as for ``Model.fit``.
    max_iter : int
        Iteration limit.
    tol : float
        Stop when the largest gradient entry is below ``tol`` (SciPy's ``gtol``).

    Returns a ``History`` with one entry per iteration (``loss``, ``data_loss``, ``reg_loss``;
    the starting point's when SciPy made no iteration) and the attributes of ``run_lbfgs``.

    Warns
    -----
    shrink.ConvergenceWarning
        When L-BFGS-B stops before the gradient meets ``tol``: on ``max_iter``, on its limit of
        function evaluations, or abnormally (SciPy's status and message are in the warning).
        The parameters then hold SciPy's last iterate, which may be far from the minimum.
    """
    history = run_lbfgs(model, X, y, max_iter=max_iter, tol=tol)
    if history.reason is not None:
        warnings.warn(f"fit_lbfgs: {history.reason}", ConvergenceWarning, stacklevel=2)
    return history


def run_lbfgs(model, X, y, *, max_iter: int = 1000, tol: float = 1e-10, on_iteration=None,
              limit: str = "max_iter") -> History:
    """``fit_lbfgs`` without its warning, for callers that report in their own terms (the
    scikit-learn estimators), and with a hook after every iteration.

    ``on_iteration(logs)`` is called after each iteration with the model's parameters at the
    iterate and that iteration's ``logs`` (a dict it may add entries to, which the history
    records); when it returns True the run stops there (SciPy ≥ 1.11 ends it cleanly; older
    SciPy lets the ``StopIteration`` through, and the parameters hold that iterate). ``limit``
    is what the reason calls the iteration limit (``"max_iter"``, ``"epochs"``).

    The returned ``History`` also has ``converged`` (True when the gradient met ``tol``),
    ``stopped`` (True when ``on_iteration`` ended the run), ``n_iter`` (SciPy's iteration
    count), ``status`` and ``message`` (SciPy's), and ``reason``: None when the run converged
    or was stopped, else a sentence saying why it ended early, for a warning.
    """
    from scipy.optimize import minimize

    max_iter = check_int(max_iter, "max_iter", minimum=1)
    tol = check_positive(tol, "tol")
    for layer in model.layers:
        if isinstance(layer, Dropout) and layer.rate > 0:
            raise InvalidArgumentError("model", message="L-BFGS needs a fixed objective: remove Dropout or use a stochastic optimizer")
        for name in layer.params:
            if any(isinstance(p, (L1, GroupL1)) for p in layer.penalties_of(name)):
                raise InvalidArgumentError("model", message="L-BFGS needs a smooth objective, and an L1 penalty is not differentiable at 0; "
                                 "use SGD(l1_method='proximal') for L1")
    X, y = model.check_data(X, y)
    params = [p.value for p in model.parameters()]
    sizes = np.cumsum([0] + [p.size for p in params])

    def unpack(flat: np.ndarray) -> None:
        for value, start, stop in zip(params, sizes[:-1], sizes[1:]):
            value[...] = flat[start:stop].reshape(value.shape)

    last = {}

    def objective(flat: np.ndarray):
        unpack(flat)
        # The model's own objective on arrays checked once above (loss_and_grad would re-scan
        # X for NaN at every iteration, which costs as much as the gradient on large data).
        metrics = model._loss_and_grad(X, y, training=False)
        grad = np.concatenate([np.asarray(p.grad, dtype=np.float64).ravel() for p in model.parameters()])
        last.update(loss=metrics["loss"], data_loss=metrics["data_loss"], reg_loss=metrics["reg_loss"])
        return metrics["loss"], grad

    history = History()
    history.stopped = False

    def record(intermediate_result) -> None:  # SciPy ≥ 1.11 passes a result, older SciPy x
        unpack(getattr(intermediate_result, "x", intermediate_result))
        logs = dict(last)
        stop = bool(on_iteration(logs)) if on_iteration is not None else False
        history.append(len(history), logs)
        if stop:
            history.stopped = True
            raise StopIteration

    x0 = np.concatenate([p.astype(np.float64).ravel() for p in params])
    options = {"maxiter": max_iter, "gtol": tol, "ftol": 0.0, "maxcor": 20}
    try:
        result = minimize(objective, x0, jac=True, method="L-BFGS-B", callback=record, options=options)
        final, status, message, n_iter = result.x, int(result.status), str(result.message), int(result.nit)
        gradient = float(np.max(np.abs(result.jac))) if np.size(result.jac) else 0.0
    except StopIteration:  # SciPy < 1.11 lets it through: the parameters hold the last iterate
        final = np.concatenate([p.ravel() for p in params])
        status, message, n_iter, gradient = 99, "`callback` raised `StopIteration`.", len(history), None
    unpack(final)
    if len(history) == 0:  # no iteration at all: record the point returned
        objective(final)
        history.append(0, dict(last))
    history.n_iter = n_iter
    history.status = status
    history.message = message
    history.converged = status == _CONVERGED
    history.reason = None if history.converged or history.stopped else _reason(status, message, n_iter, gradient,
                                                                                 max_iter, tol, limit)
    return history


def _reason(status: int, message: str, n_iter: int, gradient, max_iter: int, tol: float, limit: str) -> str:
    """Why an L-BFGS-B run ended before its gradient met ``tol``, in one sentence."""
    scipy_says = f"SciPy: status {status}, {message.strip()!r}"
    short = f"the largest gradient entry is {gradient:.3g}, above tol={tol:g}" if gradient is not None else \
        f"the largest gradient entry is above tol={tol:g}"
    if status == _LIMIT and n_iter >= max_iter:
        return f"L-BFGS-B stopped on its iteration limit ({limit}={max_iter}): {short} ({scipy_says}); raise {limit} or tol"
    if status == _LIMIT:
        return (f"L-BFGS-B stopped on its limit of function evaluations after {n_iter} iteration(s): {short} "
                f"({scipy_says})")
    if status == _ABNORMAL:
        return (f"L-BFGS-B terminated abnormally after {n_iter} iteration(s) ({scipy_says}): its line search found no "
                f"lower point while {short}, so the parameters may be far from the minimum; the problem may be badly "
                f"scaled, or tol finer than float64 resolves on it")
    return f"L-BFGS-B failed after {n_iter} iteration(s): {short} ({scipy_says})"
