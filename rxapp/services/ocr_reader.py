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
# The recogniser's narrowest input (height 48): see _ocr.
REC_MIN_WIDTH = 160

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
                # The recogniser pads every line of a batch to at least this width (the model's default 320,
                # a 6.7:1 line); an invoice is mostly short cells ("Qty", "1", "€549.00"), so 160 halves the
                # padding it computes over.  Long lines are unchanged (a batch is as wide as its widest).
                # Measured 2026-11-29 on 8 corpus invoices: the same 207 lines read, CPU 2.35 -> 1.95 s each.
                rec_img_shape=[3, 48, REC_MIN_WIDTH],
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


def _barcode_box(position, scale: tuple[float, float] = (1.0, 1.0), undo=None) -> Box:
    pts = [position.top_left, position.top_right, position.bottom_right, position.bottom_left]
    pts = [undo(p.x, p.y) if undo else (p.x / scale[0], p.y / scale[1]) for p in pts]
    xs = [x for x, _ in pts]
    ys = [y for _, y in pts]
    return (max(0, int(min(xs))), max(0, int(min(ys))), int(round(max(xs))), int(round(max(ys))))


# The symbologies S/N stickers carry.  Naming them (instead of every format zxing-cpp knows) spares the
# readers of retail and postal codes on every row and column scanned, and cannot "find" an EAN in a
# sticker's printed digits.
STICKER_FORMATS = ("Code128", "Code39", "QRCode", "DataMatrix")
# Blur widths (Gaussian sigma, in the picture's pixels) the 1-D deblurring tries, mildest first: a ladder
# of steps of about a fifth, from a slightly soft photo to one where a 2-pixel bar is a grey smear.
_DEBLUR_SIGMAS = (1.0, 1.25, 1.5, 1.75, 2.0, 2.5)
# The last pass (a code's rows averaged whole: little noise left) tries a finer ladder where 2-pixel bars
# blur away: on the corpus the widths that read such a code span an eighth of a pixel (1.625-1.75).
_FINE_SIGMAS = (1.0, 1.25, 1.5, 1.625, 1.75, 1.875, 2.0, 2.25, 2.5)


def _formats():
    import zxingcpp

    return tuple(getattr(zxingcpp.BarcodeFormat, name) for name in STICKER_FORMATS)


def _decode(im: Image.Image, *, scale: tuple[float, float] = (1.0, 1.0), undo=None) -> list[Barcode]:
    """zxing-cpp on ``im``; boxes mapped back to the picture by ``scale`` (x, y) or by ``undo(x, y)``."""
    import zxingcpp  # lazy: the barcode engine loads only when a sticker is read (a native library)

    found = []
    for result in zxingcpp.read_barcodes(im, formats=_formats(), try_rotate=True, try_downscale=True,
                                         try_invert=False):
        if result.valid and result.text:
            box = _barcode_box(result.position, scale, undo)
            found.append(Barcode(result.format.name, _nfkc(result.text), box))
    return found


def _bar_angle(grey: Image.Image) -> float:
    """The dominant direction of the picture's edges, in degrees [0, 180) (0: dark/light changes along x).

    A barcode is the strongest, most regular set of parallel edges on a sticker, and the label's border
    and printed text are tilted with it; the peak of the gradient directions (weighted by their strength,
    strongest tenth only, after a little smoothing so sensor noise adds no direction) is the bars' normal.
    """
    import numpy as np  # lazy, with the engines that need it (see _ocr)

    a = np.asarray(grey.filter(ImageFilter.GaussianBlur(1.5)), dtype=np.float32)
    gx = a[1:-1, 2:] - a[1:-1, :-2]
    gy = a[2:, 1:-1] - a[:-2, 1:-1]
    mag = np.hypot(gx, gy)
    keep = mag > np.percentile(mag, 90)
    angles = np.degrees(np.arctan2(gy[keep], gx[keep])) % 180
    hist, _ = np.histogram(angles, bins=360, range=(0, 180), weights=mag[keep])
    window = 6  # ±3°, wrapping around 0/180
    hist = np.convolve(np.r_[hist[-window:], hist, hist[:window]], np.ones(2 * window + 1), "valid")
    return (float(np.argmax(hist)) + 0.5) / 2


