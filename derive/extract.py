"""Finding the math in a .tex or Markdown file: rows, chains and macros.

:func:`find_math` returns every row of every display (and every inline
formula) with its exact line and column; :func:`chains` links rows into
``A = B = C`` chains; :func:`macros` reads the document's ``\\def`` and
``\\newcommand`` lines. Nothing here parses or evaluates the math: it only
cuts the text, so that the checker can give every row a verdict.

Design choices (the checker relies on them):

* Malformed input never raises. A ``\\begin{align}`` or ``$$`` never closed,
  a stray ``\\end``/``$$``, unbalanced braces in a row, or an unknown
  environment holding math become :class:`Row` s with ``latex == ""`` and a
  ``problem`` that names line and column; what can still be read is read.
* Empty rows are dropped when their display has other rows (``\\\\ \\\\`` is
  spacing, a final ``\\\\`` is common), but a display with no math at all
  (000's ``$$(22)$$``) gives one row with ``latex == ""``, so that the
  checker can say "no math" instead of skipping it silently.
* Every column-separating ``&`` of a multi-column ``align`` becomes
  ``\\quad``, and :func:`chains` starts a new chain at a top-level ``\\quad``,
  ``\\implies`` … that separates two equations.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from pathlib import Path

from .files import read_text

MATH_ENVS = frozenset(
    f"{name}{star}" for name in ("align", "equation", "eqnarray", "gather", "multline",
                                 "flalign", "alignat", "displaymath", "math") for star in ("", "*"))
#: environments whose text is code or pictures, never checked math
SKIP_ENVS = frozenset({"tikzpicture", "verbatim", "verbatim*", "Verbatim", "lstlisting",
                       "comment", "minted", "pgfpicture", "filecontents"})
#: sub-environments (and ``\displaylines``) that only lay rows out: split inside them
WRAPPERS = frozenset({"aligned", "split", "gathered", "alignedat", "displaylines"})
#: environments that belong inside math; any other inside a display spoils its row
MATH_INNER = MATH_ENVS | frozenset("""cases dcases rcases array subarray matrix pmatrix bmatrix
    Bmatrix vmatrix Vmatrix smallmatrix""".split())
#: environments that hold prose; an environment in none of these lists is "unknown"
TEXT_ENVS = frozenset("""document center flushleft flushright itemize enumerate description
    figure figure* table table* tabular tabular* tabularx abstract quote quotation verse proof
    theorem lemma definition corollary proposition remark example exercise note minipage frame
    block alertblock exampleblock columns column titlepage thebibliography appendix small
    footnotesize multicols wrapfigure subfigure cases array matrix pmatrix bmatrix""".split())
#: the environments of math inside prose: ``$…$`` and ``\(…\)``
INLINE = ("$", "\\(")
#: top-level commands that separate two equations written on one row
BREAKERS = frozenset({"quad", "qquad", "implies", "Rightarrow", "Longrightarrow", "iff",
                      "Leftrightarrow", "rightarrow", "Longleftrightarrow"})

_BEGIN = re.compile(r"\\begin\s*\{([^{}\n]*)\}")
_END = re.compile(r"\\end\s*\{([^{}\n]*)\}")
_PARAGRAPH = re.compile(r"\n[ \t]*\n")
_TAG = re.compile(r"\\tag\*?\s*\{([^{}]*)\}")
_DROP = re.compile(r"\\label\s*\{[^{}]*\}|\\(?:nonumber|notag)(?![A-Za-z])"
                   r"|\\(?:short)?intertext\s*\{[^{}]*\}")
_NUMBER = r"\(\s*(\d+(?:\.\d+)*[a-z]?)\s*\)"
_EQNUM = re.compile(r"(?:\\q?quad|\\hfill|\\hspace\*?\s*\{[^{}]*\})\s*" + _NUMBER + r"\s*$")
_ONLY_NUM = re.compile(r"^\s*" + _NUMBER + r"\s*$")
_LEAD = re.compile(r"^(?:\s|\\[,;:! ]|\\q?quad(?![A-Za-z])|~)+")
_TRAIL = ("\\,", "\\;", "\\:", "\\!", "\\qquad", "\\quad", "~", ".", ",")
_ARG = re.compile(r"\s*(\{[^{}]*\})?")
_DISPLAYLINES = re.compile(r"\\displaylines\s*\{")
_ROW_SPACE = re.compile(r"\*?\s*\[[^\]\n]{0,40}\]")
_WORD = re.compile(r"\\([A-Za-z]+)\s*")
#: two words in a row: the body of an unknown environment is prose, not bare math
_PROSE = re.compile(r"[A-Za-z]{3,}\s+[A-Za-z]{3,}")
_OPENER = re.compile(r"\\begin\s*\{(?:%s)\}" % "|".join(re.escape(e) for e in MATH_ENVS))
#: Markdown inline math longer than this is not looked for ("$5 … $10" is money)
INLINE_MAX = 2000
#: a macro's parameter text or default is shorter than this (a bound keeps the scan linear)
_PARAMS_MAX = 100
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*\n.*?(?:^ {0,3}\1[ \t]*$|\Z)", re.M | re.S)
_MATH_FENCE = re.compile(r"^ {0,3}((`{3,}|~{3,})[ \t]*math[ \t]*)\n.*?^ {0,3}(\2)[ \t]*$",
                         re.M | re.S)
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(?:[^\n`]|`(?!\1)|\n(?![ \t]*\n))+?(?<!`)\1(?!`)")


@dataclass(frozen=True)
class Row:
    """One row of one display: the unit the checker gives a verdict to.

    ``latex`` has alignment ``&``, ``\\label``, ``\\tag``, equation numbers,
    a trailing ``\\\\`` and trailing ``.``/``,`` removed, whitespace collapsed.
    ``problem`` is set (and ``latex`` is ``""``) when the row cannot be read.
    """

    latex: str
    line: int
    line_end: int
    column: int
    env: str
    display: int
    tag: str | None = None
    problem: str | None = None


@dataclass(frozen=True)
class Chain:
    """``A = B = C …``, possibly across rows: ``parts`` is ``((latex, Row), …)``."""

    parts: tuple
    rows: tuple


@dataclass(frozen=True)
class Macro:
    """A user macro: ``params`` is TeX's parameter text (``"[#1]"``, ``"#1#2"``)."""

    name: str
    params: str
    body: str
    line: int
    default: str | None = None


