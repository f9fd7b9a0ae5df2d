"""reading_processor routes, for QStash only: POST / (a job), POST /failed (retries ran out), POST /sweep (schedule).

Each verifies the QStash signature against the URL it was called at (its own function URL, from the event), so the
processor needs no setting naming itself and the first deploy needs no second pass.
"""

from __future__ import annotations

from mimi.readings import processor, queue
from mimi.readings.errors import InvalidCallback, InvalidJob, QStashSignatureInvalid
from mimi.readings.schemas import FailureCallback, JobOutcome, ReadingJob, SweepOutcome
from mimi.web import Router

router = Router(
    needs=(
        "supabase_url",
        "supabase_service_role_key",
        "qstash_current_signing_key",
        "qstash_next_signing_key",
        "llm_providers",
        "line_channel_access_token",
        "line_messaging_api_url",
        "liff_url",
    )
)
SIGNED = {"raw_body": True, "headers": ("Upstash-Signature",)}


@router.post(
    "/",
    **SIGNED,
    raw_model=ReadingJob,
    response=JobOutcome,
    errors=(QStashSignatureInvalid, InvalidJob),
)
def run_job(
    body: bytes, upstash_signature: str | None, url: str, deadline: float | None
) -> JobOutcome:
    """A reading job: claim, one streamed LLM call stored as it writes, complete or reject (idempotent)."""
    queue.verify(body, upstash_signature, url=url)
    return processor.process(processor.parse_job(body), deadline)


@router.post(
    "/failed",
    **SIGNED,
    raw_model=FailureCallback,
    response=JobOutcome,
    errors=(QStashSignatureInvalid, InvalidCallback),
)
def job_failed(body: bytes, upstash_signature: str | None, url: str) -> JobOutcome:
    """QStash's failure callback: the reading fails and its star is refunded once."""
    queue.verify(body, upstash_signature, url=url)
    return processor.fail(processor.parse_failure(body))


@router.post("/sweep", **SIGNED, response=SweepOutcome, errors=(QStashSignatureInvalid,))
def sweep(body: bytes, upstash_signature: str | None, url: str) -> SweepOutcome:
    """Run by a QStash schedule: refund readings that were paid for but never reached the processor."""
    queue.verify(body, upstash_signature, url=url)
    return processor.sweep()
