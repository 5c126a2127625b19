"""The checker's oracle: definitions in, ∂ carried out, sides compared."""

import sympy as sp

from derive.functions import sigmoid
from derive.judge import Judge
from derive.rules import D

i = sp.Symbol("i", integer=True, positive=True)
n = sp.Symbol("n", integer=True, positive=True)
x, y, z, a = (sp.IndexedBase(s) for s in "xyza")
w1, w2, b, C = sp.symbols("w1 w2 b C")
DEFS = {a[i]: sigmoid(x[i] * w1 + y[i] * w2 + b), C: sp.Sum((a[i] - z[i]) ** 2, (i, 1, n)) / n}


def verdict(claim, of=D(C, w1)):
    j = Judge(DEFS, i, n)
    return j.compare(j.truth(claim), j.truth(of))


def mean(body):
    return sp.Sum(body, (i, 1, n)) / n


def test_grad_tex_s_gradient_is_correct():
    assert verdict(mean(2 * (a[i] - z[i]) * a[i] * (1 - a[i]) * x[i])).verdict == "correct"


def test_a_missing_two_is_a_factor():
    v = verdict(mean((a[i] - z[i]) * a[i] * (1 - a[i]) * x[i]))
    assert (v.verdict, v.factor) == ("factor", sp.Rational(1, 2))


def test_a_sign_is_a_factor_of_minus_one():
    v = verdict(-mean(2 * (a[i] - z[i]) * a[i] * (1 - a[i]) * x[i]))
    assert (v.verdict, v.factor) == ("factor", -1)


def test_a_wrong_input_is_wrong_with_a_counterexample():
    v = verdict(mean(2 * (a[i] - z[i]) * a[i] * (1 - a[i]) * y[i]))
    assert v.verdict == "wrong" and "n" in v.counterexample and "w1" in v.counterexample


def test_intermediate_steps_with_partials_are_made_true():
    step = mean(2 * (a[i] - z[i]) * D(a[i], w1))
    assert verdict(step).verdict == "correct"
    assert verdict(mean(D((a[i] - z[i]) ** 2, w1))).verdict == "correct"
    assert verdict(mean(2 * (a[i] - z[i]) * D(a[i], w2))).verdict == "wrong"
