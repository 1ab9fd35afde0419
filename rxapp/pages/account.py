"""Account Overview, My Profile, Change Password, Login Management, Subscribe, email verification."""

import reflex as rx

from rxapp import i18n, routes
from rxapp.components.forms import checkbox_field, field, select_field
from rxapp.components.i18n import T, Tf, tr
from rxapp.i18n import N_
from rxapp.components.layout import form_card, grid_of, row, saved_row
from rxapp.components.shell import ACCENT, member_page, public_page
from rxapp.components.table import data_table
from rxapp.state.account import (
    LoginManagementState,
    OverviewState,
    PasswordState,
    ProfileState,
    SubscribeState,
    VerifyEmailState,
)


def _stat(label: str, value, href: str) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(
                rx.text(value, size="7", weight="bold", color=ACCENT),
                rx.text(tr(label), size="2", color="#444"),
                spacing="1",
            ),
            height="100%",
        ),
        href=href, underline="none", display="block",
    )


def overview() -> rx.Component:
    info = OverviewState.info
    counts = OverviewState.counts
    return member_page(
        "Account Overview",
        rx.cond(
            ~OverviewState.verified,
            rx.callout(
                row(
                    rx.text(T("Your email address is not verified yet. Check your inbox for our email.")),
                    rx.button(T("Resend verification email"), size="1", variant="outline", high_contrast=True,
                              on_click=OverviewState.resend_verification),
                ),
                icon="mail-warning", color_scheme="amber", high_contrast=True, margin_bottom="14px",
            ),
        ),
        rx.cond(OverviewState.message != "", rx.text(OverviewState.message, role="status", size="2",
                                                      margin_bottom="10px")),
        rx.card(
            rx.hstack(
                rx.icon("circle-user-round", size=40, color=ACCENT, aria_hidden="true"),
                rx.vstack(
                    rx.text(Tf("Hello, {name}", name=info["name"].to(str)), weight="bold", size="5"),
                    rx.text(info["email"].to(str), color="#555", size="2"),
                    rx.text(Tf("Membership: {membership} · {region} · member since {date}",
                               membership=info["membership"].to(str), region=info["region"].to(str),
                               date=info["member_since"].to(str)), size="2", color="#555"),
                    spacing="1",
                ),
                spacing="4", align="center",
            ),
            margin_bottom="18px",
        ),
        # Equal columns edge to edge (two on a phone): a wrapping row left the cards short of the right edge.
        grid_of({"initial": "2", "md": "4"},
            _stat(N_("Registered products"), counts["products"].to(int), routes.MY_PRODUCTS),
            _stat(N_("Claims under review"), counts["claims.under_review"].to(int), routes.REDEEM_HISTORY),
            _stat(N_("Waiting for you"), counts["claims.needs_info"].to(int), routes.REDEEM_HISTORY),
            _stat(N_("Redeemed"), counts["claims.approved"].to(int), routes.REDEEM_HISTORY),
            width="100%", margin_bottom="22px",
        ),
        rx.heading(T("Next steps"), size="4", as_="h2", margin_bottom="8px"),
        rx.vstack(
            rx.link(T("Register a new product ›"), href=routes.PRODUCT_REGISTRATION),
            rx.link(T("See the promotions your products qualify for ›"), href=routes.PROMOTIONS),
            rx.link(T("Follow your claims in Redeem History ›"), href=routes.REDEEM_HISTORY),
            spacing="2",
        ),
    )


