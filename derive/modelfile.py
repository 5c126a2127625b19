"""User-defined models: safe expression parsing and the TOML model file.

Intermediates and the cost are Python-syntax strings (``mean((a - z)**2)``),
read by walking Python's ``ast`` against a whitelist and building SymPy
objects directly: no user string ever reaches ``eval``, ``exec`` or
``sympify`` (which calls ``eval``). A model file (``--model-file my.toml``)::

    name = "my-neuron"                 # optional, default: the file's stem
    description = "one neuron"         # optional
    params = ["w1", "w2", "b"]
    data = ["x", "y", "z"]             # optional
    cost = "mean((a - z)**2)"
    [latex]                            # optional glyphs: name = "w_1"
    [intermediates]                    # in order: a = "sigmoid(x*w1 + y*w2 + b)"
    [datasets.nand]                    # optional: x = [0, 0, 1, 1] ...

``[[intermediates]]`` tables with ``name`` and ``expr`` keys work too.
"""

from __future__ import annotations

import ast
import math
import operator
import re
import warnings
from contextlib import contextmanager
from pathlib import Path

import sympy as sp

from .errors import ModelError, ModelFileError, where
from .functions import FUNCTIONS
from .models import Model, i, mean, total
from .notation import check_identifier, parse_glyph

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python < 3.11
    import tomli as tomllib

#: functions an expression may call, by the name written; each takes one argument
CALLABLE = {**FUNCTIONS, "sqrt": sp.sqrt}
#: reductions over the samples i = 1..n
REDUCTIONS = {"mean": mean, "sum": total}
#: the top-level keys of a model file
KEYS = ("name", "description", "params", "data", "cost", "latex", "intermediates", "datasets")

# One formula per string: anything longer is a mistake, or an attempt to make
# SymPy or the recursive walk run out of time or stack.
MAX_LENGTH = 5000
# SymPy evaluates number**number eagerly, so 9**9**9 would never finish.
MAX_BITS = 20_000

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.Pow: operator.pow}
_BAD_OPS = {ast.BitXor: "'^' (write powers as '**')", ast.Mod: "'%'", ast.FloorDiv: "'//'",
            ast.MatMult: "'@'", ast.LShift: "'<<'", ast.RShift: "'>>'", ast.BitOr: "'|'",
            ast.BitAnd: "'&'", ast.Not: "'not'", ast.Invert: "'~'"}
_NODES = {ast.Attribute: "attribute access", ast.Subscript: "indexing with [...]",
          ast.Lambda: "lambda", ast.Compare: "a comparison", ast.BoolOp: "'and'/'or'",
          ast.IfExp: "'if'/'else'", ast.List: "a list", ast.Tuple: "a tuple", ast.Dict: "a dict",
          ast.Set: "a set", ast.JoinedStr: "an f-string", ast.Starred: "'*'",
          ast.NamedExpr: "':='", **dict.fromkeys(
              (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp), "a comprehension")}
_PER_SAMPLE = ("data column", "per-sample intermediate")


class Scope:
    """The names an expression may use, and the SymPy object each stands for.

    A parameter is ``Symbol(name)`` and a data column ``IndexedBase(name)[i]``;
    an intermediate is ``IndexedBase(name)[i]`` when it varies per sample and
    ``Symbol(name)`` when it is a scalar. ``kinds`` maps name → kind, in order.
    """

    def __init__(self, params=(), data=()):
        self.kinds: dict[str, str] = {}
        for name in params:
            self.declare(name, "parameter")
        for name in data:
            self.declare(name, "data column")

    def check(self, name, kind: str) -> None:
        """Raise ModelError if ``name`` is not a valid identifier or is taken."""
        check_identifier(name, kind)
        if name in self.kinds:
            raise ModelError(f"the name {name!r} is used twice ({self.kinds[name]} and {kind})")

    def declare(self, name, kind: str) -> None:
        self.check(name, kind)
        self.kinds[name] = kind

    def define(self, name: str, definition: sp.Expr) -> sp.Expr:
        """Declare intermediate ``name``; return its target, ``a[i]`` or ``a``."""
        # i is free exactly when a per-sample name occurs outside mean()/sum()
        per_sample = i in definition.free_symbols
        self.declare(name, "per-sample intermediate" if per_sample else "intermediate")
        return self.symbol(name)

    def symbol(self, name: str) -> sp.Expr:
        if self.kinds[name] in _PER_SAMPLE:
            return sp.IndexedBase(name)[i]
        return sp.Symbol(name)


