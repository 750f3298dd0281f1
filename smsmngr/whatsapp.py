"""The WhatsApp Business API (``client.whatsapp``): embedded signup, the phone numbers,
accounts and message templates of a WABA, and its analytics. Same base URL and key as
the REST API v1.

Lists, checks and analytics are reads (sent as POST, repeated after a lost answer);
signup, registration, verification and every template change are never repeated. A
business failure (an unknown WABA, Meta's rejection) comes as 200 with ``success:
false``: it raises ``WhatsAppError`` with the platform's ``reason``.

Example::

    async for template in client.whatsapp.iter_templates("1234567890"):
        print(template.name, template.language, template.status)
    step = template.step(sender="109876543210987", params=["Ann", "42"])
"""

from __future__ import annotations

from . import _whatsapp_types
from ._whatsapp import AsyncWhatsApp
from ._whatsapp_types import *  # noqa: F403  (every answer type: _whatsapp_types.__all__)

__all__ = ["AsyncWhatsApp"]
__all__ += _whatsapp_types.__all__
