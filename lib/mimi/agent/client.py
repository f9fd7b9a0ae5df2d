"""OpenAI-compatible chat-completions clients, one per provider, kept while the Lambda is warm."""

from __future__ import annotations

from functools import lru_cache
from typing import cast

from openai import OpenAI
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam
from openai.types.shared_params import ResponseFormatJSONSchema

from mimi.agent.schema import response_format
from mimi.config import LlmProvider

TEMPERATURE = 0.8


@lru_cache(maxsize=8)
def _client(base_url: str, api_key: str, timeout_s: float) -> OpenAI:
    """A sync client without SDK retries: on failure the caller moves on to the next provider."""
    return OpenAI(base_url=base_url, api_key=api_key, timeout=timeout_s, max_retries=0)


def client_for(provider: LlmProvider) -> OpenAI:
    """The cached client of a provider."""
    return _client(provider.base_url, provider.api_key.get_secret_value(), provider.timeout_s)


def clear_clients() -> None:
    """Forget every cached client (settings changed, or tests)."""
    _client.cache_clear()


def complete(
    provider: LlmProvider, messages: list[dict[str, str]], max_tokens: int
) -> ChatCompletion:
    """One structured chat completion from a provider; raises openai's errors unchanged."""
    return client_for(provider).chat.completions.create(
        model=provider.model,
        messages=cast(list[ChatCompletionMessageParam], messages),
        response_format=cast(ResponseFormatJSONSchema, response_format()),
        max_tokens=max_tokens,
        temperature=TEMPERATURE,
    )
