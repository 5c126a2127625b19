"""derive.checkcode: hand-written NumPy backprop, checked line by line without running it.

The fixtures live in tests/data/backprop/: the seed's program (seed_003.py), its
corrected version, correct programs in other idioms, and mlp_dot.py with one mutation
each (mut_*.py). Line numbers are looked up from the fixture text, so that a fixture
edit cannot silently move what a test is about.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import json
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

from derive import npgraph
from derive.checkcode import Report, _Checker, check_code
from derive.errors import DeriveError

DATA = Path(__file__).parent / "data" / "backprop"


def lineno(name, text, nth=1):
    """The line number of the nth line of fixture ``name`` that reads ``text``."""
    hits = [i for i, line in enumerate((DATA / name).read_text().splitlines(), 1)
            if line.strip() == text]
    assert len(hits) >= nth, f"{text!r} is not in {name}"
    return hits[nth - 1]


def verdicts(report, kind="gradient"):
    return {f.line: f.verdict for f in report.findings if f.kind == kind}


def finding(report, line):
    [f] = [f for f in report.findings if f.line == line]
    return f


def write(tmp_path, text, name="prog.py"):
    path = tmp_path / name
    path.write_text(text)
    return path


# -- the seed -----------------------------------------------------------------------

SEED = "seed_003.py"
DZ2_SEED = "dZ2 = W1.T.dot(dA2) * d_sigmoid(Z2)"


def test_seed_flags_dz2_and_proposes_the_fix():
    report = check_code(DATA / SEED)
    f = finding(report, lineno(SEED, DZ2_SEED))
    assert f.verdict == "wrong"
    assert f.correct_code == "dZ2 = dA2 * d_sigmoid(Z2)"
    # W1.T is (n0, n1) and dA2 is (n2, m): with distinct sizes that cannot multiply
    assert "shape error: `W1.T.dot(dA2)` multiplies shape (3, 4) by shape (6, 5)" in f.reason
    assert "Z2 is used only by line" in f.reason and "`A2 = sigmoid(Z2)`" in f.reason
    assert not report.ok


def test_seed_every_finding():
    """Each finding of the seed's code, and why (the post's own program, mistakes kept)."""
    report = check_code(DATA / SEED)
    line = lambda text, nth=1: lineno(SEED, text, nth)  # noqa: E731
    # No cost line: the checker assumes the one `dA2 = 2(A2 - y)` differentiates, the sum
    # of squares. Under it the missing 1/M of the post's text is NOT a mistake: every
    # gradient is consistently that of sum (A2 - y)^2 (the 1/M sits in the learning rate).
    assert report.assumed_cost.startswith("J = np.sum((A2 - y) ** 2): sum of squared errors, "
                                          f"inferred from line {line('dA2 = 2(A2 - y)')}")
    expected = {
        # `2(A2 - y)` is maths notation; Python calls the number 2: a TypeError
        line("dA2 = 2(A2 - y)"): "wrong",
        # the mistake the brief names: no weight matrix belongs between dA2 and dZ2
        line(DZ2_SEED): "wrong",
        # dW2, dB2, dZ1 = W2.T.dot(dZ2) * d_sigmoid(Z1), dW1, dB1: right formulas, fed by
        # the wrong dZ2, so "carried" and not reported as mistakes of their own
        line("dW2 = dZ2.dot(A1.T)"): "carried",
        line("dB2 = np.sum(dZ2, axis=1, keepdims=True)"): "carried",
        line("dZ1 = W2.T.dot(dZ2) * d_sigmoid(Z1)"): "carried",
        line("dW1 = dZ1.dot(X.T)"): "carried",
        line("dB1 = np.sum(dZ1, axis=1, keepdims=True)"): "carried",
        # the post repeats the block after the updates: the same dZ2 mistake again...
        line(DZ2_SEED, 2): "wrong",
        line("dW2 = dZ2.dot(A1.T)", 2): "carried",
        line("dB2 = np.sum(dZ2, axis=1, keepdims=True)", 2): "carried",
        # ...and a line-order mistake: this dZ1 uses W2 after `W2 -= dW2 * lr` changed it
        line("dZ1 = W2.T.dot(dZ2) * d_sigmoid(Z1)", 2): "wrong",
        line("dW1 = dZ1.dot(X.T)", 2): "carried",
        line("dB1 = np.sum(dZ1, axis=1, keepdims=True)", 2): "carried",
    }
    assert verdicts(report) == expected
    typo = finding(report, line("dA2 = 2(A2 - y)"))
    assert "calls the number 2" in typo.reason and typo.correct_code == "dA2 = 2 * (A2 - y)"
    stale = finding(report, line("dZ1 = W2.T.dot(dZ2) * d_sigmoid(Z1)", 2))
    assert f"uses W2 after line {line('W2 -= dW2 * lr')} updated it" in stale.reason
    assert stale.correct_code == "dZ1 = W2.T.dot(dZ2) * d_sigmoid(Z1)"  # moved, not changed
    carried = finding(report, line("dW1 = dZ1.dot(X.T)"))
    assert carried.reason == (f"the formula is right, but it uses dZ1 from line "
                              f"{line('dZ1 = W2.T.dot(dZ2) * d_sigmoid(Z1)')} (wrong because "
                              f"of line {line(DZ2_SEED)}), which is wrong")
    # the updates come after every gradient in the first block: that order is right
    assert set(verdicts(report, "update").values()) == {"correct"}


def test_seed_under_the_posts_stated_cost():
    # The post's text says J = (1/M) sum (A2 - y)^2. Under that cost, dA2 lacks the 1/M:
    # it is M = 5 (the number of samples here) times too large.
    report = check_code(DATA / SEED, cost="np.sum((A2 - y) ** 2) / X.shape[1]")
    f = finding(report, lineno(SEED, "dA2 = 2(A2 - y)"))
    assert f.verdict == "wrong"
    assert "it is 5 × the true gradient (5 is the number of samples here" in f.reason
    assert f.correct_code == "dA2 = 2 * (A2 - y) / X.shape[1]"
    assert report.assumed_cost == "J = np.sum((A2 - y) ** 2) / X.shape[1] (given with --cost)"
    # one wrong line is reported once: dZ2 is still wrong for its own reason
    assert finding(report, lineno(SEED, DZ2_SEED)).verdict == "wrong"


def test_seed_text_lines():
    report = check_code(DATA / SEED)
    path, n = str(DATA / SEED), lineno(SEED, DZ2_SEED)
    lines = report.text().splitlines()
    assert any(line.startswith(f"{path}:{n}: wrong: shape error: ")
               and line.endswith(" — should be: dZ2 = dA2 * d_sigmoid(Z2)") for line in lines)
    assert lines[-1] == f"{path}: 13 backward lines: 0 correct, 4 wrong, 9 carried, " \
                        "0 not checked"


# -- correct programs pass -------------------------------------------------------------

@pytest.mark.parametrize("name", ["seed_003_fixed.py", "mlp_dot.py", "mlp_function.py",
                                  "softmax_ce.py"])
def test_correct_programs_pass(name):
    report = check_code(DATA / name)
    assert report.ok, report.text()
    assert set(verdicts(report).values()) == {"correct"}
    assert all(f.verdict == "correct" for f in report.findings)
    assert len(verdicts(report)) >= 6


@pytest.mark.parametrize("name, cost", [
    ("seed_003_fixed.py", "J = np.sum((A2 - y) ** 2): sum of squared errors, inferred from "
                          "line 24 `dA2 = 2 * (A2 - y)`"),
    ("softmax_ce.py", "J = -np.sum(Y * np.log(A2)) / m: cross-entropy, inferred from line 17"),
    ("mlp_dot.py", "J = np.sum((A2 - y) ** 2) (line 19)"),
    ("mlp_function.py", "cost = np.sum((A2 - Y) ** 2) / m (line 16)"),
])
def test_assumed_cost_is_stated(name, cost):
    assert check_code(DATA / name).assumed_cost.startswith(cost)


HEAD = """import numpy as np
Z1 = W1 @ X + b1
A1 = np.tanh(Z1)
Z2 = W2 @ A1 + b2
A2 = 1 / (1 + np.exp(-Z2))
"""
TAIL = """dW2 = dZ2 @ A1.T
db2 = np.sum(dZ2, axis=1, keepdims=True)
dZ1 = (W2.T @ dZ2) * (1 - A1 ** 2)
dW1 = dZ1 @ X.T
db1 = np.sum(dZ1, axis=1, keepdims=True)
"""


@pytest.mark.parametrize("first, cost", [
    ("dA2 = A2 - Y\ndZ2 = dA2 * A2 * (1 - A2)", "J = np.sum((A2 - Y) ** 2) / 2: sum of squared"),
    ("dA2 = 2 * (A2 - Y) / m\ndZ2 = dA2 * A2 * (1 - A2)",
     "J = np.sum((A2 - Y) ** 2) / m: sum of squared"),
    ("dZ2 = A2 - Y", "J = -np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)): binary"),
])
def test_cost_inferred_from_the_first_backward_line(tmp_path, first, cost):
    head = HEAD.replace("import numpy as np\n", "import numpy as np\nm = X.shape[1]\n")
    report = check_code(write(tmp_path, head + first + "\n" + TAIL))
    assert report.assumed_cost.startswith(cost)
    assert report.ok, report.text()


def test_no_cost_found_is_bad_input(tmp_path):
    with pytest.raises(DeriveError, match=r"cannot tell which cost .* --cost") as e:
        check_code(write(tmp_path, HEAD + "dZ2 = A2 * Z2\n" + TAIL))
    assert e.value.exit_code == 2 and e.value.where.endswith(":6")


def test_cost_named_with_option():
    report = check_code(DATA / "mlp_dot.py", cost="J")
    assert report.ok and report.assumed_cost == "J (line 19, named with --cost)"
    with pytest.raises(DeriveError, match="shape"):
        check_code(DATA / "mlp_dot.py", cost="A2")  # not a scalar
    with pytest.raises(DeriveError, match="assigns no K"):
        check_code(DATA / "mlp_dot.py", cost="K")
    with pytest.raises(DeriveError, match="--cost"):
        check_code(DATA / "mlp_dot.py", cost="np.sum((A2 - y) ** 2")


# -- mutations: each flagged on exactly its line -----------------------------------------

MUTATIONS = [
    ("mut_factor2.py", "dA2 = (A2 - y)", "it is 1/2 × the true gradient",
     "dA2 = 2 * (A2 - y)"),
    ("mut_missing_T.py", "dW2 = dZ2.dot(A1)", "A1 must be transposed (A1.T)",
     "dW2 = dZ2.dot(A1.T)"),
    ("mut_wrong_layer.py", "dZ1 = W1.T.dot(dZ2) * d_sigmoid(Z1)",
     "it uses W1 where W2 belongs (wrong layer)", "dZ1 = W2.T.dot(dZ2) * d_sigmoid(Z1)"),
    ("mut_keepdims.py", "dB1 = np.sum(dZ1, axis=1)",
     "it has shape (4,), but B1 has shape (4, 1); `np.sum(dZ1, axis=1)` should be "
     "`np.sum(dZ1, axis=1, keepdims=True)`", "dB1 = np.sum(dZ1, axis=1, keepdims=True)"),
    ("mut_axis.py", "dB2 = np.sum(dZ2, keepdims=True)", "it has shape (1, 1), but B2 has shape",
     "dB2 = np.sum(dZ2, axis=1, keepdims=True)"),
    ("mut_sign.py", "dA2 = 2 * (y - A2)", "it has the wrong sign", "dA2 = 2 * (A2 - y)"),
]


@pytest.mark.parametrize("name, line, why, fix", MUTATIONS)
def test_mutation_is_flagged_on_its_line(name, line, why, fix):
    report = check_code(DATA / name)
    n = lineno(name, line)
    wrong = [f for f in report.findings if f.verdict == "wrong"]
    assert [f.line for f in wrong] == [n], report.text()
    assert why in wrong[0].reason
    assert wrong[0].correct_code == fix
    # lines after it that use its value are "carried", and name the line
    for f in report.findings:
        if f.verdict == "carried":
            assert f.line > n and f"line {n}" in f.reason
        else:
            assert f.verdict in ("correct", "wrong")
    assert not report.ok


def test_mutation_fix_makes_the_file_pass(tmp_path):
    # the proposed line, put back into the file, must be accepted
    for name, line, _, _ in MUTATIONS:
        report = check_code(DATA / name)
        [f] = [f for f in report.findings if f.verdict == "wrong"]
        text = (DATA / name).read_text().replace(line + "\n", f.correct_code + "\n", 1)
        assert check_code(write(tmp_path, text)).ok, name


@pytest.mark.parametrize("name, line, why, fix", [
    ("mut_update_grad.py", "W1 -= dW2 * lr", "it moves W1 along dW2", "W1 -= dW1 * lr"),
    ("mut_update_sign.py", "B2 += dB2 * lr", "it moves B2 up its gradient", "B2 -= dB2 * lr"),
])
def test_wrong_update_is_flagged(name, line, why, fix):
    report = check_code(DATA / name)
    f = finding(report, lineno(name, line))
    assert (f.kind, f.verdict, f.correct_code) == ("update", "wrong", fix)
    assert why in f.reason
    assert set(verdicts(report).values()) == {"correct"}  # the gradients are fine


def test_update_before_a_gradient_that_uses_it():
    name = "mut_update_order.py"
    report = check_code(DATA / name)
    n, upd = lineno(name, "dZ1 = W2.T.dot(dZ2) * d_sigmoid(Z1)"), lineno(name, "W2 -= dW2 * lr")
    assert [f.line for f in report.findings if f.verdict == "wrong"] == [n]
    assert f"uses W2 after line {upd} updated it" in finding(report, n).reason
    assert verdicts(report)[lineno(name, "dW1 = dZ1.dot(X.T)")] == "carried"


# -- the file's own idiom ------------------------------------------------------------------

@pytest.mark.parametrize("name, old, new, fix", [
    # `@` files get `@`; a missing helper means the textbook sigma(1 - sigma) on A2
    ("mlp_function.py", "    dW2 = dZ2 @ A1.T", "    dW2 = dZ2 @ A1", "dW2 = dZ2 @ A1.T"),
    ("mlp_function.py", "    dZ2 = dA2 * A2 * (1 - A2)", "    dZ2 = dA2 * Z2 * (1 - Z2)",
     "dZ2 = dA2 * A2 * (1 - A2)"),
    # relu: its derivative as a comparison; the file's dA1 name is used
    ("mlp_function.py", "    dZ1 = dA1 * (Z1 > 0)", "    dZ1 = dA1 * (A1 > 1)",
     "dZ1 = dA1 * (Z1 > 0)"),
    # `.sum(...)` methods stay methods; a swapped product is named as such
    ("softmax_ce.py", "db2 = dZ2.sum(axis=1, keepdims=True)", "db2 = dZ2.sum(axis=1)",
     "db2 = dZ2.sum(axis=1, keepdims=True)"),
    ("softmax_ce.py", "dW1 = dZ1 @ X.T", "dW1 = X.T @ dZ1", "dW1 = dZ1 @ X.T"),
    # tanh through np.tanh: 1 - A1 ** 2
    ("softmax_ce.py", "dZ1 = (W2.T @ dZ2) * (1 - A1 ** 2)", "dZ1 = (W2.T @ dZ2) * (1 - A1)",
     "dZ1 = (W2.T @ dZ2) * (1 - A1 ** 2)"),
])
def test_corrected_line_in_the_files_idiom(tmp_path, name, old, new, fix):
    text = (DATA / name).read_text()
    assert old + "\n" in text
    report = check_code(write(tmp_path, text.replace(old + "\n", new + "\n")))
    wrong = [f for f in report.findings if f.verdict == "wrong"]
    assert [f.correct_code for f in wrong] == [fix], report.text()


def test_swapped_product_reason(tmp_path):
    text = (DATA / "softmax_ce.py").read_text().replace("dW1 = dZ1 @ X.T", "dW1 = X.T @ dZ1")
    [f] = [f for f in check_code(write(tmp_path, text)).findings if f.verdict == "wrong"]
    assert "the factors of `X.T @ dZ1` are in the wrong order" in f.reason


def test_training_loop_body_is_checked(tmp_path):
    lines = (DATA / "mlp_dot.py").read_text().splitlines()
    start = lines.index("Z1 = W1.dot(X) + B1")
    body = lines[:start] + ["for epoch in range(100):"] + ["    " + x for x in lines[start:]]
    report = check_code(write(tmp_path, "\n".join(body) + "\n"))
    assert report.ok and len(verdicts(report)) == 7
    assert any("loop body is checked once" in n for n in report.notes)


def test_accumulated_gradient(tmp_path):
    # A1 feeds Z2 and A2 (a skip connection): dA1 is a sum of two terms
    text = """import numpy as np
