"""Reading and writing images: decoding, alpha, bit depth, EXIF orientation."""

from spotdiff.io.image import Image, load_image, sniff_format
from spotdiff.io.write import write_image, write_json, written_atomically

__all__ = ["Image", "load_image", "sniff_format", "write_image", "write_json", "written_atomically"]
