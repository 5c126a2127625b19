"""Automatic differentiation, step by step, as lecture notes teach it.

For f(x) = √(x² + e^{x²}) (the example of ``002_…``), :func:`walkthrough`

1. decomposes SymPy's tree into a computational graph of elementary
   operations x_i = g_i(x_{pa(i)}) in evaluation order, each shared
   subexpression computed once (x² is one node: a = x², b = e^a, c = a + b, d = √c);
2. runs forward mode: values v_i and tangents ẋ_i = Σ_j ∂g_i/∂x_j ẋ_j, ẋ_1 = 1;
3. runs reverse mode: adjoints x̄_j = Σ_{i: j∈pa(i)} x̄_i ∂g_i/∂x_j, x̄_D = 1;
4. counts flops (:func:`flops`) of f, of both modes and of ``sympy.diff``;
5. checks both modes against ``sympy.diff`` at the point, exactly where it
   can; a disagreement raises :class:`VerificationError` (it is a bug).

Flops are counted as the notes count them (x·x 1, exp 1, ⊕ 1, SQRT 1): one per
arithmetic operation or elementary function; numbers are folded constants; a
sign that turns + into − is free. The notes' "5 Flop" for f counts x·x twice
(exp(x·x) = "2 Flop"): that is the tree. On the graph x² is shared and f costs 4.

The local derivative rules are one table, :data:`OPS`, apart from the code
that walks the graph; they never call ``sympy.diff``, the independent oracle.
"""

from __future__ import annotations

import cmath
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import sympy as sp
from sympy.printing.str import StrPrinter

from .errors import DeriveError, VerificationError
from .functions import relu, sigmoid, softplus, step
from .latex import latex as notes_latex
from .notation import Glyph
from .parse import parse_math

#: the seed's example, ``002_…``
EXAMPLE = r"\sqrt{x^2 + e^{x^2}}"
#: larger graphs are refused: a walkthrough is for reading
MAX_NODES = 200
#: exact values with more SymPy operations than this are kept to 50 digits
MAX_EXACT_OPS = 40

# -- the rule table: g(*parents, k) and ∂g/∂parent(*parents, v, k) --------------


@dataclass(frozen=True)
class Op:
    """An elementary operation. ``partials`` may use the node's own value v,
    as the notes do (∂√c/∂c = 1/(2d)), and the folded constant k."""

    name: str
    arity: int
    g: Callable
    partials: Callable


OPS: dict[str, Op] = {}


def defop(name: str, arity: int, g: Callable, partials: Callable) -> None:
    """Register an elementary operation: one line per rule, as autograd's defvjp.

    Args:
        name: the operation's name, shown in the graph table.
        arity: how many parent nodes it takes.
        g: ``g(*parents, k)``, the operation on SymPy symbols and a constant k.
        partials: ``partials(*parents, v, k)``, one ∂g/∂parent per parent.
    """
    OPS[name] = Op(name, arity, g, partials)


