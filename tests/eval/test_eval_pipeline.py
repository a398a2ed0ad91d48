"""The harness end to end with a fake classifier: honest folds, every output, the regression check."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Collection
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import typer.main
from rich.console import Console
from typer.testing import CliRunner

from catalog.judgments import NONE_LABEL, Judgment, load_judgments
from catalog.model import Catalog
from eval.baselines import AlwaysNoneBaseline, CachedTerms, Query
from eval.datasets import load_datasets
from eval.folds import Fold, make_folds
from eval.pipeline import (
    IndexData,
    Options,
    Reference,
    TrainingUniverse,
    check_excluded,
    default_baselines,
    evaluate,
)
from eval.prediction import Prediction
from eval.report import console_tables
from eval.runner import PRODUCT, LeakError, run_folds
from eval.summary import HEADLINE, NO_STYLE
from eval.tables import to_rich
from eval.vectors import TrainingPool
from innogrowth.commands.eval import app as eval_app
from rag.bm25 import Bm25Index
from rag.company import CompanyRecord
from rag.korean_tokens import KoreanTokenizer
from rag.passages import item_passage, judgment_passage
from rag.result import ClassificationResult
from tests.support.fake_classifiers import MemorisingClassifier
from tests.support.fakes import HashingEmbedder


class SplitTerms(CachedTerms):
    """Whitespace terms: keeps Kiwi's model load out of this structural test."""

    def __init__(self) -> None:
        super().__init__(KoreanTokenizer())

    def __call__(self, text: str) -> list[str]:
        return text.split()


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
        datasets=[small_judgments_path], folds=3, use_llm=False, show_progress=False, command="cmd X"
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
            if s[key] is None:  # NONE precision of a system that never answers NONE
                assert key not in s["ci95"], (name, key)
                continue
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
    assert (
        "cmd X" in report
        and "item top-1" in report
        and "acc, all rows (mixes NONE)" in report
        and "![reliability](reliability.png)" in report
    )
    assert [v["fold"] for v in summary["fold_versions"]] == ["0", "1", "2"]
    assert all((d / p).stat().st_size > 1000 for p in ("latency.png", "theme_confusion.png"))


def test_limit_and_compare(
    tmp_path: Path,
    small_catalog: Catalog,
    dataset: list[Judgment],
    index: IndexData,
    small_judgments_path: Path,
) -> None:
    options = Options(datasets=[small_judgments_path], folds=3, limit=20, show_progress=False, max_drop=0.02)
    first = evaluate(fake(small_catalog, dataset), index, dataset, options, tmp_path, baselines=[])
    assert first.summary["dataset"]["records"] == 20
    same = evaluate(
        fake(small_catalog, dataset), index, dataset, options, tmp_path, [], Reference("first", first.summary)
    )
    assert same.comparison is not None and not same.comparison.failed
    assert same.directory != first.directory
    better = json.loads(json.dumps(first.summary))
    better["systems"][PRODUCT]["item_top1"] += 0.05
    better["systems"][PRODUCT]["accuracy"] += 0.05  # secondary: never fails
    worse = evaluate(
        fake(small_catalog, dataset), index, dataset, options, tmp_path, [], Reference("better", better)
    )
    assert worse.comparison is not None and worse.comparison.failed
    assert [r.metric for r in worse.comparison.failures] == ["item_top1"]
    assert "FAIL" in (worse.directory / "report.md").read_text("utf-8")


def test_cli_refuses_folds_with_train(small_judgments_path: Path) -> None:
    result = CliRunner().invoke(
        eval_app,
        ["--dataset", str(small_judgments_path), "--folds", "3", "--train", str(small_judgments_path)],
    )
    assert result.exit_code == 2


