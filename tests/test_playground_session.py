"""The playground's session without a browser: live changes keep the weights and the epoch,
the proximal method gives exact zeros, every bad message is refused with a clear error, and
what it exports is a config that shrink itself trains and a model that shrink reads."""

import json
import tomllib

import numpy as np
import pytest

from shrink import Model
from shrink.app.config import resolve
from shrink.app.playground.datasets import DATASETS, generate
from shrink.app.playground.geometry import Geometry
from shrink.app.playground.session import LIMITS, MessageError, Session, check_settings, check_variants

SMALL = {"samples": 120, "hidden": [8], "batch_size": 0, "learning_rate": 0.03}


def test_a_penalty_change_applies_live_without_a_reset():
    session = Session(SMALL)
    session.train(5)
    weights = session.runs[0].model.layers[0].weights.copy()
    before = session.snapshot()["runs"][0]["metrics"]
    assert before["reg_loss"] == 0
    rebuilt = session.update({"weight_l2": 1e-2, "learning_rate": 0.01, "l1_method": "proximal"})
    assert not rebuilt and session.epoch == 5
    np.testing.assert_array_equal(session.runs[0].model.layers[0].weights, weights)  # same weights
    after = session.snapshot()["runs"][0]["metrics"]
    assert after["terms"]["weight_l2"] == pytest.approx(1e-2 * after["sums"]["weight_l2"])
    assert after["reg_loss"] > 0 and after["data_loss"] == before["data_loss"]
    assert session.runs[0].model.optimizer.learning_rate == 0.01
    session.train(1)
    assert session.epoch == 6


def test_a_structural_change_rebuilds_at_epoch_zero():
    session = Session(SMALL)
    session.train(3)
    assert session.update({"hidden": "4, 4"}) is True
    assert session.epoch == 0 and [layer.n_neurons for layer in session.runs[0].dense] == [4, 4, 2]


def test_proximal_l1_gives_exact_zeros_and_subgradient_does_not():
    zeros = {}
    for method in ("subgradient", "proximal"):
        session = Session({**SMALL, "weight_l1": 3e-3, "l1_method": method})
        session.train(60)
        zeros[method] = session.snapshot()["runs"][0]["zero_weights"]
    assert zeros["subgradient"] == 0 < zeros["proximal"]


@pytest.mark.parametrize("values, message", [
    ({"weight_l2": -1}, "weight_l2: must be a number in [0, 10], got -1"),
    ({"weight_l2": "abc"}, "weight_l2: must be a number in [0, 10], got 'abc'"),
    ({"weight_l2": float("nan")}, "weight_l2: must be a number"),
    ({"learning_rate": 0}, "learning_rate: must be a number in (0, 10], got 0"),
    ({"l1_method": "lasso"}, "l1_method: must be one of subgradient, proximal, cumulative, got 'lasso'"),
    ({"dataset": "mnist"}, "dataset: must be one of"),
    ({"samples": 10**6}, f"samples: must be an integer in [20, {LIMITS['samples']}]"),
    ({"samples": True}, "samples: must be an integer"),
    ({"hidden": [65]}, f"hidden: each layer has 1 to {LIMITS['units']} units, got 65"),
    ({"hidden": [4] * 6}, f"hidden: at most {LIMITS['layers']} hidden layers, got 6"),
    ({"hidden": "4, x"}, "hidden: must list layer widths"),
    ({"early_stopping": "yes"}, "early_stopping: must be true or false"),
    ({"colour": 1}, "unknown setting 'colour'"),
])
def test_bad_settings_are_refused_by_name_and_nothing_changes(values, message):
    session = Session(SMALL)
    session.train(2)
    settings = dict(session.settings)
    with pytest.raises(MessageError) as error:
        session.update(values)
    assert str(error.value).startswith(message)
    assert session.settings == settings and session.epoch == 2


def test_bad_variants_are_refused():
    with pytest.raises(MessageError, match="1 to 4 variants"):
        check_variants([{"name": str(i)} for i in range(5)])
    with pytest.raises(MessageError, match="'hidden' cannot vary between variants"):
        check_variants([{"name": "a", "hidden": [3]}])
    with pytest.raises(MessageError, match=r"variants\[0\].name"):
        check_variants([{"name": ""}])
    with pytest.raises(MessageError, match="settings must be an object"):
        check_settings([1, 2])


def test_compare_variants_start_from_the_same_weights_and_train_in_lockstep():
    session = Session(SMALL)
    session.set_variants([{"name": "none"}, {"name": "L2", "weight_l2": 1e-2},
                          {"name": "L1 prox", "weight_l1": 1e-2, "l1_method": "proximal"}])
    first = [run.model.layers[0].weights.copy() for run in session.runs]
    np.testing.assert_array_equal(first[0], first[1])
    np.testing.assert_array_equal(first[0], first[2])
    session.train(30)
    state = json.loads(json.dumps(session.snapshot()))  # what the page receives
    assert [run["name"] for run in state["runs"]] == ["none", "L2", "L1 prox"]
    reg = [run["metrics"]["reg_loss"] for run in state["runs"]]
    assert reg[0] == 0 < reg[1] and state["runs"][2]["zero_weights"] > 0
    assert state["runs"][0]["zero_weights"] == 0


