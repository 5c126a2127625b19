"""Derivations as plain data, for ``--json``.

Every ``"sympy"`` field is ``str()`` of a fully substituted expression: only
the model's parameter and data names appear, data as ``x[i]``, sums as
``Sum(..., (i, 1, n))`` and activations by their function names, so that
``sympy.sympify(text, locals=...)`` reads it back given those names.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.str import StrPrinter

from .latex import definitions, latex, lhs
from .verify import flatten


class _MemoStr(StrPrinter):
    """``str()``, remembering what it printed: flat gradients of deep chains
    repeat the same subexpressions many times over."""

    def __init__(self):
        super().__init__()
        self._memo = {}

    def _print(self, expr, **kwargs):
        if kwargs or not isinstance(expr, sp.Basic):
            return super()._print(expr, **kwargs)
        try:
            return self._memo[expr]
        except KeyError:
            out = self._memo[expr] = super()._print(expr)
            return out


def to_dict(derivs, *, style: str = "grad") -> dict:
    """The JSON object of ``derive show --json``.

    Returns:
        ``{"model", "params", "data", "cost": {"latex", "sympy"},
        "gradients": {P: {"latex", "sympy", "steps": [{"latex", "rule"}]}}}``,
        plus ``"adjoints"`` for reverse-mode derivations and ``"verification"``.
    """
    if getattr(derivs, "mode", None) == "matrix":
        from .mlp import to_dict as matrix_dict
        return matrix_dict(derivs, style)
    model = derivs.model
    flat = flatten(derivs)
    printer = _MemoStr()
    grads = {}
    for name, d in derivs.gradients.items():
        kw = dict(model=model, style=style, order=d.order, glyphs=derivs.adjoint_glyphs)
        grads[name] = {
            "latex": f"{lhs(d, derivs, style)} = {latex(d.result, **kw)}",
            "sympy": printer.doprint(flat[name]),
            "steps": [{"latex": latex(s.expr, **kw), "rule": s.rule} for s in d.steps],
        }
    out = {
        "model": model.name,
        "params": list(model.param_names),
        "data": list(model.data_names),
        "cost": {"latex": definitions(model, style)[-1].replace(" &= ", " = "),
                 "sympy": str(model.flat_cost())},
        "gradients": grads,
        "mode": derivs.mode,
    }
    if derivs.adjoints:
        out["adjoints"] = {
            str(d.lhs): latex(d.result, model=model, style=style, order=d.order,
                              glyphs=derivs.adjoint_glyphs)
            for d in derivs.adjoints}
    if derivs.report is not None:
        out["verification"] = derivs.report.summary()
    return out


