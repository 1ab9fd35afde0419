"""The customer flow at once for ``CLIENTS`` customers: SQLite on one worker beside PostgreSQL + Redis on 2.

Issue 12: ``CLIENTS`` simulated customers (``bench/loadclient.py`` tabs, no
browser) start together and each goes through the whole flow over the
websocket, as the pages do it:

1. **sign up** - the Sign Up page (hydrate), the form with the captcha answered
   (the question worked out, the proof of work solved as the page's script
   does), the redirect to the account page followed;
2. **log in** - log out, the log-in page, the form, the redirect followed;
3. **register** - the wizard: category, serial (hints), Next, CHK, Next,
   region, store, purchase date, the invoice uploaded through ``/_upload``,
   the captcha, Submit, the redirect to My Products followed;
4. **redeem** - All Promotions (the eligibility check), the Redeem Confirm
   page of the new product, the S/N photo uploaded, the recipient and the
   captcha, Submit, the redirect followed.

Each customer has a sticker of its own from the demo registry (an unregistered
serial and its CHK); the promotion is one of the bench's, open to every
category in the US.  A step's time is its wall time on the customer's tab,
less the time the client spent solving proofs of work (a browser solves them
while the person types).  Throughput: completed flows per second, from the
start to the last flow's end.

Configurations, each on a fresh database seeded the same way:

* **SQLite, 1 worker** (the baseline of the ratio);
* **PostgreSQL + Redis, 2 workers** - a database of its own on the local
  server (``MEMBER_CENTER_BENCH_FLOW_PG``, default the ``postgres`` database's
  server at 127.0.0.1:5432; dropped afterwards) and the first empty Redis db
  from 7 to 15 (flushed afterwards); skipped, and said so, when either does not
  answer.

No goal is set by the issue beyond "measured"; a run fails when a flow fails.

    python -m bench flow
    MEMBER_CENTER_BENCH_FLOW_CLIENTS=10 python -m bench.bench_flow
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from bench import common, loadclient  # noqa: E402

CLIENTS = int(os.environ.get("MEMBER_CENTER_BENCH_FLOW_CLIENTS", "50"))
PG_ADMIN = os.environ.get("MEMBER_CENTER_BENCH_FLOW_PG",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
WORKERS = 2
STEPS = ("sign up", "log in", "register", "redeem")
PASSWORD = "Bench-Flow-Password-2026"
CONNECT_PARALLEL = 50
# Which configurations run: "sqlite", "pg" (PostgreSQL + Redis, 2 workers) and, on request, "pg1"
# (PostgreSQL alone, 1 worker: which part of the difference is the database's); e.g. =pg to profile one.
CONFIGS = os.environ.get("MEMBER_CENTER_BENCH_FLOW_CONFIGS", "sqlite,pg").split(",")


@dataclass
class Plan:
    """What one customer will type: its address, a sticker of its own, the store."""

    email: str
    serial: str
    chk: str
    category_slug: str
    store_id: str
    purchase_date: str
    promotion_id: int


@dataclass
class Result:
    steps: dict[str, float] = field(default_factory=dict)
    error: str = ""
    ended: float = 0.0


def plan_flows(clients: int, promotion_id: int, tag: str) -> list[Plan]:
    """A sticker per customer, read through the services from the database the backend will serve."""
    from sqlmodel import select

    from rxapp import db
    from rxapp.models import ProductModel
    from rxapp.services import catalog, clock, demo_seed

    with db.session_scope() as s:
        today = clock.today(s)
        bought = today - timedelta(days=5)
        store = next(st for st in catalog.stores_for_region(session=s, region_code="US") if st["is_partner"])
        stickers = demo_seed.demo_stickers(session=s, limit=clients * 3)
        # The newest models may be younger than a purchase five days ago: stickers of models on sale then.
        on_sale = set(s.exec(select(ProductModel.name).where(ProductModel.release_date <= bought)).all())
    stickers = [st for st in stickers if st["model"] in on_sale]
    if len(stickers) < clients:
        raise RuntimeError(f"only {len(stickers)} demo stickers fit; {clients} customers need one each")
    return [
        Plan(f"flow-{tag}-{i:03d}@example.com", st["serial"], st["chk"], st["category_slug"],
             str(store["id"]), bought.isoformat(), promotion_id)
        for i, st in enumerate(stickers[:clients])
    ]


# --------------------------------------------------------------------------- one customer


class Customer:
    def __init__(self, base_url: str, plan: Plan):
        self.tab = loadclient.Tab(base_url, label=plan.email)
        self.plan = plan
        self.solving = 0.0

    async def captcha(self, state) -> dict[str, str]:
        """The captcha fields; the time spent solving is not the server's and is taken off the step."""
        started = time.perf_counter()
        fields = await loadclient.solved_captcha(self.tab, state)
        self.solving += time.perf_counter() - started
        return fields

    async def step(self, name: str, result: Result, coro) -> None:
        self.solving = 0.0
        started = time.perf_counter()
        await coro
        result.steps[name] = time.perf_counter() - started - self.solving

    async def sign_up(self) -> None:
        from rxapp import routes
        from rxapp.state.auth import SignUpState

        await self.tab.connect(routes.SIGNUP)
        form = {"email": self.plan.email, "password": PASSWORD, "confirm_password": PASSWORD,
                "first_name": "Flow", "last_name": "Customer", "region": "US", "phone": "", "consent": "on",
                **await self.captcha(SignUpState)}
        reply = await self.tab.call(loadclient.handler(SignUpState, "submit"), {"form": form},
                                    until=loadclient.answered(SignUpState))
        _expect_redirect(reply, "sign up", self.tab.var(SignUpState, "errors"))
        await self.tab.follow(reply)

    async def log_in(self) -> None:
        from rxapp.state.auth import LoginState
        from rxapp.state.session import SessionState

        reply = await self.tab.call(loadclient.handler(SessionState, "log_out"), until=loadclient.has_event())
        await self.tab.follow(reply)
        reply = await self.tab.call(loadclient.handler(LoginState, "submit"),
                                    {"form": {"email": self.plan.email, "password": PASSWORD}},
                                    until=loadclient.answered(LoginState))
        _expect_redirect(reply, "log in", self.tab.var(LoginState, "errors"))
        await self.tab.follow(reply)

    async def register(self) -> None:
        from rxapp import routes
        from rxapp.state.registration import RegistrationState as R

        tab, plan = self.tab, self.plan
        await tab.navigate(routes.PRODUCT_REGISTRATION)
        category = next(c["id"] for c in tab.var(R, "categories") if c["slug"] == plan.category_slug)
        await tab.call(loadclient.handler(R, "choose_category"), {"category_id": category})
        await tab.call(loadclient.handler(R, "next_step"), until=loadclient.has_var(R, "step"))
        await tab.call(loadclient.handler(R, "set_serial"), {"value": plan.serial},
                       until=loadclient.has_var(R, "hint_status"))
        await tab.call(loadclient.handler(R, "next_step"), until=loadclient.has_var(R, "step"))
        await tab.call(loadclient.handler(R, "set_chk"), {"value": plan.chk})
        await tab.call(loadclient.handler(R, "next_step"), until=loadclient.has_var(R, "step"))
        if tab.var(R, "step") != 4:
            raise RuntimeError(
                f"register: the wizard stayed on step {tab.var(R, 'step')}: {tab.var(R, 'errors')}")
        if tab.var(R, "region") != "US":  # the account's region is filled in already (no change, no update)
            await tab.call(loadclient.handler(R, "set_region"), {"value": "US"})
        await tab.call(loadclient.handler(R, "set_store"), {"value": plan.store_id})
        await tab.call(loadclient.handler(R, "set_purchase_date"), {"value": plan.purchase_date})
        await tab.upload(loadclient.handler(R, "upload_invoice"), "invoice.jpg", _image("INVOICE"),
                         "image/jpeg", until=loadclient.has_var(R, "uploading", False))
        if not tab.var(R, "invoice_ok"):
            raise RuntimeError(f"register: the invoice was refused: {tab.var(R, 'invoice_message')}")
        form = await self.captcha(R)
        reply = await tab.call(loadclient.handler(R, "submit"), {"form": form}, until=loadclient.answered(R))
        _expect_redirect(reply, "register", tab.var(R, "errors"))
        await tab.follow(reply)

    async def redeem(self) -> None:
        from rxapp import routes
        from rxapp.state.promotions import PromotionsState, RedeemState

        tab, plan = self.tab, self.plan
        await tab.navigate(routes.PROMOTIONS)
        offers = [o for p in tab.var(PromotionsState, "promotions") or [] if p["id"] == str(plan.promotion_id)
                  for o in p["offers"] if o["serial"] == plan.serial]
        if not offers or not offers[0]["eligible"]:
            raise RuntimeError(f"redeem: the product is not offered as eligible: {offers}")
        await tab.navigate(routes.REDEEM, {"product": offers[0]["product_id"],
                                           "promotion": str(plan.promotion_id)})
        await tab.upload(loadclient.handler(RedeemState, "upload_photo"), "sn.jpg",
                         _image(f"S/N {plan.serial}"), "image/jpeg",
                         until=loadclient.has_var(RedeemState, "uploading", False))
        if not tab.var(RedeemState, "photo_ok"):
            raise RuntimeError(f"redeem: the S/N photo was refused: {tab.var(RedeemState, 'photo_message')}")
        form = {"first_name": "Flow", "last_name": "Customer", "zipcode": "97205", "address": "1 Main Street",
                "contact_number": "+1 503 555 0142", "note": "", **await self.captcha(RedeemState)}
        reply = await tab.call(loadclient.handler(RedeemState, "submit"), {"form": form},
                               until=loadclient.answered(RedeemState))
        _expect_redirect(reply, "redeem", tab.var(RedeemState, "errors"))
        await tab.follow(reply)

    async def run(self, gate: asyncio.Event) -> Result:
        result = Result()
        await gate.wait()
        try:
            for name, action in zip(STEPS, (self.sign_up, self.log_in, self.register, self.redeem)):
                await self.step(name, result, action())
        except Exception as exc:  # noqa: BLE001 - a failed flow is counted and said, the others go on
            result.error = f"{type(exc).__name__}: {exc}"[:300]
        finally:
            result.ended = time.perf_counter()
            await self.tab.close()
        return result


