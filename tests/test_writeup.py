"""Whole write-ups: document structure, the network diagram, Markdown, and PDF builds."""

import importlib
import re
import shutil
from functools import lru_cache

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from derive.derivation import derive
from derive.errors import LatexBuildError, ToolMissingError
from derive.functions import softplus
from derive.models import Model, get_model, i, mean
from derive.writeup import build_pdf, diagram, document, prose

# the module itself: the attribute derive.writeup is also a function in derive/__init__.py
writeup = importlib.import_module("derive.writeup")

needs_pdflatex = pytest.mark.skipif(shutil.which("pdflatex") is None,
                                    reason="pdflatex is not installed")
needs_latexmk = pytest.mark.skipif(shutil.which("latexmk") is None,
                                   reason="latexmk is not installed")


@lru_cache(maxsize=None)
def derived(spec):
    return derive(get_model(spec))


def parallel_model(description="two softplus units in parallel, then a linear unit"):
    """A user model with two intermediates side by side (slide 004's network)."""
    x, y, h1, h2, o = (sp.IndexedBase(s) for s in ("x", "y", "h1", "h2", "o"))
    w1, w2, v1, v2, b1, b2, c = sp.symbols("w1 w2 v1 v2 b1 b2 c")
    return Model(
        name="parallel", params=(w1, w2, v1, v2, b1, b2, c), data=(x, y),
        intermediates=((h1[i], softplus(x[i] * w1 + b1)), (h2[i], softplus(x[i] * w2 + b2)),
                       (o[i], h1[i] * v1 + h2[i] * v2 + c)),
        cost=mean((o[i] - y[i]) ** 2), description=description)


def section(doc, title):
    """The text of one section, up to the next one or the end of the document."""
    start = doc.index(rf"\section{{{title}}}")
    end = doc.find(r"\section{", start + 1)
    return doc[start:end if end > 0 else len(doc)]


# -- the LaTeX document ------------------------------------------------------

NEURON_DIAGRAM = r"""\begin{tikzpicture}
\node (n0) at (-2.5, 1) {$x$};
\node (n1) at (-2.5, -1) {$y$};
\node[shape=circle,draw=black] (n2) at (0, 0) {$\sigma, b$};
\node (n3) at (2.5, 0) {$z$};
\path[->] (n0) edge node[above] {$w_1$} (n2);
\path[->] (n1) edge node[above] {$w_2$} (n2);
\path[->] (n2) edge (n3);
\end{tikzpicture}"""


def test_neuron_grad_document_golden_lines():
    doc = document(derived("neuron"))
    preamble, body = doc.split(r"\begin{document}")
    assert preamble.startswith("\\documentclass{article}\n\\usepackage{amsmath,amssymb,tikz}\n")
    assert "\\def\\pd[#1]{\\partial_{#1}}\n" in preamble
    assert "\\def\\avgsum[#1,#2]{\\frac{1}{#2}\\sum_{#1=1}^{#2}}\n" in preamble
    assert "\\title{Gradients of the neuron model}" in preamble
    assert body.lstrip().startswith("\\maketitle")
    assert doc.rstrip().endswith("\\end{document}")
    summary = section(doc, "Summary")
    assert ("\\pd[w_1] C &= \\avgsum[i, n] 2(a_i - z_i) a_i (1 - a_i) x_i \\\\\n"
            "\\pd[w_2] C &= \\avgsum[i, n] 2(a_i - z_i) a_i (1 - a_i) y_i \\\\\n"
            "\\pd[b] C &= \\avgsum[i, n] 2(a_i - z_i) a_i (1 - a_i)\n\\end{align}") in summary
    assert "\\paragraph{Verification.} Verified 3 partials" in summary
    model = section(doc, "Model")
    assert "\\begin{center}\n" + NEURON_DIAGRAM + "\n\\end{center}" in model
    assert "a_i &= \\sigma(x_i w_1 + y_i w_2 + b) \\\\\nC &= \\avgsum[i, n] (a_i - z_i)^2" in model
    assert "$n$ is the number of samples" in model
    # the description's σ, Σ, − and ² become math; nothing outside ASCII reaches pdflatex
    assert "$a_i = \\sigma (x_i w_1 + y_i w_2 + b)$" in model
    assert doc.isascii()


def test_every_step_of_each_parameter_in_its_own_section():
    derivs = derived("neuron")
    doc = document(derivs)
    assert doc.count("\\section{") == len(derivs.gradients) + 2  # + Model, Summary
    assert "\\section{Adjoints}" not in doc
    w2 = section(doc, "Partial derivative with respect to $w_2$")
    rows = re.search(r"\\begin\{align\}\n(.*?)\n\\end\{align\}", w2, re.S).group(1).split(" \\\\\n")
    assert len(rows) == len(derivs["w2"].steps) + 1
    assert rows[0] == "\\pd[w_2] C &= \\pd[w_2]\\left(\\avgsum[i, n] (a_i - z_i)^2\\right)"
    assert rows[-1] == "&= \\avgsum[i, n] 2(a_i - z_i) a_i (1 - a_i) y_i"


