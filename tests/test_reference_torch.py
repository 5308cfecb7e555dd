"""shrink against PyTorch: losses, gradients and optimizer steps agree with autograd and torch.optim.

Both sides start from the same NumPy arrays. Torch computes the objective written out
independently (``torch.nn.functional`` losses on logits, penalties as explicit sums)::

    J = mean data loss + Σ_Dense (weight_l1·Σ|W| + weight_l2·ΣW² + bias_l1·Σ|b| + bias_l2·Σb²)

and differentiates it with autograd; optimizer runs use ``torch.optim`` (plus ``LambdaLR`` for
shrink's ``lr / (1 + decay·t)`` schedule). Shrink's ``Dense.weights`` is (n_inputs, n_neurons),
the transpose of ``torch.nn.Linear.weight``.

Dropout is not covered (its masks are random).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from shrink import (
    SGD,
    Adagrad,
    Adam,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Dense,
    Linear,
    MeanAbsoluteError,
    MeanSquaredError,
    Model,
    ReLU,
    RMSprop,
    Sigmoid,
    Softmax,
    Tanh,
)

N_SAMPLES, N_FEATURES, N_HIDDEN = 16, 4, 5

# Every coefficient non-zero and distinct on both layers, so a penalty applied to the wrong
# parameter, a missing factor 2 or a ½ shows up.
PENALTIES = (
    {"weight_l1": 3e-3, "weight_l2": 5e-3, "bias_l1": 2e-3, "bias_l2": 4e-3},
    {"weight_l1": 1.5e-3, "weight_l2": 2.5e-3, "bias_l1": 6e-3, "bias_l2": 1e-3},
)

# float64 tolerances (gradients, loss values, parameters after several updates).
RTOL, ATOL = 1e-9, 1e-12
RTOL_STEPS, ATOL_STEPS = 1e-10, 1e-12
# float32 against torch float32.
RTOL_32, ATOL_32 = 1e-5, 1e-6

_TORCH_DTYPES = {"float64": torch.float64, "float32": torch.float32}

#: Largest |actual − expected| and relative error seen per kind of check (for reporting).
DISCREPANCIES: dict[str, tuple[float, float]] = {}


def assert_close(actual, expected, *, rtol: float, atol: float, what: str) -> None:
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    abs_err = float(np.max(np.abs(actual - expected))) if actual.size else 0.0
    scale = np.maximum(np.abs(expected), np.finfo(np.float64).tiny)
    rel_err = float(np.max(np.abs(actual - expected) / scale)) if actual.size else 0.0
    kind = what.split(":")[0]
    old = DISCREPANCIES.get(kind, (0.0, 0.0))
    DISCREPANCIES[kind] = (max(old[0], abs_err), max(old[1], rel_err))
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


# ---------------------------------------------------------------------------------- losses


@dataclass(frozen=True)
class LossCase:
    """A shrink loss with its output stack, and the same data loss in torch.

    ``torch_loss(z, y)`` takes the last Dense layer's outputs ``z`` (logits for the
    classification heads) and torch targets.
    """

    make_loss: Callable[[], object]
    head: type | None  # activation after the last Dense (None: none at all)
    hidden: type  # activation between the two Dense layers
    n_outputs: int
    make_targets: Callable[[np.random.Generator], np.ndarray]
    torch_loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    labels: bool = False  # targets are integer class labels for torch

    @property
    def classifier(self) -> bool:
        return self.head in (Softmax, Sigmoid)


def _labels(rng):
    return rng.integers(0, 3, N_SAMPLES)


def _onehot(rng):
    return np.eye(3)[_labels(rng)]


def _soft(rng):
    return rng.dirichlet(np.ones(3), N_SAMPLES)


def _bits(rng):
    return rng.integers(0, 2, (N_SAMPLES, 2)).astype(np.float64)


def _values(rng):
    return rng.normal(0.0, 1.0, (N_SAMPLES, 2))


LOSSES = {
    "cce-labels": LossCase(CategoricalCrossentropy, Softmax, Tanh, 3, _labels,
                           lambda z, y: F.cross_entropy(z, y), labels=True),
    # shrink turns exact one-hot rows into labels; torch gets the class indices it encodes.
    "cce-onehot": LossCase(CategoricalCrossentropy, Softmax, ReLU, 3, _onehot,
                           lambda z, y: F.cross_entropy(z, y.argmax(dim=1))),
    "cce-soft": LossCase(CategoricalCrossentropy, Softmax, ReLU, 3, _soft,
                         lambda z, y: F.cross_entropy(z, y)),  # probability targets
    "bce": LossCase(BinaryCrossentropy, Sigmoid, Tanh, 2, _bits,
                    lambda z, y: F.binary_cross_entropy_with_logits(z, y)),
    "mse": LossCase(MeanSquaredError, Linear, ReLU, 2, _values, lambda z, y: F.mse_loss(z, y)),
    "mae": LossCase(MeanAbsoluteError, None, Tanh, 2, _values, lambda z, y: F.l1_loss(z, y)),
}
MAIN_LOSSES = ("cce-labels", "bce", "mse", "mae")


# ---------------------------------------------------------------------------------- setup


def make_data(case: LossCase, seed: int = 0):
    """X (n, 4), targets, and parameters [(W1, b1), (W2, b2)] in shrink's layout, biases non-zero."""
    rng = np.random.default_rng(seed)
    X = rng.normal(0.0, 1.0, (N_SAMPLES, N_FEATURES))
    y = case.make_targets(rng)
    params = []
    for n_in, n_out in ((N_FEATURES, N_HIDDEN), (N_HIDDEN, case.n_outputs)):
        W = rng.normal(0.0, 0.6, (n_in, n_out))
        b = rng.normal(0.0, 0.3, (1, n_out))
        params.append((W, b))
    return X, y, params


