"""The linear models: ``LogisticRegression`` and ``LinearRegression``, solved to a certified
optimum by ``shrink.linear`` (coordinate descent, proximal Newton), or by L-BFGS, a full-batch
proximal gradient or any registered optimizer (the iterative solvers early stopping needs)."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import is_classifier
from sklearn.exceptions import ConvergenceWarning

from ..errors import ConvergenceWarning as EngineConvergenceWarning
from ..history import History
from ..linear import coordinate_descent, proximal_newton
from ..linear.models import one_layer_model
from ..model import Model
from ..optimizers import SGD
from .base import Classifier, Regressor, ShrinkEstimator, check_choice, check_epochs, seeds, solvers
from .scaling import Scaling
from .stopping import Monitor

__all__ = ["LinearRegression", "LogisticRegression"]


class _Linear(ShrinkEstimator):
    def __init__(
        self,
        *,
        weight_l1=0.0,
        weight_l2=0.0,
        bias_l1=0.0,
        bias_l2=0.0,
        penalty_factor=None,
        solver="auto",
        learning_rate=None,
        epochs=1000,
        batch_size=None,
        tol=1e-8,
        random_state=None,
        verbose=0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
    ):
        self.weight_l1 = weight_l1
        self.weight_l2 = weight_l2
        self.bias_l1 = bias_l1
        self.bias_l2 = bias_l2
        self.penalty_factor = penalty_factor
        self.solver = solver
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change

    #: Curvature bound of the loss per unit of ‖[X, 1]‖₂²/n (logistic ¼, softmax ½, MSE 2/k).
    _curvature = 1.0

    #: The exact solver of this estimator's problem (``shrink.linear``), named as the function.
    _exact_solver = ""

    def _train(self, X, targets, n_outputs: int, head, loss, validation=None) -> None:
        registered = solvers()
        check_choice(self.solver, "solver", ["auto", self._exact_solver, "lbfgs", "proximal", *registered])
        epochs = check_epochs(self.epochs)
        early = self._check_stopping()
        factor = self._first_factor(X.shape[1])
        has_l1 = bool(self.weight_l1 or self.bias_l1)
        solver = self.solver
        if solver == "auto":  # the exact solver, unless early stopping asks for iterates to score
            solver = ("proximal" if has_l1 else "lbfgs") if early else self._exact_solver
        if solver == self._exact_solver:
            if early:
                raise ValueError(f"early_stopping=True needs an iterative solver (\"lbfgs\", \"proximal\" or an "
                                 f"optimizer), not {solver!r}, which solves to the optimum directly")
            self._exact(X, targets, n_outputs, head, loss, validation, factor, epochs)
            return
        init_rng, fit_rng, split_seed = seeds(self.random_state)
        X, targets, validation = self._holdout(X, targets, validation, early, split_seed)
        if solver == "lbfgs" and has_l1:
            raise ValueError("L-BFGS needs a smooth objective, and an L1 penalty is not differentiable at 0; "
                             "use SGD(l1_method='proximal') for L1")
        if solver == "lbfgs" and not self.tol > 0:
            raise ValueError(f"tol must be > 0 for L-BFGS, got {self.tol!r}")
        # The solvers that choose their own steps solve the problem rescaled to order one and
        # map the solution back exactly (scaling.py); a stochastic solver's learning rate is
        # the user's, in the user's units, so its data stay as given.
        penalties = self._penalties()
        if solver == "lbfgs" or (solver == "proximal" and self.learning_rate is None):
            scaling = Scaling.of(X, None if is_classifier(self) else targets,
                                 weights_penalized=bool(self.weight_l1 or self.weight_l2),
                                 biases_penalized=bool(self.bias_l1 or self.bias_l2))
        else:
            scaling = Scaling.none(X.shape[1])
        model = one_layer_model(X.shape[1], n_outputs, head, loss, {**scaling.penalties(**penalties),
                                                                  "penalty_factor": factor}, init_rng)
        # The model fit returns: the trained one itself, or one of the user's problem that
        # receives the solution (and is what validation data scores, to the bit).
        final = model if scaling.identity else one_layer_model(X.shape[1], n_outputs, head, loss,
                                                             {**penalties, "penalty_factor": factor}, 0)
        view = None if final is model else (lambda trained: scaling.unscale(trained, final))
        monitor = self._monitor(validation, early, loss_rule=False, view=view)
        X, targets, validation = scaling.inputs(X), scaling.targets(targets), scaling.validation(validation)
        if solver == "lbfgs":
            history = self._lbfgs(model, X, targets, epochs, validation, monitor)
        elif solver == "proximal":
            history = self._proximal(model, X, targets, epochs, n_outputs, validation, monitor)
        else:
            rate = 0.01 if self.learning_rate is None else self.learning_rate
            model.optimizer = registered[solver](rate, l1_method="proximal" if has_l1 else "subgradient")
            history = model.fit(X, targets, epochs=epochs, batch_size=self.batch_size, rng=fit_rng,
                                print_every=int(self.verbose or 0), validation_data=validation, callbacks=[monitor])
        monitor.restore(model)
        if final is not model:
            scaling.unscale(model, final)
            final.optimizer = model.optimizer
        scaling.rescale_history(history)
        self._finish(final, history, monitor, early)
        reason = getattr(history, "reason", None)
        if reason is not None:
            warnings.warn(f"{type(self).__name__}: {reason}.", ConvergenceWarning, stacklevel=3)

    def _exact(self, X, targets, n_outputs: int, head, loss, validation, factor, max_iter: int) -> None:
        """Solve with ``shrink.linear`` to a duality gap ≤ ``tol``·J(w=0) and hold the solution in
        a shrink model. As for L-BFGS, the problem solved is the one rescaled to order one
        (``scaling.py``; the gap is relative, but J itself overflows on ``y × 1e200``), mapped
        back exactly. The history has one entry: the solution's ``loss``, ``data_loss`` and
        ``reg_loss`` as the model scores them, in your data's units."""
        penalties = self._penalties()
        scaling = Scaling.of(X, None if is_classifier(self) else targets,
                             weights_penalized=bool(self.weight_l1 or self.weight_l2),
                             biases_penalized=bool(self.bias_l1 or self.bias_l2))
        scaled = {**scaling.penalties(**penalties), "penalty_factor": factor}
        X_s, targets_s = scaling.inputs(X), scaling.targets(targets)
        with warnings.catch_warnings():  # the engine's warning, re-raised below as scikit-learn's
            warnings.simplefilter("ignore", EngineConvergenceWarning)
            solution = self._solve(X_s, targets_s, **scaled, tol=float(self.tol), max_iter=max_iter)
        model = one_layer_model(X.shape[1], n_outputs, head, loss, scaled, coef=solution.coef,
                                intercept=solution.intercept)
        history = History()
        history.append(0, model.evaluate(X_s, targets_s))
        history.n_iter = solution.n_iter
        if not scaling.identity:
            model = scaling.unscale(model, one_layer_model(X.shape[1], n_outputs, head, loss,
                                                         {**penalties, "penalty_factor": factor}, 0))
        scaling.rescale_history(history)
        monitor = self._monitor(validation, False, loss_rule=False)
        monitor.observe(model, history.last()["loss"])
        self._finish(model, history, monitor)
        self.dual_gap_ = float(solution.dual_gap) * scaling.scale * scaling.scale
        if not solution.converged:
            tolerance = float(solution.tolerance) * scaling.scale * scaling.scale
            warnings.warn(f"{type(self).__name__}: the {self._exact_solver.replace('_', ' ')} solver stopped on its "
                          f"iteration limit (epochs={max_iter}) with a duality gap of {self.dual_gap_:.3e}, above "
                          f"tol·J(w=0) = {tolerance:.3e}; raise epochs or tol", ConvergenceWarning, stacklevel=4)

    def _lbfgs(self, model: Model, X, targets, max_iter: int, validation, monitor: Monitor) -> History:
        """L-BFGS-B (``shrink.lbfgs.run_lbfgs``, as ``fit_lbfgs`` runs it) with, after every
        iteration and when there is validation data, the validation logs and score, and
        scikit-learn's stopping rule on it: the run ends there and the monitor keeps the best
        iterate."""
        from ..lbfgs import run_lbfgs

        if validation is not None:
            X_val, y_val = model.check_data(*validation, names=("X_val", "y_val"))

        def on_iteration(logs: dict) -> bool:
            if validation is not None:
                scored = model.evaluate(X_val, y_val)
                logs["val_loss"], logs["val_data_loss"] = scored["loss"], scored["data_loss"]
                if "accuracy" in scored:
                    logs["val_accuracy"] = scored["accuracy"]
            monitor.observe(model, logs["loss"])
            return monitor.stopped

        return run_lbfgs(model, X, targets, max_iter=max_iter, tol=self.tol, on_iteration=on_iteration,
                         limit="epochs")

    def _proximal(self, model: Model, X, targets, epochs: int, n_outputs: int, validation=None,
                  monitor: Monitor | None = None) -> History:
        """Full-batch proximal gradient (ISTA) with the safe step 1/L, until weights settle
        (or, with early stopping, until the validation score stops improving). The history's
        ``reason`` says why, when ``epochs`` ran out first."""
        augmented = np.hstack([X, np.ones((len(X), 1))])
        lipschitz = self._curvature_for(n_outputs) * np.linalg.norm(augmented, 2) ** 2 / len(X)
        lipschitz += 2 * max(model.layers[0].weight_l2, model.layers[0].bias_l2)
        rate = 1.0 / lipschitz if self.learning_rate is None else self.learning_rate
        model.optimizer = SGD(rate, l1_method="proximal")
        callbacks = [] if monitor is None else [monitor]
        history, chunk, done, change, limit, last = History(), 50, 0, None, None, 0
        history.reason = None
        while done < epochs:
            before = [v.copy() for _, v, *_ in model.parameters()]
            part = model.fit(X, targets, epochs=min(chunk, epochs - done), shuffle=False, validation_data=validation,
                             callbacks=callbacks)
            for i, logs in enumerate(zip(*part.history.values())):
                history.append(done + i, dict(zip(part.history, logs)))
            done, last = done + len(part), len(part)
            if monitor is not None and monitor.stopped:
                return history
            change = max(float(np.max(np.abs(v - b))) for (_, v, *_), b in zip(model.parameters(), before))
            limit = self.tol * max(1.0, max(float(np.max(np.abs(v))) for _, v, *_ in model.parameters()))
            if change <= limit:
                return history
        history.reason = (f"the proximal gradient stopped on its iteration limit (epochs={epochs}) before the weights "
                          f"settled (their largest change over the last {last} epoch(s), {change:.3g}, is above "
                          f"tol·max(1, max|w|) = {limit:.3g}); raise epochs or tol")
        return history

    def _curvature_for(self, n_outputs: int) -> float:
        return self._curvature


