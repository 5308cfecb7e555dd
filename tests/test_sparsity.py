import numpy as np
import pytest
import scipy.sparse

from shrink import CategoricalCrossentropy, Dense, Model, ReLU, Softmax
from shrink.persistence import from_csr, model_bytes, to_csr
from shrink.sparsity import prune, sparsity_report, zero_fraction


def hand_model():
    d1, d2 = Dense(3, 4), Dense(4, 2)
    d1.weights = np.array([[1.0, 0.0, 0.0, 2.0],
                           [0.0, 0.0, 0.0, 0.0],    # input 1 feeds nothing: unused
                           [0.5, 0.0, 1e-4, 0.0]])  # unit 1 has no incoming weights: dead
    d2.weights = np.array([[1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [0.0, 0.0]])  # unit 3 has no outgoing: dead
    d1.biases = np.array([[0.0, 1.0, 0.0, 0.0]])
    return Model([d1, ReLU(), d2, Softmax()], loss=CategoricalCrossentropy(), dtype="float64")


def test_sparsity_report_counts_zeros_dead_units_and_unused_inputs():
    first, second = sparsity_report(hand_model(), tol=1e-3)
    assert first["weights_zero"] == pytest.approx(8 / 12) and first["weights_near_zero"] == pytest.approx(9 / 12)
    assert first["biases_zero"] == pytest.approx(3 / 4)
    assert first["dead_units"] == 2 and first["unused_inputs"] == 1
    assert second["weights_zero"] == pytest.approx(2 / 8) and "unused_inputs" not in second
    assert zero_fraction(hand_model()) == pytest.approx(10 / 20)


def test_csr_matches_scipy_and_round_trips():
    rng = np.random.default_rng(0)
    dense = rng.normal(size=(7, 5)) * (rng.random((7, 5)) < 0.3)
    dense[2] = 0  # an empty row
    ours, theirs = to_csr(dense), scipy.sparse.csr_matrix(dense)
    np.testing.assert_array_equal(ours["data"], theirs.data)
    np.testing.assert_array_equal(ours["indices"], theirs.indices)
    np.testing.assert_array_equal(ours["indptr"], theirs.indptr)
    np.testing.assert_array_equal(from_csr(ours), dense)


def test_sparse_file_is_smaller_and_predicts_identically(tmp_path):
    rng = np.random.default_rng(0)
    model = Model([Dense(50, 40, rng=0), ReLU(), Dense(40, 3, rng=1), Softmax()], loss=CategoricalCrossentropy())
    model.layers[0].weights[rng.random((50, 40)) < 0.9] = 0  # 90% zeros in the big matrix
    model.save(tmp_path / "dense.npz")
    model.save(tmp_path / "sparse.npz", sparse=True)
    dense_size, sparse_size = (tmp_path / "dense.npz").stat().st_size, (tmp_path / "sparse.npz").stat().st_size
    assert sparse_size < 0.5 * dense_size
    assert len(model_bytes(model)) == dense_size
    loaded = Model.load(tmp_path / "sparse.npz")
    X = rng.normal(size=(64, 50))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_array_equal(loaded.layers[0].weights, model.layers[0].weights)


def test_prune_zeroes_small_weights_in_a_copy():
    model = hand_model()
    pruned = prune(model, tol=1e-3)
    assert pruned.layers[0].weights[2, 2] == 0 and model.layers[0].weights[2, 2] == 1e-4
    with pytest.raises(ValueError, match="tol must be >= 0"):
        prune(model, tol=-1)


def test_history_records_sparsity_when_asked():
    from shrink import SGD
    from shrink.data import spiral

    X, y = spiral(20, 3, rng=0)
    model = Model([Dense(2, 8, weight_l1=0.05, rng=0), ReLU(), Dense(8, 3, rng=1), Softmax()],
                  loss=CategoricalCrossentropy(), optimizer=SGD(1.0, l1_method="proximal"))
    history = model.fit(X, y, epochs=30, track_sparsity=True)
    assert len(history["zero_weights"]) == 30 and history["zero_weights"][-1] > 0
    assert "zero_weights" not in model.fit(X, y, epochs=1).history
