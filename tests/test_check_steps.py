"""Update rules with a velocity, mini-batches, cases the prose opens, and the other
readings found from held-out sets 9 and 15's misses: each test names the slip a
reader makes and what the checker must say about it."""

import sympy as sp

from derive.notation_tex import Notation
from derive.parse import parse_row
from test_check_context import one
from test_check_context import verdicts as findings

MOMENTUM = r"""The cost is $J(w) = \frac{1}{n} \sum_{i=1}^{n} (w x_i - y_i)^2$, so

$$\frac{\partial J}{\partial w} = \frac{2}{n} \sum_{i=1}^{n} (w x_i - y_i) x_i .$$

Momentum keeps a velocity:

$$v \leftarrow \beta v + \frac{\partial J}{\partial w}, \qquad w \leftarrow w - \eta v .$$

Sutskever's form:

$$u \leftarrow \mu u - \alpha \frac{\partial J}{\partial w}, \qquad w \leftarrow w + %s .$$
"""


def test_a_step_by_a_velocity_is_read_at_its_first_step_from_rest(tmp_path):
    # v ← βv + g, w ← w - η v: from v = 0 the step is -η g, a descent step; the velocity
    # is not a gradient of anything and is not claimed to be one
    found = findings(tmp_path, MOMENTUM % "u", "m.md")
    assert one(found, 7).verdict == "correct", one(found, 7).reason
    assert one(found, 11).verdict == "correct", one(found, 11).reason


def test_a_step_against_its_velocity_is_a_sign_slip_mended_as_written(tmp_path):
    # u ← μu - α g and w ← w - u: from rest w moves by +α g, uphill
    found = findings(tmp_path, MOMENTUM % "(-u)", "m.md")
    row = one(found, 11)
    assert row.verdict == "factor" and row.diagnosis == "wrong sign"
    assert "u = - \\alpha" in row.reason and "first step from rest" in row.reason
    assert row.correct_latex == "w + u"


BATCH = r"""With $\hat y_i = \sigma(w^\top x_i)$ the objective of a mini-batch $B$ is

$$J_B(w) = -\frac{1}{|B|} \sum_{i \in B} \Big[ y_i \log \hat y_i + (1 - y_i) \log (1 - \hat y_i) \Big] + \frac{\lambda}{2} \lVert w \rVert^2 .$$

So

$$\nabla_w J_B = \frac{1}{|B|} \sum_{i \in B} (\hat y_i - y_i)\, x_i + \lambda w .$$

Per weight, numbering the batch examples $i = 1, \dots, b$:

$$\frac{\partial J_B}{\partial w_j} = \frac{1}{b} \sum_{i=1}^{b} (\hat y_i - y_i)\, x_{ij} %s .$$

Take $w = (0.5, -0.25)$; then $w_1 \leftarrow 0.5 - 0.7573 = -0.2573$.
"""


def test_a_batch_numbered_one_to_b_is_the_samples_of_the_mean(tmp_path):
    # |B| is the b the text numbers the batch by; ‖w‖² of a w used entry by entry is
    # Σ_q w_q²; ∇_w J_B's x_i and w are taken entry by entry
    found = findings(tmp_path, BATCH % r"+ \lambda w_j", "b.md")
    assert one(found, 3).verdict == "correct", one(found, 3).reason
    assert one(found, 7).verdict == "correct", one(found, 7).reason
    assert one(found, 11).verdict == "correct", one(found, 11).reason


def test_a_penalty_term_left_out_of_a_general_row_is_mended_for_every_j(tmp_path):
    # the term missing at j = 1 is λ w_1; the fix writes the general λ w_j after the row
    # (and the worked example's w_1 = -0.2573 further down is no meaning of w_1 here)
    row = one(findings(tmp_path, BATCH % "", "b.md"), 11)
    assert row.verdict == "wrong"
    assert row.diagnosis == r"omits the term \lambda w_j"
    assert row.correct_latex == (r"\frac{1}{b} \sum_{i=1}^{b} (\hat y_i - y_i)\, x_{ij}"
                                 r" + \lambda w_j")


