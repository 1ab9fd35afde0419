"""Account rules: sign-up checks, log-in (throttle, captcha, hash upgrade), account pages."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from passlib.context import CryptContext
from sqlmodel import select

from rxapp.models import (
    CaptchaChallenge,
    EmailMessage,
    LoginAttempt,
    LoginSession,
    RedemptionStatus,
    Region,
    Role,
    User,
    utcnow,
)
from rxapp.services import (
    account_fields,
    accounts,
    captcha,
    email_verification,
    emails,
    passwords,
    profiles,
    sessions,
    signing,
    user_roles,
)
from rxapp.services.errors import Conflict, FieldErrors, Forbidden, Locked, NotFound, ServiceError
from tests.factories import flows, rows
from tests.factories.captcha_proof import solve

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
FORM_KEYS = {"email", "password", "confirm_password", "first_name", "last_name", "region", "phone", "consent"}
GOOD_PASSWORD = "violet-harbour-17"
IP = "198.51.100.20"


@pytest.fixture()
def regions(session):
    names = {"US": "United States", "GB": "United Kingdom", "DE": "Germany", "FR": "France", "TW": "Taiwan"}
    for code, name in names.items():
        session.add(Region(code=code, name=name))
    session.commit()


def form(**overrides) -> dict:
    data = {
        "email": "Ann.Lee@Example.com",
        "password": GOOD_PASSWORD,
        "confirm_password": GOOD_PASSWORD,
        "first_name": "Ann",
        "last_name": "Lee",
        "region": "US",
        "phone": "(201) 555-0123",
        "consent": True,
        "newsletter": "on",
        "reward_program": False,
    }
    data.update(overrides)
    return data


@pytest.fixture(autouse=True)
def _easy_proof_of_work(monkeypatch):
    """These tests are about the accounts, not the work: an easy puzzle for each captcha."""
    monkeypatch.setattr(captcha, "POW_MAX_COUNTER", 300)


def solved(session) -> tuple[str, str, str]:
    """A fresh challenge, its right answer (read from the server side, as only a test may) and
    its proof of work (solved as the browser does)."""
    ch = captcha.new_challenge(session=session)
    return ch.id, str(session.get(CaptchaChallenge, ch.id).answer), solve(ch.pow)


def sign_up(session, **overrides) -> User:
    cid, answer, proof = solved(session)
    user = accounts.sign_up(session=session, form=form(**overrides), captcha_id=cid, captcha_proof=proof, captcha_answer=answer)
    session.commit()
    return user


def login(session, email="ann.lee@example.com", password=GOOD_PASSWORD, ip=IP, with_captcha=False, **kw):
    if with_captcha:
        kw["captcha_id"], kw["captcha_answer"], kw["captcha_proof"] = solved(session)
    return accounts.authenticate(session=session, email=email, password=password, ip_address=ip, **kw)


def errors_of(call) -> dict[str, str]:
    with pytest.raises(FieldErrors) as info:
        call()
    return info.value.errors


# --------------------------------------------------------------------------- regions and the password list


def test_regions_come_from_the_table_sorted_by_name(session, regions):
    assert profiles.regions(session=session) == [
        ("FR", "France"),
        ("DE", "Germany"),
        ("TW", "Taiwan"),
        ("GB", "United Kingdom"),
        ("US", "United States"),
    ]


def test_common_password_list_is_big_and_lower_case():
    words = accounts.common_passwords()
    assert len(words) >= 500
    assert all(w == w.lower() for w in words)
    assert {"123456", "password", "qwerty", "iloveyou", "1234567890", "qwertyuiop", "password123"} <= words
    assert sum(len(w) >= 10 for w in words) >= 200


# --------------------------------------------------------------------------- validate_sign_up


def validate_sign_up(*, session, form) -> dict[str, str]:
    """Every problem of a sign-up form as field -> message: the check ``accounts.sign_up`` runs first."""
    return accounts._check_sign_up(session, form)[1]



def test_valid_form_has_no_errors(session, regions):
    assert validate_sign_up(session=session, form=form()) == {}


@pytest.mark.parametrize("junk", [None, [], "email=a@b.c", 42, ("email", "x")])
def test_a_form_that_is_not_a_dict_is_an_empty_form(session, regions, junk):
    assert set(validate_sign_up(session=session, form=junk)) == {
        "email", "password", "confirm_password", "first_name", "region", "consent"
    }
    cid, answer, proof = solved(session)
    assert "captcha" not in errors_of(
        lambda: accounts.sign_up(session=session, form=junk, captcha_id=cid, captcha_proof=proof, captcha_answer=answer)
    )
    assert set(errors_of(lambda: profiles.update_profile(session=session, user_id=sign_up(session).id, form=junk))) == {
        "first_name", "region"
    }


def test_empty_form_reports_every_required_field(session, regions):
    errors = validate_sign_up(session=session, form={})
    assert set(errors) == {"email", "password", "confirm_password", "first_name", "region", "consent"}
    assert errors["email"] == "Please enter your email address."
    assert errors["consent"].startswith("Please agree to the Privacy Policy")


@pytest.mark.parametrize(
    "email",
    ["plain", "a@b", "a@@example.com", "a b@example.com", "ann@example", "@example.com", "ann@.com", "x" * 250 + "@x.com"],
)
def test_bad_email_syntax(session, regions, email):
    errors = validate_sign_up(session=session, form=form(email=email))
    assert errors["email"].startswith("Please check your email address")


def test_duplicate_email_regardless_of_case(session, regions):
    sign_up(session)
    errors = validate_sign_up(session=session, form=form(email="  ANN.LEE@example.COM "))
    assert errors == {"email": accounts.MSG_EMAIL_TAKEN}
    assert validate_sign_up(session=session, form=form(email="ann.lee2@example.com")) == {}


@pytest.mark.parametrize(
    "password,fragment",
    [
        ("", "Please choose a password."),
        ("short1!", "at least 10 characters"),
        ("x" * 257, "at most 256 characters"),
        ("Ann.Lee@example.com", "must not contain your email"),
        ("my-ann.lee@example.com-pw", "must not contain your email"),
        ("xx-ANN.LEE-xx-long", "must not contain your email"),
        ("1234567890", "too common"),
        ("QwertyUiop", "too common"),
        ("Password123", "too common"),
        ("iloveyou123", "too common"),
        ("abc\ud800defghijk", "cannot accept"),
        (12345678901, "made of text"),
    ],
)
def test_password_rules_say_which_rule_failed(session, regions, password, fragment):
    errors = validate_sign_up(session=session, form=form(password=password, confirm_password=password))
    assert fragment in errors["password"]


def test_short_local_part_does_not_forbid_innocent_passwords(session, regions):
    assert validate_sign_up(
        session=session, form=form(email="al@example.com", password="royal-albatross-9", confirm_password="royal-albatross-9")
    ) == {}
    errors = validate_sign_up(session=session, form=form(email="al@example.com", password="al", confirm_password="al"))
    assert "at least 10" in errors["password"]


def test_confirmation_must_match(session, regions):
    assert validate_sign_up(session=session, form=form(confirm_password="violet-harbour-18")) == {
        "confirm_password": "The two passwords do not match. Please type the same password twice."
    }
    assert "again" in validate_sign_up(session=session, form=form(confirm_password=""))["confirm_password"]


@pytest.mark.parametrize(
    "first,message",
    [
        ("", "Please enter your first name."),
        ("   ", "Please enter your first name."),
        ("A" * 81, "at most 80 characters"),
        ("Ann\nLee", "cannot accept"),
        ("Ann\x00", "cannot accept"),
        (["Ann"], "as text"),
    ],
)
def test_first_name_rules(session, regions, first, message):
    assert message in validate_sign_up(session=session, form=form(first_name=first))["first_name"]


def test_names_are_stripped_and_last_name_optional(session, regions):
    user = sign_up(session, first_name="  Zoë  ", last_name=None)
    assert (user.first_name, user.last_name) == ("Zoë", "")
    assert "at most 80" in validate_sign_up(session=session, form=form(last_name="L" * 81))["last_name"]


@pytest.mark.parametrize("region", ["", "XX", "usa", None, 5, ["US"], "U"])
def test_region_must_be_from_the_list(session, regions, region):
    errors = validate_sign_up(session=session, form=form(region=region, phone=""))
    assert errors == {"region": "Please choose your region / location from the list."}


def test_region_code_is_case_insensitive(session, regions):
    assert validate_sign_up(session=session, form=form(region=" us ")) == {}


@pytest.mark.parametrize(
    "region,phone,e164",
    [
        ("US", "(201) 555-0123", "+12015550123"),
        ("US", "+1 201 555 0123", "+12015550123"),
        ("GB", "07400 123456", "+447400123456"),
        ("DE", "01512 3456789", "+4915123456789"),
        ("FR", "06 12 34 56 78", "+33612345678"),
        ("TW", "0912 345 678", "+886912345678"),
        ("TW", "", ""),
        ("TW", None, ""),
    ],
)
def test_phone_valid_for_region_is_stored_in_e164(session, regions, region, phone, e164):
    user = sign_up(session, region=region, phone=phone)
    assert user.phone_e164 == e164


@pytest.mark.parametrize(
    "region,phone",
    [("US", "12345"), ("US", "+44 7400 123456"), ("GB", "555-0123"), ("DE", "not a number"), ("FR", "+33 6 12"), ("TW", "9" * 60)],
)
def test_phone_invalid_for_region(session, regions, region, phone):
    message = validate_sign_up(session=session, form=form(region=region, phone=phone))["phone"]
    name = dict(profiles.regions(session=session))[region]
    assert message.startswith(f"This is not a valid contact number for {name}.")
    assert "For example: +" in message


def test_phone_needs_a_region(session, regions):
    errors = validate_sign_up(session=session, form=form(region="", phone="0912 345 678"))
    assert "choose your region / location first" in errors["phone"]


@pytest.mark.parametrize(
    "consent,ok",
    [(True, True), ("on", True), ("true", True), (1, True)]
    + [(False, False), ("", False), (None, False), ("off", False), ([1], False)],
)
def test_consent_required(session, regions, consent, ok):
    errors = validate_sign_up(session=session, form=form(consent=consent))
    assert ("consent" not in errors) is ok


# --------------------------------------------------------------------------- sign_up


def test_sign_up_creates_a_customer_with_argon2id_hash_and_welcome_email(session, regions):
    user = sign_up(session)
    assert user.id is not None
    assert user.email == "ann.lee@example.com"
    assert user.role is Role.customer
    assert user.password_hash.startswith("$argon2id$")
    assert passwords.verify_password(GOOD_PASSWORD, user.password_hash)
    assert (user.newsletter, user.reward_program) == (True, False)
    assert user.email_verified_at is None
    mails = session.exec(select(EmailMessage).where(EmailMessage.user_id == user.id)).all()
    assert [(m.kind, m.to_email) for m in mails] == [("welcome", "ann.lee@example.com")]
    assert "/verify-email?token=" in mails[0].body_text


def test_sign_up_reports_all_errors_at_once_with_the_captcha(session, regions):
    cid, answer, proof = solved(session)
    errors = errors_of(
        lambda: accounts.sign_up(
            session=session,
            form=form(email="bad", password="short", first_name="", consent=False),
            captcha_id=cid,
            captcha_proof=proof,
            captcha_answer=str(int(answer) + 1),
        )
    )
    assert set(errors) == {"email", "password", "confirm_password", "first_name", "consent", "captcha"}
    assert errors["captcha"] == "That answer is not right. Please solve the new question."
    assert session.exec(select(User)).all() == []


def test_sign_up_captcha_messages(session, regions):
    cid, _, proof = solved(session)
    assert errors_of(lambda: accounts.sign_up(session=session, form=form(), captcha_id=cid, captcha_proof=proof, captcha_answer=" ")) == {
        "captcha": accounts.MSG_CAPTCHA_MISSING
    }
    # The question is used up even by a blank answer: the right answer now comes too late.
    answer = str(session.get(CaptchaChallenge, cid).answer)
    assert errors_of(lambda: accounts.sign_up(session=session, form=form(), captcha_id=cid, captcha_proof=proof, captcha_answer=answer)) == {
        "captcha": accounts.MSG_CAPTCHA_EXPIRED
    }


def test_sign_up_and_log_in_refuse_the_right_answer_without_the_proof_of_work(session, regions):
    """Issue #13, finding 6: a script reading the question off the page used to be let in."""
    cid, answer, _ = solved(session)
    assert errors_of(lambda: accounts.sign_up(session=session, form=form(), captcha_id=cid, captcha_answer=answer)) == {
        "captcha": accounts.MSG_CAPTCHA_NO_PROOF
    }
    assert session.exec(select(User)).all() == []
    sign_up(session)
    for _ in range(3):
        errors_of(lambda: login(session, password="wrong-password-1"))
    cid, answer, _ = solved(session)
    assert errors_of(lambda: login(session, captcha_id=cid, captcha_answer=answer)) == {
        "captcha": accounts.MSG_CAPTCHA_NO_PROOF
    }
    assert login(session, with_captcha=True).email == "ann.lee@example.com"


