"""What a row's text says before it is read as a formula.

Notes wrap their equations in prose conventions: ``δ := ∂L/∂z`` for a
definition, ``\\quad \\text{for } k = 1, 2, 3`` after a general rule,
``, \\qquad \\lambda > 0`` after a cost, ``z = (z_1, z_2)`` for a vector,
``\\lVert \\mathbf{w} \\rVert^2`` for its entries' squares, ``\\mathbb{1}[z > 0]``
for ReLU's derivative. :mod:`derive.check` asks these questions of a row's
LaTeX (and of a parsed row: its sums over a few named entries written out);
the answers are here, as plain functions.
"""

from __future__ import annotations

import dataclasses
import re

import sympy as sp

from .meaning import instantiate
from .models import i as INDEX
from .models import SAMPLE_COUNTS
from .models import n as COUNT

#: the count a sum over features \sum_{j=1}^{d} is written out for
FEATURES = 3
#: the indicator of a comparison: \mathbb{1}[z > 0], \mathbb{1}\big[z > 0\big], \mathbf{1}\{m_i < 1\}
INDICATOR = re.compile(r"\\(?:mathbb|mathbf|mathds|mathbbm)\s*\{\s*[1I]\s*\}\s*(?:\\[!,;]\s*)?(?:_\s*)?"
                       r"(?:\\(?:big|Big|bigl|Bigl|left)\s*)?(?:\[|\\\{|\()\s*(.+?)\s*"
                       r"(>|<|\\geq?(?![A-Za-z])|\\leq?(?![A-Za-z])|\\gt(?![A-Za-z])|\\lt(?![A-Za-z]))"
                       r"\s*([^\[\]{}()]+?)\s*(?:\\(?:big|Big|bigr|Bigr|right)\s*)?(?:\]|\\\}|\))")


def indicator(m) -> str:
    r"""``\mathbb{1}[z > 0]`` as the step function of z, ``\mathbb{1}[m_i < 1]`` as
    that of 1 - m_i: Heaviside of the side that must be positive."""
    a, rel, b = m.group(1), m.group(2), m.group(3).strip()
    more = rel in (">", r"\gt", r"\ge", r"\geq")
    if b == "0":
        return rf"\operatorname{{heaviside}}({a})" if more else rf"\operatorname{{heaviside}}(-({a}))"
    return (rf"\operatorname{{heaviside}}({a} - ({b}))" if more
            else rf"\operatorname{{heaviside}}({b} - ({a}))")


#: a sum over a mini-batch, \sum_{i \in B} or \sum_{i \in \mathcal{B}_t}, and its size |B|:
#: read as a sum over the batch's samples 1 … |B| (a count, like n)
BATCH_SUM = re.compile(r"\\sum_\{\s*([a-z])\s*\\in\s*(?:\\mathcal\s*\{\s*B\s*\}|\\mathcal\s*B|B)"
                       r"(?:_\{?t\}?)?\s*\}")
BATCH_SIZE = re.compile(r"(?:\\left\s*)?(?:\||\\lvert|\\vert)\s*(?:\\mathcal\s*\{\s*B\s*\}|\\mathcal\s*B|B)"
                        r"(?:_\{?t\}?)?\s*(?:\\right\s*)?(?:\||\\rvert|\\vert)")
#: one entry of a gradient: (\nabla_W J)_{kj}, \left[\nabla_{\theta} J\right]_j
GRADIENT_ENTRY = re.compile(r"(?:\\left\s*)?[(\[]\s*\\nabla_\s*(\{(?:[^{}]|\{[^{}]*\})*\}|\\?[A-Za-z]+)\s*"
                            r"([^()\[\]]+?)\s*(?:\\right\s*)?[)\]]\s*_\s*(\{[^{}]*\}|\w)")


def gradient_entry(m) -> str:
    r"""``(\nabla_W J)_{kj}`` as ``\frac{\partial J}{\partial W_{kj}}``."""
    by = m.group(1)[1:-1] if m.group(1).startswith("{") else m.group(1)
    at = m.group(3)[1:-1] if m.group(3).startswith("{") else m.group(3)
    return rf"\frac{{\partial {m.group(2)}}}{{\partial {by}_{{{at}}}}}"


