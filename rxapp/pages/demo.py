"""The demo kit (demo mode only): personas and reset, the S/N sticker sheet, the Mailbox.

All three are member pages (a presenter logs in once with any persona, then
switches in one click; see ``state/demo.py`` for why ``/demo`` is not
public).  A production build (demo mode off) does not even register them
(``rxapp/rxapp.py``); should a build with them meet a server with demo mode
off, each shows the not-found page once the session is checked, and its
handlers refuse.
"""

from __future__ import annotations

import reflex as rx

from rxapp import routes
from rxapp.components.forms import error_line, field_label
from rxapp.components.i18n import T, Tf
from rxapp.components.layout import grid_of, row, stack
from rxapp.components.layout import section as _section
from rxapp.components.shell import ACCENT, member_page as _member_page
from rxapp.pages.not_found import not_found
from rxapp.components.table import data_table
from rxapp.state.demo import DemoState as D
from rxapp.state.demo import MailboxState as M
from rxapp.state.demo import StickerSheetState as S
from rxapp.state.session import SessionState



def member_page(title: str, *children: rx.Component) -> rx.Component:
    """A demo page, or the not-found page once the server says demo mode is off."""
    return rx.cond(SessionState.signed_in & ~SessionState.demo_mode, not_found(),
                   _member_page(title, *children))


def demo_off() -> rx.Component:
    return rx.box(
        rx.text(T("Demo mode is off. Start the app with RXAPP_DEMO=1 (as `make run` does) to use the demo kit."),
                size="3", color="#333"),
        role="status", background="#f4f4f5", padding="12px 14px", border_radius="6px",
    )


def note(message, *, error: bool = False) -> rx.Component:
    """A one-line result (plain colours with AA contrast, unlike a soft callout)."""
    return rx.box(
        rx.text(message, size="2", color="#7a0916" if error else "#14532d"),
        role="alert" if error else "status", background="#fdf2f3" if error else "#eef7ef",
        border_left=f"3px solid {'#c0101c' if error else '#1a7f37'}", padding="8px 12px", border_radius="4px",
        width="100%",
    )


# --------------------------------------------------------------------------- /demo


def _presenter_lock() -> rx.Component:
    return _section(
        T("Presenter passcode"),
        rx.text(
            T("Switching persona, resetting the data and moving the demo date are for the presenter: type "
              "the passcode `make run` printed when it started (or RXAPP_PRESENTER_PASSCODE)."),
            size="2", color="#444", margin_bottom="8px",
        ),
        rx.form(
            row(
                rx.box(
                    field_label("Presenter passcode", "demo-passcode", True),
                    rx.input(id="demo-passcode", name="passcode", type="password", max_length=100,
                             auto_complete="off", size="2", width="100%", aria_describedby="demo-passcode-error"),
                    error_line(D.passcode_error, "demo-passcode"),
                    width="260px",
                ),
                rx.button(T("Unlock"), type="submit", size="2", margin_top="22px"),
                align="start",
            ),
            on_submit=D.unlock, reset_on_submit=True,
        ),
    )


def _persona_card(p) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(p["label"], size="3", as_="h3"),
                rx.badge(p["role_label"], color_scheme=rx.match(p["role"], ("reviewer", "amber"),
                                                          ("admin", "crimson"), "blue")),
                justify="between", width="100%", align="start",
            ),
            rx.text(p["email"], size="2", color="#555", font_family="monospace"),
            rx.text(p["description"], size="2"),
            rx.spacer(),
            rx.button(
                Tf("Sign in as {email}", email=p["email"]),
                on_click=D.switch_persona(p["key"]), size="2", width="100%",
                variant=rx.cond(D.signed_in_as == p["email"], "soft", "solid"),
            ),
            spacing="2", height="100%",
        ),
        padding="14px",
    )


