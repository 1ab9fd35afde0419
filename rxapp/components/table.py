"""Data tables: one header row of column titles, then one row per item of a list var."""

from __future__ import annotations

from typing import Callable, Sequence

import reflex as rx


def table(headers: Sequence[str], rows, row_fn: Callable, **table_props) -> rx.Component:
    """A full-width ``rx.table.root`` with ``headers`` and ``row_fn(item)`` for each item of ``rows``."""
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
        rx.table.body(rx.foreach(rows, row_fn)),
        width="100%",
        **table_props,
    )


def data_table(headers: Sequence[str], rows, row_fn: Callable, *after: rx.Component,
               size: str | None = None, variant: str | None = None, **box_props) -> rx.Component:
    """A ``table`` in a box that scrolls sideways on a narrow screen; ``after`` follows it in the box."""
    table_props = {k: v for k, v in (("size", size), ("variant", variant)) if v is not None}
    box_props.setdefault("overflow_x", "auto")  # overflow_x=None: no sideways scrolling
    box_props = {k: v for k, v in box_props.items() if v is not None}
    return rx.box(table(headers, rows, row_fn, **table_props), *after, **box_props)


def cells_row(*cells) -> rx.Component:
    """A table row of plain cells, one per value."""
    return rx.table.row(*[rx.table.cell(c) for c in cells])
