"""Step-by-step derivations over a model's named intermediates.

:func:`derive` returns, for every parameter p, a :class:`Derivation` of
∂C/∂p: a start ``D(C, p)`` and the :class:`Step` s that rewrite it, each
naming its rule, down to the final formula.

Small models are derived the way notes do it: the partial is pushed
through the cost and every intermediate in turn (*inline*). Deeper models are
derived in reverse mode: each intermediate v gets an adjoint
v̄ = ∂ℓ/∂v of the per-sample loss ℓ, derived once from the adjoints of its
consumers, and each ∂C/∂p only opens the intermediates that use p directly.
Both are linear in the number of intermediates per partial; inline writes
the whole chain of factors into each formula, which is what notes want for
two or three layers and what costs quadratic work for sixty-four.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import sympy as sp
from sympy.core.parameters import distribute

from . import rules
from .errors import NoRuleError
from .models import Model
from .models import n as COUNT
from .notation import Glyph
from .rules import D, Context

#: models with at most this many intermediates are derived inline
INLINE_MAX = 4


@dataclass(frozen=True)
class Step:
    """One line of a derivation: ``= expr`` by ``rule``, rewriting ``focus``."""

    expr: sp.Expr
    rule: str
    focus: sp.Expr | None = None


@dataclass(frozen=True)
class Derivation:
    """∂(of)/∂(wrt) = start = steps[0].expr = … = result.

    Attributes:
        of: what is differentiated, as a symbol (``C``) or an adjoint's
            subject (``a_i``).
        wrt: the variable.
        start: the first right-hand side, ``D(definition, wrt)``.
        steps: the rewrites, each naming its rule.
        order: the factors in the order the derivation produced them.
        kind: ``"gradient"`` for ∂C/∂p, ``"adjoint"`` for v̄ = ∂ℓ/∂v.
        lhs: for an adjoint, the symbol it defines (``abar1[i]``).
    """

    of: sp.Basic
    wrt: sp.Basic
    start: sp.Expr
    steps: tuple
    order: tuple = ()
    kind: str = "gradient"
    lhs: sp.Basic | None = None

    @property
    def result(self) -> sp.Expr:
        return self.steps[-1].expr if self.steps else self.start

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(s.rule for s in self.steps)


@dataclass
class Derivations:
    """Every gradient of one model, with the adjoints they use.

    ``gradients`` maps parameter name → :class:`Derivation`; ``adjoints`` are
    in the order they are derived (from the output back); ``report`` is
    filled in by :func:`derive.verify.verify`.
    """

    model: Model
    gradients: dict
    adjoints: tuple = ()
    mode: str = "inline"
    report: object = None
    seconds: float = 0.0
    adjoint_glyphs: dict = field(default_factory=dict)

    def __getitem__(self, name: str) -> Derivation:
        return self.gradients[self.model.param(name).name]

    def __iter__(self):
        return iter(self.gradients.values())

    def adjoint_definitions(self) -> list:
        """``(adjoint symbol, final expression)`` pairs, output first."""
        return [(d.lhs, d.result) for d in self.adjoints]

    def flat_map(self, prepare=lambda e: e) -> dict:
        """Every intermediate and adjoint → its expression in parameters and data.

        ``prepare`` is applied to each adjoint's result before substitution.
        """
        flat = {}
        for target, body in self.model.intermediates:
            flat[target] = body.xreplace(flat)
        for lhs, result in self.adjoint_definitions():
            flat[lhs] = prepare(result).xreplace(flat)
        return flat

    def _repr_latex_(self):
        from .latex import to_latex
        return "$$" + to_latex(self, env="aligned") + "$$"


def walk(start: sp.Expr, ctx: Context) -> list[Step]:
    """Rewrite every ``D`` in ``start`` until none is left.

    Each step either applies all linear rules at once ("linearity") or one
    other rule to the first remaining ``D``.
    """
    with distribute(False):  # keep 2(a − z), which SymPy would make 2a − 2z
        return _walk(start, ctx)


def _walk(start, ctx):
    steps: list[Step] = []
    expr = start
    while True:
        expr, names = _linear_closure(expr, ctx)
        if names:
            steps.append(Step(expr, _linearity_name(names)))
        node = _first_d(expr)
        if node is None:
            return steps
        out = rules.find(node.expr, ctx, linear=False)
        if out is None:
            raise NoRuleError(type(node.expr))
        new, name = out
        expr = expr.xreplace({node: new})
        steps.append(Step(expr, name, node))


def _linear_closure(expr, ctx):
    names: list[str] = []
    while True:
        repl = {}
        for node in expr.atoms(D):
            out = rules.find(node.expr, ctx, linear=True)
            if out is not None:
                repl[node] = out[0]
                names.append(out[1])
        if not repl:
            return expr, names
        expr = expr.xreplace(repl)


def _linearity_name(names):
    kinds = [n for n in dict.fromkeys(names) if n not in ("constant", "identity")]
    if not kinds:
        return "constants vanish"
    return "linearity: " + ", ".join(kinds)


def _first_d(expr):
    """The first D node in pre-order (outermost, then leftmost)."""
    if isinstance(expr, D):
        return expr
    for arg in expr.args:
        found = _first_d(arg)
        if found is not None:
            return found
    return None


# ---------------------------------------------------------------------------
# Driving a whole model
# ---------------------------------------------------------------------------

def _split_cost(cost, targets):
    """``(wrap, body)`` with ``wrap(body) == cost``, or None.

    ``body`` is the per-sample loss ℓ when the cost is c·Σ_i ℓ plus terms that
    use no intermediate (penalties); ``wrap(x)`` puts ``x`` in place of ℓ and
    wraps the other terms in ``D`` when given a variable.
    """
    if not any(cost.has(t) for t in targets):
        return None
    terms = sp.Add.make_args(cost)
    inner = [t for t in terms if any(t.has(x) for x in targets)]
    rest = [t for t in terms if t not in inner]
    if len(inner) != 1:
        return None
    coeff, core = inner[0].as_independent(*targets, as_Add=False)
    if isinstance(core, sp.Sum) and not core.function.has(sp.Sum):
        def wrap(body, wrt=None):
            extra = [D(t, wrt) for t in rest] if wrt is not None else rest
            return coeff * sp.Sum(body, *core.limits) + sp.Add(*extra)
        return wrap, core.function
    if not core.has(sp.Sum):
        def wrap(body, wrt=None):
            extra = [D(t, wrt) for t in rest] if wrt is not None else rest
            return coeff * body + sp.Add(*extra)
        return wrap, core
    return None


def _dependency_closure(model: Model) -> dict:
    """target → every parameter and intermediate it depends on."""
    deps: dict = {}
    targets = set(model.definitions)
    for target, body in model.intermediates:
        found = set(body.free_symbols) & set(model.params)
        for atom in _atoms(body, targets):
            found |= {atom} | deps[atom]
        deps[target] = found
    return deps


def _atoms(expr, targets):
    """The intermediates ``expr`` uses directly (``free_symbols`` holds x[i] too)."""
    return [a for a in expr.free_symbols if a in targets]


def derive(model: Model, *, mode: str = "auto", verify: bool = True, wrt=None) -> Derivations:
    """Derive ∂C/∂p for every parameter p of ``model`` (or those in ``wrt``).

    Args:
        model: the model.
        mode: ``"inline"``, ``"reverse"`` or ``"auto"`` (inline for models with
            at most ``INLINE_MAX`` intermediates).
        verify: check every result against independent oracles first
            (:func:`derive.verify.verify`); never turn this off for output
            a person will read.
        wrt: parameter names to derive; all by default.

    Returns:
        The :class:`Derivations`.

    Raises:
        ModelError: ``wrt`` names an unknown parameter.
        VerificationError: a result disagrees with an oracle (a bug).
        NoRuleError: the model uses an expression no rule covers.
    """
    if getattr(model, "widths", None) is not None:  # a matrix model
        from .mlp import derive_mlp
        return derive_mlp(model, verify=verify, wrt=wrt)
    t0 = time.perf_counter()
    params = [model.param(w) for w in wrt] if wrt else list(model.params)
    split = _split_cost(model.cost, list(model.definitions))
    if mode == "auto":
        mode = "inline" if len(model.intermediates) <= INLINE_MAX or split is None else "reverse"
    if mode not in ("inline", "reverse"):
        raise ValueError(f"mode must be inline, reverse or auto, not {mode!r}")
    deps = _dependency_closure(model)
    names = {body: target for target, body in model.intermediates}
    cost_symbol = sp.Symbol(model.cost_name)
    out = Derivations(model, {}, mode=mode)
    if mode == "inline":
        opened = frozenset(model.definitions)
        for p in params:
            ctx = Context(p, model.definitions, opened, deps, names)
            start = D(model.cost, p)
            out.gradients[p.name] = Derivation(cost_symbol, p, start, tuple(walk(start, ctx)),
                                               tuple(ctx.order))
    else:
        if split is None:
            raise ValueError("reverse mode needs a cost of the form c·Σ_i ℓ_i (+ penalties)")
        _reverse(model, params, deps, names, cost_symbol, split, out)
    out.seconds = time.perf_counter() - t0
    if verify:
        from .verify import verify as run_checks
        out.report = run_checks(out)
    return out


def adjoint_symbol(model: Model, target):
    """The adjoint v̄ of an intermediate, with its glyph (``\\bar{a}_i^{(1)}``)."""
    name = str(target.base if isinstance(target, sp.Indexed) else target)
    g = model.notation.glyph(name)
    glyph = Glyph(rf"\bar{{{g.base}}}", g.sub, g.sup)
    if isinstance(target, sp.Indexed):
        return sp.IndexedBase(f"{name}_bar")[target.indices], glyph
    return sp.Symbol(f"{name}_bar"), glyph


def _reverse(model, params, deps, names, cost_symbol, split, out):
    wrap, body = split
    targets = list(model.definitions)
    target_set = set(targets)
    consumers = {t: [] for t in targets}
    direct = {p: [] for p in model.params}  # parameter → intermediates using it
    for u in targets:
        for t in _atoms(model.definitions[u], target_set):
            consumers[t].append(u)
        for p in model.definitions[u].free_symbols & set(model.params):
            direct[p].append(u)
    bars = {}
    # adjoints from the output back: v̄ = ∂ℓ/∂v + Σ_{u uses v} ū ∂u/∂v, where the
    # partials are local: every other intermediate is held fixed
    for target in reversed(targets):
        bar, glyph = adjoint_symbol(model, target)
        out.adjoint_glyphs[str(bar.base if isinstance(bar, sp.Indexed) else bar)] = glyph
        users = consumers[target]
        own = D(body, target) if body.has(target) else sp.Integer(0)
        start = own + sp.Add(*(bars[u] * D(u, target) for u in users))
        steps, order = _local_walk(model, target, body, users, bars, deps, names)
        out.adjoints += (Derivation(target, target, start, steps, order,
                                    kind="adjoint", lhs=bar),)
        bars[target] = bar
    for p in params:
        users = direct[p]
        local = (D(body, p) if body.has(p) else 0) + sp.Add(*(bars[u] * D(u, p) for u in users))
        first = Step(wrap(local, p), "reverse mode: ∂ℓ/∂p = Σ_v v̄ ∂v/∂p")
        steps, order = _local_walk(model, p, body, users, bars, deps, names, wrap)
        out.gradients[p.name] = Derivation(cost_symbol, p, D(model.cost, p), (first, *steps),
                                           order)


def _local_walk(model, wrt, body, users, bars, deps, names, wrap=None):
    """Steps of ∂ℓ/∂wrt + Σ_u ū ∂u/∂wrt with the users' definitions opened."""
    ctx = Context(wrt, model.definitions, frozenset(), deps, names)
    ctx.note(*(bars[u] for u in users))
    own = D(body, wrt) if body.has(wrt) else sp.Integer(0)
    opened = own + sp.Add(*(bars[u] * D(model.definitions[u], wrt) for u in users))
    if wrap is not None:
        opened = wrap(opened, wrt)
    steps = [Step(opened, "definitions")] if users else []
    return tuple(steps + walk(opened, ctx)), tuple(ctx.order)


