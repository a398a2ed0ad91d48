"""Open the store named by the settings, creating its tables when they are missing."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

from api.store.engine import DEFAULT_BUSY_TIMEOUT_S, make_engine
from api.store.sql_store import SqlStore
from innogrowth.settings import Settings


def open_store(url: str, *, busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S) -> SqlStore:
    """A store whose tables exist; StoreUnavailable when the database cannot be reached."""
    store = SqlStore(make_engine(url, busy_timeout_s=busy_timeout_s))
    store.create_schema()
    return store


def open_settings_store(settings: Settings, *, busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S) -> SqlStore:
    return open_store(settings.resolved_database_url(), busy_timeout_s=busy_timeout_s)


def sqlite_file_missing(url: str) -> bool:
    """True for a SQLite URL whose file does not exist yet (nothing has ever been saved)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return False
    return not Path(parsed.database).exists()
