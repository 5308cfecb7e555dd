"""Model files, checkpoints and run-directory files that shrink did not write are refused
cleanly: a ``ModelFileError`` (or, through the command, one line and exit status 2) naming the
file and what is wrong — never a traceback, a MemoryError, a hang, or a model that loads wrong.

The helpers ``crafted``, ``sparse_with`` and ``resume_from_crafted_checkpoint`` are also used by
rows of the README's bad-input table (tests/test_bad_inputs.py).
"""

import bz2
import io
import json
import math
import re
import shutil
import tempfile
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

from shrink import (
    SGD,
    Adam,
    CategoricalCrossentropy,
    Dense,
    EarlyStopping,
    ModelFileError,
    Model,
    ReLU,
    Softmax,
)
from shrink.cli import main
from shrink.data import spiral


# ---------------------------------------------------------------------------- crafting files
def classifier(n_inputs=2, hidden=4):
    return Model([Dense(n_inputs, hidden, rng=0), ReLU(), Dense(hidden, 3, rng=1), Softmax()],
                 loss=CategoricalCrossentropy(), optimizer=SGD())


def mostly_zero_classifier():
    """A model whose first layer a sparse file stores in CSR form (20 x 40, two non-zeros)."""
    model = classifier(20, 40)
    model.layers[0].weights[:] = 0
    model.layers[0].weights[0, 1], model.layers[0].weights[3, 7] = 0.5, -0.25
    return model


def parts(model=None, *, sparse=False):
    """(description, arrays) of a model's file, read with NumPy."""
    data = (model or classifier()).to_bytes(sparse=sparse)
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    return json.loads(arrays.pop("__shrink__").tobytes()), arrays


def archive(meta, arrays, *, raw=None) -> bytes:
    """An .npz of ``meta`` as the ``__shrink__`` JSON (or the bytes ``raw``) and ``arrays``."""
    text = raw if raw is not None else json.dumps(meta).encode()
    buffer = io.BytesIO()
    np.savez(buffer, __shrink__=np.frombuffer(text, dtype=np.uint8), **arrays)
    return buffer.getvalue()


def crafted(meta=None, arrays=None, *, drop=(), raw=None, model=None, sparse=False) -> bytes:
    """The file of ``model`` (a small classifier by default) with description keys and arrays
    replaced, arrays dropped, or the whole description replaced by the bytes ``raw``."""
    base_meta, base_arrays = parts(model, sparse=sparse)
    base_meta.update(meta or {})
    base_arrays.update(arrays or {})
    for name in drop:
        del base_arrays[name]
    return archive(base_meta, base_arrays, raw=raw)


def refused(data: bytes, message: str) -> str:
    """Loading ``data`` raises a ModelFileError containing ``message``; returns the message."""
    with pytest.raises(ModelFileError) as info:
        Model.from_bytes(data)
    text = str(info.value)
    assert message in text
    assert text.startswith("'<bytes>'")  # names the file (here: the bytes), never a BytesIO repr
    assert "allow_pickle=True" not in text and "allow_pickle=`" not in text
    return text


def with_member(data: bytes, name: str, content: bytes, *, compress_type=zipfile.ZIP_STORED) -> bytes:
    """``data`` (an .npz) with entry ``name`` replaced or added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info.filename, source.read(info.filename))
        target.writestr(zipfile.ZipInfo(name), content, compress_type=compress_type)
    return out.getvalue()


def npy_claiming(shape, payload: bytes, descr="<f4") -> bytes:
    """A .npy entry whose header claims ``shape`` over the bytes ``payload``."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": False, "shape": shape})
    return buffer.getvalue() + payload


