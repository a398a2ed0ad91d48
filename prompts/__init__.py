"""Versioned prompt templates: `prompts/<version>/<name>`; loaded as files, never inlined."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

PROMPTS_DIR = Path(__file__).parent


class PromptNotFoundError(FileNotFoundError):
    pass


@lru_cache(maxsize=64)
def load_prompt(version: str, name: str) -> str:
    """The text of `prompts/<version>/<name>`."""
    path = PROMPTS_DIR / version / name
    if not path.is_file() or PROMPTS_DIR not in path.resolve().parents:
        raise PromptNotFoundError(f"prompt {version}/{name} not found under {PROMPTS_DIR}")
    return path.read_text("utf-8")


def prompt_version_id(version: str) -> str:
    """Version label plus a hash of every file of that version, recorded with each result."""
    folder = PROMPTS_DIR / version
    if not folder.is_dir():
        raise PromptNotFoundError(f"prompt version {version!r} not found under {PROMPTS_DIR}")
    h = hashlib.sha256()
    for p in sorted(folder.iterdir()):
        if p.is_file():
            h.update(p.name.encode())
            h.update(p.read_bytes())
    return f"{version}+{h.hexdigest()[:8]}"
