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

import cmath
import math
import random
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import sympy as sp

from sympy.core.function import AppliedUndef

from .functions import Activation
from .meaning import defined, instantiate, is_entry
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
        seconds: the time each definition holding a ∂ may take to be made true
            (None: no limit).
    """

    def __init__(self, definitions: dict, index: sp.Symbol, count: sp.Symbol, seed: int = 0,
                 seconds: float | None = None):
        self.definitions = dict(definitions)
        self.index, self.count = index, count
        self.seed = seed
        self._concrete_memo: dict = {}
        self._leaves_memo: dict = {}
        self._index_free: dict = {}  # expression → does it hold a free sample index?
        # what an expression and each ∂ are, made true: a judge's definitions never
        # change once it is made, and the rows, their repairs and their screens ask
        # for the same ∂ again and again
        self._truth_memo: dict = {}
        self._carried: dict = {}
        # the sample count: n, or whatever the sums run to (m in CS229's notes)
        self.counts = {count}
        for body in self.definitions.values():
            self._learn_counts(body)
        # bodies that hold a ∂ (e_i = a_i - ∂C/∂a_i) are made true once, so that
        # expanding a name never brings in a ∂ whose variable then gets expanded
        for target, body in list(self.definitions.items()):
            if body.has(D):
                # ψ(r) = ρ'(r): the function's own variable r is not the document's r
                bound = {a: sp.Dummy(str(a)) for a in getattr(target, "args", ())
                         if isinstance(target, AppliedUndef) and isinstance(a, sp.Symbol)}
                try:
                    with budget(seconds):  # (w_{t+1} of a recurrence can grow without end)
                        self.definitions[target] = self.truth(body.xreplace(bound)).xreplace(
                            {d: a for a, d in bound.items()})
                except (OverBudget, Exception):  # left as written; a comparison using it
                    pass                         # will say so

    def _learn_counts(self, expr) -> None:
        for s in expr.atoms(sp.Sum):
            top = s.limits[0][2]
            if isinstance(top, sp.Symbol):
                self.counts.add(top)
            elif top.is_Add and len(top.free_symbols) == 1 and top.as_coeff_Add()[0].is_Integer:
                self.counts |= top.free_symbols  # \sum_{n=0}^{N-1}: N is the count

    # -- making an expression true --------------------------------------
    def expand(self, expr, depth: int = 0, once: bool = False):
        """``expr`` with every definition substituted, recursively.

        Indexed names are shielded while plain symbols are replaced: a name may
        be both a symbol (a^(1) = σ(…)) and the label of an indexed base
        (a^(1)[i]), and the label must not be touched.
        """
        if depth > min(50, len(self.definitions) + 1):
            # (no chain of definitions is longer than their number: past it, a circle,
            # found before the expression grows with every turn)
            raise RecursionError("definitions refer to each other in a cycle")
        indexed = expr.atoms(sp.Indexed)
        shield = {a: sp.Dummy() for a in indexed}
        plain = expr.xreplace(shield)
        repl, back = {}, {}
        best: dict = {}  # atom → (integer indices matched, target): h[i, 1] before h[i, k]
        free, calls = plain.free_symbols, None  # (asked once: a Sum's are dear to find)
        unshield = {d: a for a, d in shield.items()}
        for target, body in self.definitions.items():
            if isinstance(target, sp.Indexed):
                for atom in indexed:
                    if atom.base != target.base or len(atom.indices) != len(target.indices):
                        continue
                    fixed = [(t, a) for t, a in zip(target.indices, atom.indices) if t.is_Integer]
                    if all(t == a for t, a in fixed) and len(fixed) >= best.get(atom, (-1,))[0]:
                        best[atom] = (len(fixed), target)
                        # z[j, i] = w_j x_i + b_j at z[1, i]: w_1 x_i + b_1 (a general entry j)
                        at = {str(t): int(a) for t, a in zip(target.indices, atom.indices)
                              if isinstance(t, sp.Symbol) and not t.is_integer and a.is_Integer}
                        made = instantiate(body, at) if at else body
                        back[atom] = made.xreplace(dict(zip(target.indices, atom.indices)))
            elif isinstance(target, AppliedUndef):
                calls = plain.atoms(AppliedUndef) if calls is None else calls
                for call in calls:
                    if call.func == target.func and len(call.args) == len(target.args):
                        repl[call] = body.xreplace(_vector_arguments(
                            body, target.args, call.args, unshield))
            elif target in free:
                repl[target] = body
        if not repl and not back:
            return expr
        out = plain.xreplace(repl).xreplace({d: back.get(a, a) for a, d in shield.items()})
        return out if once else self.expand(out, depth + 1)

    def truth(self, expr, local: bool = False):
        """``expr`` made true: definitions in, every ∂ carried out.

        ``D(f, w)`` with ``w`` itself a defined name (∂C/∂a_i) differentiates by
        ``w`` as a variable: the other names are expanded, ``w`` is kept, and
        the sums' bound indices are renamed first, so that ∂/∂a_i of Σ_i … picks
        the one sample i (and a sum over that free i shows up as wrong).

        With ``local``, ∂ by a defined name is a computational graph's local
        derivative instead (:meth:`_local`): the names beside it are held.
        """
        memo_key = (expr, local)
        try:
            return self._truth_memo[memo_key]
        except KeyError:
            pass
        except TypeError:  # an unhashable piece: worked out each time
            memo_key = None

        def carry(d):
            if (d, local) in self._carried:
                return self._carried[(d, local)]
            self._carried[(d, local)] = out = _carry(d)
            return out

        def _carry(d):
            at = self._at_point(d)
            if at is not None:  # \partial_w \tilde{L}(0): L̃'s derivative by w, at w = 0
                call, point = at
                return self.truth(D(call, d.wrt)).xreplace({d.wrt: point})
            if local and self._defines(d.wrt):
                inner = self._local(d.expr, d.wrt)
            else:
                inner = self.expand_except(d.expr, d.wrt)
            inner = _fresh_bound(inner)
            if inner.has(sp.Abs):  # |w|' = w/|w| (= sgn w), for real w
                inner = inner.replace(lambda e: isinstance(e, sp.Abs),
                                      lambda e: sp.sqrt(e.args[0] ** 2))
            out = sp.diff(inner, d.wrt)
            return self.expand(out.doit() if out.has(sp.KroneckerDelta) else out)

        self._learn_counts(expr)
        while expr.has(D):
            expr = expr.replace(lambda e: isinstance(e, D) and not e.expr.has(D), carry)
        if expr.has(sp.Subs):  # f'(u) at u = w x + b, now that f' is known
            expr = expr.replace(lambda e: isinstance(e, sp.Subs), lambda e: e.doit())
        out = self.expand(expr)
        if memo_key is not None:
            if len(self._truth_memo) > 4096:
                self._truth_memo.clear()
            self._truth_memo[memo_key] = out
        return out

    def _at_point(self, d):
        """``(F(w), a)`` when ``d`` is ∂_w F(a) for a function the document defines as
        F(w) = …, with a point a free of w (the derivative taken at w = a); else None."""
        e = d.expr
        if not (isinstance(e, AppliedUndef) and len(e.args) == 1) or e.args[0].has(d.wrt):
            return None
        for target in self.definitions:
            if isinstance(target, AppliedUndef) and target.func == e.func \
                    and target.args == (d.wrt,):
                return target, e.args[0]
        return None

    def _defines(self, name) -> bool:
        return defined(name, self.definitions)

    def _local(self, expr, v):
        """``expr`` expanded one level at a time until ``v`` appears in it, the
        names beside ``v`` kept: ∂c/∂a of c = a + b holds b fixed, as a
        computational graph's local derivative does. When ``v`` never appears,
        ``v``'s value is looked for in the expansion instead."""
        def mentions(e):
            return e.has(v) or (isinstance(v, sp.Indexed) and any(
                a.base == v.base for a in e.atoms(sp.Indexed)))
        saved = self.definitions
        self.definitions = {k: b for k, b in saved.items() if k != v and not (
            isinstance(k, sp.Indexed) and isinstance(v, sp.Indexed) and k.base == v.base)}
        try:
            for _ in range(50):
                if mentions(expr):
                    return expr
                nxt = self.expand(expr, once=True)
                if nxt == expr:
                    break
                expr = nxt
        finally:
            self.definitions = saved
        # f written in x alone (f = \sqrt{x^2 + e^{x^2}}) is a function of c = x^2 + e^{x^2}
        # where c's value stands in it
        value = self.expand(v)
        if value != v and not value.is_Atom:
            return expr.subs(value, v)
        return expr

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
        sample = self._sample_for(expr, sample)
        key = (expr, size, sample, frozenset(self.counts))
        try:
            return self._concrete_memo[key]
        except KeyError:
            pass
        self._learn_counts(expr)
        e = _write_out(expr.xreplace({c: sp.Integer(size) for c in self.counts}))
        e = e.xreplace({self.index: sp.Integer(sample)})
        if e.has(sp.Sum, sp.Derivative):
            e = e.doit()
        self._concrete_memo[key] = e
        return e

    def _sample_for(self, expr, sample: int) -> int:
        """``sample``, or 0 when ``expr`` has no free sample index (its value is the
        same for every sample: one concrete form serves all)."""
        try:
            free = self._index_free[expr]
        except KeyError:
            free = self._index_free[expr] = self.index in expr.free_symbols
        return sample if free else 0

    def evaluate(self, expr, size: int, values: dict, sample: int = 1):
        """``expr`` with n = size, sums written out and ``values`` substituted."""
        e = self._concrete(expr, size, sample)
        if e.has(sp.Limit):
            # lim_{h → 0} (C(w + h) - C(w))/h: at the point, a limit in h alone
            e = e.xreplace(values).replace(lambda x: isinstance(x, sp.Limit), _limit)
        try:  # exactly, where the expression is rational in its names
            return _exact(e, values, {})
        except (_Slow, ZeroDivisionError, OverflowError):
            pass
        try:
            return _number(e, values, {})
        except (_Slow, ArithmeticError, ValueError):
            return complex(e.xreplace(values).rewrite(sp.exp).evalf(20))

    def point(self, exprs, size: int, rng: random.Random, sample: int = 1) -> dict:
        """Random values for every free symbol and data entry of ``exprs``."""
        values = {}
        for e in exprs:
            counts = {f.args[0] for f in self._concrete(e, size, sample).atoms(sp.factorial)} \
                if e.has(sp.factorial) else ()
            for atom in self._leaves(e, size, sample):
                if atom in counts:  # log y_i!: y_i counts something (0, 1, 2, …)
                    values[atom] = sp.Integer(rng.randint(0, 6))
                elif atom not in values:
                    values[atom] = sp.Rational(rng.randint(-90, 90), rng.randint(20, 60))
        return values

    def _leaves(self, expr, size: int, sample: int) -> list:
        """The free symbols and data entries of ``expr`` at n = size, in a fixed order
        (found once: a comparison asks at every point)."""
        key = (expr, size, self._sample_for(expr, sample))
        try:
            return self._leaves_memo[key]
        except KeyError:
            pass
        e = self._concrete(expr, size, sample)
        labels = {b.label for b in e.atoms(sp.IndexedBase)}
        out = [a for a in sorted(e.atoms(sp.Indexed) | e.free_symbols, key=str)
               if not isinstance(a, sp.IndexedBase) and a not in labels]
        self._leaves_memo[key] = out
        return out

    def _point_where(self, where, exprs, size, rng, sample, tries: int = 40):
        """A random point (:meth:`point`) where ``where`` is positive, or None
        after ``tries`` draws."""
        values = self.point(exprs + [where], size, rng, sample)
        for _ in range(tries):
            try:
                if complex(self.evaluate(where, size, values, sample)).real > 0:
                    return values
            except (TypeError, ValueError, ZeroDivisionError):
                pass
            values = self.point(exprs + [where], size, rng, sample)
        return None

    def screen(self, target, size: int = 3, sample: int = 2):
        """A fast first test for many candidate expressions against one target.

        Returns ``passes(expr)``: ``expr`` is taken as written (names and ∂
        not made true); each name and each ∂ in it is worked out once, at one
        random point, and reused by every later candidate. False means the
        candidate is surely not equal to ``target``; True means "check it
        properly" (with :meth:`agrees`).
        """
        values: dict = {}
        leaves: dict = {}

        def assign(e):
            for atom in sorted(e.atoms(sp.Indexed) | e.free_symbols, key=str):
                if atom not in values and not isinstance(atom, sp.IndexedBase):
                    rng = random.Random(f"{self.seed}:{atom}")
                    values[atom] = sp.Rational(rng.randint(-90, 90), rng.randint(20, 60))

        def leaf(atom):
            if atom not in leaves:
                t = self._concrete(self.truth(atom), size, sample)
                assign(t)
                leaves[atom] = _number(t, values, {})
            return leaves[atom]

        try:
            goal_expr = self._concrete(target, size, sample)
            assign(goal_expr)
            goal = _number(goal_expr, values, {})
        except Exception:  # noqa: BLE001 - no quick test: every candidate goes on
            return lambda expr: True

        def passes(expr) -> bool:
            try:
                e = self._concrete(expr, size, sample)
                known = {}
                for atom in e.atoms(D, sp.Indexed, sp.Symbol, AppliedUndef):
                    if isinstance(atom, sp.Symbol) and atom in e.atoms(sp.Indexed):
                        continue
                    known[atom] = leaf(atom)
                got = _number(e, known, {})
            except Exception:  # noqa: BLE001 - cannot tell quickly: the full check decides
                return True
            return abs(got - goal) <= 1e-6 * max(1.0, abs(got), abs(goal))
        return passes

    def agrees(self, claimed, true) -> bool:
        """Does ``claimed`` equal ``true``? One point first, so that the many
        wrong candidates of a diagnosis are turned away cheaply."""
        rng = random.Random(self.seed + 1)
        values = self.point([claimed, true], 3, rng, 2)
        try:
            a = self.evaluate(claimed, 3, values, 2)
            b = self.evaluate(true, 3, values, 2)
        except (TypeError, ValueError, ZeroDivisionError):
            return False
        if abs(a - b) > RTOL * max(1.0, abs(a), abs(b)):
            return False
        return self.compare(claimed, true).verdict == "correct"

    def compare(self, claimed, true, where=None) -> Verdict:
        """Verdict on ``claimed`` against ``true`` (both already made true); with
        ``where`` (an expression made true), only at points where it is positive
        (a row said to hold "whenever wx > 0")."""
        rng = random.Random(self.seed)
        ratios, example = [], {}
        for size in SIZES:
            for _ in range(POINTS):
                sample = rng.randint(1, size)
                if where is None:
                    values = self.point([claimed, true], size, rng, sample)
                else:
                    values = self._point_where(where, [claimed, true], size, rng, sample)
                    if values is None:
                        return Verdict("unchecked", reason="no point found where the "
                                       "condition holds")
                try:
                    a = self.evaluate(claimed, size, values, sample)
                    b = self.evaluate(true, size, values, sample)
                except (TypeError, ValueError, ZeroDivisionError) as e:
                    return Verdict("unchecked", reason=f"cannot evaluate: {e}")
                exact = isinstance(a, Fraction) and isinstance(b, Fraction)
                if a == b if exact else abs(a - b) <= RTOL * max(1.0, abs(a), abs(b)):
                    if b != 0:  # both 0 (a ReLU switched off): no say about a factor
                        ratios.append(1.0)
                    continue
                a, b = (x if exact else complex(x) for x in (a, b))
                example = {str(k): float(v) for k, v in values.items()}
                example["n"] = size
                if claimed.has(self.index) or true.has(self.index):
                    example[str(self.index)] = sample
                shown = f"{float(a.real):.6g} where the true value is {float(b.real):.6g}"
                if abs(b) < 1e-12:
                    return Verdict("wrong", counterexample=example, reason=shown)
                ratios.append(a / b)
                if len(ratios) > 1 and abs(ratios[-1] - ratios[0]) > 1e-7 * abs(ratios[0]):
                    return Verdict("wrong", counterexample=example, reason=shown)
        if not ratios or all(abs(x - 1) <= RTOL for x in ratios):
            return Verdict("correct")
        r = ratios[0]
        if abs(r) < 1e-12:  # the written side is 0 where the true one is not
            return Verdict("wrong", counterexample=example,
                           reason="it is 0 where the true value is not")
        factor = sp.Rational(r.numerator, r.denominator) if isinstance(r, Fraction) else \
            sp.nsimplify(r.real, rational=True, tolerance=1e-9)
        if factor == 1:  # equal, up to the rounding of float64 evaluation
            return Verdict("correct")
        return Verdict("factor", factor=factor, counterexample=example,
                       reason=f"off by a constant factor {factor}")


