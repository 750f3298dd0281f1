"""Webhook bodies exactly as the API documents them, built from the fake's ledger."""

from __future__ import annotations

from typing import Any

from ._ledger import SentRecipient

__all__ = ["RESULT_INFO", "inbound_event", "reply_event", "status_event"]

RESULT_INFO = {
    "sent": "Sent",
    "sending": "Sending",
    "delivered": "[0] Delivered",
    "undelivered": "[303] Number not allowed",
    "failed": "[302] Invalid number format",
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
        "payload": message.get("payload", {}),
        "type": "outgoing",
        "to": {"phone_number": sent.phone_number},
        "result": result,
        "result_info": info if info is not None else RESULT_INFO.get(result, ""),
    }
    stats_key = _STATS_KEY.get(channel)
    if stats_key is not None and result != "rejected":
        text = step.get("body") or message.get("body") or ""
        event[stats_key] = {
            "sender": step.get("sender") or message.get("sender") or "smsmngr",
            "country": 230,  # MCC and MNC are integers in the OpenAPI
            "operator": 1,
            "price_czk": 0.9,
            "price_eur": 0.036,
            "count": _parts(text),
            "gateway": step.get("gateway", "high") if channel == "sms" else channel,
        }
    return event


def reply_event(sent: SentRecipient, body: str, *, timestamp: int) -> dict[str, Any]:
    """A reply from the recipient to a message they were sent."""
    message = dict(sent.message)
    channel = channel_of(message)
    return {
        "request_id": sent.request_id,
        "message_id": sent.message_id,
        "payload": message.get("payload", {}),
        "gateway": "whatsapp" if channel.startswith("whatsapp") else channel,
        "timestamp": timestamp,
        "type": "incoming",
        "sender": sent.phone_number,
        "recipient": _first_step(message).get("sender") or message.get("sender") or "smsmngr",
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
