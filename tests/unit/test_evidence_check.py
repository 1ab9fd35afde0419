"""The evidence pre-check's rules over a reading (text lines with boxes, barcodes): no OCR here.

What the OCR engine reads from real pictures is ``test_evidence_corpus.py``.
"""

from __future__ import annotations

from datetime import date

import pytest

from rxapp.services import evidence_check as ec
from rxapp.services.evidence_check import Status
from rxapp.services.ocr_reader import Barcode, Reading, TextLine


def line(text: str, x: int = 40, y: int = 100, w: int | None = None, h: int = 30) -> TextLine:
    return TextLine(text, (x, y, x + (w or 14 * len(text)), y + h))


def reading(*lines: TextLine, barcodes=()) -> Reading:
    return Reading(width=1000, height=1400, lines=list(lines), barcodes=list(barcodes))


def page(*texts: str) -> Reading:
    """Lines one under the other, 40 px apart."""
    return reading(*(line(t, y=60 + 40 * i) for i, t in enumerate(texts)))


# --------------------------------------------------------------------------- the model name


@pytest.mark.parametrize("printed", [
    "Optix MAG27CQ",
    "MSI OPTIX MAG27CQ 27\" curved",
    "optix mag 27cq",
    "0PTIX MAG27C0",          # O read as 0, Q read as 0
    "1 x Optix MAG27CQ (3CA8)  299.00",
])
def test_the_model_is_found_whatever_the_case_spacing_and_o_0_confusions(printed):
    check = ec.check_model(page("INVOICE", printed, "TOTAL 299.00"), "Optix MAG27CQ")
    assert check.status is Status.found
    assert check.matched == printed
    assert check.box is not None


def test_l_and_1_are_the_same_to_the_check():
    assert ec.check_model(page("MSI Modern l4 B11MOU"), "Modern 14").ok
    assert ec.check_model(page("MSI MODERN I4"), "Modern 14").ok


def test_a_name_wrapped_in_its_table_cell_is_found_across_the_line_break():
    first = line("Radeon RX 7800 XT GAMING", x=60, y=400)
    qty = line("1", x=700, y=400)
    price = line("€549.00", x=800, y=400)
    second = line("TRIO CLASSIC 16G", x=60, y=436)
    r = reading(line("FACTURE", y=100), first, qty, price, second, line("TOTAL TTC", x=560, y=520))
    check = ec.check_model(r, "Radeon RX 7800 XT GAMING TRIO CLASSIC 16G")
    assert check.status is Status.found
    assert "TRIO CLASSIC 16G" in check.matched
    assert check.box == (60, 400, first.box[2], second.box[3])


def test_a_long_name_tolerates_a_misread_letter_but_never_another_digit():
    assert ec.check_model(page("GeForce RTX 4070 GAMINC X TRIO 12G"), "GeForce RTX 4070 GAMING X TRIO 12G").ok
    assert not ec.check_model(page("GeForce RTX 4071 GAMING X TRIO 12G"), "GeForce RTX 4070 GAMING X TRIO 12G").ok


def test_a_sibling_model_does_not_pass_for_the_registered_one_and_is_named():
    r = page("MINDFACTORY", "MAG B650 TOMAHAWK WIFI   1   €219.00")
    check = ec.check_model(r, "MAG B550 TOMAHAWK", other_models=["MAG B650 TOMAHAWK WIFI", "MPG Z790 EDGE WIFI"])
    assert check.status is Status.contradicts
    assert "MAG B650 TOMAHAWK WIFI" in check.message
    assert check.advice


def test_no_model_name_is_not_found_with_advice():
    check = ec.check_model(page("BEST BUY", "Monitor 27in", "TOTAL $299.00"), "Optix MAG27CQ")
    assert check.status is Status.not_found
    assert "Reviewers usually ask" in check.advice


# --------------------------------------------------------------------------- dates

D = date(2019, 10, 11)


@pytest.mark.parametrize("text", [
    "Date: 11/10/2019", "2019-10-11", "11 Oct 2019", "Datum: 11.10.2019", "日期：2019年10月11日",
    "108年10月11日", "Oct 11, 2019", "11 octobre 2019", "11. Oktober 2019", "le 11 oct. 2019",
    "2019/10/11", "Date:11/10/2019", "2O19-1O-11", "11Oct2019", "11.l0.2019",
])
def test_the_invoice_date_formats(text):
    assert D in ec.parse_dates(text)[0][0]


