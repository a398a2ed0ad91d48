"""Learning the ranker from past judgments with out-of-fold features (no record sees itself)."""

from __future__ import annotations

import json
import math
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from rich.progress import Progress
from sklearn.linear_model import LogisticRegression

from catalog.judgments import NONE_LABEL
from catalog.reference import KsicLookup, StLookup
from index_build import layout
from index_build.artifacts import read_artifacts
from index_build.build_resources import resources_from_build
from index_build.builder import BuildInputs
from index_build.embedding_cache import EmbeddingCache
from index_build.manifest import Manifest
from rag.company import CompanyRecord
from rag.embedder import Embedder
from rag.features import ITEM_FEATURES, JUDGMENT_EVIDENCE, RECORD_FEATURES
from rag.hubness import item_hubs
from rag.korean_tokens import KoreanTokenizer
from rag.listwise import bounded_standardiser, fit_listwise
from rag.query_views import QueryVectorCache
from rag.ranker import NONE_THRESHOLD, LinearModel, Ranker
from rag.resources import RetrievalResources, item_name_terms
from rag.scoring import score_record, top_two

FloatArray = npt.NDArray[np.float64]
MIN_ITEM_JUDGMENTS = 30
FOLDS = 5
TOP_SCORE_COLUMN = RECORD_FEATURES.index("top_item_score")
TOP_PROBABILITY_COLUMN = RECORD_FEATURES.index("top_item_probability")
TOP_LEAD_COLUMN = RECORD_FEATURES.index("top_item_lead")


def fold_of(judgment_id: str, folds: int) -> int:
    """Stable fold assignment by id (the same record is always in the same fold)."""
    return zlib.crc32(judgment_id.encode("utf-8")) % folds


def _fit_linear(
    x: FloatArray, y: npt.NDArray[np.int_], features: tuple[str, ...], *, balanced: bool
) -> LinearModel:
    """Standardised logistic regression. The NONE model is unbalanced so that its probability
    stays calibrated (the decision compares it with the top item's probability)."""
    low, high, mean, scale = bounded_standardiser(x)
    lr = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced" if balanced else None)
    lr.fit((np.clip(x, low, high) - mean) / scale, y)
    coef = lr.coef_[0].astype(np.float64)
    return LinearModel(features, mean, scale, coef, float(lr.intercept_[0]), low, high)


def _platt(raw: list[float], correct: list[int]) -> tuple[float, float]:
    if len(set(correct)) < 2:
        return (1.0, 0.0)
    x = np.array([[math.log(min(max(p, 1e-6), 1 - 1e-6) / (1 - min(max(p, 1e-6), 1 - 1e-6)))] for p in raw])
    lr = LogisticRegression(C=10.0, max_iter=1000).fit(x, np.array(correct))
    return (float(lr.coef_[0][0]), float(lr.intercept_[0]))


@dataclass
class OofRows:
    """Out-of-fold feature rows: one block of candidate rows per past judgment."""

    x: FloatArray  # candidate rows × ITEM_FEATURES
    y: npt.NDArray[np.int_]  # 1 where the candidate is the judged item
    starts: list[int]  # first row of each record's block
    sizes: list[int]
    record_x: FloatArray  # records × RECORD_FEATURES
    is_none: npt.NDArray[np.int_]
    record_fold: npt.NDArray[np.int_]

    def block(self, i: int) -> slice:
        return slice(self.starts[i], self.starts[i] + self.sizes[i])

    @property
    def row_fold(self) -> npt.NDArray[np.int_]:
        return np.repeat(self.record_fold, self.sizes)


def collect_oof_rows(
    res: RetrievalResources,
    cache: QueryVectorCache,
    k: int,
    folds: int,
    progress: Progress | None = None,
) -> OofRows:
    """Features of every past judgment computed with its own fold held out of the index."""
    names = item_name_terms(res)
    task = progress.add_task("train ranker (out-of-fold)", total=len(res.judgments)) if progress else None
    blocks: list[FloatArray] = []
    ys: list[int] = []
    starts: list[int] = []
    sizes: list[int] = []
    rec_rows: list[FloatArray] = []
    is_none: list[int] = []
    rec_fold: list[int] = []
    for f in range(folds):
        sub = res.restricted_to([j.id for j in res.judgments if fold_of(j.id, folds) != f])
        # hub levels of the fold's own training judgments, as the model will have at serving time
        fusion = Ranker(kind="rank-fusion", hubs=item_hubs(sub, cache))
        for j in (j for j in res.judgments if fold_of(j.id, folds) == f):
            scored = score_record(CompanyRecord.from_judgment(j), sub, cache, fusion, names, k)
            label_pos = sub.item_position.get(j.item_id, -1)
            starts.append(len(ys))
            sizes.append(len(scored.positions))
            ys += [int(p == label_pos) for p in scored.positions]
            blocks.append(scored.rows)
            rec_rows.append(scored.record_row)
            is_none.append(int(j.item_id == NONE_LABEL))
            rec_fold.append(f)
            if progress is not None and task is not None:
                progress.advance(task)
    return OofRows(
        np.vstack(blocks),
        np.array(ys),
        starts,
        sizes,
        np.vstack(rec_rows),
        np.array(is_none),
        np.array(rec_fold),
    )


