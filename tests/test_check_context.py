"""What a document states around its derivations, and how the checker uses it:
constraints in the prose, definitions for a general index, values solved for,
lists, second derivatives and slash partials."""

from derive.check import check_file


def verdicts(tmp_path, text, name="n.tex"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = {}
    for f in check_file(path).findings:
        out.setdefault(f.line, []).append(f)
    return out


def one(found, line, holding=None):
    """The finding of ``line`` (the one whose LaTeX holds ``holding``, if given)."""
    (f,) = [f for f in found[line] if holding is None or holding in f.latex]
    return f


SOFTMAX = r"""\begin{document}
The target is one-hot, so $y_1 + y_2 + y_3 = 1$. With
\begin{equation*}
  S = e^{z_1} + e^{z_2} + e^{z_3}, \quad p_1 = \frac{e^{z_1}}{S}, \quad
  p_2 = \frac{e^{z_2}}{S}, \quad p_3 = \frac{e^{z_3}}{S}
\end{equation*}
and $L = -(y_1 \log p_1 + y_2 \log p_2 + y_3 \log p_3)$,
\begin{align*}
  \frac{\partial L}{\partial z_1} &= p_1 (y_1 + y_2 + y_3) - y_1 \\
  &= p_1 - y_1 \\
  \frac{\partial L}{\partial z_2} &= p_2 - y_2 %s
\end{align*}
In general $\frac{\partial p_j}{\partial z_k} = p_j(\delta_{jk} - p_k)$, and
$\partial S / \partial z_1 = e^{z_1}$.
If $z_k = w_k x + c_k$ for $k = 1, 2, 3$, then $\partial z_k / \partial w_k = x$ and
\begin{equation*}
  \frac{\partial L}{\partial w_2} = \left( p_2 - y_2 \right) x
\end{equation*}
\end{document}
"""


def test_a_constraint_in_the_prose_is_used_from_its_row_on(tmp_path):
    found = verdicts(tmp_path, SOFTMAX % "")
    stated = one(found, 2)
    assert stated.verdict == "unchecked" and "constraint" in stated.reason
    assert "y_3 = 1 - y_1 - y_2" in stated.reason
    # p_1 (y_1 + y_2 + y_3) - y_1 = p_1 - y_1 only because y is one-hot
    for line in (9, 10, 11):
        assert one(found, line).verdict == "correct", (line, one(found, line).reason)
    assert not [f for fs in found.values() for f in fs if f.verdict in ("wrong", "factor")]


def test_without_the_constraint_the_same_rows_are_wrong(tmp_path):
    found = verdicts(tmp_path, (SOFTMAX % "").replace(
        "The target is one-hot, so $y_1 + y_2 + y_3 = 1$.", "The target is $y$."))
    assert one(found, 10).verdict == "wrong"
    assert one(found, 11).verdict == "wrong"


def test_a_rule_for_general_indices_is_checked_for_every_value(tmp_path):
    found = verdicts(tmp_path, SOFTMAX % "")
    rule = one(found, 13)
    assert rule.verdict == "correct" and "j = 1, 2, 3 and k = 1, 2, 3" in rule.reason
    bad = verdicts(tmp_path, (SOFTMAX % "").replace(r"(\delta_{jk} - p_k)", r"(\delta_{jk} + p_k)"))
    row = one(bad, 13)
    assert row.verdict == "wrong" and "j = 1, k = 1" in row.reason
    # the repair is searched through every case: the general row's own fix
    assert "sign" in row.diagnosis and r"\delta_{jk} - p_k" in row.correct_latex, row


def test_a_definition_for_a_general_index_defines_each_instance(tmp_path):
    found = verdicts(tmp_path, SOFTMAX % "")
    assert {f.reason for f in found[15]} >= {"a list (a, b, …), not one formula to check"}
    # ∂L/∂w_2 needs z_2 = w_2 x + c_2, from z_k = w_k x + c_k
    assert one(found, 17).verdict == "correct"
    slip = verdicts(tmp_path, (SOFTMAX % "").replace(r"\left( p_2 - y_2 \right) x",
                                                     r"\left( p_2 - y_2 \right)"))
    assert one(slip, 17).verdict == "wrong" and "x" in one(slip, 17).diagnosis


def test_slash_partials_are_read(tmp_path):
    found = verdicts(tmp_path, SOFTMAX % "")
    slash = [f for f in found[14] + found[15] if "/" in f.latex]
    assert [f.verdict for f in slash] == ["correct", "correct"]


LINE = r"""\begin{document}
We fit $h(x) = w x + b$ to $(x_i, y_i)$, $i = 1, \dots, n$, with
\begin{equation}
  J = \frac{1}{2n} \sum_{i=1}^{n} \left( w x_i + b - y_i \right)^2 .
\end{equation}
Then
\begin{align*}
  \frac{\partial J}{\partial b} &= \frac{1}{n} \sum_{i=1}^{n} \left( w x_i + b - y_i \right)
\end{align*}
Setting it to zero and solving for the intercept gives
$b = \frac{1}{n} \sum_{i=1}^{n} \left( y_i - w x_i \right)$. Once more,
\begin{align*}
  \frac{\partial^2 J}{\partial w^2} &= \frac{1}{n} \sum_{i=1}^{n} x_i^2 \\
  \frac{\partial^2 J}{\partial w \, \partial b} &= \frac{1}{n} \sum_{i=1}^{n} x_i \\
  \partial^2 J / \partial b^2 &= %s
\end{align*}
so one step costs $O(n)$.
\end{document}
"""


def test_a_value_solved_for_is_not_a_definition(tmp_path):
    found = verdicts(tmp_path, LINE % "1")
    solved = one(found, 11)
    assert solved.verdict == "correct" and "solved for" in solved.reason
    assert "= 0" in solved.reason
    # b stays a parameter below: the second derivatives are right
    for line in (13, 14, 15):
        assert one(found, line).verdict == "correct", (line, one(found, line).reason)
    wrong = verdicts(tmp_path, (LINE % "1").replace(r"\left( y_i - w x_i \right)$",
                                                    r"\left( y_i + w x_i \right)$"))
    # a wrong value is judged against b solved for from ∂J/∂b = 0, and mended
    slip = one(wrong, 11)
    assert slip.verdict == "wrong" and "solved for" in slip.reason
    assert slip.correct_latex == r"\frac{1}{n} \sum_{i=1}^{n} \left(y_i - w x_i\right)"


def test_a_wrong_second_derivative_is_a_claim_not_a_value(tmp_path):
    found = verdicts(tmp_path, LINE % "2")
    row = one(found, 15)
    assert row.verdict == "factor" and row.factor == "2"


def test_lists_and_orders_of_growth_are_not_formulas(tmp_path):
    found = verdicts(tmp_path, LINE % "1")
    assert {f.verdict for f in found[2]} == {"correct", "unchecked"}
    assert all("list" in f.reason for f in found[2] if f.verdict == "unchecked")
    growth = one(found, 17)
    assert growth.verdict == "unchecked" and "order of growth" in growth.reason


NET = r"""\begin{document}
For sample $i$, with three hidden units,
\begin{align*}
  z_j^{[1](i)} &= w_j^{[1]} x^{(i)} + b_j^{[1]}, \qquad a_j^{[1](i)} = \sigma\big(z_j^{[1](i)}\big) \qquad (j = 1, 2, 3), \\
  \hat{y}^{(i)} &= \sum_{j=1}^{3} w_j^{[2]} a_j^{[1](i)} + b^{[2]}
\end{align*}
and $C = \frac{1}{n} \sum_{i=1}^{n} \left( \hat{y}^{(i)} - y^{(i)} \right)^2$. Define
$\delta^{[2](i)} := \frac{\partial C}{\partial \hat{y}^{(i)}}$. Then
\begin{align*}
  \frac{\partial C}{\partial w_j^{[2]}} &= \sum_{i=1}^{n} \delta^{[2](i)} a_j^{[1](i)} \\
  \frac{\partial C}{\partial w_k^{[1]}} &= \sum_{i=1}^{n} \delta^{[2](i)} w_k^{[2]} a_k^{[1](i)} \left(1 - a_k^{[1](i)}\right) x^{(%s)}
\end{align*}
\end{document}
"""


def test_layer_brackets_a_definition_by_colon_equals_and_a_general_unit(tmp_path):
    found = verdicts(tmp_path, NET % "i")
    assert one(found, 10).verdict == "correct", one(found, 10).reason
    assert "j = 1, 2, 3" in one(found, 10).reason
    assert one(found, 11).verdict == "correct", one(found, 11).reason
    slip = verdicts(tmp_path, (NET % "i").replace(r"w_k^{[2]} a_k^{[1](i)}", r"w_k^{[1]} a_k^{[1](i)}"))
    row = one(slip, 11)
    assert row.verdict == "wrong" and "k = 1" in row.reason


UPDATES = r"""\begin{document}
With $L(w) = \frac{1}{2n} \sum_{i=1}^{n} (w x_i - y_i)^2 + \frac{\lambda}{2} w^2$,
at $w = 0$ we get $\partial_w L(0) = -\frac{1}{n} \sum_{i=1}^{n} x_i y_i$. One step:
\begin{align*}
  w_{t+1} &:= w_t - \eta \, \partial_w L(w_t) \\
  &= (1 - \eta \lambda) w_t - \frac{\eta}{n} \sum_{i=1}^{n} (w_t x_i - y_i) x_i
\end{align*}
and with momentum $v_{t+1} := \mu v_t + \partial_w L(w_t), \qquad w_{t+1} := w_t - \eta v_{t+1}$.
An update keeps its name on both sides: $w := w - \eta \, \partial_w L(w)$.
\end{document}
"""


def test_updates_definitions_and_a_derivative_at_a_point(tmp_path):
    found = verdicts(tmp_path, UPDATES)
    # ∂_w L(0): L's derivative by w, taken at w = 0
    assert one(found, 3, "L(0)").verdict == "correct", one(found, 3, "L(0)").reason
    # w_{t+1} := … defines the next iterate; the step after it is algebra on it
    assert one(found, 6).verdict == "correct", one(found, 6).reason
    # a later := for the same name is a new rule, not a claim about the old one
    assert {f.verdict for f in found[8]} == {"correct"}, [f.reason for f in found[8]]
    # an update keeps its name on both sides: a gradient step on L, downhill
    step = one(found, 9, ":=")
    assert step.verdict == "correct" and "gradient descent step on L(w)" in step.reason, step.reason
    slip = verdicts(tmp_path, UPDATES.replace(r"(1 - \eta \lambda) w_t", r"(1 + \eta \lambda) w_t"))
    assert one(slip, 6).verdict == "wrong"
    uphill = verdicts(tmp_path, UPDATES.replace(r"w := w - \eta", r"w := w + \eta"))
    assert one(uphill, 9, ":=").verdict == "factor" and one(uphill, 9, ":=").diagnosis == \
        "wrong sign"


STEPS = r"""\begin{document}
We maximise the log-likelihood
$\ell(w) = \sum_{i=1}^{n} \left[ y_i \log p_i + (1 - y_i) \log (1 - p_i) \right]$ with
$p_i = \sigma(w x_i)$, whose derivative is
$\frac{\partial \ell}{\partial w} = \sum_{i=1}^{n} (y_i - p_i) x_i$. Gradient ascent:
$$w \leftarrow w + \eta \sum_{i=1}^{n} (%s)\, x_i .$$
For one sample, $L = (\hat{y} - y)^2$ with $\hat{y} = v_1 u_1 + v_2 u_2$, and
$\partial L / \partial v_k = 2 (\hat{y} - y) u_k$ for $k = 1, 2$, so SGD does
$$v_k \leftarrow v_k - \alpha %s (\hat{y} - y)\, u_k$$
and from $v_1 = 0.5$ with a gradient of $2$, $v_1 \leftarrow 0.5 - 0.1 \cdot 2 = %s$.
\end{document}
"""


def test_update_rules_are_gradient_steps_in_the_direction_the_text_says(tmp_path):
    found = verdicts(tmp_path, STEPS % ("y_i - p_i", "2", "0.3"))
    assert one(found, 6).verdict == "correct" and "ascent" in one(found, 6).reason
    # "SGD" after the "ascent" above: this one goes downhill
    sgd = one(found, 9)
    assert sgd.verdict == "correct" and "descent step on L" in sgd.reason, sgd.reason
    assert one(found, 10, "0.3").verdict == "unchecked"  # a step with values: its arithmetic
    slips = verdicts(tmp_path, STEPS % ("p_i - y_i", "", "0.4"))
    up = one(slips, 6)  # a descent step where the text climbs
    assert up.verdict == "factor" and up.diagnosis == "wrong sign"
    assert up.correct_latex is not None and up.correct_latex.startswith("w + ")
    half = one(slips, 9)
    assert half.verdict == "factor" and half.factor == "1/2", half.reason
    assert half.correct_latex.startswith("v_k - "), half.correct_latex
    assert one(slips, 10, "0.4").verdict in ("wrong", "factor")  # 0.5 - 0.2 is not 0.4


WORKED = r"""\begin{document}
Let $a = \sigma(z)$ with $z = w_1 x_1 + w_2 x_2 + b$ and $L = \frac{1}{2}(a - y)^2$, so
$\frac{\partial L}{\partial w_2} = (a - y) a (1 - a) x_2$.
Take $\mathbf{x} = (0.5, 2.0)$, $y = 1$, $w_1 = -0.3$, $w_2 = 0.2$ and $b = -0.1$:
\begin{align*}
  a &= \sigma(0.15) \approx 0.5374 , \\
  L &= \tfrac{1}{2} (1 - 0.5374)^2 \approx 0.1070 , \\
  \frac{\partial L}{\partial w_2} &\approx (-0.4626)(0.2486)(%s) \approx %s
\end{align*}
\end{document}
"""


def test_approximations_use_the_values_the_prose_sets(tmp_path):
    found = verdicts(tmp_path, WORKED % ("2.0", "-0.2300"))
    for line in (6, 7, 8):
        assert one(found, line).verdict == "correct", (line, one(found, line).reason)
    assert "decimals shown" in one(found, 8).reason
    slip = verdicts(tmp_path, WORKED % ("0.5", "-0.0575"))
    row = one(slip, 8)
    assert row.verdict == "wrong" and "-0.2300" in row.reason, row.reason


SOFTMAX2 = r"""---
title: two classes
---
$$L = -y_1 \log p_1 - y_2 \log p_2, \qquad p_1 = \frac{e^{z_1}}{e^{z_1} + e^{z_2}}, \qquad p_2 = \frac{e^{z_2}}{e^{z_1} + e^{z_2}}$$
The final result is $\partial L/\partial z_k = p_k - y_k$. With $z = (z_1, z_2)$,
the logits, and nothing else to add,
where the target is one-hot, $y_1 + y_2 = 1$:

$$\nabla_z L = %s$$
"""


def test_a_constraint_holds_before_its_row_and_a_vector_gradient_is_read_by_entry(tmp_path):
    found = verdicts(tmp_path, SOFTMAX2 % "p - y", name="s.md")
    fact = one(found, 5, "p_k - y_k")
    assert fact.verdict == "correct", fact.reason  # true by the one-hot fact, stated after it
    assert one(found, 9).verdict == "correct" and "every entry" in one(found, 9).reason
    slip = verdicts(tmp_path, SOFTMAX2 % "y - p", name="s.md")
    assert one(slip, 9).verdict == "factor" and one(slip, 9).diagnosis == "wrong sign"


def test_row_text_helpers():
    from derive.extract import Row
    from derive.rows import defined_as, is_list, tuple_row

    def row(t):
        return Row(t, 1, 1, 1, "$", 0)
    assert defined_as(row(r"\delta := \frac{\partial L}{\partial z}")).latex == \
        r"\delta = \frac{\partial L}{\partial z}"
    assert defined_as(row(r"w := w - \eta g")).latex == r"w := w - \eta g"  # an update
    assert defined_as(row(r"v := \mu v + g, \qquad w_{t+1} := w_t - \eta v")).latex == \
        r"v := \mu v + g, \qquad w_{t+1} = w_t - \eta v"
    assert tuple_row(r"\theta = (w_1, w_2, b)^\top") == (r"\theta", ["w_1", "w_2", "b"])
    assert tuple_row(r"x^{(i)} = (x_1^{(i)}, x_2^{(i)}) \in \R^2")[1] == ["x_1^{(i)}", "x_2^{(i)}"]
    assert tuple_row(r"J(w, b) = 3") is None
    assert is_list("z_1, z_2") and is_list("(y_1, y_2)") and not is_list("J(w, b)")
    assert not is_list(r"a = b, \qquad c = d")  # two formulas side by side


LSQ = r"""\documentclass{article}
\newcommand{\sumi}{\sum_{i=1}^{n}}
\begin{document}
The line $y = a x + b$ is fitted by least squares,
\begin{equation}
S(a, b) = \sumi \left( y_i - a x_i - b \right)^2 .
\end{equation}
\begin{align*}
\frac{\partial S}{\partial a} &= -2 \sumi x_i \left( y_i - a x_i - b \right) \\
\frac{\partial S}{\partial b} &= -2 \sumi \left( y_i - a x_i - b \right)
\end{align*}
At a minimum both vanish. Setting them to zero and dividing by $2$ gives
\begin{align}
a \sumi x_i^2 + b \sumi x_i &= %s \\
a \sumi x_i + n b &= \sumi y_i
\end{align}
Dividing the second by $n$, i.e.
\[
b = %s
\]
where $\bar x = \frac{1}{n}\sumi x_i$ and $\bar y = \frac{1}{n}\sumi y_i$. Then
\[
a = \frac{n \sumi x_i y_i - \sumi x_i \sumi y_i}{n \sumi x_i^2 - \left(\sumi x_i\right)^2}
  = \frac{\sumi (x_i - \bar x)(y_i - \bar y)}{\sumi (x_i - \bar x)^2} .
\]
The slope goes with every $(x_i, y_i)$.
\end{document}
"""


def test_statements_at_the_stationary_point_are_judged_there(tmp_path):
    found = verdicts(tmp_path, LSQ % (r"\sumi x_i y_i", r"\bar{y} - a \bar{x}"))
    # the normal equations are the derivatives set to zero, rescaled
    for line in (14, 15):
        assert one(found, line).verdict == "correct" and "holds at" in one(found, line).reason
    # b given a, from ∂S/∂b = 0, and a's closed form: the stationary point's own a
    assert one(found, 19).verdict == "correct", one(found, 19).reason
    closed = one(found, 23)
    assert closed.verdict == "correct" and "stationary point" in closed.reason, closed.reason
    # nothing above is taken as what a or b means: the derivatives stay right
    assert one(found, 9).verdict == one(found, 10).verdict == "correct"
    slips = verdicts(tmp_path, LSQ % (r"\sumi y_i", r"\bar{y} + a \bar{x}"))
    assert one(slips, 14).verdict == "wrong"  # not one of the derivatives set to zero
    sign = one(slips, 19)
    assert sign.verdict == "wrong" and sign.correct_latex == r"\bar{y} - a \bar{x}", sign.reason


def test_a_wrong_closed_form_is_not_the_stationary_point(tmp_path):
    text = (LSQ % (r"\sumi x_i y_i", r"\bar{y} - a \bar{x}")).replace(
        r"a = \frac{n \sumi x_i y_i - \sumi x_i \sumi y_i}", r"a = \frac{n \sumi x_i y_i + "
        r"\sumi x_i \sumi y_i}")
    found = verdicts(tmp_path, text)
    assert one(found, 23).verdict == "wrong", one(found, 23).reason


SAMPLE_DROPPED = r"""\documentclass{article}
\begin{document}
Each sample has a one-hot label, $y^{(i)}_1 + y^{(i)}_2 + y^{(i)}_3 = 1$, and
\begin{equation}
z^{(i)}_k = \sum_{j=1}^{d} W_{kj}\, x^{(i)}_j + b_k, \qquad
p^{(i)}_k = \frac{e^{z^{(i)}_k}}{e^{z^{(i)}_1} + e^{z^{(i)}_2} + e^{z^{(i)}_3}}, \qquad k = 1,2,3.
\end{equation}
Drop the superscript $(i)$ for now: one sample's loss is
\begin{equation}
L = -y_1 \log p_1 - y_2 \log p_2 - y_3 \log p_3 .
\end{equation}
\begin{align*}
\frac{\partial p_1}{\partial z_2} &= %s \\
\frac{\partial L}{\partial z_1} &= p_1 - y_1
\end{align*}
Over the batch, $J = \frac{1}{n} \sum_{i=1}^{n} L^{(i)}$ and
\[
(\nabla_W J)_{12} = \frac{1}{n} \sum_{i=1}^{n} \left( p^{(i)}_1 - y^{(i)}_1 \right) x^{(i)}_%s .
\]
\end{document}
"""


def test_sample_i_names_written_bare_and_per_sample_constraints(tmp_path):
    found = verdicts(tmp_path, SAMPLE_DROPPED % ("-p_1 p_2", "2"))
    # p_1 is sample i's p^{(i)}_1 with the superscript dropped; y_1 + y_2 + y_3 = 1 too
    assert one(found, 13).verdict == "correct", one(found, 13).reason
    assert one(found, 14).verdict == "correct", one(found, 14).reason
    # (∇_W J)_{12} is ∂J/∂W_{12}; L^{(i)} is sample i's L; x^{(i)}_j under Σ_j is x_j's
    assert one(found, 18).verdict == "correct", one(found, 18).reason
    slips = verdicts(tmp_path, SAMPLE_DROPPED % ("p_1 p_2", "1"))
    assert one(slips, 13).verdict == "factor" and one(slips, 13).diagnosis == "wrong sign"
    assert one(slips, 18).verdict == "wrong", one(slips, 18).reason


def test_accents_without_braces_and_a_letter_given_a_value(tmp_path):
    text = r"""Hidden units $h_j = \sigma\big(z_j\big)$ with $z_j = w_j x + b_j$ for $j = 1, 2$,
and $\partial h_j / \partial z_j = h_j (1 - %s)$, and $\hat y = v_1 h_1 + v_2 h_2$,
so $\partial \hat y / \partial v_1 = h_1$.
"""
    found = verdicts(tmp_path, text % "h_j", name="h.md")
    # h_j is given a value, so h_j (1 - h_j) is a product, not h_j applied to 1 - h_j
    assert one(found, 2, "h_j (1").verdict == "correct", one(found, 2, "h_j (1").reason
    assert one(found, 3).verdict == "correct", one(found, 3).reason  # \hat y is ŷ
    slip = verdicts(tmp_path, text % "z_j", name="h.md")
    assert one(slip, 2, "h_j (1").verdict == "wrong"


RELU = r"""# ReLU in a model

With $\hat{y} = \tanh(wx)$ and $L = \tfrac{1}{2}(\hat{y} - y)^2$,
$\frac{dL}{dw} = (\tanh(wx) - y)(1 - \tanh^2(wx))\,x$.

*In a model.* With $\hat{y} = \operatorname{relu}(wx)$ and the same loss, $\frac{dL}{dw} = %s$ whenever $wx > 0$.
"""


def test_a_new_model_in_the_prose_and_a_condition_after_the_row(tmp_path):
    found = verdicts(tmp_path, RELU % r"(wx - y) \, x", name="r.md")
    # ŷ = relu(wx) "with …" is the new model; the row holds where wx > 0, as it says
    row = one(found, 6, "dL")
    assert row.verdict == "correct" and "wx > 0" in row.reason, row.reason
    slip = verdicts(tmp_path, RELU % r"(wx - y)", name="r.md")
    assert one(slip, 6, "dL").verdict == "wrong"


AVERAGED = r"""For one example the network computes $h_j = \sigma(v_j x)$ for $j = 1, 2$ and
$\hat{y} = w_1 h_1 + w_2 h_2$, with loss $\mathcal{L} = \tfrac{1}{2}(\hat{y} - y)^2$, so
$\partial \mathcal{L} / \partial \hat{y} = \hat{y} - y$. Over $m$ examples the cost is
$J = \frac{1}{m} \sum_{i=1}^{m} \mathcal{L}^{(i)}$, and
$$\frac{\partial J}{\partial w_j} = \frac{1}{m} \sum_{i=1}^{m} \big(\hat{y}^{(i)} - y^{(i)}\big)\, %s .$$
"""


def test_a_loss_averaged_over_examples_has_each_examples_model(tmp_path):
    found = verdicts(tmp_path, AVERAGED % "h_j^{(i)}", name="avg.md")
    assert one(found, 5).verdict == "correct", one(found, 5).reason
    slip = verdicts(tmp_path, AVERAGED % "x^{(i)}", name="avg.md")
    assert one(slip, 5).verdict == "wrong", one(slip, 5).reason


BIAS_VECTOR = r"""\begin{document}
With logits $z_k = w_k x + b_k$ and $p_k = \frac{e^{z_k}}{e^{z_1} + e^{z_2}}$ for $k = 1, 2$,
the loss $L = -y_1 \log p_1 - y_2 \log p_2$ and a one-hot target, $y_1 + y_2 = 1$,
so $\frac{\partial L}{\partial b_2} = p_2 - y_2$ and
\[ \nabla_b L = %s . \]
\end{document}
"""


def test_a_gradient_by_a_vector_the_text_writes_only_by_its_entries(tmp_path):
    found = verdicts(tmp_path, BIAS_VECTOR % "p - y")
    row = one(found, 5)
    assert row.verdict == "correct" and "every entry" in row.reason, row.reason
    slip = verdicts(tmp_path, BIAS_VECTOR % "y - p")
    assert one(slip, 5).verdict in ("factor", "wrong")


ONE_PAIR = r"""\begin{document}
With $C = \frac{1}{n} \sum_{i=1}^{n} (w x_i - y_i)^2$ we have
$\frac{\partial C}{\partial w} = \frac{2}{n} \sum_{i=1}^{n} (w x_i - y_i) x_i$, whose second
derivative is $\frac{2}{n} \sum_{i=1}^{n} x_i^2 = \frac{2}{n} \sum_{i=1}^{n} x_i^2 \ge 0$.
Take one pair ($n = 1$) with $x = 2$, $y = 1$ and $w = 1$:
\[ \frac{\partial C}{\partial w} = 2 (w x - y) x = %s . \]
\end{document}
"""


def test_a_one_sample_example_and_a_closing_sign(tmp_path):
    found = verdicts(tmp_path, ONE_PAIR % "4")
    # "\ge 0" closes the row: a remark on its last side, not part of the equation
    assert {f.verdict for f in found[4] if "=" in f.latex} == {"correct"}, \
        [f.reason for f in found[4]]
    # at n = 1 the sample's x_1 is the example's x: the numbers are right there
    row = one(found, 6)
    assert row.verdict == "correct" and "as the text sets" in row.reason, row.reason
    slip = verdicts(tmp_path, ONE_PAIR % "3")
    assert one(slip, 6).verdict != "correct"  # (not yet "wrong": the numbers are not tried)


CS229 = r"""\begin{document}
Our hypothesis is $h_\theta(x) = g(\theta^T x)$ with $g(z) = \frac{1}{1 + e^{-z}}$, and
\begin{equation}
  \ell(\theta) = \sum_{i=1}^{m} y^{(i)} \log h_\theta(x^{(i)}) + (1 - y^{(i)}) \log (1 - h_\theta(x^{(i)})) .
\end{equation}
Drop the superscripts for a moment: for one example,
\[ \frac{\partial}{\partial \theta_j} \ell(\theta) = \left( y - h_\theta(x) \right) x_j . \]
Summing over the $m$ examples,
\[ \frac{\partial}{\partial \theta_j} \ell(\theta) = \sum_{i=1}^{m} \left( %s \right) x_j^{(i)} . \]
For an off-diagonal entry ($j \neq k$), with $p_k = \frac{e^{z_k}}{e^{z_1} + e^{z_2}}$ for
$k = 1, 2$, we have $\frac{\partial p_j}{\partial z_k} = -p_j p_k$, and with
$\lambda_1 = \lambda_2 = 0.1$ nothing else changes.
\end{document}
"""


def test_a_dot_product_one_example_and_the_prose_on_indices(tmp_path):
    found = verdicts(tmp_path, CS229 % r"y^{(i)} - h_\theta(x^{(i)})")
    # \theta^T x is \sum_q \theta_q x_q; the sum covers both terms that use i
    assert one(found, 4).verdict == "correct", one(found, 4).reason
    # "drop the superscripts": the row is about one example's term
    assert one(found, 7).verdict == "correct", one(found, 7).reason
    assert one(found, 9).verdict == "correct", one(found, 9).reason
    # ∂p_j/∂z_k = -p_j p_k is said for j ≠ k only
    off = one(found, 11, "p_j")
    assert off.verdict == "correct" and "j ≠ k" in off.reason, off.reason
    # λ_1 = λ_2 = 0.1 sets both: a condition, not a claim that λ_1 = λ_2
    assert one(found, 12).verdict == "unchecked" and "condition" in one(found, 12).reason
    assert one(found, 10, r"\neq").verdict == "unchecked"  # j ≠ k: said of the indices
    slip = verdicts(tmp_path, CS229 % r"h_\theta(x^{(i)}) - y^{(i)}")
    assert one(slip, 9).verdict in ("factor", "wrong")


def test_relu_written_as_max(tmp_path):
    text = r"""With $L = \tfrac12(\max(0, wx) - y)^2$,
$\frac{\partial L}{\partial w} = (\max(0, wx) - y) \, %s x$.
"""
    assert one(verdicts(tmp_path, text % r"\mathbb{1}[wx > 0] \,", name="m.md"), 2).verdict \
        == "correct"
    assert one(verdicts(tmp_path, text % "", name="m.md"), 2).verdict == "wrong"
