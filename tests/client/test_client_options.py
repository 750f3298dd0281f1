"""Client options: default and per-copy headers, the User-Agent, with_options(), the
retry hook, the answer's headers, and SMSMANAGER_LOG."""

from __future__ import annotations

import gc
import json
import os
import platform
import subprocess
import sys
from typing import Any

import httpx
import pytest
import respx

from smsmngr import (
    KEEP,
    AsyncClient,
    Client,
    ConfigurationError,
    Message,
    RetryEvent,
    RetryPolicy,
    ServerError,
    TransportError,
    ValidationError,
    __version__,
)
from smsmngr.testing import FakeSmsManager

from ..support import API_KEY, NO_WAIT, REST_BASE_URL, VERIFY_BASE_URL, accepted

pytestmark = pytest.mark.anyio

MESSAGE = Message("Hi", to=["420777123456"])


async def test_default_headers_go_with_every_request(api: respx.MockRouter) -> None:
    route = api.post("/message").respond(200, json=accepted("m"))
    async with AsyncClient(api_key=API_KEY, default_headers={"X-Tenant": "shop-7"}) as client:
        await client.send(MESSAGE)
        await client.send(MESSAGE)
    assert [call.request.headers["x-tenant"] for call in route.calls] == ["shop-7", "shop-7"]
    assert route.calls.last.request.headers["x-api-key"] == API_KEY


@pytest.mark.parametrize("name", ["X-Api-Key", "content-type", "Host"])
def test_headers_the_sdk_sets_itself_are_refused(name: str) -> None:
    with pytest.raises(ValidationError, match="is set by the SDK itself") as caught:
        AsyncClient(api_key=API_KEY, default_headers={name: "x"})
    assert caught.value.field == f"headers[{name!r}]"


def test_header_values_must_be_strings() -> None:
    with pytest.raises(ValidationError, match="must be strings"):
        AsyncClient(api_key=API_KEY, default_headers={"x-count": 3})  # type: ignore[dict-item]


@pytest.mark.parametrize(
    ("name", "value", "rule"),
    [
        ("X-Note", "caf\u00e9", "U\\+00E9 at position 4"),
        ("X-Caf\u00e9", "x", "a header name is one token"),
        ("X-Note", "a\r\nX-Evil: 1", "U\\+000D at position 2"),
        ("X-Note", "a\nb", "U\\+000A at position 2"),
        ("X-Note", "a\x00b", "U\\+0000 at position 2"),
        ("x-api-key ", "other", "a header name is one token"),
        ("X Note", "x", "a header name is one token"),
    ],
)
async def test_a_header_no_stack_can_send_is_refused_at_construction(
    api: respx.MockRouter, name: str, value: str, rule: str
) -> None:
    route = api.post("/message").respond(200, json=accepted("m"))
    with pytest.raises(ConfigurationError, match=rule) as caught:
        AsyncClient(api_key=API_KEY, default_headers={name: value})
    assert f"headers[{name!r}]" in str(caught.value)
    async with AsyncClient(api_key=API_KEY) as client:
        with pytest.raises(ConfigurationError, match=rule):
            client.with_options(headers={name: value})
        await client.send(MESSAGE)
    assert route.call_count == 1


def test_a_refused_header_value_is_not_quoted() -> None:
    with pytest.raises(ConfigurationError) as caught:
        AsyncClient(api_key=API_KEY, default_headers={"X-Token": "s3cret\n"})
    assert "s3cret" not in str(caught.value)


async def test_a_bulk_call_the_stack_refuses_before_sending_is_failed_not_unknown() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("nothing may be sent")

    # A caller's client whose default query cannot be encoded: refused while the
    # request is built, before anything leaves.
    http_client = httpx.AsyncClient(
        transport=httpx.MockTransport(handler), params={"tag": "\ud800"}
    )
    async with AsyncClient(api_key=API_KEY, http_client=http_client, retry=NO_WAIT) as client:
        result = await client.send_bulk(Message("Hi", to=["420777123456", "420777123457"]))
    await http_client.aclose()
    assert {outcome.status.value for outcome in result.outcomes} == {"failed"}
    assert all("not sent, refused locally" in (o.error or "") for o in result.outcomes)


async def test_user_agent_names_python_platform_httpx_and_the_app(api: respx.MockRouter) -> None:
    route = api.post("/message").respond(200, json=accepted("m"))
    async with AsyncClient(api_key=API_KEY, app_info="checkout/2.1") as client:
        await client.send(MESSAGE)
    agent = route.calls.last.request.headers["user-agent"]
    assert agent == (
        f"smsmngr/{__version__} (Python {platform.python_version()}; {platform.system()} "
        f"{platform.machine()}) httpx/{httpx.__version__} checkout/2.1"
    )


