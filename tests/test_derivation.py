"""Derivations against sympy.diff and finite differences, step by step."""

import random

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from derive import rules
from derive.derivation import INLINE_MAX, derive
from derive.errors import NoRuleError, VerificationError
from derive.functions import sigmoid
from derive.models import Model, chain, get_model, i, mean, n
from derive.rules import D

CASES = [("twice", "inline"), ("neuron", "inline"), ("chain2", "inline"),
         ("chain2", "reverse"), ("chain:3", "inline"), ("chain:3", "reverse"),
         ("chain:5", "reverse")]


def flat_map(derivs):
    """Intermediates and adjoints substituted, written here independently of verify.py."""
    flat = {}
    for target, body in derivs.model.intermediates:
        flat[target] = body.xreplace(flat)
    for d in derivs.adjoints:
        flat[d.lhs] = d.result.xreplace(flat)
    return flat


def at_point(expr, model, size=3, seed=0):
    """``expr`` with n = size, sums expanded and random values, to 30 digits."""
    rng = random.Random(seed)
    e = expr.subs(n, size).doit()
    values = {p: sp.Rational(rng.randint(-90, 90), 37) for p in model.params}
    for d in model.data:
        for k in range(1, size + 1):
            values[d[k]] = sp.Rational(rng.randint(-90, 90), 41)
    return e.xreplace(values).rewrite(sp.exp).evalf(30)


@pytest.mark.parametrize("spec, mode", CASES)
def test_every_gradient_equals_sympy_diff(spec, mode):
    model = get_model(spec)
    derivs = derive(model, mode=mode)
    flat = flat_map(derivs)
    cost = model.flat_cost()
    for p in model.params:
        ours = derivs[p.name].result.xreplace(flat)
        for seed in range(2):
            a = at_point(ours, model, seed=seed)
            b = at_point(sp.diff(cost, p), model, seed=seed)
            assert abs(a - b) <= sp.Float("1e-25") * (1 + abs(b)), (spec, p)


@pytest.mark.parametrize("spec, mode", CASES)
def test_every_step_equals_the_one_before(spec, mode):
    """Each step is a true equation: D(e, w) is replaced by sympy.diff of flat e."""
    model = get_model(spec)
    derivs = derive(model, mode=mode)
    flat = flat_map(derivs)

    def value(expr):
        expr = expr.xreplace(flat)
        expr = expr.replace(lambda e: isinstance(e, D), lambda e: sp.diff(e.expr, e.wrt))
        return at_point(expr, model, size=2, seed=5)

    for d in list(derivs.gradients.values()):
        previous = value(d.start)
        for step in d.steps:
            current = value(step.expr)
            assert abs(current - previous) <= sp.Float("1e-25") * (1 + abs(previous)), \
                (spec, d.wrt, step.rule)
            previous = current


@given(st.lists(st.floats(-3, 3), min_size=3, max_size=3),
       st.lists(st.floats(-2, 2), min_size=12, max_size=12))
def test_neuron_gradient_matches_finite_differences(theta, data):
    model = get_model("neuron")
    derivs = derive(model, verify=False)
    w1, w2, b = theta
    x, y, z = (np.array(data[k::3][:4]) for k in range(3))

    def cost(w1, w2, b):
        a = 1 / (1 + np.exp(-(x * w1 + y * w2 + b)))
        return np.mean((a - z) ** 2)

    a = 1 / (1 + np.exp(-(x * w1 + y * w2 + b)))
    closed = {"w1": x, "w2": y, "b": np.ones(4)}
    eps = 1e-6
    for k, name in enumerate(("w1", "w2", "b")):
        # the derived formula, transcribed: (1/n) Σ 2(a − z) a(1 − a) ∂(x w1 + y w2 + b)
        derived = np.mean(2 * (a - z) * a * (1 - a) * closed[name])
        shift = np.eye(3)[k] * eps
        fd = (cost(*(np.array(theta) + shift)) - cost(*(np.array(theta) - shift))) / (2 * eps)
        assert derived == pytest.approx(fd, abs=1e-7, rel=1e-5)
    assert str(derivs["w1"].result) == "Sum(2*(1 - a[i])*(a[i] - z[i])*a[i]*x[i], (i, 1, n))/n"


