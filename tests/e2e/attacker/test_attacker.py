"""The attacker's suite: every public event handler of the app, called over the websocket by a script.

No browser.  A script speaks Reflex's event protocol (Socket.IO at ``/_event``,
``wire.py``) to the production build the browser tests use, as a signed-out
visitor, customer A, customer B, a reviewer and an admin - each from its own
loopback address, each signed in the way a browser is (the log-in form's
handler over the wire; after a call that signs the tab out, a fresh session's
token put into the tab's local storage, as the frontend syncs it).  Each role
calls every handler of the app with hostile payloads (``payloads.py``) and the
other account's ids in the page's query string.  Then:

* each call's outcome is the one ``expectations.py`` declares for the
  (handler, role) pair: let through, or refused with the guard's signature
  (``_redirect`` to log in; the role notice and a ``_redirect``);
* no call crashed or leaked a traceback (the exception toast, a stack frame)
  and the server never dropped the socket;
* no update a customer's or the visitor's tab received carries another
  account's canaries (``world.py``), nor anyone's password hash;
* after each role's run, every row of every table is compared with before:
  only the changes ``ALLOWED_WRITES`` grants that role happened.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.e2e.attacker import payloads, world
from tests.e2e.attacker.expectations import (
    ALLOWED_WRITES,
    HANDLERS,
    LOGIN,
    ROLE,
    ROLES,
    RUNS,
    outcome,
)
from tests.e2e.attacker.wire import Response, Tab
from tests.factories.flows import session_token_for

# Reads the in-process server's event processor to know when a call is over: not in the distributed pass.
pytestmark = pytest.mark.in_process

VICTIM = {"signed_out": "customer_a", "customer_a": "customer_b", "customer_b": "customer_a",
          "reviewer": "customer_a", "admin": "customer_b"}
ADDRESS = {role: f"127.0.0.{31 + i}" for i, role in enumerate(ROLES)}


def app_handlers() -> dict[str, tuple[str, object, str]]:
    """{table key: (full event name, function, declared access)} for every public handler of the app."""
    import rxapp.rxapp  # noqa: F401 - every page and state registered
    from rxapp.state.session import access_of, app_state_classes

    found: dict[str, tuple[str, object, str]] = {}
    for cls in app_state_classes():
        prefix = "console." if ".console." in cls.__module__ else ""
        for name, handler in cls.event_handlers.items():
            if name == "setvar":  # Reflex's own; reaches only set_* methods, which are handlers here
                continue
            access = access_of(handler.fn)
            found[f"{prefix}{cls.__name__}.{name}"] = (
                f"{cls.get_full_name()}.{name}", handler.fn, access.value if access else "undeclared")
    return found


def state_names() -> dict[str, str]:
    from reflex.state import State, UpdateVarsInternalState

    from rxapp.state.session import SessionState

    return {"State": State.get_full_name(), "SessionState": SessionState.get_full_name(),
            "UpdateVarsInternalState": UpdateVarsInternalState.get_full_name()}


# --------------------------------------------------------------------------- the table


def test_the_table_names_every_handler_with_the_access_it_declares():
    handlers = app_handlers()
    missing = sorted(set(handlers) - set(HANDLERS))
    gone = sorted(set(HANDLERS) - set(handlers))
    differ = sorted(f"{k}: the app declares {handlers[k][2]}, the table says {HANDLERS[k]}"
                    for k in set(handlers) & set(HANDLERS) if handlers[k][2] != HANDLERS[k])
    assert not missing, "handlers the table does not name (add them to expectations.HANDLERS): " + ", ".join(missing)
    assert not gone, "the table names handlers the app no longer has: " + ", ".join(gone)
    assert not differ, "\n".join(differ)


# --------------------------------------------------------------------------- judging one call


def _session_var(response: Response, names: dict[str, str], var: str, default=None):
    values = response.merged().get(names["SessionState"], {})
    for key, value in values.items():
        if key == var or key.startswith(var + "_rx_state_"):
            return value
    return default


def refusal(response: Response, names: dict[str, str]) -> str | None:
    """The guard's refusal signature in what a call received (None: not refused)."""
    from rxapp.state.session import MSG_ADMINS_ONLY, MSG_REVIEWERS_ONLY

    if any(path.startswith("/login?next=") for path in response.redirects):
        return LOGIN
    if response.redirects and _session_var(response, names, "notice") in (MSG_REVIEWERS_ONLY, MSG_ADMINS_ONLY):
        return ROLE
    return None


def judge(key: str, label: str, role: str, response: Response, names, others, findings: Findings) -> None:
    expected = outcome(HANDLERS[key], role)
    got = refusal(response, names) or RUNS
    if response.dropped:
        findings.add(key, label, "the server dropped the websocket")
    elif got != expected:
        findings.add(key, label, f"expected '{expected}', got '{got}' (redirects {response.redirects})")
    received = [response.deltas, response.events]
    text = world.dump(received)
    if (trace := world.traceback_in(text)) is not None:
        findings.add(key, label, f"a crash reached the client ({trace!r})")
    if "$argon2" in text:
        findings.add(key, label, "a password hash reached the client")
    for leak in world.canaries_in(received, others):
        findings.add(key, label, f"received {leak}")


