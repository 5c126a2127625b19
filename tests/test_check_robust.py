"""derive check on bad input: never a traceback, never a hang, and every problem placed.

Each case runs twice: in process (``check_file``, timed) and through the CLI in a
real subprocess (no "Traceback" on stderr, exit code 0/1 from the report, 2 for a
file that cannot be read).
"""

import re
import string
import subprocess
import sys
import time

import pytest

from derive.check import check_file
from derive.errors import DeriveError

SECONDS = 5  # per file, in process; each took minutes, or never ended, before it was made linear
MB = 1_000_000


def _exponential(depth):
    r"""``\ma`` expands to two ``\mb``, each to two ``\mc`` … : 2**depth copies of x."""
    name = [f"m{c}" for c in string.ascii_letters]
    defs = "".join(rf"\def\{name[k]}{{\{name[k + 1]}\{name[k + 1]}}}" + "\n" for k in range(depth))
    return defs + rf"\def\{name[depth]}{{x}}" + "\n" + r"$\ma = 1$" + "\n"


def _cli(path):
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "derive", "check", str(path)],
                         capture_output=True, text=True, timeout=120)
    assert "Traceback" not in out.stderr, out.stderr
    assert "internal error" not in out.stderr, out.stderr
    return out, time.perf_counter() - start


def _check(path):
    start = time.perf_counter()
    report = check_file(path)
    elapsed = time.perf_counter() - start
    assert elapsed < SECONDS, f"{path.name} took {elapsed:.1f} s"
    return report


# (name, text, [(line, what the reason says)]): the rows that must come out unparsed,
# each with its reason naming the line and column
MALFORMED = [
    ("unbalanced_braces", "\\begin{align}\na &= \\frac{1}{2 \\\\\nb &= c\n\\end{align}\n",
     [(2, "unbalanced braces: { at line 2, column 14 is never closed")]),
    ("unbalanced_inline", "Then $x = 1}$ and $y = {2$.\n",
     [(1, "unbalanced braces: } at line 1, column 12 closes nothing"),
      (1, "unbalanced braces: { at line 1, column 24 is never closed")]),
    ("unknown_env_outside", "Text.\n\\begin{foo} x = 1 \\end{foo}\n\nAnd $a = b$.\n",
     [(2, "unknown environment {foo} holds math that is not read (line 2, column 1)")]),
    ("unknown_env_inline", "So $\\begin{foo} x = 1 \\end{foo}$.\n",
     [(1, "unknown environment {foo} inside math (line 1, column 5)")]),
    ("unknown_env_align", "\\begin{align}\na &= b \\\\\n\\begin{foo} x = 1 \\end{foo}\n\\end{align}\n",
     [(3, "unknown environment {foo} inside math (line 3, column 1)")]),
    ("def_loop", "\\def\\a{\\a}\n$\\a = 1$\n",
     [(2, "runaway macro recursion in \\a")]),
    ("newcommand_loop", "\\newcommand{\\b}{\\b x}\n\n$y = \\b$\n",
     [(3, "runaway macro recursion in \\b")]),
    ("mutual_recursion", "\\def\\p{\\q}\n\\def\\q{\\p}\n$\\p = 1$\n",
     [(3, "runaway macro recursion in \\")]),
    ("exponential_macros", _exponential(30), [(32, "runaway macro recursion in \\m")]),
    ("dollar_never_closes", "Some $a = b\n\nmore text, $c = d$.\n",
     [(1, "$ is never closed (line 1, column 6)")]),
    ("align_never_ends", "\\begin{align}\na &= b \\\\\nc &= d\n",
     [(1, "\\begin{align} is never closed (line 1, column 1)")]),
    ("display_never_ends", "\\[ a = b\n\n$c = d$\n", [(1, "\\[ is never closed by \\] (line 1, column 1)")]),
]


