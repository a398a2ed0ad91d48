"""A SQLite database created by the first release (before issue 14 and before the migrations:
no run owner name, no text key, no withdrawal columns, no page sessions, no alembic_version) is
recognised as revision 0001, stamped, and migrated to head at start, keeping its rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import inspect, text

from catalog.loader import load_catalog, packaged_catalog_path
from store.agreement import text_key
from store.decision_judgments import judgments_from
from store.engine import make_engine
from store.factory import open_store
from store.legacy_schema import ISSUE_14
from store.migrate import head_revision, schema_status, upgrade_to_head
from store.records import (
    DecisionFilter,
    NewDecision,
    NewRun,
    PersonalFields,
    RunVersions,
    TechnicalFields,
)

# `sqlite_master` of a database made by `open_store` at commit 4f7cb92 (before issue 14).
SCHEMA_BEFORE = """
CREATE TABLE classification_runs (
    id INTEGER NOT NULL, created_at DATETIME NOT NULL, created_by_key VARCHAR(32) NOT NULL,
    reference_date VARCHAR(10) NOT NULL, ksic_code VARCHAR(5) NOT NULL, industry_name VARCHAR NOT NULL,
    main_products VARCHAR NOT NULL, product_use VARCHAR NOT NULL, tech_business_name VARCHAR NOT NULL,
    st_code VARCHAR(6) NOT NULL, result_json VARCHAR NOT NULL, decision VARCHAR(32) NOT NULL,
    top_item_id VARCHAR(16), degraded BOOLEAN NOT NULL, catalog_version VARCHAR(128) NOT NULL,
    build_id VARCHAR(128) NOT NULL, embedder VARCHAR(256) NOT NULL, ranker VARCHAR(128) NOT NULL,
    prompt_version VARCHAR(64) NOT NULL, llm_model VARCHAR(256) NOT NULL, timings_json VARCHAR NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX ix_classification_runs_created_at ON classification_runs (created_at);
CREATE TABLE companies (
    id INTEGER NOT NULL, created_at DATETIME NOT NULL, company_name VARCHAR NOT NULL,
    business_number VARCHAR(12) NOT NULL, representative_name VARCHAR NOT NULL, ksic_code VARCHAR(5) NOT NULL,
    industry_name VARCHAR NOT NULL, main_products VARCHAR NOT NULL, product_use VARCHAR NOT NULL,
    tech_business_name VARCHAR NOT NULL, st_code VARCHAR(6) NOT NULL, PRIMARY KEY (id)
);
CREATE INDEX ix_companies_company_name ON companies (company_name);
CREATE INDEX ix_companies_business_number ON companies (business_number);
CREATE TABLE api_keys (
    id INTEGER NOT NULL, key_id VARCHAR(32) NOT NULL, name VARCHAR(128) NOT NULL, role VARCHAR(16) NOT NULL,
    salt VARCHAR(64) NOT NULL, secret_hash VARCHAR(128) NOT NULL, created_at DATETIME NOT NULL,
    revoked_at DATETIME, PRIMARY KEY (id)
);
CREATE UNIQUE INDEX ix_api_keys_key_id ON api_keys (key_id);
CREATE TABLE service_secrets (name VARCHAR(64) NOT NULL, value VARCHAR(256) NOT NULL, PRIMARY KEY (name));
CREATE TABLE decisions (
    id INTEGER NOT NULL, run_id INTEGER NOT NULL, company_id INTEGER NOT NULL,
    final_item_id VARCHAR(16) NOT NULL, action VARCHAR(16) NOT NULL, reviewer VARCHAR(128) NOT NULL,
    reviewer_key VARCHAR(32) NOT NULL, comment VARCHAR NOT NULL, created_at DATETIME NOT NULL,
    catalog_version VARCHAR(128) NOT NULL, build_id VARCHAR(128) NOT NULL, embedder VARCHAR(256) NOT NULL,
    prompt_version VARCHAR(64) NOT NULL, llm_model VARCHAR(256) NOT NULL,
    PRIMARY KEY (id), UNIQUE (run_id),
    FOREIGN KEY(run_id) REFERENCES classification_runs (id), FOREIGN KEY(company_id) REFERENCES companies (id)
);
CREATE INDEX ix_decisions_reviewer ON decisions (reviewer);
CREATE INDEX ix_decisions_final_item_id ON decisions (final_item_id);
CREATE INDEX ix_decisions_company_id ON decisions (company_id);
CREATE INDEX ix_decisions_created_at ON decisions (created_at);
CREATE INDEX ix_decisions_action ON decisions (action);
"""
OLD_ROWS = """
INSERT INTO classification_runs VALUES (1, '2026-11-30 01:02:03.000000', 'abcdef012345', '2026-11-30',
  '29280', '산업용 로봇 제조업', '산업용 자율주행 물류로봇', '물류창고 무인 운반', '물류로봇 개발', 'EA0101',
  '{"recommendations": []}', 'recommended', 'IG180', 0, 'v6', 'b1', 'e5', 'linear', 'v1', '', '{}');
INSERT INTO classification_runs VALUES (2, '2026-11-30 01:05:00.000000', 'abcdef012345', '2026-11-30',
  '29280', '산업용 로봇 제조업', '협동로봇', '조립 공정', '협동로봇 개발', 'EA0101',
  '{"recommendations": []}', 'recommended', 'IG180', 0, 'v6', 'b1', 'e5', 'linear', 'v1', '', '{}');
INSERT INTO companies VALUES (1, '2026-11-30 01:04:00.000000', '이노로보틱스(주)', '123-45-67891', '홍길동',
  '29280', '산업용 로봇 제조업', '산업용 자율주행 물류로봇', '물류창고 무인 운반', '물류로봇 개발', 'EA0101');
INSERT INTO decisions VALUES (1, 1, 1, 'IG180', 'accepted', '김심사', 'abcdef012345', '맞음',
  '2026-11-30 01:04:00.000000', 'v6', 'b1', 'e5', 'v1', '');
"""


def old_database(path: Path) -> str:
    db = sqlite3.connect(path)
    db.executescript(SCHEMA_BEFORE + OLD_ROWS)
    db.commit()
    db.close()
    return f"sqlite:///{path}"


def test_a_first_release_database_is_stamped_and_gains_the_new_columns(tmp_path: Path) -> None:
    url = old_database(tmp_path / "old.db")
    store = open_store(url)  # was: OperationalError "no such column" on the first list or save
    for table, columns in ISSUE_14.items():
        assert columns <= {c["name"] for c in inspect(store.engine).get_columns(table)}
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [
            head_revision()
        ]
    assert "ix_decisions_text_key" in {i["name"] for i in inspect(store.engine).get_indexes("decisions")}

    old = store.get_decision(1)
    assert old is not None and not old.withdrawn and old.personal.company_name == "이노로보틱스(주)"
    assert old.text_key == text_key(old.company)  # filled in for rows saved before it existed
    run = store.get_run(2)
    assert run is not None and run.created_by_key == "abcdef012345" and run.created_by_name == ""

    saved = store.save_decision(
        NewDecision(
            2, PersonalFields("(주)한빛", "123-45-67891", "이순신"), "NONE", "none", "박심사", "k2", ""
        )
    )
    assert store.list_decisions(DecisionFilter(), 1, 10).total == 2 and saved.text_key
    catalog = load_catalog(packaged_catalog_path())
    assert {j.id: j.weight for j in judgments_from(store, catalog)} == {"D1": 0.5, "D2": 0.5}
    assert store.withdraw_decision(1, "admin", "test").withdrawn
    store.engine.dispose()

    # starting again changes nothing
    again = open_store(url)
    assert not upgrade_to_head(again.engine).changed
    assert again.get_decision(1) is not None and again.list_decisions(DecisionFilter(), 1, 10).total == 2
    again.engine.dispose()


def test_new_runs_record_their_owner_in_an_upgraded_database(tmp_path: Path) -> None:
    url = old_database(tmp_path / "old.db")
    engine = make_engine(url)
    assert schema_status(engine).recognised == "0001"
    engine.dispose()
    store = open_store(url)
    company = TechnicalFields(
        "29280", "산업용 로봇 제조업", "물류로봇", "무인 운반", "물류로봇 개발", "EA0101"
    )
    run_id = store.save_run(
        NewRun("2026-12-01", company, "{}", "review", None, False, RunVersions(), "{}", "key123", "p1")
    )
    run = store.get_run(run_id)
    assert run is not None and (run.created_by_key, run.created_by_name) == ("key123", "p1")
    store.engine.dispose()
