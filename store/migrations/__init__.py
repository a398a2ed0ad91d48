"""The store's schema history as Alembic revisions (`versions/`), run by `store/migrate.py`.

A new revision is a file in `versions/` whose `down_revision` is the newest one's `revision`;
`tests/store/test_migrations.py` fails until the migrated schema equals the models
(`store/models.py`) on SQLite and PostgreSQL.
"""
