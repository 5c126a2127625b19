r"""What a name means, when the document alone cannot say.

Notes write ``a(1-a)`` for a product and ``f(x)`` for a call. The checker
reads a letter before a bracket as a function when the document treats it as
one (``C(w) = …`` defines it, or it is f, g, h, σ) and as a product when the
document uses the same letter on its own elsewhere. When neither holds, the
row is *ambiguous*, and the user decides with a pin:

    derive check notes.tex --assume "u: function" --assume "z_i: data"

or in the document itself, as a TeX comment or Markdown front matter::

    % derive: assume u: function; z_i: data

    ---
    assume:
      - "u: function"
      - "z_i: data"
    ---

The kinds: ``function`` (a bracket after it is a call), ``variable``,
``parameter``, ``constant`` (a bracket after it multiplies) and ``data``
(an input: never defined by an equation, only given).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sympy as sp

from .errors import DeriveError, LatexParseError
from .notation_tex import Notation

KINDS = ("function", "variable", "parameter", "constant", "data")

_LETTER = r"(?<![\\A-Za-z])(\\(?:phi|varphi|psi|chi|Phi|Psi)(?![A-Za-z])|[A-Za-z](?![A-Za-z]))"
_SCRIPTS = r"((?:\s*[_^]\s*(?:\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}|\\?[A-Za-z0-9]))*)"
_USE = re.compile(_LETTER + _SCRIPTS + r"(\s*(?:\\left\s*)?\(|\s*\\[A-Za-z]+|\s*\^)?")
_WORD = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{3,}(?![A-Za-z])")
#: words math may hold that are not products of letters
_KNOWN_WORDS = {"softplus", "relu", "sigmoid", "exp", "log", "ln", "sin", "cos", "tanh",
                "max", "min", "sgn", "sign", "argmin", "argmax", "and", "for", "if", "where",
                "with"}
#: letters that are never names of their own: the differential, Euler's number
_NOT_NAMES = {"d", "e"}


@dataclass
class Assumptions:
    """Pinned meanings: base name (``u``, ``phi``, ``z``) → kind, plus the
    parsed names of inputs (``z_i`` → Indexed) that no equation may define."""

    kinds: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)  # SymPy name → kind

    @classmethod
    def read(cls, specs, *, where: str) -> "Assumptions":
        out = cls()
        for spec in specs:
            for part in str(spec).split(";"):
                if part.strip():
                    out.add(part, where)
        return out

    def add(self, spec: str, where: str) -> None:
        name, colon, kind = spec.partition(":")
        name, kind = name.strip(), kind.strip().lower()
        if not colon or not name or not kind:
            raise DeriveError(f"an assumption is 'NAME: KIND', not {spec.strip()!r}",
                              where=where)
        if kind not in KINDS:
            raise DeriveError(f"unknown kind {kind!r} in {spec.strip()!r} (known: "
                              f"{', '.join(KINDS)})", where=where)
        m = re.fullmatch(r"\\?([A-Za-z]+)", name) or re.match(r"\\?([A-Za-z]+)\s*[_^]", name)
        if m is None:
            raise DeriveError(f"cannot read the name {name!r} in {spec.strip()!r}", where=where)
        self.kinds[m.group(1)] = kind
        if kind != "function":
            from .parse import parse_row  # the one module that reads LaTeX
            try:
                parsed = parse_row(name, Notation())
            except LatexParseError as e:
                raise DeriveError(f"cannot read the name {name!r}: {e.message}",
                                  where=where) from None
            if isinstance(parsed, (sp.Symbol, sp.Indexed)):
                self.names[parsed] = kind

    def extend(self, other: "Assumptions") -> None:
        """``other``'s pins, under ours: the command line wins over the file."""
        for k, v in other.kinds.items():
            self.kinds.setdefault(k, v)
        for k, v in other.names.items():
            self.names.setdefault(k, v)

    def apply(self, notation: Notation) -> None:
        """Make the notation read pinned functions as calls, and the rest not."""
        for base, kind in self.kinds.items():
            if kind == "function":
                notation.functions.add(base)
            else:
                notation.functions.discard(base)

    def is_input(self, name) -> bool:
        """Is ``name`` pinned as data or a parameter (given, never defined)?"""
        return self.kind(name) in ("data", "parameter")

    def kind(self, name) -> str | None:
        if name in self.names:
            return self.names[name]
        if isinstance(name, sp.Indexed):
            for k, v in self.names.items():
                if isinstance(k, sp.Indexed) and k.base == name.base:
                    return v
        return None