@dataclass(frozen=True)
class Document:
    """A file's math: its rows and macros, and the text they came from."""

    file: str | None
    kind: str
    rows: list
    macros: list
    text: str


# -- positions and masking ------------------------------------------------------------

class _Text:
    """The text, with comments and code blanked (same length, same lines)."""

    def __init__(self, text: str, kind: str):
        self.raw = text
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        chars = list(text)
        if kind == "tex":
            self._mask_tex(text, chars)
        else:
            # ```math … ``` is GitHub's display math: read it as $$ … $$ (same lengths)
            for m in _MATH_FENCE.finditer(text):
                for a, b in ((m.start(1), m.end(1)), (m.start(3), m.end(3))):
                    chars[a:b] = list("$$" + " " * (b - a - 2))
            for pattern in (_FENCE, _CODE_SPAN):
                for m in pattern.finditer("".join(chars)):
                    self._blank(chars, m.start(), m.end())
        self.s = "".join(chars)
        self.paragraphs = [m.start() for m in _PARAGRAPH.finditer(self.s)]
        self.found: dict = {}  # token -> every offset where it starts, unescaped
        # unescaped $ (all, and those Markdown accepts as closers): found once,
        # so that "$5 and $10 …" costs a bisection per $, not a scan
        self.dollars, self.closers, j, s = [], [], 0, self.s
        while j < len(s):
            if s[j] == "\\":
                j += 1
            elif s[j] == "$":
                self.dollars.append(j)
                if j and not s[j - 1].isspace() and not s[j + 1:j + 2].isdigit():
                    self.closers.append(j)
            j += 1

    def paragraph_end(self, k: int) -> int:
        """Where the paragraph holding offset ``k`` ends (a blank line, or the end)."""
        i = bisect.bisect_left(self.paragraphs, k)
        return self.paragraphs[i] if i < len(self.paragraphs) else len(self.s)

    def find(self, token, k: int, stop: int | None = None) -> int:
        """The offset of the first unescaped ``token`` (a string, or a compiled
        regex) starting in ``s[k:stop]``, or -1.

        A token's offsets are found in one scan and then bisected: a thousand
        unclosed openers on one line must not cost a scan of the line each.
        """
        if token not in self.found:
            self.found[token] = _find_all(self.s, token)
        offsets = self.found[token]
        i = bisect.bisect_left(offsets, k)
        stop = len(self.s) if stop is None else stop
        return offsets[i] if i < len(offsets) and offsets[i] < stop else -1

    @staticmethod
    def _blank(chars, a, b):
        for k in range(a, b):
            if chars[k] != "\n":
                chars[k] = " "

    def _mask_tex(self, text, chars):
        # a % starts a comment unless escaped: count the backslashes before it
        for m in re.finditer("%", text):
            k = j = m.start()
            while j > 0 and text[j - 1] == "\\":
                j -= 1
            if (k - j) % 2 == 0 and chars[k] == "%":
                eol = text.find("\n", k)
                self._blank(chars, k, len(text) if eol < 0 else eol)
        s = "".join(chars)
        for m in re.finditer(r"\\verb\*?([^A-Za-z\s*]).*?(?:\1|$)", s, re.M):
            self._blank(chars, m.start(), m.end())
        s = "".join(chars)
        for m in _BEGIN.finditer(s):
            if m.group(1) in SKIP_ENVS and chars[m.start()] == "\\":
                end = s.find(f"\\end{{{m.group(1)}}}", m.end())
                self._blank(chars, m.start(), len(s) if end < 0 else end + len(m.group(1)) + 6)

    def pos(self, k: int) -> tuple:
        """1-based (line, column) of offset ``k``."""
        line = bisect.bisect_right(self.starts, k)
        return line, k - self.starts[line - 1] + 1


