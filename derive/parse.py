"""Reading LaTeX math into SymPy: latex2sympy2 plus a thin notation layer.

This is the one module that imports latex2sympy2. On its own latex2sympy2
misreads lecture-note notation: ``\\log`` is base 10; ``\\sigma(x w + b)`` is
a product σ·(x w + b) while ``\\sigma(z)`` is an undefined function;
``\\operatorname{softplus}`` is a syntax error; ``x(y)`` is a function x;
``a = b`` is *solved*; ``x E`` silently drops the E and ``e_1 x`` is just e;
``d y`` is a differential that corrupts its global state for later calls;
and nesting is slow (twenty nested ``\\exp(`` take seconds).

So :func:`parse_math` reads in two layers:

1. A small tokenizer and reader of our own checks the characters, the
   commands (a whitelist) and the brackets. It reads every bracketed group
   itself, recursively: ``(…)``, ``{…}``, ``\\frac{…}{…}``, ``\\sqrt{…}``,
   function applications ``\\sigma(…)``, ``\\exp(…)``, ``f(…)``, and it builds
   the names latex2sympy2 gets wrong (``x_{12}``, ``E``, ``d``). Each becomes a
   placeholder atom.
2. latex2sympy2 reads what is left, which is flat: operators, implicit
   products, powers, numbers and letters. Its result is rebuilt with SymPy's
   own evaluation, the placeholders are put back, and anything outside plain
   algebra (derivatives, sums, factorials) is refused.

:func:`parse_row` adds the notation of lecture notes on top (user macros,
layer labels, indexed data, sums, functions, ∂ and primes as
:class:`derive.rules.D`); the naming scheme and the ambiguity rules are
written at its section below and in its docstring.

Every failure is a :class:`~derive.errors.LatexParseError` whose ``where`` is
``file:line:column`` of the offending character. Nothing here hands the input
to Python's evaluators or to SymPy's string parsers.
"""

from __future__ import annotations

import functools
import re
import sys
import types
import typing
from dataclasses import dataclass

if "typing.io" not in sys.modules:  # latex2sympy2 pins antlr4 4.7.2, which imports
    sys.modules["typing.io"] = types.SimpleNamespace(TextIO=typing.TextIO)  # typing.io (gone in 3.12)

import latex2sympy2  # noqa: E402
import sympy as sp  # noqa: E402

from .errors import LatexParseError
from . import models
from .functions import ACTIVATIONS, FUNCTIONS, sigmoid
from .notation import GREEK, GREEK_UPPER
from .notation_tex import Notation, clean_chars, error_at, expand_chars
from .rules import D

#: longer input is refused: latex2sympy2's ANTLR parser takes about 1 ms per
#: character of flat input, so this bounds a parse to about a second
MAX_LENGTH = 1000
#: brackets nested deeper than this are refused (each level is one recursion)
MAX_DEPTH = 40
#: exact powers of numbers with larger exponents are refused (they never end)
MAX_POWER = 10_000

# -- the notation tables -------------------------------------------------------

#: built-in commands that apply a function; ``\log`` is the natural log in ML notes
_BUILTINS = {r"\exp": sp.exp, r"\ln": sp.log, r"\log": sp.log, r"\sin": sp.sin,
             r"\cos": sp.cos, r"\tan": sp.tan, r"\sinh": sp.sinh, r"\cosh": sp.cosh,
             r"\tanh": sp.tanh}


def _operator_names() -> dict[str, type]:
    """``\\operatorname{NAME}`` → function: the names of model files and the
    functions' own LaTeX names (one table, read here and printed by them)."""
    names = {k.lower(): f for k, f in FUNCTIONS.items() if k != "step"}
    for f in ACTIVATIONS.values():
        m = re.fullmatch(r"\\operatorname\{(\w+)\}", f.latex_name)
        if m:
            names[m.group(1).lower()] = f
    return {**names, "ln": sp.log, "sgn": sp.sign, "sign": sp.sign, "sech": sp.sech,
            "csch": sp.csch, "coth": sp.coth, "cosh": sp.cosh, "sinh": sp.sinh,
            "heaviside": FUNCTIONS["step"]}


_OPERATORS = _operator_names()
#: functions written without brackets (\log p, \exp z): one name, their argument after
_APPLIED = {r"\log", r"\ln", r"\exp", r"\sin", r"\cos", r"\tan", r"\tanh", r"\cosh",
            r"\sinh", r"\coth"}
_FUNCTION_LETTERS = ("f", "g")  # functions when a bracket follows, as σ is
_FRAGILE = ("E", "d")           # latex2sympy2 drops E and reads d x as a differential
_GREEK = {"\\" + g for g in GREEK + GREEK_UPPER} | {r"\varepsilon", r"\varphi"}
#: letters notes use as names besides the Greek ones
_LETTERLIKE = {r"\ell", r"\imath", r"\jmath"}
#: accents and fonts that make a new name of the letters they hold: \hat{y}, \mathbf{w}
_DECOR = {r"\hat", r"\bar", r"\tilde", r"\vec", r"\dot", r"\widehat", r"\overline",
          r"\mathbf", r"\boldsymbol", r"\bm", r"\mathcal", r"\mathit", r"\mathrm",
          r"\operatorname", r"\mathsf", r"\text", r"\textrm", r"\textit"}
#: of those, the fonts whose name is its letters alone (\mathrm{SSR} is SSR)
_FONTS = {r"\mathrm", r"\operatorname", r"\text", r"\textrm", r"\mathit", r"\textit",
          r"\mathsf"}
#: wrappers that only mark what they hold: \underline{1} is 1, \underbrace{…}_{=1} is …
_MARKS = {r"\underline": None, r"\boxed": None, r"\underbrace": "_", r"\overbrace": "^"}
#: what a row may not hold, and why (the reason a row is left unread)
_NOT_READ = {
    r"\dots": "an ellipsis (\\dots) stands for terms not written: the row cannot be checked",
    r"\ldots": "an ellipsis (\\ldots) stands for terms not written: the row cannot be checked",
    r"\cdots": "an ellipsis (\\cdots) stands for terms not written: the row cannot be checked",
    r"\{": "a set \\{…\\} is not one expression",
    r"\odot": "\\odot is matrix notation: it is read in documents of whole layers only",
    r"\top": "a transpose (^\\top) is matrix notation: it is read in documents of whole "
              "layers only",
    r"\leftarrow": "an update (\\leftarrow) is an assignment, not an equation",
    r"\gets": "an update (\\gets) is an assignment, not an equation",
}
#: arrows of a limit: \lim_{h \to 0}
_ARROWS = {r"\to", r"\rightarrow", r"\longrightarrow"}
#: superscripts that name a layer, as a letter: a^L, \sigma^l, w^{l+1}, \Theta^{L-1}
_LAYER = re.compile(r"[Ll](?:[+-][0-9])?")
#: bracket sizes, dropped: \big( is (
_SIZES = {"\\" + b + e for b in ("big", "Big", "bigg", "Bigg") for e in ("", "l", "r", "m")}
_SPACES = {r"\,", r"\;", r"\:", r"\!", "\\ ", r"\quad", r"\qquad"}
_FRACS = {r"\frac", r"\dfrac", r"\tfrac"}
_OPEN, _CLOSE = {"(": ")", "[": "]", "{": "}"}, {")": "(", "]": "[", "}": "{"}
#: the comparisons a case's condition may make
_RELATIONS = {"<": sp.Lt, r"\lt": sp.Lt, ">": sp.Gt, r"\gt": sp.Gt, r"\le": sp.Le,
              r"\leq": sp.Le, r"\leqslant": sp.Le, r"\ge": sp.Ge, r"\geq": sp.Ge,
              r"\geqslant": sp.Ge, "=": sp.Eq, r"\ne": sp.Ne, r"\neq": sp.Ne}
_WHY = {"=": "an equation: give one expression, without '='",
        "<": "an inequality: give one expression", ">": "an inequality: give one expression",
        "'": "primes (f'(x)) are not read yet; write the derivative out",
        "&": "alignment '&' is not part of an expression", ",": "unexpected ','",
        "!": "a factorial's ! must follow what it applies to (y!)", ".": "unexpected character '.'", "_": "a subscript must follow a name: x_1"}
#: what a flat latex2sympy2 result may contain, besides our placeholders
_ALLOWED = (sp.Symbol, sp.Number, sp.Add, sp.Mul, sp.Pow, sp.Abs, sp.factorial,
            *set(_BUILTINS.values()))


_PRIME = re.compile(r"\^\s*\{\s*\\prime\s*\}|\^\s*\\prime(?![A-Za-z])")
_TEXT_NAME = re.compile(r"\\(?:text|textrm|textit|mbox)\s*\{\s*([A-Za-z]{2,})\s*\}")


def _coefficient(expr, wrt) -> bool:
    r"""Is ``expr`` a written coefficient, ``\frac{\lambda_2}{2}``, free of the variable
    ``wrt``: in ``\frac{\partial}{\partial w_j} \frac{\lambda_2}{2} \sum_k w_k^2`` the
    factor of what follows, not the whole operand (whose ∂ would be 0)?"""
    return wrt is not None and isinstance(expr, sp.Mul) and any(
        a.is_Number for a in expr.args) and not expr.has(wrt)


def _text_names(chars):
    r"""``\text{SSR}``, ``\text{ReLU}``: one word with a capital, or a known
    function, is a name in roman type (``\mathrm{SSR}``), not prose to drop."""
    text = "".join(c for c, _ in chars)
    out, last = [], 0
    for m in _TEXT_NAME.finditer(text):
        word = m.group(1)
        marked = re.search(r"\^\s*\{?\s*$", text[:m.start()])  # θ^{\text{new}}: a mark
        if word == word.lower() and word.lower() not in _OPERATORS and not marked:
            continue
        out += chars[last:m.start()]
        pos = chars[m.start()][1]
        out += [(c, pos) for c in f"\\mathrm{{{word}}}"]
        last = m.end()
    return out + chars[last:] if out else chars


