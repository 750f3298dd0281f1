"""The fake's API keys and integrations: ``/apikey/*``, ``/partner/signup``,
``/push/device``, ``/recipient/register`` and ``/connect/{connector}/{action}``.

Semantics and messages are the reference's (openapi/rest/restapi_v1.yaml): the fake's
own key is a top-level key; child keys are made under it (at most 19), listed, and
changed only by their parent; the ``api`` scope may not change settings (403). Where
the reference is silent the choices are listed in docs/testing.md.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

import attrs

from ._routes import Routes

__all__ = ["ROUTES", "KeyRecord", "KeyState"]

SCOPES = ("full", "rest-api", "api")
CHILD_LIMIT = 19
SIGNUP_DOMAIN = "connect.smsmanager.com"
_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_SETTINGS_REFUSED = "Apikey scope '{scope}' is not allowed to change settings"
KLAVIYO_ACTIONS = ("segments", "recipients", "senders", "me")
KLAVIYO_NUMBERS = ("420777123456", "420777000111")
KLAVIYO_USER = "user-123"
"""The application user connected to Klaviyo, with the reference's example segment."""


RestAnswer = tuple[int, Any]


class _State(Protocol):
    @property
    def keys(self) -> KeyState: ...


class RestCall(Protocol):
    """What these handlers read of ``_rest.RestCall`` (which imports this module)."""

    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def body(self) -> Any: ...
    @property
    def params(self) -> Mapping[str, str]: ...
    @property
    def state(self) -> _State: ...


@attrs.define
class KeyRecord:
    """One key the fake knows: the fake's own (``parent`` is ``None``) or a child."""

    key: str
    scope: str = "full"
    blocked: bool = False
    note: str = ""
    default_callback_url: str = ""
    senders: list[dict[str, str]] = attrs.field(factory=list)
    share_senders: bool = False
    parent: str | None = None
    billing_id: str | None = None
    currency: str = "czk"
    app_userid: str | None = None


@attrs.define
class KeyState:
    """The keys (the fake's own and its children), push devices, recipients and the
    connected Klaviyo account, with a seeded source of new keys and ids."""

    keys: dict[str, KeyRecord] = attrs.field(factory=dict)
    devices: dict[str, tuple[str, str]] = attrs.field(factory=dict)
    """Device id -> (the key that registered it, its push token)."""
    recipients: dict[str, dict[str, str]] = attrs.field(factory=dict)
    segments: dict[str, dict[str, Any]] = attrs.field(
        factory=lambda: {"SEG123": {"name": "VIP customers", "numbers": KLAVIYO_NUMBERS}}
    )
    """The Klaviyo segments of ``KLAVIYO_USER``: id -> name and phone numbers."""
    ids: random.Random = attrs.field(
        factory=lambda: random.Random("keys"),  # noqa: S311 (a fake's keys, reproducible)
    )

    def add_own(
        self, key: str, *, scope: str, blocked: bool, senders: Mapping[str, Iterable[str]]
    ) -> None:
        """The fake's own key, top-level, with its senders by channel."""
        listed = [
            {"flow": channel, "value": value, "name": value}
            for channel, values in senders.items()
            for value in values
        ]
        self.keys[key] = KeyRecord(key, scope=scope, blocked=blocked, senders=listed)

    def rotate(self, old: str, new: str) -> None:
        """The key ``old`` is now ``new``: same settings, same children."""
        record = self.keys.pop(old)
        record.key = new
        self.keys[new] = record
        for child in self.keys.values():
            if child.parent == old:
                child.parent = new

    def usable(self, key: str | None) -> bool:
        """Whether ``key`` is one the fake knows and it is not blocked."""
        record = self.keys.get(key or "")
        return record is not None and not record.blocked

    def senders_of(self, record: KeyRecord) -> list[dict[str, str]]:
        """A key's senders: its own, and its parent's when the parent shares them."""
        parent = self.keys.get(record.parent or "")
        shared = parent.senders if parent is not None and record.share_senders else []
        return [*record.senders, *shared]

    def registered(self, channel: str) -> str:
        """The first sender the fake's own key has for ``channel`` (``""``: none)."""
        own = next((r for r in self.keys.values() if r.parent is None), None)
        senders = self.senders_of(own) if own is not None else []
        return next((s["value"] for s in senders if s["flow"] == channel), "")

    def new_key(self) -> str:
        return "".join(self.ids.choice(_ALPHABET) for _ in range(40))

    def new_id(self) -> str:
        return str(uuid.UUID(int=self.ids.getrandbits(128), version=4))