class _Reader:
    """Walks an expression's AST; a node type without a ``_<Type>`` method is refused."""

    def __init__(self, source, scope, cost, file, line, column):
        self.lines = re.split(r"\r\n|\r|\n", source)
        self.scope, self.cost, self.file, self.line, self.column = scope, cost, file, line, column
        self.reduction: str | None = None

    def where(self, lineno, col):
        if lineno == 1:
            return where(self.file, self.line, self.column + col)
        return where(self.file, self.line + lineno - 1, col + 1)

    def fail(self, node, message, col_offset=None):
        lineno = getattr(node, "lineno", 1)
        text = self.lines[lineno - 1] if 0 < lineno <= len(self.lines) else ""
        # ast counts columns in UTF-8 bytes; people (and TOML) count characters
        offset = node.col_offset if col_offset is None else col_offset
        raise ModelFileError(message, where=self.where(
            lineno, len(text.encode()[:offset].decode("utf-8", "ignore"))))

    def fail_at_operator(self, node, message):
        if node.left.end_lineno == node.lineno == node.right.lineno:
            gap = self.lines[node.lineno - 1].encode()[node.left.end_col_offset:
                                                       node.right.col_offset]
            self.fail(node, message,
                      node.left.end_col_offset + len(gap) - len(gap.lstrip(b" \t()")))
        self.fail(node, message)

    def read(self, node) -> sp.Expr:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            what = _NODES.get(type(node), f"'{type(node).__name__}'")
            self.fail(node, f"{what} is not allowed in an expression")
        return method(node)

    def checked(self, node, value):
        if value.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
            self.fail(node, "this is undefined (a division by zero or log(0)?)")
        if value.has(sp.I):
            self.fail(node, "this is not a real number")
        return value

    def _Constant(self, node):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            kind = {str: "a string", complex: "a complex number"}.get(type(value), repr(value))
            self.fail(node, f"{kind} is not allowed in an expression; use numbers and names")
        if isinstance(value, int):
            return sp.Integer(value)
        if not math.isfinite(value):
            self.fail(node, "this number is too large")
        return sp.Rational(str(value))  # 0.1 is exactly 1/10, not a binary float

    def _Name(self, node):
        kind = self.scope.kinds.get(node.id)
        if kind is None:
            if node.id in CALLABLE or node.id in REDUCTIONS:
                self.fail(node, f"function {node.id!r} must be called: {node.id}(...)")
            self.fail(node, f"unknown name {node.id!r}; known names: "
                            f"{', '.join(self.scope.kinds) or 'none yet'}")
        if self.cost and self.reduction is None and kind in _PER_SAMPLE:
            self.fail(node, f"{kind} {node.id!r} used outside mean()/sum() in the cost")
        return self.scope.symbol(node.id)

    def _UnaryOp(self, node):
        if isinstance(node.op, (ast.UAdd, ast.USub)):
            value = self.read(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        self.fail(node, f"{_BAD_OPS[type(node.op)]} is not allowed in an expression")

    def _BinOp(self, node):
        op = _BINARY.get(type(node.op))
        if op is None:
            self.fail_at_operator(node, f"{_BAD_OPS[type(node.op)]} is not allowed in an "
                                        "expression")
        left, right = self.read(node.left), self.read(node.right)
        if isinstance(node.op, ast.Pow) and left.is_Rational and right.is_Rational:
            size = max(abs(left.p).bit_length(), left.q.bit_length()) - 1
            if size * abs(right) > MAX_BITS or right.q > 1000:
                self.fail_at_operator(node, "this power is too large to compute")
        return self.checked(node, op(left, right))

    def _Call(self, node):
        func = node.func
        if type(func) in _NODES:
            self.read(func)  # refused, naming what: __import__('os').system → attribute
        if not isinstance(func, ast.Name):
            self.fail(node, "only named functions can be called; for a product write '*'")
        name = func.id
        if name not in CALLABLE and name not in REDUCTIONS:
            kind = self.scope.kinds.get(name)
            self.fail(func, (f"{kind} {name!r} is not a function (for a product write "
                             f"{name}*(...))" if kind else f"unknown function {name!r}")
                      + f"; functions: {', '.join([*CALLABLE, *REDUCTIONS])}")
        if node.keywords:
            self.fail(node.keywords[0], f"{name}() takes no keyword arguments")
        if len(node.args) != 1:
            self.fail(node, f"{name}() takes exactly one argument, got {len(node.args)}")
        if name in CALLABLE:
            return self.checked(node, CALLABLE[name](self.read(node.args[0])))
        if self.reduction:
            self.fail(node, f"{name}() inside {self.reduction}(): reductions cannot be nested")
        self.reduction = name
        body = self.read(node.args[0])
        self.reduction = None
        if i not in body.free_symbols:
            self.fail(node, f"{name}() of an expression without data columns or per-sample "
                            "intermediates: it does not vary over the samples")
        return REDUCTIONS[name](body)


def parse_expression(text: str, scope: Scope, *, file: str | None = None,
                     line: int | None = None, column: int | None = None,
                     cost: bool = False) -> sp.Expr:
    """Read a Python-syntax expression into SymPy, allowing only a whitelist.

    Allowed: numbers (decimals become exact rationals), names from ``scope``,
    unary ``+``/``-``, ``+ - * / **``, brackets, one-argument calls of
    :data:`CALLABLE`, and ``mean(...)`` = (1/n) Σ_{i=1}^n and ``sum(...)`` = Σ_{i=1}^n.

    Args:
        text: the expression.
        scope: the names it may use (see :class:`Scope`).
        file, line, column: where ``text`` starts, for error positions
            (default: positions within ``text``, from 1:1).
        cost: True for the cost, where data columns and per-sample
            intermediates must sit inside ``mean()``/``sum()``.

    Returns:
        The expression; ``i`` is free in it if it varies per sample.

    Raises:
        ModelFileError: a syntax error, an unknown name, or anything outside
            the whitelist; ``where`` is ``file:line:column`` of the culprit.
    """
    if not isinstance(text, str):
        raise ModelFileError(f"an expression must be a string, not {text!r}", where=file)
    line, column = line or 1, column or 1
    body = text.lstrip()
    # Python refuses leading blanks in eval mode: parse from the first
    # character, and count positions from where it really is.
    skipped = text[:len(text) - len(body)]
    if "\n" in skipped:
        line, column = line + skipped.count("\n"), len(skipped.rsplit("\n", 1)[1]) + 1
    else:
        column += len(skipped)
    reader = _Reader(body, scope, cost, file, line, column)
    if not body or len(body) > MAX_LENGTH:
        raise ModelFileError("the expression is empty" if not body else
                             f"the expression is longer than {MAX_LENGTH} characters",
                             where=reader.where(1, 0))
    try:
        with warnings.catch_warnings():  # "2(x)" warns; the walk reports it properly
            warnings.simplefilter("ignore")
            tree = ast.parse(body, mode="eval")
        return reader.read(tree.body)
    except SyntaxError as e:
        lineno = e.lineno or 1
        # offset 0 means "at the end", e.g. after a dangling "w +"
        col = e.offset - 1 if e.offset else len(reader.lines[min(lineno, len(reader.lines)) - 1])
        raise ModelFileError(f"invalid expression: {e.msg}",
                             where=reader.where(lineno, col)) from None
    except (ValueError, MemoryError, RecursionError):
        raise ModelFileError("the expression is too large or nested too deeply",
                             where=reader.where(1, 0)) from None


# -- assembling a model -------------------------------------------------------

_KEY = r"(?:\"[^\"\n]*\"|'[^'\n]*'|[A-Za-z0-9_-]+)"
_DOTTED = rf"{_KEY}(?:[ \t]*\.[ \t]*{_KEY})*"
_KEY_LINE = re.compile(rf"[ \t]*({_DOTTED})[ \t]*=[ \t]*")
_HEADER = re.compile(rf"[ \t]*(\[\[?)[ \t]*({_DOTTED})[ \t]*\]")


class _Places:
    """Positions for error messages: none for :func:`build_model` (``file`` None),
    else found by re-scanning the raw TOML, since tomllib forgets them.

    A path is a key path: ``("intermediates", "a")``, or for the k-th
    ``[[intermediates]]`` table ``("intermediates", k, "expr")``.
    """

    def __init__(self, file=None, text=""):
        self.file, self.text, self.lines = file, text, text.split("\n")
        self.spots: dict[tuple, tuple[int, int, int]] = {}  # path → line, key col, value col
        prefix, counts = (), {}
        for ln, row in enumerate(self.lines if file else (), 1):
            if m := _HEADER.match(row):
                prefix = parts = _key_parts(m.group(2))
                if m.group(1) == "[[":
                    counts[parts] = counts.get(parts, -1) + 1
                    prefix = (*parts, counts[parts])
                for p in (parts, prefix):
                    self.spots.setdefault(p, (ln, m.start(2) + 1, m.start(2) + 1))
            elif m := _KEY_LINE.match(row):
                key = (*prefix, *_key_parts(m.group(1)))
                self.spots.setdefault(key, (ln, m.start(1) + 1, m.end() + 1))

    def expression_at(self, path, text) -> dict:
        """``file``, ``line`` and ``column`` of the first character of ``text``."""
        if self.file is None:
            label = f"intermediate {path[1]}" if path[0] == "intermediates" else path[0]
            return {"file": f"<{label}>", "line": 1, "column": 1}
        if path in self.spots:
            ln, _, col = self.spots[path]
            rest = self.lines[ln - 1][col - 1:]
            if rest.startswith(('"""', "'''")):  # TOML drops a newline right after them
                ln, col = (ln + 1, 1) if not rest[3:].strip() else (ln, col + 3)
            elif rest.startswith(('"', "'")):
                col += 1
        elif text and text in self.text:  # e.g. in an inline table
            before = self.text[:self.text.index(text)]
            ln, col = before.count("\n") + 1, len(before.rsplit("\n", 1)[-1]) + 1
        else:
            ln, col = self._spot(path)
        return {"file": self.file, "line": ln, "column": col}

    def _spot(self, path, key=False):
        while path and path not in self.spots:
            path, key = path[:-1], True  # in an inline table: point at its key
        if not path:
            return None, None
        ln, key_col, value_col = self.spots[path]
        return ln, key_col if key else value_col

    def error(self, path, message, key=False) -> ModelError:
        if self.file is None:
            return ModelError(message)
        return ModelFileError(message, where=where(self.file, *self._spot(path, key)))

    @contextmanager
    def located(self, path, key=False):
        """Give a ModelError raised inside the position of ``path`` in the file."""
        try:
            yield
        except ModelFileError:
            raise
        except ModelError as e:
            if self.file is None:
                raise
            raise self.error(path, e.message, key) from None


def _key_parts(dotted: str) -> tuple:
    return tuple(p.strip("\"'") for p in re.findall(_KEY, dotted))


def build_model(name, params, data, intermediates, cost, *, latex=None, description="",
                datasets=None) -> Model:
    """A :class:`Model` from names and expression strings.

    Args:
        name: the model's short name.
        params, data: lists of parameter and data-column names.
        intermediates: ``(name, expression)`` pairs in order, or an ordered dict.
        cost: the cost expression, e.g. ``"mean((a - z)**2)"``.
        latex: optional name → LaTeX glyph (``"w_1"``, ``"w^{(2)}"``).
        description: one line for ``derive models``.
        datasets: optional data-set name → column name → list of numbers.

    Returns:
        The :class:`Model`.

    Raises:
        ModelError: a bad or repeated name, a malformed data set, or a cost
            that does not depend on every parameter.
        ModelFileError: an expression that cannot be read; ``where`` is
            e.g. ``<cost>:1:7`` or ``<intermediate a>:1:3``.
    """
    if isinstance(intermediates, dict):
        intermediates = list(intermediates.items())
    pairs = []
    for item in intermediates or ():
        if not (isinstance(item, (tuple, list)) and len(item) == 2):
            raise ModelError(f"intermediate {item!r} must be a (name, expression) pair")
        pairs.append((*item, ("intermediates", item[0]), ("intermediates", item[0])))
    return _assemble(_Places(), name, params, data, pairs, cost, latex, description, datasets)


def _names(places, key, value, required) -> list:
    if value is None and not required:
        return []
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise places.error((key,), f"{key} must be a list of names in quotes, "
                                   "e.g. [\"w1\", \"b\"]")
    if required and not value:
        raise places.error((key,), f"{key} must name at least one parameter")
    return list(value)


def _assemble(places, name, params, data, pairs, cost, latex, description, datasets) -> Model:
    if not isinstance(name, str) or not name.strip():
        raise places.error(("name",), "name must be a non-empty string")
    if not isinstance(description, str):
        raise places.error(("description",), "description must be a string")
    params, data = _names(places, "params", params, True), _names(places, "data", data, False)
    scope = Scope()
    for key, names, kind in (("params", params, "parameter"), ("data", data, "data column")):
        with places.located((key,)):
            for each in names:
                scope.declare(each, kind)
    definitions = []
    for target, text, name_path, expr_path in pairs:
        with places.located(name_path, key=True):
            scope.check(target, "intermediate")  # before the text: a clearer error
        if not isinstance(text, str):
            raise places.error(expr_path, f"intermediate {target!r} must be an expression string")
        expr = parse_expression(text, scope, **places.expression_at(expr_path, text))
        definitions.append((scope.define(target, expr), expr))
    if not isinstance(cost, str):
        raise places.error(("cost",), "cost must be an expression string, "
                                      "e.g. \"mean((a - y)**2)\"")
    cost_expr = parse_expression(cost, scope, cost=True, **places.expression_at(("cost",), cost))
    if not isinstance(latex or {}, dict):
        raise places.error(("latex",), "latex must be a table of name = \"glyph\"")
    for key, glyph in (latex or {}).items():
        if key not in scope.kinds:
            raise places.error(("latex", key), f"latex given for unknown name {key!r}; known "
                                               f"names: {', '.join(scope.kinds)}", key=True)
        with places.located(("latex", key)):
            if not isinstance(glyph, str):
                raise ModelError(f"the latex of {key!r} must be a string such as \"w_1\"")
            parse_glyph(glyph)
    tables = _datasets(places, datasets, data)
    with places.located(()):  # Model's own checks: the file, no line to name
        return Model(name=name, params=tuple(sp.Symbol(p) for p in params),
                     data=tuple(sp.IndexedBase(d) for d in data), intermediates=definitions,
                     cost=cost_expr, glyphs=dict(latex or {}), description=description,
                     datasets=tables)


def _datasets(places, datasets, data) -> dict:
    if not isinstance(datasets or {}, dict):
        raise places.error(("datasets",), "datasets must be a table of data sets")
    out = {}
    for set_name, columns in (datasets or {}).items():
        path, what = ("datasets", set_name), f"data set {set_name!r}"
        if not isinstance(columns, dict):
            raise places.error(path, f"{what} must be a table of column = [numbers]")
        if missing := [d for d in data if d not in columns]:
            raise places.error(path, f"{what} has no column {missing[0]!r}", key=True)
        first = next(iter(columns), None)
        for column, values in columns.items():
            at = (*path, column)
            if column not in data:
                raise places.error(at, f"{what}: {column!r} is not a data column; data "
                                       f"columns: {', '.join(data) or 'none'}", key=True)
            if not isinstance(values, (list, tuple)) or not values:
                raise places.error(at, f"{what}, column {column!r}: expected a non-empty "
                                       "list of numbers")
            for k, v in enumerate(values):
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                    raise places.error(at, f"{what}, column {column!r}: value {k + 1} "
                                           f"({v!r}) is not a finite number")
            if len(values) != len(columns[first]):
                raise places.error(at, f"{what}: column {column!r} has {len(values)} values "
                                       f"but {first!r} has {len(columns[first])}")
        out[set_name] = {d: tuple(float(v) for v in columns[d]) for d in data}
    return out


# -- the file -----------------------------------------------------------------

def load_model_file(path) -> Model:
    """Read a model from a TOML file (the format is in this module's docstring).

    Args:
        path: the file; the model's name defaults to its stem.

    Returns:
        The model.

    Raises:
        ModelFileError: the file is missing or not UTF-8 TOML; a key is missing,
            unknown or of the wrong type; an expression cannot be read; a data
            set is malformed; or the model is invalid. ``where`` is
            ``path:line:column`` whenever the place is known.
    """
    path = Path(path)
    file = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ModelFileError("model file not found", where=file) from None
    except OSError as e:
        raise ModelFileError(f"cannot read the model file: {e.strerror}", where=file) from None
    try:
        text = raw.decode("utf-8-sig")  # tolerate the BOM some editors write
    except UnicodeDecodeError as e:
        before = raw[:e.start].split(b"\n")
        spot = len(before), len(before[-1].decode("utf-8", "replace")) + 1
        raise ModelFileError(f"the model file is not UTF-8 (byte 0x{raw[e.start]:02x})",
                             where=where(file, *spot)) from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.fullmatch(r"(.*?) \((?:at line (\d+), column (\d+)|at end of document)\)", str(e))
        message, spot = (m.group(1), [int(g) for g in m.groups()[1:] if g]) if m else (str(e), [])
        raise ModelFileError(f"invalid TOML: {message}", where=where(file, *spot)) from None
    places = _Places(file, text)
    for key in doc:
        if key not in KEYS:
            raise places.error((key,), f"unknown key {key!r}; allowed keys: {', '.join(KEYS)}",
                               key=True)
    for key in ("params", "cost"):
        if key not in doc:
            raise ModelFileError(f"missing required key {key!r}", where=file)
    return _assemble(places, doc.get("name", path.stem), doc["params"], doc.get("data"),
                     _file_intermediates(places, doc.get("intermediates", {})), doc["cost"],
                     doc.get("latex"), doc.get("description", ""), doc.get("datasets"))


def _file_intermediates(places, value) -> list:
    """``[intermediates]`` or ``[[intermediates]]`` as (name, text, name path, text path)."""
    if isinstance(value, dict):
        return [(k, v, ("intermediates", k), ("intermediates", k)) for k, v in value.items()]
    if not isinstance(value, list):
        raise places.error(("intermediates",), "intermediates must be a table of name = \"expr\"")
    out = []
    for k, entry in enumerate(value):
        path = ("intermediates", k)
        if not isinstance(entry, dict) or set(entry) != {"name", "expr"}:
            raise places.error(path, "each [[intermediates]] table needs exactly the keys "
                                     "name and expr", key=True)
        out.append((entry["name"], entry["expr"], (*path, "name"), (*path, "expr")))
    return out
