"""One minimal call of each documented operation, by ``(method, path)`` as
docs/coverage.md names it: what a test needs to drive every operation the same way."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from smsmngr import AsyncClient, Message

Call = Callable[[AsyncClient], Awaitable[Any]]
WABA = "1234567890"
DAY = "2026-07-30"
TOKEN = "61591bd88d8fbe7736bca535809d1216dd71cb0b5cbf2b07e5a08adfbeb5d35b"
HI = Message("Hi", to=["420777123456"])


async def _drain(iterator: Any) -> list[Any]:
    return [item async for item in iterator]


CALLS: dict[tuple[str, str], Call] = {
    ("POST", "/message"): lambda c: c.send(HI),
    ("POST", "/message/priority"): lambda c: c.send(HI, priority=True),
    ("POST", "/messages"): lambda c: c.send_batch([HI]),
    ("GET", "/simple/message"): lambda c: c.send_simple(
        "420777123456", "Hi", sender="Shop", method="GET"
    ),
    ("POST", "/simple/message"): lambda c: c.send_simple("420777123456", "Hi", sender="Shop"),
    ("GET", "/apikey/me"): lambda c: c.api_keys.me(),
    ("POST", "/apikey/add"): lambda c: c.api_keys.create(shared=True, note="n"),
    ("POST", "/apikey/update"): lambda c: c.api_keys.update(
        default_callback_url="https://example.com/hook", note="n"
    ),
    ("GET", "/apikey/list"): lambda c: c.api_keys.list(),
    ("POST", "/apikey/change"): lambda c: c.api_keys.change("child-key", disabled=True),
    ("GET", "/credit"): lambda c: c.account.get_credit(),
    ("GET", "/credit/services"): lambda c: c.account.get_services(),
    ("GET", "/credit/prices"): lambda c: c.account.get_prices(),
    ("GET", "/credit/notify"): lambda c: c.account.get_credit_alert(),
    ("POST", "/credit/notify"): lambda c: c.account.set_credit_alert("a@example.com", 100),
    ("POST", "/credit/order"): lambda c: c.account.order_service("sender-text", subject="Shop"),
    ("POST", "/credit/cancel"): lambda c: c.account.cancel_service("sender-text", "Shop"),
    ("POST", "/billing/get"): lambda c: c.billing.get("b1"),
    ("POST", "/billing/set"): lambda c: c.billing.set("b1", name="Shop"),
    ("POST", "/billing/invoices/list"): lambda c: c.billing.list_invoices("b1"),
    ("POST", "/billing/invoices/pdf"): lambda c: c.billing.get_invoice_pdf("b1", "i1"),
    ("GET", "/billing/topup"): lambda c: c.billing.get_topup(),
    ("GET", "/message"): lambda c: c.status.get_message_status("m1"),
    ("GET", "/messages"): lambda c: _drain(c.status.iter_messages(DAY)),
    ("GET", "/request"): lambda c: c.status.get_request_stats("r1", DAY),
    ("GET", "/requests"): lambda c: c.status.get_daily_stats([DAY]),
    ("GET", "/inbox"): lambda c: c.inbox.list(DAY),
    ("GET", "/blacklist"): lambda c: c.blacklist.list(),
    ("POST", "/blacklist"): lambda c: c.blacklist.add(["420777123456"]),
    ("DELETE", "/blacklist"): lambda c: c.blacklist.remove(["420777123456"]),
    ("GET", "/optout"): lambda c: c.optout.list(),
    ("POST", "/optout"): lambda c: c.optout.add(["420777123456"]),
    ("DELETE", "/optout"): lambda c: c.optout.remove(["420777123456"]),
    ("POST", "/messaging/url"): lambda c: c.upload_bulk(HI, bulk_id="b1"),
    ("POST", "/messaging/cancel"): lambda c: c.cancel_scheduled(bulk_id="b1"),
    ("POST", "/partner/signup"): lambda c: c.integrations.signup_partner(connector_name="x"),
    ("POST", "/push/device"): lambda c: c.integrations.register_push_device("d1", "t1"),
    ("POST", "/recipient/register"): lambda c: c.integrations.register_recipient(
        phone_number="420777123456"
    ),
    ("POST", "/connect/{connector}/{action}"): lambda c: c.integrations.connect(
        "klaviyo", "segments", app_user_id="u1"
    ),
    ("POST", "/v1/verify-proof"): lambda c: c.verify.check_proof(
        phone_number="420777123456", token=TOKEN, code="123456", timestamp=DAY, proof="p"
    ),
    ("POST", "/v1/validations"): lambda c: c.verify.start("420777123456"),
    ("POST", "/v1/validations/{token}/verify"): lambda c: c.verify.check(TOKEN, "123456"),
    ("PATCH", "/v1/validations/{token}"): lambda c: c.verify.confirm(TOKEN, "p"),
    ("POST", "/whatsapp/signup"): lambda c: c.whatsapp.signup(business_name="Shop"),
    ("POST", "/whatsapp/registration"): lambda c: c.whatsapp.register("t", WABA, "c", country="cz"),
    ("POST", "/whatsapp/phone_numbers/verify"): lambda c: c.whatsapp.verify_phone_number(
        "420777123456", "123456"
    ),
    ("POST", "/whatsapp/phone_numbers/check"): lambda c: c.whatsapp.check_phone_number(
        "420777123456"
    ),
    ("POST", "/whatsapp/phone_numbers/list"): lambda c: c.whatsapp.list_phone_numbers(WABA),
    ("POST", "/whatsapp/accounts/list"): lambda c: c.whatsapp.list_accounts(),
    ("POST", "/whatsapp/templates/list"): lambda c: _drain(c.whatsapp.iter_templates(WABA)),
    ("POST", "/whatsapp/templates/create"): lambda c: c.whatsapp.create_template(
        WABA, "t", language="en", category="UTILITY", components=[{"type": "BODY", "text": "x"}]
    ),
    ("POST", "/whatsapp/templates/library/create"): lambda c: (
        c.whatsapp.create_template_from_library(
            WABA, "t", language="en", library_template_name="delivery_update_1"
        )
    ),
    ("POST", "/whatsapp/templates/edit"): lambda c: c.whatsapp.edit_template(
        WABA, "1", category="UTILITY"
    ),
    ("POST", "/whatsapp/templates/delete"): lambda c: c.whatsapp.delete_template(WABA, "t"),
    ("POST", "/whatsapp/templates/test"): lambda c: c.whatsapp.send_test_template(
        WABA,
        sender="420777000000",
        phone_number="420777123456",
        name="t",
        language="en",
        components=[{"type": "body", "parameters": [{"type": "text", "text": "x"}]}],
    ),
    ("POST", "/whatsapp/analytics/messages"): lambda c: c.whatsapp.get_message_analytics(WABA),
    ("POST", "/whatsapp/analytics/conversations"): lambda c: c.whatsapp.get_conversation_analytics(
        WABA
    ),
    ("POST", "/whatsapp/analytics/templates"): lambda c: c.whatsapp.get_template_analytics(
        WABA, ["1"]
    ),
    ("POST", "/whatsapp/analytics/templates/enable"): lambda c: (
        c.whatsapp.enable_template_analytics(WABA)
    ),
}
