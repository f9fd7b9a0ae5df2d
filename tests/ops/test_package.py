"""The Lambda zips: within AWS size limits, nothing local inside, each holding only what its function imports,
and each handler serving its function from its zip alone.

The zips `make package` ships are built once per session, each from its function's dependency group exported from
uv.lock; the runtime deps come from <repo>/.local/package-cache, so only the very first run installs them from
PyPI (a minute or so). Each zip is then run in a clean venv against the session's local stack.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from mimi import coldstart
from mimi_local.lambda_adapter import build_event
from mimi_local.pg import free_port
from mimi_local.stack import LocalStack
from mimi_ops import cacerts, package
from mimi_ops.deploy_check import expected
from tests.bench.coldstart import Events, child_env, run_cold

NAMES = package.function_names()
Extract = Callable[[str], Path]


@pytest.fixture(scope="session")
def zips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return package.build(tmp_path_factory.mktemp("package"))


@pytest.fixture(scope="session")
def clean_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv without pip or any package: only the zip can provide the imports."""
    venv = tmp_path_factory.mktemp("cleanvenv")
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", "--clear", str(venv)], check=True
    )
    python = venv / "bin" / "python"
    probe = subprocess.run(
        [str(python), "-I", "-c", "import pydantic"], capture_output=True, env=_env()
    )
    assert probe.returncode != 0, "the clean venv must not see the project's packages"
    return python


