r"""Rows in matrix notation: ``Z^{(1)} = W^{(1)} X + b^{(1)}``, ``\delta^{(1)} =
(W^{(2)})^\top \delta^{(2)} \odot \sigma'(Z^{(1)})``, ``\pd[W^{(1)}] C = \delta^{(1)} X^\top``.

Notes on networks write whole layers at once. A document that does (it uses
``\odot``, ``^\top``, ``\mathbf{1}`` or sums over all entries ``\sum_{k,j}``)
is read here instead of entry by entry:

1. every row is read into a small tree: matrix products by juxtaposition,
   ``\odot`` (binding looser than products, as the notes write it), ``^\top``,
   σ, σ', softmax (by column), log and exp entrywise, ``\frac{1}{m}``, sums of
   all entries, and ∂ of the scalar cost by a matrix;
2. shapes are inferred by unification: a product joins inner sizes, ``+``
   and ``\odot`` join both, a lowercase Latin name (``b``) is a column that
   ``+`` repeats over the samples, ``\mathbf{1}`` a column of ones;
3. each link is evaluated in float64 for three random draws of sizes and
   values (``Y`` one-hot, as labels are); ∂C/∂V is taken by central
   differences of C with V set, everything downstream of V recomputed.

Verdicts are ``correct``, ``wrong`` (with the largest entry error), ``factor``
or ``unparsed``, as for scalar rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .errors import LatexParseError
from .extract import INLINE

MARKS = re.compile(r"\\odot|\^\s*\\top|\^\s*\{\\top\}|\\mathbf\s*\{\s*1\s*\}|\\sum_\{[a-z],\s*[a-z]\}")
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[A-Za-z]|\d+(?:\.\d+)?|\S")
_SKIP = {r"\left", r"\right", r"\,", r"\;", r"\!", r"\quad", r"\qquad", "\\ ", r"\big", r"\Big"}


def is_matrix_document(rows) -> bool:
    """Does the document write whole layers (``\\odot``, ``^\\top``, ``\\mathbf{1}``)?
    A quarter of its rows must: notes that work entry by entry and sum up with
    one ``\\nabla_w J = X^\\top r`` at the end are not."""
    rows = [r for r in rows if not r.problem]
    return bool(rows) and 4 * sum(bool(MARKS.search(r.latex)) for r in rows) >= len(rows)


# -- reading ---------------------------------------------------------------------

@dataclass(frozen=True)
class Node:
    op: str          # name, num, mul, had, add, neg, T, pow, fn, sum, ones, grad, div, entry
    args: tuple = ()
    value: object = None


class _Reader:
    def __init__(self, tex: str):
        self.toks = [t for t in _TOKEN.findall(tex) if t not in _SKIP]
        self.k = 0

    def fail(self, message):
        raise LatexParseError(message)

    def peek(self, off=0):
        return self.toks[self.k + off] if self.k + off < len(self.toks) else None

    def take(self, want=None):
        t = self.peek()
        if t is None or (want is not None and t != want):
            self.fail(f"expected {want or 'more'}, found {t or 'the end'}")
        self.k += 1
        return t

    def braced(self):
        """The raw tokens of a ``{…}`` group."""
        self.take("{")
        depth, out = 1, []
        while True:
            t = self.take()
            depth += (t == "{") - (t == "}")
            if depth == 0:
                return out
            out.append(t)

    def read(self):
        e = self.expr()
        if self.peek() is not None:
            self.fail(f"unexpected {self.peek()}")
        return e

    def expr(self):
        e = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            t = self.term()
            e = Node("add", (e, t if op == "+" else Node("neg", (t,))))
        return e

    def term(self):
        neg = False
        while self.peek() in ("-", "+"):
            neg ^= self.take() == "-"
        e = self.product()
        while self.peek() == r"\odot":
            self.take()
            e = Node("had", (e, self.product()))
        return Node("neg", (e,)) if neg else e

    def product(self):
        e = self.factor()
        while self.peek() is not None and self.peek() not in ("+", "-", ")", "}", r"\odot", ">", "<",
                                                               "]", "="):
            if self.peek() in (r"\cdot", r"\times"):
                self.take()
            e = Node("mul", (e, self.factor()))
        return e

    def factor(self):
        e = self.atom()
        while True:
            if self.peek() == "^":
                self.take()
                if self.peek() == r"\top":
                    self.take()
                    e = Node("T", (e,))
                elif self.peek() == "{":
                    inner = self.braced()
                    if inner == [r"\top"]:
                        e = Node("T", (e,))
                    elif len(inner) == 1 and inner[0].isdigit():
                        e = Node("pow", (e,), int(inner[0]))
                    elif len(inner) == 2 and inner[0] == r"\odot" and inner[1].isdigit():
                        e = Node("pow", (e,), int(inner[1]))  # A^{\odot 2}: entry by entry
                    else:
                        self.fail("a power must be a whole number or \\top")
                elif self.peek() is not None and self.peek().isdigit():
                    e = Node("pow", (e,), int(self.take()))
                else:
                    self.fail("a power must be a whole number or \\top")
            elif self.peek() == "_":  # (A - Y)_{kj}: the entries, summed by \sum_{k,j}
                self.take()
                if self.peek() == "{":
                    self.braced()
                else:
                    self.take()
                e = Node("entry", (e,))
            else:
                return e

    def name(self):
        t = self.take()
        base = t.lstrip("\\")
        label = ""
        if self.peek() == "^" and self.peek(1) == "{" and self.peek(2) == "(":
            self.take()
            label = "".join(self.braced())
        return base + label

    def atom(self):
        t = self.peek()
        if t is None:
            self.fail("an expression is missing")
        if re.fullmatch(r"\d+(?:\.\d+)?", t):
            self.take()
            return Node("num", value=float(t))
        if t == "(":
            self.take()
            e = self.expr()
            self.take(")")
            return e
        if t in (r"\frac", r"\dfrac"):
            self.take()
            top, bottom = self.braced(), self.braced()
            d = self._derivative(top, bottom)
            if d is not None:
                return d if d.op == "grad" else Node("grad", (self.factor(),), d.value)
            return Node("div", (_Reader.of(top), _Reader.of(bottom)))
        if t == r"\mathbf":
            self.take()
            if self.braced() != ["1"]:
                self.fail("only \\mathbf{1}, the column of ones, is read")
            return Node("ones")
        if t in (r"\sigma", r"\operatorname", r"\mathrm", r"\log", r"\exp", r"\ln", r"\tanh"):
            return self.function()
        if t == r"\mathbb":  # \mathbb{1}[Z > 0]: the indicator, ReLU's derivative
            self.take()
            if self.braced() != ["1"] or self.peek() != "[":
                self.fail(r"only the indicator \mathbb{1}[… > 0] is read")
            self.take("[")
            arg = self.expr()
            self.take(">")
            self.take("0")
            self.take("]")
            return Node("fn", (arg,), ("relu", True))
        if t == r"\sum":
            self.take()
            self.take("_")
            self.braced()
            return Node("sum", (self.product(),))
        if t in (r"\partial", "pd"):
            self.take()
            self.take("_")
            wrt = _Reader.of_name(self.braced()) if self.peek() == "{" else self.take()
            return Node("grad", (self.factor(),), wrt)
        if t == r"\delta" or (len(t) == 1 and t.isalpha()):
            return Node("name", value=self.name())
        self.fail(f"{t} is not read in matrix notation")

    def function(self):
        t = self.take()
        name = t.lstrip("\\")
        if t in (r"\operatorname", r"\mathrm"):
            name = "".join(self.braced())
        prime = False
        if self.peek() == "'":
            self.take()
            prime = True
        if name not in ("sigma", "softmax", "log", "exp", "ln", "relu", "ReLU", "tanh"):
            self.fail(f"the function {name} is not read in matrix notation")
        arg = self.factor() if self.peek() != "(" else self._paren()
        return Node("fn", (arg,), (name.lower().replace("ln", "log"), prime))

    def _paren(self):
        self.take("(")
        e = self.expr()
        self.take(")")
        return e

    @staticmethod
    def of(tokens):
        r = _Reader("")
        r.toks = [t for t in tokens if t not in _SKIP]
        return r.read()

    @staticmethod
    def of_name(tokens):
        r = _Reader("")
        r.toks = tokens
        return r.name()

    def _derivative(self, top, bottom):
        """``\\frac{\\partial C}{\\partial V}`` (a grad node) or ``\\frac{\\partial}{\\partial V}``
        (its variable, to apply to what follows); None for a plain fraction."""
        if not top or top[0] not in (r"\partial", "d") or not bottom or bottom[0] != top[0]:
            return None
        wrt = _Reader.of_name(bottom[1:])
        if len(top) == 1:
            return Node("wrt", value=wrt)
        return Node("grad", (_Reader.of(top[1:]),), wrt)


def read_matrix(tex: str) -> Node:
    """One side of a matrix row as a tree. Raises LatexParseError."""
    return _Reader(tex).read()


class ShapeError(ValueError):
    """Two operands whose sizes do not fit: the document's own mistake."""


