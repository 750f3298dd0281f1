"""The fake's keys and integrations, through both clients: child keys, scope rules,
blocked keys, the default webhook URL, devices, recipients and the Klaviyo connector;
and that no key the API gives back reaches a log line."""

from __future__ import annotations

import logging

import httpx
import pytest

from smsmngr import (
    AuthenticationError,
    Message,
    NotFoundError,
    PermissionDeniedError,
    RefusedError,
)
from smsmngr.testing import FakeSmsManager

pytestmark = pytest.mark.anyio


async def test_a_child_key_is_made_listed_used_and_blocked_by_its_parent() -> None:
    fake = FakeSmsManager()
    async with fake.async_client() as parent:
        created = await parent.api_keys.create(shared=True, note="warehouse", scope="api")
        assert created.billing_id is None
        assert await parent.api_keys.list() == (created.key,)
        async with fake.async_client(api_key=created.key.reveal()) as child:
            me = await child.api_keys.me()
            assert (me.note, me.scope, me.blocked, me.senders) == ("warehouse", "api", False, ())
            with pytest.raises(PermissionDeniedError, match="scope 'api' is not allowed"):
                await child.api_keys.update(default_callback_url="", note="x")
            with pytest.raises(PermissionDeniedError, match="Only a top-level apikey"):
                await child.api_keys.create(shared=True)
            await parent.api_keys.change(created.key, disabled=True)
            assert (await child.api_keys.me()).blocked is True
            with pytest.raises(AuthenticationError):  # the fake's choice: only /apikey/me
                await child.account.get_credit()
            await parent.api_keys.change(created.key, disabled=False, scope="rest-api")
            assert (await child.api_keys.me()).scope == "rest-api"


async def test_a_child_shares_its_parents_senders_only_when_told() -> None:
    fake = FakeSmsManager(senders={"sms": ["Shop"], "viber": ["ShopViber"]})
    async with fake.async_client() as parent:
        shared = await parent.api_keys.create(shared=True, share_senders=True)
        own = await parent.api_keys.create(
            billing_name="ACME", billing_email="b@acme.example", currency="eur"
        )
        assert own.billing_id is not None
    async with fake.async_client(api_key=shared.key.reveal()) as child:
        assert (await child.api_keys.me()).registered == {
            "sms": frozenset({"Shop"}),
            "viber": frozenset({"ShopViber"}),
        }
    async with fake.async_client(api_key=own.key.reveal()) as child:
        me = await child.api_keys.me()
        assert (me.senders, me.currency) == ((), "eur")


async def test_the_parent_rules_of_the_reference() -> None:
    fake = FakeSmsManager()
    other = FakeSmsManager(api_key="another-account")
    async with fake.async_client() as parent, other.async_client() as stranger:
        with pytest.raises(PermissionDeniedError, match="cannot change itself"):
            await parent.api_keys.change(fake.api_key, scope="api")
        theirs = await stranger.api_keys.create(shared=True)
        fake.rest.keys.keys[theirs.key.reveal()] = other.rest.keys.keys[theirs.key.reveal()]
        with pytest.raises(PermissionDeniedError, match="does not belong to this parent"):
            await parent.api_keys.change(theirs.key, scope="api")
        first = await parent.api_keys.create(shared=True, app_user_id="u-1")
        assert (await parent.api_keys.create(shared=True, app_user_id="u-1")).key == first.key
        for _ in range(18):
            await parent.api_keys.create(shared=True)
        with pytest.raises(PermissionDeniedError, match=r"Child apikey limit reached \(19\)"):
            await parent.api_keys.create(shared=True)


def test_the_api_scope_cannot_change_settings_with_the_blocking_client() -> None:
    fake = FakeSmsManager(key_scope="api")
    with fake.client() as client:
        assert client.api_keys.me().may_change_settings is False
        with pytest.raises(PermissionDeniedError, match="not allowed to change settings"):
            client.api_keys.set_default_callback_url("https://shop.example/hook")


async def test_setting_the_default_webhook_keeps_the_note_and_names_the_senders() -> None:
    fake = FakeSmsManager(senders={"sms": ["Shop"], "whatsapp": ["420777000000"]})
    fake.rest.keys.keys[fake.api_key].note = "eshop"
    async with fake.async_client() as client:
        change = await client.api_keys.set_default_callback_url("https://shop.example/hook")
        me = await client.api_keys.me()
        await client.send(Message("Hi", to=["420777123456"]))
    assert (change.previous, change.url) == ("", "https://shop.example/hook")
    assert [s.value for s in change.senders] == ["Shop", "420777000000"]
    assert (me.note, me.default_callback_url) == ("eshop", "https://shop.example/hook")
    ((url, events),) = fake.webhook_requests()
    assert url is None  # a message without a callback goes to the key's URL
    assert events
    delivered: list[str] = []

    class Recorder:
        async def post(self, target: str, json: object) -> str:
            delivered.append(target)
            return target

    async with fake.async_client() as client:
        await client.send(Message("Again", to=["420777123456"]))
    await fake.deliver_webhooks(Recorder())  # type: ignore[arg-type]
    assert delivered == ["https://shop.example/hook"]


