"""The one `Classifier`: built once, used by the API, the CLI and the evaluation."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from catalog.judgments import Judgment
from catalog.model import Catalog
from prompts import prompt_version_id
from rag.company import CompanyRecord
from rag.embedder import Embedder, Vectors
from rag.keywords import WordOccurrence, contributing_keywords, input_words
from rag.llm.types import LlmCandidate, LlmEvidence, LlmOutcome
from rag.passages import judgment_passage
from rag.query_views import QueryVectorCache, query_views
from rag.ranker import NONE_THRESHOLD, Ranker
from rag.rationale import (
    line_evidence_id,
    percent_label,
    render_rationale,
    standing_of,
    supporting_judgments,
    supporting_lines,
    threshold_label,
)
from rag.resources import RetrievalResources, item_name_terms
from rag.result import (
    DECISION_LABELS,
    Candidate,
    ClassificationResult,
    Decision,
    Evidence,
    Keyword,
    LlmRun,
    Recommendation,
)
from rag.scoring import ScoredRecord, score_record
from rag.signals import SIGNAL_NAMES

TOP_N = 3
# candidates offered to the LLM; the prompt token budget decides how many of them go in
LLM_CANDIDATES = 20
# 추천 only at or above this top-item confidence: the lowest threshold (steps of 0.01) at which the
# precision of 추천 on the item rows of the cross-validated development sets reaches 0.8 (eval run
# 20261202T012421Z, both sets, no LLM: 305 of 381 answered 추천 right, 0.801); below it, 검토 필요
RECOMMEND_THRESHOLD = 0.36


class RankerTrainer(Protocol):
    """Learns a ranker from the past judgments of `resources` (implemented by
    index_build.ranker_training.fit_ranker); `Classifier.restricted_to` retrains with it."""

    def __call__(self, resources: RetrievalResources, cache: QueryVectorCache, k: int, /) -> Ranker: ...


class Reranker(Protocol):
    """The LLM boundary as the classifier sees it (implemented by rag.llm.reranker)."""

    @property
    def model(self) -> str: ...

    def rerank(
        self,
        company_fields: dict[str, str],
        candidates: list[LlmCandidate],
        *,
        none_probability: float | None = None,
    ) -> LlmOutcome: ...


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


class Classifier:
    def __init__(
        self,
        resources: RetrievalResources,
        ranker: Ranker,
        *,
        options: ClassifierOptions | None = None,
        reranker: Reranker | None = None,
        cache: QueryVectorCache | None = None,
        trainer: RankerTrainer | None = None,
    ) -> None:
        self.resources = resources
        self.trainer = trainer
        self.ranker = ranker
        self.options = options or ClassifierOptions()
        self.reranker = reranker
        self.cache = cache or QueryVectorCache(resources.embedder)
        self._name_terms = item_name_terms(resources)
        self._line_terms: dict[str, list[set[str]]] = {}
        self._line_lock = threading.Lock()
        self.versions = {
            "catalog": resources.catalog.version_id,
            "build": resources.build_id,
            "embedder": resources.embedder.id,
            "ranker": ranker.id,
            "prompt": prompt_version_id(self.options.prompt_version),
            "llm_model": reranker.model if reranker is not None else "none",
        }

    @property
    def catalog(self) -> Catalog:
        return self.resources.catalog

    @property
    def embedder(self) -> Embedder:
        return self.resources.embedder

    def restricted_to(self, judgment_ids: Collection[str]) -> Classifier:
        """Same catalog and vectors, only these past judgments; the ranker is retrained on them."""
        if self.trainer is None:
            raise ValueError("this classifier has no ranker trainer, so it cannot be restricted")
        res = self.resources.restricted_to(judgment_ids)
        ranker = self.trainer(res, self.cache, self.options.candidate_k)
        return Classifier(
            res, ranker, options=self.options, reranker=self.reranker, cache=self.cache, trainer=self.trainer
        )

    def judgment_vectors(self, judgments: Sequence[Judgment]) -> dict[str, Vectors]:
        """The passage vectors `add_judgment` needs, by judgment id, in one embedding call (so a
        caller can embed before taking a lock and add under it)."""
        if not judgments:
            return {}
        vecs = self.embedder.embed_passages([judgment_passage(j) for j in judgments])
        return {j.id: vecs[i] for i, j in enumerate(judgments)}

    def add_judgment(self, judgment: Judgment, vector: Vectors | None = None) -> None:
        """A saved decision joins the kNN index and the priors immediately, counted with its
        `weight` (a single reviewer's save may count for less than a curated past judgment);
        `vector` is its passage vector when already embedded (`judgment_vectors`)."""
        vec = vector if vector is not None else self.judgment_vectors([judgment])[judgment.id]
        self.resources.add_judgment(judgment, vec)

    def reweigh_judgment(self, judgment: Judgment) -> bool:
        """A held judgment counts with its new weight (nothing embedded); False when not held."""
        return self.resources.reweigh_judgment(judgment)

    def withdraw_judgment(self, judgment_id: str) -> bool:
        """A withdrawn decision leaves the kNN index and the priors (False when it was not there)."""
        return self.resources.withdraw_judgment(judgment_id)

    # classification ----------------------------------------------------------------------
    def score(self, record: CompanyRecord) -> ScoredRecord:
        return score_record(
            record, self.resources, self.cache, self.ranker, self._name_terms, self.options.candidate_k
        )

    def signal_rankings(self, record: CompanyRecord) -> dict[str, list[str]]:
        """Item ids ranked by each single signal alone."""
        scored = self.score(record)
        ids = self.resources.item_ids
        return {name: [ids[i] for i in scored.signals.ranking(name)] for name in SIGNAL_NAMES}

    def prefetch(self, records: Sequence[CompanyRecord]) -> list[list[WordOccurrence]]:
        """Embed in one call every text that classifying `records` will look up (each record's
        query views and the candidate keywords of its input) and return those keywords. After it,
        `classify` finds every vector cached: one request makes one embedding call, and a batch
        embeds many records per call (the embedder merges them into full batches)."""
        words = [input_words(r, self.resources) for r in records]
        texts = [t for r in records for t in query_views(r, self.resources).texts()]
        self.cache.get_many(texts + [w.word for ws in words for w in ws])
        return words

    def classify_pair(self, record: CompanyRecord) -> tuple[ClassificationResult, ClassificationResult]:
        """Without and with the LLM from one retrieval and ranking of `record` (for measuring
        what the LLM changes): the deterministic result, then the LLM's (the same result again
        when there is no reranker or no recommendation)."""
        kept: list[ClassificationResult] = []
        with_llm = self.classify(record, deterministic=kept.append)
        return (kept[0] if kept else with_llm), with_llm

    def classify(
        self,
        record: CompanyRecord,
        *,
        use_llm: bool = True,
        deterministic: Callable[[ClassificationResult], None] | None = None,
    ) -> ClassificationResult:
        """`deterministic`, when given, receives a copy of the result before the LLM changes it."""
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        words = self.prefetch([record])[0]
        t_embedded = time.perf_counter()
        timings["embed"] = (t_embedded - t0) * 1000
        scored = self.score(record)
        timings["retrieve_and_rank"] = (time.perf_counter() - t_embedded) * 1000
        t1 = time.perf_counter()
        order = scored.order
        ids = self.resources.item_ids
        confidences = [self._confidence(scored, o) for o in order]
        candidates = [
            Candidate(
                ids[scored.positions[o]],
                round(float(scored.scores[o]), 4),
                {"probability": round(float(scored.probabilities[o]), 4)},
            )
            for o in order
        ]
        top = [scored.positions[o] for o in order[:TOP_N]]
        keywords = contributing_keywords(words, top, self.resources, self.cache)
        recs = [
            self._recommendation(rank, pos, conf, kws, scored)
            for rank, (pos, conf, kws) in enumerate(
                zip(top, confidences[:TOP_N], keywords, strict=False), start=1
            )
        ]
        timings["rationale"] = (time.perf_counter() - t1) * 1000
        decision, reason = self._decide(scored, recs[0].confidence if recs else None)
        self._word_rationales(recs, decision)
        result = ClassificationResult(
            decision=decision,
            decision_reason=reason,
            recommendations=recs,
            candidates=candidates,
            none_probability=round(scored.none_probability, 4),
            versions=dict(self.versions),
            timings_ms=timings,
        )
        if deterministic is not None:
            deterministic(_finished_copy(result, timings, t0))
        if use_llm and self.reranker is not None and recs:
            t2 = time.perf_counter()
            self._apply_llm(record, scored, order, result, words)
            timings["llm"] = (time.perf_counter() - t2) * 1000
        timings["total"] = (time.perf_counter() - t0) * 1000
        result.timings_ms = {k: round(v, 2) for k, v in timings.items()}
        return result

    # internals ---------------------------------------------------------------------------
    def _confidence(self, scored: ScoredRecord, idx: int) -> float:
        raw = (1 - scored.none_probability) * float(scored.probabilities[idx])
        return round(self.ranker.calibrate(raw) if self.ranker.kind == "linear" else raw, 4)

    def decide(self, record: CompanyRecord) -> tuple[Decision, str | None]:
        """The decision and the top item alone, without rationale (for measuring many records)."""
        scored = self.score(record)
        top = self._confidence(scored, scored.order[0]) if scored.positions else None
        decision, _ = self._decide(scored, top)
        item = self.resources.item_ids[scored.positions[scored.order[0]]] if scored.positions else None
        return decision, item

    def _decide(self, scored: ScoredRecord, top_confidence: float | None) -> tuple[Decision, str]:
        verdict = scored.rules.verdict()
        if verdict is not None:
            decision: Decision = "not_applicable" if verdict[0] == "not_applicable" else "review"
            return decision, verdict[1]
        if top_confidence is None:
            return "not_applicable", "후보 품목을 찾지 못했습니다."
        p_none = scored.none_probability
        # every probability in a reason is written as the result and the pages show it: the value
        # rounded to 4 places (as in `none_probability` and `confidence`), then `percent_label`
        shown_none, top = percent_label(round(p_none, 4)), percent_label(top_confidence)
        if p_none >= self.options.none_threshold:
            return (
                "not_applicable",
                f"기재 내용과 유사 과거 판정으로 볼 때 해당 품목이 없을 가능성({shown_none})이 "
                f"기준({threshold_label(self.options.none_threshold)}) 이상입니다.",
            )
        if top_confidence < self.options.abstain_threshold:
            return (
                "review",
                f"1순위 품목의 신뢰도({top})가 기준"
                f"({threshold_label(self.options.abstain_threshold)})보다 낮아 검토가 필요합니다.",
            )
        recommend = threshold_label(self.options.recommend_threshold)
        if top_confidence < self.options.recommend_threshold:
            return (
                "review",
                f"1순위 품목의 신뢰도({top})가 추천 기준({recommend})보다 낮아 검토가 필요합니다.",
            )
        return "recommended", f"1순위 품목의 신뢰도({top})가 추천 기준({recommend}) 이상입니다."

    def _word_rationales(self, recs: list[Recommendation], decision: Decision) -> None:
        """Only the 추천 item reads as a match; the others are worded as 참고 후보 with their
        probability (the extractive rationale; an LLM's replaces it later)."""
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
            item = self.catalog.item_by_id[rec.item_id]
            rec.rationale = render_rationale(
                self.catalog,
                item,
                rec.keywords,
                [e for e in rec.evidence if e.kind == "catalog"],
                [e for e in rec.evidence if e.kind == "judgment"],
                self.options.prompt_version,
                standing=standing,
                confidence=rec.confidence,
                recommend_threshold=self.options.recommend_threshold,
                decision_label=DECISION_LABELS[decision],
            )

    def _terms_of_lines(self, item_id: str) -> list[set[str]]:
        cached = self._line_terms.get(item_id)
        if cached is None:
            item = self.catalog.item_by_id[item_id]
            cached = [set(self.resources.tokenizer.terms(ln.text)) for ln in item.described_lines()]
            with self._line_lock:
                self._line_terms[item_id] = cached
        return cached

    def _wanted_terms(self, scored: ScoredRecord, keywords: list[Keyword]) -> set[str]:
        tok = self.resources.tokenizer
        return set(scored.signals.query_terms) | {t for k in keywords for t in tok.terms(k.word)}

    def _recommendation(
        self, rank: int, pos: int, confidence: float, keywords: list[Keyword], scored: ScoredRecord
    ) -> Recommendation:
        item_id = self.resources.item_ids[pos]
        item = self.catalog.item_by_id[item_id]
        theme, field, _ = self.catalog.path_of(item)
        lines = supporting_lines(
            item,
            self._wanted_terms(scored, keywords),
            self._terms_of_lines(item_id),
            scored.signals.best_lines.get(pos),
        )
        judgments = supporting_judgments(item_id, scored.signals.neighbours)
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
                self.catalog, item, keywords, lines, judgments, self.options.prompt_version
            ),
            evidence=[*lines, *judgments],
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

    def _llm_candidates(self, scored: ScoredRecord, order: list[int]) -> list[LlmCandidate]:
        """The ranked candidates with every catalog line in source order and the past judgments
        of that item; the lines the extractive rationale would cite are kept first."""
        out = []
        wanted = set(scored.signals.query_terms)
        for o in order[:LLM_CANDIDATES]:
            pos = scored.positions[o]
            item_id = self.resources.item_ids[pos]
            item = self.catalog.item_by_id[item_id]
            theme, field, _ = self.catalog.path_of(item)
            best = supporting_lines(
                item, wanted, self._terms_of_lines(item_id), scored.signals.best_lines.get(pos)
            )
            judgments = supporting_judgments(item_id, scored.signals.neighbours)
            lines = [
                LlmEvidence(line_evidence_id(item_id, n), ln.text)
                for n, ln in enumerate(item.described_lines(), start=1)
            ]
            out.append(
                LlmCandidate(
                    item_id=item_id,
                    code=item.official_code or "",
                    path_label=f"{theme.name} > {field.name} > {item.name}",
                    evidence=(*lines, *(LlmEvidence(e.id, e.text) for e in judgments)),
                    confidence=self._confidence(scored, o),
                    keep_first=(*(e.id for e in best), *(e.id for e in judgments[:1])),
                )
            )
        return out

    def _apply_llm(
        self,
        record: CompanyRecord,
        scored: ScoredRecord,
        order: list[int],
        result: ClassificationResult,
        words: list[WordOccurrence],
    ) -> None:
        assert self.reranker is not None
        candidates = self._llm_candidates(scored, order)
        outcome = self.reranker.rerank(
            record.own_fields() | {"ksic_code": record.ksic_code, "st_code": record.st_code},
            candidates,
            none_probability=scored.none_probability,
        )
        result.llm = LlmRun.of(outcome)
        result.versions["llm_model"] = outcome.model
        result.versions["prompt"] = outcome.prompt_version
        if not outcome.ok:
            result.degraded = True
            result.degraded_reason = (
                f"LLM 재순위 실패({outcome.reason}): 결정적 순위와 추출형 근거를 사용했습니다."
            )
            return
        allowed = {c.item_id: c for c in candidates}
        by_item = {r.item_id: r for r in result.recommendations}
        new_recs: list[Recommendation] = []
        for rank, pick in enumerate(outcome.picks[:TOP_N], start=1):
            if pick.item_id not in allowed:  # defence in depth: the reranker validates too
                result.degraded, result.degraded_reason = True, "LLM이 후보 밖의 코드를 제시했습니다."
                return
            pos = self.resources.item_position[pick.item_id]
            idx = scored.positions.index(pos)
            base = by_item.get(pick.item_id) or self._recommendation(
                rank,
                pos,
                self._confidence(scored, idx),
                contributing_keywords(words, [pos], self.resources, self.cache)[0],
                scored,
            )
            cited = {e.id: e for e in allowed[pick.item_id].evidence}
            evidence = [
                self._evidence_by_id(pick.item_id, i, cited[i].text) for i in pick.evidence_ids if i in cited
            ] or base.evidence
            llm_keywords = self._locate_keywords(pick.keywords, record) or base.keywords
            base.rank, base.rationale, base.evidence, base.keywords = (
                rank,
                pick.rationale,
                evidence,
                llm_keywords,
            )
            new_recs.append(base)
        # fewer than TOP_N picks: the deterministic order fills the list (참고 후보, extractive
        # rationale), so the reviewer still sees three candidates
        picked = {r.item_id for r in new_recs}
        rest = [r for r in result.recommendations if r.item_id not in picked][: TOP_N - len(new_recs)]
        if new_recs:
            for r in rest:
                r.rank = len(new_recs) + 1
                new_recs.append(r)
            result.recommendations = new_recs
            # the decision, its reason and the confidence it quotes describe the LLM's top item
            result.decision, result.decision_reason = self._decide(scored, new_recs[0].confidence)
        if outcome.none_applies and scored.none_probability >= 0.3:
            result.decision = "not_applicable"
            result.decision_reason = "LLM 검토와 과거 판정 통계 모두 해당 품목이 없다고 봅니다."
        elif outcome.none_applies:
            result.decision = "review"
            result.decision_reason = "LLM은 해당 품목이 없다고 보았으나 검색 결과와 달라 검토가 필요합니다."
        self._word_rationales(rest if new_recs else result.recommendations, result.decision)
        if new_recs:  # (an answer of none_applies without picks leaves every rationale extractive)
            result.rationale_source = "llm"
            result.rationale_model = outcome.model

    @staticmethod
    def _evidence_by_id(item_id: str, evidence_id: str, text: str) -> Evidence:
        if evidence_id.startswith("J:"):
            return Evidence(evidence_id, "judgment", item_id, text)
        line = int(evidence_id.rsplit("#L", 1)[1]) if "#L" in evidence_id else None
        return Evidence(evidence_id, "catalog", item_id, text, line=line)

    @staticmethod
    def _locate_keywords(words: list[str], record: CompanyRecord) -> list[Keyword]:
        """Keep only words that occur in the company's own text, with their offsets."""
        out = []
        for w in words:
            for fname, text in record.own_fields().items():
                at = text.lower().find(w.lower())
                if w.strip() and at >= 0:
                    out.append(Keyword(text[at : at + len(w)], fname, at, at + len(w), 1.0))
                    break
        return out


def _finished_copy(
    result: ClassificationResult, timings: dict[str, float], t0: float
) -> ClassificationResult:
    """A copy of `result` as `classify` would return it now (its timings totalled)."""
    out = copy.deepcopy(result)
    out.timings_ms = {
        k: round(v, 2) for k, v in {**timings, "total": (time.perf_counter() - t0) * 1000}.items()
    }
    return out
