"""Generated trainers: standalone, equal to the verified formulas, fast paths identical."""

import ast
import importlib.util
import subprocess
import sys

import numpy as np
import pytest

from derive.codegen import generate, load
from derive.derivation import derive
from derive.errors import DeriveError
from derive.models import get_model
from derive.verify import Evaluator, flatten
from derive.models import n as COUNT

MODELS = ["twice", "neuron", "chain2", "chain:3", "chain:6"]
BACKENDS = ["numpy"] + [b for b in ("numba", "jax") if importlib.util.find_spec(b)]


def point(model, seed=0, size=7):
    rng = np.random.default_rng(seed)
    theta = {p: float(rng.normal()) for p in model.param_names}
    data = {d: rng.uniform(-1, 1, size) for d in model.data_names}
    return theta, data


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("spec", MODELS)
def test_generated_cost_and_grad_equal_the_formulas(spec, backend):
    model = get_model(spec)
    derivs = derive(model)
    trainer = load(derivs, backend)
    theta, data = point(model)
    env = {COUNT: 7, **{p: theta[p.name] for p in model.params},
           **{d: data[str(d)] for d in model.data}}
    assert trainer.cost(theta, data) == pytest.approx(
        float(Evaluator(env).value(model.flat_cost())), rel=1e-12)
    grads = trainer.grad(theta, data)
    for name, expr in flatten(derivs).items():
        assert grads[name] == pytest.approx(float(Evaluator(dict(env)).value(expr)),
                                            rel=1e-10, abs=1e-14), name


@pytest.mark.parametrize("backend", BACKENDS[:2])
def test_module_is_standalone(tmp_path, backend):
    source = generate(derive(get_model("chain2")), backend)
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module.split(".")[0])
    assert imported <= {"numpy", "math", "numba"}
    assert "# a_i^{(2)} = \\sigma(a_i^{(1)} w^{(2)} + b^{(2)})" in source
    path = tmp_path / "trainer.py"
    path.write_text(source)
    script = ("import sys, numpy; sys.path.insert(0, sys.argv[1]); import trainer as t;"
              "d = {'x': numpy.array([0., 1.]), 'y': numpy.array([1., 0.])};"
              "th = {p: 0.5 for p in t.PARAMS}; print(t.PARAMS, t.DATA,"
              " t.cost(t.train(th, d, 1.0, 200), d) < t.cost(th, d))")
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True,
                         text=True, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "('w1', 'b1', 'w2', 'b2') ('x', 'y') True"


def reference_nand(theta, epochs, lr):
    """A hand-written gradient-descent loop for the neuron, as in the seeds."""
    x = np.array([0.0, 0.0, 1.0, 1.0])
    y = np.array([0.0, 1.0, 0.0, 1.0])
    z = np.array([1.0, 1.0, 1.0, 0.0])
    w1, w2, b = theta["w1"], theta["w2"], theta["b"]
    for _ in range(epochs):
        a = 1.0 / (1.0 + np.exp(-(x * w1 + y * w2 + b)))
        d = 2.0 * (a - z) * a * (1.0 - a)
        w1, w2, b = (w1 - lr * np.sum(d * x) / 4, w2 - lr * np.sum(d * y) / 4,
                     b - lr * np.sum(d) / 4)
    a = 1.0 / (1.0 + np.exp(-(x * w1 + y * w2 + b)))
    return float(np.mean((a - z) ** 2))


@pytest.mark.parametrize("backend", BACKENDS)
def test_neuron_nand_matches_a_hand_written_loop(backend):
    model = get_model("neuron")
    trainer = load(derive(model), backend)
    data = {k: np.array(v) for k, v in model.datasets["nand"].items()}
    theta = {"w1": 0.3, "w2": -0.7, "b": 0.1}
    final = trainer.cost(trainer.train(theta, data, 1.0, 2000), data)
    assert final == pytest.approx(reference_nand(theta, 2000, 1.0), rel=1e-12)
    assert final < 0.01


def test_unknown_backend():
    with pytest.raises(DeriveError, match="unknown backend 'torch'"):
        generate(derive(get_model("twice")), "torch")
