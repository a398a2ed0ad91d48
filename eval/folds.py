"""Seeded, label-stratified K-fold splits by record id, and the honest training set of each fold.

Records are grouped by label and dealt round-robin into folds from a pointer that keeps moving
across labels, so every label's few examples spread over folds and fold sizes differ by at most
one. A record is in exactly one test fold and never in that fold's training set.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from catalog.judgments import Judgment


@dataclass(frozen=True)
class Fold:
    index: int
    test_ids: tuple[str, ...]
    train_ids: frozenset[str]


def assign_folds(judgments: Sequence[Judgment], k: int, seed: int) -> dict[str, int]:
    """Record id → fold number in `range(k)`; deterministic for a given seed."""
    if k < 2:
        raise ValueError(f"--folds must be at least 2 (got {k})")
    if len(judgments) < k:
        raise ValueError(f"{len(judgments)} records cannot be split into {k} folds")
    rng = random.Random(seed)
    by_label: dict[str, list[str]] = defaultdict(list)
    for j in judgments:
        by_label[j.item_id].append(j.id)
    # Large classes first so that the singletons fill the folds the large classes left short.
    labels = sorted(by_label, key=lambda lab: (-len(by_label[lab]), lab))
    out: dict[str, int] = {}
    pointer = 0
    for label in labels:
        ids = sorted(by_label[label])
        rng.shuffle(ids)
        for rid in ids:
            out[rid] = pointer % k
            pointer += 1
    return out


def make_folds(
    judgments: Sequence[Judgment], k: int, seed: int, index_ids: Collection[str] | None = None
) -> list[Fold]:
    """K folds over `judgments`; each fold trains on `index_ids` (default: the dataset) minus its tests."""
    fold_of = assign_folds(judgments, k, seed)
    universe = frozenset(index_ids) if index_ids is not None else frozenset(j.id for j in judgments)
    folds = []
    for f in range(k):
        test = tuple(j.id for j in judgments if fold_of[j.id] == f)
        folds.append(Fold(f, test, universe - frozenset(test)))
    return folds


def held_out_split(test: Sequence[Judgment], train_ids: Collection[str]) -> list[Fold]:
    """One fold: every dataset record is a test; the training file minus any test id is the index."""
    test_ids = tuple(j.id for j in test)
    return [Fold(0, test_ids, frozenset(train_ids) - frozenset(test_ids))]


def limit_records(judgments: Sequence[Judgment], limit: int | None, seed: int) -> set[str]:
    """A seeded subset of `limit` record ids to classify (all when `limit` is None)."""
    ids = sorted(j.id for j in judgments)
    if limit is None or limit >= len(ids):
        return set(ids)
    random.Random(seed).shuffle(ids)
    return set(ids[:limit])