def _find_all(s: str, token) -> list:
    """Every offset where an unescaped ``token`` starts: one after an odd run of
    backslashes is escaped (``\\$$``), or part of another command (``\\\\]``)."""
    if isinstance(token, re.Pattern):
        starts = (m.start() for m in token.finditer(s))
    else:
        starts = _occurrences(s, token)
    out = []
    for k in starts:
        j = k
        while j > 0 and s[j - 1] == "\\":
            j -= 1
        if (k - j) % 2 == 0:
            out.append(k)
    return out


def _occurrences(s: str, token: str):
    k = s.find(token)
    while k >= 0:
        yield k
        k = s.find(token, k + 1)


# -- finding the displays -------------------------------------------------------------

def find_math(text: str, *, kind: str | None = None, file: str | None = None) -> list:
    """Every row of every display and inline formula in ``text``, in file order.

    Args:
        text: the document.
        kind: ``"tex"`` or ``"md"``; None guesses from the text.
        file: the file name (for the guess only; rows carry lines, not files).

    Returns:
        A list of :class:`Row`. Malformed math gives rows with ``problem`` set;
        this function never raises on any text.
    """
    kind = kind or _guess_kind(text, file)
    t = _Text(text, kind)
    s, n, out, count = t.s, len(t.s), [], [0]

    def problem(k, message, env):
        line, col = t.pos(k)
        out.append(Row("", line, line, col, env, count[0],
                       problem=f"{message} (line {line}, column {col})"))
        count[0] += 1

    def region(a, b, env, opener):
        out.extend(_rows(t, a, b, env, count[0], opener))
        count[0] += 1

    k = 0
    while k < n:
        c = s[k]
        if c == "\\":
            m = _BEGIN.match(s, k)
            if m and m.group(1).strip() in MATH_ENVS:
                name = m.group(1).strip()
                a = m.end()
                if name.startswith("alignat"):  # skip its {columns} argument
                    a = _ARG.match(s, a).end()
                end = t.find(f"\\end{{{name}}}", a)
                limit = end if end >= 0 else t.paragraph_end(a)
                # another display opening first means this one was never closed
                other = min((o for o in (t.find(_OPENER, a, limit), t.find("$$", a, limit))
                             if o >= 0), default=None)
                if end < 0 or other is not None:
                    problem(k, f"\\begin{{{name}}} is never closed", name)
                    end = limit if other is None else other
                    region(a, end, name, k)
                    k = end
                else:
                    region(a, end, name, k)
                    k = end + len(name) + 6
                continue
            if m:
                _unknown_env(t, m, problem)
                k = m.end()
                continue
            m = _END.match(s, k)
            if m:
                if m.group(1).strip() in MATH_ENVS:
                    problem(k, f"\\end{{{m.group(1).strip()}}} without \\begin", m.group(1))
                k = m.end()
                continue
            if s.startswith(("\\[", "\\("), k):
                closer = "\\]" if s[k + 1] == "[" else "\\)"
                # inline \( must close in its paragraph; \[ may span one
                end = t.find(closer, k + 2, t.paragraph_end(k) if closer == "\\)" else None)
                env = s[k:k + 2]
                if end < 0:
                    problem(k, f"{env} is never closed by {closer}", env)
                    end = t.paragraph_end(k + 2)
                    region(k + 2, end, env, k)
                    k = end
                else:
                    region(k + 2, end, env, k)
                    k = end + 2
                continue
            k += 2
        elif c == "$" and s.startswith("$$", k):
            if kind == "md" and _blank_to_eol(s, k + 2) and not _blank_from_bol(s, k):
                # "text $$" closes a display; with nothing open it is a stray closer
                problem(k, "$$ closes no display", "$$")
                k += 2
                continue
            end = t.find("$$", k + 2)
            if end < 0:
                problem(k, "$$ is never closed", "$$")
                end = t.paragraph_end(k + 2)
                region(k + 2, end, "$$", k)
                k = end
            else:
                region(k + 2, end, "$$", k)
                k = end + 2
        elif c == "$":
            end = _inline_end(t, k, kind)
            if end is None:
                if kind == "tex":
                    problem(k, "$ is never closed", "$")
                k += 1
            else:
                region(k + 1, end, "$", k)
                k = end + 1
        else:
            k += 1
    return out


