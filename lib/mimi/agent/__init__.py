"""Mimi's reading agent: one structured LLM call that vets the question, analyses it and writes the reading."""

from mimi.agent.cost import cost_usd
from mimi.agent.prompt import PROMPT_VERSION, FollowUp, Position, Spread
from mimi.agent.schema import ReadingOutput
from mimi.agent.service import AgentResult, LlmUnavailable, run_reading

__all__ = [
    "PROMPT_VERSION",
    "AgentResult",
    "FollowUp",
    "LlmUnavailable",
    "Position",
    "ReadingOutput",
    "Spread",
    "cost_usd",
    "run_reading",
]
