"""Customer accounts: sign-up, log-in, profile, password, subscriptions, roles.

Form input arrives as a dict from the browser and is never trusted: any value
may be missing, of the wrong type, huge or odd unicode.  Checks report one
message per field (``FieldErrors``) and never raise anything else for bad
input.

Transactions: functions flush and the caller commits, except where a docstring
says otherwise (``sign_up`` and ``authenticate`` commit before raising, so a
used captcha and a failed log-in are remembered even if the caller rolls back).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

import email_validator
import phonenumbers
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from rxapp.models import EmailMessage, Redemption, RedemptionStatus, Region, RegisteredProduct, Role, User
from rxapp.services import captcha, clock, emails, passwords, sessions, signing, throttle
from rxapp.services.errors import Conflict, FieldErrors, Forbidden, NotFound, ServiceError

PASSWORD_MIN = 10
PASSWORD_MAX = 256
NAME_MAX = 80
EMAIL_MAX = 254
RESEND_INTERVAL = timedelta(seconds=60)

MSG_EMAIL_TAKEN = "An account with this email already exists. Log in or reset your password."
MSG_LOGIN_FAILED = "The email or password is incorrect."
MSG_CAPTCHA_WRONG = "That answer is not right. Please solve the new question."
MSG_CAPTCHA_EXPIRED = "That question has expired. Please solve the new question."
MSG_CAPTCHA_MISSING = "Please answer the question to continue."
MSG_LOGIN_CAPTCHA = "For your security, please also answer the question below."
MSG_LINK_INVALID = "This verification link is not valid. Please copy the whole link from the email."
MSG_LINK_STALE = "This verification link is no longer valid for this account. Log in and ask for a new one."

_COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")
_TRUE_WORDS = {"1", "true", "on", "yes", "y", "checked"}


# --------------------------------------------------------------------------- small helpers


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The common-password list (lower-case), read once."""
    lines = _COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip())


def _text(value: object) -> str | None:
    """A form value as text: None/missing -> "", str and numbers as text, anything else -> None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return None


def _flag(value: object) -> bool:
    """A checkbox value: True, 1 or "on"/"true"/"yes"; anything else is unticked."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value == 1
    if isinstance(value, str):
        return value.strip().lower() in _TRUE_WORDS
    return False


def _has_bad_chars(text: str) -> bool:
    """Control characters, lone surrogates and line/paragraph separators."""
    return any(unicodedata.category(ch) in {"Cc", "Cs", "Zl", "Zp"} for ch in text)


def _form(form: object) -> Mapping:
    return form if isinstance(form, Mapping) else {}


def normalise_email(value: object) -> tuple[str | None, str | None]:
    """(normalised lower-case email, None) or (None, message for the customer).  No DNS lookups."""
    text = _text(value)
    if text is None or not text.strip():
        return None, "Please enter your email address."
    text = text.strip()
    if len(text) > EMAIL_MAX or _has_bad_chars(text):
        return None, "Please check your email address: it is not a valid email address."
    try:
        result = email_validator.validate_email(text, check_deliverability=False)
    except email_validator.EmailNotValidError as exc:
        return None, f"Please check your email address. {exc}"
    normalised = result.normalized.lower()
    if len(normalised) > EMAIL_MAX:
        return None, "Please check your email address: it is too long."
    return normalised, None


def _login_key(email: object) -> str:
    """The account an email as typed at log-in refers to (also the throttling key)."""
    normalised, _ = normalise_email(email)
    return normalised or throttle.email_key(email)


