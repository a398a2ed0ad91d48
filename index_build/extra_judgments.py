"""Judgments beyond the judgments file that a rebuild folds in: the reviewers' saved decisions."""

from __future__ import annotations

from catalog.judgments import Judgment
from innogrowth.settings import Settings


def saved_decision_judgments(settings: Settings) -> list[Judgment]:
    """Saved decisions as judgments `D<id>`, each with its reviewer-agreement weight
    (`api/store/agreement.py`, base `INNOGROWTH_DECISION_WEIGHT`); withdrawn decisions are left
    out. Empty when no database has been created yet."""
    from api.store.decision_judgments import decisions_as_judgments

    return decisions_as_judgments(settings)
