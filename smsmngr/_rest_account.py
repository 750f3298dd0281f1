"""The REST API's account reads (``client.account``): the credit balance and the
price list.

Example::

    credit = await client.account.get_credit()
    prices = await client.account.get_prices()
"""

from __future__ import annotations

from ._rest import RestResource
from .status import Credit, PriceList, parse_credit, parse_prices

__all__ = ["AsyncAccount"]


class AsyncAccount(RestResource):
    """The REST API's account reads on a client's key and connections: ``client.account``."""

    async def get_credit(self) -> Credit:
        """The account's credit balance (REST ``GET /credit``).

        Example::

            credit = await client.account.get_credit()
            print(credit.balance, credit.currency)
        """
        answer = await self._call("GET", "/credit", repeat=True)
        return self._read(answer, "credit", parse_credit, where="GET /credit")

    async def get_prices(self) -> PriceList:
        """The price list per channel and country (REST ``GET /credit/prices``).

        Example::

            prices = await client.account.get_prices()
            prices.price_for("420777123456").price_czk
        """
        answer = await self._call("GET", "/credit/prices", repeat=True)
        return self._read(answer, "prices", parse_prices, where="GET /credit/prices")
