"""Live Redeem History: time from a decision to the change arriving at connected browsers.

End to end over the network, the way a browser sees it:

* the production backend runs as a separate process (``reflex run --env prod
  --backend-only``, from a temp folder that links to this project, on a temp
  migrated SQLite database);
* N clients speak Reflex's websocket protocol (python-socketio over
  aiohttp): each connects to ``/_event`` with its own tab token and the
  browser's boot event (``hydrate_and_load`` for ``/promotions/history``
  carrying the ``mc_session`` LocalStorage value, as ``state.js`` sends it
  in the socket.io CONNECT packet), so the page's on_load runs the session
  check and registers the tab with the worker's live registry;
* a reviewer process (this module with ``--decide``) makes decisions through
  ``services.claims.decide`` (one transaction each, committed; the
  reviewer console's bulk approve does the same), and each client stamps the
  ``event`` update whose ``RedeemHistoryState.rows`` show its claim decided.
  Latency = arrival − commit, on ``perf_counter`` (CLOCK_MONOTONIC on Linux,
  one clock for both processes).

Cases: 1 viewer; 200 viewers (200 customers) with decisions one by one and
in a burst (200 back-to-back transactions); and, when Redis answers, the
200-viewer cases again with ``REDIS_URL`` and 2 backend workers (granian), the
clients spread over both workers.  Decisions made one by one wait a random
0–0.25 s first, so they land at every phase of the poller's interval.

Baseline, measured in the same run on the same connections: the round trip
of the page's own ``RedeemHistoryState.load`` event (the client asks for the
same rows and receives the delta) — one at a time beside the one-by-one
decisions, all clients at once beside the burst.  The live path adds the
poll interval (``live.POLL_SECONDS``) on top of that work by design.

Goal (issue 5): p95 under 1 s with 200 connected viewers.

    python -m bench.bench_live
    MEMBER_CENTER_BENCH_LIVE_VIEWERS=50 python -m bench.bench_live        # smaller
    MEMBER_CENTER_BENCH_LIVE_REDIS=off python -m bench.bench_live         # skip the Redis case
    MEMBER_CENTER_BENCH_LIVE_REDIS=redis://127.0.0.1:6379/9 python -m bench.bench_live
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from bench import common  # noqa: E402

VIEWERS = int(os.environ.get("MEMBER_CENTER_BENCH_LIVE_VIEWERS", "200"))
SOLO_DECISIONS = int(os.environ.get("MEMBER_CENTER_BENCH_LIVE_SOLO", "20"))
ONE_BY_ONE = int(os.environ.get("MEMBER_CENTER_BENCH_LIVE_ONE_BY_ONE", "40"))
REDIS_SETTING = os.environ.get("MEMBER_CENTER_BENCH_LIVE_REDIS", "")
REDIS_WORKERS = 2
GOAL_P95 = 1.0
# Issue 12: a decision pushed to a tab on its own worker / across workers.
PUSH_GOAL_P95 = {1: 0.060, 2: 0.100}
PG_SETTING = os.environ.get("MEMBER_CENTER_BENCH_LIVE_PG", "")
WAIT = 15.0  # seconds a client waits for a delta before the sample counts as missed
CONNECT_PARALLEL = 20
# Claims per customer: one-by-one and burst, for the single-worker and the Redis runs.
CLAIMS_PER_VIEWER = 4
HISTORY = "/promotions/history"
NAMESPACE = "/_event"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- data


@dataclass
class Customer:
    user_id: int
    session_token: str
    claims: list[int]


@dataclass
class World:
    reviewer_id: int
    solo: Customer
    viewers: list[Customer]


def _setup_db(data_dir: Path, database_url: str | None = None) -> World:
    """A migrated database with one promotion, a reviewer, the solo customer (SOLO_DECISIONS
    claims) and VIEWERS customers (CLAIMS_PER_VIEWER claims each), all submitted through
    ``claims.submit``, and a login session (``sessions.create``) for every customer."""
    os.environ["RXAPP_DATA_DIR"] = str(data_dir)
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{data_dir / 'live.db'}"
    os.environ.pop("REDIS_URL", None)
    from rxapp import db, settings
    from rxapp.models import FileKind, PrizeType, Role
    from rxapp.services import claims as claim_service, clock, sessions
    from tests.factories import rows as f

    settings.reset()
    db.dispose_all()
    db.migrate()
    today = clock.today()
    with db.write_session() as s:
        category = f.make_category(s)
        model = f.make_model(s, category)
        store = f.make_store(s, "FR")
        total = SOLO_DECISIONS + VIEWERS * CLAIMS_PER_VIEWER
        promotion = f.make_promotion(
            s, categories=[category], regions=["FR"], codes=total + 10, prize_type=PrizeType.digital_code,
            starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=30),
            per_customer_limit=max(SOLO_DECISIONS, CLAIMS_PER_VIEWER),
        )
        reviewer = f.make_user(s, email="reviewer@bench.test", role=Role.reviewer)

        def customer(index: int, claims: int) -> Customer:
            user = f.make_user(s, email=f"viewer{index}@bench.test")
            ids = []
            for _ in range(claims):
                product = f.make_product(
                    s, user, model=model, store=store, purchase_date=today - timedelta(days=5)
                )
                photo = f.make_file(s, user, FileKind.serial_photo)
                claim = claim_service.submit(
                    session=s, user_id=user.id, product_id=product.id, promotion_id=promotion.id,
                    recipient=f.RECIPIENT, serial_photo_file_id=photo.id,
                )
                ids.append(claim.id)
            token, _ = sessions.create(
                session=s, user_id=user.id, user_agent="bench_live", ip_address="127.0.0.1"
            )
            return Customer(user.id, token, ids)

        solo = customer(0, SOLO_DECISIONS)
        viewers = [customer(i + 1, CLAIMS_PER_VIEWER) for i in range(VIEWERS)]
        return World(reviewer.id, solo, viewers)


def _decide(reviewer_id: int, claim_id: int) -> float:
    """Approve one claim in its own transaction; the perf_counter right after the commit."""
    from rxapp import db
    from rxapp.services import claims

    with db.write_session() as s:
        claims.decide(session=s, claim_id=claim_id, reviewer_id=reviewer_id, decision="approve")
    return time.perf_counter()


def _reviewer_child(reviewer_id: int) -> int:
    """``--decide REVIEWER``: approve each claim id read from stdin; print "id commit_time".

    Decisions run in their own process, so their CPU time does not hold the GIL
    of the process whose event loop stamps the clients' arrivals.  Linux's
    perf_counter is CLOCK_MONOTONIC, one clock for every process.
    """
    for line in sys.stdin:
        claim_id = int(line)
        print(f"{claim_id} {_decide(reviewer_id, claim_id)!r}", flush=True)
    return 0


class Reviewer:
    """The reviewer process: ``decide(ids)`` returns each commit's perf_counter."""

    async def start(self, reviewer_id: int) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.bench_live", "--decide", str(reviewer_id),
            cwd=PROJECT_ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )

    async def decide(self, claim_ids: list[int]) -> list[float]:
        out: list[float] = []
        self.proc.stdin.write("".join(f"{c}\n" for c in claim_ids).encode())
        await self.proc.stdin.drain()
        while len(out) < len(claim_ids):
            line = await asyncio.wait_for(self.proc.stdout.readline(), WAIT)
            if not line:
                raise RuntimeError(f"the reviewer process stopped (exit {await self.proc.wait()})")
            parts = line.split()
            if len(parts) != 2 or parts[0] != str(claim_ids[len(out)]).encode():
                continue  # anything else the child printed
            out.append(float(parts[1]))
        return out

    async def close(self) -> None:
        if self.proc.returncode is None:
            self.proc.stdin.close()
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


