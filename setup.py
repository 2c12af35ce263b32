"""Build the optional compiled parts: the kernels of the pixelmatch-compatible
method and of SSIM, and the PNG un-filter.

Everything else about the package is in pyproject.toml. The extensions are
optional: without a C compiler the install still succeeds,
``spotdiff.metrics.pixel`` and ``spotdiff.metrics.ssim`` use their numpy
implementations and PNG files are decoded by libpng.
"""

import sys

from setuptools import Extension, setup

# The float64 threshold test must round exactly as the reference does, and
# SSIM must round as its numpy implementation does: no fused multiply-adds.
if sys.platform == "win32":
    ARGS = ["/fp:precise"]
else:
    ARGS = ["-O3", "-ffp-contract=off", "-fno-math-errno"]

setup(
    ext_modules=[
        Extension(
            "spotdiff._pixelmatch",
            ["src/spotdiff/_pixelmatch.c"],
            extra_compile_args=ARGS,
            optional=True,
        ),
        Extension(
            "spotdiff._pngfilter",
            ["src/spotdiff/_pngfilter.c"],
            extra_compile_args=["-O3"] if sys.platform != "win32" else [],
            optional=True,
        ),
        Extension(
            "spotdiff._ssim",
            ["src/spotdiff/_ssim.c"],
            depends=["src/spotdiff/_ssim_rows.h"],
            extra_compile_args=ARGS,
            optional=True,
        ),
    ]
)
