"""Mimi's reading agent: one structured LLM call, streamed, that vets the question and writes the reading."""

from mimi.agent.cost import cost_usd
from mimi.agent.draft import ReadingDraft
from mimi.agent.output import AgentResult
from mimi.agent.prompt import PROMPT_VERSION, FollowUp, Position, Spread
from mimi.agent.schema import ReadingOutput
from mimi.agent.service import LlmUnavailable, run_reading, stream_reading

__all__ = [
    "PROMPT_VERSION",
    "AgentResult",
    "FollowUp",
    "LlmUnavailable",
    "Position",
    "ReadingDraft",
    "ReadingOutput",
    "Spread",
    "cost_usd",
    "run_reading",
    "stream_reading",
]
