"""Every route of the app, in one place."""

HOME = "/"
LOGIN = "/login"
SIGNUP = "/signup"
VERIFY_EMAIL = "/verify-email"
PASSWORD_FORGOT = "/password/forgot"
PASSWORD_RESET = "/password/reset"
PRIVACY_POLICY = "/privacy-policy"
REWARD_BENEFITS = "/reward-program"
REWARD_TERMS = "/reward-program/terms"
NOT_FOUND = "404"  # Reflex's slug for the page of unknown addresses

ACCOUNT_OVERVIEW = "/account"
PROFILE = "/account/profile"
LOGIN_MANAGEMENT = "/account/sessions"
CHANGE_PASSWORD = "/account/password"
SUBSCRIBE = "/account/subscribe"

REWARD_PROGRAM = "/membership/reward-program"
SHOUT_OUT = "/membership/shout-out"
PROMOTIONS = "/promotions"
REDEEM = "/promotions/redeem"
REDEEM_DONE = "/promotions/redeem/done"
REDEEM_HISTORY = "/promotions/history"
CLAIM = "/promotions/claim"
FAQ = "/promotions/faq"

MY_PRODUCTS = "/products"
PRODUCT_REGISTRATION = "/products/register"
APPOINTMENT = "/products/appointment"

WEB_TICKET = "/support/web-ticket"
TICKET_HISTORY = "/support/tickets"
APPLY_SERVICE = "/support/apply-for-service"
REPAIR_HISTORY = "/support/repair-history"
LIVE_CHAT = "/support/live-chat"

VENDOR_PRODUCTS = "/vendor/products"
VENDOR_ODM = "/vendor/odm-solutions"
VENDOR_COMMUNITY = "/vendor/community"
VENDOR_WHATS_NEW = "/vendor/whats-new"
VENDOR_SUPPORT = "/vendor/support"

ADMIN = "/admin"
ADMIN_CLAIM = "/admin/claim"
ADMIN_PROMOTIONS = "/admin/promotions"
ADMIN_TEMPLATES = "/admin/templates"
ADMIN_INSIGHTS = "/admin/insights"
ADMIN_USERS = "/admin/users"

MAILBOX = "/demo/mailbox"
MAILBOX_MESSAGE = "/demo/mailbox/message"  # ?id=<message id>: one email at its own address
DEMO = "/demo"
DEMO_STICKERS = "/demo/stickers"

# Plain Starlette endpoints (rxapp/api), not Reflex pages.
FILES = "/files"
EXPORT_CLAIMS = "/export/claims.csv"

# Where a log-in may send the browser back to (``next=``): the signed-in areas only, never another site.
SIGNED_IN_AREAS = (ACCOUNT_OVERVIEW, "/membership", MY_PRODUCTS, PROMOTIONS, "/support", ADMIN, DEMO)
