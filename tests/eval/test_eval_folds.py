"""Fold logic: every record is tested exactly once and never trains the fold that tests it."""

from __future__ import annotations

from collections import Counter

import pytest

from catalog.judgments import Judgment
from eval.folds import assign_folds, held_out_split, limit_records, make_folds


def J(rid: str, label: str) -> Judgment:
    return Judgment(rid, "26211", "업종", f"제품 {rid}", "", "", "", label)


def dataset() -> list[Judgment]:
    rows = [J(f"N{i}", "NONE") for i in range(40)]
    rows += [J(f"A{i}", "IG001") for i in range(12)]
    rows += [J(f"B{i}", "IG002") for i in range(5)]
    rows += [J(f"S{i}", f"IG{100 + i}") for i in range(20)]  # singletons
    return rows


def test_folds_cover_every_record_exactly_once() -> None:
    data = dataset()
    folds = make_folds(data, 5, seed=13)
    tested = [rid for f in folds for rid in f.test_ids]
    assert sorted(tested) == sorted(j.id for j in data)
    assert len(set(tested)) == len(tested)


def test_no_record_is_in_its_own_training_split() -> None:
    data = dataset()
    all_ids = frozenset(j.id for j in data)
    for fold in make_folds(data, 5, seed=13):
        assert not set(fold.test_ids) & fold.train_ids
        assert fold.train_ids == all_ids - set(fold.test_ids)


def test_folds_are_balanced_and_stratified() -> None:
    data = dataset()
    fold_of = assign_folds(data, 5, seed=13)
    sizes = Counter(fold_of.values())
    assert max(sizes.values()) - min(sizes.values()) <= 1
    for label, n_expected in (("NONE", 8), ("IG001", 2)):
        per_fold = Counter(fold_of[j.id] for j in data if j.item_id == label)
        assert min(per_fold.values()) >= n_expected
        assert len(per_fold) == 5


def test_folds_are_seeded() -> None:
    data = dataset()
    assert assign_folds(data, 5, seed=1) == assign_folds(list(reversed(data)), 5, seed=1)
    assert assign_folds(data, 5, seed=1) != assign_folds(data, 5, seed=2)


def test_index_judgments_outside_the_dataset_stay_in_training() -> None:
    data = dataset()
    universe = {j.id for j in data} | {"EXTRA1", "EXTRA2"}
    for fold in make_folds(data, 3, seed=13, index_ids=universe):
        assert {"EXTRA1", "EXTRA2"} <= fold.train_ids
        assert not set(fold.test_ids) & fold.train_ids


def test_held_out_split_drops_test_ids_from_training() -> None:
    data = dataset()[:10]
    (fold,) = held_out_split(data, {"N0", "N1", "T1", "T2"})
    assert set(fold.test_ids) == {j.id for j in data}
    assert fold.train_ids == {"T1", "T2"}


def test_limit_is_a_seeded_subset() -> None:
    data = dataset()
    a = limit_records(data, 10, seed=5)
    assert len(a) == 10 and a == limit_records(data, 10, seed=5)
    assert limit_records(data, None, seed=5) == {j.id for j in data}
    assert limit_records(data, 10_000, seed=5) == {j.id for j in data}


def test_impossible_splits_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        make_folds(dataset(), 1, seed=1)
    with pytest.raises(ValueError, match="cannot be split"):
        make_folds(dataset()[:3], 5, seed=1)