def _merge_names(toks, tex):
    r"""Tokens with each decorated name made one letter token: ``\hat{y}`` (text
    ``\hat{y}``), ``\mathrm{SSR}`` and ``\text{SSR}`` (text ``SSR``, unless
    it names a function), ``\ell``; bracket sizes (``\big``) dropped."""
    out, k = [], 0
    while k < len(toks):
        t = toks[k]
        if t.text in (r"\lvert", r"\rvert", r"\vert"):  # \lvert w_j \rvert is |w_j|
            out.append(_Tok("char", "|", t.pos, t.end))
            k += 1
            continue
        if t.text in _SIZES:
            k += 1
            continue
        if t.text in (r"\!", r"\,", r"\;", r"\:") and out and k + 1 < len(toks) and \
                toks[k + 1].text in ("(", r"\left") and (out[-1].kind == "cmd" or out[-1].text == "}"):
            k += 1  # \sigma\!\left(x\right), \mathrm{ReLU}\,(x): a space before a call's bracket
            continue
        if t.text in _LETTERLIKE:
            out.append(_Tok("letter", t.text, t.pos, t.end))
            k += 1
            continue
        if t.text in _DECOR and k + 2 < len(toks) and toks[k + 1].text == "{":
            j = k + 2
            if toks[j].text in _GREEK and t.text not in _FONTS:
                j += 1  # \hat{\theta}: one Greek letter under an accent
            else:
                while j < len(toks) and toks[j].kind == "letter" and len(toks[j].text) == 1:
                    j += 1
                    if t.text in (r"\overline", r"\bar") and j + 1 < len(toks) \
                            and toks[j].text == "^" and toks[j + 1].kind == "number":
                        j += 2  # \overline{x^2 y}: the mean of the products, one name
            inner = "".join(x.text for x in toks[k + 2:j])
            if inner and j < len(toks) and toks[j].text == "}":
                font = t.text in _FONTS
                if font and (inner.lower() in _OPERATORS or inner == "e" or
                             (len(inner) == 1 and t.text != r"\mathit")):
                    out.append(t)  # \operatorname{softplus}(…), \mathrm{e}: read as before
                    k += 1
                    continue
                text = inner if font else f"{t.text}{{{inner}}}"
                out.append(_Tok("letter", text, t.pos, toks[j].end))
                k = j + 1
                continue
        if t.text in _DECOR and t.text not in _FONTS and k + 1 < len(toks) and (
                toks[k + 1].text in _GREEK or toks[k + 1].kind == "letter"
                and len(toks[k + 1].text) == 1):
            # \hat y, \bar x, \hat\theta: an accent on the one letter after it
            nxt = toks[k + 1]
            out.append(_Tok("letter", f"{t.text}{{{nxt.text}}}", t.pos, nxt.end))
            k += 2
            continue
        out.append(t)
        k += 1
    return out


@dataclass(frozen=True)
class _Tok:
    kind: str   # "cmd", "letter", "number", "char"
    text: str
    pos: int    # index of its first character in the input
    end: int


def parse_math(tex: str, *, file: str | None = None, line: int | None = None,
               column: int | None = None) -> sp.Expr:
    """Read one expression of plain algebra written in lecture-note LaTeX.

    Understood: numbers; letters and Greek names, with subscripts (``x_1``,
    ``w_{12}``); ``+ - * / \\cdot \\times``; implicit products; powers;
    ``\\frac``, ``\\sqrt``, ``\\sqrt[n]``; brackets with or without
    ``\\left``/``\\right``; ``|x|``; ``e^{…}`` and ``\\exp``; ``\\log`` and
    ``\\ln`` as the natural log (``\\log_{b}`` keeps base b); trig and
    hyperbolic functions; ``\\sigma(…)`` as the sigmoid (``\\sigma`` without a
    bracket is a name); ``\\operatorname{softplus}(…)``, ``\\operatorname{ReLU}(…)``;
    ``f(…)`` and ``g(…)`` as undefined functions. Any other name before a
    bracket multiplies it: ``x(1 + x)`` is x·(1 + x).

    Args:
        tex: the LaTeX, without ``$`` delimiters.
        file, line, column: where ``tex`` starts in its file (1-based), so that
            errors give the file position; by default line 1, column 1.

    Returns:
        The SymPy expression, evaluated (``2x + x`` is ``3 x``).

    Raises:
        LatexParseError: anything it cannot read: unknown commands, unbalanced
            brackets, equations, derivative notation, layer superscripts,
            input longer than :data:`MAX_LENGTH`. ``where`` is
            ``file:line:column`` of the offending character; the error's
            ``line`` and ``column`` attributes hold the numbers.
    """
    if not isinstance(tex, str):
        raise TypeError(f"parse_math reads a string, not {type(tex).__name__}")
    reader = _Reader(tex, file, line, column)
    if len(tex) > MAX_LENGTH:
        reader.fail(f"expression too long ({len(tex)} characters, at most {MAX_LENGTH})",
                    MAX_LENGTH)
    reader.tokenize()
    if not reader.toks:
        reader.fail("empty expression", 0)
    reader.match_brackets()
    return reader.read(0, len(reader.toks), 0)


