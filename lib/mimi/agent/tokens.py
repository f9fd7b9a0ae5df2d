"""Token counts with OpenAI's real o200k_base tokenizer (PyPI's bpe-openai bundles it: no download at run time).

The stand-in reports its usage and paces its streams in these tokens; `make eval` and the cost bench count with them.
Here because both mimi_local and mimi_ops need it; no function imports it, and bpe-openai (never in a Lambda zip)
is imported on first use.
"""

from __future__ import annotations

import codecs
import json
import threading
from typing import Any

# Chat framing per message (<|im_start|>role ... <|im_end|>) and the reply's primer, as OpenAI's cookbook counts.
PER_MESSAGE = 3
REPLY_PRIMER = 3


_loaded: list[Any] = []
_loading = threading.Lock()


def _encoding() -> Any:
    """The o200k_base encoding, loaded once (a second or more) however many threads ask at first."""
    if not _loaded:
        with _loading:
            if not _loaded:
                import bpe_openai

                _loaded.append(bpe_openai.get_encoding("o200k_base"))
    return _loaded[0]


def count(text: str) -> int:
    """The o200k_base tokens of a text."""
    return len(_encoding().encode(text))


def schema_tokens(schema: dict[str, Any]) -> int:
    """The response schema, counted as compact JSON: OpenAI puts it before the system message (its own rendering
    is not published, so this is an estimate of that part)."""
    return count(json.dumps(schema, ensure_ascii=False, separators=(",", ":")))


def messages_tokens(messages: list[dict[str, str]]) -> int:
    """The chat messages as the model sees them."""
    return sum(PER_MESSAGE + count(m["content"]) for m in messages) + REPLY_PRIMER


def output_tokens(content: str) -> int:
    """A reply's tokens (its JSON text as the model wrote it)."""
    return count(content)


def pieces(text: str, per_piece: int) -> list[tuple[str, int]]:
    """The text cut after every `per_piece` tokens, each piece with its token count. A character whose bytes span
    two tokens goes whole into the piece that completes it (as OpenAI never sends half a character)."""
    ids = _encoding().encode(text)
    decoder = codecs.getincrementaldecoder("utf-8")()
    out: list[tuple[str, int]] = []
    owed = 0
    for start in range(0, len(ids), per_piece):
        group = ids[start : start + per_piece]
        piece, owed = decoder.decode(_encoding().decode_bytes(group)), owed + len(group)
        if piece:
            out.append((piece, owed))
            owed = 0
    if owed:  # never for valid text: the last token completes the last character
        out.append((decoder.decode(b"", final=True), owed))
    return out
