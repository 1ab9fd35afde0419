"""The tab's language (issue 16): chosen from the browser, switched in the top bar, kept on the account.

Driven through Reflex's event processing with real sessions; the catalogs are the repo's own.
"""

from __future__ import annotations

from tests.factories.flows import session_token_for
from tests.state.test_account_state import fresh_email, make_account


def _signed_in_tab(new_client, email: str, **client):
    """A tab on Account Overview signed in as ``email`` (a session of its own: another device)."""
    token, _ = session_token_for(email)
    tab = new_client(path="/account", **client)
    tab._store_token(token)
    tab.open("/account")
    return tab


def _user_language(email: str) -> str:
    from sqlmodel import select

    from rxapp import db
    from rxapp.models import User

    with db.session_scope() as s:
        return s.exec(select(User.language).where(User.email == email)).one()


def test_a_first_visit_speaks_the_browser_s_language(new_client):
    from rxapp import i18n
    from rxapp.state.auth import LoginState
    from rxapp.state.session import SessionState

    for header, expected in (("zh-TW,zh;q=0.9,en;q=0.5", "zh-TW"), ("de-AT,de;q=0.8", "de"),
                             ("fr-FR,fr;q=0.9", "en"), ("", "en")):
        client = new_client(path="/login", accept_language=header)
        client.open("/login")
        session = client.get(SessionState)
        assert session.lang == expected, header
        assert session.texts == i18n.texts(expected)
    assert client.get(SessionState).texts == {}  # English sends no catalog
    zh = new_client(path="/login", accept_language="zh-TW")
    zh.open("/login")
    assert zh.get(SessionState).texts["Log in"] == i18n.gettext("Log in", "zh-TW") != "Log in"
    assert zh.get(LoginState) is not None


def test_switching_changes_the_words_and_the_handlers_messages_follow(new_client):
    from rxapp import i18n
    from rxapp.state.auth import SignUpState
    from rxapp.state.session import SessionState

    client = new_client(path="/signup")
    client.open("/signup")
    client.call(SessionState.choose_language, path="/signup", lang="de")
    session = client.get(SessionState)
    assert session.lang == "de" and session.lang_cookie == "de"
    assert session.texts["Sign Up"] == i18n.gettext("Sign Up", "de")
    client.call(SignUpState.submit, path="/signup", form={"email": "", "password": "short"})
    errors = client.get(SignUpState).errors
    assert errors["email"] == i18n.gettext("Please enter your email address.", "de") != "Please enter your email address."
    assert errors["password"] == i18n.gettext("Your password must be at least {n} characters long.", "de").format(n=10)

    before = client.get(SessionState)
    for junk in ("xx", "", None, 42, {"lang": "de"}, "de" * 500):
        r = client.call(SessionState.choose_language, path="/signup", lang=junk)
        assert not r.errors
        assert client.get(SessionState).lang == before.lang == "de"


def test_the_account_s_language_is_saved_and_wins_on_another_device(new_client):
    from rxapp import i18n
    from rxapp.state.account import ProfileState
    from rxapp.state.session import SessionState

    email = fresh_email()
    make_account(email)
    phone = _signed_in_tab(new_client, email)
    phone.call(SessionState.choose_language, path="/account", lang="zh-TW")
    assert _user_language(email) == "zh-TW"  # a signed-in switch is saved on the account

    laptop = _signed_in_tab(new_client, email, accept_language="de-DE")  # another device, another language
    assert laptop.get(SessionState).lang == "zh-TW"
    assert laptop.get(SessionState).texts["My Profile"] == i18n.gettext("My Profile", "zh-TW")

    # My Profile: the preference is a field of the form; a language we do not speak is refused beside it.
    laptop.call(ProfileState.load, path="/account/profile")
    assert laptop.get(ProfileState).profile["language"] == "zh-TW"
    form = {"first_name": "Sol", "last_name": "State", "region": "US", "phone": "", "language": "de"}
    laptop.call(ProfileState.submit, path="/account/profile", form=form)
    assert laptop.get(ProfileState).saved and _user_language(email) == "de"
    assert laptop.get(SessionState).lang == "de"
    laptop.call(ProfileState.submit, path="/account/profile", form={**form, "language": "klingon"})
    profile = laptop.get(ProfileState)
    assert not profile.saved and profile.errors["language"] == i18n.gettext(
        "Choose one of the languages offered.", "de")
    assert _user_language(email) == "de"
    phone.call(SessionState.require_member, path="/account")  # the phone's next event follows the account
    assert phone.get(SessionState).lang == "de"


def test_logging_out_keeps_the_tab_s_language(new_client):
    from rxapp.state.session import SessionState

    email = fresh_email()
    make_account(email)
    client = _signed_in_tab(new_client, email)
    client.call(SessionState.choose_language, path="/account", lang="de")
    client.call(SessionState.log_out, path="/account")
    session = client.get(SessionState)
    assert not session.signed_in and session.lang == "de" and session.texts