def _expect_redirect(reply: loadclient.Reply, step: str, errors) -> None:
    if not reply.redirects:
        raise RuntimeError(f"{step}: refused: {errors}")


_IMAGES: dict[str, bytes] = {}


def _image(text: str) -> bytes:
    """A small real JPEG (a phone photo would be larger; the upload check is benched on its own)."""
    key = text.split(" ")[0]
    if key not in _IMAGES:
        from tests.factories.images import image_bytes

        _IMAGES[key] = image_bytes(800, 600, text=text, fmt="JPEG")
    return _IMAGES[key]


# --------------------------------------------------------------------------- one configuration


@dataclass
class Config:
    label: str
    database: str | None  # None: SQLite
    redis_url: str | None
    workers: int | None
    tag: str = "sqlite"
    results: list[Result] = field(default_factory=list)
    wall: float = 0.0
    note: str = ""


async def run_flows(base_url: str, plans: list[Plan], pid: int | None = None,
                    label: str = "flow") -> tuple[list[Result], float]:
    gate = asyncio.Event()
    customers = [Customer(base_url, p) for p in plans]
    tasks = [asyncio.create_task(c.run(gate)) for c in customers]
    profiler = loadclient.Profiler(pid)  # MEMBER_CENTER_BENCH_PROFILE=FOLDER
    await profiler.start(label)
    await asyncio.sleep(0.1)
    started = time.perf_counter()
    gate.set()
    try:
        results = await asyncio.gather(*tasks)
    finally:
        await profiler.stop()
    ended = max((r.ended for r in results if not r.error), default=time.perf_counter())
    return results, ended - started


