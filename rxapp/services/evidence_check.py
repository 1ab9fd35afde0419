"""The evidence pre-check: what an uploaded invoice or S/N photo says, against what the customer typed.

A stored file is read once (``ocr_reader.read``: text lines with their boxes,
barcodes) and the reading is kept beside it (``EvidenceReading``, one row per
``StoredFile``).  The checks are cheap functions over that reading, run every
time they are shown, because what they compare with (the typed date, the
chosen store, the promotion) can change after the upload:

* ``check_model``   - the product's name appears (tolerant of case, spacing,
  O/0 and l/1 confusions, a name wrapped onto the next line); another catalog
  model named instead *contradicts*;
* ``check_dates``   - a purchase date is found (11/10/2019, 2019-10-11,
  11 Oct 2019, 11.10.2019, 2019年10月11日, 108年10月11日 …), agrees with the typed
  date, and falls inside the promotion's period;
* ``check_store``   - the store's name appears (another store of the region
  instead contradicts);
* ``check_serial``  - the S/N photo's barcode decodes to the typed serial; with
  no readable barcode, the printed serial is read by OCR.  A decoded barcode
  that contradicts the typed serial is the one finding that *blocks*: the
  customer fixes the serial or confirms it.

Each check is ``found`` / ``not_found`` / ``contradicts`` with the text that
matched and its box (for the reviewer's outline), and advice for the customer.
The checks are advice, not a gate (except the blocking one above).
"""

from __future__ import annotations

import enum
import json
import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, select

from rxapp.models import EvidenceReading, ProductModel, Store, StoredFile
from rxapp.services import file_folder, ocr_reader, serial_format
from rxapp.services.ocr_reader import Box, Reading, TextLine

log = logging.getLogger(__name__)


class Status(str, enum.Enum):
    found = "found"
    not_found = "not_found"
    contradicts = "contradicts"


@dataclass(frozen=True)
class Check:
    key: str  # model, date, period, store, serial
    status: Status
    message: str  # one line for the customer and the reviewer
    matched: str = ""  # the words on the picture that matched (or contradicted)
    box: Box | None = None
    advice: str = ""  # what to do about a failed check
    blocking: bool = False  # must be fixed or confirmed before submitting

    @property
    def ok(self) -> bool:
        return self.status is Status.found

    def to_dict(self) -> dict:
        return {
            "key": self.key, "status": self.status.value, "ok": self.ok, "message": self.message,
            "matched": self.matched, "box": list(self.box) if self.box else [], "advice": self.advice,
            "blocking": self.blocking,
        }


# --------------------------------------------------------------------------- tolerant matching

