from common import pick


def test_identical(image_regression):
    image_regression.check(pick("same").read_bytes())


def test_jpeg(image_regression):
    image_regression.check(pick("jpeg").read_bytes())


def test_change(image_regression):
    image_regression.check(pick("change").read_bytes())


def test_missing(image_regression):
    image_regression.check(pick("same").read_bytes())
