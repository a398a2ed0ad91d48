"""`innogrowth classify`: one company from flags or a JSON file, or a whole file with --batch.

    innogrowth classify --ksic 29280 --products "산업용 물류로봇" --use "..." --tech "..." --st EA0101
    innogrowth classify --json company.json
    innogrowth classify --batch companies.csv --out results.jsonl     # resumable

The batch output has one JSON line per classified row (`id`, `line`, `company`, `result`);
rerunning with the same --out skips ids already there. Bad rows are reported (line + reason)
and skipped; the rest go on.

Exit status of --batch: 0 when at least one row of the file is classified (now or by an earlier
run into the same --out; bad rows are reported, not fatal), 1 when every row failed (or there is
no index build to classify with), 2 when the input cannot be read at all (missing, not UTF-8, not
CSV/JSONL/JSON, or no rows) or --out is missing.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.panel import Panel
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from api.classifying.batch import classify_row, classify_rows
from api.classifying.batch_rows import BatchRow, canonical_keys, detect_format, read_rows
from api.validation import ReferenceLists
from index_build.artifacts import BuildError
from innogrowth.classifier_loading import service_classifier
from innogrowth.settings import Settings
from rag.classifier import Classifier

console = Console()
err_console = Console(stderr=True)

EXIT_ALL_ROWS_FAILED = 1
EXIT_UNREADABLE_INPUT = 2


@dataclass(frozen=True)
class BatchSummary:
    classified: int  # in this run
    bad: int
    already_done: int  # rows of this file classified by an earlier run into the same --out

    def exit_code(self) -> int:
        """1 when no row of the file is classified (now or earlier) and some row failed."""
        return EXIT_ALL_ROWS_FAILED if self.bad and not (self.classified or self.already_done) else 0


def _load(settings: Settings) -> Classifier:
    try:
        return service_classifier(settings)
    except BuildError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc


def done_ids(out: Path) -> set[str]:
    """Ids already classified in an earlier run (a torn last line is ignored and redone)."""
    if not out.exists():
        return set()
    ids = set()
    for line in out.read_text("utf-8").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict) and row.get("ok") and "id" in row:
            ids.add(str(row["id"]))
    return ids


def _read_batch(path: Path) -> list[BatchRow]:
    """The file's rows; exit 2 when it cannot be read as a batch at all."""
    try:
        text = path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        err_console.print(f"[red]cannot read {path}: {exc}[/red]")
        raise typer.Exit(EXIT_UNREADABLE_INPUT) from exc
    try:
        rows = read_rows(text, detect_format(path.name, ""))
    except (ValueError, csv.Error) as exc:
        err_console.print(f"[red]{path}: {exc}[/red]")
        raise typer.Exit(EXIT_UNREADABLE_INPUT) from exc
    if not rows:
        err_console.print(f"[red]{path}: no rows to classify[/red]")
        raise typer.Exit(EXIT_UNREADABLE_INPUT)
    return rows


