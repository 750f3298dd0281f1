"""The fan-out: packed calls sent concurrently, every recipient accounted for.

A producer packs the input lazily into a bounded stream of calls; ``concurrency``
workers send them through the transport with one shared ``Pacer`` (so a 429 pauses
all of them); their outcomes stream back in completion order.
"""

from __future__ import annotations

import functools
import math
from collections.abc import (
    AsyncGenerator,
    Awaitable,
    Callable,
    Iterable,
    Sequence,
)
from contextlib import aclosing
from itertools import count, repeat

import anyio
from anyio.abc import ObjectReceiveStream, ObjectSendStream

from .._calls import post_messages
from .._pacer import Pacer
from .._retry import Answered, GiveUp, RetryPolicy, decide
from .._transport import Transport
from ..errors import (
    AuthenticationError,
    BadRequestError,
    BulkStoppedError,
    JournalError,
    PermissionDeniedError,
    RateLimitError,
    SmsManagerError,
    ValidationError,
)
from ..models import Message
from ..phone import PhoneNormalizer, normalize_phone_number
from ._backend import JournalBackend, Taken, given_of, keys_of
from ._input import BulkInput, known_total, numbered
from ._outcomes import (
    Answer,
    BatchOutcome,
    OutcomeStatus,
    RecipientOutcome,
    Tally,
    accepted_outcomes,
    outcomes_for_error,
    read_answer,
    status_for_error,
)
from ._packing import Call, FromJournal, Packer

__all__ = ["Campaign", "Tally"]  # Tally: from _outcomes

ProgressCallback = Callable[[int, "int | None"], object]
_SETTLED_PER_BATCH = 100  # recipients settled without a call, reported together
SAME_REFUSALS_TO_STOP = 3
"""Single-message calls refused (400) with the same answer in a row that stop a campaign."""

Stop = ValidationError | JournalError | BulkStoppedError
"""The errors a campaign stops with: each carries the partial result (``CarriesBulkResult``)."""