def test_neuron_steps_are_the_notes_steps():
    d = derive(get_model("neuron"))["w1"]
    assert d.rules == (
        "linearity: constant factor, sum rule", "power rule", "linearity: sum rule",
        "sigmoid rule: σ' = σ(1 − σ)", "linearity: sum rule, constant factor")


def test_auto_mode_switches_to_reverse_for_deep_models():
    assert derive(chain(INLINE_MAX)).mode == "inline"
    assert derive(chain(INLINE_MAX + 1)).mode == "reverse"


def test_reverse_mode_work_is_linear_in_depth():
    """Steps and printed size per partial stay constant as the chain deepens."""
    counts = {}
    for m in (8, 16, 32):
        derivs = derive(chain(m), mode="reverse", verify=False)
        steps = sum(len(d.steps) for d in [*derivs.gradients.values(), *derivs.adjoints])
        size = sum(sp.count_ops(d.result) for d in derivs.gradients.values())
        counts[m] = (steps, size)
    for k in (0, 1):  # affine in depth: equal increments per doubling of added layers
        assert counts[32][k] - counts[16][k] == 2 * (counts[16][k] - counts[8][k])


def grad_tex_per_layer_scheme(model):
    """grad.tex's "Arbitrary Neurons" back-propagation, transcribed.

    ∂_{a^{(m)}}C^{(m+1)} := a^{(m)} − y; for each layer l,
    ∂_{w^{(l)}}C^{(l)} = avgsum 2(∂_{a^{(l)}}C^{(l+1)}) a^{(l)}(1 − a^{(l)}) a^{(l−1)} and
    ∂_{a^{(l−1)}}C^{(l)} = 2(∂_{a^{(l)}}C^{(l+1)}) a^{(l)}(1 − a^{(l)}) w^{(l)} per sample.
    """
    m = len(model.intermediates)
    a = [sp.IndexedBase("x")[i]] + [t for t, _ in model.intermediates]
    y = sp.IndexedBase("y")[i]
    upstream = a[m] - y
    out = {}
    for l in range(m, 0, -1):
        local = a[l] * (1 - a[l])
        out[f"w{l}"] = mean(2 * upstream * local * a[l - 1])
        out[f"b{l}"] = mean(2 * upstream * local)
        upstream = 2 * upstream * local * sp.Symbol(f"w{l}")
    return out


@pytest.mark.parametrize("m", [1, 2, 3, 5])
def test_grad_tex_per_layer_scheme_is_off_by_two_to_the_m_minus_l(m):
    model = chain(m)
    derivs = derive(model)
    flat = flat_map(derivs)
    scheme = grad_tex_per_layer_scheme(model)
    for l in range(1, m + 1):
        for name in (f"w{l}", f"b{l}"):
            ours = at_point(derivs[name].result.xreplace(flat), model, seed=l)
            theirs = at_point(scheme[name].xreplace(flat), model, seed=l)
            ratio = theirs / ours
            assert abs(ratio - 2 ** (m - l)) < 1e-20, (m, name, ratio)


def test_a_missing_rule_is_named():
    class Weird(sp.Expr):
        pass

    w = sp.Symbol("w")
    x = sp.IndexedBase("x")
    weird = Model(name="weird", params=(w,), data=(x,), intermediates=(),
                  cost=mean(Weird(x[i] * w)))
    with pytest.raises(NoRuleError, match="no derivative rule for Weird"):
        derive(weird)


def test_a_broken_rule_is_caught_by_verification(monkeypatch):
    broken = [rules.Rule(lambda e, ctx: (e.exp * D(e.base, ctx.wrt), "power rule"), False)]
    monkeypatch.setitem(rules._RULES, sp.Pow, broken)
    with pytest.raises(VerificationError, match="∂C/∂w of model 'twice' disagrees"):
        derive(get_model("twice"))


def test_a_wrong_sigmoid_derivative_is_caught(monkeypatch):
    monkeypatch.setattr(sigmoid, "fdiff", lambda self, argindex=1: sigmoid(self.args[0]))
    with pytest.raises(VerificationError, match="neuron"):
        derive(get_model("neuron"))


def test_wrt_selects_parameters():
    derivs = derive(get_model("neuron"), wrt=["b"])
    assert list(derivs.gradients) == ["b"]