class OverBudget(BaseException):
    """A row took longer than its time budget.

    A BaseException, like KeyboardInterrupt, so that no ``except Exception``
    on the way (in SymPy or here) can swallow it.
    """


#: (deadline, seconds) of the budget blocks in force, outermost first
_DEADLINES: list = []


@contextmanager
def budget(seconds: float | None):
    """Raise :class:`OverBudget` in the block after ``seconds`` of wall time.

    Uses a real-time timer signal, so only in the main thread of a Unix
    process; elsewhere the block runs without a limit. Blocks nest: an inner
    block ends by the outer one's time at the latest, and the outer one's
    timer runs on after it.
    """
    if not seconds or not hasattr(signal, "setitimer") or \
            threading.current_thread() is not threading.main_thread():
        yield
        return
    now = time.monotonic()
    deadline, limit = now + seconds, seconds
    if _DEADLINES and _DEADLINES[-1][0] < deadline:  # inside a block that ends sooner
        deadline, limit = _DEADLINES[-1]

    def ring(signum, frame):
        raise OverBudget(limit)

    old = signal.signal(signal.SIGALRM, ring)
    _DEADLINES.append((deadline, limit))
    # it rings again every 50 ms until the block ends: a ring that lands in a
    # garbage-collector callback is swallowed by Python, the next one is not
    signal.setitimer(signal.ITIMER_REAL, max(deadline - now, 1e-4), 0.05)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        _DEADLINES.pop()
        signal.signal(signal.SIGALRM, old)
        if _DEADLINES:  # the block around this one keeps its own time
            signal.setitimer(signal.ITIMER_REAL,
                             max(_DEADLINES[-1][0] - time.monotonic(), 1e-4), 0.05)