class _Reader:
    """One input string: its tokens, bracket pairs and placeholder counter."""

    EXTRA = ""  # characters read as tokens besides the usual ones
    NAMES = False  # \hat{y}, \mathrm{SSR}, \ell as names (the notation layer)

    def __init__(self, tex, file, line, column):
        self.tex, self.file, self.line, self.column = tex, file, line, column
        self.toks: list[_Tok] = []
        self.pair: dict[int, int] = {}
        self.count = 0

    def fail(self, message, pos):
        """Raise LatexParseError at character ``pos`` of the input."""
        raise error_at(self.tex, pos, message, self.file, self.line, self.column)

    # -- tokens and brackets ------------------------------------------------
    def tokenize(self):
        if r"\prime" in self.tex:  # \sigma^{\prime}(z) is \sigma'(z) (padded: columns stay)
            self.tex = _PRIME.sub(lambda m: "'" + " " * (len(m.group(0)) - 1), self.tex)
        tex, k, toks = self.tex, 0, []
        while k < len(tex):
            c = tex[k]
            if c.isspace():
                k += 1
                continue
            if c == "\\":
                m = re.compile(r"\\(?:[A-Za-z]+|.)", re.S).match(tex, k)
                if m is None:
                    self.fail("a backslash with no command after it", k)
                tok = _Tok("cmd", m.group(0), k, m.end())
            elif c.isascii() and c.isalpha():
                tok = _Tok("letter", c, k, k + 1)
            elif c.isascii() and (c.isdigit() or (c == "." and tex[k + 1:k + 2].isdigit())):
                m = re.compile(r"\d*\.?\d+").match(tex, k)
                if toks and toks[-1].text in _FRACS and m.group(0).isdigit():
                    # TeX reads \frac12 as \frac{1}{2}: one digit per argument
                    toks += [_Tok("number", d, k + i, k + i + 1) for i, d in enumerate(m.group(0))]
                    k = m.end()
                    continue
                tok = _Tok("number", m.group(0), k, m.end())
            elif c in "+-*/|^_," or c in _OPEN or c in _CLOSE or c in self.EXTRA:
                # p(y; \mu): the arguments of a law and its parameter, as with a comma
                tok = _Tok("char", "," if c == ";" else c, k, k + 1)
            elif c == "." and toks and toks[-1].text in (r"\left", r"\right"):
                self.fail(f"{toks[-1].text}. is not read; use matching brackets", k)
            else:
                self.fail(_WHY.get(c, f"unexpected character {c!r}"), k)
            toks.append(tok)
            k = tok.end
        if self.NAMES:
            toks = _merge_names(toks, tex)
        # \left( is one opening token and \right) one closing token
        for t, nxt in zip(toks, toks[1:] + [None]):
            if t.text in (r"\left", r"\right"):
                if nxt is None or nxt.kind != "char" or nxt.text not in "()[]|":
                    self.fail(f"{t.text} must be followed by one of ( ) [ ] |",
                              nxt.pos if nxt else t.end)
                self.toks.append(_Tok("char", nxt.text, t.pos, nxt.end))
            elif not (self.toks and self.toks[-1].end == t.end):  # not merged above
                self.toks.append(t)

    def match_brackets(self):
        stack = []
        for k, t in enumerate(self.toks):
            if t.kind == "char" and t.text in _OPEN:
                stack.append(k)
                if len(stack) > MAX_DEPTH:
                    self.fail(f"brackets nested more than {MAX_DEPTH} deep", t.pos)
            elif t.kind == "char" and t.text in _CLOSE:
                if not stack:
                    self.fail(f"unbalanced {t.text!r}: nothing to close", t.pos)
                o = self.toks[stack[-1]]
                if _OPEN[o.text] != t.text:
                    col = o.pos - self.tex.rfind("\n", 0, o.pos)
                    self.fail(f"{t.text!r} does not close the {o.text!r} at column {col}", t.pos)
                self.pair[stack.pop()] = k
        if stack:
            self.fail(f"unbalanced {self.toks[stack[-1]].text!r}: never closed",
                      self.toks[stack[-1]].pos)

    # -- reading ------------------------------------------------------------
    def read(self, lo, hi, depth):
        """The expression formed by tokens ``lo .. hi-1``."""
        out, subs, k = _Out(), {}, lo
        while k < hi:
            k = self._step(k, hi, out, subs, depth)
        if not out.parts:  # spacing commands only
            self.fail("empty expression", self.toks[lo].pos)
        text, src = out.text()
        raw = self._flat(text, src, self.toks[lo].pos, self.toks[hi - 1].end)
        return self._rebuild(raw, subs, self.toks[lo].pos)

    def _bracket_label(self, j, hi) -> bool:
        r"""Is the superscript after the ``^`` at token j a bracketed label, ``^{(1)}``,
        ``^{(l+1)}``, ``^{(i)}``, ``^{(out)}``, rather than a power in brackets,
        ``e^{(a + b)}``, ``e^{\left(\sum_q θ_q x_q\right)}``?"""
        if not (self._is(j + 1, hi, "{") and self._is(j + 2, hi, "(")
                and self.pair[j + 2] == self.pair[j + 1] - 1):
            return False
        text = "".join(x.text for x in self.toks[j + 3:self.pair[j + 2]])
        one = r"(?:\\?[A-Za-z]+|\d+)(?:[+-]\d+)?"
        return bool(re.fullmatch(rf"{one}(?:,{one})*", text))

    def _is(self, k, hi, *texts):
        return k < hi and self.toks[k].kind == "char" and self.toks[k].text in texts

    def _group(self, k, depth):
        """Read the bracket group opened at token k: (expression, next index)."""
        close = self.pair[k]
        if close == k + 1:
            self.fail(f"empty {self.toks[k].text}{self.toks[close].text}", self.toks[k].pos)
        return self.read(k + 1, close, depth + 1), close + 1

    def _arg(self, k, hi, depth, what):
        """A command's argument: a ``{…}`` group or one letter, digit or Greek name."""
        t = self.toks[k] if k < hi else None
        if self._is(k, hi, "{"):
            return self._group(k, depth)
        if t is not None and (t.kind == "letter" or t.text in _GREEK or
                              (t.kind == "number" and len(t.text) == 1)):
            return self.read(k, k + 1, depth + 1), k + 1
        self.fail(f"{what} needs its argument in braces {{…}}",
                  t.pos if t else self.toks[k - 1].end)

    def _placeholder(self, expr, subs, out, pos):
        # an atom latex2sympy2 reads as a Symbol and a user cannot type (\mathit
        # is not in the whitelist), so it never collides with a real name
        name = rf"\mathit{{p{self.count}}}"
        self.count += 1
        subs[sp.Symbol(name)] = expr
        out.add(name, pos)

    def _no_double(self, k, hi, script):
        """TeX refuses x^2^3 ("double superscript"); so do we, rather than guess."""
        if self._is(k, hi, script):
            kind, eg = ("superscript", "{x^2}^3") if script == "^" else ("subscript", "x_{12}")
            self.fail(f"double {kind}: use braces, e.g. {eg}", self.toks[k].pos)
        return k

    def _step(self, k, hi, out, subs, depth):
        """Consume the construct starting at token k; return the next index."""
        t = self.toks[k]
        if t.kind == "letter" and t.text in _FUNCTION_LETTERS and self._is(k + 1, hi, "("):
            arg, nk = self._group(k + 1, depth)
            self._placeholder(sp.Function(t.text)(arg), subs, out, t.pos)
            return nk
        if t.kind == "letter" or t.text in _GREEK and t.text != r"\sigma":
            return self._name(k, hi, out, subs)
        if t.kind == "number" or t.text in ("+", "-", "*", "/", "|", r"\pi") or (
                t.text == "!" and k > 0 and self.toks[k - 1].end == t.pos):  # y_i!: y_i's factorial
            out.add(t.text, t.pos, exact=True)
            return k + 1
        if t.kind == "char" and t.text in _OPEN:  # (…), […], {…}: read apart, one atom
            expr, nk = self._group(k, depth)
            self._placeholder(expr, subs, out, t.pos)
            return nk
        if t.text == "^":
            return self._superscript(k, hi, out, subs, depth)
        if t.kind == "char":
            self.fail(_WHY.get(t.text, f"unexpected {t.text!r}"), t.pos)
        return self._command(k, hi, out, subs, depth)

    def _name(self, k, hi, out, subs):
        """A letter or Greek name, with its subscript: ``x``, ``w_{12}``, ``\\alpha_1``."""
        t = self.toks[k]
        base = t.text.lstrip("\\")
        if not self._is(k + 1, hi, "_"):
            if t.text in _FRAGILE:
                self._placeholder(sp.Symbol(base), subs, out, t.pos)
            else:
                out.add(t.text, t.pos, exact=True)
            return k + 1
        nxt = self.toks[k + 2] if k + 2 < hi else None
        if nxt is not None and (nxt.kind == "letter" or nxt.text in _GREEK or (
                nxt.kind == "number" and len(nxt.text) == 1)):
            sub, nk = nxt.text, k + 3
        elif self._is(k + 2, hi, "{"):
            inner, nk = self.toks[k + 3:self.pair[k + 2]], self.pair[k + 2] + 1
            bad = next((x for x in inner if not (x.kind in ("letter", "number")
                                                 or x.text in _GREEK or x.text == ",")), None)
            if not inner or bad:
                self.fail("a subscript must be letters, digits and commas",
                          (bad or self.toks[k + 2]).pos)
            sub = "".join(x.text for x in inner)
        else:
            self.fail("missing subscript after '_'", nxt.pos if nxt else self.toks[k + 1].end)
        # latex2sympy2's own naming, x_1 and x_{12}, so names agree across modules
        name = f"{base}_{sub}" if len(sub) == 1 else f"{base}_{{{sub}}}"
        self._placeholder(sp.Symbol(name), subs, out, t.pos)
        return self._no_double(nk, hi, "_")

    def _superscript(self, k, hi, out, subs, depth):
        t, nxt = self.toks[k], self.toks[k + 1] if k + 1 < hi else None
        if nxt is None:
            self.fail("missing exponent after '^'", t.end)
        if self._is(k + 1, hi, "{"):
            if self._bracket_label(k, hi):
                # ^{(l)}: the notes' layer index, not a power (^{(x+1)^2} is a power)
                self.fail("a superscript in brackets, ^{(l)}, is a layer index; layer "
                          "notation is not read yet", self.toks[k + 2].pos)
            out.add("^", t.pos)
            expr, nk = self._group(k + 1, depth)
            self._placeholder(expr, subs, out, nxt.pos)
            return self._no_double(nk, hi, "^")
        if nxt.text in _FRAGILE:
            out.add("^", t.pos)
            self._placeholder(sp.Symbol(nxt.text), subs, out, nxt.pos)
            return self._no_double(k + 2, hi, "^")
        if nxt.kind == "letter" or nxt.text in _GREEK or (
                nxt.kind == "number" and len(nxt.text) == 1):
            out.add("^{" + nxt.text + "}", t.pos)  # latex2sympy2 cannot read x^e unbraced
            return self._no_double(k + 2, hi, "^")
        self.fail("write the exponent in braces: ^{" + (
            nxt.text if nxt.kind in ("number", "letter") else "…") + "}", nxt.pos)

    def _command(self, k, hi, out, subs, depth):
        t = self.toks[k]
        c = t.text
        if c in _SPACES:
            return k + 1
        if c in (r"\cdot", r"\times"):
            out.add(r"\cdot", t.pos)
            return k + 1
        if c in _FRACS:
            num, k1 = self._arg(k + 1, hi, depth, c)
            if self._is(k1, hi, "{") and self.pair[k1] > k1 + 2 and self.toks[k1 + 1].text == "d" \
                    and (self.toks[k1 + 2].kind == "letter" or self.toks[k1 + 2].text in _GREEK):
                self.fail("derivative notation d…/d… is not read yet", t.pos)
            den, k2 = self._arg(k1, hi, depth, c)
            self._placeholder(num / den, subs, out, t.pos)
            return k2
        if c == r"\sqrt":
            index, k1 = (None, k + 1) if not self._is(k + 1, hi, "[") else self._group(k + 1, depth)
            arg, k2 = self._arg(k1, hi, depth, c)
            self._placeholder(sp.sqrt(arg) if index is None else sp.root(arg, index),
                              subs, out, t.pos)
            return k2
        if c in _BUILTINS:
            return self._builtin(k, hi, out, subs, depth)
        if c in (r"\max", r"\min") and self._is(k + 1, hi, "("):
            # \max(0, z): ReLU's own formula, read through ReLU
            close, commas = self.pair[k + 1], self._commas(k + 1)
            if not commas:
                self.fail(f"{c}(…) needs two or more arguments, as in \\max(0, z)", t.end)
            if len(commas) > 1:
                self.fail(f"{c}(…) is read with two arguments", self.toks[commas[1]].pos)
            a, b = (self.read(lo + 1, hi_, depth + 1)
                    for lo, hi_ in ((k + 1, commas[0]), (commas[0], close)))
            relu = FUNCTIONS["relu"]  # max(a, b) = b + ReLU(a - b), min(a, b) = a - ReLU(a - b)
            if c == r"\min":
                made = a - relu(a - b)
            else:
                made = relu(b) if a == 0 else relu(a) if b == 0 else b + relu(a - b)
            self._placeholder(made, subs, out, t.pos)
            return close + 1
        if c == r"\sigma":
            j = k + 1
            while self._is(j, hi, "^", "_"):
                j = self.pair.get(j + 1, j + 1) + 1
            if j > k + 1 and self._is(j, hi, "("):
                self.fail(r"a superscript or subscript on \sigma(…) is a layer index; "
                          "layer notation is not read yet", self.toks[k + 1].pos)
            if not self._is(k + 1, hi, "("):
                return self._name(k, hi, out, subs)  # σ as a name, e.g. a standard deviation
            arg, nk = self._group(k + 1, depth)
            self._placeholder(sigmoid(arg), subs, out, t.pos)
            return nk
        if c in (r"\operatorname", r"\mathrm"):
            return self._named(k, hi, out, subs, depth)
        if c in (r"\begin", r"\end") and self._is(k + 1, hi, "{"):
            name = self.tex[self.toks[k + 1].end:self.toks[self.pair[k + 1]].pos].strip()
            if c == r"\begin" and name == "cases" and isinstance(self, _RowReader):
                return self._cases(k, hi, out, subs, depth)
            self.fail(f"environment {{{name}}} is not read inside a formula", t.pos)
        self.fail(f"unknown command {c}", t.pos)

    def _named(self, k, hi, out, subs, depth):
        r"""``\operatorname{softplus}(…)``, ``\mathrm{ReLU}(…)``, ``\mathrm{e}``."""
        t = self.toks[k]
        if not self._is(k + 1, hi, "{"):
            self.fail(f"{t.text} needs a name in braces", t.end)
        close = self.pair[k + 1]
        inner = self.toks[k + 2:close]
        if not inner or any(x.kind != "letter" for x in inner):
            self.fail(f"{t.text}{{…}} must hold a name of letters", (inner or [t])[0].pos)
        name = "".join(x.text for x in inner)
        if name == "e" or (len(name) == 1 and t.text == r"\mathrm"):
            if name in _FRAGILE:
                self._placeholder(sp.Symbol(name), subs, out, t.pos)
            else:
                out.add(name, t.pos)
            return close + 1
        func = _OPERATORS.get(name.lower())
        if func is None:
            self.fail(f"unknown function {t.text}{{{name}}} (known: "
                      f"{', '.join(sorted(_OPERATORS))})", t.pos)
        primed = self._is(close + 1, hi, "'") and self._is(close + 2, hi, "(")
        j, power = close + 1, None
        if self._is(j, hi, "^") and j + 1 < hi and self.toks[j + 1].text.isdigit():
            power, j = int(self.toks[j + 1].text), j + 2  # \operatorname{sech}^2(r)
        elif self._is(j, hi, "^") and self._is(j + 1, hi, "{") and self.pair[j + 1] == j + 3 \
                and self.toks[j + 2].text.isdigit():
            power, j = int(self.toks[j + 2].text), j + 4
        bare = isinstance(self, _RowReader) and j < hi and not primed and not self._is(j, hi, "(")
        if not (primed or self._is(j, hi, "(") or bare):
            self.fail(f"{t.text}{{{name}}} needs its argument in brackets (…)",
                      self.toks[close].end)
        if primed and isinstance(self, _RowReader):  # \mathrm{ReLU}'(x): the derivative
            return self._apply(func, close + 2, hi, out, subs, depth, True, t.pos)
        if bare:  # \operatorname{sech}^2 r: the next factor is the argument
            arg, nk = self._factor(j, hi, depth, f"{t.text}{{{name}}}")
        else:
            arg, nk = self._group(j, depth)
        self._placeholder(func(arg) ** power if power else func(arg), subs, out, t.pos)
        return nk

    def _builtin(self, k, hi, out, subs, depth):
        r"""``\exp``, ``\log``, ``\sin`` …: with a bracket we apply the function;
        without one (``\ln x``) latex2sympy2 reads the argument."""
        t = self.toks[k]
        power, base, j = None, None, k + 1
        while self._is(j, hi, "^", "_"):
            s = self.toks[j]
            if s.text == "_" and t.text != r"\log":
                self.fail(f"a subscript on {t.text} is not read", s.pos)
            if j + 1 < hi and self.toks[j + 1].kind in ("number", "letter") \
                    and len(self.toks[j + 1].text) == 1:
                value, j = self.toks[j + 1], j + 2
            elif self._is(j + 1, hi, "{") and self.pair[j + 1] == j + 3 \
                    and self.toks[j + 2].kind in ("number", "letter"):
                value, j = self.toks[j + 2], j + 4
            else:
                self.fail(f"write a number or a letter in {s.text}{{…}} of {t.text}",
                          self.toks[j + 1].pos if j + 1 < hi else s.end)
            if s.text == "^" and not value.text.isdigit():
                self.fail(f"the power of {t.text} must be a whole number", value.pos)
            if s.text == "^":
                power = sp.Integer(value.text)
            else:
                base = sp.Integer(value.text) if value.kind == "number" else sp.Symbol(value.text)
        if self._is(j, hi, "(", "{"):
            arg, nk = self._group(j, depth)
            expr = sp.log(arg, base) if base is not None else _BUILTINS[t.text](arg)
            self._placeholder(expr if power is None else expr ** power, subs, out, t.pos)
            return nk
        if j < hi and self.toks[j].kind == "letter" and \
                self.toks[j].text.lstrip("\\") not in getattr(
                    getattr(self, "notation", None), "functions", ()):
            # \tanh z (1 - \tanh^2 z): the bare argument is the one name before the
            # bracket, not the product with it (latex2sympy2 would take both); but
            # \log g(z) is the log of g(z)
            end = j + 1
            while self._is(end, hi, "_", "^") and end + 1 < hi:
                end = self.pair[end + 1] + 1 if self._is(end + 1, hi, "{") else end + 2
            if self._is(end, hi, "("):
                arg = self.read(j, end, depth + 1)
                expr = sp.log(arg, base) if base is not None else _BUILTINS[t.text](arg)
                self._placeholder(expr if power is None else expr ** power, subs, out, t.pos)
                return end
        raw = self.tex[t.pos:self.toks[j - 1].end]
        if t.text == r"\log" and base is None:
            raw = r"\ln" + raw[len(r"\log"):]  # latex2sympy2's \log is base 10
        out.add(raw, t.pos, exact=True)
        return j

    # -- latex2sympy2 and its result -------------------------------------------
    def _flat(self, text, src, start, end):
        """latex2sympy2 on flat text; its errors mapped back to our columns."""
        try:
            raw = _latex2sympy(text)
        except RecursionError:
            self.fail("expression too long or too deeply nested", start)
        except Exception as e:  # latex2sympy2 raises bare Exception with a ~~~^ marker
            lines = str(e).splitlines()
            m = re.fullmatch(r"(~*)\^", lines[-1]) if len(lines) >= 3 else None
            if m:
                col = len(m.group(1))
                self.fail(f"cannot read this: {lines[0]}", src[col] if col < len(src) else end)
            self.fail(f"cannot read this: {str(e).strip() or type(e).__name__}", start)
        if not isinstance(raw, sp.Expr):
            self.fail("expected one expression", start)
        return raw

    def _rebuild(self, e, subs, pos):
        """Evaluate latex2sympy2's unevaluated tree, put the placeholders back
        and refuse anything outside plain algebra."""
        if e in subs:
            return subs[e]
        if e is sp.I:  # latex2sympy2 reads the letter I as the imaginary unit
            return sp.Symbol("I")
        if isinstance(e, sp.Symbol):
            if e.name.startswith("\\"):
                self.fail(f"cannot read the name {e.name}", pos)
            return sp.Symbol(e.name)
        if isinstance(e, sp.Number) or e in (sp.E, sp.pi):
            return e
        if not isinstance(e, _ALLOWED):
            what = "derivative notation" if isinstance(e, sp.Derivative) else type(e).__name__
            self.fail(f"{what} is not read: plain algebra only", pos)
        args = [self._rebuild(a, subs, pos) for a in e.args]
        if isinstance(e, sp.Pow) and all(a.is_Rational for a in args) and \
                abs(args[1].p) > MAX_POWER and args[0] not in (0, 1, -1):
            # 10^{10^{10}} would make SymPy compute a ten-billion-digit integer
            self.fail(f"number too large: an exponent of {args[1]}", pos)
        return e.func(*args)


