"""The parse service: a thin faust agent around the pure `parse` stage.

Consumes raw documents, emits parsed articles keyed by article id, dead-letters what it cannot parse.
Parsing is CPU-bound and a pathological page can run away, so it runs in a child process under a time limit
(`newsflow.common.isolated`): the event loop keeps sending consumer heartbeats, a page over the limit is stopped
with its memory freed, and the next page starts with the whole limit. Scale with more partitions and workers.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime

import faust

from newsflow.common.faust_app import add_stage_agent, make_app, run_worker
from newsflow.common.isolated import IsolatedWorker, WorkerDied, WorkTimeout
from newsflow.common.outcomes import Output, PoisonError, Rejected
from newsflow.common.settings import Settings
from newsflow.parse.stage import UnparseableError, parse
from newsflow_schemas import ARTICLES_PARSED, ARTICLES_RAW, Event, RawDocument, Stage


def build_app(settings: Settings) -> faust.App:
    app = make_app(Stage.PARSE, settings)
    worker = IsolatedWorker(functools.partial(parse, max_body_bytes=settings.max_body_bytes,
                                              max_markup=settings.parse_max_markup),
                            timeout_s=settings.parse_timeout_s, name="parse", preload=["newsflow.parse.stage"],
                            max_memory_bytes=settings.parse_max_memory_mb << 20)

    async def step(raw: Event) -> list[Output] | Rejected:
        assert isinstance(raw, RawDocument)
        try:
            result = await worker.call(raw, datetime.now(UTC))
        except (WorkTimeout, WorkerDied, MemoryError, UnparseableError) as exc:
            raise PoisonError(str(exc) or type(exc).__name__) from exc
        if isinstance(result, Rejected):
            return result
        return [Output(ARTICLES_PARSED, result.article_id, result)]

    add_stage_agent(app, Stage.PARSE, ARTICLES_RAW, RawDocument, step, settings)
    return app


def main(settings: Settings) -> None:
    """Run the parse service in the foreground until SIGTERM or SIGINT (`newsflow serve parse`)."""
    run_worker(build_app(settings), settings)
