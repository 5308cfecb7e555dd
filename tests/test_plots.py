"""The rules pictures follow (shrink.curves, shrink.app.plots) and the number formats
(shrink.app.formats): each rule on hand-made data, not pixels. And the notebook methods:
``_repr_html_`` and ``plot()`` of Model, History and SweepResult."""

import numpy as np
import pytest

from shrink.curves import DECADES, band, oscillates, running_mean, spans_decades


# ---------------------------------------------------------------------------- curve rules
def test_a_smooth_decreasing_curve_does_not_oscillate():
    assert not oscillates(np.exp(-np.linspace(0, 5, 2000)))
    assert not oscillates(np.linspace(1, 0, 500) + 1e-4 * np.sin(np.arange(500)))  # tiny ripple on a trend


def test_an_epoch_to_epoch_jitter_around_a_trend_oscillates():
    rng = np.random.default_rng(0)
    trend = np.linspace(0.4, 0.8, 2000)
    assert oscillates(trend + 0.1 * rng.standard_normal(2000))
    assert oscillates(0.6 + 0.2 * (-1) ** np.arange(1000))  # a period-2 swing, as full-batch SGD at lr 1.0


def test_short_constant_and_nan_curves_never_oscillate():
    assert not oscillates([1, 0, 1, 0, 1])  # fewer than 20 epochs
    assert not oscillates(np.ones(100))
    assert not oscillates(np.r_[np.full(50, np.nan), np.linspace(1, 0, 50)])


def test_spans_decades_is_a_max_over_min_ratio_of_the_positive_values():
    assert spans_decades([0.3, 0.2], [1e-4])  # a reg loss far below the data loss
    assert not spans_decades([1.0, 0.02])  # 50: less than two decades
    assert spans_decades([1.0, 1.0 / (DECADES * 1.01)])
    assert not spans_decades([0.0, 0.0, 0.5, 0.4])  # zeros (no penalty) are left out
    assert not spans_decades([], [np.nan, np.inf])


def test_band_holds_the_running_window_min_and_max():
    values = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0])
    low, high = band(values, window=3)
    np.testing.assert_array_equal(low, [3, 1, 1, 1, 1, 1, 2, 2])
    np.testing.assert_array_equal(high, [3, 3, 4, 4, 5, 9, 9, 9])
    assert np.all(low <= running_mean(values, 3)) and np.all(running_mean(values, 3) <= high)


# ---------------------------------------------------------------------------- picture rules
def test_compared_histograms_share_bins_and_count_the_zeros_apart():
    from shrink.app.plots import compared_histograms, histogram_counts, shared_bins

    small, large = np.array([0.0, 0.0, 0.5, -0.5, 0.01]), np.array([12.0, -3.0, 0.01])
    edges = shared_bins([small, large], bins=6)
    assert edges[0] == -12 and edges[-1] == 12  # one symmetric range for both: L2's shrinkage shows
    counts, zeros = histogram_counts(small, edges)
    assert zeros == 2 and counts.sum() == 3
    figure = compared_histograms([("none", large), ("L1-prox", small)])
    first, second = figure.axes
    assert first.get_xlim() == second.get_xlim() and first.get_ylim() == second.get_ylim()
    assert "exactly 0: 2 of 5" in [t.get_text() for t in second.get_legend().get_texts()]


def test_class_probabilities_of_a_sigmoid_and_of_a_linear_head():
    from shrink.app.plots import class_probabilities

    class Fixed:
        def __init__(self, out):
            self.out = np.asarray(out, dtype=float)

        def predict(self, X):
            return self.out

    np.testing.assert_allclose(class_probabilities(Fixed([[0.2], [0.9]]), np.zeros((2, 2))), [[0.8, 0.2], [0.1, 0.9]])
    p = class_probabilities(Fixed([[2.0, -1.0, 0.0]]), np.zeros((1, 2)))  # not probabilities: softmax
    assert p.sum() == pytest.approx(1) and p.argmax() == 0


