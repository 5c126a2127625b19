"""The finite-difference gate that every training run passes first.

Central differences in float64, with torch's gradcheck tolerances: an entry
passes when |analytic − numeric| ≤ atol + rtol·|numeric|. Scalar parameters
and small arrays are checked entry by entry; large arrays along random
directions, and a model with many parameters also along random directions
over all of them, as JAX's ``check_grads`` does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from .errors import DeriveError, GradientCheckError
from .files import read_text

EPS, ATOL, RTOL = 1e-6, 1e-5, 1e-3
#: arrays with more entries than this are checked along random directions
ENTRY_MAX = 64
#: models with more parameter entries than this also get global directions
DIRECTION_MIN = 16


@dataclass(frozen=True)
class Row:
    """One checked quantity: a parameter (entry) or a random direction."""

    name: str
    analytic: float
    numeric: float

    @property
    def error(self) -> float:
        return abs(self.analytic - self.numeric)

    def ok(self, atol=ATOL, rtol=RTOL) -> bool:
        return bool(self.error <= atol + rtol * abs(self.numeric))


@dataclass
class Result:
    rows: list = field(default_factory=list)
    atol: float = ATOL
    rtol: float = RTOL
    eps: float = EPS

    @property
    def ok(self) -> bool:
        return all(r.ok(self.atol, self.rtol) for r in self.rows)

    @property
    def failures(self) -> list:
        return [r for r in self.rows if not r.ok(self.atol, self.rtol)]

    def table(self) -> str:
        """A fixed-width table: parameter, analytic, numeric, error, ok."""
        width = max([9] + [len(r.name) for r in self.rows])
        lines = [f"{'parameter':<{width}}  {'analytic':>14}  {'numeric':>14}  {'error':>9}  ok"]
        for r in self.rows:
            mark = "ok" if r.ok(self.atol, self.rtol) else "FAIL"
            lines.append(f"{r.name:<{width}}  {r.analytic:>14.8g}  {r.numeric:>14.8g}  "
                         f"{r.error:>9.2e}  {mark}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"ok": self.ok, "eps": self.eps, "atol": self.atol, "rtol": self.rtol,
                "rows": [{"name": r.name, "analytic": r.analytic, "numeric": r.numeric,
                          "error": r.error, "ok": r.ok(self.atol, self.rtol)}
                         for r in self.rows]}


def _shift(theta, name, direction, h):
    out = dict(theta)
    value = theta[name]
    out[name] = value + h * direction if np.ndim(value) else float(value) + h * float(direction)
    return out


def gradcheck(trainer, theta: dict, data: dict, *, eps=EPS, atol=ATOL, rtol=RTOL,
              seed: int = 0) -> Result:
    """Compare ``trainer.grad`` with central differences of ``trainer.cost``.

    Args:
        trainer: anything with ``PARAMS``, ``cost(theta, data)`` and
            ``grad(theta, data)``, e.g. a module from :func:`derive.codegen.load`.
        theta: the point, name → float or array.
        data: the data, name → array.

    Returns:
        A :class:`Result`; it does not raise on failure (see :func:`require`).
    """
    rng = np.random.default_rng(seed)
    analytic = trainer.grad(theta, data)
    result = Result(atol=atol, rtol=rtol, eps=eps)

    def central(shifted_a, shifted_b):
        return (trainer.cost(shifted_a, data) - trainer.cost(shifted_b, data)) / (2 * eps)

    total = 0
    for name in trainer.PARAMS:
        value = np.asarray(theta[name], dtype=np.float64)
        g = np.asarray(analytic[name], dtype=np.float64)
        total += value.size
        if value.ndim == 0:
            num = central(_shift(theta, name, 1.0, eps), _shift(theta, name, 1.0, -eps))
            result.rows.append(Row(name, float(g), float(num)))
        elif value.size <= ENTRY_MAX:
            for idx in np.ndindex(value.shape):
                e = np.zeros_like(value)
                e[idx] = 1.0
                num = central(_shift(theta, name, e, eps), _shift(theta, name, e, -eps))
                label = f"{name}[{','.join(map(str, idx))}]"
                result.rows.append(Row(label, float(g[idx]), float(num)))
        else:
            for k in range(2):
                v = rng.standard_normal(value.shape)
                num = central(_shift(theta, name, v, eps), _shift(theta, name, v, -eps))
                result.rows.append(Row(f"{name}·v{k + 1}", float(np.sum(g * v)), float(num)))
    if total > DIRECTION_MIN:
        for k in range(2):
            vs = {p: rng.standard_normal(np.shape(theta[p])) for p in trainer.PARAMS}
            plus, minus = dict(theta), dict(theta)
            for p, v in vs.items():
                plus = _shift(plus, p, v, eps)
                minus = _shift(minus, p, v, -eps)
            ana = sum(float(np.sum(np.asarray(analytic[p]) * v)) for p, v in vs.items())
            result.rows.append(Row(f"direction {k + 1}", ana, float(central(plus, minus))))
    return result


def require(result: Result, model_name: str):
    """Raise :class:`GradientCheckError` naming the first failing parameter."""
    if not result.ok:
        bad = result.failures[0]
        raise GradientCheckError(
            f"gradient check failed for {bad.name} of model {model_name!r}: analytic "
            f"{bad.analytic:.6g}, finite differences {bad.numeric:.6g} (error {bad.error:.2e}); "
            "refusing to train")


def starting_point(model, at: str = "random", seed: int = 0) -> dict:
    """The point to check or start from: ``random``, ``zeros`` or a JSON file.

    Raises:
        DeriveError: an unreadable file, or one that lacks a parameter.
    """
    shapes = model.shapes() if hasattr(model, "shapes") else {}
    if at == "random":
        rng = np.random.default_rng(seed)
        if hasattr(model, "initial"):
            return model.initial(rng)
        return {p: float(rng.normal()) for p in model.param_names}
    if at == "zeros":
        return {p: np.zeros(shapes[p]) if p in shapes else 0.0 for p in model.param_names}
    text = read_text(at, "parameter file")
    try:
        values = json.loads(text)
    except json.JSONDecodeError as e:
        raise DeriveError(f"not JSON: {e.msg}", where=f"{at}:{e.lineno}:{e.colno}") from None
    if isinstance(values, dict) and isinstance(values.get("params"), dict):
        values = values["params"]  # a file written by train --save
    if not isinstance(values, dict):
        raise DeriveError("expected a JSON object of parameter values", where=at)
    out = {}
    for p in model.param_names:
        if p not in values:
            raise DeriveError(f"parameter {p!r} is missing", where=at)
        try:
            out[p] = (np.array(values[p], dtype=np.float64).reshape(shapes[p]) if p in shapes
                      else float(values[p]))
        except (TypeError, ValueError):
            raise DeriveError(f"parameter {p!r} is not a number: {values[p]!r}",
                              where=at) from None
    return out
