"""The automatic differentiation walkthrough: graph, traces, counts, agreement, output."""

import json
import shutil

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from derive import ad
from derive.ad import EXAMPLE, OPS, Op, document, example, flops, walkthrough
from derive.errors import DeriveError, LatexParseError, VerificationError
from derive.functions import sigmoid, softplus
from derive.parse import parse_math
from derive.writeup import build_pdf

x = sp.Symbol("x")
E = sp.E
X = [None] + [sp.Symbol(f"x_{i}") for i in range(1, 10)]


def same(a, b):
    """Exact equality of two SymPy numbers or expressions."""
    return sp.simplify(sp.sympify(a) - sp.sympify(b)) == 0


@pytest.fixture(scope="module")
def seed():
    return example()


# -- 002's example: f(x) = sqrt(x^2 + e^{x^2}) ------------------------------------

def test_seed_graph_is_the_notes_four_operations(seed):
    # a = x^2, b = exp(a), c = a + b, d = sqrt(c): x^2 occurs twice in f and is one node
    assert [(n.index, n.op, n.parents) for n in seed.nodes] == [
        (1, "input", ()), (2, "square", (1,)), (3, "exp", (2,)), (4, "add", (2, 3)),
        (5, "sqrt", (4,))]
    assert [n.g for n in seed.nodes[1:]] == [X[1] ** 2, sp.exp(X[2]), X[2] + X[3],
                                              sp.sqrt(X[4])]
    assert seed.nodes[-1].expr == sp.sqrt(x**2 + sp.exp(x**2))


def test_seed_forward_trace_at_1(seed):
    # by hand: a = 1, b = e, c = 1 + e, d = sqrt(1 + e); tangents with dx = 1:
    # da = 2x = 2, db = e^a da = 2e, dc = da + db = 2 + 2e, dd = dc/(2d) = sqrt(1 + e)
    values = [1, 1, E, 1 + E, sp.sqrt(1 + E)]
    tangents = [1, 2, 2 * E, 2 + 2 * E, sp.sqrt(1 + E)]
    assert all(same(a, b) for a, b in zip(seed.values, values))
    assert all(same(r.value, t) for r, t in zip(seed.forward, tangents))
    assert [r.formula for r in seed.forward[1:]] == [
        2 * X[1] * sp.Symbol("ẋ_1"), X[3] * sp.Symbol("ẋ_2"),
        sp.Symbol("ẋ_2") + sp.Symbol("ẋ_3"), sp.Symbol("ẋ_4") / (2 * X[5])]


def test_seed_reverse_trace_at_1(seed):
    # by hand, from the output back: d̄ = 1, c̄ = 1/(2 sqrt(1 + e)), b̄ = c̄ (dc/db = 1),
    # ā = c̄ + b̄ e^a = (1 + e)/(2 sqrt(1 + e)), x̄ = 2x ā = sqrt(1 + e)
    assert [r.index for r in seed.reverse] == [5, 4, 3, 2, 1]
    half = 1 / (2 * sp.sqrt(1 + E))
    adjoints = [1, half, half, (1 + E) * half, sp.sqrt(1 + E)]
    assert all(same(r.value, v) for r, v in zip(seed.reverse, adjoints))


def test_seed_traces_at_another_point():
    w = walkthrough(EXAMPLE, "x", 2)
    # a = 4, b = e^4, c = 4 + e^4, d = sqrt(4 + e^4); df/dx = 2(1 + e^4)/sqrt(4 + e^4)
    e4 = sp.exp(4)
    assert all(same(a, b) for a, b in zip(w.values, [2, 4, e4, 4 + e4, sp.sqrt(4 + e4)]))
    assert all(same(r.value, t) for r, t in zip(w.forward, [1, 4, 4 * e4, 4 + 4 * e4,
                                                             2 * (1 + e4) / sp.sqrt(4 + e4)]))
    half = 1 / (2 * sp.sqrt(4 + e4))
    assert all(same(r.value, v) for r, v in zip(w.reverse, [1, half, half, (1 + e4) * half,
                                                             2 * (1 + e4) / sp.sqrt(4 + e4)]))
    assert w.derivative.agreement == "exact"


def test_seed_counts(seed):
    c = seed.counts
    # f: x*x, exp, +, sqrt. Tangents: 2x*dx (2), b*da (1), da + db (1), dc/(2d) (2).
    # Adjoints: d̄/(2d) (2), b̄ = c̄ (0), c̄ + b̄ b (2), ā 2x (2).
    assert (c.function, c.tangents, c.adjoints, c.forward, c.reverse) == (4, 6, 6, 10, 10)
    # sympy.diff's (x e^{x^2} + x)/sqrt(x^2 + e^{x^2}): 10 as a tree, like the notes'
    # "10 Flops"; with a = x_2, b = x_3, d = x_5 from f it is (x_1 x_3 + x_1)/x_5: 3
    assert (c.symbolic, c.count_ops, c.reuse) == (10, 11, 3)


