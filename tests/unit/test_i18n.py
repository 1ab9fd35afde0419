"""Translations (issue 16): the catalogs are complete, and no text shown to people escapes them.

* The catalog is extracted from the code here (``rxapp/i18n_extract.py``, what ``make i18n-extract``
  runs) and compared with each language's ``.po``: an entry missing, empty or fuzzy in zh-TW or
  German fails, and so does a translation that drops a ``{placeholder}``.
* The views already converted must not show literal text outside a marker: a literal handed to a
  text component (``rx.text("…")``, ``rx.button("…")``, ``aria_label="…"``, …) fails.
* Choosing a language: ``Accept-Language``, plural forms, the source language as the fallback.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from rxapp import i18n, i18n_extract

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "rxapp"
TRANSLATED = ("zh-TW", "de")

# Every view: each text it shows goes through the catalog (issue 16).  New pages and components are
# covered the moment they exist.
VIEWS = sorted([*(APP / "pages").rglob("*.py"), *(APP / "components").rglob("*.py")])
# Calls whose positional arguments are text shown on the page, and keyword arguments that are text.
TEXT_CALLS = {"text", "heading", "button", "link", "callout", "badge", "label", "span", "strong", "em", "p",
              "option", "tooltip", "code"}
TEXT_KEYWORDS = {"aria_label", "title", "placeholder", "hint", "description", "alt", "saved_text"}


def _extracted() -> dict[str, str | tuple[str, str]]:
    found: dict[str, str | tuple[str, str]] = {}
    for path in sorted(APP.rglob("*.py")):
        for _line, _name, message in i18n_extract.messages(ast.parse(path.read_text(encoding="utf-8"))):
            found[message[0] if isinstance(message, tuple) else message] = message
    return found


def _po(lang: str):
    from babel.messages.pofile import read_po

    with (i18n.CATALOG_DIR / lang.replace("-", "_") / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{\w+\}", text))


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_marked_text_is_translated_and_keeps_its_placeholders(lang):
    catalog = _po(lang)
    problems = []
    for key, message in _extracted().items():
        entry = catalog.get(message if isinstance(message, str) else message[0])
        if entry is None:
            problems.append(f"missing (run make i18n-update): {key!r}")
            continue
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if entry.fuzzy or not all(strings):
            problems.append(f"{'fuzzy' if entry.fuzzy else 'untranslated'}: {key!r}")
            continue
        for text in strings:
            if _placeholders(text) != _placeholders(key):
                problems.append(f"placeholders differ: {key!r} -> {text!r}")
    assert not problems, f"{lang}: {len(problems)} problems:\n" + "\n".join(problems[:40])


def test_the_template_in_the_repo_is_up_to_date():
    """``rxapp/locale/messages.pot`` holds exactly what the code marks (``make i18n-update`` refreshes it)."""
    from babel.messages.pofile import read_po

    with (i18n.CATALOG_DIR / "messages.pot").open("rb") as handle:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    assert template == set(_extracted()), "run make i18n-update"


def _unmarked(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    marked: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and i18n_extract._name(node.func) in i18n_extract.MARKERS:
            for sub in ast.walk(node):
                marked.add(id(sub))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or id(node) in marked:
            continue
        name = i18n_extract._name(node.func)
        candidates = list(node.args) if name in TEXT_CALLS else []
        candidates += [kw.value for kw in node.keywords if kw.arg in TEXT_KEYWORDS]
        for arg in candidates:
            text = i18n_extract._text(arg)
            if text and re.search(r"[A-Za-z]{2}", text) and id(arg) not in marked:
                found.append(f"{path.relative_to(ROOT)}:{arg.lineno}: {text!r}")
    return found


def test_converted_views_show_no_text_outside_the_catalog():
    assert len(VIEWS) > 30  # the glob found the views
    found = [hit for path in VIEWS for hit in _unmarked(path)]
    assert not found, "mark these with T(...) / Tf(...):\n" + "\n".join(found)


def test_the_unmarked_text_finder_finds_what_it_should():
    """The check above can fail: a literal in rx.text, in an aria_label, nested in a marked call's sibling."""
    import tempfile

    source = '''
rx.text("Hello there")
rx.button(T("Fine"), aria_label="Close the dialog")
field("Email", "email", hint=T("fine too"))
rx.link(T("Fine"), rx.text("Not fine"))
'''
    with tempfile.NamedTemporaryFile("w", suffix=".py", dir=ROOT, delete=False) as handle:
        handle.write(source)
    path = Path(handle.name)
    try:
        hits = [hit.split(": ", 1)[1] for hit in _unmarked(path)]
    finally:
        path.unlink()
    assert hits == ["'Hello there'", "'Close the dialog'", "'Not fine'"] or sorted(hits) == sorted(
        ["'Hello there'", "'Close the dialog'", "'Not fine'"])


