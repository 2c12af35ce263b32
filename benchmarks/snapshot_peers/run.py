"""image_snapshot next to the snapshot plugins a pytest user would pick, on
the same real screenshots: what each says about an identical capture, the
same page as JPEG (quality 90), a one-character change, and a missing
baseline.

    .venv/bin/python benchmarks/snapshot_peers/run.py [--peers-venv DIR] [--out DIR]

The peers (pytest-mpl, syrupy, pytest-regressions, pinned below) are
installed into a separate virtual environment (default
``bench-out/peers-venv``): syrupy's ``--snapshot-update`` is spotdiff's
option name too, and none of them belongs in spotdiff's lock. The
screenshots are taken by Debian's Chromium through Playwright (this
interpreter's), once per run. Prints one line per tool and case: passed or
failed, the first line of what the tool said, and whether a baseline file
was written.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PEERS = ["pytest==9.2.0", "pytest-mpl==0.19.0", "matplotlib==3.11.2", "syrupy==7.0.3",
         "pytest-regressions==2.11.0", "pillow==13.0.0", "numpy==2.4.6"]
CASES = ("identical", "jpeg", "change", "missing")
#: tool -> (the test module's folder here, arguments of the baseline run and of the compare run)
TOOLS = {
    "spotdiff image_snapshot": ("spotdiff", ["-k", "not missing"], []),
    "pytest-mpl": ("mpl", ["-k", "not missing", "--mpl-generate-path=baseline"], ["--mpl"]),
    "syrupy (PNG extension)": ("syrupy", ["-k", "not missing", "--snapshot-update"], []),
    "pytest-regressions image_regression": ("regressions", ["-k", "not missing"], []),
}


def peers_python(folder: Path) -> Path:
    python = folder / "bin" / "python"
    if not python.exists():
        venv.create(folder, with_pip=True)
        subprocess.run([python, "-m", "pip", "install", "-q", *PEERS], check=True)
    return python


def screenshots(out: Path) -> None:
    """base, same (a second capture), jpeg (quality 90, decoded to PNG) and
    change (one character of the page) as PNG files."""
    import cv2
    import numpy as np
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT / "tests"))
    from browser import CHROMIUM, FLAGS

    page = (HERE / "page.html").read_text(encoding="utf-8")
    html = out / "page.html"
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        tab = browser.new_page(viewport={"width": 800, "height": 400})

        def shot(total: str, **kw: object) -> bytes:
            html.write_text(page.replace("TOTAL", total), encoding="utf-8")
            tab.goto(html.resolve().as_uri())
            return tab.screenshot(**kw)

        (out / "base.png").write_bytes(shot("42.00 €"))
        (out / "same.png").write_bytes(shot("42.00 €"))
        jpeg = shot("42.00 €", type="jpeg", quality=90)
        cv2.imwrite(str(out / "jpeg.png"), cv2.imdecode(np.frombuffer(jpeg, np.uint8), 1))
        (out / "change.png").write_bytes(shot("42.50 €"))
        browser.close()


def run(python: Path, project: Path, args: list[str], phase: str) -> str:
    env = dict(os.environ, PHASE=phase, IMAGES=str(project.parent / "images"))
    env.pop("CI", None)
    done = subprocess.run([str(python), "-m", "pytest", "-rA", "-p", "no:cacheprovider", *args],
                          cwd=project, env=env, capture_output=True, text=True)
    return done.stdout


def verdicts(output: str) -> dict[str, str]:
    """test case -> 'passed' or 'FAILED: <the message's first two lines>'."""
    found = {}
    for case in CASES:
        if re.search(rf"^PASSED test_peer.py::test_{case}\b", output, re.M):
            found[case] = "passed"
            continue
        block = re.search(rf"^_+ test_{case} _+\n(.*?)(?=^_{{3,}} |^=+ )", output, re.M | re.S)
        text = block.group(1) if block else ""
        lines = [re.sub(r"^E\s+", "", ln).strip() for ln in text.splitlines()
                 if ln.startswith("E ")]
        if not lines:  # pytest-mpl fails without a traceback: its message's lines as they are
            lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        found[case] = "FAILED: " + " | ".join(ln[:100] for ln in lines[:2]) if lines \
            else "FAILED: ?"
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peers-venv", default=str(ROOT / "bench-out" / "peers-venv"),
                        help="virtual environment of the peers (created when missing)")
    parser.add_argument("--out", default=str(ROOT / "bench-out" / "snapshot-peers"),
                        help="folder of the screenshots and the test projects")
    args = parser.parse_args()
    out = Path(args.out).resolve()
    peers = peers_python(Path(args.peers_venv).resolve())
    screenshots(out / "images")
    for tool, (folder, baseline_args, compare_args) in TOOLS.items():
        project = out / folder
        if project.exists():
            import shutil

            shutil.rmtree(project)
        project.mkdir(parents=True)
        (project / "test_peer.py").write_text((HERE / f"test_{folder}.py").read_text())
        (project / "common.py").write_text((HERE / "common.py").read_text())
        python = Path(sys.executable) if folder == "spotdiff" else peers
        run(python, project, baseline_args, "base")
        before = {p for p in project.rglob("*.png") if "snapshot-report" not in p.parts}
        result = verdicts(run(python, project, compare_args, "actual"))
        after = {p for p in project.rglob("*.png") if "snapshot-report" not in p.parts}
        written = any("missing" in p.name for p in after - before)
        for case in CASES:
            note = f" (baseline written: {'yes' if written else 'no'})" if case == "missing" else ""
            print(f"{tool:38} {case:10} {result[case]}{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