@pytest.mark.parametrize("expr, count, seed_says", [
    # the notes' count for f, "5 Flop": x*x 1, exp(x*x) 2 (x*x again), + 1, sqrt 1.
    # That is the tree; the graph shares x^2 and needs 4 (test_seed_counts).
    ("sqrt(x**2 + exp(x**2))", 5, "5 Flop"),
    ("exp(x**2)", 2, "exp(x^2) = exp(x x) = 2 Flop"),
    ("x*(1 + exp(x**2))/sqrt(x**2 + exp(x**2))", 10, "10 Flops"),
    # with a, b computed in f: numerator 2, denominator 2, division 1, as the notes say;
    # with d = f(x) as well (their last line) it is 3
    ("x*(1 + b)/sqrt(a + b)", 5, "5 Flops"),
    ("x*(1 + b)/d", 3, None),
])
def test_flops_reproduce_the_notes_counts(expr, count, seed_says):
    a, b, d = sp.symbols("a b d")
    tree = sp.sympify(expr, locals={"a": a, "b": b, "d": d, "x": x})  # test input, not user input
    assert flops(tree) == count, seed_says


@pytest.mark.parametrize("expr, count", [
    (X[1] + X[2], 1), (X[1] - X[2], 1), (-X[1] - X[2], 2), (-X[1], 1), (2 * X[1], 1),
    (X[1] / 2, 1), (1 / X[1], 1), (-1 / X[1], 1), (2 / X[1], 1), (X[1] ** 2, 1),
    (X[1] ** 3, 1), (sp.sqrt(X[1]), 1), (1 / sp.sqrt(X[1]), 2), (X[1] / (2 * X[2]), 2),
    (X[1] * X[2] * X[3], 2), (sigmoid(X[1]) * (1 - sigmoid(X[1])), 4), (sp.Integer(3), 0),
    (sp.sqrt(2) * X[1], 1), (X[1] + 1, 1)])
def test_flop_convention(expr, count):
    assert flops(expr) == count


def test_seed_derivative_and_its_claimed_closed_forms(seed):
    d = seed.derivative
    assert same(d.expr, sp.diff(sp.sqrt(x**2 + sp.exp(x**2)), x))
    assert same(d.value, sp.sqrt(1 + E)) and d.agreement == "exact"
    assert same(d.forward, d.value) and same(d.reverse, d.value)
    a, b = (seed.nodes[k].expr for k in (1, 2))  # the notes' a = x^2, b = e^a
    names = {sp.Symbol("a"): a, sp.Symbol("b"): b, sp.Function("f")(x): seed.function}
    # 002 writes df/dx three ways; all three are right
    for claim in (r"\frac{x(1 + \exp(x^2))}{\sqrt{x^2 + \exp(x^2)}}",
                  r"\frac{x(1+b)}{\sqrt{a+b}}", r"\frac{x(1+b)}{f(x)}"):
        assert same(parse_math(claim).xreplace(names), d.expr), claim
    # and once wrongly: its final line of reverse mode, df/dx = x(1 + x)/x
    assert not same(parse_math(r"\frac{x(1+x)}{x}"), d.expr)


# -- other expressions -------------------------------------------------------------

def test_sigmoid_derivative_shares_sigma():
    w = walkthrough(r"\sigma(x)\,(1 - \sigma(x))", "x", 0)
    # σ(x) appears twice and is computed once; 1 - σ is one operation
    assert [(n.op, n.parents) for n in w.nodes[1:]] == [
        ("sigmoid", (1,)), ("csub", (2,)), ("mul", (2, 3))]
    # at 0: σ = 1/2, f = 1/4, f' = σ'(1 - σ) - σσ' = σ'(1 - 2σ) = 0
    assert [w.values[k] for k in (1, 2, 3)] == [sp.Rational(1, 2), sp.Rational(1, 2),
                                                sp.Rational(1, 4)]
    assert w.derivative.value == 0 and w.forward[-1].value == 0 and w.reverse[-1].value == 0


