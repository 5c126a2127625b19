"""derive check on notes nobody here wrote: tests/data/notes/ and its MANIFEST.toml.

Fourteen small documents (.tex and .md) in other people's notation, each with a few
deliberately wrong lines; the manifest lists every one with its kind and the right
right-hand side. ``benchmarks/check_accuracy.py`` scores the checker on them (recall,
precision, fix rate); this module pins what already works, line by line:

* every manifest line is flagged (``wrong`` or ``factor``);
* its diagnosis names the kind of mistake;
* its ``correct_latex`` equals the manifest's right-hand side (judged by the checker on
  the document with ``0 = (fix) - (manifest's)`` appended);
* no other row of the document is flagged (rows that only carry an earlier row's
  error down a chain aside).

Where the checker has a known gap the case is ``xfail(strict=True)`` and the reason
names the gap; once the gap is closed the case passes, strict makes that a failure,
and the mark must go. The marks expect an AssertionError: a crash is never a known gap.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
NOTES = ROOT / "tests" / "data" / "notes"
_spec = importlib.util.spec_from_file_location("check_accuracy",
                                               ROOT / "benchmarks" / "check_accuracy.py")
bench = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("check_accuracy", bench)  # its dataclasses look their module up
_spec.loader.exec_module(bench)

with open(NOTES / "MANIFEST.toml", "rb") as _f:
    MANIFEST = {d["file"]: d for d in tomllib.load(_f)["document"]}
WRONG = [(d["file"], w["line"], w["kind"]) for d in MANIFEST.values() for w in d["wrong"]]
KINDS = {"missing-factor-2", "missing-1/n", "missing-factor", "extra-factor", "sign-flip",
         "wrong-layer", "wrong-index", "sum-over-free-index", "function-for-derivative",
         "omitted-term", "extra-term", "off-by-one-range"}

# -- the checker's known gaps, by the manifest line they hide ---------------------------
_J2 = ("J(w, b) = … is not read (a function of two arguments: \"unexpected ','\"), so J is "
       "undefined and every ∂J row is unchecked")
_R2 = "R(w_1, w_2) = … is not read (a function of two arguments), so R is undefined"
_HAT = "\\hat{y}_i is not read (unknown command \\hat)"
_HATC = "C's definition uses \\hat{y}_i (unknown command \\hat), so C is undefined"
_BIG = "\\big( … \\big) is not read (unknown command \\big)"
_FENCE = "a ```math fence (GitHub's display math) is masked as code: the row is never seen"
_BIGC = "C's definition uses \\Big( … \\Big) (unknown command \\Big), so C is undefined"
_EXP = ("e^{z_1} is not read (a superscript holding a subscript), so p_1, p_2, p_3 are "
        "undefined and their ∂ rows unchecked")
_ELLD = ("\\ell_i is not read (unknown command \\ell): the δ definitions of line 30 are lost, "
         "so this wrong claim is taken as the definition of δ^{(1)} and called correct")
_ELLC = "\\ell_i is not read (unknown command \\ell), so C is undefined"
_SSR = ("\\frac{d\\,\\text{SSR}}{d w} is not read (\"empty expression\": a \\text{…} name after "
        "the d); ReLU'(…) after \\text{ReLU} is not read either")
_CS229 = ("J(\\theta_0, \\theta_1) is not read (two arguments); besides, the sums run to m, "
          "x^{(i)} is the sample index (read as a layer label) and h_\\theta(…) is not "
          "a function")
_COMMA = ("a trailing comma before \\qquad is kept (\"unexpected ','\"), so the row holding "
          "this equation is unparsed")
_LAMBDA = ("line 24's \\frac{\\partial}{\\partial w_1}\\lambda\\left(w_1^2 + w_2^2\\right) "
           "differentiates λ alone (∂ takes the next factor only), so the chain of lines "
           "24-26 stays unchecked (\"\\lambda is not defined\")")
_LOST = ("p_1's definition cannot be read, so every row through p_1 is unchecked (not "
         "judged with p_1 taken for a free variable)")

MISSED = {
}
#: flagged, but without a diagnosis or a fix
UNDIAGNOSED: dict = {}
FALSE_POSITIVES: dict = {}
#: what a diagnosis of each kind must mention (kinds not listed: any diagnosis at all)
NAMES = {"sign-flip": "sign", "missing-factor-2": "factor", "missing-factor": "missing factor",
         "wrong-layer": "belongs", "wrong-index": "belongs",
         "sum-over-free-index": "free on the left side",
         "function-for-derivative": "in place of its derivative"}


@functools.lru_cache(maxsize=None)
def scored(file):
    return bench.score(MANIFEST[file])


def _cases(gaps):
    return [pytest.param(f, line, kind, id=f"{f}:{line}", marks=[pytest.mark.xfail(
        strict=True, raises=AssertionError, reason=gaps[f, line])] if (f, line) in gaps else [])
        for f, line, kind in WRONG]


def test_manifest_is_current():
    docs = bench.load_manifest()  # raises when a line no longer holds its text
    on_disk = {p.name for p in NOTES.iterdir() if p.suffix in (".tex", ".md")}
    assert on_disk == {d["file"] for d in docs}
    assert len(docs) >= 10 and all(d["wrong"] for d in docs)
    assert len(WRONG) >= 25 and {k for _, _, k in WRONG} <= KINDS
    assert len(set(WRONG)) == len(WRONG)


@pytest.mark.parametrize("folder", sorted(p.name for p in NOTES.parent.glob("notes_heldout*")))
def test_held_out_manifests_are_current(folder):
    # the held-out sets are scored by benchmarks/check_accuracy.py --notes, not here (their
    # numbers are the README's); their manifests must still point at the right lines
    docs = bench.load_manifest(NOTES.parent / folder)
    on_disk = {p.name for p in (NOTES.parent / folder).iterdir() if p.suffix in (".tex", ".md")}
    assert on_disk == {d["file"] for d in docs}
    assert all(w["kind"] in KINDS for d in docs for w in d["wrong"])


@pytest.mark.parametrize("file, line, kind", _cases(MISSED))
def test_wrong_line_is_flagged(file, line, kind):
    s = scored(file)
    missed = {m[0]: m for m in s.missed}
    assert line in {f[0] for f in s.found}, missed.get(line)


@pytest.mark.parametrize("file, line, kind", _cases({**MISSED, **UNDIAGNOSED}))
def test_diagnosis_names_the_mistake(file, line, kind):
    found = {f[0]: f for f in scored(file).found}
    assert line in found
    _, _, verdict, diagnosis, reason = found[line]
    assert diagnosis, reason
    assert NAMES.get(kind, "") in diagnosis, diagnosis


@pytest.mark.parametrize("file, line, kind", _cases({**MISSED, **UNDIAGNOSED}))
def test_fix_equals_the_manifest(file, line, kind):
    status = {k: (st, proposed) for k, st, proposed in scored(file).fixes}
    assert status[line][0] == "equivalent", status[line]


@pytest.mark.parametrize("file", [pytest.param(f, id=f, marks=[pytest.mark.xfail(
    strict=True, raises=AssertionError, reason=FALSE_POSITIVES[f])] if f in FALSE_POSITIVES else [])
    for f in MANIFEST])
def test_right_rows_are_not_flagged(file):
    assert scored(file).false_pos == []


def test_carrier_says_it_carries():
    # 01, line 32 is a right step from line 31's missing factor 2
    carried = dict(scored("01_linreg_mse.tex").carried)
    assert carried.get(32, "").startswith("carries the error from line 31")


def test_fix_probe_tells_right_from_wrong():
    """The fix-rate judge itself: a rearranged right side is equal, the mistake is not."""
    path = NOTES / "09_two_layer_backprop.tex"
    manifest = {w["line"]: w["correct"] for w in MANIFEST[path.name]["wrong"]}
    out = bench._judge_fixes(path, {
        21: (r"\frac{1}{n}\sum_{i=1}^{n} a_i^{(2)}\left(1 - a_i^{(2)}\right)"
             r"\left(a_i^{(2)} - y_i\right)", manifest[21]),
        38: (r"\frac{1}{n}\sum_{i=1}^{n}\left(a_i^{(2)} - y_i\right) a_i^{(2)}"
             r"\left(1 - a_i^{(2)}\right) a_i^{(1)}\left(1 - a_i^{(1)}\right)", manifest[38]),
    })
    assert out[21][0] == "equivalent", out[21]
    assert out[38][0].startswith("not equivalent"), out[38]
