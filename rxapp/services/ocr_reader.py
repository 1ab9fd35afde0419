"""Reading a picture: its lines of text (OCR) and its barcodes, offline.

The text is read by RapidOCR (``rapidocr-onnxruntime``: PP-OCRv4 detection and
recognition models shipped inside the wheel, run by ONNX Runtime on the CPU);
barcodes (Code 128, QR, DataMatrix …) by ``zxing-cpp``.  Both are plain PyPI
wheels, so ``make setup`` installs them on a fresh machine with nothing else.
Why this engine and not Debian's tesseract: see ``bench/bench_evidence.py``'s
docstring (measured on the generated corpus).

This module only reads: what the words mean is ``evidence_check``.  Reading is
CPU-heavy (seconds): call it off the event loop (a thread), never while
holding a database transaction.  The engine is loaded once per process
(~1 s) and used under a lock, one picture at a time on one thread, so a
reading never takes more than one of the machine's cores.
"""

from __future__ import annotations

import io
import threading
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from importlib import metadata

from PIL import Image, ImageFilter, ImageOps

# Pictures are read at most this wide/high: the upload limit is 1600 px wide, a
# tall phone photo is scaled down; text stays well above the recogniser's needs.
MAX_SIDE = 1600
# The detector's working size (longer side).  960 keeps invoice text at 20 px+
# while halving the time of the model's default on a 1600 px photo.
DET_SIDE = 960

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in the stored picture's pixels


@dataclass(frozen=True)
class TextLine:
    text: str
    box: Box
    score: float = 1.0


@dataclass(frozen=True)
class Barcode:
    format: str
    text: str
    box: Box


@dataclass(frozen=True)
class Reading:
    """What one picture says: its text lines (top to bottom) and its barcodes."""

    width: int
    height: int
    lines: list[TextLine] = field(default_factory=list)
    barcodes: list[Barcode] = field(default_factory=list)
    engine: str = ""
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Reading:
        return cls(
            width=int(data.get("width") or 0),
            height=int(data.get("height") or 0),
            lines=[TextLine(str(x["text"]), tuple(int(v) for v in x["box"]), float(x.get("score", 1.0)))
                   for x in data.get("lines") or []],
            barcodes=[Barcode(str(x["format"]), str(x["text"]), tuple(int(v) for v in x["box"]))
                      for x in data.get("barcodes") or []],
            engine=str(data.get("engine") or ""),
            seconds=float(data.get("seconds") or 0.0),
        )


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:  # pragma: no cover - set-up installs both
        return "?"


def engine_name() -> str:
    return f"rapidocr-onnxruntime {_version('rapidocr-onnxruntime')}; zxing-cpp {_version('zxing-cpp')}"


# --------------------------------------------------------------------------- the OCR engine

_engine = None
_engine_lock = threading.Lock()
_run_lock = threading.Lock()


def _ocr():
    global _engine
    with _engine_lock:
        if _engine is None:
            # Lazy: the engine and its models cost about a second and 600 MB; a process that never reads a
            # picture (the CLI, most tests) never loads them.  No cycle: a third-party package.
            from rapidocr_onnxruntime import RapidOCR

            _engine = RapidOCR(
                use_cls=False,  # the detector's boxes of upright text need no 180° classifier
                det_limit_side_len=DET_SIDE,
                det_limit_type="max",
                # One thread: ONNX Runtime's pool spins while it waits, and on 2 shared cores that costs
                # more than it gains (measured 2026-11-29, 4 invoices, load ~5: 1 thread 4.4 s wall and
                # 2.9 s CPU per invoice, the default pool 5.5-7.3 s wall and 4.7-5.1 s CPU); it also
                # leaves a core to the app's event loop.
                intra_op_num_threads=1,
                inter_op_num_threads=1,
                print_verbose=False,
            )
        return _engine


def warm_up() -> None:
    """Load the models now (about a second) instead of at the first upload."""
    _ocr()


