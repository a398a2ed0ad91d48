"""Who is calling: resolved from an API key header or the pages' session cookie."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from fastapi import Request

from api.auth.keys import verify_key
from api.auth.session_cookie import COOKIE_NAME, SessionCodec, SessionData, session_id_hash
from api.state import ServiceState
from store.records import Role


@dataclass(frozen=True)
class Principal:
    key_id: str
    name: str
    role: Role
    via: Literal["key", "session"]


def key_from_headers(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None
    return request.headers.get("x-api-key") or None


def session_of(request: Request, state: ServiceState) -> SessionData | None:
    return SessionCodec(state.session_secret()).loads(request.cookies.get(COOKIE_NAME))


def principal_from_key(state: ServiceState, plaintext: str) -> Principal | None:
    record = verify_key(state.store, plaintext)
    return Principal(record.key_id, record.name, record.role, "key") if record else None


def principal_from_session(state: ServiceState, session: SessionData | None) -> Principal | None:
    if session is None or not session.key_id or not session.session_id:
        return None
    # ended by logout (or never opened: a cookie from before sessions were stored) → no principal
    if state.store.session_key(session_id_hash(session.session_id)) != session.key_id:
        return None
    record = state.store.find_key(session.key_id)
    if record is None or not record.active:
        return None
    return Principal(record.key_id, record.name, record.role, "session")
