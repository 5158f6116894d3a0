"""The index service (`newsflow serve index`): the index step (`sink.py`) on the shared runner, in batches."""

from __future__ import annotations

import asyncio

import structlog

from newsflow.common.lifecycle import Service
from newsflow.common.routing import outage_delay
from newsflow.common.runner import Batching, Runner
from newsflow.common.settings import Settings
from newsflow.index.settings import IndexSettings
from newsflow.index.setup import IndexLayout, ensure_index_setup
from newsflow.index.sink import IndexWriter
from newsflow.search import SearchEngine, SearchUnavailableError, connect
from newsflow_schemas import ARTICLES_ENRICHED, Stage

log = structlog.get_logger()


def build(settings: Settings, index: IndexSettings) -> Service:
    engines: list[SearchEngine] = []

    async def work(stop: asyncio.Event) -> None:
        engine, plan = await _connect_and_set_up(index)
        engines.append(engine)
        log.info("index service ready", stage=Stage.INDEX, writing_to=plan.write_alias, index=plan.physical)
        writer = IndexWriter(engine, plan.write_alias, max_bulk_bytes=index.index_batch_bytes,
                             max_message_bytes=settings.max_message_bytes)
        batching = Batching(index.index_batch_docs, index.index_linger_ms / 1000)
        await Runner(settings, Stage.INDEX, ARTICLES_ENRICHED, writer.handle, batch=batching).run(stop)

    async def close() -> None:
        for engine in engines:
            await engine.close()

    return Service(work, closers=[close])


async def _connect_and_set_up(settings: IndexSettings) -> tuple[SearchEngine, IndexLayout]:
    """Wait for the engine (it may start after us), then make sure template and aliases exist."""
    attempt = 0
    while True:
        engine: SearchEngine | None = None
        try:
            engine = await connect(settings)
            return engine, await ensure_index_setup(engine, settings)
        except SearchUnavailableError as exc:
            if engine is not None:
                await engine.close()
            attempt += 1
            log.warning("waiting for the search engine", stage=Stage.INDEX, attempt=attempt, error=str(exc))
            await asyncio.sleep(outage_delay(attempt) + 0.5)