def _personas() -> rx.Component:
    return _section(
        T("Switch persona"),
        rx.text(
            Tf("You are signed in as {email}. One click signs this browser in as a persona and opens its "
               "starting page.", email=D.signed_in_as),
            size="2", color="#444", margin_bottom="12px",
        ),
        grid_of({"initial": "1", "sm": "2"},
            rx.foreach(D.personas, _persona_card),
        ),
    )


def _demo_date() -> rx.Component:
    return _section(
        T("Demo date"),
        rx.text(D.today_text, weight="bold", size="3", role="status", id="demo-today"),
        rx.text(
            T("Moves “today” for eligibility and due dates, so the 2021 promotions of the seed can be shown "
              "as running (e.g. 15 December 2021 for the Christmas Deal). Security clocks keep the real time."),
            size="2", color="#555", margin_y="8px",
        ),
        rx.form(
            row(
                rx.box(
                    field_label("Demo date", "demo-date"),
                    rx.input(id="demo-date", name="demo_date", type="date", default_value=D.demo_date,
                             key=D.form_key, size="3", width="200px", aria_describedby="demo-date-error"),
                ),
                rx.button(T("Set demo date"), type="submit", size="3"),
                rx.button(T("Clear"), type="button", on_click=D.clear_demo_date, variant="outline", size="3"),
                rx.button(T("Christmas Deal 2021"), type="button", on_click=D.use_christmas_deal_date,
                          variant="soft", size="3"),
                align="end",
            ),
            error_line(D.date_error, "demo-date"),
            on_submit=D.set_demo_date, reset_on_submit=False,
        ),
    )


def _reset() -> rx.Component:
    return _section(
        T("Reset demo data"),
        rx.text(
            T("Back to the seeded state in a few seconds: accounts, products, claims in every status, codes, "
              "emails and uploads. What was created since is deleted, and the demo date is cleared."),
            size="2", color="#555", margin_bottom="10px",
        ),
        rx.alert_dialog.root(
            rx.alert_dialog.trigger(
                rx.button(rx.icon("rotate-ccw", size=16, aria_hidden="true"), T("Reset demo data"), size="3",
                          loading=D.busy, color_scheme="red"),
            ),
            rx.alert_dialog.content(
                rx.alert_dialog.title(T("Reset the demo data?")),
                rx.alert_dialog.description(
                    T("Everything created since the last reset is deleted for every browser. "
                      "If you are signed in as a persona, you are signed in again afterwards."),
                    size="2",
                ),
                rx.hstack(
                    rx.alert_dialog.cancel(rx.button(T("Cancel"), variant="soft", color_scheme="gray")),
                    rx.alert_dialog.action(rx.button(T("Reset now"), color_scheme="red", on_click=D.reset_demo)),
                    spacing="3", justify="end", margin_top="14px",
                ),
                max_width="440px",
            ),
        ),
    )


def _tools() -> rx.Component:
    return _section(
        T("Presenter tools"),
        row(
            rx.link(rx.button(rx.icon("mail", size=16, aria_hidden="true"), T("Mailbox"), variant="soft"),
                    href=routes.MAILBOX),
            rx.link(rx.button(rx.icon("barcode", size=16, aria_hidden="true"), T("S/N Sticker Sheet"),
                              variant="soft"), href=routes.DEMO_STICKERS),
            align=None,
        ),
    )


def demo_home() -> rx.Component:
    return member_page(
        "Demo Kit",
        rx.cond(
            D.demo_on,
            stack(
                rx.cond(D.message != "", note(D.message)),
                rx.cond(
                    D.presenter,
                    rx.fragment(_personas(), _demo_date(), _reset()),
                    _presenter_lock(),
                ),
                _tools(),
                spacing="4",
            ),
            demo_off(),
        ),
    )


# --------------------------------------------------------------------------- /demo/stickers

