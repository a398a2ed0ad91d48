"""The labelled files one run evaluates (`--dataset`, repeatable): their records, which file each
record came from (the file stem names the dataset) and the optional `style` of each record.

The judgments loader (`catalog/judgments.py`) ignores keys it does not know, so the `style` key
(how a record is written, e.g. common product names vs function and specs) is read here from the
raw rows, with the loader's own default ids (`L<line>`).
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catalog.judgments import Judgment, load_judgments
from catalog.model import Catalog

STYLE_KEY = "style"
SAVED_DECISION_ID = re.compile(r"D\d+")


def is_saved_decision(judgment_id: str) -> bool:
    """Ids of reviewer decisions saved in the service (`store/decision_judgments.py`)."""
    return SAVED_DECISION_ID.fullmatch(judgment_id) is not None


@dataclass(frozen=True)
class Dataset:
    name: str
    path: Path
    judgments: list[Judgment]
    styles: dict[str, str] = field(default_factory=dict)
    bad_rows: int = 0

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Datasets:
    """Several datasets evaluated together: one cross-validation over the union of their records."""

    members: list[Dataset]

    @property
    def judgments(self) -> list[Judgment]:
        return [j for d in self.members for j in d.judgments]

    @property
    def names(self) -> list[str]:
        return [d.name for d in self.members]

    @property
    def dataset_of(self) -> dict[str, str]:
        return {j.id: d.name for d in self.members for j in d.judgments}

    @property
    def style_of(self) -> dict[str, str]:
        return {rid: style for d in self.members for rid, style in d.styles.items()}

    def config(self) -> dict[str, Any]:
        """What summary.json records: one path and sha256 for a single file (as before), and every file."""
        shas = [d.sha256 for d in self.members]
        combined = shas[0] if len(shas) == 1 else hashlib.sha256("\n".join(shas).encode()).hexdigest()
        return {
            "dataset": ", ".join(str(d.path) for d in self.members),
            "dataset_sha256": combined,
            "datasets": [
                {"name": d.name, "path": str(d.path), "sha256": sha, "records": len(d.judgments)}
                for d, sha in zip(self.members, shas, strict=True)
            ],
        }


def read_styles(path: Path) -> dict[str, str]:
    """Record id → its `style` value, for the raw rows that carry a non-blank one."""
    text = path.read_text(encoding="utf-8-sig")
    rows: list[tuple[int, Any]]
    if path.suffix.lower() == ".csv":
        rows = list(enumerate(csv.DictReader(text.splitlines()), start=2))
    else:
        rows = []
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rows.append((n, json.loads(line)))
            except json.JSONDecodeError:
                continue  # the loader reports it as a bad row
    out: dict[str, str] = {}
    for n, raw in rows:
        if not isinstance(raw, dict):
            continue
        style = str(raw.get(STYLE_KEY) or "").strip()
        if style:
            out[str(raw.get("id") or f"L{n}").strip()] = style
    return out


def make_dataset(path: Path, judgments: Sequence[Judgment], bad_rows: int = 0) -> Dataset:
    """A dataset named after its file stem; styles only of the records that were loaded."""
    ids = {j.id for j in judgments}
    styles = {rid: s for rid, s in read_styles(path).items() if rid in ids}
    return Dataset(path.stem, path, list(judgments), styles, bad_rows)


def combine(members: Sequence[Dataset]) -> Datasets:
    """Refuses two datasets of the same name, and a record id in two datasets (folds, the index
    and the per-dataset tables are keyed on record ids)."""
    names = [d.name for d in members]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(
            f"two --dataset files are named {', '.join(twice)} (datasets are named by file stem)"
        )
    owner: dict[str, str] = {}
    for d in members:
        for j in d.judgments:
            if j.id in owner:
                raise ValueError(
                    f"record id {j.id!r} is in both {owner[j.id]} and {d.name}; "
                    "ids must be unique across the --dataset files"
                )
            owner[j.id] = d.name
    return Datasets(list(members))


def load_datasets(paths: Sequence[Path], catalog: Catalog) -> Datasets:
    """Each file loaded with the judgments loader (bad rows are skipped and counted)."""
    members = []
    for path in paths:
        loaded = load_judgments(path, catalog)
        members.append(make_dataset(path, loaded.judgments, len(loaded.bad_rows)))
    return combine(members)
