"""The post-deploy smoke test: health answers ok, and the processor answers one QStash-signed no-op.

The no-op is a reading job for a reading that does not exist: the processor must fetch its secrets, verify the
signature against its own function URL, reach the database with the service key and answer 200 `unknown`.
Usage (the deploy step; the signing key comes from SSM, never from a file):
    QSTASH_CURRENT_SIGNING_KEY=... python -m mimi_ops.smoke --health <url> --processor <url>
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import sys
import time
import uuid

import httpx
import jwt

TIMEOUT_S = 30.0  # a cold start of each function is part of what is tested


def qstash_signature(signing_key: str, url: str, body: bytes) -> str:
    """An Upstash-Signature as QStash makes it: an HS256 JWT naming the URL and the body's SHA-256."""
    now = int(time.time())
    claims = {
        "iss": "Upstash",
        "sub": url,
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
        "body": base64.urlsafe_b64encode(hashlib.sha256(body).digest()).decode(),
    }
    return jwt.encode(claims, signing_key, algorithm="HS256")


def check_health(url: str) -> str | None:
    """None when health answers 200 ok, else what went wrong."""
    response = httpx.get(url, timeout=TIMEOUT_S)
    if response.status_code != 200 or response.json().get("status") != "ok":
        return f"health {url}: {response.status_code} {response.text[:300]}"
    return None


def check_signed_no_op(processor_url: str, signing_key: str) -> str | None:
    """None when the processor verifies a signed job for an unknown reading and answers it as a no-op."""
    body = json.dumps({"reading_id": str(uuid.uuid4())}).encode()
    headers = {
        "content-type": "application/json",
        "upstash-signature": qstash_signature(signing_key, processor_url, body),
    }
    response = httpx.post(processor_url, content=body, headers=headers, timeout=TIMEOUT_S)
    if response.status_code != 200 or response.json().get("status") != "unknown":
        return f"processor {processor_url}: {response.status_code} {response.text[:300]}"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m mimi_ops.smoke")
    parser.add_argument("--health", required=True)
    parser.add_argument("--processor", required=True)
    args = parser.parse_args()
    key = os.environ.get("QSTASH_CURRENT_SIGNING_KEY", "")
    if not key:
        print("QSTASH_CURRENT_SIGNING_KEY is not set", file=sys.stderr)
        return 2
    problems = [
        p for p in (check_health(args.health), check_signed_no_op(args.processor, key)) if p
    ]
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    print("smoke: ok" if not problems else "smoke: failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
