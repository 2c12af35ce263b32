"""``--exec``: a real command per event end, retried after a failure, killed
after its timeout, never slowing the watch loop."""

from __future__ import annotations

import io
import json
import logging
import shlex
import sqlite3
import sys

import pytest
from watchkit import walk_video  # noqa: F401 - fixture

from spotdiff.cli import main
from spotdiff.watch import WatchConfig, watch
from spotdiff.watch.alerts import AlertOptions

#: Fails the first time (no state file yet), then appends its arguments and stdin.
FLAKY = """\
import json, pathlib, sys
state = pathlib.Path(sys.argv[1])
if not state.exists():
    state.write_text("")
    sys.exit("receiver not ready")
with state.open("a") as f:
    f.write(json.dumps({"argv": sys.argv[2:], "stdin": json.load(sys.stdin)}) + "\\n")
"""


def test_fails_first_then_succeeds(walk_video, tmp_path, caplog):  # noqa: F811
    script, state = tmp_path / "flaky.py", tmp_path / "state.jsonl"
    script.write_text(FLAKY)
    command = " ".join(shlex.quote(str(p)) for p in (sys.executable, script, state)) \
        + " {event_id} {camera} {reason} {snapshot} {clip}"
    out = io.StringIO()
    with caplog.at_level(logging.WARNING, "spotdiff.watch"):
        code = main(["watch", walk_video, "-o", str(tmp_path / "ev"), "--no-clips", "--json",
                     "--exec", command, "--alert-retry", "0.1"],
                    stdout=out, stderr=io.StringIO())
    assert code == 1
    (end,) = [json.loads(x) for x in out.getvalue().splitlines() if '"end"' in x]
    assert "failed (RuntimeError: exit code 1: receiver not ready)" in caplog.text
    (run,) = [json.loads(line) for line in state.read_text().splitlines()]  # once
    snapshot = (tmp_path / "ev" / "snapshots" / f"{end['event_id']}.jpg").resolve()
    assert run["argv"] == [str(end["event_id"]), "walk", "gone", str(snapshot), ""]
    assert run["stdin"]["type"] == "end" and run["stdin"]["event_id"] == end["event_id"]
    assert run["stdin"]["idempotency_key"].startswith(f"{end['event_id']}-end-")
    db = sqlite3.connect(tmp_path / "ev" / "events.db")
    rows = db.execute("SELECT attempts, delivered_at IS NOT NULL, last_error FROM delivery"
                      ).fetchall()
    db.close()
    assert rows == [(2, 1, "RuntimeError: exit code 1: receiver not ready")]  # ends only


def test_a_command_past_its_timeout_is_killed_and_kept(walk_video, tmp_path):  # noqa: F811
    result = watch(walk_video, WatchConfig(clips=False), out_dir=tmp_path,
                   alerts=AlertOptions(command="sleep 60", exec_timeout=0.3, retry=0.1,
                                       drain=1.0))
    assert [e["reason"] for e in result.events] == ["gone"]  # the loop went on
    db = sqlite3.connect(tmp_path / "events.db")
    attempts, delivered, error = db.execute(
        "SELECT attempts, delivered_at, last_error FROM delivery").fetchone()
    db.close()
    assert attempts >= 1 and delivered is None  # waits in the outbox for the next start
    assert error == "TimeoutError: still running after 0.3 s (killed)"


@pytest.mark.parametrize("command, says", [
    ("no-such-program-here {event_id}", "got no program 'no-such-program-here'"),
    ("echo {event}", "got {event}"),
    ("echo 'unbalanced", "expected a command line with balanced quotes"),
])
def test_bad_command_is_one_line(command, says, walk_video, tmp_path):  # noqa: F811
    err = io.StringIO()
    code = main(["watch", walk_video, "-o", str(tmp_path / "ev"), "--exec", command],
                stdout=io.StringIO(), stderr=err)
    assert code == 2 and says in err.getvalue(), err.getvalue()
    assert err.getvalue().count("\n") == 1
    assert not (tmp_path / "ev").exists()
