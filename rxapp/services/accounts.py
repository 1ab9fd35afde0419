"""Customer accounts: sign-up, log-in, the password rules and changing the password.

Form input arrives as a dict from the browser and is never trusted (see
``account_fields``).  Checks report one message per field (``FieldErrors``)
and never raise anything else for bad input.

Transactions: functions flush and the caller commits, except where a docstring
says otherwise (``sign_up`` and ``authenticate`` commit before raising, so a
used captcha and a failed log-in are remembered even if the caller rolls back).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from rxapp.i18n import N_, _
from rxapp.models import Region, Role, User
from rxapp import settings
from rxapp.services import account_fields, captcha, catalog, clock, demo_seed, emails, passwords, sessions, throttle
from rxapp.services.errors import FieldErrors

PASSWORD_MIN = 10
PASSWORD_MAX = 256

MSG_EMAIL_TAKEN = N_("An account with this email already exists. Log in or reset your password.")
MSG_LOGIN_FAILED = N_("The email or password is incorrect.")
MSG_CAPTCHA_WRONG = captcha.MSG_WRONG
MSG_CAPTCHA_EXPIRED = captcha.MSG_EXPIRED
MSG_CAPTCHA_MISSING = captcha.MSG_MISSING
MSG_CAPTCHA_NO_PROOF = captcha.MSG_NO_PROOF
MSG_LOGIN_CAPTCHA = N_("For your security, please also answer the question below.")

_COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The common-password list (lower-case), read once."""
    lines = _COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip())


def _login_key(email: object) -> str:
    """The account an email as typed at log-in refers to (also the throttling key)."""
    normalised = account_fields.normalise_email(email)[0]
    return normalised or throttle.email_key(email)


def password_problem(password: object, *, email: str | None) -> str | None:
    """Why ``password`` may not be used (None when it may).  The rules, in order:
    at least PASSWORD_MIN characters, at most PASSWORD_MAX, hashable text,
    not the email (nor containing it or its local part), not a common password."""
    if password is None or password == "":
        return _("Please choose a password.")
    if not isinstance(password, str):
        return _("Please choose a password made of text.")
    if len(password) < PASSWORD_MIN:
        return _("Your password must be at least {n} characters long.").format(n=PASSWORD_MIN)
    if len(password) > PASSWORD_MAX:
        return _("Your password must be at most {n} characters long.").format(n=PASSWORD_MAX)
    if not passwords.acceptable(password):
        return _("Your password contains characters we cannot accept. Please choose another one.")
    lowered = password.lower()
    if email:
        email = email.lower()
        local = email.split("@", 1)[0]
        # A short local part ("al") would forbid too many innocent passwords.
        if email in lowered or lowered == local or (len(local) >= 4 and local in lowered):
            return _("Your password must not contain your email address. Please choose another one.")
    if lowered in common_passwords() or lowered.strip() in common_passwords():
        return _("This password is too common and easy to guess. Please choose another one.")
    return None


# --------------------------------------------------------------------------- sign-up


def _check_sign_up(session: Session, form: object) -> tuple[dict, dict[str, str]]:
    """(clean values, field -> message) for a sign-up form."""
    form = account_fields.form_mapping(form)
    errors: dict[str, str] = {}
    clean: dict = {}

    email, problem = account_fields.normalise_email(form.get("email"))
    if problem:
        errors["email"] = problem
    elif account_fields.email_taken(session, email):
        errors["email"] = _(MSG_EMAIL_TAKEN)
    clean["email"] = email

    password = form.get("password")
    problem = password_problem(password, email=email or account_fields.text_value(form.get("email")) or None)
    if problem:
        errors["password"] = problem
    clean["password"] = password

    confirm = form.get("confirm_password")
    if confirm is None or confirm == "":
        errors["confirm_password"] = _("Please type your password again.")
    elif confirm != password:
        errors["confirm_password"] = _("The two passwords do not match. Please type the same password twice.")

    names = (("first_name", N_("first name"), True), ("last_name", N_("last name"), False))
    for key, label, required in names:
        clean[key], problem = account_fields.check_name(form.get(key), label=label, required=required)
        if problem:
            errors[key] = problem

    region, problem = account_fields.check_region(session, form.get("region"))
    if problem:
        errors["region"] = problem
    clean["region"] = region

    clean["phone"], problem = account_fields.check_phone(form.get("phone"), region)
    if problem:
        errors["phone"] = problem

    if not account_fields.flag(form.get("consent")):
        errors["consent"] = _("Please agree to the Privacy Policy to create your account.")

    clean["newsletter"] = account_fields.flag(form.get("newsletter"))
    clean["reward_program"] = account_fields.flag(form.get("reward_program"))
    return clean, errors


