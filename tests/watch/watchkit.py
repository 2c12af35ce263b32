"""Fixtures for the watch tests: in-memory sources and small scene videos."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pytest

from spotdiff.evalset.scenes import SCENES, write_video
from spotdiff.watch.source import Frame


class ListSource:
    """A source over frames already in memory (the Source interface, no decoding)."""

    live = False

    def __init__(self, frames: Iterable[np.ndarray], name: str = "cam", fps: float = 25.0):
        self.frames = frames
        self.name = name
        self.fps = fps

    def __iter__(self):
        for i, frame in enumerate(self.frames):
            yield Frame(i, i / self.fps, frame)

    def close(self) -> None:
        pass


def frames_of(scene: str, **options) -> list[np.ndarray]:
    return [f for f, _ in SCENES[scene](**options)]


@pytest.fixture(scope="session")
def walk_video(tmp_path_factory) -> str:
    """A person crossing a dark noisy scene: 60 empty frames, 60 walking, 60 empty."""
    path = tmp_path_factory.mktemp("video") / "walk.avi"
    write_video(path, SCENES["night"](empty=60, walk=60))
    return str(path)


@pytest.fixture(scope="session")
def empty_video(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("video") / "empty.avi"
    write_video(path, SCENES["trees"](frames=80))
    return str(path)
