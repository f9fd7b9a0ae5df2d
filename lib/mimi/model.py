"""Model: the base of every pydantic model in mimi, whose validator is built on first use, not at import.

A function's modules declare the models of all its routes, but a cold start serves one request: building every
model's schema and validator while importing was about 3 % of readings' cold start (47 M instructions). With
defer_build the first validation or dump of a model builds it (once per process); a model that is never used
costs only its class.

A field's default_factory is a lambda, never a builtin such as `list`: pydantic reads a builtin's signature by
tokenizing its text, and the first time compiles tokenize's patterns (a few ms of a cold start).
"""

from typing import Any

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """A pydantic BaseModel built on first use (subclasses add their own config to this one)."""

    model_config = ConfigDict(defer_build=True)


def one_change_at_least(schema: dict[str, Any], model: type) -> None:
    """json_schema_extra of an edit whose fields are all optional: the document says at least one of them is sent
    and not null (a `reason` beside them does not count), as the API refuses an edit that changes nothing."""
    options = []
    for name, prop in schema.get("properties", {}).items():
        kinds = [kind for kind in prop.get("anyOf", []) if kind.get("type") != "null"]
        if name != "reason" and len(kinds) == 1:
            options.append({"required": [name], "properties": {name: kinds[0]}})
    schema["anyOf"] = options
