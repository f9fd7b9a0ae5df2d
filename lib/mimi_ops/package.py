"""Build one reproducible Lambda zip per function: its locked runtime deps + lib/mimi + functions/<name>.

Run as `python -m mimi_ops.package [--out .package] [--functions a,b] [--refresh] [--compile]`.
What a zip installs is its function's dependency group in pyproject.toml (FUNCTION_GROUPS), exported from uv.lock
with every version pinned and every wheel hashed (`uv export --frozen --only-group <group>`), installed for
Lambda's platform with `uv pip install --require-hashes --no-deps`: exactly the lock's versions, nothing resolved
anew. Each exported set is installed once into a cache keyed by its text, so later builds need no network.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import marshal
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import tomllib
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import Marker

from mimi_ops import cacerts

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "functions"
MIMI = ROOT / "lib" / "mimi"
PYPROJECT = ROOT / "pyproject.toml"
LOCK = ROOT / "uv.lock"
DEFAULT_OUT = ROOT / ".package"
DEFAULT_CACHE = ROOT / ".local" / "package-cache"
UV_TARGET = [
    "--python-platform",
    "x86_64-manylinux2014",
    "--python-version",
    "3.11",
    "--only-binary",
    ":all:",
]
MB = 1024 * 1024
ZIP_LIMIT = 50 * MB
UNZIPPED_LIMIT = 250 * MB
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
SKIP_NAMES = {"__pycache__", ".DS_Store"}
SKIP_SUFFIXES = (".pyc", ".pyo")
TEST_DIRS = {"tests", "_tests"}  # a dependency's own test suite, never imported at runtime
DEPS_FORMAT = (
    4  # bump when the pruning or layout of the deps cache changes (4: installed from uv.lock)
)
LAMBDA_PYTHON = (3, 11)
CA_DIR = "cacerts"  # certifi's CA bundle as a hashed directory, beside mimi/ (mimi.http.CA_DIR)
CACHE_TAG = "cpython-311"
# Lambda's python3.11 runtime as environment markers see it (PEP 508).
LAMBDA_MARKERS = {
    "python_version": "3.11",
    "python_full_version": "3.11.14",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
}

# Each function's dependency group ([dependency-groups] in pyproject.toml): `lambda` is what lib/mimi imports, and
# a function whose SDK it alone calls has a group adding it. Edit pyproject (then `make lock`) when a function
# starts or stops needing a package. sentry-sdk is in every zip but imported only when SENTRY_DSN is set
# (mimi.error_reporting): shipping it costs zip size, never cold start.
BASE_GROUP = "lambda"
FUNCTION_GROUPS: dict[str, str] = {
    "payments": "lambda-stripe",
    "stripe_webhook": "lambda-stripe",
    "reconcile": "lambda-stripe",
    "reading_processor": "lambda-openai",
}
# Locked (a dependency asks for them) but never imported, so never exported into a zip: postgrest asks for
# httpx[http2], and our one httpx client is HTTP/1.1.
PRUNED_DISTRIBUTIONS = ("h2", "hpack", "hyperframe")
# Top-level packages no zip may hold: the full supabase client and what only it (or HTTP/2) uses.
FORBIDDEN_PACKAGES = (
    "supabase",
    "realtime",
    "storage3",
    "supabase_auth",
    "gotrue",
    "supafunc",
    "supabase_functions",
    "websockets",
    "h2",
    "hpack",
    "hyperframe",
)
# SDK distribution -> its top-level package: absent from the zip of every function whose group lacks it.
SDK_PACKAGES = {"stripe": "stripe", "openai": "openai"}


class PackageError(Exception):
    """Packaging cannot go on: bad function name, a stale lock, an install failure or a name clash in the zip."""


@dataclass(frozen=True)
class ZipReport:
    """One built zip and its sizes in bytes."""

    name: str
    path: Path
    zipped: int
    unzipped: int

    def problems(self) -> list[str]:
        """Every AWS Lambda size limit this zip breaks."""
        found = []
        if self.unzipped > UNZIPPED_LIMIT:
            found.append(
                f"{self.name}: unzipped {self.unzipped / MB:.1f} MB > {UNZIPPED_LIMIT // MB} MB"
            )
        if self.zipped > ZIP_LIMIT:
            found.append(f"{self.name}: zipped {self.zipped / MB:.1f} MB > {ZIP_LIMIT // MB} MB")
        return found


def canonical(requirement: str) -> str:
    """The normalised distribution name of a requirement (PEP 503): `PyJWT[crypto]>=2` -> `pyjwt`."""
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip())
    if match is None:
        raise PackageError(f"not a requirement: {requirement!r}")
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def _pyproject() -> dict[str, object]:
    with PYPROJECT.open("rb") as f:
        return tomllib.load(f)


def runtime_dependencies() -> list[str]:
    """The `[project] dependencies` of pyproject.toml, as written."""
    deps: list[str] = _pyproject()["project"]["dependencies"]  # type: ignore[index]
    return deps


def group_of(name: str) -> str:
    """The dependency group function `name`'s zip installs."""
    return FUNCTION_GROUPS.get(name, BASE_GROUP)


