"""How ``AsyncClient`` sets a campaign up: its journal (a file, or a campaign in a
PostgreSQL database) of this client's account, its pre-flight, and the ``Campaign``
that runs it. ``AsyncClient``'s base; ``send_bulk``, ``iter_bulk``, ``upload_bulk`` and
``reconcile`` use it."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

from ._areas import ApiAreas
from .bulk._backend import Account, JournalBackend, Opening, is_database_url, open_journal
from .bulk._campaign import Campaign
from .bulk._input import BulkInput
from .bulk._journal import Journal
from .bulk._preflight import preflight_of
from .errors import ValidationError

__all__ = ["CampaignSetup"]


class CampaignSetup(ApiAreas):
    """Journals, pre-flight and campaigns of a client."""

    def _journal(
        self,
        path: str | os.PathLike[str],
        campaign: str | None,
        *,
        key_rotated: bool,
        must_exist: bool = False,
    ) -> JournalBackend:
        """A journal of this client's account: its key and base URLs, or refused."""
        if not isinstance(key_rotated, bool):
            raise ValidationError("key_rotated", f"must be True or False, got {key_rotated!r}")
        transport = self._transport
        account = Account(transport.key_fingerprint, transport.base_url, transport.rest_base_url)
        opening = Opening(
            region=self._region,
            must_exist=must_exist,
            account=account,
            key_rotated=key_rotated,
            clock_offset=lambda: transport.clock_offset,
        )
        return open_journal(path, campaign=campaign, opening=opening)

    def _preflight(
        self, preflight: bool, journal: str | os.PathLike[str] | None
    ) -> Callable[[BulkInput], Awaitable[BulkInput]] | None:
        """What checks the key before a campaign's first call, if ``preflight``."""
        if not isinstance(preflight, bool):
            raise ValidationError("preflight", f"must be True or False, got {preflight!r}")
        return preflight_of(self.api_keys.me, journal) if preflight else None

    def _upload_journal(
        self, path: str | os.PathLike[str] | None, key_rotated: bool
    ) -> Callable[[], Journal] | None:
        """What opens the journal file ``path`` records uploads in (``None``: none)."""
        if path is None:
            return None
        if is_database_url(path):
            raise ValidationError(
                "journal", "uploads are recorded in a journal file; give a path, not a URL"
            )

        def opened() -> Journal:
            journal = self._journal(path, None, key_rotated=key_rotated)
            assert isinstance(journal, Journal)  # a path opens a file's journal
            return journal

        return opened

    @contextmanager
    def _campaign(
        self,
        concurrency: int,
        max_requests_per_second: float | None,
        journal: str | os.PathLike[str] | None,
        resend_unknown: bool,
        on_progress: Callable[[int, int | None], object] | None,
        not_accepted_retries: int,
        key_rotated: bool,
        campaign: str | None,
        preflight: bool,
    ) -> Iterator[Campaign]:
        """A campaign, with its journal (if any) open for as long as it runs."""
        check = self._preflight(preflight, journal)
        opened = None
        if journal is not None:
            opened = self._journal(journal, campaign, key_rotated=key_rotated)
        elif campaign is not None:
            raise ValidationError(
                "campaign", "names a campaign in a PostgreSQL journal: give journal= too"
            )
        try:
            yield Campaign(
                self._transport,
                normalize=self._normalize,
                concurrency=concurrency,
                max_requests_per_second=max_requests_per_second,
                journal=opened,
                resend_unknown=resend_unknown,
                on_progress=on_progress,
                not_accepted_retries=not_accepted_retries,
                preflight=check,
            )
        finally:
            if opened is not None:
                opened.close()