def _vector_arguments(body, params, args, unshield) -> dict:
    r"""What a call ``h(x^{(i)})`` puts for ``h(x) = g(\sum_q \theta_q x_q)``'s names:
    each argument, and for a vector one (x, called with sample i's x^{(i)}) each of
    its entries too (x_1 → x^{(i)}_1)."""
    out = dict(zip(params, args))
    for p, a in zip(params, args):
        a = unshield.get(a, a)  # (an indexed argument arrives shielded)
        if isinstance(p, sp.Symbol) and isinstance(a, sp.Indexed) and str(a.base) == p.name \
                and len(a.indices) == 1:
            for v in body.free_symbols:
                if isinstance(v, sp.Symbol) and is_entry(v.name, p.name):
                    out[v] = sp.IndexedBase(v.name)[a.indices[0]]
    return out


def _fresh_bound(expr):
    """Every sum's bound index renamed to a fresh dummy."""
    def rename(s):
        (idx, lo, hi), *rest = s.limits
        fresh = sp.Dummy(str(idx), integer=True, positive=True)
        return sp.Sum(_fresh_bound(s.function).xreplace({idx: fresh}), (fresh, lo, hi), *rest)
    return expr.replace(lambda e: isinstance(e, sp.Sum), rename)


def _limit(lim):
    """A limit in one variable at a point: a difference quotient of a rational
    function is cancelled and evaluated (fast); anything else goes to SymPy."""
    f, (z,), (z0,) = lim.args[0], lim.args[1:2], lim.args[2:3]
    if z0.is_finite and f.free_symbols <= {z} and not f.has(sp.Function):
        g = sp.cancel(sp.together(f))
        value = g.subs(z, z0)
        if value.is_finite:
            return value
    return lim.doit()