def on_data(derivs, dataset: str):
    """Every gradient evaluated on one of the model's data sets, exactly.

    The data are read as the decimals they are written as (0.33 is 33/100),
    the sums are expanded and n is the number of samples, so the slides'
    SSR'(a) comes out as 28a − 1158/25 (= 28a − 46.32).

    Returns:
        ``(gradients, minimiser)``: parameter name → expression in the
        parameters; and, when every gradient is linear in the parameters
        (a quadratic cost), the point where they all vanish, else ``None``.
    """
    model = derivs.model
    columns = model.datasets[dataset]
    size = len(next(iter(columns.values())))
    flat = derivs.flat_map()

    def expand_sum(s):
        (idx, _, _), = s.limits
        return sp.Add(*(s.function.xreplace(
            {col[idx]: sp.Rational(repr(float(columns[str(col)][k]))) for col in model.data})
            for k in range(size)))

    grads = {}
    for name, d in derivs.gradients.items():
        expr = d.result.xreplace(flat).replace(lambda e: isinstance(e, sp.Sum), expand_sum)
        grads[name] = sp.expand(expr.subs(COUNT, size))
    minimiser = None
    if all(sp.Poly(g, *model.params).total_degree() <= 1 for g in grads.values()
           if g.is_polynomial(*model.params)) and all(
            g.is_polynomial(*model.params) for g in grads.values()):
        solved = sp.solve(list(grads.values()), list(model.params), dict=True)
        if len(solved) == 1 and len(solved[0]) == len(model.params):
            minimiser = {p.name: solved[0][p] for p in model.params}
    return grads, minimiser
