"""The REST API v1 reads (message status, statistics, credit): every request, answer
and error example of these endpoints in the OpenAPI, and the rules of a read."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from typing import Any

import httpx
import pytest
import respx

from smsmngr import (
    AsyncClient,
    BadRequestError,
    Client,
    ConfigurationError,
    Message,
    ResponseFormatError,
    ServerError,
    ValidationError,
)
from smsmngr.testing import FakeSmsManager

from ..support import API_KEY, DATA, NO_WAIT, REST_BASE_URL

pytestmark = pytest.mark.anyio

REST = REST_BASE_URL
EXAMPLES = json.loads((DATA / "rest_examples.json").read_text())
DAY = dt.date(2026, 7, 30)


def examples(status: int) -> list[dict[str, Any]]:
    return [e for e in EXAMPLES if e["status"] == status]


async def call(client: AsyncClient, path: str) -> Any:
    """The client method for ``path``, with the documented parameters' examples."""
    if path == "/message":
        return await client.status.get_message_status("e27ff0ac-87b5-4e1d-b644-5fc6029e2a11")
    if path == "/messages":
        return [row async for row in client.status.iter_messages(DAY, tag="newsletter")]
    if path == "/request":
        return await client.status.get_request_stats("bc36f3d1-d284-463a-921b-a3560c154649", DAY)
    if path == "/requests":
        return await client.status.get_daily_stats([dt.date(2026, 7, 29), DAY])
    if path == "/credit":
        return await client.account.get_credit()
    assert path == "/credit/prices"
    return await client.account.get_prices()


@pytest.fixture
def rest() -> Any:
    with respx.mock(base_url=REST, assert_all_called=False) as router:
        yield router


@pytest.mark.parametrize("example", examples(200), ids=lambda e: e["path"])
async def test_every_documented_answer_is_read_whole(
    rest: respx.MockRouter, client: AsyncClient, example: dict[str, Any]
) -> None:
    route = rest.get(example["path"]).respond(200, json=example["example"])
    result = await call(client, example["path"])
    request = route.calls.last.request
    assert request.headers["x-api-key"] == API_KEY
    # Every required parameter the reference documents is sent, under its name.
    for parameter in example["parameters"]:
        if parameter["required"]:
            assert parameter["name"] in request.url.params
    # Every documented field is read into a typed attribute: none is left in extra.
    results = result if isinstance(result, list) else [result]
    assert results
    for item in results:
        assert getattr(item, "extra", {}) == {}


async def test_the_documented_status_reads_as_sent_and_delivered(
    rest: respx.MockRouter, client: AsyncClient
) -> None:
    (example,) = [e for e in examples(200) if e["path"] == "/message"]
    rest.get("/message").respond(200, json=example["example"])
    status = await client.status.get_message_status("e27ff0ac-87b5-4e1d-b644-5fc6029e2a11")
    assert status is not None
    assert (status.is_sent, status.is_delivered, status.tag, status.price) == (
        True,
        True,
        "newsletter",
        decimal.Decimal("1.2"),
    )
    assert status.ts_delivered == dt.datetime(2026, 7, 30, 10, 0, 4, tzinfo=dt.timezone.utc)
    assert status.to == {"phone_number": "420777123456"}


async def test_documented_rows_stats_credit_and_prices_are_typed(
    rest: respx.MockRouter, client: AsyncClient
) -> None:
    for example in examples(200):
        rest.get(example["path"]).respond(200, json=example["example"])
    (row,) = await call(client, "/messages")
    assert (row.phone_number, row.delivered, row.price_czk) == (
        "420777123456",
        1,
        decimal.Decimal("1.2"),
    )
    stats = await call(client, "/request")
    assert (stats.count_delivered, stats.price_czk) == (120, decimal.Decimal("150.5"))
    (day,) = await call(client, "/requests")
    assert (day.date, day.tags, day.msg_mccmnc["23002"]) == (DAY, ("newsletter", "promo"), 80)
    credit = await call(client, "/credit")
    assert (credit.balance, credit.vat, credit.price_levels) == (
        decimal.Decimal("150.5"),
        True,
        {"sms_230": 2},
    )
    prices = await call(client, "/credit/prices")
    price = prices.price_for("420777123456")
    assert price is not None
    assert price.operators["1"].price_eur == decimal.Decimal("0.04")
    assert prices.price_for("420777123456", channel="viber").price_czk == decimal.Decimal("0.39")


