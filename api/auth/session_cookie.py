"""Signed session cookie for the pages: base64url(JSON) + "." + HMAC-SHA256, with an expiry.

It holds the CSRF token and, after login, the key id; never personal data.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

COOKIE_NAME = "ig_session"
SESSION_TTL_S = 8 * 3600


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class SessionData:
    csrf: str
    key_id: str | None = None
    expires_at: float = 0.0

    @classmethod
    def fresh(cls, key_id: str | None = None) -> SessionData:
        return cls(secrets.token_urlsafe(24), key_id, time.time() + SESSION_TTL_S)


class SessionCodec:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._secret, payload.encode("ascii"), hashlib.sha256).digest())

    def dumps(self, data: SessionData) -> str:
        body: dict[str, Any] = {"c": data.csrf, "k": data.key_id, "e": int(data.expires_at)}
        payload = _b64(json.dumps(body, separators=(",", ":")).encode("utf-8"))
        return f"{payload}.{self._sign(payload)}"

    def loads(self, value: str | None) -> SessionData | None:
        """The session, or None when absent, tampered with, malformed or expired."""
        if not value or "." not in value:
            return None
        payload, signature = value.rsplit(".", 1)
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        try:
            body = json.loads(_unb64(payload))
            data = SessionData(str(body["c"]), body.get("k"), float(body["e"]))
        except (ValueError, KeyError, TypeError):
            return None
        return data if data.expires_at > time.time() else None
