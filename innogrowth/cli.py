"""The `innogrowth` console command: groups every CLI of the project."""

from __future__ import annotations

import typer

from catalog.cli import app as catalog_app
from index_build.cli import app as index_app

app = typer.Typer(help="innogrowth: 혁신성장 공동기준 item classifier.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")
app.add_typer(index_app, name="index")