# arithmetic, with constants k folded in
defop("add", 2, lambda a, b, k: a + b, lambda a, b, v, k: (1, 1))
defop("sub", 2, lambda a, b, k: a - b, lambda a, b, v, k: (1, -1))
defop("mul", 2, lambda a, b, k: a * b, lambda a, b, v, k: (b, a))
defop("div", 2, lambda a, b, k: a / b, lambda a, b, v, k: (1 / b, -v / b))
defop("addc", 1, lambda a, k: a + k, lambda a, v, k: (1,))
defop("csub", 1, lambda a, k: k - a, lambda a, v, k: (-1,))
defop("scale", 1, lambda a, k: k * a, lambda a, v, k: (k,))
defop("neg", 1, lambda a, k: -a, lambda a, v, k: (-1,))
defop("cdiv", 1, lambda a, k: k / a, lambda a, v, k: (-v / a,))
# powers
defop("square", 1, lambda a, k: a**2, lambda a, v, k: (2 * a,))
defop("sqrt", 1, lambda a, k: sp.sqrt(a), lambda a, v, k: (1 / (2 * v),))
defop("pow", 1, lambda a, k: a**k, lambda a, v, k: (k * a ** (k - 1),))
defop("cpow", 1, lambda a, k: k**a, lambda a, v, k: (v * sp.log(k),))
defop("powv", 2, lambda a, b, k: a**b, lambda a, b, v, k: (b * a ** (b - 1), v * sp.log(a)))
# elementary functions
defop("exp", 1, lambda a, k: sp.exp(a), lambda a, v, k: (v,))
defop("log", 1, lambda a, k: sp.log(a), lambda a, v, k: (1 / a,))
defop("sin", 1, lambda a, k: sp.sin(a), lambda a, v, k: (sp.cos(a),))
defop("cos", 1, lambda a, k: sp.cos(a), lambda a, v, k: (-sp.sin(a),))
defop("tan", 1, lambda a, k: sp.tan(a), lambda a, v, k: (1 + v**2,))
defop("sinh", 1, lambda a, k: sp.sinh(a), lambda a, v, k: (sp.cosh(a),))
defop("cosh", 1, lambda a, k: sp.cosh(a), lambda a, v, k: (sp.sinh(a),))
defop("tanh", 1, lambda a, k: sp.tanh(a), lambda a, v, k: (1 - v**2,))
defop("abs", 1, lambda a, k: sp.Abs(a), lambda a, v, k: (sp.sign(a),))
defop("sigmoid", 1, lambda a, k: sigmoid(a), lambda a, v, k: (v * (1 - v),))
defop("softplus", 1, lambda a, k: softplus(a), lambda a, v, k: (sigmoid(a),))
defop("relu", 1, lambda a, k: relu(a), lambda a, v, k: (step(a),))

#: SymPy function class → operation
FUNCTION_OPS = {sp.exp: "exp", sp.log: "log", sp.sin: "sin", sp.cos: "cos", sp.tan: "tan",
                sp.sinh: "sinh", sp.cosh: "cosh", sp.tanh: "tanh", sp.Abs: "abs",
                sigmoid: "sigmoid", softplus: "softplus", relu: "relu"}


def flops(expr: sp.Expr) -> int:
    """Operations to evaluate ``expr`` as written, nothing shared.

    One per +, −, ×, ÷, power (x² is x·x) and elementary function; numbers are
    folded constants; a minus sign is free in a sum (a subtraction) and on a
    constant numerator (−1/x is one division).

    Args:
        expr: any SymPy expression.

    Returns:
        The count.
    """
    if expr.is_number or expr.is_Symbol:
        return 0
    if expr.is_Add:
        terms = [-t if t.could_extract_minus_sign() else t for t in expr.args]
        leading_minus = all(t.could_extract_minus_sign() for t in expr.args)
        return len(terms) - 1 + sum(map(flops, terms)) + leading_minus
    if expr.is_Mul:
        const = sp.Mul(*[f for f in expr.args if f.is_number])
        num, den = [], []
        for f in (f for f in expr.args if not f.is_number):
            is_den = f.is_Pow and f.exp.is_number and f.exp.is_negative
            (den if is_den else num).append(f.base ** -f.exp if is_den else f)
        return (sum(map(flops, num + den)) + max(len(num) - 1, 0) + max(len(den) - 1, 0)
                + bool(den)                         # one division
                + (const != 1 and bool(num)))       # × a constant, or a lone sign
    if expr.is_Pow and expr.exp.is_number and expr.exp.is_negative:
        return flops(expr.base ** -expr.exp) + 1
    return 1 + sum(map(flops, expr.args))  # a power or a function


# -- the graph -------------------------------------------------------------------

def _sym(i, kind="x"):
    """x_i, ẋ_i or x̄_i: one symbol per node and trace."""
    return sp.Symbol({"x": "x", "dot": "ẋ", "bar": "x\u0304"}[kind] + f"_{i}")


@dataclass(frozen=True)
class Node:
    """x_i = g_i(x_{pa(i)}): ``g`` in the parents' symbols, ``expr`` in the variable."""

    index: int
    op: str
    parents: tuple[int, ...]
    const: sp.Expr | None
    g: sp.Expr
    expr: sp.Expr


