"""Is one side of a written equation equal to the other? The checker's oracle.

A document's expressions are SymPy with unevaluated partials ``D(f, w)``,
named intermediates (``a_i``, ``C``) and data indexed by the sample index.
:class:`Judge` knows the document's definitions. To compare two sides it
makes each *true*: definitions are substituted (recursively), every
``D(f, w)`` becomes ``sympy.diff`` of the substituted ``f``, and sums over the
samples are written out for several sample counts. Then both are evaluated
at random points, in float64 with a tolerance, always with the same seed.

The verdict is ``correct``, ``factor`` (the sides differ by one constant,
which is named), or ``wrong`` with a counterexample point.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import sympy as sp

from sympy.core.function import AppliedUndef

from .rules import D

#: the sample counts the sums are written out for
SIZES = (2, 3, 5)
POINTS = 3
RTOL = 1e-8


@dataclass
class Verdict:
    verdict: str                      # correct | factor | wrong | unchecked
    factor: sp.Expr | None = None     # claimed = factor × true, for "factor"
    counterexample: dict = field(default_factory=dict)
    reason: str = ""


class Judge:
    """Compares expressions under a document's definitions.

    Args:
        definitions: target → expression (``C`` → its sum, ``a_i`` → σ(…)).
            A target may be a Symbol, an Indexed or an applied function
            (``C(w)``: then the call's arguments are matched).
        index: the sample index symbol; ``count``: the symbol for n.
    """

    def __init__(self, definitions: dict, index: sp.Symbol, count: sp.Symbol, seed: int = 0):
        self.definitions = dict(definitions)
        self.index, self.count = index, count
        self.seed = seed
        # bodies that hold a ∂ (e_i = a_i - ∂C/∂a_i) are made true once, so that
        # expanding a name never brings in a ∂ whose variable then gets expanded
        for target, body in list(self.definitions.items()):
            if body.has(D):
                try:
                    self.definitions[target] = self.truth(body)
                except Exception:  # left as written; a comparison using it will say so
                    pass

    # -- making an expression true --------------------------------------
    def expand(self, expr, depth: int = 0):
        """``expr`` with every definition substituted, recursively.

        Indexed names are shielded while plain symbols are replaced: a name may
        be both a symbol (a^(1) = σ(…)) and the label of an indexed base
        (a^(1)[i]), and the label must not be touched.
        """
        if depth > 50:
            raise RecursionError("definitions refer to each other in a cycle")
        indexed = expr.atoms(sp.Indexed)
        shield = {a: sp.Dummy() for a in indexed}
        plain = expr.xreplace(shield)
        repl, back = {}, {}
        for target, body in self.definitions.items():
            if isinstance(target, sp.Indexed):
                for atom in indexed:
                    if atom.base == target.base and len(atom.indices) == len(target.indices):
                        back[atom] = body.xreplace(dict(zip(target.indices, atom.indices)))
            elif isinstance(target, AppliedUndef):
                for call in plain.atoms(AppliedUndef):
                    if call.func == target.func and len(call.args) == len(target.args):
                        repl[call] = body.xreplace(dict(zip(target.args, call.args)))
            elif target in plain.free_symbols:
                repl[target] = body
        if not repl and not back:
            return expr
        out = plain.xreplace(repl).xreplace({d: back.get(a, a) for a, d in shield.items()})
        return self.expand(out, depth + 1)

    def truth(self, expr):
        """``expr`` made true: definitions in, every ∂ carried out.

        ``D(f, w)`` with ``w`` itself a defined name (∂C/∂a_i) differentiates by
        ``w`` as a variable: the other names are expanded, ``w`` is kept, and
        the sums' bound indices are renamed first, so that ∂/∂a_i of Σ_i … picks
        the one sample i (and a sum over that free i shows up as wrong).
        """
        def carry(d):
            inner = self.expand_except(d.expr, d.wrt)
            inner = _fresh_bound(inner)
            out = sp.diff(inner, d.wrt)
            return self.expand(out.doit() if out.has(sp.KroneckerDelta) else out)

        while expr.has(D):
            expr = expr.replace(lambda e: isinstance(e, D) and not e.expr.has(D), carry)
        return self.expand(expr)

    def expand_except(self, expr, keep, depth: int = 0):
        """Like :meth:`expand`, but ``keep`` stays a variable."""
        saved = self.definitions
        self.definitions = {k: v for k, v in saved.items() if k != keep and not (
            isinstance(k, sp.Indexed) and isinstance(keep, sp.Indexed) and k.base == keep.base)}
        try:
            return self.expand(expr, depth)
        finally:
            self.definitions = saved

    # -- evaluation -----------------------------------------------------
    def _concrete(self, expr, size: int, sample: int):
        """n = size, a free sample index = ``sample``, sums written out."""
        e = expr.subs(self.count, size)
        e = e.replace(lambda s: isinstance(s, sp.Sum), lambda s: s.doit())
        return e.xreplace({self.index: sp.Integer(sample)}).doit()

    def evaluate(self, expr, size: int, values: dict, sample: int = 1):
        """``expr`` with n = size, sums written out and ``values`` substituted."""
        e = self._concrete(expr, size, sample)
        return complex(e.xreplace(values).rewrite(sp.exp).evalf(20))

    def point(self, exprs, size: int, rng: random.Random, sample: int = 1) -> dict:
        """Random values for every free symbol and data entry of ``exprs``."""
        values = {}
        for e in exprs:
            e = self._concrete(e, size, sample)
            labels = {b.label for b in e.atoms(sp.IndexedBase)}
            for atom in e.atoms(sp.Indexed) | e.free_symbols:
                if atom in values or isinstance(atom, sp.IndexedBase) or atom in labels:
                    continue
                values[atom] = sp.Rational(rng.randint(-90, 90), rng.randint(20, 60))
        return values

    def compare(self, claimed, true) -> Verdict:
        """Verdict on ``claimed`` against ``true`` (both already made true)."""
        rng = random.Random(self.seed)
        ratios, example = [], {}
        for size in SIZES:
            for _ in range(POINTS):
                sample = rng.randint(1, size)
                values = self.point([claimed, true], size, rng, sample)
                try:
                    a = self.evaluate(claimed, size, values, sample)
                    b = self.evaluate(true, size, values, sample)
                except (TypeError, ValueError, ZeroDivisionError) as e:
                    return Verdict("unchecked", reason=f"cannot evaluate: {e}")
                if abs(a - b) <= RTOL * max(1.0, abs(a), abs(b)):
                    ratios.append(1.0)
                    continue
                example = {str(k): float(v) for k, v in values.items()}
                example["n"] = size
                if claimed.has(self.index) or true.has(self.index):
                    example[str(self.index)] = sample
                if abs(b) < 1e-12:
                    return Verdict("wrong", counterexample=example,
                                   reason=f"{a.real:.6g} where the true value is {b.real:.6g}")
                ratios.append(a / b)
                if len(ratios) > 1 and abs(ratios[-1] - ratios[0]) > 1e-7 * abs(ratios[0]):
                    return Verdict("wrong", counterexample=example,
                                   reason=f"{a.real:.6g} where the true value is {b.real:.6g}")
        r = ratios[0]
        if all(abs(x - 1) <= RTOL for x in ratios):
            return Verdict("correct")
        if abs(r) < 1e-12:  # the written side is 0 where the true one is not
            return Verdict("wrong", counterexample=example,
                           reason="it is 0 where the true value is not")
        factor = sp.nsimplify(r.real, rational=True, tolerance=1e-9)
        return Verdict("factor", factor=factor, counterexample=example,
                       reason=f"off by a constant factor {factor}")


def _fresh_bound(expr):
    """Every sum's bound index renamed to a fresh dummy."""
    def rename(s):
        (idx, lo, hi), *rest = s.limits
        fresh = sp.Dummy(str(idx), integer=True, positive=True)
        return sp.Sum(_fresh_bound(s.function).xreplace({idx: fresh}), (fresh, lo, hi), *rest)
    return expr.replace(lambda e: isinstance(e, sp.Sum), rename)