def measured(action):
    """(seconds, peak traced bytes) of ``action()``, which must raise ModelFileError."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ModelFileError):
            action()
        return time.perf_counter() - start, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# ---------------------------------------------------------------------------- the description
@pytest.mark.parametrize("raw,kind", [(b"[1, 2]", "array"), (b"5", "number"), (b'"shrink.model"', "string"),
                                      (b"null", "null"), (b"true", "boolean")])
def test_a_description_that_is_not_a_json_object_is_refused(raw, kind):
    refused(crafted(raw=raw), f"is not a shrink model file (its __shrink__ entry is a JSON {kind}, not an object)")


@pytest.mark.parametrize("raw", [b"[" * 100_000 + b"]" * 100_000,
                                 b'{"format": "shrink.model", "version": 1, "layers": ' + b"[" * 50_000 + b"]" * 50_000
                                 + b"}"])
def test_deeply_nested_json_is_refused_without_a_recursion_error(raw):
    refused(crafted(raw=raw), "its __shrink__ JSON is nested too deeply")


def test_a_description_that_is_not_json_is_refused():
    refused(crafted(raw=b'{"format": "shrink.model", "ver'), "its __shrink__ entry is not valid JSON")
    refused(crafted(raw=b"\xff\xfe{}"), "its __shrink__ entry is not valid JSON")


@pytest.mark.parametrize("version", [True, False, -1, 0, 1.5, "1", None, [1]])
def test_a_version_that_is_not_a_whole_number_from_1_is_refused(version):
    refused(crafted({"version": version}),
            f"has an invalid model format version {version!r} (expected a whole number from 1 to 2)")


def test_a_newer_version_still_says_to_upgrade():
    refused(crafted({"version": 3}),
            "was written by a newer shrink (model format version 3; this shrink reads up to 2)")


@pytest.mark.parametrize("change,message", [
    ({"layers": {"a": 1}}, "the model description's layers must be a non-empty list, got {'a': 1}"),
    ({"layers": []}, "the model description's layers must be a non-empty list, got []"),
    ({"layers": "Dense"}, "the model description's layers must be a non-empty list, got 'Dense'"),
    ({"layers": 3}, "the model description's layers must be a non-empty list, got 3"),
    ({"layers": [[1]]}, "invalid layer 0: expected an object with 'type' and 'config', got [1]"),
    ({"layers": ["Dense"]}, "invalid layer 0: expected an object with 'type' and 'config', got 'Dense'"),
    ({"layers": [{"config": {}}]}, "invalid layer 0: {'config': {}} has no 'type'"),
    ({"layers": [{"type": "Dense", "config": [2, 4]}]}, "invalid layer 0: its config must be an object, got [2, 4]"),
    ({"layers": [{"type": ["Dense"], "config": {}}]}, "invalid layer 0"),
    ({"loss": "CategoricalCrossentropy"}, "invalid loss: expected an object with 'type' and 'config'"),
    ({"loss": {"type": "CategoricalCrossentropy", "config": 1}}, "invalid loss: its config must be an object, got 1"),
    ({"optimizer": [1]}, "invalid optimizer: expected an object with 'type' and 'config', got [1]"),
])
def test_entries_of_the_wrong_types_are_refused(change, message):
    refused(crafted(change), message)


def test_unknown_keys_are_refused():
    meta, _ = parts()
    refused(crafted({"extra": 1}), "the model description has unknown keys 'extra' (it holds dtype, layers, loss, "
                                   "optimizer, classes, standardizer)")
    entry = {**meta["layers"][0], "weights": [[1, 2]]}
    refused(crafted({"layers": [entry, *meta["layers"][1:]]}), "invalid layer 0: ")
    refused(crafted({"layers": [entry, *meta["layers"][1:]]}), "has unknown keys 'weights'")
    loss = {**meta["loss"], "head": "Softmax"}
    refused(crafted({"loss": loss}), "invalid loss: ")


def test_a_description_without_layers_says_what_it_lacks():
    meta, arrays = parts()
    del meta["layers"], meta["loss"]
    refused(archive(meta, arrays), "the model description is incomplete: it has no layers, loss")


# ---------------------------------------------------------------------------- the arrays
@pytest.mark.parametrize("name", ["layers.0.weights", "layers.2.biases"])
@pytest.mark.parametrize("value,word", [(np.nan, "NaN"), (np.inf, "infinity"), (-np.inf, "infinity")])
def test_non_finite_parameters_are_refused(name, value, word):
    _, arrays = parts()
    bad = arrays[name].copy()
    bad.flat[1] = value
    layer, param = name.split(".")[1:]
    refused(crafted(arrays={name: bad}),
            f"layer {layer}'s {param} holds {word}; a model file holds finite numbers only")


@pytest.mark.parametrize("value", [np.ones((2, 4), complex), np.full((2, 4), "1.5"), np.ones((2, 4), bool),
                                   np.zeros((2, 4), "datetime64[s]")])
def test_parameters_that_are_not_real_numbers_are_refused(value):
    refused(crafted(arrays={"layers.0.weights": value}),
            f"layer 0's weights has dtype {value.dtype}; a model file holds real numbers only")


def test_a_parameter_of_the_wrong_shape_is_refused():
    refused(crafted(arrays={"layers.0.weights": np.zeros((4, 2), np.float32)}),
            "layer 0's weights has shape (4, 2) in the file, expected (2, 4)")


@pytest.mark.parametrize("name", ["layers.7.weights", "layers.0.weights_extra", "layers.1.weights"])
def test_arrays_that_no_layer_uses_are_refused(name):
    refused(crafted(arrays={name: np.zeros((2, 4), np.float32)}),
            f"the model file has arrays for '{name[len('layers.'):]}', which no layer of its description has")


@pytest.mark.parametrize("name", ["extra", "layers.weights", "layers.0", "weights.0.layers"])
def test_entries_that_are_no_parameter_are_refused(name):
    refused(crafted(arrays={name: np.zeros(3)}), f"holds an entry '{name}' that is not part of a shrink model file")


def test_zip_entries_that_are_not_npy_arrays_are_refused():
    data = with_member(crafted(), "README.txt", b"hello")
    refused(data, "is not a readable shrink model file (entry 'README.txt' is not a .npy array)")


def test_entries_compressed_in_a_way_numpy_never_writes_are_refused():
    buffer = io.BytesIO()
    np.save(buffer, np.zeros((2, 4), np.float32))
    data = with_member(crafted(drop=["layers.0.weights"]), "layers.0.weights.npy", buffer.getvalue(),
                       compress_type=zipfile.ZIP_BZIP2)
    assert bz2  # the method exists here: it is refused by choice, not by accident
    refused(data, "uses a compression method (#12) numpy.savez never writes")


def test_a_malformed_npy_header_is_refused_without_suggesting_allow_pickle():
    header = b"\x93NUMPY\x01\x00" + (20_000).to_bytes(2, "little") + b"{" + b" " * 19_998 + b"\n"
    data = with_member(crafted(drop=["layers.0.weights"]), "layers.0.weights.npy", header)
    refused(data, "entry 'layers.0.weights.npy' has a malformed .npy header")


def test_an_entry_shorter_than_its_header_promises_is_refused():
    data = with_member(crafted(drop=["layers.0.weights"]), "layers.0.weights.npy", npy_claiming((2, 4), b"\0" * 20))
    refused(data, "entry 'layers.0.weights.npy' is truncated: its header promises 32 bytes of data, it holds 20")


# ---------------------------------------------------------------------------- sizes
def huge_description(n=10**6):
    meta, _ = parts()
    meta["layers"] = [{"type": "Dense", "config": {"n_inputs": n, "n_neurons": n}}, {"type": "ReLU", "config": {}},
                      {"type": "Dense", "config": {"n_inputs": n, "n_neurons": 3}}, {"type": "Softmax", "config": {}}]
    return meta


def test_huge_layers_are_refused_before_anything_of_their_size_is_allocated():
    """A 2 KB file claiming Dense(10**6, 10**6) (7.3 TiB of float64 weights): refused at once."""
    _, arrays = parts()
    with_small_arrays = archive(huge_description(), arrays)
    without_arrays = archive(huge_description(), {})
    assert len(with_small_arrays) < 4096 and len(without_arrays) < 4096
    for data, message in (
            (with_small_arrays, "layer 0's weights has shape (2, 4) in the file, expected (1000000, 1000000)"),
            (without_arrays, "the model file has no array for layer 0's weights")):
        seconds, peak = measured(lambda: Model.from_bytes(data))
        assert seconds < 1 and peak < 4 << 20, (seconds, peak)
        refused(data, message)


def test_huge_layers_in_a_model_description_are_checked_against_the_arrays_first():
    config = {key: value for key, value in huge_description().items() if key not in ("format", "version")}
    seconds, peak = measured(lambda: Model.from_config(config, {}))
    assert seconds < 1 and peak < 4 << 20
    with pytest.raises(ModelFileError, match="the model file has no array for layer 0's weights"):
        Model.from_config(config, {})


@pytest.mark.parametrize("shape,message", [
    ((20_000, 20_000), "is truncated: its header promises 1600000000 bytes of data, it holds 32"),
    ((10**6, 10**6), "declares an array of shape (1000000, 1000000) (3.64 TiB), more than this machine's memory"),
])
def test_an_npy_header_claiming_a_huge_shape_allocates_nothing_of_that_size(shape, message):
    data = with_member(crafted(drop=["layers.0.weights"]), "layers.0.weights.npy", npy_claiming(shape, b"\0" * 32))
    seconds, peak = measured(lambda: Model.from_bytes(data))
    assert seconds < 1 and peak < 4 << 20, (seconds, peak)
    refused(data, message)


def test_a_model_loads_without_drawing_initial_weights():
    """Loading (and copying) a Dense layer takes the file's arrays: no random draw of that size."""
    model = classifier(300, 1000)
    data = model.to_bytes()
    loaded = Model.from_bytes(data)
    for a, b in zip(loaded.parameters(), model.parameters()):
        np.testing.assert_array_equal(a.value, b.value)
    size = model.layers[0].weights.nbytes  # 1.2 MB of float32; a float64 random draw would add 2.4 MB
    for action, most in ((lambda: Model.from_bytes(data), 3 * size), (model.copy, 2 * size)):
        tracemalloc.start()
        try:
            action()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < most, (peak, most)  # the arrays read and one copy of each; nothing drawn


