"""The catalog's constant data: product categories, models, the regions sold in and their stores.

Only data (and ``store_catalog`` that spells out the generic stores); putting
it into the database is ``catalog.ensure_catalog`` / ``ensure_regions``.
"""

from __future__ import annotations

from datetime import date

from rxapp.models import Channel


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
