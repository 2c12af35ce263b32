"""spotdiff: find, measure and show what changed between images.

The public names below are imported on first use (PEP 562), so that
``import spotdiff`` and the command line start without loading OpenCV or
the comparison engine until they are needed. ``from spotdiff import
compare`` and ``spotdiff.compare`` work as usual.
"""

from __future__ import annotations

from spotdiff._lazy import lazy_names

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (CLI start-up)

__version__ = "0.1.0"

__all__ = [
    "CompareOptions",
    "Diff",
    "Image",
    "InputError",
    "MissingExtraError",
    "Regions",
    "__version__",
    "compare",
    "load_image",
]

#: Public name -> the module that defines it.
_LAZY = {
    "compare": "spotdiff.engine",
    "CompareOptions": "spotdiff.options",
    "InputError": "spotdiff.errors",
    "MissingExtraError": "spotdiff.errors",
    "Image": "spotdiff.io.image",
    "load_image": "spotdiff.io.image",
    "Diff": "spotdiff.result",
    "Regions": "spotdiff.result",
}

if TYPE_CHECKING:  # static checkers and IDEs see ordinary imports
    from spotdiff.engine import compare
    from spotdiff.errors import InputError, MissingExtraError
    from spotdiff.io.image import Image, load_image
    from spotdiff.options import CompareOptions
    from spotdiff.result import Diff, Regions


__getattr__, __dir__ = lazy_names(
    __name__, _LAZY, set(__all__) | {"background", "cli", "io", "metrics", "outputs", "render"})