def password_problem(password: object, *, email: str | None) -> str | None:
    """Why ``password`` may not be used (None when it may).  The rules, in order:
    at least PASSWORD_MIN characters, at most PASSWORD_MAX, hashable text,
    not the email (nor containing it or its local part), not a common password."""
    if password is None or password == "":
        return "Please choose a password."
    if not isinstance(password, str):
        return "Please choose a password made of text."
    if len(password) < PASSWORD_MIN:
        return f"Your password must be at least {PASSWORD_MIN} characters long."
    if len(password) > PASSWORD_MAX:
        return f"Your password must be at most {PASSWORD_MAX} characters long."
    if not passwords.acceptable(password):
        return "Your password contains characters we cannot accept. Please choose another one."
    lowered = password.lower()
    if email:
        email = email.lower()
        local = email.split("@", 1)[0]
        # A short local part ("al") would forbid too many innocent passwords.
        if email in lowered or lowered == local or (len(local) >= 4 and local in lowered):
            return "Your password must not contain your email address. Please choose another one."
    if lowered in common_passwords() or lowered.strip() in common_passwords():
        return "This password is too common and easy to guess. Please choose another one."
    return None


def _name(value: object, *, label: str, required: bool) -> tuple[str, str | None]:
    text = _text(value)
    if text is None:
        return "", f"Please enter your {label} as text."
    text = unicodedata.normalize("NFC", text.strip())
    if not text:
        return "", (f"Please enter your {label}." if required else None)
    if _has_bad_chars(text):
        return "", (
            f"Your {label} contains characters we cannot accept, such as line breaks. Please remove them."
        )
    if len(text) > NAME_MAX:
        return "", f"Your {label} can be at most {NAME_MAX} characters long."
    return text, None


def _region(session: Session, value: object) -> tuple[Region | None, str | None]:
    text = _text(value)
    code = (text or "").strip().upper()
    region = session.get(Region, code) if len(code) == 2 and code.isascii() and code.isalpha() else None
    if region is None:
        return None, "Please choose your region / location from the list."
    return region, None


def _phone(value: object, region: Region | None) -> tuple[str, str | None]:
    """(E.164 number or "" when none was given, message or None)."""
    text = _text(value)
    if text is None:
        return "", "Please enter your contact number as digits, e.g. +1 201 555 0123."
    text = text.strip()
    if not text:
        return "", None
    if region is None:
        return "", "Please choose your region / location first, so we can check this number."
    example = phonenumbers.example_number_for_type(region.code, phonenumbers.PhoneNumberType.MOBILE)
    hint = (
        f" For example: {phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL)}."
        if example
        else ""
    )
    invalid = f"This is not a valid contact number for {region.name}. Please check it.{hint}"
    if len(text) > 40 or _has_bad_chars(text):
        return "", invalid
    try:
        number = phonenumbers.parse(text, region.code)
    except phonenumbers.NumberParseException:
        return "", invalid
    if not phonenumbers.is_valid_number_for_region(number, region.code):
        return "", invalid
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None


def _email_taken(session: Session, email: str, *, except_user_id: int | None = None) -> bool:
    stmt = select(User.id).where(func.lower(User.email) == email.lower())
    if except_user_id is not None:
        stmt = stmt.where(User.id != except_user_id)
    return session.exec(stmt).first() is not None


def _get_user(session: Session, user_id: object) -> User:
    user = session.get(User, user_id) if isinstance(user_id, int) and not isinstance(user_id, bool) else None
    if user is None:
        raise NotFound("We could not find your account. Please log in again.")
    return user


# --------------------------------------------------------------------------- reference data


def regions(*, session: Session) -> list[tuple[str, str]]:
    """Every region as (code, name), sorted by name: the Region / Location choices."""
    rows = session.exec(select(Region).order_by(Region.name, Region.code)).all()
    return [(r.code, r.name) for r in rows]


# --------------------------------------------------------------------------- sign-up


