"""Errors raised for bad input.

Every message a user can cause says three things: what was expected, what
was found, and how to fix it. The CLI prints the message on one line and
exits with code 2; library callers catch :class:`InputError` (a
``ValueError``) like any other bad-argument error.
"""

from __future__ import annotations


class InputError(ValueError):
    """Bad input: a file, an array or an option value that cannot be used.

    Parameters
    ----------
    what : str
        The subject, e.g. ``"before image 'a.png'"``.
    expected : str
        What would have been accepted.
    got : str
        What was found instead.
    fix : str, optional
        How to fix it.
    """

    def __init__(self, what: str, *, expected: str, got: str, fix: str = "") -> None:
        self.what = what
        self.expected = expected
        self.got = got
        self.fix = fix
        message = f"{what}: expected {expected}, got {got}"
        if fix:
            message += f"; {fix}"
        super().__init__(message)


class MissingExtraError(ImportError):
    """An optional dependency is not installed; names the extra that provides it."""

    def __init__(self, feature: str, extra: str, module: str) -> None:
        self.extra = extra
        super().__init__(
            f"{feature} needs the optional package '{module}', which is not installed; "
            f"install it with: pip install 'spotdiff[{extra}]'"
        )


def require(module: str, *, feature: str, extra: str):  # noqa: ANN201 - returns a module
    """Import an optional dependency, or raise :class:`MissingExtraError` naming the extra."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(feature, extra, module) from exc