def read_front_matter(text: str, kind: str, file: str) -> Assumptions:
    """The pins a document gives itself: ``% derive: assume …`` lines in TeX,
    ``<!-- derive: assume … -->`` or an ``assume:`` list in Markdown front
    matter."""
    out = Assumptions()
    lines = text.splitlines()
    for k, line in enumerate(lines, start=1):
        m = re.match(r"\s*(?:%|<!--)\s*derive\s*:\s*assume\b(.*?)(?:-->)?\s*$", line)
        if m:
            out.extend(Assumptions.read([m.group(1)], where=f"{file}:{k}"))
    if kind == "md" and lines and lines[0].strip() == "---":
        block = []
        for k, line in enumerate(lines[1:], start=2):
            if line.strip() in ("---", "..."):
                break
            block.append((k, line))
        inside = False
        for k, line in block:
            m = re.match(r"assume\s*:\s*(.*)$", line)
            if m:
                inside = True
                if m.group(1).strip():
                    out.extend(Assumptions.read([m.group(1).strip().strip("'\"")],
                                                where=f"{file}:{k}"))
                continue
            item = re.match(r"\s+-\s*(.+)$", line)
            if inside and item:
                out.extend(Assumptions.read([item.group(1).strip().strip("'\"")],
                                            where=f"{file}:{k}"))
            elif not line.startswith(" "):
                inside = False
    return out


def ambiguous_calls(doc, notation: Notation, pins: Assumptions) -> dict:
    """Rows with a letter before a bracket whose meaning the document leaves open.

    ``u(1 - u)`` is a product when ``u`` stands on its own somewhere in the
    document's math, and a call when the document defines ``u(x) = …`` or u
    is a known function; otherwise it could be either, and the row is
    ambiguous. Returns id(row) → the reason.
    """
    calls: dict = {}  # base → rows using it before a bracket
    alone: set = set()
    for row in doc.rows:
        if row.problem:
            continue
        for m in _USE.finditer(row.latex):
            base = m.group(1).lstrip("\\")
            after = m.group(3) or ""
            if base in _NOT_NAMES:
                continue
            if after.strip().endswith("("):
                calls.setdefault(base, []).append(row)
            else:
                alone.add(base)
    out = {}
    for row in doc.rows:
        if row.problem:
            continue
        text = re.sub(r"\\(?:text|mathrm|mathit|operatorname|textrm|mbox|begin|end)\s*"
                      r"\{[^{}]*\}", " ", row.latex)
        words = [m.group(0) for m in _WORD.finditer(text)
                 if m.group(0) not in notation.functions and m.group(0).lower() not in _KNOWN_WORDS]
        prose = [w for w in words if w.islower()]
        if len(prose) >= 2:
            out.setdefault(id(row), "prose: " + (
                f"words ({', '.join(prose[:3])}) inside the math, not a formula to read"))
            continue
        for word in words:
            out.setdefault(id(row), (
                f"{word} could be one name or the product {'·'.join(word)}; the document "
                f"does not say which (write \\mathit{{{word}}} for a name)"))
    for base, rows in calls.items():
        if base in alone or base in notation.functions or base in pins.kinds:
            continue
        for row in rows:
            name = ("\\" if len(base) > 1 else "") + base
            out.setdefault(id(row), (
                f"{name}(…) could be {name} applied to the bracket or {name} times it; the "
                f"document does not say which (pin it: --assume '{name}: function' or "
                f"'{name}: variable')"))
    return out
