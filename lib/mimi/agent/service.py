"""Run one reading through the configured LLM providers in order, falling back on any provider failure."""

import logging
import time

import openai
from openai.types.chat import ChatCompletion
from pydantic import ConfigDict, ValidationError

from mimi.agent.client import complete
from mimi.agent.prompt import PROMPT_VERSION, FollowUp, Language, Spread, build_messages
from mimi.agent.schema import Analysis, CardReading, ReadingOutput, Rejection
from mimi.config import LlmProvider, get_settings
from mimi.errors import ServiceUnavailable
from mimi.logs import log
from mimi.model import Model
from mimi.readings.deck import DrawnCard

# Bigger spreads write a card entry each and a longer reading, so they get more room to finish their JSON.
DEEP_TOKEN_FACTOR = 1.5  # four to six cards
LARGE_TOKEN_FACTOR = 2.5  # seven to ten cards

REFUSAL = {
    "th": Rejection(
        reason="ขออภัยนะคะ คำถามนี้มีมี่ไม่สามารถดูไพ่ให้ได้ค่ะ",
        suggested_question="ช่วงนี้ฉันควรโฟกัสเรื่องอะไรเพื่อให้ชีวิตดีขึ้น",
    ),
    "en": Rejection(
        reason="I'm sorry, Mimi can't read the cards for this question.",
        suggested_question="What should I focus on right now to move my life forward?",
    ),
}


class LlmUnavailable(ServiceUnavailable):
    status, code, title = 503, "llm_unavailable", "Reading service unavailable"


class AgentResult(Model):
    """A parsed reading and where it came from: provider, model, token usage and prompt version."""

    model_config = ConfigDict(frozen=True)

    output: ReadingOutput
    provider: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    prompt_version: str


class ProviderFailed(Exception):
    """One provider could not produce a usable reading; the next one is tried."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def run_reading(
    question: str,
    language: Language,
    cards: list[DrawnCard],
    spread: Spread,
    *,
    follow_up: FollowUp | None = None,
    max_tokens: int | None = None,
) -> AgentResult:
    """One reading from the first provider that answers with valid output; LlmUnavailable if none does.

    max_tokens caps the output below the provider's own cap (the daily card's smaller budget)."""
    if len(cards) != len(spread.positions):
        raise ValueError(
            f"a {spread.id} reading takes {len(spread.positions)} cards, not {len(cards)}"
        )
    messages = build_messages(question, cards, language, spread, follow_up)
    providers = get_settings().llm_providers
    for provider in providers:
        started = time.monotonic()
        try:
            result = _attempt(
                provider,
                messages,
                cards,
                spread,
                language,
                token_cap(provider, len(cards), max_tokens),
            )
        except ProviderFailed as exc:
            level = logging.ERROR if exc.reason == "request_refused" else logging.WARNING
            log(
                "llm_provider_failed",
                level,
                provider=provider.name,
                model=provider.model,
                reason=exc.reason,
                status=exc.status,
                duration_ms=_ms(started),
            )
            continue
        log(
            "llm_reading",
            provider=provider.name,
            model=result.model,
            prompt_version=PROMPT_VERSION,
            prompt_tokens=result.prompt_tokens,
            completion_tokens=result.completion_tokens,
            accepted=result.output.accepted,
            duration_ms=_ms(started),
        )
        return result
    log("llm_unavailable", logging.ERROR, providers=len(providers))
    raise LlmUnavailable("No language model provider could write the reading; try again later.")


def token_cap(provider: LlmProvider, n_cards: int, limit: int | None = None) -> int:
    """The output budget of one call: the provider's cap, grown for bigger spreads, never above `limit`."""
    factor = 1.0 if n_cards <= 3 else DEEP_TOKEN_FACTOR if n_cards <= 6 else LARGE_TOKEN_FACTOR
    cap = int(provider.max_tokens * factor)
    return min(cap, limit) if limit else cap


def _attempt(
    provider: LlmProvider,
    messages: list[dict[str, str]],
    cards: list[DrawnCard],
    spread: Spread,
    language: Language,
    max_tokens: int,
) -> AgentResult:
    """Ask one provider and parse its reply."""
    completion = _call(provider, messages, max_tokens)
    output = _align_cards(_parse(completion, language), cards, spread, language)
    usage = completion.usage
    return AgentResult(
        output=output,
        provider=provider.name,
        model=completion.model or provider.model,
        prompt_tokens=usage.prompt_tokens if usage else 0,
        completion_tokens=usage.completion_tokens if usage else 0,
        prompt_version=PROMPT_VERSION,
    )


def _call(provider: LlmProvider, messages: list[dict[str, str]], max_tokens: int) -> ChatCompletion:
    """The raw completion, with every SDK error turned into ProviderFailed."""
    try:
        return complete(provider, messages, max_tokens)
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
    except openai.OpenAIError as exc:
        raise ProviderFailed("client_error") from exc


def _parse(completion: ChatCompletion, language: Language) -> ReadingOutput:
    """The ReadingOutput in a completion; a model-side refusal counts as a refused question."""
    if not completion.choices:
        raise ProviderFailed("empty_response")
    choice = completion.choices[0]
    if choice.message.refusal:
        return _refused(language)
    if choice.finish_reason == "length":
        raise ProviderFailed("truncated_output")
    try:
        return ReadingOutput.model_validate_json(_unfence(choice.message.content or ""))
    except ValidationError as exc:
        raise ProviderFailed("invalid_output") from exc


def _unfence(content: str) -> str:
    """The JSON inside a ```json fence, as some non-strict providers wrap it."""
    text = content.strip()
    if text.startswith("```"):
        text = text.split("\n", 1)[-1].rsplit("```", 1)[0]
    return text


def _refused(language: Language) -> ReadingOutput:
    """A refused reading for when the model itself declines to answer."""
    return ReadingOutput(
        accepted=False,
        rejection=REFUSAL[language],
        analysis=Analysis(mood="", topic="", period=""),
        header="",
        cards=[],
        reading="",
        suggestions=[],
        next_questions=[],
        final="",
        end="",
        notice="",
    )


def _align_cards(
    output: ReadingOutput, cards: list[DrawnCard], spread: Spread, language: Language
) -> ReadingOutput:
    """One card entry per drawn card, in drawing order, with our ids, positions and orientations.

    The model's meaning is kept only when it named the card in the orientation drawn; otherwise (a missing card,
    or one read the wrong way up) the deck's meaning for the drawn orientation stands in."""
    if not output.accepted:
        return output.model_copy(update={"cards": []})
    said = {(entry.card_id, entry.orientation): entry.meaning for entry in output.cards}
    missing = [d.card.id for d in cards if not said.get((d.card.id, d.orientation))]
    if missing:
        log("llm_cards_mismatch", logging.WARNING, missing=len(missing))
    aligned = [
        CardReading(
            card_id=d.card.id,
            position=pos.key,
            orientation=d.orientation,
            meaning=said.get((d.card.id, d.orientation)) or d.meaning(language),
        )
        for d, pos in zip(cards, spread.positions, strict=True)
    ]
    return output.model_copy(update={"cards": aligned})


def _ms(started: float) -> int:
    """Milliseconds since a monotonic start."""
    return int((time.monotonic() - started) * 1000)
