"""Log in and Sign Up (the seed's form, field by field)."""

import reflex as rx

from rxapp import routes
from rxapp.components.i18n import T, Tf
from rxapp.components.forms import captcha_field, checkbox_field, field, select_field, submit_button
from rxapp.components.layout import button_row, form_card, grid_of
from rxapp.components.shell import ACCENT, public_page
from rxapp.state.auth import LoginState, SignUpState
from rxapp.state.password import ForgotPasswordState, ResetPasswordState
from rxapp.state.session import SessionState


def login() -> rx.Component:
    errors = LoginState.errors
    return public_page(
        "Log in",
        form_card(
            # The email last tried stays (a refused try, a reload): the captcha it may need shows with it.
            field("Email", "email", errors, type="email", required=True, autocomplete="username",
                  max_length=254, id_prefix="login", default_value=LoginState.email_value),
            field("Password", "password", errors, type="password", required=True,
                  autocomplete="current-password", max_length=1024, id_prefix="login"),
            rx.cond(
                LoginState.needs_captcha,
                captcha_field(LoginState.captcha_question, errors, LoginState.reformat_captcha,
                              pow=LoginState.captcha_pow, id_prefix="login", round=LoginState.captcha_round),
            ),
            button_row(submit_button("Log in ›"),
                       rx.link(T("Forgot password?"), href=routes.PASSWORD_FORGOT, size="2"),
                       rx.link(T("No account yet? Sign Up"), href=routes.SIGNUP, size="2"),
                       spacing="4", wrap="wrap"),
            on_submit=LoginState.submit, reset_on_submit=False, max_width="460px", padding="24px",
        ),
        width="520px",
    )


def signup() -> rx.Component:
    errors = SignUpState.errors
    vendor = SessionState.vendor_name
    return public_page(
        "Sign Up",
        rx.text(Tf("{vendor} is committed to respecting and protecting your privacy. The information you are "
                   "providing here will help us provide you with better service.", vendor=vendor),
                size="2", color="#444"),
        rx.hstack(
            rx.text(T("Items marked with"), " ", rx.el.span("*", style={"color": ACCENT, "font_weight": "700"}),
                    " ", T("are required for application."), size="2", color="#444"),
            rx.spacer(),
            rx.link(T("Already a member? Log in"), href=routes.LOGIN, size="2"),
            spacing="1", wrap="wrap", margin_bottom="16px", margin_top="4px", width="100%",
        ),
        form_card(
            rx.cond(
                SignUpState.errors.length() > 0,
                rx.callout(
                    T("Please check the fields marked below: each says what to change. "
                      "Everything you typed is still here."),
                    icon="triangle-alert", color_scheme="red", high_contrast=True, size="1",
                    margin_bottom="14px", role="alert",
                ),
            ),
            field("Email", "email", errors, type="email", required=True, autocomplete="email",
                  max_length=254, id_prefix="signup"),
            field("Password", "password", errors, type="password", required=True,
                  autocomplete="new-password", max_length=1024, id_prefix="signup",
                  hint=T("At least 10 characters; not your email; not a common password.")),
            field("Confirm Password", "confirm_password", errors, type="password", required=True,
                  autocomplete="new-password", max_length=1024, id_prefix="signup"),
            grid_of({"initial": "1", "sm": "2"},
                field("First Name", "first_name", errors, required=True, autocomplete="given-name",
                      max_length=80, id_prefix="signup"),
                field("Last Name", "last_name", errors, autocomplete="family-name", max_length=80,
                      id_prefix="signup"),
                spacing="4", width="100%",
            ),
            select_field("Region / Location", "region", SignUpState.regions, errors, required=True,
                         id_prefix="signup"),
            field("Contact Number", "phone", errors, type="tel", autocomplete="tel", max_length=30,
                  id_prefix="signup", hint=T("Optional. We store it in international format.")),
            checkbox_field("Subscribe Latest Information", "newsletter", errors, id_prefix="signup",
                           description=rx.fragment(
                               T("News, launches and promotions by email. You can change this any time under "
                                 "Account › Subscribe. By clicking, I have read and agree to the"), " ",
                               rx.link(Tf("{vendor} Privacy Policy", vendor=vendor),
                                       href=routes.PRIVACY_POLICY, underline="always"), ".")),
            checkbox_field(Tf("{vendor} Reward Program", vendor=vendor), "reward_program", errors,
                           id_prefix="signup",
                           description=rx.fragment(
                               Tf("By clicking, I agree to the {vendor} Reward Program", vendor=vendor), " ",
                               rx.link(T("Terms and Conditions"), href=routes.REWARD_TERMS,
                                       underline="always"),
                               ". ", T("Earn points, get exclusive offers, special VIP event invites and more."),
                               " ",
                               rx.link(Tf("Learn more about the benefits of the {vendor} Reward Program",
                                          vendor=vendor),
                                       href=routes.REWARD_BENEFITS, underline="always"), ".")),
            rx.box(
                checkbox_field(Tf("I acknowledge and agree to the {vendor} Privacy Policy", vendor=vendor),
                               "consent", errors, required=True, id_prefix="signup"),
                rx.text(rx.link(Tf("Read the {vendor} Privacy Policy", vendor=vendor),
                                href=routes.PRIVACY_POLICY, underline="always"),
                        size="2", padding_left="26px", margin_top="-8px", margin_bottom="12px"),
            ),
            captcha_field(SignUpState.captcha_question, errors, SignUpState.reformat_captcha,
                          pow=SignUpState.captcha_pow, id_prefix="signup", round=SignUpState.captcha_round),
            button_row(submit_button("Sign Up ›"),
                       rx.link(rx.button(T("Cancel ›"), type="button", variant="outline", size="3"),
                               href=routes.HOME)),
            on_submit=SignUpState.submit, reset_on_submit=False, max_width=None, padding="24px",
        ),
        width="640px",
    )


