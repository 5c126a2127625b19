"""Data sets for training and gradient checks: built-in ones or CSV files.

A CSV file has a header row; its columns are matched to the model's data
names by name (extra columns are ignored), and every cell must be a finite
number.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np

from .errors import DeriveError
from .files import read_text


def load_split(model, spec):
    """``(train, test)``: a data set and its held-out test part (or ``None``).

    Matrix models' data sets (digits, blobs) come split with a fixed seed;
    the others have no test part.
    """
    name = spec if spec is not None else next(iter(model.datasets), None)
    loader = model.datasets.get(name) if isinstance(name, str) else None
    if callable(loader):
        train, test = loader()
        check = getattr(model, "check_data", None)
        if check:
            check(train)
        return train, test
    return load_dataset(model, spec), None


def load_dataset(model, spec: str | None) -> dict:
    """The data set ``spec`` for ``model``: column name → float64 array.

    Args:
        model: the :class:`~derive.models.Model`.
        spec: the name of one of the model's data sets (``nand``), a path to
            a ``.csv`` file, a dict of columns, or ``None`` for the model's
            first data set.

    Raises:
        DeriveError: unknown data set; a CSV that is missing, not UTF-8,
            lacks a column, or holds a cell that is not a finite number (its
            file:line:column is named).
    """
    if spec is None:
        if not model.datasets:
            raise DeriveError(f"model {model.name!r} has no built-in data set; give --data FILE.csv")
        spec = next(iter(model.datasets))
    if isinstance(spec, dict):
        return {k: np.asarray(v, dtype=np.float64) for k, v in spec.items()}
    if spec in model.datasets:
        if callable(model.datasets[spec]):
            return load_split(model, spec)[0]
        return {k: np.asarray(v, dtype=np.float64) for k, v in model.datasets[spec].items()}
    if spec.lower().endswith(".csv") or Path(spec).exists():
        if getattr(model, "widths", None) is not None:
            raise DeriveError(f"matrix models train on their built-in data sets "
                              f"({', '.join(model.datasets)}), not CSV files yet")
        return read_csv(spec, model.data_names)
    known = ", ".join(model.datasets) or "none"
    csv_hint = "" if getattr(model, "widths", None) is not None else "; or give a .csv file"
    raise DeriveError(f"unknown data set {spec!r} for model {model.name!r}; "
                      f"built-in data sets: {known}{csv_hint}")


def read_csv(path: str, columns) -> dict:
    """Read the named ``columns`` of a CSV file with a header row."""
    text = read_text(path, "data file")
    rows = list(csv.reader(io.StringIO(text)))
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    if not rows:
        raise DeriveError("data file is empty", where=path)
    header = [h.strip() for h in rows[0]]
    missing = [c for c in columns if c not in header]
    if missing:
        raise DeriveError(f"column {missing[0]!r} is missing (the model needs "
                          f"{', '.join(columns)}; the file has {', '.join(header)})",
                          where=f"{path}:1")
    if len(rows) < 2:
        raise DeriveError("data file has a header but no rows", where=path)
    out = {c: np.empty(len(rows) - 1) for c in columns}
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise DeriveError(f"row has {len(row)} cells, the header {len(header)}",
                              where=f"{path}:{line}")
        for c in columns:
            k = header.index(c)
            cell = row[k].strip()
            col = sum(len(x) + 1 for x in row[:k]) + 1
            try:
                value = float(cell)
            except ValueError:
                raise DeriveError(f"column {c!r}: {cell!r} is not a number",
                                  where=f"{path}:{line}:{col}") from None
            if not math.isfinite(value):
                raise DeriveError(f"column {c!r}: {cell!r} is not a finite number",
                                  where=f"{path}:{line}:{col}")
            out[c][line - 2] = value
    return out
