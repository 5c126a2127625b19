"""Functions given by cases (Huber, ReLU, hinge), functions named for a parameter
(ρ_δ, h_θ) and the operand of a derivative that starts with a number."""

import pytest
import sympy as sp

from derive.errors import LatexParseError
from derive.notation_tex import Notation
from derive.parse import parse_row
from test_check_context import one
from test_check_context import verdicts as findings

r, d, z, x = sp.symbols("r delta z x")


@pytest.mark.parametrize("tex, want", [
    (r"\begin{cases} \frac{1}{2} r^2, & |r| \le \delta, \\ "
     r"\delta \left( |r| - \frac{1}{2}\delta \right), & |r| > \delta . \end{cases}",
     sp.Piecewise((r**2 / 2, sp.Abs(r) <= d), (d * (sp.Abs(r) - d / 2), sp.Abs(r) > d))),
    (r"\begin{cases} 1 & \text{if } z > 0 \\ 0 & \text{otherwise} \end{cases}",
     sp.Piecewise((1, z > 0), (0, True))),
    (r"\begin{cases} z & z \geq 0 \\ 0.01 z & z < 0 \end{cases}",
     sp.Piecewise((z, z >= 0), (z / 100, z < 0))),
    (r"2 \begin{cases} x & 0 < x < 1 \\ 0 & \text{else} \end{cases} + 1",
     2 * sp.Piecewise((x, (x > 0) & (x < 1)), (0, True)) + 1),
])
def test_cases_read_as_a_piecewise_function(tex, want):
    assert parse_row(tex, Notation()) == want


@pytest.mark.parametrize("tex, why, column", [
    (r"\begin{cases} 1 & z > 0", r"\begin{cases} without its \end{cases}", 1),
    (r"\begin{cases} 1, z > 0 \\ 0 & z \le 0 \end{cases}", "a case needs & before", 15),
    (r"\begin{cases} 1 & z \\ 0 & z \le 0 \end{cases}", "must be a comparison", 19),
])
def test_malformed_cases_name_the_column(tex, why, column):
    with pytest.raises(LatexParseError) as e:
        parse_row(tex, Notation(), line=1, column=1)
    assert why in str(e.value)
    assert e.value.column == column


HUBER = r"""For a threshold $\delta > 0$ the Huber function of a residual $r$ is

$$
\rho_\delta(r) = \begin{cases} \frac{1}{2} r^2, & |r| \le \delta, \\
\delta \left( |r| - \frac{1}{2}\delta \right), & |r| > \delta . \end{cases}
$$

With residuals $r_i = y_i - w x_i$ the cost is

$$
L(w) = \frac{1}{N} \sum_{i=1}^{N} \rho_\delta(y_i - w x_i) .
$$

In the quadratic zone,
$$
\frac{\partial}{\partial w} \frac{1}{2} r_i^2 = %s r_i \frac{\partial r_i}{\partial w} .
$$
The two pieces agree at $|r| = \delta$. With $\psi_\delta(r) = \rho_\delta'(r)$,

$$
\frac{dL}{dw} = -\frac{1}{N} \sum_{i=1}^{%s} \psi_\delta(r_i)\, x_i .
$$
"""


def test_a_loss_given_by_cases_is_differentiated_case_by_case(tmp_path):
    # ρ_δ by cases is a function of its residual (not ρ_δ times a bracket), ψ_δ = ρ_δ'
    # is its derivative whatever the document's own r is, and |r| = δ in the prose is
    # a condition (held-out set 8, document 02: three false alarms before)
    found = findings(tmp_path, HUBER % ("", "N"), "h.md")
    assert one(found, 4).verdict == "correct" and "definition" in one(found, 4).reason
    assert one(found, 16).verdict == "correct"  # ∂/∂w of ½ r_i², not ∂(½)/∂w · r_i²
    assert one(found, 18, "|r|").verdict == "unchecked"
    assert one(found, 21).verdict == "correct"
    assert not [f for fs in found.values() for f in fs if f.verdict in ("wrong", "factor")]


def test_slips_in_a_loss_given_by_cases_are_found(tmp_path):
    found = findings(tmp_path, HUBER % ("2", "N-1"), "h.md")
    f = one(found, 16)
    assert f.verdict == "factor" and f.correct_latex == r"r_i \frac{\partial r_i}{\partial w}"
    f = one(found, 21)
    assert f.verdict == "wrong" and "off by one" in f.diagnosis
