"""What a row of a document means, before anything is compared.

A row may define a name (``a_i = σ(…)``), claim an identity, state a
condition (``y = 1``), evaluate at values the row does not show
(``28a − 46.32 = −74.32``), or not be algebra at all (``1 \\text{ Flop}``,
``A \\implies B``). :mod:`derive.check` asks these questions; the answers
are here, as plain functions of parsed rows.
"""

from __future__ import annotations

import bisect
import re

import sympy as sp
from sympy.core.function import AppliedUndef

from .rules import D


#: the letters notes name a cost by
COSTS = {"C", "J", "L", "E", "R"}


def definition_slip(name, body, latex: str, show):
    """``(diagnosis, corrected right side)`` for a definition that cannot be
    meant as written, or None. A definition is what the notes say it is, so
    only two slips are certain enough to call: a layer label that is the
    sample index (``a_i^{(i)}`` beside ``a_i^{(1)}``), and a cost that sums
    plain differences (errors of opposite sign cancel; the square is missing).
    """
    m = re.search(r"([A-Za-z])_\{?([a-z])\}?\^\{\(\2\)\}", latex)
    if m:
        letter, index = m.groups()
        labels = re.findall(re.escape(letter) + r"_\{?" + index + r"\}?\^\{\((\d+)\)\}", latex)
        fix = latex.replace(m.group(0), f"{letter}_{index}^{{({labels[0]})}}") if labels else None
        return (f"{m.group(0)}: the layer label is the sample index {index}"
                + (f"; {letter}_{index}^{{({labels[0]})}} is meant" if labels else ""), fix)
    stem = str(name.base if isinstance(name, sp.Indexed) else name).split("^")[0]
    if stem in COSTS:
        sums = [f for f in body.as_ordered_factors() if isinstance(f, sp.Sum)]
        if len(sums) == 1 and sums[0].function.is_Add and all(
                is_name(t) or (t.is_Mul and t.args[0] == -1 and is_name(t.args[1]))
                for t in sums[0].function.args):
            total = sums[0]
            squared = body.xreplace({total: sp.Sum(total.function ** 2, *total.limits)})
            return (f"the cost sums plain differences {show(total.function)}, so errors of "
                    "opposite sign cancel; the square is missing", show(squared, latex))
    return None


_ARROWS = re.compile(r"\\(?:implies|Rightarrow|rightarrow|iff|Leftrightarrow|longrightarrow|"
                     r"Longrightarrow)(?![A-Za-z])")
_UNIT = re.compile(r"\d\s*\\(?:text|mbox)\{\s*[A-Za-z]")


def not_algebra(parts) -> str | None:
    """Why a chain is not a chain of equalities to check, or None."""
    for _, latex, _ in parts:
        if re.fullmatch(r"\s*\\frac\s*\{\s*(?:d|\\partial)\s*\}\s*\{[^{}]*\}\s*", latex):
            return "a derivative operator with nothing to apply it to"
        m = _ARROWS.search(latex)
        if m:
            return (f"{m.group(0)} joins statements here; each side of an implication is "
                    "not an expression to compare")
        m = _UNIT.search(latex)
        if m:
            return "a quantity with a unit in words (a count or a measure), not algebra"
    return None


def evaluation(before, expr):
    """When ``before = expr`` is an evaluation rather than an identity, a
    function giving its ``(verdict, reason)``; else None.

    * Both sides numbers: arithmetic, right when it agrees to the digits the
      document shows (28 × 0.2783 − 46.32 = −38.53).
    * Names on the left, a number on the right (28a − 46.32 = 0, or = −74.32
      for a value of a the row does not show): an equation, not an identity.
    """
    if not before.free_symbols and not expr.free_symbols and not before.has(D, sp.Sum):
        digits = max([_decimals(f) for f in expr.atoms(sp.Float, sp.Rational)] + [0])

        def arithmetic(judge, made, target):
            try:
                a, b = complex(sp.N(made)), complex(sp.N(target))
            except (TypeError, ValueError):  # a name the numbers stand beside is unknown
                return "unchecked", "arithmetic with a value the document does not give"
            if abs(a - b) <= 0.5 * 10 ** -digits + 1e-12 * max(1, abs(b)):
                return "correct", f"arithmetic, right to the {digits} decimals shown"
            return "wrong", f"arithmetic: {b.real:.6g}, not {a.real:.6g}"
        return arithmetic
    if before.free_symbols and expr.is_Number:
        names = ", ".join(sorted(str(s) for s in before.free_symbols))
        return lambda judge, made, target: (
            "unchecked", f"an equation to solve for {names}, or a value substituted that "
            "the row does not give; not an identity to check")
    return None


