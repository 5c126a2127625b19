"""Finding the math: rows, lines, chains and macros, on the seeds and on synthetic text."""

from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from derive.errors import DeriveError
from derive.extract import Row, chains, find_math, load, macros

SEEDS = Path("/work/shared/seeds")
seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason="the seeds are not here")


def seed(prefix):
    return next(SEEDS.glob(f"{prefix}*"))


def latex(text, kind="tex"):
    return [r.latex for r in find_math(text, kind=kind)]


def sides(text, kind="tex"):
    return [[p for p, _ in c.parts] for c in chains(find_math(text, kind=kind))]


# -- grad.tex --------------------------------------------------------------------------

@seeds
def test_grad_tex_rows():
    doc = load(seed("grad.tex"))
    assert doc.kind == "tex"
    display = [r for r in doc.rows if r.env == "align"]
    assert len(display) == 52  # counted by hand: 1+1+5+3+12+2+7+13+4+4
    assert not [r for r in doc.rows if r.problem]
    # nothing from the tikzpicture nodes ($x$, $w_1$ …) is math to check
    assert not [r for r in doc.rows if 14 <= r.line <= 20 or 36 <= r.line <= 44]
    inline = [(r.line, r.latex) for r in doc.rows if r.env == "$"]
    assert inline[:2] == [(6, r"\epsilon"), (10, "n")]
    first = doc.rows[1]
    assert (first.latex, first.line, first.column, first.display) == (
        r"C'(w) = \lim_{\epsilon \to 0}\frac{C(w + \epsilon) - C(w)}{\epsilon}", 8, 1, 1)


@seeds
def test_grad_tex_chain_across_rows():
    doc = load(seed("grad.tex"))
    chain = next(c for c in chains(doc.rows) if c.parts[0][0] == r"\pd[w_1] C")
    assert [p for p, _ in chain.parts] == [
        r"\pd[w_1] C",
        r"\avgsum[i, n]\pd[w_1]\left((a_i - z_i)^2\right)",
        r"\avgsum[i, n]2(a_i - z_i)\pd[w_1]a_i",
        r"\avgsum[i, n]2(a_i - z_i)a_i(1 - a_i)x_i"]
    # three rows: 63–64 (the left side alone on 63, "&= … = \\" on 64), 65, 66
    assert [(r.line, r.line_end) for r in chain.rows] == [(63, 64), (65, 65), (66, 66)]
    assert [r.line for _, r in chain.parts] == [63, 63, 65, 66]
    assert chain.rows[1].column == 2  # the "=" after the "&"


@seeds
def test_grad_tex_row_ending_with_equals_then_new_left_side():
    doc = load(seed("grad.tex"))
    found = {c.parts[0][0]: [p for p, _ in c.parts] for c in chains(doc.rows)}
    # line 129 ends with "=\\", line 130 starts a new left side: two chains, no empty part
    assert len(found[r"\pd[w^{(l)}]C^{(l)}"]) == 2
    assert len(found[r"\pd[b^{(l)}]C^{(l)}"]) == 2
    assert all(p for parts in found.values() for p in parts)
    # "C'(w)" alone on line 28, continued by four "&= …" rows
    assert len(found["C'(w)"]) == 5


@seeds
def test_grad_tex_macros():
    found = {m.name: m for m in load(seed("grad.tex")).macros}
    assert (found["pd"].params, found["pd"].body, found["pd"].line) == (
        "[#1]", r"\partial_{#1}", 52)
    assert (found["avgsum"].params, found["avgsum"].body, found["avgsum"].line) == (
        "[#1,#2]", r"\frac{1}{#2}\sum_{#1=1}^{#2}", 53)
    assert found["d"].line == 12  # the tikz spacing \def is a macro too


# -- the Markdown seeds ----------------------------------------------------------------

@seeds
def test_000_equation_numbers_and_empty_displays():
    rows = load(seed("000")).rows
    first = rows[0]
    assert first.latex.endswith(r"{\varepsilon}") and first.tag == "1" and first.line == 5
    by_tag = {r.tag: r for r in rows if r.tag}
    assert by_tag["6"].latex == (r"= \left(\frac{1}{n} \sum_{i=1}^n (x_i \cdot w - y_i)^2 "
                                 r"\right)' =")
    # "$$(22)$$" is an equation number and no math: kept, empty, so it can be reported
    empty = by_tag["22"]
    assert (empty.latex, empty.line, empty.problem) == ("", 92, None)
    assert not any(r"\quad (" in r.latex for r in rows)
    assert by_tag["73"].latex == (r"= a_i^{(1)}(1 - a_i^{(1)}) \cdot \partial_{w^{(2)}} "
                                  r"(a_i^{(1)} \cdot w^{(2)} + b^{(2)})")


