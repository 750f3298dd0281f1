"""Recognizing an opt-out reply: the default keywords, any case and spacing, one's own
keywords, and only inbound messages."""

from __future__ import annotations

import pytest

from smsmngr import InboxMessage, ValidationError
from smsmngr.webhooks import (
    DEFAULT_OPT_OUT_KEYWORDS,
    DeliveryReport,
    IncomingMessage,
    IncomingReply,
    is_opt_out,
    opt_out_number,
    opt_out_numbers,
    parse,
)


@pytest.mark.parametrize(
    "text",
    [
        "STOP",
        "stop",
        " Stop ",
        "STOP ALL",
        "stop  all",
        "StopAll",
        "unsubscribe",
        "Cancel",
        "END",
        "quit",
        "STOP!",
        "\tstop.\n",
    ],
)
def test_each_default_keyword_in_any_case_and_spacing_is_an_opt_out(text: str) -> None:
    assert is_opt_out(text)


@pytest.mark.parametrize("text", ["Don't stop", "stop the car", "STOPS", "", None, "ending"])
def test_a_text_that_only_holds_a_keyword_is_not_an_opt_out(text: str | None) -> None:
    assert not is_opt_out(text)


def test_the_defaults_are_the_usual_keywords() -> None:
    assert DEFAULT_OPT_OUT_KEYWORDS == ("STOP", "STOP ALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT")


def test_ones_own_keywords_replace_the_defaults() -> None:
    assert is_opt_out("konec", keywords=["KONEC", "ODHLASIT"])
    assert not is_opt_out("STOP", keywords=["KONEC"])


def test_bad_keywords_are_named() -> None:
    with pytest.raises(ValidationError, match=r"keywords\[1\]"):
        is_opt_out("stop", keywords=["STOP", "  "])
    with pytest.raises(ValidationError, match="not one string"):
        is_opt_out("stop", keywords="STOP")


def test_replies_inbound_and_inbox_messages_name_their_sender() -> None:
    reply = IncomingReply(message_id="m-1", sender="420777000001", body="STOP")
    inbound = IncomingMessage(sender="420777000002", body="quit")
    inbox = InboxMessage(sender="420777000003", body="End")
    chat = IncomingMessage(sender="420777000004", body="When does it open?")
    report = DeliveryReport(message_id="m-1", result="delivered")
    assert [opt_out_number(e) for e in (reply, inbound, inbox, chat, report)] == [
        "420777000001",
        "420777000002",
        "420777000003",
        None,
        None,
    ]


def test_the_numbers_of_a_webhook_are_given_once_in_order() -> None:
    events = parse(
        b'[{"type": "incoming", "sender": "420777000002", "body": "STOP"},'
        b' {"type": "incoming", "message_id": "m", "sender": "420777000001", "body": "stop"},'
        b' {"type": "incoming", "sender": "420777000002", "body": "STOP ALL"},'
        b' {"type": "outgoing", "message_id": "m", "result": "delivered"}]'
    )
    assert opt_out_numbers(events) == ["420777000002", "420777000001"]