def _decimals(number) -> int:
    """The decimals a number read from the document was written with (0.2568 → 4)."""
    if isinstance(number, sp.Rational) and number.q != 1:
        q, k = int(number.q), 0
        while q % 10 == 0 or q % 2 == 0 or q % 5 == 0:
            if q % 10 == 0:
                q //= 10
            elif q % 2 == 0:
                q //= 2
            else:
                q //= 5
            k += 1
            if k > 12:
                break
        return k if q == 1 else 0
    return 0


def names_in(expr) -> set:
    """The names an expression mentions: symbols, indexed entries and their
    bases, and applied functions."""
    out = set(expr.free_symbols) | expr.atoms(sp.Indexed) | expr.atoms(AppliedUndef)
    out |= {a.base for a in expr.atoms(sp.Indexed)}
    return out


class TaintMap(dict):
    """A dict of tainted names where an Indexed entry is found by its base."""

    def __contains__(self, name):
        return dict.__contains__(self, name) or (
            isinstance(name, sp.Indexed) and dict.__contains__(self, name.base))

    def __getitem__(self, name):
        if dict.__contains__(self, name):
            return dict.__getitem__(self, name)
        return dict.__getitem__(self, name.base)


def key(name):
    """What two definitions must share to define the same thing."""
    if isinstance(name, AppliedUndef):
        return ("call", name.func)
    if isinstance(name, sp.Indexed):  # h[i, k] and h[i, 1] (its k = 1 instance) differ
        return ("indexed", name.base, len(name.indices),
                tuple((k, int(v)) for k, v in enumerate(name.indices) if v.is_Integer))
    return ("bare", name)


class InForce:
    """The definitions that hold at a line: for each name its latest definition
    at or before the line, else (a name used before it is defined) its first
    one after. Of two definitions on one line, a bare name defined on its own
    wins over the one a call definition ``C(w) = …`` implies.

    ``found`` is ``(line, key, name, body)`` in document order; each query is a
    bisection per name, so a long document costs no scan per row.
    """

    def __init__(self, found, forward_only=frozenset()):
        self.forward_only = forward_only  # id(body) of prose definitions: no looking back
        self.by_key: dict = {}
        for d in found:
            self.by_key.setdefault(d[1], []).append(d)
        self.lines = {k: [d[0] for d in ds] for k, ds in self.by_key.items()}

    def at(self, line: int) -> dict:
        out = {}
        for k, ds in self.by_key.items():
            j = bisect.bisect_right(self.lines[k], line)
            if j == 0:
                if id(ds[0][3]) in self.forward_only or not getattr(ds[0][3], "free_symbols", 1):
                    # "$b = …$" in prose after the derivation, a worked example's w_1 = -0.2573:
                    # not what b or w_1 meant there
                    continue
                chosen = ds[0]
            else:
                here = ds[bisect.bisect_left(self.lines[k], self.lines[k][j - 1]):j]
                chosen = next((d for d in here if isinstance(d[2], sp.Symbol)), here[-1]) \
                    if len({d[2] for d in here}) > 1 else here[-1]
            out[chosen[2]] = chosen[3]
        return out


def is_name(expr) -> bool:
    return isinstance(expr, (sp.Symbol, sp.Indexed)) or (
        isinstance(expr, AppliedUndef) and all(isinstance(a, sp.Symbol) for a in expr.args))


