"""Names of a package imported on first use (PEP 562), for a quick start-up."""

from __future__ import annotations

import importlib
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (CLI start-up)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


def lazy_names(package: str, where: dict[str, str], listed: set[str]
               ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module ``__getattr__`` and ``__dir__`` of ``package``: each name in
    ``where`` is imported from its module when first looked up, then kept in
    the package; ``dir()`` gives ``listed`` (public names and submodules)."""

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None and name in listed and not name.startswith("_"):
            # a subpackage listed by dir(): ``import spotdiff; spotdiff.background``
            value = importlib.import_module(f"{package}.{name}")
            setattr(sys.modules[package], name, value)
            return value
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)  # later look-ups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted(listed)

    return __getattr__, __dir__
