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

    # -- making an expression true --------------------------------------
    def expand(self, expr, depth: int = 0):
        """``expr`` with every definition substituted, recursively."""
        if depth > 50:
            raise RecursionError("definitions refer to each other in a cycle")
        repl = {}
        for target, body in self.definitions.items():
            if isinstance(target, sp.Indexed):
                for atom in expr.atoms(sp.Indexed):
                    if atom.base == target.base and len(atom.indices) == len(target.indices):
                        repl[atom] = body.xreplace(dict(zip(target.indices, atom.indices)))
            elif isinstance(target, sp.core.function.AppliedUndef):
                for call in expr.atoms(sp.core.function.AppliedUndef):
                    if call.func == target.func and len(call.args) == len(target.args):
                        repl[call] = body.xreplace(dict(zip(target.args, call.args)))
            elif expr.has(target):
                repl[target] = body
        if not repl:
            return expr
        return self.expand(expr.xreplace(repl), depth + 1)

    def truth(self, expr):
        """``expr`` made true: definitions in, every ∂ carried out."""
        expr = self.expand(expr)

        def carry(d):
            inner = self.truth(d.expr)
            return sp.diff(inner, d.wrt)

        while expr.has(D):
            expr = expr.replace(lambda e: isinstance(e, D) and not e.expr.has(D), carry)
        return expr

    # -- evaluation -----------------------------------------------------
    def evaluate(self, expr, size: int, values: dict):
        """``expr`` with n = size, sums written out and ``values`` substituted."""
        e = expr.subs(self.count, size)
        e = e.replace(lambda s: isinstance(s, sp.Sum), lambda s: s.doit())
        return complex(e.xreplace(values).rewrite(sp.exp).evalf(20))

    def point(self, exprs, size: int, rng: random.Random) -> dict:
        """Random values for every free symbol and data entry of ``exprs``."""
        values = {}
        for e in exprs:
            e = e.subs(self.count, size)
            e = e.replace(lambda s: isinstance(s, sp.Sum), lambda s: s.doit())
            for atom in e.atoms(sp.Indexed) | e.free_symbols:
                if atom in values or isinstance(atom, sp.IndexedBase):
                    continue
                if isinstance(atom, sp.Symbol) and any(
                        atom == getattr(b, "label", None) for b in e.atoms(sp.IndexedBase)):
                    continue
                values[atom] = sp.Rational(rng.randint(-90, 90), rng.randint(20, 60))
        return values

    def compare(self, claimed, true) -> Verdict:
        """Verdict on ``claimed`` against ``true`` (both already made true)."""
        rng = random.Random(self.seed)
        ratios = []
        for size in SIZES:
            for _ in range(POINTS):
                values = self.point([claimed, true], size, rng)
                try:
                    a = self.evaluate(claimed, size, values)
                    b = self.evaluate(true, size, values)
                except (TypeError, ValueError, ZeroDivisionError) as e:
                    return Verdict("unchecked", reason=f"cannot evaluate: {e}")
                if abs(a - b) <= RTOL * max(1.0, abs(a), abs(b)):
                    ratios.append(1.0)
                    continue
                example = {str(k): float(v) for k, v in values.items()}
                example["n"] = size
                if abs(b) < 1e-12:
                    return Verdict("wrong", counterexample=example,
                                   reason=f"{a.real:.6g} where the true value is {b.real:.6g}")
                ratios.append(a / b)
                if len(ratios) > 1 and abs(ratios[-1] - ratios[0]) > 1e-7 * abs(ratios[0]):
                    return Verdict("wrong", counterexample=example,
                                   reason=f"{a.real:.6g} where the true value is {b.real:.6g}")
                self._last_example = example
        r = ratios[0]
        if all(abs(x - 1) <= RTOL for x in ratios):
            return Verdict("correct")
        factor = sp.nsimplify(r.real, rational=True, tolerance=1e-9)
        return Verdict("factor", factor=factor, counterexample=self._last_example,
                       reason=f"off by a constant factor {factor}")
