"""The tab's language: from the account, the visitor's earlier choice or the browser, and switched at will.

Helpers over the tab's ``SessionState`` (which holds ``lang``, ``texts`` and the
``mc_lang`` cookie; its handlers call these).  The account's language wins on
any device (the session check applies it); otherwise a tab's first page load
settles it from the language this browser chose before (the cookie), else the
browser's ``Accept-Language``.  Switching in the top bar changes only the words on the
page: inputs are uncontrolled, so what was typed stays.  A signed-in member's
switch is saved on the account.
"""

from __future__ import annotations

from rxapp import db, i18n
from rxapp.services import profiles


def apply(session_state, lang: str | None) -> str:
    """Show the tab in ``lang`` (English for anything unknown); returns the tag applied."""
    code = i18n.known(lang) or i18n.SOURCE
    if session_state.lang != code or not session_state._lang_settled:
        session_state.lang = code
        session_state.texts = i18n.texts(code)
    session_state._lang_settled = True
    return code


def settle(session_state) -> None:
    """On a tab's first page load: this browser's earlier choice, else its ``Accept-Language``.

    A signed-in account's language then wins on every event (``SessionState._viewer_from_token``).
    """
    if session_state._lang_settled:
        return
    apply(session_state, i18n.known(session_state.lang_cookie)
          or i18n.negotiate(session_state.router.headers.accept_language))


def choose(session_state, lang, user_id: int | None) -> bool:
    """The visitor picked ``lang``: the tab, this browser's cookie and (signed in) the account follow.

    False (and nothing changes) for anything that is not one of our languages."""
    code = i18n.known(lang if isinstance(lang, str) else None)
    if code is None:
        return False
    apply(session_state, code)
    session_state.lang_cookie = code
    if user_id is not None:
        db.run(profiles.set_language, user_id=user_id, language=code)
    return True
