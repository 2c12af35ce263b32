"""The fuzz cases: mutants of the seeds and the special situations.

A case is a kind (a format, or ``bomb`` / ``special`` / ``signal`` /
``concurrent`` / ``option`` / ``library``), a label (the mutation or the
situation) and a function that runs it in its own folder and returns a
:class:`~tests.fuzz.harness.Verdict` with a reproduction.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import struct
import sys
import textwrap
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from . import corpus, harness, mutate
from .harness import Verdict, judge, run, spotdiff_argv


@dataclass(frozen=True)
class Case:
    kind: str
    label: str
    execute: Callable[[Path], Verdict]


def _repro(argv: list[str], folder: Path, note: str = "") -> str:
    cmd = shlex.join(["python" if a == sys.executable else a for a in argv])
    return f"cd {shlex.quote(str(folder))} && {cmd}" + (f"   # {note}" if note else "")


def _cli_case(folder: Path, files: dict[str, bytes], args: list[str], *, expect: str = "any",
              output: str | None = None, note: str = "") -> Verdict:
    for name, data in files.items():
        (folder / name).write_bytes(data)
    argv = spotdiff_argv(*args)
    r = run(argv, folder)
    v = judge(r, expect=expect, output_dir=folder / output if output else None,
              json_out="--json" in args)
    left = harness.hidden_leftovers(folder)
    if left:
        v.broken.append(f"hidden files left behind: {left}")
    v.repro = _repro(argv, folder, note)
    return v


# --- mutants -----------------------------------------------------------------

def mutant_cases(n: int, seed: int) -> list[Case]:
    """``n`` mutants over the seeds, round-robin over the formats."""
    rng = np.random.default_rng(seed)
    by_fmt: dict[str, list[corpus.Seed]] = {}
    for s in corpus.seeds():
        by_fmt.setdefault(s.fmt, []).append(s)
    fmts = sorted(by_fmt)
    out = []
    for i in range(n):
        fmt = fmts[i % len(fmts)]
        s = by_fmt[fmt][int(rng.integers(0, len(by_fmt[fmt])))]
        name, data = mutate.mutate(s.data, fmt, rng)
        # A file cut short of its pixel data is damaged: it must be refused.
        marker = 0
        if name == "truncate_close":
            marker = {"jpeg": len(mutate.JPEG_EOI), "png": len(mutate.PNG_IEND)}.get(fmt, 0)
        cut = name in ("truncate", "truncate_close") and len(data) - marker <= len(s.data) - 16
        use_o = rng.random() < 0.25
        out.append(Case(fmt, name, _mutant_runner(s, data, cut, use_o)))
    return out


def _mutant_runner(s: corpus.Seed, data: bytes, must_refuse: bool, use_o: bool
                   ) -> Callable[[Path], Verdict]:
    def execute(folder: Path) -> Verdict:
        files = {"before" + s.suffix: s.data, "after" + s.suffix: data}
        args = ["compare", "--json", "before" + s.suffix, "after" + s.suffix]
        if use_o:
            args += ["-o", "out"]
        return _cli_case(folder, files, args, expect="refuse" if must_refuse else "any",
                         output="out" if use_o else None,
                         note=f"seed {s.name}; after{s.suffix} is the mutant, kept here")
    return execute


# --- bombs -------------------------------------------------------------------

def _zeros_deflate(n: int) -> bytes:
    """A zlib stream of ``n`` zero bytes, built without compressing them all.

    After a full flush deflate forgets its history, so compressing the same
    block again gives the same bytes: repeat them, close with an empty final
    block and the Adler-32 of ``n`` zeros (a = 1, b = n mod 65521).
    """
    block = 1 << 20
    c = zlib.compressobj(9)
    first = c.compress(bytes(block)) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(bytes(block)) + c.flush(zlib.Z_FULL_FLUSH)
    full, rest = divmod(n, block)
    parts = [first[:2]]  # the zlib header
    if full:
        parts += [first[2:], again * (full - 1)]
    if rest:
        parts.append(c.compress(bytes(rest)) + c.flush(zlib.Z_FULL_FLUSH))
    parts.append(b"\x03\x00")  # an empty final block with fixed Huffman codes
    return b"".join(parts) + struct.pack(">I", ((n % 65521) << 16) | 1)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return (struct.pack(">I", len(body)) + kind + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))


@cache
def zero_png(width: int, height: int, color_type: int, note: str = "") -> bytes:
    """A valid all-black PNG of any size, a few bytes per megapixel.

    ``note`` goes into a tEXt chunk: two files with different notes hold the
    same pixels but different bytes, so no identical-bytes shortcut applies.
    """
    channels = {0: 1, 2: 3}[color_type]
    raw = height * (1 + width * channels)
    text = _png_chunk(b"tEXt", b"Comment\x00" + note.encode()) if note else b""
    return (b"\x89PNG\r\n\x1a\n"
            + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0))
            + text + _png_chunk(b"IDAT", _zeros_deflate(raw)) + _png_chunk(b"IEND", b""))


def _jpeg_claiming(w: int, h: int) -> bytes:
    data = bytearray(next(s for s in corpus.seeds() if s.name == "jpeg-baseline").data)
    i = data.find(b"\xff\xc0")
    data[i + 5:i + 9] = struct.pack(">HH", h, w)
    return bytes(data)


def bomb_cases() -> list[Case]:
    def case(label: str, files: Callable[[], dict[str, bytes]], args: list[str]) -> Case:
        return Case("bomb", label, lambda d: _cli_case(d, files(), args, expect="refuse",
                                                       output="out" if "-o" in args else None))
    return [
        case("jpeg-30000x30000", lambda: {"a.jpg": _jpeg_claiming(30000, 30000),
                                          "b.jpg": corpus.seeds()[5].data},
             ["compare", "--json", "b.jpg", "a.jpg"]),
        case("jpeg-30000x30000-pair", lambda: {"a.jpg": _jpeg_claiming(30000, 30000),
                                               "b.jpg": _jpeg_claiming(30000, 30000)},
             ["compare", "--json", "a.jpg", "b.jpg"]),
        case("png-gray-65535x65535", lambda: {"a.png": zero_png(65535, 65535, 0),
                                              "b.png": zero_png(65535, 65535, 0, "b")},
             ["compare", "--json", "a.png", "b.png"]),
        case("png-rgb-20000x20000-pair-o", lambda: {"a.png": zero_png(20000, 20000, 2),
                                                    "b.png": zero_png(20000, 20000, 2, "b")},
             ["compare", "--json", "a.png", "b.png", "-o", "out"]),
        case("png-1x100000-vs-100000x1-pad", lambda: {"a.png": zero_png(1, 100000, 0),
                                                      "b.png": zero_png(100000, 1, 0)},
             ["compare", "--json", "--size", "pad", "a.png", "b.png"]),
        case("png-4000x4000-max-pixels", lambda: {"a.png": zero_png(4000, 4000, 2),
                                                  "b.png": zero_png(4000, 4000, 2, "b")},
             ["compare", "--json", "--max-pixels", "1000000", "a.png", "b.png"]),
        case("png-4000x4000-max-pixels-same-file", lambda: {"a.png": zero_png(4000, 4000, 2)},
             ["compare", "--json", "--max-pixels", "1000000", "a.png", "a.png"]),
    ]


# --- special files -----------------------------------------------------------

def special_cases() -> list[Case]:
    png = corpus.seeds()[2].data

    def case(label: str, prepare: Callable[[Path], None], args: list[str]) -> Case:
        def execute(d: Path) -> Verdict:
            if label == "unreadable" and os.geteuid() == 0:
                return Verdict("skipped (root reads everything)")
            (d / "ok.png").write_bytes(png)
            prepare(d)
            return _cli_case(d, {}, args, expect="refuse")
        return Case("special", label, execute)

    def loop(d: Path) -> None:
        os.symlink("loop2.png", d / "loop1.png")
        os.symlink("loop1.png", d / "loop2.png")

    def unreadable(d: Path) -> None:
        (d / "secret.png").write_bytes(png)
        os.chmod(d / "secret.png", 0)

    return [
        case("fifo-image", lambda d: os.mkfifo(d / "pipe.png"),
             ["compare", "--json", "ok.png", "pipe.png"]),
        case("fifo-ignore-mask", lambda d: os.mkfifo(d / "pipe.png"),
             ["compare", "--json", "--ignore-mask", "pipe.png", "ok.png", "ok.png"]),
        case("fifo-only-mask", lambda d: os.mkfifo(d / "pipe.png"),
             ["compare", "--json", "--only-mask", "pipe.png", "ok.png", "ok.png"]),
        case("dev-zero", lambda d: None, ["compare", "--json", "/dev/zero", "ok.png"]),
        case("directory", lambda d: (d / "dir.png").mkdir(),
             ["compare", "--json", "ok.png", "dir.png"]),
        case("symlink-loop", loop, ["compare", "--json", "ok.png", "loop1.png"]),
        case("missing", lambda d: None, ["compare", "--json", "ok.png", "nothere.png"]),
        case("empty-file", lambda d: (d / "empty.png").write_bytes(b""),
             ["compare", "--json", "ok.png", "empty.png"]),
        case("unreadable", unreadable, ["compare", "--json", "ok.png", "secret.png"]),
        case("nan-float-tiff", lambda d: (d / "nan.tif").write_bytes(corpus.nan_float_tiff()),
             ["compare", "--json", "nan.tif", "nan.tif"]),
        case("nan-vs-float-tiff",
             lambda d: ((d / "nan.tif").write_bytes(corpus.nan_float_tiff()),
                        (d / "f.tif").write_bytes(corpus.seeds()[10].data)),
             ["compare", "--json", "f.tif", "nan.tif"]),
    ]


# --- options -----------------------------------------------------------------

def option_cases() -> list[Case]:
    png = corpus.seeds()[2].data

    tiny = zero_png(1, 1, 2)  # two 1x1 files, different bytes

    def case(label: str, args: list[str], output: str | None = None) -> Case:
        return Case("option", label, lambda d: _cli_case(
            d, {"a.png": png, "b.png": png, "a1.png": tiny,
               "b1.png": zero_png(1, 1, 2, "b")}, args, expect="refuse",
            output=output))

    out = [case("o-diff-image-collision",
                ["compare", "--json", "a.png", "b.png", "-o", "O", "--diff-image", "O/mask.png"],
                output="O")]
    for poly in ("inf,1 1,1 5,5", "1e400,1 1,1 5,5", "nan,1 1,1 5,5"):
        out.append(case(f"ignore-polygon {poly!r}",
                        ["compare", "--json", "--ignore-polygon", poly, "a.png", "b.png"]))
    out.append(case("treshold-typo", ["compare", "--json", "--treshold", "3", "a.png", "b.png"]))
    out.append(case("align-homography-1x1", ["compare", "--json", "--align", "homography",
                                             "a1.png", "b1.png"]))
    return out


# --- signals and concurrent runs -----------------------------------------------

@cache
def _big_pair(root: str) -> tuple[Path, Path]:
    """A 2000x2000 noise pair (slow to encode and write), shared by the signal cases."""
    folder = Path(root)
    a, b = folder / "big-before.png", folder / "big-after.png"
    if not b.exists():
        a.write_bytes(corpus.noisy_png(2000, 2000, 1))
        b.write_bytes(corpus.noisy_png(2000, 2000, 2))
    return a, b


def signal_cases(n: int, seed: int, shared: Path) -> list[Case]:
    rng = np.random.default_rng(seed + 7)
    sigs = [signal.SIGTERM, signal.SIGHUP, signal.SIGINT]
    out = []
    for i in range(n):
        signum = sigs[i % 3]
        delay = float(rng.uniform(0.3, 7.0))
        out.append(Case("signal", signum.name, _signal_runner(signum, delay, shared)))
    return out


def _signal_runner(signum: signal.Signals, delay: float, shared: Path
                   ) -> Callable[[Path], Verdict]:
    def execute(folder: Path) -> Verdict:
        a, b = _big_pair(str(shared))
        argv = spotdiff_argv("compare", "--json", str(a), str(b), "-o", "out")
        started = time.monotonic()
        child = harness.start(argv, folder)
        time.sleep(delay)
        harness.send(child, signum)
        r = harness.reap(child, started)
        v = judge(r, output_dir=folder / "out", signum=int(signum))
        if r.code == -int(signum):
            # Killed by the signal's default action: before spotdiff set its
            # handlers, or after its run had finished (interpreter shut-down
            # restores the default). Either way the files must be all or nothing.
            v = Verdict("killed-by-signal", [], r.rss_mb)
            names = set(os.listdir(folder / "out")) if (folder / "out").is_dir() else set()
            if names and names != harness.OUTPUT_SET:
                v.broken.append(f"{signum.name} left a partial output folder: {sorted(names)}")
        left = harness.hidden_leftovers(folder)
        if left:
            v.broken.append(f"hidden files left behind: {left}")
        v.repro = _repro(argv, folder, f"send {signum.name} after {delay:.2f} s")
        return v
    return execute


def concurrent_cases(n: int, shared: Path) -> list[Case]:
    return [Case("concurrent", "two-writers-one-o", _concurrent_runner(shared, i))
            for i in range(n)]


@cache
def _box_trio(root: str) -> tuple[Path, Path, Path]:
    folder = Path(root)
    paths = (folder / "c-before.png", folder / "c-left.png", folder / "c-right.png")
    if not paths[2].exists():
        paths[0].write_bytes(corpus.noisy_png(1000, 1000, 3))
        paths[1].write_bytes(corpus.noisy_png(1000, 1000, 3, box=(100, 400, 300, 600)))
        paths[2].write_bytes(corpus.noisy_png(1000, 1000, 3, box=(700, 400, 900, 600)))
    return paths


def _concurrent_runner(shared: Path, i: int) -> Callable[[Path], Verdict]:
    def execute(folder: Path) -> Verdict:
        before, left, right = _box_trio(str(shared))
        argvs = [spotdiff_argv("compare", "--json", str(before), str(p), "-o", "out")
                 for p in (left, right)]
        started = time.monotonic()
        procs = [harness.start(a, folder, tag=f"-{k}") for k, a in enumerate(argvs)]
        runs = [harness.reap(child, started) for child in procs]
        verdicts = [judge(r, expect="accept", output_dir=None) for r in runs]
        v = Verdict("/".join(x.outcome for x in verdicts),
                    [m for x in verdicts for m in x.broken], max(r.rss_mb for r in runs))
        out = folder / "out"
        v.broken += harness.check_output_dir(out, harness.OUTPUT_SET)
        if not v.broken:
            meta = json.loads((out / "result.json").read_text())
            mask = cv2.imread(str(out / "mask.png"), cv2.IMREAD_GRAYSCALE)
            in_left = mask[450:550, 150:250].mean() > 127
            in_right = mask[450:550, 750:850].mean() > 127
            claims_left = meta["after"].endswith("c-left.png")
            if (in_left, in_right) != (claims_left, not claims_left):
                v.broken.append(f"result.json is from the run on {meta['after']} but mask.png "
                                f"shows the box on the {'left' if in_left else 'right'}")
        left_over = harness.hidden_leftovers(folder)
        if left_over:
            v.broken.append(f"hidden files left behind: {left_over}")
        v.repro = " & ".join(_repro(a, folder) for a in argvs) + "; wait"
        return v
    return execute


# --- library calls in a child ------------------------------------------------

LIBRARY_SNIPPETS = {
    "nan-float-array": """
        a = np.zeros((16, 16), np.float32); b = a.copy(); b[3, 3] = np.nan
        refused(lambda: spotdiff.compare(a, b, data_range=1.0))
    """,
    "inf-float-array": """
        a = np.zeros((16, 16), np.float32); b = a.copy(); b[3, 3] = np.inf
        refused(lambda: spotdiff.compare(a, b, data_range=1.0))
    """,
    "3e38-float-array": """
        a = np.zeros((16, 16), np.float32); b = a.copy(); b[3:6, 3:6] = 3e38
        different_or_refused(lambda: spotdiff.compare(a, b, data_range=1.0))
    """,
    "data-range-inf": """
        a = np.zeros((16, 16), np.float32); b = a.copy(); b[3:6, 3:6] = 1.0
        refused(lambda: spotdiff.compare(a, b, data_range=float("inf")))
    """,
    "data-range-nan": """
        a = np.zeros((16, 16), np.float32); b = a.copy(); b[3:6, 3:6] = 1.0
        refused(lambda: spotdiff.compare(a, b, data_range=float("nan")))
    """,
    "mog2-bogus-option": """
        from spotdiff.background import create
        refused(lambda: create("mog2", bogus=1))
    """,
    "subpackages-reachable": """
        assert hasattr(spotdiff, "background") and hasattr(spotdiff, "io"), "subpackage missing"
    """,
    "nan-polygon": """
        a = np.zeros((16, 16, 3), np.uint8)
        polygon = [(float("nan"), 1), (1, 1), (5, 5)]
        refused(lambda: spotdiff.compare(a, a, ignore_polygons=[polygon]))
    """,
}

_PRELUDE = """
import math, sys
import numpy as np
import spotdiff

