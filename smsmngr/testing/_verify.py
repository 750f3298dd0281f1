"""The fake's Verify API, with the documented limits: 6 code checks a session, about
10 minutes to use it, 24 hours for a proof; documented answers and error codes.

Its own choices where the reference is silent (docs/testing.md lists them all): a
code is 6 digits from the fake's seeded random source, sent as ``"Your verification
code is 123456"``; at most ``PHONE_STARTS`` starts per number every ``ttl``; the proof
is an HMAC-SHA256 (hex) of ``phoneNumber:token:code:timestamp`` with the verification
secret; a code off the ``^[0-9]{6}$`` pattern is a 400 that spends no attempt; a
verified session answers its own code again and any other with ``Invalid code``,
spending nothing; a payload that does not map strings to strings is a 400.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import random
import re
from collections.abc import Callable, Mapping
from typing import Any

import attrs

__all__ = ["VERIFY_PATHS", "VerifyState", "answer_verify"]

VERIFY_PATHS = ("/v1/validations", "/v1/verify-proof")
ATTEMPTS = 6
TTL = 600.0
PROOF_TTL = 24 * 3600.0
PHONE_STARTS = 5
_PHONE = re.compile(r"[1-9]\d{6,14}")
_CODE = re.compile(r"[0-9]{6}")
_log = logging.getLogger("smsmngr.testing")
_PROOF_FIELDS = ("phoneNumber", "token", "code", "timestamp", "proof")


@attrs.define
class Session:
    phone_number: str
    code: str
    started: float
    timestamp: str
    payload: Mapping[str, str]
    attempts_left: int = ATTEMPTS
    status: str = "code_sent"
    verified_at: str | None = None
    proof: str | None = None


def _iso(moment: float) -> str:
    return (
        dt.datetime.fromtimestamp(moment, dt.timezone.utc).isoformat(timespec="milliseconds")[:-6]
        + "Z"
    )


class VerifyState:
    """The fake's validation sessions."""

    def __init__(
        self,
        *,
        seed: int,
        secret: str | None,
        clock: Callable[[], float],
        tenant_limit: int | None = None,
    ) -> None:
        self.sessions: dict[str, Session] = {}
        self.secret = secret
        self.clock = clock
        self.tenant_limit = tenant_limit
        self._random = random.Random(f"verify:{seed}")  # noqa: S311 (a fake's codes)
        self._starts: list[tuple[float, str]] = []

    def proof(self, phone_number: str, token: str, code: str, timestamp: str) -> str | None:
        if self.secret is None:
            return None
        text = f"{phone_number}:{token}:{code}:{timestamp}".encode()
        return hmac.new(self.secret.encode(), text, hashlib.sha256).hexdigest()


def answer_verify(
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    state: VerifyState,
    api_key: str,
    send_code: Callable[[str, str], None],
) -> tuple[int, Any]:
    """The answer to one Verify API request (``path`` from ``/v1/``)."""
    try:
        data = json.loads(body) if body else {}
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return 400, {"message": "The body must be a JSON object", "error": "MISSING_FIELD"}
    if path == "/v1/verify-proof" and method == "POST":
        return _verify_proof(data, state)
    key = headers.get("x-api-key")
    if not key:
        return 401, {"message": "Missing X-API-Key header", "error": "MISSING_API_KEY"}
    if key != api_key:
        return 401, {"message": "Invalid or disabled API key", "error": "INVALID_API_KEY"}
    if path == "/v1/validations" and method == "POST":
        return _start(data, state, send_code)
    parts = path.split("/")  # "", "v1", "validations", token[, "verify"]
    if len(parts) == 5 and parts[4] == "verify" and method == "POST":
        return _check(parts[3], data, state)
    if len(parts) == 4 and method == "PATCH":
        return _confirm(parts[3], data, state)
    return 404, {"message": f"no endpoint {method} {path}"}


