"""Database faults: locked, deleted, server down. Clear 503 in Korean, nothing half-written, and the
same request succeeds once the database is back."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.auth.keys import create_key
from api.errors import DB_UNAVAILABLE_MESSAGE
from index_build.builder import BuildResult
from innogrowth.service import create_app
from rag.classifier import Classifier
from store.factory import open_store
from store.sql_store import SqlStore
from tests.support.api_fixtures import api_build, company, module_classifier, settings_for, small_catalog_file
from tests.support.system_services import _as_postgres_user, free_port, postgres_bin
from tests.support.tier_requirements import unavailable

__all__ = ["api_build", "module_classifier", "small_catalog_file"]

BUSY_TIMEOUT_S = 0.5


@dataclass
class DbService:
    client: TestClient
    headers: dict[str, str]
    store: SqlStore
    classifier: Classifier
    db_path: Path | None

    def classify(self, **overrides: str) -> Any:
        return self.client.post("/v1/classify", json=company(**overrides), headers=self.headers)

    def save(self, run_id: int) -> Any:
        personal = {k: company()[k] for k in ("company_name", "business_number", "representative_name")}
        body = {"run_id": run_id, "final_item_id": "NONE", "comment": "db fault drill", **personal}
        return self.client.post("/v1/decisions", json=body, headers=self.headers)

    def saved_judgments(self) -> int:
        return sum(j.id.startswith("D") for j in self.classifier.resources.judgments)


def db_service(
    data_dir: Path, catalog_file: Path, build: BuildResult, classifier: Classifier, url: str | None = None
) -> Iterator[DbService]:
    settings = settings_for(data_dir, catalog_file, build, **({"database_url": url} if url else {}))
    store = open_store(settings.resolved_database_url(), busy_timeout_s=BUSY_TIMEOUT_S)
    key = create_key(store, name="rev", role="reviewer").plaintext
    db_path = data_dir / "innogrowth.db" if url is None else None
    with TestClient(create_app(settings, classifier=classifier, store=store)) as client:
        yield DbService(client, {"X-API-Key": key}, store, classifier, db_path)
    store.engine.dispose()


@pytest.fixture
def sqlite_service(
    tmp_path: Path, small_catalog_file: Path, api_build: BuildResult, module_classifier: Classifier
) -> Iterator[DbService]:
    yield from db_service(tmp_path, small_catalog_file, api_build, module_classifier)


def counts(db_path: Path) -> dict[str, int]:
    with sqlite3.connect(db_path) as conn:
        return {
            t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0])
            for t in ("classification_runs", "companies", "decisions")
        }


@contextmanager
def write_locked(db_path: Path) -> Iterator[None]:
    """Another process-like connection holds the write lock of the SQLite file."""
    conn = sqlite3.connect(db_path, isolation_level=None, timeout=0.1)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def assert_db_unavailable(r: Any) -> None:
    assert r.status_code == 503, r.text
    error = r.json()["error"]
    assert error["code"] == "db_unavailable" and error["message"] == DB_UNAVAILABLE_MESSAGE
    assert "저장된 내용은 없습니다" in error["message"] and error["request_id"]
    assert int(r.headers["retry-after"]) >= 1


def test_locked_database_during_save_then_retry(sqlite_service: DbService) -> None:
    svc = sqlite_service
    assert svc.db_path is not None
    run = svc.classify()
    assert run.status_code == 200
    run_id = run.json()["run_id"]
    before, learned = counts(svc.db_path), svc.saved_judgments()
    with write_locked(svc.db_path):
        began = time.monotonic()
        assert_db_unavailable(svc.save(run_id))
        assert time.monotonic() - began < 10 * BUSY_TIMEOUT_S + 5  # bounded wait, then a clear answer
        assert svc.client.get("/v1/decisions", headers=svc.headers).status_code == 200  # reads go on
    assert counts(svc.db_path) == before  # no company row without its decision
    assert svc.saved_judgments() == learned  # and the live index did not learn a decision never saved
    retry = svc.save(run_id)
    assert retry.status_code == 201, retry.text
    after = counts(svc.db_path)
    assert after["decisions"] == before["decisions"] + 1 and after["companies"] == before["companies"] + 1
    assert svc.saved_judgments() == learned + 1
    assert svc.save(run_id).status_code == 409  # the retry did not double-save


def test_locked_database_during_classify_records_nothing(sqlite_service: DbService) -> None:
    svc = sqlite_service
    assert svc.db_path is not None
    assert svc.classify().status_code == 200
    before = counts(svc.db_path)
    with write_locked(svc.db_path):
        assert_db_unavailable(svc.classify(main_products="잠금 중 분류"))
    assert counts(svc.db_path) == before
    assert svc.classify(main_products="잠금 중 분류").status_code == 200
    assert counts(svc.db_path)["classification_runs"] == before["classification_runs"] + 1


def test_deleted_sqlite_file_is_unavailable_until_restored(sqlite_service: DbService) -> None:
    """Pooled connections would keep writing into the deleted file (lost at the next restart)."""
    svc = sqlite_service
    db = svc.db_path
    assert db is not None
    run_id = svc.classify().json()["run_id"]
    backup = db.with_name("backup.db")
    with sqlite3.connect(db) as src, sqlite3.connect(backup) as dst:
        src.backup(dst)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    ready = svc.client.get("/ready")
    assert ready.status_code == 503, ready.text
    assert [d["component"] for d in ready.json()["error"]["details"]] == ["database"]
    assert_db_unavailable(svc.save(run_id))
    assert_db_unavailable(svc.classify())
    assert not db.exists()  # and no empty database was created in its place
    shutil.copy(backup, db)  # the operator restores the file
    assert svc.client.get("/ready").status_code == 200
    saved = svc.save(run_id)
    assert saved.status_code == 201, saved.text
    assert counts(db)["decisions"] == 1  # written into the restored file, not into the deleted one


# --- PostgreSQL stopped and started under the service (postgres tier) ----------------------------


@dataclass
class PgServer:
    data: Path
    port: int
    pg_ctl: str

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        cmd = [self.pg_ctl, "-D", str(self.data / "db"), "-o", options, "-l", str(self.data / "log"), *args]
        subprocess.run(_as_postgres_user(cmd), check=True, capture_output=True)


@pytest.fixture
def own_postgres() -> Iterator[PgServer]:
    """A PostgreSQL server of this test only (it is stopped and started during the test)."""
    initdb, pg_ctl = postgres_bin("initdb"), postgres_bin("pg_ctl")
    if not initdb or not pg_ctl:
        unavailable("PostgreSQL server binaries (initdb, pg_ctl) not installed")
    data = Path(tempfile.mkdtemp(prefix="innogrowth-pgfault-"))
    if os.geteuid() == 0:
        import pwd

        owner = pwd.getpwnam("postgres")
        os.chown(data, owner.pw_uid, owner.pw_gid)
    init = [initdb, "-D", str(data / "db"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale"]
    subprocess.run(_as_postgres_user(init), check=True, capture_output=True)
    server = PgServer(data, free_port(), pg_ctl)
    server.ctl("-w", "start")
    try:
        yield server
    finally:
        subprocess.run(
            _as_postgres_user([pg_ctl, "-D", str(data / "db"), "-m", "immediate", "-w", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(data, ignore_errors=True)


@pytest.mark.postgres
def test_postgres_down_then_back(
    own_postgres: PgServer,
    tmp_path: Path,
    small_catalog_file: Path,
    api_build: BuildResult,
    module_classifier: Classifier,
) -> None:
    for svc in db_service(tmp_path, small_catalog_file, api_build, module_classifier, own_postgres.url):
        run_id = svc.classify().json()["run_id"]
        own_postgres.ctl("-m", "immediate", "-w", "stop")
        ready = svc.client.get("/ready")
        assert ready.status_code == 503 and ready.json()["error"]["details"][0]["component"] == "database"
        assert_db_unavailable(svc.save(run_id))
        assert_db_unavailable(svc.classify())
        own_postgres.ctl("-w", "start")
        assert svc.client.get("/ready").status_code == 200
        assert svc.save(run_id).status_code == 201
        assert svc.client.get("/v1/decisions", headers=svc.headers).json()["total"] == 1
