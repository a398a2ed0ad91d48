"""The store's interface. The API depends on these protocols, not on a database."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Protocol

from store.records import (
    ApiKeyRecord,
    DecisionFilter,
    DecisionPage,
    DecisionRecord,
    NewApiKey,
    NewDecision,
    NewRun,
    RunRecord,
)


class StoreUnavailable(RuntimeError):
    """The database cannot be reached or is locked; nothing was written. Retrying may succeed."""


class SchemaNotCurrent(StoreUnavailable):
    """The database's schema is not the revision this code needs (`store/migrate.py`); nothing
    was changed. `current` is the database's revision (None: none yet), `head` this code's."""

    def __init__(self, message: str, *, current: str | None, head: str) -> None:
        super().__init__(message)
        self.current = current
        self.head = head

    def __str__(self) -> str:
        return f"{super().__str__()} {self.hint}".strip()

    hint = ""
    """What to do about it, in Korean (logged at start, shown by /ready and the commands)."""


class SchemaBehind(SchemaNotCurrent):
    """An older revision (or an empty database) while upgrading at start is turned off."""

    hint = (
        "`innogrowth db upgrade`로 데이터베이스를 올린 뒤 다시 확인합니다(/ready). "
        "INNOGROWTH_DB_AUTO_UPGRADE=true면 시작할 때 자동으로 올립니다."
    )


class SchemaUnknown(SchemaNotCurrent):
    """A revision this code does not know (newer code wrote it), or tables that match none of
    its revisions: never altered."""

    hint = "이 데이터베이스를 만든 더 새로운 버전의 코드로 서비스하십시오 (`innogrowth db current`)."


class RunNotFound(LookupError):
    """No classification run with that id."""


class DecisionConflict(RuntimeError):
    """A decision for that run is already saved."""


class DecisionNotFound(LookupError):
    """No saved decision with that id."""


class DecisionAlreadyWithdrawn(RuntimeError):
    """The decision was withdrawn before."""

    def __init__(self, record: DecisionRecord) -> None:
        super().__init__(record.id)
        self.record = record


class DecisionRepository(Protocol):
    def ping(self) -> None: ...

    def create_schema(self) -> None:
        """Bring the database to this code's schema (migrations to head); SchemaUnknown for a
        revision this code does not know."""
        ...

    def check_schema(self) -> None:
        """Change nothing; SchemaBehind or SchemaUnknown unless the database is at head."""
        ...

    def save_run(self, run: NewRun) -> int: ...

    def get_run(self, run_id: int) -> RunRecord | None: ...

    def save_decision(self, decision: NewDecision) -> DecisionRecord: ...

    def get_decision(self, decision_id: int) -> DecisionRecord | None: ...

    def list_decisions(self, flt: DecisionFilter, page: int, per_page: int) -> DecisionPage: ...

    def all_decisions(self) -> list[DecisionRecord]: ...

    def decisions_version(self) -> tuple[int, int, int]:
        """(decisions, highest id, withdrawn): changes whenever a decision is saved or withdrawn,
        which is what every worker and replica checks to pick up the others' decisions."""
        ...

    def decisions_sharing_text(self, text_keys: Collection[str]) -> list[DecisionRecord]:
        """Every decision (withdrawn ones included) whose technical text has one of these keys."""
        ...

    def withdraw_decision(self, decision_id: int, by: str, reason: str) -> DecisionRecord:
        """Mark a decision withdrawn (kept for the audit trail); DecisionNotFound or
        DecisionAlreadyWithdrawn otherwise."""
        ...


class KeyRepository(Protocol):
    def add_key(self, key: NewApiKey) -> ApiKeyRecord: ...

    def find_key(self, key_id: str) -> ApiKeyRecord | None: ...

    def list_keys(self) -> list[ApiKeyRecord]: ...

    def revoke_key(self, key_id: str) -> bool: ...

    def count_active_keys(self) -> int: ...


class SessionRepository(Protocol):
    def open_session(self, id_hash: str, key_id: str, expires_at: datetime) -> None: ...

    def session_key(self, id_hash: str) -> str | None:
        """The key id of a session that has not been ended, else None."""
        ...

    def end_session(self, id_hash: str) -> bool: ...


class SecretRepository(Protocol):
    def get_or_create_secret(self, name: str, make: Callable[[], str]) -> str: ...


class Store(DecisionRepository, KeyRepository, SessionRepository, SecretRepository, Protocol):
    """Everything the service persists."""
