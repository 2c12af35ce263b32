"""The answer for identical inputs, in one place.

Two images with the same pixels (or files with the same bytes) differ
nowhere: the engine answers them without computing a map, and the command
line answers byte-identical PNG files from their header before numpy is
imported. Both take the numbers, the threshold and the option record from
:func:`identical_answer`. Nothing here imports numpy.
"""

from __future__ import annotations

from spotdiff.metrics import get_method
from spotdiff.options import LOSSLESS_THRESHOLD, CompareOptions, record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (CLI start-up)
if TYPE_CHECKING:
    from typing import Any


def identical_answer(options: CompareOptions) -> dict[str, Any]:
    """What a result says of identical inputs, beyond the arrays and the size.

    Nothing changed; the threshold and units are those a full run of the
    method would report (the ``color`` method's automatic threshold is the
    lossless one: identical inputs carry no noise). The keys are the fields
    of :class:`spotdiff.result.Diff` (and of :func:`spotdiff.summary.summary`)
    they fill.
    """
    m = get_method(options.method)
    threshold = options.threshold
    if options.method == "color" and options.auto:
        applied = LOSSLESS_THRESHOLD
    elif isinstance(threshold, (int, float)):
        applied = float(threshold)
    else:
        applied = float(m.default_threshold)
    return {
        "different": False, "changed_pixels": 0, "changed_fraction": 0.0, "score": 1.0,
        "method": options.method, "units": m.units, "threshold": applied,
        "options": record(options, threshold=threshold, cleaning=None),
    }


def identical_summary(options: CompareOptions, width: int, height: int) -> dict[str, Any]:
    """The JSON summary of identical inputs of ``width`` x ``height``
    (checked against the options first, as the engine does)."""
    from spotdiff.summary import summary

    options.check_size(height, width)
    return summary(**identical_answer(options), width=width, height=height, mask_pixels=0,
                   regions=[], info={"identical": True})