def test_x_exp_plus_exp_shares_the_exponential():
    w = walkthrough(r"x e^{x} + e^{x}", "x", 1)
    assert [(n.op, n.parents) for n in w.nodes[1:]] == [("exp", (1,)), ("mul", (1, 2)),
                                                        ("add", (2, 3))]
    # x̄_2 collects from both uses of e^x: x̄_4 ∂x_4/∂x_2 + x̄_3 ∂x_3/∂x_2 = 1 + x
    assert same(dict((r.index, r.value) for r in w.reverse)[2], 2)
    assert same(w.derivative.value, 3 * E)  # (x + 2) e^x at 1


def test_logistic_function_graph():
    w = walkthrough(r"\frac{1}{1 + e^{-x}}", "x", 0)
    assert [(n.op, n.const) for n in w.nodes[1:]] == [
        ("neg", None), ("exp", None), ("addc", 1), ("cdiv", 1)]
    assert w.derivative.value == sp.Rational(1, 4)


EXPRESSIONS = [r"\sqrt{x^2 + e^{x^2}}", r"\sigma(x)\,(1 - \sigma(x))", r"x e^{x} + e^{x}",
               r"\frac{x}{1 + x^2}", r"x^x", r"2^{x}", r"\log(1 + x^2)", r"\tanh(x)^2",
               r"\sin(x)\cos(x) - x", r"\operatorname{softplus}(3x - 1)", r"(x+1)(x-1)(x+2)",
               r"\frac{1}{\sqrt{x}}", r"\pi x + \sqrt{2}", r"1 - x - x^3", r"|x| + x",
               r"\operatorname{ReLU}(x) x"]


@pytest.mark.parametrize("tex", EXPRESSIONS)
@pytest.mark.parametrize("at", [1, "0.5", r"\frac{7}{3}"])
def test_both_modes_agree_with_sympy_diff(tex, at):
    w = walkthrough(tex, "x", at)
    exact = sp.diff(parse_math(tex).subs(x, sp.Symbol("x", real=True)),
                    sp.Symbol("x", real=True)).subs(sp.Symbol("x", real=True), w.at)
    assert abs(float(w.forward[-1].value - exact)) < 1e-12 * max(1, abs(float(exact)))
    assert abs(float(w.reverse[-1].value - exact)) < 1e-12 * max(1, abs(float(exact)))
    # graph invariants: evaluation order, one node per distinct subexpression
    assert all(p < n.index for n in w.nodes for p in n.parents)
    assert len({n.expr for n in w.nodes}) == len(w.nodes)
    assert w.counts.function == len(w.nodes) - 1


UNARY = [sp.exp, sp.sin, sp.cos, sp.tanh, sigmoid, softplus, lambda u: u**2,
         lambda u: -u, lambda u: u + 1, lambda u: 3 * u, lambda u: u / 2]
BINARY = [lambda u, v: u + v, lambda u, v: u - v, lambda u, v: u * v]
exprs = st.recursive(
    st.just(x),
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(UNARY), inner).map(lambda t: t[0](t[1])),
        st.tuples(st.sampled_from(BINARY), inner, inner).map(lambda t: t[0](t[1], t[2]))),
    max_leaves=5)


@given(exprs.filter(lambda e: e.has(x)), st.fractions(-2, 2, max_denominator=8))
def test_random_compositions_agree_with_sympy_diff(expr, at):
    w = walkthrough(expr, "x", at)
    exact = float(sp.diff(expr, x).subs(x, w.at).evalf(30))
    for mode in (w.forward, w.reverse):
        assert abs(float(mode[-1].value.evalf(30)) - exact) <= 1e-9 * max(1, abs(exact))


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_rule_matches_sympy_diff(name):
    # each local rule on its own, against the oracle (the table's check_grads)
    op, (a, b), k = OPS[name], sp.symbols("a b", positive=True), sp.Rational(2, 3)
    parents = (a, b)[:op.arity]
    g = op.g(*parents, k)
    partials = op.partials(*parents, g, k)
    assert len(partials) == op.arity
    for p, parent in zip(partials, parents):
        assert sp.simplify(sp.sympify(p) - sp.diff(g, parent)) == 0, (name, parent)


def test_a_wrong_rule_is_caught(monkeypatch):
    # the gate must be able to fail: break exp's rule (2 e^a instead of e^a)
    monkeypatch.setitem(OPS, "exp", Op("exp", 1, OPS["exp"].g, lambda a, v, k: (2 * v,)))
    with pytest.raises(VerificationError, match="a rule in OPS is wrong"):
        walkthrough(EXAMPLE, "x", 1)


# -- output ------------------------------------------------------------------------

