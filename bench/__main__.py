"""Run every ``bench/bench_*.py`` module's ``main()`` in name order.

    python -m bench                 # all
    python -m bench upload queue    # only modules whose name contains one of the words

Exit status: 0 when every module's goals held, 1 otherwise (a module that
crashes counts as failed; the others still run).

At the end it prints one combined table (every row each module reported
through ``bench.common.report``: ours, baseline, ratio, goal, met / NOT MET)
and writes it as JSON to ``bench/results/<timestamp>.json`` and
``bench/results/latest.json`` (git-ignored).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import time
import traceback
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))
RESULTS_DIR = PROJECT_ROOT / "bench" / "results"
BUDGET_MINUTES = 15.0  # the whole default run (issue 15, part 7)

# The default run's sizes, chosen so that every module together fits the budget
# on this 2-core machine.  The loads the issues name stay as they are (100 tabs
# at once, the 200-customer log-in storm, 200 live viewers, 1,000,000 claims,
# Lighthouse on every page); what shrinks is repetitions and sample counts.
# MEMBER_CENTER_BENCH_FULL=1 runs each module at its own full-size defaults;
# a variable set in the environment always wins over this table.
QUICK = {
    "MEMBER_CENTER_BENCH_EVENTS_SOLO": "20",  # one-tab calls per event (full: 40)
    "MEMBER_CENTER_BENCH_FLOW_CLIENTS": "20",  # customers doing the whole flow at once (full: 50)
    "MEMBER_CENTER_BENCH_INVOICES": "24",  # invoices read by OCR, 6 per language (full: 48)
    "MEMBER_CENTER_BENCH_STICKERS": "18",  # S/N stickers (full: 36)
    "MEMBER_CENTER_BENCH_IMAGES_REPEAT": "3",  # full: 5
    "MEMBER_CENTER_BENCH_LIVE_ONE_BY_ONE": "20",  # decisions timed one by one among 200 viewers (full: 40)
    "MEMBER_CENTER_BENCH_LIVE_SOLO": "10",  # decisions to the single viewer (full: 20)
    "MEMBER_CENTER_BENCH_PAGES_REPEAT": "2",  # browser loads per page (full: 3)
    "MEMBER_CENTER_BENCH_UPLOAD_REPEAT": "5",  # full: 7
    "MEMBER_CENTER_BENCH_RISK_CLAIMS": "300",  # the corpus of issue 18: at least 300 labelled claims (full: 320)
}


def apply_profile(environ: dict | None = None) -> dict[str, str]:
    """Fill in the default run's sizes (unless MEMBER_CENTER_BENCH_FULL=1); return the size settings in force."""
    environ = os.environ if environ is None else environ
    if environ.get("MEMBER_CENTER_BENCH_FULL", "") not in ("", "0"):
        return {k: v for k, v in environ.items() if k.startswith("MEMBER_CENTER_BENCH_")}
    for key, value in QUICK.items():
        environ.setdefault(key, value)
    return {k: v for k, v in environ.items() if k.startswith("MEMBER_CENTER_BENCH_")}


def discover(words: list[str]) -> list[str]:
    import bench

    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    if words:
        names = [n for n in names if any(w in n for w in words)]
    return names


def main(argv: list[str]) -> int:
    names = discover(argv)
    if not names:
        print(f"no bench module matches {argv}", file=sys.stderr)
        return 2
    from bench import common

    settings = apply_profile()
    full = os.environ.get("MEMBER_CENTER_BENCH_FULL", "") not in ("", "0")
    print(("full-size run" if full else "default run (MEMBER_CENTER_BENCH_FULL=1 for the full sizes)") + ": "
          + (", ".join(f"{k.removeprefix('MEMBER_CENTER_BENCH_')}={v}" for k, v in sorted(settings.items()))
             or "module defaults"), flush=True)
    results: dict[str, str] = {}
    seconds: dict[str, float] = {}
    rows: list[common.Row] = []
    run_start = time.perf_counter()
    common.take_rows()
    for name in names:
        print(f"\n{'=' * 78}\n== {name}\n{'=' * 78}", flush=True)
        start = time.perf_counter()
        try:
            module = importlib.import_module(f"bench.{name}")
            code = module.main()
            results[name] = "ok" if not code else "goal missed"
        except Exception:  # noqa: BLE001 - report and go on with the next module
            traceback.print_exc()
            results[name] = "crashed"
        seconds[name] = time.perf_counter() - start
        got = common.take_rows()
        if results[name] == "crashed":
            got.append(common.Row(name.removeprefix("bench_"), "module crashed (see its output)", None, None, "",
                                  None, "runs", False))
        rows.extend(got)
        print(f"-- {name}: {results[name]} ({seconds[name]:.1f} s)", flush=True)
    total = time.perf_counter() - run_start
    whole = not argv and not full  # the budget is on the default run of every module
    rows.append(common.Row("bench", "whole run" if whole else f"this run ({', '.join(names)})", total / 60, None,
                           "min", None, f"< {BUDGET_MINUTES:.0f} min" if whole else None,
                           total / 60 < BUDGET_MINUTES if whole else None))
    goals = [r for r in rows if r.goal is not None]
    print(f"\n{'=' * 78}\n== summary: {sum(1 for r in goals if r.met)} of {len(goals)} goals met, "
          f"{len(rows) - len(goals)} info rows, {total / 60:.1f} min\n{'=' * 78}")
    print(common.summary_table(rows))
    print("\nmodules: " + ", ".join(f"{n} {r} ({seconds[n]:.0f} s)" for n, r in results.items()))
    meta = {"modules": {n: {"result": r, "seconds": round(seconds[n], 1)} for n, r in results.items()},
            "total_seconds": round(total, 1), "argv": argv, "full_size": full, "settings": settings}
    stamped, latest = common.write_results(rows, RESULTS_DIR, meta)
    print(f"written: {stamped.relative_to(PROJECT_ROOT)} and {latest.relative_to(PROJECT_ROOT)}")
    in_budget = not whole or total / 60 < BUDGET_MINUTES
    return 0 if all(r == "ok" for r in results.values()) and in_budget else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
