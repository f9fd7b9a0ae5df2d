"""Every mutant of the suite (registered by the modules below, in this order)."""

from __future__ import annotations

from tests.mutation import (  # noqa: F401 - importing registers their mutants
    access,
    drafts,
    exposure,
    hardening,
    money,
    operations,
    reading_rules,
    readings,
)
from tests.mutation.rules import MUTANTS

__all__ = ["MUTANTS"]
