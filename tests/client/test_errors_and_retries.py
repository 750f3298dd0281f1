"""Errors map to the hierarchy; only what certainly never reached the API is retried."""

from __future__ import annotations

import datetime as dt
import email.utils
import logging

import httpx
import pytest
import respx

from smsmngr import (
    APIError,
    AsyncClient,
    AuthenticationError,
    BadRequestError,
    DeliveryUncertainError,
    InvalidApiKeyError,
    Message,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseFormatError,
    RetryPolicy,
    ServerError,
    SmsManagerError,
    TransportError,
)
from smsmngr._retry import parse_retry_after
from smsmngr.testing import FakeSmsManager

from ..support import BASE_URL, accepted

pytestmark = pytest.mark.anyio

MESSAGE = Message("Hi", to=["420777123456"])


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, APIError),
    ],
)
async def test_client_errors_map_to_their_class_and_are_not_retried(
    api: respx.MockRouter, client: AsyncClient, status: int, error_type: type[APIError]
) -> None:
    route = api.post("/message").respond(
        status, json={"request_id": "r-9", "error": "invalid field body"}
    )
    with pytest.raises(error_type) as caught:
        await client.send(MESSAGE)
    error = caught.value
    assert type(error) is error_type
    assert error.status_code == status
    assert error.request_id == "r-9"
    assert error.body == {"request_id": "r-9", "error": "invalid field body"}
    assert "invalid field body" in str(error)
    assert not isinstance(error, DeliveryUncertainError)
    assert route.call_count == 1


async def test_a_wrong_key_says_the_api_key_was_refused_on_every_api() -> None:
    # The sending API answers 400 {"Message": "User is not authorized ..."}, REST 401
    # {"message": "Unauthorized"}, Verify 401 INVALID_API_KEY (as the fake does).
    fake = FakeSmsManager(api_key="right")
    async with fake.async_client(api_key="wrong") as client:
        with pytest.raises(AuthenticationError) as sending:
            await client.send(MESSAGE)
        with pytest.raises(AuthenticationError) as rest:
            await client.account.get_credit()
        with pytest.raises(InvalidApiKeyError) as verify:
            await client.verify.start("+420777123456")
    assert str(sending.value).startswith("POST /message: the API key was refused (400 Bad Request)")
    assert "User is not authorized to access this resource with an explicit deny" in str(
        sending.value
    )
    assert str(rest.value).startswith("GET /credit: the API key was refused (401 Unauthorized)")
    assert "Invalid or disabled API key" in str(verify.value)
    assert "the API key was refused (401 Unauthorized)" in str(verify.value)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_errors_are_uncertain_and_never_retried(
    api: respx.MockRouter, client: AsyncClient, status: int
) -> None:
    route = api.post("/message").respond(status, text="upstream trouble")
    with pytest.raises(ServerError) as caught:
        await client.send(MESSAGE)
    assert isinstance(caught.value, DeliveryUncertainError)
    assert caught.value.status_code == status
    assert caught.value.body == "upstream trouble"
    assert route.call_count == 1


@pytest.mark.parametrize(
    "lost",
    [
        httpx.ReadTimeout("read timed out"),
        httpx.RemoteProtocolError("server disconnected without sending a response"),
        httpx.ReadError("connection reset by peer"),
        httpx.WriteTimeout("write timed out"),
    ],
)
async def test_a_request_whose_answer_was_lost_is_uncertain_and_never_retried(
    api: respx.MockRouter, client: AsyncClient, lost: Exception
) -> None:
    route = api.post("/message").mock(side_effect=lost)
    with pytest.raises(DeliveryUncertainError, match="may have been sent") as caught:
        await client.send(MESSAGE)
    assert not isinstance(caught.value, APIError)
    assert route.call_count == 1


