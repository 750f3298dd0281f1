"""Worker processes sharing one campaign through PostgreSQL, against the fake served on
loopback: each recipient sent once, a SIGKILLed worker's in-flight recipients unknown,
reports from another process while they run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from smsmngr.bulk import funnel, record_delivery_reports
from smsmngr.testing import FakeSmsManager, Fault, FaultKind, FaultPlan, serve
from smsmngr.webhooks import parse

pytestmark = pytest.mark.slow

RECIPIENTS = 8_000
NUMBERS = [f"4207{i:08d}" for i in range(RECIPIENTS)]
WORKER = """
import json, sys
from smsmngr import Client, Message
base_url, journal, campaign, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
with Client(api_key="test-api-key", base_url=base_url) as client:
    result = client.send_bulk(Message("Sale", to=[f"4207{i:08d}" for i in range(count)]),
                              journal=journal, campaign=campaign, concurrency=4,
                              collect_outcomes=False)
print(json.dumps({str(status): count for status, count in result.counts.items()}))
"""


def slow_fake() -> FakeSmsManager:
    return FakeSmsManager(faults=FaultPlan(rates={Fault(FaultKind.SLOW, delay=0.02): 1.0}))


def start(base_url: str, journal: str, campaign: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-c", WORKER, base_url, journal, campaign, str(RECIPIENTS)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)


def counts_of(worker: subprocess.Popen[str]) -> dict[str, int]:
    out, _ = worker.communicate(timeout=120)
    assert worker.returncode == 0
    counts: dict[str, int] = json.loads(out)
    assert sum(counts.values()) == RECIPIENTS  # each worker's counts add up
    return counts


def wait_for(condition: object, worker: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        assert worker.poll() is None, "the worker ended too soon"
        time.sleep(0.005)


def test_four_worker_processes_send_each_recipient_once(postgres_url: str, campaign: str) -> None:
    fake = slow_fake()
    with serve(fake) as base_url:
        workers = [start(base_url, postgres_url, campaign) for _ in range(4)]
        results = [counts_of(worker) for worker in workers]
    sends = fake.ledger.sends_per_phone_number()
    assert set(sends) == set(NUMBERS)  # 0 missing
    assert max(sends.values()) == 1  # 0 twice
    assert sum(result["accepted"] for result in results) == RECIPIENTS
    assert sum(1 for result in results if result["accepted"]) >= 2  # the work was shared


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_killed_worker_leaves_its_in_flight_recipients_unknown(
    postgres_url: str, campaign: str
) -> None:
    fake = slow_fake()
    with serve(fake) as base_url:
        killed = start(base_url, postgres_url, campaign)
        wait_for(lambda: fake.ledger.accepted_count >= 1_000, killed)
        os.kill(killed.pid, signal.SIGKILL)
        killed.communicate(timeout=10)
        fake.faults = None
        restarted = counts_of(start(base_url, postgres_url, campaign))
    sends = fake.ledger.sends_per_phone_number()
    assert max(sends.values()) == 1  # 0 twice
    assert 0 < restarted["unknown"] <= 4 * 4 * 100  # its claimed calls: never sent again
    assert restarted["accepted"] + restarted["elsewhere"] + restarted["unknown"] == RECIPIENTS
    assert len(sends) >= RECIPIENTS - restarted["unknown"]


def test_reports_recorded_from_another_process_while_workers_run_are_in_the_funnel(
    postgres_url: str, campaign: str
) -> None:
    fake = slow_fake()
    matched_while_running = 0
    with serve(fake) as base_url:
        worker = start(base_url, postgres_url, campaign)
        wait_for(lambda: fake.ledger.accepted_count >= 1_000, worker)
        while worker.poll() is None:
            reports = parse(fake.delivery_reports())  # decoded JSON: no size limit
            recorded = record_delivery_reports(postgres_url, reports, campaign=campaign)
            if worker.poll() is None:
                matched_while_running += recorded.matched
            time.sleep(0.05)
        counts_of(worker)
    assert matched_while_running > 0
    shown = funnel(postgres_url, campaign=campaign)
    assert shown.accepted == RECIPIENTS
    assert shown.delivered > 0