# --------------------------------------------------------------------------- the backend


class Backend:
    """``reflex run --env prod --backend-only`` in its own process group, from a temp
    folder linking to this project (its .web and .states stay out of the checkout)."""

    def __init__(self, tmp: Path, data_dir: Path, redis_url: str | None, workers: int | None):
        self.port = _free_port()
        self.app_dir = Path(tempfile.mkdtemp(prefix="app_", dir=tmp))
        for name in ("rxapp", "rxconfig.py", "alembic", "alembic.ini", "assets"):
            if (PROJECT_ROOT / name).exists():
                (self.app_dir / name).symlink_to(PROJECT_ROOT / name)
        self.log_path = self.app_dir / "backend.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("REFLEX_", "GRANIAN_"))}
        venv_bin = str(Path(sys.executable).parent)
        env.update(
            RXAPP_DATA_DIR=str(data_dir),
            DATABASE_URL=os.environ["DATABASE_URL"],
            RXAPP_PORT="0",  # rxconfig's frontend_port: 0 (unset) for a backend-only run
            REFLEX_TELEMETRY_ENABLED="false",
            PYTHONDONTWRITEBYTECODE="1",
            PATH=venv_bin + os.pathsep + env.get("PATH", ""),
        )
        env.pop("REDIS_URL", None)
        if redis_url:
            env["REDIS_URL"] = redis_url
        if workers:
            env["GRANIAN_WORKERS"] = str(workers)
        self.env = env
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 120.0) -> None:
        reflex = Path(sys.executable).parent / "reflex"
        cmd = [str(reflex), "run", "--env", "prod", "--backend-only", "--backend-port", str(self.port)]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                cmd, cwd=self.app_dir, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the backend exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/ping", timeout=1) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"the backend did not answer /ping within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGINT, 10), (signal.SIGTERM, 5), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.proc.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        # Workers left in the group (a worker that outlived its supervisor).
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


