"""The harness over the real `Classifier` on the small real build: it fits the protocol, and the
restricted classifier of each fold never finds the record it classifies among its neighbours.

Marked slow: every fold retrains the real ranker (minutes on two busy cores)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalog.judgments import load_judgments
from catalog.model import Catalog
from eval.folds import make_folds
from eval.pipeline import Options, evaluate, load_index
from eval.runner import PRODUCT
from index_build.builder import BuildResult
from rag.classifier import Classifier
from rag.company import CompanyRecord

pytestmark = pytest.mark.slow


def test_folds_of_the_real_classifier_never_see_the_tested_record(
    small_classifier: Classifier, small_judgments_path: Path, small_catalog: Catalog
) -> None:
    dataset = load_judgments(small_judgments_path, small_catalog).judgments
    fold = make_folds(dataset, 3, seed=13)[0]
    held = small_classifier.restricted_to(fold.train_ids)
    for rid in fold.test_ids[:5]:
        j = next(x for x in dataset if x.id == rid)
        neighbours = held.score(CompanyRecord.from_judgment(j)).signals.neighbours
        assert neighbours and rid not in {n.id for n, _ in neighbours}


def test_evaluate_runs_the_real_classifier(
    tmp_path: Path,
    small_classifier: Classifier,
    small_build: BuildResult,
    small_judgments_path: Path,
    small_catalog: Catalog,
) -> None:
    index = load_index(
        small_build.path.parent,
        small_classifier.embedder.id,
        small_catalog.version_id,
        small_classifier.versions["build"],
    )
    dataset = load_judgments(small_judgments_path, small_catalog).judgments
    options = Options(datasets=[small_judgments_path], folds=2, limit=6, use_llm=False, show_progress=False)
    out = evaluate(small_classifier, index, dataset, options, tmp_path, baselines=[])
    summary = json.loads((out.directory / "summary.json").read_text("utf-8"))
    assert summary["dataset"]["records"] == 6
    assert {"signal:dense", "signal:knn", "signal:lexical"} <= set(summary["systems"])
    assert summary["versions"]["build"] == small_build.manifest.build_id
    assert summary["systems"][PRODUCT]["candidate_recall_at_20"] is not None
