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

Every failure is a :class:`~derive.errors.LatexParseError` whose ``where`` is
``file:line:column`` of the offending character. Nothing here hands the input
to Python's evaluators or to SymPy's string parsers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import latex2sympy2
import sympy as sp

from .errors import LatexParseError, where
from .functions import ACTIVATIONS, FUNCTIONS, sigmoid
from .notation import GREEK, GREEK_UPPER

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
    return {**names, "ln": sp.log}


_OPERATORS = _operator_names()
_FUNCTION_LETTERS = ("f", "g")  # functions when a bracket follows, as σ is
_FRAGILE = ("E", "d")           # latex2sympy2 drops E and reads d x as a differential
_GREEK = {"\\" + g for g in GREEK + GREEK_UPPER} | {r"\varepsilon", r"\varphi"}
_SPACES = {r"\,", r"\;", r"\:", r"\!", "\\ ", r"\quad", r"\qquad"}
_FRACS = {r"\frac", r"\dfrac", r"\tfrac"}
_OPEN, _CLOSE = {"(": ")", "[": "]", "{": "}"}, {")": "(", "]": "[", "}": "{"}
_WHY = {"=": "an equation: give one expression, without '='",
        "<": "an inequality: give one expression", ">": "an inequality: give one expression",
        "'": "primes (f'(x)) are not read yet; write the derivative out",
        "&": "alignment '&' is not part of an expression", ",": "unexpected ','",
        "!": "factorials are not read", "_": "a subscript must follow a name: x_1"}
#: what a flat latex2sympy2 result may contain, besides our placeholders
_ALLOWED = (sp.Symbol, sp.Number, sp.Add, sp.Mul, sp.Pow, sp.Abs, *set(_BUILTINS.values()))


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

    def __init__(self, tex, file, line, column):
        self.tex, self.file, self.line, self.column = tex, file, line, column
        self.toks: list[_Tok] = []
        self.pair: dict[int, int] = {}
        self.count = 0

    def fail(self, message, pos):
        """Raise LatexParseError at character ``pos`` of the input."""
        pos = max(0, min(pos, len(self.tex)))
        nl = self.tex.count("\n", 0, pos)
        col = pos - self.tex.rfind("\n", 0, pos)  # 1-based on its own line
        if nl == 0 and self.column is not None:
            col += self.column - 1
        line = (self.line or 1) + nl
        err = LatexParseError(message, where=where(self.file, line, col))
        err.line, err.column = line, col
        raise err

    # -- tokens and brackets ------------------------------------------------
    def tokenize(self):
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
            elif c in "+-*/|^_," or c in _OPEN or c in _CLOSE:
                tok = _Tok("char", c, k, k + 1)
            elif c == "." and toks and toks[-1].text in (r"\left", r"\right"):
                self.fail(f"{toks[-1].text}. is not read; use matching brackets", k)
            else:
                self.fail(_WHY.get(c, f"unexpected character {c!r}"), k)
            toks.append(tok)
            k = tok.end
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
        if t.kind == "number" or t.text in ("+", "-", "*", "/", "|", r"\pi"):
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
            if self._is(k + 2, hi, "(") and self.pair[k + 2] == self.pair[k + 1] - 1:
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
        if not self._is(close + 1, hi, "("):
            self.fail(f"{t.text}{{{name}}} needs its argument in brackets (…)",
                      self.toks[close].end)
        arg, nk = self._group(close + 1, depth)
        self._placeholder(func(arg), subs, out, t.pos)
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
        raw = self.tex[t.pos:self.toks[j - 1].end]
        if t.text == r"\log" and base is None:
            raw = r"\ln" + raw[len(r"\log"):]  # latex2sympy2's \log is base 10
        out.add(raw, t.pos, exact=True)
        return j

    # -- latex2sympy2 and its result -------------------------------------------
    def _flat(self, text, src, start, end):
        """latex2sympy2 on flat text; its errors mapped back to our columns."""
        latex2sympy2.set_variances({})  # its globals must not carry over between calls
        try:
            raw = latex2sympy2.latex2sympy(text)
        except RecursionError:
            self.fail("expression too long or too deeply nested", start)
        except Exception as e:  # latex2sympy2 raises bare Exception with a ~~~^ marker
            lines = str(e).splitlines()
            m = re.fullmatch(r"(~*)\^", lines[-1]) if len(lines) >= 3 else None
            if m:
                col = len(m.group(1))
                self.fail(f"cannot read this: {lines[0]}", src[col] if col < len(src) else end)
            self.fail(f"cannot read this: {str(e).strip() or type(e).__name__}", start)
        finally:
            latex2sympy2.set_variances({})
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
