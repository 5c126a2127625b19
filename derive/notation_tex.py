"""What a document teaches the LaTeX reader: its macros and its functions.

:class:`Notation` collects, from a document's own text, the user macros
(``\\def``, ``\\newcommand``, ``\\DeclareMathOperator``) and the names it
uses as functions (``C(w) = …`` makes ``C`` a function). :func:`expand_macros`
expands the macros TeX's way, delimited parameters included
(``\\def\\pd[#1]{\\partial_{#1}}``), and keeps for every character of its
output the position in the input it came from, so that an error found after
expansion still names the column the user typed.

Nothing here evaluates a string: macros are expanded as text, then read by
:mod:`derive.parse`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import LatexParseError, where

#: expansions of one row before we call it a runaway recursion
MAX_EXPANSIONS = 500
#: characters one row may grow to by expansion
MAX_EXPANDED = 20_000

#: the functions every document knows (letters apply to a bracket that follows)
DEFAULT_FUNCTIONS = frozenset({"f", "g", "h", "sigma", "softplus", "ReLU", "relu", "sigmoid"})
#: the data every document is assumed to index by the sample index
DEFAULT_INDEXED = frozenset({"x", "y", "z", "a"})

Chars = list  # of (character, position in the original input)


_ARG = r"\\?[A-Za-z]+(?:_\{?\w+\}?)?"
#: ``NAME(args) =``: a name the document defines as a function of its arguments
_DEFINES = re.compile(
    r"(?<![\\A-Za-z])(\\(?:hat|bar|tilde|vec|widehat|overline|mathbf|boldsymbol|bm|mathcal"
    r"|mathit|mathsf|mathrm|operatorname|text)\s*\{\s*\\?[A-Za-z]+\s*\}|\\?[A-Za-z]+)"
    # J_B(w): a cost named for its batch is the function J; \rho_\delta(r), h_\theta(x),
    # f_w(x): a function named for its parameter
    r"(?:_\{?(?:[A-Z]|\\[A-Za-z]+|[a-hopq-z])\}?)?"
    r"(?:\^\{\([^{}]*\)\}|(\^[Ll]|\^\{[Ll](?:[+-][0-9])?\}))?'?"
    rf"\(\s*{_ARG}(?:\s*[,;]\s*{_ARG})*\s*\)\s*&?\s*=")  # p(y; \mu): y's law at μ
#: ``e = …`` (or ``e :=``): the document names its own e (an error ŷ − y), so
#: the bare letter is that name, not Euler's number; ``e^{…}`` stays exp
_NAMES_E = re.compile(r"(?:^|[$&(]|\\\[|\\\\)\s*e\s*&?\s*:?=(?!\s*2\.71)", re.M)
#: fonts whose name is the letters alone: \mathrm{SSR} is SSR
_FONT_NAME = re.compile(r"\\(?:mathrm|operatorname|text)\{([A-Za-z]+)\}")


@dataclass(frozen=True)
class Macro:
    r"""A user macro: its parameter text and its body.

    ``params`` is TeX's parameter text, e.g. ``"[#1]"`` or ``"[#1,#2]"`` for
    delimited parameters and ``"#1#2"`` for ``\newcommand{\x}[2]``;
    ``default`` is the default of an optional first argument
    (``\newcommand{\x}[2][1]{…}``), or None.
    """

    params: str
    body: str
    default: str | None = None


@dataclass
class Notation:
    r"""What a document has taught us so far.

    Attributes:
        macros: macro name (without backslash) → :class:`Macro`.
        functions: names read as functions when a bracket follows
            (``f``, ``sigma``, ``C`` after ``C(w) = …``).
        indexed: bases that carry the sample index (informational: the
            reader makes any ``base_i`` indexed when ``i`` is an index).
        index: the sample index letter.
        letters: letters the document defines that are otherwise constants
            (``e`` after ``e = \hat y - y``).
    """

    macros: dict = field(default_factory=dict)
    functions: set = field(default_factory=lambda: set(DEFAULT_FUNCTIONS))
    indexed: set = field(default_factory=lambda: set(DEFAULT_INDEXED))
    index: str = "i"
    letters: set = field(default_factory=set)

    def learn(self, tex: str) -> None:
        r"""Collect the macros and function definitions in ``tex``.

        ``\def``, ``\newcommand`` (and ``\renewcommand``) and
        ``\DeclareMathOperator`` become macros; a line ``NAME(var) = …``,
        ``NAME'(var) = …`` or ``NAME(var, var) = …`` makes NAME a function. NAME
        may carry a layer label (``\sigma^{(l)}``, ``a^L``) or an accent or a
        font (``\mathcal{L}(\theta)``, ``\hat{f}(x)``), as the reader names it.
        """
        self.macros.update(read_macros(tex))
        if _NAMES_E.search(tex):
            self.letters.add("e")
        for m in _DEFINES.finditer(tex):
            name = re.sub(r"\s+", "", m.group(1))
            font = _FONT_NAME.fullmatch(name)
            name = font.group(1) if font else name.lstrip("\\")
            layer = (m.group(2) or "").strip("^{}")
            # a^L(x) = … defines a^L, not every a; a^{(l)} keeps its older reading (a)
            self.functions.add(f"{name}^{layer}" if len(layer) == 1 else
                               f"{name}^{{{layer}}}" if layer else name)


def error_at(text: str, pos: int, message: str, file=None, line=None, column=None):
    """A LatexParseError at character ``pos`` of ``text``, which starts at
    ``line``:``column`` of ``file``.

    ``where`` is ``file:line:column``; ``message`` ends with "(line L, column C)"
    too, because a row's verdict quotes the message alone (as the problems
    :mod:`derive.extract` finds do). ``str(error)`` names the place once.
    """
    pos = max(0, min(pos, len(text)))
    nl = text.count("\n", 0, pos)
    col = pos - text.rfind("\n", 0, pos)  # 1-based on its own line
    if nl == 0 and column is not None:
        col += column - 1
    line = (line or 1) + nl
    err = LatexParseError(message, where=where(file, line, col))
    err.message = f"{message} (line {line}, column {col})"
    err.line, err.column = line, col
    return err


# -- reading definitions ---------------------------------------------------------

def _brace_ends(text: str) -> dict:
    """``{`` offset → the offset after its ``}``, for every matched pair, in one
    pass (``\\{`` and ``\\}`` are not braces): a thousand unclosed definitions
    must not cost a scan of the text each."""
    ends, stack = {}, []
    for j, c in enumerate(text):
        if c in "{}" and j > 0 and text[j - 1] == "\\":
            continue
        if c == "{":
            stack.append(j)
        elif c == "}" and stack:
            ends[stack.pop()] = j + 1
    return ends


def read_macros(tex: str) -> dict:
    r"""Every ``\def``, ``\newcommand``, ``\renewcommand`` and
    ``\DeclareMathOperator`` in ``tex``: name → :class:`Macro`. Malformed
    definitions are skipped (the rows that use them then fail to parse,
    with a position)."""
    macros, ends = {}, _brace_ends(tex)
    # parameter texts and defaults are bounded: "\def\a " a thousand times on one
    # line must not make each match scan to the end of the line
    for m in re.finditer(r"\\def\s*\\([A-Za-z]+)([^{}\n]{0,100})\{", tex):
        end = ends.get(m.end() - 1)
        if end is not None:
            macros[m.group(1)] = Macro(m.group(2).strip(), tex[m.end():end - 1])
    for m in re.finditer(r"\\(?:re)?newcommand\*?\s*(?:\{\s*\\([A-Za-z]+)\s*\}|\\([A-Za-z]+))"
                         r"\s*(?:\[(\d)\])?\s*(?:\[([^\]\n]{0,100})\])?\s*\{", tex):
        end = ends.get(m.end() - 1)
        if end is not None:
            count = int(m.group(3) or 0)
            macros[m.group(1) or m.group(2)] = Macro(
                "".join(f"#{k}" for k in range(1, count + 1)), tex[m.end():end - 1], m.group(4))
    for m in re.finditer(r"\\DeclareMathOperator\*?\s*\{\s*\\([A-Za-z]+)\s*\}\s*\{([A-Za-z]+)\}",
                         tex):
        macros[m.group(1)] = Macro("", rf"\operatorname{{{m.group(2)}}}")
    return macros


# -- expansion -----------------------------------------------------------------

def expand_macros(tex: str, macros: dict, *, file=None, line=None, column=None) -> str:
    r"""Expand the user ``macros`` in ``tex`` (TeX's rules, delimited parameters
    included).

    Args:
        tex: one row of LaTeX.
        macros: name → :class:`Macro`, e.g. from :func:`read_macros`.
        file, line, column: where ``tex`` starts, for errors.

    Returns:
        The expanded text.

    Raises:
        LatexParseError: a macro's arguments are missing or never end, or
            the expansion does not stop ("runaway macro recursion"); the
            position is the macro's, in ``tex``.
    """
    return "".join(c for c, _ in expand_chars(tex, macros, file=file, line=line, column=column))


def expand_chars(tex, macros, *, file=None, line=None, column=None) -> Chars:
    """:func:`expand_macros`, keeping each output character's input position."""
    src: Chars = [(c, k) for k, c in enumerate(tex)]
    out: Chars = []
    count = 0

    def fail(message, pos):
        raise error_at(tex, pos, message, file, line, column)

    while src:
        if src[0][0] != "\\":
            # copy plain text in one go up to the next backslash
            k = next((j for j, (c, _) in enumerate(src) if c == "\\"), len(src))
            out += src[:k]
            src = src[k:]
            continue
        k = 1
        while k < len(src) and src[k][0].isascii() and src[k][0].isalpha():
            k += 1
        name = "".join(c for c, _ in src[1:k])
        if k == 1:  # \{ or \, : a one-character command
            out += src[:2]
            src = src[2:]
            continue
        macro = macros.get(name)
        if macro is None:
            out += src[:k]
            src = src[k:]
            continue
        count += 1
        at = src[0][1]
        if count > MAX_EXPANSIONS:
            fail(f"runaway macro recursion in \\{name} (more than {MAX_EXPANSIONS} "
                 "expansions)", at)
        args, k = _arguments(src, k, macro, name, fail, at)
        body: Chars = []
        j, text = 0, macro.body
        while j < len(text):
            if text[j] == "#" and j + 1 < len(text) and text[j + 1].isdigit():
                number = int(text[j + 1])
                if not 1 <= number <= len(args):
                    fail(f"\\{name} uses #{number} but has {len(args)} parameters", at)
                body += args[number - 1]
                j += 2
            else:
                body.append((text[j], at))
                j += 1
        src = body + src[k:]
        if len(src) + len(out) > MAX_EXPANDED:
            fail(f"runaway macro recursion in \\{name} (the row grows past "
                 f"{MAX_EXPANDED} characters)", at)
    return out


