"""Pieces shared by the probe scripts (`tests/probe_*.py`) and the write-path tests."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


def field_of(words: list[str], limit: int = 1999) -> str:
    """As many of `words` as fit in one text field of `limit` characters, space-separated."""
    out = ""
    for w in words:
        if len(out) + len(w) + 1 > limit:
            break
        out += w + " "
    return out.strip()


def small_catalog_file() -> Path:
    """The tests' small catalog written to a temporary file."""
    from tests.conftest import small_raw_catalog

    fd, name = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    path = Path(name)
    path.write_text(json.dumps(small_raw_catalog(), ensure_ascii=False), "utf-8")
    return path