# Confusions OCR makes between letters and digits; folded alike on both sides.
_FOLD = str.maketrans({"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "|": "1", "!": "1"})
# Further look-alikes: a substitution between these costs one edit (as letters do).
_LOOKALIKE = {frozenset(p) for p in ("B8", "S5", "Z2", "G6", "T7", "A4")}
_NOT_ALNUM = re.compile(r"[^0-9A-Z]")


def fold(text: str) -> str:
    """Upper case, NFKC, look-alike letters as digits (O→0, I/l→1), nothing but letters and digits."""
    text = unicodedata.normalize("NFKC", text).upper()
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    text = text.replace("|", "1").replace("!", "1")
    return _NOT_ALNUM.sub("", text).translate(_FOLD)


def allowed_errors(pattern: str) -> int:
    """Edits tolerated in a folded name: none up to 9 characters, one per 10 after."""
    return len(pattern) // 10


def _sub_cost(a: str, b: str) -> int | None:
    if a == b:
        return 0
    if a.isdigit() or b.isdigit():
        return 1 if frozenset((a, b)) in _LOOKALIKE else None
    return 1


def fuzzy_find(pattern: str, text: str, max_errors: int) -> tuple[int, int, int] | None:
    """Best approximate occurrence of ``pattern`` in ``text`` (both folded): (errors, start, end).

    Sellers' edit distance, with digits protected: a digit may not be
    inserted, dropped, or replaced except by its look-alike letter (8/B, 5/S…),
    so "B550" never matches "B650" whatever the tolerance.
    """
    if not pattern:
        return None
    if max_errors == 0:
        i = text.find(pattern)
        return (0, i, i + len(pattern)) if i >= 0 else None
    # Pigeonhole: with at most k edits, one of k + 1 pieces of the pattern is in the text untouched.
    step = len(pattern) / (max_errors + 1)
    pieces = [pattern[round(i * step):round((i + 1) * step)] for i in range(max_errors + 1)]
    if not any(piece and piece in text for piece in pieces):
        return None
    big = 10**6
    m = len(pattern)
    prev = [0] * (len(text) + 1)  # row 0: a match may start anywhere
    starts_prev = list(range(len(text) + 1))
    for i in range(1, m + 1):
        p = pattern[i - 1]
        del_cost = big if p.isdigit() else 1
        cur = [prev[0] + del_cost] + [0] * len(text)
        starts = [0] * (len(text) + 1)
        for j in range(1, len(text) + 1):
            t = text[j - 1]
            best, start = prev[j] + del_cost, starts_prev[j]  # pattern char missing from text
            sub = _sub_cost(p, t)
            if sub is not None and prev[j - 1] + sub < best:
                best, start = prev[j - 1] + sub, starts_prev[j - 1]
            ins = big if t.isdigit() else 1  # an extra text char inside the match
            if cur[j - 1] + ins < best:
                best, start = cur[j - 1] + ins, starts[j - 1]
            cur[j], starts[j] = best, start
        prev, starts_prev = cur, starts
    best_j = min(range(len(text) + 1), key=lambda j: (prev[j], -j))
    if prev[best_j] > max_errors:
        return None
    return prev[best_j], starts_prev[best_j], best_j


@dataclass(frozen=True)
class Match:
    text: str
    box: Box
    errors: int


def _union(boxes: Iterable[Box]) -> Box:
    boxes = list(boxes)
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _height(line: TextLine) -> int:
    return max(1, line.box[3] - line.box[1])


def _groups(lines: Sequence[TextLine]) -> list[list[TextLine]]:
    """Each line alone, with its right-hand neighbour on the same row, and with the line under it in
    its column (a name wrapped in a table cell)."""
    groups: list[list[TextLine]] = [[line] for line in lines]
    for i, a in enumerate(lines):
        h = _height(a)
        right = [b for b in lines if b is not a and abs((b.box[1] + b.box[3]) - (a.box[1] + a.box[3])) < h
                 and 0 <= b.box[0] - a.box[2] < 3 * h]
        if right:
            groups.append([a, min(right, key=lambda b: b.box[0])])
        # the next line of the same cell: starts under it (boxes of close lines may overlap a little)
        below = [b for b in lines if b is not a and -0.5 * h <= b.box[1] - a.box[3] < 1.2 * h
                 and b.box[1] > a.box[1] + 0.5 * h and abs(b.box[0] - a.box[0]) < 1.5 * h]
        if below:
            groups.append([a, min(below, key=lambda b: b.box[1])])
    return groups


def folded_groups(lines: Sequence[TextLine]) -> list[tuple[list[TextLine], str]]:
    """``_groups`` with each group's folded text: work the searches of one page share."""
    return [(group, "".join(fold(line.text) for line in group)) for group in _groups(lines)]


def find_phrase(
    lines: Sequence[TextLine],
    phrase: str,
    max_errors: int | None = None,
    *,
    groups: list[tuple[list[TextLine], str]] | None = None,
) -> Match | None:
    """Where ``phrase`` appears in the lines (tolerant, see ``fold``/``fuzzy_find``), best match first.

    ``groups``: ``folded_groups(lines)`` when several phrases are looked for on the same page.
    """
    pattern = fold(phrase)
    if not pattern:
        return None
    k = allowed_errors(pattern) if max_errors is None else max_errors
    best: Match | None = None
    for group, text in groups if groups is not None else folded_groups(lines):
        hit = fuzzy_find(pattern, text, k)
        if hit is None:
            continue
        errors = hit[0]
        if best is None or errors < best.errors:
            best = Match(" / ".join(line.text for line in group), _union(line.box for line in group), errors)
            if errors == 0:
                break
    return best


# --------------------------------------------------------------------------- the model


def check_model(reading: Reading, model_name: str, other_models: Iterable[str] = ()) -> Check:
    groups = folded_groups(reading.lines)
    hit = find_phrase(reading.lines, model_name, groups=groups)
    if hit:
        return Check("model", Status.found, f"{model_name} found on the invoice", hit.text, hit.box)
    for other in other_models:
        if fold(other) == fold(model_name):
            continue
        wrong = find_phrase(reading.lines, other, groups=groups)
        if wrong:
            return Check(
                "model", Status.contradicts, f"The invoice names {other}, not {model_name}", wrong.text, wrong.box,
                advice="Check you picked the right product, or upload the invoice of this one.",
            )
    return Check(
        "model", Status.not_found, f"{model_name} not found on the invoice",
        advice="Reviewers usually ask for an invoice with the product name on it: "
        "upload one that shows it (a clear, flat photo helps).",
    )


# --------------------------------------------------------------------------- dates

_MONTHS: dict[str, int] = {}
for _n, _names in enumerate(
    [
        "january jan janvier janv januar jaenner",
        "february feb fevrier fevr fev februar",
        "march mar mars marz maerz mrz",
        "april apr avril avr",
        "may mai",
        "june jun juin juni",
        "july jul juillet juil juli",
        "august aug aout august",
        "september sep sept septembre",
        "october oct octobre oktober okt",
        "november nov novembre",
        "december dec decembre dezember dez",
    ],
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _n

_MONTH_WORD = r"([A-Za-zÀ-ÿ0]{3,10})\.?"
_PATTERNS = [
    # 2019年10月11日 / 108年10月11日 (Republic of China years) / 2019-10-11 / 2019/10/11 / 2019.10.11
    ("ymd", re.compile(r"(?<!\d)(\d{2,4})\s*([年./-])\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})(?!\d)")),
    # 11/10/2019, 11.10.2019, 11-10-19
    ("dmy", re.compile(r"(?<!\d)(\d{1,2})\s*([./-])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})(?!\d)")),
    # 11 Oct 2019, 11. Oktober 2019, 7 nov. 2021
    ("d_mon_y", re.compile(r"(?<!\d)(\d{1,2})\s*\.?\s*" + _MONTH_WORD + r"\s*,?\s*(\d{4})(?!\d)")),
    # Oct 11, 2019
    ("mon_d_y", re.compile(_MONTH_WORD + r"\s*(\d{1,2})\s*(?:st|nd|rd|th)?\s*,?\s*(\d{4})(?!\d)")),
]
# Words that say a date is the purchase date, or that it is some other date.
_PURCHASE_LABELS = re.compile(
    r"date|datum|achat|kauf|purchase|invoice|rechnung|facture|日期|開立|交易|購買|發票", re.IGNORECASE
)
_OTHER_LABELS = re.compile(
    r"due|échéance|echeance|fällig|fallig|valid|warranty|garantie|expir|until|bis|期限|保固|到期", re.IGNORECASE
)
# An O or an l/I/| read inside a number ("2O19", "1l.10"), never one that ends or starts a word ("Jul13").
_DIGIT_O = re.compile(r"(?<=\d)[Oo](?![A-Za-z])|(?<![A-Za-z])[Oo](?=\d)")
_DIGIT_L = re.compile(r"(?<=\d)[lI|](?![A-Za-z])|(?<![A-Za-z])[lI|](?=\d)")


@dataclass(frozen=True)
class FoundDate:
    dates: tuple[date, ...]  # every reading of the text (11/10/2019: 11 Oct or 10 Nov)
    text: str
    box: Box
    purchase_label: bool
    other_label: bool


def _valid(y: int, m: int, d: int) -> date | None:
    if not 1990 <= y <= 2100:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _year(raw: str, sep: str = "") -> int | None:
    y = int(raw)
    if len(raw) == 4:
        return y
    if len(raw) == 3 or (sep == "年" and len(raw) <= 3):
        return y + 1911  # Republic of China (Taiwan) year
    if len(raw) == 2 and sep != "年":
        return 2000 + y
    return None


def _month(word: str) -> int | None:
    key = "".join(ch for ch in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(ch))
    return _MONTHS.get(key.replace("0", "o"))


def parse_dates(text: str, *, month_first: bool = False) -> list[tuple[tuple[date, ...], str]]:
    """Every date written in ``text``: (its possible dates, likeliest first; the text that said it)."""
    text = unicodedata.normalize("NFKC", text)
    text = _DIGIT_L.sub("1", _DIGIT_O.sub("0", text))
    out: list[tuple[tuple[date, ...], str]] = []
    taken: list[tuple[int, int]] = []

    def add(span: tuple[int, int], dates: list[date | None]) -> None:
        if any(s < span[1] and span[0] < e for s, e in taken):
            return
        unique = tuple(dict.fromkeys(d for d in dates if d))
        if unique:
            taken.append(span)
            out.append((unique, text[span[0]:span[1]].strip()))

    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if kind == "ymd":
                y = _year(m.group(1), m.group(2))
                if y is not None and (len(m.group(1)) == 4 or m.group(2) == "年" or len(m.group(1)) == 3):
                    add(m.span(), [_valid(y, int(m.group(3)), int(m.group(4)))])
            elif kind == "dmy":
                y = _year(m.group(4))
                a, b = int(m.group(1)), int(m.group(3))
                day_first, month_first_reading = _valid(y, b, a), _valid(y, a, b)
                add(m.span(), [month_first_reading, day_first] if month_first else [day_first, month_first_reading])
            elif kind == "d_mon_y":
                month = _month(m.group(2))
                if month:
                    add(m.span(), [_valid(int(m.group(3)), month, int(m.group(1)))])
            else:
                month = _month(m.group(1))
                if month:
                    add(m.span(), [_valid(int(m.group(3)), month, int(m.group(2)))])
    return out


def find_dates(lines: Sequence[TextLine], *, month_first: bool = False) -> list[FoundDate]:
    """The dates on the picture, each with whether a label calls it the purchase date (or another date)."""
    found: list[FoundDate] = []
    for i, line in enumerate(lines):
        parsed = parse_dates(line.text, month_first=month_first)
        if not parsed:
            continue
        # the label is on the line itself or just left of it on the same row
        h = _height(line)
        left = [b for b in lines if b is not line and abs((b.box[1] + b.box[3]) - (line.box[1] + line.box[3])) < h
                and b.box[2] <= line.box[0] + h]
        context = " ".join([b.text for b in left] + [line.text])
        for dates, text in parsed:
            found.append(FoundDate(dates, text, line.box, bool(_PURCHASE_LABELS.search(context)),
                                   bool(_OTHER_LABELS.search(context))))
    return found


def purchase_date(found: Sequence[FoundDate]) -> FoundDate | None:
    """The likeliest purchase date: one labelled so, else the first not labelled as another date."""
    ranked = sorted(found, key=lambda f: (f.other_label, not f.purchase_label))
    return ranked[0] if ranked else None


def _fmt(d: date) -> str:
    return f"{d.day} {d.strftime('%b')} {d.year}"


def check_dates(
    reading: Reading,
    *,
    typed: date | None,
    period: tuple[date, date] | None = None,
    month_first: bool = False,
) -> list[Check]:
    """The purchase date: found and agreeing with ``typed``; and inside ``period`` when one is given."""
    found = find_dates(reading.lines, month_first=month_first)
    if not found:
        return [Check(
            "date", Status.not_found, "No purchase date found on the invoice",
            advice="Reviewers usually ask for one: upload an invoice or receipt that shows the date of purchase.",
        )]
    agreeing = [f for f in found if typed in f.dates] if typed else []
    if agreeing:
        best, when = agreeing[0], typed
        checks = [Check("date", Status.found, f"Purchase date {_fmt(when)} found on the invoice", best.text,
                        best.box)]
    else:
        best = purchase_date(found)
        when = best.dates[0]
        if typed:
            checks = [Check(
                "date", Status.contradicts,
                f"The invoice shows {_fmt(when)}, you entered {_fmt(typed)} as the purchase date",
                best.text, best.box,
                advice="Correct the purchase date, or upload the invoice of this purchase.",
            )]
        else:
            checks = [Check("date", Status.found, f"Purchase date {_fmt(when)} found on the invoice", best.text,
                            best.box)]
    if period:
        start, end = period
        if start <= when <= end:
            checks.append(Check("period", Status.found,
                                f"Bought inside the promotion's period ({_fmt(start)} – {_fmt(end)})",
                                best.text, best.box))
        else:
            checks.append(Check(
                "period", Status.contradicts,
                f"{_fmt(when)} is outside the promotion's period ({_fmt(start)} – {_fmt(end)})",
                best.text, best.box,
                advice="Only purchases inside the promotion's period qualify.",
            ))
    return checks


# --------------------------------------------------------------------------- the store


def check_store(reading: Reading, store_name: str, other_stores: Iterable[str] = ()) -> Check:
    groups = folded_groups(reading.lines)
    hit = find_phrase(reading.lines, store_name, groups=groups)
    if hit:
        return Check("store", Status.found, f"{store_name} found on the invoice", hit.text, hit.box)
    for other in other_stores:
        if fold(other) == fold(store_name) or len(fold(other)) < 4:
            continue
        wrong = find_phrase(reading.lines, other, max_errors=0, groups=groups)
        if wrong:
            return Check(
                "store", Status.contradicts, f"The invoice is from {other}, not {store_name}", wrong.text,
                wrong.box, advice="Choose the store that sold the product, or upload its invoice.",
            )
    return Check(
        "store", Status.not_found, f"{store_name} not found on the invoice",
        advice="Reviewers check the store: an invoice that shows the store's name avoids a question.",
    )


def invoice_checks(
    reading: Reading,
    *,
    model_name: str,
    typed_date: date | None,
    store_name: str,
    period: tuple[date, date] | None = None,
    other_models: Iterable[str] = (),
    other_stores: Iterable[str] = (),
    month_first: bool = False,
) -> list[Check]:
    """Every check of an invoice, in the order the checklist shows them."""
    return [
        check_model(reading, model_name, other_models),
        *check_dates(reading, typed=typed_date, period=period, month_first=month_first),
        check_store(reading, store_name, other_stores),
    ]


# --------------------------------------------------------------------------- the S/N sticker

_LETTER_FOR = {"0": "O", "1": "I", "2": "Z", "5": "S", "6": "G", "8": "B", "4": "A", "7": "T"}
_DIGIT_FOR = {"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "G": "6", "B": "8",
              "T": "7", "A": "4"}


def _coerce(window: str, shape: str) -> tuple[str, int] | None:
    """``window`` (letters and digits) read as a serial of ``shape`` (the format without literals):
    digits where digits belong, letters where letters do; (serial, characters changed)."""
    out, changed = [], 0
    for ch, want in zip(window, shape):
        if want == "#":
            if ch.isdigit():
                out.append(ch)
            elif ch in _DIGIT_FOR:
                out.append(_DIGIT_FOR[ch])
                changed += 1
            else:
                return None
        else:
            if ch.isalpha():
                out.append(ch)
            elif ch in _LETTER_FOR:
                out.append(_LETTER_FOR[ch])
                changed += 1
            else:
                return None
    return "".join(out), changed


# "S/N:", "S/N", "SN:" (OCR often drops the spaces, so "S/NZJ9093…" too)
_SN_LABEL = re.compile(r"^.*?(?<![A-Z])(?:S\s*/\s*N|SN(?![A-Z]))\s*(?:NO\.?)?\s*[.:：]?\s*")


def serials_in_text(lines: Sequence[TextLine], fmt: str) -> list[tuple[str, TextLine, int]]:
    """Serials of format ``fmt`` printed in the lines: (normalised serial, its line, characters coerced),
    those on a line labelled "S/N" first, then the ones that needed the fewest corrections."""
    shape = "".join(ch for ch in fmt if ch in "#A")
    found = []
    for line in lines:
        raw = unicodedata.normalize("NFKC", line.text).upper()
        labelled = bool(_SN_LABEL.match(raw))
        compact = re.sub(r"[^0-9A-Z]", "", _SN_LABEL.sub("", raw))
        for i in range(0, len(compact) - len(shape) + 1):
            got = _coerce(compact[i:i + len(shape)], shape)
            if got and got[1] <= 2:
                found.append((serial_format.normalise(got[0], fmt), line, got[1], not labelled))
    found.sort(key=lambda x: (x[3], x[2]))
    return [(value, line, changed) for value, line, changed, _ in found]


def check_serial(reading: Reading, typed_serial: str, fmt: str | None) -> Check:
    typed = serial_format.normalise(typed_serial, fmt)
    codes = [(serial_format.normalise(b.text, fmt), b) for b in reading.barcodes]
    for value, code in codes:
        if value == typed:
            return Check("serial", Status.found, f"The sticker's barcode reads {value}, as you entered",
                         code.text, code.box)
    if codes:
        value, code = codes[0]
        return Check(
            "serial", Status.contradicts,
            f"The sticker's barcode reads {value}, but you entered {typed}",
            code.text, code.box, blocking=True,
            advice="Correct the serial number, or confirm that the one you entered is right.",
        )
    if fmt:
        printed = serials_in_text(reading.lines, fmt)
        for value, line, _changed in printed:
            if value == typed:
                return Check("serial", Status.found, f"The printed serial {value} matches what you entered",
                             line.text, line.box)
        if printed:
            value, line, _changed = printed[0]
            return Check(
                "serial", Status.contradicts, f"The sticker seems to read {value}, but you entered {typed}",
                line.text, line.box,
                advice="Check the serial number against the sticker; a sharper photo lets us read it.",
            )
    else:
        hit = find_phrase(reading.lines, typed, max_errors=0)
        if hit:
            return Check("serial", Status.found, f"The printed serial {typed} matches what you entered",
                         hit.text, hit.box)
    return Check(
        "serial", Status.not_found, "No serial number could be read on the photo",
        advice="Upload a sharp, well-lit photo of the sticker with its barcode.",
    )


# --------------------------------------------------------------------------- readings kept with their files


def stored_reading(*, session: Session, file_id: int) -> Reading | None:
    """The reading kept for ``file_id``, or None while it has not been read (or could not be)."""
    row = session.exec(select(EvidenceReading).where(EvidenceReading.file_id == file_id)).first()
    if row is None or row.error:
        return None
    return Reading.from_dict(json.loads(row.data))


def reading_error(*, session: Session, file_id: int) -> str:
    row = session.exec(select(EvidenceReading).where(EvidenceReading.file_id == file_id)).first()
    return row.error if row else ""


def read_file(*, file_id: int, url: str | None = None) -> Reading | None:
    """Read ``file_id`` once and keep the result; later calls return what was kept.

    Opens its own short transactions on the database at ``url`` (default: the
    app's): the slow reading runs between two of them, never inside one.  Two
    concurrent calls may both read; the second one's insert loses quietly.
    A picture that cannot be read keeps an error row (and returns None).
    """
    from rxapp import db

    with db.session_scope(url) as session:
        row = session.exec(select(EvidenceReading).where(EvidenceReading.file_id == file_id)).first()
        if row is not None:
            return None if row.error else Reading.from_dict(json.loads(row.data))
        stored = session.get(StoredFile, file_id)
        if stored is None:
            return None
        path, owner_id = file_folder.private_path(stored.storage_key), stored.owner_id
    error, data = "", "{}"
    reading = None
    try:
        reading = ocr_reader.read(path.read_bytes())
        data = json.dumps(reading.to_dict(), ensure_ascii=False)
    except Exception as exc:  # noqa: BLE001 - a picture we cannot read is a finding, not a crash
        log.warning("evidence: could not read file %s: %s", file_id, exc)
        error = "The picture could not be read."
    try:
        with db.session_scope(url) as session:
            session.add(EvidenceReading(file_id=file_id, owner_id=owner_id, engine=ocr_reader.engine_name(), data=data, error=error,
                                        seconds=reading.seconds if reading else 0.0))
    except sa.exc.IntegrityError:
        pass  # read by another worker meanwhile (or the file is gone): theirs is as good
    return reading


# --------------------------------------------------------------------------- checks in their context

# Regions whose shops write a numeric date month first (10/11/2019 is 11 Oct).
MONTH_FIRST_REGIONS = frozenset({"US"})


def invoice_checklist(
    *,
    session: Session,
    file_id: int,
    model_name: str,
    purchase_date: date | None,
    store_id: int | None,
    region_code: str,
    period: tuple[date, date] | None = None,
) -> list[Check] | None:
    """The invoice's checks against a registration's facts; None while the file has not been read.

    The caller has checked that the viewer may see ``file_id``.  Another
    catalog model or another store of the region found instead of the chosen
    one is reported as a contradiction.
    """
    reading = stored_reading(session=session, file_id=file_id)
    if reading is None:
        return None
    store = session.get(Store, store_id) if store_id else None
    others = session.exec(select(Store.name).where(Store.region_code == region_code)).all() if region_code else []
    checks = [
        check_model(reading, model_name, session.exec(select(ProductModel.name)).all()) if model_name else None,
        *check_dates(reading, typed=purchase_date, period=period, month_first=region_code in MONTH_FIRST_REGIONS),
        check_store(reading, store.name, others) if store else None,
    ]
    return [c for c in checks if c is not None]


def serial_checklist(*, session: Session, file_id: int, serial: str, serial_format: str | None) -> Check | None:
    """The S/N photo's check against the typed serial; None while the file has not been read."""
    reading = stored_reading(session=session, file_id=file_id)
    return None if reading is None else check_serial(reading, serial, serial_format)


def summary(checks: Sequence[Check]) -> str:
    """"passed" when every check found what it looked for, else "failed" (for the queue's filter)."""
    return "passed" if checks and all(c.ok for c in checks) else "failed"


def claim_evidence(*, session: Session, actor_id: int, claim_id: int) -> dict:
    """The evidence checks of one claim, for its reviewer.

    ``{"invoice": {"file_id", "width", "height", "checks": [Check] or None}, "serial_photo": {… "checks": …},
    "unread": [file ids not read yet], "summary": "passed" / "failed" / ""}`` (a missing file is None).
    The invoice is checked against the registration (model, purchase date, store) and the claim's
    promotion period; the S/N photo against the registered serial.  Raises ``Forbidden`` unless
    ``actor_id`` is a reviewer, ``NotFound`` for an unknown claim.
    """
    from rxapp.models import ProductCategory, Promotion, Redemption, RegisteredProduct, SerialRecord
    from rxapp.services import access
    from rxapp.services.errors import NotFound

    access.require_reviewer(session=session, user_id=actor_id)
    claim = session.get(Redemption, claim_id)
    if claim is None:
        raise NotFound(f"Claim #{claim_id} does not exist.")
    product = session.get(RegisteredProduct, claim.product_id)
    serial = session.get(SerialRecord, product.serial_id)
    model = session.get(ProductModel, serial.model_id)
    category = session.get(ProductCategory, model.category_id)
    promotion = session.get(Promotion, claim.promotion_id)
    out: dict = {"invoice": None, "serial_photo": None, "unread": [], "summary": ""}
    every: list[Check] = []
    invoice_id = claim.invoice_file_id or product.invoice_file_id
    if invoice_id:
        checks = invoice_checklist(
            session=session, file_id=invoice_id, model_name=model.name, purchase_date=product.purchase_date,
            store_id=product.store_id, region_code=product.region_code,
            period=(promotion.starts_on, promotion.ends_on),
        )
        out["invoice"] = _file_part(session, invoice_id, checks)
        every += checks or []
    if claim.serial_photo_file_id:
        check = serial_checklist(session=session, file_id=claim.serial_photo_file_id, serial=serial.serial,
                                 serial_format=category.serial_format)
        out["serial_photo"] = _file_part(session, claim.serial_photo_file_id, [check] if check else None)
        every += [check] if check else []
    out["unread"] = [part["file_id"] for part in (out["invoice"], out["serial_photo"])
                     if part and part["checks"] is None and not part["error"]]
    out["summary"] = summary(every) if every else ""
    return out


def _file_part(session: Session, file_id: int, checks: list[Check] | None) -> dict:
    row = session.exec(select(EvidenceReading).where(EvidenceReading.file_id == file_id)).first()
    reading = Reading.from_dict(json.loads(row.data)) if row is not None and not row.error else None
    return {"file_id": file_id, "checks": checks, "error": row.error if row else "",
            "width": reading.width if reading else 0, "height": reading.height if reading else 0}
