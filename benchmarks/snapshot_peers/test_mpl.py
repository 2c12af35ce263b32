import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from common import pick  # noqa: E402


def figure(path):
    """The image as a figure of its own size (pytest-mpl compares figures only)."""
    img = plt.imread(path)
    h, w = img.shape[:2]
    fig = plt.figure(figsize=(w / 100, h / 100), dpi=100)
    fig.figimage(img, 0, 0)
    return fig


@pytest.mark.mpl_image_compare
def test_identical():
    return figure(pick("same"))


@pytest.mark.mpl_image_compare
def test_jpeg():
    return figure(pick("jpeg"))


@pytest.mark.mpl_image_compare
def test_change():
    return figure(pick("change"))


@pytest.mark.mpl_image_compare
def test_missing():
    return figure(pick("same"))
