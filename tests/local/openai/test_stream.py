"""The OpenAI stand-in's streamed chat completions: OpenAI's SSE framing read with the openai SDK's own decoder,
the pace computed in o200k tokens (no clock), and the stream faults tests use."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from openai._streaming import SSEDecoder

from mimi.agent import tokens
from mimi.agent.prompt import build_messages
from mimi.agent.schema import READING_JSON_SCHEMA, response_format
from mimi_local.openai import Pace, StubControls, build_app
from mimi_local.openai.content import content
from mimi_local.openai.stream import TOKENS_PER_CHUNK, Event, Reply, plan
from mimi_local.pg import free_port
from mimi_local.serve import serving
from tests.agent.support import QUESTION_TH, THREE, draw

KEY = "sk-test-stream"
CARDS = draw(3)  # one draw for the module: the same request gives the same reply


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, StubControls]]:
    app = build_app(KEY)
    with serving(app, free_port(), lifespan="off") as srv:
        yield srv.url, app.state.openai


@pytest.fixture
def stub(server: tuple[str, StubControls]) -> Iterator[tuple[str, StubControls]]:
    server[1].reset()
    yield server
    server[1].reset()


def reading_request(**extra: Any) -> dict[str, Any]:
    messages = build_messages(QUESTION_TH, CARDS, "th", THREE)
    return {
        "model": "gpt-4o-mini",
        "messages": messages,
        "response_format": response_format(),
        **extra,
    }


def sse(url: str, body: dict[str, Any]) -> list[str]:
    """The data of every event of a streamed response, decoded by the openai SDK's own SSE decoder."""
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.stream("POST", f"{url}/v1/chat/completions", json=body, headers=headers) as resp:
        assert resp.status_code == 200
        assert resp.headers["content-type"] == "text/event-stream; charset=utf-8"
        return [event.data for event in SSEDecoder().iter_bytes(resp.iter_bytes())]