HINGE = r"""\documentclass{article}
\newcommand{\w}{\mathbf{w}}
\newcommand{\x}{\mathbf{x}}
\newcommand{\ind}[1]{\mathbb{1}\!\left[#1\right]}
\begin{document}
Labels are $y_i \in \{-1, +1\}$. Let $h_i(\w) = \max(0, 1 - m_i)$ with $m_i = y_i \w^\top \x_i$.
\begin{itemize}
\item $m_i > 1$: then $\partial h_i / \partial w_j = 0$.
\item $m_i < 1$: then
\[
\frac{\partial h_i}{\partial w_j} = %s .
\]
\end{itemize}
Together, $\partial h_i / \partial w_j = -\ind{y_i \w^\top \x_i < 1}\, y_i x_{ij}$.
\end{document}
"""


def test_a_case_the_prose_opens_holds_for_the_rows_in_it(tmp_path):
    # h_i(w) also defines h_i; \w^\top \x_i through its macros is Σ_q w_q x_{iq};
    # "$m_i > 1$: then …" and "$m_i < 1$: then …" are the cases the rows are right in;
    # \mathbb{1}[m < 1] is the step function of 1 - m
    found = findings(tmp_path, HINGE % r"-y_i x_{ij}")
    assert one(found, 8, r"\partial h_i").verdict == "correct", one(found, 8, r"\partial h_i").reason
    assert one(found, 11).verdict == "correct", one(found, 11).reason
    assert one(found, 14, r"\ind").verdict == "correct", one(found, 14, r"\ind").reason


def test_a_slip_inside_a_case_is_still_a_slip(tmp_path):
    row = one(findings(tmp_path, HINGE % r"-x_{ij}"), 11)
    assert row.verdict == "wrong" and "j = 1" in row.reason


POISSON = r"""With $\theta \in \mathbb{R}^d$,
$$
\eta_i = \theta^\top x_i = \sum_{j=1}^{d} \theta_j x_{ij}, \qquad \mu_i = e^{\eta_i},
\qquad P(Y_i = y_i) = \frac{\mu_i^{y_i} e^{-\mu_i}}{y_i!} .
$$
The negative log-likelihood is
$$
L(\theta) = \sum_{i=1}^{n} \left( e^{\theta^\top x_i} - y_i\, \theta^\top x_i + \ln y_i! \right).
$$
Then
$$
\frac{\partial^2 L}{\partial \theta_j \, \partial \theta_k} = \sum_{i=1}^{n} x_{ij} \frac{\partial \mu_i}{\partial \theta_k}
  = %s .
$$
If $d = 1$ and $x_{i1} = 1$ for all $i$, then
$$
\frac{\partial L}{\partial \theta_1} = \sum_{i=1}^{n} \left( e^{\theta_1} - y_i \right) = n e^{\theta_1} - n \bar{y} .
$$
"""


def test_a_probability_beside_definitions_leaves_them_defined(tmp_path):
    # P(Y_i = y_i) is probability notation (unchecked with its reason), not an
    # ambiguity of the whole row; η_i and μ_i on the same row still define the model;
    # "if d = 1": the features past the first are none; \bar{y} is the mean of the y_i
    found = findings(tmp_path, POISSON % r"\sum_{i=1}^{n} \mu_i\, x_{ij} x_{ik}", "p.md")
    assert one(found, 1).verdict == "unchecked" and "membership" in one(found, 1).reason
    assert "probability" in one(found, 3).reason  # (the row's, worst of its three)
    assert one(found, 8).verdict == "correct", one(found, 8).reason
    assert one(found, 12).verdict == "correct", one(found, 12).reason
    assert one(found, 17).verdict == "correct", one(found, 17).reason


def test_a_square_where_two_indices_belong_is_named(tmp_path):
    row = one(findings(tmp_path, POISSON % r"\sum_{i=1}^{n} \mu_i\, x_{ij}^2", "p.md"), 12)
    assert row.verdict == "wrong"
    assert row.diagnosis == "x_{ij}^2 where x_{ij} x_{ik} belongs"
    assert row.correct_latex == r"\sum_{i=1}^{n} \mu_i x_{ij} x_{ik}"


