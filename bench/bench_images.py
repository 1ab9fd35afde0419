"""Image memory: the thumbnail and "Resize for me" of large images, streamed (libvips) beside Pillow's whole decode.

Generates into a temp dir a 6000 × 6000 PNG (36 megapixels, under the 40 MP
limit, small on disk: the costliest file the upload check accepts) and a
6000 × 4000 JPEG photo, then for each measures, in the same run:

* ours: ``services.images.decode_check`` (the upload's one decode, which makes
  the thumbnail) and ``services.images.resized_to_max_width`` ("Resize for
  me"), both streamed through libvips;
* baseline: the same two steps as the app did them before (Pillow: decode the
  whole picture, then shrink or resize it), kept here only as the baseline.

Peak memory is the growth of the peak RSS of a fresh process over its RSS
before the call (after one small image warmed up imports and libraries), so C
buffers count.  Goal (issue 15, part 5): at most 30 MB per image, in at most
1.5x the baseline's time (medians of ``REPEAT`` runs, alternating).

    python -m bench.bench_images
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from PIL import Image, ImageOps  # noqa: E402

from bench import common  # noqa: E402

REPEAT = int(os.environ.get("MEMBER_CENTER_BENCH_IMAGES_REPEAT", "5"))
GOAL_MEMORY = 30 * common.MiB
GOAL_RATIO = 1.5


# --------------------------------------------------------------------------- the baseline: Pillow, whole images


def pillow_decode_check(path: Path, fmt: str) -> tuple[int, int, bytes]:
    """The upload's decode as it was: verify, decode the whole picture (JPEG: at a reduced DCT scale), thumbnail."""
    from rxapp.services.images import MAX_PIXELS, THUMB_BOX, displayed_size

    with Image.open(path, formats=[fmt]) as im:
        assert im.width * im.height <= MAX_PIXELS
        im.verify()
    with Image.open(path, formats=[fmt]) as im:
        displayed = displayed_size(im)
        if fmt == "JPEG":
            scale = min(THUMB_BOX[0] / im.width, THUMB_BOX[1] / im.height, 1.0)
            im.draft(im.mode, (max(1, round(im.width * scale)), max(1, round(im.height * scale))))
        im.load()
    return displayed[0], displayed[1], pillow_thumbnail(im)


def pillow_thumbnail(im: Image.Image) -> bytes:
    from rxapp.services.images import THUMB_BOX

    if im.mode in ("1", "P", "PA") and max(im.size) > 4 * max(THUMB_BOX):
        im.thumbnail((4 * THUMB_BOX[0], 4 * THUMB_BOX[1]), Image.Resampling.NEAREST)
    if im.mode in ("1", "P", "PA"):
        im = im.convert("RGBA" if im.mode != "1" else "L")
    gap = None if im.mode.startswith(("I", "F")) else 2.0
    im.thumbnail(THUMB_BOX, Image.Resampling.LANCZOS, reducing_gap=gap)
    im = ImageOps.exif_transpose(im)
    if im.mode in ("RGBA", "LA", "PA"):
        rgba = im.convert("RGBA")
        im = Image.new("RGB", rgba.size, "white")
        im.paste(rgba, mask=rgba.getchannel("A"))
    elif im.mode not in ("RGB", "L"):
        im = im.convert("RGB")
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=82, optimize=True)
    return buf.getvalue()


def pillow_resized(src: Path, fmt: str) -> bytes:
    """"Resize for me" as it was: decode the whole picture (JPEG: draft), transpose, Lanczos to 1600 px, save."""
    from rxapp.services.images import MAX_WIDTH, displayed_size

    buf = io.BytesIO()
    with Image.open(src, formats=[fmt]) as im:
        icc = im.info.get("icc_profile")
        disp_w, disp_h = displayed_size(im)
        target_h = max(1, round(disp_h * MAX_WIDTH / disp_w))
        if fmt == "JPEG":
            swapped = (disp_w, disp_h) != im.size
            im.draft(im.mode, (target_h, MAX_WIDTH) if swapped else (MAX_WIDTH, target_h))
        im = ImageOps.exif_transpose(im)
        out = im.resize((MAX_WIDTH, target_h), Image.Resampling.LANCZOS)
        opts = {"icc_profile": icc} if icc else {}
        if fmt == "JPEG":
            out.save(buf, "JPEG", quality=90, optimize=True, **opts)
        else:
            out.save(buf, "PNG", optimize=False, **opts)
    return buf.getvalue()


