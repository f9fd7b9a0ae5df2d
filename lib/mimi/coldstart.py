"""Cold start: no garbage collection while a function's modules load, then their objects are frozen.

Modules in DEFERRED, which a library imports for a feature our first requests do not call, are made lazy with
the standard library's importlib.util.LazyLoader: the module object exists at once and its code runs on the
first attribute access, so a caller that does use it still gets it, only later.

Deferring is for Lambda's runtime only (AWS_LAMBDA_FUNCTION_NAME is set), which serves one request at a time:
on Python 3.11 a lazy module is not safe to load from two threads at once, and the dev server runs handlers
in threads, so there every module loads eagerly as usual. AWS_LAMBDA_FUNCTION_NAME is read here, not from the
settings: it is a fact about the process, needed before any settings exist.
"""

from __future__ import annotations

import gc
import importlib.util
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

# pyjwt imports cryptography.x509 (about 20 ms) to refuse a certificate given as an HS256 secret; our access
# and LINE tokens are ES256 with JWKs, so only the QStash receivers (HS256) load it, on their first signature.
DEFERRED = ("cryptography.x509",)


def defer(name: str) -> None:
    """Import module `name` lazily: it is registered now and executed on first attribute access (if ever)."""
    if name in sys.modules:
        return
    try:
        spec = importlib.util.find_spec(name)
    except ModuleNotFoundError:  # its package is not installed here: nothing to defer
        return
    if spec is None or spec.loader is None:
        return
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)


def pending(names: tuple[str, ...] = DEFERRED) -> list[str]:
    """The deferred modules whose code has not run yet."""
    lazy = importlib.util._LazyModule  # type: ignore[attr-defined]
    return [n for n in names if isinstance(sys.modules.get(n), lazy)]


@contextmanager
def loading() -> Iterator[None]:
    """Run a handler's imports with gc off (nothing they build is garbage), then freeze it all out of later scans."""
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        for name in DEFERRED:
            defer(name)
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()