def _fit_items(rows: OofRows, records: npt.NDArray[np.bool_]) -> LinearModel:
    """The listwise item model on the candidate blocks of the selected records."""
    blocks = [rows.block(int(i)) for i in np.flatnonzero(records)]
    return fit_listwise(rows.x, rows.y, blocks, ITEM_FEATURES, nonnegative=JUDGMENT_EVIDENCE)


def fit_from_rows(rows: OofRows, folds: int) -> Ranker:
    """Item model, NONE model (fed out-of-fold item scores) and Platt calibration."""
    oof = np.zeros(len(rows.y))
    row_fold = rows.row_fold
    for f in range(folds):
        tr, te = row_fold != f, row_fold == f
        if rows.y[tr].sum() and te.any():
            oof[te] = _fit_items(rows, rows.record_fold != f).logits(rows.x[te])
    item_model = _fit_items(rows, np.ones(len(rows.starts), dtype=bool))
    rec_x = rows.record_x.copy()
    for i in range(len(rows.starts)):
        seg = oof[rows.block(i)]
        rec_x[i, TOP_SCORE_COLUMN] = float(seg.max()) if len(seg) else 0.0
        first, second = top_two(Ranker(kind="linear").item_probabilities(seg))
        rec_x[i, TOP_PROBABILITY_COLUMN], rec_x[i, TOP_LEAD_COLUMN] = first, first - second
    none_oof = np.zeros(len(rows.starts))
    for f in range(folds):
        tr, te = rows.record_fold != f, rows.record_fold == f
        if len(set(rows.is_none[tr])) == 2 and te.any():
            nm = _fit_linear(rec_x[tr], rows.is_none[tr], RECORD_FEATURES, balanced=False)
            none_oof[te] = 1 / (1 + np.exp(-nm.logits(rec_x[te])))
    none_model = (
        _fit_linear(rec_x, rows.is_none, RECORD_FEATURES, balanced=False)
        if len(set(rows.is_none)) == 2
        else None
    )
    ranker = Ranker(kind="linear", item_model=item_model, none_model=none_model)
    raw: list[float] = []
    correct: list[int] = []
    top1_hits = recall_hits = item_rows = overall_hits = 0
    for i in range(len(rows.starts)):
        seg, ys = oof[rows.block(i)], rows.y[rows.block(i)]
        if not len(seg):
            overall_hits += int(rows.is_none[i])
            continue
        best = int(np.argmax(seg))
        p_top = (1 - none_oof[i]) * float(ranker.item_probabilities(seg)[best])
        says_none = none_oof[i] >= NONE_THRESHOLD  # the classifier's decision rule
        overall_hits += int(says_none) if rows.is_none[i] else int(not says_none and ys[best] == 1)
        raw.append(p_top)
        correct.append(int(ys[best] == 1))
        if not rows.is_none[i]:
            item_rows += 1
            top1_hits += int(ys[best] == 1)
            recall_hits += int(ys.any())
    ranker.calibration = _platt(raw, correct)
    ranker.info = {
        "trained_on": len(rows.starts),
        "item_labelled": item_rows,
        "folds": folds,
        "oof_item_top1": round(top1_hits / item_rows, 4) if item_rows else 0.0,
        "oof_candidate_recall": round(recall_hits / item_rows, 4) if item_rows else 0.0,
        "oof_none_accuracy": round(float(((none_oof >= 0.5) == rows.is_none).mean()), 4),
        "oof_accuracy": round(overall_hits / len(rows.starts), 4),
        "item_weights": dict(zip(ITEM_FEATURES, np.round(item_model.coef, 4).tolist(), strict=True)),
    }
    return ranker


def fit_ranker(
    res: RetrievalResources,
    cache: QueryVectorCache,
    k: int = 20,
    folds: int = FOLDS,
    progress: Progress | None = None,
) -> Ranker:
    """Learn from the past judgments, or fall back to rank fusion when they are too few."""
    n_items = sum(1 for j in res.judgments if j.item_id != NONE_LABEL)
    if n_items < MIN_ITEM_JUDGMENTS or len(res.judgments) < folds * 2:
        return Ranker(
            kind="rank-fusion",
            info={"reason": f"{n_items} item-labelled judgments (< {MIN_ITEM_JUDGMENTS}): rank fusion"},
        )
    ranker = fit_from_rows(collect_oof_rows(res, cache, k, folds, progress), folds)
    ranker.hubs = item_hubs(res, cache)
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
    res = resources_from_build(
        inputs.catalog, arts, embedder, KsicLookup.load(), StLookup.load(), KoreanTokenizer()
    )
    # the judgments' query vectors persist in the build root's embedding cache: a rebuild after a
    # few saved decisions embeds only the new ones
    cache = EmbeddingCache(build_dir.parent, embedder.id, embedder.dim)
    ranker = fit_ranker(res, cache.query_cache(embedder), progress=progress)
    cache.save()
    (build_dir / layout.RANKER).write_text(json.dumps(ranker.to_json(), ensure_ascii=False), "utf-8")
    return {"kind": ranker.kind, "id": ranker.id, **(ranker.info or {})}
