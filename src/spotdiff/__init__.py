"""spotdiff: find, measure and show what changed between images."""

from spotdiff.engine import compare
from spotdiff.errors import InputError, MissingExtraError
from spotdiff.io.image import Image, load_image
from spotdiff.result import Diff, Regions

__version__ = "0.1.0"

__all__ = [
    "Diff",
    "Image",
    "InputError",
    "MissingExtraError",
    "Regions",
    "__version__",
    "compare",
    "load_image",
]