def test_a_numeric_date_that_reads_both_ways_keeps_both_readings_in_the_region_order():
    assert ec.parse_dates("11/10/2019")[0][0] == (date(2019, 10, 11), date(2019, 11, 10))
    assert ec.parse_dates("11/10/2019", month_first=True)[0][0] == (date(2019, 11, 10), date(2019, 10, 11))
    assert ec.parse_dates("25/10/2019", month_first=True)[0][0] == (date(2019, 10, 25),)


def test_numbers_that_are_not_dates_are_not_dates():
    assert ec.parse_dates("Invoice No. T78-419943") == []
    assert ec.parse_dates("TOTAL €1,502.90  MwSt. 19 %") == []
    assert ec.parse_dates("31/02/2019") == []


def test_the_typed_date_found_on_the_invoice():
    checks = ec.check_dates(page("Date: 11/10/2019"), typed=D)
    assert [c.status for c in checks] == [Status.found]
    assert checks[0].matched == "11/10/2019"


def test_the_typed_date_matches_the_other_reading_of_an_ambiguous_date():
    assert ec.check_dates(page("Date: 10/11/2019"), typed=D)[0].ok  # a US invoice, month first


def test_a_different_date_on_the_invoice_contradicts_the_typed_one():
    (check,) = ec.check_dates(page("Datum: 15.06.2024"), typed=date(2024, 6, 16))
    assert check.status is Status.contradicts
    assert "15 Jun 2024" in check.message and "16 Jun 2024" in check.message


def test_no_date_is_not_found_and_says_reviewers_ask_for_one():
    (check,) = ec.check_dates(page("INVOICE", "Optix MAG27CQ"), typed=D)
    assert check.status is Status.not_found
    assert "Reviewers usually ask" in check.advice


def test_the_purchase_date_is_the_labelled_one_not_the_due_date():
    r = reading(line("Payment due:", x=40, y=100, w=150), line("Nov 10, 2019", x=200, y=100),
                line("Date:", x=40, y=140, w=60), line("Oct 11, 2019", x=110, y=140))
    (check,) = ec.check_dates(r, typed=None)
    assert check.message == "Purchase date 11 Oct 2019 found on the invoice"
    (check,) = ec.check_dates(r, typed=date(2019, 10, 12))
    assert check.status is Status.contradicts and "11 Oct 2019" in check.message


def test_the_promotion_period():
    inside = ec.check_dates(page("11.10.2019"), typed=D, period=(date(2019, 10, 1), date(2019, 12, 31)))
    assert [c.key for c in inside] == ["date", "period"] and inside[1].ok
    outside = ec.check_dates(page("11.10.2019"), typed=D, period=(date(2020, 1, 1), date(2020, 3, 31)))
    assert outside[1].status is Status.contradicts
    assert "outside the promotion's period" in outside[1].message


# --------------------------------------------------------------------------- the store


def test_the_store():
    r = page("MICRO CENTER", "1200 Market St")
    assert ec.check_store(r, "Micro Center").ok
    other = ec.check_store(r, "Best Buy", other_stores=["Micro Center", "Newegg"])
    assert other.status is Status.contradicts and "Micro Center" in other.message
    assert ec.check_store(page("A shop"), "Best Buy").status is Status.not_found


def test_invoice_checks_in_checklist_order():
    r = page("FNAC", "Date d'achat : 11/10/2019", "Optix MAG27CQ   1   €299.00")
    checks = ec.invoice_checks(r, model_name="Optix MAG27CQ", typed_date=D, store_name="Fnac",
                               period=(date(2019, 1, 1), date(2019, 12, 31)))
    assert [(c.key, c.status) for c in checks] == [
        ("model", Status.found), ("date", Status.found), ("period", Status.found), ("store", Status.found)
    ]
    assert checks[0].to_dict()["ok"] is True


# --------------------------------------------------------------------------- the S/N sticker

FMT = "AA####A######"