class RecordsPerSecondColumn(ProgressColumn):
    """Rows classified per second (over the recent window rich keeps), e.g. `3.8 건/s`."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("- 건/s" if speed is None else f"{speed:.1f} 건/s", style="progress.data.speed")


def run_batch(
    classifier: Classifier, rows: list[BatchRow], out: Path, *, use_llm: bool, quiet: bool
) -> BatchSummary:
    """Classify the rows not yet in `out`, appending as it goes."""
    refs = ReferenceLists.load()
    done = done_ids(out)
    todo, seen, bad, already = [], set(done), 0, 0
    for row in rows:
        if row.id in done:
            already += 1
            continue
        if row.id in seen:
            err_console.print(f"[yellow]line {row.line}: duplicate id {row.id!r}; skipped[/yellow]")
            bad += 1
            continue
        seen.add(row.id)
        todo.append(row)
    if done:
        console.print(f"resuming: {len(done)} rows already in {out}, {len(todo)} to go")
    out.parent.mkdir(parents=True, exist_ok=True)
    columns = (
        TextColumn("classify"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("bad {task.fields[bad]}"),
        RecordsPerSecondColumn(),
        TimeRemainingColumn(),
    )
    classified = 0
    progress = Progress(*columns, console=err_console, disable=quiet)
    with out.open("a", encoding="utf-8") as fh, progress:
        task = progress.add_task("classify", total=len(todo), bad=bad)
        for row, line in zip(todo, classify_rows(todo, classifier, refs, use_llm=use_llm), strict=True):
            if line["ok"]:
                fh.write(json.dumps(line, ensure_ascii=False) + "\n")
                fh.flush()
                classified += 1
            else:
                bad += 1
                reason = line["error"]["message"]
                progress.console.print(f"[yellow]line {row.line} ({row.id}): {reason}[/yellow]")
            progress.update(task, advance=1, bad=bad)
    console.print(f"[green]{classified} classified[/green], {bad} bad rows; output {out}")
    return BatchSummary(classified, bad, already)


def print_result(line: dict[str, Any]) -> None:
    result = line["result"]
    console.print(
        Panel(
            f"[bold]{result['decision_label']}[/bold]  {result['decision_reason']}",
            title="분류검색 결과",
            expand=False,
        )
    )
    for note in line.get("notes", []):
        console.print(f"[yellow]{note['message']}[/yellow]")
    if result.get("degraded"):
        console.print(f"[yellow]degraded: {result.get('degraded_reason')}[/yellow]")
    table = Table("순위", "테마 > 분야 > 품목", "코드", "신뢰도")
    for rec in result["recommendations"]:
        path = f"{rec['theme_name']} > {rec['field_name']} > [bold]{rec['item_name']}[/bold]"
        table.add_row(str(rec["rank"]), path, rec["item_code"], f"{rec['confidence']:.0%}")
    console.print(table)
    for rec in result["recommendations"]:
        console.print(f"\n[bold]{rec['rank']}. {rec['item_name']}[/bold] ({rec['item_code']})")
        console.print(rec["rationale"])
        words = ", ".join(k["word"] for k in rec["keywords"])
        if words:
            console.print(f"[cyan]기여 키워드[/cyan]: {words}")
        for ev in rec["evidence"]:
            console.print(f"  [dim]{ev['id']}[/dim] {ev['text']}")


def classify(
    ksic: Annotated[str, typer.Option(help="업종코드 (KSIC 5 digits)")] = "",
    industry: Annotated[str, typer.Option(help="업종명 (default: from the code)")] = "",
    products: Annotated[str, typer.Option(help="주요제품")] = "",
    use: Annotated[str, typer.Option(help="제품의 용도 및 특성")] = "",
    tech: Annotated[str, typer.Option(help="기술사업명")] = "",
    st: Annotated[str, typer.Option(help="기술분류 (e.g. EE0101)")] = "",
    json_file: Annotated[Path | None, typer.Option("--json", help="One company as a JSON object")] = None,
    batch: Annotated[Path | None, typer.Option(help="CSV / JSONL / JSON list of companies")] = None,
    out: Annotated[Path | None, typer.Option(help="Batch output (JSONL); resumable")] = None,
    no_llm: Annotated[bool, typer.Option("--no-llm", help="Deterministic ranking only")] = False,
    quiet: Annotated[bool, typer.Option(help="No progress bar")] = False,
    as_json: Annotated[bool, typer.Option("--output-json", help="Print the raw result JSON")] = False,
) -> None:
    """Classify one company (top 3 items with rationale) or a whole file (--batch --out)."""
    settings = Settings()
    if batch is not None:
        if out is None:
            err_console.print("[red]--batch needs --out results.jsonl[/red]")
            raise typer.Exit(2)
        rows = _read_batch(batch)
        summary = run_batch(_load(settings), rows, out, use_llm=not no_llm, quiet=quiet)
        raise typer.Exit(summary.exit_code())
    if json_file is not None:
        try:
            raw = json.loads(json_file.read_text("utf-8-sig"))
        except (OSError, ValueError) as exc:
            err_console.print(f"[red]cannot read {json_file}: {exc}[/red]")
            raise typer.Exit(1) from exc
        row = BatchRow(1, "cli", canonical_keys(raw) if isinstance(raw, dict) else None, "not a JSON object")
    else:
        fields = {
            "ksic_code": ksic,
            "industry_name": industry,
            "main_products": products,
            "product_use": use,
            "tech_business_name": tech,
            "st_code": st,
        }
        row = BatchRow(1, "cli", fields)
    line = classify_row(row, _load(settings), ReferenceLists.load(), use_llm=not no_llm)
    if not line["ok"]:
        error = line["error"]
        err_console.print(f"[red]{error['message']}[/red]")
        for detail in error.get("details", [])[1:]:
            err_console.print(f"[red]{detail['message']}[/red]")
        raise typer.Exit(2)
    if as_json:
        typer.echo(json.dumps(line, ensure_ascii=False, indent=2))
    else:
        print_result(line)
