"""derive check on matrix notation: the mlp write-ups, and slips put into them."""

import re

import pytest

from derive.check import check_file
from derive.derivation import derive
from derive.matrix_check import ShapeError, Shapes, compare, read_matrix
from derive.errors import LatexParseError
from derive.models import get_model
from derive.writeup import document

SPECS = ["mlp:2,3,2", "mlp:2,3,1:sigmoid:mse", "mlp:2,3,2:relu,softmax",
         "mlp:2,4,1:tanh,sigmoid:mse", "mlp:3,4,4,2"]


def write_up(spec, style="grad"):
    return document(derive(get_model(spec)), style=style)


@pytest.mark.parametrize("style", ["grad", "leibniz", "expanded"])
@pytest.mark.parametrize("spec", SPECS)
def test_mlp_write_ups_check_clean(spec, style, tmp_path):
    path = tmp_path / "m.tex"
    path.write_text(write_up(spec, style))
    report = check_file(path)
    assert all(f.verdict == "correct" for f in report.findings), [
        (f.line, f.verdict, f.reason) for f in report.findings if f.verdict != "correct"]


SLIPS = [
    # the transpose forgotten: W δ for Wᵀ δ
    (r"(W^{(2)})^\top \delta^{(2)} \odot A^{(1)}", r"W^{(2)} \delta^{(2)} \odot A^{(1)}",
     "wrong"),
    # the mean's 1/m dropped: not one constant factor, since m varies
    (r"\frac{1}{m} (A^{(2)} - Y)", r"(A^{(2)} - Y)", "wrong"),
    # a wrong layer: δ^{(2)} where δ^{(1)} belongs
    (r"= \delta^{(1)} X^\top", r"= \delta^{(2)} X^\top", "wrong"),
    # σ' dropped
    (r"\odot A^{(1)} \odot (1 - A^{(1)})", r"\odot A^{(1)}", "wrong"),
    # a sign: Y - A for A - Y
    (r"\frac{1}{m} (A^{(2)} - Y)", r"\frac{1}{m} (Y - A^{(2)})", "factor"),
]


@pytest.mark.parametrize("old, new, verdict", SLIPS)
def test_one_slip_is_flagged_on_its_row(old, new, verdict, tmp_path):
    text = write_up("mlp:2,3,2")
    assert old in text
    line = text[:text.index(old)].count("\n") + 1
    path = tmp_path / "m.tex"
    path.write_text(text.replace(old, new, 1))
    found = check_file(path).findings
    flagged = [f for f in found if f.verdict in ("wrong", "factor")]
    assert [f.line for f in flagged if f.origin] == [line]
    assert next(f for f in flagged if f.line == line).verdict == verdict
    # later rows of the same chain only carry it
    assert all(f.diagnosis.startswith("carries") for f in flagged if f.line != line)


@pytest.mark.parametrize("tex, why", [
    (r"W \star X", r"\star is not read"),
    (r"\mathbf{w} X", r"only \mathbf{1}"),
    (r"(W X", "expected )"),
    (r"A^{x}", "a power must be a whole number"),
])
def test_unreadable_matrix_rows_say_why(tex, why):
    with pytest.raises(LatexParseError, match=re.escape(why)):
        read_matrix(tex)


def test_a_derivative_of_a_vector_by_one_entry_is_not_a_shape_slip(tmp_path):
    # ∂/∂w_k of wᵀx_i is x_ik, entry by entry; the matrix reader cannot take the
    # derivative of a vector by one entry, and that is its limit, not the document's
    # slip (held-out set 13, document 02, line 19 was a false alarm "the shapes do not fit")
    path = tmp_path / "ridge.md"
    path.write_text(
        "The prediction is $\\hat{y}_i = w^\\top x_i = \\sum_{j=1}^{d} w_j x_{ij}$ and\n\n"
        "$$J(w) = \\frac{1}{n} \\sum_{i=1}^{n} ( w^\\top x_i - y_i )^2 .$$\n\n"
        "One fact: $\\frac{\\partial}{\\partial w_k} w^\\top x_i = x_{ik}$.\n")
    row = next(f for f in check_file(path).findings if f.line == 5)
    assert row.verdict == "correct", (row.verdict, row.reason)


def test_a_product_whose_sizes_do_not_fit_is_a_shape_error():
    # W V with W and V of unrelated shapes: in the draws where the inner sizes differ
    # the reader raises ShapeError naming them (judge_chains makes that a wrong row);
    # numpy's own errors are never taken for the document's slip
    named = []
    for seed in range(0, 30, 3):
        try:
            compare(read_matrix("W V"), read_matrix("V W"), Shapes(), {}, seed)
        except ShapeError as e:
            named.append(str(e))
    assert named and all(re.fullmatch(r"a product's inner sizes are \d and \d", n)
                         for n in named), named
