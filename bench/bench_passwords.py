"""Password hashing: the argon2id parameters in use, one verification's time, and the work off the loop.

Rows, each beside a baseline measured in the same run:

* **one verification** — ``services.passwords.verify_password`` on a hash it
  made, beside argon2-cffi's own ``PasswordHasher`` at OWASP's minimum for
  argon2id (m = 19 MiB, t = 2, p = 1) verifying the same password.  Goal: the
  parameters in use are at least that minimum (the ratio shows what they cost).
* **8 log-ins at once** — eight verifications handed to the handlers' CPU pool
  (``rxapp/state/offload.py``) from one event loop, beside the same eight run
  one after another on the loop (what the handlers did before).  argon2-cffi
  releases the GIL, so the pool can use every core (on a shared, busy machine
  the gain is small: argon2 is bound by memory bandwidth); and while the pool
  works the loop keeps turning: the row counts how many 1 ms ticks another
  coroutine got in (about zero when the loop is blocked).  Goal: the loop
  ticks, and the eight take at most 1.5x as long as on the loop.

    python -m bench.bench_passwords
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from bench import common  # noqa: E402

REPEAT = int(os.environ.get("MEMBER_CENTER_BENCH_PASSWORD_REPEAT", "15"))
CONCURRENT = 8
GOAL_POOL_RATIO = 1.5
OWASP_MIN = {"memory_cost": 19456, "time_cost": 2, "parallelism": 1}  # KiB, passes, lanes
PASSWORD = "bench-Password-2026"


def parameters(password_hash: str) -> dict[str, int | str]:
    """{type, memory_cost, time_cost, parallelism} read from an encoded argon2 hash."""
    from argon2 import extract_parameters

    p = extract_parameters(password_hash)
    return {"type": p.type.name.lower(), "memory_cost": p.memory_cost, "time_cost": p.time_cost,
            "parallelism": p.parallelism}


def at_least_owasp(params: dict) -> bool:
    return (params["type"] == "id" and params["memory_cost"] >= OWASP_MIN["memory_cost"]
            and params["time_cost"] >= OWASP_MIN["time_cost"] and params["parallelism"] >= OWASP_MIN["parallelism"])


async def _ticks_while(work) -> tuple[float, int]:
    """(seconds ``work()`` took, how many 1 ms ticks another coroutine got in meanwhile)."""
    import time

    ticks = 0
    done = asyncio.Event()

    async def ticker():
        nonlocal ticks
        while not done.is_set():
            await asyncio.sleep(0.001)
            ticks += 1

    running = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    started = time.perf_counter()
    await work()
    spent = time.perf_counter() - started
    done.set()
    await running
    return spent, ticks


def main() -> int:
    from argon2 import PasswordHasher
    from argon2.low_level import Type

    from rxapp.services import passwords
    from rxapp.state import offload

    ours_hash = passwords.hash_password(PASSWORD)
    params = parameters(ours_hash)
    owasp = PasswordHasher(type=Type.ID, **OWASP_MIN)
    base_hash = owasp.hash(PASSWORD)

    def ours():
        assert passwords.verify_password(PASSWORD, ours_hash)

    def base():
        assert owasp.verify(base_hash, PASSWORD)

    ours(), base()
    t_ours, t_base = common.time_pair(ours, base, REPEAT)
    m_ours, m_base = common.median(t_ours), common.median(t_base)
    params_ok = at_least_owasp(params)

    async def pooled():
        await asyncio.gather(*(offload.call(ours) for _ in range(CONCURRENT)))

    async def on_loop():
        for _ in range(CONCURRENT):
            ours()

    pooled_s, pooled_ticks = asyncio.run(_ticks_while(pooled))
    loop_s, loop_ticks = asyncio.run(_ticks_while(on_loop))
    pool_ok = pooled_s <= loop_s * GOAL_POOL_RATIO and pooled_ticks > loop_ticks + CONCURRENT

    print(f"argon2{params['type']} in use: m = {params['memory_cost']} KiB ({params['memory_cost'] / 1024:.0f} MiB), "
          f"t = {params['time_cost']}, p = {params['parallelism']}  (OWASP minimum: m = 19 MiB, t = 2, p = 1); "
          f"{REPEAT} runs each, alternating; medians; CPU pool of {offload.WORKERS} threads")
    rows = [
        ["one verification", f"{params['type']} m={params['memory_cost']} t={params['time_cost']} "
         f"p={params['parallelism']}", common.ms(m_ours), "argon2-cffi at OWASP min", common.ms(m_base),
         f"{m_ours / m_base:.2f}x", ">= OWASP min", "met" if params_ok else "NOT MET"],
        [f"{CONCURRENT} log-ins at once", f"CPU pool, loop ticked {pooled_ticks}x", common.ms(pooled_s),
         f"on the loop, ticked {loop_ticks}x", common.ms(loop_s), f"{pooled_s / loop_s:.2f}x",
         f"<= {GOAL_POOL_RATIO}x, loop ticks", "met" if pool_ok else "NOT MET"],
    ]
    print(common.table(["row", "ours", "ours time", "baseline", "base time", "ratio", "goal", "result"], rows))
    common.report("passwords", f"one verification, argon2{params['type']} m={params['memory_cost']} "
                  f"t={params['time_cost']} p={params['parallelism']} vs OWASP min", m_ours * 1000, m_base * 1000,
                  "ms", ">= OWASP min params", params_ok)
    common.report("passwords", f"{CONCURRENT} log-ins at once: CPU pool vs on the loop", pooled_s * 1000,
                  loop_s * 1000, "ms", f"<= {GOAL_POOL_RATIO}x, loop ticks", pool_ok,
                  note=f"loop ticked {pooled_ticks}x vs {loop_ticks}x")
    return 0 if params_ok and pool_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
