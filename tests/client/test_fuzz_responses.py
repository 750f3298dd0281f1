"""Whatever JSON the server answers, the client raises only APIError subclasses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smsmngr import APIError, Client, Message

from ..support import API_KEY, NO_WAIT

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["request_id", "accepted", "rejected", "key", "message_id", "error", "x"]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=25,
)

answers: list[tuple[int, bytes]] = []


def handler(request: httpx.Request) -> httpx.Response:
    status, body = answers[-1]
    return httpx.Response(status, content=body, headers={"content-type": "application/json"})


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    transport = httpx.MockTransport(handler)
    http_client = httpx.AsyncClient(transport=transport)
    with Client(api_key=API_KEY, retry=NO_WAIT, http_client=http_client) as blocking:
        yield blocking


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([200, 201, 400, 401, 403, 404, 409, 500, 503]),
    json_values | st.binary(max_size=40).map(lambda b: b.hex()),
    st.sampled_from(["send", "send_batch", "send_simple"]),
)
def test_any_answer_gives_a_result_or_an_api_error(
    client: Client, status: int, body: Any, call: str
) -> None:
    answers.append((status, json.dumps(body).encode()))
    message = Message("Hi", to=["420777123456"])
    try:
        if call == "send":
            client.send(message)
        elif call == "send_batch":
            client.send_batch([message, message])
        else:
            client.send_simple("420777123456", "Hi", sender="Shop")
    except APIError as error:  # either outcome is allowed; nothing else is
        assert error.status_code == status  # noqa: PT017
    else:
        assert 200 <= status < 300