def _blank_to_eol(s: str, k: int) -> bool:
    """Only spaces from ``k`` to the end of its line (a scan of the spaces only)."""
    while k < len(s) and s[k] != "\n":
        if not s[k].isspace():
            return False
        k += 1
    return True


def _blank_from_bol(s: str, k: int) -> bool:
    """Only spaces from the start of its line to ``k``."""
    while k > 0 and s[k - 1] != "\n":
        if not s[k - 1].isspace():
            return False
        k -= 1
    return True


def _inline_end(t: _Text, k: int, kind: str) -> int | None:
    """Where the inline ``$`` opened at ``k`` closes, within its paragraph.

    In Markdown the search stops after ``INLINE_MAX`` characters: "$5 and
    $10" in a long paragraph must not cost a scan of the paragraph per ``$``.
    """
    s = t.s
    stop = t.paragraph_end(k + 1)
    if kind == "md" and (k + 1 >= stop or s[k + 1].isspace()):
        return None  # "$ 5" is money: math may not start with a space
    ends = t.dollars if kind == "tex" else t.closers
    i = bisect.bisect_right(ends, k)
    if i == len(ends) or ends[i] >= stop or (kind == "md" and ends[i] - k > INLINE_MAX):
        return None
    return ends[i] if ends[i] > k + 1 else None


def _unknown_env(t, m, problem):
    """An environment no list knows, holding bare math, is reported, not guessed."""
    name = m.group(1).strip()
    if name in TEXT_ENVS or name in WRAPPERS or name in SKIP_ENVS:
        return
    stop = min(t.paragraph_end(m.end()), m.end() + INLINE_MAX)  # one look per opener
    end = t.find(f"\\end{{{name}}}", m.end(), stop)
    body = t.s[m.end():end if end >= 0 else stop]
    mathy = re.search(r"\\[A-Za-z]|[\^_]", body) or not _PROSE.search(body)
    if "=" in body and mathy and not re.search(r"\$|\\\(|\\\[|\\begin", body):
        problem(m.start(), f"unknown environment {{{name}}} holds math that is not read", name)


