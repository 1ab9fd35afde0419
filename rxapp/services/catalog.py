"""The catalog: product categories, models, the serial registry, regions and stores.

Serial number formats
---------------------
A serial is stored *normalised*: upper case, no spaces, and dashes only where
the category's format has them (``serials.normalise``).  ``serial_format`` is
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
from datetime import date

import pycountry
import sqlalchemy as sa
from sqlmodel import Session, select

from rxapp.models import Channel, ProductCategory, ProductModel, Region, SerialRecord, Store

# --------------------------------------------------------------------------- categories

# Letters printed on stickers.  The factory avoids nothing: "O" and "I" do occur
# in letter positions, so a "0" typed there is a real confusion to point out.
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DIGITS = "0123456789"

CATEGORIES: list[dict] = [
    {
        "slug": "monitor",
        "name": "Monitor",
        "serial_format": "AA####A######",
        "warranty_months": 36,
        "sticker_text": (
            "On the back of the monitor, near the VESA mount or the power input. "
            "The sticker shows the S/N with a barcode and the 3-digit CHK code."
        ),
    },
    {
        "slug": "desktop",
        "name": "Desktop",
        "serial_format": "AAA########",
        "warranty_months": 24,
        "sticker_text": (
            "On the back panel of the case, next to the rear I/O ports "
            "(on some small cases: on the bottom)."
        ),
    },
    {
        "slug": "laptop",
        "name": "Laptop",
        "serial_format": "A##A########",
        "warranty_months": 24,
        "sticker_text": (
            "On the bottom of the laptop, usually near the hinge. "
            "Close the lid and turn the laptop over on a soft cloth to read it."
        ),
    },
    {
        "slug": "graphics-card",
        "name": "Graphics Card",
        "serial_format": "###-#AA#-####",
        "warranty_months": 36,
        "sticker_text": (
            "On the back of the card's PCB / on the backplate, "
            "next to the PCIe connector. Take the card out of the PC to read it."
        ),
    },
    {
        "slug": "motherboard",
        "name": "Motherboard",
        "serial_format": "###-#A##-######",
        "warranty_months": 36,
        "sticker_text": (
            "On the front of the board between the PCIe slots, "
            "or on the edge next to the 24-pin power connector."
        ),
    },
]

# (category slug, name, model number, release date)
_MODEL_ROWS: list[tuple[str, str, str, date]] = [
    # Monitors
    ("monitor", "Optix MPG341CQR", "3DA1", date(2020, 3, 10)),
    ("monitor", "Modern MD241P", "3PA0", date(2020, 11, 10)),
    ("monitor", "Optix MAG27CQ", "3CA8", date(2018, 9, 1)),
    ("monitor", "MAG 274QRF-QD", "3CB5", date(2021, 2, 15)),
    ("monitor", "MPG 321URX QD-OLED", "3DD4", date(2024, 3, 12)),
    # Desktops
    ("desktop", "Trident 3 Arctic", "8RD-002US", date(2018, 6, 1)),
    ("desktop", "MAG Infinite S3", "13NUD-1487US", date(2023, 1, 17)),
    ("desktop", "MEG Aegis Ti5", "12VTE-024US", date(2022, 1, 4)),
    # Laptops
    ("laptop", "Modern 14", "B11MOU-1030US", date(2020, 11, 1)),
    ("laptop", "Prestige 14", "A11SC-020US", date(2020, 10, 1)),
    ("laptop", "GF63 Thin", "10SC-014US", date(2020, 4, 1)),
    ("laptop", "Stealth 16", "A13VG-027US", date(2024, 2, 1)),
    # Graphics cards
    ("graphics-card", "GeForce RTX 4070 GAMING X TRIO 12G", "V513-001R", date(2023, 4, 13)),
    ("graphics-card", "Radeon RX 7800 XT GAMING TRIO CLASSIC 16G", "V509-001R", date(2023, 9, 6)),
    ("graphics-card", "GeForce RTX 3060 VENTUS 2X 12G OC", "V397-022R", date(2021, 2, 25)),
    # Motherboards
    ("motherboard", "MAG B650 TOMAHAWK WIFI", "7D75-001R", date(2022, 10, 10)),
    ("motherboard", "MPG Z790 EDGE WIFI", "7D91-001R", date(2022, 10, 20)),
    ("motherboard", "MAG B550 TOMAHAWK", "7C91-001R", date(2020, 6, 16)),
]
MODELS: list[dict] = [
    {"category": c, "name": n, "model_number": num, "release_date": d} for c, n, num, d in _MODEL_ROWS
]

_CATEGORY_BY_SLUG = {c["slug"]: c for c in CATEGORIES}
_MODEL_BY_NAME = {m["name"]: m for m in MODELS}


def format_to_pattern(serial_format: str) -> str:
    """The regular expression (over a normalised serial) of a people's format."""
    parts = []
    for ch in serial_format:
        if ch == "#":
            parts.append(r"\d")
        elif ch == "A":
            parts.append("[A-Z]")
        else:
            parts.append(re.escape(ch))
    return "^" + "".join(parts) + "$"


