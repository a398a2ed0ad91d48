"""`innogrowth classify --batch` exit status: 0 when some row is classified, 1 when every row
failed, 2 when the input cannot be read; the summary line is the same in every case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from innogrowth.cli import app
from innogrowth.commands import classify as batch_cli
from rag.classifier import Classifier
from tests.support.api_fixtures import api_build, module_classifier, small_catalog_file

__all__ = ["api_build", "module_classifier", "small_catalog_file"]

HEADER = "id,ksic_code,main_products,product_use,tech_business_name,st_code\n"
GOOD = "g1,29280,산업용 물류로봇,창고 무인 운반,물류로봇 개발,EA0101\n"
BAD = "b1,29280,,,,\nb2,99999,로봇,,,\n"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, module_classifier: Classifier) -> CliRunner:
    monkeypatch.setattr(batch_cli, "service_classifier", lambda settings: module_classifier)
    return CliRunner()


def run(runner: CliRunner, source: Path, out: Path) -> tuple[int, str]:
    args = ["classify", "--batch", str(source), "--out", str(out), "--quiet", "--no-llm"]
    result = runner.invoke(app, args)
    return result.exit_code, result.output


def test_every_row_failed_exits_1_with_the_usual_summary(runner: CliRunner, tmp_path: Path) -> None:
    source, out = tmp_path / "bad.csv", tmp_path / "out.jsonl"
    source.write_text(HEADER + BAD, "utf-8")
    code, output = run(runner, source, out)
    assert code == 1, output
    assert "0 classified, 2 bad rows; output" in output
    assert "line 2 (b1)" in output and "line 3 (b2)" in output


def test_some_rows_classified_exits_0_and_a_resume_too(runner: CliRunner, tmp_path: Path) -> None:
    source, out = tmp_path / "mixed.csv", tmp_path / "out.jsonl"
    source.write_text(HEADER + GOOD + BAD, "utf-8")
    code, output = run(runner, source, out)
    assert code == 0, output
    assert "1 classified, 2 bad rows; output" in output
    assert [json.loads(x)["id"] for x in out.read_text("utf-8").splitlines()] == ["g1"]
    again, output = run(runner, source, out)  # g1 done before; the bad rows fail again
    assert again == 0 and "resuming: 1 rows already" in output and "0 classified, 2 bad rows" in output


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("missing.csv", None),
        ("latin1.csv", (HEADER + "x1,29280,로봇,,,\n").encode("cp949")),
        ("broken.json", b'[{"main_products": '),
        ("object.json", b'{"main_products": "robot"}'),
        ("empty.jsonl", b""),
        ("header-only.csv", HEADER.encode()),
    ],
)
def test_unreadable_input_exits_2(
    runner: CliRunner, tmp_path: Path, name: str, content: bytes | None
) -> None:
    source, out = tmp_path / name, tmp_path / "out.jsonl"
    if content is not None:
        source.write_bytes(content)
    code, output = run(runner, source, out)
    assert code == 2, output
    assert not out.exists() or not out.read_text("utf-8")
