"""An operator's CSV imports: the product catalog and the stores (``python -m rxapp.cli load-…``).

Both follow the serial registry's import (``catalog.import_serials_csv``):
every line is checked and reported by its line number; all or nothing (when
any line is wrong nothing is written); a line already in the database exactly
so is "unchanged", so a second run of the same file succeeds and changes
nothing; a line that contradicts the database is an error (the import never
silently changes what customers' registrations rely on).  Functions flush;
the caller commits.

Catalog (one line per model)::

    category,serial_format,warranty_months,model,model_number,release_date,sticker_text
    Monitor,AA####A######,36,MAG 274QRF-QD,3CB9,2022-03-01,"On the back, near the VESA mount."

``serial_format``: ``#`` a digit, ``A`` a letter, other characters literal
(the dash).  ``sticker_text`` (where the S/N sticker is) is optional.

Stores (one line per store)::

    region,store,channel,partner
    US,Best Buy,retail,yes

``region`` is an ISO 3166-1 alpha-2 code (the region is created when new);
``channel`` one of retail, online, reseller; ``partner`` yes/no.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from rxapp import settings
from rxapp.models import Channel, ProductCategory, ProductModel, Region, Store
from rxapp.services.catalog import region_name, sticker_image_path
from rxapp.services.serial_format import format_to_pattern

MAX_LINES = 50_000
_FORMAT = re.compile(r"^[#A\-/. ]{4,40}$")
_YES = {"yes", "y", "true", "1", "partner"}
_NO = {"no", "n", "false", "0", ""}


@dataclass
class Line:
    line: int  # 1-based line number in the file (the header is line 1)
    key: str  # what the line is about (a model, a store)
    message: str = ""

    @property
    def ok(self) -> bool:
        return not self.message


@dataclass
class Report:
    created: int = 0
    unchanged: int = 0
    lines: list[Line] = field(default_factory=list)
    error: str = ""  # a problem with the whole file

    @property
    def ok(self) -> bool:
        return not self.error and all(line.ok for line in self.lines)

    @property
    def errors(self) -> list[Line]:
        return [line for line in self.lines if not line.ok]


def _rows(text: str, required: tuple[str, ...], report: Report):
    """(line number, {column: stripped cell}) for each non-blank data line; None on a bad header."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration:
        report.error = f"The file is empty. Expected a header line: {','.join(required)}"
        return None
    columns = [h.strip().lower() for h in header]
    missing = [c for c in required if c not in columns]
    if missing:
        report.error = (
            f"The first line must name the columns {', '.join(required)} "
            f"(missing: {', '.join(missing)})."
        )
        return None
    out = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        if len(out) >= MAX_LINES:
            report.error = f"The file has more than {MAX_LINES} lines; please split it."
            return None
        cells = [c.strip() for c in row] + [""] * (len(columns) - len(row))
        out.append((reader.line_num, dict(zip(columns, cells))))
    if not out:
        report.error = "The file has a header but no data lines."
        return None
    return out


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40]


def _sticker_image(slug: str) -> str:
    """The category's sticker picture when the app has one (assets/stickers/<slug>.png), else none."""
    path = sticker_image_path(slug)
    return path if (settings.PROJECT_ROOT / "assets" / path.lstrip("/")).is_file() else ""


# --------------------------------------------------------------------------- catalog

CATALOG_COLUMNS = ("category", "serial_format", "warranty_months", "model", "model_number", "release_date")


def _category_problems(name: str, fmt: str, warranty: str) -> list[str]:
    problems = []
    if not name or len(name) > 60 or not slugify(name):
        problems.append("category must be a name of at most 60 characters")
    if not _FORMAT.fullmatch(fmt) or "#" not in fmt:
        problems.append(f'serial_format "{fmt}" must use # (digit), A (letter) and dashes, 4 to 40 long')
    if not warranty.isdigit() or not 0 < int(warranty) <= 240:
        problems.append(f'warranty_months "{warranty}" must be a whole number of months (1-240)')
    return problems