def _write_out(expr):
    """Every sum with whole-number limits written out as its terms.

    ``Sum.doit`` looks for a closed form first, which is slow and not wanted:
    the terms are what the checker evaluates.
    """
    def out(s):
        terms = [s.function]
        for idx, lo, hi in s.limits:
            if not (lo.is_Integer and hi.is_Integer) or int(hi) - int(lo) > 10_000:
                return s
            terms = [t.xreplace({idx: sp.Integer(k)}) for t in terms
                     for k in range(int(lo), int(hi) + 1)]
        return sp.Add(*terms)
    return expr.replace(lambda e: isinstance(e, sp.Sum), out)


def _exact(e, values: dict, memo: dict) -> Fraction:
    """``e`` at ``values`` in exact rational arithmetic; :class:`_Slow` when it
    holds anything else (σ, exp, a fractional power)."""
    try:
        return memo[e]
    except KeyError:
        pass
    if e in values:
        v = values[e]
        if not isinstance(v, sp.Rational):
            raise _Slow(e)
        out = Fraction(int(v.p), int(v.q))
    elif e.is_Rational:
        out = Fraction(int(e.p), int(e.q))
    elif isinstance(e, sp.Add):
        out = sum((_exact(a, values, memo) for a in e.args), Fraction(0))
    elif isinstance(e, sp.Mul):
        out = Fraction(1)
        for a in e.args:
            out *= _exact(a, values, memo)
    elif isinstance(e, sp.Pow) and e.exp.is_Integer and abs(int(e.exp)) <= 64:
        out = _exact(e.base, values, memo) ** int(e.exp)
    else:
        raise _Slow(e)
    memo[e] = out
    return out


