"""The reviewers' reason templates: list, create, update, delete.

One job: the canned reasons a reviewer picks when asking for a document or
rejecting a claim.  Each function takes the acting user's id and checks the
reviewer role itself (``services.access``).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, select

from rxapp.models import MissingDocument, ReasonTemplate
from rxapp.services import access
from rxapp.services.errors import FieldErrors, NotFound

TEMPLATE_MAX = 500


def list_templates(*, session: Session, actor_id: int) -> list[dict]:
    """Every reason template, needs-info ones first, then by text."""
    access.require_reviewer(session=session, user_id=actor_id)
    rows = session.exec(
        select(ReasonTemplate).order_by(ReasonTemplate.is_rejection, ReasonTemplate.text)
    ).all()
    return [
        {
            "template_id": t.id,
            "text": t.text,
            "missing_document": t.missing_document.value,
            "is_rejection": t.is_rejection,
        }
        for t in rows
    ]


def _clean_template(session: Session, text, missing_document, exclude_id: int | None):
    errors: dict[str, str] = {}
    clean = " ".join(str(text or "").split())
    if not clean:
        errors["text"] = "Please write the reason the customer will read."
    elif len(clean) > TEMPLATE_MAX:
        errors["text"] = f"Please keep the reason under {TEMPLATE_MAX} characters (it has {len(clean)})."
    else:
        dup = session.exec(
            select(ReasonTemplate.id).where(
                sa.func.lower(ReasonTemplate.text) == clean.lower(),
                *([ReasonTemplate.id != exclude_id] if exclude_id else []),
            )
        ).first()
        if dup:
            errors["text"] = "A template with this text already exists."
    doc = None
    try:
        doc = MissingDocument(missing_document)
    except ValueError:
        choices = ", ".join(m.value for m in MissingDocument)
        errors["missing_document"] = f"Please choose which document is missing ({choices})."
    if errors:
        raise FieldErrors(errors)
    return clean, doc


def create_template(
    *, session: Session, actor_id: int, text: str, missing_document, is_rejection: bool = False
) -> ReasonTemplate:
    """Add a reason template (flushed).  Raises ``Forbidden``, ``FieldErrors`` (text, missing_document)."""
    access.require_reviewer(session=session, user_id=actor_id)
    clean, doc = _clean_template(session, text, missing_document, None)
    t = ReasonTemplate(text=clean, missing_document=doc, is_rejection=bool(is_rejection))
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
) -> ReasonTemplate:
    """Change a template (flushed).  Raises ``Forbidden``, ``NotFound``, ``FieldErrors``."""
    access.require_reviewer(session=session, user_id=actor_id)
    t = session.get(ReasonTemplate, template_id)
    if t is None:
        raise NotFound("This template no longer exists. Please reload the list.")
    clean, doc = _clean_template(session, text, missing_document, t.id)
    t.text, t.missing_document, t.is_rejection = clean, doc, bool(is_rejection)
    session.add(t)
    session.flush()
    return t


def delete_template(*, session: Session, actor_id: int, template_id: int) -> None:
    """Remove a template (claims keep their reason text).  Raises ``Forbidden``, ``NotFound``."""
    access.require_reviewer(session=session, user_id=actor_id)
    t = session.get(ReasonTemplate, template_id)
    if t is None:
        raise NotFound("This template no longer exists. Please reload the list.")
    session.delete(t)
    session.flush()
