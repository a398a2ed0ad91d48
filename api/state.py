"""What the running service holds: its config, reference lists, store, classifier slot, limiters."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from api.auth.rate_limit import RateLimiter
from api.classifying.slot import ClassifierSlot
from api.service_config import ServiceConfig
from api.validation import ReferenceLists
from store.repository import Store

SESSION_SECRET_NAME = "session_signing_key"


@dataclass
class ServiceState:
    config: ServiceConfig
    refs: ReferenceLists
    store: Store
    classifiers: ClassifierSlot
    limiter: RateLimiter
    login_limiter: RateLimiter
    row_limiter: RateLimiter
    """Batch rows per key (INNOGROWTH_BATCH_ROWS_PER_MINUTE)."""
    schema_ready: bool = False
    _session_secret: bytes | None = None
    _secret_lock: threading.Lock = field(default_factory=threading.Lock)

    def ensure_schema(self) -> None:
        """Migrate the database to head, or with `db_auto_upgrade` off only check that it is there
        (once), and check that it answers; StoreUnavailable if not (SchemaNotCurrent: behind, or
        a revision this code does not know)."""
        if not self.schema_ready:
            if self.config.db_auto_upgrade:
                self.store.create_schema()
            else:
                self.store.check_schema()
            self.schema_ready = True
        self.store.ping()

    def session_secret(self) -> bytes:
        """The cookie-signing key, kept in the database so every worker and restart shares it."""
        if self._session_secret is None:
            with self._secret_lock:
                value = self.store.get_or_create_secret(SESSION_SECRET_NAME, lambda: secrets.token_hex(32))
                self._session_secret = bytes.fromhex(value)
        return self._session_secret


def service_state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


StateDep = Annotated[ServiceState, Depends(service_state)]