def _names(node) -> set:
    out = {node.value} if node.op == "name" else set()
    if node.op == "grad":
        out.add(node.value)
    for a in node.args:
        out |= _names(a)
    return out


def _entrywise(node) -> bool:
    r"""Is ``node`` an entry (``A_{kj}``, ``\log A_{kj}``), so that a product with it
    is entry by entry?"""
    return node.op == "entry" or (node.op in ("fn", "neg", "pow", "mul") and any(
        _entrywise(a) for a in node.args))


# -- shapes -----------------------------------------------------------------------

class _Dims:
    """Union-find over size variables; ``ONE`` is the size 1."""

    ONE = "1"

    def __init__(self):
        self.parent: dict = {self.ONE: self.ONE}
        self.count = 0

    def new(self):
        self.count += 1
        v = f"d{self.count}"
        self.parent[v] = v
        return v

    def find(self, v):
        while self.parent[v] != v:
            self.parent[v] = self.parent[self.parent[v]]
            v = self.parent[v]
        return v

    def join(self, a, b):
        a, b = self.find(a), self.find(b)
        if a != b:
            if b == self.ONE:
                a, b = b, a
            self.parent[b] = a


class Shapes:
    """The shape (rows, columns) of every name, by unification over all rows."""

    def __init__(self):
        self.dims = _Dims()
        self.names: dict = {}

    def of_name(self, name):
        if name not in self.names:
            column = name[0].islower() and name[0].isalpha() and not name.startswith("delta")
            self.names[name] = (self.dims.new(), self.dims.ONE if column else self.dims.new())
        return self.names[name]

    def infer(self, node):
        """The shape of ``node``: a (rows, cols) pair, or None for a scalar."""
        op, d = node.op, self.dims
        if op == "num":
            return None
        if op == "name":
            return None if node.value in ("m", "n") else self.of_name(node.value)
        if op == "ones":
            return (d.new(), d.ONE)
        if op in ("neg", "fn", "pow", "entry"):
            return self.infer(node.args[0])
        if op == "T":
            s = self.infer(node.args[0])
            return None if s is None else (s[1], s[0])
        if op == "sum":
            self.infer(node.args[0])
            return None
        if op == "div":  # \frac{…}{m}: the denominator is a number
            return self.infer(node.args[0])
        if op == "grad":
            self.infer(node.args[0])
            return self.of_name(node.value)
        if op == "mul":
            a, b = (self.infer(x) for x in node.args)
            if a is None or b is None:
                return a or b
            if _entrywise(node.args[0]) or _entrywise(node.args[1]):
                d.join(a[0], b[0])
                d.join(a[1], b[1])
                return a
            d.join(a[1], b[0])
            return (a[0], b[1])

        if op in ("add", "had"):
            a, b = (None if x.op == "ones" else self.infer(x) for x in node.args)
            if a is None or b is None:
                return a or b
            d.join(a[0], b[0])
            if op == "had" or (d.find(a[1]) != d.ONE and d.find(b[1]) != d.ONE):
                d.join(a[1], b[1])
            return a if d.find(a[1]) != d.ONE else b
        raise LatexParseError(f"cannot give a shape to {op}")

    def same(self, a, b):
        """Two sides of one equation have one shape."""
        if a is not None and b is not None:
            self.dims.join(a[0], b[0])
            self.dims.join(a[1], b[1])


