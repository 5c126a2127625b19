r"""Expressions read from a document, printed back in the document's notation.

The checker proposes corrected rows. They should read like the rest of the
document: its names (``a_i^{(1)}``, ``w_1``), its way of writing derivatives
(``\frac{\partial C}{\partial w}`` or ``\partial_{w} C``) and its own macros
(grad.tex writes ``\pd[w]C`` and ``\avgsum[i, n]``). :func:`doc_latex`
prints with :class:`derive.latex.NotesPrinter`, then folds every stretch of
the output that is the body of one of the document's macros back into a
call of that macro.
"""

from __future__ import annotations

import re

import sympy as sp

from .latex import NotesPrinter
from .notation import GREEK, GREEK_UPPER


class _DocPrinter(NotesPrinter):
    """Names read from a document (``a^(1)``, ``w_1``) back in its notation.

    With ``source`` (the row as the document wrote it), a product's factors
    keep the order they have there: ``2(a_i - y_i) a_i (1 - a_i)``.
    """

    def __init__(self, settings=None, source: str = "", superscripted=frozenset()):
        super().__init__(settings)
        self._source = _squash(source)
        self._superscripted = superscripted

    def _print_Symbol(self, expr, style="plain"):
        return _name_tex(expr.name)

    def _print_Function(self, expr, exp=None):
        """A function the document defines, J(w, b) and h_\theta(x), by its name."""
        from sympy.core.function import AppliedUndef
        if isinstance(expr, AppliedUndef):
            args = ", ".join(self._print(a) for a in expr.args)
            tex = f"{_name_tex(expr.func.__name__)}({args})"
            return f"{tex}^{{{exp}}}" if exp else tex
        return super()._print_Function(expr, exp)

    def _print_D(self, expr):
        """σ'(z), f'(u): a named function's derivative at its own argument, as the
        notes write it (∂_z σ(z) reads back as a product)."""
        from .functions import Activation
        e = expr.expr
        if isinstance(e, (Activation, sp.Function)) and len(e.args) == 1 \
                and e.args[0] == expr.wrt and not isinstance(e, sp.Abs):
            return self._primed(e.func, expr.wrt)
        return super()._print_D(expr)

    def _primed(self, func, at) -> str:
        """f'(at): the function's printed name with a prime, then its argument."""
        name = self._print(func(sp.Symbol("X")))
        head = name[:name.rindex("(")].removesuffix("\\left") if "(" in name else name
        return f"{head}'({self._print(at)})"

    def _print_sign(self, expr, exp=None):
        """sgn(w) as notes write it (and as the reader reads it back)."""
        tex = rf"\operatorname{{sgn}}\left({self._print(expr.args[0])}\right)"
        return f"{tex}^{{{exp}}}" if exp else tex

    def _print_Subs(self, subs):
        """f'(u) at u = w x + b, as the notes write it: f'(w x + b)."""
        from .rules import D
        expr, (var,), (point,) = subs.args
        if isinstance(expr, D) and expr.wrt == var and isinstance(expr.expr, sp.Function) \
                and expr.expr.args == (var,):
            return self._primed(expr.expr.func, point)
        return super()._print_Subs(subs)

    def _print_Indexed(self, expr):
        base, _, sup = str(expr.base).partition("^")
        parts = [self._print(k) for k in expr.indices]
        index = ("" if all(len(k) == 1 for k in parts) else ",").join(parts)
        if "_" in base and len(parts) == 1:  # x_1[i]: entry 1 of sample i, x_1^{(i)}
            return f"{_name_tex(base)}^{{({index})}}"
        if len(parts) == 1 and not sup and (_name_tex(base), index) in self._superscripted:
            # y[i] of a text writing y^{(i)} (but y_k there too: a class, not a sample)
            return f"{_name_tex(base)}^{{({index})}}"
        tex = f"{_name_tex(base)}_{index}" if len(index) == 1 else f"{_name_tex(base)}_{{{index}}}"
        return tex + (f"^{{{sup}}}" if sup else "")

    def _print_Mul(self, expr):
        if not self._source:
            return super()._print_Mul(expr)
        saved, self._pos = getattr(self, "_pos", {}), {}
        taken: list = []
        # the longest factors claim their place first: (a_i - y_i) before a_i
        for f in sorted(expr.args, key=lambda f: -len(_squash(self._print(f)))):
            tex = _squash(self._print(f))
            if tex.startswith("(") and tex.endswith(")"):
                tex = tex[1:-1]
            k = self._source.find(tex) if tex else -1
            while k >= 0 and any(a <= k < b for a, b in taken):
                k = self._source.find(tex, k + 1)
            if k >= 0:
                taken.append((k, k + len(tex)))
            self._pos[f] = k if k >= 0 else len(self._source)
        try:
            return super()._print_Mul(expr)
        finally:
            self._pos = saved

    def _plain_key(self, f):
        k = getattr(self, "_pos", {}).get(f)
        return super()._plain_key(f) if k is None else (k, super()._plain_key(f))

    def _factor_key(self, f):
        k = getattr(self, "_pos", {}).get(f)
        return super()._factor_key(f) if k is None else (k, super()._factor_key(f))


def _name_tex(name: str) -> str:
    depth, cut = 0, len(name)  # the superscript's ^ is outside braces (not \overline{x^2}'s)
    for k, c in enumerate(name):
        depth += (c == "{") - (c == "}")
        if c == "^" and depth == 0:
            cut = k
            break
    base, sup = name[:cut], name[cut + 1:]
    stem, us, sub = base.partition("_")
    if sub.strip("{}") in _GREEK:  # h_theta → h_\theta
        sub = "\\" + sub.strip("{}")
    if re.fullmatch(r"[A-Za-z]+\{[^{}]*\}", stem):  # hat{y}: an accent or a font
        stem = "\\" + stem
    elif len(stem) > 1 and stem.isalpha():
        stem = "\\" + stem if stem in _GREEK else rf"\mathrm{{{stem}}}"
    return stem + us + sub + (f"^{{{sup}}}" if sup else "")