def test_a_stream_is_role_then_content_then_finish_then_usage_then_done(
    stub: tuple[str, StubControls],
) -> None:
    data = sse(stub[0], reading_request(stream=True, stream_options={"include_usage": True}))
    assert data[-1] == "[DONE]"
    chunks = [json.loads(d) for d in data[:-1]]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    assert len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": "", "refusal": None}
    deltas = [c["choices"][0]["delta"] for c in chunks[1:-2]]
    assert all(set(d) == {"content"} and d["content"] for d in deltas)
    assert chunks[-2]["choices"] == [
        {"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}
    ]
    assert chunks[-1]["choices"] == []
    usage = chunks[-1]["usage"]
    text = "".join(d["content"] for d in deltas)
    assert usage["completion_tokens"] == tokens.count(text)
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert all(c["usage"] is None for c in chunks[:-1])
    assert all(c["choices"][0]["finish_reason"] is None for c in chunks[:-2])


def test_without_include_usage_no_chunk_has_usage(stub: tuple[str, StubControls]) -> None:
    data = sse(stub[0], reading_request(stream=True))
    chunks = [json.loads(d) for d in data[:-1]]
    assert data[-1] == "[DONE]"
    assert all("usage" not in c for c in chunks)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_the_streamed_text_is_the_whole_reply_in_the_schema_order(
    stub: tuple[str, StubControls],
) -> None:
    body = reading_request()
    whole = httpx.post(
        f"{stub[0]}/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {KEY}"}
    ).json()
    chunks = [json.loads(d) for d in sse(stub[0], {**body, "stream": True})[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == whole["choices"][0]["message"]["content"]
    assert list(json.loads(text)) == list(READING_JSON_SCHEMA["properties"])


def test_the_sdk_streams_and_reads_the_usage(stub: tuple[str, StubControls]) -> None:
    client = openai.OpenAI(base_url=f"{stub[0]}/v1", api_key=KEY, max_retries=0)
    body = reading_request()
    chunks = list(
        client.chat.completions.create(**body, stream=True, stream_options={"include_usage": True})
    )
    usage = chunks[-1].usage
    assert usage is not None
    assert usage.prompt_tokens > 1000
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert json.loads(text)["accepted"] is True


def paced(pace: Pace, **fault: Any) -> tuple[list[Event], list[tuple[str, int]], bool]:
    """The planned events of a Thai three-card reply at a pace, and the reply cut into its chunks."""
    body = reading_request(stream=True)
    text = content(body)
    controls = StubControls(api_key=KEY, pace=pace)
    if fault:
        controls.fault_stream(**fault)
    events, cut = plan(Reply(body, text, 0, pace, controls.take_fault(body)), 0, "chatcmpl-x")
    return events, tokens.pieces(text, TOKENS_PER_CHUNK), cut


def content_events(events: list[Event]) -> list[tuple[float, str]]:
    out = []
    for event in events:
        if event.data != "[DONE]":
            choices = json.loads(event.data)["choices"]
            if choices and choices[0]["delta"].get("content"):
                out.append((event.at, choices[0]["delta"]["content"]))
    return out


def test_each_chunk_is_sent_when_its_last_o200k_token_is_written() -> None:
    events, pieces, cut = paced(Pace(0.5, 70))
    sent = content_events(events)
    assert not cut
    assert [text for _, text in sent] == [text for text, _ in pieces]
    assert all(0 < n <= TOKENS_PER_CHUNK for _, n in pieces)
    written = 0
    for (at, _), (_, n) in zip(sent, pieces, strict=True):
        written += n
        assert at == pytest.approx(0.5 + (written - 1) / 70)
    total = tokens.count("".join(text for text, _ in pieces))
    assert written == total
    assert sent[0][0] == pytest.approx(0.5 + (pieces[0][1] - 1) / 70)
    assert events[-1].at == pytest.approx(
        0.5 + (total - 1) / 70
    )  # finish, usage and [DONE] at once
    assert 400 < total < 700  # a Thai three-card reply: about 8 s at 70 tokens a second


def test_instant_pace_sends_everything_at_once() -> None:
    events, _, _ = paced(Pace())
    assert {event.at for event in events} == {0.0}


@pytest.mark.parametrize(
    ("text", "pace"),
    [("0.5,70", Pace(0.5, 70.0)), ("0,1000", Pace(0.0, 1000.0)), ("", Pace())],
)
def test_the_pace_is_read_from_seconds_and_tokens_a_second(text: str, pace: Pace) -> None:
    assert Pace.parse(text) == pace


@pytest.mark.parametrize("text", ["0.5", "fast", "-1,70", "0.5,0", "0.5,-3"])
def test_a_pace_that_is_not_two_sane_numbers_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Pace.parse(text)


def test_a_stall_delays_every_chunk_after_the_first() -> None:
    plain, _, _ = paced(Pace(0.5, 70))
    stalled, _, _ = paced(Pace(0.5, 70), kind="stall", stall_s=20)
    before, after = content_events(plain), content_events(stalled)
    assert after[0] == before[0]
    assert all(a[0] == pytest.approx(b[0] + 20) for a, b in zip(after[1:], before[1:], strict=True))


def test_a_cut_stream_stops_part_way_without_finish_usage_or_done() -> None:
    events, pieces, cut = paced(Pace(), kind="cut", after_tokens=40)
    assert cut
    sent = content_events(events)
    assert 0 < len(sent) < len(pieces)
    assert 40 <= sum(n for _, n in pieces[: len(sent)]) < 40 + TOKENS_PER_CHUNK
    assert all(e.data != "[DONE]" and '"finish_reason":"stop"' not in e.data for e in events)


def test_invalid_json_is_sent_part_way_and_the_stream_ends_normally() -> None:
    events, _, cut = paced(Pace(), kind="invalid_json", after_tokens=60)
    assert not cut
    assert events[-1].data == "[DONE]"
    text = "".join(t for _, t in content_events(events))
    with pytest.raises(ValueError):
        json.loads(text)


def test_a_cut_over_http_drops_the_connection_for_the_sdk(stub: tuple[str, StubControls]) -> None:
    stub[1].fault_stream("cut")
    client = openai.OpenAI(base_url=f"{stub[0]}/v1", api_key=KEY, max_retries=0)
    received = []
    with pytest.raises(openai.APIConnectionError):
        for chunk in client.chat.completions.create(**reading_request(), stream=True):
            received.append(chunk)
    assert len(received) > 10
    assert all(c.choices[0].finish_reason is None for c in received)
    assert stub[1].faults == []  # used up: the next request streams normally
    assert list(client.chat.completions.create(**reading_request(), stream=True))


def test_a_fault_only_hits_the_requests_it_names(stub: tuple[str, StubControls]) -> None:
    controls = stub[1]
    controls.fault_stream("cut", model="gpt-first", times=2)
    controls.fault_stream("invalid_json", match="งานใหม่", times=None)
    assert controls.take_fault(reading_request(model="gpt-second")) is None
    assert controls.take_fault(reading_request(model="gpt-first")) is not None
    assert controls.take_fault(reading_request(model="gpt-first")) is not None
    assert controls.take_fault(reading_request(model="gpt-first")) is None
    job = reading_request()
    job["messages"][1]["content"] += " งานใหม่"
    assert all(controls.take_fault(job) is not None for _ in range(3))


def test_dev_routes_set_faults_and_the_pace(stub: tuple[str, StubControls]) -> None:
    url, controls = stub
    added = httpx.post(f"{url}/dev/faults", json={"kind": "stall", "stall_s": 2, "times": 1})
    assert added.status_code == 201
    assert controls.faults[0].kind == "stall"
    assert controls.faults[0].stall_s == 2
    refused = httpx.post(f"{url}/dev/faults", json={"kind": "explode"})
    assert refused.status_code == 400
    assert refused.json()["error"]["type"] == "invalid_request_error"
    assert httpx.delete(f"{url}/dev/faults").status_code == 204
    assert controls.faults == []
    assert httpx.put(f"{url}/dev/pace", json={"pace": "0.5,70"}).json() == {
        "first_token_s": 0.5,
        "tokens_per_s": 70.0,
    }
    assert controls.pace == Pace(0.5, 70)
    assert httpx.put(f"{url}/dev/pace", json={"pace": "slow"}).status_code == 400
    controls.reset()
    assert controls.pace == Pace()
