"""reading_processor routes, for QStash only: POST / (a job), POST /failed (retries ran out), POST /sweep (schedule)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from mimi.config import get_settings
from mimi.readings import processor, queue, repository
from mimi.readings.processor import JobOutcome, SweepOutcome

router = APIRouter()


async def _signed(request: Request, url: str) -> bytes:
    """The raw body, once its Upstash-Signature checks out for this URL (401 otherwise)."""
    body = await request.body()
    queue.verify(request.headers.get("upstash-signature"), body, url)
    return body


async def job_body(request: Request) -> bytes:
    return await _signed(request, queue.processor_url())


async def failure_body(request: Request) -> bytes:
    return await _signed(request, queue.failed_url())


async def sweep_body(request: Request) -> bytes:
    return await _signed(request, queue.sweep_url())


@router.post("/", response_model=JobOutcome)
def run_job(body: Annotated[bytes, Depends(job_body)]) -> JobOutcome:
    return processor.process(processor.parse_job(body))


@router.post("/failed", response_model=JobOutcome)
def job_failed(body: Annotated[bytes, Depends(failure_body)]) -> JobOutcome:
    return processor.fail(processor.parse_failure(body))


@router.post("/sweep", response_model=SweepOutcome)
def sweep(_: Annotated[bytes, Depends(sweep_body)]) -> SweepOutcome:
    """Run by a QStash schedule: refund readings that were paid for but never reached the processor."""
    return SweepOutcome.model_validate(repository.sweep_stale_readings(get_settings().stale_reading_after_s))
