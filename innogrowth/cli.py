"""The `innogrowth` console command: groups every command of the project (innogrowth/commands)."""

from __future__ import annotations

import typer

from innogrowth.commands.catalog import app as catalog_app
from innogrowth.commands.classify import classify as classify_command
from innogrowth.commands.db import app as db_app
from innogrowth.commands.decisions import app as decisions_app
from innogrowth.commands.eval import app as eval_app
from innogrowth.commands.index import app as index_app
from innogrowth.commands.keys import app as keys_app
from innogrowth.commands.serve import serve as serve_command

app = typer.Typer(help="innogrowth: 혁신성장 공동기준 item classifier.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")
app.add_typer(index_app, name="index")
app.add_typer(eval_app, name="eval")
app.add_typer(keys_app, name="keys")
app.add_typer(decisions_app, name="decisions")
app.add_typer(db_app, name="db")
app.command("serve")(serve_command)
app.command("classify")(classify_command)
