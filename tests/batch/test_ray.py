"""``spotdiff batch --executor ray``: the same job on a local Ray instance started by
the test gives the local run's summary (timings aside)."""

from __future__ import annotations

import json

import pytest

from .batch_helpers import run_cli

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'spotdiff[ray]')")


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             configure_logging=False)
    yield
    ray.shutdown()


def comparable(out) -> list[dict]:
    summary = json.loads((out / "summary.json").read_text())
    return [{k: v for k, v in r.items() if k != "seconds"} for r in summary["items"]]


@pytest.mark.slow
def test_ray_run_equals_the_local_run(local_ray, broken, tmp_path):
    code_local, _, _ = run_cli("batch", broken.base, broken.cur, "-o", tmp_path / "local",
                               "--jobs", "1")
    code, _, err = run_cli("batch", broken.base, broken.cur, "-o", tmp_path / "ray",
                           "--executor", "ray", "--ray-address", "auto")
    assert code == code_local == 2, err
    assert (tmp_path / "ray" / "summary.json").is_file(), err
    assert comparable(tmp_path / "ray") == comparable(tmp_path / "local")
    summary = json.loads((tmp_path / "ray" / "summary.json").read_text())
    assert summary["executor"] == {"kind": "ray", "address": "auto"}
    assert (tmp_path / "ray" / "index.html").is_file()