# --------------------------------------------------------------------------- the steps measured


def step(which: str, side: str, path: Path):
    fmt = "PNG" if path.suffix == ".png" else "JPEG"
    from rxapp.services import images

    if which == "thumbnail":
        return (lambda: images.decode_check(path, fmt)) if side == "ours" else (lambda: pillow_decode_check(path, fmt))
    content_type = images.FORMATS[fmt][0]
    return (lambda: images.resized_to_max_width(path, content_type)) if side == "ours" else (
        lambda: pillow_resized(path, fmt))


def make_files(tmp: Path) -> tuple[Path, Path, Path]:
    png, jpg, small = tmp / "wide.png", tmp / "photo.jpg", tmp / "small.png"
    Image.linear_gradient("L").resize((6000, 6000)).convert("RGB").save(png, "PNG")
    grad = Image.linear_gradient("L").resize((6000, 4000))
    Image.merge("RGB", (grad, grad.transpose(Image.Transpose.FLIP_LEFT_RIGHT), grad.rotate(180))).save(
        jpg, "JPEG", quality=90)
    Image.new("RGB", (64, 48), "red").save(small, "PNG")
    return png, jpg, small


def _child(argv: list[str]) -> int:
    """``--rss WHICH SIDE PATH SMALL``: peak-RSS growth of one step in this fresh process (warmed up first)."""
    which, side, path, small = argv[0], argv[1], Path(argv[2]), Path(argv[3])
    step(which, side, small)()  # imports, libraries, first allocations
    common.report_rss(common.rss_growth(step(which, side, path)))
    return 0


def main() -> int:
    rows, met = [], True
    with tempfile.TemporaryDirectory(prefix="bench_images_") as tmp_name:
        png, jpg, small = make_files(Path(tmp_name))
        print(f"files: 6000x6000 PNG {common.mb(png.stat().st_size)}, 6000x4000 JPEG {common.mb(jpg.stat().st_size)}; "
              f"{REPEAT} runs each, alternating with the baseline; medians; memory: peak-RSS growth in a fresh "
              "process")
        for which, label in (("thumbnail", "upload check + thumbnail"), ("resize", "Resize for me (1600 px)")):
            for path in (png, jpg):
                ours, base = step(which, "ours", path), step(which, "base", path)
                ours(), base()
                t_ours, t_base = common.time_pair(ours, base, REPEAT)
                m_ours, m_base = common.median(t_ours), common.median(t_base)
                rss = {}
                for side in ("ours", "base"):
                    rss[side], how = common.fresh_rss(["-m", "bench.bench_images", "--rss", which, side, str(path),
                                                       str(small)])
                ratio = m_ours / m_base
                ok = rss["ours"] is not None and rss["ours"] <= GOAL_MEMORY and ratio <= GOAL_RATIO
                met &= ok
                what = "6000x6000 PNG" if path == png else "6000x4000 JPEG"
                common.report("images", f"{label}, {what}: time vs Pillow", m_ours * 1000, m_base * 1000, "ms",
                              f"<= {GOAL_RATIO}x", ratio <= GOAL_RATIO)
                mem_ok = rss["ours"] is not None and rss["ours"] <= GOAL_MEMORY
                common.report("images", f"{label}, {what}: peak RSS growth vs Pillow",
                              None if rss["ours"] is None else rss["ours"] / common.MiB,
                              None if rss["base"] is None else rss["base"] / common.MiB, "MB",
                              f"<= {GOAL_MEMORY // common.MiB} MB", mem_ok)
                rows.append([f"{label}, {what}", common.mb(rss["ours"]), common.ms(m_ours), common.mb(rss["base"]),
                             common.ms(m_base), f"{ratio:.2f}x", "met" if ok else "NOT MET"])
    print(common.table(["row", "ours peak", "ours time", "Pillow peak", "Pillow time", "time ratio", "goal"], rows))
    print(f"goal: <= {common.mb(GOAL_MEMORY)} per image (peak-RSS growth, {how}) in <= {GOAL_RATIO}x Pillow's time.")
    return 0 if met else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--rss"]:
        raise SystemExit(_child(sys.argv[2:]))
    raise SystemExit(main())
