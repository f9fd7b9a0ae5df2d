"""Browser journey helpers: steps of a journey class run in order and stop at the first failure."""

from __future__ import annotations

from collections.abc import Generator

import pytest

FAILED_STEP = "_journey_failed_step"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember the first failed step of a journey class (a class with `journey = True`)."""
    report = yield
    cls = getattr(item, "cls", None)
    if getattr(cls, "journey", False) and report.failed and call.when in ("setup", "call"):
        setattr(cls, FAILED_STEP, item.name)
    return report


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Later steps of a journey need the state earlier ones built: skip them once a step failed."""
    failed = getattr(getattr(item, "cls", None), FAILED_STEP, None)
    if failed:
        pytest.skip(f"an earlier step of this journey failed: {failed}")
