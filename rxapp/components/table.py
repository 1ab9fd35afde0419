"""Data tables: one header row of column titles, then one row per item of a list var.

On a phone (``PHONE_MAX`` wide or less) every ``data_table`` stacks: each row
becomes a card and each cell a line that starts with its column's title, so no
column is pushed off-screen and nothing scrolls sideways (issue 14, finding 6).
Everything a cell holds (a name and its serial, a date and its badge) goes to
the right of the title, each at its own width.  Pages write rows as usual; the
stacking is this module's CSS alone.
"""

from __future__ import annotations

import hashlib
from typing import Callable, Sequence

import reflex as rx
from reflex_base.vars.base import VarData

from rxapp.components.i18n import T, tr

PHONE_MAX = "640px"


def table(headers: Sequence[str], rows, row_fn: Callable, **table_props) -> rx.Component:
    """A full-width ``rx.table.root`` with ``headers`` and ``row_fn(item)`` for each item of ``rows``."""
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(h)) for h in headers])),
        rx.table.body(rx.foreach(rows, row_fn)),
        width="100%",
        **table_props,
    )


def stacked_css(css_class: str, headers: Sequence[str]) -> rx.Var:
    """The CSS that stacks a table of class ``css_class`` on a phone, each cell titled by its header
    in the tab's language (a JS template literal: the titles are the catalog's, the rest fixed)."""
    t = f".{css_class}"
    titles, data = [], []
    for i, h in enumerate(headers, start=1):
        if h:
            title = T(h)
            data.append(title._get_all_var_data())
            # JSON.stringify: a CSS string with its quotes escaped (CSS reads \" but not JSON's \u escapes,
            # which JSON.stringify does not write for "·" or Chinese).
            titles.append(f"  {t} tbody td:nth-child({i}):not(:empty)::before {{ content: ${{JSON.stringify({title!s})}}; }}")
    joined = "\n".join(titles)
    css = f"""@media (max-width: {PHONE_MAX}) {{
  {t} thead {{ position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
    white-space: nowrap; }}
  {t} .rt-TableRootTable, {t} tbody, {t} tr {{ display: block; width: 100%; height: auto; }}
  {t} .rt-ScrollAreaViewport {{ overflow: visible !important; }}
  {t} tbody tr {{ padding: 8px 0; border-bottom: 1px solid var(--gray-a5); }}
  {t} tbody td {{ display: grid; grid-template-columns: minmax(6.5em, 34%) minmax(0, 1fr); gap: 10px;
    align-items: start; justify-items: start; height: auto; padding: 5px 12px; box-shadow: none; white-space: normal !important;
    overflow-wrap: anywhere; }}
  {t} tbody td::before {{ font-weight: 600; color: var(--gray-11); font-size: 0.85em; }}
  {t} tbody td > * {{ grid-column: 2; margin-inline-start: 0; }}
{joined}
}}"""
    return rx.Var("`" + css + "`", _var_type=str, _var_data=VarData.merge(*data))


def data_table(headers: Sequence[str], rows, row_fn: Callable, *after: rx.Component,
               size: str | None = None, variant: str | None = None, **box_props) -> rx.Component:
    """A ``table`` in a box; on a phone its rows stack into cards (``stacked_css``).

    ``after`` follows the table in the box.  A wider screen that still cannot fit the table scrolls
    it inside the box (``overflow_x=None``: never).
    """
    table_props = {k: v for k, v in (("size", size), ("variant", variant)) if v is not None}
    box_props.setdefault("overflow_x", "auto")
    box_props = {k: v for k, v in box_props.items() if v is not None}
    css_class = "mc-table-" + hashlib.sha1("|".join(headers).encode()).hexdigest()[:8]
    box_props["class_name"] = " ".join(filter(None, ("mc-table", css_class, box_props.get("class_name"))))
    return rx.box(rx.el.style(stacked_css(css_class, headers)), table(headers, rows, row_fn, **table_props),
                  *after, **box_props)


def cells_row(*cells) -> rx.Component:
    """A table row of plain cells, one per value."""
    return rx.table.row(*[rx.table.cell(c) for c in cells])