class _Out:
    """The flat text for latex2sympy2, with the input position of each character."""

    def __init__(self):
        self.parts = []

    def add(self, text, pos, exact=False):
        self.parts.append((text, pos, exact))

    def text(self):
        chars, src = [], []
        for text, pos, exact in self.parts:
            if chars:
                chars.append(" ")
                src.append(pos)
            chars.append(text)
            src.extend(pos + i if exact else pos for i in range(len(text)))
        return "".join(chars), src


# == rows of lecture notes: the notation layer ======================================
#
# Naming scheme (one name per way of writing, so the checker can tell them apart):
#   w_1 → Symbol("w_1"), w_{12} → Symbol("w_{12}")   (as parse_math, latex2sympy2's own)
#   w^{(2)} → Symbol("w^(2)"), a_1^{(i)} → Symbol("a_1^(i)")   (a layer label)
#   x_i → IndexedBase("x")[i], a_i^{(1)} → IndexedBase("a^(1)")[i]   when i is an index
#   b^{1} where a variable is expected (∂_{b^{1}}) → Symbol("b^1"), not b^(1)
#   multi-letter names in d(…): d(SSR) → Symbol("SSR"), d(b5) → Symbol("b5")
# The letter n is models.n; an index letter is an integer, positive Symbol (i is models.i).
#: tokens after which + and - are signs, not the end of a summand
_BINDS = {"^", "_", "*", "/", r"\cdot", r"\times", "("}


@functools.lru_cache(maxsize=4096)
def _latex2sympy(text: str):
    """latex2sympy2 on one flat text, remembered: rows repeat the same pieces
    (``n``, ``1``, placeholders), and its parser is slow."""
    latex2sympy2.set_variances({})  # its globals must not carry over between calls
    try:
        return latex2sympy2.latex2sympy(text)
    finally:
        latex2sympy2.set_variances({})


