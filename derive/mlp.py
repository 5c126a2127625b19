"""Multi-layer perceptrons in matrix form, derived the way the notes do it.

``mlp:N0,N1,…,NL[:acts][:cost]`` is Z^{(l)} = W^{(l)} A^{(l−1)} + b^{(l)},
A^{(l)} = φ_l(Z^{(l)}), A^{(0)} = X, with samples in columns. The backward
pass is derived with matrix rules, one registry of vector–Jacobian products
(``MATRIX_RULES``): δ^{(L)} from the cost, δ^{(l)} = (W^{(l+1)})ᵀ δ^{(l+1)} ⊙
φ'(Z^{(l)}), ∂C/∂W^{(l)} = δ^{(l)} (A^{(l−1)})ᵀ and ∂C/∂b^{(l)} = δ^{(l)} 1.

Every result is verified before use: for small widths every entry against
``sympy.diff`` of the scalar cost written out element by element, and for
every size against central finite differences of the generated code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import sympy as sp
from sympy import HadamardProduct, MatrixSymbol, OneMatrix

from .errors import DeriveError, ModelError, VerificationError
from .functions import relu, sigmoid, softplus, step

ACTIVATIONS = ("sigmoid", "tanh", "relu", "softplus", "softmax")
COSTS = ("mse", "ce")
#: sizes whose every gradient entry is checked against sympy.diff
SYMBOLIC_ENTRIES = 80


# ---------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class MLP:
    """A fully connected network in matrix form (see the module docstring)."""

    widths: tuple
    activations: tuple
    cost: str = "ce"
    name: str = ""
    datasets: dict = field(default_factory=dict)
    cost_name: str = "C"
    fixed_data: None = None
    intermediates: tuple = ("matrix form",)  # not a scalar model: no quadratic shortcuts

    @property
    def layers(self) -> int:
        return len(self.widths) - 1

    @property
    def param_names(self) -> tuple:
        return tuple(f"{k}{l}" for l in range(1, self.layers + 1) for k in ("W", "b"))

    params = param_names
    data_names = ("X", "Y")

    @property
    def description(self) -> str:
        acts = ", ".join(self.activations)
        return (f"MLP {'-'.join(map(str, self.widths))} in matrix form, each layer an "
                f"affine map then its activation ({acts}); cost {self.cost}")

    def shapes(self) -> dict:
        out = {}
        for l in range(1, self.layers + 1):
            out[f"W{l}"] = (self.widths[l], self.widths[l - 1])
            out[f"b{l}"] = (self.widths[l], 1)
        return out

    def param(self, name):
        if name not in self.param_names:
            raise ModelError(f"model {self.name!r} has no parameter {name!r}; "
                             f"its parameters are {', '.join(self.param_names)}")
        return name

    def latex(self, name: str, index=None) -> str:
        m = re.fullmatch(r"([A-Za-z]+)(\d+)", name)
        if not m:
            return name
        if name == "A0":
            return "X"  # A^{(0)} is the input
        base = {"d": r"\delta"}.get(m.group(1), m.group(1))
        return f"{base}^{{({m.group(2)})}}"

    def initial(self, rng) -> dict:
        """Xavier-scaled weights and zero biases, in float64."""
        out = {}
        for name, shape in self.shapes().items():
            if name.startswith("W"):
                out[name] = rng.normal(0.0, 1.0 / np.sqrt(shape[1]), shape)
            else:
                out[name] = np.zeros(shape)
        return out

    def check_data(self, data: dict):
        """Raise if the data's widths do not fit the network's."""
        for name, width in (("X", self.widths[0]), ("Y", self.widths[-1])):
            arr = np.asarray(data[name])
            if arr.ndim != 2 or arr.shape[1] != width:
                raise DeriveError(f"data {name} has shape {arr.shape}, but {self.name} needs "
                                  f"{width} columns (one row per sample)")

    def accuracy(self, theta: dict, data: dict, trainer) -> float | None:
        """The share of samples whose largest output is the largest target."""
        if self.widths[-1] < 2:
            return None
        out = trainer.predict(theta, data)
        return float(np.mean(np.argmax(out, axis=1) == np.argmax(data["Y"], axis=1)))


def parse_spec(spec: str) -> MLP:
    """``mlp:64,32,10``, ``mlp:2,3,2:tanh,sigmoid:mse``: widths, activations, cost.

    One activation applies to every layer, or give one per layer. The default
    is sigmoid for the hidden layers and softmax with cross-entropy at the
    output (sigmoid with mean squared error for one output).

    Raises:
        ModelError: a malformed spec, an unknown activation or cost, or widths
            that cannot work together (softmax with one output).
    """
    _, _, rest = spec.partition(":")
    parts = rest.split(":")
    if not parts[0] or len(parts) > 3:
        raise ModelError(f"{spec!r}: write mlp:N0,N1,...,NL[:activations][:mse|ce], "
                         "e.g. mlp:64,32,10 or mlp:2,3,2:tanh,sigmoid:mse")
    try:
        widths = tuple(int(w) for w in parts[0].split(","))
    except ValueError:
        raise ModelError(f"{spec!r}: the widths must be whole numbers, got {parts[0]!r}") from None
    if len(widths) < 2 or min(widths) < 1:
        raise ModelError(f"{spec!r}: give at least two widths, each at least 1")
    layers = len(widths) - 1
    single = widths[-1] == 1
    acts = tuple(parts[1].split(",")) if len(parts) > 1 and parts[1] else ()
    cost = parts[2] if len(parts) > 2 else ("mse" if single and not acts else None)
    if not acts:
        acts = ("sigmoid",) * (layers - 1) + (("sigmoid",) if single else ("softmax",))
    elif len(acts) == 1:
        acts = acts * layers
    if len(acts) != layers:
        raise ModelError(f"{spec!r}: give one activation or one per layer ({layers}), "
                         f"got {len(acts)}")
    for a in acts:
        if a not in ACTIVATIONS:
            raise ModelError(f"{spec!r}: unknown activation {a!r}; "
                             f"choose from {', '.join(ACTIVATIONS)}")
    if "softmax" in acts[:-1]:
        raise ModelError(f"{spec!r}: softmax belongs to the output layer only")
    if acts[-1] == "softmax" and widths[-1] < 2:
        raise ModelError(f"{spec!r}: softmax needs at least 2 outputs, the last width is "
                         f"{widths[-1]}")
    cost = cost or ("ce" if acts[-1] in ("softmax", "sigmoid") else "mse")
    if cost not in COSTS:
        raise ModelError(f"{spec!r}: unknown cost {cost!r}; choose mse or ce")
    if cost == "ce" and acts[-1] not in ("softmax", "sigmoid"):
        raise ModelError(f"{spec!r}: cross-entropy needs a softmax or sigmoid output, "
                         f"not {acts[-1]}")
    from .datasets import mlp_datasets
    return MLP(widths, acts, cost, name=spec, datasets=mlp_datasets(widths))


# ---------------------------------------------------------------------------
# Matrix expressions
# ---------------------------------------------------------------------------

class Apply(sp.MatrixExpr):
    """φ applied element-wise to a matrix; ``prime`` for its derivative φ'."""

    def __new__(cls, fname, arg, prime=False):
        # SymPy rebuilds nodes from their args: fname may come back as a Symbol
        name = fname if isinstance(fname, sp.Symbol) else sp.Symbol(fname)
        return sp.Basic.__new__(cls, name, arg, sp.true if prime else sp.false)

    fname = property(lambda self: self.args[0].name)
    arg = property(lambda self: self.args[1])
    prime = property(lambda self: bool(self.args[2]))
    shape = property(lambda self: self.arg.shape)

    def doit(self, **hints):
        m = sp.ImmutableMatrix(self.arg.doit(**hints).as_explicit())
        f = _SCALAR[self.fname]
        if self.fname == "softmax":
            e = m.applyfunc(sp.exp)
            cols = [e[:, j] / sum(e[:, j]) for j in range(m.shape[1])]
            return sp.ImmutableMatrix(sp.Matrix.hstack(*cols))
        if self.prime:
            x = sp.Dummy("x")
            d = f(x).diff(x)
            return m.applyfunc(lambda v: d.subs(x, v))
        return m.applyfunc(f)


