"""The SQL store on SQLite and (marked `postgres`) on a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import SQLModel

from api.auth.keys import create_key, verify_key
from catalog.model import Catalog
from innogrowth.settings import Settings
from innogrowth.wiring import saved_decision_judgments
from store.decision_judgments import judgments_from
from store.factory import open_store
from store.records import (
    DecisionAction,
    DecisionFilter,
    PersonalFields,
)
from store.repository import DecisionConflict, RunNotFound, StoreUnavailable
from store.sql_store import SqlStore
from tests.support.store_rows import PERSON, TECH, decision, new_run
from tests.support.system_services import free_port, postgres_url

__all__ = ["postgres_url"]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    s = open_store(url)
    SQLModel.metadata.drop_all(s.engine)
    s.create_schema()
    yield s
    s.engine.dispose()


def test_run_round_trip(store: SqlStore) -> None:
    run_id = store.save_run(new_run())
    run = store.get_run(run_id)
    assert run is not None
    assert run.company == TECH and run.versions.build_id == "build-1" and run.top_item_id == "IG180"
    assert store.get_run(run_id + 100) is None


def test_decision_is_saved_whole_with_company_and_versions(store: SqlStore) -> None:
    run_id = store.save_run(new_run())
    saved = store.save_decision(decision(run_id, comment="맞음"))
    assert saved.personal == PERSON and saved.company == TECH
    assert saved.versions.catalog_version == "cat-v6" and saved.versions.prompt_version == "v1+abc"
    again = store.get_decision(saved.id)
    assert again == saved
    assert saved.created_at.tzinfo is not None


def test_conflict_and_missing_run_leave_nothing_behind(store: SqlStore) -> None:
    run_id = store.save_run(new_run())
    store.save_decision(decision(run_id))
    with pytest.raises(DecisionConflict):
        store.save_decision(decision(run_id, final="NONE", action="none"))
    with pytest.raises(RunNotFound):
        store.save_decision(decision(run_id + 100))
    assert store.list_decisions(DecisionFilter(), 1, 10).total == 1
    assert len(store.all_decisions()) == 1


def test_list_filters_and_pages(store: SqlStore) -> None:
    for n in range(5):
        run_id = store.save_run(new_run())
        final: str = "NONE" if n % 2 else "IG180"
        action: DecisionAction = "none" if n % 2 else "accepted"
        store.save_decision(
            decision(
                run_id,
                final,
                action,
                personal=PersonalFields(f"기업{n}", PERSON.business_number, "홍길동"),
                reviewer="김심사" if n < 3 else "이심사",
                comment=f"메모{n}",
            )
        )
    assert store.list_decisions(DecisionFilter(), 1, 2).total == 5
    page3 = store.list_decisions(DecisionFilter(), 3, 2)
    assert len(page3.items) == 1 and page3.items[0].personal.company_name == "기업0"
    assert store.list_decisions(DecisionFilter(item_id="NONE"), 1, 10).total == 2
    assert store.list_decisions(DecisionFilter(action="accepted"), 1, 10).total == 3
    assert store.list_decisions(DecisionFilter(reviewer="이심사"), 1, 10).total == 2
    assert store.list_decisions(DecisionFilter(text="기업3"), 1, 10).total == 1
    assert store.list_decisions(DecisionFilter(text="메모"), 1, 10).total == 5
    assert store.list_decisions(DecisionFilter(text="물류로봇"), 1, 10).total == 5
    today = date.today()
    assert (
        store.list_decisions(DecisionFilter(date_from=today.replace(year=today.year + 1)), 1, 10).total == 0
    )
    assert store.list_decisions(DecisionFilter(date_to=today.replace(year=today.year + 1)), 1, 10).total == 5
    # the ends of the calendar are no bound (Korean midnight of 0001-01-01 is before year 1 in UTC)
    widest = DecisionFilter(date_from=date.min, date_to=date.max)
    assert store.list_decisions(widest, 1, 10).total == 5
    assert store.list_decisions(DecisionFilter(date_from=date.max), 1, 10).total == 0


def test_keys_secrets_and_revocation(store: SqlStore) -> None:
    issued = create_key(store, name="관리자", role="maintainer")
    assert store.count_active_keys() == 1
    assert verify_key(store, issued.plaintext) == issued.record
    assert [k.key_id for k in store.list_keys()] == [issued.record.key_id]
    assert store.revoke_key(issued.record.key_id)
    assert not store.revoke_key(issued.record.key_id)
    assert verify_key(store, issued.plaintext) is None and store.count_active_keys() == 0
    first = store.get_or_create_secret("s", lambda: "one")
    assert first == "one" and store.get_or_create_secret("s", lambda: "two") == "one"


def test_judgments_from_decisions_skip_items_gone_from_the_catalog(
    store: SqlStore, small_catalog: Catalog
) -> None:
    kept_item = small_catalog.items[0].id
    for final in (kept_item, "IG999", "NONE"):
        run_id = store.save_run(new_run(final if final != "NONE" else None))
        store.save_decision(decision(run_id, final, "none" if final == "NONE" else "changed"))
    judgments = judgments_from(store, small_catalog)
    assert [j.item_id for j in judgments] == [kept_item, "NONE"]
    assert all(j.id.startswith("D") and j.source == "reviewer_decision" for j in judgments)
    assert judgments[0].main_products == TECH.main_products


def test_no_database_file_means_no_extra_judgments(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "fresh", database_url=None)
    assert saved_decision_judgments(settings) == []
    assert saved_decision_judgments(settings) == []
    assert not (tmp_path / "fresh" / "innogrowth.db").exists()


def test_unreachable_database_raises_store_unavailable() -> None:
    url = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none"
    with pytest.raises(StoreUnavailable):
        open_store(url, busy_timeout_s=1)
