"""The reading agent's structured output: pydantic models, length caps and the strict JSON schema for the LLM."""

from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, ConfigDict, Field, model_validator

from mimi.model import Model

SCHEMA_NAME = "mimi_reading"
LIST_SIZE = 3
MAX_CARDS = 10  # the largest spread (celtic_cross)


def _cap(limit: int) -> AfterValidator:
    """A validator that trims a string and cuts it to `limit` characters, ending with an ellipsis."""

    def cut(value: str) -> str:
        value = value.strip()
        return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"

    return AfterValidator(cut)


def _first(n: int) -> AfterValidator:
    """A validator that keeps the first n items of a list."""
    return AfterValidator(lambda items: items[:n])


Short = Annotated[str, _cap(100)]


class _Out(Model):
    model_config = ConfigDict(extra="ignore")


class Rejection(_Out):
    """Why a question was refused, and a better question to ask instead."""

    reason: Annotated[
        str, _cap(500), Field(description="Kind one or two sentences on why, in the language.")
    ]
    suggested_question: Annotated[
        str, _cap(500), Field(description="One better question Mimi could read.")
    ]


class Analysis(_Out):
    """What the question is about: mood, topic and time frame."""

    mood: Annotated[Short, Field(description="The feeling behind the question, a few words.")]
    topic: Annotated[Short, Field(description="What the question is about, a few words.")]
    period: Annotated[Short, Field(description="The time frame the question concerns.")]


class CardReading(_Out):
    """What one drawn card says in its position."""

    card_id: Annotated[str, _cap(64), Field(description="The card id exactly as listed.")]
    position: Annotated[str, _cap(32), Field(description="The position key exactly as listed.")]
    orientation: Annotated[Literal["upright", "reversed"], Field(description="Exactly as listed.")]
    meaning: Annotated[
        str, _cap(600), Field(description="One or two sentences for this card here.")
    ]


class ReadingOutput(_Out):
    """One LLM reply: the accept/refuse decision, the reading itself, then the analysis.

    The fields are in the order the model writes them and a streamed reply arrives: the decision first (so a
    refusal never shows reading text), then what the user reads first (the header, each card, the reading), then
    the rest."""

    accepted: Annotated[bool, Field(description="False when the question must be refused.")]
    rejection: Annotated[Rejection | None, Field(description="Null when accepted.")]
    header: Annotated[str, _cap(200), Field(description="A short warm opening line.")]
    cards: Annotated[
        list[CardReading],
        _first(MAX_CARDS),
        Field(description="One entry per drawn card, in order."),
    ]
    reading: Annotated[str, _cap(4000), Field(description="The main reading.")]
    suggestions: Annotated[
        list[Annotated[str, _cap(300)]],
        _first(LIST_SIZE),
        Field(description="Exactly 3 pieces of advice."),
    ]
    next_questions: Annotated[
        list[Annotated[str, _cap(200)]],
        _first(LIST_SIZE),
        Field(description="Exactly 3 follow-up questions."),
    ]
    final: Annotated[str, _cap(600), Field(description="One or two sentences summing up.")]
    end: Annotated[str, _cap(300), Field(description="A short warm closing.")]
    notice: Annotated[str, _cap(300), Field(description="A short disclaimer.")]
    analysis: Analysis

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        """An accepted reading is complete; a refusal says why."""
        if not self.accepted:
            if self.rejection is None:
                raise ValueError("a refused question needs a rejection")
            return self
        self.rejection = None
        if len(self.suggestions) < LIST_SIZE or len(self.next_questions) < LIST_SIZE:
            raise ValueError(
                f"an accepted reading needs {LIST_SIZE} suggestions and {LIST_SIZE} next questions"
            )
        if not self.reading:
            raise ValueError("an accepted reading needs a reading")
        return self


def strict_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A pydantic JSON schema made fit for OpenAI strict mode: refs inlined, every property required, closed."""
    defs: dict[str, Any] = schema.get("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            return walk(defs[node["$ref"].rsplit("/", 1)[-1]])
        out = {k: walk(v) for k, v in node.items() if k not in {"$defs", "title", "default"}}
        if out.get("type") == "object":
            out["required"] = list(out.get("properties", {}))
            out["additionalProperties"] = False
        return out

    result: dict[str, Any] = walk(schema)
    return result


READING_JSON_SCHEMA: dict[str, Any] = strict_schema(ReadingOutput.model_json_schema())


def response_format() -> dict[str, Any]:
    """The chat-completions `response_format` asking for a ReadingOutput in strict JSON-schema mode."""
    return {
        "type": "json_schema",
        "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": READING_JSON_SCHEMA},
    }
