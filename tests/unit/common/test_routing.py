"""The shared step runner on single messages, without Kafka."""

from __future__ import annotations

from newsflow.common.outcomes import Outcome
from newsflow.common.routing import Incoming, RetryPolicy, route
from newsflow_schemas import RawDocument, Stage, encode
from tests.unit.parse.conftest import raw_html


async def _never_called(event):
    raise AssertionError("a tombstone reached the stage's step")


async def test_a_tombstone_is_skipped_without_a_dead_letter():
    routed = await route(Incoming("t", 0, 7, b"some-article-id", None), _never_called, stage=Stage.PARSE,
                         expect=RawDocument, policy=RetryPolicy(), max_bytes=1 << 20)
    assert (routed.outcome, routed.outputs, routed.dead_letter) == (Outcome.TOMBSTONE, [], None)


async def test_an_empty_value_is_not_a_tombstone_but_poison():
    routed = await route(Incoming("t", 0, 8, b"k", b""), _never_called, stage=Stage.PARSE, expect=RawDocument,
                         policy=RetryPolicy(), max_bytes=1 << 20)
    assert routed.outcome == Outcome.POISON and routed.dead_letter is not None


async def test_a_good_message_reaches_the_step():
    document = raw_html(b"<html><body><p>x</p></body></html>")
    value, headers = encode(document)
    seen = []

    async def step(event):
        seen.append(event.article_id)
        return []

    routed = await route(Incoming("t", 0, 9, b"k", value, headers), step, stage=Stage.PARSE, expect=RawDocument,
                         policy=RetryPolicy(), max_bytes=1 << 20)
    assert routed.outcome == Outcome.OK and seen == [document.article_id]
