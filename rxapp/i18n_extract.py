"""``pybabel extract``'s reader for this app's Python (``babel.cfg``): the texts a catalog needs, by AST.

Babel's own Python reader loses a marked text nested inside another marked
call's arguments (``checkbox_field(T("…"), description=T("…"))``), which views
do all the time.  This one walks the syntax tree, so nesting does not matter:

* gettext's names: ``_`` / ``gettext`` / ``N_`` / ``T`` / ``Tf`` (first
  argument), ``ngettext`` (first two: singular and plural);
* the shared components that translate the text they are given
  (``rxapp/components/forms.py``, ``shell.py``): their first argument;
* the tables (``rxapp/components/table.py``): each text of their first
  argument, the tuple of column titles.

``unmarked`` finds the opposite, for the test that fails on a text shown to
people without a catalog entry (``tests/unit/test_i18n.py``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

GETTEXT = {"_": 1, "gettext": 1, "N_": 1, "T": 1, "Tf": 1, "tr": 1}
PLURAL = {"ngettext"}
# Components whose first argument is text they translate themselves (``components.i18n.tr``).
TRANSLATING = {"field", "select_field", "checkbox_field", "textarea_field", "submit_button", "public_page",
               "member_page", "field_label", "info_panel", "MenuGroup", "_group"}
# ... and those whose first and third arguments are (``saved_row(label, saved, saved_text)``).
TRANSLATING_1_3 = {"saved_row"}
# ... and those whose first argument is a tuple or list of texts (column titles).
TRANSLATING_ALL = {"data_table", "table"}
MARKERS = set(GETTEXT) | PLURAL | TRANSLATING | TRANSLATING_1_3 | TRANSLATING_ALL


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _text(node: ast.expr | None) -> str | None:
    """A literal string argument (implicitly concatenated literals included), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def messages(tree: ast.AST) -> Iterator[tuple[int, str, str | tuple[str, str]]]:
    """(line, function, message) for every marked text in ``tree`` (a plural's: (singular, plural))."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        if name in PLURAL and len(node.args) >= 2:
            one, many = _text(node.args[0]), _text(node.args[1])
            if one and many:
                yield node.lineno, name, (one, many)
        elif name in TRANSLATING_ALL and node.args and isinstance(node.args[0], (ast.Tuple, ast.List)):
            for element in node.args[0].elts:
                text = _text(element)
                if text and text.strip():
                    yield node.lineno, name, text
        elif (name in GETTEXT or name in TRANSLATING or name in TRANSLATING_1_3) and node.args:
            for index in (0, 2) if name in TRANSLATING_1_3 else (0,):
                text = _text(node.args[index]) if index < len(node.args) else None
                if text and text.strip():
                    yield node.lineno, name, text


def extract(fileobj, keywords, comment_tags, options) -> Iterator[tuple[int, str, object, list[str]]]:
    """Babel's extraction-method interface (``babel.cfg``)."""
    tree = ast.parse(fileobj.read())
    for line, name, message in sorted(messages(tree), key=lambda m: m[0]):
        yield line, ("ngettext" if isinstance(message, tuple) else "gettext"), message, []