@pytest.mark.parametrize("app_info", ["", "shop\r\nX-Evil: 1", "café/1"])
def test_app_info_must_be_a_printable_token(app_info: str) -> None:
    with pytest.raises(ValidationError) as caught:
        AsyncClient(api_key=API_KEY, app_info=app_info)
    assert caught.value.field == "app_info"


async def test_with_options_changes_only_what_it_is_given(api: respx.MockRouter) -> None:
    route = api.post("/message").respond(200, json=accepted("m"))
    async with AsyncClient(
        api_key=API_KEY, timeout=30, default_headers={"x-tenant": "shop"}
    ) as client:
        quick = client.with_options(timeout=2.5, headers={"x-trace": "t-1"})
        untimed = client.with_options(timeout=None)
        await quick.send(MESSAGE)
        await untimed.send(MESSAGE)
        await client.send(MESSAGE)
    quick_request, untimed_request, original_request = (c.request for c in route.calls)
    assert quick_request.extensions["timeout"] == httpx.Timeout(2.5).as_dict()
    assert untimed_request.extensions["timeout"] == httpx.Timeout(None).as_dict()
    assert original_request.extensions["timeout"] == httpx.Timeout(30).as_dict()
    assert (quick_request.headers["x-tenant"], quick_request.headers["x-trace"]) == ("shop", "t-1")
    assert "x-trace" not in original_request.headers  # the original is unchanged
    assert "x-trace" not in untimed_request.headers


async def test_with_options_retry_policy_applies_to_the_copy_only(api: respx.MockRouter) -> None:
    route = api.post("/message").respond(429, headers={"retry-after": "0"})
    async with AsyncClient(api_key=API_KEY, retry=NO_WAIT) as client:
        with pytest.raises(Exception, match="429"):
            await client.with_options(retry=RetryPolicy(max_retries=0)).send(MESSAGE)
        assert route.call_count == 1
        with pytest.raises(Exception, match="429"):
            await client.send(MESSAGE)
        assert route.call_count == 1 + 1 + NO_WAIT.max_retries


async def test_a_copy_shares_the_connections_and_needs_no_closing() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("x-copy", "original"))
        return httpx.Response(200, json=accepted("m"))

    http_client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    client = AsyncClient(api_key=API_KEY, http_client=http_client)
    copy = client.with_options(headers={"x-copy": "yes"})
    async with copy:
        await copy.send(MESSAGE)
    await client.send(MESSAGE)  # closing the copy left the connections open
    await http_client.aclose()
    with pytest.raises(ConfigurationError, match="nothing was sent"):
        await copy.send(MESSAGE)
    assert seen == ["yes", "original"]


async def test_a_closed_client_refuses_to_send_before_anything_leaves(
    api: respx.MockRouter,
) -> None:
    route = api.post("/message").respond(200, json=accepted("m"))
    client = AsyncClient(api_key=API_KEY)
    await client.aclose()
    with pytest.raises(ConfigurationError, match="connections are closed"):
        await client.send(MESSAGE)
    assert route.call_count == 0


def test_with_options_refuses_what_is_not_an_option() -> None:
    client = AsyncClient(api_key=API_KEY)
    with pytest.raises(ValidationError, match="RetryPolicy"):
        client.with_options(retry=3)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="timeout"):
        client.with_options(timeout="fast")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="callable"):
        client.with_options(on_retry="print")  # type: ignore[arg-type]


async def test_keep_is_the_one_way_to_keep_an_option(api: respx.MockRouter) -> None:
    route = api.post("/message").respond(429, headers={"retry-after": "0"})
    seen: list[RetryEvent] = []
    async with AsyncClient(
        api_key=API_KEY, timeout=30, retry=NO_WAIT, on_retry=seen.append
    ) as client:
        kept = client.with_options(timeout=KEEP, retry=KEEP, headers=KEEP, on_retry=KEEP)
        with pytest.raises(Exception, match="429"):
            await kept.send(MESSAGE)
    assert route.call_count == 1 + NO_WAIT.max_retries
    assert len(seen) == NO_WAIT.max_retries
    assert route.calls.last.request.extensions["timeout"] == httpx.Timeout(30).as_dict()
    assert repr(KEEP) == "KEEP"


