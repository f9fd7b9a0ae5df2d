"""Functions in the public schema: catalog lookup, PostgREST's overload resolution, and the call as SQL."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection, sql

from mimi_local.gateway.errors import GatewayError

SCHEMA = "public"

_ROUTINES_SQL = """
select p.proname, p.proretset,
       p.prorettype = 'pg_catalog.void'::pg_catalog.regtype,
       (t.typtype = 'c' or p.prorettype = 'pg_catalog.record'::pg_catalog.regtype),
       p.pronargs - p.pronargdefaults,
       coalesce(p.proargnames, '{}'::text[]),
       coalesce(p.proargmodes::text[], '{}'::text[]),
       array(select pg_catalog.format_type(a.oid, null)
             from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) with ordinality as a(oid, i)
             order by a.i),
       p.provolatile
from pg_catalog.pg_proc p
join pg_catalog.pg_namespace n on n.oid = p.pronamespace
join pg_catalog.pg_type t on t.oid = p.prorettype
where n.nspname = %s and p.proname = %s and p.prokind = 'f'
"""


@dataclass(frozen=True)
class Param:
    """An input parameter: name, SQL type (from the catalog), whether it lacks a default."""

    name: str
    type: str
    required: bool


@dataclass(frozen=True)
class Routine:
    """What the gateway needs to know to call a function and shape its result."""

    name: str
    params: tuple[Param, ...]
    returns_set: bool
    returns_void: bool
    returns_composite: bool
    volatility: str = "v"  # pg_proc.provolatile: i(mmutable), s(table), v(olatile)

    @property
    def read_only(self) -> bool:
        """PostgREST runs STABLE and IMMUTABLE functions in a read-only transaction, whatever the method."""
        return self.volatility in ("i", "s")

    def accepts(self, keys: set[str]) -> bool:
        """PostgREST's match: every required parameter given, every given key a parameter."""
        names = {p.name for p in self.params}
        required = {p.name for p in self.params if p.required}
        return required <= keys <= names


async def find_routine(conn: AsyncConnection[Any], name: str, keys: set[str]) -> Routine:
    """The one function `public.<name>` callable with these argument names, else PGRST202 / PGRST203."""
    cur = await conn.execute(_ROUTINES_SQL, (SCHEMA, name))
    matches = [r for r in map(_routine, await cur.fetchall()) if r.accepts(keys)]
    if len(matches) > 1:
        candidates = ", ".join(
            f"{SCHEMA}.{r.name}({', '.join(f'{p.name} => {p.type}' for p in r.params)})"
            for r in matches
        )
        raise GatewayError(
            300,
            "PGRST203",
            f"Could not choose the best candidate function between: {candidates}",
            hint="Try renaming the parameters or the function itself in the database so function overloading "
            "can be resolved",
        )
    if not matches:
        raise _no_rpc(name, sorted(keys))
    return matches[0]


def _routine(row: tuple[Any, ...]) -> Routine:
    """A Routine from a catalog row, keeping only input (IN, INOUT, VARIADIC) parameters."""
    name, returns_set, returns_void, composite, n_required, names, modes, types, volatility = row
    params, position = [], 0
    for i, type_name in enumerate(types):
        if (modes[i] if modes else "i") in ("i", "b", "v"):
            params.append(
                Param(names[i] if i < len(names) else "", type_name, position < n_required)
            )
            position += 1
    return Routine(name, tuple(params), returns_set, returns_void, composite, str(volatility))


def _no_rpc(name: str, keys: list[str]) -> GatewayError:
    """PGRST202, worded as PostgREST words it."""
    func = f"{SCHEMA}.{name}"
    signature = f"({', '.join(keys)})" if keys else " without parameters"
    searched = (
        f" with parameter{'s' if len(keys) > 1 else ''} {', '.join(keys)}"
        if keys
        else " without parameters"
    )
    return GatewayError(
        404,
        "PGRST202",
        f"Could not find the function {func}{signature} in the schema cache",
        details=f"Searched for the function {func}{searched}, but no matches were found "
        "in the schema cache.",
    )


def call_source(routine: Routine, args: dict[str, Any]) -> tuple[sql.Composed, dict[str, Any]]:
    """`select ... from public.fn(name := value, ...)`, the JSON arguments typed by json_to_record."""
    given = [p for p in routine.params if p.name in args]
    fn = sql.Identifier(SCHEMA, routine.name)
    call_args = sql.SQL(", ").join(
        sql.SQL("{name} := _pgrst_args.{name}").format(name=sql.Identifier(p.name)) for p in given
    )
    target = sql.SQL("pgrst_call" if routine.returns_composite else "pgrst_call(pgrst_scalar)")
    columns = sql.SQL("pgrst_call.*" if routine.returns_composite else "pgrst_call.pgrst_scalar")
    if not given:
        return sql.SQL("select {cols} from {fn}() as {target}").format(
            cols=columns, fn=fn, target=target
        ), {}
    # Type names come from pg_catalog.format_type (already quoted there), never from the request.
    columns_def: list[sql.Composable] = [
        sql.SQL("{} {}").format(sql.Identifier(p.name), sql.SQL(p.type)) for p in given
    ]
    record = sql.SQL(", ").join(columns_def)
    query = sql.SQL(
        "select {cols} from pg_catalog.json_to_record({args}::json) as _pgrst_args({record}) "
        "cross join lateral {fn}({call_args}) as {target}"
    ).format(
        cols=columns,
        args=sql.Placeholder("pgrst_args"),
        record=record,
        fn=fn,
        call_args=call_args,
        target=target,
    )
    return query, {"pgrst_args": json.dumps({p.name: args[p.name] for p in given})}