# --------------------------------------------------------------------------- a browser tab


def _state_names() -> tuple[str, str, str]:
    from rxapp.state.promotions import RedeemHistoryState
    from rxapp.state.session import SessionState
    from reflex.state import State

    return State.get_full_name(), SessionState.get_full_name(), RedeemHistoryState.get_full_name()


ROOT_STATE, SESSION_STATE, HISTORY_STATE = _state_names()
ROWS = "rows_rx_state_"
TOKEN_KEY = f"{SESSION_STATE}.token_rx_state_"


class Tab:
    """One browser tab on the Redeem History page, speaking Reflex's socket.io protocol."""

    def __init__(self, base_url: str, customer: Customer):
        import socketio

        self.base_url = base_url
        self.customer = customer
        self.client_token = str(uuid.uuid4())
        self.sio = socketio.AsyncClient(reconnection=False)
        self.sio.on("event", self._on_event, namespace=NAMESPACE)
        self.status: dict[str, str] = {}
        self.waiting: dict[str, tuple[asyncio.Future, str]] = {}
        self.rows_waiter: asyncio.Future | None = None
        self.row_deltas = 0
        self.hydrated = asyncio.get_running_loop().create_future()

    def _router_data(self) -> dict:
        return {"pathname": HISTORY, "asPath": HISTORY}

    def _on_event(self, update) -> None:
        now = time.perf_counter()
        delta = update.get("delta") if isinstance(update, dict) else None
        if not isinstance(delta, dict):
            return
        root = delta.get(ROOT_STATE) or {}
        rows = (delta.get(HISTORY_STATE) or {}).get(ROWS)
        if rows is not None:
            self.row_deltas += 1
            for row in rows:
                claim, status = str(row.get("claim_id")), str(row.get("status"))
                self.status[claim] = status
                waiter = self.waiting.get(claim)
                if waiter and status == waiter[1] and not waiter[0].done():
                    waiter[0].set_result(now)
            if self.rows_waiter is not None and not self.rows_waiter.done():
                self.rows_waiter.set_result(now)
        if root.get("is_hydrated_rx_state_") is True and not self.hydrated.done():
            self.hydrated.set_result(now)

    async def connect(self) -> None:
        boot = {
            "name": f"{ROOT_STATE}.hydrate_and_load",
            "payload": {"vars": {TOKEN_KEY: self.customer.session_token}},
            "router_data": self._router_data(),
        }
        await self.sio.connect(
            f"{self.base_url}?token={self.client_token}",
            namespaces=[NAMESPACE],
            socketio_path="/_event",
            transports=["websocket"],
            auth={"event": boot},
            wait_timeout=WAIT,
        )
        await asyncio.wait_for(self.hydrated, WAIT)
        missing = [c for c in self.customer.claims if str(c) not in self.status]
        if missing:
            raise RuntimeError(f"tab of user {self.customer.user_id}: Redeem History lacks claims {missing}")

    def expect(self, claim_id: int, status: str = "approved") -> asyncio.Future:
        fut = asyncio.get_running_loop().create_future()
        self.waiting[str(claim_id)] = (fut, status)
        return fut

    async def pull(self) -> float:
        """Round trip of the page's own load event: send it, wait for the rows delta."""
        self.rows_waiter = asyncio.get_running_loop().create_future()
        event = {"name": f"{HISTORY_STATE}.load", "payload": {}, "router_data": self._router_data()}
        start = time.perf_counter()
        await self.sio.emit("event", event, namespace=NAMESPACE)
        arrived = await asyncio.wait_for(self.rows_waiter, WAIT)
        self.rows_waiter = None
        return arrived - start

    async def close(self) -> None:
        try:
            await self.sio.disconnect()
        except Exception:  # noqa: BLE001 - closing after a failure must not hide it
            pass