def run_config(config: Config, tmp: Path) -> None:
    from rxapp import db, settings
    from bench.bench_events import setup_world
    from bench.bench_live import Backend

    tag = config.tag
    data = tmp / f"data_{tag}"
    world = setup_world(data, accounts=0, with_products=0, products_each=0, database_url=config.database,
                        codes=CLIENTS)
    plans = plan_flows(CLIENTS, world.promotion_id, tag)
    db.dispose_all()
    if config.redis_url:
        os.environ["REDIS_URL"] = config.redis_url
    else:
        os.environ.pop("REDIS_URL", None)
    settings.reset()
    backend = Backend(tmp, data, config.redis_url, config.workers)
    start = time.perf_counter()
    try:
        backend.start()
        print(f"backend ({config.label}) up on :{backend.port} in {time.perf_counter() - start:.1f} s",
              flush=True)
        config.results, config.wall = asyncio.run(
            run_flows(f"http://127.0.0.1:{backend.port}", plans, backend.proc.pid, config.label))
    except Exception:
        print(f"backend log tail:\n{backend.log_tail()}", file=sys.stderr)
        raise
    finally:
        backend.stop()
        os.environ.pop("REDIS_URL", None)
        settings.reset()


# --------------------------------------------------------------------------- PostgreSQL and Redis of our own


