"""derive: machine-learning gradients derived step by step, written up as
lecture-note LaTeX, checked, and turned into verified trainers.

The Python API mirrors the CLI::

    import derive
    m = derive.model("neuron")              # or derive.model(params=..., ...)
    d = derive.derive(m)                     # verified three ways
    print(derive.to_latex(d, steps=True))    # grad.tex notation
    d                                        # renders in Jupyter
"""

__version__ = "0.1.0"

from .derivation import Derivation, Derivations, Step, derive  # noqa: E402
from .errors import (  # noqa: E402
    DeriveError, DivergenceError, GradientCheckError, LatexBuildError, LatexParseError,
    ModelError, ModelFileError, NoRuleError, OutputError, ToolMissingError, VerificationError)
from .latex import to_latex  # noqa: E402
from .models import Model, get_model  # noqa: E402


def model(spec: str | None = None, **fields) -> Model:
    """A model: ``model("chain:3")`` for a built-in one, or one built from names
    and expression strings, ``model(name=..., params=[...], data=[...],
    intermediates={...}, cost="mean((a - z)**2)")`` (see :mod:`derive.modelfile`).

    Raises:
        ModelError: unknown model name or a malformed definition.
    """
    if spec is not None:
        if fields:
            raise ModelError("give a model name or its fields, not both")
        return get_model(spec)
    from .modelfile import build_model
    return build_model(**fields)


def document(derivs, **kwargs) -> str:
    """A full LaTeX (or Markdown) write-up; see :func:`derive.writeup.document`.

    (``derive.writeup`` is the module; this function is its entry point.)
    """
    from .writeup import document as build
    return build(derivs, **kwargs)


__all__ = [
    "Derivation", "Derivations", "DeriveError", "DivergenceError", "GradientCheckError",
    "LatexBuildError", "LatexParseError", "Model", "ModelError", "ModelFileError",
    "NoRuleError", "OutputError", "Step", "ToolMissingError", "VerificationError",
    "derive", "document", "get_model", "model", "to_latex"]