def sign_up(
    *, session: Session, form: dict, captcha_id: str, captcha_answer: str, captcha_proof: object = None
) -> User:
    """Create a customer account from the sign-up form and queue the welcome email (flushed).

    Fields as in ``_check_sign_up``, plus ``newsletter`` and
    ``reward_program`` checkboxes.  The captcha is always used up, right or
    wrong, so after any error the form needs a new question.

    Raises ``FieldErrors`` with every problem at once (the captcha's under
    "captcha").  Before raising it commits, so the used captcha stays used even
    if the caller rolls back.  Whether an email already has an account is only
    said once the captcha is right: the form cannot be used to probe emails
    without solving a question each time.
    """
    clean, errors = _check_sign_up(session, form)
    outcome = captcha.consume(session=session, challenge_id=captcha_id, answer=captcha_answer,
                              proof=captcha_proof)
    problem = captcha.message(outcome, captcha_answer)
    if problem:
        errors["captcha"] = problem
        if errors.get("email") == MSG_EMAIL_TAKEN:
            del errors["email"]
    if errors:
        session.commit()
        raise FieldErrors(errors)

    user = User(
        email=clean["email"],
        password_hash=passwords.hash_password(clean["password"]),
        first_name=clean["first_name"],
        last_name=clean["last_name"],
        region_code=clean["region"].code,
        phone_e164=clean["phone"],
        newsletter=clean["newsletter"],
        reward_program=clean["reward_program"],
        role=Role.customer,
    )
    try:
        # A savepoint: losing a race for the email must not undo the used captcha.
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError:
        session.commit()
        raise FieldErrors({"email": MSG_EMAIL_TAKEN}) from None
    emails.queue_welcome(session=session, user=user)
    session.flush()
    return user


# --------------------------------------------------------------------------- log-in


def captcha_required(
    *, session: Session, email: object, ip_address: object = "", now: datetime | None = None
) -> bool:
    """True when the log-in form must show a captcha for this email: after
    ``throttle.CAPTCHA_AFTER_FAILURES`` recent failed log-ins of the account.
    (``ip_address`` is accepted for the caller's convenience; the rule is per account.)"""
    return throttle.captcha_required(session=session, email=_login_key(email), now=now)


def authenticate(
    *,
    session: Session,
    email: object,
    password: object,
    ip_address: object,
    captcha_id: str | None = None,
    captcha_answer: str | None = None,
    captcha_proof: object = None,
    now: datetime | None = None,
    demo_mode: bool | None = None,
) -> User:
    """The user whose email and password these are.

    With demo mode off (``demo_mode``, default: the app's setting) an account
    a demo seed created (``demo_seed.is_demo_email``: its password is public)
    is refused like a wrong password, after the same work.

    In order: refuses a locked email or address (``Locked``, whose message says
    when to try again); asks for the captcha once the account has had 3
    recent failures (``FieldErrors({"captcha": …})``); checks the password -
    spending the same time whether or not the email has an account.  On
    success the hash is upgraded if it was made with older parameters and the
    success is recorded (flushed; the caller commits with the new session).
    On failure the attempt is recorded and committed, then it raises
    ``Locked`` if this failure locked the email or address, else
    ``FieldErrors({"password": "The email or password is incorrect."})``.
    """
    now = now or clock.now()
    key = _login_key(email)
    ip = throttle.ip_key(ip_address)
    if not key:
        raise FieldErrors({"email": _("Please enter your email address.")})
    if password is None or password == "":
        raise FieldErrors({"password": _("Please enter your password.")})

    throttle.check(session=session, email=key, ip_address=ip, now=now)

    if throttle.captcha_required(session=session, email=key, now=now):
        if captcha_answer is None or (isinstance(captcha_answer, str) and not captcha_answer.strip()):
            raise FieldErrors({"captcha": _(MSG_LOGIN_CAPTCHA)})
        outcome = captcha.consume(session=session, challenge_id=captcha_id, answer=captcha_answer,
                                  proof=captcha_proof, now=now)
        problem = captcha.message(outcome, captcha_answer)
        if problem:
            session.commit()
            raise FieldErrors({"captcha": problem})

    user = session.exec(select(User).where(User.email == key)).first()
    if demo_mode is None:
        demo_mode = settings.get().demo
    if user is not None and not demo_mode and demo_seed.is_demo_email(user.email):
        user = None  # a demo account outside demo mode: refused as if it did not exist
    if passwords.verify_password(password, user.password_hash if user else None):
        if passwords.needs_update(user.password_hash):
            user.password_hash = passwords.hash_password(password)
            session.add(user)
        throttle.record(session=session, email=key, ip_address=ip, succeeded=True, now=now)
        session.flush()
        return user

    throttle.record(session=session, email=key, ip_address=ip, succeeded=False, now=now)
    session.commit()
    throttle.check(session=session, email=key, ip_address=ip, now=now)
    raise FieldErrors({"password": _(MSG_LOGIN_FAILED)})


