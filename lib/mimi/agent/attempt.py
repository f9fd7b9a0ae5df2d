"""One provider's attempt at a reading, streamed: a draft each time the visible reading changes, then the
validated final result. Any failure (an HTTP error, a cut or stalled stream, invalid JSON, a reply the schema
refuses, the deadline passing) raises ProviderFailed."""

import time
from collections.abc import Generator, Iterator
from typing import NamedTuple

from openai import Stream
from openai.types.chat import ChatCompletionChunk
from openai.types.completion_usage import CompletionUsage

from mimi.agent.client import ProviderFailed, provider_errors, stream
from mimi.agent.draft import ReadingDraft, partial_reply, reading_draft
from mimi.agent.output import AgentResult, align_cards, final_output
from mimi.agent.prompt import PROMPT_VERSION, Language, Spread
from mimi.config import LlmProvider
from mimi.readings.deck import DrawnCard


class Job(NamedTuple):
    """What every attempt at one reading shares: the messages, the drawn cards and when it must be done by."""

    messages: list[dict[str, str]]
    cards: list[DrawnCard]
    spread: Spread
    language: Language
    deadline: float | None  # time.monotonic() seconds; None: no deadline


class _Reply:
    """The streamed reply so far: content, refusal, finish reason, usage and model."""

    def __init__(self) -> None:
        self.content, self.refused = "", False
        self.finish_reason: str | None = None
        self.usage: CompletionUsage | None = None
        self.model = ""

    def add(self, chunk: ChatCompletionChunk) -> bool:
        """Take in one chunk; True when it added content."""
        self.model = chunk.model or self.model
        self.usage = chunk.usage or self.usage
        if not chunk.choices:
            return False
        choice = chunk.choices[0]
        self.finish_reason = choice.finish_reason or self.finish_reason
        self.refused = self.refused or bool(choice.delta.refusal)
        self.content += choice.delta.content or ""
        return bool(choice.delta.content)


def attempt(
    job: Job, provider: LlmProvider, number: int, max_tokens: int
) -> Generator[ReadingDraft, None, AgentResult]:
    """Stream one provider's reply: an empty draft first (the attempt has begun), then each new draft; the
    result once the reply is complete and valid."""
    reply, shown = _Reply(), ReadingDraft(attempt=number, provider=provider.name)
    yield shown
    with provider_errors():
        chunks = stream(provider, job.messages, max_tokens)
    with chunks:
        for chunk in _chunks(chunks):
            if not reply.add(chunk) or reply.refused:
                continue
            if job.deadline is not None and time.monotonic() > job.deadline:
                raise ProviderFailed("deadline")  # still writing past it (a finished reply is kept)
            draft = reading_draft(partial_reply(reply.content), shown, job.cards, job.spread)
            if draft != shown:
                shown = draft
                yield draft.model_copy(update={"received": len(reply.content)})
    return _result(reply, job, provider, number)


def _chunks(chunks: Stream[ChatCompletionChunk]) -> Iterator[ChatCompletionChunk]:
    """The stream's chunks, with what the SDK raises while reading them as ProviderFailed."""
    iterator = iter(chunks)
    while True:
        with provider_errors():
            chunk = next(iterator, None)
        if chunk is None:
            return
        yield chunk


def _result(reply: _Reply, job: Job, provider: LlmProvider, number: int) -> AgentResult:
    """The validated final reading of a complete reply, with its usage."""
    output = final_output(
        reply.content,
        refused=reply.refused,
        finish_reason=reply.finish_reason,
        language=job.language,
    )
    usage = reply.usage
    return AgentResult(
        output=align_cards(output, job.cards, job.spread, job.language),
        provider=provider.name,
        model=reply.model or provider.model,
        prompt_tokens=usage.prompt_tokens if usage else 0,
        completion_tokens=usage.completion_tokens if usage else 0,
        prompt_version=PROMPT_VERSION,
        attempt=number,
    )
