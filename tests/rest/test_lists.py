"""The contact lists (``/optout``, ``/blacklist``) and the inbox (``/inbox``): every
request, answer and error example of the reference, the download of a list without the
key, and which operations are repeated after a lost answer."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from smsmngr import (
    AddedNumbers,
    AsyncClient,
    BadRequestError,
    DeliveryUncertainError,
    InboxMessage,
    InvalidNumbersError,
    ListEntry,
    ListNotFoundError,
    PermissionDeniedError,
    RefusedError,
    RemovedNumbers,
    ResponseFormatError,
    ServerError,
    ValidationError,
)

from ..support import API_KEY, DATA, NO_WAIT, REST_BASE_URL

pytestmark = pytest.mark.anyio

OPERATIONS = json.loads((DATA / "operations.json").read_text())
LISTS = ("/optout", "/blacklist")
STORAGE = "https://smsmngr-managed-contactlist.s3.amazonaws.com"


def operation(method: str, path: str) -> dict[str, Any]:
    (found,) = [o for o in OPERATIONS if (o["method"], o["path"]) == (method, path)]
    return found


def responses(method: str, status: int, *paths: str) -> list[tuple[str, dict[str, Any]]]:
    """``(path, example)`` of each documented answer with ``status`` of the lists (or
    of ``paths``)."""
    return [
        (path, response)
        for path in paths or LISTS
        for response in operation(method, path)["responses"]
        if response["status"] == status
    ]


def requests(method: str) -> list[tuple[str, dict[str, Any]]]:
    return [(path, r["example"]) for path in LISTS for r in operation(method, path)["requests"]]


def area(client: AsyncClient, path: str) -> Any:
    return client.optout if path == "/optout" else client.blacklist


@pytest.fixture
def rest() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


def lists_route(rest: respx.MockRouter, method: str, path: str) -> respx.Route:
    return rest.route(method=method, url=REST_BASE_URL + path)


@pytest.mark.parametrize(("path", "example"), requests("POST"), ids=str)
async def test_each_documented_addition_is_sent_as_the_reference_shows(
    rest: respx.MockRouter, client: AsyncClient, path: str, example: dict[str, Any]
) -> None:
    route = lists_route(rest, "POST", path).respond(200, json={"success": True, "accepted": 2})
    await area(client, path).add(example["to"].split("\n"), subid=example.get("subid"))
    request = route.calls.last.request
    assert json.loads(request.content) == example
    assert request.headers["x-api-key"] == API_KEY


@pytest.mark.parametrize(("path", "example"), requests("DELETE"), ids=str)
async def test_each_documented_removal_is_sent_as_the_reference_shows(
    rest: respx.MockRouter, client: AsyncClient, path: str, example: dict[str, Any]
) -> None:
    name = path.strip("/")
    route = lists_route(rest, "DELETE", path).respond(200, json={name: {"wiped": True}})
    if example.get("all"):
        await area(client, path).remove(all=True)
    else:
        await area(client, path).remove(example["to"].split("\n"))
    assert json.loads(route.calls.last.request.content) == example


@pytest.mark.parametrize(("path", "response"), responses("POST", 200), ids=str)
async def test_the_documented_addition_answer_is_read_whole(
    rest: respx.MockRouter, client: AsyncClient, path: str, response: dict[str, Any]
) -> None:
    lists_route(rest, "POST", path).respond(200, json=response["example"])
    added = await area(client, path).add(["420777123456", "776654321"])
    assert added == AddedNumbers(accepted=2, invalid=())


@pytest.mark.parametrize(("path", "response"), responses("DELETE", 200), ids=str)
async def test_the_documented_removal_answers_are_read_whole(
    rest: respx.MockRouter, client: AsyncClient, path: str, response: dict[str, Any]
) -> None:
    lists_route(rest, "DELETE", path).respond(200, json=response["example"])
    removed = await area(client, path).remove(["420777123456"])
    if response["name"] == "Wiped":
        assert removed == RemovedNumbers(wiped=True)
    else:
        assert removed == RemovedNumbers(removed=1, remaining=5, invalid=())


@pytest.mark.parametrize(("path", "response"), responses("GET", 200), ids=str)
async def test_a_list_is_downloaded_from_its_url_without_the_key(
    rest: respx.MockRouter, client: AsyncClient, path: str, response: dict[str, Any]
) -> None:
    lists_route(rest, "GET", path).respond(200, json=response["example"])
    csv = b"phone_number\r\n420777123456\r\n420777654321\r\n"
    download = rest.get(url__startswith=STORAGE).respond(200, content=csv)
    entries = await area(client, path).list(subid="default")
    assert entries == (ListEntry("420777123456"), ListEntry("420777654321"))
    request = download.calls.last.request
    assert "x-api-key" not in request.headers
    assert API_KEY not in str(request.url)
    assert API_KEY.encode() not in request.content
    assert str(request.url) == response["example"]["url"]  # the URL as the platform gave it
    assert rest.calls[0].request.url.params["subid"] == "default"


@pytest.mark.parametrize(("path", "response"), responses("GET", 404), ids=str)
async def test_a_list_with_no_numbers_stored_is_empty_not_an_error(
    rest: respx.MockRouter, client: AsyncClient, path: str, response: dict[str, Any]
) -> None:
    route = lists_route(rest, "GET", path).respond(404, json=response["example"])
    assert await area(client, path).list() == ()
    assert route.call_count == 1


@pytest.mark.parametrize(("path", "response"), responses("GET", 500), ids=str)
async def test_a_list_read_that_fails_is_asked_again_then_raised(
    rest: respx.MockRouter, client: AsyncClient, path: str, response: dict[str, Any]
) -> None:
    route = lists_route(rest, "GET", path).respond(500, json=response["example"])
    with pytest.raises(ServerError, match="Failed to generate download URL"):
        await area(client, path).list()
    assert route.call_count == 1 + NO_WAIT.max_retries


@pytest.mark.parametrize(("path", "response"), responses("POST", 400), ids=str)
async def test_documented_refused_additions_raise_and_are_sent_once(
    rest: respx.MockRouter, client: AsyncClient, path: str, response: dict[str, Any]
) -> None:
    route = lists_route(rest, "POST", path).respond(400, json=response["example"])
    with pytest.raises(BadRequestError, match=response["example"]["message"]) as caught:
        await area(client, path).add(["420777123456"])
    if response["name"] == "No valid numbers":
        assert isinstance(caught.value, InvalidNumbersError)
        assert caught.value.invalid == ("not-a-number",)
    else:
        assert not isinstance(caught.value, InvalidNumbersError)
    assert route.call_count == 1


FAILED_CHANGES = [("POST", *r) for r in responses("POST", 500)]
FAILED_CHANGES += [("DELETE", *r) for r in responses("DELETE", 500)]


@pytest.mark.parametrize(("method", "path", "response"), FAILED_CHANGES, ids=str)
async def test_a_documented_failure_to_change_a_list_is_a_definite_refusal(
    rest: respx.MockRouter, client: AsyncClient, method: str, path: str, response: dict[str, Any]
) -> None:
    route = lists_route(rest, method, path).respond(500, json=response["example"])
    change = area(client, path).add if method == "POST" else area(client, path).remove
    with pytest.raises(RefusedError) as caught:
        await change(["420777123456"])
    assert not isinstance(caught.value, ServerError)  # nothing was done: not "may have been"
    assert "may have been sent" not in str(caught.value)
    assert route.call_count == 1


@pytest.mark.parametrize(("path", "response"), responses("DELETE", 400), ids=str)
async def test_a_documented_refused_removal_is_a_bad_request(
    rest: respx.MockRouter, client: AsyncClient, path: str, response: dict[str, Any]
) -> None:
    lists_route(rest, "DELETE", path).respond(400, json=response["example"])
    with pytest.raises(BadRequestError, match="Provide 'to' or 'all: true'"):
        await area(client, path).remove(["420777123456"])


@pytest.mark.parametrize(("path", "response"), responses("DELETE", 404), ids=str)
async def test_removing_from_a_list_with_no_numbers_is_list_not_found(
    rest: respx.MockRouter, client: AsyncClient, path: str, response: dict[str, Any]
) -> None:
    lists_route(rest, "DELETE", path).respond(404, json=response["example"])
    with pytest.raises(ListNotFoundError, match="is empty: nothing to remove") as caught:
        await area(client, path).remove(all=True)
    assert caught.value.body == response["example"]


@pytest.mark.parametrize("method", ["POST", "DELETE"])
async def test_a_change_whose_answer_was_lost_is_never_sent_again(
    rest: respx.MockRouter, client: AsyncClient, method: str
) -> None:
    route = lists_route(rest, method, "/optout").mock(side_effect=httpx.ReadTimeout("lost"))
    change = client.optout.add if method == "POST" else client.optout.remove
    with pytest.raises(DeliveryUncertainError):
        await change(["420777123456"])
    assert route.call_count == 1


async def test_a_list_read_whose_answer_was_lost_is_asked_again(
    rest: respx.MockRouter, client: AsyncClient
) -> None:
    route = lists_route(rest, "GET", "/blacklist").mock(
        side_effect=[httpx.ReadTimeout("lost"), httpx.Response(404, json={"success": True})]
    )
    assert await client.blacklist.list() == ()
    assert route.call_count == 2


async def test_an_expired_download_url_is_replaced_once(
    rest: respx.MockRouter, client: AsyncClient
) -> None:
    urls = [f"{STORAGE}/list-{n}.csv?X-Amz-Signature=s{n}" for n in (1, 2)]
    rest.get(REST_BASE_URL + "/optout").mock(
        side_effect=[httpx.Response(200, json={"success": True, "url": url}) for url in urls]
    )
    rest.get(urls[0]).respond(403, text="<Error><Code>AccessDenied</Code></Error>")
    rest.get(urls[1]).respond(200, content=b"420777123456\n")
    assert [e.phone_number for e in await client.optout.list()] == ["420777123456"]


async def test_a_download_refused_twice_is_raised(
    rest: respx.MockRouter, client: AsyncClient
) -> None:
    url = f"{STORAGE}/list.csv?X-Amz-Signature=s"
    route = lists_route(rest, "GET", "/optout").respond(200, json={"success": True, "url": url})
    rest.get(url).respond(403, text="<Error><Code>AccessDenied</Code></Error>")
    with pytest.raises(PermissionDeniedError):
        await client.optout.list()
    assert route.call_count == 2


async def test_a_download_url_in_plain_http_is_not_followed(
    rest: respx.MockRouter, client: AsyncClient
) -> None:
    answer = {"success": True, "url": "http://storage.example/list.csv"}
    lists_route(rest, "GET", "/optout").respond(200, json=answer)
    with pytest.raises(ResponseFormatError, match="expected an https URL"):
        await client.optout.list()
    assert rest.calls.call_count == 1


async def test_numbers_are_checked_and_normalized_before_any_call(
    rest: respx.MockRouter, client: AsyncClient
) -> None:
    route = lists_route(rest, "POST", "/optout").respond(200, json={"accepted": 1})
    with pytest.raises(ValidationError, match=r"numbers\[1\]"):
        await client.optout.add(["420777123456", "777 123 456 ext 12"])
    with pytest.raises(ValidationError, match="not one string"):
        await client.optout.add("420777123456")
    with pytest.raises(ValidationError, match="at least one"):
        await client.blacklist.add([])
    with pytest.raises(ValidationError, match="not both"):
        await client.blacklist.remove(["420777123456"], all=True)
    with pytest.raises(ValidationError, match="all=True"):
        await client.blacklist.remove()
    with pytest.raises(ValidationError, match="subid"):
        await client.optout.list(subid="")
    assert rest.calls.call_count == 0
    await client.optout.add(["+420 777 123 456"])
    assert json.loads(route.calls.last.request.content) == {"to": "420777123456"}


def test_a_list_file_with_a_header_keeps_its_other_columns() -> None:
    from smsmngr.lists import read_list_csv

    content = "\ufeffCreated,Phone\n2026-07-30,420777123456\n\n".encode()
    assert read_list_csv(content) == (ListEntry("420777123456", {"Created": "2026-07-30"}),)
    assert read_list_csv(b"") == ()


async def test_a_list_file_that_is_not_numbers_is_a_format_error(
    rest: respx.MockRouter, client: AsyncClient
) -> None:
    url = f"{STORAGE}/list.csv"
    lists_route(rest, "GET", "/optout").respond(200, json={"success": True, "url": url})
    rest.get(url).respond(200, content=b"420777123456\nsomeone\n")
    with pytest.raises(ResponseFormatError, match="line 2: 'someone' is not a phone number"):
        await client.optout.list()


# -- the inbox ------------------------------------------------------------------------


def inbox_response(status: int) -> dict[str, Any]:
    (found,) = [r for r in operation("GET", "/inbox")["responses"] if r["status"] == status]
    return dict(found["example"])


@pytest.mark.parametrize(("path", "response"), responses("GET", 200, "/inbox"), ids=str)
async def test_the_documented_inbox_is_read_whole(
    rest: respx.MockRouter, client: AsyncClient, path: str, response: dict[str, Any]
) -> None:
    route = lists_route(rest, "GET", path).respond(200, json=response["example"])
    (message,) = await client.inbox.list(dt.date(2026, 7, 30))
    assert message == InboxMessage(
        sender="420777123456",
        recipient="Mojefirma",
        body="STOP",
        gateway="sms",
        ts_received=dt.datetime(2026, 7, 30, 11, 22, 33, tzinfo=dt.timezone.utc),
        payload=None,
    )
    assert message.extra == {}
    assert route.calls.last.request.url.params["date"] == "2026-07-30"


@pytest.mark.parametrize("sender", ["", None])
async def test_a_message_without_its_sender_does_not_sink_the_day(
    rest: respx.MockRouter, client: AsyncClient, sender: str | None
) -> None:
    # The reference requires no field of an inbox item: one without `from` is read
    # with no sender, and the rest of the day with it.
    odd = {"ts_received": "2026-07-30T12:00:00Z", "body": "Hi", "from": sender}
    answer = inbox_response(200)
    lists_route(rest, "GET", "/inbox").respond(
        200, json={**answer, "inbox": [*answer["inbox"], odd]}
    )
    documented, without = await client.inbox.list("2026-07-30")
    assert documented.sender == "420777123456"
    assert (without.sender, without.body) == (None, "Hi")


@pytest.mark.parametrize(("path", "response"), responses("GET", 400, "/inbox"), ids=str)
async def test_the_documented_inbox_refusal_is_a_bad_request(
    rest: respx.MockRouter, client: AsyncClient, path: str, response: dict[str, Any]
) -> None:
    route = lists_route(rest, "GET", path).respond(400, json=response["example"])
    with pytest.raises(BadRequestError, match="Missing 'date'"):
        await client.inbox.list("2026-07-30")
    assert route.call_count == 1


async def test_the_inbox_is_a_read_asked_again_after_a_lost_answer(
    rest: respx.MockRouter, client: AsyncClient
) -> None:
    route = lists_route(rest, "GET", "/inbox").mock(
        side_effect=[httpx.ReadTimeout("lost"), httpx.Response(200, json=inbox_response(200))]
    )
    assert len(await client.inbox.list("2026-07-30")) == 1
    assert route.call_count == 2
    with pytest.raises(ValidationError, match="date"):
        await client.inbox.list("30.7.2026")
