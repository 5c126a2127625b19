"""Training: the gate, the optimisers on real models, divergence, bad input, files."""

import importlib.util
import io
import json
import math
import sys
import types

import numpy as np
import pytest

import derive.train as train_mod
from derive.codegen import load
from derive.derivation import derive
from derive.errors import (DeriveError, DivergenceError, GradientCheckError, OutputError,
                           ToolMissingError)
from derive.gradcheck import starting_point
from derive.models import get_model
from derive.optim import OPTIMIZERS, quadratic_curvature
from derive.train import run

BACKENDS = ["numpy"] + [b for b, mod in (("numba", "numba"), ("jax", "jax"))
                        if importlib.util.find_spec(mod)]
START = {"w1": 0.3, "w2": -0.2, "b": 0.1}
X = np.array([0.0, 0.0, 1.0, 1.0])
Y = np.array([0.0, 1.0, 0.0, 1.0])
Z = np.array([1.0, 1.0, 1.0, 0.0])  # NAND


def reference_nand(theta, epochs, lr):
    """Gradient descent for a = σ(x w1 + y w2 + b) on NAND, gradients by hand."""
    w1, w2, b = theta["w1"], theta["w2"], theta["b"]
    for _ in range(epochs):
        a = 1.0 / (1.0 + np.exp(-(X * w1 + Y * w2 + b)))
        d = 2.0 * (a - Z) * a * (1.0 - a)  # ∂/∂a (a − z)² times σ' = a(1 − a)
        w1, w2, b = (w1 - lr * np.sum(d * X) / 4, w2 - lr * np.sum(d * Y) / 4,
                     b - lr * np.sum(d) / 4)
    a = 1.0 / (1.0 + np.exp(-(X * w1 + Y * w2 + b)))
    return float(np.mean((a - Z) ** 2)), {"w1": w1, "w2": w2, "b": b}


# -- it trains ------------------------------------------------------------------

def test_neuron_learns_nand():
    r = run("neuron", data="nand", lr=1.0, epochs=5000)
    assert r.cost < 0.02
    assert r.costs[0] == (0, pytest.approx(r.costs[0][1])) and r.costs[0][1] > 0.1
    assert r.epochs_run == 5000 and r.stopped == "epochs"
    a = 1 / (1 + np.exp(-(X * r.theta["w1"] + Y * r.theta["w2"] + r.theta["b"])))
    assert list(np.round(a)) == list(Z)  # it computes NAND
    assert r.gradcheck.ok and r.gradcheck_seconds > 0


def test_chain2_trains():
    r = run("chain2", data="not", lr=1.0, epochs=3000)
    assert r.cost < 0.01 < r.costs[0][1]


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_every_optimiser_reduces_the_nand_cost(optimizer):
    r = run("neuron", data="nand", optimizer=optimizer, epochs=300,
            batch_size=2 if optimizer == "minibatch" else None)
    assert r.cost < 0.8 * r.costs[0][1]
    assert r.batch_size == {"sgd": 1, "minibatch": 2}.get(optimizer, 4)


@pytest.mark.parametrize("backend", BACKENDS)
def test_gd_matches_a_hand_written_loop(backend):
    epochs = 300 if backend == "jax" else 2000  # JAX recompiles its loop per call
    want, params = reference_nand(START, epochs, 1.0)
    r = run("neuron", data="nand", lr=1.0, epochs=epochs, init=START, backend=backend)
    assert r.cost == pytest.approx(want, rel=1e-12, abs=0)
    for k, v in params.items():
        assert r.theta[k] == pytest.approx(v, rel=1e-12)


def test_general_loop_matches_the_fast_path():
    # a per-epoch callback turns the generated train() fast path off
    seen = []
    slow = run("neuron", data="nand", lr=1.0, epochs=500, init=START,
               on_epoch=lambda e, c, th: seen.append(e))
    want, _ = reference_nand(START, 500, 1.0)
    assert slow.cost == pytest.approx(want, rel=1e-12, abs=0)
    assert seen == list(range(1, 501))


