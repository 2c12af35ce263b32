"""Which files go together: pairs by relative path, or listed in a file."""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path

from spotdiff.errors import InputError

#: File endings treated as images when two folders are paired.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif")


@dataclass(frozen=True)
class Pair:
    """One item of a batch: ``name`` (unique, a relative path with ``/``),
    ``before`` (None when the image is new) and ``after`` (None when it was
    deleted); ``target`` is where approving writes AFTER (the baseline's
    path)."""

    name: str
    before: str | None
    after: str | None
    target: str | None = None


def _images(root: Path) -> dict[str, Path]:
    found = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for file in files:
            if file.startswith(".") or not file.lower().endswith(IMAGE_SUFFIXES):
                continue
            path = Path(folder) / file
            found[path.relative_to(root).as_posix()] = path
    return found


def _absolute(path: Path | None) -> str | None:
    return None if path is None else os.path.abspath(path)


def _folder(path: str | os.PathLike, what: str) -> Path:
    root = Path(path)
    if not root.is_dir():
        raise InputError(what, expected="a folder of images",
                         got=f"'{root}' ({'a file' if root.exists() else 'missing'})",
                         fix="pass an existing folder")
    return root


def pairs_from_folders(baseline: str | os.PathLike, current: str | os.PathLike) -> list[Pair]:
    """Pair the images of two folders by their path relative to each folder
    (subfolders included, hidden files skipped), sorted by that path."""
    base = _images(_folder(baseline, "BASELINE"))
    cur = _images(_folder(current, "CURRENT"))
    if not base and not cur:
        raise InputError("BASELINE and CURRENT", expected="at least one image (" +
                         ", ".join(IMAGE_SUFFIXES) + ")", got="none in either folder",
                         fix="check the folder paths")
    root = Path(baseline)
    return [
        Pair(name, _absolute(base.get(name)), _absolute(cur.get(name)),
             _absolute(base.get(name, root / name)))
        for name in sorted(base.keys() | cur.keys())
    ]


def pairs_from_file(path: str | os.PathLike) -> list[Pair]:
    """Pairs listed in a CSV file (``before,after[,name]`` per row, an
    optional header row naming those columns) or JSON lines (objects with
    ``before``, ``after`` and optionally ``name``); paths relative to the
    file's folder. A missing name is AFTER's path."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError("--pairs", expected="a readable CSV or JSON lines file",
                         got=f"'{source}' ({exc.strerror})") from None
    rows: list[tuple[int, dict]] = []
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if lines and lines[0][1].lstrip().startswith("{"):
        for n, line in lines:
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"--pairs {source} line {n}", expected="a JSON object",
                                 got=f"invalid JSON ({exc.msg})") from None
            if not isinstance(row, dict):
                raise InputError(f"--pairs {source} line {n}", expected="a JSON object",
                                 got=type(row).__name__)
            rows.append((n, row))
    else:
        reader = list(csv.reader(line for _, line in lines))
        if reader and [c.strip().lower() for c in reader[0][:2]] == ["before", "after"]:
            header = [c.strip().lower() for c in reader[0]]
            body = [(n, dict(zip(header, r, strict=False))) for (n, _), r in
                    zip(lines[1:], reader[1:], strict=True)]
        else:
            body = [(n, dict(zip(("before", "after", "name"), r, strict=False)))
                    for (n, _), r in zip(lines, reader, strict=True)]
        rows = body
    pairs: list[Pair] = []
    seen: set[str] = set()
    for n, row in rows:
        before, after = row.get("before"), row.get("after")
        if not isinstance(before, str) or not isinstance(after, str) or not before or not after:
            raise InputError(f"--pairs {source} line {n}",
                             expected="before and after paths (and optionally a name)",
                             got=repr(row), fix="give both paths on every line")
        b, a = source.parent / before.strip(), source.parent / after.strip()
        name = str(row.get("name") or "").strip() or Path(after.strip()).as_posix()
        if name in seen:
            raise InputError(f"--pairs {source} line {n}", expected="a unique name per pair",
                             got=f"'{name}' twice", fix="add a third column with unique names")
        seen.add(name)
        pairs.append(Pair(name, _absolute(b), _absolute(a), _absolute(b)))
    if not pairs:
        raise InputError("--pairs", expected="at least one pair", got=f"none in '{source}'")
    return pairs
