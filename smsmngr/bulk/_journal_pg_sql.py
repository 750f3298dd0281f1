"""The SQL of the PostgreSQL journal (``_journal_pg``): its schema, the statements
that claim, settle and read a campaign's recipients, and how their values are written.
Every table is the SDK's own (``smsmngr_*``), in the connection's current schema, keyed
by the campaign's name."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from ._backend import Key
    from ._packing import Call

__all__ = [
    "ALIVE_RUNS",
    "AMEND",
    "CLAIM",
    "DELIVERY_COUNTS",
    "DESCRIBE",
    "FAILURE_CODES",
    "MATCHED",
    "PUT_BACK",
    "RECORD_REPORT",
    "RESENT",
    "SCHEMA",
    "SCHEMA_VERSION",
    "SETTLE",
    "UNKNOWNS",
    "columns",
    "key_columns",
    "numbers",
    "texts",
]

SCHEMA_VERSION = 1
"""The schema this SDK writes; a newer one in the database is refused, not guessed at."""

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS smsmngr_schema (version integer NOT NULL)",
    """CREATE TABLE IF NOT EXISTS smsmngr_meta (
        campaign text NOT NULL,
        key text NOT NULL,
        value text NOT NULL,
        PRIMARY KEY (campaign, key))""",
    # One row per send_bulk (a worker's run): its session, to tell a live worker's
    # claims from a killed one's.
    """CREATE TABLE IF NOT EXISTS smsmngr_runs (
        run text PRIMARY KEY,
        campaign text NOT NULL,
        pid integer NOT NULL,
        started timestamptz NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS smsmngr_recipients (
        campaign text NOT NULL,
        phone_number text NOT NULL,
        content bytea NOT NULL,
        occurrence integer NOT NULL,
        status text NOT NULL,
        run text,
        message_id text,
        request_id text,
        error text,
        sent_at double precision,
        given text,
        skew double precision,
        PRIMARY KEY (phone_number, content, occurrence, campaign))""",
    # No index begins with the campaign. The statistics lag behind a campaign that is
    # filling, and a planner taking it for one row would read the whole campaign by
    # such an index once per recipient looked up, as claims of 80 s did, every other
    # worker waiting on them. A recipient is found by its key, a report by its message;
    # a recipient gets a message id when settled, so a claim writes no entry here.
    """CREATE INDEX IF NOT EXISTS smsmngr_recipients_by_message
        ON smsmngr_recipients (message_id, campaign) WHERE message_id IS NOT NULL""",
    # Which run claimed each group of calls (by a digest of its recipients): a worker
    # skips a group another live run holds without touching its recipients.
    """CREATE TABLE IF NOT EXISTS smsmngr_blocks (
        campaign text NOT NULL,
        block bytea NOT NULL,
        run text NOT NULL,
        PRIMARY KEY (campaign, block))""",
    """CREATE TABLE IF NOT EXISTS smsmngr_contents (
        campaign text NOT NULL,
        content bytea NOT NULL,
        fields text NOT NULL,
        PRIMARY KEY (campaign, content))""",
    """CREATE TABLE IF NOT EXISTS smsmngr_deliveries (
        campaign text NOT NULL,
        message_id text NOT NULL,
        result text NOT NULL,
        code bigint,
        description text,
        stage integer NOT NULL,
        timestamp double precision,
        PRIMARY KEY (campaign, message_id))""",
)

ALIVE_RUNS = """(SELECT k.run FROM smsmngr_runs k JOIN pg_stat_activity a
    ON a.pid = k.pid AND a.backend_start = k.started WHERE k.campaign = %(campaign)s)"""
"""The runs whose session is still open: their claims are theirs."""

_CLAIMABLE = f"""(r.status IN ('failed', 'rejected') OR (%(resend)s AND (r.status = 'unknown'
    OR (r.status = 'sending' AND r.run NOT IN {ALIVE_RUNS}))))"""
"""Claimed again: certainly never processed, or (resend_unknown) unknown, or left in
flight by a run that is gone."""

RESENT = "resent"
"""The claim's mark of a recipient claimed back from unknown or a gone run's flight."""

_BY_KEY = """r.campaign = %(campaign)s AND r.phone_number = w.phone_number
    AND r.content = w.content AND r.occurrence = w.occurrence"""

# One statement, one round trip, the recipients sent once. The group is claimed first
# (new, or taken over from a run that is gone; a live run's block row is never locked,
# so workers skipping it do not wait on each other): one another live run holds is
# skipped whole, its recipients untouched (they are that run's: the same recipients,
# by the digest). New recipients are inserted (a key held already is skipped by the
# index alone: no row locked or written), in key order, so that two workers claiming
# overlapping calls wait for each other in the same order and never deadlock; of the
# others, claimable ones are locked in key order too (one at a time, as the keys come:
# FOR UPDATE, their state checked again once locked), then updated by place (ctid).
# It answers with what it did not claim, so that the usual answer, all of them, is no
# row: a row 0 when the group is another live run's, else the position of each
# recipient not claimed, with the status a gone run left it in (in flight or unknown),
# or none when another run holds or settled it; and the position of each recipient it
# claimed back from unknown or a gone run's flight, as 'resent' with its row as it was
# (JSON): it may have been sent before, so a run that does not send it puts that row
# back (PUT_BACK). Keys are looked up by
# LATERAL ... OFFSET 0: a campaign's table grows faster than its statistics, and a
# planner taking it for small would scan the whole campaign on every claim. The
# recipients come as texts, read as arrays (::text::text[]) only once the group is
# claimed: a worker skipping another's group does not have them parsed.
CLAIM = f"""WITH fresh AS (INSERT INTO smsmngr_blocks (campaign, block, run)
        VALUES (%(campaign)s, %(block)s, %(run)s) ON CONFLICT DO NOTHING RETURNING 1),
    taken_over AS (UPDATE smsmngr_blocks b SET run = %(run)s
        WHERE b.campaign = %(campaign)s AND b.block = %(block)s
        AND b.run NOT IN {ALIVE_RUNS} RETURNING 1),
    block AS (SELECT 1 FROM fresh UNION ALL SELECT 1 FROM taken_over),
    w AS MATERIALIZED (SELECT j.phone_number, decode(j.content, 'hex') AS content,
            j.occurrence, j.given, j.i
        FROM unnest(%(numbers)s::text::text[], %(contents)s::text::text[],
            %(occurrences)s::text::integer[], %(givens)s::text::text[])
            WITH ORDINALITY AS j(phone_number, content, occurrence, given, i)
        WHERE EXISTS (SELECT 1 FROM block)),
    inserted AS (INSERT INTO smsmngr_recipients
        (campaign, phone_number, content, occurrence, status, run, sent_at, given, skew)
        SELECT %(campaign)s, w.phone_number, w.content, w.occurrence, 'sending', %(run)s,
            %(now)s, w.given, %(skew)s
        FROM w ORDER BY w.phone_number, w.content, w.occurrence
        ON CONFLICT DO NOTHING
        RETURNING phone_number, content, occurrence),
    updated AS (UPDATE smsmngr_recipients r SET status = 'sending', run = %(run)s,
            sent_at = %(now)s, given = f.given, skew = %(skew)s,
            message_id = NULL, request_id = NULL, error = NULL
        FROM (SELECT x.place, x.was, x.before, w.given, w.i
            FROM (SELECT * FROM w WHERE NOT EXISTS (SELECT 1 FROM inserted n
                WHERE n.phone_number = w.phone_number
                AND n.content = w.content AND n.occurrence = w.occurrence)
                ORDER BY w.phone_number, w.content, w.occurrence OFFSET 0) w
            CROSS JOIN LATERAL (SELECT r.ctid AS place, r.status AS was,
                    json_build_array(r.status, r.message_id, r.request_id, r.error,
                        r.sent_at, r.given, r.skew, r.run)::text AS before
                FROM smsmngr_recipients r WHERE {_BY_KEY} AND {_CLAIMABLE} FOR UPDATE) x) f
        WHERE r.ctid = f.place AND {_CLAIMABLE}
        RETURNING r.phone_number, r.content, r.occurrence, f.i, f.was, f.before),
    claimed AS (SELECT * FROM inserted
        UNION ALL SELECT phone_number, content, occurrence FROM updated)
SELECT 0, NULL, NULL, NULL, NULL WHERE NOT EXISTS (SELECT 1 FROM block)
UNION ALL
SELECT u.i, '{RESENT}', u.before, NULL, NULL FROM updated u WHERE u.was IN ('sending', 'unknown')
UNION ALL
SELECT w.i, r.status, r.message_id, r.request_id, r.error FROM w
    LEFT JOIN LATERAL (SELECT * FROM smsmngr_recipients r WHERE {_BY_KEY}
        AND r.status IN ('sending', 'unknown') AND r.run <> %(run)s
        AND r.run NOT IN {ALIVE_RUNS} OFFSET 0) r ON true
    WHERE NOT EXISTS (SELECT 1 FROM claimed c WHERE c.phone_number = w.phone_number
        AND c.content = w.content AND c.occurrence = w.occurrence)"""  # noqa: S608

SETTLE = """INSERT INTO smsmngr_recipients AS r
    (campaign, phone_number, content, occurrence, status, message_id, request_id, error, skew)
    SELECT %(campaign)s, s.phone_number, decode(s.content, 'hex'), s.occurrence, s.status,
        s.message_id, s.request_id, s.error, s.skew
    FROM unnest(%(numbers)s::text[], %(contents)s::text[], %(occurrences)s::integer[],
        %(statuses)s::text[], %(message_ids)s::text[], %(request_ids)s::text[],
        %(errors)s::text[], %(skews)s::double precision[]) AS s(phone_number, content,
        occurrence, status, message_id, request_id, error, skew)
    ORDER BY 2, 3, 4
    ON CONFLICT (campaign, phone_number, content, occurrence) DO UPDATE SET
        status = excluded.status, message_id = excluded.message_id,
        request_id = excluded.request_id, error = excluded.error,
        skew = coalesce(r.skew, excluded.skew)"""

PUT_BACK = """UPDATE smsmngr_recipients r SET status = b->>3, message_id = b->>4,
        request_id = b->>5, error = b->>6, sent_at = (b->>7)::double precision,
        given = b->>8, skew = (b->>9)::double precision, run = b->>10
    FROM jsonb_array_elements(%(rows)s::jsonb) AS b
    WHERE r.campaign = %(campaign)s AND r.phone_number = b->>0
        AND r.content = decode(b->>1, 'hex') AND r.occurrence = (b->>2)::integer
        AND r.run = %(run)s"""
"""Recipients taken back from unknown and not sent, as they were: ``[number, content in
hex, occurrence, *row as the claim gave it]`` (each while this run still holds it)."""

_STILL_UNKNOWN = f"""r.sent_at IS NOT DISTINCT FROM a.sent_at AND (r.status = 'unknown'
    OR (r.status = 'sending' AND r.run NOT IN {ALIVE_RUNS}))"""

# Reconcile's verdicts, each only on a recipient still as reconcile read it (unknown, or
# in flight by a run that is gone, since the same call): a worker may have taken it back
# and settled it meanwhile. Locked in key order first, as claims lock, so that the two
# never deadlock.
AMEND = f"""UPDATE smsmngr_recipients r SET status = a.status, message_id = a.message_id,
        request_id = NULL, error = a.error
    FROM (SELECT x.place, a.sent_at, a.status, a.message_id, a.error
        FROM (SELECT a.phone_number, decode(a.content, 'hex') AS content, a.occurrence,
                a.sent_at, a.status, a.message_id, a.error
            FROM unnest(%(numbers)s::text[], %(contents)s::text[], %(occurrences)s::integer[],
                %(sent_ats)s::double precision[], %(statuses)s::text[],
                %(message_ids)s::text[], %(errors)s::text[])
                AS a(phone_number, content, occurrence, sent_at, status, message_id, error)
            ORDER BY 1, 2, 3 OFFSET 0) a
        CROSS JOIN LATERAL (SELECT r.ctid AS place FROM smsmngr_recipients r
            WHERE r.campaign = %(campaign)s AND r.phone_number = a.phone_number
            AND r.content = a.content AND r.occurrence = a.occurrence
            AND {_STILL_UNKNOWN} FOR UPDATE) x) a
    WHERE r.ctid = a.place AND {_STILL_UNKNOWN}
    RETURNING r.phone_number, r.content, r.occurrence"""  # noqa: S608

DESCRIBE = """INSERT INTO smsmngr_contents (campaign, content, fields)
    SELECT %(campaign)s, d.* FROM unnest(%(contents)b::bytea[], %(fields)b::text[]) AS d
    ON CONFLICT DO NOTHING"""

UNKNOWNS = f"""SELECT r.phone_number, r.content, r.occurrence, r.given, r.sent_at, r.skew,
        c.fields
    FROM smsmngr_recipients r LEFT JOIN smsmngr_contents c
        ON c.campaign = r.campaign AND c.content = r.content
    WHERE r.campaign = %(campaign)s AND (r.status = 'unknown'
        OR (r.status = 'sending' AND r.run NOT IN {ALIVE_RUNS}))
    ORDER BY r.phone_number, r.content, r.occurrence"""  # noqa: S608

RECORD_REPORT = """INSERT INTO smsmngr_deliveries AS d
    (campaign, message_id, result, code, description, stage, timestamp)
    VALUES (%s, %s, %s, %s, %s, %s, %s)
    ON CONFLICT (campaign, message_id) DO UPDATE SET result = excluded.result,
        code = excluded.code, description = excluded.description,
        stage = excluded.stage, timestamp = excluded.timestamp
    WHERE (excluded.stage, coalesce(excluded.timestamp, %s))
        > (d.stage, coalesce(d.timestamp, %s))"""

DELIVERY_COUNTS = """SELECT d.result, count(*) FROM smsmngr_recipients r
    LEFT JOIN smsmngr_deliveries d ON d.campaign = r.campaign AND d.message_id = r.message_id
    WHERE r.campaign = %s AND r.status = 'accepted' GROUP BY d.result"""

FAILURE_CODES = """SELECT d.code, d.description, count(*) FROM smsmngr_recipients r
    JOIN smsmngr_deliveries d ON d.campaign = r.campaign AND d.message_id = r.message_id
    WHERE r.campaign = %s AND r.status = 'accepted' AND d.result = ANY(%s)
    GROUP BY d.code, d.description ORDER BY count(*) DESC LIMIT 10"""

MATCHED = """SELECT count(*) FROM unnest(%s::text[]) AS m(id) CROSS JOIN LATERAL (SELECT 1
    FROM smsmngr_recipients r WHERE r.message_id = m.id AND r.campaign = %s LIMIT 1) r"""
"""How many of these message ids a campaign's recipients were sent with: looked up one
by one (LATERAL), never by reading the campaign whole for all of them."""


# Columns go to the database as array literals, one text each, and are unnested there:
# cheaper on both sides than a JSON document, and than lists the driver dumps value by
# value.
def texts(values: Iterable[str | None]) -> str:
    """A ``text[]`` literal: each value quoted, ``None`` as ``NULL``."""
    items = list(values)
    if items.count(None) == len(items):  # as the errors of calls accepted whole are
        return "{" + ",".join(["NULL"] * len(items)) + "}"
    if None not in items:
        # Quoted all at once (no text the database takes holds a NUL, so it separates).
        body = "\x00".join(cast("list[str]", items))
        if body.count("\x00") == len(items) - 1:
            body = body.replace("\\", "\\\\").replace('"', '\\"').replace("\x00", '","')
            return '{"' + body + '"}'
    quoted = (
        "NULL" if value is None else '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        for value in items
    )
    return "{" + ",".join(quoted) + "}"


def numbers(values: Iterable[float | None]) -> str:
    """An ``integer[]`` or ``double precision[]`` literal, ``None`` as ``NULL``."""
    return "{" + ",".join("NULL" if value is None else repr(value) for value in values) + "}"


def columns(calls: Sequence[Call]) -> tuple[str, str, str, str]:
    """The recipients of ``calls`` in order, as the literals of their numbers, contents,
    occurrences and numbers as given."""
    phone_numbers: list[str] = []
    contents: list[str] = []
    occurrences: list[int] = []
    givens: list[str] = []
    for call in calls:
        for content, chunk in zip(call.contents, call.chunks, strict=True):
            contents += [content.hex()] * len(chunk)
            phone_numbers += [slot[3] for slot in chunk]
            occurrences += [slot[4] for slot in chunk]
            givens += [slot[2] for slot in chunk]
    return texts(phone_numbers), texts(contents), numbers(occurrences), texts(givens)


def key_columns(keys: Sequence[Key]) -> dict[str, str]:
    """The ``numbers``, ``contents`` and ``occurrences`` literals of recipients' keys."""
    return {
        "numbers": texts(key[0] for key in keys),
        "contents": texts(key[1].hex() for key in keys),
        "occurrences": numbers(key[2] for key in keys),
    }
