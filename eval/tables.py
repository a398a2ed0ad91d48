"""The report's tables as plain data, rendered both to the terminal (rich) and to Markdown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.markup import escape
from rich.table import Table

from eval.compare import Comparison
from eval.metrics import RECALL_KS

SYSTEM_DESCRIPTIONS = {
    "innogrowth": "제품: 후보 통합 + 랭커 (product ranker, no LLM)",
    "innogrowth+llm": "제품 + LLM 재순위 (the same ranking, then the LLM reranker)",
    "always-none": "기준선: 항상 해당 없음 (always NONE, no item listed)",
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


def _counts_text(data: dict[str, Any]) -> str:
    return f"{data['records']} records: {data['item_rows']} with an item, {data['none_rows']} NONE"


def systems_table(summary: dict[str, Any], name: str | None = None) -> TableData:
    """The headline table: item rows and NONE rows apart; the overall accuracy, which mixes
    both, last. `name`: a dataset of a run over several (its `per_dataset` entry)."""
    part = summary if name is None else summary["per_dataset"][name]
    rows = []
    for system, s in part["systems"].items():
        rows.append(
            [
                system,
                pct_ci(s, "item_top1"),
                pct_ci(s, "item_hit_at_3"),
                pct_ci(s, "none_precision"),
                pct_ci(s, "none_recall"),
                pct(s.get("item_top1_with_alternates")),
                pct(s.get("item_rows_answered_none")),
                pct(s.get("accuracy")),  # secondary: its interval is in summary.json
            ]
        )
    scope = "All datasets" if name is None else f"Dataset {name}"
    if name is None and len(summary.get("per_dataset", {})) <= 1:
        scope = "Systems"
    return TableData(
        f"{scope} on the same folds ({_counts_text(part['dataset'])}; %, 95% bootstrap CI)",
        [
            "system",
            "item top-1",
            "item hit@3",
            "NONE P",
            "NONE R",
            "item top-1 w/ alt",
            "item rows → NONE",
            "acc, all rows (mixes NONE)",
        ],
        rows,
    )


def dataset_tables(summary: dict[str, Any]) -> list[TableData]:
    """One headline table per dataset when the run had several (one dataset: the main table)."""
    names = list(summary.get("per_dataset", {}))
    return [systems_table(summary, n) for n in names] if len(names) > 1 else []


def style_tables(summary: dict[str, Any]) -> list[TableData]:
    """Item-row top-1 / hit@3 per record style: each dataset that has styles, and all records
    when styles come from more than one dataset (else that table would repeat the dataset's)."""
    parts: list[tuple[str, dict[str, Any]]] = []
    datasets = summary.get("per_dataset", {})
    styled = (
        [(n, d["per_style"]) for n, d in datasets.items() if "per_style" in d] if len(datasets) > 1 else []
    )
    if "per_style" in summary and len(styled) != 1:
        parts.append(("all records" if styled else "", summary["per_style"]))
    parts += styled
    out = []
    for scope, per_style in parts:
        styles = list(per_style)
        columns = ["system"]
        for st in styles:
            n = per_style[st]["item_rows"]
            columns += [f"{st} top-1 (n={n})", f"{st} hit@3"]
        systems = list(next(iter(per_style.values()))["systems"]) if styles else []
        rows = []
        for system in systems:
            row = [system]
            for st in styles:
                s = per_style[st]["systems"][system]
                row += [pct(s["item_top1"]), pct(s["item_hit_at_3"])]
            rows.append(row)
        where = f", {scope}" if scope else ""
        out.append(TableData(f"Item rows by record style (%{where})", columns, rows))
    return out


def secondary_table(summary: dict[str, Any]) -> TableData:
    cols = ["system", "hit@3, all rows", "macro-F1", "micro-F1", "theme acc", "field acc", "NONE rate", "ECE"]
    cols += [f"recall@{k}" for k in RECALL_KS]
    rows = []
    for name, s in summary["systems"].items():
        ece = "–" if s["ece"] is None else f"{s['ece']:.3f}"
        row = [name, pct_ci(s, "hit_at_3"), pct_ci(s, "macro_f1"), pct(s["micro_f1"])]
        row += [pct(s["theme_accuracy"]), pct(s["field_accuracy"]), pct(s["none_rate"]), ece]
        row += [pct(s[f"candidate_recall_at_{k}"]) for k in RECALL_KS]
        rows.append(row)
    scope = ", all records" if len(summary.get("per_dataset", {})) > 1 else ""
    return TableData(
        f"More metrics (%{scope}; hit@3 over all rows counts a NONE row answered NONE; candidate recall "
        "over item rows)",
        cols,
        rows,
    )


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


def _ms(spread: dict[str, Any] | None, key: str) -> str:
    return "–" if not spread else f"{spread[key]:,.0f}"


def llm_table(summary: dict[str, Any]) -> TableData | None:
    """The product without and with the LLM on the same folds and the same ranking (runs with an
    LLM only): the headline, latency, degraded rate and tokens."""
    llm = summary.get("llm")
    if not llm:
        return None
    systems = summary["systems"]
    lat = llm["latency_ms"]
    rows = []
    for name, label, latency in (
        ("innogrowth", "without LLM", lat["without_llm"]),
        ("innogrowth+llm", f"with LLM ({llm['model']})", lat["with_llm"]),
    ):
        s = systems.get(name, {})
        with_llm = name == "innogrowth+llm"
        rows.append(
            [
                label,
                pct(s.get("item_top1")),
                pct(s.get("item_hit_at_3")),
                pct(s.get("none_precision")),
                pct(s.get("none_recall")),
                _ms(latency, "p50"),
                _ms(latency, "p95"),
                pct(llm["degraded_rate"] if with_llm else 0.0),
                f"{_ms(llm['prompt_tokens'], 'p50')} / {_ms(llm['prompt_tokens'], 'p95')}"
                if with_llm
                else "–",
                f"{_ms(llm['completion_tokens'], 'p50')} / {_ms(llm['completion_tokens'], 'p95')}"
                if with_llm
                else "–",
            ]
        )
    statuses = ", ".join(f"{k} {v}" for k, v in llm["statuses"].items())
    return TableData(
        f"Without and with the LLM, same folds and ranking ({llm['records']} records; LLM: {statuses}; "
        f"prompt {llm['prompt_version']}, budget {llm['prompt_token_budget']} tokens)",
        [
            "product",
            "item top-1",
            "item hit@3",
            "NONE P",
            "NONE R",
            "latency p50 ms",
            "latency p95 ms",
            "degraded %",
            "prompt tokens p50 / p95 (all attempts)",
            "completion tokens p50 / p95 (all attempts)",
        ],
        rows,
    )


def _signed(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:+.1f}"


def comparison_table(comparison: Comparison, baseline_label: str) -> TableData:
    rows = []
    for r in comparison.rows:
        status = "ok" if r.headline else ""
        if r.failed:
            status = f"FAIL (drop > {100 * comparison.max_drop:.1f})"
        name = f"{r.label} *" if r.headline else r.label
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
    """Cells are plain text (escaped: `item_top1 [rich_dev]` is no markup)."""
    out = Table(title=escape(table.title), title_justify="left")
    for n, col in enumerate(table.columns):
        out.add_column(escape(col), justify="left" if n == 0 else "right", no_wrap=n == 0)
    for row in table.rows:
        out.add_row(*(escape(c) for c in row))
    return out


def to_markdown(table: TableData) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = [f"**{table.title}**", ""]
    lines.append("| " + " | ".join(cell(c) for c in table.columns) + " |")
    lines.append("|" + "|".join([":---"] + ["---:"] * (len(table.columns) - 1)) + "|")
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in table.rows]
    return "\n".join(lines) + "\n"
