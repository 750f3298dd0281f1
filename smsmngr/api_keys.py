"""The REST API's key settings and child keys (``client.api_keys``).

``me()`` reads the calling key: its note, default webhook URL, scope, whether it is
blocked, and its registered senders by channel. ``update()`` (and
``set_default_callback_url()``) change its settings; ``create()``, ``list()`` and
``change()`` manage its child keys. Keys the API gives back are ``ApiKey`` values:
masked in every repr and text, read with ``.reveal()``.

Example::

    me = await client.api_keys.me()
    me.scope, me.blocked, me.senders_for("sms")
    child = await client.api_keys.create(shared=True, note="warehouse", scope="api")
    store(child.key.reveal())
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar, get_args

import attrs

from ._auth import Secret
from ._calls import unreadable_answer
from ._reading import items, listed, nonempty_text, one, read_object, readers_for
from ._rest import RestResource, nonempty
from ._transport import Reply
from .errors import ResponseFormatError, SmsManagerError, ValidationError

__all__ = [
    "SCOPES",
    "ApiKey",
    "AsyncApiKeys",
    "CallbackChange",
    "CreatedKey",
    "KeyInfo",
    "KeySender",
    "Masked",
    "Scope",
]

Scope = Literal["full", "rest-api", "api"]
SCOPES: tuple[Scope, ...] = get_args(Scope)
"""The documented scopes: ``full`` and ``rest-api`` may change settings, ``api`` only
sends messages."""
_CURRENCIES = ("czk", "eur")
_T = TypeVar("_T")


class Masked(Secret):
    """A secret the platform gave back (a child key, a signup token): masked in its
    repr and text, equal to the same secret, given with ``reveal()``.

    >>> token = Masked("eyJhbGciOi")
    >>> token, f"{token}", token.reveal(), token == Masked("eyJhbGciOi")
    (Masked('***'), "Masked('***')", 'eyJhbGciOi', True)
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"{type(self).__name__}('***')"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Masked):
            return NotImplemented
        return hmac.compare_digest(self.reveal().encode(), other.reveal().encode())

    def __hash__(self) -> int:
        return hash((Masked, self.reveal()))


class ApiKey(Masked):
    """An API key the platform gave back (a child key): ``Masked``, read with
    ``reveal()``.

    >>> ApiKey("cD4-secret")
    ApiKey('***')
    """

    __slots__ = ()


@attrs.frozen
class KeySender:
    """A sender registered on the key: its ``channel`` (the API's ``flow``: ``sms``,
    ``viber``, ``whatsapp``...), its ``value`` (a name or number), its display name."""

    channel: str
    value: str
    name: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


def _sender(data: Any) -> KeySender:
    return read_object(KeySender, data, readers_for(KeySender), names={"channel": "flow"})


@attrs.frozen
class KeyInfo:
    """The calling key as ``GET /apikey/me`` gives it, live: ``blocked`` (the API's
    ``is_blocked``), ``scope`` (``full``, ``rest-api``, ``api``), its ``senders``,
    ``shares_senders`` with its child keys, the account's type (``prepaid``,
    ``postpaid``), ``vat_payer``, ``currency`` and ``time_zone``."""

    note: str | None = None
    default_callback_url: str | None = None
    account: str | None = None
    scope: str | None = None
    shares_senders: bool = False
    blocked: bool = False
    senders: tuple[KeySender, ...] = ()
    vat_payer: bool = False
    currency: str | None = None
    time_zone: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)

    @property
    def enabled(self) -> bool:
        """Whether the key may be used (not blocked)."""
        return not self.blocked

    @property
    def may_change_settings(self) -> bool:
        """Whether the scope allows settings changes (``full``, ``rest-api``)."""
        return self.scope in ("full", "rest-api")

    @property
    def registered(self) -> Mapping[str, frozenset[str]]:
        """The registered senders' values by channel.

        >>> KeyInfo(senders=(KeySender("sms", "Shop"),)).registered
        {'sms': frozenset({'Shop'})}
        """
        by_channel: dict[str, set[str]] = {}
        for sender in self.senders:
            by_channel.setdefault(sender.channel, set()).add(sender.value)
        return {channel: frozenset(values) for channel, values in by_channel.items()}

    def senders_for(self, channel: str) -> frozenset[str]:
        """The values registered for ``channel`` (empty when none)."""
        return self.registered.get(channel, frozenset())


