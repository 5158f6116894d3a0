"""The parse service: a thin faust agent around the pure `parse` stage.

Consumes raw documents, emits parsed articles keyed by article id, dead-letters what it cannot parse.
Parsing is CPU-bound, so it runs on a worker thread (lxml releases the GIL while parsing): the event loop
keeps sending consumer heartbeats. Scale with more partitions and more workers.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import faust

from newsflow.common.faust_app import add_stage_agent, make_app, run_worker
from newsflow.common.outcomes import Output, PoisonError, Rejected
from newsflow.common.settings import Settings
from newsflow.parse.stage import UnparseableError, parse
from newsflow_schemas import ARTICLES_PARSED, ARTICLES_RAW, Event, RawDocument, Stage


def build_app(settings: Settings) -> faust.App:
    app = make_app(Stage.PARSE, settings)
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parse")

    async def step(raw: Event) -> list[Output] | Rejected:
        assert isinstance(raw, RawDocument)
        work = asyncio.get_running_loop().run_in_executor(
            executor, parse, raw, datetime.now(UTC), settings.max_body_bytes)
        try:
            result = await asyncio.wait_for(work, timeout=settings.parse_timeout_s)
        except TimeoutError as exc:
            raise PoisonError(f"parsing took longer than {settings.parse_timeout_s} s") from exc
        except UnparseableError as exc:
            raise PoisonError(str(exc)) from exc
        if isinstance(result, Rejected):
            return result
        return [Output(ARTICLES_PARSED, result.article_id, result)]

    add_stage_agent(app, Stage.PARSE, ARTICLES_RAW, RawDocument, step, settings)
    return app


def main(settings: Settings) -> None:
    """Run the parse service in the foreground until SIGTERM or SIGINT (`newsflow serve parse`)."""
    run_worker(build_app(settings), settings)
