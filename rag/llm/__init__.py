"""LLM rerank-and-rationale over an OpenAI-compatible server (vLLM in production).

The model may only choose among the retrieved candidates; its JSON answer is schema-constrained,
then validated (codes, cited evidence, grounded keywords) with one retry before giving up.
"""

from rag.llm.openai_chat import OpenAIChatModel
from rag.llm.protocol import ChatModel, LlmTransportError
from rag.llm.reranker import LlmReranker
from rag.llm.types import LlmCandidate, LlmEvidence, LlmOutcome, LlmPick

__all__ = [
    "ChatModel",
    "LlmCandidate",
    "LlmEvidence",
    "LlmOutcome",
    "LlmPick",
    "LlmReranker",
    "LlmTransportError",
    "OpenAIChatModel",
]