def test_reverse_mode_document_has_adjoints():
    derivs = derived("chain:6")
    assert derivs.adjoints
    doc = document(derivs, style="expanded")
    assert doc.count("\\section{") == len(derivs.gradients) + 3  # + Model, Adjoints, Summary
    adjoints = section(doc, "Adjoints")
    assert "written $\\bar{v}$, is the derivative of $\\ell_i$ by $v$" in adjoints
    assert adjoints.count("\\begin{align}") == len(derivs.adjoints)
    assert "\\bar{a}_i^{(5)} &= \\bar{a}_i^{(6)} \\partial_{a_i^{(5)}} a_i^{(6)}" in adjoints
    assert "&& \\text{sigmoid rule: } \\sigma' = \\sigma(1 - \\sigma)" in adjoints
    assert "\\section{Partial derivative with respect to $b^{(3)}$}" in doc
    assert "\\def\\pd" not in doc  # only the grad style uses the macros
    assert section(doc, "Summary").count("\\bar{a}_i^{(") >= len(derivs.adjoints)


def test_title_and_unknown_options():
    assert "\\title{Gradients of the chain:3 model}" in document(derived("chain:3"))
    assert "\\title{Notes, 50\\%}" in document(derived("twice"), title="Notes, 50%")
    with pytest.raises(ValueError, match="grad, leibniz, expanded"):
        document(derived("twice"), style="fancy")
    with pytest.raises(ValueError, match="tex, md"):
        document(derived("twice"), fmt="html")


# -- Markdown ---------------------------------------------------------------

def test_markdown_has_display_blocks_and_no_macros():
    md = document(derived("neuron"), fmt="md")  # grad asked for: leibniz given
    assert md.startswith("# Gradients of the neuron model\n")
    assert md.count("$$\\begin{aligned}") == md.count("\\end{aligned}$$") == 3 + 1 + 1
    assert "\\frac{\\partial C}{\\partial w_1} &= \\frac{1}{n} \\sum_{i=1}^{n} " \
           "2(a_i - z_i) a_i (1 - a_i) x_i" in md
    for tex_only in ("\\pd[", "\\avgsum", "\\def", "\\begin{align}", "tikzpicture", "\\section"):
        assert tex_only not in md
    assert "## Partial derivative with respect to $w_1$" in md
    assert "- unit $a$ ($\\sigma, b$) from $x$ (weight $w_1$), $y$ (weight $w_2$)" in md
    assert "- output $z$ from $a$" in md


def test_markdown_keeps_expanded_rule_names():
    md = document(derived("twice"), fmt="md", style="expanded")
    assert "&& \\text{power rule}" in md and "\\pd[" not in md


# -- the diagram -------------------------------------------------------------

def test_neuron_diagram_golden():
    assert diagram(get_model("neuron")) == NEURON_DIAGRAM


def test_chain_diagram_labels_every_layer():
    tikz = diagram(get_model("chain2"))
    assert "{$\\sigma, b^{(1)}$}" in tikz and "{$\\sigma, b^{(2)}$}" in tikz
    edges = re.findall(r"\\path\[->\] \((\w+)\) edge (?:node\[above\] \{\$(.*?)\$\} )?\((\w+)\);",
                       tikz)
    names = dict(re.findall(r"\((\w+)\) at \([^)]*\) \{\$(.*?)\$\}", tikz))
    assert [(names[a], lab, names[b]) for a, lab, b in edges] == [
        ("x", "w^{(1)}", "\\sigma, b^{(1)}"),
        ("\\sigma, b^{(1)}", "w^{(2)}", "\\sigma, b^{(2)}"),
        ("\\sigma, b^{(2)}", "", "y")]


def test_twice_diagram_is_the_linear_model():
    tikz = diagram(get_model("twice"))
    assert "[shape=circle,draw=black] (n1) at (0, 0) {$w$}" in tikz
    assert "(n0) at (-2.5, 0) {$x$}" in tikz and "(n2) at (2.5, 0) {$y$}" in tikz
    assert "\\path[->] (n0) edge (n1);\n\\path[->] (n1) edge (n2);" in tikz


def test_parallel_units_share_a_column():
    tikz = diagram(parallel_model())
    pos = {label: (float(x), float(y)) for x, y, label in
           re.findall(r"at \(([-\d.]+), ([-\d.]+)\) \{\$(.*?)\$\}", tikz)}
    h1, h2 = pos["\\operatorname{softplus}, b_1"], pos["\\operatorname{softplus}, b_2"]
    assert h1[0] == h2[0] and h1[1] > h2[1]
    assert pos["x"][0] < h1[0] < pos["c"][0] < pos["y"][0]
    for weight in ("w_1", "w_2", "v_1", "v_2"):
        assert f"node[above] {{${weight}$}}" in tikz


def test_diagram_falls_back_to_a_row_of_nodes(monkeypatch):
    def broken(model):
        raise TypeError("a shape the layout does not know")
    monkeypatch.setattr(writeup, "_graph", broken)
    tikz = diagram(get_model("chain2"))
    assert tikz.startswith("\\begin{tikzpicture}") and tikz.endswith("\\end{tikzpicture}")
    assert "{$a^{(1)}$}" in tikz and "{$a^{(2)}$}" in tikz and "edge" not in tikz