_COMPARE = {sp.StrictLessThan: lambda a, b: a < b, sp.LessThan: lambda a, b: a <= b,
            sp.StrictGreaterThan: lambda a, b: a > b, sp.GreaterThan: lambda a, b: a >= b,
            sp.Equality: lambda a, b: a == b, sp.Unequality: lambda a, b: a != b}


def _holds(cond, values: dict, memo: dict) -> bool:
    """Does a case's condition (a comparison, or an And/Or/Not of them) hold at
    ``values``? :class:`_Slow` when it compares values that are not real."""
    if cond is sp.true or cond is sp.false:
        return bool(cond)
    if isinstance(cond, sp.And):
        return all(_holds(c, values, memo) for c in cond.args)
    if isinstance(cond, sp.Or):
        return any(_holds(c, values, memo) for c in cond.args)
    if isinstance(cond, sp.Not):
        return not _holds(cond.args[0], values, memo)
    if type(cond) in _COMPARE:
        a, b = (_number(x, values, memo) for x in cond.args)
        if abs(a.imag) > 1e-12 or abs(b.imag) > 1e-12:
            raise _Slow(cond)
        return _COMPARE[type(cond)](a.real, b.real)
    raise _Slow(cond)


class _Slow(Exception):
    """The tree has a node the float evaluator does not know: use evalf."""