def build_shrink(case: LossCase, params, optimizer=None, dtype: str = "float64") -> Model:
    """Dense(4,5) -> hidden -> Dense(5,k) [-> head], holding copies of ``params``."""
    dense = []
    for (W, b), pen in zip(params, PENALTIES):
        layer = Dense(W.shape[0], W.shape[1], **pen)
        layer.weights = np.array(W, dtype=np.float64)  # copies: shrink updates in place
        layer.biases = np.array(b, dtype=np.float64)
        dense.append(layer)
    layers = [dense[0], case.hidden(), dense[1]]
    if case.head is not None:
        layers.append(case.head())
    return Model(layers, loss=case.make_loss(), optimizer=optimizer, dtype=dtype)


class TorchNet:
    """The same network in torch: two ``nn.Linear`` (weight = shrink's Wᵀ) and the same penalties."""

    def __init__(self, case: LossCase, params, dtype: str = "float64"):
        self.case = case
        self.dtype = _TORCH_DTYPES[dtype]
        np_dtype = np.dtype(dtype)
        self.linears = []
        for W, b in params:
            lin = torch.nn.Linear(W.shape[0], W.shape[1], dtype=self.dtype)
            with torch.no_grad():
                # Round through the model's dtype exactly as shrink's Model does.
                lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(W.T.astype(np_dtype))))
                lin.bias.copy_(torch.from_numpy(b.reshape(-1).astype(np_dtype)))
            self.linears.append(lin)
        self.hidden = {Tanh: torch.tanh, ReLU: torch.relu}[case.hidden]

    def parameters(self) -> list[torch.Tensor]:
        return [p for lin in self.linears for p in (lin.weight, lin.bias)]

    def tensors(self, X, y):
        Xt = torch.from_numpy(np.asarray(X, dtype=np.float64)).to(self.dtype)
        if self.case.labels:
            yt = torch.from_numpy(np.asarray(y)).long()
        else:
            yt = torch.from_numpy(np.asarray(y, dtype=np.float64)).to(self.dtype)
        return Xt, yt

    def outputs(self, Xt) -> torch.Tensor:
        """Outputs of the last Linear (logits for classification)."""
        return self.linears[1](self.hidden(self.linears[0](Xt)))

    def regularization(self) -> torch.Tensor:
        reg = torch.zeros((), dtype=self.dtype)
        for lin, pen in zip(self.linears, PENALTIES):
            reg = reg + pen["weight_l1"] * lin.weight.abs().sum() + pen["weight_l2"] * (lin.weight**2).sum()
            reg = reg + pen["bias_l1"] * lin.bias.abs().sum() + pen["bias_l2"] * (lin.bias**2).sum()
        return reg

    def objective(self, Xt, yt):
        """(J, data loss, penalty sum, accuracy or None) at the current parameters."""
        z = self.outputs(Xt)
        data = self.case.torch_loss(z, yt)
        reg = self.regularization()
        accuracy = None
        if self.case.head is Softmax:
            target = yt if self.case.labels else yt.argmax(dim=1)
            accuracy = (z.argmax(dim=1) == target).double().mean().item()
        elif self.case.head is Sigmoid:
            accuracy = ((z > 0) == (yt > 0.5)).double().mean().item()
        return data + reg, data, reg, accuracy

    def gradients(self, X, y):
        """Autograd ∂J/∂param, converted to shrink's layout: [(dW1, db1), (dW2, db2)]."""
        for p in self.parameters():
            p.grad = None
        J, *_ = self.objective(*self.tensors(X, y))
        J.backward()
        return [(lin.weight.grad.T.double().numpy(), lin.bias.grad.reshape(1, -1).double().numpy())
                for lin in self.linears]

    def numpy_params(self):
        return [(lin.weight.detach().T.double().numpy().copy(),
                 lin.bias.detach().reshape(1, -1).double().numpy().copy()) for lin in self.linears]


