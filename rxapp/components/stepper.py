"""A visible stepper (Step 1 → Step N) with the current step marked for screen readers."""

import reflex as rx

from rxapp.components.i18n import T, Tf, tr
from rxapp.components.shell import ACCENT


def stepper(current, labels: list[str]) -> rx.Component:
    def item(index: int, label: str) -> rx.Component:
        n = index + 1
        done = current > n
        active = current == n
        return rx.hstack(
            rx.box(
                rx.cond(done, rx.icon("check", size=14, aria_hidden="true"), rx.text(str(n), size="2")),
                width="28px", height="28px", border_radius="50%", display="flex", align_items="center",
                justify_content="center", color=rx.cond(active | done, "white", "#555"),
                background=rx.cond(active | done, ACCENT, "#e9e9ee"), font_weight="700",
            ),
            rx.vstack(
                rx.text(Tf("Step {n}", n=n), size="1", weight="bold", color=rx.cond(active, ACCENT, "#555")),
                rx.text(tr(label), size="1", color="#555"),
                spacing="0",
            ),
            spacing="2", align="center", aria_current=rx.cond(active, "step", "false"), flex="1",
            min_width="120px",
        )

    return rx.flex(
        *[item(i, label) for i, label in enumerate(labels)],
        as_="ol", aria_label=T("Registration steps"), gap="10px", wrap="wrap", padding="12px 14px",
        border="1px solid #eee", border_radius="6px", margin_bottom="18px", list_style="none",
    )
