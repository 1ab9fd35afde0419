"""What every (handler, role) pair of the app must come to, in one table.

``HANDLERS`` names every public event handler of the app with the access it
declares (``@anyone``, ``@member``, ``@reviewer``, ``@admin`` in
``rxapp/state/session.py``).  The suite fails when the app has a handler this
table does not name, when the table names one the app no longer has, and when
a handler's declared access differs from the table's (so widening a handler's
access is a reviewed change of this file, not a silent one).

The access drives the outcome of each role's calls (``outcome``):

* ``RUNS`` - the guard lets the call through; what it may change is bounded by
  ``ALLOWED_WRITES`` of the role, and no other account's canary may reach the
  tab;
* ``LOGIN`` - refused and sent to log in: a ``_redirect`` to ``/login?next=…``;
* ``ROLE`` - refused and sent where the caller belongs: the reviewers-only (or
  administrators-only) notice in the delta and a ``_redirect``.

Handlers that every role reaches but that must still change nothing without a
second secret (the Demo Kit's presenter passcode) are bounded by the same
``ALLOWED_WRITES``: no role may write the tables a demo reset or persona switch
would.
"""

from __future__ import annotations

ANYONE, MEMBER, REVIEWER, ADMIN = "anyone", "member", "reviewer", "admin"
RUNS, LOGIN, ROLE = "runs", "sent to log in", "refused for the role"

# The roles the suite plays, in the order it plays them (the admin last: granting roles changes others).
ROLES = ("signed_out", "customer_a", "customer_b", "reviewer", "admin")

HANDLERS = {
    # rxapp.state.account
    "OverviewState.load": MEMBER,
    "OverviewState.resend_verification": MEMBER,
    "PasswordState.load": MEMBER,
    "PasswordState.submit": MEMBER,
    "ProfileState.load": MEMBER,
    "ProfileState.submit": MEMBER,
    "LoginManagementState.load": MEMBER,
    "LoginManagementState.revoke": MEMBER,
    "SubscribeState.load": MEMBER,
    "SubscribeState.submit": MEMBER,
    "VerifyEmailState.load": ANYONE,
    # rxapp.state.auth
    "SignUpState.load": ANYONE,
    "SignUpState.reformat_captcha": ANYONE,
    "SignUpState.submit": ANYONE,
    "LoginState.load": ANYONE,
    "LoginState.reformat_captcha": ANYONE,
    "LoginState.submit": ANYONE,
    # rxapp.state.console.claim
    "console.ClaimState.advance_shipping": REVIEWER,
    "console.ClaimState.approve": REVIEWER,
    "console.ClaimState.load": REVIEWER,
    "console.ClaimState.needs_info": REVIEWER,
    "console.ClaimState.pick_template": REVIEWER,
    "console.ClaimState.read_evidence": REVIEWER,
    "console.ClaimState.keep_draft": REVIEWER,
    "console.ClaimState.reject": REVIEWER,
    "console.ClaimState.settle_when_due": REVIEWER,
    "console.ClaimState.undo_approval": REVIEWER,
    # rxapp.state.console.insights
    "console.InsightsState.load": REVIEWER,
    "console.PolicyState.load": REVIEWER,
    "console.PolicyState.save_policy": REVIEWER,
    "console.PolicyState.turn_off": REVIEWER,
    "console.InsightsState.set_days": REVIEWER,
    # rxapp.state.console.promotions
    "console.PromotionsAdminState.choose_codes_promotion": REVIEWER,
    "console.PromotionsAdminState.close_form": REVIEWER,
    "console.PromotionsAdminState.edit_promotion": REVIEWER,
    "console.PromotionsAdminState.import_file": REVIEWER,
    "console.PromotionsAdminState.import_pasted": REVIEWER,
    "console.PromotionsAdminState.load": REVIEWER,
    "console.PromotionsAdminState.new_promotion": REVIEWER,
    "console.PromotionsAdminState.save": REVIEWER,
    "console.PromotionsAdminState.save_anyway": REVIEWER,
    "console.RiskState.confirm_audit": REVIEWER,
    "console.RiskState.flag_audit": REVIEWER,
    "console.RiskState.load": REVIEWER,
    # rxapp.state.console.queue
    "console.QueueState.apply_filters": REVIEWER,
    "console.QueueState.approve_selected": REVIEWER,
    "console.QueueState.settle_batch_when_due": REVIEWER,
    "console.QueueState.undo_bulk_approval": REVIEWER,
    "console.QueueState.clear_filters": REVIEWER,
    "console.QueueState.load": REVIEWER,
    "console.QueueState.next_page": REVIEWER,
    "console.QueueState.prev_page": REVIEWER,
    "console.QueueState.search_everywhere": REVIEWER,
    "console.QueueState.show_status": REVIEWER,
    # rxapp.state.console.templates
    "console.TemplatesState.add": REVIEWER,
    "console.TemplatesState.cancel_edit": REVIEWER,
    "console.TemplatesState.delete": REVIEWER,
    "console.TemplatesState.load": REVIEWER,
    "console.TemplatesState.save_edit": REVIEWER,
    "console.TemplatesState.start_edit": REVIEWER,
    # rxapp.state.console.users
    "console.UsersState.grant_reviewer": ADMIN,
    "console.UsersState.load": REVIEWER,
    "console.UsersState.remove_reviewer": ADMIN,
    "console.UsersState.search": ADMIN,
    # rxapp.state.demo
    "DemoState.back_to_real_date": MEMBER,
    "DemoState.clear_demo_date": MEMBER,
    "DemoState.load": MEMBER,
    "DemoState.reset_demo": MEMBER,
    "DemoState.set_demo_date": MEMBER,
    "DemoState.switch_persona": MEMBER,
    "DemoState.unlock": MEMBER,
    "DemoState.use_christmas_deal_date": MEMBER,
    "MailboxState.filter_recipient": MEMBER,
    "MailboxState.load": MEMBER,
    "MailboxState.load_message": MEMBER,
    "MailboxState.open_message": MEMBER,
    "MailboxState.show_all": MEMBER,
    "StickerSheetState.load": MEMBER,
    # rxapp.state.password
    "ForgotPasswordState.load": ANYONE,
    "ForgotPasswordState.submit": ANYONE,
    "ResetPasswordState.load": ANYONE,
    "ResetPasswordState.submit": ANYONE,
    # rxapp.state.promotions
    "RedeemState.check_evidence": MEMBER,
    "RedeemState.load": MEMBER,
    "RedeemState.reformat_captcha": ANYONE,
    "RedeemState.refuse_invoice": MEMBER,
    "RedeemState.refuse_photo": MEMBER,
    "RedeemState.resize": MEMBER,
    "RedeemState.submit": MEMBER,
    "RedeemState.upload_invoice": MEMBER,
    "RedeemState.upload_photo": MEMBER,
    "PromotionsState.load": MEMBER,
    "RedeemHistoryState.load": MEMBER,
    "ClaimState.load": MEMBER,
    # rxapp.state.registration
    "MyProductsState.cancel_replace": MEMBER,
    "MyProductsState.load": MEMBER,
    "MyProductsState.refuse_replacement": MEMBER,
    "MyProductsState.check_replacement": MEMBER,
    "MyProductsState.resize_replacement": MEMBER,
    "MyProductsState.start_replace": MEMBER,
    "MyProductsState.upload_replacement": MEMBER,
    "RegistrationState.back": MEMBER,
    "RegistrationState.check_invoice": MEMBER,
    "RegistrationState.choose_category": MEMBER,
    "RegistrationState.load": MEMBER,
    "RegistrationState.next_step": MEMBER,
    "RegistrationState.reformat_captcha": ANYONE,
    "RegistrationState.refuse_invoice": MEMBER,
    "RegistrationState.resize_invoice": MEMBER,
    "RegistrationState.set_channel": MEMBER,
    "RegistrationState.set_chk": MEMBER,
    "RegistrationState.set_purchase_date": MEMBER,
    "RegistrationState.set_region": MEMBER,
    "RegistrationState.set_serial": MEMBER,
    "RegistrationState.set_store": MEMBER,
    "RegistrationState.submit": MEMBER,
    "RegistrationState.upload_invoice": MEMBER,
    "RegistrationState.switch_to_category": MEMBER,
    "RegistrationState.use_suggestion": MEMBER,
    # rxapp.state.session
    "SessionState.choose_language": ANYONE,
    "SessionState.clear_notice": ANYONE,
    "SessionState.load_public": ANYONE,
    "SessionState.log_out": ANYONE,
    "SessionState.page_loaded": ANYONE,
    "SessionState.require_member": MEMBER,
    "SessionState.require_reviewer": REVIEWER,
}

