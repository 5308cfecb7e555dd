"""Full-batch L-BFGS on a model's objective (SciPy's L-BFGS-B), for smooth problems.

Logistic and linear regression with L2 (or no) penalty are smooth and convex; a quasi-Newton
method reaches their minimum to many digits in tens of iterations, where gradient descent
needs thousands of epochs. The objective and its gradient are the model's own
(``forward`` + ``backward``), so the solver only flattens parameters for SciPy.
"""

from __future__ import annotations

import numpy as np

from .errors import InvalidArgumentError, InvalidArgumentTypeError

from .history import History
from .layers import Dropout
from .penalties import L1
from .validation import check_int, check_positive

__all__ = ["fit_lbfgs"]


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

    Returns a ``History`` with one entry per iteration (``loss``, ``data_loss``, ``reg_loss``)
    and ``converged`` (bool) and ``message`` attributes.
    """
    from scipy.optimize import minimize

    max_iter = check_int(max_iter, "max_iter", minimum=1)
    tol = check_positive(tol, "tol")
    for layer in model.layers:
        if isinstance(layer, Dropout) and layer.rate > 0:
            raise InvalidArgumentError("model", message="L-BFGS needs a fixed objective: remove Dropout or use a stochastic optimizer")
        for name in layer.params:
            if any(isinstance(p, L1) for p in layer.penalties_of(name)):
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

    def record(_):
        history.append(len(history), dict(last))

    x0 = np.concatenate([p.astype(np.float64).ravel() for p in params])
    result = minimize(objective, x0, jac=True, method="L-BFGS-B", callback=record,
                      options={"maxiter": max_iter, "gtol": tol, "ftol": 0.0, "maxcor": 20})
    unpack(result.x)
    if len(history) == 0:
        objective(result.x)
        record(None)
    history.converged = bool(result.success)
    history.message = str(result.message)
    return history
