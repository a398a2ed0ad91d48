"""`innogrowth db upgrade|current`: the configured database's schema revision (Alembic,
`store/migrations`)."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from innogrowth.settings import Settings
from store.engine import make_engine
from store.factory import sqlite_file_missing
from store.migrate import SchemaStatus, head_revision, schema_status, upgrade_to_head
from store.repository import SchemaUnknown

app = typer.Typer(help="Database schema: migrate to this code's revision (head), show the revision.")
console = Console()


def _shown(url: str) -> str:
    return escape(make_url(url).render_as_string(hide_password=True))


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]{escape(message)}[/red]")
    return typer.Exit(1)


def _reason(exc: SQLAlchemyError) -> str:
    cause = getattr(exc, "orig", None) or exc
    return f"{type(cause).__name__}: {str(cause).splitlines()[0] if str(cause) else ''}"


def _engine(url: str) -> Engine:
    console.print(f"데이터베이스 (database): {_shown(url)}")
    return make_engine(url)


def _describe(status: SchemaStatus) -> str:
    if status.current is not None:
        return f"revision {status.current}"
    if status.stale is not None:
        return f"없음 (revision {status.stale} 기록만 있고 표가 없습니다)"
    if status.recognised is not None:
        return f"마이그레이션 이전의 데이터베이스 (revision {status.recognised}와 같은 표, 기록 없음)"
    return "없음 (빈 데이터베이스)"


@app.command()
def upgrade() -> None:
    """Migrate the configured database to head, keeping every row (a database made before the
    migrations is recognised and stamped first). Exit 1 when it cannot be reached or is at a
    revision this code does not know (left unchanged)."""
    url = Settings().resolved_database_url()
    engine = _engine(url)
    try:
        report = upgrade_to_head(engine)
    except SchemaUnknown as exc:
        raise _fail(str(exc)) from exc
    except SQLAlchemyError as exc:
        raise _fail(f"데이터베이스에 연결할 수 없거나 마이그레이션에 실패했습니다: {_reason(exc)}") from exc
    finally:
        engine.dispose()
    before = report.before
    if not report.changed:
        console.print(f"[green]이미 최신입니다: revision {report.after} (head). 바꾼 것이 없습니다.[/green]")
        return
    if before.recognised is not None:
        console.print(
            f"마이그레이션 이전의 데이터베이스를 revision {before.recognised}로 인식해 기록했습니다."
        )
    start = before.revision or "빈 데이터베이스"
    console.print(f"[green]스키마를 올렸습니다 (upgraded): {start} → {report.after} (head).[/green]")


@app.command()
def current() -> None:
    """Print the database's revision and this code's head (changes nothing). Exit 1 when the
    database cannot be read or is at a revision this code does not know."""
    url = Settings().resolved_database_url()
    head = head_revision()
    if sqlite_file_missing(url):
        console.print(f"데이터베이스 (database): {_shown(url)}")
        console.print(f"현재 (current): 없음 (파일이 아직 없습니다)\nhead: {head}")
        console.print("`innogrowth db upgrade` 또는 서비스 시작이 만듭니다.")
        return
    engine = _engine(url)
    try:
        status = schema_status(engine)
    except SchemaUnknown as exc:
        raise _fail(str(exc)) from exc
    except SQLAlchemyError as exc:
        raise _fail(f"데이터베이스에 연결할 수 없습니다: {_reason(exc)}") from exc
    finally:
        engine.dispose()
    console.print(f"현재 (current): {_describe(status)}\nhead: {status.head}")
    if status.current == status.head:
        console.print("[green]최신입니다 (at head).[/green]")
    elif status.at_head:
        console.print("스키마는 최신이고, `innogrowth db upgrade`가 revision을 기록합니다.")
    else:
        console.print("[yellow]최신이 아닙니다 (behind): `innogrowth db upgrade`로 올리십시오.[/yellow]")
