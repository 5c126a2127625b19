"""NumPy array expressions read from Python's ``ast``: shapes, values, gradients, code.

:mod:`derive.checkcode` checks hand-written backprop; this module is its machinery:

* :class:`Builder` turns an ``ast`` expression of the supported subset into an
  :class:`E` tree (helpers defined in the file are inlined, keeping the call for
  printing) and infers shapes on the way, with one symbol per dimension (:class:`Shapes`);
* :func:`evaluate` computes an :class:`E` with float64 NumPy (the file is never run);
* :func:`backprop` applies the vjp table :data:`VJP` and returns, symbolically, the
  contribution of one expression to the adjoint of every variable in it;
* :func:`tidy` and :class:`Printer` turn such a contribution into a line of code in
  the file's own idiom (``.dot`` or ``@``, ``np.sum`` or ``.sum``, its helpers).
"""

from __future__ import annotations

import ast
import itertools
from fractions import Fraction

import numpy as np


class Unsupported(Exception):
    """Code outside the supported subset; ``node`` (an ast node) gives the line."""

    def __init__(self, reason: str, node=None):
        super().__init__(reason)
        self.reason, self.node = reason, node


class EvalError(Exception):
    """A written expression cannot be evaluated (a shape error, usually)."""


class E:
    """One node: ``op``, argument nodes, attributes, source text and shape."""

    __slots__ = ("op", "args", "attrs", "src", "shape")

    def __init__(self, op, args=(), src=None, shape=None, **attrs):
        self.op, self.args, self.attrs, self.src, self.shape = op, tuple(args), attrs, src, shape

    def __repr__(self):
        return f"E({self.op}, {self.attrs or ''}{list(self.args) if self.args else ''})"


def var(name, display=None, shape=None):
    """A named value: ``name`` is unique per assignment, ``display`` is the file's name."""
    return E("var", shape=shape, name=name, display=display or name)


def const(value):
    """A float constant (shape ``()``)."""
    return E("const", shape=(), value=float(value))


UNARY = {"exp": np.exp, "log": np.log, "tanh": np.tanh, "sqrt": np.sqrt, "abs": np.abs}
COMPARE = {"gt": np.greater, "ge": np.greater_equal, "lt": np.less, "le": np.less_equal,
           "eq": np.equal}
BINARY = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
          "pow": np.power, "maximum": np.maximum, **COMPARE}
AST_OPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow",
           ast.MatMult: "matmul", ast.Gt: "gt", ast.GtE: "ge", ast.Lt: "lt", ast.LtE: "le",
           ast.Eq: "eq"}
SYMBOL = {"add": "+", "sub": "-", "mul": "*", "div": "/", "matmul": "@", "pow": "**",
          "gt": ">", "ge": ">=", "lt": "<", "le": "<=", "eq": "=="}
REDUCE = ("sum", "mean", "max")
#: numpy.<name> -> (op, number of arguments); methods count their object
NP = {**{f: (f, 1) for f in UNARY}, "square": ("square", 1), "dot": ("matmul", 2),
      "matmul": ("matmul", 2), "multiply": ("mul", 2), "add": ("add", 2),
      "subtract": ("sub", 2), "divide": ("div", 2), "power": ("pow", 2),
      "maximum": ("maximum", 2), "transpose": ("T", 1), "ones_like": ("ones_like", 1),
      "where": ("where", 3)}
METHODS = {"dot": ("matmul", 2), "transpose": ("T", 1)}
FLOAT = {"float", "np.float64", "numpy.float64", "'float'", "'float64'"}


# -- shapes -------------------------------------------------------------------------
# A shape is a tuple of dimensions: 1 (a broadcast axis) or a symbol, merged by
# union-find when the forward pass says two axes are equal. An input nobody has
# constrained yet has the shape Wild(name): whether it is a matrix, a bias column or
# a scalar is decided after the whole program is read, from how it was used.

