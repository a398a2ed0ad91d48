"""The recommendations of one classification: each top item with its path, confidence, cited
catalog lines and past judgments, contributing keywords and extractive rationale, and the same
evidence offered to the LLM. Evidence is chosen once per item and request (`EvidenceChoice`)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from rag.decision_policy import ClassifierOptions, DecisionPolicy
from rag.keywords import WordOccurrence, contributing_keywords
from rag.llm.types import LlmCandidate, LlmEvidence
from rag.query_views import QueryVectorCache
from rag.rationale import (
    line_evidence_id,
    render_rationale,
    standing_of,
    supporting_judgments,
    supporting_lines,
)
from rag.resources import RetrievalResources
from rag.result import DECISION_LABELS, Decision, Evidence, Keyword, Recommendation
from rag.scoring import ScoredRecord

TOP_N = 3
# candidates offered to the LLM; the prompt token budget decides how many of them go in
LLM_CANDIDATES = 20


@dataclass(frozen=True)
class EvidenceChoice:
    """What one item cites for one request: its best catalog lines and its past judgments."""

    lines: list[Evidence]
    judgments: list[Evidence]


class RecommendationWriter:
    def __init__(
        self,
        resources: RetrievalResources,
        cache: QueryVectorCache,
        policy: DecisionPolicy,
    ) -> None:
        self.resources = resources
        self.cache = cache
        self.policy = policy
        self._line_terms: dict[str, list[set[str]]] = {}
        self._line_lock = threading.Lock()

    @property
    def options(self) -> ClassifierOptions:
        """The policy's options (one object: replacing the classifier's options changes both)."""
        return self.policy.options

    # evidence ----------------------------------------------------------------------------
    def _terms_of_lines(self, item_id: str) -> list[set[str]]:
        cached = self._line_terms.get(item_id)
        if cached is None:
            item = self.resources.catalog.item_by_id[item_id]
            cached = [set(self.resources.tokenizer.terms(ln.text)) for ln in item.described_lines()]
            with self._line_lock:
                self._line_terms[item_id] = cached
        return cached

    def evidence(self, scored: ScoredRecord, pos: int, wanted_terms: set[str]) -> EvidenceChoice:
        item_id = self.resources.item_ids[pos]
        item = self.resources.catalog.item_by_id[item_id]
        lines = supporting_lines(
            item, wanted_terms, self._terms_of_lines(item_id), scored.signals.best_lines.get(pos)
        )
        return EvidenceChoice(lines, supporting_judgments(item_id, scored.signals.neighbours))

    def _wanted_terms(self, scored: ScoredRecord, keywords: list[Keyword]) -> set[str]:
        tok = self.resources.tokenizer
        return set(scored.signals.query_terms) | {t for k in keywords for t in tok.terms(k.word)}

    # recommendations ---------------------------------------------------------------------
    def top(self, scored: ScoredRecord, words: list[WordOccurrence]) -> list[Recommendation]:
        """The TOP_N recommendations in the ranker's order, with extractive rationales."""
        top = [scored.positions[o] for o in scored.order[:TOP_N]]
        confidences = [self.policy.confidence(scored, o) for o in scored.order[:TOP_N]]
        keywords = contributing_keywords(words, top, self.resources, self.cache)
        return [
            self.recommendation(rank, pos, conf, kws, scored)
            for rank, (pos, conf, kws) in enumerate(zip(top, confidences, keywords, strict=False), start=1)
        ]

    def for_item(
        self, scored: ScoredRecord, pos: int, words: list[WordOccurrence], rank: int
    ) -> Recommendation:
        """A recommendation for a candidate outside the top (one the LLM chose)."""
        idx = scored.positions.index(pos)
        keywords = contributing_keywords(words, [pos], self.resources, self.cache)[0]
        return self.recommendation(rank, pos, self.policy.confidence(scored, idx), keywords, scored)

    def recommendation(
        self, rank: int, pos: int, confidence: float, keywords: list[Keyword], scored: ScoredRecord
    ) -> Recommendation:
        catalog = self.resources.catalog
        item_id = self.resources.item_ids[pos]
        item = catalog.item_by_id[item_id]
        theme, field, _ = catalog.path_of(item)
        chosen = self.evidence(scored, pos, self._wanted_terms(scored, keywords))
        sig = scored.signals
        idx = scored.positions.index(pos)
        return Recommendation(
            rank=rank,
            item_id=item_id,
            item_code=item.display_code,
            item_name=item.name,
            field_id=field.id,
            field_code=field.display_code,
            field_name=field.display_name,
            theme_id=theme.id,
            theme_code=theme.display_code,
            theme_name=theme.name,
            score=round(float(scored.scores[idx]), 4),
            confidence=confidence,
            rationale=render_rationale(
                catalog, item, keywords, chosen.lines, chosen.judgments, self.options.prompt_version
            ),
            evidence=[*chosen.lines, *chosen.judgments],
            keywords=keywords,
            signals={
                "dense": round(float(sig.dense[pos]), 4),
                "line": round(float(sig.line_best[pos]), 4),
                "name_mention": float(sig.name_mention[pos]),
                "knn_vote": round(float(sig.knn_vote[pos]), 4),
                "lexical": round(float(sig.lexical[pos]), 4),
                "prior_ksic": round(float(sig.prior_ksic[pos]), 4),
                "prior_st": round(float(sig.prior_st[pos]), 4),
            },
        )

    def word_rationales(self, recs: list[Recommendation], decision: Decision) -> None:
        """Only the 추천 item reads as a match; the others are worded as 참고 후보 with their
        probability (the extractive rationale; an LLM's replaces it later)."""
        catalog = self.resources.catalog
        for rec in recs:
            standing = standing_of(
                decision,
                rec.rank,
                rec.confidence,
                recommend_threshold=self.options.recommend_threshold,
                abstain_threshold=self.options.abstain_threshold,
            )
            if standing == "recommended":
                continue
            rec.rationale = render_rationale(
                catalog,
                catalog.item_by_id[rec.item_id],
                rec.keywords,
                [e for e in rec.evidence if e.kind == "catalog"],
                [e for e in rec.evidence if e.kind == "judgment"],
                self.options.prompt_version,
                standing=standing,
                confidence=rec.confidence,
                recommend_threshold=self.options.recommend_threshold,
                decision_label=DECISION_LABELS[decision],
            )

    # the LLM's view ----------------------------------------------------------------------
    def llm_candidates(self, scored: ScoredRecord, recs: list[Recommendation]) -> list[LlmCandidate]:
        """The ranked candidates with every catalog line in source order and the past judgments
        of that item; the lines the extractive rationale cites (or would cite) are kept first.
        The recommendations' evidence is reused, not chosen again."""
        catalog = self.resources.catalog
        wanted = set(scored.signals.query_terms)
        chosen_for = {
            r.item_id: EvidenceChoice(
                [e for e in r.evidence if e.kind == "catalog"],
                [e for e in r.evidence if e.kind == "judgment"],
            )
            for r in recs
        }
        out = []
        for o in scored.order[:LLM_CANDIDATES]:
            pos = scored.positions[o]
            item_id = self.resources.item_ids[pos]
            item = catalog.item_by_id[item_id]
            theme, field, _ = catalog.path_of(item)
            chosen = chosen_for.get(item_id) or self.evidence(scored, pos, wanted)
            lines = [
                LlmEvidence(line_evidence_id(item_id, n), ln.text)
                for n, ln in enumerate(item.described_lines(), start=1)
            ]
            out.append(
                LlmCandidate(
                    item_id=item_id,
                    code=item.official_code or "",
                    path_label=f"{theme.name} > {field.name} > {item.name}",
                    evidence=(*lines, *(LlmEvidence(e.id, e.text) for e in chosen.judgments)),
                    confidence=self.policy.confidence(scored, o),
                    keep_first=(*(e.id for e in chosen.lines), *(e.id for e in chosen.judgments[:1])),
                )
            )
        return out
