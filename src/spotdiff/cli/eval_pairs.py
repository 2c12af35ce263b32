"""``spotdiff eval pairs``: spotdiff against the seed recipes on labelled photo pairs."""

from __future__ import annotations

import argparse
import json

from spotdiff.cli._common import ExitCode, Streams


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "pairs",
        help="region recall/precision and mask IoU on generated photo pairs",
        description="Build the labelled evaluation set (scikit-image's public-domain and CC0 "
        "photos with pasted, removed, recoloured, tiny and camouflaged objects, JPEG noise, "
        "lighting changes and camera moves) and score spotdiff beside the two seed recipes "
        "(absdiff + threshold 25 + erode; SSIM + Otsu + contours > 40). Needs "
        "scikit-image: pip install 'spotdiff[eval]'.",
    )
    p.add_argument("--json", action="store_true", help="print the scores as JSON on stdout")
    p.add_argument("--seed", type=int, default=0, help="random seed of the set (default 0)")
    p.add_argument("--photos", default=None, metavar="LIST",
                   help="comma-separated subset of the photos (astronaut, coffee, chelsea, "
                   "rocket; default: all)")
    p.add_argument("--cases", action="store_true",
                   help="also list spotdiff's misses and false regions case by case")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, streams: Streams) -> int:
    import time

    from spotdiff.errors import InputError
    from spotdiff.evalset import RECIPES, make_pairs, score_case, summarise
    from spotdiff.evalset.pairs import PHOTOS

    photos = PHOTOS
    if args.photos:
        photos = tuple(p.strip() for p in args.photos.split(",") if p.strip())
        unknown = [p for p in photos if p not in PHOTOS]
        if unknown or not photos:
            raise InputError("--photos", expected="names from " + ", ".join(PHOTOS),
                             got=", ".join(unknown) or "nothing")
    cases = list(make_pairs(seed=args.seed, photos=photos))
    results: dict[str, dict] = {}
    notes: list[str] = []
    for name, detect in RECIPES.items():
        scores = []
        start = time.perf_counter()
        for case in cases:
            mask, boxes = detect(case.before, case.after, case.options if name == "spotdiff"
                                 else {})
            s = score_case(case.mask, mask, boxes)
            scores.append(s)
            if name == "spotdiff" and (s.found < s.objects or s.correct < s.detections
                                       or s.false_regions_unchanged):
                notes.append(f"  {case.name}: found {s.found}/{s.objects}, "
                             f"{s.detections - s.correct} wrong region(s)")
        results[name] = {**summarise(scores), "seconds": round(time.perf_counter() - start, 2)}
    if args.json:
        streams.out.write(json.dumps({"detectors": results, "cases": len(cases)}) + "\n")
        return ExitCode.SAME
    out = streams.out
    out.write(f"{len(cases)} labelled pairs (seed {args.seed})\n")
    out.write(f"{'detector':<28} {'recall':>7} {'precision':>9} {'mask IoU':>8} "
              f"{'regions on unchanged':>21} {'time':>7}\n")
    for name, r in results.items():
        out.write(f"{name:<28} {r['region_recall']:>7.3f} {r['region_precision']:>9.3f} "
                  f"{r['mean_mask_iou']:>8.3f} {r['regions_on_unchanged']:>21d} "
                  f"{r['seconds']:>6.1f}s\n")
    if args.cases and notes:
        out.write("spotdiff misses and false regions:\n" + "\n".join(notes) + "\n")
    return ExitCode.SAME
