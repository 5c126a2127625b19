"""Verified gradients as readable, standalone trainer modules.

:func:`generate` writes the source of a module that imports only NumPy (plus
numba or JAX for those backends) and defines ``PARAMS``, ``DATA``,
``cost(theta, data)``, ``grad(theta, data)`` and ``train(theta, data, lr,
epochs)``. Each formula's LaTeX stands in a comment above its code.

Sums over samples become array reductions: every ``Σ_i`` in a formula is an
accumulator, and the per-sample bodies of all formulas go through one common
subexpression elimination, so a(1 − a) is computed once. Nothing is
lambdified: ``lambdify`` of ``Sum``/``Indexed`` builds a Python generator
(about 500× slower) and with ``cse=True`` emits code that fails with a
NameError on the index.

The numba backend fuses the whole epoch loop into one ``@njit`` function
over scalars; the JAX backend ``jit``s a ``lax.fori_loop``.
"""

from __future__ import annotations

import types

import sympy as sp
from sympy.printing.numpy import JaxPrinter, NumPyPrinter
from sympy.printing.pycode import PythonCodePrinter

from . import __version__
from .errors import DeriveError, ModelError, ToolMissingError
from .latex import latex, lhs
from .models import i as INDEX
from .models import n as COUNT
from .notation import check_identifier

BACKENDS = ("numpy", "numba", "jax")
EXTRAS = {"numba": ("numba", "fast"), "jax": ("jax", "jax")}


class _Plan:
    """What a trainer computes, in order, as plain SymPy over plain symbols.

    Data ``x[i]`` become symbols ``x``; each ``Σ_i body`` becomes an
    accumulator symbol ``s<k>`` whose body is evaluated per sample.
    """

    def __init__(self, derivs):
        model = derivs.model
        self.derivs = derivs
        self.model = model
        self.params = list(model.param_names)
        self.data = list(model.data_names)
        taken = set(self.params) | set(self.data)
        for name in self.params + self.data:
            check_identifier(name)  # nothing unvalidated reaches generated code
        self._flat = {}
        for d in model.data:
            self._flat[d[INDEX]] = sp.Symbol(str(d))
        self.forward = []  # (symbol, expr, latex comment), per sample or scalar
        for target, body in model.intermediates:
            name = str(target.base if isinstance(target, sp.Indexed) else target)
            self._claim(name, taken)
            sym = sp.Symbol(name)
            self._flat[target] = sym
            self.forward.append((sym, body.xreplace(self._flat),
                                 f"{latex(target, model=model)} = {latex(body, model=model)}"))
        self.adjoints = []
        for d in derivs.adjoints:
            name = str(d.lhs.base if isinstance(d.lhs, sp.Indexed) else d.lhs)
            self._claim(name, taken)
            sym = sp.Symbol(name)
            self._flat[d.lhs] = sym
            tex = (f"{lhs(d, derivs)} = "
                   f"{latex(d.result, model=model, order=d.order, glyphs=derivs.adjoint_glyphs)}")
            self.adjoints.append((sym, d.result.xreplace(self._flat), tex))
        self.sums = {}  # accumulator symbol → per-sample body
        self.cost = self._reduce(model.cost)
        self.cost_tex = f"{model.cost_name} = {latex(model.cost, model=model)}"
        self.grads = []
        for name in derivs.gradients:
            self._claim(f"g_{name}", taken)
        for name, d in derivs.gradients.items():
            tex = (f"{lhs(d, derivs)} = "
                   f"{latex(d.result, model=model, order=d.order, glyphs=derivs.adjoint_glyphs)}")
            self.grads.append((name, self._reduce(d.result), tex))

    @staticmethod
    def _claim(name, taken):
        if name in taken:
            raise ModelError(f"name {name!r} is used twice; generated code needs distinct names")
        taken.add(name)

    def _reduce(self, expr):
        """``expr`` with sums replaced by accumulators and data by symbols."""
        def swap(s):
            (idx, lo, hi), = s.limits
            if (idx, lo, hi) != (INDEX, 1, COUNT):
                raise DeriveError(f"cannot generate code for a sum over {s.limits}")
            body = s.function.xreplace(self._flat)
            for acc, known in self.sums.items():
                if known == body:
                    return acc
            acc = sp.Symbol(f"_s{len(self.sums)}")
            self.sums[acc] = body
            return acc
        return expr.replace(lambda e: isinstance(e, sp.Sum), swap).xreplace(self._flat)


