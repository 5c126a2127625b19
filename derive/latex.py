"""LaTeX in the notes' own notation.

:class:`NotesPrinter` is a SymPy ``LatexPrinter`` with three styles:

* ``grad``: grad.tex's macros, ``\\pd[w_1] C`` and ``\\avgsum[i, n]``;
* ``leibniz``: ``\\frac{\\partial C}{\\partial w_1}``;
* ``expanded``: ``\\partial_{w_1} C``, no macros, every step on its own line
  with its rule, as in the rendered write-up of grad.tex.

Products come out in the order a person writes them,
``2(a_i - z_i) a_i (1 - a_i) x_i``: the derivation records the order in which
its rules produced the factors, and the printer follows it.
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.printing.latex import LatexPrinter

from .models import n as COUNT
from .rules import D

STYLES = ("grad", "leibniz", "expanded")

#: grad.tex's macros, emitted with ``macros=True``
MACROS = (r"\def\pd[#1]{\partial_{#1}}",
          r"\def\avgsum[#1,#2]{\frac{1}{#2}\sum_{#1=1}^{#2}}")

# rule names are written for terminals ("sigmoid rule: σ' = σ(1 − σ)"); the
# formula after the colon becomes math with these replacements
_MATH = {"σ": r"\sigma", "−": "-", "∂": r"\partial", "ℓ": r"\ell", "Σ": r"\sum",
         "v̄": r"\bar{v}", "²": "^2", "·": r"\cdot", "→": r"\to", "≥": r"\ge",
         "⊙": r"\odot", "φ": r"\varphi", "ᵀ": r"^\top", "δ": r"\delta"}


def rule_tex(rule: str) -> str:
    """A rule name for an ``align`` row: ``\\text{sigmoid rule: } \\sigma' = …``."""
    name, sep, formula = rule.partition(": ")
    if sep and (any(k in formula for k in _MATH) or "=" in formula):
        for k, v in _MATH.items():
            formula = re.sub(re.escape(k) + "(?=[A-Za-z])", lambda m: v + " ", formula).replace(k, v)
        return rf"\text{{{name}: }} {formula.strip()}"
    return rf"\text{{{rule.replace('_', chr(92) + '_')}}}"


