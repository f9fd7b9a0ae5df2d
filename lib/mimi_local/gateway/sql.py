"""Compile a parsed read into one SQL statement: the JSON body, the page size and (optionally) the total."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, LiteralString

from psycopg import sql

from mimi_local.gateway.query import IS_VALUES, SIMPLE_OPS, Filter, OrderTerm, ReadQuery

_NULLS: dict[str, LiteralString] = {"first": " nulls first", "last": " nulls last"}


@dataclass(frozen=True)
class Shape:
    """How rows become the JSON body: objects or bare scalars, an array or a single value."""

    many: bool = True
    scalar: bool = False


@dataclass(frozen=True)
class Statement:
    """SQL plus its named parameters."""

    query: sql.Composed
    params: dict[str, Any]


def compile_read(
    read: ReadQuery,
    source: sql.Composable,
    shape: Shape,
    *,
    with_count: bool,
    prelude: sql.Composable = sql.SQL(""),
) -> Statement:
    """`select body, page_rows, total` over `source`, which is a table name or a CTE name."""
    params: dict[str, Any] = {}
    where = _where(read.filters, params)
    window = _window(read, params)
    page = sql.SQL("select {cols} from {src} as _pgrst_src{where}{order}{window}").format(
        cols=_columns(read, shape), src=source, where=where, order=_order(read.order), window=window
    )
    total: sql.Composable = sql.SQL("null::bigint")
    if with_count:
        total = sql.SQL("(select pg_catalog.count(*) from {src} as _pgrst_src{where})").format(
            src=source, where=where
        )
    outer = sql.SQL(
        "{prelude}select {body}::text, pg_catalog.count(*), {total} from ({page}) as _pgrst_t"
    )
    return Statement(
        outer.format(prelude=prelude, body=_body(shape), total=total, page=page), params
    )


def _body(shape: Shape) -> sql.Composable:
    """json_agg of the page, as an array or its first element."""
    item = sql.SQL("_pgrst_t.pgrst_scalar" if shape.scalar else "_pgrst_t")
    if shape.many:
        return sql.SQL("coalesce(pg_catalog.json_agg({item}), '[]')").format(item=item)
    return sql.SQL("coalesce(pg_catalog.json_agg({item}) -> 0, 'null')").format(item=item)


def _columns(read: ReadQuery, shape: Shape) -> sql.Composable:
    """The projection: `*`, the chosen columns with their output names, or the scalar column."""
    if shape.scalar:
        return sql.SQL("pgrst_scalar")
    if read.select is None:
        return sql.SQL("*")
    items: list[sql.Composable] = [
        sql.SQL("{} as {}").format(sql.Identifier(column), sql.Identifier(alias))
        for alias, column in read.select
    ]
    return sql.SQL(", ").join(items)


def _where(filters: list[Filter], params: dict[str, Any]) -> sql.Composable:
    """` where a and b ...`, the values bound as untyped parameters so Postgres infers each column's type."""
    if not filters:
        return sql.SQL("")
    conditions = [_condition(f, f"f{i}", params) for i, f in enumerate(filters)]
    return sql.SQL(" where ") + sql.SQL(" and ").join(conditions)


def _condition(flt: Filter, name: str, params: dict[str, Any]) -> sql.Composable:
    """One filter as SQL."""
    column = sql.Identifier(flt.column)
    if flt.op == "is":
        cond = sql.SQL("{} is " + IS_VALUES[flt.values[0]]).format(column)
    elif flt.op == "in":
        names = [f"{name}_{i}" for i in range(len(flt.values))]
        params.update(zip(names, flt.values, strict=True))
        cond = sql.SQL("{} in ({})").format(column, sql.SQL(", ").join(map(sql.Placeholder, names)))
    else:
        params[name] = flt.values[0]
        cond = sql.SQL("{} " + SIMPLE_OPS[flt.op] + " {}").format(column, sql.Placeholder(name))
    return sql.SQL("not ({})").format(cond) if flt.negate else cond


def _order(terms: list[OrderTerm]) -> sql.Composable:
    """` order by ...`."""
    if not terms:
        return sql.SQL("")
    parts = [
        sql.SQL("{}{}{}").format(
            sql.Identifier(t.column),
            sql.SQL(" desc" if t.desc else " asc"),
            sql.SQL(_NULLS.get(t.nulls or "", "")),
        )
        for t in terms
    ]
    return sql.SQL(" order by ") + sql.SQL(", ").join(parts)


def _window(read: ReadQuery, params: dict[str, Any]) -> sql.Composable:
    """` limit ... offset ...`."""
    params["pgrst_offset"] = read.offset
    if read.limit is None:
        return sql.SQL(" offset {}").format(sql.Placeholder("pgrst_offset"))
    params["pgrst_limit"] = read.limit
    return sql.SQL(" limit {} offset {}").format(
        sql.Placeholder("pgrst_limit"), sql.Placeholder("pgrst_offset")
    )
