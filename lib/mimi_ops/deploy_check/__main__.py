"""`make deploy-check STAGE=...`: render offline, cfn-lint the template, actionlint the workflows, our own rules.

Exits non-zero and prints every problem when any step fails; prints one line per step otherwise.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from mimi_ops.deploy_check import expected, limits, render, rules

# osls adds a DependsOn on each function's own role beside the GetAtt that already orders them: redundant, harmless
CFN_LINT_IGNORED = ("W3005",)
CHECKS: tuple[Callable[[rules.Template, str], list[str]], ...] = (
    lambda t, _: rules.check_function_urls(t),
    rules.check_no_secret_values,
    rules.check_environments,
    limits.check_alarms,
    limits.check_reserved_concurrency,
    limits.check_timeouts,
    limits.check_roles,
)


def lint(command: list[str]) -> list[str]:
    """Run a linter from the venv; its output is the problem when it fails."""
    done = subprocess.run(command, cwd=render.ROOT, capture_output=True, text=True, check=False)
    return [] if done.returncode == 0 else [f"{command[0]}: {(done.stdout + done.stderr).strip()}"]


def run(stage: str, out: Path) -> list[str]:
    """Every problem the check finds for this stage."""
    made = render.stand_in_zips(sorted(expected.functions()), render.ROOT / ".package")
    try:
        template = render.render(stage, out)
    finally:  # never leave an empty zip where `make deploy-stack` would ship it
        for path in made:
            path.unlink()
    print(f"rendered {len(template['Resources'])} resources for stage {stage} with osls (no AWS)")
    bin_dir = Path(sys.executable).parent
    problems = lint(
        [
            str(bin_dir / "cfn-lint"),
            "--ignore-checks",
            *CFN_LINT_IGNORED,
            "--",
            str(out / render.TEMPLATE),
        ]
    )
    problems += lint([str(bin_dir / "actionlint"), "-no-color"])
    for check in CHECKS:
        problems += check(template, stage)
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m mimi_ops.deploy_check")
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--out", type=Path, default=render.ROOT / ".serverless-check")
    args = parser.parse_args()
    problems = run(args.stage, args.out)
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    print("deploy-check: ok" if not problems else f"deploy-check: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