def _new_postgres(suffix: str = "") -> str | None:
    """A new empty database on the local server (its URL), or None when no server answers."""
    import sqlalchemy as sa

    name = f"bench_flow_{os.getpid()}{suffix}"
    try:
        engine = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 2})
        with engine.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        engine.dispose()
    except Exception:  # noqa: BLE001 - no PostgreSQL here: the case is skipped and said so
        return None
    return sa.engine.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)


def _drop_postgres(url: str) -> None:
    import sqlalchemy as sa

    name = sa.engine.make_url(url).database
    engine = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    engine.dispose()


# --------------------------------------------------------------------------- report


def _summary(config: Config) -> dict:
    done = [r for r in config.results if not r.error]
    steps = {s: [r.steps[s] for r in config.results if s in r.steps] for s in STEPS}
    return {
        "done": len(done),
        "rate": len(done) / config.wall if config.wall else 0.0,
        "p95": {s: common.p95(v) if v else None for s, v in steps.items()},
        "errors": [r.error for r in config.results if r.error],
    }


def main() -> int:
    from rxapp import db
    from bench.bench_live import _flush_redis, _pick_redis

    saved_env = common.saved_app_env()
    tmp = Path(tempfile.mkdtemp(prefix="bench_flow_"))
    configs = [Config("SQLite, 1 worker", None, None, None)] if "sqlite" in CONFIGS else []
    notes = []
    pg1_url = _new_postgres("_1") if "pg1" in CONFIGS else None
    if pg1_url:
        configs.append(Config("PostgreSQL, 1 worker", pg1_url, None, None, "pg1"))
    elif "pg1" in CONFIGS:
        notes.append("PostgreSQL (1 worker) case skipped: no PostgreSQL answered")
    redis_url = _pick_redis() if "pg" in CONFIGS else None
    pg_url = _new_postgres() if "pg" in CONFIGS else None
    if "pg" not in CONFIGS:
        pass
    elif redis_url and pg_url:
        configs.append(Config(f"PostgreSQL + Redis, {WORKERS} workers", pg_url, redis_url, WORKERS, "pg"))
    else:
        notes.append("PostgreSQL + Redis case skipped: " + ("no PostgreSQL answered " if not pg_url else "")
                     + ("no empty Redis db on 127.0.0.1:6379/7..15" if not redis_url else ""))
    try:
        for config in configs:
            start = time.perf_counter()
            run_config(config, tmp)
            print(f"  {config.label}: {CLIENTS} flows in {time.perf_counter() - start:.1f} s "
                  "(set-up included)", flush=True)
    finally:
        db.dispose_all()
        for url in (pg_url, pg1_url):
            if url:
                _drop_postgres(url)
        if redis_url:
            _flush_redis(redis_url)
        common.restore_app_env(saved_env)
        shutil.rmtree(tmp, ignore_errors=True)

    if not configs:
        print("no configuration ran")
        common.report("flow", "no configuration ran", None, goal="all flows complete", met=False)
        return 1
    base = _summary(configs[0])
    rows = []
    for config in configs:
        s = _summary(config)
        baseline = config is configs[0] or not base["rate"]
        ratio = "(baseline)" if baseline else f"{s['rate'] / base['rate']:.2f}x"
        rows.append([config.label, f"{s['done']}/{CLIENTS}", f"{s['rate']:.2f}/s", ratio,
                     *(common.ms(s["p95"][step]) if s["p95"][step] is not None else "-" for step in STEPS),
                     "OK" if s["done"] == CLIENTS else "MISSED (flows failed)"])
        common.report("flow", f"{config.label}: flows/s vs SQLite, {CLIENTS} customers", s["rate"],
                      None if config is configs[0] else base["rate"], "flows/s", "all flows complete",
                      s["done"] == CLIENTS, note=f"{s['done']}/{CLIENTS} done")
    print(common.table(["configuration", "flows done", "flows/s", "vs SQLite", *(f"{s} p95" for s in STEPS),
                        "goal"], rows))
    print(f"{CLIENTS} customers at once, each: sign up, log in, register a product (invoice upload), "
          "redeem a promotion (S/N photo upload); flows/s = completed flows / time to the last one; "
          "a step's time leaves "
          f"out the client's proof-of-work solving.  Goal: every flow completes (the issue sets no number).")
    for config in configs:
        s = _summary(config)
        if s["errors"]:
            print(f"  {config.label}: {len(s['errors'])} failed; first: {s['errors'][0]}")
    for note in notes:
        print(f"  {note}")
    return 0 if all(_summary(c)["done"] == CLIENTS for c in configs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
