"""``smsmngr billing``, in-process against the fake served on loopback (as `smsmngr
mock` serves it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from smsmngr.cli._app import main
from smsmngr.testing import FakeSmsManager, serve


@pytest.fixture
def options() -> Iterator[list[str]]:
    fake = FakeSmsManager()
    with serve(fake) as base_url:
        yield ["--api-host", base_url.removesuffix("/v2"), "--api-key", fake.api_key]


def test_billing_invoices_lists_the_keys_own_invoices(
    options: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*options, "billing", "invoices"]) == 0
    assert capsys.readouterr().out == "123\t2026001\t2026-07-01\t1210.00 Kč\n"


def test_billing_pdf_saves_the_invoice(
    options: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "july.pdf"
    assert main([*options, "billing", "pdf", "123", "-o", str(output), "--language", "en"]) == 0
    assert output.read_bytes().startswith(b"%PDF-1.4\n")
    assert b"(en)" in output.read_bytes()
    assert capsys.readouterr().out.startswith(f"{output} (")


def test_another_billing_id_is_refused_in_one_line(
    options: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*options, "billing", "invoices", "--billing-id", "1"]) == 2
    assert "not authorized for this billing_id" in capsys.readouterr().err
