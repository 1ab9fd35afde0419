"""The reviewers' reason templates: list, create, update, delete.

One job: the canned reasons a reviewer picks when asking for a document or
rejecting a claim.  Each function takes the acting user's id and checks the
reviewer role itself (``services.access``).

Each template is written in one language (``language``, a tag of
``i18n.LANGUAGES``); the text reaches the customer as typed, never translated.
Deciding a claim, the reviewer is offered the templates in the customer's
language first (``list_templates(customer_language=…)``).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, select

from rxapp import i18n
from rxapp.i18n import _
from rxapp.models import MissingDocument, ReasonTemplate
from rxapp.services import access
from rxapp.services.errors import FieldErrors, NotFound

TEMPLATE_MAX = 500


def reader_language(language: str | None) -> str:
    """The language a customer reads (an account's ``language``): English when unset or unknown."""
    return i18n.known(language) or i18n.SOURCE


def list_templates(*, session: Session, actor_id: int, customer_language: str | None = None) -> list[dict]:
    """Every reason template, needs-info ones first, then by text.

    With ``customer_language`` (a customer's ``User.language``; "" or None is English), the templates
    written in that language come first within each kind (``"first"`` is True on them)."""
    access.check_reviewer(session=session, user_id=actor_id)
    rows = session.exec(
        select(ReasonTemplate).order_by(ReasonTemplate.is_rejection, ReasonTemplate.text)
    ).all()
    reader = reader_language(customer_language) if customer_language is not None else None
    out = [
        {
            "template_id": t.id,
            "text": t.text,
            "missing_document": t.missing_document.value,
            "is_rejection": t.is_rejection,
            "language": reader_language(t.language),
            "first": reader is not None and reader_language(t.language) == reader,
            # How a decision form lists it: a template not in English names its language.
            "label": t.text if reader_language(t.language) == i18n.SOURCE
            else f"{i18n.LANGUAGES[reader_language(t.language)]} · {t.text}",
        }
        for t in rows
    ]
    return sorted(out, key=lambda t: (t["is_rejection"], not t["first"])) if reader else out


def _clean_language(language, errors: dict[str, str]) -> str:
    if language is None or language == "":
        return i18n.SOURCE
    code = i18n.known(str(language))
    if code is None:
        errors["language"] = _("Please choose the language the reason is written in ({choices}).").format(
            choices=", ".join(i18n.LANGUAGES))
        return i18n.SOURCE
    return code


def _clean_template(session: Session, text, missing_document, exclude_id: int | None, language=None):
    errors: dict[str, str] = {}
    clean = " ".join(str(text or "").split())
    if not clean:
        errors["text"] = _("Please write the reason the customer will read.")
    elif len(clean) > TEMPLATE_MAX:
        errors["text"] = _("Please keep the reason under {max} characters (it has {count}).").format(
            max=TEMPLATE_MAX, count=len(clean))
    else:
        dup = session.exec(
            select(ReasonTemplate.id).where(
                sa.func.lower(ReasonTemplate.text) == clean.lower(),
                *([ReasonTemplate.id != exclude_id] if exclude_id else []),
            )
        ).first()
        if dup:
            errors["text"] = _("A template with this text already exists.")
    doc = None
    try:
        doc = MissingDocument(missing_document)
    except ValueError:
        choices = ", ".join(m.value for m in MissingDocument)
        errors["missing_document"] = _("Please choose which document is missing ({choices}).").format(
            choices=choices)
    lang = _clean_language(language, errors)
    if errors:
        raise FieldErrors(errors)
    return clean, doc, lang


def create_template(
    *, session: Session, actor_id: int, text: str, missing_document, is_rejection: bool = False,
    language: str | None = None,
) -> ReasonTemplate:
    """Add a reason template (flushed; ``language`` English when not given).  Raises ``Forbidden``,
    ``FieldErrors`` (text, missing_document, language)."""
    access.check_reviewer(session=session, user_id=actor_id)
    clean, doc, lang = _clean_template(session, text, missing_document, None, language)
    t = ReasonTemplate(text=clean, missing_document=doc, is_rejection=bool(is_rejection), language=lang)
    session.add(t)
    session.flush()
    return t


def update_template(
    *,
    session: Session,
    actor_id: int,
    template_id: int,
    text: str,
    missing_document,
    is_rejection: bool = False,
    language: str | None = None,
) -> ReasonTemplate:
    """Change a template (flushed; ``language`` kept when not given).  Raises ``Forbidden``,
    ``NotFound``, ``FieldErrors``."""
    access.check_reviewer(session=session, user_id=actor_id)
    t = session.get(ReasonTemplate, template_id)
    if t is None:
        raise NotFound(_("This template no longer exists. Please reload the list."))
    clean, doc, lang = _clean_template(session, text, missing_document, t.id,
                                      t.language if language is None else language)
    t.text, t.missing_document, t.is_rejection, t.language = clean, doc, bool(is_rejection), lang
    session.add(t)
    session.flush()
    return t


def delete_template(*, session: Session, actor_id: int, template_id: int) -> None:
    """Remove a template (claims keep their reason text).  Raises ``Forbidden``, ``NotFound``."""
    access.check_reviewer(session=session, user_id=actor_id)
    t = session.get(ReasonTemplate, template_id)
    if t is None:
        raise NotFound(_("This template no longer exists. Please reload the list."))
    session.delete(t)
    session.flush()