def shrink_dense(model: Model) -> list[Dense]:
    return [layer for layer in model.layers if isinstance(layer, Dense)]


def shrink_gradients(model: Model, X, y):
    """∂J/∂param from one training-mode forward/backward pass."""
    outputs = model.forward(X, training=True)
    model.backward(outputs, y)
    return [(layer.dweights.copy(), layer.dbiases.copy()) for layer in shrink_dense(model)]


def compare_params(actual, expected, *, rtol, atol, what):
    for i, ((W, b), (W_ref, b_ref)) in enumerate(zip(actual, expected)):
        assert_close(W, W_ref, rtol=rtol, atol=atol, what=f"{what}: layer {i} weights")
        assert_close(b, b_ref, rtol=rtol, atol=atol, what=f"{what}: layer {i} biases")


# ---------------------------------------------------------------------------------- 1. losses and gradients


@pytest.mark.parametrize("loss_name", list(LOSSES))
def test_loss_values_match_torch(loss_name):
    case = LOSSES[loss_name]
    X, y, params = make_data(case)
    model = build_shrink(case, params)
    net = TorchNet(case, params)

    metrics = model.evaluate(X, y)
    with torch.no_grad():
        J, data, reg, accuracy = net.objective(*net.tensors(X, y))

    assert reg.item() > 1e-3 and data.item() > 1e-2  # both parts matter in the comparison
    assert_close(metrics["data_loss"], data.item(), rtol=RTOL, atol=ATOL, what="loss value: data_loss")
    assert_close(metrics["reg_loss"], reg.item(), rtol=RTOL, atol=ATOL, what="loss value: reg_loss")
    assert_close(model.regularization_loss(), reg.item(), rtol=RTOL, atol=ATOL,
                 what="loss value: regularization_loss()")
    assert_close(metrics["loss"], J.item(), rtol=RTOL, atol=ATOL, what="loss value: loss")
    if case.classifier:
        assert metrics["accuracy"] == pytest.approx(accuracy, abs=1e-12)
    else:
        assert "accuracy" not in metrics


@pytest.mark.parametrize("loss_name", list(LOSSES))
def test_gradients_match_torch_autograd(loss_name):
    case = LOSSES[loss_name]
    X, y, params = make_data(case)
    model = build_shrink(case, params)
    net = TorchNet(case, params)

    expected = net.gradients(X, y)
    actual = shrink_gradients(model, X, y)
    compare_params(actual, expected, rtol=RTOL, atol=ATOL, what=f"gradient: {loss_name}")

    # The penalties really are in the gradients being compared: without them torch's differ.
    net_no_pen = TorchNet(case, params)
    net_no_pen.regularization = lambda: torch.zeros((), dtype=torch.float64)
    data_only = net_no_pen.gradients(X, y)
    for (dW, db), (dW0, db0) in zip(actual, data_only):
        assert np.max(np.abs(dW - dW0)) > 1e-4 and np.max(np.abs(db - db0)) > 1e-4


def test_gradients_of_a_second_batch_match_torch():
    """The reused training buffers hold the new batch's gradients, not the first one's."""
    case = LOSSES["cce-labels"]
    X, y, params = make_data(case, seed=1)
    X2, y2, _ = make_data(case, seed=2)
    model = build_shrink(case, params)
    net = TorchNet(case, params)
    shrink_gradients(model, X, y)
    compare_params(shrink_gradients(model, X2, y2), net.gradients(X2, y2),
                   rtol=RTOL, atol=ATOL, what="gradient: second batch")


