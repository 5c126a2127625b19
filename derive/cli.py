"""The ``derive`` command: one thin sub-command per pipeline stage.

Every sub-command is a function of parsed arguments that returns an exit
code; :func:`main` turns a :class:`DeriveError` into one line on stderr and
its exit code (2 for bad input, 1 for "found something wrong").
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from . import __version__
from .errors import DeriveError, ModelError


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2."""

    def error(self, message):
        raise DeriveError(f"{message} (see '{self.prog} --help')")


def _add_model_args(p):
    p.add_argument("model", nargs="?", help="a built-in model (see 'derive models')")
    p.add_argument("--model-file", metavar="FILE", help="a model defined in a TOML file")
    p.add_argument("--style", default="grad", choices=("grad", "leibniz", "expanded"),
                   help="notation: grad.tex's macros, Leibniz fractions, or every step "
                        "with its rule (default: grad)")


def _load_model(args):
    if args.model_file and args.model:
        raise ModelError("give a model name or --model-file, not both")
    if args.model_file:
        from .modelfile import load_model_file
        return load_model_file(args.model_file)
    if not args.model:
        from .models import model_names
        raise ModelError(f"no model given; known models: {', '.join(model_names())}")
    from .models import get_model
    return get_model(args.model)


def _derive(args, model):
    from .derivation import derive
    return derive(model, wrt=args.wrt.split(",") if getattr(args, "wrt", None) else None)


def _emit(text, output):
    if output:
        from .files import atomic_write
        atomic_write(output, text)
        print(f"wrote {output}", file=sys.stderr)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


# -- sub-commands -------------------------------------------------------------

def cmd_models(args):
    from .models import BUILTINS, FAMILIES
    for name, factory in BUILTINS.items():
        print(f"{name:10} {factory().description}")
    for line in FAMILIES.values():
        name, _, text = line.partition(" — ")
        print(f"{name:10} {text}")
    print(f"{'ad-example':10} f(x) = √(x² + e^(x²)) from 002: its computational graph, forward "
          "and reverse mode (derive writeup ad-example; derive ad EXPR for any other)")
    return 0


def cmd_show(args):
    model = _load_model(args)
    derivs = _derive(args, model)
    if args.json:
        from .export import to_dict
        out = to_dict(derivs, style=args.style)
        if model.fixed_data:
            from .derivation import on_data
            grads, minimiser = on_data(derivs, model.fixed_data)
            out["on_data"] = {"data": model.fixed_data,
                              "gradients": {k: str(v) for k, v in grads.items()},
                              "minimiser": {k: float(v) for k, v in (minimiser or {}).items()}}
        _emit(json.dumps(out, indent=2), args.output)
        return 0
    from .latex import align, data_rows, to_latex
    text = to_latex(derivs, style=args.style, steps=args.steps, macros=args.macros)
    if model.fixed_data:
        from .derivation import on_data
        grads, minimiser = on_data(derivs, model.fixed_data)
        text += "\n" + align(data_rows(derivs, model.fixed_data, grads, minimiser, args.style))
    _emit(text, args.output)
    return 0


def cmd_writeup(args):
    from .files import check_writable
    from .writeup import document, require_engine
    if args.pdf and args.format != "tex":
        raise DeriveError("--pdf needs --format tex")
    if args.model == "ad-example" and not args.model_file:
        from .ad import document as ad_document
        from .ad import example
        make = lambda: ad_document(example())  # noqa: E731
        default = "ad-example.tex"
    else:
        model = _load_model(args)
        derivs = _derive(args, model)
        make = lambda: document(derivs, style=args.style, fmt=args.format)  # noqa: E731
        default = f"{model.name.replace(':', '-')}.tex"
    output = args.output or (default if args.pdf else None)
    if output is None:
        _emit(make(), None)
        return 0
    check_writable(output)
    if args.pdf:
        require_engine()  # before anything is written
    _write_document(make(), output, args.pdf)
    return 0


def cmd_codegen(args):
    from .codegen import generate, require_backend
    model = _load_model(args)
    require_backend(args.backend)
    derivs = _derive(args, model)
    _emit(generate(derivs, args.backend), args.output)
    return 0


def cmd_gradcheck(args):
    from .codegen import load
    from .data import load_dataset
    from .gradcheck import gradcheck, starting_point
    model = _load_model(args)
    data = load_dataset(model, args.data)
    theta = starting_point(model, args.at, args.seed)
    trainer = load(_derive(args, model), args.backend)
    result = gradcheck(trainer, theta, data, seed=args.seed)
    if args.json:
        print(json.dumps({"model": model.name, **result.to_dict()}, indent=2))
    else:
        print(result.table())
        print("gradient check passed" if result.ok else
              f"gradient check FAILED for {', '.join(r.name for r in result.failures)}")
    return 0 if result.ok else 1


