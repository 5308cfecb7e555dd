"""Data files (``load_csv``, ``load_npz``, ``csv:`` and ``npz:`` sources) that shrink cannot use
are refused with an ``InvalidArgumentError`` (a ValueError the command turns into one line and
exit 2) naming the file — and, for a CSV, the line and column. Nothing is read wrong silently
(``1_0`` is not 10), and no message ever suggests ``allow_pickle``.

The helpers ``csv_text`` and ``npz_data`` are also used by the rows of the README's bad-input
table (tests/test_bad_inputs.py).
"""

import io
import pathlib
import pickle
import shutil
import tempfile
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

from shrink import InvalidArgumentError, ShrinkError
from shrink.cli import main
from shrink.data import load_csv, load_npz


def written(directory: pathlib.Path, name: str, content) -> pathlib.Path:
    path = directory / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def csv_text(text: str, **kwargs):
    """``load_csv`` of a file ``data.csv`` holding ``text`` (for the table)."""
    with tempfile.TemporaryDirectory() as directory:
        return load_csv(written(pathlib.Path(directory), "data.csv", text), **kwargs)


def npz_data(**arrays):
    """``load_npz`` of a file ``data.npz`` holding ``arrays`` (for the table)."""
    with tempfile.TemporaryDirectory() as directory:
        path = pathlib.Path(directory) / "data.npz"
        np.savez(path, **arrays)
        return load_npz(path)


def refused(load, path, message: str) -> str:
    with pytest.raises(InvalidArgumentError) as info:
        load(path)
    text = str(info.value)
    assert isinstance(info.value, ShrinkError) and isinstance(info.value, ValueError)
    assert str(path) in text and message in text, text
    assert "allow_pickle" not in text and "pickle.load" not in text
    return text


# ---------------------------------------------------------------------------- CSV
@pytest.mark.parametrize("text,message", [
    ("a,b,c\n1,2,3\n4,5,6\n\n1,2,abc\n", "line 5, column 3: 'abc' is not a number"),
    ("1,2,3\n1_0,2,3\n", "line 2, column 1: '1_0' is not a number (digit separators such as '_' are not allowed)"),
    ("1_0,2,3\n4,5,6\n", "line 1, column 1: '1_0' is not a number (digit separators"),
    ("1,2,3\n1,nan,3\n", "line 2, column 2: 'nan' is not a finite number"),
    ("1,2,3\n1,-inf,3\n", "line 2, column 2: '-inf' is not a finite number"),
    ("1,2,3\n1,1e999,3\n", "line 2, column 2: '1e999' is not a finite number"),
    ("1,2,3\n1,,3\n", "line 2, column 2: empty cell, expected a number"),
    ("1,2,3\n\u0661,2,3\n", "line 2, column 1: '\u0661' is not a number"),
    ("1,2,3\n0x1A,2,3\n", "line 2, column 1: '0x1A' is not a number"),
    ("1,2,3\n1,2,3\n1,2\n", "line 3: 2 values, but the first row has 3"),
    ("a,b\n1,2,3\n", "line 2: 3 values, but the header names 2"),
    ("1,2,3\n1,2,3,4\n", "line 2: 4 values, but the first row has 3"),
    ("x1,x2,y\n", "has a header line but no data rows"),
    ("", "holds no rows"),
    ("\n \n", "holds no rows"),
])
def test_a_csv_that_is_not_a_table_of_numbers_is_refused_by_line_and_column(tmp_path, text, message):
    path = written(tmp_path, "data.csv", text)
    assert refused(load_csv, path, message).startswith(f"{path}, ") or "holds no rows" in message or "header" in message


def test_csv_errors_follow_the_documented_form(tmp_path):
    path = written(tmp_path, "data.csv", "a,b,c\n" + "1,2,3\n" * 5 + "1,2,abc\n")
    with pytest.raises(InvalidArgumentError) as info:
        load_csv(path)
    assert str(info.value) == f"{path}, line 7, column 3: 'abc' is not a number"


def test_a_csv_that_is_not_utf8_text_is_refused_with_its_line(tmp_path):
    path = written(tmp_path, "data.csv", b"1,2\n3,4\n5,\xff\n")
    refused(load_csv, path, "line 3: not UTF-8 text (byte 0xff)")


def test_a_csv_holding_nul_bytes_is_refused(tmp_path):
    refused(load_csv, written(tmp_path, "data.csv", b"1,2\n3,\x004\n"), "line 2")