def test_used_captcha_stays_used_when_the_caller_rolls_back(session, regions):
    cid, answer, proof = solved(session)
    session.commit()
    with pytest.raises(FieldErrors):
        accounts.sign_up(session=session, form=form(first_name=""), captcha_id=cid, captcha_proof=proof, captcha_answer=answer)
    session.rollback()
    session.expire_all()
    assert session.get(CaptchaChallenge, cid).used_at is not None


def test_duplicate_email_only_said_once_the_captcha_is_right(session, regions):
    sign_up(session)
    cid, answer, proof = solved(session)
    assert errors_of(
        lambda: accounts.sign_up(session=session, form=form(email="ANN.LEE@EXAMPLE.COM"), captcha_id=cid, captcha_proof=proof, captcha_answer="999")
    ) == {"captcha": accounts.MSG_CAPTCHA_WRONG}
    cid, answer, proof = solved(session)
    assert errors_of(
        lambda: accounts.sign_up(session=session, form=form(email="ANN.LEE@EXAMPLE.COM"), captcha_id=cid, captcha_proof=proof, captcha_answer=answer)
    ) == {"email": accounts.MSG_EMAIL_TAKEN}
    assert len(session.exec(select(User)).all()) == 1


def test_lost_race_for_the_email_is_a_field_error(session, regions, engine):
    # Another request inserts the same email between our check and our insert.
    from sqlmodel import Session

    cid, answer, proof = solved(session)
    session.commit()
    original = account_fields.email_taken

    def taken_by_racer(s, email, **kw):
        with Session(engine) as other:
            other.add(User(email=email, password_hash="x", first_name="Racer", region_code="US"))
            other.commit()
        account_fields.email_taken = original
        return False

    account_fields.email_taken = taken_by_racer
    try:
        errors = errors_of(lambda: accounts.sign_up(session=session, form=form(), captcha_id=cid, captcha_proof=proof, captcha_answer=answer))
    finally:
        account_fields.email_taken = original
    assert errors == {"email": accounts.MSG_EMAIL_TAKEN}
    session.expire_all()
    assert session.get(CaptchaChallenge, cid).used_at is not None
    assert [u.first_name for u in session.exec(select(User)).all()] == ["Racer"]