@seeds
def test_000_chains_continue_across_displays():
    doc = load(seed("000"))
    chain = next(c for c in chains(doc.rows) if c.parts[0][1].tag == "5")
    assert [r.tag for r in chain.rows] == [str(k) for k in range(5, 12)]
    assert chain.parts[0][0] == "C'(w)" and len(chain.parts) == 8
    # eq. 73 continues eq. 72: the checker compares them
    chain = next(c for c in chains(doc.rows) if c.parts[0][1].tag == "72")
    assert [r.tag for r in chain.rows] == ["72", "73"]
    # the empty "(22)" breaks the chain of eqs. 18–21
    assert not any("22" in [r.tag for r in c.rows] for c in chains(doc.rows))


@seeds
def test_002_aligned_and_side_by_side_equations():
    doc = load(seed("002"))
    rows = [r for r in doc.rows if r.line == 59]
    assert [r.env for r in rows] == ["aligned", "aligned"]
    assert rows[0].latex == r"\frac{da}{dx} = 2x \quad \frac{db}{dx} = \frac{db}{da} \frac{da}{dx}"
    assert rows[1].latex == r"= 2x \exp(x^2)"
    found = [[p for p, _ in c.parts] for c in chains(doc.rows)]
    # the second column's chain continues on the next row
    assert [r"\frac{db}{dx}", r"\frac{db}{da} \frac{da}{dx}", r"2x \exp(x^2)"] in found
    assert [["x_2", "a"], ["x_3", "b"], ["x_4", "c"]] == [
        p for p in found if p[0] in ("x_2", "x_3", "x_4")]
    # line 149 "$$= g(…)$$" continues the second equation of line 147
    assert ["y", "g(a, w_2)", "g(f(x, w_1), w_2)"] in found
    # "=" inside \substack{…} does not split
    assert any(p[0] == r"\frac{df}{dx_{i'}}" and len(p) == 2 for p in found)
    assert len([r for r in doc.rows if r.env == "$$"]) == 52  # 56 lines with $$, 4 aligned
    assert not [r for r in doc.rows if r.problem]


@seeds
def test_003_displaylines_and_a_stray_closer():
    doc = load(seed("003"))
    rows = doc.rows
    lines = [r for r in rows if r.env == "displaylines"]
    assert [r.line for r in lines if r.display == lines[0].display] == [
        33, 34, 36, 38, 40, 42, 44, 46, 48, 50]
    assert lines[0].latex == r"J(\theta) = \frac{1}{M}\sum_{i=0}^M(A_2 - y)^2"
    assert lines[-1].latex == (r"\frac{dZ_1}{dB_1} = 1")
    # line 58 "} $$" closes nothing (its opener was lost as prose): reported, not guessed
    stray = [r for r in rows if r.problem]
    assert [(r.line, r.column) for r in stray] == [(58, 3)]
    assert "line 58, column 3" in stray[0].problem
    assert [(r.line, r.column, r.latex) for r in rows if r.env == "\\("][:2] == [
        (3, 89, r"\theta"), (3, 159, r"\theta")]
    # ":=" is an assignment, not a link to check
    assert len(chains(rows)[0].parts) == 1


@seeds
def test_004_math_and_money():
    doc = load(seed("004"))
    found = [[p for p, _ in c.parts] for c in chains(doc.rows)]
    assert [r"\frac{dx}{dy}", "-1"] in found and [r"\frac{dy}{dx}", "-1"] in found
    assert [r"\frac{d}{da}", "0"] in found and ["28a - 46.32", "0"] in found
    assert ["a", "1.654"] in found
    chain = next(c for c in chains(doc.rows) if c.rows[0].line == 88)
    assert [r.line for r in chain.rows] == [88, 89]
    inline = [r for r in doc.rows if r.env == "$"]
    assert [r.line for r in inline] == [76, 79, 150, 165, 165, 180, 184, 357]


