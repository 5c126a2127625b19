"""Training from verified, generated code, behind a finite-difference gate.

:func:`run` derives and verifies the model's gradients, loads the generated
trainer, and checks its gradients against finite differences at the starting
point (:mod:`derive.gradcheck`). A run whose check fails never trains. Then it
runs one of the optimisers of :mod:`derive.optim`, records the cost curve,
stops at ``epochs`` or at ``tol``, and watches for divergence.

Plain full-batch ``gd`` without penalties or a per-epoch callback runs the
generated ``train`` loop in chunks, so the numba backend's fused loop does the
work; the cost is read between chunks.
"""

from __future__ import annotations

import io
import json
import math
import numbers
import time
from dataclasses import dataclass, field

import numpy as np

from . import __version__
from .codegen import load
from .data import load_split
from .derivation import derive
from .errors import DeriveError, DivergenceError, ToolMissingError
from .files import atomic_write
from .gradcheck import Result, gradcheck, require, starting_point
from .models import get_model
from .optim import OPTIMIZERS, make, penalty, quadratic_curvature
from .progress import Progress

#: learning rates used when none is given; stable for every built-in model
#: on its data (``twice`` needs lr < 1/6 for gradient descent)
DEFAULT_LR = {"gd": 0.1, "sgd": 0.1, "minibatch": 0.1, "momentum": 0.1,
              "adagrad": 0.1, "rmsprop": 0.01, "adam": 0.01}
DEFAULT_EPOCHS = 10_000
#: the cost curve keeps at most about this many points, evenly spaced
CURVE_POINTS = 10_000
#: the fast path calls the generated loop at most this many times per run
#: (each call costs a few µs for numba, a dispatch of the jitted loop for JAX)
CHUNKS = {"numpy": 1000, "numba": 1000, "jax": 100}
#: step of the forward difference for ``method="fd"`` (the seeds give none)
FD_EPS = 1e-3
#: a cost this many times its start is divergence
BLOWUP = 1e6
#: a rise smaller than this (relative) is rounding, not growth
RISE = 1e-12


