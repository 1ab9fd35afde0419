"""Small helpers shared by the bench modules: timing, percentiles, memory, tables."""

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


def rss_growth(fn: Callable[[], object]) -> int:
    """How far one call pushes the process's peak RSS above where it stands (ru_maxrss).

    Meaningful in a fresh process only: memory freed earlier but kept by the
    allocator would hide growth.  Sees C buffers (Pillow) that tracemalloc misses.
    """
    gc.collect()
    before_peak = _maxrss_bytes()
    now = _rss_bytes() or before_peak
    fn()
    after_peak = _maxrss_bytes()
    # Growth above the larger of the current RSS and the earlier peak.
    return max(0, after_peak - max(now, before_peak))


RSS_MARK = "RSS_GROWTH_BYTES"


def report_rss(growth: int) -> None:
    """The child's side of ``fresh_rss``."""
    print(f"{RSS_MARK} {growth}", flush=True)


def fresh_rss(argv: list[str], env: dict | None = None) -> int | None:
    """Run ``python argv…`` in a fresh process that calls ``report_rss``; its number."""
    out = subprocess.run([sys.executable, *argv], capture_output=True, text=True, env=env, check=False)
    for line in reversed(out.stdout.splitlines()):
        if line.startswith(RSS_MARK):
            return int(line.split()[1])
    sys.stderr.write(out.stderr[-2000:])
    return None


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def mb(n: int | None) -> str:
    return "n/a" if n is None else f"{n / MiB:.1f} MB"


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain fixed-width table."""
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths))  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])
