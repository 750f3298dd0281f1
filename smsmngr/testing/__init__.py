"""Test your code against an in-memory SmsManager API: no network, no credit spent.

>>> from smsmngr.testing import FakeSmsManager
>>> fake = FakeSmsManager()
>>> from smsmngr import Message
>>> with fake.client() as client:
...     result = client.send(Message("Hi", to=["420777123456"]))
>>> fake.ledger.sent[0].message_id == result.recipient_message_ids()[0]
True
"""

from .._public import present_here
from ._fake import FakeSmsManager, FakeTransport
from ._faults import Fault, FaultKind, FaultPlan
from ._ledger import CallRecord, Ledger, SentRecipient
from ._proxy import FaultProxy, ProxiedRequest, SocketFault
from ._serve import serve

__all__ = [
    "CallRecord",
    "FakeSmsManager",
    "FakeTransport",
    "Fault",
    "FaultKind",
    "FaultPlan",
    "FaultProxy",
    "Ledger",
    "ProxiedRequest",
    "SentRecipient",
    "SocketFault",
    "serve",
]

present_here(globals())
