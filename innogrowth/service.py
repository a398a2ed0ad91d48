"""The web service made from the settings: the factory uvicorn runs.

uvicorn --factory innogrowth.service:create_app
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from api.app import build_app
from api.service_config import ServiceConfig
from innogrowth.classifier_loading import ServiceClassifierLoader
from innogrowth.settings import Settings
from rag.classifier import Classifier
from store.engine import make_engine
from store.repository import Store
from store.sql_store import SqlStore


def service_config(settings: Settings) -> ServiceConfig:
    return ServiceConfig(
        decision_weight=settings.decision_weight,
        rate_limit_per_minute=settings.rate_limit_per_minute,
        batch_rows_per_minute=settings.batch_rows_per_minute,
        decision_sync_seconds=settings.decision_sync_seconds,
        db_auto_upgrade=settings.db_auto_upgrade,
        bootstrap_admin_key=settings.bootstrap_admin_key,
        log_level=settings.log_level,
        cors_origins=tuple(settings.cors_origins),
    )


def create_app(
    settings: Settings | None = None,
    *,
    classifier: Classifier | None = None,
    classifier_loader: Callable[[], Classifier] | None = None,
    store: Store | None = None,
) -> FastAPI:
    """The service. `classifier` / `classifier_loader` / `store` replace the defaults built from
    the settings (the current index build with the configured LLM; the configured database)."""
    resolved = settings or Settings()
    owned_loader = ServiceClassifierLoader(resolved)  # makes its embedder only when it is used

    def open_store() -> Store:
        return store if store is not None else SqlStore(make_engine(resolved.resolved_database_url()))

    return build_app(
        service_config(resolved),
        open_store=open_store,
        classifier_loader=classifier_loader or owned_loader,
        classifier=classifier,
        close=owned_loader.close,
    )