def test_brackets_in_an_exponent_are_a_power_not_a_layer():
    notation = Notation()
    w, b = sp.symbols("w b")
    assert parse_row(r"e^{\left(w x_1 + b\right)}", notation) == sp.exp(w * sp.Symbol("x_1") + b)
    assert parse_row(r"e^{(w + b)}", notation) == sp.exp(w + b)
    assert str(parse_row(r"a^{(\ell - 1)}", notation)) == "a^(ell-1)"  # still a layer
    assert str(parse_row(r"a^{(l+1)}_j", notation)) == "a_j^(l+1)"
    # θ^{new}: another name; \overline{x^2 y}: one mean
    assert str(parse_row(r"\theta_1^{\text{new}}", notation)) == "theta_1^{new}"
    assert str(parse_row(r"\overline{x^2 y}", notation)) == "overline{x^2y}"


CHAIN = r"""# tinychain

$$
z^{(1)} = w_1 x + b_1, \qquad a^{(1)} = \sigma\big(z^{(1)}\big), \qquad
z^{(2)} = w_2 a^{(1)} + b_2, \qquad a^{(2)} = \sigma\big(z^{(2)}\big),
$$

On a batch of $n$ samples we write $a^{(1)}_i, a^{(2)}_i$ for the values on sample $i$:

$$
C = \frac{1}{2n} \sum_{i=1}^{n} \left( a^{(2)}_i - y_i \right)^2 .
$$

$$
\frac{\partial C}{\partial w_2} = \frac{1}{n} \sum_{i=1}^{n} \left( a^{(2)}_i - y_i \right) a^{(2)}_i \left(1 - a^{(2)}_i\right) %s .
$$
"""


def test_a_layer_written_for_one_sample_is_each_samples_in_the_cost(tmp_path):
    # a^{(2)} = σ(z^{(2)}) used as a^{(2)}_i: sample i's output, never data
    assert one(findings(tmp_path, CHAIN % r"a^{(1)}_i", "c.md"), 15).verdict == "correct"
    row = one(findings(tmp_path, CHAIN % r"a^{(2)}_i", "c.md"), 15)
    assert row.verdict == "wrong" and "a_i^{(1)} belongs" in row.diagnosis


EXAM = r"""\begin{document}
A classifier computes $p_k = e^{z_k} / \sum_{l=1}^{3} e^{z_l}$; the label is one-hot and the
loss is $L = -\sum_{k=1}^{3} y_k \log p_k$.
(c) Evaluate $L$ for $z = (2, 1, 0)$ and $y = (1, 0, 0)$.
\medskip
Solution (a). Differentiating, $\partial L / \partial z_k = p_k - y_k$ when $\sum_k y_k = 1$.
Then the softmax Jacobian gives the rest.
Its entries are positive.
Its rows sum to zero.
And so on.
Solution (b) has nothing more.
Solution (c).
\[
L = -\log p_1 \approx %s .
\]
\end{document}
"""


def test_a_worked_example_is_at_the_values_the_problem_gave(tmp_path):
    # z and y are given in the problem statement, far above the solution's row
    assert one(findings(tmp_path, EXAM % "0.408"), 14).verdict == "correct"
    assert one(findings(tmp_path, EXAM % "0.5"), 14).verdict == "wrong"


ELASTIC = r"""The objective is
$$
J(w, b) = \frac{1}{2n} \sum_{i=1}^{n} \left( y_i - \hat{y}_i \right)^2 + \frac{\lambda_2}{2} \sum_{j=1}^{d} w_j^2 ,
\qquad \hat{y}_i = \sum_{j=1}^{d} w_j x_{ij} + b .
$$
The ridge term is smooth: $\frac{\partial}{\partial w_j} \frac{\lambda_2}{2} \sum_{k=1}^{d} w_k^2 = %s$.
$$
g_j = \frac{\partial J}{\partial w_j} = -\frac{1}{n} \sum_{i=1}^{n} \left( y_i - \hat{y}_i \right) x_{ij} + \lambda_2 w_j
$$
Each step is the update $w_j \leftarrow w_j - \eta \, g_j$.
With standardised features ($\frac{1}{n} \sum_{i=1}^{n} x_{ij}^2 = 1$) the steps are even.
"""