def forgot_password() -> rx.Component:
    errors = ForgotPasswordState.errors
    return public_page(
        "Forgot password",
        rx.cond(
            ForgotPasswordState.sent_message != "",
            rx.callout(ForgotPasswordState.sent_message, icon="mail", color_scheme="green", role="status"),
            form_card(
                rx.text(T("Type the email address of your account. We will send you a link to choose a new "
                          "password."), size="2", color="#444", margin_bottom="12px"),
                field("Email", "email", errors, type="email", required=True, autocomplete="username",
                      max_length=254, id_prefix="forgot"),
                button_row(submit_button("Send me a link ›"),
                           rx.link(T("Back to log in"), href=routes.LOGIN, size="2"), spacing="4"),
                on_submit=ForgotPasswordState.submit,
                reset_on_submit=False,
                max_width="460px",
                padding="24px",
            ),
        ),
        rx.link(T("Back to log in"), href=routes.LOGIN, size="2", margin_top="14px", display="block"),
        width="520px",
    )


def reset_password() -> rx.Component:
    errors = ResetPasswordState.errors
    return public_page(
        "Choose a new password",
        rx.cond(
            ResetPasswordState.link_ok,
            form_card(
                field("New Password", "new_password", errors, type="password", required=True,
                      autocomplete="new-password", max_length=1024, id_prefix="reset",
                      hint=T("At least 10 characters; not your email; not a common password.")),
                field("Confirm New Password", "confirm_password", errors, type="password", required=True,
                      autocomplete="new-password", max_length=1024, id_prefix="reset"),
                rx.text(T("Setting a new password logs your account out of every browser."), size="2",
                        color="#555", margin_bottom="10px"),
                submit_button("Set new password ›"),
                on_submit=ResetPasswordState.submit,
                reset_on_submit=False,
                max_width="460px",
                padding="24px",
            ),
            rx.cond(
                ResetPasswordState.link_message != "",
                rx.vstack(
                    rx.callout(ResetPasswordState.link_message, icon="triangle-alert", color_scheme="red",
                               role="alert"),
                    rx.link(T("Ask for a new link ›"), href=routes.PASSWORD_FORGOT),
                    spacing="3",
                ),
            ),
        ),
        width="520px",
    )
