"""Shared by the reliability scripts and tests: run the real service on 127.0.0.1, provision keys,
count rows, and make valid company payloads.

The service is started exactly as in production (`innogrowth serve`, uvicorn, one worker) in a
child process whose working directory is its data directory, with only the `INNOGROWTH_*`
variables given here (inherited ones are dropped so that a developer's shell cannot leak in).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

import httpx

LOOPBACK = "127.0.0.1"
REPO_ROOT = Path(__file__).resolve().parents[2]
NOT_READY_GRACE_S = 5.0
LOAD_RATE_LIMIT = 1_000_000
"""Per-key requests a minute for services started by these scripts: the load is not throttled."""

SURNAMES = ("김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권")
GIVEN = ("민준", "서연", "도윤", "지우", "하준", "서윤", "예준", "하은", "시우", "지민", "주원", "수아")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        port: int = s.getsockname()[1]
        return port


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'innogrowth.db'}"


@dataclass
class ServiceConfig:
    """What the child service is told through `INNOGROWTH_*` variables."""

    data_dir: Path
    build_dir: Path
    catalog_path: Path | None = None
    judgments_path: Path | None = None
    database_url: str | None = None
    llm_base_url: str | None = None
    llm_timeout_s: float | None = None
    rate_limit_per_minute: int = LOAD_RATE_LIMIT
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or sqlite_url(self.data_dir)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("INNOGROWTH_")}
        values: dict[str, str | None] = {
            "INNOGROWTH_DATA_DIR": str(self.data_dir),
            "INNOGROWTH_BUILD_DIR": str(self.build_dir),
            "INNOGROWTH_CATALOG_PATH": str(self.catalog_path) if self.catalog_path else None,
            "INNOGROWTH_JUDGMENTS_PATH": str(self.judgments_path) if self.judgments_path else None,
            "INNOGROWTH_DATABASE_URL": self.resolved_database_url,
            "INNOGROWTH_LLM_BASE_URL": self.llm_base_url,
            "INNOGROWTH_LLM_TIMEOUT_S": str(self.llm_timeout_s) if self.llm_timeout_s else None,
            "INNOGROWTH_RATE_LIMIT_PER_MINUTE": str(self.rate_limit_per_minute),
            **self.extra,
        }
        env.update({k: v for k, v in values.items() if v is not None})
        return env


def innogrowth_command() -> list[str]:
    """The `innogrowth` console command of this interpreter's environment."""
    script = Path(sys.executable).parent / "innogrowth"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from innogrowth.cli import app; app()"]


class ServiceStartError(RuntimeError):
    pass


