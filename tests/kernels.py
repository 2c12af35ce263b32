"""Tests of a compiled kernel and its numpy twin (tests import this module;
``pythonpath = ["tests"]`` in pyproject.toml)."""

from __future__ import annotations

from types import ModuleType

import pytest


def compiled_or_numpy(request, monkeypatch, module: ModuleType, extension: str) -> str:  # noqa: ANN001
    """The body of an ``implementation`` fixture parametrised over
    ``["compiled", "numpy"]``: with "numpy" the ``module``'s compiled kernel
    is set aside for the test; with "compiled" the test is skipped when the
    ``extension`` was not built."""
    if request.param == "numpy":
        monkeypatch.setattr(module, "_kernel", None)
    elif module._kernel is None:
        pytest.skip(f"{extension} is not built")
    return request.param