def test_a_byte_order_mark_does_not_turn_the_first_row_into_a_header(tmp_path):
    X, y = load_csv(written(tmp_path, "data.csv", "\ufeff1,2,0\n3,4,1\n"))
    np.testing.assert_array_equal(X, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(y, [0, 1])


def test_good_csv_files_still_read(tmp_path):
    X, y = load_csv(written(tmp_path, "data.csv", "x1, x2 ,label\n1,2.5,0\n-3e-2, +.5 ,1\r\n\n4.,5,1\n"))
    np.testing.assert_array_equal(X, [[1, 2.5], [-0.03, 0.5], [4, 5]])
    np.testing.assert_array_equal(y, [0, 1, 1])
    X, y = load_csv(written(tmp_path, "named.csv", "a,b,c\n1,2,3\n"), target="a")
    np.testing.assert_array_equal(X, [[2, 3]])
    X, none = load_csv(written(tmp_path, "features.csv", "1,2\n3,4\n"), target=None)
    assert none is None and X.shape == (2, 2)


# ---------------------------------------------------------------------------- .npz
X4, Y4 = np.arange(8.0).reshape(4, 2), np.array([0, 1, 0, 1])


@pytest.mark.parametrize("arrays,message", [
    ({"X": np.arange(4.0), "y": Y4},
     "holds X of shape (4,): it must be 2-D (samples x features); for one feature store X.reshape(-1, 1)"),
    ({"X": np.zeros((4, 2, 1)), "y": Y4}, "holds X of shape (4, 2, 1): it must be 2-D"),
    ({"X": np.float64(3.0), "y": Y4}, "holds X of shape (): it must be 2-D"),
    ({"X": X4, "y": np.array(["0.5", "1", "2", "x"])},
     "holds y of strings (dtype <U3); shrink needs numbers (class labels 0..k-1 or numeric targets)"),
    ({"X": X4, "y": np.array([b"a", b"b", b"c", b"d"])}, "holds y of bytes (dtype |S1)"),
    ({"X": X4, "y": np.zeros((4, 1, 1))}, "holds y of shape (4, 1, 1): it must be 1-D"),
    ({"X": np.zeros(4, dtype=[("a", float), ("b", float)]), "y": Y4},
     "holds X of a structured (record) dtype with fields a, b; shrink needs real numbers in a plain array"),
    ({"X": X4.astype(complex), "y": Y4}, "holds X of complex numbers (dtype complex128); shrink needs real numbers"),
    ({"X": np.zeros((4, 2), "datetime64[s]"), "y": Y4}, "holds X of dates (dtype datetime64[s])"),
    ({"X": np.zeros((4, 2), "timedelta64[s]"), "y": Y4}, "holds X of durations (dtype timedelta64[s])"),
    ({"X": np.full((4, 2), "1.5"), "y": Y4}, "holds X of strings (dtype <U3)"),
    ({"X": X4, "y": Y4[:3]}, "holds X with 4 samples but y with 3"),
    ({"X": np.zeros((0, 2)), "y": np.zeros(0)}, "holds no samples"),
    ({"X": np.where(X4 == 5, np.nan, X4), "y": Y4}, "holds NaN in X (row 2, column 1, counting from 0)"),
    ({"X": X4, "y": np.array([0.0, np.inf, 1.0, 0.0])}, "holds infinity in y (row 1, counting from 0)"),
    ({"X": X4}, "must hold arrays named 'X' and 'y'; it has ['X']"),
    ({"features": X4, "labels": Y4}, "must hold arrays named 'X' and 'y'; it has ['features', 'labels']"),
])
def test_npz_data_shrink_cannot_use_is_refused(tmp_path, arrays, message):
    path = tmp_path / "data.npz"
    np.savez(path, **arrays)
    refused(load_npz, path, message)


def test_an_object_array_is_refused_without_suggesting_pickle(tmp_path):
    path = tmp_path / "data.npz"
    np.savez(path, X=np.array([[1, None]] * 4, dtype=object), y=Y4)
    refused(load_npz, path, "X is an object array, which only pickle can read, and shrink never unpickles")


@pytest.mark.parametrize("content,message", [
    (b"a,b\n1,2\n", "is not a readable .npz file (not a zip archive of .npy arrays)"),
    (pickle.dumps({"X": X4, "y": Y4}), "is not a readable .npz file (not a zip archive of .npy arrays)"),
    (b"", "is not a readable .npz file (an empty file, not an .npz archive)"),
    (b"PK\x03\x04" + bytes(200), "is not a readable .npz file (a damaged or truncated zip archive"),
])
def test_a_file_that_is_not_an_npz_archive_is_refused_without_an_allow_pickle_hint(tmp_path, content, message):
    refused(load_npz, written(tmp_path, "data.npz", content), message)


def test_a_bare_npy_given_as_npz_is_refused(tmp_path):
    buffer = io.BytesIO()
    np.save(buffer, X4)
    refused(load_npz, written(tmp_path, "data.npz", buffer.getvalue()),
            "is a single array, not an .npz archive with 'X' and 'y' (save both with numpy.savez)")


def test_a_truncated_npz_is_refused(tmp_path):
    path = tmp_path / "data.npz"
    np.savez(path, X=np.zeros((100, 20)), y=np.zeros(100))
    path.write_bytes(path.read_bytes()[:5000])
    refused(load_npz, path, "is not a readable .npz file (a damaged or truncated zip archive")


def test_an_npz_header_claiming_a_huge_shape_allocates_nothing_of_that_size(tmp_path):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (50_000, 10_000)})
    path = tmp_path / "data.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("X.npy", header.getvalue() + bytes(64))
        buffer = io.BytesIO()
        np.save(buffer, np.zeros(50_000))
        archive.writestr("y.npy", buffer.getvalue())
    tracemalloc.start()
    start = time.perf_counter()
    try:
        text = refused(load_npz, path, "entry 'X.npy' is truncated: its header promises 4000000000 bytes of data, "
                                       "it holds 64")
        seconds, peak = time.perf_counter() - start, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert seconds < 1 and peak < 8 << 20, (seconds, peak, text)


