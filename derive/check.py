"""``derive check``: every row of every derivation in a .tex or .md file, verified.

1. :mod:`derive.extract` finds the math, row by row, with line numbers, and
   follows ``A = B = C`` chains across rows.
2. :mod:`derive.parse` reads each side in the document's own notation (its
   macros, layer superscripts, ∂ forms and primes).
3. Equations whose left side is a new name (``a_i = σ(…)``, ``C(w) = …``) are
   the document's definitions. Every other link ``A = B`` is a claim, and
   :class:`derive.judge.Judge` decides it under those definitions: ∂ is carried
   out for real, sums are written out for several n, and both sides are
   compared at random points.
4. A wrong row gets a reason: a constant factor, a sign, a wrong layer or
   index (found by trying the swap), a sum over an index that is free on the
   left; the first wrong row of a chain is its origin, later rows that only
   carry the error say so.

Every row gets a verdict: ``correct``, ``wrong``, ``factor``, ``ambiguous``,
``unparsed`` or ``unchecked``, each with a reason. No row is skipped.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import sympy as sp
from sympy.core.function import AppliedUndef

from .errors import DeriveError, LatexParseError
from .extract import chains, load
from .functions import ACTIVATIONS
from .judge import Judge
from .latex import NotesPrinter
from .models import i as INDEX
from .models import n as COUNT
from .notation_tex import Notation
from .parse import parse_row
from .rules import D

BAD = ("wrong", "factor")


@dataclass
class Finding:
    """The verdict on one row."""

    line: int
    line_end: int
    latex: str
    verdict: str
    reason: str = ""
    factor: str | None = None
    diagnosis: str | None = None
    origin: bool = False
    correct_latex: str | None = None
    counterexample: dict | None = None

    def to_dict(self) -> dict:
        return {"line": self.line, "line_end": self.line_end, "latex": self.latex,
                "verdict": self.verdict, "reason": self.reason, "factor": self.factor,
                "diagnosis": self.diagnosis, "origin": self.origin,
                "correct_latex": self.correct_latex, "counterexample": self.counterexample}


@dataclass
class Report:
    file: str
    findings: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.verdict in BAD for f in self.findings)

    def summary(self) -> dict:
        out = {v: 0 for v in ("correct", "wrong", "factor", "ambiguous", "unparsed", "unchecked")}
        for f in self.findings:
            out[f.verdict] = out.get(f.verdict, 0) + 1
        out["rows"] = len(self.findings)
        return out

    def text(self) -> str:
        lines = []
        for f in self.findings:
            if f.verdict == "correct":
                continue
            why = f.diagnosis or f.reason
            fix = f" — should be: {f.correct_latex}" if f.correct_latex else ""
            lines.append(f"{self.file}:{f.line}: {f.verdict}: {f.latex} ({why}){fix}")
        s = self.summary()
        lines.append(f"{self.file}: {s['rows']} rows: " + ", ".join(
            f"{s[k]} {k}" for k in ("correct", "wrong", "factor", "ambiguous", "unparsed",
                                    "unchecked")))
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"file": self.file, "equations": [f.to_dict() for f in self.findings],
                "summary": self.summary()}


class _DocPrinter(NotesPrinter):
    """Names read from a document (``a^(1)``, ``w_1``) back in its notation."""

    def _print_Symbol(self, expr, style="plain"):
        return _name_tex(expr.name)

    def _print_Indexed(self, expr):
        base, _, sup = str(expr.base).partition("^")
        index = ",".join(self._print(k) for k in expr.indices)
        tex = f"{_name_tex(base)}_{index}" if len(index) == 1 else f"{_name_tex(base)}_{{{index}}}"
        return tex + (f"^{{{sup}}}" if sup else "")


def _name_tex(name: str) -> str:
    base, _, sup = name.partition("^")
    return base + (f"^{{{sup}}}" if sup else "")


def _tex(expr) -> str:
    return _DocPrinter({"style": "leibniz"}).doprint(expr)


def check_file(path) -> Report:
    """Check every derivation in ``path`` (.tex or .md).

    Raises:
        DeriveError: the file is missing, binary or not UTF-8, or has no math.
    """
    doc = load(path)
    if not doc.rows:
        raise DeriveError("no math found to check", where=str(path))
    notation = Notation()
    notation.learn(doc.text)
    report = Report(str(path))
    by_row: dict = {}  # id(Row) → Finding
    for row in doc.rows:
        if row.problem:
            by_row[id(row)] = Finding(row.line, row.line_end, row.latex, "unparsed", row.problem)
    parsed_chains = []
    for chain in chains([r for r in doc.rows if not r.problem]):
        parts, failed, wrt = [], None, None
        for latex, row in chain.parts:
            try:
                expr = parse_row(latex, notation, wrt=wrt, file=str(path), line=row.line,
                                 column=row.column)
            except LatexParseError as e:
                failed = (row, e)
                break
            if not parts and isinstance(expr, D):
                wrt = expr.wrt  # a later (…)' differentiates by what the left side does
            parts.append((expr, latex, row))
        if failed:
            row, e = failed
            by_row[id(row)] = Finding(row.line, row.line_end, row.latex, "unparsed", e.message)
            for _, r in chain.parts:
                by_row.setdefault(id(r), Finding(r.line, r.line_end, r.latex, "unchecked",
                                                 f"part of a chain with an unread row {row.line}"))
            continue
        parsed_chains.append(parts)
    sections = _section_starts(doc.text, doc.kind)
    for start, end in zip(sections, sections[1:] + [10 ** 9]):
        # notes reuse names from section to section (y = x·w, later y = σ(…)): each
        # section's definitions shadow the earlier ones
        scoped = [p for p in parsed_chains if p[0][2].line < end]
        definitions = _definitions(scoped, start)
        judge = Judge(definitions, INDEX, COUNT)
        for parts in parsed_chains:
            if start <= parts[0][2].line < end:
                _check_chain(parts, judge, definitions, by_row)
    for row in doc.rows:
        report.findings.append(by_row.get(id(row)) or Finding(
            row.line, row.line_end, row.latex, "unchecked", "no equation on this row"))
    return report


def _is_name(expr) -> bool:
    return isinstance(expr, (sp.Symbol, sp.Indexed)) or (
        isinstance(expr, AppliedUndef) and all(isinstance(a, sp.Symbol) for a in expr.args))


def _section_starts(text: str, kind: str) -> list:
    """First lines of the sections (\\section…, Markdown headings); 1 first."""
    starts = [1]
    for k, line in enumerate(text.splitlines(), start=1):
        s = line.lstrip()
        if (kind == "tex" and s.startswith(("\\section", "\\subsection"))) or (
                kind == "md" and s.startswith("#")):
            starts.append(k)
    return starts


def _definitions(parsed_chains, section_start: int = 1) -> dict:
    """Equations ``name = expression`` that introduce a name.

    Within a section the first one wins (a second, different one is then a
    claim and checked); a definition in this section shadows earlier ones.
    """
    out: dict = {}
    here: set = set()
    for parts in sorted(parsed_chains, key=lambda p: p[0][2].line):
        if len(parts) != 2:
            continue
        lhs, rhs = parts[0][0], parts[1][0]
        if not _is_name(lhs) or rhs.has(lhs):
            continue
        if isinstance(lhs, AppliedUndef) and lhs.func.__name__ in ACTIVATIONS:
            continue
        current = parts[0][2].line >= section_start
        if lhs in here:
            continue
        out[lhs] = rhs
        if current:
            here.add(lhs)
    return out


def _check_chain(parts, judge, definitions, by_row):
    first = parts[0][0]
    # a definition: verdict correct, nothing to compare
    if len(parts) == 2 and first in definitions and definitions[first] is parts[1][0]:
        row = parts[1][2]
        by_row[id(row)] = Finding(row.line, row.line_end, row.latex, "correct",
                                  f"definition of {_tex(first)}")
        if id(parts[0][2]) not in by_row:
            r = parts[0][2]
            by_row[id(r)] = by_row[id(row)]
        return
    undefined = sorted({_tex(d.expr) for p in parts for d in p[0].atoms(D)
                        if _is_name(d.expr) and d.expr != d.wrt and not _defined(d.expr, definitions)},
                       key=str)
    if undefined:  # ∂ of a name the document never defines: nothing to compare with
        for _, _, r in parts:
            by_row.setdefault(id(r), Finding(
                r.line, r.line_end, r.latex, "unchecked",
                f"{', '.join(undefined)} is not defined in the document, so its derivative "
                "is unknown"))
        return
    try:
        truth = judge.truth(first)
    except Exception as e:  # a definition cycle or a derivative SymPy cannot take
        for _, _, r in parts:
            by_row.setdefault(id(r), Finding(r.line, r.line_end, r.latex, "unchecked",
                                             f"cannot evaluate the left side: {_first(e)}"))
        return
    origin_line = None
    previous = truth
    for k in range(1, len(parts)):
        expr, latex, row = parts[k]
        try:
            made = judge.truth(expr)
            link = judge.compare(made, previous)
            value = link if link.verdict == "correct" or k == 1 else judge.compare(made, truth)
        except Exception as e:
            _set(by_row, row, Finding(row.line, row.line_end, row.latex, "unchecked",
                                      f"cannot evaluate: {_first(e)}"))
            continue
        previous = made
        if link.verdict == "correct" and (k == 1 or value.verdict == "correct"):
            _set(by_row, row, Finding(row.line, row.line_end, row.latex, "correct",
                                      "follows from the line before" if k > 1 else
                                      "equals the left side"))
            continue
        if link.verdict == "correct":  # right step from a wrong line: it carries the error
            _set(by_row, row, Finding(row.line, row.line_end, row.latex, value.verdict,
                                      f"carries the error from line {origin_line}",
                                      diagnosis=f"carries the error from line {origin_line}",
                                      counterexample=value.counterexample or None))
            continue
        finding = _diagnose(parts, k, link, judge, truth)
        finding.origin = origin_line is None
        origin_line = origin_line or row.line
        _set(by_row, row, finding)
    first_row = parts[0][2]
    if id(first_row) not in by_row:
        by_row[id(first_row)] = Finding(first_row.line, first_row.line_end, first_row.latex,
                                        "correct", "the left side of the chain")


def _defined(name, definitions) -> bool:
    if name in definitions:
        return True
    if isinstance(name, sp.Indexed):
        return any(isinstance(k, sp.Indexed) and k.base == name.base for k in definitions)
    if isinstance(name, AppliedUndef):
        return any(isinstance(k, AppliedUndef) and k.func == name.func for k in definitions)
    return False


def _first(error) -> str:
    return next((t for t in str(error).splitlines() if t.strip()), type(error).__name__)


def _set(by_row, row, finding):
    """A row holding several links keeps its worst verdict."""
    order = ("correct", "unchecked", "ambiguous", "unparsed", "factor", "wrong")
    old = by_row.get(id(row))
    if old is None or order.index(finding.verdict) > order.index(old.verdict):
        by_row[id(row)] = finding


def _diagnose(parts, k, link, judge, truth) -> Finding:
    expr, latex, row = parts[k]
    lhs = parts[0][0]
    out = Finding(row.line, row.line_end, row.latex, link.verdict, link.reason,
                  counterexample=link.counterexample or None)
    if link.verdict == "factor":
        f = link.factor
        out.factor = str(f)
        out.diagnosis = ("wrong sign" if f == -1 else
                         f"a constant factor: it is {sp.latex(f)} times the right value")
        out.correct_latex = _tex(sp.Mul(1 / f, expr, evaluate=True))
        return out
    # a sum over an index that is free on the left side
    free = {s for s in lhs.free_symbols if s == INDEX} | {
        idx for a in lhs.atoms(sp.Indexed) for idx in a.indices}
    for s in expr.atoms(sp.Sum):
        if any(lim[0] in free for lim in s.limits):
            out.diagnosis = (f"sums over {s.limits[0][0]}, which is free on the left side "
                             "(the left side is one sample's value)")
            break
    # a wrong layer or index: swap one name for another and see if it becomes right
    swap = _try_swaps(expr, judge, parts[k - 1][0] if k > 1 else lhs)
    if swap is not None:
        fixed, old, new = swap
        out.diagnosis = (out.diagnosis + "; " if out.diagnosis else "") + \
            f"{_tex(old)} where {_tex(new)} belongs"
        out.correct_latex = _tex(fixed)
    return out


def _try_swaps(expr, judge, previous):
    """``(fixed, old, new)`` when renaming one indexed base or symbol fixes ``expr``."""
    bases = sorted({a.base for a in expr.atoms(sp.Indexed)} |
                   {a.base for a in previous.atoms(sp.Indexed)}, key=str)
    target = judge.truth(previous)
    stem = lambda b: str(b).split("^")[0].split("_")[0]  # noqa: E731
    for old, new in itertools.permutations(bases, 2):
        if stem(old) != stem(new):  # a layer or index slip keeps the letter: a^(1) ↔ a^(2)
            continue
        fixed = expr.xreplace({old: new})
        if fixed == expr:
            continue
        try:
            if judge.compare(judge.truth(fixed), target).verdict == "correct":
                return fixed, old[INDEX], new[INDEX]
        except Exception:
            continue
    return None
