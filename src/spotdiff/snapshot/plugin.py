"""The pytest plugin (entry point ``pytest11``): the ``image_snapshot``
fixture, ``--snapshot-update``, ``--snapshot-prune``, the ini options, the
report at the end of the run and the terminal summary.

Loaded by pytest in every run where spotdiff is installed; it imports
numpy, OpenCV and the engine only when a test asks for the fixture.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from spotdiff.snapshot.run import SnapshotRun, clear_report
from spotdiff.snapshot.settings import UPDATE_MODES, SnapshotSettings, in_ci

#: The ini options (pytest.ini, tox.ini, setup.cfg or [tool.pytest.ini_options]).
INI_BASELINES = "spotdiff_snapshot_dir"
INI_REPORT = "spotdiff_snapshot_report"
#: The report folder by default, under the rootdir.
DEFAULT_REPORT = "snapshot-report"
#: The key of a worker's run in xdist's workeroutput.
WORKER_KEY = "spotdiff_snapshots"

_RUN = pytest.StashKey[SnapshotRun]()
#: The options another plugin had already added (then spotdiff's are not
#: added, and the run keeps the default update policy and says so).
_CLASH = pytest.StashKey[list[str]]()


def _taken(parser: pytest.Parser, names: tuple[str, ...]) -> list[str]:
    """Which of ``names`` another plugin already added (syrupy has a
    ``--snapshot-update`` of its own)."""
    groups = [*getattr(parser, "_groups", []), getattr(parser, "_anonymous", None)]
    added = {n for g in groups if g is not None for opt in getattr(g, "options", [])
             for n in opt.names()}
    return [n for n in names if n in added]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(INI_BASELINES, default="",
                  help="folder of the image snapshot baselines, relative to the rootdir "
                  "(baselines under <it>/<module path>/); default: __snapshots__/<module>/ "
                  "beside each test module")
    parser.addini(INI_REPORT, default=DEFAULT_REPORT,
                  help="folder, relative to the rootdir, of the image snapshot failures: the "
                  "actual images and the HTML report 'spotdiff approve' reads "
                  f"(default: {DEFAULT_REPORT})")


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser,
                                  args: list[str]) -> None:
    """The command line options, added once every installed plugin has added
    its own (so that a plugin with the same option, syrupy's
    ``--snapshot-update``, is seen here instead of breaking pytest's start)."""
    taken = _taken(parser, ("--snapshot-update", "--snapshot-prune"))
    early_config.stash[_CLASH] = taken
    if taken:
        return
    group = parser.getgroup("spotdiff", "image snapshots (spotdiff's image_snapshot fixture)")
    group.addoption(
        "--snapshot-update", choices=UPDATE_MODES, default=None, metavar="WHICH",
        help="write baselines and pass: 'none' writes nothing, 'missing' the missing ones, "
        "'changed' also those that differ, 'all' every one. Default: a missing baseline is "
        "written and its test fails (never when the CI variable is set)")
    group.addoption(
        "--snapshot-prune", action="store_true", default=False,
        help="delete the unused baselines (reported in the summary) of test modules that "
        "ran whole and passed")


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _settings(config: pytest.Config) -> SnapshotSettings:
    root = Path(config.rootpath)
    baselines = config.getini(INI_BASELINES)
    report = config.getini(INI_REPORT) or DEFAULT_REPORT
    clash = bool(config.stash.get(_CLASH, []))  # another plugin's options: the defaults here
    return SnapshotSettings(
        update=None if clash else config.getoption("snapshot_update"), ci=in_ci(),
        prune=False if clash else bool(config.getoption("snapshot_prune")), root=root,
        report_dir=(root / report).resolve(),
        baseline_dir=(root / baselines).resolve() if baselines else None)


def pytest_configure(config: pytest.Config) -> None:
    run = SnapshotRun(_settings(config))
    config.stash[_RUN] = run
    config.pluginmanager.register(_RunHooks(run, worker=_is_worker(config)),
                                  "spotdiff-snapshot-run")


class _RunHooks:
    """The hooks that feed one process's :class:`SnapshotRun`; the
    controller (or the only process) also writes the report, prunes, and
    prints the summary."""

    def __init__(self, run: SnapshotRun, *, worker: bool) -> None:
        self.run = run
        self.worker = worker

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """The last run's report goes (before xdist starts its workers)."""
        if not self.worker:
            clear_report(self.run.settings.report_dir)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.run.collected(session.items, list(session.config.args))

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.run.deselected(items)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.run.reported(report.nodeid, report.passed)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """xdist's controller: merge a worker's run."""
        data = getattr(node, "workeroutput", {}).get(WORKER_KEY)
        if data is not None:
            self.run.merge(data)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        run = self.run
        if self.worker:
            session.config.workeroutput[WORKER_KEY] = run.to_dict()  # type: ignore[attr-defined]
            return
        if run.settings.prune:
            run.prune(run.unused())
        if (run.settings.report_dir / "items").is_dir():
            run.write_report()

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.worker:
            return
        from spotdiff.snapshot.summary import summary_lines

        run = self.run
        lines = summary_lines(run, unused=[] if run.settings.prune else run.unused())
        clash = terminalreporter.config.stash.get(_CLASH, [])
        if lines and clash:
            lines.append(f"{', '.join(clash)}: another plugin's option here (syrupy's?), so "
                         "image_snapshot ran with the default update policy; disable that "
                         "plugin (-p no:syrupy) to use spotdiff's")
        if lines:
            terminalreporter.section("image snapshots")
            for line in lines:
                terminalreporter.write_line(line)


class ImageSnapshot:
    """The ``image_snapshot`` fixture's value: call it once per image."""

    def __init__(self, run: SnapshotRun, node: pytest.Item) -> None:
        self._run = run
        self._node = node

    def __call__(self, actual: Any, name: str, *, options: Any = None, **overrides: Any) -> None:
        """Assert that ``actual`` matches the baseline ``name``.

        Parameters
        ----------
        actual : ndarray, PIL image, bytes or path
            The image: RGB(A)/gray pixels, a PIL image, encoded bytes (what
            Playwright's ``page.screenshot()`` returns) or a file.
        name : str
            The baseline's file name in the module's snapshot folder
            (``home.png``; its ending says the format it is written in).
        options : CompareOptions, optional
        **overrides
            Compare options, as :func:`spotdiff.compare` takes them
            (``ignore=[(x0, y0, x1, y1)]``, ``max_changed_pixels=20``,
            ``method="ssim"``, ``threshold=2.5``, ``profile="screenshot"``).

        Raises
        ------
        AssertionError
            The image differs, or its baseline was missing (see
            ``--snapshot-update``), with the compare's summary and the paths
            of the pictures.
        """
        __tracebackhide__ = True
        from spotdiff.errors import InputError
        from spotdiff.options import CompareOptions, compare_options
        from spotdiff.snapshot.actual import check_name
        from spotdiff.snapshot.check import check_snapshot

        settings = self._run.settings
        module = Path(self._node.path)
        try:
            opts = compare_options(options or CompareOptions(), **overrides)
            baseline = settings.snapshot_dir(module) / check_name(name)
            self._run.use(baseline, self._node.nodeid)
            outcome = check_snapshot(actual, name, options=opts, settings=settings,
                                     module=module, test=self._node.nodeid)
        except (InputError, TypeError) as exc:  # bad input: its one line, at the test's call
            raise exc.with_traceback(None) from None
        self._run.add(outcome)
        if not outcome.passed:
            raise AssertionError(outcome.message)


@pytest.fixture
def image_snapshot(request: pytest.FixtureRequest) -> ImageSnapshot:
    """Compare an image with its baseline: ``image_snapshot(actual, "name.png", **options)``."""
    return ImageSnapshot(request.config.stash[_RUN], request.node)
