"""`innogrowth keys create|list|revoke`: API keys in the configured database."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from api.auth.keys import create_key
from api.auth.roles import ROLE_LABELS, ROLES
from innogrowth.settings import Settings
from innogrowth.wiring import open_configured_store
from store.records import Role
from store.repository import StoreUnavailable
from store.sql_store import SqlStore

app = typer.Typer(help="Create, list and revoke API keys (roles: reviewer, maintainer, api).")
console = Console()
ROLE_BY_NAME: dict[str, Role] = {r: r for r in ROLES}


def _store() -> SqlStore:
    try:
        return open_configured_store(Settings())
    except StoreUnavailable as exc:
        console.print(f"[red]database unavailable: {escape(str(exc))}[/red]")
        raise typer.Exit(1) from exc


@app.command()
def create(
    role: Annotated[str, typer.Option(help="reviewer | maintainer | api")],
    name: Annotated[str, typer.Option(help="Who or what uses the key (shown as reviewer name)")],
) -> None:
    """Create a key and print it once (only its hash is stored)."""
    role_value = ROLE_BY_NAME.get(role)
    if role_value is None:
        console.print(f"[red]unknown role {role!r}; choose one of {', '.join(ROLES)}[/red]")
        raise typer.Exit(2)
    if not name.strip():
        console.print("[red]--name must not be blank[/red]")
        raise typer.Exit(2)
    issued = create_key(_store(), name=name.strip(), role=role_value)
    console.print(f"[green]created {role} key {issued.record.key_id} for {issued.record.name}[/green]")
    console.print("Store it now; it cannot be shown again:")
    typer.echo(issued.plaintext)


@app.command("list")
def list_keys() -> None:
    """List keys (id, name, role, created, revoked); never the secrets."""
    table = Table("key id", "name", "role", "created (UTC)", "revoked (UTC)")
    for k in _store().list_keys():
        table.add_row(
            k.key_id,
            k.name,
            f"{k.role} ({ROLE_LABELS.get(k.role, '')})",
            k.created_at.strftime("%Y-%m-%d %H:%M"),
            k.revoked_at.strftime("%Y-%m-%d %H:%M") if k.revoked_at else "",
        )
    console.print(table)


@app.command()
def revoke(key_id: Annotated[str, typer.Argument(help="The key id shown by `keys list`")]) -> None:
    """Revoke a key: it stops working at once (sessions made with it too)."""
    if not _store().revoke_key(key_id):
        console.print(f"[red]no active key {key_id!r}[/red]")
        raise typer.Exit(1)
    console.print(f"[green]revoked {key_id}[/green]")
