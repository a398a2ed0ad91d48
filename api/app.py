"""The FastAPI application, built from a config and the factories of what it owns. Nothing heavy
happens at import or in `build_app`: the lifespan opens the database, loads the reference lists
and the classifier (index build, embedder, LLM reranker) once, and closes them at shutdown.

The service made from the settings is `innogrowth.service:create_app` (uvicorn --factory).
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
from api.classifying.batch_rows import MAX_BATCH_ROWS
from api.classifying.decision_sync import DecisionSync
from api.classifying.slot import ClassifierSlot
from api.errors import install_error_handlers
from api.json_logging import configure_json_logging
from api.middleware import BodySizeLimitMiddleware, RequestContextMiddleware, SecurityHeadersMiddleware
from api.openapi_streams import describe_json_lines
from api.pages.install import install_pages
from api.result_schema import BatchLineOut
from api.routes import admin, catalog, classify, decisions, docs, health
from api.service_config import ServiceConfig
from api.state import ServiceState
from api.validation import ReferenceLists
from catalog.judgments import Judgment
from index_build.artifacts import BuildError
from rag.classifier import Classifier
from store.decision_judgments import judgments_from
from store.repository import SchemaNotCurrent, Store, StoreUnavailable

logger = logging.getLogger("innogrowth.api")

BATCH_BODY_LIMIT = 10_000_000
DEFAULT_BODY_LIMIT = 1_000_000
LOGIN_ATTEMPTS_PER_MINUTE = 10


def body_limit_for(path: str) -> int:
    return BATCH_BODY_LIMIT if path.startswith("/v1/classify/batch") else DEFAULT_BODY_LIMIT


def _make_state(
    config: ServiceConfig,
    open_store: Callable[[], Store],
    loader: Callable[[], Classifier],
) -> ServiceState:
    refs = ReferenceLists.load()
    store = open_store()

    def saved_judgments(classifier: Classifier) -> list[Judgment] | None:
        try:
            return judgments_from(store, classifier.catalog, config.decision_weight)
        except StoreUnavailable as exc:
            # Serve anyway (with the decisions the build holds); the rest join at the next reload.
            logger.error("saved decisions unavailable", extra={"event": "db_unavailable", "reason": str(exc)})
            return None

    slot = ClassifierSlot(loader, saved_judgments)
    return ServiceState(
        config=config,
        refs=refs,
        store=store,
        classifiers=slot,
        limiter=RateLimiter(config.rate_limit_per_minute),
        login_limiter=RateLimiter(LOGIN_ATTEMPTS_PER_MINUTE),
        row_limiter=RateLimiter(config.batch_rows_per_minute),
    )


def _start(state: ServiceState, classifier: Classifier | None) -> None:
    """Runs in a worker thread at startup; a missing build or database does not stop the start."""
    try:
        state.ensure_schema()
        bootstrap_keys(state.store, state.config.bootstrap_admin_key)
    except SchemaNotCurrent as exc:
        logger.error(
            "database schema not current",
            extra={"event": "db_schema_not_current", "reason": str(exc), "hint": exc.hint},
        )
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


def build_app(
    config: ServiceConfig,
    *,
    open_store: Callable[[], Store],
    classifier_loader: Callable[[], Classifier],
    classifier: Classifier | None = None,
    close: Callable[[], None] | None = None,
) -> FastAPI:
    """The service over the store `open_store` opens (at start, in a worker thread) and the
    classifiers `classifier_loader` loads (at start unless `classifier` is given, and at every
    reload); `close` runs at shutdown (it releases what the loader holds: the embedding thread)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_json_logging(config.log_level)
        state = await to_thread.run_sync(_make_state, config, open_store, classifier_loader)
        app.state.service = state
        await to_thread.run_sync(_start, state, classifier)
        decision_sync = DecisionSync(state.store, state.classifiers, config.decision_sync_seconds)
        decision_sync.start()
        try:
            yield
        finally:
            decision_sync.stop()
            if close is not None:
                close()

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
    describe_json_lines(app, "/v1/classify/batch", classify.BATCH_MEDIA_TYPE, BatchLineOut)
    install_pages(app)
    app.add_middleware(BodySizeLimitMiddleware, limit_for=body_limit_for)
    if config.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(config.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID"],
        )
    app.add_middleware(RequestContextMiddleware)
    # Outermost, so that the 500 which RequestContextMiddleware answers for an unhandled error
    # carries the security headers too.
    app.add_middleware(SecurityHeadersMiddleware)
    return app
