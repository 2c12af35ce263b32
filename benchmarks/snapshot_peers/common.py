import os
from pathlib import Path


def pick(kind):
    """base.png in the baseline run, else the case's image."""
    images = Path(os.environ["IMAGES"])
    return images / ("base.png" if os.environ.get("PHASE") == "base" else f"{kind}.png")
