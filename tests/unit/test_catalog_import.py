"""The operator's catalog and store imports (services/catalog_import): all or nothing, line by line, idempotent."""

from __future__ import annotations

from sqlmodel import select

from rxapp.models import Channel, ProductCategory, ProductModel, Region, Store
from rxapp.services import catalog_import

CATALOG = (
    "category,serial_format,warranty_months,model,model_number,release_date,sticker_text\n"
    "Monitor,AA####A######,36,MAG 274UPF,3CC5,2023-05-10,On the back.\n"
    "Smart Ring,AA-####,12,Ring One,R1,2025-01-02,\n"
)


def test_a_catalog_loads_once_and_a_second_run_is_unchanged(session):
    first = catalog_import.import_catalog_csv(session=session, text=CATALOG)
    assert first.ok and (first.created, first.unchanged) == (2, 0)
    cats = {c.slug: c for c in session.exec(select(ProductCategory)).all()}
    assert cats["monitor"].sticker_image == "/stickers/monitor.png"  # the app has that picture
    assert cats["smart-ring"].sticker_image == ""  # no picture: the wizard shows the text only
    assert cats["smart-ring"].serial_pattern == r"^[A-Z][A-Z]\-\d\d\d\d$"
    assert cats["smart-ring"].sticker_text  # a default sentence when the file has none
    again = catalog_import.import_catalog_csv(session=session, text=CATALOG)
    assert again.ok and (again.created, again.unchanged) == (0, 2)
    assert len(session.exec(select(ProductModel)).all()) == 2


def test_every_bad_catalog_line_is_reported_and_nothing_is_written(session):
    text = (
        "category,serial_format,warranty_months,model,model_number,release_date\n"
        "Monitor,AA####A######,36,Good One,G1,2023-05-10\n"  # 2: fine
        "Monitor,AA######,36,Other,O1,2023-05-10\n"  # 3: same category, other format
        "Laptop,xyz,many,Lap,L1,yesterday\n"  # 4: format, warranty, date
        "Monitor,AA####A######,36,Good One,G1,2023-05-10\n"  # 5: model twice
        ",AA####,12,,,2023-01-01\n"  # 6: no category, model, number
    )
    report = catalog_import.import_catalog_csv(session=session, text=text)
    assert not report.ok and report.created == 0
    verdicts = {line.line: line.message for line in report.lines}
    assert verdicts[2] == ""
    assert "another serial_format" in verdicts[3]
    assert "serial_format" in verdicts[4] and "warranty_months" in verdicts[4] and "release_date" in verdicts[4]
    assert "also on line 2" in verdicts[5]
    assert "category must be" in verdicts[6] and "model must be" in verdicts[6]
    assert session.exec(select(ProductCategory)).first() is None


def test_stores_load_with_their_regions_and_conflicts_are_errors(session):
    text = "region,store,channel,partner\nUS,Best Buy,retail,yes\nus,Corner Shop,reseller,no\nDE,Alternate,online,yes\n"
    first = catalog_import.import_stores_csv(session=session, text=text)
    assert first.ok and first.created == 3
    assert {r.code for r in session.exec(select(Region)).all()} == {"US", "DE"}
    corner = session.exec(select(Store).where(Store.name == "Corner Shop")).one()
    assert (corner.channel, corner.is_partner) == (Channel.reseller, False)
    again = catalog_import.import_stores_csv(session=session, text=text)
    assert again.ok and (again.created, again.unchanged) == (0, 3)
    conflict = catalog_import.import_stores_csv(
        session=session, text="region,store,channel,partner\nUS,New Store,online,yes\nUS,Best Buy,online,yes\n")
    assert not conflict.ok and [line.line for line in conflict.errors] == [3]
    assert "already exists as retail" in conflict.errors[0].message
    assert session.exec(select(Store).where(Store.name == "New Store")).first() is None


def test_a_file_without_the_columns_or_lines_is_refused_as_a_whole(session):
    for text, expected in (("", "empty"), ("region,store\nUS,X\n", "missing: channel, partner"),
                           ("region,store,channel,partner\n\n", "no data lines")):
        report = catalog_import.import_stores_csv(session=session, text=text)
        assert not report.ok and expected in report.error
