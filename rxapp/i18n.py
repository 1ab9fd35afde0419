"""The customer's language: which languages exist, which one a request gets, and the translated text.

One vocabulary, three languages: English is the source (the msgids in the
code), Traditional Chinese and German come from gettext catalogs managed with
Babel (``rxapp/locale/<lang>/LC_MESSAGES/messages.po``; ``make i18n-extract``,
``make i18n-update``, ``make i18n-compile``).  No Reflex import: services mark
their messages with ``_`` / ``ngettext`` too, and get the language of the
event that called them from ``current`` (the state layer sets it per event;
``offload.call`` carries it into its threads with the rest of the context).

The pages read the catalog through the tab's ``SessionState.texts``
(``rxapp/components/i18n.py``): only the chosen language's entries travel,
and none for English.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Iterator
from pathlib import Path

from babel import Locale
from babel.messages.pofile import read_po

SOURCE = "en"
# BCP 47 tag (the page's lang attribute, the cookie, the account) -> the language's own name.
LANGUAGES: dict[str, str] = {"en": "English", "zh-TW": "繁體中文", "de": "Deutsch"}
CATALOG_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"

current: contextvars.ContextVar[str] = contextvars.ContextVar("rxapp_language", default=SOURCE)


def known(tag: str | None) -> str | None:
    """``tag`` as one of ``LANGUAGES`` (case and ``_`` / ``-`` forgiven), or None."""
    if not isinstance(tag, str):
        return None
    wanted = tag.strip().replace("_", "-").lower()
    for code in LANGUAGES:
        if code.lower() == wanted:
            return code
    return None


def negotiate(accept_language: str | None) -> str:
    """The best of ``LANGUAGES`` for an ``Accept-Language`` header (English when none fits).

    Weights are honoured; any Chinese (``zh``, ``zh-Hant-HK``, ``zh-CN``) gets Traditional Chinese,
    ``de-AT`` German.  Junk gets English, never an error.
    """
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "")[:1000].split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and weight > 0:
            ranked.append((-weight, index, tag.strip()))
    for _, _, tag in sorted(ranked):
        found = known(tag) or _by_language(tag)
        if found:
            return found
    return SOURCE


def _by_language(tag: str) -> str | None:
    base = tag.replace("_", "-").split("-")[0].lower()
    if base == "zh":
        return "zh-TW"  # the one Chinese offered: closer for a Simplified reader than English
    return known(base)


def locale_of(lang: str) -> Locale:
    """Babel's locale for a language of ``LANGUAGES`` (dates, numbers)."""
    return Locale.parse((known(lang) or SOURCE).replace("-", "_"))


def _folder(lang: str) -> str:
    return lang.replace("-", "_")


@functools.cache
def _load(lang: str) -> tuple[dict[str, str | tuple[str, ...]], str, int]:
    """(msgid -> translation, a plural entry's as a tuple of forms; the catalog's plural expression and
    number of forms), read once.  Fuzzy and empty entries are left out; English has no catalog."""
    path = CATALOG_DIR / _folder(lang) / "LC_MESSAGES" / f"{DOMAIN}.po"
    if lang == SOURCE or not path.exists():
        return {}, "(n != 1)", 2
    with path.open("rb") as handle:
        po = read_po(handle, locale=_folder(lang))
    out: dict[str, str | tuple[str, ...]] = {}
    for message in po:
        if not message.id or message.fuzzy:
            continue
        if message.pluralizable:
            forms = tuple(message.string)
            if all(forms):
                out[message.id[0]] = forms
        elif message.string:
            out[message.id] = message.string
    return out, po.plural_expr, po.num_plurals


def _catalog(lang: str) -> dict[str, str | tuple[str, ...]]:
    return _load(lang)[0]


def texts(lang: str) -> dict[str, str]:
    """What a page needs of ``lang``'s catalog: every singular entry (nothing for English)."""
    return {k: v for k, v in _catalog(known(lang) or SOURCE).items() if isinstance(v, str)}


def gettext(message: str, lang: str | None = None) -> str:
    """``message`` in ``lang`` (the current event's language by default); itself when untranslated."""
    found = _catalog(known(lang or current.get()) or SOURCE).get(message)
    return found if isinstance(found, str) else message


_ = gettext


def N_(message: str) -> str:  # noqa: N802 - gettext's name for it
    """Marks ``message`` for the catalog where it is defined (a menu's entries); translated where shown."""
    return message


def ngettext(singular: str, plural: str, n: int, lang: str | None = None) -> str:
    """The form of ``singular`` / ``plural`` for ``n`` in ``lang`` (not yet formatted: ``.format(n=n)``)."""
    code = known(lang or current.get()) or SOURCE
    found = _catalog(code).get(singular)
    if not isinstance(found, tuple):
        return singular if n == 1 else plural
    _, expr, count = _load(code)
    index = _plural_index(expr, n)
    return found[min(max(index, 0), count - 1)]


def _plural_index(expr: str, n: int) -> int:
    """Evaluate a gettext ``Plural-Forms`` expression (``n != 1``, ``0``) without ``eval``."""
    expr = expr.strip().strip("()")
    if expr in ("0", ""):
        return 0
    if expr in ("n != 1", "n!=1"):
        return int(n != 1)
    if expr in ("n > 1", "n>1"):
        return int(n > 1)
    raise ValueError(f"unsupported plural expression {expr!r}")


def territory(code: str, fallback: str, lang: str | None = None) -> str:
    """A country's or region's name in ``lang`` (the current language by default), from CLDR via Babel."""
    code_lang = known(lang or current.get()) or SOURCE
    if code_lang == SOURCE:
        return fallback
    return locale_of(code_lang).territories.get(code.upper(), fallback)


def format_date(value, lang: str | None = None) -> str:
    """A date as its language writes it: 2026-11-29 (English, as everywhere in the app), 29.11.2026,
    2026年11月29日."""
    from babel.dates import format_date as babel_format_date

    code = known(lang or current.get()) or SOURCE
    if code == SOURCE:
        return value.isoformat()
    return babel_format_date(value, format="long" if code == "zh-TW" else "medium", locale=locale_of(code))


def sort_key(text: str) -> str:
    """How names sort for people: without case and accents (É with E)."""
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


@contextlib.contextmanager
def using(lang: str | None) -> Iterator[str]:
    """Run a block in ``lang`` (an email written for its recipient, a test)."""
    code = known(lang) or SOURCE
    token = current.set(code)
    try:
        yield code
    finally:
        current.reset(token)
