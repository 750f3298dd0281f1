"""An answer's odd text never stops the journal."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from smsmngr import AsyncClient, Message

from ..support import API_KEY, NO_WAIT, numbers

pytestmark = pytest.mark.anyio


async def test_an_answer_whose_text_no_database_takes_is_journaled(tmp_path: Path) -> None:
    # A rejected message's reason with a lone surrogate (JSON may carry one) and a NUL:
    # the journal keeps it with those replaced, and the campaign ends as usual.
    def answer(request: httpx.Request) -> httpx.Response:
        content = b'{"request_id": "r1", "accepted": [], "rejected": [{"key": "0", ' \
                  b'"reason": "bad \\udc80 \\u0000 number"}]}'  # fmt: skip
        return httpx.Response(200, content=content, headers={"content-type": "application/json"})

    http_client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    async with AsyncClient(api_key=API_KEY, retry=NO_WAIT, http_client=http_client) as client:
        result = await client.send_bulk(
            Message("Hi", to=numbers(3)), journal=tmp_path / "j.db", not_accepted_retries=0
        )
    assert result.rejected == 3
    with closing(sqlite3.connect(tmp_path / "j.db")) as db:
        errors = {row[0] for row in db.execute("SELECT error FROM recipients")}
    assert errors
    assert all("listed in rejected: bad ? \ufffd number" in error for error in errors)
