"""OpenAI-compatible chat-completions clients, one per provider, kept while the Lambda is warm.

A provider's `timeout_s` is httpx's: the longest wait to connect, for the first byte and between two reads of a
stream, so a streamed reply that stalls fails after that long without a chunk."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TypedDict, cast

import openai
from openai import OpenAI, Stream
from openai.types.chat import ChatCompletion, ChatCompletionChunk, ChatCompletionMessageParam
from openai.types.shared_params import ResponseFormatJSONSchema

from mimi.agent.schema import response_format
from mimi.config import LlmProvider

TEMPERATURE = 0.8


class _Request(TypedDict):
    model: str
    messages: list[ChatCompletionMessageParam]
    response_format: ResponseFormatJSONSchema
    max_tokens: int
    temperature: float


class ProviderFailed(Exception):
    """One provider could not produce a usable reading; the next one is tried."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@contextmanager
def provider_errors() -> Iterator[None]:
    """Turn what the SDK raises while asking or streaming into ProviderFailed, with a reason for the logs."""
    try:
        yield
    except openai.APIStatusError as exc:
        status = exc.status_code
        reason = (
            "rate_limited"
            if status == 429
            else "server_error"
            if status >= 500
            else "request_refused"
        )
        raise ProviderFailed(reason, status) from exc
    except openai.APITimeoutError as exc:
        raise ProviderFailed("timeout") from exc
    except openai.APIConnectionError as exc:
        raise ProviderFailed("connection_error") from exc
    except openai.OpenAIError as exc:  # an error event inside a stream, among others
        raise ProviderFailed("client_error") from exc
    except ValueError as exc:  # a server-sent event whose data is not JSON
        raise ProviderFailed("invalid_stream") from exc


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
    return client_for(provider).chat.completions.create(**_request(provider, messages, max_tokens))


def stream(
    provider: LlmProvider, messages: list[dict[str, str]], max_tokens: int
) -> Stream[ChatCompletionChunk]:
    """The same structured completion, streamed, with the token usage in its last chunk; openai's errors raise
    unchanged (while opening, and while iterating)."""
    return client_for(provider).chat.completions.create(
        **_request(provider, messages, max_tokens),
        stream=True,
        stream_options={"include_usage": True},
    )


def _request(provider: LlmProvider, messages: list[dict[str, str]], max_tokens: int) -> _Request:
    """What every request to a provider carries: its model, the messages, the strict output schema."""
    return {
        "model": provider.model,
        "messages": cast(list[ChatCompletionMessageParam], messages),
        "response_format": cast(ResponseFormatJSONSchema, response_format()),
        "max_tokens": max_tokens,
        "temperature": TEMPERATURE,
    }