# --------------------------------------------------------------------------- authenticate


def test_log_in_with_any_case_of_email(session, regions):
    user = sign_up(session)
    assert login(session, email="  ANN.Lee@example.com ").id == user.id
    attempts = session.exec(select(LoginAttempt)).all()
    assert [(a.email, a.ip_address, a.succeeded) for a in attempts] == [("ann.lee@example.com", IP, True)]


def test_wrong_password_and_unknown_email_get_the_same_message(session, regions):
    sign_up(session)
    assert errors_of(lambda: login(session, password="wrong-password-1")) == {"password": accounts.MSG_LOGIN_FAILED}
    assert errors_of(lambda: login(session, email="nobody@example.com")) == {"password": accounts.MSG_LOGIN_FAILED}


def test_unknown_email_spends_one_hash_verification_like_a_known_one(session, regions, monkeypatch):
    sign_up(session)
    calls: list[str] = []
    real_verify = passwords._context.verify

    def counting_verify(secret, hash_, **kw):
        calls.append(hash_)
        return real_verify(secret, hash_, **kw)

    monkeypatch.setattr(passwords._context, "verify", counting_verify)
    errors_of(lambda: login(session, email="nobody@example.com"))
    errors_of(lambda: login(session, password="wrong-password-1"))
    errors_of(lambda: login(session, email="nobody@example.com", password=["junk"]))
    assert len(calls) == 3
    assert calls[0] == calls[2] == passwords._DUMMY_HASH
    assert calls[1] != passwords._DUMMY_HASH and calls[1].startswith("$argon2id$")


