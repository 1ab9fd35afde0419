"""Users & Roles (administrators): find an account, grant or remove the reviewer role."""

from __future__ import annotations

import reflex as rx

from rxapp.components.forms import field, notice
from rxapp.components.i18n import T, Tf
from rxapp.components.layout import row
from rxapp.components.shell import member_page
from rxapp.components.table import data_table
from rxapp.state.console.users import UsersState as U


def _user_row(u) -> rx.Component:
    return rx.table.row(
        rx.table.cell(u["email"]),
        rx.table.cell(u["name"]),
        rx.table.cell(rx.badge(u["role_label"], variant="soft", high_contrast=True, color_scheme=rx.match(
            u["role"], ("admin", "purple"), ("reviewer", "blue"), "gray"))),
        rx.table.cell(
            rx.cond(
                u["is_admin"] == "yes",
                rx.text(T("Administrator"), size="1", color="#555"),
                rx.cond(
                    u["is_reviewer"] == "yes",
                    rx.button(T("Remove reviewer"), size="1", variant="outline", color_scheme="red",
                              type="button", on_click=U.remove_reviewer(u["id"]),
                              aria_label=Tf("Remove reviewer role from {email}", email=u["email"])),
                    rx.button(T("Make reviewer"), size="1", type="button",
                              on_click=U.grant_reviewer(u["id"]),
                              aria_label=Tf("Make {email} a reviewer", email=u["email"])),
                ),
            )
        ),
    )


def users() -> rx.Component:
    table = data_table(("Email", "Name", "Role", ""), U.rows, _user_row, size="1")
    return member_page(
        "Users & Roles",
        rx.cond(
            U.allowed,
            rx.box(
                rx.form(
                    row(
                        rx.box(
                            field("Search by email", "query", None, default_value=U.query, max_length=254,
                                  id_prefix="users", compact=True, placeholder=T("e.g. @example.com")),
                            width="280px",
                        ),
                        rx.button(T("Search"), type="submit", size="2"),
                        align="end", spacing="2",
                    ),
                    on_submit=U.search, reset_on_submit=False, margin_bottom="12px",
                ),
                rx.text(T("With an empty search, the current reviewers and administrators are listed."), size="1",
                        color="#555", margin_bottom="8px"),
                notice(U.message),
                table,
            ),
            rx.callout(T("Only administrators can grant or remove the reviewer role."), icon="lock",
                       color_scheme="gray"),
        ),
    )