#: a dot product of two vectors written whole: \theta^T x, w^\top x^{(i)}, \mathbf{w}^\top \mathbf{x}_i
DOT = re.compile(r"(\\(?:mathbf|bm)\s*\{\s*[a-z]\s*\}|\\boldsymbol\s*\{\s*\\?[a-z]+\s*\}|\\(?:theta|beta)|[wa])"
                 r"\s*\^\s*(?:\{\s*)?(?:T|\\top|\\intercal)(?![A-Za-z])(?:\s*\})?\s*"
                 r"(\\(?:mathbf|bm)\s*\{\s*[a-z]\s*\}|[xh])(\^\s*\{\s*\(\s*i\s*\)\s*\}|_\s*(?:\{\s*i\s*\}|i))?"
                 r"(?![A-Za-z_^])")


#: x, \mathbf{x}, with a sample index or none (the data of a dot product)
_DATA = r"(\\(?:mathbf|bm)\s*\{\s*x\s*\}|x)(\^\s*\{\s*\(\s*i\s*\)\s*\}|_\s*(?:\{\s*i\s*\}|i))?"
#: the same with the data first: x_i^\top w, (x^{(i)})^T \theta; the groups are the data
#: and its sample twice (in brackets, bare), then the weights
DOT_DATA_FIRST = re.compile(rf"(?:\(\s*{_DATA}\s*\)|{_DATA})"
                            r"\s*\^\s*(?:\{\s*)?(?:T|\\top|\\intercal)(?![A-Za-z])(?:\s*\})?\s*"
                            r"(\\(?:mathbf|bm)\s*\{\s*w\s*\}|\\boldsymbol\s*\{\s*\\?(?:theta|beta)\s*\}"
                            r"|\\(?:theta|beta)|w)(?![A-Za-z_^])")


def dot_sum(m, first: int = 1) -> str:
    r"""``\theta^T x^{(i)}`` as ``\sum_{q=1}^{d} \theta_q x^{(i)}_q`` (from 0 when the text
    sets x_0 = 1), in the document's entry-wise notation."""
    a, b, sample = m.group(1), m.group(2), m.group(3) or ""
    return _entry_sum(a, b, sample, first)


def data_first_sum(m, first: int = 1) -> str:
    r"""``x_i^\top w`` (:data:`DOT_DATA_FIRST`) as :func:`dot_sum` writes ``w^\top x_i``."""
    g = m.groups()
    return _entry_sum(g[4], g[0] or g[2], g[1] or g[3] or "", first)


def _entry_sum(a, b, sample, first) -> str:
    def bare(t):
        inner = re.fullmatch(r"\\(?:mathbf|boldsymbol|bm)\s*\{\s*(\\?[a-z]+)\s*\}", t)
        return inner.group(1) if inner else t
    a, b = bare(a), bare(b)
    if sample.startswith("^"):
        entry = f"{b}{sample}_q"
    elif sample:
        entry = f"{b}_{{iq}}"
    else:
        entry = f"{b}_q"
    return rf"\left(\sum_{{q={first}}}^{{d}} {a}_q {entry}\right)"


#: its norm: \lVert \mathbf{w} \rVert^2, \|\mathbf{w}\|_1, \left\| w \right\|_2^2
NORM = re.compile(r"(?:\\left\s*)?(?:\\lVert|\\Vert|\\\|)\s*(?:\\(?:mathbf|boldsymbol|vec|bm)\s*\{\s*"
                   r"([A-Za-z])\s*\}|([A-Za-z]))\s*(?:\\right\s*)?(?:\\rVert|\\Vert|\\\|)"
                   r"(?:_\{?([12])\}?)?(\^\{?2\}?)?")
#: rows longer than this (characters) are read as they are, without the closing-remark
#: and definition rewrites (their patterns would scan a megabyte row once per match)
TAIL = 4000
#: a closing condition: ", \qquad \lambda > 0", "\quad (w \neq 0)"
CLOSING_CONDITION = re.compile(r"[,;]?\s*\\q?quad\s*(?:\\text\s*\{[^{}]*\}\s*)?\(?[^=]*?(?:>|<|\\geq?|\\leq?|"
                        r"\\neq|\\ne(?![A-Za-z])|\\in(?![A-Za-z]))[^=]*?\)?\s*[.,;]?\s*$")