def test_old_hash_is_upgraded_at_next_log_in(session, regions):
    user = sign_up(session)
    old = CryptContext(schemes=["argon2"], argon2__type="I", argon2__memory_cost=1024, argon2__time_cost=1)
    user.password_hash = old.hash(GOOD_PASSWORD)
    session.add(user)
    session.commit()
    assert user.password_hash.startswith("$argon2i$") and passwords.needs_update(user.password_hash)
    login(session)
    session.commit()
    session.expire_all()
    upgraded = session.get(User, user.id).password_hash
    assert upgraded.startswith("$argon2id$") and "m=19456" in upgraded
    assert not passwords.needs_update(upgraded)
    assert login(session).password_hash == upgraded  # no needless rehash


def test_missing_email_or_password(session, regions):
    assert errors_of(lambda: login(session, email="")) == {"email": "Please enter your email address."}
    assert errors_of(lambda: login(session, password=None)) == {"password": "Please enter your password."}
    assert session.exec(select(LoginAttempt)).all() == []


def test_captcha_required_after_three_failures(session, regions):
    sign_up(session)
    for _ in range(3):
        assert not accounts.captcha_required(session=session, email="ann.lee@example.com", ip_address=IP)
        errors_of(lambda: login(session, password="wrong-password-1"))
    assert accounts.captcha_required(session=session, email="ANN.LEE@example.com", ip_address=IP)
    # The right password alone is not enough now.
    assert errors_of(lambda: login(session)) == {"captcha": accounts.MSG_LOGIN_CAPTCHA}
    cid, answer, proof = solved(session)
    assert errors_of(lambda: login(session, captcha_id=cid, captcha_proof=proof, captcha_answer=str(int(answer) + 1))) == {
        "captcha": accounts.MSG_CAPTCHA_WRONG
    }
    assert session.get(CaptchaChallenge, cid).used_at is not None
    user = login(session, with_captcha=True)
    assert user.email == "ann.lee@example.com"
    assert not accounts.captcha_required(session=session, email="ann.lee@example.com", ip_address=IP)


