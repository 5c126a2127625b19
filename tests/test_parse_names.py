"""The notation layer's names and forms beyond letters: accents, roman names,
several arguments, CS229's x^{(i)}, primes on named functions, bracket sizes."""

import pytest
import sympy as sp

from derive.errors import LatexParseError
from derive.notation_tex import Notation
from derive.parse import parse_row
from derive.rules import D

i = sp.Symbol("i", integer=True, positive=True)


def read(tex, functions=(), wrt=None):
    n = Notation()
    n.functions.update(functions)
    return parse_row(tex, n, wrt=wrt)


@pytest.mark.parametrize("tex, expected", [
    # an accent or a font makes a name of its own, indexed like any other
    (r"\hat{y}_i", sp.IndexedBase("hat{y}")[i]),
    (r"(y_i - \hat{y}_i)^2", (sp.IndexedBase("y")[i] - sp.IndexedBase("hat{y}")[i]) ** 2),
    (r"\mathbf{w}", sp.Symbol("mathbf{w}")),
    # a roman word is one name, not S·S·R; \text{SSR} too (a capital: not prose)
    (r"\mathrm{SSR}", sp.Symbol("SSR")),
    (r"\text{SSR} + 1", sp.Symbol("SSR") + 1),
    (r"\ell_i", sp.IndexedBase("ell")[i]),
    # bracket sizes are only sizes
    (r"\big( x + 1 \big)^2", (sp.Symbol("x") + 1) ** 2),
    # e^{…} is exp whatever the exponent holds
    (r"e^{z_1}", sp.exp(sp.Symbol("z_1"))),
    # CS229: x^{(i)} is the i-th sample
    (r"x^{(i)}", sp.IndexedBase("x")[i]),
])
def test_names(tex, expected):
    assert read(tex) == expected


def test_functions_of_several_arguments():
    w, b = sp.symbols("w b")
    J = sp.Function("J")
    assert read(r"J(w, b)", ["J"]) == J(w, b)
    assert read(r"\frac{\partial J(w, b)}{\partial w}", ["J"]) == D(J(w, b), w)
    with pytest.raises(LatexParseError, match="unexpected ','"):
        read(r"(a, b)")


def test_primes_on_named_functions():
    x = sp.Symbol("x")
    relu = read(r"\text{ReLU}(x)").func
    assert read(r"\text{ReLU}'(x)") == D(relu(x), x)
    assert read(r"\mathrm{ReLU}'(x)") == D(relu(x), x)


def test_a_constant_before_a_bracket_goes_with_it_under_d():
    w1, w2, lam = sp.symbols("w_1 w_2 lambda")
    assert read(r"\frac{\partial}{\partial w_1}\lambda\left(w_1^2 + w_2^2\right)") == \
        D(lam * (w1 ** 2 + w2 ** 2), w1)
    # a name that is not constant keeps the next-factor rule: (∂a_i)(1 - a_i)
    a = sp.IndexedBase("a")[i]
    assert read(r"\partial_{w} a_i (1 - a_i)") == (1 - a) * D(a, sp.Symbol("w"))


def test_a_space_before_a_calls_bracket_keeps_the_call():
    x, b = sp.symbols("x b")
    sigma = read(r"\sigma(x)").func
    assert read(r"\sigma\!\left(x + b\right)") == sigma(x + b)
    assert read(r"a \, (b + c)") == sp.Symbol("a") * (b + sp.Symbol("c"))