_SCALAR = {"sigmoid": sigmoid, "tanh": sp.tanh, "relu": relu, "softplus": softplus,
           "softmax": sp.exp, "step": step}
_NOTATION = {"sigmoid": r"\sigma", "tanh": r"\tanh", "relu": r"\operatorname{ReLU}",
             "softplus": r"\operatorname{softplus}", "softmax": r"\operatorname{softmax}"}


def _ones(rows, cols):
    return OneMatrix(rows, cols)


# ---------------------------------------------------------------------------
# Matrix rules: vector–Jacobian products, one per kind of node
# ---------------------------------------------------------------------------

MATRIX_RULES: dict = {}


def matrix_rule(kind):
    """Register a vector–Jacobian product for ``kind`` of node."""
    def register(fn):
        MATRIX_RULES[kind] = fn
        return fn
    return register


@matrix_rule("activation")
def activation_vjp(net, l, upstream):
    """∂C/∂Z = ∂C/∂A ⊙ φ'(Z), with φ' written as the notes write it.

    Returns the step that replaces φ'(Z) by its notes form (σ' = A ⊙ (1 − A)).
    """
    A, Z = net.A[l], net.Z[l]
    act = net.model.activations[l - 1]
    if act == "softmax":  # a general upstream: diag(a) − a aᵀ per column
        ones = _ones(A.shape[0], 1)
        return (HadamardProduct(A, upstream - ones * ones.T * HadamardProduct(A, upstream)),
                "softmax Jacobian: ∂C/∂Z = A ⊙ (G − 1 1ᵀ(A ⊙ G))")
    local, rule = {
        "sigmoid": (lambda: (A, _ones(*A.shape) - A), "sigmoid rule: σ' = σ(1 − σ)"),
        "tanh": (lambda: (_ones(*A.shape) - HadamardProduct(A, A),), "tanh rule: tanh' = 1 − tanh²"),
        "relu": (lambda: (Apply("step", Z),), "ReLU rule: ReLU' = 1[Z > 0]"),
        "softplus": (lambda: (Apply("sigmoid", Z),), "softplus rule: softplus' = σ"),
    }[act]
    return HadamardProduct(upstream, *local()), rule


