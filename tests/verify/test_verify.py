"""The Verify API: every documented request, answer and error example, the rule that a
code check is never repeated, and the fake's documented limits."""

from __future__ import annotations

import json
import sys
from typing import Any

import httpx
import pytest
import respx

from smsmngr import (
    AsyncClient,
    Client,
    ConfigurationError,
    DeliveryUncertainError,
    InvalidApiKeyError,
    InvalidCodeError,
    InvalidPhoneError,
    MissingApiKeyError,
    MissingFieldError,
    PhoneRateLimitError,
    SessionExpiredError,
    SessionNotFoundError,
    TenantRateLimitError,
    TooManyAttemptsError,
    ValidationError,
    VerifyError,
    VerifyInternalError,
)
from smsmngr.errors import BadRequestError
from smsmngr.testing import FakeSmsManager

from ..support import API_KEY, DATA, NO_WAIT, VERIFY_BASE_URL

pytestmark = pytest.mark.anyio

VERIFY = VERIFY_BASE_URL
EXAMPLES = json.loads((DATA / "verify_examples.json").read_text())
TOKEN = "61591bd88d8fbe7736bca535809d1216dd71cb0b5cbf2b07e5a08adfbeb5d35b"
_PROOF_REQUEST = next(e["value"] for e in EXAMPLES if e["path"] == "/v1/verify-proof")
PROOF_FIELDS = {
    "phone_number": _PROOF_REQUEST["phoneNumber"],
    "token": _PROOF_REQUEST["token"],
    "code": _PROOF_REQUEST["code"],
    "timestamp": _PROOF_REQUEST["timestamp"],
    "proof": _PROOF_REQUEST["proof"],
}
ERROR_CLASS = {
    "invalidPhone": InvalidPhoneError,
    "missingField": MissingFieldError,
    "missingKey": MissingApiKeyError,
    "invalidKey": InvalidApiKeyError,
    "tenantLimit": TenantRateLimitError,
    "phoneLimit": PhoneRateLimitError,
    "invalidCode": InvalidCodeError,
    "expired": SessionExpiredError,
}


def example(kind: str, method: str, path: str, name: str, status: int | None = None) -> Any:
    (found,) = [
        e["value"]
        for e in EXAMPLES
        if (e["kind"], e["method"], e["path"], e["name"]) == (kind, method, path, name)
        and (status is None or e["status"] == status)
    ]
    return found


def route_of(api: respx.MockRouter, method: str, path: str) -> respx.Route:
    return api.request(method, path.replace("{token}", TOKEN))


async def call(client: AsyncClient, method: str, path: str) -> Any:
    if path == "/v1/validations":
        return await client.verify.start("420777123456")
    if path == "/v1/validations/{token}/verify":
        return await client.verify.check(TOKEN, "123456")
    if path == "/v1/verify-proof":
        return await client.verify.check_proof(**PROOF_FIELDS)
    assert (method, path) == ("PATCH", "/v1/validations/{token}")
    return await client.verify.confirm(
        TOKEN, "86dd8444ed76402c93ce62497cb29a0d7af7215261b8497cb355e617b13f4ef2"
    )


@pytest.fixture
def verify_api() -> Any:
    with respx.mock(base_url=VERIFY, assert_all_called=False) as router:
        yield router


def sends(client: AsyncClient, example: dict[str, Any]) -> Any:
    """The SDK call made with the values of a request example."""
    sent, path = example["value"], example["path"]
    if path == "/v1/validations":
        return client.verify.start(sent["phoneNumber"], payload=sent.get("payload"))
    if path == "/v1/validations/{token}/verify":
        return client.verify.check(TOKEN, sent["code"])
    if path == "/v1/verify-proof":
        return client.verify.check_proof(**PROOF_FIELDS)
    return client.verify.confirm(TOKEN, sent["proof"])


STARTED = {"token": TOKEN, "status": "pending", "expiresAt": "2024-01-01T00:10:00.000Z"}
ANSWERED = {
    "/v1/validations": {**STARTED, "timestamp": "2024-01-01T00:00:00.000Z"},
    "/v1/validations/{token}/verify": {"verified": False},
    "/v1/verify-proof": {"valid": True},
    "/v1/validations/{token}": {"valid": True},
}


