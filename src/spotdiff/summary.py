"""The JSON summary of a comparison, built from plain values.

:meth:`spotdiff.result.Diff.to_dict` builds it here, and so does the command
line when it answers byte-identical files without numpy: one layout, key
order included, for both.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (CLI start-up)
if TYPE_CHECKING:
    from typing import Any


def summary(
    *, different: Any, changed_pixels: Any, changed_fraction: Any, score: Any, method: str,
    threshold: Any, units: str, width: int, height: int, mask_pixels: Any,
    regions: list[dict[str, Any]], options: dict[str, Any], info: dict[str, Any],
) -> dict[str, Any]:
    """The JSON-ready summary of a result (numbers as Python scalars).

    ``regions`` are the regions as :meth:`spotdiff.result.Regions.to_list`
    gives them; ``info`` what the stages reported (:attr:`spotdiff.result.Diff.info`).
    """
    from spotdiff import __version__

    return {
        "version": __version__,
        "different": bool(different),
        "changed_pixels": int(changed_pixels),
        "changed_fraction": float(changed_fraction),
        "score": float(score),
        "method": method,
        "threshold": float(threshold),
        "units": units,
        "width": int(width),
        "height": int(height),
        "mask_pixels": int(mask_pixels),
        "region_count": len(regions),
        "regions": regions,
        "options": options,
        **info,
    }