@pytest.mark.parametrize("option", ["retry", "headers"])
def test_with_options_refuses_none_where_it_would_mean_keep(option: str) -> None:
    with Client(api_key=API_KEY) as blocking:
        for client in (AsyncClient(api_key=API_KEY), blocking):
            with pytest.raises(ValidationError, match="KEEP") as caught:
                client.with_options(**{option: None})
            assert caught.value.field == option


def test_blocking_copies_share_the_loop_thread_and_keep_the_original_open(
    api: respx.MockRouter,
) -> None:
    route = api.post("/message").respond(200, json=accepted("m"))
    original = Client(api_key=API_KEY)
    copy = original.with_options(headers={"x-copy": "yes"})
    assert isinstance(copy, Client)
    copy.send(MESSAGE)
    copy.close()  # leaves the shared connections open
    original.send(MESSAGE)
    del original
    gc.collect()  # the copy keeps its original, whose connections it uses, alive
    copy.send(MESSAGE)
    assert [c.request.headers.get("x-copy") for c in route.calls] == ["yes", None, "yes"]


async def test_on_retry_sees_each_retry_with_its_reason_and_delay(
    api: respx.MockRouter,
) -> None:
    route = api.post("/messages").mock(
        side_effect=[
            httpx.ConnectError("refused"),
            httpx.Response(429, headers={"retry-after": "0.01"}),
            httpx.Response(200, json=accepted("m")),
        ]
    )
    events: list[RetryEvent] = []
    retry = RetryPolicy(max_retries=3, backoff_base=0, backoff_max=0)
    async with AsyncClient(api_key=API_KEY, retry=retry, on_retry=events.append) as client:
        await client.send_batch([MESSAGE])
    assert route.call_count == 3
    assert [(e.method, e.path, e.attempt, e.status_code) for e in events] == [
        ("POST", "/messages", 2, None),
        ("POST", "/messages", 3, 429),
    ]
    assert events[0].reason.startswith("ConnectError")
    assert events[0].delay == 0
    assert (events[1].reason, events[1].delay) == ("429 Too Many Requests", 0.01)


async def test_on_retry_that_raises_ends_the_request_as_not_sent(api: respx.MockRouter) -> None:
    route = api.post("/message").mock(side_effect=httpx.ConnectError("refused"))

    def fail(event: RetryEvent) -> None:
        raise LookupError("metrics backend down")

    async with AsyncClient(api_key=API_KEY, retry=NO_WAIT, on_retry=fail) as client:
        with pytest.raises(TransportError, match="on_retry raised LookupError") as caught:
            await client.send(MESSAGE)
    assert isinstance(caught.value.__cause__, LookupError)
    assert route.call_count == 1


async def test_results_and_errors_carry_the_answer_headers(
    api: respx.MockRouter, client: AsyncClient
) -> None:
    api.post("/message").respond(200, json=accepted("m"), headers={"X-Request-Id": "hdr-1"})
    result = await client.send(MESSAGE)
    assert result.headers["x-request-id"] == "hdr-1"
    assert result.request_id == "req-1"  # the body's id comes first
    api.post("/simple/message").respond(
        200, json={"request_id": "r", "accepted": True, "message_id": "m"}, headers={"A": "b"}
    )
    simple = await client.send_simple("420777123456", "Hi", sender="Shop")
    assert simple.headers["a"] == "b"
    api.post("/messages").respond(503, text="busy", headers={"x-amzn-RequestId": "gw-7"})
    with pytest.raises(ServerError) as caught:
        await client.send_batch([MESSAGE])
    assert caught.value.request_id == "gw-7"  # no body id: the header's
    assert caught.value.headers["X-AMZN-REQUESTID"] == "gw-7"


def _python_with_log(setting: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import json, logging, smsmngr; "
        "print(json.dumps([logging.getLogger(n).level for n in ('smsmngr', 'httpx')]))"
    )
    environment = {**os.environ, "SMSMANAGER_LOG": setting}
    return subprocess.run(
        [sys.executable, "-W", "default", "-c", code],
        capture_output=True,
        text=True,
        env=environment,
        check=True,
    )


@pytest.mark.slow
@pytest.mark.parametrize(("setting", "level"), [("debug", 10), ("INFO", 20), ("", 0)])
def test_smsmanager_log_sets_the_level_of_the_sdk_and_httpx(setting: str, level: int) -> None:
    assert json.loads(_python_with_log(setting).stdout) == [level, level]


@pytest.mark.slow
def test_an_unknown_smsmanager_log_is_said_not_ignored() -> None:
    finished = _python_with_log("verbose")
    assert json.loads(finished.stdout) == [0, 0]
    assert "SMSMANAGER_LOG='verbose' is not a log level" in finished.stderr


