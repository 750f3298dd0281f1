"""The REST API's account reads (``client.account``): the credit balance and the
price list.

Example::

    credit = await client.account.get_credit()
    prices = await client.account.get_prices()
"""

from __future__ import annotations

from ._calls import get_rest, read_field
from ._transport import Transport
from .status import Credit, PriceList, parse_credit, parse_prices

__all__ = ["AsyncAccount"]


class AsyncAccount:
    """The REST API's account reads on a client's key and connections: ``client.account``."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def __repr__(self) -> str:
        return f"<AsyncAccount base_url={self._transport.rest_base_url!r}>"

    async def get_credit(self) -> Credit:
        """The account's credit balance (REST ``GET /credit``).

        Example::

            credit = await client.account.get_credit()
            print(credit.balance, credit.currency)
        """
        answer = await get_rest(self._transport, "/credit", {})
        return read_field(answer, "credit", parse_credit, path="/credit")

    async def get_prices(self) -> PriceList:
        """The price list per channel and country (REST ``GET /credit/prices``).

        Example::

            prices = await client.account.get_prices()
            prices.price_for("420777123456").price_czk
        """
        answer = await get_rest(self._transport, "/credit/prices", {})
        return read_field(answer, "prices", parse_prices, path="/credit/prices")
