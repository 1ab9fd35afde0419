"""The pages the seed's sign-up form links to: the Privacy Policy, the Reward Program and its terms.

The seed shows them as links ("MSI Privacy Policy", the Reward Program's
"Terms and condition", "Learn more about the benefits…") that go nowhere; here
they are public pages, readable before an account exists.
"""

from __future__ import annotations

import reflex as rx

from rxapp import routes
from rxapp.components.i18n import T, Tf
from rxapp.components.shell import public_page
from rxapp.i18n import N_
from rxapp.state.session import SessionState

V = SessionState.vendor_name


def _section(title: str, *paragraphs) -> rx.Component:
    return rx.box(
        rx.heading(T(title), size="4", as_="h2", margin_bottom="6px"),
        *[rx.text(T(p), size="2", color="#333", margin_bottom="6px") for p in paragraphs],
        margin_bottom="16px",
    )


def _links(*links: tuple[str, str]) -> rx.Component:
    return rx.hstack(*[rx.link(T(label), " ›", href=route, size="2") for label, route in links],
                     spacing="5", wrap="wrap", margin_top="8px")


def privacy_policy() -> rx.Component:
    return public_page(
        "Privacy Policy",
        rx.text(Tf("{vendor} is committed to respecting and protecting your privacy. This policy says what the "
                   "member center keeps about you, why, and what you can do about it.", vendor=V), size="3", margin_bottom="18px"),
        _section(N_("What we keep"),
                 N_("Your account: email address, name, region, and (if you give it) a contact number; your "
                 "password only as a one-way hash."),
                 N_("Your products: serial numbers, purchase dates, stores, and the invoices and S/N photos you "
                 "upload to register a product or redeem a promotion."),
                 N_("Your claims: the recipient name, address and contact number you enter for a prize, and every "
                 "decision taken on the claim.")),
        _section(N_("Why"),
                 N_("To register your products and show their warranty, to check that a claim meets the "
                 "promotion's rules, to send you your prize, and to tell you by email how your claim is going."),
                 N_("Newsletters and the Reward Program only when you opt in; you can change both at any time "
                 "under Account › Subscribe.")),
        _section(N_("Who sees it"),
                 N_("You, and the reviewers who check claims. Invoices and S/N photos are private files: they are "
                 "shown only to you and to reviewers, through links that expire after a few minutes."),
                 N_("Shipping partners receive the recipient name, address and contact number of an approved "
                 "physical prize, and nothing else. We do not sell your data.")),
        _section(N_("How long"),
                 N_("As long as your account exists, and claims as long as the law on promotions and invoices "
                 "requires. Log-in records are kept for your own review under Login Management.")),
        _section(N_("Your rights"),
                 N_("You can see and correct your details under My Profile, end sessions under Login Management, "
                 "and ask the vendor's customer service for a copy of your data or for its deletion.")),
        _links((N_("Sign Up"), routes.SIGNUP), (N_("Reward Program"), routes.REWARD_BENEFITS)),
        width="820px",
    )


def reward_benefits() -> rx.Component:
    return public_page(
        Tf("{vendor} Reward Program", vendor=V),
        rx.text(T("Become a member today to earn points, get exclusive offers, special VIP event invites and "
                  "more."), size="3", margin_bottom="18px"),
        _section(N_("Earn points"),
                 N_("Every product you register and every promotion you redeem earns points on the vendor's "
                 "loyalty platform.")),
        _section(N_("Exclusive offers"),
                 N_("Members hear first about new promotions for the products they own, and receive offers that "
                 "are not published elsewhere.")),
        _section(N_("VIP events"),
                 N_("Invitations to launches, community tournaments and creator events in your region.")),
        _section(N_("How to join"),
                 N_("Tick “Reward Program” when you sign up, or later under Account › Subscribe. Points and offers "
                 "are managed on the vendor's loyalty platform; this member center keeps your choice.")),
        _links((N_("Terms and Conditions"), routes.REWARD_TERMS), (N_("Privacy Policy"), routes.PRIVACY_POLICY),
               ("Sign Up", routes.SIGNUP)),
        width="820px",
    )


def reward_terms() -> rx.Component:
    return public_page(
        "Reward Program Terms and Conditions",
        _section(N_("1. Membership"),
                 N_("The Reward Program is open to holders of a member-center account who opt in. Membership is "
                 "free and personal; points cannot be transferred to another account.")),
        _section(N_("2. Points"),
                 N_("Points are credited for registered products and for approved promotion claims. A claim that "
                 "is rejected, or a registration withdrawn, earns no points; points credited for it are "
                 "removed.")),
        _section(N_("3. Offers and events"),
                 N_("Offers and invitations depend on your region and on stock; each states its own period and "
                 "conditions.")),
        _section(N_("4. Ending membership"),
                 N_("You can leave at any time under Account › Subscribe. Unused points lapse 24 months after they "
                 "were earned, or when you leave.")),
        _section(N_("5. Your data"),
                 N_("The program uses the data described in the Privacy Policy, and your opt-in choice.")),
        _links((N_("About the Reward Program"), routes.REWARD_BENEFITS), (N_("Privacy Policy"), routes.PRIVACY_POLICY)),
        width="820px",
    )
