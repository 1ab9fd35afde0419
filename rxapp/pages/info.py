"""Pages outside this product's scope: each says what it is and where to go.

The seed's menu has entries (Reward Program, Web Ticket, Live Chat, …) and top
sections (PRODUCTS, SUPPORT, …) that belong to other vendor systems.  They are
real pages — never dead links — that explain that and point to what works here.
"""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from rxapp import routes
from rxapp.components.shell import info_panel, member_page, public_page
from rxapp.i18n import N_

_PROMOS = (N_("All Promotions"), routes.PROMOTIONS)
_PRODUCTS = (N_("My Products"), routes.MY_PRODUCTS)
_REGISTER = (N_("Register a product"), routes.PRODUCT_REGISTRATION)
_HISTORY = (N_("Redeem History"), routes.REDEEM_HISTORY)
_FAQ = (N_("Promotion FAQ"), routes.FAQ)


@dataclass(frozen=True)
class InfoPage:
    route: str
    title: str
    text: str
    links: tuple[tuple[str, str], ...]
    member: bool = True


INFO_PAGES: tuple[InfoPage, ...] = (
    InfoPage(routes.REWARD_PROGRAM, N_("Reward Program"),
             N_("The Reward Program (points, exclusive offers and VIP events) runs on the vendor's loyalty "
             "platform, not in this member center. Your opt-in choice is kept under Account › Subscribe."),
             ((N_("Benefits and terms"), routes.REWARD_BENEFITS), (N_("Subscribe preferences"), routes.SUBSCRIBE), _PROMOS)),
    InfoPage(routes.SHOUT_OUT, N_("Shout Out"),
             N_("Shout Out is the vendor's community showcase for builds and reviews. It is hosted by the "
             "community team and is not part of this member center."),
             ((N_("Community"), routes.VENDOR_COMMUNITY), _PROMOS)),
    InfoPage(routes.APPOINTMENT, N_("Appointment Service"),
             N_("Service-centre appointments are booked with your local service partner. This member center "
             "keeps your registered products and warranty dates, which the service partner will ask for."),
             (_PRODUCTS, _REGISTER)),
    InfoPage(routes.WEB_TICKET, N_("Web Ticket"),
             N_("Technical support tickets are handled by the vendor's support desk. For a question about a "
             "promotion claim, open the claim from Redeem History: its timeline shows every decision and "
             "its reason."),
             (_HISTORY, _FAQ)),
    InfoPage(routes.TICKET_HISTORY, N_("Ticket History"),
             N_("Your support tickets live in the support desk's system, not in this member center. Claims "
             "and their full history are in Redeem History."),
             (_HISTORY,)),
    InfoPage(routes.APPLY_SERVICE, N_("Apply for Service"),
             N_("Repairs (RMA) are requested from the vendor's service partner. Have your product's serial "
             "number and purchase date ready: both are in My Products."),
             (_PRODUCTS,)),
    InfoPage(routes.REPAIR_HISTORY, N_("Repair History"),
             N_("Repair records are kept by the service partner. Your products and warranty periods are "
             "in My Products."),
             (_PRODUCTS,)),
    InfoPage(routes.LIVE_CHAT, N_("Live Chat"),
             N_("Live chat with an agent is provided by the vendor's support desk during office hours. Most "
             "promotion questions are answered in the FAQ, next to your own eligibility checks."),
             (_FAQ, _PROMOS)),
    InfoPage(routes.VENDOR_PRODUCTS, N_("Products"),
             N_("The product catalogue (monitors, desktops, laptops, graphics cards and motherboards) is on "
             "the vendor's main site. Here you register the products you bought and redeem promotions."),
             (_REGISTER, _PROMOS), member=False),
    InfoPage(routes.VENDOR_ODM, N_("ODM Solutions"),
             N_("ODM and OEM solutions for business partners are presented on the vendor's corporate site."),
             ((N_("Member center home"), routes.HOME),), member=False),
    InfoPage(routes.VENDOR_COMMUNITY, N_("Community"),
             N_("The forums and creator community are hosted separately from this member center."),
             ((N_("Member center home"), routes.HOME),), member=False),
    InfoPage(routes.VENDOR_WHATS_NEW, N_("What's New"),
             N_("News and launches are published on the vendor's main site. Running promotions for the "
             "products you own are listed in this member center."),
             (_PROMOS,), member=False),
    InfoPage(routes.VENDOR_SUPPORT, N_("Support"),
             N_("Drivers, manuals and technical support are on the vendor's support site. Promotion and "
             "claim questions are answered here."),
             (_FAQ, _HISTORY), member=False),
)


def make_view(page: InfoPage):
    def view() -> rx.Component:
        body = info_panel(page.text, *page.links)
        return member_page(page.title, body) if page.member else public_page(page.title, body)

    view.__name__ = "info_" + page.route.strip("/").replace("/", "_").replace("-", "_")
    return view
