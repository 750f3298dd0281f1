"""``client.api_keys`` and ``client.integrations``: every request, answer and error
example of their operations in the OpenAPI, whether each is repeated after a lost
answer, and their input checks."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
import httpx
import pytest
import respx

from smsmngr import (
    ApiKey,
    AsyncClient,
    AuthenticationError,
    BadRequestError,
    KeyInfo,
    KeySender,
    Masked,
    NotFoundError,
    PermissionDeniedError,
    RefusedError,
    ResponseFormatError,
    ServerError,
    SmsManagerError,
    ValidationError,
)
from smsmngr.api_keys import registered_senders

from ..support import API_KEY, DATA, REST_BASE_URL

pytestmark = pytest.mark.anyio

AREA = ("/apikey/", "/partner/", "/push/", "/recipient/", "/connect/")
OPERATIONS = [
    op for op in json.loads((DATA / "operations.json").read_text()) if op["path"].startswith(AREA)
]
CHILD = "cD4xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx40"
RECIPIENT = "b1f2c3d4-5678-90ab-cdef-1234567890ab"
Call = Callable[[AsyncClient], Awaitable[Any]]

# What the SDK is called with for each request example: it must send the example.
REQUESTS: dict[tuple[str, str], Call] = {
    ("/apikey/add", "Child key with own billing"): lambda c: c.api_keys.create(
        billing_name="ACME s.r.o.",
        billing_email="invoicing@acme.example",
        currency="czk",
        note="eshop",
        scope="rest-api",
    ),
    ("/apikey/add", "Shared child key"): lambda c: c.api_keys.create(
        shared=True, note="warehouse app", scope="api", share_senders=True
    ),
    ("/apikey/update", "Set callback"): lambda c: c.api_keys.update(
        default_callback_url="https://example.com/hook", note="eshop"
    ),
    ("/apikey/update", "Clear callback"): lambda c: c.api_keys.update(
        default_callback_url="", note="eshop"
    ),
    ("/apikey/change", "Change scope"): lambda c: c.api_keys.change(CHILD, scope="api"),
    ("/apikey/change", "Disable key"): lambda c: c.api_keys.change(ApiKey(CHILD), disabled=True),
    ("/partner/signup", "Start signup"): lambda c: c.integrations.signup_partner(
        connector_name="My Shop",
        callback_url="https://partner.example/callback",
        callback_data="abc",
        final_url="https://partner.example/done",
        partner_logo_url="https://partner.example/logo.png",
        partner_client_id="client-1",
        language="en",
        partner_copyright="© My Shop",
    ),
    ("/push/device", "example"): lambda c: c.integrations.register_push_device(
        "device-uuid-123", "fcm-token-xyz"
    ),
    ("/recipient/register", "New recipient"): lambda c: c.integrations.register_recipient(
        phone_number="420777123456", fcm_token="fcm-abc"
    ),
    ("/recipient/register", "Update recipient"): lambda c: c.integrations.register_recipient(
        recipient_id=RECIPIENT, apns_token="apns-xyz"
    ),
    ("/connect/{connector}/{action}", "List segments"): lambda c: c.integrations.connect(
        "klaviyo", "segments", app_user_id="user-123"
    ),
    ("/connect/{connector}/{action}", "List recipients of a segment"): (
        lambda c: c.integrations.connect(
            "klaviyo", "recipients", app_user_id="user-123", segment_id="SEG123"
        )
    ),
}
# One valid call per operation, for its answers and errors.
CALLS: dict[str, Call] = {
    "/apikey/me": lambda c: c.api_keys.me(),
    "/apikey/list": lambda c: c.api_keys.list(),
    "/partner/signup": REQUESTS["/partner/signup", "Start signup"],
    "/push/device": REQUESTS["/push/device", "example"],
    "/apikey/add": REQUESTS["/apikey/add", "Child key with own billing"],
    "/apikey/update": REQUESTS["/apikey/update", "Set callback"],
    "/apikey/change": REQUESTS["/apikey/change", "Change scope"],
    "/recipient/register": REQUESTS["/recipient/register", "New recipient"],
    "/connect/{connector}/{action}": REQUESTS["/connect/{connector}/{action}", "List segments"],
}
REPEATED = {"/apikey/me", "/apikey/list", "/connect/{connector}/{action}"}
ERRORS = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    500: ServerError,
}
REFUSALS_500 = {"/partner/signup", "/recipient/register"}
"""Where the reference's 500 says a definite failure: ``RefusedError``, not "may have"."""