@pytest.mark.parametrize(
    "request_example",
    [e for e in EXAMPLES if e["kind"] == "request"],
    ids=lambda e: f"{e['method']} {e['path']}: {e['name']}",
)
async def test_each_documented_request_is_what_the_client_sends(
    verify_api: respx.MockRouter,
    client: AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    request_example: dict[str, Any],
) -> None:
    # The reference's number, 1234567890, is in no number plan: with the smsmngr[phone]
    # extra the SDK refuses it, so the documented body is checked without the extra.
    monkeypatch.setitem(sys.modules, "phonenumbers", None)
    method, path = request_example["method"], request_example["path"]
    route = route_of(verify_api, method, path).respond(200, json=ANSWERED[path])
    await sends(client, request_example)
    request = route.calls.last.request
    assert json.loads(request.content) == request_example["value"]
    if path == "/v1/verify-proof":
        assert "x-api-key" not in request.headers  # the proof is the credential
    else:
        assert request.headers["x-api-key"] == API_KEY


@pytest.mark.parametrize(
    "answer",
    [e for e in EXAMPLES if e["kind"] == "response" and e["status"] == 200],
    ids=lambda e: f"{e['path']}:{e['name']}",
)
async def test_every_documented_answer_is_read_whole(
    verify_api: respx.MockRouter, client: AsyncClient, answer: dict[str, Any]
) -> None:
    route_of(verify_api, answer["method"], answer["path"]).respond(200, json=answer["value"])
    result = await call(client, answer["method"], answer["path"])
    assert result.extra == {}  # every documented field read into a typed one
    value = answer["value"]
    if "token" in value:
        assert result.token == value["token"]
    if "proof" in value:
        assert result.proof == value["proof"]
    if "valid" in value:
        assert (result.valid, result.expired) == (value["valid"], value.get("expired", False))


async def test_the_guides_answers_are_read_too(
    verify_api: respx.MockRouter, client: AsyncClient
) -> None:
    token = "61591bd8-3f2a-4c89-b1d5-0e9a7f2c4831"
    verify_api.post("/v1/validations").respond(200, json={
        "token": token, "status": "pending",
        "expiresAt": "2024-06-01T12:15:00Z", "timestamp": "2024-06-01T12:10:00Z",
    })  # fmt: skip
    verify_api.post(f"/v1/validations/{token}/verify").respond(200, json={
        "verified": True, "phoneNumber": "420777123456", "token": token, "code": "123456",
        "timestamp": "2024-06-01T12:10:00Z", "verifiedAt": "2024-06-01T12:11:42Z",
    })  # fmt: skip
    started = await client.verify.start("420777123456")
    assert (started.token, started.expires_at.minute) == (token, 15)
    checked = await client.verify.check(started.token, "123456")
    assert (checked.verified, checked.phone_number, checked.verified_at.second) == (
        True,
        "420777123456",
        42,
    )


@pytest.mark.parametrize(
    "answer",
    [e for e in EXAMPLES if e["kind"] == "response" and e["status"] != 200],
    ids=lambda e: f"{e['method']} {e['path']}:{e['status']}:{e['name']}",
)
async def test_every_documented_error_has_its_class_and_is_not_repeated_where_it_spends(
    verify_api: respx.MockRouter, client: AsyncClient, answer: dict[str, Any]
) -> None:
    route = route_of(verify_api, answer["method"], answer["path"]).respond(
        answer["status"], json=answer["value"]
    )
    expected: type[Exception] = ERROR_CLASS.get(answer["name"], VerifyError)
    if answer["status"] == 500:
        expected = VerifyInternalError
    elif answer["status"] == 429 and answer["name"] == "example":
        expected = TooManyAttemptsError
    elif answer["path"] == "/v1/verify-proof" and answer["status"] == 400:
        expected = BadRequestError
    with pytest.raises(expected) as caught:
        await call(client, answer["method"], answer["path"])
    assert caught.value.body == answer["value"]
    reads = answer["path"] == "/v1/verify-proof" or answer["method"] == "PATCH"
    waits = answer["path"] == "/v1/validations" and answer["status"] == 429
    waits = waits and answer["name"] != "phoneLimit"  # about one number: waiting won't help
    repeated = (reads and answer["status"] == 500) or waits
    assert route.call_count == (1 + NO_WAIT.max_retries if repeated else 1)
    if answer["name"] == "invalidCode":
        assert caught.value.attempts_remaining == 3


async def test_a_code_check_whose_answer_was_lost_is_not_repeated(
    verify_api: respx.MockRouter, client: AsyncClient
) -> None:
    route = route_of(verify_api, "POST", "/v1/validations/{token}/verify").mock(
        side_effect=httpx.ReadTimeout("slow")
    )
    with pytest.raises(DeliveryUncertainError):
        await client.verify.check(TOKEN, "123456")
    assert route.call_count == 1  # each check spends an attempt