# ---------------------------------------------------------------------------- sparse (CSR) arrays
def sparse_with(**parts_of_first_weights):
    meta, arrays = parts(mostly_zero_classifier(), sparse=True)
    assert "layers.0.weights.csr.indptr" in arrays
    for part, value in parts_of_first_weights.items():
        arrays[f"layers.0.weights.csr.{part}"] = value
    return archive(meta, arrays)


def test_a_sparse_file_round_trips_exactly():
    model = mostly_zero_classifier()
    loaded = Model.from_bytes(model.to_bytes(sparse=True))
    for a, b in zip(loaded.parameters(), model.parameters()):
        np.testing.assert_array_equal(a.value, b.value)


INDPTR = np.array([0, 1, 1, 1, 2] + [2] * 16, dtype=np.int32)  # the 21 row pointers of mostly_zero_classifier


@pytest.mark.parametrize("change,message", [
    ({"indices": np.array([1, 40], np.int32)}, "a column index is out of bounds for 40 columns"),
    ({"indices": np.array([-1, 7], np.int32)}, "a column index is out of bounds for 40 columns"),
    ({"indices": np.array([1.0, 7.0])}, "its indices and indptr parts must hold integers"),
    ({"indptr": INDPTR[::-1].copy()}, "indptr must start at 0 and never decrease"),
    ({"indptr": np.array([0, 2, 1] + [2] * 18, np.int32)}, "indptr must start at 0 and never decrease"),
    ({"indptr": INDPTR[:3]}, "indptr has 3 entries, but a matrix of 20 rows needs 21"),
    ({"indptr": np.where(INDPTR == 2, 3, INDPTR)}, "indptr ends at 3, with 2 column indices for 2 values"),
    ({"shape": np.array([-20, 40])}, "negative shape (-20, 40)"),
    ({"shape": np.array([20, 40, 1])}, "its shape part must be two integers"),
    ({"shape": np.array([20.0, 40.0])}, "its shape part must be two integers"),
    ({"data": np.array([[0.5, -0.25]], np.float32)}, "its data part must be 1-D"),
    ({"data": np.array([np.nan, -0.25], np.float32)}, "layer 0's weights holds NaN; a model file holds finite numbers"),
    ({"data": np.array(["a", "b"])}, "its values have dtype <U1, not real numbers"),
    ({"indptr": np.array([0, 2] + [2] * 19, np.int32), "indices": np.array([7, 7], np.int32)},
     "the column indices of a row must increase (a column appears twice)"),
    ({"extra": np.zeros(2)}, "holds an entry 'layers.0.weights.csr.extra' that is not part of a shrink model file"),
])
def test_inconsistent_sparse_parts_are_refused(change, message):
    refused(sparse_with(**change), message)