# --------------------------------------------------------------------------- cases


@dataclass
class Case:
    label: str
    viewers: int
    live: list[float] = field(default_factory=list)
    pull: list[float] = field(default_factory=list)
    missed: int = 0
    goal: bool = False
    note: str = ""
    push_goal: float | None = None


async def _connect_all(base_url: str, customers: list[Customer]) -> list[Tab]:
    gate = asyncio.Semaphore(CONNECT_PARALLEL)
    tabs = [Tab(base_url, c) for c in customers]

    async def one(tab: Tab) -> None:
        async with gate:
            await tab.connect()

    results = await asyncio.gather(*(one(t) for t in tabs), return_exceptions=True)
    errors = [r for r in results if isinstance(r, BaseException)]
    if errors:
        await asyncio.gather(*(t.close() for t in tabs))
        raise RuntimeError(f"{len(errors)} of {len(tabs)} tabs failed to connect; first: {errors[0]!r}")
    return tabs


async def _one_by_one(
    tabs: list[Tab], claims: list[int], reviewer: Reviewer, case: Case, rnd: random.Random
) -> None:
    """For each (tab, claim): the pull round trip, then a decision at a random poll phase and its arrival."""
    from rxapp.state import live

    for tab, claim in zip(tabs, claims):
        case.pull.append(await tab.pull())
        await asyncio.sleep(rnd.uniform(0, live.POLL_SECONDS))
        fut = tab.expect(claim)
        (committed,) = await reviewer.decide([claim])
        try:
            case.live.append(await asyncio.wait_for(fut, WAIT) - committed)
        except TimeoutError:
            case.missed += 1


async def _burst(tabs: list[Tab], claims: list[int], reviewer: Reviewer, case: Case) -> None:
    """All tabs pull at once (baseline); then every claim is decided back to back."""
    pulls = await asyncio.gather(*(t.pull() for t in tabs), return_exceptions=True)
    case.pull.extend(p for p in pulls if isinstance(p, float))
    futures = [t.expect(c) for t, c in zip(tabs, claims)]

    commits = await reviewer.decide(claims)
    case.note = f"{len(claims)} commits took {common.ms(commits[-1] - commits[0])}"
    results = await asyncio.gather(*(asyncio.wait_for(f, WAIT) for f in futures), return_exceptions=True)
    for arrived, committed in zip(results, commits):
        if isinstance(arrived, float):
            case.live.append(arrived - committed)
        else:
            case.missed += 1


