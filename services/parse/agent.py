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

from newsflow.common.faust_app import Deliverer, incoming, make_app, raw_topic
from newsflow.common.outcomes import Output, PoisonError, Rejected
from newsflow.common.runner import RetryPolicy, route
from newsflow.common.settings import Settings
from newsflow.parse.stage import UnparseableError, parse
from newsflow_schemas import ARTICLES_PARSED, ARTICLES_RAW, Event, RawDocument, Stage


def build_app(settings: Settings) -> faust.App:
    app = make_app(Stage.PARSE, settings)
    deliverer = Deliverer(app, Stage.PARSE, settings)
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parse")
    policy = RetryPolicy()

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

    @app.agent(raw_topic(app, ARTICLES_RAW, settings), name="parse-raw-documents", concurrency=1)
    async def parse_raw_documents(stream: faust.StreamT) -> None:
        # noack: the input is acked by hand, after its output is written (faust commits acked offsets only)
        async for event in stream.noack().events():  # type: ignore[attr-defined]
            routed = await route(incoming(event), step, stage=Stage.PARSE, expect=RawDocument, policy=policy,
                                 max_bytes=settings.max_message_bytes)
            await deliverer.deliver(routed, event.message.key)
            event.ack()

    return app


def main(settings: Settings) -> None:
    """Run the parse service in the foreground until SIGTERM or SIGINT (`newsflow serve parse`)."""
    faust.Worker(build_app(settings), loglevel=settings.log_level.lower(), quiet=True).execute_from_commandline()
