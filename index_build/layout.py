"""Build directory layout and the atomic `current` switch."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

CURRENT = "current"
TMP_PREFIX = ".tmp-"
# Each vector index is a llama-index store: its vectors (the FAISS file, `rag.vector_stores`) and,
# under LLAMA_DIR/<name>/, its docstore (citation-id nodes) and index store (row → node id).
LLAMA_DIR = "llama"
LLAMA_STORES = "llama/stores.json"  # which vector store kind holds the vectors ({"vector_store": "faiss"})
ITEMS_INDEX = "items.faiss"
ITEMS_META = "items.json"
ITEM_NAMES_INDEX = "item_names.faiss"
LINES_INDEX = "lines.faiss"
LINES_META = "lines.json"
JUDGMENTS_INDEX = "judgments.faiss"
JUDGMENTS_META = "judgments.jsonl"
LEXICAL = "lexical.json"
PRIORS = "priors.json"
RANKER = "ranker.json"
REFERENCE_VIEWS = "reference_views.npz"  # KSIC-note and S&T-name query vectors (optional)
KEYWORD_VECTORS = "keyword_vectors.npz"  # query vectors of the catalog's candidate keywords (optional)


def llama_store_dir(build: Path, vector_file: str) -> Path:
    """Where the docstore and index store of the index whose vectors are `vector_file` live."""
    return build / LLAMA_DIR / Path(vector_file).stem


def current_build(root: Path) -> Path | None:
    link = root / CURRENT
    if not link.exists():
        return None
    return link.resolve()


def switch_current(root: Path, build: Path) -> None:
    """Point `current` at `build` with one rename, so readers see the old or the new, never none."""
    tmp_link = root / f"{TMP_PREFIX}link-{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    tmp_link.symlink_to(build.name)
    os.replace(tmp_link, root / CURRENT)


def clean_stale(root: Path, keep: int = 3) -> list[Path]:
    """Remove abandoned temporary builds and all but the newest `keep` finished builds."""
    removed: list[Path] = []
    if not root.exists():
        return removed
    current = current_build(root)
    for p in root.glob(f"{TMP_PREFIX}*"):
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    for p in root.glob(".embed-cache-*.tmp.npz"):  # left by a build killed while saving its cache
        p.unlink(missing_ok=True)
        removed.append(p)
    builds = sorted(
        (p for p in root.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")),
        key=lambda p: p.name,
    )
    for p in builds[:-keep] if keep > 0 else builds:
        if current is not None and p.resolve() == current:
            continue
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p)
    return removed
