"""`report.md`: the exact command, versions, every table and the plots of a run."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.tables import (
    TableData,
    descriptions_table,
    latency_table,
    per_theme_table,
    secondary_table,
    systems_table,
    to_markdown,
)
from rag.result import DECISION_LABELS


def main_tables(summary: dict[str, Any]) -> list[TableData]:
    """The tables every run prints and reports, headline table first."""
    return [
        systems_table(summary),
        secondary_table(summary),
        per_theme_table(summary),
        latency_table(summary),
    ]


def _definitions() -> str:
    return "\n".join(
        [
            "- **top-1 acc**: the answer (an item, or NONE = 해당 없음) equals the label; NONE is a class.",
            "- **hit@3**: item rows: the label is among the three recommended items; NONE rows: the answer"
            " is NONE.",
            "- **acc w/ alternates**: the answer is the label or one of its acceptable alternates.",
            "- **macro-F1 / micro-F1**: sklearn F1 of the top-1 answer over items (NONE is not averaged;"
            " NONE answers on item rows are misses).",
            "- **NONE P / R**: precision and recall of answering NONE against NONE labels.",
            "- **recall@k**: item rows whose label is among the first k candidates (the ranker's ceiling).",
            "- **ECE**: expected calibration error of the top-1 confidence, 10 equal-width bins.",
            "- Every record is classified by a classifier restricted to the other folds' judgments"
            " (or to the `--train` file), so no record ever retrieves itself.",
        ]
    )


def _decisions_text(summary: dict[str, Any]) -> str:
    counts = summary["product_details"]["decisions"]
    return ", ".join(f"{DECISION_LABELS.get(k, k)} ({k}) {n}" for k, n in sorted(counts.items()))


def _llm_text(summary: dict[str, Any]) -> str:
    model = summary.get("versions", {}).get("llm_model", "none")
    if not summary["config"]["use_llm"]:
        return "off (--no-llm)"
    return f"on ({model})" if model != "none" else "none configured (extractive rationale)"


def render_report(
    summary: dict[str, Any],
    command: str,
    plots: Sequence[Path],
    extra_tables: Sequence[TableData] = (),
    notes: Sequence[str] = (),
) -> str:
    cfg = summary["config"]
    data = summary["dataset"]
    parts = [
        "# innogrowth evaluation",
        "",
        "```bash",
        command,
        "```",
        "",
        f"- dataset: `{cfg['dataset']}` (sha256 `{str(cfg['dataset_sha256'])[:12]}`): "
        f"{data['records']} records evaluated, {data['item_rows']} with an item "
        f"({data['distinct_items']} distinct), {data['none_rows']} NONE",
        f"- split: {cfg['split']}; seed {cfg['seed']}; LLM: {_llm_text(summary)}",
        f"- product decisions: {_decisions_text(summary)}",
        f"- started {cfg['started']}, took {cfg['elapsed_s']:.0f} s",
        "- versions: " + ", ".join(f"{k} `{v}`" for k, v in sorted(summary.get("versions", {}).items())),
        "- ranker retrained per fold: "
        + ", ".join(f"`{v.get('ranker', '?')}`" for v in summary.get("fold_versions", [])),
        "",
    ]
    parts += [f"> {n}\n" for n in notes]
    parts += [_definitions(), ""]
    for table in [*extra_tables, *main_tables(summary), descriptions_table(summary)]:
        parts += [to_markdown(table), ""]
    parts += ["## Plots", ""]
    parts += [f"![{p.stem}]({p.name})" for p in plots]
    return "\n".join(parts) + "\n"
