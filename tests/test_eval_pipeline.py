"""The harness end to end with a fake classifier: honest folds, every output, the regression check."""

from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from catalog.judgments import NONE_LABEL, Judgment, load_judgments
from catalog.model import Catalog
from eval.baselines import CachedTerms
from eval.cli import app as eval_app
from eval.folds import Fold, make_folds
from eval.pipeline import IndexData, Options, Reference, default_baselines, evaluate
from eval.runner import PRODUCT, LeakError, run_folds
from eval.summary import HEADLINE
from eval.vectors import TrainingPool
from index_build.passages import item_passage, judgment_passage
from rag.bm25 import Bm25Index
from rag.company import CompanyRecord
from rag.embedder import Embedder
from rag.korean_tokens import KoreanTokenizer
from rag.result import Candidate, ClassificationResult, Recommendation
from tests.fakes import HashingEmbedder

Visible = frozenset[str]


class SplitTerms(CachedTerms):
    """Whitespace terms: keeps Kiwi's model load out of this structural test."""

    def __init__(self) -> None:
        super().__init__(KoreanTokenizer())

    def __call__(self, text: str) -> list[str]:
        return text.split()


def recommendation(catalog: Catalog, item_id: str, rank: int, confidence: float) -> Recommendation:
    theme, field, item = catalog.path_of(catalog.item_by_id[item_id])
    return Recommendation(
        rank=rank,
        item_id=item.id,
        item_code=item.display_code,
        item_name=item.name,
        field_id=field.id,
        field_code=field.display_code,
        field_name=field.name,
        theme_id=theme.id,
        theme_code=theme.display_code,
        theme_name=theme.name,
        score=confidence,
        confidence=confidence,
        rationale="",
    )


class MemorisingClassifier:
    """Answers with the labels of the nearest *visible* past judgments (bag-of-characters vectors).
    A record that could see itself would find itself at similarity 1, so every call is logged
    with the ids that were visible."""

    def __init__(
        self,
        catalog: Catalog,
        judgments: list[Judgment],
        embedder: Embedder,
        visible: Collection[str] | None = None,
        calls: list[tuple[CompanyRecord, Visible]] | None = None,
    ) -> None:
        self._catalog, self._all, self._embedder = catalog, judgments, embedder
        self._visible = [j for j in judgments if visible is None or j.id in visible]
        texts = [judgment_passage(j) for j in self._visible]
        self._vectors = embedder.embed_passages(texts)
        self.calls: list[tuple[CompanyRecord, Visible]] = calls if calls is not None else []
        self.versions = {"catalog": catalog.version_id, "build": "fake-build", "ranker": "memorise"}

    @property
    def catalog(self) -> Catalog:
        return self._catalog

    @property
    def embedder(self) -> Embedder:
        return self._embedder

    def restricted_to(self, judgment_ids: Collection[str]) -> MemorisingClassifier:
        return MemorisingClassifier(self._catalog, self._all, self._embedder, judgment_ids, self.calls)

    def _neighbour_labels(self, record: CompanyRecord) -> list[tuple[str, float]]:
        if not self._visible:
            return []
        sims = self._vectors @ self._embedder.embed_queries([record.full_text()])[0]
        out: dict[str, float] = {}
        for n in np.argsort(-sims, kind="stable"):
            out.setdefault(self._visible[n].item_id, float(sims[n]))
        return list(out.items())

    def classify(self, record: CompanyRecord, *, use_llm: bool = True) -> ClassificationResult:
        self.calls.append((record, frozenset(j.id for j in self._visible)))
        labels = self._neighbour_labels(record)
        items = [(lab, s) for lab, s in labels if lab != NONE_LABEL]
        none_first = bool(labels) and labels[0][0] == NONE_LABEL
        recs = [recommendation(self._catalog, lab, n + 1, s) for n, (lab, s) in enumerate(items[:3])]
        ranked = [lab for lab, _ in items] + [i.id for i in self._catalog.items]
        candidates = [Candidate(i, 0.0) for i in dict.fromkeys(ranked)][:20]
        return ClassificationResult(
            decision="not_applicable" if none_first or not recs else "recommended",
            decision_reason="",
            recommendations=recs,
            candidates=candidates,
            none_probability=labels[0][1] if none_first else 0.1,
            versions=self.versions,
            timings_ms={"retrieve": 1.0, "rank": 0.5},
        )

    def signal_rankings(self, record: CompanyRecord) -> dict[str, list[str]]:
        items = [lab for lab, _ in self._neighbour_labels(record) if lab != NONE_LABEL]
        return {"knn": items, "dense": [i.id for i in self._catalog.items]}


@pytest.fixture(scope="module")
def dataset(small_judgments_path: Path, small_catalog: Catalog) -> list[Judgment]:
    """The small development subset, one record per distinct text."""
    rows = load_judgments(small_judgments_path, small_catalog).judgments
    unique = {CompanyRecord.from_judgment(j): j for j in rows}
    return list(unique.values())


@pytest.fixture(scope="module")
def index(small_catalog: Catalog, dataset: list[Judgment]) -> IndexData:
    emb = HashingEmbedder()
    pool = TrainingPool(dataset, emb.embed_passages([judgment_passage(j) for j in dataset]))
    items = emb.embed_passages([item_passage(small_catalog, i) for i in small_catalog.items])
    lexical = Bm25Index([i.name.split() for i in small_catalog.items])  # no Kiwi: fast
    return IndexData("fake-build", pool, [i.id for i in small_catalog.items], items, lexical)


