"""Run one case in child processes and list the promises it broke.

The promise, for every run of ``python -m spotdiff``:

* exit 0 or 1: with ``--json``, strict JSON on stdout (no NaN or
  Infinity) and nothing on stderr; with ``-o``, the complete set of outputs;
* exit 2: exactly one line on stderr, starting with ``spotdiff: error:``,
  never an internal error or a traceback; nothing written;
* after a signal: 128 + N (130 for SIGINT), or 0 / 1 if the run finished
  first; the output folder holds everything or nothing;
* never a hang (timeout), never a hidden temporary file left behind;
* peak memory (the child's own ``ru_maxrss``) under ``REFUSED_RSS_MB`` when
  refused and under ``ACCEPTED_RSS_MB`` when accepted.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REFUSED_RSS_MB = 200
ACCEPTED_RSS_MB = 600
TIMEOUT_S = 60.0

#: The files ``-o`` writes with the default pictures.
OUTPUT_SET = frozenset({"result.json", "mask.png", "heatmap.png", "boxes.png", "overlay.png"})


@dataclass
class Run:
    """What one child did."""

    argv: list[str]
    code: int | None  # None: timed out and killed
    stdout: str
    stderr: str
    rss_mb: float
    seconds: float


def child_env() -> dict[str, str]:
    """The environment of every child: this checkout's code, no limits overridden."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPOTDIFF_")}
    src = str(REPO / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


#: A small, freshly started process forks the case's child, waits for it and
#: writes its exit status and peak RSS. Linux counts in a child's ``ru_maxrss``
#: the memory of the process it was forked from (the copy before ``exec``),
#: so forking straight from the test run (hundreds of MB under pytest) would
#: blame that memory on the child.
_LAUNCHER = """
import os, sys
argv, report = sys.argv[1:-2], sys.argv[-1]
pid_fd = int(sys.argv[-2])
pid = os.fork()
if pid == 0:
    os.close(pid_fd)
    try:
        os.execv(argv[0], argv)
    finally:
        os._exit(127)
os.write(pid_fd, str(pid).encode())
os.close(pid_fd)
_, status, usage = os.wait4(pid, 0)
with open(report, "w") as f:
    f.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss}")
"""


@dataclass
class Child:
    """A running case: the launcher, the child's pid and where its output goes."""

    argv: list[str]
    launcher: subprocess.Popen
    pid: int
    out_path: Path
    err_path: Path
    report: Path


def start(argv: list[str], cwd: Path, tag: str = "") -> Child:
    """Start a child with stdin closed and stdout/stderr to files (no pipe deadlocks)."""
    base = cwd.parent / f"{cwd.name}{tag}"
    out_path = base.with_name(base.name + ".stdout")
    err_path = base.with_name(base.name + ".stderr")
    report = base.with_name(base.name + ".stdrss")  # status and peak RSS
    read_fd, write_fd = os.pipe()
    try:
        with open(out_path, "wb") as fo, open(err_path, "wb") as fe:
            launcher = subprocess.Popen(
                [sys.executable, "-S", "-c", _LAUNCHER, *argv, str(write_fd), str(report)],
                cwd=cwd, env=child_env(), stdin=subprocess.DEVNULL, stdout=fo, stderr=fe,
                pass_fds=(write_fd,))
        os.close(write_fd)
        write_fd = -1
        with os.fdopen(read_fd, "rb") as r:
            read_fd = -1
            pid = int(r.read() or b"0")
    finally:
        for fd in (read_fd, write_fd):
            if fd >= 0:
                os.close(fd)
    if not pid:
        launcher.wait()
        raise RuntimeError(f"the launcher could not start {argv}")
    return Child(list(map(str, argv)), launcher, pid, out_path, err_path, report)


def send(child: Child, signum: int) -> None:
    """Send a signal to the case's child (not to its launcher)."""
    try:
        os.kill(child.pid, signum)
    except ProcessLookupError:  # already reaped by the launcher: it had finished
        pass


def reap(child: Child, started: float, timeout: float = TIMEOUT_S) -> Run:
    """Wait for the child, killing it on timeout; its own peak RSS comes from the launcher."""
    timed_out = False
    try:
        child.launcher.wait(timeout=max(0.0, started + timeout - time.monotonic()))
    except subprocess.TimeoutExpired:
        timed_out = True
        send(child, signal.SIGKILL)
        child.launcher.wait()
    code_text, rss_text = child.report.read_text().split()
    return Run(child.argv, None if timed_out else int(code_text),
               child.out_path.read_text(errors="replace"),
               child.err_path.read_text(errors="replace"),
               int(rss_text) / 1024, time.monotonic() - started)


def run(argv: list[str], cwd: Path, timeout: float = TIMEOUT_S) -> Run:
    started = time.monotonic()
    return reap(start(argv, cwd), started, timeout)


def spotdiff_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "spotdiff", *args]


