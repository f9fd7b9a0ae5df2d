"""OpenAI stand-in: chat completions answering with JSON valid against the requested json_schema, whole or
streamed as server-sent events at a chosen pace, with test controls for failures and stream faults."""

from mimi_local.openai.app import build_app
from mimi_local.openai.content import schema_example
from mimi_local.openai.controls import Fault, Pace, StubControls
from mimi_local.openai.reading import REJECT_MARKER

__all__ = ["REJECT_MARKER", "Fault", "Pace", "StubControls", "build_app", "schema_example"]