def _skip_spaces(src, k):
    while k < len(src) and src[k][0].isspace():
        k += 1
    return k


def _undelimited(src, k, name, fail, at):
    """One TeX argument: a brace group (braces stripped), a command or a character."""
    k = _skip_spaces(src, k)
    if k >= len(src):
        fail(f"\\{name} is missing an argument", at)
    if src[k][0] == "{":
        end = _close(src, k, name, fail)
        return src[k + 1:end - 1], end
    if src[k][0] == "\\":
        j = k + 1
        while j < len(src) and src[j][0].isascii() and src[j][0].isalpha():
            j += 1
        j = max(j, k + 2)
        return src[k:j], j
    return src[k:k + 1], k + 1


def _close(src, k, name, fail):
    depth = 0
    for j in range(k, len(src)):
        c = src[j][0]
        if j > 0 and src[j - 1][0] == "\\" and c in "{}":
            continue
        depth += c == "{"
        depth -= c == "}"
        if depth == 0:
            return j + 1
    fail(f"unbalanced '{{' in an argument of \\{name}: never closed", src[k][1])


def _arguments(src, k, macro, name, fail, at):
    """Match ``macro.params`` against ``src[k:]``: (argument lists, next index)."""
    pieces = re.split(r"(#\d)", macro.params)
    args = []
    if macro.default is not None:  # \newcommand's optional first argument
        j = _skip_spaces(src, k)
        if j < len(src) and src[j][0] == "[":
            end = next((e for e in range(j, len(src)) if src[e][0] == "]"), None)
            if end is None:
                fail(f"\\{name}'s optional argument [ is never closed", at)
            args.append(src[j + 1:end])
            k = end + 1
        else:
            args.append([(c, at) for c in macro.default])
        pieces = pieces[2:] if len(pieces) > 1 else pieces  # #1 is the optional one
    for p, piece in enumerate(pieces):
        if not piece.startswith("#"):  # literal text that must be there
            for ch in piece:
                if ch.isspace():
                    continue
                k = _skip_spaces(src, k)
                if k >= len(src) or src[k][0] != ch:
                    fail(f"\\{name} expects {ch!r} here, as in its definition "
                         f"\\{name}{macro.params}", src[k][1] if k < len(src) else at)
                k += 1
            continue
        delim = pieces[p + 1] if p + 1 < len(pieces) else ""
        if not delim:
            arg, k = _undelimited(src, k, name, fail, at)
        else:
            arg, k = _delimited(src, k, delim, name, fail, at)
        args.append(arg)
    return args, k


