from common import pick


def test_identical(image_snapshot):
    image_snapshot(pick("same").read_bytes(), "identical.png")


def test_jpeg(image_snapshot):
    image_snapshot(pick("jpeg").read_bytes(), "jpeg.png")


def test_change(image_snapshot):
    image_snapshot(pick("change").read_bytes(), "change.png")


def test_missing(image_snapshot):
    image_snapshot(pick("same").read_bytes(), "missing.png")