class NotesPrinter(LatexPrinter):
    """LaTeX printer for derivations; see the module docstring.

    Settings (unknown keys are errors, as in every SymPy printer):
        style: ``grad``, ``leibniz`` or ``expanded``.
        model: the :class:`~derive.models.Model` whose notation to use.
        order: factors in display order (from a :class:`Derivation`).
        glyphs: extra name → :class:`~derive.notation.Glyph` (adjoints).
    """

    printmethod = "_latex"
    _default_settings = {**LatexPrinter._default_settings,
                         "style": "grad", "model": None, "order": (), "glyphs": None}

    def __init__(self, settings=None):
        super().__init__(settings)
        if self._settings["style"] not in STYLES:
            raise ValueError(f"unknown style {self._settings['style']!r}; "
                             f"choose one of {', '.join(STYLES)}")
        model = self._settings["model"]
        self._order = {f: k for k, f in enumerate(self._settings["order"])}
        self._inside = 0  # > 0 inside a ∂ or a function argument
        self._params = {p: k for k, p in enumerate(model.params)} if model else {}
        targets = [t for t, _ in model.intermediates] if model else []
        # intermediates come before data in sums (a_i - z_i), in model order
        self._inters = {t: k for k, t in enumerate(targets)}
        self._inter_bases = {t.base: k for k, t in enumerate(targets)
                             if isinstance(t, sp.Indexed)}

    @property
    def style(self):
        return self._settings["style"]

    # -- names -----------------------------------------------------------
    def _glyph(self, name):
        extra = self._settings["glyphs"] or {}
        if name in extra:
            return extra[name]
        model = self._settings["model"]
        return model.notation.glyph(name) if model else None

    def _print_Symbol(self, expr, style="plain"):
        glyph = self._glyph(expr.name)
        return glyph.render() if glyph else super()._print_Symbol(expr)

    def _print_Indexed(self, expr):
        glyph = self._glyph(str(expr.base))
        index = ",".join(self._print(k) for k in expr.indices)
        if glyph:
            return glyph.render(index)
        return f"{self._print(expr.base)}_{{{index}}}"

    def _print_IndexedBase(self, expr):
        glyph = self._glyph(str(expr))
        return glyph.render() if glyph else super()._print_IndexedBase(expr)

    # -- derivatives -----------------------------------------------------
    def _print_D(self, expr):
        wrt = self._print(expr.wrt)
        atomic = isinstance(expr.expr, (sp.Symbol, sp.Indexed))
        inner = self._print_argument(expr.expr)
        if self.style == "leibniz":
            if atomic:
                return rf"\frac{{\partial {inner}}}{{\partial {wrt}}}"
            return rf"\frac{{\partial}}{{\partial {wrt}}}\left({inner}\right)"
        op = rf"\pd[{wrt}]" if self.style == "grad" else rf"\partial_{{{wrt}}}"
        return f"{op} {inner}" if atomic else rf"{op}\left({inner}\right)"

    def _print_argument(self, expr):
        """An argument of ∂ or a function: written as a definition is (x_i w_1),
        not in the derivation's factor order."""
        self._inside += 1
        try:
            return self._print(expr)
        finally:
            self._inside -= 1

    # -- sums, products, powers ------------------------------------------
    def _sum_head(self, limits, mean):
        (idx, lo, hi), = limits
        idx_tex, hi_tex = self._print(idx), self._print(hi)
        if mean and self.style == "grad":
            return rf"\avgsum[{idx_tex}, {hi_tex}]"
        head = rf"\sum_{{{idx_tex}={self._print(lo)}}}^{{{hi_tex}}}"
        return rf"\frac{{1}}{{{hi_tex}}} {head}" if mean else head

    def _print_Sum(self, expr, mean=False):
        if len(expr.limits) > 1:  # Σ_i Σ_j …: one sum inside the other (printed apart:
            # SymPy merges Sum(Sum(f, j), i) back into one Sum)
            inner = self._print_Sum(sp.Sum(expr.function, *expr.limits[:-1]))
            return f"{self._sum_head(expr.limits[-1:], mean)} {inner}"
        body = expr.function
        tex = self._print(body)
        if body.is_Add:
            tex = rf"\left({tex}\right)"
        return f"{self._sum_head(expr.limits, mean)} {tex}"

    def _print_Mul(self, expr):
        coeff, factors = expr.as_coeff_mul()
        sign = "- " if coeff < 0 else ""
        coeff = abs(coeff)
        num, den = [], []
        for f in factors:
            if f.is_Pow and f.exp.is_Rational and f.exp.is_negative:
                den.append(f.base ** -f.exp)
            else:
                num.append(f)
        # (1/n) Σ_{i=1}^{n} … is one symbol in the notes
        sums = [f for f in num if isinstance(f, sp.Sum)]
        if coeff == 1 and len(sums) == 1 and den == [COUNT] and len(num) == 1 \
                and sums[0].limits[0][2] == COUNT:
            return sign + self._print_Sum(sums[0], mean=True)
        # the derivation's order holds for its products, not for x_i w_1 inside σ
        hinted = not self._inside and all(
            isinstance(f, (D, sp.Sum)) or (f.base if f.is_Pow else f) in self._order
            for f in num)
        num.sort(key=self._factor_key if hinted else self._plain_key)
        parts = []
        if den:
            top = self._print(coeff.p) if coeff.q == 1 else self._print(coeff.p)
            bottom = " ".join(self._wrap(d) for d in
                              ([sp.Integer(coeff.q)] if coeff.q != 1 else []) + den)
            parts.append(rf"\frac{{{top}}}{{{bottom}}}")
        elif coeff != 1:
            parts.append(self._print(coeff.p) if coeff.q == 1
                         else rf"\frac{{{coeff.p}}}{{{coeff.q}}}")
        parts += [self._wrap(f) for f in num]
        if not parts:
            return sign + "1"
        out = parts[0]
        for prev, part in zip(parts, parts[1:]):
            # 2(a_i - z_i): no space between a number and a bracket
            glue = "" if part.startswith("(") and prev[-1:].isdigit() else " "
            out += glue + part
        return sign + out

    def _wrap(self, f):
        tex = self._print(f)
        if f.is_Add or (f.is_Mul and f.could_extract_minus_sign()):
            return self._paren(tex)
        return tex

    @staticmethod
    def _paren(tex):
        if "\\frac" in tex or "\\sum" in tex or "\\avgsum" in tex:
            return rf"\left({tex}\right)"
        return f"({tex})"

    def _factor_key(self, f):
        if isinstance(f, D):
            return (4, 0)
        base = f.base if f.is_Pow else f
        if base in self._order:
            return (1, self._order[base])
        if isinstance(f, sp.Sum):
            return (3, 0)
        return (2, self._atom_rank(base))

    def _plain_key(self, f):
        if isinstance(f, D):
            return (4, 0)
        return (2, self._atom_rank(f.base if f.is_Pow else f))

    def _atom_rank(self, f):
        if isinstance(f, sp.Indexed) or f in self._inters:
            return 0
        if f in self._params:
            return 1 + self._params[f] / (len(self._params) + 1)
        return 3

    def _print_Add(self, expr, order=None):
        terms = sorted(expr.args, key=self._term_key)
        # y_i - \hat{y}_i, not -\hat{y}_i + y_i: lead with a positive term
        lead = next((t for t in terms if not t.could_extract_minus_sign()), None)
        if lead is not None and terms[0].could_extract_minus_sign():
            terms.remove(lead)
            terms.insert(0, lead)
        out = self._print(terms[0])
        for t in terms[1:]:
            if t.could_extract_minus_sign():
                out += " - " + self._print_term(-t)
            else:
                out += " + " + self._print_term(t)
        return out

    def _print_term(self, t):
        tex = self._print(t)
        return self._paren(tex) if t.is_Add else tex

    def _term_key(self, t):
        if t.is_Number:
            return (0, 0)
        inters = [self._inters[a] for a in t.free_symbols if a in self._inters]
        inters += [self._inter_bases[a.base] for a in t.atoms(sp.Indexed)
                   if a.base in self._inter_bases]
        if inters:
            return (1, min(inters))
        params = [self._params[a] for a in t.free_symbols if a in self._params]
        if params:
            return (2, min(params))
        return (3, 0)

    def _print_Pow(self, expr):
        base, exp = expr.args
        if exp == sp.Rational(1, 2):
            return rf"\sqrt{{{self._print(base)}}}"
        if exp.is_Rational and exp.is_negative:
            return rf"\frac{{1}}{{{self._print(base ** -exp)}}}"
        tex = self._print(base)
        if base.is_Add or base.is_Mul or base.is_Pow or (base.is_Number and base < 0) \
                or isinstance(base, (sp.Sum, D, sp.exp)) or base.is_Rational and not base.is_Integer:
            tex = self._paren(tex)
        exp_tex = self._print(exp)
        return f"{tex}^{exp_tex}" if len(exp_tex) == 1 else f"{tex}^{{{exp_tex}}}"

    def _print_exp(self, expr, exp=None):
        tex = rf"e^{{{self._print_argument(expr.args[0])}}}"
        return rf"\left({tex}\right)^{{{exp}}}" if exp else tex

    def _print_log(self, expr, exp=None):
        tex = rf"\log({self._print_argument(expr.args[0])})"
        return rf"{tex}^{{{exp}}}" if exp else tex