def _strict_json(text: str) -> object:
    def reject(name: str) -> object:
        raise ValueError(f"non-standard JSON constant {name}")
    return json.loads(text, parse_constant=reject)


@dataclass
class Verdict:
    """The outcome of a case and the promises it broke."""

    outcome: str
    broken: list[str] = field(default_factory=list)
    rss_mb: float = 0.0
    repro: str = ""


def hidden_leftovers(folder: Path) -> list[str]:
    """Hidden (temporary) files anywhere under ``folder``, except the harness's own."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob(".*"))


def check_output_dir(out: Path, complete: frozenset[str] | None) -> list[str]:
    """``out`` must be absent/empty (``complete`` None) or hold exactly ``complete``."""
    names = set(os.listdir(out)) if out.is_dir() else set()
    if complete is None:
        return [f"refused run left files in {out.name}/: {sorted(names)}"] if names else []
    if names != complete:
        return [f"output folder {out.name}/ holds {sorted(names)}, expected {sorted(complete)}"]
    bad = [n for n in names if (out / n).stat().st_size == 0]
    return [f"empty output files: {bad}"] if bad else []


def judge(r: Run, *, expect: str = "any", output_dir: Path | None = None,
          json_out: bool = True, signum: int | None = None) -> Verdict:
    """Check one CLI run against the promise.

    ``expect``: ``"any"`` (0, 1 or 2), ``"refuse"`` (must be 2) or ``"accept"``
    (must be 0 or 1).
    """
    b: list[str] = []
    lines = r.stderr.splitlines()
    if r.code is None:
        return Verdict("hang", [f"no answer within {TIMEOUT_S:.0f} s (killed)"], r.rss_mb)
    code = r.code
    accepted_signal_codes = set()
    if signum is not None:
        accepted_signal_codes = {128 + signum}
    if code in accepted_signal_codes:
        outcome = f"signal-{code}"
        if len(lines) > 1 or "Traceback" in r.stderr:
            b.append(f"after the signal, stderr has {len(lines)} lines: {r.stderr[-400:]!r}")
        if output_dir is not None:
            names = set(os.listdir(output_dir)) if output_dir.is_dir() else set()
            if names and names != OUTPUT_SET:
                b.append(f"signal left a partial output folder: {sorted(names)}")
    elif code in (0, 1):
        outcome = "same" if code == 0 else "different"
        if expect == "refuse":
            b.append(f"accepted (exit {code}) an input that must be refused")
        if json_out:
            try:
                _strict_json(r.stdout)
            except ValueError as exc:
                b.append(f"stdout is not strict JSON ({exc}): {r.stdout[:200]!r}")
            if r.stderr:
                b.append(f"stderr not empty on success: {r.stderr[-600:]!r}")
        if output_dir is not None:
            b += check_output_dir(output_dir, OUTPUT_SET)
        if r.rss_mb > ACCEPTED_RSS_MB:
            b.append(f"peak RSS {r.rss_mb:.0f} MB > {ACCEPTED_RSS_MB} MB on an accepted input")
    elif code == 2:
        outcome = "refused"
        if expect == "accept":
            b.append("refused an input that must be accepted")
        if len(lines) != 1 or not lines[0].startswith("spotdiff: error:"):
            b.append(f"exit 2 without exactly one 'spotdiff: error:' line; stderr "
                     f"({len(lines)} lines): {r.stderr[-800:]!r}")
        if "internal error" in r.stderr or "Traceback" in r.stderr:
            b.append(f"internal error / traceback: {r.stderr[-800:]!r}")
        if r.stdout.strip():
            b.append(f"refused run printed on stdout: {r.stdout[:200]!r}")
        if output_dir is not None:
            b += check_output_dir(output_dir, None)
        if r.rss_mb > REFUSED_RSS_MB:
            b.append(f"peak RSS {r.rss_mb:.0f} MB > {REFUSED_RSS_MB} MB on a refused input")
    else:
        outcome = f"exit-{code}"
        b.append(f"exit code {code}; stderr: {r.stderr[-800:]!r}")
    return Verdict(outcome, b, r.rss_mb)
