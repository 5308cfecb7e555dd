import numpy as np
import pytest

from shrink import SGD, Adagrad, Adam, RMSprop


def _one(optimizer, w, g, steps=1):
    for _ in range(steps):
        optimizer.step([("w", w, g)])
    return w


def test_learning_rate_decays_per_update():
    opt = SGD(learning_rate=1.0, decay=0.5)
    w = np.zeros(1)
    rates = []
    for _ in range(3):
        rates.append(opt.current_learning_rate)
        opt.step([("w", w, np.ones(1))])
    assert rates == [1.0, 1 / 1.5, 1 / 2.0]  # lr / (1 + decay·t), t = updates so far
    assert opt.iterations == 3


def test_sgd_momentum_by_hand():
    opt, w, g = SGD(learning_rate=0.1, momentum=0.5), np.array([1.0]), np.array([2.0])
    _one(opt, w, g)  # v = −0.1·2 = −0.2;             w = 0.8
    assert w[0] == pytest.approx(0.8)
    _one(opt, w, g)  # v = 0.5·(−0.2) − 0.2 = −0.3;    w = 0.5
    assert w[0] == pytest.approx(0.5)


def test_adam_first_step_moves_by_about_the_learning_rate():
    # With bias correction, m̂ = g and v̂ = g² on step 1, so Δw = −lr·g/(|g| + ε) ≈ −lr·sign(g).
    opt, w = Adam(learning_rate=0.01), np.array([1.0, 1.0])
    _one(opt, w, np.array([100.0, -0.001]))
    np.testing.assert_allclose(w, [0.99, 1.01], rtol=1e-6)


def test_rmsprop_and_adagrad_first_step_by_hand():
    w = np.array([1.0])
    _one(RMSprop(learning_rate=0.01, rho=0.9, epsilon=0.0 + 1e-12), w, np.array([2.0]))
    # c = 0.1·4 = 0.4;  Δw = −0.01·2/√0.4
    assert w[0] == pytest.approx(1 - 0.02 / np.sqrt(0.4))
    w = np.array([1.0])
    _one(Adagrad(learning_rate=0.5, epsilon=1e-12), w, np.array([2.0]), steps=2)
    # c = 4 then 8:  Δw = −0.5·2/2 − 0.5·2/√8
    assert w[0] == pytest.approx(1 - 0.5 - 1 / np.sqrt(8))


def test_state_is_per_parameter_and_lives_on_the_optimizer():
    opt = SGD(momentum=0.9)
    a, b = np.zeros(2), np.zeros(3)
    opt.step([("a", a, np.ones(2)), ("b", b, np.ones(3))])
    assert set(opt.state) == {"a", "b"} and opt.state["b"]["velocity"].shape == (3,)
    opt.reset()
    assert opt.state == {} and opt.iterations == 0


@pytest.mark.parametrize(
    "factory,match",
    [
        (lambda: SGD(learning_rate=0), "learning_rate must be > 0"),
        (lambda: SGD(learning_rate=float("nan")), "learning_rate must be finite"),
        (lambda: SGD(decay=-1), "decay must be >= 0"),
        (lambda: SGD(momentum=1.0), r"momentum must be in \[0, 1\)"),
        (lambda: Adam(beta_1=-0.1), "beta_1 must be in"),
        (lambda: Adam(beta_2=1.5), "beta_2 must be in"),
        (lambda: RMSprop(rho=1), "rho must be in"),
        (lambda: Adagrad(epsilon=0), "epsilon must be > 0"),
    ],
)
def test_bad_settings_are_refused_with_the_argument_named(factory, match):
    with pytest.raises(ValueError, match=match):
        factory()


def test_repr_shows_the_settings():
    assert repr(SGD(momentum=0.5)) == "SGD(learning_rate=1.0, decay=0.0, momentum=0.5)"
