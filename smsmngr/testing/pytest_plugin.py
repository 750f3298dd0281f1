"""The pytest plugin, registered through the ``pytest11`` entry point.

Gives every test suite that installs smsmngr a ``smsmngr_fake`` fixture::

    def test_signup_sends_a_code(smsmngr_fake):
        with smsmngr_fake.client() as client:
            signup(client, "420777123456")
        assert smsmngr_fake.ledger.sent[0].phone_number == "420777123456"
"""

from __future__ import annotations

import pytest

from ._fake import FakeSmsManager


@pytest.fixture
def smsmngr_fake() -> FakeSmsManager:
    """A fresh in-memory SmsManager API for one test."""
    return FakeSmsManager()
