"""CDnet 2014 evaluation: confusion counts, the official metrics, sequence layouts.

Ground truth follows the CDnet encoding: 0 static and 50 hard shadow are
negatives, 255 moving is positive, 85 (outside the ROI / temporal ROI) and
170 (unknown, motion-blurred boundary) are not scored. Pixels outside
``ROI.bmp`` are not scored either. Per sequence the counts are summed over
the scored frames; the mean row averages the sequences' metrics, as the
changedetection.net tables do.

Metrics (Goyette et al., "changedetection.net: A new change detection
benchmark dataset", CVPRW 2012)::

    Re = TP / (TP + FN)      Sp = TN / (TN + FP)      FPR = FP / (FP + TN)
    FNR = FN / (TP + FN)     PWC = 100 (FN + FP) / (TP + FN + FP + TN)
    Pr = TP / (TP + FP)      F = 2 Pr Re / (Pr + Re)

Layouts found by :func:`find_sequences`:

* CDnet: a folder with ``input/`` (``in%06d.jpg``) and ``groundtruth/``
  (``gt%06d.png``), optional ``ROI.bmp`` and ``temporalROI.txt``.
* Wallflower: a folder with ``b%05d.bmp`` frames and one
  ``hand_segmented_%05d.BMP``; frames up to that number are run and only
  that frame is scored, its mask binarised at 128.
"""

from __future__ import annotations

import math
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from spotdiff.errors import InputError
from spotdiff.io.video import read_image_gray, read_image_rgb

POSITIVE = 255
NEGATIVE = (0, 50)
METRICS = ("recall", "specificity", "fpr", "fnr", "pwc", "precision", "f_measure")


