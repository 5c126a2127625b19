"""Every derived gradient is checked against independent oracles.

Three checks, all on the fully substituted ("flat") expressions:

1. **sympy.diff.** SymPy differentiates the flat cost on its own. Its result
   and ours are compared exactly, as polynomial identities: every function
   value f(u) is replaced by a random integer drawn once per (f, u), and both
   sides are evaluated in exact rational arithmetic at random integer points
   with n = 1, 2 and 3 samples. Two different expressions agree at such a point
   with negligible probability (Schwartz–Zippel). This runs while the flat cost
   is small enough for SymPy (``SYMBOLIC_OPS``).
2. **Forward mode, exactly.** An evaluator of our own carries (value,
   tangent) pairs through the flat cost in the same exact arithmetic. It
   shares no code with the rules and has no size limit.
3. **Central finite differences** of the real cost in float64, with the real
   σ, softplus, exp..., with torch's gradcheck tolerances.

A failure raises :class:`VerificationError` naming the parameter and the
check; it means a bug in a rule, so nothing is ever printed from it.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import sympy as sp

from .errors import VerificationError
from .functions import numeric
from .models import i as INDEX
from .models import n as COUNT

#: sympy.diff runs while (number of parameters) × count_ops(flat cost) is at most this
SYMBOLIC_BUDGET = 500
#: models with more parameters are checked along random directions (linear time)
PER_PARAM_MAX = 24
EPS, ATOL, RTOL = 1e-6, 1e-5, 1e-3
SIZES = (1, 2, 3)


@dataclass
class ParamReport:
    symbolic: str = "skipped"
    exact_points: int = 0
    fd_error: float = 0.0


@dataclass
class Report:
    """What was checked, per parameter and along random directions."""

    params: dict = field(default_factory=dict)
    directions: int = 0

    def summary(self) -> str:
        sym = sum(r.symbolic == "agrees" for r in self.params.values())
        pts = sum(r.exact_points for r in self.params.values())
        err = max((r.fd_error for r in self.params.values()), default=0.0)
        how = (f"{pts} exact forward-mode points" if pts else
               f"{self.directions} exact forward-mode random directions")
        return (f"verified {len(self.params)} partials: {sym} against sympy.diff, {how}, "
                f"finite differences max error {err:.1e}")


class SampleSum(sp.Expr):
    """Σ_{i=1}^{n} body, without the checks ``Sum`` makes on construction.

    ``Sum.__new__`` walks its whole body as a tree; a flat gradient of a deep
    chain is a DAG whose tree is huge, so flat expressions use this instead.
    """

    def __new__(cls, body, *limits):
        return sp.Expr.__new__(cls, body, *limits)

    @property
    def function(self):
        return self.args[0]

    @property
    def limits(self):
        return (self.args[1],)

    def _sympystr(self, printer):
        (idx, lo, hi), = self.limits
        return (f"Sum({printer._print(self.function)}, "
                f"({printer._print(idx)}, {printer._print(lo)}, {printer._print(hi)}))")


def _light(expr):
    return expr.replace(lambda e: isinstance(e, sp.Sum),
                        lambda e: SampleSum(e.function, *e.limits))


def flatten(derivs) -> dict:
    """The flat expression of every gradient: parameter name → expression.

    Sums in the results are :class:`SampleSum` s.
    """
    flat = derivs.flat_map(_light)
    return {p: _light(d.result).xreplace(flat) for p, d in derivs.gradients.items()}


def verify(derivs, *, seed: int = 0) -> Report:
    """Check every gradient in ``derivs`` three ways (see the module docstring).

    Small models are checked parameter by parameter. Larger ones are checked
    along random directions v, comparing Σ_p v_p ∂C/∂p with one forward-mode
    pass, which keeps the work linear in depth; a disagreement is then
    localised parameter by parameter.

    Returns:
        A :class:`Report` of what was checked.

    Raises:
        VerificationError: a gradient disagrees with an oracle.
    """
    if sys.getrecursionlimit() < 20000:  # flat costs of deep chains nest deeply
        sys.setrecursionlimit(20000)
    model = derivs.model
    rng = random.Random(seed)
    cost = model.flat_cost()
    grads = flatten(derivs)
    report = Report({name: ParamReport() for name in grads})
    params = [model.param(name) for name in grads]
    symbolic = len(params) * sp.count_ops(cost) <= SYMBOLIC_BUDGET
    for size in SIZES:
        env = _exact_point(model, size, rng)
        table: dict = {}
        ours = Evaluator(env, table)
        values = {name: ours.value(g) for name, g in grads.items()}
        if symbolic:
            for p in params:
                if Evaluator(env, table).value(sp.diff(cost, p)) != values[p.name]:
                    _fail(model, p.name, f"sympy.diff at a point with n = {size}")
                report.params[p.name].symbolic = "agrees"
        if len(params) <= PER_PARAM_MAX:
            suspects = params
        else:
            v = {p: rng.randint(-10**6, 10**6) for p in params}
            forward = Evaluator(env, table, tangent=v).dual(cost)[1]
            report.directions += 1
            if forward == sum(v[p] * values[p.name] for p in params):
                continue
            suspects = params  # localise the disagreement
        for p in suspects:
            forward = Evaluator(env, table, tangent={p: 1}).dual(cost)[1]
            if forward != values[p.name]:
                _fail(model, p.name, f"forward-mode differentiation at a point with n = {size}")
            report.params[p.name].exact_points += 1
    for p in params:
        if report.params[p.name].symbolic != "agrees":
            report.params[p.name].symbolic = "skipped (cost too large for sympy.diff)"
    _finite_differences(model, cost, grads, report, np.random.default_rng(seed))
    return report


def _fail(model, name, oracle):
    raise VerificationError(f"∂{model.cost_name}/∂{name} of model {model.name!r} disagrees "
                            f"with {oracle}")


def _exact_point(model, size, rng):
    env = {COUNT: size}
    for p in model.params:
        env[p] = Fraction(rng.randint(-10**6, 10**6), rng.randint(1, 10**3))
    for d in model.data:
        env[d] = np.array([Fraction(rng.randint(-10**6, 10**6), rng.randint(1, 10**3))
                           for _ in range(size)], dtype=object)
    return env


def _float_point(model, size, rng):
    env = {COUNT: size}
    for p in model.params:
        env[p] = float(rng.normal())
    for d in model.data:
        env[d] = rng.uniform(-1.0, 1.0, size)
    return env


def _finite_differences(model, cost, grads, report, rng):
    env = _float_point(model, 5, rng)
    ours = Evaluator(env)
    analytic = {name: float(ours.value(g)) for name, g in grads.items()}
    params = [model.param(name) for name in grads]
    if len(params) <= PER_PARAM_MAX:
        directions = [({p: 1.0}, p.name) for p in params]
    else:
        directions = [({p: float(x) for p, x in zip(params, rng.normal(size=len(params)))},
                       None) for _ in range(2)]
    for v, name in directions:
        plus, minus = dict(env), dict(env)
        for p, x in v.items():
            plus[p] += EPS * x
            minus[p] -= EPS * x
        fd = (float(Evaluator(plus).value(cost)) - float(Evaluator(minus).value(cost))) / (2 * EPS)
        ana = sum(x * analytic[p.name] for p, x in v.items())
        err = abs(ana - fd)
        for p in v:
            report.params[p.name].fd_error = max(report.params[p.name].fd_error, err)
        if not err <= ATOL + RTOL * abs(fd):
            what = f"∂{model.cost_name}/∂{name}" if name else "a random directional derivative"
            raise VerificationError(
                f"{what} of model {model.name!r} disagrees with central finite differences: "
                f"{ana:.6g} vs {fd:.6g}")


class Evaluator:
    """Evaluate a flat expression over all samples at once.

    Values are scalars or arrays over the samples (for anything that depends
    on the sample index). With ``table`` (a dict) the arithmetic is exact and
    every function value is a random integer drawn once per (function,
    argument); without it, floats and the real functions are used. With
    ``tangent`` (symbol → its tangent), :meth:`dual` also returns the
    directional derivative.
    """

    def __init__(self, env: dict, table: dict | None = None, tangent=None):
        self.env = env
        self.table = table
        self.tangent = tangent
        self.memo: dict = {}

    # -- plain values ----------------------------------------------------
    def value(self, expr):
        return self.dual(expr)[0] if self.tangent is not None else self._value(expr)

    def _value(self, expr):
        try:
            return self.memo[expr]
        except KeyError:
            pass
        out = self._compute(expr, self._value)
        self.memo[expr] = out
        return out

    def _compute(self, expr, ev):
        if expr.is_Integer:
            return int(expr)
        if expr.is_Rational:
            return Fraction(int(expr.p), int(expr.q)) if self.exact else float(expr)
        if expr.is_Number:
            if self.exact:
                raise VerificationError(f"cannot check {expr} exactly")
            return float(expr)
        if isinstance(expr, sp.Symbol):
            return self.env[expr]
        if isinstance(expr, sp.Indexed):
            return self.env[expr.base]
        if expr.is_Add:
            return _fold(lambda a, b: a + b, map(ev, expr.args))
        if expr.is_Mul:
            return _fold(lambda a, b: a * b, map(ev, expr.args))
        if expr.is_Pow:
            return self._power(ev(expr.base), expr.exp, ev)
        if isinstance(expr, (sp.Sum, SampleSum)):
            return self._sum(expr, ev)
        if isinstance(expr, sp.Function) and len(expr.args) == 1:
            return self._apply(expr.func, ev(expr.args[0]))
        raise VerificationError(f"cannot evaluate {type(expr).__name__} in {expr}")

    @property
    def exact(self) -> bool:
        return self.table is not None

    def _power(self, base, exp, ev):
        if exp.is_Integer:
            k = int(exp)
            return base ** k if k >= 0 else 1 / base ** (-k) if not self.exact else _inv(base) ** (-k)
        if not self.exact:
            return base ** float(ev(exp)) if exp.is_Number else base ** ev(exp)
        if exp.is_Rational:
            # u^(m + r) = u^m · T(u, r), T random: consistent with k u^(k-1)
            m = int(sp.floor(exp))
            frac = exp - m
            return self._power(base, sp.Integer(m), ev) * self._generic(("pow", frac), base)
        raise VerificationError(f"cannot check a power with exponent {exp} exactly")

    def _sum(self, expr, ev):
        (idx, lo, hi), = expr.limits
        if (idx, lo, hi) != (INDEX, 1, COUNT):
            raise VerificationError(f"only sums over i = 1..n can be checked, not {expr.limits}")
        body = ev(expr.function)
        if isinstance(body, np.ndarray):
            return _fold(lambda a, b: a + b, body)
        return body * self.env[COUNT]

    def _apply(self, func, arg):
        if self.exact:
            return self._generic(func, arg)
        return numeric(func)(np.asarray(arg, dtype=float) if isinstance(arg, np.ndarray) else arg)

    def _generic(self, key, arg):
        if isinstance(arg, np.ndarray):
            return np.array([self._generic(key, a) for a in arg], dtype=object)
        try:
            return self.table[key, arg]
        except KeyError:
            v = self.table[key, arg] = Fraction(random.Random(hash((str(key), arg))).randint(
                -10**6, 10**6), 1)
            return v

    # -- forward mode ----------------------------------------------------
    def dual(self, expr):
        """(value, derivative along ``tangent``) of ``expr``."""
        try:
            return self.memo[expr]
        except KeyError:
            pass
        out = self._dual(expr)
        self.memo[expr] = out
        return out

    def _dual(self, expr):
        if expr in self.tangent:
            return self.env[expr], self.tangent[expr]
        if not expr.args or isinstance(expr, sp.Indexed):
            return self._compute(expr, None), 0
        if expr.is_Add:
            parts = [self.dual(a) for a in expr.args]
            return _fold(lambda a, b: a + b, (v for v, _ in parts)), \
                _fold(lambda a, b: a + b, (d for _, d in parts))
        if expr.is_Mul:
            v, d = self.dual(expr.args[0])
            for a in expr.args[1:]:
                va, da = self.dual(a)
                v, d = v * va, v * da + d * va
            return v, d
        if expr.is_Pow and not any(expr.exp.has(t) for t in self.tangent):
            vb, db = self.dual(expr.base)
            k = expr.exp
            val = self._power(vb, k, lambda e: self.dual(e)[0])
            return val, k_times(k, self._power(vb, k - 1, lambda e: self.dual(e)[0]), self.exact) * db
        if isinstance(expr, (sp.Sum, SampleSum)):
            v, d = self.dual(expr.function)
            total = lambda x: (_fold(lambda a, b: a + b, x) if isinstance(x, np.ndarray)
                               else x * self.env[COUNT])
            return total(v), total(d)
        if isinstance(expr, sp.Function) and len(expr.args) == 1:
            vu, du = self.dual(expr.args[0])
            slope = self._derivative_value(expr.func, vu)
            return self._apply(expr.func, vu), slope * du
        raise VerificationError(f"cannot differentiate {type(expr).__name__} in forward mode")

    def _derivative_value(self, func, u):
        x = sp.Dummy("u")
        fprime = func(x).fdiff(1)
        sub = Evaluator({**self.env, x: u}, self.table)
        sub.memo = {}
        return sub.value(fprime)


def k_times(k, value, exact):
    if k.is_Integer:
        return int(k) * value
    return (Fraction(int(k.p), int(k.q)) if exact else float(k)) * value


def _inv(x):
    if isinstance(x, np.ndarray):
        return np.array([_inv(v) for v in x], dtype=object)
    return 1 / Fraction(x)


def _fold(op, values):
    it = iter(values)
    acc = next(it)
    for v in it:
        acc = op(acc, v)
    return acc