def test_tolerance_stops_at_the_same_epoch_on_both_paths():
    fast = run("neuron", data="nand", lr=1.0, epochs=100_000, tol=0.01)
    slow = run("neuron", data="nand", lr=1.0, epochs=100_000, tol=0.01,
               on_epoch=lambda *a: None)
    assert fast.stopped == slow.stopped == "tol"
    assert fast.epochs_run == slow.epochs_run < 100_000
    assert fast.cost <= 0.01 and fast.costs[-1] == (fast.epochs_run, fast.cost)
    assert fast.theta == pytest.approx(slow.theta, rel=1e-12)
    _, params = reference_nand(fast.start, fast.epochs_run, 1.0)
    assert fast.theta == pytest.approx(params, rel=1e-12)


def test_sgd_is_seeded():
    a = run("neuron", data="nand", optimizer="sgd", epochs=50, seed=3)
    b = run("neuron", data="nand", optimizer="sgd", epochs=50, seed=3)
    c = run("neuron", data="nand", optimizer="sgd", epochs=50, seed=3, init=a.start)
    d = run("neuron", data="nand", optimizer="sgd", epochs=50, seed=4, init=a.start)
    assert a.theta == b.theta == c.theta != d.theta


def test_the_curve_is_thinned_evenly(monkeypatch):
    monkeypatch.setattr(train_mod, "CURVE_POINTS", 50)
    for kwargs in ({}, {"optimizer": "momentum"}):
        r = run("twice", lr=0.01, epochs=1000, **kwargs)
        epochs = [e for e, _ in r.costs]
        assert epochs == list(range(0, 1001, 20))


@pytest.mark.parametrize("init", [0.5, "0.5", {"w1": 0.5, "w2": 0.5, "b": 0.5}])
def test_init_as_a_value(init):
    r = run("neuron", data="nand", lr=1.0, epochs=1, init=init)
    assert r.start == {"w1": 0.5, "w2": 0.5, "b": 0.5}


def test_penalty_is_part_of_the_reported_cost():
    # C = (1/5)Σ(x w − 2x)² + l2 w² is least at w = 2·6/(6 + l2) (Σx² / n = 6)
    r = run("twice", lr=0.05, epochs=2000, l2=1.0, init=0.0)
    assert r.theta["w"] == pytest.approx(12 / 7, rel=1e-9)
    assert r.penalty == pytest.approx((12 / 7) ** 2, rel=1e-9)
    assert r.cost == pytest.approx(6 * (12 / 7 - 2) ** 2 + (12 / 7) ** 2, rel=1e-9)


def test_gradcheck_is_a_small_share_of_a_default_run():
    r = run("neuron", data="nand")
    assert r.epochs_run == train_mod.DEFAULT_EPOCHS
    assert r.gradcheck_seconds < 0.05 * (r.seconds + r.gradcheck_seconds)


# -- the gate -------------------------------------------------------------------

def test_a_wrong_gradient_refuses_to_train(monkeypatch):
    real = load(derive(get_model("neuron")))
    trained = []

    def grad(theta, data):
        g = real.grad(theta, data)
        g["w2"] /= 2  # the dropped factor 2 of ∂C/∂w2
        return g

    def train(*args):
        trained.append(args)
        return real.train(*args)

    fake = types.SimpleNamespace(PARAMS=real.PARAMS, DATA=real.DATA, cost=real.cost,
                                 grad=grad, train=train)
    monkeypatch.setattr(train_mod, "load", lambda derivs, backend="numpy": fake)
    for on_epoch in (None, lambda *a: trained.append(a)):
        with pytest.raises(GradientCheckError, match="for w2 of model 'neuron'.*refusing"):
            run("neuron", data="nand", lr=1.0, epochs=10, on_epoch=on_epoch)
    assert trained == []


# -- divergence -----------------------------------------------------------------

def test_gd_past_the_bound_is_refused_before_any_epoch(monkeypatch):
    epochs = []
    with pytest.raises(DivergenceError) as e:
        run("twice", lr=0.17, epochs=100, on_epoch=lambda *a: epochs.append(a))
    assert str(e.value) == ("lr = 0.17 diverges: the cost is quadratic in w with curvature "
                            "L = 12, and gradient descent is stable only for lr < 2/L = 0.1667")
    assert e.value.exit_code == 2 and epochs == []
    run("twice", lr=0.16, epochs=100)  # just inside the bound: converges


@pytest.fixture
def watch_only(monkeypatch):
    """The in-loop divergence watch, with the up-front refusal of gd switched off."""
    monkeypatch.setattr(train_mod, "_check_stable", lambda *a: None)


