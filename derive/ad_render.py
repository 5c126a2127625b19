"""Rendering an AD walkthrough: terminal tables, LaTeX tables, tikz, documents.

One table model (:func:`_sections`) feeds both renderers, so the terminal and
the write-up always show the same rows.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import sympy as sp

from .ad import _OP_NAMES, Walkthrough, _float, _sym, _tex, _text, flops


@dataclass(frozen=True)
class _D:
    """A cell written one way in text and another in LaTeX."""

    text: str
    tex: str


@dataclass(frozen=True)
class _V:
    """A value: exact when short, and always approximately."""

    v: sp.Expr


def _cell(c, tex=False):
    """A cell as text, or as LaTeX for a tabular (math in $…$)."""
    show = _tex if tex else _text
    if isinstance(c, _D):
        return c.tex if tex else c.text
    if isinstance(c, _V):
        approx = (r"\approx " if tex else "≈ ") + format(_float(c.v), ".10g")
        exact = show(c.v)
        out = exact if c.v.is_Rational else approx if c.v.is_Float or len(exact) > 40 \
            else f"{exact} {approx}"
        return f"${out}$" if tex else out
    if isinstance(c, tuple):  # an equation
        out = " = ".join(show(p) for p in c)
        return f"${out}$" if tex else out
    if isinstance(c, sp.Basic):
        return f"${show(c)}$" if tex else show(c)
    return str(c)


def _sections(w):
    """(text title, LaTeX title, LaTeX prose, headers, rows) of each part."""
    D, c, d = len(w.nodes), w.counts, w.derivative
    x, X, at = _text(w.var), _tex(w.var), _tex(w.at)
    num, den = sp.fraction(sp.factor_terms(d.expr))
    dtex = rf"\displaystyle\frac{{{_tex(num)}}}{{{_tex(den)}}}" if den != 1 else _tex(num)
    sums = (r"\sum_{j \in \mathrm{pa}(i)} \frac{\partial g_i}{\partial x_j} \dot{x}_j",
            r"\sum_{i:\, j \in \mathrm{pa}(i)} \bar{x}_i \frac{\partial g_i}{\partial x_j}")
    counts = [[_D("f on the graph", "$f$ on the graph"), c.function],
              [_D("forward mode: f + tangents", "forward mode: $f$ + tangents"),
               f"{c.forward} = {c.function} + {c.tangents}"],
              [_D("reverse mode: f + adjoints", "reverse mode: $f$ + adjoints"),
               f"{c.reverse} = {c.function} + {c.adjoints}"],
              [_D("sympy.diff, as a tree", r"\texttt{sympy.diff} as a tree"), c.symbolic],
              [_D("sympy.diff, sympy.count_ops", r"\texttt{sympy.diff}, \texttt{count\_ops}"),
               c.count_ops]]
    if c.reuse is not None:
        counts.append([_D("sympy.diff reusing the nodes of f",
                          r"\texttt{sympy.diff} reusing the nodes of $f$"),
                       f"{c.reuse} (after the {c.function} of f)"])
    return [
        ("Computational graph: x_i = g_i(x_pa(i))", "Computational graph",
         rf"$f$ is evaluated as elementary operations $x_i = g_i(x_{{\mathrm{{pa}}(i)}})$: the "
         rf"input $x_1 = {X}$, then one node per operation in evaluation order. A "
         "subexpression that occurs more than once is one node, computed once.",
         ["i", _D("x_i = g_i", "$x_i = g_i$"), _D("pa(i)", r"$\mathrm{pa}(i)$"), "operation",
          "flops"],
         [[n.index, (_sym(n.index), n.g), ", ".join(map(str, n.parents)) or "-",
           _OP_NAMES.get(n.op, n.op), flops(n.g)] for n in w.nodes]),
        ("Forward mode: tangents ẋ_i = Σ_j ∂g_i/∂x_j ẋ_j, seeded with ẋ_1 = 1", "Forward mode",
         rf"Each node carries its value $v_i$ and its tangent $\dot{{x}}_i = {sums[0]}$, "
         rf"seeded with $\dot{{x}}_1 = 1$, at ${X} = {at}$; then $\dot{{x}}_{{{D}}} = df/d{X}$.",
         ["i", _D("v_i", "$v_i$"), "tangent", _D("ẋ_i", r"$\dot{x}_i$"), "flops"],
         [[r.index, _V(v), "seed" if r.index == 1 else (_sym(r.index, "dot"), r.formula),
           _V(r.value), r.flops] for r, v in zip(w.forward, w.values)]),
        (f"Reverse mode: adjoints x̄_j = Σ_(i: j ∈ pa(i)) x̄_i ∂g_i/∂x_j, seeded with x̄_{D} = 1",
         "Reverse mode",
         rf"The adjoints $\bar{{x}}_j = \partial f/\partial x_j = {sums[1]}$ are computed from "
         rf"the output back, seeded with $\bar{{x}}_{{{D}}} = 1$, with the values of the "
         rf"forward sweep; then $\bar{{x}}_1 = df/d{X}$.",
         ["j", "adjoint", _D("x̄_j", r"$\bar{x}_j$"), "flops"],
         [[r.index, "seed" if r.index == D else (_sym(r.index, "bar"), r.formula), _V(r.value),
           r.flops] for r in w.reverse]),
        ("Operation counts (flops: one per arithmetic operation or elementary function)",
         "Operation counts",
         r"One flop per arithmetic operation or elementary function ($x \cdot x$, $\exp$, $+$, "
         r"$\sqrt{\phantom{x}}$ each count 1); numbers are constants, and a sign that turns "
         r"$+$ into $-$ is free. The graph computes a shared subexpression once; the tree of "
         r"\texttt{sympy.diff} is counted as written, every repeat included.",
         ["", "flops"], counts),
        ("Derivative (sympy.diff)", "The derivative",
         rf"Both modes agree with \texttt{{sympy.diff}} at the point: {d.agreement}.",
         ["", ""],
         [[_D(f"df/d{x}", rf"$\displaystyle\frac{{df}}{{d{X}}}$"),
           _D(_text(sp.factor_terms(d.expr)), f"${dtex}$")],
          [_D(f"at {x} = {_text(w.at)}", f"at ${X} = {at}$"), _V(d.value)],
          [_D(f"forward mode ẋ_{D}", rf"forward mode $\dot{{x}}_{{{D}}}$"), _V(d.forward)],
          [_D("reverse mode x̄_1", r"reverse mode $\bar{x}_1$"), _V(d.reverse)],
          ["agreement", d.agreement]])]


def _width(s):
    return sum(not unicodedata.combining(ch) for ch in s)


def _table(headers, rows):
    """Columns padded to their widest cell; i, j and flops right-aligned."""
    widths = [max(_width(r[k]) for r in [headers, *rows]) for k in range(len(headers))]
    right = [h in ("i", "j", "flops") for h in headers]
    return [("  " + "  ".join(" " * (w - _width(c)) + c if r else c + " " * (w - _width(c))
                              for c, w, r in zip(row, widths, right))).rstrip()
            for row in [headers, *rows] if any(row)]


def _latex_block(w, section):
    _, title, _, headers, rows = section
    body = [" & ".join(_cell(h, True) for h in headers) + r" \\ \hline"] if any(headers) else []
    body += [" & ".join(_cell(c, True) for c in r) + r" \\" for r in rows]
    spec = "".join("r" if h in ("i", "j", "flops") else "l" for h in headers)
    out = "\n".join([r"\begin{center}", rf"\begin{{tabular}}{{{spec}}}", *body,
                     r"\end{tabular}", r"\end{center}"])
    if title == "Computational graph":
        out += "\n\\begin{center}\n" + diagram(w) + "\n\\end{center}"
    return out


def diagram(w: Walkthrough) -> str:
    """The computational graph as a tikzpicture: x_1 … x_D by depth, arrows from parents.

    Args:
        w: a :class:`Walkthrough`.

    Returns:
        The ``tikzpicture``, scaled down to fit a page.
    """
    depth, columns = {}, {}
    for n in w.nodes:
        depth[n.index] = 1 + max((depth[p] for p in n.parents), default=-1)
        columns.setdefault(depth[n.index], []).append(n.index)
    dx, dy = 2.2, 1.6
    scale = min(1.0, 12.0 / max(dx * max(columns), 1))
    opts = f", scale={scale:.2f}, every node/.append style={{transform shape}}" if scale < 1 else ""
    out = [rf"\begin{{tikzpicture}}[>=stealth, v/.style={{circle, draw, minimum size=8mm}}{opts}]"]
    for d, col in columns.items():
        for row, i in enumerate(col):
            op = _OP_NAMES.get(w.nodes[i - 1].op, w.nodes[i - 1].op)
            out.append(rf"\node[v, label={{below:{{\scriptsize {op}}}}}] (n{i}) at "
                       f"({dx * d:.2f}, {dy * ((len(col) - 1) / 2 - row):.2f}) {{$x_{{{i}}}$}};")
    for n in w.nodes:
        for p in sorted(set(n.parents)):
            # an arrow past a column would run through the nodes in it
            bend = " [bend left=35]" if depth[n.index] - depth[p] > 1 else ""
            out.append(rf"\draw[->] (n{p}) to{bend} (n{n.index});")
    return "\n".join(out + [r"\end{tikzpicture}"])


def document(w: Walkthrough) -> str:
    """A complete LaTeX document of the walkthrough, for pdflatex.

    Args:
        w: a :class:`Walkthrough`.

    Returns:
        The document, titled "Automatic differentiation of f(x) = …".
    """
    head = [r"\documentclass{article}", r"\usepackage{amsmath,amssymb,tikz}",
            rf"\title{{Automatic differentiation of $f({_tex(w.var)}) = {_tex(w.function)}$}}",
            r"\author{}", r"\date{}", r"\begin{document}", r"\maketitle"]
    body = [f"\\section{{{s[1]}}}\n{s[2]}\n\n{_latex_block(w, s)}" for s in _sections(w)]
    return "\n".join(head + body + [r"\end{document}"]) + "\n"


def text(w) -> str:
    """Aligned plain-text tables for a terminal."""
    x = _text(w.var)
    out = [f"Automatic differentiation of f({x}) = {_text(w.function)} at {x} = "
           f"{_text(w.at)}"]
    for title, _, _, headers, rows in _sections(w):
        out += ["", title, *_table([_cell(h) for h in headers],
                                   [[_cell(c) for c in r] for r in rows])]
    return "\n".join(out) + "\n"


def latex_blocks(w) -> str:
    """The walkthrough's tables as LaTeX ``tabular`` blocks."""
    return "\n\n".join(_latex_block(w, s) for s in _sections(w))
