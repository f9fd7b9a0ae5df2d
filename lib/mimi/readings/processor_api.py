"""reading_processor routes, for QStash only: POST / (a reading job), POST /failed (retries ran out)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from mimi.readings import processor, queue
from mimi.readings.processor import JobOutcome

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


@router.post("/", response_model=JobOutcome)
def run_job(body: Annotated[bytes, Depends(job_body)]) -> JobOutcome:
    return processor.process(processor.parse_job(body))


@router.post("/failed", response_model=JobOutcome)
def job_failed(body: Annotated[bytes, Depends(failure_body)]) -> JobOutcome:
    return processor.fail(processor.parse_failure(body))
