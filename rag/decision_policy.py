"""From a scored record to the decision a reviewer reads: 추천 / 검토 필요 / 해당 없음, the
calibrated confidence of each candidate, and the Korean sentence that explains the decision."""

from __future__ import annotations

from dataclasses import dataclass

from rag.ranker import NONE_THRESHOLD, Ranker
from rag.rationale import percent_label, threshold_label
from rag.result import Decision, recorded_probability
from rag.scoring import ScoredRecord

# 추천 only at or above this top-item confidence: the lowest threshold (steps of 0.01) at which the
# precision of 추천 on the item rows of the cross-validated development sets reaches 0.8 (eval run
# 20261202T151033Z, both sets, no LLM, past-judgment evidence bounded: 270 of 336 answered 추천
# right, 0.804, and ≥ 0.8 at every higher threshold); below it, 검토 필요
RECOMMEND_THRESHOLD = 0.33
# an LLM answer of "no item applies" is taken as 해당 없음 only when the retrieval statistics lean
# that way too (P(해당 없음) at least this); otherwise the disagreement goes to a reviewer
LLM_NONE_AGREEMENT = 0.3


@dataclass(frozen=True)
class ClassifierOptions:
    candidate_k: int = 20
    abstain_threshold: float = 0.2
    # 해당 없음 when P(NONE) >= this: chosen on the cross-validated development sets so that NONE
    # precision and recall both hold (a lower value answers 해당 없음 more often)
    none_threshold: float = NONE_THRESHOLD
    prompt_version: str = "v2"
    # 추천 only when the top item's confidence is at least this (검토 필요 below it)
    recommend_threshold: float = RECOMMEND_THRESHOLD


class DecisionPolicy:
    def __init__(self, options: ClassifierOptions, ranker: Ranker) -> None:
        self.options = options
        self.ranker = ranker

    def confidence(self, scored: ScoredRecord, idx: int) -> float:
        """P(this candidate is the item) = P(some item applies) × its share, calibrated when the
        ranker was trained."""
        raw = (1 - scored.none_probability) * float(scored.probabilities[idx])
        return recorded_probability(self.ranker.calibrate(raw) if self.ranker.kind == "linear" else raw)

    def top_confidence(self, scored: ScoredRecord) -> float | None:
        return self.confidence(scored, scored.order[0]) if scored.positions else None

    def decide(self, scored: ScoredRecord, top_confidence: float | None) -> tuple[Decision, str]:
        verdict = scored.rules.verdict()
        if verdict is not None:
            decision: Decision = "not_applicable" if verdict[0] == "not_applicable" else "review"
            return decision, verdict[1]
        if top_confidence is None:
            return "not_applicable", "후보 품목을 찾지 못했습니다."
        options = self.options
        # every probability is compared and written as the result records it, so a caller who
        # reads 0.3800 against a threshold of 0.38 gets 해당 없음 on every CPU
        p_none = recorded_probability(scored.none_probability)
        shown_none, top = percent_label(p_none), percent_label(top_confidence)
        if p_none >= options.none_threshold:
            return (
                "not_applicable",
                f"기재 내용과 유사 과거 판정으로 볼 때 해당 품목이 없을 가능성({shown_none})이 "
                f"기준({threshold_label(options.none_threshold)}) 이상입니다.",
            )
        if top_confidence < options.abstain_threshold:
            return (
                "review",
                f"1순위 품목의 신뢰도({top})가 기준"
                f"({threshold_label(options.abstain_threshold)})보다 낮아 검토가 필요합니다.",
            )
        recommend = threshold_label(options.recommend_threshold)
        if top_confidence < options.recommend_threshold:
            return (
                "review",
                f"1순위 품목의 신뢰도({top})가 추천 기준({recommend})보다 낮아 검토가 필요합니다.",
            )
        return "recommended", f"1순위 품목의 신뢰도({top})가 추천 기준({recommend}) 이상입니다."

    @staticmethod
    def llm_found_no_item(none_probability: float) -> tuple[Decision, str]:
        """The decision when the LLM answers that no candidate applies."""
        if recorded_probability(none_probability) >= LLM_NONE_AGREEMENT:
            return "not_applicable", "LLM 검토와 과거 판정 통계 모두 해당 품목이 없다고 봅니다."
        return "review", "LLM은 해당 품목이 없다고 보았으나 검색 결과와 달라 검토가 필요합니다."