Z1 = W1 @ X + b1
A1 = np.tanh(Z1)
Z2 = W2 @ A1 + b2
A2 = Z2 + A1
J = np.sum(A2 ** 2)
dA2 = 2 * A2
dZ2 = dA2
dW2 = dZ2 @ A1.T
db2 = np.sum(dZ2, axis=1, keepdims=True)
dA1 = W2.T @ dZ2
dA1 += dA2
dZ1 = dA1 * (1 - A1 ** 2)
dW1 = dZ1 @ X.T
"""
    report = check_code(write(tmp_path, text))
    assert finding(report, 11).verdict == "not checked"
    assert "partial sum of dA1; the total is checked on line 12" in finding(report, 11).reason
    assert report.ok and finding(report, 12).verdict == "correct"
    report = check_code(write(tmp_path, text.replace("dA1 += dA2", "dA1 += dZ1")))
    assert finding(report, 12).verdict != "correct"


def test_helper_values_are_checked_through_their_users(tmp_path):
    # delta2 is no gradient name: its line gets "not checked", dW2 (which uses it) a verdict
    text = HEAD + "J = np.sum((A2 - Y) ** 2)\ndA2 = 2 * (A2 - Y)\n" \
        "delta2 = dA2 * A2 * (1 - A2)\ndW2 = delta2 @ A1.T\n"
    report = check_code(write(tmp_path, text))
    assert verdicts(report) == {7: "correct", 9: "correct"}
    assert finding(report, 8).verdict == "not checked" and "delta2" in finding(report, 8).reason
    report = check_code(write(tmp_path, text.replace("dA2 * A2 *", "dA2 * Z2 *")))
    assert verdicts(report) == {7: "correct", 9: "wrong"}
    # a forward-only intermediate is simply part of the forward pass
    text = HEAD + "J = np.sum((A2 - Y) ** 2)\ndelta2 = 2 * (A2 - Y) * A2 * (1 - A2)\n" \
        "dW2 = delta2 @ A1.T\n"
    report = check_code(write(tmp_path, text))
    assert verdicts(report) == {8: "correct"} and report.sizes["b1"] == [4, 1]


# -- what is not checked, and bad input ------------------------------------------------

def test_unsupported_code_is_not_checked_with_its_line():
    name = "unsupported.py"
    report = check_code(DATA / name)
    nc = {f.line: f.reason for f in report.findings if f.verdict == "not checked"}
    assert set(nc) == {lineno(name, 'dW2 = np.einsum("ik,jk->ij", dZ2, A1)'),
                       lineno(name, 'print("cost", J)'), lineno(name, "if clip:"),
                       lineno(name, "db1 = np.clip(db1, -1, 1)"), lineno(name, "dW1 = dW1[0]")}
    assert "np.einsum is outside the supported subset" in \
        nc[lineno(name, 'dW2 = np.einsum("ik,jk->ij", dZ2, A1)')]
    clip = nc[lineno(name, "db1 = np.clip(db1, -1, 1)")]
    assert f"assigned inside line {lineno(name, 'if clip:')}" in clip
    # the other backward lines still get verdicts, and nothing is guessed
    assert verdicts(report)[lineno(name, "dZ1 = dA1 * (1 - A1 ** 2)")] == "correct"
    assert report.ok and "3 not checked" in report.text()


def test_use_of_a_name_assigned_by_unsupported_code(tmp_path):
    text = HEAD + "J = np.sum((A2 - Y) ** 2)\ndA2 = 2 * (A2 - Y)\ndZ2 = dA2 * A2 * (1 - A2)\n" \
        "dW2, db2 = 1, 2\ndW1 = W2.T @ dW2\n"
    report = check_code(write(tmp_path, text))
    assert finding(report, 9).verdict == "not checked"
    assert finding(report, 10).verdict == "not checked"
    assert "dW2, which line 9 assigns with code outside the supported subset" in \
        finding(report, 10).reason


def test_right_formula_fed_by_a_line_not_checked(tmp_path):
    # not "carried": nothing is known to be wrong, but its value is not vouched for
    text = HEAD + "J = np.sum((A2 - Y) ** 2)\ndA2 = np.clip(2 * (A2 - Y), -1, 1)\n" \
        "dZ2 = dA2 * A2 * (1 - A2)\ndW2 = dZ2 @ A1.T\n"
    report = check_code(write(tmp_path, text))
    assert verdicts(report) == {7: "not checked", 8: "correct", 9: "correct"}
    assert finding(report, 9).reason == \
        "the formula is right; its value depends on line 7, which is not checked"
    assert report.ok


def test_syntax_error_names_file_line_column():
    path = DATA / "syntax_error.py"
    with pytest.raises(DeriveError) as e:
        check_code(path)
    assert e.value.where == f"{path}:4:7" and e.value.exit_code == 2
    assert "syntax error" in e.value.message


@pytest.mark.parametrize("name, message", [("no_backward.py", "no backward pass found"),
                                           ("missing.py", "not found")])
def test_bad_input(name, message):
    with pytest.raises(DeriveError, match=message) as e:
        check_code(DATA / name)
    assert e.value.exit_code == 2


def test_binary_file(tmp_path):
    path = tmp_path / "x.py"
    path.write_bytes(b"\0\1")
    with pytest.raises(DeriveError, match="binary"):
        check_code(path)


def test_the_checked_file_is_never_executed(monkeypatch):
    # executes.py raises SystemExit on its first line and imports a module that does not
    # exist: running or importing it would fail. On top, every way to run code is trapped.
    calls = []
    real_compile, real_import = builtins.compile, builtins.__import__

    def trap(what):
        def f(*a, **k):
            calls.append(what)
            raise AssertionError(f"{what} called")
        return f

    def compile_ast_only(source, filename, mode, flags=0, *a, **k):
        if not flags & ast.PyCF_ONLY_AST:
            calls.append("compile")
            raise AssertionError("compile to bytecode")
        return real_compile(source, filename, mode, flags, *a, **k)

    def guarded_import(name, *a, **k):
        if "executes" in name or "must_not_import" in name:
            calls.append(f"import {name}")
            raise AssertionError(f"import {name}")
        return real_import(name, *a, **k)

    monkeypatch.setattr(builtins, "exec", trap("exec"))
    monkeypatch.setattr(builtins, "eval", trap("eval"))
    monkeypatch.setattr(builtins, "compile", compile_ast_only)
    monkeypatch.setattr(builtins, "__import__", guarded_import)
    monkeypatch.setattr(importlib, "import_module", trap("import_module"))
    monkeypatch.setattr(runpy, "run_path", trap("run_path"))
    # the traps work (so that this test can fail)
    with pytest.raises(AssertionError):
        exec("x = 1")
    with pytest.raises(AssertionError):
        compile("x = 1", "<x>", "exec")
    calls.clear()
    report = check_code(DATA / "executes.py")
    assert calls == []
    assert "executes" not in sys.modules
    assert finding(report, 3).verdict == "not checked"  # the raise: outside the subset
    assert report.ok and set(verdicts(report).values()) == {"correct"}


def test_json():
    report = check_code(DATA / SEED)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["ok"] is False and data["file"] == str(DATA / SEED)
    f = next(f for f in data["findings"] if f["line"] == lineno(SEED, DZ2_SEED))
    assert f == {"line": f["line"], "line_end": f["line"], "code": DZ2_SEED,
                 "verdict": "wrong", "reason": f["reason"],
                 "correct_code": "dZ2 = dA2 * d_sigmoid(Z2)", "kind": "gradient"}
    assert data["sizes"]["W1"] == [4, 3] and data["sizes"]["lr"] == []


def test_report_ok_property():
    assert Report("x").ok
    assert not check_code(DATA / "mut_sign.py").ok


# -- the oracle: true adjoints against finite differences -------------------------------

@pytest.mark.parametrize("name", ["mlp_dot.py", "mlp_function.py", "softmax_ce.py",
                                  "seed_003_fixed.py"])
def test_true_adjoints_match_finite_differences(name):
    """The checker's truth is its own reverse mode: compare it with central differences."""
    tree = ast.parse((DATA / name).read_text())
    helpers = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    bodies = [n.body for n in helpers.values() if n.name == "train_step"] or \
        [[s for s in tree.body if not isinstance(s, ast.FunctionDef)]]
    helpers.pop("train_step", None)
    c = _Checker(str(DATA / name), (DATA / name).read_text(), bodies[0], helpers, {"np"}, None)
    c.run()
    t = c._trials()[0]
    env = dict(t["env_t"])

    def cost(env):
        env = dict(env)
        for i in c.order:
            env[i] = npgraph.evaluate(c.defs[i][0], env)
        return env[c.cost]
    checked = 0
    for n in c.inputs:
        if n not in c.sh.params:
            continue
        x, grad = env[n], np.zeros_like(env[n])
        for idx in np.ndindex(x.shape):
            for sign in (1, -1):
                y = x.copy()
                y[idx] += sign * 1e-6
                grad[idx] += sign * cost({**env, n: y}) / 2e-6
        np.testing.assert_allclose(t["adj"][n], grad, rtol=1e-5, atol=1e-7)
        checked += 1
    assert checked == 4


