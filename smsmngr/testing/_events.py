"""Webhook bodies exactly as the API documents them, built from the fake's ledger."""

from __future__ import annotations

from typing import Any

from ._ledger import SentRecipient

DEFAULT_SENDER = "SmsManager"
"""The account's registered SMS sender, used for a message that names none."""

__all__ = ["RESULT_INFO", "inbound_event", "reply_event", "status_event"]

# guides/webhooks.mdx's codes: [302] and [303] are rejection codes (the OpenAPI's
# result_info), never a failed or undelivered message's.
RESULT_INFO = {
    "sent": "Sent",
    "sending": "Sending",
    "delivered": "[0] Delivered",
    "undelivered": "[1] Undelivered",
    "failed": "[3] Failed",
    "rejected": "[307] Insufficient credit",
    "seen": "Seen",
}
# The per-channel statistics object is named after the channel, but for WhatsApp text.
_STATS_KEY = {
    "sms": "sms",
    "viber": "viber",
    "whatsapp_text": "whatsapp_body",
    "whatsapp_template": "whatsapp_template",
}


def channel_of(message: dict[str, Any]) -> str:
    """The channel of the message's first flow step; plain messages go by SMS."""
    flow = message.get("flow")
    return next(iter(flow[0])) if flow else "sms"


def _first_step(message: dict[str, Any]) -> dict[str, Any]:
    flow = message.get("flow")
    return dict(next(iter(flow[0].values()))) if flow else {}


def _parts(text: str) -> int:
    single, multi = (160, 153) if text.isascii() else (70, 67)
    return 1 if len(text) <= single else -(-len(text) // multi)


def status_event(
    sent: SentRecipient, result: str, *, timestamp: int, info: str | None = None
) -> dict[str, Any]:
    """A delivery-status (outgoing) event for one recipient; ``info`` is its
    ``result_info`` when not the usual one for ``result``."""
    message = dict(sent.message)
    channel = channel_of(message)
    step = _first_step(message)
    event: dict[str, Any] = {
        "request_id": sent.request_id,
        "message_id": sent.message_id,
        "gateway": channel,
        "timestamp": timestamp,
        **_payload(message),
        "type": "outgoing",
        "to": {"phone_number": sent.phone_number},
        "result": result,
        "result_info": info if info is not None else RESULT_INFO.get(result, ""),
    }
    stats_key = _STATS_KEY.get(channel)
    if stats_key is not None and result != "rejected":
        text = step.get("body") or message.get("body") or ""
        stats: dict[str, Any] = {
            "sender": step.get("sender") or message.get("sender") or DEFAULT_SENDER,
            "country": 230,  # MCC and MNC are integers in the OpenAPI
            "operator": 1,
            "price_czk": 0.9,
            "price_eur": 0.036,
            "count": _parts(text),
        }
        if channel == "sms":  # only the sms object has a gateway in the OpenAPI
            stats["gateway"] = step.get("gateway", "high")
        event[stats_key] = stats
    return event


def _payload(message: dict[str, Any]) -> dict[str, Any]:
    """``payload`` as the message gave it; none when it gave none."""
    return {"payload": message["payload"]} if "payload" in message else {}


def reply_event(sent: SentRecipient, body: str, *, timestamp: int) -> dict[str, Any]:
    """A reply from the recipient to a message they were sent."""
    message = dict(sent.message)
    channel = channel_of(message)
    return {
        "request_id": sent.request_id,
        "message_id": sent.message_id,
        **_payload(message),
        "gateway": "whatsapp" if channel.startswith("whatsapp") else channel,
        "timestamp": timestamp,
        "type": "incoming",
        "sender": sent.phone_number,
        "recipient": _first_step(message).get("sender") or message.get("sender") or DEFAULT_SENDER,
        "body": body,
    }


def inbound_event(
    sender: str, recipient: str, body: str, *, gateway: str, timestamp: int
) -> dict[str, Any]:
    """A message sent to one of the account's numbers, not as a reply."""
    return {
        "gateway": gateway,
        "timestamp": timestamp,
        "type": "incoming",
        "sender": sender,
        "recipient": recipient,
        "body": body,
    }
