"""The fake WhatsApp Business API's state: the WABAs connected to the key, with their
numbers and templates, from the start one WABA with one number and two templates."""

from __future__ import annotations

import copy
import itertools
import time
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["DEFAULT_PHONE_NUMBER_ID", "DEFAULT_WABA_ID", "WhatsAppState", "phone_number"]

DEFAULT_WABA_ID = "1234567890"
"""The WABA connected to the fake's key from the start (the reference's example)."""
DEFAULT_PHONE_NUMBER_ID = "109876543210987"
DEFAULT_TEMPLATES = (
    {
        "name": "order_update",
        "language": "cs",
        "status": "APPROVED",
        "category": "UTILITY",
        "id": "9876543210",
        "components": [{"type": "BODY", "text": "Ahoj {{1}}, objednávka {{2}} byla odeslána."}],
    },
    {
        "name": "welcome",
        "language": "en_US",
        "status": "APPROVED",
        "category": "MARKETING",
        "id": "9876543211",
        "components": [
            {"type": "BODY", "text": "Welcome, {{1}}!", "example": {"body_text": [["Ann"]]}},
            {"type": "FOOTER", "text": "Reply STOP to opt out"},
        ],
    },
)
POOL = ("420226633284", "420226633285", "420226633286")
"""Pre-provisioned numbers: each exists, none verified until a code is forwarded."""


def phone_number(phone_number: str, phone_number_id: str, name: str) -> dict[str, Any]:
    formatted = f"+{phone_number[:3]} {phone_number[3:6]} {phone_number[6:9]} {phone_number[9:]}"
    return {
        "name": name,
        "phone_number_id": phone_number_id,
        "phone_number": phone_number,
        "phone_number_formated": formatted.strip(),
        "phone_number_status": "CONNECTED",
        "phone_number_quality": "GREEN",
    }


class WhatsAppState:
    """The WABAs connected to the key, their numbers and templates, the signup tokens
    handed out, the pool's numbers and the WABAs with template insights enabled."""

    def __init__(self) -> None:
        self.accounts: dict[str, dict[str, Any]] = {
            DEFAULT_WABA_ID: {
                "client_id": "client-42",
                "whatsapp_name": "Acme Store",
                "whatsapp_id": DEFAULT_WABA_ID,
                "whatsapp_currency": "CZK",
                "whatsapp_owner_name": "Acme s.r.o.",
                "whatsapp_owner_id": "9988776655",
                "country": "cz",
            }
        }
        self.numbers: dict[str, list[dict[str, Any]]] = {
            DEFAULT_WABA_ID: [phone_number("420226633283", DEFAULT_PHONE_NUMBER_ID, "Acme Store")]
        }
        self.templates: dict[str, list[dict[str, Any]]] = {
            DEFAULT_WABA_ID: [copy.deepcopy(t) for t in DEFAULT_TEMPLATES]
        }
        self.pool: dict[str, bool] = dict.fromkeys(POOL, False)
        """Pre-provisioned numbers, and whether each is verified."""
        self.tokens: dict[str, str | None] = {}
        """Signup tokens handed out, and the ``partner_client_id`` each was given for."""
        self.insights: set[str] = set()
        self.record: Callable[[str, Mapping[str, Any]], str] | None = None
        """Records a sent test template in the ledger, giving its message id (the fake's)."""
        self.clock: Callable[[], float] = time.time
        self._ids = itertools.count(1)

    def new_id(self) -> str:
        return f"{next(self._ids):015d}"