def url(path: str) -> str:
    """A pattern of the operation's URL: a path parameter takes any one segment."""
    return (
        re.escape(REST_BASE_URL + path)
        .replace(r"\{connector\}", "[^/]+")
        .replace(r"\{action\}", "[^/]+")
        + "$"
    )


def examples(kind: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(op, example) for op in OPERATIONS for example in op[kind]]


def no_extra(value: Any) -> None:
    """Every field of ``value``, and of the typed values in it, was read: none in extra."""
    if attrs.has(type(value)):
        assert value.extra == {}, value
        for field in attrs.fields(type(value)):
            no_extra(getattr(value, field.name))
    elif isinstance(value, tuple):
        for item in value:
            no_extra(item)


@pytest.fixture
def rest() -> Any:
    with respx.mock(base_url=REST_BASE_URL, assert_all_called=False) as router:
        yield router


def test_the_area_has_its_nine_operations() -> None:
    assert len(OPERATIONS) == 9
    assert {op["path"] for op in OPERATIONS} == set(CALLS)


@pytest.mark.parametrize(
    ("op", "example"),
    examples("requests"),
    ids=lambda v: v.get("name", "") if "example" in v else v["path"],
)
async def test_every_request_example_is_what_the_sdk_sends(
    rest: respx.MockRouter, client: AsyncClient, op: dict[str, Any], example: dict[str, Any]
) -> None:
    route = rest.route(method=op["method"], url__regex=url(op["path"])).respond(
        200,
        json={
            "success": True,
            "apikey": CHILD,
            "token": "t",
            "redirect_url": "https://x/?configuration=t",
            "recipient": RECIPIENT,
        },
    )
    await REQUESTS[op["path"], example["name"]](client)
    request = route.calls.last.request
    assert request.headers["x-api-key"] == API_KEY
    assert json.loads(request.content) == example["example"]


@pytest.mark.parametrize(
    ("op", "example"),
    [(op, e) for op, e in examples("responses") if e["status"] == 200],
    ids=lambda v: v.get("name", "") if "example" in v else v["path"],
)
async def test_every_answer_example_reads_whole_or_raises_what_it_says(
    rest: respx.MockRouter, client: AsyncClient, op: dict[str, Any], example: dict[str, Any]
) -> None:
    rest.route(method=op["method"], url__regex=url(op["path"])).respond(
        200, json=example["example"]
    )
    if example["example"].get("success") is False:
        with pytest.raises(RefusedError, match="Klaviyo request not authenticated"):
            await CALLS[op["path"]](client)
        return
    no_extra(await CALLS[op["path"]](client))


@pytest.mark.parametrize(
    ("op", "example"),
    [(op, e) for op, e in examples("responses") if e["status"] != 200],
    ids=lambda v: f"{v['status']} {v['name']}" if "example" in v else v["path"],
)
async def test_every_error_example_raises_its_error(
    rest: respx.MockRouter, client: AsyncClient, op: dict[str, Any], example: dict[str, Any]
) -> None:
    status, body = example["status"], example["example"]
    rest.route(method=op["method"], url__regex=url(op["path"])).respond(status, json=body)
    expected = RefusedError if status == 500 and op["path"] in REFUSALS_500 else ERRORS[status]
    with pytest.raises(expected, match=body["message"].replace("(", r"\(").replace(")", r"\)")):
        await CALLS[op["path"]](client)


async def test_a_key_whose_answer_has_no_senders_has_none(
    rest: respx.MockRouter, client: AsyncClient
) -> None:
    # The reference does not require "senders": a key without any may leave it out.
    (op,) = [op for op in OPERATIONS if op["path"] == "/apikey/me"]
    documented = op["responses"][0]["example"]["me"]
    key = {name: value for name, value in documented.items() if name != "senders"}
    rest.get("/apikey/me").respond(200, json={"success": True, "me": key})
    me = await client.api_keys.me()
    assert (me.senders, me.senders_for("sms"), me.note) == ((), frozenset(), "eshop")