@dataclass
class Confusion:
    """Pixel counts of a mask against ground truth."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def __add__(self, other: Confusion) -> Confusion:
        return Confusion(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn,
                         self.tn + other.tn)

    def metrics(self) -> dict[str, float]:
        """The seven CDnet metrics; a ratio with a zero denominator is NaN."""
        def ratio(a: float, b: float) -> float:
            return a / b if b else math.nan

        tp, fp, fn, tn = self.tp, self.fp, self.fn, self.tn
        re_, pr = ratio(tp, tp + fn), ratio(tp, tp + fp)
        f = ratio(2 * pr * re_, pr + re_) if not (math.isnan(pr) or math.isnan(re_)) else math.nan
        return {
            "recall": re_,
            "specificity": ratio(tn, tn + fp),
            "fpr": ratio(fp, fp + tn),
            "fnr": ratio(fn, tp + fn),
            "pwc": ratio(100.0 * (fn + fp), tp + fn + fp + tn),
            "precision": pr,
            "f_measure": f,
        }


def confusion(mask: np.ndarray, truth: np.ndarray, roi: np.ndarray | None = None) -> Confusion:
    """Count TP/FP/FN/TN of a bool ``mask`` against a CDnet label image.

    Parameters
    ----------
    mask : bool (H, W)
        The detection (True = foreground).
    truth : uint8 (H, W)
        CDnet labels: 255 positive, 0 and 50 negative, anything else unscored.
    roi : bool (H, W), optional
        Only pixels where it is True are scored.
    """
    if mask.shape != truth.shape:
        raise InputError("mask", expected=f"the ground truth's shape {truth.shape}",
                         got=f"shape {mask.shape}")
    positive = truth == POSITIVE
    negative = (truth == NEGATIVE[0]) | (truth == NEGATIVE[1])
    if roi is not None:
        positive &= roi
        negative &= roi
    mask = mask.astype(np.bool_, copy=False)
    tp = int(np.count_nonzero(positive & mask))
    fp = int(np.count_nonzero(negative & mask))
    return Confusion(tp=tp, fp=fp, fn=int(np.count_nonzero(positive)) - tp,
                     tn=int(np.count_nonzero(negative)) - fp)


@dataclass
class Sequence:
    """A labelled sequence: frames, which of them are scored, and their labels.

    ``frames[i]`` is run in order; ``truths`` maps a frame index to its label
    file; ``warmup`` frames (indices) are run but never scored.
    """

    name: str
    frames: list[Path]
    truths: dict[int, Path]
    numbers: list[int]
    roi: Path | None = None
    layout: str = "cdnet"
    warmup: int = 0
    protocol: str = "full"

    def load_truth(self, index: int, shape: tuple[int, int]) -> np.ndarray:
        """Label image of frame ``index`` in CDnet values (Wallflower binarised to 0/255)."""
        truth = read_image_gray(self.truths[index], "ground truth")
        if self.layout == "wallflower":
            truth = np.where(truth >= 128, 255, 0).astype(np.uint8)
        if truth.shape != shape:
            raise InputError(f"ground truth '{self.truths[index]}'",
                             expected=f"the frames' size {shape[1]}x{shape[0]}",
                             got=f"{truth.shape[1]}x{truth.shape[0]}")
        return truth

    def load_roi(self, shape: tuple[int, int]) -> np.ndarray | None:
        """bool ROI at the frames' size (a mis-sized ROI file is resized), or None."""
        if self.roi is None:
            return None
        roi = read_image_gray(self.roi, "region of interest")
        if roi.shape != shape:
            roi = cv2.resize(roi, (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST)
        return roi > 0


def _number(path: Path) -> int | None:
    found = re.findall(r"(\d+)", path.stem)
    return int(found[-1]) if found else None


def _cdnet_sequence(folder: Path, name: str) -> Sequence | None:
    from spotdiff.io.video import list_images

    inputs = [p for p in list_images(folder / "input") if _number(p) is not None]
    truths = {_number(p): p for p in list_images(folder / "groundtruth")
              if _number(p) is not None}
    if not inputs:
        return None
    numbers = [int(_number(p) or 0) for p in inputs]
    first, last = numbers[0], numbers[-1]
    roi_file = folder / "temporalROI.txt"
    if roi_file.exists():
        try:
            first, last = (int(v) for v in roi_file.read_text().split()[:2])
        except ValueError:
            raise InputError(f"'{roi_file}'", expected="two frame numbers 'first last'",
                             got=repr(roi_file.read_text()[:40])) from None
    n = len(inputs)
    if numbers[0] >= first:
        # The clip starts inside its temporal ROI (a subset): the first half
        # warms the model up and the second half is scored.
        warmup, protocol = n - n // 2, "half"
    else:
        warmup, protocol = 0, "full"
    scored = {i: truths[num] for i, num in enumerate(numbers)
              if i >= warmup and first <= num <= last and num in truths}
    roi = folder / "ROI.bmp"
    return Sequence(name=name, frames=inputs, truths=scored, numbers=numbers,  # type: ignore[arg-type]
                    roi=roi if roi.exists() else None, warmup=warmup, protocol=protocol)


def _wallflower_sequence(folder: Path, name: str, truth: Path) -> Sequence | None:
    from spotdiff.io.video import list_images

    target = _number(truth)
    frames = [p for p in list_images(folder)
              if p.name.lower().startswith("b") and _number(p) is not None
              and _number(p) <= target]  # type: ignore[operator]
    if not frames:
        return None
    numbers = [_number(p) for p in frames]
    index = numbers.index(target) if target in numbers else None
    if index is None:
        return None
    return Sequence(name=name, frames=frames, truths={index: truth}, numbers=numbers,  # type: ignore[arg-type]
                    layout="wallflower", warmup=index, protocol="wallflower")


def find_sequences(root: str | os.PathLike, *, layout: str = "auto") -> list[Sequence]:
    """Labelled sequences under ``root`` (itself included), sorted by name.

    ``layout`` is "auto" (both kinds), "cdnet" or "wallflower".
    """
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"dataset '{root}'", expected="a folder of labelled sequences",
                         got="a file" if root.exists() else "no such folder",
                         fix="point at a CDnet category/sequence folder or a tree of them "
                         "(a video without ground truth is read with "
                         "spotdiff.io.video.read_frames)")
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        folder = Path(dirpath)
        name = folder.relative_to(root).as_posix()
        if name == ".":
            name = folder.name
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        if layout in ("auto", "cdnet") and {"input", "groundtruth"} <= set(dirnames):
            seq = _cdnet_sequence(folder, name)
            if seq is not None:
                found.append(seq)
            dirnames[:] = []
            continue
        if layout in ("auto", "wallflower"):
            truths = sorted(f for f in filenames if f.lower().startswith("hand_segmented_"))
            if truths:
                seq = _wallflower_sequence(folder, name, folder / truths[0])
                if seq is not None:
                    found.append(seq)
    if not found:
        raise InputError(f"dataset '{root}'",
                         expected="sequences in CDnet layout (input/ + groundtruth/) or Wallflower "
                         "layout (b*.bmp + hand_segmented_*.bmp)", got="none",
                         fix="point at a CDnet tree, category or sequence folder")
    return sorted(found, key=lambda s: s.name)


