"""Speed work must never change results: shrink's optimized paths (reused buffers, GEMV sums,
fused softmax/cross-entropy gradient, in-place optimizers, column-wise row reductions, skipped
first-layer input gradient) against a deliberately plain float64 implementation."""

import numpy as np
import pytest

from shrink import (
    SGD,
    Adagrad,
    Adam,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Dense,
    Model,
    ReLU,
    RMSprop,
    Sigmoid,
    Softmax,
    Tanh,
)
from shrink.data import spiral


class Plain:
    """A two-layer network written the obvious way: new arrays everywhere, no fusion."""

    def __init__(self, params, activation, head, lams, optimizer, settings):
        self.p = [a.astype(np.float64).copy() for a in params]  # W1, b1, W2, b2
        self.activation, self.head, self.lams = activation, head, lams
        self.optimizer, self.s = optimizer, settings
        self.state = [dict(m=np.zeros_like(a), v=np.zeros_like(a)) for a in self.p]
        self.t = 0

    def forward(self, X):
        W1, b1, W2, b2 = self.p
        z1 = X @ W1 + b1
        a1 = np.maximum(z1, 0) if self.activation == "relu" else np.tanh(z1)
        z2 = a1 @ W2 + b2
        if self.head == "softmax":
            e = np.exp(z2 - z2.max(axis=1, keepdims=True))
            out = e / e.sum(axis=1, keepdims=True)
        else:
            out = 1 / (1 + np.exp(-z2))
        return z1, a1, z2, out

    def loss_and_grads(self, X, y):
        W1, b1, W2, b2 = self.p
        z1, a1, z2, out = self.forward(X)
        n = len(X)
        if self.head == "softmax":
            onehot = np.eye(out.shape[1])[y]
            data = -np.mean(np.sum(onehot * np.log(np.clip(out, 1e-7, 1 - 1e-7)), axis=1))
            dout = -onehot / np.clip(out, 1e-7, 1 - 1e-7) / n
            # the full softmax Jacobian, sample by sample: no fused (p − y)/n
            dz2 = np.stack([(np.diag(o) - np.outer(o, o)) @ d for o, d in zip(out, dout)])
        else:
            t = y.reshape(n, -1).astype(float)
            p = np.clip(out, 1e-7, 1 - 1e-7)
            data = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))
            dz2 = (-(t / p - (1 - t) / (1 - p)) / out.size) * out * (1 - out)
        dW2, db2 = a1.T @ dz2, dz2.sum(axis=0, keepdims=True)
        da1 = dz2 @ W2.T
        dz1 = da1 * (z1 > 0) if self.activation == "relu" else da1 * (1 - np.tanh(z1) ** 2)
        dW1, db1 = X.T @ dz1, dz1.sum(axis=0, keepdims=True)
        grads = [dW1, db1, dW2, db2]
        reg = 0.0
        for i, (l1, l2) in enumerate(self.lams):
            reg += l1 * np.abs(self.p[i]).sum() + l2 * (self.p[i] ** 2).sum()
            if not self.s.get("proximal"):
                grads[i] = grads[i] + l1 * np.sign(self.p[i])
            grads[i] = grads[i] + 2 * l2 * self.p[i]
        return data, reg, grads

    def step(self, grads):
        s = self.s
        lr = s["lr"] / (1 + s.get("decay", 0.0) * self.t)
        for i, g in enumerate(grads):
            w, st = self.p[i], self.state[i]
            if s.get("weight_decay") and i in (0, 2):
                w = w - lr * s["weight_decay"] * w
            if self.optimizer == "sgd":
                st["m"] = s.get("momentum", 0.0) * st["m"] - lr * g
                w, step = w + st["m"], lr
            elif self.optimizer == "adam":
                st["m"] = 0.9 * st["m"] + 0.1 * g
                st["v"] = 0.999 * st["v"] + 0.001 * g * g
                m_hat, v_hat = st["m"] / (1 - 0.9 ** (self.t + 1)), st["v"] / (1 - 0.999 ** (self.t + 1))
                step = lr / (np.sqrt(v_hat) + 1e-7)
                w = w - step * m_hat
            elif self.optimizer == "rmsprop":
                st["v"] = 0.9 * st["v"] + 0.1 * g * g
                step = lr / (np.sqrt(st["v"]) + 1e-7)
                w = w - step * g
            else:
                st["v"] = st["v"] + g * g
                step = lr / (np.sqrt(st["v"]) + 1e-7)
                w = w - step * g
            if s.get("proximal") and self.lams[i][0]:
                w = np.sign(w) * np.maximum(np.abs(w) - step * self.lams[i][0], 0)
            self.p[i] = w
        self.t += 1


