"""Who the requesting browser is: the session in its ``mc_files`` cookie, checked in the database.

``SessionState`` keeps the browser's session token in this cookie (SameSite=Strict)
for the backend's plain routes, which cannot read the app's local storage: a
private file or the CSV export is handed only to the browser signed in as the
user its signed link names, so a leaked link is no use to anyone else.
"""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request

from rxapp import i18n
from rxapp.services import sessions

# The cookie SessionState sets (rx.Cookie name="mc_files").
SESSION_COOKIE = "mc_files"
# The language the visitor chose (SessionState.lang_cookie, rx.Cookie name="mc_lang").
LANGUAGE_COOKIE = "mc_lang"


def language(request: Request) -> str:
    """The browser's language: the one chosen in the app (its cookie), else its ``Accept-Language``."""
    return i18n.known(request.cookies.get(LANGUAGE_COOKIE)) or i18n.negotiate(
        request.headers.get("accept-language"))


def not_found_text(request: Request | None) -> str:
    """The body of a refused download, in the browser's language."""
    return i18n.gettext("Not found", language(request) if request is not None else i18n.SOURCE)


def signed_in_as(*, session: Session, request: Request, user_id: int) -> bool:
    """Whether the request comes from a browser whose live session belongs to ``user_id``."""
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token or len(token) > 200:
        return False
    found = sessions.resolve(session=session, token=token)
    return found is not None and found.user_id == user_id
