"""The deploy's QStash schedules: fixed ids (so a second deploy updates, never duplicates), the right targets."""

from __future__ import annotations

import subprocess
import sys

from mimi_ops.schedules import RECONCILE_CRON, SWEEP_CRON, Schedule, wanted

PROCESSOR = "https://abc.lambda-url.ap-southeast-1.on.aws/"
RECONCILE = "https://def.lambda-url.ap-southeast-1.on.aws/"


def test_each_stage_has_a_sweep_and_a_nightly_reconcile_with_fixed_ids() -> None:
    assert wanted("prod", PROCESSOR, RECONCILE) == [
        Schedule("mimivibes-prod-sweep", PROCESSOR + "sweep", SWEEP_CRON),
        Schedule("mimivibes-prod-reconcile", RECONCILE, RECONCILE_CRON),
    ]
    assert wanted("prod", PROCESSOR, RECONCILE) == wanted("prod", PROCESSOR.rstrip("/"), RECONCILE)


def test_the_dry_run_prints_the_schedules_and_needs_no_token() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mimi_ops.schedules",
            "--stage",
            "dev",
            "--processor",
            PROCESSOR,
            "--reconcile",
            RECONCILE,
            "--dry-run",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert f"schedule mimivibes-dev-sweep: POST {PROCESSOR}sweep at '*/5 * * * *'" in done.stdout
