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


def describe_global(record: dict[str, Any]) -> str:
    """The global record in words: "AFTER is BEFORE shifted by (3, -2) px and
    20 % brighter" (numpy-free: the command line writes it from the JSON)."""
    parts = []
    model = record.get("model", "none")
    dx, dy = (round(v, 2) + 0.0 for v in record.get("shift", [0.0, 0.0]))  # no "-0"
    if model == "translation":
        parts.append(f"shifted by ({dx:g}, {dy:g}) px")
    elif model != "none":
        parts.append(f"moved ({model}: shift ({dx:g}, {dy:g}) px, rotation "
                     f"{record.get('rotation_deg', 0.0):g}°, scale {record.get('scale', 1.0):g})")
    if record.get("light_levels", 0.0) > 0:
        gains = record.get("gain", [1.0])
        g = sum(gains) / len(gains)
        spread = max(gains) - min(gains)
        if abs(g - 1) >= 0.01:
            parts.append(f"{abs(g - 1) * 100:.0f} % {'brighter' if g > 1 else 'darker'}")
        if spread >= 0.03:
            parts.append("with another white balance")
        gammas = record.get("gamma", [1.0])
        if max(abs(v - 1) for v in gammas) >= 0.1:
            parts.append(f"gamma {sum(gammas) / len(gammas):.2f}")
        lo, hi = record.get("field", [1.0, 1.0])
        if hi - lo >= 0.05:
            parts.append("lit unevenly (vignette or gradient)")
        if len(parts) == (1 if model != "none" else 0):
            parts.append("relit")
    if not parts:
        return ""
    return "AFTER is BEFORE " + " and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1
                                             else parts)


def verdict_line(payload: dict[str, Any]) -> str:
    """The one-line verdict ``spotdiff compare`` prints, from the JSON
    summary: DIFFERENT or same, the global part in words when there is one,
    changed pixels, regions, score, method and size (the image snapshot's
    failure message starts with the same line)."""
    verdict = "DIFFERENT" if payload["different"] else "same"
    words = describe_global(payload["global"]) if "global" in payload else ""
    if words:
        verdict += f" ({words}; after that, {payload['region_count']} region(s) changed)"
    return (f"{verdict}: {payload['changed_pixels']} changed pixels "
            f"({100 * payload['changed_fraction']:.4f}%), {payload['region_count']} region(s), "
            f"score {payload['score']:.6f} [{payload['method']}], "
            f"{payload['width']}x{payload['height']}")
