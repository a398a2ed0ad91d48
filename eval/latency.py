"""Latency percentiles per classifier stage and end to end."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

END_TO_END = "end_to_end"


@dataclass(frozen=True)
class StageLatency:
    stage: str
    n: int
    p50_ms: float
    p95_ms: float
    mean_ms: float
    max_ms: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def latency_summary(timings: Sequence[Mapping[str, float]]) -> list[StageLatency]:
    """One row per stage seen in any record (end to end last), over the records that report it."""
    stages = sorted({s for t in timings for s in t if s != END_TO_END})
    if any(END_TO_END in t for t in timings):
        stages.append(END_TO_END)
    out = []
    for stage in stages:
        values = np.array([t[stage] for t in timings if stage in t], dtype=np.float64)
        out.append(
            StageLatency(
                stage=stage,
                n=len(values),
                p50_ms=float(np.percentile(values, 50)),
                p95_ms=float(np.percentile(values, 95)),
                mean_ms=float(values.mean()),
                max_ms=float(values.max()),
            )
        )
    return out