#: the names printed as commands: the notation table's Greek letters and the
#: variants the reader also knows
_GREEK = {*GREEK, *GREEK_UPPER, "varepsilon", "varphi", "ell"}


def superscripted(text: str, macros: dict | None = None) -> frozenset:
    r"""The names (as printed: ``y``, ``\hat{y}``) the text writes with a sample
    superscript, ``y^{(i)}``, rather than a subscript (not a layer's ``a^{(l)}``), each
    with its index letter. A macro without parameters (``\yh^{(i)}``) stands for its
    body."""
    out = set()
    for m in re.finditer(r"(\\[A-Za-z]+\s*(?:\{\s*[A-Za-z]\s*\})?|(?<![\\A-Za-z])[A-Za-z])"
                         r"\s*\^\s*\{\s*\(\s*([a-km-z])\s*\)\s*\}", text):
        name = re.sub(r"\s+", "", m.group(1))
        macro = (macros or {}).get(name[1:]) if name.startswith("\\") else None
        if macro is not None and not macro.params:
            name = re.sub(r"\s+", "", macro.body)
        out.add((name, m.group(2)))
    return frozenset(out)


def derivative_style(text: str, macros: dict | None = None) -> str:
    r"""``leibniz`` when the document writes ``\frac{\partial …}`` or
    ``\frac{d…}{d…}`` more often than ``\partial_…``, else ``expanded``
    (∂ with a subscript). A macro's uses count as its body's."""
    def count(pattern):
        n = len(re.findall(pattern, text))
        for name, macro in (macros or {}).items():
            if re.search(pattern, macro.body):
                n += len(re.findall(r"\\" + name + r"(?![A-Za-z])", text)) - 1
        return n
    fractions = count(r"\\frac\s*\{\s*(?:\\partial|d)")
    subscripts = count(r"\\partial\s*_")
    return "leibniz" if fractions > subscripts else "expanded"


def doc_latex(expr, *, style: str = "leibniz", macros: dict | None = None,
              source: str = "", superscripted: frozenset = frozenset()) -> str:
    """``expr`` in the document's notation: its names, its ∂ style, its macros,
    the factor order of ``source``, the row it corrects, and the sample index as a
    superscript (y^{(i)}) on the names in ``superscripted`` (:func:`superscripted`)."""
    tex = _DocPrinter({"style": style}, source=source,
                      superscripted=superscripted).doprint(expr)
    return fold_macros(tex, macros or {})


def _squash(tex: str) -> str:
    """LaTeX without spacing and bracket sizing, for finding one piece in another."""
    return re.sub(r"\\(?:left|right|big|Big|bigg|Bigg)(?![A-Za-z])|\s+|\\[,;!: ]", "", tex)


# -- macros folded back --------------------------------------------------------

#: one argument: text with braces nested at most two deep, at least one character
_ARG = r"(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})+?"


def _body_pattern(body: str):
    """A regex for ``body`` with ``#k`` as groups; spacing between tokens free.
    None when the body is too plain to be recognised safely."""
    tokens = re.findall(r"#\d|\\[A-Za-z]+|\\.|\s+|.", body)
    out, seen, words = [], set(), 0
    for t in tokens:
        if t.isspace():
            continue
        if t.startswith("#"):
            k = t[1]
            out.append(f"(?P=p{k})" if k in seen else f"(?P<p{k}>{_ARG})")
            seen.add(k)
        else:
            out.append(re.escape(t) + (r"(?![A-Za-z])" if re.fullmatch(r"\\[A-Za-z]+", t) else ""))
            words += 1
    if words < 2:  # \R, \x: folding those would rewrite ordinary text
        return None
    return re.compile(r"\s*".join(out))


def _call(name: str, params: str, groups: dict) -> str:
    """``\\name`` with its parameter text filled in."""
    if re.fullmatch(r"(#\d)*", params):  # \newcommand style: braced arguments
        return "\\" + name + "".join("{" + groups[p[1]] + "}" for p in re.findall(r"#\d", params))
    return "\\" + name + re.sub(r"#(\d)", lambda m: groups[m.group(1)], params)


def fold_macros(tex: str, macros: dict) -> str:
    r"""Every stretch of ``tex`` that is a macro's body, as a call of the macro.

    ``macros`` maps a name to an object with ``params`` and ``body``
    (:class:`derive.notation_tex.Macro`). Longer bodies are folded first, so
    ``\frac{1}{n}\sum_{i=1}^{n}`` becomes ``\avgsum[i, n]`` before any
    shorter macro can claim a piece of it.
    """
    found = []
    for name, macro in macros.items():
        pattern = _body_pattern(macro.body)
        if pattern is not None:
            found.append((len(macro.body), name, macro, pattern))
    for _, name, macro, pattern in sorted(found, key=lambda t: -t[0]):
        def call(m, name=name, macro=macro):
            groups = {k[1:]: v.strip() for k, v in m.groupdict().items()}
            if "," in macro.params:  # \avgsum[#1,#2]: the notes write a space after it
                return _call(name, macro.params.replace(",", ", "), groups)
            return _call(name, macro.params, groups)
        tex = pattern.sub(call, tex)
    return tex