_KEY_READERS = readers_for(
    KeyInfo, shares_senders=one, blocked=one, vat_payer=one, senders=listed(_sender)
)
_KEY_NAMES = {
    "shares_senders": "share_senders",
    "blocked": "is_blocked",
    "vat_payer": "vat",
    "time_zone": "tz",
}


def parse_key_info(data: Any) -> KeyInfo:
    """A ``GET /apikey/me`` answer's ``me`` object."""
    return read_object(KeyInfo, data, _KEY_READERS, names=_KEY_NAMES)


def _key(value: Any) -> ApiKey:
    return ApiKey(nonempty_text(value))


@attrs.frozen
class CreatedKey:
    """A child key made by ``create()``: the ``key`` (masked; ``key.reveal()``) and its
    ``billing_id`` (``None`` for a shared key)."""

    key: ApiKey
    billing_id: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


def _created(data: Any) -> CreatedKey:
    readers = readers_for(CreatedKey, key=_key)
    return read_object(CreatedKey, data, readers, names={"key": "apikey"}, ignore=("success",))


@attrs.frozen
class CallbackChange:
    """What ``set_default_callback_url()`` did: the URL before and after, and the
    senders of the key whose webhook URL the platform rewrote with it."""

    previous: str | None
    url: str
    senders: tuple[KeySender, ...]


def _hidden(value: Any) -> Any:
    """``value`` with every non-empty string masked: an error quoting an answer that
    carries keys must not show them."""
    if isinstance(value, str) and value:
        return "***"
    if isinstance(value, list):
        return [_hidden(item) for item in value]
    if isinstance(value, Mapping):
        return {name: _hidden(item) for name, item in value.items()}
    return value


def _callback_url(value: object) -> str:
    if not isinstance(value, str) or (value and not value.startswith(("https://", "http://"))):
        raise ValidationError(
            "default_callback_url", f"must be an http(s) URL, or '' to clear it, got {value!r}"
        )
    return value


def _scope(field: str, value: object) -> Scope:
    if value not in SCOPES:
        raise ValidationError(field, f"must be one of {', '.join(SCOPES)}, got {value!r}")
    return value


def _given_text(body: dict[str, Any], field: str, value: object, wire: str | None = None) -> None:
    if value is not None:
        body[wire or field] = nonempty(field, value)


def _given_flag(body: dict[str, Any], field: str, value: object) -> None:
    if value is not None:
        if not isinstance(value, bool):
            raise ValidationError(field, f"must be True or False, got {value!r}")
        body[field] = value


