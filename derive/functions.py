"""Activation functions that carry their own derivative, LaTeX and code.

Each class here is a SymPy ``Function`` with

* ``fdiff``: the derivative, written the way lecture notes write it
  (σ' = σ(1 − σ), softplus' = σ), so that derivations stay readable;
* ``_latex``: its notation (``\\sigma``, ``\\operatorname{softplus}``);
* ``_numpycode``: vectorised NumPy (or jax.numpy) code for generated trainers,
  and ``_pythoncode``: scalar ``math`` code for numba's fused loops;
* ``numeric``: a float64 NumPy implementation used by the verifier.

``FUNCTIONS`` maps the names users may write in model files to classes,
including the SymPy built-ins that need no wrapper.
"""

from __future__ import annotations

import numpy as np
import sympy as sp


def _module(printer) -> str:
    """The array module a code printer writes for (numpy, jax.numpy)."""
    return getattr(printer, "_module", "numpy")


class Activation(sp.Function):
    """Base for the activations: one argument, notes-style printing."""

    nargs = 1
    #: the LaTeX name; the argument is printed in round brackets after it
    latex_name = ""
    #: the rule name shown next to a derivation step that differentiates it
    rule_name = "chain rule"

    def _latex(self, printer, exp=None):
        arg = getattr(printer, "_print_argument", printer._print)(self.args[0])
        tex = rf"{self.latex_name}({arg})"
        return rf"{tex}^{{{exp}}}" if exp else tex

    def _jaxcode(self, printer):
        # JaxPrinter looks for _jaxcode; the code is the NumPy code on jax.numpy
        return self._numpycode(printer)

    @staticmethod
    def numeric(x):  # pragma: no cover - every subclass overrides it
        raise NotImplementedError


class sigmoid(Activation):
    """The logistic function σ(x) = 1 / (1 + e^{−x}); σ'(x) = σ(x)(1 − σ(x))."""

    latex_name = r"\sigma"
    rule_name = "sigmoid rule: σ' = σ(1 − σ)"

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return sp.Rational(1, 2)
        return None

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return 1 / (1 + sp.exp(-x))

    def _eval_evalf(self, prec):
        return (1 / (1 + sp.exp(-self.args[0]))).evalf(prec)

    def _numpycode(self, printer):
        x = printer._print(self.args[0])
        return f"(1.0 / (1.0 + {_module(printer)}.exp(-({x}))))"

    def _pythoncode(self, printer):
        x = printer._print(self.args[0])
        return f"(1.0 / (1.0 + math.exp(-({x}))))"

    @staticmethod
    def numeric(x):
        return 1.0 / (1.0 + np.exp(-x))


class softplus(Activation):
    """softplus(x) = log(1 + e^x); its derivative is σ(x)."""

    latex_name = r"\operatorname{softplus}"
    rule_name = "softplus rule: softplus' = σ"

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return sp.log(1 + sp.exp(x))

    def _eval_evalf(self, prec):
        return sp.log(1 + sp.exp(self.args[0])).evalf(prec)

    def _numpycode(self, printer):
        x = printer._print(self.args[0])
        return f"{_module(printer)}.logaddexp(0.0, {x})"

    def _pythoncode(self, printer):
        x = printer._print(self.args[0])
        # log(1 + e^x) without overflow for large x
        return f"(max({x}, 0.0) + math.log1p(math.exp(-abs({x}))))"

    @staticmethod
    def numeric(x):
        return np.logaddexp(0.0, x)


class step(Activation):
    """The unit step, 1 for x > 0 and 0 otherwise: the derivative of ReLU."""

    latex_name = r"\mathbb{1}"
    rule_name = "step rule: 1' = 0 (almost everywhere)"

    def _latex(self, printer, exp=None):
        arg = getattr(printer, "_print_argument", printer._print)(self.args[0])
        tex = rf"\mathbb{{1}}[{arg} > 0]"
        return rf"{tex}^{{{exp}}}" if exp else tex

    def fdiff(self, argindex=1):
        return sp.Integer(0)

    def _eval_evalf(self, prec):
        x = self.args[0].evalf(prec)
        return sp.Float(1 if x > 0 else 0, prec) if x.is_number else None

    def _numpycode(self, printer):
        x = printer._print(self.args[0])
        m = _module(printer)
        return f"{m}.where({m}.greater({x}, 0.0), 1.0, 0.0)"

    def _pythoncode(self, printer):
        x = printer._print(self.args[0])
        return f"(1.0 if ({x}) > 0.0 else 0.0)"

    @staticmethod
    def numeric(x):
        return np.greater(x, 0.0).astype(np.float64)


class relu(Activation):
    """ReLU(x) = max(0, x); its derivative is the unit step (0 at x = 0)."""

    latex_name = r"\operatorname{ReLU}"
    rule_name = "ReLU rule: ReLU' = 1[x > 0]"

    def fdiff(self, argindex=1):
        return step(self.args[0])

    def _eval_evalf(self, prec):
        x = self.args[0].evalf(prec)
        return sp.Max(0, x) if x.is_number else None

    def _numpycode(self, printer):
        x = printer._print(self.args[0])
        return f"{_module(printer)}.maximum({x}, 0.0)"

    def _pythoncode(self, printer):
        x = printer._print(self.args[0])
        return f"max({x}, 0.0)"

    @staticmethod
    def numeric(x):
        return np.maximum(x, 0.0)


#: activations defined here, for registry-driven tests
ACTIVATIONS: dict[str, type[Activation]] = {
    "sigmoid": sigmoid, "softplus": softplus, "relu": relu, "step": step}

#: every function a model may use, by the name users write
FUNCTIONS: dict[str, type[sp.Function]] = {
    **ACTIVATIONS, "tanh": sp.tanh, "exp": sp.exp, "log": sp.log}

#: float64 implementations of the SymPy built-ins, for the numeric evaluator
NUMERIC_BUILTINS = {sp.exp: np.exp, sp.log: np.log, sp.tanh: np.tanh}

#: rule names shown for the built-ins when they are differentiated
BUILTIN_RULE_NAMES = {
    sp.exp: "exp rule: (e^u)' = e^u",
    sp.log: "log rule: (log u)' = 1/u",
    sp.tanh: "tanh rule: tanh' = 1 − tanh²",
}


def rule_name(func: type) -> str:
    """The name of the rule that differentiates an application of ``func``."""
    if isinstance(func, type) and issubclass(func, Activation):
        return func.rule_name
    return BUILTIN_RULE_NAMES.get(func, f"chain rule ({func})")


def numeric(func: type):
    """The float64 NumPy implementation of ``func``."""
    if isinstance(func, type) and issubclass(func, Activation):
        return func.numeric
    try:
        return NUMERIC_BUILTINS[func]
    except KeyError:
        raise KeyError(f"no numeric implementation for {func}") from None