@pytest.mark.parametrize("name, text, expected", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_rows_are_unparsed_with_a_place(name, text, expected, tmp_path):
    path = tmp_path / f"{name}.tex"
    path.write_text(text)
    report = _check(path)
    unparsed = [(f.line, f.reason) for f in report.findings if f.verdict == "unparsed"]
    assert len(unparsed) == len(expected), unparsed
    for (line, reason), (want_line, want) in zip(unparsed, expected):
        assert line == want_line and want in reason, (line, reason)
        assert re.search(r"line \d+, column \d+", reason), reason
    out, _ = _cli(path)
    assert out.returncode == (0 if report.ok else 1), out
    assert out.stdout.strip().splitlines()[-1].startswith(f"{path}: {len(report.findings)} rows")


def test_the_rows_after_a_problem_are_still_read(tmp_path):
    path = tmp_path / "after.tex"
    path.write_text("\\def\\a{\\a}\n$\\a = 1$\n\n\\begin{align}\nx &= \\frac{1}{2\n\\end{align}\n"
                    "\\begin{align}\ny &= (2 + 3)^2 \\\\\n&= 2^2 + 3^2\n\\end{align}\n")
    found = {f.line: f.verdict for f in _check(path).findings}
    assert found[2] == "unparsed" and found[5] == "unparsed"
    assert found[9] == "wrong"  # a slip after the bad rows is still found


# (name, one line of a megabyte): the first few become a row or none; the last three
# become a quarter of a million rows, each of which gets its own verdict
MEGABYTE = [
    ("prose", "a" * MB + "\n$x = 1$\n"),
    ("formula", "$" + "x + " * (MB // 4) + "x = 1$\n"),
    ("open_braces", "$" + "{" * MB + "$\n"),
    ("displays", "$$x$$" * (MB // 50) + "\n"),
    ("unknown_envs", "\\begin{foo}x^2=1 " * (MB // 17) + "\n"),
    ("unclosed_macros", "\\newcommand{\\a}{" * (MB // 16) + "\n$x = 1$\n"),
    ("defs_without_body", "\\def\\a " * (MB // 7) + "\n$x = 1$\n"),
    ("trailing_spaces", "\\begin{align}x=1" + "\\," * (MB // 2) + "\\end{align}\n"),
    ("equation_numbers", "\\begin{align}x=1" + "\\quad (1)" * (MB // 9) + "\\end{align}\n"),
    ("close_braces", "\\begin{align}" + "}\\\\" * (MB // 3) + "\\end{align}\n"),
    ("dollars", "$" * MB + "\n"),
    ("display_openers", "\\begin{align}" * (MB // 13) + "\n"),
]
MANY_ROWS = {"close_braces", "dollars", "display_openers"}


@pytest.mark.parametrize("name, text", MEGABYTE, ids=[m[0] for m in MEGABYTE])
def test_a_megabyte_on_one_line(name, text, tmp_path):
    from derive.extract import find_math, macros
    for kind in ("tex", "md"):
        path = tmp_path / f"{name}.{kind}"
        path.write_text(text)
        start = time.perf_counter()
        find_math(text, kind=kind)
        macros(text, kind=kind)
        assert time.perf_counter() - start < SECONDS, "finding the math is linear"
        if name in MANY_ROWS:
            continue  # their time is the checker's, per row (not a scan): not timed here
        try:
            report = _check(path)
        except DeriveError as e:  # only for "no math"
            assert "no math" in str(e), (name, e)
            continue
        assert report.findings and all(f.reason for f in report.findings), name


def test_a_megabyte_of_rows_gets_a_verdict_each(tmp_path):
    path = tmp_path / "dollars.tex"
    path.write_text("$" * MB + "\n")
    report = check_file(path)
    assert len(report.findings) == MB // 4 and all(f.reason for f in report.findings)


def test_a_megabyte_formula_through_the_cli(tmp_path):
    path = tmp_path / "formula.tex"
    path.write_text(MEGABYTE[1][1])
    out, _ = _cli(path)
    assert out.returncode == 0 and "too long" in out.stdout


@pytest.mark.parametrize("name, data, why", [
    ("binary.tex", b"$x = 1$\n\0\1\2\n", "binary, not text"),
    ("latin1.tex", "$x = \xe9$\n".encode("latin-1"), "not UTF-8 (byte 5 on line 1)"),
    ("prose.tex", b"\\section{Notes}\nOnly words here, 100% of them.\n", "no math found to check"),
    ("prose.md", b"# Notes\n\nNo formulas, and $5 for a coffee.\n", "no math found to check"),
])
def test_unreadable_files_exit_2_with_one_line(name, data, why, tmp_path):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(DeriveError) as info:
        check_file(path)
    assert info.value.exit_code == 2 and why in str(info.value)
    out, _ = _cli(path)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.splitlines() == [f"derive: {path}: {info.value.message}"]


def test_missing_file_and_folder_exit_2(tmp_path):
    for path, why in ((tmp_path / "missing.tex", "file not found"),
                      (tmp_path, "file is a folder, not a file")):
        out, _ = _cli(path)
        assert out.returncode == 2 and out.stderr.splitlines() == [f"derive: {path}: {why}"]