@pytest.mark.parametrize(
    "code", ["12345", "1234567", "12a456", "", "\uff11\uff12\uff13\uff14\uff15\uff16"]
)
async def test_a_code_that_is_not_6_digits_is_refused_before_sending(
    verify_api: respx.MockRouter, client: AsyncClient, code: str
) -> None:
    with pytest.raises(ValidationError, match="code"):
        await client.verify.check(TOKEN, code)
    with pytest.raises(ValidationError, match="token"):
        await client.verify.check("../../credit", "123456")
    assert verify_api.calls.call_count == 0


@pytest.mark.parametrize("extra", ["installed", "missing"])
@pytest.mark.parametrize("number", ["0777 123 456", "+0777123456", "tel:0777-123-456"])
async def test_a_national_number_is_refused_before_a_code_is_sent(
    verify_api: respx.MockRouter,
    client: AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    number: str,
    extra: str,
) -> None:
    if extra == "missing":
        monkeypatch.setitem(sys.modules, "phonenumbers", None)
    with pytest.raises(ValidationError, match="national trunk prefix") as caught:
        await client.verify.start(number)
    assert caught.value.field == "phone_number"
    assert "default_region" in caught.value.rule
    assert verify_api.calls.call_count == 0


async def test_default_region_supplies_the_country_of_a_national_number(
    verify_api: respx.MockRouter,
) -> None:
    start = verify_api.post("/v1/validations").respond(200, json={
        "token": TOKEN, "status": "pending", "expiresAt": "2024-01-01T00:10:00.000Z",
        "timestamp": "2024-01-01T00:00:00.000Z",
    })  # fmt: skip
    async with AsyncClient(api_key=API_KEY, retry=NO_WAIT, default_region="GB") as client:
        await client.verify.start("07911 123456")
    assert json.loads(start.calls.last.request.content) == {"phoneNumber": "447911123456"}


@pytest.mark.parametrize("number", ["1234567890", "777 123 456", "+999 1234567"])
async def test_with_the_phone_extra_a_number_valid_nowhere_is_refused(
    verify_api: respx.MockRouter, client: AsyncClient, number: str
) -> None:
    with pytest.raises(ValidationError, match="not a valid international number"):
        await client.verify.start(number)
    assert verify_api.calls.call_count == 0


@pytest.mark.parametrize("token", [".", "..", "..."])
async def test_a_token_of_dots_only_is_refused_as_it_would_leave_the_path(
    verify_api: respx.MockRouter, client: AsyncClient, token: str
) -> None:
    with pytest.raises(ValidationError, match="another endpoint") as caught:
        await client.verify.check(token, "123456")
    assert caught.value.field == "token"
    with pytest.raises(ValidationError, match="another endpoint"):
        await client.verify.confirm(token, "proof")
    assert verify_api.calls.call_count == 0


async def test_the_fake_allows_six_checks_a_session() -> None:
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        started = await client.verify.start("420777123456")
        remaining = []
        for _ in range(6):
            with pytest.raises(InvalidCodeError) as caught:
                await client.verify.check(started.token, "000000")
            remaining.append(caught.value.attempts_remaining)
        with pytest.raises(TooManyAttemptsError):
            await client.verify.check(started.token, fake.code_sent_to("420777123456"))
    assert remaining == [5, 4, 3, 2, 1, 0]
    assert fake.ledger.sent[0].message["body"].startswith("Your verification code is ")


async def test_the_fake_expires_sessions_and_proofs_on_its_clock() -> None:
    now = [1_700_000_000.0]
    fake = FakeSmsManager(verification_secret="s3cret", clock=lambda: now[0])
    async with fake.async_client() as client:
        late = await client.verify.start("420777123456")
        now[0] += 601  # past the documented 10 minutes
        with pytest.raises(SessionExpiredError):
            await client.verify.check(late.token, fake.code_sent_to("420777123456"))
        started = await client.verify.start("420777123456")
        checked = await client.verify.check(started.token, fake.code_sent_to("420777123456"))
        fields = {
            "phone_number": checked.phone_number, "token": checked.token, "code": checked.code,
            "timestamp": checked.timestamp, "proof": checked.proof,
        }  # fmt: skip
        assert (await client.verify.check_proof(**fields)).valid  # type: ignore[arg-type]
        assert (await client.verify.confirm(started.token, checked.proof or "")).valid
        forged = {**fields, "code": "000000"}
        assert not (await client.verify.check_proof(**forged)).valid  # type: ignore[arg-type]
        now[0] += 24 * 3600 + 1
        expired = await client.verify.check_proof(**fields)  # type: ignore[arg-type]
    assert (expired.valid, expired.expired) == (False, True)


