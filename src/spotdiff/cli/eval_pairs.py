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
        "(absdiff + threshold 25 + erode; SSIM + Otsu + contours > 40), plus inspection pairs "
        "(binarised boards and documents shifted by a fraction of a pixel, saved as JPEG, "
        "with one small defect). spotdiff runs with one configuration for every pair: with "
        "no options first, then with --align auto --ignore-lighting (all else default). "
        "Needs scikit-image: pip install 'spotdiff[eval]'.",
    )
    p.add_argument("--json", action="store_true", help="print the scores as JSON on stdout")
    p.add_argument("--seed", type=int, default=0, help="random seed of the set (default 0)")
    p.add_argument("--photos", default=None, metavar="LIST",
                   help="comma-separated subset of the photos (astronaut, coffee, chelsea, "
                   "rocket; default: all)")
    p.add_argument("--no-inspection", dest="inspection", action="store_false",
                   help="leave out the inspection pairs (boards and documents)")
    p.add_argument("--by-kind", action="store_true",
                   help="also print each detector's scores per kind of change")
    p.add_argument("--cases", action="store_true",
                   help="also list spotdiff's misses and false regions case by case")
    p.set_defaults(run=run)


def _row(name: str, r: dict) -> str:
    if not r["objects"]:  # unchanged pairs: only false regions can be counted
        return f"{name:<50} {'-':>7} {'-':>9} {'-':>8} {r['regions_on_unchanged']:>10d} {'-':>8}"
    return (f"{name:<50} {r['region_recall']:>7.3f} {r['region_precision']:>9.3f} "
            f"{r['mean_mask_iou']:>8.3f} {r['regions_on_unchanged']:>10d} "
            f"{r['defect_recall']:>8.3f}")


def run(args: argparse.Namespace, streams: Streams) -> int:
    import time

    from spotdiff.errors import InputError
    from spotdiff.evalset import (
        NO_OPTIONS,
        RECIPES,
        make_inspection_pairs,
        make_pairs,
        score_case,
        summarise,
    )
    from spotdiff.evalset.inspection import KINDS as INSPECTION_KINDS
    from spotdiff.evalset.pairs import KINDS, PHOTOS

    photos = PHOTOS
    if args.photos:
        photos = tuple(p.strip() for p in args.photos.split(",") if p.strip())
        unknown = [p for p in photos if p not in PHOTOS]
        if unknown or not photos:
            raise InputError("--photos", expected="names from " + ", ".join(PHOTOS),
                             got=", ".join(unknown) or "nothing")
    cases = list(make_pairs(seed=args.seed, photos=photos))
    kinds: tuple[str, ...] = KINDS
    if args.inspection:
        cases += make_inspection_pairs(seed=args.seed)
        kinds += INSPECTION_KINDS
    results: dict[str, dict] = {}
    by_kind: dict[str, dict[str, dict]] = {}
    notes: list[str] = []
    for name, detect in RECIPES.items():
        scores = []
        start = time.perf_counter()
        for case in cases:
            mask, boxes = detect(case.before, case.after)
            s = score_case(case.mask, mask, boxes)
            scores.append(s)
            if name == NO_OPTIONS and (s.found < s.objects or s.correct < s.detections
                                     or s.false_regions_unchanged):
                notes.append(f"  {case.name}: found {s.found}/{s.objects}, "
                             f"{s.detections - s.correct} wrong region(s)")
        seconds = time.perf_counter() - start
        results[name] = {**summarise(scores), "ms_per_pair": round(1000 * seconds / len(cases), 1)}
        by_kind[name] = {
            kind: summarise([s for s, c in zip(scores, cases, strict=True) if c.kind == kind])
            for kind in kinds
        }
    if args.json:
        payload = {"detectors": results, "cases": len(cases), "seed": args.seed}
        if args.by_kind:
            payload["by_kind"] = by_kind
        streams.out.write(json.dumps(payload) + "\n")
        return ExitCode.SAME
    out = streams.out
    out.write(f"{len(cases)} labelled pairs (seed {args.seed}; photos: {', '.join(photos)}"
              f"{'; inspection boards and documents' if args.inspection else ''})\n")
    header = (f"{'detector':<50} {'recall':>7} {'precision':>9} {'mask IoU':>8} "
              f"{'false on':>10} {'hit':>8}")
    out.write(f"{header} {'ms/pair':>8}\n{'':<50} {'':>7} {'':>9} {'':>8} {'unchanged':>10}"
              f" {'defects':>8}\n")
    for name, r in results.items():
        out.write(f"{_row(name, r)} {r['ms_per_pair']:>8.1f}\n")
    if args.by_kind:
        for name in results:
            out.write(f"\n{name}, by kind of change\n{header.replace('detector', 'kind    ')}\n")
            for kind, r in by_kind[name].items():
                out.write(_row(kind, r) + "\n")
    if args.cases and notes:
        out.write(f"\n{NO_OPTIONS}: misses and false regions\n" + "\n".join(notes) + "\n")
    return ExitCode.SAME