def sweep_result(grid, metric="val_data_loss"):
    from shrink.app.sweep import SweepResult
    from shrink.app.sweep.grid import grid_points

    points = grid_points(grid)
    rows, folds = [], []
    for i, point in enumerate(points):
        loss = 0.5 + 0.01 * i
        rows.append({**point, "diverged": 0, "mean_val_loss": loss, "se_val_loss": 0.01, "mean_val_data_loss": loss,
                     "se_val_data_loss": 0.01, "mean_val_accuracy": 0.8, "se_val_accuracy": 0.01,
                     "mean_train_loss": loss - 0.1, "mean_zero_weights": 0.0})
        folds.append({**point, "fold": 0, "status": "ok", "train_data_loss": loss - 0.2, "train_loss": loss - 0.1})
    result = SweepResult(grid, rows, folds, points[0] | {"index": 0}, points[-1] | {"index": len(points) - 1}, 1)
    result.metric = metric
    return result


def test_sweep_layout_bars_for_words_and_a_heat_map_for_two_keys():
    from shrink.app.plots import sweep_heatmap, sweep_layout

    assert sweep_layout(sweep_result({"layers.0.weight_l2": [0, 1e-3]})) == {"bars": False, "heatmap": False}
    assert sweep_layout(sweep_result({"optimizer.type": ["adam", "sgd"]}))["bars"]
    two = sweep_result({"optimizer.type": ["adam", "sgd"], "layers.0.weight_l2": [0, 1e-4, 1e-3]})
    assert sweep_layout(two) == {"bars": True, "heatmap": True}
    image = sweep_heatmap(two).axes[0].images[0].get_array()
    assert image.shape == (3, 2)  # rows: the second key, columns: the first
    assert sweep_heatmap(sweep_result({"layers.0.weight_l2": [0, 1e-3]})) is None


def test_the_validation_curve_has_training_beside_validation():
    from shrink.app.plots import train_means, validation_curve

    result = sweep_result({"layers.0.weight_l2": [0, 1e-4, 1e-3]})
    assert train_means(result, "val_data_loss") == pytest.approx([0.3, 0.31, 0.32])
    labels = [line.get_label() for line in validation_curve(result).axes[0].get_lines()]
    assert "validation, mean ± SE" in labels and "training (mean)" in labels
    bars = validation_curve(sweep_result({"optimizer.type": ["adam", "sgd"]})).axes[0].patches
    assert len(bars) == 2  # a bar per word, not a line between them


# ---------------------------------------------------------------------------- number formats
def test_one_format_per_quantity():
    from shrink.app.formats import accuracy, kind_of, lam, loss, number, points

    assert [loss(v) for v in (0.3651, 1.0, 0.000838, 1.4e7, 1072.8, 0)] == ["0.365", "1.00", "0.000838", "1.4e7",
                                                                           "1070", "0"]
    assert accuracy(0.8404) == "84.0%" and points(0.024) == "+2.4 pp" and points(-1e-9) == "+0.0 pp"
    assert [lam(v) for v in (0, 5e-4, 1.25e-3, 1e-5, 1, 0.1, 100)] == ["0", "5e-4", "1.25e-3", "1e-5", "1", "1e-1",
                                                                      "100"]
    assert [kind_of(n) for n in ("val acc", "acc gap", "zero weights", "layers.0.weight_l2", "epochs", "reg_loss",
                                 "best (layers.0.weight_l2 = 1e-3): mean validation data loss")] == [
        "accuracy", "points", "share", "lam", "count", "loss", "loss"]
    assert number("val data loss", 0.41612) == "0.416" and number("penalty", "L2") == "L2" and number("x", None) == "-"


def test_terminal_and_html_tables_show_a_number_the_same_way():
    from shrink.app.report import table_html
    from shrink.app.tables import metrics_table

    metrics = {"train": {"accuracy": 0.8167, "loss": 0.36561, "data_loss": 0.3656, "reg_loss": 3.2e-6}}
    text = metrics_table(metrics)
    page = table_html([{"split": "train", **metrics["train"]}])
    for shown in ("81.7%", "0.366", "3.2e-6"):
        assert shown in text and shown in page