class AsyncApiKeys(RestResource):
    """The calling key's settings and its child keys: ``client.api_keys``."""

    async def me(self) -> KeyInfo:
        """The calling key, live (REST ``GET /apikey/me``): blocked or not, its scope,
        note, default webhook URL and registered senders. A read: repeated after 5xx
        and lost answers.

        Example::

            me = await client.api_keys.me()
            if me.blocked or "Shop" not in me.senders_for("sms"): ...
        """
        answer = await self._call("GET", "/apikey/me", repeat=True)
        return self._read(answer, "me", parse_key_info, where="GET /apikey/me")

    async def update(self, *, default_callback_url: str, note: str) -> None:
        """Set the key's default webhook URL and note (REST ``POST /apikey/update``):
        both are required by the API (``""`` clears one), and changing the URL rewrites
        the webhook URL of every sender on the key. Not repeated after a lost answer.
        An ``api`` scope key is refused (``PermissionDeniedError``).

        Example::

            await client.api_keys.update(
                default_callback_url="https://shop.example/hook", note="eshop"
            )
        """
        if not isinstance(note, str):
            raise ValidationError("note", f"must be a string ('' clears it), got {note!r}")
        body = {"default_callback_url": _callback_url(default_callback_url), "note": note}
        await self._call("POST", "/apikey/update", body=body, repeat=False)

    async def set_default_callback_url(self, url: str) -> CallbackChange:
        """Set only the default webhook URL: reads the key's note first (``me()``) and
        sends it back unchanged, as ``update()`` needs both. The result names the
        senders whose webhook URL the platform rewrote.

        Example::

            change = await client.api_keys.set_default_callback_url("https://shop.example/hook")
            [sender.value for sender in change.senders]
        """
        url = _callback_url(url)
        me = await self.me()
        await self.update(default_callback_url=url, note=me.note or "")
        return CallbackChange(previous=me.default_callback_url, url=url, senders=me.senders)

    async def create(
        self,
        *,
        shared: bool | None = None,
        billing_name: str | None = None,
        billing_email: str | None = None,
        currency: Literal["czk", "eur"] | None = None,
        app_user_id: str | None = None,
        billing_id: str | None = None,
        note: str | None = None,
        scope: Scope | None = None,
        share_senders: bool | None = None,
    ) -> CreatedKey:
        """A new child key under this top-level key (REST ``POST /apikey/add``; at most
        19). A ``shared`` key uses this key's billing and credit; any other needs
        ``billing_name``, ``billing_email`` and ``currency``. With ``app_user_id`` (the
        API's ``app_userid``) of an existing key, that key is given back. Not repeated
        after a lost answer.

        Example::

            child = await client.api_keys.create(shared=True, note="warehouse", scope="api")
            child.key.reveal()
        """
        body: dict[str, Any] = {}
        _given_flag(body, "shared", shared)
        for field, value in (("billing_name", billing_name), ("billing_email", billing_email)):
            _given_text(body, field, value)
        if currency is not None:
            if currency not in _CURRENCIES:
                raise ValidationError("currency", f"must be czk or eur, got {currency!r}")
            body["currency"] = currency
        if not shared:
            missing = [f for f in ("billing_name", "billing_email", "currency") if f not in body]
            if missing:
                raise ValidationError(
                    missing[0], "required unless shared=True (a key with its own billing)"
                )
        _given_text(body, "app_user_id", app_user_id, "app_userid")
        _given_text(body, "billing_id", billing_id)
        if note is not None:
            body["note"] = _text("note", note)
        if scope is not None:
            body["scope"] = _scope("scope", scope)
        _given_flag(body, "share_senders", share_senders)
        answer = await self._call("POST", "/apikey/add", body=body, repeat=False)
        return read_secret(answer, None, _created, where="POST /apikey/add")

    async def list(self) -> tuple[ApiKey, ...]:
        """The child keys of this key (REST ``GET /apikey/list``), masked. A read.

        Example::

            for key in await client.api_keys.list():
                print(key.fingerprint(b"salt")[:8])
        """
        answer = await self._call("GET", "/apikey/list", repeat=True)
        return read_secret(answer, "list", items(_key), where="GET /apikey/list")

    async def change(
        self, key: ApiKey | str, *, scope: Scope | None = None, disabled: bool | None = None
    ) -> None:
        """Change a child key's ``scope`` or block it (``disabled=True``; ``False``
        unblocks it) (REST ``POST /apikey/change``; the API's ``disable``). Only its
        parent may; a key cannot change itself. Not repeated after a lost answer.

        Example::

            await client.api_keys.change(child.key, disabled=True)
        """
        value = key.reveal() if isinstance(key, Masked) else key
        body: dict[str, Any] = {"apikey": nonempty("key", value)}
        if scope is None and disabled is None:
            raise ValidationError("scope", "give scope or disabled (or both): nothing to change")
        if scope is not None:
            body["scope"] = _scope("scope", scope)
        if disabled is not None:
            if not isinstance(disabled, bool):
                raise ValidationError("disabled", f"must be True or False, got {disabled!r}")
            body["disable"] = int(disabled)
        await self._call("POST", "/apikey/change", body=body, repeat=False)


def _text(field: str, value: object) -> str:
    if not isinstance(value, str):
        raise ValidationError(field, f"must be a string, got {value!r}")
    return value


def read_secret(answer: Reply, field: str | None, parse: Callable[[Any], _T], *, where: str) -> _T:
    """``RestResource._read`` of an answer that carries keys: an error about it quotes
    the answer (and its values) with every string masked."""
    try:
        return RestResource._read(answer, field, parse, where=where)
    except ResponseFormatError:
        pass
    masked = answer._replace(data=_hidden(answer.data))
    RestResource._read(masked, field, parse, where=where)
    raise unreadable_answer(f"{where} answered with a body that is not as documented", masked)


async def registered_senders(keys: AsyncApiKeys) -> Mapping[str, frozenset[str]] | str:
    """The key's registered senders by channel (``me()``), or why they cannot be read
    (what ``reconcile()`` needs for a message that names no sender)."""
    try:
        me = await keys.me()
    except SmsManagerError as error:
        return f"the key's registered senders cannot be read (GET /apikey/me: {error})"
    return me.registered
