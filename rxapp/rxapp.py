"""The app: created here, pages added here; nothing else."""

import reflex as rx
from starlette.applications import Starlette

from rxapp import models  # noqa: F401 - every table on SQLModel.metadata for `reflex db`
from rxapp import routes
from rxapp.api import export as export_routes
from rxapp.api import files as file_routes
from rxapp.pages import demo as demo_pages
from rxapp.pages import account, admin, auth, home, info, promotions, registration
from rxapp.state import account as account_state
from rxapp.state import background
from rxapp.state import live
from rxapp.state import registration as registration_state
from rxapp.state.auth import LoginState, SignUpState
from rxapp.state.session import SessionState

app = rx.App(
    # Private files (invoices, S/N photos) behind short-lived signed links: /files/<token>.
    api_transformer=Starlette(routes=file_routes.routes + export_routes.routes),
    stylesheets=["/theme.css"],
    head_components=[rx.el.meta(name="description", content="Register products, redeem promotions, follow claims.")],
)


def member(route: str, view, title: str, load=None) -> None:
    """A page of the signed-in area: the session check runs first, then the page's own load."""
    on_load = [SessionState.require_member] + ([load] if load is not None else [])
    app.add_page(view, route=route, title=f"{title} | Member Center", on_load=on_load)


def reviewer(route: str, view, title: str, load=None) -> None:
    """A page of the reviewer console: customers are sent away before anything loads."""
    on_load = [SessionState.require_reviewer] + ([load] if load is not None else [])
    app.add_page(view, route=route, title=f"{title} | Reviewer Console", on_load=on_load)


app.add_page(home.index, route=routes.HOME, title="Member Center", on_load=SessionState.load_public)
app.add_page(auth.login, route=routes.LOGIN, title="Log in | Member Center", on_load=LoginState.load)
app.add_page(auth.signup, route=routes.SIGNUP, title="Sign Up | Member Center", on_load=SignUpState.load)
app.add_page(account.verify_email, route=routes.VERIFY_EMAIL, title="Email verification | Member Center",
             on_load=account_state.VerifyEmailState.load)

member(routes.ACCOUNT_OVERVIEW, account.overview, "Account Overview", account_state.OverviewState.load)
member(routes.PROFILE, account.profile, "My Profile", account_state.ProfileState.load)
member(routes.CHANGE_PASSWORD, account.change_password, "Change Password", account_state.PasswordState.load)
member(routes.LOGIN_MANAGEMENT, account.login_management, "Login Management",
       account_state.LoginManagementState.load)
member(routes.SUBSCRIBE, account.subscribe, "Subscribe", account_state.SubscribeState.load)
member(routes.MY_PRODUCTS, registration.my_products, "My Products", registration_state.MyProductsState.load)
member(routes.PRODUCT_REGISTRATION, registration.registration, "Product Registration",
       registration_state.RegistrationState.load)
promotions.add_pages(app, member, reviewer)
admin.add_pages(app, member, reviewer)
demo_pages.add_pages(app, member, reviewer)
info.add_pages(app)
app.register_lifespan_task(live.poll_forever)
background.register(app)
