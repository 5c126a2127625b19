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

import collections
import dataclasses
import functools
import itertools
import re
import time
from dataclasses import dataclass, field

import sympy as sp
from sympy.core.function import AppliedUndef

from . import optimum
from .assume import Assumptions, ambiguous_calls, read_front_matter
from .diagnose import repairs, variable_repairs
from .doctex import derivative_style, doc_latex, superscripted
from .errors import DeriveError, LatexParseError
from .extract import INLINE, chains, load
from .functions import ACTIVATIONS
from .judge import Judge, OverBudget, _fresh_bound, budget
from .matrix_check import MARKS, is_matrix_document, judge_chains, read_matrix
from .meaning import (LABEL, SCRIPTED, STEP, InForce, TaintMap, defined, definition_slip,
                      evaluation, instantiate, is_entry, is_name, key, names_in, not_algebra)
from .models import i as INDEX
from .models import SAMPLE_COUNTS
from .models import n as COUNT
from .notation_tex import Notation, expand_chars, expand_macros
from .parse import parse_row
from .rows import (BATCH_SIZE, BATCH_SUM, CLOSING_CONDITION, CLOSING_SIGN, DOT, DOT_DATA_FIRST, FEATURES,
                   GRADIENT_ENTRY, INDICATOR, NORM, QUALIFIER, TAIL,
                   balanced, data_first_sum, defined_as, dot_sum, gradient_entry, index_letter, indicator,
                   is_constant, is_list, norm_entries, tuple_row, written_out)
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
    #: what the document differentiates by, and what it indexes by the sample
    #: index without defining it (LaTeX names)
    parameters: list = field(default_factory=list)
    data: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.verdict in BAD for f in self.findings)

    def summary(self) -> dict:
        out = {v: 0 for v in ("correct", "wrong", "factor", "ambiguous", "unparsed", "unchecked")}
        for f in self.findings:
            out[f.verdict] = out.get(f.verdict, 0) + 1
        out["rows"] = len(self.findings)
        out["first_wrong_line"] = next((f.line for f in self.findings if f.verdict in BAD), None)
        out["parameters"], out["data"] = list(self.parameters), list(self.data)
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


#: "… = x_i, \qquad p_2 = …": a comma or full stop that ends the sentence (not 32.)
_SENTENCE_END = re.compile(r"(?:[,;]|(?<!\d)\.)\s*$")
_LISTED = re.compile(r"^\s*\d+\.\s+")
_ANNOTATION = re.compile(r"\s*\\q?quad\s*\\text\s*\{.*$", re.S)
#: words that announce a value solved for (\"setting ∂J/∂b = 0 and solving gives $b = …$\")
_SOLVING = re.compile(r"\b(?:solv|setting|set\b|optim|minimi[sz]|maximi[sz]|stationary|"
                      r"closed[- ]form|critical|vanish)", re.I)
#: the prose of a sentence that sets something to zero or states a condition on it
_ZERO_SET = re.compile(r"\b(?:setting|set\b[^.$]*\bto zero|vanish|condition|stationar)", re.I)
#: a transpose written ^T (\theta^T x): matrix notation, as ^\top is
_TRANSPOSE = re.compile(r"\^\s*\{?\s*(?:T|\\intercal|\\mathsf\s*\{\s*T\s*\}|\\mathrm\s*\{\s*T\s*\})"
                        r"\s*\}?(?![A-Za-z])")
#: a sum with its range, \sum_{k=1}^{K}: (letter, upper limit)
_EXPLICIT_SUM = re.compile(r"\\sum_\{\s*([a-z])\s*=\s*[01]\s*\}\^\{?\s*(\\?[A-Za-z]+)\s*\}?")
#: a sum over a letter without a range, \sum_l or \sum_{l} (not the sample index i)
_LIMITLESS_SUM = re.compile(r"\\sum_(?:\{\s*([a-hj-z])\s*\}|([a-hj-z])|\{\s*([a-hj-z])\s*\\neq?\s*"
                            r"([a-z])\s*\})(?!\s*\^)")
#: a norm's bar, \lVert or \|
_NORM_MARK = re.compile(r"\\[lr]?Vert(?![A-Za-z])|\\\|")
#: the prose's one-hot label: "if the true class is $1$", "the correct label is 2"
_TRUE_CLASS = re.compile(r"\b(?:true|correct|target)\s+(?:class|label|category)\s+(?:is\s+)?"
                         r"(?:class\s+)?\$?\s*(?:[a-z]\s*=\s*)?(\d)\s*\$?(?![\d.])", re.I)
#: the prose's "$j \neq k$" (or "$j = k$") about a rule's general indices
_INDEX_RELATION = re.compile(r"\$\s*\(?\s*([a-z])\s*(\\neq|\\ne|=)(?![A-Za-z])\s*([a-z]|\d)\s*\)?\s*\$")
#: ``\left. X \right|_{w = 0}``: X at a value (X, the name, the value)
_AT_POINT = re.compile(r"\\left\s*\.\s*(.+?)\s*\\right\s*\|\s*_\{\s*([^{}=]+?)\s*=\s*([^{}=]+?)\s*\}")
#: notation the reader refuses that marks a row as no claim to check: (mark, whether
#: only on a row that is all of its chain, why)
_NOT_READ = (
    (re.compile(r"\\(?:neq?|le|leq|ge|geq|lt|gt)(?![A-Za-z])|[<>]"), True,
     "an inequality (a condition or a case), not an equation to check"),
    (re.compile(r"\\(?:pm|mp)(?![A-Za-z])"), False, "± gives two values, not one to check"),
    (re.compile(r"\\mid(?![A-Za-z])"), False,
     "a conditional probability p(a | b): probability notation is not read"),
    (re.compile(r"\\in(?![A-Za-z])"), True, "a membership (x ∈ S), not an equation to check"),
)
#: the prose right before an inline formula that states it as a result
_CLAIMED = re.compile(r"\b(?:this is|that is|which is|gives?|giving|we get|we have|we obtain|"
                      r"becomes?|reads?|yields?|thus|hence|therefore|so that|equals?)\s*:?\s*"
                      r"(?:\$|\\\()?\s*$", re.I)
#: an expectation, variance or covariance: \mathbb{E}[y], \operatorname{Var}(y)
_MOMENT = re.compile(r"\\mathbb\s*\{\s*E\s*\}|\\(?:operatorname|mathrm|text)\s*\{\s*"
                     r"(?:Var|Cov|E)\s*\}|\\(?:Var|Cov)(?![A-Za-z])")
#: the probability of an event: P(Y_i = y_i), \Pr(Y = 1), \mathbb{P}(X \le x)
_EVENT = re.compile(r"(?<![A-Za-z\\])(?:P|\\Pr|\\mathbb\s*\{\s*P\s*\}|\\operatorname\s*\{\s*P\s*\})"
                    r"\s*(?:\\left\s*|\\big\s*)?[(\[]\s*[A-Z](?![A-Za-z])")
#: the prose that turns to one example of a cost summed over the samples
_ONE_EXAMPLE = re.compile(r"\b(?:drop(?:ping)?|omit(?:ting)?|suppress(?:ing)?) the "
                          r"(?:super|sub)scripts?|\b(?:one|a single) (?:training )?(?:example|"
                          r"sample)\b", re.I)
#: an update's arrow: w \leftarrow w - \eta g, w := w - \eta g
_ARROW = re.compile(r":=|\\leftarrow(?![A-Za-z])|\\gets(?![A-Za-z])|\\coloneqq(?![A-Za-z])")
#: the names a learning rate goes by
_RATES = {"eta", "alpha", "gamma", "epsilon", "varepsilon", "lr", "text{lr}"}
#: the prose that says which way an update goes
_WAY = re.compile(r"(?P<up>\bascent\b|\bmaximi[sz]|\bclimb)|\bdescent\b|\bminimi[sz]|\bSGD\b"
                  r"|\bdescend", re.I)
#: the prose that gives a name a new formula: "With $\hat{y} = \operatorname{relu}(wx)$ …"
_NEW_MODEL = re.compile(r"\b(?:with|now|take|let|consider|replace|using|switch)\b[^.;:$]*"
                        r"(?:\$|\\\()?\s*$", re.I)
#: an inline inequality that opens a case: "$m_i < 1$: then …", "if $z > 0$, …"
_CASE = re.compile(r"\$\s*([^$<>]+?)\s*(>|<|\\geq?|\\leq?|\\gt|\\lt)(?![A-Za-z])\s*([^$<>]+?)\s*\$")
#: a condition the prose puts on the row just before it: "whenever $wx > 0$"
_WHENEVER = re.compile(r"^[^.;]*?\b(?:whenever|if|for|when|provided|as long as)\s*\$\s*([^$<>]+?)\s*"
                       r"(>|<|\\geq?|\\leq?|\\gt|\\lt)(?![A-Za-z])\s*([^$<>]+?)\s*\$", re.I)
#: the prose of a definition that explains the display before it ("where …", or a
#: "with" right after a formula: "$… a^{(l-1)}$ with $a^{(0)} = x$")
_WHERE = re.compile(r"(?:^|[\s,])where\b[^.;]*$|\$\s*,?\s*with\s*\$?\s*$", re.I)
#: the mark of a link "… \approx 0.731" (extract keeps it on the side it starts)
_APPROX = re.compile(r"\s*\\approx(?![A-Za-z])\s*")
#: the prose that makes a value a case to consider, not a value worked out
_HYPOTHETICAL = re.compile(r"\b(?:if|when|whenever|suppose|say|assume|assuming|let|at|near|"
                           r"close to|such as|like|e\.g\.|for example|unless)\W*\$?\s*$", re.I)
#: how far back (lines) a condition in the prose ("with $\lambda_1 = 0$") reaches
#: within its section, in a document without headings and with them (a worked
#: example's "Step 1 … Step 2")
_CONDITION_REACH = 15
_SECTION_REACH = 40
_HEADING = re.compile(r"\s*(?:#{1,6}\s|\\(?:sub)*section\*?\s*\{|\\paragraph\s*\{)")
#: a wrong row and its truth are compared by their difference and ratio up to this size
#: (operations in both): SymPy's simplify on larger ones takes seconds
_DIFFERENCE_OPS = 150
#: one-slip repairs tried for a wrong row, at most (the likeliest come first); a count,
#: not a time, so that a diagnosis does not depend on the machine's load
MAX_REPAIRS = 80
#: seconds one row may take, from reading it to its diagnosis
ROW_SECONDS = 2.0


def check_file(path, *, assume=(), row_seconds: float | None = ROW_SECONDS) -> Report:
    """Check every derivation in ``path`` (.tex or .md).

    Args:
        assume: pinned meanings, ``"NAME: KIND"`` each (KIND: function,
            variable, parameter, data or constant), on top of the document's
            own front matter (see :func:`derive.assume.read_front_matter`).
        row_seconds: the time budget of one row; past it the row is
            ``unchecked (timeout)``. None: no limit.

    Raises:
        DeriveError: the file is missing, binary or not UTF-8, or has no math,
            or an assumption cannot be read.
    """
    doc = load(path)
    if not doc.rows:
        raise DeriveError("no math found to check", where=str(path))
    notation = Notation()
    notation.learn(doc.text)
    # J(w, b) = …, R(w_1, w_2) = …: functions of several arguments
    # and \mathrm{SSR}(a) = …: a function named in roman type
    for m in re.finditer(r"(?<![\\A-Za-z])(\\?[A-Za-z]+)(?:_\{?\\?\w+\}?)?\(\s*[^()=]*,[^()=]*\)"
                         r"\s*&?\s*=", doc.text):
        notation.functions.add(m.group(1).lstrip("\\"))
    for m in re.finditer(r"\\(?:mathrm|operatorname|mathit|text)\s*\{([A-Za-z]+)\}'?\([^()=]*\)"
                         r"\s*&?\s*=", doc.text):
        notation.functions.add(m.group(1))
    _values_not_functions(doc.text, notation)
    if _one_example(doc.text):
        notation.index = "\u0131"  # no letter the text writes: i is an input's, not a sample's
    pins = Assumptions.read(assume, where="--assume")
    pins.extend(read_front_matter(doc.text, doc.kind, str(path)))
    pins.apply(notation)
    checker = _Checker(str(path), notation, pins, derivative_style(doc.text, notation.macros),
                       row_seconds)
    return checker.run(doc)


#: "with $d = 2$", "$K = 3$ classes": a count of features, classes or units the
#: document gives (its letter, its value)
_FEATURE_COUNT = re.compile(r"\$\s*([dDKhp])\s*=\s*([2-6])\s*\$")
#: ``\sum_{i=1}^{d}``: a sum over i and what it runs to
_SUM_OVER_I = re.compile(r"\\sum_\{\s*i\s*=\s*[01]\s*\}\s*\^\s*\{?\s*(\\?[A-Za-z]+|\d+)")
#: the marks of an average or a sum over samples: 1/n, 1/m, \sum_i, \sum_{i=1}^{n}
_OVER_SAMPLES = re.compile(r"\\frac\s*\{\s*1\s*\}\s*\{\s*2?\s*[nmNM]\s*\}|\\sum_\{?\s*i\s*\}?(?![\w=\s])"
                           r"|\\sum_\{\s*i\s*=\s*[01]\s*\}\s*\^\s*\{?\s*[nmNM]\b|\^\{\(i\)\}")


def _one_example(text: str) -> bool:
    r"""Is the document about one example, its i running over the example's inputs
    (``\sum_{i=1}^{d} w_{ji} x_i``) and never over samples? Then x_i is input i, not
    sample i's x."""
    tops = _SUM_OVER_I.findall(text)
    return bool(tops) and not _OVER_SAMPLES.search(text) and not (
        BATCH_SUM.search(text) or BATCH_SIZE.search(text)) and all(
        t.lstrip("\\") not in SAMPLE_COUNTS for t in tops)


def _objectives(costs, definitions, only=False) -> list:
    """Of the names a parameter is differentiated in (``costs``), the objectives:
    those the document defines and no other definition uses (not ŷ, an
    intermediate; not w_j of ∂w_j/∂w_k; not L(0), L at a point), first (or
    ``only`` them)."""
    def own(e):  # the name itself: J of J(w), x of x_i
        return {e.func.__name__ if isinstance(e, AppliedUndef) else str(e.base)
                if isinstance(e, sp.Indexed) else str(e)}
    def outside_derivatives(body):  # g_j = ∂J/∂w_j does not make J an intermediate
        return body.xreplace({d: sp.Integer(0) for d in body.atoms(D)}) if body.has(D) else body
    used = set().union(*(own(v) for body in definitions.values()
                         for v in names_in(outside_derivatives(body))
                         if not isinstance(v, sp.IndexedBase)))
    best = [c for c in costs if defined(c, definitions) and is_name(c) and not own(c) & used
            and not (isinstance(c, AppliedUndef) and any(a.is_Number for a in c.args))]
    return best if only else best + [c for c in costs if c not in best]


def _bare_map(expr, index) -> dict:
    """Each entry of ``expr`` at the one sample ``index`` (x^{(i)}, x[1]) → the bare
    name (x): the example's own value."""
    return {a: sp.Symbol(str(a.base)) for a in expr.atoms(sp.Indexed) if a.indices == (index,)}


def _bare(expr, index):
    """``expr`` with its entries at sample ``index`` written bare (:func:`_bare_map`)."""
    return expr.xreplace(_bare_map(expr, index))


def _summand(expr):
    """One example's term of ``expr`` = c·Σ_i f_i (a cost summed over the samples):
    f with sample i's entries written bare, or None when ``expr`` is not one sum."""
    sums = [s for s in expr.atoms(sp.Sum) if len(s.limits) == 1]
    if len(sums) != 1:
        return None
    s = sums[0]
    idx = s.limits[0][0]
    rest = sp.simplify(expr / s)
    if rest.has(sp.Sum) or rest.has(idx) or rest.has(sp.Indexed):
        return None
    return _bare(s.function, idx)


def _one_sample(expr):
    """``expr`` at n = 1, its sums done and sample 1's entries written bare (x^{(1)}
    is the x of a one-sample example)."""
    return _bare(expr.doit() if expr.has(sp.Sum) else expr, sp.Integer(1))


def _sample_entries(judge, names) -> dict:
    """The plain names among ``names`` that are one sample's entry of a name the
    document indexes by its sample index: ``x_1`` → x[1] where the definitions
    hold x_i (a worked example writes sample 1 as x_1, a_1), ``x_{12}`` → x[1, 2]
    where they hold x_{ik}."""
    entries = {a for body in (*judge.definitions, *judge.definitions.values())
               for a in body.atoms(sp.Indexed) if a.indices[0] == judge.index}
    by_label = {(str(a.base), len(a.indices)): a.base for a in entries}
    out = {}
    for v in names:
        m = re.fullmatch(r"(.+?)_\{?(\d+)\}?", str(v)) if isinstance(v, sp.Symbol) else None
        if m is None or "0" in m.group(2):
            continue
        if (m.group(1), 1) in by_label:  # x_1: sample 1's x_i
            out[v] = by_label[(m.group(1), 1)][int(m.group(2))]
        elif (m.group(1), 2) in by_label and len(m.group(2)) == 2:  # x_{12}: its x_{i2}
            out[v] = by_label[(m.group(1), 2)][int(m.group(2)[0]), int(m.group(2)[1])]
    return out


def _stem(label: str) -> str:
    """A name without its scripts: z for z_n, z_i and z^{(2)}."""
    return re.split(r"[_^]", label, maxsplit=1)[0]


def _labels(expr) -> set:
    """The names ``expr`` mentions, an indexed one by its base (x for x_i)."""
    return {str(v.base) if isinstance(v, sp.Indexed) else str(v) for v in names_in(expr)
            if not (isinstance(v, sp.Symbol) and v.is_integer)
            and not isinstance(v, sp.IndexedBase)}


_SCRIPT = r"(?:[_^](?:\{(?:[^{}]|\{[^{}]*\})*\}|\\?\w))*"


def _values_not_functions(text: str, notation: Notation) -> None:
    """f, g and h are functions when a bracket follows, unless the document gives
    one a value: after ``h_j = \\sigma(z_j)`` (and no ``h(x) = …``), ``h_j (1 - h_j)``
    is a product, as the document's own definitions decide."""
    for name in ("f", "g", "h"):
        if name not in notation.functions:
            continue
        head = rf"(?<![\\A-Za-z]){name}{_SCRIPT}\s*"
        plain = re.sub(r"\\(?:left|right|[bB]ig+[lr]?)\s*", "", text)
        if re.search(head + r"&?\s*=(?!=)", plain) and not re.search(
                head + r"(?:'|\(\s*[^()]*\)\s*&?\s*=)", plain):
            notation.functions.discard(name)


