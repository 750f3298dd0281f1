"""The WhatsApp Business API: every request, answer and error example of
openapi/waba_rest/waba_restapi_v1.yaml is a test, and whether each operation is
repeated after a lost answer or a 5xx."""

from __future__ import annotations

import copy
import json
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
import httpx
import pytest
import respx

from smsmngr import (
    AsyncClient,
    AuthenticationError,
    BadRequestError,
    DeliveryUncertainError,
    PhoneNumberCheck,
    RefusedError,
    ServerError,
    WhatsAppError,
)

from ..support import API_KEY, DATA, NO_WAIT, REST_BASE_URL

pytestmark = pytest.mark.anyio

OPERATIONS = [o for o in json.loads((DATA / "operations.json").read_text()) if o["api"] == "waba"]
WABA = "1234567890"
Call = Callable[[AsyncClient], Awaitable[Any]]


async def _all(iterator: Any) -> list[Any]:
    return [item async for item in iterator]


def sdk_call(path: str, wire: dict[str, Any]) -> Call:
    """The SDK call that sends ``wire``, the body of a request example of ``path``."""
    w = copy.deepcopy(wire)
    waba = w.pop("waba_id", None)
    template = w.pop("template", {})
    if path == "/whatsapp/signup":
        names = {
            "partner_callback_url": "callback_url",
            "partner_finish_url": "finish_url",
            "partner_client_id": "client_id",
            "wa_name": "business_name",
            "wa_email": "business_email",
            "wa_website": "business_website",
            "phone_number": "number_mode",
        }
        return lambda c: c.whatsapp.signup(**{names.get(k, k): v for k, v in w.items()})
    if path == "/whatsapp/registration":
        token, code = w.pop("token"), w.pop("code")
        return lambda c: c.whatsapp.register(token, waba, code, **w)
    if path == "/whatsapp/phone_numbers/verify":
        return lambda c: c.whatsapp.verify_phone_number(w["phone_number"], w["code"])
    if path == "/whatsapp/phone_numbers/check":
        return lambda c: c.whatsapp.check_phone_number(w["phone_number"])
    if path == "/whatsapp/phone_numbers/list":
        return lambda c: c.whatsapp.list_phone_numbers(waba, **w)
    if path == "/whatsapp/accounts/list":
        return lambda c: c.whatsapp.list_accounts(**w, **({"waba_id": waba} if waba else {}))
    if path == "/whatsapp/templates/list":
        return lambda c: _all(c.whatsapp.iter_templates(waba, **w))
    if path == "/whatsapp/templates/create":
        name = template.pop("name")
        return lambda c: c.whatsapp.create_template(waba, name, **template, **w)
    if path == "/whatsapp/templates/library/create":
        name = template.pop("name")
        named = {
            k.replace("library_template_button_inputs", "button_inputs").replace(
                "library_template_body_inputs", "body_inputs"
            ): v
            for k, v in template.items()
        }
        return lambda c: c.whatsapp.create_template_from_library(waba, name, **named, **w)
    if path == "/whatsapp/templates/edit":
        template_id = w.pop("template_id")
        return lambda c: c.whatsapp.edit_template(waba, template_id, **template, **w)
    if path == "/whatsapp/templates/delete":
        return lambda c: c.whatsapp.delete_template(waba, w.pop("template_name"), **w)
    if path == "/whatsapp/templates/test":
        return lambda c: c.whatsapp.send_test_template(waba, **template, **w)
    if path == "/whatsapp/analytics/messages":
        return lambda c: c.whatsapp.get_message_analytics(waba, **w)
    if path == "/whatsapp/analytics/conversations":
        names = {
            "conversation_categories": "categories",
            "conversation_types": "types",
            "conversation_directions": "directions",
        }
        return lambda c: c.whatsapp.get_conversation_analytics(
            waba, **{names.get(k, k): v for k, v in w.items()}
        )
    if path == "/whatsapp/analytics/templates":
        template_ids = w.pop("template_ids")
        return lambda c: c.whatsapp.get_template_analytics(waba, template_ids, **w)
    assert path == "/whatsapp/analytics/templates/enable"
    return lambda c: c.whatsapp.enable_template_analytics(waba, **w)


def first_request(operation: dict[str, Any]) -> Call:
    return sdk_call(operation["path"], operation["requests"][0]["example"])


