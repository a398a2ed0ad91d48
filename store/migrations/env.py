"""Alembic's environment: run by `store/migrate.py` with an open connection, already inside the
transaction (and lock) it commits, in `config.attributes["connection"]`; no alembic.ini, no URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from store import models  # noqa: F401  (registers the tables on SQLModel.metadata)

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run the store's migrations through store.migrate (it passes the connection)")
context.configure(connection=connection, target_metadata=SQLModel.metadata, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
