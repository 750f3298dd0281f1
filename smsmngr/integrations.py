"""The REST API's partner and integration operations (``client.integrations``):
partner signup, push devices and recipients, and connector actions (Klaviyo).

Example::

    signup = await client.integrations.signup_partner(connector_name="My Shop")
    redirect(signup.redirect_url.reveal())  # masked until revealed: it carries the token
    segments = await client.integrations.connect("klaviyo", "segments", app_user_id="user-123")
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ._reading import listed, mapping, nonempty_text, optional, read_object, readers_for
from ._rest import RestResource, nonempty, segment
from .api_keys import Masked, read_secret
from .errors import RefusedError, ValidationError

__all__ = [
    "AsyncIntegrations",
    "ConnectorResult",
    "ConnectorSegment",
    "ConnectorSender",
    "PartnerSignup",
]

# openapi/rest/restapi_v1.yaml, /connect/{connector}/{action}: each documented action
# lists or returns something; none changes anything.
_READING_ACTIONS = frozenset({"segments", "recipients", "senders", "me"})
_SIGNUP_FIELDS = (
    "connector_name",
    "callback_url",
    "callback_data",
    "final_url",
    "partner_logo_url",
    "partner_client_id",
    "partner_client_data",
    "language",
    "partner_copyright",
)


def _masked(value: Any) -> Masked:
    return Masked(nonempty_text(value))


@attrs.frozen
class PartnerSignup:
    """A partner signup started: its signed ``token`` (valid an hour) and the hosted
    ``redirect_url`` for the end user, both ``Masked`` (the URL carries the token), and
    the signup page's ``domain``."""

    token: Masked
    redirect_url: Masked
    domain: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


def _signup(data: Any) -> PartnerSignup:
    readers = readers_for(PartnerSignup, token=_masked, redirect_url=_masked)
    return read_object(PartnerSignup, data, readers, ignore=("success",))


@attrs.frozen
class ConnectorSegment:
    """A segment of the connected account (``segments`` action)."""

    id: str
    name: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class ConnectorSender:
    """A sender available to the connected account (``senders`` action): its channel
    (the API's ``type``) and name."""

    channel: str | None = None
    name: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class ConnectorResult:
    """A connector action's answer; which fields are set depends on the action:
    ``segments``, ``recipients`` (phone numbers), ``senders``, or ``account`` and
    ``currency`` (``me``)."""

    segments: tuple[ConnectorSegment, ...] = ()
    recipients: tuple[str, ...] = ()
    senders: tuple[ConnectorSender, ...] = ()
    account: Mapping[str, Any] | None = None
    currency: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


def _segment(data: Any) -> ConnectorSegment:
    return read_object(ConnectorSegment, data, readers_for(ConnectorSegment))


def _sender(data: Any) -> ConnectorSender:
    readers = readers_for(ConnectorSender)
    return read_object(ConnectorSender, data, readers, names={"channel": "type"})


_CONNECTOR_READERS = readers_for(
    ConnectorResult,
    segments=listed(_segment),
    recipients=listed(nonempty_text),
    senders=listed(_sender),
    account=optional(mapping),
)


def _connector(data: Any) -> ConnectorResult:
    return read_object(ConnectorResult, data, _CONNECTOR_READERS, ignore=("success",))