@seeds
@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004", "grad"])
def test_every_seed_loads(prefix):
    doc = load(seed(prefix))
    assert all(r.line <= r.line_end for r in doc.rows)
    assert [r.display for r in doc.rows] == sorted(r.display for r in doc.rows)


# -- synthetic: environments ---------------------------------------------------------------

@pytest.mark.parametrize("env", ["align", "align*", "equation", "equation*", "gather",
                                 "gather*", "multline", "eqnarray", "eqnarray*", "flalign"])
def test_environments(env):
    rows = find_math(f"text\n\\begin{{{env}}}\na &= b \\\\\n c &= d\n\\end{{{env}}}\n")
    assert [(r.latex, r.line, r.env) for r in rows] == [("a = b", 3, env), ("c = d", 4, env)]


def test_eqnarray_ampersands_only_align():
    assert latex(r"\begin{eqnarray} a &=& b + c \\ &=& d \end{eqnarray}") == [
        "a = b + c", "= d"]


def test_alignat_argument_is_not_math():
    assert latex(r"\begin{alignat}{2} a &= b & c &= d \end{alignat}") == [
        r"a = b \quad c = d"]


@pytest.mark.parametrize("text, env", [
    (r"$$x = 1$$", "$$"), (r"\[x = 1\]", "\\["), (r"\(x = 1\)", "\\("), (r"$x = 1$", "$")])
@pytest.mark.parametrize("kind", ["tex", "md"])
def test_delimiters(text, env, kind):
    rows = find_math("a\nsee " + text + " here", kind=kind)
    assert [(r.latex, r.env, r.line, r.column) for r in rows] == [("x = 1", env, 2, 5 + len(env))]


def test_multi_line_display_keeps_lines():
    rows = find_math("p\n$$\na = b\n  + c \\\\\n= d\n$$\n", kind="md")
    assert [(r.latex, r.line, r.line_end, r.column) for r in rows] == [
        ("a = b + c", 3, 4, 1), ("= d", 5, 5, 1)]


def test_labels_tags_numbers_and_punctuation():
    rows = find_math(r"""\begin{align}
a &= b \label{eq:a} \\
c &= d \tag{7} \\
e &= f \nonumber \\
g &= h, \quad (12)
\end{align}
$$ x = y. $$""")
    assert [(r.latex, r.tag) for r in rows] == [
        ("a = b", None), ("c = d", "7"), ("e = f", None), ("g = h", "12"), ("x = y", None)]


def test_wrappers_split_and_nested_environments_do_not():
    rows = find_math(r"\begin{equation}\begin{split} a &= b \\ &= c \end{split}\end{equation}"
                     "\n" r"$$ f = \begin{cases} 1 \\ 0 \end{cases} \\[2pt] g = 1 $$")
    assert [(r.latex, r.env) for r in rows] == [
        ("a = b", "split"), ("= c", "split"),
        (r"f = \begin{cases} 1 \\ 0 \end{cases}", "$$"), ("g = 1", "$$")]


def test_ignored_environments_comments_and_escapes():
    text = r"""costs \$5 and 50\% % $x = 1$ is a comment
\begin{verbatim} $y = 2$ \end{verbatim}
\begin{tikzpicture} \node {$z$}; \end{tikzpicture}
\begin{comment} $$w = 3$$ \end{comment}
\begin{lstlisting} \[ v = 4 \] \end{lstlisting}
\verb|$u$| and $t = 5$ % $not$
"""
    assert [(r.latex, r.line) for r in find_math(text, kind="tex")] == [("t = 5", 6)]


def test_escaped_ampersand_is_kept():
    assert latex(r"\begin{align} a &= b \text{ \& } c \end{align}") == [
        r"a = b \text{ \& } c"]


def test_markdown_code_and_money():
    text = ("It costs $5 and $10 each.\n"
            "`$x = 1$` is code\n"
            "```\n$$y = 2$$\n```\n"
            "a $ b $ is not math, $c = 3$ is, \\$d\\$ is not\n")
    assert [(r.latex, r.line) for r in find_math(text, kind="md")] == [("c = 3", 6)]


def test_markdown_align_and_displaylines():
    text = ("$$ \\displaylines{a = 1 \\\\ b = 2} $$\n\n"
            "\\begin{align}\nc &= 3\n\\end{align}\n")
    rows = find_math(text, kind="md")
    assert [(r.latex, r.env, r.line) for r in rows] == [
        ("a = 1", "displaylines", 1), ("b = 2", "displaylines", 1), ("c = 3", "align", 4)]


