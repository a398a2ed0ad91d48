"""A listwise ranker: the softmax over a record's candidates, fitted to put the judged item first.

The classifier turns candidate scores into probabilities with a softmax over the candidates of
one record, so the model is fitted the same way (a conditional logit): it maximises the
log-probability of the judged item among its record's candidates, with an L2 penalty, by
L-BFGS. Records whose item is not among the candidates carry no ranking information and are
left out. Same bounded standardisation as the pointwise model (`rag.ranker.LinearModel`).
Features named in `nonnegative` get a weight ≥ 0 (L-BFGS-B bounds): evidence that may only ever
raise an item's score (`rag.features.JUDGMENT_EVIDENCE`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

from rag.ranker import LinearModel

FloatArray = npt.NDArray[np.float64]
MIN_SCALE = 0.05
MIN_SCALE_SHARE = 0.1


def bounded_standardiser(x: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """(low, high, mean, scale): clip range and a σ with a floor, so that a column that barely
    varies in training cannot turn a small change into tens of standard deviations later."""
    low, high = x.min(axis=0), x.max(axis=0)
    scale = np.maximum(x.std(axis=0), np.maximum(MIN_SCALE, MIN_SCALE_SHARE * (high - low)))
    return low, high, x.mean(axis=0), scale


def fit_listwise(
    x: FloatArray,
    y: npt.NDArray[np.int_],
    blocks: Sequence[slice],
    features: tuple[str, ...],
    l2: float = 1.0,
    nonnegative: Collection[str] = (),
) -> LinearModel:
    seen = np.concatenate([np.arange(b.start, b.stop) for b in blocks]) if blocks else np.arange(len(x))
    low, high, mean, scale = bounded_standardiser(x[seen])
    z = (np.clip(x, low, high) - mean) / scale
    groups = [b for b in blocks if b.stop > b.start and y[b].sum() == 1]
    coef = np.zeros(x.shape[1])
    if groups:
        rows = np.concatenate([np.arange(b.start, b.stop) for b in groups])
        seg = np.concatenate([np.full(b.stop - b.start, g) for g, b in enumerate(groups)])
        zz, yy, n = z[rows], y[rows].astype(np.float64), len(groups)

        def loss_and_grad(w: FloatArray) -> tuple[float, FloatArray]:
            s = zz @ w
            top = np.full(n, -np.inf)
            np.maximum.at(top, seg, s)
            e = np.exp(s - top[seg])
            denom = np.bincount(seg, weights=e, minlength=n)
            loss = float(-(s * yy).sum() + (top + np.log(denom)).sum() + 0.5 * l2 * w @ w)
            grad: FloatArray = zz.T @ (e / denom[seg] - yy) + l2 * w
            return loss, grad

        bounds = [(0.0, None) if name in nonnegative else (None, None) for name in features]
        coef = minimize(loss_and_grad, coef, jac=True, method="L-BFGS-B", bounds=bounds).x
    return LinearModel(features, mean, scale, np.asarray(coef, np.float64), 0.0, low, high)
