"""Learning the ranker from past judgments with out-of-fold features (no record sees itself)."""

from __future__ import annotations

import json
import math
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from rich.progress import Progress
from sklearn.linear_model import LogisticRegression

from catalog.judgments import NONE_LABEL
from catalog.reference import KsicLookup, StLookup
from index_build import layout
from index_build.artifacts import read_artifacts
from index_build.builder import BuildInputs
from index_build.manifest import Manifest
from rag.company import CompanyRecord
from rag.embedder import Embedder
from rag.features import ITEM_FEATURES, RECORD_FEATURES
from rag.korean_tokens import KoreanTokenizer
from rag.query_views import QueryVectorCache
from rag.ranker import LinearModel, Ranker
from rag.resources import RetrievalResources
from rag.scoring import score_record

FloatArray = npt.NDArray[np.float64]
MIN_ITEM_JUDGMENTS = 30
FOLDS = 5
TOP_SCORE_COLUMN = RECORD_FEATURES.index("top_item_score")


def fold_of(judgment_id: str, folds: int) -> int:
    """Stable fold assignment by id (the same record is always in the same fold)."""
    return zlib.crc32(judgment_id.encode("utf-8")) % folds


def item_name_terms(res: RetrievalResources) -> list[list[str]]:
    return [res.tokenizer.terms(res.catalog.item_by_id[i].name) for i in res.item_ids]


def _fit_linear(
    x: FloatArray, y: npt.NDArray[np.int_], features: tuple[str, ...], c: float = 1.0
) -> LinearModel:
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    lr = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
    lr.fit((x - mean) / scale, y)
    return LinearModel(features, mean, scale, lr.coef_[0].astype(np.float64), float(lr.intercept_[0]))


def _platt(raw: list[float], correct: list[int]) -> tuple[float, float]:
    if len(set(correct)) < 2:
        return (1.0, 0.0)
    x = np.array([[math.log(min(max(p, 1e-6), 1 - 1e-6) / (1 - min(max(p, 1e-6), 1 - 1e-6)))] for p in raw])
    lr = LogisticRegression(C=10.0, max_iter=1000).fit(x, np.array(correct))
    return (float(lr.coef_[0][0]), float(lr.intercept_[0]))


