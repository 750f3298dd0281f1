"""Constants and builders shared by the tests."""

from __future__ import annotations

from smsmngr import RetryPolicy

BASE_URL = "https://api.smsmngr.com/v2"
API_KEY = "test-key-7f3a9c"
NO_WAIT = RetryPolicy(max_retries=2, backoff_base=0, backoff_max=0)


def accepted(*message_ids: str, request_id: str = "req-1") -> dict[str, object]:
    """A documented success body accepting keys 0.. with the given ids."""
    return {
        "request_id": request_id,
        "accepted": [{"key": str(i), "message_id": m} for i, m in enumerate(message_ids)],
        "rejected": [],
    }
