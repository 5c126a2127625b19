"""derive check's diagnoses: one slip per document, named, with the corrected row.

Each case starts from the same correct one-neuron derivation and changes one
thing in its result row; the checker must flag exactly that row, say what the
slip is and propose the right row in the document's notation (golden strings).
"""

import subprocess
import sys

import pytest

from derive.check import check_file
from derive.errors import DeriveError

BASE = r"""\section{A neuron}
\begin{align}
a_i &= \sigma(w x_i + b) \\
C &= \frac{1}{n} \sum_{i=1}^{n} (a_i - y_i)^2
\end{align}
\begin{align}
\frac{\partial C}{\partial w} &= ROW
\end{align}
"""
GOOD = r"\frac{1}{n} \sum_{i=1}^{n} 2 (a_i - y_i) a_i (1 - a_i) x_i"
FIXED = r"\frac{1}{n} \sum_{i=1}^{n} 2(a_i - y_i) a_i (1 - a_i) x_i"


def check(tmp_path, text, name="notes.tex", **kw):
    path = tmp_path / name
    path.write_text(text)
    return {f.line: f for f in check_file(path, **kw).findings}


def test_the_correct_row_is_correct(tmp_path):
    found = check(tmp_path, BASE.replace("ROW", GOOD))
    assert all(f.verdict == "correct" for f in found.values()), found


CASES = [
    # a dropped factor 2: a constant factor, named
    ("factor", r"\frac{1}{n} \sum_{i=1}^{n} (a_i - y_i) a_i (1 - a_i) x_i",
     "a constant factor: it is \\frac{1}{2} times the right value",
     r"\frac{2}{n} \sum_{i=1}^{n} (a_i - y_i) a_i (1 - a_i) x_i"),
    # (y - a) for (a - y): the sign
    ("factor", r"\frac{1}{n} \sum_{i=1}^{n} 2 (y_i - a_i) a_i (1 - a_i) x_i", "wrong sign",
     r"- \frac{1}{n} \sum_{i=1}^{n} 2(y_i - a_i) a_i (1 - a_i) x_i"),
    # σ' left out: the missing factor is named as the notes write it
    ("wrong", r"\frac{1}{n} \sum_{i=1}^{n} 2 (a_i - y_i) x_i", "a missing factor a_i (1 - a_i)",
     r"\frac{1}{n} \sum_{i=1}^{n} 2(a_i - y_i) x_i a_i (1 - a_i)"),
    # the inner derivative x_i left out
    ("wrong", r"\frac{1}{n} \sum_{i=1}^{n} 2 (a_i - y_i) a_i (1 - a_i)", "a missing factor x_i",
     FIXED),
    # a factor too many
    ("wrong", GOOD + " w", "an extra factor w", FIXED),
    # σ written where σ' belongs
    ("wrong", r"\frac{1}{n} \sum_{i=1}^{n} 2 (a_i - y_i) \sigma(w x_i + b) x_i",
     "the function in place of its derivative",
     r"\frac{1}{n} \sum_{i=1}^{n} 2(a_i - y_i) x_i (1 - \sigma(b + w x_i)) \sigma(b + w x_i)"),
    # the sum starts at 0
    ("wrong", GOOD.replace("i=1", "i=0"), "the sum runs i = 0 … n; it should run 1 … n", FIXED),
    # x_1 for x_i: a wrong index
    ("wrong", GOOD.replace("x_i", "x_1"), "x_1 where x_i belongs", FIXED),
]


@pytest.mark.parametrize("verdict, row, why, fix", CASES)
def test_one_slip_is_named_and_fixed(tmp_path, verdict, row, why, fix):
    found = check(tmp_path, BASE.replace("ROW", row))
    f = found[7]
    assert f.verdict == verdict, f
    assert why in f.diagnosis
    assert f.correct_latex == fix
    assert f.origin and f.counterexample
    # and nothing else is flagged
    assert all(g.verdict == "correct" for line, g in found.items() if line != 7)


def test_wrong_layer_in_one_factor(tmp_path):
    text = r"""\begin{align}
a_i^{(1)} &= \sigma(w^{(1)} x_i + b^{(1)}) \\
a_i^{(2)} &= \sigma(w^{(2)} a_i^{(1)} + b^{(2)})
\end{align}
\begin{equation}
\partial_{w^{(2)}} a_i^{(2)} = a_i^{(1)}(1 - a_i^{(1)}) a_i^{(1)}
\end{equation}
"""
    f = check(tmp_path, text)[6]
    assert f.verdict == "wrong"
    assert f.diagnosis == "a_i^{(1)} where a_i^{(2)} belongs"
    assert f.correct_latex == r"a_i^{(2)} (1 - a_i^{(2)}) a_i^{(1)}"


