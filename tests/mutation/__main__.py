"""`python -m tests.mutation [--only NAME ...] [--list] [--dry-run] [--keep] [--no-baseline]`: the mutation suite."""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

from tests.mutation.catalogue import MUTANTS
from tests.mutation.locate import Mutant
from tests.mutation.runner import Verdict, baseline, dry_run, judge, scratch_copy

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    parser = argparse.ArgumentParser(prog="make mutate", description=__doc__)
    parser.add_argument(
        "--only", nargs="*", default=[], help="run the mutants whose name contains one of these"
    )
    parser.add_argument("--list", action="store_true", help="print the mutants and exit")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="only check each mutant applies and its tests' files exist",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch copy")
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip checking the named tests pass unmutated"
    )
    args = parser.parse_args()
    mutants = [m for m in MUTANTS if not args.only or any(part in m.name for part in args.only)]
    if args.list:
        for m in mutants:
            print(f"{m.name:44} {m.kind:13} {m.target}\n{'':44} {m.bug}")
        return 0
    if args.dry_run:
        return dry_report(mutants)
    started = time.monotonic()
    stale = dry_run(ROOT, mutants)
    scratch = scratch_copy(ROOT)
    print(f"{len(mutants)} mutants, {len(stale)} stale; scratch copy {scratch}", flush=True)
    try:
        if not args.no_baseline:
            if failed := baseline(scratch, mutants):
                print("The named tests must pass on the unmutated code first:")
                for case in failed:
                    print(f"  {case.test}: {case.message}")
                return 2
            print(
                f"baseline: every named test passes unmutated ({time.monotonic() - started:.0f} s)",
                flush=True,
            )
        verdicts = list(stale) + [
            _judged(scratch, m) for m in mutants if m not in {v.mutant for v in stale}
        ]
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    return report(verdicts, time.monotonic() - started)


def _judged(scratch: Path, mutant: Mutant) -> Verdict:
    verdict = judge(scratch, mutant)
    print(
        f"{verdict.status:8} {verdict.seconds:5.1f}s  {mutant.name:44} {verdict.killer or verdict.detail}",
        flush=True,
    )
    return verdict


def dry_report(mutants: list[Mutant]) -> int:
    """Stale mutants and tests named that no longer exist (after a move), without running anything."""
    problems = [f"{v.mutant.name}: stale: {v.detail}" for v in dry_run(ROOT, mutants)]
    problems += [
        f"{m.name}: no test file {kill.split('::')[0]}"
        for m in mutants
        for kill in m.kills
        if not (ROOT / kill.split("::")[0]).is_file()
    ]
    print(f"{len(mutants)} mutants, {len(problems)} problems (nothing run)")
    for problem in problems:
        print(f"  {problem}")
    return 1 if problems else 0


def report(verdicts: list[Verdict], seconds: float) -> int:
    killed = [v for v in verdicts if v.status == "killed"]
    stale = [v for v in verdicts if v.status == "stale"]
    others = [v for v in verdicts if v.status in ("survived", "crashed")]
    judged = len(killed) + len(others)
    score = 100.0 * len(killed) / judged if judged else 0.0
    median = statistics.median([v.seconds for v in killed + others] or [0.0])
    print(
        f"\nscore: {len(killed)}/{judged} killed ({score:.1f} %), {len(stale)} stale, in {seconds / 60:.1f} min "
        f"(median {median:.1f} s a mutant)"
    )
    for title, group in (("survived or only crashed", others), ("stale (fix the rule)", stale)):
        if group:
            print(f"{title}:")
            for v in group:
                print(f"  {v.mutant.name} [{v.status}]: {v.mutant.bug} -- {v.detail}")
    return 0 if not others and not stale else 1


if __name__ == "__main__":
    sys.exit(main())