class _Graph:
    """Nodes in evaluation order; ``memo`` maps each subexpression to its node."""

    def __init__(self, var):
        self.var, self.memo = var, {var: 1}
        self.nodes = [Node(1, "input", (), None, var, var)]

    def node(self, expr) -> int:
        if expr not in self.memo:
            self.memo[expr] = self._build(expr)
        return self.memo[expr]

    def emit(self, op, parents, const=None) -> int:
        expr = OPS[op].g(*[self.nodes[p - 1].expr for p in parents], const)
        if expr in self.memo:  # (a + b) + c meets a + b elsewhere: computed once
            return self.memo[expr]
        if len(self.nodes) >= MAX_NODES:
            raise DeriveError(f"the graph has more than {MAX_NODES} nodes; "
                              "a walkthrough is for expressions a person reads")
        i = len(self.nodes) + 1
        g = OPS[op].g(*[_sym(p) for p in parents], const)
        self.nodes.append(Node(i, op, tuple(parents), const, g, expr))
        self.memo[expr] = i
        return i

    def chain(self, op, items):
        """a + b + c as (a + b) + c: binary operations, as the notes count them."""
        acc = items[0]
        for item in items[1:]:
            acc = self.emit(op, [acc, item])
        return acc

    def _build(self, e) -> int:
        v = self.var
        if e.is_Add:
            const = sp.Add(*[t for t in e.args if not t.has(v)])
            terms = [t for t in e.args if t.has(v)]
            pos = sorted(self.node(t) for t in terms if not t.could_extract_minus_sign())
            neg = sorted(self.node(-t) for t in terms if t.could_extract_minus_sign())
            if pos:
                acc = self.chain("add", pos)
            elif const != 0:  # 1 - σ: one operation, as the notes write it
                acc, const = self.emit("csub", [neg.pop(0)], const), 0
            else:
                acc = self.emit("neg", [neg.pop(0)])
            for n in neg:
                acc = self.emit("sub", [acc, n])
            return self.emit("addc", [acc], const) if const != 0 else acc
        if e.is_Mul:
            const = sp.Mul(*[f for f in e.args if not f.has(v)])
            num, den = [], []
            for f in (f for f in e.args if f.has(v)):
                is_den = f.is_Pow and f.exp.is_number and f.exp.is_negative
                (den if is_den else num).append(self.node(f.base ** -f.exp if is_den else f))
            if not num:
                return self.emit("cdiv", [self.chain("mul", sorted(den))], const)
            acc = self.chain("mul", sorted(num))
            if den:
                acc = self.emit("div", [acc, self.chain("mul", sorted(den))])
            if const == -1:
                return self.emit("neg", [acc])
            return acc if const == 1 else self.emit("scale", [acc], const)
        if e.is_Pow:
            b, x = e.args
            if not x.has(v):
                if x.is_number and x.is_negative:
                    return self.emit("cdiv", [self.node(b ** -x)], sp.Integer(1))
                op = {2: "square", sp.Rational(1, 2): "sqrt"}.get(x, "pow")
                return self.emit(op, [self.node(b)], x if op == "pow" else None)
            if not b.has(v):
                return self.emit("cpow", [self.node(x)], b)
            return self.emit("powv", [self.node(b), self.node(x)])
        op = FUNCTION_OPS.get(e.func)
        if op is None or len(e.args) != 1:
            raise DeriveError(f"{e.func.__name__}(…) in {_text(e)} is not an elementary "
                              f"operation derive ad knows (known: {', '.join(sorted(OPS))})")
        return self.emit(op, [self.node(e.args[0])])


# -- the walkthrough -------------------------------------------------------------

@dataclass(frozen=True)
class TraceRow:
    """Node ``index`` in a trace: its tangent or adjoint formula, value and flops."""

    index: int
    formula: sp.Expr
    value: sp.Expr
    flops: int


@dataclass(frozen=True)
class Counts:
    """Flops of f on the graph, of all tangent and all adjoint formulas, and of
    ``sympy.diff``'s derivative: as a tree, by ``sympy.count_ops``, and with
    f's nodes reused (the notes' "b is calculated in f"; None when large)."""

    function: int
    tangents: int
    adjoints: int
    symbolic: int
    count_ops: int
    reuse: int | None

    @property
    def forward(self) -> int:
        return self.function + self.tangents

    @property
    def reverse(self) -> int:
        return self.function + self.adjoints


@dataclass(frozen=True)
class Derivative:
    """``sympy.diff``'s df/dx, its value at the point, both modes' values and how
    they agree with it: "exact" or "numeric (relative error …)"."""

    expr: sp.Expr
    value: sp.Expr
    forward: sp.Expr
    reverse: sp.Expr
    agreement: str