def profile() -> rx.Component:
    errors = ProfileState.errors
    p = ProfileState.profile
    return member_page(
        "My Profile",
        form_card(
            rx.text(T("Email:"), " ", p["email"].to(str), size="2", color="#555", margin_bottom="12px"),
            field("First Name", "first_name", errors, required=True, default_value=p["first_name"].to(str),
                  autocomplete="given-name", max_length=80, id_prefix="profile"),
            field("Last Name", "last_name", errors, default_value=p["last_name"].to(str),
                  autocomplete="family-name", max_length=80, id_prefix="profile"),
            select_field("Region / Location", "region", ProfileState.regions, errors, required=True,
                         default_value=p["region"].to(str), id_prefix="profile"),
            field("Contact Number", "phone", errors, type="tel", default_value=p["phone"].to(str),
                  autocomplete="tel", max_length=30, id_prefix="profile"),
            # Pages and emails follow it on every device (the top bar's switch saves it too).
            select_field("Preferred language", "language", [[c, n] for c, n in i18n.LANGUAGES.items()],
                         errors, placeholder=None, default_value=p["language"].to(str), id_prefix="profile"),
            saved_row("Save", ProfileState.saved, "Saved."),
            on_submit=ProfileState.submit, key=ProfileState.form_key,
        ),
    )


def change_password() -> rx.Component:
    errors = PasswordState.errors
    return member_page(
        "Change Password",
        form_card(
            field("Current Password", "current_password", errors, type="password", required=True,
                  autocomplete="current-password", max_length=1024, id_prefix="pw"),
            field("New Password", "new_password", errors, type="password", required=True,
                  autocomplete="new-password", max_length=1024, id_prefix="pw",
                  hint=T("At least 10 characters; not your email; not a common password.")),
            field("Confirm New Password", "confirm_password", errors, type="password", required=True,
                  autocomplete="new-password", max_length=1024, id_prefix="pw"),
            rx.text(T("Changing your password signs out every other browser."), size="2", color="#555",
                    margin_bottom="10px"),
            saved_row("Change Password", PasswordState.saved, "Your password was changed."),
            on_submit=PasswordState.submit,
        ),
    )


def _session_row(r) -> rx.Component:
    # Three columns, so the action stays on screen on a phone.
    return rx.table.row(
        rx.table.cell(
            rx.text(r["browser"], weight="medium", size="2"),
            rx.cond(r["current"] != "", rx.badge(T("this browser"), high_contrast=True, margin_y="2px")),
            rx.text(Tf("Address {address}", address=r["ip_address"]), size="1", color="#555"),
            rx.text(Tf("Signed in {date}", date=r["created_at"]), size="1", color="#555"),
        ),
        rx.table.cell(rx.text(r["last_seen_at"], size="2")),
        rx.table.cell(
            rx.button(rx.cond(r["current"] != "", T("Log out"), T("Revoke")), size="1", variant="outline",
                      on_click=LoginManagementState.revoke(r["id"]))
        ),
    )


def login_management() -> rx.Component:
    return member_page(
        "Login Management",
        rx.text(T("Every browser signed in to your account. Log out any you do not recognise."), size="2",
                color="#555", margin_bottom="12px"),
        rx.cond(LoginManagementState.message != "",
                rx.text(LoginManagementState.message, role="status", size="2", margin_bottom="8px")),
        data_table(("Browser", "Last activity", "Action"), LoginManagementState.rows, _session_row,
                   variant="surface"),
    )


def subscribe() -> rx.Component:
    return member_page(
        "Subscribe",
        form_card(
            checkbox_field("Subscribe Latest Information", "newsletter",
                           default_checked=SubscribeState.newsletter, id_prefix="sub",
                           description=T("News, launches and promotions by email.")),
            checkbox_field("Reward Program", "reward_program", default_checked=SubscribeState.reward_program,
                           id_prefix="sub", description=T("Points, exclusive offers and VIP event invites.")),
            saved_row("Save", SubscribeState.saved, "Your choices were saved."),
            on_submit=SubscribeState.submit,
            key=SubscribeState.newsletter.to(str) + SubscribeState.reward_program.to(str),
        ),
    )


def verify_email() -> rx.Component:
    return public_page(
        "Email verification",
        rx.callout(VerifyEmailState.result, icon="info",
                   color_scheme=rx.cond(VerifyEmailState.ok, "green", "red")),
        rx.link(T("Go to Account Overview ›"), href=routes.ACCOUNT_OVERVIEW, margin_top="14px", display="block"),
    )