PRINT_CSS = """
@media print {
  .no-print { display: none !important; }
  main { padding: 0 !important; }
  main h1 { font-size: 14pt !important; margin: 0 0 6pt 0 !important; }
  .sticker-grid { gap: 6pt !important; }
  .sticker { break-inside: avoid; border-color: #000 !important; }
}
"""


# The vendor's mark on the sticker, as printed on the real one: never translated.
LOGO = "msi"


def _sticker(row) -> rx.Component:
    return rx.el.article(
        rx.hstack(
            rx.text(LOGO, weight="bold",
                    style={"color": ACCENT, "font_style": "italic", "font_size": "1.1rem"}),
            rx.text(row["category"], size="1", color="#333"),
            justify="between", align="center", width="100%",
        ),
        rx.text(row["model"], size="2", weight="bold", class_name="sticker-model"),
        rx.text(Tf("Model: {model}", model=row["model_number"]), size="1", color="#333"),
        rx.image(src=row["barcode"], alt="", width="100%", height="44px", margin_y="4px"),
        rx.hstack(
            rx.text(T("S/N:"), " ", rx.el.span(row["serial"], class_name="sticker-serial"), size="2",
                    style={"font_family": "monospace", "font_weight": "700"}),
            rx.text(T("CHK:"), " ", rx.el.span(row["chk"], class_name="sticker-chk"), size="2",
                    style={"font_family": "monospace", "font_weight": "700", "border": "1.5px solid #111",
                           "padding": "0 5px"}),
            justify="between", align="center", width="100%", wrap="wrap",
        ),
        rx.text(Tf("Fits: {promotions}", promotions=row["promotions"]), size="1", color="#555", class_name="no-print"),
        aria_label=Tf("S/N sticker {serial}", serial=row["serial"]), class_name="sticker",
        style={"border": "1.5px dashed #999", "border_radius": "6px", "padding": "10px 12px",
               "background": "#fbfbf8", "display": "flex", "flex_direction": "column", "gap": "2px"},
    )


def sticker_sheet() -> rx.Component:
    return member_page(
        "S/N Sticker Sheet",
        rx.el.style(PRINT_CSS),
        rx.cond(
            S.demo_on,
            rx.box(
                row(
                    rx.text(
                        T("Demo units nobody has registered yet: type a sticker's S/N and CHK into Product "
                          "Registration."), " ", S.today_text,
                        size="2", color="#444",
                    ),
                    rx.button(rx.icon("printer", size=16, aria_hidden="true"), T("Print"),
                              on_click=rx.run_script("window.print()"), size="2"),
                    justify="between", spacing="4", class_name="no-print",
                    margin_bottom="14px",
                ),
                grid_of({"initial": "1", "sm": "2", "lg": "3"},
                    rx.foreach(S.stickers, _sticker),
                    class_name="sticker-grid",
                ),
                rx.cond(S.stickers.length() == 0,
                        rx.text(T("No free demo units left: reset the demo data."), color="#555")),
            ),
            demo_off(),
        ),
    )


# --------------------------------------------------------------------------- /demo/mailbox


def _status_badge(status, label) -> rx.Component:
    return rx.badge(label, color_scheme=rx.match(status, ("sent", "green"), ("failed", "red"),
                                                 ("sending", "blue"), "gray"))


def _filter() -> rx.Component:
    return rx.cond(
        M.sees_all,
        rx.form(
            row(
                rx.box(
                    field_label("Recipient", "mailbox-recipient"),
                    rx.input(id="mailbox-recipient", name="recipient", type="email",
                             default_value=M.recipient, key=M.form_key, placeholder=T("name@example.com"),
                             size="2", width="280px"),
                ),
                rx.button(T("Filter"), type="submit", size="2"),
                rx.button(T("Show all"), type="button", on_click=M.show_all, variant="outline", size="2"),
                align="end",
            ),
            on_submit=M.filter_recipient, reset_on_submit=False, margin_bottom="12px",
        ),
        rx.text(T("Your own inbox: every email the app wrote to you."), size="2", color="#555",
                margin_bottom="10px"),
    )


