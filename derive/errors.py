"""One exception base for everything a user can get wrong, and the exit codes.

The CLI turns a :class:`DeriveError` into one line on stderr and its
``exit_code``: 2 for bad input, 1 for "derive found something wrong" (a
failed verification or gradient check, a LaTeX build that failed).
"""

from __future__ import annotations


class DeriveError(Exception):
    """Base of every error `derive` raises on purpose."""

    exit_code = 2

    def __init__(self, message: str, *, where: str | None = None):
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


def where(file: str | None, line: int | None = None, column: int | None = None) -> str | None:
    """Format a source position as ``file:line:column`` (parts that are known)."""
    parts = [str(p) for p in (file, line, column) if p is not None]
    return ":".join(parts) or None


class ModelError(DeriveError):
    """A model is malformed: unknown name, bad identifier, unused parameter..."""


class ModelFileError(ModelError):
    """A model file cannot be read; ``where`` names file:line:column."""


class NoRuleError(DeriveError):
    """No derivative rule is registered for a SymPy class."""

    exit_code = 1

    def __init__(self, cls: type):
        super().__init__(
            f"no derivative rule for {cls.__name__}; register one with "
            f"derive.rules.rule({cls.__name__})")
        self.cls = cls


class VerificationError(DeriveError):
    """A derived gradient disagrees with an independent oracle (a bug)."""

    exit_code = 1


class LatexParseError(DeriveError):
    """LaTeX that cannot be read; ``where`` names file:line:column."""


class LatexBuildError(DeriveError):
    """pdflatex failed on a generated document."""

    exit_code = 1


class ToolMissingError(DeriveError):
    """An external program or optional extra is not installed."""


class OutputError(DeriveError):
    """An output file cannot be written."""


class GradientCheckError(DeriveError):
    """Analytic and finite-difference gradients disagree."""

    exit_code = 1


class DivergenceError(DeriveError):
    """Training diverged (NaN, inf or a growing cost)."""