def test_five_failures_lock_with_the_time_left(session, regions):
    sign_up(session)
    start = utcnow()
    for i in range(4):
        errors_of(lambda: login(session, password="wrong-password-1", with_captcha=i >= 3, now=start))
    with pytest.raises(Locked) as info:
        login(session, password="wrong-password-1", with_captcha=True, now=start)
    until = start + timedelta(minutes=15)
    assert info.value.until == until
    assert info.value.message == f"Too many failed log-ins. Try again in 15 minutes (after {until:%H:%M} UTC)."
    # The right password does not help while locked, and says how long is left.
    with pytest.raises(Locked) as info:
        login(session, with_captcha=True, now=start + timedelta(minutes=1))
    assert "Try again in 14 minutes" in info.value.message
    # After the lock: log in (the captcha is no longer asked: those failures are old).
    assert login(session, now=until).email == "ann.lee@example.com"


def test_failed_attempt_is_remembered_even_if_the_caller_rolls_back(session, regions):
    sign_up(session)
    with pytest.raises(FieldErrors):
        login(session, password="wrong-password-1")
    session.rollback()
    assert len(session.exec(select(LoginAttempt).where(LoginAttempt.succeeded == False)).all()) == 1  # noqa: E712


def test_address_lock_spans_emails(session, regions):
    user = sign_up(session)
    for i in range(4):
        errors_of(lambda: login(session, email=f"guess{i}@example.com"))
    with pytest.raises(Locked) as info:
        login(session, email="guess9@example.com")
    assert "from your network" in info.value.message
    with pytest.raises(Locked):
        login(session)  # the right owner from the same address waits too
    assert login(session, ip="192.0.2.55").id == user.id  # from elsewhere: fine


# --------------------------------------------------------------------------- profile, password, subscriptions


def test_profile_and_update_profile(session, regions):
    user = sign_up(session)
    assert profiles.profile(session=session, user_id=user.id)["phone"] == "+12015550123"
    updated = profiles.update_profile(
        session=session,
        user_id=user.id,
        form={"first_name": " Anne ", "last_name": "", "region": "tw", "phone": "0912 345 678"},
    )
    assert (updated.first_name, updated.last_name, updated.region_code, updated.phone_e164) == ("Anne", "", "TW", "+886912345678")
    errors = errors_of(
        lambda: profiles.update_profile(
            session=session, user_id=user.id, form={"first_name": "", "region": "DE", "phone": "+1 201 555 0123"}
        )
    )
    assert set(errors) == {"first_name", "phone"}
    with pytest.raises(NotFound):
        profiles.update_profile(session=session, user_id=99999, form={})


def test_change_password_revokes_other_sessions(session, regions):
    user = sign_up(session)
    keep_token, keep = sessions.create(session=session, user_id=user.id, user_agent="", ip_address="")
    other_token, _ = sessions.create(session=session, user_id=user.id, user_agent="", ip_address="")
    accounts.change_password(
        session=session,
        user_id=user.id,
        current_password=GOOD_PASSWORD,
        new_password="copper-lantern-42",
        confirm_password="copper-lantern-42",
        keep_session_id=keep.id,
    )
    session.commit()
    assert sessions.resolve(session=session, token=keep_token) is not None
    assert sessions.resolve(session=session, token=other_token) is None
    assert session.get(User, user.id).password_hash.startswith("$argon2id$")
    assert login(session, password="copper-lantern-42").id == user.id
    assert errors_of(lambda: login(session, password=GOOD_PASSWORD)) == {"password": accounts.MSG_LOGIN_FAILED}


def test_change_password_checks(session, regions):
    user = sign_up(session)

    def change(current, new, confirm):
        return errors_of(
            lambda: accounts.change_password(
                session=session, user_id=user.id, current_password=current, new_password=new,
                confirm_password=confirm, keep_session_id=None,
            )
        )

    assert change("", "copper-lantern-42", "copper-lantern-42") == {"current_password": "Please enter your current password."}
    assert change("nope-nope-nope", "copper-lantern-42", "copper-lantern-42") == {
        "current_password": "Your current password is not right. Please try again."
    }
    assert "too common" in change(GOOD_PASSWORD, "password123", "password123")["new_password"]
    assert "email" in change(GOOD_PASSWORD, "ann.lee@example.com!", "ann.lee@example.com!")["new_password"]
    assert "different" in change(GOOD_PASSWORD, GOOD_PASSWORD, GOOD_PASSWORD)["new_password"]
    assert set(change(GOOD_PASSWORD, "copper-lantern-42", "copper-lantern-43")) == {"confirm_password"}
    assert passwords.verify_password(GOOD_PASSWORD, session.get(User, user.id).password_hash)


