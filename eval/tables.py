"""The report's tables as plain data, rendered both to the terminal (rich) and to Markdown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.table import Table

from eval.compare import Comparison
from eval.metrics import RECALL_KS

SYSTEM_DESCRIPTIONS = {
    "innogrowth": "제품: 후보 통합 + 랭커 (product ranker)",
    "signal:dense": "단일 신호: 품목 e5 유사도",
    "signal:knn": "단일 신호: 과거 판정 kNN",
    "signal:lexical": "단일 신호: Kiwi BM25",
    "signal:prior_ksic": "단일 신호: KSIC 사전확률",
    "signal:prior_st": "단일 신호: 기술분류 사전확률",
    "bm25-catalog": "기준선: BM25 over catalog text",
    "tfidf-logreg": "기준선: TF-IDF + 로지스틱 회귀",
    "dense-item": "기준선: nearest catalog item (e5)",
    "dense-knn": "기준선: e5 kNN over past judgments",
}


@dataclass(frozen=True)
class TableData:
    title: str
    columns: list[str]
    rows: list[list[str]]


def pct(value: Any) -> str:
    return "–" if value is None else f"{100 * float(value):.1f}"


def pct_ci(metrics: dict[str, Any], key: str) -> str:
    ci = metrics.get("ci95", {}).get(key)
    if ci is None:
        return pct(metrics.get(key))
    return f"{pct(metrics.get(key))} [{pct(ci['low'])}, {pct(ci['high'])}]"


def systems_table(summary: dict[str, Any]) -> TableData:
    rows = []
    for name, s in summary["systems"].items():
        rows.append(
            [
                name,
                pct_ci(s, "accuracy"),
                pct_ci(s, "hit_at_3"),
                pct(s["accuracy_with_alternates"]),
                pct_ci(s, "macro_f1"),
                pct(s["none_precision"]),
                pct(s["none_recall"]),
            ]
        )
    n = summary["dataset"]["records"]
    return TableData(
        f"Systems on the same folds ({n} records; %, 95% bootstrap CI)",
        ["system", "top-1 acc", "hit@3", "acc w/ alternates", "macro-F1", "NONE P", "NONE R"],
        rows,
    )


def secondary_table(summary: dict[str, Any]) -> TableData:
    cols = ["system", "micro-F1", "theme acc", "field acc", "NONE rate", "ECE"]
    cols += [f"recall@{k}" for k in RECALL_KS]
    rows = []
    for name, s in summary["systems"].items():
        ece = "–" if s["ece"] is None else f"{s['ece']:.3f}"
        row = [name, pct(s["micro_f1"]), pct(s["theme_accuracy"]), pct(s["field_accuracy"])]
        row += [pct(s["none_rate"]), ece] + [pct(s[f"candidate_recall_at_{k}"]) for k in RECALL_KS]
        rows.append(row)
    return TableData("More metrics (%; candidate recall over item-labelled rows)", cols, rows)


def per_theme_table(summary: dict[str, Any]) -> TableData:
    details = summary["product_details"]
    names = details["theme_names"]
    rows = [
        [g["group"], names.get(g["group"], "해당 없음 (NONE)"), str(g["n"]), pct(g["accuracy"])]
        for g in details["per_theme"]
    ]
    return TableData("Product top-1 accuracy by gold theme", ["theme", "name", "n", "accuracy %"], rows)


def latency_table(summary: dict[str, Any]) -> TableData:
    rows = [
        [s["stage"], str(s["n"]), f"{s['p50_ms']:.1f}", f"{s['p95_ms']:.1f}", f"{s['max_ms']:.1f}"]
        for s in summary["product_details"]["latency_ms"]
    ]
    return TableData("Product latency (ms)", ["stage", "n", "p50", "p95", "max"], rows)


def _signed(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:+.1f}"


def comparison_table(comparison: Comparison, baseline_label: str) -> TableData:
    rows = []
    for r in comparison.rows:
        status = "ok" if r.headline else ""
        if r.failed:
            status = f"FAIL (drop > {100 * comparison.max_drop:.1f})"
        name = f"{r.metric} *" if r.headline else r.metric
        rows.append([name, pct(r.baseline), pct(r.current), _signed(r.delta), status])
    return TableData(
        f"Product vs {baseline_label} (%, * headline)",
        ["metric", "baseline", "this run", "Δ", "status"],
        rows,
    )


def descriptions_table(summary: dict[str, Any]) -> TableData:
    rows = [[name, SYSTEM_DESCRIPTIONS.get(name, "")] for name in summary["systems"]]
    return TableData("Systems", ["system", "what it is"], rows)


def to_rich(table: TableData) -> Table:
    out = Table(title=table.title, title_justify="left")
    for n, col in enumerate(table.columns):
        out.add_column(col, justify="left" if n == 0 else "right", no_wrap=n == 0)
    for row in table.rows:
        out.add_row(*row)
    return out


def to_markdown(table: TableData) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = [f"**{table.title}**", ""]
    lines.append("| " + " | ".join(cell(c) for c in table.columns) + " |")
    lines.append("|" + "|".join([":---"] + ["---:"] * (len(table.columns) - 1)) + "|")
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in table.rows]
    return "\n".join(lines) + "\n"