_LINEAR_PARAMETERS = """
    Parameters
    ----------
    weight_l1, weight_l2, bias_l1, bias_l2 : float, default 0
    penalty_factor : None, float or array of n_features floats >= 0, default None
        Multiplies feature j's ``weight_l1`` and ``weight_l2`` (glmnet's ``penalty.factor``,
        used as given, not rescaled): 0 leaves feature j unpenalized.
    solver : str, default "auto"
        "auto", "{exact}", "lbfgs", "proximal", or any optimizer name in
        ``shrink.registry.OPTIMIZERS`` ("sgd", "adagrad", "rmsprop", "adam", ...). "auto" is
        "{exact}" (``shrink.linear.{exact}``), which stops on a certified duality gap:
        the objective returned is within ``dual_gap_`` of the optimum, with exact zeros under
        L1; with ``early_stopping`` (which needs iterates to score) "auto" is L-BFGS when the
        penalty is smooth, else full-batch proximal gradient with step 1/L. "{exact}",
        "lbfgs", and "proximal" with its own step, solve the problem rescaled to data of order
        one (targets centred and scaled, columns scaled, penalties mapped to match) and map
        the solution back exactly (``shrink.sklearn.scaling``): ``y × 1e15`` or ``X × 1e10``
        gives the fit of ``y`` or ``X``, scaled. The stochastic solvers, and "proximal" with
        your ``learning_rate``, run on the data as given.
    learning_rate : float, optional
        For the gradient solvers (default 1/L for "proximal", 0.01 otherwise).
    epochs : int, default 1000
        Iteration limit ("{exact}": its passes, L-BFGS iterations, epochs for gradient
        solvers). When "{exact}", L-BFGS or "proximal" reaches it before ``tol`` is met, or
        L-BFGS ends abnormally, ``fit`` warns with ``sklearn.exceptions.ConvergenceWarning``
        naming the reason.
    batch_size : int or None, default None
        For "sgd"/"adam"/...; None is full batch.
    tol : float, default 1e-8
        The solver's convergence tolerance: for "{exact}" the duality gap it must reach,
        relative to J at w = 0 (``dual_gap_ <= tol·J(0)``, so J − min J ≤ tol·J(0)); the gradient
        tolerance of L-BFGS (SciPy's ``gtol``), the relative weight change of "proximal",
        both on the rescaled problem; the stochastic solvers run all ``epochs`` (they have no
        convergence test, and no warning). With ``early_stopping`` it is also the
        improvement of the validation score that counts (``score >= best + tol``), as in
        scikit-learn's ``SGDClassifier``.
    random_state, verbose
        As for ``MLPClassifier``.
    early_stopping : bool, default False
        Hold out ``validation_fraction`` of the training data (stratified for classifiers;
        or use ``fit``'s ``validation_data``), compute the validation score ({score}) after
        every iteration — every L-BFGS iteration too, through SciPy's callback — stop once
        it has not improved by ``tol`` for more than ``n_iter_no_change`` iterations in a
        row (scikit-learn's MLP rule) and keep the best iterate (``best_epoch_``). False:
        the solver runs to its own convergence (``tol``) or ``epochs``, and warns in the latter
        case (see ``epochs``).
    validation_fraction : float in (0, 1), default 0.1
    n_iter_no_change : int >= 1 or numpy.inf, default 10
        As for ``MLPClassifier``, counted in iterations.

    Attributes
    ----------
    coef_, intercept_
        The fitted line (shapes below).
    dual_gap_ : float
        ("{exact}" only) J − (a lower bound on min J) at the solution, in your data's units:
        a certificate that the objective is within ``dual_gap_`` of its minimum.
    n_iter_, loss_curve_, history_, model_, coefs_, intercepts_
        As for ``MLPClassifier``, per iteration (for "{exact}": ``n_iter_`` counts its passes
        and Newton steps, and ``loss_curve_``/``history_`` hold one entry, the solution's),
        the losses in your data's units (the rescaled objective times s²). ``n_iter_`` is the
        solver's count: 0 when L-BFGS made no iteration (``loss_curve_`` then holds the
        starting point's loss).
    best_loss_, validation_scores_, best_validation_score_, best_epoch_
        As for ``MLPClassifier`` (``best_epoch_``: the 0-based iteration whose parameters
        are kept).
"""