def _guess_kind(text: str, file: str | None) -> str:
    suffix = Path(file).suffix.lower() if file else ""
    if suffix in (".tex", ".ltx", ".latex", ".sty"):
        return "tex"
    if suffix in (".md", ".markdown", ".mdx", ".rmd", ".qmd"):
        return "md"
    return "tex" if re.search(r"\\documentclass|\\begin\{document\}|\\section\{", text) else "md"


# -- cutting a display into rows ------------------------------------------------------

def _rows(t: _Text, a: int, b: int, env: str, display: int, opener: int) -> list:
    """The rows of the display whose body is ``t.s[a:b]``."""
    s = t.s
    unmatched, stack = set(), []
    j = a
    while j < b:  # match braces first, so that one stray brace spoils one row only
        if s[j] == "\\":
            j += 2
            continue
        if s[j] == "{":
            stack.append(j)
        elif s[j] == "}":
            (stack.pop() if stack else unmatched.add(j))
        j += 1
    unmatched.update(stack)
    # walk: split at row level (inside nothing but wrappers); blank the wrappers
    skip, amps, cuts, groups, foreign = set(), set(), [a], [], []
    wrapper = None
    j = a
    while j < b:
        level = all(groups)
        m = _BEGIN.match(s, j) or _END.match(s, j) if s[j] == "\\" else None
        if m and s.startswith("\\begin", j):
            inner = m.group(1).strip() in WRAPPERS
            if not inner and m.group(1).strip() not in MATH_INNER:
                foreign.append((j, m.group(1).strip()))
            if inner and level:
                wrapper = wrapper or m.group(1).strip()
                stop = _ARG.match(s, m.end(), b).end() if "alignat" in m.group(1) else m.end()
                skip.update(range(j, stop))
                j = stop
            else:
                j = m.end()
            groups.append(inner)
            continue
        if m:
            if groups and groups[-1] and all(groups[:-1]):
                skip.update(range(j, m.end()))
            groups = groups[:-1]
            j = m.end()
            continue
        if s.startswith("\\displaylines", j) and level:
            brace = _DISPLAYLINES.match(s, j, b)
            if brace and brace.end() - 1 not in unmatched:
                wrapper = wrapper or "displaylines"
                skip.update(range(j, brace.end()))
                groups.append(True)
                j = brace.end()
                continue
        if s.startswith("\\\\", j):
            if level:
                cuts += [j, j + 2]
                opt = _ROW_SPACE.match(s, j + 2, b)  # \\[2pt]
                if opt:
                    skip.update(range(j + 2, opt.end()))
            j += 2
            continue
        if s[j] == "\\":
            j += 2
            continue
        if s[j] == "{" and j not in unmatched:
            groups.append(False)
        elif s[j] == "}" and j not in unmatched:
            if groups and groups[-1] and all(groups[:-1]):
                skip.add(j)  # the brace closing \displaylines{
            groups = groups[:-1]
        elif s[j] == "&" and level:
            amps.add(j)
        elif s[j] == "\n" and groups and level and wrapper == "displaylines" \
                and _PARAGRAPH.match(s, j):
            cuts += [j, j]  # Markdown: a blank line ends a row of \displaylines
        j += 1
    cuts.append(b)
    env = wrapper or env
    rows = []
    bad = sorted([(k, "{}") for k in unmatched] + foreign)
    for lo, hi in zip(cuts[::2], cuts[1::2]):
        rows.append(_row(t, lo, hi, env, display, skip, amps, bad))
    kept = [r for r in rows if r.latex or r.problem or r.tag]
    if not any(r.latex or r.problem for r in kept):
        line, col = t.pos(opener)
        tag = next((r.tag for r in rows if r.tag), None)
        return [Row("", line, t.pos(max(b - 1, a))[0], col, env, display, tag)]
    return [r for r in kept if r.latex or r.problem]