@dataclass(frozen=True)
class Walkthrough:
    """What :func:`walkthrough` computed; ``values[i - 1]`` is v_i."""

    function: sp.Expr
    var: sp.Symbol
    at: sp.Expr
    nodes: tuple[Node, ...]
    values: tuple[sp.Expr, ...]
    forward: tuple[TraceRow, ...]
    reverse: tuple[TraceRow, ...]
    counts: Counts
    derivative: Derivative

    def text(self) -> str:
        """Aligned plain-text tables for a terminal."""
        from .ad_render import text
        return text(self)

    def latex(self) -> str:
        """LaTeX for a write-up: the graph as a table and a tikz diagram, both
        traces, the counts and the derivative, as ``tabular`` blocks."""
        from .ad_render import latex_blocks
        return latex_blocks(self)

    def to_dict(self) -> dict:
        """Plain data for ``--json``: exact values as SymPy strings, and floats."""
        def row(r, key):
            return {"index": r.index, key: _text(r.formula), "value": _text(r.value),
                    "float": _float(r.value), "flops": r.flops}
        c, d = self.counts, self.derivative
        return {
            "function": _text(self.function), "latex": _tex(self.function),
            "variable": str(self.var), "at": _text(self.at),
            "nodes": [{"index": n.index, "op": n.op, "parents": list(n.parents),
                       "g": _text(n.g), "latex": _tex(n.g), "value": _text(v),
                       "float": _float(v)} for n, v in zip(self.nodes, self.values)],
            "forward": [row(r, "tangent") for r in self.forward],
            "reverse": [row(r, "adjoint") for r in self.reverse],
            "counts": {"function": c.function, "forward": c.forward, "reverse": c.reverse,
                       "symbolic": c.symbolic, "symbolic_count_ops": c.count_ops,
                       "symbolic_reusing_nodes": c.reuse},
            "derivative": {"expr": _text(d.expr), "latex": _tex(d.expr), "value": _text(d.value),
                           "float": _float(d.value), "forward": _text(d.forward),
                           "reverse": _text(d.reverse), "agreement": d.agreement}}


def walkthrough(expr, var="x", at=1) -> Walkthrough:
    """Forward and reverse mode on ``expr``'s computational graph, verified.

    Args:
        expr: LaTeX (read by :func:`~derive.parse.parse_math`) or a SymPy
            expression in one variable.
        var: the variable: a name (``"x"``, ``"\\theta"``) or a Symbol.
        at: the point: a number, LaTeX (``"\\frac{1}{2}"``) or a SymPy number;
            a float is the decimal it prints as (0.1 is 1/10).

    Returns:
        The :class:`Walkthrough`.

    Raises:
        LatexParseError: malformed LaTeX, naming the column.
        DeriveError: the expression does not depend on ``var``, has other free
            symbols or an unknown function, or is undefined or not
            differentiable at the point (the message names the node).
        VerificationError: a mode disagrees with ``sympy.diff`` (a bug in :data:`OPS`).
    """
    f = parse_math(expr) if isinstance(expr, str) else expr
    x = parse_math(var) if isinstance(var, str) else var
    if not isinstance(f, sp.Expr):
        raise DeriveError(f"cannot differentiate {expr!r}: give LaTeX or a SymPy expression")
    if not isinstance(x, sp.Symbol):
        raise DeriveError(f"the variable must be one name, not {var!r}")
    point = _point(at)
    # x is real, as in ML: |e^x| is e^x, not e^{re(x)}; sqrt(x^2) is |x|
    real = sp.Dummy(x.name, real=True)
    f = f.xreplace({x: real}).replace(sp.re, lambda u: u).replace(sp.im, lambda u: 0)
    f = f.xreplace({real: x})
    if f.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise DeriveError(f"the expression {_text(f)} is undefined everywhere (a division by 0?)")
    undefined = sorted(str(a.func) for a in f.atoms(sp.core.function.AppliedUndef))
    if undefined:
        raise DeriveError(f"{', '.join(undefined)} is an undefined function; write its formula")
    others = sorted(map(str, f.free_symbols - {x}))
    if others:
        raise DeriveError(f"the expression has other free symbols: {', '.join(others)}; it is "
                          f"differentiated in one variable, {x}: give them numbers, or "
                          "name the variable with --var")
    if x not in f.free_symbols:
        raise DeriveError(f"the expression does not depend on {x}")
    graph = _Graph(x)
    graph.node(f)
    nodes = tuple(graph.nodes)
    values, partials = _evaluate(nodes, x, point)
    forward, reverse = _traces(nodes, values, partials)
    d = _oracle(f, x)
    try:
        exact = d.xreplace({x: point})
        why = _bad(exact)
    except (ValueError, TypeError) as e:
        why = str(e).strip()
    if why:  # e.g. d(x^π)/dx = π x^π/x at 0: the oracle has no value to check against
        raise DeriveError(f"sympy.diff's derivative {_text(d)} is undefined at {x} = "
                          f"{_text(point)} ({why}), so the modes cannot be checked there; "
                          "choose another point")
    agree = [_agree(r.value, exact) for r in (forward[-1], reverse[-1])]
    if None in agree:
        raise VerificationError(
            f"at {x} = {_text(point)} forward mode gives {_text(forward[-1].value)}, reverse "
            f"mode {_text(reverse[-1].value)}, sympy.diff {_text(exact)}: a rule in OPS is wrong")
    return Walkthrough(f, x, point, nodes, tuple(values[_sym(n.index)] for n in nodes),
                       forward, reverse, _counts(d, x, nodes, forward, reverse),
                       Derivative(d, exact, forward[-1].value, reverse[-1].value,
                                  next((a for a in agree if a != "exact"), "exact")))


