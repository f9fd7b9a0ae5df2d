"""Every mutant of the suite (registered by the modules below, in this order)."""

from __future__ import annotations

from tests.mutation import access, hardening, money  # noqa: F401 - importing registers their mutants
from tests.mutation.rules import MUTANTS

__all__ = ["MUTANTS"]