def _worker_spread(redis_url: str, tabs: list[Tab]) -> dict[str, int]:
    """Which backend instance holds each tab's socket (Reflex's RedisTokenManager records)."""
    import pickle

    import redis

    client = redis.Redis.from_url(redis_url)
    spread: dict[str, int] = {}
    try:
        for tab in tabs:
            raw = client.get(f"token_manager_socket_record_{tab.client_token}")
            try:
                # Reflex pickles a SocketRecord(instance_id, sid); our own local Redis db.
                instance = str(pickle.loads(raw).instance_id) if raw else "unknown"  # noqa: S301
            except Exception:  # noqa: BLE001 - another Reflex version: just say unknown
                instance = "unknown"
            spread[instance] = spread.get(instance, 0) + 1
    finally:
        client.close()
    return spread


async def _run_backend_cases(
    world: World, backend: Backend, round_: int, label: str, solo: bool
) -> list[Case]:
    reviewer = Reviewer()
    await reviewer.start(world.reviewer_id)
    try:
        return await _cases(world, backend, round_, label, solo, reviewer)
    finally:
        await reviewer.close()


async def _cases(
    world: World, backend: Backend, round_: int, label: str, solo: bool, reviewer: Reviewer
) -> list[Case]:
    base_url = f"http://127.0.0.1:{backend.port}"
    rnd = random.Random(5 + round_)
    cases: list[Case] = []
    if solo:
        case = Case(f"1 viewer, one by one{label}", 1)
        tabs = await _connect_all(base_url, [world.solo])
        try:
            await _one_by_one(tabs * len(world.solo.claims), world.solo.claims, reviewer, case, rnd)
        finally:
            await asyncio.gather(*(t.close() for t in tabs))
        cases.append(case)

    start = time.perf_counter()
    tabs = await _connect_all(base_url, world.viewers)
    connected = time.perf_counter() - start
    try:
        spread = _worker_spread(backend.env["REDIS_URL"], tabs) if "REDIS_URL" in backend.env else {}
        n = len(tabs)
        step = max(1, n // max(1, min(ONE_BY_ONE, n)))
        picked = tabs[::step][:ONE_BY_ONE]
        case = Case(f"{n} viewers, one by one{label}", n, goal=True)
        before = {id(t): t.row_deltas for t in tabs}
        await _one_by_one(picked, [t.customer.claims[2 * round_] for t in picked], reviewer, case, rnd)
        # Tabs whose customer had no decision must not have received any rows since.
        picked_ids = {id(t) for t in picked}
        stray = sum(t.row_deltas - before[id(t)] for t in tabs if id(t) not in picked_ids)
        case.note = f"{n} tabs connected in {connected:.1f} s; rows deltas to uninvolved tabs: {stray}"
        if spread:
            per_worker = sorted(spread.values(), reverse=True)
            case.note += "; tabs per worker: " + ", ".join(str(v) for v in per_worker)
        cases.append(case)

        case = Case(f"{n} viewers, burst of {n}{label}", n, goal=True)
        await _burst(tabs, [t.customer.claims[2 * round_ + 1] for t in tabs], reviewer, case)
        if spread:
            case.note += f"; tabs on {len(spread)} workers"
        cases.append(case)
    finally:
        await asyncio.gather(*(t.close() for t in tabs))
    return cases


def _pick_redis() -> str | None:
    """REDIS_URL for the multi-worker case: the configured one, else the first empty db
    from 7 to 15 on 127.0.0.1:6379; None when Redis does not answer (the case is skipped)."""
    if REDIS_SETTING.lower() in ("off", "0", "no"):
        return None
    try:
        import redis
    except ImportError:
        return None
    candidates = [REDIS_SETTING] if REDIS_SETTING else [f"redis://127.0.0.1:6379/{n}" for n in range(7, 16)]
    for url in candidates:
        try:
            client = redis.Redis.from_url(url, socket_connect_timeout=1)
            try:
                if client.dbsize() == 0:
                    return url
            finally:
                client.close()
        except Exception:  # noqa: BLE001 - no Redis here: skip the case
            return None
    return None


def _flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def _row(case: Case) -> list[str]:
    if case.live:
        med, p95, mx = common.median(case.live), common.p95(case.live), max(case.live)
        cells = [common.ms(med), common.ms(p95), common.ms(mx)]
    else:
        p95 = float("inf")
        cells = ["-", "-", "-"]
    if case.pull:
        pull_med, pull_p95 = common.median(case.pull), common.p95(case.pull)
        cells += [common.ms(pull_med), common.ms(pull_p95), f"{p95 / pull_p95:.1f}x" if case.live else "-"]
    else:
        cells += ["-", "-", "-"]
    if case.goal or case.push_goal:
        verdict = "OK" if _met(case) else "MISSED"
        if case.push_goal and "one by one" in case.label:
            verdict += f" (p95 <= {case.push_goal * 1000:.0f} ms)"
    else:
        verdict = "(no goal)"
    return [case.label, f"{len(case.live)}/{len(case.live) + case.missed}", *cells, verdict]


def _pick_postgres() -> tuple[str, str] | None:
    """(admin URL, URL of a new empty database) on the local PostgreSQL, or None (case skipped)."""
    if PG_SETTING.lower() in ("off", "0", "no"):
        return None
    import sqlalchemy as sa

    admin = PG_SETTING or os.environ.get("RXAPP_TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
    name = f"bench_live_{os.getpid()}"
    try:
        engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 2})
        with engine.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        engine.dispose()
    except Exception:  # noqa: BLE001 - no PostgreSQL here: skip its cases
        return None
    return admin, str(sa.engine.make_url(admin).set(database=name).render_as_string(hide_password=False))


