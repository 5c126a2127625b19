"""The one table between SymPy names and the notes' LaTeX.

A name such as ``w1`` or ``a2`` is a Python identifier (it reaches generated
code and JSON); how it is written in the notes is a :class:`Glyph`: a base
(``w``, ``a``, ``\\delta``), an optional subscript (``w_1``) and an optional
superscript for the layer (``a^{(2)}``). Indexed names add the sample
index as a subscript: ``a_i^{(2)}``. The printer and the LaTeX reader both use
this table, so no LaTeX name is written down twice.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

from .errors import ModelError

GREEK = (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi "
    "pi rho sigma tau upsilon phi chi psi omega"
).split()
GREEK_UPPER = "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split()

#: names a model may not use: the sample index and count, functions, and
#: names that generated code needs for itself
RESERVED = frozenset(
    {"i", "n", "np", "numpy", "math", "theta", "data", "grad", "cost", "train",
     "sigmoid", "softplus", "relu", "step", "tanh", "exp", "log", "sqrt", "mean",
     "sum", "lr", "epochs", "Sum", "Indexed", "IndexedBase", "Symbol", "E", "I",
     "N", "S", "O", "Q", "pi", "oo", "nan", "zoo"})

_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


def check_identifier(name: object, what: str = "name") -> str:
    """Return ``name`` if it may name a parameter, data column or intermediate.

    Raises:
        ModelError: ``name`` is not an ASCII identifier, is a Python keyword or
            is reserved by derive (``i``, ``n``, function names ...).
    """
    if not isinstance(name, str) or not _IDENT.match(name) or keyword.iskeyword(name):
        raise ModelError(f"{what} {name!r} is not a valid identifier "
                         "(letters, digits and _, starting with a letter)")
    if name in RESERVED:
        raise ModelError(f"{what} {name!r} is reserved; choose another name")
    return name


@dataclass(frozen=True)
class Glyph:
    """How a name is written: ``base_{sub}^{sup}``, e.g. ``w^{(2)}``."""

    base: str
    sub: str | None = None
    sup: str | None = None

    def render(self, index: str | None = None) -> str:
        """LaTeX for the name, with the sample ``index`` (if any) as subscript."""
        subs = ",".join(s for s in (self.sub, index) if s)
        tex = self.base
        if subs:
            tex += f"_{subs}" if len(subs) == 1 else f"_{{{subs}}}"
        if self.sup:
            tex += f"^{{{self.sup}}}"
        return tex


def _base_latex(stem: str) -> str:
    if stem in GREEK or stem in GREEK_UPPER:
        return "\\" + stem
    if len(stem) == 1:
        return stem
    return rf"\mathrm{{{stem}}}"


def default_glyph(name: str) -> Glyph:
    """The glyph derive picks when a model does not say: ``w1`` → ``w_1``.

    Trailing digits become a subscript, ``x_hat``-style suffixes after an
    underscore become a subscript, and Greek names become their letters.
    """
    m = re.fullmatch(r"([A-Za-z]+?)_?(\d+)", name)
    if m:
        return Glyph(_base_latex(m.group(1)), sub=m.group(2))
    if "_" in name:
        stem, _, sub = name.partition("_")
        return Glyph(_base_latex(stem), sub=sub.replace("_", ","))
    return Glyph(_base_latex(name))


def layer_glyph(base: str, layer: int | str) -> Glyph:
    """The glyph of a per-layer name: ``layer_glyph('w', 2)`` is ``w^{(2)}``."""
    return Glyph(base, sup=f"({layer})")


def parse_glyph(tex: str) -> Glyph:
    """Read a glyph written as ``w_1``, ``w^{(2)}`` or ``\\delta^{(l)}``.

    Raises:
        ModelError: ``tex`` is not of that form.
    """
    m = re.fullmatch(
        r"\s*(\\?[A-Za-z]+|\\mathrm\{[A-Za-z]+\}|\\(?:hat|bar|tilde)\{\\?[A-Za-z]+\})"
        r"(?:_(\{[^{}]*\}|[A-Za-z0-9]))?(?:\^(\{[^{}]*\}|[A-Za-z0-9]))?\s*", tex)
    if not m:
        raise ModelError(f"cannot read {tex!r} as a name; write e.g. w_1 or w^{{(2)}}")

    def strip(part):
        return part[1:-1] if part and part.startswith("{") else part

    return Glyph(m.group(1), strip(m.group(2)), strip(m.group(3)))


class NotationTable:
    """Name ↔ glyph in both directions."""

    def __init__(self, glyphs: dict[str, Glyph] | None = None):
        self._glyphs: dict[str, Glyph] = {}
        self._names: dict[Glyph, str] = {}
        for name, glyph in (glyphs or {}).items():
            self.add(name, glyph)

    def add(self, name: str, glyph: Glyph | None = None) -> Glyph:
        glyph = glyph or default_glyph(name)
        other = self._names.get(glyph)
        if other is not None and other != name:
            raise ModelError(f"{name!r} and {other!r} would both print as "
                             f"{glyph.render()}; give one of them another latex name")
        self._glyphs[name] = glyph
        self._names[glyph] = name
        return glyph

    def glyph(self, name: str) -> Glyph:
        return self._glyphs.get(name) or default_glyph(name)

    def latex(self, name: str, index: str | None = None) -> str:
        return self.glyph(name).render(index)

    def name(self, glyph: Glyph) -> str | None:
        """The name written as ``glyph``, or None."""
        return self._names.get(glyph)

    def items(self):
        return self._glyphs.items()