def test_omitted_term_in_ridge(tmp_path):
    text = r"""# Ridge

$$J(w) = \frac{1}{n}\sum_{i=1}^{n} (w x_i - y_i)^2 + \lambda w^2$$

$$\frac{dJ}{dw} = \frac{2}{n}\sum_{i=1}^{n} (w x_i - y_i) x_i$$
"""
    f = check(tmp_path, text, "ridge.md")[5]
    assert f.verdict == "wrong" and f.diagnosis == r"omits the term 2 \lambda w"
    assert f.correct_latex == r"2 w \lambda + \frac{2}{n} \sum_{i=1}^{n} (w x_i - y_i) x_i"


def test_corrections_use_the_documents_macros(tmp_path):
    text = r"""\def\pd[#1]{\partial_{#1}}
\def\avgsum[#1,#2]{\frac{1}{#2}\sum_{#1=1}^{#2}}
\begin{align}
a_i &= \sigma(w x_i + b) \\
C &= \avgsum[i, n] (a_i - y_i)^2 \\
\pd[w] C &= \avgsum[i, n] 2(a_i - y_i) x_i
\end{align}
"""
    f = check(tmp_path, text)[6]
    assert f.diagnosis == "a missing factor a_i (1 - a_i)"
    assert f.correct_latex == r"\avgsum[i, n] 2(a_i - y_i) x_i a_i (1 - a_i)"


def test_variable_typo_on_the_left(tmp_path):
    # grad.tex's \pd[b^{1}]: a variable the document never uses, so the true value is 0
    text = r"""\begin{align}
a_i^{(1)} &= \sigma(w^{(1)} x_i + b^{(1)}) \\
\partial_{b^{1}} a_i^{(1)} &= a_i^{(1)}(1 - a_i^{(1)})
\end{align}
"""
    f = check(tmp_path, text)[3]
    assert f.verdict == "wrong" and "b^{(1)} is meant" in f.diagnosis
    assert f.correct_latex == r"\partial_{b^{(1)}} a_i^{(1)} = a_i^{(1)}(1 - a_i^{(1)})"


AMBIGUOUS = r"""# Notes

$$J(w) = \frac{1}{n}\sum_{i=1}^{n} (w x_i - y_i)^2$$

$$\frac{\partial J}{\partial w} = u(w + 1)$$
"""


def test_a_letter_before_a_bracket_is_ambiguous_until_pinned(tmp_path):
    f = check(tmp_path, AMBIGUOUS, "a.md")[5]
    assert f.verdict == "ambiguous" and "--assume 'u: function'" in f.reason
    # pinned as a variable: u(w + 1) is a product, and then simply wrong
    assert check(tmp_path, AMBIGUOUS, "a.md", assume=["u: variable"])[5].verdict == "wrong"
    # pinned as a function: an undefined function of w, whose value is unknown
    assert check(tmp_path, AMBIGUOUS, "a.md", assume=["u: function"])[5].verdict != "ambiguous"


def test_front_matter_pins(tmp_path):
    md = "---\nassume:\n  - \"u: variable\"\n---\n" + AMBIGUOUS
    assert check(tmp_path, md, "b.md")[9].verdict == "wrong"
    tex = "% derive: assume u: variable\n" + AMBIGUOUS.replace("# Notes", "")
    assert check(tmp_path, tex, "c.tex")[6].verdict == "wrong"