@dataclass
class ServiceProcess:
    """`innogrowth serve` on a free loopback port; its stdout and stderr go to `log_path`."""

    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path
    _log: IO[bytes]

    @classmethod
    def start(
        cls, config: ServiceConfig, *, port: int | None = None, ready_timeout_s: float = 600.0
    ) -> ServiceProcess:
        config.data_dir.mkdir(parents=True, exist_ok=True)
        port = port or free_port()
        log_path = config.data_dir / "service.log"
        log = log_path.open("ab")
        cmd = [*innogrowth_command(), "serve", "--host", LOOPBACK, "--port", str(port)]
        proc = subprocess.Popen(
            cmd, cwd=config.data_dir, env=config.env(), stdout=log, stderr=subprocess.STDOUT
        )
        service = cls(proc, f"http://{LOOPBACK}:{port}", log_path, log)
        try:
            service.wait_ready(ready_timeout_s)
        except BaseException:
            service.kill()
            raise
        return service

    @classmethod
    def start_unready(cls, config: ServiceConfig, *, timeout_s: float = 600.0) -> ServiceProcess:
        """Start a service that is expected not to be ready (e.g. no index): wait for /health only."""
        config.data_dir.mkdir(parents=True, exist_ok=True)
        port = free_port()
        log_path = config.data_dir / "service.log"
        log = log_path.open("ab")
        cmd = [*innogrowth_command(), "serve", "--host", LOOPBACK, "--port", str(port)]
        proc = subprocess.Popen(
            cmd, cwd=config.data_dir, env=config.env(), stdout=log, stderr=subprocess.STDOUT
        )
        service = cls(proc, f"http://{LOOPBACK}:{port}", log_path, log)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if httpx.get(f"{service.base_url}/health", timeout=5).status_code == 200:
                    return service
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        service.kill()
        raise ServiceStartError(f"service never answered /health:\n{service.log_tail()}")

    def wait_ready(self, timeout_s: float) -> None:
        """Until GET /ready answers 200; ServiceStartError if the child exits or time runs out."""
        deadline = time.monotonic() + timeout_s
        answering_since: float | None = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServiceStartError(f"service exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                r = httpx.get(f"{self.base_url}/ready", timeout=5)
            except httpx.HTTPError:
                pass
            else:
                if r.status_code == 200:
                    return
                # uvicorn listens only after the app's startup: a 503 now is a lasting state.
                answering_since = answering_since or time.monotonic()
                if time.monotonic() - answering_since > NOT_READY_GRACE_S:
                    raise ServiceStartError(f"service answers but is not ready: {r.text}\n{self.log_tail()}")
            time.sleep(0.25)
        raise ServiceStartError(f"service not ready after {timeout_s:.0f} s:\n{self.log_tail()}")

    def log_text(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text("utf-8", errors="replace")

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_text()[-chars:]

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = 120.0) -> int:
        """Send `sig` and wait for the exit; returns the exit code (SIGKILL after `timeout_s`)."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return self.process.returncode

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log.close()


def provision_keys(database_url: str, wanted: Mapping[str, str]) -> dict[str, str]:
    """Create one API key per `name -> role` in the database (tables created when missing)."""
    from api.auth.keys import create_key
    from store.factory import open_store
    from store.records import Role

    store = open_store(database_url)
    try:
        out: dict[str, str] = {}
        for name, role in wanted.items():
            if role not in ("reviewer", "maintainer", "api"):
                raise ValueError(f"unknown role {role!r}")
            out[name] = create_key(store, name=name, role=cast(Role, role)).plaintext
        return out
    finally:
        store.engine.dispose()


def count_rows(database_url: str, table: str) -> int:
    from sqlalchemy import create_engine, text

    assert table.isidentifier(), table
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


def decision_ids(database_url: str) -> set[int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return {int(r[0]) for r in conn.execute(text("SELECT id FROM decisions"))}
    finally:
        engine.dispose()


def business_number(n: int) -> str:
    """A valid, deterministic 사업자등록번호 for index `n` (official check digit)."""
    from api.validation import business_number_check_digit

    first_nine = f"{(210_000_000 + n * 7_919) % 1_000_000_000:09d}"
    check = business_number_check_digit(first_nine)
    return f"{first_nine[:3]}-{first_nine[3:5]}-{first_nine[5:]}{check}"


def person_name(n: int) -> str:
    return SURNAMES[n % len(SURNAMES)] + GIVEN[(n // len(SURNAMES)) % len(GIVEN)]


ST_BY_KSIC_DIVISION = {
    **dict.fromkeys(("10", "11", "12", "01", "02", "03"), "LB0101"),
    **dict.fromkeys(("19", "20", "22"), "EC0101"),
    "21": "LC0101",
    **dict.fromkeys(("23", "24", "25"), "EB0101"),
    **dict.fromkeys(("26", "27", "28"), "ED0101"),
    **dict.fromkeys(("35", "36"), "EF0101"),
    **dict.fromkeys(("37", "38", "39"), "EH0101"),
    **dict.fromkeys(("41", "42", "49", "50", "51", "52"), "EI0101"),
    **dict.fromkeys(("58", "61", "62", "63", "70", "71", "72", "73"), "EE0101"),
}


def technical_companies(limit: int = 0, judgments_path: Path | None = None) -> list[dict[str, str]]:
    """Screen-1 technical fields built from the development judgments, all passing the input rules.

    Those judgments hold KSIC code, industry and main products only; 제품용도, 기술사업명 and
    기술분류 are derived from them (the S&T major from the KSIC division) so every field is filled.
    """
    from api.validation import InputInvalid, ReferenceLists, validate_company

    path = judgments_path or REPO_ROOT / "catalog" / "data" / "judgments" / "dev.jsonl"
    refs = ReferenceLists.load()
    out: list[dict[str, str]] = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        row: dict[str, Any] = json.loads(line)
        products = str(row.get("main_products") or "").strip()
        ksic = str(row.get("ksic_code") or "").strip()
        fields = {
            "ksic_code": ksic,
            "industry_name": str(row.get("industry_name") or ""),
            "main_products": products,
            "product_use": str(row.get("product_use") or "") or f"{products} 설계, 제조 및 공급",
            "tech_business_name": str(row.get("tech_business_name") or "") or f"{products} 기술 개발",
            "st_code": str(row.get("st_code") or "") or ST_BY_KSIC_DIVISION.get(ksic[:2], "EA0101"),
        }
        try:
            validate_company(fields, refs, require_personal=False)
        except InputInvalid:
            continue
        out.append(fields)
        if limit and len(out) >= limit:
            break
    return out


def with_personal(fields: Mapping[str, str], n: int, prefix: str = "부하시험기업") -> dict[str, str]:
    return {
        "company_name": f"{prefix}{n:04d}(주)",
        "business_number": business_number(n),
        "representative_name": person_name(n),
        **fields,
    }


def iter_json_lines(text: str) -> Iterator[dict[str, Any]]:
    """The JSON objects among `text`'s lines (other lines skipped)."""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                yield value
