"""Check a hand-written NumPy forward and backward pass, line by line, without running it.

``derive check-code FILE.py`` reads code like the backprop blog post of seed ``003_…``
(``Z1 = W1 @ X + B1``, ``A1 = sigmoid(Z1)``, …, ``dZ2 = dA2 * d_sigmoid(Z2)``,
``dW2 = dZ2.dot(A1.T)``, ``W1 -= dW1 * lr``). The file is parsed with :mod:`ast` and never
executed. Its forward assignments become an expression graph (:mod:`derive.npgraph`);
reverse mode over that graph gives the true adjoint of every variable. Each ``dX = ...``
line is evaluated at random points (random values, a distinct size per axis) with the
*true* values of earlier gradients, and compared with the true ∂cost/∂X. Each backward
line gets a verdict: ``correct``; ``wrong``, with the reason and the corrected line in
the file's own idiom; ``carried`` (a right formula fed by a wrong earlier line); or
``not checked`` (code outside the supported subset, with the reason).
"""

from __future__ import annotations

import ast
import re
from dataclasses import asdict, dataclass, field
from fractions import Fraction

import numpy as np

from .errors import DeriveError, where
from .files import read_text
from .npgraph import (E, REDUCE, Builder, EvalError, Printer, Shapes, Unsupported, backprop,
                      const, evaluate, identify, substitute, tidy, var, walk)

TRIALS, RTOL = 3, 1e-9
VERDICTS = ("correct", "wrong", "carried", "not checked")
#: losses a first backward line may differentiate, when the file assigns no cost
LOSSES = (("sum of squared errors", "{np}.sum(({A} - {Y}) ** 2)"),
          ("binary cross-entropy",
           "-{np}.sum({Y} * {np}.log({A}) + (1 - {Y}) * {np}.log(1 - {A}))"),
          ("cross-entropy", "-{np}.sum({Y} * {np}.log({A}))"))
#: calls that make values from nothing: the assigned name is an input (any value will do)
CONSTRUCTORS = re.compile(r"^(\w+\.random\.\w+|\w+\.(zeros|ones|empty|full|eye|array|asarray|"
                          r"load|loadtxt|genfromtxt|zeros_like|ones_like|full_like))$")


@dataclass
class Finding:
    """One checked line: ``verdict`` is one of :data:`VERDICTS`."""

    line: int
    line_end: int
    code: str
    verdict: str
    reason: str = ""
    correct_code: str | None = None
    kind: str = "gradient"  # gradient, update, helper value (delta = ...), statement