GOLDEN = """\
Automatic differentiation of f(x) = sqrt(x^2 + exp(x^2)) at x = 1

Computational graph: x_i = g_i(x_pa(i))
  i  x_i = g_i        pa(i)  operation  flops
  1  x_1 = x          -      input          0
  2  x_2 = x_1^2      1      square         1
  3  x_3 = exp(x_2)   2      exp            1
  4  x_4 = x_2 + x_3  2, 3   add            1
  5  x_5 = sqrt(x_4)  4      sqrt           1

Forward mode: tangents ẋ_i = Σ_j ∂g_i/∂x_j ẋ_j, seeded with ẋ_1 = 1
  i  v_i                        tangent            ẋ_i                        flops
  1  1                          seed               1                              0
  2  1                          ẋ_2 = 2*x_1*ẋ_1    2                              2
  3  e ≈ 2.718281828            ẋ_3 = x_3*ẋ_2      2*e ≈ 5.436563657              1
  4  1 + e ≈ 3.718281828        ẋ_4 = ẋ_2 + ẋ_3    2 + 2*e ≈ 7.436563657          1
  5  sqrt(1 + e) ≈ 1.928284686  ẋ_5 = ẋ_4/(2*x_5)  sqrt(1 + e) ≈ 1.928284686      2

Reverse mode: adjoints x̄_j = Σ_(i: j ∈ pa(i)) x̄_i ∂g_i/∂x_j, seeded with x̄_5 = 1
  j  adjoint              x̄_j                               flops
  5  seed                 1                                     0
  4  x̄_4 = x̄_5/(2*x_5)    1/(2*sqrt(1 + e)) ≈ 0.2592978121      2
  3  x̄_3 = x̄_4            1/(2*sqrt(1 + e)) ≈ 0.2592978121      0
  2  x̄_2 = x_3*x̄_3 + x̄_4  sqrt(1 + e)/2 ≈ 0.9641423428          2
  1  x̄_1 = 2*x_1*x̄_2      sqrt(1 + e) ≈ 1.928284686             2

Operation counts (flops: one per arithmetic operation or elementary function)
                                                    flops
  f on the graph                                        4
  forward mode: f + tangents                   10 = 4 + 6
  reverse mode: f + adjoints                   10 = 4 + 6
  sympy.diff, as a tree                                10
  sympy.diff, sympy.count_ops                          11
  sympy.diff reusing the nodes of f  3 (after the 4 of f)

Derivative (sympy.diff)
  df/dx             x*(exp(x^2) + 1)/sqrt(x^2 + exp(x^2))
  at x = 1          sqrt(1 + e) ≈ 1.928284686
  forward mode ẋ_5  sqrt(1 + e) ≈ 1.928284686
  reverse mode x̄_1  sqrt(1 + e) ≈ 1.928284686
  agreement         exact
"""


def test_text_golden(seed):
    assert seed.text() == GOLDEN


def test_json(seed):
    data = json.loads(json.dumps(seed.to_dict()))
    assert [n["op"] for n in data["nodes"]] == ["input", "square", "exp", "add", "sqrt"]
    assert data["nodes"][3]["parents"] == [2, 3] and data["nodes"][3]["latex"] == "x_2 + x_3"
    assert data["counts"] == {"function": 4, "forward": 10, "reverse": 10, "symbolic": 10,
                              "symbolic_count_ops": 11, "symbolic_reusing_nodes": 3}
    assert data["derivative"]["value"] == "sqrt(1 + e)"
    assert data["derivative"]["float"] == pytest.approx(1.928284686, rel=1e-9)
    assert [r["index"] for r in data["reverse"]] == [5, 4, 3, 2, 1]


def test_latex_blocks(seed):
    tex = seed.latex()
    assert tex.count(r"\begin{tabular}") == 5
    assert r"$x_{5} = \sqrt{x_{4}}$" in tex or r"$x_5 = \sqrt{x_4}$" in tex
    assert r"\dot{x}_5 = \frac{1}{2 x_5} \dot{x}_4" in tex
    # the diagram: one node per x_i, arrows from parents, x_2 -> x_4 bent past x_3
    for i in range(1, 6):
        assert f"(n{i}) at" in tex
    for edge in (r"(n1) to (n2)", r"(n2) to (n3)", r"(n2) to [bend left=35] (n4)",
                 r"(n3) to (n4)", r"(n4) to (n5)"):
        assert rf"\draw[->] {edge};" in tex