def group_names(group: str) -> set[str]:
    """The distributions a dependency group names directly (included groups followed), canonicalised."""
    groups: dict[str, list[object]] = _pyproject()["dependency-groups"]  # type: ignore[assignment]
    names: set[str] = set()
    for item in groups[group]:
        names |= (
            group_names(item["include-group"]) if isinstance(item, dict) else {canonical(str(item))}
        )
    return names


def uv_binary() -> str:
    """The uv that `make` bootstraps (tools/uv-requirements.txt), else one on PATH."""
    local = ROOT / ".tools" / "bin" / "uv"
    found = str(local) if local.is_file() else shutil.which("uv")
    if found is None:
        raise PackageError("uv is not installed: run make (it installs the pinned uv into .tools/)")
    return found


def locked_requirements(group: str) -> str:
    """The group's dependency closure from uv.lock as a requirements file: exact versions, every wheel's hash."""
    cmd = [uv_binary(), "export", "--frozen", "--only-group", group, "--no-emit-project"]
    cmd += ["--no-header", "--no-annotate", "--format", "requirements.txt"]
    cmd += [arg for d in PRUNED_DISTRIBUTIONS for arg in ("--no-emit-package", d)]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise PackageError(f"uv export failed for group {group}: {done.stderr.strip()}")
    return done.stdout


def pinned_versions(requirements: str) -> dict[str, str]:
    """{distribution: version} of every `name==version` line of an exported requirements file that applies on
    Lambda (python3.11 on x86_64 Linux): a line whose marker is false there installs nothing."""
    found = re.findall(
        r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)(?: ; ([^\\]+))?", requirements, re.M
    )
    return {
        canonical(name): version
        for name, version, marker in found
        if not marker or Marker(marker.strip()).evaluate(LAMBDA_MARKERS)
    }


def forbidden(name: str) -> set[str]:
    """Top-level packages function `name`'s zip must not hold."""
    own = group_names(group_of(name))
    return set(FORBIDDEN_PACKAGES) | {pkg for dist, pkg in SDK_PACKAGES.items() if dist not in own}


def deps_key(requirements: str) -> str:
    """A short hash of the exported requirements and the target platform: the cache directory's name."""
    plan = "\n".join([requirements, *UV_TARGET, str(DEPS_FORMAT)])
    return hashlib.sha256(plan.encode()).hexdigest()[:16]


def function_names() -> list[str]:
    """Every deployable function: a folder under functions/ with a handler.py."""
    return sorted(p.parent.name for p in FUNCTIONS.glob("*/handler.py"))


