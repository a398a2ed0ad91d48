"""What one reviewer's saved decision does to the next answer for the same text, by its weight.

A smart-farm company is classified; then, for each target item, one saved decision of that item
on exactly that text is added to the classifier with weight 1.0 (every save before issue 14) and
with 0.5 (one reviewer now, `INNOGROWTH_DECISION_WEIGHT`), the text is classified again and the
decision taken back out. One JSON line per target: the top 3 and the decision at each weight.

    .venv/bin/python -m tests.support.probe_single_save --small-catalog \
        --build-dir $INNOGROWTH_TEST_BUILD_CACHE IG094 IG180
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from catalog.judgments import Judgment
from innogrowth.settings import Settings
from innogrowth.wiring import load_classifier
from rag.company import CompanyRecord
from store.decision_judgments import DECISION_SOURCE
from tests.support.probe_support import small_catalog_file

SMART_FARM = {
    "ksic_code": "01110",
    "industry_name": "",
    "main_products": "스마트팜 수경재배 채소",
    "product_use": "온실 환경을 센서로 제어해 채소를 재배",
    "tech_business_name": "스마트팜 환경제어 시스템",
    "st_code": "",
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("targets", nargs="+", help="item ids to save as the one reviewer's decision")
    parser.add_argument("--build-dir", type=Path, required=True)
    parser.add_argument("--catalog", type=Path, default=None)
    parser.add_argument("--small-catalog", action="store_true", help="the tests' small catalog")
    args = parser.parse_args()
    catalog = args.catalog
    if args.small_catalog:
        catalog = small_catalog_file()
    settings = Settings(
        _env_file=None, data_dir=Path(tempfile.mkdtemp()), catalog_path=catalog, build_dir=args.build_dir
    )
    classifier = load_classifier(settings)
    record = CompanyRecord(**SMART_FARM)
    before = classifier.classify(record, use_llm=False)
    print(json.dumps({"before": [r.item_id for r in before.recommendations], "decision": before.decision}))
    for target in args.targets:
        line: dict[str, object] = {"target": target}
        for weight in (1.0, 0.5):
            saved = Judgment(id="D0", item_id=target, weight=weight, source=DECISION_SOURCE, **SMART_FARM)
            classifier.add_judgment(saved)
            after = classifier.classify(record, use_llm=False)
            classifier.withdraw_judgment("D0")
            line[f"weight {weight}"] = {
                "top3": [r.item_id for r in after.recommendations],
                "decision": after.decision,
            }
        print(json.dumps(line, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