def example() -> Walkthrough:
    """``002_…``'s f(x) = √(x² + e^{x²}) at x = 1: the ``ad-example`` model."""
    return walkthrough(EXAMPLE, "x", 1)


def _point(at):
    if isinstance(at, str):
        value = parse_math(at)
    elif isinstance(at, (int, Fraction)) and not isinstance(at, bool):
        value = sp.Rational(at)
    elif isinstance(at, float) and math.isfinite(at):
        value = sp.Rational(repr(at))
    else:
        value = at if isinstance(at, sp.Expr) else sp.nan
    if value.free_symbols or _bad(value):
        raise DeriveError(f"the point must be a finite real number, not {at!r}")
    return value


def _bad(v):
    """Why ``v`` is not a finite real number, or None."""
    if v.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
        return "infinite or undefined"
    try:
        z = complex(v.evalf(30))
    except (TypeError, ValueError):
        return "not a number"
    if not cmath.isfinite(z):
        return "infinite"
    return "not a real number" if abs(z.imag) > 1e-20 * max(1.0, abs(z.real)) else None


def _tidy(v):
    """An exact value in its shortest cheap form: (2 + 2e)/(2√(1 + e)) is √(1 + e)."""
    if v.is_Rational or v.is_Float:
        return v
    nicer = sp.factor_terms(sp.together(v))
    v = nicer if sp.count_ops(nicer) < sp.count_ops(v) else v
    # exact values grow along a deep graph; past a size they are kept to 50 digits
    return v if sp.count_ops(v) <= MAX_EXACT_OPS else sp.Float(v.evalf(50), 50)


def _evaluate(nodes, x, point):
    """The forward sweep: v_i, and each local partial ∂g_i/∂x_j as a formula."""
    values, partials = {_sym(1): point}, [()]
    for n in nodes[1:]:
        v = n.g.xreplace(values)
        if why := _bad(v):
            args = ", ".join(f"x_{p} = {_text(values[_sym(p)])}" for p in n.parents)
            raise DeriveError(f"f is undefined at {x} = {_text(point)}: node x_{n.index} = "
                              f"{_text(n.g)} with {args} is {why}")
        values[_sym(n.index)] = _tidy(v)
        ps = tuple(sp.Integer(p) if isinstance(p, int) else p for p in OPS[n.op].partials(
            *[_sym(p) for p in n.parents], _sym(n.index), n.const))
        for p, j in zip(ps, n.parents):
            if why := _bad(p.xreplace(values)):
                raise DeriveError(f"f is not differentiable at {x} = {_text(point)}: at node "
                                  f"x_{n.index} = {_text(n.g)}, ∂x_{n.index}/∂x_{j} = "
                                  f"{_text(p)} is {why}")
        partials.append(ps)
    return values, partials