def test_update_subscriptions(session, regions):
    user = sign_up(session)
    profiles.update_subscriptions(session=session, user_id=user.id, newsletter=False, reward_program=True)
    assert (user.newsletter, user.reward_program) == (False, True)
    profiles.update_subscriptions(session=session, user_id=user.id, newsletter="on", reward_program=["x"])
    assert (user.newsletter, user.reward_program) == (True, False)


# --------------------------------------------------------------------------- overview


def _product_with_claims(session, user, statuses):
    """One product (US, partner store) per entry, each for its own promotion, with a claim in that
    status made through the services' transitions (``None``: no claim)."""
    model, store = rows._model(session), rows._store(session, "US")
    for i, status in enumerate(statuses):
        product = rows._product(session, user, model=model, region="US", store=store)
        promo = rows._promotion(session, name=f"P{i}", regions=("US",), prize_name="Bag")
        if status is not None:
            flows.claim(session, product, promo, status=status,
                        recipient={"zipcode": "10001", "address": "1 Main St", "contact_number": "+12125550100"})
    session.flush()


def test_overview_counts_products_and_claims(session, regions):
    user = sign_up(session)
    _product_with_claims(session, user, [RedemptionStatus.approved, RedemptionStatus.approved, RedemptionStatus.needs_info, None])
    data = profiles.overview(session=session, user_id=user.id)
    assert data["name"] == "Ann Lee" and data["email"] == "ann.lee@example.com"
    assert data["verified"] is False and data["role"] == "customer"
    assert data["member_since"] == user.created_at.date() and data["region"] == "United States"
    assert data["products"] == 4
    assert data["claims"] == {"under_review": 0, "needs_info": 1, "approved": 2, "rejected": 0}
    assert data["claims_total"] == 3
    other = sign_up(session, email="bob@example.com")
    assert profiles.overview(session=session, user_id=other.id)["products"] == 0


# --------------------------------------------------------------------------- email verification


def test_verify_email_link(session, regions):
    user = sign_up(session)
    token = emails.verification_token(user)
    assert email_verification.verify_email(session=session, token=token).email_verified_at is not None
    first = user.email_verified_at
    assert email_verification.verify_email(session=session, token=token).email_verified_at == first  # idempotent
    assert profiles.overview(session=session, user_id=user.id)["verified"] is True


def test_verify_email_bad_links(session, regions):
    user = sign_up(session)
    expired = signing.sign(emails.VERIFY_PURPOSE, {"uid": user.id, "email": user.email}, 60, now=time.time() - 3600)
    with pytest.raises(ServiceError) as info:
        email_verification.verify_email(session=session, token=expired)
    assert type(info.value) is ServiceError and "expired" in info.value.message
    forged = emails.verification_token(user)[:-2] + "xx"
    other_purpose = signing.sign("file", {"uid": user.id, "email": user.email}, 60)
    stale = signing.sign(emails.VERIFY_PURPOSE, {"uid": user.id, "email": "old@example.com"}, 60)
    for token in (forged, other_purpose, stale, "", None, 7, "a.b.c", "x" * 3000):
        with pytest.raises(NotFound):
            email_verification.verify_email(session=session, token=token)
    assert session.get(User, user.id).email_verified_at is None


def test_resend_verification_at_most_once_a_minute(session, regions):
    user = sign_up(session)
    with pytest.raises(Conflict) as info:
        email_verification.resend_verification(session=session, user_id=user.id)
    assert "less than a minute ago" in info.value.message
    _age_emails(session, user, seconds=61)
    message = email_verification.resend_verification(session=session, user_id=user.id)
    assert message.kind == "welcome" and message.to_email == user.email
    with pytest.raises(Conflict):
        email_verification.resend_verification(session=session, user_id=user.id)
    _age_emails(session, user, seconds=61)
    email_verification.verify_email(session=session, token=emails.verification_token(user))
    with pytest.raises(Conflict) as info:
        email_verification.resend_verification(session=session, user_id=user.id)
    assert "already verified" in info.value.message
    assert len(session.exec(select(EmailMessage)).all()) == 2


def _age_emails(session, user, seconds):
    """Move the user's queued emails back in time (instead of sleeping)."""
    for m in session.exec(select(EmailMessage).where(EmailMessage.user_id == user.id)).all():
        m.created_at -= timedelta(seconds=seconds)
        session.add(m)
    session.flush()


