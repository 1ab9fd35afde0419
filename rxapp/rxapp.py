"""The app: created here, every page added here with its on_load; nothing else."""

import reflex as rx
from starlette.applications import Starlette

from rxapp import models  # noqa: F401 - every table on SQLModel.metadata for `reflex db`
from rxapp import edge, logcontext, routes, settings
from rxapp.api import export as export_routes
from rxapp.api import files as file_routes
from rxapp.pages import account, auth, demo, faq, home, info, legal, not_found, promotions, registration
from rxapp.pages.console import claim, insights, queue, templates, users
from rxapp.pages.console import promotions as console_promotions
from rxapp.state import account as account_state
from rxapp.state import background, live
from rxapp.state import demo as demo_state
from rxapp.state import promotions as promotions_state
from rxapp.state import registration as registration_state
from rxapp.state.auth import LoginState, SignUpState
from rxapp.state.password import ForgotPasswordState, ResetPasswordState
from rxapp.state.console.claim import ClaimState as ReviewClaimState
from rxapp.state.console.insights import InsightsState
from rxapp.state.console.promotions import PromotionsAdminState
from rxapp.state.console.policy import PolicyState
from rxapp.state.console.queue import QueueState
from rxapp.state.console.risk import RiskState
from rxapp.state.console.templates import TemplatesState
from rxapp.state.console.users import UsersState
from rxapp.state.session import SessionState
from rxapp.state.upload_guard import UploadGuard

# Reflex's default page image is the relative "favicon.ico": from /account/profile that is a 404.
FAVICON = "/favicon.ico"

logcontext.install()  # every rxapp log line carries the request's and the claim's ids

# The edge (rxapp/edge.py) wraps everything the app serves: security headers, allowed origins, redirects.
app = edge.App(
    # Private files (invoices, S/N photos) behind short-lived signed links, and the reviewers' CSV export;
    # then the guard of /_upload: no upload is read past its headers unless the caller may make it.
    api_transformer=[Starlette(routes=file_routes.routes + export_routes.routes), UploadGuard],
    stylesheets=["/theme.css"],
    # The toasts' direction said once (every language of the app is written left to right): without it
    # sonner's Toaster asks getComputedStyle(<html>).direction on each of its renders, a forced style
    # recalculation of the whole page in the middle of the load's React commits.
    toaster=rx.toast.provider(dir="ltr"),
    head_components=[rx.el.meta(name="description", content="Register products, redeem promotions, follow claims."),
                     # Every page names its icon by an absolute address (assets/favicon.ico).
                     rx.el.link(rel="icon", href=FAVICON, type="image/x-icon")],
)


def add(route: str, view, title: str, on_load: list) -> None:
    """Every page: its on_load events, then ``page_loaded`` (the shell's ready marker appears)."""
    app.add_page(view, route=route, title=title, image=FAVICON, on_load=[*on_load, SessionState.page_loaded])


def public(route: str, view, title: str, load=None) -> None:
    """A page for everyone; it learns whether someone is signed in."""
    add(route, view, f"{title} | Member Center", [load if load is not None else SessionState.load_public])


def member(route: str, view, title: str, load=None) -> None:
    """A page of the signed-in area: the session check runs first, then the page's own load."""
    add(route, view, f"{title} | Member Center",
         [SessionState.require_member] + ([load] if load is not None else []))


def reviewer(route: str, view, title: str, *loads) -> None:
    """A page of the reviewer console: customers are sent away before anything loads."""
    add(route, view, f"{title} | Reviewer Console", [SessionState.require_reviewer, *loads])


# Everyone
add(routes.HOME, home.index, "Member Center", [SessionState.load_public])
public(routes.LOGIN, auth.login, "Log in", LoginState.load)
public(routes.SIGNUP, auth.signup, "Sign Up", SignUpState.load)
public(routes.PASSWORD_FORGOT, auth.forgot_password, "Forgot password", ForgotPasswordState.load)
public(routes.PASSWORD_RESET, auth.reset_password, "Choose a new password", ResetPasswordState.load)
public(routes.VERIFY_EMAIL, account.verify_email, "Email verification", account_state.VerifyEmailState.load)
public(routes.FAQ, faq.faq, "FAQ")
public(routes.PRIVACY_POLICY, legal.privacy_policy, "Privacy Policy")
public(routes.REWARD_BENEFITS, legal.reward_benefits, "Reward Program")
public(routes.REWARD_TERMS, legal.reward_terms, "Reward Program Terms and Conditions")

# Account
member(routes.ACCOUNT_OVERVIEW, account.overview, "Account Overview", account_state.OverviewState.load)
member(routes.PROFILE, account.profile, "My Profile", account_state.ProfileState.load)
member(routes.CHANGE_PASSWORD, account.change_password, "Change Password", account_state.PasswordState.load)
member(routes.LOGIN_MANAGEMENT, account.login_management, "Login Management",
       account_state.LoginManagementState.load)
member(routes.SUBSCRIBE, account.subscribe, "Subscribe", account_state.SubscribeState.load)

# Products
member(routes.MY_PRODUCTS, registration.my_products, "My Products", registration_state.MyProductsState.load)
member(routes.PRODUCT_REGISTRATION, registration.registration, "Product Registration",
       registration_state.RegistrationState.load)

# Promotions
member(routes.PROMOTIONS, promotions.all_promotions, "Promotions", promotions_state.PromotionsState.load)
member(routes.REDEEM, promotions.redeem, "Promotion Redeem Confirm", promotions_state.RedeemState.load)
member(routes.REDEEM_DONE, promotions.redeem_done, "Message")
member(routes.REDEEM_HISTORY, promotions.redeem_history, "Redeem History",
       promotions_state.RedeemHistoryState.load)
member(routes.CLAIM, promotions.claim, "Claim details", promotions_state.ClaimState.load)

# Reviewer console
reviewer(routes.ADMIN, queue.queue, "Claim Queue", QueueState.load)
reviewer(routes.ADMIN_CLAIM, claim.claim, "Claim Review", ReviewClaimState.load, RiskState.load)
reviewer(routes.ADMIN_TEMPLATES, templates.templates, "Reason Templates", TemplatesState.load)
reviewer(routes.ADMIN_PROMOTIONS, console_promotions.promotions, "Promotions & Codes", PromotionsAdminState.load,
         PolicyState.load)
reviewer(routes.ADMIN_INSIGHTS, insights.insights, "Insights", InsightsState.load)
reviewer(routes.ADMIN_USERS, users.users, "Users & Roles", UsersState.load)

# Demo kit: only in demo mode (with it off these addresses are unknown; the handlers refuse too)
if settings.get().demo:
    member(routes.DEMO, demo.demo_home, "Demo Kit", demo_state.DemoState.load)
    member(routes.DEMO_STICKERS, demo.sticker_sheet, "S/N Sticker Sheet", demo_state.StickerSheetState.load)
    member(routes.MAILBOX, demo.mailbox_page, "Mailbox", demo_state.MailboxState.load)
    member(routes.MAILBOX_MESSAGE, demo.mailbox_message_page, "Mailbox", demo_state.MailboxState.load_message)

# Any unknown address: a branded page inside the shell, with the ways back
public(routes.NOT_FOUND, not_found.not_found, "Page not found")

# Sections outside this product's scope: a real page that says what each is
for info_page in info.INFO_PAGES:
    (member if info_page.member else public)(info_page.route, info.make_view(info_page), info_page.title)

app.register_lifespan_task(live.poll_forever)
background.register(app)
