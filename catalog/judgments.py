"""Past judgments: the file format the customer delivers (CSV or JSONL) and its loader.

Columns / keys (UTF-8; CSV has a header row with these names):

| key | meaning | rule |
|---|---|---|
| `id` | record id | optional; default `L<line>`; unique |
| `date` | judgment date | optional, ISO `YYYY-MM-DD` |
| `ksic_code` | 업종코드 | 2-5 digits (KSIC-11; KSIC-10 5-digit codes are mapped) |
| `industry_name` | 업종명 | text |
| `main_products` | 주요제품 | text |
| `product_use` | 제품용도 및 특성 | text |
| `tech_business_name` | 기술사업명 | text |
| `st_code` | 기술분류 | optional; 2/4/6-character 국가과학기술표준분류 code |
| `item_id` | judged item | provisional id (IG001…), official code, or `NONE` |
| `alternates` | other acceptable items | optional; JSON list, or `;`-separated in CSV |
| `agreement`, `source` | provenance | optional |
| `weight` | how much this judgment counts in the kNN votes and priors | optional; default 1, > 0 and ≤ 10 |

At least one of the text fields must be non-blank. Bad rows are reported by line number; the
good rows are kept.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from catalog.company_fields import TECHNICAL_FIELDS, TEXT_FIELDS
from catalog.model import Catalog
from catalog.reference import ST_CODE_PATTERN

NONE_LABEL = "NONE"


JUDGMENT_SUFFIXES = (".jsonl", ".csv")


def packaged_judgments_dir() -> Path:
    """The packaged development sets (sparse `dev.jsonl` and customer-like `rich_dev.jsonl`):
    the default past judgments of a build."""
    return Path(__file__).parent / "data" / "judgments"


def packaged_judgments_path() -> Path:
    """The sparse development set alone."""
    return packaged_judgments_dir() / "dev.jsonl"


def judgment_files(path: Path) -> list[Path]:
    """A judgments file, or every `.jsonl`/`.csv` file of a directory in name order."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix.lower() in JUDGMENT_SUFFIXES and p.is_file())
    return [path]


def judgments_sha256(path: Path) -> str:
    """Content hash of a judgments file or directory ("" when nothing is there)."""
    files = [p for p in judgment_files(path) if p.exists()]
    if not files:
        return ""
    digest = hashlib.sha256()
    for p in files:
        digest.update(p.name.encode("utf-8") + b"\0" + p.read_bytes())
    return digest.hexdigest() if path.is_dir() else hashlib.sha256(files[0].read_bytes()).hexdigest()


@dataclass(frozen=True)
class Judgment:
    """One past judgment: its company's technical fields (`TECHNICAL_FIELDS`, in that order)
    and the item judged."""

    id: str
    ksic_code: str
    industry_name: str
    main_products: str
    product_use: str
    tech_business_name: str
    st_code: str
    item_id: str
    alternates: tuple[str, ...] = ()
    date: str = ""
    agreement: str = ""
    source: str = ""
    weight: float = 1.0

    @property
    def is_none(self) -> bool:
        return self.item_id == NONE_LABEL

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            **{name: getattr(self, name) for name in TECHNICAL_FIELDS},
            "item_id": self.item_id,
            "alternates": list(self.alternates),
            "date": self.date,
            "agreement": self.agreement,
            "source": self.source,
            "weight": self.weight,
        }


@dataclass(frozen=True)
class BadRow:
    line: int
    message: str


@dataclass
class JudgmentsFile:
    judgments: list[Judgment] = field(default_factory=list)
    bad_rows: list[BadRow] = field(default_factory=list)

    def report(self) -> str:
        lines = [f"{len(self.judgments)} good rows, {len(self.bad_rows)} bad rows"]
        lines += [f"  line {b.line}: {b.message}" for b in self.bad_rows]
        return "\n".join(lines)


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value).strip()
    if text.startswith("["):
        parsed = json.loads(text)
        return [str(v).strip() for v in parsed if str(v).strip()]
    return [v.strip() for v in re.split(r"[;|]", text) if v.strip()]


