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


def os_reason(exc: OSError) -> tuple[str, str]:
    """What the operating system's refusal means, and the fix: ``(got, fix)``."""
    import errno

    reasons = {
        errno.ENOSPC: ("the disk is full", "free space on that disk, or write elsewhere"),
        errno.EDQUOT: ("the disk quota is used up", "free space, or write elsewhere"),
        errno.EACCES: ("no permission", "check the permissions of the file and its folder"),
        errno.EPERM: ("no permission", "check the permissions of the file and its folder"),
        errno.EROFS: ("a read-only file system", "write somewhere else"),
        errno.ELOOP: ("a symbolic link that loops back on itself", "fix or remove the link"),
        errno.ENOENT: ("no such file or folder", "check the path"),
        errno.ENOTDIR: ("a path through something that is not a folder", "check the path"),
        errno.EISDIR: ("a folder where a file was expected", "pass a file path"),
        errno.ENAMETOOLONG: ("a path too long for the system", "use a shorter path"),
        errno.EIO: ("an input/output error", "check the disk or the network share"),
    }
    return reasons.get(exc.errno or 0, (exc.strerror or str(exc),
                                        "check the path, its permissions and the free space"))