def test_a_sparse_array_with_a_part_missing_is_refused():
    meta, arrays = parts(mostly_zero_classifier(), sparse=True)
    del arrays["layers.0.weights.csr.indices"]
    refused(archive(meta, arrays), "has an incomplete sparse array for layer 0's weights")


def test_a_parameter_stored_both_dense_and_sparse_is_refused():
    meta, arrays = parts(mostly_zero_classifier(), sparse=True)
    arrays["layers.0.weights"] = np.zeros((20, 40), np.float32)
    refused(archive(meta, arrays), "holds layer 0's weights twice, dense and sparse")


def test_a_sparse_array_larger_than_memory_is_refused_before_it_is_expanded():
    meta, arrays = parts(mostly_zero_classifier(), sparse=True)
    meta["layers"][0]["config"]["n_neurons"] = meta["layers"][2]["config"]["n_inputs"] = 10**12
    arrays.update({"layers.0.weights.csr.shape": np.array([1, 10**12]), "layers.0.weights.csr.indptr": np.zeros(2, int),
                   "layers.0.weights.csr.indices": np.zeros(0, np.int32),
                   "layers.0.weights.csr.data": np.zeros(0, np.float32)})
    data = archive(meta, arrays)
    seconds, peak = measured(lambda: Model.from_bytes(data))
    assert seconds < 1 and peak < 4 << 20, (seconds, peak)
    refused(data, "its shape (1, 1000000000000) would take 3.64 TiB, more than this machine's memory")