def _skipped(rel: Path) -> bool:
    return any(part in SKIP_NAMES for part in rel.parts) or rel.name.endswith(SKIP_SUFFIXES)


def _files(base: Path) -> Iterator[Path]:
    """Files under base, sorted by relative path, without bytecode caches."""
    found = (p for p in base.rglob("*") if p.is_file() and not _skipped(p.relative_to(base)))
    yield from sorted(found, key=lambda p: p.relative_to(base).as_posix())


def _install(requirements: Path, target: Path) -> None:
    """Install exactly the exported, hashed requirements for Lambda's platform into target."""
    cmd = [uv_binary(), "pip", "install", "--quiet", "--target", str(target), *UV_TARGET]
    cmd += ["--python", sys.executable, "--no-deps", "--require-hashes", "--link-mode", "copy"]
    cmd += ["--no-config", "-r", str(requirements)]
    if subprocess.run(cmd, check=False).returncode != 0:
        raise PackageError(
            "uv could not install the locked runtime dependencies (is PyPI reachable?)"
        )


def _prune(deps_dir: Path) -> None:
    """Drop what Lambda never needs: console scripts, bytecode, RECORD files and nested test suites."""
    shutil.rmtree(deps_dir / "bin", ignore_errors=True)
    for path in sorted(deps_dir.rglob("*"), reverse=True):
        rel = path.relative_to(deps_dir)
        nested_tests = path.name in TEST_DIRS and len(rel.parts) > 1
        record = path.name == "RECORD" and path.parent.name.endswith(".dist-info")
        if path.is_dir() and (path.name == "__pycache__" or nested_tests):
            shutil.rmtree(path)
        elif path.is_file() and (path.suffix in SKIP_SUFFIXES or record):
            path.unlink()


def _pyc_name(arcname: str) -> str:
    """Where CPython 3.11 looks for the bytecode of a module: pkg/__pycache__/mod.cpython-311.pyc."""
    head, _, tail = arcname.rpartition("/")
    return f"{head}/__pycache__/{tail[:-3]}.{CACHE_TAG}.pyc".lstrip("/")


def _pyc(source: bytes, arcname: str) -> bytes | None:
    """Unchecked-hash bytecode (PEP 552: valid whatever the file dates), or None if it does not compile."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            code = compile(source, arcname, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return None
    flags = (0b01).to_bytes(4, "little")
    return (
        importlib.util.MAGIC_NUMBER
        + flags
        + importlib.util.source_hash(source)
        + marshal.dumps(code)
    )


def _entry(zf: zipfile.ZipFile, arcname: str, data: bytes, executable: bool = False) -> None:
    """Write one entry with a fixed date and normalised permissions, so the zip is reproducible."""
    info = zipfile.ZipInfo(arcname, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = (stat.S_IFREG | (0o755 if executable else 0o644)) << 16
    zf.writestr(info, data, compresslevel=9)


def _add(
    zf: zipfile.ZipFile, arcname: str, data: bytes, executable: bool = False, pyc: bool = False
) -> None:
    """Add one file and, when asked and it is a module, its precompiled bytecode."""
    _entry(zf, arcname, data, executable)
    code = _pyc(data, arcname) if pyc and arcname.endswith(".py") else None
    if code is not None:
        _entry(zf, _pyc_name(arcname), code)


def _add_file(zf: zipfile.ZipFile, arcname: str, source: Path, pyc: bool = False) -> None:
    """Add a file from disk, keeping only whether it is executable."""
    _add(zf, arcname, source.read_bytes(), bool(source.stat().st_mode & stat.S_IXUSR), pyc)


def _write_tree(zf: zipfile.ZipFile, base: Path, prefix: str = "") -> None:
    """Add every file under base (sorted) at prefix + its relative path."""
    for path in _files(base):
        _add_file(zf, prefix + path.relative_to(base).as_posix(), path)


def _hash_ca_bundle(deps_dir: Path) -> None:
    """certifi's bundle as cacerts/, the hashed directory `mimi.http.tls` loads lazily (lib/mimi_ops/cacerts.py)."""
    bundle = deps_dir / "certifi" / "cacert.pem"
    if not bundle.is_file():
        raise PackageError("certifi is not among the runtime dependencies: no CA bundle to ship")
    try:
        cacerts.write_hashed(bundle, deps_dir / CA_DIR)
    except cacerts.CaCertsError as exc:
        raise PackageError(str(exc)) from None