ROUTES: Routes[Callable[[RestCall], RestAnswer]] = Routes()
"""The keys' and integrations' REST API v1 operations, by method and path."""


def _refused(message: str, status: int = 400) -> RestAnswer:
    return status, {"message": message}


def _key(call: RestCall) -> str:
    """The calling key (the fake answers only keys it knows)."""
    return call.headers.get("x-api-key") or ""


def _caller(call: RestCall) -> KeyRecord:
    return call.state.keys.keys[_key(call)]


def _body(call: RestCall) -> Mapping[str, Any]:
    return call.body if isinstance(call.body, Mapping) else {}


@ROUTES("GET", "/apikey/me")
def _me(call: RestCall) -> RestAnswer:
    record = _caller(call)
    me = {
        "note": record.note,
        "default_callback_url": record.default_callback_url,
        "account": "prepaid",
        "scope": record.scope,
        "share_senders": "1" if record.share_senders else "0",
        "is_blocked": int(record.blocked),
        "senders": call.state.keys.senders_of(record),
        "vat": "1",
        "currency": record.currency,
        "tz": "Europe/Prague",
    }
    return 200, {"success": True, "me": me}


def _may_change_settings(record: KeyRecord) -> RestAnswer | None:
    if record.scope == "api":
        return _refused(_SETTINGS_REFUSED.format(scope=record.scope), 403)
    return None


@ROUTES("POST", "/apikey/add")
def _add(call: RestCall) -> RestAnswer:
    state, caller, body = call.state.keys, _caller(call), _body(call)
    if caller.parent is not None:
        return _refused("Only a top-level apikey can create new apikeys", 403)
    if (refused := _may_change_settings(caller)) is not None:
        return refused
    app_userid = body.get("app_userid")
    existing = [r for r in state.keys.values() if r.parent == caller.key]
    for record in existing:
        if app_userid is not None and record.app_userid == app_userid:
            return 200, {"success": True, "apikey": record.key, "billing_id": record.billing_id}
    if len(existing) >= CHILD_LIMIT:
        return _refused(f"Child apikey limit reached ({CHILD_LIMIT})", 403)
    shared = body.get("shared") is True
    if not shared and not all(body.get(f) for f in ("billing_name", "billing_email", "currency")):
        return _refused("Missing required fields in request data")
    scope = body.get("scope", "full")
    if scope not in SCOPES or body.get("currency", "czk") not in ("czk", "eur"):
        return _refused("Invalid scope value")
    billing_id = None if shared else str(body.get("billing_id") or state.ids.randint(1000, 9999))
    record = KeyRecord(
        state.new_key(),
        scope=scope,
        note=str(body.get("note") or ""),
        share_senders=body.get("share_senders") is True,
        parent=caller.key,
        billing_id=billing_id,
        currency=caller.currency if shared else str(body["currency"]),
        app_userid=app_userid,
    )
    state.keys[record.key] = record
    return 200, {"success": True, "apikey": record.key, "billing_id": billing_id}


@ROUTES("POST", "/apikey/update")
def _update(call: RestCall) -> RestAnswer:
    caller, body = _caller(call), _body(call)
    url, note = body.get("default_callback_url"), body.get("note")
    if not isinstance(url, str) or not isinstance(note, str):
        return _refused("Missing 'default_callback_url' or 'note' in request data")
    if (refused := _may_change_settings(caller)) is not None:
        return refused
    caller.default_callback_url, caller.note = url, note
    return 200, {"success": True}


