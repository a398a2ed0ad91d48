"""`innogrowth catalog …`: show, validate, diff, import-codes, carry-vocabulary, judgments check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from catalog.diff import diff_catalogs
from catalog.judgments import load_judgments
from catalog.loader import CatalogError, dump_catalog, load_catalog
from catalog.model import Catalog
from catalog.official_codes import import_official_codes
from catalog.vocabulary import carry_vocabulary
from innogrowth.settings import Settings

app = typer.Typer(help="Inspect, validate, diff and revise the 혁신성장 공동기준 catalog.")
console = Console()

CatalogFile = Annotated[Path | None, typer.Argument(help="Catalog JSON (default: active one)")]


def _load(path: Path | None) -> tuple[Path, Catalog]:
    target = path or Settings().resolved_catalog_path()
    try:
        return target, load_catalog(target)
    except CatalogError as exc:
        console.print(f"[red]invalid:[/red] {exc}")
        raise typer.Exit(1) from exc


@app.command()
def validate(path: CatalogFile = None) -> None:
    """Check structure (9 themes / 31 fields / 240 items, unique codes, known parents)."""
    target, cat = _load(path)
    console.print(
        f"[green]valid[/green] {target}: {len(cat.themes)} themes / {len(cat.fields)} fields / "
        f"{len(cat.items)} items — version {cat.version_id}"
    )


@app.command()
def show(
    path: CatalogFile = None,
    item: Annotated[str | None, typer.Option(help="Show one item in full (id or code)")] = None,
) -> None:
    """Print the theme > field > item tree, or one item's full text."""
    _, cat = _load(path)
    if item:
        found = cat.resolve_item(item)
        if found is None:
            console.print(f"[red]no item {item!r}[/red]")
            raise typer.Exit(1)
        theme, field, _ = cat.path_of(found)
        console.print(
            f"[bold]{theme.name} > {field.display_name} > {found.name}[/bold] ({found.display_code})"
        )
        for n, line in enumerate(found.described_lines(), start=1):
            console.print(f"  {n:>2} [{line.kind}] {line.text}")
        if found.vocabulary:
            console.print(f"  용어집 (searched, not cited): {', '.join(found.vocabulary)}")
        return
    table = Table("theme", "field", "items", title=f"{cat.catalog} {cat.revision} ({cat.version_id})")
    for field in cat.fields:
        names = [i.name for i in cat.items if i.field_id == field.id]
        table.add_row(
            cat.theme_by_id[field.theme_id].name,
            f"{field.display_name} [{field.display_code}]",
            f"{len(names)}: " + ", ".join(names[:4]) + (" …" if len(names) > 4 else ""),
        )
    console.print(table)


@app.command()
def diff(old: Path, new: Path) -> None:
    """List added, removed, renamed, re-described, moved and re-coded items between two files."""
    try:
        before, after = load_catalog(old, expect_counts=False), load_catalog(new, expect_counts=False)
    except CatalogError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    d = diff_catalogs(before, after)
    console.print(f"{before.version_id} → {after.version_id}")
    for it in d.added:
        console.print(f"[green]+ added[/green]       {it.id} {it.name}")
    for it in d.removed:
        console.print(f"[red]- removed[/red]     {it.id} {it.name}")
    for a, b in d.renamed:
        console.print(f"[yellow]~ renamed[/yellow]     {a.id} {a.name} → {b.name}")
    for a, _ in d.redescribed:
        console.print(f"[yellow]~ redescribed[/yellow] {a.id} {a.name}")
    for a, b in d.moved:
        console.print(f"[yellow]~ moved[/yellow]       {a.id} {a.field_id} → {b.field_id}")
    for a, b in d.recoded:
        console.print(f"[yellow]~ recoded[/yellow]     {a.id} {a.official_code} → {b.official_code}")
    if d.is_empty:
        console.print("no item changes")


@app.command("import-codes")
def import_codes(
    table: Path,
    label: Annotated[str, typer.Option(help="Revision label appended to the version")] = "codes",
    out: Annotated[Path | None, typer.Option(help="Write here (default <data_dir>/catalog.json)")] = None,
) -> None:
    """Import the official code table (CSV: key, theme_code, field_code, item_code)."""
    settings = Settings()
    _, cat = _load(None)
    try:
        revised = import_official_codes(cat, table, revision_label=label)
    except CatalogError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    target = _write_revision(revised, out or settings.data_dir / "catalog.json")
    coded = sum(1 for i in revised.items if i.official_code)
    console.print(
        f"wrote {target}: version {revised.version_id}, {coded} items with official "
        "codes. Rebuild the index: innogrowth index build"
    )


@app.command("carry-vocabulary")
def carry_vocabulary_command(
    revision: Annotated[Path, typer.Argument(help="The new revision's catalog JSON")],
    earlier: Annotated[
        Path | None, typer.Option("--from", help="Take it from (default: active catalog)")
    ] = None,
    label: Annotated[str, typer.Option(help="Revision label appended to the version")] = "vocabulary",
    out: Annotated[Path | None, typer.Option(help="Write here (default <data_dir>/catalog.json)")] = None,
) -> None:
    """Give each item of a new revision without vocabulary the one of the same item (id, else exact
    name) in an earlier catalog, and make the result the active catalog."""
    settings = Settings()
    _, new = _load(revision)
    _, old = _load(earlier)
    result = carry_vocabulary(new, old, revision_label=label)
    target = _write_revision(result.catalog, out or settings.data_dir / "catalog.json")
    console.print(
        f"wrote {target}: version {result.catalog.version_id}; vocabulary carried to "
        f"{len(result.carried)} items, kept on {len(result.kept)}, none for {len(result.missing)}"
        + (
            f" ({', '.join(result.missing[:20])}{' …' if len(result.missing) > 20 else ''})"
            if result.missing
            else ""
        )
        + ". Rebuild the index: innogrowth index build"
    )


def _write_revision(catalog: Catalog, target: Path) -> Path:
    """Write a catalog revision atomically (a reader never sees half a file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(dump_catalog(catalog), ensure_ascii=False, indent=1), "utf-8")
    tmp.replace(target)
    return target


@app.command("check-judgments")
def check_judgments(path: Path) -> None:
    """Validate a past-judgments file (CSV or JSONL) and list bad rows by line number."""
    _, cat = _load(None)
    result = load_judgments(path, cat)
    console.print(result.report())
    if result.bad_rows:
        raise typer.Exit(1)
