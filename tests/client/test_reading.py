"""Answers of every API and webhooks are read one way: the same errors, naming the
field, with the answer's status, headers and request id; money as ``Decimal``."""

from __future__ import annotations

import decimal
from collections.abc import AsyncIterator

import pytest
import respx

from smsmngr import AsyncClient, ResponseFormatError
from smsmngr._reading import Unreadable, amount, epoch_timestamp, read_object, text
from smsmngr.webhooks import DeliveryReport, from_json, parse, to_json

from ..support import API_KEY, NO_WAIT

pytestmark = pytest.mark.anyio

REST = "https://rest.example.test/v1"
VERIFY = "https://verify.example.test"
REQUEST_ID = {"x-request-id": "req-42"}


@pytest.fixture
async def client() -> AsyncIterator[AsyncClient]:
    async with AsyncClient(
        api_key=API_KEY, retry=NO_WAIT, rest_base_url=REST, verify_base_url=VERIFY
    ) as async_client:
        yield async_client


async def test_a_rest_answer_not_as_documented_keeps_its_status_headers_and_request_id(
    client: AsyncClient,
) -> None:
    with respx.mock(base_url=REST) as api:
        api.get("/credit").respond(203, json={"credit": {"credit_czk": "lots"}}, headers=REQUEST_ID)
        with pytest.raises(ResponseFormatError, match="'credit_czk' must be an amount") as caught:
            await client.account.get_credit()
    assert (caught.value.status_code, caught.value.request_id) == (203, "req-42")
    assert caught.value.headers["x-request-id"] == "req-42"


async def test_a_verify_answer_not_as_documented_keeps_its_status_headers_and_request_id(
    client: AsyncClient,
) -> None:
    with respx.mock(base_url=VERIFY) as api:
        api.post("/v1/validations").respond(201, json={"token": "t"}, headers=REQUEST_ID)
        with pytest.raises(ResponseFormatError, match="'status' must be a non-empty") as caught:
            await client.verify.start("+420777123456")
    assert (caught.value.status_code, caught.value.request_id) == (201, "req-42")
    assert caught.value.headers["x-request-id"] == "req-42"


def test_a_webhook_item_and_an_answer_name_a_bad_field_in_the_same_words() -> None:
    (invalid,) = parse([{"type": "outgoing", "message_id": "m", "result": "sent", "gateway": 5}])
    with pytest.raises(Unreadable) as caught:
        read_object(dict, {"gateway": 5}, {"gateway": text})
    assert invalid.reason == str(caught.value) == "'gateway' must be a string, got 5"  # type: ignore[union-attr]


def test_webhook_prices_are_exact_decimals_and_stay_exact_in_the_json_form() -> None:
    item = {"message_id": "m", "result": "delivered", "sms": {"price_czk": "0.1234567890123"}}
    (report,) = parse([item])
    assert isinstance(report, DeliveryReport)
    assert report.stats is not None
    assert report.stats.price_czk == decimal.Decimal("0.1234567890123")
    data = to_json(report)
    assert data["stats"]["price_czk"] == "0.1234567890123"
    assert from_json(data) == report


def test_amounts_and_epoch_seconds_are_read_from_numbers_or_their_text() -> None:
    assert amount(0.9) == amount("0.9") == decimal.Decimal("0.9")
    assert epoch_timestamp("1700000000") == epoch_timestamp(1700000000)
    with pytest.raises(Unreadable, match="seconds since 1970"):
        epoch_timestamp("yesterday")
    with pytest.raises(Unreadable, match="an amount"):
        amount("NaN")
