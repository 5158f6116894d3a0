"""The enrich service (`newsflow serve enrich`): a thin faust agent around the enrich stage.

The CPU-bound analysis (language, spaCy, quotes, keyphrases, sentiment) runs on a worker thread so the event loop
keeps the consumer's heartbeats; duplicate detection then reads and writes the shared band index.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import faust

from newsflow.common.faust_app import add_stage_agent, make_app, run_worker
from newsflow.common.outcomes import Output
from newsflow.common.settings import Settings
from newsflow.enrich.bands import SearchBandStore
from newsflow.enrich.stage import Tools, analyse, enrich
from newsflow.search import connect
from newsflow_schemas import ARTICLES_ENRICHED, ARTICLES_PARSED, Event, ParsedArticle, Stage


def build_app(settings: Settings) -> faust.App:
    app = make_app(Stage.ENRICH, settings)
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="enrich")
    tools = Tools.load(embeddings=settings.embeddings)
    bands: list[SearchBandStore] = []  # connected on first use: nothing connects at build time
    lock = asyncio.Lock()

    async def band_store() -> SearchBandStore:
        async with lock:
            if not bands:
                store = SearchBandStore(await connect(settings), settings.index_prefix)
                await store.setup()
                bands.append(store)
        return bands[0]

    async def step(parsed: Event) -> list[Output]:
        assert isinstance(parsed, ParsedArticle)
        analysis = await asyncio.get_running_loop().run_in_executor(executor, analyse, parsed, tools)
        enriched = await enrich(parsed, analysis, await band_store(), datetime.now(UTC))
        return [Output(ARTICLES_ENRICHED, enriched.article_id, enriched)]

    add_stage_agent(app, Stage.ENRICH, ARTICLES_PARSED, ParsedArticle, step, settings)
    return app


def main(settings: Settings) -> None:
    """Run the enrich service in the foreground until SIGTERM or SIGINT (`newsflow serve enrich`)."""
    run_worker(build_app(settings), settings)