@ROUTES("GET", "/apikey/list")
def _list(call: RestCall) -> RestAnswer:
    children = [r.key for r in call.state.keys.keys.values() if r.parent == _key(call)]
    return 200, {"success": True, "list": children}


@ROUTES("POST", "/apikey/change")
def _change(call: RestCall) -> RestAnswer:
    state, body = call.state.keys, _body(call)
    target = body.get("apikey")
    if not isinstance(target, str) or not target:
        return _refused("Missing 'apikey' in request data")
    scope, disable = body.get("scope"), body.get("disable")
    if scope is None and disable is None:
        return _refused("Missing 'scope' or 'disable' in request data")
    if target == _key(call):
        return _refused("Parent apikey cannot change itself", 403)
    record = state.keys.get(target)
    if record is None or record.parent != _key(call):
        return _refused("Target apikey does not belong to this parent", 403)
    if scope is not None and scope not in SCOPES:
        return _refused("Invalid scope value")
    if disable is not None and disable not in (0, 1):
        return _refused("Invalid 'disable' value")  # the fake's wording
    if scope is not None:
        record.scope = scope
    if disable is not None:
        record.blocked = bool(disable)
    return 200, {"success": True}


@ROUTES("POST", "/partner/signup")
def _signup(call: RestCall) -> RestAnswer:
    token = "eyJ" + call.state.keys.new_key()
    redirect = f"https://{SIGNUP_DOMAIN}/?configuration={token}"
    return 200, {"success": True, "token": token, "domain": SIGNUP_DOMAIN, "redirect_url": redirect}


@ROUTES("POST", "/push/device")
def _device(call: RestCall) -> RestAnswer:
    state, body = call.state.keys, _body(call)
    device, token = body.get("id"), body.get("token")
    if not isinstance(device, str) or not device or not isinstance(token, str) or not token:
        return _refused("Missing 'id' or 'token' in request data")
    owner = state.devices.get(device)
    if owner is not None and owner[0] != _key(call):
        return _refused("Device is owned by another apikey", 403)
    state.devices[device] = (_key(call), token)
    return 200, {"success": True}


@ROUTES("POST", "/recipient/register")
def _recipient(call: RestCall) -> RestAnswer:
    state, body = call.state.keys, _body(call)
    recipient_id = body.get("id")
    if recipient_id is not None and recipient_id not in state.recipients:
        return 500, {"message": "Failed to register recipient"}  # the fake's choice
    recipient_id = recipient_id or state.new_id()
    fields = ("phone_number", "fcm_token", "apns_token")
    stored = state.recipients.setdefault(recipient_id, {})
    stored.update({name: str(body[name]) for name in fields if body.get(name) is not None})
    return 200, {"success": True, "recipient": recipient_id}


@ROUTES("POST", "/connect/{connector}/{action}")
def _connect(call: RestCall) -> RestAnswer:
    connector, action = call.params["connector"], call.params["action"]
    if connector != "klaviyo" or action not in KLAVIYO_ACTIONS:
        return _refused("Unsupported connector or action", 404)
    body = _body(call)
    user = body.get("app_userid")
    if not isinstance(user, str) or not user:
        return _refused("Invalid 'app_userid' in request data")
    if user != KLAVIYO_USER:
        return 200, {"success": False, "message": "Klaviyo request not authenticated"}
    state = call.state.keys
    if action == "segments":
        segments = [{"id": key, "name": s["name"]} for key, s in state.segments.items()]
        return 200, {"success": True, "segments": segments}
    if action == "recipients":
        segment = state.segments.get(str(body.get("segment_id")))
        if "segment_id" not in body:
            return _refused("Missing 'segment_id' in request data")  # the fake's wording
        return 200, {"success": True, "recipients": list(segment["numbers"] if segment else ())}
    record = _caller(call)
    if action == "senders":
        senders = [{"type": s["flow"], "name": s["value"]} for s in state.senders_of(record)]
        return 200, {"success": True, "senders": senders}
    account = {"note": record.note, "scope": record.scope}
    return 200, {"success": True, "account": account, "currency": record.currency}
