"""The SQL implementation of the store (SQLite or PostgreSQL through SQLAlchemy/SQLModel)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlmodel import Session, col, select

from store.agreement import text_key
from store.migrate import require_head, upgrade_to_head
from store.models import (
    ApiKeyRow,
    ClassificationRun,
    Company,
    Decision,
    PageSession,
    ServiceSecret,
    utc_now,
)
from store.records import (
    ApiKeyRecord,
    DecisionFilter,
    DecisionPage,
    DecisionRecord,
    NewApiKey,
    NewDecision,
    NewRun,
    RunRecord,
    TechnicalFields,
)
from store.repository import (
    DecisionAlreadyWithdrawn,
    DecisionConflict,
    DecisionNotFound,
    RunNotFound,
    StoreUnavailable,
)
from store.row_records import (
    decision_record,
    key_record,
    korean_day_start_utc,
    run_record,
)


def _sqlite_file(engine: Engine) -> Path | None:
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


class SqlStore:
    """Every method runs in its own transaction: it commits whole or leaves nothing behind."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sqlite_path = _sqlite_file(engine)
        self._sqlite_inode: tuple[int, int] | None = None

    def _check_sqlite_file(self) -> None:
        """A SQLite file deleted or replaced under the service: pooled connections would go on
        writing into the old (deleted) file, so drop them; unavailable while the file is missing."""
        if self._sqlite_path is None:
            return
        try:
            st = self._sqlite_path.stat()
        except FileNotFoundError:
            if self._sqlite_inode is None:
                return  # never opened yet: the first connection creates it
            self.engine.dispose()
            raise StoreUnavailable("sqlite_file_missing") from None
        inode = (st.st_dev, st.st_ino)
        if self._sqlite_inode is not None and inode != self._sqlite_inode:
            self.engine.dispose()
        self._sqlite_inode = inode

    @contextmanager
    def _session(self) -> Iterator[Session]:
        self._check_sqlite_file()
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                yield session
        except IntegrityError:
            raise
        except (OperationalError, DBAPIError) as exc:
            raise StoreUnavailable(type(exc.orig).__name__ if exc.orig else type(exc).__name__) from exc

    def create_schema(self) -> None:
        """Migrate to head, keeping every row (`store/migrate.py`)."""
        self._schema_step(upgrade_to_head)

    def check_schema(self) -> None:
        self._schema_step(require_head)

    def _schema_step(self, step: Callable[[Engine], object]) -> None:
        try:
            step(self.engine)
        except (OperationalError, DBAPIError) as exc:
            raise StoreUnavailable(type(exc).__name__) from exc

    def ping(self) -> None:
        with self._session() as s:
            s.connection().exec_driver_sql("SELECT 1")

    # classification runs and decisions

    def save_run(self, run: NewRun) -> int:
        c = run.company
        row = ClassificationRun(
            created_by_key=run.created_by_key,
            created_by_name=run.created_by_name,
            reference_date=run.reference_date,
            ksic_code=c.ksic_code,
            industry_name=c.industry_name,
            main_products=c.main_products,
            product_use=c.product_use,
            tech_business_name=c.tech_business_name,
            st_code=c.st_code,
            result_json=run.result_json,
            decision=run.decision,
            top_item_id=run.top_item_id,
            degraded=run.degraded,
            catalog_version=run.versions.catalog_version,
            build_id=run.versions.build_id,
            embedder=run.versions.embedder,
            ranker=run.versions.ranker,
            prompt_version=run.versions.prompt_version,
            llm_model=run.versions.llm_model,
            timings_json=run.timings_json,
        )
        with self._session() as s:
            s.add(row)
            s.commit()
            assert row.id is not None
            return row.id

    def get_run(self, run_id: int) -> RunRecord | None:
        with self._session() as s:
            row = s.get(ClassificationRun, run_id)
            return run_record(row) if row else None

    def save_decision(self, decision: NewDecision) -> DecisionRecord:
        with self._session() as s:
            run = s.get(ClassificationRun, decision.run_id)
            if run is None:
                raise RunNotFound(decision.run_id)
            existing = s.exec(select(Decision).where(Decision.run_id == decision.run_id)).first()
            if existing is not None:
                raise DecisionConflict(existing.id)
            p = decision.personal
            company = Company(
                company_name=p.company_name,
                business_number=p.business_number,
                representative_name=p.representative_name,
                ksic_code=run.ksic_code,
                industry_name=run.industry_name,
                main_products=run.main_products,
                product_use=run.product_use,
                tech_business_name=run.tech_business_name,
                st_code=run.st_code,
            )
            s.add(company)
            s.flush()
            assert company.id is not None
            row = Decision(
                run_id=decision.run_id,
                company_id=company.id,
                final_item_id=decision.final_item_id,
                action=decision.action,
                reviewer=decision.reviewer,
                reviewer_key=decision.reviewer_key,
                comment=decision.comment,
                catalog_version=run.catalog_version,
                build_id=run.build_id,
                embedder=run.embedder,
                prompt_version=run.prompt_version,
                llm_model=run.llm_model,
                text_key=text_key(TechnicalFields.of(run)),
            )
            s.add(row)
            try:
                s.commit()
            except IntegrityError as exc:
                s.rollback()
                raise DecisionConflict(decision.run_id) from exc
            return decision_record(row, company, run)

    def _joined(self) -> Any:
        return (
            select(Decision, Company, ClassificationRun)
            .join(Company, col(Company.id) == col(Decision.company_id))
            .join(ClassificationRun, col(ClassificationRun.id) == col(Decision.run_id))
        )

    def get_decision(self, decision_id: int) -> DecisionRecord | None:
        with self._session() as s:
            row = s.exec(self._joined().where(col(Decision.id) == decision_id)).first()
            return decision_record(*row) if row else None

    def list_decisions(self, flt: DecisionFilter, page: int, per_page: int) -> DecisionPage:
        conditions: list[Any] = []
        if flt.item_id:
            conditions.append(col(Decision.final_item_id) == flt.item_id)
        if flt.action:
            conditions.append(col(Decision.action) == flt.action)
        if flt.reviewer:
            conditions.append(col(Decision.reviewer) == flt.reviewer)
        # dates are Korean calendar days (the pages and the API show Korean time); stored in UTC
        start = korean_day_start_utc(flt.date_from, 0) if flt.date_from else None
        if start is not None:
            conditions.append(col(Decision.created_at) >= start)
        end = korean_day_start_utc(flt.date_to, 1) if flt.date_to else None
        if end is not None:
            conditions.append(col(Decision.created_at) < end)
        if flt.text:
            # % and _ typed by a reviewer are literal characters, not wildcards
            needle = flt.text.replace(chr(0), "").strip()
            needle = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = f"%{needle}%"
            conditions.append(
                or_(
                    col(Company.company_name).ilike(pattern, escape="\\"),
                    col(Company.main_products).ilike(pattern, escape="\\"),
                    col(Company.product_use).ilike(pattern, escape="\\"),
                    col(Company.tech_business_name).ilike(pattern, escape="\\"),
                    col(Company.industry_name).ilike(pattern, escape="\\"),
                    col(Decision.comment).ilike(pattern, escape="\\"),
                )
            )
        with self._session() as s:
            count_query = (
                select(func.count())
                .select_from(Decision)
                .join(Company, col(Company.id) == col(Decision.company_id))
                .where(*conditions)
            )
            total = int(s.exec(count_query).one())
            rows = s.exec(
                self._joined()
                .where(*conditions)
                .order_by(col(Decision.id).desc())
                .offset((page - 1) * per_page)
                .limit(per_page)
            ).all()
            return DecisionPage([decision_record(*r) for r in rows], total, page, per_page)

    def all_decisions(self) -> list[DecisionRecord]:
        with self._session() as s:
            rows = s.exec(self._joined().order_by(col(Decision.id))).all()
            return [decision_record(*r) for r in rows]

    def decisions_version(self) -> tuple[int, int, int]:
        with self._session() as s:
            withdrawn = func.count(col(Decision.withdrawn_at))
            row = s.exec(select(func.count(), func.max(Decision.id), withdrawn).select_from(Decision)).one()
            return int(row[0]), int(row[1] or 0), int(row[2])

    def decisions_sharing_text(self, text_keys: Collection[str]) -> list[DecisionRecord]:
        keys = sorted({k for k in text_keys if k})
        if not keys:
            return []
        with self._session() as s:
            query = self._joined().where(col(Decision.text_key).in_(keys)).order_by(col(Decision.id))
            return [decision_record(*r) for r in s.exec(query).all()]

    def withdraw_decision(self, decision_id: int, by: str, reason: str) -> DecisionRecord:
        with self._session() as s:
            row = s.get(Decision, decision_id)
            if row is None:
                raise DecisionNotFound(decision_id)
            if row.withdrawn_at is None:
                row.withdrawn_at = utc_now()
                row.withdrawn_by = by
                row.withdraw_reason = reason
                s.add(row)
                s.commit()
                already = False
            else:
                already = True
            joined = s.exec(self._joined().where(col(Decision.id) == decision_id)).first()
            assert joined is not None
            record = decision_record(*joined)
            if already:
                raise DecisionAlreadyWithdrawn(record)
            return record

    # API keys

    def add_key(self, key: NewApiKey) -> ApiKeyRecord:
        row = ApiKeyRow(
            key_id=key.key_id, name=key.name, role=key.role, salt=key.salt, secret_hash=key.secret_hash
        )
        with self._session() as s:
            s.add(row)
            s.commit()
            return key_record(row)

    def find_key(self, key_id: str) -> ApiKeyRecord | None:
        with self._session() as s:
            row = s.exec(select(ApiKeyRow).where(ApiKeyRow.key_id == key_id)).first()
            return key_record(row) if row else None

    def list_keys(self) -> list[ApiKeyRecord]:
        with self._session() as s:
            return [key_record(r) for r in s.exec(select(ApiKeyRow).order_by(col(ApiKeyRow.id))).all()]

    def revoke_key(self, key_id: str) -> bool:
        with self._session() as s:
            row = s.exec(select(ApiKeyRow).where(ApiKeyRow.key_id == key_id)).first()
            if row is None or row.revoked_at is not None:
                return False
            row.revoked_at = utc_now()
            s.add(row)
            s.commit()
            return True

    def count_active_keys(self) -> int:
        with self._session() as s:
            query = select(func.count()).select_from(ApiKeyRow).where(col(ApiKeyRow.revoked_at).is_(None))
            return int(s.exec(query).one())

    # page sessions

    def open_session(self, id_hash: str, key_id: str, expires_at: datetime) -> None:
        with self._session() as s:
            # sessions past their expiry can go: their cookies are refused anyway
            stale = s.exec(select(PageSession).where(col(PageSession.expires_at) < utc_now())).all()
            for old in stale:
                s.delete(old)
            s.add(PageSession(id_hash=id_hash, key_id=key_id, expires_at=expires_at))
            s.commit()

    def session_key(self, id_hash: str) -> str | None:
        with self._session() as s:
            row = s.get(PageSession, id_hash)
            return row.key_id if row is not None and row.revoked_at is None else None

    def end_session(self, id_hash: str) -> bool:
        with self._session() as s:
            row = s.get(PageSession, id_hash)
            if row is None or row.revoked_at is not None:
                return False
            row.revoked_at = utc_now()
            s.add(row)
            s.commit()
            return True

    # service secrets

    def get_or_create_secret(self, name: str, make: Callable[[], str]) -> str:
        with self._session() as s:
            row = s.get(ServiceSecret, name)
            if row is not None:
                return row.value
            s.add(ServiceSecret(name=name, value=make()))
            try:
                s.commit()
            except IntegrityError:
                s.rollback()
            stored = s.get(ServiceSecret, name)
            assert stored is not None
            return stored.value