def _drop_postgres(admin: str, url: str) -> None:
    import sqlalchemy as sa

    name = sa.engine.make_url(url).database
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    engine.dispose()


def main() -> int:
    from rxapp import db, settings
    from rxapp.state import live

    saved_env = common.saved_app_env()
    tmp = Path(tempfile.mkdtemp(prefix="bench_live_"))
    cases: list[Case] = []
    redis_url = _pick_redis()
    postgres = _pick_postgres()
    notes = []
    if not redis_url:
        notes.append("Redis cases skipped (no empty Redis db answered on 127.0.0.1:6379/7..15)")
    if not postgres:
        notes.append("PostgreSQL cases skipped (no server answered; MEMBER_CENTER_BENCH_LIVE_PG=admin URL)")
    # (database, label, Redis + workers or None): each database gets its own world of claims.
    worlds = [("sqlite", "")]
    if postgres:
        worlds.append((postgres[1], ", PostgreSQL"))
    try:
        for database, db_label in worlds:
            db.dispose_all()
            start = time.perf_counter()
            world = _setup_db(tmp / "data", None if database == "sqlite" else database)
            print(
                f"data{db_label or ', SQLite'}: {VIEWERS} customers x {CLAIMS_PER_VIEWER} claims + 1 customer x "
                f"{SOLO_DECISIONS} claims, submitted through claims.submit ({time.perf_counter() - start:.1f} s); "
                f"fallback poll {live.POLL_SECONDS * 1000:.0f} ms",
                flush=True,
            )
            runs = [(None, None, db_label, True)]
            if redis_url:
                runs.append((redis_url, REDIS_WORKERS, f"{db_label}, Redis + {REDIS_WORKERS} workers", False))
            for round_, (url, workers, label, solo) in enumerate(runs):
                # The reviewer process publishes its wake-ups where the workers listen.
                if url:
                    os.environ["REDIS_URL"] = url
                else:
                    os.environ.pop("REDIS_URL", None)
                settings.reset()
                backend = Backend(tmp, tmp / "data", url, workers)
                start = time.perf_counter()
                try:
                    backend.start()
                    print(f"backend{label or ' (SQLite, 1 worker, no Redis)'} up on :{backend.port} in "
                          f"{time.perf_counter() - start:.1f} s", flush=True)
                    got = asyncio.run(_run_backend_cases(world, backend, round_, label, solo))
                    for case in got:
                        case.push_goal = _push_goal(database, url, workers)
                    cases += got
                except Exception:
                    print(f"backend log tail:\n{backend.log_tail()}", file=sys.stderr)
                    raise
                finally:
                    backend.stop()
                    if url:
                        _flush_redis(url)
    finally:
        db.dispose_all()
        if postgres:
            _drop_postgres(*postgres)
        common.restore_app_env(saved_env)
        shutil.rmtree(tmp, ignore_errors=True)

    print(
        common.table(
            ["case", "arrived", "live med", "live p95", "live max", "pull med", "pull p95", "p95 ratio",
             "goal"],
            [_row(c) for c in cases],
        )
    )
    for c in cases:
        if c.note:
            print(f"  {c.label}: {c.note}")
        _report(c)
    for note in notes:
        print(f"  {note}")
    print(
        "live = commit of the decision (reviewer process) -> the websocket 'event' update with the decided "
        "row at that customer's tab; pull = the same tab's RedeemHistoryState.load round trip (baseline, "
        "same run; beside the burst: all tabs at once).  The workers are woken by PostgreSQL NOTIFY, or by "
        "Redis pub/sub beside SQLite; plain SQLite with the decision in another process falls back to the "
        f"{live.POLL_SECONDS * 1000:.0f} ms poll.  goal: p95 < {GOAL_P95:.0f} s with {VIEWERS} viewers, "
        f"nothing missed (a sample is missed after {WAIT:.0f} s); with a push signal, one by one: p95 <= "
        f"{PUSH_GOAL_P95[1] * 1000:.0f} ms on one worker, <= {PUSH_GOAL_P95[2] * 1000:.0f} ms across workers."
    )
    met = all(_met(c) for c in cases if c.live or c.missed)
    return 0 if met and cases else 1