def import_catalog_csv(*, session: Session, text: str) -> Report:
    """Categories and models from a CSV (one line per model); see the module's docstring."""
    report = Report()
    rows = _rows(text, CATALOG_COLUMNS, report)
    if rows is None:
        return report
    categories = {c.slug: c for c in session.exec(select(ProductCategory)).all()}
    by_id = {c.id: c for c in categories.values()}
    models = {m.name.lower(): m for m in session.exec(select(ProductModel)).all()}
    new_categories: dict[str, dict] = {}  # slug -> spec (first line that names it)
    new_models: list[dict] = []
    seen_models: dict[str, int] = {}
    for line_no, cell in rows:
        name, fmt, warranty = cell["category"], cell["serial_format"].upper(), cell["warranty_months"]
        model, number, released = cell["model"], cell["model_number"], cell["release_date"]
        line = Line(line=line_no, key=model or "?")
        problems = _category_problems(name, fmt, warranty)
        slug = slugify(name)
        spec = {"slug": slug, "name": name, "serial_format": fmt,
                "warranty_months": int(warranty) if warranty.isdigit() else 0,
                "sticker_text": cell.get("sticker_text", "")[:400]}
        if not problems:
            have = categories.get(slug)
            if have is not None and (have.serial_format, have.warranty_months) != (fmt, spec["warranty_months"]):
                problems.append(
                    f"category {have.name} already exists with serial_format {have.serial_format} "
                    f"and {have.warranty_months} months of warranty"
                )
            earlier = new_categories.get(slug)
            if earlier is not None and (earlier["serial_format"], earlier["warranty_months"]) != (
                    fmt, spec["warranty_months"]):
                problems.append(f"category {name} has another serial_format or warranty on line {earlier['line']}")
            if have is None and earlier is None:
                new_categories[slug] = {**spec, "line": line_no}
        if not model or len(model) > 120:
            problems.append("model must be a name of at most 120 characters")
        if not number or len(number) > 40:
            problems.append("model_number must be given (at most 40 characters)")
        try:
            release = date.fromisoformat(released)
        except ValueError:
            release = None
            problems.append(f'release_date "{released}" must be a date like 2024-03-31')
        if model.lower() in seen_models:
            problems.append(f"model also on line {seen_models[model.lower()]}")
        elif model:
            seen_models[model.lower()] = line_no
        if not problems:
            have_model = models.get(model.lower())
            if have_model is None:
                new_models.append({"slug": slug, "name": model, "model_number": number, "release_date": release})
            else:
                have_cat = by_id.get(have_model.category_id)
                if (have_cat.slug if have_cat else None, have_model.model_number, have_model.release_date) == (
                        slug, number, release):
                    report.unchanged += 1
                else:
                    problems.append(
                        f"model already exists as {have_model.model_number} in "
                        f"{have_cat.name if have_cat else '?'} released {have_model.release_date.isoformat()}"
                    )
        line.message = "; ".join(problems)
        report.lines.append(line)
    if not report.ok:
        report.unchanged = 0
        return report
    order = max((c.sort_order for c in categories.values()), default=-1) + 1
    for slug, spec in new_categories.items():
        row = ProductCategory(
            slug=slug, name=spec["name"], serial_format=spec["serial_format"],
            serial_pattern=format_to_pattern(spec["serial_format"]), warranty_months=spec["warranty_months"],
            sticker_text=spec["sticker_text"] or "On the product's label, with the barcode and the 3-digit CHK code.",
            sticker_image=_sticker_image(slug), sort_order=order,
        )
        order += 1
        session.add(row)
        categories[slug] = row
    session.flush()
    for spec in new_models:
        session.add(ProductModel(category_id=categories[spec["slug"]].id, name=spec["name"],
                                 model_number=spec["model_number"], release_date=spec["release_date"]))
    session.flush()
    report.created = len(new_models)
    return report


# --------------------------------------------------------------------------- stores

STORE_COLUMNS = ("region", "store", "channel", "partner")


def import_stores_csv(*, session: Session, text: str) -> Report:
    """Stores (and their regions) from a CSV; see the module's docstring."""
    report = Report()
    rows = _rows(text, STORE_COLUMNS, report)
    if rows is None:
        return report
    regions = set(session.exec(select(Region.code)).all())
    stores = {(s.region_code, s.name.lower()): s for s in session.exec(select(Store)).all()}
    channels = {c.value: c for c in Channel}
    new_regions: set[str] = set()
    new_stores: list[Store] = []
    seen: dict[tuple[str, str], int] = {}
    for line_no, cell in rows:
        code, name = cell["region"].upper(), cell["store"]
        channel_raw, partner_raw = cell["channel"].lower(), cell["partner"].lower()
        line = Line(line=line_no, key=f"{code} {name}")
        problems = []
        if code not in regions and code not in new_regions:
            try:
                region_name(code)
                new_regions.add(code)
            except KeyError:
                problems.append(f'region "{cell["region"]}" is not an ISO country code like US or DE')
        if not name or len(name) > 120:
            problems.append("store must be a name of at most 120 characters")
        channel = channels.get(channel_raw)
        if channel is None:
            problems.append(f'channel "{cell["channel"]}" must be one of {", ".join(channels)}')
        if partner_raw not in _YES | _NO:
            problems.append(f'partner "{cell["partner"]}" must be yes or no')
        partner = partner_raw in _YES
        key = (code, name.lower())
        if key in seen:
            problems.append(f"store also on line {seen[key]}")
        elif name:
            seen[key] = line_no
        if not problems:
            have = stores.get(key)
            if have is None:
                new_stores.append(Store(region_code=code, name=name, channel=channel, is_partner=partner))
            elif (have.channel, have.is_partner) == (channel, partner):
                report.unchanged += 1
            else:
                problems.append(
                    f"store already exists as {have.channel.value}, "
                    f"{'a partner' if have.is_partner else 'not a partner'}"
                )
        line.message = "; ".join(problems)
        report.lines.append(line)
    if not report.ok:
        report.unchanged = 0
        return report
    for code in sorted(new_regions):
        session.add(Region(code=code, name=region_name(code)))
    session.flush()
    session.add_all(new_stores)
    session.flush()
    report.created = len(new_stores)
    return report


def read_text(path: Path) -> str:
    """A CSV file's text (UTF-8, with or without BOM); raises OSError / UnicodeDecodeError."""
    return path.read_text(encoding="utf-8-sig")