def test_a_sparse_array_of_another_shape_than_described_is_refused_before_it_is_expanded():
    meta, arrays = parts(mostly_zero_classifier(), sparse=True)
    arrays.update({"layers.0.weights.csr.shape": np.array([20, 400_000]), "layers.0.weights.csr.indptr": INDPTR})
    data = archive(meta, arrays)
    seconds, peak = measured(lambda: Model.from_bytes(data))
    assert peak < 4 << 20, peak  # not the 32 MB of its dense form
    refused(data, "layer 0's weights has shape (20, 400000) in the file, expected (20, 40)")


# ---------------------------------------------------------------------------- checkpoints
def small_model():
    return Model([Dense(2, 8, rng=0), ReLU(), Dense(8, 3, rng=1), Softmax()], loss=CategoricalCrossentropy(),
                 optimizer=Adam(0.01), dtype="float64")


def checkpointed(directory, callbacks=()):
    """A checkpoint after 2 epochs in ``directory``; returns (X, y, path)."""
    X, y = spiral(20, 3, rng=0)
    path = directory / "ck.npz"
    small_model().fit(X, y, epochs=2, batch_size=16, checkpoint=path, rng=0, callbacks=list(callbacks))
    return X, y, path


def rewrite_checkpoint(path, meta=None, arrays=None, drop=(), raw=None):
    with np.load(path, allow_pickle=False) as archive_:
        entries = {name: archive_[name] for name in archive_.files}
    saved = json.loads(entries.pop("__shrink__").tobytes())
    saved.update(meta or {})
    entries.update(arrays or {})
    for name in drop:
        del entries[name]
    text = raw if raw is not None else json.dumps(saved).encode()
    np.savez(path, __shrink__=np.frombuffer(text, dtype=np.uint8), **entries)


