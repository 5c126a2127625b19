"""MLPs in matrix form: specs, golden LaTeX, entry-wise verification, code, digits."""

import json
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp

from derive import mlp
from derive.codegen import generate, load
from derive.derivation import derive
from derive.errors import ModelError, VerificationError
from derive.latex import to_latex
from derive.models import get_model


@pytest.mark.parametrize("spec, widths, acts, cost", [
    ("mlp:784,128,10", (784, 128, 10), ("sigmoid", "softmax"), "ce"),
    ("mlp:2,3,2:sigmoid:mse", (2, 3, 2), ("sigmoid", "sigmoid"), "mse"),
    ("mlp:3,4,4,2:tanh,relu,softmax:ce", (3, 4, 4, 2), ("tanh", "relu", "softmax"), "ce"),
    ("mlp:4,1", (4, 1), ("sigmoid",), "mse"),
])
def test_specs(spec, widths, acts, cost):
    m = get_model(spec)
    assert (m.widths, m.activations, m.cost) == (widths, acts, cost)
    assert m.param_names[:2] == ("W1", "b1")


@pytest.mark.parametrize("spec, message", [
    ("mlp:", "write mlp:N0,N1,...,NL"),
    ("mlp:2,x,3", "the widths must be whole numbers"),
    ("mlp:3", "at least two widths"),
    ("mlp:2,0,1", "at least two widths, each at least 1"),
    ("mlp:2,3,2:swish", "unknown activation 'swish'"),
    ("mlp:2,3,2:softmax,sigmoid", "softmax belongs to the output layer only"),
    ("mlp:2,3,1:sigmoid,softmax", "softmax needs at least 2 outputs"),
    ("mlp:2,3,2:sigmoid:hinge", "unknown cost 'hinge'"),
    ("mlp:2,3,2:sigmoid,tanh:ce", "cross-entropy needs a softmax or sigmoid output"),
    ("mlp:2,3,2:a,b,c", "one activation or one per layer (2)"),
])
def test_bad_specs(spec, message):
    with pytest.raises(ModelError, match=message.replace("(", r"\(").replace(")", r"\)")):
        get_model(spec)


def test_golden_backprop_in_the_notes_notation():
    text = to_latex(derive(get_model("mlp:3,4,4,2")), steps=True)
    assert text.splitlines()[1:-1] == [
        r"\delta^{(3)} &= \pd[Z^{(3)}] C \\",
        r"&= \frac{1}{m} (A^{(3)} - Y) \\",
        r"\delta^{(2)} &= \pd[Z^{(2)}] C \\",
        r"&= \pd[A^{(2)}] C \odot \sigma'(Z^{(2)}) \\",
        r"&= (W^{(3)})^\top \delta^{(3)} \odot \sigma'(Z^{(2)}) \\",
        r"&= (W^{(3)})^\top \delta^{(3)} \odot A^{(2)} \odot (1 - A^{(2)}) \\",
        r"\delta^{(1)} &= \pd[Z^{(1)}] C \\",
        r"&= \pd[A^{(1)}] C \odot \sigma'(Z^{(1)}) \\",
        r"&= (W^{(2)})^\top \delta^{(2)} \odot \sigma'(Z^{(1)}) \\",
        r"&= (W^{(2)})^\top \delta^{(2)} \odot A^{(1)} \odot (1 - A^{(1)}) \\",
        r"\pd[W^{(1)}] C &= \delta^{(1)} X^\top \\",
        r"\pd[b^{(1)}] C &= \delta^{(1)} \mathbf{1} \\",
        r"\pd[W^{(2)}] C &= \delta^{(2)} (A^{(1)})^\top \\",
        r"\pd[b^{(2)}] C &= \delta^{(2)} \mathbf{1} \\",
        r"\pd[W^{(3)}] C &= \delta^{(3)} (A^{(2)})^\top \\",
        r"\pd[b^{(3)}] C &= \delta^{(3)} \mathbf{1}",
    ]


def test_leibniz_and_mse():
    rows = to_latex(derive(get_model("mlp:2,3,2:sigmoid:mse")), style="leibniz").splitlines()
    assert rows[1] == (r"\delta^{(2)} &= \frac{2}{m} (A^{(2)} - Y) \odot A^{(2)} "
                       r"\odot (1 - A^{(2)}) \\")
    assert rows[3] == r"\frac{\partial C}{\partial W^{(1)}} &= \delta^{(1)} X^\top \\"