class LogisticRegression(Classifier, _Linear):
    __doc__ = """Logistic regression (binary: sigmoid; more classes: softmax) with L1/L2 in shrink's
    convention: ``J = mean log-loss + weight_l1·Σ|w| + weight_l2·Σw²`` (intercept unpenalized
    unless ``bias_l1``/``bias_l2``). ``LogisticRegression(weight_l2=λ)`` is scikit-learn's
    ``LogisticRegression(C=1/(2·λ·n))``, and ``weight_l2 = λ_Ng/(2n)`` is Andrew Ng's (λ/2m)‖w‖².

    ``coef_`` has shape (1, n_features) for two classes, (n_classes, n_features) otherwise.
    """ + _LINEAR_PARAMETERS.replace("{score}", "accuracy").replace("{exact}", "proximal_newton")

    _exact_solver = "proximal_newton"

    def _curvature_for(self, n_outputs: int) -> float:
        return 0.25 if n_outputs == 1 else 0.5

    @staticmethod
    def _solve(*args, **kwargs):
        return proximal_newton(*args, **kwargs)

    def _fitted(self) -> None:
        self.coef_ = self.coefs_[0].T.copy()
        self.intercept_ = self.intercepts_[0].copy()


class LinearRegression(Regressor, _Linear):
    __doc__ = """Least squares with L1/L2 in shrink's convention: ``J = mean((y − Xw − b)²) +
    weight_l1·Σ|w| + weight_l2·Σw²``: ridge is ``weight_l2 = alpha/n`` of scikit-learn's
    ``Ridge(alpha)``, lasso ``weight_l1 = 2·alpha`` of ``Lasso(alpha)``.

    ``coef_`` has shape (n_features,) for one target, (n_targets, n_features) for several.
    """ + _LINEAR_PARAMETERS.replace("{score}", "R²").replace("{exact}", "coordinate_descent")

    _exact_solver = "coordinate_descent"

    def _curvature_for(self, n_outputs: int) -> float:
        return 2.0 / n_outputs

    @staticmethod
    def _solve(*args, **kwargs):
        return coordinate_descent(*args, **kwargs)

    def _fitted(self) -> None:
        self.coef_ = self.coefs_[0].T.copy()
        self.intercept_ = self.intercepts_[0].copy()
        if self._single_target:
            self.coef_, self.intercept_ = self.coef_.ravel(), float(self.intercept_[0])