# -- values ---------------------------------------------------------------------

def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _softmax(x):
    e = np.exp(x - x.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


_FUNCS = {("sigma", False): _sigmoid, ("sigma", True): lambda x: _sigmoid(x) * (1 - _sigmoid(x)),
          ("softmax", False): _softmax, ("log", False): np.log, ("exp", False): np.exp,
          ("exp", True): np.exp, ("log", True): lambda x: 1 / x, ("tanh", False): np.tanh,
          ("tanh", True): lambda x: 1 - np.tanh(x) ** 2,
          ("relu", False): lambda x: np.maximum(x, 0), ("relu", True): lambda x: (x > 0) * 1.0}


class Values:
    """One random draw: sizes for the shape classes, values for the inputs, and
    the document's definitions computed on demand (with overrides for ∂)."""

    def __init__(self, shapes: Shapes, definitions: dict, rng: np.random.Generator):
        self.shapes, self.definitions, self.rng = shapes, definitions, rng
        self.size = {}
        self.inputs: dict = {}
        self.samples = self._size(shapes.of_name("X")[1]) if "X" in shapes.names else 3

    def _size(self, v):
        root = self.shapes.dims.find(v)
        if root == _Dims.ONE:
            return 1
        if root not in self.size:
            self.size[root] = int(self.rng.integers(2, 5))
        return self.size[root]

    def shape(self, name):
        r, c = self.shapes.of_name(name)
        return (self._size(r), self._size(c))

    def input(self, name):
        if name not in self.inputs:
            shape = self.shape(name)
            if name == "Y" and shape[0] > 1:  # labels: one-hot columns
                y = np.zeros(shape)
                y[self.rng.integers(0, shape[0], shape[1]), np.arange(shape[1])] = 1.0
                self.inputs[name] = y
            else:
                self.inputs[name] = self.rng.normal(0, 1, shape)
        return self.inputs[name]

    def value(self, node, over=None, memo=None):
        over = over if over is not None else {}
        memo = memo if memo is not None else {}
        op, a = node.op, node.args
        if op == "num":
            return node.value
        if op == "name":
            return self.name(node.value, over, memo)
        if op == "ones":
            return np.ones((self.samples, 1))
        if op == "neg":
            return -self.value(a[0], over, memo)
        if op == "T":
            return np.transpose(self.value(a[0], over, memo))
        if op == "pow":
            return self.value(a[0], over, memo) ** node.value
        if op == "entry":
            return self.value(a[0], over, memo)
        if op == "fn":
            return _FUNCS[node.value](self.value(a[0], over, memo))
        if op == "sum":
            return float(np.sum(self.value(a[0], over, memo)))
        if op == "div":
            return self.value(a[0], over, memo) / self.value(a[1], over, memo)
        if op == "mul":
            x, y = (self.value(t, over, memo) for t in a)
            if _entrywise(a[0]) or _entrywise(a[1]):  # Y_{kj} \log A_{kj}
                return x * y
            if not (np.ndim(x) and np.ndim(y)):
                return x * y
            if np.shape(x)[-1] != np.shape(y)[0]:
                raise ShapeError(f"a product's inner sizes are {np.shape(x)[-1]} "
                                 f"and {np.shape(y)[0]}")
            return x @ y
        if op in ("had", "add"):
            # \mathbf{1} - A: in a sum the ones are as many as needed
            x, y = (1.0 if t.op == "ones" else self.value(t, over, memo) for t in a)
            try:
                np.broadcast_shapes(np.shape(x), np.shape(y))
            except ValueError:
                raise ShapeError(f"shapes {np.shape(x)} and {np.shape(y)}") from None
            return x * y if op == "had" else x + y
        if op == "grad":
            return self.gradient(a[0], node.value, over)
        raise LatexParseError(f"cannot evaluate {op}")

    def name(self, name, over, memo):
        if name == "m":
            return float(self.samples)
        if name in over:
            return over[name]
        if name in memo:
            return memo[name]
        if name in self.definitions:
            out = self.value(self.definitions[name], over, memo)
        else:
            out = self.input(name)
        memo[name] = out
        return out

    def gradient(self, of, wrt, over, h=1e-6):
        """∂(scalar ``of``)/∂``wrt``, entry by entry, by central differences; what is
        upstream of ``wrt`` stays, what is downstream is recomputed."""
        base = np.array(self.name(wrt, over, {}), dtype=float)
        out = np.zeros_like(base)
        for idx in np.ndindex(base.shape):
            up, down = base.copy(), base.copy()
            up[idx] += h
            down[idx] -= h
            f = [self.value(of, {**over, wrt: v}, {}) for v in (up, down)]
            out[idx] = (f[0] - f[1]) / (2 * h)
        return out


def compare(left, right, shapes, definitions, seed=0):
    """``(verdict, reason, factor)`` for ``left = right`` over three random draws."""
    ratios = []
    for draw in range(3):
        vals = Values(shapes, definitions, np.random.default_rng(seed + draw))
        with np.errstate(all="ignore"):
            a, b = vals.value(left), vals.value(right)
        a, b = np.asarray(a, float), np.asarray(b, float)
        if a.shape != b.shape:
            return "wrong", f"shape {a.shape} where {b.shape} belongs", None
        if np.allclose(a, b, rtol=1e-5, atol=1e-7):
            ratios.append(1.0)
            continue
        scale = float(np.vdot(a, b) / max(np.vdot(b, b), 1e-300))
        if np.allclose(a, scale * b, rtol=1e-5, atol=1e-7) and abs(scale) > 1e-9:
            ratios.append(scale)
            continue
        err = float(np.max(np.abs(a - b)))
        return "wrong", f"entries differ by up to {err:.3g}", None
    if all(abs(r - 1) < 1e-9 for r in ratios):
        return "correct", "", None
    if max(ratios) - min(ratios) < 1e-6 * max(1, abs(ratios[0])):
        return "factor", f"off by a constant factor {ratios[0]:.6g}", ratios[0]
    return "wrong", "not equal for every size", None


# -- a document's chains ------------------------------------------------------------

def judge_chains(parsed, unread=()):
    """Verdicts for chains of ``(node, latex, row)``: ``[(row, verdict, reason, factor)]``.

    A chain whose left side is a name not defined before it defines that name
    by its first link (``Z^{(1)} = W^{(1)} X + b^{(1)}``, ``\\delta^{(2)} =
    \\pd[Z^{(2)}] C = …``); every other link is compared.
    """
    definitions: dict = {}
    values = set()  # ids of "at the initial point $w = 0$": a value in the prose
    for parts in sorted(parsed, key=lambda p: p[0][2].line):
        head = parts[0][0]
        if len(parts) == 2 and parts[1][0].op == "num" and parts[1][2].env in INLINE:
            values.add(id(parts))
            continue
        if head.op == "name" and head.value not in definitions and len(parts) >= 2:
            definitions[head.value] = parts[1][0]
    # shapes come from the definitions alone: a wrong row must not bend them
    shapes = Shapes()
    for name, body in definitions.items():
        shapes.same(shapes.of_name(name), shapes.infer(body))
    out = []
    for parts in parsed:
        if len(parts) < 2:
            continue
        if id(parts) in values:
            out += [(row, "unchecked", "a value the prose sets (a condition), not a "
                     "definition or a claim to check", None) for _, _, row in parts]
            continue
        lost = sorted({n for node, _, _ in parts for n in _names(node)} & set(unread))
        if lost:
            for _, _, row in parts[1:]:
                out.append((row, "unchecked", f"{lost[0]} is defined by a row that could "
                            "not be read", None))
            continue
        head = parts[0][0]
        defining = head.op == "name" and definitions.get(head.value) is parts[1][0]
        origin = None
        for k in range(1, len(parts)):
            node, _, row = parts[k]
            if k == 1 and defining:
                out.append((row, "correct", f"definition of {parts[0][1]}", None))
                continue
            try:
                verdict, reason, factor = compare(parts[k - 1][0], node, shapes, definitions)
                if verdict == "correct" and origin is not None:
                    v2, _, _ = compare(parts[0][0], node, shapes, definitions)
                    if v2 != "correct":
                        verdict, reason = v2, f"carries the error from line {origin}"
            except ShapeError as e:  # a product of sizes that do not fit
                verdict, reason, factor = "wrong", f"the shapes do not fit: {e}", None
            except (LatexParseError, KeyError, TypeError, IndexError, ValueError) as e:
                verdict, reason, factor = "unchecked", f"cannot evaluate: {e}", None
            if verdict in ("wrong", "factor") and origin is None:
                origin = row.line
            out.append((row, verdict, reason or "equals the line before", factor))
    return out