def resume(X, y, path, callbacks=()):
    return small_model().fit(X, y, epochs=4, batch_size=16, checkpoint=path, resume=True, rng=0,
                             callbacks=list(callbacks))


def resume_from_crafted_checkpoint(**meta):
    """Resume a fit from a checkpoint whose description has ``meta`` changed (for the table)."""
    import pathlib

    with tempfile.TemporaryDirectory() as directory:
        X, y, path = checkpointed(pathlib.Path(directory))
        rewrite_checkpoint(path, meta)
        resume(X, y, path)


def test_a_crafted_checkpoint_helper_resumes_when_nothing_is_changed(tmp_path):
    X, y, path = checkpointed(tmp_path)
    rewrite_checkpoint(path)
    assert resume(X, y, path).epoch == [0, 1, 2, 3]


@pytest.mark.parametrize("key", ["epoch", "iterations"])
@pytest.mark.parametrize("value", [-1, 1.5, True, "2", None])
def test_counts_that_are_not_whole_numbers_are_refused(tmp_path, key, value):
    X, y, path = checkpointed(tmp_path)
    rewrite_checkpoint(path, {key: value})
    with pytest.raises(ModelFileError, match=re.escape(f"its {key} is {value!r}, not a whole number >= 0")):
        resume(X, y, path)


@pytest.mark.parametrize("value", [0, -0.1, math.nan, "0.01", True])
def test_a_learning_rate_that_is_not_a_positive_number_is_refused(tmp_path, value):
    X, y, path = checkpointed(tmp_path)
    rewrite_checkpoint(path, {"learning_rate": value})
    with pytest.raises(ModelFileError, match=re.escape(f"its learning_rate is {value!r}, not a finite number > 0")):
        resume(X, y, path)


@pytest.mark.parametrize("version", [True, -1, 1.5])
def test_a_checkpoint_version_that_is_not_a_whole_number_is_refused(tmp_path, version):
    X, y, path = checkpointed(tmp_path)
    rewrite_checkpoint(path, {"version": version})
    with pytest.raises(ModelFileError, match=re.escape(f"has an invalid checkpoint version {version!r}")):
        resume(X, y, path)


def test_a_checkpoint_description_that_is_not_an_object_is_refused(tmp_path):
    X, y, path = checkpointed(tmp_path)
    rewrite_checkpoint(path, raw=b"[1, 2, 3]")
    with pytest.raises(ModelFileError, match="is not a shrink checkpoint .its __shrink__ entry is a JSON array"):
        resume(X, y, path)