def _noise_to_signal(a) -> float:
    """Wiener's K for an upright linear code whose rows were averaged: (noise / signal)².

    Bars are the same from one row to the next, so the median difference between neighbouring rows
    measures the noise alone (robust to the few rows where text or the code's ends change); the
    picture's spread measures the signal.  Floored at 0.003: 8-bit steps and JPEG's losses are noise
    that row differences do not see.
    """
    import numpy as np  # lazy, with the engines that need it (see _ocr)

    noise = float(np.median(np.abs(np.diff(a, axis=0)))) / 0.6745 / 2**0.5
    return min(0.2, max(0.003, (noise / max(float(a.std()), 1.0)) ** 2))


def _deblur_rows(a, sigma: float, k: float) -> Image.Image:
    """Wiener deconvolution of every row of ``a`` by a Gaussian blur of ``sigma`` px, stretched to 0-255."""
    import numpy as np  # lazy, with the engines that need it (see _ocr)

    pad = a.shape[1] // 4
    a = np.pad(a, ((0, 0), (pad, pad)), mode="edge")
    freq = np.fft.rfftfreq(a.shape[1])
    h = np.exp(-2 * (np.pi * sigma * freq) ** 2)
    out = np.fft.irfft(np.fft.rfft(a, axis=1) * (h / (h * h + k)), n=a.shape[1], axis=1)[:, pad:-pad]
    lo, hi = np.percentile(out, 1), np.percentile(out, 99)
    return Image.fromarray(np.clip((out - lo) * (255.0 / max(hi - lo, 1e-3)), 0, 255).astype(np.uint8))


def _bar_rows(a) -> tuple[int, int]:
    """The rows (first, last) of an upright linear code in ``a``: where the picture changes most along x.

    Each column is first averaged over 15 rows (along the bars: the bars stay, sensor noise fades), so a
    grainy label's text and noise do not outweigh the bars; the band is the run of rows around the
    strongest one whose change stays above half-way between the picture's typical row and that peak.
    """
    import numpy as np  # lazy, with the engines that need it (see _ocr)

    v = np.cumsum(np.pad(a, ((8, 7), (0, 0)), mode="edge"), axis=0)
    change = np.abs(np.diff((v[15:] - v[:-15]) / 15, axis=1)).mean(axis=1)
    top = int(np.argmax(change))
    floor = float(np.median(change))
    threshold = floor + 0.5 * (float(change[top]) - floor)
    first = last = top
    while first > 0 and change[first - 1] > threshold:
        first -= 1
    while last < len(change) - 1 and change[last + 1] > threshold:
        last += 1
    return first, last


def _bar_band_passes(turned: Image.Image):
    """Pictures (and their ``scale`` back to ``turned``) built from the code's own rows, each averaged whole.

    Averaging a fixed 4 or 16 rows leaves a dark grainy photo's 2-pixel bars under the noise; the code's
    rows, found by ``_bar_rows``, are averaged all together (then in two halves, in case the code still
    leans a little), the mean row stretched as it is, then deblurred at the ladder of blur widths with
    Wiener's K from the noise left after that averaging; each tried at two, three and four times the width.
    """
    import numpy as np  # lazy, with the engines that need it (see _ocr)

    a = np.asarray(turned, dtype=np.float32)
    first, last = _bar_rows(a)
    band = a[first:last + 1]
    if band.shape[0] < 8:
        return
    noise = float(np.median(np.abs(np.diff(band, axis=0)))) / 0.6745 / 2**0.5
    for parts in (1, 2):
        height = band.shape[0] // parts
        rows = band[:height * parts].reshape(parts, height, -1).mean(axis=1)
        k = min(0.2, max(0.001, (noise / height**0.5) ** 2 / max(float(rows.var()), 1.0)))
        rows = np.repeat(rows, 8, axis=0)  # 8 pixel rows a part: the readers want some height
        y_scale = 8 * parts / (last + 1 - first)
        lo, hi = np.percentile(rows, 1), np.percentile(rows, 99)
        plain = Image.fromarray(np.clip((rows - lo) * (255.0 / max(hi - lo, 1e-3)), 0, 255).astype(np.uint8))
        for sharp in [plain] + [_deblur_rows(rows, sigma, k) for sigma in _FINE_SIGMAS]:
            for wider in (2, 3, 4):
                yield sharp.resize((sharp.width * wider, sharp.height), Image.Resampling.BICUBIC), \
                    (wider, y_scale), first


def _median(grey: Image.Image) -> int:
    half, seen = grey.width * grey.height / 2, 0
    for value, count in enumerate(grey.histogram()):
        seen += count
        if seen >= half:
            return value
    return 128