# --------------------------------------------------------------------------- roles


def test_set_role(session, regions):
    admin = sign_up(session, email="admin@example.com")
    admin.role = Role.admin
    customer = sign_up(session, email="carl@example.com")
    reviewer = sign_up(session, email="rita@example.com")
    assert user_roles.set_role(session=session, actor_id=admin.id, user_id=reviewer.id, role=Role.reviewer).role is Role.reviewer
    assert user_roles.set_role(session=session, actor_id=admin.id, user_id=reviewer.id, role="customer").role is Role.customer
    user_roles.set_role(session=session, actor_id=admin.id, user_id=reviewer.id, role=Role.reviewer)
    for actor in (customer, reviewer):
        with pytest.raises(Forbidden):
            user_roles.set_role(session=session, actor_id=actor.id, user_id=customer.id, role=Role.reviewer)
    with pytest.raises(Forbidden):
        user_roles.set_role(session=session, actor_id=admin.id, user_id=admin.id, role=Role.customer)
    with pytest.raises(FieldErrors):
        user_roles.set_role(session=session, actor_id=admin.id, user_id=customer.id, role="overlord")
    with pytest.raises(NotFound):
        user_roles.set_role(session=session, actor_id=admin.id, user_id=424242, role=Role.reviewer)
    assert session.get(User, customer.id).role is Role.customer
    assert session.get(User, admin.id).role is Role.admin


# --------------------------------------------------------------------------- fuzzing: only FieldErrors / Locked

NASTY = st.sampled_from(
    ["", " ", "\x00", "\ud800", "\u202e", "Ω" * 300, "😀", "a@b.c", "x" * 10_000, "0", "-1", "null", "<script>", "İ@example.com"]
)
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    NASTY,
)
NAMES = st.one_of(st.text(max_size=100), JUNK)
PHONES = st.one_of(
    st.from_regex(r"\+?[0-9 ()\-.]{0,25}", fullmatch=True),
    st.sampled_from(
        ["(201) 555-0123", "+1 201 555 0123", "0912 345 678", "+886 912 345 678", "07400 123456"]
        + ["+44 7400 123456", "06 12 34 56 78", "tel:+1-201-555-0123", "+1 (201) 555-0123 ext. 5"]
    ),
    JUNK,
)
EMAILS = st.one_of(
    st.emails(), st.text(max_size=60), st.builds(lambda a: f"{a}@example.com", st.text(min_size=1, max_size=20)), JUNK
)
PASSWORDS = st.one_of(
    st.text(min_size=0, max_size=40), st.sampled_from([GOOD_PASSWORD, "password123", "1234567890"]), JUNK
)
REGIONS = st.one_of(st.sampled_from(["US", "GB", "DE", "FR", "TW", "us", "XX"]), JUNK)


def _form_strategy():
    return st.fixed_dictionaries(
        {
            "email": EMAILS,
            "password": PASSWORDS,
            "first_name": NAMES,
            "last_name": NAMES,
            "region": REGIONS,
            "phone": PHONES,
            "consent": st.one_of(st.booleans(), JUNK),
            "newsletter": JUNK,
        }
    ).flatmap(lambda d: st.sampled_from([d | {"confirm_password": d["password"]}, d]))


@FUZZ
@given(data=_form_strategy())
def test_fuzz_validate_sign_up(session, regions, data):
    errors = validate_sign_up(session=session, form=data)
    assert set(errors) <= FORM_KEYS
    assert all(isinstance(m, str) and m for m in errors.values())


@FUZZ
@given(data=_form_strategy(), right_captcha=st.booleans())
def test_fuzz_sign_up(session, regions, data, right_captcha):
    cid, answer, proof = solved(session)
    try:
        user = accounts.sign_up(session=session, form=data, captcha_id=cid, captcha_proof=proof, captcha_answer=answer if right_captcha else "x")
    except FieldErrors as exc:
        assert set(exc.errors) <= FORM_KEYS | {"captcha"}
        assert right_captcha or "captcha" in exc.errors
        event("refused")
        session.rollback()
        return
    session.commit()
    event("created")
    assert right_captcha
    assert user.email == user.email.lower() and user.password_hash.startswith("$argon2id$")
    assert user.phone_e164 == "" or user.phone_e164.startswith("+")
    assert 1 <= len(user.first_name) <= 80 and user.region_code in {"US", "GB", "DE", "FR", "TW"}