def test_every_dataset_trains_and_draws():
    for name in DATASETS:
        X, y = generate(name, 101, 0.1, np.random.default_rng(0), extra_inputs=2)
        assert len(X) == len(y) == 101 and X.shape[1] == (3 if name == "sine" else 4)
        session = Session({**SMALL, "dataset": name, "extra_inputs": 2})
        session.train(2)
        state = session.snapshot()
        assert state["regression"] == (name == "sine")
        assert "points" in state and "points" not in session.snapshot()  # sent once per generation


def test_export_trains_with_shrink_and_the_model_file_loads(tmp_path, monkeypatch):
    from shrink.cli import main

    session = Session({**SMALL, "weight_l2": 1e-3, "early_stopping": True, "patience": 5})
    session.train(4)
    files = session.export()
    config = resolve(tomllib.loads(files["config.toml"].decode()))
    assert config["data"]["source"] == "npz:playground-data.npz" and config["train"]["epochs"] == 4
    assert config["layers"][0]["weight_l2"] == 1e-3
    model = Model.from_bytes(files["model.npz"])
    X = session.data["X_val"]
    np.testing.assert_array_equal(model.predict(X), session.runs[0].model.predict(X))
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    monkeypatch.chdir(tmp_path)
    assert main(["train", "config.toml", "--out", "run", "--quiet"]) == 0
    # config.toml and model.npz side by side are a run directory for `shrink predict`.
    np.savetxt(tmp_path / "x.csv", X[:5], delimiter=",")
    assert main(["predict", str(tmp_path), "x.csv", "--output", "p.csv"]) == 0
    assert len((tmp_path / "p.csv").read_text().splitlines()) >= 5


def test_early_stopping_pauses_and_says_why():
    session = Session({**SMALL, "early_stopping": True, "patience": 3, "learning_rate": 10.0, "optimizer": "sgd"})
    session.playing = True
    session.train(200)
    assert not session.playing and session.epoch < 200
    assert session.messages and ("early stopping" in session.messages[0] or "diverged" in session.messages[0])


def test_the_geometry_picture_lands_on_the_axis_under_proximal_l1():
    for method, on_axis in (("proximal", True), ("subgradient", False)):
        geometry = Geometry(weight_l1=0.3, l1_method=method)
        for _ in range(300):
            geometry.step()
        picture = geometry.snapshot()
        assert picture["optimum"][1] == 0.0  # the diamond's corner
        assert (picture["w"][1] == 0.0) is on_axis
        assert picture["w"][0] == pytest.approx(picture["optimum"][0], abs=1e-2)


def test_the_server_answers_bad_messages_with_errors_and_keeps_tabs_apart():
    pytest.importorskip("starlette")
    pytest.importorskip("httpx")
    from starlette.testclient import TestClient

    from shrink.app.playground.server import create_app

    with TestClient(create_app()) as client:
        assert "data-testid=\"boundary\"" in client.get("/").text
        assert client.get("/static/app.js").status_code == 200
        with client.websocket_connect("/ws") as one, client.websocket_connect("/ws") as two:
            assert one.receive_json()["epoch"] == 0 and two.receive_json()["epoch"] == 0
            for bad, error in (("not json", "message is not JSON"), ('{"type": "fly"}', "unknown message type 'fly'"),
                               ('{"type": "set", "values": {"weight_l2": -1}}', "weight_l2: must be a number")):
                one.send_text(bad)
                reply = one.receive_json()
                assert reply["type"] == "error" and reply["message"].startswith(error)
            one.send_json({"type": "set", "values": {"hidden": [4]}})
            assert [layer["shape"] for layer in one.receive_json()["layers"]] == [[2, 4], [4, 2]]
            one.send_json({"type": "step"})
            assert one.receive_json()["epoch"] == 1
            two.send_json({"type": "step"})
            state = two.receive_json()  # the other tab: its own session, untouched
            assert state["epoch"] == 1 and state["settings"]["hidden"] == [16, 16]
        from starlette.websockets import WebSocketDisconnect

        with pytest.raises(WebSocketDisconnect):  # another site's page may not drive the server
            with client.websocket_connect("/ws", headers={"origin": "http://evil.example"}) as ws:
                ws.receive_json()


def test_early_stopping_restores_the_best_epochs_weights():
    """As shrink's EarlyStopping: the model left is the best epoch's (its validation data loss is
    the best seen), not the last one's."""
    session = Session({**SMALL, "samples": 60, "hidden": [32, 32], "early_stopping": True, "patience": 20,
                       "learning_rate": 0.05, "optimizer": "adam"})
    session.playing = True
    session.train(3000)
    run = session.runs[0]
    assert run.status == "stopped" and session.epoch < 3000
    best_loss, best_epoch = run.best
    assert session.epoch - best_epoch == 20
    val = run.model.evaluate(session.data["X_val"], session.data["y_val"])["data_loss"]
    assert val == pytest.approx(best_loss, rel=1e-12)
    assert f"epoch {best_epoch}" in session.messages[0] and "restored" in session.messages[0]
