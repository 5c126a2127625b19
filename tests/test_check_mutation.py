"""Round trip with mutations: one slip put into a generated write-up is flagged
on exactly that row, and on no other.

Hypothesis picks the model, the style, the row and the slip: a dropped 2, a
sign, a layer label (1) ↔ (2), an index (x_i → x_1), or a dropped factor.
Only rows without ∂ are mutated: inside ∂_{w}(…) a changed name can leave the
value unchanged (∂_{w^{(1)}} b^{(2)} = ∂_{w^{(1)}} b^{(1)} = 0), and then there
is nothing to flag.
"""

import functools
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive.check import check_file
from derive.derivation import derive
from derive.models import get_model
from derive.writeup import document

SPECS = ("twice", "neuron", "chain2", "chain:3", "softplus", "ssr-line")
STYLES = ("grad", "leibniz", "expanded")


@functools.lru_cache(maxsize=None)
def write_up(spec, style):
    return document(derive(get_model(spec)), style=style)


def _rows(text):
    """(line index, column of the right side) of the rows that may be mutated:
    derivative rows, not the definitions (a definition says what a name means,
    so a changed one is a different model, not a mistake)."""
    out = []
    for k, line in enumerate(text.splitlines()):
        m = re.match(r"\s*(.*?)&=\s*", line)
        if not m or "\\begin" in line:
            continue
        if m.group(1).strip() and not re.search(r"\\pd|\\partial|\\frac\{d", m.group(1)):
            continue
        rhs = line[m.end():]
        if re.search(r"\\pd|\\partial|\\frac\{d", rhs):
            continue
        out.append((k, m.end()))
    return out


def _mutations(rhs):
    """(name, mutated right side) for each slip that applies to ``rhs``."""
    out = [("sign", "-" + rhs)]
    if "2(" in rhs:
        out.append(("factor", rhs.replace("2(", "(", 1)))
    for old, new in (("^{(1)}", "^{(2)}"), ("^{(2)}", "^{(1)}")):
        for m in re.finditer(re.escape(old), rhs):
            out.append(("layer", rhs[:m.start()] + new + rhs[m.end():]))
    for m in re.finditer(r"x_i|z_i|y_i", rhs):
        out.append(("index", rhs[:m.start()] + rhs[m.start()] + "_1" + rhs[m.end():]))
    for m in re.finditer(r" x_i| w_\d| w\^\{\(\d\)\}", rhs):
        out.append(("drop", rhs[:m.start()] + rhs[m.end():]))
    return out


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          derandomize=True)
@given(data=st.data())
def test_one_slip_is_flagged_on_its_row_only(data, tmp_path_factory):
    spec = data.draw(st.sampled_from(SPECS), label="model")
    style = data.draw(st.sampled_from(STYLES), label="style")
    text = write_up(spec, style)
    lines = text.splitlines()
    k, col = data.draw(st.sampled_from(_rows(text)), label="row")
    rhs = lines[k][col:]
    trail = " \\\\" if rhs.rstrip().endswith("\\\\") else ""
    rhs = rhs.rstrip().removesuffix("\\\\").rstrip()
    kind, mutated = data.draw(st.sampled_from(_mutations(rhs)), label="slip")
    lines[k] = lines[k][:col] + mutated + trail
    path = tmp_path_factory.mktemp("m") / "w.tex"
    path.write_text("\n".join(lines) + "\n")

    found = {f.line: f for f in check_file(path).findings}
    row = found[k + 1]
    assert row.verdict in ("wrong", "factor"), (kind, lines[k], row)
    assert row.origin
    others = [f for line, f in found.items() if line != k + 1
              and f.verdict in ("wrong", "factor")]
    assert not others, (kind, lines[k], [(f.line, f.verdict, f.reason) for f in others])
    if kind in ("factor", "sign"):
        assert row.verdict == "factor" and row.correct_latex
    if kind == "layer":
        assert row.diagnosis and "belongs" in row.diagnosis, (lines[k], row)


def test_the_mutable_rows_exist():
    # the strategy above must have rows and slips to choose from, for every write-up
    for spec in SPECS:
        for style in STYLES:
            rows = _rows(write_up(spec, style))
            assert len(rows) >= 2, (spec, style)
            assert all(_mutations(write_up(spec, style).splitlines()[k][c:]) for k, c in rows)