@dataclass
class TrainResult:
    """What a run did. ``costs`` are (epoch, cost) pairs from epoch 0 (the
    start) on, at most about :data:`CURVE_POINTS` of them plus the last;
    every cost includes the L1/L2 penalty (``penalty`` is its final value).
    ``seconds`` is the training loop alone; derivation, code loading and
    compilation are ``setup_seconds``; the gate is ``gradcheck_seconds``."""

    model: str
    theta: dict
    cost: float
    costs: list
    epochs_run: int
    seconds: float
    gradcheck: Result
    gradcheck_seconds: float
    optimizer: str
    lr: float
    stopped: str
    epochs: int = 0
    method: str = "grad"
    backend: str = "numpy"
    batch_size: int | None = None
    l1: float = 0.0
    l2: float = 0.0
    penalty: float = 0.0
    seed: int = 0
    hyper: dict = field(default_factory=dict)
    start: dict = field(default_factory=dict)
    setup_seconds: float = 0.0
    #: classification accuracy on the training data and on the held-out part
    #: of a split data set (matrix models), else None
    train_accuracy: float | None = None
    test_accuracy: float | None = None

    def to_dict(self) -> dict:
        """Everything as JSON-ready values (floats, lists for arrays)."""
        return {
            "model": self.model, "optimizer": self.optimizer, "method": self.method,
            "backend": self.backend, "lr": self.lr, "epochs": self.epochs,
            "epochs_run": self.epochs_run, "stopped": self.stopped,
            "batch_size": self.batch_size, "l1": self.l1, "l2": self.l2, "seed": self.seed,
            "hyper": {k: float(v) for k, v in self.hyper.items()},
            "cost": self.cost, "penalty": self.penalty, "params": _plain(self.theta),
            "start": _plain(self.start), "costs": [[e, c] for e, c in self.costs],
            "seconds": self.seconds, "gradcheck_seconds": self.gradcheck_seconds,
            "setup_seconds": self.setup_seconds, "gradcheck": self.gradcheck.to_dict(),
            "train_accuracy": self.train_accuracy, "test_accuracy": self.test_accuracy}

    def save(self, path) -> None:
        """Write the final parameters as JSON, atomically; ``--init FILE`` and
        ``gradcheck --at FILE`` read it back.

        Raises:
            OutputError: the file cannot be written.
        """
        keys = ("model", "params", "cost", "penalty", "optimizer", "method", "lr",
                "epochs_run", "stopped", "l1", "l2", "seed")
        full = self.to_dict()
        out = {k: full[k] for k in keys}
        out["derive"] = __version__
        atomic_write(path, json.dumps(out, indent=2) + "\n")

    def plot(self, path) -> None:
        """Write the cost curve as a PNG, atomically (log scale when every
        cost is positive).

        Raises:
            ToolMissingError: matplotlib is not installed (the ``plot`` extra).
            OutputError: the file cannot be written.
        """
        FigureCanvasAgg, Figure = require_plotting()
        epochs = [e for e, _ in self.costs]
        values = [c for _, c in self.costs]
        fig = Figure(figsize=(6, 4), dpi=100)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        ax.plot(epochs, values)
        if values and min(values) > 0:
            ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel("cost")
        ax.set_title(f"{self.model}: {self.optimizer}, lr = {self.lr:g}, "
                     f"final cost {self.cost:.4g}")
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        atomic_write(path, buf.getvalue())

    def summary(self) -> str:
        """A few lines for people: the final cost and parameters."""
        lines = [f"{self.model}: {self.optimizer}, lr = {self.lr:g}, {self.epochs_run} epochs "
                 f"(stopped at {'the tolerance' if self.stopped == 'tol' else 'the epoch limit'})"
                 f", final cost {self.cost:.6g}"]
        worst = max((r.error for r in self.gradcheck.rows), default=0.0)
        lines.insert(0, f"gradient check passed: {len(self.gradcheck.rows)} checks against "
                        f"central differences, max error {worst:.1e} "
                        f"({self.gradcheck_seconds * 1e3:.1f} ms)")
        if self.test_accuracy is not None:
            lines.append(f"accuracy: {self.train_accuracy:.2%} on the training data, "
                         f"{self.test_accuracy:.2%} on the held-out test data")
        if all(np.ndim(v) == 0 for v in self.theta.values()):
            lines += [f"  {k} = {np.array2string(np.asarray(v), precision=6)}"
                      for k, v in self.theta.items()]
        else:
            lines.append("  " + ", ".join(f"{k} {np.shape(v)}" for k, v in self.theta.items())
                         + " (--save FILE.json writes them)")
        return "\n".join(lines)


