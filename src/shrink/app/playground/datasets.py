"""The playground's toy datasets: 2-D classification sets in about [-1, 1]² and a 1-D sine.

Every generator takes ``samples`` (the total number of points), ``noise`` and a
``numpy.random.Generator`` and returns ``X`` (samples, 2) float64 with labels ``y`` (samples,)
int64 in {0, 1}, except ``sine``: ``X`` (samples, 1) with targets ``y`` (samples, 1).
"""

from __future__ import annotations

import numpy as np

from ... import data

__all__ = ["CLASSIFICATION", "DATASETS", "REGRESSION", "generate"]

CLASSIFICATION = ("spiral", "xor", "circle", "gaussian", "moons")
REGRESSION = ("sine",)
DATASETS = CLASSIFICATION + REGRESSION


def _halves(samples: int) -> tuple[int, int]:
    return samples // 2, samples - samples // 2


def _labels(n0: int, n1: int) -> np.ndarray:
    return np.r_[np.zeros(n0, np.int64), np.ones(n1, np.int64)]


def spiral(samples, noise, rng):
    """Two interleaved arms (shrink.data.spiral); ``noise`` jitters the angle."""
    X, y = data.spiral(samples // 2, 2, noise=noise, rng=rng)
    if samples % 2:  # an odd total: one more point on the first arm's start
        X, y = np.r_[np.zeros((1, 2)), X], np.r_[0, y]
    return X, y


def xor(samples, noise, rng):
    """Uniform points in [-1, 1]² kept 0.05 off the axes; class 1 where x₁·x₂ > 0."""
    X = rng.uniform(-1, 1, (samples, 2))
    X += np.sign(X) * 0.05  # a small margin so that the noise-free set is separable
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    return X + noise * rng.standard_normal(X.shape), y


def circle(samples, noise, rng):
    """Class 1 inside radius 0.5, class 0 on the ring from 0.7 to 1."""
    n0, n1 = _halves(samples)
    radius = np.r_[rng.uniform(0.7, 1.0, n0), rng.uniform(0.0, 0.5, n1)]
    angle = rng.uniform(0, 2 * np.pi, samples)
    X = np.c_[radius * np.cos(angle), radius * np.sin(angle)]
    return X + noise * rng.standard_normal(X.shape), _labels(n0, n1)


def gaussian(samples, noise, rng):
    """Two Gaussian clusters at (-0.5, -0.5) and (0.5, 0.5), standard deviation 0.2 + noise."""
    n0, n1 = _halves(samples)
    centres = np.r_[np.full((n0, 2), -0.5), np.full((n1, 2), 0.5)]
    return centres + (0.2 + noise) * rng.standard_normal((samples, 2)), _labels(n0, n1)


def moons(samples, noise, rng):
    """Two interleaved half circles of radius 1, shifted and scaled into about [-1, 1]²."""
    n0, n1 = _halves(samples)
    t0, t1 = rng.uniform(0, np.pi, n0), rng.uniform(0, np.pi, n1)
    X = np.r_[np.c_[np.cos(t0), np.sin(t0)], np.c_[1 - np.cos(t1), 0.5 - np.sin(t1)]]
    X = (X - [0.5, 0.25]) * [0.65, 0.9]
    return X + noise * rng.standard_normal(X.shape), _labels(n0, n1)


def sine(samples, noise, rng):
    """One period of sin(2πx) on [0, 1) (shrink.data.sine) with Gaussian noise on y."""
    return data.sine(samples, noise=noise, rng=rng)


_GENERATORS = {"spiral": spiral, "xor": xor, "circle": circle, "gaussian": gaussian, "moons": moons, "sine": sine}


def generate(name: str, samples: int, noise: float, rng: np.random.Generator, extra_inputs: int = 0):
    """``X`` (samples, d + extra_inputs), ``y``: the named set, then ``extra_inputs`` columns of
    pure noise N(0, 0.5²) that carry no signal (group L1 on the inputs should delete them)."""
    X, y = _GENERATORS[name](samples, noise, rng)
    if extra_inputs:
        X = np.c_[X, 0.5 * rng.standard_normal((len(X), extra_inputs))]
    return X, y