# -- where each API is: api_host, and no API left on production by accident ---------------

MOCK = "http://127.0.0.1:8000"


def _recording_options(fake: FakeSmsManager, seen: list[str]) -> dict[str, Any]:
    """Options for a client on ``fake`` that notes in ``seen`` each URL it calls."""

    async def record(request: httpx.Request) -> None:
        seen.append(str(request.url.copy_with(query=None)))

    http = httpx.AsyncClient(transport=fake.transport, event_hooks={"request": [record]})
    return {"api_key": fake.api_key, "http_client": http, "retry": NO_WAIT}


def _recording_client(fake: FakeSmsManager, seen: list[str], **options: Any) -> AsyncClient:
    return AsyncClient(**_recording_options(fake, seen), **options)


async def _call_every_api(client: AsyncClient) -> None:
    async with client:
        await client.send(MESSAGE)
        await client.account.get_credit()
        await client.verify.start("420777123456")


async def test_api_host_points_every_api_at_one_host() -> None:
    seen: list[str] = []
    await _call_every_api(_recording_client(FakeSmsManager(), seen, api_host=MOCK))
    assert seen == [f"{MOCK}/v2/message", f"{MOCK}/v1/credit", f"{MOCK}/v1/validations"]


async def test_smsmanager_api_host_points_every_api_at_one_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SMSMANAGER_API_HOST", MOCK + "/")
    seen: list[str] = []
    await _call_every_api(_recording_client(FakeSmsManager(), seen))
    assert seen == [f"{MOCK}/v2/message", f"{MOCK}/v1/credit", f"{MOCK}/v1/validations"]


async def test_an_apis_own_argument_then_its_variable_come_before_api_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SMSMANAGER_REST_BASE_URL", "http://127.0.0.2:9000/v1")
    monkeypatch.setenv("SMSMANAGER_VERIFY_BASE_URL", "http://127.0.0.3:9000")
    seen: list[str] = []
    client = _recording_client(
        FakeSmsManager(), seen, api_host=MOCK, verify_base_url="http://127.0.0.4:9000"
    )
    await _call_every_api(client)
    assert seen == [
        f"{MOCK}/v2/message",
        "http://127.0.0.2:9000/v1/credit",
        "http://127.0.0.4:9000/v1/validations",
    ]


@pytest.mark.parametrize(
    ("api_host", "says"),
    [
        ("http://127.0.0.1:8000/v2", "api_host must be a scheme and a host"),
        ("http://example.com", "api_host must use https"),
        ("ftp://example.com", "api_host must be an https URL"),
    ],
)
def test_an_api_host_that_is_not_a_bare_host_is_refused(api_host: str, says: str) -> None:
    with pytest.raises(ConfigurationError, match=says):
        AsyncClient(api_key=API_KEY, api_host=api_host)


async def test_an_api_left_on_production_while_sending_elsewhere_is_refused_at_its_call() -> None:
    fake, seen = FakeSmsManager(), []
    async with _recording_client(fake, seen, base_url=f"{MOCK}/v2") as client:
        await client.send(MESSAGE)  # sending alone, as against a mock host, keeps working
        with pytest.raises(ConfigurationError) as rest:
            await client.account.get_credit()
        with pytest.raises(ConfigurationError) as verify:
            await client.verify.start("420777123456")
    assert seen == [f"{MOCK}/v2/message"]  # the key went nowhere else
    for caught, option in ((rest, "REST_BASE_URL"), (verify, "VERIFY_BASE_URL")):
        text = str(caught.value)
        for name in (option.lower(), f"SMSMANAGER_{option}", "api_host", "SMSMANAGER_API_HOST"):
            assert name in text
        assert f"{MOCK}/v2" in text


async def test_a_production_url_given_explicitly_is_used_with_another_sending_host() -> None:
    seen: list[str] = []
    client = _recording_client(
        FakeSmsManager(),
        seen,
        base_url=f"{MOCK}/v2",
        rest_base_url=REST_BASE_URL,
        verify_base_url=VERIFY_BASE_URL,
    )
    await _call_every_api(client)
    assert seen[1:] == [
        f"{REST_BASE_URL}/credit",
        f"{VERIFY_BASE_URL}/v1/validations",
    ]


def test_the_blocking_client_takes_api_host_too() -> None:
    fake, seen = FakeSmsManager(), []
    with Client(**_recording_options(fake, seen), api_host=MOCK) as client:
        client.account.get_credit()
    assert seen == [f"{MOCK}/v1/credit"]
