"""The parse service (`newsflow serve parse`): the pure `parse` stage on the shared runner.

Consumes raw documents, emits parsed articles keyed by article id, dead-letters what it cannot parse, all in one
transaction per batch (`newsflow.common.runner`). Parsing is CPU-bound and a pathological page can run away, so
it runs in a child process under a time limit (`newsflow.common.isolated`): the event loop keeps the consumer's
heartbeats, a page over the limit is stopped with its memory freed, and the next page starts with the whole limit.
Scale with more partitions and workers.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from newsflow.common.isolated import IsolatedWorker, WorkerDied, WorkTimeout
from newsflow.common.lifecycle import Service
from newsflow.common.outcomes import Output, PoisonError, Rejected
from newsflow.common.runner import Runner, handle_messages
from newsflow.common.settings import Settings
from newsflow.parse.settings import ParseSettings
from newsflow.parse.stage import UnparseableError, parse
from newsflow_schemas import ARTICLES_PARSED, ARTICLES_RAW, Event, RawDocument, Stage


def build(settings: Settings, parse_settings: ParseSettings) -> Service:
    worker = IsolatedWorker(functools.partial(parse, max_body_bytes=settings.max_body_bytes,
                                              max_markup=parse_settings.parse_max_markup),
                            timeout_s=parse_settings.parse_timeout_s, name="parse", preload=["newsflow.parse.stage"],
                            max_memory_bytes=parse_settings.parse_max_memory_mb << 20)

    async def step(raw: Event) -> list[Output] | Rejected:
        assert isinstance(raw, RawDocument)
        try:
            result = await worker.call(raw, datetime.now(UTC))
        except (WorkTimeout, WorkerDied, MemoryError, UnparseableError) as exc:
            raise PoisonError(str(exc) or type(exc).__name__) from exc
        if isinstance(result, Rejected):
            return result
        return [Output(ARTICLES_PARSED, result.article_id, result)]

    handle = handle_messages(step, stage=Stage.PARSE, expect=RawDocument, max_bytes=settings.max_message_bytes)
    return Service(Runner(settings, Stage.PARSE, ARTICLES_RAW, handle).run, closers=[worker.close])