@pytest.mark.parametrize(("header", "expected"), [
    ("zh-TW,zh;q=0.9,en-US;q=0.8", "zh-TW"),
    ("zh-Hant-HK", "zh-TW"),
    ("zh-CN,zh;q=0.9", "zh-TW"),  # the one Chinese offered: closer than English for a Simplified reader
    ("de-CH", "de"),
    ("fr-FR,de;q=0.3,en;q=0.5", "en"),
    ("fr-FR,de;q=0.6,en;q=0.5", "de"),
    ("*", "en"),
    ("", "en"),
    (None, "en"),
    ("de;q=banana,zh-TW;q=0.1", "zh-TW"),
    ("x" * 5000, "en"),
])
def test_the_browser_language_is_negotiated(header, expected):
    assert i18n.negotiate(header) == expected


def test_plural_forms_and_the_english_fallback():
    one = "Too many failed log-ins. Try again in {n} minute (after {time} UTC)."
    many = "Too many failed log-ins. Try again in {n} minutes (after {time} UTC)."
    assert i18n.ngettext(one, many, 1, "en") == one and i18n.ngettext(one, many, 3, "en") == many
    de_one, de_many = i18n.ngettext(one, many, 1, "de"), i18n.ngettext(one, many, 3, "de")
    assert de_one != de_many and "{n}" in de_one and "{n}" in de_many
    zh_one, zh_many = i18n.ngettext(one, many, 1, "zh-TW"), i18n.ngettext(one, many, 3, "zh-TW")
    assert zh_one == zh_many != one  # one plural form in Chinese
    assert i18n.gettext("A text nobody marked", "de") == "A text nobody marked"
    with i18n.using("de"):
        assert i18n.gettext("Log in") == i18n.gettext("Log in", "de") != "Log in"
    assert i18n.gettext("Log in") == "Log in"


def test_service_messages_follow_the_current_language():
    from rxapp.services import account_fields

    with i18n.using("zh-TW"):
        _, message = account_fields.normalise_email("")
    assert message == i18n.gettext("Please enter your email address.", "zh-TW") != "Please enter your email address."


def _shadowed_gettext(source: str) -> list[int]:
    """Lines where a module that imports gettext's ``_`` also binds ``_`` as a variable (``for _ in …``,
    ``x, _ = …``, ``lambda _: …``): inside that scope ``_("…")`` calls an int or a tuple."""
    tree = ast.parse(source)
    imports_gettext = any(
        isinstance(node, ast.ImportFrom) and node.module == "rxapp.i18n" and any(a.name == "_" for a in node.names)
        for node in ast.walk(tree))
    if not imports_gettext:
        return []
    return sorted(node.lineno for node in ast.walk(tree)
                  if (isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store))
                  or (isinstance(node, ast.arg) and node.arg == "_"))


def test_no_module_hides_gettext_behind_a_throwaway_variable():
    """A bulk approve raised TypeError: its ``for _ in range(…)`` hid ``_`` (gettext) in the same function."""
    found = [f"{path.relative_to(ROOT)}:{line}" for path in sorted(APP.rglob("*.py"))
             for line in _shadowed_gettext(path.read_text(encoding="utf-8"))]
    assert not found, "use another name than _ for these throwaway variables:\n" + "\n".join(found)


def test_the_shadowing_finder_finds_a_loop_variable():
    source = "from rxapp.i18n import _\n\ndef f():\n    for _ in range(3):\n        pass\n    return _('x')\n"
    assert _shadowed_gettext(source) == [4]
    assert _shadowed_gettext("def f():\n    for _ in range(3):\n        pass\n") == []