def test_a_bad_pin_is_a_clear_error(tmp_path):
    path = tmp_path / "a.md"
    path.write_text(AMBIGUOUS)
    with pytest.raises(DeriveError, match="unknown kind 'banana'"):
        check_file(path, assume=["u: banana"])
    out = subprocess.run([sys.executable, "-m", "derive", "check", str(path), "--assume", "u"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "--assume: an assumption is 'NAME: KIND'" in out.stderr


def test_past_its_budget_a_row_is_unchecked_timeout(tmp_path):
    text = BASE.replace("ROW", GOOD)
    found = check(tmp_path, text, row_seconds=1e-4)
    assert any(f.verdict == "unchecked" and f.reason.startswith("timeout") for f in found.values())
    assert not any(f.verdict in ("wrong", "factor") for f in found.values())


def test_redefinitions_hold_from_their_row_on(tmp_path):
    # notes reuse names: z is one thing in the first part and another later
    text = r"""$$z = w x + b$$

$$\frac{\partial z}{\partial w} = x$$

$$z = \sigma(w x)$$

$$\frac{\partial z}{\partial w} = \sigma(w x)(1 - \sigma(w x)) x$$
"""
    found = check(tmp_path, text, "z.md")
    assert [f.verdict for f in found.values()] == ["correct"] * 4


def test_json_summary_names_parameters_and_data(tmp_path):
    path = tmp_path / "n.tex"
    path.write_text(BASE.replace("ROW", GOOD.replace("x_i", "x_i w")))
    out = subprocess.run([sys.executable, "-m", "derive", "check", str(path), "--json"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1
    import json
    report = json.loads(out.stdout)
    assert report["summary"]["first_wrong_line"] == 7
    assert report["summary"]["parameters"] == ["w"]
    assert report["summary"]["data"] == ["x_i", "y_i"]
    row = next(e for e in report["equations"] if e["line"] == 7)
    assert set(row) == {"line", "line_end", "latex", "verdict", "reason", "factor", "diagnosis",
                        "origin", "correct_latex", "counterexample"}
    assert row["diagnosis"] == "an extra factor w" and row["origin"] is True


def test_rows_after_a_wrong_one_carry_its_error(tmp_path):
    text = BASE.replace("ROW", r"\frac{1}{n} \sum_{i=1}^{n} (a_i - y_i) a_i (1 - a_i) x_i \\" "\n"
                        r"&= \frac{1}{n} \sum_{i=1}^{n} x_i a_i (1 - a_i) (a_i - y_i)")
    found = check(tmp_path, text)
    assert found[7].verdict == "factor" and found[7].origin
    assert found[8].verdict == "factor" and not found[8].origin
    assert found[8].diagnosis == "carries the error from line 7"


def test_approximations_are_checked_to_the_digits_shown(tmp_path):
    path = tmp_path / "a.md"
    path.write_text("$\\sqrt{1 + e} \\approx 1.928$ and $\\sqrt{1 + e} \\approx 1.92$\n"
                    "and $e^{x} \\approx 2.7$\n")
    rows = check_file(path).findings
    assert [f.verdict for f in rows] == ["correct", "wrong", "unchecked"]
    assert "right to the 3 decimals shown" in rows[0].reason


def test_the_ad_write_up_has_nothing_wrong_or_unread(tmp_path):
    # the automatic-differentiation write-up: its ≈ values are checked; general rules
    # (x_i = g_i(x_{pa(i)})), seeds and operators named in prose are unchecked, with a reason
    from derive.ad import example
    from derive.ad_render import document as ad_document
    path = tmp_path / "ad.tex"
    path.write_text(ad_document(example()))
    report = check_file(path)
    verdicts = [f.verdict for f in report.findings]
    assert "wrong" not in verdicts and "unparsed" not in verdicts and "factor" not in verdicts
    assert sum(f.reason.startswith("≈") for f in report.findings) >= 10


def test_a_limit_definition_of_the_derivative_is_checked(tmp_path):
    head = "$$C(w) = \\frac{1}{n}\\sum_{i=1}^{n} (x_i w - y_i)^2$$\n\n$$C'(w) = \\lim_{h \\to 0} "
    good = head + "\\frac{C(w + h) - C(w)}{h} = \\frac{1}{n}\\sum_{i=1}^{n} 2 (x_i w - y_i) x_i$$\n"
    assert [f.verdict for f in check(tmp_path, good, "l.md").values()] == ["correct"] * 2
    bad = head + "\\frac{C(w + h) - C(w)}{2 h}$$\n"
    assert check(tmp_path, bad, "m.md")[3].verdict == "factor"


def test_a_prose_equation_after_the_derivation_does_not_reach_back(tmp_path):
    # "setting ∂J/∂b = 0 gives $b = …$": b's value at the optimum, not what b meant before
    text = ("$$J(w, b) = \\frac{1}{n}\\sum_{i=1}^{n} (w x_i + b - y_i)^2$$\n\n"
            "$$\\frac{\\partial J}{\\partial b} = \\sum_{i=1}^{n} (w x_i + b - y_i)$$\n\n"
            "Setting it to zero gives $b = \\frac{1}{n}\\sum_{i=1}^{n} (y_i - w x_i)$.\n")
    f = check(tmp_path, text, "b.md")[3]
    assert f.verdict == "wrong" and f.diagnosis == r"a missing factor \frac{2}{n}"
    assert f.correct_latex == r"\frac{2}{n} \sum_{i=1}^{n} \left(b - y_i + w x_i\right)"


def test_a_sum_over_another_index_where_the_left_sides_belongs():
    import sympy as sp
    from derive.diagnose import repairs
    i, j = sp.symbols("i j", integer=True, positive=True)
    m, d, k = sp.symbols("m d k")
    x, r = sp.IndexedBase("x"), sp.IndexedBase("r")
    written = sp.Sum(r[i] * x[i, j], (j, 1, d), (i, 1, m)) / m
    found = [(why, fixed) for why, fixed, *_ in repairs(
        written, lhs=sp.Symbol("w_k"), previous=written, definitions={}, chain=[],
        index=i, show=str) if fixed is not None]
    assert ("sums over j where the left side's k belongs (it is free on the left)",
            sp.Sum(r[i] * x[i, k], (i, 1, m)) / m) in found


def test_a_double_sum_prints():
    import sympy as sp
    from derive.doctex import doc_latex
    i, j = sp.symbols("i j", integer=True, positive=True)
    n, d = sp.symbols("n d")
    x = sp.IndexedBase("x")
    assert doc_latex(sp.Sum(x[i, j], (j, 1, d), (i, 1, n)) / n) == \
        r"\frac{1}{n} \sum_{i=1}^{n} \sum_{j=1}^{d} x_{ij}"
