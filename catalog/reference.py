"""Reference code lists: KSIC 11th revision (with 10th→11th mapping) and the national S&T
classification (국가과학기술표준분류 2018; majors complete, middle/minor partial)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

REFERENCE_DIR = Path(__file__).parent / "data" / "reference"
ST_CODE_PATTERN = re.compile(r"^[A-Z]{2}(\d{2}){0,2}$")
KSIC_CODE_PATTERN = re.compile(r"^\d{5}$")


def _rows(name: str, directory: Path) -> list[dict[str, str]]:
    with (directory / name).open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@dataclass(frozen=True)
class KsicNote:
    code: str
    name: str
    definition: str
    examples: str
    exclusions: str


@dataclass
class KsicLookup:
    """KSIC-11 names at every level, explanatory notes, and the 10→11 concordance."""

    names: dict[str, str]
    notes: dict[str, KsicNote]
    ksic10_to_11: dict[str, list[str]]
    ksic10_names: dict[str, str]
    sections: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path = REFERENCE_DIR) -> KsicLookup:
        names: dict[str, str] = {}
        sections: dict[str, str] = {}
        for r in _rows("ksic11_all_levels.csv", directory):
            if r["level"] == "section":
                sections[r["code"]] = r["name"]
            else:
                names[r["code"]] = r["name"]
        notes = {
            r["code"]: KsicNote(r["code"], r["name"], r["definition"], r["examples"], r["exclusions"])
            for r in _rows("ksic11_descriptions.csv", directory)
        }
        mapping: dict[str, list[str]] = {}
        for r in _rows("ksic_11_to_10_concordance.csv", directory):
            old, new = r["ksic10_code"].strip(), r["ksic11_code"].strip()
            if old and new and new not in mapping.setdefault(old, []):
                mapping[old].append(new)
        ksic10_names = {r["code5"]: r["name5"] for r in _rows("ksic10_codes.csv", directory)}
        section_of = {r["div2"]: r["section"] for r in _rows("ksic11_codes.csv", directory)}
        for div, sec in section_of.items():
            names.setdefault(f"section:{div}", sections.get(sec, ""))
        return cls(names, notes, mapping, ksic10_names, sections)

    def is_valid_11(self, code: str) -> bool:
        return bool(KSIC_CODE_PATTERN.match(code)) and code in self.names

    def name(self, code: str) -> str | None:
        return self.names.get(code)

    def normalize(self, code: str) -> tuple[str | None, str]:
        """Map an input code to a KSIC-11 code.

        Returns (code11 or None, how): how is `ksic11`, `ksic10` (mapped), `prefix` (2-4 digit
        codes as given, e.g. listed companies), or `unknown`.
        """
        code = code.strip()
        if self.is_valid_11(code):
            return code, "ksic11"
        if KSIC_CODE_PATTERN.match(code) and code in self.ksic10_to_11:
            return self.ksic10_to_11[code][0], "ksic10"
        if re.fullmatch(r"\d{2,4}", code) and code in self.names:
            return code, "prefix"
        return None, "unknown"

    def parents(self, code: str) -> list[str]:
        """The code's ancestors present in the list, most specific first (4, 3, 2 digits)."""
        return [code[:n] for n in (4, 3, 2) if len(code) > n and code[:n] in self.names]

    def note_text(self, code: str) -> str:
        """Name plus explanatory note of a code (or its nearest known ancestor)."""
        for c in [code, *self.parents(code)]:
            note = self.notes.get(c)
            if note:
                return " ".join(x for x in (note.name, note.definition, note.examples) if x)
        return self.names.get(code, "")

    def is_wholesale_or_retail(self, code: str) -> bool:
        """KSIC section G (도매 및 소매업: divisions 45-47)."""
        return code[:2] in {"45", "46", "47"}


@dataclass
class StLookup:
    """국가과학기술표준분류 2018: 2-letter major, 4-char middle, 6-char minor codes."""

    majors: dict[str, str]
    names: dict[str, str]

    @classmethod
    def load(cls, directory: Path = REFERENCE_DIR) -> StLookup:
        majors = {r["major_code"]: r["name"] for r in _rows("nstc2018_major_codes.csv", directory)}
        names = {r["code"]: r["name"] for r in _rows("nstc2018_partial_codes.csv", directory)}
        return cls(majors, names)

    def check(self, code: str, *, require_full: bool = True) -> str | None:
        """None when acceptable, else a Korean message saying what is wrong."""
        code = code.strip().upper()
        if not ST_CODE_PATTERN.match(code) or (require_full and len(code) != 6):
            return "기술분류 코드는 영문 대문자 2자리 + 숫자 4자리 형식이어야 합니다 (예: EE0101)."
        if code[:2] not in self.majors:
            return f"기술분류 대분류 '{code[:2]}'는 국가과학기술표준분류에 없는 코드입니다."
        return None

    def describe(self, code: str) -> str:
        """Names of the code and its ancestors that are known, most general first."""
        code = code.strip().upper()
        parts = [self.majors.get(code[:2], "")]
        parts += [self.names.get(code[:n], "") for n in (4, 6) if len(code) >= n]
        return " ".join(p for p in parts if p)
