"""A campaign killed with SIGKILL resumes from its journal: nobody twice, nobody missed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from smsmngr import Message, OutcomeStatus
from smsmngr.testing import FakeSmsManager, Fault, FaultKind, FaultPlan, serve

pytestmark = pytest.mark.slow

RECIPIENTS = 5_000
CAMPAIGN = """
import sys
from smsmngr import Client, Message
base_url, journal, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
with Client(api_key="test-api-key", base_url=base_url) as client:
    client.send_bulk(Message("Hi", to=[f"4207{i:08d}" for i in range(count)]),
                     journal=journal, concurrency=2)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_campaign_killed_mid_way_resumes_without_duplicates(tmp_path: Path) -> None:
    journal = tmp_path / "campaign.db"
    # Every answer takes a little while, so that the kill lands mid-campaign.
    fake = FakeSmsManager(faults=FaultPlan(rates={Fault(FaultKind.SLOW, delay=0.02): 1.0}))
    with serve(fake) as base_url:
        child = subprocess.Popen(
            [sys.executable, "-c", CAMPAIGN, base_url, str(journal), str(RECIPIENTS)]
        )
        deadline = time.monotonic() + 60
        while fake.ledger.accepted_count < 1_000 and time.monotonic() < deadline:
            assert child.poll() is None, "the campaign ended before it could be killed"
            time.sleep(0.005)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
        sent_before_kill = fake.ledger.accepted_count
        assert 1_000 <= sent_before_kill < RECIPIENTS

        fake.faults = None
        message = Message("Hi", to=[f"4207{i:08d}" for i in range(RECIPIENTS)])
        with fake.client(base_url=base_url, http_client=None) as client:
            result = client.send_bulk(message, journal=journal)

    sends = fake.ledger.sends_per_phone_number()
    assert max(sends.values()) == 1  # nobody sent twice
    assert result.total == RECIPIENTS  # everybody reported
    by_status = {status: set() for status in OutcomeStatus}  # type: ignore[var-annotated]
    for outcome in result.outcomes:
        by_status[outcome.status].add(outcome.phone_number)
    assert by_status[OutcomeStatus.ACCEPTED] | by_status[OutcomeStatus.UNKNOWN] == {
        r.phone_number for r in message.to
    }
    # Accepted ones were sent exactly once, with the ids the journal remembered.
    ids = {s.phone_number: s.message_id for s in fake.ledger.sent}
    for outcome in result.outcomes:
        if outcome.status is OutcomeStatus.ACCEPTED:
            assert ids[outcome.phone_number] == outcome.message_id
    # The unknowns are the calls cut off by the kill: at most one call per worker.
    assert 0 < len(by_status[OutcomeStatus.UNKNOWN]) <= 2 * 100
