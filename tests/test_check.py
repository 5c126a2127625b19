"""derive check on the seeds: each known mistake found, with the reason in a comment."""

import subprocess
import sys
from pathlib import Path

import pytest

from derive.check import check_file

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason="the seeds are beside the checkout")


@pytest.fixture(scope="module")
def grad_tex():
    return {f.line: f for f in check_file(SEEDS / "grad.tex").findings}


def test_grad_tex_known_mistakes(grad_tex):
    # line 91: \pd[b^{1}] is a typo for b^{(1)}: the derivative by an unrelated b^1 is 0
    assert grad_tex[91].verdict == "wrong"
    # line 105: ∂C^{(2)}/∂a_i^{(1)} is one sample's value, but the right side sums over i
    assert grad_tex[105].verdict == "wrong" and "free on the left side" in grad_tex[105].diagnosis
    # line 111: the per-layer scheme treats e_i as a constant, but e_i depends on w^{(1)}
    assert grad_tex[111].verdict == "wrong"
    # line 113: \pd[b^{1}] again
    assert grad_tex[113].verdict == "wrong"
    # lines 129-131 state line 111's per-layer scheme for a general layer l; checked for
    # the layers the notes have (C^{(l)} = … instantiated), at l = 1 it is line 111's mistake
    for line in (129, 130, 131):
        assert grad_tex[line].verdict == "wrong" and "l = 1" in grad_tex[line].diagnosis


def test_grad_tex_correct_rows_stay_quiet(grad_tex):
    # the one-neuron derivation (lines 55-68) is right, row by row
    for line in (55, 56, 58, 59, 60, 61, 62, 63, 65, 66, 67, 68):
        assert grad_tex[line].verdict == "correct", (line, grad_tex[line].reason)
    # the linear model's C'(w) chain, with grad.tex's (…)' primes (lines 28-32)
    for line in (30, 31, 32):
        assert grad_tex[line].verdict == "correct", line


def test_no_row_is_skipped(grad_tex):
    assert all(f.verdict in ("correct", "wrong", "factor", "ambiguous", "unparsed", "unchecked")
               and f.reason for f in grad_tex.values())


def test_000_eq_73_wrong_layer_with_its_fix():
    found = {f.line: f for f in check_file(SEEDS / "000_d474ea71b36716ad.txt").findings}
    # eq. 74 (line 304): a^{(1)}(1 - a^{(1)}) where a^{(2)}(1 - a^{(2)}) belongs
    f = found[304]
    assert f.verdict == "wrong"
    assert "a_i^{(1)} where a_i^{(2)} belongs" in f.diagnosis
    assert f.correct_latex == r"a_i^{(2)} (1 - a_i^{(2)}) w^{(2)}"
    # eq. 73 (line 302), the step where it starts
    assert found[302].verdict == "wrong"


def test_cli_exit_codes(tmp_path):
    run = lambda *a: subprocess.run([sys.executable, "-m", "derive", "check", *a],  # noqa: E731
                                    capture_output=True, text=True, timeout=600)
    out = run(str(SEEDS / "grad.tex"))
    assert out.returncode == 1 and "grad.tex:105: wrong:" in out.stdout
    good = tmp_path / "ok.tex"
    good.write_text("\\begin{align}\na_i &= \\sigma(x_i w + b) \\\\\n"
                    "\\frac{\\partial a_i}{\\partial w} &= a_i(1 - a_i) x_i\n\\end{align}\n")
    assert run(str(good)).returncode == 0
    assert run(str(tmp_path / "missing.tex")).returncode == 2


@pytest.mark.parametrize("style", ["grad", "leibniz", "expanded"])
@pytest.mark.parametrize("spec", ["twice", "neuron", "chain2", "chain:5", "ssr-line", "softplus"])
def test_round_trip_write_ups_check_clean(spec, style, tmp_path):
    # every row of every scalar model's write-up, prose formulas included, is correct
    from derive.derivation import derive
    from derive.models import get_model
    from derive.writeup import document
    path = tmp_path / "w.tex"
    path.write_text(document(derive(get_model(spec)), style=style))
    report = check_file(path)
    assert report.ok
    assert all(f.verdict == "correct" for f in report.findings), [
        (f.line, f.verdict, f.reason) for f in report.findings if f.verdict != "correct"]