# -- npgraph pieces --------------------------------------------------------------------

def _helpers(src):
    return {n.name: n for n in ast.parse(src).body}


@pytest.mark.parametrize("src, kind", [
    ("def f(z):\n    return 1 / (1 + np.exp(-z))", ("f", "sigmoid")),
    ("def f(z):\n    s = 1 / (1 + np.exp(-z))\n    return s * (1 - s)", ("d", "sigmoid")),
    ("def f(x):\n    return np.maximum(0, x)", ("f", "relu")),
    ("def f(x):\n    return (x > 0).astype(float)", ("d", "relu")),
    ("def f(x):\n    return 1 - np.tanh(x) ** 2", ("d", "tanh")),
    ("def f(x):\n    return np.log(1 + np.exp(x))", ("f", "softplus")),
    ("def f(x):\n    return x ** 3", None),
    ("def f(x):\n    print(x)\n    return x", None),
])
def test_helpers_are_identified_by_value(src, kind):
    helpers = _helpers(src)
    assert npgraph.identify(helpers["f"], helpers, {"np"}) == kind


@pytest.mark.parametrize("code, style, out", [
    ("a @ b.T", "dot", "a.dot(b.T)"),
    ("(a + b) @ c", "dot", "(a + b).dot(c)"),
    ("a.dot(b)", "@", "a @ b"),
    ("a * (b @ c)", "@", "a * (b @ c)"),
    ("(a @ b) * c", "@", "(a @ b) * c"),
    ("(a * b) @ c", "@", "(a * b) @ c"),
    ("a - (b - c)", "@", "a - (b - c)"),
    ("-(a * b) ** 2", "@", "-(a * b) ** 2"),
    ("a * (x > 0)", "@", "a * (x > 0)"),
    ("np.sum(a, axis=1, keepdims=True)", "@", "np.sum(a, axis=1, keepdims=True)"),
    ("a.T.dot(b)", "np.dot", "np.dot(a.T, b)"),
])
def test_printer_round_trips(code, style, out):
    sh = npgraph.Shapes()
    b = npgraph.Builder(sh, lambda name, node: npgraph.var(name, shape=sh.input(name)),
                        source=code)
    b.strict = False
    e = b.expr(ast.parse(code, mode="eval").body)
    assert npgraph.Printer(style)(e) == out