def _row(t: _Text, lo: int, hi: int, env: str, display: int, skip, amps, bad) -> Row:
    """One row, ``t.s[lo:hi]``; ``bad`` is ``[(offset, what), …]``, sorted: the
    unmatched braces (``"{}"``) and foreign environments (their names) of the display."""
    s = t.s
    content = [k for k in range(lo, hi) if k not in skip and not s[k].isspace() and s[k] != "&"]
    first = content[0] if content else lo
    last = content[-1] if content else lo
    line, col = t.pos(first)
    i = bisect.bisect_left(bad, (lo, ""))
    if i < len(bad) and bad[i][0] < hi:
        k, what = bad[i]
        bl, bc = t.pos(k)
        if what == "{}":
            what = "is never closed" if s[k] == "{" else "closes nothing"
            problem = f"unbalanced braces: {s[k]} at line {bl}, column {bc} {what}"
        else:
            problem = f"unknown environment {{{what}}} inside math (line {bl}, column {bc})"
        return Row("", line, t.pos(last)[0], col, env, display, problem=problem)
    chars, nth = [], 0
    for k in range(lo, hi):
        if k in skip:
            continue
        if k in amps:
            nth += 1
            # in align, every second & separates two equations; eqnarray's &=& only aligns
            chars.append(" \\quad " if nth % 2 == 0 and not env.startswith("eqnarray") else " ")
        else:
            chars.append(s[k])
    latex, tag = _clean("".join(chars))
    return Row(latex, line, t.pos(last)[0], col, env, display, tag)


def _clean(latex: str) -> tuple:
    """Remove labels, tags, equation numbers and trailing punctuation; find the tag."""
    tag = None
    m = _TAG.search(latex)
    if m:
        tag = m.group(1).strip().strip("()") or None
        latex = latex[:m.start()] + latex[m.end():]
    latex = " ".join(_DROP.sub(" ", latex).split())
    m = _EQNUM.search(latex) or _ONLY_NUM.match(latex)
    if m:
        tag = tag or m.group(1)
        latex = latex[:m.start()]
    return _strip_end(_LEAD.sub("", latex)), tag


def _strip_end(latex: str) -> str:
    """Drop trailing spacing and ``.``/``,`` (a regex here backtracks quadratically,
    and so would cutting the string once per ``\\,``: an end offset moves instead)."""
    stop = len(latex)

    def ends(e):
        return stop >= len(e) and latex[stop - len(e):stop] == e

    while True:
        while stop and latex[stop - 1].isspace():
            stop -= 1
        end = next((e for e in _TRAIL if ends(e)), None)
        if end is None or ends("\\" + end):
            return latex[:stop]  # "\." and "\\," are not punctuation
        stop -= len(end)


# -- chains ----------------------------------------------------------------------------

def _top_level(latex: str) -> list:
    """``(offset, token)`` of every top-level ``=`` and equation-separating command."""
    found, depth, j, n = [], 0, 0, len(latex)
    while j < n:
        c = latex[j]
        if c == "\\":
            m = _WORD.match(latex, j)
            if not m:
                j += 2
                continue
            word, end = m.group(1), m.end()
            if word in ("begin", "left"):
                depth += 1
            elif word in ("end", "right"):
                depth -= 1
            elif word in BREAKERS and depth == 0:
                found.append((j, word, end))
            elif word in ("leftarrow", "gets", "coloneqq") and depth == 0:
                found.append((j, "arrow", j))  # an update: one equation, not split here
            elif word == "approx" and depth == 0:
                found.append((j, "=", j))  # A \approx 0.731: a link, its side keeps \approx
            if end < n and latex[end] == "[" and word not in ("left", "right"):
                close = latex.find("]", end)  # \avgsum[i, n]: a bracket argument
                end = close + 1 if close > 0 else end
            j = end
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == "=" and depth == 0 and latex[j - 1:j] == ":":
            found.append((j, "arrow", j))
        elif c == "=" and depth == 0 and latex[j - 1:j] not in (":", "<", ">", "!", "="):
            if latex[j + 1:j + 2] != "=":
                found.append((j, "=", j + 1))
        j += 1
    return found