# ---------------------------------------------------------------------------- notebooks
@pytest.fixture(scope="module")
def trained():
    from shrink import CategoricalCrossentropy, Dense, Model, ReLU, Softmax, SGD
    from shrink.data import spiral

    X, y = spiral(40, 3, rng=0)
    model = Model([Dense(2, 8, weight_l1=1e-3, rng=0), ReLU(), Dense(8, 3, rng=1), Softmax()],
                  loss=CategoricalCrossentropy(), optimizer=SGD(0.5))
    history = model.fit(X, y, epochs=30, validation_data=(X, y))
    return model, history


def test_model_repr_html_names_the_layers_and_penalties(trained):
    model, _ = trained
    page = model._repr_html_()
    assert page.startswith("<table>") and "Dense" in page and "Softmax" in page and "L1(l1=0.001)" in page


def test_history_repr_html_and_plot(trained):
    from matplotlib.figure import Figure

    _, history = trained
    page = history._repr_html_()
    assert "30 epochs" in page and "val_accuracy" in page and "reg_loss" in page
    figure = history.plot()
    assert isinstance(figure, Figure) and [ax.get_title() for ax in figure.axes] == [
        "Loss (data + reg)", "Data loss vs regularization loss", "Accuracy"]
    assert {line.get_label() for line in figure.axes[1].get_lines()} >= {"data loss", "regularization loss"}
    assert figure.axes[1].get_yscale() == "log"  # the L1 reg loss sits decades below the data loss


def test_sweep_result_repr_html_and_plot():
    from matplotlib.figure import Figure

    result = sweep_result({"layers.0.weight_l2": [0, 1e-4]})
    page = result._repr_html_()
    assert "layers.0.weight_l2" in page and "1e-4" in page and "best" in page
    assert isinstance(result.plot(), Figure)


def test_history_plot_imports_neither_pyplot_nor_the_app():
    import ast
    import inspect

    import shrink.history

    tree = ast.parse(inspect.getsource(shrink.history))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "matplotlib.pyplot" not in imported and not any(m and "app" in m for m in imported)


def test_sweeps_record_each_layers_weight_norm_and_plot_it_against_lambda():
    from shrink import Dense, Linear, MeanSquaredError, Model, ReLU
    from shrink.app.plots import weight_norms_vs_lambda
    from shrink.app.sweep.cv import summarize
    from shrink.app.sweep.runner import weight_norms

    model = Model([Dense(2, 3, rng=0), ReLU(), Dense(3, 1, rng=1), Linear()], loss=MeanSquaredError())
    model.layers[0].weights[...] = [[3, 0, 0], [4, 0, 0]]
    norms = weight_norms(model)
    assert list(norms) == ["weight_norm_layers[0]", "weight_norm_layers[2]"] and norms["weight_norm_layers[0]"] == 5
    task = {"status": "ok", "fold": 0, "train_loss": 1.0, "val_loss": 1.0, "val_data_loss": 1.0, "zero_weights": 0.0,
            "val_data_loss_sample_se": 0.1}
    rows, _ = summarize([{"layers.0.weight_l2": 0}, {"layers.0.weight_l2": 1e-2}],
                        {0: {**task, "weight_norm_layers[0]": 5.0}, 1: {**task, "weight_norm_layers[0]": 0.5}}, 1)
    assert [row["mean_weight_norm_layers[0]"] for row in rows] == [5.0, 0.5]
    result = sweep_result({"layers.0.weight_l2": [0, 1e-2]})
    assert weight_norms_vs_lambda(result) is None  # a sweep that kept no norms draws none
    for row, norm in zip(result.points, (5.0, 0.5)):
        row["mean_weight_norm_layers[0]"] = norm
    lines = weight_norms_vs_lambda(result).axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["layers[0]"] and list(lines[0].get_ydata()) == [5.0, 0.5]
