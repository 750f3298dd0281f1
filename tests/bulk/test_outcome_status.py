"""Outcome statuses read as their plain names wherever they are printed."""

from __future__ import annotations

from smsmngr import Message, OutcomeStatus
from smsmngr.testing import FakeSmsManager


def test_result_counts_print_with_plain_names() -> None:
    fake = FakeSmsManager()
    with fake.client() as client:
        result = client.send_bulk(Message("Hi", to=["420777000001", "12"]))
    assert str(result.counts) == "{'accepted': 1, 'rejected': 1, 'failed': 0, 'unknown': 0}"


def test_a_status_formats_as_its_value_and_still_compares_as_one() -> None:
    status = OutcomeStatus.ACCEPTED
    assert (str(status), f"{status}", repr(status)) == ("accepted", "accepted", "'accepted'")
    assert status == "accepted"
    assert {"accepted": 3}[status] == 3
    assert OutcomeStatus("unknown") is OutcomeStatus.UNKNOWN