@dataclass
class Report:
    """The result of :func:`check_code`."""

    path: str
    findings: list = field(default_factory=list)
    assumed_cost: str = ""
    notes: list = field(default_factory=list)
    sizes: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no line is wrong or carried (lines not checked are listed, not failed)."""
        return not any(f.verdict in ("wrong", "carried") for f in self.findings)

    def text(self) -> str:
        """Human lines: ``file:line: wrong: <why> — should be: <code>``, then a summary."""
        out = [f"{self.path}: assumed cost: {self.assumed_cost}"]
        out += [f"{self.path}: note: {n}" for n in self.notes]
        out += [f"{self.path}:{f.line}: {f.verdict}: {f.reason}"
                + (f" — should be: {f.correct_code}" if f.correct_code else "")
                for f in self.findings if f.verdict != "correct"]
        grads = [f.verdict for f in self.findings if f.kind == "gradient"]
        counts = ", ".join(f"{grads.count(v)} {v}" for v in VERDICTS)
        return "\n".join(out + [f"{self.path}: {len(grads)} backward lines: {counts}"])

    def to_dict(self) -> dict:
        """A JSON-ready dict (for ``--json``)."""
        return {"file": self.path, "ok": self.ok, "assumed_cost": self.assumed_cost,
                "notes": self.notes, "sizes": self.sizes,
                "findings": [asdict(f) for f in self.findings]}


def check_code(path, *, cost: str | None = None) -> Report:
    """Check the backward pass of the NumPy code in ``path`` against its forward pass.

    Args:
        path: a Python file, read statically (never executed or imported).
        cost: the name of the scalar cost variable in the file, or a NumPy expression
            over the file's names (``"np.sum((A2 - y) ** 2) / X.shape[1]"``). By default
            the scalar assigned last before the backward pass, else the loss that the
            first backward line differentiates (the report states which).

    Returns:
        A :class:`Report`; ``report.ok`` is False when a line is wrong or carried.

    Raises:
        DeriveError: the file is missing, not UTF-8 or not Python (``where`` is
            ``file:line:column``), has no backward pass, or its cost cannot be found.
    """
    path = str(path)
    source = read_text(path, "Python file")
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as e:
        raise DeriveError(f"syntax error: {e.msg}", where=where(path, e.lineno, e.offset)) \
            from None
    np_names = {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.Import)
                for a in n.names if a.name == "numpy"} or {"np", "numpy"}
    defs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    scopes = [("module code", [s for s in tree.body if not isinstance(s, ast.FunctionDef)])]
    scopes += [(f"function {f.name}() (line {f.lineno})", f.body) for f in defs.values()]
    scopes = [(name, body) for name, body in scopes if _gradient_names(body)]
    if not scopes:
        raise DeriveError("no backward pass found: no assignment dX = ... to the gradient of "
                          "a forward variable X", where=path)
    helpers = {n: f for n, f in defs.items() if f.body not in [b for _, b in scopes]}
    report, costs = Report(path), []
    for name, body in scopes:
        part = _Checker(path, source, body, helpers, np_names, cost).run()
        report.findings += part.findings
        report.notes += [f"checked {name}"] * (name != "module code") + part.notes
        report.sizes.update(part.sizes)
        costs.append(part.assumed_cost)
    report.assumed_cost = "; ".join(costs)
    return report


def _names(node):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _dbase(name, known):
    """The forward name that gradient name ``name`` (dX, d_X, dx) refers to, or None."""
    return next((name[len(p):] for p in ("d_", "d") if name.startswith(p)
                 and name[len(p):] in known - {name}), None)


def _gradient_names(body):
    """Names assigned in ``body`` (loops included) that are dX of another name X."""
    known = set().union(set(), *(_names(s) for s in body))
    targets = {x.id for s in body for n in ast.walk(s)
               if isinstance(n, (ast.Assign, ast.AugAssign))
               for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
               for x in (t.elts if isinstance(t, ast.Tuple) else [t]) if isinstance(x, ast.Name)}
    return {t for t in targets if _dbase(t, known)}


def _close(a, b):
    if isinstance(a, EvalError) or a is None:
        return False
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = 1.0 + (np.abs(b).max() if b.size else 0.0)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=RTOL, atol=1e-12 * scale))


def _ratio(a, b):
    """The constant c with a = c·b, or None."""
    if isinstance(a, EvalError) or a is None:
        return None
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or not np.all(np.isfinite(a)):
        return None
    mask = np.abs(b) > 1e-12 * (1 + np.abs(b).max(initial=0))
    r = a[mask] / b[mask]
    if not mask.any() or not np.allclose(r, r[0], rtol=1e-7) \
            or not np.allclose(a[~mask], 0, atol=1e-12):
        return None
    return float(r[0])


def _same(ratios):
    return None not in ratios and bool(np.allclose(ratios, ratios[0], rtol=1e-7))


@dataclass
class _Item:
    """A backward-pass statement, checked after the whole file has been read."""

    kind: str  # gradient, update, helper value (partial: a gradient completed by +=)
    st: ast.stmt
    name: str  # the file's name it assigns
    internal: str  # the unique name of the value it assigns
    expr: E | None  # what it assigns (None: not checked, see reason)
    target: str | None  # gradient: X in dX; update: the parameter (of the forward pass)
    reason: str = ""
    typos: list = field(default_factory=list)
    env: dict = field(default_factory=dict)  # the file's names at this line
    old: str | None = None  # update: the value it replaces


class _Checker:
    """Checks one scope (module code or one function body)."""

    def __init__(self, path, source, body, helpers, np_names, cost):
        self.path, self.source, self.cost_option = path, source, cost
        self.np = "np" if "np" in np_names else sorted(np_names)[0]
        self.body, self.notes, self.findings = body, [], []
        self.known = set().union(*(_names(s) for s in body)) | set(helpers)
        self.gradnames = _gradient_names(body)
        self.sh = Shapes({_dbase(t, self.known) for t in self.gradnames})
        self.helpers = dict(helpers)
        self.b = Builder(self.sh, self._lookup, self.helpers, np_names, source)
        self.env, self.vars, self.defs, self.items = {}, {}, {}, []
        self.order, self.inputs, self.tainted, self.updated = [], [], {}, {}
        self.first_backward, self.bad, self.unchecked = None, {}, {}

    # -- reading ------------------------------------------------------------------
    def _lookup(self, name, node):
        if name in self.env or name in self.inputs:
            return self.env.get(name) or self.vars[name]
        if name in self.tainted:
            raise Unsupported(f"uses {name}, which line {self.tainted[name]} assigns with code "
                              "outside the supported subset", node)
        if name in self.gradnames or name in self.helpers or name in self.b.np_names:
            raise Unsupported(f"uses {name} before it is assigned" if name in self.gradnames
                              else f"uses {name} as a value", node)
        # a name nobody assigns is an input of the computation: any value will do
        self.env[name] = self.vars[name] = var(name, shape=self.sh.input(name))
        self.inputs.append(name)
        return self.env[name]

    def _bind(self, name, shape):
        internal = name
        while internal in self.vars:
            internal += "'"
        self.env[name] = self.vars[internal] = var(internal, name, shape)
        return internal

    def _read(self, body):
        for st in body:
            self.b.typos = []
            if isinstance(st, (ast.For, ast.While)) and _gradient_names(st.body):
                self.notes.append(f"line {st.lineno}: the loop body is checked once, as "
                                  "straight-line code")
                self._read(st.body)
                continue
            try:
                self._statement(st)
            except Unsupported as u:
                self._not_checked(st, u.reason)

    def _statement(self, st):
        if isinstance(st, (ast.Import, ast.ImportFrom, ast.Pass, ast.Return)) or (
                isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant)):
            return  # they compute nothing the gradients depend on
        if isinstance(st, ast.FunctionDef):
            self.helpers[st.name] = st
            return
        backward = {i.internal for i in self.items}
        grads = {n for n, v in self.env.items() if v.attrs["name"] in backward}
        if isinstance(st, ast.AugAssign) and isinstance(st.target, ast.Name):
            name, uses = st.target.id, _names(st.value)
            value = ast.BinOp(st.target, st.op, st.value, lineno=st.lineno,
                              col_offset=st.col_offset)
            if name in self.gradnames and name in self.env:  # dX += ...: accumulation
                return self._backward(st, name, value)
            if isinstance(st.op, (ast.Sub, ast.Add)) and uses & grads and name in self.env:
                return self._update(st, name, value)
            raise Unsupported(f"`{ast.unparse(st)}` changes {name} in place")
        if isinstance(st, ast.Assign) and len(st.targets) == 1:
            t, uses = st.targets[0], _names(st.value)
            if isinstance(t, ast.Name) and t.id in self.gradnames:
                return self._backward(st, t.id, st.value)
            if isinstance(t, ast.Name) and t.id in self.env and t.id in uses and uses & grads:
                return self._update(st, t.id, st.value)
            if isinstance(t, ast.Name):
                return self._assign(st, t.id, bool(uses & grads))
            if isinstance(t, ast.Tuple) and all(isinstance(x, ast.Name) for x in t.elts) \
                    and self._inputs(st, [x.id for x in t.elts]):
                return
        raise Unsupported(f"`{ast.unparse(st).splitlines()[0]}` is outside the supported "
                          "subset (assignments to names, parameter updates and helpers)")

    def _assign(self, st, name, uses_grads):
        self.b.strict = not uses_grads
        try:
            e = self.b.expr(st.value)
        except Unsupported:
            if self._inputs(st, [name]):
                return
            raise
        if uses_grads:  # a helper value of the backward pass (delta = ...)
            return self._item("helper value", st, name, e, None)
        if self.b.typos:
            self.findings.append(Finding(
                st.lineno, st.end_lineno, self._code(st), "wrong", "; ".join(self.b.typos),
                re.sub(r"\b(\d+(?:\.\d*)?)\s*\(", r"\1 * (", self._code(st)), "statement"))
        internal = self._bind(name, e.shape)
        self.defs[internal] = (e, st)
        self.order.append(internal)

    def _inputs(self, st, names):
        # `W1 = np.random.randn(4, 3)`, `X, y = load()`: a value made from nothing the
        # computation depends on is an input, like a name nobody assigns
        def computed(n):
            v = self.env.get(n)
            return n in self.tainted or (v is not None and n not in self.inputs
                                         and self.sh.get(v.shape) != ())
        calls = [ast.unparse(c.func) for c in ast.walk(st.value) if isinstance(c, ast.Call)]
        made = any(CONSTRUCTORS.match(c) or c not in self.helpers for c in calls) \
            or isinstance(st.value, (ast.Tuple, ast.Subscript))
        if not made or any(map(computed, _names(st.value))) or set(names) & self.gradnames:
            return False
        for n in names:
            self.env.pop(n, None)
            self.tainted.pop(n, None)
            self._lookup(n, st)
        self.notes.append(f"line {st.lineno}: {', '.join(names)} = ... is treated as an input "
                          "(gradients hold for any value)")
        return True

    def _item(self, kind, st, name, e, target, reason=""):
        internal = self._bind(name, self.vars[target].shape if target else e.shape)
        self.items.append(_Item(kind, st, name, internal, e, target, reason,
                                list(self.b.typos), dict(self.env)))
        return self.items[-1]

    def _backward(self, st, name, value):
        base = _dbase(name, self.known)
        if base not in self.env or base in self.gradnames:
            raise Unsupported(f"{name}: {base} is not assigned before this line")
        target = self.env[base].attrs["name"]
        target = self.updated.get(target, (target,))[0]  # dW is about W of the forward pass
        self.b.strict = False
        if self.first_backward is None:
            self.first_backward = (len(self.order), dict(self.env), st)
        try:
            e, reason = self.b.expr(value), ""
        except Unsupported as u:
            e, reason = None, u.reason
        self._item("gradient", st, name, e, target, reason)

    def _update(self, st, name, value):
        self.b.strict, self.sh.listen = False, False
        old = self.env[name].attrs["name"]
        root = self.updated.get(old, (old,))[0]  # the parameter of the forward pass
        try:
            item = self._item("update", st, name, self.b.expr(value), root)
        finally:
            self.sh.listen = True
        item.old, self.updated[item.internal] = old, (root, st.lineno)

    def _not_checked(self, st, reason):
        f = Finding(st.lineno, st.end_lineno, self._code(st), "not checked", reason,
                    kind="statement")
        self.findings.append(f)
        for n in ast.walk(st):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                self.tainted[n.id] = st.lineno
                self.env.pop(n.id, None)
                if n.id in self.gradnames and n.lineno == st.lineno:
                    f.kind = "gradient"  # `dW, db = ...`: the statement is a backward line
                elif n.id in self.gradnames:
                    self.findings.append(Finding(
                        n.lineno, n.end_lineno, self._code(n), "not checked",
                        f"assigned inside line {st.lineno}, outside the supported subset"))

    def _code(self, node):
        seg = ast.get_source_segment(self.source, node) or ""
        compound = (ast.For, ast.While, ast.If, ast.With, ast.Try, ast.ClassDef, ast.FunctionDef)
        return seg.splitlines()[0] if isinstance(node, compound) and seg else seg

    # -- the cost -----------------------------------------------------------------
    def _cost(self):
        """Choose the cost; returns (internal name, text of the assumption)."""
        n_fwd, env, st = self.first_backward
        opt = self.cost_option
        if opt and opt.isidentifier():
            internal = env[opt].attrs["name"] if opt in env else next(
                (i for i in self.order if self.vars[i].attrs["display"] == opt), None)
            if internal not in self.defs:
                raise DeriveError(f"--cost {opt}: the forward pass assigns no {opt}",
                                  where=self.path)
            found = internal, f"{opt} (line {self.defs[internal][1].lineno}, named with --cost)"
        elif opt:
            found = self.option_cost
        else:
            before = [i for i in self.order[:n_fwd] if self.sh.get(self.vars[i].shape) == ()
                      and self._deps(i) & self.sh.params]
            s = self.defs[before[-1]][1] if before else None
            found = (before[-1], f"{ast.unparse(s)} (line {s.lineno})") if before \
                else self._infer_cost(env, st, n_fwd)
        shape = self.sh.concrete(self.vars[found[0]].shape, self.sizes)
        if shape != ():
            raise DeriveError(f"the cost must be a scalar, but "
                              f"{self.vars[found[0]].attrs['display']} has shape {shape}",
                              where=self.path)
        return found

    def _define_cost(self, text, env, description):
        saved, self.env = self.env, dict(env)
        try:
            b = Builder(self.sh, self._lookup, self.helpers, self.b.np_names, text.strip())
            b.file_source, b.kinds, b.strict = self.source, self.b.kinds, False
            e = b.expr(ast.parse(text.strip(), mode="eval").body)
        except (SyntaxError, Unsupported) as err:
            raise DeriveError(f"--cost {text!r}: {getattr(err, 'reason', None) or err.msg}") \
                from None
        finally:
            self.env = saved
        internal = "J"  # named apart from the file's own J, if it has one
        while internal in self.vars:
            internal += "'"
        self.vars[internal] = var(internal, "J", e.shape)
        self.defs[internal] = (e, None)
        self.order.append(internal)
        return internal, description

    def _deps(self, internal):
        """The input names value ``internal`` depends on."""
        if internal not in self.defs:
            return {self.vars[internal].attrs["display"]} if internal in self.vars else set()
        return set().union(*(self._deps(n.attrs["name"]) for n in walk(self.defs[internal][0])
                             if n.op == "var"))

    def _infer_cost(self, env, st, n_fwd):
        item = next(i for i in self.items if i.kind == "gradient")
        outs = [i for i in self.order[:n_fwd] if self.sh.get(self.vars[i].shape) != ()
                and self._deps(i) & self.sh.params]
        labels = [n for n in {x.attrs["display"] for x in walk(item.expr) if x.op == "var"}
                  if n in self.inputs and n not in self.sh.params
                  and n not in self._deps(outs[-1])] if item.expr and outs else []
        for kind, template in LOSSES if len(labels) == 1 else ():
            text = template.format(np=self.np, A=self.vars[outs[-1]].attrs["display"],
                                   Y=labels[0])
            c = self._try_cost(text, env, item)
            if c is not None:
                text = self._scaled(text, c)
                return self._define_cost(text, env, (
                    f"J = {text}: {kind}, inferred from line {st.lineno} `{self._code(st)}`, "
                    "as the file assigns no scalar cost before its backward pass"))
        raise DeriveError(
            f"cannot tell which cost the backward pass differentiates: no scalar is assigned "
            f"before line {st.lineno}, and `{self._code(st)}` is not a squared error or "
            f"cross-entropy of the output up to a constant; name the cost with --cost",
            where=where(self.path, st.lineno))

    def _try_cost(self, text, env, item):
        """c when line ``item`` is c × the gradient of cost ``text``, else None."""
        internal, _ = self._define_cost(text, env, "")
        try:
            self._adjoint_terms(internal)
            ratios = [_ratio(self._eval(item.expr, t["env_t"], t), t["adj"][item.target])
                      for t in self._trials()]
        finally:
            self.order.remove(internal)
            del self.defs[internal], self.vars[internal]
            for env in self._values():
                env.pop(internal, None)
        return ratios[0] if _same(ratios) and ratios[0] != 0 else None

    def _scaled(self, text, c):
        """``text`` times c, written as the file would: ``2 * J / 5``, ``J / m``."""
        samples = self.sh.find(self.sh.samples) if self.sh.samples else None
        m = self.sizes.get(samples)
        fits = [(Fraction(k).limit_denominator(1000), k, per) for k, per in
                [(c, "")] + ([(c * m, self._samples_text(samples, m))] if m else [])]
        fits = [(f, per) for f, k, per in fits if abs(float(f) - k) <= RTOL * abs(k)]
        if not fits:
            return f"{c!r} * {text}"
        f, per = min(fits, key=lambda x: x[0].denominator)  # 1/m rather than 1/5
        return ("" if f.numerator == 1 else f"{f.numerator} * ") + text \
            + (f" / {f.denominator}" if f.denominator != 1 else "") + (f" / {per}" if per else "")

    def _samples_text(self, samples, m):
        values = self._values()[0]
        for i in self.order:  # the file's own name for the number of samples (m = ...)
            if np.shape(values.get(i)) == () and values.get(i) == m \
                    and not self._deps(i) & self.sh.params:
                return self.vars[i].attrs["display"]
        return next((f"{n}.shape[{s.index(samples)}]" for n in self.inputs
                     if samples in (s := self.sh.get(self.vars[n].shape))
                     and n not in self.sh.params), str(m))

    # -- the truth ----------------------------------------------------------------
    def _labels(self):
        """Labels (data never multiplied by a matrix), each with its class axis."""
        fed = {a.attrs["name"] for i in self.order for n in walk(self.defs[i][0])
               if n.op == "matmul" for a in n.args if a.op == "var"}
        samples, out = self.sh.find(self.sh.samples) if self.sh.samples else None, {}
        for n in self.inputs:
            s = self.sh.get(self.vars[n].shape)
            if n not in self.sh.params and n not in fed and len(s) == 2 and samples in s \
                    and self.sizes.get(s[1 - s.index(samples)], 1) > 1:
                out[n] = 1 - s.index(samples)
        if out:
            self.notes.append(f"random labels {', '.join(out)}: each sample's values sum to 1")
        return out

    def _values(self):
        """Random points: the inputs and every forward variable, per trial."""
        if getattr(self, "_cache", None) is None:
            rng, self._cache = np.random.default_rng(20240531), []
            for _ in range(TRIALS):
                env = {}
                for n in self.inputs:
                    shape = self.sh.concrete(self.vars[n].shape, self.sizes)
                    env[n] = rng.uniform(0.5, 2.0) if shape == () else \
                        rng.normal(size=shape) if n in self.sh.params else \
                        rng.uniform(0.1, 0.9, size=shape)  # data and labels in (0, 1)
                    if n in self.labels:  # softmax + cross-entropy gives A - Y only for these
                        env[n] = env[n] / env[n].sum(axis=self.labels[n], keepdims=True)
                self._cache.append(env)
        for env in self._cache:
            for i in self.order:
                if i not in env:
                    e, st = self.defs[i]
                    try:
                        env[i] = evaluate(e, env)
                    except EvalError as err:
                        raise DeriveError(f"the forward pass fails: {err}", where=where(
                            self.path, st.lineno if st else None)) from None
        return self._cache

    def _adjoint_terms(self, cost):
        """Symbolic adjoint contributions, {var: [(consumer, expr)]}, for this cost."""
        self.cost, self.terms, self.b.strict, self._trial_cache = cost, {}, False, None
        for v in reversed(self.order[:self.order.index(cost) + 1]):
            if v == cost or v in self.terms:  # else it does not reach the cost
                g = const(1) if v == cost else E("adj", shape=self.vars[v].shape, name=v)
                for u, contribs in backprop(self.b, self.defs[v][0], g, self.vars[v]).items():
                    self.terms.setdefault(u, []).extend((v, c) for c in contribs)

    def _trials(self):
        """Per trial: values as the file has them (``env_w``), with true gradients
        (``env_t``), and the true adjoints (``adj``)."""
        if self._trial_cache is None:
            self._trial_cache = []
            for env in self._values():
                adj = {self.cost: 1.0}
                for v in self.order[::-1] + self.inputs:
                    if v != self.cost:
                        adj[v] = sum((evaluate(c, env, adj) for _, c in self.terms.get(v, [])),
                                     np.zeros_like(env[v], dtype=float))
                self._trial_cache.append({"env_t": dict(env), "env_w": dict(env), "adj": adj})
        return self._trial_cache

    # -- checking -----------------------------------------------------------------
    def run(self):
        """Read, derive, check; returns a :class:`Report` for this scope."""
        self._read(self.body)
        opt = self.cost_option
        if opt and not opt.isidentifier() and self.first_backward:
            self.option_cost = self._define_cost(opt, self.first_backward[1],
                                                 f"J = {opt} (given with --cost)")
        self.sh.decide()
        self.sizes = self.sh.sizes()
        for name, fn in self.helpers.items():
            if kind := identify(fn, self.helpers, self.b.np_names):
                self.b.kinds[name] = kind
        self.labels = self._labels()
        if self.first_backward is None:  # every backward line is outside the subset
            return Report(self.path, sorted(self.findings, key=lambda f: f.line),
                          "none (no backward line could be read)", self.notes)
        cost, assumed = self._cost()
        self._adjoint_terms(cost)
        self.style = self._style()
        for k, item in enumerate(self.items):
            after = next((i for i in self.items[k + 1:] if i.name == item.name), None)
            partial = after is not None and item.kind == after.kind == "gradient" \
                and isinstance(after.st, ast.AugAssign)
            self.findings.append(self._check(item, after.st.lineno if partial else 0))
        self.findings.sort(key=lambda f: f.line)
        sizes = {n: list(self.sh.concrete(self.vars[n].shape, self.sizes)) for n in self.inputs}
        return Report(self.path, self.findings, assumed, self.notes, sizes)

    def _eval(self, e, env, t):
        try:
            return evaluate(e, env, t["adj"])
        except EvalError as err:
            return err

    def _check(self, item, completed_on):
        f = Finding(item.st.lineno, item.st.end_lineno, self._code(item.st), "correct",
                    kind=item.kind)
        trials, e = self._trials(), item.expr
        uses = {n.attrs["name"] for n in walk(e) if n.op == "var"} if e else set()
        vt = [self._eval(e, t["env_t"], t) if e else None for t in trials]
        unknown = not e or any(t["env_w"].get(u, 0) is None for u in uses for t in trials)
        vw = [None if unknown else self._eval(e, t["env_w"], t) for t in trials]
        errors = [v for v in vt if isinstance(v, EvalError)]
        if e is None or completed_on and not errors:
            # dX = ...; dX += ...: only the total is a gradient
            item.kind = "partial" if e else item.kind
            f.verdict, f.reason = "not checked", item.reason or (
                f"a partial sum of {item.name}; the total is checked on line {completed_on}")
        for t, a, b in zip(trials, vt, vw):
            t["env_t"][item.internal] = t["adj"][item.target] if item.kind == "gradient" \
                else t["env_t"][item.old] if isinstance(a, EvalError) and item.old else a
            t["env_w"][item.internal] = None if isinstance(b, EvalError) else b
        causes = sorted({self.bad[u][1] for u in uses if u in self.bad})
        unchecked = sorted({self.unchecked[u] for u in uses if u in self.unchecked}
                           | ({item.st.lineno} if e is None else set()))
        if unchecked:  # its value, as the file computes it, is not known
            self.unchecked[item.internal] = unchecked[0]
        if causes and item.kind != "gradient":  # an update or helper value fed by a wrong line
            self.bad[item.internal] = (item.st.lineno, causes[0])
        if e is None or item.kind == "partial":
            return f
        if item.kind == "update":
            return self._check_update(item, f, vt)
        true = [t["adj"][item.target] for t in trials] if item.kind == "gradient" else vt
        if not errors and all(_close(a, b) for a, b in zip(vt, true)):
            if item.typos:
                f.verdict, f.reason = "wrong", "; ".join(item.typos)
                f.correct_code = self._correct(item) if item.kind == "gradient" else None
            elif causes and any(b is None or not _close(b, a) for a, b in zip(true, vw)):
                self.bad[item.internal] = (item.st.lineno, causes[0])
                f.verdict = "carried"
                f.reason = "the formula is right, but it uses " + ", ".join(
                    f"{self.vars[u].attrs['display']} from line {self.bad[u][0]}"
                    + f" (wrong because of line {self.bad[u][1]})" * (self.bad[u][1] !=
                                                                       self.bad[u][0])
                    for u in sorted(uses) if u in self.bad) + ", which is wrong"
            elif unchecked:
                f.reason = f"the formula is right; its value depends on line {unchecked[0]}, " \
                           "which is not checked"
            if item.kind == "helper value" and f.verdict != "wrong":
                f.verdict, f.reason = "not checked", (
                    f"{item.name} is not a gradient name (dX), so it is checked through the "
                    "lines that use it")
            return f
        self.bad[item.internal] = (item.st.lineno, item.st.lineno)
        f.verdict = "wrong"
        if item.kind == "helper value":
            f.reason = f"shape error: {errors[0]}"
        else:
            f.reason, f.correct_code = self._diagnose(item, vt, true), self._correct(item)
        return f

    def _diagnose(self, item, vt, true):
        why = list(item.typos)
        err = next((v for v in vt if isinstance(v, EvalError)), None)
        name = self.vars[item.target].attrs["display"]
        if err is not None:
            why.append(f"shape error: {err}")
        elif np.shape(vt[0]) != np.shape(true[0]):
            why.append(f"it has shape {np.shape(vt[0])}, but {name} has shape "
                       f"{np.shape(true[0])}")
        else:
            ratios = [_ratio(a, b) for a, b in zip(vt, true)]
            why.append(self._factor(ratios[0]) if _same(ratios)
                       else "its value differs from the true gradient")
        why += [hint] if (hint := self._repair(item, true)) else []
        stmts = {self.defs[c][1] for c, _ in self.terms.get(item.target, [])}
        users = [f"line {s.lineno} `{self._code(s)}`" for s in
                 sorted((s for s in stmts if s), key=lambda s: s.lineno)]
        users += ["the cost"] if None in stmts else []
        if users:
            why.append(f"{name} is used {'only ' * (len(users) == 1)}by " + ", ".join(users))
        elif item.target != self.cost:
            why.append(f"{name} does not affect the cost")
        return "; ".join(why)

    def _factor(self, r):
        if abs(r + 1) < 1e-7:
            return "it has the wrong sign (it is -1 × the true gradient)"
        k = Fraction(r).limit_denominator(1000)
        text = str(k) if abs(float(k) - r) < 1e-7 * abs(r) else f"{r:.6g}"
        m = self.sizes.get(self.sh.find(self.sh.samples)) if self.sh.samples else None
        extra = f" ({m} is the number of samples here: a 1/m that does not match the cost)" \
            if m and (abs(abs(r) - m) < 1e-7 * m or abs(abs(r) * m - 1) < 1e-7) else ""
        return f"it is {text} × the true gradient{extra}"

    def _repair(self, item, true):
        """A single edit that makes the line right, said in words (or None)."""
        trials = self._trials()

        def fine(new, node):
            e = substitute(item.expr, lambda x: new if x is node else None)
            return all(_close(self._eval(e, t["env_t"], t), v) for t, v in zip(trials, true))
        stale = {n for n in walk(item.expr) if n.op == "var" and n.attrs["name"] in self.updated}
        if stale and all(fine(self.vars[self.updated[n.attrs["name"]][0]], n) for n in stale):
            line = min(self.updated[n.attrs["name"]][1] for n in stale)
            names = ", ".join(sorted({n.attrs["display"] for n in stale}))
            return (f"it uses {names} after line {line} updated it: compute every gradient "
                    f"before the updates (move this line above line {line})")
        names = [v for k, v in item.env.items() if k not in self.helpers]
        for node in walk(item.expr):
            edits, d = [], node.attrs.get("display")
            if node.op == "var":
                edits += [(f"it uses {d} where {a} belongs" + " (wrong layer)" * (
                    re.sub(r"\d", "", d) == re.sub(r"\d", "", a)), alt) for alt in names
                    if alt.attrs["name"] != node.attrs["name"] and (a := alt.attrs["display"])]
                edits.append((f"{d} must be transposed ({d}.T)", E("T", (node,))))
            elif node.op == "T":
                edits.append((f"`{node.src}` must not be transposed", node.args[0]))
            elif node.op == "matmul":
                edits.append((f"the factors of `{node.src}` are in the wrong order",
                              E("matmul", node.args[::-1], node.src)))
            elif node.op in REDUCE:
                edits += [(f"`{node.src}` should be `{self.style(new)}`", new) for axis in
                          (None, 0, 1) for keep in (False, True) if (axis, keep) != (
                              node.attrs["axis"], node.attrs["keepdims"]) for new in
                          [E(node.op, node.args, node.src, axis=axis, keepdims=keep)]]
            for text, new in edits:
                if fine(new, node):
                    return text
        return None

    def _check_update(self, item, f, vt):
        # an update moves W against its own gradient: new - old = -c dW, c > 0
        gradients = {i.internal for i in self.items if i.kind == "gradient"}
        grads = {n.attrs["display"] for n in walk(item.expr) if n.op == "var"
                 and n.attrs["name"] in gradients}
        others = sorted(g for g in grads if _dbase(g, {item.name}) != item.name)
        ratios = [_ratio(v - t["env_t"][item.old], t["adj"][item.target])
                  if not isinstance(v, EvalError) else None for v, t in zip(vt, self._trials())]
        if all(r is not None and r < 0 for r in ratios):
            return f
        f.verdict, line = "wrong", self._code(item.st)
        if len(others) == len(grads) == 1:
            right = next((g for g in self.gradnames if _dbase(g, {item.name})), None)
            f.reason = f"it moves {item.name} along {others[0]}, the gradient of another " \
                       "variable"
            f.correct_code = re.sub(rf"\b{others[0]}\b", right, line) if right else None
        elif all(r is not None and r > 0 for r in ratios):
            f.reason = f"it moves {item.name} up its gradient (gradient ascent)"
            if isinstance(item.st, ast.AugAssign):
                f.correct_code = re.sub(r"[+-]=", "+=" if "-=" in line else "-=", line, 1)
        else:
            f.reason = f"it does not move {item.name} against its gradient"
        return f

    # -- the corrected line -------------------------------------------------------
    def _style(self):
        code = " ".join(self._code(i.st) for i in self.items if i.kind == "gradient")
        counts = {"np.dot": code.count(f"{self.np}.dot("), "@": code.count("@")}
        counts["dot"] = code.count(".dot(") - counts["np.dot"]
        best = max(counts, key=counts.get) if any(counts.values()) else "@"
        method = bool(re.search(r"\.sum\(", code)) and f"{self.np}.sum(" not in code
        return Printer(best, "method" if method else "np", self.np)

    def _correct(self, item):
        """The line from the derived rule, in the file's idiom, verified; or None."""
        named = {}  # forward variable -> the file's name for its gradient, if assigned before
        for it in self.items[:next(k for k, i in enumerate(self.items) if i is item)]:
            named.update({it.target: it.name} if it.kind == "gradient" else {})

        def expand(v):
            terms = [c for _, c in self.terms.get(v, [])]
            total = terms[0] if terms else None
            for c in terms[1:]:
                total = self.b.mk("add", total, c)
            return total and substitute(total, lambda n: expand(n.attrs["name"]) if n.op == "adj"
                                        and n.attrs["name"] not in named else None)
        e = expand(item.target)
        self.style.adj = lambda v: (named[v], 100)
        text = self.style(tidy(self.b, e)) if e else \
            f"{self.np}.zeros_like({self.vars[item.target].attrs['display']})"
        return f"{item.name} = {text}" if self._verify(item, text) else None

    def _verify(self, item, text):
        # the corrected line is read back like the file's own lines and must be right
        def lookup(name, node):  # at the line's place, but before any update (see _repair)
            if name not in item.env:
                raise Unsupported(f"no {name}", node)
            v = item.env[name]
            return self.vars[self.updated[v.attrs["name"]][0]] \
                if v.attrs["name"] in self.updated else v
        b = Builder(self.sh, lookup, self.helpers, self.b.np_names, text)
        b.strict, b.file_source = False, self.source
        try:
            e = b.expr(ast.parse(text, mode="eval").body)
        except (SyntaxError, Unsupported):
            return False
        return all(_close(self._eval(e, t["env_t"], t), t["adj"][item.target])
                   for t in self._trials())