class Wild:
    """The still-unknown shape of input ``name``."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name


class Shapes:
    """Dimension symbols, input shapes and the evidence about unknown inputs."""

    def __init__(self, params=()):
        self.parent, self.inputs, self.hints = {}, {}, {}
        self.params = set(params)
        self.samples = None  # the axis symbol of the samples (columns of X in W @ X)
        self.listen = True  # False while reading updates: `W -= lr * dW` says nothing new
        self._ids = itertools.count(100)

    def new(self):
        d = next(self._ids)
        self.parent[d] = d
        return d

    def find(self, d):
        while d != 1 and self.parent[d] != d:
            d = self.parent[d]
        return d

    def unify(self, a, b):
        a, b = self.find(a), self.find(b)
        if a != b:
            a, b = (b, a) if a == 1 else (a, b)
            self.parent[a] = b

    def input(self, name):
        """The shape of input ``name``: a tuple once known, else its Wild."""
        self.hints.setdefault(name, [])
        return self.inputs.get(name) or Wild(name)

    def get(self, s):
        """``s`` with inputs looked up and dimensions resolved (a Wild if still unknown)."""
        if isinstance(s, Wild):
            if s.name not in self.inputs:
                return s
            s = self.inputs[s.name]
        return tuple(self.find(d) for d in s)

    def rank(self, s, k=2):
        """``s``, deciding a still-unknown input as a ``k``-dimensional array."""
        s = self.get(s)
        if isinstance(s, Wild):
            self.inputs[s.name] = s = tuple(self.new() for _ in range(k))
        return s

    def broadcast(self, op, a, b, strict):
        """The shape of an elementwise ``op``; unifies axes only when ``strict``."""
        a, b = self.get(a), self.get(b)
        if isinstance(a, Wild) or isinstance(b, Wild):
            # a product in a backward line says little (lr * dW: lr is a scalar); a sum,
            # or a forward-pass product, says "same shape"
            for w, role, other in ((a, "left", b), (b, "right", a)):
                if isinstance(w, Wild) and self.listen and (strict or op in ("add", "sub",
                                                                             "bias")):
                    self.hints[w.name].append((op, role, other))
            if isinstance(a, Wild) and isinstance(b, Wild):  # x * w: the data sets the shape
                return a if b.name in self.params else b
            return b if isinstance(a, Wild) else a
        n = max(len(a), len(b))
        a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
        for x, y in zip(a, b):
            if strict and 1 not in (x, y):
                self.unify(x, y)
        return tuple(y if x == 1 else x for x, y in zip(a, b))

    def decide(self):
        """Give every input still unknown a shape, from how the program used it.

        What is added to a matrix product, or a parameter added to a matrix, is a bias:
        that shape with the samples axis set to 1. Data combined with an array takes
        its shape, except as a divisor (``/ m``). Anything else is a scalar.
        """
        for last in (False, True):  # twice: a hint may name an input decided later
            for name, hints in self.hints.items():
                for op, role, other in hints if name not in self.inputs else ():
                    other = self.get(other)
                    if isinstance(other, Wild) or other == ():
                        continue
                    if op == "bias" or name in self.params:
                        if op in ("add", "sub", "bias"):
                            samples = self.find(self.samples) if self.samples else None
                            self.inputs[name] = tuple(1 if d == samples else d for d in other) \
                                if samples in other else other[:-1] + (1,)
                            break
                    elif not (op == "div" and role == "right"):
                        self.inputs[name] = other
                        break
                if last and name not in self.inputs:
                    self.inputs[name] = ()

    def sizes(self):
        """A distinct size for every dimension symbol (5 for the samples axis)."""
        # no 2: with two classes, softmax cross-entropy is half the binary one, and a
        # wrong loss would pass for a right one
        pool = itertools.count(3)
        sizes = {self.find(self.samples): 5} if self.samples and self.find(self.samples) != 1 \
            else {}
        for d in self.parent:
            if self.find(d) != 1 and self.find(d) not in sizes:
                sizes[self.find(d)] = next(n for n in pool if n != 5)
        return sizes

    def concrete(self, s, sizes):
        """The integer shape of ``s``."""
        s = self.get(s)
        return () if isinstance(s, Wild) else tuple(1 if d == 1 else sizes[d] for d in s)


# -- reading ast ----------------------------------------------------------------------

class Builder:
    """Turns ``ast`` expressions into :class:`E` trees with shapes.

    ``lookup(name, node)`` gives the :class:`E` a name currently stands for (and
    raises :class:`Unsupported` for names it cannot vouch for); ``helpers`` maps the
    names of functions defined in the file to their ``ast.FunctionDef``; ``kinds``
    maps helper names to ``("f", "sigmoid")`` (the helper is sigmoid) or
    ``("d", "sigmoid")`` (it is sigmoid's derivative). ``strict``: the code read is
    trusted (the forward pass), so its shapes constrain the dimensions.
    """

    def __init__(self, shapes, lookup, helpers=None, np_names=("np", "numpy"), source=""):
        self.sh, self.lookup, self.helpers = shapes, lookup, helpers or {}
        self.np_names, self.source = set(np_names), source
        self.file_source = source  # where helpers are defined (differs for --cost text)
        self.kinds, self.typos, self.strict, self.depth = {}, [], True, 0

    def mk(self, op, *a, src=None, **attrs):
        """A new node with its shape, simplified locally so rules can be written plainly."""
        if op in BINARY and len(a) == 2 and all(x.op == "const" for x in a):
            return const(BINARY[op](a[0].attrs["value"], a[1].attrs["value"]))
        if op == "mul":
            for x, y in ((a[0], a[1]), (a[1], a[0])):
                if _is(x, 1):
                    return y
                if _is(x, -1):
                    return self.mk("neg", y)
        if (op == "div" or op == "pow") and _is(a[1], 1) or op in ("add", "sub") and _is(a[1], 0):
            return a[0]
        if op == "add" and a[1].op == "neg":
            return self.mk("sub", a[0], a[1].args[0])
        if op in ("neg", "T") and a[0].op == op:
            return a[0].args[0]
        if op == "neg" and a[0].op == "const":
            return const(-a[0].attrs["value"])
        e = E(op, a, src=src, **attrs)
        e.shape = self._shape(e)
        return e

    def _shape(self, e):
        op, sh, at = e.op, self.sh, e.attrs
        s = [x.shape for x in e.args]
        if op in ("const", "shape", "size"):
            return ()
        if op in UNARY or op in ("neg", "float", "ones_like", "call"):
            return at["body"].shape if op == "call" else s[0]
        if op in BINARY:
            # whatever is added to a matrix product is a bias (W @ X + b)
            bias = op == "add" and any(x.op == "matmul" for x in e.args)
            return sh.broadcast("bias" if bias else op, s[0], s[1], self.strict)
        if op == "where":
            return sh.broadcast(op, sh.broadcast(op, s[0], s[1], self.strict), s[2], self.strict)
        if op == "T":
            return tuple(reversed(sh.rank(s[0])))
        if op == "expand_dims":
            r = sh.rank(s[0], 1)
            return r[:at["axis"]] + (1,) + r[at["axis"]:]
        if op == "matmul":
            a, b = sh.rank(s[0]), sh.rank(s[1])
            if self.strict:
                sh.unify(a[-1], b[0] if len(b) == 1 else b[-2])
            return a[:-1] + b[1:]
        axis = at["axis"]  # a reduction; over everything, of an unknown input: a vector
        r = sh.rank(s[0], 1 if axis is None else 2)
        if axis is None:
            return (1,) * len(r) if at["keepdims"] else ()
        if not -len(r) <= axis < len(r):
            raise Unsupported(f"`{e.src}`: axis {axis} is out of range for {len(r)} axes")
        at["axis"] = axis = axis % len(r)
        return r[:axis] + ((1,) if at["keepdims"] else ()) + r[axis + 1:]

    def expr(self, node, local=None):
        """The :class:`E` of ``ast`` expression ``node`` (``local``: a helper's names)."""
        local, ex = local or {}, lambda n: self.expr(n, local)  # noqa: E731
        src = ast.get_source_segment(self.source, node) if self.source else None
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return const(node.value)
        if isinstance(node, ast.Name):
            return local[node.id] if node.id in local else self.lookup(node.id, node)
        if isinstance(node, ast.BinOp) and type(node.op) in AST_OPS:
            return self._op(AST_OPS[type(node.op)], [ex(node.left), ex(node.right)], src, node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            a = ex(node.operand)
            return self.mk("neg", a, src=src) if isinstance(node.op, ast.USub) else a
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in AST_OPS:
            return self.mk(AST_OPS[type(node.ops[0])], ex(node.left), ex(node.comparators[0]),
                           src=src)
        if isinstance(node, ast.Attribute) and node.attr in ("T", "size"):
            return self.mk(node.attr, ex(node.value), src=src)
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) \
                and node.value.attr == "shape" and isinstance(node.slice, ast.Constant) \
                and type(node.slice.value) is int:
            return self.mk("shape", ex(node.value.value), src=src, index=node.slice.value)
        if isinstance(node, ast.Call):
            return self._call(node, local, src)
        raise Unsupported(f"`{src}` ({type(node).__name__}) is outside the supported subset",
                          node)

    def _op(self, op, args, src, node):
        if op == "square":
            op, args = "pow", [args[0], const(2)]
        if op == "matmul":
            if () in (self.sh.get(x.shape) for x in args):
                raise Unsupported(f"`{src}`: matrix product with a scalar", node)
            self._note_samples(*args)
        return self.mk(op, *args, src=src)

    def _note_samples(self, a, b):
        # The axis of a data matrix that a parameter matrix does not contract is the
        # samples axis (columns of X in W @ X, rows in X @ W); biases broadcast along it.
        for x, free in ((b, -1), (a, 0)):
            if self.sh.samples is None and x.op == "var" and x.attrs["name"] in self.sh.hints \
                    and x.attrs["name"] not in self.sh.params:
                s = self.sh.rank(x.shape)
                self.sh.samples = s[free] if len(s) == 2 else None
                return

    def _call(self, node, local, src):
        f, kw, ex = node.func, {k.arg: k.value for k in node.keywords}, \
            lambda n: self.expr(n, local)  # noqa: E731
        if isinstance(f, ast.Constant) and type(f.value) in (int, float) and len(node.args) == 1:
            # `2(A2 - y)` is maths notation, but in Python it calls the number 2
            self.typos.append(f"`{src}` calls the number {f.value} (a TypeError when run); "
                              "multiplication needs `*`")
            return self.mk("mul", const(f.value), ex(node.args[0]), src=src)
        if isinstance(f, ast.Attribute):
            is_np = isinstance(f.value, ast.Name) and f.value.id in self.np_names \
                and f.value.id not in local
            pos = list(node.args) if is_np else [f.value, *node.args]
            if f.attr in REDUCE and pos:
                return self._reduce(f.attr, ex(pos[0]), pos[1:], kw, src, node)
            if f.attr == "astype" and not is_np and len(pos) == 2 and ast.unparse(pos[1]) in FLOAT:
                return self.mk("float", ex(pos[0]), src=src)
            op, n = (NP if is_np else METHODS).get(f.attr, (None, 0))
            if op is None or n != len(pos) or kw:  # said before reading the arguments
                raise Unsupported(f"`{src}`: {ast.unparse(f)}" + " with these arguments" * bool(
                    op) + " is outside the supported subset", node)
            return self._op(op, [ex(a) for a in pos], src, node)
        if isinstance(f, ast.Name) and f.id in self.helpers and not kw:
            return self._helper(f.id, [ex(a) for a in node.args], src, node)
        if isinstance(f, ast.Name) and f.id in ("len", "abs") and len(node.args) == 1 and not kw:
            a = ex(node.args[0])
            return self.mk("shape", a, src=src, index=0) if f.id == "len" \
                else self.mk("abs", a, src=src)
        raise Unsupported(f"`{src}`: calls {ast.unparse(f)}, which is outside the supported "
                          "subset (not NumPy and not defined in this file)", node)

    def _reduce(self, name, x, pos, kw, src, node):
        try:  # the only positional argument after the array is the axis
            opts = {k: ast.literal_eval(v) for k, v in {**dict(zip(("axis", "?"), pos)),
                                                        **kw}.items()}
        except ValueError:
            opts = {"axis": "?"}
        axis, keep = opts.pop("axis", None), opts.pop("keepdims", False)
        if opts or not (axis is None or type(axis) is int) or type(keep) is not bool:
            raise Unsupported(f"`{src}`: only a number as axis and True/False as keepdims "
                              "are supported", node)
        return self.mk(name, x, src=src, axis=axis, keepdims=keep)

    def helper_for(self, kind, x):
        """A call of the file's helper of ``kind`` (``("d", "sigmoid")``) on ``x``, or None."""
        name = next((n for n, k in self.kinds.items() if k == kind), None)
        return self._helper(name, [x], None, None) if name else None

    def _helper(self, name, args, src, node):
        fn = self.helpers[name]
        params = [a.arg for a in fn.args.args]
        where = f"{name}() (line {fn.lineno})"
        if len(params) != len(args) or fn.args.vararg or fn.args.kwarg or fn.args.kwonlyargs:
            raise Unsupported(f"`{src}`: {where} takes {len(params)} positional arguments", node)
        if self.depth > 20:
            raise Unsupported(f"`{src}`: {where} calls itself", node)
        local, result = dict(zip(params, args)), None
        self.depth, outer, self.source = self.depth + 1, self.source, self.file_source
        try:
            for st in fn.body:
                if isinstance(st, ast.Assign) and len(st.targets) == 1 \
                        and isinstance(st.targets[0], ast.Name):
                    local[st.targets[0].id] = self.expr(st.value, local)
                elif isinstance(st, ast.Return) and st.value is not None and st is fn.body[-1]:
                    result = self.expr(st.value, local)
                elif not (isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant)):
                    raise Unsupported(f"line {st.lineno} `{ast.unparse(st)}` is outside the "
                                      "supported subset", node)
        except Unsupported as u:  # say where the helper is used, and what inside it
            raise Unsupported(f"in {where}: {u.reason}", node) from None
        finally:
            self.depth, self.source = self.depth - 1, outer
        if result is None:
            raise Unsupported(f"{where} does not end with a return", node)
        return self.mk("call", *args, src=src, name=name, body=result)


def _is(e, value):
    return e.op == "const" and e.attrs["value"] == value


# -- evaluating -----------------------------------------------------------------------

def evaluate(e, env, adj=None, memo=None):
    """The float64 value of ``e``; ``env`` holds variables, ``adj`` adjoints by name.

    Raises:
        EvalError: an operation's shapes do not fit; the message names the code.
    """
    memo = {} if memo is None else memo
    if id(e) not in memo:
        op, at = e.op, e.attrs
        if op in ("var", "adj"):
            memo[id(e)] = (env if op == "var" else adj)[at["name"]]
        elif op in ("const", "call"):
            memo[id(e)] = at["value"] if op == "const" else evaluate(at["body"], env, adj, memo)
        else:
            x = [evaluate(a, env, adj, memo) for a in e.args]
            with np.errstate(all="ignore"):
                memo[id(e)] = _apply(e, x, [np.shape(v) for v in x])
    return memo[id(e)]


def _apply(e, x, shapes):
    op, at, src = e.op, e.attrs, e.src or e.op
    if op == "matmul":
        a, b = shapes
        if not a or not b or a[-1] != (b[0] if len(b) == 1 else b[-2]):
            raise EvalError(f"`{src}` multiplies shape {_fmt(a)} by shape {_fmt(b)}")
        return np.matmul(*x)
    if op in BINARY or op == "where":
        try:
            np.broadcast_shapes(*shapes)
        except ValueError:
            raise EvalError(f"`{src}` combines shapes "
                            f"{' and '.join(map(_fmt, shapes))}") from None
        return np.where(*x) if op == "where" else BINARY[op](*x) * 1.0
    axis = at.get("index", at.get("axis"))
    if op in ("shape", *REDUCE) and axis is not None and not -len(shapes[0]) <= axis < len(
            shapes[0]):
        raise EvalError(f"`{src}`: shape {_fmt(shapes[0])} has no axis {axis}")
    if op in REDUCE:
        return getattr(np, op)(x[0], axis=axis, keepdims=at["keepdims"])
    return {"neg": np.negative, "float": lambda v: np.asarray(v, dtype=float),
            "T": np.transpose, "ones_like": lambda v: np.ones_like(v, dtype=float),
            "expand_dims": lambda v: np.expand_dims(v, axis),
            "size": lambda v: float(np.size(v)), "shape": lambda v: float(np.shape(v)[axis]),
            **UNARY}[op](x[0])


def _fmt(shape):
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


# -- derivatives ----------------------------------------------------------------------
# Known elementwise functions: how to compute one, and its derivative written the way
# backprop code writes it, from the output `out` where that is the idiom (σ(1 − σ)).

def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


KNOWN = {
    "sigmoid": (_sigmoid, lambda b, x, out: b.mk("mul", out, b.mk("sub", const(1), out))),
    "tanh": (np.tanh, lambda b, x, out: b.mk("sub", const(1), b.mk("pow", out, const(2)))),
    "relu": (lambda z: np.maximum(0, z), lambda b, x, out: b.mk("gt", x, const(0))),
    "softplus": (lambda z: np.log1p(np.exp(z)),
                 lambda b, x, out: b.helper_for(("f", "sigmoid"), x) or b.mk(
                     "div", const(1), b.mk("add", const(1), b.mk("exp", b.mk("neg", x))))),
}
DERIVATIVES = {"sigmoid": lambda z: _sigmoid(z) * (1 - _sigmoid(z)),
               "tanh": lambda z: 1 - np.tanh(z) ** 2, "relu": lambda z: (z > 0) * 1.0,
               "softplus": _sigmoid}


def identify(fn: ast.FunctionDef, helpers, np_names):
    """``("f", name)`` if helper ``fn`` computes a known function, ``("d", name)`` if it
    computes its derivative, else None (found by evaluating it, never by its name)."""
    if len(fn.args.args) != 1:
        return None
    z = np.linspace(-3.1, 2.9, 13)  # no zero: relu' is undefined there

    def lookup(name, node):
        raise Unsupported(f"uses {name}", node)
    b = Builder(Shapes(), lookup, helpers, np_names)
    b.strict = False
    try:
        call = ast.Call(ast.Name(fn.name), [ast.Name("z")], [])
        value = evaluate(b.expr(call, {"z": var("z", shape=(b.sh.new(),))}), {"z": z})
    except (Unsupported, EvalError, RecursionError):
        return None
    for kind, table in (("f", {k: v[0] for k, v in KNOWN.items()}), ("d", DERIVATIVES)):
        for name, f in table.items():
            if np.shape(value) == z.shape and np.allclose(value, f(z), rtol=1e-12, atol=1e-12):
                return kind, name
    return None


def _ub(b, e, i, g):
    """Adjoint ``g`` of node ``e``, summed back to the shape of its argument ``i``."""
    s, o = b.sh.get(e.args[i].shape), b.sh.get(e.shape)
    if isinstance(s, Wild) or isinstance(o, Wild) or s == o:
        return g
    if s == ():
        return b.mk("sum", g, axis=None, keepdims=False)
    for _ in range(len(o) - len(s)):
        g = b.mk("sum", g, axis=0, keepdims=False)
    for axis, (x, y) in enumerate(zip(s, o[len(o) - len(s):])):
        if x == 1 and y != 1:
            g = b.mk("sum", g, axis=axis, keepdims=True)
    return g


def _vjp_reduce(b, e, g, out):
    a, at = e.args[0], e.attrs
    if at["axis"] is not None and not at["keepdims"]:
        g = b.mk("expand_dims", g, axis=at["axis"])
    g = b.mk("mul", g, b.mk("ones_like", a))
    if e.op == "mean":
        return [b.mk("div", g, b.mk("size", a) if at["axis"] is None
                     else b.mk("shape", a, index=at["axis"]))]
    if e.op == "max":
        return [b.mk("mul", g, b.mk("eq", a, b.mk("max", a, axis=at["axis"], keepdims=True)))]
    return [g]


def _vjp_pow(b, e, g, o):
    base, p = e.args
    if p.op != "const":
        raise Unsupported(f"`{e.src}`: only constant exponents can be differentiated")
    return [_ub(b, e, 0, b.mk("mul", g, b.mk("mul", p, b.mk(
        "pow", base, const(p.attrs["value"] - 1))))), None]


#: op -> rule(builder, node, adjoint of node, node's output) -> adjoints of its args
VJP = {
    "add": lambda b, e, g, o: [_ub(b, e, 0, g), _ub(b, e, 1, g)],
    "sub": lambda b, e, g, o: [_ub(b, e, 0, g), _ub(b, e, 1, b.mk("neg", g))],
    "mul": lambda b, e, g, o: [_ub(b, e, 0, b.mk("mul", g, e.args[1])),
                               _ub(b, e, 1, b.mk("mul", g, e.args[0]))],
    "div": lambda b, e, g, o: [_ub(b, e, 0, b.mk("div", g, e.args[1])), _ub(b, e, 1, b.mk(
        "neg", b.mk("div", b.mk("mul", g, e.args[0]), b.mk("pow", e.args[1], const(2)))))],
    "pow": _vjp_pow,
    "neg": lambda b, e, g, o: [b.mk("neg", g)],
    "float": lambda b, e, g, o: [g],
    "T": lambda b, e, g, o: [b.mk("T", g)],
    "matmul": lambda b, e, g, o: [b.mk("matmul", g, b.mk("T", e.args[1])),
                                  b.mk("matmul", b.mk("T", e.args[0]), g)],
    "exp": lambda b, e, g, o: [b.mk("mul", g, o)],
    "log": lambda b, e, g, o: [b.mk("div", g, e.args[0])],
    "tanh": lambda b, e, g, o: [b.mk("mul", g, b.helper_for(("d", "tanh"), e.args[0])
                                     or KNOWN["tanh"][1](b, e.args[0], o))],
    "sqrt": lambda b, e, g, o: [b.mk("div", g, b.mk("mul", const(2), o))],
    "maximum": lambda b, e, g, o: [_ub(b, e, 0, b.mk("mul", g, b.mk("gt", *e.args))),
                                   _ub(b, e, 1, b.mk("mul", g, b.mk("gt", *e.args[::-1])))],
    "where": lambda b, e, g, o: [None, b.mk("where", e.args[0], g, const(0)),
                                 b.mk("where", e.args[0], const(0), g)],
    **{r: _vjp_reduce for r in REDUCE},
}
NO_GRAD = {"const", "shape", "size", "ones_like", *COMPARE}  # piecewise constant: zero gradient


def backprop(b, root, g, out=None):
    """The adjoint contributions of ``root`` (whose adjoint is ``g``) to its variables.

    ``out`` stands for the value of ``root`` (the assigned name, so that σ' is written
    ``A * (1 - A)``). Returns ``{variable name: [contribution, ...]}``.

    Raises:
        Unsupported: an operation has no rule.
    """
    acc = {}

    def visit(e, g, out):
        kind = b.kinds.get(e.attrs.get("name")) if e.op == "call" else None
        if e.op == "var":
            acc.setdefault(e.attrs["name"], []).append(g)
        elif kind and kind[0] == "f" and len(e.args) == 1:
            # the file's own d_sigmoid if it has one, else the textbook form
            x = e.args[0]
            visit(x, b.mk("mul", g, b.helper_for(("d", kind[1]), x)
                          or KNOWN[kind[1]][1](b, x, out or e)), None)
        elif e.op == "call":
            visit(e.attrs["body"], g, out)
        elif e.op not in NO_GRAD:
            if e.op not in VJP:
                raise Unsupported(f"`{e.src}`: no derivative rule for {e.op}")
            for child, cg in zip(e.args, VJP[e.op](b, e, g, out or e)):
                if cg is not None:
                    visit(child, cg, None)
    visit(root, g, out)
    return acc


# -- tidying and printing -------------------------------------------------------------

def tidy(b, e):
    """``e`` with products in canonical order and redundant ``ones_like`` factors dropped."""
    if e.op in ("mul", "div", "neg"):
        return _product(b, *_factors(b, e))
    if not e.args or e.op == "call":
        return e
    return b.mk(e.op, *[tidy(b, a) for a in e.args], src=e.src, **e.attrs)


def _factors(b, e):
    """``e`` as (coefficient, numerator factors, denominator factors)."""
    if e.op == "const":
        return Fraction(e.attrs["value"]).limit_denominator(10 ** 6), [], []
    if e.op == "neg":
        c, n, d = _factors(b, e.args[0])
        return -c, n, d
    if e.op in ("mul", "div"):
        (c1, n1, d1), (c2, n2, d2) = _factors(b, e.args[0]), _factors(b, e.args[1])
        if e.op == "mul":
            return c1 * c2, n1 + n2, d1 + d2
        return (c1 / c2 if c2 else c1), n1 + d2, d1 + n2
    return Fraction(1), [tidy(b, e)], []


def _product(b, coef, nums, dens):
    for f in list(nums):
        if f.op == "ones_like" and len(nums) + len(dens) > 1:
            s = ()
            for x in nums + dens:
                s = s if x is f else b.sh.broadcast("mul", s, x.shape, False)
            if b.sh.get(s) == b.sh.get(f.shape):  # the other factors broadcast already
                nums.remove(f)
    e, c = None, abs(coef)
    for f in nums:
        e = f if e is None else b.mk("mul", e, f)
    if e is None:
        e = const(c)
    elif c.denominator == 1 and c != 1:
        e = b.mk("mul", const(c), e)
    elif c != 1:
        e = b.mk("div", b.mk("mul", const(c.numerator), e), const(c.denominator))
    for f in dens:
        e = b.mk("div", e, f)
    return b.mk("neg", e) if coef < 0 else e


class Printer:
    """Python source for an :class:`E`, in a file's idiom.

    ``matmul``: ``"@"``, ``"dot"`` (``a.dot(b)``) or ``"np.dot"``; ``sum``:
    ``"np"`` (``np.sum(a, axis=1)``) or ``"method"`` (``a.sum(axis=1)``);
    ``adj(name)`` gives the (text, precedence) of an adjoint (the file's ``dX``).
    """

    PREC = {"add": 10, "sub": 10, "mul": 20, "div": 20, "matmul": 20, "neg": 30, "pow": 40,
            **{c: 5 for c in COMPARE}}

    def __init__(self, matmul="@", sum="np", np="np", adj=None):
        self.matmul, self.sum, self.np, self.adj = matmul, sum, np, adj

    def __call__(self, e):
        return self._p(e)[0]

    def _p(self, e):
        op, at, np_, w = e.op, e.attrs, self.np, self._wrap
        args = [self._p(a) for a in e.args]
        if op in ("var", "adj"):
            return (at["display"], 100) if op == "var" else self.adj(at["name"])
        if op == "const":
            v = at["value"]
            return str(int(v)) if v.is_integer() else repr(v), 30 if v < 0 else 100
        if op == "matmul" and self.matmul != "@":
            if self.matmul == "dot":
                return f"{w(args[0], 100)}.dot({args[1][0]})", 100
            return f"{np_}.dot({args[0][0]}, {args[1][0]})", 100
        if op == "neg":
            return "-" + w(args[0], 30), 30
        if op in self.PREC:
            p = self.PREC[op]
            # `a @ b * c` is legal but reads ambiguously: bracket products of the other kind
            mixed = [x.op in ("mul", "div") if op == "matmul" else
                     x.op == "matmul" and op in ("mul", "div") for x in e.args]
            need = (p + (op == "pow"), p + (op != "pow"))
            return " ".join((w(args[0], 100 if mixed[0] else need[0]), SYMBOL[op],
                             w(args[1], 100 if mixed[1] else need[1]))), p
        if op in ("T", "float", "shape", "size"):
            return w(args[0], 100) + {"T": ".T", "float": ".astype(float)", "size": ".size",
                                      "shape": f".shape[{at.get('index')}]"}[op], 100
        if op in REDUCE:
            kw = ("" if at["axis"] is None else f", axis={at['axis']}") + \
                (", keepdims=True" if at["keepdims"] else "")
            if self.sum == "method":
                return f"{w(args[0], 100)}.{op}({kw[2:]})", 100
            return f"{np_}.{op}({args[0][0]}{kw})", 100
        if op == "expand_dims":
            return f"{np_}.expand_dims({args[0][0]}, {at['axis']})", 100
        name = at["name"] if op == "call" else f"{np_}.{op}"
        return f"{name}({', '.join(a[0] for a in args)})", 100

    @staticmethod
    def _wrap(text_prec, need):
        text, prec = text_prec
        return f"({text})" if prec < need else text


def substitute(e, fn, memo=None):
    """A copy of ``e`` where ``fn(node)`` (when not None) replaces a node."""
    memo = {} if memo is None else memo
    if id(e) not in memo:
        new = fn(e)
        if new is None:
            args = tuple(substitute(a, fn, memo) for a in e.args)
            attrs = dict(e.attrs)
            if e.op == "call":
                attrs["body"] = substitute(attrs["body"], fn, memo)
            new = e if args == e.args and attrs == e.attrs else \
                E(e.op, args, e.src, e.shape, **attrs)
        memo[id(e)] = new
    return memo[id(e)]


def walk(e):
    """Every node of ``e`` (helper bodies included), each once."""
    seen, stack = set(), [e]
    while stack:
        x = stack.pop()
        if id(x) not in seen:
            seen.add(id(x))
            yield x
            stack.extend(x.args + ((x.attrs["body"],) if x.op == "call" else ()))
