"""every_nth gives exactly numpy's strided slice, for every layout."""

from __future__ import annotations

import numpy as np
import pytest

from spotdiff.sampling import every_nth


@pytest.mark.parametrize("shape", [(37, 53, 3), (37, 53, 4), (37, 53, 1), (37, 53), (1, 1, 3)])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
@pytest.mark.parametrize("step", [1, 2, 4, 7])
def test_every_nth_is_the_strided_slice(shape, dtype, step) -> None:
    rng = np.random.default_rng(step)
    pixels = (rng.random(shape) * 1000).astype(dtype)
    picked = every_nth(pixels, step)
    assert picked.flags.c_contiguous and picked.dtype == dtype
    np.testing.assert_array_equal(picked, pixels[::step, ::step])


def test_a_view_that_is_not_contiguous() -> None:
    pixels = np.arange(40 * 60 * 3, dtype=np.uint8).reshape(40, 60, 3)[5:30, 7:50]
    np.testing.assert_array_equal(every_nth(pixels, 4), pixels[::4, ::4])
