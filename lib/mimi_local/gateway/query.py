"""PostgREST query-string grammar (the subset used here): select, filters, order, limit/offset, Range."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import LiteralString

from mimi_local.gateway.errors import GatewayError, not_supported, query_param_error

SIMPLE_OPS: dict[str, LiteralString] = {
    "eq": "=",
    "neq": "<>",
    "lt": "<",
    "lte": "<=",
    "gt": ">",
    "gte": ">=",
}
IS_VALUES: dict[str, LiteralString] = {
    "null": "null",
    "not_null": "not null",
    "true": "true",
    "false": "false",
    "unknown": "unknown",
}
# PostgREST operators this gateway does not implement: answered with 501 rather than a parse error.
KNOWN_OPS = {
    "like",
    "ilike",
    "match",
    "imatch",
    "fts",
    "plfts",
    "phfts",
    "wfts",
    "cs",
    "cd",
    "ov",
    "sl",
    "sr",
    "nxr",
    "nxl",
    "adj",
    "isdistinct",
}
RESERVED = {"select", "columns", "on_conflict", "order", "limit", "offset"}
_OP_RE = re.compile(r"^(not\.)?([a-z_]+)(\((?:any|all)\))?\.(.*)$", re.DOTALL)


@dataclass(frozen=True)
class Filter:
    """One `column=op.value` condition."""

    column: str
    op: str
    values: tuple[str, ...]
    negate: bool = False


@dataclass(frozen=True)
class OrderTerm:
    """One `column.desc.nullslast` ordering term."""

    column: str
    desc: bool = False
    nulls: str | None = None


@dataclass
class ReadQuery:
    """A parsed read: projection, filters, ordering and the row window."""

    select: list[tuple[str, str]] | None = None  # (output name, column); None is `*`
    filters: list[Filter] = field(default_factory=list)
    order: list[OrderTerm] = field(default_factory=list)
    offset: int = 0
    limit: int | None = None


def parse_read_query(
    params: list[tuple[str, str]], *, rpc_read: bool = False
) -> tuple[ReadQuery, dict[str, str]]:
    """The read query, plus (for GET /rpc) the parameters that are function arguments rather than filters."""
    query, args = ReadQuery(), {}
    for key, value in params:
        if key in ("and", "or") or key.endswith((".and", ".or")):
            raise not_supported(f"logical filter '{key}'")
        if key.split(".")[-1] in RESERVED and key not in RESERVED:
            raise not_supported(f"embedded resource parameter '{key}'")
        if key == "select":
            query.select = parse_select(value)
        elif key == "order":
            query.order = parse_order(value)
        elif key in ("limit", "offset"):
            _apply_window(query, key, value)
        elif key not in RESERVED:
            parsed = parse_filter(key, value, lenient=rpc_read)
            if parsed is None:
                args[key] = value
            else:
                query.filters.append(parsed)
    return query, args


def _apply_window(query: ReadQuery, key: str, value: str) -> None:
    """limit / offset; like PostgREST, values that are not integers are ignored."""
    if not re.fullmatch(r"-?\d+", value):
        return
    number = int(value)
    if key == "offset":
        query.offset = max(number, 0)
    elif number < 0:
        raise GatewayError(
            416,
            "PGRST103",
            "Requested range not satisfiable",
            details="Limit should be greater than or equal to zero.",
        )
    else:
        query.limit = number


def apply_range_header(query: ReadQuery, header: str | None) -> None:
    """Intersect the `Range: first-last` request header with limit/offset."""
    match = re.fullmatch(r"\s*(?:items=)?(\d+)-(\d*)\s*", header or "")
    if match is None:
        return
    first, last = int(match.group(1)), int(match.group(2)) if match.group(2) else None
    if last is not None and last < first:
        raise GatewayError(
            416,
            "PGRST103",
            "Requested range not satisfiable",
            details=(
                "The lower boundary must be lower than or equal to the upper boundary in the Range header."
            ),
        )
    upper = None if query.limit is None else query.offset + query.limit - 1
    uppers = [u for u in (upper, last) if u is not None]
    query.offset = max(query.offset, first)
    query.limit = max(min(uppers) - query.offset + 1, 0) if uppers else None


def parse_select(value: str) -> list[tuple[str, str]] | None:
    """`a,b,alias:c` or `*`; embedding, casts, json paths and aggregates are not supported."""
    items = [item.strip() for item in split_top_level(value)]
    if items == ["*"] or value == "":
        return None
    selected: list[tuple[str, str]] = []
    for item in items:
        if any(token in item for token in ("(", "->", "::", "...", "!")):
            raise not_supported(f"select item '{item}' (embedding, casts, JSON paths, aggregates)")
        if item == "*":
            raise not_supported("'*' combined with other select items")
        alias, _, column = item.rpartition(":") if not item.startswith('"') else ("", "", item)
        column = unquote(column)
        if not column:
            raise query_param_error(
                f'"failed to parse select parameter ({value})"', "empty column name"
            )
        selected.append((unquote(alias) or column, column))
    return selected


def parse_order(value: str) -> list[OrderTerm]:
    """`col`, `col.asc`, `col.desc`, each optionally `.nullsfirst` / `.nullslast`."""
    terms: list[OrderTerm] = []
    for item in split_top_level(value):
        column, *modifiers = item.strip().split(".")
        directions = [m for m in modifiers if m in ("asc", "desc")]
        nulls = [m for m in modifiers if m in ("nullsfirst", "nullslast")]
        if "(" in column or "->" in column:
            raise not_supported(f"order term '{item}' (only plain columns)")
        valid = (
            len(directions) <= 1
            and len(nulls) <= 1
            and len(directions) + len(nulls) == len(modifiers)
        )
        if not column or not valid:
            raise query_param_error(
                f'"failed to parse order ({value})"',
                'expecting "asc", "desc", "nullsfirst" or "nullslast"',
            )
        terms.append(
            OrderTerm(unquote(column), directions == ["desc"], nulls[0][5:] if nulls else None)
        )
    return terms


def parse_filter(key: str, value: str, *, lenient: bool = False) -> Filter | None:
    """A filter, or None when lenient (GET /rpc) and the value is a plain argument."""
    match = _OP_RE.match(value)
    op = match.group(2) if match else None
    if match is None or op not in {*SIMPLE_OPS, "is", "in", *KNOWN_OPS}:
        if lenient:
            return None
        raise query_param_error(
            f'"failed to parse filter ({value})" (line 1, column 1)',
            'unexpected input, expecting "not" or operator (eq, gt, ...)',
        )
    column = unquote(key)
    if op in KNOWN_OPS or match.group(3) or "->" in key or ("." in key and not key.startswith('"')):
        raise not_supported(
            f"filter '{key}={value}' (supported: eq, neq, lt, lte, gt, gte, is, in, not.)"
        )
    negate, operand = bool(match.group(1)), match.group(4)
    if op == "is":
        if operand.lower() not in IS_VALUES:
            raise query_param_error(
                f'"failed to parse filter ({value})"',
                "expecting null, not_null, true, false or unknown",
            )
        return Filter(column, "is", (operand.lower(),), negate)
    if op == "in":
        return Filter(column, "in", _parse_list(value, operand), negate)
    return Filter(column, op, (operand,), negate)


def _parse_list(value: str, operand: str) -> tuple[str, ...]:
    """The elements of `(a,"b,c",d)`."""
    if not (operand.startswith("(") and operand.endswith(")")):
        raise query_param_error(f'"failed to parse filter ({value})"', 'expecting "(" ... ")"')
    return tuple(unquote(item) for item in split_top_level(operand[1:-1]))


def split_top_level(value: str) -> list[str]:
    """Split on commas outside double quotes and parentheses."""
    parts: list[str] = []
    current: list[str] = []
    depth, quoted, escaped = 0, False, False
    for char in value:
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif not quoted and char in "()":
            depth += 1 if char == "(" else -1
        elif char == "," and not quoted and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def unquote(value: str) -> str:
    """Strip PostgREST double quotes (with backslash escapes) from a name or list element."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value
