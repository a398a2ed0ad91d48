"""The FastAPI application factory. Nothing heavy happens at import or in `create_app`: the
lifespan loads settings, reference lists, the database, the index build and the LLM reranker once.

    uvicorn --factory api.app:create_app
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api.auth.bootstrap import bootstrap_keys
from api.auth.rate_limit import RateLimiter
from api.batch_rows import MAX_BATCH_ROWS
from api.classifier_loading import ServiceClassifierLoader
from api.classifier_slot import ClassifierSlot
from api.decision_sync import DecisionSync
from api.errors import install_error_handlers
from api.json_logging import configure_json_logging
from api.middleware import BodySizeLimitMiddleware, RequestContextMiddleware, SecurityHeadersMiddleware
from api.pages.install import install_pages
from api.routes import admin, catalog, classify, decisions, docs, health
from api.state import ServiceState
from api.store.decision_judgments import judgments_from
from api.store.repository import Store, StoreUnavailable
from api.validation import ReferenceLists
from catalog.judgments import Judgment
from index_build.artifacts import BuildError
from innogrowth.settings import Settings
from rag.classifier import Classifier

logger = logging.getLogger("innogrowth.api")

BATCH_BODY_LIMIT = 10_000_000
DEFAULT_BODY_LIMIT = 1_000_000
LOGIN_ATTEMPTS_PER_MINUTE = 10


def body_limit_for(path: str) -> int:
    return BATCH_BODY_LIMIT if path.startswith("/v1/classify/batch") else DEFAULT_BODY_LIMIT


def _make_state(
    settings: Settings,
    store: Store | None,
    loader: Callable[[], Classifier],
) -> ServiceState:
    refs = ReferenceLists.load()
    if store is None:
        from api.store.engine import make_engine
        from api.store.sql_store import SqlStore

        store = SqlStore(make_engine(settings.resolved_database_url()))
    live_store = store

    def saved_judgments(classifier: Classifier) -> list[Judgment] | None:
        try:
            return judgments_from(live_store, classifier.catalog, settings.decision_weight)
        except StoreUnavailable as exc:
            # Serve anyway (with the decisions the build holds); the rest join at the next reload.
            logger.error("saved decisions unavailable", extra={"event": "db_unavailable", "reason": str(exc)})
            return None

    slot = ClassifierSlot(loader, saved_judgments)
    return ServiceState(
        settings=settings,
        refs=refs,
        store=store,
        classifiers=slot,
        limiter=RateLimiter(settings.rate_limit_per_minute),
        login_limiter=RateLimiter(LOGIN_ATTEMPTS_PER_MINUTE),
        row_limiter=RateLimiter(settings.batch_rows_per_minute),
    )


def _start(state: ServiceState, classifier: Classifier | None) -> None:
    """Runs in a worker thread at startup; a missing build or database does not stop the start."""
    try:
        state.ensure_schema()
        bootstrap_keys(state.store, state.settings.bootstrap_admin_key)
    except StoreUnavailable as exc:
        logger.error("database unavailable at start", extra={"event": "db_unavailable", "reason": str(exc)})
    try:
        if classifier is not None:
            state.classifiers.install(classifier)
        else:
            state.classifiers.reload()
    except BuildError as exc:
        state.classifiers.load_error = str(exc)
        logger.error("no usable index build", extra={"event": "index_not_ready", "reason": str(exc)})


def create_app(
    settings: Settings | None = None,
    *,
    classifier: Classifier | None = None,
    classifier_loader: Callable[[], Classifier] | None = None,
    store: Store | None = None,
) -> FastAPI:
    """The service. `classifier` / `classifier_loader` / `store` replace the defaults built from
    the settings (the current index build with the configured LLM; the configured database)."""
    settings = settings or Settings()
    resolved = settings
    owned_loader = ServiceClassifierLoader(resolved)  # makes its embedder only when it is used
    loader = classifier_loader or owned_loader

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_json_logging(resolved.log_level)
        state = await to_thread.run_sync(_make_state, resolved, store, loader)
        app.state.service = state
        await to_thread.run_sync(_start, state, classifier)
        decision_sync = DecisionSync(state.store, state.classifiers, resolved.decision_sync_seconds)
        decision_sync.start()
        try:
            yield
        finally:
            decision_sync.stop()
            owned_loader.close()

    app = FastAPI(
        title="innogrowth",
        summary="혁신성장 공동기준 품목 분류 API",
        description=(
            "기업의 기술 정보로 혁신성장 공동기준 품목(테마 > 분야 > 품목) 3개를 근거와 함께 추천합니다. "
            "인증: `Authorization: Bearer <key>` 또는 `X-API-Key: <key>`. 모든 오류는 "
            '`{"error": {"code", "message", "field", "details", "request_id"}}` 형태입니다. '
            f"배치는 최대 {BATCH_BODY_LIMIT // 1_000_000} MB / {MAX_BATCH_ROWS:,}행."
        ),
        version="1.0",
        lifespan=lifespan,
        docs_url=None,  # served by api.routes.docs from local files
        redoc_url=None,
    )
    install_error_handlers(app)
    for module in (health, docs, classify, catalog, decisions, admin):
        app.include_router(module.router)
    install_pages(app)
    app.add_middleware(BodySizeLimitMiddleware, limit_for=body_limit_for)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID"],
        )
    app.add_middleware(RequestContextMiddleware)
    # Outermost, so that the 500 which RequestContextMiddleware answers for an unhandled error
    # carries the security headers too.
    app.add_middleware(SecurityHeadersMiddleware)
    return app