class NoneClassifier(MemorisingClassifier):
    """Answers 해당 없음 for every record and recommends nothing."""

    def restricted_to(self, judgment_ids: Collection[str]) -> NoneClassifier:
        return NoneClassifier(self._catalog, self._all, self._embedder, judgment_ids, self.calls)

    def classify(self, record: CompanyRecord, *, use_llm: bool = True) -> ClassificationResult:
        self.calls.append((record, frozenset(j.id for j in self._visible)))
        return ClassificationResult(
            decision="not_applicable",
            decision_reason="",
            recommendations=[],
            candidates=[],
            none_probability=0.9,
            versions=self.versions,
            timings_ms={"retrieve": 1.0},
        )


def test_answering_none_everywhere_gets_zero_item_top1_and_equals_always_none(
    tmp_path: Path,
    small_catalog: Catalog,
    dataset: list[Judgment],
    index: IndexData,
    small_judgments_path: Path,
) -> None:
    options = Options(datasets=[small_judgments_path], folds=3, show_progress=False)
    clf = NoneClassifier(small_catalog, dataset, HashingEmbedder())
    out = evaluate(clf, index, dataset, options, tmp_path, [AlwaysNoneBaseline()])
    systems = out.summary["systems"]
    product, floor = systems[PRODUCT], systems["always-none"]
    none_share = sum(j.is_none for j in dataset) / len(dataset)
    assert product["item_top1"] == 0.0 and product["item_hit_at_3"] == 0.0
    assert product["none_recall"] == 1.0 and product["item_rows_answered_none"] == 1.0
    assert product["none_precision"] == pytest.approx(none_share)
    assert product["accuracy"] == pytest.approx(none_share)  # what the mixed accuracy flatters
    for key in (*HEADLINE, "item_top1_with_alternates", "item_rows_answered_none", "accuracy", "hit_at_3"):
        assert floor[key] == pytest.approx(product[key]), key
        assert floor["ci95"][key] == product["ci95"][key], key
    assert product["ci95"]["item_top1"] == {"point": 0.0, "low": 0.0, "high": 0.0}
    # The memorising fake is far better on item rows, and the headline shows it.
    real = evaluate(fake(small_catalog, dataset), index, dataset, options, tmp_path, [AlwaysNoneBaseline()])
    assert real.summary["systems"][PRODUCT]["item_top1"] > 0.1


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


@pytest.fixture()
def two_files(tmp_path: Path, dataset: list[Judgment]) -> tuple[Path, Path]:
    """The dataset split in two files; the second carries a `style` key on every record."""
    rows = [j.to_dict() for j in dataset]
    first = _write(tmp_path / "sparse.jsonl", rows[0::2])
    styled = [{**r, "style": "common" if n % 3 else "spec"} for n, r in enumerate(rows[1::2])]
    second = _write(tmp_path / "rich.jsonl", styled)
    return first, second


def _item_top1(rows: list[dict[str, Any]], system: str = PRODUCT) -> float:
    items = [r for r in rows if r["gold"]["label"] != NONE_LABEL]
    return sum(bool(r["systems"][system]["correct"]) for r in items) / len(items)


def _item_hit3(rows: list[dict[str, Any]], system: str = PRODUCT) -> float:
    items = [r for r in rows if r["gold"]["label"] != NONE_LABEL]
    return sum(bool(r["systems"][system]["hit_at_3"]) for r in items) / len(items)


