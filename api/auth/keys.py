"""API keys: `ig_<key id>_<secret>`. Only a per-key salted HMAC-SHA256 of the secret is stored."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from store.records import ApiKeyRecord, NewApiKey, Role
from store.repository import KeyRepository

KEY_PATTERN = re.compile(r"^ig_([0-9a-f]{12})_([A-Za-z0-9_-]{20,128})$")


@dataclass(frozen=True)
class IssuedKey:
    """A freshly created key: `plaintext` is shown once and never stored."""

    plaintext: str
    record: ApiKeyRecord


def hash_secret(salt: str, secret: str) -> str:
    return hmac.new(bytes.fromhex(salt), secret.encode("utf-8"), hashlib.sha256).hexdigest()


def parse_key(plaintext: str) -> tuple[str, str] | None:
    match = KEY_PATTERN.match(plaintext.strip())
    return (match.group(1), match.group(2)) if match else None


def new_key_material(key_id: str | None = None, secret: str | None = None) -> tuple[str, str, str]:
    """(key id, secret, plaintext)."""
    key_id = key_id or secrets.token_hex(6)
    secret = secret or secrets.token_urlsafe(32)
    return key_id, secret, f"ig_{key_id}_{secret}"


def create_key(repo: KeyRepository, *, name: str, role: Role, plaintext: str | None = None) -> IssuedKey:
    """Store a new key (or the given well-formed plaintext, e.g. a bootstrap key) and return it."""
    if plaintext is not None:
        parsed = parse_key(plaintext)
        if parsed is None:
            raise ValueError("key must look like ig_<12 hex digits>_<20-128 url-safe characters>")
        key_id, secret, plaintext = *parsed, plaintext.strip()
    else:
        key_id, secret, plaintext = new_key_material()
    salt = secrets.token_hex(16)
    record = repo.add_key(
        NewApiKey(key_id=key_id, name=name, role=role, salt=salt, secret_hash=hash_secret(salt, secret))
    )
    return IssuedKey(plaintext, record)


def verify_key(repo: KeyRepository, plaintext: str) -> ApiKeyRecord | None:
    """The active key matching `plaintext`, or None (unknown, malformed, wrong secret, revoked)."""
    parsed = parse_key(plaintext)
    if parsed is None:
        return None
    key_id, secret = parsed
    record = repo.find_key(key_id)
    if record is None or not record.active:
        return None
    if not hmac.compare_digest(record.secret_hash, hash_secret(record.salt, secret)):
        return None
    return record
