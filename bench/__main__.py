"""Run every ``bench/bench_*.py`` module's ``main()`` in name order.

    python -m bench                 # all
    python -m bench upload queue    # only modules whose name contains one of the words

Exit status: 0 when every module's goals held, 1 otherwise (a module that
crashes counts as failed; the others still run).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
import traceback
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))


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
    results: dict[str, str] = {}
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
        print(f"-- {name}: {results[name]} ({time.perf_counter() - start:.1f} s)", flush=True)
    print("\nsummary: " + ", ".join(f"{n} {r}" for n, r in results.items()))
    return 0 if all(r == "ok" for r in results.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