def _start(
    data: dict[str, Any], state: VerifyState, send_code: Callable[[str, str], None]
) -> tuple[int, Any]:
    phone_number = data.get("phoneNumber")
    if phone_number is None:
        return 400, {"message": "Missing required field: phoneNumber", "error": "MISSING_FIELD"}
    if not isinstance(phone_number, str) or not _PHONE.fullmatch(phone_number):
        return 400, {"message": "Invalid phone number", "error": "INVALID_PHONE"}
    now = state.clock()
    state._starts = [(t, p) for t, p in state._starts if now - t < TTL]
    if state.tenant_limit is not None and len(state._starts) >= state.tenant_limit:
        return 429, {"message": "Tenant rate limit exceeded", "error": "TENANT_RATE_LIMIT"}
    if sum(p == phone_number for _, p in state._starts) >= PHONE_STARTS:
        return 429, {
            "message": "Too many attempts for this phone number",
            "error": "PHONE_RATE_LIMIT",
        }
    payload = data.get("payload", {})
    if not isinstance(payload, dict) or not all(isinstance(v, str) for v in payload.values()):
        return 400, {"message": "Invalid payload: must be an object of strings"}
    state._starts.append((now, phone_number))
    token = f"{state._random.getrandbits(256):064x}"
    code = f"{state._random.randrange(10**6):06d}"
    timestamp = _iso(now)
    state.sessions[token] = Session(phone_number, code, now, timestamp, payload)
    send_code(phone_number, f"Your verification code is {code}")
    # A fake's code is no secret: showing it is what lets `verify check` succeed.
    _log.info("Verify code %s sent to %s (token %s...)", code, phone_number, token[:8])
    answer = {
        "token": token,
        "status": "pending",
        "expiresAt": _iso(now + TTL),
        "timestamp": timestamp,
    }
    proof = state.proof(phone_number, token, code, timestamp)
    if proof is not None:
        answer["proof"] = proof
    return 200, answer


def _check(token: str, data: dict[str, Any], state: VerifyState) -> tuple[int, Any]:
    code = data.get("code")
    if not isinstance(code, str):
        return 400, {"message": "Missing required field: code", "error": "MISSING_FIELD"}
    if not _CODE.fullmatch(code):  # the request's schema: no attempt is spent on it
        return 400, {"message": "Invalid code: must match ^[0-9]{6}$"}
    session = state.sessions.get(token)
    if session is None:
        return 404, {"message": "Validation session not found"}
    if session.status == "verified":
        # Its own code reads the verification again; another is wrong, and spends
        # nothing: the session is over.
        if hmac.compare_digest(code, session.code):
            return 200, _verified(token, session)
        return 400, {"message": "Invalid code", "attemptsRemaining": session.attempts_left}
    if state.clock() - session.started > TTL:
        session.status = "expired"
        return 400, {"message": "Validation expired"}
    if session.attempts_left <= 0:
        return 429, {"message": "Too many attempts"}
    if not hmac.compare_digest(code, session.code):
        session.attempts_left -= 1
        if session.attempts_left == 0:
            session.status = "failed"
        return 400, {"message": "Invalid code", "attemptsRemaining": session.attempts_left}
    session.status = "verified"
    session.verified_at = _iso(state.clock())
    session.proof = state.proof(session.phone_number, token, session.code, session.timestamp)
    return 200, _verified(token, session)


def _verified(token: str, session: Session) -> dict[str, Any]:
    answer = {
        "verified": True,
        "phoneNumber": session.phone_number,
        "token": token,
        "code": session.code,
        "timestamp": session.timestamp,
        "verifiedAt": session.verified_at,
    }
    if session.proof is not None:
        answer["proof"] = session.proof
    return answer


def _verify_proof(data: dict[str, Any], state: VerifyState) -> tuple[int, Any]:
    if not all(isinstance(data.get(name), str) and data.get(name) for name in _PROOF_FIELDS):
        return 400, {"message": f"Missing required fields: {', '.join(_PROOF_FIELDS)}"}
    if state.secret is None:
        return 400, {"valid": False, "error": "Tenant does not have verification enabled"}
    expected = state.proof(data["phoneNumber"], data["token"], data["code"], data["timestamp"])
    if expected is None or not hmac.compare_digest(expected, data["proof"]):
        return 200, {"valid": False}
    started = dt.datetime.fromisoformat(data["timestamp"].replace("Z", "+00:00")).timestamp()
    if state.clock() - started > PROOF_TTL:
        return 200, {"valid": False, "expired": True}
    return 200, {"valid": True}


def _confirm(token: str, data: dict[str, Any], state: VerifyState) -> tuple[int, Any]:
    session = state.sessions.get(token)
    if session is None or session.proof is None:
        return 404, {"message": "Validation session or proof not found"}
    proof = data.get("proof")
    if not isinstance(proof, str):
        return 400, {"message": "Missing required field: proof", "error": "MISSING_FIELD"}
    if not hmac.compare_digest(proof, session.proof):
        return 200, {"valid": False}
    return 200, {
        "valid": True,
        "phoneNumber": session.phone_number,
        "verifiedAt": session.verified_at,
    }
