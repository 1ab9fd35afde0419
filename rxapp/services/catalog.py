"""The catalog: product categories, models, the serial registry, regions and stores.

Serial number formats
---------------------
A serial is stored *normalised*: upper case, no spaces, and dashes only where
the category's format has them (``serial_format.normalise``).  ``serial_format`` is
the same format written for people: ``#`` is a digit, ``A`` is a letter, any
other character (the dash) is literal.  Every format has runs of digit-only
positions, which is where "0"/"O" and "1"/"l"/"I" get mixed up.

=============  ===================  ===============
category       serial_format        example
=============  ===================  ===============
Monitor        ``AA####A######``    MB2110N004217
Desktop        ``AAA########``      FKC37789851
Laptop         ``A##A########``     G39C33378920
Graphics Card  ``###-#AA#-####``    602-3DA1-0123
Motherboard    ``###-#A##-######``  103-6N55-327155
=============  ===================  ===============

Letter positions may hold any letter (including "O" and "I"), digit
positions any digit; the dash is printed on the sticker.

Each unit also carries a 3-digit CHK code printed on the same sticker; the
registry (``SerialRecord``) holds serial, CHK and model per unit.  Demo units
come from ``generate_serials`` (deterministic); a real factory list comes in
through ``import_serials_csv``.

Regions are real countries (names from ``pycountry``); each has stores in the
three channels of the seed (retail store, online retailer, reseller).  Two
stores (US, GB) are deliberately *not* partners, to show the "partner store"
rule of the promotions.
"""


from __future__ import annotations

import csv
import io
import random
import re
from dataclasses import dataclass, field

import pycountry
import sqlalchemy as sa
from sqlmodel import Session, select

from rxapp import vocabulary
from rxapp.models import ProductCategory, ProductModel, Region, SerialRecord, Store
from rxapp.services.catalog_data import CATEGORIES, MODELS, REGION_CODES, store_catalog
from rxapp.services.serial_format import example_serial, format_to_pattern, normalise, random_serial

_CATEGORY_BY_SLUG = {c["slug"]: c for c in CATEGORIES}
_MODEL_BY_NAME = {m["name"]: m for m in MODELS}


def sticker_image_path(slug: str) -> str:
    """The public asset path of a category's sticker picture."""
    return f"/stickers/{slug}.png"


def region_name(code: str) -> str:
    """The country's name as pycountry knows it (its common name when it has one)."""
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        raise KeyError(code)
    return getattr(country, "common_name", None) or country.name


# --------------------------------------------------------------------------- seeding the catalog


def ensure_catalog(*, session: Session) -> None:
    """Create the categories and models that are missing (idempotent); flushes."""
    existing = {c.slug: c for c in session.exec(select(ProductCategory)).all()}
    for order, spec in enumerate(CATEGORIES):
        if spec["slug"] in existing:
            continue
        row = ProductCategory(
            slug=spec["slug"],
            name=spec["name"],
            serial_format=spec["serial_format"],
            serial_pattern=format_to_pattern(spec["serial_format"]),
            warranty_months=spec["warranty_months"],
            sticker_text=spec["sticker_text"],
            sticker_image=sticker_image_path(spec["slug"]),
            sort_order=order,
        )
        session.add(row)
        existing[spec["slug"]] = row
    session.flush()
    known = set(session.exec(select(ProductModel.name)).all())
    for spec in MODELS:
        if spec["name"] in known:
            continue
        session.add(
            ProductModel(
                category_id=existing[spec["category"]].id,
                name=spec["name"],
                model_number=spec["model_number"],
                release_date=spec["release_date"],
            )
        )
    session.flush()


def ensure_regions(*, session: Session) -> None:
    """Create the regions and their stores that are missing (idempotent); flushes."""
    have = set(session.exec(select(Region.code)).all())
    for code in REGION_CODES:
        if code not in have:
            session.add(Region(code=code, name=region_name(code)))
    session.flush()
    have_stores = set(session.exec(select(Store.region_code, Store.name)).all())
    for code, rows in store_catalog().items():
        for name, channel, partner in rows:
            if (code, name) not in have_stores:
                session.add(Store(region_code=code, name=name, channel=channel, is_partner=partner))
    session.flush()


