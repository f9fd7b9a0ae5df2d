"""What README.md and docs/*.md name exists: settings, make targets, repository paths, sections and anchors."""

from __future__ import annotations

import json
import re
from pathlib import Path

from mimi.config import Settings

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = [README, *sorted((ROOT / "docs").glob("*.md"))]
# named in the README as what a command writes, git-ignored, so absent from a clean clone
GENERATED = {"tests/bench/results/"}
# where a file may point a reader at a README section (README "Section")
POINTERS = [
    "Makefile",
    "serverless.yml",
    ".ci/run",
    "*.md",
    "docs",
    "lib",
    "functions",
    "tests",
    ".github",
]


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def section(markdown: str, heading: str) -> str:
    """The body of a `## heading` section, up to the next heading of that level."""
    start = markdown.index(f"\n## {heading}\n")
    end = markdown.find("\n## ", start + 1)
    return markdown[start : end if end > 0 else None]


def headings(markdown: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(r"^#{1,6} (.+)$", markdown, re.M)]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def code_spans(markdown: str) -> list[str]:
    """Inline code, and each line of every fenced block."""
    fenced = re.findall(r"^```[^\n]*\n(.*?)^```$", markdown, re.M | re.S)
    inline = re.findall(r"`([^`\n]+)`", re.sub(r"^```.*?^```$", "", markdown, flags=re.M | re.S))
    return inline + [line for block in fenced for line in block.splitlines()]


def settings_table() -> set[str]:
    rows = section(text(README), "Settings").splitlines()
    cells = [row.split("|")[1] for row in rows if row.startswith("| `")]
    return {name for cell in cells for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cell)}


def environment_read_by_the_code() -> set[str]:
    """Every Settings field, and every variable lib/mimi or a function reads from os.environ itself."""
    fields = {name.upper() for name in Settings.model_fields if name != "given"}
    read = re.compile(r"os\.(?:environ\.get\(|environ\[|getenv\()\s*\"([A-Z0-9_]+)\"")
    sources = [*(ROOT / "lib" / "mimi").rglob("*.py"), *(ROOT / "functions").rglob("*.py")]
    return fields | {name for path in sources for name in read.findall(text(path))}


def test_the_settings_table_lists_exactly_the_settings_the_code_reads() -> None:
    table, code = settings_table(), environment_read_by_the_code()
    assert sorted(code - table) == [], "read by the code, missing from README's Settings table"
    assert sorted(table - code) == [], "in README's Settings table, read by no code"


def makefile_targets() -> set[str]:
    return set(re.findall(r"^([a-z][\w-]*):(?!=)", text(ROOT / "Makefile"), re.M))


def make_targets_named(markdown: str) -> set[str]:
    named = set()
    for span in code_spans(markdown):
        for m in re.finditer(r"(?:^|[\s;&(])make((?: +[a-z][\w-]*)+)", span):
            named.update(m.group(1).split())
    return named


def test_every_make_target_the_docs_name_exists() -> None:
    targets = makefile_targets()
    for doc in DOCS:
        named = make_targets_named(text(doc))
        assert named, doc.name
        assert sorted(named - targets) == [], f"{doc.name} names make targets the Makefile lacks"


def repository_paths(markdown: str) -> set[str]:
    """Code spans, link targets and the first word of fenced lines that start at a tracked top-level entry."""
    top = {p.name for p in ROOT.iterdir()} - {".venv", ".tools", ".local", "node_modules"}
    words = [span.split()[0] for span in code_spans(markdown) if span.split()]
    words += re.findall(r"\]\(([^)#\s]+)", markdown)
    shaped = re.compile(r"[\w.<>*-]+(/[\w.<>*-]*)*")
    return {w for w in words if shaped.fullmatch(w) and w.split("/")[0] in top and "/" in w}


def exists(path: str) -> bool:
    """The path, a glob when it holds <placeholders> or *, or the start of a file name (sql/local/0037)."""
    pattern = re.sub(r"<[^>]+>", "*", path)
    return (ROOT / path).exists() or any(ROOT.glob(pattern)) or any(ROOT.glob(pattern + "*"))


def test_every_repository_path_the_docs_name_exists() -> None:
    for doc in DOCS:
        paths = repository_paths(text(doc)) - GENERATED
        assert len(paths) > 3, doc.name
        assert sorted(p for p in paths if not exists(p)) == [], f"{doc.name} names missing paths"


def pointers() -> list[tuple[Path, str]]:
    """Every README "Section" a file of the repository points a reader at."""
    files: list[Path] = []
    for name in POINTERS:
        found = [ROOT / name] if (ROOT / name).is_file() else ROOT.glob(name)
        for entry in found:
            files += [entry] if entry.is_file() else [p for p in entry.rglob("*") if p.is_file()]
    pointed = re.compile(r"README \"([^\"]+)\"")
    return [
        (path, name)
        for path in files
        if path.suffix in ("", ".md", ".py", ".yml", ".yaml", ".toml") and path != Path(__file__)
        for name in pointed.findall(text(path))
    ]


def test_every_readme_section_a_file_points_at_exists() -> None:
    names = headings(text(README))
    found = pointers()
    assert any(path.name == "Makefile" for path, _ in found)
    missing = [
        f"{path.relative_to(ROOT)}: {name}"
        for path, name in found
        if not any(h.startswith(name) for h in names)
    ]
    assert missing == []


def test_every_markdown_link_to_a_section_resolves() -> None:
    for doc in DOCS:
        for target, anchor in re.findall(r"\]\(([^)#\s]*)#([^)\s]+)\)", text(doc)):
            linked = (doc.parent / target) if target else doc
            assert anchor in {slug(h) for h in headings(text(linked))}, (
                f"{doc.name}: {target}#{anchor}"
            )


def test_the_golden_set_has_as_many_questions_as_the_readme_says() -> None:
    said = re.search(r"(\d+) golden questions \(([\w/.]+);", text(README))
    assert said is not None
    golden = json.loads(text(ROOT / said.group(2)))
    assert len(golden["cases"]) == int(said.group(1))


def test_the_deploy_workflows_actions_are_on_the_majors_the_readme_names() -> None:
    prose = " ".join(text(README).split())
    said = re.search(r"Actions, on their current majors \(Node \d+\): ([^.]+)\.", prose)
    assert said is not None
    named = dict(re.findall(r"([\w-]+) (v\d+)", said.group(1)))
    used = re.findall(r"uses: [\w-]+/([\w-]+)@(v\d+)", text(ROOT / ".github/workflows/deploy.yml"))
    assert dict(used) == named