def refused(call):
    try:
        result = call()
    except spotdiff.InputError:
        return
    sys.exit(f"BROKEN: accepted, returned {result!r}")

def different_or_refused(call):
    try:
        d = call()
    except spotdiff.InputError:
        return
    if not d.different or not math.isfinite(d.score):
        sys.exit(f"BROKEN: different={d.different} score={d.score}")
"""


def library_cases() -> list[Case]:
    def case(label: str, body: str) -> Case:
        def execute(folder: Path) -> Verdict:
            code = _PRELUDE + textwrap.dedent(body) + "\nprint('ok')\n"
            (folder / "case.py").write_text(code)
            argv = [sys.executable, "case.py"]
            r = run(argv, folder)
            v = Verdict("ok" if r.code == 0 else f"exit-{r.code}", [], r.rss_mb,
                        _repro(argv, folder))
            if r.code != 0 or r.stdout.strip() != "ok":
                v.broken.append(f"exit {r.code}; stderr: {r.stderr[-800:]!r}")
            if r.rss_mb > harness.REFUSED_RSS_MB:
                v.broken.append(f"peak RSS {r.rss_mb:.0f} MB")
            return v
        return Case("library", label, execute)
    return [case(k, v) for k, v in LIBRARY_SNIPPETS.items()]


# --- running ---------------------------------------------------------------

def all_cases(mutants: int, seed: int, shared: Path, signals: int, concurrent: int
              ) -> list[Case]:
    return (bomb_cases() + special_cases() + option_cases() + library_cases()
            + signal_cases(signals, seed, shared) + concurrent_cases(concurrent, shared)
            + mutant_cases(mutants, seed))


def run_cases(cases: list[Case], root: Path, workers: int = 2, keep_passing: bool = False,
              progress: Callable[[int, Case, Verdict], None] | None = None
              ) -> list[tuple[Case, Verdict]]:
    """Run ``cases`` with ``workers`` threads, one folder each under ``root``."""
    import shutil

    def one(item: tuple[int, Case]) -> tuple[Case, Verdict]:
        i, case = item
        folder = root / f"{i:05d}-{case.kind}-{_slug(case.label)}"
        folder.mkdir(parents=True)
        try:
            v = case.execute(folder)
        except Exception as exc:  # the harness itself failed: report it, keep going
            v = Verdict("harness-error", [f"harness error: {exc!r}"], repro=str(folder))
        if not v.broken and not keep_passing:
            shutil.rmtree(folder, ignore_errors=True)
            for extra in root.glob(f"{folder.name}*.std*"):
                extra.unlink()
        if progress:
            progress(i, case, v)
        return case, v

    # A shell starts background jobs with SIGINT ignored, and children inherit
    # that: the signal cases would then test nothing. A Python handler is
    # reset to the default action in each child at exec.
    restore = signal.getsignal(signal.SIGINT)
    if restore == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(one, enumerate(cases)))
    finally:
        if restore == signal.SIG_IGN:
            signal.signal(signal.SIGINT, restore)


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)[:40]
