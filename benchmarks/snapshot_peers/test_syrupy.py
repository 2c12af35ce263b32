import pytest
from common import pick
from syrupy.extensions.image import PNGImageSnapshotExtension


@pytest.fixture
def snapshot(snapshot):
    return snapshot.use_extension(PNGImageSnapshotExtension)


def test_identical(snapshot):
    assert pick("same").read_bytes() == snapshot


def test_jpeg(snapshot):
    assert pick("jpeg").read_bytes() == snapshot


def test_change(snapshot):
    assert pick("change").read_bytes() == snapshot


def test_missing(snapshot):
    assert pick("same").read_bytes() == snapshot
