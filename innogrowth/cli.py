"""The `innogrowth` console command: groups every CLI of the project."""

from __future__ import annotations

import typer

from api.batch_cli import classify as classify_command
from api.cli import serve as serve_command
from api.decisions_cli import app as decisions_app
from api.keys_cli import app as keys_app
from catalog.cli import app as catalog_app
from eval.cli import app as eval_app
from index_build.cli import app as index_app

app = typer.Typer(help="innogrowth: 혁신성장 공동기준 item classifier.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")
app.add_typer(index_app, name="index")
app.add_typer(eval_app, name="eval")
app.add_typer(keys_app, name="keys")
app.add_typer(decisions_app, name="decisions")
app.command("serve")(serve_command)
app.command("classify")(classify_command)