@matrix_rule("affine")
def affine_vjp(net, l, delta):
    """Z = W A + b 1ᵀ: ∂C/∂W = δ Aᵀ, ∂C/∂b = δ 1, ∂C/∂A = Wᵀ δ."""
    A_prev = net.A[l - 1]
    return {
        f"W{l}": (delta * A_prev.T, "matrix product rule: ∂C/∂W = δ Aᵀ"),
        f"b{l}": (delta * _ones(net.m, 1), "bias rule: ∂C/∂b = δ 1 (a sum over the samples)"),
        "A": (net.W[l].T * delta, "matrix product rule: ∂C/∂A = Wᵀ δ"),
    }


@matrix_rule("cost")
def cost_vjp(net):
    """δ^{(L)} or ∂C/∂A^{(L)} from the cost, in the simplified forms."""
    model, L = net.model, net.model.layers
    A, Y, m = net.A[L], net.Y, net.m
    if model.cost == "ce" and model.activations[-1] in ("softmax", "sigmoid"):
        which = "softmax" if model.activations[-1] == "softmax" else "sigmoid"
        return ("delta", sp.MatMul(1 / m, A - Y, evaluate=False),
                f"{which} with cross-entropy: δ = (A − Y)/m")
    return ("dA", sp.MatMul(2 / m, A - Y, evaluate=False),
            "mean squared error: ∂C/∂A = (2/m)(A − Y)")


class Net:
    """The symbols of one model: A^{(l)}, Z^{(l)}, W^{(l)}, b^{(l)}, X, Y, δ."""

    def __init__(self, model: MLP, m=sp.Symbol("m", integer=True, positive=True)):
        self.model, self.m = model, m
        w = model.widths
        self.A = {0: MatrixSymbol("A0", w[0], m)}
        self.Z, self.W, self.b, self.delta = {}, {}, {}, {}
        for l in range(1, model.layers + 1):
            self.W[l] = MatrixSymbol(f"W{l}", w[l], w[l - 1])
            self.b[l] = MatrixSymbol(f"b{l}", w[l], 1)
            self.Z[l] = MatrixSymbol(f"Z{l}", w[l], m)
            self.A[l] = MatrixSymbol(f"A{l}", w[l], m)
            self.delta[l] = MatrixSymbol(f"d{l}", w[l], m)
        self.Y = MatrixSymbol("Y", w[-1], m)


