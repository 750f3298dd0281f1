"""Receive SmsManager webhooks in a Starlette (or FastAPI) app.

    SMSMANAGER_WEBHOOK_TOKEN=... uvicorn examples.starlette_receiver:app

Set each message's callback to https://your.host/smsmngr/webhook?token=...
"""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.routing import Route

from smsmngr.webhooks import DeliveryReport, DeliveryTracker, Event, asgi_receiver

tracker = DeliveryTracker()


async def handle(events: list[Event]) -> None:
    for event in events:
        if isinstance(event, DeliveryReport) and tracker.add(event) and event.is_failure:
            print(f"{event.message_id}: {event.result} {event.result_info}")


# A Route, not a Mount: a Mount would answer the callback URL, which has no trailing
# slash, with a redirect (carrying the token in its Location).
app = Starlette(
    routes=[
        Route(
            "/smsmngr/webhook",
            asgi_receiver(handle, token=os.environ.get("SMSMANAGER_WEBHOOK_TOKEN", "change-me")),
        )
    ]
)
