"""``AsyncClient``: every endpoint of the API, thin on top of the transport.

This file is the source of the blocking ``Client`` (``scripts/generate_sync.py`` writes
it): docstring examples are written so that dropping ``await`` and ``async`` gives it.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import os
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Callable,
    Iterable,
    Mapping,
)
from contextlib import aclosing
from types import TracebackType
from typing import Any, Literal, TypeVar

import httpx

from . import upload as upload_api
from ._account import calling_code
from ._calls import post_messages
from ._campaign_setup import CampaignSetup
from ._config import DEFAULT_TIMEOUT, KEEP, Keep, resolve_api_key, resolve_base_urls
from ._retry import DEFAULT_RETRY, RetryEvent, RetryPolicy
from ._send_answers import parse_send_result, parse_simple_result
from ._send_checks import check_simple, checked_batch, checked_numbers
from ._stacks import HttpStackName, chosen_stack
from ._transport import Transport
from ._wire import encode_json, message_to_wire, simple_message_fields
from .api_keys import registered_senders
from .bulk._campaign import Tally
from .bulk._outcomes import BatchOutcome, BulkResult
from .bulk._reconcile import Platform, ReconcileResult, reconcile_journal
from .errors import CarriesBulkResult, SmsManagerError, ValidationError
from .models import Gateway, Message, SendResult, SimpleSendResult
from .phone import PhoneNormalizer, normalizer_for_region
from .status import MessageRow
from .upload import ScheduleCancelled, UploadResult

__all__ = ["AsyncClient"]

_Client = TypeVar("_Client", bound="AsyncClient")


class AsyncClient(CampaignSetup):
    """An asynchronous client for SmsManager's sending, REST and Verify APIs, for asyncio or trio.

    It sends through the JSON API v2 (SMS, Viber, WhatsApp, RCS; one message, a batch or
    a campaign), reads statuses, statistics, credit and prices and keeps contact lists
    through the REST API v1, and checks phone numbers with the Verify API.

    ``api_key`` defaults to ``$SMSMANAGER_API_KEY`` and ``base_url`` to
    ``$SMSMANAGER_BASE_URL``; ``rest_base_url``, the REST API's (status, statistics,
    credit), to ``$SMSMANAGER_REST_BASE_URL``, and ``verify_base_url``, the Verify API's,
    to ``$SMSMANAGER_VERIFY_BASE_URL``; then each to ``api_host`` (or
    ``$SMSMANAGER_API_HOST``, such as ``"http://127.0.0.1:8000"``, the mock's) with its
    path (``/v2``, ``/v1``, none), then to production. With ``base_url`` pointed elsewhere
    and another API left on production, that API's first call raises
    ``ConfigurationError`` rather than send the key there.
    ``timeout`` applies to every request and ``retry`` says what is retried (only what
    certainly never reached the API, and reads after 5xx and lost answers);
    ``on_retry(event)`` is called before each retry with its reason and delay.
    ``default_headers`` go with every request, and ``app_info`` (``"shop/2.1"``) is
    added to the User-Agent. ``default_region`` (``"CZ"``, with the ``smsmngr[phone]``
    extra) reads national numbers as that country's. ``account_country`` (``"CZ"``; the
    platform's neighbours need no extra, other countries the phone extra) is the country
    the account is registered in, whose calling code the platform gives national
    numbers: ``reconcile()`` looks them up in that form too. ``http_stack`` picks the
    HTTP library: ``"httpx"`` (the default), ``"httpx2"`` (``smsmngr[httpx2]``) or
    ``"aiohttp"`` (``smsmngr[aiohttp]``, asyncio only, the fastest). Or pass ``http_client``,
    your own ``httpx.AsyncClient`` or ``httpx2.AsyncClient`` (proxies, HTTP/2, tracing,
    tests); it is left open on close.

    Example::

        async with AsyncClient(api_key="...") as client:
            result = await client.send(Message("Hi", to=["420777123456"]))
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        rest_base_url: str | None = None,
        verify_base_url: str | None = None,
        api_host: str | None = None,
        timeout: httpx.Timeout | float | None = DEFAULT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY,
        http_client: Any = None,
        http_stack: HttpStackName | None = None,
        default_headers: Mapping[str, str] | None = None,
        app_info: str | None = None,
        on_retry: Callable[[RetryEvent], object] | None = None,
        default_region: str | None = None,
        account_country: str | None = None,
    ) -> None:
        self._calling_code = calling_code(account_country)
        self._normalize: PhoneNormalizer = normalizer_for_region(default_region)
        self._region = default_region.upper() if default_region is not None else None
        self._transport = Transport(
            resolve_api_key(api_key),
            resolve_base_urls(base_url, rest_base_url, verify_base_url, api_host),
            chosen_stack(http_client, http_stack),
            http_client,
            timeout=timeout,
            retry=retry,
            headers=default_headers,
            app_info=app_info,
            on_retry=on_retry,
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} base_url={self._transport.base_url!r}>"

    async def __aenter__(self: _Client) -> _Client:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections this client opened (not a supplied ``http_client``)."""
        await self._transport.aclose()

    def with_options(
        self: _Client,
        *,
        timeout: httpx.Timeout | float | Keep | None = KEEP,
        retry: RetryPolicy | Keep = KEEP,
        headers: Mapping[str, str] | Keep = KEEP,
        on_retry: Callable[[RetryEvent], object] | Keep | None = KEEP,
    ) -> _Client:
        """A copy of this client with other options, sharing its connections and pace.

        An option left out (or given as ``KEEP``) stays as it is; ``timeout=None`` means
        no timeout and ``on_retry=None`` no hook; ``headers`` are added to the client's
        own. The copy is light, and needs no closing: its connections are this client's,
        closed with it.

        Example::

            quick = client.with_options(timeout=5, retry=RetryPolicy(max_retries=0))
            await quick.send(otp, priority=True)
        """
        clone = copy.copy(self)
        clone._transport = self._transport.with_options(
            timeout=timeout, retry=retry, headers=headers, on_retry=on_retry
        )
        return clone

    async def send(self, message: Message, *, priority: bool = False) -> SendResult:
        """Send one message to up to 10 recipients (``POST /message``).

        ``priority=True`` uses the priority queue (``POST /message/priority``), meant for
        one-time passwords and other transactional messages.

        Example::

            otp = Message("Your code is 1234", to=["420777123456"])
            result = await client.send(otp, priority=True)
            result.recipient_message_ids()  # ['e27ff0ac-...']
        """
        numbers = checked_numbers(message, "message", self._normalize)
        reply = await self._transport.request(
            "POST",
            "/message/priority" if priority else "/message",
            json_content=encode_json(message_to_wire(message, numbers)),
        )
        return parse_send_result(
            reply.data,
            status_code=reply.status_code,
            headers=reply.headers,
            recipients_per_message=(len(numbers),),
            keyed_by_message=False,
        )

    async def send_batch(self, messages: Iterable[Message]) -> SendResult:
        """Send up to 10 messages of up to 10 recipients each in one call (``POST /messages``).

        The API answers with one id per message; ``recipient_message_ids()`` expands
        them to ``<message_id>-<i>``, one per recipient. For more recipients than one
        call holds, use ``send_bulk()``.

        Example::

            result = await client.send_batch([
                Message("Hi Ann", to=["420777123456"]),
                Message("Hi Bob", to=["420777654321"]),
            ])
        """
        batch = checked_batch(messages, self._normalize)
        body = [message_to_wire(message, numbers) for message, numbers in batch]
        counts = tuple(len(numbers) for _, numbers in batch)
        return await post_messages(self._transport, encode_json(body), counts)

    async def send_simple(
        self,
        phone_number: str,
        message: str,
        *,
        sender: str,
        gateway: Gateway | str | None = None,
        scheduled_at: dt.datetime | None = None,
        custom_id: str | None = None,
        method: Literal["GET", "POST"] = "POST",
    ) -> SimpleSendResult:
        """Send a text to one number through ``/simple/message``.

        ``sender`` is required by the API on this endpoint. ``method="GET"`` puts every
        field, the API key included, in the query string, as the API requires for GET;
        the default POST keeps the key in a header. ``result.accepted`` is ``False``
        when the request was not accepted for processing: nothing was sent.

        Example::

            result = await client.send_simple("420777123456", "Hi", sender="Shop")
            result.message_id
        """
        number = self._normalize(phone_number, field="phone_number")
        check_simple(message, sender, scheduled_at, method)
        fields = simple_message_fields(
            number,
            message,
            sender=sender,
            gateway=gateway,
            scheduled_at=scheduled_at,
            custom_id=custom_id,
        )
        if method == "GET":
            reply = await self._transport.request(
                "GET", "/simple/message", query=fields, key_in_query=True
            )
        else:
            reply = await self._transport.request("POST", "/simple/message", form=fields)
        return parse_simple_result(reply.data, status_code=reply.status_code, headers=reply.headers)

    async def reconcile(
        self,
        journal: str | os.PathLike[str],
        *,
        grace: dt.timedelta = dt.timedelta(minutes=30),
        key_rotated: bool = False,
        campaign: str | None = None,
    ) -> ReconcileResult:
        """Look a campaign journal's ``unknown`` recipients up on the platform (REST
        ``GET /messages``, by their send day in the account's time zone, their number
        and their message's tag): one found there becomes ``accepted``, with its
        message id; one still not found ``grace`` after its send time (its call, or
        its schedule and delivery window) becomes ``failed``, so that resuming the
        campaign sends it; one not found sooner stays ``unknown``.

        Only a row that is that very message is proof: the number in the platform's
        form, a channel among its flow steps with that step's text and sender, not
        older than the call on the platform's clock. One no row could prove (a
        WhatsApp template, a body the platform converts, a national number without
        ``account_country``) stays ``unknown``, with the reason in ``result.reasons``.
        Not finding a row does not prove the contrary at once (a listing may lag):
        ``grace`` is how long you wait before taking it so. The journal must be of
        this client's key and base URLs; ``key_rotated=True`` accepts a new key of the
        same account. A PostgreSQL journal (``journal="postgresql://..."``) names the
        campaign with ``campaign=``.

        Example::

            await client.reconcile("sale.db", grace=dt.timedelta(hours=1))
            await client.send_bulk(messages, journal="sale.db")  # sends what was not found
        """
        if not isinstance(grace, dt.timedelta) or grace < dt.timedelta(0):
            raise ValidationError("grace", f"must be a timedelta of 0 or more, got {grace!r}")
        opened = self._journal(journal, campaign, key_rotated=key_rotated, must_exist=True)
        try:
            credit = await self.account.get_credit()  # the account's time zone, and its clock
            platform = Platform(
                rows=self._platform_rows,
                tz=credit.tz,
                calling_code=self._calling_code,
                clock_offset=self._transport.clock_offset or 0.0,
                senders=functools.partial(registered_senders, self.api_keys),
            )
            now = dt.datetime.now(dt.timezone.utc)
            return await reconcile_journal(opened, platform, grace=grace, now=now)
        finally:
            opened.close()

    def _platform_rows(self, day: str, number: str, tag: str | None) -> AsyncIterator[MessageRow]:
        return self.status.iter_messages(day, tag=tag, phone_number=number)

    async def upload_bulk(
        self,
        messages: Message | Iterable[Message] | AsyncIterable[Message],
        *,
        bulk_id: str,
        at: dt.datetime | None = None,
        compress: bool = True,
        journal: str | os.PathLike[str] | None = None,
        force: bool = False,
        key_rotated: bool = False,
        on_progress: Callable[[int], object] | None = None,
        preflight: bool = False,
    ) -> UploadResult:
        """Send a very large campaign as one file (REST ``POST /messaging/url``, then a
        ``PUT`` of the file without the API key), at once or at ``at`` (aware datetime).

        It takes and checks what ``send_bulk()`` does, and writes the whole file (JSONL,
        gzipped unless ``compress=False``) before anything goes out; invalid numbers are
        left out and listed in ``result.refused``. A lost answer to the ``PUT`` raises
        ``DeliveryUncertainError``, never repeated. ``journal=path`` records the upload;
        a bulk id it holds as (maybe) uploaded is refused unless ``force=True``.
        ``on_progress(recipients)`` follows the writing (see ``smsmngr.upload``);
        ``preflight=True`` checks the key and every sender first, as ``send_bulk()`` does,
        and nothing is uploaded when it finds a problem.

        Example::

            result = await client.upload_bulk(Message("Sale", to=numbers), bulk_id="sale-07")
            print(result.recipients, result.bytes_sent)
        """
        return await upload_api.upload_bulk(
            self._transport,
            self._normalize,
            messages,
            bulk_id=bulk_id,
            at=at,
            compress=compress,
            journal=self._upload_journal(journal, key_rotated),
            force=force,
            on_progress=on_progress,
            preflight=self._preflight(preflight, None),
        )

    async def cancel_scheduled(
        self, *, message_id: str | None = None, bulk_id: str | None = None
    ) -> ScheduleCancelled:
        """Cancel a scheduled message (``message_id``) or bulk upload (``bulk_id``):
        exactly one of them (REST ``POST /messaging/cancel``).

        Example::

            await client.cancel_scheduled(bulk_id="sale-07")
        """
        return await upload_api.cancel_scheduled(self._transport, message_id, bulk_id)

    async def send_bulk(
        self,
        messages: Message | Iterable[Message] | AsyncIterable[Message],
        *,
        concurrency: int = 8,
        max_requests_per_second: float | None = None,
        collect_outcomes: bool = True,
        journal: str | os.PathLike[str] | None = None,
        resend_unknown: bool = False,
        on_progress: Callable[[int, int | None], object] | None = None,
        not_accepted_retries: int = 3,
        key_rotated: bool = False,
        preflight: bool = False,
        campaign: str | None = None,
    ) -> BulkResult:
        """Send any number of recipients in the fewest ``/messages`` calls, concurrently.

        ``messages`` is one ``Message`` with any number of recipients, or any iterable or
        async iterable of messages, consumed lazily. Every recipient ends ``accepted``,
        ``rejected`` (not accepted by the API, or refused locally for an invalid number:
        nothing sent), ``failed`` (certainly not sent) or ``unknown`` (may have been sent:
        never resent). The counts always add up to the recipients given;
        ``collect_outcomes=False`` keeps only the counts, so memory stays flat.

        An entry the API's answer does not list in ``accepted`` was not processed: it is
        sent again up to ``not_accepted_retries`` times (with the retry policy's backoff)
        before it is reported ``rejected``. At most ``concurrency`` calls are in flight,
        and ``max_requests_per_second`` caps the pace; a 429 pauses every worker. A
        wrong key (401, 403, or the 400 the sending API answers for it) stops the
        campaign, and so do single messages refused the same way three times in a row:
        the recipients read but not sent are reported ``failed``, the input is read no
        further (it may be a queue: what is left stays there), and ``result.stopped_by``
        says why.

        With ``journal=path`` the campaign's state is kept in a SQLite file: running the
        same input again with it sends only what was never accepted, and reports earlier
        unknowns without resending them unless ``resend_unknown=True``. A journal belongs
        to the key and base URLs it was written with and refuses others
        (``key_rotated=True``: the key was rotated on the same account).

        With ``journal="postgresql://..."`` and ``campaign="name"`` the campaign lives in a
        PostgreSQL database that any number of processes and hosts share: each recipient
        is claimed by exactly one of them, and the others count it ``elsewhere`` (needs
        ``smsmngr[postgres]``; see "Running a campaign on several workers").
        ``on_progress(done, total)`` is called after every call (``total`` is ``None``
        for an iterator input). ``preflight=True`` reads the key first
        (``api_keys.me()``): see ``PreflightError`` and docs/account.md.

        Example::

            result = await client.send_bulk(Message("Sale!", to=numbers), journal="sale.db")
            print(result.accepted, result.rejected, result.failed, result.unknown)
        """
        tally = Tally(collect_outcomes=collect_outcomes)
        with self._campaign(
            concurrency,
            max_requests_per_second,
            journal,
            resend_unknown,
            on_progress,
            not_accepted_retries,
            key_rotated,
            campaign,
            preflight,
        ) as running:
            try:
                async with aclosing(running.run(messages)) as batches:
                    async for batch in batches:
                        tally.add(batch)
            except SmsManagerError as error:
                if isinstance(error, CarriesBulkResult):  # what was sent is reported
                    error.result = tally.result(calls=running.calls, stopped_by=running.stop_reason)
                raise
        return tally.result(calls=running.calls, stopped_by=running.stop_reason)

    async def iter_bulk(
        self,
        messages: Message | Iterable[Message] | AsyncIterable[Message],
        *,
        concurrency: int = 8,
        max_requests_per_second: float | None = None,
        journal: str | os.PathLike[str] | None = None,
        resend_unknown: bool = False,
        on_progress: Callable[[int, int | None], object] | None = None,
        not_accepted_retries: int = 3,
        key_rotated: bool = False,
        preflight: bool = False,
        campaign: str | None = None,
    ) -> AsyncGenerator[BatchOutcome, None]:
        """Like ``send_bulk()``, but an async iterator of each call's outcomes as it answers.

        If you may stop early, close it with ``contextlib.aclosing`` so that calls in
        flight are settled in the task that started them.

        Example::

            async with aclosing(client.iter_bulk(messages)) as batches:
                async for batch in batches:
                    store(batch.outcomes)
        """
        with self._campaign(
            concurrency,
            max_requests_per_second,
            journal,
            resend_unknown,
            on_progress,
            not_accepted_retries,
            key_rotated,
            campaign,
            preflight,
        ) as running:
            async with aclosing(running.run(messages)) as batches:
                async for batch in batches:
                    yield batch
