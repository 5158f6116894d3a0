"""The enrich service (`newsflow serve enrich`): a thin faust agent around the enrich stage.

The CPU-bound analysis (language, spaCy, quotes, keyphrases, sentiment) runs in a child process under a time limit
(`newsflow.common.isolated`, which loads the models there): the event loop keeps the consumer's heartbeats, and
an article that runs away is stopped and dead-lettered. Duplicate detection then reads and writes the shared band
index; while that is unavailable the agent waits and looks again (the article's other fields are kept, and the
duplicates field is never published degraded for an outage).
"""

from __future__ import annotations

import asyncio
import functools
import itertools
from datetime import UTC, datetime

import faust
import structlog

from newsflow.common.faust_app import add_stage_agent, make_app, run_worker
from newsflow.common.isolated import IsolatedWorker, WorkerDied, WorkTimeout
from newsflow.common.outcomes import Output, PoisonError, TransientError
from newsflow.common.runner import outage_delay
from newsflow.common.settings import Settings
from newsflow.enrich.bands import SearchBandStore
from newsflow.enrich.stage import analyse_with_loaded_tools, enrich
from newsflow.search import connect
from newsflow_schemas import ARTICLES_ENRICHED, ARTICLES_PARSED, Event, ParsedArticle, Stage

log = structlog.get_logger()


def build_app(settings: Settings) -> faust.App:
    app = make_app(Stage.ENRICH, settings)
    worker = IsolatedWorker(functools.partial(analyse_with_loaded_tools, embeddings=settings.embeddings),
                            timeout_s=settings.enrich_timeout_s, name="enrich", preload=["newsflow.enrich.stage"])
    bands: list[SearchBandStore] = []  # connected on first use: nothing connects at build time

    async def band_store() -> SearchBandStore:
        if not bands:
            engine = await connect(settings)
            store = SearchBandStore(engine, settings.index_prefix)
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
            analysis = await worker.call(parsed)
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

    add_stage_agent(app, Stage.ENRICH, ARTICLES_PARSED, ParsedArticle, step, settings)
    return app


def main(settings: Settings) -> None:
    """Run the enrich service in the foreground until SIGTERM or SIGINT (`newsflow serve enrich`)."""
    run_worker(build_app(settings), settings)
