"""Install and locate the tools spotdiff is measured against.

* npm: ``odiff-bin@4.5.0`` and ``pixelmatch@7.2.0`` into ``benchmarks/.peers/``
  (git-ignored), with the ordinary ``npm install --prefix``.
* PyPI: ``blazediff`` and ``scikit-image`` into the running interpreter's
  environment, and spotdiff's PNG codecs (imagecodecs, fpng) should an
  older install lack them, with ``python -m pip install`` when they are
  missing.

Nothing is installed when it is already there, so a second run is offline.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEERS = HERE / ".peers"
NPM_PACKAGES = {"odiff-bin": "4.5.0", "pixelmatch": "7.2.0"}
#: import name -> pip requirement
PYPI_PACKAGES = {
    "blazediff": "blazediff",
    "skimage": "scikit-image",
    "imagecodecs": "imagecodecs",  # spotdiff's PNG decoder
    "fpng": "fpng",  # spotdiff's PNG encoder
}


@dataclass(frozen=True)
class Peers:
    odiff: Path | None  # the native odiff binary (no Node start-up in the timings)
    node: str | None
    pixelmatch_dir: Path | None  # node_modules/pixelmatch
    notes: tuple[str, ...] = ()


def _installed_npm_version(name: str) -> str | None:
    manifest = PEERS / "node_modules" / name / "package.json"
    try:
        return json.loads(manifest.read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


def ensure_npm(log=print) -> Peers:  # noqa: ANN001
    """Install the npm peers when missing; locate odiff's native binary."""
    node, npm = shutil.which("node"), shutil.which("npm")
    notes: list[str] = []
    if node is None or npm is None:
        notes.append("node/npm not found: odiff and pixelmatch are skipped")
        return Peers(None, None, None, tuple(notes))
    missing = [f"{n}@{v}" for n, v in NPM_PACKAGES.items() if _installed_npm_version(n) != v]
    if missing:
        PEERS.mkdir(exist_ok=True)
        log(f"installing {' '.join(missing)} into {PEERS} ...")
        subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--prefix", str(PEERS),
             *missing],
            check=True, stdout=subprocess.DEVNULL,
        )
    script = (
        "console.log(require(process.argv[1]).findBinary())"
    )
    binary_js = PEERS / "node_modules" / "odiff-bin" / "binary.js"
    found = subprocess.run([node, "-e", script, str(binary_js)], capture_output=True, text=True)
    odiff = Path(found.stdout.strip()) if found.returncode == 0 else None
    if odiff is None or not odiff.exists():
        notes.append(f"odiff binary not found ({found.stderr.strip()[:200]})")
        odiff = None
    return Peers(odiff, node, PEERS / "node_modules" / "pixelmatch", tuple(notes))


def ensure_pypi(log=print) -> None:  # noqa: ANN001
    """pip-install the Python peers (and spotdiff's PNG codecs) when missing."""
    missing = [req for mod, req in PYPI_PACKAGES.items() if importlib.util.find_spec(mod) is None]
    if missing:
        log(f"installing {' '.join(missing)} with pip ...")
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *missing], check=True)
        importlib.invalidate_caches()


def versions() -> dict[str, str]:
    """Versions of everything measured, for the report."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for dist in ("spotdiff", "numpy", "opencv-contrib-python-headless", "imagecodecs", "fpng",
                 "blazediff", "scikit-image"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "not installed"
    for name in NPM_PACKAGES:
        out[f"npm {name}"] = _installed_npm_version(name) or "not installed"
    return out
