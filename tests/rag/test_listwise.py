"""The listwise item model: a conditional logit over each record's candidates."""

from __future__ import annotations

import numpy as np

from rag.features import ITEM_FEATURES, JUDGMENT_EVIDENCE
from rag.listwise import fit_listwise

FEATURES = ("evidence", "trap")


Rows = tuple[np.ndarray, np.ndarray, list[slice]]


def _blocks(rng: np.random.Generator, n: int = 200, size: int = 6) -> Rows:
    """Records whose judged candidate has the most `evidence`, and whose siblings — never the judged
    item — carry `trap` (what a set with one record per item teaches about its siblings' support)."""
    rows, ys, blocks = [], [], []
    for _ in range(n):
        start = len(ys)
        evidence = rng.normal(size=size)
        gold = int(np.argmax(evidence))
        trap = np.where(np.arange(size) == gold, 0.0, rng.uniform(0.5, 1.0, size=size))
        rows += list(zip(evidence, trap, strict=True))
        ys += [int(i == gold) for i in range(size)]
        blocks.append(slice(start, start + size))
    return np.array(rows, np.float64), np.array(ys), blocks


def test_a_feature_named_nonnegative_never_gets_a_negative_weight() -> None:
    x, y, blocks = _blocks(np.random.default_rng(3))
    free = fit_listwise(x, y, blocks, FEATURES)
    bounded = fit_listwise(x, y, blocks, FEATURES, nonnegative={"trap"})
    assert free.coef[1] < -0.5  # unbounded, the trap is learned as evidence against the item
    assert bounded.coef[1] == 0.0
    assert bounded.coef[0] > 0.5  # the real evidence is still learned


def test_the_judged_candidate_comes_first_on_separable_records() -> None:
    x, y, blocks = _blocks(np.random.default_rng(4))
    model = fit_listwise(x, y, blocks, FEATURES, nonnegative={"trap"})
    firsts = [int(np.argmax(model.logits(x[b]))) == int(np.argmax(y[b])) for b in blocks]
    assert np.mean(firsts) > 0.95


def test_every_bounded_evidence_name_is_an_item_feature() -> None:
    """A misspelt name in JUDGMENT_EVIDENCE would silently leave that feature unbounded."""
    assert JUDGMENT_EVIDENCE.issubset(ITEM_FEATURES)
