"""A customer's unit that the fast track can approve: registered days ago, with an invoice and an S/N
photo that read what was registered (``rxapp.services.demo_images``, read by the real OCR)."""

from __future__ import annotations

from datetime import timedelta

from rxapp import db
from rxapp.models import ProductCategory, ProductModel, RegisteredProduct, SerialRecord, Store, utcnow
from rxapp.services import clock, demo_images
from tests.factories import flows


def clean_unit(prefix: str = "fast") -> dict:
    """A new customer with a unit of the Game On Bundle registered 30 days ago; returns what
    ``flows.register_product`` does plus ``user_id``, ``email``, ``invoice`` and ``photo`` (JPEG bytes)."""
    user_id, email = flows.make_customer(prefix)
    unit = flows.register_product(user_id)
    with db.session_scope() as s:
        product = s.get(RegisteredProduct, unit["product_id"])
        product.registered_at = utcnow() - timedelta(days=30)
        s.add(product)
        record = s.get(SerialRecord, product.serial_id)
        model = s.get(ProductModel, record.model_id)
        category = s.get(ProductCategory, model.category_id)
        store = s.get(Store, product.store_id)
        spec = demo_images.InvoiceSpec(
            store=store.name, number=f"INV-{product.id}", order_number=f"ORD-{product.id}",
            day=product.purchase_date, buyer=("Casey Flow", "1 Main Street", "Portland, OR"),
            lines=((1, f"MSI {model.name} {model.model_number}", 329.99),),
        )
        invoice = demo_images.invoice_image(spec)
        photo = demo_images.serial_photo_image(record.serial, record.chk, model.name, model.model_number,
                                               category.name)
        today = clock.today(s)
    return {**unit, "user_id": user_id, "email": email, "invoice": invoice, "photo": photo, "today": today}
