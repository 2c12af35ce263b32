"""The libdeflate PNG decoder (spotdiff.io.png) against the image it was
made from and against libpng, on every filter type, depth and colour type
it takes, and the files it must leave to libpng."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import imagecodecs
import numpy as np
import pytest

from shared_data import shared_data_dir
from spotdiff.io import load_image, png
from spotdiff.io.image import PNG_SIGNATURE

pytestmark = pytest.mark.skipif(not png.available(), reason="the PNG un-filter is not built")


def _chunk(tag: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))


def _filtered(rows: np.ndarray, types: list[int], bpp: int) -> bytes:
    """Rows (H, stride) uint8 filtered as the PNG specification defines
    each type, written independently of the decoder (whole rows in numpy)."""
    out = []
    prev = np.zeros(rows.shape[1], np.int32)
    for row8, kind in zip(rows, types, strict=True):
        row = row8.astype(np.int32)
        a = np.concatenate([np.zeros(bpp, np.int32), row[:-bpp]])
        c = np.concatenate([np.zeros(bpp, np.int32), prev[:-bpp]])
        b = prev
        if kind == 0:
            pred = np.zeros_like(row)
        elif kind == 1:
            pred = a
        elif kind == 2:
            pred = b
        elif kind == 3:
            pred = (a + b) // 2
        else:
            pa, pb, pc = np.abs(b - c), np.abs(a - c), np.abs(a + b - 2 * c)
            pred = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))
        out.append(bytes([kind]) + ((row - pred) % 256).astype(np.uint8).tobytes())
        prev = row
    return b"".join(out)


def _png(pixels: np.ndarray, types: list[int] | None = None, *, colour: int | None = None,
         idat_parts: int = 1, interlace: int = 0, extra: bytes = b"") -> bytes:
    """A PNG file of (H, W, C) uint8/uint16 ``pixels``, each row filtered
    with ``types`` (all Paeth by default)."""
    h, w, ch = pixels.shape
    depth = 16 if pixels.dtype == np.uint16 else 8
    colour = {1: 0, 3: 2, 4: 6}[ch] if colour is None else colour
    bpp = ch * depth // 8
    raw = pixels.astype(">u2").tobytes() if depth == 16 else pixels.tobytes()
    rows = np.frombuffer(raw, np.uint8).reshape(h, w * bpp)
    stream = zlib.compress(_filtered(rows, types or [4] * h, bpp), 6)
    cut = np.linspace(0, len(stream), idat_parts + 1).astype(int)
    idats = b"".join(_chunk(b"IDAT", stream[s:e]) for s, e in zip(cut[:-1], cut[1:], strict=True))
    ihdr = struct.pack(">IIBBBBB", w, h, depth, colour, 0, 0, interlace)
    return PNG_SIGNATURE + _chunk(b"IHDR", ihdr) + extra + idats + _chunk(b"IEND", b"")


def _pixels(h: int, w: int, ch: int, dtype: type = np.uint8, seed: int = 0) -> np.ndarray:
    """Smooth ramps with noise: every filter's prediction is exercised both
    near and far from the true value, wrapping included."""
    rng = np.random.default_rng(seed)
    top = np.iinfo(dtype).max
    y, x = np.mgrid[0:h, 0:w]
    base = (x * 7 + y * 13)[:, :, None] + np.arange(ch) * 50
    noise = rng.integers(0, top // 4 + 1, (h, w, ch))
    return ((base * (top // 255) + noise) % (top + 1)).astype(dtype)


@pytest.mark.parametrize("ch", [1, 3, 4])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("kind", [0, 1, 2, 3, 4, "mixed"])
def test_every_filter_depth_and_colour_type_gives_the_image_back(ch, dtype, kind) -> None:
    image = _pixels(23, 37, ch, dtype)
    types = [i % 5 for i in range(23)] if kind == "mixed" else [kind] * 23
    data = _png(image, types)
    decoded = png.decode_png(data)
    assert decoded is not None and decoded.dtype == dtype
    np.testing.assert_array_equal(decoded, image)
    libpng = imagecodecs.png_decode(data)
    np.testing.assert_array_equal(decoded, libpng.reshape(decoded.shape))


@pytest.mark.parametrize("width", [1, 2, 5])
def test_images_narrower_than_a_filter_window(width: int) -> None:
    image = _pixels(9, width, 3)
    data = _png(image, [i % 5 for i in range(9)])
    np.testing.assert_array_equal(png.decode_png(data), image)


def test_image_data_split_over_many_chunks() -> None:
    image = _pixels(40, 50, 4)
    np.testing.assert_array_equal(png.decode_png(_png(image, idat_parts=17)), image)


def _split_unevenly(data: bytes) -> bytes:
    """``data`` with its one IDAT chunk cut into chunks of uneven sizes: empty,
    shorter than a chunk's 12 bytes of framing, and long."""
    at = data.index(b"IDAT") - 4
    length = struct.unpack(">I", data[at : at + 4])[0]
    stream = data[at + 8 : at + 8 + length]
    cuts = [0, 0, 1, 5, 17, 18, 300, len(stream) // 2, len(stream) - 3, len(stream)]
    idats = b"".join(_chunk(b"IDAT", stream[s:e]) for s, e in zip(cuts[:-1], cuts[1:],
                                                                    strict=True))
    return data[:at] + idats + data[at + 12 + length :]


def test_in_a_writable_buffer_the_chunks_are_joined_in_place_and_put_back() -> None:
    image = _pixels(40, 50, 4)
    data = _split_unevenly(_png(image))
    buffer = bytearray(data)
    np.testing.assert_array_equal(png.decode_png(buffer), image)
    assert buffer == data  # a decoder that reads the bytes next sees the file


@pytest.mark.parametrize("case", ["unknown filter type", "stream too long"])
def test_a_stream_that_fails_in_place_leaves_the_bytes_as_they_were(case: str) -> None:
    image = _pixels(12, 10, 3)
    if case == "unknown filter type":
        data = _split_unevenly(_png(image, [4] * 11 + [5]))
    else:  # 13 rows of data for an IHDR that says 12
        data = _split_unevenly(_png(_pixels(13, 10, 3)))
        at = data.index(b"IHDR")
        body = struct.pack(">II", 10, 12) + data[at + 12 : at + 17]
        data = data[:at + 4] + body + struct.pack(">I", zlib.crc32(b"IHDR" + body)) \
            + data[at + 21:]
    buffer = bytearray(data)
    assert png.decode_png(buffer) is None
    assert buffer == data


def test_decoding_in_place_takes_no_copy_of_the_image_data() -> None:
    """Peak memory of a decode from a writable buffer: the pixels and little
    more, not a second copy of the compressed stream (noise: incompressible)."""
    import tracemalloc

    image = np.random.default_rng(0).integers(0, 256, (300, 400, 3), dtype=np.uint8)
    buffer = bytearray(_png(image, idat_parts=40))
    tracemalloc.start()
    try:
        decoded = png.decode_png(buffer)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(decoded, image)
    assert len(buffer) > image.nbytes  # the stream is as large as the pixels
    assert peak < image.nbytes + len(buffer) // 4, (peak, image.nbytes, len(buffer))


def _with_bad_crc(data: bytes, tag: bytes) -> bytes:
    at = data.index(tag)
    length = struct.unpack(">I", data[at - 4 : at])[0]
    crc_at = at + 4 + length
    return data[:crc_at] + bytes([data[crc_at] ^ 1]) + data[crc_at + 1 :]


@pytest.mark.parametrize("case", [
    "interlaced", "tRNS", "gray+alpha", "palette", "bad IDAT CRC", "bad tEXt CRC",
    "unknown filter type", "stream too short", "stream too long", "IDATs apart",
    "unknown critical chunk",
])
def test_files_it_leaves_to_libpng(case: str) -> None:
    """None, so that libpng decodes the file (or names what is wrong)."""
    image = _pixels(12, 10, 3)
    data = {
        "interlaced": lambda: _png(image, interlace=1),
        "tRNS": lambda: _png(image, extra=_chunk(b"tRNS", b"\x00\x01\x00\x02\x00\x03")),
        "gray+alpha": lambda: _png(_pixels(12, 10, 2)[:, :, :2], colour=4),
        "palette": lambda: _png(_pixels(12, 10, 1), colour=3),
        "bad IDAT CRC": lambda: _with_bad_crc(_png(image), b"IDAT"),
        "bad tEXt CRC": lambda: _with_bad_crc(_png(image, extra=_chunk(b"tEXt", b"a\x00b")),
                                              b"tEXt"),
        "unknown filter type": lambda: _png(image, [4] * 11 + [5]),
        "stream too short": lambda: _png(image[:11]).replace(
            struct.pack(">II", 10, 11), struct.pack(">II", 10, 12)),
        "stream too long": lambda: _png(image).replace(
            struct.pack(">II", 10, 12), struct.pack(">II", 10, 11)),
        "IDATs apart": lambda: _png(image, idat_parts=2),
        "unknown critical chunk": lambda: _png(image, extra=_chunk(b"ABCD", b"")),
    }[case]()
    if case in ("stream too short", "stream too long"):  # the IHDR's CRC, made right again
        at = data.index(b"IHDR")
        body = data[at + 4 : at + 17]
        data = data[:at + 17] + struct.pack(">I", zlib.crc32(b"IHDR" + body)) + data[at + 21:]
    if case == "IDATs apart":
        first_end = data.index(b"IDAT", data.index(b"IDAT") + 4) - 4
        data = data[:first_end] + _chunk(b"tEXt", b"a\x00b") + data[first_end:]
    assert png.decode_png(data) is None


def test_a_file_it_leaves_decodes_as_before(tmp_path: Path) -> None:
    """A palette file goes to libpng: load_image gives its colours."""
    from PIL import Image as PILImage

    image = _pixels(30, 20, 3)
    path = tmp_path / "a.png"
    PILImage.fromarray(image).quantize(16).save(path)
    assert png.decode_png(path.read_bytes()) is None
    expected = np.asarray(PILImage.open(path).convert("RGB"))
    np.testing.assert_array_equal(load_image(str(path)).pixels, expected)


def test_a_file_written_by_opencv_decodes_here(tmp_path: Path) -> None:
    import cv2

    image = _pixels(30, 20, 3)
    path = tmp_path / "a.png"
    cv2.imwrite(str(path), image[:, :, ::-1])
    np.testing.assert_array_equal(png.decode_png(path.read_bytes()), image)


def test_an_unknown_filter_type_is_still_reported_by_the_decoder(tmp_path: Path) -> None:
    from spotdiff.errors import InputError

    path = tmp_path / "bad.png"
    path.write_bytes(_png(_pixels(12, 10, 3), [4] * 11 + [7]))
    with pytest.raises(InputError, match="corrupt data"):
        load_image(str(path))


def test_without_the_compiled_part_libpng_decodes(monkeypatch, tmp_path: Path) -> None:
    image = _pixels(16, 16, 4)
    path = tmp_path / "a.png"
    path.write_bytes(_png(image))
    monkeypatch.setattr(png, "_PARTS", False)
    assert png.decode_png(path.read_bytes()) is None
    np.testing.assert_array_equal(load_image(str(path)).pixels, image)



def test_every_shared_fixture_png_decodes_as_libpng_does() -> None:
    """Real files from other tools' suites: where this decoder takes a file,
    the pixels equal libpng's."""
    root = shared_data_dir()
    files = sorted(root.glob("*-fixtures/**/*.png"))[:400]
    if not files:
        pytest.skip(f"no fixture PNG files under {root}")
    taken = 0
    for path in files:
        data = path.read_bytes()
        decoded = png.decode_png(data)
        if decoded is None:
            continue
        taken += 1
        reference = imagecodecs.png_decode(data)
        np.testing.assert_array_equal(decoded, reference.reshape(decoded.shape), err_msg=str(path))
    assert taken > len(files) // 2


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")
def test_a_forked_process_decodes_pairs(tmp_path: Path) -> None:
    """The decoding thread is the process's own: a child forked after the
    parent decoded a pair decodes pairs too (no wait on the parent's thread)."""
    import multiprocessing

    from spotdiff.io.image import load_pair

    a, b = tmp_path / "a.png", tmp_path / "b.png"
    a.write_bytes(_png(_pixels(20, 20, 3, seed=1)))
    b.write_bytes(_png(_pixels(20, 20, 3, seed=2)))
    load_pair(str(a), str(b))  # the parent's thread exists now
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        shapes = pool.apply_async(_decoded_shapes, (str(a), str(b))).get(timeout=30)
    assert shapes == [(20, 20, 3), (20, 20, 3)]


def _decoded_shapes(a: str, b: str) -> list[tuple[int, ...]]:
    from spotdiff.io.image import load_pair

    return [im.pixels.shape for im in load_pair(a, b)]


def test_pairs_decode_the_same_one_file_after_the_other(tmp_path: Path, monkeypatch) -> None:
    """PARALLEL_DECODE off (the batch's workers): the same images, and no
    second thread is asked."""
    from spotdiff.io import image
    from spotdiff.io.image import load_pair

    a, b = tmp_path / "a.png", tmp_path / "b.png"
    a.write_bytes(_png(_pixels(20, 30, 3, seed=1)))
    b.write_bytes(_png(_pixels(20, 30, 3, seed=2)))
    together = [im.pixels for im in load_pair(str(a), str(b))]
    monkeypatch.setattr(image, "PARALLEL_DECODE", False)
    monkeypatch.setattr(image, "_decoder", lambda: pytest.fail("a thread was asked"))
    apart = [im.pixels for im in load_pair(str(a), str(b))]
    for x, y in zip(together, apart, strict=True):
        np.testing.assert_array_equal(x, y)
