"""What the web service needs to know, as plain values (built from the settings by
`innogrowth.service`): the web layer never reads the settings itself."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceConfig:
    decision_weight: float = 0.5
    """One reviewer's saved decision; n agreeing: min(1, n x this)."""
    rate_limit_per_minute: int = 120
    batch_rows_per_minute: int = 1000
    """Batch rows per key and minute (also the most rows in one batch)."""
    decision_sync_seconds: float = 2.0
    """How often the service learns decisions saved or withdrawn by other workers (0: never)."""
    db_auto_upgrade: bool = True
    """At start, migrate the database to head; False: only check, and refuse one that is behind."""
    bootstrap_admin_key: str | None = None
    log_level: str = "INFO"
    cors_origins: tuple[str, ...] = ()