#: a closing sign, "… = 4n \sum_i (x_i - \bar x)^2 \ge 0": a remark on the last side
CLOSING_SIGN = re.compile(r"\s*(?:\\geq?|\\leq?|>|<|\\gt|\\lt)(?![A-Za-z])\s*0\s*[.,;]?\s*$")
#: a closing "\quad \text{for } k = 1, 2, 3" or ", \quad k = 1, 2": the values of an index
QUALIFIER = re.compile(r"(?:[,;]\s*|\\q?quad\s*|\\[,;]\s*)+(?:\\(?:text|mathrm|textrm)\s*"
                        r"\{\s*(?:for|for all|for each|for every|where|with)\s*\}\s*)?"
                        r"(?:\(\s*)?([a-z])\s*=\s*(\d+(?:\s*,\s*\d+)+)\s*\)?\s*[.,;]?\s*$")

def defined_as(row):
    """``row`` with each ``name := …`` written ``name = …`` when the name is not on
    its right (a definition); an update ``w := w - \\eta g`` stays as it is."""
    if ":=" not in row.latex and "coloneqq" not in row.latex or len(row.latex) > TAIL:
        return row
    text = row.latex

    def one(m):
        rest = text[m.end():]
        segment = re.split(r"\\q?quad(?![A-Za-z])|:=|\\coloneqq", rest)[0]
        return m.group(0) if m.group(1) in segment else f"{m.group(1)} ="

    latex = re.sub(r"((?<![\\A-Za-z])\\?[A-Za-z]+(?:\s*[_^](?:\{[^{}]*\}|[A-Za-z0-9]))*)\s*"
                   r"(?::=|\\coloneqq(?![A-Za-z]))", one, text)
    return row if latex == text else dataclasses.replace(row, latex=latex)


def tuple_row(latex: str):
    """``(name, [entries])`` of a row ``z = (z_1, z_2)`` (also ``^\\top``,
    ``\\in \\R^2`` after it), as LaTeX; None for any other row."""
    m = re.fullmatch(r"\s*([^=]+?)\s*=\s*(?:\\left\s*)?\((.*)\)\s*(?:\\right\s*)?"
                     r"(?:\^\s*\{?\s*(?:\\top|T)\s*\}?)?\s*(?:\\in\s*[^=]*)?[,.;]?\s*", latex, re.S)
    if not m or not balanced(m.group(2)):
        return None
    body = m.group(2)
    cuts = [-1] + _commas(body) + [len(body)]
    entries = [body[a + 1:b].strip() for a, b in zip(cuts, cuts[1:])]
    return (m.group(1).strip(), entries) if len(entries) > 1 and all(entries) else None


def norm_entries(m, vectors, entrywise=frozenset()) -> str:
    """The LaTeX of a vector's norm written with its entries: those the document
    spells out (w = (w_1, w_2)), or a sum over its d entries for a vector the
    document works with entry by entry (w_j); the norm as it was otherwise."""
    letter = m.group(1) or m.group(2)
    entries = vectors.get(letter)
    if not entries and letter in entrywise:
        if m.group(3) == "1":
            inner = rf"\sum_{{q=1}}^{{d}} |{letter}_q|"
            return rf"\left({inner}\right)" + ("^{2}" if m.group(4) else "")
        squares = rf"\sum_{{q=1}}^{{d}} {letter}_q^{{2}}"
        return rf"\left({squares}\right)" if m.group(4) else rf"\sqrt{{{squares}}}"
    if not entries:
        return m.group(0)
    if m.group(3) == "1":
        inner = " + ".join(f"|{e}|" for e in entries)
        return f"({inner})" + ("^{2}" if m.group(4) else "")
    squares = " + ".join(f"{e}^{{2}}" for e in entries)
    return f"({squares})" if m.group(4) else rf"\sqrt{{{squares}}}"