async def test_the_documented_key_reads_as_typed_values(
    rest: respx.MockRouter, client: AsyncClient
) -> None:
    (op,) = [op for op in OPERATIONS if op["path"] == "/apikey/me"]
    rest.get("/apikey/me").respond(200, json=op["responses"][0]["example"])
    me = await client.api_keys.me()
    assert me == KeyInfo(
        note="eshop",
        default_callback_url="https://example.com/hook",
        account="prepaid",
        scope="full",
        shares_senders=True,
        blocked=False,
        senders=(KeySender("sms", "Mojefirma", "Mojefirma"),),
        vat_payer=True,
        currency="czk",
        time_zone="Europe/Prague",
    )
    assert (me.enabled, me.may_change_settings, me.senders_for("sms")) == (
        True,
        True,
        frozenset({"Mojefirma"}),
    )


async def test_the_documented_keys_and_token_are_masked_until_revealed(
    rest: respx.MockRouter, client: AsyncClient
) -> None:
    answers = {
        (op["path"], e["name"]): e["example"]
        for op, e in examples("responses")
        if e["status"] == 200
    }
    rest.post("/apikey/add").respond(200, json=answers["/apikey/add", "Created"])
    rest.get("/apikey/list").respond(200, json=answers["/apikey/list", "example"])
    rest.post("/partner/signup").respond(200, json=answers["/partner/signup", "example"])
    created = await REQUESTS["/apikey/add", "Child key with own billing"](client)
    listed = await client.api_keys.list()
    signup = await REQUESTS["/partner/signup", "Start signup"](client)
    assert (created.key.reveal(), created.billing_id) == (
        "aB3xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx40",
        "1234",
    )
    assert [key.reveal() for key in listed] == answers["/apikey/list", "example"]["list"]
    assert signup.token.reveal() == "eyJhbGciOi..."
    assert signup.redirect_url.reveal().endswith("configuration=eyJhbGciOi...")
    assert signup.domain == "connect.smsmanager.com"
    shown = repr((created, listed, signup)) + str(created) + f"{listed[0]}"
    assert "xxx" not in shown
    assert "eyJ" not in shown
    assert repr(created.key) == "ApiKey('***')"
    assert repr(signup.token) == "Masked('***')"


@pytest.mark.parametrize("path", sorted(CALLS))
async def test_only_reads_are_repeated_after_a_5xx(
    rest: respx.MockRouter, client: AsyncClient, path: str
) -> None:
    (op,) = [op for op in OPERATIONS if op["path"] == path]
    route = rest.route(method=op["method"], url__regex=url(path)).respond(
        502, json={"message": "x"}
    )
    with pytest.raises(ServerError):
        await CALLS[path](client)
    assert route.call_count == (3 if path in REPEATED else 1)  # NO_WAIT: two retries


@pytest.mark.parametrize("path", sorted(CALLS))
async def test_only_reads_are_repeated_after_a_lost_answer(
    rest: respx.MockRouter, client: AsyncClient, path: str
) -> None:
    (op,) = [op for op in OPERATIONS if op["path"] == path]
    lost = httpx.RemoteProtocolError("Server disconnected without sending a response")
    route = rest.route(method=op["method"], url__regex=url(path)).mock(side_effect=lost)
    with pytest.raises(SmsManagerError):
        await CALLS[path](client)
    assert route.call_count == (3 if path in REPEATED else 1)


async def test_a_connector_action_the_reference_does_not_list_is_not_repeated(
    rest: respx.MockRouter, client: AsyncClient
) -> None:
    route = rest.post(f"{REST_BASE_URL}/connect/klaviyo/subscribe").respond(502, json={})
    with pytest.raises(ServerError):
        await client.integrations.connect("klaviyo", "subscribe", app_user_id="user-123")
    assert route.call_count == 1  # it may change something: asked once