def cmd_train(args):
    from .files import check_writable
    from .train import require_plotting, run
    # fail before a long run, not after it
    for path in (args.save, args.plot):
        if path:
            check_writable(path)
    if args.plot:
        require_plotting()
    model = _load_model(args)
    steps = []
    if args.table and (args.optimizer != "gd" or args.l1 or args.l2 or args.method != "grad"):
        raise DeriveError("--table shows plain gradient steps: use it with --optimizer gd "
                          "and no --l1/--l2/--method fd")
    record = (lambda epoch, cost, theta: steps.append(dict(theta))) if args.table else None
    result = run(model, data=args.data, optimizer=args.optimizer, lr=args.lr,
                 epochs=args.epochs, batch_size=args.batch_size, l1=args.l1, l2=args.l2,
                 seed=args.seed, init=args.init, tol=args.tol, backend=args.backend,
                 method=args.method, progress=not (args.json or args.table), on_epoch=record)
    if args.table:
        print(_step_table(result, steps))
    if args.save:
        result.save(args.save)
    if args.plot:
        result.plot(args.plot)
    print(json.dumps(result.to_dict(), indent=2) if args.json else result.summary())
    return 0


def cmd_ad(args):
    from .ad import EXAMPLE, document, walkthrough
    w = walkthrough(args.expr or EXAMPLE, var=args.var, at=args.at)
    output = args.output or ("ad.tex" if args.pdf else None)
    if output:
        from .files import check_writable
        check_writable(output)
    sys.stdout.write(json.dumps(w.to_dict(), indent=2) + "\n" if args.json else w.text())
    if output:
        _write_document(document(w), output, args.pdf)
    return 0


def _write_document(text, output, pdf):
    from .files import atomic_write
    atomic_write(output, text)
    print(f"wrote {output}", file=sys.stderr)
    if pdf:
        from .writeup import build_pdf
        print(f"wrote {build_pdf(output)}")


def cmd_check(args):
    from .check import check_file
    if args.budget is not None and not args.budget > 0:
        raise DeriveError(f"--budget must be a positive number of seconds, not {args.budget}")
    report = check_file(args.file, assume=args.assume, row_seconds=args.budget)
    print(json.dumps(report.to_dict(), indent=2) if args.json else report.text())
    return 0 if report.ok else 1


def cmd_check_code(args):
    from .checkcode import check_code
    report = check_code(args.file, cost=args.cost)
    print(json.dumps(report.to_dict(), indent=2) if args.json else report.text())
    return 0 if report.ok else 1