class Findings:
    """What went wrong, grouped by (handler, problem) with the payloads that showed it."""

    def __init__(self, role: str):
        self.role = role
        self.by_problem: dict[tuple[str, str], list[str]] = {}

    def add(self, key: str, label: str, problem: str) -> None:
        self.by_problem.setdefault((key, problem), []).append(label)

    def lines(self) -> list[str]:
        return [f"{self.role} {key}: {problem} - {len(labels)} payload(s), e.g. {labels[0]}"
                for (key, problem), labels in sorted(self.by_problem.items())]


def _signed_out(response: Response, names) -> bool:
    return (_session_var(response, names, "signed_in") is False or _session_var(response, names, "token") == ""
            or any(path == "/login" or path.startswith("/login?") for path in response.redirects))


# --------------------------------------------------------------------------- one role's run


async def _log_in(tab: Tab, account: world.Account, handlers) -> None:
    """Log in as a browser does: the log-in page, its form's handler; the server writes the token."""
    await tab.connect("/login")
    response = await tab.call(handlers["LoginState.submit"][0], {"form": {"email": account.email,
                                                                          "password": account.password}})
    from rxapp.services import landing

    home = landing.home_of(account.role if account.role in ("reviewer", "admin") else "customer")
    assert response.redirects and response.redirects[-1].startswith(home), response
    assert _session_var(response, tab.names, "signed_in") is True, response.merged()


async def _reauth(tab: Tab, account: world.Account) -> None:
    token, _sid = session_token_for(account.email, ip=tab.local_addr, user_agent=f"attacker-suite/{tab.label}")
    await tab.store_token(token)


async def attack(role: str, server, cast) -> tuple[list[str], int]:
    handlers = app_handlers()
    names = state_names()
    account, victim = cast[role], cast[VICTIM[role]]
    # The tab's own account and, for the reviewer and admin, the customers are theirs to see.
    others = [a for r, a in cast.items() if a is not None and r != role] if role in (
        "signed_out", "customer_a", "customer_b") else []
    tab = Tab(server, local_addr=ADDRESS[role], state_names=names, label=role)
    findings = Findings(role)
    calls = 0
    try:
        if account is not None:
            await _log_in(tab, account, handlers)
        else:
            await tab.connect("/account")
        before = world.snapshot()
        query = payloads.query(victim)
        for key in sorted(HANDLERS):
            event_name, fn, _access = handlers[key]
            for label, payload in payloads.for_handler(fn, victim):
                response = await tab.call(event_name, payload, path="/account", query=query)
                calls += 1
                judge(key, label, role, response, names, others, findings)
                if account is not None and (_signed_out(response, names) or response.dropped):
                    await _reauth(tab, account)
        # A reconnect with the same client token: the hydrate delta must carry nothing of others either.
        await tab.close()
        response = await tab.connect("/account")
        for leak in world.canaries_in([response.deltas, response.events], others):
            findings.add("(reconnect with the same client token)", "hydrate", f"received {leak}")
        after = world.snapshot()
    finally:
        await tab.close()
    changes = world.diff(before, after)
    print(f"{role} changed: " + ", ".join(f"{t} {n}" for t, n in sorted(  # noqa: T201
        {c.table: sum(1 for d in changes if d.table == c.table) for c in changes}.items())))
    for change in changes:
        if change.table not in ("captchachallenge", "loginattempt", "loginsession"):
            print("   ", change)  # noqa: T201
    return findings.lines() + writes_not_allowed(role, account, changes), calls


def writes_not_allowed(role: str, account: world.Account | None, changes) -> list[str]:
    allowed = ALLOWED_WRITES[role]
    own = {account.user_id} if account is not None else set()
    bad = []
    for change in changes:
        grant = allowed.get(change.table)
        if grant == "any":
            continue
        if grant == "own" and own and change.owners <= own:
            continue
        bad.append(f"{role} changed {change}")
    return bad


@pytest.mark.parametrize("role", ROLES)
def test_a_hostile_client_gets_only_what_its_role_allows(role, server, cast):
    started = time.monotonic()
    failures, calls = asyncio.run(attack(role, server, cast))
    print(f"{role}: {calls} calls in {time.monotonic() - started:.1f} s")  # noqa: T201
    assert calls > 400
    assert not failures, f"{len(failures)} findings in {calls} calls:\n" + "\n".join(failures[:80])


def test_a_frame_over_the_websocket_limit_closes_only_that_socket(server, cast):
    """A string over a megabyte is Reflex's to refuse (its 1,000,000-byte frame limit): that socket is
    closed before any handler runs, nothing is written, and the tab reconnects and is served."""
    handlers = app_handlers()

    async def go():
        tab = Tab(server, local_addr="127.0.0.40", state_names=state_names(), label="oversize")
        try:
            await tab.connect("/login")
            before = world.snapshot()
            big = await tab.call(handlers["LoginState.submit"][0], {"form": {"email": "A" * 1_100_000}})
            after_big = world.snapshot()
            again = await tab.call(handlers["LoginState.load"][0], {})
            return big, again, world.diff(before, after_big)
        finally:
            await tab.close()

    big, again, changes = asyncio.run(go())
    assert big.dropped
    assert not again.dropped and not world.traceback_in(world.dump([again.deltas, again.events]))
    assert [c for c in changes if c.table not in ("captchachallenge",)] == []