# ---------------------------------------------------------------------------------- 2. optimizers


def _lambda_lr(decay: float):
    return lambda opt: torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 1.0 / (1.0 + decay * t))


@dataclass(frozen=True)
class OptCase:
    make_shrink: Callable[[], object]
    make_torch: Callable[[list], torch.optim.Optimizer]
    make_scheduler: Callable | None = None


OPTIMIZERS = {
    "sgd": OptCase(lambda: SGD(learning_rate=0.5), lambda p: torch.optim.SGD(p, lr=0.5)),
    "sgd-decay": OptCase(lambda: SGD(learning_rate=0.8, decay=0.1),
                         lambda p: torch.optim.SGD(p, lr=0.8), _lambda_lr(0.1)),
    "sgd-momentum": OptCase(lambda: SGD(learning_rate=0.3, momentum=0.9),
                            lambda p: torch.optim.SGD(p, lr=0.3, momentum=0.9, dampening=0.0, nesterov=False)),
    "adam": OptCase(lambda: Adam(learning_rate=0.05, epsilon=1e-7, beta_1=0.9, beta_2=0.999),
                    lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.9, 0.999), eps=1e-7)),
    "adam-decay": OptCase(lambda: Adam(learning_rate=0.05, decay=0.2, epsilon=1e-6, beta_1=0.8, beta_2=0.95),
                          lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.8, 0.95), eps=1e-6), _lambda_lr(0.2)),
    "rmsprop": OptCase(lambda: RMSprop(learning_rate=0.01, epsilon=1e-7, rho=0.9),
                       lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-7, momentum=0.0, centered=False)),
    "rmsprop-decay": OptCase(lambda: RMSprop(learning_rate=0.02, decay=0.05, epsilon=1e-6, rho=0.8),
                             lambda p: torch.optim.RMSprop(p, lr=0.02, alpha=0.8, eps=1e-6), _lambda_lr(0.05)),
    "adagrad": OptCase(lambda: Adagrad(learning_rate=0.1, epsilon=1e-7),
                       lambda p: torch.optim.Adagrad(p, lr=0.1, eps=1e-7, initial_accumulator_value=0.0)),
    "adagrad-decay": OptCase(lambda: Adagrad(learning_rate=0.2, decay=0.3, epsilon=1e-6),
                             lambda p: torch.optim.Adagrad(p, lr=0.2, lr_decay=0.3, eps=1e-6)),
}
N_STEPS = 8


def run_torch(net: TorchNet, opt_case: OptCase, X, y, steps: int):
    """``steps`` full-batch updates; returns the per-step (J, data, reg, accuracy, lr) before each update."""
    opt = opt_case.make_torch(net.parameters())
    scheduler = opt_case.make_scheduler(opt) if opt_case.make_scheduler else None
    Xt, yt = net.tensors(X, y)
    logs = []
    for _ in range(steps):
        opt.zero_grad()
        J, data, reg, accuracy = net.objective(Xt, yt)
        J.backward()
        logs.append((J.item(), data.item(), reg.item(), accuracy, opt.param_groups[0]["lr"]))
        opt.step()
        if scheduler is not None:
            scheduler.step()
    return logs


@pytest.mark.parametrize("loss_name", MAIN_LOSSES)
@pytest.mark.parametrize("opt_name", list(OPTIMIZERS))
def test_fit_matches_torch_optim(opt_name, loss_name):
    case, opt_case = LOSSES[loss_name], OPTIMIZERS[opt_name]
    X, y, params = make_data(case, seed=3)
    model = build_shrink(case, params, optimizer=opt_case.make_shrink())
    net = TorchNet(case, params)

    history = model.fit(X, y, epochs=N_STEPS)
    torch_logs = run_torch(net, opt_case, X, y, N_STEPS)

    final = [(layer.weights, layer.biases) for layer in shrink_dense(model)]
    expected = net.numpy_params()
    # The run moved the parameters well beyond the tolerance (else the check proves nothing).
    moved = max(np.max(np.abs(W - W0)) for (W, _), (W0, _) in zip(expected, params))
    assert moved > 1e-2
    compare_params(final, expected, rtol=RTOL_STEPS, atol=ATOL_STEPS,
                   what=f"after {N_STEPS} steps: {opt_name}/{loss_name}")
    assert model.optimizer.iterations == N_STEPS

    # Per-epoch training metrics are measured before each update, like torch's loop.
    J_ref, data_ref, reg_ref, acc_ref, lr_ref = map(list, zip(*torch_logs))
    assert_close(history["loss"], J_ref, rtol=RTOL, atol=ATOL, what="history: loss")
    assert_close(history["data_loss"], data_ref, rtol=RTOL, atol=ATOL, what="history: data_loss")
    assert_close(history["reg_loss"], reg_ref, rtol=RTOL, atol=ATOL, what="history: reg_loss")
    if case.classifier:
        assert history["accuracy"] == pytest.approx(acc_ref, abs=1e-12)
    if opt_case.make_scheduler is not None or not model.optimizer.decay:
        # torch.optim.Adagrad applies lr_decay internally; its param_group lr stays constant.
        assert_close(history["lr"], lr_ref, rtol=1e-14, atol=0, what="history: lr")