async def test_the_fake_limits_starts_per_number_and_checks_keys() -> None:
    fake = FakeSmsManager()
    async with fake.async_client(retry=NO_WAIT) as client:
        for _ in range(5):
            await client.verify.start("420777123456")
        with pytest.raises(PhoneRateLimitError):
            await client.verify.start("420777123456")
        with pytest.raises(SessionNotFoundError):
            await client.verify.check("f" * 64, "123456")
    async with fake.async_client(api_key="wrong") as client:
        with pytest.raises(InvalidApiKeyError):
            await client.verify.start("420777000001")


def test_the_blocking_client_has_verify_too() -> None:
    fake = FakeSmsManager()
    with fake.client() as client:
        started = client.verify.start("+420 777 123 456")
        checked = client.verify.check(started.token, fake.code_sent_to("420777123456"))
    assert (checked.verified, checked.phone_number) == (True, "420777123456")


@pytest.mark.parametrize("typed", ["+420 777 123 456", "00420 777-123-456", "(420) 777.123.456"])
def test_the_fake_finds_the_code_under_any_form_start_accepted(typed: str) -> None:
    fake = FakeSmsManager()
    with fake.client() as client:
        started = client.verify.start(typed)
        assert client.verify.check(started.token, fake.code_sent_to(typed)).verified
    with pytest.raises(LookupError, match="no code was sent"):
        fake.code_sent_to("+420 777 000 000")


def another_code(code: str) -> str:
    """A well-formed code that is not ``code``."""
    return "000000" if code != "000000" else "111111"


def verify_raw(fake: FakeSmsManager, path: str, body: Any) -> httpx.Response:
    """A request straight to the fake's Verify API, bypassing the SDK's checks."""
    with httpx.Client(transport=fake.transport, base_url=VERIFY) as http:
        return http.post(path, json=body, headers={"x-api-key": fake.api_key})


async def test_a_verified_session_answers_only_its_own_code() -> None:
    fake = FakeSmsManager()
    async with fake.async_client() as client:
        started = await client.verify.start("420777123456")
        code = fake.code_sent_to("420777123456")
        assert (await client.verify.check(started.token, code)).verified
        with pytest.raises(InvalidCodeError) as caught:
            await client.verify.check(started.token, another_code(code))
        again = await client.verify.check(started.token, code)  # a lost answer, read again
    assert (again.verified, again.code) == (True, code)
    assert caught.value.attempts_remaining == 6  # nothing spent on a session that is over


@pytest.mark.parametrize("code", ["12345", "1234567", "12345a", "١٢٣٤٥٦", ""])
def test_a_code_off_the_pattern_fails_without_spending_an_attempt(code: str) -> None:
    fake = FakeSmsManager()
    with fake.client() as client:
        token = client.verify.start("420777123456").token
        refused = verify_raw(fake, f"/v1/validations/{token}/verify", {"code": code})
        assert refused.status_code == 400
        assert "^[0-9]{6}$" in refused.json()["message"]
        assert "attemptsRemaining" not in refused.json()
        with pytest.raises(InvalidCodeError) as caught:
            client.verify.check(token, another_code(fake.code_sent_to("420777123456")))
    assert caught.value.attempts_remaining == 5  # only the well-formed code spent one


@pytest.mark.parametrize("payload", [{"user": 42}, {"user": None}, {"user": {"id": "1"}}, ["x"]])
def test_a_payload_that_does_not_map_strings_to_strings_is_refused(payload: Any) -> None:
    fake = FakeSmsManager()
    answer = verify_raw(
        fake, "/v1/validations", {"phoneNumber": "420777123456", "payload": payload}
    )
    assert answer.status_code == 400
    assert "payload" in answer.json()["message"]
    assert fake.verify.sessions == {}
    assert fake.ledger.sent == []


def test_the_verify_base_url_is_an_option_with_the_plain_http_rule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert "verify.example" in repr(
        AsyncClient(api_key="k", verify_base_url="https://verify.example").verify
    )
    monkeypatch.setenv("SMSMANAGER_VERIFY_BASE_URL", "http://verify.example")
    with pytest.raises(ConfigurationError, match="verify_base_url must use https"):
        Client(api_key="k")