def example_serial(serial_format: str, seed: int = 7) -> str:
    """A serial of the given format, for help texts ("e.g. MB2110N004217")."""
    return _random_serial(random.Random(seed), serial_format)


def sticker_image_path(slug: str) -> str:
    """The public asset path of a category's sticker picture."""
    return f"/stickers/{slug}.png"


# --------------------------------------------------------------------------- regions & stores

# ISO 3166-1 alpha-2 codes of the countries the vendor sells in.
REGION_CODES: tuple[str, ...] = (
    "US", "CA", "MX", "BR", "GB", "IE", "DE", "FR", "ES", "IT", "NL", "BE", "AT",
    "CH", "PL", "SE", "NO", "DK", "FI", "CZ", "PT", "TW", "JP", "KR", "HK", "SG",
    "MY", "TH", "IN", "AU", "NZ", "AE",
)

_R, _O, _S = Channel.retail, Channel.online, Channel.reseller

# (name, channel, is_partner).  The five main demo regions have at least two
# partner stores per channel; the others have one per channel.
_STORES: dict[str, list[tuple[str, Channel, bool]]] = {
    "US": [
        ("Micro Center", _R, True), ("Best Buy", _R, True),
        ("Amazon.com", _O, True), ("Newegg", _O, True), ("B&H Photo Video", _O, True),
        ("CDW", _S, True), ("Insight", _S, True),
        ("Bargain PC Outlet", _R, False),
    ],
    "GB": [
        ("Currys", _R, True), ("Computer Exchange", _R, True),
        ("Amazon.co.uk", _O, True), ("Scan Computers", _O, True), ("Overclockers UK", _O, True),
        ("CCL Computers", _S, True), ("Box.co.uk Business", _S, True),
        ("Marketplace seller (eBay)", _O, False),
    ],
    "DE": [
        ("MediaMarkt", _R, True), ("Saturn", _R, True),
        ("Amazon.de", _O, True), ("Alternate", _O, True), ("Mindfactory", _O, True),
        ("Bechtle", _S, True), ("Cyberport Business", _S, True),
    ],
    "FR": [
        ("Fnac", _R, True), ("Boulanger", _R, True),
        ("Amazon.fr", _O, True), ("LDLC", _O, True), ("Materiel.net", _O, True),
        ("Inmac wstore", _S, True), ("Top Achat Pro", _S, True),
    ],
    "TW": [
        ("Tsann Kuen 3C", _R, True), ("Sunfar 3C", _R, True),
        ("PChome 24h", _O, True), ("momo shop", _O, True),
        ("Coolpc", _S, True), ("Sinya Digital", _S, True),
    ],
}

