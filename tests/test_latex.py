"""Golden LaTeX for every model and style."""

import os
from pathlib import Path

import pytest
import sympy as sp

from derive.derivation import derive
from derive.functions import relu, sigmoid, softplus
from derive.latex import MACROS, NotesPrinter, latex, rule_tex, to_latex
from derive.models import get_model

GOLDEN = Path(__file__).parent / "golden"
MODELS = ["twice", "neuron", "chain2", "chain:3", "chain:5", "ssr-line", "softplus"]
STYLES = ["grad", "leibniz", "expanded"]


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("spec", MODELS)
def test_golden_derivations(spec, style):
    """Every step of every model in every style, pinned in tests/golden/.

    Set DERIVE_REGEN_GOLDEN=1 to rewrite the files after a deliberate change,
    then read the diff before committing it.
    """
    text = to_latex(derive(get_model(spec)), style=style, steps=True, macros=True) + "\n"
    path = GOLDEN / f"{spec.replace(':', '-')}-{style}.tex"
    if os.environ.get("DERIVE_REGEN_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_neuron_final_gradients_grad_style():
    assert to_latex(derive(get_model("neuron"))) == (
        "\\begin{align}\n"
        "\\pd[w_1] C &= \\avgsum[i, n] 2(a_i - z_i) a_i (1 - a_i) x_i \\\\\n"
        "\\pd[w_2] C &= \\avgsum[i, n] 2(a_i - z_i) a_i (1 - a_i) y_i \\\\\n"
        "\\pd[b] C &= \\avgsum[i, n] 2(a_i - z_i) a_i (1 - a_i)\n"
        "\\end{align}")


def test_neuron_steps_read_like_grad_tex():
    text = to_latex(derive(get_model("neuron"), wrt=["w1"]), steps=True)
    assert text.splitlines()[1:-1] == [
        r"\pd[w_1] C &= \pd[w_1]\left(\avgsum[i, n] (a_i - z_i)^2\right) \\",
        r"&= \avgsum[i, n] \pd[w_1]\left((a_i - z_i)^2\right) \\",
        r"&= \avgsum[i, n] 2(a_i - z_i) \pd[w_1]\left(a_i - z_i\right) \\",
        r"&= \avgsum[i, n] 2(a_i - z_i) \pd[w_1] a_i \\",
        r"&= \avgsum[i, n] 2(a_i - z_i) a_i (1 - a_i) \pd[w_1]\left(x_i w_1 + y_i w_2 + b\right) \\",
        r"&= \avgsum[i, n] 2(a_i - z_i) a_i (1 - a_i) x_i",
    ]


def test_twice_leibniz():
    assert to_latex(derive(get_model("twice")), style="leibniz") == (
        "\\begin{align}\n"
        "\\frac{\\partial C}{\\partial w} &= \\frac{1}{n} \\sum_{i=1}^{n} 2(x_i w - y_i) x_i\n"
        "\\end{align}")


def test_chain2_keeps_layers_named_and_in_chain_order():
    rows = to_latex(derive(get_model("chain2")), style="grad").splitlines()
    assert rows[1] == (r"\pd[w^{(1)}] C &= \avgsum[i, n] 2(a_i^{(2)} - y_i) a_i^{(2)} "
                       r"(1 - a_i^{(2)}) w^{(2)} a_i^{(1)} (1 - a_i^{(1)}) x_i \\")


def test_reverse_mode_prints_adjoints_first():
    rows = to_latex(derive(get_model("chain:5")), style="grad").splitlines()
    assert rows[1] == r"\bar{a}_i^{(5)} &= 2(a_i^{(5)} - y_i) \\"
    assert rows[2] == r"\bar{a}_i^{(4)} &= \bar{a}_i^{(5)} a_i^{(5)} (1 - a_i^{(5)}) w^{(5)} \\"
    assert rows[6] == (r"\pd[w^{(1)}] C &= \avgsum[i, n] \bar{a}_i^{(1)} a_i^{(1)} "
                       r"(1 - a_i^{(1)}) x_i \\")


def test_macros_are_grad_tex_s():
    text = to_latex(derive(get_model("neuron")), macros=True)
    assert text.splitlines()[:2] == list(MACROS)
    assert MACROS[0] == r"\def\pd[#1]{\partial_{#1}}"


def test_expressions():
    x, w = sp.symbols("x w")
    assert latex(sigmoid(x)) == r"\sigma(x)"
    assert latex(softplus(x) ** 2) == r"\operatorname{softplus}(x)^2"
    assert latex(relu(x)) == r"\operatorname{ReLU}(x)"
    assert latex(sp.exp(-x)) == r"e^{- x}"
    assert latex(1 / (1 + sp.exp(-x))) == r"\frac{1}{1 + e^{- x}}"
    assert latex(sp.log(x)) == r"\log(x)"
    assert latex(sp.sqrt(x ** 2 + sp.exp(x ** 2))) == r"\sqrt{x^2 + e^{x^2}}"
    assert latex(-2 * x * w) == r"- 2 w x"


def test_rule_names_become_latex():
    assert rule_tex("sigmoid rule: σ' = σ(1 − σ)") == r"\text{sigmoid rule: } \sigma' = \sigma(1 - \sigma)"
    assert rule_tex("power rule") == r"\text{power rule}"


def test_unknown_settings_and_styles_are_errors():
    with pytest.raises(TypeError):
        NotesPrinter({"colour": "red"})
    with pytest.raises(ValueError, match="unknown style 'fancy'"):
        NotesPrinter({"style": "fancy"})


def test_repr_latex_for_jupyter():
    text = derive(get_model("twice"))._repr_latex_()
    assert text.startswith("$$\\begin{aligned}") and text.endswith("\\end{aligned}$$")
