"""The member-center shell: dark top bar, left menu with the seed's groups, content.

Every page is wrapped by ``member_page`` (signed-in area, with the side menu) or
``public_page`` (top bar only).  On a phone the side menu folds into a drawer.
"""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from rxapp import routes
from rxapp.i18n import N_
from rxapp.components.i18n import T, Tf, document_language, language_switch, tr
from rxapp.state.demo import DemoState
from rxapp.state.session import PageReadyState, SessionState

ACCENT = "#c8102e"


@dataclass(frozen=True)
class MenuGroup:
    title: str
    icon: str
    route: str | None
    items: tuple[tuple[str, str], ...] = ()


def _group(title: str, icon: str, *items: tuple[str, str]) -> MenuGroup:
    """A menu group without a page of its own: a title and icon over (label, route) entries."""
    return MenuGroup(title, icon, None, items)


MEMBER_MENU: tuple[MenuGroup, ...] = (
    MenuGroup(N_("Account Overview"), "house", routes.ACCOUNT_OVERVIEW),
    _group(N_("Membership"), "star", (N_("Reward Program"), routes.REWARD_PROGRAM),
           (N_("Shout Out"), routes.SHOUT_OUT), (N_("Promotions"), routes.PROMOTIONS)),
    _group(N_("Product"), "square-plus", (N_("My Products"), routes.MY_PRODUCTS),
           (N_("Product Registration"), routes.PRODUCT_REGISTRATION),
           (N_("Appointment Service"), routes.APPOINTMENT)),
    _group(N_("Support"), "life-buoy", (N_("Web Ticket"), routes.WEB_TICKET),
           (N_("Ticket History"), routes.TICKET_HISTORY), (N_("Apply for Service"), routes.APPLY_SERVICE),
           (N_("Repair History"), routes.REPAIR_HISTORY), (N_("Live Chat"), routes.LIVE_CHAT)),
    _group(N_("Account"), "user-round", (N_("My Profile"), routes.PROFILE),
           (N_("Login Management"), routes.LOGIN_MANAGEMENT), (N_("Change Password"), routes.CHANGE_PASSWORD),
           (N_("Subscribe"), routes.SUBSCRIBE)),
)

REVIEWER_MENU = _group(N_("Reviewer Console"), "shield-check", (N_("Claim Queue"), routes.ADMIN),
                       (N_("Promotions & Codes"), routes.ADMIN_PROMOTIONS),
                       (N_("Reason Templates"), routes.ADMIN_TEMPLATES),
                       (N_("Insights"), routes.ADMIN_INSIGHTS), (N_("Users & Roles"), routes.ADMIN_USERS))

DEMO_MENU = _group(N_("Demo Kit"), "presentation", (N_("Personas & Reset"), routes.DEMO),
                   (N_("Mailbox"), routes.MAILBOX), (N_("S/N Sticker Sheet"), routes.DEMO_STICKERS))

TOP_LINKS = (
    (N_("PRODUCTS"), routes.VENDOR_PRODUCTS),
    (N_("ODM SOLUTIONS"), routes.VENDOR_ODM),
    (N_("COMMUNITY"), routes.VENDOR_COMMUNITY),
    (N_("WHAT'S NEW"), routes.VENDOR_WHATS_NEW),
    (N_("SUPPORT"), routes.VENDOR_SUPPORT),
)


def vendor_mark() -> rx.Component:
    return rx.link(
        rx.text(
            SessionState.vendor_name.lower(),
            font_style="italic", font_weight="900", font_size="1.6rem", letter_spacing="-0.04em",
            color="white",
        ),
        href=routes.HOME, title=T("Member Center home"), underline="none",
    )


def _menu_link(label: str, route: str, indent: bool = True) -> rx.Component:
    active = SessionState.current_path == route
    return rx.link(
        tr(label),
        href=route, display="block", padding_y="5px", padding_left="30px" if indent else "8px",
        font_size="0.92rem", color=rx.cond(active, ACCENT, "#333"), font_weight=rx.cond(active, "700", "400"),
        aria_current=rx.cond(active, "page", "false"), underline="none", _hover={"color": ACCENT},
    )


def _menu_group(group: MenuGroup) -> rx.Component:
    icon = rx.icon(group.icon, size=16, color=ACCENT, aria_hidden="true")
    if group.route:
        active = SessionState.current_path == group.route
        head = rx.link(
            rx.hstack(icon, rx.text(tr(group.title), weight="bold"), spacing="2", align="center"),
            href=group.route, color=rx.cond(active, ACCENT, "#111"),
            aria_current=rx.cond(active, "page", "false"), underline="none", padding_y="6px",
            # A block: an inline link's padding does not move the row inside it (it sat 4 px left of the
            # other groups' headings).
            padding_left="4px", display="block", _hover={"color": ACCENT},
        )
        return rx.box(head, padding_y="2px")
    return rx.box(
        rx.hstack(icon, rx.text(tr(group.title), weight="bold", color="#111"), spacing="2", align="center",
                  padding_y="6px", padding_left="4px"),
        *[_menu_link(label, route) for label, route in group.items],
        padding_y="2px",
    )