def test_several_datasets_one_cross_validation_and_a_table_each(
    tmp_path: Path,
    small_catalog: Catalog,
    dataset: list[Judgment],
    index: IndexData,
    two_files: tuple[Path, Path],
) -> None:
    data = load_datasets(list(two_files), small_catalog)
    assert data.names == ["sparse", "rich"]
    options = Options(datasets=list(two_files), folds=3, show_progress=False, command="cmd two")
    out = evaluate(
        fake(small_catalog, dataset), index, data, options, tmp_path / "runs", [AlwaysNoneBaseline()]
    )
    summary = out.summary
    per = summary["per_dataset"]
    assert list(per) == ["sparse", "rich"]
    assert per["sparse"]["dataset"]["records"] + per["rich"]["dataset"]["records"] == len(dataset)
    assert summary["dataset"]["records"] == len(dataset)
    assert [d["name"] for d in summary["config"]["datasets"]] == ["sparse", "rich"]
    rows = [json.loads(x) for x in (out.directory / "results.jsonl").read_text("utf-8").splitlines()]
    # One cross-validation over the union: the folds of the combined records.
    fold_of = {rid: f.index for f in make_folds(data.judgments, 3, 13) for rid in f.test_ids}
    assert {r["id"]: r["fold"] for r in rows} == fold_of
    by_name: dict[str, list[dict[str, Any]]] = {"sparse": [], "rich": []}
    for r in rows:
        by_name[r["dataset"]].append(r)
    for name, mine in by_name.items():
        assert per[name]["systems"][PRODUCT]["item_top1"] == pytest.approx(_item_top1(mine)), name
        assert per[name]["systems"][PRODUCT]["n"] == len(mine)
        assert per[name]["systems"]["always-none"]["item_top1"] == 0.0
    assert summary["systems"][PRODUCT]["item_top1"] == pytest.approx(_item_top1(rows))
    # Per-style breakdown: the rich file's styles; the sparse records have none.
    assert {r["style"] for r in by_name["rich"]} == {"common", "spec"}
    assert {r["style"] for r in by_name["sparse"]} == {None}
    assert "per_style" not in per["sparse"]
    rich_styles = per["rich"]["per_style"]
    assert list(rich_styles) == ["common", "spec"]
    assert list(summary["per_style"]) == ["common", "spec", NO_STYLE]
    for style, entry in rich_styles.items():
        mine = [r for r in by_name["rich"] if r["style"] == style]
        assert entry["records"] == len(mine)
        assert entry["systems"][PRODUCT]["item_top1"] == pytest.approx(_item_top1(mine))
        assert entry["systems"][PRODUCT]["item_hit_at_3"] == pytest.approx(_item_hit3(mine))
        assert entry["systems"]["always-none"]["item_hit_at_3"] == 0.0
    report = (out.directory / "report.md").read_text("utf-8")
    for title in (
        "All datasets on the same folds",
        "Dataset sparse on the same folds",
        "Dataset rich on the same folds",
        "Item rows by record style (%, rich)",
    ):
        assert title in report, title
    assert "record style (%, all records)" not in report  # styles of one dataset: its table only
    assert "dataset **rich**" in report
    written = json.loads((out.directory / "summary.json").read_text("utf-8"))
    assert set(written["per_dataset"]) == {"sparse", "rich"}
    titles = [t.title for t in console_tables(summary)]
    assert titles[0].startswith("Dataset sparse") and titles[2].startswith("All datasets")
    console = Console(record=True, width=200)
    for table in console_tables(summary):
        console.print(to_rich(table))
    assert "Dataset rich" in console.export_text()
    # Compared with itself, per-dataset rows appear; a drop on one dataset alone fails.
    worse = json.loads(json.dumps(summary))
    worse["per_dataset"]["rich"]["systems"][PRODUCT]["item_top1"] += 0.1
    again = evaluate(
        fake(small_catalog, dataset), index, data, options, tmp_path / "runs", [], Reference("w", worse)
    )
    assert again.comparison is not None
    assert [r.label for r in again.comparison.failures] == ["item_top1 [rich]"]


def test_one_dataset_has_one_table(
    tmp_path: Path,
    small_catalog: Catalog,
    dataset: list[Judgment],
    index: IndexData,
    small_judgments_path: Path,
) -> None:
    options = Options(datasets=[small_judgments_path], folds=3, show_progress=False)
    out = evaluate(fake(small_catalog, dataset), index, dataset, options, tmp_path, [])
    assert list(out.summary["per_dataset"]) == [small_judgments_path.stem]
    assert "per_style" not in out.summary
    titles = [t.title for t in console_tables(out.summary)]
    assert titles[0].startswith("Systems on the same folds")
    assert not any(t.startswith("Dataset") for t in titles)