def _check_sign_up(session: Session, form: object) -> tuple[dict, dict[str, str]]:
    """(clean values, field -> message) for a sign-up form."""
    form = _form(form)
    errors: dict[str, str] = {}
    clean: dict = {}

    email, problem = normalise_email(form.get("email"))
    if problem:
        errors["email"] = problem
    elif _email_taken(session, email):
        errors["email"] = MSG_EMAIL_TAKEN
    clean["email"] = email

    password = form.get("password")
    problem = password_problem(password, email=email or _text(form.get("email")) or None)
    if problem:
        errors["password"] = problem
    clean["password"] = password

    confirm = form.get("confirm_password")
    if confirm is None or confirm == "":
        errors["confirm_password"] = "Please type your password again."
    elif confirm != password:
        errors["confirm_password"] = "The two passwords do not match. Please type the same password twice."

    for key, label, required in (("first_name", "first name", True), ("last_name", "last name", False)):
        clean[key], problem = _name(form.get(key), label=label, required=required)
        if problem:
            errors[key] = problem

    region, problem = _region(session, form.get("region"))
    if problem:
        errors["region"] = problem
    clean["region"] = region

    clean["phone"], problem = _phone(form.get("phone"), region)
    if problem:
        errors["phone"] = problem

    if not _flag(form.get("consent")):
        errors["consent"] = "Please agree to the Privacy Policy to create your account."

    clean["newsletter"] = _flag(form.get("newsletter"))
    clean["reward_program"] = _flag(form.get("reward_program"))
    return clean, errors


def validate_sign_up(*, session: Session, form: dict) -> dict[str, str]:
    """Every problem of a sign-up form as field -> message (empty when all is well).

    Keys: email, password, confirm_password, first_name, last_name, region,
    phone, consent.  The captcha is checked by ``sign_up``.  Never raises for
    bad input.
    """
    return _check_sign_up(session, form)[1]


def _captcha_message(outcome: captcha.Outcome, answer: object) -> str | None:
    if outcome is captcha.Outcome.right:
        return None
    if answer is None or (isinstance(answer, str) and not answer.strip()):
        return MSG_CAPTCHA_MISSING
    if outcome is captcha.Outcome.expired:
        return MSG_CAPTCHA_EXPIRED
    return MSG_CAPTCHA_WRONG


