"""Registered products: the registration itself, My Products, replacing the invoice.

``register`` re-checks on the server everything the wizard checked step by
step (a client can call the last step with any payload).  The partial unique
index ``uq_registered_active_serial`` is the final guard against two accounts
registering one serial at the same moment.
"""

from __future__ import annotations

import calendar
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, select

from rxapp.i18n import N_, _, format_date, ngettext, territory
from rxapp.models import (
    Channel,
    FileKind,
    ProductCategory,
    ProductModel,
    RegisteredProduct,
    Region,
    SerialRecord,
    Store,
    StoredFile,
)
from rxapp.services import clock, serials
from rxapp.services.errors import Conflict, FieldErrors, NotFound

CHANNEL_MESSAGE = N_("Please choose where you bought the product: Retail store, Online retailer or Reseller.")


def add_months(start: date, months: int) -> date:
    """Calendar month arithmetic: 2021-01-31 + 1 month = 2021-02-28."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def warranty_text(end: date, today: date) -> str:
    days = (end - today).days
    if days >= 1:
        return ngettext("{n} day left", "{n} days left", days).format(n=days)
    if days == 0:
        return _("expires today")
    return _("expired")


def _coerce_channel(channel) -> Channel | None:
    if isinstance(channel, Channel):
        return channel
    try:
        return Channel(str(channel))
    except ValueError:
        return None


def _invoice_problem(session: Session, *, user_id: int, invoice_file_id) -> str | None:
    """Why this file cannot be the invoice, or None when it can."""
    try:
        file_id = int(invoice_file_id)
    except (TypeError, ValueError):
        return _("Please upload a photo or scan of your invoice.")
    stored = session.get(StoredFile, file_id)
    if stored is None or stored.owner_id != user_id:
        return _("We cannot find this invoice file. Please upload your invoice again.")
    if stored.kind != FileKind.invoice:
        return _("This file was uploaded as an S/N photo. Please upload your invoice here.")
    if stored.expires_at is not None:
        return _("This invoice is too wide: use Resize for me, or upload an image at most 1600 px wide.")
    return None


def register(
    *,
    session: Session,
    user_id: int,
    serial: str,
    chk: str,
    region_code: str,
    store_id: int,
    purchase_date: date | None,
    channel: Channel | str,
    invoice_file_id: int | None,
    require_invoice: bool = True,
) -> RegisteredProduct:
    """Register the product with ``serial`` to the customer; returns the new row (flushed).

    Checks: the serial exists and ``chk`` is its CHK (wrong tries count
    towards the lock), it is not registered already, the region exists and
    the store is one of its stores, the purchase date is not in the future
    (business today) nor before the model's release, the channel is one of
    the three, and the invoice is the customer's own invoice file.

    Raises FieldErrors keyed by serial, chk, region, store, purchase_date,
    channel, invoice (all field problems at once); Locked (CHK lock);
    Conflict when the serial is registered to another account (recorded) or
    when a concurrent registration wins the race (then the session's
    transaction has been rolled back).  The caller commits.
    """
    errors: dict[str, str] = {}

    region = session.get(Region, (region_code or "").upper()) if region_code else None
    if region is None:
        errors["region"] = _("Please choose the country or region where you bought the product.")
    store = None
    try:
        store = session.get(Store, int(store_id)) if store_id not in (None, "") else None
    except (TypeError, ValueError):
        store = None
    if store is None:
        errors["store"] = _("Please choose the store where you bought the product.")
    elif region is not None and store.region_code != region.code:
        errors["store"] = _("Please choose a store in {region}.").format(region=territory(region.code, region.name))

    chosen_channel = _coerce_channel(channel)
    if chosen_channel is None:
        errors["channel"] = _(CHANNEL_MESSAGE)

    if invoice_file_id is not None or require_invoice:
        problem = _invoice_problem(session, user_id=user_id, invoice_file_id=invoice_file_id)
        if problem:
            errors["invoice"] = problem

    today = clock.today(session)
    if not isinstance(purchase_date, date):
        errors["purchase_date"] = _("Please enter the purchase date shown on your invoice.")
    elif purchase_date > today:
        errors["purchase_date"] = _("The purchase date cannot be in the future.")

    record = None
    try:
        record = serials.check_chk(session=session, user_id=user_id, serial=serial, chk=chk)
    except FieldErrors as e:
        errors.update(e.errors)
    if record is not None and isinstance(purchase_date, date) and "purchase_date" not in errors:
        model = session.get(ProductModel, record.model_id)
        if purchase_date < model.release_date:
            errors["purchase_date"] = _(
                "The {model} went on sale on {date}: "
                "the purchase date cannot be earlier. Please check the date on your invoice."
            ).format(model=model.name, date=format_date(model.release_date))
    if errors:
        raise FieldErrors(errors)

    product = RegisteredProduct(
        user_id=user_id,
        serial_id=record.id,
        region_code=region.code,
        store_id=store.id,
        channel=chosen_channel,
        purchase_date=purchase_date,
        invoice_file_id=int(invoice_file_id) if invoice_file_id is not None else None,
    )
    session.add(product)
    try:
        session.flush()
    except sa.exc.IntegrityError:
        # Someone registered the same serial between our check and our insert.
        session.rollback()
        owner = session.exec(
            select(RegisteredProduct.user_id).where(
                RegisteredProduct.serial_id == record.id, RegisteredProduct.is_active == True  # noqa: E712
            )
        ).first()
        if owner == user_id:
            raise Conflict(_(serials.ALREADY_YOURS)) from None
        serials.record_conflict(session=session, user_id=user_id, serial=record.serial)
        raise Conflict(_(serials.ALREADY_REGISTERED_ELSEWHERE)) from None
    return product


def my_products(*, session: Session, user_id: int, today: date | None = None) -> list[dict]:
    """The customer's active products, most recently registered first, as plain rows.

    Each row: id, category, category_slug, product_name, model, serial,
    purchase_date (ISO), warranty_months, warranty_end (ISO; purchase date
    plus the category's warranty months), warranty_text ("N days left",
    "expires today" or "expired"), warranty_expired, has_invoice.
    """
    today = today or clock.today(session)
    rows = session.exec(
        select(RegisteredProduct, SerialRecord, ProductModel, ProductCategory)
        .join(SerialRecord, RegisteredProduct.serial_id == SerialRecord.id)
        .join(ProductModel, SerialRecord.model_id == ProductModel.id)
        .join(ProductCategory, ProductModel.category_id == ProductCategory.id)
        .where(RegisteredProduct.user_id == user_id, RegisteredProduct.is_active == True)  # noqa: E712
        .order_by(RegisteredProduct.registered_at.desc(), RegisteredProduct.id.desc())
    ).all()
    out = []
    for product, record, model, category in rows:
        end = add_months(product.purchase_date, category.warranty_months)
        out.append(
            {
                "id": product.id,
                "category": category.name,
                "category_slug": category.slug,
                "product_name": model.name,
                "model": model.model_number,
                "serial": record.serial,
                "purchase_date": product.purchase_date.isoformat(),
                "warranty_months": category.warranty_months,
                "warranty_end": end.isoformat(),
                "warranty_text": warranty_text(end, today),
                "warranty_expired": end < today,
                "has_invoice": product.invoice_file_id is not None,
            }
        )
    return out


def replace_invoice(
    *, session: Session, user_id: int, product_id: int, invoice_file_id: int
) -> RegisteredProduct:
    """Point the customer's product at a new invoice file; flushes, the caller commits.

    Raises NotFound when the product or the file is not the customer's, and
    FieldErrors({"invoice": …}) when the file is not a usable invoice.
    """
    product = session.get(RegisteredProduct, int(product_id))
    if product is None or product.user_id != user_id or not product.is_active:
        raise NotFound(_("We cannot find this product in your account."))
    stored = session.get(StoredFile, int(invoice_file_id))
    if stored is None or stored.owner_id != user_id:
        raise NotFound(_("We cannot find this invoice file. Please upload your invoice again."))
    problem = _invoice_problem(session, user_id=user_id, invoice_file_id=stored.id)
    if problem:
        raise FieldErrors({"invoice": problem})
    product.invoice_file_id = stored.id
    session.add(product)
    session.flush()
    return product
