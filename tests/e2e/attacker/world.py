"""The attacker suite's world: accounts full of canaries, every table's rows, and what leaked.

Each account the suite plays (customer A, customer B, the reviewer, the admin)
is seeded through the services with strings nobody else has - its email,
names, phone, registered serial, CHK, a claim's recipient address and phone,
and an email subject - so that any of them showing up in what the server sends
another account's tab is a leak with a name.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import select

from rxapp import db
from rxapp.models import (
    CaptchaChallenge,
    EmailMessage,
    MissingDocument,
    Promotion,
    RegisteredProduct,
    SerialRecord,
    User,
)
from rxapp.services import accounts, captcha, reason_templates
from tests.factories import flows
from tests.factories.captcha_proof import solve

PASSWORD = "Attacker-Suite-Passw0rd-2026"
_n = itertools.count(1)


@dataclass
class Account:
    """One account the suite plays, with the ids of what it owns and the canaries to look for."""

    role: str
    email: str
    password: str
    user_id: int
    product_ids: list[int] = field(default_factory=list)
    claim_ids: list[int] = field(default_factory=list)
    session_ids: list[int] = field(default_factory=list)
    message_ids: list[int] = field(default_factory=list)
    template_ids: list[int] = field(default_factory=list)  # a reason template made for it, a reviewer's target
    canaries: set[str] = field(default_factory=set)  # looked for anywhere in what a tab receives
    chks: set[str] = field(default_factory=set)  # 3 digits: looked for only under keys that say "chk"

    def ids(self) -> list[int]:
        return [self.user_id, *self.product_ids, *self.claim_ids, *self.session_ids, *self.message_ids,
                *self.template_ids]


def _tag() -> str:
    return f"{os.getpid() % 10000:04d}{next(_n)}"


def make_customer(role: str, letter: str) -> Account:
    """A customer signed up through the services, with a registered product and a claim, all canaries."""
    tag = _tag()
    email = f"canary-{letter.lower()}-{tag}@example.com"
    first, last = f"Qzfirst{letter}{tag}", f"Qzlast{letter}{tag}"
    phone = f"+1 650 253 {int(tag) % 10000:04d}"
    with db.session_scope() as s:
        challenge = captcha.new_challenge(session=s)
        answer = s.get(CaptchaChallenge, challenge.id).answer
        user = accounts.sign_up(
            session=s,
            form={"email": email, "password": PASSWORD, "confirm_password": PASSWORD, "first_name": first,
                  "last_name": last, "region": "US", "phone": phone, "consent": True},
            captcha_id=challenge.id, captcha_answer=str(answer), captcha_proof=solve(challenge.pow),
        )
        user_id = user.id
    account = Account(role=role, email=email, password=PASSWORD, user_id=user_id)
    registered = flows.register_product(user_id)
    account.product_ids.append(registered["product_id"])
    address = f"{tag} Qzcanary Avenue {letter}"
    with db.session_scope() as s:
        product = s.get(RegisteredProduct, registered["product_id"])
        promotion = s.get(Promotion, registered["promotion_id"])
        made = flows.claim(s, product, promotion, recipient={
            "first_name": f"Qzrecip{letter}{tag}", "last_name": last, "address": address,
            "contact_number": f"+1 650 253 {(int(tag) + 5000) % 10000:04d}", "zipcode": "94043"})
        account.claim_ids.append(made.id)
        # A message of its own in the outbox (the Mailbox reads it): a subject no one else has.
        message = EmailMessage(to_email=email, user_id=user_id, kind="canary", subject=f"Qzsubject {letter} {tag}",
                               body_text=f"Qzbody {letter} {tag}", message_id=f"<canary-{tag}@example.com>")
        s.add(message)
        s.flush()
        account.message_ids.append(message.id)
        # A reason template of its own: what the reviewer's and admin's template calls aim at, so the
        # demo's templates (which the browser tests use) are never the ones deleted.
        template = reason_templates.create_template(
            session=s, actor_id=flows.reviewer_id(), text=f"Qztemplate {letter} {tag}: please send the invoice.",
            missing_document=MissingDocument.invoice)
        account.template_ids.append(template.id)
        account.chks.add(s.get(SerialRecord, product.serial_id).chk)
    _collect_canaries(account)
    return account


def existing(role: str, email: str, password: str) -> Account:
    """A demo persona (reviewer, admin) as the suite plays it: its ids are targets, it has no canaries.

    In demo mode the personas' logins are public on purpose (``make run`` prints them and the Demo
    Kit lists them to every signed-in tab), so their emails are not secrets to look for.
    """
    with db.session_scope() as s:
        user = s.exec(select(User).where(User.email == email)).one()
        account = Account(role=role, email=email, password=password, user_id=user.id)
    account.session_ids.append(flows.session_token_for(account.email, ip="192.0.2.10")[1])
    return account


def _collect_canaries(account: Account) -> None:
    """A session of its own elsewhere (its id is a target for others), and what the database holds for the account and no one else: read back as stored."""
    account.session_ids.append(flows.session_token_for(account.email, ip="192.0.2.10")[1])
    with db.get_engine().connect() as c:
        user = c.execute(sa.text("SELECT email, first_name, last_name, phone_e164 FROM \"user\" WHERE id = :u"),
                         {"u": account.user_id}).one()
        account.canaries |= {v for v in user if v and len(v) >= 8}
        for row in c.execute(sa.text("SELECT r.serial FROM registeredproduct p JOIN serialrecord r"
                                     " ON r.id = p.serial_id WHERE p.user_id = :u"),
                             {"u": account.user_id}):
            account.canaries.add(row[0])
        for row in c.execute(sa.text("SELECT first_name, address, phone FROM redemption WHERE user_id = :u"),
                             {"u": account.user_id}):
            account.canaries |= {v for v in row if v and len(v) >= 8}
        for row in c.execute(sa.text("SELECT subject FROM emailmessage WHERE user_id = :u AND kind = 'canary'"),
                             {"u": account.user_id}):
            account.canaries.add(row[0])


# --------------------------------------------------------------------------- the database, row by row

# Who owns a row of a table (a column holding a user id); tables not listed belong to nobody in particular.
OWNER = {
    "user": "id",
    "loginsession": "user_id",
    "serialattempt": "user_id",
    "storedfile": "owner_id",
    "registeredproduct": "user_id",
    "redemption": "user_id",
    "redemptionevent": "actor_id",
    "emailmessage": "user_id",
    "registrationdraft": "user_id",
    "pendingapproval": "reviewer_id",
    "evidencereading": "owner_id",
}


def snapshot() -> dict[str, dict[tuple, dict[str, Any]]]:
    """{table: {primary key: row as a dict}} for every table."""
    engine = db.get_engine()
    meta = sa.MetaData()
    meta.reflect(engine)
    out: dict[str, dict[tuple, dict[str, Any]]] = {}
    with engine.connect() as c:
        for table in meta.sorted_tables:
            if table.name == "alembic_version":
                continue
            key_cols = [col.name for col in table.primary_key.columns] or [col.name for col in table.columns]
            rows = {}
            for row in c.execute(sa.select(table)).mappings():
                rows[tuple(row[k] for k in key_cols)] = dict(row)
            out[table.name] = rows
    return out


@dataclass(frozen=True)
class Change:
    table: str
    key: tuple
    kind: str  # added, removed, changed
    owners: frozenset  # the owner ids of the row before and after (None: a row without an owner column)
    columns: tuple[str, ...] = ()

    def __str__(self) -> str:
        cols = f" ({', '.join(self.columns)})" if self.columns else ""
        return f"{self.table}{list(self.key)} {self.kind}{cols} owner={sorted(map(str, self.owners))}"


def diff(before, after) -> list[Change]:
    changes: list[Change] = []
    for table in sorted(set(before) | set(after)):
        old, new = before.get(table, {}), after.get(table, {})
        owner = OWNER.get(table)
        for key in set(old) | set(new):
            a, b = old.get(key), new.get(key)
            if a == b:
                continue
            owners = frozenset(r.get(owner) for r in (a, b) if r is not None) if owner else frozenset({None})
            if a is None:
                changes.append(Change(table, key, "added", owners))
            elif b is None:
                changes.append(Change(table, key, "removed", owners))
            else:
                cols = tuple(sorted(k for k in a if a[k] != b.get(k)))
                changes.append(Change(table, key, "changed", owners, cols))
    return changes


# --------------------------------------------------------------------------- leaks

_TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\.py\", line \d+|\bsqlalchemy\.exc\b"
                        r"|An error occurred\.|backend_error", re.I)


def dump(value: Any) -> str:
    return json.dumps(value, default=repr, sort_keys=True, ensure_ascii=False)


def traceback_in(text: str) -> str | None:
    found = _TRACEBACK.search(text)
    return found.group(0) if found else None


def canaries_in(value: Any, others: list[Account]) -> list[str]:
    """The other accounts' canaries found in ``value`` (deltas and events, as received)."""
    text = dump(value).lower()
    digits = re.sub(r"\D", "", text)
    found = []
    for account in others:
        for canary in account.canaries:
            c = canary.lower()
            if c in text or (c.startswith("+") and len(c) > 9 and re.sub(r"\D", "", c) in digits):
                found.append(f"{account.role}'s {canary!r}")
        found += [f"{account.role}'s CHK {chk}" for chk in account.chks if chk in _chk_values(value)]
    return found


def _chk_values(value: Any, under_chk: bool = False) -> set[str]:
    """Every scalar found under a key that names a CHK."""
    out: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            out |= _chk_values(v, under_chk or "chk" in str(k).lower())
    elif isinstance(value, list | tuple):
        for v in value:
            out |= _chk_values(v, under_chk)
    elif under_chk and value is not None:
        out.add(str(value).strip())
    return out