@dataclass(frozen=True)
class MatrixDerivation:
    """lhs = start = steps[0] = … ; ``name`` is δ^{(l)} or a parameter."""

    name: str
    start: object
    steps: tuple
    kind: str

    @property
    def result(self):
        return self.steps[-1][0] if self.steps else self.start

    @property
    def rules(self):
        return tuple(rule for _, rule in self.steps)


@dataclass
class MatrixDerivations:
    model: MLP
    net: Net
    deltas: list
    gradients: dict
    report: object = None
    mode: str = "matrix"

    def __getitem__(self, name):
        return self.gradients[name]

    def _repr_latex_(self):
        return "$$" + to_latex(self, env="aligned") + "$$"


def derive_mlp(model: MLP, *, verify: bool = True, wrt=None) -> MatrixDerivations:
    """The backward pass of ``model``, step by step, verified.

    Raises:
        ModelError: ``wrt`` names an unknown parameter.
        VerificationError: a result disagrees with an oracle (a bug).
    """
    for w in wrt or ():
        model.param(w)
    net = Net(model)
    L = model.layers
    deltas, grads = [], {}
    kind, first, first_rule = MATRIX_RULES["cost"](net)
    for l in range(L, 0, -1):
        if l == L and kind == "delta":
            steps = [(first, first_rule)]
        else:
            prime = Apply(model.activations[l - 1], net.Z[l], prime=True)
            if l == L:
                upstream, why = first, first_rule
            else:
                upstream = net.W[l + 1].T * net.delta[l + 1]
                why = "matrix product rule: ∂C/∂A^{(l)} = (W^{(l+1)})ᵀ δ^{(l+1)}"
            steps = [(HadamardProduct(dC(net.A[l]), prime),
                      "element-wise chain rule: ∂C/∂Z = ∂C/∂A ⊙ φ'(Z)"),
                     (HadamardProduct(upstream, prime), why),
                     MATRIX_RULES["activation"](net, l, upstream)]
        deltas.append(MatrixDerivation(f"d{l}", dC(net.Z[l]), tuple(steps), "delta"))
        for name, (expr, rule) in MATRIX_RULES["affine"](net, l, net.delta[l]).items():
            if name != "A":
                target = net.W[l] if name[0] == "W" else net.b[l]
                grads[name] = MatrixDerivation(name, dC(target), ((expr, rule),), "gradient")
    order = [p for p in model.param_names if not wrt or p in wrt]
    out = MatrixDerivations(model, net, deltas, {p: grads[p] for p in order})
    if verify:
        out.report = verify_mlp(out)
    return out


def dC(target):
    """The placeholder ∂C/∂(target), printed in the chosen style."""
    return MatrixSymbol(f"dC_{target.name}", *target.shape)


# ---------------------------------------------------------------------------
# Verification
# ---------------------------------------------------------------------------

@dataclass
class MatrixReport:
    symbolic_entries: int = 0
    fd_rows: int = 0
    fd_max_error: float = 0.0

    def summary(self) -> str:
        sym = (f"{self.symbolic_entries} entries against sympy.diff of the element-wise cost"
               if self.symbolic_entries else "too large for the element-wise sympy.diff check")
        return (f"verified: {sym}; finite differences on {self.fd_rows} checks of the "
                f"generated code, max error {self.fd_max_error:.1e}")


def explicit_values(derivs, values: dict, m: int, gradients: bool = True):
    """Forward pass, δ's and gradients as explicit SymPy matrices at ``values``.

    ``values`` maps the W, b and Y symbols and ``"X"`` to explicit matrices.
    """
    net, model = derivs.net, derivs.model
    env = {net.Y: values[net.Y], net.A[0]: values["X"]}
    for l in range(1, model.layers + 1):
        env[net.W[l]], env[net.b[l]] = values[net.W[l]], values[net.b[l]]
        z = values[net.W[l]] * env[net.A[l - 1]] + values[net.b[l]] * sp.ones(1, m)
        env[net.Z[l]] = sp.ImmutableMatrix(z)
        env[net.A[l]] = Apply(model.activations[l - 1], env[net.Z[l]]).doit()

    def explicit(e):
        e = e.subs(net.m, m).xreplace({k.subs(net.m, m) if hasattr(k, "subs") else k: v
                                       for k, v in env.items()})
        return sp.ImmutableMatrix(e.doit().as_explicit())

    if not gradients:
        return env, {}
    for d in derivs.deltas:  # δ^{(L)} first: the later ones use it
        env[net.delta[int(d.name[1:])]] = explicit(d.result)
    return env, {name: explicit(g.result) for name, g in derivs.gradients.items()}