def latex(expr, *, model=None, style="grad", order=(), glyphs=None) -> str:
    """LaTeX for one expression in ``model``'s notation."""
    return NotesPrinter({"style": style, "model": model, "order": order,
                         "glyphs": glyphs}).doprint(expr)


def lhs(derivation, derivs, style="grad") -> str:
    """The left side of a derivation: ``\\pd[w_1] C`` or ``\\bar{a}_i``."""
    model = derivs.model
    if derivation.kind == "adjoint":
        return latex(derivation.lhs, model=model, style=style, glyphs=derivs.adjoint_glyphs)
    return latex(D(derivation.of, derivation.wrt), model=model, style=style)


def lines(derivation, derivs, *, style="grad", steps=False) -> list[str]:
    """The ``align`` rows of one derivation (without the trailing ``\\\\``)."""
    model = derivs.model
    kw = dict(model=model, style=style, order=derivation.order, glyphs=derivs.adjoint_glyphs)
    left = lhs(derivation, derivs, style)
    if not steps:
        return [f"{left} &= {latex(derivation.result, **kw)}"]
    rows = [f"{left} &= {latex(derivation.start, **kw)}"]
    for step in derivation.steps:
        row = f"&= {latex(step.expr, **kw)}"
        if style == "expanded":
            row += f" && {rule_tex(step.rule)}"
        rows.append(row)
    return rows