def parse_row(tex: str, notation: Notation | None = None, *, wrt=None, file: str | None = None,
              line: int | None = None, column: int | None = None) -> sp.Expr:
    r"""Read one expression of a derivation, in the notation of lecture notes.

    On top of :func:`parse_math`: the document's macros are expanded
    (``\pd[w_1]`` → ``\partial_{w_1}``); ``a_i^{(1)}`` is a name with a layer
    label, not a power; ``x_i`` is indexed data when ``i`` is the sample index
    or bound by a ``\sum``; ``\sum_{i=1}^{n} …`` is a Sum whose summand runs to
    the next ``+``/``-`` outside brackets; the names in ``notation.functions``
    apply to a bracket that follows (``f(x)``, ``C(w)``); ∂ notation, d/d…
    fractions, primes and ``\nabla_{w}`` are unevaluated :class:`derive.rules.D`
    nodes; ``\lim_{h \to 0} …`` is a :class:`sympy.Limit` whose operand runs
    as a sum's does; accents and fonts make names (``\hat{y}_i``, ``\mathcal{L}``);
    ``\underline{…}`` and ``\underbrace{…}_{…}`` are what they mark;
    ``\text{…}``, ``\tag{…}`` and an equation number ``\quad (4)`` are dropped.

    Ambiguities are settled by rule, never guessed per line:

    * ``^{(…)}`` is a layer label, and so is a layer letter: ``^L``, ``^l``,
      ``^{L-1}``, ``^{l+1}`` (``a^L``, ``\sigma^L(z^L)``, Nielsen's ``w^l``); any
      other superscript is a power (``x^2``, ``a_i^2``, ``x^{T}``) — except in the
      variable of a derivative (``\partial_{b^{1}}``), where a power is
      meaningless, so ``b^{1}`` is the name ``b^1``, distinct from ``b^(1)``.
    * ``a(1-a)`` is a product unless ``a`` is in ``notation.functions``
      (:meth:`Notation.learn` adds every ``a(x) = …`` the document defines);
      a bracket holding a comma applies any name (``a^L(\Theta, x)``): a list
      cannot be a factor.
    * Refused rather than guessed: ``\sigma^2(x)`` (a power of σ(x), or layer
      2's σ?), ``dC(w)`` (a differential, not d·C(w)), ``\dots``, sets, lists,
      ``\leftarrow`` updates, and matrix notation (``\odot``, ``^\top``), which
      is read only in documents of whole layers.
    * ``\partial_w`` and ``\frac{d}{dw}`` apply to the next factor: a name with
      its scripts, a function application or a bracket, with its power
      (``\partial_w (u)^2`` is ∂(u²)).
    * ``f'(u)`` is ``D(f(u), u)`` for a variable u, else ``f'`` at u (a Subs);
      ``(…)'`` is the derivative by ``wrt``; ``\sigma(x)'`` by x.
    * In ``\frac{d…}{d…}`` the letter d is the differential.

    Args:
        tex: one row, without ``$`` or ``&`` and without ``=``.
        notation: what the document defines; by default none of its own.
        wrt: the variable a bare prime ``(…)'`` differentiates by (a SymPy
            symbol or its LaTeX), if the document says.
        file, line, column: where ``tex`` starts, for errors.

    Returns:
        The SymPy expression, with derivatives left as ``D(expr, wrt)``.

    Raises:
        LatexParseError: with ``where`` = file:line:column inside the row.
    """
    if not isinstance(tex, str):
        raise TypeError(f"parse_row reads a string, not {type(tex).__name__}")
    notation = notation or Notation()
    if len(tex) > MAX_LENGTH:
        raise error_at(tex, MAX_LENGTH, f"expression too long ({len(tex)} characters, at most "
                       f"{MAX_LENGTH})", file, line, column)
    chars = clean_chars(_text_names(expand_chars(tex, notation.macros, file=file, line=line,
                                                 column=column)), notation, _OPERATORS)
    if isinstance(wrt, str):
        wrt = parse_row(wrt, notation)
        if not isinstance(wrt, (sp.Symbol, sp.Indexed)):
            raise LatexParseError(f"wrt must be one variable, not {wrt}")
    reader = _RowReader(chars, tex, notation, wrt, file, line, column)
    try:
        reader.tokenize()
        if not reader.toks:
            words = re.search(r"\\(?:text|textrm|textit|mbox)\s*\{", tex)
            reader.fail("only words (\\text{…}) here, no formula to read" if words
                        else "empty expression", 0)
        reader.match_brackets()
        expr = reader.read(0, len(reader.toks), 0)
        if "e" in notation.letters:  # e = \hat y - y: the document's e, not Euler's
            expr = expr.xreplace({sp.E: sp.Symbol("e")})
        return expr
    except LatexParseError:
        raise
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, RecursionError,
            sp.SympifyError) as e:  # a gap in this reader: still a position, never a traceback
        reader.fail(f"cannot read this (internal error: {type(e).__name__}: {e})", 0)


def _index_symbol(letter):
    if letter == models.n.name:  # \sum_{n=0}^{N-1}: an index n, not the count n
        return sp.Symbol(letter, integer=True, nonnegative=True)
    return sp.Symbol(letter, integer=True, positive=True)


