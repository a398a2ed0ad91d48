"""The one `Classifier`: built once, used by the API, the CLI and the evaluation.

It orchestrates one request (embed once, retrieve and rank, write the recommendations, decide,
let the LLM rerank) and holds the past judgments as reviewers save or withdraw decisions. The
jobs themselves live apart: `rag.scoring` (retrieval and ranking), `rag.recommendations`
(evidence, keywords, extractive rationale), `rag.decision_policy` (confidence, decision and its
Korean reason), `rag.llm_merge` (folding the LLM's answer in).
"""

from __future__ import annotations

import copy
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from typing import Protocol

from catalog.judgments import Judgment
from catalog.model import Catalog
from prompts import prompt_version_id
from rag.company import CompanyRecord
from rag.decision_policy import ClassifierOptions, DecisionPolicy
from rag.embedder import Embedder, Vectors
from rag.keywords import WordOccurrence, input_words
from rag.llm.types import LlmCandidate, LlmOutcome
from rag.llm_merge import LlmMerge
from rag.passages import judgment_passage
from rag.query_views import QueryVectorCache, query_views
from rag.ranker import Ranker
from rag.recommendations import RecommendationWriter
from rag.resources import RetrievalResources, item_name_terms
from rag.result import Candidate, ClassificationResult, Decision, recorded_probability
from rag.scoring import ScoredRecord, score_record
from rag.signals import SIGNAL_NAMES

# records whose words `prefetch` keeps for `classify` (a batch prepares one chunk ahead: 16 rows)
MAX_PREPARED = 256


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
        self.reranker = reranker
        self._name_terms = item_name_terms(resources)
        self.policy = DecisionPolicy(options or ClassifierOptions(), ranker)
        self.writer = RecommendationWriter(
            resources, cache or QueryVectorCache(resources.embedder), self.policy
        )
        self._llm_merge = LlmMerge(self.writer, self.policy)
        self._prepared_words: OrderedDict[CompanyRecord, list[WordOccurrence]] = OrderedDict()
        self._prepared_lock = threading.Lock()
        self.versions = {
            "catalog": resources.catalog.version_id,
            "build": resources.build_id,
            "embedder": resources.embedder.id,
            "ranker": ranker.id,
            "prompt": prompt_version_id(self.options.prompt_version),
            "llm_model": reranker.model if reranker is not None else "none",
        }

    @property
    def cache(self) -> QueryVectorCache:
        return self.writer.cache

    @cache.setter
    def cache(self, cache: QueryVectorCache) -> None:
        """Every later lookup (query views and keyword vectors alike) goes to the new cache: the
        recommendation writer shares it, so a replaced cache is not bypassed by the rationale."""
        self.writer.cache = cache

    @property
    def ranker(self) -> Ranker:
        return self.policy.ranker

    @ranker.setter
    def ranker(self, ranker: Ranker) -> None:
        """A retrained ranker scores and calibrates every later classification."""
        self.policy.ranker = ranker

    @property
    def options(self) -> ClassifierOptions:
        return self.policy.options

    @options.setter
    def options(self, options: ClassifierOptions) -> None:
        """New thresholds for every later classification (decision policy and wording)."""
        self.policy.options = options

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
        query views and the candidate keywords of its input, noun phrases included) and return
        those keywords. After it, `classify` finds every vector cached and the record's words
        analysed (a batch prepares a chunk ahead: many records per embedding call, and Kiwi reads
        each record once; the phrases come along so that ranking never waits for the embedder)."""
        words = self._embed_ahead(records, phrases=True)
        with self._prepared_lock:
            for record, ws in zip(records, words, strict=True):
                self._prepared_words[record] = ws
                self._prepared_words.move_to_end(record)
            while len(self._prepared_words) > MAX_PREPARED:
                self._prepared_words.popitem(last=False)
        return words

    def _embed_ahead(self, records: Sequence[CompanyRecord], *, phrases: bool) -> list[list[WordOccurrence]]:
        """Embed the records' query views and candidate words in one call; the candidates that
        are noun phrases only with `phrases` (else `contributing_keywords` embeds, after ranking,
        the few whose words support a top item). Words of the catalog come pinned by the build."""
        words = [input_words(r, self.resources) for r in records]
        texts = [t for r in records for t in query_views(r, self.resources).texts()]
        self.cache.get_many(texts + [w.word for ws in words for w in ws if phrases or not w.parts])
        return words

    def _words_of(self, record: CompanyRecord) -> list[WordOccurrence]:
        """The record's input words as `prefetch` left them, or analysed and embedded now."""
        with self._prepared_lock:
            prepared = self._prepared_words.pop(record, None)
        return prepared if prepared is not None else self._embed_ahead([record], phrases=False)[0]

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
        words = self._words_of(record)
        t_embedded = time.perf_counter()
        timings["embed"] = (t_embedded - t0) * 1000
        scored = self.score(record)
        timings["retrieve_and_rank"] = (time.perf_counter() - t_embedded) * 1000
        t1 = time.perf_counter()
        ids = self.resources.item_ids
        candidates = [
            Candidate(
                ids[scored.positions[o]],
                round(float(scored.scores[o]), 4),
                {"probability": round(float(scored.probabilities[o]), 4)},
            )
            for o in scored.order
        ]
        recs = self.writer.top(scored, words)
        timings["rationale"] = (time.perf_counter() - t1) * 1000
        decision, reason = self.policy.decide(scored, recs[0].confidence if recs else None)
        self.writer.word_rationales(recs, decision)
        result = ClassificationResult(
            decision=decision,
            decision_reason=reason,
            recommendations=recs,
            candidates=candidates,
            none_probability=recorded_probability(scored.none_probability),
            versions=dict(self.versions),
            timings_ms=timings,
        )
        if deterministic is not None:
            deterministic(_finished_copy(result, timings, t0))
        if use_llm and self.reranker is not None and recs:
            t2 = time.perf_counter()
            self._rerank(record, scored, result, words)
            timings["llm"] = (time.perf_counter() - t2) * 1000
        timings["total"] = (time.perf_counter() - t0) * 1000
        result.timings_ms = {k: round(v, 2) for k, v in timings.items()}
        return result

    def decide(self, record: CompanyRecord) -> tuple[Decision, str | None]:
        """The decision and the top item alone, without rationale (for measuring many records)."""
        scored = self.score(record)
        decision, _ = self.policy.decide(scored, self.policy.top_confidence(scored))
        item = self.resources.item_ids[scored.positions[scored.order[0]]] if scored.positions else None
        return decision, item

    def _rerank(
        self,
        record: CompanyRecord,
        scored: ScoredRecord,
        result: ClassificationResult,
        words: list[WordOccurrence],
    ) -> None:
        assert self.reranker is not None
        candidates: list[LlmCandidate] = self.writer.llm_candidates(scored, result.recommendations)
        outcome: LlmOutcome = self.reranker.rerank(
            record.own_fields() | {"ksic_code": record.ksic_code, "st_code": record.st_code},
            candidates,
            none_probability=scored.none_probability,
        )
        self._llm_merge.apply(result, outcome, candidates, scored, record, words)


def _finished_copy(
    result: ClassificationResult, timings: dict[str, float], t0: float
) -> ClassificationResult:
    """A copy of `result` as `classify` would return it now (its timings totalled)."""
    out = copy.deepcopy(result)
    out.timings_ms = {
        k: round(v, 2) for k, v in {**timings, "total": (time.perf_counter() - t0) * 1000}.items()
    }
    return out
