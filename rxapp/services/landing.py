"""Where a browser goes after log-in: the one rule, for every way of signing in.

* a ``next=`` path wins when it is a same-site path inside a signed-in area
  (``routes.SIGNED_IN_AREAS``): never another site, never a scheme, never a
  protocol-relative ``//host`` or a backslash trick;
* otherwise each role goes where its work is: reviewers and admins to the
  claim queue, customers to their Account Overview.
"""

from __future__ import annotations

from urllib.parse import unquote

from rxapp import routes
from rxapp.models import Role

REVIEWER_ROLES = frozenset({Role.reviewer, Role.admin})


def home_of(role: Role | str | None) -> str:
    """The page a user of ``role`` starts from: the claim queue for reviewers and admins, else the overview."""
    try:
        role = Role(getattr(role, "value", role))
    except ValueError:
        return routes.ACCOUNT_OVERVIEW
    return routes.ADMIN if role in REVIEWER_ROLES else routes.ACCOUNT_OVERVIEW


def safe_next(raw: object) -> str | None:
    """``raw`` (a ``next=`` value, quoted or not) when it is a same-site path of a signed-in area, else None."""
    if not isinstance(raw, str) or not raw or len(raw) > 2000:
        return None
    target = unquote(raw)
    if not target.startswith("/") or target.startswith("//") or "://" in target or "\\" in target:
        return None
    if any(ch.isspace() or ord(ch) < 32 for ch in target):
        return None
    for area in routes.SIGNED_IN_AREAS:
        if target == area or target.startswith(area + "/") or target.startswith(area + "?"):
            return target
    return None


def after_log_in(*, role: Role | str | None, next_path: object = None) -> str:
    """Where to send a user of ``role`` who just signed in (or opened the log-in page while signed in)."""
    return safe_next(next_path) or home_of(role)