def test_single_optimizer_step_matches_torch():
    """``optimizer.step(model.parameters())`` after ``loss_and_grad`` is one torch step."""
    case = LOSSES["mse"]
    X, y, params = make_data(case, seed=4)
    model = build_shrink(case, params, optimizer=Adam(learning_rate=0.1, epsilon=1e-8, beta_1=0.7, beta_2=0.9))
    net = TorchNet(case, params)
    for _ in range(3):
        shrink_gradients(model, X, y)
        model.optimizer.step(model.parameters())
    run_torch(net, OptCase(None, lambda p: torch.optim.Adam(p, lr=0.1, betas=(0.7, 0.9), eps=1e-8)), X, y, 3)
    compare_params([(layer.weights, layer.biases) for layer in shrink_dense(model)], net.numpy_params(),
                   rtol=RTOL_STEPS, atol=ATOL_STEPS, what="after 3 steps: manual Adam")


def test_sgd_momentum_with_decay_follows_its_own_formula():
    """With momentum *and* decay, shrink puts the decayed rate inside the velocity
    (``v ← μv − lr_t·g``), unlike torch's ``b ← μb + g; w ← w − lr_t·b``; documented as equal to
    torch only at a constant rate. Check the formula with torch autograd gradients."""
    case = LOSSES["cce-labels"]
    X, y, params = make_data(case, seed=5)
    lr, decay, mu = 0.4, 0.25, 0.8
    model = build_shrink(case, params, optimizer=SGD(learning_rate=lr, decay=decay, momentum=mu))
    model.fit(X, y, epochs=N_STEPS)

    net = TorchNet(case, params)
    Xt, yt = net.tensors(X, y)
    velocity = [torch.zeros_like(p) for p in net.parameters()]
    for t in range(N_STEPS):
        for p in net.parameters():
            p.grad = None
        net.objective(Xt, yt)[0].backward()
        with torch.no_grad():
            for p, v in zip(net.parameters(), velocity):
                v.mul_(mu).sub_(lr / (1 + decay * t) * p.grad)
                p.add_(v)
    compare_params([(layer.weights, layer.biases) for layer in shrink_dense(model)], net.numpy_params(),
                   rtol=RTOL_STEPS, atol=ATOL_STEPS, what="after 8 steps: sgd momentum+decay formula")


# ---------------------------------------------------------------------------------- 3. L1 at exactly zero


def _with_zeros(params):
    """Zero some single weights and biases, and all of hidden unit 2 (its inputs, bias and
    outgoing weights), whose data gradients are then exactly 0 as well."""
    (W1, b1), (W2, b2) = [(W.copy(), b.copy()) for W, b in params]
    W1[0, 0] = W1[3, 4] = 0.0
    W2[1, 0] = 0.0
    b1[0, 1] = b2[0, 0] = 0.0
    W1[:, 2] = 0.0
    b1[0, 2] = 0.0
    W2[2, :] = 0.0
    return [(W1, b1), (W2, b2)]


ZERO_SINGLES = {(0, "W", (0, 0)), (0, "W", (3, 4)), (1, "W", (1, 0)), (0, "b", (0, 1)), (1, "b", (0, 0))}