def require_plotting():
    """matplotlib's Agg canvas and Figure: no pyplot, so no global backend
    switch. Call it before a long run that ends in ``--plot``.

    Raises:
        ToolMissingError: matplotlib is not installed (the ``plot`` extra).
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ToolMissingError("plotting needs matplotlib; install it with "
                               "pip install 'derive[plot]'") from None
    return FigureCanvasAgg, Figure


def _plain(theta):
    return {k: (float(v) if np.ndim(v) == 0 else np.asarray(v).tolist())
            for k, v in theta.items()}


def run(model, *, data=None, optimizer="gd", lr=None, epochs=None, batch_size=None,
        l1=0.0, l2=0.0, seed=0, init="random", tol=None, backend="numpy", method="grad",
        progress=False, on_epoch=None, hyper=None, fd_eps=FD_EPS) -> TrainResult:
    """Check the gradients, then train ``model``.

    Args:
        model: a :class:`~derive.models.Model` or a built-in name (``neuron``).
        data: a data set name (``nand``), a CSV path, a dict column → values,
            or ``None`` for the model's first data set.
        optimizer: a name from :data:`derive.optim.OPTIMIZERS`.
        lr: learning rate (default :data:`DEFAULT_LR` for the optimiser).
        epochs: passes over the data (default :data:`DEFAULT_EPOCHS`).
        batch_size: samples per step for ``minibatch`` and the adaptive ones.
        l1, l2: penalty weights; the objective is C + l1·Σ|θ| + l2·Σθ².
        seed: seeds the random start, the batch shuffling and the check.
        init: ``"random"`` (seeded normal), ``"zeros"``, a JSON file, a number
            for every parameter, or a dict name → value.
        tol: stop as soon as the cost is at most ``tol``.
        backend: ``numpy``, ``numba`` or ``jax``.
        method: ``"grad"`` (derived gradients) or ``"fd"``: the seeds'
            forward difference (C(θ + ε) − C(θ))/ε per parameter entry, as in
            eq. (1) of 000/001, with ε = ``fd_eps``; the baseline of 000's
            FD-versus-GD comparison.
        progress: show a progress bar on stderr (rich if installed).
        on_epoch: called as ``on_epoch(epoch, cost, theta)`` after every epoch.
        hyper: the optimiser's hyper-parameters (``{"momentum": 0.8}``).

    Returns:
        A :class:`TrainResult`.

    Raises:
        DeriveError: bad input (lr ≤ 0, epochs ≤ 0, a batch size larger than
            the data, unknown optimiser, method or data set); the parameter
            is named.
        GradientCheckError: the generated gradients disagree with finite
            differences at the start; nothing was trained.
        DivergenceError: the cost became NaN/inf or kept growing.
    """
    if isinstance(model, str):
        model = get_model(model)
    if optimizer not in OPTIMIZERS:
        make(optimizer, 1.0)  # raises, listing the known ones
    lr = DEFAULT_LR[optimizer] if lr is None else lr
    epochs = DEFAULT_EPOCHS if epochs is None else epochs
    opt = make(optimizer, lr, l1=l1, l2=l2, batch_size=batch_size, **(hyper or {}))
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise DeriveError(f"--epochs must be a whole number > 0, got {epochs!r}")
    if tol is not None and not (isinstance(tol, numbers.Real) and tol >= 0):
        raise DeriveError(f"--tol must be a number >= 0, got {tol!r}")
    if method not in ("grad", "fd"):
        raise DeriveError(f"unknown method {method!r}; choose grad or fd")
    if method == "fd" and not (isinstance(fd_eps, (int, float)) and fd_eps > 0):
        raise DeriveError(f"fd_eps must be > 0, got {fd_eps!r}")

    t0 = time.perf_counter()
    data, test = _data(model, data)
    n = _samples(data)
    if batch_size is not None and batch_size > n:
        raise DeriveError(f"--batch-size must be at most the number of samples ({n}), "
                          f"got {batch_size}")
    _check_stable(model, data, opt, optimizer, method)
    theta0 = _start(model, init, seed)
    trainer = load(derive(model), backend)
    fast = (optimizer == "gd" and method == "grad" and not (l1 or l2) and on_epoch is None
            and callable(getattr(trainer, "train", None)))
    # the first calls compile (numba, JAX); that is setup, not the check
    with np.errstate(all="ignore"):
        trainer.cost(theta0, data)
        trainer.grad(theta0, data)
        if fast and backend == "numba":
            trainer.train(theta0, data, float(opt.lr), 0)
    setup = time.perf_counter() - t0

    t1 = time.perf_counter()
    check = gradcheck(trainer, theta0, data, seed=seed)
    check_seconds = time.perf_counter() - t1
    require(check, model.name)  # the gate: a failing check never trains

    grad = trainer.grad if method == "grad" else _forward_difference(trainer, fd_eps)
    loop = _Loop(model, trainer, data, opt, epochs, tol, seed, grad, on_epoch)
    t2 = time.perf_counter()
    with Progress(epochs, progress, f"{model.name} {optimizer}") as loop.bar, \
            np.errstate(all="ignore"), _blas_threads(theta0):  # overflow → divergence
        theta, stopped = loop.run(theta0, fast, backend)
    seconds = time.perf_counter() - t2
    return TrainResult(
        model=model.name, theta=theta, cost=loop.curve[-1][1], costs=loop.curve,
        epochs_run=loop.curve[-1][0], seconds=seconds, gradcheck=check,
        gradcheck_seconds=check_seconds, optimizer=optimizer, lr=opt.lr, stopped=stopped,
        epochs=int(epochs), method=method, backend=backend, batch_size=opt.batch(n),
        l1=opt.l1, l2=opt.l2, penalty=penalty(theta, opt.l1, opt.l2), seed=seed,
        hyper=dict(opt.hyper), start=theta0, setup_seconds=setup,
        **_accuracies(model, theta, data, test, trainer))


#: below this many parameters, BLAS runs single-threaded: its threads cost more
#: than they give on small matrices, and spin badly on a busy machine
SMALL = 50_000


def _blas_threads(theta):
    """One BLAS thread for small models (threadpoolctl, when installed)."""
    import contextlib
    size = sum(int(np.size(v)) for v in theta.values())
    if size > SMALL:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _accuracies(model, theta, data, test, trainer) -> dict:
    measure = getattr(model, "accuracy", None)
    if measure is None or test is None:
        return {}
    return {"train_accuracy": measure(theta, data, trainer),
            "test_accuracy": measure(theta, test, trainer)}


# -- inputs ------------------------------------------------------------------

def _check_stable(model, data, opt, optimizer, method):
    """Refuse a learning rate that must diverge, before any epoch runs.

    For full-batch gradient descent on a quadratic cost the iteration is
    linear: it converges exactly when lr < 2/L (L the largest curvature), so a
    larger rate is bad input, not something to discover at epoch 20.
    """
    if optimizer != "gd" or method != "grad":
        return
    try:
        found = quadratic_curvature(model, data, l2=opt.l2)
    except Exception:  # the bound is a courtesy; training still watches
        return
    if found is None:
        return
    L, names = found
    if L > 0 and opt.lr >= 2 / L:
        raise DivergenceError(
            f"lr = {opt.lr:g} diverges: the cost is quadratic in {', '.join(names)} with "
            f"curvature L = {L:.6g}, and {opt.stable_lr(L)}")


def _data(model, spec):
    """``(train, test)``; ``test`` is None unless the data set comes split."""
    if not isinstance(spec, dict):
        return load_split(model, spec)
    out = {}
    for name in model.data_names:
        if name not in spec:
            raise DeriveError(f"data column {name!r} is missing (the model needs "
                              f"{', '.join(model.data_names)})")
        col = np.asarray(spec[name], dtype=np.float64)  # samples along axis 0
        if col.ndim == 0 or not np.all(np.isfinite(col)):
            raise DeriveError(f"data column {name!r} must be an array of finite numbers")
        out[name] = col
    if len({len(c) for c in out.values()}) > 1:
        raise DeriveError("data columns differ in length: " +
                          ", ".join(f"{k} {len(v)}" for k, v in out.items()))
    return out, None


def _samples(data) -> int:
    lengths = [len(v) for v in data.values()]
    if lengths and lengths[0] == 0:
        raise DeriveError("the data set has no samples")
    return lengths[0] if lengths else 1


def _start(model, init, seed):
    if isinstance(init, str):
        try:  # --init 0.5 arrives as text; a number wins over a file of that name
            init = float(init)
        except ValueError:
            return starting_point(model, init, seed)
    if isinstance(init, dict):
        missing = [p for p in model.param_names if p not in init]
        if missing:
            raise DeriveError(f"--init lacks parameter {missing[0]!r}")
        return {p: (float(init[p]) if np.ndim(init[p]) == 0
                    else np.array(init[p], dtype=np.float64)) for p in model.param_names}
    if isinstance(init, (int, float)) and not isinstance(init, bool) and math.isfinite(init):
        shapes = model.shapes() if hasattr(model, "shapes") else {}
        return {p: np.full(shapes[p], float(init)) if p in shapes else float(init)
                for p in model.param_names}
    raise DeriveError(f"--init must be random, zeros, a file, a finite number or a dict; "
                      f"got {init!r}")


# -- the loop ----------------------------------------------------------------

class _Loop:
    """Epochs, the cost curve and the divergence watch of one run."""

    def __init__(self, model, trainer, data, opt, epochs, tol, seed, grad, on_epoch):
        self.model, self.trainer, self.data, self.opt = model, trainer, data, opt
        self.epochs, self.tol, self.grad, self.on_epoch = epochs, tol, grad, on_epoch
        self.rng = np.random.default_rng(seed)
        self.n = _samples(data)
        self.size = opt.batch(self.n)
        self.stride = max(1, math.ceil(epochs / CURVE_POINTS))
        self.curve, self.rises, self.bar = [], 0, None

    def cost(self, theta):
        return (float(self.trainer.cost(theta, self.data))
                + penalty(theta, self.opt.l1, self.opt.l2))

    def reached(self, c):
        return self.tol is not None and c <= self.tol

    def epoch(self, theta):
        """One pass over the data: one full-batch step, or shuffled batches."""
        if self.size >= self.n:
            return self.opt.step(theta, self.grad(theta, self.data))
        order = self.rng.permutation(self.n)
        for lo in range(0, self.n, self.size):
            idx = order[lo:lo + self.size]
            theta = self.opt.step(theta, self.grad(theta, {k: v[idx] for k, v in
                                                           self.data.items()}))
        return theta

    def run(self, theta, fast, backend):
        """Train from ``theta``; returns (theta, "epochs" | "tol")."""
        self.c0 = self.prev = self.cost(theta)
        self.curve.append((0, self.c0))
        if self.reached(self.c0):
            return theta, "tol"
        if not fast:
            theta, stop = self.one_by_one(theta, 1, self.epochs)
            return theta, stop or "epochs"
        # gd through the generated train() loop, `chunk` epochs a call
        chunk = max(self.stride, math.ceil(self.epochs / CHUNKS.get(backend, 1000)))
        e = 0
        while e < self.epochs:
            k = min(chunk, self.epochs - e)
            new = self.trainer.train(theta, self.data, self.opt.lr, k)
            c = self.cost(new)
            if k > 1 and (self.broken(c, new) or self.reached(c)):
                # replay this chunk an epoch at a time to name the exact epoch
                new, stop = self.one_by_one(theta, e + 1, e + k)
                if stop:
                    return new, stop
            else:
                self.after(e + k, c, new, keep=True)
                if self.reached(c):
                    return new, "tol"
            theta, e = new, e + k
        return theta, "epochs"

    def one_by_one(self, theta, first, last):
        for e in range(first, last + 1):
            theta = self.epoch(theta)
            c = self.cost(theta)
            self.after(e, c, theta, keep=self.reached(c))
            if self.reached(c):
                return theta, "tol"
        return theta, None

    def after(self, e, c, theta, keep=False):
        """Watch, record (every ``stride``-th epoch and the last), report."""
        self.watch(e, c, theta)
        if keep or e % self.stride == 0 or e == self.epochs:
            self.curve.append((e, c))
        if self.on_epoch is not None:
            self.on_epoch(e, c, theta)
        self.bar.update(e, c)

    def broken(self, c, theta):
        return (not math.isfinite(c) or c > BLOWUP * max(self.c0, 1e-12)
                or not all(np.all(np.isfinite(v)) for v in theta.values()))

    def watch(self, epoch, c, theta):
        """Raise :class:`DivergenceError` on NaN/inf, a blow-up or a long rise.

        In the fast path a "step" of the rise is a chunk of epochs.
        """
        why = None
        bad = [k for k, v in theta.items() if not np.all(np.isfinite(v))]
        if not math.isfinite(c):
            why = f"the cost became {'NaN' if math.isnan(c) else 'infinite'}"
        elif bad:
            why = f"parameter {bad[0]!r} became NaN or infinite"
        elif c > BLOWUP * max(self.c0, 1e-12):
            why = f"the cost grew from {self.c0:.4g} to {c:.4g}"
        else:
            self.rises = self.rises + 1 if c > self.prev * (1 + RISE) else 0
            if self.rises >= self.opt.patience:
                why = (f"the cost rose {self.rises} times in a row, from "
                       f"{self.c0:.4g} at the start to {c:.4g}")
        self.prev = c
        if why:
            raise DivergenceError(self.message(epoch, why))

    def message(self, epoch, why):
        lr = self.opt.lr
        text = (f"training diverged at epoch {epoch}: {why} with lr = {lr:g}; "
                f"try a smaller learning rate (e.g. --lr {lr / 10:g})")
        try:
            found = quadratic_curvature(self.model, self.data, l2=self.opt.l2)
        except Exception:  # the bound is a hint; never hide the divergence behind it
            found = None
        if found is not None:
            L, names = found
            bound = self.opt.stable_lr(L)
            text += (f"; the cost is quadratic in {', '.join(names)} with curvature "
                     f"L = {L:.6g}" + (f"; {bound}" if bound else ""))
        return text


def _forward_difference(trainer, eps):
    """grad(theta, data) by the seeds' forward difference (C(θ + ε) − C(θ))/ε,
    one extra cost per parameter entry."""
    def grad(theta, data):
        c0 = float(trainer.cost(theta, data))
        out = {}
        for p in trainer.PARAMS:
            arr = np.asarray(theta[p], dtype=np.float64)
            g = np.empty_like(arr)
            for idx in np.ndindex(arr.shape):  # one empty index for a scalar
                shifted = arr.copy()
                shifted[idx] += eps
                g[idx] = (float(trainer.cost({**theta, p: shifted}, data)) - c0) / eps
            out[p] = float(g) if g.ndim == 0 else g
        return out
    return grad