def _equations(latex: str) -> list:
    """The row's equations: lists of the sides of each, split at top-level ``=``."""
    tokens = _top_level(latex) + [(len(latex), "end", len(latex))]
    eq_after, seen = [False] * len(tokens), False
    for i in range(len(tokens) - 1, -1, -1):
        eq_after[i], seen = seen, seen or tokens[i][1] in ("=", "arrow")
    groups, start, sides, has_eq = [], 0, [], False
    for i, (k, token, end) in enumerate(tokens):
        if token == "=":
            sides.append(latex[start:k])
            start, has_eq = end, True
        elif token == "arrow":
            has_eq = True
        elif token == "end" or eq_after[i]:
            # a \quad or \implies before another equation starts a new one
            if token == "end" or has_eq:
                sides.append(latex[start:k])
                groups.append(sides)
                sides, start, has_eq = [], end, False
    return groups


def chains(rows: list) -> list:
    """Link rows into chains ``A = B = C …``.

    A row starting with ``=`` continues the chain of the display row before
    it; any other row starts a new chain. Only top-level ``=`` splits (not
    ``\\sum_{i=1}``, ``\\avgsum[i=1]``, ``:=``, ``\\le``); a row ending with
    ``=`` gives no empty part. A row holding two equations side by side
    (``a = b \\quad c = d``) gives two chains. Rows with a problem or no math
    break chains and belong to none; inline rows never continue a chain.

    Returns:
        A list of :class:`Chain`, in file order.
    """
    out, current = [], None
    for row in rows:
        inline = row.env in INLINE
        if row.problem or not row.latex:
            current = None if not inline else current
            continue
        for i, sides in enumerate(_equations(row.latex)):
            parts = [(p.strip(), row) for p in sides if p.strip()]
            if not parts:
                continue
            if i == 0 and not sides[0].strip() and current is not None and not inline:
                current[0].extend(parts)
                if current[1][-1] is not row:
                    current[1].append(row)
                continue
            chain = (parts, [row])
            out.append(chain)
            if not inline:
                current = chain
    return [Chain(tuple(p), tuple(r)) for p, r in out]


# -- macros and documents --------------------------------------------------------------

def _brace_pairs(s: str) -> dict:
    """``{`` offset → offset after its ``}``, for every matched pair (one pass)."""
    pairs, stack, j = {}, [], 0
    while j < len(s):
        if s[j] == "\\":
            j += 1
        elif s[j] == "{":
            stack.append(j)
        elif s[j] == "}" and stack:
            pairs[stack.pop()] = j + 1
        j += 1
    return pairs


def macros(text: str, *, kind: str = "tex") -> list:
    """The ``\\def``, ``\\newcommand``, ``\\renewcommand`` and
    ``\\providecommand`` definitions in ``text`` (comments ignored).

    Returns:
        A list of :class:`Macro` in file order; malformed definitions are skipped.
    """
    t = _Text(text, kind)
    found = []
    pattern = re.compile(
        r"\\def\s*\\([A-Za-z]+)([^{%\n]{0,LIMIT})\{"
        r"|\\(?:re|provide)?newcommand\*?\s*(?:\{\s*\\([A-Za-z]+)\s*\}|\\([A-Za-z]+))"
        r"\s*(?:\[\s*(\d)\s*\])?\s*(?:\[([^\]]{0,LIMIT})\])?\s*\{"
        .replace("LIMIT", str(_PARAMS_MAX)))
    pairs = _brace_pairs(t.s)
    for m in pattern.finditer(t.s):
        end = pairs.get(m.end() - 1)
        if end is None:
            continue
        body, line = t.s[m.end():end - 1], t.pos(m.start())[0]
        if m.group(1):
            found.append(Macro(m.group(1), m.group(2).strip(), body, line))
        else:
            count = int(m.group(5) or 0)
            found.append(Macro(m.group(3) or m.group(4),
                               "".join(f"#{k}" for k in range(1, count + 1)), body, line,
                               m.group(6)))
    return found


def load(path) -> Document:
    """Read a .tex or Markdown file and find its math and macros.

    Raises:
        DeriveError: the file is missing, a folder, binary or not UTF-8.
    """
    text = read_text(path)
    kind = _guess_kind(text, str(path))
    return Document(str(path), kind, find_math(text, kind=kind), macros(text, kind=kind), text)
