"""The evidence pre-check's reading of text: tolerant matching of names and the dates shops print.

Pure functions over OCR text lines (``ocr_reader.TextLine``), no database:

* ``fold`` / ``fuzzy_find`` / ``find_phrase`` - a name found despite case,
  spacing, O/0 and l/1 confusions and a line break inside it (digits never
  fuzzy, so B550 is not B650);
* ``parse_dates`` / ``find_dates`` / ``purchase_date`` - 11/10/2019, 2019-10-11,
  11 Oct 2019, 11.10.2019, 2019年10月11日, ROC years, French and German months.

``evidence_check`` turns these into the checks a customer and a reviewer see.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from rxapp import i18n
from rxapp.services import serial_format
from rxapp.services.ocr_reader import Box, TextLine

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


def short_date(d: date) -> str:
    """A date in a check's sentence: "11 Oct 2019" in English, the language's own way in the others."""
    if (i18n.known(i18n.current.get()) or i18n.SOURCE) != i18n.SOURCE:
        return i18n.format_date(d)
    return f"{d.day} {d.strftime('%b')} {d.year}"


# --------------------------------------------------------------------------- serials printed on a sticker

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
    return [(value, line, changed) for value, line, changed, _unlabelled in found]
