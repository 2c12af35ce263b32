"""What this installation runs on: spotdiff's version and its dependencies'.

Read from the installed packages' metadata, without importing them, so
``spotdiff --version`` stays instant. The same line heads the test
suite's output, so a failing run says which versions it had.
"""

from __future__ import annotations

import importlib.util
import platform
from importlib import metadata

#: What each dependency is called here -> the distributions that provide it
#: (the first one installed is reported).
DEPENDENCIES: dict[str, tuple[str, ...]] = {
    "numpy": ("numpy",),
    "opencv": ("opencv-contrib-python-headless", "opencv-contrib-python",
               "opencv-python-headless", "opencv-python"),
    "imagecodecs": ("imagecodecs",),
    "fpng": ("fpng",),
}


def dependency_versions() -> dict[str, str]:
    """Each dependency's installed version, or ``"missing"``."""
    found = {}
    for name, dists in DEPENDENCIES.items():
        for dist in dists:
            try:
                found[name] = metadata.version(dist)
                break
            except metadata.PackageNotFoundError:
                continue
        else:
            found[name] = "missing"
    return found


def compiled_kernel() -> bool:
    """Whether the compiled pixelmatch kernel was built at install time."""
    return importlib.util.find_spec("spotdiff._pixelmatch") is not None


def version_line() -> str:
    """One line: spotdiff, Python, each dependency, the compiled kernel."""
    from spotdiff import __version__

    deps = ", ".join(f"{name} {version}" for name, version in dependency_versions().items())
    kernel = "built" if compiled_kernel() else "not built (numpy fallback)"
    return (f"spotdiff {__version__} (Python {platform.python_version()}; {deps}; "
            f"compiled kernel: {kernel})")
