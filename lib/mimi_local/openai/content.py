"""What the stand-in writes: JSON valid against the requested json_schema, keys in the schema's order.

For the `mimi_reading` schema the reply is a reading built from the cards in the system prompt (reading.py);
other schemas get a minimal valid instance.
"""

from __future__ import annotations

import json
from typing import Any

from mimi_local.openai.reading import mimi_reading

INVALID_JSON = '{"accepted": true, "header": "unterminated'


def schema_example(node: dict[str, Any], defs: dict[str, Any] | None = None) -> Any:
    """A minimal instance valid against a JSON schema (objects, arrays, scalars, enums, anyOf, refs)."""
    defs = {**(defs or {}), **node.get("$defs", {})}
    if "$ref" in node:
        return schema_example(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
    if "anyOf" in node:
        return schema_example(node["anyOf"][0], defs)
    if "enum" in node or "const" in node:
        return node["enum"][0] if "enum" in node else node["const"]
    kind = node.get("type", "object")
    kind = next((k for k in kind if k != "null"), "null") if isinstance(kind, list) else kind
    if kind == "object":
        return {k: schema_example(v, defs) for k, v in node.get("properties", {}).items()}
    if kind == "array":
        return [
            schema_example(node.get("items", {}), defs)
            for _ in range(max(1, node.get("minItems", 1)))
        ]
    scalars: dict[str, Any] = {
        "string": "stub",
        "integer": node.get("minimum", 0),
        "number": 0.0,
        "boolean": True,
        "null": None,
    }
    return scalars[kind]


def in_schema_order(value: Any, node: dict[str, Any]) -> Any:
    """The value with every object's keys in the order its schema lists them, as strict structured outputs
    write them (a streamed reply arrives in that order)."""
    if isinstance(value, list):
        return [in_schema_order(item, node.get("items", {})) for item in value]
    if not isinstance(value, dict):
        return value
    shape: dict[str, Any] = next(
        (n for n in [node, *node.get("anyOf", [])] if "properties" in n), {}
    )
    props: dict[str, Any] = shape.get("properties", {})
    order = [k for k in props if k in value] + [k for k in value if k not in props]
    return {k: in_schema_order(value[k], props.get(k, {})) for k in order}


def content(body: dict[str, Any], overlong: bool = False) -> str:
    """The assistant message content for a request, honouring its response_format."""
    messages = body["messages"]
    system = "\n".join(
        str(m.get("content", "")) for m in messages if m.get("role") in {"system", "developer"}
    )
    user = "\n".join(str(m.get("content", "")) for m in messages if m.get("role") == "user")
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        spec = fmt.get("json_schema", {})
        schema = spec.get("schema", {})
        value = (
            mimi_reading(system, user, overlong)
            if spec.get("name") == "mimi_reading"
            else schema_example(schema)
        )
        return json.dumps(in_schema_order(value, schema), ensure_ascii=False)
    if fmt.get("type") == "json_object":
        return "{}"
    return "สวัสดีค่ะ มีมี่เองค่ะ" if "LANGUAGE: en" not in system else "Hello, this is Mimi."