CASES = [
    ("sgd", {"lr": 0.5, "momentum": 0.9, "decay": 1e-3}, "relu", "softmax"),
    ("adam", {"lr": 0.01, "decay": 1e-3}, "tanh", "softmax"),
    ("adam", {"lr": 0.01, "proximal": True, "weight_decay": 0.05}, "relu", "softmax"),
    ("rmsprop", {"lr": 0.005}, "relu", "sigmoid"),
    ("adagrad", {"lr": 0.1, "proximal": True}, "tanh", "sigmoid"),
    ("sgd", {"lr": 1.0, "proximal": True}, "relu", "softmax"),
]


@pytest.mark.parametrize("optimizer,settings,activation,head", CASES)
@pytest.mark.parametrize("batch_size", [None, 16])
def test_shrink_equals_the_plain_implementation(optimizer, settings, activation, head, batch_size):
    X, labels = spiral(30, 3, rng=0)
    y = labels if head == "softmax" else (labels == 1).astype(int)
    k = 3 if head == "softmax" else 1
    lams = [(1e-3, 2e-3), (5e-4, 1e-3), (2e-3, 0.0), (0.0, 3e-3)]  # (l1, l2) for W1, b1, W2, b2
    rng = np.random.default_rng(0)
    d1 = Dense(2, 12, weight_l1=lams[0][0], weight_l2=lams[0][1], bias_l1=lams[1][0], bias_l2=lams[1][1], rng=rng, init="glorot")
    d2 = Dense(12, k, weight_l1=lams[2][0], weight_l2=lams[2][1], bias_l1=lams[3][0], bias_l2=lams[3][1], rng=rng, init="glorot")
    d1.biases = rng.normal(size=(1, 12)) * 0.1
    d2.biases = rng.normal(size=(1, k)) * 0.1
    method = "proximal" if settings.get("proximal") else "subgradient"
    opt = {"sgd": lambda: SGD(settings["lr"], settings.get("decay", 0.0), settings.get("momentum", 0.0),
                              l1_method=method, weight_decay=settings.get("weight_decay", 0.0)),
           "adam": lambda: Adam(settings["lr"], settings.get("decay", 0.0), l1_method=method,
                                weight_decay=settings.get("weight_decay", 0.0)),
           "rmsprop": lambda: RMSprop(settings["lr"], l1_method=method),
           "adagrad": lambda: Adagrad(settings["lr"], l1_method=method)}[optimizer]()
    plain = Plain([d1.weights, d1.biases, d2.weights, d2.biases], activation, head, lams, optimizer, settings)
    model = Model([d1, ReLU() if activation == "relu" else Tanh(), d2, Softmax() if head == "softmax" else Sigmoid()],
                  loss=CategoricalCrossentropy() if head == "softmax" else BinaryCrossentropy(), optimizer=opt,
                  dtype="float64")
    history = model.fit(X, y, epochs=15, batch_size=batch_size, rng=5)

    shuffle = np.random.default_rng(5)
    order = np.arange(len(X))
    for epoch in range(15):
        size = len(X) if batch_size is None else batch_size
        if size < len(X):
            shuffle.shuffle(order)
        data_sum = reg_sum = 0.0
        for start in range(0, len(X), size):
            rows = order[start : start + size] if size < len(X) else slice(None)
            data, reg, grads = plain.loss_and_grads(X[rows], y[rows])
            weight = len(X[rows]) / len(X)
            data_sum, reg_sum = data_sum + weight * data, reg_sum + weight * reg
            plain.step(grads)
        assert history.history["data_loss"][epoch] == pytest.approx(data_sum, rel=1e-10, abs=1e-13)
        assert history.history["reg_loss"][epoch] == pytest.approx(reg_sum, rel=1e-10, abs=1e-13)
    for ours, theirs in zip([d1.weights, d1.biases, d2.weights, d2.biases], plain.p):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
    if settings.get("proximal"):
        assert np.count_nonzero(d1.weights == 0) == np.count_nonzero(plain.p[0] == 0)
