"""`ChatModel` over any OpenAI-compatible chat-completions server (vLLM, llama.cpp, …)."""

from __future__ import annotations

import logging
import re
from typing import Any, cast

import openai
from openai import OpenAI
from openai.types.chat import ChatCompletionMessageParam
from openai.types.chat.completion_create_params import ResponseFormat

from rag.llm.protocol import ChatReply, LlmTransportError

log = logging.getLogger(__name__)

_FORMAT_REJECTED = (openai.BadRequestError, openai.UnprocessableEntityError)


class OpenAIChatModel:
    """Temperature 0, one HTTP call per attempt (no client retries), JSON-schema constrained.

    A server that rejects `response_format.type = json_schema` is asked once more with
    `json_object`; when that works, later calls go straight to `json_object`.
    """

    def __init__(self, base_url: str, model: str, api_key: str = "EMPTY") -> None:
        self._client = OpenAI(base_url=base_url, api_key=api_key or "EMPTY", max_retries=0)
        self._model = model
        self._json_schema_supported = True

    @property
    def model(self) -> str:
        return self._model

    @property
    def uses_json_schema(self) -> bool:
        """False once the server has rejected `json_schema` and `json_object` worked instead."""
        return self._json_schema_supported

    def complete_json(
        self, messages: list[dict[str, str]], schema: dict[str, Any], *, timeout_s: float, max_tokens: int
    ) -> str:
        if self._json_schema_supported:
            try:
                return self._create(messages, _schema_format(schema), timeout_s, max_tokens)
            except _FORMAT_REJECTED as exc:
                log.warning("LLM server rejected json_schema (HTTP %s); trying json_object", exc.status_code)
        text = self._create(messages, {"type": "json_object"}, timeout_s, max_tokens)
        self._json_schema_supported = False
        return text

    def _create(
        self,
        messages: list[dict[str, str]],
        response_format: dict[str, Any],
        timeout_s: float,
        max_tokens: int,
    ) -> str:
        try:
            reply = self._client.chat.completions.create(
                model=self._model,
                messages=cast(list[ChatCompletionMessageParam], messages),
                temperature=0,
                max_tokens=max_tokens,
                response_format=cast(ResponseFormat, response_format),
                timeout=timeout_s,
            )
        except openai.APITimeoutError as exc:
            raise LlmTransportError("timeout") from exc
        except openai.APIConnectionError as exc:
            raise LlmTransportError("connection_error") from exc
        except openai.APIStatusError as exc:
            if isinstance(exc, _FORMAT_REJECTED) and response_format["type"] == "json_schema":
                raise
            raise LlmTransportError(f"http_error {exc.status_code}") from exc
        except openai.OpenAIError as exc:
            raise LlmTransportError(f"bad_response: {type(exc).__name__}") from exc
        usage = reply.usage
        text = (reply.choices[0].message.content or "") if reply.choices else ""
        return ChatReply(
            text,
            usage.prompt_tokens if usage is not None else None,
            usage.completion_tokens if usage is not None else None,
        )


def _schema_format(schema: dict[str, Any]) -> dict[str, Any]:
    name = re.sub(r"[^A-Za-z0-9_-]", "_", str(schema.get("title") or "answer"))[:64]
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": True}}