def _message_row(m) -> rx.Component:
    return rx.table.row(
        rx.table.cell(m["time"], white_space="nowrap"),
        rx.table.cell(m["to"]),
        rx.table.cell(rx.link(m["subject"], href=routes.MAILBOX_MESSAGE + "?id=" + m["id"], color=ACCENT,
                              weight="medium")),
        rx.table.cell(_status_badge(m["status"], m["status_label"])),
    )


def _message_list() -> rx.Component:
    return data_table(
        ("Time", "To", "Subject", "Delivery"), M.rows, _message_row,
        rx.cond(M.rows.length() == 0, rx.text(T("No emails yet."), color="#555", margin_top="10px")),
        variant="surface",
    )


def mailbox_page() -> rx.Component:
    return member_page(
        "Mailbox",
        rx.cond(
            M.demo_on,
            rx.box(
                rx.cond(M.smtp_note != "", rx.text(M.smtp_note, size="2", color="#555", margin_bottom="8px")),
                _filter(),
                _message_list(),
            ),
            demo_off(),
        ),
    )


# --------------------------------------------------------------------------- /demo/mailbox/message?id=…

# The email's HTML is shown sandboxed (no scripts run in it); the frame takes the height of its
# content, so the whole message shows once, without a scroll bar of its own.
FIT_FRAME_JS = """(() => {
  const frame = document.getElementById('mail-frame');
  if (!frame) return;
  const fit = () => {
    try {
      const doc = frame.contentDocument;
      if (!doc || !doc.body) return;
      frame.style.height = '0px';  // measured with no room to spare: the content's own height
      frame.style.height = (doc.documentElement.scrollHeight + 2) + 'px';
    } catch (e) { /* not readable: the frame keeps its height */ }
  };
  frame.addEventListener('load', fit);
  window.addEventListener('resize', fit);
  fit();
})()"""


def _message() -> rx.Component:
    sel = M.selected
    return rx.cond(
        sel.contains("id"),
        rx.card(
            rx.heading(sel["subject"], size="4", as_="h2"),
            rx.text(Tf("To {recipient} · written {time} · {status}", recipient=sel["to"], time=sel["time"],
                       status=sel["status_label"]), size="2",
                    color="#555", margin_bottom="10px"),
            rx.tabs.root(
                rx.tabs.list(rx.tabs.trigger(T("As the customer sees it"), value="html"),
                             rx.tabs.trigger(T("Plain text"), value="text")),
                rx.tabs.content(
                    rx.el.iframe(
                        id="mail-frame", key=sel["id"], src_doc=sel["body_html"], sandbox="allow-same-origin",
                        title=Tf("Email as the customer sees it: {subject}", subject=sel["subject"]),
                        on_mount=rx.run_script(FIT_FRAME_JS),
                        style={"width": "100%", "height": "480px", "border": "1px solid #ddd",
                               "border_radius": "6px", "background": "white", "display": "block"},
                    ),
                    value="html", padding_top="12px",
                ),
                rx.tabs.content(
                    rx.el.pre(sel["body_text"], style={"white_space": "pre-wrap", "overflow_wrap": "anywhere",
                                                        "font_size": "0.85rem", "background": "#f7f7f8",
                                                        "padding": "12px", "border_radius": "6px", "margin": "0"}),
                    value="text", padding_top="12px",
                ),
                default_value="html",
            ),
            padding="16px", width="100%",
        ),
    )


def mailbox_message_page() -> rx.Component:
    return member_page(
        "Mailbox",
        rx.cond(
            M.demo_on,
            rx.box(
                rx.link(T("‹ Back to the Mailbox"), href=routes.MAILBOX, size="2", display="block",
                        margin_bottom="12px"),
                rx.cond(M.message != "", rx.box(note(M.message, error=True), margin_bottom="12px")),
                _message(),
            ),
            demo_off(),
        ),
    )
