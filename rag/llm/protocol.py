"""The boundary to a chat model, so that tests can inject fakes."""

from __future__ import annotations

from typing import Any, Protocol


class LlmTransportError(Exception):
    """The call did not produce a reply: `reason` is `timeout`, `connection_error`, `http_error …`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ChatModel(Protocol):
    """A chat model that answers with JSON constrained by a schema."""

    @property
    def model(self) -> str: ...

    def complete_json(
        self, messages: list[dict[str, str]], schema: dict[str, Any], *, timeout_s: float, max_tokens: int
    ) -> str:
        """The raw text of the reply; raises `LlmTransportError` when no reply came."""
        ...
