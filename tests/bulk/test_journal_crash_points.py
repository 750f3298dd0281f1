"""A journal left by a crash at any point of a call resumes without double sends."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from smsmngr import Message, OutcomeStatus
from smsmngr.testing import FakeSmsManager, serve

pytestmark = pytest.mark.slow

RECIPIENTS = 1_000
CRASHING_CAMPAIGN = """
import os, sys
from smsmngr import Client, Message
from smsmngr.bulk._journal import Journal

base_url, journal, point, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
settled = 0
original_sending, original_settle = Journal.sending, Journal.settle

def sending(self, recipients):
    if point == "before_record" and settled == 4:
        os._exit(9)  # the fifth call is neither recorded nor sent
    original_sending(self, recipients)

def settle(self, outcomes):
    global settled
    settled += 1
    if settled == 5 and point == "after_send":
        os._exit(9)  # the fifth call went out; its answer is not recorded
    if settled == 5 and point == "mid_write":
        rows = [(*key, "accepted", o.message_id, o.request_id, None) for key, o in outcomes]
        self._db.execute("BEGIN")
        self._db.executemany("INSERT OR REPLACE INTO recipients (phone_number, content, "
                             "occurrence, status, message_id, request_id, error) "
                             "VALUES (?,?,?,?,?,?,?)", rows[: len(rows) // 2])
        os._exit(9)  # half of the answer written, never committed
    original_settle(self, outcomes)

Journal.sending, Journal.settle = sending, settle
with Client(api_key="test-api-key", base_url=base_url) as client:
    client.send_bulk(Message("Hi", to=[f"4207{i:08d}" for i in range(count)]),
                     journal=journal, concurrency=1)
"""


@pytest.mark.parametrize("copied", [False, True], ids=["in place", "copied"])
@pytest.mark.parametrize(
    ("point", "unknown"), [("before_record", 0), ("after_send", 100), ("mid_write", 100)]
)
def test_a_crash_at_any_point_resumes_without_double_sends(
    tmp_path: Path, point: str, unknown: int, copied: bool
) -> None:
    journal = tmp_path / "journal.db"
    fake = FakeSmsManager()
    with serve(fake) as base_url:
        child = subprocess.run(
            [
                sys.executable,
                "-c",
                CRASHING_CAMPAIGN,
                base_url,
                str(journal),
                point,
                str(RECIPIENTS),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert child.returncode == 9, child.stderr
        sent_by_the_crashed_run = fake.ledger.accepted_count
        if copied:  # the file alone, as a user copying it elsewhere after the crash would
            copy = tmp_path / "copy" / "journal.db"
            copy.parent.mkdir()
            shutil.copyfile(journal, copy)
            journal = copy
        with fake.client(base_url=base_url, http_client=None) as client:
            result = client.send_bulk(
                Message("Hi", to=[f"4207{i:08d}" for i in range(RECIPIENTS)]), journal=journal
            )
    assert sent_by_the_crashed_run == 400 + unknown
    assert max(fake.ledger.sends_per_phone_number().values()) == 1  # nobody twice
    assert result.total == RECIPIENTS  # everybody reported
    assert result.unknown == unknown  # the call cut off after it went out, and only it
    assert result.accepted == RECIPIENTS - unknown
    assert fake.ledger.accepted_count == RECIPIENTS  # everybody sent exactly once
    unknown_numbers = {o.phone_number for o in result.outcomes if o.status is OutcomeStatus.UNKNOWN}
    assert unknown_numbers == {f"4207{i:08d}" for i in range(400, 400 + unknown)}
