import pytest
import sympy as sp

from derive.errors import ModelError
from derive.functions import sigmoid
from derive.models import BUILTINS, Model, chain, get_model, i, mean, model_names

MODELS = [*BUILTINS, "chain:1", "chain:3", "chain:7"]


@pytest.mark.parametrize("spec", MODELS)
def test_builtin_models_build_and_name_themselves(spec):
    m = get_model(spec)
    assert m.name == spec
    assert m.description
    assert set(m.dependencies(m.cost)) == set(m.params)


def test_neuron_is_grad_tex_s_neuron():
    m = get_model("neuron")
    assert m.param_names == ("w1", "w2", "b")
    assert m.data_names == ("x", "y", "z")
    assert str(m.flat_cost()) == "Sum((sigmoid(b + w1*x[i] + w2*y[i]) - z[i])**2, (i, 1, n))/n"
    assert m.datasets["nand"]["z"] == (1.0, 1.0, 1.0, 0.0)
    assert m.datasets["xor"]["z"] == (0.0, 1.0, 1.0, 0.0)


def test_chain_names_layers_like_the_notes():
    m = chain(3)
    assert m.param_names == ("w1", "b1", "w2", "b2", "w3", "b3")
    assert m.latex("a2", "i") == "a_i^{(2)}"
    assert m.latex("w3") == "w^{(3)}"
    assert str(m.flat_cost()) == (
        "Sum((sigmoid(b3 + w3*sigmoid(b2 + w2*sigmoid(b1 + w1*x[i]))) - y[i])**2, (i, 1, n))/n")


@pytest.mark.parametrize("spec, message", [
    ("chain:0", "at least 1"), ("chain:x", "whole number"), ("chain:", "whole number"),
    ("chain:-2", "whole number"), ("mlpp", "known models: twice, neuron, chain2, ssr-line, softplus, chain:M, mlp:N0,...,NL")])
def test_bad_model_specs(spec, message):
    with pytest.raises(ModelError, match=message):
        get_model(spec)


def test_model_names_lists_families():
    assert model_names() == ["twice", "neuron", "chain2", "ssr-line", "softplus", "chain:M", "mlp:N0,...,NL"]


def _neuron(**changes):
    w1, w2, b = sp.symbols("w1 w2 b")
    x, y, z, a = (sp.IndexedBase(s) for s in "xyza")
    fields = dict(name="t", params=(w1, w2, b), data=(x, y, z),
                  intermediates=((a[i], sigmoid(x[i] * w1 + y[i] * w2 + b)),),
                  cost=mean((a[i] - z[i]) ** 2))
    fields.update(changes)
    return Model(**fields)


def test_user_model_in_python():
    m = _neuron(glyphs={"w1": "w_{one}"})
    assert m.latex("w1") == "w_{one}"


@pytest.mark.parametrize("changes, message", [
    (dict(params=(sp.Symbol("lambda"),)), "not a valid identifier"),
    (dict(params=(sp.Symbol("w1"), sp.Symbol("w1"))), "declared twice"),
    (dict(params=(sp.Symbol("w1"), sp.Symbol("w2"), sp.Symbol("b"), sp.Symbol("c"))),
     "does not depend on parameter 'c'"),
    (dict(cost=mean((sp.IndexedBase("q")[i]) ** 2)), "unknown column q"),
    (dict(cost=sp.Symbol("zz") + sp.Symbol("w1")), "unknown name 'zz'"),
])
def test_model_validation(changes, message):
    with pytest.raises(ModelError, match=message):
        _neuron(**changes)
