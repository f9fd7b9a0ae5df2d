"""Where a mutant applies: the SQL function, SQL statement or Python function it names, in today's sources."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

Edit = tuple[str, str]
_DOLLAR = re.compile(r"\$([A-Za-z_]*)\$")


class Stale(Exception):
    """The mutant no longer matches the code (renamed, moved or rewritten): an error, not a survivor."""


@dataclass(frozen=True)
class Mutant:
    """One planted bug: where (kind + target), what (edits, each replaced inside the target only) and why."""

    name: str
    kind: str  # "sql-function" | "sql-statement" | "sql-append" | "python"
    # "private.spend" (or "private.begin_op(p_key text, p_user uuid, p_kind text)" for one overload)
    # | 'create policy "..."' | "public.users" (sql-append) | "lib/mimi/auth/tokens.py:verify_access_token"
    target: str
    edits: tuple[Edit, ...]
    bug: str
    kills: tuple[str, ...]  # pytest node ids expected to catch it, cheapest first


@dataclass(frozen=True)
class Applied:
    path: Path
    original: str
    mutated: str


def _migrations(root: Path) -> list[Path]:
    return sorted((root / "sql" / "migrations").glob("*.sql"))


def sql_function_span(root: Path, qualified: str) -> tuple[Path, int, int]:
    """The text of the LAST migration's `create [or replace] function schema.name(` up to its closing $$.

    `schema.name(arguments)` picks one overload: its argument list as the migration spells it."""
    qualified, _, arguments = qualified.partition("(")
    schema, name = qualified.split(".")
    overload = re.escape(f"{arguments}") if arguments else ""
    head = re.compile(
        rf"create\s+(?:or\s+replace\s+)?function\s+{schema}\.{name}\s*\({overload}", re.IGNORECASE
    )
    drop = re.compile(rf"drop\s+function\s+(?:if\s+exists\s+)?{schema}\.{name}\b", re.IGNORECASE)
    found: tuple[Path, int] | None = None
    for path in _migrations(root):
        text = path.read_text()
        for match in head.finditer(text):
            found = (path, match.start())
        if found and found[0] != path and drop.search(text):
            found = None  # dropped by a later migration
    if found is None:
        raise Stale(f"no migration defines {qualified}")
    path, start = found
    text = path.read_text()
    opening = _DOLLAR.search(text, start)
    if opening is None:
        raise Stale(f"{qualified} in {path.name} has no $$ body")
    closing = text.find(opening.group(0), opening.end())
    return path, start, closing + len(opening.group(0))


def sql_statement_span(root: Path, prefix: str) -> tuple[Path, int, int]:
    """The LAST migration statement starting with prefix, up to its semicolon."""
    found = [
        (path, path.read_text().rfind(prefix))
        for path in _migrations(root)
        if prefix in path.read_text()
    ]
    if not found:
        raise Stale(f"no migration has a statement starting {prefix!r}")
    path, start = found[-1]
    return path, start, path.read_text().index(";", start) + 1


def sql_append_span(root: Path, name: str) -> tuple[Path, int, int]:
    """The end of the LAST migration that names the object: where a later grant on it would be written.

    Privileges are revoked twice over (each object's own revoke, then 0012's bulk revokes and closed defaults),
    so weakening one revoke changes nothing; the bug that still matters is a later statement granting it back."""
    mention = re.compile(rf"{re.escape(name)}\b")
    found = [path for path in _migrations(root) if mention.search(path.read_text())]
    if not found:
        raise Stale(f"no migration names {name}")
    end = len(found[-1].read_text())
    return found[-1], end, end


def python_function_span(root: Path, target: str) -> tuple[Path, int, int]:
    """The lines of `def name` (or `Class.name`) in the file, found with ast."""
    relative, qualname = target.split(":")
    path = root / relative
    if not path.exists():
        raise Stale(f"{relative} does not exist")
    text = path.read_text()
    lines = text.splitlines(keepends=True)
    for node in _functions(ast.parse(text), ""):
        if node[0] == qualname:
            start = sum(len(line) for line in lines[: node[1] - 1])
            return path, start, sum(len(line) for line in lines[: node[2]])
    raise Stale(f"no def {qualname} in {relative}")


def _functions(tree: ast.AST, prefix: str) -> list[tuple[str, int, int]]:
    found = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.append((prefix + node.name, node.lineno, node.end_lineno or node.lineno))
        if isinstance(node, ast.ClassDef):
            found += _functions(node, f"{prefix}{node.name}.")
    return found


SPANS = {
    "sql-function": sql_function_span,
    "sql-statement": sql_statement_span,
    "sql-append": sql_append_span,
    "python": python_function_span,
}


def apply(root: Path, mutant: Mutant) -> Applied:
    """The mutated file's text; Stale when a search text is not inside the target any more.

    An sql-append mutant's span is empty, so its one edit ("", statement) inserts the statement there."""
    path, start, end = SPANS[mutant.kind](root, mutant.target)
    original = path.read_text()
    body = original[start:end]
    for search, replace in mutant.edits:
        if search not in body:
            raise Stale(f"{search!r} is not in {mutant.target} ({path.relative_to(root)})")
        body = body.replace(search, replace)
    mutated = original[:start] + body + original[end:]
    if mutant.kind == "python":
        try:
            ast.parse(mutated)
        except SyntaxError as exc:
            raise Stale(f"the mutated {path.name} does not parse: {exc}") from None
    return Applied(path, original, mutated)
