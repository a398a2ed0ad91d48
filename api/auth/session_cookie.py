"""Signed session cookie for the pages: base64url(JSON) + "." + HMAC-SHA256, with an expiry.

It holds the CSRF token and, after login, the key id and a random session id whose hash the
store keeps (`page_sessions`): logout ends that row, so a copy of the cookie stops working at
once, not at its expiry. Never personal data.
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


def session_id_hash(session_id: str) -> str:
    """What the store keeps of a session id (a database reader cannot rebuild the cookie)."""
    return hashlib.sha256(session_id.encode("ascii", "replace")).hexdigest()


@dataclass(frozen=True)
class SessionData:
    csrf: str
    key_id: str | None = None
    expires_at: float = 0.0
    session_id: str | None = None

    @classmethod
    def fresh(cls, key_id: str | None = None) -> SessionData:
        """A new session; a logged-in one (with `key_id`) also gets a new session id."""
        session_id = secrets.token_urlsafe(24) if key_id else None
        return cls(secrets.token_urlsafe(24), key_id, time.time() + SESSION_TTL_S, session_id)


class SessionCodec:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._secret, payload.encode("ascii"), hashlib.sha256).digest())

    def dumps(self, data: SessionData) -> str:
        body: dict[str, Any] = {"c": data.csrf, "k": data.key_id, "e": int(data.expires_at)}
        if data.session_id:
            body["s"] = data.session_id
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
            sid = body.get("s")
            data = SessionData(str(body["c"]), body.get("k"), float(body["e"]), str(sid) if sid else None)
        except (ValueError, KeyError, TypeError):
            return None
        return data if data.expires_at > time.time() else None