def _step_table(result, steps):
    """The slides' table: step, each parameter, its derivative and the step size
    lr·derivative (the slides' "difference": negative when the parameter grows).

    The derivative at the point before step k is (θ_{k−1} − θ_k)/lr, exactly
    what plain gradient descent subtracted.
    """
    names = list(result.start)
    head = ["step"] + [c for p in names for c in (p, f"dC/d{p}", "step size")]
    rows, prev = [], result.start
    for k, theta in enumerate(steps, start=1):
        row = [str(k)]
        for p in names:
            size = float(prev[p]) - float(theta[p])
            row += [f"{float(theta[p]):.4f}", f"{size / result.lr:.4f}", f"{size:.4f}"]
        rows.append(row)
        prev = theta
    widths = [max(len(r[c]) for r in [head] + rows) for c in range(len(head))]
    return "\n".join("  ".join(v.rjust(w) for v, w in zip(r, widths)) for r in [head] + rows)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="derive", description=(
        "Derive machine-learning gradients step by step and write them up as LaTeX."))
    parser.add_argument("--version", action="version", version=f"derive {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("models", help="list the built-in models")
    p.set_defaults(run=cmd_models)

    p = sub.add_parser("show", help="print the verified gradients of a model as LaTeX")
    _add_model_args(p)
    p.add_argument("--wrt", metavar="P[,Q...]", help="only these parameters")
    p.add_argument("--steps", action="store_true", help="every step, not just the result")
    p.add_argument("--macros", action="store_true",
                   help="print grad.tex's \\def lines first (grad style)")
    p.add_argument("--json", action="store_true", help="one JSON object instead of LaTeX")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically)")
    p.set_defaults(run=cmd_show)

    p = sub.add_parser("writeup", help="a full document: model, diagram, every step")
    _add_model_args(p)
    p.add_argument("--wrt", metavar="P[,Q...]", help="only these parameters")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically)")
    p.add_argument("--format", default="tex", choices=("tex", "md"))
    p.add_argument("--pdf", action="store_true", help="compile with pdflatex")
    p.set_defaults(run=cmd_writeup)

    p = sub.add_parser("codegen", help="a standalone trainer module from the verified gradients")
    _add_model_args(p)
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically)")
    p.add_argument("--backend", default="numpy", choices=("numpy", "numba", "jax"))
    p.set_defaults(run=cmd_codegen)

    p = sub.add_parser("gradcheck", help="compare the generated gradients with finite differences")
    _add_model_args(p)
    p.add_argument("--data", metavar="NAME|FILE.csv", help="a built-in data set or a CSV file")
    p.add_argument("--at", default="random", metavar="random|zeros|FILE",
                   help="the point: random (seeded), zeros, or a JSON file of parameters")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--backend", default="numpy", choices=("numpy", "numba", "jax"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_gradcheck)

    p = sub.add_parser("train", help="train from generated code, after a gradient check")
    _add_model_args(p)
    p.add_argument("--data", metavar="NAME|FILE.csv", help="a built-in data set or a CSV file")
    p.add_argument("--optimizer", default="gd",
                   help="gd, sgd, minibatch, momentum, adagrad, rmsprop or adam (default gd)")
    p.add_argument("--lr", type=float, help="learning rate (default: per optimiser)")
    p.add_argument("--epochs", type=int, help="number of epochs (default 10000)")
    p.add_argument("--batch-size", type=int, help="samples per step (minibatch and adaptive)")
    p.add_argument("--l1", type=float, default=0.0, help="L1 penalty weight")
    p.add_argument("--l2", type=float, default=0.0, help="L2 penalty weight")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--init", default="random",
                   help="starting point: random, zeros, a number, or a JSON file")
    p.add_argument("--tol", type=float, help="stop when the cost falls to this")
    p.add_argument("--backend", default="numpy", choices=("numpy", "numba", "jax"))
    p.add_argument("--method", default="grad", choices=("grad", "fd"),
                   help="grad: the derived gradient; fd: the seeds' finite differences")
    p.add_argument("--save", metavar="FILE.json", help="save the final parameters")
    p.add_argument("--plot", metavar="FILE.png", help="save the cost curve (matplotlib)")
    p.add_argument("--json", action="store_true", help="a JSON summary")
    p.add_argument("--table", action="store_true",
                   help="print every gradient-descent step (as the slides' tables)")
    p.set_defaults(run=cmd_train)

    p = sub.add_parser("ad", help="forward and reverse mode on an expression's computational "
                                  "graph, with operation counts")
    p.add_argument("expr", nargs="?", metavar="EXPR",
                   help="LaTeX; default 002's \\sqrt{x^2 + e^{x^2}}")
    p.add_argument("--var", default="x", help="the variable (default x)")
    p.add_argument("--at", default="1", metavar="VALUE", help="the point (default 1)")
    p.add_argument("--json", action="store_true")
    p.add_argument("-o", "--output", metavar="FILE", help="also write a LaTeX document")
    p.add_argument("--pdf", action="store_true", help="compile that document")
    p.set_defaults(run=cmd_ad)

    p = sub.add_parser("check", help="check every row of the derivations in a .tex or .md file")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--json", action="store_true", help="the verdicts as JSON")
    p.add_argument("--assume", action="append", default=[], metavar="'NAME: KIND'",
                   help="pin a name's meaning where the document leaves it open; KIND is "
                        "function, variable, parameter, constant or data (repeatable; "
                        "e.g. --assume 'z_i: data')")
    p.add_argument("--budget", type=float, default=2.0, metavar="SECONDS",
                   help="time budget of one row; past it the row is 'unchecked (timeout)' "
                        "(default 2)")
    p.set_defaults(run=cmd_check)

    p = sub.add_parser("check-code",
                       help="check a hand-written NumPy backward pass (read, never run)")
    p.add_argument("file", metavar="FILE.py")
    p.add_argument("--cost", metavar="J", help="the cost: a variable of the file, or a NumPy "
                   "expression over its names (default: the last scalar before the backward "
                   "pass, or inferred from the first gradient line)")
    p.add_argument("--json", action="store_true", help="the findings as JSON")
    p.set_defaults(run=cmd_check_code)
    return parser


def main(argv=None) -> int:
    """Run the CLI; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "run", None):
            parser.print_help()
            return 2
        return args.run(args)
    except DeriveError as e:
        print(f"derive: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("derive: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # a bug: one line, the traceback only on request
        if os.environ.get("DERIVE_DEBUG"):
            raise
        print(f"derive: internal error: {type(e).__name__}: {e} "
              "(run with DERIVE_DEBUG=1 for the traceback, and please report it)",
              file=sys.stderr)
        return 70


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