@pytest.mark.parametrize("spec, entries", [
    ("mlp:2,3,2:sigmoid:mse", 17), ("mlp:3,4,4,2", 46), ("mlp:2,3,2:tanh,softmax:mse", 17),
    ("mlp:2,3,1:relu,sigmoid:ce", 13), ("mlp:2,2,2:softplus,sigmoid:mse", 12),
])
def test_every_entry_equals_sympy_diff(spec, entries):
    report = derive(get_model(spec)).report
    assert report.symbolic_entries == entries
    assert report.fd_max_error < 1e-6


def test_a_wrong_rule_is_caught(monkeypatch):
    real = mlp.MATRIX_RULES["affine"]

    def twice_the_bias(net, l, delta):
        out = real(net, l, delta)
        expr, rule = out[f"b{l}"]
        out[f"b{l}"] = (2 * expr, rule)
        return out

    monkeypatch.setitem(mlp.MATRIX_RULES, "affine", twice_the_bias)
    with pytest.raises(VerificationError, match=r"∂C/∂b1\[0,0\] of 'mlp:2,3,2:sigmoid:mse'"):
        derive(get_model("mlp:2,3,2:sigmoid:mse"))


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def hand_written(theta, X, Y):
    """A hand-written NumPy backprop of sigmoid → softmax with cross-entropy."""
    W1, b1, W2, b2 = theta["W1"], theta["b1"], theta["W2"], theta["b2"]
    A0 = X.T
    A1 = sigmoid(W1 @ A0 + b1)
    Z2 = W2 @ A1 + b2
    E = np.exp(Z2 - Z2.max(axis=0, keepdims=True))
    A2 = E / E.sum(axis=0, keepdims=True)
    m = X.shape[0]
    d2 = (A2 - Y.T) / m
    d1 = (W2.T @ d2) * A1 * (1 - A1)
    return {"W1": d1 @ A0.T, "b1": d1.sum(axis=1, keepdims=True),
            "W2": d2 @ A1.T, "b2": d2.sum(axis=1, keepdims=True)}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_generated_code_is_the_hand_written_backprop(dtype):
    model = get_model("mlp:6,5,3")
    trainer = load(derive(model))
    rng = np.random.default_rng(0)
    theta = {k: v.astype(dtype) for k, v in model.initial(rng).items()}
    data = {k: v.astype(dtype) for k, v in mlp.random_data(model, 9, rng).items()}
    ours, theirs = trainer.grad(theta, data), hand_written(theta, data["X"], data["Y"])
    for k in theirs:
        assert ours[k].dtype == dtype
        np.testing.assert_allclose(ours[k], theirs[k], rtol=1e-5 if dtype == np.float32 else 1e-12)
    assert "W1 @ A0" in generate(derive(model)) and "@" in generate(derive(model))


def test_digits_reach_95_percent_with_the_defaults():
    pytest.importorskip("sklearn")
    out = subprocess.run([sys.executable, "-m", "derive", "train", "mlp:64,32,10", "--data",
                          "digits", "--optimizer", "adam", "--json"], capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["test_accuracy"] >= 0.95
    assert summary["gradcheck"]["ok"] is True


def test_wrong_data_widths_are_named():
    from derive.data import load_split
    model = get_model("mlp:3,4,10")
    model.datasets["digits"] = get_model("mlp:64,32,10").datasets.get("digits", lambda: (
        {"X": np.zeros((4, 64)), "Y": np.zeros((4, 10))}, None))
    with pytest.raises(Exception, match=r"data X has shape \(\d+, 64\), but mlp:3,4,10 needs 3"):
        load_split(model, "digits")


def test_minibatch_training_in_float32_style_data():
    from derive.train import run
    result = run("mlp:2,8,2", data="blobs", optimizer="minibatch", batch_size=32, lr=0.5,
                 epochs=60, seed=0)
    assert result.test_accuracy > 0.9
    assert np.shape(result.theta["W1"]) == (8, 2)


def test_cost_is_symbolic_free_of_sympy_in_generated_code():
    source = generate(derive(get_model("mlp:2,3,2:tanh,softmax:mse")))
    assert "sympy" not in source and "derive" not in source.split('"""')[2]
    assert ".sum(axis=0, keepdims=True)" in source  # the softmax Jacobian's 1 1ᵀ
    assert sp.__name__ == "sympy"