# --------------------------------------------------------------------------- password


def new_password_problems(*, new_password, confirm_password, email: str) -> dict[str, str]:
    """A new password and its confirmation checked (the sign-up rules): {field: message}, empty when fine."""
    errors: dict[str, str] = {}
    problem = password_problem(new_password, email=email)
    if problem:
        errors["new_password"] = problem
    if confirm_password is None or confirm_password == "":
        errors["confirm_password"] = _("Please type your new password again.")
    elif confirm_password != new_password:
        errors["confirm_password"] = _("The two passwords do not match. Please type the same password twice.")
    return errors


def change_password(
    *,
    session: Session,
    user_id: int,
    current_password: object,
    new_password: object,
    confirm_password: object,
    keep_session_id: int | None,
) -> None:
    """Replace the password and end every other session of the user (flushed).

    The current password is required; the new one follows the sign-up rules
    and must differ from the current one.  Every session except
    ``keep_session_id`` (the caller's own) is revoked.  Raises
    ``FieldErrors`` under current_password / new_password / confirm_password,
    or ``NotFound``.
    """
    user = account_fields.get_user(session, user_id)
    errors: dict[str, str] = {}
    if current_password is None or current_password == "":
        errors["current_password"] = _("Please enter your current password.")
    elif not passwords.verify_password(current_password, user.password_hash):
        errors["current_password"] = _("Your current password is not right. Please try again.")
    errors |= new_password_problems(new_password=new_password, confirm_password=confirm_password,
                                    email=user.email)
    if "new_password" not in errors and "current_password" not in errors and new_password == current_password:
        errors["new_password"] = _("Your new password must be different from your current one.")
    if errors:
        raise FieldErrors(errors)
    user.password_hash = passwords.hash_password(new_password)
    session.add(user)
    sessions.revoke_others(session=session, user_id=user.id, keep_session_id=keep_session_id)
    session.flush()


# --------------------------------------------------------------------------- the operator's first admin


def create_admin(
    *, session: Session, email: object, password: object, first_name: str = "Admin", region_code: str = "US"
) -> User:
    """An administrator account, made by the operator on the command line (flushed).

    The same email and password rules as sign-up; the address counts as
    verified (the operator typed it).  ``region_code`` (an ISO country code)
    is created as a region when the database has none of that code yet.
    Raises ``FieldErrors`` under email / password / region.
    """
    errors: dict[str, str] = {}
    normalised, problem = account_fields.normalise_email(email)
    if problem:
        errors["email"] = problem
    elif account_fields.email_taken(session, normalised):
        errors["email"] = _("An account with this email already exists (change its role under Users & Roles).")
    elif demo_seed.is_demo_email(normalised):
        errors["email"] = _("This is a demo account's address; please use a real one.")
    problem = password_problem(password, email=normalised or None)
    if problem:
        errors["password"] = problem
    code = (region_code or "").strip().upper()
    if session.get(Region, code) is None:
        try:
            name = catalog.region_name(code)
        except KeyError:
            errors["region"] = f"{region_code!r} is not an ISO country code like US or DE."
        else:
            if not errors:
                session.add(Region(code=code, name=name))
    if errors:
        raise FieldErrors(errors)
    user = User(
        email=normalised,
        password_hash=passwords.hash_password(password),
        first_name=(first_name or "Admin").strip()[:80] or "Admin",
        region_code=code,
        role=Role.admin,
        email_verified_at=clock.now(),
    )
    session.add(user)
    session.flush()
    return user
