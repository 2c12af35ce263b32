"""What native decoders print, kept out of the terminal and read for damage.

libpng, libjpeg, libtiff and libwebp (inside OpenCV and imagecodecs) print
warnings and errors on file descriptor 2, beside Python's control: a user
would see their lines and then spotdiff's own. :class:`NativeMessages`
points descriptor 2 at a temporary file while a decode runs; what was
printed is read back, folded into the one-line error when the decoder
reports damage, and dropped otherwise.

The redirect is process-wide, so captures take turns (a lock). The two
decodes of a pair run in parallel inside one shared *window*
(``NativeMessages(window=True)``): captures opened inside it record
nothing of their own, and when the window heard anything at all, the caller
decodes the two files again one at a time to learn whose file it was.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import threading
from typing import Any

#: Words that say the data is damaged (a decode that "succeeded" despite
#: them returned a partly invented image).
DAMAGE_WORDS = ("corrupt", "premature end", "error", "bad ", "invalid", "crc", "too much",
                "extraneous", "truncat", "bogus", "incorrect", "exceeds", "too small",
                "not enough", "missing", "unexpected")

#: How much of what was printed is read back: enough for any message.
_READ_BYTES = 1 << 16

# OpenCV's log prefix ("[ERROR:0@0.012] global loadsave.cpp:1377 imdecode_ ") and
# its exception text's location ("OpenCV(5.1.0) /path/file.cpp:131: error: (-2:...)")
_OPENCV_PREFIX = re.compile(r"^\[\s*\w+:[^\]]*\]\s*(global\s+\S+\s+)?(\w+\s+)?")
_OPENCV_WHERE = re.compile(r"OpenCV\([^)]*\)\s+\S+:\d+:\s*error:\s*\(-?\d+:[^)]*\)\s*")


def readable(line: str) -> str:
    """A decoder's line without OpenCV's log prefix and source locations."""
    line = _OPENCV_PREFIX.sub("", line.strip())
    line = _OPENCV_WHERE.sub("", line).strip(" :>")
    return line or "decoder error"


class NativeMessages:
    """Capture descriptor 2 while the ``with`` block runs (see the module's notes)."""

    _lock = threading.Lock()
    _window_open = False
    #: The descriptor that holds stderr while a capture runs (-1: none).
    _saved_stderr = -1

    def __init__(self, *, window: bool = False) -> None:
        self.window = window
        self.lines: list[str] = []
        self.nested = False
        self._saved = -1
        self._file: Any = None

    def __enter__(self) -> NativeMessages:
        if NativeMessages._window_open and not self.window:
            self.nested = True  # the window around us hears it
            return self
        self._lock.acquire()
        try:
            if self.window:
                NativeMessages._window_open = True
            sys.stderr.flush()
            self._file = tempfile.TemporaryFile()
            self._saved = os.dup(2)
            NativeMessages._saved_stderr = self._saved
            os.dup2(self._file.fileno(), 2)
        except (OSError, ValueError, AttributeError):  # no descriptor 2: leave it be
            self._restore()
        except BaseException:  # interrupted: never leave the lock held
            self._restore()
            self._release()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self.nested:
            return
        try:
            if self._saved >= 0:
                self._restore()
                self._file.seek(0)
                text = self._file.read(_READ_BYTES).decode("utf-8", "replace")
                self.lines = [line.strip() for line in text.splitlines() if line.strip()]
        finally:
            self._restore()  # when a signal came first
            self._release()

    def _restore(self) -> None:
        """Point descriptor 2 back where it was (also after an exception, a
        signal's included, came between)."""
        if self._saved >= 0:
            saved, self._saved = self._saved, -1
            try:
                os.dup2(saved, 2)
            finally:
                NativeMessages._saved_stderr = -1
                os.close(saved)

    @classmethod
    def give_back_stderr(cls) -> None:
        """Point descriptor 2 back at the process's own stderr if a capture
        holds it: for a process that stops on a signal, which may have come
        anywhere in a capture, and must still say so."""
        if cls._saved_stderr >= 0:
            try:
                os.dup2(cls._saved_stderr, 2)
            except OSError:
                pass

    def _release(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if self.window:
            NativeMessages._window_open = False
        self._lock.release()

    def damage(self) -> str | None:
        """The last line that says the data is damaged (made readable), or None."""
        for line in reversed(self.lines):
            if any(word in line.lower() for word in DAMAGE_WORDS):
                return readable(line)
        return None