def fit_ranker(
    res: RetrievalResources,
    cache: QueryVectorCache,
    k: int = 20,
    folds: int = FOLDS,
    progress: Progress | None = None,
) -> Ranker:
    """Out-of-fold features for every past judgment → item model, NONE model, calibration."""
    judgments = res.judgments
    n_items = sum(1 for j in judgments if j.item_id != NONE_LABEL)
    if n_items < MIN_ITEM_JUDGMENTS or len(judgments) < folds * 2:
        return Ranker(
            kind="rank-fusion",
            info={"reason": f"{n_items} item-labelled judgments (< {MIN_ITEM_JUDGMENTS}): rank fusion"},
        )
    names = item_name_terms(res)
    fusion = Ranker(kind="rank-fusion")
    task = progress.add_task("train ranker (out-of-fold)", total=len(judgments)) if progress else None
    item_x: list[FloatArray] = []
    item_y: list[int] = []
    item_group: list[int] = []
    records: list[dict[str, Any]] = []
    for f in range(folds):
        train_ids = [j.id for j in judgments if fold_of(j.id, folds) != f]
        sub = res.restricted_to(train_ids)
        for j in (j for j in judgments if fold_of(j.id, folds) == f):
            scored = score_record(CompanyRecord.from_judgment(j), sub, cache, fusion, names, k)
            label_pos = sub.item_position.get(j.item_id, -1)
            ys = [int(p == label_pos) for p in scored.positions]
            start = len(item_y)
            item_x.append(scored.rows)
            item_y += ys
            item_group += [len(records)] * len(ys)
            records.append(
                {
                    "row": scored.record_row,
                    "none": int(j.item_id == NONE_LABEL),
                    "start": start,
                    "ys": ys,
                    "fold": f,
                }
            )
            if progress is not None and task is not None:
                progress.advance(task)
    x = np.vstack(item_x)
    y = np.array(item_y)
    groups = np.array(item_group)
    # out-of-fold item scores, so the NONE model and the calibration see honest inputs
    oof = np.zeros(len(y))
    rec_fold = np.array([records[g]["fold"] for g in groups])
    for f in range(folds):
        tr, te = rec_fold != f, rec_fold == f
        if y[tr].sum() == 0:
            continue
        oof[te] = _fit_linear(x[tr], y[tr], ITEM_FEATURES).logits(x[te])
    item_model = _fit_linear(x, y, ITEM_FEATURES)
    rec_x = np.vstack([r["row"] for r in records])
    for i, r in enumerate(records):
        seg = oof[r["start"] : r["start"] + len(r["ys"])]
        rec_x[i, TOP_SCORE_COLUMN] = float(seg.max()) if len(seg) else 0.0
    rec_y = np.array([r["none"] for r in records])
    none_oof = np.zeros(len(records))
    rec_folds = np.array([r["fold"] for r in records])
    for f in range(folds):
        tr, te = rec_folds != f, rec_folds == f
        if len(set(rec_y[tr])) < 2:
            continue
        nm = _fit_linear(rec_x[tr], rec_y[tr], RECORD_FEATURES)
        none_oof[te] = 1 / (1 + np.exp(-nm.logits(rec_x[te])))
    none_model = _fit_linear(rec_x, rec_y, RECORD_FEATURES) if len(set(rec_y)) == 2 else None
    ranker = Ranker(kind="linear", item_model=item_model, none_model=none_model)
    raw, correct, top1_hits, recall_hits, item_rows = [], [], 0, 0, 0
    for i, r in enumerate(records):
        seg = oof[r["start"] : r["start"] + len(r["ys"])]
        if not len(seg):
            continue
        probs = ranker.item_probabilities(seg)
        best = int(np.argmax(seg))
        raw.append((1 - none_oof[i]) * float(probs[best]))
        correct.append(int(r["ys"][best] == 1))
        if not r["none"]:
            item_rows += 1
            top1_hits += int(r["ys"][best] == 1)
            recall_hits += int(any(r["ys"]))
    ranker.calibration = _platt(raw, correct)
    ranker.info = {
        "trained_on": len(records),
        "item_labelled": item_rows,
        "folds": folds,
        "oof_item_top1": round(top1_hits / item_rows, 4) if item_rows else 0.0,
        "oof_candidate_recall": round(recall_hits / item_rows, 4) if item_rows else 0.0,
        "oof_none_accuracy": round(float(((none_oof >= 0.5) == rec_y).mean()), 4),
        "item_weights": dict(zip(ITEM_FEATURES, np.round(item_model.coef, 4).tolist(), strict=True)),
    }
    return ranker


def train_ranker_for_build(
    inputs: BuildInputs, build_dir: Path, embedder: Embedder, progress: Progress
) -> dict[str, object]:
    """`index build` step: train on the build's judgments, write ranker.json, return its info."""
    provisional = Manifest(
        build_id="in-progress",
        created_at="",
        catalog_version="",
        catalog_path="",
        judgments_sha256="",
        judgments_path="",
        embedder_id=embedder.id,
        embedder_dim=embedder.dim,
    )
    arts = read_artifacts(build_dir, provisional)
    res = RetrievalResources.from_build(
        inputs.catalog, arts, embedder, KsicLookup.load(), StLookup.load(), KoreanTokenizer()
    )
    ranker = fit_ranker(res, QueryVectorCache(embedder), progress=progress)
    (build_dir / layout.RANKER).write_text(json.dumps(ranker.to_json(), ensure_ascii=False), "utf-8")
    return {"kind": ranker.kind, "id": ranker.id, **(ranker.info or {})}
