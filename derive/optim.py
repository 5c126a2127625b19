"""The optimiser family: GD, SGD, mini-batch, momentum, Adagrad, RMSprop, Adam.

Every optimiser is a small class in one registry, :data:`OPTIMIZERS`, made by
:func:`make`. ``step(theta, grads)`` returns a new ``theta`` and never mutates
its arguments; an optimiser's running averages are its own state. Parameters
may be floats or NumPy arrays: every update is element-wise, and a float comes
back as a float.

The optimisers differ in two things only: the update rule (``_update``) and
how many samples one gradient sees (:meth:`Optimizer.batch`). ``gd`` uses the
full batch, ``sgd`` one sample, ``minibatch`` ``batch_size`` samples (32 by
default, at most the data set); the adaptive ones use the batch size they are
given, the full batch by default.

Penalties. With ``l1`` and ``l2`` the objective is

    C(θ) + l1·Σ|θ| + l2·Σθ²

over every parameter entry, so ``l1·sign(θ) + 2·l2·θ`` is added to each
gradient before the update (sign(0) = 0, the subgradient that keeps a zero
weight at zero). Training adds the same penalty, :func:`penalty`, to the cost
it reports, so the curve shows the objective that is minimised.

Stability. On a quadratic cost with curvature L (the largest Hessian
eigenvalue, :func:`quadratic_curvature`) gradient descent converges exactly
when lr < 2/L, and heavy-ball momentum μ when lr < 2(1 + μ)/L;
:meth:`Optimizer.stable_lr` gives that bound, which a divergence error names.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from .errors import DeriveError
from .models import n as COUNT

#: exact Hessians are summed sample by sample up to this many samples
EXACT_MAX = 5000

#: name → optimiser class; :func:`register` fills it
OPTIMIZERS: dict[str, type] = {}


def register(cls):
    """Add ``cls`` to :data:`OPTIMIZERS` under ``cls.name``."""
    OPTIMIZERS[cls.name] = cls
    return cls


def make(name: str, lr: float, **hyper) -> "Optimizer":
    """The optimiser called ``name``.

    Args:
        name: one of :data:`OPTIMIZERS` (``gd``, ``adam`` …).
        lr: the learning rate, > 0.
        **hyper: that optimiser's hyper-parameters (``momentum``, ``beta1`` …),
            ``l1``, ``l2`` and ``batch_size``.

    Raises:
        DeriveError: unknown optimiser (the known ones are listed), unknown
            hyper-parameter, or a value out of range (the parameter is named).
    """
    if name not in OPTIMIZERS:
        raise DeriveError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
    return OPTIMIZERS[name](lr, **hyper)


def penalty(theta: dict, l1: float = 0.0, l2: float = 0.0) -> float:
    """l1·Σ|θ| + l2·Σθ² over every entry of every parameter."""
    if not (l1 or l2):
        return 0.0
    total = 0.0
    for value in theta.values():
        v = np.asarray(value, dtype=np.float64)
        total += l1 * float(np.sum(np.abs(v))) + l2 * float(np.sum(v * v))
    return total


def _positive(flag, value, *, below=None, zero_ok=False):
    """Check one hyper-parameter; the message names it as a CLI flag."""
    ok = isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool)
    ok = ok and math.isfinite(value) and (value >= 0 if zero_ok else value > 0)
    ok = ok and (below is None or value < below)
    if not ok:
        bound = ">= 0" if zero_ok else "> 0"
        if below is not None:
            bound += f" and < {below:g}"
        shown = f"{value:g}" if isinstance(value, (int, float)) else repr(value)
        raise DeriveError(f"--{flag} must be {bound}, got {shown}")
    return float(value)


def _like(value, new):
    """``new`` as a float when ``value`` was a scalar (jax/NumPy 0-d included)."""
    return float(new) if np.ndim(value) == 0 else new


class Optimizer:
    """Base: validates lr, penalties and batch size; applies the penalties.

    Args:
        lr: learning rate, > 0.
        l1: L1 penalty weight, ≥ 0 (default 0).
        l2: L2 penalty weight, ≥ 0 (default 0).
        batch_size: samples per gradient, ≥ 1, or ``None`` for the class
            default (see :meth:`batch`).

    Subclasses set ``name``, declare their hyper-parameters with defaults in
    ``defaults`` and implement ``_update(key, value, grad) → new value``.
    """

    name = ""
    defaults: dict = {}
    #: how many consecutive rises of the cost are still normal for this
    #: method; training calls it divergence beyond that (momentum methods
    #: legitimately climb for a while after overshooting)
    patience = 20

    def __init__(self, lr, *, l1=0.0, l2=0.0, batch_size=None, **hyper):
        self.lr = _positive("lr", lr)
        self.l1 = _positive("l1", l1, zero_ok=True)
        self.l2 = _positive("l2", l2, zero_ok=True)
        if batch_size is not None:
            if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                    or batch_size < 1:
                raise DeriveError(f"--batch-size must be a whole number >= 1, got {batch_size!r}")
            batch_size = int(batch_size)
        self.batch_size = batch_size
        unknown = set(hyper) - set(self.defaults)
        if unknown:
            known = ", ".join(self.defaults) or "none besides lr, l1, l2, batch_size"
            raise DeriveError(f"unknown hyper-parameter {sorted(unknown)[0]!r} for optimizer "
                              f"{self.name!r}; its hyper-parameters: {known}")
        self.hyper = {**self.defaults, **hyper}
        self.t = 0  # steps taken
        self.state: dict = {}

    def batch(self, n: int) -> int:
        """Samples per gradient for a data set of ``n`` samples."""
        return self.batch_size or n

    def step(self, theta: dict, grads: dict) -> dict:
        """One update; returns a new theta and leaves both arguments alone.

        Raises:
            DeriveError: ``grads`` lacks a parameter of ``theta``.
        """
        self.t += 1
        out = {}
        for key, value in theta.items():
            if key not in grads:
                raise DeriveError(f"no gradient for parameter {key!r}")
            v = np.asarray(value, dtype=np.float64)
            g = np.asarray(grads[key], dtype=np.float64)
            if self.l1:
                g = g + self.l1 * np.sign(v)
            if self.l2:
                g = g + 2.0 * self.l2 * v
            out[key] = _like(value, self._update(key, v, g))
        return out

    def _update(self, key, value, grad):  # pragma: no cover - abstract
        raise NotImplementedError

    def stable_lr(self, L: float) -> str | None:
        """The largest stable lr on a quadratic of curvature ``L``, as the
        text of the bound (``lr < 2/L = 0.1667``), or ``None`` if unknown."""
        return None

    def __repr__(self):
        extra = "".join(f", {k}={v:g}" for k, v in self.hyper.items())
        return f"{type(self).__name__}(lr={self.lr:g}{extra})"


# -- plain gradient steps -----------------------------------------------------

@register
class GD(Optimizer):
    """Full-batch gradient descent: θ ← θ − lr·g."""

    name = "gd"

    def __init__(self, lr, **hyper):
        super().__init__(lr, **hyper)
        if self.batch_size is not None:
            raise DeriveError("--batch-size does not apply to gd, which uses the full batch; "
                              "use --optimizer minibatch")

    def _update(self, key, value, grad):
        return value - self.lr * grad

    def stable_lr(self, L):
        return f"gradient descent is stable only for lr < 2/L = {2 / L:.4g}"


@register
class SGD(GD):
    """Stochastic gradient descent, one sample per step: θ ← θ − lr·g_i."""

    name = "sgd"

    def __init__(self, lr, **hyper):
        Optimizer.__init__(self, lr, **hyper)
        if self.batch_size not in (None, 1):
            raise DeriveError(f"--batch-size must be 1 for sgd, got {self.batch_size}; "
                              "use --optimizer minibatch")

    def batch(self, n):
        return 1


@register
class Minibatch(GD):
    """Mini-batch gradient descent: θ ← θ − lr·g_B over ``batch_size`` samples
    (default 32, or the whole data set when it is smaller)."""

    name = "minibatch"
    default_batch = 32

    def __init__(self, lr, **hyper):
        Optimizer.__init__(self, lr, **hyper)

    def batch(self, n):
        return self.batch_size or min(self.default_batch, n)


# -- adaptive methods (full batch unless given a batch size) ------------------

@register
class Momentum(Optimizer):
    """Heavy-ball momentum (PyTorch's form): v ← μ·v + g; θ ← θ − lr·v.

    Hyper-parameters: ``momentum`` μ = 0.9. With constant lr this is the same
    trajectory as v ← μ·v − lr·g; θ ← θ + v.
    """

    name = "momentum"
    defaults = {"momentum": 0.9}
    patience = 100

    def __init__(self, lr, **hyper):
        super().__init__(lr, **hyper)
        _positive("momentum", self.hyper["momentum"], zero_ok=True, below=1)

    def _update(self, key, value, grad):
        v = self.hyper["momentum"] * self.state.get(key, 0.0) + grad
        self.state[key] = v
        return value - self.lr * v

    def stable_lr(self, L):
        mu = self.hyper["momentum"]
        return (f"gradient descent is stable only for lr < 2/L = {2 / L:.4g} "
                f"(with momentum {mu:g}: lr < 2(1 + μ)/L = {2 * (1 + mu) / L:.4g})")


@register
class Adagrad(Optimizer):
    """Adagrad: G ← G + g²; θ ← θ − lr·g / (√G + ε).

    Hyper-parameters: ``eps`` ε = 1e-8.
    """

    name = "adagrad"
    defaults = {"eps": 1e-8}

    def __init__(self, lr, **hyper):
        super().__init__(lr, **hyper)
        _positive("eps", self.hyper["eps"])

    def _update(self, key, value, grad):
        G = self.state.get(key, 0.0) + grad * grad
        self.state[key] = G
        return value - self.lr * grad / (np.sqrt(G) + self.hyper["eps"])


@register
class RMSprop(Optimizer):
    """RMSprop: s ← ρ·s + (1 − ρ)·g²; θ ← θ − lr·g / (√s + ε).

    Hyper-parameters: ``decay`` ρ = 0.9, ``eps`` ε = 1e-8.
    """

    name = "rmsprop"
    defaults = {"decay": 0.9, "eps": 1e-8}
    patience = 100

    def __init__(self, lr, **hyper):
        super().__init__(lr, **hyper)
        _positive("decay", self.hyper["decay"], zero_ok=True, below=1)
        _positive("eps", self.hyper["eps"])

    def _update(self, key, value, grad):
        rho = self.hyper["decay"]
        s = rho * self.state.get(key, 0.0) + (1.0 - rho) * grad * grad
        self.state[key] = s
        return value - self.lr * grad / (np.sqrt(s) + self.hyper["eps"])


@register
class Adam(Optimizer):
    """Adam with bias correction (Kingma & Ba, 2015):
    m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²;
    θ ← θ − lr·m̂ / (√v̂ + ε) with m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ).

    Hyper-parameters: ``beta1`` = 0.9, ``beta2`` = 0.999, ``eps`` = 1e-8.
    """

    name = "adam"
    defaults = {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    patience = 100

    def __init__(self, lr, **hyper):
        super().__init__(lr, **hyper)
        _positive("beta1", self.hyper["beta1"], zero_ok=True, below=1)
        _positive("beta2", self.hyper["beta2"], zero_ok=True, below=1)
        _positive("eps", self.hyper["eps"])

    def _update(self, key, value, grad):
        b1, b2, eps = self.hyper["beta1"], self.hyper["beta2"], self.hyper["eps"]
        m0, v0 = self.state.get(key, (0.0, 0.0))
        m = b1 * m0 + (1.0 - b1) * grad
        v = b2 * v0 + (1.0 - b2) * grad * grad
        self.state[key] = (m, v)
        m_hat = m / (1.0 - b1 ** self.t)
        v_hat = v / (1.0 - b2 ** self.t)
        return value - self.lr * m_hat / (np.sqrt(v_hat) + eps)


# -- the curvature that bounds a stable step ----------------------------------

def quadratic_curvature(model, data: dict, l2: float = 0.0):
    """L, the largest eigenvalue of the cost's Hessian, when the cost is quadratic.

    The cost is quadratic when the model has no intermediates and its summand
    is a polynomial of total degree ≤ 2 in the parameters; then the Hessian is
    constant. Its entries are differentiated by SymPy and summed over the
    samples exactly (as rationals of the float64 data) up to
    :data:`EXACT_MAX` samples, in floats beyond. For ``twice``,
    C = (1/n) Σ (x_i w − y_i)² gives L = (2/n) Σ x_i².

    Args:
        model: the :class:`~derive.models.Model`.
        data: column → values, the data the run uses.
        l2: the L2 weight; its penalty adds 2·l2 to every eigenvalue.

    Returns:
        ``(L, parameter names)``, or ``None`` when the cost is not quadratic.
    """
    if model.intermediates:
        return None
    cost, params = model.flat_cost(), list(model.params)
    summand = cost.replace(lambda e: isinstance(e, sp.Sum), lambda s: s.function)
    try:
        if sp.Poly(summand, *params).total_degree() > 2:
            return None
    except sp.PolynomialError:
        return None
    columns = {str(d): d for d in model.data}
    n = len(next(iter(data.values()))) if data else 1
    number = sp.Rational if n <= EXACT_MAX else sp.Float

    def total(s):  # Σ_i body over the data
        (idx, _, _), = s.limits
        acc = sp.Integer(0)
        for k in range(n):
            acc += s.function.xreplace({col[idx]: number(float(data[name][k]))
                                        for name, col in columns.items()})
        return acc

    H = sp.zeros(len(params))
    for r, p in enumerate(params):
        for c in range(r, len(params)):
            entry = sp.diff(cost, p, params[c])
            entry = entry.replace(lambda e: isinstance(e, sp.Sum), total).subs(COUNT, n)
            if entry.free_symbols:
                return None
            H[r, c] = H[c, r] = entry
    if len(params) == 1:
        L = float(H[0, 0] + 2 * sp.Rational(l2))
    else:
        L = float(np.linalg.eigvalsh(np.array(H.evalf(), dtype=np.float64)).max()) + 2 * l2
    return (L, [p.name for p in params]) if L > 0 else None
