"""Render the stack for a stage with no AWS: `serverless package` (osls, from node_modules) against the SSM stub.

osls resolves `${ssm:...}` through the AWS SDK, which `AWS_ENDPOINT_URL_SSM` points at the stub; the credentials
are placeholders the stub never checks. Nothing else in `package` reaches AWS. The zips must exist (`make
package`), or `stand_in_zips` makes empty ones: the template does not depend on their contents.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

from mimi_ops.deploy_check import ssm_stub

ROOT = Path(__file__).resolve().parents[3]
SERVERLESS = ROOT / "node_modules" / ".bin" / "serverless"
TEMPLATE = "cloudformation-template-update-stack.json"


class RenderFailed(RuntimeError):
    """osls could not package the stack (its output says why)."""


def stand_in_zips(names: list[str], package_dir: Path) -> list[Path]:
    """An empty zip for each function whose `make package` zip is missing (rendering reads only their names);
    returns the ones it made, for the caller to remove."""
    package_dir.mkdir(parents=True, exist_ok=True)
    made = []
    for name in names:
        path = package_dir / f"{name}.zip"
        if not path.exists():
            with zipfile.ZipFile(path, "w") as zf:
                zf.writestr(f"functions/{name}/handler.py", "")
            made.append(path)
    return made


def render(stage: str, out: Path, region: str = "ap-southeast-1") -> dict[str, Any]:
    """The CloudFormation template osls would deploy for this stage (also left in `out`)."""
    if not SERVERLESS.exists():
        raise RenderFailed(f"{SERVERLESS} is missing: run `npm ci` (package-lock.json pins osls)")
    shutil.rmtree(out, ignore_errors=True)
    with ssm_stub.serving() as endpoint:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
            "AWS_ENDPOINT_URL_SSM": endpoint,
            "AWS_ACCESS_KEY_ID": "offline-render",
            "AWS_SECRET_ACCESS_KEY": "offline-render",
            "AWS_REGION": region,
            "SLS_TELEMETRY_DISABLED": "1",
            "SLS_NOTIFICATIONS_MODE": "off",
        }
        done = subprocess.run(
            [
                str(SERVERLESS),
                "package",
                "--stage",
                stage,
                "--region",
                region,
                "--package",
                str(out),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    if done.returncode != 0:
        raise RenderFailed((done.stdout + done.stderr)[-4000:])
    loaded: dict[str, Any] = json.loads((out / TEMPLATE).read_text())
    return loaded
