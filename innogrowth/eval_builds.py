"""The index build an evaluation with `--train` runs against (the serving build is untouched)."""

from __future__ import annotations

import shutil
from pathlib import Path

from eval.pipeline import EVAL_BUILDS
from index_build.builder import build_index, read_inputs
from index_build.embedding_cache import EmbeddingCache
from innogrowth.settings import Settings
from rag.embedder import Embedder


def build_training_index(
    settings: Settings, train: Path, embedder: Embedder, show_progress: bool
) -> Settings:
    """An index build whose past judgments are exactly the `--train` file, under
    `<data_dir>/eval-builds` (the serving build is untouched); returns settings that point at it."""
    root = settings.data_dir / EVAL_BUILDS
    root.mkdir(parents=True, exist_ok=True)
    serving_cache = EmbeddingCache(settings.resolved_build_dir(), embedder.id, embedder.dim).path
    own_cache = EmbeddingCache(root, embedder.id, embedder.dim).path
    if serving_cache.exists() and not own_cache.exists():
        shutil.copyfile(serving_cache, own_cache)  # catalog passages are not embedded again
    inputs = read_inputs(settings.resolved_catalog_path(), train)
    if not inputs.judgments:
        raise ValueError(f"{train} holds no usable judgments")
    # No ranker here: the run's `restricted_to` trains it on exactly the training judgments.
    build_index(inputs, embedder, root, show_progress=show_progress, keep=1)
    return settings.model_copy(update={"build_dir": root, "judgments_path": train})