def _backward(plan, bodies):
    """Assignments for the adjoints, then for the sum bodies, with common
    subexpressions pulled out.

    Each adjoint uses the ones before it, so each gets its own elimination in
    order; the sum bodies share one. Returns (lines as (symbol, expr, comment)),
    reduced bodies).
    """
    names = sp.numbered_symbols("_t")
    out = []
    for sym, expr, tex in plan.adjoints:
        temps, (reduced,) = sp.cse([expr], symbols=names, order="none")
        out += [(t, e, None) for t, e in temps]
        out.append((sym, reduced, tex))
    temps, reduced = sp.cse(list(bodies), symbols=names, order="none")
    out += [(t, e, None) for t, e in temps]
    return out, reduced


def _emit_assignments(printer, assignments, indent, rename=None):
    out = []
    for sym, expr, tex in assignments:
        if tex:
            out.append(f"{indent}# {tex}")
        expr = expr.xreplace(rename) if rename else expr
        out.append(f"{indent}{sym} = {printer.doprint(expr)}")
    return out


def generate(derivs, backend: str = "numpy") -> str:
    """The source of a standalone trainer module for verified ``derivs``.

    Args:
        derivs: a verified :class:`~derive.derivation.Derivations`.
        backend: ``numpy``, ``numba`` (fused scalar loops) or ``jax``.

    Raises:
        DeriveError: unknown backend or an expression with no code.
    """
    if backend not in BACKENDS:
        raise DeriveError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if getattr(derivs, "mode", None) == "matrix":
        if backend != "numpy":
            raise DeriveError(f"matrix models have the numpy backend only, not {backend}")
        from .mlpcode import generate as generate_matrix
        return generate_matrix(derivs)
    plan = _Plan(derivs)
    head = _header(plan, backend)
    if backend == "numba":
        return head + _numba_body(plan)
    return head + _array_body(plan, JaxPrinter() if backend == "jax" else NumPyPrinter(),
                              backend)


def _header(plan, backend):
    model = plan.model
    imports = {"numpy": "import numpy\n",
               "numba": "import math\n\nimport numba\nimport numpy\n",
               "jax": "import jax\nimport jax.numpy\nimport numpy\n\n"
                      "jax.config.update(\"jax_enable_x64\", True)\n"}[backend]
    return (
        f'"""Trainer for the model {model.name!r}, generated by derive {__version__}.\n\n'
        f"Backend: {backend}. Every gradient below was verified against sympy.diff,\n"
        f"exact forward-mode evaluation and finite differences before this file was written.\n"
        f"theta maps each name in PARAMS to a float; data maps each name in DATA to a\n"
        f'1-d array of samples.\n"""\n\n'
        f"{imports}\n"
        f"PARAMS = {tuple(plan.params)!r}\n"
        f"DATA = {tuple(plan.data)!r}\n")


def _unpack(plan, indent, theta="theta", data="data"):
    out = [f"{indent}{p} = {theta}[{p!r}]" for p in plan.params]
    out += [f"{indent}{d} = {data}[{d!r}]" for d in plan.data]
    first = plan.data[0] if plan.data else None
    out.append(f"{indent}n = {first}.shape[0]" if first else f"{indent}n = 1")
    return out


