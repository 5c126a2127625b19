"""Functions given by cases (Huber, ReLU, hinge), functions named for a parameter
(ρ_δ, h_θ), the operand of a derivative that starts with a number, and the
notation of probability models: factorials, a law p(y; θ) written again with
another parameter, and moments E[y], Var(y)."""

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


def test_a_factorial_is_read_after_what_it_applies_to():
    assert str(parse_row(r"\log y_i!", Notation())) == "log(factorial(y[i]))"
    assert parse_row(r"(a + b)! + 3!", Notation()) == sp.factorial(sp.Symbol("a") + sp.Symbol("b")) + 6
    with pytest.raises(LatexParseError, match="must follow what it applies to"):
        parse_row("x ! y", Notation())


POISSON = r"""\newcommand{\sumn}{\sum_{i=1}^{n}}
An exponential family has density $p(y; \theta) = h(y) \exp\left( y \theta - A(\theta) \right)$.
For the Poisson distribution with mean $\mu$,
\[
p(y; \mu) = \frac{\mu^{y} e^{-\mu}}{y!} = \frac{1}{y!} \exp\left( y \log \mu - \mu \right) ,
\]
so $A(\theta) = e^{\theta}$ and $h(y) = 1 / y!$; $\operatorname{Var}(y) = A''(\theta) = \mu$.
With $\mu_i = e^{w x_i}$ the average negative log-likelihood is
\begin{align}
J(w) &= -\frac{1}{n} \sumn \log p(y_i; \mu_i) \\
&= \frac{1}{n} \sumn \left( \mu_i - y_i \log \mu_i + \log y_i! \right) \\
\frac{\partial J}{\partial w} &= \frac{1}{n} \sumn \left( \mu_i - y_i \right) %s .
\end{align}
"""


def test_a_law_written_again_with_another_parameter_is_that_law(tmp_path):
    # p(y; μ) = μ^y e^{-μ}/y! after p(y; θ) = h(y) exp(yθ - A(θ)): the Poisson law by
    # its mean, not the family at θ = μ (held-out set 6, document 07: its loss was
    # unparsed (y!) or read with the family's p, and three slips went unseen)
    found = findings(tmp_path, POISSON % "x_i")
    assert one(found, 5).verdict == "correct"
    assert one(found, 7, "Var").verdict == "unchecked"
    assert "probability notation" in one(found, 7, "Var").reason
    for line in (10, 11, 12):
        assert one(found, line).verdict == "correct", (line, one(found, line).reason)
    f = one(findings(tmp_path, POISSON % r"\mu_i x_i"), 12)
    assert f.verdict == "wrong" and "extra factor" in f.diagnosis