_RANK = {"signed_out": 0, "customer_a": 1, "customer_b": 1, "reviewer": 2, "admin": 3}
_NEEDS = {ANYONE: 0, MEMBER: 1, REVIEWER: 2, ADMIN: 3}


def outcome(access: str, role: str) -> str:
    """What a call of a handler declaring ``access`` by ``role`` must come to."""
    rank = _RANK[role]
    if rank >= _NEEDS[access]:
        return RUNS
    return LOGIN if rank == 0 else ROLE


# What each role's calls may change, table by table: "own" rows (the row's owner - see
# world.OWNER - is the caller before and after) or "any" rows.  Anything else is a finding.
_EVERYONE = {"captchachallenge": "any", "loginattempt": "any"}
_CUSTOMER = _EVERYONE | {
    "user": "own", "loginsession": "own", "serialattempt": "own", "storedfile": "own",
    "registeredproduct": "own", "redemption": "own", "redemptionevent": "own", "emailmessage": "own",
    "registrationdraft": "own", "evidencereading": "own",
}
_REVIEWER = _CUSTOMER | {
    # Deciding claims, their audit rows and emails, codes, promotions and reason templates is the job.
    "redemption": "any", "redemptionevent": "any", "emailmessage": "any", "promotioncode": "any",
    "promotion": "any", "promotioncategory": "any", "promotionmodel": "any", "promotionregion": "any",
    "reasontemplate": "any", "pendingapproval": "own",
    # Opening a claim reads its invoice and S/N photo when they were never read (files of before the check),
    # keeping each one's perceptual hash and editing marks with the file.
    "evidencereading": "any", "storedfile": "any",
    # Decision policies and their audit rows, and the audit of automatic approvals (on the claim).
    "policychange": "any",
}
ALLOWED_WRITES = {
    "signed_out": _EVERYONE,
    "customer_a": _CUSTOMER,
    "customer_b": _CUSTOMER,
    "reviewer": _REVIEWER,
    "admin": _REVIEWER | {"user": "any"},  # granting and removing the reviewer role
}
