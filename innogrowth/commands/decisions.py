"""`innogrowth decisions recheck OLD NEW`: saved decisions affected by a catalog revision.
`innogrowth decisions withdraw ID`: a maintainer takes a saved decision back."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.decisions.recheck import decisions_to_recheck
from catalog.diff import diff_catalogs
from catalog.loader import CatalogError, load_catalog
from innogrowth.settings import Settings
from innogrowth.wiring import open_configured_store
from store.repository import DecisionAlreadyWithdrawn, DecisionNotFound, StoreUnavailable

app = typer.Typer(help="Saved decisions: re-check after a catalog revision, withdraw one.")
console = Console()


@app.command()
def recheck(old: Path, new: Path) -> None:
    """List saved decisions whose item was removed, renamed, re-described, moved or re-coded."""
    try:
        diff = diff_catalogs(load_catalog(old, expect_counts=False), load_catalog(new, expect_counts=False))
        decisions = open_configured_store(Settings()).all_decisions()
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


@app.command()
def withdraw(
    decision_id: Annotated[int, typer.Argument(help="The decision's id (GET /v1/decisions)")],
    reason: Annotated[str, typer.Option(help="Why (kept with the decision)")] = "",
    by: Annotated[str, typer.Option(help="Who withdraws it (default: cli:<login name>)")] = "",
) -> None:
    """Mark a saved decision withdrawn: it stays in the database for the audit trail, counts no
    more, and the next `index build` leaves it out. A running service drops it from its live
    classifier at its next reload (`POST /v1/admin/reload`); `POST /v1/decisions/ID/withdraw` does
    both at once."""
    who = by or f"cli:{getpass.getuser()}"
    try:
        store = open_configured_store(Settings())
        try:
            record = store.withdraw_decision(decision_id, who, reason.strip())
        finally:
            store.engine.dispose()
    except DecisionNotFound:
        console.print(f"[red]no decision {decision_id}[/red]")
        raise typer.Exit(1) from None
    except DecisionAlreadyWithdrawn as exc:
        console.print(f"decision {decision_id} was already withdrawn at {exc.record.withdrawn_at}")
        raise typer.Exit(1) from None
    except StoreUnavailable as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    console.print(
        f"decision {record.id} (run {record.run_id}, item {record.final_item_id}, "
        f"reviewer {record.reviewer}) withdrawn by {who}. A running service drops it at its next "
        "reload (POST /v1/admin/reload); the next `innogrowth index build` leaves it out."
    )
