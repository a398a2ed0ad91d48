"""`report.md`: the exact command, versions, every table and the plots of a run."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.tables import (
    TableData,
    dataset_tables,
    descriptions_table,
    latency_table,
    llm_table,
    per_theme_table,
    secondary_table,
    style_tables,
    systems_table,
    to_markdown,
)
from rag.result import DECISION_LABELS


def main_tables(summary: dict[str, Any]) -> list[TableData]:
    """The tables every run reports: the headline table of all records first, then one per dataset
    (runs over several), the per-style breakdown (records with a `style`), then the rest."""
    llm = llm_table(summary)
    return [
        *([llm] if llm is not None else []),
        systems_table(summary),
        *dataset_tables(summary),
        *style_tables(summary),
        secondary_table(summary),
        per_theme_table(summary),
        latency_table(summary),
    ]


def console_tables(summary: dict[str, Any]) -> list[TableData]:
    """What `innogrowth eval run` prints: every dataset's headline table, then all records
    together, the per-style breakdown and the secondary metrics."""
    llm = llm_table(summary)
    return [
        *dataset_tables(summary),
        systems_table(summary),
        *style_tables(summary),
        secondary_table(summary),
        *([llm] if llm is not None else []),
    ]


def _definitions() -> str:
    return "\n".join(
        [
            "- **Headline** (item rows and NONE rows apart): item top-1, item hit@3, NONE P, NONE R."
            " A set where most rows are NONE flatters a system that answers 해당 없음 often in the"
            " overall accuracy (`always-none` scores the NONE share there), so that number is secondary.",
            "- **item top-1**: rows with an item only: the answer is that item (a 해당 없음 answer is"
            " a miss).",
            "- **item hit@3**: rows with an item only: the item is among the three recommended. The three"
            " count also when the answer is 해당 없음, because the product still lists them as choices"
            " under that answer (screen 2); a system that lists none (`always-none`) gets no hit.",
            "- **NONE P / R**: precision and recall of answering NONE (해당 없음) against NONE labels.",
            "- **item top-1 w/ alt**: item rows answered with the item or one of its acceptable alternates.",
            "- **item rows → NONE**: share of item rows answered 해당 없음 (qualifying companies turned"
            " away).",
            "- **acc, all rows (mixes NONE)**: the answer (an item, or NONE) equals the label over every"
            " row, NONE as a class: mixes NONE rows and item rows.",
            "- **hit@3, all rows**: item rows as above; NONE rows: the answer is NONE.",
            "- **macro-F1 / micro-F1**: sklearn F1 of the top-1 answer over items (NONE is not averaged;"
            " NONE answers on item rows are misses).",
            "- **recall@k**: item rows whose label is among the first k candidates (the ranker's ceiling).",
            "- **ECE**: expected calibration error of the top-1 confidence, 10 equal-width bins.",
            "- 95% intervals: percentile bootstrap over records (a metric over a subset of rows is"
            " recomputed on that subset of each resample).",
            "- Every record is classified by a classifier restricted to the other folds' judgments"
            " (or to the `--train` file), so no record ever retrieves itself. Several `--dataset` files:"
            " one cross-validation over their union (folds stratified by label), tables per dataset and"
            " for all records. Index judgments in no evaluated dataset (e.g. saved decisions `D<id>`)"
            " are left out of every fold's training unless `--no-exclude-extra`.",
        ]
    )


def _decisions_text(summary: dict[str, Any]) -> str:
    counts = summary["product_details"]["decisions"]
    return ", ".join(f"{DECISION_LABELS.get(k, k)} ({k}) {n}" for k, n in sorted(counts.items()))


def _llm_text(summary: dict[str, Any]) -> str:
    cfg = summary["config"]
    if cfg.get("use_llm"):
        model, prompt = cfg.get("llm_model"), cfg.get("prompt_version")
        return f"on ({model}, prompt {prompt}), next to the same run without it"
    return "off (--no-llm)" if cfg.get("llm_disabled") else "none configured (extractive rationale)"


def render_report(
    summary: dict[str, Any],
    command: str,
    plots: Sequence[Path],
    extra_tables: Sequence[TableData] = (),
    notes: Sequence[str] = (),
) -> str:
    cfg = summary["config"]
    data = summary["dataset"]
    members = cfg.get("datasets") or [
        {"name": "", "path": cfg["dataset"], "sha256": cfg["dataset_sha256"], "records": data["records"]}
    ]
    per_dataset = summary.get("per_dataset", {})
    lines = []
    for d in members:
        counts = per_dataset.get(d["name"], {}).get("dataset", data if len(members) == 1 else None)
        evaluated = (
            f"{counts['records']} records evaluated, {counts['item_rows']} with an item "
            f"({counts['distinct_items']} distinct), {counts['none_rows']} NONE"
            if counts
            else "no record evaluated"
        )
        name = f"**{d['name']}** " if len(members) > 1 else ""
        lines.append(f"- dataset {name}`{d['path']}` (sha256 `{str(d['sha256'])[:12]}`): {evaluated}")
    if len(members) > 1:
        lines.append(
            f"- all datasets together: {data['records']} records, {data['item_rows']} with an item "
            f"({data['distinct_items']} distinct), {data['none_rows']} NONE"
        )
    extra = summary.get("index_extra", {})
    if extra.get("judgments"):
        verb = "excluded from every fold's training" if extra.get("excluded") else "visible to every fold"
        lines.append(
            f"- index judgments in no evaluated dataset: {extra['judgments']} "
            f"({extra.get('saved_decisions', 0)} saved decisions D<id>), {verb}"
        )
    parts = [
        "# innogrowth evaluation",
        "",
        "```bash",
        command,
        "```",
        "",
        *lines,
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
