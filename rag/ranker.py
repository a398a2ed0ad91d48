"""Scoring candidates: a trained linear model (transparent weights in ranker.json), or reciprocal
rank fusion when too few past judgments exist to learn from."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from rag.features import ITEM_FEATURES, RECORD_FEATURES
from rag.hubness import ItemHubs

FloatArray = npt.NDArray[np.float64]
RRF_K = 20.0
# 해당 없음 when P(NONE) >= this (the classifier's default, `INNOGROWTH_NONE_THRESHOLD`; training
# scores its out-of-fold accuracy with it): the point of the cross-validated frontier at which NONE
# precision and recall on the sparse development set both hold
NONE_THRESHOLD = 0.38


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, x))))


@dataclass
class LinearModel:
    """Standardised logistic regression: p = σ(w·(clip(x)-μ)/σ + b).

    Bounded by construction: each feature is clipped to the range seen in training (`low`,
    `high`) before scaling, so a value that training never saw — the exact duplicate a saved
    decision creates, an S&T code after a set without any — cannot move a score by more than
    the training extremes did; and σ has a floor, so a near-constant column cannot blow up."""

    features: tuple[str, ...]
    mean: FloatArray
    scale: FloatArray
    coef: FloatArray
    intercept: float
    low: FloatArray
    high: FloatArray

    def logits(self, x: FloatArray) -> FloatArray:
        z = (np.clip(x, self.low, self.high) - self.mean) / self.scale
        out: FloatArray = z @ self.coef + self.intercept
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "coef": self.coef.tolist(),
            "intercept": self.intercept,
            "low": self.low.tolist(),
            "high": self.high.tolist(),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> LinearModel:
        return cls(
            tuple(d["features"]),
            np.array(d["mean"]),
            np.array(d["scale"]),
            np.array(d["coef"]),
            float(d["intercept"]),
            np.array(d["low"]),
            np.array(d["high"]),
        )


@dataclass
class Ranker:
    """Item scores → probabilities over candidates; P(NONE) from record-level features;
    a Platt calibration of the final top-1 confidence; the items' hub levels its features were
    computed with (`rag.hubness`, fixed until the next training)."""

    kind: str
    item_model: LinearModel | None = None
    none_model: LinearModel | None = None
    calibration: tuple[float, float] = (1.0, 0.0)
    temperature: float = 1.0
    info: dict[str, Any] | None = None
    hubs: ItemHubs = field(default_factory=ItemHubs.none)

    @property
    def id(self) -> str:
        if self.kind == "linear" and self.info:
            return f"linear-lr@{self.info.get('trained_on', 0)}"
        return self.kind

    def item_scores(self, rows: FloatArray, rrf_ranks: list[list[int]] | None = None) -> FloatArray:
        if self.kind == "linear" and self.item_model is not None:
            return self.item_model.logits(rows)
        ranks = rrf_ranks or []
        return np.array([sum(1.0 / (RRF_K + r) for r in per) for per in ranks]) * 30.0

    def item_probabilities(self, scores: FloatArray) -> FloatArray:
        if not len(scores):
            return scores
        z = scores / self.temperature
        e = np.exp(z - z.max())
        out: FloatArray = e / e.sum()
        return out

    def none_probability(self, record_row: FloatArray) -> float:
        if self.kind == "linear" and self.none_model is not None:
            return _sigmoid(float(self.none_model.logits(record_row.reshape(1, -1))[0]))
        # fusion fallback: blend the kNN NONE share with the KSIC prior of NONE
        idx = {f: i for i, f in enumerate(RECORD_FEATURES)}
        return float(0.5 * record_row[idx["knn_none_share"]] + 0.5 * record_row[idx["prior_none_ksic"]])

    def calibrate(self, raw_confidence: float) -> float:
        a, b = self.calibration
        p = min(max(raw_confidence, 1e-6), 1 - 1e-6)
        return _sigmoid(a * math.log(p / (1 - p)) + b)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "item_model": self.item_model.to_json() if self.item_model else None,
            "none_model": self.none_model.to_json() if self.none_model else None,
            "calibration": list(self.calibration),
            "temperature": self.temperature,
            "info": self.info or {},
            "hubs": self.hubs.to_json(),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Ranker:
        if not d:
            return cls(kind="rank-fusion")
        im, nm = d.get("item_model"), d.get("none_model")
        item = LinearModel.from_json(im) if im else None
        none = LinearModel.from_json(nm) if nm else None
        if (item is not None and item.features != ITEM_FEATURES) or (
            none is not None and none.features != RECORD_FEATURES
        ):
            return cls(kind="rank-fusion", info={"note": "feature set changed; rebuild"})
        return cls(
            kind=d["kind"],
            item_model=item,
            none_model=none,
            calibration=(float(d["calibration"][0]), float(d["calibration"][1])),
            temperature=float(d.get("temperature", 1.0)),
            info=d.get("info") or {},
            hubs=ItemHubs.from_json(d.get("hubs")),
        )