@pytest.mark.parametrize("change,message", [
    ({"drop": ["layers.0.weights"]}, "it has no array 'layers.0.weights'"),
    ({"drop": ["order"]}, "it has no array 'order'"),
    ({"arrays": {"layers.0.weights": np.zeros(1)}}, "its array 'layers.0.weights' has shape (1,), expected (2, 8)"),
    ({"arrays": {"layers.2.biases": np.full((1, 3), np.nan)}}, "its array 'layers.2.biases' holds NaN or infinity"),
    ({"arrays": {"layers.0.weights": np.zeros((2, 8), complex)}},
     "its array 'layers.0.weights' has dtype complex128, not numbers"),
    ({"arrays": {"optimizer.0.weights.momentum": np.zeros((8, 2))}},
     "its array 'optimizer.0.weights.momentum' has shape (8, 2), expected (2, 8)"),
    ({"arrays": {"optimizer.5.weights.cache": np.zeros((2, 8))}},
     "its array 'optimizer.5.weights.cache' belongs to no parameter of this model"),
    ({"arrays": {"stray": np.zeros(3)}}, "it holds an array 'stray' that belongs to nothing of this fit"),
    ({"arrays": {"order": np.zeros(60, np.int64)}}, "its shuffle order is not a permutation of the samples"),
    ({"arrays": {"order": np.arange(59)}}, "its array 'order' has shape (59,), expected (60,)"),
    ({"arrays": {"order": np.arange(60.0)}}, "its array 'order' has dtype float64, not integers"),
])
def test_missing_or_malformed_checkpoint_arrays_are_refused(tmp_path, change, message):
    X, y, path = checkpointed(tmp_path)
    rewrite_checkpoint(path, **change)
    with pytest.raises(ModelFileError, match=re.escape(message)):
        resume(X, y, path)


def test_a_checkpoint_history_of_another_length_is_refused(tmp_path):
    X, y, path = checkpointed(tmp_path)
    with np.load(path, allow_pickle=False) as archive_:
        history = json.loads(archive_["__shrink__"].tobytes())["history"]
    history["history"]["loss"] = history["history"]["loss"][:1]
    rewrite_checkpoint(path, {"history": history})
    with pytest.raises(ModelFileError, match="its history does not hold one row of numbers for each of its 2 epochs"):
        resume(X, y, path)


def test_a_generator_state_that_is_not_one_is_refused_before_anything_changes(tmp_path):
    X, y, path = checkpointed(tmp_path)
    rewrite_checkpoint(path, {"rng": {"bit_generator": "PCG64", "state": "nonsense"}})
    model = small_model()
    before = [p.value.copy() for p in model.parameters()]
    with pytest.raises(ModelFileError, match="is not a readable shrink checkpoint"):
        model.fit(X, y, epochs=4, batch_size=16, checkpoint=path, resume=True, rng=0)
    for saved, p in zip(before, model.parameters()):
        np.testing.assert_array_equal(saved, p.value)


def test_a_callback_state_of_the_wrong_types_is_refused(tmp_path):
    stopping = lambda: EarlyStopping(monitor="loss", patience=5, restore_best_weights=True)  # noqa: E731
    X, y, path = checkpointed(tmp_path, [stopping()])
    with np.load(path, allow_pickle=False) as archive_:
        entries = json.loads(archive_["__shrink__"].tobytes())["callbacks"]
    entries[0]["state"]["wait"] = "3"
    rewrite_checkpoint(path, {"callbacks": entries})
    with pytest.raises(ModelFileError, match=re.escape("the state of callback 0 (EarlyStopping) has wait='3'")):
        resume(X, y, path, [stopping()])
    X, y, path = checkpointed(tmp_path, [stopping()])
    rewrite_checkpoint(path, arrays={"callbacks.0.0": np.zeros(3)})
    with pytest.raises(ModelFileError, match=re.escape("its array 'callbacks.0.0' has shape (3,), expected (2, 8)")):
        resume(X, y, path, [stopping()])


