"""Every consumer of the company fields lists exactly the fields `catalog/company_fields.py`
declares, in the declared order, and no module declares them again."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

from api.company_schema import CompanyInput, CompanyOut, DecisionInput, MaskedCompanyOut
from api.fields import FIELD_LABELS, KOREAN_HEADER_ALIASES
from api.pages.forms import company_values
from catalog import company_fields as cf
from catalog.judgments import Judgment
from rag import company as rag_company
from rag.company import CompanyRecord
from store.agreement import text_key
from store.records import TechnicalFields

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("api", "catalog", "eval", "index_build", "innogrowth", "prompts", "rag", "store")
# Frozen history, not a declaration: the schema as each migration left it must not follow edits.
FROZEN = ("store/migrations/", "store/legacy_schema.py")
# Classes that carry the technical fields as attributes (type checkers need them spelled out):
# each lists them in the declared order, and a new one must be added here knowingly.
FIELD_CLASSES = {
    "CompanyRecord",
    "Judgment",
    "TechnicalFields",
    "PersonalFields",
    "ClassificationRun",
    "Company",
}


def company_field_names(names: object) -> list[str]:
    return [n for n in names if n in cf.ALL_INPUT_FIELDS]  # type: ignore[attr-defined]


def test_the_records_of_rag_catalog_and_store_list_the_technical_fields_in_order() -> None:
    for record in (CompanyRecord, Judgment, TechnicalFields):
        assert company_field_names(f.name for f in dataclasses.fields(record)) == list(cf.TECHNICAL_FIELDS)
    assert list(CompanyRecord().to_dict()) == list(cf.TECHNICAL_FIELDS)
    values = TechnicalFields.of(CompanyRecord(*(f"v{n}" for n in range(6))))
    assert values.as_tuple() == tuple(f"v{n}" for n in range(6))
    assert list(values.to_dict()) == list(cf.TECHNICAL_FIELDS)


def test_the_agreement_key_hashes_the_declared_order() -> None:
    a = TechnicalFields("29280", "업종", "로봇", "운반", "개발", "EA0101")
    swapped = TechnicalFields("29280", "업종", "운반", "로봇", "개발", "EA0101")
    assert text_key(a) != text_key(swapped)
    assert text_key(a) == text_key(TechnicalFields.of(CompanyRecord(*a.as_tuple())))


def test_rag_keeps_its_own_text_assembly_order_over_the_declared_text_fields() -> None:
    order = ("main_products", "product_use", "tech_business_name", "industry_name")
    assert rag_company.TEXT_ASSEMBLY_ORDER == rag_company.TEXT_FIELDS == order
    assert sorted(order) == sorted(cf.TEXT_FIELDS)
    assert list(rag_company.FIELD_LABELS) == list(cf.TECHNICAL_FIELDS)
    record = CompanyRecord("29280", "업종", "제품", "용도", "사업", "EA0101")
    assert record.full_text() == "제품. 용도. 사업. 업종" and record.business_text() == "제품. 용도. 사업"
    assert list(record.own_fields()) == list(order)


def test_the_api_bodies_are_generated_from_the_declaration() -> None:
    assert list(CompanyInput.model_fields) == [*cf.ALL_INPUT_FIELDS, "use_llm"]
    assert list(DecisionInput.model_fields) == ["run_id", "final_item_id", "comment", *cf.PERSONAL_FIELDS]
    assert list(CompanyOut.model_fields) == list(cf.TECHNICAL_FIELDS)
    assert list(MaskedCompanyOut.model_fields) == [*cf.PERSONAL_FIELDS, *cf.TECHNICAL_FIELDS]
    for model in (CompanyInput, DecisionInput, CompanyOut, MaskedCompanyOut):
        assert model.model_config.get("extra") == "forbid"
    product_use = CompanyInput.model_fields["product_use"]
    assert product_use.description == "제품의 용도 및 특성"
    assert product_use.examples == ["물류창고 무인 운반, 라이다 기반 경로 계획"]
    assert CompanyInput.model_fields["company_name"].description == "기업명 (api 역할은 생략 가능)"
    assert DecisionInput.model_fields["company_name"].description == "기업명"


def test_pages_labels_and_batch_headers_read_the_declaration() -> None:
    assert list(company_values({})) == list(cf.ALL_INPUT_FIELDS)
    assert all(FIELD_LABELS[f.name] == f.label for f in cf.COMPANY_FIELDS)
    for f in cf.COMPANY_FIELDS:
        assert all(KOREAN_HEADER_ALIASES[h] == f.name for h in (f.label, *f.header_aliases))


def _declarations(path: Path) -> list[str]:
    """Tuple/list/set literals naming four or more technical fields; classes with three or more
    technical fields other than FIELD_CLASSES; classes listing company fields out of order."""
    found: list[str] = []
    where = path.relative_to(ROOT).as_posix()
    technical = set(cf.TECHNICAL_FIELDS)
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            named = {e.value for e in node.elts if isinstance(e, ast.Constant) and e.value in technical}
            if len(named) >= 4:
                found.append(f"{where}:{node.lineno}: a list of the technical fields")
        if isinstance(node, ast.ClassDef):
            attrs = [
                s.target.id
                for s in node.body
                if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
            ]
            own = company_field_names(attrs)
            if len(technical.intersection(own)) >= 3 and node.name not in FIELD_CLASSES:
                found.append(f"{where}:{node.lineno}: class {node.name} declares the technical fields")
            if len(own) >= 3 and own != [n for n in cf.ALL_INPUT_FIELDS if n in own]:
                found.append(
                    f"{where}:{node.lineno}: class {node.name} lists the company fields out of order"
                )
    return found


def test_no_module_declares_the_company_fields_again() -> None:
    files = [p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))]
    declaration = ROOT / "catalog" / "company_fields.py"
    found = [
        d
        for p in files
        if p != declaration and not p.relative_to(ROOT).as_posix().startswith(FROZEN)
        for d in _declarations(p)
    ]
    assert found == []