def _resolve_label(code: str, catalog: Catalog | None) -> str | None:
    if code.upper() == NONE_LABEL:
        return NONE_LABEL
    if catalog is None:
        return code if re.fullmatch(r"IG\d{3}", code) else None
    item = catalog.resolve_item(code)
    return item.id if item else None


MAX_WEIGHT = 10.0


def _weight(value: Any) -> float:
    if value is None or value == "":
        return 1.0
    try:
        w = float(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"weight {value!r} is not a number") from exc
    if not 0 < w <= MAX_WEIGHT:
        raise ValueError(f"weight {w} is not in (0, {MAX_WEIGHT:g}]")
    return w


def parse_row(raw: dict[str, Any], line: int, catalog: Catalog | None) -> Judgment:
    """Validate one row; raises ValueError with a precise message."""
    if not isinstance(raw, dict):
        raise ValueError("row is not an object")
    text = {k: str(raw.get(k) or "").strip() for k in TEXT_FIELDS}
    if not any(text.values()):
        raise ValueError(f"all text fields are blank ({', '.join(TEXT_FIELDS)})")
    ksic = str(raw.get("ksic_code") or "").strip()
    if ksic and not re.fullmatch(r"\d{2,5}", ksic):
        raise ValueError(f"ksic_code {ksic!r} is not 2-5 digits")
    st = str(raw.get("st_code") or "").strip().upper()
    if st and not ST_CODE_PATTERN.match(st):
        raise ValueError(f"st_code {st!r} is not a 2/4/6-character S&T code")
    label_raw = str(raw.get("item_id") or raw.get("item_code") or "").strip()
    if not label_raw:
        raise ValueError("item_id is missing")
    label = _resolve_label(label_raw, catalog)
    if label is None:
        raise ValueError(f"item_id {label_raw!r} is not a catalog item nor NONE")
    try:
        alt_raw = _as_list(raw.get("alternates"))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"alternates is malformed: {exc}") from exc
    alternates: list[str] = []
    for a in alt_raw:
        resolved = _resolve_label(a, catalog)
        if resolved is None:
            raise ValueError(f"alternate {a!r} is not a catalog item")
        alternates.append(resolved)
    day = str(raw.get("date") or "").strip()
    if day:
        try:
            date.fromisoformat(day)
        except ValueError as exc:
            raise ValueError(f"date {day!r} is not YYYY-MM-DD") from exc
    weight = _weight(raw.get("weight"))
    return Judgment(
        id=str(raw.get("id") or f"L{line}").strip(),
        ksic_code=ksic,
        st_code=st,
        item_id=label,
        alternates=tuple(alternates),
        date=day,
        agreement=str(raw.get("agreement") or ""),
        source=str(raw.get("source") or ""),
        weight=weight,
        **text,
    )


def _raw_rows(path: Path) -> list[tuple[int, Any]]:
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(text.splitlines())
        return [(n, row) for n, row in enumerate(reader, start=2)]
    rows: list[tuple[int, Any]] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append((n, json.loads(line)))
        except json.JSONDecodeError as exc:
            rows.append((n, ValueError(f"not valid JSON: {exc.msg}")))
    return rows


def load_judgments(path: Path, catalog: Catalog | None = None) -> JudgmentsFile:
    """Load and validate every row of a file, or of every judgments file in a directory; bad
    rows are listed with their line numbers (and file names, for a directory)."""
    out = JudgmentsFile()
    seen: dict[str, str] = {}
    files = judgment_files(path)
    for file in files:
        where = f"{file.name} " if len(files) > 1 else ""
        for line, raw in _raw_rows(file):
            try:
                if isinstance(raw, Exception):
                    raise raw
                j = parse_row(raw, line, catalog)
                if j.id in seen:
                    raise ValueError(f"duplicate id {j.id!r} (first on {seen[j.id]})")
            except ValueError as exc:
                out.bad_rows.append(BadRow(line, f"{where}{exc}" if where else str(exc)))
                continue
            seen[j.id] = f"{where}line {line}"
            out.judgments.append(j)
    return out