# ---------------------------------------------------------------------------- run directories, through the command
@pytest.fixture
def run_dir(logistic_run, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(logistic_run, copy)
    return copy


def one_line_error(capsys, *argv) -> str:
    """Run the command; it must exit 2 with exactly one line on stderr, which is returned."""
    capsys.readouterr()
    code = main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("shrink: error: "), err
    assert "Traceback" not in err and "allow_pickle" not in err
    return lines[0]


def test_report_refuses_a_history_csv_cut_mid_line(run_dir, capsys):
    history = run_dir / "history.csv"
    text = history.read_text()
    history.write_text(text[: len(text) - 9])
    line = one_line_error(capsys, "report", run_dir)
    assert f"{str(history)!r} is truncated: its last line, line 6, is cut off" in line


def test_report_refuses_a_history_csv_that_lost_its_last_lines(run_dir, capsys):
    history = run_dir / "history.csv"
    history.write_text("".join(history.read_text().splitlines(keepends=True)[:-2]))
    line = one_line_error(capsys, "report", run_dir)
    assert f"says the run trained 5 epochs, but {str(history)!r} holds 3: one of them is truncated" in line


@pytest.mark.parametrize("edit,message", [
    (lambda lines: lines[:1], "holds a header but no epochs"),
    (lambda lines: [""], "is empty"),
    (lambda lines: [lines[0], lines[1].replace(",", ",abc,", 1), *lines[2:]], "line 2: "),
    (lambda lines: [lines[0], "0,abc" + lines[1][lines[1].index(",", 2):], *lines[2:]],
     "line 2, column 2: 'abc' is not a number"),
    (lambda lines: [lines[0], "0,1_0" + lines[1][lines[1].index(",", 2):], *lines[2:]],
     "line 2, column 2: '1_0' is not a number"),
    (lambda lines: [lines[0], *lines[2:]], "line 2, column 1: epoch '1', expected 0"),
    (lambda lines: ["epoch,loss,loss", *lines[1:]], "line 1: expected the header epoch,METRIC,..."),
])
def test_report_refuses_a_damaged_history_csv(run_dir, capsys, edit, message):
    history = run_dir / "history.csv"
    lines = history.read_text().splitlines()
    history.write_text("\n".join(edit(lines)) + "\n")
    line = one_line_error(capsys, "report", run_dir)
    assert str(history) in line and message in line


@pytest.mark.parametrize("content,message", [
    (lambda text: text[: len(text) // 2], "is truncated or not valid JSON"),
    (lambda text: "[1, 2]", "must hold a JSON object, got list"),
    (lambda text: "[" * 100_000, "not valid JSON"),
    (lambda text: json.dumps({**json.loads(text), "seconds": "fast"}), "seconds is 'fast', not a finite number >= 0"),
    (lambda text: json.dumps({**json.loads(text), "best_epoch": 99}), "best_epoch is 99, not an epoch of the run's 5"),
])
def test_report_refuses_a_damaged_metrics_json(run_dir, capsys, content, message):
    metrics = run_dir / "metrics.json"
    metrics.write_text(content(metrics.read_text()))
    line = one_line_error(capsys, "report", run_dir)
    assert str(metrics) in line and message in line


def test_report_refuses_a_config_toml_that_is_not_text(run_dir, capsys):
    config = run_dir / "config.toml"
    config.write_bytes(b"\xff\xfe" + config.read_bytes())
    line = one_line_error(capsys, "report", run_dir)
    assert f"{str(config)!r} is not UTF-8 text" in line


def test_evaluate_refuses_a_model_file_with_nan_weights(run_dir, capsys):
    model = Model.load(run_dir / "model.npz")
    model.layers[0].weights[0, 0] = np.nan
    model.save(run_dir / "model.npz")
    line = one_line_error(capsys, "evaluate", run_dir)
    assert "model.npz" in line and "layer 0's weights holds NaN" in line


@pytest.mark.parametrize("damage,message", [
    (lambda path: path.write_bytes(path.read_bytes()[: path.stat().st_size // 2]),
     "is not a readable shrink checkpoint (a damaged or truncated zip archive"),
    (lambda path: rewrite_checkpoint(path, {"epoch": -1}), "its epoch is -1, not a whole number >= 0"),
    (lambda path: rewrite_checkpoint(path, drop=["order"]), "it has no array 'order'"),
])
def test_train_resume_refuses_a_damaged_checkpoint(run_dir, capsys, damage, message):
    checkpoint = run_dir / "checkpoint.npz"
    damage(checkpoint)
    line = one_line_error(capsys, "train", "preset:logistic-l2", "--out", run_dir, "--set", "train.epochs=8", "--quiet",
                          "--resume")
    assert str(checkpoint) in line and message in line