class Campaign:
    """One run of a bulk send. Iterate ``run()`` once.

    Whatever stops it early (input that is not a ``Message``, an exception from the
    input or from ``on_progress``, a journal failure, an unexpected answer), what was
    already sent is reported first: ``run()`` yields every batch, then raises a
    ``ValidationError``, a ``JournalError`` or a ``BulkStoppedError`` (for any other
    exception from the caller's own code): the errors that carry a partial result.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        concurrency: int,
        max_requests_per_second: float | None,
        journal: JournalBackend | None,
        resend_unknown: bool,
        on_progress: ProgressCallback | None,
        not_accepted_retries: int = 3,
        normalize: PhoneNormalizer = normalize_phone_number,
        preflight: Callable[[BulkInput], Awaitable[BulkInput]] | None = None,
    ) -> None:
        _check_whole_number("concurrency", concurrency, at_least=1)
        _check_whole_number("not_accepted_retries", not_accepted_retries, at_least=0)
        rate = max_requests_per_second
        if rate is not None and (
            isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate < math.inf
        ):
            raise ValidationError(
                "max_requests_per_second", f"must be a number above 0, or None, got {rate!r}"
            )
        self._transport = transport
        self._normalize = normalize
        self._concurrency = concurrency
        self._pacer = Pacer(max_requests_per_second)
        self._journal = journal
        self._resend_unknown = resend_unknown
        self._on_progress = on_progress
        self._not_accepted_retries = not_accepted_retries
        self._preflight = preflight
        self._refusals: tuple[str | None, int] = (None, 0)
        self._first_answer: anyio.Event | None = None
        self._reading: anyio.CancelScope | None = None  # while waiting for the input
        self._stop_error: Stop | None = None
        self.calls = 0
        self.stop_reason: str | None = None
        """Why the campaign stopped early, once it has (``BulkResult.stopped_by``)."""

    async def run(self, messages: BulkInput) -> AsyncGenerator[BatchOutcome, None]:
        """Send everything; yield each call's outcomes as it answers."""
        if self._preflight is not None:  # before the first call, or raises
            messages = await self._preflight(messages)
        total = known_total(messages)
        done = 0
        calls_in, calls_out = anyio.create_memory_object_stream[Call](self._concurrency)
        batches_in, batches_out = anyio.create_memory_object_stream[BatchOutcome](self._concurrency)
        closed_early = False
        async with anyio.create_task_group() as workers:
            workers.start_soon(self._produce, messages, calls_in, batches_in.clone())
            for _ in range(self._concurrency):
                workers.start_soon(self._work, calls_out.clone(), batches_in.clone())
            calls_out.close()
            batches_in.close()
            async with batches_out:
                async for batch in batches_out:
                    done += len(batch)
                    self._report_progress(done, total)
                    try:
                        yield batch
                    except GeneratorExit:
                        # The consumer stopped early. Stop the workers (calls in flight are
                        # settled as unknown) and end normally: a task group would wrap a
                        # GeneratorExit in an exception group, which breaks aclose().
                        closed_early = True
                        workers.cancel_scope.cancel()
                        break
        if self._journal is not None and not closed_early:
            try:
                await self._journal.flush()  # what waits is written before the result
            except JournalError as error:
                self._stop(error)
        if self._stop_error is not None and not closed_early:
            raise self._stop_error

    def _report_progress(self, done: int, total: int | None) -> None:
        if self._on_progress is None or self._stop_error is not None:
            return
        try:
            self._on_progress(done, total)
        except Exception as error:
            # The caller's callback failed: send nothing more, but report what was sent.
            self._stop(
                BulkStoppedError(f"on_progress raised {type(error).__name__}: {error}"), error
            )

    def _stop(self, error: Stop, cause: BaseException | None = None, *, halt: bool = True) -> None:
        """Raise ``error`` once every batch is out; the input is read no further. With
        ``halt``, calls not yet made are also reported ``failed`` (not sent); without,
        what was packed before the stop still goes, as the calls before it did."""
        if cause is not None:
            error.__cause__ = cause
        if self._stop_error is None:
            self._stop_error = error
        if halt:
            self._halt(f"{type(error).__name__}: {error}")

    def _halt(self, reason: str) -> None:
        """Send nothing more: calls not yet made are reported ``failed`` (not sent), and
        a wait for the input's next message ends (the input may be an idle queue)."""
        if self.stop_reason is None:
            self.stop_reason = reason
        if self._reading is not None:
            self._reading.cancel()

    async def _produce(
        self,
        messages: BulkInput,
        calls: ObjectSendStream[Call],
        batches: ObjectSendStream[BatchOutcome],
    ) -> None:
        journal = self._journal
        lookup = None
        if journal is not None:
            lookup = functools.partial(journal.claim, resend_unknown=self._resend_unknown)
        packer = Packer(
            lookup,
            normalize=self._normalize,
            describe=journal.describe if journal is not None else None,
        )
        settled: dict[str, list[RecipientOutcome]] = {"local": [], "journal": []}
        # A shared journal claims calls in groups: one round trip for several calls.
        group = max(2, self._concurrency) if journal is not None and journal.claims_calls else 1
        claiming: list[Call] = []

        async def flush(source: str, at_least: int = 1) -> None:
            if len(settled[source]) >= at_least:
                await batches.send(BatchOutcome(tuple(settled[source]), source=source))
                settled[source] = []

        async def dispatch(call: Call | None) -> None:
            """Send ``call`` on once its group is claimed (``None``: the last group)."""
            if call is not None:
                claiming.append(call)
                if len(claiming) < group:
                    return
            taken: list[Taken] = [(each, None) for each in claiming]
            if journal is not None and journal.claims_calls:
                try:
                    if self.stop_reason is None:
                        taken = await journal.take(claiming, resend_unknown=self._resend_unknown)
                    else:
                        # Never claimed: reported not sent, and never settled, since their
                        # recipients' rows may be another worker's (or settled long ago).
                        taken = [(None, self._unsent(each)) for each in claiming]
                except JournalError as error:
                    self._stop(error)
                    taken = [(None, self._unsent(each)) for each in claiming]
            claiming.clear()
            for each, others in taken:
                if others is not None:
                    await batches.send(others)
                if each is not None:
                    await calls.send(each)

        async def handle(items: Iterable[Call | RecipientOutcome | FromJournal]) -> None:
            for item in items:
                if isinstance(item, Call):
                    await dispatch(item)
                elif isinstance(item, FromJournal):
                    settled["journal"].append(item.outcome)
                    await flush("journal", _SETTLED_PER_BATCH)
                else:
                    settled["local"].append(item)
                    await flush("local", _SETTLED_PER_BATCH)

        async with calls, batches, aclosing(numbered(messages)) as indexed:
            try:
                while self.stop_reason is None and self._stop_error is None:
                    read = None
                    with anyio.CancelScope() as self._reading:
                        read = await anext(indexed, None)
                    self._reading = None
                    if read is None:  # the input's end, or a stop while waiting for it
                        break
                    index, message = read
                    if self.stop_reason is not None or self._stop_error is not None:
                        # The input is read no further (it may be a queue, or endless);
                        # the message read already is accounted for, not sent.
                        if isinstance(message, Message):
                            await batches.send(self._unread(index, message))
                        break
                    await handle(packer.add(index, message))
            except (ValidationError, JournalError) as error:
                # Input that is not a Message, or a journal failure: stop there. What was
                # packed before bad input still goes, as the calls before it did. Any other
                # error from the input, even one of ours, is the input's: BulkStoppedError.
                self._stop(error, halt=isinstance(error, JournalError))
            except Exception as error:
                stop = BulkStoppedError(f"the input raised {type(error).__name__}: {error}")
                self._stop(stop, error, halt=False)
            try:
                await handle(packer.finish())
            except JournalError as error:
                # The last question to the journal failed: what waited was reported not
                # sent, and the calls packed before it go as those of any stop do.
                self._stop(error)
                await handle(packer.finish())
            await dispatch(None)
            await flush("local")
            await flush("journal")

    async def _work(
        self, calls: ObjectReceiveStream[Call], batches: ObjectSendStream[BatchOutcome]
    ) -> None:
        async with calls, batches:
            async for call in calls:
                sent = await self._send_in_turn(call)
                if self._journal is not None:
                    try:
                        await self._journal.flush(max(2, self._concurrency // 2))
                    except JournalError as error:
                        self._stop(error)
                for batch in sent:
                    await batches.send(batch)

    async def _send_in_turn(self, call: Call) -> list[BatchOutcome]:
        """The campaign's first call goes alone, the others once it has answered: a
        wrong key or a message the API refuses then costs one call, not one a worker."""
        if self._first_answer is None:
            self._first_answer = anyio.Event()
            try:
                return await self._send(call)
            finally:
                self._first_answer.set()
        await self._first_answer.wait()
        return await self._send(call)

    def _unsent(self, call: Call) -> BatchOutcome:
        """The outcomes of a call the campaign stopped before sending."""
        error = self._not_sent()
        outcomes = outcomes_for_error(call.chunks, OutcomeStatus.FAILED, error)
        return BatchOutcome(tuple(outcomes), error=error, source="not_sent")

    def _not_sent(self) -> str:
        return f"not sent: the campaign stopped after {self.stop_reason or self._stop_error}"

    def _unread(self, index: int, message: Message) -> BatchOutcome:
        """The outcomes of a message read as the campaign stopped: none sent."""
        error = self._not_sent()
        recipients = list(zip(repeat(index), count(), message.to.phone_numbers()))
        build = functools.partial(outcomes_for_error, [recipients], OutcomeStatus.FAILED, error)
        counts = {OutcomeStatus.FAILED: len(recipients)}
        return BatchOutcome.deferred(counts, build, error=error, source="not_sent")

    async def _send(self, call: Call, attempt: int = 0) -> list[BatchOutcome]:
        if self.stop_reason is not None:
            unsent = self._unsent(call)
            self._settle(call, unsent.outcomes)
            return [unsent]
        journal = self._journal
        leaving = False

        def before_send() -> None:
            # Recorded in flight only once its turn has come and it is about to leave;
            # written synchronously on the loop, as _settle explains.
            nonlocal leaving
            leaving = True
            if journal is not None:
                journal.sending(given_of(call))

        try:
            result = await post_messages(
                self._transport,
                call.content(),
                tuple(len(chunk) for chunk in call.chunks),
                pacer=self._pacer,
                before_send=before_send,
            )
        except JournalError as error:
            # Its recipients could not be recorded in flight, so it never left. The campaign
            # stops (it can promise nothing more); calls in flight are answered, reported.
            self._stop(error)
            unsent = self._unsent(call)
            return [unsent]
        except BadRequestError as error:
            if len(call.body) > 1:
                # One refused message must not sink the others: try each half alone.
                self.calls += 1
                first, second = call.halves()
                return await self._send(first) + await self._send(second)
            self._note_refusal(error)
            return self._failed(call, error)
        except SmsManagerError as error:
            if isinstance(error, (AuthenticationError, PermissionDeniedError)):
                self._halt(f"{type(error).__name__}: {error}")
            elif _refused_alike(error, self._transport.retry):
                # Asked to wait longer than the policy allows: every further call would be
                # refused the same way. Stop; a journal resume sends the rest later.
                self._halt(f"{type(error).__name__}: {error}")
            return self._failed(call, error)
        except Exception as error:
            # Not an error the SDK knows: the request may have been processed. Report it
            # as unknown and stop, rather than guess further.
            self._stop(BulkStoppedError(f"unexpected {self._transport.describe(error)}"), error)
            return self._failed(call, error, OutcomeStatus.UNKNOWN)
        except BaseException:
            if leaving:
                # Cancelled (or worse) while the request may be out: nobody can know.
                unknown = outcomes_for_error(
                    call.chunks, OutcomeStatus.UNKNOWN, "the campaign was cancelled during the call"
                )
                self._settle(call, unknown)
            # Cancelled before its turn came: never sent, never recorded, sent on resume.
            raise
        self.calls += 1
        self._refusals = (None, 0)
        answer = read_answer(len(call.chunks), result)
        batches = []
        if answer.accepted:
            accepted_keys = [key for key, _ in answer.accepted]
            batch = BatchOutcome.deferred(
                {OutcomeStatus.ACCEPTED: sum(len(call.chunks[key]) for key in accepted_keys)},
                functools.partial(
                    accepted_outcomes, call.chunks, answer.accepted, result.request_id
                ),
                result.request_id,
            )
            if journal is not None:  # building outcomes costs: only when they are kept
                self._settle(call.subset(accepted_keys), batch.outcomes)
            batches.append(batch)
        if answer.not_accepted:
            batches += await self._not_accepted(call, answer, result.request_id, attempt)
        return batches

    async def _not_accepted(
        self, call: Call, answer: Answer, request_id: str, attempt: int
    ) -> list[BatchOutcome]:
        """Send again what the API did not accept, or report it as not accepted."""
        keys = [key for key, _ in answer.not_accepted]
        if attempt < self._not_accepted_retries:
            # Not accepted means not processed: safe to send again, after a pause.
            await anyio.sleep(self._transport.retry.backoff(attempt))
            return await self._send(call.subset(keys), attempt + 1)
        outcomes = []
        for key, reason in answer.not_accepted:
            error = f"not accepted by the API after {attempt + 1} attempts ({reason})"
            outcomes += outcomes_for_error(
                call.chunks[key : key + 1], OutcomeStatus.REJECTED, error, request_id
            )
        self._settle(call.subset(keys), outcomes)
        return [BatchOutcome(tuple(outcomes), request_id)]

    def _note_refusal(self, error: BadRequestError) -> None:
        """Stop once single messages keep being refused the same way: the cause is
        then the request itself, and every further call would only be refused too."""
        answer = repr(error.body)
        last, streak = self._refusals
        streak = streak + 1 if answer == last else 1
        self._refusals = (answer, streak)
        if streak >= SAME_REFUSALS_TO_STOP:
            self._halt(
                f"{streak} messages in a row refused with the same answer "
                f"(BadRequestError: {error})"
            )

    def _failed(
        self, call: Call, error: Exception, status: OutcomeStatus | None = None
    ) -> list[BatchOutcome]:
        self.calls += 1
        request_id = getattr(error, "request_id", None)
        if status is None:
            assert isinstance(error, SmsManagerError)
            status = status_for_error(error)
        # An exception the SDK did not build may quote anything, the key included.
        text = str(error) if isinstance(error, SmsManagerError) else self._transport.describe(error)
        outcomes = outcomes_for_error(call.chunks, status, text, request_id)
        self._settle(call, outcomes)
        return [BatchOutcome(tuple(outcomes), request_id, text, exception=error)]

    def _settle(self, call: Call, outcomes: Sequence[RecipientOutcome]) -> None:
        """Record the outcomes of ``call``'s recipients, given in its order.

        The journal is written synchronously, on the event loop, on purpose: a write
        handed to a thread could be cut off by the very cancellation it must record.
        A journal that cannot be written stops the campaign; the outcomes are still
        reported (for accepted ones, the result is then the only record of their ids),
        and the journal keeps the recipients as ``sending``: unknown on resume, never
        sent again.
        """
        if self._journal is None:
            return
        try:
            self._journal.settle(zip(keys_of(call), outcomes, strict=True))
        except JournalError as error:
            self._stop(error)


def _refused_alike(error: SmsManagerError, policy: RetryPolicy) -> bool:
    """A 429 whose ``Retry-After`` is longer than the retry policy waits."""
    if not isinstance(error, RateLimitError):
        return False
    asked = Answered(429, retry_after=error.retry_after)
    return decide(policy, asked, attempt=0) is GiveUp.WAIT_TOO_LONG


def _check_whole_number(name: str, value: object, *, at_least: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < at_least:
        raise ValidationError(name, f"must be a whole number, at least {at_least}, got {value!r}")
