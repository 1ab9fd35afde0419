"""The seed's FAQ, with links to the live checks where an answer depends on the customer's own data."""

import reflex as rx

from rxapp import routes
from rxapp.components.i18n import T
from rxapp.components.shell import public_page
from rxapp.i18n import N_
from rxapp.pages.promotions import tabs

FAQ_ITEMS = (
    (N_("Why is there no promotion for my product in my member center account?"),
     N_("Each promotion lists your products with the rule that fails, checked live against your own data: "
     "the eligible model, the purchase date inside the promotion period, the region you live in, a partner "
     "store in your region, the purchase proof, and the stock left."),
     (N_("See the live check on All Promotions"), routes.PROMOTIONS)),
    (N_("What should I do if I received an email that my claim was incomplete?"),
     N_("Open Redeem History and press Redeem Again on that claim. The reason names the document we need — "
     "an invoice or purchase proof that shows the purchase date, the store and the model, or a photo of the "
     "S/N number on the product itself, not on the package. You only replace that document; what was "
     "accepted is kept."),
     (N_("Open Redeem History"), routes.REDEEM_HISTORY)),
    (N_("How long does it take to process the application and when will I receive my gift?"),
     N_("Digital codes: 7 ~ 14 working days to be verified — each claim shows the date its decision is due. "
     "Physical prizes: 8 ~ 12 weeks to be delivered after your redemption is approved; the claim shows the "
     "shipping state."),
     None),
    (N_("Why did I not receive any email after my participation?"),
     N_("Please check your spam folder and deactivate your email filter. Every decision and every code is also "
     "shown in Redeem History, so nothing depends on the email arriving."),
     (N_("Open Redeem History"), routes.REDEEM_HISTORY)),
)


def faq() -> rx.Component:
    return public_page(
        "FAQ",
        tabs(routes.FAQ),
        rx.vstack(
            *[
                rx.card(
                    rx.heading(T(q), size="4", as_="h2"),
                    rx.text(T(a), size="2", margin_top="6px"),
                    rx.link(T(link[0]), " ›", href=link[1], size="2", margin_top="6px", display="block")
                    if link else rx.fragment(),
                    width="100%",
                )
                for q, a, link in FAQ_ITEMS
            ],
            spacing="3",
        ),
        width="860px",
    )
