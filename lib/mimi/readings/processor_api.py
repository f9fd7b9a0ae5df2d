"""reading_processor routes, for QStash only: POST / (a job), POST /failed (retries ran out), POST /sweep (schedule)."""

from __future__ import annotations

from mimi.config import get_settings
from mimi.errors import Unauthorized, ValidationFailed
from mimi.notify import service as notify
from mimi.readings import processor, queue, repository
from mimi.readings.processor import JobOutcome, SweepOutcome
from mimi.web import Router

router = Router(needs=("supabase_url", "supabase_service_role_key", "qstash_current_signing_key",
                       "qstash_next_signing_key", "reading_processor_url", "llm_providers",
                       "line_channel_access_token", "line_messaging_api_url", "liff_url"))
SIGNED = {"raw_body": True, "headers": ("Upstash-Signature",)}


@router.post("/", **SIGNED, response=JobOutcome, errors=(Unauthorized, ValidationFailed))
def run_job(body: bytes, upstash_signature: str | None) -> JobOutcome:
    """A reading job: claim, draw, one LLM call, complete or reject (idempotent by reading id)."""
    queue.verify(upstash_signature, body, queue.processor_url())
    return processor.process(processor.parse_job(body))


@router.post("/failed", **SIGNED, response=JobOutcome, errors=(Unauthorized, ValidationFailed))
def job_failed(body: bytes, upstash_signature: str | None) -> JobOutcome:
    """QStash's failure callback: the reading fails and its star is refunded once."""
    queue.verify(upstash_signature, body, queue.failed_url())
    return processor.fail(processor.parse_failure(body))


@router.post("/sweep", **SIGNED, response=SweepOutcome, errors=(Unauthorized,))
def sweep(body: bytes, upstash_signature: str | None) -> SweepOutcome:
    """Run by a QStash schedule: refund readings that were paid for but never reached the processor."""
    queue.verify(upstash_signature, body, queue.sweep_url())
    swept = SweepOutcome.model_validate(repository.sweep_stale_readings(get_settings().stale_reading_after_s))
    for reading_id in swept.reading_ids:
        notify.reading_finished(reading_id)
    return swept