def _bounds(quad) -> Box:
    xs = [float(p[0]) for p in quad]
    ys = [float(p[1]) for p in quad]
    return (int(min(xs)), int(min(ys)), int(round(max(xs))), int(round(max(ys))))


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def read_text(im: Image.Image) -> list[TextLine]:
    """The picture's text lines, top to bottom then left to right (boxes in ``im``'s pixels)."""
    import numpy as np  # lazy, with the engine that needs it (see _ocr)

    arr = np.asarray(im.convert("RGB"))[:, :, ::-1]  # RapidOCR works in OpenCV's BGR
    with _run_lock:
        result, _elapsed = _ocr()(arr)
    lines = [TextLine(_nfkc(text), _bounds(quad), round(float(score), 3)) for quad, text, score in result or []]
    lines = [line for line in lines if line.text]
    lines.sort(key=lambda line: (line.box[1] + line.box[3]) / 2)
    return _reading_order(lines)


def _reading_order(lines: list[TextLine]) -> list[TextLine]:
    """Group lines whose vertical centres are close into rows, each row left to right."""
    rows: list[list[TextLine]] = []
    for line in lines:
        centre = (line.box[1] + line.box[3]) / 2
        height = max(1, line.box[3] - line.box[1])
        if rows:
            last = rows[-1][0]
            last_centre = (last.box[1] + last.box[3]) / 2
            if abs(centre - last_centre) < 0.5 * min(height, max(1, last.box[3] - last.box[1])):
                rows[-1].append(line)
                continue
        rows.append([line])
    return [line for row in rows for line in sorted(row, key=lambda ln: ln.box[0])]


# --------------------------------------------------------------------------- barcodes


def _barcode_box(position, scale: float, dx: int = 0, dy: int = 0) -> Box:
    pts = [position.top_left, position.top_right, position.bottom_right, position.bottom_left]
    xs = [p.x / scale + dx for p in pts]
    ys = [p.y / scale + dy for p in pts]
    return (int(min(xs)), int(min(ys)), int(round(max(xs))), int(round(max(ys))))


def _decode(im: Image.Image, scale: float = 1.0) -> list[Barcode]:
    import zxingcpp  # lazy: the barcode engine loads only when a sticker is read (a native library)

    found = []
    for result in zxingcpp.read_barcodes(im, try_rotate=True, try_downscale=True, try_invert=False):
        if result.valid and result.text:
            found.append(Barcode(result.format.name, _nfkc(result.text), _barcode_box(result.position, scale)))
    return found


def read_barcodes(im: Image.Image) -> list[Barcode]:
    """Every barcode zxing-cpp finds; a dark or soft photo is retried with its contrast stretched."""
    grey = im.convert("L")
    found = _decode(grey)
    if found:
        return found
    stretched = ImageOps.autocontrast(grey, cutoff=1)
    found = _decode(stretched)
    if found:
        return found
    sharp = stretched.filter(ImageFilter.UnsharpMask(radius=2, percent=160, threshold=2))
    found = _decode(sharp)
    if found:
        return found
    # small codes in a big photo: look again at twice the size
    if max(grey.size) <= 1000:
        big = stretched.resize((grey.width * 2, grey.height * 2), Image.Resampling.BICUBIC)
        return _decode(big, scale=2.0)
    return []


# --------------------------------------------------------------------------- one picture


def open_image(data: bytes) -> Image.Image:
    """The picture upright (EXIF orientation applied) and at most ``MAX_SIDE`` on its longer side."""
    im = Image.open(io.BytesIO(data))
    im = ImageOps.exif_transpose(im)
    im = im.convert("RGB")
    if max(im.size) > MAX_SIDE:
        im.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    return im


def read(data: bytes, *, barcodes: bool = True, text: bool = True) -> Reading:
    """Read one picture's bytes: text lines and barcodes.  Raises ``PIL.UnidentifiedImageError`` on a non-image."""
    start = time.perf_counter()
    im = open_image(data)
    codes = read_barcodes(im) if barcodes else []
    lines = read_text(im) if text else []
    return Reading(
        width=im.width,
        height=im.height,
        lines=lines,
        barcodes=codes,
        engine=engine_name(),
        seconds=round(time.perf_counter() - start, 3),
    )