async def test_request_stats_the_endpoint_does_not_return_are_none_not_zero(
    rest: respx.MockRouter, client: AsyncClient
) -> None:
    # GET /request documents no count_seen or count_clicked (GET /requests does).
    (example,) = [e for e in examples(200) if e["path"] == "/request"]
    assert "count_seen" not in example["example"]["request"]
    rest.get("/request").respond(200, json=example["example"])
    stats = await call(client, "/request")
    assert (stats.count_seen, stats.count_clicked) == (None, None)
    assert stats.count_delivered == 120
    answer = {"success": True, "request": {**example["example"]["request"], "count_seen": "4"}}
    rest.get("/request").respond(200, json=answer)
    assert (await call(client, "/request")).count_seen == 4  # read when it is there
    answer = {"success": True, "request": {**example["example"]["request"], "count_seen": ""}}
    rest.get("/request").respond(200, json=answer)
    assert (await call(client, "/request")).count_seen is None  # blank: unknown, not zero


@pytest.mark.parametrize("example", examples(400), ids=lambda e: e["path"])
async def test_documented_refusals_are_bad_requests_and_not_repeated(
    rest: respx.MockRouter, client: AsyncClient, example: dict[str, Any]
) -> None:
    route = rest.get(example["path"]).respond(400, json=example["example"])
    with pytest.raises(BadRequestError, match=example["example"]["message"]) as caught:
        await call(client, example["path"])
    assert caught.value.body == example["example"]
    assert route.call_count == 1


@pytest.mark.parametrize("example", examples(500), ids=lambda e: e["path"])
async def test_documented_server_errors_are_retried_as_reads_then_raised(
    rest: respx.MockRouter, client: AsyncClient, example: dict[str, Any]
) -> None:
    body = example["example"] or {"message": "Internal error"}
    route = rest.get(example["path"]).respond(500, json=body)
    with pytest.raises(ServerError):
        await call(client, example["path"])
    assert route.call_count == 1 + NO_WAIT.max_retries  # a read: safe to repeat


async def test_a_read_whose_answer_was_lost_is_asked_again(
    rest: respx.MockRouter, client: AsyncClient
) -> None:
    route = rest.get("/credit").mock(
        side_effect=[httpx.ReadTimeout("slow"), httpx.Response(503), _credit_answer()]
    )
    credit = await client.account.get_credit()
    assert credit.balance == decimal.Decimal("150.5")
    assert route.call_count == 3


async def test_pages_are_followed_by_cursor(rest: respx.MockRouter, client: AsyncClient) -> None:
    (example,) = [e for e in examples(200) if e["path"] == "/messages"]
    first_row = example["example"]["messages"][0]
    second_row = {**first_row, "message_id": "m-2", "phone_number": "420777000002"}
    route = rest.get("/messages").mock(
        side_effect=[
            httpx.Response(
                200, json={"success": True, "messages": [first_row], "next_cursor": "c1"}
            ),
            httpx.Response(
                200, json={"success": True, "messages": [second_row], "next_cursor": None}
            ),
        ]
    )
    listing = client.status.iter_messages("2026-07-30", phone_number="+420 777 000 002")
    rows = [row async for row in listing]
    assert [row.message_id for row in rows] == [first_row["message_id"], "m-2"]
    assert "cursor" not in route.calls[0].request.url.params
    assert route.calls[1].request.url.params["cursor"] == "c1"
    assert route.calls[0].request.url.params["phone_number"] == "420777000002"


async def test_a_cursor_that_comes_back_is_refused(
    rest: respx.MockRouter, client: AsyncClient
) -> None:
    page = {"success": True, "messages": [], "next_cursor": "again"}
    rest.get("/messages").respond(200, json=page)
    with pytest.raises(ResponseFormatError, match="came back again"):
        [row async for row in client.status.iter_messages(DAY)]


async def test_an_unknown_message_is_none(rest: respx.MockRouter, client: AsyncClient) -> None:
    rest.get("/message").respond(200, json={"success": True, "message": None})
    assert await client.status.get_message_status("nope") is None


