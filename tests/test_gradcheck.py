"""The finite-difference gate catches each kind of wrong gradient."""

import json
import types

import numpy as np
import pytest

from derive.cli import main
from derive.codegen import load
from derive.derivation import derive
from derive.errors import DeriveError, GradientCheckError
from derive.gradcheck import gradcheck, require, starting_point
from derive.models import get_model


def tampered(spec, change):
    """The generated trainer of ``spec`` with ``change(theta, data, grads)`` applied."""
    real = load(derive(get_model(spec)))

    def grad(theta, data):
        g = real.grad(theta, data)
        change(theta, data, g)
        return g

    return types.SimpleNamespace(PARAMS=real.PARAMS, cost=real.cost, grad=grad), real


def chain2_activations(theta, data):
    s = lambda u: 1 / (1 + np.exp(-u))  # noqa: E731
    a1 = s(data["x"] * theta["w1"] + theta["b1"])
    a2 = s(a1 * theta["w2"] + theta["b2"])
    return a1, a2


def drop_factor_two(theta, data, g):
    g["w1"] /= 2


def wrong_layer(theta, data, g):
    # ∂C/∂w^{(2)} with a^{(1)}(1 − a^{(1)}) where a^{(2)}(1 − a^{(2)}) belongs (000_… eq. 73)
    a1, a2 = chain2_activations(theta, data)
    g["w2"] = float(np.mean(2 * (a2 - data["y"]) * a1 * (1 - a1) * a1))


def per_layer_scheme(theta, data, g):
    # grad.tex's C^{(1)} with targets e_i: twice the true gradient for the first layer
    g["w1"] *= 2
    g["b1"] *= 2


@pytest.mark.parametrize("spec, change, culprit", [
    ("neuron", drop_factor_two, "w1"),
    ("chain2", wrong_layer, "w2"),
    ("chain2", per_layer_scheme, "w1"),
])
def test_each_wrong_gradient_is_caught(spec, change, culprit):
    trainer, _ = tampered(spec, change)
    model = get_model(spec)
    data = {k: np.array(v) for k, v in next(iter(model.datasets.values())).items()}
    theta = starting_point(model, "random", seed=3)
    result = gradcheck(trainer, theta, data)
    assert not result.ok
    assert result.failures[0].name == culprit
    with pytest.raises(GradientCheckError, match=f"gradient check failed for {culprit} "):
        require(result, spec)


@pytest.mark.parametrize("spec", ["twice", "neuron", "chain2", "chain:5"])
def test_true_gradients_pass(spec):
    model = get_model(spec)
    data = {k: np.array(v) for k, v in next(iter(model.datasets.values())).items()}
    result = gradcheck(load(derive(model)), starting_point(model), data)
    assert result.ok, result.table()
    assert len(result.rows) == len(model.params) + (2 if len(model.params) > 16 else 0)


def test_many_parameters_get_random_directions():
    model = get_model("chain:9")
    data = {"x": np.linspace(-1, 1, 5), "y": np.linspace(0, 1, 5)}
    result = gradcheck(load(derive(model)), starting_point(model), data)
    assert [r.name for r in result.rows[-2:]] == ["direction 1", "direction 2"]
    assert result.ok


def test_table_and_cli(capsys):
    assert main(["gradcheck", "neuron", "--data", "nand", "--at", "zeros"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["parameter", "analytic", "numeric", "error", "ok"]
    assert [line.split()[0] for line in lines[1:4]] == ["w1", "w2", "b"]
    assert lines[-1] == "gradient check passed"
    # at zeros, a = 1/2 everywhere: ∂C/∂b = (1/4) Σ 2(1/2 − z)(1/4) = −1/8 on NAND
    assert float(lines[3].split()[1]) == pytest.approx(-0.125, abs=1e-12)


def test_json_and_parameter_files(tmp_path, capsys):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"params": {"w1": 1.0, "w2": 2.0, "b": -1.0}}))
    assert main(["gradcheck", "neuron", "--at", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is True and [r["name"] for r in out["rows"]] == ["w1", "w2", "b"]
    bad = tmp_path / "bad.json"
    bad.write_text('{"w1": 1.0,')
    with pytest.raises(DeriveError, match="not JSON"):
        starting_point(get_model("neuron"), str(bad))
    bad.write_text('{"w1": 1.0, "w2": 2.0}')
    with pytest.raises(DeriveError, match="parameter 'b' is missing"):
        starting_point(get_model("neuron"), str(bad))


def test_csv_data(tmp_path, capsys):
    good = tmp_path / "d.csv"
    good.write_text("x,y,z,extra\n0,0,1,9\n0,1,1,9\n1,0,1,9\n1,1,0,9\n")
    assert main(["gradcheck", "neuron", "--data", str(good)]) == 0
    capsys.readouterr()
    cases = {
        "x,y\n0,1\n": f"{tmp_path}/bad.csv:1: column 'z' is missing",
        "x,y,z\n0,1,oops\n": f"{tmp_path}/bad.csv:2:5: column 'z': 'oops' is not a number",
        "x,y,z\n0,nan,1\n": f"{tmp_path}/bad.csv:2:3: column 'y': 'nan' is not a finite number",
    }
    for text, message in cases.items():
        (tmp_path / "bad.csv").write_text(text)
        assert main(["gradcheck", "neuron", "--data", str(tmp_path / "bad.csv")]) == 2
        assert capsys.readouterr().err.startswith(f"derive: {message}")
    assert main(["gradcheck", "neuron", "--data", str(tmp_path / "none.csv")]) == 2
    assert "data file not found" in capsys.readouterr().err