def test_kind_is_guessed_from_suffix_and_text(tmp_path):
    (tmp_path / "a.md").write_text("a % b $x$\n")
    (tmp_path / "b.txt").write_text("\\documentclass{article}\n% $y$\n$z$\n")
    assert load(tmp_path / "a.md").kind == "md"
    assert [r.latex for r in load(tmp_path / "a.md").rows] == ["x"]  # % is no comment in md
    doc = load(tmp_path / "b.txt")
    assert doc.kind == "tex" and [r.latex for r in doc.rows] == ["z"]


# -- synthetic: chains --------------------------------------------------------------------

def test_chains_split_only_at_top_level_equals():
    assert sides(r"$$ \sum_{i=1}^{n} x_i = \avgsum[i=1, n] y \le z := w $$") == [
        [r"\sum_{i=1}^{n} x_i", r"\avgsum[i=1, n] y \le z := w"]]
    # \approx links too, and its side keeps the mark (judged to the decimals shown)
    assert sides(r"$$ \lim_{\epsilon \to 0} f = \left( a = b \right) \approx c $$") == [
        [r"\lim_{\epsilon \to 0} f", r"\left( a = b \right)", r"\approx c"]]


def test_chains_continue_and_restart():
    text = r"""\begin{align}
A &= B = \\
  &= C \\
D &= E \quad \text{for all } i \\
  &= F \implies G = H
\end{align}"""
    assert sides(text) == [["A", "B", "C"], ["D", r"E \quad \text{for all } i", "F"],
                           ["G", "H"]]


def test_inline_math_does_not_join_chains():
    assert sides("$$a = b$$\nso $c$ and\n$$= d$$", kind="md") == [["a", "b", "d"], ["c"]]


def test_a_row_starting_with_equals_and_nothing_before():
    assert sides("$$= d = e$$", kind="md") == [["d", "e"]]


# -- malformed input ------------------------------------------------------------------------

def problems(text, kind="tex"):
    return [(r.line, r.column, r.problem) for r in find_math(text, kind=kind) if r.problem]


def test_unclosed_environment_is_reported_and_read():
    text = "x\n\\begin{align}\na &= b\n\nlater $c$\n"
    rows = find_math(text)
    assert rows[0].problem == r"\begin{align} is never closed (line 2, column 1)"
    assert rows[0].latex == ""
    assert [r.latex for r in rows[1:]] == ["a = b", "c"]


def test_unclosed_display_math():
    assert problems("a\n  $$x = 1\n\nmore", kind="md") == [
        (2, 3, "$$ is never closed (line 2, column 3)")]
    assert problems(r"\[ x = 1" "\n\nend") == [(1, 1, r"\[ is never closed by \] (line 1, column 1)")]
    assert problems("text $x = 1\n\nmore") == [(1, 6, "$ is never closed (line 1, column 6)")]


def test_unbalanced_braces_spoil_one_row():
    rows = find_math(r"\begin{align} a &= b} \\" "\n" r" d &= e \\ f &= \frac{1{2} \end{align}")
    assert [(r.latex, bool(r.problem)) for r in rows] == [("", True), ("d = e", False), ("", True)]
    assert rows[0].problem == "unbalanced braces: } at line 1, column 21 closes nothing"
    assert rows[2].problem == "unbalanced braces: { at line 2, column 22 is never closed"


def test_unknown_environment_and_stray_end():
    assert problems(r"\begin{eqn} x = \frac{1}{2} \end{eqn}") == [
        (1, 1, "unknown environment {eqn} holds math that is not read (line 1, column 1)")]
    assert problems(r"\begin{center} x = \frac{1}{2} \end{center}") == []
    assert problems("a\n \\end{align}") == [(2, 2, r"\end{align} without \begin (line 2, column 2)")]


def test_unknown_environment_without_commands_and_prose_environments():
    # bare "x = 1" in an unknown environment is math too; two words in a row are prose
    assert problems("text\n\\begin{foo} x = 1 \\end{foo}") == [
        (2, 1, "unknown environment {foo} holds math that is not read (line 2, column 1)")]
    assert problems(r"\begin{hint} Set the rate = 0.1 \end{hint}") == []


