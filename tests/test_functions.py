"""Every activation carries its derivative, LaTeX and code (registry-driven)."""

import numpy as np
import pytest
import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.pycode import PythonCodePrinter

from derive.functions import ACTIVATIONS, FUNCTIONS, numeric, rule_name, sigmoid, softplus
from derive.latex import latex

x = sp.Symbol("x")


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_has_derivative_latex_and_code(name):
    f = ACTIVATIONS[name]
    applied = f(x)
    assert isinstance(applied.fdiff(1), sp.Expr)
    assert latex(applied).endswith("x)") or latex(applied).endswith("> 0]")
    code = NumPyPrinter().doprint(applied)
    assert "numpy." in code
    scalar = PythonCodePrinter().doprint(applied)
    assert "numpy" not in scalar
    assert rule_name(f) != f"chain rule ({f})"


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_derivative_matches_central_differences(name):
    f = FUNCTIONS[name]
    g = numeric(f)
    slope = numeric_derivative = None
    xs = np.array([0.3, 1.7, 2.5]) if name == "log" else np.array([-1.3, -0.2, 0.4, 2.1])
    fprime = f(x).fdiff(1)
    for v in xs:
        eps = 1e-6
        numeric_derivative = (g(v + eps) - g(v - eps)) / (2 * eps)
        slope = float(fprime.subs(x, v).evalf())
        assert slope == pytest.approx(numeric_derivative, rel=1e-6, abs=1e-8), (name, v)


def test_sigmoid_derivative_is_written_as_in_the_notes():
    assert sigmoid(x).fdiff(1) == sigmoid(x) * (1 - sigmoid(x))
    assert softplus(x).fdiff(1) == sigmoid(x)
    assert sigmoid(0) == sp.Rational(1, 2)


def test_numeric_is_stable_for_large_arguments():
    with np.errstate(over="ignore"):
        assert numeric(sigmoid)(np.array([-800.0]))[0] == 0.0
    assert numeric(softplus)(np.array([800.0]))[0] == 800.0