REQUESTS = [
    pytest.param(o["path"], r["example"], id=f"{o['path']}: {r['name']}")
    for o in OPERATIONS
    for r in o["requests"]
]
ANSWERS = [
    pytest.param(o, r, id=f"{o['path']}: {r['status']} {r['name']} {i}")
    for o in OPERATIONS
    for i, r in enumerate(o["responses"])
]
READS = {
    "/whatsapp/phone_numbers/check",
    "/whatsapp/phone_numbers/list",
    "/whatsapp/accounts/list",
    "/whatsapp/templates/list",
    "/whatsapp/analytics/messages",
    "/whatsapp/analytics/conversations",
    "/whatsapp/analytics/templates",
}


@pytest.fixture
def rest() -> Any:
    with respx.mock(base_url=REST_BASE_URL, assert_all_called=False) as router:
        yield router


def test_every_operation_of_the_reference_is_here() -> None:
    assert len(OPERATIONS) == 16
    assert all(o["requests"] for o in OPERATIONS)


@pytest.mark.parametrize(("path", "wire"), REQUESTS)
async def test_every_request_example_is_what_the_sdk_sends(
    rest: respx.MockRouter, client: AsyncClient, path: str, wire: dict[str, Any]
) -> None:
    (operation,) = [o for o in OPERATIONS if o["path"] == path]
    answer = next(r["example"] for r in operation["responses"] if r["example"].get("success"))
    route = rest.post(path).respond(200, json=answer)
    await sdk_call(path, wire)(client)
    request = route.calls.last.request
    assert request.headers["x-api-key"] == API_KEY
    assert json.loads(request.content) == wire


def _whole(value: Any) -> None:
    """Nothing of a documented answer is left unread in any ``extra``."""
    if isinstance(value, (list, tuple)):
        for item in value:
            _whole(item)
    elif attrs.has(type(value)):
        assert value.extra == {}, value
        for field in attrs.fields(type(value)):
            _whole(getattr(value, field.name))


@pytest.mark.parametrize(("operation", "response"), ANSWERS)
async def test_every_answer_example_reads_whole_or_raises_its_error(
    rest: respx.MockRouter,
    client: AsyncClient,
    operation: dict[str, Any],
    response: dict[str, Any],
) -> None:
    path, status, body = operation["path"], response["status"], response["example"]
    rest.post(path).respond(status, json=body)
    call = first_request(operation)
    if status == 200 and body.get("success"):
        _whole(await call(client))
    elif status == 200 and path == "/whatsapp/accounts/list":
        assert await call(client) == ()  # "No whatsapp accounts found": none, not an error
    elif status == 200 and path == "/whatsapp/phone_numbers/check":
        assert await call(client) == PhoneNumberCheck(False, reason=body["message"])
    elif status == 200:
        with pytest.raises(WhatsAppError) as raised:
            await call(client)
        assert raised.value.reason == body["message"]
    elif status == 500:
        with pytest.raises(RefusedError):  # "Failed to whatsapp registration": nothing began
            await call(client)
    else:
        auth = "xapikey" in body["message"]
        with pytest.raises(AuthenticationError if auth else BadRequestError) as raised:
            await call(client)
        assert not (auth and isinstance(raised.value, BadRequestError))
        assert raised.value.status_code == status


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o["path"])
async def test_reads_are_repeated_after_a_5xx_and_changes_never(
    rest: respx.MockRouter, operation: dict[str, Any]
) -> None:
    route = rest.post(operation["path"]).respond(503, json={"message": "busy"})
    async with AsyncClient(api_key=API_KEY, retry=NO_WAIT) as client:
        with pytest.raises(ServerError):
            await first_request(operation)(client)
    repeat = operation["path"] in READS
    assert route.call_count == (1 + NO_WAIT.max_retries if repeat else 1)


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o["path"])
async def test_a_lost_answer_is_asked_again_for_reads_only(operation: dict[str, Any]) -> None:
    calls = []

    def lost(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ReadTimeout("lost", request=request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(lost))
    async with AsyncClient(api_key=API_KEY, retry=NO_WAIT, http_client=http) as client:
        with pytest.raises(DeliveryUncertainError):
            await first_request(operation)(client)
    repeat = operation["path"] in READS
    assert len(calls) == (1 + NO_WAIT.max_retries if repeat else 1)
