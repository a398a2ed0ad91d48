"""The boundaries to a chat model and to its tokenizer, so that tests can inject fakes."""

from __future__ import annotations

from typing import Any, Protocol


class LlmTransportError(Exception):
    """The call did not produce a reply: `reason` is `timeout`, `connection_error`, `http_error …`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ChatReply(str):
    """A reply's text, carrying the token usage the server reported (None when it reported none)."""

    prompt_tokens: int | None
    completion_tokens: int | None

    def __new__(
        cls, text: str, prompt_tokens: int | None = None, completion_tokens: int | None = None
    ) -> ChatReply:
        reply = super().__new__(cls, text)
        reply.prompt_tokens = prompt_tokens
        reply.completion_tokens = completion_tokens
        return reply


class ChatModel(Protocol):
    """A chat model that answers with JSON constrained by a schema."""

    @property
    def model(self) -> str: ...

    def complete_json(
        self, messages: list[dict[str, str]], schema: dict[str, Any], *, timeout_s: float, max_tokens: int
    ) -> str:
        """The raw text of the reply (a `ChatReply` when the server reported token usage);
        raises `LlmTransportError` when no reply came."""
        ...


class TokenCounter(Protocol):
    """Counts the prompt tokens of chat messages as the served model sees them."""

    @property
    def source(self) -> str:
        """`server` when the counts come from the server's tokenizer, `estimate` otherwise."""
        ...

    def count(self, messages: list[dict[str, str]]) -> int: ...