async def test_an_answer_not_as_documented_is_a_format_error(
    rest: respx.MockRouter, client: AsyncClient
) -> None:
    rest.get("/credit").respond(200, json={"success": True, "credit": {"credit_czk": "lots"}})
    with pytest.raises(ResponseFormatError, match="credit_czk"):
        await client.account.get_credit()


async def test_a_day_without_its_date_is_a_format_error(
    rest: respx.MockRouter, client: AsyncClient
) -> None:
    # The REST API sends "" for a value it does not have; a day's date is required.
    day = {"date": "", "tags": [], "stats": {}}
    rest.get("/requests").respond(200, json={"success": True, "requests": [day]})
    with pytest.raises(ResponseFormatError, match="date"):
        await client.status.get_daily_stats([DAY])


async def test_bad_arguments_are_refused_before_any_call(
    rest: respx.MockRouter, client: AsyncClient
) -> None:
    with pytest.raises(ValidationError, match="date"):
        await client.status.get_request_stats("r", "30.7.2026")
    with pytest.raises(ValidationError, match="not a datetime"):
        await client.status.get_daily_stats([dt.datetime(2026, 7, 30, tzinfo=dt.timezone.utc)])
    with pytest.raises(ValidationError, match="message_id"):
        await client.status.get_message_status("")
    assert rest.calls.call_count == 0


async def test_each_status_read_the_reference_gives_a_subid_sends_it(
    rest: respx.MockRouter, client: AsyncClient
) -> None:
    empty = {"success": True, "messages": [], "requests": [], "request": None}
    route = rest.get(path__regex=r"/(requests?|messages)$").respond(200, json=empty)
    [row async for row in client.status.iter_messages(DAY, subid="shop-2")]
    await client.status.get_request_stats("r", DAY, subid="shop-2")
    await client.status.get_daily_stats([DAY], subid="shop-2")
    await client.status.get_daily_stats([DAY])
    sent = [dict(call.request.url.params) for call in route.calls]
    assert [params.get("subid") for params in sent] == ["shop-2", "shop-2", "shop-2", None]
    with pytest.raises(ValidationError, match="subid"):
        await client.status.get_daily_stats([DAY], subid="")
    assert route.call_count == 4


async def test_the_fake_finds_nothing_sent_for_another_sub_account() -> None:
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        sent = await client.send(Message("Hi", to=["420777123456"]))
        today = dt.datetime.now(dt.timezone.utc).date()
        own = [row async for row in client.status.iter_messages(today)]
        other = [row async for row in client.status.iter_messages(today, subid="shop-2")]
        assert (len(own), other) == (1, [])
        assert await client.status.get_request_stats(sent.request_id, today, subid="default")
        assert await client.status.get_request_stats(sent.request_id, today, subid="x") is None
        assert await client.status.get_daily_stats([today], subid="shop-2") == ()


def test_the_rest_base_url_is_an_option_with_the_plain_http_rule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with respx.mock(base_url="https://rest.example/v1") as router:
        router.get("/credit").respond(200, json=_credit_answer().json())
        with Client(api_key=API_KEY, rest_base_url="https://rest.example/v1") as client:
            assert client.account.get_credit().currency == "czk"
    monkeypatch.setenv("SMSMANAGER_REST_BASE_URL", "http://rest.example/v1")
    with pytest.raises(ConfigurationError, match="rest_base_url must use https"):
        AsyncClient(api_key=API_KEY)


def _credit_answer() -> httpx.Response:
    (example,) = [e for e in examples(200) if e["path"] == "/credit"]
    return httpx.Response(200, json=example["example"])


def test_the_rest_areas_are_objects_on_the_clients_key_and_rest_base_url() -> None:
    url = "https://rest.example/v1"
    with Client(api_key=API_KEY, rest_base_url=url) as client:
        shown = [repr(client.status), repr(client.account)]
        shown += [repr(client._runner.client.status), repr(client._runner.client.account)]
    assert shown == [
        f"<Status base_url='{url}'>",
        f"<Account base_url='{url}'>",
        f"<AsyncStatus base_url='{url}'>",
        f"<AsyncAccount base_url='{url}'>",
    ]
