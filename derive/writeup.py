"""Whole documents: a model's derivations written up as lecture notes.

:func:`document` assembles the sections (model and diagram, adjoints, one
section per parameter with every step, a summary, the verification note) as
LaTeX or Markdown; :func:`diagram` draws the network in tikz the way grad.tex
does; :func:`build_pdf` compiles a ``.tex`` file with latexmk or pdflatex.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import unicodedata
from itertools import accumulate
from pathlib import Path

import sympy as sp

from .errors import DeriveError, LatexBuildError, ToolMissingError, where
from .latex import MACROS, STYLES, align, definitions, latex, lhs, lines

FORMATS = ("tex", "md")
ENGINES = ("latexmk", "pdflatex")
INSTALL = ("install TeX Live: apt-get install texlive-latex-base texlive-latex-extra "
           "texlive-pictures (latexmk is optional)")
SPACING = 2.5      # cm between layers: grad.tex's 2.0 lets w^{(l)} touch the circles
PAGE_WIDTH = 12.0  # cm a diagram may take before it is scaled down (article's \textwidth)

# -- prose: descriptions and reports are Unicode; pdflatex without inputenc tricks is not
_MATH = {"σ": r"\sigma", "Σ": r"\sum", "∑": r"\sum", "−": "-", "–": "-", "·": r"\cdot",
         "×": r"\times", "≥": r"\geq", "≤": r"\leq", "≠": r"\neq", "≈": r"\approx",
         "→": r"\to", "∂": r"\partial", "ℓ": r"\ell", "ε": r"\epsilon", "η": r"\eta",
         "λ": r"\lambda", "θ": r"\theta", "δ": r"\delta", "α": r"\alpha", "β": r"\beta",
         "μ": r"\mu", "∞": r"\infty", "⊙": r"\odot", "…": r"\ldots", "⁰": "^{0}", "ŷ": r"\hat{y}",
         "¹": "^{1}", "²": "^{2}", "³": "^{3}", "ᵀ": "^{T}"}
_TEXT_ESCAPES = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "#": r"\#", "$": r"\$",
                 "%": r"\%", "&": r"\&", "_": r"\_", "^": r"\textasciicircum{}",
                 "~": r"\textasciitilde{}", "<": r"\textless{}", ">": r"\textgreater{}",
                 "|": r"\textbar{}"}
_MD_SPECIAL = set("\\`*_[]<>#|$~")


def _clauses(text):
    """Split at ', ', '; ', ': ' outside brackets: ``[(clause, separator), …]``."""
    out, depth, start, k = [], 0, 0, 0
    while k < len(text):
        c = text[k]
        depth += (c in "([{") - (c in ")]}")
        if c in ",;:" and depth <= 0 and text[k + 1:k + 2] == " ":
            out.append((text[start:k], c + " "))
            start = k = k + 2
            continue
        k += 1
    return out + [(text[start:], "")]


def _split_words(clause):
    """``(words before, formula, words after)``: "the fit of y = a·x on (0, 1)" →
    ("the fit of ", "y = a·x", " on (0, 1)"). A word is two or more letters with
    nothing else (of, the, slides'); a formula never starts or ends with one."""
    tokens = clause.split(" ")
    if "=" not in clause:
        return "", clause, ""
    first_eq = next(k for k, t in enumerate(tokens) if "=" in t)
    word = lambda t: len(t.rstrip("'")) >= 2 and t.rstrip("'").isalpha() \
        and t.rstrip("'").islower() and t.isascii()  # noqa: E731
    start = first_eq
    while start > 0 and not word(tokens[start - 1]):
        start -= 1
    end = first_eq + 1
    while end < len(tokens) and not word(tokens[end]):
        end += 1
    before = " ".join(tokens[:start]) + (" " if start else "")
    after = (" " if end < len(tokens) else "") + " ".join(tokens[end:])
    return before, " ".join(tokens[start:end]), after


def _as_math(clause):
    """LaTeX math for a clause that reads as a formula (it has '='), else None.

    Only a conservative shape is accepted (balanced braces, no user macros, no
    double scripts), so what becomes math cannot break the build."""
    if "=" not in clause or any(c in clause for c in "\\#$%&~"):
        return None
    tex = "".join(_MATH.get(c, c) + (" " if re.fullmatch(r"\\[A-Za-z]+", _MATH.get(c, "")) else "")
                  for c in clause.strip())
    tex = re.sub(r"\^\((\w+)\)", r"^{(\1)}", tex)  # h^(k): a layer label, as the notes write it
    # names of several letters read as one name (SSR), functions by their name (softplus)
    tex = re.sub(r"(?<![\\A-Za-z])(softplus|sigmoid|relu|ReLU)(?![A-Za-z])", r"\\operatorname{\1}",
                 tex)
    tex = re.sub(r"(?<![\\A-Za-z{])([A-Z]{2,}[A-Za-z]*)(?![A-Za-z])", r"\\mathrm{\1}", tex)
    depths = list(accumulate((c == "{") - (c == "}") for c in tex)) or [-1]
    atom = r"(?:[A-Za-z0-9]|\{[^{}]*\}|\\[A-Za-z]+ ?)"
    if not tex.isascii() or min(depths) < 0 or depths[-1] or ("'" in tex and "^" in tex) \
            or re.search(rf"[_^](?![A-Za-z0-9{{(\\])|_{atom}_|\^{atom}\^", tex):
        return None
    return re.sub(" +", " ", tex.strip())


def _text_char(c, fmt):
    if fmt == "md":
        return "\\" + c if c in _MD_SPECIAL else c
    if c in _TEXT_ESCAPES:
        return _TEXT_ESCAPES[c]
    if ord(c) < 128:
        return c
    if c in _MATH:
        m = _MATH[c]
        return rf"\textsuperscript{{{m[2:-1]}}}" if m.startswith("^") else rf"\ensuremath{{{m}}}"
    # é → e; anything without an ASCII form is marked rather than crashing pdflatex
    folded = unicodedata.normalize("NFKD", c).encode("ascii", "ignore").decode()
    return "".join(_TEXT_ESCAPES.get(f, f) for f in folded) or "?"


def prose(text, fmt="tex", sentence=True):
    """Plain text as safe LaTeX (or Markdown): formulas in ``$…$``, the rest escaped.

    With ``sentence``, it gets a capital first letter (unless it starts with
    a formula) and a full stop at the end."""
    text = " ".join(str(text).split())
    out = []
    for k, (clause, sep) in enumerate(_clauses(text)):
        lead = clause[:len(clause) - len(clause.lstrip())]
        before, formula, after = _split_words(clause.strip())
        math = _as_math(formula)
        if not math:
            before, after = "", ""
        text_part = before if math else clause
        if sentence and k == 0 and text_part[:1].isascii() and text_part:
            text_part = text_part[:1].upper() + text_part[1:]
        if math:
            out.append(lead + "".join(_text_char(c, fmt) for c in text_part) + f"${math}$"
                       + "".join(_text_char(c, fmt) for c in after))
        else:
            out.append("".join(_text_char(c, fmt) for c in text_part))
        out.append(sep)
    return "".join(out) + ("." if sentence and text and text[-1] not in ".!?" else "")


# -- the network's graph ---------------------------------------------------

def _graph(model):
    """``(nodes, edges)``: nodes are dicts (name, label, kind, depth), edges
    ``(src, dst, label)``; names are LaTeX, labels None for a bare arrow."""
    data, targets = set(model.data), [t for t, _ in model.intermediates]
    tset = set(targets)

    def key(atom):
        return str(atom.base) if isinstance(atom, sp.Indexed) else str(atom)

    def inputs(expr):
        found = {a for a in expr.atoms(sp.Indexed) if a.base in data or a in tset}
        found |= {s for s in expr.free_symbols if s in tset}
        return sorted(found, key=lambda a: (a not in tset, key(a)))

    nodes, edges, depth = {}, {}, {}

    def add(k, label, kind, d):
        nodes.setdefault(k, {"name": model.latex(k) if k != "@cost" else model.cost_name,
                             "label": label, "kind": kind, "depth": d})

    for target, body in model.intermediates:
        func, arg = (body.func, body.args[0]) if isinstance(body, sp.Function) \
            and len(body.args) == 1 else (None, body)
        bias, used = [], inputs(body)
        for a in used:
            if a not in tset:
                add(key(a), None, "input", 0)
        for term in sp.Add.make_args(arg):
            ins = inputs(term)
            if not ins:
                bias.append(term)
            elif len(ins) == 1 and ins[0] in sp.Mul.make_args(term):
                rest = term / ins[0]
                edges.setdefault((key(ins[0]), key(target)), []).append(
                    None if rest == 1 else latex(rest, model=model))
            else:  # not input·weight: still an arrow, without a label
                for a in ins:
                    edges.setdefault((key(a), key(target)), [])
        parts = [_activation(func)] if func is not None else []
        parts += [latex(sp.Add(*bias), model=model)] if bias else []
        depth[target] = 1 + max((depth.get(a, 0) for a in used), default=0)
        add(key(target), ", ".join(parts) or model.latex(key(target)), "neuron", depth[target])
    cost_data = [a for a in sorted(model.cost.atoms(sp.Indexed), key=key)
                 if a.base in data and key(a) not in nodes]
    if targets:
        sinks = [t for t in targets if t in inputs(model.cost)] or targets[-1:]
        outs = [key(a) for a in cost_data] or ["@cost"]
        last = max(depth.values()) + 1
        for o in outs:
            add(o, None, "output", last)
            for s in sinks:
                edges.setdefault((key(s), o), [])
    else:  # the linear model: x → (w) → y, the data that multiplies a parameter is input
        params = set(model.params)
        ins = [a for a in cost_data if any(a in m.args and params & set(m.args)
                                           for m in model.cost.atoms(sp.Mul))]
        label = ", ".join(latex(p, model=model) for p in model.params)
        nodes["@model"] = {"name": label, "label": label, "kind": "neuron", "depth": 1}
        for a in cost_data:
            add(key(a), None, "input" if a in ins else "output", 0 if a in ins else 2)
            pair = (key(a), "@model") if a in ins else ("@model", key(a))
            edges.setdefault(pair, [])
    return nodes, {e: ", ".join(x for x in v if x) or None for e, v in edges.items()}


def _activation(func):
    named = {sp.tanh: r"\tanh", sp.exp: r"\exp", sp.log: r"\log"}
    return getattr(func, "latex_name", "") or named.get(func) \
        or rf"\operatorname{{{func.__name__}}}"


def diagram(model) -> str:
    """A tikzpicture of ``model``'s network, laid out by layer as in grad.tex.

    Inputs are the data columns that feed intermediates, each intermediate is a
    circle labelled with its activation and bias (``$\\sigma, b^{(1)}$``), each
    arrow with the weight that multiplies its input, and the output is the data
    column the cost compares with. A model without intermediates is drawn as
    x → (w) → y.

    Args:
        model: any :class:`~derive.models.Model`.

    Returns:
        The ``tikzpicture`` environment. Shapes it cannot lay out are drawn as
        a plain row of nodes; it never raises for a valid model.
    """
    try:
        nodes, edges = _graph(model)
    except Exception:  # the picture is decoration: an unforeseen shape must not stop a write-up
        names = [str(t.base if isinstance(t, sp.Indexed) else t) for t, _ in model.intermediates]
        nodes = {k: {"name": model.latex(k), "label": model.latex(k), "kind": "neuron",
                     "depth": d} for d, k in enumerate(names or model.param_names or ["C"])}
        edges = {}
    columns = {}
    for k, node in nodes.items():
        columns.setdefault(node["depth"], []).append(k)
    lo, hi = min(columns), max(columns)
    # circles grow with their label (softplus, b_1): space columns and rows to fit
    size = max(_width(n["label"] or n["name"]) for n in nodes.values())
    dx, dy = max(SPACING, size + 1.1), max(2.0, size + 0.3)
    scale = min(1.0, PAGE_WIDTH / (dx * (hi - lo) + size))
    opts = f"[scale={scale:.2f}, every node/.style={{transform shape}}]" if scale < 1 else ""
    out, ids = [rf"\begin{{tikzpicture}}{opts}"], {}
    for d in sorted(columns):
        col = columns[d]
        for row, k in enumerate(col):
            ids[k] = f"n{len(ids)}"
            node = nodes[k]
            style = "[shape=circle,draw=black] " if node["kind"] == "neuron" else " "
            x, y = dx * (d - (lo + hi) / 2), dy * ((len(col) - 1) / 2 - row)
            text = node["label"] or node["name"]
            out.append(rf"\node{style}({ids[k]}) at ({round(x, 2):g}, {round(y, 2):g}) "
                       + (f"{{${text}$}};" if text else "{};"))
    for (src, dst), label in edges.items():
        mid = f"node[above] {{${label}$}} " if label else ""
        out.append(rf"\path[->] ({ids[src]}) edge {mid}({ids[dst]});")
    return "\n".join(out + [r"\end{tikzpicture}"])


def _width(label):
    """Roughly how wide (cm) a node label is typeset: one glyph per command."""
    text = re.sub(r"\\operatorname\{(\w+)\}", r"\1", label or "")
    glyphs = re.sub(r"\\[A-Za-z]+", "x", text).translate({ord(c): None for c in " {}^_"})
    return 0.17 * len(glyphs) + 0.4


def _layers(model):
    """The network as Markdown list items, for renderers without tikz."""
    try:
        nodes, edges = _graph(model)
    except Exception:  # as in diagram(): never let the picture stop a write-up
        return []
    items = ["The network, layer by layer:"]
    for k, n in sorted(nodes.items(), key=lambda kn: kn[1]["depth"]):
        ins = [f"${nodes[s]['name']}$" + (f" (weight ${w}$)" if w else "")
               for (s, t), w in edges.items() if t == k]
        head = {"input": "input", "output": "output", "neuron": "unit"}[n["kind"]]
        head += f" ${n['name']}$" + (f" (${n['label']}$)" if n["label"] not in (None, n["name"])
                                     else "")
        items.append(f"- {head}" + (f" from {', '.join(ins)}" if ins else ""))
    return items


# -- the document ----------------------------------------------------------

def _blocks(derivs, style):
    """The document as ``(kind, content)`` blocks, the same for every format."""
    if getattr(derivs, "mode", None) == "matrix":
        from .mlp import blocks
        return blocks(derivs, style)
    model = derivs.model
    out = [("h", "Model"), ("prose", model.description), ("diagram", None),
           ("math", definitions(model, style=style))]
    if model.is_per_sample():
        out.append(("p", "Throughout, $n$ is the number of samples in the training set "
                         "and $i$ runs over them."))
    if derivs.adjoints:
        first = derivs.adjoints[0]
        loss = r"\ell_i" if model.is_per_sample() else r"\ell"
        example = latex(first.of, model=model)
        out += [("h", "Adjoints"), ("p", (
            f"The gradients are derived in reverse mode. Write ${loss}$ for the per-sample "
            f"loss, the summand of ${model.cost_name}$; the adjoint of an intermediate $v$, "
            rf"written $\bar{{v}}$, is the derivative of ${loss}$ by $v$ (so "
            rf"${lhs(first, derivs, style)}$ is that by ${example}$), and each "
            "is derived once, from the output back, from the adjoints of the intermediates "
            "that use it."))]
        out += [("math", lines(d, derivs, style=style, steps=True)) for d in derivs.adjoints]
    for name, d in derivs.gradients.items():
        out += [("h", f"Partial derivative with respect to ${model.latex(name)}$"),
                ("math", lines(d, derivs, style=style, steps=True))]
    # the final adjoints too: the gradients of a reverse-mode model are written with them
    rows = [r for d in (*derivs.adjoints, *derivs.gradients.values())
            for r in lines(d, derivs, style=style)]
    out += [("h", "Summary"), ("math", rows)]
    if derivs.report is not None:
        out.append(("note", derivs.report.summary()))
    return out


def _renderers(fmt, model):
    """kind → function turning a block's content into text in ``fmt``."""
    if fmt == "md":
        return {"h": "## {}".format, "p": str, "prose": lambda t: prose(t, "md"),
                "math": lambda rows: "$$" + align(rows, "aligned") + "$$",
                "diagram": lambda _: ("" if getattr(model, "widths", None) is not None
                                      else "\n".join(_layers(model))),
                "note": lambda t: f"**Verification.** {prose(t, 'md')}"}
    draw = diagram
    if getattr(model, "widths", None) is not None:
        from .mlp import diagram as draw
    return {"h": lambda t: rf"\section{{{t}}}", "p": str, "prose": prose, "math": align,
            "diagram": lambda _: "\\begin{center}\n" + draw(model) + "\n\\end{center}",
            "note": lambda t: rf"\paragraph{{Verification.}} {prose(t)}"}


def document(derivs, *, style="grad", fmt="tex", title=None) -> str:
    """A complete write-up of ``derivs``: model, diagram, every step, summary.

    Args:
        derivs: verified :class:`~derive.derivation.Derivations`.
        style: ``grad`` (grad.tex's macros, defined in the preamble),
            ``leibniz`` or ``expanded`` (a rule name beside every step).
        fmt: ``tex`` for a document pdflatex compiles, ``md`` for Markdown with
            ``$$\\begin{aligned}…\\end{aligned}$$`` blocks. Markdown renderers
            have no macros, so ``md`` always uses ``leibniz`` unless ``expanded``
            is asked for, and lists the layers instead of drawing them.
        title: the title; by default "Gradients of the <model> model".

    Returns:
        The document text.

    Raises:
        ValueError: unknown ``style`` or ``fmt``.
    """
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; choose one of {', '.join(STYLES)}")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "md":
        style = "expanded" if style == "expanded" else "leibniz"
    model = derivs.model
    title = prose(title or f"Gradients of the {model.name} model", fmt, sentence=False)
    render = _renderers(fmt, model)
    body = [render[kind](content) for kind, content in _blocks(derivs, style)]
    if fmt == "md":
        return "\n\n".join(x for x in [f"# {title}", *body] if x) + "\n"
    head = [r"\documentclass{article}", r"\usepackage{amsmath,amssymb,tikz}",
            # chain:3's steps fill pages: let long align blocks break across them
            r"\allowdisplaybreaks", *(MACROS if style == "grad" else ()),
            rf"\title{{{title}}}", r"\author{}", r"\date{}", r"\begin{document}", r"\maketitle"]
    return "\n".join([*head, *body, r"\end{document}"]) + "\n"


# -- compiling -------------------------------------------------------------

def require_engine(engine=None) -> list:
    """The command that builds PDFs here.

    Raises:
        ToolMissingError: neither latexmk nor pdflatex is installed (says how
            to install them); call it before writing anything.
    """
    return _command(engine)


def _command(engine):
    if engine is not None and engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    for name in ([engine] if engine else ENGINES):
        if shutil.which(name):
            flags = ["-interaction=nonstopmode", "-halt-on-error"]
            # -g: latexmk would skip an unchanged file whose last build failed, leaving no log
            return [name, "-pdf", "-g", *flags] if name == "latexmk" else [name, *flags]
    raise ToolMissingError(f"{engine or 'pdflatex'} not found; {INSTALL}")


def build_pdf(tex_path, *, engine=None, timeout=60) -> Path:
    """Compile ``tex_path`` to a PDF next to it.

    Args:
        tex_path: the ``.tex`` file; the build runs in its folder.
        engine: ``latexmk`` or ``pdflatex``; by default latexmk when it is
            installed, else pdflatex.
        timeout: seconds before the build is stopped.

    Returns:
        The path of the PDF, which exists.

    Raises:
        ToolMissingError: neither program (or the one asked for) is installed.
        LatexBuildError: the build failed (the message quotes the log's first
            ``!`` line and its ``l.<N>`` reference) or took too long.
        DeriveError: ``tex_path`` does not exist.
        ValueError: unknown ``engine``.
    """
    cmd = _command(engine)  # first, so a missing tool is reported before anything else
    tex = Path(tex_path)
    if not tex.is_file():
        raise DeriveError("LaTeX file not found", where=str(tex))
    folder, program = tex.resolve().parent, cmd[0]
    pdf, log = folder / f"{tex.stem}.pdf", folder / f"{tex.stem}.log"
    for old in (pdf, log):  # an earlier run's PDF or log must not pass for this one's
        old.unlink(missing_ok=True)
    proc = subprocess.Popen([*cmd, tex.name], cwd=folder, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            errors="replace", start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # latexmk's pdflatex child too
        proc.communicate()
        raise LatexBuildError(f"{program} did not finish within {timeout} s",
                              where=str(tex)) from None
    if proc.returncode == 0 and pdf.is_file():
        return pdf
    found = log.read_text(errors="replace").splitlines() if log.is_file() else []
    bang = next((k for k, ln in enumerate(found) if ln.startswith("!")), None)
    if bang is None:
        tail = " | ".join(output.strip().splitlines()[-3:])
        raise LatexBuildError(f"{program} failed (exit {proc.returncode}): {tail}",
                              where=str(tex))
    # TeX prints the offending input line as "l.<N> <text>" a few lines after the "!"
    ref = next((m for ln in found[bang:bang + 40] if (m := re.match(r"l\.(\d+).*", ln))), None)
    at = f" at {ref.group(0).strip()}" if ref else ""
    raise LatexBuildError(f"{program} failed: {found[bang].strip()}{at} (full log: {log.name})",
                          where=where(str(tex), int(ref.group(1)) if ref else None))