def test_shapes_bias_and_samples():
    sh = npgraph.Shapes(params={"W", "b"})
    b = npgraph.Builder(sh, lambda name, node: npgraph.var(name, shape=sh.input(name)),
                        source="W @ X + b")
    e = b.expr(ast.parse("W @ X + b", mode="eval").body)
    sh.decide()
    sizes = sh.sizes()
    assert sh.concrete(sh.inputs["W"], sizes) == (4, 3)
    assert sh.concrete(sh.inputs["b"], sizes) == (4, 1)
    assert sh.concrete(e.shape, sizes) == (4, 5)  # 5: the samples axis


# -- the CLI --------------------------------------------------------------------

def test_cli_check_code_exit_codes(capsys):
    from derive.cli import main
    data = Path(__file__).parent / "data" / "backprop"
    assert main(["check-code", str(data / "seed_003.py")]) == 1
    out = capsys.readouterr().out
    assert "seed_003.py:33: wrong:" in out and "should be: dZ2 = dA2 * d_sigmoid(Z2)" in out
    assert main(["check-code", str(data / "seed_003_fixed.py")]) == 0
    capsys.readouterr()
    assert main(["check-code", str(data / "syntax_error.py"), "--json"]) == 2
    assert ":4:7" in capsys.readouterr().err
    assert main(["check-code", str(data / "seed_003.py"), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert any(f["line"] == 33 and f["verdict"] == "wrong" for f in report["findings"])