def sign_up(*, session: Session, form: dict, captcha_id: str, captcha_answer: str) -> User:
    """Create a customer account from the sign-up form and queue the welcome email (flushed).

    Fields as in ``validate_sign_up``, plus ``newsletter`` and
    ``reward_program`` checkboxes.  The captcha is always used up, right or
    wrong, so after any error the form needs a new question.

    Raises ``FieldErrors`` with every problem at once (the captcha's under
    "captcha").  Before raising it commits, so the used captcha stays used even
    if the caller rolls back.  Whether an email already has an account is only
    said once the captcha is right: the form cannot be used to probe emails
    without solving a question each time.
    """
    clean, errors = _check_sign_up(session, form)
    outcome = captcha.consume(session=session, challenge_id=captcha_id, answer=captcha_answer)
    problem = _captcha_message(outcome, captcha_answer)
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
    now: datetime | None = None,
) -> User:
    """The user whose email and password these are.

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
        raise FieldErrors({"email": "Please enter your email address."})
    if password is None or password == "":
        raise FieldErrors({"password": "Please enter your password."})

    throttle.check(session=session, email=key, ip_address=ip, now=now)

    if throttle.captcha_required(session=session, email=key, now=now):
        if captcha_answer is None or (isinstance(captcha_answer, str) and not captcha_answer.strip()):
            raise FieldErrors({"captcha": MSG_LOGIN_CAPTCHA})
        outcome = captcha.consume(session=session, challenge_id=captcha_id, answer=captcha_answer, now=now)
        problem = _captcha_message(outcome, captcha_answer)
        if problem:
            session.commit()
            raise FieldErrors({"captcha": problem})

    user = session.exec(select(User).where(User.email == key)).first()
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
    raise FieldErrors({"password": MSG_LOGIN_FAILED})


# --------------------------------------------------------------------------- account pages


def profile(*, session: Session, user_id: int) -> dict:
    """The My Profile form's current values: first_name, last_name, region, phone,
    email, newsletter, reward_program.  Raises ``NotFound``."""
    user = _get_user(session, user_id)
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "region": user.region_code,
        "phone": user.phone_e164,
        "newsletter": user.newsletter,
        "reward_program": user.reward_program,
    }


def update_profile(*, session: Session, user_id: int, form: dict) -> User:
    """Save first_name, last_name, region and phone from the My Profile form (flushed).

    The same checks as sign-up; the phone is stored in E.164.  Raises
    ``FieldErrors`` (every problem at once) or ``NotFound``.
    """
    user = _get_user(session, user_id)
    form = _form(form)
    errors: dict[str, str] = {}
    first, problem = _name(form.get("first_name"), label="first name", required=True)
    if problem:
        errors["first_name"] = problem
    last, problem = _name(form.get("last_name"), label="last name", required=False)
    if problem:
        errors["last_name"] = problem
    region, problem = _region(session, form.get("region"))
    if problem:
        errors["region"] = problem
    phone, problem = _phone(form.get("phone"), region)
    if problem:
        errors["phone"] = problem
    if errors:
        raise FieldErrors(errors)
    user.first_name, user.last_name, user.region_code, user.phone_e164 = first, last, region.code, phone
    session.add(user)
    session.flush()
    return user


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
    user = _get_user(session, user_id)
    errors: dict[str, str] = {}
    if current_password is None or current_password == "":
        errors["current_password"] = "Please enter your current password."
    elif not passwords.verify_password(current_password, user.password_hash):
        errors["current_password"] = "Your current password is not right. Please try again."
    problem = password_problem(new_password, email=user.email)
    if problem:
        errors["new_password"] = problem
    elif "current_password" not in errors and new_password == current_password:
        errors["new_password"] = "Your new password must be different from your current one."
    if confirm_password is None or confirm_password == "":
        errors["confirm_password"] = "Please type your new password again."
    elif confirm_password != new_password:
        errors["confirm_password"] = "The two passwords do not match. Please type the same password twice."
    if errors:
        raise FieldErrors(errors)
    user.password_hash = passwords.hash_password(new_password)
    session.add(user)
    sessions.revoke_others(session=session, user_id=user.id, keep_session_id=keep_session_id)
    session.flush()


def update_subscriptions(
    *, session: Session, user_id: int, newsletter: object, reward_program: object
) -> User:
    """Save the Subscribe page's choices (flushed).  Raises ``NotFound``."""
    user = _get_user(session, user_id)
    user.newsletter = _flag(newsletter)
    user.reward_program = _flag(reward_program)
    session.add(user)
    session.flush()
    return user


def overview(*, session: Session, user_id: int) -> dict:
    """Account Overview as a plain dict.

    ``name, first_name, email, verified, role, member_since (date), region,
    products`` (active registrations), ``claims`` ({status value: count} with
    every status present) and ``claims_total``.  Raises ``NotFound``.
    """
    user = _get_user(session, user_id)
    products = session.exec(
        select(func.count())
        .select_from(RegisteredProduct)
        .where(RegisteredProduct.user_id == user.id, RegisteredProduct.is_active == sa.true())
    ).one()
    claims = {status.value: 0 for status in RedemptionStatus}
    for status, count in session.exec(
        select(Redemption.status, func.count())
        .where(Redemption.user_id == user.id)
        .group_by(Redemption.status)
    ).all():
        claims[RedemptionStatus(status).value] = count
    region = session.get(Region, user.region_code)
    return {
        "name": f"{user.first_name} {user.last_name}".strip(),
        "first_name": user.first_name,
        "email": user.email,
        "verified": user.email_verified_at is not None,
        "role": user.role.value,
        "member_since": user.created_at.date(),
        "region": region.name if region else user.region_code,
        "products": int(products),
        "claims": claims,
        "claims_total": sum(claims.values()),
    }


# --------------------------------------------------------------------------- email verification