def fake(small_catalog: Catalog, dataset: list[Judgment]) -> MemorisingClassifier:
    return MemorisingClassifier(small_catalog, dataset, HashingEmbedder())


def test_no_record_ever_sees_itself(
    small_catalog: Catalog, dataset: list[Judgment], index: IndexData
) -> None:
    clf = fake(small_catalog, dataset)
    folds = make_folds(dataset, 4, seed=13)
    queries = {j.id: np.zeros(64, np.float32) for j in dataset}
    run = run_folds(clf, dataset, folds, [], index.pool, queries, use_llm=False)
    own_id = {CompanyRecord.from_judgment(j): j.id for j in dataset}
    assert len(clf.calls) == len(dataset) == len(run.outcomes)
    for record, visible in clf.calls:
        assert own_id[record] not in visible
        assert len(visible) >= len(dataset) * 3 // 4 - 1
    # Sanity check of the fake: with itself visible, the record would be answered by itself.
    leaky = fake(small_catalog, dataset)
    j = next(j for j in dataset if not j.is_none)
    assert leaky.classify(CompanyRecord.from_judgment(j)).predicted_label == j.item_id


def test_a_leaking_split_is_refused(
    small_catalog: Catalog, dataset: list[Judgment], index: IndexData
) -> None:
    ids = frozenset(j.id for j in dataset)
    leaky = [Fold(0, (dataset[0].id,), ids)]
    queries = {j.id: np.zeros(64, np.float32) for j in dataset}
    with pytest.raises(LeakError):
        run_folds(fake(small_catalog, dataset), dataset, leaky, [], index.pool, queries)


def test_evaluate_writes_every_output(
    tmp_path: Path,
    small_catalog: Catalog,
    dataset: list[Judgment],
    index: IndexData,
    small_judgments_path: Path,
) -> None:
    options = Options(
        dataset=small_judgments_path, folds=3, use_llm=False, show_progress=False, command="cmd X"
    )
    baselines = default_baselines(index, SplitTerms())
    out = evaluate(fake(small_catalog, dataset), index, dataset, options, tmp_path, baselines)
    d = out.directory
    assert {p.name for p in d.iterdir()} >= {
        "summary.json",
        "results.jsonl",
        "report.md",
        "theme_accuracy.png",
        "theme_confusion.png",
        "reliability.png",
        "latency.png",
    }
    summary = json.loads((d / "summary.json").read_text("utf-8"))
    systems = summary["systems"]
    assert next(iter(systems)) == PRODUCT
    assert {"signal:knn", "signal:dense", "bm25-catalog", "tfidf-logreg", "dense-item", "dense-knn"} <= set(
        systems
    )
    for name, s in systems.items():
        assert s["n"] == len(dataset), name
        for key in HEADLINE:
            ci = s["ci95"][key]
            assert ci["low"] <= s[key] + 1e-12 and s[key] - 1e-12 <= ci["high"], (name, key)
    # The fake's product answer and its kNN baseline are both nearest-neighbour votes: far above zero.
    assert systems[PRODUCT]["accuracy"] > 0.2
    assert systems[PRODUCT]["candidate_recall_at_20"] is not None
    rows = [json.loads(x) for x in (d / "results.jsonl").read_text("utf-8").splitlines()]
    assert len(rows) == len(dataset)
    assert {r["fold"] for r in rows} == {0, 1, 2}
    assert "end_to_end" in rows[0]["product"]["timings_ms"]
    report = (d / "report.md").read_text("utf-8")
    assert "cmd X" in report and "top-1 acc" in report and "![reliability](reliability.png)" in report
    assert [v["fold"] for v in summary["fold_versions"]] == ["0", "1", "2"]
    assert all((d / p).stat().st_size > 1000 for p in ("latency.png", "theme_confusion.png"))


def test_limit_and_compare(
    tmp_path: Path,
    small_catalog: Catalog,
    dataset: list[Judgment],
    index: IndexData,
    small_judgments_path: Path,
) -> None:
    options = Options(dataset=small_judgments_path, folds=3, limit=20, show_progress=False, max_drop=0.02)
    first = evaluate(fake(small_catalog, dataset), index, dataset, options, tmp_path, baselines=[])
    assert first.summary["dataset"]["records"] == 20
    same = evaluate(
        fake(small_catalog, dataset), index, dataset, options, tmp_path, [], Reference("first", first.summary)
    )
    assert same.comparison is not None and not same.comparison.failed
    assert same.directory != first.directory
    better = json.loads(json.dumps(first.summary))
    better["systems"][PRODUCT]["accuracy"] += 0.05
    worse = evaluate(
        fake(small_catalog, dataset), index, dataset, options, tmp_path, [], Reference("better", better)
    )
    assert worse.comparison is not None and worse.comparison.failed
    assert [r.metric for r in worse.comparison.failures] == ["accuracy"]
    assert "FAIL" in (worse.directory / "report.md").read_text("utf-8")


def test_cli_refuses_folds_with_train(small_judgments_path: Path) -> None:
    result = CliRunner().invoke(
        eval_app,
        ["--dataset", str(small_judgments_path), "--folds", "3", "--train", str(small_judgments_path)],
    )
    assert result.exit_code == 2
