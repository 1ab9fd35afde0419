"""The evidence pre-check on real pictures: a small subset of the generated corpus through the real OCR engine.

OCR is CPU-heavy, so this reads 4 invoices (one per language, one of them a
photo at an angle) and 6 S/N stickers; the thresholds are modest.  The whole
corpus and the goals (≥ 95 % model recall, ≤ 2 % false matches, …) are
``bench/bench_evidence.py``'s rows.
"""

from __future__ import annotations

import io

import pytest
from sqlmodel import select

from rxapp import settings
from rxapp.models import EvidenceReading, FileKind, Region, StoredFile, User
from rxapp.services import evidence_check as ec
from rxapp.services import file_folder, file_store, ocr_reader
from tests.factories.evidence_corpus import invoice_corpus, sticker_corpus


@pytest.fixture(scope="module")
def invoices():
    return invoice_corpus(4)  # the corpus cycles the languages: en, fr, de (a photo), zh


@pytest.fixture(scope="module")
def invoice_readings(invoices):
    return [ocr_reader.read(s.png, barcodes=False) for s in invoices]


def test_the_subset_has_every_language_and_a_photo(invoices):
    assert sorted(s.language for s in invoices) == ["de", "en", "fr", "zh"]
    assert any(s.photo for s in invoices)


def test_model_names_dates_and_stores_are_read_from_the_invoices(invoices, invoice_readings):
    model = date = store = false = 0
    for s, r in zip(invoices, invoice_readings):
        checks = ec.invoice_checks(r, model_name=s.model_name, typed_date=s.purchase_date, store_name=s.store,
                                   month_first=s.region == "US")
        by_key = {c.key: c for c in checks}
        model += by_key["model"].ok
        date += by_key["date"].ok
        store += by_key["store"].ok
        false += ec.check_model(r, s.other_model).ok
    assert model >= 3, "model names found"
    assert date >= 3, "purchase dates found"
    assert store >= 3, "store names found"
    assert false == 0, "another model's name 'found'"


def test_a_found_match_has_a_box_inside_the_picture(invoices, invoice_readings):
    for s, r in zip(invoices, invoice_readings):
        check = ec.check_model(r, s.model_name)
        if check.ok:
            x0, y0, x1, y1 = check.box
            assert 0 <= x0 < x1 <= r.width + 2 and 0 <= y0 < y1 <= r.height + 2


def test_a_date_typed_wrong_contradicts_the_invoice(invoices, invoice_readings):
    from datetime import timedelta

    s, r = invoices[0], invoice_readings[0]
    (check,) = ec.check_dates(r, typed=s.purchase_date + timedelta(days=3), month_first=s.region == "US")
    assert check.status is ec.Status.contradicts


def test_sticker_serials_are_decoded_or_read():
    subset = sticker_corpus(6, text_only=2)  # Code 128, QR, Code 128, QR, then two with no barcode
    decoded = printed = 0
    for s in subset:
        if s.symbology == "none":
            check = ec.check_serial(ocr_reader.read(s.png), s.serial, s.serial_format)
            printed += check.ok
        else:
            check = ec.check_serial(ocr_reader.read(s.png, text=False), s.serial, s.serial_format)
            decoded += check.ok
    assert decoded >= 3, "barcodes decoded to the typed serial"
    assert printed >= 1, "printed serials read when there is no barcode"


def test_a_barcode_contradicting_the_typed_serial_blocks():
    s = next(s for s in sticker_corpus(2, text_only=0) if s.symbology == "code128")
    wrong = s.serial[:-1] + ("0" if s.serial[-1] != "0" else "1")
    check = ec.check_serial(ocr_reader.read(s.png, text=False), wrong, s.serial_format)
    assert check.status is ec.Status.contradicts and check.blocking


# --------------------------------------------------------------------------- read once, kept with the file


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("RXAPP_DATA_DIR", str(tmp_path / "data"))
    settings.reset()
    yield tmp_path / "data"
    settings.reset()


def test_a_file_is_read_once_and_the_reading_kept_with_it(db_url, session, data_dir):
    session.add(Region(code="US", name="United States"))
    user = User(email="reader@example.com", password_hash="x", first_name="R", region_code="US")
    session.add(user)
    session.commit()
    s = sticker_corpus(1, text_only=0)[0]  # a small picture: the point is the keeping, not the reading
    stored = file_store.check_and_store_stream(session=session, owner_id=user.id, kind=FileKind.serial_photo,
                                               chunks=io.BytesIO(s.png), filename="sticker.png")
    session.commit()
    assert ec.stored_reading(session=session, file_id=stored.file_id) is None

    first = ec.read_file(file_id=stored.file_id, url=db_url)
    assert first is not None and first.lines and first.barcodes
    rows = session.exec(select(EvidenceReading).where(EvidenceReading.file_id == stored.file_id)).all()
    assert len(rows) == 1 and rows[0].engine.startswith("rapidocr-onnxruntime")
    kept = ec.stored_reading(session=session, file_id=stored.file_id)
    assert kept == first

    again = ec.read_file(file_id=stored.file_id, url=db_url)  # no second reading: the kept one
    assert again == first
    session.expire_all()
    assert len(session.exec(select(EvidenceReading)).all()) == 1


def test_a_picture_that_cannot_be_read_keeps_an_error(db_url, session, data_dir, invoices):
    session.add(Region(code="US", name="United States"))
    user = User(email="broken@example.com", password_hash="x", first_name="R", region_code="US")
    session.add(user)
    session.commit()
    stored = file_store.check_and_store_stream(session=session, owner_id=user.id, kind=FileKind.invoice,
                                               chunks=io.BytesIO(invoices[1].png), filename="invoice.jpg")
    session.commit()
    row = session.get(StoredFile, stored.file_id)
    file_folder.private_path(row.storage_key).write_bytes(b"not a picture any more")
    assert ec.read_file(file_id=stored.file_id, url=db_url) is None
    assert ec.reading_error(session=session, file_id=stored.file_id) == "The picture could not be read."