def side_menu() -> rx.Component:
    return rx.vstack(
        *[_menu_group(g) for g in MEMBER_MENU],
        rx.cond(SessionState.is_reviewer, _menu_group(REVIEWER_MENU)),
        rx.cond(SessionState.demo_mode, _menu_group(DEMO_MENU)),
        spacing="1", align="stretch", width="100%",
    )


def _account_actions() -> rx.Component:
    return rx.cond(
        SessionState.signed_in,
        rx.hstack(
            rx.link(
                rx.hstack(rx.icon("circle-user-round", size=18, aria_hidden="true"),
                          rx.text(SessionState.display_name, size="2"), spacing="1", align="center"),
                href=routes.ACCOUNT_OVERVIEW, color="white", underline="none",
            ),
            rx.button(T("Log out"), on_click=SessionState.log_out, size="1", variant="outline",
                      color_scheme="gray", style={"color": "white", "border_color": "#666"}),
            spacing="3", align="center",
        ),
        rx.hstack(
            rx.link(T("Log in"), href=routes.LOGIN, color="white", size="2"),
            rx.link(rx.button(T("Sign Up"), size="1"), href=routes.SIGNUP),
            spacing="3", align="center",
        ),
    )


def mobile_menu_button() -> rx.Component:
    return rx.drawer.root(
        rx.drawer.trigger(
            rx.icon_button(rx.icon("menu", aria_hidden="true"), variant="ghost", color_scheme="gray",
                           aria_label=T("Open menu"), style={"color": "white"}),
        ),
        rx.drawer.overlay(),
        rx.drawer.portal(
            rx.drawer.content(
                rx.box(
                    rx.hstack(
                        rx.text(T("Menu"), weight="bold"),
                        rx.drawer.close(rx.icon_button(rx.icon("x", aria_hidden="true"), variant="ghost",
                                                       aria_label=T("Close menu"))),
                        justify="between", width="100%",
                    ),
                    rx.vstack(
                        *[rx.link(tr(label), href=route, color="#111", weight="bold", size="2")
                          for label, route in TOP_LINKS],
                        spacing="2", padding_y="10px", border_bottom="1px solid #eee", margin_bottom="8px",
                    ),
                    rx.box(language_switch("menu", dark=False), padding_bottom="10px",
                           border_bottom="1px solid #eee", margin_bottom="8px"),
                    side_menu(),
                    padding="16px", overflow_y="auto", height="100%",
                ),
                background="white", width="280px", height="100%", top="0", left="0",
            )
        ),
        direction="left",
    )


def top_bar() -> rx.Component:
    return rx.el.header(
        rx.hstack(
            rx.box(mobile_menu_button(), display=["block", "block", "none"]),
            vendor_mark(),
            rx.hstack(
                *[
                    rx.link(tr(label), href=route, color="#ddd", size="2", weight="medium",
                            letter_spacing="0.04em", underline="none", _hover={"color": "white"})
                    for label, route in TOP_LINKS
                ],
                spacing="5", display=["none", "none", "flex"], role="navigation",
                aria_label=T("Vendor sections"),
            ),
            rx.spacer(),
            rx.cond(SessionState.demo_mode,
                    rx.link(rx.badge(T("DEMO"), color_scheme="amber", variant="solid"),
                            href=routes.DEMO, aria_label=T("Demo mode: open the demo kit"))),
            # On a phone the switch is in the menu drawer: the bar keeps room for the account's buttons.
            rx.box(language_switch(), display=["none", "none", "block"]),
            _account_actions(),
            align="center", spacing="5", max_width="1200px", margin_x="auto", padding_x="16px", height="56px",
        ),
        style={"background": "#111", "border_bottom": f"3px solid {ACCENT}", "width": "100%"},
    )


def ready_marker() -> rx.Component:
    """An invisible marker that appears once the page is hydrated and its on_load events have all run
    (``SessionState.page_loaded`` closes every page's on_load list); tests wait for it."""
    return rx.cond(rx.State.is_hydrated & (PageReadyState.loaded_path == SessionState.current_path),
                   rx.el.span(id="app-ready", hidden=True))


def footer() -> rx.Component:
    return rx.el.footer(
        rx.text(
            T("MADE FOR GAMERS & CREATORS"),
            size="1", color="#aaa", letter_spacing="0.2em", text_align="center",
        ),
        style={"padding_y": "18px", "background": "#111", "margin_top": "40px"},
    )


def flash() -> rx.Component:
    """The notice a handler raised for this page (``SessionState._notify``); never shown on another page."""
    return rx.cond(
        (SessionState.notice != "") & (SessionState.notice_for == SessionState.current_path),
        rx.callout(SessionState.notice, icon="info", color_scheme="blue", size="1", margin_bottom="12px",
                   high_contrast=True, role="status"),
    )