def _model_spec(model) -> dict:
    name = model if isinstance(model, str) else model.name
    try:
        return _MODEL_BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown model {name!r}") from None


def generate_serials(*, model, count: int, seed: int) -> list[tuple[str, str]]:
    """``count`` distinct (serial, chk) pairs for ``model`` (a name or ProductModel).

    Deterministic: the same (model, count, seed) gives the same list.  Serials
    match the category's pattern; CHK is 3 digits.  Different models draw from
    different streams (the model name is mixed into the seed), so demo units
    of two models practically never collide; ``seed_registry`` drops any that do.
    """
    spec = _model_spec(model)
    serial_format = _CATEGORY_BY_SLUG[spec["category"]]["serial_format"]
    rng = random.Random(f"{seed}:{spec['name']}")
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    while len(out) < count:
        serial = random_serial(rng, serial_format)
        chk = f"{rng.randrange(1000):03d}"
        if serial in seen:
            continue
        seen.add(serial)
        out.append((serial, chk))
    return out


def seed_registry(*, session: Session, per_model: int, seed: int = 2021) -> int:
    """Bulk-insert ``per_model`` demo units for every model; returns the number inserted.

    Uses one executemany insert; serials already in the registry are skipped.
    """
    models = session.exec(select(ProductModel)).all()
    existing = set(session.exec(select(SerialRecord.serial)).all())
    rows = []
    for m in models:
        if m.name not in _MODEL_BY_NAME:
            continue
        for serial, chk in generate_serials(model=m.name, count=per_model, seed=seed):
            if serial in existing:
                continue
            existing.add(serial)
            rows.append({"serial": serial, "chk": chk, "model_id": m.id})
    if rows:
        session.execute(sa.insert(SerialRecord), rows)
    session.flush()
    return len(rows)


@dataclass
class ImportLine:
    line: int  # 1-based line number in the file (the header is line 1)
    serial: str
    ok: bool
    message: str = ""


@dataclass
class ImportReport:
    """The outcome of a CSV import: every data line with its verdict."""

    imported: int = 0
    unchanged: int = 0  # lines already in the database exactly so (a second run of the same file)
    lines: list[ImportLine] = field(default_factory=list)
    error: str = ""  # a problem with the whole file (header, encoding…)

    @property
    def ok(self) -> bool:
        return not self.error and all(line.ok for line in self.lines)

    @property
    def errors(self) -> list[ImportLine]:
        return [line for line in self.lines if not line.ok]


MAX_IMPORT_LINES = 200_000