@pytest.fixture(scope="session")
def extract(zips: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Extract:
    """Unzip a function's zip once per session, as Lambda does, and return the folder."""
    done: dict[str, Path] = {}

    def unzip(name: str) -> Path:
        if name not in done:
            target = tmp_path_factory.mktemp(f"unzipped-{name}")
            with zipfile.ZipFile(zips[name]) as zf:
                zf.extractall(target)
            done[name] = target
        return done[name]

    return unzip


def _env(**extra: str) -> dict[str, str]:
    """PATH only (plus what a test sets): no settings, no PYTHONPATH, nothing from this process."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **extra}


def _run(python: Path, code: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "-I", "-c", code],
        input=stdin,
        capture_output=True,
        text=True,
        env=_env(**env),
        timeout=120,
    )


def test_every_function_is_packaged(zips: dict[str, Path]) -> None:
    assert sorted(zips) == NAMES
    assert NAMES


@pytest.mark.parametrize("name", NAMES)
def test_zip_is_within_lambda_limits(zips: dict[str, Path], name: str) -> None:
    with zipfile.ZipFile(zips[name]) as zf:
        unzipped = sum(i.file_size for i in zf.infolist())
    report = package.ZipReport(name, zips[name], zips[name].stat().st_size, unzipped)
    assert report.problems() == []


@pytest.mark.parametrize("name", NAMES)
def test_zip_holds_the_function_and_nothing_local(zips: dict[str, Path], name: str) -> None:
    with zipfile.ZipFile(zips[name]) as zf:
        names = zf.namelist()
        dates = {i.date_time for i in zf.infolist()}
    assert {"mimi/__init__.py", "functions/__init__.py", f"functions/{name}/handler.py"} <= set(
        names
    )
    assert not [
        n for n in names if n.startswith(("mimi_local/", "mimi_ops/", "tests/", ".venv/", "lib/"))
    ]
    assert not [
        n
        for n in names
        if "mimi_local" in n or "mimi_ops" in n or "__pycache__" in n or n.endswith(".pyc")
    ]
    others = {n.split("/")[1] for n in names if n.startswith("functions/") and n.count("/") > 1}
    assert others == {name}
    assert dates == {package.ZIP_DATE}


def test_zip_carries_package_data(zips: dict[str, Path]) -> None:
    data = sorted(
        p for p in package.MIMI.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")
    )
    with zipfile.ZipFile(zips[NAMES[0]]) as zf:
        names = set(zf.namelist())
    assert {f"mimi/{p.relative_to(package.MIMI).as_posix()}" for p in data} <= names


def test_zip_ships_certifis_roots_as_a_hashed_directory(
    clean_python: Path, extract: Extract
) -> None:
    """cacerts/ holds the zip's own certifi roots, and mimi.http builds its TLS context from it (no root parsed)."""
    root = extract(NAMES[0])
    hashed = sorted((root / package.CA_DIR).iterdir())
    bundle = cacerts.certificates(root / "certifi" / "cacert.pem")
    assert len(hashed) == len(bundle) > 100
    code = (
        f"import sys; sys.path.insert(0, {str(root)!r}); from mimi import http; "
        "print(http.CA_DIR, http.tls().cert_store_stats()['x509'])"
    )
    result = _run(clean_python, code)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == [str(root / package.CA_DIR), "0"]


def test_zips_are_reproducible(zips: dict[str, Path], tmp_path: Path) -> None:
    again = package.build(tmp_path, [NAMES[0]])
    assert again[NAMES[0]].read_bytes() == zips[NAMES[0]].read_bytes()


@pytest.mark.parametrize("name", NAMES)
def test_handler_imports_from_the_zip_alone(
    clean_python: Path, extract: Extract, name: str
) -> None:
    root = extract(name)
    code = (
        f"import sys; sys.path.insert(0, {str(root)!r}); import importlib; "
        f"m = importlib.import_module('functions.{name}.handler'); assert callable(m.handler); "
        f"import mimi; assert mimi.__file__.startswith({str(root)!r}), mimi.__file__"
    )
    result = _run(clean_python, code)
    assert result.returncode == 0, result.stderr[-3000:]


def _top_level(zip_path: Path) -> set[str]:
    """The importable top-level names a zip holds: packages and single-file modules (not their metadata)."""
    with zipfile.ZipFile(zip_path) as zf:
        heads = {n.split("/", 1)[0] for n in zf.namelist()}
    return {
        h.removesuffix(".py")
        for h in heads
        if not h.endswith((".dist-info", ".data")) and h != "__pycache__"
    }


@pytest.mark.parametrize("name", NAMES)
def test_zip_holds_no_package_its_function_does_not_import(
    zips: dict[str, Path], name: str
) -> None:
    held = _top_level(zips[name])
    assert {"mimi", "functions", "pydantic", "postgrest", "httpx", "jwt"} <= held
    assert held & package.forbidden(name) == set()
    own = package.group_names(package.group_of(name))
    sdks = {pkg for dist, pkg in package.SDK_PACKAGES.items() if dist in own}
    assert sdks <= held


def test_stripe_and_openai_ship_only_with_the_functions_that_call_them(
    zips: dict[str, Path],
) -> None:
    with_stripe = sorted(n for n, z in zips.items() if "stripe" in _top_level(z))
    with_openai = sorted(n for n, z in zips.items() if "openai" in _top_level(z))
    assert with_stripe == ["payments", "reconcile", "stripe_webhook"]
    assert with_openai == ["reading_processor"]


def _lock_versions() -> dict[str, str]:
    """{distribution: version} of every package uv.lock resolves."""
    with package.LOCK.open("rb") as f:
        return {package.canonical(p["name"]): p["version"] for p in tomllib.load(f)["package"]}


def _dist_infos(zip_path: Path) -> dict[str, str]:
    """{distribution: version} of every *.dist-info folder a zip holds."""
    with zipfile.ZipFile(zip_path) as zf:
        heads = {n.split("/", 1)[0] for n in zf.namelist() if ".dist-info/" in n}
    found = [h.removesuffix(".dist-info").rsplit("-", 1) for h in heads]
    return {package.canonical(dist): version for dist, version in found}


@pytest.mark.parametrize("name", NAMES)
def test_zip_holds_exactly_the_locked_versions_of_its_group(
    zips: dict[str, Path], name: str
) -> None:
    held = _dist_infos(zips[name])
    exported = package.pinned_versions(package.locked_requirements(package.group_of(name)))
    locked = _lock_versions()
    assert held == exported
    assert {dist: locked[dist] for dist in held} == held
    assert not set(package.PRUNED_DISTRIBUTIONS) & set(held)


def test_the_lambda_groups_name_exactly_the_runtime_dependencies() -> None:
    declared = {package.canonical(d) for d in package.runtime_dependencies()}
    groups = {package.group_of(n) for n in NAMES} | {package.BASE_GROUP}
    assert set().union(*(package.group_names(g) for g in groups)) == declared
    assert not {"stripe", "openai"} & package.group_names(package.BASE_GROUP)


def test_a_lock_out_of_date_with_pyproject_stops_make_with_one_line(tmp_path: Path) -> None:
    for name in ("Makefile", "pyproject.toml", "uv.lock", "tools/uv-requirements.txt"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes((package.ROOT / name).read_bytes())
    (tmp_path / ".tools").symlink_to(Path(package.uv_binary()).parents[1])
    check = ["make", "-s", "check-lock"]
    assert subprocess.run(check, cwd=tmp_path, capture_output=True).returncode == 0
    text = (tmp_path / "pyproject.toml").read_text().replace('"httpx>=0.27"', '"httpx>=0.27.1"')
    (tmp_path / "pyproject.toml").write_text(text)
    done = subprocess.run(check, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode != 0
    assert done.stderr.splitlines()[0].startswith("uv.lock is out of date with pyproject.toml")
    # the one line, then make's own "make: *** [Makefile:NN: check-lock] Error 1"
    assert len(done.stderr.splitlines()) == 2
    assert "*** [Makefile" in done.stderr.splitlines()[-1]


@pytest.mark.parametrize("name", NAMES)
def test_zip_serves_its_function_from_a_clean_interpreter(
    clean_python: Path, extract: Extract, stack: LocalStack, name: str
) -> None:
    """The zip `make package` ships, run as Lambda runs it, answers a representative function-URL event."""
    root = extract(name)
    run = run_cold(clean_python, root, name, Events(stack).event(name), child_env(stack))
    assert run.result["status"] == 200, run.result["body"]
    assert run.result["mimi"].startswith(str(root))
    # What mimi.coldstart defers is not needed by a first request, token checks and signing included, except
    # where a QStash signature (HS256) is checked: pyjwt then asks x509 whether the secret is a certificate.
    qstash_signed = name in ("reading_processor", "reconcile")
    assert run.result["never_run"] == ([] if qstash_signed else list(coldstart.DEFERRED))


@pytest.mark.parametrize("name", NAMES)
def test_zip_reads_its_secrets_through_the_extension_at_its_first_request(
    clean_python: Path, extract: Extract, stack: LocalStack, name: str
) -> None:
    """Deployed, a function's secrets are not in its environment: it reads the ones serverless.yml names
    (its router's needs that are secrets) from the extension at its first request, then answers as usual."""
    secrets = sorted(expected.functions()[name].secrets)
    env = child_env(stack, secrets)
    assert not {s.upper() for s in secrets} & set(env)
    run = run_cold(clean_python, extract(name), name, Events(stack).event(name), env)
    assert run.result["status"] == 200, run.result["body"]


@pytest.mark.parametrize("name", NAMES)
def test_zip_starts_sentry_from_itself_when_a_dsn_is_set(
    clean_python: Path, extract: Extract, name: str
) -> None:
    """SENTRY_DSN is an SSM parameter away: every zip must carry sentry_sdk, or setting it breaks the cold start."""
    root = extract(name)
    code = (
        f"import sys; sys.path.insert(0, {str(root)!r}); import functions.{name}.handler; "
        "from mimi import error_reporting; import sentry_sdk; "
        "print(error_reporting.enabled(), sentry_sdk.__file__)"
    )
    result = _run(clean_python, code, SENTRY_DSN=f"http://publickey@127.0.0.1:{free_port()}/1")
    assert result.returncode == 0, result.stderr[-3000:]
    enabled, sdk_file = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert enabled == "True"
    assert sdk_file.startswith(str(root))


def test_health_zip_answers_a_function_url_event(clean_python: Path, extract: Extract) -> None:
    if "health" not in NAMES:
        pytest.skip("no health function")
    root = extract("health")
    event = build_event(
        "GET", "/", "", {"host": "health.lambda-url.local", "user-agent": "pytest"}, b""
    )
    code = (
        f"import json, sys, types; sys.path.insert(0, {str(root)!r}); "
        "from functions.health.handler import handler; "
        "ctx = types.SimpleNamespace(function_name='health', aws_request_id='t', "
        "get_remaining_time_in_millis=lambda: 10000); "
        "print(json.dumps(handler(json.load(sys.stdin), ctx)))"
    )
    dead = (
        f"http://127.0.0.1:{free_port()}"  # nothing listens: both checks must report down, quickly
    )
    result = _run(
        clean_python,
        code,
        json.dumps(event),
        SUPABASE_URL=dead,
        UPSTASH_REDIS_REST_URL=f"{dead}/upstash/redis",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    response = json.loads(result.stdout.strip().splitlines()[-1])
    assert response["statusCode"] == 503, response
    assert json.loads(response["body"])["checks"] == {"postgres": "down", "redis": "down"}


def test_size_limits_are_reported_both() -> None:
    huge = package.ZipReport("big", Path("big.zip"), 51 * package.MB, 251 * package.MB)
    assert len(huge.problems()) == 2
    assert "big" in package.table([huge])


def test_unknown_function_is_refused(tmp_path: Path) -> None:
    with pytest.raises(package.PackageError):
        package.build(tmp_path, ["no_such_function"])


def test_compiled_zip_imports_from_its_bytecode(clean_python: Path, tmp_path: Path) -> None:
    name = "health" if "health" in NAMES else NAMES[0]
    built = package.build(tmp_path / "out", [name], pyc=True)[name]
    with zipfile.ZipFile(built) as zf:
        assert f"functions/{name}/__pycache__/handler.cpython-311.pyc" in zf.namelist()
        zf.extractall(tmp_path / "root")
    root = tmp_path / "root"
    code = f"import sys; sys.path.insert(0, {str(root)!r}); import functions.{name}.handler"
    result = subprocess.run(
        [str(clean_python), "-I", "-B", "-v", "-c", code],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (
        f"code object from '{root}/functions/{name}/__pycache__/handler.cpython-311.pyc'"
        in result.stderr
    )
    assert f"code object from '{root}/pydantic/__pycache__/main.cpython-311.pyc'" in result.stderr
