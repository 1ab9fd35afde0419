"""The catalog: categories, models, the serial generator, the CSV import, regions and stores."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pycountry
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from rxapp.models import Channel, ProductCategory, ProductModel, SerialRecord, Store
from rxapp.services import catalog, catalog_data, serial_format

ROOT = Path(__file__).resolve().parents[2]
MODEL_NAMES = [m["name"] for m in catalog_data.MODELS]


@pytest.fixture()
def cat(session):
    catalog.ensure_catalog(session=session)
    catalog.ensure_regions(session=session)
    session.commit()
    return session


def _cat_by_slug(session, slug):
    return session.exec(select(ProductCategory).where(ProductCategory.slug == slug)).one()


# --------------------------------------------------------------------------- categories & models


def test_categories_carry_format_warranty_and_sticker(cat):
    rows = catalog.categories(session=cat)
    by_slug = {r["slug"]: r for r in rows}
    assert {"monitor", "desktop", "laptop", "graphics-card", "motherboard"} <= set(by_slug)
    assert [r["name"] for r in rows][:5] == ["Monitor", "Desktop", "Laptop", "Graphics Card", "Motherboard"]
    assert by_slug["monitor"]["warranty_months"] == 36
    assert by_slug["laptop"]["warranty_months"] == 24
    assert "VESA" in by_slug["monitor"]["sticker_text"]
    assert "bottom of the laptop" in by_slug["laptop"]["sticker_text"].lower()
    for r in rows:
        assert r["sticker_image"] == f"/stickers/{r['slug']}.png"
        # The picture is a committed public asset of about 640x400.
        from PIL import Image

        with Image.open(ROOT / "assets" / r["sticker_image"].lstrip("/")) as im:
            assert im.size == (640, 400)
        assert re.fullmatch(_cat_by_slug(cat, r["slug"]).serial_pattern, r["serial_example"])


def test_formats_are_distinct_and_have_digit_runs():
    formats = [c["serial_format"] for c in catalog_data.CATEGORIES]
    assert len(set(formats)) == len(formats)
    for f in formats:
        assert "##" in f  # where 0/O and 1/l/I get confused
    # No serial can fit two categories: the patterns do not overlap.
    for a in catalog_data.CATEGORIES:
        example = serial_format.example_serial(a["serial_format"])
        patterns = {b["slug"]: serial_format.format_to_pattern(b["serial_format"]) for b in catalog_data.CATEGORIES}
        fits = [slug for slug, pattern in patterns.items() if re.fullmatch(pattern, example)]
        assert fits == [a["slug"]]


def test_models_for_the_2021_promotions_were_on_sale_before_2021(cat):
    release = {m.name: m.release_date for m in cat.exec(select(ProductModel)).all()}
    for name in ["Optix MPG341CQR", "Modern MD241P", "Optix MAG27CQ", "Trident 3 Arctic", "Modern 14"]:
        assert release[name] < date(2021, 1, 1)
    assert len(release) == len(catalog_data.MODELS)
    per_category = {c.slug: 0 for c in cat.exec(select(ProductCategory)).all()}
    for m in catalog_data.MODELS:
        per_category[m["category"]] += 1
    assert min(per_category.values()) >= 2


def test_catalog_seeding_is_idempotent(cat):
    catalog.ensure_catalog(session=cat)
    catalog.ensure_regions(session=cat)
    assert len(cat.exec(select(ProductModel)).all()) == len(catalog_data.MODELS)
    assert len(cat.exec(select(ProductCategory)).all()) == len(catalog_data.CATEGORIES)


# --------------------------------------------------------------------------- generator


@settings(max_examples=40, deadline=None)
@given(model=st.sampled_from(MODEL_NAMES), count=st.integers(0, 60), seed=st.integers(0, 2**32))
def test_generated_serials_fit_their_category_and_are_deterministic(model, count, seed):
    spec = next(m for m in catalog_data.MODELS if m["name"] == model)
    fmt = next(c["serial_format"] for c in catalog_data.CATEGORIES if c["slug"] == spec["category"])
    pattern = serial_format.format_to_pattern(fmt)
    units = catalog.generate_serials(model=model, count=count, seed=seed)
    assert len(units) == count
    assert len({s for s, _ in units}) == count
    for serial, chk in units:
        assert re.fullmatch(pattern, serial)
        assert re.fullmatch(r"\d{3}", chk)
    assert catalog.generate_serials(model=model, count=count, seed=seed) == units


def test_different_seeds_and_models_give_different_units():
    a = catalog.generate_serials(model="Modern 14", count=20, seed=1)
    b = catalog.generate_serials(model="Modern 14", count=20, seed=2)
    c = catalog.generate_serials(model="Prestige 14", count=20, seed=1)
    assert a != b and a != c


def test_seed_registry_bulk_inserts_and_skips_existing(cat):
    n = catalog.seed_registry(session=cat, per_model=10)
    assert n == 10 * len(catalog_data.MODELS)
    assert catalog.seed_registry(session=cat, per_model=10) == 0


# --------------------------------------------------------------------------- CSV import


def _some_units(model, n, seed=99):
    return catalog.generate_serials(model=model, count=n, seed=seed)


def test_import_a_good_factory_list(cat):
    units = _some_units("Optix MAG27CQ", 3) + _some_units("GeForce RTX 4070 GAMING X TRIO 12G", 2)
    lines = ["serial,chk,model"]
    for i, (serial, chk) in enumerate(units):
        model = "Optix MAG27CQ" if i < 3 else "V513-001R"  # by name or by model number
        typed = serial.lower().replace("-", " ") if i == 4 else serial
        lines.append(f"{typed},{chk},{model}")
    report = catalog.import_serials_csv(session=cat, text="\n".join(lines) + "\n")
    assert report.ok, report.errors
    assert report.imported == 5
    stored = {r.serial: r.chk for r in cat.exec(select(SerialRecord)).all()}
    assert stored == dict(units)  # normalised: upper case, dashes back in place


def test_import_is_all_or_nothing_and_reports_every_bad_line(cat):
    good = _some_units("Modern 14", 3)
    catalog.import_serials_csv(session=cat, text=f"serial,chk,model\n{good[2][0]},{good[2][1]},Modern 14\n")
    text = "\n".join(
        [
            "model,serial,chk",  # columns in any order
            f"Modern 14,{good[0][0]},{good[0][1]}",  # line 2: fine
            f"Modern 15,{good[1][0]},{good[1][1]}",  # line 3: unknown model
            "Modern 14,XX-1234,123",  # line 4: bad format
            f"Modern 14,{good[1][0]},12a",  # line 5: bad CHK
            f"Modern 14,{good[0][0]},{good[0][1]}",  # line 6: duplicate of line 2
            f"Modern 14,{good[2][0]},{good[2][1]}",  # line 7: already in the registry, the same: unchanged
        ]
    )
    report = catalog.import_serials_csv(session=cat, text=text)
    assert not report.ok and report.imported == 0
    verdicts = {line.line: line.message for line in report.lines}
    assert verdicts[2] == ""
    assert "unknown model" in verdicts[3]
    assert "does not match the Laptop format" in verdicts[4]
    assert "must be 3 digits" in verdicts[5]
    assert "also on line 2" in verdicts[6]
    assert verdicts[7] == ""
    assert cat.exec(select(SerialRecord)).all().__len__() == 1


def test_a_second_run_is_unchanged_and_a_conflicting_serial_is_an_error(cat):
    units = _some_units("Modern 14", 2)
    text = "serial,chk,model\n" + "".join(f"{s},{c},Modern 14\n" for s, c in units)
    first = catalog.import_serials_csv(session=cat, text=text)
    assert first.ok and (first.imported, first.unchanged) == (2, 0)
    again = catalog.import_serials_csv(session=cat, text=text)
    assert again.ok and (again.imported, again.unchanged) == (0, 2)
    (serial, chk), fresh = units[0], _some_units("Modern 14", 3)[2]
    other_chk = f"{(int(chk) + 1) % 1000:03d}"
    conflict = catalog.import_serials_csv(
        session=cat, text=f"serial,chk,model\n{fresh[0]},{fresh[1]},Modern 14\n{serial},{other_chk},Modern 14\n")
    assert not conflict.ok and conflict.imported == 0
    assert f"already in the registry with CHK {chk}" in conflict.errors[0].message
    assert conflict.errors[0].line == 3
    assert len(cat.exec(select(SerialRecord)).all()) == 2


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", "empty"),
        ("serial,model\nA,B\n", "must name the columns"),
        ("serial,chk,model\n", "no serial lines"),
    ],
)
def test_import_refuses_a_file_without_proper_header_or_lines(cat, text, expected):
    report = catalog.import_serials_csv(session=cat, text=text)
    assert not report.ok and expected in report.error


# --------------------------------------------------------------------------- regions & stores


def test_regions_are_real_countries(cat):
    rows = catalog.regions(session=cat)
    assert len(rows) >= 30
    for r in rows:
        country = pycountry.countries.get(alpha_2=r["code"])
        assert r["name"] in {country.name, getattr(country, "common_name", None)}
    names = {r["code"]: r["name"] for r in rows}
    assert names["TW"] == "Taiwan" and names["GB"] == "United Kingdom"
    assert [r["name"] for r in rows] == sorted(r["name"] for r in rows)


@pytest.mark.parametrize("code", ["US", "GB", "DE", "FR", "TW"])
def test_main_regions_have_two_partner_stores_per_channel(cat, code):
    stores = catalog.stores_for_region(session=cat, region_code=code.lower())
    for channel in Channel:
        partners = [s for s in stores if s["channel"] == channel.value and s["is_partner"]]
        assert len(partners) >= 2, (code, channel)
    ids = {s["id"] for s in stores}
    assert {s.region_code for s in cat.exec(select(Store).where(Store.id.in_(ids))).all()} == {code}


def test_every_region_has_every_channel_and_a_non_partner_store_exists(cat):
    for r in catalog.regions(session=cat):
        channels = {s["channel"] for s in catalog.stores_for_region(session=cat, region_code=r["code"])}
        assert channels == {c.value for c in Channel}, r
    assert cat.exec(select(Store).where(Store.is_partner == False)).first() is not None  # noqa: E712
    assert catalog.stores_for_region(session=cat, region_code="ZZ") == []