@pytest.mark.parametrize(
    "not_sent",
    [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"), httpx.PoolTimeout("busy")],
)
async def test_a_request_that_never_left_is_retried(
    api: respx.MockRouter, client: AsyncClient, not_sent: Exception
) -> None:
    route = api.post("/message").mock(
        side_effect=[not_sent, not_sent, httpx.Response(200, json=accepted("m"))]
    )
    result = await client.send(MESSAGE)
    assert result.recipient_message_ids() == ["m"]
    assert route.call_count == 3


async def test_retries_that_run_out_raise_transport_error(
    api: respx.MockRouter, client: AsyncClient
) -> None:
    route = api.post("/message").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(TransportError, match="after 3 attempts") as caught:
        await client.send(MESSAGE)
    assert not isinstance(caught.value, DeliveryUncertainError)
    assert route.call_count == 3  # the first try and max_retries=2


@pytest.mark.parametrize(
    "unreachable",
    [
        httpx.ConnectError("[Errno -2] Name or service not known"),
        httpx.ConnectTimeout("timed out"),
    ],
)
async def test_an_error_that_could_not_reach_a_host_names_the_host_not_the_url(
    api: respx.MockRouter, client: AsyncClient, unreachable: Exception
) -> None:
    api.get("/simple/message").mock(side_effect=unreachable)
    with pytest.raises(TransportError) as caught:
        await client.send_simple("420777123456", "Hi", sender="Shop", method="GET")
    assert f"could not reach {httpx.URL(BASE_URL).host} after 3 attempts" in str(caught.value)
    assert "?" not in str(caught.value)


async def test_max_retries_zero_tries_once(api: respx.MockRouter) -> None:
    route = api.post("/message").mock(side_effect=httpx.ConnectError("refused"))
    async with AsyncClient(api_key="k", retry=RetryPolicy(max_retries=0)) as client:
        with pytest.raises(TransportError):
            await client.send(MESSAGE)
    assert route.call_count == 1


async def test_429_waits_as_long_as_retry_after_says_then_retries(
    api: respx.MockRouter, client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    route = api.post("/message").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "0.05"}),
            httpx.Response(200, json=accepted("m")),
        ]
    )
    with caplog.at_level(logging.WARNING, logger="smsmngr"):
        await client.send(MESSAGE)
    assert route.call_count == 2
    assert "retry 1 in 0.05s" in caplog.text


async def test_429_that_keeps_coming_raises_rate_limit_error(
    api: respx.MockRouter, client: AsyncClient
) -> None:
    route = api.post("/message").respond(429, headers={"Retry-After": "0"}, json={"error": "slow"})
    with pytest.raises(RateLimitError) as caught:
        await client.send(MESSAGE)
    assert caught.value.retry_after == 0
    assert route.call_count == 3


async def test_a_retry_after_longer_than_the_cap_is_raised_at_once(
    api: respx.MockRouter,
) -> None:
    route = api.post("/message").respond(429, headers={"Retry-After": "3600"})
    async with AsyncClient(api_key="k", retry=RetryPolicy(max_retry_after=60)) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.send(MESSAGE)
    assert caught.value.retry_after == 3600
    assert route.call_count == 1


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = dt.datetime(2026, 1, 1, 12, 0, 0, tzinfo=dt.timezone.utc)
    later = email.utils.format_datetime(now + dt.timedelta(seconds=30), usegmt=True)
    assert parse_retry_after("7", now=now) == 7.0
    assert parse_retry_after(later, now=now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now=now) == 0.0  # in the past
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("-5") == 0.0


def test_backoff_is_full_jitter_under_the_exponential_cap() -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_max=4.0)
    for attempt, bound in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (8, 4.0)]:
        waits = [policy.backoff(attempt) for _ in range(200)]
        assert all(0 <= wait <= bound for wait in waits)
        assert max(waits) > bound / 2  # spread over the range, not a constant


async def test_a_success_body_that_is_not_json_is_an_uncertain_format_error(
    api: respx.MockRouter, client: AsyncClient
) -> None:
    api.post("/message").respond(200, text="<html>gateway</html>")
    with pytest.raises(ResponseFormatError, match="not JSON") as caught:
        await client.send(MESSAGE)
    assert isinstance(caught.value, DeliveryUncertainError)


async def test_a_success_body_of_the_wrong_shape_is_a_format_error(
    api: respx.MockRouter, client: AsyncClient
) -> None:
    api.post("/message").respond(200, json={"accepted": "everything"})
    with pytest.raises(ResponseFormatError, match="request_id"):
        await client.send(MESSAGE)


def test_every_error_is_catchable_as_sms_manager_error() -> None:
    for error_type in (
        BadRequestError,
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        RateLimitError,
        ServerError,
        ResponseFormatError,
    ):
        assert issubclass(error_type, APIError)
        assert issubclass(error_type, SmsManagerError)
    assert issubclass(TransportError, SmsManagerError)
    assert issubclass(DeliveryUncertainError, SmsManagerError)