def verify_mlp(derivs, *, seed: int = 0) -> MatrixReport:
    """Every entry against sympy.diff (small widths); finite differences always.

    Raises:
        VerificationError: any disagreement (a bug in a rule).
    """
    import random
    model = derivs.model
    report = MatrixReport()
    rng = random.Random(seed)
    entries = sum(a * b for a, b in model.shapes().values())
    if entries <= SYMBOLIC_ENTRIES:
        report.symbolic_entries = _entrywise(derivs, rng)
    from .codegen import load
    from .gradcheck import gradcheck
    trainer = load(derivs)
    nprng = np.random.default_rng(seed)
    theta = model.initial(nprng)
    data = random_data(model, 5, nprng)
    result = gradcheck(trainer, theta, data, seed=seed)
    report.fd_rows = len(result.rows)
    report.fd_max_error = max(r.error for r in result.rows)
    if not result.ok:
        bad = result.failures[0]
        raise VerificationError(f"∂C/∂{bad.name} of {model.name!r} disagrees with central "
                                f"finite differences: {bad.analytic:.6g} vs {bad.numeric:.6g}")
    return report


def _entrywise(derivs, rng, m: int = 2, digits: int = 30) -> int:
    """Every gradient entry against sympy.diff of the cost written out entry by entry.

    Values are 30-digit floats. For each entry the cost is rebuilt with that
    one entry symbolic, so SymPy differentiates a one-variable expression.
    """
    model, net = derivs.model, derivs.net

    def num(k):
        return sp.Float(sp.Rational(rng.randint(-20, 20), 13), digits)

    shapes = model.shapes()
    point = {name: sp.Matrix(r, c, lambda i, j: num(0)) for name, (r, c) in shapes.items()}
    X = sp.Matrix(model.widths[0], m, lambda i, j: sp.Rational(rng.randint(-9, 9), 7))
    if model.cost == "ce":  # one-hot (softmax) or 0/1 (sigmoid) targets
        Y = sp.zeros(model.widths[-1], m)
        for j in range(m):
            Y[rng.randrange(model.widths[-1]), j] = 1
    else:
        Y = sp.Matrix(model.widths[-1], m, lambda i, j: sp.Rational(rng.randint(-9, 9), 11))

    def values(params):
        out = {"X": sp.ImmutableMatrix(X), net.Y: sp.ImmutableMatrix(Y)}
        for name, mat in params.items():
            out[net.W[int(name[1:])] if name[0] == "W" else net.b[int(name[1:])]] = \
                sp.ImmutableMatrix(mat)
        return out

    def cost(params):
        env, _ = explicit_values(derivs, values(params), m, gradients=False)
        A = env[net.A[model.layers]]
        pairs = [(A[i, j], Y[i, j]) for i in range(A.rows) for j in range(m)]
        if model.cost == "mse":
            return sum((a - y) ** 2 for a, y in pairs) / m
        if model.activations[-1] == "softmax":
            return -sum(y * sp.log(a) for a, y in pairs) / m
        return -sum(y * sp.log(a) + (1 - y) * sp.log(1 - a) for a, y in pairs) / m

    _, grads = explicit_values(derivs, values(point), m)
    checked = 0
    s = sp.Symbol("s")
    for name, g in grads.items():
        for i in range(g.rows):
            for j in range(g.cols):
                one = {k: v.copy() for k, v in point.items()}
                one[name][i, j] = s
                truth = sp.diff(cost(one), s).subs(s, point[name][i, j])
                a, b = complex(g[i, j].evalf(digits)), complex(truth.evalf(digits))
                if abs(a - b) > 1e-20 * (1 + abs(b)):
                    raise VerificationError(
                        f"∂C/∂{name}[{i},{j}] of {model.name!r} disagrees with sympy.diff: "
                        f"{a.real:.10g} vs {b.real:.10g}")
                checked += 1
    return checked


