"""Does learning from saved decisions help or hurt? Add judgments one by one to a live
classifier (as the service does when reviewers save) and measure a held-out set after each step.

Used by `scripts/bench_saved_decisions.py` (every rich development record, added to a classifier
that holds the sparse training folds) and by a test over a sample.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from catalog.judgments import NONE_LABEL, Judgment
from rag.classifier import Classifier
from rag.company import CompanyRecord


@dataclass(frozen=True)
class CurvePoint:
    added: int
    accuracy: float  # NONE rows and item rows together: the decision is the label
    item_top1: float  # item rows only
    none_recall: float


def _label(clf: Classifier, j: Judgment) -> str:
    decision, item = clf.decide(CompanyRecord.from_judgment(j))
    return NONE_LABEL if decision == "not_applicable" or item is None else item


def measure(clf: Classifier, test: Sequence[Judgment]) -> tuple[float, float, float]:
    labels = [_label(clf, j) for j in test]
    items = [(j, lab) for j, lab in zip(test, labels, strict=True) if j.item_id != NONE_LABEL]
    nones = [(j, lab) for j, lab in zip(test, labels, strict=True) if j.item_id == NONE_LABEL]
    accuracy = sum(j.item_id == lab for j, lab in zip(test, labels, strict=True)) / max(1, len(test))
    item_top1 = sum(j.item_id == lab for j, lab in items) / max(1, len(items))
    none_recall = sum(lab == NONE_LABEL for _, lab in nones) / max(1, len(nones))
    return accuracy, item_top1, none_recall


def learning_curve(
    clf: Classifier,
    test: Sequence[Judgment],
    added: Sequence[Judgment],
    *,
    every: int = 1,
    progress: Callable[[CurvePoint], None] = lambda p: None,
) -> list[CurvePoint]:
    """`clf` is changed in place: the `added` judgments join it one by one (their own weights);
    the `test` set is measured before the first and after every `every` additions and the last."""
    points = [CurvePoint(0, *measure(clf, test))]
    progress(points[-1])
    for n, j in enumerate(added, 1):
        clf.add_judgment(j)
        if n % every == 0 or n == len(added):
            points.append(CurvePoint(n, *measure(clf, test)))
            progress(points[-1])
    return points


def largest_drop(points: Sequence[CurvePoint]) -> dict[str, float]:
    """How far each measure ever fell below its starting value (0 when it never did)."""
    first = points[0]
    return {
        name: max(0.0, max(getattr(first, name) - getattr(p, name) for p in points))
        for name in ("accuracy", "item_top1", "none_recall")
    }
