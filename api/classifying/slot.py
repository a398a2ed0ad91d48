"""The live classifier behind one reference: reload builds the new one aside, then swaps.

Requests take `current` once and keep using that object, so in-flight requests finish on the
old classifier while new ones get the new. Saved decisions are added under a lock that the
swap also takes, so none is lost between "built aside" and "swapped in".

The classifier's saved-decision judgments (`D<id>`, source `reviewer_decision`) are kept equal to
what the store says: a loaded or reloaded classifier gets the decisions it lacks, loses the
withdrawn ones (a build made before the withdrawal still holds them) and takes the current
agreement weight of each (`store/agreement.py`); a save re-weighs the decisions it agrees with.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping

from catalog.judgments import Judgment
from rag.classifier import Classifier
from rag.company import CompanyRecord
from rag.embedder import Vectors
from rag.resources import same_text_and_item
from store.decision_judgments import DECISION_SOURCE

logger = logging.getLogger("innogrowth.api.classifier")

ClassifierLoader = Callable[[], Classifier]
WARM_UP_RECORD = CompanyRecord(ksic_code="29280", main_products="산업용 로봇", st_code="EA0101")
SavedJudgments = Callable[[Classifier], list[Judgment] | None]
"""The saved decisions (as judgments) that apply to a classifier's catalog; None when the store
cannot say (then the classifier keeps the decisions its build holds)."""


class ReloadInProgress(RuntimeError):
    """Another reload is running."""


def _same(a: Judgment, b: Judgment) -> bool:
    """Held as wanted: same item, weight and technical text (a decision never changes otherwise)."""
    return same_text_and_item(a, b) and abs(a.weight - b.weight) < 1e-9


def needing_vectors(classifier: Classifier, judgments: list[Judgment]) -> list[Judgment]:
    """The judgments `apply_judgments` would have to embed: those not held with the same text."""
    held = {j.id: j for j in classifier.resources.judgments}
    return [j for j in judgments if j.id not in held or not same_text_and_item(held[j.id], j)]


def apply_judgments(
    classifier: Classifier, judgments: list[Judgment], vectors: Mapping[str, Vectors] | None = None
) -> int:
    """Add the judgments the classifier lacks, re-weigh those it holds with another weight
    (nothing embedded) and replace those it holds differently; returns how many changed.
    `vectors`: passage vectors embedded beforehand, by judgment id (the others are embedded here)."""
    held = {j.id: j for j in classifier.resources.judgments}
    changed = 0
    for judgment in judgments:
        old = held.get(judgment.id)
        if old is not None and _same(old, judgment):
            continue
        if old is None or not classifier.reweigh_judgment(judgment):
            if old is not None:
                classifier.withdraw_judgment(judgment.id)
            classifier.add_judgment(judgment, (vectors or {}).get(judgment.id))
        held[judgment.id] = judgment
        changed += 1
    return changed


def reconcile(
    classifier: Classifier, saved: list[Judgment] | None, vectors: Mapping[str, Vectors] | None = None
) -> int:
    """Make the classifier's saved-decision judgments exactly `saved`; returns the changes."""
    if saved is None:
        return 0
    wanted = {j.id for j in saved}
    stale = [
        j.id for j in classifier.resources.judgments if j.source == DECISION_SOURCE and j.id not in wanted
    ]
    for judgment_id in stale:
        classifier.withdraw_judgment(judgment_id)
    return len(stale) + apply_judgments(classifier, saved, vectors)


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
            reconcile(classifier, self._saved_judgments(classifier))
            self._current = classifier
            self.load_error = None

    def reload(self) -> Classifier:
        """Load the current index build aside, add saved decisions it lacks, swap it in."""
        if not self._reload_lock.acquire(blocking=False):
            raise ReloadInProgress
        try:
            fresh = self._loader()
            fresh.classify(WARM_UP_RECORD, use_llm=False)  # first real request is not the slow one
            reconcile(fresh, self._saved_judgments(fresh))
            with self._swap_lock:
                reconcile(fresh, self._saved_judgments(fresh))
                self._current = fresh
                self.load_error = None
            logger.info("classifier loaded", extra={"event": "classifier_loaded", **fresh.versions})
            return fresh
        finally:
            self._reload_lock.release()

    def add_judgment(self, judgment: Judgment) -> bool:
        """Add a saved decision to the live classifier; False when none is loaded."""
        return self.apply_judgments([judgment])

    def apply_judgments(self, judgments: list[Judgment]) -> bool:
        """Add or re-weigh saved decisions in the live classifier; False when none is loaded.

        The embedding, the slow part, happens before the swap lock is taken: classifications
        never wait on it, and saves queue only for the in-memory update. A classifier swapped
        in meanwhile with another embedder embeds under the lock instead."""
        embedded_by = self._current
        if embedded_by is None:
            return False
        vectors = embedded_by.judgment_vectors(needing_vectors(embedded_by, judgments))
        with self._swap_lock:
            current = self._current
            if current is None:
                return False
            usable = vectors if current.embedder.id == embedded_by.embedder.id else None
            apply_judgments(current, judgments, usable)
            return True

    def sync(self) -> int:
        """Make the live classifier hold exactly the store's saved decisions, as another worker or
        replica left them (saved, withdrawn, re-weighed); returns how many judgments changed.
        Reading the store and embedding happen outside the swap lock."""
        current = self._current
        if current is None:
            return 0
        saved = self._saved_judgments(current)
        if saved is None:
            return 0
        vectors = current.judgment_vectors(needing_vectors(current, saved))
        with self._swap_lock:
            if self._current is not current:  # swapped meanwhile: the reload reconciled it
                return 0
            return reconcile(current, saved, vectors)

    def withdraw_judgment(self, judgment_id: str) -> bool:
        """Take a withdrawn decision out of the live classifier; False when it was not there."""
        with self._swap_lock:
            if self._current is None:
                return False
            return self._current.withdraw_judgment(judgment_id)
