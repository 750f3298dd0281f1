"""Add everyone who replies STOP to the account's opt-out list (a Starlette app).

    SMSMANAGER_API_KEY=... SMSMANAGER_WEBHOOK_TOKEN=... uvicorn examples.optout_receiver:app

Set the account's webhook (or each message's callback) to
https://your.host/smsmngr/webhook?token=... Replies and inbound messages whose whole
text is STOP, STOP ALL, UNSUBSCRIBE, CANCEL, END or QUIT (any case and spacing) put
their sender on the opt-out list, which the platform applies to every promotional
message. If adding fails, the receiver answers 500 and the platform delivers the
events again: adding a number twice changes nothing.
"""

from __future__ import annotations

import logging
import os

from starlette.applications import Starlette
from starlette.routing import Route

from smsmngr import AsyncClient, ValidationError, normalize_phone_number
from smsmngr.webhooks import Event, asgi_receiver, opt_out_numbers

logger = logging.getLogger("optout_receiver")


def opt_out_app(client: AsyncClient, *, token: str) -> Starlette:
    """The receiver: an app whose ``/smsmngr/webhook`` adds opt-outs through ``client``."""

    async def handle(events: list[Event]) -> None:
        numbers = []
        for number in opt_out_numbers(events):
            try:
                numbers.append(normalize_phone_number(number))
            except ValidationError:
                logger.warning("an opt-out from a sender that is not a phone number: skipped")
        if numbers:
            added = await client.optout.add(numbers)
            logger.info("%d numbers opted out", added.accepted)

    return Starlette(routes=[Route("/smsmngr/webhook", asgi_receiver(handle, token=token))])


app = opt_out_app(AsyncClient(), token=os.environ.get("SMSMANAGER_WEBHOOK_TOKEN", "change-me"))