def test_000_every_layer_slip_and_nothing_else():
    found = {f.line: f for f in check_file(SEEDS / "000_d474ea71b36716ad.txt").findings}
    flagged = {line for line, f in found.items() if f.verdict in ("wrong", "factor")}
    # eqs. 73-74, 85-86 and 97-98: σ'(z^{(2)}) written as a^{(1)}(1 - a^{(1)})
    for line in (250, 252, 276, 278, 302, 304):
        assert "a_i^{(1)} where a_i^{(2)} belongs" in found[line].diagnosis, line
    assert found[252].correct_latex == r"a_i^{(2)} (1 - a_i^{(2)}) a_i^{(1)}"
    # eqs. 81 and 93 restate that result inside ∂C^{(2)}: the same slip
    assert "a_i^{(1)} where a_i^{(2)} belongs" in found[266].diagnosis
    assert "a_i^{(1)} where a_i^{(2)} belongs" in found[292].diagnosis
    # eqs. 102, 105 and 107: ∂/∂a_i^{(1)} is one sample's, the sum over i is not
    for line in (312, 318, 324):
        assert "free on the left side" in found[line].diagnosis, line
    # no correct line is flagged: eq. 12 restates eq. 11 (C'(w) of eq. 4, not eq. 17's C(x)),
    # and eqs. 61-64 define z anew for the two-layer part
    # eq. 108: a_i^{(i)}, the sample index as a layer label (grad.tex: e_i = a_i^{(1)} - …)
    assert "the layer label is the sample index i" in found[326].diagnosis
    assert found[326].correct_latex.startswith("a_i^{(1)} - (a_i^{(1)}")
    # eq. 109: C^{(1)} without its square (grad.tex squares it)
    assert "the square is missing" in found[328].diagnosis
    assert found[328].correct_latex == r"\frac{1}{n} \sum_{i=1}^{n} (a_i^{(1)} - e_i)^2"
    # eqs. 103-104 are right steps from eq. 102: they carry its error
    assert found[314].diagnosis == found[316].diagnosis == "carries the error from line 312"
    assert flagged == {250, 252, 266, 276, 278, 292, 302, 304, 312, 314, 316, 318, 324, 326,
                       328}


def test_grad_tex_diagnoses():
    found = {f.line: f for f in check_file(SEEDS / "grad.tex").findings}
    # \pd[b^{1}]: a name the notes never use; with b^{(1)} line 91 is right
    assert "b^{(1)} is meant" in found[91].diagnosis
    assert found[91].correct_latex == r"\pd[b^{(1)}] a_i^{(1)} = a_i^{(1)}(1 - a_i^{(1)})"
    # line 113 has the typo and the per-layer scheme's error both
    assert "b^{(1)} is meant, but the row is wrong for that too" in found[113].diagnosis
    # line 105: the corrected row is the one sample's term, in grad.tex's macros
    assert found[105].correct_latex == \
        r"\frac{2}{n} (a_i^{(2)} - y_i) a_i^{(2)} (1 - a_i^{(2)}) w^{(2)}"


def test_002_and_004_no_correct_line_is_flagged():
    found = {f.line: f for f in check_file(SEEDS / "002_cb9e210b50cf4f74.txt").findings}
    # 002 counts flops ("x \cdot x = 1 \text{ Flop}"): a count with a unit, not an identity
    assert found[34].verdict == "unchecked" and "unit" in found[34].reason
    # 002 reads dc/da as an AD graph's local derivative (c = a + b: dc/da = 1, b held),
    # which its own rows show throughout; read so, its chain-rule rows are right
    assert found[76].verdict == "correct" and "local derivative" in found[76].reason
    assert found[82].verdict == "correct"
    flagged = {line for line, f in found.items() if f.verdict in ("wrong", "factor")}
    # the five slips of 002:
    # 65: dd/dx = da/dc dc/dx, where dd/dc belongs (a is not downstream of c)
    # 72: df/dc = df/da da/dc, where df/dd dd/dc belongs (line 137 has it right)
    # 119: g_2 = (x·x)^2 = a, but a = x^2
    # 139: df/db = df/db db/da + df/dc dc/da, where df/da belongs on the left
    # 141: df/dx = … = x(1+x)/x
    assert flagged == {65, 72, 119, 139, 141}
    found = {f.line: f for f in check_file(SEEDS / "004_8b0506653d306b7b.txt").findings}
    assert not [(f.line, f.reason) for f in found.values() if f.verdict in ("wrong", "factor")]
    # "28a - 46.32 = -74.32" is 28a - 46.32 at a value of a the slide gives elsewhere
    assert found[161].verdict == "unchecked" and "equation to solve" in found[161].reason
    # "Pred = softplus(…)": Pred is one name or P·r·e·d; the slides do not say
    assert found[357].verdict == "ambiguous" and "P·r·e·d" in found[357].reason


def test_001_is_grad_tex_pasted_with_line_numbers():
    # 001 is grad.tex as a numbered listing ("32. = \frac{1}{n} … 33"): the numbers are the
    # listing's; read without them it has grad.tex's mistakes, on its own lines
    found = {f.line: f for f in check_file(SEEDS / "001_db7fb8d5012d95f3.txt").findings}
    flagged = {line for line, f in found.items() if f.verdict in ("wrong", "factor")}
    assert flagged == {94, 108, 116, 132, 133, 134}  # 132-134: grad.tex's 129-131
    assert "b^{(1)} is meant" in found[94].diagnosis          # grad.tex line 91
    assert "free on the left side" in found[108].diagnosis    # grad.tex line 105
