"""How the OCR engine was chosen: RapidOCR (PyPI wheel) against Debian's tesseract, on the generated corpus.

Not a ``make bench`` row (its name does not start with ``bench_``): tesseract is
not part of the project's set-up.  To run it again::

    apt-get install tesseract-ocr tesseract-ocr-fra tesseract-ocr-deu tesseract-ocr-chi-tra
    python -m bench.compare_ocr_engines rapid      # or: tesseract

Both engines read the same 48 invoices (``tests.factories.evidence_corpus``)
and their lines go through the same checks (``services.evidence_check``):
model name found, purchase date found and correct (no typed date to lean on),
store found, and a false "found" for another model of the same category.
Time is wall and CPU seconds per invoice; memory is the peak RSS of the
process that runs the engine (RapidOCR in this Python process, measured
around the reading only; tesseract as a child process).

Measured on 2026-11-29, the 2-core machine shared with other jobs (load average
12-14 throughout, so every wall time is several times what an idle machine
gives; CPU seconds are the steadier figure, and ONNX Runtime's and OpenMP's
spinning threads inflate them too):

==================  =====  =====  =====  =====  ========  ========  ========  ==========
engine              model  false  date   store  wall p50  wall p95  CPU/inv.  peak RSS
==================  =====  =====  =====  =====  ========  ========  ========  ==========
rapidocr 1.4.4      95.8%  0.0%   97.9%  100%   22.6 s    46.7 s    5.2 s     +637 MB
tesseract 5.3.0     91.7%  0.0%   97.9%  100%   19.7 s    36.7 s    3.8 s     162 MB
==================  =====  =====  =====  =====  ========  ========  ========  ==========

(48 invoices; tesseract with eng+fra+deu+chi_tra, since the language is not
known before reading; RapidOCR's peak is the growth of this process while
reading, after its models were loaded.)

Why RapidOCR: it finds more model names (tesseract joins a table row's columns
into one line, so a name wrapped in its cell comes back with the quantity and
price between its halves; RapidOCR returns each cell as its own box, which the
check re-joins by geometry), it needs nothing but ``pip`` (the models are in
the wheel; tesseract needs apt and four language packs on every machine), and
its boxes are what the reviewer's outlines are drawn from.  Its costs: about
a third more CPU per invoice and far more memory (ONNX Runtime's arenas), so
``ocr_reader`` loads it lazily, once per process, and reads one picture at a
time.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from bench import common  # noqa: E402
from rxapp.services import evidence_check as ec  # noqa: E402
from rxapp.services.ocr_reader import Reading, TextLine  # noqa: E402
from tests.factories.evidence_corpus import invoice_corpus  # noqa: E402

TESS_LANGS = "eng+fra+deu+chi_tra"


def tesseract_lines(path: Path) -> list[TextLine]:
    out = subprocess.run(["tesseract", str(path), "-", "-l", TESS_LANGS, "tsv"], capture_output=True, text=True,
                         check=True).stdout
    lines: dict[tuple[str, str, str], list[tuple[str, tuple[int, int, int, int]]]] = {}
    for row in out.splitlines()[1:]:
        c = row.split("\t")
        if len(c) == 12 and c[11].strip():
            x, y, w, h = (int(v) for v in c[6:10])
            lines.setdefault((c[2], c[3], c[4]), []).append((c[11], (x, y, x + w, y + h)))
    result = []
    for words in lines.values():
        boxes = [b for _, b in words]
        box = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
        result.append(TextLine(" ".join(w for w, _ in words), box))
    return result


def main(engine: str) -> int:
    samples = invoice_corpus(48)
    tmp = Path(tempfile.mkdtemp())
    readings, wall, cpu = [], [], []
    peak = None
    if engine == "rapid":
        from rxapp.services import ocr_reader

        ocr_reader.warm_up()

        def run_all():
            for s in samples:
                t, c = time.perf_counter(), time.process_time()
                readings.append(ocr_reader.read(s.png, barcodes=False))
                wall.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)

        peak, _how = common.rss_growth(run_all)
    else:
        for s in samples:
            path = tmp / f"{s.name}.img"
            path.write_bytes(s.png)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            lines = tesseract_lines(path)
            wall.append(time.perf_counter() - t)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            readings.append(Reading(0, 0, lines))
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    model = false = dates = stores = 0
    for s, r in zip(samples, readings):
        model += ec.check_model(r, s.model_name).ok
        false += ec.check_model(r, s.other_model).ok
        best = ec.purchase_date(ec.find_dates(r.lines, month_first=s.region == "US"))
        dates += bool(best and best.dates[0] == s.purchase_date)
        stores += ec.check_store(r, s.store).ok
    n = len(samples)
    print(json.dumps({
        "engine": engine, "invoices": n, "model_found": model / n, "false_match": false / n,
        "date_correct": dates / n, "store_found": stores / n,
        "wall_p50_s": round(common.median(wall), 2), "wall_p95_s": round(common.p95(wall), 2),
        "cpu_mean_s": round(sum(cpu) / n, 2), "peak_rss_mb": round((peak or 0) / common.MiB),
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "rapid"))
