"""Classification metrics over (gold, prediction) pairs.

The headline keeps item rows and NONE rows apart (`HEADLINE`): `item_top1` and `item_hit_at_3`
are measured on rows with an item only (a NONE answer there is a miss), `none_precision` and
`none_recall` measure the 해당 없음 answers. The overall `accuracy` mixes both kinds of rows with
NONE as a class; on a set where most rows are NONE it flatters a system that answers 해당 없음
often ("always NONE" scores the NONE share), so it is a secondary number.

F1 is over items only (NONE predictions of item rows count as misses, items predicted for NONE
rows as false positives)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.metrics import f1_score

from catalog.judgments import NONE_LABEL, Judgment
from catalog.model import Catalog
from eval.prediction import Prediction

RECALL_KS = (5, 10, 20)
HEADLINE = ("item_top1", "item_hit_at_3", "none_precision", "none_recall")


@dataclass(frozen=True)
class Gold:
    label: str
    alternates: tuple[str, ...] = ()

    @classmethod
    def of(cls, j: Judgment) -> Gold:
        return cls(j.item_id, j.alternates)

    @property
    def is_none(self) -> bool:
        return self.label == NONE_LABEL


def is_correct(g: Gold, p: Prediction) -> bool:
    return p.label == g.label


def is_correct_with_alternates(g: Gold, p: Prediction) -> bool:
    return p.label == g.label or p.label in g.alternates


def is_hit_at_3(g: Gold, p: Prediction) -> bool:
    """An item row is a hit when its item is among the three recommended; a NONE row when NONE
    is the answer.

    An item row answered NONE whose item is still among the three recommended counts as a hit:
    the product shows those three under its 해당 없음 answer as choices the reviewer can adopt
    (screen 2 lists `recommendations` whatever the decision), so the reviewer sees the item. A
    system that lists no items with its NONE answer (`always-none`) gets no hit. The NONE answer
    itself is a miss of `item_top1` and is counted by `item_rows_answered_none`."""
    return p.label == NONE_LABEL if g.is_none else g.label in p.top3[:3]


def _mean(flags: Sequence[bool]) -> float:
    return float(np.mean(flags)) if len(flags) else 0.0


def accuracy(golds: Sequence[Gold], preds: Sequence[Prediction]) -> float:
    return _mean([is_correct(g, p) for g, p in zip(golds, preds, strict=True)])


def accuracy_with_alternates(golds: Sequence[Gold], preds: Sequence[Prediction]) -> float:
    return _mean([is_correct_with_alternates(g, p) for g, p in zip(golds, preds, strict=True)])


def hit_at_3(golds: Sequence[Gold], preds: Sequence[Prediction]) -> float:
    return _mean([is_hit_at_3(g, p) for g, p in zip(golds, preds, strict=True)])


def _item_flags(
    golds: Sequence[Gold], preds: Sequence[Prediction], hit: Callable[[Gold, Prediction], bool]
) -> list[bool]:
    return [hit(g, p) for g, p in zip(golds, preds, strict=True) if not g.is_none]


def _item_mean(flags: Sequence[bool]) -> float | None:
    return _mean(flags) if flags else None


def item_top1(golds: Sequence[Gold], preds: Sequence[Prediction]) -> float | None:
    """Top-1 on item rows only: the answer is the item (NONE answers are misses). None: no item rows."""
    return _item_mean(_item_flags(golds, preds, is_correct))


def item_top1_with_alternates(golds: Sequence[Gold], preds: Sequence[Prediction]) -> float | None:
    """Item rows whose answer is the item or one of its acceptable alternates."""
    return _item_mean(_item_flags(golds, preds, is_correct_with_alternates))


def item_hit_at_3(golds: Sequence[Gold], preds: Sequence[Prediction]) -> float | None:
    """Item rows whose item is among the three recommended (`is_hit_at_3` on item rows only)."""
    return _item_mean(_item_flags(golds, preds, is_hit_at_3))


def is_answered_none(g: Gold, p: Prediction) -> bool:
    return p.label == NONE_LABEL


def item_rows_answered_none(golds: Sequence[Gold], preds: Sequence[Prediction]) -> float | None:
    """Share of item rows answered NONE (해당 없음): qualifying companies the system turns away."""
    return _item_mean(_item_flags(golds, preds, is_answered_none))


@dataclass(frozen=True)
class RatioFlags:
    """Per-record numerator and denominator flags of a metric over a subset of the records;
    the metric is sum(numerator) / sum(denominator) (None when the denominator is empty), which
    the bootstrap resamples with all the records."""

    numerator: list[bool]
    denominator: list[bool]

    @property
    def value(self) -> float | None:
        den = sum(self.denominator)
        return sum(self.numerator) / den if den else None


def ratio_flags(golds: Sequence[Gold], preds: Sequence[Prediction]) -> dict[str, RatioFlags]:
    """The headline metrics (and the item-row variants) as ratio flags, keyed like the summary."""
    pairs = list(zip(golds, preds, strict=True))
    item = [not g.is_none for g, _ in pairs]
    gold_none = [g.is_none for g, _ in pairs]
    said_none = [p.label == NONE_LABEL for _, p in pairs]
    both_none = [a and b for a, b in zip(gold_none, said_none, strict=True)]

    def on_items(hit: Callable[[Gold, Prediction], bool]) -> RatioFlags:
        return RatioFlags([not g.is_none and hit(g, p) for g, p in pairs], item)

    return {
        "item_top1": on_items(is_correct),
        "item_top1_with_alternates": on_items(is_correct_with_alternates),
        "item_hit_at_3": on_items(is_hit_at_3),
        "item_rows_answered_none": on_items(is_answered_none),
        "none_precision": RatioFlags(both_none, said_none),
        "none_recall": RatioFlags(both_none, gold_none),
    }


def item_f1(golds: Sequence[Gold], preds: Sequence[Prediction], average: str) -> float:
    """sklearn F1 of the top-1 answer over the items seen in gold or prediction ("macro"/"micro")."""
    y_true = [g.label for g in golds]
    y_pred = [p.label for p in preds]
    labels = sorted((set(y_true) | set(y_pred)) - {NONE_LABEL})
    if not labels:
        return 0.0
    return float(f1_score(y_true, y_pred, labels=labels, average=average, zero_division=0))


class MacroF1Resampler:
    """Item macro-F1 of weighted resamples without re-encoding labels; equals `item_f1(…, "macro")`
    on the resampled rows (used by the bootstrap, where sklearn would take seconds)."""

    def __init__(self, golds: Sequence[Gold], preds: Sequence[Prediction]) -> None:
        classes = sorted({g.label for g in golds} | {p.label for p in preds})
        code = {c: i for i, c in enumerate(classes)}
        self._true = np.array([code[g.label] for g in golds], dtype=np.int64)
        self._pred = np.array([code[p.label] for p in preds], dtype=np.int64)
        self._hit = self._true == self._pred
        self._n_classes = len(classes)
        self._is_item = np.array([c != NONE_LABEL for c in classes], dtype=bool)

    def __call__(self, indices: npt.NDArray[np.int64]) -> float:
        w = np.bincount(indices, minlength=len(self._true)).astype(np.float64)
        n = self._n_classes
        tp = np.bincount(self._true[self._hit], weights=w[self._hit], minlength=n)
        support = np.bincount(self._true, weights=w, minlength=n)
        predicted = np.bincount(self._pred, weights=w, minlength=n)
        present = ((support + predicted) > 0) & self._is_item
        if not present.any():
            return 0.0
        f1 = 2 * tp[present] / (support[present] + predicted[present])
        return float(f1.mean())


def theme_of(catalog: Catalog) -> Callable[[str], str]:
    """Label → theme id (NONE and unknown labels stay themselves)."""
    return lambda label: catalog.item_by_id[label].theme_id if label in catalog.item_by_id else label


def field_of(catalog: Catalog) -> Callable[[str], str]:
    return lambda label: catalog.item_by_id[label].field_id if label in catalog.item_by_id else label


def level_accuracy(golds: Sequence[Gold], preds: Sequence[Prediction], level: Callable[[str], str]) -> float:
    """Accuracy after mapping both labels to a coarser level (field or theme); NONE is its own."""
    return _mean([level(g.label) == level(p.label) for g, p in zip(golds, preds, strict=True)])


@dataclass(frozen=True)
class AbstainStats:
    """Predicted NONE versus gold NONE. Precision is None when the system never abstained."""

    precision: float | None
    recall: float | None
    rate: float
    predicted: int
    gold: int


def abstain_stats(golds: Sequence[Gold], preds: Sequence[Prediction]) -> AbstainStats:
    pairs = list(zip(golds, preds, strict=True))
    predicted = sum(p.label == NONE_LABEL for _, p in pairs)
    gold = sum(g.is_none for g, _ in pairs)
    both = sum(g.is_none and p.label == NONE_LABEL for g, p in pairs)
    return AbstainStats(
        precision=both / predicted if predicted else None,
        recall=both / gold if gold else None,
        rate=predicted / len(pairs) if pairs else 0.0,
        predicted=predicted,
        gold=gold,
    )


def candidate_recall(golds: Sequence[Gold], preds: Sequence[Prediction], k: int) -> float | None:
    """Share of item-labelled rows whose item is among the first k candidates (None: no such rows)."""
    flags = [g.label in p.candidates[:k] for g, p in zip(golds, preds, strict=True) if not g.is_none]
    return _mean(flags) if flags else None


@dataclass(frozen=True)
class GroupAccuracy:
    group: str
    n: int
    accuracy: float


def accuracy_by_gold_group(
    golds: Sequence[Gold], preds: Sequence[Prediction], level: Callable[[str], str]
) -> list[GroupAccuracy]:
    """Top-1 accuracy per gold group (e.g. theme, with NONE as a group), groups sorted by name."""
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    for g, p in zip(golds, preds, strict=True):
        group = level(g.label)
        totals[group] += 1
        hits[group] += is_correct(g, p)
    return [GroupAccuracy(k, totals[k], hits[k] / totals[k]) for k in sorted(totals)]


def confusion(
    golds: Sequence[Gold], preds: Sequence[Prediction], level: Callable[[str], str], groups: Sequence[str]
) -> npt.NDArray[np.int64]:
    """Counts[gold group, predicted group] over `groups` (rows and columns in that order)."""
    pos = {g: i for i, g in enumerate(groups)}
    out = np.zeros((len(groups), len(groups)), dtype=np.int64)
    for g, p in zip(golds, preds, strict=True):
        out[pos[level(g.label)], pos[level(p.label)]] += 1
    return out
