"""Workers and replicas that learn together: the database is the one source of saved decisions.

A save reaches the classifier of the worker that handled it at once (`decision_saving.teach`).
Every other worker process (`innogrowth serve --workers N`) and every replica on the same
database picks it up here: each `INNOGROWTH_DECISION_SYNC_SECONDS` a background thread asks the
store for its decisions version (count, highest id, withdrawn count; one aggregate query) and,
when it moved, makes the live classifier hold exactly the store's decisions (`ClassifierSlot.sync`:
new ones added, withdrawn ones taken out, agreement weights updated). When the only change is
decisions this worker saved itself, nothing more is read.
"""

from __future__ import annotations

import logging
import threading

from api.classifying.slot import ClassifierSlot
from store.decision_judgments import judgment_id
from store.repository import DecisionRepository, StoreUnavailable

logger = logging.getLogger("innogrowth.api.classifying.decision_sync")

Version = tuple[int, int, int]  # decisions, highest id, withdrawn


class DecisionSync:
    def __init__(self, store: DecisionRepository, slot: ClassifierSlot, interval_s: float) -> None:
        self._store = store
        self._slot = slot
        self._interval_s = interval_s
        self._seen: Version | None = None  # None: the first check syncs whatever it finds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._interval_s <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="decision-sync", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                self.check_once()
            except StoreUnavailable as exc:
                logger.warning("decision sync skipped", extra={"event": "db_unavailable", "reason": str(exc)})
            except Exception as exc:  # a failed sync must not end the thread; the next one retries
                failure = {"event": "decision_sync_failed", "error": repr(exc)}
                logger.error("decision sync failed", extra=failure)

    def check_once(self) -> bool:
        """Sync when the store's decisions changed since the last check; True when it synced."""
        version = self._store.decisions_version()
        if version == self._seen:
            return False
        if self._seen is not None and self._only_own_saves(self._seen, version):
            self._seen = version
            return False
        changed = self._slot.sync()
        self._seen = version
        if changed:
            logger.info("decisions synced", extra={"event": "decisions_synced", "changed": changed})
        return True

    def _only_own_saves(self, seen: Version, now: Version) -> bool:
        """Nothing withdrawn and every decision added since `seen` already held (saved here)."""
        current = self._slot.current
        if current is None or now[2] != seen[2] or now[0] < seen[0]:
            return False
        added = now[0] - seen[0]
        fresh = {judgment_id(i) for i in range(seen[1] + 1, now[1] + 1)}
        held = sum(1 for j in current.resources.judgments if j.id in fresh)
        return held == added