def _install_deps(requirements: str, final: Path) -> None:
    """Install, prune and zip the locked deps into a temp dir, then move it into place atomically."""
    final.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{final.name}-", dir=final.parent))
    try:
        (work / "requirements.txt").write_text(requirements)
        _install(work / "requirements.txt", work / "deps")
        _prune(work / "deps")
        _hash_ca_bundle(work / "deps")
        with zipfile.ZipFile(work / "deps.zip", "w") as zf:
            _write_tree(zf, work / "deps")
        shutil.rmtree(work / "deps")
        os.rename(work, final)
    except OSError:
        if not (final / "deps.zip").exists():
            raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _drop_stale(cache: Path, keep: set[str]) -> None:
    """Remove cached deps that no function's current locked set uses any more."""
    for entry in cache.iterdir():
        if entry.name not in keep and entry.is_dir() and (entry / "deps.zip").exists():
            shutil.rmtree(entry, ignore_errors=True)


def _current_keys() -> set[str]:
    """The cache keys of every function's locked dependency set."""
    groups = {group_of(n) for n in function_names()}
    return {deps_key(locked_requirements(g)) for g in groups}


def _compiled(deps_zip: Path) -> Path:
    """The deps zip with bytecode added next to every module, built once beside it."""
    target = deps_zip.with_name("deps-pyc.zip")
    if target.exists():
        return target
    partial = target.with_name(f".{target.name}.{os.getpid()}")
    with zipfile.ZipFile(deps_zip) as src, zipfile.ZipFile(partial, "w") as zf:
        for info in src.infolist():
            _add(
                zf,
                info.filename,
                src.read(info),
                bool((info.external_attr >> 16) & stat.S_IXUSR),
                pyc=True,
            )
    os.replace(partial, target)
    return target


def dependencies_zip(
    requirements: str, cache: Path = DEFAULT_CACHE, refresh: bool = False, pyc: bool = False
) -> Path:
    """The zip of these locked runtime deps for Lambda, built once per exported set and reused from the cache."""
    final = cache / deps_key(requirements)
    if refresh:
        shutil.rmtree(final, ignore_errors=True)
    if not (final / "deps.zip").exists():
        print(f"installing runtime dependencies into {final} ...", file=sys.stderr)
        _install_deps(requirements, final)
        _drop_stale(cache, _current_keys() | {final.name})
    return _compiled(final / "deps.zip") if pyc else final / "deps.zip"


def _function_sources(name: str) -> list[tuple[str, Path]]:
    """The project files of a function zip: lib/mimi as mimi/, and the functions package with this folder."""
    sources = [(f"mimi/{p.relative_to(MIMI).as_posix()}", p) for p in _files(MIMI)]
    if (FUNCTIONS / "__init__.py").is_file():
        sources.append(("functions/__init__.py", FUNCTIONS / "__init__.py"))
    folder = FUNCTIONS / name
    sources += [(f"functions/{name}/{p.relative_to(folder).as_posix()}", p) for p in _files(folder)]
    return sources


def _append_project(zip_path: Path, name: str, pyc: bool) -> int:
    """Append lib/mimi and the function's files to a copy of the deps zip; return the unzipped size."""
    with zipfile.ZipFile(zip_path, "a") as zf:
        clash = {n.split("/", 1)[0] for n in zf.namelist()} & {"mimi", "functions"}
        if clash:
            raise PackageError(f"a dependency ships a top-level {sorted(clash)}")
        for arcname, source in _function_sources(name):
            _add_file(zf, arcname, source, pyc)
        return sum(i.file_size for i in zf.infolist())


