"""`innogrowth decisions recheck OLD NEW`: saved decisions affected by a catalog revision."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from api.decision_recheck import decisions_to_recheck
from api.store.factory import open_settings_store
from api.store.repository import StoreUnavailable
from catalog.diff import diff_catalogs
from catalog.loader import CatalogError, load_catalog
from innogrowth.settings import Settings

app = typer.Typer(help="Saved decisions: re-check after a catalog revision.")
console = Console()


@app.command()
def recheck(old: Path, new: Path) -> None:
    """List saved decisions whose item was removed, renamed, re-described, moved or re-coded."""
    try:
        diff = diff_catalogs(load_catalog(old, expect_counts=False), load_catalog(new, expect_counts=False))
        decisions = open_settings_store(Settings()).all_decisions()
    except (CatalogError, StoreUnavailable) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    findings = decisions_to_recheck(decisions, diff)
    if not findings:
        console.print(f"{len(decisions)} saved decisions, none affected by the revision")
        return
    table = Table(
        "decision",
        "item",
        "change",
        "reviewer",
        "saved at",
        title=f"{len(findings)} of {len(decisions)} saved decisions to re-check",
    )
    for f in findings:
        table.add_row(str(f.decision_id), f.item_id, f.change, f.reviewer, f.created_at)
    console.print(table)