@dataclass
class SequenceResult:
    """One sequence's counts, metrics and speed."""

    name: str
    confusion: Confusion
    frames: int
    scored: int
    seconds: float
    protocol: str
    extra: dict = field(default_factory=dict)

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else math.nan

    def to_dict(self) -> dict:
        out = {"name": self.name, **self.confusion.metrics(), "fps": self.fps,
               "frames": self.frames, "scored_frames": self.scored, "protocol": self.protocol,
               "tp": self.confusion.tp, "fp": self.confusion.fp, "fn": self.confusion.fn,
               "tn": self.confusion.tn}
        return {k: _finite(v) for k, v in out.items()}


def _finite(value):  # noqa: ANN001, ANN202 - JSON has no NaN
    return None if isinstance(value, float) and not math.isfinite(value) else value


def mean_metrics(results: list[SequenceResult]) -> dict:
    """Average of the sequences' metrics and fps (NaN entries left out)."""
    out = {}
    for key in (*METRICS, "fps"):
        values = [r.to_dict()[key] for r in results]
        values = [v for v in values if v is not None]
        out[key] = float(np.mean(values)) if values else None
    return out


def clean_plate(seq: Sequence, *, count: int = 25) -> np.ndarray:
    """A clean background picture from the warm-up frames: their per-pixel median.

    Stands in for the clean snapshot a user gives the reference model.
    """
    end = max(seq.warmup, 1)
    picks = np.unique(np.linspace(0, end - 1, min(count, end)).round().astype(int))
    stack = np.stack([read_image_rgb(seq.frames[i]) for i in picks])
    return np.median(stack, axis=0).astype(np.uint8)


def evaluate_sequence(
    seq: Sequence,
    model,  # noqa: ANN001 - a BackgroundModel
    *,
    save_masks: str | os.PathLike | None = None,
    max_frames: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SequenceResult:
    """Run ``model`` over the sequence and score the labelled frames.

    ``max_frames`` runs the first frames only (a quick check: only the
    labelled frames among them are scored). Only the time spent in
    ``model.apply`` counts towards fps.
    """
    frames, truths = seq.frames, seq.truths
    if max_frames is not None and max_frames < len(frames):
        frames = frames[:max_frames]
        truths = {i: p for i, p in truths.items() if i < max_frames}
    out_dir = None
    if save_masks is not None:
        out_dir = Path(save_masks) / seq.name
        out_dir.mkdir(parents=True, exist_ok=True)
    roi = None
    total = Confusion()
    seconds = 0.0
    shape = None
    for i, path in enumerate(frames):
        frame = read_image_rgb(path)
        if shape is None:
            shape = frame.shape
        elif frame.shape != shape:
            raise InputError(f"frame '{path}'", expected=f"the sequence's size {shape[1]}x"
                             f"{shape[0]} (its first frame's)",
                             got=f"{frame.shape[1]}x{frame.shape[0]}",
                             fix="resize the sequence's frames to one size")
        start = time.perf_counter()
        mask = model.apply(frame).mask
        seconds += time.perf_counter() - start
        if i == 0:
            roi = seq.load_roi(frame.shape[:2])
        if i in truths:
            total = total + confusion(mask, seq.load_truth(i, frame.shape[:2]), roi)
        if out_dir is not None:
            from spotdiff.io.write import write_image

            write_image(out_dir / f"bin{seq.numbers[i]:06d}.png",
                        mask.view(np.uint8) * np.uint8(255))
        if progress is not None:
            progress(i + 1, len(frames))
    return SequenceResult(name=seq.name, confusion=total, frames=len(frames),
                          scored=len(truths), seconds=seconds, protocol=seq.protocol)