def _array_body(plan, printer, backend):
    np_ = printer._module
    out = ["", ""]
    # forward pass, shared by cost and grad
    out.append("def _forward(theta, data):")
    out += _unpack(plan, "    ")
    names = [str(s) for s, _, _ in plan.forward]
    for sym, expr, tex in plan.forward:
        out.append(f"    # {tex}")
        out.append(f"    {sym} = {printer.doprint(expr)}")
    out.append(f"    return {', '.join(plan.params + plan.data + ['n'] + names)}")
    unpacked = ", ".join(plan.params + plan.data + ["n"] + names)

    def sums_for(exprs):
        wanted = set().union(*(e.free_symbols for e in exprs)) & set(plan.sums)
        accs = [a for a in plan.sums if a in wanted]
        return accs

    # cost; for jax these are the traceable functions behind float wrappers
    cost_name, grad_name = ("_cost", "_grad") if backend == "jax" else ("cost", "grad")
    out += ["", "", f"def {cost_name}(theta, data):", '    """The cost at theta."""',
            f"    {unpacked} = _forward(theta, data)"]
    for acc in sums_for([plan.cost]):
        out.append(f"    {acc} = {np_}.sum({printer.doprint(plan.sums[acc])})")
    out.append(f"    # {plan.cost_tex}")
    out.append(f"    return {printer.doprint(plan.cost)}")
    # gradient
    out += ["", "", f"def {grad_name}(theta, data):",
            '    """Every partial derivative at theta, as a dict name → value."""',
            f"    {unpacked} = _forward(theta, data)"]
    accs = sums_for([g for _, g, _ in plan.grads])
    assignments, bodies = _backward(plan, [plan.sums[a] for a in accs])
    out += _emit_assignments(printer, assignments, "    ")
    for acc, body in zip(accs, bodies):
        out.append(f"    {acc} = {np_}.sum({printer.doprint(body)})")
    for name, expr, tex in plan.grads:
        out.append(f"    # {tex}")
        out.append(f"    g_{name} = {printer.doprint(expr)}")
    if backend == "jax":
        out.append("    return {" + ", ".join(f"{p!r}: g_{p}" for p in plan.params) + "}")
    else:
        out.append("    return {" + ", ".join(f"{p!r}: float(g_{p})" for p in plan.params) + "}")
    out += ["", ""]
    if backend == "jax":
        out += _jax_train(plan)
    else:
        out += [
            "def train(theta, data, lr, epochs):",
            '    """Plain full-batch gradient descent; returns the new theta."""',
            "    theta = {k: float(v) for k, v in theta.items()}",
            "    for _ in range(epochs):",
            "        g = grad(theta, data)",
            "        for k in PARAMS:",
            "            theta[k] -= lr * g[k]",
            "    return theta",
        ]
    return "\n".join(out) + "\n"


def _jax_train(plan):
    return [
        "_cost_jit = jax.jit(_cost)",
        "_grad_jit = jax.jit(_grad)",
        "",
        "",
        "@jax.jit",
        "def _train(theta, data, lr, epochs):",
        "    def body(_, th):",
        "        g = _grad(th, data)",
        "        return {k: th[k] - lr * g[k] for k in PARAMS}",
        "    return jax.lax.fori_loop(0, epochs, body, theta)",
        "",
        "",
        "def _inputs(theta, data):",
        "    return ({k: jax.numpy.float64(theta[k]) for k in PARAMS},",
        "            {k: jax.numpy.asarray(data[k], dtype=jax.numpy.float64) for k in DATA})",
        "",
        "",
        "def cost(theta, data):",
        '    """The cost at theta, a float."""',
        "    return float(_cost_jit(*_inputs(theta, data)))",
        "",
        "",
        "def grad(theta, data):",
        '    """Every partial derivative at theta, as a dict name → float."""',
        "    return {k: float(v) for k, v in _grad_jit(*_inputs(theta, data)).items()}",
        "",
        "",
        "def train(theta, data, lr, epochs):",
        '    """Full-batch gradient descent as one jitted lax.fori_loop (compiled once)."""',
        "    out = _train(*_inputs(theta, data), lr, epochs)",
        "    return {k: float(out[k]) for k in PARAMS}",
    ]


