"""OpenAI stand-in: chat completions answering with JSON valid against the requested json_schema."""

from mimi_local.openai.app import REJECT_MARKER, StubControls, build_app, schema_example

__all__ = ["REJECT_MARKER", "StubControls", "build_app", "schema_example"]