def _report(case: Case) -> None:
    """The case's row for the combined summary: live p95 beside the pull round trip's p95."""
    goals = []
    if case.goal:
        goals.append(f"p95 < {GOAL_P95:.0f} s")
    if case.push_goal and "one by one" in case.label:
        goals.append(f"p95 <= {case.push_goal * 1000:.0f} ms")
    sampled = bool(case.live or case.missed)
    common.report(
        "live", f"{case.label}: live p95 vs pull p95",
        common.p95(case.live) * 1000 if case.live else None,
        common.p95(case.pull) * 1000 if case.pull else None, "ms",
        ", ".join(goals) + ", none missed" if goals else None,
        _met(case) if sampled else False,
        note=(f"{case.missed} missed" if case.missed else "") or ("" if sampled else "no samples"),
    )


def _push_goal(database: str, redis_url: str | None, workers: int | None) -> float | None:
    """The issue-12 p95 goal of a case whose workers hear a push signal (None: polling)."""
    if database == "sqlite" and not redis_url:
        return None
    return PUSH_GOAL_P95[2 if (workers or 1) > 1 else 1]


def _met(case: Case) -> bool:
    if case.missed:
        return False
    if case.goal and common.p95(case.live) >= GOAL_P95:
        return False
    one_by_one = "one by one" in case.label
    return not (case.push_goal and one_by_one and common.p95(case.live) > case.push_goal)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--decide"]:
        raise SystemExit(_reviewer_child(int(sys.argv[2])))
    raise SystemExit(main())
