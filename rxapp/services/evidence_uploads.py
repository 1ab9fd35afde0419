"""The evidence pre-check of a file a customer uploads for one of their products.

The Redeem pages (Confirm and Redeem Again) and My Products' "Replace" check
a new invoice, or a new S/N photo, against the product as it was registered:
its model, purchase date, store and region (and the promotion's period when
redeeming), its serial.  ``services.evidence_check`` holds the checks; this
module finds the facts they compare with, for the customer who owns both the
product and the file.

``serial_conflict`` is the one rule that is not advice: an S/N photo whose
barcode decodes to another serial than the product's must be replaced or the
serial confirmed, and the submit handler refuses it otherwise.
"""

from __future__ import annotations

from sqlmodel import Session

from rxapp.i18n import _
from rxapp.models import ProductCategory, ProductModel, Promotion, RegisteredProduct, SerialRecord, StoredFile
from rxapp.services import evidence_check
from rxapp.services.errors import NotFound

INVOICE = "invoice"
SERIAL_PHOTO = "serial_photo"


def _owned(session: Session, user_id: int, product_id: int, file_id: int) -> RegisteredProduct:
    product = session.get(RegisteredProduct, product_id)
    stored = session.get(StoredFile, file_id)
    if product is None or product.user_id != user_id or stored is None or stored.owner_id != user_id:
        raise NotFound(_("We could not find this product in your account."))
    return product


def checks(
    *, session: Session, user_id: int, product_id: int, file_id: int, kind: str, promotion_id: int | None = None
) -> list[evidence_check.Check] | None:
    """The checks of ``file_id`` (an ``INVOICE`` or a ``SERIAL_PHOTO``) against the product ``product_id``.

    None while the file has not been read (or could not be: ``evidence_check.reading_error`` says).
    ``promotion_id`` adds the promotion's period to an invoice's checks.  Raises ``NotFound`` unless
    ``user_id`` owns both the product and the file.
    """
    product = _owned(session, user_id, product_id, file_id)
    serial = session.get(SerialRecord, product.serial_id)
    model = session.get(ProductModel, serial.model_id)
    if kind == SERIAL_PHOTO:
        category = session.get(ProductCategory, model.category_id)
        # the registered serial: not editable on the Redeem pages (the advice says so)
        check = evidence_check.serial_checklist(session=session, file_id=file_id, serial=serial.serial,
                                                serial_format=category.serial_format, serial_editable=False)
        return None if check is None else [check]
    promotion = session.get(Promotion, promotion_id) if promotion_id else None
    return evidence_check.invoice_checklist(
        session=session, file_id=file_id, model_name=model.name, purchase_date=product.purchase_date,
        store_id=product.store_id, region_code=product.region_code,
        period=(promotion.starts_on, promotion.ends_on) if promotion else None,
    )


def conflict_sentence(*, session: Session, product_id: int, found: list[evidence_check.Check] | None) -> str:
    """The sentence to show when the S/N photo's barcode contradicts the product's serial, else "".

    "The barcode on your photo reads X, you typed Y …": the customer replaces the photo or confirms the
    serial.  ``found``: the photo's checks (``checks(kind=SERIAL_PHOTO)``, which checked the owner); a
    photo not read (None) or unreadable contradicts nothing.
    """
    blocking = [c for c in found or [] if c.blocking]
    if not blocking:
        return ""
    product = session.get(RegisteredProduct, product_id)
    typed = session.get(SerialRecord, product.serial_id).serial
    return _("The barcode on your photo reads {barcode}, you typed {typed}: "
             "upload the photo of this product's sticker, or confirm that the serial number is right.").format(
        barcode=blocking[0].matched.strip(), typed=typed)