def test_a_barcode_reading_the_typed_serial():
    r = reading(barcodes=[Barcode("Code128", "ZJ9093I066217", (10, 10, 300, 90))])
    check = ec.check_serial(r, "zj 9093 i066217", FMT)
    assert check.status is Status.found and check.box == (10, 10, 300, 90)
    assert not check.blocking


def test_a_barcode_contradicting_the_typed_serial_blocks_until_fixed_or_confirmed():
    r = reading(barcodes=[Barcode("QRCode", "ZJ9093I066217", (10, 10, 90, 90))])
    check = ec.check_serial(r, "ZJ9093I066218", FMT)
    assert check.status is Status.contradicts and check.blocking
    assert "ZJ9093I066217" in check.message and "ZJ9093I066218" in check.message


def test_the_serial_advice_depends_on_whether_the_serial_can_be_edited_where_it_is_shown():
    by_code = reading(barcodes=[Barcode("QRCode", "ZJ9093I066217", (10, 10, 90, 90))])
    by_text = page("S/N: ZJ9093I066217")
    # registration: the serial is typed beside the checklist
    assert ec.check_serial(by_code, "ZJ9093I066218", FMT).advice.startswith("Correct the serial number")
    assert ec.check_serial(by_text, "ZJ9093I066299", FMT).advice.startswith("Check the serial number against")
    # Redeem Confirm / Again: the registered serial, not editable there; another photo or confirming it
    locked = ec.check_serial(by_code, "ZJ9093I066218", FMT, serial_editable=False)
    assert locked.blocking and "Correct" not in locked.advice
    assert locked.advice.startswith("Upload a photo of this product's own sticker") and "confirm" in locked.advice
    text_locked = ec.check_serial(by_text, "ZJ9093I066299", FMT, serial_editable=False)
    assert text_locked.advice.startswith("Check that the photo shows this product's own sticker")


def test_the_serial_advice_is_in_the_customer_s_language():
    from rxapp import i18n

    by_code = reading(barcodes=[Barcode("QRCode", "ZJ9093I066217", (10, 10, 90, 90))])
    with i18n.using("de"):
        assert ec.check_serial(by_code, "ZJ9093I066218", FMT, serial_editable=False).advice.startswith(
            "Laden Sie ein Foto")
    with i18n.using("zh-TW"):
        assert ec.check_serial(by_code, "ZJ9093I066218", FMT).advice.startswith("請更正序號")


def test_with_no_barcode_the_printed_serial_is_read_with_the_format_s_letters_and_digits():
    r = page("MSI   MODEL: 3CA8", "S/N: ZJ9O93IO66217", "CHK: 123")  # O for 0 in digit places
    check = ec.check_serial(r, "ZJ9093I066217", FMT)
    assert check.status is Status.found
    assert check.matched == "S/N: ZJ9O93IO66217"
    wrong = ec.check_serial(r, "ZJ9093I066299", FMT)
    assert wrong.status is Status.contradicts and not wrong.blocking


def test_dashed_serials_read_from_text():
    r = page("S/N: 756-9JQ6-6475")
    assert ec.check_serial(r, "7569JQ66475", "###-#AA#-####").ok


def test_nothing_readable_on_the_sticker():
    check = ec.check_serial(page("MSI"), "ZJ9093I066217", FMT)
    assert check.status is Status.not_found and check.advice


def test_a_reading_survives_json():
    r = reading(line("Optix MAG27CQ"), barcodes=[Barcode("QRCode", "X1", (1, 2, 3, 4))])
    assert Reading.from_dict(r.to_dict()) == r


def test_a_month_name_glued_to_the_day_is_not_read_as_digits():
    assert ec.parse_dates("Date:Jul13,2022")[0][0] == (date(2022, 7, 13),)


def test_a_wrapped_name_whose_line_boxes_overlap_is_found():
    first = TextLine("GEFORCERTX4070GAMINGXTRIO", (60, 400, 560, 440))
    second = TextLine("12G 產品", (60, 432, 200, 470))  # boxes of close lines overlap by a few pixels
    r = reading(first, TextLine("1", (700, 405, 720, 435)), second)
    assert ec.check_model(r, "GeForce RTX 4070 GAMING X TRIO 12G").ok
