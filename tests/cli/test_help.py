"""Every command and option documents itself."""

from __future__ import annotations

import argparse
import importlib.util
import io

import spotdiff
from spotdiff.cli import build_parser, main
from spotdiff.versions import dependency_versions


def _walk(parser: argparse.ArgumentParser, path: str):
    for action in parser._actions:
        yield path, action
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _walk(sub, f"{path} {name}")


def test_every_command_and_option_has_help_text():
    missing = [
        f"{path}: {action.option_strings or action.dest}"
        for path, action in _walk(build_parser(), "spotdiff")
        if not action.help
    ]
    assert missing == []


def test_help_exits_zero_and_version():
    out = io.StringIO()
    assert main(["--help"], stdout=out, stderr=io.StringIO()) == 0
    assert "compare" in out.getvalue()
    out = io.StringIO()
    assert main(["--version"], stdout=out, stderr=io.StringIO()) == 0
    line = out.getvalue()
    assert line.startswith(f"spotdiff {spotdiff.__version__} (Python ")
    assert line.count("\n") == 1
    for name, version in dependency_versions().items():
        assert f"{name} {version}" in line
    kernel = "built" if importlib.util.find_spec("spotdiff._pixelmatch") else "not built"
    assert f"compiled kernel: {kernel}" in line


def test_versions_come_from_the_installed_packages():
    import cv2
    import imagecodecs
    import numpy

    found = dependency_versions()
    assert found["numpy"] == numpy.__version__
    assert found["imagecodecs"] == imagecodecs.__version__
    # the wheel's version has a fourth part (5.1.0.95 for OpenCV 5.1.0)
    assert found["opencv"].startswith(cv2.__version__.split("-")[0])


def test_unknown_command_is_an_error():
    err = io.StringIO()
    assert main(["frobnicate"], stdout=io.StringIO(), stderr=err) == 2
    assert err.getvalue().startswith("spotdiff: error:")
