"""Single clean evidence pictures for state and browser tests (the corpus proper is ``evidence_corpus``)."""

from __future__ import annotations

import io
import random

from rxapp.services.catalog_data import MODELS
from tests.factories.evidence_corpus import _render_invoice, _render_sticker, invoice_for  # noqa: F401 - re-exported


def sticker_for(*, serial: str, model_name: str = "", symbology: str = "code128", seed: int = 1) -> bytes:
    """One sharp S/N sticker photo (PNG) whose barcode (``symbology``: "code128" or "qr") and text read
    ``serial`` - the typed serial's, or another one to make a photo that contradicts it."""
    model = next((m for m in MODELS if m["name"] == model_name), None) or {"name": model_name or "Monitor",
                                                                            "model_number": "3CA9"}
    label = _render_sticker(random.Random(seed), serial=serial, model=model, symbology=symbology)
    buf = io.BytesIO()
    label.save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def invoice_without_date(*, model_name: str, store: str, seed: int = 2) -> bytes:
    """A clean scanned invoice naming ``model_name`` at ``store`` whose "Date" line is left blank."""
    model = next((m for m in MODELS if m["name"] == model_name), None) or {
        "name": model_name, "model_number": "", "category": "monitor"}
    paper = _render_invoice(random.Random(seed), lang="en", region="US", model=model, store=store, dtext="",
                            distractor=None)
    buf = io.BytesIO()
    paper.save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def other_serial(serial: str) -> str:
    """The same format, its last digit changed: what a photo of another unit's sticker reads."""
    i = max(i for i, ch in enumerate(serial) if ch.isdigit())
    return serial[:i] + str((int(serial[i]) + 1) % 10) + serial[i + 1:]
