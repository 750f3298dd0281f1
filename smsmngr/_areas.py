"""The API areas a client hands out as attributes (``client.verify``,
``client.optout``...): each a resource on the client's transport, made when asked for,
so a copy made by ``with_options()`` hands out areas with its options.

The generator of the blocking client reads this class beside ``AsyncClient``.
"""

from __future__ import annotations

from ._rest_account import AsyncAccount
from ._rest_status import AsyncStatus
from ._transport import Transport
from ._whatsapp import AsyncWhatsApp
from .api_keys import AsyncApiKeys
from .billing import AsyncBilling
from .inbox import AsyncInbox
from .integrations import AsyncIntegrations
from .lists import AsyncContactList
from .phone import PhoneNormalizer, international_normalizer
from .verify import AsyncVerify

__all__ = ["ApiAreas"]


class ApiAreas:
    """The base of ``AsyncClient``: its API areas."""

    _transport: Transport
    _normalize: PhoneNormalizer
    _region: str | None

    @property
    def verify(self) -> AsyncVerify:
        """The Verify API (one-time codes by SMS) on this client's key and connections.

        Example::

            started = await client.verify.start("420777123456")
            result = await client.verify.check(started.token, "123456")
        """
        return AsyncVerify(self._transport, international_normalizer(self._region))

    @property
    def status(self) -> AsyncStatus:
        """The REST API's status reads: a message's status, the rows sent on a day, and
        statistics per send request and per day.

        Example::

            status = await client.status.get_message_status(message_id)
        """
        return AsyncStatus(self._transport, self._normalize)

    @property
    def account(self) -> AsyncAccount:
        """The REST API's credit area: the balance, the price list, paid services and
        the low-credit alert.

        Example::

            credit = await client.account.get_credit()
        """
        return AsyncAccount(self._transport, self._normalize)

    @property
    def billing(self) -> AsyncBilling:
        """The REST API's billing area: the billing contact, invoices and their PDFs,
        and the bank details for a top-up.

        Example::

            invoices = await client.billing.list_invoices(credit.billing_id)
        """
        return AsyncBilling(self._transport, self._normalize)

    @property
    def optout(self) -> AsyncContactList:
        """The opt-out list (promotional messages): ``await client.optout.add([number])``."""
        return AsyncContactList(self._transport, self._normalize, "optout")

    @property
    def blacklist(self) -> AsyncContactList:
        """The block list (every message): ``await client.blacklist.add([number])``."""
        return AsyncContactList(self._transport, self._normalize, "blacklist")

    @property
    def inbox(self) -> AsyncInbox:
        """The messages received: ``await client.inbox.list("2026-07-30")``."""
        return AsyncInbox(self._transport, self._normalize)

    @property
    def whatsapp(self) -> AsyncWhatsApp:
        """The WhatsApp Business API: signup, phone numbers, accounts, message templates
        and analytics of a WABA.

        Example::

            async for template in client.whatsapp.iter_templates(waba_id):
                print(template.name, template.language, template.status)
        """
        return AsyncWhatsApp(self._transport, self._normalize)

    @property
    def api_keys(self) -> AsyncApiKeys:
        """The calling key's settings and child keys: ``await client.api_keys.me()``."""
        return AsyncApiKeys(self._transport, self._normalize)

    @property
    def integrations(self) -> AsyncIntegrations:
        """Partner signup, push devices, recipients and connectors (REST API v1):
        ``await client.integrations.connect("klaviyo", "segments", app_user_id=...)``."""
        return AsyncIntegrations(self._transport, self._normalize)
