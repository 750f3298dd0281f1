"""Receive SmsManager webhooks in a Flask app, next to its own routes.

    SMSMANAGER_WEBHOOK_TOKEN=... flask --app examples.flask_receiver run

Set each message's callback to https://your.host/smsmngr/webhook?token=...
"""

from __future__ import annotations

import os

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from smsmngr.webhooks import Event, IncomingMessage, IncomingReply, wsgi_receiver

replies: list[IncomingReply | IncomingMessage] = []


def handle(events: list[Event]) -> None:
    replies.extend(e for e in events if isinstance(e, (IncomingReply, IncomingMessage)))


app = Flask(__name__)


@app.get("/")
def index() -> str:
    return f"{len(replies)} replies so far"


app.wsgi_app = DispatcherMiddleware(  # type: ignore[method-assign]
    app.wsgi_app,
    {
        "/smsmngr/webhook": wsgi_receiver(
            handle, token=os.environ.get("SMSMANAGER_WEBHOOK_TOKEN", "change-me")
        )
    },
)
