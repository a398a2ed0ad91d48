"""Prompt token counts: the served model's own tokenizer when the server exposes one, a
conservative estimate otherwise.

`ServerTokenCounter` counts the whole chat prompt, chat template included, as the server will:
vLLM's `POST /tokenize` with `messages` (the answer's `count`), or llama.cpp's server
(`POST /apply-template`, then `POST /tokenize` of the templated text). It finds out which one it
talks to on first use and remembers it; a server with neither (404, or an answer of neither shape)
is counted by `estimate_tokens` from then on. A transient failure (timeout, connection refused)
falls back to the estimate for that count only.
"""

from __future__ import annotations

import logging
import math
from typing import Any, Literal

import httpx

log = logging.getLogger(__name__)

# The estimate: tokens per UTF-8 byte (a Hangul syllable is 3 bytes: 1.5 tokens), and per message
# for the chat template's markers. It is conservative for tokenizers whose vocabulary holds Korean
# (the served models: Kanana, EXAONE, Qwen, Llama 3 need about one token per syllable or less),
# not for English-centric ones: SmolLM2-135M, the test tier's model, needs 0.79-0.91 tokens per
# byte of the service prompt; there (llama.cpp) and on vLLM the server's /tokenize counts exactly.
TOKENS_PER_BYTE = 0.5
TOKENS_PER_MESSAGE = 12
TOKENS_FOR_REPLY_START = 8
_TOKENIZE_TIMEOUT_S = 10.0

Dialect = Literal["vllm", "llama.cpp", "none"]


def estimate_tokens(text: str) -> int:
    """A conservative token count of `text` (no server tokenizer)."""
    return math.ceil(TOKENS_PER_BYTE * len(text.encode("utf-8")))


def estimate_messages(messages: list[dict[str, str]]) -> int:
    return TOKENS_FOR_REPLY_START + sum(TOKENS_PER_MESSAGE + estimate_tokens(m["content"]) for m in messages)


class EstimatedCounter:
    """The `TokenCounter` of a server without a tokenizer endpoint."""

    source = "estimate"

    def count(self, messages: list[dict[str, str]]) -> int:
        return estimate_messages(messages)


class ServerTokenCounter:
    """Counts with the server's tokenizer (vLLM or llama.cpp), or estimates (see the module doc)."""

    def __init__(
        self, base_url: str, model: str, api_key: str = "EMPTY", *, client: httpx.Client | None = None
    ) -> None:
        root = base_url.rstrip("/")
        self._root = root.removesuffix("/v1")
        self._model = model
        self._client = client or httpx.Client(
            headers={"Authorization": f"Bearer {api_key or 'EMPTY'}"}, timeout=_TOKENIZE_TIMEOUT_S
        )
        self._dialect: Dialect | None = None
        self._last_source = "estimate"

    @property
    def dialect(self) -> Dialect | None:
        """Which tokenizer API the server answered (None: not asked yet; `none`: it has neither)."""
        return self._dialect

    @property
    def source(self) -> str:
        """Where the last count came from: `server` or `estimate`."""
        return self._last_source

    def count(self, messages: list[dict[str, str]]) -> int:
        counted = self._count_on_server(messages)
        self._last_source = "estimate" if counted is None else "server"
        return estimate_messages(messages) if counted is None else counted

    def _count_on_server(self, messages: list[dict[str, str]]) -> int | None:
        dialects: list[Dialect] = ["vllm", "llama.cpp"] if self._dialect is None else [self._dialect]
        for dialect in dialects:
            if dialect == "none":
                return None
            try:
                counted = self._vllm(messages) if dialect == "vllm" else self._llama_cpp(messages)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                log.warning("tokenizer endpoint unreachable (%s); estimating this prompt", type(exc).__name__)
                return None
            if counted is not None:
                self._dialect = dialect
                return counted
        if self._dialect is None:
            log.warning("the LLM server exposes no tokenizer endpoint; prompt tokens are estimated")
            self._dialect = "none"
        return None

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any] | None:
        reply = self._client.post(f"{self._root}{path}", json=body)
        if reply.status_code != 200:
            return None
        try:
            data = reply.json()
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def _vllm(self, messages: list[dict[str, str]]) -> int | None:
        data = self._post(
            "/tokenize", {"model": self._model, "messages": messages, "add_generation_prompt": True}
        )
        count = (data or {}).get("count")
        return count if isinstance(count, int) and count > 0 else None

    def _llama_cpp(self, messages: list[dict[str, str]]) -> int | None:
        templated = (self._post("/apply-template", {"messages": messages}) or {}).get("prompt")
        if not isinstance(templated, str) or not templated:
            return None
        tokens = (self._post("/tokenize", {"content": templated, "add_special": True}) or {}).get("tokens")
        return len(tokens) if isinstance(tokens, list) and tokens else None
