"""derive check on matrix notation: the mlp write-ups, and slips put into them."""

import re

import pytest

from derive.check import check_file
from derive.derivation import derive
from derive.matrix_check import read_matrix
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