_GENERIC_STORES: dict[str, tuple[str, str, str]] = {
    # region: (retail, online, reseller)
    "CA": ("Canada Computers", "Amazon.ca", "Memory Express Business"),
    "MX": ("Liverpool", "Amazon.com.mx", "CyberPuerta Empresas"),
    "BR": ("Kabum Loja", "Amazon.com.br", "Pichau Empresas"),
    "IE": ("Harvey Norman", "Amazon.ie", "Elara Business"),
    "ES": ("MediaMarkt España", "PcComponentes", "Coolmod Empresas"),
    "IT": ("Unieuro", "Amazon.it", "Esprinet"),
    "NL": ("Coolblue Winkel", "Bol.com", "Centralpoint"),
    "BE": ("Krëfel", "Alternate.be", "Bechtle Belgium"),
    "AT": ("MediaMarkt Österreich", "Cyberport.at", "ACP Group"),
    "CH": ("Interdiscount", "Digitec Galaxus", "Brack Business"),
    "PL": ("RTV Euro AGD", "x-kom", "Komputronik Biznes"),
    "SE": ("Elgiganten", "Inet", "Dustin"),
    "NO": ("Elkjøp", "Komplett", "Atea Norge"),
    "DK": ("Power", "Proshop", "Atea Danmark"),
    "FI": ("Gigantti", "Verkkokauppa.com", "Atea Finland"),
    "CZ": ("Datart", "Alza.cz", "Czech Computer"),
    "PT": ("Worten", "PCDiga", "Globaldata Empresas"),
    "JP": ("Yodobashi Camera", "Amazon.co.jp", "Tsukumo Business"),
    "KR": ("Electroland", "Coupang", "Compuzone Business"),
    "HK": ("Fortress", "HKTVmall", "Centralfield Computer"),
    "SG": ("Challenger", "Lazada Singapore", "Bizgram"),
    "MY": ("Senheng", "Shopee Malaysia", "Viewnet Computer"),
    "TH": ("Power Buy", "Lazada Thailand", "JIB Computer Group"),
    "IN": ("Croma", "Amazon.in", "Vedant Computers"),
    "AU": ("JB Hi-Fi", "Amazon.com.au", "Scorptec Business"),
    "NZ": ("Noel Leeming", "PB Tech Online", "Computer Lounge Business"),
    "AE": ("Sharaf DG", "Amazon.ae", "Jumbo Electronics B2B"),
}


def store_catalog() -> dict[str, list[tuple[str, Channel, bool]]]:
    """Every region's stores as (name, channel, is_partner)."""
    out = {code: list(rows) for code, rows in _STORES.items()}
    for code, (retail, online, reseller) in _GENERIC_STORES.items():
        out[code] = [(retail, _R, True), (online, _O, True), (reseller, _S, True)]
    return out


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


# --------------------------------------------------------------------------- serial registry


def _random_serial(rng: random.Random, serial_format: str) -> str:
    out = []
    for ch in serial_format:
        if ch == "#":
            out.append(rng.choice(_DIGITS))
        elif ch == "A":
            out.append(rng.choice(_LETTERS))
        else:
            out.append(ch)
    return "".join(out)


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
        serial = _random_serial(rng, serial_format)
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
    serial twice in the file, a serial already in the registry.  All or
    nothing: when any line is bad, nothing is imported and the report says
    what is wrong on which line.  Flushes; the caller commits.
    """
    from rxapp.services.serials import normalise  # serials imports this module

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
    in_db: set[str] = set()
    for start in range(0, len(candidates), 500):
        chunk = candidates[start : start + 500]
        in_db.update(session.exec(select(SerialRecord.serial).where(SerialRecord.serial.in_(chunk))).all())
    for line, values in parsed:
        if values and line.serial in in_db:
            line.ok = False
            line.message = "serial already in the registry"
    report.lines = [line for line, _ in parsed]
    if not report.lines:
        report.error = "The file has a header but no serial lines."
    if not report.ok:
        return report
    session.execute(sa.insert(SerialRecord), [values for _, values in parsed])
    session.flush()
    report.imported = len(parsed)
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


CHANNEL_LABELS = {
    Channel.retail: "Retail store",
    Channel.online: "Online retailer",
    Channel.reseller: "Reseller",
}


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
            "channel_label": CHANNEL_LABELS[s.channel],
            "is_partner": s.is_partner,
        }
        for s in rows
    ]

