"""The verdict engine: tail statistics, the penalty table, the readings, the L1 line."""

import numpy as np
import pytest

from shrink.app.config import apply_overrides, load_config, resolve
from shrink.app.experiment import train
from shrink.app.rundir import RunDirectory
from shrink.app.verdict import Change, Estimate, penalty_table, run_verdict, tail, verdict_text


def small(*overrides):
    raw = apply_overrides(load_config("preset:seed-spiral"), ["data.samples=60", "train.epochs=30", *overrides])
    return resolve(raw)


def test_tail_is_mean_and_range_of_the_last_tenth():
    rng = np.random.default_rng(0)
    for n in (1, 7, 10, 95, 1001):
        values = rng.normal(size=n)
        k = 1 if n < 10 else n // 10  # the last 10% of epochs, at least one
        last = values[n - k:]
        estimate = tail(list(values))
        assert estimate.mean == pytest.approx(last.sum() / k, rel=1e-12)
        assert (estimate.low, estimate.high) == (last.min(), last.max())
        if k >= 10:  # the level: the range of five consecutive block means
            means = [block.mean() for block in np.array_split(last, 5)]
            assert estimate.level == pytest.approx((min(means), max(means)), rel=1e-12)


def test_the_level_is_bounded_by_block_means_so_an_oscillation_does_not_hide_a_shift():
    """±0.3 around 1.0 against ±0.3 around 0.7: the ranges overlap, the levels do not; and two
    oscillations around the same level stay "no clear difference"."""
    epochs = np.arange(1000)
    wobble = 0.3 * np.where(epochs % 2 == 0, 1.0, -1.0)
    high, low, same = tail(1.0 + wobble), tail(0.7 + wobble), tail(1.0 - wobble)
    assert low.high > high.low  # the min-max ranges overlap
    block_means = [b.mean() for b in np.array_split((1.0 + wobble)[-100:], 5)]
    assert high.band == (min(block_means), max(block_means))
    shifted = Change("validation data loss", low, high, "lower")
    assert shifted.clear and shifted.reading == "lower: better"
    assert not Change("validation data loss", same, high, "lower").clear
    drift = tail(np.linspace(1.0, 0.0, 1000) + wobble)  # a level still moving: its blocks span the move
    assert drift.band[1] - drift.band[0] > 0.05
    assert tail(np.ones(15)).level is None  # under two epochs per block: the range itself


def test_the_verdict_numbers_are_the_history_tails():
    l2, none = train(small("layers.0.weight_l2=0.01")), train(small("layers.0.weight_l2=0", "layers.0.bias_l2=0"))
    verdict = run_verdict(l2, none)
    changes = {c.quantity: c for c in verdict.changes}
    for name, key in (("validation data loss", "val_data_loss"), ("validation accuracy", "val_accuracy")):
        for estimate, run in ((changes[name].run, l2), (changes[name].reference, none)):
            curve = np.array(run.history.history[key])
            assert estimate.mean == pytest.approx(np.mean(curve[-3:]), rel=1e-12)  # 30 epochs: the last 3
            assert (estimate.low, estimate.high) == (curve[-3:].min(), curve[-3:].max())
    gap = changes["train-validation accuracy gap"].run
    h = l2.history.history
    assert gap.mean == pytest.approx(np.mean(np.subtract(h["accuracy"], h["val_accuracy"])[-3:]))
    norm = changes["weight norm ‖W‖ of layers[0]"]
    assert norm.run.mean == pytest.approx(np.sqrt(np.sum(l2.model.layers[0].weights.astype(np.float64) ** 2)), rel=1e-6)
    assert verdict.sentences and "against" in verdict.sentences[0]


def test_penalty_shares_sum_to_one_and_match_the_final_reg_loss():
    run = train(small("layers.0.weight_l1=1e-3", "layers.0.weight_l2=0", "layers.0.bias_l2=1e-3", "layers.2.weight_l2=1e-3",
                      "optimizer.l1_method=proximal"))
    table = penalty_table(run.model)
    assert [row["parameter"] for row in table] == ["layers[0].weights", "layers[0].biases", "layers[2].weights",
                                                   "layers[2].biases"]
    assert sum(row["share"] for row in table) == pytest.approx(1.0, abs=1e-12)
    total = sum(row["reg_loss"] for row in table)
    assert total == pytest.approx(run.metrics["train"]["reg_loss"], rel=1e-6)  # evaluated at the final weights
    # history's reg_loss is measured before the last update: close to, not equal to, the final value
    assert total == pytest.approx(run.history.history["reg_loss"][-1], rel=0.05)
    first = table[0]
    w = run.model.layers[0].weights.astype(np.float64)
    expected = 1e-3 * np.abs(w).sum()  # the first layer's weights: L1 only
    assert first["reg_loss"] == pytest.approx(expected, rel=1e-5)
    assert "L1 1e-3 by proximal step" in first["penalties"] and "L2 1e-3" in table[1]["penalties"]
    assert table[3]["penalties"] == "none" and table[3]["share"] == 0


def test_weight_decay_is_listed_but_not_in_the_reg_loss():
    run = train(small("layers.0.weight_l2=0", "layers.0.bias_l2=0", "optimizer.weight_decay=0.1"))
    table = penalty_table(run.model)
    assert "weight decay 1e-1 (decoupled" in table[0]["penalties"] and table[1]["penalties"] == "none"
    assert all(row["share"] == 0 for row in table)


def test_readings():
    steady = Change("loss", Estimate.exact(1.0), Estimate.exact(2.0), "lower")
    assert steady.reading == "lower: better" and steady.outcome == "better"
    overlapping = Change("loss", Estimate(1.0, 0.5, 1.5), Estimate(1.2, 0.9, 1.6), "lower")
    assert overlapping.reading.startswith("no clear difference") and overlapping.outcome == "same"
    tiny = Change("loss", Estimate.exact(1.0), Estimate.exact(1.001), "lower")
    assert tiny.reading == "about the same"
    assert Change("acc", Estimate.exact(0.8), Estimate.exact(0.9), "higher").outcome == "worse"


def test_a_run_without_penalty_says_so_and_has_no_l1_line(tmp_path):
    run = train(small("layers.0.weight_l2=0", "layers.0.bias_l2=0", "optimizer.l1_method=proximal"))
    text = verdict_text(run_verdict(run))
    assert "Nothing is penalized" in text
    directory = RunDirectory(tmp_path)
    directory.write(run)
    html = (tmp_path / "report.html").read_text()
    assert "L1 applied by" not in html and "This run has no L1 penalty." in html
    assert html.index("Verdict") < html.index("Result")
    l2 = train(small())  # the preset's L2: still no L1
    RunDirectory(tmp_path).write(l2)
    assert "L1 applied by" not in (tmp_path / "report.html").read_text()
