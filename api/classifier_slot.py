"""The live classifier behind one reference: reload builds the new one aside, then swaps.

Requests take `current` once and keep using that object, so in-flight requests finish on the
old classifier while new ones get the new. Saved decisions are added under a lock that the
swap also takes, so none is lost between "built aside" and "swapped in".
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from catalog.judgments import Judgment
from rag.classifier import Classifier
from rag.company import CompanyRecord

logger = logging.getLogger("innogrowth.api.classifier")

ClassifierLoader = Callable[[], Classifier]
WARM_UP_RECORD = CompanyRecord(ksic_code="29280", main_products="산업용 로봇", st_code="EA0101")
SavedJudgments = Callable[[Classifier], list[Judgment]]
"""The saved decisions (as judgments) that apply to a classifier's catalog."""


class ReloadInProgress(RuntimeError):
    """Another reload is running."""


def known_judgment_ids(classifier: Classifier) -> set[str]:
    return {j.id for j in classifier.resources.judgments}


def add_missing(classifier: Classifier, judgments: list[Judgment]) -> int:
    """Add the judgments the classifier does not hold yet; returns how many were added."""
    known = known_judgment_ids(classifier)
    added = 0
    for judgment in judgments:
        if judgment.id not in known:
            classifier.add_judgment(judgment)
            added += 1
    return added


class ClassifierSlot:
    def __init__(self, loader: ClassifierLoader, saved_judgments: SavedJudgments) -> None:
        self._loader = loader
        self._saved_judgments = saved_judgments
        self._current: Classifier | None = None
        self._swap_lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self.load_error: str | None = None

    @property
    def current(self) -> Classifier | None:
        return self._current

    def install(self, classifier: Classifier) -> None:
        """Use `classifier`, after adding the saved decisions it lacks."""
        with self._swap_lock:
            add_missing(classifier, self._saved_judgments(classifier))
            self._current = classifier
            self.load_error = None

    def reload(self) -> Classifier:
        """Load the current index build aside, add saved decisions it lacks, swap it in."""
        if not self._reload_lock.acquire(blocking=False):
            raise ReloadInProgress
        try:
            fresh = self._loader()
            fresh.classify(WARM_UP_RECORD, use_llm=False)  # first real request is not the slow one
            add_missing(fresh, self._saved_judgments(fresh))
            with self._swap_lock:
                add_missing(fresh, self._saved_judgments(fresh))
                self._current = fresh
                self.load_error = None
            logger.info("classifier loaded", extra={"event": "classifier_loaded", **fresh.versions})
            return fresh
        finally:
            self._reload_lock.release()

    def add_judgment(self, judgment: Judgment) -> bool:
        """Add a saved decision to the live classifier; False when none is loaded."""
        with self._swap_lock:
            if self._current is None:
                return False
            self._current.add_judgment(judgment)
            return True
