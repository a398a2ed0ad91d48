"""The composition root: from the one settings object to the objects every package works with.

Nothing below `innogrowth/` reads the settings: `rag/`, `index_build/`, `store/`, `api/` and
`eval/` take plain values (paths, URLs, options) and objects, and this module is where the
settings become them.
"""

from __future__ import annotations

from catalog.judgments import Judgment
from catalog.loader import load_catalog
from catalog.model import Catalog
from index_build.artifacts import load_current
from index_build.loading import classifier_from_build
from innogrowth.settings import Settings
from rag.classifier import Classifier, Reranker
from rag.decision_policy import ClassifierOptions
from rag.embedder import Embedder, embedder_id_for, make_embedder
from rag.llm.openai_chat import OpenAIChatModel
from rag.llm.protocol import TokenCounter
from rag.llm.reranker import LlmReranker
from rag.llm.tokens import EstimatedCounter, ServerTokenCounter
from store.decision_judgments import decisions_as_judgments
from store.factory import open_store
from store.sql_store import SqlStore


def configured_catalog(settings: Settings) -> Catalog:
    return load_catalog(settings.resolved_catalog_path(), expect_counts=False)


def classifier_options(settings: Settings) -> ClassifierOptions:
    return ClassifierOptions(
        settings.candidate_k,
        settings.abstain_threshold,
        settings.none_threshold,
        settings.prompt_version,
        recommend_threshold=settings.recommend_threshold,
    )


def reranker_from(settings: Settings) -> LlmReranker | None:
    """The LLM reranker the settings describe, or None when no LLM server is configured."""
    if not settings.llm_base_url:
        return None
    chat = OpenAIChatModel(settings.llm_base_url, settings.llm_model, settings.llm_api_key)
    counter: TokenCounter = (
        ServerTokenCounter(settings.llm_base_url, settings.llm_model, settings.llm_api_key)
        if settings.llm_tokenizer == "server"
        else EstimatedCounter()
    )
    return LlmReranker(
        chat,
        prompt_version=settings.prompt_version,
        timeout_s=settings.llm_timeout_s,
        max_tokens=settings.llm_max_tokens,
        prompt_token_budget=settings.llm_prompt_token_budget,
        counter=counter,
    )


def configured_embedder(settings: Settings) -> Embedder:
    """The process's embedder as the settings size it (`rag.embedding_worker`)."""
    return make_embedder(
        settings.embedder,
        settings.embedder_batch_size,
        settings.embedder_threads,
        settings.embedder_workers,
    )


def load_classifier(
    settings: Settings, *, reranker: Reranker | None = None, embedder: Embedder | None = None
) -> Classifier:
    """Catalog + current index build (BuildError when missing or mismatched: checked before the
    embedding model is loaded) with `reranker` (none by default: see `reranker_from`)."""
    catalog = configured_catalog(settings)
    embedder_id = embedder.id if embedder is not None else embedder_id_for(settings.embedder)
    arts = load_current(
        settings.resolved_build_dir(), embedder_id=embedder_id, catalog_version=catalog.version_id
    )
    emb = embedder or configured_embedder(settings)
    return classifier_from_build(catalog, arts, emb, classifier_options(settings), reranker)


def open_configured_store(settings: Settings) -> SqlStore:
    """The configured database at this code's schema, migrated to it unless
    INNOGROWTH_DB_AUTO_UPGRADE is off (then SchemaBehind when it is behind: `innogrowth db
    upgrade` first); StoreUnavailable when it cannot be reached."""
    return open_store(settings.resolved_database_url(), upgrade=settings.db_auto_upgrade)


def saved_decision_judgments(settings: Settings) -> list[Judgment]:
    """Saved decisions as judgments `D<id>`, each with its reviewer-agreement weight
    (`store/agreement.py`, base `INNOGROWTH_DECISION_WEIGHT`); withdrawn decisions are left
    out. Empty when no database has been created yet."""
    return decisions_as_judgments(
        settings.resolved_database_url(),
        configured_catalog(settings),
        settings.decision_weight,
        upgrade=settings.db_auto_upgrade,
    )