def _straightened(stretched: Image.Image):
    """``stretched`` turned so a barcode's bars stand upright, and a map from its pixels to the picture's."""
    import math

    normal = _bar_angle(stretched)
    tilt = ((normal + 45) % 90) - 45  # the bars' lean from the nearest axis
    upright = abs(((normal + 90) % 180) - 90) >= 45  # the bars lie (a sticker photographed sideways)
    fill = _median(stretched)  # the corners the turn uncovers: no new edge for the readers
    turned = stretched.rotate(tilt, Image.Resampling.BICUBIC, expand=True, fillcolor=fill)
    if upright:
        turned = turned.transpose(Image.Transpose.ROTATE_90)
    w, h, tw, th = stretched.width, stretched.height, turned.width, turned.height
    rad = math.radians(tilt)

    def undo(x: float, y: float) -> tuple[float, float]:
        if upright:  # ROTATE_90 maps (x, y) to (y, w' - 1 - x); invert it
            x, y = turned.height - 1 - y, x
            cw, ch = th, tw
        else:
            cw, ch = tw, th
        # Pillow's rotate(tilt) turns counter-clockwise about the centre of the expanded canvas
        dx, dy = x - cw / 2, y - ch / 2
        cos, sin = math.cos(rad), math.sin(rad)
        return (w / 2 + dx * cos - dy * sin, h / 2 + dx * sin + dy * cos)

    return turned, undo


def read_barcodes(im: Image.Image) -> list[Barcode]:
    """Every barcode zxing-cpp finds; when the plain picture gives none, cheap repairs in order of cost.

    1. the grey picture as it is (most stickers: done in a few ms);
    2. contrast stretched (a dark photo: the binariser's local thresholds need a range to split);
    3. the same inverted (light bars on a dark label);
    4. unsharp-masked (a soft QR code whose modules run together);
    4b. smoothed (a Gaussian of 1 px: a dark grainy QR code whose noise breaks its modules apart);
    5. twice the size, if the picture is small (modules of a pixel or two are below what the readers
       locate reliably);
    6. straightened: turned so the bars stand upright.  zxing-cpp scans a linear code along rows and
       columns only; a Code 128 leaning a few degrees has no row crossing all its bars when it is long
       and short (a 5:1 code at 11° already has none);
    7. for a linear code, the upright picture's rows averaged in fours, then sixteens (bars are the same
       all along their height, so this halves, then quarters, the sensor noise without touching the
       pattern), then deblurred
       across the bars by Wiener deconvolution (regularised by the noise it measures) at a ladder of
       blur widths: a defocused photo smears one-module bars into grey, which unsharp masking cannot
       restore and deconvolution can;
    8. for a linear code, its own rows (found where the picture changes most along x) averaged all
       together, then deblurred at a finer ladder (``_bar_band_passes``): a dark, grainy, soft photo of
       2-pixel bars, where 16 rows still leave the bars under the noise.
    """
    grey = im.convert("L")
    found = _decode(grey)
    if found:
        return found
    stretched = ImageOps.autocontrast(grey, cutoff=1)
    unsharp = ImageFilter.UnsharpMask(radius=2, percent=160, threshold=2)
    for attempt in (lambda: _decode(stretched),
                    lambda: _decode(ImageOps.invert(stretched)),
                    lambda: _decode(stretched.filter(unsharp)),
                    lambda: _decode(stretched.filter(ImageFilter.GaussianBlur(1.0)))):
        found = attempt()
        if found:
            return found
    if max(grey.size) <= 1000:
        found = _decode(stretched.resize((grey.width * 2, grey.height * 2), Image.Resampling.BICUBIC),
                        scale=(2.0, 2.0))
        if found:
            return found
    turned, undo = _straightened(stretched)
    found = _decode(turned, undo=undo)
    if found:
        return found
    import numpy as np  # lazy, with the engines that need it (see _ocr)

    for band in (4, 16):  # rows averaged: 4 first; 16 for a grainy photo (noise halved again)
        averaged = turned.resize((turned.width, max(8, turned.height // band)), Image.Resampling.BOX)
        rows = np.asarray(averaged, dtype=np.float32)
        k = _noise_to_signal(rows)
        for sigma in _DEBLUR_SIGMAS:
            sharp = _deblur_rows(rows, sigma, k)
            sharp = sharp.resize((sharp.width * 2, sharp.height), Image.Resampling.BICUBIC)
            ratio = turned.height / averaged.height
            found = _decode(sharp, undo=lambda x, y, r=ratio: undo(x / 2, y * r))
            if found:
                return found
    for picture, (wider, y_scale), first in _bar_band_passes(turned):
        found = _decode(picture, undo=lambda x, y, w=wider, s=y_scale, f=first: undo(x / w, f + y / s))
        if found:
            return found
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