class _Checker:
    """One document's check: its notation, its pins, and the verdicts so far."""

    def __init__(self, file, notation, pins, style, row_seconds):
        self.file, self.notation, self.pins = file, notation, pins
        self.style, self.row_seconds = style, row_seconds
        self.by_row: dict = {}  # id(Row) → Finding
        self.total_rows: list = []  # right links with ∂ by an intermediate
        # name → (name, line, weak) of its definition that could not be read; weak: in
        # prose or in matrix notation, so that a definition the rows give overrides it
        self.unread: dict = {}
        # "k" → [(line, [1, 2, 3])], from "for $k = 1, 2, 3$" (each list holds from its line)
        self.index_values: dict = {}
        self.instance_of: dict = {}  # id(z_1's body) → id(z_k's body) it was made from
        self.updates: set = set()  # id(parts) of update rules (w ← w - η g)
        self.worked_example = False  # conditions from anywhere above hold (_conditions_at)
        self._instance_memo: dict = {}  # definitions in force → name → its general one's body
        self.velocities: dict = {}  # key of v → the right side of its update v ← βv + g
        self.steps: list = []  # (key of w, right side, row) of each update w ← w - η v
        self.unwritten: dict = {}  # id(a row with its short sums written out) → as written
        self.solutions: dict = {}  # id(parts) → (b, its value, the costs ∂-ed by b)
        self.constraint_chains: set = set()  # id(parts) of the stated constraints
        self.layer_rules: dict = {}  # id(parts) → l, of a rule stated for a general layer l
        self.conditions: list = []  # (line, name, value) of "with $\lambda = 0$" in prose
        self.superscripted: frozenset = frozenset()  # names written y^{(i)}, not y_i

    def show(self, expr, source: str = "") -> str:
        """``expr`` in the document's own notation and macros (and the factor
        order of ``source``, the row it stands for)."""
        return doc_latex(expr, style=self.style, macros=self.notation.macros, source=source,
                         superscripted=self.superscripted)

    def run(self, doc, entrywise: bool = False) -> Report:
        """Every row's finding; ``entrywise``: read the rows entry by entry even in
        a document that writes whole layers."""
        original = doc
        self.written_rows = doc.rows
        self.text = doc.text
        self.superscripted = superscripted(doc.text, self.notation.macros)
        self.lines = doc.text.splitlines()  # (split once: the prose is looked up per row)
        # "with $d = 2$": a sum to d is written out for the document's own d (and K, h)
        given: dict = {}
        for letter, v in _FEATURE_COUNT.findall(doc.text):
            given.setdefault(letter, set()).add(int(v))
        self.counts_given = {k: v.pop() for k, v in given.items() if len(v) == 1}
        # the section each line is in (a heading starts one), for how far a condition reaches
        self.section = list(itertools.accumulate(
            bool(_HEADING.match(t)) for t in self.lines)) or [0]
        # "… \quad \text{sigmoid rule: } \sigma' = \sigma(1 - \sigma)": a row's remark,
        # a justification column, is not part of its equation
        doc = dataclasses.replace(doc, rows=[self._qualified(r) for r in doc.rows])
        # "\delta^{[2]} := \frac{\partial L}{\partial z^{[2]}}": a definition, unless the name
        # is on both sides (w := w - \eta g, an update)
        doc = dataclasses.replace(doc, rows=[defined_as(r) for r in doc.rows])
        if self.notation.macros:
            # \newcommand{\w}{\mathbf{w}}: \w^\top \x_i and \|\w\|^2 are read as written out
            def spelled(r):
                if "\\" not in r.latex or len(r.latex) > TAIL or r.problem:
                    return r
                if any(p.search(r.latex) for p in (DOT, DOT_DATA_FIRST, NORM)):
                    return r
                full = _expanded(r.latex, self.notation)
                return dataclasses.replace(r, latex=full) if full and any(
                    p.search(full) for p in (DOT, DOT_DATA_FIRST, NORM)) else r
            doc = dataclasses.replace(doc, rows=[spelled(r) for r in doc.rows])
        vectors = self._vectors(doc.rows)
        # \lVert \mathbf{w} \rVert^2 with \mathbf{w} = (w_1, w_2): w_1^2 + w_2^2; with w_j
        # or w^\top x in the text: \sum_q w_q^2 over the d features
        entrywise_letters = {
            m.group(1) or m.group(2) for r in doc.rows for m in NORM.finditer(r.latex)
            if re.search(rf"(?<![\\A-Za-z]){m.group(1) or m.group(2)}_\{{?\s*[a-z0-9]"
                         rf"|(?<![\\A-Za-z]){m.group(1) or m.group(2)}\s*\^\s*\{{?\s*(?:T|\\top)\b",
                         doc.text)
            # (not the vector of a row that spells out its entries, ‖w‖² = w_1² + w_2²)
            and not re.search(rf"(?<![\\A-Za-z]){m.group(1) or m.group(2)}_\{{?1\b", r.latex)}
        if vectors or entrywise_letters:
            doc = dataclasses.replace(doc, rows=[
                dataclasses.replace(r, latex=NORM.sub(
                    lambda m: norm_entries(m, vectors, entrywise_letters), r.latex))
                if NORM.search(r.latex) else r for r in doc.rows])
        doc = dataclasses.replace(doc, rows=[
            dataclasses.replace(r, latex=_ANNOTATION.sub("", r.latex))
            if _ANNOTATION.search(r.latex) else r for r in doc.rows])
        # a listing pasted with its line numbers ("32. = \frac{1}{n} … 33"): the
        # numbers are the listing's, not the formula's
        numbered = [r for r in doc.rows if _LISTED.match(r.latex)]
        if len(numbered) >= max(5, len(doc.rows) // 3):
            doc = dataclasses.replace(doc, rows=[dataclasses.replace(
                r, latex=re.sub(r"\s+\d+\s*$", "", _LISTED.sub("", r.latex)))
                for r in doc.rows])
        for row in doc.rows:
            if row.problem:
                self.by_row[id(row)] = Finding(row.line, row.line_end, row.latex, "unparsed",
                                               row.problem)
        if is_matrix_document(doc.rows) and not entrywise:
            report = self._run_matrix(doc)
            # notes that mix whole layers with rows worked entry by entry: the rows the
            # matrix reader cannot read are read entry by entry (and a row neither
            # reads keeps the reason of the reading that got further)
            open_rows = [k for k, f in enumerate(report.findings)
                         if f.verdict in ("unparsed", "unchecked")]
            if open_rows:
                other = _Checker(self.file, self.notation, self.pins, self.style,
                                 self.row_seconds).run(original, entrywise=True).findings
                for k in open_rows:
                    if other[k].verdict != "unparsed" and not (
                            other[k].verdict == "unchecked" and (
                                "matrix notation" in other[k].reason
                                or report.findings[k].verdict == "unchecked")):
                        report.findings[k] = other[k]
            return report
        # \sum_l e^{z_l} in notes whose other sums over a class or feature letter all run
        # to K: l runs 1 … K too (not 1 … n, the samples)
        # (the letter's own range where the text gives one: \sum_{l=1}^{K} beside \sum_l)
        ranges: dict = {}
        for letter, top in _EXPLICIT_SUM.findall(doc.text):
            if letter != INDEX.name and top not in SAMPLE_COUNTS:
                ranges.setdefault(letter, set()).add(top)
        every = set().union(*ranges.values()) if ranges else set()
        if not every and (DOT.search(doc.text) or DOT_DATA_FIRST.search(doc.text)):
            every = {"d"}  # z_i = w^T x_i = \sum_j w_j x_{ij}: the d features, as w^T x reads

        def ranged(m):
            letter = m.group(1) or m.group(2) or m.group(3)
            tops = ranges.get(letter) or every
            if len(tops) != 1:
                return m.group(0)
            if m.group(3):  # \sum_{j \neq k}: all but k of the letter's range
                return rf"\sum_{{{letter} \neq {m.group(4)}}}^{{{next(iter(tops))}}}"
            return rf"\sum_{{{letter}=1}}^{{{next(iter(tops))}}}"
        if every:
            doc = dataclasses.replace(doc, rows=[
                dataclasses.replace(r, latex=_LIMITLESS_SUM.sub(ranged, r.latex))
                if len(r.latex) <= TAIL and _LIMITLESS_SUM.search(r.latex) else r
                for r in doc.rows])
        # \left. \frac{\partial J}{\partial w_k} \right|_{w = 0}: the derivative, at a
        # value this row sets (as "at $w = 0$" in the prose would)
        rows = []
        for r in doc.rows:
            m = _AT_POINT.search(r.latex) if len(r.latex) <= TAIL else None
            if m:
                try:
                    name, value = (parse_row(t, self.notation) for t in m.group(2, 3))
                except LatexParseError:
                    name = value = None
                if value is not None and value.is_Number and is_name(name):
                    self.conditions.append((r.line, name, value))
                    r = dataclasses.replace(r, latex=r.latex[:m.start()] + m.group(1)
                                            + r.latex[m.end():])
            rows.append(r)
        doc = dataclasses.replace(doc, rows=rows)
        # \frac{1}{|B|} \sum_{i \in B}: a mean over the batch's samples 1 … |B| (or 1 … b,
        # where the text numbers them so: "the batch examples i = 1, …, b")
        size = "m_{B}"
        self.sample_counts = SAMPLE_COUNTS
        if BATCH_SIZE.search(doc.text):
            tops = {top for letter, top in _EXPLICIT_SUM.findall(doc.text)
                    if letter == INDEX.name and top not in SAMPLE_COUNTS}
            if len(tops) == 1 and re.fullmatch(r"[a-zA-Z]", next(iter(tops))):
                size = next(iter(tops))
                self.sample_counts = SAMPLE_COUNTS | {size}
        doc = dataclasses.replace(doc, rows=[
            dataclasses.replace(r, latex=BATCH_SIZE.sub(size, BATCH_SUM.sub(
                rf"\\sum_{{\1=1}}^{{{size}}}", r.latex)))
            if len(r.latex) <= TAIL and (BATCH_SUM.search(r.latex) or BATCH_SIZE.search(r.latex))
            else r for r in doc.rows])
        # \mathbb{1}[z > 0], \mathbf{1}\{z > 0\}: the indicator, ReLU's derivative
        doc = dataclasses.replace(doc, rows=[
            dataclasses.replace(r, latex=INDICATOR.sub(indicator, r.latex))
            if len(r.latex) <= TAIL and INDICATOR.search(r.latex) else r for r in doc.rows])
        # \theta^T x^{(i)}: the sum of the products of the entries (from x_0 = 1 if the
        # text puts the intercept in x)
        first = 0 if re.search(r"x(?:\^\{\(i\)\})?_\{?0\}?(?:\^\{\(i\)\})?\s*=\s*1(?!\d)",
                               doc.text) else 1
        for pattern, entries in ((DOT, dot_sum), (DOT_DATA_FIRST, data_first_sum)):
            doc = dataclasses.replace(doc, rows=[
                dataclasses.replace(r, latex=pattern.sub(functools.partial(entries, first=first),
                                                         r.latex))
                if len(r.latex) <= TAIL and pattern.search(r.latex) else r for r in doc.rows])
        doc = dataclasses.replace(doc, rows=[
            dataclasses.replace(r, latex=GRADIENT_ENTRY.sub(gradient_entry, r.latex))
            if len(r.latex) <= TAIL and GRADIENT_ENTRY.search(r.latex) else r for r in doc.rows])
        unsure = ambiguous_calls(doc, self.notation, self.pins)
        parsed = [p for p in (self._parse(c, unsure) for c in
                              chains([r for r in doc.rows if not r.problem])) if p]
        self.used_names = {v.name for parts in parsed for e, _, _ in parts
                           for v in e.free_symbols if isinstance(v, sp.Symbol)}
        self.used_indexed = {a for parts in parsed for e, _, _ in parts
                             for a in e.atoms(sp.Indexed)}
        self.used_labels = self.used_names | {str(a.base) for a in self.used_indexed}
        self._true_class()
        # in how many rows each name is written (a name in one row only, and defined
        # nowhere, is one the text explains in words: "where \bar y is the fraction …")
        self.label_rows = collections.Counter(
            lab for parts in parsed if len(parts) > 1
            for lab in set().union(*(_labels(e) for e, _, _ in parts)))
        self.stems = collections.Counter(_stem(lab) for lab in
                                         set(self.label_rows) | self.used_labels)
        # what the document differentiates by: its parameters and intermediates
        self.wrt = {d.wrt for parts in parsed for e, _, _ in parts for d in e.atoms(D)}
        found = self._definitions(parsed)
        constraints = self._constraints(parsed, found)
        found += constraints
        # the names a definition or a derivative gives a meaning: those an instance
        # of a general rule may ask for
        self.known_names = {str(v.base) if isinstance(v, sp.Indexed) else str(v)
                            for _, _, lhs, rhs in found for v in names_in(lhs) | names_in(rhs)
                            if not isinstance(v, sp.IndexedBase)}
        self.known_names |= {str(w.base) if isinstance(w, sp.Indexed) else str(w)
                             for w in self.wrt}
        tainted = self._tainted(found)
        judges: dict = {}
        # prose values hold from their row on, except a "where x̄ = …" that explains
        # the display just before it
        prose = {id(p[1][0]) for p in parsed if len(p) > 1 and p[0][2].env in INLINE
                 and not _WHERE.search(self._before(p[0][2]))}
        prose |= {i for i, made_from in self.instance_of.items() if made_from in prose}
        in_force = InForce(found, frozenset(prose))
        for parts in parsed:
            if id(parts) in self.constraint_chains:
                continue  # said already
            names = set().union(*(names_in(e) for e, _, _ in parts))
            lost = sorted((n for n in names if n in tainted), key=str)
            if lost:
                why = "; ".join(f"{self.show(n)} depends on a definition that could not be "
                                f"read (line {tainted[n]})" for n in lost[:2])
                self._all(parts, "unchecked", why)
                continue
            definitions = in_force.at(parts[0][2].line)
            ident = tuple(sorted(id(v) for v in definitions.values()))
            if ident not in judges:
                judges[ident] = Judge(definitions, INDEX, COUNT, seconds=self.row_seconds)
            if id(parts) in self.solutions:
                self._solution(parts, judges[ident], definitions)
                continue
            if id(parts) in self.updates:
                self._update(parts, judges[ident], definitions)
                continue
            if self._stationary(parts, judges[ident]):
                continue
            self._chain(parts, judges[ident], definitions)
        self._settle_readings()
        report = Report(self.file)
        wrt = self.wrt
        defined = {key(lhs) for _, _, lhs, _ in found}
        data = {a.base for parts in parsed for e, _, _ in parts for a in e.atoms(sp.Indexed)
                if INDEX in a.indices and key(a) not in defined and a not in wrt}
        report.parameters = sorted({self.show(w) for w in wrt if key(w) not in defined},
                                   key=str)
        report.data = sorted({self.show(b[INDEX]) for b in data}, key=str)
        return self._report(doc, report)

    def _run_matrix(self, doc) -> Report:
        """A document in matrix notation (:mod:`derive.matrix_check`)."""
        parsed, unread = [], set()
        for chain in chains([r for r in doc.rows if not r.problem]):
            parts = []
            for latex, row in chain.parts:
                try:
                    tex = "".join(c for c, _ in expand_chars(
                        _SENTENCE_END.sub("", latex), self.notation.macros))
                    parts.append((read_matrix(tex), latex, row))
                except LatexParseError as e:
                    parts = self._give_up(chain, row, "unparsed", f"{e.message} (matrix "
                                          f"notation, line {row.line})")
                    try:  # what the unread chain defines is unknown from here on
                        head = read_matrix(chain.parts[0][0])
                        if head.op == "name":
                            unread.add(head.value)
                    except LatexParseError:
                        pass
                    break
            if parts:
                parsed.append(parts)
        for row, verdict, reason, factor in judge_chains(parsed, unread):
            found = Finding(row.line, row.line_end, row.latex, verdict, reason,
                            factor=None if factor is None else f"{factor:.6g}",
                            origin=verdict in ("wrong", "factor")
                            and not reason.startswith("carries"))
            if reason.startswith("carries"):
                found.diagnosis = reason
            self._set(row, found)
        for parts in parsed:
            self.by_row.setdefault(id(parts[0][2]), Finding(
                parts[0][2].line, parts[0][2].line_end, parts[0][2].latex, "correct",
                "the left side of the chain"))
        return self._report(doc, Report(self.file))

    def _report(self, doc, report) -> Report:
        """Every row's finding, in document order; a row no chain reached says so.
        Each shows its row as the document wrote it (not as rewritten for reading:
        x_i^\top w is read as a sum, but shown as written)."""
        for row, written in zip(doc.rows, self.written_rows):
            found = self.by_row.get(id(row)) or Finding(
                row.line, row.line_end, row.latex, "unchecked", "no equation on this row")
            if found.latex == row.latex:
                found.latex = written.latex
            report.findings.append(found)
        return report

    # -- reading ---------------------------------------------------------------
    def _parse(self, chain, unsure):
        """The chain's parts as ``(expr, latex, row)``, or None when one cannot be read."""
        parts, wrt, matrix, rule = [], None, [], None
        pieces = list(chain.parts)
        arrow = _ARROW.search(pieces[0][0])
        if arrow and not any(_ARROW.search(t) for t, _ in pieces[1:]):
            # w \leftarrow w - \eta g (= …): the update's two sides, then the rest
            text, row = pieces[0]
            pieces[:1] = [(text[:arrow.start()], row), (text[arrow.end():], row)]
        for latex, row in pieces:
            if _ARROW.search(latex):
                if self._unread_piece(chain, parts, row, "unchecked",
                                     "an update rule (:=, ←) written in a way not read"):
                    continue
                return None
            if len(pieces) == 1:
                said = self._aside(latex, row)
                if said is not None:
                    self._set(row, Finding(row.line, row.line_end, row.latex, *said))
                    return None
            layer = re.search(r"\^\{\(([a-hj-zA-Z])(?:[+-]\d)?\)\}", row.latex)
            if layer and re.search(r"_\{?[a-z]*" + layer.group(1), row.latex):
                layer = None  # x^{(j)}_i beside θ_j: j indexes features, not layers
            if layer and re.search(r"\\partial|'|\\frac\{d|\\pd|\\nabla", row.latex):
                # σ'(z^{(l)}) = a^{(l)}(1 - a^{(l)}): for every layer l, checked for the
                # layers the document has, if it names them (:meth:`_general`)
                rule = layer.group(1)
            if re.search(r"_\{[^{}]*(?:\\in(?![A-Za-z])|\\mathrm\{[a-z]+\}\()", row.latex):
                if self._unread_piece(chain, parts, row, "unchecked", "a rule over a set of indices "
                                     "(j ∈ pa(i)), not an identity with values to check"):
                    continue
                return None
            if len(chain.parts) == 2 and len(row.latex) <= TAIL and tuple_row(row.latex):
                self._all([(None, None, r) for _, r in chain.parts], "unchecked",
                          "a vector given by its entries (read entry by entry where it is used)")
                return None
            if MARKS.search(latex) or _TRANSPOSE.search(latex):
                # z_i = \mathbf{w}^\top \mathbf{x}_i + b = \sum_j w_j x_{ij} + b: the
                # links around a matrix-notation side still hold by transitivity
                matrix.append((len(matrix) + len(parts), row))
                continue
            if is_list(_SENTENCE_END.sub("", latex)):
                values = re.fullmatch(r"\s*(\d+(?:\s*,\s*\d+)+)\s*", latex)
                if values and index_letter(chain.parts[0][0]):
                    self.index_values.setdefault(chain.parts[0][0].strip(), []).append(
                        (row.line, [int(v) for v in values.group(1).split(",")]))
                self._all([(None, None, r) for _, r in chain.parts], "unchecked",
                          "a list (a, b, …), not one formula to check")
                return None
            full = _expanded(latex, self.notation) if "\\" in latex and len(latex) <= TAIL else ""
            if any(p.search(t) for p in (_MOMENT, _EVENT) for t in (latex, full)):
                if self._unread_piece(chain, parts, row, "unchecked", "a probability or mean of a "
                                     "random variable (P(Y = y), E[y], Var(y)): probability "
                                     "notation is not read"):
                    continue
                return None
            if id(row) in unsure and _concerns(unsure[id(row)], latex):
                why = unsure[id(row)]
                if why.startswith("prose: "):
                    if self._unread_piece(chain, parts, row, "unchecked", why[len("prose: "):]):
                        continue
                    return None
                if self._unread_piece(chain, parts, row, "ambiguous", why):
                    continue
                return None
            try:
                with budget(self.row_seconds):
                    # "… = x_i, \qquad p_2 = …": the comma ends the sentence, not the formula
                    expr = parse_row(_SENTENCE_END.sub("", _APPROX.sub("", latex)),
                                     self.notation, wrt=wrt,
                                     file=self.file,
                                     line=row.line, column=row.column)
            except LatexParseError as e:
                if _NORM_MARK.search(latex) or ("\\" in latex and len(latex) <= TAIL and
                                                _NORM_MARK.search(_expanded(latex, self.notation))):
                    # \lVert Xw - y \rVert^2 (a vector spelled out by its entries was
                    # written with them before): a norm of a matrix expression
                    if self._unread_piece(chain, parts, row, "unchecked", "a norm of a matrix "
                                         "expression (matrix notation) in a document that "
                                         "works entry by entry; not read"):
                        continue
                    return None
                why = next((why for mark, alone, why in _NOT_READ if mark.search(latex)
                            and (len(chain.parts) == 1 or not alone)), None)
                if why:  # "for $c \neq 2$", "$z_1 = \pm 0.02$": no claim to check
                    if self._unread_piece(chain, parts, row, "unchecked", why):
                        continue
                    return None
                if self._unread_piece(chain, parts, row, "unparsed", e.message):
                    continue
                return None
            except OverBudget:
                if self._unread_piece(chain, parts, row, "unchecked",
                                     f"timeout: reading it took over {self.row_seconds:g} s"):
                    continue
                return None
            if not parts and isinstance(expr, D):
                wrt = expr.wrt  # a later (…)' differentiates by what the left side does
            written = written_out(expr, counts=self.counts_given, samples=self.sample_counts)
            if written is not expr and written != expr:
                self.unwritten[id(written)] = expr  # its repairs are tried as written too
            parts.append((written, latex, row))
        why = ("matrix notation (^⊤, ⊙, 𝟏) in a document that works entry by entry; "
               "not read")
        if matrix and (len(parts) < 2 or matrix[0][0] == 0):
            return self._give_up(chain, matrix[0][1], "unchecked", why)
        for _, row in matrix:
            if all(r is not row for _, _, r in parts):
                self._set(row, Finding(row.line, row.line_end, row.latex, "unchecked", why))
        if rule:
            self.layer_rules[id(parts)] = rule
        if arrow and parts:
            self.updates.add(id(parts))
            if len(parts) >= 2 and is_name(parts[0][0]) and parts[1][0].has(parts[0][0]):
                # v ← βv + g: a velocity, for the steps that move by it (w ← w - η v)
                self.velocities.setdefault(key(parts[0][0]), parts[1][0])
                self.steps.append((key(parts[0][0]), parts[1][0], parts[1][2]))
        return parts

    def _aside(self, latex, row):
        """``(verdict, reason)`` for a lone expression that is no formula to read
        (an operator named in prose: ``$+$``, ``$\\exp$``) or an approximation
        (``\\sqrt{1 + e} \\approx 1.928284686``, right to the digits shown);
        None for anything else."""
        text = latex.strip()
        if re.fullmatch(r"\(?\s*[a-z]\s*(?:\\neq?|\\leq?|\\geq?|<|>)(?![A-Za-z])\s*[a-z]\s*\)?", text):
            return "unchecked", "a condition on the indices, not a formula"
        if re.fullmatch(r"\\[A-Za-z]+|[-+*/]|\\sqrt\{\\phantom\{x\}\}", text):
            try:
                parse_row(text, self.notation)
            except LatexParseError:  # \exp, +, \sqrt{\phantom{x}} on their own
                return "unchecked", "an operator named in the prose, not a formula"
        if re.fullmatch(r"(?:O|\\mathcal\s*\{O\}|\\Theta|\\Omega)\s*(?:\\left)?\(.*\)", text):
            return "unchecked", "an order of growth (O(…)), not a formula"
        if text.count(r"\approx") != 1:
            return None
        left, right = text.split(r"\approx")
        try:
            a = parse_row(left, self.notation, file=self.file, line=row.line)
            b = parse_row(right, self.notation, file=self.file, line=row.line)
        except LatexParseError as e:
            return "unparsed", e.message
        if a.free_symbols or b.free_symbols or not b.is_Number:
            return "unchecked", "an approximation at values the row does not give"
        digits = len(right.strip().partition(".")[2])
        value = sp.N(a, 30)
        if not value.is_real:
            return "unchecked", "the left side is not a real number"
        if abs(value - b) <= sp.Rational(1, 2) * sp.Rational(10) ** -digits * 1.000001:
            return "correct", f"≈ {sp.N(a, digits + 2)}, right to the {digits} decimals shown"
        return "wrong", f"{sp.N(a, digits + 3)}, not {right.strip()}"

    def _unread_piece(self, chain, parts, row, verdict, reason) -> bool:
        """A piece of a chain that cannot be read: past the chain's first link it is
        passed over (A = B = [unread] = D still claims D = B) and True is returned;
        otherwise the chain is given up (:meth:`_give_up`) and False returned."""
        if len(parts) >= 2 and row is not chain.parts[0][1]:
            self._set(row, Finding(row.line, row.line_end, row.latex, verdict, reason))
            return True
        self._give_up(chain, row, verdict, reason)
        return False

    def _give_up(self, chain, row, verdict, reason):
        self._set(row, Finding(row.line, row.line_end, row.latex, verdict, reason))
        # an unread ``name = …`` still says that name is defined here: remember it,
        # so that nothing is judged with the name taken for a free variable
        lhs = chain.parts[0][0]
        if re.fullmatch(r"[\\A-Za-z{}_^()\[\]0-9,'+\- ]{1,40}", lhs.strip()):
            try:
                name = parse_row(lhs, self.notation)
            except LatexParseError:
                name = None
            row0 = chain.parts[0][1]
            if name is not None and is_name(name):
                weak = row0.env in INLINE or "matrix notation" in reason
                self.unread.setdefault(key(name), (name, row0.line, weak))
        for _, r in chain.parts:
            self.by_row.setdefault(id(r), Finding(
                r.line, r.line_end, r.latex, "unchecked",
                f"part of a chain with an {verdict} row (line {row.line})"))
        return None

    def _tainted(self, found) -> dict:
        """Names whose meaning is unknown, with the line to blame: those whose
        definition could not be read, and those defined through them."""
        # prose math ($C = (1/n) \sum …$) or matrix notation (J = \lVert Xw - y
        # \rVert^2) that cannot be read does not void a definition the rows give
        defined = {key(lhs) for _, _, lhs, _ in found}
        # nor does a parameter's value solved for (a = \frac{…}{…} after "substituting"):
        # what the rows differentiate by is no name a definition gives
        out = {name: line for k, (name, line, weak) in self.unread.items()
               if not (weak and k in defined) and name not in self.wrt}
        grew = True
        while grew:
            grew = False
            for line, _, lhs, rhs in found:
                if lhs not in out and any(n in out for n in names_in(rhs)):
                    out[lhs] = next(out[n] for n in names_in(rhs) if n in out)
                    grew = True
        # an Indexed name stands for its whole base (a_i and a_j alike)
        for name, line in list(out.items()):
            if isinstance(name, sp.Indexed):
                out.setdefault(name.base, line)
        return TaintMap(out)

    def _definitions(self, parsed_chains) -> list:
        """Equations ``name = expression`` that introduce a name, as
        ``(line, key, name, expression)`` in document order.

        Notes reuse names (y = x·w, later y = σ(…)): a name means what its
        latest definition says, from that row on (:class:`InForce`). A name
        pinned as data or a parameter is never defined. ``C^{(2)}(x) = …``
        also defines the bare ``C^{(2)}`` the derivation then writes.
        """
        out = []
        ordered = sorted(parsed_chains, key=lambda p: p[0][2].line)
        first = {}  # key → line of its first two-part definition
        for p in ordered:
            if len(p) == 2 and is_name(p[0][0]):
                first.setdefault(key(p[0][0]), p[0][2].line)
        keys: set = set()
        derivatives: set = set()  # names defined as a derivative
        formulas = {key(p[0][0]) for p in ordered if len(p) >= 2 and is_name(p[0][0])
                    and not p[1][0].is_Number}
        differentiated: dict = {}  # key → (line of the first ∂ by that name, [what])
        for p in ordered:
            for d in set().union(*(e.atoms(D) for e, _, _ in p)):
                seen = differentiated.setdefault(key(d.wrt), (p[0][2].line, [], d.wrt))[1]
                if d.expr not in seen:
                    seen.append(d.expr)
        self.differentiated = differentiated
        # θ_t = θ_{t-1} - η g_t once for plain descent, again for momentum, for Adam…: a
        # name with several recurrences is not unrolled (its steps mean different things)
        self.recurrences = collections.Counter(
            _stem(str(p[0][0])) for p in ordered if len(p) >= 2 and is_name(p[0][0]) and any(
                _stem(v.name) == _stem(str(p[0][0])) and STEP.fullmatch(v.name)
                for v in p[-1][0].free_symbols if isinstance(v, sp.Symbol)))
        laws: dict = {}  # key → the call a law of several arguments was defined as
        for parts in ordered:
            # d = \sqrt{c} = f(x): a longer chain defines a name not defined before it;
            # p(y; \mu) = … = … after p(y; \theta) = …: the law with another parameter
            if len(parts) != 2 and not (
                    len(parts) > 2 and is_name(parts[0][0]) and key(parts[0][0]) not in keys
                    and first.get(key(parts[0][0]), 10 ** 9) > parts[0][2].line) \
                    and not _reparametrised(laws.get(key(parts[0][0])), parts[0][0]):
                continue
            lhs, rhs = parts[0][0], parts[1][0]
            if not is_name(lhs) or rhs.has(lhs) or self.pins.is_input(lhs):
                continue
            if len(parts) > 2 and parts[-1][0].is_Number and all(is_name(p[0])
                                                                 for p in parts[:-1]):
                continue  # "$w_1 = w_2 = b = 0$": values, not w_1 defined as w_2
            if isinstance(lhs, AppliedUndef) and lhs.func.__name__ in ACTIVATIONS:
                continue
            if key(lhs) in self.unread and not self.unread[key(lhs)][2]:
                continue  # its real definition could not be read
            if rhs.is_Number and (parts[0][2].env in INLINE or key(lhs) in formulas) or (
                    not rhs.free_symbols and not rhs.has(D, sp.Indexed) and key(lhs) in formulas
                    and parts[0][2].env in INLINE):
                # "where $y = 1$", d = 1 for a d the document computes elsewhere, or "p =
                # \sigma(0.3)" for p = σ(z): a condition or another use of the letter, not
                # what the name means
                continue
            if key(lhs) in derivatives:
                continue  # δ = ∂ℓ/∂z first, then δ = …: the later rows work it out
            if parts[0][2].env in INLINE and key(lhs) in keys and not (
                    not is_name(rhs) and rhs.free_symbols & self.wrt
                    and _NEW_MODEL.search(self._before(parts[0][2]))):
                # "if the model predicts $\hat{y}_i = y_i$": a case, not a new meaning
                # (but "with $\hat{y} = relu(wx)$" in the parameters is a new model)
                continue
            line = parts[0][2].line
            if key(lhs) not in keys and differentiated.get(key(lhs), (10 ** 9,))[0] < line \
                    and not (is_name(rhs) and key(rhs) in differentiated) \
                    and self._solving(parts[0][2], differentiated[key(lhs)][0]):
                # "solving ∂J/∂b = 0 gives $b = …$": b is a parameter the rows above
                # differentiate by; this is the value it takes, not what b means
                self.solutions[id(parts)] = (lhs, rhs, differentiated[key(lhs)][1])
                continue
            keys.add(key(lhs))
            if isinstance(lhs, AppliedUndef) and len(lhs.args) > 1:
                laws[key(lhs)] = lhs
            if isinstance(rhs, D):  # δ = ∂ℓ/∂z: what the name is (not a rule using ∂)
                derivatives.add(key(lhs))
            out.append((line, key(lhs), lhs, rhs))
            for made in self._instances(line, lhs, rhs, keys):
                # z^{(l)} = … for l = 1, 2, 3: z^{(1)}, z^{(2)}, z^{(3)} from here on
                keys.add(made[1])
                if isinstance(rhs, D):
                    derivatives.add(made[1])
                out.append(made)
            if isinstance(lhs, AppliedUndef):
                bare = sp.Symbol(lhs.func.__name__)
                sample = re.fullmatch(r"(.+)\[(\w)\]", lhs.func.__name__)
                if sample and sample.group(2) == INDEX.name:
                    bare = sp.IndexedBase(sample.group(1))[INDEX]  # h_i(w) = …: also h_i
                if not rhs.has(bare):
                    keys.add(key(bare))
                    out.append((line, key(bare), bare, rhs))
            middle, last = parts[1][0], parts[-1][0]
            if len(parts) > 2 and isinstance(middle, sp.Symbol) and key(middle) not in keys \
                    and last.free_symbols and parts[0][2].env not in INLINE \
                    and first.get(key(middle), 10 ** 9) > line and not last.has(middle) \
                    and not self.pins.is_input(middle) and key(middle) not in derivatives:
                # \hat{y} = z^{(2)} = \sum_j w_j a_j + b: z^{(2)} is named here too
                keys.add(key(middle))
                out.append((line, key(middle), middle, last))
        out += self._needed_instances(out, keys)
        out += self._without_sample(out, keys)
        out += self._means(out, keys)
        return out + self._per_sample(out, keys)

    def _needed_instances(self, found, keys) -> list:
        """The instances of a rule for a general index that other definitions use and
        the text never writes: z^{(1)}_1 = … of z^{(1)}_j = … when a^{(1)}_1 =
        σ(z^{(1)}_1) is made from a^{(1)}_j = σ(z^{(1)}_j). As ``(line, key, name, body)``."""
        def letters(name):  # z_j^(1): j; w_{jk}: j, k (the values are what is wanted)
            m = SCRIPTED.fullmatch(name.name)
            return sorted({t for t in re.findall(r"[A-Za-z]", m.group(2)) if t.islower()
                           and t not in (self.notation.index, "n")} if m else set())
        general = [(line, name, body, letters(name))
                   for line, _, name, body in found if isinstance(name, sp.Symbol)]
        general = [g for g in general if g[3] and len(g[3]) <= 2
                   and self.recurrences[_stem(str(g[1]))] <= 1]
        out: list = []
        todo = list(found)
        for _ in range(3):  # z_1 needs u_1 needs …: a few rounds reach every one
            wanted = {v for d in todo for v in d[3].free_symbols
                      if isinstance(v, sp.Symbol) and key(v) not in keys}
            todo = []
            for line, name, body, letters in general:
                for combo in itertools.product(range(1, 10), repeat=len(letters)):
                    at = dict(zip(letters, combo))
                    made = instantiate(name, at)
                    if made in wanted and key(made) not in keys:
                        keys.add(key(made))
                        todo.append((line, key(made), made, instantiate(body, at)))
            out += todo
            if not todo:
                break
        return out

    def _means(self, found, keys) -> list:
        r"""``\bar{u} = \frac{1}{n} \sum_{i=1}^{n} u_i`` stated once ("for any
        per-sample quantity u_i"): the \bar x, \overline{xy}, \overline{y^2} the document
        uses and does not define, each the mean of its samples' entries (x_i y_i, y_i^2),
        as ``(line, key, name, body)``. Nothing without such a definition."""
        bases = {str(a.base): a.base for a in self.used_indexed if len(a.indices) == 1}
        schema = None
        for line, _, name, body in found:
            product = _mean_of(name, bases, sp.Symbol("_u"))
            sums = body.atoms(sp.Sum) if product is not None else ()
            if len(sums) == 1:
                (total,) = sums
                (i, lo, hi), = total.limits
                if lo == 1 and total.function == product.xreplace({sp.Symbol("_u"): i}) \
                        and sp.simplify(body - total / hi) == 0:
                    schema = (line, i, hi)
                    break
        general = schema is not None
        stated = re.search(r"\\overline\s*\{[^{}]*\}\s*=\s*\\frac\s*\{\s*1\s*\}\s*\{\s*([nmNM])\s*\}"
                           r"\s*\\sum_\{?\s*i\s*=\s*1\s*\}?\s*\^\s*\{?\s*\1", self.text)
        if schema is None and stated:
            # \overline{x^k} = \frac{1}{m} \sum_{i=1}^{m} x_i^k: the rule stated for a general k
            schema, general = (0, INDEX, sp.Symbol(stated.group(1))), True
        if schema is None:
            # no rule stated: \bar{y} of data y_i the document sums over its samples
            # is their mean, as everywhere (and only such a one: \bar u of no u_i is not)
            tops = {top for letter, top in _EXPLICIT_SUM.findall(self.text)
                    if letter == INDEX.name and top in SAMPLE_COUNTS}
            if len(tops) != 1:
                return []
            schema = (0, INDEX, sp.Symbol(tops.pop()))
        line, i, count = schema
        out = []
        for label in sorted(self.used_names):
            name = sp.Symbol(label)
            product = _mean_of(name, bases, i)
            if product is None or key(name) in keys or not general and not (
                    isinstance(product, sp.Indexed) and product.base in bases.values()):
                continue  # (with no rule stated, only a plain \bar{y}: \overline{xy} is not guessed)
            keys.add(key(name))
            out.append((line, key(name), name, sp.Sum(product, (i, 1, count)) / count))
        return out

    def _without_sample(self, found, keys) -> list:
        """``p_1`` used where only sample i's ``p^{(i)}_1 = …`` is defined ("drop the
        superscript (i) for now"): one sample's p_1, the same formula with every
        sample-i entry written bare, as ``(line, key, name, body)``."""
        out = []
        # (ρ(r) = \log(1 + r^2) beside r_i = y_i - ŷ_i: r is ρ's own variable, not a sample's)
        variables = {a for _, _, name, _ in found if isinstance(name, AppliedUndef)
                     and len(name.args) == 1  # (not p(y; μ), a law in the sample's y and μ)
                     for a in name.args if isinstance(a, sp.Symbol) and a.name not in ("x", "y")}
        for line, _, name, body in found:
            if not (isinstance(name, sp.Indexed) and name.indices == (INDEX,)):
                continue
            bare = sp.Symbol(str(name.base))
            if key(bare) in keys or bare in variables:
                continue
            body = _bare(body, INDEX)
            made = [(line, key(bare), bare, body)] + self._instances(line, bare, body, keys)
            for d in made:  # p_k stated for a general k: p_1, p_2, p_3 as the text uses them
                if d[1] not in keys and str(d[2]) in self.used_names:
                    keys.add(d[1])
                    out.append(d)
        return out

    def _per_sample(self, found, keys) -> list:
        """``L_i`` used where only ``L = -[y \\ln \\hat{y} + …]`` is defined, and L's
        names have sample-i versions the document defines (\\hat{y}_i = σ(w x_i + b)):
        sample i's L, the same formula in sample i's entries, as ``(line, key,
        name, body)``. (A model's y = x w beside data y_i is not one.)"""
        out = []
        for a in sorted(self.used_indexed, key=str):
            if len(a.indices) != 1 or not a.indices[0].is_integer or key(a) in keys:
                continue
            bare = sp.Symbol(str(a.base))
            whole = next((d for d in found if d[2] == bare), None)
            if whole is None:
                continue
            i = a.indices[0]
            general = {re.sub(r"_\{?[A-Za-z]\}?", "_#", str(k[1])) for k in keys
                       if k[0] == "indexed" and k[2] == 1 and not k[3]}

            def given(e):  # ŷ_i defined, or p^{(i)}_1 by a general p^{(i)}_k
                return key(e) in keys or re.sub(r"_\{?\d+\}?", "_#", str(e.base)) in general
            entries = {s: sp.IndexedBase(s.name)[i] for s in whole[3].free_symbols
                       if isinstance(s, sp.Symbol) and (self._written(sp.IndexedBase(s.name)[i])
                                                        or given(sp.IndexedBase(s.name)[i]))}
            if any(given(e) for e in entries.values()):  # L_i uses ŷ_i, defined
                keys.add(key(a))
                out.append((whole[0], key(a), a, whole[3].xreplace(entries)))
            elif (entries or re.match(r"[azh]\^\{?\(", bare.name)) and (
                    any(bare in costs for _, costs, _ in self.differentiated.values())
                    or re.match(r"(?:hat|widehat)\{|[azh]\^\{?\(", bare.name)):
                # J = Σ L^{(i)} over a loss the document differentiates for one sample, or
                # ŷ = w x + b used as ŷ_i, a layer's a^{(2)} = σ(z^{(2)}) as a^{(2)}_i: a
                # prediction, never data (but a model's y = a x + b beside data y_i is not one)
                out += self._sample_model(bare, i, found, keys)
        return out

    def _sample_model(self, name, i, found, keys) -> list:
        r"""Sample i's version of ``name`` and of every name its definition reaches
        (ŷ^{(i)} = σ(z^{(2)(i)}), …), for a model the document writes for one
        sample and then averages (``J = \frac{1}{m} \sum_i \mathcal{L}^{(i)}``):
        a datum becomes sample i's (y → y^{(i)}) where the document writes it so;
        parameters stay. As ``(line, key, name, body)``."""
        latest = {}
        for d in found:
            latest[d[2]] = d
        out = []

        def sample(v):
            entry = sp.IndexedBase(v.name)[i]
            if key(entry) in keys:
                return entry
            if v in latest:  # an intermediate (even one differentiated by)
                line, _, _, body = latest[v]
                keys.add(key(entry))  # (before its body: a cycle ends here)
                out.append((line, key(entry), entry, body.xreplace(
                    {s: sample(s) for s in body.free_symbols if isinstance(s, sp.Symbol)})))
                return entry
            return entry if self._written(entry) else v
        sample(name)
        return out

    def _written(self, entry) -> bool:
        """Does the document write sample i's ``entry`` (x_1^{(i)}), itself or as a
        general one (x^{(i)}_j)?"""
        if entry in self.used_indexed:
            return True
        general = re.sub(r"_\{?\d+\}?", "_#", str(entry.base))
        return general != str(entry.base) and any(
            a.indices == entry.indices and re.sub(r"_\{?[A-Za-z]\}?", "_#", str(a.base)) == general
            for a in self.used_indexed)

    def _constraints(self, parsed_chains, found) -> list:
        """A relation among data the document states (the one-hot target's
        ``y_1 + y_2 + y_3 = 1``) holds from its row on: as a definition of its
        last name (y_3 = 1 - y_1 - y_2), ``(line, key, name, body)`` each.

        Only a relation between two or more names that nothing defines and
        nothing is differentiated by, linear in the name it gives, is one: an
        equation in the parameters (``w x + b = 0``) is something to solve.
        """
        wrt = self.wrt
        defined_keys = {d[1] for d in found}
        out = []
        for parts in parsed_chains:
            if len(parts) != 2 or is_name(parts[0][0]):
                continue
            relation = parts[0][0] - parts[1][0]
            # y^{(i)}_1 + y^{(i)}_2 + y^{(i)}_3 = 1 holds for every sample i: its entries
            # are the names (and, bare, one sample's y_1 + y_2 + y_3 = 1)
            sample = _bare_map(relation, INDEX)
            bare = relation.xreplace(sample)
            names = bare.free_symbols
            if len(names) < 2 or bare.has(D, sp.Sum, sp.Indexed, AppliedUndef) or any(
                    not isinstance(v, sp.Symbol) or v in wrt or key(v) in defined_keys
                    or v == COUNT for v in names) or any(
                    key(a) in defined_keys or a in wrt for a in sample):
                continue
            for v in sorted(names, key=lambda v: v.name, reverse=True):
                slope = sp.diff(bare, v)
                if slope.is_Number and slope != 0:
                    body = sp.expand(v - bare / slope)
                    break
            else:
                continue
            row = parts[1][2]
            self._set(parts[0][2], Finding(
                row.line, row.line_end, row.latex, "unchecked",
                f"a constraint the document states; the rows after it use it, as "
                f"{self.show(v)} = {self.show(body)}"))
            self._set(row, self.by_row[id(parts[0][2])])
            defined_keys.add(key(v))
            self.constraint_chains.add(id(parts))
            out.append((parts[0][2].line, key(v), v, body))
            if not sample and self._written(sp.IndexedBase(v.name)[INDEX]):
                # y_1 + y_2 + y_3 = 1 for one example, and the text writes y^{(i)}_k
                sample = {sp.IndexedBase(u.name)[INDEX]: u for u in names}
            if sample:  # and sample i's entry: y^{(i)}_3 = 1 - y^{(i)}_1 - y^{(i)}_2
                back = {b: a for a, b in sample.items()}
                entry = back.get(v, v)
                defined_keys.add(key(entry))
                out.append((parts[0][2].line, key(entry), entry, body.xreplace(back)))
        return out

    def _instances(self, line, lhs, rhs, have) -> list:
        """``z_k = w_{k1} x_1 + b_k`` (for k = 1, 2, 3) stated once for a general
        index k: the definitions of the z_1, z_2, … the document writes, as
        ``(line, key, name, body)``: from this line on they replace what the names
        meant before (``have``). The values of k are those the document lists
        (``k = 1, 2, 3``), else those its names show."""
        if self.recurrences[_stem(str(lhs))] > 1:
            return []
        letters = self._general_letters({lhs}, line)
        if isinstance(lhs, (sp.Symbol, sp.Indexed)) and not letters:
            # r^{(k)}_i = y_i - \sum_{j \neq k} w_j x_{ij}, no r^{(1)} written: the k of the
            # w_k its body uses
            wide = self._general_letters({lhs} | {v for v in rhs.free_symbols
                                                  if isinstance(v, sp.Symbol)}, line)
            mine = str(lhs.base if isinstance(lhs, sp.Indexed) else lhs)
            letters = {x: v for x, v in wide.items() if re.search(
                rf"[_({{,]{x}(?![A-Za-z])", mine)}
        out = []
        names = sorted(letters)
        for combo in itertools.product(*(letters[x] for x in names)):
            at = dict(zip(names, combo))
            name = instantiate(lhs, at)
            if name == lhs:
                continue
            body = instantiate(rhs, at)
            if any(self._beyond_layers(str(v.base) if isinstance(v, sp.Indexed) else str(v))
                   for v in names_in(body) - names_in(rhs) if not isinstance(v, sp.IndexedBase)):
                continue  # l = 0 of a^{(l)} = σ(a^{(l-1)} …) asks for an a^{(-1)} never written
            self.instance_of[id(body)] = id(rhs)
            out.append((line, key(name), name, body))
        return out

    def _beyond_layers(self, name: str) -> bool:
        """Is ``name`` in a layer the document never writes, a^{(-1)} beside its
        a^{(0)}, a^{(1)}? (b^{(1)} beside w^{(1)} is not, nor a table's w_{12}.)"""
        layers = {m.group(1) for u in self.used_labels
                  for m in [re.search(r"\^\((-?\d+)\)$", u)] if m}
        m = re.search(r"\^\((-?\d+)\)$", name)
        return bool(m and m.group(1) not in layers)

    def _general_letters(self, names, line=None) -> dict:
        """The general index letters among ``names`` (p_j, w_{k1}, h[i, k]), each
        with its values: those the document lists (``k = 1, 2, 3``), else those
        its own names show (p_1, p_2, p_3)."""
        out: dict = {}
        labels = self.used_labels
        for v in names:
            whole = str(v.base) if isinstance(v, sp.Indexed) else str(v)
            stem, hat, top = whole.partition("^")
            label = LABEL.fullmatch(top) if hat else None
            if label and label.group(2) not in (self.notation.index, "n"):
                # z^(l), a^(l-1): layer l's values are the layers the document names
                pattern = re.escape(stem) + r"\^" + (r"\((\d+)\)" if top.startswith("(")
                                                    else r"\{?(\d+)\}?")
                shown = {int(g.group(1)) - int(label.group(3) or 0) for u in labels
                         for g in [re.fullmatch(pattern, u)] if g}
                out.setdefault(label.group(2), []).append(shown)
            step = STEP.fullmatch(whole) if isinstance(v, sp.Symbol) else None
            if step and step.group(2) not in (self.notation.index, "n"):
                # w_{t+1}: the steps t whose w_{t+1} the document writes (w_1 → t = 0)
                pattern = re.escape(step.group(1)) + r"_\{?(\d+)\}?" + re.escape(
                    step.group(4) or "")
                shown = {int(g.group(1)) - int(step.group(3))
                         for u in self.used_names | getattr(self, "known_names", set())
                         for g in [re.fullmatch(pattern, u)] if g}
                out.setdefault(step.group(2), []).append({t for t in shown if t >= 0})
            m = SCRIPTED.fullmatch(whole) if isinstance(v, (sp.Symbol, sp.Indexed)) else None
            if m:  # p_j, w_{k1}, and sample i's z^{(i)}_k
                pool = (self.used_names if isinstance(v, sp.Symbol) else self.used_labels) | \
                    getattr(self, "known_names", set())
                toks = re.findall(r"[A-Za-z]|\d+", m.group(2))
                for pos, t in enumerate(toks):
                    if not (t.isalpha() and t.islower()) or t in (self.notation.index, "n", "x", "y", "z"):
                        continue
                    pattern = re.escape(m.group(1)) + r"_\{?" + "".join(
                        r"(\d)" if j == pos else (r"\d" if x.isalpha() else re.escape(x))
                        for j, x in enumerate(toks)) + r"\}?" + re.escape(m.group(3) or "")
                    shown = {int(g.group(1)) for u in pool
                             for g in [re.fullmatch(pattern, u)] if g}
                    out.setdefault(t, []).append(shown)
            if isinstance(v, sp.Indexed):
                for pos, idx in enumerate(v.indices):  # h_{ik}: the k of sample i's entry
                    if isinstance(idx, sp.Symbol) and not idx.is_integer \
                            and idx.name not in (self.notation.index, "n"):
                        shown = {int(b.indices[pos]) for b in self.used_indexed
                                 if b.base == v.base and len(b.indices) == len(v.indices)
                                 and b.indices[pos].is_Integer}
                        out.setdefault(idx.name, []).append(shown)
        shown = {x: set.intersection(*[v for v in vs if v]) if any(vs) else set()
                 for x, vs in out.items()}
        return {x: sorted(self._listed(x, line) or vs) for x, vs in shown.items()
                if self._listed(x, line) or vs}

    def _listed(self, letter, line=None):
        r"""The values the text lists for an index letter (``for $l = 1, 2, 3$``): the
        row's own list (``\quad j = 1, 2`` at ``line``), else every value listed
        anywhere ("for $l = 1, 2, 3$ … $m$ for $l = 2, 3$": 1, 2, 3); None if none."""
        lists = self.index_values.get(letter, ())
        if not lists:
            return None
        own = [v for at, v in lists if at == line]
        return own[-1] if own else sorted(set().union(*(v for _, v in lists)))

    # -- judging ---------------------------------------------------------------
    def _chain(self, parts, judge, definitions):
        first = parts[0][0]
        why = not_algebra(parts)
        if why:
            self._all(parts, "unchecked", why)
            return
        # a definition: verdict correct, nothing to compare
        if len(parts) == 2 and first in definitions and definitions[first] is parts[1][0]:
            row = parts[1][2]
            found = Finding(row.line, row.line_end, row.latex, "correct",
                            f"definition of {self.show(first)}")
            slip = definition_slip(first, parts[1][0], parts[1][1], self.show)
            if slip is not None:
                found.verdict, found.diagnosis, found.correct_latex = "wrong", *slip
                found.reason, found.origin = f"definition of {self.show(first)}: {slip[0]}", True
            self._set(row, found)
            if id(parts[0][2]) != id(row):
                self._set(parts[0][2], found)
            return
        if len(parts) >= 2 and all(is_name(p[0]) for p in parts[:-1]) and \
                parts[-1][0].is_Number and parts[0][2].env in INLINE:
            # "with $\lambda_1 = \lambda_2 = 0.1$": each name takes the value
            value = parts[-1][0]
            found = self._value_at_conditions(parts, judge) if len(parts) == 2 else None
            for p in parts[:-1]:
                self.conditions.append((parts[0][2].line, p[0], value))
            if found is not None:  # "then $C = 0.25$": a value the conditions give
                for _, _, r in parts:
                    self._set(r, dataclasses.replace(found, line=r.line, line_end=r.line_end,
                                                     latex=r.latex))
                return
            said = " = ".join(self.show(p[0]) for p in parts)
            self._all(parts, "unchecked", f"a condition in the prose ({said}), not a claim "
                      "to check")
            return
        entries = first.atoms(sp.Indexed)
        data = {k for a in entries for k in a.indices} | {a.base.label for a in entries}
        if len(parts) == 2 and parts[0][2].env in INLINE and parts[1][0].is_Number and \
                not first.has(D) and entries and not any(
                    defined(v, definitions) for v in names_in(first)) and all(
                    isinstance(v, sp.Indexed) or str(v) in SAMPLE_COUNTS or v.is_integer
                    or v in data for v in names_in(first) if not isinstance(v, sp.IndexedBase)):
            # "with standardised features ($\frac{1}{n} \sum_i x_{ij}^2 = 1$)": what the
            # data are taken to be, not a claim to check
            self._all(parts, "unchecked", "a property of the data the text assumes, not a "
                      "claim to check")
            return
        if len(parts) == 2 and is_name(first) and self.pins.is_input(first):
            for _, _, r in parts:
                self.by_row.setdefault(id(r), Finding(
                    r.line, r.line_end, r.latex, "unchecked",
                    f"{self.show(first)} is pinned as {self.pins.kind(first)}, so this "
                    "equation does not define it"))
            return
        if self._set_to_zero(parts):
            # (and "setting the gradient to zero, $\sum_i \rho'(r_i) x_{ij} = 0$ looks like
            # a weighted least-squares condition $\sum_i \omega_i r_i x_{ij} = 0$")
            # "at the minimiser both gradients vanish. From $\partial J / \partial w_j = 0$, …"
            self._all(parts, "unchecked", "set to zero where the text says so: the condition "
                      "at the optimum, an equation to solve, not an identity to check")
            return
        if len(parts) == 2 and parts[1][0] == 0 and self._vector_of(parts)[0] is not None:
            # "setting $\nabla_w J = 0$ gives …"
            self._all(parts, "unchecked", f"the gradient by {self.show(self._vector_of(parts)[0])}"
                      " set to zero: an equation to solve, not an identity to check")
            return
        if self._entrywise(parts, judge, definitions) or self._general(parts, judge, definitions):
            return
        if id(parts) in self.layer_rules:
            self._all(parts, "unchecked", f"a rule for a general layer "
                      f"{self.layer_rules[id(parts)]}, not a row with values to check")
            return
        undefined = sorted({self.show(d.expr) for p in parts for d in p[0].atoms(D)
                            if is_name(d.expr) and d.expr != d.wrt
                            and not defined(d.expr, definitions)}, key=str)
        if undefined:  # ∂ of a name the document never defines: nothing to compare with
            self._all(parts, "unchecked", f"{', '.join(undefined)} is not defined in the "
                      "document, so its derivative is unknown")
            return
        try:
            with budget(self.row_seconds):
                truth = judge.truth(first)
        except OverBudget:
            self._all(parts, "unchecked", f"timeout: the left side took over "
                      f"{self.row_seconds:g} s to work out")
            return
        except Exception as e:  # a definition cycle or a derivative SymPy cannot take
            self._all(parts, "unchecked", f"cannot evaluate the left side: {_first(e)}")
            return
        tops = {s.limits[0][2] for b in definitions.values() for s in b.atoms(sp.Sum)}
        other = next((s.limits[0] for p in parts[1:] for s in p[0].atoms(sp.Sum)
                      if isinstance(s.limits[0][2], sp.Symbol) and s.limits[0][2] not in tops
                      and not s.limits[0][2].is_integer and any(
                          s.limits[0][0] in a.indices for a in s.function.atoms(sp.Indexed))),
                     None)
        if other is not None and isinstance(first, D) and not truth.has(sp.Sum):
            # "with m examples … every gradient becomes the average": a cost over m
            # samples the formulas never define (theirs is for one example)
            i, _, m = other
            self._all(parts, "unchecked", f"a sum over {i} = 1 … {m}, but the document "
                      f"defines {self.show(first.expr)} for one example only, with no sum")
            return
        origin_line = None
        previous, previous_true = first, truth
        for k in range(1, len(parts)):
            expr, latex, row = parts[k]
            started = time.perf_counter()
            try:
                with budget(self.row_seconds):
                    made = judge.truth(expr)
                    link = judge.compare(made, previous_true)
                    # after a wrong row, a right step still carries its error
                    value = link if k == 1 or origin_line is None else \
                        judge.compare(made, truth)
            except OverBudget:
                self._set(row, Finding(row.line, row.line_end, row.latex, "unchecked",
                                       f"timeout: gave up after {self.row_seconds:g} s"))
                previous = None
                continue
            except Exception as e:
                self._set(row, Finding(row.line, row.line_end, row.latex, "unchecked",
                                       f"cannot evaluate: {_first(e)}"))
                previous = None
                continue
            if previous is None:  # the row before could not be read: compare with the left
                link = value = judge.compare(made, truth)
            if _APPROX.match(latex):
                self._set(row, Finding(row.line, row.line_end, row.latex,
                                       *self._approximate(row, latex, made, previous_true)))
                previous, previous_true = expr, made
                continue
            if link.verdict in ("wrong", "factor") and (k == 1 or origin_line is None):
                said = self._under_conditions(row, made, previous_true, judge) or \
                    self._under_inequality(row, made, previous_true, judge) or \
                    self._under_case(row, made, previous_true, judge)
                if not said and k < len(parts) - 1 and _APPROX.match(parts[-1][1]) and \
                        parts[-1][0].is_Number:
                    # L = -\log p_1 \approx 0.408: a worked example, at the values the
                    # problem gave, however far above ("for z = (2, 1, 0), y = (1, 0, 0)")
                    self.worked_example = True
                    try:
                        said = self._under_conditions(row, made, previous_true, judge)
                    finally:
                        self.worked_example = False
                if said:  # "with $\lambda_1 = 0$ the gradient is …"
                    self._set(row, Finding(row.line, row.line_end, row.latex, "correct", said))
                    previous, previous_true = expr, made
                    continue
                if isinstance(expr, D) and isinstance(previous, D) and \
                        parts[-1][0].is_Number and k < len(parts) - 1:
                    # ∂C/∂w_1 = ∂C/∂w_2 = 0.25: two derivatives equal at a worked
                    # example's values, not as formulas
                    self._set(row, Finding(row.line, row.line_end, row.latex, "unchecked",
                                           f"equal at the example's values (= "
                                           f"{parts[-1][1].strip()}), not in general; the "
                                           "values are not all given in formulas"))
                    previous = None
                    continue
                # \bar y, \tilde x: a statistic of a known name the text gives in words
                lone = sorted(lab for lab in _labels(made) - _labels(previous_true)
                              if self.label_rows[lab] <= 1 and lab not in self.known_names
                              and self.stems[_stem(lab)] <= 1  # (z_n beside z_i: a slip)
                              and re.match(r"(?:bar|tilde|overline|widetilde)\{", lab))
                if lone:
                    self._set(row, Finding(row.line, row.line_end, row.latex, "unchecked",
                                           f"it uses \\{lone[0]}, which the document "
                                           "defines nowhere in formulas"))
                    previous = None
                    continue
                before = self._before(parts[0][2])
                if row.env in INLINE and id(parts) not in self.solutions and (
                        len(parts) == 2 and (is_name(first) or isinstance(first, sp.Abs)
                                             and is_name(first.args[0]))
                        and not (_CLAIMED.search(before) and names_in(made) <= names_in(truth))
                        or _SOLVING.search(before)):
                    # (but "written out for the first unit, this is $\delta_1 = …$" is a
                    # claim the text makes, when it is in the left side's own terms: "so
                    # that $L = \frac1n \sum \ell_i$" names an ℓ_i given in words)
                    self._all(parts, "unchecked", "a case or condition the text sets (“if …”, "
                              "“setting … gives”), not an identity to check")
                    return
            if link.verdict not in ("correct", "unchecked"):
                reading = self._local_reading(parts, k, judge, definitions)
                if reading:
                    self._set(row, Finding(row.line, row.line_end, row.latex, "ambiguous",
                                           reading))
                    previous, previous_true = expr, made
                    continue
            if link.verdict != "correct":
                before = previous if previous is not None else first
                numeric = evaluation(before, expr)
                given = self._conditions_at(row).keys()
                if numeric is None and not expr.free_symbols and not expr.has(D) and (
                        previous_true.atoms(sp.Indexed) - given or {
                            v for v in previous_true.free_symbols - given
                            if not (isinstance(v, sp.Symbol) and v.is_integer)}):
                    # E'(2.5) = 7/3 "with the same x and y", p = σ(0.3) for values set
                    # far above: values the row does not give
                    self._set(row, Finding(row.line, row.line_end, row.latex, "unchecked",
                                           "a value at data the text gives elsewhere or in "
                                           "words, not an identity to check"))
                    previous = None
                    continue
                if numeric and before.has(D) and is_constant(previous_true) \
                        and all(judge.expand(d.expr).has(d.wrt) for d in before.atoms(D)):
                    numeric = None  # ∂²J/∂b² = 4 where it is 2 everywhere: a claim, not a value
                # ∂_b C = 2 (0.5 - 1)(0.25)(2), or … = Σ_{i=1}^{4} (1 - y_i) x_i = -8, at the
                # example's x, y, w, b: its value
                given_value = self._value_given(
                    row, before, made, latex, previous_true, judge,
                    None if k == 1 else parts[k - 1][1].strip()) if numeric and made.is_Number and (
                        before.has(D) if k == 1 else bool(before.free_symbols)) else None
                if given_value is not None:
                    self._set(row, given_value)
                    origin_line = origin_line or (row.line if given_value.verdict == "wrong"
                                                  else None)
                    previous, previous_true = expr, made
                    continue
                if numeric:
                    self._set(row, Finding(row.line, row.line_end, row.latex,
                                           *numeric(judge, made, previous_true)))
                    previous, previous_true = expr, made
                    continue
            if link.verdict == "correct" and (k == 1 or value.verdict == "correct"):
                self._set(row, Finding(row.line, row.line_end, row.latex, "correct",
                                       "follows from the line before" if k > 1 else
                                       "equals the left side"))
                if any(judge._defines(d.wrt) for p in parts[:k + 1] for d in p[0].atoms(D)):
                    self.total_rows.append((parts, k, judge, definitions))
            elif link.verdict == "unchecked":
                self._set(row, Finding(row.line, row.line_end, row.latex, "unchecked",
                                       link.reason))
            elif link.verdict == "correct" and origin_line is None:
                # a right step after one that could not be judged
                self._set(row, Finding(row.line, row.line_end, row.latex, "correct",
                                       "follows from the line before"))
            elif origin_line is not None and value.verdict == "correct":
                # the row after a slip has the true value again: the slip was that row's
                self._set(row, Finding(row.line, row.line_end, row.latex, "correct",
                                       f"equals the left side (line {origin_line}, before "
                                       "it, is the slip)"))
                origin_line = None
            elif link.verdict == "correct":
                # a right step from a wrong line: it carries the error
                self._set(row, Finding(row.line, row.line_end, row.latex, value.verdict,
                                       f"carries the error from line {origin_line}",
                                       diagnosis=f"carries the error from line {origin_line}",
                                       counterexample=value.counterexample or None))
            else:
                left = None if self.row_seconds is None else \
                    max(0.05, self.row_seconds - (time.perf_counter() - started))
                finding = self._diagnose(parts, k, link, judge, previous or first,
                                         previous_true, made, definitions, left)
                finding.origin = origin_line is None
                origin_line = origin_line or row.line
                self._set(row, finding)
            previous, previous_true = expr, made
        first_row = parts[0][2]
        self.by_row.setdefault(id(first_row), Finding(
            first_row.line, first_row.line_end, first_row.latex, "correct",
            "the left side of the chain"))

    def _vectors(self, rows) -> dict:
        """The vectors the document gives by their entries (``z = (z_1, z_2)``), into
        :attr:`vectors` (name → parsed entries); a numeric one in the prose
        (``take $\\mathbf{x} = (0.5, 2.0)$``) sets x_1, x_2 for the rows after it.
        Returns bold letter → entries' LaTeX, for the norms written of them."""
        self.vectors, written = {}, {}
        for row in rows:
            given = tuple_row(row.latex) if "(" in row.latex and not row.problem \
                and len(row.latex) <= TAIL else None
            if not given or any(r"\dots" in e or r"\ldots" in e for e in given[1]):
                continue
            bold = re.fullmatch(r"\\(?:mathbf|boldsymbol|vec)\s*\{\s*([A-Za-z])\s*\}", given[0])
            if bold and all(re.fullmatch(r"[A-Za-z]_\{?\d+\}?", e) for e in given[1]):
                written[bold.group(1)] = given[1]
            try:
                name = parse_row(given[0], self.notation)
                entries = [parse_row(e, self.notation) for e in given[1]]
            except LatexParseError:
                continue
            if isinstance(name, sp.Symbol) and all(is_name(e) for e in entries):
                self.vectors[name] = entries
            stem = re.sub(r"^(?:mathbf|boldsymbol|vec|bm)\{\\?(\w+)\}$", r"\1", str(name))
            if row.env in INLINE and all(e.is_Number for e in entries) and \
                    re.fullmatch(r"[A-Za-z]", stem):
                # "take $\mathbf{x} = (0.5, 2.0)$": x_1 = 0.5, x_2 = 2.0 from here on
                # (numbered from 0 where the text has a w_0: w = (0, 0, 0) is w_0, w_1, w_2)
                first = 0 if re.search(rf"(?<![A-Za-z\\]){stem}_\{{?0(?![0-9])", self.text) else 1
                self.conditions += [(row.line, sp.Symbol(f"{stem}_{k}"), e)
                                    for k, e in enumerate(entries, first)]
        return written

    def _qualified(self, row):
        """``row`` without a closing ``\\quad \\text{for } k = 1, 2, 3``, whose
        values of k are remembered (:meth:`_instances`), or a closing condition
        ``, \\qquad \\lambda > 0``."""
        if len(row.latex) > TAIL:  # a megabyte row: no closing remark to look for
            return row
        m = CLOSING_CONDITION.search(row.latex)
        if m and "=" in row.latex[:m.start()]:
            row = dataclasses.replace(row, latex=row.latex[:m.start()].rstrip())
        m = CLOSING_SIGN.search(row.latex)
        if m and "=" in row.latex[:m.start()] and balanced(row.latex[:m.start()]):
            row = dataclasses.replace(row, latex=row.latex[:m.start()].rstrip())
        m = QUALIFIER.search(row.latex)
        if not m or "=" not in row.latex[:m.start()]:
            return row
        self.index_values.setdefault(m.group(1), []).append(
            (row.line, [int(v) for v in m.group(2).split(",")]))
        return dataclasses.replace(row, latex=row.latex[:m.start()].rstrip())

    def _solving(self, row, since: int) -> bool:
        """Does the prose between line ``since`` (a derivative by the row's
        parameter) and ``row`` set a derivative to zero ("setting them to zero …",
        "solving for b")? Once it has, the rows after are about that point."""
        lines = self.lines[since - 1:row.line - 1]
        return bool(_SOLVING.search(" ".join(lines) + " " + self._before(row)))

    def _before(self, row) -> str:
        """The prose of the sentence before ``row`` (at most two lines back)."""
        lines = self.lines
        text = " ".join(lines[max(0, row.line - 3):row.line - 1]) + " " + \
            (lines[row.line - 1][:max(0, row.column - 1)] if row.line <= len(lines) else "")
        return re.split(r"[.!?:]\s", text)[-1]

    def _lead_in(self, row) -> str:
        """The prose line that leads into the display holding ``row`` (above its
        blank lines, ``$$`` and ``\\begin{…}``), "" if the row is not the display's first."""
        k = row.line - 1  # (0-based: the line above the row)
        while k > 0 and re.fullmatch(r"\s*(?:\$\$|\\\[|\\begin\{[a-z*]+\}(?:\{[^{}]*\})?)?\s*",
                                     self.lines[k - 1]):
            k -= 1
        return self.lines[k - 1] if k > 0 and k < row.line - 1 else ""

    def _params(self, line) -> set:
        """The names the rows before ``line`` differentiate by."""
        return {d[2] for d in self.differentiated.values() if d[0] < line}

    def _solution(self, parts, judge, definitions):
        """``b = …`` after "setting … to zero", for a b the rows above differentiate
        by: the value it takes at the cost's stationary point (:mod:`derive.optimum`).
        Right when the cost's derivative by b vanishes at it (given the other
        parameters), or when it is b's entry of the stationary point; a wrong one
        is diagnosed against b solved for from ∂cost/∂b = 0."""
        name, value, costs = self.solutions[id(parts)]
        said = (f"the value of {self.show(name)} solved for, not a definition "
                f"({self.show(name)} is differentiated by above)")
        params = {d[2] for d in self.differentiated.values()} | {name}
        reference = None
        try:
            with budget(self.row_seconds):
                made = _fresh_bound(judge.truth(value))
                for cost in _objectives(costs, judge.definitions)[:4]:
                    strange = _labels(made) - _labels(judge.truth(cost))
                    if strange:  # "and likewise for \bar{x}_2": a name never said
                        self._all(parts, "unchecked", f"{said}; it uses "
                                  f"{min(strange)}, which "
                                  f"{self.show(cost)} does not")
                        return
                    by_param = optimum.slopes(judge, cost, params)
                    slope = by_param.get(name)
                    if slope is None or not slope.has(name):
                        continue
                    how = None
                    if judge.compare(slope.xreplace({name: made}), sp.Integer(0)).verdict \
                            == "correct":
                        how = f"at it, ∂{self.show(cost)}/∂{self.show(name)} = 0"
                    elif not made.has(*(params - {name})):
                        held = optimum.holds_at(judge, made - name, by_param)
                        if held and held[0]:
                            how = ("it is the stationary point's " + self.show(name) + " (" +
                                   " = ".join(f"∂{self.show(cost)}/∂{self.show(q)}"
                                              for q in by_param) + " = 0)")
                        elif held:
                            reference = reference or ("joint", cost, held[1])
                    if how:
                        self._set(parts[1][2], Finding(parts[1][2].line, parts[1][2].line_end,
                                                       parts[1][2].latex, "correct",
                                                       f"{said}: {how}"))
                        self._tail(parts, judge, definitions)
                        return
                    alone = optimum.solved_given_others(name, slope)
                    if alone is not None and made.has(*(params - {name})):
                        reference = ("alone", cost, alone)
        except (OverBudget, Exception):  # over budget, or a derivative SymPy cannot take
            reference = None
        if reference is None:
            self._all(parts, "unchecked", said)
            return
        kind, cost, truth = reference
        if kind == "joint":  # no formula for the point: say what it is at the data tried
            row = parts[1][2]
            self._set(row, Finding(row.line, row.line_end, row.latex, "wrong",
                                   f"{said}: it is not the stationary point's "
                                   f"{self.show(name)} (off by {truth} at random data)",
                                   diagnosis="not where the derivatives vanish",
                                   origin=True))
            self._all(parts, "unchecked", said)
            return
        solved = dict(definitions)
        solved[name] = truth
        self._chain(parts, Judge(solved, INDEX, COUNT, seconds=self.row_seconds), solved)
        for _, _, r in parts:
            f = self.by_row.get(id(r))
            if f is not None and f.verdict != "correct" and not f.reason.startswith(said):
                f.reason = f"{said}, from ∂{self.show(cost)}/∂{self.show(name)} = 0: {f.reason}"

    def _tail(self, parts, judge, definitions):
        """``w ← R = S = …`` or ``b = R = S``: the chain after the update's or the
        value's right side, R = S = …, checked as a chain of its own."""
        if len(parts) > 2:
            self._chain(parts[1:], judge, definitions)

    def _update(self, parts, judge, definitions):
        r"""``w ← w - η g``: a gradient step on a cost the document differentiates by
        w, downhill unless the prose says it climbs ("gradient ascent", "we
        maximise"). Read as the claim ``∂J/∂w = g`` (∓ the step over the rate), so a
        wrong g is diagnosed and mended like any derivative; a numeric step
        (``w_1 ← 0.3 - 0.1 \cdot 0.5 = 0.25``) has its arithmetic checked."""
        name, new = parts[0][0], parts[1][0]
        row = parts[1][2]
        if not is_name(name) or not new.has(name):
            self._set(row, Finding(row.line, row.line_end, row.latex, "unchecked",
                                   "an update with values, not a rule to check"))
            self._tail(parts, judge, definitions)
            return
        movers = [r for k, rhs, r in self.steps if k != key(name) and name in rhs.xreplace(
            {d: sp.Dummy() for d in rhs.atoms(D)}).free_symbols]  # (not ∂J/∂w's w)
        if movers and key(name) in self.velocities and key(name) not in self.differentiated:
            # v ← βv + g: a velocity, read with the step that moves by it
            if all(r is not row for r in movers):
                self._set(row, Finding(row.line, row.line_end, row.latex, "unchecked",
                                       f"a velocity, checked with the step that moves by it "
                                       f"(line {movers[0].line})"))
            return
        step = written = _expand_outside_sums(new - name)
        # w ← w - η v with v ← βv + g: a step by a velocity, read at its first step from
        # rest (v = 0 before it: v = g), where momentum is a plain gradient step
        rest = {}
        for u in sorted(step.free_symbols - {name}, key=str):
            again = self.velocities.get(key(u)) if isinstance(u, sp.Symbol) else None
            if again is not None and not defined(u, definitions) and \
                    key(u) not in self.differentiated and \
                    (first := again.xreplace({u: 0})) != 0:
                rest[u] = first
        step = _expand_outside_sums(step.xreplace(rest)) if rest else step
        rates = sorted((v for v in step.free_symbols if isinstance(v, sp.Symbol)
                        and v.name in _RATES and not defined(v, definitions)), key=str)
        costs = self.differentiated.get(key(name), (0, []))[1]
        if len(rates) != 1 or not costs or step.xreplace({rates[0]: 0}) != 0 or \
                sp.diff(step, rates[0], 2) != 0:
            self._all(parts, "unchecked", "an update rule that is not a gradient step "
                      "(w ← w ∓ η ·(…)) on a cost differentiated by its name")
            return
        rate = rates[0]
        # the way the nearest word before it says ("gradient ascent", "SGD", "we maximise")
        lines = self.lines[max(0, row.line - 13):row.line]
        prose = " ".join(lines[:-1] + [lines[-1][:row.column]])
        said_way = list(_WAY.finditer(prose))
        up = bool(said_way and said_way[-1].group("up"))
        way = "ascent" if up else "descent"
        gradient = _expand_outside_sums(step / rate) * (1 if up else -1)
        # the cost it steps on: the one its gradient is, else is up to a factor, else
        # one over all the data if it sums over the samples (one sample's if not)
        objectives = _objectives(costs, definitions, only=True)
        costs = objectives + [c for c in costs if c not in objectives]
        whole = [c for c in costs if not c.has(INDEX)] if gradient.has(sp.Sum) else \
            [c for c in costs if c.has(INDEX)]
        cost = (whole or costs)[0]
        verdicts = {}
        # w_j of a rule for every j: the costs compared at j's first value (for a general
        # j, ∂J/∂w_j and ∂r_i/∂w_j are both 0 and would agree)
        at = {x: v[0] for x, v in self._general_letters({name}, row.line).items() if v}

        def one(e):
            return instantiate(e, at) if at else e
        try:
            with budget(self.row_seconds):
                made = judge.truth(one(gradient))
                for c in costs[:4]:
                    try:
                        verdicts[c] = judge.compare(made, judge.truth(one(D(c, name)))).verdict
                    except OverBudget:
                        raise
                    except Exception:  # a cost SymPy cannot differentiate: not this one
                        continue
                    if verdicts[c] == "correct":
                        break
        except (OverBudget, Exception):
            pass
        cost = next((c for c in verdicts if verdicts[c] == "correct"),
                    next((c for c in verdicts if verdicts[c] == "factor"), cost))
        if not {"correct", "factor"} & set(verdicts.values()) and (
                cost not in objectives or cost.has(INDEX)):
            # (or one sample's: g^{(i)}_j of h_i + λ/2 ‖w‖², a per-sample objective not named)
            # w_j ← w_j - η g^{(i)}_j where no cost differentiated by w_j has that gradient
            # and the nearest is an intermediate (m_i): a step on an objective not named
            self._set(row, Finding(row.line, row.line_end, row.latex, "unchecked",
                                   f"a step whose gradient is that of no cost the document "
                                   f"differentiates by {self.show(name)} (the nearest, "
                                   f"{self.show(cost)}, is an intermediate or one sample's)"))
            self._tail(parts, judge, definitions)  # its algebra is still checked
            return
        said = (f"a gradient {way} step on {self.show(cost)} (it moves "
                f"{self.show(name)} by {'+' if up else '-'}{self.show(rate)} "
                f"∂{self.show(cost)}/∂{self.show(name)}"
                + "".join(f", {self.show(u)} = {self.show(v)} at its first step from rest"
                          for u, v in rest.items()) + ")")
        claim = [(D(cost, name), parts[0][1], parts[0][2]), (gradient, parts[1][1], row)]
        before = self.by_row.get(id(row))
        self._chain(claim, judge, definitions)
        found = self.by_row.get(id(row))
        self._tail(parts, judge, definitions)  # w_k ← … = (1 - ηλ) w_k - …: algebra
        if found is None or found is before:  # (a worse verdict on the row's other update)
            return
        if found.verdict == "correct":
            found.reason = said
            return
        found.reason = f"as {said}: the step's gradient is wrong: {found.reason}"
        if rest:  # the velocity's step mended as written: w + η v → w - η v
            ratio = sp.sympify(found.factor) if found.verdict == "factor" and found.factor \
                else None
            if ratio is None or ratio == 0:
                found.correct_latex = None
                return
            term = doc_latex(written / ratio, style=self.style, macros=self.notation.macros)
            found.correct_latex = f"{self.show(name)} " + (
                f"- {term[1:].lstrip()}" if term.startswith("-") else f"+ {term}")
            return
        if found.correct_latex:
            fix = doc_latex(name + (1 if up else -1) * rate * sp.Symbol("FIX"),
                            style=self.style, macros=self.notation.macros)
            found.correct_latex = fix.replace(r"\mathrm{FIX}", "FIX").replace(
                "FIX", f"\\left({found.correct_latex}\\right)")

    def _set_to_zero(self, parts) -> bool:
        """Is the chain an inline ``… = 0`` the prose sets to zero ("setting the gradient
        to zero, $…$", "a … condition $…$"), or a derivative = 0 a few lines after "at the
        minimiser both gradients vanish"? An equation to solve, not a claim."""
        row = parts[0][2]
        if len(parts) != 2 or parts[1][0] != 0 or row.env not in INLINE:
            return False
        return bool(_ZERO_SET.search(self._before(row)) or isinstance(parts[0][0], D) and
                    _SOLVING.search(" ".join(self.lines[max(0, row.line - 6):row.line])))

    def _stationary(self, parts, judge) -> bool:
        """An equation in the parameters after "setting … to zero" (the normal
        equations): right when it holds at the cost's stationary point. False
        when the chain is not one."""
        row = parts[0][2]
        params = self._params(row.line)
        if len(parts) != 2 or not params or any(e.has(D) for e, _, _ in parts):
            return False
        if self._set_to_zero(parts):
            return False  # "… looks like a condition $… = 0$": said, not derived (see _chain)
        names = set().union(*(names_in(e) for e, _, _ in parts))
        if not names & params and not is_name(parts[0][0]):
            # Σ p_i = Σ y_i at the minimiser: the parameters are inside p_i
            try:
                with budget(self.row_seconds):
                    names |= set().union(*(names_in(judge.truth(e)) for e, _, _ in parts))
            except (OverBudget, Exception):  # noqa: BLE001 - read as it is written
                pass
        if not names & params or is_name(parts[0][0]) and key(parts[0][0]) in {
                key(p) for p in params}:
            return False
        if not self._solving(row, min(self.differentiated[key(q)][0] for q in names & params)):
            return False
        try:
            with budget(self.row_seconds):
                left, right = judge.truth(parts[0][0]), judge.truth(parts[1][0])
                if judge.compare(left, right).verdict == "correct":
                    return False  # an identity anyway: checked as one
                relation = left - right
                costs = []
                for q in params & names:
                    costs += [c for c in self.differentiated[key(q)][1] if c not in costs]
                for cost in costs[:4]:
                    by_param = optimum.slopes(judge, cost, params)
                    if not by_param:
                        continue
                    q = optimum.rescaled_slope(judge, relation, by_param)
                    where = f"∂{self.show(cost)}/∂{self.show(q)} = 0" if q is not None else None
                    held = None if where else optimum.holds_at(judge, relation, by_param)
                    if held and held[0]:
                        where = "the stationary point (" + " = ".join(
                            f"∂{self.show(cost)}/∂{self.show(p)}" for p in by_param) + " = 0)"
                    if where:
                        self._all(parts, "correct", f"holds at {where}, as the text sets")
                        return True
                    if held:
                        self._all(parts, "wrong", f"does not hold where the derivatives of "
                                  f"{self.show(cost)} vanish (the two sides differ by "
                                  f"{held[1]} at random data)")
                        for _, _, r in parts:
                            self.by_row[id(r)].origin = True
                            self.by_row[id(r)].diagnosis = "not where the derivatives vanish"
                        return True
        except (OverBudget, Exception):
            pass
        return False

    def _general(self, parts, judge, definitions) -> bool:
        """A chain written for general indices (∂p_j/∂z_k = p_j(δ_{jk} − p_k))
        whose instances the document defines (p_1, p_2, p_3): each link is
        checked for every value of the indices, δ_{jk} read as Kronecker's.
        False when the chain is not one."""
        stems = self._general_letters({a for p in parts for a in names_in(p[0])},
                                      parts[0][2].line)
        if not stems:
            return False
        # ∂E/∂w^{(l)}_{jk} with values for j and l only: k's case would stay general
        left = set().union(*(_index_letters(str(v.base) if isinstance(v, sp.Indexed) else str(v))
                             for v in names_in(parts[0][0])))
        if left - set(stems) - {self.notation.index, "n"}:
            return False
        letters = sorted(stems)
        combos = list(itertools.product(*(stems[x] for x in letters)))
        # "for an off-diagonal entry ($j \neq k$)": only the combinations the text means
        row = parts[0][2]
        lines = self.lines
        near = self._before(row) + " " + self._lead_in(row) + " " + (
            lines[row.line_end - 1] if row.line_end <= len(lines) else "")
        said = ""
        for a, rel, b in _INDEX_RELATION.findall(near):
            if a in letters and b.isdigit() and rel != "=":  # "for $c \neq 2$"
                at = letters.index(a)
                combos = [c for c in combos if c[at] != int(b)]
                said += f" with {a} ≠ {b}"
            elif a in letters and b in letters and a != b:
                at = (letters.index(a), letters.index(b))
                same = rel == "="
                combos = [c for c in combos if (c[at[0]] == c[at[1]]) == same]
                said = f" with {a} {'=' if same else '≠'} {b}"
        if not combos:
            return False
        if len(combos) > 27:
            self._all(parts, "unchecked", "a rule for general indices "
                      f"{', '.join(letters)} with too many values to check each")
            return True
        kronecker = None if any(str(d).startswith("delta") for d in definitions) else "delta"
        cases = [(", ".join(f"{x} = {v}" for x, v in zip(letters, combo)),
                  functools.partial(instantiate, at=dict(zip(letters, combo)),
                                    kronecker=kronecker))
                 for combo in combos]
        return self._cases(parts, judge, definitions, cases, "every " + " and ".join(
            f"{x} = {', '.join(map(str, stems[x]))}" for x in letters) + said)

    def _vector_of(self, parts):
        """``(z, [z_1, z_2, …])`` for the first ∂ of the chain by a vector the document
        spells out, or ``(None, None)``."""
        vector = next((d.wrt for p in parts for d in p[0].atoms(D) if d.wrt in self.vectors),
                      None)
        if vector is not None:
            return vector, self.vectors[vector]
        for d in (d for p in parts for d in p[0].atoms(D)):
            # ∇_b L for a b the text only writes by entries (b_1, b_2, b_3)
            v = d.wrt
            if isinstance(v, sp.Symbol) and re.fullmatch(r"\\?[A-Za-z]+", v.name) and \
                    v.name not in self.known_names - {str(w) for w in self.wrt}:
                shown = sorted((int(m.group(1)), u) for u in self.used_names | self.known_names
                               for m in [re.fullmatch(re.escape(v.name) + r"_(\d)", u)] if m)
                if len(shown) >= 2 and [n for n, _ in shown] == list(range(1, len(shown) + 1)):
                    return v, [sp.Symbol(u) for _, u in shown]
        return None, None

    def _entrywise(self, parts, judge, definitions) -> bool:
        """``\\nabla_z L = p - y`` for a vector z = (z_1, z_2) the document spells
        out: one row per entry, ∂L/∂z_1 = p_1 − y_1, … (each name whose entries
        the document writes taken entry by entry). False when no ∂ is by such
        a vector."""
        vector, entries = self._vector_of(parts)
        if vector is None:
            return False
        cases = []
        tables = {a.base for a in self.used_indexed if len(a.indices) == 2}  # x of x_{ij}
        # (y of y_i is the label of sample data, not a vector: y_1 = 1 in the prose
        # is the first sample's)
        labels = {a.base.label for p in parts for a in p[0].atoms(sp.Indexed)}
        for k, entry in enumerate(entries, 1):
            at = {vector: entry}
            for v in set().union(*(p[0].free_symbols for p in parts)) - labels:
                body = definitions.get(v) if isinstance(v, sp.Symbol) else None
                if body is not None and any(d.wrt == vector for d in body.atoms(D)):
                    at[v] = body.xreplace({vector: entry})  # g = ∇_w J: g's entry ∂J/∂w_1
                    continue
                name = f"{v}_{k}" if isinstance(v, sp.Symbol) else None
                if name and v != vector and name in self.used_names and not defined(
                        v, definitions):
                    at[v] = sp.Symbol(name)
            for a in set().union(*(p[0].atoms(sp.Indexed) for p in parts)):
                if len(a.indices) == 1 and a.base in tables and not defined(a, definitions):
                    at[a] = a.base[a.indices[0], k]  # sample i's vector x_i: its entry x_{ik}
            cases.append((f"entry {k}", functools.partial(_xreplace, at=at)))
        return self._cases(parts, judge, definitions, cases, f"every entry of {self.show(vector)}",
                           known=self.known_names | self.used_names)

    def _case_meanings(self, case, before, mine, definitions):
        """``case`` (a row → the row at one case) widened so that the names it makes
        have their meaning: δ^{(1)}_1 of a δ^{(1)}_j the document defines for every j is
        that definition at j = 1, and δ_1^{(2)} of a sum the case wrote out is the
        general δ_j^{(l)} at j = 1, l = 2 (:meth:`_instance_meaning`). The names so
        given are its ``meant`` (a dict)."""
        meant: dict = {}
        for v in before:
            if isinstance(v, sp.Symbol) and v in definitions and definitions[v] not in mine:
                try:  # (not this row's own definition)
                    made = case(v)
                except Exception:  # noqa: BLE001 - a name the case cannot take
                    continue
                if made != v and made not in definitions:
                    meant[made] = case(definitions[v])

        def widened(e):
            out = case(e)
            labels = {a.base.label for a in out.atoms(sp.Indexed)}  # (not r^(1) of r^(1)[i])
            here = {k: v for k, v in meant.items() if k not in labels}
            for v in out.free_symbols - set(here):
                if isinstance(v, sp.Symbol) and v not in definitions and v not in labels:
                    body = self._instance_meaning(v, definitions, mine)
                    if body is not None:
                        here[v] = meant[v] = body
            return out.xreplace(here) if here else out
        widened.meant = meant
        widened.keywords = getattr(case, "keywords", {})  # (its ``at``, for the repairs)
        for p in mine:  # (the row's own names first, so that ``meant`` lists them)
            try:
                widened(p)
            except Exception:  # noqa: BLE001 - judged as the case leaves it
                pass
        return widened

    def _instance_meaning(self, name, definitions, mine=()):
        """What ``name`` (δ_1^(2)) means as an instance of a definition the document
        states for general indices (δ_j^(l) = ∂L/∂z_j^(l)), or None."""
        # (keyed as the judges are: the bodies in force, which the document's list keeps alive)
        memo = self._instance_memo.setdefault(
            tuple(sorted(id(v) for v in definitions.values())), {})
        if name in memo:
            return memo[name]
        memo[name] = None
        for general, body in definitions.items():
            if not isinstance(general, sp.Symbol) or body in mine:
                continue  # (g_b = -0.9 + 1.2 = 0.3 does not say what g_0 is)
            letters = sorted(_index_letters(general.name) - {self.notation.index, "n"})
            if not letters or len(letters) > 2 or _stem(general.name) != _stem(name.name):
                continue
            for combo in itertools.product(range(0, 10), repeat=len(letters)):
                at = dict(zip(letters, combo))
                if instantiate(general, at) == name:
                    memo[name] = instantiate(body, at)
                    return memo[name]
        return None

    def _cases(self, parts, judge, definitions, cases, every, known=None) -> bool:
        """Check a chain through its cases ``(label, rows)``: a link is right when it
        holds in every case the document gives a meaning (cases asking for a
        name it never defines, as a^{(0)}, are skipped). False when none is."""
        verdicts: dict = {}  # row index → first failing (label, Verdict)
        timed_out = None  # how many cases were checked when the time ran out
        odd: dict = {}  # row index → a failing case that invents a name
        fine: set = set()  # rows right in some case that invents a name
        before = set().union(*(names_in(p[0]) for p in parts))
        mine = {p[0] for p in parts}
        checked = []  # (label, transform, its rows made true)
        try:
            with budget(self.row_seconds):
                # (only a chain about a derivative: a row that is an equation to solve, as
                # the normal equations, is not made checkable by guessing its names)
                lead = parts[0][0]
                about_derivative = lead.has(D) or isinstance(definitions.get(lead), D)
                for label, case in cases:
                    if about_derivative:
                        case = self._case_meanings(case, before, mine, definitions)
                    rows = [case(p[0]) for p in parts]
                    own = {str(k) for k in getattr(case, "meant", ())}
                    invented = [bool({str(v.base) if isinstance(v, sp.Indexed) else str(v)
                                      for v in names_in(e) - before
                                      if not isinstance(v, sp.IndexedBase)}
                                     - (known or self.known_names) - own) for e in rows]
                    if invented[0] or not all(_grounded(e, definitions) for e in rows):
                        continue  # l = 1 asks for an a^{(0)} or ∂C^{(3)} never given
                    made = [judge.truth(e) for e in rows]
                    checked.append((label, case, made))
                    for k in range(1, len(parts)):
                        link = judge.compare(made[k], made[k - 1])
                        if link.verdict != "correct" and k not in verdicts and not (
                                self._under_conditions(parts[k][2], made[k], made[k - 1], judge)
                                or self._under_case(parts[k][2], made[k], made[k - 1], judge)):
                            if (invented[k] or invented[k - 1]) and rows[0] != parts[0][0]:
                                # a name this case invents (x^{(1)} of x^{(k)}_i): wrong
                                # only if every case does (a slip, not a missing layer)
                                odd.setdefault(k, (label, link))
                                continue
                            verdicts[k] = (label, link)
                        elif invented[k] or invented[k - 1]:
                            fine.add(k)
                    if rows[0] == parts[0][0] and any(invented):
                        # the left side has no general index: a case inventing names
                        # (w_0 of w_t beside w_{t+1}) says nothing
                        checked.pop()
                        for k in list(verdicts):
                            if verdicts[k][0] == label:
                                del verdicts[k]
        except OverBudget:
            timed_out = len(checked)
            if not verdicts and len(checked) < len(cases):
                self._all(parts, "unchecked", f"timeout: checking {every} took over "
                          f"{self.row_seconds:g} s" + (f" (it holds for the {len(checked)} "
                                                       "checked first)" if checked else ""))
                return True
            # a case that fails is a counterexample, however many are left
        except Exception as e:  # a definition cycle or a derivative SymPy cannot take
            self._all(parts, "unchecked", f"cannot evaluate: {_first(e)}")
            return True
        if not checked:
            return False
        for k, failed in odd.items():
            if k not in fine and k not in verdicts:
                verdicts[k] = failed
        recovered = set()  # rows after a slip that are right again (equal to the left side)
        for k in sorted(verdicts):
            try:
                if k - 1 in verdicts and k > 1 and all(
                        judge.agrees(made[k], made[0]) for _, _, made in checked):
                    recovered.add(k)
            except Exception:  # noqa: BLE001 - not shown right: it stays as found
                continue
        for k in range(1, len(parts)):
            row = parts[k][2]
            if k in recovered:
                self._set(row, Finding(row.line, row.line_end, row.latex, "correct",
                                       f"right again for {every} (the row before is not)"))
                continue
            if k not in verdicts:
                self._set(row, Finding(
                    row.line, row.line_end, row.latex, "correct", f"holds for {every}")
                    if timed_out is None else Finding(
                    row.line, row.line_end, row.latex, "unchecked", f"timeout: holds for "
                    f"the {timed_out} cases checked of {every} in {self.row_seconds:g} s"))
                continue
            where, link = verdicts[k]
            verdict = "unchecked" if link.verdict == "unchecked" else "wrong"
            found = Finding(row.line, row.line_end, row.latex, verdict,
                            f"for {where}: {link.reason or link.verdict}",
                            diagnosis=f"wrong for {where}" if verdict == "wrong" else None,
                            counterexample=link.counterexample or None,
                            origin=verdict == "wrong")
            if verdict == "wrong" and id(parts) not in self.layer_rules:
                # (a rule for a general layer that fails is a scheme, not a slip: grad.tex's
                # per-layer costs; its repair search would only spend the time)
                self._general_repair(parts, k, judge, definitions, checked, found)
            self._set(row, found)
        first = parts[0][2]
        self.by_row.setdefault(id(first), Finding(first.line, first.line_end, first.latex,
                                                  "correct", "the left side of the chain"))
        return True

    def _general_repair(self, parts, k, judge, definitions, checked, found):
        """The one-slip repair of a general row (``x_k`` for ``x_j``, a missing 2)
        that makes it right in every case, into ``found``'s diagnosis and fix."""
        expr, latex, _ = parts[k]
        factors = set()
        for _, _, made in checked:
            link = judge.compare(made[k], made[k - 1])
            factors.add(link.factor if link.verdict == "factor" else None)
        if len(factors) == 1 and None not in factors and (f := factors.pop()) != 0:
            found.verdict, found.factor = "factor", str(f)
            found.diagnosis = ("wrong sign" if f == -1 else
                               f"a constant factor: it is {sp.latex(f)} times the right value")
            found.correct_latex = self.show(sp.Mul(1 / f, expr, evaluate=True), latex)
            return
        try:  # every case for every candidate: a short search, the row is flagged already
            with budget(None if self.row_seconds is None else min(self.row_seconds, 1.0)):
                _, first_case, first_made = checked[0]
                passes = judge.screen(first_made[k - 1])
                candidates = list(itertools.islice(
                    self._repairs(parts, k, parts[k - 1][0], definitions), MAX_REPAIRS))
                # each candidate is checked in every case: a missing 1/n, 2 or 2/n, the
                # likeliest slips of a general row, go first
                candidates.sort(key=lambda c: not _count_factor(c[1], expr))
                for why, fixed, shown, *renamed in candidates:
                    if fixed is None or fixed == expr or fixed == 0:
                        continue
                    try:
                        if not passes(first_case(fixed)):
                            continue
                        if all(judge.agrees(judge.truth(case(fixed)), made[k - 1])
                               for _, case, made in checked):
                            notes = []
                            found.correct_latex = self._fix(notes, why, shown, renamed, latex)
                            found.diagnosis = why
                            return
                    except OverBudget:
                        raise
                    except Exception:  # a repair SymPy cannot evaluate is no repair
                        continue
                # one short term left out, the same in every case (+ λ of a ridge Hessian)
                # or the case's entry of a general one (+ λ w_1 for j = 1: + λ w_j)
                _, case, made = checked[0]
                got = self._from_difference(judge, case(expr), made[k], made[k - 1], definitions)
                term = got[1] - case(expr) if got and got[0].startswith("omits") else None
                if term is None:
                    return
                at = getattr(case, "keywords", {}).get("at", {})
                for general in dict.fromkeys((term, _generalised(term, at, expr))):
                    if all(judge.agrees(judge.truth(case(expr + general)), made[k - 1])
                           for _, case, made in checked[1:]):
                        found.diagnosis = (got[0] if general == term else
                                           f"omits the term {self.show(general)}")
                        shown = self.show(general)
                        found.correct_latex = re.sub(r"[\s.,;]*$", "", latex) + (
                            f" - {shown[1:].lstrip()}" if shown.startswith("-") else f" + {shown}")
                        return
        except (OverBudget, Exception):  # over budget, or a candidate that cannot be made
            return

    def _approximate(self, row, latex, made, true):
        """``(verdict, reason)`` of a link ``… \\approx 0.731``: right when it agrees
        to the decimals shown, with the values the prose just set. (Of ``… \\approx
        \\frac{0.2450252 - 0.2550248}{0.02} \\approx -0.49998`` the value claimed is the
        last, and its decimals are the ones shown.)"""
        shown = latex.rsplit("\\approx", 1)[-1]
        digits = max([len(d) for d in re.findall(r"\d\.(\d+)", shown)] + [0])
        at = {name: value for name, (_, value) in self._conditions_at(row).items()}
        values = []
        for e in (made, true):
            e = sp.sympify(e).xreplace(at)
            if e.has(sp.Sum):
                e = e.doit()
            try:
                values.append(complex(sp.N(e, 30)))
            except (TypeError, ValueError):
                return "unchecked", "an approximation at values the text does not give"
        a, b = values
        if abs(a - b) <= 0.5 * 10 ** -digits * 1.000001 + _rounding(made) + 1e-12:
            return "correct", f"≈ {b.real:.{digits + 2}f}, right to the {digits} decimals shown"
        return "wrong", (f"it is {b.real:.{digits}f} ({b.real:.{digits + 3}f}) with the values "
                         f"the text sets, not {a.real:.{digits}f}")

    def _true_class(self):
        """"If the true class is 1": the one-hot label's entries y_1 = 1, y_2 = y_3 = 0
        from that line on (as conditions, like "with $y_1 = 1$")."""
        labels = sorted((int(m.group(2)), m.group(0)) for u in self.used_names
                        for m in [re.fullmatch(r"(y)_\{?(\d)\}?", u)] if m)
        if len(labels) < 2:
            return
        for number, text in enumerate(self.lines, 1):
            for m in _TRUE_CLASS.finditer(text):
                c = int(m.group(1))
                self.conditions += [(number, sp.Symbol(name), sp.Integer(int(k == c)))
                                    for k, name in labels]

    def _conditions_at(self, row) -> dict:
        """The values the prose set (``with $w = 0.25$``) in the lines just before
        ``row``: name → (line, value)."""
        latest: dict = {}
        here = self.section[min(row.line, len(self.section)) - 1]
        reach = _SECTION_REACH if self.section[-1] else _CONDITION_REACH
        for line, name, value in self.conditions:
            # (a heading starts another topic: "at the initial point $w = 0$" does not
            # hold in the "Update rule" section after it)
            if row.line - reach <= line <= row.line and self.section[line - 1] == here or \
                    self.worked_example and line <= row.line:
                latest[name] = (line, value)
        return latest

    def _under_conditions(self, row, made, true, judge) -> str | None:
        """The reason a row that is wrong as it stands is right under the
        conditions the prose just set (``with $\\lambda_1 = 0$``, at most
        :data:`_CONDITION_REACH` lines before it), or None."""
        lines = self.lines[max(0, row.line - _CONDITION_REACH):row.line]
        if _ONE_EXAMPLE.search(" ".join(lines)):
            # "drop the superscripts for a moment": the row is about one example's term
            per = _summand(true)
            try:
                with budget(self.row_seconds):
                    if per is not None and judge.compare(made, per).verdict == "correct":
                        return "right for one example (its superscripts dropped), as the text says"
            except (OverBudget, Exception):
                pass
        found = self._at_conditions(row, made, true, judge)
        if found is None:
            return None
        a, b, said_of, written, latest = found
        digits = [len(d) for d in re.findall(r"\d\.(\d+)", row.latex)]
        try:
            with budget(self.row_seconds):
                if digits and not (a.free_symbols | b.free_symbols):
                    # -\ln(1 - 0.731) for -\ln(1 - σ(1)): right up to the rounding shown
                    x, y = complex(sp.N(a.doit(), 20)), complex(sp.N(b.doit(), 20))
                    if abs(x - y) > 10 ** -min(digits) * max(1.0, abs(y)):
                        return None
                elif judge.compare(a, b).verdict != "correct":
                    return None
        except (OverBudget, Exception):  # over budget, or no value: the row stays wrong
            return None
        said = ", ".join(f"{self.show(written.get(n, n))} = {self.show(v)}"
                         for n, v in said_of.items())
        lines = ", ".join(sorted({str(latest[n][0]) for n in said_of}))
        return f"right with {said}, as the text sets (line {lines})"

    def _value_at_conditions(self, parts, judge):
        """The Finding of ``name = number`` in the prose when the name is one the
        document defines and the values the prose set before it give it ("Then
        $a_1 = 0.5$ and $C = 0.25$"), else None: a condition the text sets. A
        value said of a case ("if $a_1 = 0.9$") is a condition whatever it is."""
        (name, _, row), (value, latex, _) = parts
        if _HYPOTHETICAL.search(self._before(row)[-40:]):
            return None
        try:
            with budget(self.row_seconds):
                true = judge.truth(name)
                entry = _sample_entries(judge, {name}).get(name, name)  # y_1 → y[1]
                if true == name and judge.truth(entry) == entry:
                    return None  # an input (x_1 = 1, \eta = 0.1), not a value to work out
        except (OverBudget, Exception):  # noqa: BLE001 - no value: the text's condition
            return None
        return self._value_given(row, name, value, latex, true, judge)

    def _value_given(self, row, name, value, latex, true, judge, shown_as=None):
        """The Finding of the number ``value`` (written ``latex``) claimed for ``name``
        (made true: ``true``) when the values the prose set before ``row`` give
        ``true`` a number: right to the decimals shown, or wrong with the number it
        is. None when they do not give it one."""
        try:
            with budget(self.row_seconds):
                found = self._at_conditions(row, value, true, judge)
                if found is None:
                    return None
                _, b, said_of, written, latest = found
                if b.free_symbols or b.has(D, sp.Indexed, AppliedUndef):
                    return None
                x = complex(sp.N(b.doit(), 20))
        except (OverBudget, Exception):  # noqa: BLE001 - no value: nothing said
            return None
        if abs(x.imag) > 1e-12 or not said_of:
            return None
        digits = max([len(d) for d in re.findall(r"\d\.(\d+)", latex)] + [0])
        said = ", ".join(f"{self.show(written.get(n, n))} = {self.show(v)}"
                         for n, v in said_of.items())
        lines = ", ".join(sorted({str(latest[n][0]) for n in said_of}))
        wanted = float(value)
        slack = 10 ** -digits * 1.000001 if digits else 1e-9 * max(1.0, abs(x.real))
        if abs(x.real - wanted) <= slack:
            return Finding(row.line, row.line_end, row.latex, "correct",
                           f"right with {said}, as the text sets (line {lines})")
        shown = f"{x.real:.{max(digits, 4)}f}".rstrip("0").rstrip(".")
        return Finding(row.line, row.line_end, row.latex, "wrong",
                       f"it is {shown} with {said}, as the text sets (line {lines})",
                       diagnosis=f"{shown_as or self.show(name)} is {shown} there, "
                                 f"not {latex.strip()}",
                       correct_latex=shown, origin=True)

    def _at_conditions(self, row, made, true, judge):
        """``made`` and ``true`` at the values the prose set before ``row``, as
        ``(made, true, said_of, written, latest)`` (what the text said of each
        name, each name as the text wrote it, the conditions in force), or None
        when no condition bears on them."""
        latest = self._conditions_at(row)
        written = {k: k for k in latest}  # each condition's name as the text wrote it
        try:
            with budget(self.row_seconds):
                entries = _sample_entries(judge, names_in(made) | names_in(true) | set(latest))
                if entries:  # "x_1 = 1, a_1 = \sigma(-0.5)": sample 1's x_i and a_i
                    written = {entries.get(k, k): w for k, w in written.items()}
                    latest = {entries.get(k, k): v for k, v in latest.items()}
                    made, true = (judge.truth(e.xreplace(entries)) for e in (made, true))
                for name, (line, _) in list(latest.items()):
                    try:
                        inputs = names_in(judge.truth(name)) - {name}
                    except OverBudget:
                        raise
                    except Exception:  # noqa: BLE001 - a name the judge cannot expand
                        continue       # keeps its value
                    if any(latest.get(x, (0,))[0] > line for x in inputs):
                        # "a_1 = 0.5" before a step that sets w and b anew: a value of then
                        del latest[name]
                if latest.get(COUNT, (0, None))[1] == 1:
                    # one sample ("take one pair, n = 1"): its x^{(1)} is the example's x
                    made, true = (_one_sample(e.xreplace({COUNT: 1})) for e in (made, true))
                    written = {_one_sample(k): w for k, w in written.items()}
                    latest = {_one_sample(k): v for k, v in latest.items()}
                at, said_of = self._condition_values(latest, made, true)
                if not at:
                    return None
                made, true = _set_values(made, at), _set_values(true, at)
        except (OverBudget, Exception):  # noqa: BLE001 - no value at them: nothing said
            return None
        return made, true, said_of, written, latest

    @staticmethod
    def _condition_values(latest, made, true):
        """``(at, said_of)``: the values the prose's conditions (``latest``, from
        :meth:`_conditions_at`) give the names of ``made`` and ``true``, and what the
        text said (a vector's w = 0 sets each entry w_1, w_2, … the rows use)."""
        names = names_in(made) | names_in(true)

        def pattern(a):  # x[i, 1] of every sample i, whatever a sum calls its index
            return a.base, tuple(k if k.is_Integer else None for k in a.indices)
        general = {pattern(a) for a in names if isinstance(a, sp.Indexed)}
        at = {name: value for name, (_, value) in latest.items() if name in names or (
            isinstance(name, sp.Indexed) and any(isinstance(k, sp.Symbol) for k in name.indices)
            and pattern(name) in general)}
        said_of = dict(at)  # what the text set, name → value
        for name, (_, value) in latest.items():
            entries = {v: value for v in names
                       if isinstance(v, sp.Symbol) and is_entry(v.name, str(name))}
            if value == 0 and name not in names and entries:
                at.update(entries)
                said_of[name] = value
            if str(name) in ("d", "D") and name not in names and value.is_Integer and \
                    1 <= value < FEATURES:
                # "if d = 1": the sums over the features were written out for d = 3; the
                # entries past d are no features (θ_2 = θ_3 = 0, x_{i2} = x_{i3} = 0)
                past = {v: 0 for v in names if _feature_past(v, int(value))}
                if past:
                    at.update(past)
                    said_of[name] = value
        return at, said_of

    def _under_case(self, row, made, true, judge) -> str | None:
        """The reason a row that is wrong as it stands is right in the case the prose
        just before it opens ("\\item $m_i < 1$: then … $\\partial h_i / \\partial w_j =
        -y_i x_{ij}$"), or None. The case reaches back to the sentence or item it is in."""
        lines = self.lines
        if row.line > len(lines):
            return None
        text = " ".join(lines[max(0, row.line - 4):row.line - 1]
                        + [lines[row.line - 1][:max(0, row.column - 1)]])
        text = re.split(r"\\item\b|\.\s|\n\s*\n|^\s*$", text)[-1]
        cases = list(_CASE.finditer(text))
        if not cases:
            return None
        m = cases[-1]
        if not self._holds_where(m, made, true, judge, free=True):
            return None
        return f"right where {m.group(1).strip()} {m.group(2)} {m.group(3).strip()}, the case the text opens"

    def _under_inequality(self, row, made, true, judge) -> str | None:
        """The reason a row that is wrong as it stands is right where the prose
        right after it says it holds ("… $= (wx - y)x$ whenever $wx > 0$"), or None."""
        lines = self.lines
        if row.line_end > len(lines):
            return None
        after = lines[row.line_end - 1][row.column - 1 if row.line == row.line_end else 0:]
        m = _WHENEVER.search(after + " " + (lines[row.line_end] if row.line_end < len(lines)
                                            else ""))
        if not m or not self._holds_where(m, made, true, judge):
            return None
        return f"right where {m.group(1).strip()} {m.group(2)} {m.group(3).strip()}, as the text says"

    def _holds_where(self, m, made, true, judge, free=False) -> bool:
        """Does ``made`` equal ``true`` where the inequality ``m`` (its sides and
        relation, groups 1–3 of :data:`_CASE` or :data:`_WHENEVER`) holds? With
        ``free``, an inequality of numbers alone bears on nothing. One that cannot
        be read is no condition."""
        try:
            with budget(self.row_seconds):
                a, b = (judge.truth(parse_row(t, self.notation)) for t in (m.group(1), m.group(3)))
                where = a - b if m.group(2) in (">", r"\gt", r"\geq", r"\ge") else b - a
                if free and not where.free_symbols:
                    return False
                return judge.compare(made, true, where=where).verdict == "correct"
        except (OverBudget, Exception):  # noqa: BLE001
            return False

    def _settle_readings(self):
        """Let the document decide how it reads ∂ by an intermediate. When some
        rows are right only as local derivatives (automatic-differentiation
        notes) and no row is right only as a total derivative, the document
        reads them locally: its ambiguous rows are correct."""
        local = [f for f in self.by_row.values()
                 if f.verdict == "ambiguous" and f.reason.startswith("right if ∂ by")]
        if not local:
            return
        wrong_if_local = []
        for parts, k, judge, _ in self.total_rows:
            try:
                with budget(self.row_seconds):
                    here = judge.truth(parts[k][0], local=True)
                    before = judge.truth(parts[k - 1][0], local=True)
                    if judge.compare(here, before).verdict == "correct":
                        continue
                    if not judge.agrees(judge.truth(parts[k][0]), sp.Integer(0)):
                        return  # right only as a total derivative: the document is mixed
                    # 0 = 0 as total derivatives (f written in x alone): no evidence
                    wrong_if_local.append(parts[k][2])
            except (OverBudget, Exception):  # noqa: BLE001 - undecided: stay ambiguous
                return
        lines = ", ".join(str(f.line) for f in local[:4])
        how = f"as this document reads ∂ by an intermediate throughout (lines {lines})"
        for f in local:
            f.verdict = "correct"
            f.reason = f"right with ∂ by an intermediate read as a graph's local derivative, {how}"
        for row in wrong_if_local:
            self.by_row[id(row)] = Finding(
                row.line, row.line_end, row.latex, "wrong",
                f"wrong with ∂ by an intermediate read as a graph's local derivative, {how}",
                origin=True)

    def _local_reading(self, parts, k, judge, definitions) -> str | None:
        """Why the row is ambiguous, when it is wrong only because of how ∂ by an
        intermediate is read: ∂c/∂a of c = a + b, b = e^a, is 1 + e^a through b
        (the total derivative), 1 with b held (a graph's local derivative, as
        automatic-differentiation notes write it). None when that is not it."""
        exprs = [p[0] for p in parts[:k + 1]]
        names = sorted({d.wrt for e in exprs for d in e.atoms(D) if judge._defines(d.wrt)},
                       key=str)
        if not names:
            return None
        try:
            with budget(self.row_seconds):
                here = judge.truth(parts[k][0], local=True)
                before = judge.truth(parts[k - 1][0], local=True)
                if judge.compare(here, before).verdict != "correct":
                    return None
        except (OverBudget, Exception):  # noqa: BLE001 - no second reading, then
            return None
        shown = ", ".join(self.show(n) for n in names)
        return (f"right if ∂ by {shown} holds the other names fixed (a graph's local "
                f"derivative, as automatic differentiation writes it), wrong if it goes "
                "through the names that depend on it (the total derivative); the document "
                "does not say which")

    def _all(self, parts, verdict, reason):
        for _, _, r in parts:
            self.by_row.setdefault(id(r), Finding(r.line, r.line_end, r.latex, verdict, reason))

    def _set(self, row, finding):
        """A row holding several links keeps its worst verdict."""
        order = ("correct", "unchecked", "ambiguous", "unparsed", "factor", "wrong")
        old = self.by_row.get(id(row))
        if old is None or order.index(finding.verdict) > order.index(old.verdict):
            self.by_row[id(row)] = finding

    def _diagnose(self, parts, k, link, judge, previous, target, made, definitions, seconds):
        """Why the link is wrong and what the row should be: the first one-slip
        repair (:mod:`derive.diagnose`) that makes it right."""
        expr, latex, row = parts[k]
        out = Finding(row.line, row.line_end, row.latex, link.verdict, link.reason,
                      counterexample=link.counterexample or None)
        if link.verdict == "factor":
            f = link.factor
            out.factor = str(f)
            out.diagnosis = ("wrong sign" if f == -1 else
                             f"a constant factor: it is {sp.latex(f)} times the right value")
            out.correct_latex = self.show(sp.Mul(1 / f, expr, evaluate=True), latex)
            return out
        notes = []
        try:
            with budget(seconds):
                if k == 1:  # a slip in the left side's variable: ∂_{b^{1}} for ∂_{b^{(1)}}
                    slips = list(variable_repairs(parts[0][0], definitions, self.show))
                    for why, lhs in slips:
                        if judge.agrees(made, judge.truth(lhs)):
                            out.diagnosis = why
                            out.correct_latex = f"{self.show(lhs, parts[0][1])} = {latex}"
                            return out
                    if slips:  # the likeliest meaning, and on with the repairs against it
                        why, lhs = slips[0]
                        notes.append(f"{why}, but the row is wrong for that too")
                        target = judge.truth(lhs)
                if judge.agrees(target, sp.Integer(0)):
                    # the right value is 0: any repair that makes the row 0 would pass
                    raise _NoRepair
                passes = judge.screen(target)
                tried = []  # the candidates tried without the prose's conditions
                # (the search leaves a third of the row's time to the comparison with the
                # truth that follows it)
                stop = None if seconds is None else time.monotonic() + 0.66 * seconds
                for count, (why, fixed, shown, *renamed) in enumerate(
                        self._repairs(parts, k, previous, definitions)):
                    if count == MAX_REPAIRS or stop is not None and time.monotonic() > stop:
                        notes.append(f"no one-slip repair among the {count} likeliest")
                        break
                    if fixed is None:
                        notes.append(why)
                        continue
                    if fixed == 0 or fixed == expr:
                        continue
                    tried.append((why, fixed, shown, renamed))
                    if passes(fixed) and self._repaired(judge, fixed, target):
                        out.correct_latex = self._fix(notes, why, shown, renamed, latex)
                        break
                # the values the prose sets (x^{(i)}_0 = 1) hold for the repairs too, but
                # only when no repair holds without them: at the values of a numeric
                # example, 2ŷ − y and x(ŷ − y) may agree by chance
                made0, target0 = made, target  # (as they are, before the conditions)
                latest = self._conditions_at(row) if out.correct_latex is None and tried else {}
                one = latest.get(COUNT, (0, None))[1] == 1  # "take n = 1": x^{(1)} is x
                if one:
                    made, target = (_one_sample(e.xreplace({COUNT: 1})) for e in (made, target))
                at = self._condition_values(latest, made, target)[0] if latest else {}
                if at:
                    target = _set_values(target, at)
                    found = next(((why, shown, renamed) for why, fixed, shown, renamed in tried
                                  if self._repaired(judge, fixed, target, at, one)), None)
                    if found is not None:
                        notes[:] = [n for n in notes if not n.startswith("no one-slip")]
                        out.correct_latex = self._fix(notes, *found, latex)
                if out.correct_latex is None:
                    # the row is the truth but for a short term or factor, or a name:
                    # L'' = 2Σx² for 2Σx² + 2λ (after the repairs at the prose's values)
                    found = self._from_difference(judge, expr, made0, target0, definitions)
                    if found is not None:
                        notes[:] = [n for n in notes if not n.startswith("no one-slip")]
                        out.correct_latex = self._fix(notes, found[0], found[1], [], latex)
        except OverBudget:
            notes.append(f"no one-slip repair found within {self.row_seconds:g} s")
        except _NoRepair:
            pass
        except Exception as e:  # a candidate the printer or SymPy cannot make: say so
            notes.append(f"no repair tried past an internal error ({_first(e)})")
        out.diagnosis = "; ".join(dict.fromkeys(notes)) or None
        return out


    def _from_difference(self, judge, expr, made, target, definitions):
        """``(why, repaired)`` from how the row ``expr`` (made true: ``made``) differs
        from ``target``, or None: by a short factor (a missing σ'(z) the factor pool
        did not hold), by one short term, written in the document's names
        (L'' = 2Σx² for 2Σx² + 2λ: "omits the term 2λ"), or, when that term has a
        factor u − v and v for u mends the row, by a name for another (x_2 where h_2
        belongs, which no renaming by the same letter finds)."""
        if not expr.free_symbols or sp.count_ops(made) + sp.count_ops(target) > _DIFFERENCE_OPS:
            return None  # arithmetic (a number's slip is no term), or too big to simplify
        def canonical(e):  # \sum_{i} and \sum_{_i}: one dummy for every single sum
            return e.replace(lambda x: isinstance(x, sp.Sum) and len(x.limits) == 1,
                             lambda x: sp.Sum(x.function.xreplace({x.limits[0][0]: INDEX}),
                                              (INDEX, *x.limits[0][1:])))
        named = {}
        for name in definitions:
            if isinstance(name, sp.Symbol):
                try:
                    body = judge.truth(name)
                except Exception:  # noqa: BLE001 - a name that cannot be made true folds nothing
                    continue
                if body != name and not body.is_Number:
                    named[body] = name
        try:
            ratio = _quotient(canonical(target), canonical(made)).xreplace(named)
        except Exception:  # noqa: BLE001 - no quotient to read
            ratio = None
        term = _difference(canonical(target), canonical(made)).xreplace(named)
        if term == 0 or term.has(D, sp.Derivative):
            return None
        try:
            factors = [f for g in sp.Mul.make_args(term) for f in sp.Mul.make_args(
                g.function if isinstance(g, sp.Sum) else g)]
            for f in factors:
                sides = [t for t in sp.Add.make_args(f) if is_name(t) or is_name(-t)]
                if f.is_Add and len(f.args) == 2 and len(sides) == 2:
                    u, v = sorted(sides, key=lambda t: not is_name(t))  # u − v
                    u, v = (u, -v) if is_name(u) else (-v, u)
                    for old, new in ((v, u), (u, v)):
                        fixed = expr.xreplace({old: new})
                        if fixed != expr and judge.agrees(judge.truth(fixed), target):
                            return f"{self.show(old)} where {self.show(new)} belongs", fixed
            if ratio is not None and not ratio.is_Number and not ratio.has(D, sp.Derivative, sp.Sum) \
                    and sp.count_ops(ratio) <= 8 and not any(  # (1/x_2: x_2 is the slip)
                        p.is_Pow and p.exp.is_negative and p.base in _names_of(expr)
                        for p in sp.Mul.make_args(ratio)) \
                    and judge.agrees(judge.truth(expr * ratio), target):
                return f"a missing factor {self.show(ratio)}", expr * ratio
            if not term.is_Add and sp.count_ops(term) <= 14 and \
                    judge.agrees(judge.truth(expr + term), target):
                return f"omits the term {self.show(term)}", expr + term
        except Exception:  # noqa: BLE001 - no repair to offer
            return None
        return None

    @staticmethod
    def _repaired(judge, fixed, target, at=None, one=False) -> bool:
        """Does the repair ``fixed`` make the row equal ``target`` (with the names of
        ``at`` set to their values; ``one``: at one sample, n = 1)?"""
        try:
            made = judge.truth(fixed)
            if one:
                made = _one_sample(made.xreplace({COUNT: 1}))
            return judge.agrees(_set_values(made, at or {}), target)
        except Exception:  # noqa: BLE001 - a repair SymPy cannot evaluate is no repair
            return False

    def _fix(self, notes, why, shown, renamed, latex) -> str:
        """The corrected row's LaTeX, with the slip ``why`` noted."""
        notes.append(why)
        return self.show(shown, latex.replace(*renamed[0]) if renamed else latex)

    def _repairs(self, parts, k, previous, definitions):
        r"""The one-slip repairs of row ``k`` as ``(why, repaired, as shown, *renamed)``:
        first those of the row as written (a sum over j whose j is free: \sum_j …
        x_{ij} for x_{ik}), its short sums written out for the check, then those
        of the row with its sums written out."""
        expr = parts[k][0]
        chain = [p[0] for p in parts]
        original = self.unwritten.get(id(expr))
        if original is not None:
            for why, fixed, *renamed in repairs(original, lhs=parts[0][0], previous=self.unwritten.get(id(previous), previous),
                                                definitions=definitions, chain=chain,
                                                index=INDEX, show=self.show):
                yield (why, None if fixed is None else written_out(fixed, counts=self.counts_given,
                                                             samples=self.sample_counts),
                       fixed, *renamed)
        for why, fixed, *renamed in repairs(expr, lhs=parts[0][0], previous=previous,
                                            definitions=definitions, chain=chain,
                                            index=INDEX, show=self.show):
            yield (why, fixed, fixed, *renamed)


class _NoRepair(Exception):
    """No one-slip repair can be told apart from any other."""


_MEAN = re.compile(r"(?:bar|overline)\{((?:[a-z](?:\^\{?\d\}?)?)+)\}")


def _mean_of(name, bases: dict, i):
    r"""What the mean ``name`` (\bar x, \overline{xy}, \overline{x^2}, \bar u) averages at
    sample ``i``: x[i], x[i] y[i], x[i]^2 for letters the document indexes by sample
    (``bases``: label → IndexedBase), u at a letter it does not; else None."""
    m = _MEAN.fullmatch(str(name)) if isinstance(name, sp.Symbol) else None
    if m is None:
        return None
    out = sp.Integer(1)
    for letter, power in re.findall(r"([a-z])(?:\^\{?(\d)\}?)?", m.group(1)):
        base = bases.get(letter)
        if base is None and len(m.group(1)) > 1:
            return None
        out *= (base[i] if base is not None else sp.IndexedBase(letter)[i]) ** int(power or 1)
    return out


def _rounding(expr) -> float:
    r"""How far the arithmetic ``expr`` can be from its exact value because the
    decimals it is written with are rounded: \frac{0.2450252 - 0.2550248}{0.02} is
    within 5·10⁻⁶ of the difference quotient it rounds. Literals with 3 or more
    decimals count (1/2 and 0.5 are taken as exact); 0 when there are none."""
    literals = {}
    for r in expr.atoms(sp.Rational):
        places = next((k for k in range(3, 13) if 10 ** k % int(r.q) == 0), None)
        if not r.is_Integer and places is not None and 10 ** (places - 1) % int(r.q):
            literals[r] = (sp.Dummy(), places)
    if not literals or expr.free_symbols:
        return 0.0
    general = expr.xreplace({r: d for r, (d, _) in literals.items()})
    back = {d: r for r, (d, _) in literals.items()}
    try:
        return float(sum(abs(sp.N(sp.diff(general, d).xreplace(back))) * 0.5 * 10.0 ** -k
                         for d, k in literals.values()))
    except (TypeError, ValueError):
        return 0.0


def _expand_outside_sums(expr):
    r"""``expr`` expanded, each sum kept whole (a step's gradient
    -\frac{α}{m} \sum (ŷ - y) x over α is -\frac{1}{m} \sum (ŷ - y) x, not two sums)."""
    sums = {s: sp.Dummy() for s in expr.atoms(sp.Sum)}
    return sp.expand(expr.xreplace(sums)).xreplace({v: s for s, v in sums.items()})


def _grounded(expr, definitions, seen=None) -> bool:
    """Is every ∂ that ``expr`` needs, through the definitions it uses, a
    derivative of something the document defines (not ∂C^{(3)} of an
    undefined C^{(3)}, whose value would be taken for 0)?"""
    seen = set() if seen is None else seen
    for d in expr.atoms(D):
        if is_name(d.expr) and d.expr != d.wrt and not defined(d.expr, definitions):
            return False
    for name, body in definitions.items():
        if name not in seen and (name in names_in(expr) or (isinstance(name, sp.Indexed) and any(
                isinstance(a, sp.Indexed) and a.base == name.base for a in expr.atoms(sp.Indexed)))):
            seen.add(name)
            if body.has(D) and not _grounded(body, definitions, seen):
                return False
    return True


def _index_letters(name: str) -> set:
    """The general index letters a name is written with: j, k of w_{jk}, l of a^{(l)}
    (not the letters of a word, J_{ridge})."""
    stem, hat, top = name.partition("^")
    m, label = SCRIPTED.fullmatch(stem), LABEL.fullmatch(top) if hat else None
    out = set(re.findall(r"[a-z]", m.group(2))) if m and len(
        re.findall(r"[A-Za-z]", m.group(2))) <= 2 else set()
    return out | ({label.group(2)} if label else set())


def _feature_past(v, d: int) -> bool:
    """Is ``v`` a feature entry past the d-th (θ_3, x[i, 3] for d = 2)?"""
    if isinstance(v, sp.Indexed):
        last = v.indices[-1]
        return len(v.indices) >= 2 and last.is_Integer and d < int(last) <= FEATURES
    m = re.fullmatch(r"[^_^]+_\{?(\d)\}?", str(v)) if isinstance(v, sp.Symbol) else None
    return bool(m) and d < int(m.group(1)) <= FEATURES


def _concerns(why: str, latex: str) -> bool:
    """Is the ambiguity ``why`` found on a row about this piece of it (``u(…)``
    or the word it names, written in ``latex``)? Words in prose concern every piece."""
    m = re.match(r"(\\?[A-Za-z]+)(\(…\))? could be", why)
    if m is None:
        return True
    name = re.escape(m.group(1))
    return bool(re.search(rf"(?<![A-Za-z\\]){name}\s*(?:\\left\s*)?\(" if m.group(2)
                          else rf"(?<![A-Za-z\\]){name}(?![A-Za-z])", latex))


def _generalised(term, at: dict, general):
    """``term``, worked out for one case of a general row (``at``: j → 1), written
    for the general indices again: λ w_1 → λ w_j, x[i, 1] → x[i, j]. Only the
    names ``general`` (the row) could make are taken back."""
    if not at:
        return term
    back, letters = {}, {}
    for v in general.free_symbols | general.atoms(sp.Indexed):
        if isinstance(v, sp.Symbol) and v.name in at:
            letters[v.name] = v
    names = {str(v) for v in general.free_symbols if isinstance(v, sp.Symbol)}
    for s in term.free_symbols:
        if not isinstance(s, sp.Symbol):
            continue
        m = re.fullmatch(r"(.+?)_\{?(\d)\}?(\^.*)?", s.name)
        for letter, value in at.items():
            if m and int(m.group(2)) == value:
                candidate = f"{m.group(1)}_{letter}{m.group(3) or ''}"
                if candidate in names or instantiate(sp.Symbol(candidate), at) == s:
                    back[s] = sp.Symbol(candidate)
                    break
    out = term.xreplace(back)
    for letter, value in at.items():
        index = letters.get(letter)
        if index is None:
            continue
        out = out.replace(lambda e: isinstance(e, sp.Indexed) and sp.Integer(value) in e.indices,
                          lambda e: e.base[tuple(index if j == value else j for j in e.indices)])
    return out


def _count_factor(fixed, expr) -> bool:
    """Is ``fixed`` ``expr`` times a number or a power of the sample count (1/n, 2/n)?"""
    if fixed is None:
        return False
    ratio = fixed / expr
    return not ratio.has(sp.Sum) and {str(v) for v in ratio.free_symbols} <= {"n", "m", "N"}


def _one_sum(e):
    """``(c, Σ f)`` for ``e`` = c·Σ f, a product with one sum; else None."""
    sums = [f for f in sp.Mul.make_args(e) if isinstance(f, sp.Sum)]
    if len(sums) != 1:
        return None
    return sp.Mul(*[f for f in sp.Mul.make_args(e) if f is not sums[0]]), sums[0]


def _quotient(a, b):
    """a / b, cancelled; for c·Σ f and d·Σ g over the same range, (c/d)·(f/g), the
    summands' quotient (SymPy does not divide one sum by another)."""
    pa, pb = _one_sum(a), _one_sum(b)
    if pa and pb and pa[1].limits == pb[1].limits:
        return sp.factor(sp.cancel(pa[0] / pb[0] * pa[1].function / pb[1].function))
    return sp.factor(sp.cancel(a / b))


def _difference(a, b):
    """a − b, factored; for c·Σ f and c·Σ g over the same range, c·Σ (f − g)."""
    pa, pb = _one_sum(a), _one_sum(b)
    if pa and pb and pa[1].limits == pb[1].limits and sp.cancel(pa[0] - pb[0]) == 0:
        inner = sp.factor(sp.cancel(pa[1].function - pb[1].function))
        return pa[0] * sp.Sum(inner, *pa[1].limits) if inner != 0 else sp.Integer(0)
    out = sp.factor(sp.cancel(a - b))
    return sp.factor(sp.simplify(out)) if sp.count_ops(out) <= 40 else out


def _names_of(expr) -> set:
    """The names (symbols and entries) ``expr`` uses."""
    return expr.free_symbols | expr.atoms(sp.Indexed)


def _reparametrised(before, call) -> bool:
    """Is ``call`` (p(y, μ)) the law ``before`` (p(y, θ)) written with another
    parameter: the same function of as many plain variables, not all the same?"""
    return before is not None and isinstance(call, AppliedUndef) \
        and call.func == before.func and len(call.args) == len(before.args) \
        and all(isinstance(a, sp.Symbol) for a in call.args + before.args) \
        and call.args != before.args


def _set_values(expr, at: dict):
    """``expr`` with the names of ``at`` set to their values; a sample's entry set in
    general (x^{(i)}_0 = 1) is set for every sample, whatever a sum calls its index."""
    def pattern(a):  # x[i, 1] of every sample i: (x, (None, 1))
        return a.base, tuple(k if k.is_Integer else None for k in a.indices)
    general = {pattern(a): v for a, v in at.items() if isinstance(a, sp.Indexed)
               and any(isinstance(k, sp.Symbol) for k in a.indices)}
    out = expr.xreplace(at)
    if any(isinstance(a, sp.Indexed) and all(k.is_Integer for k in a.indices) for a in at):
        # Σ_{i=1}^{n} (1 - y_i) x_i at n = 4 and the y_i, x_i the text gives: written out
        short = lambda e: (isinstance(e, sp.Sum) and all(  # noqa: E731
            lo.is_Integer and hi.is_Integer and hi - lo < 50 for _, lo, hi in e.limits))
        out = out.replace(short, lambda e: e.doit()).xreplace(at)
    if general:
        out = out.replace(lambda e: isinstance(e, sp.Indexed) and pattern(e) in general
                          and not all(k.is_Integer for k in e.indices),
                          lambda e: general[pattern(e)])
    return out


def _expanded(latex, notation) -> str:
    """``latex`` with the document's macros expanded ("" if that fails)."""
    try:
        return expand_macros(latex, notation.macros)
    except LatexParseError:
        return ""


def _xreplace(expr, at):
    return expr.xreplace(at)


def _first(error) -> str:
    return next((t for t in str(error).splitlines() if t.strip()), type(error).__name__)


