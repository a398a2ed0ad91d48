"""The store's interface. The API depends on these protocols, not on a database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from api.store.records import (
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


class RunNotFound(LookupError):
    """No classification run with that id."""


class DecisionConflict(RuntimeError):
    """A decision for that run is already saved."""


class DecisionRepository(Protocol):
    def ping(self) -> None: ...

    def create_schema(self) -> None: ...

    def save_run(self, run: NewRun) -> int: ...

    def get_run(self, run_id: int) -> RunRecord | None: ...

    def save_decision(self, decision: NewDecision) -> DecisionRecord: ...

    def get_decision(self, decision_id: int) -> DecisionRecord | None: ...

    def list_decisions(self, flt: DecisionFilter, page: int, per_page: int) -> DecisionPage: ...

    def all_decisions(self) -> list[DecisionRecord]: ...


class KeyRepository(Protocol):
    def add_key(self, key: NewApiKey) -> ApiKeyRecord: ...

    def find_key(self, key_id: str) -> ApiKeyRecord | None: ...

    def list_keys(self) -> list[ApiKeyRecord]: ...

    def revoke_key(self, key_id: str) -> bool: ...

    def count_active_keys(self) -> int: ...


class SecretRepository(Protocol):
    def get_or_create_secret(self, name: str, make: Callable[[], str]) -> str: ...


class Store(DecisionRepository, KeyRepository, SecretRepository, Protocol):
    """Everything the service persists."""
