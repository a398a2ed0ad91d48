"""`innogrowth classify`: one record from flags or JSON, and resumable --batch with bad rows."""

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

CSV = (
    "id,ksic_code,main_products,product_use,tech_business_name,st_code\n"
    "r1,29280,산업용 물류로봇,창고 무인 운반,물류로봇 개발,EA0101\n"
    "r2,29280,,,,\n"
    "r3,10401,리튬이온 배터리 양극재,전기차 배터리 소재,양극재 개발,EF0101\n"
    "r1,29280,중복 행,,,\n"
)


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, module_classifier: Classifier) -> CliRunner:
    monkeypatch.setattr(batch_cli, "service_classifier", lambda settings: module_classifier)
    return CliRunner()


def test_batch_reports_bad_rows_and_resumes(runner: CliRunner, tmp_path: Path) -> None:
    source, out = tmp_path / "in.csv", tmp_path / "out.jsonl"
    source.write_text(CSV, "utf-8")
    command = ["classify", "--batch", str(source), "--out", str(out), "--quiet", "--no-llm"]
    first = runner.invoke(app, command)
    assert first.exit_code == 0, first.output
    assert "line 3 (r2)" in first.output and "공란 입력" in first.output
    assert "line 5: duplicate id 'r1'" in first.output
    rows = [json.loads(x) for x in out.read_text("utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["r1", "r3"]
    assert rows[1]["company"]["ksic_code"] == "10411" and rows[0]["result"]["recommendations"]

    out.write_text(out.read_text("utf-8").splitlines()[0] + "\n", "utf-8")  # as if interrupted after r1
    second = runner.invoke(
        app, ["classify", "--batch", str(source), "--out", str(out), "--quiet", "--no-llm"]
    )
    assert second.exit_code == 0, second.output
    assert "resuming: 1 rows already" in second.output
    assert [json.loads(x)["id"] for x in out.read_text("utf-8").splitlines()] == ["r1", "r3"]


def test_batch_needs_out(runner: CliRunner, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"main_products": "로봇"}\n', "utf-8")
    assert runner.invoke(app, ["classify", "--batch", str(source)]).exit_code == 2


def test_one_record_from_flags_prints_top_three_with_rationale(runner: CliRunner) -> None:
    args = [
        "classify",
        "--ksic",
        "29280",
        "--products",
        "산업용 자율주행 물류로봇",
        "--use",
        "창고 무인 운반",
    ]
    result = runner.invoke(app, [*args, "--tech", "물류로봇 개발", "--st", "EA0101"])
    assert result.exit_code == 0, result.output
    assert "분류검색 결과" in result.output and "기여 키워드" in result.output
    assert "업종명을 업종코드에서 채웠습니다" in result.output


def test_one_record_from_json_and_bad_input(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"업종코드": "29280", "주요제품": "물류로봇"}, ensure_ascii=False), "utf-8")
    result = runner.invoke(app, ["classify", "--json", str(path), "--output-json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["result"]["recommendations"]
    bad = runner.invoke(app, ["classify", "--ksic", "99999", "--products", "로봇"])
    assert bad.exit_code == 2 and "업종코드" in bad.output