def test_one_styled_dataset_gets_its_style_table(
    tmp_path: Path, small_catalog: Catalog, dataset: list[Judgment], index: IndexData
) -> None:
    rows = [{**j.to_dict(), "style": "named" if n % 2 else "described"} for n, j in enumerate(dataset)]
    path = _write(tmp_path / "styled.jsonl", rows)
    options = Options(datasets=[path], folds=3, show_progress=False)
    out = evaluate(fake(small_catalog, dataset), index, dataset, options, tmp_path / "runs", [])
    per_style = out.summary["per_style"]
    assert list(per_style) == ["described", "named"]
    assert sum(e["item_rows"] for e in per_style.values()) == out.summary["dataset"]["item_rows"]
    titles = [t.title for t in console_tables(out.summary)]
    assert "Item rows by record style (%)" in titles


def _with_extras(dataset: list[Judgment]) -> tuple[list[Judgment], list[Judgment]]:
    """Saved decisions D<id> copying dataset records (a leak: each would answer its twin) and
    one judgment of another file."""
    items = [j for j in dataset if not j.is_none]
    extras = [dataclasses.replace(items[0], id="D1"), dataclasses.replace(items[1], id="D22")]
    extras.append(dataclasses.replace(dataset[-1], id="OTHER7"))
    return dataset + extras, extras


class RecordingBaseline:
    name = "recorder"

    def __init__(self) -> None:
        self.seen: list[frozenset[str]] = []

    def fit(self, train: TrainingPool) -> None:
        self.seen.append(frozenset(j.id for j in train.judgments))

    def predict(self, query: Query) -> Prediction:
        return Prediction.from_ranking([])


@pytest.mark.parametrize("exclude", [True, False])
def test_index_judgments_outside_the_datasets_are_excluded_from_every_fold(
    tmp_path: Path,
    small_catalog: Catalog,
    dataset: list[Judgment],
    small_judgments_path: Path,
    exclude: bool,
) -> None:
    everything, extras = _with_extras(dataset)
    emb = HashingEmbedder()
    pool = TrainingPool(everything, emb.embed_passages([judgment_passage(j) for j in everything]))
    items = emb.embed_passages([item_passage(small_catalog, i) for i in small_catalog.items])
    lexical = Bm25Index([i.name.split() for i in small_catalog.items])
    index = IndexData("fake-build", pool, [i.id for i in small_catalog.items], items, lexical)
    clf = MemorisingClassifier(small_catalog, everything, emb)
    recorder = RecordingBaseline()
    options = Options(datasets=[small_judgments_path], folds=3, show_progress=False, exclude_extra=exclude)
    out = evaluate(clf, index, dataset, options, tmp_path, [recorder])
    extra_ids = {j.id for j in extras}
    assert len(clf.calls) == len(dataset)
    info = out.summary["index_extra"]
    assert info["judgments"] == 3 and info["saved_decisions"] == 2 and info["excluded"] is exclude
    assert out.summary["config"]["exclude_extra"] is exclude
    report = (out.directory / "report.md").read_text("utf-8")
    if exclude:
        assert all(not visible & extra_ids for _, visible in clf.calls)
        assert all(not seen & extra_ids for seen in recorder.seen) and len(recorder.seen) == 3
        assert any(
            "3 excluded from every fold's training" in n and "2 of them saved decisions" in n
            for n in out.notes
        )
        assert "excluded from every fold's training" in report
    else:
        assert all(extra_ids <= visible for _, visible in clf.calls)
        assert all(extra_ids <= seen for seen in recorder.seen)
        assert any(n.startswith("WARNING") and "visible to every fold" in n for n in out.notes)


def test_a_fold_training_on_an_excluded_judgment_is_refused() -> None:
    universe = TrainingUniverse(frozenset({"a", "b"}), ("D3",), excluded=True)
    check_excluded([Fold(0, ("a",), frozenset({"b"}))], universe)
    with pytest.raises(LeakError, match="excluded"):
        check_excluded([Fold(0, ("a",), frozenset({"b", "D3"}))], universe)
    check_excluded([Fold(0, ("a",), frozenset({"b", "D3"}))], TrainingUniverse(frozenset(), ("D3",), False))