async def test_the_keys_and_token_given_back_or_sent_are_never_logged(
    rest: respx.MockRouter, client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    answers = {
        (op["path"], e["name"]): e["example"]
        for op, e in examples("responses")
        if e["status"] in (200, 403)
    }
    listed = answers["/apikey/list", "example"]
    rest.get("/apikey/list").mock(
        side_effect=[httpx.Response(503, json={}), httpx.Response(200, json=listed)]
    )
    rest.post("/apikey/add").respond(200, json=answers["/apikey/add", "Created"])
    rest.post("/partner/signup").respond(200, json=answers["/partner/signup", "example"])
    rest.post("/apikey/change").respond(403, json=answers["/apikey/change", "Not owner"])
    with caplog.at_level(logging.DEBUG):
        keys = await client.api_keys.list()  # once refused with a 503, logged and retried
        created = await CALLS["/apikey/add"](client)
        signup = await CALLS["/partner/signup"](client)
        with pytest.raises(PermissionDeniedError) as refused:
            await client.api_keys.change(keys[0], disabled=True)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "retry" in logged  # the log was on
    secrets = [*listed["list"], created.key.reveal(), signup.token.reveal()]
    shown = logged + f"{refused.value} {refused.value!r}"
    assert [secret for secret in secrets if secret in shown] == []


async def test_a_malformed_answer_carrying_keys_never_quotes_them(
    rest: respx.MockRouter, client: AsyncClient
) -> None:
    rest.get("/apikey/list").respond(200, json={"success": True, "list": ["secret-1", 5]})
    rest.post("/apikey/add").respond(
        200, json={"success": True, "apikey": "secret-2", "billing_id": [7]}
    )
    with pytest.raises(ResponseFormatError) as listed:
        await client.api_keys.list()
    with pytest.raises(ResponseFormatError) as created:
        await client.api_keys.create(shared=True)
    for error in (listed.value, created.value):
        shown = f"{error} {error!r} {error.body}"
        assert "secret" not in shown, shown
        assert "***" in shown, shown
    assert "'list'" in str(listed.value)
    assert "'billing_id'" in str(created.value)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.api_keys.create(note="x"), "billing_name"),
        (lambda c: c.api_keys.create(shared=True, scope="admin"), "scope"),
        (lambda c: c.api_keys.create(shared=True, currency="usd"), "currency"),
        (lambda c: c.api_keys.create(shared="yes"), "shared"),
        (
            lambda c: c.api_keys.update(default_callback_url="ftp://x", note=""),
            "default_callback_url",
        ),
        (lambda c: c.api_keys.update(default_callback_url="", note=None), "note"),
        (lambda c: c.api_keys.change(CHILD), "scope"),
        (lambda c: c.api_keys.change("", scope="api"), "key"),
        (lambda c: c.api_keys.change(CHILD, disabled=1), "disabled"),
        (lambda c: c.api_keys.set_default_callback_url("example.com"), "default_callback_url"),
        (lambda c: c.integrations.signup_partner(final_url="done"), "final_url"),
        (lambda c: c.integrations.signup_partner(language=""), "language"),
        (lambda c: c.integrations.register_push_device("", "t"), "device_id"),
        (lambda c: c.integrations.register_recipient(recipient_id=RECIPIENT), "phone_number"),
        (lambda c: c.integrations.register_recipient(phone_number="12"), "phone_number"),
        (lambda c: c.integrations.connect("..", "me", app_user_id="u"), "connector"),
        (lambda c: c.integrations.connect("klaviyo", "me/../x", app_user_id="u"), "action"),
        (lambda c: c.integrations.connect("klaviyo", "me", app_user_id=""), "app_user_id"),
        (lambda c: c.integrations.connect("klaviyo", "recipients", app_user_id="u"), "segment_id"),
    ],
)
async def test_bad_input_is_refused_before_any_request(
    rest: respx.MockRouter, client: AsyncClient, call: Call, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        await call(client)
    assert caught.value.field == field
    assert rest.calls.call_count == 0


def test_a_masked_value_is_equal_by_value_and_hashable() -> None:
    assert ApiKey("a") == ApiKey("a") != ApiKey("b")
    assert len({ApiKey("a"), ApiKey("a"), Masked("a")}) == 1
    assert ApiKey("a") != "a"


async def test_reconcile_reads_the_senders_through_me_or_says_why_it_cannot(
    rest: respx.MockRouter, client: AsyncClient
) -> None:
    (op,) = [op for op in OPERATIONS if op["path"] == "/apikey/me"]
    route = rest.get("/apikey/me")
    route.respond(200, json=op["responses"][0]["example"])
    assert await registered_senders(client.api_keys) == {"sms": frozenset({"Mojefirma"})}
    route.respond(401, json={"message": "Unauthorized"})
    reason = await registered_senders(client.api_keys)
    assert isinstance(reason, str)
    assert reason.startswith("the key's registered senders cannot be read (GET /apikey/me: ")