def _delimited(src, k, delim, name, fail, at):
    """An argument that runs to ``delim`` at brace depth 0 (TeX: one pair of
    braces around the whole argument is stripped). Returns it and the index of
    the delimiter, which the literal text after it then consumes."""
    depth, j = 0, k
    while j < len(src):
        c = src[j][0]
        if depth == 0 and "".join(ch for ch, _ in src[j:j + len(delim)]) == delim:
            arg = src[k:j]
            while arg and arg[0][0].isspace():
                arg = arg[1:]
            while arg and arg[-1][0].isspace():
                arg = arg[:-1]
            if arg and arg[0][0] == "{" and _close(arg, 0, name, fail) == len(arg):
                arg = arg[1:-1]
            return arg, j
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth < 0:
                break
        j += 1
    fail(f"the argument of \\{name} never ends with {delim!r}", at)


# -- what is not math -------------------------------------------------------------

_NOISE = re.compile(
    r"\\(?:tag\*?|label)\s*\{|\\(?:nonumber|notag|displaystyle|textstyle|limits)(?![A-Za-z])"
    r"|\\(?:text|textrm|textit|textbf|mbox)\s*\{")
_EQNUM = re.compile(r"(?:\\q?quad\s*)+\(\s*[\w.]+\s*\)\s*\Z")