def test_good_npz_files_still_read(tmp_path):
    path = tmp_path / "data.npz"
    np.savez_compressed(path, X=np.asfortranarray(X4), y=Y4.astype(np.int8), extra=np.array(["ignored"]))
    X, y = load_npz(path)
    np.testing.assert_array_equal(X, X4)
    np.testing.assert_array_equal(y, Y4)
    X[0, 0] = 99  # the arrays are the caller's own
    np.savez(path, X=X4 > 3, y=np.ones((4, 2)))
    X, y = load_npz(path)
    assert X.dtype == bool and y.shape == (4, 2)


# ---------------------------------------------------------------------------- through the command
@pytest.fixture
def run_dir(logistic_run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(logistic_run, tmp_path / "run")
    return "run"


def one_line_error(capsys, *argv) -> str:
    """Run the command; it must exit 2 with exactly one line on stderr, which is returned."""
    capsys.readouterr()
    code = main(list(argv))
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("shrink: error: "), err
    assert "Traceback" not in err and "allow_pickle" not in err
    return lines[0]


@pytest.mark.parametrize("content,message", [
    ("a,b\n0.5,0.5\n1.0,abc\n", "shrink: error: bad.csv, line 3, column 2: 'abc' is not a number"),
    ("0.5,0.5\n1_0,0.5\n", "shrink: error: bad.csv, line 2, column 1: '1_0' is not a number"),
    ("a,b\n0.5,0.5\n1.0\n", "shrink: error: bad.csv, line 3: 1 values, but the header names 2"),
    (b"0.5,0.5\n\xff,1\n", "shrink: error: bad.csv, line 2: not UTF-8 text (byte 0xff)"),
])
def test_predict_refuses_a_bad_csv_in_one_line(run_dir, capsys, tmp_path, content, message):
    written(tmp_path, "bad.csv", content)
    assert one_line_error(capsys, "predict", run_dir, "bad.csv").startswith(message)


@pytest.mark.parametrize("content,message", [
    (b"a,b,label\n0,0,1\n", "shrink: error: data.source: 'bad.npz' is not a readable .npz file (not a zip archive"),
    (pickle.dumps({"X": X4}), "shrink: error: data.source: 'bad.npz' is not a readable .npz file"),
    ({"X": np.arange(4.0), "y": Y4}, "shrink: error: data.source: 'bad.npz' holds X of shape (4,): it must be 2-D"),
    ({"X": X4, "y": np.array(["a", "b", "a", "b"])}, "shrink: error: data.source: 'bad.npz' holds y of strings"),
    ({"X": X4.astype(complex), "y": Y4}, "shrink: error: data.source: 'bad.npz' holds X of complex numbers"),
])
def test_evaluate_refuses_bad_npz_data_in_one_line(run_dir, capsys, tmp_path, content, message):
    if isinstance(content, dict):
        np.savez(tmp_path / "bad.npz", **content)
    else:
        written(tmp_path, "bad.npz", content)
    assert one_line_error(capsys, "evaluate", run_dir, "--data", "npz:bad.npz").startswith(message)