_CMATH = {sp.exp: cmath.exp, sp.log: cmath.log, sp.tanh: cmath.tanh, sp.sin: cmath.sin,
          sp.cos: cmath.cos, sp.sqrt: cmath.sqrt}


def _number(e, values: dict, memo: dict) -> complex:
    """``e`` at ``values`` in complex float64, by walking the tree once."""
    try:
        return memo[e]
    except KeyError:
        pass
    if e in values:
        v = values[e]
        out = v if isinstance(v, complex) else complex(float(v))
    elif e.is_Number:
        out = complex(e)
    elif isinstance(e, sp.Add):
        out = sum((_number(a, values, memo) for a in e.args), 0j)
    elif isinstance(e, sp.Mul):
        out = 1 + 0j
        for a in e.args:
            out *= _number(a, values, memo)
    elif isinstance(e, sp.Pow):
        base, ex = e.args
        b = _number(base, values, memo)
        if ex.is_Integer:
            out = b ** int(ex)
        else:
            out = b ** _number(ex, values, memo)
    elif e is sp.E:
        out = complex(math.e)
    elif isinstance(e, Activation) and len(e.args) == 1:
        x = _number(e.args[0], values, memo)
        if x.imag:
            raise _Slow(e)
        with np.errstate(all="ignore"):
            out = complex(float(type(e).numeric(np.float64(x.real))))
    elif isinstance(e, sp.Function) and type(e) in _CMATH and len(e.args) == 1:
        out = _CMATH[type(e)](_number(e.args[0], values, memo))
    elif isinstance(e, sp.Abs):
        out = complex(abs(_number(e.args[0], values, memo)))
    elif isinstance(e, sp.Piecewise):  # a case's value where its condition holds
        piece = next((v for v, c in e.args if _holds(c, values, memo)), None)
        if piece is None:
            raise _Slow(e)
        out = _number(piece, values, memo)
    else:
        raise _Slow(e)
    if not (math.isfinite(out.real) and math.isfinite(out.imag)):
        raise _Slow(e)
    memo[e] = out
    return out