def definitions(model, style="grad") -> list[str]:
    """The model's defining equations as ``align`` rows: ``a_i &= \\sigma(…)``."""
    rows = [f"{latex(t, model=model, style=style)} &= {latex(d, model=model, style=style)}"
            for t, d in model.intermediates]
    name = model.cost_name if len(model.cost_name) == 1 else rf"\mathrm{{{model.cost_name}}}"
    rows.append(f"{name} &= {latex(model.cost, model=model, style=style)}")
    return rows


def align(rows, env="align") -> str:
    """Rows joined into an environment (``align``, ``align*`` or ``aligned``)."""
    body = " \\\\\n".join(rows)
    return f"\\begin{{{env}}}\n{body}\n\\end{{{env}}}"


def to_latex(derivs, *, style="grad", steps=False, env="align", macros=False,
             adjoints=True) -> str:
    """All gradients of a :class:`~derive.derivation.Derivations` as LaTeX.

    Args:
        derivs: the derivations.
        style: ``grad``, ``leibniz`` or ``expanded``.
        steps: every step (one row each) instead of the final formulas;
            the ``expanded`` style always shows them.
        env: the environment to wrap the rows in.
        macros: put grad.tex's ``\\def`` lines first (``grad`` style).
        adjoints: include the adjoint definitions of a reverse-mode derivation.
    """
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; choose one of {', '.join(STYLES)}")
    if getattr(derivs, "mode", None) == "matrix":
        from .mlp import to_latex as matrix_latex
        return matrix_latex(derivs, style=style, steps=steps, env=env, macros=macros)
    steps = steps or style == "expanded"
    rows = []
    if adjoints:
        for d in derivs.adjoints:
            rows += lines(d, derivs, style=style, steps=steps)
    for d in derivs.gradients.values():
        rows += lines(d, derivs, style=style, steps=steps)
    out = align(rows, env)
    if macros and style == "grad":
        out = "\n".join(MACROS) + "\n" + out
    return out


def decimals(expr):
    """``expr`` with its non-integer rationals as decimals (46.32, not 1158/25)."""
    return expr.xreplace({r: sp.Float(r, 15) for r in expr.atoms(sp.Rational)
                          if not r.is_Integer})


def data_rows(derivs, dataset, grads, minimiser, style="grad") -> list[str]:
    """``align`` rows for the gradients on a data set, and the minimiser."""
    model = derivs.model
    rows = []
    for name, g in grads.items():
        left = latex(D(sp.Symbol(model.cost_name), model.param(name)), model=model, style=style)
        rows.append(f"{left} &= {latex(decimals(g), model=model, style=style)} "
                    rf"&& \text{{on the {dataset} data}}")
    for name, value in (minimiser or {}).items():
        rows.append(f"{latex(model.param(name), model=model)}^{{*}} &= "
                    f"{float(value):.4f} && \\text{{the minimiser, where every partial is 0}}")
    return rows