def _numba_body(plan):
    """One @njit function runs every epoch; sums are scalar accumulators."""
    printer = _FloatPrinter({"standard": "python3"})
    accs = [a for a in plan.sums]
    grad_accs = set().union(*(g.free_symbols for _, g, _ in plan.grads)) & set(accs)
    cost_accs = plan.cost.free_symbols & set(accs)
    loop_accs = [a for a in accs if a in grad_accs]
    assignments, bodies = _backward(plan, [plan.sums[a] for a in loop_accs])

    def sample_lines(indent):
        out = [f"{indent}{d}_k = {d}[k]" for d in plan.data]
        rename = {sp.Symbol(d): sp.Symbol(f"{d}_k") for d in plan.data}
        for sym, expr, tex in plan.forward:
            out.append(f"{indent}# {tex}")
            out.append(f"{indent}{sym} = {printer.doprint(expr.xreplace(rename))}")
        return out, rename

    out = ["", ""]
    # gradients at one theta, accumulated over samples
    out += ["@numba.njit(cache=False)", f"def _grad(theta_vec, {', '.join(plan.data)}):"]
    out += [f"    {p} = theta_vec[{k}]" for k, p in enumerate(plan.params)]
    out.append(f"    n = {plan.data[0]}.shape[0]")
    out += [f"    {a} = 0.0" for a in loop_accs]
    out.append("    for k in range(n):")
    lines_, rename = sample_lines("        ")
    out += lines_
    out += _emit_assignments(printer, assignments, "        ", rename)
    for acc, body in zip(loop_accs, bodies):
        out.append(f"        {acc} += {printer.doprint(body.xreplace(rename))}")
    # a tuple, not an array: an array would be allocated and freed every epoch
    for k, (name, expr, tex) in enumerate(plan.grads):
        out.append(f"    # {tex}")
        out.append(f"    g_{k} = {printer.doprint(expr)}")
    out.append("    return (" + "".join(f"g_{k}, " for k in range(len(plan.grads))) + ")")
    # cost
    out += ["", "", "@numba.njit(cache=False)", f"def _cost(theta_vec, {', '.join(plan.data)}):"]
    out += [f"    {p} = theta_vec[{k}]" for k, p in enumerate(plan.params)]
    out.append(f"    n = {plan.data[0]}.shape[0]")
    cost_list = [a for a in accs if a in cost_accs]
    out += [f"    {a} = 0.0" for a in cost_list]
    out.append("    for k in range(n):")
    lines_, rename = sample_lines("        ")
    out += lines_
    for acc in cost_list:
        out.append(f"        {acc} += {printer.doprint(plan.sums[acc].xreplace(rename))}")
    out.append(f"    # {plan.cost_tex}")
    out.append(f"    return {printer.doprint(plan.cost)}")
    # the fused epoch loop
    out += ["", "", "@numba.njit(cache=False)",
            f"def _train(theta_vec, {', '.join(plan.data)}, lr, epochs):",
            "    th = theta_vec.copy()",
            "    for _ in range(epochs):",
            f"        g = _grad(th, {', '.join(plan.data)})",
            f"        for j in range({len(plan.params)}):",
            "            th[j] -= lr * g[j]",
            "    return th"]
    out += ["", "",
            "def _vec(theta):",
            "    return numpy.array([float(theta[p]) for p in PARAMS], dtype=numpy.float64)",
            "",
            "",
            "def _cols(data):",
            "    return tuple(numpy.ascontiguousarray(data[d], dtype=numpy.float64) for d in DATA)",
            "",
            "",
            "def cost(theta, data):",
            '    """The cost at theta, a float."""',
            "    return float(_cost(_vec(theta), *_cols(data)))",
            "",
            "",
            "def grad(theta, data):",
            '    """Every partial derivative at theta, as a dict name → float."""',
            "    g = _grad(_vec(theta), *_cols(data))",
            "    return {p: float(g[k]) for k, p in enumerate(PARAMS)}",
            "",
            "",
            "def train(theta, data, lr, epochs):",
            '    """Full-batch gradient descent, all epochs in one compiled loop."""',
            "    th = _train(_vec(theta), *_cols(data), float(lr), int(epochs))",
            "    return {p: float(th[k]) for k, p in enumerate(PARAMS)}"]
    return "\n".join(out) + "\n"


class _FloatPrinter(PythonCodePrinter):
    """Scalar code with float literals (2.0, not 2), so that numba never
    computes in integers; integer exponents stay integers (x**2 is x·x)."""

    def _print_Integer(self, expr):
        return f"{int(expr)}.0"

    def _print_Pow(self, expr, rational=False):
        if expr.exp.is_Integer and expr.exp > 0:
            return f"{self.parenthesize(expr.base, 60)}**{int(expr.exp)}"
        return super()._print_Pow(expr, rational)


def require_backend(backend: str):
    """Raise :class:`ToolMissingError` naming the pip extra if ``backend``'s
    package is not installed."""
    if backend in EXTRAS:
        module, extra = EXTRAS[backend]
        try:
            __import__(module)
        except ImportError:
            raise ToolMissingError(
                f"the {backend} backend needs {module}; install it with "
                f"pip install 'derive[{extra}]'") from None


def load(derivs, backend: str = "numpy") -> types.ModuleType:
    """The generated trainer as a module in memory, without writing a file.

    The source is :func:`generate`'s, built only from validated identifiers and
    printed SymPy expressions; no user string is executed.
    """
    require_backend(backend)
    source = generate(derivs, backend)
    module = types.ModuleType(f"derive_trainer_{derivs.model.name.replace(':', '_')}")
    module.__dict__["__source__"] = source
    exec(compile(source, f"<derive trainer {derivs.model.name}>", "exec"), module.__dict__)
    return module