class AsyncIntegrations(RestResource):
    """Partner signup, push devices, recipients and connector actions:
    ``client.integrations``. None of them is repeated after a lost answer."""

    async def signup_partner(
        self,
        *,
        connector_name: str | None = None,
        callback_url: str | None = None,
        callback_data: str | None = None,
        final_url: str | None = None,
        partner_logo_url: str | None = None,
        partner_client_id: str | None = None,
        partner_client_data: str | None = None,
        language: str | None = None,
        partner_copyright: str | None = None,
    ) -> PartnerSignup:
        """Start a partner-branded signup (REST ``POST /partner/signup``; partner
        accounts only): send the end user to ``redirect_url.reveal()``.

        Example::

            signup = await client.integrations.signup_partner(
                connector_name="My Shop", final_url="https://partner.example/done"
            )
        """
        given = dict(zip(_SIGNUP_FIELDS, (
            connector_name, callback_url, callback_data, final_url, partner_logo_url,
            partner_client_id, partner_client_data, language, partner_copyright,
        ), strict=True))  # fmt: skip
        body = {name: nonempty(name, value) for name, value in given.items() if value is not None}
        for name in ("callback_url", "final_url", "partner_logo_url"):
            if name in body and not body[name].startswith(("https://", "http://")):
                raise ValidationError(name, f"must be an http(s) URL, got {body[name]!r}")
        answer = await self._call("POST", "/partner/signup", body=body, repeat=False)
        return read_secret(answer, None, _signup, where="POST /partner/signup")

    async def register_push_device(self, device_id: str, token: str) -> None:
        """Register (or update) a push device (REST ``POST /push/device``; the API's
        ``id`` and ``token``). A device registered by another key is refused
        (``PermissionDeniedError``).

        Example::

            await client.integrations.register_push_device("device-uuid-123", "fcm-token-xyz")
        """
        body = {"id": nonempty("device_id", device_id), "token": nonempty("token", token)}
        await self._call("POST", "/push/device", body=body, repeat=False)

    async def register_recipient(
        self,
        *,
        recipient_id: str | None = None,
        phone_number: str | None = None,
        fcm_token: str | None = None,
        apns_token: str | None = None,
    ) -> str:
        """Create a recipient (without ``recipient_id``) or update the fields given of
        one (REST ``POST /recipient/register``); gives the recipient's id.

        Example::

            recipient_id = await client.integrations.register_recipient(
                phone_number="420777123456", fcm_token="fcm-abc"
            )
        """
        body: dict[str, Any] = {}
        if recipient_id is not None:
            body["id"] = nonempty("recipient_id", recipient_id)
        if phone_number is not None:
            body["phone_number"] = self._normalize(phone_number, field="phone_number")
        for name, value in (("fcm_token", fcm_token), ("apns_token", apns_token)):
            if value is not None:
                body[name] = nonempty(name, value)
        if not body.keys() - {"id"}:
            raise ValidationError(
                "phone_number", "give a phone_number, fcm_token or apns_token to register"
            )
        answer = await self._call("POST", "/recipient/register", body=body, repeat=False)
        where = "POST /recipient/register"
        return self._read(answer, "recipient", nonempty_text, where=where)

    async def connect(
        self, connector: str, action: str, *, app_user_id: str, segment_id: str | None = None
    ) -> ConnectorResult:
        """Run a connected integration's action (REST ``POST /connect/{connector}/{action}``):
        ``klaviyo`` with ``segments``, ``recipients`` (needs ``segment_id``), ``senders``
        or ``me``. ``app_user_id`` is the API's ``app_userid``. An answer of
        ``success: false`` (the integration is not authenticated) raises
        ``RefusedError``; an unknown connector or action ``NotFoundError``. The four
        documented actions only read (they list or return), so they are asked again
        after a lost answer or a 5xx; any other action is not.

        Example::

            result = await client.integrations.connect(
                "klaviyo", "recipients", app_user_id="user-123", segment_id="SEG123"
            )
            result.recipients
        """
        path = f"/connect/{segment('connector', connector)}/{segment('action', action)}"
        body = {"app_userid": nonempty("app_user_id", app_user_id)}
        if segment_id is not None:
            body["segment_id"] = nonempty("segment_id", segment_id)
        elif action == "recipients":
            raise ValidationError("segment_id", "required by the recipients action")
        repeat = action in _READING_ACTIONS
        answer = await self._call("POST", path, body=body, repeat=repeat)
        if answer.data.get("success") is False:
            message = answer.data.get("message") or "the connector refused the action"
            raise RefusedError(
                f"POST /connect/{connector}/{action}: {message}",
                status_code=answer.status_code,
                body=answer.data,
                headers=answer.headers,
            )
        return self._read(answer, None, _connector, where="POST /connect/{connector}/{action}")