def demo_date_banner() -> rx.Component:
    """While a demo date moves "today", every page says so, and a presenter can go back in one click."""
    return rx.cond(
        SessionState.demo_date != "",
        rx.el.section(
            rx.hstack(
                # The icon stays beside its sentence (on a phone it wrapped onto a line of its own).
                rx.hstack(
                    rx.icon("calendar-clock", size=18, aria_hidden="true", flex_shrink="0", margin_top="1px"),
                    rx.text(
                        rx.el.strong(T("Demo date in use:")), " ",
                        Tf("the app treats today as {day} for promotions, eligibility and due dates. The real "
                           "date is {real}.", day=SessionState.demo_date, real=SessionState.real_date),
                        size="2",
                    ),
                    spacing="2", align="start", flex="1 1 280px", min_width="0",
                ),
                rx.cond(
                    SessionState.presenting,
                    rx.button(T("Back to the real date"), on_click=DemoState.back_to_real_date, size="1",
                              color_scheme="gray", high_contrast=True),
                    rx.cond(SessionState.signed_in,
                            rx.link(T("A presenter can change it in the Demo Kit"), href=routes.DEMO,
                                    size="2",
                                    color="#3d2c00", underline="always")),
                ),
                align="center", spacing="3", wrap="wrap", max_width="1200px", margin_x="auto",
                padding="8px 16px",
            ),
            aria_label=T("Demo date"),
            style={"background": "#fff1c2", "color": "#3d2c00", "border_bottom": "1px solid #e0b84a"},
        ),
    )


def _frame(title, children: tuple, *, signed_in_only: bool, width: str | None = None) -> rx.Component:
    """The one layout of every page: top bar, demo-date banner, side menu, heading, notice, content.

    The side menu is shown on every page a signed-in viewer opens (a public page such as the FAQ
    included: finding 7); a signed-out visitor of a public page gets the content centred at ``width``.
    ``signed_in_only``: the content waits for the session check (member pages).
    """
    nav = rx.el.nav(
        side_menu(),
        aria_label=T("Member center"), width="230px", min_width="230px", padding="18px 10px",
        border_right="1px solid #eee", display=["none", "none", "block"],
    )
    content = (
        rx.cond(SessionState.signed_in, rx.fragment(*children),
                rx.hstack(rx.spinner(), rx.text(T("Checking your session…")), spacing="2"))
        if signed_in_only else rx.fragment(*children)
    )
    main_style = {"flex": "1", "min_width": "0", "padding": "22px 20px 40px 24px"}
    if not signed_in_only:
        main_style.update({
            "max_width": rx.cond(SessionState.signed_in, "none", width or "720px"),
            "margin_x": rx.cond(SessionState.signed_in, "0", "auto"),
            "padding": rx.cond(SessionState.signed_in, "22px 20px 40px 24px", "28px 16px 40px 16px"),
        })
    return rx.box(
        top_bar(),
        demo_date_banner(),
        rx.hstack(
            nav if signed_in_only else rx.cond(SessionState.signed_in, nav),
            rx.el.main(
                rx.heading(tr(title), size="6", margin_bottom="14px", as_="h1"),
                flash(),
                content,
                style=main_style,
            ),
            align="start", spacing="0", max_width="1200px", margin_x="auto", width="100%",
            # The page's body takes the height a short page leaves, so the footer sits at the bottom of
            # the window (on a phone it floated mid-screen, with white below it).
            flex="1",
            # A member page's content arrives after the session check: the footer starts below the fold, so
            # the content growing in does not push it across the screen (Lighthouse: layout shift 0.12).
            min_height="100vh" if signed_in_only else None,
        ),
        footer(),
        ready_marker(),
        document_language(),
        min_height="100vh", background="white", display="flex", flex_direction="column",
    )


def member_page(title: str, *children: rx.Component) -> rx.Component:
    """The signed-in area: top bar, side menu, the page's heading and content."""
    return _frame(title, children, signed_in_only=True)


def public_page(title, *children: rx.Component, width: str = "720px") -> rx.Component:
    """Pages for everyone (log in, sign up, FAQ, vendor sections): inside the member area's menu for a
    signed-in viewer, centred at ``width`` for a visitor."""
    return _frame(title, children, signed_in_only=False, width=width)


def info_panel(text: str, *links: tuple[str, str]) -> rx.Component:
    """The body of a page outside this product's scope: what it is, and where to go."""
    return rx.card(
        rx.vstack(
            rx.text(tr(text), size="3"),
            rx.hstack(
                *[rx.link(rx.button(tr(label), variant="soft"), href=route) for label, route in links],
                spacing="3", wrap="wrap",
            ),
            spacing="4",
        ),
        max_width="680px",
    )
