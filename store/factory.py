"""Open the store at a database URL, at this code's schema."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

from store.engine import DEFAULT_BUSY_TIMEOUT_S, make_engine
from store.sql_store import SqlStore


def open_store(url: str, *, busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S, upgrade: bool = True) -> SqlStore:
    """A store at this code's schema: migrated to it (`upgrade`), or only checked (SchemaBehind
    when it is behind); StoreUnavailable when the database cannot be reached."""
    store = SqlStore(make_engine(url, busy_timeout_s=busy_timeout_s))
    if upgrade:
        store.create_schema()
    else:
        store.check_schema()
    return store


def sqlite_file_missing(url: str) -> bool:
    """True for a SQLite URL whose file does not exist yet (nothing has ever been saved)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return False
    return not Path(parsed.database).exists()