def test_document_title(seed):
    doc = document(seed)
    assert r"\title{Automatic differentiation of $f(x) = \sqrt{x^2 + e^{x^2}}$}" in doc
    assert doc.startswith(r"\documentclass{article}") and doc.endswith("\\end{document}\n")


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
@pytest.mark.parametrize("tex", [EXAMPLE, r"\sigma(x)\,(1 - \sigma(x))",
                                 r"\frac{x}{1 + x^2} + \operatorname{softplus}(2x)"])
def test_document_compiles(tmp_path, tex):
    path = tmp_path / "ad.tex"
    path.write_text(document(walkthrough(tex, "x", 1)))
    assert build_pdf(path, engine="pdflatex").stat().st_size > 1000


# -- bad input ---------------------------------------------------------------------

def test_malformed_latex_names_the_column():
    with pytest.raises(LatexParseError) as info:
        walkthrough(r"\sqrt{x^2 + e^{x^2}", "x", 1)
    assert info.value.where == "1:6"


@pytest.mark.parametrize("tex, var, at, message", [
    (r"x y + 1", "x", 1, "other free symbols: y"),
    (r"w x + b", "x", 1, "other free symbols: b, w"),
    (r"5 + e", "x", 1, "does not depend on x"),
    (r"y^2", "x", 1, "other free symbols: y"),
    (r"f(x)", "x", 1, "f is an undefined function"),
    (r"x^2", "x + y", 1, "one name"),
    (r"x^2", "x", "y", "finite real number"),
    (r"x^2", "x", float("nan"), "finite real number"),
    (r"x^2", "x", r"\sqrt{-1}", "finite real number"),
    # undefined at the point: the message names the node
    (r"\sqrt{x - 2}", "x", 1, "node x_3 = sqrt(x_2) with x_2 = -1 is not a real number"),
    (r"\log(x)", "x", 0, "node x_2 = log(x_1) with x_1 = 0 is infinite"),
    (r"\frac{1}{x - 1}", "x", 1, "node x_3 = 1/x_2 with x_2 = 0 is infinite"),
    (r"\sqrt{x^2 + e^{x^2}}", "x", r"\sqrt{-1}", "finite real number"),
    # defined but not differentiable: sqrt at 0
    (r"\sqrt{x}", "x", 0, "not differentiable at x = 0: at node x_2 = sqrt(x_1)"),
    (r"\frac{x}{\tanh(2 - 2)}", "x", 1, "undefined everywhere"),
    # both modes give 0, but sympy.diff writes π x^π/x, which has no value at 0
    (r"x^{\pi}", "x", 0, "cannot be checked there"),
])
def test_bad_input(tex, var, at, message):
    with pytest.raises(DeriveError, match=None) as info:
        walkthrough(tex, var, at)
    assert message in str(info.value)


def test_the_variable_is_real():
    # |e^x| is e^x for real x (SymPy alone keeps e^{re(x)}, which is no elementary operation)
    w = walkthrough(r"|e^{x}| + \sqrt{x^2}", "x", -1)
    assert w.function == sp.exp(x) + sp.Abs(x)
    assert same(w.derivative.value, sp.exp(-1) - 1)


def test_variable_by_name(seed):
    w = walkthrough(r"\sqrt{\theta^2 + e^{\theta^2}}", r"\theta", 1)
    assert w.var == sp.Symbol("theta") and same(w.derivative.value, seed.derivative.value)


def test_huge_graph_is_refused():
    expr = sp.Add(*[sp.exp(k * x) for k in range(1, 120)])
    with pytest.raises(DeriveError, match="more than 200 nodes"):
        walkthrough(expr, "x", 0)


def test_every_function_parse_reads_has_a_rule():
    # a function parse.py can produce and ad cannot walk would be a DeriveError for users
    for func in (sp.exp, sp.log, sp.sin, sp.cos, sp.tan, sp.sinh, sp.cosh, sp.tanh, sp.Abs,
                 sigmoid, softplus, ad.relu):
        assert ad.FUNCTION_OPS[func] in OPS


def test_cli_ad_and_the_ad_example_write_up(tmp_path):
    import subprocess
    import sys
    run = lambda *a: subprocess.run([sys.executable, "-m", "derive", *a],  # noqa: E731
                                    capture_output=True, text=True, timeout=300, cwd=tmp_path)
    out = run("ad")
    assert out.returncode == 0, out.stderr
    assert "  5  x_5 = sqrt(x_4)  4      sqrt           1" in out.stdout
    bad = run("ad", r"\sqrt{x^2 + ")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "never closed" in bad.stderr
    doc = run("writeup", "ad-example", "-o", "ad.tex")
    assert doc.returncode == 0, doc.stderr
    assert (tmp_path / "ad.tex").read_text().startswith("\\documentclass")