@pytest.mark.parametrize("loss_name", ["cce-labels", "mse"])
def test_l1_gradient_is_zero_at_exactly_zero(loss_name):
    case = LOSSES[loss_name]  # Tanh / ReLU hidden layers: a zero pre-activation gives 0 either way
    X, y, params = make_data(case, seed=6)
    params = _with_zeros(params)
    model = build_shrink(case, params)
    net = TorchNet(case, params)

    actual = shrink_gradients(model, X, y)
    expected = net.gradients(X, y)
    compare_params(actual, expected, rtol=RTOL, atol=ATOL, what=f"gradient at zeros: {loss_name}")

    # At a zero the L1 term adds nothing (and L2 adds 2·l2·0): the gradient is the data gradient.
    net_no_pen = TorchNet(case, params)
    net_no_pen.regularization = lambda: torch.zeros((), dtype=torch.float64)
    data_only = net_no_pen.gradients(X, y)
    for layer, kind, index in ZERO_SINGLES:
        got = actual[layer][0 if kind == "W" else 1][index]
        want = data_only[layer][0 if kind == "W" else 1][index]
        assert got == pytest.approx(want, rel=1e-9, abs=1e-13), (layer, kind, index)
        assert abs(got - want) < 1e-3 * PENALTIES[layer]["weight_l1" if kind == "W" else "bias_l1"]

    # The dead hidden unit: every gradient touching it is exactly 0 in both.
    (dW1, db1), (dW2, _) = actual
    (tW1, tb1), (tW2, _) = expected
    for got in (dW1[:, 2], db1[0, 2], dW2[2, :], tW1[:, 2], tb1[0, 2], tW2[2, :]):
        assert np.all(np.asarray(got) == 0.0)


@pytest.mark.parametrize("opt_name", ["sgd-momentum", "adam", "rmsprop"])
def test_zero_weights_with_zero_data_gradient_stay_exactly_zero(opt_name):
    """A weight at 0 whose data gradient is 0 is not pushed off 0 by L1 — in shrink as in torch."""
    case, opt_case = LOSSES["cce-labels"], OPTIMIZERS[opt_name]
    X, y, params = make_data(case, seed=7)
    params = _with_zeros(params)
    model = build_shrink(case, params, optimizer=opt_case.make_shrink())
    net = TorchNet(case, params)
    model.fit(X, y, epochs=5)
    run_torch(net, opt_case, X, y, 5)

    final = [(layer.weights, layer.biases) for layer in shrink_dense(model)]
    expected = net.numpy_params()
    compare_params(final, expected, rtol=RTOL_STEPS, atol=ATOL_STEPS, what=f"after 5 steps at zeros: {opt_name}")
    for (W1, b1), (W2, _) in (final, expected):
        assert np.all(W1[:, 2] == 0.0) and b1[0, 2] == 0.0 and np.all(W2[2, :] == 0.0)
    # ... while the other zeros (non-zero data gradient) did move.
    assert final[0][0][0, 0] != 0.0 and final[1][0][1, 0] != 0.0


# ---------------------------------------------------------------------------------- float32


@pytest.mark.parametrize("loss_name", MAIN_LOSSES)
def test_float32_matches_torch_float32(loss_name):
    case = LOSSES[loss_name]
    X, y, params = make_data(case, seed=8)
    model = build_shrink(case, params, optimizer=SGD(learning_rate=0.2, momentum=0.5), dtype="float32")
    net = TorchNet(case, params, dtype="float32")
    assert all(layer.weights.dtype == np.float32 for layer in shrink_dense(model))

    metrics = model.evaluate(X, y)
    with torch.no_grad():
        J, data, reg, _ = net.objective(*net.tensors(X, y))
    assert_close(metrics["loss"], J.item(), rtol=RTOL_32, atol=ATOL_32, what="float32: loss")
    assert_close(metrics["reg_loss"], reg.item(), rtol=RTOL_32, atol=ATOL_32, what="float32: reg_loss")

    actual = shrink_gradients(model, X, y)
    assert all(dW.dtype == np.float32 and db.dtype == np.float32 for dW, db in actual)
    compare_params(actual, net.gradients(X, y), rtol=RTOL_32, atol=ATOL_32, what=f"float32: gradient {loss_name}")

    model.fit(X, y, epochs=5)
    run_torch(net, OptCase(None, lambda p: torch.optim.SGD(p, lr=0.2, momentum=0.5)), X, y, 5)
    compare_params([(layer.weights, layer.biases) for layer in shrink_dense(model)], net.numpy_params(),
                   rtol=RTOL_32, atol=ATOL_32, what=f"float32: after 5 steps {loss_name}")
