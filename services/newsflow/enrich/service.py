"""The enrich service (`newsflow serve enrich`): the enrich stage on the shared runner.

The CPU-bound analysis (language, spaCy, quotes, keyphrases, sentiment) runs in a child process under a time limit
(`newsflow.common.isolated`, which loads the models there): the event loop keeps the consumer's heartbeats, and
an article that runs away is stopped and dead-lettered. Duplicate detection then reads and writes the shared band
index; while that is unavailable the agent waits and looks again (the article's other fields are kept, and the
duplicates field is never published degraded for an outage).
Outputs and dead letters are written in one transaction per batch (`newsflow.common.runner`).
"""

from __future__ import annotations

import asyncio
import functools
import itertools
from datetime import UTC, datetime

import structlog

from newsflow.common.isolated import IsolatedPool, WorkerDied, WorkTimeout
from newsflow.common.lifecycle import Service
from newsflow.common.outcomes import Output, PoisonError, TransientError
from newsflow.common.routing import outage_delay
from newsflow.common.runner import Runner, handle_messages
from newsflow.common.settings import Settings
from newsflow.enrich.bands import SearchBandStore
from newsflow.enrich.settings import EnrichSettings
from newsflow.enrich.stage import analyse_with_loaded_tools, enrich
from newsflow.search import connect
from newsflow_schemas import ARTICLES_ENRICHED, ARTICLES_PARSED, Event, ParsedArticle, Stage

log = structlog.get_logger()


def build(settings: Settings, enrich_settings: EnrichSettings) -> Service:
    analyse = functools.partial(analyse_with_loaded_tools, embeddings=enrich_settings.embeddings)
    analysers = IsolatedPool(analyse, size=enrich_settings.enrich_processes, timeout_s=enrich_settings.enrich_timeout_s,
                             name="enrich", preload=["newsflow.enrich.stage"])
    bands: list[SearchBandStore] = []  # connected on first use: nothing connects at build time

    async def band_store() -> SearchBandStore:
        if not bands:
            engine = await connect(enrich_settings)
            store = SearchBandStore(engine, enrich_settings.index_prefix)
            try:
                await store.setup()
            except BaseException:
                await engine.close()
                raise
            bands.append(store)
        return bands[0]

    async def step(parsed: Event) -> list[Output]:
        assert isinstance(parsed, ParsedArticle)
        try:
            analysis = await analysers.call(parsed)
        except (WorkTimeout, WorkerDied, MemoryError) as exc:
            raise PoisonError(str(exc) or type(exc).__name__) from exc
        for attempt in itertools.count(1):
            try:
                enriched = await enrich(parsed, analysis, await band_store(), datetime.now(UTC))
                return [Output(ARTICLES_ENRICHED, enriched.article_id, enriched)]
            except TransientError as exc:  # the band index is down: wait, as the index service does
                log.warning("band index unavailable; waiting", stage=Stage.ENRICH, article_id=parsed.article_id,
                            attempt=attempt, error=str(exc))
                await asyncio.sleep(outage_delay(attempt))
        raise AssertionError("unreachable")

    async def close_band_store() -> None:
        if bands:
            await bands[0].engine.close()

    handle = handle_messages(step, stage=Stage.ENRICH, expect=ParsedArticle, max_bytes=settings.max_message_bytes)
    return Service(Runner(settings, Stage.ENRICH, ARTICLES_PARSED, handle).run,
                   closers=[analysers.close, close_band_store])
