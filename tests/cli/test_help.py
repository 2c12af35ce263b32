"""Every command and option documents itself."""

from __future__ import annotations

import argparse
import io

from spotdiff.cli import build_parser, main


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
    assert out.getvalue().startswith("spotdiff ")


def test_unknown_command_is_an_error():
    err = io.StringIO()
    assert main(["frobnicate"], stdout=io.StringIO(), stderr=err) == 2
    assert err.getvalue().startswith("spotdiff: error:")
