import os

# scikit-learn's estimator checks include check_array_api_input, which runs only when SciPy's
# array-API support is switched on before SciPy is first imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np
import pytest


def central_difference(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """∂f/∂x by central differences; ``f`` reads ``x`` (modified in place and restored)."""
    grad = np.empty_like(x, dtype=np.float64)
    flat, out = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + eps
        plus = f()
        flat[i] = original - eps
        minus = f()
        flat[i] = original
        out[i] = (plus - minus) / (2 * eps)
    return grad


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture(scope="module")
def logistic_run(tmp_path_factory):
    """A finished 5-epoch run of preset:logistic-l2 (one per test module): copy it before changing it."""
    from shrink.cli import main

    out = tmp_path_factory.mktemp("trained") / "run"
    assert main(["train", "preset:logistic-l2", "--out", str(out), "--set", "train.epochs=5", "--quiet"]) == 0
    return out
