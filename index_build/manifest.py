"""`manifest.json`: what a build holds and what it was built from."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field

MANIFEST_NAME = "manifest.json"
FORMAT_VERSION = 4  # 3: per-line catalog passages (lines.faiss); 4: llama-index stores (llama/)


class Manifest(BaseModel):
    format_version: int = FORMAT_VERSION
    build_id: str
    created_at: str
    catalog_version: str
    catalog_path: str
    judgments_sha256: str
    judgments_path: str
    embedder_id: str
    embedder_dim: int
    counts: dict[str, int] = Field(default_factory=dict)
    timings_s: dict[str, float] = Field(default_factory=dict)
    ranker: dict[str, object] = Field(default_factory=dict)

    def write(self, directory: Path) -> None:
        (directory / MANIFEST_NAME).write_text(
            json.dumps(self.model_dump(mode="json"), ensure_ascii=False, indent=2), "utf-8"
        )

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        return cls.model_validate_json((directory / MANIFEST_NAME).read_text("utf-8"))
