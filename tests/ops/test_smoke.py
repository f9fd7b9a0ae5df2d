"""The post-deploy smoke test, run against the local stack: health ok and one QStash-signed no-op."""

from __future__ import annotations

import secrets

from mimi_local.stack import LocalStack
from mimi_ops.smoke import check_health, check_signed_no_op


def test_the_smoke_test_passes_against_a_working_stack(stack: LocalStack) -> None:
    assert check_health(f"{stack.url}/functions/health/") is None
    processor = f"{stack.url}/functions/reading_processor/"
    assert check_signed_no_op(processor, stack.secrets["qstash_current_signing_key"]) is None


def test_the_smoke_test_fails_when_the_processor_refuses_the_signature(stack: LocalStack) -> None:
    problem = check_signed_no_op(f"{stack.url}/functions/reading_processor/", secrets.token_hex(16))
    assert problem is not None and " 401 " in problem
