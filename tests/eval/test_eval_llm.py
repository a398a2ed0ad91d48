"""`eval` with an LLM: the product without and with it on the same folds and the same ranking,
what the LLM did for each record, and a summary that is true to what ran."""

from __future__ import annotations

import copy
import json
from collections.abc import Collection
from pathlib import Path

import pytest

from catalog.judgments import Judgment, load_judgments
from catalog.model import Catalog
from eval.pipeline import IndexData, Options, evaluate
from eval.report import console_tables
from eval.runner import PRODUCT, PRODUCT_LLM
from eval.tables import llm_table
from eval.vectors import TrainingPool
from rag.bm25 import Bm25Index
from rag.classifier import Classifier
from rag.company import CompanyRecord
from rag.llm.types import LLM_STATUSES
from rag.passages import item_passage, judgment_passage
from rag.result import ClassificationResult, LlmRun
from rag.scoring import ScoredRecord
from tests.support.fake_classifiers import MemorisingClassifier
from tests.support.fake_rerankers import ReversingReranker
from tests.support.fakes import HashingEmbedder


class LlmFakeClassifier(MemorisingClassifier):
    """The memorising fake with an "LLM" that reverses the top three, and whose record n answers
    with status LLM_STATUSES[n % 5] (every status other than `answered` keeps the ranking)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.versions = {**self.versions, "llm_model": "fake-llm", "prompt": "v2+test"}
        self.pairs = 0

    def restricted_to(self, judgment_ids: Collection[str]) -> LlmFakeClassifier:
        out = LlmFakeClassifier(self._catalog, self._all, self._embedder, judgment_ids, self.calls)
        return out

    def classify_pair(self, record: CompanyRecord) -> tuple[ClassificationResult, ClassificationResult]:
        plain = self.classify(record, use_llm=False)
        with_llm = copy.deepcopy(plain)
        status = LLM_STATUSES[len(self.calls) % len(LLM_STATUSES)]
        if status == "answered":
            with_llm.recommendations = with_llm.recommendations[::-1]
            with_llm.rationale_source, with_llm.rationale_model = "llm", "fake-llm"
        else:
            with_llm.degraded, with_llm.degraded_reason = True, f"LLM 재순위 실패({status})"
        with_llm.llm = LlmRun(
            status, None if status == "answered" else status, "fake-llm", "v2+test", 1, 900.0,
            prompt_tokens=3000 + len(self.calls), completion_tokens=120, measured_prompt_tokens=3000,
            counted_by="server", prompt_token_budget=3600, candidates_in_prompt=5, candidates_offered=20,
            lines_in_prompt=30,
        )  # fmt: skip
        with_llm.timings_ms = {**plain.timings_ms, "llm": 900.0}
        return plain, with_llm


@pytest.fixture(scope="module")
def dataset(small_judgments_path: Path, small_catalog: Catalog) -> list[Judgment]:
    rows = load_judgments(small_judgments_path, small_catalog).judgments
    return list({CompanyRecord.from_judgment(j): j for j in rows}.values())


@pytest.fixture(scope="module")
def index(small_catalog: Catalog, dataset: list[Judgment]) -> IndexData:
    emb = HashingEmbedder()
    pool = TrainingPool(dataset, emb.embed_passages([judgment_passage(j) for j in dataset]))
    items = emb.embed_passages([item_passage(small_catalog, i) for i in small_catalog.items])
    lexical = Bm25Index([i.name.split() for i in small_catalog.items])
    return IndexData("fake-build", pool, [i.id for i in small_catalog.items], items, lexical)


def run(
    tmp_path: Path, clf: MemorisingClassifier, dataset: list[Judgment], index: IndexData, path: Path
) -> Path:
    options = Options(datasets=[path], folds=3, limit=20, show_progress=False, command="cmd LLM")
    return evaluate(clf, index, dataset, options, tmp_path, baselines=[]).directory


def test_with_and_without_the_llm_side_by_side(
    tmp_path: Path,
    small_catalog: Catalog,
    dataset: list[Judgment],
    index: IndexData,
    small_judgments_path: Path,
) -> None:
    clf = LlmFakeClassifier(small_catalog, dataset, HashingEmbedder())
    d = run(tmp_path, clf, dataset, index, small_judgments_path)
    summary = json.loads((d / "summary.json").read_text("utf-8"))
    cfg = summary["config"]
    assert (cfg["use_llm"], cfg["llm_model"], cfg["prompt_version"]) == (True, "fake-llm", "v2+test")
    assert list(summary["systems"])[:2] == [PRODUCT, PRODUCT_LLM]
    llm = summary["llm"]
    assert llm["records"] == 20 and sum(llm["statuses"].values()) == 20
    assert set(llm["statuses"]) == set(LLM_STATUSES) and llm["statuses"]["answered"] == 4
    assert llm["degraded_rate"] == pytest.approx(16 / 20)
    assert llm["prompt_tokens"]["p50"] >= 3000 and llm["completion_tokens"]["max"] == 120
    assert llm["latency_ms"]["with_llm"]["n"] == 20 and llm["prompt_token_budget"] == 3600
    # the reversed top three change top-1 on the answered records only
    rows = [json.loads(x) for x in (d / "results.jsonl").read_text("utf-8").splitlines()]
    for r in rows:
        plain, with_llm = r["systems"][PRODUCT], r["systems"][PRODUCT_LLM]
        assert r["product"]["llm"]["status"] in LLM_STATUSES
        if r["product"]["llm"]["status"] != "answered":
            assert plain["top3"] == with_llm["top3"]
        else:
            assert with_llm["top3"] == plain["top3"][::-1]
    table = llm_table(summary)
    assert table is not None and [row[0] for row in table.rows] == ["without LLM", "with LLM (fake-llm)"]
    assert table.rows[1][7] == "80.0" and table.rows[0][7] == "0.0"
    assert table in console_tables(summary)
    report = (d / "report.md").read_text("utf-8")
    assert "Without and with the LLM" in report and "LLM: on (fake-llm, prompt v2+test)" in report


def test_without_a_reranker_the_summary_says_no_llm_ran(
    tmp_path: Path,
    small_catalog: Catalog,
    dataset: list[Judgment],
    index: IndexData,
    small_judgments_path: Path,
) -> None:
    d = run(
        tmp_path,
        MemorisingClassifier(small_catalog, dataset, HashingEmbedder()),
        dataset,
        index,
        small_judgments_path,
    )
    summary = json.loads((d / "summary.json").read_text("utf-8"))
    assert (summary["config"]["use_llm"], summary["config"]["llm_model"]) == (False, None)
    assert PRODUCT_LLM not in summary["systems"] and "llm" not in summary and llm_table(summary) is None
    assert "LLM: none configured" in (d / "report.md").read_text("utf-8")


def test_classify_pair_ranks_once_and_the_llm_result_records_its_run(
    small_classifier: Classifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    clf = Classifier(
        small_classifier.resources,
        small_classifier.ranker,
        options=small_classifier.options,
        reranker=ReversingReranker(),
        cache=small_classifier.cache,
    )
    item = clf.catalog.items[4]
    record = CompanyRecord(main_products=item.name, product_use=item.described_lines()[0].text)
    expected = clf.classify(record, use_llm=False)
    scored: list[CompanyRecord] = []
    original = Classifier.score

    def counted(self: Classifier, r: CompanyRecord) -> ScoredRecord:
        scored.append(r)
        return original(self, r)

    monkeypatch.setattr(Classifier, "score", counted)
    plain, with_llm = clf.classify_pair(record)
    assert len(scored) == 1
    assert [r.item_id for r in plain.recommendations] == [r.item_id for r in expected.recommendations]
    assert plain.rationale_source == "extractive" and plain.llm is None and "llm" not in plain.timings_ms
    assert with_llm.rationale_source == "llm" and with_llm.rationale_model == "fake-reversing-llm"
    assert with_llm.llm is not None and with_llm.llm.status == "answered" and "llm" in with_llm.timings_ms
    assert [r.item_id for r in with_llm.recommendations] == [r.item_id for r in plain.recommendations][::-1]