class _RowReader(_Reader):
    """The notation layer: names with scripts, sums, functions, derivatives."""

    EXTRA = "='&<>.!;"
    NAMES = True

    def __init__(self, chars, original, notation, wrt, file, line, column):
        super().__init__("".join(c for c, _ in chars), file, line, column)
        self.srcmap = [p for _, p in chars]
        self.original, self.notation, self.wrt = original, notation, wrt
        self.bound: list[str] = []

    def fail(self, message, pos):
        pos = max(0, min(pos, len(self.tex)))
        orig = self.srcmap[pos] if pos < len(self.srcmap) else len(self.original)
        raise error_at(self.original, orig, message, self.file, self.line, self.column)

    def _sym(self, name):
        if name == "n":
            return models.n
        if name == self.notation.index or name in self.bound:
            return _index_symbol(name)
        return sp.Symbol(name)

    def _rebuild(self, e, subs, pos):
        if isinstance(e, sp.Symbol) and e not in subs and not e.name.startswith("\\"):
            return self._sym(e.name)
        return super()._rebuild(e, subs, pos)

    # -- names --------------------------------------------------------------
    def _cases(self, k, hi, out, subs, depth):
        r"""``\begin{cases} v_1, & c_1 \\ v_2, & \text{otherwise} \end{cases}`` at token
        k: a Piecewise of the values under their conditions (``|r| \le \delta``,
        ``z > 0``, ``0 < z < 1``; none, "otherwise" or "else" is every other case)."""
        lo = self.pair[k + 1] + 1
        nest, j, end = 0, lo, None
        while j < hi:
            t = self.toks[j]
            if self._is(j, hi, *_OPEN):
                j = self.pair[j] + 1
                continue
            if t.text in (r"\begin", r"\end") and self._is(j + 1, hi, "{"):
                nest += 1 if t.text == r"\begin" else -1
                if nest < 0:
                    end = j
                    break
                j = self.pair[j + 1] + 1
                continue
            j += 1
        if end is None:
            self.fail(r"\begin{cases} without its \end{cases}", self.toks[k].pos)
        branches, start = [], lo
        for j in [*self._top(lo, end, (r"\\",)), end]:
            if j > start:
                branches.append(self._case(start, j, depth))
            start = j + 1
        if not branches:
            self.fail("cases with no case in them", self.toks[k].pos)
        if branches[-1][1] is not sp.true and len(branches) > 1 and all(
                c is sp.true for _, c in branches[:-1]):
            self.fail("a case with no condition before the last", self.toks[k].pos)
        self._placeholder(sp.Piecewise(*branches), subs, out, self.toks[k].pos)
        return self.pair[end + 1] + 1

    def _top(self, lo, hi, texts):
        """The tokens lo .. hi-1 outside brackets whose text is one of ``texts``."""
        j = lo
        while j < hi:
            if self._is(j, hi, *_OPEN):
                j = self.pair[j] + 1
                continue
            if self.toks[j].text in texts:
                yield j
            j += 1

    def _trimmed(self, lo, hi):
        """lo, hi without the spaces and the , or . that end a case's value."""
        while lo < hi and (self.toks[lo].text in _SPACES or self._is(lo, hi, ",")):
            lo += 1
        while hi > lo and (self.toks[hi - 1].text in _SPACES or self._is(hi - 1, hi, ",", ".")):
            hi -= 1
        return lo, hi

    def _case(self, lo, hi, depth):
        """One case ``value, & condition``: (value, condition)."""
        amp = next(self._top(lo, hi, ("&",)), None)
        if amp is None:
            self.fail("a case needs & before its condition", self.toks[lo].pos)
        a, b = self._trimmed(lo, amp)
        if a >= b:
            self.fail("a case with no value", self.toks[amp].pos)
        value = self.read(a, b, depth + 1)
        a, b = self._trimmed(amp + 1, hi)
        words = "".join(t.text for t in self.toks[a:b] if t.kind == "letter")
        if a >= b or words in ("otherwise", "else") and b - a == len(words):
            return value, sp.true
        if self.toks[a].text == "i" and self.toks[a + 1].text == "f" if b - a > 2 else False:
            a += 2  # if z > 0 without \text
        cuts = list(self._top(a, b, tuple(_RELATIONS)))
        if not cuts:
            self.fail("a case's condition must be a comparison (z > 0) or "
                      r"\text{otherwise}", self.toks[a].pos)
        sides, start = [], a
        for j in [*cuts, b]:
            if j <= start:
                self.fail("a comparison needs something on each side", self.toks[j].pos)
            sides.append(self.read(start, j, depth + 1))
            start = j + 1
        terms = [_RELATIONS[self.toks[j].text](x, y)
                 for j, x, y in zip(cuts, sides, sides[1:])]
        return value, sp.And(*terms)

    def _script(self, j, hi, what):
        """The text of a script after ``_``/``^`` at token j: (text, label?, next)."""
        nxt = self.toks[j + 1] if j + 1 < hi else None
        if nxt is None:
            self.fail(f"missing {what} after '{self.toks[j].text}'", self.toks[j].end)
        if nxt.kind == "letter" or nxt.text in _GREEK or (
                nxt.kind == "number" and len(nxt.text) == 1):
            return nxt.text.lstrip("\\"), False, j + 2
        if not self._is(j + 1, hi, "{"):
            self.fail(f"write the {what} in braces", nxt.pos)
        lo, close = j + 2, self.pair[j + 1]
        label = self._is(lo, hi, "(") and self.pair[lo] == close - 1
        inner = self.toks[lo + 1:close - 1] if label else self.toks[lo:close]
        bad = next((x for x in inner if not (x.kind in ("letter", "number") or x.text in _GREEK
                                             or x.text in ",+-")), None)
        if not inner or bad:
            self.fail(f"a {what} must be letters, digits, commas, + and -",
                      (bad or self.toks[j + 1]).pos)
        return "".join(x.text.lstrip("\\") for x in inner), label, close + 1

    def _parts(self, k, hi, wrt=False):
        """A name with its scripts: (base, sub, sup, next). ``sup`` is a layer
        label ``(1)`` or, for a variable of a derivative, any superscript."""
        base, sub, sup, j = self.toks[k].text.lstrip("\\"), None, None, k + 1
        while self._is(j, hi, "_", "^"):
            if self.toks[j].text == "_" and sub is None:
                sub, _, j = self._script(j, hi, "subscript")
            elif self.toks[j].text == "^" and sup is None and self._is(j + 1, hi, "{") \
                    and self._is(j + 2, hi, "["):
                # a^{[1]}, z^{[2](i)}: layer 1 (deeplearning.ai's brackets), of sample i
                close, bracket = self.pair[j + 1], self.pair[j + 2]
                inner = self.toks[j + 3:bracket]
                if not inner or not all(x.kind in ("letter", "number") or x.text in "+-"
                                        for x in inner):
                    self.fail("a layer label ^{[l]} must be letters, digits, + and -",
                              self.toks[j + 2].pos)
                sup = "(" + "".join(x.text for x in inner) + ")"
                rest = self.toks[bracket + 1:close]
                if rest:
                    if not (len(rest) == 3 and rest[0].text == "(" and rest[2].text == ")"
                            and rest[1].kind == "letter"):
                        self.fail("after ^{[l]} only a sample index (i) is read",
                                  rest[0].pos)
                    sub = rest[1].text if sub is None else sub + rest[1].text
                j = close + 1
            elif self.toks[j].text == "^" and sup is None and self._mark(j, hi):
                # w^\star, w^*, w^{+}: the optimum, the updated value: another name
                sup, j = self._mark(j, hi)
            elif self.toks[j].text == "^" and sup is None:
                layer = None if wrt else self._layer_letter(j, hi)
                if layer is not None:
                    sup, j = layer
                    continue
                if not wrt and not self._bracket_label(j, hi):
                    break  # a power: x^{z_1}, e^{-z}, e^{(a + b)}
                text, label, nk = self._script(j, hi, "superscript") if (
                    wrt or self._is(j + 1, hi, "{")) else (None, False, j)
                if not (label or wrt):
                    break  # a power
                sup, j = f"({text})" if label else text, nk
            else:
                break
        return base, sub, sup, j

    def _mark(self, j, hi):
        """``(mark, next)`` for a superscript mark at token j (``^\\star``, ``^*``,
        ``^{+}``, ``^{\\ast}``), or None."""
        marks = {r"\star": "*", r"\ast": "*", "*": "*", "+": "+"}
        nxt = self.toks[j + 1] if j + 1 < hi else None
        if nxt is not None and nxt.text in marks:
            return marks[nxt.text], j + 2
        if self._is(j + 1, hi, "{") and self.pair[j + 1] == j + 3 and self.toks[j + 2].text in marks:
            return marks[self.toks[j + 2].text], j + 4
        if self._is(j + 1, hi, "{") and self.pair[j + 1] == j + 3 and \
                self.toks[j + 2].kind == "letter" and re.fullmatch(r"[A-Za-z]{2,}",
                                                                   self.toks[j + 2].text):
            return self.toks[j + 2].text, j + 4  # θ^{\text{new}}, w^{\mathrm{MLE}}: another name
        return None

    def _layer_letter(self, j, hi):
        """``^L``, ``^{l+1}`` at token j: (the label's text, next index), or None."""
        nxt = self.toks[j + 1] if j + 1 < hi else None
        if nxt is not None and nxt.kind == "letter" and _LAYER.fullmatch(nxt.text):
            return nxt.text, j + 2
        if self._is(j + 1, hi, "{"):
            close = self.pair[j + 1]
            inner = self.toks[j + 2:close]
            text = "".join(x.text for x in inner)
            if inner and inner[0].kind == "letter" and _LAYER.fullmatch(text):
                return text, close + 1
        return None

    def _make_name(self, base, sub, sup):
        if sub is None and sup is not None and sup[0] == "(" and (
                sup[1:-1] == self.notation.index or sup[1:-1] in self.bound):
            # x^{(i)}: the i-th sample, as CS229 writes it
            return sp.IndexedBase(base)[_index_symbol(sup[1:-1])]
        if sub is not None and sup is not None and sup[0] == "(" and (
                sup[1:-1] == self.notation.index or sup[1:-1] in self.bound):
            # x_1^{(i)}: entry 1 of the i-th sample
            name = f"{base}_{sub}" if len(sub) == 1 else f"{base}_{{{sub}}}"
            return sp.IndexedBase(name)[_index_symbol(sup[1:-1])]
        top = "" if sup is None else "^" + (sup if len(sup) == 1 or sup[0] == "(" else f"{{{sup}}}")
        if sub is not None and (sub == self.notation.index or sub in self.bound):
            return sp.IndexedBase(base + top)[_index_symbol(sub)]
        several = sub is not None and len(sub) > 1 and (
            sub.split(",") if "," in sub else re.findall(r"[A-Za-z]|\d+", sub)
            if re.fullmatch(r"[A-Za-z0-9]+", sub) and not re.fullmatch(r"[a-z]{4,}", sub)
            else None)  # (J_{\mathrm{ridge}}: a word is a label, not the indices r, i, d, …)
        if several and len(several) > 1 and all(several) and any(
                t == self.notation.index or t in self.bound for t in several):
            # x_{i1}, x_{ij}, h_{ik}: sample i's entry 1, j or k (a table of data)
            return sp.IndexedBase(base + top)[tuple(
                _index_symbol(t) if t == self.notation.index or t in self.bound
                else sp.Integer(t) if t.isdigit() else sp.Symbol(t) for t in several)]
        name = base if sub is None else f"{base}_{sub}" if len(sub) == 1 else f"{base}_{{{sub}}}"
        return self._sym(name + top)

    def _wrt(self, lo, hi):
        """The variable of a derivative, tokens lo..hi-1: one name."""
        if lo >= hi:
            self.fail("a derivative needs a variable", self.toks[lo - 1].end)
        if self._is(lo, hi, "(") and self.pair[lo] == hi - 1:
            lo, hi = lo + 1, hi - 1  # d(b5)
        toks = self.toks[lo:hi]
        if len(toks) > 1 and all(t.kind in ("letter", "number") for t in toks) \
                and toks[0].kind == "letter":
            return sp.Symbol("".join(t.text for t in toks))  # d(SSR), d(b5)
        if not (toks[0].kind == "letter" or toks[0].text in _GREEK):
            self.fail("the variable of a derivative must be a name", toks[0].pos)
        base, sub, sup, j = self._parts(lo, hi, wrt=True)
        if j != hi:
            self.fail("the variable of a derivative must be one name", self.toks[j].pos)
        return self._make_name(base, sub, sup)

    def _prime(self, expr, k, hi, arg=None):
        """``expr`` followed by a prime at token k, if there is one."""
        if not self._is(k, hi, "'"):
            return expr, k
        if self._is(k + 1, hi, "'"):
            self.fail("second derivatives (two primes) are not read", self.toks[k + 1].pos)
        var = arg if isinstance(arg, (sp.Symbol, sp.Indexed)) else self.wrt
        if var is None:
            self.fail("a prime with no variable: say what the document differentiates by "
                      "(wrt)", self.toks[k].pos)
        return D(expr, var), k + 1

    def _function(self, name):
        if name == "sigma":
            return sigmoid
        return _OPERATORS.get(name.lower()) if len(name) > 1 and name.lower() in _OPERATORS \
            else sp.Function(name)

    def _commas(self, k):
        """The top-level commas inside the bracket opened at token k."""
        close, level, commas = self.pair[k], 0, []
        for j in range(k + 1, close):
            level += self._is(j, close, *_OPEN) - self._is(j, close, *_CLOSE)
            if level == 0 and self._is(j, close, ","):
                commas.append(j)
        return commas

    def _apply(self, func, k, hi, out, subs, depth, primed, pos):
        """``func(…)`` with the bracket at token k; ``primed``: written ``f'(…)``.
        ``J(w, b)``: a function of several arguments (not primed)."""
        close, commas = self.pair[k], self._commas(k)
        if commas:
            if primed or not isinstance(func, sp.core.function.UndefinedFunction):
                self.fail("a function of several arguments is read only as a name's "
                          "definition or use, J(w, b)", self.toks[commas[0]].pos)
            bounds = [k] + commas + [close]
            args = [self.read(a + 1, b, depth + 1) for a, b in zip(bounds, bounds[1:])]
            expr, nk = self._prime(func(*args), close + 1, hi)
            self._placeholder(expr, subs, out, pos)
            return nk
        arg, nk = self._group(k, depth)
        if not primed:
            expr, nk = self._prime(func(arg), nk, hi, arg)
        elif isinstance(arg, (sp.Symbol, sp.Indexed)):
            expr = D(func(arg), arg) if primed == 1 else D(D(func(arg), arg), arg)
        else:
            u = sp.Dummy("u")
            expr = sp.Subs(D(func(u), u) if primed == 1 else D(D(func(u), u), u), u, arg)
        self._placeholder(expr, subs, out, pos)
        return nk

    def _row_name(self, k, hi, out, subs, depth):
        t = self.toks[k]
        nxt = self.toks[k + 1] if k + 1 < hi else None
        if t.kind == "letter" and nxt is not None and nxt.kind == "number" \
                and nxt.pos == t.end and nxt.text.isdigit():
            # b5, W2: a name (as in d(b5)), not 5 b
            self._placeholder(self._sym(t.text + nxt.text), subs, out, t.pos)
            return k + 2
        if t.text == "d" and nxt is not None and nxt.pos == t.end and (
                nxt.kind == "letter" or nxt.text in _GREEK):
            base, _, _, j = self._parts(k + 1, hi)
            if base in self.notation.functions and self._is(j, hi, "("):
                self.fail(f"d{nxt.text}(…) is a differential, not d times {nxt.text}: write "
                          f"{nxt.text}'(…) or \\frac{{d{nxt.text}}}{{d…}}", t.pos)
        base, sub, sup, j = self._parts(k, hi)
        if base in self.notation.functions and self._is(j, hi, "^"):
            end = self.pair[j + 1] + 1 if self._is(j + 1, hi, "{") else j + 2
            if self._is(end, hi, "("):
                self.fail(f"{t.text}^…(…) is a power of {t.text}(…) or a layer's {t.text}: "
                          f"write {t.text}(…)^2 or {t.text}^{{(2)}}(…)", self.toks[j].pos)
        primed = 2 if self._is(j, hi, "'") and self._is(j + 1, hi, "'") else 1
        primed = primed if self._is(j + primed, hi, "(") and self._is(j, hi, "'") else 0
        known = base in self.notation.functions or (sup is not None and sup[0] != "(" and str(
            self._make_name(base, None, sup)) in self.notation.functions)  # a^L(x) = …
        if self._is(j + primed, hi, "(") and (known or primed or self._commas(j + primed)):
            name = str(self._make_name(base, sub, sup)) if (sub or sup) else base
            return self._apply(self._function(name), j + primed, hi, out, subs, depth,
                               primed, t.pos)
        if j == k + 1 and not self._is(j, hi, "'") and (len(t.text) == 1 or t.text in _GREEK):
            # a plain letter: latex2sympy2 reads it
            if t.text in _FRAGILE:
                self._placeholder(sp.Symbol(t.text), subs, out, t.pos)
            else:
                out.add(t.text, t.pos, exact=True)
            return k + 1
        expr, nk = self._prime(self._make_name(base, sub, sup), j, hi)
        self._placeholder(expr, subs, out, t.pos)
        return self._no_double(nk, hi, "_")

    # -- constructs ------------------------------------------------------------
    def _step(self, k, hi, out, subs, depth):
        t = self.toks[k]
        if t.kind == "letter" or t.text in _GREEK:
            return self._row_name(k, hi, out, subs, depth)
        if t.kind == "char" and t.text in _OPEN:
            expr, nk = self._group(k, depth)
            expr, nk = self._prime(expr, nk, hi)
            self._placeholder(expr, subs, out, t.pos)
            return nk
        if t.text == "'":
            self.fail("a prime must follow a function name or a bracket", t.pos)
        if t.text == "^" and self._bracket_label(k, hi):
            self.fail("a layer superscript ^{(l)} must follow a name", t.pos)
        if t.text in (r"\partial", r"\nabla"):
            return self._partial(k, hi, out, subs, depth)
        if t.text in _APPLIED and self._is(k + 1, hi, "'") and self._is(k + 2, hi, "("):
            # \tanh'(u): the derivative of a named function
            return self._apply(_OPERATORS[t.text[1:]], k + 2, hi, out, subs, depth, 1, t.pos)
        if t.text == r"\lim":
            return self._limit(k, hi, out, subs, depth)
        if t.text in _MARKS and self._is(k + 1, hi, "{"):
            expr, nk = self._group(k + 1, depth)  # \underline{1}: what it marks
            script = _MARKS[t.text]
            if script and self._is(nk, hi, script):  # \underbrace{…}_{=1}: a remark
                nk = self.pair[nk + 1] + 1 if self._is(nk + 1, hi, "{") else nk + 2
            self._placeholder(expr, subs, out, t.pos)
            return nk
        if t.text in _NOT_READ:
            self.fail(_NOT_READ[t.text], t.pos)
        if t.text == "^" and (self._is(k + 1, hi, "{") and k + 2 < hi and
                              self.toks[k + 2].text == r"\top" or
                              k + 1 < hi and self.toks[k + 1].text == r"\top"):
            self.fail(_NOT_READ[r"\top"], t.pos)
        if t.text == ",":
            self.fail("unexpected ',': a list (a, b, …) is not one expression", t.pos)
        if t.text in (r"\sum", r"\Sigma") and self._is(k + 1, hi, "_", "^"):
            return self._sum(k, hi, out, subs, depth)
        if t.text in _FRACS and self._is(k + 1, hi, "{"):
            nk = self._derivative_frac(k, hi, out, subs, depth)
            if nk is not None:
                return nk
        return super()._step(k, hi, out, subs, depth)

    @staticmethod
    def _names_a_factor(text) -> bool:
        """Whether a token starts a factor of its own: a letter, a Greek letter or a
        function (not an operator, a relation or a space)."""
        return bool(re.fullmatch(r"[A-Za-z]", text)) or text in _GREEK or text in _APPLIED \
            or text in (r"\sigma", r"\ell", r"\hat", r"\bar", r"\tilde", r"\mathbf")

    def _factor(self, k, hi, depth, what, wrt=None):
        """The factor starting at token k (spaces skipped): (expr, next)."""
        while k < hi and self.toks[k].text in _SPACES:
            k += 1
        if k >= hi:
            self.fail(f"{what} needs something to differentiate", self.toks[k - 1].end)
        start = self.toks[k].pos
        out, subs = _Out(), {}
        if self._is(k, hi, "|"):  # \frac{d}{dw} |w|: the bars and what they hold
            j = k + 1
            while j < hi and not self._is(j, hi, "|"):
                j = self.pair[j] + 1 if self._is(j, hi, *_OPEN) else j + 1
            if j >= hi or j == k + 1:
                self.fail("an absolute value | … | that does not close", self.toks[k].pos)
            return sp.Abs(self.read(k + 1, j, depth + 1)), j + 1
        nk = self._step(k, hi, out, subs, depth + 1)
        while self.toks[nk - 1].text in _APPLIED and nk < hi and not self._is(nk, hi, "^"):
            # \frac{\partial}{\partial z} \log \cosh r: the operators and their argument
            nk = self._step(nk, hi, out, subs, depth + 1)
        while self._is(nk, hi, "^"):
            nk = self._superscript(nk, hi, out, subs, depth + 1)
        if not out.parts:
            self.fail(f"{what} needs something to differentiate", start)
        text, src = out.text()
        expr = self._rebuild(self._flat(text, src, start, self.toks[nk - 1].end), subs, start)
        if wrt is not None and isinstance(expr, sp.Symbol) and expr != wrt \
                and self._is(nk, hi, "("):
            # \frac{\partial}{\partial w} \lambda (w_1^2 + w_2^2): a constant before a
            # bracket is the bracket's factor, not the whole operand (∂λ would be 0)
            inner, nk = self._group(nk, depth + 1)
            expr = expr * inner
        elif expr != 0 and nk < hi and self.toks[nk].text == r"\sum" and (expr.is_Number or (
                expr.free_symbols and all(v.name in models.SAMPLE_COUNTS
                                          for v in expr.free_symbols)) or _coefficient(expr, wrt)):
            # \frac{\partial}{\partial w_k} \frac{1}{n} \sum_i (…)^2: the mean's factor
            # and its sum are the operand (∂(1/n) would be 0)
            inner, nk = self._factor(nk, hi, depth, what, wrt)
            expr = expr * inner
        elif (expr.is_Number or _coefficient(expr, wrt)) and expr != 0 and nk < hi and (
                self._is(nk, hi, "(") or self._names_a_factor(self.toks[nk].text)):
            # \frac{\partial}{\partial z} \tfrac12 (p - y)^2, \frac{\partial}{\partial w}
            # \frac{1}{2} r_i^2: the number is the factor of what follows it
            inner, nk = self._factor(nk, hi, depth, what, wrt)
            expr = expr * inner
        return expr, nk

    def _partial(self, k, hi, out, subs, depth):
        r"""``\partial_{w} C``, ``\partial_b(…)``; ``\nabla_{w} C`` is the same ∂
        (one variable at a time: the gradient's entry)."""
        t = self.toks[k]
        if t.text == r"\partial" and not self._is(k + 1, hi, "_"):
            slash = self._slash_partial(k, hi, depth)
            if slash is not None:
                expr, nk = slash
                self._placeholder(expr, subs, out, t.pos)
                return nk
        if self._is(k + 1, hi, "^"):
            self.fail(f"higher derivatives ({t.text}^2) are read only as fractions: "
                      r"\frac{\partial^2 C}{\partial w^2}", self.toks[k + 1].pos)
        if not self._is(k + 1, hi, "_"):
            self.fail(f"{t.text} needs its variable: {t.text}_{{w}} C" + (
                r" or \frac{\partial C}{\partial w}" if t.text == r"\partial" else ""), t.end)
        if self._is(k + 2, hi, "{"):
            wrt, j = self._wrt(k + 3, self.pair[k + 2]), self.pair[k + 2] + 1
        elif k + 2 < hi:
            wrt, j = self._wrt(k + 2, k + 3), k + 3
        else:
            self.fail(f"{t.text}_ needs a variable", self.toks[k + 1].end)
        expr, nk = self._factor(j, hi, depth, t.text, wrt)
        self._placeholder(D(expr, wrt), subs, out, t.pos)
        return nk

    def _order(self, k, hi):
        """The order written after a ∂ or d at token k: ``^2``/``^{2}`` → (2, next); else (1, k+1)."""
        if self._is(k + 1, hi, "^"):
            if k + 2 < hi and self.toks[k + 2].kind == "number" and self.toks[k + 2].text == "2":
                return 2, k + 3
            if self._is(k + 2, hi, "{") and self.pair[k + 2] == k + 4 \
                    and self.toks[k + 3].text == "2":
                return 2, k + 5
            self.fail("only first and second derivatives are read", self.toks[k + 1].pos)
        return 1, k + 1

    def _variables(self, lo, hi, op, order):
        """The variables of a derivative's denominator ``∂w_1 ∂w_2``, ``∂w^2``,
        ``dx^2`` (tokens lo..hi-1, each after the operator ``op``), one per order."""
        starts = [j for j in range(lo, hi) if self.toks[j].text == op
                  and (op != "d" or self.toks[j].kind == "letter")]
        if not starts or starts[0] != lo:
            self.fail("the variable of a derivative must follow " + op, self.toks[lo].pos)
        if order == 1 and len(starts) > 1 and op == "d":
            starts = starts[:1]  # \frac{dy}{d(dx)}: nothing to split
        out = []
        for a, b in zip(starts, starts[1:] + [hi]):
            while b > a + 1 and self.toks[b - 1].text in _SPACES:
                b -= 1  # \partial w \, \partial b
            end, times = b, 1
            if order == 2 and self._is(b - 2, b, "^") and self.toks[b - 1].text == "2":
                end, times = b - 2, 2  # ∂w^2
            elif order == 2 and self._is(b - 4, b, "^") and self._is(b - 3, b, "{") \
                    and self.toks[b - 2].text == "2":
                end, times = b - 4, 2  # ∂w^{2}
            out += [self._wrt(a + 1, end)] * times
        if len(out) != order:
            self.fail(f"a derivative of order {order} needs {order} variable"
                      f"{'s' if order > 1 else ''} below", self.toks[lo].pos)
        return out

    def _slash_partial(self, k, hi, depth):
        r"""``\partial S / \partial z_1``, ``\partial^2 J / \partial w^2``: (D, next),
        or None when no ``/ \partial`` follows the operand."""
        order, j = self._order(k, hi)
        if j >= hi or self._is(j, hi, "/"):
            return None
        expr, nk = self._factor(j, hi, depth, r"\partial")
        if not (self._is(nk, hi, "/") and nk + 1 < hi and self.toks[nk + 1].text == r"\partial"):
            return None
        lo, e = nk + 1, nk + 2
        while e < hi and (self.toks[e].text == r"\partial" or self._name_tok(e)):
            if self.toks[e].text == r"\partial":
                e += 1
                continue
            _, _, _, e = self._parts(e, hi, wrt=True)
        for var in self._variables(lo, e, r"\partial", order):
            expr = D(expr, var)
        return expr, e

    def _name_tok(self, j):
        t = self.toks[j]
        return t.kind == "letter" or t.text in _GREEK

    def _derivative_frac(self, k, hi, out, subs, depth):
        r"""``\frac{\partial C}{\partial w}``, ``\frac{dJ}{dW_2}``, ``\frac{d}{da}(…)``;
        None if the fraction is not a derivative."""
        nlo, nhi = k + 2, self.pair[k + 1]
        if not self._is(nhi + 1, hi, "{"):
            return None
        dlo, dhi = nhi + 2, self.pair[nhi + 1]

        def op(j, end):
            t = self.toks[j] if j < end else None
            if t is None or not (t.text == r"\partial" or (t.kind == "letter" and t.text == "d")):
                return None
            if self._is(j + 1, end, "_"):
                return None  # d_1: a name
            if t.text == "d" and self._is(j + 1, end, "^") and not self._second_d(dlo, dhi):
                return None  # d^2 over anything but dx^2: a power
            return t.text

        kind = op(nlo, nhi)
        if kind is None or op(dlo, dhi) != kind or dhi <= dlo + 1:
            return None
        order, top = self._order(nlo, nhi)
        variables = self._variables(dlo, dhi, kind, order)
        wrt = variables[-1]
        if top == nhi:  # \frac{d}{dw} applies to what follows
            expr, nk = self._factor(dhi + 1, hi, depth, r"\frac{d}{d…}", wrt)
        else:
            lo, end, nk = top, nhi, dhi + 1
            toks = self.toks[lo:end]
            if self._is(lo, end, "(") and self.pair[lo] == end - 1 and all(
                    x.kind in ("letter", "number") for x in toks[1:-1]) and len(toks) > 3:
                expr = sp.Symbol("".join(x.text for x in toks[1:-1]))  # d(SSR)
            elif all(x.kind == "letter" for x in toks) and len(toks) > 1 and kind == "d" \
                    and all(x.end == y.pos for x, y in zip(toks, toks[1:])):
                expr = sp.Symbol("".join(x.text for x in toks))  # dSSR
            else:
                expr = self.read(lo, end, depth + 1)
        for var in variables:
            expr = D(expr, var)
        self._placeholder(expr, subs, out, self.toks[k].pos)
        return nk

    def _second_d(self, lo, hi):
        """Does the denominator ``lo..hi-1`` read ``d…^2`` (a second derivative)?"""
        return hi - lo >= 4 and self.toks[hi - 1].text == "2" and self._is(hi - 2, hi, "^") \
            or hi - lo >= 5 and self.toks[hi - 2].text == "2" and self._is(hi - 4, hi, "^")

    def _sum(self, k, hi, out, subs, depth):
        r"""``\sum_{i=1}^{n} body``: the body runs to the next + or - outside brackets."""
        t, j = self.toks[k], k + 1
        letter, lower, upper, other = None, sp.Integer(1), None, None
        if self._is(j, hi, "_"):
            if self._is(j + 1, hi, "{"):
                lo, close = j + 2, self.pair[j + 1]
                if not (lo < close and self.toks[lo].kind == "letter"):
                    self.fail(r"\sum_{…} needs an index letter, as in \sum_{i=1}^{n}",
                              self.toks[j + 1].pos)
                letter = self.toks[lo].text
                if lo + 3 == close and self.toks[lo + 1].text in (r"\neq", r"\ne") and \
                        self.toks[lo + 2].kind == "letter":
                    other = self.toks[lo + 2].text  # \sum_{j \neq k}: every j but k
                elif self._is(lo + 1, close, "="):
                    if lo + 2 >= close:
                        self.fail("missing lower limit after '='", self.toks[lo + 1].end)
                    lower = self.read(lo + 2, close, depth + 1)
                elif lo + 1 != close:
                    self.fail(r"write the index as \sum_{i=1}^{n}", self.toks[lo + 1].pos)
                j = close + 1
            elif j + 1 < hi and self.toks[j + 1].kind == "letter":
                letter, j = self.toks[j + 1].text, j + 2
            else:
                self.fail(r"\sum_ needs an index letter", self.toks[j].end)
        if self._is(j, hi, "^"):
            if self._is(j + 1, hi, "{"):
                upper, j = self._group(j + 1, depth)
            elif j + 1 < hi and self.toks[j + 1].kind in ("letter", "number"):
                upper, j = self.read(j + 1, j + 2, depth + 1), j + 2
            else:
                self.fail(r"write the upper limit in braces: \sum_{i=1}^{n}", self.toks[j].end)
        letter = letter or self.notation.index
        e = self._operand_end(j, hi, r"\sum needs a summand")
        if other is None and letter == self.notation.index and e < hi and \
                self.toks[e].text in "+-" and self._uses_index(e, hi, letter):
            # \sum_i y^{(i)} \log h^{(i)} + (1 - y^{(i)}) \log(1 - h^{(i)}): the terms after
            # the summand that use its index belong to it (a free i there means nothing)
            e = self._terms_with_index(e, hi, letter)
        self.bound.append(letter)
        body = self.read(j, e, depth + 1)
        self.bound.pop()
        if other is not None:
            # Σ_{j≠k} f_j = Σ_j f_j - f_k, over a count the text leaves open (a short sum)
            index = _index_symbol(letter)
            upper = sp.Symbol("K") if upper is None else upper
            left_out = body.xreplace({index: sp.Symbol(other)})
            left_out = left_out.replace(  # y[k]: the text's y_k
                lambda v: isinstance(v, sp.Indexed) and v.indices == (sp.Symbol(other),),
                lambda v: sp.Symbol(f"{v.base}_{other}"))

            def renamed(name):  # x^{(i)}_j's name x_j, for the left-out j = k: x_k
                return re.sub(rf"_(\{{?){letter}(\}}?)(?=$|\^)", rf"_\g<1>{other}\g<2>", name)
            left_out = left_out.xreplace(
                {v: sp.IndexedBase(renamed(str(v.label))) for v in left_out.atoms(sp.IndexedBase)
                 if renamed(str(v.label)) != str(v.label)} |
                {v: sp.Symbol(renamed(v.name)) for v in left_out.atoms(sp.Symbol)
                 if not v.is_integer and renamed(v.name) != v.name})
            self._placeholder(sp.Sum(body, (index, lower, upper)) - left_out, subs, out, t.pos)
            return e
        upper = models.n if upper is None else upper
        self._placeholder(sp.Sum(body, (_index_symbol(letter), lower, upper)), subs, out, t.pos)
        return e

    def _index_at(self, k, hi, letter) -> bool:
        """Is token k the index ``letter`` written as one (x_i, x^{(i)}, x_{ij})?"""
        t = self.toks[k]
        if t.text != letter or t.kind != "letter" or k == 0:
            return False
        before = self.toks[k - 1].text
        return before in ("_", "(") or (before == "{" and k >= 2 and self.toks[k - 2].text == "_")

    def _uses_index(self, e, hi, letter) -> bool:
        """Does the next term, from token e (a + or -), use the index ``letter``?"""
        end = self._term_end(e, hi)
        if any(self.toks[k].text in (r"\sum", r"\prod") for k in range(e + 1, end)):
            return False  # (+ 2b \sum_i x_i: a sum of its own)
        return any(self._index_at(k, end, letter) for k in range(e + 1, end))

    def _term_end(self, e, hi):
        """Where the term starting at token e (its sign) ends: the next + or - outside
        brackets, or hi."""
        k = e + 1
        while k < hi:
            s = self.toks[k]
            if s.kind == "char" and (s.text == "=" or s.text in "+-" and
                                     self.toks[k - 1].text not in _BINDS):
                break
            k = self.pair[k] + 1 if s.kind == "char" and s.text in _OPEN else k + 1
        return k

    def _terms_with_index(self, e, hi, letter):
        """The end of the run of terms from token e that each use the index."""
        while e < hi and self.toks[e].text in "+-" and self._uses_index(e, hi, letter):
            e = self._term_end(e, hi)
        return e

    def _operand_end(self, j, hi, missing):
        """Where the operand of a \\sum or \\lim starting at token j ends: at the
        next + or - outside brackets (not a sign after ^, _, ·, /, or "(")."""
        e = j
        while e < hi:
            s = self.toks[e]
            if s.kind == "char" and (s.text == "=" or s.text in "+-" and e > j and
                                     self.toks[e - 1].text not in _BINDS):
                break
            e = self.pair[e] + 1 if s.kind == "char" and s.text in _OPEN else e + 1
        if e == j:
            self.fail(missing, self.toks[j - 1].end if j >= hi else self.toks[j].pos)
        return e

    def _limit(self, k, hi, out, subs, depth):
        r"""``\lim_{h \to 0} body``: a :class:`sympy.Limit`, two-sided unless the
        point says ``0^+`` or ``0^-``; the body runs as a sum's summand does."""
        t = self.toks[k]
        if not (self._is(k + 1, hi, "_") and self._is(k + 2, hi, "{")):
            self.fail(r"\lim needs its variable and point: \lim_{h \to 0}", t.end)
        lo, close = k + 3, self.pair[k + 2]
        arrow = next((j for j in range(lo, close) if self.toks[j].text in _ARROWS), None)
        if arrow is None or arrow == lo or arrow + 1 >= close:
            self.fail(r"write the limit as \lim_{h \to 0}", self.toks[k + 2].pos)
        var = self._wrt(lo, arrow)
        end, side = close, "+-"
        if self._is(close - 2, close, "^") and self._is(close - 1, close, "+", "-"):
            end, side = close - 2, self.toks[close - 1].text  # 0^+
        elif self._is(close - 4, close, "^") and self._is(close - 3, close, "{") \
                and self._is(close - 2, close, "+", "-"):
            end, side = close - 4, self.toks[close - 2].text  # 0^{+}
        if end <= arrow + 1:
            self.fail(r"the limit needs a point: \lim_{h \to 0}", self.toks[arrow].end)
        point = self.read(arrow + 1, end, depth + 1)
        e = self._operand_end(close + 1, hi, r"\lim needs something to take the limit of")
        body = self.read(close + 1, e, depth + 1)
        self._placeholder(sp.Limit(body, var, point, side), subs, out, t.pos)
        return e