# -- prose is made safe for pdflatex -------------------------------------------

def test_prose_escapes_and_renders_formulas():
    assert prose("y = x·w, C(w) = (1/n) Σ (x_i w − y_i)²") == \
        "$y = x\\cdot w$, $C(w) = (1/n) \\sum (x_i w - y_i)^{2}$."
    assert prose("50% of {x} & $5 #1 ~ ^ \\input") == (
        "50\\% of \\{x\\} \\& \\$5 \\#1 \\textasciitilde{} \\textasciicircum{} "
        "\\textbackslash{}input.")
    assert prose("résumé ≥ 日本") == "Resume \\ensuremath{\\geq} ??."
    assert prose("a = b_i_j") == "A = b\\_i\\_j."  # a double subscript stays text


@given(st.text(max_size=40))
def test_prose_is_always_ascii_with_balanced_math(text):
    tex = prose(text)
    assert tex.isascii()
    assert tex.replace("\\$", "").count("$") % 2 == 0


# -- PDF builds ------------------------------------------------------------------

COMPILED = [("neuron", "grad"), ("neuron", "expanded"), ("chain2", "grad"),
            ("chain:3", "grad"), ("twice", "leibniz"), ("chain:6", "grad"),
            ("chain:6", "leibniz"), ("chain:6", "expanded")]


def assert_pdf(path):
    assert path.is_file() and path.read_bytes().startswith(b"%PDF")


@needs_pdflatex
@pytest.mark.parametrize("spec,style", COMPILED)
def test_writeup_compiles(tmp_path, spec, style):
    tex = tmp_path / f"{spec.replace(':', '-')}.tex"
    tex.write_text(document(derived(spec), style=style), encoding="utf-8")
    pdf = build_pdf(tex, engine="pdflatex")
    assert pdf == tex.with_suffix(".pdf")
    assert_pdf(pdf)


@needs_pdflatex
def test_user_model_with_unicode_description_compiles(tmp_path):
    model = parallel_model("odd & weird: 50% of {x}, résumé ≥ 日本, σ² → a_i = σ(x_i)")
    tex = tmp_path / "parallel.tex"
    tex.write_text(document(derive(model)), encoding="utf-8")
    assert_pdf(build_pdf(tex, engine="pdflatex"))


@needs_latexmk
def test_latexmk_is_the_default_engine(tmp_path):
    tex = tmp_path / "chain2.tex"
    tex.write_text(document(derived("chain2"), style="expanded"), encoding="utf-8")
    assert_pdf(build_pdf(tex))
    assert (tmp_path / "chain2.fdb_latexmk").is_file()  # latexmk's own record: it ran


BROKEN = "\\documentclass{article}\n\\begin{document}\nHello\n\\undefinedmacro\n\\end{document}\n"


@needs_pdflatex
def test_latex_error_names_the_line(tmp_path):
    tex = tmp_path / "broken.tex"
    tex.write_text(BROKEN)
    stale = tmp_path / "broken.pdf"
    stale.write_bytes(b"%PDF- an old build")
    with pytest.raises(LatexBuildError) as err:
        build_pdf(tex, engine="pdflatex")
    assert "! Undefined control sequence." in str(err.value)
    assert "l.4 \\undefinedmacro" in str(err.value)
    assert err.value.where == f"{tex}:4"
    assert not stale.exists()  # an earlier PDF must not look like this build's


@needs_latexmk
def test_latexmk_reports_the_error_again_for_an_unchanged_file(tmp_path):
    tex = tmp_path / "broken.tex"
    tex.write_text(BROKEN)
    for _ in range(2):  # latexmk alone would skip the second build and keep quiet
        with pytest.raises(LatexBuildError, match=r"! Undefined control sequence\. at l\.4"):
            build_pdf(tex, engine="latexmk")


@needs_pdflatex
def test_a_build_that_hangs_times_out(tmp_path):
    tex = tmp_path / "loop.tex"
    tex.write_text("\\documentclass{article}\n\\begin{document}\n\\def\\x{\\x}\\x\n"
                   "\\end{document}\n")
    with pytest.raises(LatexBuildError, match="did not finish within 2 s"):
        build_pdf(tex, engine="pdflatex", timeout=2)


def test_missing_tex_is_reported_with_install_hint(tmp_path, monkeypatch):
    tex = tmp_path / "x.tex"
    tex.write_text(BROKEN)
    monkeypatch.setenv("PATH", "")
    with pytest.raises(ToolMissingError, match="pdflatex not found; install TeX Live: apt-get"):
        build_pdf(tex)
    monkeypatch.undo()
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    with pytest.raises(ToolMissingError, match="latexmk not found"):
        build_pdf(tex, engine="latexmk")
    with pytest.raises(ValueError, match="latexmk, pdflatex"):
        build_pdf(tex, engine="xelatex")
