"""``shrink path`` end to end: a CSV with a header, the files it writes, the model read back by
``shrink predict``, and user mistakes as one line on stderr with exit status 2."""

import csv

import numpy as np
import pytest
from sklearn.datasets import load_diabetes

from shrink.cli import main
from shrink.sklearn import LinearRegressionCV


@pytest.fixture(scope="module")
def diabetes_csv(tmp_path_factory):
    frame = load_diabetes(as_frame=True).frame
    path = tmp_path_factory.mktemp("data") / "diabetes.csv"
    frame.to_csv(path, index=False)
    return path, list(frame.columns[:-1])


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_path_with_cv_writes_every_file_and_the_model_predicts(diabetes_csv, tmp_path, capsys):
    data, names = diabetes_csv
    out = tmp_path / "out"
    assert main(["path", str(data), "--target", "target", "--cv", "5", "--n-lambdas", "30", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "λ_min" in printed and "λ_1se" in printed and "model at λ_1se" in printed
    for name in ("path.csv", "cv.csv", "path.png", "cv.png", "report.html", "model.npz", "config.toml"):
        assert (out / name).stat().st_size > 0, name
    path_rows = read_rows(out / "path.csv")
    assert path_rows[0][:7] == ["lambda", "weight_l1", "weight_l2", "df", "objective", "dual_gap", "intercept"]
    assert path_rows[0][7:] == [f"coef:{n}" for n in names] and len(path_rows) == 31
    lambdas = np.array([float(r[0]) for r in path_rows[1:]])
    assert np.all(np.diff(lambdas) < 0) and int(path_rows[1][3]) == 0
    cv_rows = read_rows(out / "cv.csv")
    assert cv_rows[0] == ["lambda", "df", "cv_mean", "cv_se", *(f"fold_{f}" for f in range(5))]
    # The same as the estimator on the same (unshuffled) folds.
    X, y = load_diabetes(return_X_y=True)
    est = LinearRegressionCV(cv=5, n_lambdas=30).fit(X, y)
    np.testing.assert_allclose([float(r[2]) for r in cv_rows[1:]], est.cv_mean_, rtol=1e-9)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "http" not in html.split("<body>")[1]
    # The model predicts through `shrink predict` on the features alone.
    features = tmp_path / "features.csv"
    with open(features, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(names)
        writer.writerows(X[:7].tolist())
    assert main(["predict", str(out), str(features), "--output", str(tmp_path / "pred.csv")]) == 0
    predicted = np.array([float(r[0]) for r in read_rows(tmp_path / "pred.csv")[1:]])
    np.testing.assert_allclose(predicted, est.predict(X[:7]), rtol=1e-9)


def test_without_cv_no_model_unless_lambda(diabetes_csv, tmp_path, capsys):
    data, _ = diabetes_csv
    assert main(["path", str(data), "--target", "10", "--n-lambdas", "10", "--out", str(tmp_path / "a")]) == 0
    assert "no model written" in capsys.readouterr().out
    assert not (tmp_path / "a" / "model.npz").exists() and not (tmp_path / "a" / "cv.csv").exists()
    assert main(["path", str(data), "--n-lambdas", "10", "--lambda", "0.5", "--l1-ratio", "0.5",
                 "--out", str(tmp_path / "b")]) == 0
    assert "model at --lambda 0.5" in capsys.readouterr().out
    config = (tmp_path / "b" / "config.toml").read_text()
    assert "weight_l1 = 0.25" in config and "weight_l2 = 0.125" in config


def test_logistic_path_on_a_bundled_dataset(tmp_path, capsys):
    assert main(["path", "sklearn:iris", "--loss", "log_loss", "--cv", "3", "--n-lambdas", "15",
                 "--out", str(tmp_path / "iris")]) == 0
    header = read_rows(tmp_path / "iris" / "path.csv")[0]
    assert header[6:9] == ["intercept:0", "intercept:1", "intercept:2"] and "coef:2:petal width (cm)" in header


@pytest.mark.parametrize("arguments, message", [
    (["missing.csv"], "missing.csv"),
    (["{data}", "--target", "nope"], "--target 'nope' is not a column"),
    (["{data}", "--l1-ratio", "1.5"], "--l1-ratio: expected a number in [0, 1], got 1.5"),
    (["{data}", "--cv", "1"], "--cv: expected an integer >= 2"),
    (["{data}", "--cv", "1000"], "--cv 1000 needs at least 1000 samples"),
    (["{data}", "--loss", "log_loss"], "--loss log_loss needs class labels"),
    (["sklearn:nope"], "unknown scikit-learn dataset 'nope'"),
])
def test_user_mistakes_are_one_line_and_exit_2(diabetes_csv, tmp_path, capsys, arguments, message):
    data, _ = diabetes_csv
    out = tmp_path / "never"
    argv = ["path", *(a.replace("{data}", str(data)) for a in arguments), "--out", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not out.exists()


def test_a_semicolon_csv_with_the_target_in_the_middle_keeps_every_feature_name(tmp_path, capsys):
    """The CSV is read as shrink train reads data (delimiter and header detected): one name per
    feature column, the target's left out wherever it stands."""
    X, y = load_diabetes(return_X_y=True)
    data = tmp_path / "d.csv"
    with open(data, "w", encoding="utf-8") as handle:
        handle.write("a;b;y;c\n")
        for row, target in zip(X[:, :3], y):
            handle.write(f"{row[0]:.17g};{row[1]:.17g};{target:.17g};{row[2]:.17g}\n")
    out = tmp_path / "out"
    assert main(["path", str(data), "--target", "y", "--n-lambdas", "10", "--out", str(out)]) == 0, \
        capsys.readouterr().err
    header = read_rows(out / "path.csv")[0]
    assert header[7:] == ["coef:a", "coef:b", "coef:c"]