def defined(name, definitions) -> bool:
    """Does ``definitions`` define ``name``? An indexed name by its base (a_j when
    a_i is defined), an applied function by its function."""
    if name in definitions:
        return True
    if isinstance(name, sp.Indexed):
        return any(isinstance(k, sp.Indexed) and k.base == name.base for k in definitions)
    if isinstance(name, AppliedUndef):
        return any(isinstance(k, AppliedUndef) and k.func == name.func for k in definitions)
    return False

#: a layer label with a general letter: (l), (l-1), {l+1}, l, (\\ell)
LABEL = re.compile(r"([({]?)([a-z]|ell)([+-]\d+)?[)}]?")

#: a name with a subscript of letters and digits, ``w_{k1}``: (stem, subscript, superscript)
SCRIPTED = re.compile(r"(.+?)_\{?(-?[A-Za-z0-9]+)\}?(\^.*)?")  # (r_{-k}: all but k)
#: a name a step away from a general letter, ``w_{t+1}``, ``\theta_{t-1}``:
#: (stem, letter, step, superscript)
STEP = re.compile(r"(.+?)_\{([a-z])([+-]\d+)\}(\^.*)?")


def is_entry(name: str, vector: str) -> bool:
    """Is ``name`` an entry of the vector named ``vector`` (w_1, w_{2} of w)?"""
    return re.fullmatch(re.escape(vector) + r"_\{?\d+\}?", name) is not None


def instantiate(expr, at: dict, kronecker=None):
    """``expr`` with its general indices given values (``at``: letter → value):
    p_j → p_2, w_{k1} → w_{21}, h[i, k] → h[i, 2], z^{(l)} → z^{(2)},
    a^{(l-1)} → a^{(1)}, a bare j → 2, and ``\\delta_{jk}`` → 1 or 0 when
    ``kronecker`` names the δ."""
    rename = {}
    for s in expr.free_symbols:
        if not isinstance(s, sp.Symbol):
            continue
        if s.name in at and not s.is_integer:
            rename[s] = sp.Integer(at[s.name])
            continue
        m = SCRIPTED.fullmatch(s.name)
        if m and kronecker and m.group(1) == kronecker:
            got = [str(at[t]) if t in at else t for t in re.findall(r"[A-Za-z]|\d+", m.group(2))]
            if len(got) == 2 and all(g.isdigit() for g in got):
                rename[s] = sp.Integer(got[0] == got[1])
                continue
        name = _renamed(s.name, at)
        if name != s.name:
            rename[s] = sp.Symbol(name)
    for a in expr.atoms(sp.IndexedBase):
        name = _renamed(str(a.label), at)
        if name != str(a.label):
            rename[a] = sp.IndexedBase(name)
    out = expr.xreplace(rename)
    if kronecker:
        out = out.replace(lambda e: isinstance(e, sp.Indexed) and str(e.base) == kronecker
                          and len(e.indices) == 2 and all(k.is_Integer for k in e.indices),
                          lambda e: sp.Integer(e.indices[0] == e.indices[1]))
    return out


def _renamed(name: str, at: dict) -> str:
    """A name's general indices given values: ``w_{k1}`` → ``w_{21}`` and
    ``a^(l-1)`` → ``a^(1)`` for k = 2, l = 2 (the name unchanged if it has none)."""
    stem, hat, top = name.partition("^")
    m, step = SCRIPTED.fullmatch(stem), STEP.fullmatch(stem)
    if step and step.group(2) in at:  # w_{t+1} → w_1 for t = 0
        sub = str(at[step.group(2)] + int(step.group(3)))
        stem = f"{step.group(1)}_{sub if len(sub) == 1 else '{' + sub + '}'}"
    elif m:
        toks = re.findall(r"-|[A-Za-z]|\d+", m.group(2))
        if any(t in at for t in toks):
            sub = "".join(str(at[t]) if t in at else t for t in toks)
            stem = f"{m.group(1)}_{sub if len(sub) == 1 else '{' + sub + '}'}"
    if hat:
        label = LABEL.fullmatch(top)
        if label and label.group(2) in at:
            value = at[label.group(2)] + int(label.group(3) or 0)
            top = f"({value})" if top.startswith("(") else str(value) if value < 10 \
                else f"{{{value}}}"
    return stem + hat + top
