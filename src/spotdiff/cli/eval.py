"""``spotdiff eval ...``: evaluations on labelled data."""

from __future__ import annotations

import argparse
import importlib

#: Evaluation subcommands and their modules (each has ``register(sub)``).
EVALUATIONS: dict[str, str] = {
    "cdnet": "spotdiff.cli.eval_cdnet",
    "pairs": "spotdiff.cli.eval_pairs",
    "events": "spotdiff.cli.eval_events",
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="evaluate on labelled data",
                       description="Evaluate spotdiff on labelled data.")
    inner = p.add_subparsers(dest="evaluation", metavar="EVALUATION",
                             help="what to evaluate")
    inner.required = True
    for module in EVALUATIONS.values():
        importlib.import_module(module).register(inner)