@pytest.mark.parametrize("backend", ["numpy", "numba"] if "numba" in BACKENDS else ["numpy"])
def test_twice_with_lr_one_names_the_stable_bound(backend, watch_only):
    with pytest.raises(DivergenceError) as e:
        run("twice", lr=1.0, epochs=100, backend=backend)
    text = str(e.value)
    assert "diverged at epoch 3: the cost grew from" in text and "smaller learning rate" in text
    assert "quadratic in w with curvature L = 12;" in text
    assert "lr < 2/L = 0.1667" in text
    assert e.value.exit_code == 2


def test_a_slow_rise_is_divergence_too(watch_only):
    # lr just above 2/L: the cost grows by 8 % an epoch, far from any blow-up
    with pytest.raises(DivergenceError, match="epoch 20: the cost rose 20 times in a row"):
        run("twice", lr=0.17, epochs=100, on_epoch=lambda *a: None)


def test_the_fast_path_names_the_same_epoch_as_the_slow_one(watch_only):
    # a million epochs run in chunks of 1000 on the fast path; the first chunk ends
    # at 1e35 times the start cost, and its replay finds the epoch the slow path finds
    messages = []
    for kwargs in ({}, {"on_epoch": lambda *a: None}):
        with pytest.raises(DivergenceError) as e:
            run("twice", lr=0.17, epochs=1_000_000, **kwargs)
        messages.append(str(e.value))
    assert messages[0] == messages[1]
    assert "epoch 20: the cost rose 20 times" in messages[0]


def test_momentum_gets_its_own_bound():
    with pytest.raises(DivergenceError, match=r"lr < 2/L = 0.1667 \(with momentum 0.9: "
                                              r"lr < 2\(1 \+ μ\)/L = 0.3167\)"):
        run("twice", optimizer="momentum", lr=1.0, epochs=100)


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
@pytest.mark.parametrize("lr", [1e3, 1e308])
def test_a_huge_lr_never_returns_nan(optimizer, lr):
    try:
        r = run("neuron", data="nand", optimizer=optimizer, lr=lr, epochs=200)
    except DivergenceError as e:
        assert "smaller learning rate" in str(e)
    else:
        assert math.isfinite(r.cost)
        assert all(math.isfinite(v) for v in r.theta.values())
        assert all(math.isfinite(c) for _, c in r.costs)


def test_curvature_of_quadratic_costs():
    data = {"x": np.arange(5.0), "y": 2 * np.arange(5.0)}
    assert quadratic_curvature(get_model("twice"), data) == (12.0, ["w"])
    assert quadratic_curvature(get_model("twice"), data, l2=0.5) == (13.0, ["w"])
    # (2/n) Σ x² on other data: (2/2)(1 + 9) = 10
    assert quadratic_curvature(get_model("twice"), {"x": [1.0, 3.0], "y": [0.0, 0.0]})[0] == 10
    nand = {"x": X, "y": Y, "z": Z}
    assert quadratic_curvature(get_model("neuron"), nand) is None


# -- bad input ------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, message", [
    ({"lr": 0}, "--lr must be > 0, got 0"),
    ({"lr": -1}, "--lr must be > 0, got -1"),
    ({"epochs": 0}, "--epochs must be a whole number > 0, got 0"),
    ({"epochs": 2.5}, "--epochs"),
    ({"optimizer": "minibatch", "batch_size": 5},
     r"--batch-size must be at most the number of samples \(4\), got 5"),
    ({"optimizer": "adam", "batch_size": 0}, "--batch-size"),
    ({"optimizer": "newton"}, "unknown optimizer 'newton'; choose one of gd, sgd"),
    ({"method": "exact"}, "unknown method 'exact'"),
    ({"tol": -1.0}, "--tol"),
    ({"data": "nor"}, "unknown data set 'nor'"),
    ({"data": {"x": [0.0, 1.0], "y": [1.0, 0.0]}}, "data column 'z' is missing"),
    ({"init": {"w1": 0.0}}, "--init lacks parameter 'w2'"),
    ({"init": "sometimes"}, "not found"),
    ({"init": "nan"}, "--init must be"),
])
def test_bad_input_is_named(kwargs, message):
    with pytest.raises(DeriveError, match=message) as e:
        run("neuron", **{"data": "nand", "epochs": 10, **kwargs})
    assert e.value.exit_code == 2