def written_out(expr, index=INDEX, counts=None, samples=SAMPLE_COUNTS):
    """Sums over a few named entries (``\\sum_{k=1}^{3} y_k \\log p_k``) written
    out, each entry the document's own name: y_1 \\log p_1 + …; entries with
    a sample index stay data (x_{i1} is x[i, 1]). A sum over features up to a
    count the document leaves open (``\\sum_{j=1}^{d} w_j x_{ij}``) is written
    out for d = :data:`FEATURES`, or for the value ``counts`` gives that count's name
    (the document's own "$d = 2$"): an identity in d holds there too. A sum over
    the sample index up to one of ``samples`` (n, m, or a batch's b) stays a sum."""
    def expand(s):
        # of a double sum \sum_i \sum_{k=1}^{3}, the short limits are written out
        short, kept = [], []
        for k, lo, hi in s.limits:
            if hi.is_Symbol and hi != COUNT and lo.is_Integer and (
                    k.name != index.name or hi.name not in samples):
                # (\sum_{i=1}^{d} w_{ji} x_i of one example: i runs over its d inputs)
                hi = sp.Integer((counts or {}).get(hi.name, FEATURES))
            if lo.is_Integer and hi.is_Integer and 0 <= hi - lo <= 12 and not any(
                    b.has(k) for lim in s.limits for b in lim[1:]):
                short.append((k, lo, hi))
            else:
                kept.append((k, lo, hi))
        if not short:
            return s
        terms = [s.function]
        for k, lo, hi in short:
            # x^{(i)}_j under a sum over j is sample i's x_j: its name takes the value too
            terms = [instantiate(t.xreplace({k: sp.Integer(v)}), {k.name: v})
                     for t in terms for v in range(lo, hi + 1)]
        body = sp.Add(*terms)
        return sp.Sum(body, *kept) if kept else body

    def name(e):
        stem, _, top = str(e.base).partition("^")
        v = "".join(map(str, e.indices))
        return sp.Symbol(f"{stem}_{v if len(v) == 1 else '{' + v + '}'}"
                         + (f"^{top}" if top else ""))

    def entry(e):  # x[1] is x_1, W[k, 1] is W_{k1} (a general k's); x[i, 1] stays data
        return isinstance(e, sp.Indexed) and any(j.is_Integer for j in e.indices) and all(
            j.is_Integer and 0 <= j < 10 or isinstance(j, sp.Symbol) and len(j.name) == 1
            and not j.is_integer for j in e.indices)

    if not expr.has(sp.Sum):
        return expr
    out = expr.replace(lambda e: isinstance(e, sp.Sum), expand)
    return out.replace(entry, name)


def is_constant(expr) -> bool:
    """Is ``expr`` one number, whatever the data (Σ_{i=1}^{n} 1 / n is)?"""
    expr = sp.sympify(expr)
    if expr.free_symbols and expr.has(sp.Sum):
        expr = expr.doit()
    return not expr.free_symbols


def is_list(latex: str) -> bool:
    """Does ``latex`` hold a comma outside every bracket (``z_1, z_2``, ``k = 1, 2, 3``)?"""
    inner = re.fullmatch(r"\s*(?:\\left\s*)?\((.*?)(?:\\right\s*)?\)\s*", latex, re.S)
    if inner and balanced(inner.group(1)):
        latex = inner.group(1)  # (y_1, y_2, y_3): a tuple
    # (", \qquad": two formulas side by side, read apart)
    return any(not re.match(r",\s*\\q?quad", latex[k:]) for k in _commas(latex))


def _commas(latex: str) -> list:
    """Where ``latex`` has a comma outside every bracket (``\\{`` counts, ``\\,`` is
    no comma)."""
    out, depth, k = [], 0, 0
    while k < len(latex):
        c = latex[k]
        if latex.startswith(("\\begin", "\\end"), k):  # \begin{cases} … , & z > 0 … \end{cases}
            depth += 1 if latex[k + 1] == "b" else -1
            k += 4
            continue
        if c == "\\":
            if latex[k + 1:k + 2] in "{}":
                depth += 1 if latex[k + 1] == "{" else -1
            k += 2 if latex[k + 1:k + 2] in "{},;!: " else 1
            continue
        depth += c in "{([" and 1 or (c in "})]" and -1 or 0)
        if c == "," and depth == 0:
            out.append(k)
        k += 1
    return out


def balanced(latex: str) -> bool:
    """Do the round brackets of ``latex`` pair up (none closes before it opens)?"""
    depth = 0
    for c in latex:
        depth += (c == "(") - (c == ")")
        if depth < 0:
            return False
    return depth == 0


def index_letter(latex: str) -> bool:
    """Is ``latex`` one index letter (``k``, ``j``)?"""
    return re.fullmatch(r"\s*[a-z]\s*", latex) is not None