def random_data(model: MLP, m: int, rng) -> dict:
    """Random inputs and valid targets (one-hot for softmax with cross-entropy)."""
    X = rng.normal(size=(m, model.widths[0]))
    if model.cost == "ce" and model.activations[-1] == "softmax":
        Y = np.eye(model.widths[-1])[rng.integers(0, model.widths[-1], m)]
    elif model.cost == "ce":
        Y = rng.integers(0, 2, (m, model.widths[-1])).astype(float)
    else:
        Y = rng.normal(size=(m, model.widths[-1]))
    return {"X": X, "Y": Y}


# ---------------------------------------------------------------------------
# LaTeX
# ---------------------------------------------------------------------------

def signed_sum(expr, show, show_wrapped) -> str:
    """``a - b + c`` for a MatAdd: positive terms first, subtracted ones wrapped."""
    terms = sorted(expr.args, key=lambda t: t.could_extract_minus_sign())
    out = show(terms[0])
    for t in terms[1:]:
        out += f" - {show_wrapped(-t)}" if t.could_extract_minus_sign() else f" + {show(t)}"
    return out


def tex(expr, model, style="grad") -> str:
    """LaTeX of a matrix expression in the notes' notation."""
    def name(s):
        n = s.name
        if n.startswith("dC_"):
            inner = model.latex(n[3:])
            if style == "leibniz":
                return rf"\frac{{\partial C}}{{\partial {inner}}}"
            return rf"\pd[{inner}] C" if style == "grad" else rf"\partial_{{{inner}}} C"
        if n == "Y":
            return "Y"
        return model.latex(n)

    def go(e, wrap=False):
        if isinstance(e, MatrixSymbol):
            return name(e)
        if isinstance(e, OneMatrix):
            if e.shape[1] == 1 or e.shape[0] == 1:
                return r"\mathbf{1}"
            # a square block of ones is 1 1ᵀ (sums broadcast); the n×m one is the 1 of 1 − A
            return r"\mathbf{1}\mathbf{1}^\top" if e.shape[0] == e.shape[1] else "1"
        if isinstance(e, sp.Transpose):
            inner = go(e.arg)
            if isinstance(e.arg, OneMatrix):
                return r"\mathbf{1}^\top"
            return (f"({inner})^\\top" if "^" in inner or not isinstance(e.arg, MatrixSymbol)
                    else f"{inner}^\\top")
        if isinstance(e, Apply):
            f = "1" if e.fname == "step" else _NOTATION[e.fname]
            if e.fname == "step":
                return rf"\mathbb{{1}}[{go(e.arg)} > 0]"
            return f"{f}{chr(39) if e.prime else ''}({go(e.arg)})"
        if isinstance(e, HadamardProduct):
            out = r" \odot ".join(go(a, wrap=True) for a in e.args)
            return f"({out})" if wrap else out
        if isinstance(e, sp.HadamardPower):
            return rf"{go(e.base, wrap=True)}^{{\odot {sp.latex(e.exp)}}}"
        if isinstance(e, sp.MatAdd):
            out = signed_sum(e, go, lambda t: go(t, wrap=True))
            return f"({out})" if wrap else out
        if isinstance(e, sp.MatMul):
            coeff, mats = e.as_coeff_matrices()
            sign = "- " if coeff < 0 else ""
            coeff = abs(coeff)
            head = "" if coeff == 1 else (sp.latex(coeff) + " ")
            out = sign + head + " ".join(go(a, wrap=True) for a in mats)
            return f"({out})" if wrap and sign else out
        return sp.latex(e)

    return go(expr)


def to_latex(derivs, *, style="grad", steps=False, env="align", macros=False) -> str:
    """The δ's (from the output back) and the gradients of an MLP, as rows."""
    from .latex import MACROS, align, rule_tex
    model, rows = derivs.model, []
    for d in derivs.deltas:
        left = model.latex(d.name)
        if steps or style == "expanded":
            rows.append(f"{left} &= {tex(d.start, model, style)}")
            for e, rule in d.steps:
                rows.append(f"&= {tex(e, model, style)}"
                            + (f" && {rule_tex(rule)}" if style == "expanded" else ""))
        else:
            rows.append(f"{left} &= {tex(d.result, model, style)}")
    for g in derivs.gradients.values():
        row = f"{tex(g.start, model, style)} &= {tex(g.result, model, style)}"
        rows.append(row + (f" && {rule_tex(g.rules[0])}" if style == "expanded" else ""))
    out = align(rows, env)
    return "\n".join(MACROS) + "\n" + out if macros and style == "grad" else out