def clean_chars(chars, notation, known=()):
    r"""Drop what is not math (``\text{…}``, ``\tag{…}``, ``\label{…}``, an
    equation number ``\quad (4)`` at the end) from (character, position)
    pairs; ``\text{softplus}(`` is kept as the function it names (when it is
    in ``known`` or ``notation.functions``)."""
    text = "".join(c for c, _ in chars)
    m = _EQNUM.search(text)
    if m and m.start() > 0:
        chars, text = chars[:m.start()], text[:m.start()]
    out, k = [], 0
    for m in _NOISE.finditer(text):
        if m.start() < k:
            continue
        out += chars[k:m.start()]
        k = m.end()
        if m.group(0).endswith("{"):
            end = _group_end(text, m.end() - 1)
            if end is None:  # unclosed: leave it for the bracket check to report
                out += chars[m.start():m.end()]
                continue
            inner = text[m.end():end - 1].strip()
            after = text[end:].lstrip()
            if m.group(0).startswith(r"\text") and after.startswith("(") and (
                    inner.lower() in known or inner in notation.functions):
                out += [(c, chars[m.start()][1]) for c in rf"\operatorname{{{inner}}}"]
            else:
                out.append((" ", chars[m.start()][1]))
            k = end
    return out + chars[k:]


def _group_end(text, k):
    depth = 0
    for j in range(k, len(text)):
        if text[j] in "{}" and j > 0 and text[j - 1] == "\\":
            continue
        depth += text[j] == "{"
        depth -= text[j] == "}"
        if depth == 0:
            return j + 1
    return None
