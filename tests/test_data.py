import numpy as np
import pytest

from shrink.data import sine, spiral, split, vertical


def test_spiral_shapes_labels_and_seeding():
    X, y = spiral(100, 3, rng=0)
    assert X.shape == (300, 2) and y.shape == (300,)
    assert np.bincount(y).tolist() == [100, 100, 100]
    assert np.abs(X).max() <= 1.0 + 1e-12  # radius ≤ 1
    np.testing.assert_array_equal(X, spiral(100, 3, rng=0)[0])
    assert not np.array_equal(X, spiral(100, 3, rng=1)[0])


def test_spiral_without_noise_is_the_textbook_curve():
    X, _ = spiral(5, 1, noise=0.0)
    r = np.linspace(0, 1, 5)
    t = np.linspace(0, 4, 5) * 2.5
    np.testing.assert_allclose(X, np.c_[r * np.sin(t), r * np.cos(t)])


def test_vertical_and_sine():
    X, y = vertical(50, 3, rng=0)
    assert X.shape == (150, 2)
    np.testing.assert_allclose([X[y == c, 0].mean() for c in range(3)], [0, 1 / 3, 2 / 3], atol=0.05)
    X, y = sine(1000)
    assert X.shape == y.shape == (1000, 1)
    np.testing.assert_allclose(y, np.sin(2 * np.pi * X))


def test_split_holds_out_the_fraction_reproducibly():
    X, y = spiral(10, 3, rng=0)
    a = split(X, y, 0.5, rng=0)
    b = split(X, y, 0.5, rng=0)
    assert len(a[0]) == len(a[2]) == 15
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    together = np.sort(np.concatenate([a[0][:, 0], a[2][:, 0]]))
    np.testing.assert_array_equal(together, np.sort(X[:, 0]))  # disjoint and covering


@pytest.mark.parametrize("fraction", [0.0, 1.0, 1.5])
def test_split_needs_samples_on_both_sides(fraction):
    X, y = spiral(10, 3, rng=0)
    with pytest.raises(ValueError, match="validation must leave"):
        split(X, y, fraction, rng=0)


def test_bad_generator_arguments():
    with pytest.raises(ValueError, match="samples must be >= 1"):
        spiral(0, 3)
    with pytest.raises(ValueError, match="noise must be >= 0"):
        spiral(10, 3, noise=-1)