def test_unknown_environment_inside_math_spoils_its_row():
    rows = find_math("\\begin{align}\na &= b \\\\\n\\begin{foo} x = 1 \\end{foo} \\\\\n"
                     "c &= \\begin{cases} 1 \\end{cases}\n\\end{align}")
    assert [(r.latex, r.problem) for r in rows] == [
        ("a = b", None), ("", "unknown environment {foo} inside math (line 3, column 1)"),
        (r"c = \begin{cases} 1 \end{cases}", None)]
    assert problems(r"so $\begin{foo} x \end{foo}$") == [
        (1, 5, "unknown environment {foo} inside math (line 1, column 5)")]


def test_escaped_closers_do_not_close():
    # \\] is a line break and a bracket, \$$ a dollar and a $: neither closes
    assert latex(r"\[ a \\] b \]") == ["a", "] b"]
    assert latex(r"$$ a \$$ b $$") == [r"a \$$ b"]


def test_nested_display_ends_an_unclosed_environment():
    rows = find_math("\\begin{equation} a = b\n\\begin{align} c &= d \\end{align}")
    assert [(r.latex, r.env, r.problem is not None) for r in rows] == [
        ("", "equation", True), ("a = b", "equation", False), ("c = d", "align", False)]


@given(st.lists(st.sampled_from(list("$\\{}[]()&=%`~ \n\tab1_^") + [
    "\\begin{align}", "\\end{align}", "\\displaylines{", "\\\\", "$$", "\\[", "\\]",
    "\\(", "\\)", "```", "\\quad (3)", "\\tag{", "\\begin{aligned}", "\\end{aligned}",
    "\\begin{verbatim}", "\\left(", "\\right", "\\def\\x[#1]{", "\\newcommand{"]),
    max_size=60).map("".join), st.sampled_from(["tex", "md"]))
def test_random_text_never_raises(text, kind):
    lines = text.count("\n") + 1
    rows = find_math(text, kind=kind)
    for r in rows:
        assert isinstance(r, Row) and 1 <= r.line <= r.line_end <= lines and r.column >= 1
        assert not (r.problem and r.latex)
    for c in chains(rows):
        assert all(p for p, _ in c.parts)
    macros(text, kind=kind)


# -- macros and files ----------------------------------------------------------------------

def test_macros():
    text = r"""\def\pd[#1]{\partial_{#1}}
% \def\gone{1}
\newcommand{\R}{\mathbb{R}}
\renewcommand\norm[1]{\left\| #1 \right\|}
\newcommand{\x}[2][1]{#1^{#2}}
\def\broken{unclosed
"""
    assert [(m.name, m.params, m.body, m.line, m.default) for m in macros(text)] == [
        ("pd", "[#1]", r"\partial_{#1}", 1, None),
        ("R", "", r"\mathbb{R}", 3, None),
        ("norm", "#1", r"\left\| #1 \right\|", 4, None),
        ("x", "#1#2", "#1^{#2}", 5, "1")]


def test_load_errors(tmp_path):
    with pytest.raises(DeriveError, match="not found"):
        load(tmp_path / "missing.tex")
    (tmp_path / "bin.tex").write_bytes(b"\0\1")
    with pytest.raises(DeriveError, match="binary"):
        load(tmp_path / "bin.tex")


@pytest.mark.parametrize("text", [
    "$a " * 20000, "\\[ a " * 20000, "\\def\\a{" * 5000, "$$a" + " ." * 20000 + "x$$",
    "$$a" + "\\quad " * 20000 + "(1)x$$", "$$" + "\\displaylines{a \\\\ " * 3000,
    "\\begin{foo}" * 3000 + "x = \\a", "x $$\n" * 20000,
    # each of these took minutes on one line of a megabyte
    "\\begin{align}" * 40000, "\\begin{foo}x^2=1 " * 40000, "\\def\\a " * 40000,
    "\\begin{align}x=1" + "\\," * 400000 + "\\end{align}",
    "\\begin{align}" + "{\\\\" * 20000 + "\\end{align}", "\\begin{align}" + "\\\\[" * 40000 + "\\end{align}"])
def test_pathological_input_is_linear(text):
    import time
    start = time.perf_counter()
    for kind in ("tex", "md"):
        chains(find_math(text, kind=kind))
        macros(text, kind=kind)
    assert time.perf_counter() - start < 5  # each took minutes before it was made linear
