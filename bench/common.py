"""Small helpers shared by the bench modules: timing, percentiles, memory, tables,
and the rows every module reports for the one combined summary (``Row``/``report``)."""

from __future__ import annotations

import gc
import math
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass

MiB = 1024 * 1024


def time_once(fn: Callable[[], object]) -> float:
    """Seconds one call takes (perf_counter)."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def time_pair(ours: Callable[[], object], base: Callable[[], object], repeat: int) -> tuple[list[float], list[float]]:
    """Run ``ours`` and ``base`` alternately ``repeat`` times each (so drift hits both)."""
    a, b = [], []
    for _ in range(repeat):
        a.append(time_once(ours))
        b.append(time_once(base))
    return a, b


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def p95(samples: list[float]) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, math.ceil(0.95 * len(s)) - 1)]


def traced_peak(fn: Callable[[], object]) -> int:
    """Peak bytes of Python allocations during one call (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _maxrss_bytes() -> int:
    raw = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return raw if sys.platform == "darwin" else raw * 1024


def _rss_bytes() -> int | None:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return None


def _vm_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def _reset_peak() -> bool:
    """Linux: set the peak RSS (VmHWM, what ru_maxrss reports) back to the current RSS."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def rss_growth(fn: Callable[[], object]) -> tuple[int, str]:
    """How far one call pushes the process's peak RSS above its RSS before the call.

    Sees C buffers (Pillow's) that tracemalloc misses.  Use it in a fresh
    process: memory freed earlier but kept by the allocator would hide growth.
    On Linux the peak is reset first (``/proc/self/clear_refs``), because a
    process started by fork+exec inherits its parent's ru_maxrss; elsewhere
    it is the plain ru_maxrss delta.  Returns (bytes, how it was measured).
    """
    gc.collect()
    rss_kb = _vm_kb("VmRSS")
    if rss_kb is not None and _reset_peak():
        fn()
        return max(0, (_vm_kb("VmHWM") - rss_kb) * 1024), "VmHWM after reset"
    before_peak = _maxrss_bytes()
    now = _rss_bytes() or before_peak
    fn()
    return max(0, _maxrss_bytes() - max(now, before_peak)), "ru_maxrss delta"


RSS_MARK = "RSS_GROWTH_BYTES"


def report_rss(measured: tuple[int, str]) -> None:
    """The child's side of ``fresh_rss``: prints what ``rss_growth`` returned."""
    growth, how = measured
    print(f"{RSS_MARK} {growth} {how}", flush=True)


def fresh_rss(argv: list[str], env: dict | None = None) -> tuple[int | None, str]:
    """Run ``python argv…`` in a fresh process that calls ``report_rss``: (bytes, how)."""
    out = subprocess.run([sys.executable, *argv], capture_output=True, text=True, env=env, check=False)
    for line in reversed(out.stdout.splitlines()):
        if line.startswith(RSS_MARK):
            _, growth, how = line.split(" ", 2)
            return int(growth), how
    sys.stderr.write(out.stderr[-2000:])
    return None, "failed"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def mb(n: int | None) -> str:
    return "n/a" if n is None else f"{n / MiB:.1f} MB"


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain fixed-width table."""
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths))  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


# --- the one combined table ------------------------------------------------
#
# Each bench module keeps its detailed printout and also calls ``report`` once
# per row; ``python -m bench`` collects the rows of every module it ran, prints
# them as one table at the end and writes them as JSON (``write_results``).


@dataclass
class Row:
    """One summary row: our value beside the baseline measured in the same run.

    ``goal`` is a short text ("<= 1.5x", "p99 <= 100 ms"); None means the row is
    for information only.  ``met`` is None for info rows.  ``ratio`` is
    ours / baseline when both are numbers and the baseline is not zero.
    """

    bench: str
    case: str
    ours: float | None
    baseline: float | None
    unit: str
    ratio: float | None
    goal: str | None
    met: bool | None
    note: str = ""

    def as_dict(self) -> dict:
        """Plain JSON values (an infinite or NaN number becomes None)."""
        return {k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in asdict(self).items()}


ROWS: list[Row] = []


def report(bench: str, case: str, ours: float | None, baseline: float | None = None, unit: str = "",
           goal: str | None = None, met: bool | None = None, ratio: float | None = None, note: str = "") -> Row:
    """Record one row for the combined summary (and return it)."""
    if ratio is None and ours is not None and baseline:
        ratio = ours / baseline
    row = Row(bench, case, ours, baseline, unit, ratio, goal, None if goal is None else bool(met), note)
    ROWS.append(row)
    return row


def take_rows() -> list[Row]:
    """The rows reported since the last call (and forget them)."""
    rows = ROWS[:]
    ROWS.clear()
    return rows


def _num(value: float | None, unit: str) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    text = f"{value:.0f}" if abs(value) >= 1000 else f"{value:.3g}"
    return f"{text} {unit}".rstrip()


def verdict(row: Row) -> str:
    if row.goal is None:
        return "(info)"
    return "met" if row.met else "NOT MET"


def summary_table(rows: list[Row]) -> str:
    """The combined table: bench, case, ours, baseline, ratio, goal, result."""
    body = [
        [r.bench, r.case + (f" [{r.note}]" if r.note else ""), _num(r.ours, r.unit), _num(r.baseline, r.unit),
         "-" if r.ratio is None or not math.isfinite(r.ratio) else f"{r.ratio:.2f}x", r.goal or "-", verdict(r)]
        for r in rows
    ]
    return table(["bench", "case", "ours", "baseline", "ratio", "goal", "result"], body)


def write_results(rows: list[Row], directory, meta: dict | None = None, stamp: str | None = None) -> tuple:
    """Write ``<stamp>.json`` and ``latest.json`` (same content) under ``directory``; return both paths."""
    import json
    from datetime import datetime, timezone
    from pathlib import Path

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.now(timezone.utc)
    stamp = stamp or now.strftime("%Y%m%dT%H%M%SZ")
    goals = [r for r in rows if r.goal is not None]
    doc = {
        "finished_at": now.isoformat(timespec="seconds"),
        **(meta or {}),
        "goals": len(goals),
        "goals_met": sum(1 for r in goals if r.met),
        "rows": [r.as_dict() for r in rows],
    }
    text = json.dumps(doc, indent=2) + "\n"
    stamped, latest = directory / f"{stamp}.json", directory / "latest.json"
    stamped.write_text(text)
    latest.write_text(text)
    return stamped, latest


APP_ENV = ("RXAPP_DATA_DIR", "DATABASE_URL", "REDIS_URL")


def saved_app_env() -> dict[str, str | None]:
    """The app's environment before a bench points it at a database of its own (``restore_app_env``)."""
    return {k: os.environ.get(k) for k in APP_ENV}


def restore_app_env(saved: dict[str, str | None]) -> None:
    """Put back what ``saved_app_env`` kept, and the app's settings with it."""
    from rxapp import settings

    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    settings.reset()

