"""Models as plain data, and the built-in model zoo.

A :class:`Model` names the parameters being trained, the data columns
(``IndexedBase`` x, indexed by the sample index ``i`` from 1 to ``n``), the
named intermediates in order (``a_i = σ(x_i w_1 + y_i w_2 + b)``) and the
cost. The intermediates are what keep derivations readable and linear in
depth, so they are never inlined by the model itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sympy as sp

from .errors import ModelError
from .functions import sigmoid, softplus
from .notation import NotationTable, check_identifier, layer_glyph, parse_glyph

#: the sample index and the number of samples, shared by every model
i = sp.Symbol("i", integer=True, positive=True)
n = sp.Symbol("n", integer=True, positive=True)
#: the letters a sum over the samples runs to (a sum to d or K is over features, classes)
SAMPLE_COUNTS = frozenset({"n", "m", "N", "M"})


def mean(body: sp.Expr) -> sp.Expr:
    """(1/n) Σ_{i=1}^{n} body."""
    return sp.Sum(body, (i, 1, n)) / n


def total(body: sp.Expr) -> sp.Expr:
    """Σ_{i=1}^{n} body."""
    return sp.Sum(body, (i, 1, n))


@dataclass(frozen=True)
class Model:
    """A model: parameters, data columns, named intermediates and a cost.

    Args:
        name: short name (``neuron``).
        params: the symbols being trained, in the order they are reported.
        data: the data columns, as ``IndexedBase``; they appear as ``x[i]``.
        intermediates: ``(target, definition)`` pairs in order of evaluation;
            a per-sample target is ``a[i]``, a scalar one a ``Symbol``.
        cost: the cost, in terms of the intermediates.
        glyphs: LaTeX glyphs for names whose default (``w1`` → ``w_1``) is wrong.
        cost_name: how the cost is written (``C``).
        description: one line for ``derive models``.
        datasets: named data sets, column name → values.

    Raises:
        ModelError: a name is not a valid identifier or used twice, a
            definition uses an unknown name, or the cost does not depend on
            a parameter.
    """

    name: str
    params: tuple
    data: tuple
    intermediates: tuple
    cost: sp.Expr
    glyphs: dict = field(default_factory=dict)
    cost_name: str = "C"
    description: str = ""
    datasets: dict = field(default_factory=dict)
    #: a data set so much part of the model (the slides' four points) that
    #: ``derive show`` also prints the gradients on it
    fixed_data: str | None = None
    notation: NotationTable = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "params", tuple(self.params))
        object.__setattr__(self, "data", tuple(self.data))
        object.__setattr__(self, "intermediates", tuple(tuple(p) for p in self.intermediates))
        if not isinstance(self.cost, (sp.Basic, int, float)):
            # never sympify a string: that would evaluate it as Python
            raise ModelError(f"the cost of model {self.name!r} must be a SymPy expression, "
                             f"not {type(self.cost).__name__}; use derive.model(...) for strings")
        object.__setattr__(self, "cost", sp.sympify(self.cost, strict=True))
        object.__setattr__(self, "_definitions", dict(self.intermediates))
        self._validate()

    # -- structure -------------------------------------------------------
    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    @property
    def data_names(self) -> tuple[str, ...]:
        return tuple(str(d) for d in self.data)

    @property
    def definitions(self) -> dict:
        """target → definition, for the intermediates (do not mutate)."""
        return self.__dict__["_definitions"]

    def is_per_sample(self) -> bool:
        return bool(self.data)

    def _validate(self):
        table = NotationTable()
        seen: set[str] = set()

        def declare(name, what):
            check_identifier(name, what)
            if name in seen:
                raise ModelError(f"{what} {name!r} is declared twice in model {self.name!r}")
            seen.add(name)
            glyph = self.glyphs.get(name)
            if isinstance(glyph, str):
                glyph = parse_glyph(glyph)
            table.add(name, glyph)

        for p in self.params:
            if not isinstance(p, sp.Symbol):
                raise ModelError(f"parameter {p!r} must be a Symbol")
            declare(p.name, "parameter")
        for d in self.data:
            if not isinstance(d, sp.IndexedBase):
                raise ModelError(f"data column {d!r} must be an IndexedBase")
            declare(str(d), "data column")
        known = set(self.params) | {i, n}
        known_bases = set(self.data)
        for target, definition in self.intermediates:
            if isinstance(target, sp.Indexed):
                if target.indices != (i,):
                    raise ModelError(f"intermediate {target} must be indexed by i alone")
                declare(str(target.base), "intermediate")
            elif isinstance(target, sp.Symbol):
                declare(target.name, "intermediate")
            else:
                raise ModelError(f"intermediate target {target!r} must be a[i] or a Symbol")
            self._check_uses(definition, known, known_bases, f"definition of {target}")
            if isinstance(target, sp.Indexed):
                known_bases.add(target.base)
            else:
                known.add(target)
        self._check_uses(self.cost, known, known_bases, "cost")
        object.__setattr__(self, "notation", table)
        reached = self.dependencies(self.cost)
        for p in self.params:
            if p not in reached:
                raise ModelError(f"the cost of model {self.name!r} does not depend on "
                                 f"parameter {p.name!r}")

    def _check_uses(self, expr, known, known_bases, what):
        for idx in expr.atoms(sp.Indexed):
            if idx.base not in known_bases:
                raise ModelError(f"{what} uses unknown column {idx.base}")
        labels = {b.label for b in known_bases}
        for s in expr.free_symbols:
            if isinstance(s, sp.Symbol) and s not in known and s not in labels:
                raise ModelError(f"{what} uses unknown name {s.name!r}")

    def dependencies(self, expr) -> set:
        """The parameters that ``expr`` depends on, through the intermediates."""
        deps = self._param_deps()
        out = set(expr.free_symbols) & set(self.params)
        for atom in list(expr.atoms(sp.Indexed)) + list(expr.free_symbols):
            out |= deps.get(atom, set())
        return out

    def _param_deps(self) -> dict:
        cache = self.__dict__.get("_deps_cache")
        if cache is None:
            cache = {}
            for target, definition in self.intermediates:
                found = set(definition.free_symbols) & set(self.params)
                for atom in list(definition.atoms(sp.Indexed)) + list(definition.free_symbols):
                    found |= cache.get(atom, set())
                cache[target] = found
            object.__setattr__(self, "_deps_cache", cache)
        return cache

    def param(self, name: str) -> sp.Symbol:
        """The parameter called ``name``.

        Raises:
            ModelError: no such parameter (the message lists them).
        """
        for p in self.params:
            if p.name == name:
                return p
        raise ModelError(f"model {self.name!r} has no parameter {name!r}; "
                         f"its parameters are {', '.join(self.param_names)}")

    def flat_cost(self) -> sp.Expr:
        """The cost with every intermediate substituted (for verification)."""
        return substitute_all(self.cost, self.intermediates)

    def latex(self, name: str, index: str | None = None) -> str:
        return self.notation.latex(name, index)


def substitute_all(expr, definitions) -> sp.Expr:
    """Substitute the ``(target, definition)`` pairs, in order, into ``expr``."""
    flat: dict = {}
    for target, definition in definitions:
        flat[target] = definition.xreplace(flat)
    return expr.xreplace(flat)


# -- the zoo ---------------------------------------------------------------

GATES = {
    "or": (0, 1, 1, 1),
    "and": (0, 0, 0, 1),
    "nand": (1, 1, 1, 0),
    "xor": (0, 1, 1, 0),
}


def twice() -> Model:
    w = sp.Symbol("w")
    x, y = sp.IndexedBase("x"), sp.IndexedBase("y")
    return Model(
        name="twice", params=(w,), data=(x, y), intermediates=(),
        cost=mean((x[i] * w - y[i]) ** 2),
        description="y = x·w, C(w) = (1/n) Σ_{i=1}^{n} (x_i w − y_i)²",
        datasets={"twice": {"x": (0.0, 1.0, 2.0, 3.0, 4.0), "y": (0.0, 2.0, 4.0, 6.0, 8.0)}})


def neuron() -> Model:
    w1, w2, b = sp.symbols("w1 w2 b")
    x, y, z, a = (sp.IndexedBase(s) for s in "xyza")
    gates = {gate: {"x": (0.0, 0.0, 1.0, 1.0), "y": (0.0, 1.0, 0.0, 1.0),
                    "z": tuple(float(v) for v in out)} for gate, out in GATES.items()}
    return Model(
        name="neuron", params=(w1, w2, b), data=(x, y, z),
        intermediates=((a[i], sigmoid(x[i] * w1 + y[i] * w2 + b)),),
        cost=mean((a[i] - z[i]) ** 2),
        description="one sigmoid neuron, two inputs: a_i = σ(x_i w_1 + y_i w_2 + b), "
                    "C = (1/n) Σ_{i=1}^{n} (a_i − z_i)²; data: or, and, nand, xor",
        datasets=gates)


def chain(m: int) -> Model:
    """``m`` one-input sigmoid neurons in a chain (grad.tex's "Arbitrary Neurons")."""
    if m < 1:
        raise ModelError(f"chain:{m}: the number of layers must be at least 1")
    x, y = sp.IndexedBase("x"), sp.IndexedBase("y")
    params, inters, glyphs = [], [], {}
    prev = x[i]
    for l in range(1, m + 1):
        w, b, a = sp.Symbol(f"w{l}"), sp.Symbol(f"b{l}"), sp.IndexedBase(f"a{l}")
        glyphs.update({w.name: layer_glyph("w", l), b.name: layer_glyph("b", l),
                       str(a): layer_glyph("a", l)})
        params += [w, b]
        inters.append((a[i], sigmoid(prev * w + b)))
        prev = a[i]
    name = "chain2" if m == 2 else f"chain:{m}"
    return Model(
        name=name, params=tuple(params), data=(x, y), intermediates=tuple(inters),
        cost=mean((prev - y[i]) ** 2), glyphs=glyphs,
        description=f"{m} one-input sigmoid neuron{'s' if m > 1 else ''} in a chain: "
                    "a_i^{(l)} = σ(a_i^{(l−1)} w^{(l)} + b^{(l)}), a_i^{(0)} = x_i",
        datasets={"not": {"x": (0.0, 1.0), "y": (1.0, 0.0)},
                  "identity": {"x": (0.0, 1.0), "y": (0.0, 1.0)}})


def ssr_line() -> Model:
    """The slides' (004) fit of y = a·x by the sum of squared residuals."""
    a = sp.Symbol("a")
    x, y = sp.IndexedBase("x"), sp.IndexedBase("y")
    return Model(
        name="ssr-line", params=(a,), data=(x, y), intermediates=(),
        cost=total((x[i] * a - y[i]) ** 2), cost_name="SSR",
        description="the slides' fit of y = a·x: SSR(a) = Σ_{i=1}^{n} (a x_i − y_i)² on "
                    "(0, 0.33), (1, 2.66), (2, 3.5), (3, 4.5)",
        datasets={"slides": {"x": (0.0, 1.0, 2.0, 3.0), "y": (0.33, 2.66, 3.5, 4.5)}},
        fixed_data="slides")


def softplus_net() -> Model:
    """The slides' (004) network: one input, two softplus units, a linear output."""
    w1, w2, w3, w4, b1, b2, b3 = sp.symbols("w1 w2 w3 w4 b1 b2 b3")
    x, y, h1, h2, o = (sp.IndexedBase(s) for s in ("x", "y", "h1", "h2", "yhat"))
    return Model(
        name="softplus", params=(w1, b1, w2, b2, w3, w4, b3), data=(x, y),
        intermediates=((h1[i], softplus(x[i] * w1 + b1)),
                       (h2[i], softplus(x[i] * w2 + b2)),
                       (o[i], h1[i] * w3 + h2[i] * w4 + b3)),
        cost=total((y[i] - o[i]) ** 2), cost_name="SSR",
        glyphs={"h1": "h^{(1)}", "h2": "h^{(2)}", "yhat": r"\hat{y}"},
        description="the slides' network: h^(k) = softplus(x w_k + b_k), ŷ = h^(1) w_3 + "
                    "h^(2) w_4 + b_3, SSR = Σ_{i=1}^{n} (y_i − ŷ_i)² on (0, 0), (0.5, 1), (1, 0)",
        datasets={"slides": {"x": (0.0, 0.5, 1.0), "y": (0.0, 1.0, 0.0)}})


#: name → factory; ``derive models`` prints each model's description
BUILTINS = {
    "twice": twice,
    "neuron": neuron,
    "chain2": lambda: chain(2),
    "ssr-line": ssr_line,
    "softplus": softplus_net,
}

#: families that take a parameter after a colon
FAMILIES = {"chain": "chain:M — M one-input sigmoid neurons in a chain, any M ≥ 1",
            "mlp": "mlp:N0,...,NL — an MLP in matrix form, any widths; "
                   "mlp:2,3,2:tanh,softmax:mse picks activations and cost"}


def model_names() -> list[str]:
    return [*BUILTINS, *(text.split(" ")[0] for text in FAMILIES.values())]


def get_model(spec: str) -> Model:
    """The built-in model named by ``spec`` (``neuron``, ``chain:5``).

    Raises:
        ModelError: unknown name or malformed family parameter.
    """
    if spec in BUILTINS:
        return BUILTINS[spec]()
    family, sep, arg = spec.partition(":")
    if sep and family == "chain":
        if not re.fullmatch(r"\d+", arg.strip()):
            raise ModelError(f"{spec!r}: chain:M needs a whole number of layers M ≥ 1, "
                             f"got {arg!r}")
        return chain(int(arg))
    if sep and family == "mlp":
        from .mlp import parse_spec
        return parse_spec(spec)
    raise ModelError(f"unknown model {spec!r}; known models: {', '.join(model_names())}")
