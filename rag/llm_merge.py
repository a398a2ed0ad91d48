"""Fold a validated LLM answer into the deterministic result: its order of the retrieved
candidates, its rationale, citations and keywords, the decision it implies; or, when the LLM
failed, the deterministic result flagged `degraded`."""

from __future__ import annotations

from rag.company import CompanyRecord
from rag.decision_policy import DecisionPolicy
from rag.keywords import WordOccurrence
from rag.llm.types import LlmCandidate, LlmOutcome
from rag.recommendations import TOP_N, RecommendationWriter
from rag.result import ClassificationResult, Evidence, Keyword, LlmRun, Recommendation
from rag.scoring import ScoredRecord


def evidence_by_id(item_id: str, evidence_id: str, text: str) -> Evidence:
    if evidence_id.startswith("J:"):
        return Evidence(evidence_id, "judgment", item_id, text)
    line = int(evidence_id.rsplit("#L", 1)[1]) if "#L" in evidence_id else None
    return Evidence(evidence_id, "catalog", item_id, text, line=line)


def locate_keywords(words: list[str], record: CompanyRecord) -> list[Keyword]:
    """Keep only words that occur in the company's own text, with their offsets."""
    out = []
    for w in words:
        for fname, text in record.own_fields().items():
            at = text.lower().find(w.lower())
            if w.strip() and at >= 0:
                out.append(Keyword(text[at : at + len(w)], fname, at, at + len(w), 1.0))
                break
    return out


class LlmMerge:
    def __init__(self, writer: RecommendationWriter, policy: DecisionPolicy) -> None:
        self.writer = writer
        self.policy = policy

    def apply(
        self,
        result: ClassificationResult,
        outcome: LlmOutcome,
        candidates: list[LlmCandidate],
        scored: ScoredRecord,
        record: CompanyRecord,
        words: list[WordOccurrence],
    ) -> None:
        result.llm = LlmRun.of(outcome)
        result.versions["llm_model"] = outcome.model
        result.versions["prompt"] = outcome.prompt_version
        if not outcome.ok:
            result.degraded = True
            result.degraded_reason = (
                f"LLM 재순위 실패({outcome.reason}): 결정적 순위와 추출형 근거를 사용했습니다."
            )
            return
        picked = self._picked(result, outcome, candidates, scored, record, words)
        if picked is None:
            result.degraded, result.degraded_reason = True, "LLM이 후보 밖의 코드를 제시했습니다."
            return
        # fewer than TOP_N picks: the deterministic order fills the list (참고 후보, extractive
        # rationale), so the reviewer still sees three candidates
        chosen = {r.item_id for r in picked}
        rest = [r for r in result.recommendations if r.item_id not in chosen][: TOP_N - len(picked)]
        if picked:
            for r in rest:
                r.rank = len(picked) + 1
                picked.append(r)
            result.recommendations = picked
            # the decision, its reason and the confidence it quotes describe the LLM's top item
            result.decision, result.decision_reason = self.policy.decide(scored, picked[0].confidence)
        if outcome.none_applies:
            result.decision, result.decision_reason = self.policy.llm_found_no_item(scored.none_probability)
        self.writer.word_rationales(rest if picked else result.recommendations, result.decision)
        if picked:  # (an answer of none_applies without picks leaves every rationale extractive)
            result.rationale_source = "llm"
            result.rationale_model = outcome.model

    def _picked(
        self,
        result: ClassificationResult,
        outcome: LlmOutcome,
        candidates: list[LlmCandidate],
        scored: ScoredRecord,
        record: CompanyRecord,
        words: list[WordOccurrence],
    ) -> list[Recommendation] | None:
        """The LLM's picks as recommendations with its rationale; None when one is not a
        candidate (defence in depth: the reranker validates too)."""
        allowed = {c.item_id: c for c in candidates}
        if any(pick.item_id not in allowed for pick in outcome.picks[:TOP_N]):
            return None
        by_item = {r.item_id: r for r in result.recommendations}
        out: list[Recommendation] = []
        for rank, pick in enumerate(outcome.picks[:TOP_N], start=1):
            pos = self.writer.resources.item_position[pick.item_id]
            base = by_item.get(pick.item_id) or self.writer.for_item(scored, pos, words, rank)
            cited = {e.id: e for e in allowed[pick.item_id].evidence}
            evidence = [
                evidence_by_id(pick.item_id, i, cited[i].text) for i in pick.evidence_ids if i in cited
            ] or base.evidence
            base.rank, base.rationale = rank, pick.rationale
            base.evidence, base.keywords = evidence, locate_keywords(pick.keywords, record) or base.keywords
            out.append(base)
        return out
