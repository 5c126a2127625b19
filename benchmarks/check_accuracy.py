"""How many of the mistakes in notes nobody here wrote ``derive check`` finds.

    python benchmarks/check_accuracy.py [--notes DIR] [--jobs N] [--json] [NAME ...]

Runs :func:`derive.check.check_file` on every document of ``tests/data/notes/``
(or of ``--notes DIR``, such as the held-out ``tests/data/notes_heldout``; or only
those whose file name contains a NAME) and compares the verdicts with the folder's
``MANIFEST.toml``, which lists every deliberately wrong line,
its kind of mistake and the right-hand side it should have. Prints, measured in
one run:

* recall: manifest lines flagged (verdict ``wrong`` or ``factor``) / manifest lines;
* precision: flagged rows that hold a manifest line / flagged rows. A row whose
  diagnosis starts with "carries the error" only carries an earlier row's mistake
  down its chain: it counts as neither a true nor a false positive, and is
  reported on its own;
* fix rate: manifest lines whose ``correct_latex`` is equal to the manifest's
  right-hand side / manifest lines. Equality is decided by the checker itself:
  the document is checked again with ``0 = (proposed) - (manifest's)`` appended
  for each fix (before ``\\end{document}``), so both are read in the document's
  notation and judged under its definitions;

and per document the missed lines, the false positives with their reasons, and
the unparsed and unchecked rows (they hide mistakes). Goals: recall ≥ 95 %,
precision ≥ 95 %, fix rate ≥ 80 %.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from derive.check import check_file  # noqa: E402
from derive.errors import DeriveError  # noqa: E402

NOTES = Path(__file__).resolve().parents[1] / "tests" / "data" / "notes"
BAD = ("wrong", "factor")
CARRY = "carries the error"
GOALS = {"recall": 0.95, "precision": 0.95, "fix rate": 0.80}


# -- the manifest ------------------------------------------------------------------

def load_manifest(folder: Path = NOTES) -> list:
    """The manifest's documents: ``{"file", "wrong": [{line, kind, contains, correct}],
    "carries": [line, …]}``; checks that every ``contains`` is still on its line."""
    with open(folder / "MANIFEST.toml", "rb") as f:
        docs = tomllib.load(f)["document"]
    for doc in docs:
        lines = (folder / doc["file"]).read_text(encoding="utf-8").splitlines()
        doc.setdefault("carries", [])
        for w in doc["wrong"]:
            text = lines[w["line"] - 1] if w["line"] <= len(lines) else ""
            if w["contains"] not in text:
                raise SystemExit(f"MANIFEST.toml is stale: {doc['file']}:{w['line']} does not "
                                 f"hold {w['contains']!r}")
    return docs


# -- scoring one document -------------------------------------------------------------

@dataclass
class Score:
    file: str
    seconds: float = 0.0
    error: str | None = None
    wrong: int = 0                                  # manifest lines
    found: list = field(default_factory=list)       # (line, kind, verdict, diagnosis, reason)
    missed: list = field(default_factory=list)      # (line, kind, verdict, reason)
    true_pos: int = 0                               # flagged rows holding a manifest line
    false_pos: list = field(default_factory=list)   # (line, verdict, why)
    carried: list = field(default_factory=list)     # (line, why)
    fixes: list = field(default_factory=list)       # (line, status, proposed)
    fixed: int = 0
    unparsed: list = field(default_factory=list)    # (line, latex, reason)
    unchecked: list = field(default_factory=list)   # rows with an = that were not judged
    no_equation: int = 0                            # rows without an = ($n$), not listed
    rows: int = 0


def _covers(f, line: int) -> bool:
    return f.line <= line <= f.line_end


def _why(f) -> str:
    return f.diagnosis or f.reason or ""


def score(doc: dict, folder: Path = NOTES) -> Score:
    path = folder / doc["file"]
    out = Score(doc["file"], wrong=len(doc["wrong"]))
    t0 = time.perf_counter()
    try:
        findings = check_file(path).findings
    except DeriveError as e:
        out.error = str(e)
        out.missed = [(w["line"], w["kind"], "error", str(e)) for w in doc["wrong"]]
        out.fixes = [(w["line"], "not flagged", None) for w in doc["wrong"]]
        return out
    finally:
        out.seconds = time.perf_counter() - t0
    out.rows = len(findings)
    manifest_lines = {w["line"] for w in doc["wrong"]}
    carries = set(doc.get("carries", ()))
    for f in findings:
        if f.verdict not in BAD and "=" not in f.latex:
            out.no_equation += 1  # $n$, $(x_i, y_i)$: nothing to judge, whatever the verdict
        elif f.verdict == "unparsed":
            out.unparsed.append((f.line, f.latex, f.reason))
        elif f.verdict == "unchecked":
            out.unchecked.append((f.line, f.latex, f.reason))
        if f.verdict not in BAD:
            continue
        if (f.diagnosis or "").startswith(CARRY):
            out.carried.append((f.line, f.diagnosis))
        elif any(_covers(f, k) for k in manifest_lines):
            out.true_pos += 1
        elif any(_covers(f, k) for k in carries):
            out.carried.append((f.line, f"(a carrier flagged as an origin) {_why(f)}"))
        else:
            out.false_pos.append((f.line, f.verdict, _why(f)))
    proposals = {}
    for w in doc["wrong"]:
        here = [f for f in findings if _covers(f, w["line"])]
        bad = [f for f in here if f.verdict in BAD]
        if bad:
            f = bad[0]
            out.found.append((w["line"], w["kind"], f.verdict, f.diagnosis, f.reason))
            if f.correct_latex:
                proposals[w["line"]] = (f.correct_latex, w["correct"])
            else:
                out.fixes.append((w["line"], "no fix proposed", None))
        else:
            f = here[0] if here else None
            out.missed.append((w["line"], w["kind"], f.verdict if f else "no row",
                               _why(f) if f else "the checker found no math on this line"))
            out.fixes.append((w["line"], "not flagged", None))
    for line, (status, proposed) in _judge_fixes(path, proposals).items():
        out.fixes.append((line, status, proposed))
        out.fixed += status == "equivalent"
    out.fixes.sort()
    return out


def _judge_fixes(path: Path, proposals: dict) -> dict:
    """line → (status, proposed LaTeX), by checking ``0 = (proposed) - (correct)`` rows
    appended to the document (one display each, so one unreadable fix spoils only itself)."""
    if not proposals:
        return {}
    text = path.read_text(encoding="utf-8")
    tex = path.suffix == ".tex"
    end = text.rfind("\\end{document}") if tex else -1
    head, tail = (text[:end], text[end:]) if end >= 0 else (text, "")
    head = head if head.endswith("\n") else head + "\n"
    at = head.count("\n") + 1  # the line the appended block starts on
    block, where = ["", "% derive check_accuracy: proposed fixes" if tex else ""], {}
    for line, (proposed, correct) in sorted(proposals.items()):
        row = f"0 = \\left({proposed}\\right) - \\left({correct}\\right)"
        display = ["\\begin{equation*}", row, "\\end{equation*}"] if tex else ["$$", row, "$$"]
        where[at + len(block) + 1] = line
        block += display + [""]
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / path.name
        probe.write_text(head + "\n".join(block) + "\n" + tail, encoding="utf-8")
        try:
            findings = {f.line: f for f in check_file(probe).findings}
        except DeriveError as e:
            return {line: (f"cannot compare: {e}", proposals[line][0]) for line in proposals}
    out = {}
    for probe_line, line in where.items():
        f = findings.get(probe_line)
        proposed = proposals[line][0]
        if f is None:
            out[line] = ("cannot compare: the probe row was not found", proposed)
        elif f.verdict == "correct":
            out[line] = ("equivalent", proposed)
        elif f.verdict in BAD:
            out[line] = (f"not equivalent ({f.verdict}: {_why(f)})", proposed)
        else:
            out[line] = (f"cannot compare ({f.verdict}: {f.reason})", proposed)
    return out


# -- the report ---------------------------------------------------------------------

def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:5.1f} %" if b else "  n/a"


def totals(scores: list) -> dict:
    wrong = sum(s.wrong for s in scores)
    found = sum(len(s.found) for s in scores)
    tp = sum(s.true_pos for s in scores)
    fp = sum(len(s.false_pos) for s in scores)
    fixed = sum(s.fixed for s in scores)
    return {"documents": len(scores), "wrong lines": wrong, "found": found,
            "recall": found / wrong if wrong else None,
            "true positives": tp, "false positives": fp,
            "precision": tp / (tp + fp) if tp + fp else None,
            "carried": sum(len(s.carried) for s in scores),
            "fixed": fixed, "fix rate": fixed / wrong if wrong else None,
            "rows": sum(s.rows for s in scores),
            "unparsed": sum(len(s.unparsed) for s in scores),
            "unchecked": sum(len(s.unchecked) for s in scores),
            "no equation": sum(s.no_equation for s in scores),
            "seconds": sum(s.seconds for s in scores)}


def print_report(scores: list, wall: float) -> None:
    for s in scores:
        print(f"== {s.file}: {len(s.found)}/{s.wrong} found, {s.true_pos} true and "
              f"{len(s.false_pos)} false positives, {s.fixed} fixed, {s.rows} rows "
              f"({len(s.unparsed)} unparsed, {len(s.unchecked)} unchecked), {s.seconds:.1f} s")
        if s.error:
            print(f"   error: {s.error}")
        for line, kind, verdict, diagnosis, reason in s.found:
            print(f"   found    {line:>3} [{kind}] {verdict}: {diagnosis or reason}")
        for line, kind, verdict, reason in s.missed:
            print(f"   missed   {line:>3} [{kind}] {verdict}: {reason}")
        for line, verdict, why in s.false_pos:
            print(f"   false +  {line:>3} {verdict}: {why}")
        for line, why in s.carried:
            print(f"   carried  {line:>3} {why}")
        for line, status, proposed in s.fixes:
            if status != "equivalent" and status != "not flagged":
                print(f"   fix      {line:>3} {status}" + (f": {proposed}" if proposed else ""))
        for line, latex, reason in s.unparsed:
            print(f"   unparsed {line:>3} {reason} | {latex[:70]}")
        for line, latex, reason in s.unchecked:
            print(f"   unchecked {line:>2} {reason} | {latex[:70]}")
    t = totals(scores)
    print()
    print(f"{t['documents']} documents, {t['rows']} rows, {t['wrong lines']} wrong lines "
          f"in the manifest; {wall:.1f} s")
    print(f"recall     {_pct(t['found'], t['wrong lines'])}  ({t['found']}/{t['wrong lines']} "
          f"wrong lines flagged)                      goal: ≥ 95 %")
    print(f"precision  {_pct(t['true positives'], t['true positives'] + t['false positives'])}  "
          f"({t['true positives']} true, {t['false positives']} false positives; "
          f"{t['carried']} carried rows apart)   goal: ≥ 95 %")
    print(f"fix rate   {_pct(t['fixed'], t['wrong lines'])}  ({t['fixed']}/{t['wrong lines']} "
          f"proposed fixes equal to the manifest's)        goal: ≥ 80 %")
    print(f"hiding     {t['unparsed']} unparsed and {t['unchecked']} unchecked rows that hold an "
          f"equation (besides {t['no equation']} rows with no = at all, such as $n$)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help="only documents whose file name contains one")
    ap.add_argument("--jobs", type=int, default=1,
                    help="documents checked in parallel processes (default 1: each worker "
                         "pays SymPy's import, which costs more than it saves on this corpus)")
    ap.add_argument("--json", action="store_true", help="print the scores as JSON")
    ap.add_argument("--notes", type=Path, default=NOTES, metavar="DIR",
                    help="the folder of documents and its MANIFEST.toml (default "
                         "tests/data/notes; tests/data/notes_heldout is the held-out set)")
    args = ap.parse_args(argv)
    folder = args.notes.resolve()
    if not (folder / "MANIFEST.toml").is_file():
        ap.error(f"{args.notes}: no MANIFEST.toml in that folder")
    docs = [d for d in load_manifest(folder)
            if not args.names or any(n in d["file"] for n in args.names)]
    t0 = time.perf_counter()
    if args.jobs > 1 and len(docs) > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            scores = list(pool.map(partial(score, folder=folder), docs))
    else:
        scores = [score(d, folder) for d in docs]
    wall = time.perf_counter() - t0
    if args.json:
        print(json.dumps({"totals": totals(scores), "goals": GOALS,
                          "documents": [s.__dict__ for s in scores]}, indent=1))
    else:
        print_report(scores, wall)
    return 0


if __name__ == "__main__":
    sys.exit(main())
