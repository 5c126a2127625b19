"""Statements about a cost's stationary point, as notes write them after
"setting the derivatives to zero": the normal equations
(``a \\sum x_i^2 + b \\sum x_i = \\sum x_i y_i``), a parameter's value in terms of
the others (``b = \\bar y - a \\bar x``) and its closed form (``a = …`` in data
alone).

None of these is an identity. Each is judged by what it claims about the
point where the cost's derivatives vanish:

* an equation holds there when it is one of the derivatives set to zero,
  rescaled (``\\sum_i p_i = \\sum_i y_i`` is ∂ℓ/∂b = 0), or, for a cost whose
  derivatives are linear in its parameters (least squares, ridge), when it
  holds at the point itself, solved for at random data;
* a value for one parameter is right when the cost's derivative by that
  parameter vanishes at it, whatever the others are (the value solved for
  given them), or when it is that parameter's entry of the stationary point.

Everything here works at random rational data, written out for a few sample
counts, so that the answer is exact and reproducible.
"""

from __future__ import annotations

import random

import sympy as sp

from .rules import D

#: sample counts the stationary point is solved at
SIZES = (3, 4)


def slopes(judge, cost, params) -> dict:
    """∂cost/∂q made true, for each parameter q the cost depends on."""
    whole = judge.truth(cost)
    return {q: judge.truth(D(cost, q)) for q in params if whole.has(q)}


def rescaled_slope(judge, relation, by_param: dict):
    """The parameter whose derivative ``relation`` (an expression meant to be 0) is a
    constant multiple of, else None: ``\\sum p_i - \\sum y_i`` is -∂ℓ/∂b."""
    for q, slope in by_param.items():
        if slope == 0:
            continue
        verdict = judge.compare(relation, slope)
        if verdict.verdict in ("correct", "factor") and relation != 0:
            return q
    return None


def _linear(exprs, params) -> bool:
    return all(sp.diff(e, p, q) == 0 for e in exprs for p in params for q in params)


def points(judge, by_param: dict, extra=(), seed: int = 0):
    """The stationary point at random data, for each of :data:`SIZES`:
    ``(size, data values, {parameter: value})``. Nothing when the derivatives
    are not linear in the parameters or their zero is not one point."""
    params = list(by_param)
    rng = random.Random(seed)
    for size in SIZES:
        concrete = [judge._concrete(s, size, 1) for s in by_param.values()]
        if not _linear(concrete, params):
            return
        values = {}  # the data: every leaf but the parameters
        for e in list(by_param.values()) + list(extra):
            for atom in judge._leaves(e, size, 1):
                if atom not in params and atom not in values:
                    values[atom] = sp.Rational(rng.randint(-90, 90), rng.randint(20, 60))
        solved = sp.linsolve([e.xreplace(values) for e in concrete], params)
        if len(solved) != 1:
            return
        (at,) = solved
        if any(v.free_symbols & set(params) for v in at):
            return  # a line of stationary points: no one value to compare with
        yield size, values, dict(zip(params, at))


def holds_at(judge, expr, by_param: dict, seed: int = 0):
    """Is ``expr`` zero at the stationary point? None when it cannot be solved for;
    else ``(holds, the value it has there)`` at the first point it fails."""
    seen = False
    for size, values, at in points(judge, by_param, (expr,), seed):
        seen = True
        got = sp.nsimplify(judge._concrete(expr, size, 1).xreplace(values).xreplace(at))
        if got != 0:
            return False, got
    return (True, 0) if seen else None


def solved_given_others(name, slope):
    """``name``'s value from ∂cost/∂name = 0 with every other name held: the
    slope is linear in it (least squares); None otherwise."""
    rate = sp.diff(slope, name)
    if rate == 0 or rate.has(name):
        return None
    return -slope.xreplace({name: 0}) / rate