def _traces(nodes, values, partials):
    """Tangents from the input forward, adjoints from the output back."""
    tangents = {_sym(1, "dot"): sp.Integer(1)}
    forward = [TraceRow(1, sp.Integer(1), sp.Integer(1), 0)]
    for n in nodes[1:]:
        formula = sp.Add(*[p * _sym(j, "dot") for p, j in zip(partials[n.index - 1], n.parents)])
        tangents[_sym(n.index, "dot")] = value = _tidy(formula.xreplace({**values, **tangents}))
        forward.append(TraceRow(n.index, formula, value, flops(formula)))
    last = len(nodes)
    adjoints = {_sym(last, "bar"): sp.Integer(1)}
    reverse = [TraceRow(last, sp.Integer(1), sp.Integer(1), 0)]
    for j in range(last - 1, 0, -1):
        formula = sp.Add(*[_sym(n.index, "bar") * partials[n.index - 1][s]
                           for n in nodes for s, p in enumerate(n.parents) if p == j])
        adjoints[_sym(j, "bar")] = value = _tidy(formula.xreplace({**values, **adjoints}))
        reverse.append(TraceRow(j, formula, value, flops(formula)))
    return tuple(forward), tuple(reverse)


def _oracle(f, x):
    """sympy.diff with x real, as in ML: d|x|/dx is sign(x), not a formula in re(x)."""
    real = sp.Dummy(x.name, real=True)
    return sp.diff(f.xreplace({x: real}), real).xreplace({real: x})


def _counts(d, x, nodes, forward, reverse):
    reuse = None
    if sp.count_ops(d) <= 300:  # subs is slow on large trees; the figure is for examples
        shared = d
        for n in reversed(nodes[1:]):  # largest first: √(a + b) becomes x_5, not √(x_4)
            shared = shared.subs(n.expr, _sym(n.index))
        reuse = flops(shared.subs(x, _sym(1)))
    return Counts(sum(flops(n.g) for n in nodes), sum(r.flops for r in forward),
                  sum(r.flops for r in reverse), flops(d), int(sp.count_ops(d)), reuse)


def _agree(a, b):
    """"exact", "numeric (…)" or None: does a mode's value equal sympy.diff's?"""
    gap = a - b
    # cheap canonical forms first; sp.simplify only on small gaps (it can take seconds)
    if any(form(gap) == 0 for form in (sp.expand, lambda g: sp.factor_terms(sp.together(g)))) \
            or (sp.count_ops(gap) <= 20 and sp.simplify(gap) == 0):
        return "exact"
    err, scale = abs(complex(gap.evalf(50))), abs(complex(b.evalf(50)))
    rel = err / scale if scale > 1e-30 else err
    return f"numeric (relative error {rel:.0e})" if rel <= 1e-12 else None


# -- formatting shared by the messages, --json and the renderers --------------

class _TextPrinter(StrPrinter):
    def _print_Exp1(self, expr):
        return "e"

    def _print_Pow(self, expr, rational=False):
        return super()._print_Pow(expr, rational).replace("**", "^")

    def _print_Function(self, expr):
        name = {"sigmoid": "σ"}.get(expr.func.__name__, expr.func.__name__)
        return f"{name}({self.stringify(expr.args, ', ')})"


def _text(expr):
    return _TextPrinter().doprint(expr)


_BASES = {"x": "x", "ẋ": r"\dot{x}", "x\u0304": r"\bar{x}"}
_OP_NAMES = {"addc": "add constant", "csub": "constant minus", "cdiv": "constant over",
             "scale": "times constant", "cpow": "constant power", "powv": "power"}


def _tex(expr):
    """LaTeX in the notes' style (derive.latex), node symbols as x_i, \\dot{x}_i, \\bar{x}_i."""
    glyphs = {s.name: Glyph(_BASES[b], k) for s in expr.free_symbols
              for b, _, k in [s.name.partition("_")] if b in _BASES and k.isdigit()}
    return notes_latex(expr, glyphs=glyphs)


def _float(v):
    return float(sp.re(v.evalf(30)))


def diagram(w: Walkthrough) -> str:
    """A tikz picture of the computational graph (see :mod:`derive.ad_render`)."""
    from .ad_render import diagram as draw
    return draw(w)


def document(w: Walkthrough) -> str:
    """A complete LaTeX document of the walkthrough (see :mod:`derive.ad_render`)."""
    from .ad_render import document as build
    return build(w)