async def test_a_blocked_key_reads_only_its_own_state_and_cannot_send() -> None:
    fake = FakeSmsManager(key_blocked=True)
    async with fake.async_client() as client:
        assert (await client.api_keys.me()).blocked is True
        with pytest.raises(AuthenticationError):
            await client.send(Message("Hi", to=["420777123456"]))
        with pytest.raises(AuthenticationError):
            await client.api_keys.list()
    assert fake.ledger.sent == []


async def test_devices_recipients_and_the_connector() -> None:
    fake = FakeSmsManager(senders={"sms": ["Shop"]})
    async with fake.async_client() as client:
        await client.integrations.register_push_device("d-1", "t-1")
        await client.integrations.register_push_device("d-1", "t-2")  # its own: updated
        child = await client.api_keys.create(shared=True)
        async with fake.async_client(api_key=child.key.reveal()) as other:
            with pytest.raises(PermissionDeniedError, match="owned by another apikey"):
                await other.integrations.register_push_device("d-1", "t-3")
        recipient = await client.integrations.register_recipient(phone_number="+420777123456")
        again = await client.integrations.register_recipient(
            recipient_id=recipient, apns_token="apns"
        )
        assert again == recipient
        with pytest.raises(RefusedError, match="Failed to register recipient"):
            await client.integrations.register_recipient(recipient_id="nope", fcm_token="f")
        segments = await client.integrations.connect("klaviyo", "segments", app_user_id="user-123")
        listed = await client.integrations.connect(
            "klaviyo", "recipients", app_user_id="user-123", segment_id="SEG123"
        )
        senders = await client.integrations.connect("klaviyo", "senders", app_user_id="user-123")
        account = await client.integrations.connect("klaviyo", "me", app_user_id="user-123")
        with pytest.raises(RefusedError, match="not authenticated"):
            await client.integrations.connect("klaviyo", "me", app_user_id="someone")
        with pytest.raises(NotFoundError, match="Unsupported connector"):
            await client.integrations.connect("shopify", "me", app_user_id="user-123")
        signup = await client.integrations.signup_partner(connector_name="My Shop")
    assert fake.rest.keys.devices["d-1"] == (fake.api_key, "t-2")
    assert fake.rest.keys.recipients[recipient] == {
        "phone_number": "420777123456",
        "apns_token": "apns",
    }
    assert [(s.id, s.name) for s in segments.segments] == [("SEG123", "VIP customers")]
    assert listed.recipients == ("420777123456", "420777000111")
    assert [(s.channel, s.name) for s in senders.senders] == [("sms", "Shop")]
    assert (account.currency, account.account) == ("czk", {"note": "", "scope": "full"})
    assert signup.token.reveal() in signup.redirect_url.reveal()


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/apikey/add", {"note": "x"}, "Missing required fields in request data"),
        ("/apikey/add", {"shared": True, "scope": "root"}, "Invalid scope value"),
        (
            "/apikey/update",
            {"note": "x"},
            "Missing 'default_callback_url' or 'note' in request data",
        ),
        ("/apikey/change", {}, "Missing 'apikey' in request data"),
        ("/apikey/change", {"apikey": "k"}, "Missing 'scope' or 'disable' in request data"),
        ("/push/device", {"id": "d"}, "Missing 'id' or 'token' in request data"),
        ("/connect/klaviyo/me", {}, "Invalid 'app_userid' in request data"),
    ],
)
async def test_the_fake_refuses_what_the_reference_refuses(
    path: str, body: dict[str, object], message: str
) -> None:
    fake = FakeSmsManager()
    async with httpx.AsyncClient(transport=fake.transport, base_url="http://fake/v1") as http:
        answer = await http.post(path, json=body, headers={"x-api-key": fake.api_key})
    assert (answer.status_code, answer.json()) == (400, {"message": message})


async def test_no_log_line_shows_a_key_or_token_the_api_gave_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakeSmsManager()
    caplog.set_level(logging.DEBUG)
    async with fake.async_client() as client:
        created = await client.api_keys.create(shared=True)
        listed = await client.api_keys.list()
        signup = await client.integrations.signup_partner(connector_name="Shop")
        await client.api_keys.change(created.key, scope="api")
    secrets = [created.key.reveal(), listed[0].reveal(), signup.token.reveal()]
    texts = [record.getMessage() for record in caplog.records]
    texts += [repr((created, listed, signup)), str(created), f"{signup}"]
    assert caplog.records
    assert not [text for text in texts for secret in secrets if secret in text]
