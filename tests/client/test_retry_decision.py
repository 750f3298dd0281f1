"""The retry decision, as a pure function: what is tried again, after how long, and why
the last attempt is the last."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from smsmngr._retry import Answered, GiveUp, Lost, Retry, RetryPolicy, Unreached, decide

POLICY = RetryPolicy(max_retries=2, backoff_base=0.5, backoff_max=8.0, max_retry_after=60.0)
PACKAGE = Path(__file__).resolve().parents[2] / "smsmngr"


def test_what_never_reached_the_api_is_retried_until_the_retries_run_out() -> None:
    first = decide(POLICY, Unreached("ConnectError: refused"), 0)
    assert isinstance(first, Retry)
    assert (first.reason, first.pause_all) == ("ConnectError: refused", False)
    assert 0 <= first.delay <= 0.5
    assert decide(POLICY, Unreached("ConnectError: refused"), 2) is GiveUp.EXHAUSTED


def test_a_lost_answer_is_retried_for_a_read_only() -> None:
    assert decide(POLICY, Lost("DeliveryUncertainError"), 0) is GiveUp.FINAL
    again = decide(POLICY, Lost("DeliveryUncertainError"), 0, idempotent=True)
    assert isinstance(again, Retry)
    assert again.reason == "DeliveryUncertainError (a read: safe to repeat)"


def test_a_429_waits_what_retry_after_asks_and_pauses_every_request() -> None:
    assert decide(POLICY, Answered(429, retry_after=7.0), 1) == Retry(
        7.0, "429 Too Many Requests", pause_all=True
    )
    no_header = decide(POLICY, Answered(429), 0)
    assert isinstance(no_header, Retry)
    assert no_header.pause_all
    assert 0 <= no_header.delay <= 0.5
    assert decide(POLICY, Answered(429, retry_after=7.0), 2) is GiveUp.EXHAUSTED


def test_a_retry_after_longer_than_the_policy_waits_gives_up_with_retries_left() -> None:
    assert decide(POLICY, Answered(429, retry_after=61.0), 0) is GiveUp.WAIT_TOO_LONG
    assert decide(POLICY, Answered(429, retry_after=60.0), 0) == Retry(
        60.0, "429 Too Many Requests", pause_all=True
    )


def test_a_429_that_means_no_more_attempts_is_final() -> None:
    assert decide(POLICY, Answered(429, retry_after=1.0), 0, retry_429=False) is GiveUp.FINAL


def test_a_5xx_is_retried_for_a_read_only() -> None:
    assert decide(POLICY, Answered(503, "Service Unavailable"), 0) is GiveUp.FINAL
    read = decide(POLICY, Answered(503, "Service Unavailable"), 0, idempotent=True)
    assert isinstance(read, Retry)
    assert (read.reason, read.pause_all) == ("503 Service Unavailable (a read)", False)


@pytest.mark.parametrize("status", [200, 400, 401, 404])
def test_other_answers_are_final(status: int) -> None:
    assert decide(POLICY, Answered(status, retry_after=1.0), 0, idempotent=True) is GiveUp.FINAL


@pytest.mark.parametrize(
    "module", ["_transport.py", "_config.py", "_auth.py", "_retry.py", "_status_errors.py"]
)
def test_the_http_layer_imports_no_model(module: str) -> None:
    tree = ast.parse((PACKAGE / module).read_text())
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not imported & {"models", "_wire", "status", "verify"}, imported