def build_function(name: str, deps_zip: Path, out: Path, pyc: bool = False) -> ZipReport:
    """Write <out>/<name>.zip: a copy of the deps zip with the project files appended."""
    target = out / f"{name}.zip"
    partial = out / f".{name}.zip.partial"
    shutil.copyfile(deps_zip, partial)
    try:
        unzipped = _append_project(partial, name, pyc)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return ZipReport(name, target, target.stat().st_size, unzipped)


def _selected(functions: Iterable[str] | None) -> list[str]:
    """The requested function names (all when None), checked against functions/."""
    known = function_names()
    if functions is None:
        return known
    wanted = sorted(set(functions))
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise PackageError(f"unknown function(s) {unknown}; known: {known}")
    return wanted


def build_reports(
    out: Path,
    functions: Iterable[str] | None = None,
    cache: Path = DEFAULT_CACHE,
    refresh: bool = False,
    pyc: bool = False,
) -> list[ZipReport]:
    """Build the zips of the selected functions and report their sizes (limits are not enforced here)."""
    names = _selected(functions)
    if pyc and sys.version_info[:2] != LAMBDA_PYTHON:
        raise PackageError(
            f"--compile needs Python {LAMBDA_PYTHON}: bytecode is tied to the minor version"
        )
    out.mkdir(parents=True, exist_ok=True)
    exported = {g: locked_requirements(g) for g in sorted({group_of(n) for n in names})}
    reports, refreshed = [], set()
    for name in names:
        group = group_of(name)
        deps_zip = dependencies_zip(exported[group], cache, refresh and group not in refreshed, pyc)
        refreshed.add(group)
        reports.append(build_function(name, deps_zip, out, pyc))
    return reports


def build(out: Path, functions: list[str] | None = None, pyc: bool = False) -> dict[str, Path]:
    """Build <out>/<name>.zip for the selected functions (all when None) and return their paths by name."""
    return {r.name: r.path for r in build_reports(out, functions, pyc=pyc)}


def table(reports: Sequence[ZipReport]) -> str:
    """The size table printed after a build."""
    lines = [f"{'function':<20} {'zip MB':>8} {'unzipped MB':>12}"]
    lines += [f"{r.name:<20} {r.zipped / MB:>8.2f} {r.unzipped / MB:>12.2f}" for r in reports]
    lines.append(
        f"limits: zip {ZIP_LIMIT // MB} MB (direct upload), unzipped {UNZIPPED_LIMIT // MB} MB"
    )
    return "\n".join(lines)


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    summary = (__doc__ or "").splitlines()[0]
    parser = argparse.ArgumentParser(prog="python -m mimi_ops.package", description=summary)
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="output folder (default: .package)"
    )
    parser.add_argument(
        "--functions", default="", help="comma-separated names (default: every function)"
    )
    parser.add_argument(
        "--cache", type=Path, default=DEFAULT_CACHE, help="deps cache (default: .local/...)"
    )
    parser.add_argument("--refresh", action="store_true", help="reinstall the deps even if cached")
    parser.add_argument(
        "--compile",
        action="store_true",
        help="add bytecode: bigger zips, faster cold start (/var/task is read-only)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Build, print the size table, and fail (exit 1) if any zip breaks a Lambda size limit."""
    args = _parse(argv)
    names = [n.strip() for n in args.functions.split(",") if n.strip()] or None
    try:
        reports = build_reports(args.out, names, args.cache, args.refresh, args.compile)
    except PackageError as exc:
        print(f"package: {exc}", file=sys.stderr)
        return 2
    print(table(reports))
    problems = [p for r in reports for p in r.problems()]
    for problem in problems:
        print(f"package: over the limit: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
