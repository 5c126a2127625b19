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


def one(found, line):
    (f,) = found[line]
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
    assert one(bad, 13).verdict == "wrong" and "j = 1, k = 1" in one(bad, 13).diagnosis


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
    assert one(wrong, 11).verdict == "unchecked" and "solved for" in one(wrong, 11).reason


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
