"""The classification result as the API returns it: `ClassificationResult.to_dict()` described
field by field (/docs), for POST /v1/classify and every line of POST /v1/classify/batch.

The models mirror `rag/result.py` exactly (same keys, same order) and forbid other keys, so a
result that drifts from its documentation fails instead of being answered.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from api.company_schema import CompanyOut
from rag.result import Decision


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EvidenceOut(_Out):
    id: str = Field(description="근거 id: `IG012#L3`(품목 IG012 설명의 3번째 줄), `J:V7643`(과거 판정)")
    kind: Literal["catalog", "judgment"] = Field(
        description="catalog(카탈로그 설명 줄) / judgment(과거 판정)"
    )
    item_id: str = Field(description="근거가 뒷받침하는 품목 id")
    text: str = Field(description="근거 문장")
    line: int | None = Field(description="카탈로그 설명의 줄 번호 (과거 판정이면 null)")
    similarity: float | None = Field(description="입력과의 유사도 (소수 셋째 자리)")


class KeywordOut(_Out):
    word: str = Field(description="이 품목을 뒷받침하는 입력 낱말")
    source_field: str = Field(description="낱말이 나온 입력 항목 (main_products 등)")
    start: int = Field(description="source_field 안에서 낱말이 시작하는 문자 위치 (0부터)")
    end: int = Field(description="낱말이 끝나는 문자 위치 (이 위치의 문자는 포함하지 않음)")
    weight: float = Field(description="낱말의 기여 가중치")


class RecommendationOut(_Out):
    rank: int = Field(description="순위 (1부터)")
    item_id: str = Field(description="품목 id (IG001…)")
    item_code: str = Field(description="품목 코드: 공식 코드, 없으면 임시 id")
    item_name: str = Field(description="품목명")
    field_id: str = Field(description="분야 id")
    field_code: str = Field(description="분야 코드")
    field_name: str = Field(description="분야명")
    theme_id: str = Field(description="테마 id")
    theme_code: str = Field(description="테마 코드")
    theme_name: str = Field(description="테마명")
    score: float = Field(description="순위 모델 점수 (소수 넷째 자리)")
    confidence: float = Field(description="신뢰도: 이 품목이 맞을 확률 0~1 (소수 넷째 자리)")
    rationale: str = Field(description="추천 근거 (인용한 근거 id 포함)")
    evidence: list[EvidenceOut] = Field(description="인용할 수 있는 근거: 카탈로그 설명 줄과 과거 판정")
    keywords: list[KeywordOut] = Field(description="입력에서 이 품목을 뒷받침하는 낱말과 그 위치")
    signals: dict[str, float] = Field(
        description="신호별 점수: dense, line, name_mention, knn_vote, lexical, prior_ksic, prior_st"
    )


class CandidateOut(_Out):
    item_id: str = Field(description="품목 id")
    score: float = Field(description="순위 모델 점수 (소수 넷째 자리)")
    features: dict[str, float] = Field(description="후보의 값: probability(이 품목일 확률)")


class VersionsOut(_Out):
    catalog: str = Field(description="카탈로그(분류체계) 버전")
    build: str = Field(description="색인 빌드 id")
    embedder: str = Field(description="임베딩 모델")
    ranker: str = Field(description="순위 모델")
    prompt: str = Field(description="프롬프트 버전")
    llm_model: str = Field(description="LLM 모델 (none: LLM 사용 안 함)")


class LlmOut(_Out):
    status: str = Field(description="answered(답변 사용) / refused / timeout / invalid / unavailable")
    reason: str | None = Field(description="답변을 쓰지 못한 이유 (answered이면 null)")
    model: str = Field(description="LLM 모델")
    prompt_version: str = Field(description="프롬프트 버전")
    attempts: int = Field(description="호출 횟수 (재시도 포함)")
    latency_ms: float = Field(description="LLM 응답 시간(ms)")
    prompt_tokens: int | None = Field(description="프롬프트 토큰 수 (서버 보고; 모르면 null)")
    completion_tokens: int | None = Field(description="답변 토큰 수 (서버 보고; 모르면 null)")
    measured_prompt_tokens: int | None = Field(description="예산 계산에 쓴 프롬프트 토큰 수")
    counted_by: str | None = Field(description="토큰을 센 방법: server(/tokenize) / estimate")
    prompt_token_budget: int | None = Field(description="프롬프트 토큰 예산")
    candidates_in_prompt: int | None = Field(description="프롬프트에 넣은 후보 수")
    candidates_offered: int | None = Field(description="넣으려던 후보 수")
    lines_in_prompt: int | None = Field(description="프롬프트에 넣은 카탈로그 설명 줄 수")
    picks: int = Field(description="LLM이 고른 품목 수 (나머지는 결정적 순서의 참고 후보)")
    none_applies: bool = Field(description="LLM이 해당 품목 없음이라고 답함")


class ResultOut(_Out):
    """ClassificationResult: 추천 3개, 근거, 신뢰도, 버전."""

    decision: Decision = Field(
        description="판정: recommended(추천) / review(검토 필요) / not_applicable(해당 없음)"
    )
    decision_reason: str = Field(description="판정 사유 (확률과 기준값)")
    recommendations: list[RecommendationOut] = Field(description="추천 품목 (최대 3개, 순위순)")
    candidates: list[CandidateOut] = Field(description="순위를 매긴 후보 품목 (순위순)")
    none_probability: float = Field(description="해당 품목이 없을 확률 0~1 (소수 넷째 자리)")
    versions: VersionsOut = Field(description="분류에 쓴 버전")
    timings_ms: dict[str, float] = Field(
        description="단계별 처리 시간(ms): embed, retrieve_and_rank, rationale, llm(사용 시), total"
    )
    rationale_source: Literal["extractive", "llm"] = Field(description="근거 작성: extractive(추출형) / llm")
    degraded: bool = Field(description="LLM이 실패해 결정적 순위와 추출형 근거로 답함")
    degraded_reason: str | None = Field(description="degraded인 이유 (아니면 null)")
    rationale_model: str | None = Field(description="근거를 쓴 LLM 모델 (추출형이면 null)")
    llm: LlmOut | None = Field(description="LLM 호출 기록 (LLM을 부르지 않았으면 null)")
    decision_label: str = Field(description="판정의 한국어 표기: 추천 / 검토 필요 / 해당 없음")
    predicted_label: str = Field(description="평가용 단일 라벨: 해당 없음이면 NONE, 아니면 1순위 품목 id")


class InputNoteOut(_Out):
    field: str
    code: str
    message: str


class IndexOut(_Out):
    loaded: bool = Field(description="색인 빌드가 적재됨")
    versions: VersionsOut = Field(description="적재된 분류기의 버전")


class BatchErrorOut(_Out):
    code: str = Field(description="오류 코드 (validation_error, unreadable_row, llm_failed …)")
    message: str | None = Field(description="오류 내용")
    field: str | None = Field(description="문제가 된 항목 (없으면 null)")
    details: list[dict[str, Any]] | None = Field(None, description="입력 검증 오류일 때만: 문제마다 하나")


class BatchResultLine(_Out):
    line: int = Field(description="입력 파일의 행 번호")
    id: str = Field(description="행의 id 열, 없으면 L<행 번호>")
    ok: Literal[True]
    notes: list[InputNoteOut] = Field(description="입력에 대해 서비스가 바꾼 점")
    company: CompanyOut = Field(description="분류에 쓴 기술 정보(정규화된 값)")
    result: ResultOut


class BatchErrorLine(_Out):
    line: int = Field(description="입력 파일의 행 번호")
    id: str = Field(description="행의 id 열, 없으면 L<행 번호>")
    ok: Literal[False]
    error: BatchErrorOut


class BatchCountsOut(_Out):
    rows: int = Field(description="읽은 행 수")
    ok: int = Field(description="분류한 행 수")
    failed: int = Field(description="오류로 보고한 행 수")


class BatchSummaryLine(_Out):
    summary: BatchCountsOut


class BatchLineOut(RootModel[BatchResultLine | BatchErrorLine | BatchSummaryLine]):
    """One line of the JSONL answer: a classified row, a row's error, or the final summary."""
