"""Derivative rules: one named, documented function per SymPy class.

A rule rewrites one unevaluated partial ``D(expr, wrt)`` into an expression
that may hold further ``D`` nodes. Rules are looked up through the MRO of
``type(expr)``, so a rule for ``Function`` serves every function that
carries its own ``fdiff``. A rule never walks the expression tree and never
prints: the walker in :mod:`derive.derivation` does the walking, the printers
in :mod:`derive.latex` the printing.

Rules come in two kinds. *Linear* rules (a constant gives 0, ``wrt`` gives
1, constant factors and sums pass through) are applied together as one
"linearity" step, the way notes do it. Every other rule is a step of its
own, named after the rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import sympy as sp

from .functions import rule_name as function_rule_name


class D(sp.Expr):
    """The unevaluated partial derivative ∂_{wrt}(expr)."""

    is_commutative = True

    def __new__(cls, expr, wrt):
        return sp.Expr.__new__(cls, sp.sympify(expr), wrt)

    @property
    def expr(self):
        return self.args[0]

    @property
    def wrt(self):
        return self.args[1]

    def _sympystr(self, printer):
        return f"D({printer._print(self.expr)}, {printer._print(self.wrt)})"


@dataclass
class Context:
    """What a rule needs to know besides the expression.

    Attributes:
        wrt: the symbol (or ``a[i]``) being differentiated by.
        definitions: intermediate target → definition.
        opened: the intermediates whose definitions may be opened; the rest
            are independent variables here (a local partial).
        deps: intermediate → the symbols it depends on, transitively.
        names: definition → target, so σ(u)(1 − σ(u)) reads a(1 − a).
        order: factors in the order the derivation produced them, which is
            the order a person writes them.
    """

    wrt: sp.Basic
    definitions: dict
    opened: frozenset
    deps: dict
    names: dict
    order: list = field(default_factory=list)

    def depends(self, expr) -> bool:
        if expr.has(self.wrt):
            return True
        return any(self.wrt in self.deps.get(t, ()) for t in self.opened if expr.has(t))

    def note(self, *factors):
        """Record factors a rule introduced, for display order."""
        for f in factors:
            # within one product a person writes a(1 − a): plain factors first
            args = sorted(sp.Mul.make_args(f), key=lambda g: _base(g).is_Add)
            for g in map(_base, args):
                if not g.is_Number and g not in self.order:
                    self.order.append(g)


def _base(g):
    return g.base if g.is_Pow and g.exp.is_Integer and g.exp > 0 else g


@dataclass(frozen=True)
class Rule:
    """A registered rule: ``fn(expr, ctx) -> (new_expr, name)``."""

    fn: Callable
    linear: bool


_RULES: dict[type, list[Rule]] = {}


def rule(*classes: type, linear: bool = False):
    """Register ``fn`` as the derivative rule for ``classes``.

    A rule returns ``None`` when it does not apply, so that the next rule for
    the same class (or a base class) is tried.
    """

    def register(fn):
        for cls in classes:
            _RULES.setdefault(cls, []).append(Rule(fn, linear))
        return fn

    return register


def find(expr, ctx: Context, *, linear: bool):
    """Apply the first rule of the wanted kind to ``D(expr, ctx.wrt)``.

    Returns ``(new_expr, rule_name)``, or ``None`` if no rule of that kind
    applies.
    """
    for cls in type(expr).__mro__:
        for r in _RULES.get(cls, ()):
            if r.linear == linear:
                out = r.fn(expr, ctx)
                if out is not None:
                    return out
    return None


def registered() -> dict[type, list[str]]:
    """class → names of its rule functions, for documentation and tests."""
    return {cls: [r.fn.__name__ for r in rs] for cls, rs in _RULES.items()}


# ---------------------------------------------------------------------------
# Linearity: applied together as one step
# ---------------------------------------------------------------------------

@rule(sp.Basic, linear=True)
def constant(expr, ctx):
    """∂c = 0 for anything that does not depend on the variable."""
    if expr == ctx.wrt:
        return sp.Integer(1), "identity"
    if not ctx.depends(expr):
        return sp.Integer(0), "constant"
    return None


@rule(sp.Add, linear=True)
def sum_rule(expr, ctx):
    """∂(f + g) = ∂f + ∂g."""
    return sp.Add(*(D(t, ctx.wrt) for t in expr.args if ctx.depends(t))), "sum rule"


@rule(sp.Mul, linear=True)
def constant_factor(expr, ctx):
    """∂(c f) = c ∂f when c does not depend on the variable."""
    const, var = [], []
    for f in expr.args:
        (var if ctx.depends(f) else const).append(f)
    if len(var) != 1 or not const:
        return None
    c = sp.Mul(*const)
    ctx.note(c)
    return c * D(var[0], ctx.wrt), "constant factor"


@rule(sp.Sum, linear=True)
def sum_of_terms(expr, ctx):
    """∂ Σ_i f_i = Σ_i ∂f_i (the variable does not depend on the index)."""
    return sp.Sum(D(expr.function, ctx.wrt), *expr.limits), "sum rule"


# ---------------------------------------------------------------------------
# Named intermediates and symbols
# ---------------------------------------------------------------------------

@rule(sp.Indexed, sp.Symbol)
def definition(expr, ctx):
    """∂a = ∂(definition of a), with σ(u) renamed back to a.

    When the definition is an activation f(u), this goes straight to
    f'(u) ∂u, so ∂_{w} a_i reads a_i(1 − a_i) ∂_{w}(…) as in the notes.
    """
    if expr not in ctx.opened:
        return None
    body = ctx.definitions[expr]
    if isinstance(body, sp.Function) and len(body.args) == 1:
        outer, name = _function_derivative(body, ctx)
        return outer * D(body.args[0], ctx.wrt), name
    return D(body, ctx.wrt), "definition"


# ---------------------------------------------------------------------------
# Products, powers, functions
# ---------------------------------------------------------------------------

@rule(sp.Mul)
def product_rule(expr, ctx):
    """∂(f g) = ∂f g + f ∂g, for factors that both depend on the variable."""
    const, var = [], []
    for f in expr.args:
        (var if ctx.depends(f) else const).append(f)
    c = sp.Mul(*const)
    terms = []
    for k, f in enumerate(var):
        others = sp.Mul(*(g for j, g in enumerate(var) if j != k))
        ctx.note(others)
        terms.append(c * others * D(f, ctx.wrt))
    return sp.Add(*terms), "product rule"


@rule(sp.Pow)
def power_rule(expr, ctx):
    """∂(u^k) = k u^{k−1} ∂u for constant k; otherwise via e^{k log u}."""
    base, k = expr.args
    if not ctx.depends(k):
        inner = base ** (k - 1)
        ctx.note(inner)
        return k * inner * D(base, ctx.wrt), "power rule"
    ctx.note(expr)
    return (expr * (D(k, ctx.wrt) * sp.log(base) + k * D(base, ctx.wrt) / base),
            "power rule (variable exponent)")


@rule(sp.Function)
def chain_rule(expr, ctx):
    """∂f(u) = f'(u) ∂u, with f' from the function's own ``fdiff``."""
    if len(expr.args) != 1:
        return None
    outer, name = _function_derivative(expr, ctx)
    return outer * D(expr.args[0], ctx.wrt), name


def _function_derivative(expr, ctx):
    outer = expr.fdiff(1).xreplace(ctx.names)
    ctx.note(outer)
    return outer, function_rule_name(expr.func)