def test_cli_takes_dataset_repeatedly(small_judgments_path: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.jsonl"
    other.write_text(small_judgments_path.read_text("utf-8"), "utf-8")
    args = ["--dataset", str(small_judgments_path), "--dataset", str(other), "--folds", "3"]
    result = CliRunner().invoke(eval_app, [*args, "--train", str(other)])
    assert result.exit_code == 2 and "either --folds or --train" in result.output
    params = {p.name: p for p in typer.main.get_command(eval_app).params}
    assert params["dataset"].multiple
    assert params["exclude_extra"].opts == ["--exclude-extra"]
    assert params["exclude_extra"].secondary_opts == ["--no-exclude-extra"]
    assert params["exclude_extra"].default is True


def test_cli_runs_two_datasets_end_to_end_with_fakes(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    small_catalog: Catalog,
    dataset: list[Judgment],
    two_files: tuple[Path, Path],
) -> None:
    """The command line over the fakes: two --dataset files, a saved decision in the index."""
    import eval.pipeline
    import innogrowth.commands.eval
    import rag.classifier
    import rag.embedder

    everything, _ = _with_extras(dataset)
    emb = HashingEmbedder()
    pool = TrainingPool(everything, emb.embed_passages([judgment_passage(j) for j in everything]))
    items = emb.embed_passages([item_passage(small_catalog, i) for i in small_catalog.items])
    index = IndexData(
        "fake-build", pool, [i.id for i in small_catalog.items], items, Bm25Index([["x"]] * len(items))
    )
    clf = MemorisingClassifier(small_catalog, everything, emb)
    # the run's query vectors are saved in the build root: a tmp one that does not exist yet
    # (as on a fresh checkout) instead of the repository's var/
    build_root = tmp_path / "no-build-yet"
    monkeypatch.setenv("INNOGROWTH_BUILD_DIR", str(build_root))
    monkeypatch.setattr(rag.embedder, "make_embedder", lambda *a, **k: emb)
    monkeypatch.setattr(innogrowth.commands.eval, "load_classifier", lambda *a, **k: clf)
    monkeypatch.setattr(innogrowth.commands.eval, "load_index", lambda *a, **k: index)
    monkeypatch.setattr(eval.pipeline, "default_baselines", lambda idx: [AlwaysNoneBaseline()])
    monkeypatch.setattr(
        innogrowth.commands.eval, "console", Console(width=innogrowth.commands.eval.PIPED_WIDTH, record=True)
    )
    first, second = two_files
    args = ["--dataset", str(first), "--dataset", str(second), "--folds", "3", "--quiet"]
    result = CliRunner().invoke(eval_app, [*args, "--out", str(tmp_path / "runs")])
    assert result.exit_code == 0, result.output
    assert list(build_root.glob(".embed-cache-*.npz")), "the query vectors were not kept"
    text = innogrowth.commands.eval.console.export_text()
    assert "Dataset sparse on the same folds" in text and "Dataset rich on the same folds" in text
    assert "All datasets on the same folds" in text and "always-none" in text
    assert "3 excluded from every fold's training" in text and "saved decisions D<id>" in text
    wrapped = [line for line in text.splitlines() if line.startswith("│ ") and line[2:].startswith(" " * 12)]
    assert not wrapped  # no cell of a table wraps onto a second line
    (run_dir,) = (tmp_path / "runs").iterdir()
    summary = json.loads((run_dir / "summary.json").read_text("utf-8"))
    assert set(summary["per_dataset"]) == {"sparse", "rich"}
    assert summary["index_extra"]["saved_decisions"] == 2
    assert all(not visible & {"D1", "D22", "OTHER7"} for _, visible in clf.calls)