# -- finite differences ---------------------------------------------------------

def test_fd_training_lands_close_to_the_analytic_run():
    grad = run("neuron", data="nand", lr=1.0, epochs=1000, init=START)
    fd = run("neuron", data="nand", lr=1.0, epochs=1000, init=START, method="fd")
    assert fd.method == "fd"
    assert fd.cost == pytest.approx(grad.cost, rel=1e-2)
    assert fd.cost != grad.cost  # it really did not use the derived gradient


def test_fd_is_the_seeds_forward_difference():
    # (C(w + ε) − C(w))/ε = C'(w) + ε·C''/2 exactly for a quadratic: C'' = L = 12
    trainer = load(derive(get_model("twice")))
    data = {"x": np.arange(5.0), "y": 2 * np.arange(5.0)}
    g = train_mod._forward_difference(trainer, 1e-3)({"w": 1.0}, data)
    exact = trainer.grad({"w": 1.0}, data)["w"]  # (2/5) Σ x (x − 2x) = −12
    assert exact == pytest.approx(-12.0)
    assert g["w"] == pytest.approx(exact + 6e-3, abs=1e-9)


# -- results, files, progress --------------------------------------------------

def test_to_dict_is_json():
    r = run("neuron", data="nand", lr=1.0, epochs=20)
    back = json.loads(json.dumps(r.to_dict()))
    assert back["params"] == r.theta and back["cost"] == r.cost
    assert back["costs"][-1] == [20, r.cost] and back["gradcheck"]["ok"] is True
    assert {"optimizer", "lr", "epochs_run", "stopped", "seconds",
            "gradcheck_seconds"} <= set(back)


def test_to_dict_turns_arrays_into_lists():
    r = run("neuron", data="nand", lr=1.0, epochs=2)
    r.theta = {"W": np.eye(2), "b": 1.0}
    assert json.loads(json.dumps(r.to_dict()))["params"] == {"W": [[1, 0], [0, 1]], "b": 1.0}


def test_save_writes_params_atomically_and_reads_back(tmp_path):
    r = run("neuron", data="nand", lr=1.0, epochs=20)
    path = tmp_path / "params.json"
    r.save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["params.json"]  # no temp file left
    saved = json.loads(path.read_text())
    assert saved["model"] == "neuron" and saved["params"] == r.theta
    assert saved["cost"] == r.cost
    assert starting_point(get_model("neuron"), str(path)) == r.theta  # --init FILE
    again = run("neuron", data="nand", lr=1.0, epochs=1, init=str(path))
    assert again.start == r.theta
    with pytest.raises(OutputError, match="does not exist"):
        r.save(tmp_path / "missing" / "params.json")


def test_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    r = run("neuron", data="nand", lr=1.0, epochs=50)
    path = tmp_path / "cost.png"
    r.plot(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["cost.png"]


def test_plot_without_matplotlib_names_the_extra(tmp_path, monkeypatch):
    r = run("neuron", data="nand", lr=1.0, epochs=5)
    monkeypatch.setitem(sys.modules, "matplotlib.backends.backend_agg", None)
    with pytest.raises(ToolMissingError, match=r"pip install 'derive\[plot\]'"):
        r.plot(tmp_path / "cost.png")
    assert list(tmp_path.iterdir()) == []


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def test_progress_falls_back_to_a_text_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "rich", None)
    monkeypatch.setitem(sys.modules, "rich.progress", None)
    monkeypatch.setitem(sys.modules, "rich.console", None)
    err = FakeTTY()
    monkeypatch.setattr(sys, "stderr", err)
    run("neuron", data="nand", lr=1.0, epochs=30, progress=True)
    assert "epoch 30/30, cost" in err.getvalue()
    assert err.getvalue().endswith("\r\033[K")  # transient


def test_progress_with_rich_on_a_terminal(monkeypatch):
    pytest.importorskip("rich")
    err = FakeTTY()
    monkeypatch.setattr(sys, "stderr", err)
    r = run("neuron", data="nand", lr=1.0, epochs=30, progress=True)
    assert r.epochs_run == 30
    assert "30/30" in err.getvalue() and f"cost {r.cost:.6g}" in err.getvalue()


def test_no_progress_output_off_a_terminal(capsys):
    run("neuron", data="nand", lr=1.0, epochs=30, progress=True)
    assert capsys.readouterr().err == ""