def verify_email(*, session: Session, token: object, now: float | None = None) -> User:
    """Mark the email of the link's account verified (flushed; idempotent).

    Raises ``ServiceError`` for an expired link and ``NotFound`` for a link
    that is malformed, forged, or for an email the account no longer has.
    """
    if not isinstance(token, str) or not token or len(token) > 2000:
        raise NotFound(MSG_LINK_INVALID)
    try:
        payload = signing.verify(emails.VERIFY_PURPOSE, token, now=now)
    except signing.BadSignature as exc:
        if str(exc) == "expired":
            raise ServiceError(
                "This verification link has expired. Log in and ask for a new one on Account Overview."
            ) from None
        raise NotFound(MSG_LINK_INVALID) from None
    uid, email = payload.get("uid"), payload.get("email")
    user = session.get(User, uid) if isinstance(uid, int) and not isinstance(uid, bool) else None
    if user is None or user.email != email:
        raise NotFound(MSG_LINK_STALE)
    if user.email_verified_at is None:
        user.email_verified_at = clock.now()
        session.add(user)
        session.flush()
    return user


def resend_verification(*, session: Session, user_id: int) -> EmailMessage:
    """Queue a new welcome / verification email (flushed).

    Raises ``Conflict`` when the email is already verified or one was queued
    less than ``RESEND_INTERVAL`` ago, and ``NotFound``.
    """
    now = clock.now()
    user = _get_user(session, user_id)
    if user.email_verified_at is not None:
        raise Conflict("Your email address is already verified. There is nothing more to do.")
    last = session.exec(
        select(func.max(EmailMessage.created_at)).where(
            EmailMessage.user_id == user.id, EmailMessage.kind == "welcome"
        )
    ).one()
    if last is not None:
        if last.tzinfo is None:  # aggregate results skip the column type on some backends
            last = last.replace(tzinfo=now.tzinfo)
        wait = RESEND_INTERVAL - (now - last)
        if wait > timedelta(0):
            seconds = max(1, int(wait.total_seconds() + 0.999))
            raise Conflict(
                "We sent you a verification email less than a minute ago. Please check your inbox "
                f"(and spam folder), or try again in {seconds} seconds."
            )
    return emails.queue_welcome(session=session, user=user)


# --------------------------------------------------------------------------- roles


def set_role(*, session: Session, actor_id: int, user_id: int, role: Role | str) -> User:
    """Give ``user_id`` the role (flushed).  Only an admin may change roles, and
    an admin cannot take the admin role away from themselves.

    Raises ``Forbidden``, ``NotFound``, or ``FieldErrors({"role": …})`` for an unknown role.
    """
    actor = session.get(User, actor_id) if isinstance(actor_id, int) else None
    if actor is None or actor.role is not Role.admin:
        raise Forbidden("Only an administrator can change roles.")
    try:
        new_role = Role(role)
    except ValueError:
        raise FieldErrors({"role": "Please choose customer, reviewer or admin."}) from None
    user = _get_user(session, user_id)
    if user.id == actor.id and new_role is not Role.admin:
        raise Forbidden("You cannot remove your own administrator role. Ask another administrator.")
    user.role = new_role
    session.add(user)
    session.flush()
    return user


def find_users(*, session: Session, actor_id: int, query: str, limit: int = 25) -> list[dict]:
    """Accounts whose email contains ``query`` (any case), for the admin's Users & roles page.

    An empty query lists the reviewers and admins.  Each row: user_id, email,
    name, role.  Raises ``Forbidden`` unless ``actor_id`` is an admin.
    """
    actor = session.get(User, actor_id) if isinstance(actor_id, int) and not isinstance(actor_id, bool) else None
    if actor is None or actor.role is not Role.admin:
        raise Forbidden("Only an administrator can manage roles.")
    text = " ".join(str(query or "").split()).lower()[:254]
    stmt = select(User)
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(User.email.like(f"%{escaped}%", escape="\\"))
    else:
        stmt = stmt.where(User.role.in_([Role.reviewer, Role.admin]))
    rows = session.exec(stmt.order_by(User.email).limit(max(1, min(int(limit), 100)))).all()
    return [
        {
            "user_id": u.id,
            "email": u.email,
            "name": f"{u.first_name} {u.last_name}".strip(),
            "role": u.role.value,
        }
        for u in rows
    ]