def import_serials_csv(*, session: Session, text: str) -> ImportReport:
    """Import a factory serial list (CSV with the columns serial, chk, model).

    ``model`` is the model's name or its model number.  Every line is checked:
    unknown model, serial not in the category's format, CHK not 3 digits, a
    serial twice in the file, a serial already in the registry with another
    CHK or model.  A serial already in the registry with the same CHK and
    model is "unchanged" (so a second run of the same file imports nothing
    and succeeds).  All or nothing: when any line is bad, nothing is imported
    and the report says what is wrong on which line.  Flushes; the caller commits.
    """
    report = ImportReport()
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration:
        report.error = "The file is empty. Expected a header line: serial,chk,model"
        return report
    columns = [h.strip().lower() for h in header]
    if not {"serial", "chk", "model"} <= set(columns):
        report.error = (
            "The first line must name the columns serial, chk and model "
            f"(found: {', '.join(columns) or 'nothing'})."
        )
        return report
    i_serial, i_chk, i_model = (columns.index(c) for c in ("serial", "chk", "model"))

    models = session.exec(select(ProductModel, ProductCategory).join(ProductCategory)).all()
    by_name = {m.name.lower(): (m, c) for m, c in models}
    by_number: dict[str, list] = {}
    for m, c in models:
        by_number.setdefault(m.model_number.lower(), []).append((m, c))

    parsed: list[tuple[ImportLine, dict | None]] = []
    seen: dict[str, int] = {}
    for row in reader:
        line_no = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(parsed) >= MAX_IMPORT_LINES:
            report.error = f"The file has more than {MAX_IMPORT_LINES} lines; please split it."
            return report
        cells = row + [""] * (len(columns) - len(row))
        raw_serial, chk, model_key = cells[i_serial], cells[i_chk].strip(), cells[i_model].strip()
        found = by_name.get(model_key.lower())
        if found is None:
            numbered = by_number.get(model_key.lower(), [])
            found = numbered[0] if len(numbered) == 1 else None
        serial = normalise(raw_serial, found[1].serial_format if found else None)
        problems = []
        if found is None:
            problems.append(f'unknown model "{model_key}"')
        elif not re.fullmatch(found[1].serial_pattern, serial):
            problems.append(
                f'serial "{serial}" does not match the {found[1].name} format {found[1].serial_format}'
            )
        if not re.fullmatch(r"\d{3}", chk):
            problems.append(f'CHK "{chk}" must be 3 digits')
        if serial and serial in seen:
            problems.append(f"serial also on line {seen[serial]}")
        elif serial:
            seen[serial] = line_no
        line = ImportLine(line=line_no, serial=serial, ok=not problems, message="; ".join(problems))
        values = {"serial": serial, "chk": chk, "model_id": found[0].id} if not problems else None
        parsed.append((line, values))

    # Serials already in the registry, looked up in batches.
    candidates = [line.serial for line, values in parsed if values]
    in_db: dict[str, tuple[str, int]] = {}
    for start in range(0, len(candidates), 500):
        chunk = candidates[start : start + 500]
        found_rows = session.exec(
            select(SerialRecord.serial, SerialRecord.chk, SerialRecord.model_id).where(
                SerialRecord.serial.in_(chunk)
            )
        ).all()
        in_db.update({serial: (chk, model_id) for serial, chk, model_id in found_rows})
    model_names = {m.id: m.name for m, _c in models}
    fresh = []
    for line, values in parsed:
        if not values:
            continue
        if line.serial not in in_db:
            fresh.append(values)
            continue
        chk, model_id = in_db[line.serial]
        if (chk, model_id) == (values["chk"], values["model_id"]):
            report.unchanged += 1
        else:
            line.ok = False
            line.message = (
                f"serial already in the registry with CHK {chk} and model "
                f"{model_names.get(model_id, model_id)}"
            )
    report.lines = [line for line, _ in parsed]
    if not report.lines:
        report.error = "The file has a header but no serial lines."
    if not report.ok:
        report.unchanged = 0
        return report
    if fresh:
        session.execute(sa.insert(SerialRecord), fresh)
    session.flush()
    report.imported = len(fresh)
    return report


# --------------------------------------------------------------------------- lookups


def categories(*, session: Session) -> list[dict]:
    """Every category, in display order, as plain rows for the wizard's step 1."""
    query = select(ProductCategory).order_by(ProductCategory.sort_order, ProductCategory.id)
    rows = session.exec(query).all()
    return [
        {
            "id": c.id,
            "slug": c.slug,
            "name": c.name,
            "serial_format": c.serial_format,
            "serial_example": example_serial(c.serial_format),
            "warranty_months": c.warranty_months,
            "sticker_text": c.sticker_text,
            "sticker_image": c.sticker_image,
        }
        for c in rows
    ]


def models_for_category(*, session: Session, category_id: int) -> list[dict]:
    rows = session.exec(
        select(ProductModel).where(ProductModel.category_id == category_id).order_by(ProductModel.name)
    ).all()
    return [
        {
            "id": m.id,
            "name": m.name,
            "model_number": m.model_number,
            "release_date": m.release_date.isoformat(),
        }
        for m in rows
    ]


def regions(*, session: Session) -> list[dict]:
    """Every region as {code, name}, sorted by name."""
    rows = session.exec(select(Region).order_by(Region.name)).all()
    return [{"code": r.code, "name": r.name} for r in rows]


def stores_for_region(*, session: Session, region_code: str) -> list[dict]:
    """The stores of one region as {id, name, channel, channel_label, is_partner}, by name."""
    rows = session.exec(
        select(Store).where(Store.region_code == (region_code or "").upper()).order_by(Store.name)
    ).all()
    return [
        {
            "id": s.id,
            "name": s.name,
            "channel": s.channel.value,
            "channel_label": vocabulary.channel_label(s.channel),
            "is_partner": s.is_partner,
        }
        for s in rows
    ]