def test_a_coefficient_before_a_sum_is_part_of_what_is_differentiated(tmp_path):
    # ∂/∂w_j (λ_2/2) Σ_k w_k²: the fraction is the sum's factor, not the whole operand
    found = findings(tmp_path, ELASTIC % r"\lambda_2 w_j", "e.md")
    assert one(found, 6).verdict == "correct", one(found, 6).reason
    row = one(findings(tmp_path, ELASTIC % r"\lambda_2", "e.md"), 6)
    assert row.verdict == "wrong"


def test_a_step_for_every_j_is_matched_to_its_cost_at_one_j(tmp_path):
    # for a general j every ∂…/∂w_j is 0 and any cost would "match"; at j = 1 only J
    # does; "standardised features" with a sum of the data = 1 is what the data are taken to be
    found = findings(tmp_path, ELASTIC % r"\lambda_2 w_j", "e.md")
    assert one(found, 10).verdict == "correct" and "on J" in one(found, 10).reason
    assert one(found, 11).verdict == "unchecked"
    assert "property of the data" in one(found, 11).reason


OPTIMUM = r"""\documentclass{article}
\usepackage{bm}
\begin{document}
The model predicts $p_i = \sigma(z_i)$ where $z_i = \bm{w}^\top \bm{x}_i + b$, and
\[
J = -\frac{1}{m} \sum_{i=1}^{m} \Big[ y_i \ln p_i + (1 - y_i) \ln (1 - p_i) \Big] + \frac{\lambda}{2} \sum_{j=1}^{d} w_j^2 .
\]
\[
\frac{\partial J}{\partial w_j} = \frac{1}{m} \sum_{i=1}^{m} \left( p_i - y_i \right) x_{ij} + \lambda w_j .
\]
At the minimiser both gradients vanish.
The fitted probabilities are then calibrated.
From $\partial J / \partial w_j = 0$, the weights are a weighted sum of the inputs.
\end{document}
"""


def test_bold_vectors_and_a_derivative_set_to_zero(tmp_path):
    # \bm{w}^\top \bm{x}_i is Σ_q w_q x_{iq}; "From $∂J/∂w_j = 0$" after "at the
    # minimiser … vanish" is the condition at the optimum, not a claim that it is 0
    found = findings(tmp_path, OPTIMUM)
    assert one(found, 9).verdict == "correct", one(found, 9).reason
    row = one(found, 13, r"\partial J")
    assert row.verdict == "unchecked" and "set to zero" in row.reason


CAUCHY = r"""With residuals $r_i = y_i - w x_i$ each residual is charged
$$\rho(r) = \log\left(1 + r^2\right), \qquad L(w) = \frac{1}{n} \sum_{i=1}^{n} \rho(r_i) .$$
Setting the gradient to zero, $\sum_{i=1}^{n} \rho'(r_i) x_i = 0$, looks like a weighted
least-squares condition $\sum_{i=1}^{n} \omega_i r_i x_i = 0$ with $\omega_i = \rho'(r_i) / r_i$.
$$\rho''(r) = %s .$$
"""


def test_a_function_of_its_own_variable_beside_the_samples_residuals(tmp_path):
    # ρ(r)'s r is ρ's variable, not a bare r_i of one sample; "setting the gradient to
    # zero, $… = 0$" and "a condition $… = 0$" are what the text asks to solve
    found = findings(tmp_path, CAUCHY % r"\frac{2\left(1 - r^2\right)}{\left(1 + r^2\right)^2}", "r.md")
    assert one(found, 5).verdict == "correct", one(found, 5).reason
    assert one(found, 3).verdict == "unchecked" and "set to zero" in one(found, 3).reason
    assert one(found, 4, r"\omega_i r_i").verdict == "unchecked"
    wrong = one(findings(tmp_path, CAUCHY % r"\frac{2\left(1 + r^2\right)}{\left(1 + r^2\right)^2}",
                         "r.md"), 5)
    assert wrong.verdict == "wrong"