def definitions(model, style="grad") -> list:
    """The forward pass and the cost as ``align`` rows."""
    net = Net(model)
    rows = [r"A^{(0)} &= X"]
    for l in range(1, model.layers + 1):
        rows.append(f"{tex(net.Z[l], model)} &= {tex(net.W[l], model)} "
                    f"{tex(net.A[l - 1], model)} + {tex(net.b[l], model)}")
        rows.append(f"{tex(net.A[l], model)} &= "
                    f"{tex(Apply(model.activations[l - 1], net.Z[l]), model)}")
    A = tex(net.A[model.layers], model)
    if model.cost == "mse":
        rows.append(rf"C &= \frac{{1}}{{m}} \sum_{{k,j}} ({A} - Y)_{{kj}}^2")
    elif model.activations[-1] == "softmax":
        rows.append(rf"C &= -\frac{{1}}{{m}} \sum_{{k,j}} Y_{{kj}} \log {A}_{{kj}}")
    else:
        rows.append(rf"C &= -\frac{{1}}{{m}} \sum_{{k,j}} \left(Y_{{kj}} \log {A}_{{kj}} "
                    rf"+ (1 - Y_{{kj}}) \log(1 - {A}_{{kj}})\right)")
    return rows


def blocks(derivs, style="grad") -> list:
    """The write-up of an MLP as ``(kind, content)`` blocks (see derive.writeup)."""
    model = derivs.model
    out = [("h", "Model"), ("prose", model.description), ("diagram", None),
           ("math", definitions(model, style)),
           ("p", "Samples are the columns of $X$; $m$ is their number and $\\mathbf{1}$ a "
                 "column of $m$ ones, so $b \\mathbf{1}^\\top$ repeats the bias for every "
                 "sample and $\\delta \\mathbf{1}$ sums over the samples."),
           ("h", "Back-propagation")]
    for d in derivs.deltas:
        rows = [f"{model.latex(d.name)} &= {tex(d.start, model, style)}"]
        rows += [f"&= {tex(e, model, style)}" for e, _ in d.steps]
        out.append(("math", rows))
    out += [("h", "Gradients"), ("math", [
        f"{tex(g.start, model, style)} &= {tex(g.result, model, style)}"
        for g in derivs.gradients.values()])]
    if derivs.report is not None:
        out.append(("note", derivs.report.summary()))
    return out


def diagram(model) -> str:
    """A tikz picture: one box per layer with its width and activation."""
    nodes = [r"\node[draw, rounded corners] (L0) at (0, 0) {$X$: " + str(model.widths[0]) + "};"]
    for l in range(1, model.layers + 1):
        act = _NOTATION[model.activations[l - 1]]
        nodes.append(rf"\node[draw, rounded corners] (L{l}) at ({2.6 * l:.1f}, 0) "
                     rf"{{${act}$: {model.widths[l]}}};")
        nodes.append(rf"\path[->] (L{l - 1}) edge node[above] {{$W^{{({l})}}$}} (L{l});")
    return "\\begin{tikzpicture}\n" + "\n".join(nodes) + "\n\\end{tikzpicture}"


def to_dict(derivs, style="grad") -> dict:
    model = derivs.model
    return {
        "model": model.name, "params": list(model.param_names), "data": ["X", "Y"],
        "shapes": {k: list(v) for k, v in model.shapes().items()},
        "activations": list(model.activations), "cost_kind": model.cost,
        "deltas": {d.name: {"latex": tex(d.result, model, style),
                            "steps": [{"latex": tex(e, model, style), "rule": r}
                                      for e, r in d.steps]} for d in derivs.deltas},
        "gradients": {k: {"latex": tex(g.result, model, style), "rule": g.rules[0]}
                      for k, g in derivs.gradients.items()},
        "verification": derivs.report.summary() if derivs.report else None,
    }


__all__ = ["MLP", "MatrixDerivations", "derive_mlp", "parse_spec", "to_latex", "DeriveError"]
