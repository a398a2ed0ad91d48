"""What one classification request costs, and whether the API's cost limits let it in.

For each probe input: the service's answer to it (`api/validation.py`: accepted, or refused with
the error code and the time the refusal took) and the classifier's CPU time for it when it is
classified anyway (what the service spent on it before the limits; `--no-classify` skips that).

    python -m tests.support.probe_request_cost --build-dir var/builds --catalog catalog/data/igcs_v6.json
    python -m tests.support.probe_request_cost --build-dir $INNOGROWTH_TEST_BUILD_CACHE --small-catalog

One JSON line per probe. Load on the machine changes the times several-fold: compare the lines of
one run with each other (the `normal` probe is the yardstick), not with another run's.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from api.validation import InputInvalid, ReferenceLists, validate_company
from innogrowth.settings import Settings
from innogrowth.wiring import load_classifier
from rag.classifier import Classifier
from rag.company import CompanyRecord
from tests.support.probe_support import field_of, small_catalog_file

SYLLABLES = [chr(c) for c in range(0xAC00, 0xD7A4)]
TEXT_FIELDS = ("industry_name", "main_products", "product_use", "tech_business_name")
NORMAL = {
    "ksic_code": "29280",
    "main_products": "산업용 자율주행 물류로봇",
    "product_use": "물류창고에서 라이다로 장애물을 인식해 화물을 무인 운반하는 이동로봇",
    "tech_business_name": "자율주행 물류로봇 개발",
    "st_code": "EA0101",
}


def _words(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(n)]


def probes() -> Iterator[tuple[str, dict[str, str]]]:
    repeated = ("산업용 자율주행 물류로봇 " * 200)[:1999].strip()
    rng = random.Random(2)
    words = _words(4000, 1)
    yield "normal", dict(NORMAL)
    yield "normal again (vectors cached)", dict(NORMAL)
    yield "one 1,999-character field (repeated phrase)", {**NORMAL, "main_products": repeated}
    yield (
        "issue 14: four 1,999-character fields of distinct words",
        {**NORMAL, **{f: field_of(words[i * 500 :]) for i, f in enumerate(TEXT_FIELDS)}},
    )
    yield "four 1,999-character fields, repeated phrase", {**NORMAL, **{f: repeated for f in TEXT_FIELDS}}
    yield (
        "four 1,999-character fields without a space",
        {**NORMAL, **{f: "".join(rng.choice(SYLLABLES) for _ in range(1999)) for f in TEXT_FIELDS}},
    )
    at_limit = _words(300, 3)
    yield (
        "300 distinct words (at the limit)",
        {**NORMAL, **{f: " ".join(at_limit[i * 75 : (i + 1) * 75]) for i, f in enumerate(TEXT_FIELDS)}},
    )
    long_words = " ".join("".join(rng.choice(SYLLABLES) for _ in range(49)) for _ in range(40))
    yield "2,000 characters in 40 words of 49 characters", {**NORMAL, "main_products": long_words}
    yield (
        "3,000 characters without a space (the costliest input still accepted)",
        {
            **NORMAL,
            "main_products": "".join(rng.choice(SYLLABLES) for _ in range(1999)),
            "product_use": "".join(rng.choice(SYLLABLES) for _ in range(900)),
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--build-dir", type=Path, required=True, help="builds root holding `current`")
    parser.add_argument("--catalog", type=Path, default=None, help="catalog of that build")
    parser.add_argument("--small-catalog", action="store_true", help="the tests' small catalog")
    parser.add_argument("--no-classify", action="store_true", help="only the validation answer")
    args = parser.parse_args()
    refs = ReferenceLists.load()
    classifier: Classifier | None = None
    if not args.no_classify:
        catalog = args.catalog
        if args.small_catalog:
            catalog = small_catalog_file()
        settings = Settings(
            _env_file=None,
            data_dir=Path(tempfile.mkdtemp()),
            catalog_path=catalog,
            build_dir=args.build_dir,
            llm_base_url=None,
        )
        classifier = load_classifier(settings)
        classifier.classify(
            CompanyRecord(ksic_code="29280", main_products="로봇", st_code="EA0101"), use_llm=False
        )
    for name, fields in probes():
        body = {"company_name": "", "business_number": "", "representative_name": "", **fields}
        started = time.perf_counter()
        try:
            validate_company(body, refs, require_personal=False)
            answer = "accepted"
        except InputInvalid as exc:
            answer = "422 " + ",".join(p.code for p in exc.problems)
        answer_ms = (time.perf_counter() - started) * 1000
        line: dict[str, object] = {
            "probe": name,
            "chars": sum(len(fields.get(f, "")) for f in TEXT_FIELDS),
            "service_answer": answer,
            "answer_ms": round(answer_ms, 1),
        }
        if classifier is not None:
            record = CompanyRecord.from_mapping({**fields})
            started = time.perf_counter()
            result = classifier.classify(record, use_llm=False)
            line["classify_s"] = round(time.perf_counter() - started, 2)
            line["timings_ms"] = {k: round(v) for k, v in result.timings_ms.items()}
        print(json.dumps(line, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