def _example_phones() -> list[tuple[str, str]]:
    """(region, number) pairs that are valid, written the ways people write them."""
    import phonenumbers

    pairs = []
    for region in ("US", "GB", "DE", "FR", "TW"):
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
            number = phonenumbers.example_number_for_type(region, kind)
            for fmt in (phonenumbers.PhoneNumberFormat.NATIONAL, phonenumbers.PhoneNumberFormat.INTERNATIONAL,
                        phonenumbers.PhoneNumberFormat.E164):
                pairs.append((region, phonenumbers.format_number(number, fmt)))
    return pairs


PLAUSIBLE = st.tuples(
    st.one_of(st.emails(), st.builds(lambda a: f"{a}@example.com", st.from_regex(r"[A-Za-z0-9._+-]{1,30}", fullmatch=True))),
    st.text(min_size=10, max_size=60),
    st.text(min_size=1, max_size=90),
    st.text(max_size=90),
    st.one_of(st.sampled_from(_example_phones()), st.tuples(st.sampled_from(["US", "TW"]), st.just(""))),
    st.booleans(),
).map(
    lambda t: form(
        email=t[0], password=t[1], confirm_password=t[1], first_name=t[2], last_name=t[3],
        region=t[4][0], phone=t[4][1], newsletter=t[5],
    )
)


@FUZZ
@given(data=PLAUSIBLE)
def test_fuzz_sign_up_plausible_forms(session, regions, data):
    cid, answer, proof = solved(session)
    try:
        user = accounts.sign_up(session=session, form=data, captcha_id=cid, captcha_proof=proof, captcha_answer=answer)
    except FieldErrors as exc:
        assert set(exc.errors) <= FORM_KEYS and "captcha" not in exc.errors
        event("refused: " + ",".join(sorted(exc.errors)))
        session.rollback()
        return
    session.commit()
    event("created")
    assert user.email == user.email.lower() and user.password_hash.startswith("$argon2id$")
    assert user.phone_e164 == "" or user.phone_e164.startswith("+")
    assert user.first_name == user.first_name.strip() and 1 <= len(user.first_name) <= 80
    # The new account can log in with exactly what was typed.
    assert login(session, email=data["email"], password=data["password"], ip=f"10.{user.id % 250}.0.1").id == user.id
    session.commit()


@FUZZ
@given(
    email=st.one_of(EMAILS, st.sampled_from(["ann.lee@example.com", "ANN.LEE@example.com "])),
    password=PASSWORDS,
    ip=st.one_of(st.text(max_size=80), JUNK),
    cid=JUNK,
    answer=JUNK,
)
def test_fuzz_authenticate(session, regions, email, password, ip, cid, answer):
    if not session.exec(select(User)).first():
        sign_up(session)
    try:
        accounts.authenticate(
            session=session, email=email, password=password, ip_address=ip, captcha_id=cid, captcha_proof=answer, captcha_answer=answer
        )
    except (FieldErrors, Locked) as exc:
        event(type(exc).__name__)
        assert exc.message
    else:  # only the real password of the real account gets in
        assert password == GOOD_PASSWORD
    session.rollback()


@FUZZ
@given(first=NAMES, last=NAMES, region=REGIONS, phone=PHONES, extra=JUNK)
def test_fuzz_update_profile(session, regions, first, last, region, phone, extra):
    user = session.exec(select(User)).first() or sign_up(session)
    try:
        updated = profiles.update_profile(
            session=session,
            user_id=user.id,
            form={"first_name": first, "last_name": last, "region": region, "phone": phone, "role": extra},
        )
    except FieldErrors as exc:
        assert set(exc.errors) <= {"first_name", "last_name", "region", "phone"}
        event("refused")
        session.rollback()
        return
    session.commit()
    event("saved")
    assert updated.role is Role.customer
    assert updated.phone_e164 == "" or updated.phone_e164.startswith("+")


@FUZZ
@given(current=PASSWORDS, new=PASSWORDS, confirm=st.one_of(PASSWORDS, st.just(None)))
def test_fuzz_change_password(session, regions, current, new, confirm):
    assume(new != "copper-lantern-42")
    user = session.exec(select(User)).first() or sign_up(session)
    try:
        accounts.change_password(
            session=session, user_id=user.id, current_password=current, new_password=new,
            confirm_password=confirm, keep_session_id=None,
        )
    except FieldErrors as exc:
        assert set(exc.errors) <= {"current_password", "new_password", "confirm_password"}
    session.rollback()


def test_no_datetime_naive_sneaks_into_attempts(session, regions):
    sign_up(session)
    errors_of(lambda: login(session, password="wrong-password-1"))
    row = session.exec(select(LoginAttempt)).first()
    assert row.created_at.tzinfo is not None and row.created_at <= datetime.now(timezone.utc)
    assert session.exec(select(LoginSession)).all() == []
